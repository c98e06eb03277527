//! `mibg dose READINGS.csv --weight-kg W --activity-mbq A1 [...]`: whole-body
//! dosimetry of infusion 1 and the second activity that reaches the
//! protocol's whole-body target, with a 95 % interval, radiation protection
//! after the infusion, and (with `--after-second`) the delivered total.
//!
//! Argument parsing and rendering only: the clinical act is
//! [`mibg_clinic::assess_course_dosimetry`] (the plausibility gate, the fit,
//! D₁, A₂ with caps and interval, radiation protection, the delivered total).
//! This module reads the files, prints the report or one JSON document, and
//! writes the optional SVG plot atomically.

use crate::cmd::plan::load_protocol;
use crate::document::{Patient, PatientArgs, PdfArgs};
use crate::output::{print_json, write_atomically};
use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use mibg_clinic::dosimetry::{
    ContactPlan, CourseDosimetry, CourseInput, DosimetryOptions, ReadingUnit, SecondInfusionInput,
};
use mibg_dosimetry::gate::{Check, CheckStatus, GateReport};
use mibg_dosimetry::{
    Decision, FitOptions, ModelChoice, ModelKind, PhysicalBoundPolicy, PredictionVariant,
    ReadingsOptions, SModel, TailMethod, UncertaintyOptions, parse_readings, parse_s_table,
};
use mibg_units::{AbsorbedDose, Activity, ActivityPerMass, Hours, Length, MBQ_PER_MCI, Mass};
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
    /// Analytic two-component model (docs/reference/dosimetry.md §5.3).
    Analytic,
    /// Phantom table (--s-table), log–log interpolation (docs/reference/dosimetry.md §5.4).
    Table,
    /// The shipped I-131 reference-phantom table (ICRP 89 masses, newborn to
    /// adult; values [U], protocols/s-values/i131-whole-body-phantoms.csv),
    /// log–log interpolation, the end segments' power laws to 2–150 kg.
    Phantoms,
}

/// Prediction of the dose per activity of infusion 2 (docs/reference/dosimetry.md §6.1).
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

/// Distance law on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LawArg {
    /// Cormack & Shearer (1 m / d)^1.5 (Phys Med Biol 1998; glowgreen): the default.
    CormackShearer,
    /// Point source (1 m / d)^2.
    InverseSquare,
}

/// Sharing of a constraint between the infusions.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SplitArg {
    /// Equal shares, the unused part carried to the next infusion.
    Equal,
    /// In proportion to the activities, the unused part carried on.
    Activity,
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
    /// Net administered activity of infusion 1, MBq, as already corrected
    /// by the user; or give the hot-lab record instead (--assayed-mbq,
    /// --assay-time, --infusion-start, --residual-mbq, --residual-time).
    #[arg(
        long,
        required_unless_present = "assayed_mbq",
        conflicts_with = "assayed_mbq"
    )]
    activity_mbq: Option<f64>,
    /// Hot-lab record of infusion 1: activity assayed in the dose
    /// calibrator, MBq (decayed to --infusion-start; the residual is
    /// subtracted, docs/reference/dosimetry.md §3.4).
    #[arg(long, requires_all = ["assay_time", "infusion_start", "residual_mbq", "residual_time"])]
    assayed_mbq: Option<f64>,
    /// Time of the assay (its calibration time), ISO 8601 with offset.
    #[arg(long, requires = "assayed_mbq")]
    assay_time: Option<String>,
    /// Start of infusion 1, ISO 8601 with offset: the reference time of the
    /// administered activity.
    #[arg(long, requires = "assayed_mbq")]
    infusion_start: Option<String>,
    /// Activity left in syringe and lines after infusion 1, MBq.
    #[arg(long, requires = "assayed_mbq")]
    residual_mbq: Option<f64>,
    /// Time the residual was measured, ISO 8601 with offset.
    #[arg(long, requires = "assayed_mbq")]
    residual_time: Option<String>,
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
    /// Extend the --s-table beyond its first and last masses to the
    /// protocol's weight range (2–150 kg) by the end segments' power laws
    /// (docs/reference/dosimetry.md §5.4) [I].
    #[arg(long, requires = "s_table")]
    s_extrapolate: bool,
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
    /// Readings after infusion 2: compute its delivered dose (with
    /// --activity2-mbq or the infusion-2 hot-lab record).
    #[arg(long)]
    after_second: Option<PathBuf>,
    /// Net activity actually given at infusion 2, MBq (with --after-second).
    #[arg(long, requires = "after_second", conflicts_with = "assayed2_mbq")]
    activity2_mbq: Option<f64>,
    /// Hot-lab record of infusion 2: assayed activity, MBq.
    #[arg(long, requires_all = ["after_second", "assay2_time", "infusion2_start", "residual2_mbq", "residual2_time"])]
    assayed2_mbq: Option<f64>,
    /// Time of the infusion-2 assay, ISO 8601 with offset.
    #[arg(long, requires = "assayed2_mbq")]
    assay2_time: Option<String>,
    /// Start of infusion 2, ISO 8601 with offset.
    #[arg(long, requires = "assayed2_mbq")]
    infusion2_start: Option<String>,
    /// Residual activity after infusion 2, MBq.
    #[arg(long, requires = "assayed2_mbq")]
    residual2_mbq: Option<f64>,
    /// Time the infusion-2 residual was measured, ISO 8601 with offset.
    #[arg(long, requires = "assayed2_mbq")]
    residual2_time: Option<String>,
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
    /// How dose rate falls with distance, for every contact dose and for
    /// --reading-distance-m (named in every output).
    #[arg(long, value_enum, default_value = "cormack-shearer")]
    distance_law: LawArg,
    /// Distance (1–3 m) at which µSv/h readings were taken (with
    /// --reading-unit usv-h-1m); converted to 1 m by --distance-law.
    #[arg(long, default_value_t = 1.0)]
    reading_distance_m: f64,
    /// Restriction periods and the instruction sheet for the family: every
    /// contact pattern of PATTERNS.toml (default: the built-in standard set,
    /// protocols/contact-patterns.toml) over the whole course. Needs the clock
    /// time of the end of infusion 1 (--infusion-time, or --infusion-end).
    #[arg(long, value_name = "PATTERNS.toml", num_args = 0..=1)]
    family: Option<Option<PathBuf>>,
    /// End of infusion 1 as a clock time with UTC offset
    /// (2026-03-02T14:30+01:00), for --family when READINGS has hours.
    #[arg(long)]
    infusion_time: Option<String>,
    /// End of infusion 2 as a clock time with UTC offset, for --family
    /// (default: --infusion2-end, else infusion 1 + the protocol's interval).
    #[arg(long)]
    infusion2_time: Option<String>,
    /// Treatment courses per year: a per-year constraint (1 mSv) is divided by it.
    #[arg(long, default_value_t = 1, value_parser = crate::args::whole_u32)]
    courses_per_year: u32,
    /// How each constraint is shared between infusions 1 and 2.
    #[arg(long, value_enum, default_value = "equal")]
    budget_split: SplitArg,
    /// Write an SVG of the dose rate at 1 m over the course (with the release
    /// and stem-cell-return thresholds) and of the dose against the delay of
    /// every pattern (with --family).
    #[arg(long, requires = "family")]
    family_plot: Option<PathBuf>,
    /// Write the family's instruction sheet as plain text (with --family).
    #[arg(long, requires = "family")]
    family_sheet: Option<PathBuf>,
    /// Accept a failed plausibility check by name and prescribe anyway
    /// (repeatable): physical-decay, rise, outlier, r-squared, tau-se,
    /// bootstrap-failures. Recorded in the report, the JSON and the warnings.
    #[arg(long, value_name = "CHECK")]
    accept: Vec<Check>,
    /// Print one JSON document instead of the report.
    #[arg(long)]
    json: bool,
    /// Write an SVG of readings, fitted curve (log axis) and residuals.
    #[arg(long)]
    plot: Option<PathBuf>,
    #[command(flatten)]
    patient: PatientArgs,
    #[command(flatten)]
    pdf: PdfArgs,
}

/// The JSON document of `mibg dose`: the patient's identifying data when
/// given, the infusion-1 readings as validated (with the fitted retention at
/// each reading time), then the dosimetry result. The PDF prints exactly
/// this document.
#[derive(serde::Serialize)]
struct DoseJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    patient: Option<&'a Patient>,
    /// The validated readings of infusion 1 (row 1 = pre-void).
    readings: &'a mibg_dosimetry::Readings,
    /// The fitted retention R̂(tᵢ) at each reading time (same order).
    fitted_retention: Vec<f64>,
    #[serde(flatten)]
    result: &'a CourseDosimetry,
}

/// Reads a CSV file: its bytes as UTF-8 text, or the CSV layer's error
/// naming the line of the first byte that is not (a spreadsheet export in
/// Windows-1252, UTF-16 "Unicode text").
fn read(path: &Path, what: &str) -> Result<String> {
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read {what} {}", path.display()))?;
    Ok(mibg_csv::decode(&label(path), &bytes)?.to_string())
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

/// An ISO 8601 time with its UTC offset, kept in that offset (the clock the
/// family reads).
fn local_time(v: &str, flag: &str) -> Result<jiff::Zoned> {
    let bad = |e: String| {
        anyhow::anyhow!(
            "{flag} '{v}': not an ISO 8601 time with a UTC offset, e.g. 2026-03-02T14:30+01:00 ({e})"
        )
    };
    let ts = v
        .parse::<jiff::Timestamp>()
        .map_err(|e| bad(e.to_string()))?;
    let offset = match v.parse::<jiff::civil::DateTime>() {
        Ok(civil) => {
            let utc = civil
                .to_zoned(jiff::tz::TimeZone::UTC)
                .map_err(|e| bad(e.to_string()))?;
            let secs = utc.timestamp().as_second() - ts.as_second();
            jiff::tz::Offset::from_seconds(i32::try_from(secs).map_err(|e| bad(e.to_string()))?)
                .map_err(|e| bad(e.to_string()))?
        }
        // `Z`: UTC.
        Err(_) => jiff::tz::Offset::UTC,
    };
    Ok(ts.to_zoned(jiff::tz::TimeZone::fixed(offset)))
}

/// The administered activity of one infusion from the command line: the net
/// activity as given, or the hot-lab record (checked by the one rule,
/// `mibg_dosimetry::administered`, inside `assess_course_dosimetry`).
fn administered(
    net: Option<f64>,
    assayed: Option<f64>,
    [assay_time, start, residual_time]: [&Option<String>; 3],
    residual: Option<f64>,
    [net_flag, assay_flag, start_flag, residual_flag]: [&str; 4],
) -> Result<Option<mibg_dosimetry::administered::AdministeredInput>> {
    use mibg_dosimetry::administered::{AdministeredInput, HotLabRecord};
    if let Some(a) = net {
        if !(a.is_finite() && a > 0.0) {
            bail!("{net_flag} {a}: must be a finite number > 0");
        }
        return Ok(Some(Activity::from_mbq(a).into()));
    }
    let Some(assayed) = assayed else {
        return Ok(None);
    };
    let need = |v: &Option<String>, flag: &str| -> Result<jiff::Timestamp> {
        instant(v, flag)?
            .ok_or_else(|| anyhow::anyhow!("{flag} is required with the hot-lab record"))
    };
    Ok(Some(AdministeredInput::HotLab(HotLabRecord {
        assayed: Activity::from_mbq(assayed),
        assay_time: need(assay_time, assay_flag)?,
        infusion_start: need(start, start_flag)?,
        residual: Activity::from_mbq(residual.unwrap_or(f64::NAN)),
        residual_time: need(residual_time, residual_flag)?,
    })))
}

/// The family options from the command line.
fn family_options(args: &Args) -> Result<Option<mibg_clinic::family::FamilyOptions>> {
    use mibg_clinic::patterns::{STANDARD_PATTERNS_LABEL, parse_patterns, standard_patterns};
    let Some(file) = &args.family else {
        return Ok(None);
    };
    let (patterns, source) = match file {
        None => (standard_patterns(), STANDARD_PATTERNS_LABEL.to_string()),
        Some(p) => (
            parse_patterns(&read(p, "contact-pattern file")?, &label(p))?,
            label(p),
        ),
    };
    let end1 = match (&args.infusion_time, &args.infusion_end) {
        (Some(t), _) => local_time(t, "--infusion-time")?,
        (None, Some(t)) => local_time(t, "--infusion-end")?,
        (None, None) => bail!(
            "--family needs the clock time of the end of infusion 1: --infusion-time 2026-03-02T14:30+01:00 (or --infusion-end with clock-time readings)"
        ),
    };
    let end2 = match (&args.infusion2_time, &args.infusion2_end) {
        (Some(t), _) => Some(local_time(t, "--infusion2-time")?),
        (None, Some(t)) => Some(local_time(t, "--infusion2-end")?),
        (None, None) => None,
    };
    if args.courses_per_year == 0 {
        bail!("--courses-per-year 0: must be at least 1");
    }
    Ok(Some(mibg_clinic::family::FamilyOptions {
        patterns,
        patterns_source: source,
        infusion1_end: end1,
        infusion2_end: end2,
        courses_per_year: args.courses_per_year,
        split: match args.budget_split {
            SplitArg::Equal => mibg_clinic::family::BudgetSplit::Equal,
            SplitArg::Activity => mibg_clinic::family::BudgetSplit::ProportionalToActivity,
        },
    }))
}

/// Runs the command.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let protocol = load_protocol(args.protocol.as_deref())?;
    let protocol_label = args
        .protocol
        .as_deref()
        .map_or_else(|| "built-in seed protocol".to_string(), label);
    for (flag, v) in [
        ("--activity-mbq", args.activity_mbq),
        ("--target-gy", args.target_gy),
        ("--activity2-mbq", args.activity2_mbq),
        ("--contact-distance-m", Some(args.contact_distance_m)),
        ("--contact-hours-per-day", Some(args.contact_hours_per_day)),
        ("--factor", args.factor),
        (
            "--max-activity-deviation",
            Some(args.max_activity_deviation),
        ),
    ] {
        if let Some(v) = v
            && !(v.is_finite() && v > 0.0)
        {
            bail!("{flag} {v}: must be a finite number > 0");
        }
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
            let t = parse_s_table(&label(p), &read(p, "S table")?)?;
            SModel::Table(if args.s_extrapolate {
                t.extended_to_protocol_range()
            } else {
                t
            })
        }
        (SModelArg::Phantoms, None) => SModel::reference_phantoms(),
        (SModelArg::Phantoms, Some(_)) => {
            bail!(
                "--s-table is given with --s-model phantoms (the shipped table); use --s-model table for your own"
            )
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
    let administered2 = administered(
        args.activity2_mbq,
        args.assayed2_mbq,
        [
            &args.assay2_time,
            &args.infusion2_start,
            &args.residual2_time,
        ],
        args.residual2_mbq,
        [
            "--activity2-mbq",
            "--assay2-time",
            "--infusion2-start",
            "--residual2-time",
        ],
    )?;
    if args.after_second.is_some() && administered2.is_none() {
        bail!(
            "--after-second needs the activity of infusion 2: --activity2-mbq, or the hot-lab record --assayed2-mbq --assay2-time --infusion2-start --residual2-mbq --residual2-time"
        );
    }
    let second = match (&args.after_second, administered2) {
        (Some(p), Some(a2)) => {
            let text = read(p, "infusion-2 readings file")?;
            let o2 = ReadingsOptions {
                infusion_end: instant(&args.infusion2_end, "--infusion2-end")?,
                above_pre_void_tolerance: args.above_pre_void_tolerance,
            };
            Some(SecondInfusionInput {
                readings: parse_readings(&label(p), &text, &o2)?,
                activity: a2,
            })
        }
        _ => None,
    };
    let input = CourseInput {
        readings1: readings,
        weight1: Mass::from_kg(args.weight_kg),
        activity1: administered(
            args.activity_mbq,
            args.assayed_mbq,
            [&args.assay_time, &args.infusion_start, &args.residual_time],
            args.residual_mbq,
            [
                "--activity-mbq",
                "--assay-time",
                "--infusion-start",
                "--residual-time",
            ],
        )?
        .ok_or_else(|| anyhow::anyhow!("--activity-mbq or --assayed-mbq is required"))?,
        weight2: args.weight2_kg.map(Mass::from_kg),
        second,
    };
    let options = DosimetryOptions {
        target: args.target_gy.map(AbsorbedDose::from_gy),
        max_activity_deviation: args.max_activity_deviation,
        max_weight_change: args.max_weight_change,
        min_last_reading: Hours::new(args.min_last_reading_h),
        model,
        fit,
        s_model,
        prediction,
        uncertainty: (args.bootstrap > 0).then_some(UncertaintyOptions {
            replicates: args.bootstrap,
            seed: args.seed,
        }),
        reading_unit: match args.reading_unit {
            ReadingUnitArg::Arbitrary => ReadingUnit::Arbitrary,
            ReadingUnitArg::UsvH1m => ReadingUnit::UsvPerHourAt1m,
        },
        contact: ContactPlan {
            distance: Length::from_m(args.contact_distance_m),
            hours_per_day: Hours::new(args.contact_hours_per_day),
        },
        distance_law: match args.distance_law {
            LawArg::CormackShearer => mibg_clinic::family::DistanceLaw::CormackShearer,
            LawArg::InverseSquare => mibg_clinic::family::DistanceLaw::InverseSquare,
        },
        reading_distance: Length::from_m(args.reading_distance_m),
        family: family_options(args)?,
        radiation_protection: true,
        accept: args.accept.clone(),
        protocol_label: Some(protocol_label),
        above_pre_void_tolerance: args.above_pre_void_tolerance,
    };
    let d = mibg_clinic::assess_course_dosimetry(&input, &protocol, &options).map_err(|e| {
        match e {
            // Name the command-line flags of the check.
            mibg_clinic::DosimetryError::Infusion1Deviation {
                activity_mbq,
                weight_kg,
                protocol,
                error,
            } => anyhow::anyhow!(
                "{} {activity_mbq} at --weight-kg {weight_kg} ({protocol}): {error} (--max-activity-deviation)",
                if args.activity_mbq.is_some() {
                    "--activity-mbq"
                } else {
                    "net administered activity (from --assayed-mbq and --residual-mbq)"
                }
            ),
            mibg_clinic::DosimetryError::Administered { infusion, error } => {
                use mibg_dosimetry::administered::Field;
                let n = if infusion == 2 { "2" } else { "" };
                let flag = match error.field {
                    Field::Assayed => format!("--assayed{n}-mbq"),
                    Field::AssayTime => format!("--assay{n}-time"),
                    Field::InfusionStart => format!("--infusion{}-start", if n.is_empty() { "" } else { "2" }),
                    Field::Residual => format!("--residual{n}-mbq"),
                    Field::ResidualTime => format!("--residual{n}-time"),
                    _ => format!("--activity{n}-mbq"),
                };
                anyhow::anyhow!("{flag}: {}", error.rule)
            }
            e => e.into(),
        }
    })?;

    let svg = (args.plot.is_some() || args.pdf.pdf.is_some())
        .then(|| mibg_clinic::dosimetry::retention_plot_svg(&d));
    let family_svg = match (&args.family_plot, &d.family) {
        (Some(_), Some(f)) => Some(family_plot_svg(f)),
        (None, Some(f)) if args.pdf.pdf.is_some() => Some(family_plot_svg(f)),
        _ => None,
    };
    let sheet = d
        .family
        .as_ref()
        .map(mibg_clinic::family::family_sheet_text);
    let patient = args.patient.patient()?;
    let a = &d.assessment;
    let json = DoseJson {
        patient: patient.as_ref(),
        readings: &a.readings,
        fitted_retention: a
            .readings
            .readings
            .iter()
            .map(|r| a.fit.curve.retention(r.time_h))
            .collect(),
        result: &d,
    };
    let mut images = Vec::new();
    if let Some(svg) = &svg {
        images.push(("retention.svg".to_string(), svg.clone().into_bytes()));
    }
    if let Some(svg) = &family_svg {
        images.push(("family.svg".to_string(), svg.clone().into_bytes()));
    }
    let pdf = crate::document::prepare(
        &args.pdf,
        mibg_documents::DocumentKind::Dose,
        &serde_json::to_value(&json)?,
        images,
    )?;
    // Everything is computed: now write.
    if let (Some(path), Some(svg)) = (&args.plot, svg) {
        write_atomically(path, svg.as_bytes())?;
    }
    if let (Some(path), Some(svg)) = (&args.family_plot, family_svg) {
        write_atomically(path, svg.as_bytes())?;
    }
    if let (Some(path), Some(sheet)) = (&args.family_sheet, &sheet) {
        write_atomically(path, sheet.as_bytes())?;
    }
    if let Some(pdf) = pdf {
        pdf.write()?;
    }
    if args.json {
        return print_json(out, &json);
    }
    let mut text = String::new();
    if let Some(id) = patient.as_ref().and_then(|x| x.study_id()) {
        text.push_str(&format!("Patient:  {id}\n"));
    }
    render(&d, &mut text);
    if let Some(sheet) = &sheet {
        text.push('\n');
        text.push_str(sheet);
    }
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// Dose rate at 1 m over the course with the thresholds; dose against the
/// delay of resumption per pattern (as a fraction of its budget).
fn family_plot_svg(f: &mibg_clinic::family::FamilyReport) -> String {
    use mibg_plot::{Axis, Figure, Panel, Series};
    let t_end = f.dose_rate_at_1m.last().map_or(0.0, |p| p[0]);
    let flat = |y: f64| vec![(0.0, y), (t_end, y)];
    let rate: Vec<(f64, f64)> = f
        .dose_rate_at_1m
        .iter()
        .filter(|p| p[1] > 0.0)
        .map(|p| (p[0], p[1]))
        .collect();
    let mut fig = Figure::new(760.0)
        .title(format!(
            "Radiation protection for the family — distance law: {}",
            f.distance_law.describe()
        ))
        .panel(
            Panel::new(
                Axis::linear("time after the end of infusion 1 (h)"),
                Axis::log10("dose rate at 1 m (µSv/h)"),
            )
            .title("Dose rate at 1 m")
            .series(Series::line("dose rate at 1 m", rate))
            .series(Series::line(
                &format!("release {} µSv/h", f.release_threshold.usv_per_h()),
                flat(f.release_threshold.usv_per_h()),
            ))
            .series(Series::line(
                &format!(
                    "stem-cell return {} µSv/h",
                    f.stem_cell_return_threshold.usv_per_h()
                ),
                flat(f.stem_cell_return_threshold.usv_per_h()),
            )),
        );
    for inf in &f.infusions {
        let mut panel = Panel::new(
            Axis::linear(format!(
                "delay of resumption after the end of infusion {} (h)",
                inf.infusion
            )),
            Axis::linear("dose / budget of this infusion"),
        )
        .title(format!(
            "Dose against restriction delay, infusion {}",
            inf.infusion
        ))
        .height(320.0)
        .reference_y(1.0);
        for p in &f.patterns {
            if let Some(c) = p
                .dose_against_delay
                .iter()
                .find(|c| c.infusion == inf.infusion)
                && c.budget_msv > 0.0
            {
                let pts = c
                    .points
                    .iter()
                    .map(|q| (q[0], q[1] / c.budget_msv))
                    .collect();
                panel = panel.series(Series::line(&p.restriction.pattern.id, pts));
            }
        }
        fig = fig.panel(panel);
    }
    fig.to_svg()
}

/// An activity to 0.1 MBq, for the hot-lab lines.
fn act1(mbq: f64) -> String {
    format!("{mbq:.1} MBq ({:.2} mCi)", mbq / MBQ_PER_MCI)
}

fn act(mbq: f64) -> String {
    format!("{mbq:.0} MBq ({:.1} mCi)", mbq / MBQ_PER_MCI)
}

fn render_gate(s: &mut String, g: &GateReport) {
    use std::fmt::Write as _;
    let _ = writeln!(s, "Plausibility gate — {}", g.series);
    for o in &g.outcomes {
        let status = match o.status {
            CheckStatus::Passed => "passed",
            CheckStatus::Failed => "FAILED",
            CheckStatus::Accepted => "FAILED, ACCEPTED by --accept",
            CheckStatus::NotApplicable => "not run",
        };
        let _ = writeln!(s, "  {:<22} {status}: {}", o.check.name(), o.detail);
    }
    for f in &g.findings {
        let _ = writeln!(
            s,
            "  {} [{}] {}",
            if f.accepted { "ACCEPTED" } else { "REFUSED" },
            f.check,
            f.message
        );
        if let Some(w) = &f.without_reading {
            let _ = writeln!(s, "      without this reading: {}", w.statement);
        }
    }
}

/// The administered activity: the three numbers and the decay factors, or
/// the note that the net activity was taken as given.
fn render_administered(
    x: &mibg_dosimetry::administered::AdministeredActivity,
    n: u8,
    s: &mut String,
) {
    use std::fmt::Write as _;
    match &x.hot_lab {
        None => {
            let _ = writeln!(s, "  administered activity {n}: {}", x.note);
        }
        Some(h) => {
            let r = &h.record;
            let _ = writeln!(
                s,
                "  administered activity {n} (hot lab; reference time = start of infusion {}; {}):",
                r.infusion_start, x.half_life
            );
            let _ = writeln!(
                s,
                "    assayed   {} at {} × decay factor {:.5} ({:+.2} h) = {}",
                act1(r.assayed.mbq()),
                r.assay_time,
                h.assay_decay_factor,
                h.assay_to_start.hours(),
                act1(h.assayed_at_start.mbq())
            );
            let _ = writeln!(
                s,
                "    residual  {} at {} × decay correction {:.5} ({:+.2} h) = {} ({:.1} %)",
                act1(r.residual.mbq()),
                r.residual_time,
                h.residual_decay_correction,
                h.start_to_residual.hours(),
                act1(h.residual_at_start.mbq()),
                100.0 * h.residual_share
            );
            let _ = writeln!(s, "    net administered {}", act1(x.net.mbq()));
        }
    }
}

fn render(d: &CourseDosimetry, s: &mut String) {
    use std::fmt::Write as _;
    let a = &d.assessment;
    let r = &a.request;
    let o = &d.options;
    let _ = writeln!(s, "Whole-body dosimetry, infusion 1 — {}", o.readings);
    let _ = writeln!(
        s,
        "Patient {:.1} kg; infusion 1: {} = {:.0} MBq/kg ({:.2} mCi/kg)",
        r.mass1.kg(),
        act(r.activity1.mbq()),
        r.activity1.mbq() / r.mass1.kg(),
        ActivityPerMass::from_mbq_per_kg(r.activity1.mbq() / r.mass1.kg()).mci_per_kg()
    );
    render_administered(&d.administered1, 1, s);
    let _ = writeln!(s, "Protocol: {}", o.protocol);
    s.push('\n');
    let _ = writeln!(
        s,
        "Readings ({} rows; row 1 = pre-void = 100 %)",
        a.readings.len()
    );
    let _ = writeln!(
        s,
        "  {:>5}  {:>8}  {:>10}  {:>10}  {:>9}  {:>9}",
        "line", "t (h)", "net", "R (%)", "fit (%)", "resid (%)"
    );
    for (i, rd) in a.readings.readings.iter().enumerate() {
        let fitted = a.fit.curve.retention(rd.time_h);
        let _ = writeln!(
            s,
            "  {:>5}  {:>8.2}  {:>10.3}  {:>10.2}  {:>9.2}  {:>9.2}",
            rd.line,
            rd.time_h.hours(),
            rd.net,
            rd.retention * 100.0,
            fitted * 100.0,
            a.fit.residuals[i] * 100.0
        );
    }
    s.push('\n');
    render_gate(s, &d.plausibility);
    s.push('\n');
    let _ = writeln!(s, "Model: {} — {}", a.fit.model.name(), a.selection.reason);
    for c in &a.fit.components {
        let se = c
            .half_life_se_h
            .map_or(String::new(), |x| format!(" ± {:.2}", x.hours()));
        let fse = c
            .fraction_se
            .map_or(String::new(), |x| format!(" ± {x:.3}"));
        let bound = if c.at_physical_bound {
            " [at physical bound]"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "  component: fraction {:.3}{fse}, effective T½ {:.2}{se} h{bound}",
            c.fraction,
            c.half_life_h.hours()
        );
    }
    if let Some(r2) = a.fit.r_squared {
        let _ = writeln!(s, "  R² = {r2:.5}");
    }
    let tse = a
        .fit
        .tau_se_h
        .map_or(String::new(), |x| format!(" ± {:.2}", x.hours()));
    let _ = writeln!(
        s,
        "  τ = {:.2}{tse} h; extrapolated after the last reading: {:.1} %",
        a.tau_h.hours(),
        a.fit.extrapolated_fraction * 100.0
    );
    s.push('\n');
    let _ = writeln!(s, "Dose of infusion 1");
    let _ = writeln!(s, "  TIA Ã1 = A1·τ = {:.2} GBq·h", a.tia.gbq_h());
    let _ = writeln!(
        s,
        "  S({:.1} kg) = {:.4e} Gy/(GBq·h): {}",
        r.mass1.kg(),
        a.s_value1.gy_per_gbq_h(),
        a.s_model_description
    );
    let _ = writeln!(
        s,
        "  D1 = {:.3} Gy   (D1/A1 = {:.4} Gy/GBq = {:.4} mGy/MBq)",
        a.dose1.gy(),
        a.dose_per_activity1.gy_per_gbq(),
        a.dose_per_activity1.gy_per_gbq()
    );
    if let Some(iv) = d.interval95.absorbed_dose_gy {
        let _ = writeln!(s, "  95 % interval D1: {:.3}–{:.3} Gy", iv[0], iv[1]);
    }
    s.push('\n');
    let p = &a.plan;
    let _ = writeln!(
        s,
        "Second infusion (target {:.2} Gy total; {})",
        p.rules.target_total.gy(),
        p.variant.describe()
    );
    let _ = writeln!(
        s,
        "  predicted dose per activity at infusion 2: {:.4} Gy/GBq (weight {:.1} kg, S = {:.4e})",
        p.dose_per_activity2.gy_per_gbq(),
        p.mass2_kg.kg(),
        p.s_value2.gy_per_gbq_h()
    );
    let _ = writeln!(
        s,
        "  uncapped A2 = (target − D1)/d2 = {}",
        act(p.uncapped_mbq.mbq().max(0.0))
    );
    for c in &p.caps {
        let _ = writeln!(
            s,
            "  cap {:<26} allows {:>28}{}  ({})",
            c.name,
            act(c.allows_mbq.mbq()),
            if c.binds { "  ← BINDS" } else { "" },
            c.reason
        );
    }
    let _ = writeln!(s, "  >> {}", p.statement);
    if p.decision == Decision::SecondInfusion {
        let _ = writeln!(
            s,
            "  A2 = {} = {:.1} MBq/kg",
            act(p.activity_mbq.mbq()),
            p.activity_per_kg.mbq_per_kg()
        );
        let _ = writeln!(
            s,
            "  predicted D2 = {:.3} Gy; predicted total = {:.3} Gy",
            p.predicted_dose2.gy(),
            p.predicted_total.gy()
        );
    }
    let iv = &d.interval95;
    if let Some(x) = iv.second_activity_mbq {
        let _ = writeln!(s, "  95 % interval A2: {} – {}", act(x[0]), act(x[1]));
    }
    if let Some(x) = iv.predicted_total_gy {
        let _ = writeln!(
            s,
            "  95 % interval of the total with this A2: {:.3}–{:.3} Gy",
            x[0], x[1]
        );
    }
    if let Some(pr) = iv.p_total_exceeds_target_plus_margin {
        let _ = writeln!(
            s,
            "  P(total > {:.2} Gy = target + margin) = {:.1} %",
            iv.overshoot_threshold_gy,
            pr * 100.0
        );
    }
    let _ = writeln!(s, "  uncertainty: {}", iv.method);
    if let Some(x) = &d.after_second {
        s.push('\n');
        let _ = writeln!(
            s,
            "Delivered dose of infusion 2 — {}",
            x.details.readings.source
        );
        let _ = writeln!(
            s,
            "  A2 given {}; model {}; τ2 = {:.2} h; TIA = {:.2} GBq·h",
            act(x.activity2.mbq()),
            x.model.name(),
            x.tau.hours(),
            x.tia.gbq_h()
        );
        render_administered(&x.administered2, 2, s);
        let _ = writeln!(
            s,
            "  D2 = {:.3} Gy (predicted {:.3} Gy); delivered total D1 + D2 = {:.3} Gy vs planned {:.3} Gy (difference {:+.3} Gy; target {:.2} Gy)",
            x.dose2.gy(),
            x.predicted_dose2.gy(),
            x.delivered_total.gy(),
            x.planned_total.gy(),
            x.difference.gy(),
            x.target_total.gy()
        );
        let failed: Vec<&str> = x
            .plausibility
            .findings
            .iter()
            .map(|f| f.check.name())
            .collect();
        let _ = writeln!(
            s,
            "  plausibility gate: {}",
            if failed.is_empty() {
                "every check passed".to_string()
            } else {
                format!("{} ACCEPTED by --accept", failed.join(", "))
            }
        );
    }
    if let Some(rp) = &d.radiation_protection {
        s.push('\n');
        let _ = writeln!(
            s,
            "Radiation protection after infusion {} ({}; {})",
            rp.infusion,
            act(rp.activity.mbq()),
            rp.curve
        );
        let _ = writeln!(
            s,
            "  dose rate at 1 m at t = 0: {:.1} µSv/h ({})",
            rp.initial_dose_rate.usv_per_h(),
            rp.initial_dose_rate_method
        );
        let _ = writeln!(
            s,
            "  {:>5}  {:>16}  {:>16}",
            "day", "retained", "µSv/h at 1 m"
        );
        for row in &rp.dose_rate_at_1m {
            let _ = writeln!(
                s,
                "  {:>5}  {:>12.1} MBq  {:>16.2}",
                row.day,
                row.point.retained.mbq(),
                row.point.dose_rate_at_1m.usv_per_h()
            );
        }
        let fmt_t = |t: Option<Hours>| {
            t.map_or("not reached within 90 days".to_string(), |h| {
                format!("{:.1} h (day {:.1})", h.hours(), h.hours() / 24.0)
            })
        };
        let _ = writeln!(
            s,
            "  release (≤ {} µSv/h at 1 m): {}",
            rp.release_threshold.usv_per_h(),
            fmt_t(rp.release_time)
        );
        let _ = writeln!(
            s,
            "  stem-cell return (≤ {} µSv/h at 1 m): {}",
            rp.stem_cell_return_threshold.usv_per_h(),
            fmt_t(rp.stem_cell_return_time)
        );
        if let Some(c) = &rp.caregiver {
            let _ = writeln!(
                s,
                "  caregiver from release, {} h/day at {} m ({}): {:.2} mSv ({:.0} % of the {} mSv constraint){}",
                o.contact_hours_per_day,
                o.contact_distance_m,
                c.pattern.law.describe(),
                c.dose.msv(),
                c.fraction_of_constraint * 100.0,
                c.constraint.limit.msv(),
                if c.exceeds { " — EXCEEDS" } else { "" }
            );
        }
    }
    s.push('\n');
    if d.warnings.is_empty() {
        let _ = writeln!(s, "Warnings: none");
    } else {
        let _ = writeln!(s, "Warnings:");
        for w in &d.warnings {
            let _ = writeln!(s, "  ! {w}");
        }
    }
}
