//! Revised International Neuroblastoma Response Criteria (INRC 2017; Park JR
//! et al., J Clin Oncol 2017;35:2580–2587), as reconstructed in docs/reference/response.md
//! §2 (tables §2.3 primary, §2.4 metastatic soft tissue and bone, §2.5
//! relative MIBG score, docs/reference/response.md §2.6 bone marrow, §2.7 overall).
//!
//! Every decision is made with exact integer arithmetic: diameters in tenths
//! of a millimetre (CT/MRI callipers report at most 0.1 mm), MIBG scores as
//! integers, so that the published boundaries (−30 %, +20 % with +5 mm, 0.5,
//! 1.2) fall exactly where the tables put them. Marrow percentages are
//! compared with the literal thresholds (5 %, 20 %, 2 × baseline), which are
//! exact in binary floating point for the values readers report.
//!
//! Every published gap is resolved by the documented default of docs/reference/response.md,
//! with the alternative as a field of [`Inrc2017Options`]; the result lists
//! the gaps it actually hit ([`GapUse`]).

use crate::record::{
    Bone, LesionKind, Marrow, NonTarget, PatientRecord, Primary, RecordError, SampleKind,
    SoftTissue, Uptake,
};
use crate::score::{MibgMethod, ScoreTotal};
use jiff::civil::Date;
use mibg_units::Length;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Response of one component (docs/reference/response.md §1; PCDC values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ComponentResponse {
    /// Complete response.
    CR,
    /// Partial response (primary, metastatic).
    PR,
    /// Minimal disease (marrow only: 0 < tumour ≤ 5 %).
    MD,
    /// Stable disease.
    SD,
    /// Progressive disease.
    PD,
    /// Not involved at baseline and still not involved.
    NI,
    /// Not evaluable.
    NE,
}

impl fmt::Display for ComponentResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Overall INRC 2017 response (docs/reference/response.md §2.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OverallResponse2017 {
    /// Not evaluable (ranks lowest for "best response"; never counted as a response).
    NE,
    /// Progressive disease.
    PD,
    /// Stable disease.
    SD,
    /// Minor response.
    MR,
    /// Partial response.
    PR,
    /// Complete response.
    CR,
}

impl OverallResponse2017 {
    /// Objective response for the ORR: CR or PR (docs/reference/response.md §6 default;
    /// INRC 2017 does not count MR as objective response).
    pub fn is_objective_response(self) -> bool {
        matches!(self, Self::CR | Self::PR)
    }
    /// The alternative ORR metric of docs/reference/response.md §6: CR, PR or MR.
    pub fn is_response_including_mr(self) -> bool {
        matches!(self, Self::CR | Self::PR | Self::MR)
    }
    /// Evaluable for response (anything but NE).
    pub fn is_evaluable(self) -> bool {
        self != Self::NE
    }
}

impl fmt::Display for OverallResponse2017 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Why a marrow is "minimal disease" (docs/reference/response.md §2.6, §2.7 gap 2 and 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MdKind {
    /// Baseline > 5 %, now 0 < f ≤ 5 %: the marrow improved.
    Improved,
    /// Baseline 0 < b ≤ 5 %, still 0 < f ≤ 5 %.
    Persistent,
    /// Baseline negative, now 0 < f ≤ 5 % (flagged: some protocols call this relapse).
    New,
}

/// Gap 1 (docs/reference/response.md §2.7): all components CR except a marrow MD.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllCrWithMarrowMd {
    /// Default \[I\]: PR ("PR in ≥ 1 component" read as "CR or PR"; PDQ allows
    /// marrow 0–5 % in PR).
    #[default]
    Pr,
    /// Apply the marrow-MD integration policy like any other MD (persistent MD
    /// then gives MR).
    MarrowPolicy,
    /// Literal table: no row matches, so NE (unclassifiable).
    Unclassified,
}

/// Gap 2 (docs/reference/response.md §2.7): how a marrow MD counts in the overall response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarrowMdIntegration {
    /// Default \[I\]: MD after a baseline > 5 % counts as a response (like PR);
    /// persistent or new MD counts as stable (like SD).
    #[default]
    ByBaseline,
    /// Every MD of a marrow involved at baseline counts as a response (PDQ:
    /// PR allows marrow 0–5 %); new MD in a negative marrow stays stable.
    AlwaysResponse,
    /// As [`MarrowMdIntegration::ByBaseline`], except that when another
    /// component is CR or PR and none is SD, any MD is compatible with PR: the
    /// docs/reference/response.md §2.7 PR row lists "MD (marrow)" among the allowed other components,
    /// while the reference procedure of docs/reference/response.md §2.7 \[I\] (the default) counts
    /// persistent or new MD as stable there too, giving MR. docs/reference/response.md is
    /// inconsistent here (docs/reference/response.md §7: check against Park 2017).
    PrRowAllowsMd,
}

/// Gap (docs/reference/response.md §2.6): baseline 5 % < b ≤ 20 % falling to 0 < f ≤ 5 %
/// matches no row of the recalled table ("MD after > 20 %").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarrowMdFrom5To20 {
    /// Default \[I\]: MD (improved), the evident intent; identical if the
    /// published table reads "> 5 %".
    #[default]
    Md,
    /// SD (conservative: only the recalled "> 20 %" row gives MD).
    Sd,
}

/// Gap (docs/reference/response.md §2.5): baseline skeletal MIBG score 0, relative score undefined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineScoreZero {
    /// Default \[I\]: no ratio; the bone part is not involved and only the
    /// reader's "new MIBG-avid bone site" flag gives PD.
    #[default]
    NotApplicable,
    /// Any skeletal score > 0 at follow-up is PD (ratio taken as infinite).
    AnyScoreIsProgression,
}

/// Gap (docs/reference/response.md §2.3): primary shrinks ≥ 30 % while uptake worsens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrimaryPrUptake {
    /// Default \[I\]: literal PR clause ("uptake stable, improved or resolved")
    /// fails, so SD (unless PD), flagged for review.
    #[default]
    Literal,
    /// PR by size alone (PDQ paraphrase has no uptake clause), flagged.
    SizeOnly,
}

/// The PD size threshold (docs/reference/response.md §2.3 \[I\]): INRC wording "> 20 %" vs
/// RECIST 1.1 "at least 20 %". Both need an absolute increase ≥ 5 mm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PdIncrease {
    /// Default: ≥ 20 % (RECIST 1.1).
    #[default]
    #[serde(rename = "at_least_20")]
    AtLeast20,
    /// > 20 % (INRC wording as recalled).
    #[serde(rename = "more_than_20")]
    MoreThan20,
}

/// Short-axis threshold for a target lymph node in metastatic CR (docs/reference/response.md
/// §2.4 "known discrepancy").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeCr {
    /// Default: < 10 mm (INRC table as recalled, RECIST 1.1).
    #[default]
    #[serde(rename = "below_10mm")]
    Below10Mm,
    /// < 15 mm (NCI PDQ paraphrase).
    #[serde(rename = "below_15mm")]
    Below15Mm,
}

impl NodeCr {
    fn tenths(self) -> i64 {
        match self {
            NodeCr::Below10Mm => CR_RESIDUAL_TENTHS_MM,
            NodeCr::Below15Mm => 150,
        }
    }
}

/// The recalled "≥ 0.1 to ≤ 0.5" parenthetical for the MIBG part of
/// metastatic PR (docs/reference/response.md §2.5 \[I\]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelativeScoreFloor {
    /// Default: 0 < r < 0.1 also qualifies for PR (flagged).
    #[default]
    Ignore,
    /// Literal: 0 < r < 0.1 matches no row, so the bone part (and the
    /// metastatic component) is NE, unclassified. (Mapping it to SD instead
    /// would make a smaller score give a worse category.)
    Literal,
}

/// Comparing MIBG scans of different tracers (docs/reference/response.md §4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TracerPolicy {
    /// Default: only same-tracer scans are compared; otherwise the bone part is NE.
    #[default]
    SameTracerOnly,
    /// Compare 123I with 131I scans (flagged).
    AllowMixed,
}

/// Options of the INRC 2017 classifier: one field per published gap or
/// ambiguity, defaults from docs/reference/response.md. Recorded in every result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Inrc2017Options {
    /// docs/reference/response.md §2.7 gap 1.
    pub all_cr_with_marrow_md: AllCrWithMarrowMd,
    /// docs/reference/response.md §2.7 gap 2.
    pub marrow_md_integration: MarrowMdIntegration,
    /// docs/reference/response.md §2.6 gap (MD after 5 % < b ≤ 20 %).
    pub marrow_md_from_5_to_20: MarrowMdFrom5To20,
    /// docs/reference/response.md §2.5 baseline score 0.
    pub baseline_score_zero: BaselineScoreZero,
    /// docs/reference/response.md §2.3 literal PR uptake clause.
    pub primary_pr_uptake: PrimaryPrUptake,
    /// docs/reference/response.md §2.3 `>` vs `≥` 20 %.
    pub pd_increase: PdIncrease,
    /// docs/reference/response.md §2.4 node CR threshold.
    pub node_cr: NodeCr,
    /// docs/reference/response.md §2.5 "≥ 0.1" parenthetical.
    pub relative_score_floor: RelativeScoreFloor,
    /// docs/reference/response.md §4.3 tracer mixing.
    pub tracers: TracerPolicy,
    /// docs/reference/response.md §2.6 minimum aspirates per time point (Burchill 2017: bilateral, 2).
    pub marrow_min_aspirates: u32,
    /// docs/reference/response.md §2.6 minimum trephines per time point (Burchill 2017: bilateral, 2).
    pub marrow_min_trephines: u32,
}

impl Default for Inrc2017Options {
    fn default() -> Self {
        Self {
            all_cr_with_marrow_md: AllCrWithMarrowMd::default(),
            marrow_md_integration: MarrowMdIntegration::default(),
            marrow_md_from_5_to_20: MarrowMdFrom5To20::default(),
            baseline_score_zero: BaselineScoreZero::default(),
            primary_pr_uptake: PrimaryPrUptake::default(),
            pd_increase: PdIncrease::default(),
            node_cr: NodeCr::default(),
            relative_score_floor: RelativeScoreFloor::default(),
            tracers: TracerPolicy::default(),
            marrow_min_aspirates: 2,
            marrow_min_trephines: 2,
        }
    }
}

/// A gap or ambiguity that decided this result, and how it was resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GapUse {
    /// The gap's option name (a field of [`Inrc2017Options`]).
    pub gap: &'static str,
    /// The resolution applied (`pr (default)`, `sd (option)`, …).
    pub resolution: String,
}

/// The response of one component with its explanation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComponentResult {
    /// The category.
    pub response: ComponentResponse,
    /// For MD: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub md: Option<MdKind>,
    /// The rule trace: which rule gave this category and the numbers it used.
    pub because: String,
}

impl ComponentResult {
    fn new(response: ComponentResponse, because: impl Into<String>) -> Self {
        Self {
            response,
            md: None,
            because: because.into(),
        }
    }
}

/// Numbers behind the classification (for reports; decisions use integers).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Measures {
    /// Primary: sum of longest diameters (JSON: mm).
    #[serde(
        rename = "primary_sum_mm",
        serialize_with = "crate::wire::opt_mm",
        skip_serializing_if = "Option::is_none"
    )]
    pub primary_sum: Option<Length>,
    /// Primary: change vs baseline, %.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_change_vs_baseline_pct: Option<f64>,
    /// Soft-tissue targets: sum of diameters (JSON: mm).
    #[serde(
        rename = "target_sum_mm",
        serialize_with = "crate::wire::opt_mm",
        skip_serializing_if = "Option::is_none"
    )]
    pub target_sum: Option<Length>,
    /// Soft-tissue targets: change vs baseline, %.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_change_vs_baseline_pct: Option<f64>,
    /// MIBG method of the relative score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mibg_method: Option<MibgMethod>,
    /// Skeletal score at this assessment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skeletal_score: Option<ScoreTotal>,
    /// Relative MIBG score (follow-up / baseline skeletal score), when both
    /// totals are exact and the baseline is > 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_mibg_score: Option<f64>,
    /// Highest marrow infiltration over all samples, %.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marrow_max_pct: Option<f64>,
}

/// INRC 2017 result of one follow-up assessment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Assessment2017 {
    /// Date of the follow-up.
    pub date: Date,
    /// Primary tumour (docs/reference/response.md §2.3).
    pub primary: ComponentResult,
    /// Metastatic soft tissue and bone (docs/reference/response.md §2.4, §2.5).
    pub metastatic: ComponentResult,
    /// Bone marrow (docs/reference/response.md §2.6).
    pub marrow: ComponentResult,
    /// Overall response (docs/reference/response.md §2.7).
    pub overall: OverallResponse2017,
    /// Why the overall response is what it is.
    pub overall_because: String,
    /// Numbers used.
    pub measures: Measures,
    /// Gaps and ambiguities that decided this result.
    pub gaps: Vec<GapUse>,
    /// Findings that need a clinician's review.
    pub warnings: Vec<String>,
}

/// CR size limit, tenths of mm: residual primary and non-nodal lesions
/// < 10 mm (docs/reference/response.md §2.3 CR row, §2.4 CR row; RECIST 1.1 measurability).
pub const CR_RESIDUAL_TENTHS_MM: i64 = 100;
/// Minimal absolute increase for size PD, tenths of mm: ≥ 5 mm (docs/reference/response.md
/// §2.3 PD row, §2.4 PD 5; RECIST 1.1).
pub const PD_MIN_INCREASE_TENTHS_MM: i64 = 50;
/// Marrow minimal-disease ceiling and PD threshold from a negative marrow:
/// 5 % (docs/reference/response.md §2.6; Park 2017 abstract \[V2\]: "≤ 5 % … minimal disease").
pub const MARROW_MD_MAX_PCT: f64 = 5.0;
/// Marrow PD threshold from a positive marrow, together with more than
/// twofold: > 20 % (docs/reference/response.md §2.6 PD row \[R\]).
pub const MARROW_PD_MIN_PCT: f64 = 20.0;
/// Marrow MD clause 3: baseline > 20 % falling to 0 < f ≤ 5 % (docs/reference/response.md
/// §2.6 MD row \[R\]; "possibly > 5 %", see [`MarrowMdFrom5To20`]).
pub const MARROW_MD_CLAUSE3_BASELINE_PCT: f64 = 20.0;
/// Marrow PD needs f > this factor × baseline (docs/reference/response.md §2.6 PD row \[R\]).
pub const MARROW_PD_FACTOR: f64 = 2.0;

/// Tenths of a millimetre, rounded (the resolution of CT/MRI callipers).
fn tenths(l: Length) -> i64 {
    (l.mm() * 10.0).round() as i64
}

fn mm(t: i64) -> String {
    if t % 10 == 0 {
        format!("{} mm", t / 10)
    } else {
        format!("{:.1} mm", t as f64 / 10.0)
    }
}

/// Signed percentage change, for text: `−42 %`, `+20 %`.
pub(crate) fn pct(cur: i64, reference: i64) -> String {
    if reference == 0 {
        return "from 0".into();
    }
    let p = (cur - reference) as f64 / reference as f64 * 100.0;
    let s = format!("{:.1}", p.abs());
    let s = s.strip_suffix(".0").unwrap_or(&s).to_string();
    if p < 0.0 {
        format!("−{s} %")
    } else {
        format!("+{s} %")
    }
}

fn pct_value(cur: i64, reference: i64) -> Option<f64> {
    (reference != 0).then(|| (cur - reference) as f64 / reference as f64 * 100.0)
}

/// Is the increase from `nadir` to `cur` a PD size increase (docs/reference/response.md §2.3,
/// docs/reference/response.md §2.4 PD 5; RECIST 1.1): `cur − nadir ≥ 5 mm` and `(cur − nadir)/nadir ≥ 20 %`
/// (or `> 20 %` with [`PdIncrease::MoreThan20`]); all in tenths of mm, so the
/// test is `5·(cur − nadir) ≥ nadir`.
fn size_pd(cur: i64, nadir: i64, rule: PdIncrease) -> bool {
    let inc = cur - nadir;
    let rel = match rule {
        PdIncrease::AtLeast20 => 5 * inc >= nadir,
        PdIncrease::MoreThan20 => 5 * inc > nadir,
    };
    inc >= PD_MIN_INCREASE_TENTHS_MM && rel
}

fn pd_rule_text(rule: PdIncrease) -> &'static str {
    match rule {
        PdIncrease::AtLeast20 => "≥ 20 %",
        PdIncrease::MoreThan20 => "> 20 %",
    }
}

/// ≥ 30 % decrease vs baseline: `10·cur ≤ 7·base` (docs/reference/response.md §2.3, §2.4).
fn size_pr(cur: i64, base: i64) -> bool {
    10 * cur <= 7 * base
}

struct Ctx<'a> {
    rec: &'a PatientRecord,
    i: usize,
    opts: &'a Inrc2017Options,
    gaps: Vec<GapUse>,
    warnings: Vec<String>,
    measures: Measures,
}

impl Ctx<'_> {
    fn gap(&mut self, gap: &'static str, resolution: String) {
        self.gaps.push(GapUse { gap, resolution });
    }
    fn warn(&mut self, w: impl Into<String>) {
        self.warnings.push(w.into());
    }
    /// Assessments before follow-up `i`, baseline first.
    fn history(&self) -> impl Iterator<Item = &crate::record::Assessment> {
        std::iter::once(&self.rec.baseline).chain(self.rec.follow_ups[..self.i].iter())
    }
}

fn primary_sizes(p: &Primary) -> (i64, Vec<i64>) {
    match p {
        Primary::None => (0, vec![0]),
        Primary::Present { diameters, .. } => {
            let v: Vec<i64> = diameters.iter().map(|d| tenths(*d)).collect();
            (v.iter().sum(), v)
        }
    }
}

/// Primary tumour, docs/reference/response.md §2.3.
fn primary(cx: &mut Ctx) -> ComponentResult {
    use ComponentResponse::*;
    let fu = &cx.rec.follow_ups[cx.i];
    let b_sum = match &cx.rec.baseline.primary {
        None => {
            return ComponentResult::new(NE, "NE because the primary was not assessed at baseline");
        }
        Some(Primary::None) => {
            if let Some(Primary::Present { .. }) = &fu.primary {
                cx.warn("primary: recorded at follow-up but absent at baseline; a new soft-tissue lesion must be flagged under new_lesions");
            }
            return ComponentResult::new(
                NI,
                "NI because there was no primary tumour at baseline (resected or not identifiable)",
            );
        }
        Some(p @ Primary::Present { .. }) => primary_sizes(p).0,
    };
    let Some(cur) = &fu.primary else {
        return ComponentResult::new(
            NE,
            "NE because the primary was not assessed at this follow-up",
        );
    };
    let (c_sum, c_each) = primary_sizes(cur);
    let c_uptake = match cur {
        Primary::None => Uptake::Absent,
        Primary::Present { uptake, .. } => *uptake,
    };
    let nadir = cx
        .history()
        .filter_map(|a| a.primary.as_ref())
        .map(|p| primary_sizes(p).0)
        .min()
        .unwrap_or(b_sum);
    cx.measures.primary_sum = Some(Length::from_mm(c_sum as f64 / 10.0));
    cx.measures.primary_change_vs_baseline_pct = pct_value(c_sum, b_sum);
    let rule = cx.opts.pd_increase;
    if size_pd(c_sum, nadir, rule) {
        return ComponentResult::new(
            PD,
            format!(
                "PD because longest diameter {} is {} vs nadir {} ({} needed) and +{} (≥ 5 mm needed)",
                mm(c_sum),
                pct(c_sum, nadir),
                mm(nadir),
                pd_rule_text(rule),
                mm(c_sum - nadir)
            ),
        );
    }
    let small = c_each.iter().all(|&d| d < CR_RESIDUAL_TENTHS_MM);
    if c_uptake == Uptake::NotAssessed {
        // CR and PR need the uptake; SD does not (PD is already excluded).
        if small || size_pr(c_sum, b_sum) {
            return ComponentResult::new(
                NE,
                format!(
                    "NE because uptake at the primary site was not assessed and CR/PR depend on it (longest diameter {}, {} vs baseline, not PD)",
                    mm(c_sum),
                    pct(c_sum, b_sum)
                ),
            );
        }
        return ComponentResult::new(
            SD,
            format!(
                "SD because longest diameter {} ({} vs baseline {}): not a ≥ 30 % decrease, not < 10 mm, and not PD vs nadir {} (uptake not assessed, not needed for SD)",
                mm(c_sum),
                pct(c_sum, b_sum),
                mm(b_sum),
                mm(nadir)
            ),
        );
    }
    if small && c_uptake == Uptake::Absent {
        return ComponentResult::new(
            CR,
            format!(
                "CR because residual {} < 10 mm and uptake at the primary site completely resolved",
                mm(*c_each.iter().max().unwrap_or(&0))
            ),
        );
    }
    let size = format!(
        "longest diameter {} ({} vs baseline {})",
        mm(c_sum),
        pct(c_sum, b_sum),
        mm(b_sum)
    );
    if size_pr(c_sum, b_sum) {
        if c_uptake == Uptake::Worse {
            match cx.opts.primary_pr_uptake {
                PrimaryPrUptake::Literal => {
                    cx.gap("primary_pr_uptake", "literal (default): SD".into());
                    cx.warn("primary: ≥ 30 % shrinkage with worse uptake; classified SD by the literal PR clause, review");
                    return ComponentResult::new(
                        SD,
                        format!(
                            "SD because {size} meets the ≥ 30 % decrease but uptake is worse (PR needs uptake stable, improved or resolved)"
                        ),
                    );
                }
                PrimaryPrUptake::SizeOnly => {
                    cx.gap("primary_pr_uptake", "size_only (option): PR".into());
                    cx.warn(
                        "primary: PR by size although uptake is worse (option size_only), review",
                    );
                    return ComponentResult::new(
                        PR,
                        format!(
                            "PR because {size} ≤ −30 % (uptake worse, ignored by option size_only)"
                        ),
                    );
                }
            }
        }
        let why_not_cr = if small {
            format!("; not CR because uptake is {}", c_uptake.name())
        } else {
            String::new()
        };
        return ComponentResult::new(
            PR,
            format!(
                "PR because {size} ≤ −30 % and uptake {}{why_not_cr}",
                c_uptake.name()
            ),
        );
    }
    ComponentResult::new(
        SD,
        format!(
            "SD because {size}: not a ≥ 30 % decrease, and not PD vs nadir {}",
            mm(nadir)
        ),
    )
}

/// Grade of a metastatic sub-part (soft tissue, bone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sub {
    NotInvolved,
    Cr,
    Pr,
    /// Non-target-only soft tissue, stable or smaller: neither CR nor PD; does
    /// not block PR when another sub-part responds.
    Neutral,
    Sd,
    Pd,
    Ne,
}

fn target_sum(st: &SoftTissue) -> i64 {
    st.targets.iter().map(|t| tenths(t.diameter)).sum()
}

/// Soft-tissue part of the metastatic component (docs/reference/response.md §2.4).
fn soft_part(cx: &mut Ctx) -> (Sub, String) {
    let fu = &cx.rec.follow_ups[cx.i];
    let Some(bst) = &cx.rec.baseline.soft_tissue else {
        return (Sub::Ne, "soft tissue not assessed at baseline".into());
    };
    if bst.non_target == NonTarget::NotAssessed {
        return (
            Sub::Ne,
            "non-target lesions not assessed at baseline".into(),
        );
    }
    if bst.targets.is_empty() && bst.non_target == NonTarget::None {
        return (
            Sub::NotInvolved,
            "no soft-tissue metastases at baseline".into(),
        );
    }
    let Some(st) = &fu.soft_tissue else {
        return (Sub::Ne, "soft tissue not assessed at this follow-up".into());
    };
    let has_targets = !bst.targets.is_empty();
    let (b, c) = (target_sum(bst), target_sum(st));
    let nadir = cx
        .history()
        .filter_map(|a| a.soft_tissue.as_ref())
        .map(target_sum)
        .min()
        .unwrap_or(b);
    let rule = cx.opts.pd_increase;
    if has_targets {
        cx.measures.target_sum = Some(Length::from_mm(c as f64 / 10.0));
        cx.measures.target_change_vs_baseline_pct = pct_value(c, b);
        if size_pd(c, nadir, rule) {
            return (
                Sub::Pd,
                format!(
                    "sum of target diameters {} is {} vs nadir {} ({} needed) and +{} (≥ 5 mm needed)",
                    mm(c),
                    pct(c, nadir),
                    mm(nadir),
                    pd_rule_text(rule),
                    mm(c - nadir)
                ),
            );
        }
    }
    if st.non_target == NonTarget::NotAssessed {
        return (Sub::Ne, "non-target lesions not assessed".into());
    }
    let node_thr = cx.opts.node_cr.tenths();
    let big: Vec<String> = st
        .targets
        .iter()
        .filter(|t| match t.kind {
            LesionKind::Node => tenths(t.diameter) >= node_thr,
            LesionKind::NonNodal => tenths(t.diameter) >= CR_RESIDUAL_TENTHS_MM,
        })
        .map(|t| format!("'{}' {}", t.id, mm(tenths(t.diameter))))
        .collect();
    let nt_resolved = matches!(st.non_target, NonTarget::None | NonTarget::Resolved);
    let nt_ok = st.non_target != NonTarget::Increased;
    if st.uptake == Uptake::NotAssessed
        && nt_resolved
        && (big.is_empty() || st.residual_biopsy_negative)
    {
        return (
            Sub::Ne,
            "soft-tissue lesions at CR size but their uptake was not assessed".into(),
        );
    }
    if st.uptake == Uptake::Absent && nt_resolved {
        if big.is_empty() {
            return (
                Sub::Cr,
                format!(
                    "soft-tissue targets all < 10 mm (nodes < {}), non-targets resolved, uptake resolved",
                    mm(node_thr)
                ),
            );
        }
        if st.residual_biopsy_negative {
            cx.warn(format!(
                "metastatic soft tissue: residual {} counted as CR by the clinician's biopsy-negative override",
                big.join(", ")
            ));
            return (
                Sub::Cr,
                format!(
                    "residual {} biopsy-negative (clinician override), uptake resolved",
                    big.join(", ")
                ),
            );
        }
    }
    if has_targets {
        let size = format!(
            "sum of target diameters {} vs baseline {}",
            pct(c, b),
            mm(b)
        );
        if size_pr(c, b) && nt_ok {
            return (Sub::Pr, format!("{size} (≤ −30 %)"));
        }
        if size_pr(c, b) {
            return (Sub::Sd, format!("{size} but non-target lesions increased"));
        }
        return (Sub::Sd, format!("{size} (not a ≥ 30 % decrease)"));
    }
    if nt_ok {
        (
            Sub::Neutral,
            "non-target soft tissue stable or smaller (no measurable targets)".into(),
        )
    } else {
        (Sub::Sd, "non-target soft tissue increased".into())
    }
}

/// Classification of the MIBG relative score for exact totals (docs/reference/response.md §2.5 table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rel {
    /// Baseline 0, follow-up 0.
    NotInvolved,
    /// Baseline 0, follow-up > 0, policy not-applicable.
    ZeroBaselineRise,
    Resolved,
    Pr,
    /// 0 < r < 0.1 under the literal floor (unclassified).
    BelowFloor,
    Sd,
    Pd,
}

/// Classifies `post / base` with integer comparisons: PD iff `10·post ≥ 12·base`
/// (r ≥ 1.2); PR iff `2·post ≤ base` (r ≤ 0.5); r < 0.1 iff `10·post < base`.
fn rel_class(post: u32, base: u32, o: &Inrc2017Options) -> Rel {
    let (p, b) = (u64::from(post), u64::from(base));
    if b == 0 {
        return match (p, o.baseline_score_zero) {
            (0, _) => Rel::NotInvolved,
            (_, BaselineScoreZero::NotApplicable) => Rel::ZeroBaselineRise,
            (_, BaselineScoreZero::AnyScoreIsProgression) => Rel::Pd,
        };
    }
    if p == 0 {
        Rel::Resolved
    } else if 10 * p >= 12 * b {
        Rel::Pd
    } else if 2 * p <= b {
        if 10 * p < b && o.relative_score_floor == RelativeScoreFloor::Literal {
            Rel::BelowFloor
        } else {
            Rel::Pr
        }
    } else {
        Rel::Sd
    }
}

fn ratio_text(post: u32, base: u32) -> String {
    format!("{:.2}", f64::from(post) / f64::from(base))
}

/// Bone part of the metastatic component (docs/reference/response.md §2.4, §2.5).
fn bone_part(cx: &mut Ctx) -> (Sub, String) {
    let fu = &cx.rec.follow_ups[cx.i];
    let opts = *cx.opts;
    match (&cx.rec.baseline.bone, &fu.bone) {
        (None, _) => (
            Sub::Ne,
            "bone not assessed at baseline (no MIBG/FDG scan)".into(),
        ),
        (Some(Bone::Fdg { avid_lesions: nb }), cur) => {
            let nb = *nb;
            if nb == 0 {
                return (
                    Sub::NotInvolved,
                    "no FDG-avid bone lesions at baseline".into(),
                );
            }
            let Some(Bone::Fdg { avid_lesions: nf }) = cur else {
                return (
                    Sub::Ne,
                    "FDG-PET bone lesions not counted at this follow-up".into(),
                );
            };
            let nf = *nf;
            let t = format!("FDG-avid bone lesions {nf} vs baseline {nb}");
            if nf == 0 {
                (Sub::Cr, format!("{t} (resolved)"))
            } else if 2 * u64::from(nf) <= u64::from(nb) {
                (Sub::Pr, format!("{t} (≥ 50 % reduction)"))
            } else {
                (Sub::Sd, format!("{t} (not a ≥ 50 % reduction)"))
            }
        }
        (
            Some(Bone::Mibg {
                tracer: tb,
                score: sb,
            }),
            cur,
        ) => {
            let m = sb.method();
            let base = sb.skeletal();
            cx.measures.mibg_method = Some(m);
            let Some(Bone::Mibg {
                tracer: tf,
                score: sf,
            }) = cur
            else {
                if base.max == 0 {
                    cx.warn("bone: not rescanned at this follow-up; baseline skeletal score was 0, bone taken as still not involved");
                    return (
                        Sub::NotInvolved,
                        format!("baseline {m} skeletal score 0, not rescanned"),
                    );
                }
                return (Sub::Ne, "no MIBG scan at this follow-up".into());
            };
            let post = sf.skeletal();
            cx.measures.skeletal_score = Some(post);
            // With a baseline score of 0 and the default not-applicable policy no
            // score is compared (bone is not involved; only the reader's new-site
            // flag can give PD), so the tracers need not match.
            let compared = base.max > 0
                || opts.baseline_score_zero == BaselineScoreZero::AnyScoreIsProgression;
            if tb != tf && compared {
                match opts.tracers {
                    TracerPolicy::SameTracerOnly => {
                        cx.gap("tracers", "same_tracer_only (default): bone NE".into());
                        return (
                            Sub::Ne,
                            format!(
                                "MIBG scans differ in tracer (baseline {tb}, follow-up {tf}); scores are compared only between same-tracer scans"
                            ),
                        );
                    }
                    TracerPolicy::AllowMixed => {
                        cx.gap("tracers", "allow_mixed (option)".into());
                        cx.warn(format!(
                            "bone: {tf} scan compared with baseline {tb} scan (option allow_mixed)"
                        ));
                    }
                }
            }
            let best = rel_class(post.min, base.max, &opts);
            let worst = rel_class(post.max, base.min, &opts);
            let ne: Vec<&str> = sb
                .not_assessable()
                .into_iter()
                .chain(sf.not_assessable())
                .collect();
            if best != worst {
                return (
                    Sub::Ne,
                    format!(
                        "{m} skeletal score {post} vs baseline {base}: not-assessable segments ({}) leave the relative score undecided",
                        ne.join(", ")
                    ),
                );
            }
            let (p, b) = (post.max, base.min);
            if post.exact().is_some() && base.exact().is_some() && b > 0 {
                cx.measures.relative_mibg_score = Some(f64::from(p) / f64::from(b));
            }
            let bounded = if ne.is_empty() {
                String::new()
            } else {
                format!(
                    " (whatever the not-assessable segments {} hold)",
                    ne.join(", ")
                )
            };
            let r = if b > 0 {
                format!("relative {m} score {}", ratio_text(p, b))
            } else {
                String::new()
            };
            match best {
                Rel::NotInvolved => (
                    Sub::NotInvolved,
                    format!("baseline {m} skeletal score 0 and still 0"),
                ),
                Rel::ZeroBaselineRise => {
                    cx.gap("baseline_score_zero", "not_applicable (default)".into());
                    if !fu.new_lesions.mibg_avid_bone {
                        cx.warn(format!("bone: {m} skeletal score rose from 0 to {post} without a 'new MIBG-avid bone site' flag; check the record"));
                    }
                    (
                        Sub::NotInvolved,
                        format!(
                            "baseline {m} skeletal score 0: relative score not applicable (now {post}); PD only via a new MIBG-avid bone site"
                        ),
                    )
                }
                Rel::Resolved => (
                    Sub::Cr,
                    format!("{m} skeletal score 0 (MIBG bone uptake resolved){bounded}"),
                ),
                Rel::Pd => {
                    if b == 0 {
                        cx.gap(
                            "baseline_score_zero",
                            "any_score_is_progression (option)".into(),
                        );
                        (
                            Sub::Pd,
                            format!(
                                "{m} skeletal score rose from 0 to {post} (option any_score_is_progression)"
                            ),
                        )
                    } else {
                        (
                            Sub::Pd,
                            format!("{r} ≥ 1.2 ({post} vs baseline {base}){bounded}"),
                        )
                    }
                }
                Rel::Pr => {
                    if 10 * u64::from(p) < u64::from(b) {
                        cx.gap(
                            "relative_score_floor",
                            "ignore (default): 0 < r < 0.1 qualifies for PR".into(),
                        );
                        cx.warn(format!("bone: relative {m} score below 0.1 (the recalled '≥ 0.1 to ≤ 0.5' parenthetical); counted as PR-qualifying"));
                    }
                    (
                        Sub::Pr,
                        format!("{r} ≤ 0.5 ({post} vs baseline {base}){bounded}"),
                    )
                }
                Rel::BelowFloor => {
                    cx.gap(
                        "relative_score_floor",
                        "literal (option): 0 < r < 0.1 unclassified, NE".into(),
                    );
                    (
                        Sub::Ne,
                        format!(
                            "{r} < 0.1 is covered by no row of the literal '≥ 0.1 to ≤ 0.5' (option literal: unclassified)"
                        ),
                    )
                }
                Rel::Sd => (
                    Sub::Sd,
                    format!("{r} between 0.5 and 1.2 ({post} vs baseline {base}){bounded}"),
                ),
            }
        }
    }
}

/// Metastatic soft tissue and bone, docs/reference/response.md §2.4.
fn metastatic(cx: &mut Ctx) -> ComponentResult {
    use ComponentResponse::*;
    let fu = &cx.rec.follow_ups[cx.i];
    let new = fu.new_lesions.pd_reasons();
    if fu.new_lesions.fdg_avid_bone_uncorroborated {
        cx.warn("metastatic: new FDG-avid bone site without CT/MRI or histological corroboration: not PD (docs/reference/response.md §2.4 PD 4), review");
    }
    let (soft, soft_t) = soft_part(cx);
    let (bone, bone_t) = bone_part(cx);
    let parts = format!("soft tissue: {soft_t}; bone: {bone_t}");
    if !new.is_empty() {
        return ComponentResult::new(PD, format!("PD because {} ({parts})", new.join(", ")));
    }
    let mut pd = Vec::new();
    if soft == Sub::Pd {
        pd.push(soft_t.clone());
    }
    if bone == Sub::Pd {
        pd.push(bone_t.clone());
    }
    if !pd.is_empty() {
        return ComponentResult::new(PD, format!("PD because {}", pd.join(" and ")));
    }
    if soft == Sub::Ne || bone == Sub::Ne {
        return ComponentResult::new(NE, format!("NE because {parts}"));
    }
    let inv: Vec<Sub> = [soft, bone]
        .into_iter()
        .filter(|s| *s != Sub::NotInvolved)
        .collect();
    let texts: Vec<String> = [(soft, soft_t), (bone, bone_t)]
        .into_iter()
        .filter(|(s, _)| *s != Sub::NotInvolved)
        .map(|(_, t)| t)
        .collect();
    let why = texts.join(" and ");
    if inv.is_empty() {
        return ComponentResult::new(
            NI,
            format!(
                "NI because no soft-tissue or bone metastases at baseline and none new ({parts})"
            ),
        );
    }
    if inv.iter().all(|s| *s == Sub::Cr) {
        return ComponentResult::new(CR, format!("CR because {why}, no new lesions"));
    }
    let all_ok = inv
        .iter()
        .all(|s| matches!(s, Sub::Cr | Sub::Pr | Sub::Neutral));
    let any_resp = inv.iter().any(|s| matches!(s, Sub::Cr | Sub::Pr));
    if all_ok && any_resp {
        return ComponentResult::new(PR, format!("PR because {why}, no new lesions"));
    }
    ComponentResult::new(SD, format!("SD because {why}, no new lesions"))
}

fn marrow_adequate(m: &Marrow, o: &Inrc2017Options) -> Result<(), String> {
    let (a, t) = (m.count(SampleKind::Aspirate), m.count(SampleKind::Trephine));
    if a < o.marrow_min_aspirates as usize || t < o.marrow_min_trephines as usize {
        Err(format!(
            "{a} aspirate(s) and {t} trephine(s), {} + {} required",
            o.marrow_min_aspirates, o.marrow_min_trephines
        ))
    } else {
        Ok(())
    }
}

/// Sample kinds whose samples do not cover both sides (Burchill 2017:
/// bilateral aspirates and trephines).
fn unilateral(m: &Marrow) -> Vec<&'static str> {
    use crate::record::Side;
    [
        (SampleKind::Aspirate, "aspirates"),
        (SampleKind::Trephine, "trephines"),
    ]
    .into_iter()
    .filter(|(k, _)| {
        let sides = |side| m.samples.iter().any(|s| s.kind == *k && s.side == side);
        m.count(*k) > 0 && !(sides(Side::Left) && sides(Side::Right))
    })
    .map(|(_, n)| n)
    .collect()
}

fn pct_text(p: f64) -> String {
    format!("{p} %")
}

/// Bone marrow, docs/reference/response.md §2.6. `b` and `f` are the highest infiltration
/// over all samples at baseline and at the follow-up.
fn marrow(cx: &mut Ctx) -> ComponentResult {
    use ComponentResponse::*;
    let fu = &cx.rec.follow_ups[cx.i];
    let Some(bm) = &cx.rec.baseline.marrow else {
        return ComponentResult::new(NE, "NE because marrow was not assessed at baseline");
    };
    if let Err(e) = marrow_adequate(bm, cx.opts) {
        return ComponentResult::new(
            NE,
            format!("NE because baseline marrow sampling was inadequate: {e}"),
        );
    }
    let b = bm.max_percent().unwrap_or(0.0);
    let Some(fm) = &fu.marrow else {
        if b == 0.0 {
            cx.warn("marrow: not resampled at this follow-up; negative at baseline, taken as still not involved");
            return ComponentResult::new(
                NI,
                "NI because marrow was negative at baseline and not resampled",
            );
        }
        return ComponentResult::new(NE, "NE because marrow was not assessed at this follow-up");
    };
    let f = fm.max_percent().unwrap_or(0.0);
    cx.measures.marrow_max_pct = Some(f);
    for (when, m) in [("baseline", bm), ("this follow-up", fm)] {
        let one_sided = unilateral(m);
        if !one_sided.is_empty() {
            cx.warn(format!(
                "marrow: {} at {when} not bilateral (Burchill 2017 asks for both sides)",
                one_sided.join(" and ")
            ));
        }
    }
    let bf = format!("tumour {} vs baseline {}", pct_text(f), pct_text(b));
    if b == 0.0 && f > MARROW_MD_MAX_PCT {
        return ComponentResult::new(PD, format!("PD because {bf}: a negative marrow now > 5 %"));
    }
    if b > 0.0 && f > MARROW_PD_FACTOR * b && f > MARROW_PD_MIN_PCT {
        return ComponentResult::new(PD, format!("PD because {bf}: more than twofold and > 20 %"));
    }
    if let Err(e) = marrow_adequate(fm, cx.opts) {
        return ComponentResult::new(
            NE,
            format!("NE because marrow sampling was inadequate ({e}) and PD is not shown ({bf})"),
        );
    }
    if f == 0.0 {
        if b == 0.0 {
            return ComponentResult::new(
                NI,
                "NI because marrow was negative at baseline and is still negative in every sample",
            );
        }
        return ComponentResult::new(
            CR,
            format!(
                "CR because no tumour in any of {} samples (baseline {})",
                fm.samples.len(),
                pct_text(b)
            ),
        );
    }
    let md = |kind: MdKind, why: String| ComponentResult {
        response: MD,
        md: Some(kind),
        because: why,
    };
    if f <= MARROW_MD_MAX_PCT {
        if b == 0.0 {
            cx.warn("marrow: minimal disease in a previously negative marrow; some protocols call this relapse (study-level decision)");
            return md(
                MdKind::New,
                format!(
                    "MD because {bf}: 0 < tumour ≤ 5 % in a previously negative marrow (not PD, which needs > 5 %)"
                ),
            );
        }
        if b <= MARROW_MD_MAX_PCT {
            return md(
                MdKind::Persistent,
                format!("MD because {bf}: 0 < tumour ≤ 5 % (persistent minimal disease)"),
            );
        }
        if b > MARROW_MD_CLAUSE3_BASELINE_PCT {
            return md(
                MdKind::Improved,
                format!("MD because {bf}: baseline > 20 %, now 0 < tumour ≤ 5 %"),
            );
        }
        return match cx.opts.marrow_md_from_5_to_20 {
            MarrowMdFrom5To20::Md => {
                cx.gap("marrow_md_from_5_to_20", "md (default)".into());
                md(
                    MdKind::Improved,
                    format!(
                        "MD because {bf}: baseline 5–20 %, now 0 < tumour ≤ 5 % (gap in the recalled table; default MD)"
                    ),
                )
            }
            MarrowMdFrom5To20::Sd => {
                cx.gap("marrow_md_from_5_to_20", "sd (option)".into());
                ComponentResult::new(
                    SD,
                    format!(
                        "SD because {bf}: baseline 5–20 %, now ≤ 5 % (option sd: only baseline > 20 % gives MD)"
                    ),
                )
            }
        };
    }
    let not_pd = if b == 0.0 {
        String::new()
    } else if f > MARROW_PD_FACTOR * b {
        " (more than twofold but not > 20 %)".into()
    } else if f > MARROW_PD_MIN_PCT {
        " (> 20 % but not more than twofold)".into()
    } else {
        String::new()
    };
    ComponentResult::new(SD, format!("SD because {bf}: still > 5 %{not_pd}"))
}

/// RECIST 1.1 target selection (docs/reference/response.md §2.2), checked once with the
/// first follow-up: nodes need a short axis ≥ 15 mm, other lesions a longest
/// diameter ≥ 10 mm, at most 5 targets. Not errors (legacy data), warnings.
fn baseline_target_warnings(cx: &mut Ctx) {
    let Some(st) = &cx.rec.baseline.soft_tissue else {
        return;
    };
    let mut w = Vec::new();
    for t in &st.targets {
        let (min, what) = match t.kind {
            LesionKind::Node => (150, "node short axis ≥ 15 mm"),
            LesionKind::NonNodal => (CR_RESIDUAL_TENTHS_MM, "longest diameter ≥ 10 mm"),
        };
        if tenths(t.diameter) < min {
            w.push(format!(
                "baseline target '{}' ({}) is not measurable by RECIST 1.1 ({what})",
                t.id,
                mm(tenths(t.diameter))
            ));
        }
    }
    if st.targets.len() > 5 {
        w.push(format!(
            "baseline has {} target lesions; RECIST 1.1 allows at most 5 (2 per organ)",
            st.targets.len()
        ));
    }
    cx.warnings.extend(w);
}

/// Is an MD marrow a response-equivalent under the integration policy?
fn md_is_response(md: Option<MdKind>, o: &Inrc2017Options) -> bool {
    match o.marrow_md_integration {
        // A newly positive marrow (baseline 0) is never a response (docs/reference/response.md §2.7 gap 3),
        // whatever the policy: counting it as one would make a marrow that
        // turns negative again look worse (found by the monotonicity property).
        MarrowMdIntegration::AlwaysResponse => md != Some(MdKind::New),
        MarrowMdIntegration::ByBaseline | MarrowMdIntegration::PrRowAllowsMd => {
            md == Some(MdKind::Improved)
        }
    }
}

/// Overall response from the three components, docs/reference/response.md §2.7 (reference
/// decision procedure plus gap resolutions).
///
/// # Errors
/// `Err` when every component is NI (impossible at entry, docs/reference/response.md §2.7 gap 5).
pub fn overall(
    primary: &ComponentResult,
    metastatic: &ComponentResult,
    marrow: &ComponentResult,
    opts: &Inrc2017Options,
    gaps: &mut Vec<GapUse>,
) -> Result<(OverallResponse2017, String), String> {
    use ComponentResponse::*;
    use OverallResponse2017 as O;
    let comps = [
        ("primary", primary),
        ("metastatic", metastatic),
        ("marrow", marrow),
    ];
    let names = |pred: &dyn Fn(&ComponentResult) -> bool| -> String {
        comps
            .iter()
            .filter(|(_, c)| pred(c))
            .map(|(n, c)| format!("{n} {}", c.response))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if comps.iter().any(|(_, c)| c.response == PD) {
        return Ok((
            O::PD,
            format!("PD because {}", names(&|c| c.response == PD)),
        ));
    }
    if comps.iter().any(|(_, c)| c.response == NE) {
        return Ok((
            O::NE,
            format!(
                "NE because {} not evaluable and no component PD",
                names(&|c| c.response == NE)
            ),
        ));
    }
    let inv: Vec<&(&str, &ComponentResult)> =
        comps.iter().filter(|(_, c)| c.response != NI).collect();
    if inv.is_empty() {
        return Err(
            "no component involved at baseline: evaluable disease is required at entry".into(),
        );
    }
    let ni = names(&|c| c.response == NI);
    let ni = if ni.is_empty() {
        String::new()
    } else {
        format!("; {ni}")
    };
    let resp = |c: &ComponentResult| {
        matches!(c.response, CR | PR) || (c.response == MD && md_is_response(c.md, opts))
    };
    // Option pr_row_allows_md: with a CR/PR elsewhere and no SD, MD does not
    // count as stable (the docs/reference/response.md §2.7 PR row allows marrow MD).
    let md_allowed_by_pr_row = opts.marrow_md_integration == MarrowMdIntegration::PrRowAllowsMd
        && inv.iter().any(|(_, c)| matches!(c.response, CR | PR))
        && !inv.iter().any(|(_, c)| c.response == SD);
    let stab = |c: &ComponentResult| {
        c.response == SD
            || (c.response == MD && !md_is_response(c.md, opts) && !md_allowed_by_pr_row)
    };
    if inv.iter().all(|(_, c)| c.response == CR) {
        return Ok((
            O::CR,
            format!(
                "CR because every involved component is CR ({}){ni}",
                names(&|c| c.response == CR)
            ),
        ));
    }
    // Gap 1: every involved component CR except a marrow MD.
    let marrow_md = marrow.response == MD;
    let others_cr = inv
        .iter()
        .filter(|(n, _)| *n != "marrow")
        .all(|(_, c)| c.response == CR);
    let has_other = inv.iter().any(|(n, _)| *n != "marrow");
    if marrow_md && others_cr && has_other {
        match opts.all_cr_with_marrow_md {
            AllCrWithMarrowMd::Pr => {
                gaps.push(GapUse {
                    gap: "all_cr_with_marrow_md",
                    resolution: "pr (default)".into(),
                });
                return Ok((
                    O::PR,
                    format!(
                        "PR because every other involved component is CR and marrow is MD (gap: all CR with marrow MD, default PR){ni}"
                    ),
                ));
            }
            AllCrWithMarrowMd::Unclassified => {
                gaps.push(GapUse {
                    gap: "all_cr_with_marrow_md",
                    resolution: "unclassified (option): NE".into(),
                });
                return Ok((
                    O::NE,
                    format!(
                        "NE because every other involved component is CR and marrow is MD, which the literal table does not classify (option unclassified){ni}"
                    ),
                ));
            }
            AllCrWithMarrowMd::MarrowPolicy => gaps.push(GapUse {
                gap: "all_cr_with_marrow_md",
                resolution: "marrow_policy (option)".into(),
            }),
        }
    }
    if marrow_md {
        let how = if md_is_response(marrow.md, opts) {
            "response-equivalent"
        } else if md_allowed_by_pr_row {
            "compatible with PR (the PR row allows marrow MD)"
        } else {
            "stable-equivalent"
        };
        let policy = match opts.marrow_md_integration {
            MarrowMdIntegration::ByBaseline => "by_baseline (default)",
            MarrowMdIntegration::AlwaysResponse => "always_response (option)",
            MarrowMdIntegration::PrRowAllowsMd => "pr_row_allows_md (option)",
        };
        gaps.push(GapUse {
            gap: "marrow_md_integration",
            resolution: format!("{policy}: MD counted {how}"),
        });
    }
    let any_resp = inv.iter().any(|(_, c)| resp(c));
    let any_stab = inv.iter().any(|(_, c)| stab(c));
    let r = names(&|c| c.response != NI && resp(c));
    let s = names(&|c| c.response != NI && stab(c));
    if any_resp && !any_stab {
        return Ok((
            O::PR,
            format!("PR because response in {r} and no component stable or progressing{ni}"),
        ));
    }
    if any_resp && any_stab {
        return Ok((
            O::MR,
            format!("MR because response in {r} but stable {s}{ni}"),
        ));
    }
    Ok((
        O::SD,
        format!("SD because {s} and no component responding{ni}"),
    ))
}

/// Classifies every follow-up of `record` by INRC 2017.
///
/// Each follow-up is compared with the baseline (PR, relative MIBG score) and
/// with the nadir of the assessments before it, baseline included (PD).
///
/// # Errors
/// [`RecordError`] if the record fails [`PatientRecord::validate`], or no
/// component is involved at a follow-up (evaluable disease is required at entry).
pub fn assess(
    record: &PatientRecord,
    opts: &Inrc2017Options,
) -> Result<Vec<Assessment2017>, RecordError> {
    record.validate()?;
    (0..record.follow_ups.len())
        .map(|i| assess_one(record, i, opts))
        .collect()
}

fn assess_one(
    record: &PatientRecord,
    i: usize,
    opts: &Inrc2017Options,
) -> Result<Assessment2017, RecordError> {
    let mut cx = Ctx {
        rec: record,
        i,
        opts,
        gaps: Vec::new(),
        warnings: Vec::new(),
        measures: Measures::default(),
    };
    if i == 0 {
        baseline_target_warnings(&mut cx);
    }
    let p = primary(&mut cx);
    let m = metastatic(&mut cx);
    let bm = marrow(&mut cx);
    let (overall, because) = overall(&p, &m, &bm, opts, &mut cx.gaps)
        .map_err(|e| RecordError::new(record.label(None), "baseline", e))?;
    Ok(Assessment2017 {
        date: record.follow_ups[i].date,
        primary: p,
        metastatic: m,
        marrow: bm,
        overall,
        overall_because: because,
        measures: cx.measures,
        gaps: cx.gaps,
        warnings: cx.warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orr_counts_cr_and_pr_only_by_default() {
        use OverallResponse2017 as O;
        let orr: Vec<_> = [O::CR, O::PR, O::MR, O::SD, O::PD, O::NE]
            .iter()
            .map(|r| (r.is_objective_response(), r.is_response_including_mr()))
            .collect();
        assert_eq!(
            orr,
            [
                (true, true),
                (true, true),
                (false, true),
                (false, false),
                (false, false),
                (false, false)
            ]
        );
    }

    #[test]
    fn size_rules_are_exact_at_the_boundaries() {
        // docs/reference/response.md §2.3: PR iff ≥ 30 % decrease: 50 mm → 35 mm is exactly −30 %.
        assert!(size_pr(350, 500));
        assert!(!size_pr(351, 500));
        // docs/reference/response.md §2.3 PD: 25 mm → 30 mm is exactly +20 % and exactly +5 mm.
        assert!(size_pd(300, 250, PdIncrease::AtLeast20));
        assert!(!size_pd(300, 250, PdIncrease::MoreThan20));
        // +20 % but only +4 mm (20 → 24 mm): not PD.
        assert!(!size_pd(240, 200, PdIncrease::AtLeast20));
        // +5 mm but only +10 % (50 → 55 mm): not PD.
        assert!(!size_pd(550, 500, PdIncrease::AtLeast20));
    }

    #[test]
    fn relative_score_boundaries_are_integer_exact() {
        let o = Inrc2017Options::default();
        // docs/reference/response.md §2.5: r = 5/10 = 0.5 exactly → PR; 6/10 → SD; 12/10 = 1.2 → PD; 11/10 → SD.
        assert_eq!(rel_class(5, 10, &o), Rel::Pr);
        assert_eq!(rel_class(6, 10, &o), Rel::Sd);
        assert_eq!(rel_class(12, 10, &o), Rel::Pd);
        assert_eq!(rel_class(11, 10, &o), Rel::Sd);
        // 0.1·3 in floating point is 0.30000000000000004: 7/23 vs 0.3 style traps
        // do not arise; 6/5 = 1.2 exactly → PD.
        assert_eq!(rel_class(6, 5, &o), Rel::Pd);
        assert_eq!(rel_class(0, 5, &o), Rel::Resolved);
        assert_eq!(rel_class(0, 0, &o), Rel::NotInvolved);
        assert_eq!(rel_class(3, 0, &o), Rel::ZeroBaselineRise);
        // r = 1/20 = 0.05 < 0.1
        assert_eq!(rel_class(1, 20, &o), Rel::Pr);
        let lit = Inrc2017Options {
            relative_score_floor: RelativeScoreFloor::Literal,
            ..o
        };
        assert_eq!(rel_class(1, 20, &lit), Rel::BelowFloor);
        // r = 2/20 = 0.1 exactly qualifies under the literal floor.
        assert_eq!(rel_class(2, 20, &lit), Rel::Pr);
    }
}
