//! Parsing the labs, events and transfusions CSV files from text.
//!
//! Each parser takes the file's text and a source label (the file name, for
//! messages) and returns all records or the first error; never a part. Rows
//! are numbered as physical lines of the file (what a text editor shows), so
//! the header is row 1 unless comment or blank lines precede it. Lines
//! starting with `#` are comments (synthetic data sets label every file this
//! way) and blank lines are skipped; both still count as lines. Column names are case-insensitive; every required
//! column must be present and unknown columns are errors (a misspelt optional
//! column would otherwise be silently ignored). Dates are ISO 8601
//! (`YYYY-MM-DD`). The README's data dictionary lists every column.

use crate::ctcae::{CtcaeVersion, Grade, Term};
use crate::exact::{DecimalError, Exact};
use crate::labunits::{LabTest, LabUnit};
use crate::records::{AdverseEvent, LabResult, Origin, Product, Transfusion};
use jiff::civil::Date;
use std::collections::HashMap;

/// Why a CSV file is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// Not well-formed CSV (e.g. a row with the wrong number of fields).
    #[error("{file} row {row}: malformed CSV: {message}")]
    Malformed {
        /// Source label.
        file: String,
        /// Physical line of the file (1 = the first line).
        row: u64,
        /// Parser message.
        message: String,
    },
    /// A required column is missing from the header.
    #[error("{file} row {row}: missing column '{column}' (required: {required})")]
    MissingColumn {
        /// Source label.
        file: String,
        /// Line of the header (1 unless comment or blank lines precede it).
        row: u64,
        /// Column.
        column: &'static str,
        /// All required columns.
        required: String,
    },
    /// A column that this file type does not have.
    #[error("{file} row {row}, column '{column}': unknown column (allowed: {allowed})")]
    UnknownColumn {
        /// Source label.
        file: String,
        /// Line of the header (1 unless comment or blank lines precede it).
        row: u64,
        /// Column.
        column: String,
        /// All allowed columns.
        allowed: String,
    },
    /// A column named twice.
    #[error("{file} row {row}, column '{column}': appears twice")]
    DuplicateColumn {
        /// Source label.
        file: String,
        /// Line of the header (1 unless comment or blank lines precede it).
        row: u64,
        /// Column.
        column: String,
    },
    /// A field breaks a rule.
    #[error("{file} row {row}, column '{column}': {problem}")]
    Field {
        /// Source label.
        file: String,
        /// Physical line of the file (1 = the first line).
        row: u64,
        /// Column.
        column: &'static str,
        /// What is wrong.
        problem: FieldProblem,
    },
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldProblem {
    /// Required but empty.
    #[error("empty; a value is required")]
    Empty,
    /// Not an ISO 8601 date.
    #[error("'{0}' is not an ISO 8601 date (YYYY-MM-DD)")]
    BadDate(String),
    /// Not a decimal number.
    #[error("{0}")]
    BadNumber(DecimalError),
    /// A negative value, limit or count.
    #[error("{0} is negative")]
    Negative(String),
    /// Not a known unit.
    #[error("unknown unit '{0}' (accepted: {accepted})", accepted = LabUnit::ACCEPTED)]
    UnknownUnit(String),
    /// A known unit of another test.
    #[error("unit '{unit}' is not a unit of {test}")]
    UnitNotForTest {
        /// The unit text.
        unit: String,
        /// The test.
        test: LabTest,
    },
    /// Not a known test.
    #[error(
        "unknown test '{0}' (allowed: neutrophils, platelets, haemoglobin, wbc, lymphocytes, alt, ast, bilirubin, ggt, alp, creatinine)"
    )]
    UnknownTest(String),
    /// Not a known CTCAE term.
    #[error("unknown CTCAE v5.0 term '{0}'{hint}", hint = term_hint(.0))]
    UnknownTerm(String),
    /// Not a grade number 1–5.
    #[error("'{0}' is not a grade (an integer 1 to 5)")]
    BadGrade(String),
    /// A grade the term does not have in this version.
    #[error("{}", crate::ctcae::event_grade_message(*.term, *.grade, *.version, .allowed))]
    GradeNotAllowed {
        /// Term.
        term: Term,
        /// Grade.
        grade: Grade,
        /// Version.
        version: CtcaeVersion,
        /// Allowed grades.
        allowed: String,
    },
    /// A term graded from laboratory values.
    #[error("{0} is graded from laboratory values in CTCAE v5.0; put the value in the labs file")]
    NotAnEventTerm(Term),
    /// A CTCAE version this build does not ship.
    #[error(
        "CTCAE version '{0}' is not available (this build grades v5.0; grades are never converted between versions)"
    )]
    UnsupportedVersion(String),
    /// Not a known blood product.
    #[error("unknown product '{0}' (allowed: platelets, red_cells)")]
    UnknownProduct(String),
    /// Not a yes/no flag.
    #[error("'{0}' is not a flag (allowed: yes, no, true, false, 1, 0, or empty)")]
    BadFlag(String),
    /// The reference limit the test needs is empty.
    #[error("empty; {test} needs the {limit} of its reference range")]
    MissingLimit {
        /// Test.
        test: LabTest,
        /// "lower limit of normal" or "upper limit of normal".
        limit: &'static str,
    },
    /// LLN not below ULN.
    #[error("lln {lln} is not below uln {uln}")]
    LimitsInverted {
        /// LLN text.
        lln: String,
        /// ULN text.
        uln: String,
    },
    /// The ULN is zero (multiples of it are meaningless).
    #[error("uln is zero")]
    ZeroUln,
    /// A value or reference limit outside its plausible range: most likely
    /// written in another unit than the row's. The text says which value, the
    /// plausible range in the row's unit and the quantity, e.g.
    /// "1.5 /mm3 is implausible for a neutrophils reference limit (expected
    /// 100 to 10000 /mm3)".
    #[error("{0}: check the unit")]
    Implausible(String),
}

fn term_hint(text: &str) -> &'static str {
    if text.trim().eq_ignore_ascii_case("sialadenitis") {
        " (v5 has no 'sialadenitis' term: use 'Salivary duct inflammation')"
    } else {
        " (use the v5 term name, e.g. 'Mucositis oral', or its code, e.g. mucositis_oral)"
    }
}

struct Table<'a> {
    file: &'a str,
    cols: HashMap<&'static str, usize>,
    rows: Vec<(u64, csv::StringRecord)>,
}

fn read_table<'a>(
    text: &str,
    file: &'a str,
    required: &[&'static str],
    optional: &[&'static str],
) -> Result<Table<'a>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    // Physical line of a record's byte offset (the csv crate's own line
    // counter skips blank and comment lines, which would misname rows). The
    // newline offsets are found once; each look-up is a binary search, so
    // numbering all rows is O(n log n), not O(n²).
    let bytes = text.as_bytes();
    let newlines: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .map(|(i, _)| i)
        .collect();
    let line_of = |byte: u64| {
        let mut end = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
        // The reported offset is before any blank or comment lines the
        // reader skipped; step over them to the record's own line.
        loop {
            match bytes.get(end) {
                Some(b'\n' | b'\r') => end += 1,
                Some(b'#') => {
                    end = bytes[end..]
                        .iter()
                        .position(|&c| c == b'\n')
                        .map_or(bytes.len(), |i| end + i + 1)
                }
                _ => break,
            }
        }
        1 + newlines.partition_point(|&n| n < end) as u64
    };
    let header_row = line_of(0);
    let malformed = |e: csv::Error| CsvError::Malformed {
        file: file.to_string(),
        row: e.position().map_or(1, |p| line_of(p.byte())),
        message: match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!("{len} fields where the header has {expected_len}"),
            _ => e.to_string(),
        },
    };
    let headers = rdr.headers().map_err(malformed)?.clone();
    // A one-column header holding ';' or a tab is another delimiter (e.g. a
    // spreadsheet export with decimal commas): say so instead of reporting
    // one long unknown column.
    if headers.len() == 1
        && let Some(sep) = [';', '\t'].into_iter().find(|c| headers[0].contains(*c))
    {
        return Err(CsvError::Malformed {
            file: file.to_string(),
            row: header_row,
            message: format!(
                "the header is separated by {}; use ',' between columns and '.' as the decimal point",
                if sep == ';' { "';'" } else { "tabs" }
            ),
        });
    }
    let allowed: Vec<&'static str> = required.iter().chain(optional).copied().collect();
    let mut cols = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let key = h.to_ascii_lowercase();
        let Some(&name) = allowed.iter().find(|a| **a == key) else {
            return Err(CsvError::UnknownColumn {
                file: file.to_string(),
                row: header_row,
                column: h.to_string(),
                allowed: allowed.join(", "),
            });
        };
        if cols.insert(name, i).is_some() {
            return Err(CsvError::DuplicateColumn {
                file: file.to_string(),
                row: header_row,
                column: h.to_string(),
            });
        }
    }
    for r in required {
        if !cols.contains_key(r) {
            return Err(CsvError::MissingColumn {
                file: file.to_string(),
                row: header_row,
                column: r,
                required: required.join(", "),
            });
        }
    }
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(malformed)?;
        if rec.iter().all(|f| f.is_empty()) {
            continue; // blank line
        }
        let row = rec.position().map_or(0, |p| line_of(p.byte()));
        rows.push((row, rec));
    }
    Ok(Table { file, cols, rows })
}

struct Row<'t, 'a> {
    t: &'t Table<'a>,
    row: u64,
    rec: &'t csv::StringRecord,
}

impl Row<'_, '_> {
    fn get(&self, column: &'static str) -> &str {
        self.t
            .cols
            .get(column)
            .and_then(|&i| self.rec.get(i))
            .unwrap_or("")
    }
    fn err(&self, column: &'static str, problem: FieldProblem) -> CsvError {
        CsvError::Field {
            file: self.t.file.to_string(),
            row: self.row,
            column,
            problem,
        }
    }
    fn origin(&self) -> Option<Origin> {
        Some(Origin {
            source: self.t.file.to_string(),
            row: self.row,
        })
    }
    fn required(&self, column: &'static str) -> Result<&str, CsvError> {
        let v = self.get(column);
        if v.is_empty() {
            Err(self.err(column, FieldProblem::Empty))
        } else {
            Ok(v)
        }
    }
    fn date(&self, column: &'static str) -> Result<Date, CsvError> {
        let v = self.required(column)?;
        // Strict YYYY-MM-DD: jiff also accepts datetimes, which we do not.
        if v.len() != 10 {
            return Err(self.err(column, FieldProblem::BadDate(v.to_string())));
        }
        v.parse::<Date>()
            .map_err(|_| self.err(column, FieldProblem::BadDate(v.to_string())))
    }
    fn number(&self, column: &'static str) -> Result<Option<Exact>, CsvError> {
        let v = self.get(column);
        if v.is_empty() {
            return Ok(None);
        }
        let x =
            Exact::parse_decimal(v).map_err(|e| self.err(column, FieldProblem::BadNumber(e)))?;
        if x.is_negative() {
            return Err(self.err(column, FieldProblem::Negative(v.to_string())));
        }
        Ok(Some(x))
    }
}

fn rows<'t, 'a>(t: &'t Table<'a>) -> impl Iterator<Item = Row<'t, 'a>> {
    t.rows
        .iter()
        .map(move |(row, rec)| Row { t, row: *row, rec })
}

/// Parses a labs file: columns `patient, date, test, value, unit, lln, uln`
/// and optionally `baseline`.
///
/// # Errors
///
/// [`CsvError`] naming file, row, column and rule: malformed CSV, missing,
/// duplicate or unknown column, empty required field, bad date, non-decimal
/// or negative number, unknown test, unknown unit or unit of another test,
/// missing LLN (counts, haemoglobin) or ULN (chemistry), LLN ≥ ULN, ULN = 0,
/// bad baseline flag.
pub fn parse_labs(text: &str, file: &str) -> Result<Vec<LabResult>, CsvError> {
    let t = read_table(
        text,
        file,
        &["patient", "date", "test", "value", "unit", "lln", "uln"],
        &["baseline"],
    )?;
    let mut out = Vec::new();
    for r in rows(&t) {
        let patient = r.required("patient")?.to_string();
        let date = r.date("date")?;
        let test_text = r.required("test")?;
        let test = LabTest::parse(test_text)
            .ok_or_else(|| r.err("test", FieldProblem::UnknownTest(test_text.to_string())))?;
        let value = r
            .number("value")?
            .ok_or_else(|| r.err("value", FieldProblem::Empty))?;
        let unit_text = r.required("unit")?;
        let unit = LabUnit::parse(unit_text)
            .ok_or_else(|| r.err("unit", FieldProblem::UnknownUnit(unit_text.to_string())))?;
        if !test.accepts(unit) {
            return Err(r.err(
                "unit",
                FieldProblem::UnitNotForTest {
                    unit: unit_text.to_string(),
                    test,
                },
            ));
        }
        let lln = r.number("lln")?;
        let uln = r.number("uln")?;
        if test.is_decreasing() && lln.is_none() {
            return Err(r.err(
                "lln",
                FieldProblem::MissingLimit {
                    test,
                    limit: "lower limit of normal",
                },
            ));
        }
        if !test.is_decreasing() && uln.is_none() {
            return Err(r.err(
                "uln",
                FieldProblem::MissingLimit {
                    test,
                    limit: "upper limit of normal",
                },
            ));
        }
        if uln.is_some_and(|u| u.is_zero()) {
            return Err(r.err("uln", FieldProblem::ZeroUln));
        }
        if let (Some(l), Some(u)) = (lln, uln)
            && l >= u
        {
            return Err(r.err(
                "lln",
                FieldProblem::LimitsInverted {
                    lln: r.get("lln").to_string(),
                    uln: r.get("uln").to_string(),
                },
            ));
        }
        // Plausibility (wrong unit): reference limits, then the value.
        let to_row = |canonical: Exact| {
            let f = test.factor_to_canonical(unit).unwrap_or(Exact::ONE);
            canonical * Exact::ratio(f.denom(), f.numer())
        };
        let from_row = |x: Exact| x * test.factor_to_canonical(unit).unwrap_or(Exact::ONE);
        let implausible = |column: &'static str, x: Exact, range: (Exact, Exact), what: String| {
            let c = from_row(x);
            (c < range.0 || c > range.1).then(|| {
                r.err(
                    column,
                    FieldProblem::Implausible(format!(
                        "{} {unit} is implausible for {what} (expected {} to {} {unit})",
                        r.get(column),
                        to_row(range.0),
                        to_row(range.1)
                    )),
                )
            })
        };
        for ((column, limit), range) in [("lln", lln), ("uln", uln)]
            .into_iter()
            .zip(test.plausible_limits())
        {
            if let (Some(x), Some(range)) = (limit, range)
                && let Some(e) = implausible(column, x, range, format!("a {test} reference limit"))
            {
                return Err(e);
            }
        }
        if let Some(range) = test.plausible_value()
            && let Some(e) = implausible("value", value, range, test.to_string())
        {
            return Err(e);
        }
        let flag = r.get("baseline");
        let baseline = match flag.to_ascii_lowercase().as_str() {
            "" | "no" | "false" | "0" | "n" => false,
            "yes" | "true" | "1" | "y" => true,
            _ => return Err(r.err("baseline", FieldProblem::BadFlag(flag.to_string()))),
        };
        out.push(LabResult {
            patient,
            date,
            test,
            value,
            unit,
            lln,
            uln,
            baseline,
            origin: r.origin(),
        });
    }
    Ok(out)
}

/// Parses an events file: columns `patient, date, term, grade` and optionally
/// `ctcae_version` (default 5.0).
///
/// # Errors
///
/// [`CsvError`]: as for [`parse_labs`], plus unknown term, grade not an
/// integer 1–5, grade the term does not allow in the version, a
/// laboratory-only term, a CTCAE version not shipped.
pub fn parse_events(text: &str, file: &str) -> Result<Vec<AdverseEvent>, CsvError> {
    let t = read_table(
        text,
        file,
        &["patient", "date", "term", "grade"],
        &["ctcae_version"],
    )?;
    let mut out = Vec::new();
    for r in rows(&t) {
        let patient = r.required("patient")?.to_string();
        let date = r.date("date")?;
        let term_text = r.required("term")?;
        let term = Term::parse(term_text)
            .ok_or_else(|| r.err("term", FieldProblem::UnknownTerm(term_text.to_string())))?;
        let grade_text = r.required("grade")?;
        let grade = grade_text
            .parse::<u8>()
            .ok()
            .filter(|g| (1..=5).contains(g))
            .and_then(Grade::new)
            .ok_or_else(|| r.err("grade", FieldProblem::BadGrade(grade_text.to_string())))?;
        let version_text = r.get("ctcae_version");
        let version = if version_text.is_empty() {
            CtcaeVersion::V5_0
        } else {
            CtcaeVersion::parse(version_text).ok_or_else(|| {
                r.err(
                    "ctcae_version",
                    FieldProblem::UnsupportedVersion(version_text.to_string()),
                )
            })?
        };
        let allowed = version
            .table()
            .allowed_event_grades(term)
            .ok_or_else(|| r.err("term", FieldProblem::NotAnEventTerm(term)))?;
        if !allowed.contains(&grade) {
            return Err(r.err(
                "grade",
                FieldProblem::GradeNotAllowed {
                    term,
                    grade,
                    version,
                    allowed: allowed
                        .iter()
                        .map(|g| g.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                },
            ));
        }
        out.push(AdverseEvent {
            patient,
            date,
            term,
            grade,
            ctcae_version: version,
            origin: r.origin(),
        });
    }
    Ok(out)
}

/// Parses a transfusions file: columns `patient, date, product`.
///
/// # Errors
///
/// [`CsvError`]: malformed CSV, column errors, empty field, bad date,
/// unknown product.
pub fn parse_transfusions(text: &str, file: &str) -> Result<Vec<Transfusion>, CsvError> {
    let t = read_table(text, file, &["patient", "date", "product"], &[])?;
    let mut out = Vec::new();
    for r in rows(&t) {
        let patient = r.required("patient")?.to_string();
        let date = r.date("date")?;
        let p = r.required("product")?;
        let product = Product::parse(p)
            .ok_or_else(|| r.err("product", FieldProblem::UnknownProduct(p.to_string())))?;
        out.push(Transfusion {
            patient,
            date,
            product,
            origin: r.origin(),
        });
    }
    Ok(out)
}
