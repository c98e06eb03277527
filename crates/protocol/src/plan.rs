//! A patient's plan from weight and height: infusion-1 activity with any cap,
//! the limits on infusion 2, BSA and melphalan dose, the schedule, warnings.

use crate::melphalan::{MelphalanBasis, MelphalanDose, melphalan_dose};
use crate::schedule::ScheduleEntry;
use crate::{Protocol, ValueStatus};
use mibg_units::{AbsorbedDose, Activity, ActivityPerMass, Length, Mass};
use serde::Serialize;

/// Plausible body weight for a patient of this protocol: 2–150 kg \[I\]
/// (children from infancy to adult size; outside it the input is almost
/// certainly a typo or a wrong unit, e.g. pounds or grams).
pub const WEIGHT_RANGE_KG: (f64, f64) = (2.0, 150.0);
/// Plausible height: 40–220 cm \[I\] (catches metres or inches typed as cm).
pub const HEIGHT_RANGE_CM: (f64, f64) = (40.0, 220.0);
/// Body-mass index outside 10–40 kg/m² gives a warning (weight and height
/// probably do not belong together) \[I\].
pub const BMI_WARN_RANGE: (f64, f64) = (10.0, 40.0);
/// Below 10 kg, BSA-based dosing of cytotoxics can cause significant
/// overdoses (Australian paediatric dosing consensus, docs/reference/dosimetry.md §9.1 \[V\]).
pub const BSA_DOSING_CAUTION_BELOW_KG: f64 = 10.0;

/// Default largest relative deviation of a given infusion-1 activity from
/// the protocol's prescription: **±25 %** \[I\]. It admits the usual
/// deliberate reductions (10 instead of 12 mCi/kg is −17 %) and refuses the
/// unit and decimal slips (mCi for MBq is −97 %, ×10 is +900 %); a larger
/// real deviation is accepted only when the user raises the limit.
pub const DEFAULT_MAX_INFUSION1_DEVIATION: f64 = 0.25;

/// A given infusion-1 activity compared with the protocol's prescription.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Infusion1Deviation {
    /// The activity given.
    #[serde(rename = "given_mbq")]
    pub given: Activity,
    /// The protocol's activity for the weight, caps included.
    #[serde(rename = "prescribed_mbq")]
    pub prescribed: Activity,
    /// given / prescribed − 1.
    pub deviation: f64,
    /// The accepted |deviation|.
    pub max_deviation: f64,
    /// The usual slip that would explain the deviation, if one fits (empty
    /// otherwise): the activity in mCi or GBq, a slipped decimal point, the
    /// weight in pounds or with a slipped decimal point.
    pub likely_slip: String,
}

/// A given infusion-1 activity too far from the protocol's prescription.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error(
    "{} MBq ({} mCi) is {} % from the protocol's infusion 1 for this weight ({:.0} MBq), more than ±{:.0} %{}; if this activity was really given, raise the accepted deviation",
    fixed(.0.given.mbq(), 1),
    fixed(.0.given.mci(), 2),
    signed(.0.deviation * 100.0),
    .0.prescribed.mbq(),
    .0.max_deviation * 100.0,
    .0.likely_slip
)]
pub struct Infusion1DeviationError(pub Infusion1Deviation);

/// `v` with `decimals` decimals, or in scientific notation from 10¹⁵ (a
/// fuzz finding: an activity of 1e308 printed as 310 digits).
fn fixed(v: f64, decimals: usize) -> String {
    if v.is_finite() && v.abs() < 1e15 {
        format!("{v:.decimals$}")
    } else {
        crate::plausible::fmt_num(v)
    }
}

/// A deviation in % with its sign, no decimals (scientific from 10¹⁵).
fn signed(v: f64) -> String {
    let s = fixed(v, 0);
    if v >= 0.0 { format!("+{s}") } else { s }
}

/// Names the usual slip that a ratio given/prescribed points to, or "".
/// The prescription is rate × weight, so a slip in either the activity or
/// the weight shows in the ratio: mCi for MBq (1/37), GBq for MBq (1/1000),
/// a weight in pounds (prescribed 2.2046× too high: ratio 0.4536) and
/// decimal slips of either number (10^±1…3).
fn likely_slip(ratio: f64) -> &'static str {
    // Each slip is a factor; accept ±30 % around it (the deviation rule
    // itself is ±25 %, so the bands do not overlap with a correct entry).
    let near = |f: f64| (ratio / f - 1.0).abs() < 0.3;
    if near(1.0 / 37.0) {
        " (an activity in mCi? 1 mCi = 37 MBq)"
    } else if near(37.0) {
        " (converted from mCi twice? the activity in MBq multiplied by 37 again)"
    } else if near(1.0 / 1000.0) {
        " (in GBq? 1 GBq = 1000 MBq)"
    } else if near(LB_PER_KG.recip()) {
        " (a weight in pounds? 1 kg = 2.2046 lb)"
    } else if near(LB_PER_KG) {
        " (a weight converted from pounds twice? 1 kg = 2.2046 lb)"
    } else if near(10.0) || near(100.0) || near(1000.0) || near(0.1) || near(0.01) {
        " (a slipped decimal point in the activity or the weight?)"
    } else {
        ""
    }
}

impl Protocol {
    /// The usual slip behind a given activity far from the prescription:
    /// first the ratio alone ([`likely_slip`]), then a weight typed ×10,
    /// ×1/10 or in pounds whose prescription (caps included) the activity
    /// matches within ±25 % — the caps hide a weight slip from the ratio
    /// (145 kg for 14.5 kg is capped at the course total).
    fn deviation_slip(&self, given: Activity, weight: Mass, prescribed: Activity) -> String {
        let by_ratio = likely_slip(given.mbq() / prescribed.mbq());
        if !by_ratio.is_empty() {
            return by_ratio.to_string();
        }
        for (f, what) in [
            (0.1, "a slipped decimal point in the weight"),
            (10.0, "a slipped decimal point in the weight"),
            (LB_PER_KG.recip(), "a weight in pounds"),
            (LB_PER_KG, "a weight converted from pounds twice"),
        ] {
            let w = Mass::from_kg(weight.kg() * f);
            let p = self.infusion1_activity(w).activity;
            if (given.mbq() / p.mbq() - 1.0).abs() <= DEFAULT_MAX_INFUSION1_DEVIATION {
                return format!(" ({what}? {:.1} kg fits this activity)", w.kg());
            }
        }
        String::new()
    }
}

/// Pounds per kilogram: 1 lb = 0.453 592 37 kg exactly (international
/// yard and pound agreement, 1959).
const LB_PER_KG: f64 = 1.0 / 0.453_592_37;

/// Patient input outside the plausible range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// Weight not finite or outside [`WEIGHT_RANGE_KG`].
    #[error(
        "weight {0} kg: must be a number between {lo} and {hi} kg (plausible patient weight)",
        lo = WEIGHT_RANGE_KG.0,
        hi = WEIGHT_RANGE_KG.1
    )]
    Weight(f64),
    /// Height not finite or outside [`HEIGHT_RANGE_CM`].
    #[error(
        "height {0} cm: must be a number between {lo} and {hi} cm (plausible patient height)",
        lo = HEIGHT_RANGE_CM.0,
        hi = HEIGHT_RANGE_CM.1
    )]
    Height(f64),
    /// A start date whose schedule runs past the last representable date.
    #[error("start date {0}: the schedule would end after 9999-12-31")]
    StartDate(jiff::civil::Date),
}

/// Which limit bound an activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Limit {
    /// `infusion1.max_activity_mbq`.
    Infusion1MaxActivity,
    /// `caps.max_total_activity_gbq` (course total).
    CourseMaxTotalActivity,
    /// `infusion2.max_activity_per_kg_mbq`.
    Infusion2MaxActivityPerKg,
}

/// A cap that reduced an activity. JSON: `limit`, `uncapped_mbq`,
/// `uncapped_mci`, `reason`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(into = "CapAppliedJson")]
pub struct CapApplied {
    /// The limit.
    pub limit: Limit,
    /// The activity before the cap.
    #[serde(rename = "uncapped_mbq")]
    pub uncapped: Activity,
    /// Why, in words.
    pub reason: String,
}

/// Infusion 1 of the plan. JSON: every activity in MBq and in mCi
/// (`activity_mbq`, `activity_mci`, `prescribed_mbq_per_kg`,
/// `prescribed_mci_per_kg`, `given_mbq_per_kg`, `given_mci_per_kg`, `cap`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(into = "Infusion1Json")]
pub struct Infusion1Plan {
    /// The activity to give.
    #[serde(rename = "activity_mbq")]
    pub activity: Activity,
    /// The protocol's prescription per kg.
    #[serde(rename = "prescribed_mbq_per_kg")]
    pub prescribed_per_kg: ActivityPerMass,
    /// The activity given per kg (lower than prescribed when capped).
    #[serde(rename = "given_mbq_per_kg")]
    pub given_per_kg: ActivityPerMass,
    /// The cap that bound, if any.
    pub cap: Option<CapApplied>,
}

/// The bounds infusion 2 will be held to (its activity comes from dosimetry).
/// JSON: activities in MBq and mCi (`max_activity_mci`,
/// `min_worthwhile_activity_mci` beside the `_mbq` fields).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(into = "Infusion2Json")]
pub struct Infusion2Limits {
    /// Target cumulative whole-body dose.
    #[serde(rename = "target_total_wb_gy")]
    pub target_total_wb: AbsorbedDose,
    /// Largest allowed A₂ at the current weight (the dose computation
    /// re-evaluates at the weight on the day of infusion 2).
    #[serde(rename = "max_activity_mbq")]
    pub max_activity: Activity,
    /// Which limit sets `max_activity`.
    pub max_activity_limit: Limit,
    /// Below this A₂, no second infusion is recommended.
    #[serde(rename = "min_worthwhile_activity_mbq")]
    pub min_worthwhile_activity: Activity,
    /// Planned day and allowed window.
    pub day: u32,
    /// Earliest allowed day.
    pub earliest_day: u32,
    /// Latest allowed day.
    pub latest_day: u32,
}

// JSON forms: every activity in MBq and in mCi (1 mCi = 37 MBq, mibg-units),
// so that every front end and document prints the same numbers.

#[derive(Serialize)]
struct CapAppliedJson {
    limit: Limit,
    uncapped_mbq: f64,
    uncapped_mci: f64,
    reason: String,
}

impl From<CapApplied> for CapAppliedJson {
    fn from(c: CapApplied) -> Self {
        Self {
            limit: c.limit,
            uncapped_mbq: c.uncapped.mbq(),
            uncapped_mci: c.uncapped.mci(),
            reason: c.reason,
        }
    }
}

#[derive(Serialize)]
struct Infusion1Json {
    activity_mbq: f64,
    activity_mci: f64,
    prescribed_mbq_per_kg: f64,
    prescribed_mci_per_kg: f64,
    given_mbq_per_kg: f64,
    given_mci_per_kg: f64,
    cap: Option<CapApplied>,
}

impl From<Infusion1Plan> for Infusion1Json {
    fn from(i: Infusion1Plan) -> Self {
        Self {
            activity_mbq: i.activity.mbq(),
            activity_mci: i.activity.mci(),
            prescribed_mbq_per_kg: i.prescribed_per_kg.mbq_per_kg(),
            prescribed_mci_per_kg: i.prescribed_per_kg.mci_per_kg(),
            given_mbq_per_kg: i.given_per_kg.mbq_per_kg(),
            given_mci_per_kg: i.given_per_kg.mci_per_kg(),
            cap: i.cap,
        }
    }
}

#[derive(Serialize)]
struct Infusion2Json {
    target_total_wb_gy: f64,
    max_activity_mbq: f64,
    max_activity_mci: f64,
    max_activity_limit: Limit,
    min_worthwhile_activity_mbq: f64,
    min_worthwhile_activity_mci: f64,
    day: u32,
    earliest_day: u32,
    latest_day: u32,
}

impl From<Infusion2Limits> for Infusion2Json {
    fn from(i: Infusion2Limits) -> Self {
        Self {
            target_total_wb_gy: i.target_total_wb.gy(),
            max_activity_mbq: i.max_activity.mbq(),
            max_activity_mci: i.max_activity.mci(),
            max_activity_limit: i.max_activity_limit,
            min_worthwhile_activity_mbq: i.min_worthwhile_activity.mbq(),
            min_worthwhile_activity_mci: i.min_worthwhile_activity.mci(),
            day: i.day,
            earliest_day: i.earliest_day,
            latest_day: i.latest_day,
        }
    }
}

/// A complete plan for one patient.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// Protocol name.
    pub protocol_name: String,
    /// Protocol source.
    pub protocol_source: String,
    /// Protocol version.
    pub protocol_version: String,
    /// Weight used.
    #[serde(rename = "weight_kg")]
    pub weight: Mass,
    /// Height used.
    #[serde(rename = "height_cm")]
    pub height: Length,
    /// Infusion 1.
    pub infusion1: Infusion1Plan,
    /// Bounds on infusion 2.
    pub infusion2: Infusion2Limits,
    /// Melphalan with BSA.
    pub melphalan: MelphalanDose,
    /// The calendar date of day 0 (infusion 1), when given
    /// ([`Plan::with_start_date`]); absent from the JSON otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<jiff::civil::Date>,
    /// Day-by-day schedule.
    pub schedule: Vec<ScheduleEntry>,
    /// Protocol values marked \[R\], \[I\], \[U\] or unmarked.
    pub unverified_parameters: Vec<ValueStatus>,
    /// Doubtful-but-usable findings.
    pub warnings: Vec<String>,
    /// The complete protocol used, in the file format (for the record).
    pub protocol: Protocol,
}

impl Plan {
    /// The plan with calendar dates: day 0 (infusion 1) on `start`, each
    /// schedule entry and window on `start` + its day (civil days, so a
    /// daylight-saving change does not move a date).
    ///
    /// Example (by hand): start 2026-12-01, infusion 2 on day 14 →
    /// 2026-12-15, window days 12–16 → 2026-12-13 to 2026-12-17.
    pub fn with_start_date(mut self, start: jiff::civil::Date) -> Result<Self, PlanError> {
        let at = |day: u32| {
            start
                .checked_add(jiff::Span::new().days(i64::from(day)))
                .map_err(|_| PlanError::StartDate(start))
        };
        for e in &mut self.schedule {
            e.date = Some(at(e.day)?);
            e.window_dates = match e.window {
                Some((a, b)) => Some((at(a)?, at(b)?)),
                None => None,
            };
        }
        self.start_date = Some(start);
        Ok(self)
    }
}

impl Protocol {
    /// The protocol's infusion-1 activity for a patient of `weight`, with
    /// every cap: `infusion1.activity_per_kg` × weight, reduced to
    /// `infusion1.max_activity` and then to the course total
    /// `caps.max_total_activity` when either is lower; the binding cap is
    /// named. This is the one implementation of the infusion-1 rule: `mibg
    /// plan`, the check of a given activity ([`Protocol::check_infusion1_given`])
    /// and the study report all call it.
    ///
    /// Example (seed, by hand): 20 kg → 444 × 20 = 8880 MBq, no cap;
    /// 130 kg → 444 × 130 = 57 720 MBq, capped at the 40 GBq course total.
    pub fn infusion1_activity(&self, weight: Mass) -> Infusion1Plan {
        let w = weight.kg();
        let rule1 = self.infusion1;
        let uncapped = rule1.activity_per_kg * weight;
        let mut activity = uncapped;
        let mut cap = None;
        if let Some(max) = rule1.max_activity
            && activity > max
        {
            activity = max;
            cap = Some(CapApplied {
                limit: Limit::Infusion1MaxActivity,
                uncapped,
                reason: format!(
                    "{} MBq/kg x {w} kg = {:.0} MBq exceeds infusion1.max_activity_mbq = {:.0} MBq",
                    rule1.activity_per_kg.mbq_per_kg(),
                    uncapped.mbq(),
                    max.mbq()
                ),
            });
        }
        let total_cap = self.caps.max_total_activity;
        if activity > total_cap {
            cap = Some(CapApplied {
                limit: Limit::CourseMaxTotalActivity,
                uncapped,
                reason: format!(
                    "{:.0} MBq exceeds the course total caps.max_total_activity_gbq = {} GBq",
                    activity.mbq(),
                    total_cap.gbq()
                ),
            });
            activity = total_cap;
        }
        Infusion1Plan {
            activity,
            prescribed_per_kg: rule1.activity_per_kg,
            given_per_kg: ActivityPerMass::from_mbq_per_kg(activity.mbq() / w),
            cap,
        }
    }

    /// Checks an infusion-1 activity that was given (or is about to be
    /// entered) against the protocol's prescription for `weight`
    /// ([`Protocol::infusion1_activity`], caps included): the relative
    /// deviation |given / prescribed − 1| must not exceed `max_deviation`
    /// (default [`DEFAULT_MAX_INFUSION1_DEVIATION`]).
    ///
    /// D₁/A₁ does not depend on A₁, so an A₁ entered in the wrong unit
    /// (mCi for MBq: 37× too small) or with a slipped decimal point lowers or
    /// raises D₁ and moves A₂ without any other sign; this check is what
    /// catches it.
    ///
    /// # Errors
    /// [`Infusion1DeviationError`] naming both activities, the deviation and
    /// the probable slip.
    pub fn check_infusion1_given(
        &self,
        given: Activity,
        weight: Mass,
        max_deviation: f64,
    ) -> Result<Infusion1Deviation, Infusion1DeviationError> {
        let prescribed = self.infusion1_activity(weight).activity;
        let deviation = given.mbq() / prescribed.mbq() - 1.0;
        let mut out = Infusion1Deviation {
            given,
            prescribed,
            deviation,
            max_deviation,
            likely_slip: String::new(),
        };
        // 1e-9 absorbs the rounding of a deviation typed exactly at the limit.
        if !(given.mbq().is_finite() && given.mbq() > 0.0) || deviation.abs() > max_deviation + 1e-9
        {
            // (A zero or non-finite activity matches no slip: empty.)
            out.likely_slip = self.deviation_slip(given, weight, prescribed);
            return Err(Infusion1DeviationError(out));
        }
        Ok(out)
    }

    /// The largest second activity the protocol allows, and which limit sets
    /// it: min(`infusion2.max_activity_per_kg` × `weight_at_infusion2`,
    /// `caps.max_total_activity` − `infusion1_activity`), never below 0.
    /// (The whole-body dose cap `caps.max_total_wb` depends on dosimetry and
    /// is applied by the dose computation.) The caps are those of
    /// [`crate::caps`], the one implementation the dose computation uses too.
    ///
    /// Example (seed, by hand): 20 kg after 8880 MBq → min(777 × 20 = 15540,
    /// 40000 − 8880 = 31120) = 15540 MBq, bound by the per-kg cap.
    pub fn max_second_activity(
        &self,
        weight_at_infusion2: Mass,
        infusion1_activity: Activity,
    ) -> (Activity, Limit) {
        let rules = crate::caps::CapRules {
            max_activity_per_kg: Some(self.infusion2.max_activity_per_kg),
            max_total_activity: Some(self.caps.max_total_activity),
            ..crate::caps::CapRules::default()
        };
        let caps = rules.allowed(weight_at_infusion2, infusion1_activity, None);
        // Nothing is wanted beyond the caps here: start above every cap, so
        // the per-kg cap (first in order) binds unless the course cap is lower.
        let (max, binding) = crate::caps::lowest_cap(Activity::from_mbq(f64::INFINITY), &caps);
        let limit = match binding {
            Some(crate::caps::CapKind::MaxTotalActivity) => Limit::CourseMaxTotalActivity,
            _ => Limit::Infusion2MaxActivityPerKg,
        };
        (max, limit)
    }
}

/// Builds the plan for a patient of `weight` and `height` under `protocol`.
///
/// Infusion 1 = `activity_per_kg` × weight, reduced to
/// `infusion1.max_activity` and to `caps.max_total_activity` if either is
/// lower (the plan names the binding cap). The largest allowed A₂ is
/// min(`infusion2.max_activity_per_kg` × weight, course total − A₁).
///
/// # Errors
/// [`PlanError`] when weight or height is outside the plausible range.
pub fn plan(protocol: &Protocol, weight: Mass, height: Length) -> Result<Plan, PlanError> {
    let w = weight.kg();
    if !w.is_finite() || w < WEIGHT_RANGE_KG.0 || w > WEIGHT_RANGE_KG.1 {
        return Err(PlanError::Weight(w));
    }
    let h = height.cm();
    if !h.is_finite() || h < HEIGHT_RANGE_CM.0 || h > HEIGHT_RANGE_CM.1 {
        return Err(PlanError::Height(h));
    }
    let mut warnings = Vec::new();
    let bmi = w / (h / 100.0).powi(2);
    if bmi < BMI_WARN_RANGE.0 || bmi > BMI_WARN_RANGE.1 {
        warnings.push(format!(
            "weight {w} kg and height {h} cm give a body-mass index of {bmi:.1} kg/m2, outside {}-{}: check both values",
            BMI_WARN_RANGE.0, BMI_WARN_RANGE.1
        ));
    }

    // Infusion 1.
    let infusion1 = protocol.infusion1_activity(weight);
    if let Some(c) = &infusion1.cap {
        warnings.push(format!("infusion 1 capped: {}", c.reason));
    }
    let activity = infusion1.activity;

    // Infusion 2 limits.
    let i2 = protocol.infusion2;
    let (max_a2, limit) = protocol.max_second_activity(weight, activity);
    if max_a2 < i2.min_worthwhile_activity {
        warnings.push(format!(
            "the largest allowed infusion 2 ({:.0} MBq) is below the minimum worthwhile activity ({:.0} MBq): a second infusion is unlikely",
            max_a2.mbq(),
            i2.min_worthwhile_activity.mbq()
        ));
    }
    let infusion2 = Infusion2Limits {
        target_total_wb: i2.target_total_wb,
        max_activity: max_a2,
        max_activity_limit: limit,
        min_worthwhile_activity: i2.min_worthwhile_activity,
        day: i2.interval_nominal_days,
        earliest_day: i2.interval_min_days,
        latest_day: i2.interval_max_days,
    };

    // Melphalan.
    let melphalan = melphalan_dose(&protocol.melphalan, weight, height);
    match melphalan.basis {
        MelphalanBasis::SmallChildPerKg { below_weight_kg, .. } => warnings.push(format!(
            "melphalan dosed per kg: weight {w} kg is below melphalan.small_child.below_weight_kg = {} kg (check this rule against the local protocol)",
            below_weight_kg.kg()
        )),
        MelphalanBasis::PerArea { .. } if w < BSA_DOSING_CAUTION_BELOW_KG => warnings.push(format!(
            "melphalan dosed per m2 at {w} kg: BSA dosing below {BSA_DOSING_CAUTION_BELOW_KG} kg can cause significant overdoses (docs/reference/dosimetry.md §9.1); the protocol has no small-child rule"
        )),
        _ => {}
    }

    let unverified_parameters: Vec<ValueStatus> =
        protocol.unverified().into_iter().cloned().collect();
    if !unverified_parameters.is_empty() {
        warnings.push(format!(
            "{} protocol values are not verified against a primary source ([R], [I], [U] or unmarked): review them before clinical use",
            unverified_parameters.len()
        ));
    }

    Ok(Plan {
        protocol_name: protocol.info.name.clone(),
        protocol_source: protocol.info.source.clone(),
        protocol_version: protocol.info.version.clone(),
        weight,
        height,
        infusion1,
        infusion2,
        melphalan,
        start_date: None,
        schedule: protocol.schedule(),
        unverified_parameters,
        warnings,
        protocol: protocol.clone(),
    })
}
