//! `mibg survival DATA.csv --time COL --event COL [--group COL] …`:
//! Kaplan–Meier curves (Greenwood, log-log CI by default), landmarks, median
//! and median follow-up, per-group curves and the log-rank test, printed like
//! R's `print(survfit)` / `survdiff`, or as one JSON document whose field
//! names follow R `survival` (issue 5), and optionally an SVG plot.
//!
//! The CSV is streamed in chunks through `mibg-csv` (no copy of the whole
//! file in memory);
//! all statistics are computed by `mibg-stats` from one sort of the times.

use crate::output::write_atomically;
use anyhow::{Context, Result, bail};
use mibg_stats::conf::ConfLevel;
use mibg_stats::cox::{CoxFit, CoxOptions, Ties};
use mibg_stats::km::{ConfType, EventCounts, KaplanMeier, KmOptions, Quantile, Undefined};
use mibg_stats::logrank::{LogRank, logrank};
use mibg_stats::survdata::{ColumnSpec, CsvParser, SurvivalData};
use mibg_stats::time::SurvTime;
use serde::{Serialize, Serializer};
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

/// Everything computed, before any output.
struct Analysis {
    data: SurvivalData,
    opts: KmOptions,
    km: KaplanMeier,
    followup: KaplanMeier,
    landmarks: Vec<SurvTime>,
    groups: Vec<KaplanMeier>,
    logrank: Option<LogRank>,
    cox: Option<CoxJson>,
    warnings: Vec<String>,
}

/// Runs the command.
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
    };
    let data = read_data(&args.data, &spec)?;
    let mut a = analyse(data, opts, landmarks, args.group.is_some())?;
    if !args.covariates.is_empty() {
        a.cox = Some(cox(&a.data, args, level, &mut a.warnings)?);
    }
    let svg = args.plot.as_ref().map(|_| plot(&a, args));
    if let (Some(path), Some(svg)) = (&args.plot, &svg) {
        write_atomically(path, svg.as_bytes())?;
    }
    if args.json {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
        let report = to_json(&a, args);
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
    let data = parser.finish()?;
    if data.time.is_empty() {
        bail!(
            "{name}: no row with both a time and an event ({} data rows, {} with a missing time or event)",
            data.n_rows,
            data.n_dropped_missing
        );
    }
    Ok(data)
}

fn analyse(
    data: SurvivalData,
    opts: KmOptions,
    landmarks: Vec<SurvTime>,
    grouped: bool,
) -> Result<Analysis> {
    let counts = EventCounts::from_observations(&data.time, &data.event)?;
    let km = KaplanMeier::from_counts(&counts, opts);
    let followup = KaplanMeier::from_counts(&counts.reversed(), opts);
    drop(counts);
    let mut warnings = Vec::new();
    if data.n_dropped_missing > 0 {
        warnings.push(format!(
            "{} of {} rows dropped: missing time or event",
            data.n_dropped_missing, data.n_rows
        ));
    }
    for t in &landmarks {
        if t.value() > km.last_time().value() {
            warnings.push(format!(
                "landmark {t} is after the last observed time {}: S carried forward",
                km.last_time()
            ));
        }
    }
    let mut groups = Vec::new();
    let mut lr = None;
    if grouped {
        if data.n_missing_group > 0 {
            warnings.push(format!(
                "{} rows with an empty group cell left out of the per-group curves and the log-rank test",
                data.n_missing_group
            ));
        }
        let k = data.group_levels.len();
        let (mut t, mut e, mut g) = (Vec::new(), Vec::new(), Vec::new());
        if data.n_missing_group > 0 {
            for i in 0..data.time.len() {
                if let Some(gi) = data.group[i] {
                    t.push(data.time[i]);
                    e.push(data.event[i]);
                    g.push(gi);
                }
            }
        } else {
            g = data.group.iter().map(|x| x.unwrap_or(0)).collect();
        }
        let (tt, ee) = if data.n_missing_group > 0 {
            (&t[..], &e[..])
        } else {
            (&data.time[..], &data.event[..])
        };
        let per = EventCounts::by_group(tt, ee, &g, k)?;
        groups = per
            .iter()
            .map(|c| KaplanMeier::from_counts(c, opts))
            .collect();
        if k >= 2 {
            match logrank(&per) {
                Ok(r) => lr = Some(r),
                Err(e) => warnings.push(format!("not computed: {e}")),
            }
        } else {
            warnings.push("log-rank test not computed: only one group level".to_string());
        }
    }
    Ok(Analysis {
        data,
        opts,
        km,
        followup,
        landmarks,
        groups,
        logrank: lr,
        cox: None,
        warnings,
    })
}

/// The Cox model on the complete cases of the covariates (docs/reference/statistics.md §0).
fn cox(
    data: &SurvivalData,
    args: &Args,
    level: ConfLevel,
    warnings: &mut Vec<String>,
) -> Result<CoxJson> {
    let n_all = data.time.len();
    let complete: Vec<bool> = (0..n_all)
        .map(|i| data.covariates.iter().all(|c| !c.missing[i]))
        .collect();
    let n = complete.iter().filter(|&&c| c).count();
    let n_missing = n_all - n;
    if n_missing > 0 {
        warnings.push(format!(
            "Cox model: {n_missing} of {n_all} rows left out for a missing covariate (complete cases)"
        ));
    }
    let mut times = Vec::with_capacity(n);
    let mut events = Vec::with_capacity(n);
    let mut x = Vec::with_capacity(n * data.covariates.len());
    if n_missing == 0 {
        times.extend(data.time.iter().map(|t| t.value()));
        events.extend_from_slice(&data.event);
        for c in &data.covariates {
            x.extend_from_slice(&c.values);
        }
    } else {
        for i in (0..n_all).filter(|&i| complete[i]) {
            times.push(data.time[i].value());
            events.push(data.event[i]);
        }
        for c in &data.covariates {
            x.extend((0..n_all).filter(|&i| complete[i]).map(|i| c.values[i]));
        }
    }
    drop(complete);
    let x = nalgebra::DMatrix::from_vec(n, data.covariates.len(), x);
    let options = CoxOptions {
        ties: match args.ties {
            TiesArg::Efron => Ties::Efron,
            TiesArg::Breslow => Ties::Breslow,
        },
        conf_level: level.value(),
        ..CoxOptions::default()
    };
    let fit = mibg_stats::cox::fit(&times, &events, &x, &args.covariates, &options)
        .context("Cox model")?;
    warnings.extend(fit.warnings.iter().map(|w| format!("Cox model: {w}")));
    Ok(CoxJson {
        fit,
        n_missing_covariates: n_missing,
    })
}

// ---------------------------------------------------------------- JSON ---

/// A value that is `null` when undefined.
fn opt(v: Result<f64, Undefined>) -> Option<f64> {
    v.ok()
}

#[derive(Serialize)]
struct Report<'a> {
    source: String,
    time_column: &'a str,
    event_column: &'a str,
    group_column: Option<&'a str>,
    n: u64,
    n_events: u64,
    n_rows: usize,
    n_dropped_missing: usize,
    conf_level: f64,
    conf_type: &'static str,
    variance: &'static str,
    median_rule: &'static str,
    km: KmJson,
    median: MedianJson,
    landmarks: Vec<LandmarkJson>,
    median_followup: MedianJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    n_missing_group: Option<usize>,
    #[serde(
        serialize_with = "ordered_map",
        skip_serializing_if = "Option::is_none"
    )]
    km_by_group: Option<Vec<(String, GroupJson)>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logrank: Option<LogRankJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cox: Option<&'a CoxJson>,
    notes: Vec<&'static str>,
    warnings: &'a [String],
}

fn ordered_map<S: Serializer>(
    v: &Option<Vec<(String, GroupJson)>>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let v = v.as_deref().unwrap_or_default();
    let mut m = s.serialize_map(Some(v.len()))?;
    for (k, g) in v {
        m.serialize_entry(k, g)?;
    }
    m.end()
}

/// The Cox fit as JSON (`cox.*`, field names of [`CoxFit`]) plus the rows
/// left out for a missing covariate.
#[derive(Serialize)]
struct CoxJson {
    #[serde(flatten)]
    fit: CoxFit,
    n_missing_covariates: usize,
}

#[derive(Serialize)]
struct KmJson {
    table: TableJson,
}

#[derive(Serialize)]
struct TableJson {
    time: Vec<f64>,
    n_risk: Vec<u64>,
    n_event: Vec<u64>,
    n_censor: Vec<u64>,
    surv: Vec<f64>,
    std_err: Vec<Option<f64>>,
    lower: Vec<Option<f64>>,
    upper: Vec<Option<f64>>,
}

#[derive(Serialize)]
struct MedianJson {
    median: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    median_undefined: Option<Undefined>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lower_undefined: Option<Undefined>,
    #[serde(skip_serializing_if = "Option::is_none")]
    upper_undefined: Option<Undefined>,
}

#[derive(Serialize)]
struct LandmarkJson {
    t: f64,
    surv: f64,
    std_err: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
    n_risk: u64,
    beyond_last_time: bool,
    /// Peto's SE (reported beside Greenwood's; the CI uses Greenwood).
    std_err_peto: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ci_undefined: Option<Undefined>,
}

#[derive(Serialize)]
struct GroupJson {
    n: u64,
    n_events: u64,
    table: TableJson,
    median: MedianJson,
    landmarks: Vec<LandmarkJson>,
}

#[derive(Serialize)]
struct LogRankJson {
    chisq: f64,
    df: usize,
    p: f64,
    groups: Vec<String>,
    n: Vec<u64>,
    observed: Vec<u64>,
    expected: Vec<f64>,
}

fn table_json(km: &KaplanMeier) -> TableJson {
    let r = km.rows();
    TableJson {
        time: r.iter().map(|r| r.time.value()).collect(),
        n_risk: r.iter().map(|r| r.n_risk).collect(),
        n_event: r.iter().map(|r| r.n_event).collect(),
        n_censor: r.iter().map(|r| r.n_censor).collect(),
        surv: r.iter().map(|r| r.surv).collect(),
        std_err: r.iter().map(|r| opt(r.std_err)).collect(),
        lower: r.iter().map(|r| opt(r.lower)).collect(),
        upper: r.iter().map(|r| opt(r.upper)).collect(),
    }
}

fn median_json(q: &Quantile) -> MedianJson {
    MedianJson {
        median: q.estimate.ok().map(SurvTime::value),
        lower: q.lower.ok().map(SurvTime::value),
        upper: q.upper.ok().map(SurvTime::value),
        median_undefined: q.estimate.err(),
        lower_undefined: q.lower.err(),
        upper_undefined: q.upper.err(),
    }
}

fn landmarks_json(km: &KaplanMeier, ts: &[SurvTime]) -> Vec<LandmarkJson> {
    ts.iter()
        .map(|&t| {
            let l = km.landmark(t);
            LandmarkJson {
                t: t.value(),
                surv: l.surv,
                std_err: opt(l.std_err),
                lower: opt(l.lower),
                upper: opt(l.upper),
                n_risk: l.n_risk,
                beyond_last_time: l.beyond_last_time,
                std_err_peto: opt(l.std_err_peto),
                ci_undefined: l.lower.err(),
            }
        })
        .collect()
}

fn to_json<'a>(a: &'a Analysis, args: &'a Args) -> Report<'a> {
    let km_by_group = args.group.as_ref().map(|_| {
        a.data
            .group_levels
            .iter()
            .zip(&a.groups)
            .map(|(lvl, km)| {
                (
                    lvl.clone(),
                    GroupJson {
                        n: km.n(),
                        n_events: km.n_events(),
                        table: table_json(km),
                        median: median_json(&km.median()),
                        landmarks: landmarks_json(km, &a.landmarks),
                    },
                )
            })
            .collect()
    });
    Report {
        source: args.data.display().to_string(),
        time_column: &args.time,
        event_column: &args.event,
        group_column: args.group.as_deref(),
        n: a.km.n(),
        n_events: a.km.n_events(),
        n_rows: a.data.n_rows,
        n_dropped_missing: a.data.n_dropped_missing,
        conf_level: a.opts.conf_level.value(),
        conf_type: a.opts.conf_type.name(),
        variance: "greenwood",
        median_rule: "R/SAS midpoint rule (quantile.survfit); CI by inverting the pointwise band",
        km: KmJson {
            table: table_json(&a.km),
        },
        median: median_json(&a.km.median()),
        landmarks: landmarks_json(&a.km, &a.landmarks),
        median_followup: median_json(&a.followup.median()),
        n_missing_group: args.group.as_ref().map(|_| a.data.n_missing_group),
        km_by_group,
        logrank: a.logrank.as_ref().map(|lr| LogRankJson {
            chisq: lr.chisq,
            df: lr.df,
            p: lr.p,
            groups: a.data.group_levels.clone(),
            n: lr.n.clone(),
            observed: lr.observed.clone(),
            expected: lr.expected.clone(),
        }),
        cox: a.cox.as_ref(),
        notes: vec![
            "std_err is the standard error of S (Greenwood), not of log S",
            "null std_err/lower/upper: the last subject at risk had the event (S = 0, infinite Greenwood term); null log-log limits also where S = 1",
            "median_followup: reverse Kaplan–Meier (Schemper & Smith 1996)",
        ],
        warnings: &a.warnings,
    }
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

/// Shortest representation, up to 6 significant digits for non-integers.
fn fmt_num(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.6}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
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

fn print_text(a: &Analysis, args: &Args, out: &mut dyn Write) -> Result<()> {
    let pct = a.opts.conf_level.value() * 100.0;
    let lvl = fmt_num(a.opts.conf_level.value());
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
    writeln!(
        out,
        "Pointwise {}% CI: {}, Greenwood variance; median by the R/SAS midpoint rule\n",
        fmt_num(pct),
        a.opts.conf_type
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
    if !a.landmarks.is_empty() {
        writeln!(out, "\nLandmark estimates:")?;
        writeln!(
            out,
            "{:w$} {:>8} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8}",
            "", "time", "n.risk", "survival", "std.err", "lower", "upper", "Peto.se"
        )?;
        for (name, km) in &rows {
            for &t in &a.landmarks {
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
        writeln!(out, "\nLog-rank test:")?;
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
        "\nCox proportional hazards ({ties} ties): n = {}, events = {}{}",
        c.n,
        c.n_events,
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

// ---------------------------------------------------------------- plot ---

/// At most this many steps per curve in the SVG; beyond it, steps whose
/// survival changes by less than 1/1000 are merged (invisible at 720 px).
const MAX_PLOT_STEPS: usize = 2000;

fn plot(a: &Analysis, args: &Args) -> String {
    use mibg_plot::{Axis, Figure, Panel, Series, TextTable};
    let curves: Vec<(String, &KaplanMeier)> = if a.groups.is_empty() {
        vec![("all".to_string(), &a.km)]
    } else {
        a.data
            .group_levels
            .iter()
            .zip(&a.groups)
            .map(|(l, km)| (format!("{}={l}", args.group.as_deref().unwrap_or("")), km))
            .collect()
    };
    let t_max = a.km.last_time().value().max(f64::MIN_POSITIVE);
    let step = mibg_plot::axis::nice_step(t_max, 6.0);
    let ticks: Vec<f64> = (0..)
        .map(|i| i as f64 * step)
        .take_while(|&t| t <= t_max + 1e-9 * step)
        .collect();
    let x_axis = Axis::linear(format!("time ({})", args.time))
        .range(0.0, t_max)
        .with_ticks(ticks.clone());
    let y_axis = Axis::linear(format!(
        "survival probability ({}% CI, {})",
        fmt_num(a.opts.conf_level.value() * 100.0),
        a.opts.conf_type
    ))
    .range(0.0, 1.0);
    let mut panel = Panel::new(x_axis, y_axis);
    let mut table = TextTable::new("Number at risk");
    for (name, km) in &curves {
        let rows = km.rows();
        let end = Some(km.last_time().value());
        let keep = thin(rows.iter().map(|r| r.surv).collect::<Vec<_>>());
        let mut steps = vec![(0.0, 1.0)];
        let mut band = vec![(0.0, 1.0, 1.0)];
        let mut censor = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            if !keep[i] {
                continue;
            }
            if r.n_event > 0 {
                steps.push((r.time.value(), r.surv));
            }
            match (r.lower, r.upper) {
                (Ok(lo), Ok(hi)) => band.push((r.time.value(), lo, hi)),
                _ if r.surv == 1.0 => band.push((r.time.value(), 1.0, 1.0)),
                _ => {}
            }
            if r.n_censor > 0 {
                censor.push((r.time.value(), r.surv));
            }
        }
        panel = panel
            .series(Series::band("", band, true, end))
            .series(Series::step(name, steps, end))
            .series(Series::ticks("", censor));
        table = table.row(
            name.clone(),
            ticks
                .iter()
                .map(|&t| {
                    let n = SurvTime::new(t).map_or(0, |st| km.landmark(st).n_risk);
                    (t, n.to_string())
                })
                .collect(),
        );
    }
    Figure::new(720.0)
        .title(format!("Kaplan–Meier: {}", args.data.display()))
        .panel(panel)
        .table(table)
        .to_svg()
}

/// Which rows to draw: all when few; otherwise rows where S moved by
/// ≥ 0.001 since the last kept row, plus the last row.
fn thin(surv: Vec<f64>) -> Vec<bool> {
    if surv.len() <= MAX_PLOT_STEPS {
        return vec![true; surv.len()];
    }
    let mut keep = vec![false; surv.len()];
    let mut last = 1.0;
    for (i, &s) in surv.iter().enumerate() {
        if (last - s).abs() >= 1e-3 {
            keep[i] = true;
            last = s;
        }
    }
    if let Some(k) = keep.last_mut() {
        *k = true;
    }
    keep
}
