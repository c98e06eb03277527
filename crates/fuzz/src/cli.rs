//! The `mibg-fuzz` command: runs a fuzz campaign over every parser and
//! command and prints its report (a Markdown table, or JSON). Exit status
//! 1 when any target had a failure (panic, hang, partial file…), 0
//! otherwise, 2 when the campaign could not start.

use crate::campaign::{self, Config, Kind, TargetReport};
use crate::{process, targets};
use anyhow::{Context, Result, bail};
use clap::Parser;
use std::io::Write;
use std::path::PathBuf;

/// Fuzz every parser and every command of mibg.
#[derive(Parser, Debug)]
#[command(name = "mibg-fuzz", version)]
struct Args {
    /// Inputs per parser target (seeds included).
    #[arg(long, default_value_t = 1_000_000)]
    inputs: u64,
    /// Inputs per command target (each is a process of the real binary).
    #[arg(long, default_value_t = 1_000)]
    command_inputs: u64,
    /// Inputs for the whole-pipeline study target (study-cohort), which
    /// runs every patient's fits.
    #[arg(long, default_value_t = 20_000)]
    cohort_inputs: u64,
    /// The generator's seed (a campaign is reproducible from it).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Only these targets (repeatable); default all.
    #[arg(long = "target")]
    targets: Vec<String>,
    /// Run each target's seeds only, unmutated (the baseline of a
    /// coverage comparison).
    #[arg(long)]
    seeds_only: bool,
    /// Skip the command targets.
    #[arg(long)]
    no_commands: bool,
    /// The `mibg` binary for the command targets (default: next to this
    /// program).
    #[arg(long)]
    mibg: Option<PathBuf>,
    /// The repository root holding the seeds (default: where this program
    /// was built).
    #[arg(long)]
    root: Option<PathBuf>,
    /// Save one input per unique failure under this folder.
    #[arg(long, default_value = "target/fuzz-failures")]
    save: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// List the targets and exit.
    #[arg(long)]
    list: bool,
}

/// Runs the command line and exits.
pub fn main() -> ! {
    match run() {
        Ok(clean) => std::process::exit(if clean { 0 } else { 1 }),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "mibg-fuzz: {e:#}");
            std::process::exit(2);
        }
    }
}

fn run() -> Result<bool> {
    let args = Args::parse();
    let root = args.root.clone().unwrap_or_else(targets::repo_root);
    let bin = match &args.mibg {
        Some(b) => b.clone(),
        None => std::env::current_exe()
            .context("locating this program")?
            .with_file_name("mibg"),
    };
    let mut all = targets::parser_targets(&root);
    if !args.no_commands {
        if !bin.is_file() {
            bail!(
                "{}: no mibg binary for the command targets (build it: cargo build --release -p mibg; or pass --mibg, or --no-commands)",
                bin.display()
            );
        }
        all.extend(process::command_targets(&root, &bin));
    }
    let mut out = std::io::stdout().lock();
    if args.list {
        for t in &all {
            writeln!(
                out,
                "{:<24} {:<8} {} seeds  {}",
                t.name,
                format!("{:?}", t.kind),
                t.seeds.len(),
                t.about
            )?;
        }
        return Ok(true);
    }
    if !args.targets.is_empty() {
        for n in &args.targets {
            if !all.iter().any(|t| t.name == n) {
                bail!("unknown target '{n}' (see --list)");
            }
        }
        all.retain(|t| args.targets.iter().any(|n| n == t.name));
    }
    let bar = campaign::progress_bar(true);
    let mut reports: Vec<TargetReport> = Vec::new();
    let started = std::time::Instant::now();
    for t in &all {
        let inputs = match (t.kind, t.name) {
            _ if args.seeds_only => t.seeds.len() as u64,
            (Kind::Command, _) => args.command_inputs,
            (_, "study-cohort") => args.cohort_inputs,
            _ => args.inputs,
        };
        let cfg = Config {
            inputs,
            seed: args.seed,
            progress: true,
            save: Some(args.save.clone()),
            ..Config::default()
        };
        let r = campaign::run(t, &cfg, Some(&bar));
        bar.println(line(&r));
        reports.push(r);
    }
    bar.finish_and_clear();
    let clean = reports.iter().all(TargetReport::clean);
    if args.json {
        serde_json::to_writer_pretty(&mut out, &reports)?;
        writeln!(out)?;
    } else {
        write!(
            out,
            "{}",
            markdown(&reports, args.seed, started.elapsed().as_secs_f64())
        )?;
    }
    Ok(clean)
}

fn line(r: &TargetReport) -> String {
    format!(
        "{:<22} {:>9} inputs  {:>7.1} s  classes {:>4}  panics {}  hangs {}  other {}",
        r.target, r.executions, r.seconds, r.classes, r.panics, r.hangs, r.other_failures
    )
}

/// The report as the README shows it.
fn markdown(reports: &[TargetReport], seed: u64, seconds: f64) -> String {
    let mut s = String::new();
    s.push_str("| target | kind | executions | accepted | refused | classes | panics | hangs | partial/other | time (s) |\n");
    s.push_str("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for r in reports.iter().filter(|r| r.executions > 0) {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} |\n",
            r.target,
            match r.kind {
                Kind::Parser => "parser",
                Kind::Command => "command",
            },
            r.executions,
            r.accepted,
            r.refused,
            r.classes,
            r.panics,
            r.hangs,
            r.other_failures,
            r.seconds
        ));
    }
    s.push_str(&format!("\nseed {seed}, total {seconds:.0} s\n"));
    let failures: Vec<_> = reports
        .iter()
        .flat_map(|r| r.failures.iter().map(move |f| (r.target.as_str(), f)))
        .collect();
    if failures.is_empty() {
        s.push_str("unique failures: none\n");
    } else {
        s.push_str("\nunique failures:\n");
        for (t, f) in failures {
            s.push_str(&format!(
                "* {t}: {} {} ({} inputs){}\n",
                f.kind,
                f.key,
                f.count,
                f.saved
                    .as_ref()
                    .map(|p| format!(", input saved in {}", p.display()))
                    .unwrap_or_default()
            ));
        }
    }
    s
}
