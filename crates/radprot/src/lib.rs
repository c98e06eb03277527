//! Radiation protection from a whole-body retention curve.
//!
//! Given how much of the administered 131I-mIBG activity a patient retains
//! over time ([`RetentionCurve`]) and the dose rate at 1 m at the end of
//! infusion (measured, or from activity × dose-rate constant), this crate
//! computes:
//!
//! * the dose rate at 1 m and at any distance over time ([`rate`]);
//! * when a threshold is first reached, e.g. the patient-release or
//!   stem-cell-return dose rate, or a retained-activity limit ([`threshold`]);
//! * the dose to a caregiver or member of the public for a contact pattern,
//!   compared with a dose constraint ([`contact`]).
//!
//! Formulas and constants follow docs/reference/dosimetry.md §8 (radiation
//! protection) and docs/reference/dosimetry.md §2 (I-131 half-life). Time t is hours after the **end of
//! the infusion** whose curve is given. The crate is pure: no I/O.
//!
//! ```
//! use mibg_radprot::*;
//! use mibg_units::*;
//! // Pure physical decay of I-131, 100 µSv/h at 1 m at t = 0:
//! let curve = PhysicalDecay::i131();
//! let t = threshold::time_to_dose_rate(&curve, DoseRate::from_usv_per_h(100.0),
//!     DoseRate::from_usv_per_h(20.0), Hours::from_days(100.0)).unwrap();
//! // T½ · log2(5) = 192.497 h × 2.321928 = 446.97 h.
//! assert!((t.hours() - 446.97).abs() < 0.01);
//! ```

pub mod contact;
pub mod curve;
pub mod family;
mod integrate;
pub mod rate;
pub mod threshold;

pub use contact::{
    CaregiverEstimate, ConstraintKind, ContactEnd, ContactPattern, DoseConstraint, caregiver_dose,
    tail_share_caveat,
};
pub use curve::{
    ExpTerm, ExponentialSum, FnRetention, I131_HALF_LIFE, PhysicalDecay, RetentionCurve,
    WithResidual, retention_fn,
};
pub use family::{
    BudgetSplit, ConstraintPeriod, CourseOptions, FamilyPattern, InfusionPeriod, PatternConstraint,
    PatternElement, PatternError, PatternRestriction, PeriodRestriction, Schedule,
    dose_against_delay, next_element_start, pattern_dose, restrict_pattern,
};
pub use rate::{
    DistanceLaw, DoseRatePoint, READING_DISTANCE_RANGE_M, dose_rate_at, dose_rate_at_1m,
    dose_rate_series, dose_rate_table, initial_dose_rate_from_activity,
    initial_dose_rate_from_reading, retained_activity,
};
pub use threshold::{
    RELEASE_HORIZON, ReleaseRule, ReleaseTime, release_time, time_to_dose_rate,
    time_to_retained_activity,
};

use mibg_units::{DoseRate, Hours};

/// Errors of radiation-protection computations. Messages name the input and
/// the rule broken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RadProtError {
    /// An input is outside its allowed range.
    #[error("{what} = {value}: {rule}")]
    InvalidInput {
        /// The input, e.g. `distance`.
        what: &'static str,
        /// Its value in the unit named in `what`'s documentation.
        value: f64,
        /// The rule broken.
        rule: &'static str,
    },
    /// The retention curve returned a value that is not a finite number ≥ 0.
    #[error("retention curve at t = {t_h} h returned {value}: must be a finite number >= 0")]
    InvalidRetention {
        /// The time (h).
        t_h: f64,
        /// The value returned.
        value: f64,
    },
    /// A contact pattern breaks a rule.
    #[error(transparent)]
    InvalidPattern(#[from] family::PatternError),
    /// A dose integral still needed refinement after its budget of
    /// evaluations (an integrand with no finite integral at the tolerance
    /// asked, e.g. a retention curve that oscillates without end).
    #[error(
        "the dose integral from {from_h} h to {to_h} h did not converge within {evaluations} evaluations of the retention curve"
    )]
    IntegralNotConverged {
        /// Start of the interval (h).
        from_h: f64,
        /// End of the interval (h).
        to_h: f64,
        /// The evaluations spent.
        evaluations: usize,
    },
    /// A threshold is not reached within the search horizon.
    #[error(
        "{what} {threshold} is not reached within {horizon_h} h after the end of infusion (value at the horizon: {at_horizon})"
    )]
    ThresholdNotReached {
        /// What was searched, e.g. `dose rate at 1 m`.
        what: &'static str,
        /// The threshold, formatted with its unit.
        threshold: String,
        /// The horizon (h).
        horizon_h: f64,
        /// The value at the horizon, formatted with its unit.
        at_horizon: String,
    },
}

pub(crate) fn check_positive(what: &'static str, v: f64) -> Result<f64, RadProtError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(RadProtError::InvalidInput {
            what,
            value: v,
            rule: "must be a finite number > 0",
        })
    }
}

pub(crate) fn check_non_negative(what: &'static str, v: f64) -> Result<f64, RadProtError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(RadProtError::InvalidInput {
            what,
            value: v,
            rule: "must be a finite number >= 0",
        })
    }
}

/// Evaluates a curve and checks the value.
pub(crate) fn eval(curve: &dyn RetentionCurve, t: Hours) -> Result<f64, RadProtError> {
    let r = curve.retention(t);
    if r.is_finite() && r >= 0.0 {
        Ok(r)
    } else {
        Err(RadProtError::InvalidRetention {
            t_h: t.hours(),
            value: r,
        })
    }
}

/// Dose rate at 1 m at time `t` as a checked computation.
pub(crate) fn rate_1m(
    curve: &dyn RetentionCurve,
    initial_at_1m: DoseRate,
    t: Hours,
) -> Result<DoseRate, RadProtError> {
    Ok(initial_at_1m * eval(curve, t)?)
}
