//! Cox proportional hazards regression for right-censored data, with Efron
//! (default) or Breslow handling of tied event times, fitted exactly as R
//! `survival::coxph` 3.5 does (`docs/reference/statistics.md` §4, §7 item 2).
//!
//! # Model and formulas (docs/reference/statistics.md §4.1)
//!
//! For each distinct event time t_j with tied-event set D_j (d_j events),
//! risk set R_j = {i : time_i ≥ t_j} and w_i = exp(x_iᵀβ), for
//! r = 0 … d_j − 1 with φ_r = r/d_j (Efron) or φ_r = 0 (Breslow):
//!
//! ```text
//! S0_r = Σ_{R_j} w_i          − φ_r Σ_{D_j} w_i
//! S1_r = Σ_{R_j} w_i x_i      − φ_r Σ_{D_j} w_i x_i
//! S2_r = Σ_{R_j} w_i x_i x_iᵀ − φ_r Σ_{D_j} w_i x_i x_iᵀ
//! ℓ(β) = Σ_j [ Σ_{D_j} x_iᵀβ − Σ_r log S0_r ]
//! U(β) = Σ_j [ Σ_{D_j} x_i   − Σ_r S1_r / S0_r ]
//! I(β) = Σ_j Σ_r [ S2_r/S0_r − (S1_r/S0_r)(S1_r/S0_r)ᵀ ]
//! ```
//!
//! # Fitting (docs/reference/statistics.md §4.2)
//!
//! Covariates are centred on their means and scaled by 1/mean|x − mean| (as
//! R's `coxfit6`; β is reported on the original scale; Newton's method is
//! invariant to this affine change, which only improves conditioning).
//! Newton–Raphson from β = 0: β ← β + I⁻¹U, solved with a Cholesky
//! factorisation of I. If the new log-likelihood is lower than the best so
//! far, or not finite, the step is pulled back towards the last good β
//! (R's step halving: the k-th consecutive failure moves to
//! (new + k·old)/(k + 1)). Converged when |1 − ℓ_best/ℓ_new| ≤ `tol`
//! (R `coxph.control(eps = 1e-9)`), at most `max_iter` (20) iterations.
//!
//! # Inference (docs/reference/statistics.md §4.3)
//!
//! var = I(β̂)⁻¹; se = √diag(var); z = β/se; p = 2·(1 − Φ(|z|));
//! HR = e^β with CI e^(β ± z_{(1+level)/2}·se);
//! LR = 2(ℓ(β̂) − ℓ(0)); Wald = β̂ᵀ I(β̂) β̂; score = U(0)ᵀ I(0)⁻¹ U(0);
//! all χ² with df = p. Harrell's C of the linear predictor: see
//! [`crate::concordance`].
//!
//! # Cost
//!
//! One O(n log n) sort by time, then per iteration one backward pass over the
//! sorted data with running risk-set sums: O(n·p²).
//!
//! # Strata and case weights
//!
//! [`fit_with`] takes optional strata (R `+ strata(s)`) and case weights (R
//! `weights = w`), exactly as R's `coxfit6` uses them: the risk sets are
//! formed within each stratum (the running sums restart at each stratum's
//! longest time), every risk-set term carries w_i·exp(x_iᵀβ), the event
//! part of ℓ and U carries w_i, and a run of d tied events with total weight
//! W contributes W·log S0 (Breslow) or d terms weighted by the mean weight
//! W/d (Efron, with the tied events' weighted risk removed in steps of
//! 1/d). Inference is model-based (I(β̂)⁻¹): R's default for integer
//! (frequency) weights; for non-integer weights R defaults to a robust
//! sandwich variance instead, so the fit then says so in its warnings (R's
//! `coxph(..., robust = FALSE)` and `fit$naive.var` give our numbers). The concordance is then computed within strata with
//! each comparable pair weighted by w_i·w_j ([`crate::concordance`]).
//!
//! # Monotone likelihood
//!
//! When a covariate separates the events (e.g. all events in one group), the
//! likelihood keeps rising as a coefficient goes to ±∞. As in R, the
//! log-likelihood then converges while β does not; such covariates are
//! detected with R's rule (the remaining Newton step |(I⁻¹U)_k| exceeds both
//! `tol` and √`tol`·|β_k|) and reported in [`CoxFit::possibly_infinite`],
//! [`CoxFit::status`] and [`CoxFit::warnings`], never as NaN.

use nalgebra::{Cholesky, DMatrix, DVector, Dyn};
use serde::Serialize;
use statrs::function::{erf, gamma};

use crate::concordance;

/// How tied event times enter the partial likelihood (docs/reference/statistics.md §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ties {
    /// Efron's approximation: R `coxph` default, lifelines' only method.
    #[default]
    Efron,
    /// Breslow's approximation: statsmodels `PHReg` default, SAS `PHREG`
    /// default.
    Breslow,
}

/// Options of [`fit`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoxOptions {
    /// Tie handling; default [`Ties::Efron`] (R default, docs/reference/statistics.md §4.1).
    pub ties: Ties,
    /// Confidence level of the hazard-ratio intervals, in (0, 1); default
    /// 0.95.
    pub conf_level: f64,
    /// Maximum Newton–Raphson iterations; default 20 (R `iter.max`).
    pub max_iter: u32,
    /// Convergence tolerance on the relative change of the log partial
    /// likelihood; default 1e-9 (R `eps`, docs/reference/statistics.md §4.2).
    pub tol: f64,
}

impl Default for CoxOptions {
    fn default() -> Self {
        Self {
            ties: Ties::Efron,
            conf_level: 0.95,
            max_iter: 20,
            tol: 1e-9,
        }
    }
}

/// Case weights and strata of a Cox model (both optional).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CoxDesign<'a> {
    /// One case weight per observation, each finite and > 0 (R `coxph`
    /// refuses weights ≤ 0). `None`: every weight is 1.
    pub weights: Option<&'a [f64]>,
    /// One stratum per observation (any labels as numbers; only equality
    /// matters). `None`: one stratum.
    pub strata: Option<&'a [u32]>,
}

/// How the Newton–Raphson iteration ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CoxStatus {
    /// The log-likelihood converged and every coefficient is finite.
    Converged,
    /// The log-likelihood converged but at least one coefficient is heading
    /// to ±∞ (monotone likelihood); see [`CoxFit::possibly_infinite`].
    MonotoneLikelihood,
    /// `max_iter` iterations were used without convergence; the results are
    /// those of the best β reached.
    IterationLimit,
}

/// A fitted Cox model. Field names are the JSON names of `mibg survival
/// --json` (`cox.*`), following R `survival`.
///
/// Per-covariate vectors are in the order of [`CoxFit::covariates`]. Values
/// that cannot be computed (a singular information matrix at β̂, an
/// overflowing hazard ratio) are `None` (JSON `null`), never NaN; the reason is
/// in [`CoxFit::warnings`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoxFit {
    /// Tie method used.
    pub ties: Ties,
    /// Confidence level of `hr_lower`/`hr_upper`.
    pub conf_level: f64,
    /// Number of observations used.
    pub n: usize,
    /// Number of events (a count, not the sum of their weights; R
    /// `fit$nevent`).
    pub n_events: usize,
    /// Number of strata (1 without strata).
    pub n_strata: usize,
    /// Whether case weights were used.
    pub weighted: bool,
    /// Covariate names, in input order.
    pub covariates: Vec<String>,
    /// Coefficients β̂ (log hazard ratio per unit of the covariate).
    pub coef: Vec<f64>,
    /// Standard errors √diag(I(β̂)⁻¹).
    pub se: Vec<Option<f64>>,
    /// Wald z = coef / se.
    pub z: Vec<Option<f64>>,
    /// Two-sided p-values 2·(1 − Φ(|z|)).
    pub p: Vec<Option<f64>>,
    /// Hazard ratios e^β.
    pub hr: Vec<Option<f64>>,
    /// Lower confidence limits of the hazard ratios.
    pub hr_lower: Vec<Option<f64>>,
    /// Upper confidence limits of the hazard ratios.
    pub hr_upper: Vec<Option<f64>>,
    /// Log partial likelihood at β = 0.
    pub loglik_null: f64,
    /// Log partial likelihood at β̂.
    pub loglik: f64,
    /// Likelihood-ratio χ² = 2(ℓ(β̂) − ℓ(0)).
    pub lr_chisq: f64,
    /// Degrees of freedom of the three global tests (number of covariates).
    pub lr_df: usize,
    /// p-value of the likelihood-ratio test.
    pub lr_p: f64,
    /// Wald χ² = β̂ᵀ I(β̂) β̂ (full precision; R's `fit$wald.test`).
    pub wald_chisq: Option<f64>,
    /// p-value of the Wald test.
    pub wald_p: Option<f64>,
    /// Score (log-rank) χ² = U(0)ᵀ I(0)⁻¹ U(0).
    pub score_chisq: f64,
    /// p-value of the score test.
    pub score_p: f64,
    /// Harrell's C of the linear predictor (R `concordance(fit)`); `None`
    /// when no pair is comparable.
    pub concordance: Option<f64>,
    /// Standard error of C (R `summary(fit)$concordance[2]`).
    pub concordance_se: Option<f64>,
    /// Variance–covariance matrix I(β̂)⁻¹, row by row; `None` when I(β̂) is
    /// numerically singular.
    pub vcov: Option<Vec<Vec<f64>>>,
    /// Newton–Raphson iterations used (R `fit$iter`).
    pub iterations: u32,
    /// How the iteration ended.
    pub status: CoxStatus,
    /// Covariates whose coefficient may be infinite (monotone likelihood).
    pub possibly_infinite: Vec<String>,
    /// Doubts about the fit, in words.
    pub warnings: Vec<String>,
}

/// Errors of [`fit`]: bad input or a model that cannot be estimated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CoxError {
    /// Input lengths disagree.
    #[error(
        "times ({times}), events ({events}), covariate rows ({rows}) must have the same length, and there must be one name per covariate column ({columns} columns, {names} names)"
    )]
    Shape {
        /// Length of `times`.
        times: usize,
        /// Length of `events`.
        events: usize,
        /// Rows of the covariate matrix.
        rows: usize,
        /// Columns of the covariate matrix.
        columns: usize,
        /// Number of names.
        names: usize,
    },
    /// No covariate was given.
    #[error("a Cox model needs at least one covariate")]
    NoCovariates,
    /// No event in the data: the partial likelihood is empty.
    #[error("no events among the {n} observations: the Cox model cannot be estimated")]
    NoEvents {
        /// Number of observations.
        n: usize,
    },
    /// A time or covariate value is NaN or infinite (missing values must be
    /// removed before fitting: Cox uses complete cases, docs/reference/statistics.md §0).
    #[error("observation {index} (0-based): {field} is {value}, which is not a finite number")]
    NotFinite {
        /// 0-based observation index.
        index: usize,
        /// `"time"` or the covariate name.
        field: String,
        /// The offending value.
        value: f64,
    },
    /// A covariate takes one value only.
    #[error("covariate '{name}' is constant ({value}): its coefficient is not estimable")]
    ConstantCovariate {
        /// Covariate name.
        name: String,
        /// Its only value.
        value: f64,
    },
    /// A covariate is (numerically) a linear combination of the covariates
    /// before it, within the risk sets at the event times.
    #[error(
        "covariate '{name}' is collinear with the covariates before it ({previous}) in the risk sets at the event times: its coefficient is not estimable; remove it"
    )]
    Collinear {
        /// Covariate name.
        name: String,
        /// Names of the covariates before it, comma separated.
        previous: String,
    },
    /// The first covariate does not vary within any risk set at an event
    /// time (e.g. the only events happen when one subject is left at risk).
    #[error(
        "covariate '{name}' does not vary within the risk sets at the event times: its coefficient is not estimable"
    )]
    NoVariation {
        /// Covariate name.
        name: String,
    },
    /// `conf_level` outside (0, 1), `tol` not positive or `max_iter` zero.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// A case weight that is not a finite number > 0.
    #[error("observation {index} (0-based): case weight {value} must be a finite number > 0")]
    InvalidWeight {
        /// 0-based observation index.
        index: usize,
        /// The offending weight.
        value: f64,
    },
    /// More observations than the fitter can index (2³¹ − 1).
    #[error("{0} observations exceed the supported maximum of 2147483647")]
    TooLarge(usize),
}

/// Relative tolerance on a Cholesky pivot (as a fraction of that covariate's
/// diagonal of I) below which a covariate is declared collinear. R uses
/// `toler.chol = .Machine$double.eps^0.75` (≈ 1.8e-12) relative to the
/// largest diagonal after scaling.
const CHOL_TOL: f64 = 1.818_989_403_545_856e-12;

/// Fits a Cox proportional hazards model.
///
/// * `times`: follow-up time of each observation, in the unit of the data's
///   time column (days, weeks, …; only the order matters, and the fitted
///   coefficients do not depend on the unit).
/// * `events`: `true` = event, `false` = censored.
/// * `x`: n × p covariate matrix, one row per observation, one column per
///   covariate (complete cases only).
/// * `names`: one name per column.
///
/// # Errors
///
/// [`CoxError`] for mismatched shapes, no covariates, no events, non-finite
/// times or covariates (naming the observation), a constant or collinear
/// covariate (naming it), invalid options.
///
/// Non-convergence and infinite coefficients are not errors: they are
/// reported in [`CoxFit::status`] and [`CoxFit::warnings`].
///
/// # Panics
///
/// Never.
pub fn fit<S: AsRef<str>>(
    times: &[f64],
    events: &[bool],
    x: &DMatrix<f64>,
    names: &[S],
    options: &CoxOptions,
) -> Result<CoxFit, CoxError> {
    fit_with(times, events, x, names, CoxDesign::default(), options)
}

/// Fits a Cox proportional hazards model with optional case weights and
/// strata (see the module documentation, "Strata and case weights").
///
/// # Errors
///
/// As [`fit`], and [`CoxError::Shape`] when the weights or strata do not
/// have one entry per observation, [`CoxError::InvalidWeight`] for a weight
/// that is not a finite number > 0.
///
/// # Panics
///
/// Never.
pub fn fit_with<S: AsRef<str>>(
    times: &[f64],
    events: &[bool],
    x: &DMatrix<f64>,
    names: &[S],
    design: CoxDesign<'_>,
    options: &CoxOptions,
) -> Result<CoxFit, CoxError> {
    let (n, p) = x.shape();
    let weights_len = design.weights.map_or(n, <[f64]>::len);
    let strata_len = design.strata.map_or(n, <[u32]>::len);
    if times.len() != n
        || events.len() != n
        || names.len() != p
        || weights_len != n
        || strata_len != n
    {
        return Err(CoxError::Shape {
            times: times.len(),
            events: events.len(),
            rows: n,
            columns: p,
            names: names.len(),
        });
    }
    let names: Vec<String> = names.iter().map(|s| s.as_ref().to_owned()).collect();
    validate_options(options)?;
    if p == 0 {
        return Err(CoxError::NoCovariates);
    }
    if n >= 1 << 31 {
        return Err(CoxError::TooLarge(n));
    }
    if let Some((index, &value)) = times.iter().enumerate().find(|(_, t)| !t.is_finite()) {
        return Err(CoxError::NotFinite {
            index,
            field: "time".into(),
            value,
        });
    }
    for (c, name) in names.iter().enumerate() {
        let col = x.column(c);
        if let Some((index, &value)) = col.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(CoxError::NotFinite {
                index,
                field: name.clone(),
                value,
            });
        }
        if n > 0 && col.iter().all(|&v| v == col[0]) {
            return Err(CoxError::ConstantCovariate {
                name: name.clone(),
                value: col[0],
            });
        }
    }
    if let Some(w) = design.weights
        && let Some((index, &value)) = w
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w > 0.0))
    {
        return Err(CoxError::InvalidWeight { index, value });
    }
    let n_events = events.iter().filter(|&&e| e).count();
    if n_events == 0 {
        return Err(CoxError::NoEvents { n });
    }

    let data = Prepared::new(times, events, x, design);
    let eval = |beta: &[f64]| data.evaluate(beta, options.ties);

    // β = 0: null log-likelihood, score test, collinearity check.
    let zero = vec![0.0; p];
    let at_zero = eval(&zero);
    let loglik_zero = at_zero.loglik;
    let chol0 = checked_cholesky(&at_zero.info, &names)?;
    let u0 = DVector::from_column_slice(&at_zero.score);
    let step0 = chol0.solve(&u0);
    let score_chisq = u0.dot(&step0);

    // Newton–Raphson with step halving (docs/reference/statistics.md §4.2).
    let mut beta = zero;
    let mut best = at_zero;
    let mut best_chol = Some(chol0);
    let mut new_beta: Vec<f64> = step0.iter().copied().collect();
    let mut halving = 0u32;
    let mut converged = false;
    let mut iterations = 0u32;
    for iter in 1..=options.max_iter {
        iterations = iter;
        let trial = eval(&new_beta);
        let chol = if trial.is_finite() {
            Cholesky::new(trial.info.clone())
        } else {
            None
        };
        match chol {
            Some(c) if relative_change(best.loglik, trial.loglik) <= options.tol => {
                beta.clone_from(&new_beta);
                best = trial;
                best_chol = Some(c);
                converged = true;
                break;
            }
            Some(c) if trial.loglik >= best.loglik => {
                halving = 0;
                let step = c.solve(&DVector::from_column_slice(&trial.score));
                beta.clone_from(&new_beta);
                for (nb, (b, s)) in new_beta.iter_mut().zip(beta.iter().zip(step.iter())) {
                    *nb = b + s;
                }
                best = trial;
                best_chol = Some(c);
            }
            _ => {
                // Worse or not finite: pull back towards the last good β.
                halving += 1;
                let h = f64::from(halving);
                for (nb, b) in new_beta.iter_mut().zip(&beta) {
                    *nb = (*nb + h * b) / (h + 1.0);
                }
            }
        }
    }

    // Back to the original covariate scale.
    let scale = &data.scale;
    let coef: Vec<f64> = beta.iter().zip(scale).map(|(b, s)| b * s).collect();
    let mut warnings = Vec::new();
    let vcov_scaled = best_chol.map(|c| c.inverse());
    let vcov: Option<DMatrix<f64>> = vcov_scaled
        .as_ref()
        .map(|v| DMatrix::from_fn(p, p, |i, j| v[(i, j)] * scale[i] * scale[j]));

    // Monotone likelihood (R coxph.fit: infs <- abs(u %*% var)).
    let mut possibly_infinite = Vec::new();
    if let Some(v) = &vcov_scaled {
        let remaining = v * DVector::from_column_slice(&best.score);
        for k in 0..p {
            let step = (remaining[k] * scale[k]).abs();
            let flagged = !step.is_finite()
                || (step > options.tol && step > options.tol.sqrt() * coef[k].abs());
            if flagged {
                possibly_infinite.push(names[k].clone());
            }
        }
    } else {
        warnings.push(
            "the information matrix at the estimate is numerically singular: standard errors, tests based on them and confidence intervals are not available".to_owned(),
        );
    }
    let status = if !converged {
        warnings.push(format!(
            "Newton–Raphson did not converge in {} iterations (relative log-likelihood change > {:e}); results are at the best estimate reached",
            options.max_iter, options.tol
        ));
        if !possibly_infinite.is_empty() {
            warnings.push(format!(
                "the coefficient of {} is still moving: it may be infinite (monotone likelihood)",
                possibly_infinite.join(", ")
            ));
        }
        CoxStatus::IterationLimit
    } else if !possibly_infinite.is_empty() {
        warnings.push(format!(
            "the log-likelihood converged before the coefficient of {} (monotone likelihood): the coefficient may be infinite and its standard error, test and interval are not meaningful",
            possibly_infinite.join(", ")
        ));
        CoxStatus::MonotoneLikelihood
    } else {
        CoxStatus::Converged
    };

    if design
        .weights
        .is_some_and(|w| w.iter().any(|v| v.fract() != 0.0))
    {
        warnings.push(
            "non-integer case weights: standard errors, z, p, Wald test and intervals use the model-based variance I(β̂)⁻¹ (R's naive.var, coxph(robust = FALSE)); R's default for non-integer weights is the robust sandwich variance, which mibg does not compute".to_owned(),
        );
    }
    let zq = normal_quantile_two_sided(options.conf_level);
    let se: Vec<Option<f64>> = (0..p)
        .map(|k| {
            vcov.as_ref()
                .map(|v| v[(k, k)].sqrt())
                .filter(|s| s.is_finite() && *s > 0.0)
        })
        .collect();
    let finite = |v: f64| Some(v).filter(|v| v.is_finite());
    let z: Vec<Option<f64>> = (0..p)
        .map(|k| se[k].and_then(|s| finite(coef[k] / s)))
        .collect();
    let pvals = z.iter().map(|z| z.map(normal_two_sided_p)).collect();
    let hr = coef.iter().map(|b| finite(b.exp())).collect();
    let hr_lower = (0..p)
        .map(|k| se[k].and_then(|s| finite((coef[k] - zq * s).exp())))
        .collect();
    let hr_upper = (0..p)
        .map(|k| se[k].and_then(|s| finite((coef[k] + zq * s).exp())))
        .collect();

    let df = p as f64;
    let loglik_null = loglik_zero;
    let lr_chisq = 2.0 * (best.loglik - loglik_null);
    let wald_chisq = vcov_scaled.as_ref().and_then(|_| {
        // β̂ᵀ I β̂ in the scaled coordinates (the quadratic form is invariant).
        let b = DVector::from_column_slice(&beta);
        let info = DMatrix::from_column_slice(p, p, best.info.as_slice());
        finite(b.dot(&(&info * &b)))
    });

    // Harrell's C of the linear predictor, in the time-sorted order (the
    // covariate matrix is released first: it is no longer needed).
    let lp = data.linear_predictor(&beta);
    let n_strata = data.n_strata;
    let weighted = design.weights.is_some();
    let Prepared {
        blocks,
        events,
        weight,
        stratum,
        ..
    } = data;
    let conc = if weighted || n_strata > 1 {
        concordance::weighted_sorted(&blocks, &events, &lp, &weight, &stratum)
    } else {
        let c = concordance::harrell_sorted(&blocks, &events, &lp);
        concordance::WeightedConcordance {
            concordance: c.concordance,
            std_err: c.std_err,
        }
    };

    Ok(CoxFit {
        ties: options.ties,
        conf_level: options.conf_level,
        n,
        n_events,
        n_strata,
        weighted,
        covariates: names,
        coef,
        se,
        z,
        p: pvals,
        hr,
        hr_lower,
        hr_upper,
        loglik_null,
        loglik: best.loglik,
        lr_chisq,
        lr_df: p,
        lr_p: chisq_upper(lr_chisq.max(0.0), df),
        wald_chisq,
        wald_p: wald_chisq.map(|w| chisq_upper(w, df)),
        score_chisq,
        score_p: chisq_upper(score_chisq, df),
        concordance: conc.concordance,
        concordance_se: conc.std_err,
        vcov: vcov.map(|v| {
            (0..p)
                .map(|i| (0..p).map(|j| v[(i, j)]).collect())
                .collect()
        }),
        iterations,
        status,
        possibly_infinite,
        warnings,
    })
}

fn validate_options(o: &CoxOptions) -> Result<(), CoxError> {
    if !(o.conf_level > 0.0 && o.conf_level < 1.0) {
        return Err(CoxError::InvalidOption(format!(
            "conf_level {} must lie strictly between 0 and 1",
            o.conf_level
        )));
    }
    if !(o.tol > 0.0 && o.tol.is_finite()) {
        return Err(CoxError::InvalidOption(format!(
            "tol {} must be a positive number",
            o.tol
        )));
    }
    if o.max_iter == 0 {
        return Err(CoxError::InvalidOption(
            "max_iter must be at least 1".to_owned(),
        ));
    }
    Ok(())
}

/// R's convergence measure |1 − ℓ_old/ℓ_new| (coxfit6), guarded for ℓ = 0.
fn relative_change(old: f64, new: f64) -> f64 {
    if new == 0.0 {
        (old - new).abs()
    } else {
        (1.0 - old / new).abs()
    }
}

/// Cholesky factor of the information at β = 0, or the first covariate that
/// is collinear with the ones before it (pivot² < [`CHOL_TOL`] × its
/// diagonal).
fn checked_cholesky(info: &DMatrix<f64>, names: &[String]) -> Result<Cholesky<f64, Dyn>, CoxError> {
    let p = info.nrows();
    // Manual pivot check so that near-singular matrices are caught too.
    let mut l = DMatrix::<f64>::zeros(p, p);
    for j in 0..p {
        let mut d = info[(j, j)];
        for k in 0..j {
            d -= l[(j, k)] * l[(j, k)];
        }
        if j == 0 && !(d.is_finite() && d > 0.0) {
            return Err(CoxError::NoVariation {
                name: names[0].clone(),
            });
        }
        if !d.is_finite() || d <= CHOL_TOL * info[(j, j)] {
            return Err(CoxError::Collinear {
                name: names[j].clone(),
                previous: names[..j].join(", "),
            });
        }
        let djj = d.sqrt();
        l[(j, j)] = djj;
        for i in j + 1..p {
            let mut s = info[(i, j)];
            for k in 0..j {
                s -= l[(i, k)] * l[(j, k)];
            }
            l[(i, j)] = s / djj;
        }
    }
    Cholesky::new(info.clone()).ok_or_else(|| CoxError::Collinear {
        name: names[p - 1].clone(),
        previous: names[..p - 1].join(", "),
    })
}

/// z such that P(|Z| ≤ z) = `level` for a standard normal Z:
/// z = √2 · erfc⁻¹(1 − level) (1.959963984540054 at 0.95, docs/reference/statistics.md §0).
pub(crate) fn normal_quantile_two_sided(level: f64) -> f64 {
    std::f64::consts::SQRT_2 * erf::erfc_inv(1.0 - level)
}

/// Two-sided normal p-value 2·(1 − Φ(|z|)) = erfc(|z|/√2) = Q(½, z²/2), as R
/// `2 * pnorm(-abs(z))`. Computed with the regularised upper incomplete gamma
/// function because statrs 0.19's `erfc` is only good to about 1e-10
/// relative (erfc(1.386) is off by 4.5e-11), while `gamma_ur` is accurate to
/// ~1e-16 here.
pub(crate) fn normal_two_sided_p(z: f64) -> f64 {
    if z == 0.0 {
        1.0
    } else {
        gamma::gamma_ur(0.5, z * z / 2.0)
    }
}

/// Upper tail of χ² with `df` degrees of freedom: Q(df/2, x/2), the
/// regularised upper incomplete gamma function (R `pchisq(x, df, lower =
/// FALSE)`).
pub(crate) fn chisq_upper(x: f64, df: f64) -> f64 {
    if x <= 0.0 {
        1.0
    } else {
        gamma::gamma_ur(df / 2.0, x / 2.0)
    }
}

/// ℓ, U and I at one β (scaled coordinates).
struct Evaluation {
    loglik: f64,
    score: Vec<f64>,
    info: DMatrix<f64>,
}

impl Evaluation {
    fn is_finite(&self) -> bool {
        self.loglik.is_finite()
            && self.score.iter().all(|v| v.is_finite())
            && self.info.iter().all(|v| v.is_finite())
    }
}

/// The data sorted by stratum and time once, centred and scaled, row-major.
struct Prepared {
    p: usize,
    /// Row-major n × p, sorted by stratum then ascending time, centred and
    /// scaled.
    x: Vec<f64>,
    /// Event flags in sorted order.
    events: Vec<bool>,
    /// Case weights in sorted order (all 1 without weights).
    weight: Vec<f64>,
    /// Stratum of each row in sorted order (all 0 without strata).
    stratum: Vec<u32>,
    /// Runs of equal time within a stratum in sorted order; within a run the
    /// events come first.
    blocks: Vec<(usize, usize)>,
    /// Number of events in each run.
    dead: Vec<usize>,
    /// Sum of the case weights of the events in each run.
    dead_weight: Vec<f64>,
    /// `true` for the last run of a stratum: the backward pass restarts its
    /// risk-set sums there.
    stratum_end: Vec<bool>,
    /// Number of strata.
    n_strata: usize,
    /// Σ w·x over all events (scaled, centred): the constant part of U, and
    /// βᵀ of it is the Σ w_i·x_iᵀβ part of ℓ.
    x_dead: Vec<f64>,
    /// Multiply a scaled coefficient by this to get the original one.
    scale: Vec<f64>,
}

impl Prepared {
    fn new(times: &[f64], events: &[bool], x: &DMatrix<f64>, design: CoxDesign<'_>) -> Self {
        let (n, p) = x.shape();
        // Sort once by time; the event flag rides in the top bit of the index
        // (n < 2³¹ is checked by `fit`) so no random access is needed for it.
        // Events are pushed first and the sort is stable, so within a run of
        // equal times the events come first (the kernels need no branch).
        let mut keyed: Vec<(u64, u32)> = Vec::with_capacity(n);
        for pass in [true, false] {
            for (i, (&t, &e)) in times.iter().zip(events).enumerate() {
                if e == pass {
                    keyed.push((concordance::order_key(t), i as u32 | (u32::from(e) << 31)));
                }
            }
        }
        concordance::radix_sort(&mut keyed);
        let index = |k: u32| (k & !(1 << 31)) as usize;
        // Then (stably) by stratum: time order is kept within each stratum.
        let stratum_of = |k: u32| design.strata.map_or(0, |s| s[index(k)]);
        if design.strata.is_some() {
            keyed.sort_by_key(|&(_, k)| stratum_of(k));
        }
        let stratum: Vec<u32> = keyed.iter().map(|&(_, k)| stratum_of(k)).collect();
        let weight: Vec<f64> = keyed
            .iter()
            .map(|&(_, k)| design.weights.map_or(1.0, |w| w[index(k)]))
            .collect();
        let mut blocks = Vec::new();
        let mut stratum_end = Vec::new();
        let mut n_strata = usize::from(n > 0);
        let mut start = 0;
        for k in 1..=n {
            let new_stratum = k == n || stratum[k] != stratum[start];
            if new_stratum || keyed[k].0 != keyed[start].0 {
                blocks.push((start, k));
                stratum_end.push(new_stratum);
                if new_stratum && k < n {
                    n_strata += 1;
                }
                start = k;
            }
        }
        let events_sorted: Vec<bool> = keyed.iter().map(|&(_, i)| i >> 31 == 1).collect();
        // Centre and scale (R coxfit6: weighted mean and weighted mean
        // absolute deviation) while gathering each column into the
        // row-major matrix in sorted order (no second copy of the data).
        let total_weight: f64 = weight.iter().sum();
        let mut scale = vec![1.0; p];
        let mut rows = vec![0.0; n * p];
        for (c, scale_c) in scale.iter_mut().enumerate() {
            let col = x.column(c);
            let mean = keyed
                .iter()
                .zip(&weight)
                .map(|(&(_, i), w)| w * col[index(i)])
                .sum::<f64>()
                / total_weight;
            let mad = keyed
                .iter()
                .zip(&weight)
                .map(|(&(_, i), w)| w * (col[index(i)] - mean).abs())
                .sum::<f64>()
                / total_weight;
            let s = if mad > 0.0 { 1.0 / mad } else { 1.0 };
            *scale_c = s;
            for (dst, &(_, i)) in rows.iter_mut().skip(c).step_by(p).zip(&keyed) {
                *dst = (col[index(i)] - mean) * s;
            }
        }
        drop(keyed);
        let dead: Vec<usize> = blocks
            .iter()
            .map(|&(start, end)| events_sorted[start..end].iter().filter(|&&e| e).count())
            .collect();
        let dead_weight: Vec<f64> = blocks
            .iter()
            .zip(&dead)
            .map(|(&(start, _), &d)| weight[start..start + d].iter().sum())
            .collect();
        let mut x_dead = vec![0.0; p];
        for (&(start, _), &d) in blocks.iter().zip(&dead) {
            for (row, w) in rows[start * p..(start + d) * p]
                .chunks_exact(p)
                .zip(&weight[start..start + d])
            {
                for (acc, v) in x_dead.iter_mut().zip(row) {
                    *acc += w * v;
                }
            }
        }
        Self {
            p,
            x: rows,
            events: events_sorted,
            weight,
            stratum,
            blocks,
            dead,
            dead_weight,
            stratum_end,
            n_strata,
            x_dead,
            scale,
        }
    }

    /// Linear predictor (scaled, centred coordinates) in sorted order.
    fn linear_predictor(&self, beta: &[f64]) -> Vec<f64> {
        self.x
            .chunks_exact(self.p)
            .map(|row| row.iter().zip(beta).map(|(x, b)| x * b).sum())
            .collect()
    }

    /// ℓ, U, I at `beta` in one backward pass (docs/reference/statistics.md §4.1).
    fn evaluate(&self, beta: &[f64], ties: Ties) -> Evaluation {
        // Fixed-size kernels for the usual model sizes (loops unrolled, sums
        // in registers); the general kernel for larger models.
        match self.p {
            1 => self.evaluate_fixed::<1>(beta, ties),
            2 => self.evaluate_fixed::<2>(beta, ties),
            3 => self.evaluate_fixed::<3>(beta, ties),
            4 => self.evaluate_fixed::<4>(beta, ties),
            5 => self.evaluate_fixed::<5>(beta, ties),
            6 => self.evaluate_fixed::<6>(beta, ties),
            7 => self.evaluate_fixed::<7>(beta, ties),
            8 => self.evaluate_fixed::<8>(beta, ties),
            _ => self.evaluate_general(beta, ties),
        }
    }

    /// [`Prepared::evaluate`] for exactly `P` covariates.
    fn evaluate_fixed<const P: usize>(&self, beta: &[f64], ties: Ties) -> Evaluation {
        let rows: &[[f64; P]] = self.x.as_chunks::<P>().0;
        let mut bt = [0.0; P];
        bt.copy_from_slice(&beta[..P]);
        // Running risk-set sums S0, S1, S2 (lower triangle).
        let (mut s0, mut s1, mut s2) = (0.0, [0.0; P], [[0.0; P]; P]);
        let mut loglik: f64 = self.x_dead.iter().zip(beta).map(|(x, b)| x * b).sum();
        let mut score = [0.0; P];
        score.copy_from_slice(&self.x_dead);
        let mut info = [[0.0; P]; P];
        let mut mean = [0.0; P];
        for (b, (&(start, end), &ndead)) in self.blocks.iter().zip(&self.dead).enumerate().rev() {
            if self.stratum_end[b] {
                // A new stratum (met at its longest time): new risk sets.
                (s0, s1, s2) = (0.0, [0.0; P], [[0.0; P]; P]);
            }
            // Sums over the tied events of this run (the first `ndead` rows).
            let (mut d0, mut d1, mut d2) = (0.0, [0.0; P], [[0.0; P]; P]);
            for (row, cw) in rows[start..start + ndead].iter().zip(&self.weight[start..]) {
                let w = cw * dot_fixed(row, &bt).exp();
                d0 += w;
                for a in 0..P {
                    let wa = w * row[a];
                    d1[a] += wa;
                    for b in 0..=a {
                        d2[a][b] += wa * row[b];
                    }
                }
            }
            for (row, cw) in rows[start + ndead..end]
                .iter()
                .zip(&self.weight[start + ndead..])
            {
                let w = cw * dot_fixed(row, &bt).exp();
                s0 += w;
                for a in 0..P {
                    let wa = w * row[a];
                    s1[a] += wa;
                    for b in 0..=a {
                        s2[a][b] += wa * row[b];
                    }
                }
            }
            s0 += d0;
            for a in 0..P {
                s1[a] += d1[a];
                for b in 0..=a {
                    s2[a][b] += d2[a][b];
                }
            }
            if ndead == 0 {
                continue;
            }
            let nd = ndead as f64;
            let efron = matches!(ties, Ties::Efron) && ndead > 1;
            // Breslow: one term times the events' total weight; Efron: d
            // terms times their mean weight (R coxfit6).
            let deadwt = self.dead_weight[b];
            let (terms, mult) = if efron {
                (ndead, deadwt / nd)
            } else {
                (1, deadwt)
            };
            for r in 0..terms {
                let phi = if efron { r as f64 / nd } else { 0.0 };
                let den = s0 - phi * d0;
                loglik -= mult * den.ln();
                for a in 0..P {
                    mean[a] = (s1[a] - phi * d1[a]) / den;
                    score[a] -= mult * mean[a];
                }
                for a in 0..P {
                    for b in 0..=a {
                        info[a][b] +=
                            mult * ((s2[a][b] - phi * d2[a][b]) / den - mean[a] * mean[b]);
                    }
                }
            }
        }
        Evaluation {
            loglik,
            score: score.to_vec(),
            info: DMatrix::from_fn(P, P, |a, b| if b <= a { info[a][b] } else { info[b][a] }),
        }
    }

    /// [`Prepared::evaluate`] for any number of covariates (same algorithm
    /// with heap vectors and a packed lower triangle).
    fn evaluate_general(&self, beta: &[f64], ties: Ties) -> Evaluation {
        let p = self.p;
        let np = p * (p + 1) / 2;
        let mut s0 = 0.0;
        let mut s1 = vec![0.0; p];
        let mut s2 = vec![0.0; np];
        let mut d1 = vec![0.0; p];
        let mut d2 = vec![0.0; np];
        let mut loglik: f64 = self.x_dead.iter().zip(beta).map(|(x, b)| x * b).sum();
        let mut score = self.x_dead.clone();
        let mut info = vec![0.0; np];
        let mut mean = vec![0.0; p];
        let accumulate = |row: &[f64], w: f64, t1: &mut [f64], t2: &mut [f64]| {
            let mut idx = 0;
            for a in 0..p {
                let wa = w * row[a];
                t1[a] += wa;
                for &rb in &row[..=a] {
                    t2[idx] += wa * rb;
                    idx += 1;
                }
            }
        };
        for (b, (&(start, end), &ndead)) in self.blocks.iter().zip(&self.dead).enumerate().rev() {
            if self.stratum_end[b] {
                s0 = 0.0;
                s1.iter_mut().for_each(|v| *v = 0.0);
                s2.iter_mut().for_each(|v| *v = 0.0);
            }
            let mut d0 = 0.0;
            d1.iter_mut().for_each(|v| *v = 0.0);
            d2.iter_mut().for_each(|v| *v = 0.0);
            for (row, cw) in self.x[start * p..(start + ndead) * p]
                .chunks_exact(p)
                .zip(&self.weight[start..])
            {
                let w = cw * dot(row, beta).exp();
                d0 += w;
                accumulate(row, w, &mut d1, &mut d2);
            }
            for (row, cw) in self.x[(start + ndead) * p..end * p]
                .chunks_exact(p)
                .zip(&self.weight[start + ndead..])
            {
                let w = cw * dot(row, beta).exp();
                s0 += w;
                accumulate(row, w, &mut s1, &mut s2);
            }
            s0 += d0;
            s1.iter_mut().zip(&d1).for_each(|(s, d)| *s += d);
            s2.iter_mut().zip(&d2).for_each(|(s, d)| *s += d);
            if ndead == 0 {
                continue;
            }
            let nd = ndead as f64;
            let efron = matches!(ties, Ties::Efron) && ndead > 1;
            // Breslow: one term times the events' total weight; Efron: d
            // terms times their mean weight (R coxfit6).
            let deadwt = self.dead_weight[b];
            let (terms, mult) = if efron {
                (ndead, deadwt / nd)
            } else {
                (1, deadwt)
            };
            for r in 0..terms {
                let phi = if efron { r as f64 / nd } else { 0.0 };
                let den = s0 - phi * d0;
                loglik -= mult * den.ln();
                for a in 0..p {
                    mean[a] = (s1[a] - phi * d1[a]) / den;
                    score[a] -= mult * mean[a];
                }
                let mut idx = 0;
                for a in 0..p {
                    for b in 0..=a {
                        info[idx] += mult * ((s2[idx] - phi * d2[idx]) / den - mean[a] * mean[b]);
                        idx += 1;
                    }
                }
            }
        }
        let mut full = DMatrix::zeros(p, p);
        let mut idx = 0;
        for a in 0..p {
            for b in 0..=a {
                full[(a, b)] = info[idx];
                full[(b, a)] = info[idx];
                idx += 1;
            }
        }
        Evaluation {
            loglik,
            score,
            info: full,
        }
    }
}

/// xᵀβ for a fixed number of covariates (unrolled).
#[inline(always)]
fn dot_fixed<const P: usize>(x: &[f64; P], beta: &[f64; P]) -> f64 {
    let mut s = 0.0;
    for a in 0..P {
        s += x[a] * beta[a];
    }
    s
}

/// xᵀβ.
fn dot(x: &[f64], beta: &[f64]) -> f64 {
    x.iter().zip(beta).map(|(x, b)| x * b).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn normal_quantile_matches_domain_constant() {
        // docs/reference/statistics.md §0: z = Φ⁻¹(0.975) = 1.959963984540054.
        assert_relative_eq!(
            normal_quantile_two_sided(0.95),
            1.959963984540054,
            max_relative = 1e-15
        );
        // p for z = 1.959963984540054 is 0.05.
        assert_relative_eq!(
            normal_two_sided_p(1.959963984540054),
            0.05,
            max_relative = 1e-13
        );
        // χ²₁ upper tail at 3.841458820694124 is 0.05 (R qchisq(0.95, 1)).
        assert_relative_eq!(
            chisq_upper(3.841458820694124, 1.0),
            0.05,
            max_relative = 1e-12
        );
    }

    /// Hand calculation, one binary covariate, no ties:
    /// times 1,2,3,4 all events, x = 1,0,1,0. At β = 0 the risk sets have
    /// 4,3,2,1 members with 2,1,1,0 exposed: U(0) = Σ(x_i − mean_i)
    /// = (1 − 1/2) + (0 − 1/3) + (1 − 1/2) + 0 = 2/3;
    /// I(0) = 1/4 + 2/9 + 1/4 + 0 = 13/18; score χ² = (4/9)/(13/18) = 8/13.
    /// ℓ(0) = −(ln 4 + ln 3 + ln 2 + ln 1) = −ln 24.
    #[test]
    fn score_test_and_null_loglik_by_hand() {
        let x = DMatrix::from_column_slice(4, 1, &[1.0, 0.0, 1.0, 0.0]);
        let f = fit(
            &[1.0, 2.0, 3.0, 4.0],
            &[true; 4],
            &x,
            &["x"],
            &CoxOptions::default(),
        )
        .unwrap();
        assert_relative_eq!(f.score_chisq, 8.0 / 13.0, max_relative = 1e-13);
        assert_relative_eq!(f.loglik_null, -(24.0f64).ln(), max_relative = 1e-14);
        assert!(f.loglik >= f.loglik_null);
        assert_eq!(f.status, CoxStatus::Converged);
    }

    #[test]
    fn efron_and_breslow_agree_without_ties() {
        let t = [5.0, 1.0, 3.0, 8.0, 2.0, 7.0, 4.0, 6.0];
        let e = [true, true, false, true, true, true, false, true];
        let x = DMatrix::from_column_slice(8, 1, &[0.3, 1.2, -0.5, 0.1, 2.0, -1.0, 0.7, 0.0]);
        let a = fit(&t, &e, &x, &["x"], &CoxOptions::default()).unwrap();
        let b = fit(
            &t,
            &e,
            &x,
            &["x"],
            &CoxOptions {
                ties: Ties::Breslow,
                ..CoxOptions::default()
            },
        )
        .unwrap();
        assert_relative_eq!(a.coef[0], b.coef[0], max_relative = 1e-12);
        assert_relative_eq!(a.loglik, b.loglik, max_relative = 1e-12);
    }

    #[test]
    fn constant_and_collinear_covariates_are_errors() {
        let t = [1.0, 2.0, 3.0, 4.0];
        let e = [true; 4];
        let x = DMatrix::from_column_slice(4, 2, &[1.0, 0.0, 1.0, 0.0, 5.0, 5.0, 5.0, 5.0]);
        let err = fit(&t, &e, &x, &["a", "b"], &CoxOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "covariate 'b' is constant (5): its coefficient is not estimable"
        );
        let x = DMatrix::from_column_slice(4, 2, &[1.0, 0.0, 1.0, 0.0, 3.0, 1.0, 3.0, 1.0]);
        let err = fit(&t, &e, &x, &["a", "b"], &CoxOptions::default()).unwrap_err();
        assert!(
            matches!(err, CoxError::Collinear { ref name, .. } if name == "b"),
            "{err}"
        );
    }

    /// A covariate collinear with an earlier one is named, with the ones
    /// before it, even when a later independent covariate follows (the
    /// pivot check of `checked_cholesky`, column by column: b = 2a + 1 has
    /// pivot 0 after a is taken out; c is independent of both).
    #[test]
    fn the_collinear_covariate_is_named_among_three() {
        let t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let e = [true, false, true, true, false, true];
        let a = [0.0, 1.0, 0.0, 1.0, 1.0, 0.0];
        let c = [0.3, -0.2, 0.9, 0.1, -0.7, 0.4];
        let x = DMatrix::from_fn(6, 3, |i, j| match j {
            0 => a[i],
            1 => 2.0 * a[i] + 1.0,
            _ => c[i],
        });
        let err = fit(&t, &e, &x, &["a", "b", "c"], &CoxOptions::default()).unwrap_err();
        match err {
            CoxError::Collinear { name, previous } => {
                assert_eq!((name.as_str(), previous.as_str()), ("b", "a"));
            }
            other => panic!("{other}"),
        }
        // The third of four, the sum of the first two (its pivot needs the
        // off-diagonal factors of the earlier columns), before an
        // independent fourth.
        // (a continuous first covariate, so that no factor is ±1 by the
        // symmetry of a 0/1 covariate.)
        let a = [0.2, 1.3, -0.4, 0.9, 1.7, -0.8];
        let b = [0.5, 0.1, -0.3, 0.8, 0.2, -0.6];
        let x = DMatrix::from_fn(6, 4, |i, j| match j {
            0 => a[i],
            1 => b[i],
            2 => a[i] + b[i],
            _ => c[i],
        });
        let err = fit(&t, &e, &x, &["a", "b", "s", "c"], &CoxOptions::default()).unwrap_err();
        match err {
            CoxError::Collinear { name, previous } => {
                assert_eq!((name.as_str(), previous.as_str()), ("s", "a, b"));
            }
            other => panic!("{other}"),
        }
    }

    /// Three covariates that are not collinear are accepted, whatever the
    /// size of their correlations: here a and b nearly uncorrelated and c
    /// close to a (the factors below the diagonal are small and large), so
    /// every pivot of the factorisation must use the right products.
    #[test]
    fn independent_covariates_with_small_and_large_correlations_are_accepted() {
        let t: Vec<f64> = (1..=10).map(f64::from).collect();
        let e = [
            true, true, false, true, true, false, true, true, false, true,
        ];
        let a = [0.5, -1.0, 0.3, 2.0, 0.1, -0.4, 1.2, 0.8, -0.7, 0.2];
        let b = [1.0, 0.2, -0.9, 0.1, -1.1, 0.7, -0.2, 0.4, 0.9, -0.6];
        let c = [0.6, -0.9, 0.2, 1.8, 0.3, -0.5, 1.0, 0.9, -0.6, 0.1];
        let x = DMatrix::from_fn(10, 3, |i, j| [a[i], b[i], c[i]][j]);
        let f = fit(&t, &e, &x, &["a", "b", "c"], &CoxOptions::default()).unwrap();
        assert_eq!(f.status, CoxStatus::Converged);
        assert!(f.se.iter().all(Option::is_some), "{:?}", f.se);
    }

    /// Every event alone at the top of its risk set (x = 3, 2, 1 die in
    /// that order, x = 0 is censored): ℓ(β) = −Σ log(1 + Σ e^(−βΔx)) → 0 as
    /// β → ∞ and reaches exactly 0 once the exponentials underflow. R's
    /// convergence measure guards ℓ_new = 0 with |ℓ_old − ℓ_new|
    /// (`relative_change`), so the fit stops there as a monotone
    /// likelihood instead of dividing by 0 and running to the limit.
    #[test]
    fn a_log_likelihood_of_exactly_zero_converges() {
        let t = [1.0, 2.0, 3.0, 4.0];
        let e = [true, true, true, false];
        let x = DMatrix::from_column_slice(4, 1, &[3.0, 2.0, 1.0, 0.0]);
        let o = CoxOptions {
            max_iter: 100,
            ..CoxOptions::default()
        };
        let f = fit(&t, &e, &x, &["x"], &o).unwrap();
        assert_eq!(f.loglik, 0.0);
        assert_eq!(f.status, CoxStatus::MonotoneLikelihood, "{:?}", f.warnings);
        assert!(f.iterations < 100, "{}", f.iterations);
        assert_eq!(f.possibly_infinite, vec!["x".to_owned()]);
    }

    /// Near-collinear: b = a + ε·c. Its pivot after a is ∝ ε², and the
    /// relative threshold CHOL_TOL (R's toler.chol, ≈ 1.8e-12 of its
    /// diagonal) falls between ε = 3·10⁻⁶ (estimable: huge, opposite
    /// coefficients) and ε = 10⁻⁶ (refused). The threshold is relative to
    /// the diagonal, not divided by it.
    #[test]
    fn a_nearly_collinear_covariate_is_refused_below_the_relative_tolerance() {
        let t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let e = [true, false, true, true, false, true];
        let a = [0.0, 1.0, 0.0, 1.0, 1.0, 0.0];
        let c = [0.3, -0.2, 0.9, 0.1, -0.7, 0.4];
        let with = |eps: f64| {
            let x = DMatrix::from_fn(6, 2, |i, j| if j == 0 { a[i] } else { a[i] + eps * c[i] });
            fit(&t, &e, &x, &["a", "b"], &CoxOptions::default())
        };
        let f = with(3e-6).unwrap();
        assert!(f.coef[0] < -1e5 && f.coef[1] > 1e5, "{:?}", f.coef);
        assert!(matches!(
            with(1e-6),
            Err(CoxError::Collinear { ref name, .. }) if name == "b"
        ));
    }

    #[test]
    fn monotone_likelihood_is_reported_not_nan() {
        // All events in group 1, all censorings in group 0 after them:
        // the group-1 hazard ratio is infinite.
        let t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let e = [true, true, true, false, false, false];
        let x = DMatrix::from_column_slice(6, 1, &[1.0, 1.0, 1.0, 0.0, 0.0, 0.0]);
        let f = fit(&t, &e, &x, &["g"], &CoxOptions::default()).unwrap();
        // R 3.5-3 on the same data: "Ran out of iterations and did not
        // converge", coef 21.94 after 20 iterations.
        assert_eq!(f.status, CoxStatus::IterationLimit);
        assert_eq!(f.possibly_infinite, vec!["g".to_owned()]);
        assert!(!f.warnings.is_empty());
        assert!(f.coef[0] > 5.0);
        assert!(f.coef.iter().all(|c| c.is_finite()));
        let json = serde_json::to_string(&f).unwrap();
        assert!(!json.contains("NaN"));
    }

    /// R 3.5-3 on the same data (`coxph(Surv(t, e) ~ g + x)`): "Loglik
    /// converged before variable 1; coefficient may be infinite", 20
    /// iterations, x = −0.15625102192666837, loglik −7.4413487849444273.
    /// Group g = 1 holds the first four events with no g = 0 subject at risk
    /// having an event before them: its coefficient runs to +∞.
    #[test]
    fn monotone_likelihood_with_converged_loglik_matches_r() {
        let t: Vec<f64> = (1..=10).map(f64::from).collect();
        let e = [
            true, true, true, true, false, true, false, true, false, false,
        ];
        let g = [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let xv = [0.5, -1.0, 0.3, 2.0, 0.1, -0.4, 1.2, 0.8, -0.7, 0.2];
        let x = DMatrix::from_fn(10, 2, |i, j| if j == 0 { g[i] } else { xv[i] });
        let f = fit(&t, &e, &x, &["g", "x"], &CoxOptions::default()).unwrap();
        assert_eq!(f.status, CoxStatus::MonotoneLikelihood, "{:?}", f.warnings);
        assert_eq!(f.possibly_infinite, vec!["g".to_owned()]);
        assert_eq!(f.iterations, 20);
        assert_relative_eq!(f.coef[1], -0.15625102192666837, max_relative = 1e-6);
        assert_relative_eq!(f.loglik, -7.441_348_784_944_427, max_relative = 1e-9);
        assert!(f.warnings[0].contains("may be infinite"));
    }

    /// The monotone-likelihood rule (R coxph.fit: |step| > ε and
    /// |step| > √ε·|β| for the Newton step still to go, on the original
    /// scale) does not depend on the unit of the covariate: with g in units
    /// of 10⁻⁶ or 10⁶ the step and β both scale by the same factor, so the
    /// verdict of the case above stands (hand: the rule divided through by
    /// the unit). A step computed on the wrong scale (by 1/scale instead of
    /// scale), or a threshold √ε/|β|, would clear g in one of the two.
    #[test]
    fn monotone_likelihood_verdict_is_the_same_in_any_unit() {
        let t: Vec<f64> = (1..=10).map(f64::from).collect();
        let e = [
            true, true, true, true, false, true, false, true, false, false,
        ];
        let g = [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let xv = [0.5, -1.0, 0.3, 2.0, 0.1, -0.4, 1.2, 0.8, -0.7, 0.2];
        for unit in [1e-6, 1e6] {
            let x = DMatrix::from_fn(10, 2, |i, j| if j == 0 { g[i] * unit } else { xv[i] });
            let f = fit(&t, &e, &x, &["g", "x"], &CoxOptions::default()).unwrap();
            assert_eq!(
                f.status,
                CoxStatus::MonotoneLikelihood,
                "{unit}: {:?}",
                f.warnings
            );
            assert_eq!(f.possibly_infinite, vec!["g".to_owned()], "{unit}");
            assert_relative_eq!(f.coef[1], -0.15625102192666837, max_relative = 1e-6);
        }
    }

    /// A standard error is reported only when it is a finite number > 0:
    /// on the original scale SE = √v·s (s = 1/mean|x − mean|, the scale of
    /// the covariate), which overflows for a covariate measured in units
    /// of 10⁻¹⁶⁰ (s ≈ 10¹⁶⁰, s² = ∞) and underflows to 0 in units of 10¹⁷⁰
    /// (s² < the smallest double). Neither is a standard error: no SE, z,
    /// p or interval (not z = 0 and p = 1, nor a 0-width interval at 1).
    #[test]
    fn standard_errors_outside_the_double_range_are_not_reported() {
        let t: Vec<f64> = (1..=10).map(f64::from).collect();
        let e = [
            true, true, false, true, true, false, true, true, false, true,
        ];
        let xv = [0.5, -1.0, 0.3, 2.0, 0.1, -0.4, 1.2, 0.8, -0.7, 0.2];
        for unit in [1e-160, 1e170] {
            let x = DMatrix::from_fn(10, 1, |i, _| xv[i] * unit);
            let f = fit(&t, &e, &x, &["x"], &CoxOptions::default()).unwrap();
            assert_eq!(f.status, CoxStatus::Converged, "{unit}");
            assert_eq!(f.se, vec![None], "{unit}");
            assert_eq!(f.z, vec![None], "{unit}");
            assert_eq!(f.p, vec![None], "{unit}");
            assert_eq!(f.hr_lower, vec![None], "{unit}");
            assert_eq!(f.hr_upper, vec![None], "{unit}");
        }
    }

    /// An iteration limit reached by a finite estimate: the warning says it
    /// did not converge, and names a coefficient as possibly infinite only
    /// while its step is still large.
    #[test]
    fn iteration_limit_without_monotone_likelihood() {
        let t: Vec<f64> = (1..=10).map(f64::from).collect();
        let e = [
            true, true, false, true, true, false, true, true, false, true,
        ];
        let xv = [0.5, -1.0, 0.3, 2.0, 0.1, -0.4, 1.2, 0.8, -0.7, 0.2];
        let x = DMatrix::from_column_slice(10, 1, &xv);
        // Newton converges in 3 iterations here: after 2 the log-likelihood
        // still changes by more than the tolerance, but the step still to go
        // is below √ε·|β|, so nothing looks infinite. After 1 the step is
        // still large: x is named as still moving.
        let o = CoxOptions {
            max_iter: 2,
            ..CoxOptions::default()
        };
        let f = fit(&t, &e, &x, &["x"], &o).unwrap();
        assert_eq!(f.status, CoxStatus::IterationLimit);
        assert!(f.possibly_infinite.is_empty());
        assert_eq!(f.warnings.len(), 1, "{:?}", f.warnings);
        assert!(f.warnings[0].starts_with("Newton–Raphson did not converge in 2 iterations"));
        let o = CoxOptions {
            max_iter: 1,
            ..CoxOptions::default()
        };
        let f = fit(&t, &e, &x, &["x"], &o).unwrap();
        assert_eq!(f.possibly_infinite, vec!["x".to_owned()]);
        assert_eq!(f.warnings.len(), 2, "{:?}", f.warnings);
        assert_eq!(
            f.warnings[1],
            "the coefficient of x is still moving: it may be infinite (monotone likelihood)"
        );
    }

    /// Events only when a single subject is at risk: the risk sets carry no
    /// information about x (I(0) = 0), R would give NA.
    #[test]
    fn no_information_is_an_error() {
        let x = DMatrix::from_column_slice(3, 1, &[0.0, 1.0, 2.0]);
        let err = fit(
            &[1.0, 2.0, 3.0],
            &[false, false, true],
            &x,
            &["x"],
            &CoxOptions::default(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "covariate 'x' does not vary within the risk sets at the event times: its coefficient is not estimable"
        );
    }

    /// Step halving (R coxfit6: the k-th consecutive failure moves to
    /// (new + k·old)/(k + 1)), which no golden reaches. Data: subject A
    /// (x = 1) has an event at t = 1, subject B (x = 0) one at t = 0.5, and m
    /// subjects with x = 0 are censored at t = 2. With q = e^β,
    /// ℓ(β) = −ln(q + m + 1) + β − ln(q + m); U = 0 ⇔
    /// (q + m + 1)(q + m) = q(q + m) + q(q + m + 1) ⇔ q² = m(m + 1), so
    /// β̂ = ½ ln(m(m + 1)) (hand). From β = 0, U(0) ≈ 1 and I(0) ≈ 2/m, so
    /// the first Newton step is about m/2, far past β̂ ≈ ln m, where
    /// ℓ(β) ≈ −β:
    ///
    /// * m = 100, ℓ(0) = −ln 102 − ln 101 = −9.240: the step to β = 50.24
    ///   (ℓ ≈ −50.2, worse) is halved to 25.12 (worse again), then to
    ///   25.12/3 = 8.374 (ℓ = −8.42, better, accepted); its Newton step to
    ///   −13.17 (ℓ = −22.4, worse) is pulled back towards 8.374: to
    ///   (−13.17 + 8.374)/2 = −2.398 (ℓ = −11.6, worse), then to
    ///   (−2.398 + 2·8.374)/3 = 4.783 (ℓ = −6.004, accepted); three Newton
    ///   steps and the convergence test: 9 iterations.
    /// * m = 2000: the first step, β ≈ 1000, overflows e^β (ℓ not finite),
    ///   and is halved to 500, 500/3 = 166.7, 166.7/4 = 41.7 (each with
    ///   ℓ ≈ −β, worse than ℓ(0) = −ln 2002 − ln 2001 = −15.2), then
    ///   41.7/5 = 8.335 (ℓ = −9.12, accepted); three Newton steps and the
    ///   test: 8 iterations.
    #[test]
    fn step_halving_reaches_the_hand_estimate() {
        for (m, iterations) in [(100usize, 9u32), (2000, 8)] {
            let n = m + 2;
            let mut times = vec![2.0; n];
            let mut events = vec![false; n];
            (times[0], events[0]) = (1.0, true);
            (times[1], events[1]) = (0.5, true);
            let x = DMatrix::from_fn(n, 1, |i, _| if i == 0 { 1.0 } else { 0.0 });
            let f = fit(&times, &events, &x, &["x"], &CoxOptions::default()).unwrap();
            let mf = m as f64;
            let want = 0.5 * (mf * (mf + 1.0)).ln();
            assert_eq!(f.status, CoxStatus::Converged, "m = {m}: {:?}", f.warnings);
            assert_relative_eq!(f.coef[0], want, max_relative = 1e-9);
            let q = want.exp();
            let loglik = -(q + mf + 1.0).ln() + want - (q + mf).ln();
            assert_relative_eq!(f.loglik, loglik, max_relative = 1e-12);
            let null = -((mf + 2.0).ln() + (mf + 1.0).ln());
            assert_relative_eq!(f.loglik_null, null, max_relative = 1e-12);
            assert_eq!(f.iterations, iterations, "m = {m}");
        }
    }

    /// Each shape alone is checked: events, names or weights of another
    /// length than the rows of x are refused even when every other input
    /// has the right length.
    #[test]
    fn each_shape_mismatch_alone_is_refused() {
        let x = DMatrix::from_column_slice(2, 1, &[0.0, 1.0]);
        let o = CoxOptions::default();
        let (t, e) = ([1.0, 2.0], [true, true]);
        let shape = |r: Result<CoxFit, CoxError>| matches!(r, Err(CoxError::Shape { .. }));
        assert!(shape(fit(&t, &[true], &x, &["x"], &o)));
        assert!(shape(fit(&t, &e, &x, &["x", "y"], &o)));
        let design = CoxDesign {
            weights: Some(&[1.0]),
            strata: None,
        };
        assert!(shape(fit_with(&t, &e, &x, &["x"], design, &o)));
    }

    /// No observations at all: no events (the constant-covariate check has
    /// no first value to name, and must not look for one).
    #[test]
    fn no_rows_is_no_events() {
        let x = DMatrix::<f64>::zeros(0, 1);
        let err = fit(&[], &[], &x, &["x"], &CoxOptions::default()).unwrap_err();
        assert!(matches!(err, CoxError::NoEvents { n: 0 }), "{err}");
    }

    #[test]
    fn errors_for_bad_input() {
        let x = DMatrix::from_column_slice(2, 1, &[0.0, 1.0]);
        let o = CoxOptions::default();
        assert!(matches!(
            fit(&[1.0, 2.0], &[false, false], &x, &["x"], &o),
            Err(CoxError::NoEvents { n: 2 })
        ));
        let err = fit(&[1.0, f64::INFINITY], &[true, true], &x, &["x"], &o).unwrap_err();
        assert_eq!(
            err.to_string(),
            "observation 1 (0-based): time is inf, which is not a finite number"
        );
        assert!(matches!(
            fit(&[1.0], &[true, true], &x, &["x"], &o),
            Err(CoxError::Shape { .. })
        ));
        // Each option at and beyond its edge: conf_level in (0, 1), tol a
        // finite number > 0, max_iter ≥ 1.
        let refused = |o: CoxOptions| match fit(&[1.0, 2.0], &[true, true], &x, &["x"], &o) {
            Err(CoxError::InvalidOption(m)) => m,
            other => panic!("{o:?}: {other:?}"),
        };
        for c in [0.0, 1.0, -0.5, f64::NAN] {
            let m = refused(CoxOptions { conf_level: c, ..o });
            assert_eq!(
                m,
                format!("conf_level {c} must lie strictly between 0 and 1")
            );
        }
        for tol in [0.0, -1e-9, f64::INFINITY, f64::NAN] {
            let m = refused(CoxOptions { tol, ..o });
            assert_eq!(m, format!("tol {tol} must be a positive number"));
        }
        assert_eq!(
            refused(CoxOptions { max_iter: 0, ..o }),
            "max_iter must be at least 1"
        );
        // Just inside: accepted.
        let x3 = DMatrix::from_column_slice(3, 1, &[0.0, 1.0, 0.5]);
        for ok in [
            CoxOptions {
                conf_level: 1e-9,
                ..o
            },
            CoxOptions {
                conf_level: 1.0 - 1e-9,
                ..o
            },
            CoxOptions {
                tol: f64::MIN_POSITIVE,
                ..o
            },
            CoxOptions { max_iter: 1, ..o },
        ] {
            assert!(
                fit(&[1.0, 2.0, 3.0], &[true, false, true], &x3, &["x"], &ok).is_ok(),
                "{ok:?}"
            );
        }
    }
}

#[cfg(test)]
mod kernel_tests {
    use super::*;

    /// The fixed-size kernels and the general kernel compute the same ℓ, U,
    /// I (the goldens exercise the fixed ones for p = 3, 4, 5, 7).
    #[test]
    fn fixed_and_general_kernels_agree() {
        let n = 60;
        let times: Vec<f64> = (0..n).map(|i| f64::from((i * 7 % 23) as u32)).collect();
        let events: Vec<bool> = (0..n).map(|i| i % 3 != 0).collect();
        for p in 1..=8 {
            let x = DMatrix::from_fn(n, p, |i, j| ((i * (j + 3) + j * j) % 11) as f64 - 5.0);
            let data = Prepared::new(&times, &events, &x, CoxDesign::default());
            let beta: Vec<f64> = (0..p).map(|j| 0.1 * j as f64 - 0.2).collect();
            for ties in [Ties::Efron, Ties::Breslow] {
                let a = data.evaluate(&beta, ties);
                let b = data.evaluate_general(&beta, ties);
                assert!(
                    (a.loglik - b.loglik).abs() <= 1e-12 * b.loglik.abs(),
                    "p = {p}"
                );
                for (u, v) in a.score.iter().zip(&b.score) {
                    assert!((u - v).abs() <= 1e-10 * (1.0 + v.abs()), "p = {p}");
                }
                for (u, v) in a.info.iter().zip(b.info.iter()) {
                    assert!((u - v).abs() <= 1e-10 * (1.0 + v.abs()), "p = {p}");
                }
            }
        }
    }
}
