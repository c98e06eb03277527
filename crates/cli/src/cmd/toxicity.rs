//! `mibg toxicity LABS.csv [...]`: CTCAE v5.0 grading of laboratory values
//! and adverse events, nadirs, grade-4 days, engraftment after each stem-cell
//! infusion, and the cohort table of worst grades.
//!
//! All the science is in `mibg-toxicity`; this module reads the files, turns
//! the options into [`Options`], and prints text or one JSON document.

use crate::output::print_json;
use anyhow::{Context, Result, bail};
use jiff::civil::Date;
use mibg_toxicity::analysis::{CohortReport, GradeSource, PatientReport};
use mibg_toxicity::engraftment::{
    EngraftmentField, EngraftmentOptions, GraftFailure, PlateletRule, Recovery,
};
use mibg_toxicity::{
    BaselineEdge, CellCount, CreatinineBaseline, Exact, GradingOptions, Options, Schedule,
    ToxicityInput, analyse, csv_input,
};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `mibg toxicity`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Laboratory results CSV (patient,date,test,value,unit,lln,uln[,baseline]).
    labs: PathBuf,
    /// Adverse events CSV (patient,date,term,grade[,ctcae_version]).
    #[arg(long, value_name = "EVENTS.csv")]
    events: Option<PathBuf>,
    /// Transfusions CSV (patient,date,product).
    #[arg(long, value_name = "TRANSFUSIONS.csv")]
    transfusions: Option<PathBuf>,
    /// Stem-cell infusion date of a patient (day 0 of an engraftment episode);
    /// repeat for a second infusion or for other patients.
    #[arg(long = "stem-cells", value_name = "PATIENT=DATE", num_args = 1.., action = clap::ArgAction::Append)]
    stem_cells: Vec<String>,
    /// Stem-cell infusion dates from a CSV file (patient,date[,cd34_e6_per_kg];
    /// a study folder's stem_cells.csv as is), one row per infusion; may be
    /// combined with --stem-cells.
    #[arg(long = "stem-cells-file", value_name = "STEM_CELLS.csv")]
    stem_cells_file: Option<PathBuf>,
    /// First 131I-mIBG infusion of a patient: the start of the toxicity window
    /// (default: the patient's first record, with a warning).
    #[arg(long = "window-start", value_name = "PATIENT=DATE", num_args = 1.., action = clap::ArgAction::Append)]
    window_start: Vec<String>,
    /// End of the window: days after the last stem-cell infusion.
    #[arg(long = "window-days", value_name = "DAYS", default_value_t = 60)]
    window_days: i64,
    /// GGT/ALP abnormal-baseline grade-1 edge "2.0×baseline": inclusive (≥,
    /// the CTCAE text) or exclusive (>, admiral's GGT code).
    #[arg(long = "ggt-alp-edge", value_enum, default_value_t = Edge::Inclusive)]
    ggt_alp_edge: Edge,
    /// Creatinine grades 2–3: baseline and ULN criteria, the worse wins
    /// (CTCAE v5, admiral), or ULN only (PharmaForest).
    #[arg(long = "creatinine", value_enum, default_value_t = Creat::BaselineAndUln)]
    creatinine: Creat,
    /// Do not grade a red-cell transfusion as anaemia grade 3 ("transfusion indicated").
    #[arg(long = "no-anemia-from-transfusions")]
    no_anemia_from_transfusions: bool,
    /// Engraftment: number of consecutive values on different days.
    #[arg(long, default_value_t = 3, value_name = "N", value_parser = crate::args::count)]
    consecutive: usize,
    /// Engraftment: largest gap in days between consecutive values (default: any gap, CIBMTR).
    #[arg(long = "max-gap-days", value_name = "DAYS")]
    max_gap_days: Option<i64>,
    /// Engraftment: ANC threshold in 10^9/L (CIBMTR 0.5).
    #[arg(long = "anc-threshold", value_name = "X10^9/L", default_value = "0.5", value_parser = decimal)]
    anc_threshold: Exact,
    /// Engraftment: platelet threshold in 10^9/L (CIBMTR 20).
    #[arg(long = "platelet-threshold", value_name = "X10^9/L", default_value = "20", value_parser = decimal)]
    platelet_threshold: Exact,
    /// Engraftment: where the platelet recovery search starts. Default:
    /// CIBMTR initial recovery (the first qualifying run after the count
    /// first fell below the threshold or a platelet transfusion); after-nadir:
    /// after the episode's lowest value. A warning names both days when
    /// they differ.
    #[arg(long = "platelet-rule", value_enum, default_value_t = PlateletRuleArg::InitialRecovery)]
    platelet_rule: PlateletRuleArg,
    /// Engraftment: days free of platelet transfusion before the first value (CIBMTR 7).
    #[arg(long = "platelet-free-days", value_name = "DAYS", default_value_t = 7)]
    platelet_free_days: i64,
    /// Engraftment: primary graft failure if no ANC recovery by this day (ASTCT, PBSC: 30).
    #[arg(long = "graft-failure-day", value_name = "DAY", default_value_t = 30)]
    graft_failure_day: i64,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn decimal(text: &str) -> Result<Exact, String> {
    let x = Exact::parse_decimal(text).map_err(|e| e.to_string())?;
    if x.is_negative() || x.is_zero() {
        return Err(format!("{text} must be > 0"));
    }
    Ok(x)
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum PlateletRuleArg {
    InitialRecovery,
    AfterNadir,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Edge {
    Inclusive,
    Exclusive,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Creat {
    BaselineAndUln,
    UlnOnly,
}

/// Reads a CSV file: its bytes as UTF-8 text (or the CSV layer's error
/// naming the line of the first byte that is not) and its label.
fn read(path: &PathBuf) -> Result<(String, String)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let name = path.display().to_string();
    let text = mibg_csv::decode(&name, &bytes)?.to_string();
    Ok((text, name))
}

fn patient_dates(values: &[String], option: &str) -> Result<Vec<(String, Date)>> {
    values
        .iter()
        .map(|v| {
            let Some((p, d)) = v.split_once('=') else {
                bail!("--{option} '{v}': expected PATIENT=DATE (e.g. SYN-01=2025-01-27)");
            };
            let (p, d) = (p.trim(), d.trim());
            if p.is_empty() {
                bail!("--{option} '{v}': empty patient");
            }
            let date: Date =
                if d.len() == 10 { d.parse().ok() } else { None }.with_context(|| {
                    format!("--{option} '{v}': '{d}' is not an ISO 8601 date (YYYY-MM-DD)")
                })?;
            Ok((p.to_string(), date))
        })
        .collect()
}

/// Runs the command.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let (text, name) = read(&args.labs)?;
    let labs = csv_input::parse_labs(&text, &name)?;
    let events = match &args.events {
        Some(p) => {
            let (text, name) = read(p)?;
            csv_input::parse_events(&text, &name)?
        }
        None => Vec::new(),
    };
    let transfusions = match &args.transfusions {
        Some(p) => {
            let (text, name) = read(p)?;
            csv_input::parse_transfusions(&text, &name)?
        }
        None => Vec::new(),
    };
    let mut schedules: BTreeMap<String, Schedule> = BTreeMap::new();
    let mut stem_cells = patient_dates(&args.stem_cells, "stem-cells")?;
    if let Some(p) = &args.stem_cells_file {
        let (text, name) = read(p)?;
        for s in csv_input::parse_stem_cells(&text, &name)? {
            if stem_cells
                .iter()
                .any(|(q, d)| *q == s.patient && *d == s.date)
            {
                bail!(
                    "{name}: stem-cell infusion of {} on {} also given with --stem-cells",
                    s.patient,
                    s.date
                );
            }
            stem_cells.push((s.patient, s.date));
        }
    }
    for (p, d) in stem_cells {
        schedules
            .entry(p.clone())
            .or_insert_with(|| Schedule {
                patient: p,
                ..Schedule::default()
            })
            .stem_cells
            .push(d);
    }
    for (p, d) in patient_dates(&args.window_start, "window-start")? {
        let s = schedules.entry(p.clone()).or_insert_with(|| Schedule {
            patient: p.clone(),
            ..Schedule::default()
        });
        if s.window_start.is_some() {
            bail!("--window-start given twice for patient {p}");
        }
        s.window_start = Some(d);
    }
    let known: std::collections::BTreeSet<&str> = labs
        .iter()
        .map(|r| &*r.patient)
        .chain(events.iter().map(|r| r.patient.as_str()))
        .chain(transfusions.iter().map(|r| r.patient.as_str()))
        .collect();
    for p in schedules.keys() {
        if !known.contains(p.as_str()) {
            bail!(
                "patient '{p}' (from --stem-cells/--stem-cells-file/--window-start) has no record in the input files"
            );
        }
    }
    let options = Options {
        grading: GradingOptions {
            baseline_edge: match args.ggt_alp_edge {
                Edge::Inclusive => BaselineEdge::Inclusive,
                Edge::Exclusive => BaselineEdge::Exclusive,
            },
            creatinine_baseline: match args.creatinine {
                Creat::BaselineAndUln => CreatinineBaseline::BaselineAndUln,
                Creat::UlnOnly => CreatinineBaseline::UlnOnly,
            },
        },
        window_days: args.window_days,
        anemia_from_transfusions: !args.no_anemia_from_transfusions,
        engraftment: EngraftmentOptions {
            consecutive: args.consecutive,
            max_gap_days: args.max_gap_days,
            anc_threshold: CellCount::from_1e9_per_l(args.anc_threshold),
            platelet_threshold: CellCount::from_1e9_per_l(args.platelet_threshold),
            platelet_transfusion_free_days: args.platelet_free_days,
            graft_failure_day: args.graft_failure_day,
            platelet_rule: match args.platelet_rule {
                PlateletRuleArg::InitialRecovery => PlateletRule::InitialRecovery,
                PlateletRuleArg::AfterNadir => PlateletRule::AfterNadir,
            },
            ..EngraftmentOptions::default()
        },
        ..Options::default()
    };
    // The library's range check (also run by analyse), with the option's name.
    options.engraftment.check().map_err(|e| {
        let flag = match e.field() {
            EngraftmentField::AncThreshold => "--anc-threshold",
            EngraftmentField::PlateletThreshold => "--platelet-threshold",
            EngraftmentField::Consecutive => "--consecutive",
            EngraftmentField::PlateletTransfusionFreeDays => "--platelet-free-days",
            EngraftmentField::GraftFailureDay => "--graft-failure-day",
            EngraftmentField::MaxGapDays => "--max-gap-days",
            _ => "engraftment option",
        };
        anyhow::anyhow!("{flag}: {e}")
    })?;
    let input = ToxicityInput {
        labs,
        events,
        transfusions,
        schedules: schedules.into_values().collect(),
    };
    let report = analyse(&input, &options)?;
    if args.json {
        return print_json(out, &report);
    }
    let mut s = String::new();
    render(&report, &mut s);
    for line in s.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn recovery(r: &Recovery) -> String {
    match r {
        Recovery::Recovered { date, day } => format!("day +{day} ({date})"),
        Recovery::Censored {
            last_date,
            last_day,
        } => {
            format!("not recovered, censored at day +{last_day} ({last_date})")
        }
        Recovery::NotApplicable => "not applicable (never fell below the threshold)".into(),
        Recovery::NoData => "no values".into(),
    }
}

fn pct(n: usize, d: usize) -> String {
    if d == 0 {
        format!("{n}")
    } else {
        format!("{n} ({:.0}%)", 100.0 * n as f64 / d as f64)
    }
}

fn render(r: &CohortReport, s: &mut String) {
    use std::fmt::Write as _;
    let o = &r.options;
    let e = &o.engraftment;
    let _ = writeln!(
        s,
        "mibg toxicity: CTCAE v{} (every grade below), {} patient(s)",
        r.ctcae_version.as_str(),
        r.patients.len()
    );
    let _ = writeln!(
        s,
        "options: window = first infusion to last stem-cell infusion + {} days; GGT/ALP abnormal-baseline edge {}; creatinine {}; red-cell transfusion = anaemia grade 3: {}",
        o.window_days,
        match o.grading.baseline_edge {
            BaselineEdge::Inclusive => "inclusive (>= 2.0 x baseline)",
            BaselineEdge::Exclusive => "exclusive (> 2.0 x baseline)",
        },
        match o.grading.creatinine_baseline {
            CreatinineBaseline::BaselineAndUln => "baseline and ULN criteria (worse wins)",
            CreatinineBaseline::UlnOnly => "ULN criteria only",
        },
        if o.anemia_from_transfusions {
            "yes"
        } else {
            "no"
        },
    );
    let any_stem_cells = r.patients.iter().any(|p| !p.engraftment.is_empty());
    if !any_stem_cells {
        let _ = writeln!(
            s,
            "engraftment: not analysed (no stem-cell infusion date given: --stem-cells-file or --stem-cells)"
        );
    }
    if any_stem_cells {
        let _ = writeln!(
            s,
            "engraftment: {} values on different days; ANC >= {} x10^9/L, the first run after the ANC nadir; platelets >= {} (and >= {}) x10^9/L, platelet rule {} ({}), free of platelet transfusion {} days before; max gap {}; primary graft failure if no ANC recovery by day +{}",
            e.consecutive,
            e.anc_threshold.e9_per_l(),
            e.platelet_threshold.e9_per_l(),
            e.platelet_secondary_threshold.e9_per_l(),
            e.platelet_rule.name(),
            e.platelet_rule.describe(),
            e.platelet_transfusion_free_days,
            e.max_gap_days
                .map_or("none".to_string(), |g| format!("{g} days")),
            e.graft_failure_day,
        );
    }
    for p in &r.patients {
        patient(p, e, s);
    }
    let _ = writeln!(
        s,
        "\nCohort: number (%) of patients by worst grade (CTCAE v{})",
        r.ctcae_version.as_str()
    );
    let _ = writeln!(
        s,
        "{:<44} {:>3}  {:<9} {:<9} {:<9} {:<9}",
        "term", "n", "G1-2", "G3", "G4", "G5"
    );
    for row in &r.cohort {
        let d = row.denominator;
        let _ = writeln!(
            s,
            "{:<44} {:>3}  {:<9} {:<9} {:<9} {:<9}",
            row.term.name(),
            d,
            pct(row.grade_1_2, d),
            pct(row.grade_3, d),
            pct(row.grade_4, d),
            pct(row.grade_5, d)
        );
    }
    let _ = writeln!(
        s,
        "n = patients with a graded value in the window (laboratory terms) or all patients (terms entered as events)"
    );
    for w in &r.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
}

fn patient(p: &PatientReport, e: &EngraftmentOptions, s: &mut String) {
    use std::fmt::Write as _;
    let _ = writeln!(
        s,
        "\n== {}  window {} to {} ({} to {})",
        p.patient, p.window.start, p.window.end, p.window.start_rule, p.window.end_rule
    );
    for b in &p.baselines {
        let _ = writeln!(
            s,
            "  baseline {:<11} {} {} on {} (ULN {}): {} [{}]",
            b.test.code(),
            b.value,
            b.unit,
            b.date,
            b.uln.map_or("-".to_string(), |u| u.to_string()),
            match b.abnormal {
                Some(true) => "abnormal",
                Some(false) => "normal",
                None => "unknown",
            },
            b.rule
        );
    }
    let _ = writeln!(s, "  worst grade per term:");
    for w in &p.worst {
        let how = p
            .graded
            .iter()
            .find(|g| g.term == w.term && g.grade == w.grade && g.date == w.first_date)
            .map(|g| match &g.source {
                GradeSource::Lab { value, unit, .. } => format!("{value} {unit}"),
                GradeSource::Event => "event".to_string(),
                GradeSource::RedCellTransfusion => "red-cell transfusion".to_string(),
            })
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "    {:<40} grade {}  first {}  {}",
            w.term.name(),
            w.grade,
            w.first_date,
            how
        );
    }
    if !p.nadirs.is_empty() {
        let _ = writeln!(s, "  nadirs:");
        for n in &p.nadirs {
            let _ = writeln!(
                s,
                "    {:<12} {} {} on {}",
                n.test.code(),
                n.value,
                n.unit,
                n.date
            );
        }
    }
    for g in &p.grade4_days {
        let _ = writeln!(
            s,
            "  grade-4 days, {}: {} measured day(s){}, {} day(s) carried forward to the next count",
            g.term.name().to_lowercase(),
            g.days,
            match (g.first, g.last) {
                (Some(a), Some(b)) => format!(" ({a} to {b})"),
                _ => String::new(),
            },
            g.days_carried_forward
        );
    }
    for (i, ep) in p.engraftment.iter().enumerate() {
        let nadir = |n: &Option<mibg_toxicity::engraftment::CountPoint>| {
            n.map_or("-".to_string(), |n| {
                format!("{} on {}", n.value_1e9_per_l, n.date)
            })
        };
        let _ = writeln!(
            s,
            "  stem cells #{} on {}{}:",
            i + 1,
            ep.stem_cells,
            ep.until
                .map_or(String::new(), |u| format!(" (episode until {u})"))
        );
        let _ = writeln!(
            s,
            "    neutrophils: nadir {}; ANC recovery {}; primary graft failure: {}",
            nadir(&ep.anc_nadir),
            recovery(&ep.neutrophils),
            match ep.primary_graft_failure {
                GraftFailure::No => "no",
                GraftFailure::Yes => "YES",
                GraftFailure::NotAssessable => "not assessable",
            }
        );
        let _ = writeln!(
            s,
            "    platelets: nadir {}; >= {}: {}; >= {}: {}",
            nadir(&ep.platelet_nadir),
            e.platelet_threshold.e9_per_l(),
            recovery(&ep.platelets),
            e.platelet_secondary_threshold.e9_per_l(),
            recovery(&ep.platelets_secondary)
        );
        for w in &ep.warnings {
            let _ = writeln!(s, "    warning: {w}");
        }
    }
    for w in &p.warnings {
        let _ = writeln!(s, "  warning: {w}");
    }
}
