//! `mibg dose READINGS.csv --weight-kg W --activity-mbq A1 [...]`: whole-body
//! dosimetry of infusion 1 and the second activity that reaches the
//! protocol's whole-body target, with a 95 % interval, radiation protection
//! after the infusion, and (with `--after-second`) the delivered total.
//!
//! All science is in `mibg-dosimetry` and `mibg-radprot`; this module reads
//! the files, maps the protocol to [`SecondActivityRules`], prints the report
//! or one JSON document, and writes the optional SVG plot atomically.

use crate::cmd::plan::load_protocol;
use crate::output::{print_json, write_atomically};
use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use mibg_dosimetry::{
    Decision, DoseAssessment, DoseRequest, FitOptions, ModelChoice, ModelKind, PhysicalBoundPolicy,
    PredictionVariant, ReadingsOptions, RetentionFit, SModel, SecondActivityRules,
    SecondInfusionDose, TailMethod, UncertaintyOptions, assess, assess_second, parse_readings,
    parse_s_table,
};
use mibg_protocol::Protocol;
use mibg_radprot::{
    CaregiverEstimate, ConstraintKind, ContactEnd, ContactPattern, DistanceLaw, DoseConstraint,
    RetentionCurve,
};
use mibg_units::{
    AbsorbedDose, Activity, ActivityPerMass, DoseRate, Hours, Length, MBQ_PER_MCI, Mass,
};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Model choice on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ModelArg {
    /// AICc between mono and bi (bi needs ≥ 6 readings).
    Auto,
    /// Mono-exponential.
    Mono,
    /// Bi-exponential.
    Bi,
    /// Trapezoid + tail (see --tail).
    Trapezoid,
}

/// Trapezoid tail.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TailArg {
    /// Log-linear fit of the last --tail-points readings.
    LogLinear,
    /// Physical decay of I-131 (upper bound on τ).
    Physical,
}

/// Physical-bound policy.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum BoundArg {
    /// A fit with clearance not faster than physical decay is an error.
    Error,
    /// Pin such a rate at physical decay (conservative) and warn.
    Constrain,
}

/// S model.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SModelArg {
    /// Analytic two-component model (dosimetry notes §5.3).
    Analytic,
    /// Phantom table (--s-table), log–log interpolation (§5.4).
    Table,
}

/// Prediction of the dose per activity of infusion 2 (§6.1).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PredictionArg {
    /// Variant 2: same τ, S at the infusion-2 weight.
    SameTau,
    /// Variant 1: same Gy/GBq as infusion 1.
    SameDosePerActivity,
    /// Variant 3: --factor × Gy/GBq of infusion 1.
    Factor,
}

/// What the readings' unit is, for the dose rate at 1 m.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReadingUnitArg {
    /// Any activity-proportional unit: the dose rate at 1 m is estimated
    /// from activity × the protocol's dose-rate constant × self-attenuation.
    Arbitrary,
    /// The readings are µSv/h at 1 m: the measured pre-void reading, scaled
    /// by activity, gives the dose rate at 1 m.
    #[value(name = "usv-h-1m")]
    UsvH1m,
}

/// Arguments of `mibg dose`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Readings after infusion 1 (CSV: `hours,reading[,background]` or
    /// `time,reading[,background]` with --infusion-end). Row 1 = pre-void.
    readings: PathBuf,
    /// Patient weight at infusion 1, kg.
    #[arg(long)]
    weight_kg: f64,
    /// Administered activity of infusion 1, MBq.
    #[arg(long)]
    activity_mbq: f64,
    /// Cumulative whole-body target, Gy (default: the protocol's, 4 Gy in the seed).
    #[arg(long)]
    target_gy: Option<f64>,
    /// Weight on the day of infusion 2, kg (default: --weight-kg).
    #[arg(long)]
    weight2_kg: Option<f64>,
    /// Largest accepted relative weight change between infusions (0.2 = ±20 %);
    /// beyond it the weight at infusion 2 is refused as a probable typing error.
    #[arg(long, default_value_t = mibg_dosimetry::DEFAULT_MAX_WEIGHT_CHANGE)]
    max_weight_change: f64,
    /// Largest accepted relative deviation of --activity-mbq from the
    /// protocol's infusion-1 prescription (rate × weight, capped) (0.25 = ±25 %).
    #[arg(long, default_value_t = mibg_protocol::plan::DEFAULT_MAX_INFUSION1_DEVIATION)]
    max_activity_deviation: f64,
    /// Earliest accepted last reading, h after the end of infusion; readings
    /// ending earlier are refused (the slow phase is undetermined).
    #[arg(long, default_value_t = mibg_dosimetry::DEFAULT_MIN_LAST_READING_H)]
    min_last_reading_h: f64,
    /// Retention model.
    #[arg(long, value_enum, default_value = "auto")]
    model: ModelArg,
    /// Tail of the trapezoid model.
    #[arg(long, value_enum, default_value = "log-linear")]
    tail: TailArg,
    /// Readings used by the log-linear tail.
    #[arg(long, default_value_t = 3, value_parser = crate::args::count)]
    tail_points: usize,
    /// What to do when clearance is not faster than physical decay.
    #[arg(long, value_enum, default_value = "error")]
    physical_bound: BoundArg,
    /// Whole-body S model.
    #[arg(long, value_enum, default_value = "analytic")]
    s_model: SModelArg,
    /// Phantom S table (CSV `mass_kg,s_gy_per_gbq_h`), with --s-model table.
    #[arg(long)]
    s_table: Option<PathBuf>,
    /// Prediction of the infusion-2 dose per activity.
    #[arg(long, value_enum, default_value = "same-tau")]
    prediction: PredictionArg,
    /// Correction factor c for --prediction factor.
    #[arg(long)]
    factor: Option<f64>,
    /// Protocol file (TOML); default: the built-in seed protocol.
    #[arg(long)]
    protocol: Option<PathBuf>,
    /// Bootstrap replicates for the 95 % interval (0 = delta method only).
    #[arg(long, default_value_t = 1000, value_parser = crate::args::count)]
    bootstrap: usize,
    /// Seed of the bootstrap generator.
    #[arg(long, default_value_t = mibg_dosimetry::uncertainty::DEFAULT_SEED, value_parser = crate::args::whole_u64)]
    seed: u64,
    /// Tolerated excess of a reading over the pre-void one (fraction).
    #[arg(long, default_value_t = mibg_dosimetry::readings::DEFAULT_ABOVE_PRE_VOID_TOLERANCE)]
    above_pre_void_tolerance: f64,
    /// End of infusion 1 (ISO 8601 with offset), when READINGS has clock times.
    #[arg(long)]
    infusion_end: Option<String>,
    /// Readings after infusion 2: compute its delivered dose.
    #[arg(long, requires = "activity2_mbq")]
    after_second: Option<PathBuf>,
    /// Activity actually given at infusion 2, MBq (with --after-second).
    #[arg(long, requires = "after_second")]
    activity2_mbq: Option<f64>,
    /// End of infusion 2 (ISO 8601), when the infusion-2 readings have clock times.
    #[arg(long)]
    infusion2_end: Option<String>,
    /// Unit of the readings, for the dose rate at 1 m.
    #[arg(long, value_enum, default_value = "arbitrary")]
    reading_unit: ReadingUnitArg,
    /// Caregiver distance from the patient, m (default 1 m [I], the
    /// reference distance of the dose-rate readings; inverse-square scaling).
    #[arg(long, default_value_t = 1.0)]
    contact_distance_m: f64,
    /// Caregiver hours per day at that distance, from the release time on
    /// (default 6 h/day [I]: a design choice, not a published pattern).
    #[arg(long, default_value_t = 6.0)]
    contact_hours_per_day: f64,
    /// Print one JSON document instead of the report.
    #[arg(long)]
    json: bool,
    /// Write an SVG of readings, fitted curve (log axis) and residuals.
    #[arg(long)]
    plot: Option<PathBuf>,
}

fn read(path: &Path, what: &str) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {what} {}", path.display()))
}

fn label(path: &Path) -> String {
    path.display().to_string()
}

fn instant(s: &Option<String>, flag: &str) -> Result<Option<jiff::Timestamp>> {
    s.as_deref()
        .map(|v| {
            v.parse::<jiff::Timestamp>().map_err(|e| {
                anyhow::anyhow!(
                    "{flag} '{v}': not an ISO 8601 instant with a UTC offset or Z ({e})"
                )
            })
        })
        .transpose()
}

/// Radiation protection after the last infusion.
#[derive(Serialize, Debug)]
struct RadiationProtectionOut {
    /// Which infusion the section is about (1 or 2).
    infusion: u8,
    /// Activity of that infusion.
    activity_mbq: f64,
    activity_mci: f64,
    /// Whether the curve is measured (infusion 2 readings) or assumed equal to infusion 1.
    curve: String,
    /// How the dose rate at 1 m at t = 0 was obtained.
    initial_dose_rate_method: String,
    initial_dose_rate_usv_h_at_1m: f64,
    dose_rate_at_1m: Vec<DoseRatePoint>,
    release_threshold_usv_h: f64,
    release_time_h: Option<f64>,
    release_note: Option<String>,
    stem_cell_return_threshold_usv_h: f64,
    stem_cell_return_time_h: Option<f64>,
    stem_cell_return_note: Option<String>,
    caregiver: Option<CaregiverEstimate>,
    /// Activity of infusion 1 still in the body at infusion 2 and included in
    /// the predicted retained activity and dose rates (planning only; `None`
    /// when the curve is measured after infusion 2, whose readings contain it).
    residual_infusion1_mbq: Option<f64>,
    warnings: Vec<String>,
}

/// The body after infusion 2 as predicted from infusion 1, relative to A₂:
/// `R(t) = R₁(t) + (A₁/A₂)·R₁(Δ + t)`, Δ = days between the infusions. The
/// second term is the activity of infusion 1 still present (§6.1: it is
/// already in D₁, but it still irradiates carers and delays release).
struct WithResidualOfInfusion1<'a> {
    curve: &'a dyn RetentionCurve,
    a1_over_a2: f64,
    gap: Hours,
}

impl RetentionCurve for WithResidualOfInfusion1<'_> {
    fn retention(&self, t: Hours) -> f64 {
        self.curve.retention(t)
            + self.a1_over_a2
                * self
                    .curve
                    .retention(Hours::new(self.gap.hours() + t.hours()))
    }
}

#[derive(Serialize, Debug)]
struct DoseRatePoint {
    day: f64,
    hours: f64,
    retained_activity_mbq: f64,
    dose_rate_usv_h_at_1m: f64,
}

#[derive(Serialize, Debug)]
struct ParameterOut {
    name: String,
    value: f64,
    standard_error: Option<f64>,
    unit: String,
}

#[derive(Serialize, Debug)]
struct IntervalOut {
    method: String,
    absorbed_dose_gy: Option<[f64; 2]>,
    second_activity_mbq: Option<[f64; 2]>,
    second_activity_mci: Option<[f64; 2]>,
    predicted_total_gy: Option<[f64; 2]>,
    tau_h: Option<[f64; 2]>,
    absorbed_dose_se_delta_gy: Option<f64>,
    second_activity_se_delta_mbq: Option<f64>,
    p_total_exceeds_target_plus_margin: Option<f64>,
    overshoot_threshold_gy: f64,
}

#[derive(Serialize, Debug)]
struct AfterSecondOut {
    activity2_mbq: f64,
    activity2_mci: f64,
    model: ModelKind,
    tau_h: f64,
    tia_gbq_h: f64,
    absorbed_dose2_gy: f64,
    dose_per_activity2_gy_per_gbq: f64,
    predicted_dose2_gy: f64,
    delivered_total_gy: f64,
    planned_total_gy: f64,
    target_total_gy: f64,
    difference_gy: f64,
    warnings: Vec<String>,
    details: SecondInfusionDose,
}

#[derive(Serialize, Debug)]
struct OptionsOut {
    readings: String,
    weight_kg: f64,
    weight2_kg: f64,
    max_weight_change: f64,
    max_activity_deviation: f64,
    min_last_reading_h: f64,
    activity_mbq: f64,
    activity_mci: f64,
    model: String,
    tail: TailMethod,
    tail_points: usize,
    physical_bound: PhysicalBoundPolicy,
    s_model: String,
    prediction: PredictionVariant,
    protocol: String,
    rules: SecondActivityRules,
    bootstrap_replicates: usize,
    seed: u64,
    above_pre_void_tolerance: f64,
    reading_unit: String,
    contact_distance_m: f64,
    contact_hours_per_day: f64,
}

#[derive(Serialize, Debug)]
struct DoseOut {
    model: ModelKind,
    model_selection: mibg_dosimetry::Selection,
    parameters: Vec<ParameterOut>,
    effective_half_lives_h: Vec<f64>,
    r_squared: Option<f64>,
    residuals: Vec<f64>,
    tau_h: f64,
    tau_se_h: Option<f64>,
    tia_gbq_h: f64,
    extrapolated_fraction: f64,
    s_model: String,
    s_value_gy_per_gbq_h: f64,
    s_value2_gy_per_gbq_h: f64,
    absorbed_dose_gy: f64,
    dose_per_activity_gy_per_gbq: f64,
    decision: Decision,
    statement: String,
    second_activity_mbq: f64,
    second_activity_mci: f64,
    second_activity_mbq_per_kg: f64,
    second_activity_uncapped_mbq: f64,
    binding_cap: Option<String>,
    caps: Vec<mibg_dosimetry::plan::CapCheck>,
    dose_per_activity2_gy_per_gbq: f64,
    predicted_dose2_gy: f64,
    predicted_total_gy: f64,
    target_gy: f64,
    interval95: IntervalOut,
    radiation_protection: Option<RadiationProtectionOut>,
    after_second: Option<AfterSecondOut>,
    warnings: Vec<String>,
    options: OptionsOut,
}

fn parameters(fit: &RetentionFit) -> Vec<ParameterOut> {
    let se = |i: usize| fit.covariance.as_ref().map(|c| c[i][i].max(0.0).sqrt());
    fit.parameter_names
        .iter()
        .zip(&fit.parameter_values)
        .enumerate()
        .map(|(i, (n, v))| ParameterOut {
            name: n.clone(),
            value: *v,
            standard_error: se(i),
            unit: if n.starts_with("lambda") { "1/h" } else { "1" }.into(),
        })
        .collect()
}

/// Horizon of the threshold search: 90 days after the infusion [I].
const THRESHOLD_HORIZON: Hours = Hours::from_days(90.0);
/// Days at which the dose-rate table is printed.
const TABLE_DAYS: [f64; 8] = [0.0, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 14.0];

#[allow(clippy::too_many_arguments)]
fn radiation_protection(
    protocol: &Protocol,
    curve: &dyn RetentionCurve,
    infusion: u8,
    activity: Activity,
    measured: bool,
    pre_void_reading: f64,
    activity_of_readings: Activity,
    unit: ReadingUnitArg,
    distance: Length,
    hours_per_day: Hours,
) -> Result<RadiationProtectionOut> {
    let rp = &protocol.radiation_protection;
    let (d0, method) = match unit {
        ReadingUnitArg::UsvH1m => (
            DoseRate::from_usv_per_h(pre_void_reading * (activity / activity_of_readings)),
            format!(
                "measured: pre-void reading {pre_void_reading} µSv/h at 1 m after {} scaled to {}",
                activity_of_readings.describe(),
                activity.describe()
            ),
        ),
        ReadingUnitArg::Arbitrary => (
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
    };
    let mut warnings = Vec::new();
    let table = TABLE_DAYS
        .iter()
        .map(|&day| {
            let t = Hours::from_days(day);
            let r = curve.retention(t);
            Ok(DoseRatePoint {
                day,
                hours: t.hours(),
                retained_activity_mbq: activity.mbq() * r,
                dose_rate_usv_h_at_1m: mibg_radprot::dose_rate_at_1m(curve, d0, t)?.usv_per_h(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let when = |threshold: DoseRate, alt: Option<Activity>| -> (Option<f64>, Option<String>) {
        let by_rate = mibg_radprot::time_to_dose_rate(curve, d0, threshold, THRESHOLD_HORIZON);
        let by_act = alt.map(|a| {
            mibg_radprot::time_to_retained_activity(curve, activity, a, THRESHOLD_HORIZON)
        });
        match (by_rate, by_act) {
            (Ok(t), None) => (Some(t.hours()), None),
            (Ok(t), Some(Ok(ta))) => (
                Some(t.hours().min(ta.hours())),
                Some(format!(
                    "dose-rate rule at {:.1} h, retained-activity rule at {:.1} h; the earlier applies",
                    t.hours(),
                    ta.hours()
                )),
            ),
            (Ok(t), Some(Err(_))) => (Some(t.hours()), None),
            (Err(e), Some(Ok(ta))) => (Some(ta.hours()), Some(format!("{e}"))),
            (Err(e), _) => (None, Some(format!("{e}"))),
        }
    };
    let (release, release_note) = when(rp.patient_release_at_1m, rp.patient_release_max_retained);
    let (stem, stem_note) = when(rp.stem_cell_return_at_1m, rp.stem_cell_return_max_retained);
    let caregiver = match release {
        Some(start) => {
            let pattern = ContactPattern {
                distance,
                hours_per_day,
                start: Hours::new(start),
                end: ContactEnd::Indefinite,
                law: DistanceLaw::InverseSquare,
            };
            let constraint = DoseConstraint::with_limit(
                ConstraintKind::Caregiver,
                rp.caregiver_constraint,
                format!(
                    "protocol caregiver constraint {} mSv per episode (dosimetry notes §8.4)",
                    rp.caregiver_constraint.msv()
                ),
            );
            let est = mibg_radprot::caregiver_dose(curve, d0, &pattern, &constraint)?;
            if est.exceeds {
                warnings.push(format!(
                    "caregiver dose {:.2} mSv exceeds the {:.1} mSv constraint for {} h/day at {} m from discharge: restrict contact",
                    est.dose.msv(),
                    rp.caregiver_constraint.msv(),
                    hours_per_day.hours(),
                    distance.m()
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
    Ok(RadiationProtectionOut {
        infusion,
        activity_mbq: activity.mbq(),
        activity_mci: activity.mci(),
        curve: if measured {
            format!("fitted to the infusion-{infusion} readings")
        } else {
            format!("infusion-1 retention assumed for infusion {infusion}")
        },
        initial_dose_rate_method: method,
        initial_dose_rate_usv_h_at_1m: d0.usv_per_h(),
        dose_rate_at_1m: table,
        release_threshold_usv_h: rp.patient_release_at_1m.usv_per_h(),
        release_time_h: release,
        release_note,
        stem_cell_return_threshold_usv_h: rp.stem_cell_return_at_1m.usv_per_h(),
        stem_cell_return_time_h: stem,
        stem_cell_return_note: stem_note,
        caregiver,
        residual_infusion1_mbq: None,
        warnings,
    })
}

/// Runs the command.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let protocol = load_protocol(args.protocol.as_deref())?;
    let protocol_label = args
        .protocol
        .as_deref()
        .map_or_else(|| "built-in seed protocol".to_string(), label);
    for (flag, v) in [
        ("--activity-mbq", Some(args.activity_mbq)),
        ("--target-gy", args.target_gy),
        ("--activity2-mbq", args.activity2_mbq),
        ("--contact-distance-m", Some(args.contact_distance_m)),
        ("--contact-hours-per-day", Some(args.contact_hours_per_day)),
        ("--factor", args.factor),
    ] {
        if let Some(v) = v
            && !(v.is_finite() && v > 0.0)
        {
            bail!("{flag} {v}: must be a finite number > 0");
        }
    }
    if !(args.max_activity_deviation.is_finite() && args.max_activity_deviation > 0.0) {
        bail!(
            "--max-activity-deviation {}: must be a finite number > 0",
            args.max_activity_deviation
        );
    }
    // An implausible weight is reported by the dosimetry itself (first).
    let (wlo, whi) = mibg_dosimetry::PLAUSIBLE_MASS_KG;
    if (wlo..=whi).contains(&args.weight_kg) {
        protocol
            .check_infusion1_given(
                Activity::from_mbq(args.activity_mbq),
                Mass::from_kg(args.weight_kg),
                args.max_activity_deviation,
            )
            .map_err(|e| {
                anyhow::anyhow!(
                    "--activity-mbq {} at {} kg ({protocol_label}): {e} (--max-activity-deviation)",
                    args.activity_mbq,
                    args.weight_kg
                )
            })?;
    }
    if args.contact_hours_per_day > 24.0 {
        bail!(
            "--contact-hours-per-day {}: must be ≤ 24",
            args.contact_hours_per_day
        );
    }
    if args.bootstrap > 0 && args.bootstrap < 100 {
        bail!(
            "--bootstrap {}: use 0 (delta method only) or at least 100 replicates for a 95 % interval",
            args.bootstrap
        );
    }

    let readings_text = read(&args.readings, "readings file")?;
    let ropts = ReadingsOptions {
        infusion_end: instant(&args.infusion_end, "--infusion-end")?,
        above_pre_void_tolerance: args.above_pre_void_tolerance,
    };
    let readings = parse_readings(&label(&args.readings), &readings_text, &ropts)?;

    let s_model = match (args.s_model, &args.s_table) {
        (SModelArg::Analytic, None) => SModel::default(),
        (SModelArg::Analytic, Some(_)) => {
            bail!("--s-table is given but --s-model is analytic; add --s-model table")
        }
        (SModelArg::Table, None) => bail!("--s-model table needs --s-table FILE"),
        (SModelArg::Table, Some(p)) => {
            SModel::Table(parse_s_table(&label(p), &read(p, "S table")?)?)
        }
    };
    let prediction = match (args.prediction, args.factor) {
        (PredictionArg::SameTau, None) => PredictionVariant::SameTau,
        (PredictionArg::SameDosePerActivity, None) => PredictionVariant::SameDosePerActivity,
        (PredictionArg::Factor, Some(c)) => PredictionVariant::Factor { c },
        (PredictionArg::Factor, None) => bail!("--prediction factor needs --factor C"),
        (_, Some(_)) => bail!("--factor is only used with --prediction factor"),
    };
    let model = match args.model {
        ModelArg::Auto => ModelChoice::Auto,
        ModelArg::Mono => ModelChoice::Fixed(ModelKind::Mono),
        ModelArg::Bi => ModelChoice::Fixed(ModelKind::Bi),
        ModelArg::Trapezoid => ModelChoice::Fixed(ModelKind::Trapezoid),
    };
    let fit = FitOptions {
        tail: match args.tail {
            TailArg::LogLinear => TailMethod::LogLinear,
            TailArg::Physical => TailMethod::Physical,
        },
        tail_points: args.tail_points,
        physical_bound: match args.physical_bound {
            BoundArg::Error => PhysicalBoundPolicy::Error,
            BoundArg::Constrain => PhysicalBoundPolicy::Constrain,
        },
        ..FitOptions::default()
    };
    let mass1 = Mass::from_kg(args.weight_kg);
    let activity1 = Activity::from_mbq(args.activity_mbq);
    let mut req = DoseRequest::new(mass1, activity1);
    req.mass2 = args.weight2_kg.map(Mass::from_kg);
    req.max_weight_change = args.max_weight_change;
    req.min_last_reading = Hours::new(args.min_last_reading_h);
    req.model = model;
    req.fit = fit;
    req.s_model = s_model;
    req.prediction = prediction;
    req.rules =
        mibg_clinic::second_activity_rules(&protocol, args.target_gy.map(AbsorbedDose::from_gy));
    req.uncertainty = (args.bootstrap > 0).then_some(UncertaintyOptions {
        replicates: args.bootstrap,
        seed: args.seed,
    });
    let a = assess(&readings, &req)?;

    let second = match (&args.after_second, args.activity2_mbq) {
        (Some(p), Some(a2)) => {
            let text = read(p, "infusion-2 readings file")?;
            let o2 = ReadingsOptions {
                infusion_end: instant(&args.infusion2_end, "--infusion2-end")?,
                above_pre_void_tolerance: args.above_pre_void_tolerance,
            };
            let r2 = parse_readings(&label(p), &text, &o2)?;
            Some(assess_second(&a, &r2, Activity::from_mbq(a2))?)
        }
        _ => None,
    };

    // Radiation protection after the last infusion.
    let distance = Length::from_m(args.contact_distance_m);
    let hpd = Hours::new(args.contact_hours_per_day);
    let pre_void = a.readings.readings[0].net;
    let rp = match (&second, a.plan.decision) {
        (Some(s), _) => Some(radiation_protection(
            &protocol,
            &s.fit,
            2,
            s.activity2,
            true,
            s.readings.readings[0].net,
            s.activity2,
            args.reading_unit,
            distance,
            hpd,
        )?),
        (None, Decision::SecondInfusion) => {
            let days = protocol.infusion2.interval_nominal_days;
            let gap = Hours::from_days(f64::from(days));
            let residual = activity1.mbq() * a.fit.curve.retention(gap);
            let curve = WithResidualOfInfusion1 {
                curve: &a.fit,
                a1_over_a2: activity1.mbq() / a.plan.activity_mbq.mbq(),
                gap,
            };
            let mut r = radiation_protection(
                &protocol,
                &curve,
                2,
                a.plan.activity_mbq,
                false,
                pre_void,
                activity1,
                args.reading_unit,
                distance,
                hpd,
            )?;
            r.curve = format!(
                "{}, plus {residual:.1} MBq of infusion 1 left after the protocol's {days}-day interval",
                r.curve
            );
            r.residual_infusion1_mbq = Some(residual);
            // At t = 0 the patient holds A₂ plus the residual: report that rate
            // (the day-0 row of the table), not the rate of A₂ alone.
            r.initial_dose_rate_usv_h_at_1m *= curve.retention(Hours::ZERO);
            r.initial_dose_rate_method = format!(
                "{}, × (A2 + {residual:.1} MBq residual of infusion 1)/A2",
                r.initial_dose_rate_method
            );
            Some(r)
        }
        (None, _) => Some(radiation_protection(
            &protocol,
            &a.fit,
            1,
            activity1,
            true,
            pre_void,
            activity1,
            args.reading_unit,
            distance,
            hpd,
        )?),
    };

    let svg = args
        .plot
        .as_ref()
        .map(|_| plot_svg(&a, second.as_ref(), args.reading_unit));

    let doc = build_json(args, &a, second, rp, &protocol_label);
    // Everything is computed: now write.
    if let (Some(path), Some(svg)) = (&args.plot, svg) {
        write_atomically(path, svg.as_bytes())?;
    }
    if args.json {
        return print_json(out, &doc);
    }
    print_report(out, &a, &doc)
}

fn build_json(
    args: &Args,
    a: &DoseAssessment,
    second: Option<SecondInfusionDose>,
    rp: Option<RadiationProtectionOut>,
    protocol_label: &str,
) -> DoseOut {
    let u = a.uncertainty.as_ref();
    let pair = |l: f64, h: f64| Some([l, h]);
    let interval = IntervalOut {
        method: u.map_or_else(
            || "delta method only (--bootstrap 0): 95 % = estimate ± 1.96 SE".to_string(),
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
        second_activity_mbq: u.and_then(|u| {
            pair(
                u.second_activity.low_mbq.mbq(),
                u.second_activity.high_mbq.mbq(),
            )
        }),
        second_activity_mci: u.and_then(|u| {
            pair(
                u.second_activity.low_mbq.mci(),
                u.second_activity.high_mbq.mci(),
            )
        }),
        predicted_total_gy: u.and_then(|u| {
            pair(
                u.predicted_total.low_gy.gy(),
                u.predicted_total.high_gy.gy(),
            )
        }),
        tau_h: u.and_then(|u| pair(u.tau_h.0.hours(), u.tau_h.1.hours())),
        absorbed_dose_se_delta_gy: u.and_then(|u| u.dose1_se_delta.map(|d| d.gy())),
        second_activity_se_delta_mbq: u.and_then(|u| u.second_activity_se_delta.map(|d| d.mbq())),
        p_total_exceeds_target_plus_margin: u.map(|u| u.p_total_exceeds_target_plus_margin),
        overshoot_threshold_gy: (a.plan.rules.target_total + a.plan.rules.overshoot_margin).gy(),
    };
    let mut warnings = a.warnings.clone();
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
    let after = second.map(|s| {
        warnings.extend(
            s.warnings
                .iter()
                .chain(&s.notes)
                .map(|w| format!("infusion 2: {w}")),
        );
        AfterSecondOut {
            activity2_mbq: s.activity2.mbq(),
            activity2_mci: s.activity2.mci(),
            model: s.fit.model,
            tau_h: s.tau_h.hours(),
            tia_gbq_h: s.tia.gbq_h(),
            absorbed_dose2_gy: s.dose2.gy(),
            dose_per_activity2_gy_per_gbq: s.dose_per_activity2.gy_per_gbq(),
            predicted_dose2_gy: s.predicted_dose2.gy(),
            delivered_total_gy: s.delivered_total.gy(),
            planned_total_gy: s.planned_total.gy(),
            target_total_gy: s.target_total.gy(),
            difference_gy: s.difference.gy(),
            warnings: s.warnings.iter().chain(&s.notes).cloned().collect(),
            details: s,
        }
    });
    let p = &a.plan;
    DoseOut {
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
        tau_h: a.tau_h.hours(),
        tau_se_h: a.fit.tau_se_h.map(|h| h.hours()),
        tia_gbq_h: a.tia.gbq_h(),
        extrapolated_fraction: a.fit.extrapolated_fraction,
        s_model: a.s_model_description.clone(),
        s_value_gy_per_gbq_h: a.s_value1.gy_per_gbq_h(),
        s_value2_gy_per_gbq_h: p.s_value2.gy_per_gbq_h(),
        absorbed_dose_gy: a.dose1.gy(),
        dose_per_activity_gy_per_gbq: a.dose_per_activity1.gy_per_gbq(),
        decision: p.decision,
        statement: p.statement.clone(),
        second_activity_mbq: p.activity_mbq.mbq(),
        second_activity_mci: p.activity_mbq.mci(),
        second_activity_mbq_per_kg: p.activity_per_kg.mbq_per_kg(),
        second_activity_uncapped_mbq: p.uncapped_mbq.mbq(),
        binding_cap: p.binding_cap.clone(),
        caps: p.caps.clone(),
        dose_per_activity2_gy_per_gbq: p.dose_per_activity2.gy_per_gbq(),
        predicted_dose2_gy: p.predicted_dose2.gy(),
        predicted_total_gy: p.predicted_total.gy(),
        target_gy: p.rules.target_total.gy(),
        interval95: interval,
        radiation_protection: rp,
        after_second: after,
        warnings,
        options: OptionsOut {
            readings: label(&args.readings),
            weight_kg: a.request.mass1.kg(),
            weight2_kg: p.mass2_kg.kg(),
            max_weight_change: a.request.max_weight_change,
            max_activity_deviation: args.max_activity_deviation,
            min_last_reading_h: a.request.min_last_reading.hours(),
            activity_mbq: a.request.activity1.mbq(),
            activity_mci: a.request.activity1.mci(),
            model: format!("{:?}", args.model).to_lowercase(),
            tail: a.request.fit.tail,
            tail_points: a.request.fit.tail_points,
            physical_bound: a.request.fit.physical_bound,
            s_model: a.request.s_model.name().into(),
            prediction: a.request.prediction,
            protocol: protocol_label.into(),
            rules: p.rules,
            bootstrap_replicates: args.bootstrap,
            seed: args.seed,
            above_pre_void_tolerance: args.above_pre_void_tolerance,
            reading_unit: match args.reading_unit {
                ReadingUnitArg::Arbitrary => "arbitrary".into(),
                ReadingUnitArg::UsvH1m => "usv-h-1m".into(),
            },
            contact_distance_m: args.contact_distance_m,
            contact_hours_per_day: args.contact_hours_per_day,
        },
    }
}

fn act(mbq: f64) -> String {
    format!("{mbq:.0} MBq ({:.1} mCi)", mbq / MBQ_PER_MCI)
}

fn print_report(out: &mut dyn Write, a: &DoseAssessment, d: &DoseOut) -> Result<()> {
    let p = &a.plan;
    let r = &a.request;
    writeln!(
        out,
        "Whole-body dosimetry, infusion 1 — {}",
        d.options.readings
    )?;
    writeln!(
        out,
        "Patient {:.1} kg; infusion 1: {} = {:.0} MBq/kg ({:.2} mCi/kg)",
        r.mass1.kg(),
        act(r.activity1.mbq()),
        r.activity1.mbq() / r.mass1.kg(),
        ActivityPerMass::from_mbq_per_kg(r.activity1.mbq() / r.mass1.kg()).mci_per_kg()
    )?;
    writeln!(out, "Protocol: {}", d.options.protocol)?;
    writeln!(out)?;
    writeln!(
        out,
        "Readings ({} rows; row 1 = pre-void = 100 %)",
        a.readings.len()
    )?;
    writeln!(
        out,
        "  {:>8}  {:>10}  {:>10}  {:>9}  {:>9}",
        "t (h)", "net", "R (%)", "fit (%)", "resid (%)"
    )?;
    for (i, rd) in a.readings.readings.iter().enumerate() {
        let fitted = a.fit.curve.retention(rd.time_h);
        writeln!(
            out,
            "  {:>8.2}  {:>10.3}  {:>10.2}  {:>9.2}  {:>9.2}",
            rd.time_h.hours(),
            rd.net,
            rd.retention * 100.0,
            fitted * 100.0,
            a.fit.residuals[i] * 100.0
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Model: {} — {}",
        a.fit.model.name(),
        a.selection.reason
    )?;
    for c in &a.fit.components {
        let se = c
            .half_life_se_h
            .map_or(String::new(), |s| format!(" ± {:.2}", s.hours()));
        let fse = c
            .fraction_se
            .map_or(String::new(), |s| format!(" ± {s:.3}"));
        let bound = if c.at_physical_bound {
            " [at physical bound]"
        } else {
            ""
        };
        writeln!(
            out,
            "  component: fraction {:.3}{fse}, effective T½ {:.2}{se} h{bound}",
            c.fraction,
            c.half_life_h.hours()
        )?;
    }
    if let Some(r2) = a.fit.r_squared {
        writeln!(out, "  R² = {r2:.5}")?;
    }
    let tse = a
        .fit
        .tau_se_h
        .map_or(String::new(), |s| format!(" ± {:.2}", s.hours()));
    writeln!(
        out,
        "  τ = {:.2}{tse} h; extrapolated after the last reading: {:.1} %",
        a.tau_h.hours(),
        a.fit.extrapolated_fraction * 100.0
    )?;
    writeln!(out)?;
    writeln!(out, "Dose of infusion 1")?;
    writeln!(out, "  TIA Ã1 = A1·τ = {:.2} GBq·h", a.tia.gbq_h())?;
    writeln!(
        out,
        "  S({:.1} kg) = {:.4e} Gy/(GBq·h): {}",
        r.mass1.kg(),
        a.s_value1.gy_per_gbq_h(),
        a.s_model_description
    )?;
    writeln!(
        out,
        "  D1 = {:.3} Gy   (D1/A1 = {:.4} Gy/GBq = {:.4} mGy/MBq)",
        a.dose1.gy(),
        a.dose_per_activity1.gy_per_gbq(),
        a.dose_per_activity1.gy_per_gbq()
    )?;
    if let Some(iv) = d.interval95.absorbed_dose_gy {
        writeln!(out, "  95 % interval D1: {:.3}–{:.3} Gy", iv[0], iv[1])?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Second infusion (target {:.2} Gy total; {})",
        p.rules.target_total.gy(),
        p.variant.describe()
    )?;
    writeln!(
        out,
        "  predicted dose per activity at infusion 2: {:.4} Gy/GBq (weight {:.1} kg, S = {:.4e})",
        p.dose_per_activity2.gy_per_gbq(),
        p.mass2_kg.kg(),
        p.s_value2.gy_per_gbq_h()
    )?;
    writeln!(
        out,
        "  uncapped A2 = (target − D1)/d2 = {}",
        act(p.uncapped_mbq.mbq().max(0.0))
    )?;
    for c in &p.caps {
        writeln!(
            out,
            "  cap {:<26} allows {:>28}{}  ({})",
            c.name,
            act(c.allows_mbq.mbq()),
            if c.binds { "  ← BINDS" } else { "" },
            c.reason
        )?;
    }
    writeln!(out, "  >> {}", p.statement)?;
    if p.decision == Decision::SecondInfusion {
        writeln!(
            out,
            "  A2 = {} = {:.1} MBq/kg",
            act(p.activity_mbq.mbq()),
            p.activity_per_kg.mbq_per_kg()
        )?;
        writeln!(
            out,
            "  predicted D2 = {:.3} Gy; predicted total = {:.3} Gy",
            p.predicted_dose2.gy(),
            p.predicted_total.gy()
        )?;
    }
    if let Some(iv) = d.interval95.second_activity_mbq {
        writeln!(out, "  95 % interval A2: {} – {}", act(iv[0]), act(iv[1]))?;
    }
    if let Some(iv) = d.interval95.predicted_total_gy {
        writeln!(
            out,
            "  95 % interval of the total with this A2: {:.3}–{:.3} Gy",
            iv[0], iv[1]
        )?;
    }
    if let Some(pr) = d.interval95.p_total_exceeds_target_plus_margin {
        writeln!(
            out,
            "  P(total > {:.2} Gy = target + margin) = {:.1} %",
            d.interval95.overshoot_threshold_gy,
            pr * 100.0
        )?;
    }
    writeln!(out, "  uncertainty: {}", d.interval95.method)?;
    if let Some(s) = &d.after_second {
        writeln!(out)?;
        writeln!(
            out,
            "Delivered dose of infusion 2 — {}",
            s.details.readings.source
        )?;
        writeln!(
            out,
            "  A2 given {}; model {}; τ2 = {:.2} h; TIA = {:.2} GBq·h",
            act(s.activity2_mbq),
            s.model.name(),
            s.tau_h,
            s.tia_gbq_h
        )?;
        writeln!(
            out,
            "  D2 = {:.3} Gy (predicted {:.3} Gy); delivered total D1 + D2 = {:.3} Gy vs planned {:.3} Gy (difference {:+.3} Gy; target {:.2} Gy)",
            s.absorbed_dose2_gy,
            s.predicted_dose2_gy,
            s.delivered_total_gy,
            s.planned_total_gy,
            s.difference_gy,
            s.target_total_gy
        )?;
    }
    if let Some(rp) = &d.radiation_protection {
        writeln!(out)?;
        writeln!(
            out,
            "Radiation protection after infusion {} ({}; {})",
            rp.infusion,
            act(rp.activity_mbq),
            rp.curve
        )?;
        writeln!(
            out,
            "  dose rate at 1 m at t = 0: {:.1} µSv/h ({})",
            rp.initial_dose_rate_usv_h_at_1m, rp.initial_dose_rate_method
        )?;
        writeln!(
            out,
            "  {:>5}  {:>16}  {:>16}",
            "day", "retained", "µSv/h at 1 m"
        )?;
        for pt in &rp.dose_rate_at_1m {
            writeln!(
                out,
                "  {:>5}  {:>12.1} MBq  {:>16.2}",
                pt.day, pt.retained_activity_mbq, pt.dose_rate_usv_h_at_1m
            )?;
        }
        let fmt_t = |t: Option<f64>| {
            t.map_or("not reached within 90 days".to_string(), |h| {
                format!("{h:.1} h (day {:.1})", h / 24.0)
            })
        };
        writeln!(
            out,
            "  release (≤ {} µSv/h at 1 m): {}",
            rp.release_threshold_usv_h,
            fmt_t(rp.release_time_h)
        )?;
        writeln!(
            out,
            "  stem-cell return (≤ {} µSv/h at 1 m): {}",
            rp.stem_cell_return_threshold_usv_h,
            fmt_t(rp.stem_cell_return_time_h)
        )?;
        if let Some(c) = &rp.caregiver {
            writeln!(
                out,
                "  caregiver from release, {} h/day at {} m: {:.2} mSv ({:.0} % of the {} mSv constraint){}",
                d.options.contact_hours_per_day,
                d.options.contact_distance_m,
                c.dose.msv(),
                c.fraction_of_constraint * 100.0,
                c.constraint.limit.msv(),
                if c.exceeds { " — EXCEEDS" } else { "" }
            )?;
        }
    }
    writeln!(out)?;
    if d.warnings.is_empty() {
        writeln!(out, "Warnings: none")?;
    } else {
        writeln!(out, "Warnings:")?;
        for w in &d.warnings {
            writeln!(out, "  ! {w}")?;
        }
    }
    Ok(())
}

fn plot_svg(
    a: &DoseAssessment,
    second: Option<&SecondInfusionDose>,
    unit: ReadingUnitArg,
) -> String {
    use mibg_plot::{Axis, Figure, Panel, Series};
    let _ = unit;
    let t_last = a
        .readings
        .readings
        .last()
        .map_or(120.0, |r| r.time_h.hours());
    let mut t_max = t_last * 1.25;
    if let Some(s) = second {
        t_max = t_max.max(s.readings.readings.last().map_or(0.0, |r| r.time_h.hours()) * 1.25);
    }
    let curve = |f: &RetentionFit| -> Vec<(f64, f64)> {
        (0..=200)
            .map(|i| {
                let t = t_max * f64::from(i) / 200.0;
                (t, 100.0 * f.curve.retention(Hours::new(t)))
            })
            .collect()
    };
    let pts: Vec<(f64, f64)> = a
        .readings
        .readings
        .iter()
        .map(|r| (r.time_h.hours(), r.retention * 100.0))
        .collect();
    let mut top = Panel::new(
        Axis::linear("time after end of infusion (h)"),
        Axis::log10("whole-body retention (%)"),
    )
    .series(Series::points("infusion 1 readings", pts))
    .series(Series::line(
        &format!("infusion 1 {} fit", a.fit.model.name()),
        curve(&a.fit),
    ));
    let res: Vec<(f64, f64)> = a
        .readings
        .readings
        .iter()
        .zip(&a.fit.residuals)
        .map(|(r, e)| (r.time_h.hours(), e * 100.0))
        .collect();
    let mut bottom = Panel::new(
        Axis::linear("time after end of infusion (h)"),
        Axis::linear("residual (percentage points)"),
    )
    .height(130.0)
    .reference_y(0.0)
    .series(Series::points("infusion 1", res));
    if let Some(s) = second {
        let p2: Vec<(f64, f64)> = s
            .readings
            .readings
            .iter()
            .map(|r| (r.time_h.hours(), r.retention * 100.0))
            .collect();
        top = top
            .series(Series::points("infusion 2 readings", p2))
            .series(Series::line(
                &format!("infusion 2 {} fit", s.fit.model.name()),
                curve(&s.fit),
            ));
        let r2: Vec<(f64, f64)> = s
            .readings
            .readings
            .iter()
            .zip(&s.fit.residuals)
            .map(|(r, e)| (r.time_h.hours(), e * 100.0))
            .collect();
        bottom = bottom.series(Series::points("infusion 2", r2));
    }
    Figure::new(760.0)
        .title(format!(
            "Whole-body retention — D1 = {:.2} Gy, τ = {:.1} h, A2 = {}",
            a.dose1.gy(),
            a.tau_h.hours(),
            act(a.plan.activity_mbq.mbq())
        ))
        .share_x()
        .panel(top)
        .panel(bottom)
        .to_svg()
}
