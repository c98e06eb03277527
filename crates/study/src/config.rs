//! `study.toml`: the study's identity, its protocol and the analysis options.
//!
//! Every option has a documented default; the defaults reproduce the seed
//! study's published methods (De Ioris et al., ESMO Open 2025;10(4):104541,
//! reconstructed in `docs/reference/statistics.md` §10 and `docs/reference/response.md` §6). Where the
//! literature is ambiguous (\[I\]/\[U\] in the reference pages) the alternative is
//! a named option and the report records which one was used.

use serde::{Deserialize, Serialize};

/// The whole `study.toml`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyConfig {
    /// `[study]`: identity of the data set.
    #[serde(default)]
    pub study: StudyInfo,
    /// `[protocol]`: the treatment regimen the patients received.
    #[serde(default)]
    pub protocol: ProtocolRef,
    /// `[analysis]`: how the cohort figures are computed.
    #[serde(default)]
    pub analysis: Analysis,
}

/// `[study]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyInfo {
    /// Title shown at the top of the report.
    #[serde(default)]
    pub title: String,
    /// True for generated (non-patient) data: the report then carries a
    /// "SYNTHETIC DATA" banner on every page and in the JSON.
    #[serde(default)]
    pub synthetic: bool,
    /// Data cut-off date `YYYY-MM-DD`: no record may be dated after it.
    #[serde(default)]
    pub data_cutoff: Option<String>,
    /// Free text (source, generator, contact).
    #[serde(default)]
    pub description: String,
}

/// `[protocol]`: the built-in seed protocol or a protocol file in the folder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolRef {
    /// `"seed"` (the built-in two-infusion 444 MBq/kg → 4 Gy protocol).
    #[serde(default = "default_protocol_name")]
    pub name: String,
    /// A protocol TOML file relative to the study folder; overrides `name`.
    #[serde(default)]
    pub file: Option<String>,
}

fn default_protocol_name() -> String {
    "seed".into()
}

impl Default for ProtocolRef {
    fn default() -> Self {
        ProtocolRef {
            name: default_protocol_name(),
            file: None,
        }
    }
}

/// Confidence-interval method for a proportion (`docs/reference/statistics.md` §1): the
/// statistics crate's method, spelled in `study.toml` as on the command line
/// (`clopper-pearson`, `wilson`, `wilson-cc`, `wald`, `wald-cc`,
/// `agresti-coull`, `jeffreys`).
pub type ProportionCi = mibg_stats::proportion::Method;

/// Pointwise Kaplan–Meier CI transform (`docs/reference/statistics.md` §2.3): `log-log`,
/// `log` or `plain`.
pub type KmCi = mibg_stats::km::ConfType;

/// CI method chosen for each reported estimate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CiMethods {
    /// Overall response rate; seed paper: Clopper–Pearson (12/25 → 28–69 %).
    #[serde(default = "cp")]
    pub response_rate: ProportionCi,
    /// SIOPEN < threshold after treatment; seed paper: Wald (12/23 → 32–73 %).
    #[serde(default = "wald")]
    pub siopen_endpoint: ProportionCi,
    /// Soft-tissue lesion < threshold; seed paper: Wald (10/15 → 43–91 %).
    #[serde(default = "wald")]
    pub soft_tissue_endpoint: ProportionCi,
    /// Proportions proceeding to each subsequent therapy (no CI published;
    /// default Clopper–Pearson, `docs/reference/statistics.md` §1 default).
    #[serde(default = "cp")]
    pub subsequent_therapy: ProportionCi,
    /// Hypothyroidism among survivors (Clopper–Pearson, `docs/reference/toxicity.md` §9).
    #[serde(default = "cp")]
    pub hypothyroidism: ProportionCi,
    /// Toxicity table proportions.
    #[serde(default = "cp")]
    pub toxicity: ProportionCi,
    /// Kaplan–Meier pointwise CI; seed paper: log-log (`docs/reference/statistics.md` §10.2).
    #[serde(default = "loglog")]
    pub survival: KmCi,
}

fn cp() -> ProportionCi {
    ProportionCi::ClopperPearson
}
fn wald() -> ProportionCi {
    ProportionCi::Wald
}
fn loglog() -> KmCi {
    KmCi::LogLog
}

impl Default for CiMethods {
    fn default() -> Self {
        CiMethods {
            response_rate: cp(),
            siopen_endpoint: wald(),
            soft_tissue_endpoint: wald(),
            subsequent_therapy: cp(),
            hypothyroidism: cp(),
            toxicity: cp(),
            survival: loglog(),
        }
    }
}

/// Which assessment counts as "after treatment" for the SIOPEN and
/// soft-tissue endpoints (`docs/reference/response.md` §6: "make the time point a
/// parameter") \[I\]; passed to the response crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostAssessment {
    /// The last follow-up assessment (default, as `mibg response`).
    LastFollowUp,
    /// The first follow-up assessment.
    FirstFollowUp,
}

/// Denominator of the soft-tissue endpoint (`docs/reference/response.md` §6: ambiguous;
/// the seed paper's 10/15 implies a subset of the 21 with uptake) \[I\].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SoftTissueDenominator {
    /// Patients whose largest soft-tissue lesion at baseline was at or above
    /// the threshold (a lesion that had to shrink below it). Default.
    BaselineAtOrAboveThreshold,
    /// Every patient with measured soft-tissue disease at baseline.
    SoftTissueAtBaseline,
}

/// `[analysis.response]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseOptions {
    /// Response criteria: `"inrc2017"` (default) or `"inrc1993"`.
    #[serde(default = "inrc2017")]
    pub criteria: String,
    /// Count minor response (MR) as objective response (default false:
    /// ORR = CR + PR, `docs/reference/response.md` §6).
    #[serde(default)]
    pub count_minor_response: bool,
    /// Time point of the "after treatment" scores.
    #[serde(default = "first_after")]
    pub post_assessment: PostAssessment,
    /// SIOPEN endpoint: skeletal score strictly below this value after
    /// treatment (seed paper: 7, i.e. ≤ 6).
    #[serde(default = "seven")]
    pub siopen_threshold: u32,
    /// Soft-tissue endpoint: largest lesion strictly below this diameter
    /// (mm) after treatment (seed paper: 5 cm).
    #[serde(default = "fifty")]
    pub soft_tissue_threshold_mm: f64,
    /// Whether the primary tumour counts as a soft-tissue lesion (default
    /// true) \[I\].
    #[serde(default = "yes")]
    pub soft_tissue_includes_primary: bool,
    /// Denominator of the soft-tissue endpoint.
    #[serde(default = "st_den")]
    pub soft_tissue_denominator: SoftTissueDenominator,
}

fn inrc2017() -> String {
    "inrc2017".into()
}
fn first_after() -> PostAssessment {
    PostAssessment::LastFollowUp
}
fn seven() -> u32 {
    7
}
fn fifty() -> f64 {
    50.0
}
fn yes() -> bool {
    true
}
fn st_den() -> SoftTissueDenominator {
    SoftTissueDenominator::BaselineAtOrAboveThreshold
}

impl Default for ResponseOptions {
    fn default() -> Self {
        ResponseOptions {
            criteria: inrc2017(),
            count_minor_response: false,
            post_assessment: first_after(),
            siopen_threshold: seven(),
            soft_tissue_threshold_mm: fifty(),
            soft_tissue_includes_primary: yes(),
            soft_tissue_denominator: st_den(),
        }
    }
}

/// Time origin of a survival endpoint (`docs/reference/statistics.md` §10.3) \[I\].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Date of the first 131I-mIBG infusion (default).
    FirstInfusion,
    /// Date of the second infusion (patients without one are excluded, with
    /// a warning).
    SecondInfusion,
    /// `patients.csv` column `enrolment_date`.
    Enrolment,
}

/// A follow-up event type (`followup.csv` column `event`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventType {
    /// Disease progression.
    Progression,
    /// Relapse after a complete response.
    Relapse,
    /// Second malignant neoplasm.
    SecondMalignancy,
    /// Death from any cause.
    Death,
    /// Last contact (alive); censors every endpoint.
    LastContact,
}

impl EventType {
    /// The spelling used in `followup.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Progression => "progression",
            EventType::Relapse => "relapse",
            EventType::SecondMalignancy => "second_malignancy",
            EventType::Death => "death",
            EventType::LastContact => "last_contact",
        }
    }

    /// Every event type with its spelling.
    pub const ALL: [(&'static str, EventType); 5] = [
        ("progression", EventType::Progression),
        ("relapse", EventType::Relapse),
        ("second_malignancy", EventType::SecondMalignancy),
        ("death", EventType::Death),
        ("last_contact", EventType::LastContact),
    ];
}

/// One survival endpoint: origin and the events that end it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointDef {
    /// Time origin.
    #[serde(default = "first_inf")]
    pub origin: Origin,
    /// Events that count; any other patient is censored at last contact.
    pub events: Vec<EventType>,
}

fn first_inf() -> Origin {
    Origin::FirstInfusion
}

/// EFS default (`docs/reference/statistics.md` §10.3, INRG convention): first of
/// progression, relapse, second malignancy or death, from the first infusion.
pub fn default_efs() -> EndpointDef {
    EndpointDef {
        origin: Origin::FirstInfusion,
        events: vec![
            EventType::Progression,
            EventType::Relapse,
            EventType::SecondMalignancy,
            EventType::Death,
        ],
    }
}

/// OS default: death from any cause, from the first infusion.
pub fn default_os() -> EndpointDef {
    EndpointDef {
        origin: Origin::FirstInfusion,
        events: vec![EventType::Death],
    }
}

/// `[analysis.toxicity]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToxicityOptions {
    /// Acute toxicity window ends this many days after the (last) stem-cell
    /// infusion (default 60, issue #4 example "day +60").
    #[serde(default = "sixty")]
    pub window_days_after_stem_cells: i64,
    /// CTCAE term counted for the thyroid outcome.
    #[serde(default = "hypo")]
    pub hypothyroidism_term: String,
    /// Minimum grade that counts as hypothyroidism (default 2: replacement
    /// indicated, `docs/reference/toxicity.md` §5/§9) [U for the seed study].
    #[serde(default = "two")]
    pub hypothyroidism_min_grade: u8,
}

fn sixty() -> i64 {
    60
}
fn hypo() -> String {
    "Hypothyroidism".into()
}
fn two() -> u8 {
    2
}

impl Default for ToxicityOptions {
    fn default() -> Self {
        ToxicityOptions {
            window_days_after_stem_cells: sixty(),
            hypothyroidism_term: hypo(),
            hypothyroidism_min_grade: two(),
        }
    }
}

/// `[analysis.dosimetry]`: the data-entry checks of `mibg dose`, with the
/// same defaults, applied to every patient of the study.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DosimetryOptions {
    /// Largest accepted relative deviation of the given infusion-1 activity
    /// from the protocol's prescription for the infusion-1 weight (caps
    /// included): `mibg dose --max-activity-deviation`, default
    /// [`mibg_protocol::plan::DEFAULT_MAX_INFUSION1_DEVIATION`] (±25 %) \[I\].
    #[serde(default = "max_dev")]
    pub max_activity_deviation: f64,
    /// Largest accepted relative weight change between infusion 1 and
    /// infusion 2: `mibg dose --max-weight-change`, default
    /// [`mibg_dosimetry::DEFAULT_MAX_WEIGHT_CHANGE`] (±20 %) \[I\].
    #[serde(default = "max_wc")]
    pub max_weight_change: f64,
    /// The whole-body S model of every patient: `analytic` (default, the
    /// docs/reference/dosimetry.md §5.3 model, 3–80 kg) or `phantoms` (the
    /// shipped reference-phantom table, 2–150 kg, values \[U\]; docs/reference/dosimetry.md §5.4):
    /// `mibg dose --s-model`.
    #[serde(default)]
    pub s_model: StudySModel,
}

/// `[analysis.dosimetry] s_model`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum StudySModel {
    /// The analytic model (docs/reference/dosimetry.md §5.3).
    #[default]
    Analytic,
    /// The shipped reference-phantom table (docs/reference/dosimetry.md §5.4).
    Phantoms,
}

fn max_dev() -> f64 {
    mibg_protocol::plan::DEFAULT_MAX_INFUSION1_DEVIATION
}
fn max_wc() -> f64 {
    mibg_dosimetry::DEFAULT_MAX_WEIGHT_CHANGE
}

impl Default for DosimetryOptions {
    fn default() -> Self {
        DosimetryOptions {
            max_activity_deviation: max_dev(),
            max_weight_change: max_wc(),
            s_model: StudySModel::Analytic,
        }
    }
}

/// `[analysis]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Analysis {
    /// Two-sided confidence level for every interval (default 0.95).
    #[serde(default = "p95")]
    pub conf_level: f64,
    /// Landmark times for survival estimates, in years (default `[3.0]`;
    /// one year = 365.25 days).
    #[serde(default = "three")]
    pub landmark_years: Vec<f64>,
    /// `[analysis.ci]`.
    #[serde(default)]
    pub ci: CiMethods,
    /// `[analysis.response]`.
    #[serde(default)]
    pub response: ResponseOptions,
    /// `[analysis.efs]`.
    #[serde(default = "default_efs")]
    pub efs: EndpointDef,
    /// `[analysis.os]`.
    #[serde(default = "default_os")]
    pub os: EndpointDef,
    /// `[analysis.toxicity]`.
    #[serde(default)]
    pub toxicity: ToxicityOptions,
    /// `[analysis.dosimetry]`.
    #[serde(default)]
    pub dosimetry: DosimetryOptions,
    /// `[[analysis.cox]]`: Cox proportional-hazards models of the report
    /// (none by default).
    #[serde(default)]
    pub cox: Vec<CoxModelDef>,
}

/// A survival endpoint of the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Endpoint {
    /// Event-free survival (`[analysis.efs]`).
    Efs,
    /// Overall survival (`[analysis.os]`).
    Os,
}

impl Endpoint {
    /// The name as in reports (`EFS`, `OS`).
    pub fn label(self) -> &'static str {
        match self {
            Endpoint::Efs => "EFS",
            Endpoint::Os => "OS",
        }
    }
}

/// A patient-level covariate a Cox model of the report can use: each is
/// known at the time origin of the endpoints (baseline or treatment given),
/// never an outcome after it (a response covariate would carry immortal-time
/// bias). A patient without the value is left out of that model (complete
/// cases, `docs/reference/statistics.md` §0) and counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CoxCovariate {
    /// Age at the first infusion, years (per year).
    AgeYears,
    /// 1 = male, 0 = female.
    Male,
    /// 1 = bone or marrow disease at baseline.
    BoneMarrowInvolved,
    /// 1 = soft-tissue disease at baseline.
    SoftTissueInvolved,
    /// SIOPEN skeletal score at baseline (per point).
    SiopenBefore,
    /// Whole-body absorbed dose of infusion 1, Gy (per Gy).
    Dose1Gy,
    /// Delivered total whole-body dose, Gy (per Gy).
    DeliveredTotalGy,
}

impl CoxCovariate {
    /// The `study.toml` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CoxCovariate::AgeYears => "age_years",
            CoxCovariate::Male => "male",
            CoxCovariate::BoneMarrowInvolved => "bone_marrow_involved",
            CoxCovariate::SoftTissueInvolved => "soft_tissue_involved",
            CoxCovariate::SiopenBefore => "siopen_before",
            CoxCovariate::Dose1Gy => "dose1_gy",
            CoxCovariate::DeliveredTotalGy => "delivered_total_gy",
        }
    }
}

/// A stratification variable of a Cox model (separate baseline hazards).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CoxStratum {
    /// `patients.csv` sex.
    Sex,
    /// `patients.csv` centre.
    Centre,
    /// Bone or marrow disease at baseline (yes/no).
    BoneMarrowInvolved,
    /// Soft-tissue disease at baseline (yes/no).
    SoftTissueInvolved,
}

impl CoxStratum {
    /// The `study.toml` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CoxStratum::Sex => "sex",
            CoxStratum::Centre => "centre",
            CoxStratum::BoneMarrowInvolved => "bone_marrow_involved",
            CoxStratum::SoftTissueInvolved => "soft_tissue_involved",
        }
    }
}

/// Tie handling of a Cox model: `efron` (default, as R) or `breslow`.
pub type CoxTies = mibg_stats::cox::Ties;

/// One `[[analysis.cox]]` model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoxModelDef {
    /// Name shown in the report (unique among the models).
    pub name: String,
    /// The endpoint modelled.
    pub endpoint: Endpoint,
    /// Covariates (at least one, each once).
    pub covariates: Vec<CoxCovariate>,
    /// Strata (none by default; each once, not also a covariate).
    #[serde(default)]
    pub strata: Vec<CoxStratum>,
    /// Tie handling (default Efron, R's default, `docs/reference/statistics.md` §4.1).
    #[serde(default)]
    pub ties: CoxTies,
}

fn p95() -> f64 {
    0.95
}
fn three() -> Vec<f64> {
    vec![3.0]
}

impl Default for Analysis {
    fn default() -> Self {
        Analysis {
            conf_level: p95(),
            landmark_years: three(),
            ci: CiMethods::default(),
            response: ResponseOptions::default(),
            efs: default_efs(),
            os: default_os(),
            toxicity: ToxicityOptions::default(),
            dosimetry: DosimetryOptions::default(),
            cox: Vec::new(),
        }
    }
}

/// Days per year used to convert landmark years to days (Julian year).
pub const DAYS_PER_YEAR: f64 = 365.25;

/// Two-sided plausibility ranges of the `study.toml` values (inclusive),
/// each with its reason. A value outside its range is refused, and the
/// error names the unit slip that would explain it.
pub mod ranges {
    /// `analysis.conf_level`: 0.50–0.999. A two-sided interval below 50 %
    /// is not a confidence interval any report uses; above 99.9 % the
    /// limits approach the range of the estimate. 95 (a percentage) is the
    /// usual slip.
    pub const CONF_LEVEL: (f64, f64) = (0.50, 0.999);
    /// `analysis.landmark_years`: above 0 and at most 30 years. Relapsed
    /// neuroblastoma studies report survival at 1–10 years; 30 years is
    /// beyond any follow-up of a paediatric cohort treated since 131I-mIBG
    /// therapy began (1980s). 365 is days, 36 is months.
    pub const LANDMARK_YEARS: (f64, f64) = (f64::MIN_POSITIVE, 30.0);
    /// `analysis.response.siopen_threshold`: 1–72. The SIOPEN skeletal
    /// score is 0–72 (12 segments × 0–6, Lewington 2017): a threshold of 0
    /// is never met, one above 72 always is.
    pub const SIOPEN_THRESHOLD: (u32, u32) = (1, 72);
    /// `analysis.response.soft_tissue_threshold_mm`: 10–300 mm. 10 mm is
    /// the smallest measurable soft-tissue lesion (RECIST 1.1, used by INRC
    /// 2017); no lesion threshold above 30 cm is meaningful. 5 is cm.
    pub const SOFT_TISSUE_THRESHOLD_MM: (f64, f64) = (10.0, 300.0);
    /// `analysis.toxicity.window_days_after_stem_cells`: 7–365 days.
    /// Acute toxicity windows run to day +30 … +100 (CIBMTR day 100);
    /// engraftment itself takes 10–30 days, so a shorter window cuts it;
    /// beyond a year toxicity is no longer acute. 2 is months.
    pub const TOXICITY_WINDOW_DAYS: (i64, i64) = (7, 365);
    /// `analysis.toxicity.hypothyroidism_min_grade`: 1–5 (CTCAE grades).
    pub const HYPOTHYROIDISM_GRADE: (u8, u8) = (1, 5);
    /// `analysis.dosimetry.max_activity_deviation` and `max_weight_change`:
    /// above 0 and at most 1 (±100 %). Beyond ±100 % the check would let a
    /// doubled activity or weight through and catches nothing; 25 is a
    /// percentage.
    pub const RELATIVE_LIMIT: (f64, f64) = (0.01, 1.0);
    /// `study.data_cutoff`: 1980-01-01 – 2100-12-31. 131I-mIBG therapy of
    /// neuroblastoma was first reported in 1984 (Treuner et al.), so no
    /// study data precede 1980; a cut-off beyond 2100 is a typing error.
    pub const DATA_CUTOFF: (&str, &str) = ("1980-01-01", "2100-12-31");
}

/// The line of `key` in `section` of a TOML text (1-based), for pointing at
/// a value in a problem; `None` when the key is not written (a default).
pub fn line_of(text: &str, section: &str, key: &str) -> Option<u64> {
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix('[') {
            current = h
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            continue;
        }
        if current == section
            && let Some((k, _)) = t.split_once('=')
            && k.trim() == key
        {
            return Some(i as u64 + 1);
        }
    }
    None
}

/// The line of `key` in the `nth` (0-based) `[[section]]` array table of a
/// TOML text (1-based), or of that table's header when the key is not
/// written; `None` when there is no such table.
pub fn line_of_nth(text: &str, section: &str, nth: usize, key: &str) -> Option<u64> {
    let header = format!("[[{section}]]");
    let mut seen = 0usize;
    let mut inside: Option<u64> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            if inside.is_some() {
                return inside;
            }
            if t.replace(' ', "") == header {
                if seen == nth {
                    inside = Some(i as u64 + 1);
                }
                seen += 1;
            }
            continue;
        }
        if inside.is_some()
            && let Some((k, _)) = t.split_once('=')
            && k.trim() == key
        {
            return Some(i as u64 + 1);
        }
    }
    inside
}

/// A number as typed when it is of ordinary size, else in scientific
/// notation (never 300 digits in a message).
fn num(v: f64) -> String {
    if v.is_finite() && v != 0.0 && !(1e-4..1e6).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// The unit slip that would put `v` of a value with plausible range
/// `(lo, hi)` back into it: each candidate factor with its reading.
fn slip(v: f64, lo: f64, hi: f64, candidates: &[(f64, &str)]) -> String {
    let fits: Vec<&str> = candidates
        .iter()
        .filter(|(factor, _)| {
            let back = v / factor;
            back >= lo && back <= hi
        })
        .map(|(_, name)| *name)
        .collect();
    if fits.is_empty() {
        String::new()
    } else {
        format!(" ({})", fits.join("; or "))
    }
}

/// Checks every `study.toml` value against its plausible range
/// ([`ranges`]) and its rules (events of the endpoints, criteria, dates).
/// Every problem names the key (`field`) and its line.
pub fn check(cfg: &StudyConfig, text: &str, p: &mut crate::problem::Problems) {
    use crate::problem::{Problem, ProblemKind};
    let mut bad = |section: &str, key: &str, kind: ProblemKind, msg: String| {
        p.error(Problem {
            file: crate::load::files::STUDY.to_string(),
            row: line_of(text, section, key),
            field: Some(format!("{section}.{key}")),
            kind,
            message: format!("[{section}] {msg}"),
        });
    };
    let na = ProblemKind::NotAllowed;
    if let Some(s) = cfg.study.data_cutoff.as_deref() {
        match crate::table::parse_date(s) {
            None => bad(
                "study",
                "data_cutoff",
                ProblemKind::BadValue,
                format!("data_cutoff '{s}' is not a date (YYYY-MM-DD)"),
            ),
            Some(d) => {
                let (lo, hi) = ranges::DATA_CUTOFF;
                if d.to_string().as_str() < lo || d.to_string().as_str() > hi {
                    bad(
                        "study",
                        "data_cutoff",
                        na,
                        format!(
                            "data_cutoff {d} is outside {lo} – {hi} (no 131I-mIBG study data before 1980; a typing error in the year?)"
                        ),
                    );
                }
            }
        }
    }
    let a = &cfg.analysis;
    let (lo, hi) = ranges::CONF_LEVEL;
    if !(a.conf_level >= lo && a.conf_level <= hi) {
        bad(
            "analysis",
            "conf_level",
            na,
            format!(
                "conf_level {} must lie between {lo} and {hi} (a fraction){}",
                num(a.conf_level),
                slip(
                    a.conf_level,
                    lo,
                    hi,
                    &[(100.0, "a percentage? 95 means 0.95")]
                )
            ),
        );
    }
    let (lo, hi) = ranges::LANDMARK_YEARS;
    for &y in &a.landmark_years {
        if !(y >= lo && y <= hi) {
            bad(
                "analysis",
                "landmark_years",
                na,
                format!(
                    "landmark_years: {} must be a number of years above 0 and at most {hi}{}",
                    num(y),
                    slip(
                        y,
                        lo,
                        hi,
                        &[
                            (12.0, "months? 12 months = 1 year"),
                            (365.25, "days? 365 days = 1 year")
                        ]
                    )
                ),
            );
        }
    }
    let r = &a.response;
    let (lo, hi) = ranges::SIOPEN_THRESHOLD;
    if !(lo..=hi).contains(&r.siopen_threshold) {
        bad(
            "analysis.response",
            "siopen_threshold",
            na,
            format!(
                "siopen_threshold {} must lie between {lo} and {hi} (the SIOPEN skeletal score is 0–72)",
                r.siopen_threshold
            ),
        );
    }
    let (lo, hi) = ranges::SOFT_TISSUE_THRESHOLD_MM;
    let st = r.soft_tissue_threshold_mm;
    if !(st >= lo && st <= hi) {
        bad(
            "analysis.response",
            "soft_tissue_threshold_mm",
            na,
            format!(
                "soft_tissue_threshold_mm {} must lie between {lo} and {hi} mm{}",
                num(st),
                slip(
                    st,
                    lo,
                    hi,
                    &[(0.1, "in cm? 5 cm = 50 mm"), (0.001, "in metres?")]
                )
            ),
        );
    }
    if !["inrc2017", "inrc1993"].contains(&r.criteria.as_str()) {
        bad(
            "analysis.response",
            "criteria",
            na,
            format!("criteria '{}' is not one of inrc2017, inrc1993", r.criteria),
        );
    }
    for (name, def) in [("analysis.efs", &a.efs), ("analysis.os", &a.os)] {
        if def.events.is_empty() || def.events.contains(&EventType::LastContact) {
            bad(
                name,
                "events",
                na,
                "events must name at least one of progression, relapse, second_malignancy, death (last_contact censors)".into(),
            );
        }
    }
    let t = &a.toxicity;
    let (lo, hi) = ranges::TOXICITY_WINDOW_DAYS;
    let w = t.window_days_after_stem_cells;
    if !(lo..=hi).contains(&w) {
        let hint = if w > 0 && (w * 30 >= lo && w * 30 <= hi) {
            " (months? the window is in days)"
        } else if w > hi && w / 24 <= hi {
            " (hours? the window is in days)"
        } else {
            ""
        };
        bad(
            "analysis.toxicity",
            "window_days_after_stem_cells",
            na,
            format!("window_days_after_stem_cells {w} must lie between {lo} and {hi} days{hint}"),
        );
    }
    let (lo, hi) = ranges::HYPOTHYROIDISM_GRADE;
    if !(lo..=hi).contains(&t.hypothyroidism_min_grade) {
        bad(
            "analysis.toxicity",
            "hypothyroidism_min_grade",
            na,
            format!(
                "hypothyroidism_min_grade {} is not a CTCAE grade ({lo}–{hi})",
                t.hypothyroidism_min_grade
            ),
        );
    }
    if mibg_toxicity::ctcae::Term::parse(&t.hypothyroidism_term).is_none() {
        bad(
            "analysis.toxicity",
            "hypothyroidism_term",
            na,
            format!(
                "hypothyroidism_term '{}' is not a CTCAE term known to mibg",
                t.hypothyroidism_term
            ),
        );
    }
    let (lo, hi) = ranges::RELATIVE_LIMIT;
    let d = &a.dosimetry;
    for (key, v) in [
        ("max_activity_deviation", d.max_activity_deviation),
        ("max_weight_change", d.max_weight_change),
    ] {
        if !(v >= lo && v <= hi) {
            bad(
                "analysis.dosimetry",
                key,
                na,
                format!(
                    "{key} {} must lie between {lo} and {hi} (a fraction: 0.25 = ±25 %){}",
                    num(v),
                    slip(v, lo, hi, &[(100.0, "a percentage? 25 means 0.25")])
                ),
            );
        }
    }
    check_cox(&a.cox, text, p);
}

/// The declarations of the Cox models: a unique non-empty name, at least one
/// covariate, no covariate or stratum twice, no variable both a covariate
/// and a stratum. (Whether a model can be estimated on the data — events,
/// variation — is found when it is fitted, and reported as a warning.)
fn check_cox(models: &[CoxModelDef], text: &str, p: &mut crate::problem::Problems) {
    use crate::problem::{Problem, ProblemKind};
    let mut names = std::collections::BTreeSet::new();
    for (k, m) in models.iter().enumerate() {
        let mut bad = |key: &str, msg: String| {
            p.error(Problem {
                file: crate::load::files::STUDY.to_string(),
                row: line_of_nth(text, "analysis.cox", k, key),
                field: Some(format!("analysis.cox[{}].{key}", k + 1)),
                kind: ProblemKind::NotAllowed,
                message: format!("[[analysis.cox]] model {}: {msg}", k + 1),
            });
        };
        if m.name.trim().is_empty() {
            bad("name", "name must not be empty".into());
        } else if !names.insert(m.name.trim().to_string()) {
            bad(
                "name",
                format!("name '{}' is used by an earlier model", m.name),
            );
        }
        if m.covariates.is_empty() {
            bad(
                "covariates",
                "covariates must name at least one of age_years, male, bone_marrow_involved, soft_tissue_involved, siopen_before, dose1_gy, delivered_total_gy".into(),
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for c in &m.covariates {
            if !seen.insert(*c) {
                bad(
                    "covariates",
                    format!("covariate '{}' is listed twice", c.as_str()),
                );
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for s in &m.strata {
            if !seen.insert(*s) {
                bad(
                    "strata",
                    format!("stratum '{}' is listed twice", s.as_str()),
                );
            }
            let clash = match s {
                CoxStratum::BoneMarrowInvolved => {
                    m.covariates.contains(&CoxCovariate::BoneMarrowInvolved)
                }
                CoxStratum::SoftTissueInvolved => {
                    m.covariates.contains(&CoxCovariate::SoftTissueInvolved)
                }
                CoxStratum::Sex => m.covariates.contains(&CoxCovariate::Male),
                CoxStratum::Centre => false,
            };
            if clash {
                bad(
                    "strata",
                    format!(
                        "'{}' is both a stratum and a covariate: a covariate is constant within its strata and has no coefficient",
                        s.as_str()
                    ),
                );
            }
        }
    }
}
