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

#[cfg(test)]
mod tests {
    use super::*;

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
