//! The plausibility gate on the dosimetry path (issue 9, item 1): no
//! retention fit may prescribe a second activity before its readings are
//! shown to be physically possible and mutually consistent and the fit
//! meets stated quality limits. A failed check is a **refusal**, never a
//! warning: it names the reading (physical line of the file, time, value),
//! the likely slip, and (filled in by the caller, `mibg-clinic`) what A₂
//! would be without that reading. A check may be accepted by name
//! ([`Check`], `mibg dose --accept CHECK`); the acceptance is recorded in
//! the report.
//!
//! The checks, with their limits ([`GateLimits`], from the protocol's
//! `[plausibility]` section):
//!
//! * **`physical-decay`, `rise`** — physically possible readings. After the
//!   end of the infusion whole-body activity only leaves the body and decays,
//!   so for every pair of readings i < j
//!   `R_j ≤ R_i · e^(−λ_phys (t_j − t_i)) · (1 + noise)`
//!   (λ_phys of I-131, ICRP 107, [`crate::physics`]; `noise` =
//!   `plausibility.reading_noise_fraction`). A violation against the first
//!   (pre-void) reading is `physical-decay` (retention above physical decay
//!   alone: a time typed ×10, e.g. 1195 h for 119.5 h); between two later
//!   readings it is `rise` (a reading ×1/100: 2.10 for 210). The reading
//!   blamed is the one that takes part in most violations (ties: the later).
//! * **`outlier`** — each reading against the fit of the others: the
//!   externally studentized residual (leave-one-out) with the Bonferroni
//!   bound of the mean-shift outlier test (Cook & Weisberg, *Residuals and
//!   Influence in Regression*, Chapman & Hall 1982, ch. 2 \[R\]; the test of
//!   R `car::outlierTest`, whose documented default cutoff is a Bonferroni
//!   p of 0.05 \[V\]): reading k is an outlier when
//!   `|t_k| > t(1 − α/(2n); ν)` with ν = n − 1 − p, **and** it deviates from
//!   the fit without it by more than the measurement noise (a practical
//!   floor, so that nearly exact data do not make a 0.1 % deviation an
//!   outlier) \[I\]. See [`METHOD`] for the nonlinear, relative-noise form.
//!   Outliers are removed one at a time and the rest tested again
//!   (sequential deletion, at most [`MAX_OUTLIERS`]); of the readings beyond
//!   the bound, the one without which the others fit best goes first.
//! * **`r-squared`, `tau-se`** — the fit explains the readings (R² ≥
//!   `min_r_squared`) and determines τ (SE(τ)/τ ≤ `max_relative_tau_se`).
//!   For the trapezoid model these are judged on the exponential fit whose
//!   residuals the bootstrap resamples.
//! * **`bootstrap-failures`** — at most `max_bootstrap_failure_share` of the
//!   bootstrap replicates may fail to refit, or the 95 % interval is not
//!   trusted.
//!
//! This module does no I/O and knows nothing of activities or caps: the
//! counterfactual "A₂ without this reading" is computed by the caller from
//! [`readings_without`].

use crate::fit::{
    self, Bi, FitOptions, LAMBDA_MAX, ModelChoice, ModelKind, Mono, PhysicalBoundPolicy,
    RetentionFit,
};
use crate::lm::{self, Model};
use crate::physics::lambda_phys;
use crate::readings::{Reading, Readings};
use crate::slip::{self, Slip, fmt_value};
use mibg_units::{AbsorbedDose, Activity, Hours};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// One check of the gate, by the name used to accept it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// A reading above physical decay from the first (pre-void) reading.
    PhysicalDecay,
    /// A reading above physical decay from an earlier post-void reading.
    Rise,
    /// A background far from the backgrounds of the other readings.
    Background,
    /// A reading inconsistent with the fit of the other readings (or too
    /// few readings to test each against the others).
    Outlier,
    /// R² of the retention fit below the limit.
    RSquared,
    /// Relative standard error of τ above the limit.
    TauSe,
    /// Too many bootstrap replicates failed to refit.
    BootstrapFailures,
    /// The second activity rests on one reading: without it, A₂ would lie
    /// outside its own 95 % interval.
    Influence,
    /// The 95 % interval of the predicted total whole-body dose is wider
    /// than the protocol allows.
    TotalDoseUncertainty,
}

impl Check {
    /// Every check, in the order they run.
    pub const ALL: [Check; 9] = [
        Check::PhysicalDecay,
        Check::Rise,
        Check::Background,
        Check::Outlier,
        Check::RSquared,
        Check::TauSe,
        Check::BootstrapFailures,
        Check::TotalDoseUncertainty,
        Check::Influence,
    ];

    /// The name used on the command line (`--accept NAME`) and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Check::PhysicalDecay => "physical-decay",
            Check::Rise => "rise",
            Check::Background => "background",
            Check::Outlier => "outlier",
            Check::RSquared => "r-squared",
            Check::TauSe => "tau-se",
            Check::BootstrapFailures => "bootstrap-failures",
            Check::Influence => "influence",
            Check::TotalDoseUncertainty => "total-dose-uncertainty",
        }
    }

    /// What the check asks, in one line.
    pub fn describe(self) -> &'static str {
        match self {
            Check::PhysicalDecay => {
                "no reading above physical decay of I-131 from the first (pre-void) reading"
            }
            Check::Rise => "no reading above physical decay from an earlier post-void reading",
            Check::Background => {
                "every background within a factor of the protocol's limit of the other backgrounds"
            }
            Check::Outlier => {
                "each reading consistent with the fit of the others (Bonferroni outlier test)"
            }
            Check::RSquared => "R² of the retention fit at least the protocol's minimum",
            Check::TauSe => "SE(τ)/τ at most the protocol's maximum",
            Check::BootstrapFailures => {
                "bootstrap replicates that failed to refit at most the protocol's share"
            }
            Check::Influence => {
                "A2 without any one reading within the 95 % interval of A2 (no prescription rests on one reading)"
            }
            Check::TotalDoseUncertainty => {
                "the 95 % interval of the predicted total whole-body dose within ± the protocol's limit"
            }
        }
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A check name that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown plausibility check '{0}'; the checks are physical-decay, rise, background, outlier, r-squared, tau-se, bootstrap-failures, total-dose-uncertainty, influence"
)]
pub struct UnknownCheck(pub String);

impl std::str::FromStr for Check {
    type Err = UnknownCheck;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Check::ALL
            .into_iter()
            .find(|c| c.name() == s.trim())
            .ok_or_else(|| UnknownCheck(s.to_string()))
    }
}

/// The limits of the gate (the protocol's `[plausibility]` section).
/// [`Default`] mirrors `protocols/seed.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct GateLimits {
    /// Relative measurement noise tolerated between two readings (0.05).
    pub reading_noise: f64,
    /// Family-wise level of the Bonferroni outlier test (0.05).
    pub outlier_alpha: f64,
    /// Smallest R² that may prescribe (0.98).
    pub min_r_squared: f64,
    /// Largest SE(τ)/τ that may prescribe (0.10).
    pub max_relative_tau_se: f64,
    /// Largest share of failed bootstrap replicates (0.10).
    pub max_bootstrap_failure_share: f64,
    /// Largest factor between a reading's background and the median of the
    /// other readings' backgrounds (5).
    pub background_factor: f64,
    /// Largest half-width of the 95 % interval of the predicted total
    /// whole-body dose D₁ + A₂·d₂ (0.5 Gy).
    pub max_total_dose_uncertainty: AbsorbedDose,
}

impl Default for GateLimits {
    /// The seed protocol's values (all \[I\], see `protocols/seed.toml`).
    fn default() -> Self {
        Self {
            reading_noise: 0.05,
            outlier_alpha: 0.05,
            min_r_squared: 0.98,
            max_relative_tau_se: 0.10,
            max_bootstrap_failure_share: 0.10,
            background_factor: 5.0,
            max_total_dose_uncertainty: AbsorbedDose::from_gy(0.5),
        }
    }
}

impl GateLimits {
    /// Checks that every limit is a usable fraction.
    ///
    /// # Errors
    /// A message naming the limit, when one is not finite or outside (0, 1)
    /// (the bootstrap share may be 0).
    pub fn validate(&self) -> Result<(), String> {
        // (name, value, 0 allowed, 1 allowed)
        for (name, v, zero_ok, one_ok) in [
            ("reading_noise_fraction", self.reading_noise, false, false),
            ("outlier_alpha", self.outlier_alpha, false, false),
            ("min_r_squared", self.min_r_squared, false, false),
            ("max_relative_tau_se", self.max_relative_tau_se, false, true),
            (
                "max_bootstrap_failure_share",
                self.max_bootstrap_failure_share,
                true,
                false,
            ),
        ] {
            let above = v > 0.0 || (zero_ok && v == 0.0);
            let below = v < 1.0 || (one_ok && v == 1.0);
            if !(v.is_finite() && above && below) {
                return Err(format!(
                    "plausibility limit {name} = {v}: must be a fraction in {}0, 1{}",
                    if zero_ok { "[" } else { "(" },
                    if one_ok { "]" } else { ")" }
                ));
            }
        }
        let u = self.max_total_dose_uncertainty.gy();
        if !(u.is_finite() && u > 0.0) {
            return Err(format!(
                "plausibility limit max_total_dose_uncertainty_gy = {u}: must be a number > 0"
            ));
        }
        if !(self.background_factor.is_finite() && self.background_factor > 1.0) {
            return Err(format!(
                "plausibility limit background_factor = {}: must be a number > 1",
                self.background_factor
            ));
        }
        Ok(())
    }
}

/// At most this many readings of one series are flagged as outliers, one at
/// a time \[I\]: a series with more outliers is not a series with a slip but a
/// measurement to repeat, and each deletion costs a degree of freedom.
pub const MAX_OUTLIERS: usize = 3;

/// The outlier test in words (recorded in every report).
pub const METHOD: &str = "externally studentized leave-one-out residual: the model (mono-exponential; bi-exponential, with a free amplitude when the pre-void reading is left out) is refitted without reading k by least squares on relative residuals (weights 1/ŷ² by iterative reweighting from an unweighted fit, the noise of dose-rate readings being proportional to the reading); t_k = (y_k − ŷ_(k)) / √(σ²_(k)·ŷ_(k)² + gᵀC_(k)g), the mean-shift t statistic linearised at the leave-one-out fit, with ν = n − 1 − p degrees of freedom; an outlier when |t_k| > t(1 − α/(2n); ν) (Bonferroni, Cook & Weisberg 1982; R car::outlierTest) and |y_k/ŷ_(k) − 1| > the reading noise; sequential deletion, first the reading farthest (in ratio) from the fit of the others";

/// One reading, as a finding points at it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReadingRef {
    /// Data row (1 = first row after the header).
    pub row: usize,
    /// Physical line of the file.
    pub line: usize,
    /// Time after the end of the infusion.
    #[serde(rename = "time_h")]
    pub time: Hours,
    /// The reading as typed.
    pub raw: f64,
    /// Background subtracted from it.
    pub background: f64,
    /// Retention fraction (net / pre-void net).
    pub retention: f64,
}

impl From<&Reading> for ReadingRef {
    fn from(r: &Reading) -> Self {
        Self {
            row: r.row,
            line: r.line,
            time: r.time_h,
            raw: r.raw,
            background: r.background,
            retention: r.retention,
        }
    }
}

impl ReadingRef {
    /// `line 5 (24 h, reading 2.1)`.
    pub fn describe(&self) -> String {
        format!(
            "line {} ({} h, reading {})",
            self.line,
            fmt_value(self.time.hours()),
            fmt_value(self.raw)
        )
    }
}

/// What the result would be without the reading of a finding (computed by
/// the caller, who knows the activities and caps).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WithoutReading {
    /// The model the remaining readings were fitted with.
    pub model: Option<ModelKind>,
    /// τ without the reading.
    #[serde(rename = "tau_h")]
    pub tau: Option<Hours>,
    /// D₁ (infusion 1) or D₂ (infusion 2) without the reading.
    #[serde(rename = "absorbed_dose_gy")]
    pub absorbed_dose: Option<AbsorbedDose>,
    /// A₂ without the reading (infusion 1).
    #[serde(rename = "second_activity_mbq")]
    pub second_activity: Option<Activity>,
    /// Delivered total without the reading (infusion 2).
    #[serde(rename = "delivered_total_gy")]
    pub delivered_total: Option<AbsorbedDose>,
    /// The result in one sentence, or why it could not be computed.
    pub statement: String,
}

/// One failed check.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Which check.
    pub check: Check,
    /// The reading blamed, if the check is about one reading.
    pub reading: Option<ReadingRef>,
    /// Other readings involved (the earlier readings a reading rises above).
    pub related: Vec<ReadingRef>,
    /// The retention the other readings expect at this reading's time.
    pub expected_retention: Option<f64>,
    /// The statistic compared with the limit (|t|, R², SE(τ)/τ, failure
    /// share, or the ratio to the physical-decay bound).
    pub statistic: Option<f64>,
    /// The limit it broke.
    pub limit: Option<f64>,
    /// The usual slip that would explain it, if one fits.
    pub likely_slip: Option<String>,
    /// The result without this reading (filled in by the caller).
    pub without_reading: Option<WithoutReading>,
    /// `true` when the check was accepted by name: the finding is kept and
    /// reported, but does not refuse.
    pub accepted: bool,
    /// The finding in one paragraph.
    pub message: String,
}

/// How a check ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    /// Passed.
    Passed,
    /// Failed: refuses the prescription.
    Failed,
    /// Failed but accepted by name.
    Accepted,
    /// Not run (with the reason in the detail).
    NotApplicable,
}

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckOutcome {
    /// Which check.
    pub check: Check,
    /// How it ended.
    pub status: CheckStatus,
    /// What was compared, in words.
    pub detail: String,
}

/// One reading tested against the fit of the others.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LeaveOneOut {
    /// The reading.
    pub reading: ReadingRef,
    /// The retention the fit without it predicts at its time.
    pub expected_retention: f64,
    /// observed / expected − 1.
    pub relative_deviation: f64,
    /// Externally studentized residual.
    pub studentized: f64,
    /// Degrees of freedom ν = n − 1 − p (minus earlier deletions).
    pub degrees_of_freedom: usize,
    /// The Bonferroni critical value t(1 − α/(2n); ν).
    pub critical: f64,
    /// `true` when flagged as an outlier.
    pub flagged: bool,
}

/// Bootstrap replicates requested and refitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BootstrapTally {
    /// Replicates requested.
    pub requested: usize,
    /// Replicates refitted.
    pub successful: usize,
}

/// What the gate found on one series (before acceptance).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Inspection {
    /// One outcome per check run.
    pub outcomes: Vec<CheckOutcome>,
    /// Every failed check, with the reading it blames.
    pub findings: Vec<Finding>,
    /// The leave-one-out test of every reading (empty before the fit).
    pub leave_one_out: Vec<LeaveOneOut>,
}

/// The gate's verdict on one series of readings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GateReport {
    /// The readings' source label.
    pub series: String,
    /// The limits applied.
    pub limits: GateLimits,
    /// The outlier test in words ([`METHOD`]).
    pub method: String,
    /// One outcome per check.
    pub outcomes: Vec<CheckOutcome>,
    /// Every failed check (accepted ones included, marked).
    pub findings: Vec<Finding>,
    /// The leave-one-out test of every reading.
    pub leave_one_out: Vec<LeaveOneOut>,
    /// The checks accepted by name for this result.
    pub accepted: Vec<Check>,
    /// `true` when a failed check was not accepted: no prescription.
    pub refused: bool,
}

impl Inspection {
    /// Appends another inspection (the fit checks after the reading checks).
    pub fn merge(&mut self, other: Inspection) {
        self.outcomes.extend(other.outcomes);
        self.findings.extend(other.findings);
        self.leave_one_out.extend(other.leave_one_out);
    }

    /// The verdict: findings of accepted checks are marked, and the report
    /// refuses when any other finding remains.
    pub fn into_report(self, series: &str, limits: &GateLimits, accepted: &[Check]) -> GateReport {
        let mut findings = self.findings;
        for f in &mut findings {
            f.accepted = accepted.contains(&f.check);
        }
        let outcomes = self
            .outcomes
            .into_iter()
            .map(|mut o| {
                if o.status == CheckStatus::Failed && accepted.contains(&o.check) {
                    o.status = CheckStatus::Accepted;
                }
                o
            })
            .collect();
        let mut acc: Vec<Check> = accepted.to_vec();
        acc.sort();
        acc.dedup();
        GateReport {
            series: series.to_string(),
            limits: *limits,
            method: METHOD.to_string(),
            refused: findings.iter().any(|f| !f.accepted),
            outcomes,
            findings,
            leave_one_out: self.leave_one_out,
            accepted: acc,
        }
    }
}

impl GateReport {
    /// The findings that refuse (not accepted).
    pub fn refusing(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.accepted)
    }

    /// One warning per accepted finding, to carry into every later report.
    pub fn accepted_warnings(&self) -> Vec<String> {
        self.findings
            .iter()
            .filter(|f| f.accepted)
            .map(|f| {
                format!(
                    "plausibility check '{}' failed and was ACCEPTED by override (--accept {}): {}",
                    f.check, f.check, f.message
                )
            })
            .collect()
    }
}

/// A refused result: the report with the findings that refuse.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}", refusal_text(.report, .context.as_deref()))]
pub struct GateRefusal {
    /// The gate's report.
    pub report: GateReport,
    /// What the refusal is about (e.g. `infusion 1`), and any error that
    /// followed from the implausible readings (e.g. the fit's own error).
    pub context: Option<String>,
}

fn refusal_text(r: &GateReport, context: Option<&str>) -> String {
    let mut s = format!(
        "{}: the readings fail the plausibility gate; no second activity is prescribed from them",
        r.series
    );
    if let Some(c) = context {
        s.push_str(&format!(" ({c})"));
    }
    for f in r.refusing() {
        s.push_str(&format!("\n  [{}] {}", f.check, f.message));
        if let Some(w) = &f.without_reading {
            s.push_str(&format!("\n      without this reading: {}", w.statement));
        }
    }
    let names: Vec<&str> = {
        let mut v: Vec<&str> = r.refusing().map(|f| f.check.name()).collect();
        v.dedup();
        v
    };
    s.push_str(&format!(
        "\n  Correct the reading(s) in the file, or, if they are right, accept the check by name: {}",
        names
            .iter()
            .map(|n| format!("--accept {n}"))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    s
}

// ---------------------------------------------------------------- physics

/// Every pair i < j with R_j > R_i·e^(−λ_phys (t_j − t_i))·(1 + noise).
fn physical_violations(tr: &[(f64, f64)], noise: f64) -> Vec<Violation> {
    let lp = lambda_phys().per_h();
    let mut v = Vec::new();
    for j in 1..tr.len() {
        for i in 0..j {
            let decay = (-lp * (tr[j].0 - tr[i].0)).exp();
            if tr[j].1 > tr[i].1 * decay * (1.0 + noise) {
                v.push(Violation {
                    earlier: i,
                    later: j,
                    ratio: tr[j].1 / (tr[i].1 * decay),
                });
            }
        }
    }
    v
}

struct Violation {
    earlier: usize,
    later: usize,
    /// R_later / (R_earlier · decay).
    ratio: f64,
}

/// The physical checks (`physical-decay`, `rise`) on the readings alone.
pub fn inspect_readings(readings: &Readings, limits: &GateLimits) -> Inspection {
    let rs = &readings.readings;
    let lp = lambda_phys().per_h();
    let tr: Vec<(f64, f64)> = rs.iter().map(|r| (r.time_h.hours(), r.retention)).collect();
    let mut violations = physical_violations(&tr, limits.reading_noise);
    let mut ins = Inspection::default();
    let any_first = violations.iter().any(|v| v.earlier == 0);
    let any_rise = violations.iter().any(|v| v.earlier > 0);
    // Blame greedily: the reading in most remaining violations; among
    // equals, the one farthest (log ratio) from the fit of the others, then
    // the later one.
    let mut blamed: Vec<(usize, Vec<Violation>)> = Vec::new();
    while !violations.is_empty() {
        let mut count = vec![0usize; rs.len()];
        for v in &violations {
            count[v.earlier] += 1;
            count[v.later] += 1;
        }
        let most = *count.iter().max().expect("violations imply readings");
        let tied: Vec<usize> = (0..rs.len()).filter(|&i| count[i] == most).collect();
        let done: Vec<usize> = blamed.iter().map(|(b, _)| *b).collect();
        let k = if tied.len() == 1 {
            tied[0]
        } else {
            most_consistent_without(readings, &tied, &done).unwrap_or(tied[tied.len() - 1])
        };
        let (mine, rest): (Vec<Violation>, Vec<Violation>) = violations
            .into_iter()
            .partition(|v| v.earlier == k || v.later == k);
        violations = rest;
        blamed.push((k, mine));
    }
    for (k, vs) in blamed {
        let with_first = vs.iter().any(|v| v.earlier == 0 || v.later == 0);
        let check = if with_first {
            Check::PhysicalDecay
        } else {
            Check::Rise
        };
        let worst = vs
            .iter()
            .max_by(|a, b| a.ratio.total_cmp(&b.ratio))
            .expect("at least one");
        let other = if worst.earlier == k {
            worst.later
        } else {
            worst.earlier
        };
        let related: Vec<ReadingRef> = vs
            .iter()
            .map(|v| if v.earlier == k { v.later } else { v.earlier })
            .map(|i| ReadingRef::from(&rs[i]))
            .collect();
        let (lo, hi) = (&rs[worst.earlier], &rs[worst.later]);
        let named = name_slip(readings, k, &[], limits);
        let rule = if worst.earlier == 0 {
            format!(
                "retention {:.1} % at {} h is above physical decay of I-131 alone from the first reading ({:.1} % allowed with {:.0} % noise): whole-body activity cannot clear slower than it decays",
                hi.retention * 100.0,
                fmt_value(hi.time_h.hours()),
                lo.retention
                    * (-lp * (hi.time_h.hours() - lo.time_h.hours())).exp()
                    * (1.0 + limits.reading_noise)
                    * 100.0,
                limits.reading_noise * 100.0
            )
        } else {
            format!(
                "the reading at {} h is {:.1} × what physical decay allows after the reading at {} h (at most {:.2} × with {:.0} % noise): activity cannot rise after the infusion",
                fmt_value(hi.time_h.hours()),
                worst.ratio,
                fmt_value(lo.time_h.hours()),
                1.0 + limits.reading_noise,
                limits.reading_noise * 100.0
            )
        };
        let message = format!(
            "{}: {rule} (against {}{}); {}",
            ReadingRef::from(&rs[k]).describe(),
            ReadingRef::from(&rs[other]).describe(),
            if vs.len() > 1 {
                format!(" and {} other reading(s)", vs.len() - 1)
            } else {
                String::new()
            },
            named.slip.as_ref().map_or(
                "no usual slip explains it: check it against the source".to_string(),
                |s| { format!("likely slip: {s}") }
            )
        );
        ins.findings.push(Finding {
            check,
            reading: Some(ReadingRef::from(&rs[k])),
            related,
            expected_retention: named.expected,
            statistic: Some(worst.ratio),
            limit: Some(1.0 + limits.reading_noise),
            likely_slip: named.slip.map(|s| s.text),
            without_reading: None,
            accepted: false,
            message,
        });
    }
    // Backgrounds: each against the median of the others.
    let mut background_bad = false;
    for (i, r) in rs.iter().enumerate() {
        let mut others: Vec<f64> = rs
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, x)| x.background)
            .collect();
        others.sort_by(f64::total_cmp);
        let m = if others.is_empty() {
            0.0
        } else if others.len() % 2 == 1 {
            others[others.len() / 2]
        } else {
            0.5 * (others[others.len() / 2 - 1] + others[others.len() / 2])
        };
        if m <= 0.0 {
            continue;
        }
        let q = r.background / m;
        if q <= limits.background_factor && q >= 1.0 / limits.background_factor {
            continue;
        }
        background_bad = true;
        let slip = [
            (10.0, "×10"),
            (0.1, "×1/10"),
            (100.0, "×100"),
            (0.01, "×1/100"),
            (1000.0, "×1000"),
            (0.001, "×1/1000"),
        ]
        .into_iter()
        .map(|(f, l)| ((q / f).ln().abs(), f, l))
        .filter(|(e, _, _)| *e <= crate::slip::SLIP_BAND.ln())
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, f, l)| {
            format!(
                "{l} on the background? a slipped decimal point (background {} for {}?)",
                fmt_value(r.background),
                fmt_value(r.background / f)
            )
        });
        let rr = ReadingRef::from(r);
        ins.findings.push(Finding {
            check: Check::Background,
            message: format!(
                "{}: background {} is {} × the median background {} of the other readings (at most {} ×): one probe in one place does not change its background so much; {}",
                rr.describe(),
                fmt_value(r.background),
                fmt_value(q),
                fmt_value(m),
                fmt_value(limits.background_factor),
                slip.as_ref().map_or(
                    "no usual slip explains it: check it against the source".to_string(),
                    |s| format!("likely slip: {s}")
                )
            ),
            reading: Some(rr),
            related: vec![],
            expected_retention: None,
            statistic: Some(q),
            limit: Some(limits.background_factor),
            likely_slip: slip,
            without_reading: None,
            accepted: false,
        });
    }
    let detail = |what: &str| {
        format!(
            "every reading at most {:.0} % above physical decay (T½ {} h) from {what}",
            limits.reading_noise * 100.0,
            fmt_value(crate::physics::I131_HALF_LIFE.hours())
        )
    };
    ins.outcomes.push(CheckOutcome {
        check: Check::PhysicalDecay,
        status: if any_first {
            CheckStatus::Failed
        } else {
            CheckStatus::Passed
        },
        detail: detail("the first (pre-void) reading"),
    });
    ins.outcomes.push(CheckOutcome {
        check: Check::Rise,
        status: if any_rise {
            CheckStatus::Failed
        } else {
            CheckStatus::Passed
        },
        detail: detail("every earlier post-void reading"),
    });
    ins.outcomes.push(CheckOutcome {
        check: Check::Background,
        status: if background_bad {
            CheckStatus::Failed
        } else {
            CheckStatus::Passed
        },
        detail: format!(
            "every background within ×/÷ {} of the median of the others",
            fmt_value(limits.background_factor)
        ),
    });
    ins
}

// ------------------------------------------------------- leave-one-out fits

/// `a1·e^(−λ1 t) + a2·e^(−λ2 t)` with both amplitudes free: the
/// bi-exponential when the pre-void reading (which fixes R(0) = 1) is left
/// out.
struct BiFree;
impl Model<4> for BiFree {
    fn eval(&self, p: &[f64; 4], t: f64, g: &mut [f64; 4]) -> f64 {
        let e1 = (-p[1] * t).exp();
        let e2 = (-p[3] * t).exp();
        g[0] = e1;
        g[1] = -p[0] * t * e1;
        g[2] = e2;
        g[3] = -p[2] * t * e2;
        p[0] * e1 + p[2] * e2
    }
}

/// A model fitted to relative residuals: the solver's "times" are the
/// indices 0, 1, … into `t`, its data are `y·w` with w = 1/y, and the model
/// is `f(t_i)·w_i`, so that ordinary least squares minimises Σ((y − f)/y)².
struct Relative<'a, const N: usize, M: Model<N>> {
    inner: &'a M,
    t: &'a [f64],
    w: &'a [f64],
}

impl<const N: usize, M: Model<N>> Model<N> for Relative<'_, N, M> {
    fn eval(&self, p: &[f64; N], idx: f64, g: &mut [f64; N]) -> f64 {
        let i = idx as usize;
        let f = self.inner.eval(p, self.t[i], g);
        for v in g.iter_mut() {
            *v *= self.w[i];
        }
        f * self.w[i]
    }
}

/// A fitted leave-one-out model: value, gradient and covariance.
#[derive(Clone)]
struct LooFit {
    kind: LooKind,
    params: Vec<f64>,
    /// σ² of the relative residuals (WRSS/ν).
    sigma2: f64,
    /// C = σ²(JᵀWJ)⁻¹, row-major.
    cov: Vec<f64>,
    dof: usize,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum LooKind {
    Mono,
    Bi,
    BiFree,
}

impl LooKind {
    fn n_params(self) -> usize {
        match self {
            LooKind::Mono => 2,
            LooKind::Bi => 3,
            LooKind::BiFree => 4,
        }
    }
}

impl LooFit {
    fn value_grad(&self, t: f64) -> (f64, Vec<f64>) {
        let p = &self.params;
        match self.kind {
            LooKind::Mono => {
                let mut g = [0.0; 2];
                let v = Mono.eval(&[p[0], p[1]], t, &mut g);
                (v, g.to_vec())
            }
            LooKind::Bi => {
                let mut g = [0.0; 3];
                let v = Bi.eval(&[p[0], p[1], p[2]], t, &mut g);
                (v, g.to_vec())
            }
            LooKind::BiFree => {
                let mut g = [0.0; 4];
                let v = BiFree.eval(&[p[0], p[1], p[2], p[3]], t, &mut g);
                (v, g.to_vec())
            }
        }
    }

    fn value(&self, t: f64) -> f64 {
        self.value_grad(t).0
    }

    /// The time at which the fitted curve falls to `r` (the curve is
    /// decreasing), or `None` when it starts below `r`.
    fn time_of(&self, r: f64) -> Option<f64> {
        if r.is_nan() || r <= 0.0 || self.value(0.0) <= r {
            return None;
        }
        // Doubling from 1 h: the crossing is searched up to 2^23 h
        // (8 388 608 h, about 957 years; no time slip is that large), a
        // bounded loop.
        let mut hi = 1.0;
        let mut doublings = 0;
        while self.value(hi) > r {
            if doublings == TIME_SEARCH_DOUBLINGS {
                return None;
            }
            hi *= 2.0;
            doublings += 1;
        }
        let mut lo = 0.0;
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if self.value(mid) > r {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(0.5 * (lo + hi))
    }

    /// Externally studentized residual of an observation `y` at `t`.
    fn studentized(&self, t: f64, y: f64) -> (f64, f64) {
        let (yhat, g) = self.value_grad(t);
        let n = g.len();
        let mut q = 0.0;
        for i in 0..n {
            for j in 0..n {
                q += g[i] * self.cov[i * n + j] * g[j];
            }
        }
        let var = self.sigma2 * yhat * yhat + q.max(0.0);
        let d = y - yhat;
        let t_stat = if var > 0.0 && var.is_finite() {
            d / var.sqrt()
        } else if d == 0.0 {
            0.0
        } else {
            d.signum() * f64::INFINITY
        };
        (yhat, t_stat)
    }
}

/// Most doublings of the upper end in [`LooFit::time_of`]: the search
/// ends at 2^23 h (the previous rule, "give up above 10⁷ h", stopped at
/// the same power of two).
const TIME_SEARCH_DOUBLINGS: u32 = 23;

/// Relative least squares by iterative reweighting: an unweighted fit
/// first, then refits with weights 1/ŷ² from the previous fit until the
/// parameters change by less than 1e-8 (relative; at most
/// [`IRLS_MAX_STAGES`] fits)
/// (proportional noise with the variance taken from the model, not from the
/// observation, so that a reading typed ×1/100 does not get 10⁴ times the
/// weight of the others and drag every fit that includes it). Returns the
/// parameters, the weighted RSS and the covariance σ²(JᵀWJ)⁻¹ (row-major).
fn solve_relative<const N: usize, M: Model<N>>(
    m: &M,
    t: &[f64],
    y: &[f64],
    seeds: &[[f64; N]],
    lo: &[f64; N],
    hi: &[f64; N],
) -> Option<([f64; N], f64, Vec<f64>)> {
    let idx: Vec<f64> = (0..t.len()).map(|i| i as f64).collect();
    let mut w: Vec<f64> = vec![1.0; t.len()];
    let mut start: Vec<[f64; N]> = seeds.to_vec();
    let mut best: Option<lm::LmSolution<N>> = None;
    let mut prev: Option<[f64; N]> = None;
    for _stage in 0..IRLS_MAX_STAGES {
        let data: Vec<f64> = y.iter().zip(&w).map(|(a, b)| a * b).collect();
        let rel = Relative { inner: m, t, w: &w };
        best = None;
        for s0 in &start {
            let s = lm::solve(&rel, &idx, &data, s0, lo, hi);
            if improves(&s.params, s.rss, best.as_ref().map(|b| b.rss)) {
                best = Some(s);
            }
        }
        let b = best.as_ref()?;
        let mut g = [0.0; N];
        w = t
            .iter()
            .map(|&ti| 1.0 / m.eval(&b.params, ti, &mut g).max(1e-12))
            .collect();
        start = vec![b.params];
        if prev.is_some_and(|q: [f64; N]| settled(&q, &b.params)) {
            break;
        }
        prev = Some(b.params);
    }
    // σ² and the covariance at the last fit, with the weights of its own
    // predictions (a fixed point of the reweighting to the solver's
    // tolerance).
    let best = best?;
    let rel = Relative { inner: m, t, w: &w };
    let mut g = [0.0; N];
    let rss: f64 = y
        .iter()
        .zip(&w)
        .enumerate()
        .map(|(i, (yi, wi))| (yi * wi - rel.eval(&best.params, i as f64, &mut g)).powi(2))
        .sum();
    let cov = lm::covariance(&rel, &best.params, &idx, rss)?;
    let flat: Vec<f64> = (0..N)
        .flat_map(|i| (0..N).map(move |j| (i, j)))
        .map(|(i, j)| cov[(i, j)])
        .collect();
    if flat.iter().any(|v| !v.is_finite()) {
        return None;
    }
    Some((best.params, rss, flat))
}

/// Most fits of the reweighting in [`solve_relative`].
const IRLS_MAX_STAGES: usize = 12;

/// Whether a fit of one reweighting stage replaces the best so far: its
/// parameters and residual sum of squares are finite, and it is strictly
/// better than the best (`None`: none yet). A tie keeps the earlier seed's
/// fit.
fn improves(params: &[f64], rss: f64, best_rss: Option<f64>) -> bool {
    params.iter().all(|v| v.is_finite()) && rss.is_finite() && best_rss.is_none_or(|b| rss < b)
}

/// Whether the reweighting has settled: every parameter moved by at most
/// 10⁻⁸ of its new value (relative; a value below 10⁻¹² in magnitude counts
/// as 10⁻¹², so that a parameter at 0 does not demand an exact repeat).
fn settled(previous: &[f64], now: &[f64]) -> bool {
    previous
        .iter()
        .zip(now)
        .all(|(x, y)| (x - y).abs() <= 1e-8 * y.abs().max(1e-12))
}

/// Fits `kind` to (t, y) by relative least squares; `None` when there is no
/// residual degree of freedom or no fit.
fn loo_fit(kind: LooKind, t: &[f64], y: &[f64]) -> Option<LooFit> {
    // The same leave-one-out fit again (the outlier test, the slip's name
    // and the most consistent subset fit the same readings) is a copy of
    // the first (`memo`: exact inputs as the key).
    let (dt, dy) = (crate::memo::digest(t), crate::memo::digest(y));
    crate::memo::cached(
        &LOO_FITS,
        |k: &LooKey| k.y.is(dy, y) && k.t.is(dt, t) && k.kind == kind,
        || LooKey {
            kind,
            t: crate::memo::Series::of(t),
            y: crate::memo::Series::of(y),
        },
        || loo_fit_once(kind, t, y),
    )
}

/// The inputs of one [`loo_fit`] call (numbers as bits).
struct LooKey {
    kind: LooKind,
    t: crate::memo::Series,
    y: crate::memo::Series,
}

thread_local! {
    /// This thread's last leave-one-out fits ([`crate::memo`]).
    static LOO_FITS: std::cell::RefCell<crate::memo::Memo<LooKey, Option<LooFit>>> =
        const { std::cell::RefCell::new(crate::memo::Memo::new()) };
}

/// [`loo_fit`] computed.
fn loo_fit_once(kind: LooKind, t: &[f64], y: &[f64]) -> Option<LooFit> {
    let n = t.len();
    let p = kind.n_params();
    if n <= p || y.iter().any(|v| v.is_nan() || *v <= 0.0) {
        return None;
    }
    let lp = lambda_phys().per_h();
    let (params, rss, cov): (Vec<f64>, f64, Vec<f64>) = match kind {
        LooKind::Mono => {
            let seed = mono_seed(t, y, lp);
            let (p, rss, c) =
                solve_relative(&Mono, t, y, &[seed], &[1e-9, lp], &[10.0, LAMBDA_MAX])?;
            (p.to_vec(), rss, c)
        }
        LooKind::Bi => {
            let seeds = fit::bi_seeds(t, y);
            let (p, rss, c) = solve_relative(
                &Bi,
                t,
                y,
                &seeds,
                &[0.0, lp, lp],
                &[1.0, LAMBDA_MAX, LAMBDA_MAX],
            )?;
            (p.to_vec(), rss, c)
        }
        LooKind::BiFree => {
            let seeds = bi_free_seeds(t, y, lp);
            let (p, rss, c) = solve_relative(
                &BiFree,
                t,
                y,
                &seeds,
                &[0.0, lp, 0.0, lp],
                &[10.0, LAMBDA_MAX, 10.0, LAMBDA_MAX],
            )?;
            (p.to_vec(), rss, c)
        }
    };
    let dof = n - p;
    Some(LooFit {
        kind,
        params,
        sigma2: rss / dof as f64,
        cov,
        dof,
    })
}

/// The seed of a mono-exponential leave-one-out fit a·e^(−λt): the
/// log-linear regression of the readings, the amplitude held within
/// [10⁻⁹, 10] and the rate at least the physical decay `lp`; a = y₀,
/// λ = 0.02 /h when there is no regression (fewer than two positive
/// readings at distinct times).
fn mono_seed(t: &[f64], y: &[f64], lp: f64) -> [f64; 2] {
    match fit::log_linear(t, y) {
        Some((b, s)) => [b.exp().clamp(1e-9, 10.0), (-s).max(lp)],
        None => [y[0], 0.02],
    }
}

/// The seeds of a free bi-exponential a₁·e^(−λ₁t) + a₂·e^(−λ₂t) fitted to
/// the n readings (t, y), by curve peeling: for a tail of the last k = 3,
/// 4 and n/2 readings (a tail of at least 2, leaving at least 2 before it),
/// the log-linear regression of the tail gives a₂ (at most 10) and λ₂ (at
/// least 1.01 × the physical decay `lp`); the regression of the earlier
/// readings less that component gives a₁ (at most 10) and λ₁ (at most
/// [`LAMBDA_MAX`]) when it falls faster than 1.5·λ₂, else a₁ = a₂/10 and
/// λ₁ = 5·λ₂. Last, the generic seed (y₀/2, 0.1 /h, y₀/2, max(0.01 /h,
/// 1.01·lp)).
fn bi_free_seeds(t: &[f64], y: &[f64], lp: f64) -> Vec<[f64; 4]> {
    let n = t.len();
    let mut seeds = Vec::new();
    for k in [3usize, 4, n / 2] {
        if k < 2 || k + 2 > n {
            continue;
        }
        let Some((b0, s2)) = fit::log_linear(&t[n - k..], &y[n - k..]) else {
            continue;
        };
        let l2 = (-s2).max(lp * 1.01);
        let b = b0.exp().min(10.0);
        let early: Vec<f64> = t[..n - k]
            .iter()
            .zip(&y[..n - k])
            .map(|(&ti, &yi)| yi - b * (-l2 * ti).exp())
            .collect();
        let (a, l1) = match fit::log_linear(&t[..n - k], &early) {
            Some((ia, s1)) if -s1 > l2 * 1.5 => (ia.exp().min(10.0), -s1),
            _ => (0.1 * b, 5.0 * l2),
        };
        seeds.push([a, l1.min(LAMBDA_MAX), b, l2]);
    }
    seeds.push([0.5 * y[0], 0.1, 0.5 * y[0], 0.01_f64.max(lp * 1.01)]);
    seeds
}

/// The model used to test reading `k`: the reference kind, with a free
/// amplitude when the pre-void reading (which fixes R(0) = 1 for the
/// bi-exponential) is not among the readings fitted.
fn loo_kind(reference: ModelKind, k: usize, exclude: &[usize]) -> LooKind {
    match reference {
        ModelKind::Bi if k == 0 || exclude.contains(&0) => LooKind::BiFree,
        ModelKind::Bi => LooKind::Bi,
        _ => LooKind::Mono,
    }
}

/// The fit of the readings other than `k` and `exclude`.
fn fit_without(
    readings: &Readings,
    reference: ModelKind,
    k: usize,
    exclude: &[usize],
) -> Option<LooFit> {
    let (t, y): (Vec<f64>, Vec<f64>) = readings
        .readings
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != k && !exclude.contains(i))
        .map(|(_, r)| (r.time_h.hours(), r.retention))
        .unzip();
    // A bi-exponential that degenerates without this reading (a component
    // of zero weight: no covariance) is replaced by the mono-exponential.
    loo_fit(loo_kind(reference, k, exclude), &t, &y).or_else(|| {
        (reference == ModelKind::Bi)
            .then(|| loo_fit(LooKind::Mono, &t, &y))
            .flatten()
    })
}

/// The exponential model the gate tests against: the fit's own, or for the
/// trapezoid (and before any fit) the `auto` choice on the given readings.
fn reference_kind(readings: &Readings, fit: Option<&RetentionFit>, opts: &FitOptions) -> ModelKind {
    match fit.map(|f| f.model) {
        Some(ModelKind::Mono) => ModelKind::Mono,
        Some(ModelKind::Bi) => ModelKind::Bi,
        _ => {
            let o = FitOptions {
                physical_bound: PhysicalBoundPolicy::Constrain,
                ..*opts
            };
            fit::select_model(
                &readings.source,
                ModelChoice::Auto,
                &readings.times_h(),
                &readings.retention(),
                &o,
            )
            .map_or(ModelKind::Mono, |(f, _)| f.model)
        }
    }
}

/// The better (smaller residual variance) of the mono- and bi-exponential
/// fits of the readings other than `k` and `exclude`.
fn best_fit_without(readings: &Readings, k: usize, exclude: &[usize]) -> Option<LooFit> {
    let mono = fit_without(readings, ModelKind::Mono, k, exclude);
    let bi = fit_without(readings, ModelKind::Bi, k, exclude).filter(|f| f.kind != LooKind::Mono);
    match (mono, bi) {
        (Some(m), Some(b)) => Some(if b.sigma2 < m.sigma2 { b } else { m }),
        (m, b) => m.or(b),
    }
}

struct Named {
    expected: Option<f64>,
    slip: Option<Slip>,
}

/// Of `candidates`, the reading whose removal (with `done`) leaves the
/// other readings most consistent: the smallest residual variance of the
/// fit of the others (ties: the later reading). A reading with a slip is the
/// one without which the rest fit well.
fn most_consistent_without(
    readings: &Readings,
    candidates: &[usize],
    done: &[usize],
) -> Option<usize> {
    candidates
        .iter()
        .filter_map(|&i| {
            let sub = subset(readings, &[done.to_vec(), vec![i]].concat());
            let kind = reference_kind(&sub, None, &FitOptions::default());
            fit_without(readings, kind, i, done).map(|f| (i, f.sigma2))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(i, _)| i)
}

/// Names the usual slip behind reading `k`, from the fit of the other
/// readings (`exclude`: readings already known to be wrong): a decimal slip
/// on the reading, a time slip, or two neighbouring rows swapped.
fn name_slip(readings: &Readings, k: usize, exclude: &[usize], limits: &GateLimits) -> Named {
    let rs = &readings.readings;
    let mut ex: Vec<usize> = exclude.to_vec();
    ex.push(k);
    // The other readings as the better (smaller σ²) of the mono- and the
    // bi-exponential (free amplitude without the pre-void reading).
    let Some(f) = best_fit_without(readings, k, exclude) else {
        return Named {
            expected: None,
            slip: None,
        };
    };
    let r = &rs[k];
    let expected = f.value(r.time_h.hours());
    let net0 = rs[0].net;
    let mut cands: Vec<Slip> = Vec::new();
    if expected > 0.0 {
        cands.extend(slip::reading_slip(r.raw, expected * net0 + r.background));
        cands.extend(slip::background_slip(
            r.raw,
            r.background,
            expected * net0,
            2.0 * limits.reading_noise,
        ));
    }
    if k > 0 {
        if let Some(t_star) = f.time_of(r.retention) {
            cands.extend(slip::time_slip(r.time_h.hours(), t_star));
        }
        for j in 1..rs.len() {
            if j == k || exclude.contains(&j) {
                continue;
            }
            // Exchanging the two values removes every physical violation.
            let mut tr: Vec<(f64, f64)> =
                rs.iter().map(|x| (x.time_h.hours(), x.retention)).collect();
            let before = physical_violations(&tr, limits.reading_noise)
                .iter()
                .any(|v| [v.earlier, v.later].contains(&k));
            let (yk, yj) = (tr[k].1, tr[j].1);
            tr[k].1 = yj;
            tr[j].1 = yk;
            if before && physical_violations(&tr, limits.reading_noise).is_empty() {
                let (a, b) = if j < k { (j, k) } else { (k, j) };
                cands.push(Slip {
                    text: format!(
                        "rows swapped? exchanging the readings of lines {} and {} ({} and {}) removes every rise",
                        rs[a].line,
                        rs[b].line,
                        fmt_value(rs[a].raw),
                        fmt_value(rs[b].raw)
                    ),
                    log_error: 0.01,
                });
                continue;
            }
            let mut ex2 = ex.clone();
            ex2.push(j);
            let Some(g) = best_fit_without(readings, k, &ex2) else {
                continue;
            };
            let (ek, ej) = (g.value(r.time_h.hours()), g.value(rs[j].time_h.hours()));
            let (q1, q2) = (r.retention / ej, rs[j].retention / ek);
            let tol = 2.0 * limits.reading_noise;
            if (q1 - 1.0).abs() <= tol && (q2 - 1.0).abs() <= tol {
                let (a, b) = if j < k { (j, k) } else { (k, j) };
                cands.push(Slip {
                    text: format!(
                        "rows swapped? the readings of lines {} and {} fit each other's time ({} and {})",
                        rs[a].line,
                        rs[b].line,
                        fmt_value(rs[a].raw),
                        fmt_value(rs[b].raw)
                    ),
                    log_error: q1.ln().abs().max(q2.ln().abs()),
                });
            }
        }
    }
    cands.sort_by(|a, b| a.log_error.total_cmp(&b.log_error));
    Named {
        expected: Some(expected),
        slip: cands.into_iter().next(),
    }
}

/// The readings without the ones at `exclude` (rows and lines kept).
fn subset(readings: &Readings, exclude: &[usize]) -> Readings {
    Readings {
        source: readings.source.clone(),
        readings: readings
            .readings
            .iter()
            .enumerate()
            .filter(|(i, _)| !exclude.contains(i))
            .map(|(_, r)| r.clone())
            .collect(),
        time_column: readings.time_column.clone(),
        warnings: readings.warnings.clone(),
    }
}

/// The readings without reading `k`, for the counterfactual "the result
/// without this reading". Rows and lines are kept. Without the pre-void
/// reading (which defines 100 %), the remaining retentions are rescaled by
/// `expected_pre_void` (the value the other readings extrapolate to at its
/// time, [`Finding::expected_retention`]); `None` when that is unknown or
/// fewer than three readings would remain.
pub fn readings_without(
    readings: &Readings,
    k: usize,
    expected_pre_void: Option<f64>,
) -> Option<Readings> {
    if k >= readings.len() || readings.len() < 4 {
        return None;
    }
    let mut out = subset(readings, &[k]);
    if k == 0 {
        let e = expected_pre_void.filter(|e| *e > 0.0 && e.is_finite())?;
        for r in &mut out.readings {
            r.retention /= e;
        }
    }
    Some(out)
}

/// `+25 %`, or `×66` / `×1/100` beyond a factor of ten.
fn deviation_text(rel: f64) -> String {
    let q = rel + 1.0;
    if q >= 10.0 {
        format!("×{}", fmt_value(q))
    } else if q > 0.0 && q <= 0.1 {
        format!("×1/{}", fmt_value(1.0 / q))
    } else {
        format!("{:+.0} %", rel * 100.0)
    }
}

/// A test statistic: one decimal, or `>10^6` when absurdly large.
fn fmt_stat(t: f64) -> String {
    if t.abs() >= 1e6 {
        format!("{}10^6", if t < 0.0 { "< −" } else { "> " })
    } else {
        format!("{t:.1}")
    }
}

fn critical_t(alpha: f64, n: usize, dof: usize) -> f64 {
    // The same few (α, n, ν) recur for every series: the quantile is
    // computed once per thread (`memo`: exact inputs as the key).
    let key = (alpha.to_bits(), n, dof);
    crate::memo::cached(
        &CRITICAL_T,
        |k| *k == key,
        || key,
        || {
            let p = 1.0 - alpha / (2.0 * n as f64);
            StudentsT::new(0.0, 1.0, dof as f64).map_or(f64::INFINITY, |d| d.inverse_cdf(p))
        },
    )
}

thread_local! {
    /// This thread's last critical values ([`crate::memo`]).
    static CRITICAL_T: std::cell::RefCell<crate::memo::Memo<(u64, usize, usize), f64>> =
        const { std::cell::RefCell::new(crate::memo::Memo::new()) };
}

/// The Bonferroni critical value `t(1 − α/(2n); ν)` of the outlier test.
pub fn outlier_critical_value(alpha: f64, n: usize, dof: usize) -> f64 {
    critical_t(alpha, n, dof)
}

/// The fit checks: `outlier` (every reading against the fit of the others),
/// `r-squared`, `tau-se` and `bootstrap-failures`. `fit` is the chosen fit;
/// `bootstrap` the replicates requested and refitted (`None` when no
/// bootstrap was asked for).
pub fn inspect_fit(
    readings: &Readings,
    fit: &RetentionFit,
    opts: &FitOptions,
    limits: &GateLimits,
    bootstrap: Option<BootstrapTally>,
) -> Inspection {
    let mut ins = Inspection::default();
    let reference = reference_kind(readings, Some(fit), opts);
    outliers(readings, reference, limits, &mut ins);
    quality(readings, fit, reference, opts, limits, &mut ins);
    match bootstrap {
        None => ins.outcomes.push(CheckOutcome {
            check: Check::BootstrapFailures,
            status: CheckStatus::NotApplicable,
            detail: "no bootstrap was run (delta method only)".into(),
        }),
        Some(b) => {
            let failed = b.requested.saturating_sub(b.successful);
            let share = if b.requested == 0 {
                0.0
            } else {
                failed as f64 / b.requested as f64
            };
            let bad = share > limits.max_bootstrap_failure_share;
            let detail = format!(
                "{failed} of {} replicates failed to refit ({:.1} %, at most {:.0} %)",
                b.requested,
                share * 100.0,
                limits.max_bootstrap_failure_share * 100.0
            );
            if bad {
                ins.findings.push(Finding {
                    check: Check::BootstrapFailures,
                    reading: None,
                    related: vec![],
                    expected_retention: None,
                    statistic: Some(share),
                    limit: Some(limits.max_bootstrap_failure_share),
                    likely_slip: None,
                    without_reading: None,
                    accepted: false,
                    message: format!(
                        "{detail}: the 95 % interval describes only the replicates that happened to converge; the readings do not determine the curve"
                    ),
                });
            }
            ins.outcomes.push(CheckOutcome {
                check: Check::BootstrapFailures,
                status: if bad {
                    CheckStatus::Failed
                } else {
                    CheckStatus::Passed
                },
                detail,
            });
        }
    }
    ins
}

fn outliers(readings: &Readings, reference: ModelKind, limits: &GateLimits, ins: &mut Inspection) {
    let rs = &readings.readings;
    let n = rs.len();
    let mut flagged: Vec<usize> = Vec::new();
    let mut table: Vec<Option<LeaveOneOut>> = vec![None; n];
    let mut untestable: Vec<usize> = Vec::new();
    let mut first_pass = true;
    let mut tested_first = 0usize;
    loop {
        let mut worst: Option<(usize, f64)> = None;
        if first_pass {
            untestable.clear();
        }
        for k in 0..n {
            if flagged.contains(&k) {
                continue;
            }
            let Some(f) = fit_without(readings, reference, k, &flagged) else {
                if first_pass {
                    untestable.push(k);
                }
                continue;
            };
            if first_pass {
                tested_first += 1;
            }
            let r = &rs[k];
            let (yhat, t_stat) = f.studentized(r.time_h.hours(), r.retention);
            let crit = critical_t(limits.outlier_alpha, n, f.dof);
            let rel = r.retention / yhat - 1.0;
            let out = t_stat.abs() > crit && rel.abs() > limits.reading_noise && yhat > 0.0;
            table[k] = Some(LeaveOneOut {
                reading: ReadingRef::from(r),
                expected_retention: yhat,
                relative_deviation: rel,
                studentized: t_stat,
                degrees_of_freedom: f.dof,
                critical: crit,
                flagged: false,
            });
            // Of the readings beyond the bound, the one farthest from the
            // fit of the others (|ln(y/ŷ)|) goes first: with relative
            // weights a reading typed ×1/100 pulls the fits that include it,
            // so that good neighbours can show a larger |t| than the culprit
            // (swamping), but not a larger ratio than the slip itself.
            let dist = (r.retention / yhat).ln().abs();
            if out && worst.is_none_or(|(_, w)| dist > w) {
                worst = Some((k, dist));
            }
        }
        first_pass = false;
        let Some((k, _)) = worst else { break };
        if let Some(e) = table[k].as_mut() {
            e.flagged = true;
        }
        let e = table[k].clone().expect("just tested");
        let named = name_slip(readings, k, &flagged, limits);
        let slip = named.slip;
        let message = format!(
            "{}: retention {:.2} % where the other readings expect {:.2} % ({}); externally studentized residual {}, beyond ±{:.2} (Bonferroni α = {} over {n} readings, ν = {}); {}",
            e.reading.describe(),
            e.reading.retention * 100.0,
            e.expected_retention * 100.0,
            deviation_text(e.relative_deviation),
            fmt_stat(e.studentized),
            e.critical,
            limits.outlier_alpha,
            e.degrees_of_freedom,
            slip.as_ref().map_or(
                "no usual slip explains it: check it against the source".to_string(),
                |s| { format!("likely slip: {s}") }
            )
        );
        ins.findings.push(Finding {
            check: Check::Outlier,
            reading: Some(e.reading.clone()),
            related: vec![],
            expected_retention: Some(e.expected_retention),
            statistic: Some(e.studentized.abs()),
            limit: Some(e.critical),
            likely_slip: slip.map(|s| s.text),
            without_reading: None,
            accepted: false,
            message,
        });
        flagged.push(k);
        if flagged.len() >= MAX_OUTLIERS {
            break;
        }
    }
    let mut detail = format!(
        "{tested_first} readings tested against the {} fit of the others (Bonferroni α = {}); {} outlier(s)",
        reference.name(),
        limits.outlier_alpha,
        flagged.len()
    );
    if !untestable.is_empty() {
        let lines: Vec<String> = untestable.iter().map(|&k| rs[k].line.to_string()).collect();
        detail.push_str(&format!(
            "; line(s) {} could not be tested (no residual degree of freedom without them)",
            lines.join(", ")
        ));
    }
    // A series where no reading can be tested at all cannot show a slip.
    let none_testable = tested_first == 0;
    if none_testable {
        ins.findings.push(Finding {
            check: Check::Outlier,
            reading: None,
            related: vec![],
            expected_retention: None,
            statistic: None,
            limit: None,
            likely_slip: None,
            without_reading: None,
            accepted: false,
            message: format!(
                "{n} readings are too few to test each one against the {} fit of the others (no residual degree of freedom): a mistyped reading could not be detected; take more readings",
                reference.name()
            ),
        });
    }
    ins.outcomes.push(CheckOutcome {
        check: Check::Outlier,
        status: if flagged.is_empty() && !none_testable {
            CheckStatus::Passed
        } else {
            CheckStatus::Failed
        },
        detail,
    });
    ins.leave_one_out = table.into_iter().flatten().collect();
}

/// The `total-dose-uncertainty` check: the 95 % interval of the predicted
/// total whole-body dose (D₁ + A₂·d₂ with the planned A₂; D₁ alone when no
/// second infusion is given) must reach no farther than
/// `max_total_dose_uncertainty` on either side of the prediction. The
/// interval is the residual bootstrap's, or without it the delta method's:
/// D₁ and d₂ are both proportional to τ, so SE(total) = total × SE(τ)/τ.
/// A fit that states such an uncertainty cannot prescribe a dose to a
/// tolerance the protocol accepts \[I\] (the seed's 0.5 Gy equals its
/// overshoot margin: a wider interval admits a total beyond target + margin
/// with more than 2.5 % probability).
pub fn inspect_total_uncertainty(a: &crate::DoseAssessment, limits: &GateLimits) -> Inspection {
    let mut ins = Inspection::default();
    let second = a.plan.decision == crate::Decision::SecondInfusion;
    let total = if second {
        a.plan.predicted_total.gy()
    } else {
        a.dose1.gy()
    };
    let what = if second {
        "the predicted total D1 + D2"
    } else {
        "D1 (no second infusion)"
    };
    let interval = match &a.uncertainty {
        Some(u) => Some(if second {
            (
                u.predicted_total.low_gy.gy(),
                u.predicted_total.high_gy.gy(),
                "bootstrap",
            )
        } else {
            (u.dose1.low_gy.gy(), u.dose1.high_gy.gy(), "bootstrap")
        }),
        None => a.fit.tau_se_h.map(|se| {
            let h = 1.96 * total * se.hours() / a.tau_h.hours();
            (total - h, total + h, "delta method")
        }),
    };
    let Some((lo, hi, how)) = interval else {
        ins.outcomes.push(CheckOutcome {
            check: Check::TotalDoseUncertainty,
            status: CheckStatus::NotApplicable,
            detail: "no stated uncertainty (no bootstrap, no standard error of τ)".into(),
        });
        return ins;
    };
    let limit = limits.max_total_dose_uncertainty.gy();
    let half = (hi - total).max(total - lo);
    // With no second infusion because D₁ already meets the target, nothing
    // is prescribed unless the interval of D₁ reaches below the target.
    let target = a.plan.rules.target_total.gy();
    let decided = !second && lo >= target;
    let detail = if decided {
        format!(
            "95 % interval of {what} {lo:.2}–{hi:.2} Gy ({how}) lies above the {target:.2} Gy target: the decision does not depend on it"
        )
    } else {
        format!(
            "95 % interval of {what} {lo:.2}–{hi:.2} Gy ({how}); at most ±{limit} Gy from {total:.2} Gy"
        )
    };
    let bad = !decided && (half.is_nan() || half > limit);
    if bad {
        let sus = suspect(&a.readings, limits);
        ins.findings.push(Finding {
            check: Check::TotalDoseUncertainty,
            reading: sus.as_ref().map(|s| s.0.clone()),
            related: vec![],
            expected_retention: sus.as_ref().and_then(|s| s.1),
            statistic: Some(half),
            limit: Some(limit),
            likely_slip: sus.as_ref().and_then(|s| s.2.clone()),
            without_reading: None,
            accepted: false,
            message: format!(
                "the 95 % interval of {what} is {lo:.2}–{hi:.2} Gy ({how}), reaching {half:.2} Gy from {total:.2} Gy, more than the ±{limit} Gy the protocol accepts: the readings do not determine the dose well enough to prescribe{}",
                sus.map_or(String::new(), |s| s.3)
            ),
        });
    }
    ins.outcomes.push(CheckOutcome {
        check: Check::TotalDoseUncertainty,
        status: if bad {
            CheckStatus::Failed
        } else {
            CheckStatus::Passed
        },
        detail,
    });
    ins
}

/// Slack of the influence check around the 95 % interval of A₂: 0.5 % of
/// A₂ \[I\] (the percentile interval of 1000 replicates is itself rounded by
/// interpolation; A₂ is dispensed in whole MBq).
pub const INFLUENCE_SLACK: f64 = 0.005;

/// The influence check (`influence`): A₂ is recomputed without each reading
/// in turn (the whole chain, [`crate::assess`], without the bootstrap); if
/// any of them lies outside the 95 % interval of A₂ (the residual bootstrap,
/// or without it A₂ ± 1.96 × its delta-method SE), the prescription rests
/// on that one reading and is refused. This is the jackknife's
/// leave-one-out sensitivity (Efron & Tibshirani 1993, ch. 11) held to the
/// uncertainty the result itself states \[I\]: a single mistyped number
/// that survives every other check cannot move A₂ beyond its interval
/// unnoticed, because without that number A₂ would return to its correct
/// value. On the bundled and test readings (62 series) the largest
/// leave-one-out change is 0.74 of the interval's half-width.
///
/// `flagged` are the rows already blamed by another check (not repeated).
pub fn inspect_influence(
    a: &crate::DoseAssessment,
    flagged: &[usize],
    limits: &GateLimits,
) -> Inspection {
    let mut ins = Inspection::default();
    let a2 = a.plan.activity_mbq.mbq();
    let interval = a.second_activity_interval().map(|(lo, hi, m)| {
        (
            lo.mbq(),
            hi.mbq(),
            match m {
                crate::IntervalMethod::Bootstrap => "the bootstrap 95 % interval",
                crate::IntervalMethod::DeltaMethod => "the delta-method 95 % interval",
            },
        )
    });
    let Some((lo, hi, what)) = interval else {
        ins.outcomes.push(CheckOutcome {
            check: Check::Influence,
            status: CheckStatus::NotApplicable,
            detail: "no stated uncertainty of A2 (no bootstrap, no standard error of τ)".into(),
        });
        return ins;
    };
    let slack = INFLUENCE_SLACK * a2;
    let (lo_s, hi_s) = (lo.min(a2) - slack, hi.max(a2) + slack);
    let mut req = a.request.clone();
    req.uncertainty = None;
    let rs = &a.readings.readings;
    let mut worst: Option<(usize, f64)> = None;
    // The pre-void reading is not left out: it defines 100 %, and replacing
    // it by the other readings' extrapolation moves A₂ by itself. Its slips
    // are refused by the parser (÷10^k: readings above it) and the outlier
    // test (×10^k).
    for (k, r) in rs.iter().enumerate().skip(1) {
        let Some(sub) = readings_without(&a.readings, k, None) else {
            continue;
        };
        let Ok(b) = crate::assess(&sub, &req) else {
            continue;
        };
        let b2 = b.plan.activity_mbq.mbq();
        let off = if b2 > hi_s {
            (b2 - hi) / (hi - a2).max(1e-9)
        } else if b2 < lo_s {
            (lo - b2) / (a2 - lo).max(1e-9)
        } else {
            continue;
        };
        if worst.is_none_or(|(_, w)| off > w) {
            worst = Some((k, off));
        }
        if flagged.contains(&r.row) {
            continue;
        }
        let named = name_slip(&a.readings, k, &[], limits);
        ins.findings.push(Finding {
            check: Check::Influence,
            reading: Some(ReadingRef::from(r)),
            related: vec![],
            expected_retention: named.expected,
            statistic: Some(b2),
            limit: Some(if b2 > hi_s { hi } else { lo }),
            likely_slip: named.slip.as_ref().map(|s| s.text.clone()),
            without_reading: None,
            accepted: false,
            message: format!(
                "{}: without this reading A2 would be {:.0} MBq, outside {what} {:.0}–{:.0} MBq of A2 = {:.0} MBq: the prescription rests on this one reading; {}",
                ReadingRef::from(r).describe(),
                b2,
                lo,
                hi,
                a2,
                named.slip.as_ref().map_or(
                    "no usual slip explains it: check it against the source".to_string(),
                    |s| format!("likely slip: {s}")
                )
            ),
        });
    }
    let failed = !ins.findings.is_empty();
    ins.outcomes.push(CheckOutcome {
        check: Check::Influence,
        status: if failed { CheckStatus::Failed } else { CheckStatus::Passed },
        detail: format!(
            "A2 without each post-void reading within {what} {lo:.0}–{hi:.0} MBq (±{:.1} % slack){}",
            INFLUENCE_SLACK * 100.0,
            worst.map_or(String::new(), |(k, _)| format!(
                "; line {} moves it outside",
                rs[k].line
            ))
        ),
    });
    ins
}

/// For a poor fit: the reading without which the others fit best, with its
/// likely slip, as `(reading, expected retention, slip, text)`.
fn suspect(
    readings: &Readings,
    limits: &GateLimits,
) -> Option<(ReadingRef, Option<f64>, Option<String>, String)> {
    let all: Vec<usize> = (0..readings.len()).collect();
    let k = most_consistent_without(readings, &all, &[])?;
    let named = name_slip(readings, k, &[], limits);
    let r = ReadingRef::from(&readings.readings[k]);
    let text = format!(
        "; the other readings fit best without {}: {}",
        r.describe(),
        named
            .slip
            .as_ref()
            .map_or("no usual slip explains it".to_string(), |s| {
                format!("likely slip: {s}")
            })
    );
    Some((r, named.expected, named.slip.map(|s| s.text), text))
}

fn relative_tau_se(f: Option<&RetentionFit>) -> Option<f64> {
    f.and_then(|f| f.tau_se_h.map(|se| se.hours() / f.tau_h.hours()))
}

fn rel_bad_of(f: Option<&RetentionFit>, limits: &GateLimits) -> bool {
    relative_tau_se(f).is_none_or(|v| v.is_nan() || v > limits.max_relative_tau_se)
}

fn quality(
    readings: &Readings,
    fit: &RetentionFit,
    reference: ModelKind,
    opts: &FitOptions,
    limits: &GateLimits,
    ins: &mut Inspection,
) {
    // The fit judged: the chosen one, or for the trapezoid the exponential
    // reference fit (the bootstrap's residual model).
    let judged: Option<RetentionFit> = if fit.model == ModelKind::Trapezoid {
        let o = FitOptions {
            physical_bound: PhysicalBoundPolicy::Constrain,
            ..*opts
        };
        fit::fit_model(
            &readings.source,
            reference,
            &readings.times_h(),
            &readings.retention(),
            &o,
        )
        .ok()
    } else {
        Some(fit.clone())
    };
    let name = judged.as_ref().map_or("exponential", |f| f.model.name());
    let on = if fit.model == ModelKind::Trapezoid {
        format!(" (the {name} reference fit of the trapezoid)")
    } else {
        String::new()
    };
    let r2 = judged.as_ref().and_then(|f| f.r_squared);
    let r2_bad = r2.is_none_or(|v| v.is_nan() || v < limits.min_r_squared);
    let r2_detail = match r2 {
        Some(v) => format!("R² = {v:.4}{on}, at least {}", limits.min_r_squared),
        None => format!("R² could not be computed{on}"),
    };
    let suspect = if r2_bad || rel_bad_of(judged.as_ref(), limits) {
        suspect(readings, limits)
    } else {
        None
    };
    let (s_reading, s_expected, s_slip, s_text) = suspect
        .clone()
        .map_or((None, None, None, String::new()), |(r, e, sl, t)| {
            (Some(r), e, sl, t)
        });
    if r2_bad {
        ins.findings.push(Finding {
            check: Check::RSquared,
            reading: s_reading.clone(),
            related: vec![],
            expected_retention: s_expected,
            statistic: r2,
            limit: Some(limits.min_r_squared),
            likely_slip: s_slip.clone(),
            without_reading: None,
            accepted: false,
            message: format!(
                "{r2_detail}: the {name} curve does not describe the readings; check every reading and time{s_text}"
            ),
        });
    }
    ins.outcomes.push(CheckOutcome {
        check: Check::RSquared,
        status: if r2_bad {
            CheckStatus::Failed
        } else {
            CheckStatus::Passed
        },
        detail: r2_detail,
    });
    let rel = relative_tau_se(judged.as_ref());
    let rel_bad = rel_bad_of(judged.as_ref(), limits);
    let rel_detail = match rel {
        Some(v) => format!(
            "SE(τ)/τ = {:.1} %{on}, at most {:.0} %",
            v * 100.0,
            limits.max_relative_tau_se * 100.0
        ),
        None => format!("SE(τ) could not be computed{on} (no covariance)"),
    };
    if rel_bad {
        ins.findings.push(Finding {
            check: Check::TauSe,
            reading: s_reading,
            related: vec![],
            expected_retention: s_expected,
            statistic: rel,
            limit: Some(limits.max_relative_tau_se),
            likely_slip: s_slip,
            without_reading: None,
            accepted: false,
            message: format!(
                "{rel_detail}: the readings do not determine τ (and so D1 and A2) well enough to prescribe{s_text}"
            ),
        });
    }
    ins.outcomes.push(CheckOutcome {
        check: Check::TauSe,
        status: if rel_bad {
            CheckStatus::Failed
        } else {
            CheckStatus::Passed
        },
        detail: rel_detail,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readings::{ReadingsOptions, parse_readings};

    const LN2: f64 = std::f64::consts::LN_2;

    fn series(text: &str) -> Readings {
        parse_readings("r.csv", text, &ReadingsOptions::default()).unwrap()
    }

    #[test]
    fn check_names_round_trip() {
        for c in Check::ALL {
            assert_eq!(c.name().parse::<Check>().unwrap(), c);
            assert_eq!(c.to_string(), c.name());
            assert!(
                c.describe().len() > 20 && c.describe().contains(' '),
                "{c:?}"
            );
        }
        let e = "outliers".parse::<Check>().unwrap_err().to_string();
        assert!(
            e.contains("'outliers'") && e.contains("physical-decay, rise, background, outlier"),
            "{e}"
        );
        assert_eq!(
            serde_json::to_string(&Check::BootstrapFailures).unwrap(),
            "\"bootstrap-failures\""
        );
    }

    fn finding(check: Check, msg: &str) -> Finding {
        Finding {
            check,
            reading: None,
            related: vec![],
            expected_retention: None,
            statistic: None,
            limit: None,
            likely_slip: None,
            without_reading: None,
            accepted: false,
            message: msg.into(),
        }
    }

    fn outcome(check: Check, status: CheckStatus) -> CheckOutcome {
        CheckOutcome {
            check,
            status,
            detail: String::new(),
        }
    }

    /// Merging inspections, accepting checks by name, refusing, and the
    /// refusal's text.
    #[test]
    fn reports_accept_and_refuse() {
        let mut a = Inspection {
            outcomes: vec![
                outcome(Check::Rise, CheckStatus::Failed),
                outcome(Check::PhysicalDecay, CheckStatus::Passed),
            ],
            findings: vec![finding(Check::Rise, "the rise")],
            leave_one_out: vec![],
        };
        let b = Inspection {
            outcomes: vec![
                outcome(Check::Outlier, CheckStatus::Failed),
                outcome(Check::TauSe, CheckStatus::NotApplicable),
            ],
            findings: vec![finding(Check::Outlier, "the outlier")],
            leave_one_out: vec![],
        };
        a.merge(b);
        assert_eq!(a.outcomes.len(), 4);
        assert_eq!(a.findings.len(), 2);
        let lim = GateLimits::default();
        // Nothing accepted: refused, both findings refuse, in the text.
        let r = a.clone().into_report("r.csv", &lim, &[]);
        assert!(r.refused);
        assert_eq!(r.refusing().count(), 2);
        assert!(r.accepted_warnings().is_empty());
        let e = GateRefusal {
            report: r,
            context: Some("infusion 1".into()),
        }
        .to_string();
        assert!(
            e.starts_with("r.csv: the readings fail the plausibility gate"),
            "{e}"
        );
        assert!(e.contains("(infusion 1)"), "{e}");
        assert!(
            e.contains("\n  [rise] the rise") && e.contains("\n  [outlier] the outlier"),
            "{e}"
        );
        assert!(e.ends_with("--accept rise --accept outlier"), "{e}");
        // One accepted: still refused by the other; statuses follow.
        let r = a
            .clone()
            .into_report("r.csv", &lim, &[Check::Rise, Check::Rise]);
        assert!(r.refused);
        assert_eq!(r.accepted, vec![Check::Rise]);
        assert_eq!(r.outcomes[0].status, CheckStatus::Accepted);
        assert_eq!(r.outcomes[1].status, CheckStatus::Passed);
        assert_eq!(r.outcomes[2].status, CheckStatus::Failed);
        assert_eq!(r.outcomes[3].status, CheckStatus::NotApplicable);
        assert_eq!(
            r.refusing().map(|f| f.check).collect::<Vec<_>>(),
            vec![Check::Outlier]
        );
        assert_eq!(r.accepted_warnings().len(), 1);
        assert!(
            r.accepted_warnings()[0]
                .contains("'rise' failed and was ACCEPTED by override (--accept rise): the rise")
        );
        // Both accepted: not refused; a passed check accepted stays passed.
        let r = a.into_report(
            "r.csv",
            &lim,
            &[Check::Outlier, Check::Rise, Check::PhysicalDecay],
        );
        assert!(!r.refused);
        assert_eq!(r.refusing().count(), 0);
        assert_eq!(r.outcomes[1].status, CheckStatus::Passed);
        assert_eq!(
            r.accepted,
            vec![Check::PhysicalDecay, Check::Rise, Check::Outlier]
        );
    }

    #[test]
    fn limits_validate() {
        assert!(GateLimits::default().validate().is_ok());
        let bad = GateLimits {
            reading_noise: 0.0,
            ..Default::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .contains("reading_noise_fraction")
        );
        let ok = GateLimits {
            max_bootstrap_failure_share: 0.0,
            max_relative_tau_se: 1.0,
            ..Default::default()
        };
        assert!(ok.validate().is_ok());
        for bad in [
            GateLimits {
                max_total_dose_uncertainty: AbsorbedDose::from_gy(0.0),
                ..Default::default()
            },
            GateLimits {
                max_total_dose_uncertainty: AbsorbedDose::from_gy(f64::INFINITY),
                ..Default::default()
            },
            GateLimits {
                background_factor: 1.0,
                ..Default::default()
            },
            GateLimits {
                background_factor: f64::INFINITY,
                ..Default::default()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
        let edge = GateLimits {
            max_total_dose_uncertainty: AbsorbedDose::from_gy(1e-9),
            background_factor: 1.000_001,
            ..Default::default()
        };
        assert!(edge.validate().is_ok());
        let bad = GateLimits {
            outlier_alpha: f64::NAN,
            ..Default::default()
        };
        assert!(bad.validate().is_err());
        let bad = GateLimits {
            min_r_squared: 1.0,
            ..Default::default()
        };
        assert!(bad.validate().is_err());
    }

    /// The Bonferroni critical values against SciPy 1.17.1 `t.ppf(1 − α/(2n), ν)`
    /// (`python3 -c "from scipy.stats import t; print(t.ppf(1-0.05/18, 5))"`):
    /// 4.655297509154357 (n 9, ν 5), 6.57967850157344 (n 7, ν 3),
    /// 127.32133646887486 (n 10, ν 1). Tolerance 1e-8 relative.
    #[test]
    fn critical_values() {
        for (n, nu, want) in [
            (9, 5, 4.655_297_509_154_357),
            (7, 3, 6.579_678_501_573_44),
            (10, 1, 127.321_336_468_874_86),
        ] {
            let got = outlier_critical_value(0.05, n, nu);
            assert!((got / want - 1.0).abs() < 1e-8, "{n} {nu}: {got}");
        }
    }

    #[test]
    fn physical_decay_boundary() {
        // One physical half-life (192.497 h) after a reading of 1, the bound
        // is 0.5 × 1.05 = 0.525 (hand calculation).
        let at = |r: f64| {
            series(&format!(
                "hours,reading\n0,1000\n24,950\n192.497,{}\n",
                r * 1000.0
            ))
        };
        let lim = GateLimits::default();
        let ok = inspect_readings(&at(0.5249), &lim);
        assert!(ok.findings.is_empty());
        assert!(
            inspect_readings(&at(0.525 - 1e-9), &lim)
                .findings
                .is_empty()
        );
        // Against the 24 h reading the bound is 0.95·e^(−λ·168.497)·1.05 =
        // 0.5442: only the first reading is exceeded.
        let bad = inspect_readings(&at(0.5251), &lim);
        assert_eq!(bad.findings.len(), 1);
        assert_eq!(bad.findings[0].check, Check::PhysicalDecay);
        assert_eq!(bad.findings[0].reading.as_ref().unwrap().line, 4);
        assert_eq!(bad.outcomes[0].status, CheckStatus::Failed);
        // The excess is against the first reading only: no rise between
        // later readings (the `rise` check passes).
        assert_eq!(bad.outcomes[1].check, Check::Rise);
        assert_eq!(bad.outcomes[1].status, CheckStatus::Passed);
    }

    #[test]
    fn a_reading_exactly_at_the_physical_bound_is_no_violation() {
        // The rule: R_j > R_i·e^(−λ_phys (t_j − t_i))·(1 + noise) is a
        // violation; a reading equal to the bound is not. The bound is the
        // rule's own formula evaluated for R_i = 1, Δt = 100 h, noise 5 %.
        let lp = lambda_phys().per_h();
        let bound = 1.0 * (-lp * (100.0 - 0.0)).exp() * (1.0 + 0.05);
        assert!(physical_violations(&[(0.0, 1.0), (100.0, bound)], 0.05).is_empty());
        let above = bound * (1.0 + 1e-12);
        assert_eq!(
            physical_violations(&[(0.0, 1.0), (100.0, above)], 0.05).len(),
            1
        );
    }

    #[test]
    fn a_violation_reports_its_ratio_to_physical_decay() {
        // One half-life (192.497 h) after a reading of 1, physical decay
        // alone leaves 0.5; a reading of 0.75 is 0.75/0.5 = 1.5 × that
        // (hand), above 1.05.
        let v = physical_violations(&[(0.0, 1.0), (192.497, 0.75)], 0.05);
        assert_eq!(v.len(), 1);
        assert_eq!((v[0].earlier, v[0].later), (0, 1));
        assert!((v[0].ratio - 1.5).abs() < 1e-12, "{}", v[0].ratio);
    }

    #[test]
    fn a_rise_finding_names_the_reading_it_rose_after() {
        // 1000 at 0 h, 400 at 24 h, 600 at 48 h, 100 at 72 h: only the
        // 48 h reading rises above the 24 h one: 600/400 = 1.5 against
        // e^(−ln2·24/192.497) = 0.917 allowed, a ratio 1.5/0.917 = 1.64
        // (printed 1.6) > 1.05 (hand); the 0 h → 48 h pair is within decay
        // (0.6/0.841 = 0.71).
        // The finding blames the 48 h reading (line 4), is a `rise`, names
        // the 24 h reading (line 3) as the one it rose after, with the rise
        // rule's text, and the limit 1 + 5 % noise = 1.05.
        let r = series("hours,reading\n0,1000\n24,400\n48,600\n72,100\n");
        let ins = inspect_readings(&r, &GateLimits::default());
        assert_eq!(ins.findings.len(), 1, "{:?}", ins.findings);
        let f = &ins.findings[0];
        assert_eq!(f.check, Check::Rise);
        assert_eq!(f.reading.as_ref().unwrap().line, 4);
        let related: Vec<usize> = f.related.iter().map(|x| x.line).collect();
        assert_eq!(related, vec![3]);
        assert_eq!(f.limit, Some(1.05));
        assert!(
            f.message.starts_with(
                "line 4 (48 h, reading 600): the reading at 48 h is 1.6 × what physical decay allows after the reading at 24 h (at most 1.05 × with 5 % noise)"
            ),
            "{}",
            f.message
        );
        assert!(
            f.message.contains("(against line 3 (24 h, reading 400))"),
            "{}",
            f.message
        );
    }

    #[test]
    fn rise_boundary() {
        // Two readings 24 h apart: decay factor e^(−ln2·24/192.497) = 0.917 21;
        // with 5 % noise the later may be at most 0.963 07 of the earlier.
        let f = (-LN2 * 24.0 / 192.497_f64).exp() * 1.05;
        let at = |q: f64| {
            series(&format!(
                "hours,reading\n0,1000\n24,400\n48,{}\n72,100\n",
                400.0 * q
            ))
        };
        let lim = GateLimits::default();
        assert!((f - 0.963_07).abs() < 1e-5, "{f}");
        assert!(inspect_readings(&at(f * 0.9999), &lim).findings.is_empty());
        let bad = inspect_readings(&at(f * 1.0001), &lim);
        assert_eq!(bad.findings.len(), 1, "{:?}", bad.findings);
        assert_eq!(bad.findings[0].check, Check::Rise);
        assert_eq!(bad.outcomes[1].status, CheckStatus::Failed);
        assert_eq!(bad.outcomes[0].status, CheckStatus::Passed);
    }

    /// The docs/reference/dosimetry.md §10.3 kinetics at the given times, ×400, rounded to 0.01.
    fn exact_bi(times: &[f64]) -> String {
        let mut s = "hours,reading\n".to_string();
        for &t in times {
            let r = 0.5 * (-LN2 * t / 6.0).exp() + 0.5 * (-LN2 * t / 36.0).exp();
            s.push_str(&format!("{t},{:.2}\n", 400.0 * r));
        }
        s
    }

    #[test]
    fn a_reading_typed_one_hundredth_is_blamed_and_named() {
        let text = exact_bi(&[0.0, 4.0, 8.0, 24.0, 32.0, 48.0, 72.0, 96.0, 120.0]);
        let text = text.replace("24,138.49", "24,1.3849");
        let r = series(&text);
        let ins = inspect_readings(&r, &GateLimits::default());
        let f = ins
            .findings
            .iter()
            .find(|f| f.check == Check::Rise)
            .expect("rise");
        assert_eq!(f.reading.as_ref().unwrap().line, 5, "{f:?}");
        assert!(
            f.likely_slip
                .as_deref()
                .unwrap()
                .starts_with("×1/100? a slipped decimal point (1.385 for 138.5?)"),
            "{f:?}"
        );
    }
}

#[cfg(test)]
mod mutant_tests;
