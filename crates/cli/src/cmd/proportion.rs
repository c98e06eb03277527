//! `mibg proportion X/N`: a proportion with its confidence interval by one
//! or every method (docs/reference/statistics.md §1), with the rounded "48 % (28–69)" form
//! that papers print, so a published figure can be matched to its method.

use crate::output::print_json;
use anyhow::{Context, Result, bail};
use mibg_stats::conf::ConfLevel;
use mibg_stats::proportion::{Method, ProportionCi, confint, doubt};
use serde::Serialize;
use std::io::Write;

/// Arguments of `mibg proportion`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The proportion as X/N, e.g. 12/25 (X patients of N evaluable).
    #[arg(allow_hyphen_values = true)]
    fraction: String,
    /// CI method(s): clopper-pearson (exact), wilson, wilson-cc, wald,
    /// wald-cc, agresti-coull, jeffreys. Every method when none is given.
    #[arg(long, value_name = "METHOD", num_args = 1..)]
    method: Vec<Method>,
    /// Confidence level.
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95)]
    conf_level: f64,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Report {
    x: u64,
    n: u64,
    estimate: f64,
    conf_level: f64,
    intervals: Vec<Interval>,
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct Interval {
    method: &'static str,
    lower: f64,
    upper: f64,
    /// "48% (28–69)": estimate and limits rounded half-up to whole percent.
    rounded: String,
}

/// Runs the command.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let (x, n) = parse_fraction(&args.fraction)?;
    let level = ConfLevel::new(args.conf_level)?;
    let methods: Vec<Method> = if args.method.is_empty() {
        Method::ALL.to_vec()
    } else {
        args.method.clone()
    };
    let cis = methods
        .iter()
        .map(|&m| confint(x, n, m, level))
        .collect::<Result<Vec<ProportionCi>, _>>()?;
    let report = Report {
        x,
        n,
        estimate: x as f64 / n as f64,
        conf_level: level.value(),
        intervals: cis
            .iter()
            .map(|c| Interval {
                method: c.method.name(),
                lower: c.lower,
                upper: c.upper,
                rounded: rounded(c),
            })
            .collect(),
        warnings: cis.iter().filter_map(doubt).map(|d| d.message).collect(),
    };
    if args.json {
        return print_json(out, &report);
    }
    let pct = level.value() * 100.0;
    writeln!(
        out,
        "{x}/{n} = {:.2}%   ({}% confidence intervals)\n",
        report.estimate * 100.0,
        trim(pct)
    )?;
    writeln!(
        out,
        "{:<30} {:>8} {:>8}   as published (half-up)",
        "method", "lower %", "upper %"
    )?;
    for c in &cis {
        writeln!(
            out,
            "{:<30} {:>8.2} {:>8.2}   {}",
            c.method.label(),
            c.lower * 100.0,
            c.upper * 100.0,
            rounded(c)
        )?;
    }
    for w in &report.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}

fn trim(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Half-up rounding to whole percent, as most papers (docs/reference/statistics.md §0).
fn rounded(c: &ProportionCi) -> String {
    let r = |v: f64| (v * 100.0 + 0.5 + 1e-9).floor() as i64;
    format!("{}% ({}–{})", r(c.estimate), r(c.lower), r(c.upper))
}

fn parse_fraction(s: &str) -> Result<(u64, u64)> {
    let Some((a, b)) = s.split_once('/') else {
        bail!("'{s}': expected X/N, e.g. 12/25");
    };
    let x: u64 = a
        .trim()
        .parse()
        .with_context(|| format!("'{s}': X must be a whole number ≥ 0"))?;
    let n: u64 = b
        .trim()
        .parse()
        .with_context(|| format!("'{s}': N must be a whole number ≥ 1"))?;
    Ok((x, n))
}
