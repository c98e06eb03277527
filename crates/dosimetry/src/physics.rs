//! I-131 physical constants used by the dosimetry (domain notes
//! `dosimetry.md` §2).

use mibg_units::{Hours, RateConstant};

/// Physical half-life of I-131 used by mibg: **8.0252 d = 192.6048 h**.
///
/// Source: ENSDF evaluation, the value also used by Dorn (SAMI,
/// `dorn/app.py`), domain notes §2 [V]. ICRP 107 gives 8.0207 d; the
/// difference (0.06 %) changes the physical-decay bound of the fits and the
/// physical-decay tail by the same 0.06 %, far below the measurement
/// uncertainty of whole-body retention.
pub const I131_HALF_LIFE: Hours = Hours::from_days(8.0252);

/// Physical decay constant λ_phys = ln 2 / T½ of I-131, per hour
/// (3.5988×10⁻³ h⁻¹ with [`I131_HALF_LIFE`]).
pub fn lambda_phys() -> RateConstant {
    RateConstant::from_half_life(I131_HALF_LIFE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn physical_decay_constant() {
        // 8.0252 d × 24 = 192.6048 h; ln 2 / 192.6048 = 3.59880e-3 per hour (hand calculation).
        assert!((I131_HALF_LIFE.hours() - 192.6048).abs() < 1e-9);
        assert!((lambda_phys().per_h() - 3.598_80e-3).abs() < 1e-8);
    }
}
