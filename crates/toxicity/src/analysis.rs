//! The per-patient and cohort toxicity analysis.
//!
//! # Window (docs/reference/toxicity.md issue scope; \[I\], configurable)
//!
//! Worst grades, nadirs and grade-4 days are taken over a per-patient window:
//!
//! * **start** = the first 131I-mIBG infusion ([`Schedule::window_start`](crate::records::Schedule::window_start)); if
//!   absent, the patient's first record (with a warning);
//! * **end** = the last stem-cell infusion + [`Options::window_days`] (default
//!   60, "day +60"); without stem-cell dates, the patient's last record (with a
//!   warning). Both ends are inclusive.
//!
//! # Baseline (\[I\])
//!
//! For ALT, AST, bilirubin, GGT, ALP and creatinine the baseline is the
//! result flagged `baseline` (at most one per patient and test), otherwise,
//! when the first-infusion date is given, the last result dated on or before
//! it. Without a first-infusion date only flagged rows are baselines (the
//! first record may already be toxic and would mask itself). A baseline
//! result is a reference, not a toxicity value: it is never graded (against
//! itself). Counts and haemoglobin have no baseline rule. Without a
//! baseline, the normal-baseline (ULN) criteria are used and a warning says
//! so.
//!
//! # Anaemia from transfusions
//!
//! CTCAE v5 anaemia grade 3 includes "transfusion indicated" (docs/reference/toxicity.md §3).
//! A red-cell transfusion in the window is taken as that indication and
//! graded anaemia 3 ([`Options::anemia_from_transfusions`], default on).
//!
//! # Cohort table
//!
//! Number (%) of patients by worst grade (1–2, 3, 4, 5) per term. The
//! denominator is recorded per row: for laboratory-graded terms the patients
//! with at least one graded value of the term in their window (evaluable);
//! for terms entered only as events, all patients of the cohort (events are
//! recorded by exception: no event = grade 0).

use crate::ctcae::{CtcaeVersion, Grade, Term};
use crate::decimal::Decimal;
use crate::engraftment::{self, DailyValue, EngraftmentOptions, Episode};
use crate::exact::Exact;
use crate::grading::{self, Baseline, BaselineState, GradingError, GradingOptions, LabInput};
use crate::labunits::{CellCount, LabTest, LabUnit};
use crate::records::{
    AdverseEvent, LabResult, Origin, Product, Schedule, ToxicityInput, Transfusion,
};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Options of the analysis; all recorded in the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Options {
    /// CTCAE version to grade in (events must carry the same version).
    pub ctcae_version: CtcaeVersion,
    /// Laboratory grading choices.
    pub grading: GradingOptions,
    /// Window end: days after the last stem-cell infusion (default 60).
    pub window_days: i64,
    /// Grade a red-cell transfusion as anaemia grade 3 (default `true`).
    pub anemia_from_transfusions: bool,
    /// Engraftment thresholds.
    pub engraftment: EngraftmentOptions,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            ctcae_version: CtcaeVersion::V5_0,
            grading: GradingOptions::default(),
            window_days: 60,
            anemia_from_transfusions: true,
            engraftment: EngraftmentOptions::default(),
        }
    }
}

/// Why the analysis cannot run. Nothing partial is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnalysisError {
    /// An engraftment option outside its plausible range (a threshold in
    /// /mm³ where ×10⁹/L is expected is named as such).
    #[error("engraftment: {0}")]
    EngraftmentOption(#[from] crate::engraftment::EngraftmentOptionError),
    /// A laboratory value cannot be graded.
    #[error("{at}: {source}")]
    Grading {
        /// Where ("labs.csv line 4" or "patient P1, 2024-01-02, alt").
        at: At,
        /// Why.
        source: GradingError,
    },
    /// An event was graded in another CTCAE version.
    #[error(
        "{at}: graded in CTCAE v{found}, analysis in {expected}; grades are never converted between versions"
    )]
    EventVersion {
        /// Where.
        at: At,
        /// Version of the event.
        found: String,
        /// Version of the analysis.
        expected: CtcaeVersion,
    },
    /// An event grade that its term does not allow.
    #[error("{at}: {}", crate::ctcae::event_grade_message(*.term, *.grade, *.version, .allowed))]
    GradeNotAllowed {
        /// Where.
        at: At,
        /// Term.
        term: Term,
        /// Grade entered.
        grade: Grade,
        /// Version.
        version: CtcaeVersion,
        /// Allowed grades, e.g. "3, 4, 5".
        allowed: String,
    },
    /// A term that is graded from laboratory values was entered as an event.
    #[error(
        "{at}: {term} is graded from laboratory values in {version}; put the value in the labs file"
    )]
    NotAnEventTerm {
        /// Where.
        at: At,
        /// Term.
        term: Term,
        /// Version.
        version: CtcaeVersion,
    },
    /// Two results flagged as the baseline of one test.
    #[error("{second}: a second baseline of {test} for patient {patient} (the first is {first})")]
    DuplicateBaseline {
        /// Patient.
        patient: String,
        /// Test.
        test: LabTest,
        /// First.
        first: Box<At>,
        /// Second.
        second: Box<At>,
    },
    /// The window is not valid.
    #[error("window: {0}")]
    Window(String),
    /// No records at all.
    #[error("no records: nothing to analyse")]
    Empty,
}

/// Where a grade came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GradeSource {
    /// A laboratory result.
    Lab {
        /// Test.
        test: LabTest,
        /// Value as reported.
        value: Exact,
        /// Unit as reported.
        unit: LabUnit,
        /// LLN as reported.
        lln: Option<Exact>,
        /// ULN as reported.
        uln: Option<Exact>,
        /// CTCAE text of the grade met.
        criterion: Option<&'static str>,
        /// Baseline state used.
        baseline: BaselineState,
    },
    /// An adverse event entered with its grade.
    Event,
    /// A red-cell transfusion (anaemia grade 3, "transfusion indicated").
    RedCellTransfusion,
}

/// One graded observation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GradedValue {
    /// Date.
    pub date: Date,
    /// Term.
    pub term: Term,
    /// Grade.
    pub grade: Grade,
    /// CTCAE version of the grade.
    pub ctcae_version: CtcaeVersion,
    /// Source.
    pub source: GradeSource,
    /// Input record (if from a file).
    pub origin: Option<Origin>,
}

/// The window used for one patient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    /// First day (inclusive).
    pub start: Date,
    /// Last day (inclusive).
    pub end: Date,
    /// How the start was found.
    pub start_rule: &'static str,
    /// How the end was found.
    pub end_rule: &'static str,
}

/// The baseline used for one test.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BaselineUsed {
    /// Test.
    pub test: LabTest,
    /// Date.
    pub date: Date,
    /// Value.
    pub value: Exact,
    /// Unit.
    pub unit: LabUnit,
    /// ULN of the baseline result.
    pub uln: Option<Exact>,
    /// Baseline > ULN (`None` without a ULN).
    pub abnormal: Option<bool>,
    /// How it was chosen.
    pub rule: &'static str,
}

/// The worst grade of one term in the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorstGrade {
    /// Term.
    pub term: Term,
    /// Worst grade (0 when evaluable and never abnormal).
    pub grade: Grade,
    /// First date the worst grade was reached.
    pub first_date: Date,
    /// CTCAE version.
    pub ctcae_version: CtcaeVersion,
}

/// The lowest value of a decreasing test in the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Nadir {
    /// Test.
    pub test: LabTest,
    /// First date of the lowest value.
    pub date: Date,
    /// Value as reported.
    pub value: Exact,
    /// Unit as reported.
    pub unit: LabUnit,
    /// Value in the canonical unit.
    pub canonical_value: Exact,
    /// The canonical unit.
    pub canonical_unit: LabUnit,
}

/// Days with grade-4 neutropenia or thrombocytopenia in the window, counted
/// two ways: measured days only, and with each day's grade carried forward to
/// the next measurement of the test (\[I\]: counts are rarely drawn every day;
/// the last measurement counts one day).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Grade4Days {
    /// Term.
    pub term: Term,
    /// Number of distinct measured days with a grade-4 value.
    pub days: usize,
    /// Days of grade 4 with each day's worst grade carried forward to the next
    /// measured day.
    pub days_carried_forward: i64,
    /// First such day.
    pub first: Option<Date>,
    /// Last such day.
    pub last: Option<Date>,
}

/// Everything about one patient.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PatientReport {
    /// Patient identifier.
    pub patient: String,
    /// Window used.
    pub window: Window,
    /// Baselines used.
    pub baselines: Vec<BaselineUsed>,
    /// Worst grade per term (terms observed in the window).
    pub worst: Vec<WorstGrade>,
    /// Nadirs of the decreasing tests.
    pub nadirs: Vec<Nadir>,
    /// Grade-4 neutropenia and thrombocytopenia days.
    pub grade4_days: Vec<Grade4Days>,
    /// Engraftment per stem-cell infusion.
    pub engraftment: Vec<Episode>,
    /// Every graded observation in the window, by date.
    pub graded: Vec<GradedValue>,
    /// Doubtful but usable data.
    pub warnings: Vec<String>,
}

/// One row of the cohort table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CohortRow {
    /// Term.
    pub term: Term,
    /// Denominator.
    pub denominator: usize,
    /// How the denominator was counted.
    pub denominator_rule: &'static str,
    /// Patients with worst grade 1 or 2.
    pub grade_1_2: usize,
    /// Patients with worst grade 3.
    pub grade_3: usize,
    /// Patients with worst grade 4.
    pub grade_4: usize,
    /// Patients with worst grade 5.
    pub grade_5: usize,
    /// Percentages of the denominator, in the order 1–2, 3, 4, 5 (0 when the
    /// denominator is 0).
    pub percent: [f64; 4],
}

impl CohortRow {
    /// Percentage of the denominator (0 when the denominator is 0).
    pub fn percent(&self, n: usize) -> f64 {
        if self.denominator == 0 {
            0.0
        } else {
            100.0 * n as f64 / self.denominator as f64
        }
    }
}

/// The whole analysis.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CohortReport {
    /// CTCAE version of every grade in the report.
    pub ctcae_version: CtcaeVersion,
    /// Options used.
    pub options: Options,
    /// Patients, by identifier.
    pub patients: Vec<PatientReport>,
    /// Cohort table, in term order.
    pub cohort: Vec<CohortRow>,
    /// Warnings about the whole input.
    pub warnings: Vec<String>,
}

impl CohortReport {
    /// The cohort warnings followed by every engraftment episode's warnings
    /// (e.g. the two platelet rules giving different days), each naming the
    /// patient and the stem-cell date: for callers that report one warning
    /// list (the study report).
    pub fn warnings_with_engraftment(&self) -> Vec<String> {
        let mut all = self.warnings.clone();
        for p in &self.patients {
            for e in &p.engraftment {
                for w in &e.warnings {
                    all.push(format!(
                        "patient {}, stem cells {}: {w}",
                        p.patient, e.stem_cells
                    ));
                }
            }
        }
        all
    }
}

/// Where a record is: its file and line when it was read from a file,
/// otherwise its patient, date and test or term. Displayed as
/// "labs.csv line 4" or "patient P1, 2024-01-02, alt"; callers that point at
/// the record read [`At::origin`] instead of the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct At {
    /// File and line, when the record came from a file.
    pub origin: Option<Origin>,
    /// Patient.
    pub patient: String,
    /// Date of the record.
    pub date: Date,
    /// Test or term code.
    pub what: &'static str,
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.origin {
            Some(o) => write!(f, "{o}"),
            None => write!(f, "patient {}, {}, {}", self.patient, self.date, self.what),
        }
    }
}

fn at(origin: &Option<Origin>, patient: &str, date: Date, what: &'static str) -> At {
    At {
        origin: origin.clone(),
        patient: patient.to_string(),
        date,
        what,
    }
}

impl AnalysisError {
    /// The record the error is about (for a duplicate baseline: the second
    /// one), or `None` for an error about the whole input.
    pub fn at(&self) -> Option<&At> {
        match self {
            AnalysisError::Grading { at, .. }
            | AnalysisError::EventVersion { at, .. }
            | AnalysisError::GradeNotAllowed { at, .. }
            | AnalysisError::NotAnEventTerm { at, .. } => Some(at),
            AnalysisError::DuplicateBaseline { second, .. } => Some(second),
            AnalysisError::Window(_)
            | AnalysisError::EngraftmentOption(_)
            | AnalysisError::Empty => None,
        }
    }
}

const CHEMISTRY: [LabTest; 6] = [
    LabTest::Alt,
    LabTest::Ast,
    LabTest::Bilirubin,
    LabTest::Ggt,
    LabTest::Alp,
    LabTest::Creatinine,
];

/// Runs the analysis (module docs give the rules).
///
/// # Errors
///
/// [`AnalysisError`]: an ungradable value (missing LLN/ULN, wrong unit), an
/// event in another CTCAE version or with a grade its term does not allow,
/// a laboratory-only term entered as an event, two flagged baselines, an
/// invalid window, no records.
pub fn analyse(input: &ToxicityInput, options: &Options) -> Result<CohortReport, AnalysisError> {
    analyse_keeping(input, options, true)
}

/// [`analyse`] without each patient's list of graded values
/// ([`PatientReport::graded`] is left empty; every value is graded all the
/// same): the worst grades, nadirs, grade-4 days, engraftment, warnings and
/// the cohort table are those of [`analyse`]. For a cohort report that
/// shows none of the graded values, which in a study of 10 000 patients
/// are more than a million held at once.
///
/// # Errors
///
/// As [`analyse`].
pub fn analyse_summary(
    input: &ToxicityInput,
    options: &Options,
) -> Result<CohortReport, AnalysisError> {
    analyse_keeping(input, options, false)
}

fn analyse_keeping(
    input: &ToxicityInput,
    options: &Options,
    keep_graded: bool,
) -> Result<CohortReport, AnalysisError> {
    let table = options.ctcae_version.table();
    options.engraftment.check()?;
    if options.window_days < 0 {
        return Err(AnalysisError::Window(format!(
            "{} days after stem cells is negative",
            options.window_days
        )));
    }
    // Validate every event first (nothing partial).
    for e in &input.events {
        let where_ = at(&e.origin, &e.patient, e.date, e.term.code());
        if e.ctcae_version != options.ctcae_version {
            return Err(AnalysisError::EventVersion {
                at: where_,
                found: e.ctcae_version.as_str().to_string(),
                expected: options.ctcae_version,
            });
        }
        let allowed =
            table
                .allowed_event_grades(e.term)
                .ok_or_else(|| AnalysisError::NotAnEventTerm {
                    at: where_.clone(),
                    term: e.term,
                    version: table.version,
                })?;
        if !allowed.contains(&e.grade) {
            return Err(AnalysisError::GradeNotAllowed {
                at: where_,
                term: e.term,
                grade: e.grade,
                version: table.version,
                allowed: allowed
                    .iter()
                    .map(|g| g.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }

    // Every record is grouped by patient once (input order kept within a
    // patient), so the analysis is linear in the records rather than
    // patients × records.
    let mut by_patient: BTreeMap<&str, PatientRecords> = BTreeMap::new();
    for r in &input.labs {
        by_patient.entry(&r.patient).or_default().labs.push(r);
    }
    for e in &input.events {
        by_patient.entry(&e.patient).or_default().events.push(e);
    }
    for t in &input.transfusions {
        by_patient
            .entry(&t.patient)
            .or_default()
            .transfusions
            .push(t);
    }
    let patients: BTreeSet<&str> = by_patient.keys().copied().collect();
    for s in &input.schedules {
        if let Some(g) = by_patient.get_mut(s.patient.as_str()) {
            g.schedules.push(s);
        }
    }
    if patients.is_empty() {
        return Err(AnalysisError::Empty);
    }
    let mut warnings = Vec::new();
    let orphans: BTreeSet<&str> = input
        .schedules
        .iter()
        .map(|s| s.patient.as_str())
        .filter(|p| !patients.contains(p))
        .collect();
    for p in orphans {
        warnings.push(format!(
            "patient {p} has treatment dates but no records: left out of the cohort"
        ));
    }

    let mut reports = Vec::new();
    for (patient, records) in by_patient {
        let mut report = analyse_patient(patient, records, options)?;
        if !keep_graded {
            report.graded = Vec::new();
        }
        reports.push(report);
    }

    let cohort = cohort_table(&reports, options);
    Ok(CohortReport {
        ctcae_version: options.ctcae_version,
        options: *options,
        patients: reports,
        cohort,
        warnings,
    })
}

/// `d` + `n` days; a date outside jiff's calendar (years −9999 to 9999) is
/// a window error. `Span::days` would panic beyond ±7 304 484 days, so the
/// fallible `try_days` is used.
fn add_days(d: Date, n: i64) -> Result<Date, AnalysisError> {
    jiff::Span::new()
        .try_days(n)
        .and_then(|span| d.checked_add(span))
        .map_err(|e| AnalysisError::Window(format!("{d} + {n} days: {e}")))
}

/// One patient's records and schedules, in input order.
#[derive(Default)]
struct PatientRecords<'a> {
    labs: Vec<&'a LabResult>,
    events: Vec<&'a AdverseEvent>,
    transfusions: Vec<&'a Transfusion>,
    schedules: Vec<&'a Schedule>,
}

fn analyse_patient(
    patient: &str,
    records: PatientRecords<'_>,
    options: &Options,
) -> Result<PatientReport, AnalysisError> {
    let table = options.ctcae_version.table();
    let mut warnings = Vec::new();
    let PatientRecords {
        labs,
        events,
        transfusions,
        schedules,
    } = records;
    let transfusions: Vec<Transfusion> = transfusions.into_iter().cloned().collect();
    // Identical repeated rows (a double entry?) are warned, not dropped: they
    // change no grade, but the user must see them.
    // (A `Decimal` is reduced: equal values, equal keys.)
    let mut seen_labs: BTreeMap<(Date, LabTest, Decimal, &str), &LabResult> = BTreeMap::new();
    for r in &labs {
        let key = (r.date, r.test, r.value, r.unit.symbol());
        match seen_labs.get(&key) {
            Some(first) => warnings.push(format!(
                "{} repeats {} (same date, test, value and unit): check for a double entry",
                at(&r.origin, patient, r.date, r.test.code()),
                at(&first.origin, patient, first.date, first.test.code())
            )),
            None => {
                seen_labs.insert(key, r);
            }
        }
    }
    let mut seen_events = BTreeMap::new();
    for e in &events {
        match seen_events.get(&(e.date, e.term, e.grade)) {
            Some(first) => {
                let first: &&crate::records::AdverseEvent = first;
                warnings.push(format!(
                    "{} repeats {} (same date, term and grade): check for a double entry",
                    at(&e.origin, patient, e.date, e.term.code()),
                    at(&first.origin, patient, first.date, first.term.code())
                ))
            }
            None => {
                seen_events.insert((e.date, e.term, e.grade), e);
            }
        }
    }
    let mut stem_cells: Vec<Date> = Vec::new();
    let mut window_start = None;
    for s in schedules {
        stem_cells.extend(&s.stem_cells);
        if let Some(w) = s.window_start {
            if window_start.is_some_and(|x| x != w) {
                return Err(AnalysisError::Window(format!(
                    "patient {patient}: two window starts ({} and {w})",
                    window_start.unwrap_or(w)
                )));
            }
            window_start = Some(w);
        }
    }
    stem_cells.sort();
    stem_cells.dedup();

    let all_dates: Vec<Date> = labs
        .iter()
        .map(|r| r.date)
        .chain(events.iter().map(|e| e.date))
        .chain(transfusions.iter().map(|t| t.date))
        .collect();
    let first_record = all_dates.iter().min().copied();
    let last_record = all_dates.iter().max().copied();

    let (start, start_rule) = match (window_start, first_record) {
        (Some(w), _) => (w, "first infusion (given)"),
        (None, Some(f)) => {
            warnings.push(format!(
                "no first-infusion date: the window starts at the first record, {f}, and only rows flagged as baseline are baselines"
            ));
            (f, "first record (no first-infusion date given)")
        }
        (None, None) => {
            return Err(AnalysisError::Window(format!(
                "patient {patient}: no records and no dates"
            )));
        }
    };
    if let Some(sc) = stem_cells.first()
        && *sc < start
    {
        return Err(AnalysisError::Window(format!(
            "patient {patient}: stem-cell infusion {sc} is before the window start {start}"
        )));
    }
    let (end, end_rule) = match stem_cells.last() {
        Some(&last) => (
            add_days(last, options.window_days)?,
            "last stem-cell infusion + window days",
        ),
        None => {
            let end = last_record.unwrap_or(start).max(start);
            warnings.push(format!(
                "no stem-cell infusion date: the window ends at the last record, {end}"
            ));
            (end, "last record (no stem-cell infusion date given)")
        }
    };
    let in_window = |d: Date| d >= start && d <= end;

    // Baselines.
    let mut baselines: BTreeMap<LabTest, (Baseline, BaselineUsed)> = BTreeMap::new();
    let mut flagged: BTreeMap<LabTest, &LabResult> = BTreeMap::new();
    for r in labs.iter().filter(|r| r.baseline) {
        if let Some(first) = flagged.get(&r.test) {
            return Err(AnalysisError::DuplicateBaseline {
                patient: patient.to_string(),
                test: r.test,
                first: Box::new(at(&first.origin, patient, first.date, r.test.code())),
                second: Box::new(at(&r.origin, patient, r.date, r.test.code())),
            });
        }
        flagged.insert(r.test, r);
    }
    // Results chosen as baselines are references, not post-baseline
    // toxicity values: never graded against themselves.
    let mut reference_rows: Vec<&LabResult> = Vec::new();
    for test in CHEMISTRY {
        let chosen = match flagged.get(&test) {
            Some(r) => Some((*r, "flagged baseline")),
            // Only a given first-infusion date tells which results are
            // pre-treatment; the first record (the fallback start) may already
            // be toxic and would mask itself and later values.
            None if window_start.is_some() => labs
                .iter()
                .filter(|r| r.test == test && r.date <= start)
                .max_by_key(|r| r.date) // last on or before the start; ties: the later row
                .map(|r| (*r, "last result on or before the window start")),
            None => None,
        };
        if let Some((r, _)) = chosen {
            reference_rows.push(r);
        }
        if let Some((r, rule)) = chosen {
            let b = Baseline {
                value: r.value.exact(),
                unit: r.unit,
                uln: r.uln.map(Decimal::exact),
            };
            if r.uln.is_none() {
                warnings.push(format!(
                    "baseline {test} on {} has no ULN: treated as a normal baseline",
                    r.date
                ));
            }
            baselines.insert(
                test,
                (
                    b,
                    BaselineUsed {
                        test,
                        date: r.date,
                        value: b.value,
                        unit: r.unit,
                        uln: b.uln,
                        abnormal: b.is_abnormal(),
                        rule,
                    },
                ),
            );
        }
    }

    // Grade every laboratory value (all of them: an ungradable value is an
    // error even outside the window), keep those in the window.
    let mut graded = Vec::new();
    let mut outside = 0usize;
    let mut no_baseline_warned: BTreeSet<LabTest> = BTreeSet::new();
    let is_reference = |r: &LabResult| reference_rows.iter().any(|b| std::ptr::eq(*b, r));
    for r in labs.iter().filter(|r| !r.baseline && !is_reference(r)) {
        let input = LabInput {
            test: r.test,
            value: r.value.exact(),
            unit: r.unit,
            lln: r.lln.map(Decimal::exact),
            uln: r.uln.map(Decimal::exact),
        };
        let base = baselines.get(&r.test).map(|(b, _)| b);
        let g = grading::grade_lab(table, &input, base, &options.grading).map_err(|source| {
            AnalysisError::Grading {
                at: at(&r.origin, patient, r.date, r.test.code()),
                source,
            }
        })?;
        if !in_window(r.date) {
            outside += 1;
            continue;
        }
        if CHEMISTRY.contains(&r.test) && base.is_none() && no_baseline_warned.insert(r.test) {
            warnings.push(match r.test {
                LabTest::Creatinine => {
                    "no baseline creatinine: only the ULN criteria were applied".to_string()
                }
                t => {
                    format!("no baseline {t}: graded as if the baseline were normal (ULN criteria)")
                }
            });
        }
        graded.push(GradedValue {
            date: r.date,
            term: g.term,
            grade: g.grade,
            ctcae_version: g.ctcae_version,
            source: GradeSource::Lab {
                test: r.test,
                value: input.value,
                unit: r.unit,
                lln: input.lln,
                uln: input.uln,
                criterion: g.criterion,
                baseline: g.baseline,
            },
            origin: r.origin.clone(),
        });
    }
    if outside > 0 {
        warnings.push(format!(
            "{outside} laboratory result(s) outside the window {start} to {end} not counted (baselines excepted)"
        ));
    }
    // Febrile neutropenia needs ANC < 1.0×10^9/L (CTCAE v5, docs/reference/toxicity.md §3):
    // warn when every ANC measured on the event's date contradicts it.
    for e in events.iter().filter(|e| e.term == Term::FebrileNeutropenia) {
        let same_day: Vec<Exact> = labs
            .iter()
            .filter(|r| r.test == LabTest::Neutrophils && r.date == e.date && !r.baseline)
            .map(|r| canonical(r))
            .collect();
        if !same_day.is_empty() && same_day.iter().all(|v| *v >= Exact::ONE) {
            warnings.push(format!(
                "febrile neutropenia on {} but every ANC measured that day is >= 1.0 x10^9/L (CTCAE requires ANC < 1.0)",
                e.date
            ));
        }
    }
    let mut events_outside = 0usize;
    for e in &events {
        if !in_window(e.date) {
            events_outside += 1;
            continue;
        }
        graded.push(GradedValue {
            date: e.date,
            term: e.term,
            grade: e.grade,
            ctcae_version: e.ctcae_version,
            source: GradeSource::Event,
            origin: e.origin.clone(),
        });
    }
    if events_outside > 0 {
        warnings.push(format!(
            "{events_outside} adverse event(s) outside the window {start} to {end} not counted"
        ));
    }
    if options.anemia_from_transfusions {
        for t in transfusions
            .iter()
            .filter(|t| t.product == Product::RedCells && in_window(t.date))
        {
            graded.push(GradedValue {
                date: t.date,
                term: Term::Anemia,
                grade: Grade::G3,
                ctcae_version: options.ctcae_version,
                source: GradeSource::RedCellTransfusion,
                origin: t.origin.clone(),
            });
        }
    }
    graded.sort_by(|a, b| a.date.cmp(&b.date).then(a.term.cmp(&b.term)));

    // Worst grade per term.
    let mut worst: BTreeMap<Term, WorstGrade> = BTreeMap::new();
    for g in &graded {
        let entry = worst.entry(g.term).or_insert(WorstGrade {
            term: g.term,
            grade: g.grade,
            first_date: g.date,
            ctcae_version: g.ctcae_version,
        });
        if g.grade > entry.grade {
            entry.grade = g.grade;
            entry.first_date = g.date;
        }
    }

    // Nadirs.
    let mut nadirs = Vec::new();
    for test in LabTest::ALL.into_iter().filter(|t| t.is_decreasing()) {
        let best = labs
            .iter()
            .filter(|r| r.test == test && !r.baseline && in_window(r.date))
            .map(|r| (canonical(r), r))
            .min_by(|a, b| a.0.cmp(&b.0).then(a.1.date.cmp(&b.1.date)));
        if let Some((cv, r)) = best {
            nadirs.push(Nadir {
                test,
                date: r.date,
                value: r.value.exact(),
                unit: r.unit,
                canonical_value: cv,
                canonical_unit: test.canonical_unit(),
            });
        }
    }

    // Grade-4 days.
    let mut grade4_days = Vec::new();
    for term in [Term::NeutrophilCountDecreased, Term::PlateletCountDecreased] {
        let days: BTreeSet<Date> = graded
            .iter()
            .filter(|g| {
                g.term == term
                    && g.grade == Grade::G4
                    && matches!(g.source, GradeSource::Lab { .. })
            })
            .map(|g| g.date)
            .collect();
        // Worst lab grade per measured day, then carry forward.
        let mut per_day: BTreeMap<Date, Grade> = BTreeMap::new();
        for g in graded
            .iter()
            .filter(|g| g.term == term && matches!(g.source, GradeSource::Lab { .. }))
        {
            let e = per_day.entry(g.date).or_insert(g.grade);
            *e = (*e).max(g.grade);
        }
        let measured: Vec<(Date, Grade)> = per_day.into_iter().collect();
        let mut carried = 0i64;
        for (i, (d, g)) in measured.iter().enumerate() {
            if *g == Grade::G4 {
                carried += measured
                    .get(i + 1)
                    .map_or(1, |(next, _)| engraftment::days_between(*d, *next));
            }
        }
        if graded.iter().any(|g| g.term == term) {
            grade4_days.push(Grade4Days {
                term,
                days: days.len(),
                days_carried_forward: carried,
                first: days.first().copied(),
                last: days.last().copied(),
            });
        }
    }

    let episodes = engraftment_episodes(
        labs.iter().copied(),
        &stem_cells,
        &transfusions,
        &options.engraftment,
    )?;

    Ok(PatientReport {
        patient: patient.to_string(),
        window: Window {
            start,
            end,
            start_rule,
            end_rule,
        },
        baselines: baselines.into_values().map(|(_, u)| u).collect(),
        worst: worst.into_values().collect(),
        nadirs,
        grade4_days,
        engraftment: episodes,
        graded,
        warnings,
    })
}

/// The value in the test's canonical unit (units were validated on input).
/// The engraftment episodes of one patient: one per distinct stem-cell
/// return, in date order, each ending the day before the next return
/// ([`engraftment::episode`]'s `until`), from the patient's neutrophil and
/// platelet counts that are not flagged as baseline, in ×10⁹/L, and the
/// patient's transfusions. Rows of other tests are ignored, so a caller may
/// pass only the counts.
///
/// The one place where a patient's rows become the episodes'
/// series: [`analyse`] reports these episodes, and the workflow state of a
/// course (`mibg_clinic::course::engraftment`) reads the last one.
///
/// # Errors
///
/// [`AnalysisError::Window`] when the day before a stem-cell return is not a
/// representable date.
pub fn engraftment_episodes<'a>(
    labs: impl IntoIterator<Item = &'a LabResult>,
    stem_cells: &[Date],
    transfusions: &[Transfusion],
    options: &EngraftmentOptions,
) -> Result<Vec<Episode>, AnalysisError> {
    let mut anc = Vec::new();
    let mut plt = Vec::new();
    for r in labs {
        let series = match r.test {
            LabTest::Neutrophils if !r.baseline => &mut anc,
            LabTest::Platelets if !r.baseline => &mut plt,
            _ => continue,
        };
        series.push(DailyValue {
            date: r.date,
            value: CellCount::from_1e9_per_l(canonical(r)),
        });
    }
    let mut days = stem_cells.to_vec();
    days.sort();
    days.dedup();
    let mut episodes = Vec::with_capacity(days.len());
    for (i, &sc) in days.iter().enumerate() {
        let until = match days.get(i + 1) {
            Some(next) => Some(add_days(*next, -1)?),
            None => None,
        };
        episodes.push(engraftment::episode(
            sc,
            until,
            &anc,
            &plt,
            transfusions,
            options,
        ));
    }
    Ok(episodes)
}

fn canonical(r: &LabResult) -> Exact {
    let f = r.test.factor_to_canonical(r.unit).unwrap_or(Exact::ONE);
    r.value.exact() * f
}

fn cohort_table(reports: &[PatientReport], options: &Options) -> Vec<CohortRow> {
    let table = options.ctcae_version.table();
    let mut rows = Vec::new();
    for &term in Term::ALL {
        let lab_graded = table.lab.iter().any(|l| l.term == term);
        let grades: Vec<Grade> = reports
            .iter()
            .filter_map(|p| p.worst.iter().find(|w| w.term == term).map(|w| w.grade))
            .collect();
        if grades.is_empty() {
            continue;
        }
        let (denominator, rule) = if lab_graded {
            (grades.len(), "patients with a graded value in the window")
        } else {
            (reports.len(), "all patients (no event recorded = grade 0)")
        };
        let count = |f: &dyn Fn(u8) -> bool| grades.iter().filter(|g| f(g.get())).count();
        let mut row = CohortRow {
            term,
            denominator,
            denominator_rule: rule,
            grade_1_2: count(&|g| g == 1 || g == 2),
            grade_3: count(&|g| g == 3),
            grade_4: count(&|g| g == 4),
            grade_5: count(&|g| g == 5),
            percent: [0.0; 4],
        };
        row.percent = [
            row.percent(row.grade_1_2),
            row.percent(row.grade_3),
            row.percent(row.grade_4),
            row.percent(row.grade_5),
        ];
        rows.push(row);
    }
    rows
}
