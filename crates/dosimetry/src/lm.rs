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

    #[test]
    fn bounds_are_respected() {
        let t = [0.0, 1.0, 2.0, 3.0];
        let y = [1.1, 2.9, 4.9, 7.1];
        let s = solve(&Line, &t, &y, &[0.0, 0.0], &[-1e9, -1e9], &[1e9, 1.5]);
        assert!(s.params[1] <= 1.5);
        assert!((s.params[1] - 1.5).abs() < 1e-12);
    }
}
