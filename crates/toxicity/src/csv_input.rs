//! Parsing the labs, events and transfusions CSV files from text.
//!
//! Each parser takes the file's text and a source label (the file name, for
//! messages) and returns all records or the first error; never a part. The
//! layout follows the rules of every mibg table (`mibg-csv`; README "CSV
//! files"): comment lines, BOM, CRLF, quoted line breaks, header names
//! trimmed and case-insensitive, a wrong delimiter or decimal commas reported
//! first, lines numbered as a text editor numbers them. The three tables are
//! *clinical* tables: every required column must be present, and an unknown
//! or duplicated column is an error (a misspelt optional column would
//! otherwise be silently ignored); each accepts a free-text `notes` column.
//! Dates are ISO 8601 (`YYYY-MM-DD`). The README's data dictionary lists
//! every column.

use crate::ctcae::{CtcaeVersion, Grade, Term};
use crate::decimal::Decimal;
use crate::exact::{DecimalError, Exact};
use crate::labunits::{LabTest, LabUnit};
use crate::records::{AdverseEvent, LabResult, Origin, Product, Transfusion};
use jiff::civil::Date;
use mibg_csv::{
    CsvError as TableError, Location, Schema, Strictness, TextReader, excerpt,
    looks_like_decimal_comma,
};
use std::sync::Arc;

/// Why a CSV file is rejected. The position is a field
/// ([`CsvError::location`]), never only text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// The layout of the file: delimiter, decimal commas, encoding, header
    /// (missing, unknown or duplicated columns), a row with the wrong number
    /// of cells.
    #[error(transparent)]
    Table(#[from] TableError),
    /// A field breaks a rule.
    #[error("{location}: {problem}")]
    Field {
        /// Source label, physical line and column.
        location: Location,
        /// What is wrong.
        problem: FieldProblem,
    },
}

impl CsvError {
    /// Where the problem is (source, physical line, column).
    pub fn location(&self) -> &Location {
        match self {
            Self::Table(e) => e.location(),
            Self::Field { location, .. } => location,
        }
    }

    /// The message without the location.
    pub fn detail(&self) -> String {
        match self {
            Self::Table(e) => e.message(),
            Self::Field { problem, .. } => problem.to_string(),
        }
    }
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldProblem {
    /// Required but empty.
    #[error("empty; a value is required")]
    Empty,
    /// Not an ISO 8601 date.
    #[error("{0} is not an ISO 8601 date (YYYY-MM-DD)")]
    BadDate(String),
    /// Not a decimal number.
    #[error("{0}")]
    BadNumber(DecimalError),
    /// A number written with a decimal comma (or a thousands separator).
    #[error(
        "{0} has a comma; write numbers with '.' as the decimal point and no thousands separator"
    )]
    DecimalComma(String),
    /// A negative value, limit or count.
    #[error("{0} is negative")]
    Negative(String),
    /// Not a known unit.
    #[error("unknown unit {0} (accepted: {accepted})", accepted = LabUnit::ACCEPTED)]
    UnknownUnit(String),
    /// A known unit of another test.
    #[error("unit {unit} is not a unit of {test}")]
    UnitNotForTest {
        /// The unit text.
        unit: String,
        /// The test.
        test: LabTest,
    },
    /// Not a known test.
    #[error(
        "unknown test {0} (allowed: neutrophils, platelets, haemoglobin, wbc, lymphocytes, alt, ast, bilirubin, ggt, alp, creatinine)"
    )]
    UnknownTest(String),
    /// Not a known CTCAE term.
    #[error("unknown CTCAE v5.0 term {0}{hint}", hint = term_hint(.0))]
    UnknownTerm(String),
    /// Not a grade number 1–5.
    #[error("{0} is not a grade (an integer 1 to 5)")]
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
        "CTCAE version {0} is not available (this build grades v5.0; grades are never converted between versions)"
    )]
    UnsupportedVersion(String),
    /// Not a known blood product.
    #[error("unknown product {0} (allowed: platelets, red_cells)")]
    UnknownProduct(String),
    /// Not a yes/no flag.
    #[error("{0} is not a flag (allowed: yes, no, true, false, 1, 0, or empty)")]
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
    /// The same stem-cell infusion (patient and date) twice.
    #[error("stem-cell infusion on {date} given twice (first on line {first_line})")]
    DuplicateStemCells {
        /// The date.
        date: String,
        /// Physical line of the first.
        first_line: u64,
    },
    /// A value or reference limit outside its plausible range: most likely
    /// written in another unit than the row's. The text says which value, the
    /// plausible range in the row's unit and the quantity, e.g.
    /// "1.5 /mm3 is implausible for a neutrophils reference limit (expected
    /// 100 to 10000 /mm3)".
    #[error("{0}: check the unit")]
    Implausible(String),
}

fn term_hint(text: &str) -> &'static str {
    if text
        .trim_matches('\'')
        .trim()
        .eq_ignore_ascii_case("sialadenitis")
    {
        " (v5 has no 'sialadenitis' term: use 'Salivary duct inflammation')"
    } else {
        " (use the v5 term name, e.g. 'Mucositis oral', or its code, e.g. mucositis_oral)"
    }
}

/// A table being read: the `mibg-csv` reader and its source label.
struct Table<'a> {
    /// The source label, shared by the origin of every record read.
    source: Arc<str>,
    reader: TextReader<'a>,
}

fn read_table<'a>(
    text: &'a str,
    file: &'a str,
    table: &str,
    required: &[&str],
    optional: &[&str],
) -> Table<'a> {
    let mut schema = Schema::new(table, Strictness::Clinical);
    for c in required {
        schema = schema.required(c);
    }
    for c in optional.iter().chain(&["notes"]) {
        schema = schema.optional(c);
    }
    Table {
        source: Arc::from(file),
        reader: TextReader::new(file, text, &schema),
    }
}

impl<'a> Table<'a> {
    /// The next row, or the first layout problem.
    fn next(&mut self) -> Option<Result<Row<'_>, CsvError>> {
        let source = &self.source;
        self.reader
            .next_row()
            .map(|r| r.map(|row| Row { row, source }).map_err(CsvError::from))
    }
}

struct Row<'r> {
    row: mibg_csv::Row<'r>,
    source: &'r Arc<str>,
}

impl Row<'_> {
    fn get(&self, column: &str) -> &str {
        self.row.get(column)
    }
    fn line(&self) -> u64 {
        self.row.line()
    }
    fn err(&self, column: &str, problem: FieldProblem) -> CsvError {
        CsvError::Field {
            location: self.row.location(column),
            problem,
        }
    }
    fn origin(&self) -> Option<Origin> {
        Some(Origin {
            source: Arc::clone(self.source),
            row: self.line(),
        })
    }
    fn required(&self, column: &str) -> Result<&str, CsvError> {
        let v = self.get(column);
        if v.is_empty() {
            Err(self.err(column, FieldProblem::Empty))
        } else {
            Ok(v)
        }
    }
    fn date(&self, column: &str) -> Result<Date, CsvError> {
        let v = self.required(column)?;
        // Strict YYYY-MM-DD: jiff also accepts datetimes, which we do not.
        if v.len() != 10 {
            return Err(self.err(column, FieldProblem::BadDate(excerpt(v))));
        }
        v.parse::<Date>()
            .map_err(|_| self.err(column, FieldProblem::BadDate(excerpt(v))))
    }
    fn number(&self, column: &str) -> Result<Option<Exact>, CsvError> {
        let v = self.get(column);
        if v.is_empty() {
            return Ok(None);
        }
        let x = Exact::parse_decimal(v).map_err(|e| {
            let problem = if looks_like_decimal_comma(v) {
                FieldProblem::DecimalComma(excerpt(v))
            } else {
                FieldProblem::BadNumber(shorten(e))
            };
            self.err(column, problem)
        })?;
        if x.is_negative() {
            return Err(self.err(column, FieldProblem::Negative(v.to_string())));
        }
        Ok(Some(x))
    }
}

/// A decimal error whose value is cut to a readable length (as
/// [`mibg_csv::excerpt`] cuts: the first 32 of more than 40 characters).
fn shorten(e: DecimalError) -> DecimalError {
    let cut = |v: String| {
        if v.chars().count() > 40 {
            v.chars().take(32).chain(['…']).collect()
        } else {
            v
        }
    };
    match e {
        DecimalError::NotDecimal(v) => DecimalError::NotDecimal(cut(v)),
        DecimalError::TooLong(v) => DecimalError::TooLong(cut(v)),
    }
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
/// bad baseline flag. The first problem of [`parse_labs_all`].
pub fn parse_labs(text: &str, file: &str) -> Result<Vec<LabResult>, CsvError> {
    parse_labs_all(text, file).map_err(|mut all| all.swap_remove(0))
}

/// Parses a labs file as [`parse_labs`] does, but goes on after a problem:
/// every problem of the file, in file order (within a row, in the order
/// [`parse_labs`] checks its fields), for an upload that must list them
/// all. A check that needs a field already refused (the unit of a test
/// that is unknown, the limits of an unreadable value) is not made. A
/// layout problem (delimiter, encoding, header) ends the reading, as for
/// [`parse_labs`]; a row with the wrong number of cells is one problem
/// and the reading goes on.
///
/// # Errors
///
/// Every [`CsvError`] found (never an empty list).
pub fn parse_labs_all(text: &str, file: &str) -> Result<Vec<LabResult>, Vec<CsvError>> {
    parse_labs_all_visiting(text, file, |_| {})
}

/// [`parse_labs_all`], handing every row as read (its physical line and
/// trimmed cells, before the row's own checks) to `visit`: a caller that
/// checks columns of its own (the study folder's patient and date) does so
/// in the same single pass over the text, instead of reading the file twice.
///
/// # Errors
///
/// As [`parse_labs_all`].
pub fn parse_labs_all_visiting(
    text: &str,
    file: &str,
    mut visit: impl FnMut(&mibg_csv::Row<'_>),
) -> Result<Vec<LabResult>, Vec<CsvError>> {
    let mut t = read_table(
        text,
        file,
        "labs file",
        &["patient", "date", "test", "value", "unit", "lln", "uln"],
        &["baseline"],
    );
    // At most one record per line: sized once (a labs file has a million
    // rows; growing by doubling would hold up to twice the records' room).
    let mut out = Vec::with_capacity(text.bytes().filter(|&b| b == b'\n').count() + 1);
    let mut problems = Vec::new();
    let mut patient = None;
    while let Some(r) = t.next() {
        match r {
            Ok(r) => {
                visit(&r.row);
                match lab_row(&r, &mut patient) {
                    Ok(l) => out.push(l),
                    Err(e) => problems.extend(e),
                }
            }
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty() {
        out.shrink_to_fit();
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The value, or `None` with its problem kept.
fn keep<T>(x: Result<T, CsvError>, p: &mut Vec<CsvError>) -> Option<T> {
    x.map_err(|e| p.push(e)).ok()
}

/// One row of a labs file: the record, or every problem of the row.
/// `last` is the patient of the previous record: the rows of one patient
/// share one string.
fn lab_row(r: &Row<'_>, last: &mut Option<Arc<str>>) -> Result<LabResult, Vec<CsvError>> {
    let mut p = Vec::new();
    let patient = keep(r.required("patient"), &mut p).map(|text| match last {
        Some(id) if **id == *text => Arc::clone(id),
        _ => {
            let id: Arc<str> = Arc::from(text);
            *last = Some(Arc::clone(&id));
            id
        }
    });
    let date = keep(r.date("date"), &mut p);
    let test = keep(r.required("test"), &mut p).and_then(|test_text| {
        keep(
            LabTest::parse(test_text)
                .ok_or_else(|| r.err("test", FieldProblem::UnknownTest(excerpt(test_text)))),
            &mut p,
        )
    });
    let value = keep(
        r.number("value")
            .and_then(|v| v.ok_or_else(|| r.err("value", FieldProblem::Empty))),
        &mut p,
    );
    let unit_text = r.get("unit");
    let unit = keep(r.required("unit"), &mut p).and_then(|unit_text| {
        keep(
            LabUnit::parse(unit_text)
                .ok_or_else(|| r.err("unit", FieldProblem::UnknownUnit(excerpt(unit_text)))),
            &mut p,
        )
    });
    // The unit must be one of the test's.
    let unit = match (test, unit) {
        (Some(test), Some(unit)) if !test.accepts(unit) => {
            p.push(r.err(
                "unit",
                FieldProblem::UnitNotForTest {
                    unit: excerpt(unit_text),
                    test,
                },
            ));
            None
        }
        (_, u) => u,
    };
    let lln = keep(r.number("lln"), &mut p);
    let uln = keep(r.number("uln"), &mut p);
    // The limits: present as the test needs, not zero, not inverted.
    let mut limits_ok = lln.is_some() && uln.is_some();
    if let (Some(test), Some(lln), Some(uln)) = (test, lln, uln) {
        if test.is_decreasing() && lln.is_none() {
            p.push(r.err(
                "lln",
                FieldProblem::MissingLimit {
                    test,
                    limit: "lower limit of normal",
                },
            ));
            limits_ok = false;
        }
        if !test.is_decreasing() && uln.is_none() {
            p.push(r.err(
                "uln",
                FieldProblem::MissingLimit {
                    test,
                    limit: "upper limit of normal",
                },
            ));
            limits_ok = false;
        }
        if uln.is_some_and(|u| u.is_zero()) {
            p.push(r.err("uln", FieldProblem::ZeroUln));
            limits_ok = false;
        }
        if let (Some(l), Some(u)) = (lln, uln)
            && l >= u
        {
            p.push(r.err(
                "lln",
                FieldProblem::LimitsInverted {
                    lln: r.get("lln").to_string(),
                    uln: r.get("uln").to_string(),
                },
            ));
            limits_ok = false;
        }
    }
    // Plausibility (wrong unit): reference limits, then the value.
    if let (Some(test), Some(unit)) = (test, unit) {
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
        if limits_ok && let (Some(lln), Some(uln)) = (lln, uln) {
            for ((column, limit), range) in [("lln", lln), ("uln", uln)]
                .into_iter()
                .zip(test.plausible_limits())
            {
                if let (Some(x), Some(range)) = (limit, range)
                    && let Some(e) =
                        implausible(column, x, range, format!("a {test} reference limit"))
                {
                    p.push(e);
                }
            }
        }
        if let (Some(value), Some(range)) = (value, test.plausible_value())
            && let Some(e) = implausible("value", value, range, test.to_string())
        {
            p.push(e);
        }
    }
    let flag = r.get("baseline");
    let is = |spellings: &[&str]| spellings.iter().any(|w| flag.eq_ignore_ascii_case(w));
    let baseline = if is(&["", "no", "false", "0", "n"]) {
        Some(false)
    } else if is(&["yes", "true", "1", "y"]) {
        Some(true)
    } else {
        p.push(r.err("baseline", FieldProblem::BadFlag(excerpt(flag))));
        None
    };
    match (
        patient, date, test, value, unit, lln, uln, baseline, limits_ok,
    ) {
        (
            Some(patient),
            Some(date),
            Some(test),
            Some(value),
            Some(unit),
            Some(lln),
            Some(uln),
            Some(baseline),
            true,
        ) if p.is_empty() => Ok(LabResult {
            patient,
            date,
            test,
            value: decimal(value),
            unit,
            lln: lln.map(decimal),
            uln: uln.map(decimal),
            baseline,
            origin: r.origin(),
        }),
        _ => Err(p),
    }
}

/// The compact form of a number [`Row::number`] parsed (at most 6 decimals
/// and 12 digits: always a [`Decimal`]).
fn decimal(x: Exact) -> Decimal {
    Decimal::try_from(x).expect("a parsed decimal has at most 6 decimals and 12 digits")
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
    parse_events_visiting(text, file, |_| {})
}

/// [`parse_events`], handing every row as read to `visit` before its own
/// checks (see [`parse_labs_all_visiting`]); the reading stops at the first
/// problem, as for [`parse_events`].
///
/// # Errors
///
/// As [`parse_events`].
pub fn parse_events_visiting(
    text: &str,
    file: &str,
    mut visit: impl FnMut(&mibg_csv::Row<'_>),
) -> Result<Vec<AdverseEvent>, CsvError> {
    let mut t = read_table(
        text,
        file,
        "events file",
        &["patient", "date", "term", "grade"],
        &["ctcae_version"],
    );
    let mut out = Vec::new();
    while let Some(r) = t.next() {
        let r = r?;
        visit(&r.row);
        let patient = r.required("patient")?.to_string();
        let date = r.date("date")?;
        let term_text = r.required("term")?;
        let term = Term::parse(term_text)
            .ok_or_else(|| r.err("term", FieldProblem::UnknownTerm(excerpt(term_text))))?;
        let grade_text = r.required("grade")?;
        let grade = grade_text
            .parse::<u8>()
            .ok()
            .filter(|g| (1..=5).contains(g))
            .and_then(Grade::new)
            .ok_or_else(|| r.err("grade", FieldProblem::BadGrade(excerpt(grade_text))))?;
        let version_text = r.get("ctcae_version");
        let version = if version_text.is_empty() {
            CtcaeVersion::V5_0
        } else {
            CtcaeVersion::parse(version_text).ok_or_else(|| {
                r.err(
                    "ctcae_version",
                    FieldProblem::UnsupportedVersion(excerpt(version_text)),
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

/// One stem-cell infusion (day 0 of an engraftment episode).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StemCellInfusion {
    /// Patient identifier.
    pub patient: String,
    /// Infusion date.
    pub date: jiff::civil::Date,
    /// File and physical line.
    pub origin: Option<Origin>,
}

/// Parses a stem-cell infusion file: columns `patient, date`, optional
/// `cd34_e6_per_kg` (the study folder's `stem_cells.csv` is read as is; the
/// CD34 dose is not used for grading). One row per infusion; a second
/// infusion of a patient is a second row; the same date twice is an error.
///
/// # Errors
///
/// [`CsvError`]: malformed CSV, column errors, empty field, bad date, a
/// patient's date given twice.
pub fn parse_stem_cells(text: &str, file: &str) -> Result<Vec<StemCellInfusion>, CsvError> {
    let mut t = read_table(
        text,
        file,
        "stem-cell infusions file",
        &["patient", "date"],
        &["cd34_e6_per_kg"],
    );
    let mut out: Vec<StemCellInfusion> = Vec::new();
    while let Some(r) = t.next() {
        let r = r?;
        let patient = r.required("patient")?.to_string();
        let date = r.date("date")?;
        if let Some(first) = out.iter().find(|s| s.patient == patient && s.date == date) {
            return Err(r.err(
                "date",
                FieldProblem::DuplicateStemCells {
                    date: date.to_string(),
                    first_line: first.origin.as_ref().map_or(0, |o| o.row),
                },
            ));
        }
        out.push(StemCellInfusion {
            patient,
            date,
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
    parse_transfusions_visiting(text, file, |_| {})
}

/// [`parse_transfusions`], handing every row as read to `visit` before its
/// own checks (see [`parse_labs_all_visiting`]); the reading stops at the
/// first problem, as for [`parse_transfusions`].
///
/// # Errors
///
/// As [`parse_transfusions`].
pub fn parse_transfusions_visiting(
    text: &str,
    file: &str,
    mut visit: impl FnMut(&mibg_csv::Row<'_>),
) -> Result<Vec<Transfusion>, CsvError> {
    let mut t = read_table(
        text,
        file,
        "transfusions file",
        &["patient", "date", "product"],
        &[],
    );
    let mut out = Vec::new();
    while let Some(r) = t.next() {
        let r = r?;
        visit(&r.row);
        let patient = r.required("patient")?.to_string();
        let date = r.date("date")?;
        let p = r.required("product")?;
        let product = Product::parse(p)
            .ok_or_else(|| r.err("product", FieldProblem::UnknownProduct(excerpt(p))))?;
        out.push(Transfusion {
            patient,
            date,
            product,
            origin: r.origin(),
        });
    }
    Ok(out)
}
