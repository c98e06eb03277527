//! `mibg design`: sample sizes for the next study — Simon's two-stage and the
//! exact single-stage design for a response rate, and the number of events
//! and patients for a survival endpoint. All computation is in
//! `mibg_stats::design`; this module parses options and explains the numbers.

use crate::output::print_json;
use anyhow::{Result, anyhow, bail};
use mibg_stats::design::{
    self, Accrual, Allocation, BinaryHypotheses, ControlSurvival, DesignError, EventFormula,
    EventProbability, PatientsResult, Sided, SimonTwoStage, SingleStageDesign, SurvivalHypotheses,
    TwoStageDesign,
};
use mibg_stats::time::SurvTime;
use serde::Serialize;
use std::io::Write;

/// Arguments of `mibg design`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: DesignCommand,
}

#[derive(clap::Subcommand, Debug)]
enum DesignCommand {
    /// Simon's two-stage design for a response rate: the optimal and minimax
    /// designs and the admissible designs between them (exact binomial).
    Simon(BinaryArgs),
    /// The exact binomial single-stage design for a response rate: the
    /// smallest n with a critical value meeting alpha and power.
    SingleStage(BinaryArgs),
    /// Events (Schoenfeld or Freedman) and patients (uniform accrual,
    /// follow-up, exponential survival) for a two-arm survival comparison.
    Survival(SurvivalArgs),
}

/// Options shared by the response-rate designs.
#[derive(clap::Args, Debug)]
struct BinaryArgs {
    /// Response rate not worth pursuing (H0: p ≤ p0), e.g. 0.1.
    #[arg(long)]
    p0: f64,
    /// Response rate of interest (H1: p ≥ p1), greater than p0, e.g. 0.3.
    #[arg(long)]
    p1: f64,
    /// Largest type I error P(declare promising | p0), in (0, 0.5].
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Smallest power P(declare promising | p1) = 1 − beta, in [0.5, 1).
    #[arg(long, default_value_t = 0.8)]
    power: f64,
    /// Largest total number of patients searched.
    #[arg(long, value_name = "N", default_value_t = 500)]
    max_n: u32,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum FormulaArg {
    /// Schoenfeld (1981, 1983): (z_a + z_b)² (1 + k)² / (k ln² HR).
    Schoenfeld,
    /// Freedman (1982): (z_a + z_b)² (1 + k HR)² / (k (1 − HR)²).
    Freedman,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum EventProbabilityArg {
    /// Exact integral of the exponential survival over uniform accrual.
    Exact,
    /// Schoenfeld (1983)'s Simpson rule.
    Simpson,
}

/// Options of `mibg design survival`.
#[derive(clap::Args, Debug)]
struct SurvivalArgs {
    /// Hazard ratio experimental/control to detect, e.g. 0.6.
    #[arg(long, value_name = "HR")]
    hazard_ratio: f64,
    /// Type I error, in (0, 0.5].
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// One- or two-sided test (1 or 2).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2))]
    sided: u8,
    /// Power 1 − beta, in [0.5, 1).
    #[arg(long, default_value_t = 0.8)]
    power: f64,
    /// Allocation experimental:control in whole patients, e.g. 2:1.
    #[arg(long, value_name = "E:C", default_value = "1:1")]
    allocation: String,
    /// Formula for the number of events.
    #[arg(long, value_enum, default_value_t = FormulaArg::Schoenfeld)]
    formula: FormulaArg,
    /// Control-arm median survival (exponential), in the time unit.
    #[arg(long, value_name = "T", group = "control")]
    median_control: Option<f64>,
    /// Control-arm survival S at time T, as T:S, e.g. 24:0.5.
    #[arg(long, value_name = "T:S", group = "control")]
    landmark_control: Option<String>,
    /// Control-arm hazard per time unit.
    #[arg(long, value_name = "RATE", group = "control")]
    hazard_control: Option<f64>,
    /// Accrual period (uniform accrual), in the time unit.
    #[arg(long, value_name = "T")]
    accrual: Option<f64>,
    /// Follow-up after the last patient is enrolled, in the time unit.
    #[arg(long, value_name = "T")]
    follow_up: Option<f64>,
    /// How the probability of an event is computed.
    #[arg(long, value_enum, default_value_t = EventProbabilityArg::Exact)]
    event_probability: EventProbabilityArg,
    /// Name of the time unit used by every time option (a label only).
    #[arg(long, value_name = "UNIT", default_value = "months")]
    time_unit: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    match &args.command {
        DesignCommand::Simon(a) => run_simon(a, out),
        DesignCommand::SingleStage(a) => run_single(a, out),
        DesignCommand::Survival(a) => run_survival(a, out),
    }
}

/// A library error with the option it is about.
fn opt(e: DesignError) -> anyhow::Error {
    anyhow!("--{}: {e}", e.parameter())
}

fn hypotheses(a: &BinaryArgs) -> Result<BinaryHypotheses> {
    BinaryHypotheses::new(a.p0, a.p1, a.alpha, a.power).map_err(opt)
}

const SIMON_SOURCE: &str = "Simon R, Controlled Clinical Trials 1989;10:1-10";
const JUNG_SOURCE: &str = "Jung SH, Lee T, Kim K, George SL, Stat Med 2004;23:561-569";
const AHERN_SOURCE: &str = "A'Hern RP, Stat Med 2001;20:859-866";

#[derive(Serialize)]
struct SimonReport<'a> {
    design: &'static str,
    source: &'static str,
    admissible_source: &'static str,
    beta: f64,
    #[serde(flatten)]
    result: &'a SimonTwoStage,
}

fn hypotheses_line(h: &BinaryHypotheses) -> String {
    format!(
        "H0: response rate p ≤ p0 = {}   H1: p ≥ p1 = {}\nType I error ≤ alpha = {}, power ≥ {} (beta = {}); exact binomial probabilities.",
        h.p0(),
        h.p1(),
        h.alpha(),
        h.power(),
        trim(1.0 - h.power())
    )
}

fn run_simon(a: &BinaryArgs, out: &mut dyn Write) -> Result<()> {
    let h = hypotheses(a)?;
    let s = design::simon_two_stage(&h, a.max_n).map_err(opt)?;
    if a.json {
        return print_json(
            out,
            &SimonReport {
                design: "simon-two-stage",
                source: SIMON_SOURCE,
                admissible_source: JUNG_SOURCE,
                beta: 1.0 - h.power(),
                result: &s,
            },
        );
    }
    writeln!(out, "Simon two-stage design ({SIMON_SOURCE})")?;
    writeln!(out, "{}\n", hypotheses_line(&h))?;
    writeln!(
        out,
        "Optimal design (smallest expected number of patients if p = p0):"
    )?;
    write_two_stage(out, &s.optimal, &h)?;
    writeln!(
        out,
        "\nMinimax design (smallest maximum number of patients):"
    )?;
    write_two_stage(out, &s.minimax, &h)?;
    writeln!(
        out,
        "\nAdmissible designs ({JUNG_SOURCE}): each minimises q·n + (1 − q)·EN(p0) for q in its range"
    )?;
    writeln!(
        out,
        "  {:<11} {:>6} {:>6} {:>7} {:>7} {:>7} {:>7}   q",
        "", "r1/n1", "r/n", "EN(p0)", "PET(p0)", "type I", "power"
    )?;
    let last = s.admissible.len() - 1;
    for (i, d) in s.admissible.iter().enumerate() {
        let label = match (i, i == last) {
            (0, true) => "both",
            (0, false) => "minimax",
            (_, true) => "optimal",
            _ => "admissible",
        };
        writeln!(
            out,
            "  {:<11} {:>6} {:>6} {:>7.2} {:>7.3} {:>7.4} {:>7.4}   {:.3}–{:.3}",
            label,
            format!("{}/{}", d.design.r1, d.design.n1),
            format!("{}/{}", d.design.r, d.design.n),
            d.design.at_p0.expected_n,
            d.design.at_p0.early_termination,
            d.design.at_p0.reject,
            d.design.at_p1.reject,
            d.q_low,
            d.q_high
        )?;
    }
    writeln!(
        out,
        "\nSearch: every design with {} ≤ n ≤ {} was enumerated ({} stage rules evaluated). No design with n > {} can have EN(p0) below the minimax design's {:.2}, because EN(p0) ≥ n1 + P(continue | p0)·(n − n1) and stage 1 alone must reach the power (limit --max-n {}).",
        s.search.n_lower,
        s.search.n_upper,
        s.search.stage_rules_evaluated,
        s.search.n_upper,
        s.minimax.at_p0.expected_n,
        s.search.max_n
    )?;
    write_warnings(out, &s.warnings)
}

fn write_two_stage(out: &mut dyn Write, d: &TwoStageDesign, h: &BinaryHypotheses) -> Result<()> {
    writeln!(
        out,
        "  Stage 1: treat n1 = {} patients; stop (not promising) if {} or fewer respond (r1 = {}).",
        d.n1, d.r1, d.r1
    )?;
    writeln!(
        out,
        "  Stage 2: otherwise treat {} more (n = {} in all); promising if more than {} of {} respond (r = {}: at least {}).",
        d.n - d.n1,
        d.n,
        d.r,
        d.n,
        d.r,
        d.r + 1
    )?;
    writeln!(
        out,
        "  Type I error {:.4} (≤ {}), power {:.4} (≥ {}).",
        d.at_p0.reject,
        h.alpha(),
        d.at_p1.reject,
        h.power()
    )?;
    writeln!(
        out,
        "  If p = p0: stops after stage 1 with probability PET = {:.3}; expected patients EN = {:.2}.",
        d.at_p0.early_termination, d.at_p0.expected_n
    )?;
    writeln!(
        out,
        "  If p = p1: PET = {:.3}; EN = {:.2}.",
        d.at_p1.early_termination, d.at_p1.expected_n
    )?;
    Ok(())
}

#[derive(Serialize)]
struct SingleReport<'a> {
    design: &'static str,
    source: &'static str,
    beta: f64,
    #[serde(flatten)]
    result: &'a SingleStageDesign,
}

fn run_single(a: &BinaryArgs, out: &mut dyn Write) -> Result<()> {
    let h = hypotheses(a)?;
    let d = design::single_stage(&h, a.max_n).map_err(opt)?;
    if a.json {
        return print_json(
            out,
            &SingleReport {
                design: "exact-single-stage",
                source: AHERN_SOURCE,
                beta: 1.0 - h.power(),
                result: &d,
            },
        );
    }
    writeln!(out, "Exact binomial single-stage design ({AHERN_SOURCE})")?;
    writeln!(out, "{}\n", hypotheses_line(&h))?;
    writeln!(
        out,
        "Treat n = {} patients; promising if more than {} respond (r = {}: at least {}).",
        d.n,
        d.r,
        d.r,
        d.r + 1
    )?;
    writeln!(
        out,
        "Type I error P(X > {} | p0) = {:.4} (≤ {}); power P(X > {} | p1) = {:.4} (≥ {}).",
        d.r,
        d.type_i_error,
        h.alpha(),
        d.r,
        d.power,
        h.power()
    )?;
    writeln!(
        out,
        "No n below {} has a critical value meeting both (every n from 1 was checked).",
        d.n
    )?;
    write_warnings(out, &d.warnings)
}

fn parse_allocation(s: &str) -> Result<Allocation> {
    let parsed = s
        .split_once(':')
        .and_then(|(e, c)| Some((e.trim().parse::<u32>().ok()?, c.trim().parse::<u32>().ok()?)));
    let Some((e, c)) = parsed else {
        bail!("--allocation = {s}: expected E:C in whole patients, e.g. 1:1 or 2:1");
    };
    Allocation::new(e, c).map_err(opt)
}

fn time(option: &str, v: f64) -> Result<SurvTime> {
    SurvTime::new(v).map_err(|e| anyhow!("--{option}: {e}"))
}

fn control_survival(a: &SurvivalArgs) -> Result<Option<ControlSurvival>> {
    if let Some(m) = a.median_control {
        return Ok(Some(ControlSurvival::Median(time("median-control", m)?)));
    }
    if let Some(l) = &a.landmark_control {
        let parsed = l.split_once(':').and_then(|(t, s)| {
            Some((t.trim().parse::<f64>().ok()?, s.trim().parse::<f64>().ok()?))
        });
        let Some((t, s)) = parsed else {
            bail!("--landmark-control = {l}: expected T:S, e.g. 24:0.5 (survival 0.5 at time 24)");
        };
        return Ok(Some(ControlSurvival::Landmark {
            time: time("landmark-control", t)?,
            survival: s,
        }));
    }
    Ok(a.hazard_control.map(ControlSurvival::Hazard))
}

#[derive(Serialize)]
struct SurvivalReport {
    design: &'static str,
    hazard_ratio: f64,
    alpha: f64,
    sided: u8,
    power: f64,
    allocation: Allocation,
    time_unit: String,
    events: design::EventsResult,
    /// The other formula's events, for comparison.
    events_other_formula: design::EventsResult,
    patients: Option<PatientsResult>,
    warnings: Vec<String>,
}

fn run_survival(a: &SurvivalArgs, out: &mut dyn Write) -> Result<()> {
    let allocation = parse_allocation(&a.allocation)?;
    let sided = if a.sided == 1 { Sided::One } else { Sided::Two };
    let h = SurvivalHypotheses::new(a.hazard_ratio, a.alpha, sided, a.power, allocation)
        .map_err(opt)?;
    let (formula, other) = match a.formula {
        FormulaArg::Schoenfeld => (EventFormula::Schoenfeld, EventFormula::Freedman),
        FormulaArg::Freedman => (EventFormula::Freedman, EventFormula::Schoenfeld),
    };
    let method = match a.event_probability {
        EventProbabilityArg::Exact => EventProbability::Exact,
        EventProbabilityArg::Simpson => EventProbability::Simpson,
    };
    let control = control_survival(a)?;
    let patients = match (control, a.accrual, a.follow_up) {
        (None, None, None) => None,
        (Some(c), Some(acc), Some(fu)) => {
            let accrual =
                Accrual::new(time("accrual", acc)?, time("follow-up", fu)?).map_err(opt)?;
            Some(design::survival_patients(&h, formula, c, accrual, method).map_err(opt)?)
        }
        (None, _, _) => bail!(
            "--median-control, --landmark-control or --hazard-control: patients need the control arm's survival (with --accrual and --follow-up)"
        ),
        (Some(_), None, _) => {
            bail!("--accrual: patients need the accrual period (with --follow-up)")
        }
        (Some(_), Some(_), None) => {
            bail!("--follow-up: patients need the follow-up after the last enrolment (0 if none)")
        }
    };
    let report = SurvivalReport {
        design: "survival-events-and-patients",
        hazard_ratio: a.hazard_ratio,
        alpha: a.alpha,
        sided: a.sided,
        power: a.power,
        allocation,
        time_unit: a.time_unit.clone(),
        events: design::survival_events(&h, formula),
        events_other_formula: design::survival_events(&h, other),
        warnings: patients
            .as_ref()
            .map(|p| p.warnings.clone())
            .unwrap_or_default(),
        patients,
    };
    if a.json {
        return print_json(out, &report);
    }
    write_survival(out, &report)
}

fn write_survival(out: &mut dyn Write, r: &SurvivalReport) -> Result<()> {
    let unit = &r.time_unit;
    let (e, c) = (r.allocation.experimental, r.allocation.control);
    writeln!(
        out,
        "Survival endpoint: log-rank test of hazard ratio {} (experimental/control), allocation {e}:{c} (experimental:control, k = {})",
        r.hazard_ratio,
        trim(r.allocation.ratio())
    )?;
    let (side, za) = if r.sided == 1 {
        ("One-sided", "z(1 − alpha)")
    } else {
        ("Two-sided", "z(1 − alpha/2)")
    };
    writeln!(
        out,
        "{side} alpha {}: {za} = {:.4}; power {}: z(power) = {:.4}\n",
        r.alpha, r.events.z_alpha, r.power, r.events.z_beta
    )?;
    let formula = match r.events.formula {
        EventFormula::Freedman => "(z_a + z_b)² (1 + k·HR)² / (k (1 − HR)²)",
        _ => "(z_a + z_b)² (1 + k)² / (k (ln HR)²)",
    };
    writeln!(
        out,
        "Events, {}: D = {formula} = {:.2} → {} events",
        r.events.formula.label(),
        r.events.events_exact,
        r.events.events
    )?;
    writeln!(
        out,
        "  ({} would need {:.2} → {} events.)",
        r.events_other_formula.formula.label(),
        r.events_other_formula.events_exact,
        r.events_other_formula.events
    )?;
    let Some(p) = &r.patients else {
        writeln!(
            out,
            "\nPatients: give the control arm's survival (--median-control, --landmark-control or --hazard-control), --accrual and --follow-up."
        )?;
        return Ok(());
    };
    writeln!(
        out,
        "\nPatients: uniform accrual over {} {unit}, then {} {unit} of follow-up; exponential survival.",
        p.accrual.accrual(),
        p.accrual.follow_up()
    )?;
    for (name, arm) in [("Control", &p.control), ("Experimental", &p.experimental)] {
        writeln!(
            out,
            "  {name:<13} median {:.2} {unit} (hazard {:.5} per time unit); P(event by the analysis) = {:.4}",
            arm.median, arm.hazard, arm.event_probability
        )?;
    }
    writeln!(
        out,
        "  Pooled P(event) = {:.4} ({})",
        p.event_probability,
        p.event_probability_method.label()
    )?;
    writeln!(
        out,
        "  Patients: {} / {:.4} = {:.1} → {} in whole blocks of {}: {} control + {} experimental (unrounded D/P = {:.2})",
        p.events.events,
        p.event_probability,
        p.events.events as f64 / p.event_probability,
        p.patients,
        e + c,
        p.control.patients,
        p.experimental.patients,
        p.patients_exact
    )?;
    writeln!(
        out,
        "  Accrual rate: {:.2} patients per time unit ({unit}); expected events at the analysis: {:.1} control + {:.1} experimental = {:.1}",
        p.accrual_rate,
        p.control.expected_events,
        p.experimental.expected_events,
        p.control.expected_events + p.experimental.expected_events
    )?;
    write_warnings(out, &r.warnings)
}

fn write_warnings(out: &mut dyn Write, warnings: &[String]) -> Result<()> {
    for w in warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}

fn trim(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
