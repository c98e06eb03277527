//! A small bounded Levenberg–Marquardt least-squares solver for the 2–3
//! parameter exponential retention models (docs/reference/dosimetry.md §4.3).
//!
//! Algorithm (Marquardt 1963 with Fletcher's diagonal scaling): at each step
//! solve `(JᵀJ + μ·diag(JᵀJ)) δ = Jᵀr`, project `p + δ` onto the box
//! `lo ≤ p ≤ hi`, accept the step if the residual sum of squares falls
//! (then μ ← μ/3), otherwise μ ← 2μ. Stop when an accepted step lowers the
//! RSS by less than 1e-12 (relative) while moving the parameters by less than
//! 1e-6 (relative), when a rejected step moves them by less than 1e-12, when
//! the projected gradient Jᵀr vanishes, or after 200 iterations.
//!
//! The covariance is not a by-product of LM: [`covariance`] computes
//! `s²·(JᵀJ)⁻¹` with `s² = RSS/(n − p)` from the Jacobian at the solution.

use nalgebra::{SMatrix, SVector};

/// A model `f(p, t)` with `N` parameters that writes `∂f/∂p` into `grad`
/// and returns `f`.
pub(crate) trait Model<const N: usize> {
    /// Value and gradient at time `t`.
    fn eval(&self, p: &[f64; N], t: f64, grad: &mut [f64; N]) -> f64;
}

/// The solution of a least-squares problem.
#[derive(Clone, Debug)]
pub(crate) struct LmSolution<const N: usize> {
    pub params: [f64; N],
    pub rss: f64,
    pub iterations: usize,
    pub converged: bool,
}

const MAX_ITER: usize = 200;
const TOL: f64 = 1e-12;

/// RSS, JᵀJ and Jᵀr at `p` in one pass (the model returns value and gradient
/// together, so the Jacobian costs no extra exponentials), without storing J.
fn evaluate<const N: usize, M: Model<N>>(
    m: &M,
    p: &[f64; N],
    t: &[f64],
    y: &[f64],
) -> (f64, SMatrix<f64, N, N>, SVector<f64, N>) {
    let mut jtj = SMatrix::<f64, N, N>::zeros();
    let mut jtr = SVector::<f64, N>::zeros();
    let mut g = [0.0; N];
    let mut rss = 0.0;
    for (&ti, &yi) in t.iter().zip(y) {
        let r = yi - m.eval(p, ti, &mut g);
        rss += r * r;
        for j in 0..N {
            jtr[j] += g[j] * r;
            for k in 0..=j {
                jtj[(j, k)] += g[j] * g[k];
            }
        }
    }
    for j in 0..N {
        for k in 0..j {
            jtj[(k, j)] = jtj[(j, k)];
        }
    }
    (rss, jtj, jtr)
}

/// Minimises Σ (yᵢ − f(p, tᵢ))² from `p0` within `[lo, hi]`.
pub(crate) fn solve<const N: usize, M: Model<N>>(
    m: &M,
    t: &[f64],
    y: &[f64],
    p0: &[f64; N],
    lo: &[f64; N],
    hi: &[f64; N],
) -> LmSolution<N> {
    let mut p = [0.0; N];
    for j in 0..N {
        p[j] = p0[j].clamp(lo[j], hi[j]);
    }
    let (mut cost, mut cur_jtj, mut cur_jtr) = evaluate(m, &p, t, y);
    if !cost.is_finite() {
        // The model overflows at the start: no step can be judged against
        // an infinite (or undefined) sum of squares, and the gradient test
        // below would pass against it (1e-15 · ∞). Nothing is fitted: the
        // start comes back not converged, never as a fit.
        return LmSolution {
            params: p,
            rss: cost,
            iterations: 0,
            converged: false,
        };
    }
    let mut mu = 1e-3;
    let mut converged = false;
    let mut iterations = 0;
    let mut trial = [0.0; N];
    'outer: while iterations < MAX_ITER {
        iterations += 1;
        let (mut jtj, mut jtr) = (cur_jtj, cur_jtr);
        // Active set: a parameter on a bound whose descent direction (Jᵀr)
        // points out of the box is frozen for this step.
        for j in 0..N {
            let out_low = p[j] <= lo[j] && jtr[j] < 0.0;
            let out_high = p[j] >= hi[j] && jtr[j] > 0.0;
            if out_low || out_high {
                for k in 0..N {
                    jtj[(j, k)] = 0.0;
                    jtj[(k, j)] = 0.0;
                }
                jtj[(j, j)] = 1.0;
                jtr[j] = 0.0;
            }
        }
        // Projected gradient zero: a (constrained) stationary point.
        if jtr.amax() <= 1e-15 * (1.0 + cost) {
            converged = true;
            break;
        }
        loop {
            let mut a = jtj;
            for j in 0..N {
                a[(j, j)] += mu * jtj[(j, j)].max(1e-12);
            }
            let Some(delta) = a.cholesky().map(|c| c.solve(&jtr)) else {
                mu *= 2.0;
                if mu > 1e16 {
                    break 'outer;
                }
                continue;
            };
            let mut step = 0.0f64;
            let mut norm = 0.0f64;
            for j in 0..N {
                trial[j] = (p[j] + delta[j]).clamp(lo[j], hi[j]);
                step += (trial[j] - p[j]).powi(2);
                norm += p[j].powi(2);
            }
            let (new_cost, new_jtj, new_jtr) = evaluate(m, &trial, t, y);
            if new_cost.is_finite() && new_cost <= cost {
                let decrease = (cost - new_cost) / cost.max(1e-300);
                p = trial;
                cost = new_cost;
                cur_jtj = new_jtj;
                cur_jtr = new_jtr;
                mu = (mu / 3.0).max(1e-12);
                if (decrease < TOL && step.sqrt() <= 1e-6 * (norm.sqrt() + TOL)) || cost == 0.0 {
                    converged = true;
                    break 'outer;
                }
                break;
            }
            // A rejected step that no longer moves the parameters: the RSS is
            // at its minimum to rounding (no need to raise μ to 1e16).
            if step.sqrt() <= TOL * (norm.sqrt() + TOL) {
                converged = true;
                break 'outer;
            }
            mu *= 2.0;
            if mu > 1e16 {
                // No downhill step exists at any damping: a (constrained) minimum.
                converged = true;
                break 'outer;
            }
        }
    }
    LmSolution {
        params: p,
        rss: cost,
        iterations,
        converged,
    }
}

/// Parameter covariance `s²·(JᵀJ)⁻¹`, `s² = RSS/(n − p)`; `None` when
/// `n ≤ p` or `JᵀJ` is singular.
pub(crate) fn covariance<const N: usize, M: Model<N>>(
    m: &M,
    p: &[f64; N],
    t: &[f64],
    rss: f64,
) -> Option<SMatrix<f64, N, N>> {
    let n = t.len();
    if n <= N {
        return None;
    }
    // Residuals do not enter JᵀJ; pass zeros as observations.
    let zeros = vec![0.0; n];
    let (_, jtj, _) = evaluate(m, p, t, &zeros);
    let s2 = rss / (n - N) as f64;
    jtj.try_inverse().map(|inv| inv * s2)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Line;
    impl Model<2> for Line {
        fn eval(&self, p: &[f64; 2], t: f64, g: &mut [f64; 2]) -> f64 {
            g[0] = 1.0;
            g[1] = t;
            p[0] + p[1] * t
        }
    }

    #[test]
    fn linear_least_squares_and_covariance() {
        // y = 1 + 2t with residuals (+0.1, −0.1, −0.1, +0.1) at t = 0..3.
        // Normal equations give intercept 1, slope 2 (the residual pattern is
        // orthogonal to [1, t]); RSS = 0.04, s² = 0.04/2 = 0.02,
        // (XᵀX)⁻¹ = [[0.7, −0.3], [−0.3, 0.2]] → var(slope) = 0.004.
        let t = [0.0, 1.0, 2.0, 3.0];
        let y = [1.1, 2.9, 4.9, 7.1];
        let s = solve(&Line, &t, &y, &[0.0, 0.0], &[-1e9; 2], &[1e9; 2]);
        assert!(s.converged);
        assert!((s.params[0] - 1.0).abs() < 1e-9);
        assert!((s.params[1] - 2.0).abs() < 1e-9);
        let c = covariance(&Line, &s.params, &t, s.rss).unwrap();
        assert!((c[(1, 1)] - 0.004).abs() < 1e-12);
        assert!((c[(0, 0)] - 0.014).abs() < 1e-12);
    }

    struct Growth;
    impl Model<2> for Growth {
        fn eval(&self, p: &[f64; 2], t: f64, g: &mut [f64; 2]) -> f64 {
            let e = (p[1] * t).exp();
            g[0] = e;
            g[1] = p[0] * t * e;
            p[0] * e
        }
    }

    #[test]
    fn a_start_where_the_model_overflows_is_not_a_fit() {
        // a·e^(b t) at b = 100, t = 10: e^1000 overflows to +∞ (f64 ends
        // at about e^709.78), so the sum of squares at the start is ∞.
        // The solver must not call the start a converged fit.
        let t = [0.0, 5.0, 10.0];
        let y = [1.0, 0.5, 0.25];
        let s = solve(&Growth, &t, &y, &[1.0, 100.0], &[0.0, -1e3], &[10.0, 1e3]);
        assert!(!s.converged);
        assert_eq!(s.iterations, 0);
        assert_eq!(s.params, [1.0, 100.0]);
        assert!(s.rss.is_infinite());
        // From a start inside the range it fits y = 2^(−t/5) exactly:
        // a = 1, b = −ln2/5 = −0.138 629 436.
        let s = solve(&Growth, &t, &y, &[1.0, 0.0], &[0.0, -1e3], &[10.0, 1e3]);
        assert!(s.converged);
        assert!((s.params[0] - 1.0).abs() < 1e-9, "{:?}", s.params);
        assert!(
            (s.params[1] + std::f64::consts::LN_2 / 5.0).abs() < 1e-9,
            "{:?}",
            s.params
        );
    }

    // --- Path-pinning cases (issue 16) ---------------------------------
    //
    // The solver's control (iteration cap, active set, gradient test,
    // damping schedule, stopping rules) leaves the minimum of a well-posed
    // problem unchanged when it is wrong; it shows in the path: the number
    // of iterations, the exact parameters at a stopping rule, the flag
    // `converged`. The cases below are small enough to follow by hand.
    //
    // The key to hand paths: for a model linear in a parameter whose
    // Jacobian column is orthogonal to the others' (or the only one), the
    // damped normal equations `(JᵀJ + μ·diag JᵀJ) δ = Jᵀr` reduce to
    // `(1 + μ)·δ = e` (e = optimum − p): every accepted step leaves the
    // error times `q = μ/(1 + μ)`. The damping starts at μ = 1e-3 and is
    // divided by 3 after each accepted step (module doc), so the k-th step
    // has μ_k = 1e-3/3^(k−1) (floored at 1e-12, not reached here).

    /// μ of the k-th accepted step when no step is rejected (module doc).
    fn mu_of_step(k: i32) -> f64 {
        (1e-3 / 3f64.powi(k - 1)).max(1e-12)
    }

    /// The error left by k accepted steps of the orthogonal linear case:
    /// e_k = e_0 · Π_{i ≤ k} μ_i/(1 + μ_i).
    fn error_after(e0: f64, k: i32) -> f64 {
        (1..=k).fold(e0, |e, i| e * mu_of_step(i) / (1.0 + mu_of_step(i)))
    }

    /// f(p, t) = p₀ with a reported ∂f/∂p₀ of `c`: with c = 1 the true
    /// level model; with c ≠ 1 a mis-scaled Jacobian whose step is the
    /// Gauss–Newton step divided by c(1 + μ), which pins the damping.
    struct Level {
        c: f64,
    }
    impl Model<1> for Level {
        fn eval(&self, p: &[f64; 1], _t: f64, g: &mut [f64; 1]) -> f64 {
            g[0] = self.c;
            p[0]
        }
    }

    #[test]
    fn hand_path_of_a_level_fit_that_ends_on_a_zero_sum_of_squares() {
        // y = (1, 1) from p = 0: e_k = Π μ_i/(1 + μ_i) ≈ 9.99e-4, 3.33e-7,
        // 3.70e-11, 1.37e-15 after steps 1–4. None of those steps stops:
        // each lowers the RSS 2e² by a factor ≈ 1e-6 or more (decrease ≈ 1,
        // not < 1e-12), and the gradient test before step 5 sees Jᵀr =
        // 2e₄ ≈ 2.7e-15 > 1e-15·(1 + RSS) (e₄ is 12 or 13 ulps of 1 in
        // floating point: 1.33e-15 or 1.44e-15). Step 5 moves p by
        // e₄(1 − 1.2e-5): 1 − 1.7e-20 rounds to exactly 1, RSS = 0, and the
        // rule `RSS == 0` stops at iteration 5.
        assert!((error_after(1.0, 4) - 1.37e-15).abs() < 0.01e-15);
        let s = solve(
            &Level { c: 1.0 },
            &[0.0, 1.0],
            &[1.0, 1.0],
            &[0.0],
            &[-10.0],
            &[10.0],
        );
        assert!(s.converged);
        assert_eq!(s.iterations, 5);
        assert_eq!(s.params, [1.0]);
        assert_eq!(s.rss, 0.0);
    }

    #[test]
    fn gradient_test_scales_with_one_plus_the_sum_of_squares() {
        // The stationarity test is max|Jᵀr| ≤ 1e-15·(1 + RSS), checked
        // before any step: a start that passes comes back unchanged, bit
        // for bit, after 1 iteration; one that fails takes a step.
        //
        // (a) Small RSS: y = (1, 1) from p = 1 + 2⁻⁵²: r = −2⁻⁵² each,
        // Jᵀr = −2⁻⁵¹ = −4.4e-16, RSS = 2⁻¹⁰³: 4.4e-16 ≤ 1e-15·(1 + 2⁻¹⁰³),
        // but not ≤ 1e-15·RSS (a test scaled by RSS alone would step to
        // p = 1 exactly: 1 + 2⁻⁵²·(1 − 1/1.001) rounds to 1).
        let p0 = 1.0 + f64::EPSILON;
        let s = solve(
            &Level { c: 1.0 },
            &[0.0, 1.0],
            &[1.0, 1.0],
            &[p0],
            &[-10.0],
            &[10.0],
        );
        assert!(s.converged);
        assert_eq!(s.iterations, 1);
        assert_eq!(s.params, [p0]);
        assert_eq!(s.rss, 2f64.powi(-103));
        // (b) Large RSS: y = (−6, 8) (mean 1, RSS at the mean 98) from
        // p = 1 + 2⁻⁴⁹: Jᵀr = (−7 − 2⁻⁴⁹) + (7 − 2⁻⁴⁹) = −2⁻⁴⁸ = −3.6e-15,
        // all exact in floating point: ≤ 1e-15·(1 + 98) = 9.9e-14 passes;
        // 1e-15 alone, 1e-15/(1 + RSS) or 1e-15·(1 − RSS) would fail and
        // step to p = 1 (1 + 2⁻⁴⁹·(1 − 1/1.001) rounds to 1).
        let p0 = 1.0 + 2f64.powi(-49);
        let s = solve(
            &Level { c: 1.0 },
            &[0.0, 1.0],
            &[-6.0, 8.0],
            &[p0],
            &[-10.0],
            &[10.0],
        );
        assert!(s.converged);
        assert_eq!(s.iterations, 1);
        assert_eq!(s.params, [p0]);
        assert!((s.rss - 98.0).abs() < 1e-12, "{}", s.rss);
    }

    #[test]
    fn iteration_cap_of_200_with_a_jacobian_a_thousand_times_too_large() {
        // f = p₀ with a reported ∂f/∂p₀ of 1000: each step is
        // e/(1000·(1 + μ_k)), so the error shrinks by (1 − 1/(1000(1 + μ_k)))
        // a step: every step lowers the RSS (accepted), by about 2e-3
        // relative (not < 1e-12), moves p by about 8e-4 (not ≤ 1e-6·|p|
        // with |p| < 0.2), and Jᵀr = 1000·e ≈ 800 never vanishes: the
        // solver runs the documented cap of 200 iterations and reports no
        // convergence, at p = 1 − Π_{k ≤ 200} (1 − 1/(1000(1 + μ_k))).
        let e200 = (1..=200).fold(1.0, |e, k| {
            e * (1.0 - 1.0 / (1000.0 * (1.0 + mu_of_step(k))))
        });
        assert!((e200 - 0.8186).abs() < 1e-3, "{e200}"); // ≈ e^(−0.2)
        let s = solve(
            &Level { c: 1000.0 },
            &[0.0],
            &[1.0],
            &[0.0],
            &[-10.0],
            &[10.0],
        );
        assert!(!s.converged);
        assert_eq!(s.iterations, 200);
        // Tolerance: 200 rounded updates of p near 0.2 (ulp 2.8e-17).
        assert!((s.params[0] - (1.0 - e200)).abs() < 1e-13, "{:?}", s.params);
        assert!((s.rss - e200 * e200).abs() < 1e-13);
    }

    /// The algorithm of the module doc, written out for one parameter of
    /// the level model f = p with a reported slope `c` (JᵀJ = n·c²,
    /// Jᵀr = c·Σr, no matrices): a reference for the solver's path, taken
    /// from the documented rules, not from the solver's code or output.
    /// Returns (p, iterations, converged).
    fn documented_scalar_path(c: f64, y: &[f64], p0: f64, lo: f64, hi: f64) -> (f64, usize, bool) {
        let eval = |p: f64| {
            let rss: f64 = y.iter().map(|v| (v - p) * (v - p)).sum();
            let jtr: f64 = y.iter().map(|v| c * (v - p)).sum();
            (rss, y.len() as f64 * c * c, jtr)
        };
        let mut p = p0.clamp(lo, hi);
        let (mut rss, mut jtj, mut jtr) = eval(p);
        let mut mu = 1e-3;
        for iteration in 1..=200 {
            // Active set: on a bound with the descent direction outward.
            let frozen = (p <= lo && jtr < 0.0) || (p >= hi && jtr > 0.0);
            // Projected gradient test.
            if frozen || jtr.abs() <= 1e-15 * (1.0 + rss) {
                return (p, iteration, true);
            }
            loop {
                let delta = jtr / (jtj + mu * jtj.max(1e-12));
                let trial = (p + delta).clamp(lo, hi);
                let step = (trial - p).abs();
                let (new_rss, new_jtj, new_jtr) = eval(trial);
                if new_rss <= rss {
                    // Accepted: μ ← μ/3; stop on a relative decrease below
                    // 1e-12 with a relative move below 1e-6, or a zero RSS.
                    let decrease = (rss - new_rss) / rss;
                    let norm = p.abs();
                    (p, rss, jtj, jtr) = (trial, new_rss, new_jtj, new_jtr);
                    mu = (mu / 3.0).max(1e-12);
                    if (decrease < 1e-12 && step <= 1e-6 * (norm + 1e-12)) || rss == 0.0 {
                        return (p, iteration, true);
                    }
                    break;
                }
                // Rejected: stop if it no longer moves p (1e-12 relative),
                // else μ ← 2μ up to 1e16 (no downhill step: a minimum).
                if step <= 1e-12 * (p.abs() + 1e-12) {
                    return (p, iteration, true);
                }
                mu *= 2.0;
                if mu > 1e16 {
                    return (p, iteration, true);
                }
            }
        }
        (p, 200, false)
    }

    #[test]
    fn damping_and_stopping_follow_the_documented_rules_step_by_step() {
        // Each case against the documented algorithm above (and a hand
        // check of what makes it interesting). Tolerance on p: 4 ulps of p
        // (the solver divides by the Cholesky factor twice, the reference
        // once); a p of exactly 0 must be exactly 0.
        const TINY_Y: f64 = 1.0 / 1073741824.0; // 2⁻³⁰
        const SMALL_Y: f64 = 1.0 / 67108864.0; // 2⁻²⁶
        let cases: [(f64, &[f64], f64, &str); 9] = [
            // Slope 0.25 (a quarter of the true 1): the undamped step 4e
            // overshoots to −3e, so μ must double from 1e-3 to 1.024 before
            // a step falls, and keep rising and falling after it.
            (0.25, &[1.0], 0.0, "overshoot"),
            // The same at y = 1000: a relative move test of 1e-12·|p|
            // (1e-9) differs from an absolute one.
            (0.25, &[1000.0], 0.0, "overshoot at scale"),
            // The same with a residual sum of squares at the minimum.
            (0.25, &[0.5, 1.5], 0.0, "overshoot with RSS"),
            // A slope of the wrong sign: every step goes uphill; μ doubles
            // until the rejected step moves p by ≤ 1e-12·|p| = 5e-13 (step
            // 0.5/(1 + μ): μ = 1e-3·2⁵⁰ = 1.13e12): converged, unmoved.
            (-1.0, &[1.0], 0.5, "uphill"),
            // The same from p = 0, where the move test 1e-12·(0 + 1e-12)
            // would need μ ≥ 1e24: at μ = 1e-3·2⁶³ = 9.2e15 the step
            // −1/(1 + μ) = −1.08e-16 leaves r = 1 + 1.08e-16, which rounds
            // to 1 (half an ulp of 1 is 1.11e-16): the RSS does not rise and
            // the step is accepted; in iteration 2 μ = 3.1e15 doubles past
            // 1e16 (steps −3.3e-16, −1.6e-16 raise the RSS): converged.
            (-1.0, &[1.0], 0.0, "uphill from 0"),
            // Uphill from 0 at y = 2⁻³⁰ (9.3e-10): the rejected-move test
            // 1e-12·(0 + 1e-12) = 1e-24 holds at μ = 1e-3·2⁶⁰ = 1.15e15
            // (step 2⁻³⁰/(1 + μ) = 8.1e-25): converged at p = 0 exactly, before
            // μ = 9.2e15, where the step 1.01e-25 would be below half an ulp
            // of y (2⁻⁸³ = 1.03e-25) and accepted.
            (-1.0, &[TINY_Y], 0.0, "uphill from 0, tiny"),
            // Uphill from 0 at y = 2⁻²⁶ (1.5e-8): that test would need μ ≥
            // 1.5e16, but at μ = 9.2e15 the step 1.62e-24 is below half an ulp
            // of y (2⁻⁷⁹ = 1.65e-24): the RSS does not rise, the step is
            // accepted, and it stops at once: decrease 0 and a move ≤
            // 1e-6·(|p| + 1e-12) = 1e-18 with |p| = 0 before the step.
            (-1.0, &[SMALL_Y], 0.0, "uphill from 0, small"),
            // A slope 1000 times too large: 200 small accepted steps.
            (1000.0, &[1.0], 0.0, "cap"),
            // The true level model: converges in a few steps.
            (1.0, &[0.5, 1.5], 0.0, "level"),
        ];
        for (c, y, p0, what) in cases {
            let t = vec![0.0; y.len()];
            let (p, iterations, converged) = documented_scalar_path(c, y, p0, -10.0, 2000.0);
            let s = solve(&Level { c }, &t, y, &[p0], &[-10.0], &[2000.0]);
            assert_eq!(s.iterations, iterations, "{what}");
            assert_eq!(s.converged, converged, "{what}");
            assert!(
                (s.params[0] - p).abs() <= 4.0 * f64::EPSILON * p.abs(),
                "{what}: {:?} vs {p}",
                s.params
            );
        }
        // Hand checks of the reference: the overshoot ends at y = 1 (to
        // the move test 1e-12), uphill, uphill from 0 and the cap as above.
        let (p, it, ok) = documented_scalar_path(0.25, &[1.0], 0.0, -10.0, 2000.0);
        assert!(ok && it > 10 && (p - 1.0).abs() < 1e-11, "{p} {it}");
        assert_eq!(
            documented_scalar_path(-1.0, &[1.0], 0.5, -10.0, 2000.0),
            (0.5, 1, true)
        );
        assert_eq!(
            documented_scalar_path(-1.0, &[1.0], 0.0, -10.0, 2000.0),
            (-1.0 / (1.0 + 1e-3 * 2f64.powi(63)), 2, true)
        );
        assert_eq!(
            documented_scalar_path(-1.0, &[TINY_Y], 0.0, -10.0, 2000.0),
            (0.0, 1, true)
        );
        let (p, it, ok) = documented_scalar_path(-1.0, &[SMALL_Y], 0.0, -10.0, 2000.0);
        assert_eq!((it, ok), (1, true));
        assert!(
            (p + SMALL_Y / (1.0 + 1e-3 * 2f64.powi(63))).abs() < 1e-39,
            "{p}"
        );
        assert_eq!(
            documented_scalar_path(1000.0, &[1.0], 0.0, -10.0, 2000.0).1,
            200
        );
    }

    #[test]
    fn a_relative_decrease_of_exactly_1e_12_is_not_below_it() {
        // The accepted-step stop needs a relative decrease *below* 1e-12
        // (module doc). Level model with slope c ≈ 2e12 from p = 1: the step
        // is e/(c(1 + μ)) ≈ 3.6e-13 (a move ≤ 1e-6·|p|), and the decrease
        // 1 − (1 − 1/(c(1 + μ)))² ≈ 2/(c(1 + μ)) ≈ 1e-12. The values of y
        // and c were found by a search for a first step whose decrease,
        // (RSS − RSS')/RSS in floating point, is exactly the double 1e-12
        // (checked below with the documented step): it must not stop there.
        // Every later step has a smaller μ, so 2/(c(1 + μ)) > 1e-12
        // (2/c = 1.0013e-12): no accepted step stops, and the solver runs
        // to the 200-iteration cap, unconverged.
        let (y, c) = (1.7150228687530802, 1997492240984.4312);
        let e = y - 1.0;
        let delta = c * e / (c * c * (1.0 + 1e-3));
        let e1 = y - (1.0 + delta);
        assert_eq!((e * e - e1 * e1) / (e * e), 1e-12);
        assert!(delta <= 1e-6 * (1.0 + 1e-12));
        let s = solve(&Level { c }, &[0.0], &[y], &[1.0], &[-10.0], &[10.0]);
        assert!(!s.converged);
        assert_eq!(s.iterations, 200);
    }

    /// f(p, t) = p₀ whose Jacobian is not a number: the damped normal
    /// equations have no Cholesky factor at any μ.
    struct NanJacobian;
    impl Model<1> for NanJacobian {
        fn eval(&self, p: &[f64; 1], _t: f64, g: &mut [f64; 1]) -> f64 {
            g[0] = f64::NAN;
            p[0]
        }
    }

    #[test]
    fn a_jacobian_without_a_factorisation_gives_up_unconverged() {
        // JᵀJ = NaN: Cholesky fails (√NaN has no value), μ doubles past
        // 1e16 and the solver stops: not converged, the start unchanged.
        let s = solve(&NanJacobian, &[0.0], &[1.0], &[0.5], &[-10.0], &[10.0]);
        assert!(!s.converged);
        assert_eq!(s.iterations, 1);
        assert_eq!(s.params, [0.5]);
        assert_eq!(s.rss, 0.25);
    }

    // The line y = a + b·t at t = 0..3 with data 1 + 2t + (¼, −¼, −¼, ¼)
    // (dyadic: every residual below is exact in floating point). The
    // unconstrained minimum is a = 1, b = 2 (the residual pattern is
    // orthogonal to [1, t]).
    const T4: [f64; 4] = [0.0, 1.0, 2.0, 3.0];
    const Y4: [f64; 4] = [1.25, 2.75, 4.75, 7.25];

    #[test]
    fn minimum_on_an_upper_bound_freezes_it_and_fits_the_rest_by_hand() {
        // b ≤ 1.5: the constrained minimum is b = 1.5, a = ȳ − 1.5·t̄ =
        // 4 − 2.25 = 1.75, residuals (−½, −½, 0, 1), RSS 1.5. From a = 2,
        // b = 1.5 the gradient of b, Σ t·r = 2.5 − 6·(a − 1.75) > 0, points
        // out of the box: b is frozen, and a alone is the level fit with
        // JᵀJ = 4: e_k = ¼·Π μ_i/(1 + μ_i) = 2.50e-4, 8.32e-8, 9.25e-12.
        // Relative RSS decrease 4(e²_{k−1} − e²_k)/(1.5 + 4e²_{k−1}):
        // step 1: 0.14, step 2: 1.7e-7, step 3: 1.8e-14 < 1e-12 with a move
        // 8.3e-8 ≤ 1e-6·|p| (|p| = 2.3): converged at iteration 3.
        let s = solve(&Line, &T4, &Y4, &[2.0, 1.5], &[-10.0, -10.0], &[10.0, 1.5]);
        assert!(s.converged);
        assert_eq!(s.iterations, 3);
        assert_eq!(s.params[1], 1.5);
        // Tolerance: a few ulps of 1.75 (2.2e-16 each).
        let e3 = error_after(0.25, 3);
        assert!((e3 - 9.25e-12).abs() < 0.01e-12);
        assert!((s.params[0] - (1.75 + e3)).abs() < 2e-15, "{:?}", s.params);
        assert!((s.rss - 1.5).abs() < 1e-12);
    }

    #[test]
    fn minimum_on_a_lower_bound_freezes_it_and_fits_the_rest_by_hand() {
        // b ≥ 2.5: the constrained minimum is b = 2.5, a = 4 − 3.75 = 0.25,
        // residuals (1, 0, −½, −½), RSS 1.5. From a = 0.5, b = 2.5 the
        // gradient of b, Σ t·r = −2.5 − 6·(a − 0.25) < 0, points out of the
        // box: b is frozen, and the path of a is that of the upper-bound
        // case mirrored (e₀ = −¼): converged at iteration 3.
        let s = solve(&Line, &T4, &Y4, &[0.5, 2.5], &[-10.0, 2.5], &[10.0, 10.0]);
        assert!(s.converged);
        assert_eq!(s.iterations, 3);
        assert_eq!(s.params[1], 2.5);
        let e3 = error_after(0.25, 3);
        assert!((s.params[0] - (0.25 + e3)).abs() < 2e-15, "{:?}", s.params);
        assert!((s.rss - 1.5).abs() < 1e-12);
    }

    #[test]
    fn a_bound_touched_with_a_zero_gradient_does_not_freeze() {
        // A parameter on its bound is frozen only when its gradient points
        // out of the box (strictly). From a = 1.875, b = 1.625 the
        // residuals are (−⅝, −¾, −⅜, ½): Σ t·r = 0 exactly, Σ r = −1.25.
        // The damped step couples a and b (JᵀJ = [[4, 6], [6, 14]]) and
        // moves b up, into the box, towards the minimum b = 2; so a lower
        // bound at b = 1.625 must not change the path at all: the same
        // iterations and, bit for bit, the same parameters as without it.
        let free = solve(&Line, &T4, &Y4, &[1.875, 1.625], &[-10.0; 2], &[10.0; 2]);
        let low = solve(
            &Line,
            &T4,
            &Y4,
            &[1.875, 1.625],
            &[-10.0, 1.625],
            &[10.0; 2],
        );
        assert!(free.converged && low.converged);
        assert_eq!(low.iterations, free.iterations);
        assert_eq!(low.params, free.params);
        assert!((free.params[1] - 2.0).abs() < 1e-9);
        // Mirrored: from a = 0.125, b = 2.375 the residuals are
        // (1⅛, ¼, −⅛, 0): Σ t·r = ¼ − ¼ + 0 = 0, Σ r = 1.25, and the step
        // moves b down, into the box under an upper bound b ≤ 2.375.
        let free = solve(&Line, &T4, &Y4, &[0.125, 2.375], &[-10.0; 2], &[10.0; 2]);
        let high = solve(
            &Line,
            &T4,
            &Y4,
            &[0.125, 2.375],
            &[-10.0; 2],
            &[10.0, 2.375],
        );
        assert!(free.converged && high.converged);
        assert_eq!(high.iterations, free.iterations);
        assert_eq!(high.params, free.params);
        assert!((free.params[1] - 2.0).abs() < 1e-9);
    }

    /// f(p, t) = p₀, with a second parameter the data do not inform
    /// (∂f/∂p₁ = 0): it keeps its start and only sets |p| for the
    /// relative step test.
    struct LevelAndIdle;
    impl Model<2> for LevelAndIdle {
        fn eval(&self, p: &[f64; 2], _t: f64, g: &mut [f64; 2]) -> f64 {
            g[0] = 1.0;
            g[1] = 0.0;
            p[0]
        }
    }

    #[test]
    fn accepted_step_stops_only_on_a_small_decrease_and_a_small_move() {
        // y = (1.25, 0.75): minimum p₀ = 1, RSS 0.125. From p₀ = 0 with the
        // idle p₁ = 1e8 (|p| = 1e8, so the move test 1e-6·|p| = 100 holds
        // from the first step): e_k = 9.99e-4, 3.33e-7, 3.70e-11, 1.37e-15.
        // Relative decrease 2(e²_{k−1} − e²_k)/(0.125 + 2e²_{k−1}): 0.94,
        // 1.6e-5, 1.77e-12 (not yet < 1e-12), then 2.7e-21/0.125 (< 1e-12):
        // converged at iteration 4 (a stop on the small move alone would
        // come at 1; a move test 1e-6/|p| = 1e-14 would wait for 5).
        let s = solve(
            &LevelAndIdle,
            &[0.0, 1.0],
            &[1.25, 0.75],
            &[0.0, 1e8],
            &[-10.0, -1e9],
            &[10.0, 1e9],
        );
        assert!(s.converged);
        assert_eq!(s.iterations, 4);
        assert_eq!(s.params[1], 1e8);
        assert!((s.params[0] - 1.0).abs() < 2e-15, "{:?}", s.params);
        assert!((s.rss - 0.125).abs() < 1e-15);
    }

    /// The scale of the flat direction, 2⁻¹³ ≈ 1.2e-4 (a power of two, so
    /// the data below are exact in floating point).
    const FLAT: f64 = 1.0 / 8192.0;

    /// f(p, t) = p₀ + s·p₁·t at t = ±1, s = 2⁻¹³: orthogonal columns, and
    /// p₁ changes the fit 8192 times less than p₀ (a flat direction).
    struct LevelAndFlat;
    impl Model<2> for LevelAndFlat {
        fn eval(&self, p: &[f64; 2], t: f64, g: &mut [f64; 2]) -> f64 {
            g[0] = 1.0;
            g[1] = FLAT * t;
            p[0] + FLAT * p[1] * t
        }
    }

    #[test]
    fn a_small_decrease_alone_does_not_stop_while_the_parameters_still_move() {
        // t = (−1, 1, −1, 1), y = 1 + s·t + (¼, ¼, −¼, −¼): minimum
        // p = (1, 1), RSS 0.25 (the pattern is orthogonal to both columns).
        // From p = (1, 0) only p₁ moves: e_k = 9.99e-4, 3.33e-7, … and the
        // RSS 0.25 + 4s²·e² (4s² = 6.0e-8) falls by 2.4e-7 (relative) at
        // step 1, 2.4e-13 at step 2: < 1e-12, but p₁ moved 1e-3 > 1e-6·|p|
        // (|p| ≈ 1.41); at step 3 it moves 3.3e-7 ≤ 1.41e-6: converged at
        // iteration 3, p₁ = 1 − e₃. (A stop on the small decrease alone, or
        // a move test against 1e-6 + |p|, would stop at iteration 2.)
        let t = [-1.0, 1.0, -1.0, 1.0];
        let y = [1.25 - FLAT, 1.25 + FLAT, 0.75 - FLAT, 0.75 + FLAT];
        let s = solve(&LevelAndFlat, &t, &y, &[1.0, 0.0], &[-10.0; 2], &[10.0; 2]);
        assert!(s.converged);
        assert_eq!(s.iterations, 3);
        // Tolerance: rounding of the residuals (ulp of 1.25: 2.2e-16) seen
        // through the 1/s = 8192 scale of p₁: 1e-11 covers it.
        let e3 = error_after(1.0, 3);
        assert!((e3 - 3.70e-11).abs() < 0.01e-11);
        assert!(
            (s.params[1] - (1.0 - e3)).abs() < 1e-11,
            "{:?} {e3}",
            s.params
        );
        assert_eq!(s.params[0], 1.0);
    }

    #[test]
    fn bounds_are_respected() {
        let t = [0.0, 1.0, 2.0, 3.0];
        let y = [1.1, 2.9, 4.9, 7.1];
        let s = solve(&Line, &t, &y, &[0.0, 0.0], &[-1e9, -1e9], &[1e9, 1.5]);
        assert!(s.params[1] <= 1.5);
        assert!((s.params[1] - 1.5).abs() < 1e-12);
    }
}
