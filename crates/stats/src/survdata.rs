//! Survival data from CSV text: time, event, optional group and numeric
//! covariates (docs/reference/statistics.md §0 conventions).
//!
//! Rules (issue 5): a header row is required; `event` is 0 (censored) or 1
//! (event); a missing value is an empty cell; rows with a missing time or
//! event are dropped and counted; a non-numeric, negative or non-finite time,
//! an event other than 0/1, or a non-numeric covariate is an error naming the
//! source, row, column and rule. A row with a missing group is kept for the
//! overall curve and left out of the per-group analyses (counted); missing
//! covariates are kept (Cox uses complete cases).
//!
//! The parser is incremental ([`CsvParser::push_line`]) so that the caller
//! can stream a large file line by line; it allocates nothing per row except
//! when a new group level appears. Fields may be quoted (RFC 4180, without
//! line breaks inside quotes); surrounding spaces are ignored.
//!
//! This module does no I/O: it parses text handed to it.

use crate::time::SurvTime;
use std::collections::HashMap;

/// Which columns to read.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ColumnSpec {
    /// The time column (unit: whatever the study used).
    pub time: String,
    /// The event column (1 = event, 0 = censored).
    pub event: String,
    /// The optional grouping column (any text; levels sorted numerically if
    /// all are numbers, otherwise alphabetically).
    pub group: Option<String>,
    /// Numeric covariate columns (for Cox models).
    pub covariates: Vec<String>,
}

/// A numeric covariate column; `missing[i]` marks an empty cell (the value
/// is then 0 and must not be used).
#[derive(Clone, Debug, PartialEq)]
pub struct Covariate {
    /// Column name.
    pub name: String,
    /// Values, one per kept row (0 where missing).
    pub values: Vec<f64>,
    /// `true` where the cell was empty.
    pub missing: Vec<bool>,
}

/// The parsed survival data (rows with missing time or event removed).
#[derive(Clone, Debug, PartialEq)]
pub struct SurvivalData {
    /// Times, in the unit of the input column.
    pub time: Vec<SurvTime>,
    /// `true` = event, `false` = censored.
    pub event: Vec<bool>,
    /// Group levels in display order (empty without a group column).
    pub group_levels: Vec<String>,
    /// Zero-based group of each row; `None` for a missing group cell (empty
    /// without a group column).
    pub group: Vec<Option<u32>>,
    /// Covariate columns, in the order requested.
    pub covariates: Vec<Covariate>,
    /// Data rows in the input (excluding the header and blank lines).
    pub n_rows: usize,
    /// Rows dropped because the time or the event was missing.
    pub n_dropped_missing: usize,
    /// Kept rows whose group cell was empty.
    pub n_missing_group: usize,
}

/// A CSV error, naming where and which rule was broken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// No header line.
    #[error("{source_name}: empty file (a header row is required)")]
    Empty {
        /// The file name (or other label).
        source_name: String,
    },
    /// A requested column is not in the header.
    #[error("{source_name}: no column '{column}' in the header (columns: {available})")]
    MissingColumn {
        /// The file name.
        source_name: String,
        /// The requested column.
        column: String,
        /// The header, comma-separated.
        available: String,
    },
    /// A bad cell.
    #[error("{source_name} row {row} (line {line}), column '{column}': {message}")]
    Cell {
        /// The file name.
        source_name: String,
        /// 1-based data row (the header is row 0).
        row: usize,
        /// 1-based line in the file.
        line: usize,
        /// The column.
        column: String,
        /// What is wrong.
        message: String,
    },
    /// A row with too few fields or an unterminated quote.
    #[error("{source_name} row {row} (line {line}): {message}")]
    Row {
        /// The file name.
        source_name: String,
        /// 1-based data row.
        row: usize,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Incremental CSV parser for survival data.
#[derive(Debug)]
pub struct CsvParser {
    source_name: String,
    header: Vec<String>,
    /// Field index of the time, event and group columns and of each
    /// covariate (a column may serve as group and covariate).
    time_col: usize,
    event_col: usize,
    group_col: Option<usize>,
    cov_cols: Vec<usize>,
    last_needed: usize,
    data: SurvivalData,
    level_index: HashMap<String, u32>,
    line: usize,
    scratch_cov: Vec<Option<f64>>, // covariates of the current row
    unquoted: String,              // scratch for quoted fields
}

impl CsvParser {
    /// Starts parsing with the header line (line 1 of `source_name`).
    ///
    /// # Errors
    /// [`DataError::MissingColumn`] if a requested column is absent,
    /// [`DataError::Row`] for a malformed header.
    pub fn new(header: &str, source_name: &str, spec: &ColumnSpec) -> Result<Self, DataError> {
        let header = header.strip_prefix('\u{feff}').unwrap_or(header);
        let mut names = Vec::new();
        let mut scratch = String::new();
        for_each_field(header, &mut scratch, |f| names.push(f.trim().to_string())).map_err(
            |message| DataError::Row {
                source_name: source_name.to_string(),
                row: 0,
                line: 1,
                message,
            },
        )?;
        if names.len() == 1 && names[0].is_empty() {
            return Err(DataError::Empty {
                source_name: source_name.to_string(),
            });
        }
        let find = |col: &str| -> Result<usize, DataError> {
            names
                .iter()
                .position(|n| n == col)
                .ok_or_else(|| DataError::MissingColumn {
                    source_name: source_name.to_string(),
                    column: col.to_string(),
                    available: names.join(", "),
                })
        };
        let time_col = find(&spec.time)?;
        let event_col = find(&spec.event)?;
        let group_col = spec.group.as_deref().map(find).transpose()?;
        let cov_cols = spec
            .covariates
            .iter()
            .map(|c| find(c))
            .collect::<Result<Vec<_>, _>>()?;
        let last_needed = cov_cols
            .iter()
            .copied()
            .chain([time_col, event_col])
            .chain(group_col)
            .max()
            .unwrap_or(0);
        Ok(Self {
            source_name: source_name.to_string(),
            header: names,
            time_col,
            event_col,
            group_col,
            cov_cols,
            last_needed,
            data: SurvivalData {
                time: Vec::new(),
                event: Vec::new(),
                group_levels: Vec::new(),
                group: Vec::new(),
                covariates: spec
                    .covariates
                    .iter()
                    .map(|name| Covariate {
                        name: name.clone(),
                        values: Vec::new(),
                        missing: Vec::new(),
                    })
                    .collect(),
                n_rows: 0,
                n_dropped_missing: 0,
                n_missing_group: 0,
            },
            level_index: HashMap::new(),
            line: 1,
            scratch_cov: Vec::new(),
            unquoted: String::new(),
        })
    }

    /// Reserves room for about `rows` more data rows (a hint from the
    /// caller, e.g. file size ÷ line length), so that the columns do not grow
    /// by repeated reallocation on large files.
    pub fn reserve(&mut self, rows: usize) {
        let d = &mut self.data;
        d.time.reserve(rows);
        d.event.reserve(rows);
        if self.group_col.is_some() {
            d.group.reserve(rows);
        }
        for c in &mut d.covariates {
            c.values.reserve(rows);
            c.missing.reserve(rows);
        }
    }

    /// Parses the next line of the file (without its line terminator; a
    /// trailing `\r` is ignored). Blank lines are skipped.
    ///
    /// # Errors
    /// [`DataError::Cell`] / [`DataError::Row`] naming the row and column.
    pub fn push_line(&mut self, line: &str) -> Result<(), DataError> {
        self.line += 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            return Ok(());
        }
        self.data.n_rows += 1;
        let row = self.data.n_rows;
        // Fast path: one byte scan up to the last needed column; a quote in
        // that prefix sends the line to the unquoting path.
        let last = self.last_needed;
        if last < 16 {
            let bytes = line.as_bytes();
            let mut fields: [&str; 16] = [""; 16];
            let (mut n, mut start, mut quoted) = (0, 0, false);
            let mut i = 0;
            while i < bytes.len() && n <= last {
                match bytes[i] {
                    b',' => {
                        fields[n] = &line[start..i];
                        n += 1;
                        start = i + 1;
                    }
                    b'"' => {
                        quoted = true;
                        break;
                    }
                    _ => {}
                }
                i += 1;
            }
            if !quoted {
                if n <= last && i == bytes.len() {
                    fields[n] = &line[start..];
                    n += 1;
                }
                if n <= last {
                    return Err(self.short_row(row, n));
                }
                return self.take_row(row, &fields[..n]);
            }
        }
        // Slow path: unquote field by field.
        let mut fields: Vec<String> = Vec::with_capacity(self.last_needed + 1);
        let mut scratch = std::mem::take(&mut self.unquoted);
        let res = for_each_field(line, &mut scratch, |f| fields.push(f.to_string()));
        self.unquoted = scratch;
        res.map_err(|message| self.row_error(row, message))?;
        if fields.len() <= last {
            return Err(self.short_row(row, fields.len()));
        }
        let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
        self.take_row(row, &refs)
    }

    fn short_row(&self, row: usize, n: usize) -> DataError {
        self.row_error(
            row,
            format!(
                "{n} fields, but column '{}' is field {}",
                self.header[self.last_needed],
                self.last_needed + 1
            ),
        )
    }

    fn row_error(&self, row: usize, message: String) -> DataError {
        DataError::Row {
            source_name: self.source_name.clone(),
            row,
            line: self.line,
            message,
        }
    }

    fn cell_error(&self, row: usize, col: usize, message: String) -> DataError {
        DataError::Cell {
            source_name: self.source_name.clone(),
            row,
            line: self.line,
            column: self.header[col].clone(),
            message,
        }
    }

    fn take_row(&mut self, row: usize, fields: &[&str]) -> Result<(), DataError> {
        let time = {
            let col = self.time_col;
            let cell = fields[col].trim();
            if cell.is_empty() {
                None
            } else {
                let v: f64 = cell
                    .parse()
                    .map_err(|_| self.cell_error(row, col, format!("'{cell}' is not a number")))?;
                if !(v.is_finite() && v >= 0.0) {
                    return Err(self.cell_error(
                        row,
                        col,
                        format!("{cell} is not a valid time (must be finite and ≥ 0)"),
                    ));
                }
                Some(v)
            }
        };
        let event = {
            let col = self.event_col;
            let cell = fields[col].trim();
            match cell {
                "" => None,
                "1" => Some(true),
                "0" => Some(false),
                _ => match cell.parse::<f64>() {
                    Ok(1.0) => Some(true),
                    Ok(0.0) => Some(false),
                    _ => {
                        return Err(self.cell_error(
                            row,
                            col,
                            format!("'{cell}' is not a valid event code (1 = event, 0 = censored)"),
                        ));
                    }
                },
            }
        };
        let (Some(time), Some(event)) = (time, event) else {
            self.data.n_dropped_missing += 1;
            return Ok(());
        };
        // Validate covariates before pushing anything, so that an error
        // leaves no partial row.
        self.scratch_cov.clear();
        for &col in &self.cov_cols {
            let cell = fields[col].trim();
            let value = if cell.is_empty() {
                None
            } else {
                let v: f64 = cell.parse().map_err(|_| {
                    self.cell_error(
                        row,
                        col,
                        format!("'{cell}' is not a number (missing values must be empty cells)"),
                    )
                })?;
                if !v.is_finite() {
                    return Err(self.cell_error(row, col, format!("{cell} is not finite")));
                }
                Some(v)
            };
            self.scratch_cov.push(value);
        }
        self.data
            .time
            .push(SurvTime::new(time).unwrap_or(SurvTime::ZERO));
        self.data.event.push(event);
        if let Some(col) = self.group_col {
            let cell = fields[col].trim();
            let g = (!cell.is_empty()).then(|| match self.level_index.get(cell) {
                Some(&i) => i,
                None => {
                    let i = self.data.group_levels.len() as u32;
                    self.data.group_levels.push(cell.to_string());
                    self.level_index.insert(cell.to_string(), i);
                    i
                }
            });
            if g.is_none() {
                self.data.n_missing_group += 1;
            }
            self.data.group.push(g);
        }
        for (c, v) in self.data.covariates.iter_mut().zip(&self.scratch_cov) {
            c.values.push(v.unwrap_or(0.0));
            c.missing.push(v.is_none());
        }
        Ok(())
    }

    /// Finishes: orders group levels (numerically if every level is a
    /// number, else alphabetically, as R's `factor`) and returns the data.
    pub fn finish(mut self) -> SurvivalData {
        let levels = std::mem::take(&mut self.data.group_levels);
        if levels.is_empty() {
            return self.data;
        }
        let numeric: Option<Vec<f64>> = levels.iter().map(|l| l.parse::<f64>().ok()).collect();
        let mut order: Vec<usize> = (0..levels.len()).collect();
        match &numeric {
            Some(v) => order.sort_by(|&a, &b| v[a].total_cmp(&v[b])),
            None => order.sort_by(|&a, &b| levels[a].cmp(&levels[b])),
        }
        let mut remap = vec![0u32; levels.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old] = new as u32;
        }
        for g in self.data.group.iter_mut().flatten() {
            *g = remap[*g as usize];
        }
        self.data.group_levels = order.iter().map(|&i| levels[i].clone()).collect();
        self.data
    }
}

/// Parses a whole CSV text (see the module rules).
///
/// # Errors
/// [`DataError`] naming source, row, column and rule.
pub fn parse_csv(
    text: &str,
    source_name: &str,
    spec: &ColumnSpec,
) -> Result<SurvivalData, DataError> {
    let mut lines = text.lines();
    let header = lines.next().ok_or_else(|| DataError::Empty {
        source_name: source_name.to_string(),
    })?;
    let mut parser = CsvParser::new(header, source_name, spec)?;
    for line in lines {
        parser.push_line(line)?;
    }
    Ok(parser.finish())
}

/// Calls `f` with each field of one CSV line, unquoting RFC 4180 quoted
/// fields ("a ""b""" → a "b").
fn for_each_field(line: &str, scratch: &mut String, mut f: impl FnMut(&str)) -> Result<(), String> {
    let bytes = line.as_bytes();
    let mut i = 0;
    loop {
        // skip leading spaces before a quote
        let start = i;
        let mut j = i;
        while j < bytes.len() && bytes[j] == b' ' {
            j += 1;
        }
        if j < bytes.len() && bytes[j] == b'"' {
            scratch.clear();
            let mut k = j + 1;
            loop {
                match bytes.get(k) {
                    None => return Err("unterminated quoted field".to_string()),
                    Some(b'"') if bytes.get(k + 1) == Some(&b'"') => {
                        scratch.push('"');
                        k += 2;
                    }
                    Some(b'"') => {
                        k += 1;
                        break;
                    }
                    Some(_) => {
                        let next = line[k..].find('"').map_or(bytes.len(), |p| k + p);
                        scratch.push_str(&line[k..next]);
                        k = next;
                    }
                }
            }
            while k < bytes.len() && bytes[k] == b' ' {
                k += 1;
            }
            match bytes.get(k) {
                None => {
                    f(scratch);
                    return Ok(());
                }
                Some(b',') => {
                    f(scratch);
                    i = k + 1;
                }
                Some(_) => return Err("text after a closing quote".to_string()),
            }
        } else {
            match line[start..].find(',') {
                Some(p) => {
                    f(&line[start..start + p]);
                    i = start + p + 1;
                }
                None => {
                    f(&line[start..]);
                    return Ok(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(group: bool, covs: &[&str]) -> ColumnSpec {
        ColumnSpec {
            time: "time".into(),
            event: "event".into(),
            group: group.then(|| "arm".into()),
            covariates: covs.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn parses_drops_and_counts() {
        let text =
            "id,time,event,arm,age\n1,5,1,B,40\n2,,1,A,41\n3,7.5,0,A,\n4,8,,B,3\n\n5,9,1,,50\n";
        let d = parse_csv(text, "d.csv", &spec(true, &["age"])).unwrap();
        assert_eq!(d.n_rows, 5);
        assert_eq!(d.n_dropped_missing, 2);
        assert_eq!(d.n_missing_group, 1);
        assert_eq!(
            d.time.iter().map(|t| t.value()).collect::<Vec<_>>(),
            [5.0, 7.5, 9.0]
        );
        assert_eq!(d.event, [true, false, true]);
        assert_eq!(d.group_levels, ["A", "B"]);
        assert_eq!(d.group, [Some(1), Some(0), None]);
        assert_eq!(d.covariates[0].missing, [false, true, false]);
        assert_eq!(d.covariates[0].values[2], 50.0);
    }

    #[test]
    fn a_column_can_be_group_and_covariate() {
        let text = "time,event,arm\n1,1,1\n2,0,2\n";
        let d = parse_csv(text, "d.csv", &spec(true, &["arm"])).unwrap();
        assert_eq!(d.group, [Some(0), Some(1)]);
        assert_eq!(d.covariates[0].values, [1.0, 2.0]);
    }

    #[test]
    fn numeric_levels_sort_numerically_and_quotes_work() {
        let text = "time,event,arm\n1,1,10\n2,0,9\n\"3\",1,\"2\"\r\n";
        let d = parse_csv(text, "d.csv", &spec(true, &[])).unwrap();
        assert_eq!(d.group_levels, ["2", "9", "10"]);
        assert_eq!(d.group, [Some(2), Some(1), Some(0)]);
        assert_eq!(d.time[2].value(), 3.0);
    }

    #[test]
    fn errors_name_row_column_and_rule() {
        let e = parse_csv("time,event\n1,1\nabc,1\n", "s.csv", &spec(false, &[])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "s.csv row 2 (line 3), column 'time': 'abc' is not a number"
        );
        let e = parse_csv("time,event\n-1,1\n", "s.csv", &spec(false, &[])).unwrap_err();
        assert!(
            e.to_string().contains("row 1 (line 2), column 'time'"),
            "{e}"
        );
        let e = parse_csv("time,event\n1,2\n", "s.csv", &spec(false, &[])).unwrap_err();
        assert!(
            e.to_string().contains("'2' is not a valid event code"),
            "{e}"
        );
        let e = parse_csv("time,event\n1,1\n", "s.csv", &spec(true, &[])).unwrap_err();
        assert!(e.to_string().contains("no column 'arm'"), "{e}");
        let e = parse_csv("time,event,x\n1,1\n", "s.csv", &spec(false, &["x"])).unwrap_err();
        assert!(e.to_string().contains("row 1 (line 2)"), "{e}");
        let e = parse_csv("", "s.csv", &spec(false, &[])).unwrap_err();
        assert!(matches!(e, DataError::Empty { .. }));
        let e = parse_csv("time,event,x\n1,1,NA\n", "s.csv", &spec(false, &["x"])).unwrap_err();
        assert!(
            e.to_string().contains("missing values must be empty cells"),
            "{e}"
        );
    }

    mod props {
        use super::*;
        use proptest::prelude::*;
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(128))]
            /// Arbitrary text never panics: it parses or gives an error.
            #[test]
            fn never_panics(body in "[0-9a-zéµ,\"\\. \\-\\r\\n]{0,200}") {
                let text = format!("time,event,arm,x\n{body}");
                let spec = ColumnSpec {
                    time: "time".into(),
                    event: "event".into(),
                    group: Some("arm".into()),
                    covariates: vec!["x".into()],
                };
                let _ = parse_csv(&text, "p.csv", &spec);
            }

            /// Valid rows round-trip: every time and event is read back.
            #[test]
            fn valid_rows_round_trip(rows in proptest::collection::vec((0u32..10_000, proptest::bool::ANY), 1..50)) {
                let mut text = String::from("time,event\n");
                for (t, e) in &rows {
                    text.push_str(&format!("{},{}\n", *t as f64 / 10.0, u8::from(*e)));
                }
                let spec = ColumnSpec { time: "time".into(), event: "event".into(), ..ColumnSpec::default() };
                let d = parse_csv(&text, "p.csv", &spec).unwrap();
                prop_assert_eq!(d.time.len(), rows.len());
                for (i, (t, e)) in rows.iter().enumerate() {
                    prop_assert_eq!(d.time[i].value(), *t as f64 / 10.0);
                    prop_assert_eq!(d.event[i], *e);
                }
            }
        }
    }
}
