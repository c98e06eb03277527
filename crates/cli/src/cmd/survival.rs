//! `mibg survival DATA.csv --time COL --event COL [--group COL] …`:
//! Kaplan–Meier curves (Greenwood, log-log CI by default), landmarks, median
//! and median follow-up, per-group curves and the log-rank test, printed like
//! R's `print(survfit)` / `survdiff`, or as one JSON document whose field
//! names follow R `survival` (issue 5), and optionally an SVG plot.
//!
//! The CSV is streamed in chunks through `mibg-csv` (no copy of the whole
//! file in memory); the analysis (timefix, weights, strata, every estimate,
//! the JSON document and the plot) is `mibg_clinic::survival`; this module
//! parses arguments, reads the file and prints.

use crate::output::write_atomically;
use anyhow::{Context, Result};
use mibg_clinic::survival::{self, Columns, SurvivalAnalysis, SurvivalOptions, fmt_num};
use mibg_stats::conf::ConfLevel;
use mibg_stats::cox::{CoxFit, Ties};
use mibg_stats::km::{ConfType, KaplanMeier, KmOptions, Undefined};
use mibg_stats::survdata::{ColumnSpec, CsvParser, SurvivalData};
use mibg_stats::time::SurvTime;
use serde::Serialize;
use std::io::{Read, Write};
use std::path::PathBuf;

/// Tie handling for the Cox model (command-line names).
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TiesArg {
    /// Efron's approximation (R `coxph` default).
    #[default]
    Efron,
    /// Breslow's approximation (SAS PHREG, statsmodels default).
    Breslow,
}

/// Arguments of `mibg survival`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// CSV file with a header row; one row per subject.
    data: PathBuf,
    /// Column with the follow-up time (any unit; the output uses the same).
    #[arg(long, value_name = "COL")]
    time: String,
    /// Column with the event indicator: 1 = event, 0 = censored.
    #[arg(long, value_name = "COL")]
    event: String,
    /// Column defining groups: per-group curves and the log-rank test.
    #[arg(long, value_name = "COL")]
    group: Option<String>,
    /// Numeric covariate columns for a Cox proportional hazards model
    /// (comma-separated; complete cases are used).
    #[arg(long, value_name = "A,B,C", value_delimiter = ',')]
    covariates: Vec<String>,
    /// Case-weight column (each a finite number > 0): weighted curves (R
    /// `survfit(weights =, robust = FALSE)`) and a weighted Cox model; no
    /// log-rank test (R `survdiff` takes no weights).
    #[arg(long, value_name = "COL")]
    weights: Option<String>,
    /// Stratum column: stratified log-rank test (R `survdiff(~ g +
    /// strata(s))`) and a stratified Cox model; needs --group or --covariates.
    #[arg(long, value_name = "COL")]
    strata: Option<String>,
    /// Keep times that differ by less than √ε apart (R `timefix = FALSE`);
    /// by default they are merged, as R does.
    #[arg(long)]
    no_timefix: bool,
    /// Tie handling of the Cox model.
    #[arg(long, value_enum, default_value_t = TiesArg::Efron)]
    ties: TiesArg,
    /// Landmark time(s) t* for S(t*), in the unit of the time column.
    #[arg(long, value_name = "T", num_args = 1..)]
    landmark: Vec<f64>,
    /// Pointwise CI transform: log-log (default; Stata, SAS, lifelines, the
    /// seed study), log (R's default) or plain.
    #[arg(long, value_name = "TYPE", default_value = "log-log")]
    conf_type: ConfType,
    /// Confidence level of every interval.
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95)]
    conf_level: f64,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Also print the full Kaplan–Meier table(s) (text output).
    #[arg(long)]
    table: bool,
    /// Write the Kaplan–Meier plot (curves, CI bands, censoring ticks,
    /// numbers at risk) to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
}

/// Runs the command: parse, call `mibg_clinic::survival::analyse`, render.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let level = ConfLevel::new(args.conf_level)?;
    let opts = KmOptions {
        conf_type: args.conf_type,
        conf_level: level,
    };
    let landmarks = args
        .landmark
        .iter()
        .map(|&t| SurvTime::new(t).with_context(|| "--landmark".to_string()))
        .collect::<Result<Vec<_>>>()?;
    let spec = ColumnSpec {
        time: args.time.clone(),
        event: args.event.clone(),
        group: args.group.clone(),
        covariates: args.covariates.clone(),
        weight: args.weights.clone(),
        strata: args.strata.clone(),
    };
    let data = read_data(&args.data, &spec)?;
    let name = args.data.display().to_string();
    let a = survival::analyse(
        data,
        SurvivalOptions {
            km: opts,
            landmarks,
            ties: match args.ties {
                TiesArg::Efron => Ties::Efron,
                TiesArg::Breslow => Ties::Breslow,
            },
            timefix: !args.no_timefix,
        },
    )
    .with_context(|| name.clone())?;
    let svg = args
        .plot
        .as_ref()
        .map(|_| survival::plot(&a, &name, &args.time, args.group.as_deref().unwrap_or("")));
    if let (Some(path), Some(svg)) = (&args.plot, &svg) {
        write_atomically(path, svg.as_bytes())?;
    }
    if args.json {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
        let report = survival::report(
            &a,
            Columns {
                source: &name,
                time: &args.time,
                event: &args.event,
                group: args.group.as_deref(),
                weight: args.weights.as_deref(),
                strata: args.strata.as_deref(),
            },
        );
        let mut ser = serde_json::Serializer::with_formatter(&mut w, CompactArrays::default());
        report.serialize(&mut ser)?;
        writeln!(w)?;
        w.flush()?;
        return Ok(());
    }
    print_text(&a, args, out)
}

fn read_data(path: &PathBuf, spec: &ColumnSpec) -> Result<SurvivalData> {
    let name = path.display().to_string();
    let mut file = std::fs::File::open(path).with_context(|| format!("cannot read {name}"))?;
    let file_len = file.metadata().map_or(0, |m| m.len());
    let mut parser = CsvParser::new(&name, spec);
    // Read in 1 MiB chunks; a chunk's whole UTF-8 prefix goes through the
    // faster text path, the bytes of a character cut by the chunk boundary
    // wait for the next chunk, and invalid bytes go through the byte path,
    // which names their line.
    let mut buf = vec![0u8; 1 << 20];
    let mut carry = 0;
    let mut first = true;
    loop {
        let n = file
            .read(&mut buf[carry..])
            .with_context(|| format!("cannot read {name}"))?;
        if n == 0 {
            parser.push(&buf[..carry])?;
            break;
        }
        let filled = carry + n;
        if first {
            // Size the columns once from the file size and the first
            // chunk's line length (avoids repeated regrowth on 10⁶–10⁷ rows).
            first = false;
            let lines = buf[..filled].iter().filter(|&&b| b == b'\n').count().max(1);
            let estimate = file_len / (filled as u64 / lines as u64).max(1) + 1;
            parser.reserve(estimate.min(1 << 28) as usize);
        }
        match std::str::from_utf8(&buf[..filled]) {
            Ok(text) => {
                parser.push_str(text)?;
                carry = 0;
            }
            Err(e) if e.error_len().is_none() => {
                let valid = e.valid_up_to();
                let text = std::str::from_utf8(&buf[..valid]).unwrap_or_default();
                parser.push_str(text)?;
                buf.copy_within(valid..filled, 0);
                carry = filled - valid;
            }
            Err(_) => {
                parser.push(&buf[..filled])?;
                carry = 0;
            }
        }
    }
    Ok(parser.finish()?)
}

/// serde_json formatter: objects indented, arrays of numbers on one line
/// (a 10⁶-row table stays one line per column), arrays of objects one
/// object per line.
#[derive(Default)]
struct CompactArrays {
    stack: Vec<Frame>,
}

enum Frame {
    Object { has_value: bool },
    Array { pretty: bool },
}

impl CompactArrays {
    fn newline<W: ?Sized + Write>(&self, w: &mut W, depth: usize) -> std::io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for CompactArrays {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.stack.push(Frame::Array { pretty: false });
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        if let Some(Frame::Array { pretty: true }) = self.stack.pop() {
            self.newline(w, self.stack.len())?;
        }
        w.write_all(b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first { Ok(()) } else { w.write_all(b",") }
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        if let Some(Frame::Array { pretty }) = self.stack.last_mut() {
            *pretty = true;
            let depth = self.stack.len();
            self.newline(w, depth)?;
        }
        self.stack.push(Frame::Object { has_value: false });
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        if let Some(Frame::Object { has_value: true }) = self.stack.pop() {
            self.newline(w, self.stack.len())?;
        }
        w.write_all(b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w, self.stack.len())
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        if let Some(Frame::Object { has_value }) = self.stack.last_mut() {
            *has_value = true;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- text ---

fn fmt_time(v: Result<SurvTime, Undefined>) -> String {
    match v {
        Ok(t) => fmt_num(t.value()),
        Err(_) => "NA".to_string(),
    }
}

fn fmt4(v: Result<f64, Undefined>) -> String {
    match v {
        Ok(x) => format!("{x:.4}"),
        Err(_) => "NA".to_string(),
    }
}

fn fmt_p(p: f64) -> String {
    if p < 1e-16 {
        "< 1e-16".to_string()
    } else if p < 1e-4 {
        format!("{p:.2e}")
    } else {
        // three significant digits
        let digits = (2.0 - p.log10().floor()).max(0.0) as usize;
        format!("{p:.digits$}")
    }
}

fn print_text(a: &SurvivalAnalysis, args: &Args, out: &mut dyn Write) -> Result<()> {
    let o = a.options.km;
    let pct = o.conf_level.value() * 100.0;
    let lvl = fmt_num(o.conf_level.value());
    writeln!(
        out,
        "Kaplan–Meier: {} (time '{}', event '{}')",
        args.data.display(),
        args.time,
        args.event
    )?;
    writeln!(
        out,
        "{} subjects, {} events; {} of {} rows dropped (missing time or event)",
        a.km.n(),
        a.km.n_events(),
        a.data.n_dropped_missing,
        a.data.n_rows
    )?;
    if let Some(wcol) = &args.weights {
        writeln!(
            out,
            "Case weights '{wcol}': sum {}; weighted curves (R survfit robust = FALSE) and Cox model",
            fmt_num(a.data.weight.iter().sum())
        )?;
    }
    if let Some(scol) = &args.strata {
        writeln!(
            out,
            "Strata '{scol}': {} levels ({}); the log-rank test and the Cox model are stratified",
            a.data.strata_levels.len(),
            a.data.strata_levels.join(", ")
        )?;
    }
    if !a.timefix.applied {
        writeln!(
            out,
            "Near-equal times kept apart (--no-timefix; R timefix = FALSE)"
        )?;
    }
    writeln!(
        out,
        "Pointwise {}% CI: {}, Greenwood variance{}; median by the R/SAS midpoint rule\n",
        fmt_num(pct),
        o.conf_type,
        if a.weighted() { " (weighted)" } else { "" }
    )?;
    let label = |lvl: &str| format!("{}={lvl}", args.group.as_deref().unwrap_or("group"));
    let mut rows: Vec<(String, &KaplanMeier)> = vec![("all".to_string(), &a.km)];
    for (l, km) in a.data.group_levels.iter().zip(&a.groups) {
        rows.push((label(l), km));
    }
    let w = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(3);
    writeln!(
        out,
        "{:w$} {:>7} {:>7} {:>8} {:>8} {:>8}",
        "",
        "n",
        "events",
        "median",
        format!("{lvl}LCL"),
        format!("{lvl}UCL")
    )?;
    for (name, km) in &rows {
        let m = km.median();
        writeln!(
            out,
            "{:w$} {:>7} {:>7} {:>8} {:>8} {:>8}",
            name,
            km.n(),
            km.n_events(),
            fmt_time(m.estimate),
            fmt_time(m.lower),
            fmt_time(m.upper)
        )?;
    }
    let f = a.followup.median();
    writeln!(
        out,
        "\nMedian follow-up (reverse Kaplan–Meier): {} ({}% CI {} to {})",
        fmt_time(f.estimate),
        fmt_num(pct),
        fmt_time(f.lower),
        fmt_time(f.upper)
    )?;
    if !a.options.landmarks.is_empty() {
        writeln!(out, "\nLandmark estimates:")?;
        writeln!(
            out,
            "{:w$} {:>8} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8}",
            "", "time", "n.risk", "survival", "std.err", "lower", "upper", "Peto.se"
        )?;
        for (name, km) in &rows {
            for &t in &a.options.landmarks {
                let l = km.landmark(t);
                writeln!(
                    out,
                    "{:w$} {:>8} {:>7} {:>8.4} {:>8} {:>8} {:>8} {:>8}{}",
                    name,
                    fmt_num(t.value()),
                    l.n_risk,
                    l.surv,
                    fmt4(l.std_err),
                    fmt4(l.lower),
                    fmt4(l.upper),
                    fmt4(l.std_err_peto),
                    if l.beyond_last_time {
                        "  (after last time)"
                    } else {
                        ""
                    }
                )?;
            }
        }
    }
    if let Some(lr) = &a.logrank {
        match &args.strata {
            Some(scol) if a.stratified() => {
                writeln!(out, "\nLog-rank test (stratified by '{scol}'):")?;
            }
            _ => writeln!(out, "\nLog-rank test:")?,
        }
        writeln!(
            out,
            "{:w$} {:>7} {:>9} {:>9} {:>10} {:>10}",
            "", "N", "Observed", "Expected", "(O-E)^2/E", "(O-E)^2/V"
        )?;
        for (g, l) in a.data.group_levels.iter().enumerate() {
            let (o, e) = (lr.observed[g] as f64, lr.expected[g]);
            let v = lr.variance[g][g];
            let ratio = |den: f64| {
                if den > 0.0 {
                    format!("{:.3}", (o - e).powi(2) / den)
                } else {
                    "NA".to_string()
                }
            };
            writeln!(
                out,
                "{:w$} {:>7} {:>9} {:>9.2} {:>10} {:>10}",
                label(l),
                lr.n[g],
                lr.observed[g],
                e,
                ratio(e),
                ratio(v)
            )?;
        }
        writeln!(
            out,
            "\n Chisq = {:.4} on {} degrees of freedom, p = {}",
            lr.chisq,
            lr.df,
            fmt_p(lr.p)
        )?;
    }
    if let Some(c) = &a.cox {
        print_cox(&c.fit, c.n_missing_covariates, out)?;
    }
    if args.table {
        for (name, km) in &rows {
            writeln!(out, "\nKaplan–Meier table ({name}):")?;
            writeln!(
                out,
                "{:>10} {:>7} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8}",
                "time", "n.risk", "n.event", "n.cens", "survival", "std.err", "lower", "upper"
            )?;
            for r in km.rows() {
                writeln!(
                    out,
                    "{:>10} {:>7} {:>7} {:>7} {:>8.4} {:>8} {:>8} {:>8}",
                    fmt_num(r.time.value()),
                    r.n_risk,
                    r.n_event,
                    r.n_censor,
                    r.surv,
                    fmt4(r.std_err),
                    fmt4(r.lower),
                    fmt4(r.upper)
                )?;
            }
        }
    }
    if let Some(p) = &args.plot {
        writeln!(out, "\nPlot written to {}", p.display())?;
    }
    for w in &a.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}

fn opt_fmt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| "NA".to_string(), f)
}

/// Prints the fit like R's `summary(coxph)`.
fn print_cox(c: &CoxFit, n_missing: usize, out: &mut dyn Write) -> Result<()> {
    let ties = match c.ties {
        Ties::Efron => "Efron",
        Ties::Breslow => "Breslow",
        #[allow(unreachable_patterns)]
        _ => "other",
    };
    writeln!(
        out,
        "\nCox proportional hazards ({ties} ties): n = {}, events = {}{}{}",
        c.n,
        c.n_events,
        if c.n_strata > 1 {
            format!(", {} strata", c.n_strata)
        } else {
            String::new()
        },
        if n_missing > 0 {
            format!(" ({n_missing} rows with a missing covariate left out)")
        } else {
            String::new()
        }
    )?;
    let w = c
        .covariates
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    writeln!(
        out,
        "\n{:w$} {:>10} {:>10} {:>10} {:>8} {:>10}",
        "", "coef", "exp(coef)", "se(coef)", "z", "Pr(>|z|)"
    )?;
    for (k, name) in c.covariates.iter().enumerate() {
        writeln!(
            out,
            "{:w$} {:>10.5} {:>10} {:>10} {:>8} {:>10}",
            name,
            c.coef[k],
            opt_fmt(c.hr[k], |v| format!("{v:.5}")),
            opt_fmt(c.se[k], |v| format!("{v:.5}")),
            opt_fmt(c.z[k], |v| format!("{v:.3}")),
            opt_fmt(c.p[k], fmt_p)
        )?;
    }
    let lvl = fmt_num(c.conf_level);
    writeln!(
        out,
        "\n{:w$} {:>10} {:>10} {:>10}",
        "",
        "exp(coef)",
        format!("lower {lvl}"),
        format!("upper {lvl}")
    )?;
    for (k, name) in c.covariates.iter().enumerate() {
        writeln!(
            out,
            "{:w$} {:>10} {:>10} {:>10}",
            name,
            opt_fmt(c.hr[k], |v| format!("{v:.4}")),
            opt_fmt(c.hr_lower[k], |v| format!("{v:.4}")),
            opt_fmt(c.hr_upper[k], |v| format!("{v:.4}"))
        )?;
    }
    writeln!(
        out,
        "\nConcordance = {} (se = {})",
        opt_fmt(c.concordance, |v| format!("{v:.4}")),
        opt_fmt(c.concordance_se, |v| format!("{v:.4}"))
    )?;
    writeln!(
        out,
        "Likelihood ratio test = {:.3} on {} df, p = {}",
        c.lr_chisq,
        c.lr_df,
        fmt_p(c.lr_p)
    )?;
    writeln!(
        out,
        "Wald test             = {} on {} df, p = {}",
        opt_fmt(c.wald_chisq, |v| format!("{v:.3}")),
        c.lr_df,
        opt_fmt(c.wald_p, fmt_p)
    )?;
    writeln!(
        out,
        "Score (logrank) test  = {:.3} on {} df, p = {}",
        c.score_chisq,
        c.lr_df,
        fmt_p(c.score_p)
    )?;
    writeln!(out, "Newton–Raphson iterations: {}", c.iterations)?;
    Ok(())
}
