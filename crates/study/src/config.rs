//! `study.toml`: the study's identity, its protocol and the analysis options.
//!
//! Every option has a documented default; the defaults reproduce the seed
//! study's published methods (De Ioris et al., ESMO Open 2025;10(4):104541,
//! reconstructed in `docs/reference/statistics.md` §10 and `docs/reference/response.md` §6). Where the
//! literature is ambiguous ([I]/[U] in docs/reference) the alternative is
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
/// parameter") [I]; passed to the response crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PostAssessment {
    /// The last follow-up assessment (default, as `mibg response`).
    LastFollowUp,
    /// The first follow-up assessment.
    FirstFollowUp,
}

/// Denominator of the soft-tissue endpoint (`docs/reference/response.md` §6: ambiguous;
/// the seed paper's 10/15 implies a subset of the 21 with uptake) [I].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
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
    /// true) [I].
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

/// Time origin of a survival endpoint (`docs/reference/statistics.md` §10.3) [I].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
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
        }
    }
}

/// Days per year used to convert landmark years to days (Julian year).
pub const DAYS_PER_YEAR: f64 = 365.25;
