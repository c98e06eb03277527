//! Confidence level and the two-sided normal quantile z = Φ⁻¹(1 − α/2).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

/// A two-sided confidence level 1 − α, strictly between 0 and 1 (0.95 by
/// default, docs/reference/statistics.md §0).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConfLevel(f64);

/// A confidence level outside (0, 1).
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("confidence level {0}: must lie strictly between 0 and 1 (e.g. 0.95)")]
pub struct InvalidConfLevel(pub f64);

impl ConfLevel {
    /// The 95 % level used throughout unless the user asks otherwise.
    pub const NINETY_FIVE: Self = Self(0.95);

    /// Creates a confidence level.
    ///
    /// # Errors
    /// [`InvalidConfLevel`] unless 0 < `level` < 1.
    pub fn new(level: f64) -> Result<Self, InvalidConfLevel> {
        if level > 0.0 && level < 1.0 {
            Ok(Self(level))
        } else {
            Err(InvalidConfLevel(level))
        }
    }

    /// The level 1 − α as a fraction.
    pub const fn value(self) -> f64 {
        self.0
    }

    /// α = 1 − level.
    pub fn alpha(self) -> f64 {
        1.0 - self.0
    }

    /// z = Φ⁻¹(1 − α/2); 1.959963984540054 at 95 % (docs/reference/statistics.md §0: not 1.96).
    ///
    /// Computed as −Φ⁻¹(α/2): 1 − α/2 rounds to 1 when α is below about
    /// 2e-16 (a level of 0.9999999999999999 gave z = ∞ and NaN limits).
    pub fn z(self) -> f64 {
        let std = Normal::standard();
        -std.inverse_cdf(self.alpha() / 2.0)
    }
}

impl Default for ConfLevel {
    fn default() -> Self {
        Self::NINETY_FIVE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_at_95_matches_qnorm() {
        // R: qnorm(0.975) = 1.959963984540054
        let z = ConfLevel::NINETY_FIVE.z();
        assert!((z - 1.959963984540054).abs() < 1e-13, "{z}");
        // R: qnorm(0.95) = 1.644853626951472
        let z90 = ConfLevel::new(0.90).unwrap().z();
        assert!((z90 - 1.644853626951472).abs() < 1e-12, "{z90}");
    }

    /// Levels next to 1: z stays finite. Reference: mpmath 1.3.0 at 50
    /// digits, α = 1 − 0.9999999999999999 (as a double) = 1.1102230246251565e-16,
    /// `-sqrt(2)*erfinv(2*(α/2)-1)` = 8.2923610758135955.
    #[test]
    fn z_is_finite_next_to_one() {
        let l = ConfLevel::new(0.9999999999999999).unwrap();
        let z = l.z();
        assert!((z - 8.292_361_075_813_596).abs() < 1e-9 * 8.3, "{z}");
        let tiny = ConfLevel::new(1e-300).unwrap().z();
        assert!((0.0..1e-290).contains(&tiny), "{tiny}");
    }

    #[test]
    fn rejects_out_of_range() {
        for bad in [0.0, 1.0, -0.5, 95.0, f64::NAN] {
            assert!(ConfLevel::new(bad).is_err(), "{bad}");
        }
    }
}
