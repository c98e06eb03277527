//! The result types of the cohort report: per patient and for the cohort.
//! Every field is documented with its unit and its denominator; the JSON
//! document of `mibg study report --json` is their serialisation.

use jiff::civil::Date;
use mibg_response::series::CutoffStatus;
use mibg_stats::descriptive::Summary;
use mibg_study::config::{Analysis, EventType, ProportionCi};
use mibg_study::model::Sex;
use mibg_toxicity::engraftment::Recovery;
use mibg_units::{AbsorbedDose, Activity, Hours, Length};
use serde::Serialize;
use std::collections::BTreeMap;

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
    pub analysis: Analysis,
    /// Per-patient results, in `patients.csv` order.
    pub patients: Vec<PatientResult>,
    /// The cohort table.
    pub cohort: Cohort,
    /// Kaplan–Meier curves (for plots and for checking).
    pub curves: Curves,
    /// Named checks that failed and were accepted by a named person
    /// (`overrides.csv`), with what they accepted.
    pub overrides: Vec<AcceptedOverride>,
    /// Warnings of validation and of every domain computation, prefixed with
    /// the patient or file.
    pub warnings: Vec<String>,
}

/// A check that refused a patient's data, accepted by a named person
/// (`overrides.csv`): the report shows each one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AcceptedOverride {
    /// Patient.
    pub patient: String,
    /// The check's name.
    pub check: String,
    /// Who accepted it.
    pub accepted_by: String,
    /// Why.
    pub reason: String,
    /// Row of `overrides.csv`.
    pub row: u64,
    /// What the check found (its refusal, in its own words).
    pub finding: String,
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
    /// Whole-body S model used (`analytic`, `phantoms`; study.toml
    /// `analysis.dosimetry.s_model`).
    pub s_model: String,
    /// The S model with its coefficients or table, range and source.
    pub s_model_description: String,
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
    #[serde(serialize_with = "in_mm")]
    pub largest_soft_tissue_before_mm: Option<Length>,
    /// Largest soft-tissue lesion after treatment.
    #[serde(serialize_with = "in_mm")]
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
    /// Treating centre (`patients.csv`).
    pub centre: String,
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
    /// A thyroid assessment on or after the first infusion (`thyroid.csv`,
    /// or a hypothyroidism event, which is itself one); None when the
    /// folder records no thyroid follow-up (no `thyroid.csv`).
    pub thyroid_assessed: Option<bool>,
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
    /// A degenerate interval (Wald at 0 % or 100 %, a clipped normal
    /// approximation) with the defensible alternative
    /// (`mibg_stats::proportion::doubt`); empty when the interval stands.
    pub warnings: Vec<String>,
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
    /// The Cox models declared in `study.toml` (`[[analysis.cox]]`).
    pub cox: Vec<CoxModel>,
}

impl Cohort {
    /// Every proportion of the report, in report order: response rate,
    /// SIOPEN and soft-tissue endpoints, hypothyroidism, then each
    /// subsequent therapy.
    pub fn estimates(&self) -> Vec<&Estimate> {
        [
            &self.response_rate,
            &self.siopen_endpoint,
            &self.soft_tissue_endpoint,
            &self.hypothyroidism,
        ]
        .into_iter()
        .chain(self.therapies.iter())
        .collect()
    }
}

/// One Cox proportional-hazards model of the report.
#[derive(Clone, Debug, Serialize)]
pub struct CoxModel {
    /// Name from `study.toml`.
    pub name: String,
    /// Endpoint (`EFS`, `OS`).
    pub endpoint: String,
    /// Covariate names (`study.toml` spelling), in model order.
    pub covariates: Vec<String>,
    /// Strata names.
    pub strata: Vec<String>,
    /// Patients with a time for the endpoint.
    pub n_with_endpoint: usize,
    /// Patients left out for a missing covariate, each with the covariates
    /// it lacks (complete cases, `docs/reference/statistics.md` §0).
    pub excluded: Vec<(String, Vec<String>)>,
    /// The fit (statistics crate), when the model could be estimated.
    pub fit: Option<mibg_stats::cox::CoxFit>,
    /// Why not, when it could not.
    pub not_estimable: Option<String>,
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

/// A length in millimetres, as its `_mm` field name says (a `Length`
/// serialises in its canonical centimetres).
fn in_mm<S: serde::Serializer>(v: &Option<Length>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(l) => s.serialize_some(&l.mm()),
        None => s.serialize_none(),
    }
}
