//! The study report: every per-patient result and the cohort table, computed
//! from the raw records by the domain crates.
//!
//! Nothing clinical is computed here: the dosimetry crate fits the readings
//! and plans A₂, the response crate classifies INRC responses and derives the
//! seed endpoints, the toxicity crate grades CTCAE and finds engraftment, the
//! statistics crate computes every proportion CI, Kaplan–Meier estimate,
//! median and descriptive summary. This module joins the records of each
//! patient, chooses the denominators (documented on each field and in the
//! report), and counts.

use crate::config::{
    DAYS_PER_YEAR, EndpointDef, EventType, Origin, PostAssessment, ProportionCi,
    SoftTissueDenominator,
};
use crate::load::{StudyData, StudyInput, files};
use crate::model::{DeathCause, FollowUpEvent, Infusion, Patient, Reading, Sex};
use crate::problem::{Problem, ProblemKind, Problems};
use crate::table::days_between;
use crate::validate::validate;
use jiff::civil::Date;
use mibg_dosimetry::plan::{Decision, SecondActivityRules};
use mibg_dosimetry::readings::{DEFAULT_ABOVE_PRE_VOID_TOLERANCE, Readings, RowInput};
use mibg_dosimetry::{DoseRequest, assess, assess_second};
use mibg_protocol::Protocol;
use mibg_response::input::{Format, parse as parse_assessments};
use mibg_response::inrc2017::{Inrc2017Options, OverallResponse2017};
use mibg_response::record::{PatientRecord, Primary};
use mibg_response::series::{
    self, CutoffStatus, EndpointParams, SeriesOptions, SoftTissueDenominator as RespDen, TimePoint,
};
use mibg_stats::conf::ConfLevel;
use mibg_stats::descriptive::{Summary, summarize};
use mibg_stats::km::{EventCounts, KaplanMeier, KmOptions};
use mibg_stats::proportion::confint;
use mibg_stats::time::SurvTime;
use mibg_toxicity::analysis::{AnalysisError, Options as ToxOptions, PatientReport, analyse};
use mibg_toxicity::csv_input::{
    CsvError as ToxCsvError, FieldProblem, parse_events, parse_labs, parse_transfusions,
};
use mibg_toxicity::ctcae::Term;
use mibg_toxicity::engraftment::Recovery;
use mibg_toxicity::records::{Schedule, ToxicityInput};
use mibg_units::{AbsorbedDose, Activity, Hours, Length};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the report needs besides the study folder: the protocol the study
/// names and the second-activity rules derived from it (the CLI builds them
/// exactly as `mibg dose` does).
#[derive(Clone, Debug)]
pub struct ReportSettings {
    /// The treatment protocol.
    pub protocol: Protocol,
    /// Target and caps for A₂.
    pub second_activity_rules: SecondActivityRules,
}

/// Reads the protocol named by `study.toml`: the built-in seed protocol, or
/// a protocol file of the folder.
///
/// # Errors
/// Problems with `study.toml` or with the protocol file.
pub fn protocol_of(input: &StudyInput) -> Result<Protocol, Problems> {
    let mut p = Problems::default();
    let text = input
        .files
        .get(files::STUDY)
        .map(String::as_str)
        .unwrap_or("");
    let cfg: crate::StudyConfig = match toml::from_str(text) {
        Ok(c) => c,
        Err(_) => {
            // validate() reports the details.
            let v = validate(input);
            return Err(v.problems);
        }
    };
    if let Some(file) = &cfg.protocol.file {
        match input.files.get(file) {
            Some(t) => match Protocol::from_toml(t, file) {
                Ok(pr) => return Ok(pr),
                Err(e) => p.error(Problem::file(file, ProblemKind::Domain, e.to_string())),
            },
            None => p.error(Problem::file(
                files::STUDY,
                ProblemKind::MissingFile,
                format!("[protocol] file '{file}' is not in the study folder"),
            )),
        }
        return Err(p);
    }
    if cfg.protocol.name == "seed" {
        Ok(Protocol::seed())
    } else {
        p.error(Problem::file(
            files::STUDY,
            ProblemKind::NotAllowed,
            format!(
                "[protocol] name '{}' is not a built-in protocol (\"seed\"); give file = \"…\" instead",
                cfg.protocol.name
            ),
        ));
        Err(p)
    }
}

// ---------------------------------------------------------------------------
// Output types
// ---------------------------------------------------------------------------

/// The whole report (serialised as the `--json` document).
#[derive(Clone, Debug, Serialize)]
pub struct StudyReport {
    /// Title from `study.toml`.
    pub title: String,
    /// True for synthetic data (every rendering says so).
    pub synthetic: bool,
    /// Data cut-off, if given.
    pub data_cutoff: Option<String>,
    /// Protocol name and version.
    pub protocol: String,
    /// The analysis options used (defaults filled in).
    pub analysis: crate::config::Analysis,
    /// Per-patient results, in `patients.csv` order.
    pub patients: Vec<PatientResult>,
    /// The cohort table.
    pub cohort: Cohort,
    /// Kaplan–Meier curves (for plots and for checking).
    pub curves: Curves,
    /// Warnings of validation and of every domain computation, prefixed with
    /// the patient or file.
    pub warnings: Vec<String>,
}

/// Whether the patient had disease at each site at baseline.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Involvement {
    /// Bone or bone-marrow involvement: MIBG skeletal score > 0 or a positive
    /// marrow sample at baseline.
    pub bone_marrow: bool,
    /// Primary tumour present or a soft-tissue target lesion at baseline.
    pub soft_tissue: bool,
}

/// Dosimetry of one patient.
#[derive(Clone, Debug, Serialize)]
pub struct PatientDose {
    /// Administered activity of infusion 1.
    pub activity1_mbq: Activity,
    /// Retention model chosen for infusion 1.
    pub model1: String,
    /// τ of infusion 1.
    pub tau1_h: Hours,
    /// Whole-body dose of infusion 1, D₁.
    pub dose1_gy: AbsorbedDose,
    /// Recommended A₂ by the protocol (0 when no second infusion).
    pub a2_prescribed_mbq: Activity,
    /// The plan's decision and its reason.
    pub a2_statement: String,
    /// Cap that bound A₂, if any.
    pub a2_binding_cap: Option<String>,
    /// Administered activity of infusion 2.
    pub activity2_mbq: Option<Activity>,
    /// Delivered dose of infusion 2 (from its own readings).
    pub dose2_gy: Option<AbsorbedDose>,
    /// D₁ + D₂ delivered (D₁ alone without a second infusion).
    pub delivered_total_gy: Option<AbsorbedDose>,
}

/// Response of one patient.
#[derive(Clone, Debug, Serialize)]
pub struct PatientResponse {
    /// Overall response at each follow-up (date, category).
    pub follow_ups: Vec<(Date, String)>,
    /// Best overall response (`NE` without any follow-up).
    pub best: String,
    /// Explanation of the best response.
    pub best_because: String,
    /// Evaluable for response (at least one evaluable follow-up).
    pub evaluable: bool,
    /// SIOPEN skeletal score at baseline (exact total, if all segments assessable).
    pub siopen_before: Option<u32>,
    /// SIOPEN skeletal score after treatment.
    pub siopen_after: Option<u32>,
    /// (before − after) / before × 100.
    pub siopen_reduction_pct: Option<f64>,
    /// SIOPEN < threshold after treatment.
    pub siopen_below: CutoffStatus,
    /// Largest soft-tissue lesion at baseline.
    pub largest_soft_tissue_before_mm: Option<Length>,
    /// Largest soft-tissue lesion after treatment.
    pub largest_soft_tissue_after_mm: Option<Length>,
    /// Largest soft-tissue lesion < threshold after treatment (with the
    /// study's denominator applied: `not_applicable` outside it).
    pub soft_tissue_below: CutoffStatus,
}

/// Engraftment after one stem-cell infusion.
#[derive(Clone, Debug, Serialize)]
pub struct PatientEngraftment {
    /// Stem-cell infusion date (day 0).
    pub stem_cells: Date,
    /// Neutrophil recovery day, if recovered.
    pub neutrophil_day: Option<i64>,
    /// Platelet recovery day, if recovered.
    pub platelet_day: Option<i64>,
    /// Neutrophil recovery in full (recovered / censored / …).
    pub neutrophils: Recovery,
    /// Platelet recovery in full.
    pub platelets: Recovery,
}

/// Time to an event or censoring.
#[derive(Clone, Debug, Serialize)]
pub struct SurvivalTime {
    /// Origin date.
    pub origin: Date,
    /// Event or censoring date.
    pub end: Date,
    /// Days from origin to end.
    pub days: i64,
    /// True for an event, false for censoring at last contact.
    pub event: bool,
    /// Which event ended the time (None when censored).
    pub event_type: Option<EventType>,
}

/// Everything about one patient.
#[derive(Clone, Debug, Serialize)]
pub struct PatientResult {
    /// Patient identifier.
    pub patient: String,
    /// Sex.
    pub sex: Sex,
    /// Age at the first infusion (days / 365.25), years.
    pub age_years: f64,
    /// Baseline involvement.
    pub involvement: Involvement,
    /// Dosimetry (None without readings of infusion 1).
    pub dosimetry: Option<PatientDose>,
    /// Response (None without an assessment file).
    pub response: Option<PatientResponse>,
    /// Worst CTCAE grade per term in the toxicity window.
    pub worst_grades: Vec<(String, u8)>,
    /// Engraftment per stem-cell infusion.
    pub engraftment: Vec<PatientEngraftment>,
    /// Subsequent therapy codes, by start date.
    pub therapies: Vec<String>,
    /// Event-free survival time.
    pub efs: Option<SurvivalTime>,
    /// Overall survival time.
    pub os: Option<SurvivalTime>,
    /// Alive at last contact.
    pub alive: bool,
    /// Hypothyroidism (term and minimum grade of the options) at any time
    /// after the first infusion.
    pub hypothyroidism: bool,
}

/// A proportion with its CI, numerator, denominator and method.
#[derive(Clone, Debug, Serialize)]
pub struct Estimate {
    /// What is estimated.
    pub name: String,
    /// Who is in the denominator.
    pub denominator_rule: String,
    /// Numerator.
    pub x: u64,
    /// Denominator.
    pub n: u64,
    /// x/n × 100 (None when n = 0).
    pub percent: Option<f64>,
    /// Lower limit, %.
    pub lower_pct: Option<f64>,
    /// Upper limit, %.
    pub upper_pct: Option<f64>,
    /// CI method.
    pub method: ProportionCi,
    /// Confidence level.
    pub conf_level: f64,
}

/// Median and range of a cohort variable.
#[derive(Clone, Debug, Serialize)]
pub struct Descriptive {
    /// What it is.
    pub name: String,
    /// Who is included.
    pub population: String,
    /// Summary (n, missing, median, quartiles, range) from the statistics crate.
    pub summary: Summary,
}

/// One row of the toxicity table.
#[derive(Clone, Debug, Serialize)]
pub struct ToxicityRow {
    /// CTCAE term.
    pub term: String,
    /// Denominator and its rule.
    pub denominator: usize,
    /// How the denominator was counted (toxicity crate).
    pub denominator_rule: String,
    /// Patients with worst grade 1–2.
    pub grade_1_2: usize,
    /// Worst grade 3.
    pub grade_3: usize,
    /// Worst grade 4.
    pub grade_4: usize,
    /// Worst grade 5.
    pub grade_5: usize,
}

/// A Kaplan–Meier landmark.
#[derive(Clone, Debug, Serialize)]
pub struct LandmarkOut {
    /// Landmark in years.
    pub years: f64,
    /// Landmark in days (years × 365.25).
    pub days: f64,
    /// S(t) × 100.
    pub percent: f64,
    /// Lower limit, % (None when undefined).
    pub lower_pct: Option<f64>,
    /// Upper limit, %.
    pub upper_pct: Option<f64>,
    /// Standard error of S, %.
    pub std_err_pct: Option<f64>,
    /// Number at risk at t.
    pub n_risk: u64,
    /// t after the last observed time (value carried forward).
    pub beyond_last_time: bool,
}

/// A median time with its CI (None = not reached / undefined).
#[derive(Clone, Debug, Serialize)]
pub struct MedianOut {
    /// Median, days.
    pub days: Option<f64>,
    /// Lower limit, days.
    pub lower_days: Option<f64>,
    /// Upper limit, days.
    pub upper_days: Option<f64>,
    /// How it was computed.
    pub method: String,
}

/// One survival endpoint for the cohort.
#[derive(Clone, Debug, Serialize)]
pub struct SurvivalSummary {
    /// `OS` or `EFS`.
    pub name: String,
    /// Definition in words (origin, events, censoring).
    pub definition: String,
    /// Patients with a time.
    pub n: u64,
    /// Events.
    pub n_events: u64,
    /// CI method in words.
    pub method: String,
    /// Landmarks.
    pub landmarks: Vec<LandmarkOut>,
    /// Median.
    pub median: MedianOut,
}

/// The cohort table.
#[derive(Clone, Debug, Serialize)]
pub struct Cohort {
    /// Patients.
    pub n: usize,
    /// Female, male.
    pub female: usize,
    /// Male.
    pub male: usize,
    /// Age at the first infusion.
    pub age_years: Descriptive,
    /// Bone/marrow involvement at baseline.
    pub bone_marrow_involved: usize,
    /// Primary/soft-tissue disease at baseline.
    pub soft_tissue_involved: usize,
    /// Baseline SIOPEN among patients with a score > 0.
    pub siopen_before: Descriptive,
    /// SIOPEN after treatment, same patients.
    pub siopen_after: Descriptive,
    /// SIOPEN reduction %, same patients.
    pub siopen_reduction_pct: Descriptive,
    /// Best overall response counts (CR, PR, MR, SD, PD, NE).
    pub best_response: BTreeMap<String, usize>,
    /// Overall response rate.
    pub response_rate: Estimate,
    /// SIOPEN < threshold achieved or maintained.
    pub siopen_endpoint: Estimate,
    /// Largest soft-tissue lesion < threshold.
    pub soft_tissue_endpoint: Estimate,
    /// Dosimetry summaries.
    pub dosimetry: Vec<Descriptive>,
    /// CTCAE worst-grade table (toxicity crate), window in the options.
    pub toxicity: Vec<ToxicityRow>,
    /// Deaths attributed to toxicity (cause `toxicity` or a grade-5 event).
    pub toxic_deaths: usize,
    /// Hypothyroidism among survivors.
    pub hypothyroidism: Estimate,
    /// Engraftment days (first stem-cell infusion of each patient).
    pub engraftment: Vec<Descriptive>,
    /// Proportion proceeding to each subsequent therapy.
    pub therapies: Vec<Estimate>,
    /// Overall survival.
    pub os: SurvivalSummary,
    /// Event-free survival.
    pub efs: SurvivalSummary,
    /// Median follow-up by reverse Kaplan–Meier (OS origin; death censors).
    pub median_followup: MedianOut,
}

/// Step curves of the Kaplan–Meier estimates.
#[derive(Clone, Debug, Serialize)]
pub struct Curves {
    /// Overall survival.
    pub os: Curve,
    /// Event-free survival.
    pub efs: Curve,
}

/// One Kaplan–Meier curve: one point per observed time.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Curve {
    /// Times, days.
    pub days: Vec<f64>,
    /// S after the time.
    pub surv: Vec<f64>,
    /// Lower band (None where undefined).
    pub lower: Vec<Option<f64>>,
    /// Upper band.
    pub upper: Vec<Option<f64>>,
    /// Times of censoring, days, with S there.
    pub censored: Vec<(f64, f64)>,
    /// Numbers at risk at each whole year 0, 1, 2 …
    pub at_risk: Vec<(f64, u64)>,
}

// ---------------------------------------------------------------------------
// Computation
// ---------------------------------------------------------------------------

fn group<T>(items: &[T], key: impl Fn(&T) -> &str) -> BTreeMap<String, Vec<&T>> {
    let mut m: BTreeMap<String, Vec<&T>> = BTreeMap::new();
    for it in items {
        m.entry(key(it).to_string()).or_default().push(it);
    }
    m
}

fn dom(p: &mut Problems, file: &str, row: Option<u64>, msg: String) {
    p.error(Problem {
        file: file.to_string(),
        row,
        field: None,
        kind: ProblemKind::Domain,
        message: msg,
    });
}

/// Parsed domain inputs (response records, toxicity tables): their parse
/// errors are validation problems, so `validate` and `report` share them.
#[derive(Debug, Default)]
pub struct DomainInputs {
    /// Response records by patient: (file, record).
    pub records: BTreeMap<String, (String, PatientRecord)>,
    /// Laboratory values, adverse events and transfusions (with every
    /// patient's treatment dates once validation has run the analysis).
    pub toxicity: ToxicityInput,
    /// The toxicity crate's analysis of them (window from `study.toml`),
    /// run during validation so that its errors are validation problems.
    pub(crate) analysis: Option<ToxResult>,
}

/// Runs the toxicity analysis of the whole cohort (treatment dates from
/// `infusions.csv` and `stem_cells.csv`, window from `study.toml`); its
/// errors (a grade that a term does not allow, …) become problems of the
/// file they name.
pub(crate) fn toxicity_analysis(d: &StudyData, dom_in: &mut DomainInputs, p: &mut Problems) {
    let cfg = &d.config.analysis;
    if Term::parse(&cfg.toxicity.hypothyroidism_term).is_none() {
        p.error(Problem::file(
            files::STUDY,
            ProblemKind::NotAllowed,
            format!(
                "[analysis.toxicity] hypothyroidism_term '{}' is not a CTCAE term known to mibg",
                cfg.toxicity.hypothyroidism_term
            ),
        ));
    }
    if dom_in.toxicity.labs.is_empty() && dom_in.toxicity.events.is_empty() {
        return;
    }
    // The schedules are added to the stored input (no copy of the records).
    let input = &mut dom_in.toxicity;
    input.schedules.clear();
    let first: BTreeMap<&str, Date> = d
        .infusions
        .iter()
        .filter(|i| i.number == 1)
        .map(|i| (i.patient.as_str(), i.date))
        .collect();
    let sc = group(&d.stem_cells, |s| &s.patient);
    for pt in &d.patients {
        input.schedules.push(Schedule {
            patient: pt.id.clone(),
            window_start: first.get(pt.id.as_str()).copied(),
            stem_cells: sc
                .get(&pt.id)
                .map(|v| v.iter().map(|s| s.date).collect())
                .unwrap_or_default(),
        });
    }
    let opts = ToxOptions {
        window_days: cfg.toxicity.window_days_after_stem_cells,
        ..ToxOptions::default()
    };
    match analyse_cohort(input, &opts) {
        Ok(r) => dom_in.analysis = Some(r),
        Err(e) => {
            let msg = e.to_string();
            let file = [files::LABS, files::EVENTS, files::TRANSFUSIONS]
                .into_iter()
                .find(|f| msg.starts_with(f))
                .unwrap_or(files::EVENTS);
            p.error(domain_problem(file, &msg));
        }
    }
}

/// Parses the assessment files and the toxicity tables with the domain
/// crates' own parsers, and checks the assessment dates against the
/// infusions.
pub(crate) fn parse_domain(d: &StudyData, p: &mut Problems) -> DomainInputs {
    let mut records = BTreeMap::new();
    for (path, id, text) in &d.assessments {
        let format = if path.ends_with(".json") {
            Format::Json
        } else {
            Format::Toml
        };
        match parse_assessments(text, path, format) {
            Ok(rec) => {
                if rec.patient != *id {
                    p.error(Problem::file(
                        path,
                        ProblemKind::Inconsistent,
                        format!(
                            "the file is named for patient '{id}' but says patient = '{}'",
                            rec.patient
                        ),
                    ));
                } else {
                    records.insert(id.clone(), (path.clone(), rec));
                }
            }
            Err(e) => p.error(domain_problem(path, &e.to_string())),
        }
    }
    let mut tox = ToxicityInput::default();
    if let Some(t) = d.toxicity_tables.get(files::LABS) {
        match parse_labs(t, files::LABS) {
            Ok(v) => tox.labs = v,
            Err(e) => p.error(toxicity_problem(&e)),
        }
    }
    if let Some(t) = d.toxicity_tables.get(files::EVENTS) {
        match parse_events(t, files::EVENTS) {
            Ok(v) => tox.events = v,
            Err(e) => p.error(toxicity_problem(&e)),
        }
    }
    if let Some(t) = d.toxicity_tables.get(files::TRANSFUSIONS) {
        match parse_transfusions(t, files::TRANSFUSIONS) {
            Ok(v) => tox.transfusions = v,
            Err(e) => p.error(toxicity_problem(&e)),
        }
    }
    // Assessment chronology against treatment.
    let first_inf: BTreeMap<&str, Date> = d
        .infusions
        .iter()
        .filter(|i| i.number == 1)
        .map(|i| (i.patient.as_str(), i.date))
        .collect();
    for (id, (path, rec)) in &records {
        if let Some(&f) = first_inf.get(id.as_str()) {
            if rec.baseline.date > f {
                p.error(Problem::file(
                    path,
                    ProblemKind::Chronology,
                    format!(
                        "baseline assessment {} is after the first infusion ({f})",
                        rec.baseline.date
                    ),
                ));
            }
            for fu in &rec.follow_ups {
                if fu.date <= rec.baseline.date {
                    p.error(Problem::file(
                        path,
                        ProblemKind::Chronology,
                        format!(
                            "follow-up {} is not after the baseline assessment ({})",
                            fu.date, rec.baseline.date
                        ),
                    ));
                } else if fu.date < f {
                    p.error(Problem::file(
                        path,
                        ProblemKind::Chronology,
                        format!("follow-up {} is before the first infusion ({f})", fu.date),
                    ));
                }
            }
        }
    }
    DomainInputs {
        records,
        toxicity: tox,
        analysis: None,
    }
}

/// A toxicity table's error as a study problem, its position taken from the
/// error's fields (a layout problem keeps its class: format problems are
/// listed first).
fn toxicity_problem(e: &ToxCsvError) -> Problem {
    match e {
        ToxCsvError::Table(t) => crate::table::csv_problem(&t.location().source, t),
        other => {
            let loc = other.location();
            let kind = match other {
                ToxCsvError::Field {
                    problem: FieldProblem::DecimalComma(_),
                    ..
                } => ProblemKind::Format,
                _ => ProblemKind::Domain,
            };
            Problem {
                file: loc.source.clone(),
                row: loc.line,
                field: loc.column.clone(),
                kind,
                message: other.detail(),
            }
        }
    }
}

/// A domain crate's error message as a study problem: the message's own
/// source label is dropped (the problem names the file) and a leading
/// "row N" becomes the problem's row.
fn domain_problem(file: &str, msg: &str) -> Problem {
    let rest = msg
        .strip_prefix(file)
        .map(|m| m.trim_start_matches([':', ' ']))
        .unwrap_or(msg);
    let mut row = None;
    let mut text = rest.to_string();
    if let Some(after) = rest.strip_prefix("row ") {
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse::<u64>() {
            row = Some(n);
            text = after[digits.len()..]
                .trim_start_matches([',', ':', ' '])
                .to_string();
        }
    }
    Problem {
        file: file.to_string(),
        row,
        field: None,
        kind: ProblemKind::Domain,
        message: text,
    }
}

fn row_inputs(rows: &[&Reading]) -> Vec<RowInput> {
    rows.iter()
        .map(|r| RowInput {
            line: usize::try_from(r.row).unwrap_or(usize::MAX),
            time: r.hours,
            raw: r.reading,
            background: r.background.unwrap_or(0.0),
        })
        .collect()
}

fn readings_of(id: &str, n: u32, rows: &[&Reading], p: &mut Problems) -> Option<Readings> {
    let label = format!("{} (patient {id}, infusion {n})", files::READINGS);
    match Readings::from_rows(&label, &row_inputs(rows), DEFAULT_ABOVE_PRE_VOID_TOLERANCE) {
        Ok(r) => Some(r),
        Err(e) => {
            // The reading's own line when the rule names one, else the
            // series' first line.
            let line = e
                .location()
                .and_then(|l| l.line)
                .or(rows.first().map(|r| r.row));
            dom(
                p,
                files::READINGS,
                line,
                format!("readings of patient '{id}', infusion {n}: {e}"),
            );
            None
        }
    }
}

fn dose_of(
    id: &str,
    infusions: &[&Infusion],
    readings: &[&Reading],
    rules: &SecondActivityRules,
    p: &mut Problems,
    warnings: &mut Vec<String>,
) -> Option<PatientDose> {
    let inf1 = infusions.iter().find(|i| i.number == 1)?;
    let inf2 = infusions.iter().find(|i| i.number == 2);
    let r1: Vec<&Reading> = readings
        .iter()
        .copied()
        .filter(|r| r.infusion == 1)
        .collect();
    if r1.is_empty() {
        return None;
    }
    let readings1 = readings_of(id, 1, &r1, p)?;
    let mut req = DoseRequest::new(inf1.weight, inf1.activity);
    req.mass2 = inf2.map(|i| i.weight);
    req.rules = *rules;
    req.uncertainty = None;
    let a = match assess(&readings1, &req) {
        Ok(a) => a,
        Err(e) => {
            dom(
                p,
                files::READINGS,
                Some(r1[0].row),
                format!("dosimetry of patient '{id}', infusion 1: {e}"),
            );
            return None;
        }
    };
    warnings.extend(
        a.warnings
            .iter()
            .map(|w| format!("{id} infusion 1 dosimetry: {w}")),
    );
    let mut out = PatientDose {
        activity1_mbq: inf1.activity,
        model1: a.fit.model.name().to_string(),
        tau1_h: a.tau_h,
        dose1_gy: a.dose1,
        a2_prescribed_mbq: if a.plan.decision == Decision::SecondInfusion {
            a.plan.activity_mbq
        } else {
            Activity::from_mbq(0.0)
        },
        a2_statement: a.plan.statement.clone(),
        a2_binding_cap: a.plan.binding_cap.clone(),
        activity2_mbq: inf2.map(|i| i.activity),
        dose2_gy: None,
        delivered_total_gy: if inf2.is_none() { Some(a.dose1) } else { None },
    };
    if let Some(i2) = inf2 {
        let r2: Vec<&Reading> = readings
            .iter()
            .copied()
            .filter(|r| r.infusion == 2)
            .collect();
        if r2.is_empty() {
            warnings.push(format!(
                "{id}: no readings after infusion 2, delivered dose of infusion 2 unknown"
            ));
        } else if let Some(readings2) = readings_of(id, 2, &r2, p) {
            match assess_second(&a, &readings2, i2.activity) {
                Ok(s) => {
                    out.dose2_gy = Some(s.dose2);
                    out.delivered_total_gy = Some(s.delivered_total);
                    warnings.extend(
                        s.warnings
                            .iter()
                            .filter(|w| !w.starts_with("infusion-2 readings are attributed"))
                            .map(|w| format!("{id} infusion 2 dosimetry: {w}")),
                    );
                }
                Err(e) => dom(
                    p,
                    files::READINGS,
                    Some(r2[0].row),
                    format!("dosimetry of patient '{id}', infusion 2: {e}"),
                ),
            }
        }
    }
    Some(out)
}

fn largest_baseline(rec: &PatientRecord, with_primary: bool) -> Option<Length> {
    let mut m: Option<Length> = None;
    let mut take = |l: Length| m = Some(m.map_or(l, |x: Length| x.max(l)));
    if with_primary && let Some(Primary::Present { diameters, .. }) = &rec.baseline.primary {
        diameters.iter().for_each(|d| take(*d));
    }
    if let Some(st) = &rec.baseline.soft_tissue {
        st.targets.iter().for_each(|t| take(t.diameter));
    }
    m
}

fn involvement(rec: &PatientRecord) -> Involvement {
    use mibg_response::record::Bone;
    let b = &rec.baseline;
    let bone = match &b.bone {
        Some(Bone::Mibg { score, .. }) => score.skeletal().max > 0,
        Some(Bone::Fdg { avid_lesions }) => *avid_lesions > 0,
        None => false,
    };
    let marrow = b
        .marrow
        .as_ref()
        .and_then(|m| m.max_percent())
        .is_some_and(|x| x > 0.0);
    let primary = matches!(b.primary, Some(Primary::Present { .. }));
    let targets = b
        .soft_tissue
        .as_ref()
        .is_some_and(|s| !s.targets.is_empty());
    Involvement {
        bone_marrow: bone || marrow,
        soft_tissue: primary || targets,
    }
}

fn response_of(
    rec: &PatientRecord,
    cfg: &crate::config::ResponseOptions,
    p: &mut Problems,
    path: &str,
) -> Option<PatientResponse> {
    let params = EndpointParams {
        siopen_cutoff: cfg.siopen_threshold,
        soft_tissue_cutoff: Length::from_mm(cfg.soft_tissue_threshold_mm),
        soft_tissue_includes_primary: cfg.soft_tissue_includes_primary,
        soft_tissue_denominator: RespDen::WithSoftTissueAtBaseline,
        time_point: match cfg.post_assessment {
            PostAssessment::FirstFollowUp => TimePoint::FirstFollowUp,
            _ => TimePoint::LastFollowUp,
        },
    };
    let series = SeriesOptions {
        confirmation: Default::default(),
        endpoints: params,
    };
    let (follow_ups, best, because, endpoints) = if cfg.criteria == "inrc1993" {
        match series::report_1993(rec, &series) {
            Ok(r) => (
                r.assessments
                    .iter()
                    .map(|a| (a.date, a.overall.to_string()))
                    .collect::<Vec<_>>(),
                r.best.response.to_string(),
                r.best.because,
                r.endpoints,
            ),
            Err(e) => {
                dom(p, path, None, e.to_string());
                return None;
            }
        }
    } else {
        match series::report_2017(rec, &Inrc2017Options::default(), &series) {
            Ok(r) => (
                r.assessments
                    .iter()
                    .map(|a| (a.date, a.overall.to_string()))
                    .collect::<Vec<_>>(),
                r.best.response.to_string(),
                r.best.because,
                r.endpoints,
            ),
            Err(e) => {
                dom(p, path, None, e.to_string());
                return None;
            }
        }
    };
    // No follow-up assessment at all: not evaluable (the response crate's
    // best response of an empty series is its "stable" category).
    let evaluable = !rec.follow_ups.is_empty() && best != "NE";
    let best = if rec.follow_ups.is_empty() {
        OverallResponse2017::NE.to_string()
    } else {
        best
    };
    let before = largest_baseline(rec, cfg.soft_tissue_includes_primary);
    let mut soft = endpoints.soft_tissue_below_cutoff;
    if cfg.soft_tissue_denominator == SoftTissueDenominator::BaselineAtOrAboveThreshold
        && before.is_none_or(|b| b.mm() < cfg.soft_tissue_threshold_mm)
    {
        soft = CutoffStatus::NotApplicable;
    }
    Some(PatientResponse {
        follow_ups,
        best,
        best_because: because,
        evaluable,
        siopen_before: endpoints.siopen_before.and_then(|s| s.exact()),
        siopen_after: endpoints.siopen_after.and_then(|s| s.exact()),
        siopen_reduction_pct: endpoints.siopen_reduction_pct,
        siopen_below: endpoints.siopen_below_cutoff,
        largest_soft_tissue_before_mm: before,
        largest_soft_tissue_after_mm: endpoints.largest_soft_tissue,
        soft_tissue_below: soft,
    })
}

fn origin_date(origin: Origin, pt: &Patient, infusions: &[&Infusion]) -> Option<Date> {
    match origin {
        Origin::FirstInfusion => infusions.iter().find(|i| i.number == 1).map(|i| i.date),
        Origin::SecondInfusion => infusions.iter().find(|i| i.number == 2).map(|i| i.date),
        Origin::Enrolment => pt.enrolment_date,
    }
}

fn survival_time(
    def: &EndpointDef,
    origin: Date,
    events: &[&FollowUpEvent],
) -> Option<SurvivalTime> {
    let first_event = events
        .iter()
        .filter(|e| def.events.contains(&e.event) && e.date >= origin)
        .min_by_key(|e| e.date);
    if let Some(e) = first_event {
        return Some(SurvivalTime {
            origin,
            end: e.date,
            days: days_between(origin, e.date),
            event: true,
            event_type: Some(e.event),
        });
    }
    let last = events
        .iter()
        .filter(|e| matches!(e.event, EventType::LastContact | EventType::Death))
        .map(|e| e.date)
        .max()?;
    Some(SurvivalTime {
        origin,
        end: last,
        days: days_between(origin, last),
        event: false,
        event_type: None,
    })
}

fn estimate(
    name: &str,
    rule: &str,
    x: usize,
    n: usize,
    method: ProportionCi,
    level: ConfLevel,
) -> Estimate {
    let ci = confint(x as u64, n as u64, method, level).ok();
    Estimate {
        name: name.into(),
        denominator_rule: rule.into(),
        x: x as u64,
        n: n as u64,
        percent: ci.map(|c| c.estimate * 100.0),
        lower_pct: ci.map(|c| c.lower * 100.0),
        upper_pct: ci.map(|c| c.upper * 100.0),
        method,
        conf_level: level.value(),
    }
}

fn describe(name: &str, population: &str, values: &[Option<f64>]) -> Descriptive {
    Descriptive {
        name: name.into(),
        population: population.into(),
        summary: summarize(values).expect("finite values"),
    }
}

fn def_text(name: &str, def: &EndpointDef) -> String {
    let origin = match def.origin {
        Origin::FirstInfusion => "the first 131I-mIBG infusion",
        Origin::SecondInfusion => "the second 131I-mIBG infusion",
        Origin::Enrolment => "enrolment",
    };
    let ev: Vec<&str> = def.events.iter().map(|e| e.as_str()).collect();
    format!(
        "{name}: from {origin} to the first of {}; censored at the last contact",
        ev.join(", ")
    )
}

fn survival(
    name: &str,
    def: &EndpointDef,
    times: &[&SurvivalTime],
    cfg: &crate::config::Analysis,
    level: ConfLevel,
) -> (SurvivalSummary, Curve, Option<KaplanMeier>) {
    let t: Vec<SurvTime> = times
        .iter()
        .map(|s| SurvTime::new(s.days as f64).expect("validated: not before origin"))
        .collect();
    let e: Vec<bool> = times.iter().map(|s| s.event).collect();
    let opts = KmOptions {
        conf_type: cfg.ci.survival,
        conf_level: level,
    };
    let method = format!(
        "Kaplan–Meier, Greenwood variance, {} {:.0} % CI",
        cfg.ci.survival.name(),
        level.value() * 100.0
    );
    let Ok(km) = KaplanMeier::fit(&t, &e, opts) else {
        return (
            SurvivalSummary {
                name: name.into(),
                definition: def_text(name, def),
                n: 0,
                n_events: 0,
                method,
                landmarks: Vec::new(),
                median: MedianOut {
                    days: None,
                    lower_days: None,
                    upper_days: None,
                    method: "no patients".into(),
                },
            },
            Curve::default(),
            None,
        );
    };
    let landmarks = cfg
        .landmark_years
        .iter()
        .map(|&y| {
            let days = y * DAYS_PER_YEAR;
            let l = km.landmark(SurvTime::new(days).expect("positive landmark"));
            LandmarkOut {
                years: y,
                days,
                percent: l.surv * 100.0,
                lower_pct: l.lower.ok().map(|v| v * 100.0),
                upper_pct: l.upper.ok().map(|v| v * 100.0),
                std_err_pct: l.std_err.ok().map(|v| v * 100.0),
                n_risk: l.n_risk,
                beyond_last_time: l.beyond_last_time,
            }
        })
        .collect();
    let m = km.median();
    let median = MedianOut {
        days: m.estimate.ok().map(SurvTime::value),
        lower_days: m.lower.ok().map(SurvTime::value),
        upper_days: m.upper.ok().map(SurvTime::value),
        method: "R/SAS midpoint rule, CI by inverting the pointwise band".into(),
    };
    let mut curve = Curve::default();
    let last = km.last_time().value();
    for r in km.rows() {
        curve.days.push(r.time.value());
        curve.surv.push(r.surv);
        curve.lower.push(r.lower.ok());
        curve.upper.push(r.upper.ok());
        if r.n_censor > 0 {
            curve.censored.push((r.time.value(), r.surv));
        }
    }
    let mut y = 0.0;
    while y * DAYS_PER_YEAR <= last {
        let l = km.landmark(SurvTime::new(y * DAYS_PER_YEAR).expect("≥ 0"));
        curve.at_risk.push((y, l.n_risk));
        y += 1.0;
    }
    (
        SurvivalSummary {
            name: name.into(),
            definition: def_text(name, def),
            n: km.n(),
            n_events: km.n_events(),
            method,
            landmarks,
            median,
        },
        curve,
        Some(km),
    )
}

/// Validates the study and computes the whole report.
///
/// # Errors
/// Every validation problem and every domain error (response records,
/// toxicity tables, dosimetry fits), with file and row where known. Nothing
/// partial is returned.
pub fn report(input: &StudyInput, settings: &ReportSettings) -> Result<StudyReport, Problems> {
    let v = validate(input);
    let mut p = v.problems;
    let d = v.data;
    let domain = v.domain;
    if !p.is_ok() {
        return Err(p);
    }
    let cfg = &d.config.analysis;
    let level = ConfLevel::new(cfg.conf_level).expect("validated conf_level");
    let mut warnings: Vec<String> = p.warnings.iter().map(|w| w.to_string()).collect();

    let inf_by = group(&d.infusions, |i| &i.patient);
    let rd_by = group(&d.readings, |r| &r.patient);
    let fu_by = group(&d.followup, |e| &e.patient);
    let th_by = group(&d.therapies, |t| &t.patient);

    let tox = domain.analysis.as_ref();
    if let Some(t) = tox {
        warnings.extend(t.warnings.iter().map(|w| format!("toxicity: {w}")));
    }
    let hypo_term = Term::parse(&cfg.toxicity.hypothyroidism_term);

    let tox_by: BTreeMap<&str, &PatientReport> = tox
        .map(|t| t.patients.iter().map(|r| (r.patient.as_str(), r)).collect())
        .unwrap_or_default();
    let mut hypo_patients: std::collections::BTreeSet<&str> = Default::default();
    if let Some(term) = hypo_term {
        for e in &domain.toxicity.events {
            let first = inf_by
                .get(&e.patient)
                .and_then(|v| v.iter().find(|i| i.number == 1))
                .map(|i| i.date);
            if e.term == term
                && e.grade.get() >= cfg.toxicity.hypothyroidism_min_grade
                && first.is_some_and(|f| e.date >= f)
            {
                hypo_patients.insert(e.patient.as_str());
            }
        }
    }
    let mut patients = Vec::new();
    for pt in &d.patients {
        let infs = inf_by.get(&pt.id).cloned().unwrap_or_default();
        let reads = rd_by.get(&pt.id).cloned().unwrap_or_default();
        let fus = fu_by.get(&pt.id).cloned().unwrap_or_default();
        let first = infs.iter().find(|i| i.number == 1).map(|i| i.date);
        let age_years = match (pt.birth_date, pt.age_years, first) {
            (Some(b), _, Some(f)) => days_between(b, f) as f64 / DAYS_PER_YEAR,
            (_, Some(a), _) => a,
            _ => f64::NAN,
        };
        let dosimetry = dose_of(
            &pt.id,
            &infs,
            &reads,
            &settings.second_activity_rules,
            &mut p,
            &mut warnings,
        );
        let (response, inv) = match domain.records.get(&pt.id) {
            Some((path, rec)) => (
                response_of(rec, &cfg.response, &mut p, path),
                involvement(rec),
            ),
            None => (None, Involvement::default()),
        };
        let (worst_grades, engraftment) = tox_by
            .get(pt.id.as_str())
            .map(|r| {
                (
                    r.worst
                        .iter()
                        .map(|w| (w.term.to_string(), w.grade.get()))
                        .collect(),
                    r.engraftment
                        .iter()
                        .map(|e| PatientEngraftment {
                            stem_cells: e.stem_cells,
                            neutrophil_day: recovered_day(&e.neutrophils),
                            platelet_day: recovered_day(&e.platelets),
                            neutrophils: e.neutrophils.clone(),
                            platelets: e.platelets.clone(),
                        })
                        .collect(),
                )
            })
            .unwrap_or_default();
        let mut ther: Vec<_> = th_by.get(&pt.id).cloned().unwrap_or_default();
        ther.sort_by_key(|t| t.start_date);
        let efs =
            origin_date(cfg.efs.origin, pt, &infs).and_then(|o| survival_time(&cfg.efs, o, &fus));
        let os =
            origin_date(cfg.os.origin, pt, &infs).and_then(|o| survival_time(&cfg.os, o, &fus));
        let alive = !fus.iter().any(|e| e.event == EventType::Death);
        let hypothyroidism = hypo_patients.contains(pt.id.as_str());
        patients.push(PatientResult {
            patient: pt.id.clone(),
            sex: pt.sex,
            age_years,
            involvement: inv,
            dosimetry,
            response,
            worst_grades,
            engraftment,
            therapies: ther.iter().map(|t| t.therapy.clone()).collect(),
            efs,
            os,
            alive,
            hypothyroidism,
        });
    }
    if !p.is_ok() {
        p.sort();
        return Err(p);
    }

    // ---- cohort ----
    let n = patients.len();
    let resp: Vec<&PatientResponse> = patients
        .iter()
        .filter_map(|r| r.response.as_ref())
        .collect();
    let mut best_response: BTreeMap<String, usize> = BTreeMap::new();
    for r in &resp {
        *best_response.entry(r.best.clone()).or_default() += 1;
    }
    let missing_files = n - resp.len();
    if missing_files > 0 {
        *best_response.entry("NE".into()).or_default() += missing_files;
    }
    let objective: &[&str] = if cfg.response.count_minor_response {
        &["CR", "PR", "MR", "VGPR"]
    } else {
        &["CR", "PR", "VGPR"]
    };
    let evaluable: Vec<&&PatientResponse> = resp.iter().filter(|r| r.evaluable).collect();
    let responders = evaluable
        .iter()
        .filter(|r| objective.contains(&r.best.as_str()))
        .count();
    let orr_name = if cfg.response.count_minor_response {
        "Overall response rate (CR + PR + MR)"
    } else {
        "Overall response rate (CR + PR)"
    };
    let response_rate = estimate(
        orr_name,
        "patients evaluable for response (at least one evaluable follow-up assessment)",
        responders,
        evaluable.len(),
        cfg.ci.response_rate,
        level,
    );
    let siopen_in: Vec<&&PatientResponse> = resp
        .iter()
        .filter(|r| {
            matches!(
                r.siopen_below,
                CutoffStatus::Achieved | CutoffStatus::Maintained | CutoffStatus::NotAchieved
            )
        })
        .collect();
    let siopen_endpoint = estimate(
        &format!(
            "SIOPEN skeletal score < {} achieved or maintained",
            cfg.response.siopen_threshold
        ),
        "patients with a baseline SIOPEN score > 0 and a score after treatment",
        siopen_in
            .iter()
            .filter(|r| r.siopen_below.is_below())
            .count(),
        siopen_in.len(),
        cfg.ci.siopen_endpoint,
        level,
    );
    let soft_in: Vec<&&PatientResponse> = resp
        .iter()
        .filter(|r| {
            matches!(
                r.soft_tissue_below,
                CutoffStatus::Achieved | CutoffStatus::Maintained | CutoffStatus::NotAchieved
            )
        })
        .collect();
    let soft_rule = match cfg.response.soft_tissue_denominator {
        SoftTissueDenominator::BaselineAtOrAboveThreshold => format!(
            "patients whose largest soft-tissue lesion{} measured ≥ {} mm at baseline, measured after treatment",
            if cfg.response.soft_tissue_includes_primary {
                " (primary included)"
            } else {
                ""
            },
            cfg.response.soft_tissue_threshold_mm
        ),
        SoftTissueDenominator::SoftTissueAtBaseline => {
            "patients with measurable soft-tissue disease at baseline, measured after treatment"
                .into()
        }
    };
    let soft_tissue_endpoint = estimate(
        &format!(
            "Largest soft-tissue lesion < {} mm after treatment",
            cfg.response.soft_tissue_threshold_mm
        ),
        &soft_rule,
        soft_in
            .iter()
            .filter(|r| r.soft_tissue_below.is_below())
            .count(),
        soft_in.len(),
        cfg.ci.soft_tissue_endpoint,
        level,
    );
    let bone_pts: Vec<&PatientResponse> = resp
        .iter()
        .copied()
        .filter(|r| r.siopen_before.is_some_and(|b| b > 0))
        .collect();
    let siopen_before = describe(
        "SIOPEN skeletal score at baseline",
        "patients with a baseline score > 0",
        &bone_pts
            .iter()
            .map(|r| r.siopen_before.map(f64::from))
            .collect::<Vec<_>>(),
    );
    let siopen_after = describe(
        "SIOPEN skeletal score after treatment",
        "patients with a baseline score > 0",
        &bone_pts
            .iter()
            .map(|r| r.siopen_after.map(f64::from))
            .collect::<Vec<_>>(),
    );
    let siopen_reduction_pct = describe(
        "SIOPEN reduction (%)",
        "patients with a baseline score > 0",
        &bone_pts
            .iter()
            .map(|r| r.siopen_reduction_pct)
            .collect::<Vec<_>>(),
    );
    let doses: Vec<&PatientDose> = patients
        .iter()
        .filter_map(|r| r.dosimetry.as_ref())
        .collect();
    let dosimetry = vec![
        describe(
            "D1, whole-body dose of infusion 1 (Gy)",
            "patients with infusion-1 readings",
            &doses
                .iter()
                .map(|d| Some(d.dose1_gy.gy()))
                .collect::<Vec<_>>(),
        ),
        describe(
            "A2 prescribed (MBq)",
            "patients with infusion-1 readings",
            &doses
                .iter()
                .map(|d| Some(d.a2_prescribed_mbq.mbq()))
                .collect::<Vec<_>>(),
        ),
        describe(
            "Delivered total whole-body dose (Gy)",
            "patients with readings after every infusion",
            &doses
                .iter()
                .map(|d| d.delivered_total_gy.map(|x| x.gy()))
                .collect::<Vec<_>>(),
        ),
    ];
    let toxicity = tox.map(|t| t.rows.clone()).unwrap_or_default();
    let toxic_deaths = d
        .followup
        .iter()
        .filter(|e| e.event == EventType::Death && e.cause == Some(DeathCause::Toxicity))
        .count()
        .max(
            domain
                .toxicity
                .events
                .iter()
                .filter(|e| e.grade.get() == 5)
                .map(|e| e.patient.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
        );
    let survivors: Vec<&PatientResult> = patients.iter().filter(|r| r.alive).collect();
    let hypothyroidism = estimate(
        &format!(
            "{} (grade ≥ {}) at any time after the first infusion",
            cfg.toxicity.hypothyroidism_term, cfg.toxicity.hypothyroidism_min_grade
        ),
        "patients alive at the last contact",
        survivors.iter().filter(|r| r.hypothyroidism).count(),
        survivors.len(),
        cfg.ci.hypothyroidism,
        level,
    );
    let first_episode = |f: fn(&PatientEngraftment) -> Option<i64>| -> Vec<Option<f64>> {
        patients
            .iter()
            .filter_map(|r| r.engraftment.first())
            .map(|e| f(e).map(|d| d as f64))
            .collect()
    };
    let engraftment = vec![
        describe(
            "Neutrophil recovery, days after stem cells",
            "first stem-cell infusion; missing = not recovered (censored)",
            &first_episode(|e| e.neutrophil_day),
        ),
        describe(
            "Platelet recovery, days after stem cells",
            "first stem-cell infusion; missing = not recovered or not applicable",
            &first_episode(|e| e.platelet_day),
        ),
    ];
    let mut codes: Vec<String> = d.therapies.iter().map(|t| t.therapy.clone()).collect();
    codes.sort();
    codes.dedup();
    let therapies = codes
        .iter()
        .map(|c| {
            let x = patients.iter().filter(|r| r.therapies.contains(c)).count();
            estimate(
                &format!("Proceeded to {}", therapy_label(c)),
                "all patients",
                x,
                n,
                cfg.ci.subsequent_therapy,
                level,
            )
        })
        .collect();
    let os_times: Vec<&SurvivalTime> = patients.iter().filter_map(|r| r.os.as_ref()).collect();
    let efs_times: Vec<&SurvivalTime> = patients.iter().filter_map(|r| r.efs.as_ref()).collect();
    let (os, os_curve, _) = survival("OS", &cfg.os, &os_times, cfg, level);
    let (efs, efs_curve, _) = survival("EFS", &cfg.efs, &efs_times, cfg, level);
    let median_followup = {
        let t: Vec<SurvTime> = os_times
            .iter()
            .map(|s| SurvTime::new(s.days as f64).expect("validated"))
            .collect();
        let e: Vec<bool> = os_times.iter().map(|s| s.event).collect();
        match EventCounts::from_observations(&t, &e) {
            Ok(c) => {
                let km = KaplanMeier::from_counts(
                    &c.reversed(),
                    KmOptions {
                        conf_type: cfg.ci.survival,
                        conf_level: level,
                    },
                );
                let m = km.median();
                MedianOut {
                    days: m.estimate.ok().map(SurvTime::value),
                    lower_days: m.lower.ok().map(SurvTime::value),
                    upper_days: m.upper.ok().map(SurvTime::value),
                    method:
                        "reverse Kaplan–Meier (death censors, last contact is the event), OS origin"
                            .into(),
                }
            }
            Err(_) => MedianOut {
                days: None,
                lower_days: None,
                upper_days: None,
                method: "no patients".into(),
            },
        }
    };
    let age = describe(
        "Age at the first infusion (years)",
        "all patients",
        &patients
            .iter()
            .map(|r| Some(r.age_years).filter(|a| a.is_finite()))
            .collect::<Vec<_>>(),
    );
    let cohort = Cohort {
        n,
        female: d.patients.iter().filter(|p| p.sex == Sex::F).count(),
        male: d.patients.iter().filter(|p| p.sex == Sex::M).count(),
        age_years: age,
        bone_marrow_involved: patients
            .iter()
            .filter(|r| r.involvement.bone_marrow)
            .count(),
        soft_tissue_involved: patients
            .iter()
            .filter(|r| r.involvement.soft_tissue)
            .count(),
        siopen_before,
        siopen_after,
        siopen_reduction_pct,
        best_response,
        response_rate,
        siopen_endpoint,
        soft_tissue_endpoint,
        dosimetry,
        toxicity,
        toxic_deaths,
        hypothyroidism,
        engraftment,
        therapies,
        os,
        efs,
        median_followup,
    };
    Ok(StudyReport {
        title: d.config.study.title.clone(),
        synthetic: d.config.study.synthetic,
        data_cutoff: d.config.study.data_cutoff.clone(),
        protocol: format!(
            "{} (version {})",
            settings.protocol.info.name, settings.protocol.info.version
        ),
        analysis: d.config.analysis.clone(),
        patients,
        cohort,
        curves: Curves {
            os: os_curve,
            efs: efs_curve,
        },
        warnings,
    })
}

/// The toxicity analysis of the whole cohort.
#[derive(Debug)]
pub(crate) struct ToxResult {
    patients: Vec<PatientReport>,
    rows: Vec<ToxicityRow>,
    warnings: Vec<String>,
}

/// Runs the toxicity crate's `analyse` on the whole cohort (one call: the
/// crate groups the records by patient itself, so this is linear in the
/// records) and keeps its per-patient reports, cohort table and warnings.
fn analyse_cohort(input: &ToxicityInput, opts: &ToxOptions) -> Result<ToxResult, AnalysisError> {
    let r = analyse(input, opts)?;
    let rows = r
        .cohort
        .iter()
        .map(|c| ToxicityRow {
            term: c.term.to_string(),
            denominator: c.denominator,
            denominator_rule: c.denominator_rule.to_string(),
            grade_1_2: c.grade_1_2,
            grade_3: c.grade_3,
            grade_4: c.grade_4,
            grade_5: c.grade_5,
        })
        .collect();
    Ok(ToxResult {
        patients: r.patients,
        rows,
        warnings: r.warnings,
    })
}

fn recovered_day(r: &Recovery) -> Option<i64> {
    match r {
        Recovery::Recovered { day, .. } => Some(*day),
        _ => None,
    }
}

/// Human label of a therapy code (the two of the seed study; other codes
/// are shown as written).
pub fn therapy_label(code: &str) -> String {
    match code {
        "gd2_car_t" => "GD2-CAR-T cells (gd2_car_t)".into(),
        "busulfan_melphalan" => "busulfan–melphalan (busulfan_melphalan)".into(),
        other => other.to_string(),
    }
}
