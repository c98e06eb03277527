//! Survival time: a number in the unit of the input time column.
//!
//! Survival data arrive with times in whatever unit the study recorded (days
//! since the first infusion, weeks, months). The statistics are invariant to
//! that unit, so this crate does not convert it; [`SurvTime`] marks a value as
//! "a time in the unit of the input column" so that it cannot be confused with
//! a probability or a count, and the caller (the CLI) names the unit.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A time in the unit of the input time column (days, weeks, months …).
///
/// Always finite and ≥ 0 when built with [`SurvTime::new`].
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
#[repr(transparent)]
pub struct SurvTime(f64);

/// A time that is negative, infinite or NaN.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("time {0}: must be a finite number ≥ 0")]
pub struct InvalidTime(pub f64);

impl SurvTime {
    /// Time zero (the time origin of the study).
    pub const ZERO: Self = Self(0.0);

    /// Creates a time from a value in the unit of the input column.
    ///
    /// # Errors
    /// [`InvalidTime`] if `value` is negative, infinite or NaN.
    pub fn new(value: f64) -> Result<Self, InvalidTime> {
        if value.is_finite() && value >= 0.0 {
            // -0.0 becomes +0.0 so that sorting by bits is total.
            Ok(Self(value + 0.0))
        } else {
            Err(InvalidTime(value))
        }
    }

    /// The value in the unit of the input column.
    pub const fn value(self) -> f64 {
        self.0
    }
}

impl fmt::Display for SurvTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Tolerance of [`timefix`]: √(machine ε) = 1.490116119384765625e-8, R
/// `aeqSurv(tolerance = sqrt(.Machine$double.eps))`.
pub const TIMEFIX_TOLERANCE: f64 = 1.490_116_119_384_765_6e-8;

/// Times after R's handling of near-equal values.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeFix {
    /// The times, near-equal values replaced by the first of their run.
    pub times: Vec<f64>,
    /// How many input values were changed.
    pub changed: usize,
}

/// Merges times that differ only by floating-point noise, exactly as R
/// `survival` 3.5 does before every `survfit`, `survdiff`, `coxph` and
/// `concordance` (`timefix = TRUE`, function `aeqSurv`): the distinct
/// finite values y₁ < … < y_m are cut wherever two neighbours differ by more
/// than `TIMEFIX_TOLERANCE`, both absolutely and relative to mean|y|; every
/// time is replaced by the smallest value of its run (R `findInterval`
/// against the cut points). Times computed arithmetically (e.g. 0.1 + 0.2
/// days versus 0.3 days from a differently rounded date difference) are then
/// tied as a person would read them; times parsed from the same decimal
/// text are already identical and are unchanged.
///
/// Non-finite values are left as they are (they are refused later).
pub fn timefix(times: &[f64]) -> TimeFix {
    let mut y: Vec<f64> = times.iter().copied().filter(|t| t.is_finite()).collect();
    y.sort_by(f64::total_cmp);
    y.dedup();
    if y.len() < 2 {
        return TimeFix {
            times: times.to_vec(),
            changed: 0,
        };
    }
    let mean_abs = y.iter().map(|v| v.abs()).sum::<f64>() / y.len() as f64;
    let mut cuts = vec![y[0]];
    for w in y.windows(2) {
        let dy = w[1] - w[0];
        let tied = dy <= TIMEFIX_TOLERANCE || dy / mean_abs <= TIMEFIX_TOLERANCE;
        if !tied {
            cuts.push(w[1]);
        }
    }
    let mut changed = 0;
    let fixed = times
        .iter()
        .map(|&t| {
            if !t.is_finite() {
                return t;
            }
            // The largest cut ≤ t (cuts[0] = min ≤ t).
            let k = cuts.partition_point(|&c| c <= t);
            let v = cuts[k - 1];
            if v.to_bits() != t.to_bits() {
                changed += 1;
            }
            v
        })
        .collect();
    TimeFix {
        times: fixed,
        changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// R's rule, each case checked with R 4.2.2 / survival 3.5-3:
    /// `aeqSurv(Surv(t, rep(1, length(t))))[, 1]` printed with 17 digits.
    #[test]
    fn timefix_merges_runs_of_near_equal_times() {
        // mean|y| ≈ 1.83: gaps of 2e-8 (relative 1.09e-8 ≤ 1.49e-8) merge
        // into one run of three → 1 1 1 2 3 3.000001.
        let t = [1.0, 1.0 + 2e-8, 1.0 + 4e-8, 2.0, 3.0, 3.0 + 1e-6];
        let f = timefix(&t);
        assert_eq!(f.times, vec![1.0, 1.0, 1.0, 2.0, 3.0, 3.0 + 1e-6]);
        assert_eq!(f.changed, 2);
        // Gaps of 3e-8 (relative 1.64e-8 > 1.49e-8): R keeps all six.
        let t = [1.0, 1.0 + 3e-8, 1.0 + 6e-8, 2.0, 3.0, 3.0 + 1e-6];
        assert_eq!(timefix(&t).times, t.to_vec());
        assert_eq!(timefix(&t).changed, 0);
        // Nothing near-equal: unchanged.
        let g = timefix(&[5.0, 1.0, 5.0, 2.5]);
        assert_eq!(g.times, vec![5.0, 1.0, 5.0, 2.5]);
        assert_eq!(g.changed, 0);
        // The absolute rule alone: tiny times 1e-9 apart with mean|y| tiny
        // too (relative gap large) still merge.
        let h = timefix(&[1e-9, 2e-9]);
        assert_eq!(h.times, vec![1e-9, 1e-9]);
        // 0.1 + 0.2 versus 0.3.
        let k = timefix(&[0.1 + 0.2, 0.3, 1.0]);
        assert_eq!(k.times, vec![0.3, 0.3, 1.0]);
        assert_eq!(k.changed, 1);
    }

    /// Non-finite times pass through unchanged and do not take part in the
    /// runs: with y = (1, 1 + 1e-8), mean|y| ≈ 1, the gap 1e-8 ≤ 1.49e-8
    /// merges the two finite values (the rule of `timefix`: non-finite
    /// values are left as they are and refused later).
    #[test]
    fn timefix_leaves_non_finite_values_alone() {
        let f = timefix(&[1.0, f64::NAN, 1.0 + 1e-8, f64::INFINITY]);
        assert_eq!(f.times[0], 1.0);
        assert!(f.times[1].is_nan());
        assert_eq!(f.times[2], 1.0);
        assert_eq!(f.times[3], f64::INFINITY);
        assert_eq!(f.changed, 1);
    }

    /// A time prints as its number (the unit is named by the caller).
    #[test]
    fn displays_as_its_number() {
        assert_eq!(SurvTime::new(3.5).unwrap().to_string(), "3.5");
        assert_eq!(SurvTime::ZERO.to_string(), "0");
    }

    #[test]
    fn rejects_negative_and_non_finite() {
        assert!(SurvTime::new(-1.0).is_err());
        assert!(SurvTime::new(f64::NAN).is_err());
        assert!(SurvTime::new(f64::INFINITY).is_err());
        assert_eq!(
            SurvTime::new(-0.0).unwrap().value().to_bits(),
            0.0f64.to_bits()
        );
        assert_eq!(SurvTime::new(3.5).unwrap().value(), 3.5);
    }
}
