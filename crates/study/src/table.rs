//! Reading one CSV table: header check, typed cells, every problem recorded.
//!
//! The layout follows the rules of every mibg table (`mibg-csv`; README
//! "CSV files"): UTF-8 (BOM ignored), comma-separated, RFC 4180 quoting,
//! LF or CRLF; lines starting with `#` are comments; blank lines and lines
//! of empty cells are skipped; header names are trimmed and
//! case-insensitive; cells are trimmed and an empty cell is a missing value.
//! Rows are named by the physical line of the file (the header is line 1
//! unless comments precede it). A wrong delimiter, decimal commas or bytes
//! that are not UTF-8 are one `format` problem for the file, listed before
//! every other problem.

use crate::problem::{Problem, ProblemKind, Problems};
use jiff::civil::Date;
use mibg_csv::{
    CsvError, Header, NumberProblem, Schema, Strictness, TextReader, excerpt, parse_number,
};
use std::cell::Cell;

/// The longest identifier (patient, centre), in characters. Study and
/// registry identifiers are short codes; a longer cell is a paste slip,
/// and refusing it here keeps every later message that names the patient
/// readable (a fuzz finding: a 4 KB identifier was quoted whole in every
/// cross-reference problem).
pub const MAX_ID_LEN: usize = 64;

/// The schema of a study table: `required` and `optional` columns plus the
/// free-text `notes` column every table accepts.
pub(crate) fn schema(
    table: &str,
    strictness: Strictness,
    required: &[&str],
    optional: &[&str],
) -> Schema {
    let mut s = Schema::new(table, strictness);
    for c in required {
        s = s.required(c);
    }
    for c in optional.iter().chain(&["notes"]) {
        s = s.optional(c);
    }
    s
}

/// A problem of the CSV layer as a study problem (its position from the
/// error's fields, never from its text).
pub(crate) fn csv_problem(file: &str, e: &CsvError) -> Problem {
    let kind = match e {
        _ if e.is_format() => ProblemKind::Format,
        CsvError::MissingColumn { .. } => ProblemKind::MissingColumn,
        CsvError::UnknownColumn { .. } => ProblemKind::UnknownColumn,
        CsvError::DuplicateColumn { .. } => ProblemKind::Duplicate,
        _ => ProblemKind::Syntax,
    };
    let loc = e.location();
    Problem {
        file: file.to_string(),
        row: loc.line,
        field: loc.column.clone(),
        kind,
        message: e.message(),
    }
}

/// One parsed CSV table with its source label: the cells of every row in
/// one arena (trimmed), rows as (line, first cell).
pub(crate) struct Table<'a> {
    pub file: &'a str,
    header: Header,
    text: String,
    cells: Vec<(usize, usize)>,
    rows: Vec<u64>,
    /// A decimal comma was reported already (reported once per file).
    decimal_comma: Cell<bool>,
}

/// A view of one row that reads cells by column name and records problems.
pub(crate) struct Row<'t, 'a> {
    table: &'t Table<'a>,
    pub line: u64,
    index: usize,
}

impl<'a> Table<'a> {
    /// Parses `text` with `schema`, recording every problem: a format
    /// problem (delimiter, decimal commas, encoding) or a header error makes
    /// the table unusable (`None`); a row with the wrong number of cells is
    /// reported and skipped; unknown or duplicated columns of an
    /// informational table are warnings.
    pub fn parse(
        file: &'a str,
        text: &str,
        schema: &Schema,
        problems: &mut Problems,
    ) -> Option<Table<'a>> {
        let mut reader = TextReader::new(file, text, schema);
        let (mut arena, mut cells, mut rows) = (String::new(), Vec::new(), Vec::new());
        let mut ok = true;
        while let Some(item) = reader.next_row() {
            match item {
                Ok(row) => {
                    rows.push(row.line());
                    for i in 0..row.len() {
                        let start = arena.len();
                        arena.push_str(row.cell(i));
                        cells.push((start, arena.len()));
                    }
                }
                Err(e) => {
                    if e.is_format() || e.is_header() || matches!(e, CsvError::NoHeader { .. }) {
                        ok = false;
                    }
                    problems.error(csv_problem(file, &e));
                }
            }
        }
        for w in reader.warnings() {
            problems.warn(csv_problem(file, w));
        }
        let header = reader.header()?.clone();
        ok.then(|| Table {
            file,
            header,
            text: arena,
            cells,
            rows,
            decimal_comma: Cell::new(false),
        })
    }

    /// Whether the header has column `col`.
    pub fn has_column(&self, col: &str) -> bool {
        self.header.position(col).is_some()
    }

    /// The physical line of the header.
    pub fn header_line(&self) -> u64 {
        self.header.line()
    }

    /// The rows in file order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_, 'a>> {
        self.rows.iter().enumerate().map(move |(index, &line)| Row {
            table: self,
            line,
            index,
        })
    }
}

impl Row<'_, '_> {
    /// The trimmed cell of column `col`, `None` if the column is absent or
    /// the cell is empty.
    pub fn get(&self, col: &str) -> Option<&str> {
        let t = self.table;
        let i = t.header.position(col)?;
        let (a, b) = t.cells[self.index * t.header.len() + i];
        Some(&t.text[a..b]).filter(|s| !s.is_empty())
    }

    pub(crate) fn problem(&self, col: &str, kind: ProblemKind, msg: String) -> Problem {
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

    /// A required identifier: letters, digits, `_`, `-`, `.`, at most
    /// [`MAX_ID_LEN`] characters ([`req_id_cell`]).
    pub fn req_id(&self, col: &str, p: &mut Problems) -> Option<String> {
        req_id_cell(self.table.file, self.line, col, self.get(col), p).map(str::to_string)
    }

    /// An optional number; an unreadable or non-finite one is an error. A
    /// decimal comma is a `format` problem, reported once per file.
    pub fn opt_f64(&self, col: &str, p: &mut Problems) -> Option<f64> {
        let s = self.get(col)?;
        match parse_number(s) {
            Ok(v) => Some(v),
            Err(e @ NumberProblem::DecimalComma(_)) => {
                if !self.table.decimal_comma.replace(true) {
                    p.error(self.problem(
                        col,
                        ProblemKind::Format,
                        format!("{e} (reported once; other cells of this file may have the same problem)"),
                    ));
                }
                None
            }
            Err(e) => {
                p.error(self.problem(col, ProblemKind::BadValue, e.to_string()));
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
                    format!("{} is not a whole number", excerpt(&s)),
                ));
                None
            }
        }
    }

    /// A required calendar date `YYYY-MM-DD` ([`req_date_cell`]).
    pub fn req_date(&self, col: &str, p: &mut Problems) -> Option<Date> {
        req_date_cell(self.table.file, self.line, col, self.get(col), p)
    }

    /// An optional calendar date `YYYY-MM-DD`.
    pub fn opt_date(&self, col: &str, p: &mut Problems) -> Option<Date> {
        opt_date_cell(self.table.file, self.line, col, self.get(col), p)
    }

    /// An optional instant: ISO 8601 date and time **with** its UTC offset
    /// or `Z` (`2026-03-02T14:30+01:00`), and its calendar date in that
    /// offset. A time without an offset is ambiguous (which clock, which
    /// daylight-saving side?) and is refused.
    pub fn opt_instant(&self, col: &str, p: &mut Problems) -> Option<(jiff::Timestamp, Date)> {
        let s = self.get(col)?;
        match (
            s.parse::<jiff::Timestamp>(),
            s.parse::<jiff::civil::DateTime>(),
        ) {
            (Ok(t), Ok(civil)) => Some((t, civil.date())),
            // `Z`: jiff reads no civil time from it (the local time is
            // unknown); the date is the UTC date.
            (Ok(t), Err(_)) => Some((t, t.to_zoned(jiff::tz::TimeZone::UTC).date())),
            (Err(_), Ok(_)) => {
                p.error(self.problem(
                    col,
                    ProblemKind::BadValue,
                    format!(
                        "{} has no UTC offset: ambiguous; write it as 2026-03-02T14:30+01:00 or 2026-03-02T13:30Z",
                        excerpt(s)
                    ),
                ));
                None
            }
            _ => {
                p.error(self.problem(
                    col,
                    ProblemKind::BadValue,
                    format!(
                        "{} is not an ISO 8601 date and time with its UTC offset (2026-03-02T14:30+01:00)",
                        excerpt(s)
                    ),
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
            format!("{} is not one of {}", excerpt(s), allowed.join(", ")),
        ));
        None
    }
}

/// The cell `value` (trimmed; `None` when empty or absent) of column `col`
/// on physical line `line` of `file` as a required identifier: letters,
/// digits, `_`, `-`, `.`, at most [`MAX_ID_LEN`] characters. The rule of
/// [`Row::req_id`], also applied to the rows that another crate's parser
/// reads (the toxicity tables, read once).
pub(crate) fn req_id_cell<'v>(
    file: &str,
    line: u64,
    col: &str,
    value: Option<&'v str>,
    p: &mut Problems,
) -> Option<&'v str> {
    let problem = |kind, msg: String| Problem::at(file, line, Some(col), kind, msg);
    let Some(s) = value else {
        p.error(problem(
            ProblemKind::MissingValue,
            "value is required".into(),
        ));
        return None;
    };
    if s.len() > MAX_ID_LEN {
        p.error(problem(
            ProblemKind::BadValue,
            format!(
                "{} is not an identifier (at most {MAX_ID_LEN} characters)",
                excerpt(s)
            ),
        ));
        return None;
    }
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    {
        Some(s)
    } else {
        p.error(problem(
            ProblemKind::BadValue,
            format!(
                "{} is not an identifier (letters, digits, '_', '-', '.')",
                excerpt(s)
            ),
        ));
        None
    }
}

/// The cell `value` as a required calendar date `YYYY-MM-DD` (the rule of
/// [`Row::req_date`]; see [`req_id_cell`]).
pub(crate) fn req_date_cell(
    file: &str,
    line: u64,
    col: &str,
    value: Option<&str>,
    p: &mut Problems,
) -> Option<Date> {
    if value.is_none() {
        p.error(Problem::at(
            file,
            line,
            Some(col),
            ProblemKind::MissingValue,
            "value is required",
        ));
        return None;
    }
    opt_date_cell(file, line, col, value, p)
}

/// The cell `value` as an optional calendar date `YYYY-MM-DD`.
fn opt_date_cell(
    file: &str,
    line: u64,
    col: &str,
    value: Option<&str>,
    p: &mut Problems,
) -> Option<Date> {
    let s = value?;
    match parse_date(s) {
        Some(d) => Some(d),
        None => {
            p.error(Problem::at(
                file,
                line,
                Some(col),
                ProblemKind::BadValue,
                format!("{} is not a date (YYYY-MM-DD)", excerpt(s)),
            ));
            None
        }
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
        let s = schema("t", Strictness::Clinical, &["patient", "x"], &[]);
        let t = Table::parse("t.csv", text, &s, &mut p).unwrap();
        let lines: Vec<u64> = t.rows().map(|r| r.line).collect();
        assert_eq!(lines, vec![3, 5]);
        let bad = t.rows().nth(1).unwrap().opt_f64("x", &mut p);
        assert!(bad.is_none());
        assert_eq!(
            p.errors[0].to_string(),
            "t.csv line 5, column 'x': 'oops' is not a number"
        );
    }

    #[test]
    fn decimal_commas_are_one_format_problem_per_file() {
        let mut p = Problems::default();
        let text = "patient,x\nA,\"1,5\"\nB,\"2,5\"\nC,oops\n";
        let s = schema("t", Strictness::Clinical, &["patient", "x"], &[]);
        let t = Table::parse("t.csv", text, &s, &mut p).unwrap();
        for r in t.rows() {
            r.opt_f64("x", &mut p);
        }
        assert_eq!(p.errors.len(), 2, "{:?}", p.errors);
        assert_eq!(p.errors[0].kind, ProblemKind::Format);
        assert_eq!(p.errors[0].row, Some(2));
        assert_eq!(p.errors[1].kind, ProblemKind::BadValue);
    }

    #[test]
    fn layout_problems_become_study_problems_with_their_positions() {
        let s = schema("t", Strictness::Clinical, &["patient", "x"], &[]);
        let mut p = Problems::default();
        assert!(Table::parse("t.csv", "patient;x\nA;1,5\n", &s, &mut p).is_none());
        assert_eq!(p.errors.len(), 1);
        assert_eq!(
            (p.errors[0].kind, p.errors[0].row),
            (ProblemKind::Format, Some(1))
        );
        let mut p = Problems::default();
        assert!(Table::parse("t.csv", "patient,x,y,x\nA,1,2,3\n", &s, &mut p).is_none());
        let kinds: Vec<_> = p.errors.iter().map(|e| (e.kind, e.field.clone())).collect();
        assert_eq!(
            kinds,
            [
                (ProblemKind::Duplicate, Some("x".to_string())),
                (ProblemKind::UnknownColumn, Some("y".to_string())),
            ]
        );
        // An informational table warns and reads on; a short row is skipped.
        let s = schema("t", Strictness::Informational, &["patient"], &[]);
        let mut p = Problems::default();
        let t = Table::parse("t.csv", "patient,comment\nA,x\nB\nC,y\n", &s, &mut p).unwrap();
        assert_eq!(t.rows().count(), 2);
        assert_eq!(p.warnings[0].kind, ProblemKind::UnknownColumn);
        assert_eq!(
            (p.errors[0].kind, p.errors[0].row),
            (ProblemKind::Syntax, Some(3))
        );
        let mut p = Problems::default();
        assert!(Table::parse("t.csv", "# only\n", &s, &mut p).is_none());
        assert_eq!(p.errors[0].kind, ProblemKind::Syntax);
    }

    /// `f` applied to the one row of a table with columns `patient` and
    /// `x`, where `x` = `value`; its result and the problems it made.
    fn row_problems<T>(value: &str, f: impl Fn(&Row<'_, '_>, &mut Problems) -> T) -> (T, Problems) {
        let mut p = Problems::default();
        let s = schema("t", Strictness::Clinical, &["patient", "x"], &[]);
        let text = format!("patient,x\nA,{value}\n");
        let t = Table::parse("t.csv", &text, &s, &mut p).unwrap();
        let r = t.rows().next().unwrap();
        let out = f(&r, &mut p);
        (out, p)
    }

    #[test]
    fn the_header_line_counts_the_comments_before_it() {
        let mut p = Problems::default();
        let s = schema("t", Strictness::Clinical, &["patient"], &[]);
        let t = Table::parse("t.csv", "# one\n# two\npatient\nA\n", &s, &mut p).unwrap();
        assert_eq!(t.header_line(), 3);
    }

    #[test]
    fn ranges_are_inclusive_at_both_ends() {
        let f = |v: &str| row_problems(v, |r, p| r.opt_f64_in("x", 0.5, 200.0, p));
        assert_eq!(f("0.5").0, Some(0.5));
        assert_eq!(f("200").0, Some(200.0));
        let (v, p) = f("200.01");
        assert_eq!(v, None);
        assert_eq!(
            p.errors[0].message,
            "200.01 is outside the allowed range 0.5–200"
        );
        assert_eq!(f("0.49").0, None);
        assert_eq!(f("").0, None);
        assert!(
            f("").1.errors.is_empty(),
            "an empty optional cell is no problem"
        );
        let u = |v: &str| row_problems(v, |r, p| r.req_u32_in("x", 1, 9, p));
        assert_eq!(u("1").0, Some(1));
        assert_eq!(u("9").0, Some(9));
        let (v, p) = u("10");
        assert_eq!(v, None);
        assert_eq!(p.errors[0].kind, ProblemKind::NotAllowed);
        assert_eq!(p.errors[0].message, "10 is outside the allowed range 1–9");
        let (v, p) = u("0");
        assert_eq!(v, None);
        assert_eq!(p.errors[0].message, "0 is outside the allowed range 1–9");
        let (v, p) = u("1.5");
        assert_eq!(v, None);
        assert_eq!(p.errors[0].kind, ProblemKind::BadValue);
    }

    #[test]
    fn an_instant_needs_its_offset_and_keeps_its_local_date() {
        let f = |v: &str| row_problems(v, |r, p| r.opt_instant("x", p));
        let d = |s: &str| parse_date(s).unwrap();
        // 23:30 at UTC−05:00 is 04:30 UTC the next day: the date is the
        // one written (the clock of the ward), the instant the UTC one.
        let (v, p) = f("2026-03-02T23:30-05:00");
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let (t, date) = v.unwrap();
        assert_eq!(
            t,
            "2026-03-03T04:30:00Z".parse::<jiff::Timestamp>().unwrap()
        );
        assert_eq!(date, d("2026-03-02"));
        // `Z`: the UTC date.
        let (v, _) = f("2026-03-02T23:30Z");
        assert_eq!(
            v,
            Some((
                "2026-03-02T23:30:00Z".parse::<jiff::Timestamp>().unwrap(),
                d("2026-03-02")
            ))
        );
        // No offset: ambiguous, refused with the way to write it.
        let (v, p) = f("2026-03-02T14:30");
        assert_eq!(v, None);
        assert_eq!(p.errors[0].kind, ProblemKind::BadValue);
        assert_eq!(
            p.errors[0].message,
            "'2026-03-02T14:30' has no UTC offset: ambiguous; write it as 2026-03-02T14:30+01:00 or 2026-03-02T13:30Z"
        );
        let (v, p) = f("yesterday");
        assert_eq!(v, None);
        assert_eq!(
            p.errors[0].message,
            "'yesterday' is not an ISO 8601 date and time with its UTC offset (2026-03-02T14:30+01:00)"
        );
        // Empty: no instant, no problem.
        let (v, p) = f("");
        assert_eq!(v, None);
        assert!(p.errors.is_empty());
    }

    #[test]
    fn an_optional_choice_is_one_of_its_names_or_empty() {
        let causes = [("disease", 1), ("toxicity", 2)];
        let f = |v: &str| row_problems(v, |r, p| r.opt_choice("x", &causes, p));
        assert_eq!(f("toxicity").0, Some(2));
        let (v, p) = f("");
        assert_eq!(v, None);
        assert!(p.errors.is_empty());
        let (v, p) = f("Toxicity");
        assert_eq!(v, None);
        assert_eq!(
            p.errors[0].message,
            "'Toxicity' is not one of disease, toxicity"
        );
    }

    #[test]
    fn identifiers_have_at_most_64_characters() {
        let id = |s: &str| {
            let mut p = Problems::default();
            let v = req_id_cell("t.csv", 2, "patient", Some(s), &mut p).map(str::to_string);
            (v, p.errors)
        };
        let at = "a".repeat(MAX_ID_LEN);
        assert_eq!(MAX_ID_LEN, 64);
        assert_eq!(id(&at).0.as_deref(), Some(at.as_str()));
        let over = "a".repeat(MAX_ID_LEN + 1);
        let (v, e) = id(&over);
        assert_eq!(v, None);
        assert!(
            e[0].message
                .ends_with("is not an identifier (at most 64 characters)")
        );
        let (v, e) = id("P 1");
        assert_eq!(v, None);
        assert_eq!(
            e[0].message,
            "'P 1' is not an identifier (letters, digits, '_', '-', '.')"
        );
    }

    #[test]
    fn a_date_has_exactly_ten_characters() {
        // Dashes in place, one digit too many: not a date.
        assert!(parse_date("2020-01-011").is_none());
        assert!(parse_date("2020-01-1").is_none());
        assert!(parse_date("2020/01/01").is_none());
        assert!(parse_date("2020-01/01").is_none());
        assert_eq!(
            parse_date("2020-01-01"),
            Some(jiff::civil::date(2020, 1, 1))
        );
    }

    /// Day differences against jiff's own calendar arithmetic, across
    /// January and February (where the algorithm counts from March), leap
    /// years, centuries and 400-year eras.
    #[test]
    fn day_differences_agree_with_jiff_across_the_year_turns() {
        let dates = [
            "1899-12-31",
            "1900-02-28",
            "1900-03-01",
            "1970-01-01",
            "1999-12-31",
            "2000-01-31",
            "2000-02-29",
            "2000-03-01",
            "2019-12-31",
            "2020-01-01",
            "2020-02-28",
            "2020-02-29",
            "2020-03-01",
            "2021-02-28",
            "2021-03-01",
            "2100-02-28",
            "2100-03-01",
            "2400-02-29",
        ];
        for a in dates {
            for b in dates {
                let (da, db) = (parse_date(a).unwrap(), parse_date(b).unwrap());
                let want = i64::from(da.until((jiff::Unit::Day, db)).unwrap().get_days());
                assert_eq!(days_between(da, db), want, "{a} → {b}");
            }
        }
        let d = |s| parse_date(s).unwrap();
        // The day number itself counts from the Unix epoch, as documented:
        // 1970-01-01 is day 0, 2000-01-01 day 10 957 (30 years, 7 of them
        // leap: 30 × 365 + 7), 1969-12-31 day −1.
        assert_eq!(day_number(d("1970-01-01")), 0);
        assert_eq!(day_number(d("2000-01-01")), 30 * 365 + 7);
        assert_eq!(day_number(d("1969-12-31")), -1);
        // By hand: 2020 is a leap year, 2021 and 2100 are not.
        assert_eq!(days_between(d("2020-02-28"), d("2020-03-01")), 2);
        assert_eq!(days_between(d("2021-02-28"), d("2021-03-01")), 1);
        assert_eq!(days_between(d("2100-02-28"), d("2100-03-01")), 1);
        assert_eq!(days_between(d("2019-12-31"), d("2020-01-01")), 1);
    }
}
