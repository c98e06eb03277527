//! Retention curves: the fraction of the administered activity still in the
//! body at time t after the end of infusion (physical decay included, as in
//! docs/reference/dosimetry.md §3.3: R(t) = (M − B)/(M₀ − B₀)).

use mibg_units::{Hours, RateConstant};
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
}

impl<C: RetentionCurve + ?Sized> RetentionCurve for &C {
    fn retention(&self, t: Hours) -> f64 {
        (**self).retention(t)
    }
}

impl<C: RetentionCurve + ?Sized> RetentionCurve for Box<C> {
    fn retention(&self, t: Hours) -> f64 {
        (**self).retention(t)
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
