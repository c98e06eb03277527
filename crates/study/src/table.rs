//! Reading one CSV table: header check, typed cells, every problem recorded.
//!
//! Conventions shared by all study tables (documented in the README):
//! UTF-8, comma-separated, one header row; lines starting with `#` are
//! comments (the bundled synthetic study labels every file this way); empty
//! cells are missing values; surrounding spaces are trimmed. Rows are
//! numbered as lines of the file, the header being row 1.

use crate::problem::{Problem, ProblemKind, Problems};
use jiff::civil::Date;

/// One parsed CSV table with its source label.
pub(crate) struct Table<'a> {
    pub file: &'a str,
    headers: Vec<String>,
    rows: Vec<(u64, csv::StringRecord)>,
}

/// A view of one row that reads cells by column name and records problems.
pub(crate) struct Row<'t, 'a> {
    table: &'t Table<'a>,
    pub line: u64,
    cells: &'t csv::StringRecord,
}

impl<'a> Table<'a> {
    /// Parses `text`; checks that `required` columns exist and warns about
    /// columns outside `required ∪ optional`. Returns `None` (with problems
    /// recorded) when the table cannot be used at all.
    pub fn parse(
        file: &'a str,
        text: &str,
        required: &[&str],
        optional: &[&str],
        problems: &mut Problems,
    ) -> Option<Table<'a>> {
        let mut reader = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .flexible(false)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = match reader.headers() {
            Ok(h) => h.iter().map(|s| s.to_string()).collect(),
            Err(e) => {
                problems.error(Problem::file(
                    file,
                    ProblemKind::Syntax,
                    format!("cannot read the header: {e}"),
                ));
                return None;
            }
        };
        let mut ok = true;
        for (i, h) in headers.iter().enumerate() {
            if headers[..i].contains(h) {
                problems.error(Problem::at(
                    file,
                    1,
                    Some(h),
                    ProblemKind::Duplicate,
                    format!("column '{h}' appears twice in the header"),
                ));
                ok = false;
            }
        }
        for r in required {
            if !headers.iter().any(|h| h == r) {
                problems.error(Problem::at(
                    file,
                    1,
                    Some(r),
                    ProblemKind::MissingColumn,
                    format!("required column '{r}' is missing from the header"),
                ));
                ok = false;
            }
        }
        for h in &headers {
            if !required.contains(&h.as_str()) && !optional.contains(&h.as_str()) {
                problems.warn(Problem::at(
                    file,
                    1,
                    Some(h),
                    ProblemKind::UnknownColumn,
                    format!("column '{h}' is not part of the format and is ignored"),
                ));
            }
        }
        // Line numbers from byte offsets (the csv crate does not count blank
        // lines), so that "row N" is the line a text editor shows.
        let newlines: Vec<u64> = text
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i as u64)
            .collect();
        let bytes = text.as_bytes();
        let line_of = |pos: Option<&csv::Position>| -> u64 {
            let Some(p) = pos else { return 0 };
            // A record's position may point at blank or comment lines that
            // the reader skipped before it: step over them.
            let mut b = usize::try_from(p.byte())
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            loop {
                match bytes.get(b) {
                    Some(b'\n' | b'\r') => b += 1,
                    Some(b'#') => {
                        b = bytes[b..]
                            .iter()
                            .position(|&c| c == b'\n')
                            .map_or(bytes.len(), |i| b + i + 1)
                    }
                    _ => break,
                }
            }
            1 + newlines.partition_point(|&n| (n as usize) < b) as u64
        };
        let mut rows = Vec::new();
        for rec in reader.records() {
            match rec {
                Ok(r) => {
                    let line = line_of(r.position());
                    rows.push((line, r));
                }
                Err(e) => {
                    let line = line_of(e.position());
                    let msg = match e.kind() {
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => {
                            format!("{len} fields, the header has {expected_len}")
                        }
                        _ => format!("cannot read the row: {e}"),
                    };
                    problems.error(Problem::at(file, line, None, ProblemKind::Syntax, msg));
                }
            }
        }
        if !ok {
            return None;
        }
        Some(Table {
            file,
            headers,
            rows,
        })
    }

    /// The rows in file order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_, 'a>> {
        self.rows.iter().map(move |(line, cells)| Row {
            table: self,
            line: *line,
            cells,
        })
    }
}

impl Row<'_, '_> {
    /// The trimmed cell of column `col`, `None` if the column is absent or
    /// the cell is empty.
    pub fn get(&self, col: &str) -> Option<&str> {
        let i = self.table.headers.iter().position(|h| h == col)?;
        self.cells.get(i).filter(|s| !s.is_empty())
    }

    fn problem(&self, col: &str, kind: ProblemKind, msg: String) -> Problem {
        Problem::at(self.table.file, self.line, Some(col), kind, msg)
    }

    /// A required text cell.
    pub fn req_str(&self, col: &str, p: &mut Problems) -> Option<String> {
        match self.get(col) {
            Some(s) => Some(s.to_string()),
            None => {
                p.error(self.problem(col, ProblemKind::MissingValue, "value is required".into()));
                None
            }
        }
    }

    /// A required identifier: letters, digits, `_`, `-`, `.`.
    pub fn req_id(&self, col: &str, p: &mut Problems) -> Option<String> {
        let s = self.req_str(col, p)?;
        if s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        {
            Some(s)
        } else {
            p.error(self.problem(
                col,
                ProblemKind::BadValue,
                format!("'{s}' is not an identifier (letters, digits, '_', '-', '.')"),
            ));
            None
        }
    }

    /// An optional number; an unreadable or non-finite one is an error.
    pub fn opt_f64(&self, col: &str, p: &mut Problems) -> Option<f64> {
        let s = self.get(col)?;
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => {
                p.error(self.problem(col, ProblemKind::BadValue, format!("'{s}' is not a number")));
                None
            }
        }
    }

    /// A required number within `[lo, hi]` (inclusive); `what` names the
    /// rule in the message (e.g. "kg, allowed 0.5–200").
    pub fn req_f64_in(&self, col: &str, lo: f64, hi: f64, p: &mut Problems) -> Option<f64> {
        if self.get(col).is_none() {
            p.error(self.problem(col, ProblemKind::MissingValue, "value is required".into()));
            return None;
        }
        self.opt_f64_in(col, lo, hi, p)
    }

    /// An optional number within `[lo, hi]` (inclusive).
    pub fn opt_f64_in(&self, col: &str, lo: f64, hi: f64, p: &mut Problems) -> Option<f64> {
        let v = self.opt_f64(col, p)?;
        if v < lo || v > hi {
            p.error(self.problem(
                col,
                ProblemKind::NotAllowed,
                format!("{v} is outside the allowed range {lo}–{hi}"),
            ));
            return None;
        }
        Some(v)
    }

    /// A required whole number within `[lo, hi]`.
    pub fn req_u32_in(&self, col: &str, lo: u32, hi: u32, p: &mut Problems) -> Option<u32> {
        let s = self.req_str(col, p)?;
        match s.parse::<u32>() {
            Ok(v) if (lo..=hi).contains(&v) => Some(v),
            Ok(v) => {
                p.error(self.problem(
                    col,
                    ProblemKind::NotAllowed,
                    format!("{v} is outside the allowed range {lo}–{hi}"),
                ));
                None
            }
            Err(_) => {
                p.error(self.problem(
                    col,
                    ProblemKind::BadValue,
                    format!("'{s}' is not a whole number"),
                ));
                None
            }
        }
    }

    /// A required calendar date `YYYY-MM-DD`.
    pub fn req_date(&self, col: &str, p: &mut Problems) -> Option<Date> {
        if self.get(col).is_none() {
            p.error(self.problem(col, ProblemKind::MissingValue, "value is required".into()));
            return None;
        }
        self.opt_date(col, p)
    }

    /// An optional calendar date `YYYY-MM-DD`.
    pub fn opt_date(&self, col: &str, p: &mut Problems) -> Option<Date> {
        let s = self.get(col)?;
        match parse_date(s) {
            Some(d) => Some(d),
            None => {
                p.error(self.problem(
                    col,
                    ProblemKind::BadValue,
                    format!("'{s}' is not a date (YYYY-MM-DD)"),
                ));
                None
            }
        }
    }

    /// A required value from a closed set (compared case-sensitively).
    pub fn req_choice<T: Copy>(
        &self,
        col: &str,
        choices: &[(&str, T)],
        p: &mut Problems,
    ) -> Option<T> {
        let s = self.req_str(col, p)?;
        self.choice(col, &s, choices, p)
    }

    /// An optional value from a closed set.
    pub fn opt_choice<T: Copy>(
        &self,
        col: &str,
        choices: &[(&str, T)],
        p: &mut Problems,
    ) -> Option<T> {
        let s = self.get(col)?.to_string();
        self.choice(col, &s, choices, p)
    }

    fn choice<T: Copy>(
        &self,
        col: &str,
        s: &str,
        choices: &[(&str, T)],
        p: &mut Problems,
    ) -> Option<T> {
        if let Some((_, v)) = choices.iter().find(|(name, _)| *name == s) {
            return Some(*v);
        }
        let allowed: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        p.error(self.problem(
            col,
            ProblemKind::NotAllowed,
            format!("'{s}' is not one of {}", allowed.join(", ")),
        ));
        None
    }
}

/// Parses a strict `YYYY-MM-DD` calendar date.
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i32> {
        let part = &s[r];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
    )
    .ok()
}

/// Days from `a` to `b` (negative when `b` is earlier), exact for the
/// proleptic Gregorian calendar.
pub fn days_between(a: Date, b: Date) -> i64 {
    day_number(b) - day_number(a)
}

/// Days since 1970-01-01 (H. Hinnant's `days_from_civil`).
fn day_number(d: Date) -> i64 {
    let (y, m, dd) = (
        i64::from(d.year()),
        i64::from(d.month()),
        i64::from(d.day()),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_strictly() {
        assert!(parse_date("2024-02-29").is_some());
        assert!(parse_date("2023-02-29").is_none());
        assert!(parse_date("2024-2-09").is_none());
        assert!(parse_date("2024-02-09T10:00").is_none());
        assert!(parse_date("+024-02-09").is_none());
    }

    #[test]
    fn day_differences_match_the_calendar() {
        let d = |s| parse_date(s).unwrap();
        // 2024 is a leap year: 366 days from 2024-01-01 to 2025-01-01.
        assert_eq!(days_between(d("2024-01-01"), d("2025-01-01")), 366);
        assert_eq!(days_between(d("2023-03-01"), d("2023-02-28")), -1);
        // Unix epoch check: 2000-01-01 is day 10957 after 1970-01-01.
        assert_eq!(days_between(d("1970-01-01"), d("2000-01-01")), 10_957);
    }

    #[test]
    fn comments_are_skipped_and_rows_keep_their_line_numbers() {
        let mut p = Problems::default();
        let text = "# synthetic\npatient,x\nA,1\n\nB,oops\n";
        let t = Table::parse("t.csv", text, &["patient", "x"], &[], &mut p).unwrap();
        let lines: Vec<u64> = t.rows().map(|r| r.line).collect();
        assert_eq!(lines, vec![3, 5]);
        let bad = t.rows().nth(1).unwrap().opt_f64("x", &mut p);
        assert!(bad.is_none());
        assert_eq!(
            p.errors[0].to_string(),
            "t.csv row 5, field 'x': 'oops' is not a number"
        );
    }
}
