//! Uncertainty of D₁ and A₂: a residual bootstrap (reported 95 % interval)
//! and the delta method from the fit covariance (reported beside it).
//!
//! **Residual bootstrap** (Efron & Tibshirani 1993, ch. 9; Davison & Hinkley
//! 1997, section 6.2.3): with fitted values ŷᵢ and residuals eᵢ of the exponential
//! model, residuals are centred and inflated by √(n/(n−p)); each replicate
//! draws n residuals with replacement, forms y* = ŷ + e*, refits the same
//! model (seeded from the original fit, physical bound enforced as a
//! constraint), and recomputes τ*, D₁*, d₂* and the prescribed A₂* (caps
//! included). The 95 % interval is the 2.5/97.5 percentile interval
//! (linear interpolation between order statistics). For the trapezoid model
//! the residuals come from the best exponential fit (AICc) and τ* is the
//! trapezoid of y*. The pseudo-random generator is SplitMix64 (Steele, Lea &
//! Flood 2014) with a fixed, documented seed, so results are reproducible.
//!
//! **Overshoot probability**: the fraction of replicates in which the planned
//! A₂ would give D₁* + A₂·d₂* > target + margin. It covers the uncertainty of
//! the infusion-1 kinetics only, not a change of kinetics at infusion 2.

use crate::fit::{self, FitOptions, ModelKind};
use crate::plan::{PredictionVariant, SecondActivityRules, cap_second_activity};
use mibg_units::{AbsorbedDose, Activity, DosePerActivity, Hours, Mass, SValue};
use serde::Serialize;

/// Default number of bootstrap replicates: 1000 \[I\] (enough for a stable
/// 2.5 % percentile: 25 replicates beyond each bound).
pub const DEFAULT_REPLICATES: usize = 1000;
/// Default seed of the bootstrap generator: 0x4D49_4247 (ASCII "MIBG").
pub const DEFAULT_SEED: u64 = 0x4D49_4247;

/// Bootstrap settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct UncertaintyOptions {
    /// Number of replicates (≥ 100 for a meaningful 95 % interval).
    pub replicates: usize,
    /// Generator seed.
    pub seed: u64,
}

impl Default for UncertaintyOptions {
    fn default() -> Self {
        Self {
            replicates: DEFAULT_REPLICATES,
            seed: DEFAULT_SEED,
        }
    }
}

/// SplitMix64 (Steele, Lea & Flood, OOPSLA 2014): a small, fast,
/// well-tested 64-bit generator; enough for resampling indices.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator with the given seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    /// The next 64-bit output.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A uniform index in `0..n` (Lemire's multiply-shift; bias < n/2⁶⁴).
    pub fn index(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
}

/// A 95 % interval of an absorbed dose.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DoseInterval {
    /// Lower bound.
    pub low_gy: AbsorbedDose,
    /// Upper bound.
    pub high_gy: AbsorbedDose,
}

/// A 95 % interval of an activity.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ActivityInterval {
    /// Lower bound.
    pub low_mbq: Activity,
    /// Upper bound.
    pub high_mbq: Activity,
}

/// The uncertainty of the plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Uncertainty {
    /// What the intervals are.
    pub method: String,
    /// Replicates requested.
    pub replicates: usize,
    /// Replicates whose refit converged (the others are dropped).
    pub successful: usize,
    /// Generator seed.
    pub seed: u64,
    /// Model whose residuals were resampled.
    pub residual_model: ModelKind,
    /// 95 % percentile interval of τ₁.
    pub tau_h: (Hours, Hours),
    /// 95 % percentile interval of D₁.
    pub dose1: DoseInterval,
    /// 95 % percentile interval of the prescribed A₂ (caps applied).
    pub second_activity: ActivityInterval,
    /// 95 % percentile interval of the predicted total with the planned A₂.
    pub predicted_total: DoseInterval,
    /// Delta-method standard error of D₁ (A₁·S₁·SE(τ)), when a covariance exists.
    pub dose1_se_delta: Option<AbsorbedDose>,
    /// Delta-method standard error of the uncapped A₂ (|∂A₂/∂τ|·SE(τ)).
    pub second_activity_se_delta: Option<Activity>,
    /// target + margin.
    pub overshoot_threshold: AbsorbedDose,
    /// P(D₁ + A₂·d₂ > target + margin) over the replicates.
    pub p_total_exceeds_target_plus_margin: f64,
}

/// Delta-method standard error of the uncapped A₂ = (T − D₁)/d₂ with
/// D₁ = A₁·S₁·τ and d₂ = κ·τ (every prediction variant is proportional to
/// τ): ∂A₂/∂τ = −T/(κτ²), so SE(A₂) = T/(d₂·τ)·SE(τ).
pub fn second_activity_se_delta(
    target: AbsorbedDose,
    d2: DosePerActivity,
    tau: Hours,
    tau_se: Hours,
) -> Activity {
    Activity::from_gbq(target.gy() / (d2.gy_per_gbq() * tau.hours()) * tau_se.hours())
}

/// Everything the bootstrap needs about the plan.
pub(crate) struct PlanContext<'a> {
    pub a1: Activity,
    pub m2: Mass,
    pub s1: SValue,
    pub s2: SValue,
    pub variant: PredictionVariant,
    pub rules: &'a SecondActivityRules,
    pub planned_a2: Activity,
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn interval(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (percentile(&v, 0.025), percentile(&v, 0.975))
}

/// Runs the bootstrap. `base` is the exponential fit whose residuals are
/// resampled; `model` the model refitted (trapezoid → recomputed).
/// `None` when no replicate could be refitted.
#[allow(clippy::too_many_arguments)]
pub(crate) fn bootstrap(
    t: &[f64],
    y: &[f64],
    base_model: ModelKind,
    base_params: &[f64],
    model: ModelKind,
    fit_opts: &FitOptions,
    ctx: &PlanContext<'_>,
    tau_se: Option<Hours>,
    tau_hat: Hours,
    opts: &UncertaintyOptions,
) -> Option<Uncertainty> {
    let n = t.len();
    let np = base_params.len();
    let yhat: Vec<f64> = t
        .iter()
        .map(|&ti| match base_model {
            ModelKind::Mono => base_params[0] * (-base_params[1] * ti).exp(),
            _ => {
                base_params[0] * (-base_params[1] * ti).exp()
                    + (1.0 - base_params[0]) * (-base_params[2] * ti).exp()
            }
        })
        .collect();
    let raw: Vec<f64> = y.iter().zip(&yhat).map(|(a, b)| a - b).collect();
    let mean = raw.iter().sum::<f64>() / n as f64;
    let infl = if n > np {
        (n as f64 / (n - np) as f64).sqrt()
    } else {
        1.0
    };
    let res: Vec<f64> = raw.iter().map(|e| (e - mean) * infl).collect();
    let constrain = FitOptions {
        physical_bound: fit::PhysicalBoundPolicy::Constrain,
        ..*fit_opts
    };
    let mut rng = SplitMix64::new(opts.seed);
    let mut ystar = vec![0.0; n];
    let cap = opts.replicates;
    let (mut taus, mut d1s, mut a2s, mut totals) = (
        Vec::with_capacity(cap),
        Vec::with_capacity(cap),
        Vec::with_capacity(cap),
        Vec::with_capacity(cap),
    );
    let threshold = ctx.rules.target_total + ctx.rules.overshoot_margin;
    let mut exceed = 0usize;
    for _ in 0..opts.replicates {
        for i in 0..n {
            ystar[i] = yhat[i] + res[rng.index(n)];
        }
        let tau = match model {
            ModelKind::Mono => {
                let f = fit::fit_mono(t, &ystar, Some(base_params));
                (f.converged).then(|| fit::tau_of(model, &f.params))
            }
            ModelKind::Bi => {
                let f = fit::fit_bi(t, &ystar, Some(base_params));
                (f.converged).then(|| fit::tau_of(model, &f.params))
            }
            ModelKind::Trapezoid => {
                // Net readings must stay positive for the log-linear tail.
                if ystar.iter().any(|v| *v <= 0.0) {
                    None
                } else {
                    fit::trapezoid_curve(t, &ystar, &constrain)
                        .or_else(|_| {
                            fit::trapezoid_curve(
                                t,
                                &ystar,
                                &FitOptions {
                                    tail: fit::TailMethod::Physical,
                                    ..constrain
                                },
                            )
                        })
                        .ok()
                        .map(|(c, _, _)| c.tau().hours())
                }
            }
        };
        let Some(tau) = tau.filter(|v| v.is_finite() && *v > 0.0) else {
            continue;
        };
        let tau = Hours::new(tau);
        let d1 = (ctx.a1 * tau) * ctx.s1;
        let d2 = ctx.variant.dose_per_activity(tau, ctx.s1, ctx.s2);
        let a2 = cap_second_activity(d1, ctx.a1, ctx.m2, d2, ctx.rules).activity;
        let total = d1 + ctx.planned_a2 * d2;
        if total > threshold {
            exceed += 1;
        }
        taus.push(tau.hours());
        d1s.push(d1.gy());
        a2s.push(a2.mbq());
        totals.push(total.gy());
    }
    let ok = taus.len();
    if ok == 0 {
        return None;
    }
    let (tl, th) = interval(taus);
    let (dl, dh) = interval(d1s);
    let (al, ah) = interval(a2s);
    let (pl, ph) = interval(totals);
    // Delta method: D1 = A1·τ·S1; uncapped A2 = (T − D1)/(κτ) with d2 = κτ.
    let kappa = ctx
        .variant
        .dose_per_activity(Hours::new(1.0), ctx.s1, ctx.s2)
        .gy_per_gbq();
    let dose1_se =
        tau_se.map(|se| AbsorbedDose::from_gy(ctx.a1.gbq() * ctx.s1.gy_per_gbq_h() * se.hours()));
    let a2_se = tau_se.map(|se| {
        second_activity_se_delta(
            ctx.rules.target_total,
            DosePerActivity::from_gy_per_gbq(kappa * tau_hat.hours()),
            tau_hat,
            se,
        )
    });
    Some(Uncertainty {
        method: format!(
            "residual bootstrap, {} replicates, percentile 95 % interval (SplitMix64 seed {:#x}); delta-method SEs from s²(JᵀJ)⁻¹ alongside",
            opts.replicates, opts.seed
        ),
        replicates: opts.replicates,
        successful: ok,
        seed: opts.seed,
        residual_model: base_model,
        tau_h: (Hours::new(tl), Hours::new(th)),
        dose1: DoseInterval {
            low_gy: AbsorbedDose::from_gy(dl),
            high_gy: AbsorbedDose::from_gy(dh),
        },
        second_activity: ActivityInterval {
            low_mbq: Activity::from_mbq(al),
            high_mbq: Activity::from_mbq(ah),
        },
        predicted_total: DoseInterval {
            low_gy: AbsorbedDose::from_gy(pl),
            high_gy: AbsorbedDose::from_gy(ph),
        },
        dose1_se_delta: dose1_se,
        second_activity_se_delta: a2_se,
        overshoot_threshold: threshold,
        p_total_exceeds_target_plus_margin: exceed as f64 / ok as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_reference_output() {
        // Reference: the first outputs of SplitMix64 seeded with 0 (Vigna's
        // splitmix64.c): 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4.
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }

    /// The second-activity rules without caps (target 4 Gy, margin 0.5 Gy).
    fn no_caps() -> SecondActivityRules {
        SecondActivityRules {
            max_activity_per_kg: None,
            max_total_dose: None,
            max_total_activity: None,
            ..SecondActivityRules::default()
        }
    }

    /// A₁ = 8 GBq, S₁ = S₂ = 0.005 Gy/(GBq·h), same τ, planned A₂ in GBq.
    fn context(rules: &SecondActivityRules, planned_gbq: f64) -> PlanContext<'_> {
        PlanContext {
            a1: Activity::from_gbq(8.0),
            m2: Mass::from_kg(20.0),
            s1: SValue::from_gy_per_gbq_h(0.005),
            s2: SValue::from_gy_per_gbq_h(0.005),
            variant: PredictionVariant::SameTau,
            rules,
            planned_a2: Activity::from_gbq(planned_gbq),
        }
    }

    /// The bootstrap of readings exactly on A·e^(−λt) (planned A₂ in GBq).
    fn exact_mono(a: f64, t_eff_h: f64, t: &[f64], planned_gbq: f64) -> Uncertainty {
        let lambda = std::f64::consts::LN_2 / t_eff_h;
        let y: Vec<f64> = t.iter().map(|&ti| a * (-lambda * ti).exp()).collect();
        let rules = no_caps();
        bootstrap(
            t,
            &y,
            ModelKind::Mono,
            &[a, lambda],
            ModelKind::Mono,
            &FitOptions::default(),
            &context(&rules, planned_gbq),
            None,
            Hours::new(a / lambda),
            &UncertaintyOptions {
                replicates: 200,
                seed: DEFAULT_SEED,
            },
        )
        .expect("exact readings refit in every replicate")
    }

    fn exact_mono_bootstrap(a: f64, t_eff_h: f64, t: &[f64]) -> Uncertainty {
        exact_mono(a, t_eff_h, t, 5.0)
    }

    /// P(D₁ + A₂·d₂ > target + margin) on the exact series of T_eff = 24 h,
    /// A = 0.8 (every replicate has τ = 27.699745 h, D₁ = 1.1079898 Gy,
    /// d₂ = τ·S₂ = 0.13849873 Gy/GBq; threshold 4 + 0.5 = 4.5 Gy): planned
    /// A₂ = 5 GBq gives 1.1079898 + 0.6924936 = 1.8004834 Gy, P = 0;
    /// 30 GBq gives 1.1079898 + 4.1549618 = 5.2629516 Gy, P = 1.
    #[test]
    fn overshoot_probability_by_hand() {
        let t = [0.0, 4.0, 24.0, 48.0, 72.0, 96.0];
        let low = exact_mono(0.8, 24.0, &t, 5.0);
        assert_eq!(low.p_total_exceeds_target_plus_margin, 0.0);
        assert!((low.predicted_total.low_gy.gy() - 1.8004834).abs() < 1e-6);
        let high = exact_mono(0.8, 24.0, &t, 30.0);
        assert_eq!(high.p_total_exceeds_target_plus_margin, 1.0);
        assert!((high.predicted_total.high_gy.gy() - 5.2629516).abs() < 1e-6);
        assert!((high.overshoot_threshold.gy() - 4.5).abs() < 1e-12);
    }

    /// The overshoot is "total > target + margin" (strictly; the field doc
    /// of `SecondActivityRules::overshoot_margin` and of
    /// `p_total_exceeds_target_plus_margin`): a total equal to the
    /// threshold is not an overshoot. On the exact series every replicate
    /// has the same total T (1.8004834 Gy by hand, above), so a threshold
    /// of exactly T (target T, margin 0: T + 0 = T) gives P = 0, and one a
    /// single ulp below T gives P = 1. The tie is built from the run's own
    /// T because only the comparison is under test; its expected outcome
    /// comes from the rule, not from the code.
    #[test]
    fn a_total_equal_to_the_threshold_is_not_an_overshoot() {
        let t = [0.0, 4.0, 24.0, 48.0, 72.0, 96.0];
        let base = exact_mono(0.8, 24.0, &t, 5.0);
        let total = base.predicted_total.low_gy.gy();
        assert_eq!(total, base.predicted_total.high_gy.gy());
        assert!((total - 1.8004834).abs() < 1e-6);
        let lambda = std::f64::consts::LN_2 / 24.0;
        let y: Vec<f64> = t.iter().map(|&ti| 0.8 * (-lambda * ti).exp()).collect();
        let run = |target: f64| {
            let rules = SecondActivityRules {
                target_total: AbsorbedDose::from_gy(target),
                overshoot_margin: AbsorbedDose::from_gy(0.0),
                ..no_caps()
            };
            bootstrap(
                &t,
                &y,
                ModelKind::Mono,
                &[0.8, lambda],
                ModelKind::Mono,
                &FitOptions::default(),
                &context(&rules, 5.0),
                None,
                Hours::new(0.8 / lambda),
                &UncertaintyOptions {
                    replicates: 200,
                    seed: DEFAULT_SEED,
                },
            )
            .expect("exact readings refit in every replicate")
        };
        let tie = run(total);
        assert_eq!(tie.overshoot_threshold.gy(), total);
        assert_eq!(tie.predicted_total.high_gy.gy(), total);
        assert_eq!(tie.p_total_exceeds_target_plus_margin, 0.0);
        let below = run(total.next_down());
        assert_eq!(below.p_total_exceeds_target_plus_margin, 1.0);
    }

    fn assert_collapsed(u: &Uncertainty, tau_hand: f64, d1_hand: f64) {
        assert_eq!(u.successful, 200);
        let (lo, hi) = (u.tau_h.0.hours(), u.tau_h.1.hours());
        assert!((lo - tau_hand).abs() < 1e-6, "τ low {lo}, hand {tau_hand}");
        assert!((hi - tau_hand).abs() < 1e-6, "τ high {hi}, hand {tau_hand}");
        let (dl, dh) = (u.dose1.low_gy.gy(), u.dose1.high_gy.gy());
        assert!((dl - d1_hand).abs() < 1e-7, "D1 low {dl}, hand {d1_hand}");
        assert!((dh - d1_hand).abs() < 1e-7, "D1 high {dh}, hand {d1_hand}");
    }

    /// Readings exactly on a mono-exponential A·e^(−λt), A = 0.8: the
    /// residuals of the fitted values ŷ are zero (up to rounding), so every
    /// replicate y* = ŷ + e* is the original series, every refit returns A
    /// and λ, and each 95 % interval collapses onto its point value. A wrong
    /// ŷ leaves non-zero residuals and the interval opens or moves.
    ///
    /// * T_eff = 24 h, readings over 4 days: τ = A/λ = 0.8 × 24/ln2 =
    ///   19.2/0.693147 = 27.699745 h; D₁ = A₁·τ·S₁ = 8 × 27.699745 × 0.005
    ///   = 1.1079898 Gy. Catches ŷ = A + e^(−λt): A ≠ 1 on purpose, since
    ///   with A = 1 that ŷ differs from the data by a constant (−1), which
    ///   centring removes.
    /// * T_eff = 2 h, readings over 4 hours: τ = 0.8 × 2/ln2 = 1.6/0.693147
    ///   = 2.3083121 h; D₁ = 8 × 2.3083121 × 0.005 = 0.0923325 Gy. Catches
    ///   ŷ = A·e^(−λ+t): over days e^t reaches 1e41 and the refit cannot
    ///   leave its seed (the true A, λ), so that case needs hours.
    ///
    /// Tolerance 1e-6 h and 1e-7 Gy (the refit starts at the exact solution;
    /// rounding is ~1e-15 relative).
    #[test]
    fn mono_bootstrap_of_exact_readings_collapses_onto_tau() {
        let days = exact_mono_bootstrap(0.8, 24.0, &[0.0, 4.0, 24.0, 48.0, 72.0, 96.0]);
        assert_collapsed(&days, 27.699745, 1.1079898);
        let hours = exact_mono_bootstrap(0.8, 2.0, &[0.0, 0.5, 1.0, 2.0, 3.0, 4.0]);
        assert_collapsed(&hours, 2.3083121, 0.0923325);
    }

    /// Trapezoid bootstrap whose log-linear tail is slower than physical
    /// decay: readings exactly on e^(−λt) with λ = λ_phys/2 (T_eff = 2 ×
    /// 192.497 = 384.994 h), at t = 0, 24, …, 120 h, base Mono [1, λ]. The
    /// residuals are zero, so every replicate is the original series; the
    /// log-linear tail of its last 3 readings has slope λ < λ_phys and is
    /// refused (docs/reference/dosimetry.md §4.2), and the bootstrap falls
    /// back to the physical-decay tail λ_phys (docs/reference/dosimetry.md
    /// §4.1). The series is synthetic (slower than physical on purpose, the
    /// case the fallback exists for; τ exceeds 277.7 h). By hand, R = e^(−λt) = 1, 0.957710, 0.917209, 0.878421,
    /// 0.841273, 0.805696; trapezoid Σ ½(Rᵢ + Rᵢ₊₁)·24 = 107.93906 h; tail
    /// R(120)/λ_phys = 0.805696 × 192.497/ln2 = 0.805696 × 277.71447 =
    /// 223.75333 h; τ = 331.69239 h; D₁ = 8 GBq × 331.69239 h × 0.005
    /// Gy/(GBq·h) = 13.267696 Gy. Every one of the 200 replicates gives this
    /// τ (tolerance 1e-4 h, 1e-5 Gy: the hand values are rounded to 1e-5).
    #[test]
    fn trapezoid_bootstrap_falls_back_to_the_physical_tail() {
        let lp = crate::physics::lambda_phys().per_h();
        let lambda = lp / 2.0;
        let t = [0.0, 24.0, 48.0, 72.0, 96.0, 120.0];
        let y: Vec<f64> = t.iter().map(|&ti| (-lambda * ti).exp()).collect();
        let rules = no_caps();
        let ctx = context(&rules, 5.0);
        let u = bootstrap(
            &t,
            &y,
            ModelKind::Mono,
            &[1.0, lambda],
            ModelKind::Trapezoid,
            &FitOptions::default(),
            &ctx,
            None,
            Hours::new(331.69239),
            &UncertaintyOptions {
                replicates: 200,
                seed: DEFAULT_SEED,
            },
        )
        .expect("every replicate has the physical tail");
        assert_eq!(u.successful, 200);
        assert_eq!(u.residual_model, ModelKind::Mono);
        for tau in [u.tau_h.0.hours(), u.tau_h.1.hours()] {
            assert!((tau - 331.69239).abs() < 1e-4, "τ {tau}");
        }
        for d1 in [u.dose1.low_gy.gy(), u.dose1.high_gy.gy()] {
            assert!((d1 - 13.267696).abs() < 1e-5, "D1 {d1}");
        }
    }

    /// Two readings for two parameters (n = p): no degree of freedom is left
    /// to inflate by, so the residuals are used as they are (√(n/(n − p))
    /// would be 1/0). Readings exactly on 0.8·e^(−t·ln2/24): the interval
    /// collapses onto τ = 27.699745 h, D₁ = 1.1079898 Gy (by hand, above).
    #[test]
    fn no_inflation_without_degrees_of_freedom() {
        let u = exact_mono_bootstrap(0.8, 24.0, &[0.0, 24.0]);
        assert_collapsed(&u, 27.699745, 1.1079898);
    }

    /// Readings 0.8·e^(−t·ln2/24) + 0.01: every residual of the base fit
    /// [0.8, λ] is 0.01, and centring removes a constant, so every replicate
    /// is ŷ itself and the interval collapses onto the base's τ = A/λ =
    /// 27.699745 h (by hand, above), not onto a curve shifted by 0.01.
    #[test]
    fn residuals_are_centred() {
        let lambda = std::f64::consts::LN_2 / 24.0;
        let t = [0.0, 4.0, 24.0, 48.0, 72.0, 96.0];
        let y: Vec<f64> = t
            .iter()
            .map(|&ti| 0.8 * (-lambda * ti).exp() + 0.01)
            .collect();
        let rules = no_caps();
        let u = bootstrap(
            &t,
            &y,
            ModelKind::Mono,
            &[0.8, lambda],
            ModelKind::Mono,
            &FitOptions::default(),
            &context(&rules, 5.0),
            None,
            Hours::new(27.699745),
            &UncertaintyOptions {
                replicates: 200,
                seed: DEFAULT_SEED,
            },
        )
        .expect("refits");
        assert_collapsed(&u, 27.699745, 1.1079898);
    }

    /// Skewed residuals: ŷ = e^(−λt), λ = ln2/24, t = 0, 4, 24, 48, 72, 96 h,
    /// residuals (+5c, −c, −c, −c, −c, −c) with c = 0.001 (mean 0), Mono
    /// base (p = 2), trapezoid with the physical tail (τ* linear in y*).
    /// A replicate that draws −c six times (probability (5/6)⁶ = 0.33, far
    /// above 2.5 %) has y* = ŷ − c·√(6/4), the smallest τ*, so the lower
    /// bound is exactly τ(ŷ) − c·√1.5·W with W = τ of the constant 1 =
    /// 96 h + T_phys/ln2 = 96 + 277.71447 = 373.71447 h. By hand
    /// R = 1, 0.8908987, 0.5, 0.25, 0.125, 0.0625; trapezoid 3.7817974 +
    /// 13.908987 + 9 + 4.5 + 2.25 = 33.440785 h; tail 0.0625 × 277.71447 =
    /// 17.357154 h; τ(ŷ) = 50.797939 h; lower bound 50.797939 − 0.001 ×
    /// 1.2247449 × 373.71447 = 50.797939 − 0.457705 = 50.340234 h
    /// (tolerance 1e-5 h: hand values rounded to 1e-6).
    #[test]
    fn lower_bound_of_skewed_residuals_by_hand() {
        let lambda = std::f64::consts::LN_2 / 24.0;
        let t = [0.0, 4.0, 24.0, 48.0, 72.0, 96.0];
        let c = 0.001;
        let e = [5.0 * c, -c, -c, -c, -c, -c];
        let y: Vec<f64> = t
            .iter()
            .zip(&e)
            .map(|(&ti, ei)| (-lambda * ti).exp() + ei)
            .collect();
        let rules = no_caps();
        let u = bootstrap(
            &t,
            &y,
            ModelKind::Mono,
            &[1.0, lambda],
            ModelKind::Trapezoid,
            &FitOptions {
                tail: fit::TailMethod::Physical,
                ..FitOptions::default()
            },
            &context(&rules, 5.0),
            None,
            Hours::new(50.797939),
            &UncertaintyOptions {
                replicates: 200,
                seed: DEFAULT_SEED,
            },
        )
        .expect("positive replicates");
        assert_eq!(u.successful, 200);
        let lo = u.tau_h.0.hours();
        assert!((lo - 50.340234).abs() < 1e-5, "τ low {lo}");
        assert!(u.tau_h.1.hours() > 50.797939, "{:?}", u.tau_h);
    }
    /// Delta-method SEs with SE(τ) = 1 h at τ̂ = 27.699745 h (same τ, so
    /// d₂ = τ̂·S₂ = 0.13849873 Gy/GBq): SE(D₁) = A₁·S₁·SE(τ) = 8 × 0.005 ×
    /// 1 = 0.04 Gy; SE(A₂) = T/(d₂·τ̂)·SE(τ) = 4/(0.13849873 × 27.699745)
    /// = 4/3.8363797 = 1.0426496 GBq.
    #[test]
    fn delta_method_standard_errors_by_hand() {
        let lambda = std::f64::consts::LN_2 / 24.0;
        let t = [0.0, 4.0, 24.0, 48.0, 72.0, 96.0];
        let y: Vec<f64> = t.iter().map(|&ti| 0.8 * (-lambda * ti).exp()).collect();
        let rules = no_caps();
        let u = bootstrap(
            &t,
            &y,
            ModelKind::Mono,
            &[0.8, lambda],
            ModelKind::Mono,
            &FitOptions::default(),
            &context(&rules, 5.0),
            Some(Hours::new(1.0)),
            Hours::new(27.699745),
            &UncertaintyOptions {
                replicates: 100,
                seed: DEFAULT_SEED,
            },
        )
        .expect("refits");
        let d1 = u.dose1_se_delta.unwrap().gy();
        assert!((d1 - 0.04).abs() < 1e-12, "{d1}");
        let a2 = u.second_activity_se_delta.unwrap().gbq();
        assert!((a2 - 1.0426496).abs() < 1e-6, "{a2}");
    }

    #[test]
    fn percentile_interpolates() {
        let v: Vec<f64> = (0..=100).map(f64::from).collect();
        assert!((percentile(&v, 0.025) - 2.5).abs() < 1e-12);
        assert!((percentile(&v, 0.975) - 97.5).abs() < 1e-12);
    }
}
