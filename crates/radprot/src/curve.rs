//! Retention curves: the fraction of the administered activity still in the
//! body at time t after the end of infusion (physical decay included, as in
//! docs/reference/dosimetry.md §3.3: R(t) = (M − B)/(M₀ − B₀)).

use mibg_units::{Activity, Hours, RateConstant};
use serde::{Deserialize, Serialize};

/// Physical half-life of I-131: 8.0207 d = 192.497 h (ICRP 107, via
/// `icrp107-database` 0.0.3 and `radioactivedecay` 0.6.1; docs/reference/dosimetry.md §2
/// \[V\]\[C\]).
pub const I131_HALF_LIFE: Hours = Hours::new(192.497);

/// A whole-body retention curve.
///
/// Contract: `retention(t)` is the fraction of the administered activity
/// retained at `t` after the end of infusion, physical decay included;
/// 1.0 at t = 0, finite and ≥ 0 for t ≥ 0, and (for the threshold search to
/// be meaningful) non-increasing. Functions of this crate check that values
/// are finite and ≥ 0 and return [`crate::RadProtError::InvalidRetention`]
/// otherwise. Implement it for a fitted model, or wrap a closure with
/// [`retention_fn`].
pub trait RetentionCurve {
    /// Fraction of the administered activity retained at `t` (h after the
    /// end of infusion).
    fn retention(&self, t: Hours) -> f64;

    /// The curve as a sum of exponentials Σ aᵢ·e^(−λᵢ t), as pairs
    /// (aᵢ, λᵢ in 1/h), when it is one: integrals of contact patterns are
    /// then taken in closed form. `None` (the default): numerically.
    fn exponential_terms(&self) -> Option<Vec<(f64, f64)>> {
        None
    }
}

impl<C: RetentionCurve + ?Sized> RetentionCurve for &C {
    fn retention(&self, t: Hours) -> f64 {
        (**self).retention(t)
    }
    fn exponential_terms(&self) -> Option<Vec<(f64, f64)>> {
        (**self).exponential_terms()
    }
}

impl<C: RetentionCurve + ?Sized> RetentionCurve for Box<C> {
    fn retention(&self, t: Hours) -> f64 {
        (**self).retention(t)
    }
    fn exponential_terms(&self) -> Option<Vec<(f64, f64)>> {
        (**self).exponential_terms()
    }
}

/// A closure used as a retention curve (see [`retention_fn`]).
#[derive(Clone, Copy, Debug)]
pub struct FnRetention<F>(pub F);

impl<F: Fn(Hours) -> f64> RetentionCurve for FnRetention<F> {
    fn retention(&self, t: Hours) -> f64 {
        (self.0)(t)
    }
}

/// Wraps a closure `t ↦ R(t)` as a [`RetentionCurve`].
///
/// ```
/// use mibg_radprot::{retention_fn, RetentionCurve};
/// use mibg_units::Hours;
/// let c = retention_fn(|t: Hours| (-0.01 * t.hours()).exp());
/// assert_eq!(c.retention(Hours::new(0.0)), 1.0);
/// ```
pub fn retention_fn<F: Fn(Hours) -> f64>(f: F) -> FnRetention<F> {
    FnRetention(f)
}

/// Pure physical decay, R(t) = 2^(−t/T½): the slowest clearance physically
/// possible after the infusion has ended (docs/reference/dosimetry.md §4.2), hence an upper
/// bound for any real retention curve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhysicalDecay {
    /// The half-life (h).
    pub half_life: Hours,
}

impl PhysicalDecay {
    /// Physical decay of I-131 ([`I131_HALF_LIFE`]).
    pub fn i131() -> Self {
        PhysicalDecay {
            half_life: I131_HALF_LIFE,
        }
    }
}

impl RetentionCurve for PhysicalDecay {
    fn retention(&self, t: Hours) -> f64 {
        (-RateConstant::from_half_life(self.half_life) * t).exp()
    }
    fn exponential_terms(&self) -> Option<Vec<(f64, f64)>> {
        Some(vec![(
            1.0,
            RateConstant::from_half_life(self.half_life).per_h(),
        )])
    }
}

/// One exponential term a·e^(−λt).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpTerm {
    /// Fraction a at t = 0 (pure number in \[0, 1\]).
    pub fraction: f64,
    /// Effective rate constant λ (includes physical decay).
    pub rate: RateConstant,
}

/// A sum of exponentials R(t) = Σ aᵢ·e^(−λᵢ t), Σ aᵢ = 1: the mono- and
/// bi-exponential models of docs/reference/dosimetry.md §4.1. Integrates in closed form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExponentialSum {
    terms: Vec<ExpTerm>,
}

impl ExponentialSum {
    /// A sum of exponential terms.
    ///
    /// # Errors
    /// [`crate::RadProtError::InvalidInput`] when there are no terms, a
    /// fraction is outside \[0, 1\], a rate is not finite and ≥ 0, or the
    /// fractions do not sum to 1 within 1e-6 (R(0) must be 1).
    pub fn new(terms: Vec<ExpTerm>) -> Result<Self, crate::RadProtError> {
        if terms.is_empty() {
            return Err(crate::RadProtError::InvalidInput {
                what: "exponential terms",
                value: 0.0,
                rule: "need at least one term",
            });
        }
        for t in &terms {
            if !(t.fraction.is_finite() && (0.0..=1.0).contains(&t.fraction)) {
                return Err(crate::RadProtError::InvalidInput {
                    what: "term fraction",
                    value: t.fraction,
                    rule: "must be in [0, 1]",
                });
            }
            crate::check_non_negative("term rate constant (1/h)", t.rate.per_h())?;
        }
        let sum: f64 = terms.iter().map(|t| t.fraction).sum();
        if (sum - 1.0).abs() > 1e-6 {
            return Err(crate::RadProtError::InvalidInput {
                what: "sum of term fractions",
                value: sum,
                rule: "must be 1 (R(0) = 1)",
            });
        }
        Ok(ExponentialSum { terms })
    }

    /// Mono-exponential clearance with effective half-life `t_eff`.
    ///
    /// # Errors
    /// As [`ExponentialSum::new`], for a non-positive half-life.
    pub fn mono(t_eff: Hours) -> Result<Self, crate::RadProtError> {
        crate::check_positive("effective half-life (h)", t_eff.hours())?;
        Self::new(vec![ExpTerm {
            fraction: 1.0,
            rate: RateConstant::from_half_life(t_eff),
        }])
    }

    /// The terms.
    pub fn terms(&self) -> &[ExpTerm] {
        &self.terms
    }

    /// ∫ R(t) dt from `from` to `to` (h), closed form Σ aᵢ/λᵢ·(e^(−λᵢ·from) −
    /// e^(−λᵢ·to)); `to = +∞` allowed. For λ = 0 the term is aᵢ·(to − from).
    pub fn integral(&self, from: Hours, to: Hours) -> Hours {
        let mut sum = 0.0;
        for t in &self.terms {
            let l = t.rate.per_h();
            if l == 0.0 {
                sum += t.fraction * (to.hours() - from.hours());
            } else {
                let e_to = if to.hours().is_infinite() {
                    0.0
                } else {
                    (-l * to.hours()).exp()
                };
                sum += t.fraction / l * ((-l * from.hours()).exp() - e_to);
            }
        }
        Hours::new(sum)
    }
}

impl RetentionCurve for ExponentialSum {
    fn retention(&self, t: Hours) -> f64 {
        self.terms
            .iter()
            .map(|x| x.fraction * (-x.rate * t).exp())
            .sum()
    }
    fn exponential_terms(&self) -> Option<Vec<(f64, f64)>> {
        Some(
            self.terms
                .iter()
                .map(|x| (x.fraction, x.rate.per_h()))
                .collect(),
        )
    }
}

/// The body after a later infusion, relative to the later activity, with
/// the activity of an earlier infusion still present (docs/reference/dosimetry.md §6.1:
/// the residual of infusion 1 is already counted in D₁, but it still
/// irradiates carers and delays release):
///
/// ```text
/// R(t) = R_later(t) + (A_earlier / A_later) · R_earlier(Δ + t)
/// ```
///
/// with Δ the time from the earlier to the later infusion and both curves
/// relative to their own administered activity. Planning assumes the same
/// kinetics for both infusions (`R_later = R_earlier`, [`WithResidual::same_kinetics`]).
/// R(0) = 1 + residual / A_later > 1: the patient holds A_later plus the residual.
#[derive(Clone, Debug)]
pub struct WithResidual<C> {
    curve: C,
    earlier_over_later: f64,
    gap: Hours,
}

impl<C: RetentionCurve> WithResidual<C> {
    /// The later infusion with the kinetics `curve`, after an earlier
    /// infusion of `earlier` with the same kinetics given `gap` before.
    ///
    /// # Errors
    /// [`crate::RadProtError::InvalidInput`] for activities that are not
    /// finite and > 0 or a negative gap.
    pub fn same_kinetics(
        curve: C,
        earlier: Activity,
        later: Activity,
        gap: Hours,
    ) -> Result<Self, crate::RadProtError> {
        crate::check_positive("earlier activity (MBq)", earlier.mbq())?;
        crate::check_positive("later activity (MBq)", later.mbq())?;
        crate::check_non_negative("time between the infusions (h)", gap.hours())?;
        Ok(Self {
            earlier_over_later: earlier / later,
            curve,
            gap,
        })
    }

    /// The activity of the earlier infusion still present at the later one:
    /// A_earlier · R(Δ).
    pub fn residual(&self, later: Activity) -> Activity {
        later * (self.earlier_over_later * self.curve.retention(self.gap))
    }
}

impl<C: RetentionCurve> RetentionCurve for WithResidual<C> {
    fn retention(&self, t: Hours) -> f64 {
        self.curve.retention(t)
            + self.earlier_over_later
                * self
                    .curve
                    .retention(Hours::new(self.gap.hours() + t.hours()))
    }
    /// R(t) + (A₁/A₂)·Σ aᵢ e^(−λᵢ(gap + t)): the same rates, amplitudes
    /// × (1 + (A₁/A₂)·e^(−λᵢ·gap)).
    fn exponential_terms(&self) -> Option<Vec<(f64, f64)>> {
        self.curve.exponential_terms().map(|terms| {
            terms
                .into_iter()
                .map(|(a, l)| {
                    (
                        a * (1.0 + self.earlier_over_later * (-l * self.gap.hours()).exp()),
                        l,
                    )
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residual_of_an_earlier_infusion() {
        // Mono T_eff = 24 h; 8880 MBq, then 4440 MBq 336 h = 14 T_eff later:
        // residual 8880 · 2^−14 = 0.541 992 MBq; R(0) = 1 + 2 · 2^−14
        // = 1.000 122 07; R(24) = 0.5 + 2 · 2^−15 = 0.500 061 04 (hand).
        let c = ExponentialSum::mono(Hours::new(24.0)).unwrap();
        let w = WithResidual::same_kinetics(
            &c,
            Activity::from_mbq(8880.0),
            Activity::from_mbq(4440.0),
            Hours::new(336.0),
        )
        .unwrap();
        assert!((w.residual(Activity::from_mbq(4440.0)).mbq() - 0.541_992).abs() < 1e-6);
        assert!((w.retention(Hours::ZERO) - 1.000_122_07).abs() < 1e-8);
        assert!((w.retention(Hours::new(24.0)) - 0.500_061_04).abs() < 1e-8);
        assert!(
            WithResidual::same_kinetics(&c, Activity::ZERO, Activity::from_mbq(1.0), Hours::ZERO)
                .is_err()
        );
        assert!(
            WithResidual::same_kinetics(&c, Activity::from_mbq(1.0), Activity::ZERO, Hours::ZERO)
                .is_err()
        );
        assert!(
            WithResidual::same_kinetics(
                &c,
                Activity::from_mbq(1.0),
                Activity::from_mbq(1.0),
                Hours::new(-1.0)
            )
            .is_err()
        );
    }

    #[test]
    fn exponential_terms_of_every_curve() {
        let t6 = RateConstant::from_half_life(Hours::new(6.0)).per_h();
        let c = ExponentialSum::new(vec![
            ExpTerm {
                fraction: 0.25,
                rate: RateConstant::per_hour(t6),
            },
            ExpTerm {
                fraction: 0.75,
                rate: RateConstant::per_hour(0.01),
            },
        ])
        .unwrap();
        let want = vec![(0.25, t6), (0.75, 0.01)];
        assert_eq!(c.exponential_terms(), Some(want.clone()));
        // Through a reference and a box.
        let r: &ExponentialSum = &c;
        assert_eq!(RetentionCurve::exponential_terms(&r), Some(want.clone()));
        let b: Box<dyn RetentionCurve> = Box::new(c.clone());
        assert_eq!(b.exponential_terms(), Some(want));
        let l = std::f64::consts::LN_2 / 192.497;
        assert_eq!(
            PhysicalDecay::i131().exponential_terms(),
            Some(vec![(1.0, l)])
        );
        assert_eq!(retention_fn(|_| 1.0).exponential_terms(), None);
        let nb: Box<dyn RetentionCurve> = Box::new(retention_fn(|_| 1.0));
        assert_eq!(nb.exponential_terms(), None);
        // With the residual: amplitudes × (1 + (A1/A2)·e^(−λ·gap)), hand:
        // A1/A2 = 2, gap 24 h: 0.75 × (1 + 2·e^(−0.24)).
        let w = WithResidual::same_kinetics(
            &c,
            Activity::from_mbq(2.0),
            Activity::from_mbq(1.0),
            Hours::new(24.0),
        )
        .unwrap();
        let terms = w.exponential_terms().unwrap();
        assert!((terms[1].0 - 0.75 * (1.0 + 2.0 * (-0.24f64).exp())).abs() < 1e-15);
        assert!((terms[0].0 - 0.25 * (1.0 + 2.0 * 0.0625)).abs() < 1e-12);
        assert_eq!(terms[1].1, 0.01);
        // And the terms reproduce the curve.
        for t in [0.0, 5.0, 50.0] {
            let s: f64 = terms.iter().map(|(a, l)| a * (-l * t).exp()).sum();
            assert!((s - w.retention(Hours::new(t))).abs() < 1e-12);
        }
        let nw = WithResidual::same_kinetics(
            retention_fn(|_| 1.0),
            Activity::from_mbq(2.0),
            Activity::from_mbq(1.0),
            Hours::new(24.0),
        )
        .unwrap();
        assert_eq!(nw.exponential_terms(), None);
    }

    #[test]
    fn physical_decay_halves_each_half_life() {
        let c = PhysicalDecay::i131();
        assert_eq!(c.retention(Hours::new(0.0)), 1.0);
        assert!((c.retention(Hours::new(192.497)) - 0.5).abs() < 1e-12);
        assert!((c.retention(Hours::new(3.0 * 192.497)) - 0.125).abs() < 1e-12);
    }

    #[test]
    fn bi_exponential_tau_matches_domain_notes() {
        // docs/reference/dosimetry.md §10.3: τ = 0.5·6/ln2 + 0.5·36/ln2 = 30.2966 h.
        let c = ExponentialSum::new(vec![
            ExpTerm {
                fraction: 0.5,
                rate: RateConstant::from_half_life(Hours::new(6.0)),
            },
            ExpTerm {
                fraction: 0.5,
                rate: RateConstant::from_half_life(Hours::new(36.0)),
            },
        ])
        .unwrap();
        let tau = c.integral(Hours::new(0.0), Hours::new(f64::INFINITY));
        assert!((tau.hours() - 30.2966).abs() < 1e-4);
        assert!((c.retention(Hours::new(4.0)) - 0.777_925).abs() < 1e-5);
    }

    #[test]
    fn bad_terms_are_errors() {
        let t = |f| ExpTerm {
            fraction: f,
            rate: RateConstant::per_hour(0.1),
        };
        assert!(ExponentialSum::new(vec![]).is_err());
        assert!(ExponentialSum::new(vec![t(0.5)]).is_err());
        assert!(ExponentialSum::new(vec![t(1.5), t(-0.5)]).is_err());
        assert!(ExponentialSum::mono(Hours::new(0.0)).is_err());
    }

    #[test]
    fn closure_and_reference_curves() {
        let c = retention_fn(|t: Hours| 1.0 / (1.0 + t.hours()));
        assert_eq!(c.retention(Hours::new(1.0)), 0.5);
        let r: &dyn RetentionCurve = &c;
        assert_eq!((&r).retention(Hours::new(3.0)), 0.25);
        let b: Box<dyn RetentionCurve> = Box::new(PhysicalDecay::i131());
        assert_eq!(b.retention(Hours::new(0.0)), 1.0);
        // Through the box after one half-life: 2^−1 = 0.5 (hand).
        assert!((b.retention(I131_HALF_LIFE) - 0.5).abs() < 1e-12);
        let bc: Box<dyn RetentionCurve> = Box::new(c);
        assert_eq!(bc.retention(Hours::new(3.0)), 0.25);
    }

    #[test]
    fn terms_are_the_terms_given() {
        let given = vec![
            ExpTerm {
                fraction: 0.4,
                rate: RateConstant::per_hour(0.1),
            },
            ExpTerm {
                fraction: 0.6,
                rate: RateConstant::per_hour(0.0),
            },
        ];
        let c = ExponentialSum::new(given.clone()).unwrap();
        assert_eq!(c.terms(), &given[..]);
    }

    #[test]
    fn integral_of_a_term_that_never_clears() {
        // R(t) = 0.6 + 0.4·e^(−0.1 t): a term with λ = 0 integrates to
        // a·(to − from). ∫_2^5 R dt by hand:
        //   0.6 · (5 − 2)                     = 1.8
        //   0.4/0.1 · (e^(−0.2) − e^(−0.5))   = 4 · (0.818 730 753 − 0.606 530 660)
        //                                     = 0.848 800 373
        //   total                             = 2.648 800 373
        let c = ExponentialSum::new(vec![
            ExpTerm {
                fraction: 0.4,
                rate: RateConstant::per_hour(0.1),
            },
            ExpTerm {
                fraction: 0.6,
                rate: RateConstant::per_hour(0.0),
            },
        ])
        .unwrap();
        let v = c.integral(Hours::new(2.0), Hours::new(5.0)).hours();
        assert!((v - 2.648_800_373).abs() < 1e-8, "{v}");
        // The constant term alone (the other first in order): 0.6 · 3 + 0 = 1.8
        // plus 0.4 · 3 for a second constant term: R = 1 ⇒ ∫_2^5 = 3.
        let flat = ExponentialSum::new(vec![
            ExpTerm {
                fraction: 0.6,
                rate: RateConstant::per_hour(0.0),
            },
            ExpTerm {
                fraction: 0.4,
                rate: RateConstant::per_hour(0.0),
            },
        ])
        .unwrap();
        assert!((flat.integral(Hours::new(2.0), Hours::new(5.0)).hours() - 3.0).abs() < 1e-12);
    }
}
