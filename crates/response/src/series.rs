//! A patient's response over time: best overall response (with optional
//! confirmation) and the per-patient endpoints of the seed study (De Ioris
//! 2025; docs/reference/response.md §6), with every threshold a parameter.

use crate::inrc1993::{self, Assessment1993, OverallResponse1993};
use crate::inrc2017::TracerPolicy;
use crate::inrc2017::{self, Assessment2017, Inrc2017Options, OverallResponse2017};
use crate::record::{Assessment, Bone, PatientRecord, Primary, RecordError};
use crate::score::{MibgMethod, ScoreTotal, Tracer};
use jiff::ToSpan;
use jiff::civil::Date;
use mibg_units::Length;
use serde::Serialize;
use std::fmt;

/// A response scale that can be ranked for "best response".
pub trait ResponseCategory: Copy + Ord + fmt::Display {
    /// Progressive disease.
    fn is_progression(self) -> bool;
    /// Not evaluable.
    fn is_not_evaluable(self) -> bool;
    /// The category an unconfirmed response falls back to (SD / NR).
    fn stable() -> Self;
    /// Not evaluable: the best response of a series with no evaluable
    /// follow-up (never imputed as stable, docs/reference/response.md §2.7 gap 4).
    fn not_evaluable() -> Self;
}

impl ResponseCategory for OverallResponse2017 {
    fn is_progression(self) -> bool {
        self == Self::PD
    }
    fn is_not_evaluable(self) -> bool {
        self == Self::NE
    }
    fn stable() -> Self {
        Self::SD
    }
    fn not_evaluable() -> Self {
        Self::NE
    }
}

impl ResponseCategory for OverallResponse1993 {
    fn is_progression(self) -> bool {
        self == Self::PD
    }
    fn is_not_evaluable(self) -> bool {
        self == Self::NE
    }
    fn stable() -> Self {
        Self::NR
    }
    fn not_evaluable() -> Self {
        Self::NE
    }
}

/// Whether a response must be confirmed by a later assessment. INRC defines
/// no confirmation requirement (docs/reference/response.md §2.8 \[I\]); the seed study's rule
/// is unknown (docs/reference/response.md §6), so the default is [`Confirmation::NotRequired`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Confirmation {
    /// Any single assessment counts.
    #[default]
    NotRequired,
    /// A response better than stable counts only at the level reached again
    /// by a later assessment at least `min_days` after it, before progression;
    /// otherwise it counts as stable (SD / NR).
    Required {
        /// Minimum interval to the confirming assessment, days (RECIST 1.1
        /// uses 28).
        min_days: u32,
    },
}

/// Best overall response across the follow-ups.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BestResponse<R> {
    /// The best response.
    pub response: R,
    /// The follow-up that reached it (first one, if several).
    pub date: Option<Date>,
    /// The confirmation rule used.
    pub confirmation: Confirmation,
    /// Explanation.
    pub because: String,
}

/// Best overall response: the best category over the follow-ups up to and
/// including the first PD (later assessments are ignored), ranked
/// CR > (VGPR >) PR > MR > SD/NR > PD; NE assessments are skipped, and the
/// result is NE if no follow-up is evaluable or there is none (docs/reference/response.md
/// §2.8, §6 \[I\]).
///
/// `seq` must be in date order.
pub fn best_response<R: ResponseCategory>(
    seq: &[(Date, R)],
    confirmation: Confirmation,
) -> BestResponse<R> {
    let end = seq
        .iter()
        .position(|(_, r)| r.is_progression())
        .map_or(seq.len(), |p| p + 1);
    let used = &seq[..end];
    let ignored = seq.len() - end;
    let mut best: Option<(Date, R, String)> = None;
    for (k, &(d, r)) in used.iter().enumerate() {
        if r.is_not_evaluable() {
            continue;
        }
        let (level, note) = match confirmation {
            Confirmation::Required { min_days } if r > R::stable() => {
                let earliest = d.saturating_add(i64::from(min_days).days());
                let confirm = used[k + 1..]
                    .iter()
                    .filter(|(d2, r2)| *d2 >= earliest && !r2.is_not_evaluable())
                    .map(|(_, r2)| *r2)
                    .max();
                match confirm {
                    Some(c) if c > R::stable() => {
                        let lvl = r.min(c);
                        (
                            lvl,
                            format!("{r} on {d} confirmed as {lvl} ≥ {min_days} days later"),
                        )
                    }
                    _ => (
                        R::stable(),
                        format!(
                            "{r} on {d} not confirmed ≥ {min_days} days later, counted as {}",
                            R::stable()
                        ),
                    ),
                }
            }
            _ => (r, format!("{r} on {d}")),
        };
        if best.as_ref().is_none_or(|(_, b, _)| level > *b) {
            best = Some((d, level, note));
        }
    }
    let after = if ignored > 0 {
        format!("; {ignored} assessment(s) after the first PD ignored")
    } else {
        String::new()
    };
    match best {
        Some((d, r, note)) => BestResponse {
            response: r,
            date: Some(d),
            confirmation,
            because: format!(
                "best response {note} among {} evaluable follow-up(s) up to the first PD{after}",
                used.iter().filter(|(_, r)| !r.is_not_evaluable()).count()
            ),
        },
        None => {
            // No evaluable follow-up (or none at all): NE. A patient without a
            // follow-up must never count as an evaluable non-responder (SD).
            BestResponse {
                response: R::not_evaluable(),
                date: None,
                confirmation,
                because: if seq.is_empty() {
                    "no follow-up assessments".into()
                } else {
                    "no evaluable follow-up".into()
                },
            }
        }
    }
}

/// Which follow-up the endpoints are read at (docs/reference/response.md §6: "make the time
/// point a parameter"; the seed study's time point is unverified).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize)]
#[serde(tag = "at", content = "date", rename_all = "snake_case")]
pub enum TimePoint {
    /// Default \[I\]: the last follow-up ("after treatment").
    #[default]
    LastFollowUp,
    /// The first follow-up.
    FirstFollowUp,
    /// The follow-up on this date.
    On(Date),
}

/// Which patients form the denominator of the soft-tissue endpoint
/// (docs/reference/response.md §6: ambiguous, a parameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SoftTissueDenominator {
    /// Default \[I\]: patients with measurable soft-tissue disease at baseline.
    #[default]
    WithSoftTissueAtBaseline,
    /// Every patient (no measurable soft tissue counts as below the cut-off).
    AllPatients,
}

/// Parameters of the seed-study endpoints (docs/reference/response.md §5, §6).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct EndpointParams {
    /// SIOPEN cut-off: "score < cut-off" achieved or maintained. Default 7
    /// (De Ioris 2025 abstract; rationale not given \[U\]).
    pub siopen_cutoff: u32,
    /// Largest soft-tissue lesion cut-off: "< cut-off". Default 5 cm
    /// (De Ioris 2025 abstract). JSON: mm.
    #[serde(rename = "soft_tissue_cutoff_mm", serialize_with = "crate::wire::mm")]
    pub soft_tissue_cutoff: Length,
    /// Whether the primary tumour counts as a soft-tissue lesion. Default
    /// true \[I\] (the seed abstract counts "uptake at primary site or at
    /// soft-tissue sites").
    pub soft_tissue_includes_primary: bool,
    /// Denominator of the soft-tissue endpoint.
    pub soft_tissue_denominator: SoftTissueDenominator,
    /// The follow-up the endpoints are read at.
    pub time_point: TimePoint,
}

impl Default for EndpointParams {
    fn default() -> Self {
        Self {
            siopen_cutoff: 7,
            soft_tissue_cutoff: Length::from_cm(5.0),
            soft_tissue_includes_primary: true,
            soft_tissue_denominator: SoftTissueDenominator::default(),
            time_point: TimePoint::default(),
        }
    }
}

/// A per-patient yes/no endpoint with its reason when it cannot be answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CutoffStatus {
    /// Above the cut-off at baseline, below it at the time point.
    Achieved,
    /// Below the cut-off at baseline and at the time point.
    Maintained,
    /// Not below the cut-off at the time point.
    NotAchieved,
    /// The patient is not in the denominator.
    NotApplicable,
    /// Data missing or not assessable.
    NotEvaluable,
}

impl CutoffStatus {
    /// Achieved or maintained.
    pub fn is_below(self) -> bool {
        matches!(self, Self::Achieved | Self::Maintained)
    }
}

/// The seed-study endpoints of one patient (docs/reference/response.md §6).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Endpoints {
    /// The parameters used.
    pub params: EndpointParams,
    /// The follow-up used.
    pub time_point_date: Option<Date>,
    /// SIOPEN skeletal score at baseline.
    pub siopen_before: Option<ScoreTotal>,
    /// SIOPEN skeletal score at the time point.
    pub siopen_after: Option<ScoreTotal>,
    /// Reduction (before − after) / before × 100, when both are exact and before > 0.
    pub siopen_reduction_pct: Option<f64>,
    /// SIOPEN < cut-off achieved or maintained.
    pub siopen_below_cutoff: CutoffStatus,
    /// Largest soft-tissue lesion at the time point, at 0.1 mm resolution (JSON: mm).
    #[serde(
        rename = "largest_soft_tissue_mm",
        serialize_with = "crate::wire::opt_mm"
    )]
    pub largest_soft_tissue: Option<Length>,
    /// Largest soft-tissue lesion < cut-off.
    pub soft_tissue_below_cutoff: CutoffStatus,
    /// Why a status is what it is.
    pub notes: Vec<String>,
}

/// Tenths of a millimetre, rounded (as in INRC 2017, so the < 5 cm boundary is exact).
fn tenths(l: Length) -> i64 {
    (l.mm() * 10.0).round() as i64
}

fn siopen_tracer(a: &Assessment) -> Option<Tracer> {
    match &a.bone {
        Some(Bone::Mibg { tracer, score }) if score.method() == MibgMethod::Siopen => Some(*tracer),
        _ => None,
    }
}

fn siopen(a: &Assessment) -> Option<ScoreTotal> {
    match &a.bone {
        Some(Bone::Mibg { score, .. }) if score.method() == MibgMethod::Siopen => {
            Some(score.skeletal())
        }
        _ => None,
    }
}

/// Largest measured soft-tissue lesion (targets, and primary foci if
/// `with_primary`), or `None` when a needed section was not assessed.
fn largest(a: &Assessment, with_primary: bool) -> Option<Length> {
    let mut m = Length::ZERO;
    if with_primary {
        match &a.primary {
            None => return None,
            Some(Primary::None) => {}
            Some(Primary::Present { diameters, .. }) => {
                for d in diameters {
                    m = m.max(*d);
                }
            }
        }
    }
    for t in &a.soft_tissue.as_ref()?.targets {
        m = m.max(t.diameter);
    }
    Some(m)
}

fn has_soft_tissue(a: &Assessment, with_primary: bool) -> bool {
    let p = with_primary && matches!(a.primary, Some(Primary::Present { .. }));
    let t = a
        .soft_tissue
        .as_ref()
        .is_some_and(|s| !s.targets.is_empty());
    p || t
}

/// Computes the seed-study endpoints of one patient.
///
/// * SIOPEN < cut-off: among patients with a SIOPEN skeletal score > 0 at
///   baseline (bone involvement); `after < cut-off` is Maintained if the
///   baseline was already below, else Achieved. With not-assessable
///   segments the status is decided only if the whole interval of possible
///   totals is on one side.
/// * Largest soft-tissue lesion < cut-off: the largest target diameter
///   (nodes: short axis) and, if chosen, primary focus, at the time point.
pub fn endpoints(record: &PatientRecord, params: &EndpointParams) -> Endpoints {
    endpoints_with_tracers(record, params, TracerPolicy::default())
}

/// [`endpoints`] with an explicit tracer policy (docs/reference/response.md §4.3): by
/// default ([`TracerPolicy::SameTracerOnly`]) a SIOPEN score on a scan of a
/// different tracer from the baseline scan (123I vs 131I) is not compared
/// with it: no reduction, and the < cut-off status is not evaluable, with a
/// note. [`TracerPolicy::AllowMixed`] compares them and says so in a note.
/// [`report_2017`] passes [`Inrc2017Options::tracers`].
pub fn endpoints_with_tracers(
    record: &PatientRecord,
    params: &EndpointParams,
    tracers: TracerPolicy,
) -> Endpoints {
    let mut notes = Vec::new();
    let fu = match params.time_point {
        TimePoint::LastFollowUp => record.follow_ups.last(),
        TimePoint::FirstFollowUp => record.follow_ups.first(),
        TimePoint::On(d) => record.follow_ups.iter().find(|a| a.date == d),
    };
    if fu.is_none() {
        notes.push(format!(
            "no follow-up at the time point ({:?})",
            params.time_point
        ));
    }
    let before = siopen(&record.baseline);
    let after_reading = fu.and_then(siopen);
    let mut after = after_reading;
    if let (Some(tb), Some(tf)) = (siopen_tracer(&record.baseline), fu.and_then(siopen_tracer))
        && tb != tf
    {
        match tracers {
            TracerPolicy::SameTracerOnly => {
                notes.push(format!(
                    "SIOPEN: the scan at the time point is {tf}, the baseline scan {tb}; scores are compared only between same-tracer scans (tracers = same_tracer_only)"
                ));
                after = None;
            }
            TracerPolicy::AllowMixed => notes.push(format!(
                "SIOPEN: {tf} scan at the time point compared with the {tb} baseline scan (tracers = allow_mixed)"
            )),
        }
    }
    let cut = params.siopen_cutoff;
    let siopen_status = match (before, after) {
        (None, _) => {
            notes.push("SIOPEN: no baseline SIOPEN score".into());
            CutoffStatus::NotApplicable
        }
        (Some(b), _) if b.max == 0 => {
            notes.push(
                "SIOPEN: baseline skeletal score 0 (no bone involvement), not in the denominator"
                    .into(),
            );
            CutoffStatus::NotApplicable
        }
        (Some(b), _) if b.min == 0 => {
            notes.push("SIOPEN: baseline score may be 0 (not-assessable segments)".into());
            CutoffStatus::NotEvaluable
        }
        (Some(_), None) => {
            if after_reading.is_none() {
                notes.push("SIOPEN: no SIOPEN score at the time point".into());
            }
            CutoffStatus::NotEvaluable
        }
        (Some(b), Some(a)) => {
            if a.max < cut {
                if b.max < cut {
                    CutoffStatus::Maintained
                } else if b.min >= cut {
                    CutoffStatus::Achieved
                } else {
                    notes.push("SIOPEN: below the cut-off now; baseline side undecided (not-assessable segments), reported as achieved".into());
                    CutoffStatus::Achieved
                }
            } else if a.min >= cut {
                CutoffStatus::NotAchieved
            } else {
                notes.push("SIOPEN: not-assessable segments straddle the cut-off".into());
                CutoffStatus::NotEvaluable
            }
        }
    };
    let reduction = match (
        before.and_then(ScoreTotal::exact),
        after.and_then(ScoreTotal::exact),
    ) {
        (Some(b), Some(a)) if b > 0 => Some((f64::from(b) - f64::from(a)) / f64::from(b) * 100.0),
        _ => None,
    };
    let with_p = params.soft_tissue_includes_primary;
    let eligible = has_soft_tissue(&record.baseline, with_p);
    let big = fu.and_then(|a| largest(a, with_p));
    let soft_status = if !eligible
        && params.soft_tissue_denominator == SoftTissueDenominator::WithSoftTissueAtBaseline
    {
        notes.push(
            "soft tissue: no measurable soft-tissue lesion at baseline, not in the denominator"
                .into(),
        );
        CutoffStatus::NotApplicable
    } else {
        match big {
            None => {
                notes.push("soft tissue: not measured at the time point".into());
                CutoffStatus::NotEvaluable
            }
            Some(l) if tenths(l) < tenths(params.soft_tissue_cutoff) => {
                let was = largest(&record.baseline, with_p).unwrap_or(Length::ZERO);
                if tenths(was) < tenths(params.soft_tissue_cutoff) {
                    CutoffStatus::Maintained
                } else {
                    CutoffStatus::Achieved
                }
            }
            Some(_) => CutoffStatus::NotAchieved,
        }
    };
    Endpoints {
        params: *params,
        time_point_date: fu.map(|a| a.date),
        siopen_before: before,
        siopen_after: after_reading,
        siopen_reduction_pct: reduction,
        siopen_below_cutoff: siopen_status,
        largest_soft_tissue: big.map(|l| Length::from_mm(tenths(l) as f64 / 10.0)),
        soft_tissue_below_cutoff: soft_status,
        notes,
    }
}

/// Options for a patient's series.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct SeriesOptions {
    /// Confirmation of responses for best overall response.
    pub confirmation: Confirmation,
    /// Endpoint parameters.
    pub endpoints: EndpointParams,
}

/// A patient's INRC 2017 report: every follow-up, best response, endpoints.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report2017 {
    /// Patient.
    pub patient: String,
    /// `INRC 2017` (PCDC: "INRC, Park 2017").
    pub criteria: &'static str,
    /// Baseline date.
    pub baseline_date: Date,
    /// Options used.
    pub options: Inrc2017Options,
    /// Per follow-up.
    pub assessments: Vec<Assessment2017>,
    /// Best overall response.
    pub best: BestResponse<OverallResponse2017>,
    /// Seed-study endpoints.
    pub endpoints: Endpoints,
}

/// A patient's INRC 1993 report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report1993 {
    /// Patient.
    pub patient: String,
    /// `INRC 1993` (PCDC: "INRC, Brodeur 1993").
    pub criteria: &'static str,
    /// Baseline date.
    pub baseline_date: Date,
    /// Per follow-up.
    pub assessments: Vec<Assessment1993>,
    /// Best overall response.
    pub best: BestResponse<OverallResponse1993>,
    /// Seed-study endpoints.
    pub endpoints: Endpoints,
}

/// Classifies a patient by INRC 2017 and summarises the series.
///
/// # Errors
/// See [`inrc2017::assess`].
pub fn report_2017(
    record: &PatientRecord,
    opts: &Inrc2017Options,
    series: &SeriesOptions,
) -> Result<Report2017, RecordError> {
    let assessments = inrc2017::assess(record, opts)?;
    let seq: Vec<_> = assessments.iter().map(|a| (a.date, a.overall)).collect();
    Ok(Report2017 {
        patient: record.patient.clone(),
        criteria: "INRC 2017",
        baseline_date: record.baseline.date,
        options: *opts,
        best: best_response(&seq, series.confirmation),
        endpoints: endpoints_with_tracers(record, &series.endpoints, opts.tracers),
        assessments,
    })
}

/// Classifies a patient by INRC 1993 and summarises the series.
///
/// # Errors
/// See [`inrc1993::assess`].
pub fn report_1993(
    record: &PatientRecord,
    series: &SeriesOptions,
) -> Result<Report1993, RecordError> {
    let assessments = inrc1993::assess(record)?;
    let seq: Vec<_> = assessments.iter().map(|a| (a.date, a.overall)).collect();
    Ok(Report1993 {
        patient: record.patient.clone(),
        criteria: "INRC 1993",
        baseline_date: record.baseline.date,
        best: best_response(&seq, series.confirmation),
        endpoints: endpoints(record, &series.endpoints),
        assessments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use OverallResponse2017::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn best_stops_at_first_pd() {
        // docs/reference/response.md §2.8 [I]: best response across assessments before PD.
        let seq = [
            (d("2024-02-01"), SD),
            (d("2024-03-01"), PD),
            (d("2024-04-01"), CR),
        ];
        let b = best_response(&seq, Confirmation::NotRequired);
        assert_eq!(b.response, SD);
        assert!(
            b.because
                .contains("1 assessment(s) after the first PD ignored")
        );
    }

    #[test]
    fn ne_is_skipped_and_only_all_ne_gives_ne() {
        let seq = [(d("2024-02-01"), NE), (d("2024-03-01"), PR)];
        assert_eq!(best_response(&seq, Confirmation::NotRequired).response, PR);
        let seq = [(d("2024-02-01"), NE)];
        assert_eq!(best_response(&seq, Confirmation::NotRequired).response, NE);
    }

    #[test]
    fn no_follow_up_is_not_evaluable_not_stable() {
        // docs/reference/response.md §2.7 gap 4 "do not impute" and §6 (ORR over evaluable patients): a
        // patient with no follow-up has no response to rank, so NE; SD would
        // put them in the ORR denominator as an evaluable non-responder.
        let b = best_response::<OverallResponse2017>(&[], Confirmation::NotRequired);
        assert_eq!((b.response, b.date), (NE, None));
        let b = best_response::<OverallResponse1993>(&[], Confirmation::NotRequired);
        assert_eq!(b.response, OverallResponse1993::NE);
    }

    #[test]
    fn confirmation_downgrades_unconfirmed_responses() {
        let c = Confirmation::Required { min_days: 28 };
        // CR confirmed only as PR 35 days later → PR.
        let seq = [(d("2024-02-01"), CR), (d("2024-03-07"), PR)];
        assert_eq!(best_response(&seq, c).response, PR);
        // PR followed after 27 days only → not confirmed → SD.
        let seq = [(d("2024-02-01"), PR), (d("2024-02-28"), PR)];
        assert_eq!(best_response(&seq, c).response, SD);
        // exactly 28 days → confirmed.
        let seq = [(d("2024-02-01"), PR), (d("2024-02-29"), PR)];
        assert_eq!(best_response(&seq, c).response, PR);
    }
}
