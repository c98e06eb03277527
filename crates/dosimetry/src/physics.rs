//! I-131 physical constants used by the dosimetry
//! (`docs/reference/dosimetry.md` §2).

use mibg_units::{Hours, RateConstant};

/// Physical half-life of I-131 used everywhere in mibg: **8.0207 d = 192.497 h**
/// (ICRP 107, docs/reference/dosimetry.md §2 \[V\]\[C\]).
///
/// This is the same constant as [`mibg_radprot::I131_HALF_LIFE`], re-exported so
/// that the fits' physical-decay bound, the physical-decay tail and the
/// radiation-protection curves can never disagree. Other evaluations (ENSDF and
/// Dorn's 8.0252 d, DDEP 8.0233 d) differ by < 0.06 %.
pub const I131_HALF_LIFE: Hours = mibg_radprot::I131_HALF_LIFE;

/// Physical decay constant λ_phys = ln 2 / T½ of I-131, per hour
/// (3.6008×10⁻³ h⁻¹ with [`I131_HALF_LIFE`], docs/reference/dosimetry.md §2).
pub fn lambda_phys() -> RateConstant {
    RateConstant::from_half_life(I131_HALF_LIFE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn physical_decay_constant() {
        // ICRP 107: 8.0207 d × 24 = 192.4968 h, tabulated as 192.497 h;
        // ln 2 / 192.497 h = 3.600821e-3 per hour (Python math.log, by hand),
        // the 3.6008e-3 of docs/reference/dosimetry.md §2.
        assert!((I131_HALF_LIFE.hours() - 192.497).abs() < 1e-9);
        assert!((lambda_phys().per_h() - 3.600_821e-3).abs() < 1e-9);
    }
}
