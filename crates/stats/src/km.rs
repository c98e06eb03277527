//! Kaplan–Meier estimation (docs/reference/statistics.md §2).
//!
//! * Estimator S(t) = Π_{tᵢ ≤ t} (1 − dᵢ/nᵢ), right-continuous; censorings
//!   tied with events at tᵢ count as at risk at tᵢ (docs/reference/statistics.md §2.1).
//! * Greenwood: GW(t) = Σ_{tᵢ ≤ t} dᵢ/(nᵢ(nᵢ − dᵢ)), se(S) = S·√GW — the SE
//!   **of S**, as R's `summary(survfit)$std.err` (docs/reference/statistics.md §2.2). When the last subject
//!   at risk has the event (nᵢ = dᵢ) the term is infinite: the SE and every
//!   CI limit from then on are [`Undefined::InfiniteVariance`] (R: NA).
//! * Pointwise CIs plain, log, log-log (default, docs/reference/statistics.md
//!   §2.3 \[I\]), logit and arcsin (R's complete `conf.type` set), exactly as R
//!   `survival:::survfit_confint`.
//! * Landmarks S(t*) (docs/reference/statistics.md §2.4), quantiles/median with the R/SAS midpoint rule
//!   (docs/reference/statistics.md §2.5, R `survival:::findq`), their CI by inverting the pointwise band
//!   (docs/reference/statistics.md §2.6), reverse KM for follow-up (§2.7, [`EventCounts::reversed`]).
//!
//! * Case weights (R `survfit(weights = w, robust = FALSE)`): nᵢ and dᵢ
//!   are the sums of the weights at risk and of the events' weights, S and
//!   the Greenwood sum use them unchanged ([`EventCounts::from_weighted`]);
//!   R's *default* for non-integer weights is a robust (infinitesimal
//!   jackknife) variance instead, which this crate does not compute: the
//!   caller names the variance it reports.
//!
//! The table has one row per distinct observed time (events and censorings,
//! as R; no synthetic t = 0 row, docs/reference/statistics.md §7 item 6). Building it takes
//! one sort, O(n log n); everything after is linear in the number of rows.

use crate::conf::ConfLevel;
use crate::time::SurvTime;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Tolerance on S used by the quantile rule: √(machine ε) ≈ 1.49e-8, as R
/// `quantile.survfit(tolerance = sqrt(.Machine$double.eps))` (docs/reference/statistics.md §2.5).
pub const QUANTILE_TOLERANCE: f64 = 1.490_116_119_384_765_6e-8;

/// Why a value is undefined (serialised as `null`, never NaN).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Undefined {
    /// The Greenwood term is infinite: the last subject at risk had the
    /// event (n = d), so S = 0 and its variance is undefined (R: NA).
    InfiniteVariance,
    /// The log-log interval is undefined at S = 1 (before the first event)
    /// and at S = 0 (R: NA).
    LogLogAtBoundary,
    /// The log interval is undefined at S = 0 (R: NA).
    LogAtZero,
    /// The logit interval is undefined at S = 1 (before the first event)
    /// and at S = 0 (R: NA).
    LogitAtBoundary,
    /// The arcsine interval is undefined at S = 1 (before the first event:
    /// R computes 0·∞) and at S = 0 (R: NA).
    ArcsinAtBoundary,
    /// The curve (or the CI band) never falls to the requested quantile
    /// within the observed times: "not reached".
    NotReached,
    /// Nobody is at risk at the landmark (Peto SE).
    NoneAtRisk,
}

impl Undefined {
    /// A short explanation for people.
    pub fn reason(self) -> &'static str {
        match self {
            Undefined::InfiniteVariance => {
                "undefined: the last subject at risk had the event (infinite Greenwood term)"
            }
            Undefined::LogLogAtBoundary => "undefined: log-log interval at S = 1 or S = 0",
            Undefined::LogAtZero => "undefined: log interval at S = 0",
            Undefined::LogitAtBoundary => "undefined: logit interval at S = 1 or S = 0",
            Undefined::ArcsinAtBoundary => "undefined: arcsine interval at S = 1 or S = 0",
            Undefined::NotReached => "not reached",
            Undefined::NoneAtRisk => "undefined: nobody at risk",
        }
    }
}

impl fmt::Display for Undefined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

/// A number that may be undefined, with the reason (`Err`) when it is.
pub type Value = Result<f64, Undefined>;

/// Transform for the pointwise confidence interval of S(t) (docs/reference/statistics.md §2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ConfType {
    /// S ± z·se(S), clipped to [0, 1].
    #[serde(rename = "plain")]
    Plain,
    /// S·exp(± z·√GW), upper clipped to 1 (R `survfit` default).
    #[serde(rename = "log")]
    Log,
    /// exp(−exp(log(−log S) ∓ z·√GW / log S)) ("exponential Greenwood";
    /// Stata, SAS ≥ 9.2, lifelines). mibg default: it reproduces the seed
    /// study's published landmark CIs (docs/reference/statistics.md §10.2).
    #[default]
    #[serde(rename = "log-log")]
    LogLog,
    /// logit(S) ± z·√GW/(1 − S), back-transformed (R `conf.type =
    /// "logit"`; docs/reference/statistics.md §2.3).
    #[serde(rename = "logit")]
    Logit,
    /// asin(√S) ± ½·z·√GW·√(S/(1 − S)), limited to [0, π/2] and squared
    /// back (R `conf.type = "arcsin"`; docs/reference/statistics.md §2.3).
    #[serde(rename = "arcsin")]
    Arcsin,
}

impl ConfType {
    /// The name as on the command line and in JSON (`log-log`, `log`, `plain`).
    pub fn name(self) -> &'static str {
        match self {
            ConfType::Plain => "plain",
            ConfType::Log => "log",
            ConfType::LogLog => "log-log",
            ConfType::Logit => "logit",
            ConfType::Arcsin => "arcsin",
        }
    }
}

impl fmt::Display for ConfType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown confidence-interval transform name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("unknown CI transform '{0}': expected log-log, log, plain, logit or arcsin")]
pub struct UnknownConfType(pub String);

impl FromStr for ConfType {
    type Err = UnknownConfType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "log-log" | "loglog" | "log_log" => Ok(ConfType::LogLog),
            "log" => Ok(ConfType::Log),
            "plain" | "linear" => Ok(ConfType::Plain),
            "logit" => Ok(ConfType::Logit),
            "arcsin" | "arcsine" | "asin" => Ok(ConfType::Arcsin),
            _ => Err(UnknownConfType(s.to_string())),
        }
    }
}

/// Options of a Kaplan–Meier fit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KmOptions {
    /// CI transform (default log-log).
    pub conf_type: ConfType,
    /// CI level (default 0.95).
    pub conf_level: ConfLevel,
}

/// Invalid survival data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum KmError {
    /// No observations.
    #[error("no observations: a survival curve needs at least one subject")]
    Empty,
    /// Columns of different lengths.
    #[error("{what}: {got} values for {expected} times")]
    LengthMismatch {
        /// Which column.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The number of times.
        expected: usize,
    },
    /// A group index ≥ the number of groups.
    #[error("observation {index}: group index {group} but only {n_groups} groups")]
    GroupOutOfRange {
        /// Zero-based observation.
        index: usize,
        /// Its group index.
        group: u32,
        /// Number of groups.
        n_groups: usize,
    },
    /// A case weight that is not a finite number > 0.
    #[error("observation {index} (0-based): case weight {value} must be a finite number > 0")]
    InvalidWeight {
        /// Zero-based observation.
        index: usize,
        /// The weight.
        value: f64,
    },
    /// A quantile probability outside (0, 1).
    #[error("quantile probability {0}: must lie strictly between 0 and 1")]
    InvalidProbability(f64),
}

/// Numbers of events and censorings at each distinct observed time, sorted
/// ascending: the sufficient statistic of right-censored data.
#[derive(Clone, Debug, PartialEq)]
pub struct EventCounts {
    time: Vec<f64>,
    n_event: Vec<u64>,
    n_censor: Vec<u64>,
    n: u64,
    weighted: Option<Weighted>,
}

/// Sums of case weights per distinct time (see [`EventCounts::from_weighted`]).
#[derive(Clone, Debug, PartialEq)]
struct Weighted {
    event: Vec<f64>,
    censor: Vec<f64>,
    total: f64,
}

/// The weighted counts of one row of a weighted Kaplan–Meier table (R
/// `survfit(weights = )$n.risk`, `$n.event`, `$n.censor`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeightedRow {
    /// Sum of the weights at risk just before the time.
    pub n_risk: f64,
    /// Sum of the weights of the events at the time.
    pub n_event: f64,
    /// Sum of the weights of the censorings at the time.
    pub n_censor: f64,
}

impl EventCounts {
    /// Collapses observations (time, event = true for an event, false for a
    /// censoring) to counts per distinct time. One O(n log n) sort.
    ///
    /// # Errors
    /// [`KmError::LengthMismatch`] if the columns differ in length,
    /// [`KmError::Empty`] if there is no observation.
    pub fn from_observations(time: &[SurvTime], event: &[bool]) -> Result<Self, KmError> {
        if time.len() != event.len() {
            return Err(KmError::LengthMismatch {
                what: "event",
                got: event.len(),
                expected: time.len(),
            });
        }
        if time.is_empty() {
            return Err(KmError::Empty);
        }
        let n_ev = event.iter().filter(|&&e| e).count();
        let mut ev: Vec<u64> = Vec::with_capacity(n_ev);
        let mut ce: Vec<u64> = Vec::with_capacity(time.len() - n_ev);
        for (t, &e) in time.iter().zip(event) {
            // Non-negative finite f64: the IEEE bit pattern orders like the value.
            if e {
                ev.push(t.value().to_bits());
            } else {
                ce.push(t.value().to_bits());
            }
        }
        Ok(Self::from_sorted_bits(sorted(ev), sorted(ce)))
    }

    /// Counts per group: `group[i]` is the zero-based group of observation i.
    ///
    /// # Errors
    /// As [`EventCounts::from_observations`], plus
    /// [`KmError::GroupOutOfRange`]; [`KmError::Empty`] if a group is empty.
    pub fn by_group(
        time: &[SurvTime],
        event: &[bool],
        group: &[u32],
        n_groups: usize,
    ) -> Result<Vec<Self>, KmError> {
        if time.len() != event.len() || time.len() != group.len() {
            return Err(KmError::LengthMismatch {
                what: if time.len() != event.len() {
                    "event"
                } else {
                    "group"
                },
                got: if time.len() != event.len() {
                    event.len()
                } else {
                    group.len()
                },
                expected: time.len(),
            });
        }
        let mut ev: Vec<Vec<u64>> = vec![Vec::new(); n_groups];
        let mut ce: Vec<Vec<u64>> = vec![Vec::new(); n_groups];
        for (index, ((t, &e), &g)) in time.iter().zip(event).zip(group).enumerate() {
            let gi = g as usize;
            if gi >= n_groups {
                return Err(KmError::GroupOutOfRange {
                    index,
                    group: g,
                    n_groups,
                });
            }
            if e {
                ev[gi].push(t.value().to_bits());
            } else {
                ce[gi].push(t.value().to_bits());
            }
        }
        ev.into_iter()
            .zip(ce)
            .map(|(e, c)| {
                if e.is_empty() && c.is_empty() {
                    Err(KmError::Empty)
                } else {
                    Ok(Self::from_sorted_bits(sorted(e), sorted(c)))
                }
            })
            .collect()
    }

    /// Collapses weighted observations (R `survfit(weights = )`): the
    /// integer counts are the numbers of subjects, and beside them the sums
    /// of the case weights, which the estimator uses. Every weight must be a
    /// finite number > 0.
    ///
    /// # Errors
    /// As [`EventCounts::from_observations`] (the weights column too), and
    /// [`KmError::InvalidWeight`].
    pub fn from_weighted(
        time: &[SurvTime],
        event: &[bool],
        weight: &[f64],
    ) -> Result<Self, KmError> {
        if weight.len() != time.len() {
            return Err(KmError::LengthMismatch {
                what: "weight",
                got: weight.len(),
                expected: time.len(),
            });
        }
        if let Some((index, &value)) = weight
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w > 0.0))
        {
            return Err(KmError::InvalidWeight { index, value });
        }
        let mut counts = Self::from_observations(time, event)?;
        let mut order: Vec<usize> = (0..time.len()).collect();
        order.sort_unstable_by_key(|&i| time[i].value().to_bits());
        let m = counts.time.len();
        let mut w_event = vec![0.0; m];
        let mut w_censor = vec![0.0; m];
        let mut k = 0;
        for &i in &order {
            while counts.time[k].to_bits() != time[i].value().to_bits() {
                k += 1;
            }
            if event[i] {
                w_event[k] += weight[i];
            } else {
                w_censor[k] += weight[i];
            }
        }
        counts.weighted = Some(Weighted {
            event: w_event,
            censor: w_censor,
            total: order.iter().map(|&i| weight[i]).sum(),
        });
        Ok(counts)
    }

    /// Whether the counts carry case weights.
    pub fn is_weighted(&self) -> bool {
        self.weighted.is_some()
    }

    fn from_sorted_bits(ev: Vec<u64>, ce: Vec<u64>) -> Self {
        let n = (ev.len() + ce.len()) as u64;
        let mut time = Vec::new();
        let mut n_event = Vec::new();
        let mut n_censor = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < ev.len() || j < ce.len() {
            let t = match (ev.get(i), ce.get(j)) {
                (Some(&a), Some(&b)) => a.min(b),
                (Some(&a), None) => a,
                (None, Some(&b)) => b,
                (None, None) => unreachable!("loop condition"),
            };
            let i0 = i;
            while i < ev.len() && ev[i] == t {
                i += 1;
            }
            let j0 = j;
            while j < ce.len() && ce[j] == t {
                j += 1;
            }
            time.push(f64::from_bits(t));
            n_event.push((i - i0) as u64);
            n_censor.push((j - j0) as u64);
        }
        Self {
            time,
            n_event,
            n_censor,
            n,
            weighted: None,
        }
    }

    /// The reverse-KM counts (docs/reference/statistics.md §2.7): censorings become the
    /// "events" and events censor. Ties keep the KM convention (the
    /// flipped-to-censored death at t counts as at risk at t).
    pub fn reversed(&self) -> Self {
        Self {
            time: self.time.clone(),
            n_event: self.n_censor.clone(),
            n_censor: self.n_event.clone(),
            n: self.n,
            weighted: self.weighted.as_ref().map(|w| Weighted {
                event: w.censor.clone(),
                censor: w.event.clone(),
                total: w.total,
            }),
        }
    }

    /// Number of subjects.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Number of events.
    pub fn n_events(&self) -> u64 {
        self.n_event.iter().sum()
    }

    /// Distinct observed times, ascending.
    pub fn times(&self) -> &[f64] {
        &self.time
    }

    /// Events at each distinct time.
    pub fn events(&self) -> &[u64] {
        &self.n_event
    }

    /// Censorings at each distinct time.
    pub fn censorings(&self) -> &[u64] {
        &self.n_censor
    }
}

fn sorted(mut v: Vec<u64>) -> Vec<u64> {
    v.sort_unstable();
    v
}

/// One row of the Kaplan–Meier table: one distinct observed time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KmRow {
    /// The observed time.
    pub time: SurvTime,
    /// Number at risk just before `time` (#{time ≥ t}).
    pub n_risk: u64,
    /// Events at `time`.
    pub n_event: u64,
    /// Censorings at `time`.
    pub n_censor: u64,
    /// S(time), including the drop at `time`.
    pub surv: f64,
    /// Greenwood sum GW(time); `None` once a term is infinite.
    pub greenwood: Option<f64>,
    /// Standard error of S: S·√GW.
    pub std_err: Value,
    /// Lower pointwise confidence limit.
    pub lower: Value,
    /// Upper pointwise confidence limit.
    pub upper: Value,
    /// With case weights: the weighted counts the estimate used.
    pub weighted: Option<WeightedRow>,
}

/// A landmark estimate S(t*) (docs/reference/statistics.md §2.4).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Landmark {
    /// The landmark time t*.
    pub t: SurvTime,
    /// S(t*): S at the last observed time ≤ t* (1 before the first).
    pub surv: f64,
    /// Standard error of S(t*) (Greenwood).
    pub std_err: Value,
    /// Lower confidence limit.
    pub lower: Value,
    /// Upper confidence limit.
    pub upper: Value,
    /// Number at risk at t*: #{time ≥ t*}.
    pub n_risk: u64,
    /// t* lies after the last observed time: the last value is carried
    /// forward (as R `summary(..., extend = TRUE)`), flag it \[I\].
    pub beyond_last_time: bool,
    /// Peto's standard error S·√((1 − S)/n), n = `n_risk` at t* (Peto et
    /// al., Br J Cancer 1977;35:1–39, citation recalled; docs/reference/statistics.md §2.2:
    /// the "estimate ± SE" of COG neuroblastoma papers is recalled to use it,
    /// marker \[R\]: check before relying on it). Reported
    /// beside the Greenwood SE, which the confidence limits use;
    /// Undefined ([`Undefined::NoneAtRisk`]) when nobody is at risk at t*.
    pub std_err_peto: Value,
}

/// A survival quantile (e.g. the median) with its confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantile {
    /// The survival level whose time is sought (0.5 for the median).
    pub surv: f64,
    /// The quantile time (R/SAS midpoint rule).
    pub estimate: Result<SurvTime, Undefined>,
    /// Lower confidence limit (quantile of the lower band).
    pub lower: Result<SurvTime, Undefined>,
    /// Upper confidence limit (quantile of the upper band).
    pub upper: Result<SurvTime, Undefined>,
}

/// A fitted Kaplan–Meier curve.
#[derive(Clone, Debug, PartialEq)]
pub struct KaplanMeier {
    rows: Vec<KmRow>,
    n: u64,
    n_events: u64,
    options: KmOptions,
}

impl KaplanMeier {
    /// Fits the curve to observations (time, event = true for an event).
    ///
    /// # Errors
    /// See [`EventCounts::from_observations`].
    pub fn fit(time: &[SurvTime], event: &[bool], options: KmOptions) -> Result<Self, KmError> {
        Ok(Self::from_counts(
            &EventCounts::from_observations(time, event)?,
            options,
        ))
    }

    /// Fits the curve to collapsed counts.
    ///
    /// Formulas: module documentation. No panics: undefined values are
    /// `Err(Undefined)`.
    pub fn from_counts(counts: &EventCounts, options: KmOptions) -> Self {
        let z = options.conf_level.z();
        let mut rows = Vec::with_capacity(counts.time.len());
        let mut at_risk = counts.n;
        // Weights at risk as R sums them: from the last time backwards
        // (no drift from subtracting from the total).
        let w_risk: Vec<f64> = counts.weighted.as_ref().map_or_else(Vec::new, |w| {
            let mut acc = 0.0;
            let mut r: Vec<f64> = (0..w.event.len())
                .rev()
                .map(|k| {
                    acc += w.event[k] + w.censor[k];
                    acc
                })
                .collect();
            r.reverse();
            r
        });
        let mut s = 1.0_f64;
        let mut gw = Some(0.0_f64);
        for k in 0..counts.time.len() {
            let d = counts.n_event[k];
            let c = counts.n_censor[k];
            let weighted = counts.weighted.as_ref().map(|w| WeightedRow {
                n_risk: w_risk.get(k).copied().unwrap_or(0.0),
                n_event: w.event[k],
                n_censor: w.censor[k],
            });
            if d > 0 {
                let (nf, df) = match &weighted {
                    Some(w) => (w.n_risk, w.n_event),
                    None => (at_risk as f64, d as f64),
                };
                s *= 1.0 - df / nf;
                gw = if d >= at_risk {
                    None
                } else {
                    gw.map(|g| g + df / (nf * (nf - df)))
                };
            }
            let (lower, upper) = interval(s, gw, z, options.conf_type);
            rows.push(KmRow {
                time: SurvTime::new(counts.time[k]).unwrap_or(SurvTime::ZERO),
                n_risk: at_risk,
                n_event: d,
                n_censor: c,
                surv: s,
                greenwood: gw,
                std_err: gw.map(|g| s * g.sqrt()).ok_or(Undefined::InfiniteVariance),
                lower,
                upper,
                weighted,
            });
            at_risk -= d + c;
        }
        Self {
            rows,
            n: counts.n,
            n_events: counts.n_events(),
            options,
        }
    }

    /// The table, one row per distinct observed time.
    pub fn rows(&self) -> &[KmRow] {
        &self.rows
    }

    /// Number of subjects.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Number of events.
    pub fn n_events(&self) -> u64 {
        self.n_events
    }

    /// The options used.
    pub fn options(&self) -> KmOptions {
        self.options
    }

    /// The last observed time (event or censoring).
    pub fn last_time(&self) -> SurvTime {
        self.rows.last().map_or(SurvTime::ZERO, |r| r.time)
    }

    /// S(t*) with SE, CI and number at risk (docs/reference/statistics.md §2.4; R
    /// `summary(fit, times = t, extend = TRUE)`).
    pub fn landmark(&self, t: SurvTime) -> Landmark {
        let tv = t.value();
        let upto = self.rows.partition_point(|r| r.time.value() <= tv);
        let from = self.rows.partition_point(|r| r.time.value() < tv);
        let n_risk = self.rows.get(from).map_or(0, |r| r.n_risk);
        let beyond_last_time = tv > self.last_time().value();
        if upto == 0 {
            let z = self.options.conf_level.z();
            let (lower, upper) = interval(1.0, Some(0.0), z, self.options.conf_type);
            return Landmark {
                t,
                surv: 1.0,
                std_err: Ok(0.0),
                lower,
                upper,
                n_risk,
                beyond_last_time,
                std_err_peto: peto(1.0, n_risk),
            };
        }
        let r = &self.rows[upto - 1];
        Landmark {
            t,
            surv: r.surv,
            std_err: r.std_err,
            lower: r.lower,
            upper: r.upper,
            n_risk,
            beyond_last_time,
            std_err_peto: peto(r.surv, n_risk),
        }
    }

    /// The median survival time and its CI (p = 0.5; see [`Self::quantile`]).
    pub fn median(&self) -> Quantile {
        self.quantile_at(0.5)
    }

    /// The time at which S falls to `surv` (0.5: median, 0.75: first
    /// quartile of survival time) with its CI by band inversion.
    ///
    /// Rule (R `survival:::findq`, docs/reference/statistics.md §2.5–2.6): with F = 1 − S
    /// (or 1 − band) and points (0, 0), (tᵢ, Fᵢ), flat stretches removed,
    /// t_a = first time with F ≥ p − tol, t_b = first time with F ≥ p + tol,
    /// quantile = (t_a + t_b)/2; if the curve ends within tol of p, t_b is
    /// the last observed time; "not reached" if F never reaches p. Undefined
    /// band points (log-log at S = 1) are skipped, as R's `approx` does.
    ///
    /// # Errors
    /// [`KmError::InvalidProbability`] unless 0 < `surv` < 1.
    pub fn quantile(&self, surv: f64) -> Result<Quantile, KmError> {
        if !(surv > 0.0 && surv < 1.0) {
            return Err(KmError::InvalidProbability(surv));
        }
        Ok(self.quantile_at(surv))
    }

    fn quantile_at(&self, surv: f64) -> Quantile {
        let p = 1.0 - surv;
        let times: Vec<f64> = self.rows.iter().map(|r| r.time.value()).collect();
        let est = findq(&times, self.rows.iter().map(|r| Some(1.0 - r.surv)), p);
        let lower = findq(
            &times,
            self.rows.iter().map(|r| r.lower.ok().map(|v| 1.0 - v)),
            p,
        );
        let upper = findq(
            &times,
            self.rows.iter().map(|r| r.upper.ok().map(|v| 1.0 - v)),
            p,
        );
        let wrap = |v: Option<f64>| {
            v.and_then(|x| SurvTime::new(x).ok())
                .ok_or(Undefined::NotReached)
        };
        Quantile {
            surv,
            estimate: wrap(est),
            lower: wrap(lower),
            upper: wrap(upper),
        }
    }
}

/// Fits one curve per group (`group[i]` zero-based, `n_groups` groups).
///
/// # Errors
/// See [`EventCounts::by_group`].
pub fn fit_by_group(
    time: &[SurvTime],
    event: &[bool],
    group: &[u32],
    n_groups: usize,
    options: KmOptions,
) -> Result<Vec<KaplanMeier>, KmError> {
    Ok(EventCounts::by_group(time, event, group, n_groups)?
        .iter()
        .map(|c| KaplanMeier::from_counts(c, options))
        .collect())
}

/// Peto's SE S·√((1 − S)/n).
fn peto(s: f64, n_risk: u64) -> Value {
    if n_risk == 0 {
        Err(Undefined::NoneAtRisk)
    } else {
        Ok(s * ((1.0 - s) / n_risk as f64).sqrt())
    }
}

/// The pointwise interval of S given the Greenwood sum (R
/// `survival:::survfit_confint`, docs/reference/statistics.md §2.3).
fn interval(s: f64, gw: Option<f64>, z: f64, conf_type: ConfType) -> (Value, Value) {
    let Some(gw) = gw else {
        return (
            Err(Undefined::InfiniteVariance),
            Err(Undefined::InfiniteVariance),
        );
    };
    let se_log = gw.sqrt(); // SE of −log S
    match conf_type {
        ConfType::Plain => {
            let h = z * se_log * s;
            (Ok((s - h).max(0.0)), Ok((s + h).min(1.0)))
        }
        ConfType::Log => {
            if s == 0.0 {
                (Err(Undefined::LogAtZero), Err(Undefined::LogAtZero))
            } else {
                let ls = s.ln();
                (
                    Ok((ls - z * se_log).exp()),
                    Ok((ls + z * se_log).exp().min(1.0)),
                )
            }
        }
        ConfType::LogLog => {
            if s == 0.0 || s == 1.0 {
                (
                    Err(Undefined::LogLogAtBoundary),
                    Err(Undefined::LogLogAtBoundary),
                )
            } else {
                let ls = s.ln(); // < 0
                let h = z * se_log / ls;
                let lll = (-ls).ln();
                (Ok((-(lll - h).exp()).exp()), Ok((-(lll + h).exp()).exp()))
            }
        }
        ConfType::Logit => {
            if s == 0.0 || s == 1.0 {
                (
                    Err(Undefined::LogitAtBoundary),
                    Err(Undefined::LogitAtBoundary),
                )
            } else {
                // R: se2 = z·se·(1 + S/(1 − S)); limits 1 − 1/(1 + exp(logit S ∓ se2)).
                let h = z * se_log * (1.0 + s / (1.0 - s));
                let logit = (s / (1.0 - s)).ln();
                (
                    Ok(1.0 - 1.0 / (1.0 + (logit - h).exp())),
                    Ok(1.0 - 1.0 / (1.0 + (logit + h).exp())),
                )
            }
        }
        ConfType::Arcsin => {
            if s == 0.0 || s == 1.0 {
                (
                    Err(Undefined::ArcsinAtBoundary),
                    Err(Undefined::ArcsinAtBoundary),
                )
            } else {
                let h = 0.5 * z * se_log * (s / (1.0 - s)).sqrt();
                let a = s.sqrt().asin();
                (
                    Ok((a - h).max(0.0).sin().powi(2)),
                    Ok((a + h).min(std::f64::consts::FRAC_PI_2).sin().powi(2)),
                )
            }
        }
    }
}

/// R `survival:::findq` for one curve: x = (0, t₁ … t_m), y = (0, F₁ … F_m)
/// with `None` for undefined points; returns the quantile time at F = p.
fn findq(times: &[f64], f: impl Iterator<Item = Option<f64>>, p: f64) -> Option<f64> {
    let tol = QUANTILE_TOLERANCE;
    let xmax = *times.last()?;
    let x = std::iter::once(0.0).chain(times.iter().copied());
    let y = std::iter::once(Some(0.0)).chain(f);
    // R: if (max(y, na.rm = T) < min(p)) return(NA)
    // Deduplicate y (first occurrence wins; `duplicated` treats NA like a
    // value), then drop NA as `approx` does. Fast path for monotone y.
    let mut pts: Vec<(f64, Option<f64>)> = Vec::new();
    let mut seen_none = false;
    let mut last_some: Option<f64> = None;
    let mut monotone = true;
    let mut seen: Option<std::collections::HashSet<u64>> = None;
    for (xi, yi) in x.zip(y) {
        match yi {
            None => {
                if !seen_none {
                    seen_none = true;
                    pts.push((xi, None));
                }
            }
            Some(v) => {
                let new = if monotone {
                    match last_some {
                        Some(prev) if v == prev => false,
                        Some(prev) if v < prev => {
                            // Not monotone: switch to an exact set of seen values.
                            monotone = false;
                            let set: std::collections::HashSet<u64> = pts
                                .iter()
                                .filter_map(|(_, y)| y.map(|y| (y + 0.0).to_bits()))
                                .collect();
                            let fresh = !set.contains(&(v + 0.0).to_bits());
                            seen = Some(set);
                            fresh
                        }
                        _ => true,
                    }
                } else {
                    !seen
                        .as_ref()
                        .is_some_and(|s| s.contains(&(v + 0.0).to_bits()))
                };
                if new {
                    if let Some(s) = seen.as_mut() {
                        s.insert((v + 0.0).to_bits());
                    }
                    pts.push((xi, Some(v)));
                }
                last_some = Some(last_some.map_or(v, |m: f64| m.max(v)));
            }
        }
    }
    let max_y = pts.iter().filter_map(|(_, y)| *y).fold(f64::MIN, f64::max);
    if max_y < p {
        return None;
    }
    // approx(y ± tol, 1:n, p, method = "constant", f = 1): the point with the
    // smallest y ± tol that is ≥ p (NA if p is below all of them).
    let pick = |shift: f64| -> Option<f64> {
        let mut best: Option<(f64, f64)> = None;
        let mut min_y = f64::MAX;
        for &(xi, yi) in &pts {
            if let Some(v) = yi {
                let v = v + shift;
                min_y = min_y.min(v);
                if v >= p && best.is_none_or(|(bv, _)| v < bv) {
                    best = Some((v, xi));
                }
            }
        }
        if p < min_y {
            return None;
        }
        best.map(|(_, xi)| xi)
    };
    let x1 = pick(tol)?;
    if let Some(&(_, Some(ylast))) = pts.last()
        && (p - ylast).abs() < tol
    {
        return Some((x1 + xmax) / 2.0);
    }
    let x2 = pick(-tol)?;
    Some((x1 + x2) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f64]) -> Vec<SurvTime> {
        v.iter().map(|&x| SurvTime::new(x).unwrap()).collect()
    }

    fn fit(times: &[f64], events: &[u8], conf_type: ConfType) -> KaplanMeier {
        let ev: Vec<bool> = events.iter().map(|&e| e == 1).collect();
        KaplanMeier::fit(
            &t(times),
            &ev,
            KmOptions {
                conf_type,
                conf_level: ConfLevel::NINETY_FIVE,
            },
        )
        .unwrap()
    }

    /// Hand calculation. Times 1, 2+, 3, 3, 4+, 5 (+ = censored), n = 6.
    /// t=1: n=6, d=1 → S = 5/6, GW = 1/30.
    /// t=2: censored, S unchanged.
    /// t=3: n=4, d=2 → S = 5/6·1/2 = 5/12, GW = 1/30 + 2/(4·2) = 0.28333…
    /// t=4: censored. t=5: n=1, d=1 → S = 0, GW infinite → SE undefined.
    #[test]
    fn hand_calculated_table() {
        let km = fit(
            &[1., 2., 3., 3., 4., 5.],
            &[1, 0, 1, 1, 0, 1],
            ConfType::LogLog,
        );
        let r = km.rows();
        assert_eq!(r.len(), 5);
        assert_eq!(
            r.iter().map(|r| r.n_risk).collect::<Vec<_>>(),
            [6, 5, 4, 2, 1]
        );
        assert!((r[0].surv - 5.0 / 6.0).abs() < 1e-15);
        assert!((r[2].surv - 5.0 / 12.0).abs() < 1e-15);
        let gw: f64 = 1.0 / 30.0 + 0.25;
        assert!((r[2].std_err.unwrap() - 5.0 / 12.0 * gw.sqrt()).abs() < 1e-15);
        assert_eq!(r[4].surv, 0.0);
        assert_eq!(r[4].std_err, Err(Undefined::InfiniteVariance));
        assert_eq!(r[4].lower, Err(Undefined::InfiniteVariance));
        // log-log at S = 5/6: θ = z·√(1/30)/|ln(5/6)|, lower = S^exp(θ)
        let z = 1.959963984540054_f64;
        let s: f64 = 5.0 / 6.0;
        let theta = z * (1.0f64 / 30.0).sqrt() / s.ln().abs();
        assert!((r[0].lower.unwrap() - s.powf(theta.exp())).abs() < 1e-14);
        assert!((r[0].upper.unwrap() - s.powf((-theta).exp())).abs() < 1e-14);
        // median: S first ≤ 0.5 at t = 3 (S = 5/12), not on a plateau
        assert_eq!(km.median().estimate.unwrap().value(), 3.0);
    }

    /// The boundaries of the transformed intervals (R
    /// `survival:::survfit_confint` sets NA where the transform is
    /// undefined: log at S = 0, log-log, logit and arcsine at S = 0 and at
    /// S = 1; docs/reference/statistics.md §2.3), each edge alone: at S = 1
    /// (no event yet, Greenwood sum 0) and at S = 0 with a finite sum.
    #[test]
    fn each_transform_is_undefined_at_its_own_boundaries() {
        let z = 1.959_963_984_540_054;
        let both = |e: Undefined| (Err(e), Err(e));
        for s in [0.0, 1.0] {
            assert_eq!(
                interval(s, Some(0.0), z, ConfType::LogLog),
                both(Undefined::LogLogAtBoundary),
                "S = {s}"
            );
            assert_eq!(
                interval(s, Some(0.0), z, ConfType::Logit),
                both(Undefined::LogitAtBoundary),
                "S = {s}"
            );
            assert_eq!(
                interval(s, Some(0.0), z, ConfType::Arcsin),
                both(Undefined::ArcsinAtBoundary),
                "S = {s}"
            );
        }
        assert_eq!(
            interval(0.0, Some(0.25), z, ConfType::Log),
            both(Undefined::LogAtZero)
        );
        // log at S = 1 with no variance yet: exp(0 ∓ 0) = 1 on both sides.
        assert_eq!(
            interval(1.0, Some(0.0), z, ConfType::Log),
            (Ok(1.0), Ok(1.0))
        );
        // plain at S = 0: 0 ∓ z·SE·0 = 0, clipped to [0, 1].
        assert_eq!(
            interval(0.0, Some(0.25), z, ConfType::Plain),
            (Ok(0.0), Ok(0.0))
        );
    }

    /// `findq` on curves that are not monotone or end undefined (the
    /// confidence limits of a curve can be both), by R's rules
    /// (`survival:::quantile.survfit`'s `findq`, docs/reference/statistics.md §2.5):
    /// y = (0, F₁ … F_m) is deduplicated with the first occurrence kept
    /// (`duplicated`, which keeps the first NA), NA dropped; then x₁ is the first x of the smallest y + tol ≥
    /// p, x₂ that of the smallest y − tol ≥ p (NA when none), the answer
    /// (x₁ + x₂)/2, except that p within tol of the last kept y gives
    /// (x₁ + x_max)/2. tol = √ε ≈ 1.49e-8. Each value by hand.
    #[test]
    fn findq_deduplicates_like_r_on_curves_that_turn_back() {
        let q = |f: &[Option<f64>], p: f64| {
            let times: Vec<f64> = (1..=f.len()).map(|i| i as f64).collect();
            findq(&times, f.iter().copied(), p)
        };
        let s = |v: &[f64]| v.iter().map(|&x| Some(x)).collect::<Vec<_>>();
        // (0, .2, .5, .3, .2): the second .2 (x = 4) is a duplicate, so the
        // last kept y is .3. p = .2: x₁ = 1 (y = .2); x₂ = 3 (the smallest
        // y − tol ≥ .2 is .3 − tol): (1 + 3)/2 = 2. Keeping the duplicate
        // would end on y = .2 = p: (1 + 4)/2 = 2.5.
        assert_eq!(q(&s(&[0.2, 0.5, 0.3, 0.2]), 0.2), Some(2.0));
        // (0, .2, .5, .3, .4): .3 (where the curve turns back) and .4 are
        // new. p = .3: x₁ = 3 (y = .3), x₂ = 4 (.4 − tol is the smallest ≥
        // .3): 3.5. Losing .3 would give x₁ = x₂ = 4.
        assert_eq!(q(&s(&[0.2, 0.5, 0.3, 0.4]), 0.3), Some(3.5));
        // The same curve at p = .4 ends on its last y: (4 + 4)/2 = 4.
        assert_eq!(q(&s(&[0.2, 0.5, 0.3, 0.4]), 0.4), Some(4.0));
        // Values first seen after the turn are remembered too: (0, .2, .5,
        // .3, .4, .3) drops the second .3 (x = 5), so the last kept y is .4.
        // p = .3: x₁ = 3, x₂ = 4 (.4 − tol): 3.5; keeping the second .3
        // would end on y = p: (3 + 5)/2 = 4.
        assert_eq!(q(&s(&[0.2, 0.5, 0.3, 0.4, 0.3]), 0.3), Some(3.5));
        // The edges, with tol = √ε = 2⁻²⁶ exactly. p = tol is the first
        // y + tol (y₀ = 0), inside approx's range: x₁ = 0; (0, .5): x₂ = 1,
        // so 0.5 (not NA).
        let tol = 2f64.powi(-26);
        assert_eq!(f64::EPSILON.sqrt(), tol);
        assert_eq!(q(&s(&[0.5]), tol), Some(0.5));
        // p exactly tol away from the last y (.5 + 2⁻²⁶, exact) is not
        // "within tol": on (0, .2, .6, .5), x₁ = 3 (.5 + tol = p), x₂ = 2
        // (.6 − tol ≥ p): 2.5, not the last-point answer (3 + 3)/2 = 3.
        assert_eq!(q(&s(&[0.2, 0.6, 0.5]), 0.5 + tol), Some(2.5));
        // Two values one ulp apart just under 1 − tol, Fa = 1 − 2⁻³⁰ then
        // Fb = Fa − 2⁻⁵³, tie after + tol (both round to 1 + 1.397e-8):
        // the first wins (R's approx averages the tied indices 2 and 3 to
        // 2.5, and x[2.5] is x[2]: time 1), so x₁ = 1; x₂ = 2 (Fb − tol <
        // Fa − tol): 1.5.
        let fa = 1.0 - 2f64.powi(-30);
        let fb = fa - 2f64.powi(-53);
        assert_eq!(fa + tol, fb + tol);
        assert_eq!(q(&s(&[fa, fb]), 0.9), Some(1.5));
        // An undefined last point (NA) is kept as the last y, so p = .5 on
        // (0, .2, .5, NA) gets no last-point rule, and no y − tol reaches
        // .5: NA. Dropping the NA would end on .5 = p: (2 + 3)/2 = 2.5.
        assert_eq!(q(&[Some(0.2), Some(0.5), None], 0.5), None);
    }

    /// Median exactly on a 0.5 plateau: times 1, 2, 3, 4 all events.
    /// S = .75, .5, .25, 0 → S = 0.5 on [2, 3) → median = (2 + 3)/2 = 2.5
    /// (R: survfit(Surv(1:4, rep(1,4)) ~ 1) prints median 2.5).
    #[test]
    fn median_plateau_midpoint() {
        let km = fit(&[1., 2., 3., 4.], &[1, 1, 1, 1], ConfType::LogLog);
        assert_eq!(km.median().estimate.unwrap().value(), 2.5);
    }

    /// Curve ends exactly at 0.5: times 1, 2+ ,… S = 0.5 at t=1, last time 5.
    /// R rule 4: median = (1 + 5)/2 = 3.
    #[test]
    fn median_curve_ending_at_half() {
        let km = fit(&[1., 2., 5.], &[1, 0, 0], ConfType::Log);
        // n=3: S(1) = 2/3, not 0.5. Use n = 2 instead:
        let _ = km;
        let km = fit(&[1., 5.], &[1, 0], ConfType::Log);
        assert_eq!(km.rows()[0].surv, 0.5);
        assert_eq!(km.median().estimate.unwrap().value(), 3.0);
    }

    #[test]
    fn median_not_reached_and_before_first_event() {
        let km = fit(&[1., 2., 3.], &[1, 0, 0], ConfType::LogLog);
        assert_eq!(km.median().estimate, Err(Undefined::NotReached));
        let lm = km.landmark(SurvTime::new(0.5).unwrap());
        assert_eq!(lm.surv, 1.0);
        assert_eq!(lm.std_err, Ok(0.0));
        assert_eq!(lm.lower, Err(Undefined::LogLogAtBoundary));
        assert_eq!(lm.n_risk, 3);
        let lm = km.landmark(SurvTime::new(2.0).unwrap());
        assert_eq!(lm.n_risk, 2);
        assert!((lm.surv - 2.0 / 3.0).abs() < 1e-15);
        // Peto: S·√((1 − S)/n) = 2/3·√((1/3)/2) = 0.2721655269759087
        assert!((lm.std_err_peto.unwrap() - 0.272_165_526_975_908_7).abs() < 1e-15);
        assert!(!lm.beyond_last_time);
        let lm = km.landmark(SurvTime::new(9.0).unwrap());
        assert_eq!((lm.n_risk, lm.beyond_last_time), (0, true));
        assert_eq!(lm.std_err_peto, Err(Undefined::NoneAtRisk));
        let plain = fit(&[1., 2., 3.], &[1, 0, 0], ConfType::Plain);
        let lm = plain.landmark(SurvTime::new(0.5).unwrap());
        assert_eq!((lm.lower, lm.upper), (Ok(1.0), Ok(1.0)));
    }

    #[test]
    fn reversed_counts_swap_events_and_censorings() {
        let c = EventCounts::from_observations(&t(&[1., 1., 2.]), &[true, false, false]).unwrap();
        assert_eq!(c.times(), &[1.0, 2.0]);
        assert_eq!(c.events(), &[1, 0]);
        assert_eq!(c.censorings(), &[1, 1]);
        let r = c.reversed();
        assert_eq!(r.events(), &[1, 1]);
        assert_eq!(r.censorings(), &[1, 0]);
    }

    #[test]
    fn errors_not_panics() {
        assert_eq!(
            KaplanMeier::fit(&[], &[], KmOptions::default()),
            Err(KmError::Empty)
        );
        assert!(KaplanMeier::fit(&t(&[1.0]), &[], KmOptions::default()).is_err());
        let km = fit(&[1.0], &[1], ConfType::LogLog);
        assert!(km.quantile(1.5).is_err());
        assert!(fit_by_group(&t(&[1.0]), &[true], &[3], 2, KmOptions::default()).is_err());
    }

    mod props {
        use super::*;
        use proptest::prelude::*;
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            /// S is non-increasing, in [0, 1]; defined CI limits bracket S;
            /// n_risk decreases by the events and censorings of each row.
            #[test]
            fn table_invariants(obs in proptest::collection::vec((0u32..30, proptest::bool::ANY), 1..80),
                                ct in prop_oneof![Just(ConfType::Plain), Just(ConfType::Log), Just(ConfType::LogLog)]) {
                let times: Vec<SurvTime> = obs.iter().map(|o| SurvTime::new(o.0 as f64).unwrap()).collect();
                let ev: Vec<bool> = obs.iter().map(|o| o.1).collect();
                let km = KaplanMeier::fit(&times, &ev, KmOptions { conf_type: ct, conf_level: ConfLevel::NINETY_FIVE }).unwrap();
                let mut prev = 1.0;
                let mut at_risk = obs.len() as u64;
                for r in km.rows() {
                    prop_assert!(r.surv <= prev && r.surv >= 0.0);
                    prop_assert_eq!(r.n_risk, at_risk);
                    at_risk -= r.n_event + r.n_censor;
                    prev = r.surv;
                    if let (Ok(lo), Ok(hi)) = (r.lower, r.upper) {
                        prop_assert!(lo <= r.surv + 1e-12 && r.surv <= hi + 1e-12, "{:?}", r);
                        prop_assert!((0.0..=1.0).contains(&lo) && (0.0..=1.0).contains(&hi));
                    }
                    if let Ok(se) = r.std_err { prop_assert!(se.is_finite() && se >= 0.0); }
                }
                prop_assert_eq!(at_risk, 0);
                let m = km.median();
                if let (Ok(lo), Ok(est)) = (m.lower, m.estimate) { prop_assert!(lo <= est); }
                if let (Ok(hi), Ok(est)) = (m.upper, m.estimate) { prop_assert!(est <= hi); }
            }
        }
    }
}
