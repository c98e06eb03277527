//! Retention models, their fits, the time-integrated activity coefficient τ
//! and the automatic model choice (`docs/reference/dosimetry.md` §4).
//!
//! ```text
//! mono       R(t) = a·e^(−λt)                          τ = a/λ
//! bi         R(t) = a·e^(−λ1 t) + (1−a)·e^(−λ2 t)       τ = a/λ1 + (1−a)/λ2
//! trapezoid  τ = t₀·1 + Σ ½(R_i + R_(i+1))(t_(i+1) − t_i) + R_n/λ_tail
//! ```
//!
//! Times are hours after the end of the infusion; exponential models are
//! integrated from 0 to ∞, the trapezoid from 0 (with R = 1 before the
//! pre-void reading at t₀) to ∞. Fits are unweighted least squares on the
//! retention fraction (the same objective as SciPy `curve_fit` without
//! `sigma`), seeded from log-linear estimates (docs/reference/dosimetry.md §4.3).
//!
//! **Physical bound (docs/reference/dosimetry.md §4.2).** Every effective decay constant is bounded
//! below by λ_phys of I-131 ([`crate::physics::lambda_phys`]): clearance
//! slower than physical decay would mean net uptake after the infusion (or
//! readings that were decay-corrected by mistake). With the default policy
//! [`PhysicalBoundPolicy::Error`], a fit that ends on that bound is an error;
//! [`PhysicalBoundPolicy::Constrain`] keeps the bounded fit (a conservative,
//! larger τ) with a warning.

use crate::lm::{self, Model};
use crate::physics::lambda_phys;
use mibg_units::{Hours, RateConstant};
use serde::{Deserialize, Serialize};

/// A retention model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Mono-exponential `a·e^(−λt)`.
    Mono,
    /// Bi-exponential `a·e^(−λ1 t) + (1−a)·e^(−λ2 t)`.
    Bi,
    /// Trapezoid over the readings plus an exponential tail.
    Trapezoid,
}

impl ModelKind {
    /// The model's name as used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mono => "mono",
            Self::Bi => "bi",
            Self::Trapezoid => "trapezoid",
        }
    }
}

/// Which model to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelChoice {
    /// Choose mono or bi by AICc with a minimum-points rule ([`select_model`]).
    Auto,
    /// Always this model.
    Fixed(ModelKind),
}

/// How the trapezoid model extrapolates after the last reading (docs/reference/dosimetry.md §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TailMethod {
    /// Log-linear fit of the last [`FitOptions::tail_points`] readings (default).
    LogLinear,
    /// Physical decay of I-131: a conservative upper bound on τ.
    Physical,
}

/// What to do when a fit's effective decay is not faster than physical decay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PhysicalBoundPolicy {
    /// Refuse the fit (default): the data contradict physics.
    Error,
    /// Keep the fit with the rate pinned at λ_phys (conservative), with a warning.
    Constrain,
}

/// Fit settings. Every default is documented on [`FitOptions::default`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FitOptions {
    /// Tail of the trapezoid model.
    pub tail: TailMethod,
    /// Readings used by the log-linear tail (≥ 2).
    pub tail_points: usize,
    /// Physical-bound policy.
    pub physical_bound: PhysicalBoundPolicy,
    /// `auto` considers the bi-exponential only with at least this many readings.
    pub bi_min_points: usize,
}

impl Default for FitOptions {
    /// `tail = log-linear` over the last **3** readings (docs/reference/dosimetry.md §4.1: "the last 2–3
    /// or more points"); `physical_bound = error` (docs/reference/dosimetry.md §4.2, issue "Bad input");
    /// `bi_min_points = 6` \[I\]: AICc with k = 3 parameters + σ² needs
    /// n − k − 1 > 0 with k = 4, i.e. n ≥ 6.
    fn default() -> Self {
        Self {
            tail: TailMethod::LogLinear,
            tail_points: 3,
            physical_bound: PhysicalBoundPolicy::Error,
            bi_min_points: 6,
        }
    }
}

/// One exponential component of a fitted curve.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Component {
    /// Fraction of the activity in this component at t = 0.
    pub fraction: f64,
    /// Standard error of the fraction (`None` for a derived `1 − a`, or no covariance).
    pub fraction_se: Option<f64>,
    /// Effective decay constant (includes physical decay).
    pub lambda_per_h: RateConstant,
    /// Standard error of the decay constant.
    pub lambda_se_per_h: Option<RateConstant>,
    /// Effective half-life ln 2/λ.
    pub half_life_h: Hours,
    /// Standard error of the half-life (delta method: SE(λ)·ln2/λ²).
    pub half_life_se_h: Option<Hours>,
    /// `true` when λ sits on the physical-decay bound.
    pub at_physical_bound: bool,
}

/// A fitted (or interpolated) retention curve.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Curve {
    /// Sum of exponentials Σ aᵢ·e^(−λᵢ t).
    Exponential {
        /// (fraction, λ per hour) pairs.
        terms: Vec<(f64, f64)>,
    },
    /// Linear interpolation of the readings, R = 1 before the first one, then
    /// `R_n·e^(−λ_tail (t − t_n))`.
    Trapezoid {
        /// Reading times, h.
        times_h: Vec<f64>,
        /// Retention at those times.
        retention: Vec<f64>,
        /// Tail decay constant, per hour.
        lambda_tail_per_h: f64,
    },
}

impl Curve {
    /// Retention fraction R(t) at `t` hours after the end of infusion.
    pub fn retention(&self, t: Hours) -> f64 {
        let t = t.hours();
        match self {
            Curve::Exponential { terms } => terms.iter().map(|(a, l)| a * (-l * t).exp()).sum(),
            Curve::Trapezoid {
                times_h,
                retention,
                lambda_tail_per_h,
            } => {
                let n = times_h.len();
                if t <= times_h[0] {
                    return retention[0];
                }
                if t >= times_h[n - 1] {
                    return retention[n - 1] * (-lambda_tail_per_h * (t - times_h[n - 1])).exp();
                }
                let i = times_h.partition_point(|&x| x <= t) - 1;
                let f = (t - times_h[i]) / (times_h[i + 1] - times_h[i]);
                retention[i] + f * (retention[i + 1] - retention[i])
            }
        }
    }

    /// ∫ R(t) dt from `from` to ∞ (for `from` ≥ 0).
    pub fn integral_from(&self, from: Hours) -> Hours {
        let s = from.hours();
        Hours::new(match self {
            Curve::Exponential { terms } => terms.iter().map(|(a, l)| a / l * (-l * s).exp()).sum(),
            Curve::Trapezoid {
                times_h,
                lambda_tail_per_h,
                ..
            } => {
                let n = times_h.len();
                let tail_start = times_h[n - 1].max(s);
                let mut total = self.retention(Hours::new(tail_start)) / lambda_tail_per_h;
                // Piecewise-linear part on [s, t_n], with R = R_0 on [0, t_0].
                let mut knots = vec![0.0];
                knots.extend_from_slice(times_h);
                for w in knots.windows(2) {
                    let (lo, hi) = (w[0].max(s), w[1]);
                    if hi > lo {
                        let rl = self.retention(Hours::new(lo));
                        let rh = self.retention(Hours::new(hi));
                        total += 0.5 * (rl + rh) * (hi - lo);
                    }
                }
                total
            }
        })
    }

    /// τ = ∫₀^∞ R(t) dt.
    pub fn tau(&self) -> Hours {
        self.integral_from(Hours::ZERO)
    }
}

/// The fitted curve drives the radiation-protection computations
/// (dose rate at 1 m, threshold times, caregiver dose) of `mibg-radprot`.
impl mibg_radprot::RetentionCurve for Curve {
    fn retention(&self, t: Hours) -> f64 {
        Curve::retention(self, t)
    }
    /// The fitted exponential terms (closed-form contact doses); `None`
    /// for the trapezoid.
    fn exponential_terms(&self) -> Option<Vec<(f64, f64)>> {
        match self {
            Curve::Exponential { terms } => Some(terms.clone()),
            Curve::Trapezoid { .. } => None,
        }
    }
}

impl mibg_radprot::RetentionCurve for RetentionFit {
    fn retention(&self, t: Hours) -> f64 {
        self.curve.retention(t)
    }
    fn exponential_terms(&self) -> Option<Vec<(f64, f64)>> {
        mibg_radprot::RetentionCurve::exponential_terms(&self.curve)
    }
}

/// A retention fit with its diagnostics.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RetentionFit {
    /// The model.
    pub model: ModelKind,
    /// The curve.
    pub curve: Curve,
    /// Exponential components (for the trapezoid: the tail only).
    pub components: Vec<Component>,
    /// Parameter names in the order of `covariance`.
    pub parameter_names: Vec<String>,
    /// Parameter values in that order.
    pub parameter_values: Vec<f64>,
    /// Covariance s²·(JᵀJ)⁻¹ of the parameters (row-major), if defined.
    pub covariance: Option<Vec<Vec<f64>>>,
    /// Residuals R_i − R̂(t_i) (zeros for the trapezoid, which interpolates).
    pub residuals: Vec<f64>,
    /// Residual sum of squares.
    pub rss: f64,
    /// Coefficient of determination 1 − RSS/TSS (`None` for the trapezoid).
    pub r_squared: Option<f64>,
    /// Small-sample Akaike criterion n·ln(RSS/n) + 2k + 2k(k+1)/(n−k−1), k = parameters + 1.
    pub aicc: Option<f64>,
    /// τ, the time-integrated activity coefficient.
    pub tau_h: Hours,
    /// Standard error of τ by the delta method (gradient of τ × covariance).
    pub tau_se_h: Option<Hours>,
    /// Fraction of τ after the last reading (extrapolated).
    pub extrapolated_fraction: f64,
    /// Iterations of the nonlinear solver (0 for closed forms).
    pub iterations: usize,
    /// Warnings about this fit.
    pub warnings: Vec<String>,
}

/// A fit that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FitError {
    /// An effective decay not faster than physical decay.
    #[error(
        "{source_name}: the {model} fit gives an effective half-life of {half_life_h:.1} h, at or beyond the physical half-life of I-131 ({physical_h:.1} h): whole-body activity cannot clear slower than it decays (are the readings decay-corrected?). Use --physical-bound constrain to accept a fit pinned at physical decay"
    )]
    SlowerThanPhysical {
        /// Readings file.
        source_name: String,
        /// Model name.
        model: String,
        /// Fitted (or bound-pinned) effective half-life.
        half_life_h: f64,
        /// Physical half-life.
        physical_h: f64,
    },
    /// Too few readings for the requested model.
    #[error("{source_name}: the {model} model needs at least {min} readings, the file has {count}")]
    TooFewForModel {
        /// Readings file.
        source_name: String,
        /// Model name.
        model: String,
        /// Minimum.
        min: usize,
        /// Available.
        count: usize,
    },
    /// The solver failed.
    #[error("{source_name}: the {model} fit did not converge")]
    NotConverged {
        /// Readings file.
        source_name: String,
        /// Model name.
        model: String,
    },
    /// Invalid options.
    #[error("invalid fit option: {0}")]
    BadOption(String),
}

pub(crate) struct Mono;
impl Model<2> for Mono {
    fn eval(&self, p: &[f64; 2], t: f64, g: &mut [f64; 2]) -> f64 {
        let e = (-p[1] * t).exp();
        g[0] = e;
        g[1] = -p[0] * t * e;
        p[0] * e
    }
}

pub(crate) struct Bi;
impl Model<3> for Bi {
    fn eval(&self, p: &[f64; 3], t: f64, g: &mut [f64; 3]) -> f64 {
        let (a, l1, l2) = (p[0], p[1], p[2]);
        let e1 = (-l1 * t).exp();
        let e2 = (-l2 * t).exp();
        g[0] = e1 - e2;
        g[1] = -a * t * e1;
        g[2] = -(1.0 - a) * t * e2;
        a * e1 + (1.0 - a) * e2
    }
}

/// Upper bound on any decay constant: 10 h⁻¹ (T½ ≈ 4 min) [I], far faster
/// than any whole-body clearance; it only keeps the solver finite.
pub(crate) const LAMBDA_MAX: f64 = 10.0;

/// Ordinary least squares of ln y on t: returns (intercept, slope).
pub(crate) fn log_linear(t: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let pts: Vec<(f64, f64)> = t
        .iter()
        .zip(y)
        .filter(|(_, v)| **v > 0.0)
        .map(|(&a, &b)| (a, b.ln()))
        .collect();
    let n = pts.len() as f64;
    if pts.len() < 2 {
        return None;
    }
    let mt = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mt).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = pts.iter().map(|p| (p.0 - mt) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    Some((my - slope * mt, slope))
}

/// Internal result of fitting one model to (t, y).
#[derive(Clone, Debug)]
pub(crate) struct CoreFit {
    pub params: Vec<f64>,
    pub rss: f64,
    pub iterations: usize,
    pub converged: bool,
}

pub(crate) fn fit_mono(t: &[f64], y: &[f64], seed: Option<&[f64]>) -> CoreFit {
    let lp = lambda_phys().per_h();
    let p0 = match seed {
        Some(s) => [s[0], s[1]],
        None => match log_linear(t, y) {
            Some((b, s)) => [b.exp(), (-s).max(lp)],
            None => [1.0, 0.02],
        },
    };
    let s = lm::solve(&Mono, t, y, &p0, &[1e-9, lp], &[10.0, LAMBDA_MAX]);
    CoreFit {
        params: s.params.to_vec(),
        rss: s.rss,
        iterations: s.iterations,
        converged: s.converged,
    }
}

/// Peeling seeds for the bi-exponential: slow phase from a log-linear fit of
/// the last `k` points, fast phase from the early residuals.
pub(crate) fn bi_seeds(t: &[f64], y: &[f64]) -> Vec<[f64; 3]> {
    let lp = lambda_phys().per_h();
    let n = t.len();
    let mut seeds = Vec::new();
    for k in [3usize, 4, n / 2] {
        if k < 2 || k + 2 > n {
            continue;
        }
        let Some((b0, s2)) = log_linear(&t[n - k..], &y[n - k..]) else {
            continue;
        };
        let l2 = (-s2).max(lp * 1.01);
        let b = b0.exp().clamp(0.02, 0.98);
        let early: Vec<f64> = t[..n - k]
            .iter()
            .zip(&y[..n - k])
            .map(|(&ti, &yi)| yi - b * (-l2 * ti).exp())
            .collect();
        let l1 = match log_linear(&t[..n - k], &early) {
            Some((_, s1)) if -s1 > l2 * 1.5 => -s1,
            _ => 5.0 * l2,
        };
        seeds.push([1.0 - b, l1.min(LAMBDA_MAX), l2]);
    }
    seeds.push([0.5, 0.1, 0.01_f64.max(lp * 1.01)]);
    seeds
}

pub(crate) fn fit_bi(t: &[f64], y: &[f64], seed: Option<&[f64]>) -> CoreFit {
    let lp = lambda_phys().per_h();
    let lo = [0.0, lp, lp];
    let hi = [1.0, LAMBDA_MAX, LAMBDA_MAX];
    let seeds: Vec<[f64; 3]> = match seed {
        Some(s) => vec![[s[0], s[1], s[2]]],
        None => bi_seeds(t, y),
    };
    let mut best: Option<CoreFit> = None;
    for s0 in seeds {
        let s = lm::solve(&Bi, t, y, &s0, &lo, &hi);
        if best.as_ref().is_none_or(|b| s.rss < b.rss) {
            best = Some(CoreFit {
                params: s.params.to_vec(),
                rss: s.rss,
                iterations: s.iterations,
                converged: s.converged,
            });
        }
    }
    let mut b = best.expect("at least one seed");
    // Order the components: fast first.
    if b.params[1] < b.params[2] {
        b.params = vec![1.0 - b.params[0], b.params[2], b.params[1]];
    }
    b
}

/// τ of an exponential model from its parameters.
pub(crate) fn tau_of(model: ModelKind, p: &[f64]) -> f64 {
    match model {
        ModelKind::Mono => p[0] / p[1],
        ModelKind::Bi => p[0] / p[1] + (1.0 - p[0]) / p[2],
        ModelKind::Trapezoid => f64::NAN,
    }
}

fn tau_gradient(model: ModelKind, p: &[f64]) -> Vec<f64> {
    match model {
        ModelKind::Mono => vec![1.0 / p[1], -p[0] / (p[1] * p[1])],
        ModelKind::Bi => vec![
            1.0 / p[1] - 1.0 / p[2],
            -p[0] / (p[1] * p[1]),
            -(1.0 - p[0]) / (p[2] * p[2]),
        ],
        ModelKind::Trapezoid => vec![],
    }
}

/// Trapezoid τ for given retention values (shared with the bootstrap).
pub(crate) fn trapezoid_curve(
    t: &[f64],
    y: &[f64],
    opts: &FitOptions,
) -> Result<(Curve, f64, bool), f64> {
    let lp = lambda_phys().per_h();
    let n = t.len();
    let (lambda, at_bound) = match opts.tail {
        TailMethod::Physical => (lp, true),
        TailMethod::LogLinear => {
            let k = opts.tail_points.min(n);
            let slope = log_linear(&t[n - k..], &y[n - k..]).map_or(f64::NAN, |(_, s)| -s);
            if slope.is_nan() || slope <= lp {
                return Err(slope);
            }
            (slope, false)
        }
    };
    Ok((
        Curve::Trapezoid {
            times_h: t.to_vec(),
            retention: y.to_vec(),
            lambda_tail_per_h: lambda,
        },
        lambda,
        at_bound,
    ))
}

fn is_at_bound(lambda: f64) -> bool {
    lambda <= lambda_phys().per_h() * (1.0 + 1e-9)
}

fn r_squared(y: &[f64], rss: f64) -> f64 {
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let tss: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    1.0 - rss / tss
}

fn aicc(n: usize, n_params: usize, rss: f64) -> Option<f64> {
    let k = (n_params + 1) as f64;
    let n_f = n as f64;
    if n_f - k - 1.0 <= 0.0 {
        return None;
    }
    Some(n_f * (rss.max(1e-300) / n_f).ln() + 2.0 * k + 2.0 * k * (k + 1.0) / (n_f - k - 1.0))
}

fn component(fraction: f64, fse: Option<f64>, lambda: f64, lse: Option<f64>) -> Component {
    Component {
        fraction,
        fraction_se: fse,
        lambda_per_h: RateConstant::per_hour(lambda),
        lambda_se_per_h: lse.map(RateConstant::per_hour),
        half_life_h: RateConstant::per_hour(lambda).half_life(),
        half_life_se_h: lse.map(|s| Hours::new(s * std::f64::consts::LN_2 / (lambda * lambda))),
        at_physical_bound: is_at_bound(lambda),
    }
}

fn physical_error(source: &str, model: ModelKind, lambda: f64) -> FitError {
    FitError::SlowerThanPhysical {
        source_name: source.into(),
        model: model.name().into(),
        half_life_h: std::f64::consts::LN_2 / lambda,
        physical_h: crate::physics::I131_HALF_LIFE.hours(),
    }
}

/// Fits one model to times `t` (h after end of infusion) and retention `y`.
///
/// # Errors
/// [`FitError::TooFewForModel`] (mono ≥ 3, bi ≥ 4 readings, log-linear tail ≥
/// `tail_points`), [`FitError::NotConverged`], and
/// [`FitError::SlowerThanPhysical`] under [`PhysicalBoundPolicy::Error`].
pub fn fit_model(
    source: &str,
    model: ModelKind,
    t: &[f64],
    y: &[f64],
    opts: &FitOptions,
) -> Result<RetentionFit, FitError> {
    // The same fit again (the gate's repeats) is a copy of the first
    // (`memo`: exact inputs as the key).
    let (dt, dy) = (crate::memo::digest(t), crate::memo::digest(y));
    crate::memo::cached(
        &FITS,
        |k: &FitKey| {
            k.y.is(dy, y)
                && k.t.is(dt, t)
                && k.model == model
                && k.opts == *opts
                && k.source == source
        },
        || FitKey {
            source: source.to_string(),
            model,
            opts: *opts,
            t: crate::memo::Series::of(t),
            y: crate::memo::Series::of(y),
        },
        || fit_model_once(source, model, t, y, opts),
    )
}

/// The inputs of one [`fit_model`] call (numbers as bits).
struct FitKey {
    source: String,
    model: ModelKind,
    opts: FitOptions,
    t: crate::memo::Series,
    y: crate::memo::Series,
}

thread_local! {
    /// This thread's last fits ([`crate::memo`]).
    static FITS: std::cell::RefCell<crate::memo::Memo<FitKey, Result<RetentionFit, FitError>>> =
        const { std::cell::RefCell::new(crate::memo::Memo::new()) };
}

/// [`fit_model`] computed.
fn fit_model_once(
    source: &str,
    model: ModelKind,
    t: &[f64],
    y: &[f64],
    opts: &FitOptions,
) -> Result<RetentionFit, FitError> {
    if opts.tail_points < 2 {
        return Err(FitError::BadOption(format!(
            "tail points {} must be ≥ 2",
            opts.tail_points
        )));
    }
    let n = t.len();
    let min = match model {
        ModelKind::Mono => 3,
        ModelKind::Bi => 4,
        ModelKind::Trapezoid => 3.max(opts.tail_points),
    };
    if n < min {
        return Err(FitError::TooFewForModel {
            source_name: source.into(),
            model: model.name().into(),
            min,
            count: n,
        });
    }
    let t_last = t[n - 1];
    let mut warnings = Vec::new();
    let constrain_warning = |m: ModelKind| {
        format!(
            "{} fit: an effective half-life is pinned at the physical half-life of I-131 ({:.1} h) (--physical-bound constrain); τ is a conservative upper estimate",
            m.name(),
            crate::physics::I131_HALF_LIFE.hours()
        )
    };
    if model == ModelKind::Trapezoid {
        let (curve, lambda, at_bound) = match trapezoid_curve(t, y, opts) {
            Ok(c) => c,
            Err(slope) => match opts.physical_bound {
                PhysicalBoundPolicy::Error => {
                    return Err(physical_error(source, model, slope.max(1e-300)));
                }
                PhysicalBoundPolicy::Constrain => {
                    warnings.push(constrain_warning(model));
                    let o = FitOptions {
                        tail: TailMethod::Physical,
                        ..*opts
                    };
                    trapezoid_curve(t, y, &o).expect("physical tail always valid")
                }
            },
        };
        if opts.tail == TailMethod::Physical {
            warnings
                .push("trapezoid tail uses physical decay only: τ is an upper bound (docs/reference/dosimetry.md §4.1)".into());
        }
        let tau = curve.tau();
        let extrap = curve.integral_from(Hours::new(t_last)) / tau;
        let mut comp = component(y[n - 1], None, lambda, None);
        comp.at_physical_bound = at_bound;
        return Ok(RetentionFit {
            model,
            curve,
            components: vec![comp],
            parameter_names: vec!["lambda_tail_per_h".into()],
            parameter_values: vec![lambda],
            covariance: None,
            residuals: vec![0.0; n],
            rss: 0.0,
            r_squared: None,
            aicc: None,
            tau_h: tau,
            tau_se_h: None,
            extrapolated_fraction: extrap,
            iterations: 0,
            warnings,
        });
    }
    let core = match model {
        ModelKind::Mono => fit_mono(t, y, None),
        _ => fit_bi(t, y, None),
    };
    if !core.converged || core.params.iter().any(|v| !v.is_finite()) {
        return Err(FitError::NotConverged {
            source_name: source.into(),
            model: model.name().into(),
        });
    }
    let p = &core.params;
    let lambdas: Vec<f64> = match model {
        ModelKind::Mono => vec![p[1]],
        _ => vec![p[1], p[2]],
    };
    if let Some(&l) = lambdas.iter().find(|&&l| is_at_bound(l)) {
        match opts.physical_bound {
            PhysicalBoundPolicy::Error => return Err(physical_error(source, model, l)),
            PhysicalBoundPolicy::Constrain => warnings.push(constrain_warning(model)),
        }
    }
    let cov: Option<nalgebra::DMatrix<f64>> = match model {
        ModelKind::Mono => lm::covariance(&Mono, &[p[0], p[1]], t, core.rss)
            .map(|c| nalgebra::DMatrix::from_fn(2, 2, |i, j| c[(i, j)])),
        _ => lm::covariance(&Bi, &[p[0], p[1], p[2]], t, core.rss)
            .map(|c| nalgebra::DMatrix::from_fn(3, 3, |i, j| c[(i, j)])),
    };
    let se = |i: usize| cov.as_ref().map(|c| c[(i, i)].max(0.0).sqrt());
    let (components, names) = match model {
        ModelKind::Mono => (
            vec![component(p[0], se(0), p[1], se(1))],
            vec!["a", "lambda_per_h"],
        ),
        _ => (
            vec![
                component(p[0], se(0), p[1], se(1)),
                component(1.0 - p[0], se(0), p[2], se(2)),
            ],
            vec!["a", "lambda1_per_h", "lambda2_per_h"],
        ),
    };
    if model == ModelKind::Bi && (p[0] <= 1e-9 || p[0] >= 1.0 - 1e-9) {
        warnings.push(
            "bi-exponential fit degenerate: one component has zero weight (a mono-exponential describes the data)".into(),
        );
    }
    let tau = tau_of(model, p);
    let tau_se = cov.as_ref().map(|c| {
        let g = tau_gradient(model, p);
        let mut v = 0.0;
        for i in 0..g.len() {
            for j in 0..g.len() {
                v += g[i] * c[(i, j)] * g[j];
            }
        }
        Hours::new(v.max(0.0).sqrt())
    });
    let terms: Vec<(f64, f64)> = match model {
        ModelKind::Mono => vec![(p[0], p[1])],
        _ => vec![(p[0], p[1]), (1.0 - p[0], p[2])],
    };
    let curve = Curve::Exponential { terms };
    let residuals: Vec<f64> = t
        .iter()
        .zip(y)
        .map(|(&ti, &yi)| yi - curve.retention(Hours::new(ti)))
        .collect();
    let extrap = curve.integral_from(Hours::new(t_last)).hours() / tau;
    Ok(RetentionFit {
        model,
        components,
        parameter_names: names.into_iter().map(String::from).collect(),
        parameter_values: p.clone(),
        covariance: cov.map(|c| {
            (0..c.nrows())
                .map(|i| (0..c.ncols()).map(|j| c[(i, j)]).collect())
                .collect()
        }),
        residuals,
        rss: core.rss,
        r_squared: Some(r_squared(y, core.rss)),
        aicc: aicc(n, p.len(), core.rss),
        tau_h: Hours::new(tau),
        tau_se_h: tau_se,
        extrapolated_fraction: extrap,
        iterations: core.iterations,
        curve,
        warnings,
    })
}

/// Why a model was chosen.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Selection {
    /// `auto` or `fixed`.
    pub mode: String,
    /// The criterion in words.
    pub criterion: String,
    /// AICc of the mono-exponential candidate, if computed.
    pub aicc_mono: Option<f64>,
    /// AICc of the bi-exponential candidate, if computed.
    pub aicc_bi: Option<f64>,
    /// The reason for the choice.
    pub reason: String,
}

/// The AICc criterion in words (recorded in every automatic selection).
pub const AUTO_CRITERION: &str = "AICc (k = parameters + 1) between mono- and bi-exponential; bi only with ≥ bi_min_points readings, a converged non-degenerate fit (0 < a < 1) and no rate on the physical bound; the lower AICc wins, ties go to mono. The trapezoid is never chosen automatically (it has no likelihood).";

/// Fits the chosen model, or selects one automatically.
///
/// `auto`: mono is always fitted; bi is a candidate only when there are at
/// least `opts.bi_min_points` readings. A bi fit that is degenerate (a = 0
/// or a = 1) or has a rate on the physical bound is excluded and the reason
/// stated. The candidate with the lower AICc is chosen ([`AUTO_CRITERION`]).
///
/// # Errors
/// As [`fit_model`] for the chosen model (in `auto`, errors of the mono fit).
pub fn select_model(
    source: &str,
    choice: ModelChoice,
    t: &[f64],
    y: &[f64],
    opts: &FitOptions,
) -> Result<(RetentionFit, Selection), FitError> {
    if let ModelChoice::Fixed(m) = choice {
        let f = fit_model(source, m, t, y, opts)?;
        let sel = Selection {
            mode: "fixed".into(),
            criterion: "model given by the user".into(),
            aicc_mono: None,
            aicc_bi: None,
            reason: format!("{} requested (--model {})", m.name(), m.name()),
        };
        return Ok((f, sel));
    }
    let mono = fit_model(source, ModelKind::Mono, t, y, opts)?;
    let n = t.len();
    let mut sel = Selection {
        mode: "auto".into(),
        criterion: AUTO_CRITERION.into(),
        aicc_mono: mono.aicc,
        aicc_bi: None,
        reason: String::new(),
    };
    if n < opts.bi_min_points {
        sel.reason = format!(
            "mono-exponential: only {n} readings, the bi-exponential needs ≥ {} (minimum-points rule)",
            opts.bi_min_points
        );
        return Ok((mono, sel));
    }
    let strict = FitOptions {
        physical_bound: PhysicalBoundPolicy::Error,
        ..*opts
    };
    let bi = match fit_model(source, ModelKind::Bi, t, y, &strict) {
        Ok(b) => b,
        Err(e) => {
            sel.reason = format!("mono-exponential: bi-exponential excluded ({e})");
            return Ok((mono, sel));
        }
    };
    sel.aicc_bi = bi.aicc;
    let a = bi.parameter_values[0];
    if a <= 1e-9 || a >= 1.0 - 1e-9 {
        sel.reason = "mono-exponential: the bi-exponential fit is degenerate (one component has zero weight)".into();
        return Ok((mono, sel));
    }
    match (mono.aicc, bi.aicc) {
        (Some(am), Some(ab)) if ab < am => {
            sel.reason = format!(
                "bi-exponential: AICc {ab:.2} < mono {am:.2} (ΔAICc = {:.2})",
                am - ab
            );
            Ok((bi, sel))
        }
        (Some(am), Some(ab)) => {
            sel.reason = format!(
                "mono-exponential: AICc {am:.2} ≤ bi {ab:.2} (ΔAICc = {:.2})",
                ab - am
            );
            Ok((mono, sel))
        }
        _ => {
            sel.reason = "mono-exponential: AICc undefined for the bi-exponential".into();
            Ok((mono, sel))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LN2: f64 = std::f64::consts::LN_2;

    fn opts() -> FitOptions {
        FitOptions::default()
    }

    #[test]
    fn mono_closed_form_exact_data() {
        // R(t) = e^(−ln2 t/24): τ = 24/ln 2 = 34.6247 h (hand calculation).
        let t = [0.0, 6.0, 24.0, 48.0, 72.0];
        let y: Vec<f64> = t.iter().map(|&x| (-LN2 * x / 24.0).exp()).collect();
        let f = fit_model("x", ModelKind::Mono, &t, &y, &opts()).unwrap();
        assert!(
            (f.tau_h.hours() - 24.0 / LN2).abs() < 1e-6,
            "{}",
            f.tau_h.hours()
        );
        assert!((f.components[0].half_life_h.hours() - 24.0).abs() < 1e-6);
        assert!((f.r_squared.unwrap() - 1.0).abs() < 1e-12);
        // Extrapolated fraction after 72 h: e^(−ln2·3) = 0.125.
        assert!((f.extrapolated_fraction - 0.125).abs() < 1e-9);
    }

    #[test]
    fn bi_recovers_exact_kinetics() {
        // docs/reference/dosimetry.md §10.3 kinetics without rounding: a = 0.5, T1 = 6 h, T2 = 36 h.
        let t = [0.0, 4.0, 8.0, 24.0, 32.0, 48.0, 72.0, 96.0, 120.0];
        let y: Vec<f64> = t
            .iter()
            .map(|&x| 0.5 * (-LN2 * x / 6.0).exp() + 0.5 * (-LN2 * x / 36.0).exp())
            .collect();
        let f = fit_model("x", ModelKind::Bi, &t, &y, &opts()).unwrap();
        assert!((f.parameter_values[0] - 0.5).abs() < 1e-6);
        assert!((f.components[0].half_life_h.hours() - 6.0).abs() < 1e-5);
        assert!((f.components[1].half_life_h.hours() - 36.0).abs() < 1e-5);
        assert!((f.tau_h.hours() - 30.2966).abs() < 1e-3);
    }

    #[test]
    fn decay_corrected_data_are_rejected() {
        // T_eff = 400 h > 192.6 h physical.
        let t = [0.0, 24.0, 48.0, 72.0];
        let y: Vec<f64> = t.iter().map(|&x| (-LN2 * x / 400.0).exp()).collect();
        let e = fit_model("r.csv", ModelKind::Mono, &t, &y, &opts()).unwrap_err();
        assert!(matches!(e, FitError::SlowerThanPhysical { .. }), "{e:?}");
        assert!(e.to_string().contains("physical half-life"), "{e}");
        let c = FitOptions {
            physical_bound: PhysicalBoundPolicy::Constrain,
            ..opts()
        };
        let f = fit_model("r.csv", ModelKind::Mono, &t, &y, &c).unwrap();
        assert!(f.components[0].at_physical_bound);
        assert!(!f.warnings.is_empty());
        let e = fit_model("r.csv", ModelKind::Trapezoid, &t, &y, &opts()).unwrap_err();
        assert!(matches!(e, FitError::SlowerThanPhysical { .. }));
    }

    #[test]
    fn trapezoid_hand_calculation() {
        // Points (0,1), (10,0.5), (20,0.25): trapezoids 7.5 + 3.75 = 11.25;
        // log-linear tail over 3 points: λ = ln2/10, tail 0.25·10/ln2 = 3.6067.
        let t = [0.0, 10.0, 20.0];
        let y = [1.0, 0.5, 0.25];
        let f = fit_model("x", ModelKind::Trapezoid, &t, &y, &opts()).unwrap();
        let expect = 11.25 + 0.25 * 10.0 / LN2;
        assert!((f.tau_h.hours() - expect).abs() < 1e-9);
        assert!((f.extrapolated_fraction - 0.25 * 10.0 / LN2 / expect).abs() < 1e-12);
        // With the first reading at t0 = 2 h, R = 1 on [0, 2] adds 2 h.
        let t2 = [2.0, 12.0, 22.0];
        let f2 = fit_model("x", ModelKind::Trapezoid, &t2, &y, &opts()).unwrap();
        assert!((f2.tau_h.hours() - expect - 2.0).abs() < 1e-9);
    }

    #[test]
    fn auto_uses_minimum_points_rule_and_aicc() {
        let t = [0.0, 24.0, 48.0, 72.0, 96.0];
        let y: Vec<f64> = t.iter().map(|&x| (-LN2 * x / 30.0).exp()).collect();
        let (f, s) = select_model("x", ModelChoice::Auto, &t, &y, &opts()).unwrap();
        assert_eq!(f.model, ModelKind::Mono);
        assert!(s.reason.contains("minimum-points"), "{}", s.reason);
        let t = [0.0, 4.0, 8.0, 24.0, 32.0, 48.0, 72.0, 96.0, 120.0];
        let y: Vec<f64> = t
            .iter()
            .map(|&x| {
                0.5 * (-LN2 * x / 6.0).exp()
                    + 0.5 * (-LN2 * x / 36.0).exp()
                    + 1e-4 * (x / 7.0).sin()
            })
            .collect();
        let (f, s) = select_model("x", ModelChoice::Auto, &t, &y, &opts()).unwrap();
        assert_eq!(f.model, ModelKind::Bi, "{}", s.reason);
        assert!(s.aicc_bi.unwrap() < s.aicc_mono.unwrap());
    }
}

/// Hand values for the fitting helpers (issue 16: each against a value
/// computed by hand from its formula, the arithmetic in the comment).
#[cfg(test)]
mod hand {
    use super::*;

    const LN2: f64 = std::f64::consts::LN_2;

    #[test]
    fn model_values_and_jacobians_by_hand() {
        // Mono a·e^(−λt), a = 0.8, λ = 0.1, t = 10: e^(−1) = 0.367879441;
        // f = 0.294303553, ∂f/∂a = e^(−1), ∂f/∂λ = −a·t·e^(−1) = −2.943035529.
        let e1 = (-1.0f64).exp();
        let mut g = [0.0; 2];
        let f = Mono.eval(&[0.8, 0.1], 10.0, &mut g);
        assert!((f - 0.294303553).abs() < 1e-9, "{f}");
        assert!((g[0] - 0.367879441).abs() < 1e-9, "{g:?}");
        assert!((g[1] + 2.943035529).abs() < 1e-9, "{g:?}");
        // Bi a·e^(−λ₁t) + (1 − a)·e^(−λ₂t), a = 0.6, λ₁ = 0.1, λ₂ = 0.01,
        // t = 10: e^(−1) and e^(−0.1) = 0.904837418;
        // f = 0.6·0.367879441 + 0.4·0.904837418 = 0.220727665 + 0.361934967
        //   = 0.582662632;
        // ∂f/∂a = e^(−1) − e^(−0.1) = −0.536957977;
        // ∂f/∂λ₁ = −a·t·e^(−1) = −2.207276647;
        // ∂f/∂λ₂ = −(1 − a)·t·e^(−0.1) = −3.619349672.
        let mut g = [0.0; 3];
        let f = Bi.eval(&[0.6, 0.1, 0.01], 10.0, &mut g);
        assert!((f - 0.582662632).abs() < 1e-9, "{f}");
        assert!((g[0] + 0.536957977).abs() < 1e-9, "{g:?}");
        assert!((g[1] + 2.207276647).abs() < 1e-9, "{g:?}");
        assert!((g[2] + 3.619349672).abs() < 1e-9, "{g:?}");
        assert!((e1 - 0.367879441).abs() < 1e-9);
    }

    #[test]
    fn mono_starts_from_the_log_linear_closed_form() {
        // docs/reference/dosimetry.md §4.3: every nonlinear fit starts from a
        // log-linear least-squares estimate. On readings exactly on
        // 0.8·e^(−λt) (T_eff = 24 h) that estimate is the minimum itself (ln y
        // is exactly linear in t): a = e^intercept = 0.8, λ = −slope =
        // ln2/24 = 0.028881133, to rounding. The solver starts at the minimum
        // and stops within rounding-level steps (at most 3 iterations; a start
        // elsewhere, e.g. λ at physical decay or the fallback [1, 0.02],
        // takes 6 or more).
        let lambda = LN2 / 24.0;
        let t = [0.0, 4.0, 24.0, 48.0, 72.0, 96.0];
        let y: Vec<f64> = t.iter().map(|&x| 0.8 * (-lambda * x).exp()).collect();
        let f = fit_mono(&t, &y, None);
        assert!(f.converged);
        assert!(f.iterations <= 3, "{f:?}");
        assert!((f.params[0] - 0.8).abs() < 1e-12 && (f.params[1] - lambda).abs() < 1e-12);
    }

    #[test]
    fn log_linear_by_hand() {
        // ln y = 0, −1, −3 at t = 0, 1, 2: t̄ = 1, ȳ = −4/3, Sxx = 2,
        // Sxy = (−1)(0 + 4/3) + 0 + (1)(−3 + 4/3) = −3: slope −1.5,
        // intercept −4/3 + 1.5 = 1/6.
        let y = [1.0, (-1.0f64).exp(), (-3.0f64).exp()];
        let (b, s) = log_linear(&[0.0, 1.0, 2.0], &y).unwrap();
        assert!((s + 1.5).abs() < 1e-12, "{s}");
        assert!((b - 1.0 / 6.0).abs() < 1e-12, "{b}");
        // Values ≤ 0 are left out: (0, 1), (10, ½), (20, ¼) give the slope
        // −ln2/10 and intercept 0 with or without a reading of −0.1 or 0.
        let (b, s) =
            log_linear(&[0.0, 10.0, 15.0, 17.0, 20.0], &[1.0, 0.5, -0.1, 0.0, 0.25]).unwrap();
        assert!((s + LN2 / 10.0).abs() < 1e-12, "{s}");
        assert!(b.abs() < 1e-12, "{b}");
        // Two positive points are enough; one is not; equal times have no slope.
        let (_, s) = log_linear(&[0.0, 10.0, 20.0], &[1.0, -1.0, 0.25]).unwrap();
        assert!((s + 2.0 * LN2 / 20.0).abs() < 1e-12, "{s}");
        assert_eq!(log_linear(&[0.0, 10.0], &[1.0, 0.0]), None);
        assert_eq!(log_linear(&[5.0, 5.0], &[1.0, 0.5]), None);
    }

    #[test]
    fn log_linear_slope_does_not_depend_on_the_time_origin() {
        // y = 1e-300·(1, ½, ¼) at t = 0, 10, 31 h: ln y − mean = (ln2, 0,
        // −ln2), t − t̄ = (−41, −11, 52)/3, Sxy = −31·ln2, Sxx = 4506/9:
        // slope = −279·ln2/4506 = −0.042917901. The same readings 1e9 h
        // later must give the same slope (the centred sums make it exact to
        // rounding); uncentred sums would add t̄·Σ(ln y − mean) or
        // mean·Σ(t − t̄), zero in exact arithmetic but, with t̄ ≈ 1e9 and
        // ln y ≈ −690, of 1e-5 relative in floating point. Tolerance 1e-9.
        let y = [1e-300, 0.5e-300, 0.25e-300];
        let hand = -279.0 * LN2 / 4506.0;
        for origin in [0.0, 1e9] {
            let t = [origin, origin + 10.0, origin + 31.0];
            let (_, s) = log_linear(&t, &y).unwrap();
            assert!(
                ((s - hand) / hand).abs() < 1e-9,
                "origin {origin}: {s}, by hand {hand}"
            );
        }
    }

    #[test]
    fn tau_and_its_gradient_by_hand() {
        // Mono a/λ: 0.8/0.1 = 8 h; ∂/∂a = 1/λ = 10, ∂/∂λ = −a/λ² = −80.
        assert!((tau_of(ModelKind::Mono, &[0.8, 0.1]) - 8.0).abs() < 1e-12);
        let g = tau_gradient(ModelKind::Mono, &[0.8, 0.1]);
        assert!(
            (g[0] - 10.0).abs() < 1e-12 && (g[1] + 80.0).abs() < 1e-9,
            "{g:?}"
        );
        // Bi a/λ₁ + (1 − a)/λ₂: 0.6/0.1 + 0.4/0.01 = 6 + 40 = 46 h;
        // ∂/∂a = 1/λ₁ − 1/λ₂ = 10 − 100 = −90, ∂/∂λ₁ = −a/λ₁² = −60,
        // ∂/∂λ₂ = −(1 − a)/λ₂² = −0.4/1e-4 = −4000.
        assert!((tau_of(ModelKind::Bi, &[0.6, 0.1, 0.01]) - 46.0).abs() < 1e-12);
        let g = tau_gradient(ModelKind::Bi, &[0.6, 0.1, 0.01]);
        assert!((g[0] + 90.0).abs() < 1e-9, "{g:?}");
        assert!((g[1] + 60.0).abs() < 1e-9, "{g:?}");
        assert!((g[2] + 4000.0).abs() < 1e-6, "{g:?}");
        // The trapezoid has no parametric τ.
        assert!(tau_of(ModelKind::Trapezoid, &[]).is_nan());
        assert!(tau_gradient(ModelKind::Trapezoid, &[]).is_empty());
    }

    #[test]
    fn r_squared_and_aicc_by_hand() {
        // y = 1, 2, 3: mean 2, TSS = 2; RSS 0.5 → R² = 1 − 0.25 = 0.75.
        assert!((r_squared(&[1.0, 2.0, 3.0], 0.5) - 0.75).abs() < 1e-12);
        // AICc = n·ln(RSS/n) + 2k + 2k(k + 1)/(n − k − 1), k = parameters + 1:
        // n = 6, 2 parameters (k = 3), RSS = 6/e: 6·(−1) + 6 + 24/2 = 12.
        let a = aicc(6, 2, 6.0 * (-1.0f64).exp()).unwrap();
        assert!((a - 12.0).abs() < 1e-12, "{a}");
        // n = 5, 2 parameters: n − k − 1 = 1: 5·ln(RSS/5) + 6 + 24 with
        // RSS = 5 → 30.
        assert!((aicc(5, 2, 5.0).unwrap() - 30.0).abs() < 1e-12);
        // n = 4, 2 parameters: n − k − 1 = 0, undefined.
        assert_eq!(aicc(4, 2, 1.0), None);
    }

    #[test]
    fn physical_bound_flag_and_half_life_se_by_hand() {
        let lp = lambda_phys().per_h();
        // At λ_phys and within 1e-9 (relative) above it: on the bound.
        assert!(is_at_bound(lp));
        assert!(is_at_bound(lp * (1.0 + 0.5e-9)));
        assert!(!is_at_bound(lp * (1.0 + 2e-9)));
        // SE(T½) = SE(λ)·ln2/λ² (delta method): λ = 0.1, SE 0.01 →
        // 0.01 × 0.693147/0.01 = 0.693147 h; T½ = ln2/0.1 = 6.931472 h.
        let c = component(0.6, Some(0.05), 0.1, Some(0.01));
        assert!((c.half_life_se_h.unwrap().hours() - LN2).abs() < 1e-12);
        assert!((c.half_life_h.hours() - 10.0 * LN2).abs() < 1e-12);
        assert!(!c.at_physical_bound);
        assert_eq!(c.fraction_se, Some(0.05));
    }

    #[test]
    fn bi_components_come_out_fast_first() {
        // Exact data 0.3·e^(−λ₁t) + 0.7·e^(−λ₂t), T₁ = 6 h, T₂ = 36 h, fitted
        // from the same curve written slow first ([0.7, λ₂, λ₁]): the solver
        // starts at the minimum and the result is reordered fast first:
        // [0.3, λ₁, λ₂].
        let (l1, l2) = (LN2 / 6.0, LN2 / 36.0);
        let t = [0.0, 4.0, 8.0, 24.0, 32.0, 48.0, 72.0];
        let y: Vec<f64> = t
            .iter()
            .map(|&x| 0.3 * (-l1 * x).exp() + 0.7 * (-l2 * x).exp())
            .collect();
        let f = fit_bi(&t, &y, Some(&[0.7, l2, l1]));
        assert!(f.converged);
        assert!((f.params[0] - 0.3).abs() < 1e-9, "{:?}", f.params);
        assert!((f.params[1] - l1).abs() < 1e-9, "{:?}", f.params);
        assert!((f.params[2] - l2).abs() < 1e-9, "{:?}", f.params);
        // τ = 0.3·6/ln2 + 0.7·36/ln2 = 1.8/ln2 + 25.2/ln2 = 27/ln2 = 38.952809 h.
        assert!((tau_of(ModelKind::Bi, &f.params) - 27.0 / LN2).abs() < 1e-6);
    }

    /// The seeds of the bi-exponential fit, peeled on paper (log-linear
    /// starting estimates, docs/reference/dosimetry.md §4.3, by curve
    /// stripping): for each tail length
    /// k of 3, 4 and n/2 that leaves at least 2 readings before it, the
    /// log-linear fit of the last k readings gives the slow component
    /// (b, λ₂ ≥ 1.01·λ_phys), and the log-linear fit of what is left of the
    /// earlier readings once it is taken away gives λ₁, kept only when
    /// faster than 1.5·λ₂ (else 5·λ₂); then the fixed seed (0.5, 0.1,
    /// 0.01). For equally spaced times a least-squares line through 3
    /// points has the slope of its two ends, so each fit below is a
    /// difference of two logarithms. n = 5: k = 4 leaves 1 reading (no
    /// seed); k = 3 and k = n/2 = 2.
    #[test]
    fn bi_seeds_peeled_by_hand() {
        let t = [0.0, 12.0, 24.0, 48.0, 72.0];
        // The tail: ln y = ln 0.4 − 0.02·t, except −0.1 at 48 h.
        let y = [
            1.0,
            0.75,
            0.4 * (-0.48f64).exp(),
            0.4 * (-1.06f64).exp(),
            0.4 * (-1.44f64).exp(),
        ];
        let s = bi_seeds(&t, &y);
        assert_eq!(s.len(), 3, "{s:?}");
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1e-3);
        // k = 3 (24, 48, 72 h): slope (−1.44 + 0.48)/48 = −0.02; intercept
        // mean(ln y) + 0.02·48 = ln 0.4 − 2.98/3 + 0.96 = ln 0.4 − 1/30.
        let b3 = 0.4 * (-1.0f64 / 30.0).exp();
        // Left at 0 and 12 h: 1 − b3 and 0.75 − b3·e^(−0.24); their slope
        // gives λ₁ = 0.0266 < 1.5·0.02, so λ₁ = 5·0.02 = 0.1.
        let l1 = ((1.0 - b3).ln() - (0.75 - b3 * (-0.24f64).exp()).ln()) / 12.0;
        assert!(l1 > 0.026 && l1 < 0.027, "{l1}");
        assert!(close(s[0][0], 1.0 - b3), "{:?}", s[0]);
        assert!(close(s[0][1], 0.1), "{:?}", s[0]);
        assert!(close(s[0][2], 0.02), "{:?}", s[0]);
        // k = 2 (48, 72 h): slope −0.38/24; intercept ln y(48) + 0.38·2 =
        // ln 0.4 − 0.3. Left at 0 and 24 h (12 h is the middle one):
        // 1 − b2 and 0.4·(e^(−0.48) − e^(−0.68)); λ₁ = 0.1147 > 1.5·λ₂.
        let b2 = 0.4 * (-0.3f64).exp();
        let l2 = 0.38 / 24.0;
        let l1 = ((1.0 - b2).ln() - (0.4 * ((-0.48f64).exp() - (-0.68f64).exp())).ln()) / 24.0;
        assert!(l1 > 0.114 && l1 < 0.115, "{l1}");
        assert!(close(s[1][0], 1.0 - b2), "{:?}", s[1]);
        assert!(close(s[1][1], l1), "{:?}", s[1]);
        assert!(close(s[1][2], l2), "{:?}", s[1]);
        assert_eq!(s[2], [0.5, 0.1, 0.01]);

        // A tail slower than physical decay (−0.001/h against λ_phys =
        // ln 2/192.6 h = 0.0036/h) is seeded at 1.01·λ_phys.
        let slow = [
            1.0,
            0.75,
            0.4 * (-0.024f64).exp(),
            0.4 * (-0.048f64).exp(),
            0.4 * (-0.072f64).exp(),
        ];
        let lp = lambda_phys().per_h();
        let s = bi_seeds(&t, &slow);
        assert_eq!(s.len(), 3, "{s:?}");
        assert_eq!(s[0][2], lp * 1.01);
        assert_eq!(s[1][2], lp * 1.01);
    }

    #[test]
    fn equal_rates_keep_the_order_of_the_fit() {
        // Readings 0.9·e^(−0.001 t) fall slower than physical decay (ln 2 /
        // 192.497 h = 0.0036 /h): from the seed (0.3, λ_phys, λ_phys) both
        // rates stay at their lower bound λ_phys, where the two components
        // are the same curve and the amplitude has no gradient, so it stays
        // 0.3. The components are swapped only when the first is slower
        // (λ₁ < λ₂); equal rates are left as fitted: (0.3, λ_phys, λ_phys),
        // not (0.7, …).
        let lp = lambda_phys().per_h();
        let t: [f64; 6] = [0.0, 4.0, 24.0, 48.0, 72.0, 96.0];
        let y: Vec<f64> = t.iter().map(|&x| 0.9 * (-0.001 * x).exp()).collect();
        let f = fit_bi(&t, &y, Some(&[0.3, lp, lp]));
        assert_eq!(f.params, vec![0.3, lp, lp]);
    }

    #[test]
    fn a_fit_slower_than_physical_decay_reports_its_half_life_and_its_file() {
        // 0.9·e^(−0.002 t): effective half-life ln 2 / 0.002 = 346.574 h,
        // longer than I-131's 192.497 h (ICRP 107). Refused by default.
        let t: [f64; 6] = [0.0, 4.0, 24.0, 48.0, 72.0, 96.0];
        let y: Vec<f64> = t.iter().map(|&x| 0.9 * (-0.002 * x).exp()).collect();
        let half = |r: Result<RetentionFit, FitError>| match r {
            Err(FitError::SlowerThanPhysical {
                source_name,
                half_life_h,
                physical_h,
                ..
            }) => (source_name, half_life_h, physical_h),
            r => panic!("{r:?}"),
        };
        // The trapezoid's log-linear tail (the last 3 readings) falls at
        // exactly 0.002 /h: its half-life, 346.574 h, is reported.
        let (src, h, phys) = half(fit_model(
            "a.csv",
            ModelKind::Trapezoid,
            &t,
            &y,
            &FitOptions::default(),
        ));
        assert_eq!(src, "a.csv");
        assert!((h - LN2 / 0.002).abs() < 1e-6, "{h}");
        assert!((h - 346.573_590_279_972_6).abs() < 1e-6, "{h}");
        assert_eq!(phys, 192.497);
        // The mono-exponential's rate is pinned at the bound, λ_phys: its
        // half-life is the physical one, 192.497 h.
        let (_, h, _) = half(fit_model(
            "a.csv",
            ModelKind::Mono,
            &t,
            &y,
            &FitOptions::default(),
        ));
        assert!((h - 192.497).abs() < 1e-9, "{h}");
        // The same readings under another file name are another fit (the
        // memo of fits keys on the file too): the error names its own file.
        let (src, _, _) = half(fit_model(
            "b.csv",
            ModelKind::Mono,
            &t,
            &y,
            &FitOptions::default(),
        ));
        assert_eq!(src, "b.csv");
    }

    #[test]
    fn the_log_linear_tail_needs_at_least_two_readings() {
        // docs/reference/dosimetry.md §4.1: a log-linear tail through "the
        // last 2–3 or more points"; a line needs 2. Exact 0.5·e^(−0.01 t):
        // with the last 2 readings the tail's rate is 0.01 /h.
        let t: [f64; 4] = [0.0, 24.0, 48.0, 72.0];
        let y: Vec<f64> = t.iter().map(|&x| 0.5 * (-0.01 * x).exp()).collect();
        let with = |k: usize| FitOptions {
            tail_points: k,
            ..FitOptions::default()
        };
        match fit_model("a.csv", ModelKind::Trapezoid, &t, &y, &with(1)) {
            Err(FitError::BadOption(m)) => assert_eq!(m, "tail points 1 must be ≥ 2"),
            r => panic!("{r:?}"),
        }
        let f = fit_model("a.csv", ModelKind::Trapezoid, &t, &y, &with(2)).unwrap();
        assert_eq!(f.model, ModelKind::Trapezoid);
    }

    #[test]
    fn a_bi_exponential_with_a_component_of_zero_weight_is_flagged() {
        const DEGENERATE: &str = "bi-exponential fit degenerate: one component has zero weight (a mono-exponential describes the data)";
        let bi = |t: &[f64], y: &[f64]| {
            fit_model("a.csv", ModelKind::Bi, t, y, &FitOptions::default()).unwrap()
        };
        // Exact mono-exponential data e^(−r t) fit the bi-exponential with
        // all the weight in one component: a = 0 (r = 0.05 /h, the slow
        // component is the data) or a = 1 (r = 2 /h, the fast one is).
        let t1: [f64; 6] = [0.0, 4.0, 24.0, 48.0, 72.0, 96.0];
        let y1: Vec<f64> = t1.iter().map(|&x| (-0.05 * x).exp()).collect();
        let f = bi(&t1, &y1);
        assert!(f.parameter_values[0] <= 1e-9, "{:?}", f.parameter_values);
        assert!(
            f.warnings.iter().any(|w| w == DEGENERATE),
            "{:?}",
            f.warnings
        );
        let t2: [f64; 6] = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0];
        let y2: Vec<f64> = t2.iter().map(|&x| (-2.0 * x).exp()).collect();
        let f = bi(&t2, &y2);
        assert!(
            f.parameter_values[0] >= 1.0 - 1e-9,
            "{:?}",
            f.parameter_values
        );
        assert!(
            f.warnings.iter().any(|w| w == DEGENERATE),
            "{:?}",
            f.warnings
        );
        // The residuals of an exact fit are 0 (to rounding), not y + fit.
        assert!(
            f.residuals.iter().all(|r| r.abs() < 1e-12),
            "{:?}",
            f.residuals
        );
        // Two real components (0.5, 0.3 /h; 0.5, 0.02 /h): no such warning;
        // nor for a mono-exponential, whose amplitude 1 is not a weight.
        let t3: [f64; 8] = [0.0, 1.0, 2.0, 4.0, 8.0, 24.0, 48.0, 72.0];
        let y3: Vec<f64> = t3
            .iter()
            .map(|&x| 0.5 * (-0.3 * x).exp() + 0.5 * (-0.02 * x).exp())
            .collect();
        assert!(!bi(&t3, &y3).warnings.iter().any(|w| w == DEGENERATE));
        let m = fit_model("a.csv", ModelKind::Mono, &t1, &y1, &FitOptions::default()).unwrap();
        assert!((m.parameter_values[0] - 1.0).abs() < 1e-9);
        assert!(
            !m.warnings.iter().any(|w| w == DEGENERATE),
            "{:?}",
            m.warnings
        );
    }

    #[test]
    fn the_trapezoid_says_when_its_tail_is_physical_decay() {
        const PHYSICAL: &str = "trapezoid tail uses physical decay only: τ is an upper bound (docs/reference/dosimetry.md §4.1)";
        let t: [f64; 5] = [0.0, 24.0, 48.0, 72.0, 96.0];
        let fast: Vec<f64> = t.iter().map(|&x| (-0.02 * x).exp()).collect();
        let trap = |y: &[f64], o: FitOptions| fit_model("a.csv", ModelKind::Trapezoid, &t, y, &o);
        // The physical tail asked for: said.
        let o = FitOptions {
            tail: TailMethod::Physical,
            ..FitOptions::default()
        };
        assert!(
            trap(&fast, o)
                .unwrap()
                .warnings
                .iter()
                .any(|w| w == PHYSICAL)
        );
        // The default log-linear tail: not said.
        let f = trap(&fast, FitOptions::default()).unwrap();
        assert!(
            !f.warnings.iter().any(|w| w == PHYSICAL),
            "{:?}",
            f.warnings
        );
        // A log-linear tail slower than physical decay (0.001 /h) under
        // `constrain` is replaced by the physical tail, with the
        // constrain warning.
        let slow: Vec<f64> = t.iter().map(|&x| (-0.001 * x).exp()).collect();
        let o = FitOptions {
            physical_bound: PhysicalBoundPolicy::Constrain,
            ..FitOptions::default()
        };
        let f = trap(&slow, o).unwrap();
        assert!(
            f.warnings.iter().any(|w| w.starts_with("trapezoid fit: an effective half-life is pinned at the physical half-life of I-131 (192.5 h)")),
            "{:?}",
            f.warnings
        );
    }

    #[test]
    fn auto_considers_the_bi_exponential_from_six_readings_and_never_constrained() {
        // 0.5·e^(−0.3 t) + 0.5·e^(−0.02 t): two clear phases.
        let f = |x: f64| 0.5 * (-0.3 * x).exp() + 0.5 * (-0.02 * x).exp();
        let auto = |t: &[f64], y: &[f64], o: &FitOptions| {
            select_model("a.csv", ModelChoice::Auto, t, y, o).unwrap()
        };
        // bi_min_points = 6 (FitOptions::default): 5 readings are too few,
        // 6 are enough (the edge belongs to the bi-exponential).
        let t6: [f64; 6] = [0.0, 2.0, 6.0, 24.0, 48.0, 72.0];
        let y6: Vec<f64> = t6.iter().map(|&x| f(x)).collect();
        let (m, s) = auto(&t6[..5], &y6[..5], &FitOptions::default());
        assert_eq!(m.model, ModelKind::Mono);
        assert_eq!(
            s.reason,
            "mono-exponential: only 5 readings, the bi-exponential needs ≥ 6 (minimum-points rule)"
        );
        let (m, s) = auto(&t6, &y6, &FitOptions::default());
        assert_eq!(m.model, ModelKind::Bi, "{}", s.reason);
        // One phase only (e^(−0.05 t) and e^(−2 t), whose bi-exponential
        // fits put all the weight on one component, a = 0 and a = 1): the
        // mono-exponential, for that reason, whatever the AICc.
        for (t, r) in [
            ([0.0, 4.0, 24.0, 48.0, 72.0, 96.0], 0.05),
            ([0.0, 0.5, 1.0, 1.5, 2.0, 3.0], 2.0),
        ] {
            let y: Vec<f64> = t.iter().map(|&x: &f64| (-r * x).exp()).collect();
            let (m, s) = auto(&t, &y, &FitOptions::default());
            assert_eq!(m.model, ModelKind::Mono);
            assert_eq!(
                s.reason,
                "mono-exponential: the bi-exponential fit is degenerate (one component has zero weight)"
            );
        }
        // A slow phase below physical decay (0.001 /h): under `constrain`
        // the mono-exponential may be pinned, but the bi-exponential is
        // still fitted under `error` and so excluded, not pinned and chosen.
        let slow = |x: f64| 0.5 * (-0.3 * x).exp() + 0.5 * (-0.001 * x).exp();
        let t8: [f64; 8] = [0.0, 1.0, 2.0, 4.0, 8.0, 24.0, 48.0, 72.0];
        let y8: Vec<f64> = t8.iter().map(|&x| slow(x)).collect();
        let o = FitOptions {
            physical_bound: PhysicalBoundPolicy::Constrain,
            ..FitOptions::default()
        };
        let (m, s) = auto(&t8, &y8, &o);
        assert_eq!(m.model, ModelKind::Mono, "{}", s.reason);
        assert!(
            s.reason
                .starts_with("mono-exponential: bi-exponential excluded ("),
            "{}",
            s.reason
        );
    }

    #[test]
    fn auto_keeps_the_mono_exponential_when_its_aicc_is_lower() {
        // e^(−0.03 t) with ±2 % alternating noise at 8 readings: the
        // bi-exponential's two components (neither of zero weight) lower the
        // residual sum less than its extra parameter costs: AICc(mono) ≤
        // AICc(bi), and the reason says so with both values.
        let t: [f64; 8] = [0.0, 2.0, 6.0, 24.0, 48.0, 72.0, 96.0, 120.0];
        let eps = [0.0, 0.02, -0.02, 0.02, -0.02, 0.02, -0.02, 0.02];
        let y: Vec<f64> = t
            .iter()
            .zip(eps)
            .map(|(&x, e)| (-0.03 * x).exp() * (1.0 + e))
            .collect();
        let (m, s) =
            select_model("a.csv", ModelChoice::Auto, &t, &y, &FitOptions::default()).unwrap();
        assert_eq!(m.model, ModelKind::Mono);
        let (am, ab) = (s.aicc_mono.unwrap(), s.aicc_bi.unwrap());
        assert!(am <= ab, "{am} {ab}");
        assert_eq!(
            s.reason,
            format!(
                "mono-exponential: AICc {am:.2} ≤ bi {ab:.2} (ΔAICc = {:.2})",
                ab - am
            )
        );
    }
}
