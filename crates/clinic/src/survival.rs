//! Analyse a survival table (`mibg survival`): Kaplan–Meier curves
//! (optionally with case weights), landmarks, median and median follow-up,
//! per-group curves and the log-rank test (optionally stratified), and a Cox
//! model (optionally with strata and case weights), after R's handling of
//! near-equal times. Every estimate comes from `mibg-stats`; this module
//! composes them, chooses nothing silently (every choice is in the result),
//! and builds the JSON document and the SVG plot that every front end shows.
//!
//! Conventions follow R `survival` 3.5 (docs/reference/statistics.md §0–§3):
//! * **timefix** (default on, R `timefix = TRUE`): times within √ε of
//!   another are merged before anything is computed
//!   ([`mibg_stats::time::timefix`]); the number of times moved is reported.
//! * **Case weights**: the curves are R `survfit(weights = w, robust = FALSE)`
//!   (weighted Greenwood variance; R's default for non-integer weights is a
//!   robust variance, which is not computed: the result says which variance
//!   it used); the Cox model is R `coxph(weights = w)` (model-based
//!   variance). R `survdiff` takes no weights, so the log-rank test is not
//!   computed with weights (a warning says so).
//! * **Strata**: the log-rank test is R `survdiff(~ group + strata(s))`, the
//!   Cox model R `coxph(~ x + strata(s))`; the curves stay per group.

use mibg_stats::conf::ConfLevel;
use mibg_stats::cox::{CoxDesign, CoxError, CoxFit, CoxOptions, Ties};
use mibg_stats::km::{EventCounts, KaplanMeier, KmError, KmOptions, Quantile, Undefined};
use mibg_stats::logrank::{LogRank, logrank, logrank_stratified};
use mibg_stats::survdata::SurvivalData;
use mibg_stats::time::{SurvTime, timefix};
use serde::{Serialize, Serializer};

/// What to compute.
#[derive(Clone, Debug, PartialEq)]
pub struct SurvivalOptions {
    /// CI transform and level of every curve.
    pub km: KmOptions,
    /// Landmark times t* for S(t*).
    pub landmarks: Vec<SurvTime>,
    /// Tie handling of the Cox model (fitted when the data carry
    /// covariates).
    pub ties: Ties,
    /// Merge near-equal times first (R's default `timefix = TRUE`).
    pub timefix: bool,
}

/// Why the analysis cannot be done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SurvivalError {
    /// No row with both a time and an event.
    #[error(
        "no row with both a time and an event ({n_rows} data rows, {n_dropped} with a missing time or event)"
    )]
    NoRows {
        /// Data rows.
        n_rows: usize,
        /// Rows dropped for a missing time or event.
        n_dropped: usize,
    },
    /// A stratum column without a group column or covariates to stratify.
    #[error(
        "a stratum column stratifies the log-rank test (needs a group column) or the Cox model (needs covariates); neither was given"
    )]
    StrataWithoutAnalysis,
    /// The curves cannot be built.
    #[error(transparent)]
    Km(#[from] KmError),
    /// The Cox model cannot be fitted.
    #[error("Cox model: {0}")]
    Cox(#[from] CoxError),
}

/// How many times R's near-equal-time rule moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TimeFixSummary {
    /// Whether the rule was applied (R `timefix = TRUE`).
    pub applied: bool,
    /// Times replaced by the first time of their run of near-equal values.
    pub changed: usize,
}

/// The Cox fit plus the rows left out for a missing covariate.
#[derive(Clone, Debug, Serialize)]
pub struct CoxResult {
    /// The fit (`cox.*` in JSON: the field names of [`CoxFit`]).
    #[serde(flatten)]
    pub fit: CoxFit,
    /// Rows left out for a missing covariate (complete cases).
    pub n_missing_covariates: usize,
}

/// Everything computed.
#[derive(Clone, Debug)]
pub struct SurvivalAnalysis {
    /// The data after timefix.
    pub data: SurvivalData,
    /// The options used.
    pub options: SurvivalOptions,
    /// The overall curve.
    pub km: KaplanMeier,
    /// The reverse-KM curve (follow-up).
    pub followup: KaplanMeier,
    /// One curve per group level (empty without a group column).
    pub groups: Vec<KaplanMeier>,
    /// The log-rank test (stratified when the data carry strata).
    pub logrank: Option<LogRank>,
    /// The Cox model, when the data carry covariates.
    pub cox: Option<CoxResult>,
    /// What timefix did.
    pub timefix: TimeFixSummary,
    /// Warnings, in the order found.
    pub warnings: Vec<String>,
}

impl SurvivalAnalysis {
    /// Whether the data carry case weights.
    pub fn weighted(&self) -> bool {
        !self.data.weight.is_empty()
    }

    /// Whether the data carry strata.
    pub fn stratified(&self) -> bool {
        !self.data.stratum.is_empty()
    }

    /// Whether the data carry a group column.
    pub fn grouped(&self) -> bool {
        !self.data.group.is_empty()
    }

    /// The variance of the curves, in words.
    pub fn variance(&self) -> &'static str {
        if self.weighted() {
            "greenwood (case weights: R survfit robust = FALSE)"
        } else {
            "greenwood"
        }
    }
}

/// Runs the analysis (see the module documentation).
///
/// # Errors
/// [`SurvivalError`].
pub fn analyse(
    mut data: SurvivalData,
    options: SurvivalOptions,
) -> Result<SurvivalAnalysis, SurvivalError> {
    if data.time.is_empty() {
        return Err(SurvivalError::NoRows {
            n_rows: data.n_rows,
            n_dropped: data.n_dropped_missing,
        });
    }
    let grouped = !data.group.is_empty();
    if !data.stratum.is_empty() && !grouped && data.covariates.is_empty() {
        return Err(SurvivalError::StrataWithoutAnalysis);
    }
    let mut warnings = Vec::new();
    let mut fix = TimeFixSummary {
        applied: options.timefix,
        changed: 0,
    };
    if options.timefix {
        let raw: Vec<f64> = data.time.iter().map(|t| t.value()).collect();
        let fixed = timefix(&raw);
        if fixed.changed > 0 {
            fix.changed = fixed.changed;
            data.time = fixed
                .times
                .into_iter()
                .map(|t| SurvTime::new(t).unwrap_or(SurvTime::ZERO))
                .collect();
            warnings.push(format!(
                "{} times lay within √ε (1.49e-8, absolute or relative) of a smaller time and were merged with it (R timefix = TRUE)",
                fixed.changed
            ));
        }
    }
    let opts = options.km;
    let weighted = !data.weight.is_empty();
    let counts = if weighted {
        EventCounts::from_weighted(&data.time, &data.event, &data.weight)?
    } else {
        EventCounts::from_observations(&data.time, &data.event)?
    };
    let km = KaplanMeier::from_counts(&counts, opts);
    let followup = KaplanMeier::from_counts(&counts.reversed(), opts);
    drop(counts);
    if data.n_dropped_missing > 0 {
        warnings.push(format!(
            "{} of {} rows dropped: missing time or event",
            data.n_dropped_missing, data.n_rows
        ));
    }
    for t in &options.landmarks {
        if t.value() > km.last_time().value() {
            warnings.push(format!(
                "landmark {t} is after the last observed time {}: S carried forward",
                km.last_time()
            ));
        }
    }
    let (groups, lr) = if grouped {
        by_group(&data, opts, &mut warnings)?
    } else {
        (Vec::new(), None)
    };
    let cox = if data.covariates.is_empty() {
        None
    } else {
        Some(cox(&data, options.ties, opts.conf_level, &mut warnings)?)
    };
    Ok(SurvivalAnalysis {
        data,
        options,
        km,
        followup,
        groups,
        logrank: lr,
        cox,
        timefix: fix,
        warnings,
    })
}

/// The rows of each group (rows with an empty group cell left out).
fn by_group(
    data: &SurvivalData,
    opts: KmOptions,
    warnings: &mut Vec<String>,
) -> Result<(Vec<KaplanMeier>, Option<LogRank>), SurvivalError> {
    if data.n_missing_group > 0 {
        warnings.push(format!(
            "{} rows with an empty group cell left out of the per-group curves and the log-rank test",
            data.n_missing_group
        ));
    }
    let k = data.group_levels.len();
    let weighted = !data.weight.is_empty();
    let n_strata = data.strata_levels.len().max(1);
    // rows[s][g]: the rows of group g in stratum s.
    let mut rows: Vec<Vec<Vec<usize>>> = vec![vec![Vec::new(); k]; n_strata];
    for (i, g) in data.group.iter().enumerate() {
        if let Some(g) = g {
            let s = data.stratum.get(i).map_or(0, |&s| s as usize);
            rows[s][*g as usize].push(i);
        }
    }
    let counts = |idx: &[usize], weights: bool| -> Result<Option<EventCounts>, KmError> {
        if idx.is_empty() {
            return Ok(None);
        }
        let t: Vec<SurvTime> = idx.iter().map(|&i| data.time[i]).collect();
        let e: Vec<bool> = idx.iter().map(|&i| data.event[i]).collect();
        if weights {
            let w: Vec<f64> = idx.iter().map(|&i| data.weight[i]).collect();
            EventCounts::from_weighted(&t, &e, &w).map(Some)
        } else {
            EventCounts::from_observations(&t, &e).map(Some)
        }
    };
    let mut groups = Vec::with_capacity(k);
    for g in 0..k {
        let idx: Vec<usize> = rows.iter().flat_map(|s| s[g].iter().copied()).collect();
        let c = counts(&idx, weighted)?.ok_or(KmError::Empty)?;
        groups.push(KaplanMeier::from_counts(&c, opts));
    }
    let mut lr = None;
    if k < 2 {
        warnings.push("log-rank test not computed: only one group level".to_string());
    } else if weighted {
        warnings.push(
            "log-rank test not computed: R survdiff takes no case weights (use the Cox model with the group as a covariate)"
                .to_string(),
        );
    } else {
        let strata: Vec<Vec<Option<EventCounts>>> = rows
            .iter()
            .map(|s| s.iter().map(|idx| counts(idx, false)).collect())
            .collect::<Result<_, _>>()?;
        let test = if data.stratum.is_empty() {
            let per: Vec<EventCounts> = strata
                .into_iter()
                .flatten()
                .map(|c| c.ok_or(KmError::Empty))
                .collect::<Result<_, _>>()?;
            logrank(&per)
        } else {
            logrank_stratified(&strata)
        };
        match test {
            Ok(r) => lr = Some(r),
            Err(e) => warnings.push(format!("not computed: {e}")),
        }
    }
    Ok((groups, lr))
}

/// The Cox model on the complete cases of the covariates (docs/reference/statistics.md §0).
fn cox(
    data: &SurvivalData,
    ties: Ties,
    level: ConfLevel,
    warnings: &mut Vec<String>,
) -> Result<CoxResult, SurvivalError> {
    let n_all = data.time.len();
    let complete: Vec<usize> = (0..n_all)
        .filter(|&i| data.covariates.iter().all(|c| !c.missing[i]))
        .collect();
    let n = complete.len();
    let n_missing = n_all - n;
    if n_missing > 0 {
        warnings.push(format!(
            "Cox model: {n_missing} of {n_all} rows left out for a missing covariate (complete cases)"
        ));
    }
    let times: Vec<f64> = complete.iter().map(|&i| data.time[i].value()).collect();
    let events: Vec<bool> = complete.iter().map(|&i| data.event[i]).collect();
    let mut x = Vec::with_capacity(n * data.covariates.len());
    for c in &data.covariates {
        x.extend(complete.iter().map(|&i| c.values[i]));
    }
    let weights: Vec<f64> = if data.weight.is_empty() {
        Vec::new()
    } else {
        complete.iter().map(|&i| data.weight[i]).collect()
    };
    let strata: Vec<u32> = if data.stratum.is_empty() {
        Vec::new()
    } else {
        complete.iter().map(|&i| data.stratum[i]).collect()
    };
    drop(complete);
    let x = nalgebra::DMatrix::from_vec(n, data.covariates.len(), x);
    let names: Vec<&str> = data.covariates.iter().map(|c| c.name.as_str()).collect();
    let options = CoxOptions {
        ties,
        conf_level: level.value(),
        ..CoxOptions::default()
    };
    let design = CoxDesign {
        weights: (!weights.is_empty()).then_some(&weights[..]),
        strata: (!strata.is_empty()).then_some(&strata[..]),
    };
    let fit = mibg_stats::cox::fit_with(&times, &events, &x, &names, design, &options)?;
    warnings.extend(fit.warnings.iter().map(|w| format!("Cox model: {w}")));
    Ok(CoxResult {
        fit,
        n_missing_covariates: n_missing,
    })
}

// ---------------------------------------------------------------- JSON ---

/// Column names and the source label, for the JSON document.
#[derive(Clone, Copy, Debug)]
pub struct Columns<'a> {
    /// The source (file name).
    pub source: &'a str,
    /// Time column.
    pub time: &'a str,
    /// Event column.
    pub event: &'a str,
    /// Group column.
    pub group: Option<&'a str>,
    /// Case-weight column.
    pub weight: Option<&'a str>,
    /// Stratum column.
    pub strata: Option<&'a str>,
}

/// A value that is `null` when undefined.
fn opt(v: Result<f64, Undefined>) -> Option<f64> {
    v.ok()
}

/// The JSON document of `mibg survival --json` (field names follow R
/// `survival`; README "mibg survival").
#[derive(Serialize)]
pub struct Report<'a> {
    source: &'a str,
    time_column: &'a str,
    event_column: &'a str,
    group_column: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    weight_column: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    strata_column: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    strata: Option<&'a [String]>,
    n: u64,
    n_events: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    n_weighted: Option<f64>,
    n_rows: usize,
    n_dropped_missing: usize,
    timefix: TimeFixSummary,
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
    cox: Option<&'a CoxResult>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    n_risk_weighted: Option<Vec<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    n_event_weighted: Option<Vec<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    n_censor_weighted: Option<Vec<f64>>,
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
    stratified: bool,
    groups: Vec<String>,
    n: Vec<u64>,
    observed: Vec<u64>,
    expected: Vec<f64>,
}

fn table_json(km: &KaplanMeier) -> TableJson {
    let r = km.rows();
    let weighted = r.first().is_some_and(|r| r.weighted.is_some());
    let w = |f: fn(&mibg_stats::km::WeightedRow) -> f64| {
        weighted.then(|| {
            r.iter()
                .map(|r| r.weighted.as_ref().map_or(0.0, f))
                .collect()
        })
    };
    TableJson {
        time: r.iter().map(|r| r.time.value()).collect(),
        n_risk: r.iter().map(|r| r.n_risk).collect(),
        n_event: r.iter().map(|r| r.n_event).collect(),
        n_censor: r.iter().map(|r| r.n_censor).collect(),
        n_risk_weighted: w(|w| w.n_risk),
        n_event_weighted: w(|w| w.n_event),
        n_censor_weighted: w(|w| w.n_censor),
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

/// The JSON document of the analysis.
pub fn report<'a>(a: &'a SurvivalAnalysis, columns: Columns<'a>) -> Report<'a> {
    let landmarks = &a.options.landmarks;
    let km_by_group = a.grouped().then(|| {
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
                        landmarks: landmarks_json(km, landmarks),
                    },
                )
            })
            .collect()
    });
    let opts = a.options.km;
    Report {
        source: columns.source,
        time_column: columns.time,
        event_column: columns.event,
        group_column: columns.group,
        weight_column: columns.weight,
        strata_column: columns.strata,
        strata: a.stratified().then_some(&a.data.strata_levels[..]),
        n: a.km.n(),
        n_events: a.km.n_events(),
        n_weighted: a.weighted().then(|| a.data.weight.iter().sum()),
        n_rows: a.data.n_rows,
        n_dropped_missing: a.data.n_dropped_missing,
        timefix: a.timefix,
        conf_level: opts.conf_level.value(),
        conf_type: opts.conf_type.name(),
        variance: a.variance(),
        median_rule: "R/SAS midpoint rule (quantile.survfit); CI by inverting the pointwise band",
        km: KmJson {
            table: table_json(&a.km),
        },
        median: median_json(&a.km.median()),
        landmarks: landmarks_json(&a.km, landmarks),
        median_followup: median_json(&a.followup.median()),
        n_missing_group: a.grouped().then_some(a.data.n_missing_group),
        km_by_group,
        logrank: a.logrank.as_ref().map(|lr| LogRankJson {
            chisq: lr.chisq,
            df: lr.df,
            p: lr.p,
            stratified: a.stratified(),
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

// ---------------------------------------------------------------- plot ---

/// At most this many steps per curve in the SVG; beyond it, steps whose
/// survival changes by less than 1/1000 are merged (invisible at 720 px).
const MAX_PLOT_STEPS: usize = 2000;

/// The Kaplan–Meier plot (curves, CI bands, censoring ticks, numbers at
/// risk) as SVG; `title` names the source, `time_label` the time column.
pub fn plot(a: &SurvivalAnalysis, title: &str, time_label: &str, group_label: &str) -> String {
    use mibg_plot::{Axis, Figure, Panel, Series, TextTable};
    let curves: Vec<(String, &KaplanMeier)> = if a.groups.is_empty() {
        vec![("all".to_string(), &a.km)]
    } else {
        a.data
            .group_levels
            .iter()
            .zip(&a.groups)
            .map(|(l, km)| (format!("{group_label}={l}"), km))
            .collect()
    };
    let opts = a.options.km;
    let t_max = a.km.last_time().value().max(f64::MIN_POSITIVE);
    let step = mibg_plot::axis::nice_step(t_max, 6.0);
    let ticks: Vec<f64> = (0..)
        .map(|i| i as f64 * step)
        .take_while(|&t| t <= t_max + 1e-9 * step)
        .collect();
    let x_axis = Axis::linear(format!("time ({time_label})"))
        .range(0.0, t_max)
        .with_ticks(ticks.clone());
    let y_axis = Axis::linear(format!(
        "survival probability ({}% CI, {})",
        fmt_num(opts.conf_level.value() * 100.0),
        opts.conf_type
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
        .title(format!("Kaplan–Meier: {title}"))
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

/// Shortest representation, up to 6 significant digits for non-integers.
pub fn fmt_num(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.6}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mibg_stats::survdata::{ColumnSpec, parse_csv};

    fn data(text: &str, group: bool, strata: bool, weight: bool) -> SurvivalData {
        parse_csv(
            text,
            "t.csv",
            &ColumnSpec {
                time: "time".into(),
                event: "event".into(),
                group: group.then(|| "g".into()),
                covariates: Vec::new(),
                weight: weight.then(|| "w".into()),
                strata: strata.then(|| "s".into()),
            },
        )
        .unwrap()
    }

    fn options() -> SurvivalOptions {
        SurvivalOptions {
            km: KmOptions::default(),
            landmarks: Vec::new(),
            ties: Ties::Efron,
            timefix: true,
        }
    }

    /// 0.1 + 0.2 and 0.3 are one time after timefix (one row, 2 events at
    /// risk 3: S = 1/3), two rows without it.
    #[test]
    fn timefix_merges_and_says_so() {
        let text = format!("time,event\n{},1\n0.3,1\n1,0\n", 0.1 + 0.2);
        let a = analyse(data(&text, false, false, false), options()).unwrap();
        assert_eq!(a.timefix.changed, 1);
        assert_eq!(a.km.rows().len(), 2);
        assert!((a.km.rows()[0].surv - 1.0 / 3.0).abs() < 1e-15);
        assert!(a.warnings.iter().any(|w| w.contains("timefix")));
        let b = analyse(
            data(&text, false, false, false),
            SurvivalOptions {
                timefix: false,
                ..options()
            },
        )
        .unwrap();
        assert_eq!(b.timefix.changed, 0);
        assert_eq!(b.km.rows().len(), 3);
        assert!(b.warnings.is_empty());
    }

    #[test]
    fn strata_alone_are_refused_and_weights_skip_the_logrank() {
        let text = "time,event,g,s,w\n1,1,a,x,1\n2,0,b,x,2\n3,1,a,y,1\n4,1,b,y,1\n";
        assert!(matches!(
            analyse(data(text, false, true, false), options()),
            Err(SurvivalError::StrataWithoutAnalysis)
        ));
        let a = analyse(data(text, true, false, true), options()).unwrap();
        assert!(a.logrank.is_none());
        assert!(a.warnings.iter().any(|w| w.contains("no case weights")));
        assert_eq!(
            a.variance(),
            "greenwood (case weights: R survfit robust = FALSE)"
        );
        let b = analyse(data(text, true, true, false), options()).unwrap();
        assert!(b.logrank.is_some());
        assert!(b.stratified());
    }

    /// `thin` keeps every row of a curve up to `MAX_PLOT_STEPS` (2000) rows;
    /// above, a row where S has fallen by ≥ 0.001 since the last kept row,
    /// and the last row. Steps of 2⁻¹¹ (exact in binary, so no rounding
    /// decides a comparison): two steps fall by 0.0009765625 < 0.001,
    /// three by 0.00146484375 ≥ 0.001, so every third row is kept (by hand):
    /// 667 of 2001, the last row among them.
    #[test]
    fn thin_keeps_every_row_up_to_2000_and_each_fall_of_a_thousandth_above() {
        let step = 2f64.powi(-11);
        let curve = |n: usize| -> Vec<f64> { (1..=n).map(|k| 1.0 - k as f64 * step).collect() };
        assert_eq!(thin(curve(2000)), vec![true; 2000]);
        let kept = thin(curve(2001));
        let want: Vec<bool> = (0..2001).map(|i| (i + 1) % 3 == 0 || i == 2000).collect();
        assert_eq!(kept, want);
        assert_eq!(kept.iter().filter(|&&k| k).count(), 667);
        // A flat stretch keeps nothing but the last row.
        let mut flat = vec![1.0; 2001];
        flat[1000] = 0.9995;
        let kept = thin(flat);
        assert_eq!(kept.iter().filter(|&&k| k).count(), 1);
        assert!(kept[2000]);
    }
}
