//! `mibg response FILE`: INRC 2017 (or 1993) response of one patient's
//! assessments, with the rule trace of every component, the best overall
//! response and the seed-study endpoints.

use crate::output::print_json;
use anyhow::{Context, Result, bail};
use jiff::civil::Date;
use mibg_response::input::{self, Format};
use mibg_response::inrc2017::{self, Inrc2017Options};
use mibg_response::series::{
    self, Confirmation, CutoffStatus, EndpointParams, Endpoints, SeriesOptions,
    SoftTissueDenominator, TimePoint,
};
use mibg_units::Length;
use std::io::Write;
use std::path::PathBuf;

/// `mibg response template`.
#[derive(clap::Subcommand, Debug)]
enum ResponseCommand {
    /// Write a commented assessment file to fill in (every section, its
    /// units and what leaving it out means); `mibg response` reads it once
    /// every <...> is filled.
    Template {
        /// Write to this file instead of standard output (refused if it exists).
        #[arg(long, value_name = "FILE.toml")]
        out: Option<PathBuf>,
    },
}

/// Response criteria.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Criteria {
    /// Revised INRC (Park 2017).
    Inrc2017,
    /// Original INRC (Brodeur 1993), for legacy data.
    Inrc1993,
}

/// Arguments of `mibg response`.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<ResponseCommand>,
    /// The patient's assessments (JSON or TOML, by extension).
    #[arg(required = true)]
    file: Option<PathBuf>,
    /// Response criteria.
    #[arg(long, value_enum, default_value = "inrc2017")]
    criteria: Criteria,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,

    /// INRC 2017 gap: all components CR except marrow MD [default: pr].
    #[arg(long, value_parser = ["pr", "marrow-policy", "unclassified"], help_heading = "INRC 2017 gap options")]
    all_cr_marrow_md: Option<String>,
    /// INRC 2017 gap: how marrow MD counts overall [default: by-baseline].
    #[arg(long, value_parser = ["by-baseline", "always-response", "pr-row-allows-md"], help_heading = "INRC 2017 gap options")]
    marrow_md_integration: Option<String>,
    /// INRC 2017 gap: marrow 5–20 % falling to ≤ 5 % [default: md].
    #[arg(long, value_parser = ["md", "sd"], help_heading = "INRC 2017 gap options")]
    marrow_md_5_to_20: Option<String>,
    /// INRC 2017 gap: baseline skeletal MIBG score 0 [default: not-applicable].
    #[arg(long, value_parser = ["not-applicable", "progression"], help_heading = "INRC 2017 gap options")]
    baseline_score_zero: Option<String>,
    /// INRC 2017 gap: primary ≥ 30 % smaller with worse uptake [default: literal].
    #[arg(long, value_parser = ["literal", "size-only"], help_heading = "INRC 2017 gap options")]
    primary_pr_uptake: Option<String>,
    /// INRC 2017: PD size increase ≥ 20 % (RECIST) or > 20 % [default: at-least-20].
    #[arg(long, value_parser = ["at-least-20", "more-than-20"], help_heading = "INRC 2017 gap options")]
    pd_increase: Option<String>,
    /// INRC 2017: target lymph node short axis for CR [default: below-10mm].
    #[arg(long, value_parser = ["below-10mm", "below-15mm"], help_heading = "INRC 2017 gap options")]
    node_cr: Option<String>,
    /// INRC 2017: the recalled "≥ 0.1" floor of the PR relative score [default: ignore].
    #[arg(long, value_parser = ["ignore", "literal"], help_heading = "INRC 2017 gap options")]
    relative_score_floor: Option<String>,
    /// INRC 2017: compare 123I with 131I scans [default: same].
    #[arg(long, value_parser = ["same", "mixed"], help_heading = "INRC 2017 gap options")]
    tracers: Option<String>,
    /// INRC 2017: aspirates required per time point [default: 2].
    #[arg(long, help_heading = "INRC 2017 gap options", value_parser = crate::args::whole_u32)]
    marrow_min_aspirates: Option<u32>,
    /// INRC 2017: trephines required per time point [default: 2].
    #[arg(long, help_heading = "INRC 2017 gap options", value_parser = crate::args::whole_u32)]
    marrow_min_trephines: Option<u32>,

    /// Best response: a response counts only if confirmed ≥ DAYS later
    /// [default: no confirmation].
    #[arg(
        long,
        value_name = "DAYS",
        help_heading = "Best response and endpoints",
        value_parser = crate::args::whole_u32
    )]
    confirm_days: Option<u32>,
    /// Endpoint: SIOPEN skeletal score cut-off ("< N").
    #[arg(
        long,
        default_value_t = 7,
        help_heading = "Best response and endpoints",
        value_parser = crate::args::whole_u32
    )]
    siopen_cutoff: u32,
    /// Endpoint: largest soft-tissue lesion cut-off in mm ("< X").
    #[arg(
        long,
        default_value_t = 50.0,
        help_heading = "Best response and endpoints"
    )]
    soft_tissue_cutoff_mm: f64,
    /// Endpoint: does the primary count as a soft-tissue lesion.
    #[arg(long, value_parser = ["include", "exclude"], default_value = "include", help_heading = "Best response and endpoints")]
    soft_tissue_primary: String,
    /// Endpoint: soft-tissue denominator.
    #[arg(long, value_parser = ["with-soft-tissue", "all"], default_value = "with-soft-tissue", help_heading = "Best response and endpoints")]
    soft_tissue_denominator: String,
    /// Endpoint time point: last, first, or a follow-up date YYYY-MM-DD.
    #[arg(
        long,
        default_value = "last",
        help_heading = "Best response and endpoints"
    )]
    time_point: String,
}

impl Args {
    fn options_2017(&self) -> Result<Inrc2017Options> {
        use inrc2017::*;
        fn s(v: &Option<String>) -> Option<&str> {
            v.as_deref()
        }
        let mut o = Inrc2017Options::default();
        if let Some(v) = s(&self.all_cr_marrow_md) {
            o.all_cr_with_marrow_md = match v {
                "pr" => AllCrWithMarrowMd::Pr,
                "marrow-policy" => AllCrWithMarrowMd::MarrowPolicy,
                "unclassified" => AllCrWithMarrowMd::Unclassified,
                other => bail!("--all-cr-marrow-md {other}: not a known value"),
            };
        }
        if let Some(v) = s(&self.marrow_md_integration) {
            o.marrow_md_integration = match v {
                "by-baseline" => MarrowMdIntegration::ByBaseline,
                "pr-row-allows-md" => MarrowMdIntegration::PrRowAllowsMd,
                "always-response" => MarrowMdIntegration::AlwaysResponse,
                other => bail!("--marrow-md-integration {other}: not a known value"),
            };
        }
        if let Some(v) = s(&self.marrow_md_5_to_20) {
            o.marrow_md_from_5_to_20 = match v {
                "md" => MarrowMdFrom5To20::Md,
                "sd" => MarrowMdFrom5To20::Sd,
                other => bail!("--marrow-md-5-to-20 {other}: not a known value"),
            };
        }
        if let Some(v) = s(&self.baseline_score_zero) {
            o.baseline_score_zero = match v {
                "not-applicable" => BaselineScoreZero::NotApplicable,
                "progression" => BaselineScoreZero::AnyScoreIsProgression,
                other => bail!("--baseline-score-zero {other}: not a known value"),
            };
        }
        if let Some(v) = s(&self.primary_pr_uptake) {
            o.primary_pr_uptake = match v {
                "literal" => PrimaryPrUptake::Literal,
                "size-only" => PrimaryPrUptake::SizeOnly,
                other => bail!("--primary-pr-uptake {other}: not a known value"),
            };
        }
        if let Some(v) = s(&self.pd_increase) {
            o.pd_increase = match v {
                "at-least-20" => PdIncrease::AtLeast20,
                "more-than-20" => PdIncrease::MoreThan20,
                other => bail!("--pd-increase {other}: not a known value"),
            };
        }
        if let Some(v) = s(&self.node_cr) {
            o.node_cr = match v {
                "below-10mm" => NodeCr::Below10Mm,
                "below-15mm" => NodeCr::Below15Mm,
                other => bail!("--node-cr {other}: not a known value"),
            };
        }
        if let Some(v) = s(&self.relative_score_floor) {
            o.relative_score_floor = match v {
                "ignore" => RelativeScoreFloor::Ignore,
                "literal" => RelativeScoreFloor::Literal,
                other => bail!("--relative-score-floor {other}: not a known value"),
            };
        }
        if let Some(v) = s(&self.tracers) {
            o.tracers = match v {
                "same" => TracerPolicy::SameTracerOnly,
                "mixed" => TracerPolicy::AllowMixed,
                other => bail!("--tracers {other}: not a known value"),
            };
        }
        if let Some(n) = self.marrow_min_aspirates {
            o.marrow_min_aspirates = n;
        }
        if let Some(n) = self.marrow_min_trephines {
            o.marrow_min_trephines = n;
        }
        Ok(o)
    }

    fn any_2017_option(&self) -> bool {
        [
            &self.all_cr_marrow_md,
            &self.marrow_md_integration,
            &self.marrow_md_5_to_20,
            &self.baseline_score_zero,
            &self.primary_pr_uptake,
            &self.pd_increase,
            &self.node_cr,
            &self.relative_score_floor,
            &self.tracers,
        ]
        .iter()
        .any(|o| o.is_some())
            || self.marrow_min_aspirates.is_some()
            || self.marrow_min_trephines.is_some()
    }

    fn series_options(&self) -> Result<SeriesOptions> {
        if !self.soft_tissue_cutoff_mm.is_finite() || self.soft_tissue_cutoff_mm <= 0.0 {
            bail!(
                "--soft-tissue-cutoff-mm {}: must be a finite number > 0",
                self.soft_tissue_cutoff_mm
            );
        }
        if !(1..=72).contains(&self.siopen_cutoff) {
            // "< 0" can never hold and "< 73" always holds: either is a typo.
            bail!(
                "--siopen-cutoff {}: must be 1–72 (the endpoint is 'SIOPEN score < cut-off', scores are 0–72)",
                self.siopen_cutoff
            );
        }
        let time_point = match self.time_point.as_str() {
            "last" => TimePoint::LastFollowUp,
            "first" => TimePoint::FirstFollowUp,
            d => TimePoint::On(d.parse::<Date>().map_err(|e| {
                anyhow::anyhow!("--time-point '{d}': expected last, first or YYYY-MM-DD ({e})")
            })?),
        };
        Ok(SeriesOptions {
            confirmation: match self.confirm_days {
                None => Confirmation::NotRequired,
                Some(min_days) => Confirmation::Required { min_days },
            },
            endpoints: EndpointParams {
                siopen_cutoff: self.siopen_cutoff,
                soft_tissue_cutoff: Length::from_mm(self.soft_tissue_cutoff_mm),
                soft_tissue_includes_primary: self.soft_tissue_primary == "include",
                soft_tissue_denominator: if self.soft_tissue_denominator == "all" {
                    SoftTissueDenominator::AllPatients
                } else {
                    SoftTissueDenominator::WithSoftTissueAtBaseline
                },
                time_point,
            },
        })
    }
}

/// Runs the command.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    if let Some(ResponseCommand::Template { out: path }) = &args.command {
        return match path {
            Some(p) => {
                if p.exists() {
                    bail!(
                        "{}: exists; the template never overwrites a file",
                        p.display()
                    );
                }
                crate::output::write_atomically(p, input::TEMPLATE.as_bytes())?;
                writeln!(
                    out,
                    "Wrote {}: fill in every <...>, delete what was not assessed, then run mibg response {}",
                    p.display(),
                    p.display()
                )?;
                Ok(())
            }
            None => Ok(out.write_all(input::TEMPLATE.as_bytes())?),
        };
    }
    let Some(file) = &args.file else {
        bail!("give the assessment file (or `mibg response template`)");
    };
    let name = file.display().to_string();
    let format = Format::from_name(&name).with_context(|| {
        format!("{name}: unknown format; the file name must end in .json or .toml")
    })?;
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {name}"))?;
    let record = input::parse(&text, &name, format)?;
    if record.follow_ups.is_empty() {
        // Nothing to classify: an empty report would look like a result.
        bail!(
            "{name}: follow_up: no follow-up assessment; a response needs at least one assessment after baseline {}",
            record.baseline.date
        );
    }
    let sopts = args.series_options()?;
    if let TimePoint::On(d) = sopts.endpoints.time_point
        && !record.follow_ups.iter().any(|a| a.date == d)
    {
        // A mistyped date would otherwise give "not evaluable" endpoints, exit 0.
        let dates: Vec<String> = record
            .follow_ups
            .iter()
            .map(|a| a.date.to_string())
            .collect();
        bail!(
            "--time-point {d}: {name} has no follow-up on that date (follow-ups: {})",
            dates.join(", ")
        );
    }
    let mut buf = Vec::new();
    match args.criteria {
        Criteria::Inrc2017 => {
            let opts = args.options_2017()?;
            let report = series::report_2017(&record, &opts, &sopts)
                .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            if args.json {
                return print_json(out, &report);
            }
            print_2017(&mut buf, &report)?;
        }
        Criteria::Inrc1993 => {
            if args.any_2017_option() {
                bail!("the INRC 2017 gap options do not apply to --criteria inrc1993");
            }
            let report =
                series::report_1993(&record, &sopts).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            if args.json {
                return print_json(out, &report);
            }
            print_1993(&mut buf, &report)?;
        }
    }
    out.write_all(&buf)?;
    Ok(())
}

fn print_2017(out: &mut dyn Write, r: &series::Report2017) -> Result<()> {
    writeln!(
        out,
        "patient {}: {} (baseline {})",
        r.patient, r.criteria, r.baseline_date
    )?;
    for a in &r.assessments {
        writeln!(out)?;
        writeln!(out, "follow-up {}: {}", a.date, a.overall)?;
        writeln!(out, "  primary:    {}", a.primary.because)?;
        writeln!(out, "  metastatic: {}", a.metastatic.because)?;
        writeln!(out, "  marrow:     {}", a.marrow.because)?;
        writeln!(out, "  overall:    {}", a.overall_because)?;
        for g in &a.gaps {
            writeln!(out, "  gap:        {} = {}", g.gap, g.resolution)?;
        }
        for w in &a.warnings {
            writeln!(out, "  warning:    {w}")?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "best overall response: {} ({})",
        r.best.response, r.best.because
    )?;
    print_endpoints(out, &r.endpoints)?;
    let d = Inrc2017Options::default();
    let o = serde_json::to_value(r.options)?;
    let dv = serde_json::to_value(d)?;
    let changed: Vec<String> = o
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| dv.get(k.as_str()) != Some(v))
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    if changed.is_empty() {
        writeln!(
            out,
            "options: INRC 2017 defaults (docs/reference/response.md)"
        )?;
    } else {
        writeln!(
            out,
            "options changed from the defaults: {}",
            changed.join(", ")
        )?;
    }
    Ok(())
}

fn print_1993(out: &mut dyn Write, r: &series::Report1993) -> Result<()> {
    writeln!(
        out,
        "patient {}: {} (baseline {})",
        r.patient, r.criteria, r.baseline_date
    )?;
    for a in &r.assessments {
        writeln!(out)?;
        writeln!(out, "follow-up {}: {}", a.date, a.overall)?;
        writeln!(out, "  overall:    {}", a.because)?;
        for w in &a.warnings {
            writeln!(out, "  warning:    {w}")?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "best overall response: {} ({})",
        r.best.response, r.best.because
    )?;
    print_endpoints(out, &r.endpoints)
}

fn status(s: CutoffStatus) -> &'static str {
    match s {
        CutoffStatus::Achieved => "achieved",
        CutoffStatus::Maintained => "maintained",
        CutoffStatus::NotAchieved => "not achieved",
        CutoffStatus::NotApplicable => "not applicable",
        CutoffStatus::NotEvaluable => "not evaluable",
    }
}

fn print_endpoints(out: &mut dyn Write, e: &Endpoints) -> Result<()> {
    let at = e
        .time_point_date
        .map_or("no follow-up".to_string(), |d| format!("follow-up {d}"));
    writeln!(out, "endpoints at {at}:")?;
    let fmt = |t: Option<mibg_response::score::ScoreTotal>| {
        t.map_or("–".to_string(), |t| t.to_string())
    };
    let red = e
        .siopen_reduction_pct
        .map_or(String::new(), |p| format!(", reduction {p:.1} %"));
    writeln!(
        out,
        "  SIOPEN skeletal score {} → {}{red}; < {}: {}",
        fmt(e.siopen_before),
        fmt(e.siopen_after),
        e.params.siopen_cutoff,
        status(e.siopen_below_cutoff)
    )?;
    let big = e.largest_soft_tissue.map_or("–".to_string(), |m| {
        format!("{} mm", (m.mm() * 10.0).round() / 10.0)
    });
    writeln!(
        out,
        "  largest soft-tissue lesion {big} (primary {}); < {} mm: {}",
        if e.params.soft_tissue_includes_primary {
            "included"
        } else {
            "excluded"
        },
        (e.params.soft_tissue_cutoff.mm() * 10.0).round() / 10.0,
        status(e.soft_tissue_below_cutoff)
    )?;
    for n in &e.notes {
        writeln!(out, "  note: {n}")?;
    }
    Ok(())
}
