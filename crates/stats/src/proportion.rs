//! Confidence intervals for a proportion x/n (docs/reference/statistics.md §1).
//!
//! Six interval methods plus Wald with continuity correction, each selectable
//! because published papers mix them (docs/reference/statistics.md §10: the seed study uses
//! Clopper–Pearson for its response rate and Wald for two subgroup rates).
//! The default is [`Method::ClopperPearson`] (docs/reference/statistics.md §1, \[I\]).
//!
//! Notation: p = x/n, α = 1 − level, z = Φ⁻¹(1 − α/2).

use crate::beta;
use crate::conf::ConfLevel;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A confidence-interval method for a binomial proportion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Method {
    /// Clopper–Pearson "exact" interval (Clopper & Pearson, Biometrika 1934):
    /// [Beta⁻¹(α/2; x, n−x+1), Beta⁻¹(1−α/2; x+1, n−x)], lower = 0 at x = 0,
    /// upper = 1 at x = n. Reference: R `binom.test`. Default.
    #[default]
    ClopperPearson,
    /// Wilson score interval (Wilson, JASA 1927):
    /// (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n).
    /// Reference: R `prop.test(correct = FALSE)`.
    Wilson,
    /// Wilson score interval with continuity correction (Newcombe, Stat Med
    /// 1998, method 4): the Wilson formula evaluated at p ∓ 1/(2n) for the
    /// lower/upper limit, lower = 0 when p − 1/(2n) ≤ 0, upper = 1 when
    /// p + 1/(2n) ≥ 1. Reference: R `prop.test()` default, except that R drops
    /// the correction when x = n/2 exactly (its correction is
    /// min(0.5, |x − n/2|)); this implementation always applies it, as
    /// Newcombe does.
    WilsonCc,
    /// Wald (normal approximation): p ± z·√(p(1−p)/n), clipped to [0, 1].
    /// Reference: statsmodels `proportion_confint(method="normal")`. Offered to
    /// reproduce older reports (docs/reference/statistics.md §1, §10).
    Wald,
    /// Wald with continuity correction: p ± (z·√(p(1−p)/n) + 1/(2n)), clipped
    /// to [0, 1] (docs/reference/statistics.md §1, "also used when matching publications").
    WaldCc,
    /// Agresti–Coull (Agresti & Coull, Am Stat 1998): ñ = n + z²,
    /// p̃ = (x + z²/2)/ñ, p̃ ± z·√(p̃(1−p̃)/ñ), clipped to [0, 1].
    /// Reference: statsmodels `"agresti_coull"`.
    AgrestiCoull,
    /// Jeffreys (Brown, Cai & DasGupta, Stat Sci 2001):
    /// [Beta⁻¹(α/2; x+½, n−x+½), Beta⁻¹(1−α/2; x+½, n−x+½)], lower = 0 at
    /// x = 0, upper = 1 at x = n. Reference: statsmodels `"jeffreys"`.
    Jeffreys,
}

impl Method {
    /// Every method, in the order they are printed.
    pub const ALL: [Method; 7] = [
        Method::ClopperPearson,
        Method::Wilson,
        Method::WilsonCc,
        Method::Wald,
        Method::WaldCc,
        Method::AgrestiCoull,
        Method::Jeffreys,
    ];

    /// The command-line / JSON name (`clopper-pearson`, `wilson-cc`, …).
    pub fn name(self) -> &'static str {
        match self {
            Method::ClopperPearson => "clopper-pearson",
            Method::Wilson => "wilson",
            Method::WilsonCc => "wilson-cc",
            Method::Wald => "wald",
            Method::WaldCc => "wald-cc",
            Method::AgrestiCoull => "agresti-coull",
            Method::Jeffreys => "jeffreys",
        }
    }

    /// A human label ("Clopper–Pearson (exact)").
    pub fn label(self) -> &'static str {
        match self {
            Method::ClopperPearson => "Clopper–Pearson (exact)",
            Method::Wilson => "Wilson (score)",
            Method::WilsonCc => "Wilson, continuity-corrected",
            Method::Wald => "Wald (normal approximation)",
            Method::WaldCc => "Wald, continuity-corrected",
            Method::AgrestiCoull => "Agresti–Coull",
            Method::Jeffreys => "Jeffreys",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown method name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "unknown proportion CI method '{0}': expected one of clopper-pearson, wilson, wilson-cc, wald, wald-cc, agresti-coull, jeffreys"
)]
pub struct UnknownMethod(pub String);

impl FromStr for Method {
    type Err = UnknownMethod;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase().replace('_', "-");
        Method::ALL
            .into_iter()
            .find(|m| m.name() == lower)
            .or(match lower.as_str() {
                "exact" | "cp" | "beta" => Some(Method::ClopperPearson),
                "normal" => Some(Method::Wald),
                _ => None,
            })
            .ok_or_else(|| UnknownMethod(s.to_string()))
    }
}

/// Invalid counts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ProportionError {
    /// n = 0: no denominator.
    #[error("proportion {x}/{n}: the denominator must be at least 1")]
    EmptyDenominator {
        /// Successes.
        x: u64,
        /// Trials.
        n: u64,
    },
    /// x > n.
    #[error("proportion {x}/{n}: the numerator cannot exceed the denominator")]
    NumeratorTooLarge {
        /// Successes.
        x: u64,
        /// Trials.
        n: u64,
    },
}

/// A proportion with its confidence interval, recording how it was computed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ProportionCi {
    /// Numerator (patients with the outcome).
    pub x: u64,
    /// Denominator (patients evaluable).
    pub n: u64,
    /// Point estimate x/n (a fraction in [0, 1]).
    pub estimate: f64,
    /// Lower confidence limit (fraction).
    pub lower: f64,
    /// Upper confidence limit (fraction).
    pub upper: f64,
    /// The interval method used.
    pub method: Method,
    /// The confidence level used.
    pub conf_level: ConfLevel,
}

/// The confidence interval for `x`/`n` with `method` at `level`.
///
/// Formulas: see the variants of [`Method`]. Every interval is clipped to
/// [0, 1]; the beta-quantile methods (Clopper–Pearson, Jeffreys) use the
/// bounded quantile of `beta.rs` (at most 100 Newton steps of at most 2000
/// quadrature panels), accurate to 1e-12 relative against mpmath for n up
/// to 10¹² (`tests/data/stats/proportion-mpmath`).
///
/// # Errors
/// [`ProportionError`] if n = 0 or x > n (checked before any quantile is
/// computed: the inverse beta CDF panics outside its domain).
///
/// # Examples
/// The seed study's response rate, 12 of 25 evaluable patients, 48 % (28–69)
/// (docs/reference/statistics.md §10):
/// ```
/// use mibg_stats::{conf::ConfLevel, proportion::{confint, Method}};
/// let ci = confint(12, 25, Method::ClopperPearson, ConfLevel::NINETY_FIVE).unwrap();
/// assert_eq!((ci.lower * 100.0).round(), 28.0);
/// assert_eq!((ci.upper * 100.0).round(), 69.0);
/// ```
pub fn confint(
    x: u64,
    n: u64,
    method: Method,
    level: ConfLevel,
) -> Result<ProportionCi, ProportionError> {
    if n == 0 {
        return Err(ProportionError::EmptyDenominator { x, n });
    }
    if x > n {
        return Err(ProportionError::NumeratorTooLarge { x, n });
    }
    let xf = x as f64;
    let nf = n as f64;
    let p = xf / nf;
    let alpha = level.alpha();
    let z = level.z();
    let (lower, upper) = match method {
        Method::ClopperPearson => {
            // upper = Beta⁻¹(1 − α/2; x+1, n−x) = 1 − Beta⁻¹(α/2; n−x, x+1):
            // the complement is returned to full precision (beta.rs).
            let lower = if x == 0 {
                0.0
            } else {
                beta::quantile(alpha / 2.0, xf, nf - xf + 1.0).0
            };
            let upper = if x == n {
                1.0
            } else {
                beta::quantile(alpha / 2.0, nf - xf, xf + 1.0).1
            };
            (lower, upper)
        }
        Method::Jeffreys => {
            let lower = if x == 0 {
                0.0
            } else {
                beta::quantile(alpha / 2.0, xf + 0.5, nf - xf + 0.5).0
            };
            let upper = if x == n {
                1.0
            } else {
                beta::quantile(alpha / 2.0, nf - xf + 0.5, xf + 0.5).1
            };
            (lower, upper)
        }
        Method::Wilson => {
            // Exactly 0 at x = 0 and 1 at x = n (the formula, free of rounding).
            let (lo, hi) = wilson(p, nf, z);
            (if x == 0 { 0.0 } else { lo }, if x == n { 1.0 } else { hi })
        }
        Method::WilsonCc => {
            let c = 0.5 / nf;
            let lower = if p - c <= 0.0 {
                0.0
            } else {
                wilson(p - c, nf, z).0
            };
            let upper = if p + c >= 1.0 {
                1.0
            } else {
                wilson(p + c, nf, z).1
            };
            (lower, upper)
        }
        Method::Wald => {
            let h = z * (p * (1.0 - p) / nf).sqrt();
            (p - h, p + h)
        }
        Method::WaldCc => {
            let h = z * (p * (1.0 - p) / nf).sqrt() + 0.5 / nf;
            (p - h, p + h)
        }
        Method::AgrestiCoull => {
            let n_t = nf + z * z;
            let p_t = (xf + z * z / 2.0) / n_t;
            let h = z * (p_t * (1.0 - p_t) / n_t).sqrt();
            (p_t - h, p_t + h)
        }
    };
    // The two limits are solved separately; as the level approaches 0 the
    // interval shrinks to a point and their rounding may cross by an ulp
    // (a fuzz finding: Jeffreys at a level of 1e-320 gave lower > upper).
    // A crossed pair is that point: both limits become their midpoint.
    let (lower, upper) = if lower > upper {
        let m = 0.5 * (lower + upper);
        (m, m)
    } else {
        (lower, upper)
    };
    Ok(ProportionCi {
        x,
        n,
        estimate: p,
        lower: lower.clamp(0.0, 1.0),
        upper: upper.clamp(0.0, 1.0),
        method,
        conf_level: level,
    })
}

/// Why an interval cannot be trusted as printed (see [`doubt`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Doubt {
    /// Wald or Wald-cc at x = 0 or x = n: the estimated standard error
    /// √(p(1 − p)/n) is 0, so the Wald interval collapses onto the estimate
    /// ("100 % (100–100)") and Wald-cc keeps only its ½n correction — an
    /// interval that claims a certainty the data do not give.
    ZeroStandardError,
    /// The normal-approximation interval (Wald, Wald-cc, Agresti–Coull)
    /// spilled outside [0, 1] and was clipped: the approximation fails this
    /// close to 0 % or 100 % for this n.
    Clipped,
}

/// A warning about a degenerate interval, naming the defensible method and
/// its interval.
///
/// Rule: the Wald interval has poor coverage near 0 and 1 and none at
/// x ∈ {0, n} (Brown, Cai & DasGupta, Stat Sci 2001;16:101–133, docs/reference/statistics.md §2;
/// Newcombe, Stat Med 1998;17:857–872, method 1: "degenerate" at x = 0 or
/// n); Clopper–Pearson is exact (coverage ≥ the nominal level for every p,
/// Clopper & Pearson, Biometrika 1934;26:404–413), the default of
/// `docs/reference/statistics.md` §1, and is the method offered instead. (The journal
/// references are recalled \[R\]; the numbers are checked in the tests.) Clopper–Pearson,
/// Wilson, Wilson-cc and Jeffreys are never flagged (their limits stay in
/// [0, 1] by construction and are not degenerate at x ∈ {0, n}).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DegenerateInterval {
    /// What is wrong.
    pub doubt: Doubt,
    /// The defensible alternative (Clopper–Pearson at the same level).
    pub alternative: ProportionCi,
    /// The warning in words.
    pub message: String,
}

/// Whether `ci` is degenerate (see [`DegenerateInterval`]); `None` when it
/// can be reported as it is.
pub fn doubt(ci: &ProportionCi) -> Option<DegenerateInterval> {
    let normal = matches!(
        ci.method,
        Method::Wald | Method::WaldCc | Method::AgrestiCoull
    );
    if !normal {
        return None;
    }
    let at_bound = ci.x == 0 || ci.x == ci.n;
    let doubt = if at_bound && matches!(ci.method, Method::Wald | Method::WaldCc) {
        Doubt::ZeroStandardError
    } else if (ci.lower == 0.0 && ci.x > 0) || (ci.upper == 1.0 && ci.x < ci.n) || at_bound {
        Doubt::Clipped
    } else {
        return None;
    };
    let alternative = confint(ci.x, ci.n, Method::ClopperPearson, ci.conf_level).ok()?;
    let pc = |v: f64| format!("{:.1}", v * 100.0);
    let what = match doubt {
        Doubt::ZeroStandardError => format!(
            "the {} interval of {}/{} is degenerate ({}–{} %): its standard error √(p(1−p)/n) is 0 at {} of {}",
            ci.method.label(),
            ci.x,
            ci.n,
            pc(ci.lower),
            pc(ci.upper),
            ci.x,
            ci.n
        ),
        Doubt::Clipped => format!(
            "the {} interval of {}/{} reached beyond [0, 100 %] and was clipped ({}–{} %): the normal approximation fails this close to the bound",
            ci.method.label(),
            ci.x,
            ci.n,
            pc(ci.lower),
            pc(ci.upper)
        ),
    };
    let message = format!(
        "{what}; a defensible interval is Clopper–Pearson (exact): {}–{} % (or Wilson)",
        pc(alternative.lower),
        pc(alternative.upper)
    );
    Some(DegenerateInterval {
        doubt,
        alternative,
        message,
    })
}

/// Wilson score limits at proportion `p` (R `prop.test` form):
/// (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n).
fn wilson(p: f64, n: f64, z: f64) -> (f64, f64) {
    let z2n = z * z / n;
    let centre = p + z2n / 2.0;
    let half = z * (p * (1.0 - p) / n + z2n / (4.0 * n)).sqrt();
    let denom = 1.0 + z2n;
    ((centre - half) / denom, (centre + half) / denom)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ci(x: u64, n: u64, m: Method) -> ProportionCi {
        confint(x, n, m, ConfLevel::NINETY_FIVE).unwrap()
    }

    /// 10/10 with Wald: "100 % (100–100)" is flagged and the Clopper–Pearson
    /// interval offered: [(α/2)^(1/n), 1] = [0.025^(1/10), 1] = 69.15–100 %
    /// (closed form at x = n; R `binom.test(10, 10)`: 0.6915029–1).
    #[test]
    fn degenerate_wald_is_flagged_with_the_exact_interval() {
        let w = ci(10, 10, Method::Wald);
        assert_eq!((w.lower, w.upper), (1.0, 1.0));
        let d = doubt(&w).unwrap();
        assert_eq!(d.doubt, Doubt::ZeroStandardError);
        let exact = 0.025f64.powf(0.1);
        assert!(
            (d.alternative.lower - exact).abs() < 1e-12,
            "{}",
            d.alternative.lower
        );
        assert_eq!(d.alternative.upper, 1.0);
        assert_eq!(d.alternative.method, Method::ClopperPearson);
        assert_eq!(
            d.message,
            "the Wald (normal approximation) interval of 10/10 is degenerate (100.0–100.0 %): its standard error √(p(1−p)/n) is 0 at 10 of 10; a defensible interval is Clopper–Pearson (exact): 69.2–100.0 % (or Wilson)"
        );
        // 0/10: [0, 0], the exact upper limit 1 − 0.025^(1/10) = 30.85 %.
        let d0 = doubt(&ci(0, 10, Method::Wald)).unwrap();
        assert_eq!(d0.doubt, Doubt::ZeroStandardError);
        assert!((d0.alternative.upper - (1.0 - exact)).abs() < 1e-12);
        // Wald-cc at x = n keeps only its ½n: flagged too.
        assert_eq!(
            doubt(&ci(10, 10, Method::WaldCc)).unwrap().doubt,
            Doubt::ZeroStandardError
        );
    }

    #[test]
    fn clipped_normal_intervals_are_flagged_others_not() {
        // 1/10 Wald: 0.1 − 1.96·√(0.009) = −0.086 → clipped at 0.
        let d = doubt(&ci(1, 10, Method::Wald)).unwrap();
        assert_eq!(d.doubt, Doubt::Clipped);
        assert!(d.message.contains("clipped (0.0–28.6 %)"), "{}", d.message);
        // 9/10 Wald: upper 1.086 → clipped at 1.
        assert_eq!(
            doubt(&ci(9, 10, Method::Wald)).unwrap().doubt,
            Doubt::Clipped
        );
        // Agresti–Coull at x = n is clipped at 1 (p̃ + h > 1).
        assert_eq!(
            doubt(&ci(10, 10, Method::AgrestiCoull)).unwrap().doubt,
            Doubt::Clipped
        );
        // Interior Wald (the seed study's 12/23) is fine.
        assert!(doubt(&ci(12, 23, Method::Wald)).is_none());
        assert!(doubt(&ci(5, 10, Method::AgrestiCoull)).is_none());
        // Exact and score methods are never flagged, even at the bounds.
        for m in [
            Method::ClopperPearson,
            Method::Wilson,
            Method::WilsonCc,
            Method::Jeffreys,
        ] {
            for x in [0, 1, 9, 10] {
                assert!(doubt(&ci(x, 10, m)).is_none(), "{m:?} {x}");
            }
        }
    }

    fn pct(v: f64) -> f64 {
        (v * 100.0 + 0.5).floor() // half-up to whole percent (docs/reference/statistics.md §0)
    }

    /// The seed study's published figures (De Ioris et al., ESMO Open 2025,
    /// reconstruction in docs/reference/statistics.md §10).
    #[test]
    fn seed_study_published_figures() {
        let orr = ci(12, 25, Method::ClopperPearson);
        assert_eq!(
            (pct(orr.estimate), pct(orr.lower), pct(orr.upper)),
            (48.0, 28.0, 69.0)
        );
        let siopen = ci(12, 23, Method::Wald);
        assert_eq!(
            (pct(siopen.estimate), pct(siopen.lower), pct(siopen.upper)),
            (52.0, 32.0, 73.0)
        );
        let soft = ci(10, 15, Method::Wald);
        assert_eq!(
            (pct(soft.estimate), pct(soft.lower), pct(soft.upper)),
            (67.0, 43.0, 91.0)
        );
        // and the methods that do NOT reproduce them (docs/reference/statistics.md §10.1)
        assert_ne!(pct(ci(12, 23, Method::ClopperPearson).lower), 32.0);
        assert_ne!(pct(ci(10, 15, Method::ClopperPearson).lower), 43.0);
    }

    /// docs/reference/statistics.md §10.1 table (limits in %, two decimals) for 12/25.
    #[test]
    fn all_methods_for_12_of_25_match_table() {
        let expect = [
            (Method::ClopperPearson, 27.80, 68.69),
            (Method::Wilson, 30.03, 66.50),
            (Method::WilsonCc, 28.34, 68.25),
            (Method::Wald, 28.42, 67.58),
            (Method::WaldCc, 26.42, 69.58),
            (Method::AgrestiCoull, 30.03, 66.50),
            (Method::Jeffreys, 29.54, 66.90),
        ];
        for (m, lo, hi) in expect {
            let c = ci(12, 25, m);
            assert!((c.lower * 100.0 - lo).abs() < 0.005 + 1e-9, "{m} {c:?}");
            assert!((c.upper * 100.0 - hi).abs() < 0.005 + 1e-9, "{m} {c:?}");
        }
    }

    /// Clopper–Pearson test vectors of docs/reference/statistics.md §1 (4 decimals).
    #[test]
    fn clopper_pearson_vectors() {
        for (x, n, lo, hi) in [
            (0, 26, 0.0, 0.1323),
            (9, 26, 0.1721, 0.5567),
            (13, 26, 0.2993, 0.7007),
            (26, 26, 0.8677, 1.0),
            (6, 14, 0.1766, 0.7114),
        ] {
            let c = ci(x, n, Method::ClopperPearson);
            assert!((c.lower - lo).abs() < 5e-5, "{x}/{n} {c:?}");
            assert!((c.upper - hi).abs() < 5e-5, "{x}/{n} {c:?}");
        }
    }

    /// Hand calculation: 0/10 Clopper–Pearson upper = 1 − (α/2)^(1/n)
    /// = 1 − 0.025^(1/10) = 0.30849710781876083 (closed form for x = 0).
    #[test]
    fn clopper_pearson_zero_closed_form() {
        let c = ci(0, 10, Method::ClopperPearson);
        assert_eq!(c.lower, 0.0);
        let exact = 1.0 - 0.025f64.powf(0.1);
        assert!((c.upper - exact).abs() < 1e-14 * exact, "{}", c.upper);
        let full = ci(10, 10, Method::ClopperPearson);
        assert_eq!(full.upper, 1.0);
        assert!((full.lower - 0.025f64.powf(0.1)).abs() < 1e-14);
    }

    #[test]
    fn edge_cases_stay_in_unit_interval() {
        for m in Method::ALL {
            for (x, n) in [(0, 1), (1, 1), (0, 5), (5, 5), (1, 1000)] {
                let c = ci(x, n, m);
                assert!((0.0..=c.estimate).contains(&c.lower), "{m} {x}/{n} {c:?}");
                assert!((c.estimate..=1.0).contains(&c.upper), "{m} {x}/{n} {c:?}");
            }
        }
        assert_eq!(ci(0, 5, Method::Wald).upper, 0.0); // Wald degenerates at x = 0
        assert_eq!(ci(0, 5, Method::Jeffreys).lower, 0.0);
        assert_eq!(ci(5, 5, Method::Jeffreys).upper, 1.0);
    }

    #[test]
    fn invalid_counts_are_errors_not_panics() {
        assert!(matches!(
            confint(1, 0, Method::ClopperPearson, ConfLevel::NINETY_FIVE),
            Err(ProportionError::EmptyDenominator { .. })
        ));
        assert!(matches!(
            confint(6, 5, Method::Jeffreys, ConfLevel::NINETY_FIVE),
            Err(ProportionError::NumeratorTooLarge { .. })
        ));
    }

    #[test]
    fn parses_method_names() {
        for m in Method::ALL {
            assert_eq!(m.name().parse::<Method>().unwrap(), m);
        }
        assert_eq!("exact".parse::<Method>().unwrap(), Method::ClopperPearson);
        assert!("bayes".parse::<Method>().is_err());
    }

    mod props {
        use super::*;
        use proptest::prelude::*;
        use statrs::distribution::{Beta, ContinuousCDF};
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            /// CP interval contains every other exact-type interval's estimate
            /// and is ordered; the beta CDF at the limits equals α/2.
            #[test]
            fn cp_limits_hit_tail_probability(n in 1u64..400, frac in 0.0f64..1.0) {
                let x = ((n as f64) * frac).floor() as u64;
                let c = confint(x, n, Method::ClopperPearson, ConfLevel::NINETY_FIVE).unwrap();
                prop_assert!(c.lower <= c.estimate && c.estimate <= c.upper);
                if x > 0 {
                    let b = Beta::new(x as f64, (n - x) as f64 + 1.0).unwrap();
                    prop_assert!((b.cdf(c.lower) - 0.025).abs() < 1e-12);
                }
                if x < n {
                    let b = Beta::new(x as f64 + 1.0, (n - x) as f64).unwrap();
                    prop_assert!((b.cdf(c.upper) - 0.975).abs() < 1e-12);
                }
            }
        }
    }

    /// Fuzz finding (issue 9, item 7), input class "tiny confidence level":
    /// at a level of 1e-320 or 1e-20 the Jeffreys limits, solved apart,
    /// crossed by an ulp (lower > upper). Every method keeps lower ≤ upper,
    /// and a crossed pair becomes its midpoint: as the level goes to 0 every
    /// interval shrinks to within about 1/n of p = x/n (to the medians of
    /// the Clopper–Pearson and Jeffreys beta distributions, to p ± 1/(2n)
    /// for the continuity-corrected ones, to p for the others), so both
    /// limits stay within 10/n of p.
    #[test]
    fn tiny_confidence_level_keeps_lower_at_most_upper() {
        for (x, n, level) in [
            (999_999_999_999, 1_000_000_000_000, 1e-320),
            (999_999_999_939, 1_000_000_000_000, 1e-320),
            (999_999_999_900, 1_000_000_000_040, 1e-320),
            (1, 18_446_744_063_709_551_616, 1e-20),
            (3, 10, 1e-12),
        ] {
            let level = ConfLevel::new(level).unwrap();
            for m in Method::ALL {
                let ci = confint(x, n, m, level).unwrap();
                assert!(
                    0.0 <= ci.lower && ci.lower <= ci.upper && ci.upper <= 1.0,
                    "{m} {x}/{n}: [{}, {}]",
                    ci.lower,
                    ci.upper
                );
                let (p, tol) = (x as f64 / n as f64, 10.0 / n as f64);
                assert!(
                    (ci.lower - p).abs() <= tol && (ci.upper - p).abs() <= tol,
                    "{m} {x}/{n}: [{}, {}] is not within 10/n of {p}",
                    ci.lower,
                    ci.upper
                );
            }
        }
    }
}
