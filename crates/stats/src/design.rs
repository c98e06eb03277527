//! Trial design for the next study: sample sizes for a response-rate
//! endpoint (exact single-stage and Simon's two-stage designs) and for a
//! survival endpoint (number of events, then patients from accrual and
//! follow-up).
//!
//! # Response rate: hypotheses and notation
//!
//! H₀: p ≤ p₀ (a response rate not worth pursuing) against H₁: p ≥ p₁ > p₀.
//! A design rejects H₀ ("the treatment is promising") when the number of
//! responses is **greater than** its critical value r, the convention of
//! Simon (1989) and R `clinfun`. Its type I error is P(reject | p₀) ≤ α and
//! its power is P(reject | p₁) ≥ 1 − β. Every probability is an exact
//! binomial sum (no normal approximation): the binomial terms are
//! exp(ln C(n,k) + k·ln p + (n−k)·ln(1−p)) with `statrs`' `ln_binomial`.
//!
//! * [`single_stage`] — the smallest n for which some r meets α and power
//!   exactly (A'Hern, Stat Med 2001;20:859–866, who tabulates these designs;
//!   R `clinfun::ph2single`).
//! * [`simon_two_stage`] — Simon R, *Optimal two-stage designs for phase II
//!   clinical trials*, Controlled Clinical Trials 1989;10:1–10: stop after n₁
//!   patients if at most r₁ respond; otherwise treat n − n₁ more and reject
//!   H₀ if more than r of all n respond. The **optimal** design minimises the
//!   expected sample size under p₀, EN(p₀) = n₁ + (1 − PET(p₀))·(n − n₁) with
//!   PET(p₀) = P(X₁ ≤ r₁ | p₀); the **minimax** design minimises n (then
//!   EN(p₀)). The **admissible** designs between them (Jung SH, Lee T, Kim K,
//!   George SL, Stat Med 2004;23:561–569) minimise q·n + (1 − q)·EN(p₀) for
//!   some weight q ∈ [0, 1].
//!
//! ## Search and why its bounds suffice (Simon two-stage)
//!
//! Designs are 1 ≤ n₁ < n, 0 ≤ r₁ < n₁, r₁ ≤ r < n. For each n from 2 upward
//! every (n₁, r₁) is enumerated; for one (n, n₁, r₁) the type I error and the
//! power both decrease in r, so the r meeting both constraints form an
//! interval [r_lo, r_hi] found exactly. The smallest n with a feasible design
//! is the minimax n (nothing below it is feasible, by enumeration).
//!
//! Upper bound for the optimal design: the power of a design is at most
//! P(X₁ > r₁ | p₁), so its stage 1 alone must reach 1 − β; let r₁*(n₁) be
//! the largest r₁ that does and a(n₁) = P(X₁ > r₁*(n₁) | p₀), the smallest
//! probability of continuing under p₀ any feasible design with this n₁ can
//! have. Then EN(p₀) ≥ n₁ + a(n₁)·(n − n₁), so a design with total n can
//! only beat the minimax design's EN_mm if n < n₁ + (EN_mm − n₁)/a(n₁) for
//! some n₁ < EN_mm. The search stops at the largest such n
//! ([`SimonSearch::n_upper`]); every design it does not enumerate has
//! EN(p₀) ≥ EN_mm, so it can be neither optimal nor admissible. The same
//! inequality skips (n, n₁) pairs that cannot beat the best EN(p₀) found so
//! far. The enumeration is capped by the caller's `max_n`; a problem that
//! needs more is an error naming the n it would need, never a truncated
//! answer.
//!
//! Ties: EN(p₀) values within [`TIE`] (1e-9) relative are treated as equal,
//! because exact ties are real, not rounding accidents: at p₀ = 0.5,
//! PET(p₀) = 1/2 by symmetry for many designs, so EN(p₀) = (n₁ + n)/2 can
//! coincide exactly (double-precision sums of binomial terms carry ~1e-13
//! relative error, far below 1e-9 and far above zero). At equal EN(p₀) the
//! smaller n wins; among designs with equal n and EN(p₀) the first found (n₁
//! ascending, r₁ descending) wins; for one
//! (n, n₁, r₁) the **largest** feasible r is chosen (the smallest type I
//! error; R `clinfun::ph2simon` makes the same choice) and the whole feasible
//! range [r_lo, r_hi] is reported. The same rule picks r for the single-stage
//! design.
//!
//! Floating point: the constraints are compared exactly on `f64` sums of
//! positive terms (relative error ~1e-13); a design whose exact α or power
//! lies within that distance of the bound could be classified differently
//! from exact rational arithmetic. The reference script
//! `scripts/reference/design_reference.py` re-checks every committed design
//! with Python `fractions` (exact rationals).
//!
//! # Survival endpoint
//!
//! [`survival_events`]: the number of events for a two-arm comparison of
//! hazards by the log-rank test with hazard ratio θ = λ_E/λ_C (experimental
//! over control) and allocation k = n_E/n_C:
//!
//! * Schoenfeld (Biometrika 1981;68:316–319; Biometrics 1983;39:499–503):
//!   D = (z₁₋α + z₁₋β)² · (1 + k)² / (k · (ln θ)²);
//! * Freedman (Stat Med 1982;1:121–129): D = (z₁₋α + z₁₋β)² · (1 + kθ)² /
//!   (k · (1 − θ)²),
//!
//! with z₁₋α replaced by z₁₋α/₂ for a two-sided test. R `rpact`
//! (`getSampleSizeSurvival`, `typeOfComputation = "Schoenfeld"` /
//! `"Freedman"`) computes the same expressions.
//!
//! [`survival_patients`]: uniform accrual over [0, a], analysis at a + f
//! (f = additional follow-up after the last patient), exponential survival
//! S_C(t) = exp(−λ_C t) in the control arm and S_E(t) = exp(−θ λ_C t). A
//! patient entering at u is followed for a + f − u, so the probability of an
//! event in arm i is
//!
//! P_i = 1 − (1/a)∫_f^{a+f} S_i(t) dt = 1 − e^{−λ_i f}(1 − e^{−λ_i a})/(λ_i a)
//!
//! (the exact exponential integral; the default, [`EventProbability::Exact`],
//! as R `rpact`), or Schoenfeld (1983)'s Simpson-rule approximation
//! P_i ≈ 1 − [S_i(f) + 4 S_i(f + a/2) + S_i(f + a)]/6
//! ([`EventProbability::Simpson`]; Schoenfeld applies it to the survival
//! averaged over the arms, which is the same by linearity). The pooled
//! probability is P = π_C P_C + π_E P_E with π the allocation fractions, and
//! N = D/P patients.
//!
//! This module does no I/O; times are in the unit of the caller's inputs
//! ([`SurvTime`]).

use crate::time::SurvTime;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::factorial::ln_binomial;

/// Relative tolerance under which two expected sample sizes, or two slopes of
/// the admissible hull, count as equal (module docs, "Ties").
pub const TIE: f64 = 1e-9;

/// Whether `en` beats `bound` by more than [`TIE`] (`bound` may be ∞).
fn improves(en: f64, bound: f64) -> bool {
    en < bound * (1.0 - TIE)
}

/// An invalid design input or a search that cannot be completed. Every
/// variant names the parameter it is about ([`DesignError::parameter`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DesignError {
    /// A response rate outside (0, 1).
    #[error("{name} = {value}: a response rate must lie strictly between 0 and 1")]
    Rate {
        /// `p0` or `p1`.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// p₁ ≤ p₀: there is nothing to detect.
    #[error(
        "p1 = {p1} is not greater than p0 = {p0}: the response rate of interest must exceed the uninteresting one"
    )]
    P1NotAboveP0 {
        /// Uninteresting response rate.
        p0: f64,
        /// Response rate of interest.
        p1: f64,
    },
    /// α outside (0, 0.5].
    #[error("alpha = {0}: the type I error must lie in (0, 0.5]")]
    Alpha(f64),
    /// Power outside [0.5, 1).
    #[error("power = {0}: the power 1 − β must lie in [0.5, 1)")]
    Power(f64),
    /// No design with n ≤ `max_n` meets α and power.
    #[error(
        "max-n = {max_n}: no design with at most {max_n} patients meets alpha and power; raise max-n (the search grows with its fourth power)"
    )]
    NoDesign {
        /// The cap that was reached.
        max_n: u32,
    },
    /// The optimal-design search would need n beyond `max_n`.
    #[error(
        "max-n = {max_n}: the minimax design has n = {minimax_n}, but proving which design is optimal needs every n up to {needed}; raise max-n to at least {needed}"
    )]
    SearchTooLarge {
        /// The cap that was given.
        max_n: u32,
        /// The minimax n found.
        minimax_n: u32,
        /// The upper bound of the optimal search.
        needed: u32,
    },
    /// A hazard ratio that is not a finite positive number other than 1.
    #[error("hazard-ratio = {0}: must be a finite number > 0 and ≠ 1")]
    HazardRatio(f64),
    /// An allocation with a zero side.
    #[error("allocation = {experimental}:{control}: both sides must be at least 1")]
    Allocation {
        /// Experimental share.
        experimental: u32,
        /// Control share.
        control: u32,
    },
    /// An accrual period that is not > 0.
    #[error("accrual = {0}: the accrual period must be > 0")]
    Accrual(f64),
    /// A control-arm survival specification that is impossible.
    #[error("{name} = {value}: {rule}")]
    ControlSurvival {
        /// The option: `median-control`, `landmark-control` or `hazard-control`.
        name: &'static str,
        /// The offending value.
        value: f64,
        /// The rule broken.
        rule: &'static str,
    },
}

impl DesignError {
    /// The parameter (command-line option without dashes) the error is about.
    pub fn parameter(&self) -> &'static str {
        match self {
            Self::Rate { name, .. } | Self::ControlSurvival { name, .. } => name,
            Self::P1NotAboveP0 { .. } => "p1",
            Self::Alpha(_) => "alpha",
            Self::Power(_) => "power",
            Self::NoDesign { .. } | Self::SearchTooLarge { .. } => "max-n",
            Self::HazardRatio(_) => "hazard-ratio",
            Self::Allocation { .. } => "allocation",
            Self::Accrual(_) => "accrual",
        }
    }
}

fn check_alpha(alpha: f64) -> Result<(), DesignError> {
    if alpha > 0.0 && alpha <= 0.5 {
        Ok(())
    } else {
        Err(DesignError::Alpha(alpha))
    }
}

fn check_power(power: f64) -> Result<(), DesignError> {
    if (0.5..1.0).contains(&power) {
        Ok(())
    } else {
        Err(DesignError::Power(power))
    }
}

// ---------------------------------------------------------------------------
// Response rate
// ---------------------------------------------------------------------------

/// The hypotheses and error rates of a single-arm response-rate design.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BinaryHypotheses {
    p0: f64,
    p1: f64,
    alpha: f64,
    power: f64,
}

impl BinaryHypotheses {
    /// Validates p₀ < p₁ in (0, 1), α ∈ (0, 0.5] and power 1 − β ∈ [0.5, 1).
    ///
    /// # Errors
    /// The first rule broken, naming its parameter.
    pub fn new(p0: f64, p1: f64, alpha: f64, power: f64) -> Result<Self, DesignError> {
        for (name, value) in [("p0", p0), ("p1", p1)] {
            if !(value > 0.0 && value < 1.0) {
                return Err(DesignError::Rate { name, value });
            }
        }
        if p1 <= p0 {
            return Err(DesignError::P1NotAboveP0 { p0, p1 });
        }
        check_alpha(alpha)?;
        check_power(power)?;
        Ok(Self {
            p0,
            p1,
            alpha,
            power,
        })
    }

    /// The uninteresting response rate p₀.
    pub const fn p0(&self) -> f64 {
        self.p0
    }
    /// The response rate of interest p₁.
    pub const fn p1(&self) -> f64 {
        self.p1
    }
    /// The largest type I error allowed, α.
    pub const fn alpha(&self) -> f64 {
        self.alpha
    }
    /// The smallest power allowed, 1 − β.
    pub const fn power(&self) -> f64 {
        self.power
    }
}

/// Exact binomial terms of Bin(m, p) for m = 0, 1, … (grown on demand).
struct Binomials {
    ln_p: f64,
    ln_q: f64,
    /// `pmf[m][k]` = P(X = k), X ~ Bin(m, p).
    pmf: Vec<Vec<f64>>,
    /// `upper[m][k]` = P(X ≥ k) for k = 0..=m+1 (`upper[m][0]` = 1 exactly,
    /// `upper[m][m+1]` = 0).
    upper: Vec<Vec<f64>>,
    /// `lower[m][k]` = P(X ≤ k) for k = 0..=m.
    lower: Vec<Vec<f64>>,
}

impl Binomials {
    fn new(p: f64) -> Self {
        Self {
            ln_p: p.ln(),
            ln_q: (-p).ln_1p(),
            pmf: Vec::new(),
            upper: Vec::new(),
            lower: Vec::new(),
        }
    }

    fn ensure(&mut self, m: usize) {
        while self.pmf.len() <= m {
            let size = self.pmf.len();
            let pmf: Vec<f64> = (0..=size)
                .map(|k| {
                    (ln_binomial(size as u64, k as u64)
                        + k as f64 * self.ln_p
                        + (size - k) as f64 * self.ln_q)
                        .exp()
                })
                .collect();
            let mut upper = vec![0.0; size + 2];
            for k in (1..=size).rev() {
                upper[k] = upper[k + 1] + pmf[k];
            }
            upper[0] = 1.0;
            let mut lower = vec![0.0; size + 1];
            let mut acc = 0.0;
            for (k, term) in pmf.iter().enumerate() {
                acc += term;
                lower[k] = acc;
            }
            self.pmf.push(pmf);
            self.upper.push(upper);
            self.lower.push(lower);
        }
    }

    /// P(X ≥ k) for X ~ Bin(m, p), any integer k (1 for k ≤ 0, 0 for k > m).
    fn at_least(&self, m: usize, k: i64) -> f64 {
        if k <= 0 {
            1.0
        } else if k as usize > m {
            0.0
        } else {
            self.upper[m][k as usize]
        }
    }
}

/// Probability that a two-stage design rejects H₀ when the true rate is p:
/// Σ_{x₁ = r₁+1}^{n₁} P(X₁ = x₁) · P(X₂ > r − x₁), X₁ ~ Bin(n₁, p),
/// X₂ ~ Bin(n − n₁, p) (Simon 1989, the complement of his equation (1)).
/// A single-stage design is n₁ = n with r₁ = r.
fn reject_probability(bin: &mut Binomials, r1: u32, n1: u32, r: u32, n: u32) -> f64 {
    let (n1u, n2u) = (n1 as usize, (n - n1) as usize);
    bin.ensure(n1u.max(n2u));
    ((r1 + 1)..=n1)
        .map(|x1| bin.pmf[n1u][x1 as usize] * bin.at_least(n2u, i64::from(r) + 1 - i64::from(x1)))
        .sum()
}

/// The operating characteristics of a design at one true response rate.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Characteristics {
    /// P(reject H₀): the type I error at p₀, the power at p₁.
    pub reject: f64,
    /// Probability of early termination after stage 1, P(X₁ ≤ r₁) (0 for a
    /// single-stage design).
    pub early_termination: f64,
    /// Expected number of patients, n₁ + (1 − PET)·(n − n₁).
    pub expected_n: f64,
}

/// A Simon two-stage design with its operating characteristics.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TwoStageDesign {
    /// Stop after stage 1 if at most `r1` of `n1` respond.
    pub r1: u32,
    /// Patients in stage 1.
    pub n1: u32,
    /// Reject H₀ if more than `r` of all `n` respond.
    pub r: u32,
    /// Total patients.
    pub n: u32,
    /// Every final critical value meeting both α and power for this
    /// (r₁, n₁, n): `r` is the largest (smallest type I error).
    pub r_range: [u32; 2],
    /// At p₀: type I error, PET(p₀), EN(p₀).
    pub at_p0: Characteristics,
    /// At p₁: power, PET(p₁), EN(p₁).
    pub at_p1: Characteristics,
}

impl TwoStageDesign {
    /// Operating characteristics of a given design (r₁/n₁, r/n) under `h`;
    /// panics unless 1 ≤ n₁ < n, r₁ < n₁, r₁ ≤ r < n (a caller bug).
    pub(crate) fn evaluate(h: &BinaryHypotheses, r1: u32, n1: u32, r: u32, n: u32) -> Self {
        assert!(
            n1 >= 1 && n1 < n && r1 < n1 && r1 <= r && r < n,
            "not a two-stage design"
        );
        let mut b0 = Binomials::new(h.p0);
        let mut b1 = Binomials::new(h.p1);
        let at = |bin: &mut Binomials| {
            let reject = reject_probability(bin, r1, n1, r, n);
            let pet = bin.lower[n1 as usize][r1 as usize];
            Characteristics {
                reject,
                early_termination: pet,
                expected_n: f64::from(n1) + (1.0 - pet) * f64::from(n - n1),
            }
        };
        Self {
            r1,
            n1,
            r,
            n,
            r_range: [r, r],
            at_p0: at(&mut b0),
            at_p1: at(&mut b1),
        }
    }
}

/// An admissible design (Jung et al. 2004) and the weights q for which it
/// minimises q·n + (1 − q)·EN(p₀).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AdmissibleDesign {
    /// The design.
    pub design: TwoStageDesign,
    /// Smallest q for which it is the best.
    pub q_low: f64,
    /// Largest q for which it is the best.
    pub q_high: f64,
}

/// How the two-stage search ran (the bounds and why are in the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SimonSearch {
    /// The smallest total n enumerated (2: one patient per stage).
    pub n_lower: u32,
    /// The largest n enumerated: n₁ + (EN_mm − n₁)/a(n₁) maximised over n₁.
    pub n_upper: u32,
    /// The caller's cap on n.
    pub max_n: u32,
    /// (n, n₁, r₁) triples whose feasible r range was evaluated.
    pub stage_rules_evaluated: u64,
}

/// The result of [`simon_two_stage`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimonTwoStage {
    /// The inputs.
    pub hypotheses: BinaryHypotheses,
    /// Smallest EN(p₀).
    pub optimal: TwoStageDesign,
    /// Smallest n (then smallest EN(p₀)).
    pub minimax: TwoStageDesign,
    /// Every admissible design from the minimax (q up to 1) to the optimal
    /// (q down to 0), n ascending; the first is the minimax, the last the
    /// optimal.
    pub admissible: Vec<AdmissibleDesign>,
    /// The search bounds.
    pub search: SimonSearch,
    /// Warnings about the result.
    pub warnings: Vec<String>,
}

/// The best design at one n, found by the accumulation in [`best_at_n`].
#[derive(Clone, Copy, Debug)]
struct Candidate {
    r1: u32,
    n1: u32,
    r: u32,
    r_lo: u32,
    n: u32,
    en0: f64,
}

/// Stage-1 limits: for each n₁, the largest r₁ with P(X₁ > r₁ | p₁) ≥ power
/// and a(n₁) = P(X₁ > that r₁ | p₀) (module docs). `None`: no r₁ works.
fn stage1_limits(
    b0: &mut Binomials,
    b1: &mut Binomials,
    power: f64,
    n1: u32,
) -> Option<(u32, f64)> {
    let m = n1 as usize;
    b0.ensure(m);
    b1.ensure(m);
    let r1 = (0..n1)
        .rev()
        .find(|&r1| b1.upper[m][r1 as usize + 1] >= power)?;
    Some((r1, b0.upper[m][r1 as usize + 1]))
}

/// The design with the smallest EN(p₀) among designs with total `n` whose
/// EN(p₀) improves on `beat` ([`improves`]), or `None`.
///
/// For fixed (n, n₁) the rejection probability of every r is accumulated
/// while r₁ decreases: lowering r₁ to r₁ − 1 adds the x₁ = r₁ term
/// P(X₁ = r₁)·P(X₂ ≥ r + 1 − r₁) to every r. That is O(n₁·n) per (n, n₁).
fn best_at_n(
    h: &BinaryHypotheses,
    b0: &mut Binomials,
    b1: &mut Binomials,
    limits: &[Option<(u32, f64)>],
    n: u32,
    beat: f64,
    evaluated: &mut u64,
) -> Option<Candidate> {
    let mut best: Option<Candidate> = None;
    let mut bound = beat;
    let nu = n as usize;
    b0.ensure(nu);
    b1.ensure(nu);
    let mut reject0 = vec![0.0; nu];
    let mut reject1 = vec![0.0; nu];
    for n1 in 1..n {
        let Some((r1_max, a)) = limits[n1 as usize] else {
            continue;
        };
        let n2 = n - n1;
        // EN(p₀) ≥ n₁ + a(n₁)·n₂ for every feasible design with this n₁. This
        // skip only saves time: the EN check in the r₁ loop rejects the same
        // designs (so weakening it changes no result, only the run time).
        if !improves(f64::from(n1) + a * f64::from(n2), bound) {
            continue;
        }
        let (m1, m2) = (n1 as usize, n2 as usize);
        reject0.fill(0.0);
        reject1.fill(0.0);
        for r1 in (0..n1).rev() {
            let x1 = r1 + 1;
            let (w0, w1) = (b0.pmf[m1][x1 as usize], b1.pmf[m1][x1 as usize]);
            for r in 0..n {
                let k = i64::from(r) + 1 - i64::from(x1);
                reject0[r as usize] += w0 * b0.at_least(m2, k);
                reject1[r as usize] += w1 * b1.at_least(m2, k);
            }
            if r1 > r1_max {
                continue;
            }
            let pet0 = b0.lower[m1][r1 as usize];
            let en0 = f64::from(n1) + (1.0 - pet0) * f64::from(n2);
            // PET(p₀) falls as r₁ falls, so EN(p₀) only grows from here.
            if !improves(en0, bound) {
                break;
            }
            *evaluated += 1;
            // Both probabilities decrease in r: feasible r form [r_lo, r_hi].
            let Some(r_lo) = (r1..n).find(|&r| reject0[r as usize] <= h.alpha) else {
                continue;
            };
            let Some(r_hi) = (r1..n).rev().find(|&r| reject1[r as usize] >= h.power) else {
                continue;
            };
            if r_lo <= r_hi {
                bound = en0;
                best = Some(Candidate {
                    r1,
                    n1,
                    r: r_hi,
                    r_lo,
                    n,
                    en0,
                });
            }
        }
    }
    best
}

fn finish(h: &BinaryHypotheses, c: &Candidate) -> TwoStageDesign {
    let mut d = TwoStageDesign::evaluate(h, c.r1, c.n1, c.r, c.n);
    d.r_range = [c.r_lo, c.r];
    d
}

/// Simon's optimal and minimax two-stage designs, and the admissible designs
/// between them, by exact enumeration of every design with n ≤ the bound in
/// the module docs.
///
/// # Errors
/// [`DesignError::NoDesign`] if no n ≤ `max_n` has a feasible design;
/// [`DesignError::SearchTooLarge`] if the optimal search would need n >
/// `max_n`.
pub fn simon_two_stage(h: &BinaryHypotheses, max_n: u32) -> Result<SimonTwoStage, DesignError> {
    let mut b0 = Binomials::new(h.p0);
    let mut b1 = Binomials::new(h.p1);
    let mut limits: Vec<Option<(u32, f64)>> = vec![None];
    let mut evaluated = 0u64;
    // Frontier: each entry has a larger n and a strictly smaller EN(p₀).
    let mut frontier: Vec<Candidate> = Vec::new();
    let mut n_upper = max_n;
    let mut n = 2;
    while n <= n_upper {
        limits.push(stage1_limits(&mut b0, &mut b1, h.power, n - 1));
        let beat = frontier.last().map_or(f64::INFINITY, |c| c.en0);
        if let Some(c) = best_at_n(h, &mut b0, &mut b1, &limits, n, beat, &mut evaluated) {
            if frontier.is_empty() {
                let needed = optimal_upper_bound(&mut b0, &mut b1, h.power, c.en0);
                if needed > max_n {
                    return Err(DesignError::SearchTooLarge {
                        max_n,
                        minimax_n: n,
                        needed,
                    });
                }
                n_upper = needed;
            }
            frontier.push(c);
        }
        n += 1;
    }
    let (Some(first), Some(last)) = (frontier.first(), frontier.last()) else {
        return Err(DesignError::NoDesign { max_n });
    };
    let minimax = finish(h, first);
    let optimal = finish(h, last);
    let admissible = admissible_hull(&frontier)
        .into_iter()
        .map(|(i, q_low, q_high)| AdmissibleDesign {
            design: finish(h, &frontier[i]),
            q_low,
            q_high,
        })
        .collect();
    let mut warnings = Vec::new();
    for (label, d) in [
        ("optimal design: ", &optimal),
        ("minimax design: ", &minimax),
    ] {
        warnings.extend(r_range_warning(label, d.r_range));
    }
    Ok(SimonTwoStage {
        hypotheses: *h,
        optimal,
        minimax,
        admissible,
        search: SimonSearch {
            n_lower: 2,
            n_upper,
            max_n,
            stage_rules_evaluated: evaluated,
        },
        warnings,
    })
}

/// The largest n at which a design could have EN(p₀) < `en_minimax`:
/// max over n₁ < EN_mm of ⌊n₁ + (EN_mm − n₁)/a(n₁)⌋ (module docs).
fn optimal_upper_bound(b0: &mut Binomials, b1: &mut Binomials, power: f64, en_minimax: f64) -> u32 {
    let mut upper = 0u32;
    let mut n1 = 1u32;
    while f64::from(n1) < en_minimax {
        if let Some((_, a)) = stage1_limits(b0, b1, power, n1) {
            let reach = f64::from(n1) + (en_minimax - f64::from(n1)) / a;
            upper = upper.max(reach.floor() as u32);
        }
        n1 += 1;
    }
    upper
}

/// Lower convex hull of the frontier (n ascending, EN descending) from the
/// first point to the last, collinear points included (slopes are negative,
/// so "smaller by more than [`TIE`]" is `< slope·(1 + TIE)`), with the
/// weight range of each vertex: between
/// consecutive vertices i, j the losses q·n + (1 − q)·EN are equal at
/// q = ΔEN/(ΔEN − Δn) (Jung et al. 2004; R `clinfun::twostage.admissible`).
fn admissible_hull(frontier: &[Candidate]) -> Vec<(usize, f64, f64)> {
    let mut vertices = vec![0usize];
    let mut i = 0;
    while i + 1 < frontier.len() {
        let slope = |j: usize| {
            (frontier[j].en0 - frontier[i].en0) / f64::from(frontier[j].n - frontier[i].n)
        };
        // Equal slopes (within TIE): the nearest point, so that every design
        // on a straight stretch of the hull is listed (admissible at one q).
        let mut best = i + 1;
        for j in (i + 2)..frontier.len() {
            if slope(j) < slope(best) * (1.0 + TIE) {
                best = j;
            }
        }
        vertices.push(best);
        i = best;
    }
    let q_between = |a: usize, b: usize| {
        let d_en = frontier[b].en0 - frontier[a].en0;
        let d_n = f64::from(frontier[b].n - frontier[a].n);
        d_en / (d_en - d_n)
    };
    let last = vertices.len() - 1;
    vertices
        .iter()
        .enumerate()
        .map(|(k, &v)| {
            let q_high = if k == 0 {
                1.0
            } else {
                q_between(vertices[k - 1], v)
            };
            let q_low = if k == last {
                0.0
            } else {
                q_between(v, vertices[k + 1])
            };
            (v, q_low, q_high)
        })
        .collect()
}

/// The warning for several critical values meeting both constraints (the
/// largest, `range[1]`, is the one reported), or `None` for a single one.
fn r_range_warning(prefix: &str, range: [u32; 2]) -> Option<String> {
    (range[0] < range[1]).then(|| {
        format!(
            "{prefix}every critical value r from {} to {} meets alpha and power; r = {} (smallest type I error) is reported",
            range[0], range[1], range[1]
        )
    })
}

/// The exact binomial single-stage design: treat n patients, reject H₀ if
/// more than r respond.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SingleStageDesign {
    /// The inputs.
    pub hypotheses: BinaryHypotheses,
    /// The smallest n for which some r meets α and power.
    pub n: u32,
    /// The critical value: reject H₀ if more than `r` respond (the largest
    /// feasible r: smallest type I error).
    pub r: u32,
    /// Every r meeting both α and power at this n.
    pub r_range: [u32; 2],
    /// Type I error P(X > r | p₀).
    pub type_i_error: f64,
    /// Power P(X > r | p₁).
    pub power: f64,
    /// Larger n (up to n + 10) at which **no** r meets both constraints:
    /// exact designs are not monotone in n (saw-tooth), so enrolling more
    /// patients than planned can break them.
    pub infeasible_above: Vec<u32>,
    /// Warnings about the result.
    pub warnings: Vec<String>,
}

/// For one n, the feasible range of r (both constraints) or `None`.
fn single_stage_range(
    h: &BinaryHypotheses,
    b0: &mut Binomials,
    b1: &mut Binomials,
    n: u32,
) -> Option<[u32; 2]> {
    let m = n as usize;
    b0.ensure(m);
    b1.ensure(m);
    let r_lo = (0..n).find(|&r| b0.upper[m][r as usize + 1] <= h.alpha)?;
    let r_hi = (0..n)
        .rev()
        .find(|&r| b1.upper[m][r as usize + 1] >= h.power)?;
    (r_lo <= r_hi).then_some([r_lo, r_hi])
}

/// The smallest n (≤ `max_n`) with a critical value r such that
/// P(X > r | p₀) ≤ α and P(X > r | p₁) ≥ 1 − β, X ~ Bin(n, p), by exact
/// enumeration n = 1, 2, … (A'Hern 2001; R `clinfun::ph2single`).
///
/// # Errors
/// [`DesignError::NoDesign`] if no n ≤ `max_n` works.
pub fn single_stage(h: &BinaryHypotheses, max_n: u32) -> Result<SingleStageDesign, DesignError> {
    let mut b0 = Binomials::new(h.p0);
    let mut b1 = Binomials::new(h.p1);
    let (n, range) = (1..=max_n)
        .find_map(|n| single_stage_range(h, &mut b0, &mut b1, n).map(|r| (n, r)))
        .ok_or(DesignError::NoDesign { max_n })?;
    let infeasible_above: Vec<u32> = ((n + 1)..=(n + 10))
        .filter(|&m| single_stage_range(h, &mut b0, &mut b1, m).is_none())
        .collect();
    let r = range[1];
    let m = n as usize;
    let mut warnings = Vec::new();
    warnings.extend(r_range_warning("", range));
    if !infeasible_above.is_empty() {
        let list: Vec<String> = infeasible_above.iter().map(u32::to_string).collect();
        warnings.push(format!(
            "no critical value meets alpha and power at n = {}: exact designs are not monotone in n, so do not enrol more patients than planned without recomputing",
            list.join(", ")
        ));
    }
    Ok(SingleStageDesign {
        hypotheses: *h,
        n,
        r,
        r_range: range,
        type_i_error: b0.upper[m][r as usize + 1],
        power: b1.upper[m][r as usize + 1],
        infeasible_above,
        warnings,
    })
}

// ---------------------------------------------------------------------------
// Survival endpoint
// ---------------------------------------------------------------------------

/// The formula for the number of events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum EventFormula {
    /// Schoenfeld (1981, 1983): D = (z_α + z_β)²(1 + k)²/(k (ln θ)²). Default.
    #[default]
    Schoenfeld,
    /// Freedman (1982): D = (z_α + z_β)²(1 + kθ)²/(k (1 − θ)²).
    Freedman,
}

impl EventFormula {
    /// Name and source, for output.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Schoenfeld => "Schoenfeld (Biometrika 1981; Biometrics 1983)",
            Self::Freedman => "Freedman (Stat Med 1982)",
        }
    }
}

/// One- or two-sided test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sided {
    /// z₁₋α.
    One,
    /// z₁₋α/₂.
    Two,
}

/// Allocation experimental:control in whole patients (2:1 = two
/// experimental patients for each control patient).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Allocation {
    /// Experimental share.
    pub experimental: u32,
    /// Control share.
    pub control: u32,
}

impl Allocation {
    /// Validates both shares ≥ 1.
    ///
    /// # Errors
    /// [`DesignError::Allocation`].
    pub fn new(experimental: u32, control: u32) -> Result<Self, DesignError> {
        if experimental == 0 || control == 0 {
            return Err(DesignError::Allocation {
                experimental,
                control,
            });
        }
        Ok(Self {
            experimental,
            control,
        })
    }
    /// k = n_E/n_C.
    pub fn ratio(self) -> f64 {
        f64::from(self.experimental) / f64::from(self.control)
    }
    /// π_E = k/(1 + k).
    pub fn experimental_fraction(self) -> f64 {
        f64::from(self.experimental) / f64::from(self.experimental + self.control)
    }
}

/// The inputs of the events calculation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SurvivalHypotheses {
    hazard_ratio: f64,
    alpha: f64,
    sided: Sided,
    power: f64,
    allocation: Allocation,
}

impl SurvivalHypotheses {
    /// Validates θ > 0, θ ≠ 1, α ∈ (0, 0.5], power ∈ [0.5, 1).
    ///
    /// # Errors
    /// The first rule broken, naming its parameter.
    pub fn new(
        hazard_ratio: f64,
        alpha: f64,
        sided: Sided,
        power: f64,
        allocation: Allocation,
    ) -> Result<Self, DesignError> {
        if !(hazard_ratio.is_finite() && hazard_ratio > 0.0) || hazard_ratio == 1.0 {
            return Err(DesignError::HazardRatio(hazard_ratio));
        }
        check_alpha(alpha)?;
        check_power(power)?;
        Ok(Self {
            hazard_ratio,
            alpha,
            sided,
            power,
            allocation,
        })
    }
    /// θ = λ_E/λ_C.
    pub const fn hazard_ratio(&self) -> f64 {
        self.hazard_ratio
    }
    /// The allocation.
    pub const fn allocation(&self) -> Allocation {
        self.allocation
    }
}

/// The number of events.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct EventsResult {
    /// The formula used.
    pub formula: EventFormula,
    /// z₁₋α (one-sided) or z₁₋α/₂ (two-sided).
    pub z_alpha: f64,
    /// z₁₋β.
    pub z_beta: f64,
    /// D before rounding.
    pub events_exact: f64,
    /// ⌈D⌉: the events the analysis waits for.
    pub events: u64,
}

/// The number of events for the log-rank test (module docs).
pub fn survival_events(h: &SurvivalHypotheses, formula: EventFormula) -> EventsResult {
    let normal = Normal::standard();
    let tail = match h.sided {
        Sided::One => h.alpha,
        Sided::Two => h.alpha / 2.0,
    };
    let z_alpha = normal.inverse_cdf(1.0 - tail);
    let z_beta = normal.inverse_cdf(h.power);
    let k = h.allocation.ratio();
    let theta = h.hazard_ratio;
    let zz = (z_alpha + z_beta).powi(2);
    let events_exact = match formula {
        EventFormula::Schoenfeld => zz * (1.0 + k).powi(2) / (k * theta.ln().powi(2)),
        EventFormula::Freedman => zz * (1.0 + k * theta).powi(2) / (k * (1.0 - theta).powi(2)),
    };
    EventsResult {
        formula,
        z_alpha,
        z_beta,
        events_exact,
        events: events_exact.ceil() as u64,
    }
}

/// The control arm's exponential survival.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlSurvival {
    /// Median survival m: λ = ln 2 / m.
    Median(SurvTime),
    /// Survival s at time t: λ = −ln s / t.
    Landmark {
        /// The landmark time.
        time: SurvTime,
        /// S_C(time).
        survival: f64,
    },
    /// The hazard λ per unit of time.
    Hazard(f64),
}

impl ControlSurvival {
    /// The control hazard λ_C per unit of time.
    ///
    /// # Errors
    /// [`DesignError::ControlSurvival`] for a median or landmark time of 0,
    /// a landmark survival outside (0, 1), a hazard that is not > 0.
    pub fn hazard(self) -> Result<f64, DesignError> {
        let bad = |name, value, rule| Err(DesignError::ControlSurvival { name, value, rule });
        match self {
            Self::Median(m) if m.value() > 0.0 => Ok(std::f64::consts::LN_2 / m.value()),
            Self::Median(m) => bad(
                "median-control",
                m.value(),
                "the median survival must be > 0",
            ),
            Self::Landmark { time, .. } if time.value() <= 0.0 => bad(
                "landmark-control",
                time.value(),
                "the landmark time must be > 0",
            ),
            Self::Landmark { time, survival } if survival > 0.0 && survival < 1.0 => {
                Ok(-survival.ln() / time.value())
            }
            Self::Landmark { survival, .. } => bad(
                "landmark-control",
                survival,
                "the survival at the landmark must lie strictly between 0 and 1",
            ),
            Self::Hazard(l) if l.is_finite() && l > 0.0 => Ok(l),
            Self::Hazard(l) => bad(
                "hazard-control",
                l,
                "the hazard must be a finite number > 0",
            ),
        }
    }
}

/// How the probability of an event is computed from accrual and follow-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum EventProbability {
    /// 1 − e^{−λf}(1 − e^{−λa})/(λa): the exact integral for exponential
    /// survival under uniform accrual (R `rpact`). Default.
    #[default]
    Exact,
    /// Schoenfeld (1983)'s Simpson rule 1 − [S(f) + 4S(f + a/2) + S(f + a)]/6.
    Simpson,
}

impl EventProbability {
    /// Name and source, for output.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Exact => "exact exponential integral over uniform accrual",
            Self::Simpson => "Simpson's rule of Schoenfeld (Biometrics 1983)",
        }
    }
}

/// Uniform accrual over `accrual`, then `follow_up` more until the analysis.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Accrual {
    accrual: SurvTime,
    follow_up: SurvTime,
}

impl Accrual {
    /// Validates accrual > 0 (follow-up ≥ 0 by [`SurvTime`]).
    ///
    /// # Errors
    /// [`DesignError::Accrual`].
    pub fn new(accrual: SurvTime, follow_up: SurvTime) -> Result<Self, DesignError> {
        if accrual.value() > 0.0 {
            Ok(Self { accrual, follow_up })
        } else {
            Err(DesignError::Accrual(accrual.value()))
        }
    }
    /// The accrual period a.
    pub const fn accrual(&self) -> SurvTime {
        self.accrual
    }
    /// The additional follow-up f.
    pub const fn follow_up(&self) -> SurvTime {
        self.follow_up
    }
}

/// One arm's event probability.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ArmPlan {
    /// Hazard λ per unit of time.
    pub hazard: f64,
    /// Median survival ln 2/λ.
    pub median: f64,
    /// Probability that a patient of this arm has the event by the analysis.
    pub event_probability: f64,
    /// Patients (rounded plan).
    pub patients: u64,
    /// Expected events among them, patients × probability.
    pub expected_events: f64,
}

/// Patients for a survival endpoint.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PatientsResult {
    /// The events calculation.
    pub events: EventsResult,
    /// How P(event) was computed.
    pub event_probability_method: EventProbability,
    /// Accrual and follow-up.
    pub accrual: Accrual,
    /// Control arm.
    pub control: ArmPlan,
    /// Experimental arm.
    pub experimental: ArmPlan,
    /// P = π_C P_C + π_E P_E.
    pub event_probability: f64,
    /// D (unrounded) / P, as R `rpact`'s `maxNumberOfSubjects`.
    pub patients_exact: f64,
    /// ⌈D⌉/P rounded up to a whole number of allocation blocks.
    pub patients: u64,
    /// Patients per unit of time during accrual.
    pub accrual_rate: f64,
    /// Warnings about the result.
    pub warnings: Vec<String>,
}

/// P(event) for one arm with hazard `lambda`.
fn event_probability(method: EventProbability, lambda: f64, acc: &Accrual) -> f64 {
    let (a, f) = (acc.accrual.value(), acc.follow_up.value());
    match method {
        EventProbability::Exact => {
            1.0 - (-lambda * f).exp() * -(-lambda * a).exp_m1() / (lambda * a)
        }
        EventProbability::Simpson => {
            let s = |t: f64| (-lambda * t).exp();
            1.0 - (s(f) + 4.0 * s(f + a / 2.0) + s(f + a)) / 6.0
        }
    }
}

/// Patients needed to observe the events of [`survival_events`] under
/// uniform accrual, follow-up and exponential survival (module docs).
///
/// # Errors
/// [`DesignError::ControlSurvival`] for an impossible control survival.
pub fn survival_patients(
    h: &SurvivalHypotheses,
    formula: EventFormula,
    control: ControlSurvival,
    accrual: Accrual,
    method: EventProbability,
) -> Result<PatientsResult, DesignError> {
    let events = survival_events(h, formula);
    let lambda_c = control.hazard()?;
    let lambda_e = h.hazard_ratio * lambda_c;
    let p_c = event_probability(method, lambda_c, &accrual);
    let p_e = event_probability(method, lambda_e, &accrual);
    let pi_e = h.allocation.experimental_fraction();
    let p = (1.0 - pi_e) * p_c + pi_e * p_e;
    let patients_exact = events.events_exact / p;
    let block = u64::from(h.allocation.experimental + h.allocation.control);
    let blocks = (events.events as f64 / p / block as f64).ceil() as u64;
    let patients = blocks * block;
    let n_c = blocks * u64::from(h.allocation.control);
    let n_e = blocks * u64::from(h.allocation.experimental);
    let arm = |lambda: f64, prob: f64, n: u64| ArmPlan {
        hazard: lambda,
        median: std::f64::consts::LN_2 / lambda,
        event_probability: prob,
        patients: n,
        expected_events: n as f64 * prob,
    };
    let mut warnings = Vec::new();
    if p < 0.2 {
        warnings.push(format!(
            "only {:.0} % of patients are expected to have an event by the analysis: the patient number is very sensitive to the assumed control survival and follow-up",
            p * 100.0
        ));
    }
    Ok(PatientsResult {
        events,
        event_probability_method: method,
        accrual,
        control: arm(lambda_c, p_c, n_c),
        experimental: arm(lambda_e, p_e, n_e),
        event_probability: p,
        patients_exact,
        patients,
        accrual_rate: patients as f64 / accrual.accrual.value(),
        warnings,
    })
}

#[cfg(test)]
mod tests;
