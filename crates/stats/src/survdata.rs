//! Survival data from CSV text: time, event, optional group and numeric
//! covariates (docs/reference/statistics.md §0 conventions).
//!
//! Rules (issue 5): a header row is required; `event` is 0 (censored) or 1
//! (event); a missing value is an empty cell; rows with a missing time or
//! event are dropped and counted; a non-numeric, negative or non-finite time,
//! an event other than 0/1, or a non-numeric covariate is an error naming the
//! source, physical line, column and rule. A row with a missing group is
//! kept for the overall curve and left out of the per-group analyses
//! (counted); missing covariates are kept (Cox uses complete cases).
//!
//! The file itself is read by `mibg-csv` with the rules every mibg table
//! follows (issue 9; README "CSV files"): comment lines, BOM, CRLF, quoted
//! line breaks, physical line numbers, a wrong delimiter or decimal commas
//! reported first. A survival table is a *selection* table: the user names
//! the columns to read; other columns are not read, and a selected column
//! named twice is an error.
//!
//! The parser is incremental ([`CsvParser::push`]) so that the caller can
//! stream a large file in chunks; it allocates nothing per row except when
//! a new group level appears.
//!
//! This module does no I/O: it parses text handed to it.

use crate::time::SurvTime;
use mibg_csv::{
    CsvError, Location, NumberProblem, Reader, Row, Schema, Strictness, excerpt, parse_number,
};
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
    /// The optional case-weight column: each cell a finite number > 0 (R
    /// `survfit`/`coxph` `weights`); an empty cell is an error.
    pub weight: Option<String>,
    /// The optional stratum column (any text; R `strata()`): the log-rank
    /// test and the Cox model are stratified by it; an empty cell is an
    /// error.
    pub strata: Option<String>,
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
    /// Data rows in the input (excluding the header, comment lines, blank
    /// lines and lines of empty cells).
    pub n_rows: usize,
    /// Rows dropped because the time or the event was missing.
    pub n_dropped_missing: usize,
    /// Kept rows whose group cell was empty.
    pub n_missing_group: usize,
    /// Case weight of each kept row (empty without a weight column).
    pub weight: Vec<f64>,
    /// Stratum levels in order of first appearance (empty without a
    /// stratum column).
    pub strata_levels: Vec<String>,
    /// Zero-based stratum of each kept row (empty without a stratum column).
    pub stratum: Vec<u32>,
}

/// A CSV error, naming where and which rule was broken; the position is a
/// field ([`DataError::location`]), never only text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The layout of the file (delimiter, decimal commas, encoding, header,
    /// a row with the wrong number of cells): the rules of `mibg-csv`.
    #[error(transparent)]
    Table(#[from] CsvError),
    /// A bad cell.
    #[error("{location}: {message}")]
    Cell {
        /// Source, physical line and column.
        location: Location,
        /// What is wrong.
        message: String,
    },
}

impl DataError {
    /// Where the problem is (source, physical line, column).
    pub fn location(&self) -> &Location {
        match self {
            Self::Table(e) => e.location(),
            Self::Cell { location, .. } => location,
        }
    }
}

/// The schema of a survival table: the selected columns (selection
/// strictness: other columns are not read).
fn schema(spec: &ColumnSpec) -> Schema {
    let mut s = Schema::new("survival data", Strictness::Selection)
        .required(&spec.time)
        .required(&spec.event);
    if let Some(g) = &spec.group {
        s = s.required(g);
    }
    for c in &spec.covariates {
        s = s.required(c);
    }
    if let Some(w) = &spec.weight {
        s = s.required(w);
    }
    if let Some(st) = &spec.strata {
        s = s.required(st);
    }
    s
}

/// Cell positions of the selected columns, known once the header is read.
#[derive(Debug)]
struct Columns {
    time: usize,
    event: usize,
    group: Option<usize>,
    covariates: Vec<usize>,
    weight: Option<usize>,
    strata: Option<usize>,
}

/// The data being collected (kept apart from the reader, whose rows borrow it).
#[derive(Debug)]
struct Collector {
    spec: ColumnSpec,
    cols: Option<Columns>,
    data: SurvivalData,
    level_index: HashMap<String, u32>,
    strata_index: HashMap<String, u32>,
    scratch_cov: Vec<Option<f64>>,
    reserve: usize,
}

/// Incremental survival-data parser: push the file in chunks of bytes of
/// any size ([`CsvParser::push`]), then [`CsvParser::finish`]. It follows
/// every rule of `mibg-csv` (comments, BOM, CRLF, quoted line breaks,
/// physical line numbers, delimiter and decimal-comma errors first) and
/// allocates nothing per row except when a new group level appears.
#[derive(Debug)]
pub struct CsvParser {
    reader: Reader,
    collector: Collector,
}

impl CsvParser {
    /// A parser of the table `source_name` (a label for messages) reading
    /// the columns of `spec`.
    pub fn new(source_name: &str, spec: &ColumnSpec) -> Self {
        Self {
            reader: Reader::new(source_name, schema(spec)),
            collector: Collector {
                spec: spec.clone(),
                cols: None,
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
                    weight: Vec::new(),
                    strata_levels: Vec::new(),
                    stratum: Vec::new(),
                },
                level_index: HashMap::new(),
                strata_index: HashMap::new(),
                scratch_cov: Vec::new(),
                reserve: 0,
            },
        }
    }

    /// Reserves room for about `rows` more data rows (a hint from the
    /// caller, e.g. file size ÷ line length), so that the columns do not grow
    /// by repeated reallocation on large files.
    pub fn reserve(&mut self, rows: usize) {
        let c = &mut self.collector;
        c.reserve = rows;
        let d = &mut c.data;
        d.time.reserve(rows);
        d.event.reserve(rows);
        if c.spec.group.is_some() {
            d.group.reserve(rows);
        }
        if c.spec.weight.is_some() {
            d.weight.reserve(rows);
        }
        if c.spec.strata.is_some() {
            d.stratum.reserve(rows);
        }
        for cov in &mut d.covariates {
            cov.values.reserve(rows);
            cov.missing.reserve(rows);
        }
    }

    /// Parses the next chunk of the file (any size; records may span chunks).
    ///
    /// # Errors
    /// The first [`DataError`]: layout problems first, then cells.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), DataError> {
        let c = &mut self.collector;
        self.reader.read_rows(chunk, |row| c.take_row(row))
    }

    /// [`CsvParser::push`] for a chunk already known to be UTF-8 text
    /// (faster: rows are not validated again).
    ///
    /// # Errors
    /// As [`CsvParser::push`].
    pub fn push_str(&mut self, chunk: &str) -> Result<(), DataError> {
        let c = &mut self.collector;
        self.reader.read_rows_str(chunk, |row| c.take_row(row))
    }

    /// Finishes: reads what is left, orders group levels (numerically if
    /// every level is a number, else alphabetically, as R's `factor`) and
    /// returns the data.
    ///
    /// # Errors
    /// A [`DataError`] found at the end (an unclosed quote, a file without
    /// a header, the last row's cells).
    pub fn finish(mut self) -> Result<SurvivalData, DataError> {
        let c = &mut self.collector;
        self.reader.finish_rows(|row| c.take_row(row))?;
        let mut data = self.collector.data;
        let levels = std::mem::take(&mut data.group_levels);
        if levels.is_empty() {
            return Ok(data);
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
        for g in data.group.iter_mut().flatten() {
            *g = remap[*g as usize];
        }
        data.group_levels = order.iter().map(|&i| levels[i].clone()).collect();
        Ok(data)
    }
}

impl Collector {
    #[cold]
    fn columns(&mut self, row: &Row<'_>) {
        self.cols = Some({
            let h = row.header();
            let pos = |c: &str| h.position(c).expect("required columns are checked");
            Columns {
                time: pos(&self.spec.time),
                event: pos(&self.spec.event),
                group: self.spec.group.as_deref().map(pos),
                covariates: self.spec.covariates.iter().map(|c| pos(c)).collect(),
                weight: self.spec.weight.as_deref().map(pos),
                strata: self.spec.strata.as_deref().map(pos),
            }
        });
    }

    fn cell_error(row: &Row<'_>, column: &str, message: String) -> DataError {
        DataError::Cell {
            location: row.location(column),
            message,
        }
    }

    #[inline]
    fn take_row(&mut self, row: &Row<'_>) -> Result<(), DataError> {
        if self.cols.is_none() {
            self.columns(row);
        }
        let Some(cols) = self.cols.as_ref() else {
            return Ok(());
        };
        self.data.n_rows += 1;
        let time = {
            let cell = row.cell(cols.time);
            if cell.is_empty() {
                None
            } else {
                let v = parse_number(cell)
                    .map_err(|p| Self::cell_error(row, &self.spec.time, p.to_string()))?;
                if v < 0.0 {
                    return Err(Self::cell_error(
                        row,
                        &self.spec.time,
                        format!("{} is not a valid time (must be ≥ 0)", excerpt(cell)),
                    ));
                }
                Some(v)
            }
        };
        let event = {
            let cell = row.cell(cols.event);
            match cell {
                "" => None,
                "1" => Some(true),
                "0" => Some(false),
                _ => match cell.parse::<f64>() {
                    Ok(1.0) => Some(true),
                    Ok(0.0) => Some(false),
                    _ => {
                        return Err(Self::cell_error(
                            row,
                            &self.spec.event,
                            format!(
                                "{} is not a valid event code (1 = event, 0 = censored)",
                                excerpt(cell)
                            ),
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
        for (k, &col) in cols.covariates.iter().enumerate() {
            let cell = row.cell(col);
            let value = if cell.is_empty() {
                None
            } else {
                let v = parse_number(cell).map_err(|p| {
                    let name = &self.spec.covariates[k];
                    let hint = match p {
                        NumberProblem::NotANumber(_) => " (missing values must be empty cells)",
                        _ => "",
                    };
                    Self::cell_error(row, name, format!("{p}{hint}"))
                })?;
                Some(v)
            };
            self.scratch_cov.push(value);
        }
        let weight = match (cols.weight, &self.spec.weight) {
            (Some(col), Some(name)) => {
                let cell = row.cell(col);
                if cell.is_empty() {
                    return Err(Self::cell_error(
                        row,
                        name,
                        "empty case weight: every row needs a weight (a finite number > 0)"
                            .to_string(),
                    ));
                }
                let v =
                    parse_number(cell).map_err(|p| Self::cell_error(row, name, p.to_string()))?;
                // R coxph refuses weights ≤ 0 (survival 3.5 `coxph`: "Invalid weights, must be >0").
                if !(v.is_finite() && v > 0.0) {
                    return Err(Self::cell_error(
                        row,
                        name,
                        format!(
                            "{} is not a valid case weight (must be a finite number > 0)",
                            excerpt(cell)
                        ),
                    ));
                }
                Some(v)
            }
            _ => None,
        };
        let stratum = match (cols.strata, &self.spec.strata) {
            (Some(col), Some(name)) => {
                let cell = row.cell(col);
                if cell.is_empty() {
                    return Err(Self::cell_error(
                        row,
                        name,
                        "empty stratum: every row needs a stratum".to_string(),
                    ));
                }
                Some(match self.strata_index.get(cell) {
                    Some(&i) => i,
                    None => {
                        let i = self.data.strata_levels.len() as u32;
                        self.data.strata_levels.push(cell.to_string());
                        self.strata_index.insert(cell.to_string(), i);
                        i
                    }
                })
            }
            _ => None,
        };
        if let Some(w) = weight {
            self.data.weight.push(w);
        }
        if let Some(st) = stratum {
            self.data.stratum.push(st);
        }
        self.data
            .time
            .push(SurvTime::new(time).unwrap_or(SurvTime::ZERO));
        self.data.event.push(event);
        if let Some(col) = cols.group {
            let cell = row.cell(col);
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
}

/// Parses a whole CSV text (see the module rules).
///
/// # Errors
/// [`DataError`] naming source, physical line, column and rule.
pub fn parse_csv(
    text: &str,
    source_name: &str,
    spec: &ColumnSpec,
) -> Result<SurvivalData, DataError> {
    let mut parser = CsvParser::new(source_name, spec);
    parser.push(text.as_bytes())?;
    parser.finish()
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
            weight: None,
            strata: None,
        }
    }

    #[test]
    fn parses_drops_and_counts() {
        let text = "id,time,event,arm,age\n1,5,1,B,40\n2,,1,A,41\n3,7.5,0,A,\n4,8,,B,3\n\n,,,,\n5,9,1,,50\n";
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
    fn errors_name_line_column_and_rule() {
        let e = parse_csv("time,event\n1,1\nabc,1\n", "s.csv", &spec(false, &[])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "s.csv line 3, column 'time': 'abc' is not a number"
        );
        assert_eq!(e.location(), &Location::cell("s.csv", 3, "time"));
        let e = parse_csv("# c\ntime,event\n-1,1\n", "s.csv", &spec(false, &[])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "s.csv line 3, column 'time': '-1' is not a valid time (must be ≥ 0)"
        );
        let e = parse_csv("time,event\ninf,1\n", "s.csv", &spec(false, &[])).unwrap_err();
        assert!(
            e.to_string().contains("'inf' is not a finite number"),
            "{e}"
        );
        let e = parse_csv("time,event\n1,2\n", "s.csv", &spec(false, &[])).unwrap_err();
        assert!(
            e.to_string().contains("'2' is not a valid event code"),
            "{e}"
        );
        let e = parse_csv("time,event\n1,1\n", "s.csv", &spec(true, &[])).unwrap_err();
        assert!(
            e.to_string()
                .contains("required column 'arm' is missing from the header"),
            "{e}"
        );
        let e = parse_csv("time,event,x\n1,1\n", "s.csv", &spec(false, &["x"])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "s.csv line 2: 2 cells where the header has 3"
        );
        let e = parse_csv("", "s.csv", &spec(false, &[])).unwrap_err();
        assert!(matches!(e, DataError::Table(CsvError::NoHeader { .. })));
        let e = parse_csv("time,event,x\n1,1,NA\n", "s.csv", &spec(false, &["x"])).unwrap_err();
        assert!(
            e.to_string().contains("missing values must be empty cells"),
            "{e}"
        );
        let e =
            parse_csv("time,event,x\n1,1,\"2,5\"\n", "s.csv", &spec(false, &["x"])).unwrap_err();
        assert!(e.to_string().contains("'2,5' has a comma"), "{e}");
        assert!(!e.to_string().contains("missing values"), "{e}");
    }

    fn spec_ws() -> ColumnSpec {
        ColumnSpec {
            weight: Some("w".into()),
            strata: Some("s".into()),
            ..spec(false, &[])
        }
    }

    /// The module rules: a time of 0 is valid (only < 0 is refused), an
    /// event may be written 1.0 / 0.0; weights are read as given, strata
    /// numbered in order of first appearance (the third row's "b" is the
    /// second level, index 1).
    #[test]
    fn weights_strata_zero_time_and_decimal_events() {
        let text = "time,event,w,s\n0,1.0,2.5,b\n3,0.0,1,a\n4,1,0.5,b\n";
        let d = parse_csv(text, "d.csv", &spec_ws()).unwrap();
        assert_eq!(
            d.time.iter().map(|t| t.value()).collect::<Vec<_>>(),
            [0.0, 3.0, 4.0]
        );
        assert_eq!(d.event, [true, false, true]);
        assert_eq!(d.weight, [2.5, 1.0, 0.5]);
        assert_eq!(d.strata_levels, ["b", "a"]);
        assert_eq!(d.stratum, [0, 1, 0]);
        assert_eq!(
            (d.n_rows, d.n_dropped_missing, d.n_missing_group),
            (3, 0, 0)
        );
        // A row dropped for a missing time adds no weight and no stratum
        // level (it is dropped before its other cells are read).
        let text = "time,event,w,s\n,1,2,x\n5,1,3,y\n";
        let d = parse_csv(text, "d.csv", &spec_ws()).unwrap();
        assert_eq!((d.n_rows, d.n_dropped_missing), (2, 1));
        assert_eq!(d.weight, [3.0]);
        assert_eq!(d.strata_levels, ["y"]);
        assert_eq!(d.stratum, [0]);
    }

    /// Weights must be finite and > 0 (R coxph: "Invalid weights, must be
    /// >0"); an empty weight or stratum is an error naming its cell.
    #[test]
    fn bad_weights_and_strata_name_their_cell() {
        for (cell, rule) in [
            (
                "0",
                "'0' is not a valid case weight (must be a finite number > 0)",
            ),
            (
                "-1",
                "'-1' is not a valid case weight (must be a finite number > 0)",
            ),
            (
                "",
                "empty case weight: every row needs a weight (a finite number > 0)",
            ),
        ] {
            let text = format!("time,event,w,s\n1,1,1,a\n2,1,{cell},a\n");
            let e = parse_csv(&text, "s.csv", &spec_ws()).unwrap_err();
            assert_eq!(e.to_string(), format!("s.csv line 3, column 'w': {rule}"));
            assert_eq!(e.location(), &Location::cell("s.csv", 3, "w"));
        }
        let e = parse_csv("time,event,w,s\n1,1,1,\n", "s.csv", &spec_ws()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "s.csv line 2, column 's': empty stratum: every row needs a stratum"
        );
        let e = parse_csv("time,event,w,s\n1,1,x,a\n", "s.csv", &spec_ws()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "s.csv line 2, column 'w': 'x' is not a number"
        );
    }

    #[test]
    fn a_misspelt_column_is_suggested_and_a_selected_duplicate_refused() {
        let e = parse_csv("tme,event\n1,1\n", "s.csv", &spec(false, &[])).unwrap_err();
        assert!(e.to_string().contains("is 'tme' meant to be it?"), "{e}");
        let e = parse_csv("time,event,time\n1,1,2\n", "s.csv", &spec(false, &[])).unwrap_err();
        assert!(matches!(
            e,
            DataError::Table(CsvError::DuplicateColumn { .. })
        ));
        // Unselected columns may repeat: they are not read.
        let d = parse_csv("x,time,event,x\n9,1,1,9\n", "s.csv", &spec(false, &[])).unwrap();
        assert_eq!(d.event, [true]);
    }

    #[test]
    fn semicolons_and_decimal_commas_are_the_first_error() {
        let e = parse_csv("time;event;x\n1,5;1;2,5\n", "s.csv", &spec(false, &["x"])).unwrap_err();
        assert!(matches!(
            e,
            DataError::Table(CsvError::WrongDelimiter { delimiter: ';', .. })
        ));
        assert_eq!(e.location().line, Some(1));
    }

    #[test]
    fn pushing_in_chunks_reads_the_same_as_the_whole_text() {
        let text = "\u{feff}# c\r\nid,time,event,arm,age\r\n1,5,1,B,40\r\n\"2\",\"7\n\",0,A,\r\n3,8,1,A,3\r\n";
        let whole = parse_csv(text, "d.csv", &spec(true, &["age"])).unwrap();
        for chunk in [1, 2, 5, 1000] {
            let mut p = CsvParser::new("d.csv", &spec(true, &["age"]));
            p.reserve(3);
            for c in text.as_bytes().chunks(chunk) {
                p.push(c).unwrap();
            }
            p.push(&[]).unwrap();
            assert_eq!(p.finish().unwrap(), whole, "chunk {chunk}");
            // The same text pushed as &str, in chunks cut at char boundaries.
            let mut p = CsvParser::new("d.csv", &spec(true, &["age"]));
            let mut rest = text;
            while !rest.is_empty() {
                let mut cut = chunk.min(rest.len());
                while !rest.is_char_boundary(cut) {
                    cut += 1;
                }
                let (head, tail) = rest.split_at(cut);
                p.push_str(head).unwrap();
                rest = tail;
            }
            assert_eq!(p.finish().unwrap(), whole, "str chunk {chunk}");
        }
        // push_str reports errors too (its row's line and column).
        let mut p = CsvParser::new("s.csv", &spec(false, &[]));
        let e = p.push_str("time,event\n1,7\n").unwrap_err();
        assert_eq!(e.location(), &Location::cell("s.csv", 2, "event"));
        assert_eq!(whole.n_rows, 3);
        assert_eq!(
            whole.time.iter().map(|t| t.value()).collect::<Vec<_>>(),
            [5.0, 7.0, 8.0]
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
                    weight: None,
                    strata: None,
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
