//! Adaptive Simpson quadrature (private helper).

use crate::RadProtError;

/// ∫ f over \[a, b\] by adaptive Simpson with absolute tolerance `tol`, split
/// first into pieces of at most `piece` so that kinks in piecewise curves are
/// localised. The first error returned by `f` aborts the integration.
pub(crate) fn integrate(
    f: &dyn Fn(f64) -> Result<f64, RadProtError>,
    a: f64,
    b: f64,
    piece: f64,
    tol: f64,
) -> Result<f64, RadProtError> {
    if b <= a {
        return Ok(0.0);
    }
    let n = ((b - a) / piece).ceil().max(1.0) as usize;
    let h = (b - a) / n as f64;
    let mut sum = 0.0;
    for k in 0..n {
        let x0 = a + k as f64 * h;
        let x1 = if k + 1 == n { b } else { x0 + h };
        let (f0, fm, f1) = (f(x0)?, f(0.5 * (x0 + x1))?, f(x1)?);
        let whole = (x1 - x0) / 6.0 * (f0 + 4.0 * fm + f1);
        sum += simpson(f, x0, x1, f0, fm, f1, whole, tol / n as f64, 40)?;
    }
    Ok(sum)
}

#[allow(clippy::too_many_arguments)]
fn simpson(
    f: &dyn Fn(f64) -> Result<f64, RadProtError>,
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
    let (flm, frm) = (f(lm)?, f(rm)?);
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
}
