//! The clinical act "assess the dosimetry of infusion 1 and propose the
//! second activity" (issue 10 section 1; issue 9 items 1–2): from readings already
//! parsed, weights, activities, the protocol and the options, one typed,
//! serialisable result: the plausibility gate, the fit and D₁, A₂ with every
//! cap, its 95 % interval, radiation protection after the infusion (with the
//! residual of infusion 1), and the delivered total after infusion 2.
//!
//! Every rule comes from a science crate: the infusion-1 rule and its
//! deviation check from `mibg-protocol`, the gate, fit, D₁ and caps from
//! `mibg-dosimetry`, the residual curve and the release rule from
//! `mibg-radprot`. This module composes them, in this order:
//!
//! 1. the options; the infusion-1 activity against the protocol's
//!    prescription for the weight ([`Protocol::check_infusion1_given`]);
//! 2. the physical checks of the readings ([`gate::inspect_readings`]); a
//!    failure refuses before any fit;
//! 3. the fit, D₁, A₂ and the bootstrap ([`mibg_dosimetry::assess`]);
//! 4. the fit checks ([`gate::inspect_fit`]); every finding that blames a
//!    reading gets "the result without this reading"; an unaccepted finding
//!    refuses ([`DosimetryError::Refused`]);
//! 5. the same for the readings after infusion 2, if given;
//! 6. radiation protection after the last infusion;
//! 7. with family options, the restriction period of every contact pattern
//!    over the whole course (infusion 1, then infusion 2 planned or given)
//!    and the family's instruction sheet ([`crate::family`]).
//!
//! No file paths: readings carry their source label and physical lines, so
//! a cohort loop calls this function per patient.

use crate::{gate_limits, second_activity_rules};
use mibg_dosimetry::administered::{
    AdministeredActivity, AdministeredError, AdministeredInput, administered_activity,
};
use mibg_dosimetry::gate::{
    self, BootstrapTally, Check, Finding, GateRefusal, GateReport, Inspection, WithoutReading,
};
use mibg_dosimetry::plan::CapCheck;
use mibg_dosimetry::{
    Decision, DoseAssessment, DoseError, DoseRequest, FitOptions, ModelChoice, ModelKind,
    PhysicalBoundPolicy, PredictionVariant, Readings, RetentionFit, SModel, SecondActivityRules,
    SecondInfusionDose, Selection, TailMethod, UncertaintyOptions, assess, assess_second,
};
use mibg_protocol::Protocol;
use mibg_protocol::plan::{Infusion1Deviation, Infusion1DeviationError, WEIGHT_RANGE_KG};
use mibg_radprot::{
    CaregiverEstimate, ConstraintKind, ContactEnd, ContactPattern, DistanceLaw, DoseConstraint,
    DoseRatePoint, RadProtError, ReleaseRule, RetentionCurve, WithResidual,
};
use mibg_units::{
    AbsorbedDose, Activity, ActivityPerMass, DosePerActivity, DoseRate, Hours, Length, Mass,
    SValue, TimeIntegratedActivity,
};
use serde::Serialize;

/// What the readings' unit is, for the dose rate at 1 m.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadingUnit {
    /// Any activity-proportional unit: the dose rate at 1 m is estimated
    /// from activity × the protocol's dose-rate constant × self-attenuation.
    #[default]
    Arbitrary,
    /// The readings are µSv/h at 1 m: the measured pre-void reading, scaled
    /// by activity, gives the dose rate at 1 m.
    #[serde(rename = "usv-h-1m")]
    UsvPerHourAt1m,
}

/// The planned contact of a caregiver from the release time on.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ContactPlan {
    /// Distance from the patient (default 1 m \[I\], the reference distance
    /// of the readings; inverse-square scaling).
    #[serde(rename = "distance_cm")]
    pub distance: Length,
    /// Hours per day at that distance (default 6 h/day \[I\]: a design
    /// choice, not a published pattern).
    #[serde(rename = "hours_per_day_h")]
    pub hours_per_day: Hours,
}

impl Default for ContactPlan {
    fn default() -> Self {
        Self {
            distance: Length::from_m(1.0),
            hours_per_day: Hours::new(6.0),
        }
    }
}

/// Every option of the assessment, with its documented default.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DosimetryOptions {
    /// Cumulative whole-body target (default: the protocol's).
    pub target: Option<AbsorbedDose>,
    /// Largest relative deviation of the infusion-1 activity from the
    /// protocol's prescription for the weight
    /// ([`mibg_protocol::plan::DEFAULT_MAX_INFUSION1_DEVIATION`]).
    pub max_activity_deviation: f64,
    /// Largest relative weight change between the infusions
    /// ([`mibg_dosimetry::DEFAULT_MAX_WEIGHT_CHANGE`]).
    pub max_weight_change: f64,
    /// Earliest accepted last reading
    /// ([`mibg_dosimetry::DEFAULT_MIN_LAST_READING_H`]).
    pub min_last_reading: Hours,
    /// Retention model.
    pub model: ModelChoice,
    /// Fit options.
    pub fit: FitOptions,
    /// Whole-body S model.
    pub s_model: SModel,
    /// Prediction of the infusion-2 dose per activity.
    pub prediction: PredictionVariant,
    /// Bootstrap (`None`: delta method only). At least 100 replicates.
    pub uncertainty: Option<UncertaintyOptions>,
    /// The readings' unit, for the dose rate at 1 m.
    pub reading_unit: ReadingUnit,
    /// Caregiver contact from release.
    pub contact: ContactPlan,
    /// How dose rate falls with distance, for every contact dose and for
    /// converting readings taken at 1–3 m to 1 m (default: Cormack &
    /// Shearer 1.5 power, [`DistanceLaw`]).
    pub distance_law: DistanceLaw,
    /// Distance at which dose-rate readings in µSv/h were taken (1–3 m,
    /// default 1 m), with [`ReadingUnit::UsvPerHourAt1m`].
    pub reading_distance: Length,
    /// Restriction periods for the family (contact patterns, clock times of
    /// the infusions); `None`: not computed.
    pub family: Option<crate::family::FamilyOptions>,
    /// Compute radiation protection after the last infusion (the study
    /// report does not need it).
    pub radiation_protection: bool,
    /// Plausibility checks accepted by name for this assessment (a
    /// physicist's override; recorded in the result and its warnings).
    pub accept: Vec<Check>,
    /// How the protocol is named in the result (default: its name).
    pub protocol_label: Option<String>,
    /// The tolerance above the pre-void reading the readings were parsed
    /// with (recorded only).
    pub above_pre_void_tolerance: f64,
}

impl Default for DosimetryOptions {
    fn default() -> Self {
        Self {
            target: None,
            max_activity_deviation: mibg_protocol::plan::DEFAULT_MAX_INFUSION1_DEVIATION,
            max_weight_change: mibg_dosimetry::DEFAULT_MAX_WEIGHT_CHANGE,
            min_last_reading: Hours::new(mibg_dosimetry::DEFAULT_MIN_LAST_READING_H),
            model: ModelChoice::Auto,
            fit: FitOptions::default(),
            s_model: SModel::default(),
            prediction: PredictionVariant::SameTau,
            uncertainty: Some(UncertaintyOptions::default()),
            reading_unit: ReadingUnit::Arbitrary,
            contact: ContactPlan::default(),
            distance_law: DistanceLaw::default(),
            reading_distance: Length::from_m(1.0),
            family: None,
            radiation_protection: true,
            accept: Vec::new(),
            protocol_label: None,
            above_pre_void_tolerance: mibg_dosimetry::readings::DEFAULT_ABOVE_PRE_VOID_TOLERANCE,
        }
    }
}

/// The readings and activity of infusion 2, for its delivered dose.
#[derive(Clone, Debug, PartialEq)]
pub struct SecondInfusionInput {
    /// Readings after infusion 2 (parsed, with their source and lines).
    pub readings: Readings,
    /// The activity actually given: a net activity, or the hot-lab record
    /// from which [`administered_activity`] computes it
    /// (`Activity::into()` for a net activity).
    pub activity: AdministeredInput,
}

/// The inputs of one patient's course dosimetry.
#[derive(Clone, Debug, PartialEq)]
pub struct CourseInput {
    /// Readings after infusion 1 (parsed, with their source and lines).
    pub readings1: Readings,
    /// Weight at infusion 1.
    pub weight1: Mass,
    /// Activity given at infusion 1: a net activity, or the hot-lab record
    /// from which [`administered_activity`] computes the net activity
    /// (docs/reference/dosimetry.md §3.4; `Activity::into()` for a net
    /// activity).
    pub activity1: AdministeredInput,
    /// Weight on the day of infusion 2 (default: `weight1`).
    pub weight2: Option<Mass>,
    /// Infusion 2 as given, for the delivered total.
    pub second: Option<SecondInfusionInput>,
}

/// An assessment that cannot be made or may not prescribe.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DosimetryError {
    /// An option outside its range.
    #[error("{option} {value}: {rule}")]
    Option {
        /// The option.
        option: &'static str,
        /// Its value.
        value: f64,
        /// The rule.
        rule: String,
    },
    /// The infusion-1 activity is too far from the protocol's prescription
    /// for the weight (a unit or decimal slip of the activity or the weight).
    #[error(
        "infusion-1 activity {} MBq at {} kg ({protocol}): {error}",
        mibg_protocol::plausible::fmt_typed(*activity_mbq),
        mibg_protocol::plausible::fmt_typed(*weight_kg)
    )]
    Infusion1Deviation {
        /// The activity given, MBq.
        activity_mbq: f64,
        /// The weight, kg.
        weight_kg: f64,
        /// The protocol's label.
        protocol: String,
        /// The check's error (deviation and probable slip).
        error: Infusion1DeviationError,
    },
    /// The plausibility gate refused the readings (boxed: the report is large).
    #[error(transparent)]
    Refused(Box<GateRefusal>),
    /// The dosimetry itself failed (weights, readings too short, fit, S).
    #[error(transparent)]
    Dose(#[from] DoseError),
    /// Radiation protection could not be computed.
    #[error("radiation protection: {0}")]
    RadiationProtection(#[from] RadProtError),
    /// The hot-lab record of an infusion breaks a rule.
    #[error("administered activity of infusion {infusion}: {error}")]
    Administered {
        /// 1 or 2.
        infusion: u8,
        /// The rule and the field.
        error: AdministeredError,
    },
}

/// One fitted parameter.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Parameter {
    /// `a`, `lambda_per_h`, …
    pub name: String,
    /// Its value.
    pub value: f64,
    /// Its standard error (covariance).
    pub standard_error: Option<f64>,
    /// `1/h` or `1`.
    pub unit: String,
}

/// The 95 % interval of the plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Interval95 {
    /// How the intervals were obtained.
    pub method: String,
    /// D₁.
    pub absorbed_dose_gy: Option<[f64; 2]>,
    /// A₂ (caps applied).
    pub second_activity_mbq: Option<[f64; 2]>,
    /// A₂ in mCi.
    pub second_activity_mci: Option<[f64; 2]>,
    /// The predicted total with the planned A₂.
    pub predicted_total_gy: Option<[f64; 2]>,
    /// τ.
    pub tau_h: Option<[f64; 2]>,
    /// Delta-method SE of D₁.
    pub absorbed_dose_se_delta_gy: Option<f64>,
    /// Delta-method SE of the uncapped A₂.
    pub second_activity_se_delta_mbq: Option<f64>,
    /// P(D₁ + D₂ > target + margin) over the bootstrap replicates.
    pub p_total_exceeds_target_plus_margin: Option<f64>,
    /// target + margin.
    pub overshoot_threshold_gy: f64,
}

/// One row of the dose-rate table after the infusion.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DoseRateRow {
    /// Day after the infusion.
    pub day: f64,
    /// Time, retained activity, dose rate at 1 m.
    #[serde(flatten)]
    pub point: DoseRatePoint,
}

/// Radiation protection after the last infusion.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RadiationProtectionReport {
    /// Which infusion the section is about (1 or 2).
    pub infusion: u8,
    /// Activity of that infusion.
    #[serde(rename = "activity_mbq")]
    pub activity: Activity,
    /// The same in mCi.
    pub activity_mci: f64,
    /// Whether the curve is measured or assumed equal to infusion 1.
    pub curve: String,
    /// How the dose rate at 1 m at t = 0 was obtained.
    pub initial_dose_rate_method: String,
    /// Dose rate at 1 m at t = 0 (residual of infusion 1 included).
    #[serde(rename = "initial_dose_rate_usv_h_at_1m")]
    pub initial_dose_rate: DoseRate,
    /// Retained activity and dose rate at 1 m on the days of [`TABLE_DAYS`].
    pub dose_rate_at_1m: Vec<DoseRateRow>,
    /// The release rule.
    #[serde(rename = "release_threshold_usv_h")]
    pub release_threshold: DoseRate,
    /// When it is met.
    #[serde(rename = "release_time_h")]
    pub release_time: Option<Hours>,
    /// Which criterion decided, or why none did.
    pub release_note: Option<String>,
    /// The stem-cell-return rule.
    #[serde(rename = "stem_cell_return_threshold_usv_h")]
    pub stem_cell_return_threshold: DoseRate,
    /// When it is met.
    #[serde(rename = "stem_cell_return_time_h")]
    pub stem_cell_return_time: Option<Hours>,
    /// Which criterion decided, or why none did.
    pub stem_cell_return_note: Option<String>,
    /// Caregiver dose from the release time on, for the planned contact.
    pub caregiver: Option<CaregiverEstimate>,
    /// Activity of infusion 1 still in the body at infusion 2 and included
    /// in the predicted retained activity and dose rates (planning only;
    /// `None` when the curve is measured after infusion 2, whose readings
    /// contain it).
    #[serde(rename = "residual_infusion1_mbq")]
    pub residual_infusion1: Option<Activity>,
    /// Warnings of this section.
    pub warnings: Vec<String>,
}

/// The delivered dose of infusion 2, in the result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AfterSecond {
    /// The net administered activity of infusion 2 and how it was obtained.
    pub administered2: AdministeredActivity,
    /// Activity given at infusion 2 (the net administered activity).
    #[serde(rename = "activity2_mbq")]
    pub activity2: Activity,
    /// The same in mCi.
    pub activity2_mci: f64,
    /// Model of the infusion-2 fit.
    pub model: ModelKind,
    /// τ₂.
    #[serde(rename = "tau_h")]
    pub tau: Hours,
    /// Ã₂.
    #[serde(rename = "tia_gbq_h", serialize_with = "gbq_h")]
    pub tia: TimeIntegratedActivity,
    /// D₂ delivered.
    #[serde(rename = "absorbed_dose2_gy")]
    pub dose2: AbsorbedDose,
    /// D₂/A₂ measured.
    #[serde(rename = "dose_per_activity2_gy_per_gbq")]
    pub dose_per_activity2: DosePerActivity,
    /// D₂ predicted for the activity given.
    #[serde(rename = "predicted_dose2_gy")]
    pub predicted_dose2: AbsorbedDose,
    /// D₁ + D₂.
    #[serde(rename = "delivered_total_gy")]
    pub delivered_total: AbsorbedDose,
    /// D₁ + A₂·d₂,pred.
    #[serde(rename = "planned_total_gy")]
    pub planned_total: AbsorbedDose,
    /// The target.
    #[serde(rename = "target_total_gy")]
    pub target_total: AbsorbedDose,
    /// Delivered − planned.
    #[serde(rename = "difference_gy")]
    pub difference: AbsorbedDose,
    /// The plausibility gate on the infusion-2 readings.
    pub plausibility: GateReport,
    /// Warnings of the infusion-2 fit.
    pub warnings: Vec<String>,
    /// Every intermediate.
    pub details: SecondInfusionDose,
}

/// The options as used (recorded in the result).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OptionsUsed {
    /// The readings' source label.
    pub readings: String,
    /// Weight at infusion 1.
    #[serde(rename = "weight_kg")]
    pub weight1: Mass,
    /// Weight at infusion 2.
    #[serde(rename = "weight2_kg")]
    pub weight2: Mass,
    /// Accepted relative weight change.
    pub max_weight_change: f64,
    /// Accepted relative deviation of A₁.
    pub max_activity_deviation: f64,
    /// Earliest last reading.
    #[serde(rename = "min_last_reading_h")]
    pub min_last_reading: Hours,
    /// A₁.
    #[serde(rename = "activity_mbq")]
    pub activity1: Activity,
    /// A₁ in mCi.
    pub activity_mci: f64,
    /// `auto`, `mono`, `bi` or `trapezoid`.
    pub model: String,
    /// Trapezoid tail.
    pub tail: TailMethod,
    /// Readings of the log-linear tail.
    pub tail_points: usize,
    /// Physical-bound policy.
    pub physical_bound: PhysicalBoundPolicy,
    /// S model name.
    pub s_model: String,
    /// d₂ prediction.
    pub prediction: PredictionVariant,
    /// The protocol's label.
    pub protocol: String,
    /// The rules of the second activity.
    pub rules: SecondActivityRules,
    /// Bootstrap replicates (0 = delta method only).
    pub bootstrap_replicates: usize,
    /// Bootstrap seed.
    pub seed: u64,
    /// Tolerance above the pre-void reading of the parser.
    pub above_pre_void_tolerance: f64,
    /// The readings' unit.
    pub reading_unit: ReadingUnit,
    /// Caregiver distance, m.
    pub contact_distance_m: f64,
    /// Caregiver hours per day.
    pub contact_hours_per_day: f64,
    /// Distance law of every contact dose and reading conversion.
    pub distance_law: DistanceLaw,
    /// Distance of the dose-rate readings, m.
    pub reading_distance_m: f64,
    /// Plausibility checks accepted by name.
    pub accept: Vec<Check>,
}

/// The course dosimetry of one patient: everything `mibg dose` prints,
/// `--json` serialises, and the study report and the application show.
/// Units are in the field names.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CourseDosimetry {
    /// The net administered activity of infusion 1 and how it was obtained
    /// (hot-lab assay, decay factors and residual, or as given).
    pub administered1: AdministeredActivity,
    /// The infusion-1 activity compared with the protocol's prescription.
    pub infusion1_check: Option<Infusion1Deviation>,
    /// The plausibility gate on the infusion-1 readings (passed, or failed
    /// and accepted by name).
    pub plausibility: GateReport,
    /// The chosen model.
    pub model: ModelKind,
    /// Why.
    pub model_selection: Selection,
    /// Fitted parameters with standard errors.
    pub parameters: Vec<Parameter>,
    /// Effective half-lives of the components, h.
    pub effective_half_lives_h: Vec<f64>,
    /// R² (None for the trapezoid).
    pub r_squared: Option<f64>,
    /// Residuals R_i − R̂(t_i).
    pub residuals: Vec<f64>,
    /// τ.
    #[serde(rename = "tau_h")]
    pub tau: Hours,
    /// SE(τ).
    #[serde(rename = "tau_se_h")]
    pub tau_se: Option<Hours>,
    /// Ã₁.
    #[serde(rename = "tia_gbq_h", serialize_with = "gbq_h")]
    pub tia: TimeIntegratedActivity,
    /// Fraction of τ after the last reading.
    pub extrapolated_fraction: f64,
    /// The S model in words.
    pub s_model: String,
    /// S(m₁).
    #[serde(rename = "s_value_gy_per_gbq_h")]
    pub s_value1: SValue,
    /// S(m₂).
    #[serde(rename = "s_value2_gy_per_gbq_h")]
    pub s_value2: SValue,
    /// D₁.
    #[serde(rename = "absorbed_dose_gy")]
    pub dose1: AbsorbedDose,
    /// D₁/A₁.
    #[serde(rename = "dose_per_activity_gy_per_gbq")]
    pub dose_per_activity1: DosePerActivity,
    /// Give a second infusion or not.
    pub decision: Decision,
    /// The decision in one sentence.
    pub statement: String,
    /// A₂ (0 when none).
    #[serde(rename = "second_activity_mbq")]
    pub second_activity: Activity,
    /// A₂ in mCi.
    pub second_activity_mci: f64,
    /// A₂ per kg at the infusion-2 weight.
    #[serde(rename = "second_activity_mbq_per_kg")]
    pub second_activity_per_kg: ActivityPerMass,
    /// (target − D₁)/d₂ before caps.
    #[serde(rename = "second_activity_uncapped_mbq")]
    pub second_activity_uncapped: Activity,
    /// The cap that bound, if any.
    pub binding_cap: Option<String>,
    /// Every cap.
    pub caps: Vec<CapCheck>,
    /// d₂,pred.
    #[serde(rename = "dose_per_activity2_gy_per_gbq")]
    pub dose_per_activity2: DosePerActivity,
    /// A₂·d₂.
    #[serde(rename = "predicted_dose2_gy")]
    pub predicted_dose2: AbsorbedDose,
    /// D₁ + A₂·d₂.
    #[serde(rename = "predicted_total_gy")]
    pub predicted_total: AbsorbedDose,
    /// The target.
    #[serde(rename = "target_gy")]
    pub target: AbsorbedDose,
    /// 95 % intervals.
    pub interval95: Interval95,
    /// Radiation protection after the last infusion.
    pub radiation_protection: Option<RadiationProtectionReport>,
    /// Restriction periods and the instruction sheet for the family.
    pub family: Option<crate::family::FamilyReport>,
    /// The delivered dose of infusion 2.
    pub after_second: Option<AfterSecond>,
    /// Every warning (readings, fit, plan, radiation protection, infusion 2,
    /// accepted plausibility overrides).
    pub warnings: Vec<String>,
    /// How the result was reached, step by step.
    pub explanation: Vec<String>,
    /// The options used.
    pub options: OptionsUsed,
    /// Every intermediate of infusion 1 (for renderers; not serialised,
    /// its content is above).
    #[serde(skip)]
    pub assessment: DoseAssessment,
}

/// A time-integrated activity in GBq·h (the wire unit of `tia_gbq_h`).
fn gbq_h<S: serde::Serializer>(v: &TimeIntegratedActivity, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(v.gbq_h())
}

/// Days of the dose-rate table.
pub const TABLE_DAYS: [f64; 8] = [0.0, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 14.0];

/// The largest bootstrap count accepted. Efron & Tibshirani (1993, *An
/// Introduction to the Bootstrap*, sections 13.3 and 19.3) find B = 1000–2000
/// enough for percentile intervals; 100 000 is 50 times that and runs in
/// seconds, while a slipped count (200 000 000 for 200, a fuzz finding)
/// ran for hours. \[I\]
pub const MAX_BOOTSTRAP_REPLICATES: usize = 100_000;

fn option_error(option: &'static str, value: f64, rule: impl Into<String>) -> DosimetryError {
    DosimetryError::Option {
        option,
        value,
        rule: rule.into(),
    }
}

fn check_options(o: &DosimetryOptions) -> Result<(), DosimetryError> {
    let positive = |name: &'static str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            Err(option_error(name, v, "must be a finite number > 0"))
        }
    };
    if let Some(t) = o.target {
        positive("target (Gy)", t.gy())?;
    }
    positive("maximum activity deviation", o.max_activity_deviation)?;
    positive("caregiver distance (m)", o.contact.distance.m())?;
    positive("caregiver hours per day", o.contact.hours_per_day.hours())?;
    if o.contact.hours_per_day.hours() > 24.0 {
        return Err(option_error(
            "caregiver hours per day",
            o.contact.hours_per_day.hours(),
            "must be <= 24",
        ));
    }
    let rd = o.reading_distance.m();
    let (lo, hi) = mibg_radprot::READING_DISTANCE_RANGE_M;
    if !(rd.is_finite() && (lo..=hi).contains(&rd)) {
        return Err(option_error(
            "reading distance (m)",
            rd,
            "readings are converted to 1 m from 1 m to 3 m only",
        ));
    }
    if rd != 1.0 && o.reading_unit != ReadingUnit::UsvPerHourAt1m {
        return Err(option_error(
            "reading distance (m)",
            rd,
            "applies to readings in µSv/h only (reading unit usv-h-1m)",
        ));
    }
    if let Some(u) = o.uncertainty
        && u.replicates < 100
    {
        return Err(option_error(
            "bootstrap replicates",
            u.replicates as f64,
            "use none (delta method only) or at least 100 replicates for a 95 % interval",
        ));
    }
    if let Some(u) = o.uncertainty
        && u.replicates > MAX_BOOTSTRAP_REPLICATES
    {
        return Err(option_error(
            "bootstrap replicates",
            u.replicates as f64,
            format!(
                "at most {MAX_BOOTSTRAP_REPLICATES} (1000–2000 suffice for a percentile interval; a count this large is a slip and would run for hours)"
            ),
        ));
    }
    if let PredictionVariant::Factor { c } = o.prediction {
        positive("prediction factor", c)?;
    }
    Ok(())
}

/// The result without reading `k` of infusion 1: the whole chain again
/// (no bootstrap), for the gate's findings.
fn without_infusion1(
    readings: &Readings,
    k: usize,
    expected: Option<f64>,
    req: &DoseRequest,
    actual: Option<Activity>,
) -> WithoutReading {
    let Some(sub) = gate::readings_without(readings, k, expected) else {
        return WithoutReading {
            model: None,
            tau: None,
            absorbed_dose: None,
            second_activity: None,
            delivered_total: None,
            statement: "cannot be computed (too few readings remain, or the pre-void reading cannot be replaced)".into(),
        };
    };
    let mut r = req.clone();
    r.uncertainty = None;
    match assess(&sub, &r) {
        Ok(a) => {
            let a2 = match a.plan.decision {
                Decision::SecondInfusion => format!(
                    "A2 = {:.0} MBq ({:.1} mCi)",
                    a.plan.activity_mbq.mbq(),
                    a.plan.activity_mbq.mci()
                ),
                Decision::NoSecondInfusion => "no second infusion".to_string(),
            };
            let instead = match actual {
                None => String::new(),
                Some(x) if x > Activity::ZERO => format!(" instead of {:.0} MBq", x.mbq()),
                Some(_) if a.plan.decision == Decision::SecondInfusion => {
                    " instead of no second infusion".to_string()
                }
                Some(_) => " either".to_string(),
            };
            WithoutReading {
                model: Some(a.fit.model),
                tau: Some(a.tau_h),
                absorbed_dose: Some(a.dose1),
                second_activity: Some(a.plan.activity_mbq),
                delivered_total: None,
                statement: format!(
                    "{a2}{instead} (D1 = {:.2} Gy, τ = {:.1} h, {} model)",
                    a.dose1.gy(),
                    a.tau_h.hours(),
                    a.fit.model.name()
                ),
            }
        }
        Err(e) => WithoutReading {
            model: None,
            tau: None,
            absorbed_dose: None,
            second_activity: None,
            delivered_total: None,
            statement: format!("cannot be computed: {e}"),
        },
    }
}

/// The result without reading `k` of infusion 2: its delivered total.
fn without_infusion2(
    first: &DoseAssessment,
    readings: &Readings,
    k: usize,
    expected: Option<f64>,
    activity2: Activity,
) -> WithoutReading {
    let none = |statement: String| WithoutReading {
        model: None,
        tau: None,
        absorbed_dose: None,
        second_activity: None,
        delivered_total: None,
        statement,
    };
    let Some(sub) = gate::readings_without(readings, k, expected) else {
        return none("cannot be computed (too few readings remain, or the pre-void reading cannot be replaced)".into());
    };
    match assess_second(first, &sub, activity2) {
        Ok(s) => WithoutReading {
            model: Some(s.fit.model),
            tau: Some(s.tau_h),
            absorbed_dose: Some(s.dose2),
            second_activity: None,
            delivered_total: Some(s.delivered_total),
            statement: format!(
                "D2 = {:.2} Gy, delivered total {:.2} Gy (τ2 = {:.1} h, {} model)",
                s.dose2.gy(),
                s.delivered_total.gy(),
                s.tau_h.hours(),
                s.fit.model.name()
            ),
        },
        Err(e) => none(format!("cannot be computed: {e}")),
    }
}

/// Fills "the result without this reading" for every finding that blames a
/// reading.
fn counterfactuals(
    findings: &mut [Finding],
    readings: &Readings,
    f: impl Fn(usize, Option<f64>) -> WithoutReading,
) {
    for finding in findings.iter_mut() {
        let Some(r) = &finding.reading else { continue };
        let Some(k) = readings.readings.iter().position(|x| x.row == r.row) else {
            continue;
        };
        let expected = (k == 0).then_some(finding.expected_retention).flatten();
        finding.without_reading = Some(f(k, expected));
    }
}

fn refuse(report: GateReport, context: &str) -> DosimetryError {
    DosimetryError::Refused(Box::new(GateRefusal {
        report,
        context: Some(context.to_string()),
    }))
}

fn tally(a: &DoseAssessment, requested: Option<UncertaintyOptions>) -> Option<BootstrapTally> {
    requested.map(|u| BootstrapTally {
        requested: u.replicates,
        successful: a.uncertainty.as_ref().map_or(0, |x| x.successful),
    })
}

/// Runs the gate on one series: the physical checks, then (if they pass or
/// are accepted) the fit and the fit checks. Returns the fit's result and
/// the report, or the refusal.
fn gated<T>(
    readings: &Readings,
    limits: &gate::GateLimits,
    accept: &[Check],
    context: &str,
    fit: impl FnOnce() -> Result<T, DosimetryError>,
    fit_checks: impl FnOnce(&T) -> Inspection,
    without: impl Fn(Option<&T>, usize, Option<f64>) -> WithoutReading,
) -> Result<(T, GateReport), DosimetryError> {
    let physical = gate::inspect_readings(readings, limits);
    let physical_report = physical
        .clone()
        .into_report(&readings.source, limits, accept);
    if physical_report.refused {
        let mut report = physical_report;
        counterfactuals(&mut report.findings, readings, |k, e| without(None, k, e));
        return Err(refuse(
            report,
            &format!("{context}; the fit checks were not run"),
        ));
    }
    let value = fit()?;
    let mut ins = physical;
    ins.merge(fit_checks(&value));
    let mut report = ins.into_report(&readings.source, limits, accept);
    counterfactuals(&mut report.findings, readings, |k, e| {
        without(Some(&value), k, e)
    });
    if report.refused {
        return Err(refuse(report, context));
    }
    Ok((value, report))
}

/// Assesses the dosimetry of a course: infusion 1 (D₁, A₂ with caps and
/// interval), the plausibility gate, radiation protection after the last
/// infusion and, when infusion 2 was given and measured, its delivered
/// total.
///
/// # Errors
/// [`DosimetryError::Option`] for options out of range;
/// [`DosimetryError::Infusion1Deviation`] when the activity of infusion 1 is
/// too far from the protocol's prescription for the weight;
/// [`DosimetryError::Refused`] when a plausibility check fails and is not
/// accepted (the report names the reading, the likely slip and the result
/// without that reading); [`DosimetryError::Dose`] for the dosimetry's own
/// errors (implausible weight or weight change, readings too short, fit
/// errors, S model out of range); [`DosimetryError::RadiationProtection`].
pub fn assess_course_dosimetry(
    input: &CourseInput,
    protocol: &Protocol,
    options: &DosimetryOptions,
) -> Result<CourseDosimetry, DosimetryError> {
    check_options(options)?;
    let label = options
        .protocol_label
        .clone()
        .unwrap_or_else(|| protocol.info.name.clone());
    let limits = gate_limits(protocol);
    // 0. The net administered activities (hot-lab assay decayed to the
    //    start of the infusion minus the residual), the one rule.
    let administered1 = administered_activity(&input.activity1)
        .map_err(|error| DosimetryError::Administered { infusion: 1, error })?;
    let administered2 = match &input.second {
        Some(s2) => Some(
            administered_activity(&s2.activity)
                .map_err(|error| DosimetryError::Administered { infusion: 2, error })?,
        ),
        None => None,
    };
    let activity1 = administered1.net;
    // 1. The activity of infusion 1 against the protocol (an implausible
    //    weight is reported by the dosimetry itself, first).
    let w = input.weight1.kg();
    let infusion1_check = if (WEIGHT_RANGE_KG.0..=WEIGHT_RANGE_KG.1).contains(&w) {
        Some(
            protocol
                .check_infusion1_given(activity1, input.weight1, options.max_activity_deviation)
                .map_err(|error| DosimetryError::Infusion1Deviation {
                    activity_mbq: activity1.mbq(),
                    weight_kg: w,
                    protocol: label.clone(),
                    error,
                })?,
        )
    } else {
        None
    };
    let mut req = DoseRequest::new(input.weight1, activity1);
    req.mass2 = input.weight2;
    req.max_weight_change = options.max_weight_change;
    req.min_last_reading = options.min_last_reading;
    req.model = options.model;
    req.fit = options.fit;
    req.s_model = options.s_model.clone();
    req.prediction = options.prediction;
    req.rules = second_activity_rules(protocol, options.target);
    req.uncertainty = options.uncertainty;

    // 2–4. Infusion 1 through the gate.
    let readings1 = &input.readings1;
    let (a, plausibility) = gated(
        readings1,
        &limits,
        &options.accept,
        "infusion 1",
        || Ok(assess(readings1, &req)?),
        |a: &DoseAssessment| {
            let mut ins = gate::inspect_fit(
                readings1,
                &a.fit,
                &req.fit,
                &limits,
                tally(a, req.uncertainty),
            );
            let flagged: Vec<usize> = ins
                .findings
                .iter()
                .filter_map(|f| f.reading.as_ref().map(|r| r.row))
                .collect();
            ins.merge(gate::inspect_total_uncertainty(a, &limits));
            ins.merge(gate::inspect_influence(a, &flagged, &limits));
            ins
        },
        |a: Option<&DoseAssessment>, k, e| {
            without_infusion1(readings1, k, e, &req, a.map(|a| a.plan.activity_mbq))
        },
    )?;

    // 5. Infusion 2 through the gate.
    let second = match (&input.second, &administered2) {
        (Some(s2), Some(adm2)) => {
            let a2 = adm2.net;
            let (s, report) = gated(
                &s2.readings,
                &limits,
                &options.accept,
                "infusion 2",
                || Ok(assess_second(&a, &s2.readings, a2)?),
                |s: &SecondInfusionDose| {
                    gate::inspect_fit(&s2.readings, &s.fit, &req.fit, &limits, None)
                },
                |_, k, e| without_infusion2(&a, &s2.readings, k, e, a2),
            )?;
            Some((s, report))
        }
        _ => None,
    };

    // 6. Radiation protection after the last infusion.
    let rp = if options.radiation_protection {
        Some(radiation_protection_after(
            protocol,
            &a,
            second.as_ref().map(|s| &s.0),
            options,
        )?)
    } else {
        None
    };
    // 7. The family's restriction periods over the course.
    let family = match &options.family {
        Some(f) => Some(family_after(
            protocol,
            &a,
            second.as_ref().map(|s| &s.0),
            options,
            f,
        )?),
        None => None,
    };

    let mut d = assemble(
        &a,
        (administered1, administered2),
        infusion1_check,
        plausibility,
        second,
        rp,
        options,
        label,
    );
    if let Some(f) = &family {
        d.warnings
            .extend(f.warnings.iter().map(|w| format!("family: {w}")));
    }
    d.family = family;
    Ok(d)
}

/// Radiation protection after infusion 2 when it was measured, after a
/// planned infusion 2 (infusion-1 kinetics, plus the residual of infusion 1)
/// when one is planned, otherwise after infusion 1.
fn radiation_protection_after(
    protocol: &Protocol,
    a: &DoseAssessment,
    second: Option<&SecondInfusionDose>,
    o: &DosimetryOptions,
) -> Result<RadiationProtectionReport, DosimetryError> {
    let a1 = a.request.activity1;
    let pre_void1 = a.readings.readings[0].net;
    match (second, a.plan.decision) {
        (Some(s), _) => radiation_protection(
            protocol,
            &s.fit,
            2,
            s.activity2,
            "fitted to the infusion-2 readings".into(),
            s.readings.readings[0].net,
            s.activity2,
            o,
            None,
        ),
        (None, Decision::SecondInfusion) => {
            let days = protocol.infusion2.interval_nominal_days;
            let gap = Hours::from_days(f64::from(days));
            let a2 = a.plan.activity_mbq;
            let curve = WithResidual::same_kinetics(&a.fit, a1, a2, gap)?;
            let residual = curve.residual(a2);
            radiation_protection(
                protocol,
                &curve,
                2,
                a2,
                format!(
                    "infusion-1 retention assumed for infusion 2, plus {:.1} MBq of infusion 1 left after the protocol's {days}-day interval",
                    residual.mbq()
                ),
                pre_void1,
                a1,
                o,
                Some(residual),
            )
        }
        (None, _) => radiation_protection(
            protocol,
            &a.fit,
            1,
            a1,
            "fitted to the infusion-1 readings".into(),
            pre_void1,
            a1,
            o,
            None,
        ),
    }
}

/// The dose rate at 1 m at the end of an infusion of `activity` alone:
/// measured (the pre-void reading, converted from the reading distance to
/// 1 m by the distance law, scaled by activity) or estimated (activity ×
/// Γ × self-attenuation), with how it was obtained.
fn initial_rate(
    protocol: &Protocol,
    o: &DosimetryOptions,
    pre_void_reading: f64,
    activity_of_readings: Activity,
    activity: Activity,
) -> Result<(DoseRate, String), DosimetryError> {
    let rp = &protocol.radiation_protection;
    Ok(match o.reading_unit {
        ReadingUnit::UsvPerHourAt1m => {
            let read = DoseRate::from_usv_per_h(pre_void_reading);
            let at1m = o.distance_law.to_1m(read, o.reading_distance)?;
            let distance = if o.reading_distance.m() == 1.0 {
                "at 1 m".to_string()
            } else {
                format!(
                    "at {} m = {:.2} µSv/h at 1 m ({})",
                    o.reading_distance.m(),
                    at1m.usv_per_h(),
                    o.distance_law.describe()
                )
            };
            (
                mibg_radprot::initial_dose_rate_from_reading(at1m, activity_of_readings, activity)?,
                format!(
                    "measured: pre-void reading {pre_void_reading} µSv/h {distance} after {} scaled to {}",
                    activity_of_readings.describe(),
                    activity.describe()
                ),
            )
        }
        ReadingUnit::Arbitrary => (
            mibg_radprot::initial_dose_rate_from_activity(
                activity,
                rp.dose_rate_constant,
                rp.self_attenuation_factor,
            )?,
            format!(
                "estimated: {} × Γ {} µSv·m²/(MBq·h) × self-attenuation {} (protocol)",
                activity.describe(),
                rp.dose_rate_constant.usv_m2_per_mbq_h(),
                rp.self_attenuation_factor
            ),
        ),
    })
}

/// The family's restriction periods over the course: infusion 1 with its
/// fit, then infusion 2 measured (its readings contain the residual of
/// infusion 1) or planned (infusion-1 kinetics plus the residual).
fn family_after(
    protocol: &Protocol,
    a: &DoseAssessment,
    second: Option<&SecondInfusionDose>,
    o: &DosimetryOptions,
    f: &crate::family::FamilyOptions,
) -> Result<crate::family::FamilyReport, DosimetryError> {
    use crate::family::PeriodInput;
    let a1 = a.request.activity1;
    let pre_void1 = a.readings.readings[0].net;
    let (d1, m1) = initial_rate(protocol, o, pre_void1, a1, a1)?;
    let mut periods = vec![PeriodInput {
        curve: &a.fit,
        initial: d1,
        method: m1,
        activity: a1,
        curve_text: "fitted to the infusion-1 readings".into(),
    }];
    let gap = match (&f.infusion2_end, second, a.plan.decision) {
        (Some(e2), _, _) => {
            let g = e2
                .timestamp()
                .duration_since(f.infusion1_end.timestamp())
                .as_secs_f64()
                / 3600.0;
            Hours::new(g)
        }
        _ => Hours::from_days(f64::from(protocol.infusion2.interval_nominal_days)),
    };
    let planned;
    match (second, a.plan.decision) {
        (Some(s), _) => {
            let (d2, m2) = initial_rate(
                protocol,
                o,
                s.readings.readings[0].net,
                s.activity2,
                s.activity2,
            )?;
            periods.push(PeriodInput {
                curve: &s.fit,
                initial: d2,
                method: m2,
                activity: s.activity2,
                curve_text: "fitted to the infusion-2 readings (residual of infusion 1 included)"
                    .into(),
            });
        }
        (None, Decision::SecondInfusion) => {
            let a2 = a.plan.activity_mbq;
            if gap.hours() <= 0.0 {
                return Err(option_error(
                    "end of infusion 2 (h after infusion 1)",
                    gap.hours(),
                    "must be after the end of infusion 1",
                ));
            }
            planned = WithResidual::same_kinetics(&a.fit, a1, a2, gap)?;
            let (d2, m2) = initial_rate(protocol, o, pre_void1, a1, a2)?;
            let residual = planned.residual(a2);
            periods.push(PeriodInput {
                curve: &planned,
                initial: d2,
                method: m2,
                activity: a2,
                curve_text: format!(
                    "planned: infusion-1 retention assumed, plus {:.1} MBq of infusion 1 left after {:.0} h",
                    residual.mbq(),
                    gap.hours()
                ),
            });
        }
        (None, _) => {}
    }
    crate::family::assess_family(&periods, protocol, o.distance_law, f)
}

#[allow(clippy::too_many_arguments)]
fn radiation_protection(
    protocol: &Protocol,
    curve: &dyn RetentionCurve,
    infusion: u8,
    activity: Activity,
    curve_text: String,
    pre_void_reading: f64,
    activity_of_readings: Activity,
    o: &DosimetryOptions,
    residual: Option<Activity>,
) -> Result<RadiationProtectionReport, DosimetryError> {
    let rp = &protocol.radiation_protection;
    // Dose rate at 1 m of the infusion's activity alone at t = 0 …
    let (d_alone, mut method) = initial_rate(
        protocol,
        o,
        pre_void_reading,
        activity_of_readings,
        activity,
    )?;
    // … the curve carries the residual of infusion 1 (R(0) > 1), so the
    // rate at t = 0 is that of A₂ plus the residual.
    let initial = d_alone * curve.retention(Hours::ZERO);
    if let Some(r) = residual {
        method = format!(
            "{method}, × (A2 + {:.1} MBq residual of infusion 1)/A2",
            r.mbq()
        );
    }
    let times: Vec<Hours> = TABLE_DAYS.iter().map(|&d| Hours::from_days(d)).collect();
    let table = mibg_radprot::dose_rate_table(curve, d_alone, activity, &times)?
        .into_iter()
        .zip(TABLE_DAYS)
        .map(|(point, day)| DoseRateRow { day, point })
        .collect();
    let horizon = mibg_radprot::RELEASE_HORIZON;
    let release = mibg_radprot::release_time(
        curve,
        d_alone,
        activity,
        &ReleaseRule {
            dose_rate_at_1m: rp.patient_release_at_1m,
            max_retained: rp.patient_release_max_retained,
        },
        horizon,
    )?;
    let stem = mibg_radprot::release_time(
        curve,
        d_alone,
        activity,
        &ReleaseRule {
            dose_rate_at_1m: rp.stem_cell_return_at_1m,
            max_retained: rp.stem_cell_return_max_retained,
        },
        horizon,
    )?;
    let mut warnings = Vec::new();
    let caregiver = match release.time {
        Some(start) => {
            let pattern = ContactPattern {
                distance: o.contact.distance,
                hours_per_day: o.contact.hours_per_day,
                start,
                end: ContactEnd::Indefinite,
                law: o.distance_law,
            };
            let constraint = DoseConstraint::with_limit(
                ConstraintKind::Caregiver,
                rp.caregiver_constraint,
                format!(
                    "protocol caregiver constraint {} mSv per episode (docs/reference/dosimetry.md §8.4)",
                    rp.caregiver_constraint.msv()
                ),
            );
            let est = mibg_radprot::caregiver_dose(curve, d_alone, &pattern, &constraint)?;
            if est.exceeds {
                warnings.push(format!(
                    "caregiver dose {:.2} mSv exceeds the {:.1} mSv constraint for {} h/day at {} m from discharge ({}): restrict contact{}",
                    est.dose.msv(),
                    rp.caregiver_constraint.msv(),
                    o.contact.hours_per_day.hours(),
                    o.contact.distance.m(),
                    o.distance_law.describe(),
                    if o.family.is_some() {
                        " (the family section gives a restriction period per contact pattern)"
                    } else {
                        " (contact patterns give a restriction period per way of being together)"
                    }
                ));
            }
            Some(est)
        }
        None => {
            warnings
                .push("release threshold not reached within 90 days: no caregiver estimate".into());
            None
        }
    };
    Ok(RadiationProtectionReport {
        infusion,
        activity,
        activity_mci: activity.mci(),
        curve: curve_text,
        initial_dose_rate_method: method,
        initial_dose_rate: initial,
        dose_rate_at_1m: table,
        release_threshold: rp.patient_release_at_1m,
        release_time: release.time,
        release_note: release.note,
        stem_cell_return_threshold: rp.stem_cell_return_at_1m,
        stem_cell_return_time: stem.time,
        stem_cell_return_note: stem.note,
        caregiver,
        residual_infusion1: residual,
        warnings,
    })
}

fn parameters(fit: &RetentionFit) -> Vec<Parameter> {
    let se = |i: usize| fit.covariance.as_ref().map(|c| c[i][i].max(0.0).sqrt());
    fit.parameter_names
        .iter()
        .zip(&fit.parameter_values)
        .enumerate()
        .map(|(i, (n, v))| Parameter {
            name: n.clone(),
            value: *v,
            standard_error: se(i),
            unit: if n.starts_with("lambda") { "1/h" } else { "1" }.into(),
        })
        .collect()
}

fn interval95(a: &DoseAssessment) -> Interval95 {
    let u = a.uncertainty.as_ref();
    let a2 = a.second_activity_interval();
    Interval95 {
        method: u.map_or_else(
            || "delta method only (no bootstrap): 95 % = estimate ± 1.96 SE (A2: the uncapped activity ± 1.96 SE, through the caps)".to_string(),
            |u| u.method.clone(),
        ),
        absorbed_dose_gy: u
            .map(|u| [u.dose1.low_gy.gy(), u.dose1.high_gy.gy()])
            .or_else(|| {
                a.fit.tau_se_h.map(|se| {
                    let s = a.request.activity1.gbq() * a.s_value1.gy_per_gbq_h() * se.hours();
                    [a.dose1.gy() - 1.96 * s, a.dose1.gy() + 1.96 * s]
                })
            }),
        second_activity_mbq: a2.map(|(l, h, _)| [l.mbq(), h.mbq()]),
        second_activity_mci: a2.map(|(l, h, _)| [l.mci(), h.mci()]),
        predicted_total_gy: u.map(|u| [u.predicted_total.low_gy.gy(), u.predicted_total.high_gy.gy()]),
        tau_h: u.map(|u| [u.tau_h.0.hours(), u.tau_h.1.hours()]),
        absorbed_dose_se_delta_gy: u.and_then(|u| u.dose1_se_delta.map(|d| d.gy())),
        second_activity_se_delta_mbq: u.and_then(|u| u.second_activity_se_delta.map(|d| d.mbq())),
        p_total_exceeds_target_plus_margin: u.map(|u| u.p_total_exceeds_target_plus_margin),
        overshoot_threshold_gy: (a.plan.rules.target_total + a.plan.rules.overshoot_margin).gy(),
    }
}

fn gate_line(r: &GateReport) -> String {
    let failed: Vec<String> = r
        .findings
        .iter()
        .map(|f| f.check.name().to_string())
        .collect();
    if failed.is_empty() {
        format!("Plausibility gate ({}): every check passed.", r.series)
    } else {
        format!(
            "Plausibility gate ({}): {} failed and ACCEPTED by override; the prescription proceeds on the physicist's responsibility.",
            r.series,
            failed.join(", ")
        )
    }
}

fn explanation(
    a: &DoseAssessment,
    gate1: &GateReport,
    second: Option<&(SecondInfusionDose, GateReport)>,
) -> Vec<String> {
    let p = &a.plan;
    let r = &a.request;
    let mut e = vec![
        format!(
            "Readings: {} after infusion 1 ({}), retention relative to the pre-void reading.",
            a.readings.len(),
            a.readings.source
        ),
        gate_line(gate1),
        format!("Model: {} — {}.", a.fit.model.name(), a.selection.reason),
        format!(
            "D1 = A1 × τ × S(m1) = {:.3} GBq × {:.2} h × {:.4e} Gy/(GBq·h) = {:.3} Gy.",
            r.activity1.gbq(),
            a.tau_h.hours(),
            a.s_value1.gy_per_gbq_h(),
            a.dose1.gy()
        ),
        format!(
            "A2 = (target − D1)/d2 = ({:.2} − {:.3}) Gy / {:.4} Gy/GBq = {:.0} MBq before caps ({}).",
            p.rules.target_total.gy(),
            a.dose1.gy(),
            p.dose_per_activity2.gy_per_gbq(),
            p.uncapped_mbq.mbq().max(0.0),
            p.variant.describe()
        ),
        p.statement.clone(),
    ];
    if let Some((s, g)) = second {
        e.push(gate_line(g));
        e.push(format!(
            "Infusion 2: D2 = A2 × τ2 × S(m2) = {:.3} Gy; delivered total D1 + D2 = {:.3} Gy.",
            s.dose2.gy(),
            s.delivered_total.gy()
        ));
    }
    e
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    a: &DoseAssessment,
    (administered1, administered2): (AdministeredActivity, Option<AdministeredActivity>),
    infusion1_check: Option<Infusion1Deviation>,
    plausibility: GateReport,
    second: Option<(SecondInfusionDose, GateReport)>,
    rp: Option<RadiationProtectionReport>,
    o: &DosimetryOptions,
    protocol_label: String,
) -> CourseDosimetry {
    let mut warnings: Vec<String> = administered1
        .warnings
        .iter()
        .map(|w| format!("administered activity of infusion 1: {w}"))
        .collect();
    if let Some(a2) = &administered2 {
        warnings.extend(
            a2.warnings
                .iter()
                .map(|w| format!("administered activity of infusion 2: {w}")),
        );
    }
    warnings.extend(plausibility.accepted_warnings());
    warnings.extend(a.warnings.iter().cloned());
    if let Some(r) = &rp {
        warnings.extend(
            r.warnings
                .iter()
                .map(|w| format!("radiation protection: {w}")),
        );
        if let Some(c) = &r.caregiver {
            warnings.extend(c.warnings.iter().map(|w| format!("caregiver: {w}")));
        }
    }
    let mut explanation = explanation(a, &plausibility, second.as_ref());
    explanation.push(format!(
        "Administered activity of infusion 1: {}.",
        administered1.note
    ));
    let after_second = second.map(|(s, report)| {
        warnings.extend(
            report
                .accepted_warnings()
                .into_iter()
                .map(|w| format!("infusion 2: {w}")),
        );
        warnings.extend(
            s.warnings
                .iter()
                .chain(&s.notes)
                .map(|w| format!("infusion 2: {w}")),
        );
        AfterSecond {
            administered2: administered2
                .clone()
                .expect("infusion 2 was assessed from its administered activity"),
            activity2: s.activity2,
            activity2_mci: s.activity2.mci(),
            model: s.fit.model,
            tau: s.tau_h,
            tia: s.tia,
            dose2: s.dose2,
            dose_per_activity2: s.dose_per_activity2,
            predicted_dose2: s.predicted_dose2,
            delivered_total: s.delivered_total,
            planned_total: s.planned_total,
            target_total: s.target_total,
            difference: s.difference,
            plausibility: report,
            warnings: s.warnings.iter().chain(&s.notes).cloned().collect(),
            details: s,
        }
    });
    let p = &a.plan;
    let r = &a.request;
    CourseDosimetry {
        administered1,
        infusion1_check,
        plausibility,
        model: a.fit.model,
        model_selection: a.selection.clone(),
        parameters: parameters(&a.fit),
        effective_half_lives_h: a
            .fit
            .components
            .iter()
            .map(|c| c.half_life_h.hours())
            .collect(),
        r_squared: a.fit.r_squared,
        residuals: a.fit.residuals.clone(),
        tau: a.tau_h,
        tau_se: a.fit.tau_se_h,
        tia: a.tia,
        extrapolated_fraction: a.fit.extrapolated_fraction,
        s_model: a.s_model_description.clone(),
        s_value1: a.s_value1,
        s_value2: p.s_value2,
        dose1: a.dose1,
        dose_per_activity1: a.dose_per_activity1,
        decision: p.decision,
        statement: p.statement.clone(),
        second_activity: p.activity_mbq,
        second_activity_mci: p.activity_mbq.mci(),
        second_activity_per_kg: p.activity_per_kg,
        second_activity_uncapped: p.uncapped_mbq,
        binding_cap: p.binding_cap.clone(),
        caps: p.caps.clone(),
        dose_per_activity2: p.dose_per_activity2,
        predicted_dose2: p.predicted_dose2,
        predicted_total: p.predicted_total,
        target: p.rules.target_total,
        interval95: interval95(a),
        radiation_protection: rp,
        family: None,
        after_second,
        warnings,
        explanation,
        options: OptionsUsed {
            readings: a.readings.source.clone(),
            weight1: r.mass1,
            weight2: p.mass2_kg,
            max_weight_change: r.max_weight_change,
            max_activity_deviation: o.max_activity_deviation,
            min_last_reading: r.min_last_reading,
            activity1: r.activity1,
            activity_mci: r.activity1.mci(),
            model: match r.model {
                ModelChoice::Auto => "auto".into(),
                ModelChoice::Fixed(m) => m.name().into(),
            },
            tail: r.fit.tail,
            tail_points: r.fit.tail_points,
            physical_bound: r.fit.physical_bound,
            s_model: r.s_model.name().into(),
            prediction: r.prediction,
            protocol: protocol_label,
            rules: p.rules,
            bootstrap_replicates: r.uncertainty.map_or(0, |u| u.replicates),
            seed: r
                .uncertainty
                .map_or(mibg_dosimetry::uncertainty::DEFAULT_SEED, |u| u.seed),
            above_pre_void_tolerance: o.above_pre_void_tolerance,
            reading_unit: o.reading_unit,
            contact_distance_m: o.contact.distance.m(),
            contact_hours_per_day: o.contact.hours_per_day.hours(),
            distance_law: o.distance_law,
            reading_distance_m: o.reading_distance.m(),
            accept: {
                let mut v = o.accept.clone();
                v.sort();
                v.dedup();
                v
            },
        },
        assessment: a.clone(),
    }
}

/// The time axis of the retention figure: to 1.25 × the last reading of
/// either infusion, so that a quarter more of each fit's tail shows.
fn plot_t_max(a: &DoseAssessment, second: Option<&SecondInfusionDose>) -> f64 {
    let last = |r: &Readings, none: f64| r.readings.last().map_or(none, |x| x.time_h.hours());
    let mut t_max = last(&a.readings, 120.0) * 1.25;
    if let Some(s) = second {
        t_max = t_max.max(last(&s.readings, 0.0) * 1.25);
    }
    t_max
}

/// One infusion's data in the retention figure, in the units drawn.
#[derive(Debug, PartialEq)]
struct PlotSeries {
    /// The readings: (h, retention in %).
    readings: Vec<(f64, f64)>,
    /// The fitted curve at 201 even steps from 0 to `t_max`: (h, %).
    curve: Vec<(f64, f64)>,
    /// The residuals R_i − R̂(t_i): (h, percentage points).
    residuals: Vec<(f64, f64)>,
}

fn plot_series(readings: &Readings, fit: &RetentionFit, t_max: f64) -> PlotSeries {
    let times = readings.readings.iter().map(|r| r.time_h.hours());
    PlotSeries {
        readings: times
            .clone()
            .zip(readings.readings.iter().map(|r| r.retention * 100.0))
            .collect(),
        curve: (0..=200)
            .map(|i| {
                let t = t_max * f64::from(i) / 200.0;
                (t, 100.0 * fit.curve.retention(Hours::new(t)))
            })
            .collect(),
        residuals: times.zip(fit.residuals.iter().map(|e| e * 100.0)).collect(),
    }
}

/// The retention fit as an SVG figure: the readings with the fitted curve
/// (log retention) above, the residuals below, infusion 2 when measured;
/// the title gives D₁, τ and A₂. The same figure for `mibg dose --plot`,
/// its PDF and the web application.
pub fn retention_plot_svg(d: &CourseDosimetry) -> String {
    use mibg_plot::{Axis, Figure, Panel, Series};
    let a = &d.assessment;
    let second = d.after_second.as_ref().map(|x| &x.details);
    let t_max = plot_t_max(a, second);
    let one = plot_series(&a.readings, &a.fit, t_max);
    let mut top = Panel::new(
        Axis::linear("time after end of infusion (h)"),
        Axis::log10("whole-body retention (%)"),
    )
    .series(Series::points("infusion 1 readings", one.readings))
    .series(Series::line(
        &format!("infusion 1 {} fit", a.fit.model.name()),
        one.curve,
    ));
    let mut bottom = Panel::new(
        Axis::linear("time after end of infusion (h)"),
        Axis::linear("residual (percentage points)"),
    )
    .height(130.0)
    .reference_y(0.0)
    .series(Series::points("infusion 1", one.residuals));
    if let Some(s) = second {
        let two = plot_series(&s.readings, &s.fit, t_max);
        top = top
            .series(Series::points("infusion 2 readings", two.readings))
            .series(Series::line(
                &format!("infusion 2 {} fit", s.fit.model.name()),
                two.curve,
            ));
        bottom = bottom.series(Series::points("infusion 2", two.residuals));
    }
    Figure::new(760.0)
        .title(format!(
            "Whole-body retention — D1 = {:.2} Gy, τ = {:.1} h, A2 = {:.0} MBq ({:.1} mCi)",
            a.dose1.gy(),
            a.tau_h.hours(),
            a.plan.activity_mbq.mbq(),
            a.plan.activity_mbq.mbq() / mibg_units::MBQ_PER_MCI
        ))
        .share_x()
        .panel(top)
        .panel(bottom)
        .to_svg()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mibg_dosimetry::{ReadingsOptions, parse_readings};
    use mibg_units::Mass;

    fn example() -> Readings {
        let p = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/dose/readings.csv"
        );
        let text = std::fs::read_to_string(p).unwrap();
        parse_readings("r.csv", &text, &ReadingsOptions::default()).unwrap()
    }

    fn readings_file(name: &str) -> Readings {
        let p = format!("{}/../../examples/dose/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&p).unwrap();
        parse_readings(name, &text, &ReadingsOptions::default()).unwrap()
    }

    /// The example course with infusion 2 measured (its own example file).
    fn course_with_infusion2() -> CourseDosimetry {
        let input = CourseInput {
            readings1: readings_file("readings.csv"),
            weight1: Mass::from_kg(20.0),
            activity1: Activity::from_mbq(8880.0).into(),
            weight2: None,
            second: Some(SecondInfusionInput {
                readings: readings_file("readings2.csv"),
                activity: Activity::from_mbq(3964.0).into(),
            }),
        };
        let o = DosimetryOptions {
            uncertainty: None,
            ..DosimetryOptions::default()
        };
        assess_course_dosimetry(&input, &Protocol::seed(), &o).unwrap()
    }

    /// R(t) of a fit from its stated parameters by the model's formula
    /// (docs/reference/dosimetry.md §4.1): bi-exponential
    /// a·e^(−λ₁t) + (1 − a)·e^(−λ₂t), or mono-exponential A·e^(−λt).
    fn by_hand(fit: &RetentionFit, t: f64) -> f64 {
        let p = &fit.parameter_values;
        match fit.parameter_names.len() {
            3 => p[0] * (-p[1] * t).exp() + (1.0 - p[0]) * (-p[2] * t).exp(),
            2 => p[0] * (-p[1] * t).exp(),
            _ => panic!("{:?}", fit.parameter_names),
        }
    }

    /// The numbers of the retention figure, from the example files by hand:
    /// the time axis runs to 1.25 × the last reading (infusion 1 alone:
    /// 119.5 h × 1.25 = 149.375 h; with infusion 2, whose last reading is
    /// at 120.5 h: 150.625 h); the readings are 100 × net/net₀ (3.5 h:
    /// 100 × (348.53 − 0.12)/(408.12 − 0.12) = 85.39 %); the curve is
    /// 100 × R(t) at t_max · i/200, i = 0…200; the residuals are
    /// 100 × (R_i − R(t_i)) in percentage points.
    #[test]
    fn the_retention_figure_by_hand() {
        let d = course_with_infusion2();
        let a = &d.assessment;
        let s = &d.after_second.as_ref().unwrap().details;
        assert_eq!(plot_t_max(a, None), 149.375);
        assert_eq!(plot_t_max(a, Some(s)), 150.625);
        let t_max = 150.625;
        let close = |x: f64, y: f64| (x - y).abs() < 1e-9 * y.abs().max(1.0);
        for (series, readings, fit, rows) in [
            (
                plot_series(&a.readings, &a.fit, t_max),
                &a.readings,
                &a.fit,
                [
                    (0.0, 408.12, 0.12),
                    (3.5, 348.53, 0.12),
                    (119.5, 31.34, 0.12),
                ],
            ),
            (
                plot_series(&s.readings, &s.fit, t_max),
                &s.readings,
                &s.fit,
                [
                    (0.0, 182.24, 0.11),
                    (4.25, 150.98, 0.11),
                    (120.5, 16.92, 0.11),
                ],
            ),
        ] {
            let n = readings.readings.len();
            assert_eq!((series.readings.len(), series.residuals.len()), (n, n));
            let net0 = rows[0].1 - rows[0].2;
            for (k, (t, raw, bg)) in [(0, rows[0]), (1, rows[1]), (n - 1, rows[2])] {
                let (x, y) = series.readings[k];
                assert_eq!(x, t);
                assert!(close(y, 100.0 * (raw - bg) / net0), "{k}: {y}");
                let r = (raw - bg) / net0;
                let (x, e) = series.residuals[k];
                assert_eq!(x, t);
                assert!(close(e, 100.0 * (r - by_hand(fit, t))), "{k}: {e}");
            }
            assert_eq!(series.curve.len(), 201);
            for (i, t) in [(0, 0.0), (1, 0.753125), (100, 75.3125), (200, 150.625)] {
                let (x, y) = series.curve[i];
                assert!(close(x, t), "{i}: {x}");
                assert!(close(y, 100.0 * by_hand(fit, t)), "{i}: {y}");
            }
        }
        // The figure names both infusions and gives D1, τ and A2 in its title.
        let svg = retention_plot_svg(&d);
        for want in [
            format!(
                "Whole-body retention — D1 = {:.2} Gy, τ = {:.1} h, A2 = {:.0} MBq",
                d.dose1.gy(),
                d.tau.hours(),
                d.second_activity.mbq()
            ),
            "infusion 1 readings".into(),
            "infusion 2 readings".into(),
            format!("infusion 2 {} fit", s.fit.model.name()),
        ] {
            assert!(svg.contains(&want), "{want}");
        }
    }

    /// "The result without this reading" says what it is compared with.
    #[test]
    fn the_statement_without_a_reading() {
        let r = example();
        let req = DoseRequest::new(Mass::from_kg(20.0), Activity::from_mbq(8880.0));
        let w = without_infusion1(&r, 4, None, &req, Some(Activity::from_mbq(1234.0)));
        assert!(w.statement.starts_with("A2 = "), "{}", w.statement);
        assert!(
            w.statement.contains(" instead of 1234 MBq ("),
            "{}",
            w.statement
        );
        assert!(w.second_activity.unwrap().mbq() > 3000.0);
        let w = without_infusion1(&r, 4, None, &req, Some(Activity::ZERO));
        assert!(
            w.statement.contains(" instead of no second infusion ("),
            "{}",
            w.statement
        );
        let w = without_infusion1(&r, 4, None, &req, None);
        assert!(!w.statement.contains("instead"), "{}", w.statement);
        let mut low = req.clone();
        low.rules.target_total = AbsorbedDose::from_gy(1.0);
        low.rules.max_total_dose = None;
        let w = without_infusion1(&r, 4, None, &low, Some(Activity::ZERO));
        assert!(
            w.statement.starts_with("no second infusion either ("),
            "{}",
            w.statement
        );
        // Without the pre-void reading, only with the value to rescale by.
        let w = without_infusion1(&r, 0, None, &req, None);
        assert!(
            w.statement.starts_with("cannot be computed"),
            "{}",
            w.statement
        );
        let w = without_infusion1(&r, 0, Some(1.0), &req, None);
        assert!(w.statement.starts_with("A2 = "), "{}", w.statement);
    }

    /// The counterfactual of a finding on the pre-void reading rescales the
    /// other readings by the value they expect there; on any other reading
    /// it does not.
    #[test]
    fn counterfactuals_find_their_reading() {
        let r = example();
        let req = DoseRequest::new(Mass::from_kg(20.0), Activity::from_mbq(8880.0));
        let finding = |k: usize, expected: Option<f64>| Finding {
            check: Check::Outlier,
            reading: Some(gate::ReadingRef::from(&r.readings[k])),
            related: vec![],
            expected_retention: expected,
            statistic: None,
            limit: None,
            likely_slip: None,
            without_reading: None,
            accepted: false,
            message: String::new(),
        };
        let mut fs = vec![
            finding(0, Some(1.0)),
            finding(3, Some(0.5)),
            finding(0, None),
        ];
        let seen = std::cell::RefCell::new(Vec::new());
        counterfactuals(&mut fs, &r, |k, e| {
            seen.borrow_mut().push((k, e));
            without_infusion1(&r, k, e, &req, None)
        });
        assert_eq!(*seen.borrow(), vec![(0, Some(1.0)), (3, None), (0, None)]);
        assert!(fs.iter().all(|f| f.without_reading.is_some()));
    }

    /// Readings taken at a distance: 1 m to 3 m
    /// (`mibg_radprot::READING_DISTANCE_RANGE_M`, glowgreen's range,
    /// docs/reference/dosimetry.md §11), both ends included, and only for
    /// readings in µSv/h (an arbitrary unit has no distance law).
    #[test]
    fn the_reading_distance_is_1_to_3_m_and_only_in_usv_per_h() {
        let at = |m: f64, unit: ReadingUnit| {
            check_options(&DosimetryOptions {
                reading_distance: Length::from_m(m),
                reading_unit: unit,
                ..DosimetryOptions::default()
            })
            .map_err(|e| e.to_string())
        };
        let usv = ReadingUnit::UsvPerHourAt1m;
        assert_eq!(at(1.0, usv), Ok(()));
        assert_eq!(at(3.0, usv), Ok(()));
        for far in [0.5, 3.5, 5.0] {
            assert_eq!(
                at(far, usv),
                Err(format!(
                    "reading distance (m) {far}: readings are converted to 1 m from 1 m to 3 m only"
                ))
            );
        }
        assert!(at(f64::NAN, usv).is_err());
        assert_eq!(at(1.0, ReadingUnit::Arbitrary), Ok(()));
        assert_eq!(
            at(2.0, ReadingUnit::Arbitrary),
            Err(
                "reading distance (m) 2: applies to readings in µSv/h only (reading unit usv-h-1m)"
                    .to_string()
            )
        );
    }

    /// Fuzz finding (issue 9, item 7), input class "×10⁶ slip of a count":
    /// `--bootstrap 200000000` ran for hours (a hang); it is refused.
    #[test]
    fn huge_bootstrap_count_is_refused() {
        let mut o = DosimetryOptions {
            uncertainty: Some(UncertaintyOptions {
                replicates: 200_000_000,
                ..UncertaintyOptions::default()
            }),
            ..DosimetryOptions::default()
        };
        let e = check_options(&o).unwrap_err().to_string();
        assert!(e.contains("at most 100000"), "{e}");
        o.uncertainty = Some(UncertaintyOptions {
            replicates: MAX_BOOTSTRAP_REPLICATES,
            ..UncertaintyOptions::default()
        });
        assert!(check_options(&o).is_ok());
    }
}
