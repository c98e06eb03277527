//! Quantiles of the beta distribution, bounded in work and accurate for
//! shapes from ½ up to 10¹² and beyond (the Clopper–Pearson and Jeffreys
//! intervals of [`crate::proportion`] for any n a study or registry can
//! have).
//!
//! statrs' inverse incomplete beta does not return for shapes such as
//! (1, 8·10⁶) (issue 9: `mibg proportion 0/8000000` hung), and its
//! incomplete beta loses accuracy for large shapes (a lgamma difference of
//! numbers near 10¹³). This module therefore does not evaluate the
//! incomplete beta function at all. It works in the log-odds variable
//! s = ln(t / (1 − t)), in which the beta density is
//!
//! ```text
//! f(s) = t^a (1 − t)^b / B(a, b),        t = 1 / (1 + e^(−s)),
//! ```
//!
//! a log-concave function of s for every a, b > 0 (its second log-derivative
//! is −(a + b)·t(1 − t) < 0). Measured from the mode s₀ = ln(a/b) as
//! d = s − s₀, with E = expm1(d), D = 1 + x₀E (x₀ = a/(a+b), y₀ = b/(a+b)),
//! u = y₀E/D and v = −x₀E/D,
//!
//! ```text
//! ln f(d) = ½ ln(ab / (2π(a+b))) + δ(a+b) − δ(a) − δ(b) − a·rlog1(u) − b·rlog1(v)
//! ```
//!
//! where rlog1(w) = w − ln(1 + w) and δ is the Stirling remainder
//! ln Γ(z) − (z − ½) ln z + z − ½ ln 2π. This is the form of the prefactor in
//! DiDonato & Morris (ACM TOMS 18 (1992) 360–373, "BRCOMP"): it has no
//! difference of large logarithms, so f is accurate to a few units of the
//! last place for any shapes (derivation in the comments of [`log_density`]).
//!
//! The distribution function F(d) = ∫_{−∞}^{d} f is integrated by 16-point
//! Gauss–Legendre panels whose width follows the local slope and curvature
//! of ln f, from d to the left until the rest of the tail, bounded by
//! f(l)/(ln f)′(l) (log-concavity), is below 10⁻¹⁸ of the sum. The quantile
//! solves ln F(d) = ln p by Newton's method: ln F is concave (F is
//! log-concave because f is), so the iterates converge monotonically from
//! the left after at most one step, quadratically. Work is bounded: at most
//! [`MAX_NEWTON`] Newton steps of at most [`MAX_PANELS`] panels each.
//!
//! Accuracy: over the 314 Clopper–Pearson and Jeffreys intervals of
//! `tests/data/stats/proportion-mpmath` (mpmath at 60 digits; x from 0 to n,
//! n from 1 to 10¹²), limits below ½ agree to 3.6e-15 relative and every
//! limit within 26 units in the last place; the test asserts 1e-12.

/// Upper bound on Newton steps per quantile (convergence takes 5–15).
pub(crate) const MAX_NEWTON: usize = 100;
/// Upper bound on quadrature panels per distribution-function value
/// (typically 20–60).
pub(crate) const MAX_PANELS: usize = 2000;

/// Gauss–Legendre nodes on [−1, 1] (positive half) and weights, 16 points
/// (Abramowitz & Stegun, Table 25.4).
const GL_X: [f64; 8] = [
    0.095_012_509_837_637_44,
    0.281_603_550_779_258_9,
    0.458_016_777_657_227_4,
    0.617_876_244_402_643_7,
    0.755_404_408_355_003,
    0.865_631_202_387_831_8,
    0.944_575_023_073_232_6,
    0.989_400_934_991_649_9,
];
const GL_W: [f64; 8] = [
    0.189_450_610_455_068_5,
    0.182_603_415_044_923_6,
    0.169_156_519_395_002_5,
    0.149_595_988_816_576_7,
    0.124_628_971_255_533_9,
    0.095_158_511_682_492_78,
    0.062_253_523_938_647_89,
    0.027_152_459_411_754_095,
];

/// ½ ln(2π).
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

/// The Stirling remainder δ(z) = ln Γ(z) − (z − ½) ln z + z − ½ ln 2π, z > 0.
///
/// For z ≥ 10 the asymptotic series Σ B₂ₖ / (2k(2k − 1) z^(2k−1)) to k = 8
/// (truncation error below 1e-18 at z = 10); below 10 the recurrence
/// δ(z) = δ(z + k) + (z + k − ½) ln(z + k) − (z − ½) ln z − k − ln Π(z + j).
pub(crate) fn stirling_delta(z: f64) -> f64 {
    if z >= 10.0 {
        let r = 1.0 / z;
        let r2 = r * r;
        // Bernoulli-number coefficients B2k / (2k (2k-1)), k = 1..8.
        let c = [
            1.0 / 12.0,
            -1.0 / 360.0,
            1.0 / 1260.0,
            -1.0 / 1680.0,
            1.0 / 1188.0,
            -691.0 / 360_360.0,
            1.0 / 156.0,
            -3617.0 / 122_400.0,
        ];
        let mut sum = 0.0;
        for &ck in c.iter().rev() {
            sum = sum * r2 + ck;
        }
        sum * r
    } else {
        let k = (10.0 - z).ceil();
        let mut prod = 1.0;
        let mut j = 0.0;
        while j < k {
            prod *= z + j;
            j += 1.0;
        }
        let zk = z + k;
        stirling_delta(zk) + (zk - 0.5) * zk.ln() - (z - 0.5) * z.ln() - k - prod.ln()
    }
}

/// rlog1(w) = w − ln(1 + w) for w > −1, without cancellation near 0:
/// with r = w / (2 + w), ln(1 + w) = 2 atanh r, so
/// rlog1(w) = w² / (2 + w) − 2 (r³/3 + r⁵/5 + …).
fn rlog1(w: f64) -> f64 {
    if w.abs() > 0.5 {
        return w - w.ln_1p();
    }
    let r = w / (2.0 + w);
    let r2 = r * r;
    let mut term = r * r2;
    let mut sum = 0.0;
    let mut k = 3.0;
    while k < 60.0 {
        let t = term / k;
        sum += t;
        if t.abs() <= 1e-17 * sum.abs() {
            break;
        }
        term *= r2;
        k += 2.0;
    }
    w * w / (2.0 + w) - 2.0 * sum
}

/// Beta(a, b) in the log-odds variable measured from the mode.
#[derive(Clone, Copy, Debug)]
struct LogitBeta {
    a: f64,
    b: f64,
    /// a / (a + b)
    x0: f64,
    /// b / (a + b)
    y0: f64,
    /// ½ ln(ab / (2π(a + b))) + δ(a + b) − δ(a) − δ(b)
    l0: f64,
    /// ab / (a + b): the curvature of ln f at the mode.
    k0: f64,
}

/// Values at one point d.
#[derive(Clone, Copy, Debug)]
struct Point {
    /// ln f(d)
    log_f: f64,
    /// (ln f)′(d) = −a·u = a − (a + b)·t
    slope: f64,
    /// −(ln f)″(d) = (a + b)·t(1 − t) > 0
    curvature: f64,
    /// t = x₀ e^d / D
    t: f64,
    /// 1 − t = y₀ / D
    one_minus_t: f64,
}

impl LogitBeta {
    fn new(a: f64, b: f64) -> Self {
        let c = a + b;
        let x0 = a / c;
        let y0 = b / c;
        let l0 = 0.5 * (a.ln() + y0.ln()) - HALF_LN_2PI + stirling_delta(c)
            - stirling_delta(a)
            - stirling_delta(b);
        Self {
            a,
            b,
            x0,
            y0,
            l0,
            k0: a * y0,
        }
    }

    /// ln f and its derivatives at d (see the module docs).
    ///
    /// Derivation: t/x₀ = e^d / D and (1 − t)/y₀ = 1/D with D = 1 + x₀E, so
    /// t^a (1 − t)^b = x₀^a y₀^b (1 + u)^a (1 + v)^b with u = t/x₀ − 1 = y₀E/D
    /// and v = (1 − t)/y₀ − 1 = −x₀E/D; a·u + b·v = 0, hence
    /// a ln(1 + u) + b ln(1 + v) = −a·rlog1(u) − b·rlog1(v). Stirling's
    /// formula for Γ(a + b)/(Γ(a)Γ(b)) times x₀^a y₀^b gives the constant
    /// √(ab / (2π(a + b))) · exp(δ(a + b) − δ(a) − δ(b)).
    fn log_density(&self, d: f64) -> Point {
        let e = d.exp_m1();
        // D = 1 + x0 E, computed without cancellation when E is near −1.
        let (dd, ln_d) = if e >= -0.5 {
            let xe = self.x0 * e;
            (1.0 + xe, xe.ln_1p())
        } else {
            let v = self.y0 + self.x0 * d.exp();
            (v, v.ln())
        };
        let u = self.y0 * e / dd;
        let v = -self.x0 * e / dd;
        // a·rlog1(u), with ln(1 + u) = d − ln D when u is far from 0.
        let a_term = if u.abs() > 0.5 {
            self.a * u - self.a * (d - ln_d)
        } else {
            self.a * rlog1(u)
        };
        let b_term = if v.abs() > 0.5 {
            self.b * v + self.b * ln_d
        } else {
            self.b * rlog1(v)
        };
        let t = if e >= -0.5 {
            self.x0 * (1.0 + u)
        } else {
            self.x0 * d.exp() / dd
        };
        let one_minus_t = self.y0 / dd;
        Point {
            log_f: self.l0 - a_term - b_term,
            slope: -self.a * u,
            curvature: self.k0 * (1.0 + u) * (1.0 + v),
            t,
            one_minus_t,
        }
    }

    /// ln F(d) = ln ∫_{−∞}^{d} f(s) ds, by Gauss–Legendre panels from d to
    /// the left, stopped when the log-concavity bound on the rest of the
    /// tail is below 10⁻¹⁸ of the sum (or after [`MAX_PANELS`] panels).
    fn log_cdf(&self, d: f64) -> f64 {
        // Running sum as exp(scale) · sum.
        let mut scale = self.log_density(d).log_f;
        let mut sum = 0.0_f64;
        let mut right = d;
        for _ in 0..MAX_PANELS {
            let p = self.log_density(right);
            // Width: ln f changes by about 2 units across a panel.
            let w = (1.0 / p.curvature.sqrt()).min(2.0 / p.slope.abs().max(f64::MIN_POSITIVE));
            let w = if w.is_finite() && w > 0.0 { w } else { 1.0 };
            let left = right - w;
            let mid = 0.5 * (left + right);
            let half = 0.5 * w;
            let mut panel = 0.0;
            let mut panel_max = f64::NEG_INFINITY;
            let mut logs = [0.0_f64; 16];
            for (i, (&xi, _)) in GL_X.iter().zip(GL_W.iter()).enumerate() {
                logs[2 * i] = self.log_density(mid - half * xi).log_f;
                logs[2 * i + 1] = self.log_density(mid + half * xi).log_f;
                panel_max = panel_max.max(logs[2 * i]).max(logs[2 * i + 1]);
            }
            if panel_max > scale {
                sum *= (scale - panel_max).exp();
                scale = panel_max;
            }
            for (i, &wi) in GL_W.iter().enumerate() {
                panel += wi * ((logs[2 * i] - scale).exp() + (logs[2 * i + 1] - scale).exp());
            }
            sum += panel * half;
            right = left;
            let l = self.log_density(left);
            if l.slope > 0.0 {
                // Tail ∫_{−∞}^{left} f ≤ f(left) / slope(left) (log-concave f).
                let tail = (l.log_f - scale).exp() / l.slope;
                if tail <= 1e-18 * sum || sum > 0.0 && l.log_f - scale < -800.0 {
                    break;
                }
            }
        }
        scale + sum.ln()
    }
}

/// The `p` quantile of Beta(a, b), returned as (x, 1 − x), both to full
/// relative precision (1 − x matters when x is near 1: the upper
/// Clopper–Pearson limit for x = 0 of n = 10¹² is 1 − 0.975^(1/n)… seen
/// from the other side).
///
/// Requires a, b > 0 finite and 0 < p < 1 (callers check; outside, the
/// result is NaN, never a panic or a hang).
pub(crate) fn quantile(p: f64, a: f64, b: f64) -> (f64, f64) {
    if !(p > 0.0 && p < 1.0 && a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite()) {
        return (f64::NAN, f64::NAN);
    }
    if p > 0.5 {
        // Beta⁻¹(p; a, b) = 1 − Beta⁻¹(1 − p; b, a): solve the smaller tail.
        let (y, x) = quantile_lower(1.0 - p, b, a);
        return (x, y);
    }
    quantile_lower(p, a, b)
}

/// [`quantile`] for 0 < p ≤ ½.
fn quantile_lower(p: f64, a: f64, b: f64) -> (f64, f64) {
    let dist = LogitBeta::new(a, b);
    let target = p.ln();
    let mut d = 0.0_f64; // the mode
    let mut lo = f64::NEG_INFINITY; // ln F(lo) < target
    let mut hi = f64::INFINITY; // ln F(hi) > target
    for _ in 0..MAX_NEWTON {
        let g = dist.log_cdf(d) - target;
        if g == 0.0 {
            break;
        }
        if g < 0.0 {
            lo = lo.max(d);
        } else {
            hi = hi.min(d);
        }
        let pt = dist.log_density(d);
        // (ln F)′ = f / F
        let deriv = (pt.log_f - (g + target)).exp();
        let mut next = d - g / deriv;
        if !next.is_finite() || next <= lo || next >= hi {
            // Safeguard (rounding near the root, or an overflowing step):
            // bisect the bracket, or step out by the distribution's scale.
            next = match (lo.is_finite(), hi.is_finite()) {
                (true, true) => 0.5 * (lo + hi),
                (true, false) => lo + 1.0 / pt.curvature.sqrt().max(1e-300) + 1.0,
                (false, true) => hi - 1.0 / pt.curvature.sqrt().max(1e-300) - 1.0,
                (false, false) => d - 1.0,
            };
        }
        let step = (next - d).abs();
        d = next;
        // x = t(d) has relative error (1 − x)·Δd and 1 − x has x·Δd: an
        // absolute step of 2e-16 (relative beyond |d| = 1) is full precision.
        if step <= 2e-16 * d.abs().max(1.0) {
            break;
        }
    }
    let pt = dist.log_density(d);
    (pt.t, pt.one_minus_t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stirling_delta_matches_lgamma_values() {
        // δ(1) = 1 − ½ ln 2π; δ(½) = ln √π + ½ − ½ ln 2π = ½ − ½ ln 2 (hand).
        assert!((stirling_delta(1.0) - (1.0 - HALF_LN_2PI)).abs() < 1e-15);
        let half = 0.5 - 0.5 * 2f64.ln();
        assert!((stirling_delta(0.5) - half).abs() < 1e-15);
        // δ(10) from lnΓ(10) = ln 362880 (hand).
        let d10 = 362_880f64.ln() - 9.5 * 10f64.ln() + 10.0 - HALF_LN_2PI;
        assert!((stirling_delta(10.0) - d10).abs() < 1e-14);
        // 1/(12 z) asymptotically.
        assert!((stirling_delta(1e12) * 12e12 - 1.0).abs() < 1e-15);
    }

    /// δ(z) against mpmath 1.3.0 at 40 digits
    /// (`loggamma(z) - (z - 1/2) log z + z - log(2 pi)/2`): from z = 10 on
    /// (the Stirling series) to 4 units in the last place, so that even its
    /// last coefficient (3617/122400, 3e-17 at z = 10) is checked; below 10
    /// (the recurrence, whose terms of about 25 cancel to δ ≈ 0.15; seen:
    /// 1e-15 at z = ½) to 2e-15 absolute, i.e. 2e-15 relative in the beta
    /// density.
    #[test]
    #[allow(clippy::excessive_precision)] // mpmath's digits, as printed
    fn stirling_delta_matches_mpmath() {
        for (z, want) in [
            (0.5, 0.153_426_409_720_027_345_291_383_9),
            (1.5, 0.054_814_121_051_917_653_896_138_7),
            (10.0, 0.008_330_563_433_362_871_256_469_319),
            (10.5, 0.007_934_114_564_314_020_547_249_562),
            (37.5, 0.002_222_169_558_021_602_090_035_077),
            (1e6, 8.333_333_333_333_055_555_555_556e-8),
        ] {
            let got = stirling_delta(z);
            let tol = if z >= 10.0 {
                4.0 * f64::EPSILON * want
            } else {
                2e-15
            };
            assert!((got - want).abs() <= tol, "δ({z}) = {got:e}, want {want:e}");
        }
    }

    #[test]
    fn rlog1_series_and_direct_agree() {
        for w in [-0.9, -0.5, -0.3, 0.2, 0.5, 3.0] {
            let direct = w - f64::ln_1p(w);
            assert!((rlog1(w) - direct).abs() <= 1e-12 * direct.abs(), "{w}");
        }
        // tiny w: w²/2 − w³/3 + w⁴/4 (next term w⁵/5 = 2e-31)
        let w = 1e-6;
        let series = w * w / 2.0 - w * w * w / 3.0 + w * w * w * w / 4.0;
        assert!((rlog1(w) - series).abs() < 1e-15 * series);
    }

    #[test]
    fn density_is_the_beta_density() {
        // Beta(1, 1) is uniform: f(s) = t(1 − t); at the mode t = ½: ¼.
        let u = LogitBeta::new(1.0, 1.0);
        assert!((u.log_density(0.0).log_f - 0.25f64.ln()).abs() < 1e-15);
        // Beta(2, 3): t² (1 − t)³ / B(2, 3), B = 1/12, at d = 0.7.
        let d = LogitBeta::new(2.0, 3.0);
        let s = (2.0f64 / 3.0).ln() + 0.7;
        let t = 1.0 / (1.0 + (-s).exp());
        let f = 12.0 * t * t * (1.0 - t).powi(3);
        let p = d.log_density(0.7);
        assert!((p.log_f - f.ln()).abs() < 1e-14);
        assert!((p.t - t).abs() < 1e-15);
        assert!((p.one_minus_t - (1.0 - t)).abs() < 1e-15);
    }

    /// ln f, t and 1 − t far in both tails, where t or 1 − t is below the
    /// spacing of doubles near 1 (t = e^(−40)·…): Beta(2, 3) has
    /// f = t²(1 − t)³ / B(2, 3), B(2, 3) = 1!·2!/4! = 1/12, so
    /// ln f = ln 12 + 2 ln t + 3 ln(1 − t), with ln t = −ln(1 + e^(−s)),
    /// ln(1 − t) = −ln(1 + e^s), s = ln(2/3) + d; Beta(½, 3) has
    /// B(½, 3) = Γ(½)Γ(3)/Γ(7/2) = 2/((5/2)(3/2)(1/2)) = 16/15.
    #[test]
    fn density_far_in_both_tails() {
        for (a, b, ln_beta) in [
            (2.0, 3.0, -(12.0f64.ln())),
            (0.5, 3.0, (16.0f64 / 15.0).ln()),
        ] {
            let dist = LogitBeta::new(a, b);
            for d in [-40.0, -10.0, -1.0, 1.0, 10.0, 40.0] {
                let s = f64::ln(a / b) + d;
                let (ln_t, ln_1mt) = (-(-s).exp().ln_1p(), -s.exp().ln_1p());
                let want = a * ln_t + b * ln_1mt - ln_beta;
                let p = dist.log_density(d);
                assert!(
                    (p.log_f - want).abs() <= 1e-14 * want.abs().max(1.0),
                    "Beta({a}, {b}) at d = {d}: ln f = {:e}, want {want:e}",
                    p.log_f
                );
                assert!(
                    (p.t.ln() - ln_t).abs() <= 1e-14 * ln_t.abs().max(1.0),
                    "t at {d}"
                );
                assert!(
                    (p.one_minus_t.ln() - ln_1mt).abs() <= 1e-14 * ln_1mt.abs().max(1.0),
                    "1 − t at {d}"
                );
            }
        }
    }

    /// The slope and curvature that set the quadrature panel widths are the
    /// first and (minus the) second derivatives of ln f: central differences,
    /// step h = 1e-3 of the distribution's scale, agree to 1e-5 relative.
    #[test]
    fn slope_and_curvature_are_derivatives() {
        for (a, b) in [(0.5, 3.0), (2.0, 5.0), (30.0, 1e6), (5e5, 5e5), (1e12, 1.5)] {
            let dist = LogitBeta::new(a, b);
            let scale = (1.0 / a + 1.0 / b).sqrt();
            let h = 1e-3 * scale;
            for k in [-3.0, -1.0, 0.0, 0.7, 2.0] {
                let d = k * scale;
                let (lm, l0, lp) = (
                    dist.log_density(d - h).log_f,
                    dist.log_density(d).log_f,
                    dist.log_density(d + h).log_f,
                );
                let p = dist.log_density(d);
                let slope = (lp - lm) / (2.0 * h);
                let curv = -(lp - 2.0 * l0 + lm) / (h * h);
                let tol = 1e-5 * (p.slope.abs() + p.curvature.sqrt() * 1.0);
                assert!(
                    (slope - p.slope).abs() <= tol,
                    "{a} {b} {d}: {slope} vs {}",
                    p.slope
                );
                assert!(
                    (curv - p.curvature).abs() <= 1e-3 * p.curvature,
                    "{a} {b} {d}: {curv} vs {}",
                    p.curvature
                );
            }
        }
    }

    #[test]
    fn closed_forms() {
        // Beta(a, 1): F(x) = x^a, so the quantile is p^(1/a).
        for a in [1.0, 2.5, 40.0, 1e6, 1e12] {
            let (x, y) = quantile(0.025, a, 1.0);
            let want = 0.025f64.powf(1.0 / a);
            assert!((x - want).abs() <= 1e-14 * want, "a = {a}: {x} vs {want}");
            let want_y = -(0.025f64.ln() / a).exp_m1();
            assert!(
                (y - want_y).abs() <= 1e-12 * want_y,
                "a = {a}: {y} vs {want_y}"
            );
        }
        // Beta(1, b): 1 − x = (1 − p)^(1/b).
        for b in [1.0, 3.0, 8e6, 1e12] {
            let (x, _) = quantile(0.025, 1.0, b);
            let want = -(0.975f64.ln() / b).exp_m1();
            assert!((x - want).abs() <= 1e-12 * want, "b = {b}: {x} vs {want}");
        }
        // Symmetric shapes: the median is ½.
        for a in [0.5, 7.0, 1e9] {
            let (x, _) = quantile(0.5, a, a);
            assert!((x - 0.5).abs() < 1e-13, "{a}: {x}");
        }
    }

    /// ln F of shapes whose distribution function has a closed form, at
    /// points d (log-odds from the mode s₀ = ln(a/b)) from far in the left
    /// tail (F = e⁻⁴⁰ and below) to the right one: with t = 1/(1 + e^(−s)),
    /// s = s₀ + d, ln t = −ln(1 + e^(−s)) and ln(1 − t) = −ln(1 + e^s),
    /// Beta(a, 1): F = t^a; Beta(1, b): F = 1 − (1 − t)^b; Beta(2, 2):
    /// F = ∫₀ᵗ 6x(1 − x) dx = t²(3 − 2t). Absolute error in ln F (relative
    /// in F) at most 1e-14 · max(1, |ln F|) (seen: 2e-15). Beta(30, 1) at
    /// d = −40 has ln F = 30 ln t ≈ 30·(ln 30 − 40) ≈ −1098, far below the
    /// smallest double (the panel sums are kept relative to a running
    /// scale), and Beta(1, 30) at d = 40 starts where ln f is about 1098
    /// below its mode, which the integration then climbs (the scale must
    /// follow it up).
    #[test]
    fn log_cdf_matches_closed_forms() {
        let ln_t = |s: f64| -(-s).exp().ln_1p();
        let ln_1mt = |s: f64| -s.exp().ln_1p();
        for (a, b) in [
            (1.0, 1.0),
            (3.0, 1.0),
            (0.5, 1.0),
            (1.0, 4.0),
            (1.0, 0.5),
            (2.0, 2.0),
            (30.0, 1.0),
            (1.0, 30.0),
        ] {
            let dist = LogitBeta::new(a, b);
            let s0 = f64::ln(a / b);
            for d in [-40.0, -12.0, -3.0, -0.5, 0.0, 0.7, 2.5, 6.0, 40.0] {
                let s = s0 + d;
                let want = if b == 1.0 {
                    a * ln_t(s)
                } else if a == 1.0 {
                    (-(b * ln_1mt(s)).exp_m1()).ln()
                } else {
                    2.0 * ln_t(s) + (3.0 - 2.0 / (1.0 + (-s).exp())).ln()
                };
                let got = dist.log_cdf(d);
                assert!(
                    (got - want).abs() <= 1e-14 * want.abs().max(1.0),
                    "Beta({a}, {b}) at d = {d}: ln F = {got:e}, want {want:e}"
                );
            }
        }
    }

    /// Quantiles by hand where F is a polynomial or elementary: Beta(2, 2),
    /// F(x) = 3x² − 2x³: F(0.2) = 0.12 − 0.016 = 0.104, F(0.8) = 1.92 −
    /// 1.024 = 0.896. Beta(2, 3), I_x(2, 3) = Σ_{j=2}^{4} C(4, j) x^j
    /// (1 − x)^(4−j): at ½, (6 + 4 + 1)/16 = 0.6875, and Beta(3, 2) at ½
    /// is 1 − 0.6875 = 0.3125 (I_x(a, b) = 1 − I_{1−x}(b, a)). Beta(½, ½)
    /// (arcsine), F(x) = (2/π) asin √x: the ¼ quantile is sin²(π/8) =
    /// (2 − √2)/4. Beta(½, 1), F = √x: the 0.04 quantile is 0.0016.
    #[test]
    fn quantiles_by_hand() {
        let sqrt2 = std::f64::consts::SQRT_2;
        for (p, a, b, x) in [
            (0.104, 2.0, 2.0, 0.2),
            (0.896, 2.0, 2.0, 0.8),
            (0.6875, 2.0, 3.0, 0.5),
            (0.3125, 3.0, 2.0, 0.5),
            (0.25, 0.5, 0.5, (2.0 - sqrt2) / 4.0),
            (0.75, 0.5, 0.5, (2.0 + sqrt2) / 4.0),
            (0.04, 0.5, 1.0, 0.0016),
        ] {
            let (got, got_1m) = quantile(p, a, b);
            assert!(
                (got - x).abs() <= 1e-14 * x,
                "Beta({a}, {b}) at {p}: {got:e}, want {x:e}"
            );
            assert!(
                (got_1m - (1.0 - x)).abs() <= 1e-14 * (1.0 - x),
                "Beta({a}, {b}) at {p}: 1 − x = {got_1m:e}, want {:e}",
                1.0 - x
            );
        }
    }

    #[test]
    fn upper_half_uses_symmetry() {
        let (x, y) = quantile(0.975, 3.0, 5.0);
        let (y2, x2) = quantile(1.0 - 0.975, 5.0, 3.0);
        assert_eq!((x, y), (x2, y2));
        assert!(x > y2);
    }

    /// Every shape must be > 0 and finite, each checked on its own: a shape
    /// of 0 for b (which the upper tail, p > ½, turns into the first shape
    /// of the mirrored problem) is refused like one for a.
    #[test]
    fn bad_arguments_give_nan_not_panic() {
        for (p, a, b) in [
            (0.0, 1.0, 1.0),
            (1.0, 1.0, 1.0),
            (0.5, 0.0, 1.0),
            (0.5, 1.0, 0.0),
            (0.9, 1.0, 0.0),
            (0.1, 2.5, 0.0),
            (0.7, 0.5, 0.0),
            (0.3, 40.0, 0.0),
            (0.5, 1.0, f64::INFINITY),
            (0.5, f64::INFINITY, 1.0),
            (f64::NAN, 1.0, 1.0),
        ] {
            assert!(quantile(p, a, b).0.is_nan());
        }
    }
}
