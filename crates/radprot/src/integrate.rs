//! Adaptive Simpson quadrature (private helper).

use crate::RadProtError;
use std::cell::Cell;

/// Most evaluations of the integrand in one [`integrate`] call: 2²⁰. The
/// integrals of this crate (a dose from a retention curve over a contact
/// pattern or after a horizon, tolerance 1e-9–1e-10) take a few hundred to
/// a few thousand; an integrand that still needs refinement after a
/// million points has no finite integral at the requested tolerance, and
/// the call fails ([`RadProtError::IntegralNotConverged`]) instead of
/// recursing for hours or returning an unconverged sum.
pub(crate) const MAX_EVALUATIONS: usize = 1 << 20;

/// ∫ f over \[a, b\] by adaptive Simpson with absolute tolerance `tol`, split
/// first into pieces of at most `piece` so that kinks in piecewise curves are
/// localised. The first error returned by `f` aborts the integration, and so
/// does a refinement beyond [`MAX_EVALUATIONS`] evaluations.
pub(crate) fn integrate(
    f: &dyn Fn(f64) -> Result<f64, RadProtError>,
    a: f64,
    b: f64,
    piece: f64,
    tol: f64,
) -> Result<f64, RadProtError> {
    integrate_within(f, a, b, piece, tol, MAX_EVALUATIONS).map(|(v, _)| v)
}

/// [`integrate`] with at most `budget` evaluations; also returns how many
/// it took.
fn integrate_within(
    f: &dyn Fn(f64) -> Result<f64, RadProtError>,
    a: f64,
    b: f64,
    piece: f64,
    tol: f64,
    budget: usize,
) -> Result<(f64, usize), RadProtError> {
    if b <= a {
        return Ok((0.0, 0));
    }
    let g = Budgeted {
        f,
        used: Cell::new(0),
        budget,
        a,
        b,
    };
    let n = ((b - a) / piece).ceil().max(1.0) as usize;
    let h = (b - a) / n as f64;
    let mut sum = 0.0;
    for k in 0..n {
        let x0 = a + k as f64 * h;
        let x1 = if k + 1 == n { b } else { x0 + h };
        let (f0, fm, f1) = (g.at(x0)?, g.at(0.5 * (x0 + x1))?, g.at(x1)?);
        let whole = (x1 - x0) / 6.0 * (f0 + 4.0 * fm + f1);
        sum += simpson(&g, x0, x1, f0, fm, f1, whole, tol / n as f64, 40)?;
    }
    Ok((sum, g.used.get()))
}

/// The integrand with its count of evaluations against a budget.
struct Budgeted<'a> {
    f: &'a dyn Fn(f64) -> Result<f64, RadProtError>,
    used: Cell<usize>,
    budget: usize,
    a: f64,
    b: f64,
}

impl Budgeted<'_> {
    fn at(&self, x: f64) -> Result<f64, RadProtError> {
        let used = self.used.get() + 1;
        if used > self.budget {
            return Err(RadProtError::IntegralNotConverged {
                from_h: self.a,
                to_h: self.b,
                evaluations: self.budget,
            });
        }
        self.used.set(used);
        (self.f)(x)
    }
}

#[allow(clippy::too_many_arguments)]
fn simpson(
    f: &Budgeted<'_>,
    a: f64,
    b: f64,
    fa: f64,
    fm: f64,
    fb: f64,
    whole: f64,
    tol: f64,
    depth: u32,
) -> Result<f64, RadProtError> {
    let m = 0.5 * (a + b);
    let (lm, rm) = (0.5 * (a + m), 0.5 * (m + b));
    let (flm, frm) = (f.at(lm)?, f.at(rm)?);
    let left = (m - a) / 6.0 * (fa + 4.0 * flm + fm);
    let right = (b - m) / 6.0 * (fm + 4.0 * frm + fb);
    let delta = left + right - whole;
    if depth == 0 || delta.abs() <= 15.0 * tol {
        return Ok(left + right + delta / 15.0);
    }
    Ok(simpson(f, a, m, fa, flm, fm, left, tol / 2.0, depth - 1)?
        + simpson(f, m, b, fm, frm, fb, right, tol / 2.0, depth - 1)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_for_cubics_and_accurate_for_exponentials() {
        // ∫0^2 x³ dx = 4.
        let v = integrate(&|x| Ok(x * x * x), 0.0, 2.0, 1.0, 1e-12).unwrap();
        assert!((v - 4.0).abs() < 1e-12);
        // ∫0^10 e^(−x) dx = 1 − e^(−10) = 0.9999546000.
        let v = integrate(&|x: f64| Ok((-x).exp()), 0.0, 10.0, 24.0, 1e-12).unwrap();
        assert!((v - (1.0 - (-10f64).exp())).abs() < 1e-10);
        // A kink at 1: ∫0^2 |x − 1| dx = 1.
        let v = integrate(&|x: f64| Ok((x - 1.0).abs()), 0.0, 2.0, 0.3, 1e-12).unwrap();
        assert!((v - 1.0).abs() < 1e-9);
    }

    /// Records where the integrand is evaluated.
    fn points(a: f64, b: f64, piece: f64) -> (f64, Vec<f64>) {
        let seen = std::cell::RefCell::new(Vec::new());
        let v = integrate(
            &|x: f64| {
                seen.borrow_mut().push(x);
                Ok(x * x * x)
            },
            a,
            b,
            piece,
            1e-12,
        )
        .unwrap();
        (v, seen.into_inner())
    }

    /// The split into pieces of at most `piece` (which localises kinks) and
    /// the Simpson estimate of each piece, by hand: [1, 2] in pieces of 0.5
    /// is [1, 1.5] and [1.5, 2]; each is evaluated at its ends and midpoint,
    /// then once refined at its quarter points. Simpson's rule is exact for
    /// a cubic, so the refinement agrees with the piece's estimate and stops
    /// there: 5 evaluations a piece, all at exact binary fractions.
    /// ∫₁² x³ dx = (16 − 1)/4 = 3.75.
    #[test]
    fn pieces_and_their_simpson_estimate_by_hand() {
        let (v, seen) = points(1.0, 2.0, 0.5);
        assert!((v - 3.75).abs() < 1e-12, "{v}");
        assert_eq!(
            seen,
            vec![
                1.0, 1.25, 1.5, 1.125, 1.375, // [1, 1.5]
                1.5, 1.75, 2.0, 1.625, 1.875, // [1.5, 2]
            ]
        );
    }

    /// The tolerance is shared between the pieces (tol/n each). For x⁴ the
    /// Simpson refinement of a piece of width 1 changes its estimate by
    /// δ = E(1) − 2·E(1/2) with E(w) = −w⁵·24/2880 = −w⁵/120 (the error of
    /// Simpson's rule, f'''' = 24): δ = −1/120 + 1/1920 = −1/128 on every
    /// piece. ∫₀² x⁴ in 2 pieces at tol = 0.001: each piece gets 0.0005,
    /// 15 × 0.0005 = 0.0075 < 1/128 = 0.0078125, so each refines once more
    /// (its halves: δ = 1/128/32 = 0.000244 ≤ 15 × 0.00025, done): 3 + 2 +
    /// 2 × 2 = 9 evaluations a piece, 18 in all. (With the whole 0.001 per
    /// piece, 0.015 ≥ 1/128 would stop at 5 a piece.) The extrapolated
    /// result is exact for a quartic: 2⁵/5 = 6.4.
    #[test]
    fn each_piece_gets_its_share_of_the_tolerance() {
        let seen = std::cell::Cell::new(0);
        let v = integrate(
            &|x: f64| {
                seen.set(seen.get() + 1);
                Ok(x.powi(4))
            },
            0.0,
            2.0,
            1.0,
            0.001,
        )
        .unwrap();
        assert!((v - 6.4).abs() < 1e-12, "{v}");
        assert_eq!(seen.get(), 18);
    }

    /// The last piece ends exactly at b: [0.3, 1] in 3 pieces of
    /// h = 0.7/3, where 0.3 + 2h + h is the double 0.9999999999999999, not 1.
    #[test]
    fn the_last_piece_ends_exactly_at_b() {
        let h = (1.0 - 0.3) / 3.0;
        assert_ne!(0.3 + 2.0 * h + h, 1.0);
        let (v, seen) = points(0.3, 1.0, 0.3);
        // ∫_0.3^1 x³ dx = (1 − 0.3⁴)/4 = (1 − 0.0081)/4 = 0.247975.
        assert!((v - 0.247_975).abs() < 1e-12, "{v}");
        assert!(seen.contains(&1.0));
        assert!(seen.iter().all(|&x| (0.3..=1.0).contains(&x)), "{seen:?}");
    }

    /// The budget: two pieces of a cubic take 5 evaluations each (the
    /// by-hand count of `pieces_and_their_simpson_estimate_by_hand`), so 10
    /// evaluations are enough and 9 are not; the error names the interval
    /// and the budget.
    #[test]
    fn the_evaluation_budget_is_exact() {
        let cube = |x: f64| Ok(x * x * x);
        let (v, used) = integrate_within(&cube, 1.0, 2.0, 0.5, 1e-12, 10).unwrap();
        assert_eq!(used, 10);
        assert!((v - 3.75).abs() < 1e-12, "{v}");
        let e = integrate_within(&cube, 1.0, 2.0, 0.5, 1e-12, 9).unwrap_err();
        assert_eq!(
            e,
            RadProtError::IntegralNotConverged {
                from_h: 1.0,
                to_h: 2.0,
                evaluations: 9
            }
        );
        assert_eq!(
            e.to_string(),
            "the dose integral from 1 h to 2 h did not converge within 9 evaluations of the retention curve"
        );
        // An empty interval costs nothing.
        assert_eq!(
            integrate_within(&cube, 2.0, 2.0, 0.5, 1e-12, 0).unwrap(),
            (0.0, 0)
        );
    }

    /// An integrand that never settles (pseudo-random values in [0, 1): every
    /// refinement changes the estimate by about the width of the piece, as
    /// fast as the tolerance shrinks) fails after exactly 2²⁰ evaluations
    /// instead of refining 2⁴⁰ times.
    #[test]
    fn an_integrand_that_never_settles_fails_at_the_budget() {
        let calls = std::cell::Cell::new(0usize);
        let noise = |x: f64| {
            calls.set(calls.get() + 1);
            // A budget that is not enforced would recurse for hours: stop
            // there with another error, which fails the test at once.
            if calls.get() > MAX_EVALUATIONS {
                return Err(RadProtError::InvalidInput {
                    what: "test",
                    value: x,
                    rule: "the budget was not enforced",
                });
            }
            Ok(((x * 1e7).sin() * 43_758.545_3).fract().abs())
        };
        let e = integrate(&noise, 0.0, 1.0, 1.0, 1e-9).unwrap_err();
        assert_eq!(MAX_EVALUATIONS, 1_048_576);
        assert_eq!(calls.get(), MAX_EVALUATIONS);
        assert!(matches!(
            e,
            RadProtError::IntegralNotConverged {
                evaluations: 1_048_576,
                ..
            }
        ));
    }

    /// A typical dose integral stays far within the budget: a
    /// bi-exponential retention 0.6·e^(−0.1 t) + 0.4·e^(−0.01 t) over
    /// 0–2000 h in pieces of 24 h at tolerance 1e-9 (the caregiver-dose
    /// call), against its integral by hand: 0.6/0.1·(1 − e^(−200)) +
    /// 0.4/0.01·(1 − e^(−20)) = 6 + 40·(1 − 2.061 153 6e-9) = 45.999 999 918.
    #[test]
    fn a_dose_integral_takes_a_few_thousand_evaluations() {
        let r = |t: f64| Ok(0.6 * (-0.1 * t).exp() + 0.4 * (-0.01 * t).exp());
        let (v, used) = integrate_within(&r, 0.0, 2000.0, 24.0, 1e-9, MAX_EVALUATIONS).unwrap();
        let exact = 6.0 * (1.0 - (-200f64).exp()) + 40.0 * (1.0 - (-20f64).exp());
        assert!((v - exact).abs() < 1e-9, "{v} vs {exact}");
        assert!((exact - 45.999_999_918).abs() < 1e-9);
        assert!(used < 10_000, "{used} evaluations");
    }

    /// The depth limit: a step at x = 1/3 (never a Simpson node: 1/3 has no
    /// finite binary expansion) keeps the piece that holds it above its
    /// tolerance at every level, while its constant sibling settles at once.
    /// The refinement stops at depth 40: 3 evaluations for the piece, 2 at
    /// the top level and 4 (two calls of 2) at each of the 40 levels below,
    /// 165 in all, and the sum is 2/3 to within the width of the last piece
    /// (2⁻⁴⁰ ≈ 9.1e-13).
    #[test]
    fn a_step_is_refined_to_depth_40_and_no_further() {
        let step = |x: f64| Ok(if x < 1.0 / 3.0 { 0.0 } else { 1.0 });
        let (v, used) = integrate_within(&step, 0.0, 1.0, 1.0, 1e-13, MAX_EVALUATIONS).unwrap();
        assert_eq!(used, 165);
        assert!((v - 2.0 / 3.0).abs() < 9.1e-13, "{v}");
    }

    /// Each half of a refined piece gets half its tolerance. For x⁴ the
    /// refinement of a piece of width w changes its estimate by
    /// |δ(w)| = w⁵/128 (`each_piece_gets_its_share_of_the_tolerance`). ∫₀¹
    /// at tol = 2.5e-5 in one piece: δ(1) = 1/128 > 15 × 2.5e-5, so it
    /// refines; each half gets 1.25e-5, and δ(1/2) = 1/4096 = 2.44e-4 >
    /// 15 × 1.25e-5 = 1.875e-4, so each refines again (with the whole 2.5e-5
    /// each, 3.75e-4 would stop them); the quarters' δ(1/4) = 7.6e-6 ≤
    /// 15 × 6.25e-6: done. 3 + 2 + 2 × 2 + 4 × 2 = 17 evaluations; the
    /// extrapolated result is exact for a quartic: 1/5.
    #[test]
    fn each_half_gets_half_the_tolerance() {
        let quartic = |x: f64| Ok(x.powi(4));
        let (v, used) = integrate_within(&quartic, 0.0, 1.0, 1.0, 2.5e-5, MAX_EVALUATIONS).unwrap();
        assert_eq!(used, 17);
        assert!((v - 0.2).abs() < 1e-15, "{v}");
    }
}
