//! `mibg plan --weight-kg W --height-cm H [--protocol FILE] [--json]
//! [--pdf FILE]`: the course plan of one patient under a protocol file
//! (default: the built-in seed protocol): infusion-1 activity, BSA and
//! melphalan dose, the day-by-day schedule (with calendar dates from
//! `--start-date`), and the protocol values that need review.
//!
//! Argument parsing and rendering only: the clinical act is
//! [`mibg_clinic::plan_course`]; the PDF is rendered from its JSON.

use crate::document::{Patient, PatientArgs, PdfArgs};
use crate::output::print_json;
use anyhow::{Context, Result};
use mibg_protocol::Protocol;
use mibg_protocol::melphalan::MelphalanBasis;
use mibg_protocol::plan::Plan;
use mibg_units::{Length, Mass};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `mibg plan`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Body weight in kg (plausible range 2–150 kg).
    #[arg(long, value_name = "W")]
    weight_kg: f64,
    /// Height in cm (plausible range 40–220 cm).
    #[arg(long, value_name = "H")]
    height_cm: f64,
    /// Protocol file (TOML); default: the built-in seed protocol
    /// (protocols/seed.toml).
    #[arg(long, value_name = "FILE")]
    protocol: Option<PathBuf>,
    /// Calendar date of day 0 (infusion 1), YYYY-MM-DD: the schedule
    /// shows the date of each day and window (also `--start`).
    #[arg(long, value_name = "DATE", visible_alias = "start")]
    start_date: Option<jiff::civil::Date>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    patient: PatientArgs,
    #[command(flatten)]
    pdf: PdfArgs,
}

/// The JSON document of `mibg plan`: the plan, preceded by the patient's
/// identifying data when given.
#[derive(serde::Serialize)]
struct PlanJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    patient: Option<&'a Patient>,
    #[serde(flatten)]
    plan: &'a mibg_clinic::CoursePlan,
}

/// Runs the command.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let protocol = load_protocol(args.protocol.as_deref())?;
    let mut c = mibg_clinic::plan_course(
        &protocol,
        Mass::from_kg(args.weight_kg),
        Length::from_cm(args.height_cm),
    )?;
    if let Some(d) = args.start_date {
        c.plan = c.plan.with_start_date(d)?;
    }
    let patient = args.patient.patient()?;
    let doc = PlanJson {
        patient: patient.as_ref(),
        plan: &c,
    };
    let data = serde_json::to_value(&doc)?;
    let pdf = crate::document::prepare(
        &args.pdf,
        mibg_documents::DocumentKind::Plan,
        &data,
        Vec::new(),
    )?;
    if let Some(pdf) = pdf {
        pdf.write()?;
    }
    if args.json {
        return print_json(out, &doc);
    }
    let mut text = String::new();
    if let Some(id) = patient.as_ref().and_then(|x| x.study_id()) {
        text.push_str(&format!("Patient:  {id}\n"));
    }
    render(&c.plan, &mut text);
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// Reads a protocol file, or returns the seed protocol when `path` is `None`.
/// Shared with other commands that take `--protocol`.
pub fn load_protocol(path: Option<&std::path::Path>) -> Result<Protocol> {
    match path {
        None => Ok(Protocol::seed()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read protocol file {}", path.display()))?;
            Ok(Protocol::from_toml(&text, &path.display().to_string())?)
        }
    }
}

fn render(p: &Plan, s: &mut String) {
    use std::fmt::Write as _;
    let w = |s: &mut String, line: String| {
        s.push_str(&line);
        s.push('\n');
    };
    w(
        s,
        format!(
            "Protocol: {} (version {})",
            p.protocol_name, p.protocol_version
        ),
    );
    w(s, format!("Source:   {}", p.protocol_source));
    w(
        s,
        format!("Patient:  {:.1} kg, {:.1} cm", p.weight.kg(), p.height.cm()),
    );
    s.push('\n');

    let i1 = &p.infusion1;
    w(s, "Infusion 1 (day 0)".into());
    w(
        s,
        format!(
            "  activity      {:.0} MBq = {:.3} GBq = {:.1} mCi",
            i1.activity.mbq(),
            i1.activity.gbq(),
            i1.activity.mci()
        ),
    );
    w(
        s,
        format!(
            "  per kg        {:.1} MBq/kg ({:.2} mCi/kg); prescribed {:.1} MBq/kg ({:.2} mCi/kg)",
            i1.given_per_kg.mbq_per_kg(),
            i1.given_per_kg.mci_per_kg(),
            i1.prescribed_per_kg.mbq_per_kg(),
            i1.prescribed_per_kg.mci_per_kg()
        ),
    );
    match &i1.cap {
        None => w(s, "  cap           none applied".into()),
        Some(c) => w(s, format!("  cap           APPLIED: {}", c.reason)),
    }
    s.push('\n');

    let i2 = &p.infusion2;
    w(
        s,
        format!(
            "Infusion 2 (day {}, allowed days {}-{}): activity from dosimetry of infusion 1",
            i2.day, i2.earliest_day, i2.latest_day
        ),
    );
    w(
        s,
        format!(
            "  target        {:.2} Gy whole-body, infusions 1 + 2",
            i2.target_total_wb.gy()
        ),
    );
    let limit = match i2.max_activity_limit {
        mibg_protocol::plan::Limit::CourseMaxTotalActivity => "course total activity cap",
        mibg_protocol::plan::Limit::Infusion2MaxActivityPerKg => {
            "infusion2.max_activity_per_kg_mbq"
        }
        _ => "protocol cap",
    };
    w(
        s,
        format!(
            "  at most       {:.0} MBq ({:.1} mCi) at this weight ({limit})",
            i2.max_activity.mbq(),
            i2.max_activity.mci()
        ),
    );
    w(
        s,
        format!(
            "  at least      {:.0} MBq, otherwise no second infusion",
            i2.min_worthwhile_activity.mbq()
        ),
    );
    s.push('\n');

    let m = &p.melphalan;
    w(s, "Melphalan".into());
    w(
        s,
        format!(
            "  BSA           {:.2} m2 by {}",
            m.bsa.m2(),
            m.bsa_formula.describe()
        ),
    );
    match m.basis {
        MelphalanBasis::PerArea { dose_mg_per_m2 } => w(
            s,
            format!(
                "  dose          {:.1} mg = {} mg/m2 x {:.4} m2 (per-m2 rule)",
                m.dose.mg(),
                dose_mg_per_m2.mg_per_m2(),
                m.bsa.m2()
            ),
        ),
        MelphalanBasis::SmallChildPerKg {
            dose_mg_per_kg,
            divisor,
            below_weight_kg,
        } => {
            w(
                s,
                format!(
                    "  dose          {:.1} mg = {:.3} mg/kg x {:.1} kg (small-child rule: weight < {} kg, mg/kg = mg/m2 / {})",
                    m.dose.mg(),
                    dose_mg_per_kg.mg_per_kg(),
                    p.weight.kg(),
                    below_weight_kg.kg(),
                    divisor
                ),
            );
            w(
                s,
                format!("  (per m2 it would be {:.1} mg)", m.per_area_dose.mg()),
            );
        }
        _ => w(s, format!("  dose          {:.1} mg", m.dose.mg())),
    }
    s.push('\n');

    w(s, "Schedule (day 0 = infusion 1)".into());
    for e in &p.schedule {
        let window = match e.window {
            Some((a, b)) => format!("({a}-{b})"),
            None => String::new(),
        };
        match e.date {
            Some(d) => {
                let allowed = match e.window_dates {
                    Some((a, b)) => format!(" (allowed {a} to {b})"),
                    None => String::new(),
                };
                let _ = writeln!(
                    s,
                    "  day {:>3} {:<9} {d}  {}{allowed}",
                    e.day, window, e.description
                );
            }
            None => {
                let _ = writeln!(s, "  day {:>3} {:<9} {}", e.day, window, e.description);
            }
        }
    }

    if !p.unverified_parameters.is_empty() {
        s.push('\n');
        w(
            s,
            "Protocol values to review (not verified against a primary source)".into(),
        );
        for v in &p.unverified_parameters {
            let _ = writeln!(s, "  {} {} = {}", v.status.marker(), v.key, v.value);
        }
    }
    if !p.warnings.is_empty() {
        s.push('\n');
        w(s, "Warnings".into());
        for x in &p.warnings {
            let _ = writeln!(s, "  - {x}");
        }
    }
}
