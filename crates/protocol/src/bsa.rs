//! Body-surface area (BSA) formulas.
//!
//! Source of all equations: the globalrph.com BSA page
//! (<http://globalrph.com/bsa2.htm>) with the primary citations below
//! (docs/reference/dosimetry.md §9.1 \[V\]). H is height in cm, W weight in kg, BSA in m².
//! BSA is never rounded here; round for display only (docs/reference/dosimetry.md §9.1 \[I\]).

use mibg_units::{Area, Length, Mass};
use serde::{Deserialize, Serialize};

/// A named BSA formula. The default is [`BsaFormula::Mosteller`], the most
/// common method (Australian paediatric dosing consensus, docs/reference/dosimetry.md §9.1 \[V\]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BsaFormula {
    /// Mosteller RD, *N Engl J Med* 1987;317:1098:
    /// BSA = √(H × W / 3600).
    #[default]
    Mosteller,
    /// Haycock GB et al., *J Pediatr* 1978;93:62:
    /// BSA = 0.024265 × W^0.5378 × H^0.3964.
    Haycock,
    /// DuBois D, DuBois EF, *Arch Intern Med* 1916;17:863:
    /// BSA = 0.007184 × W^0.425 × H^0.725.
    #[serde(rename = "dubois")]
    DuBois,
    /// Gehan EA, George SL, *Cancer Chemother Rep* 1970;54:225:
    /// BSA = 0.0235 × W^0.51456 × H^0.42246.
    GehanGeorge,
}

impl BsaFormula {
    /// All formulas, in documentation order.
    pub const ALL: [BsaFormula; 4] = [
        BsaFormula::Mosteller,
        BsaFormula::Haycock,
        BsaFormula::DuBois,
        BsaFormula::GehanGeorge,
    ];

    /// The key used in protocol files: `mosteller`, `haycock`, `dubois`,
    /// `gehan_george`.
    pub fn key(self) -> &'static str {
        match self {
            BsaFormula::Mosteller => "mosteller",
            BsaFormula::Haycock => "haycock",
            BsaFormula::DuBois => "dubois",
            BsaFormula::GehanGeorge => "gehan_george",
        }
    }

    /// Parses a protocol-file key (see [`BsaFormula::key`]).
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.key() == key)
    }

    /// Human name with the equation, e.g.
    /// `Mosteller (NEJM 1987): sqrt(H*W/3600)`.
    pub fn describe(self) -> &'static str {
        match self {
            BsaFormula::Mosteller => {
                "Mosteller (N Engl J Med 1987;317:1098): sqrt(H[cm] x W[kg] / 3600)"
            }
            BsaFormula::Haycock => "Haycock (J Pediatr 1978;93:62): 0.024265 x W^0.5378 x H^0.3964",
            BsaFormula::DuBois => {
                "DuBois & DuBois (Arch Intern Med 1916;17:863): 0.007184 x W^0.425 x H^0.725"
            }
            BsaFormula::GehanGeorge => {
                "Gehan & George (Cancer Chemother Rep 1970;54:225): 0.0235 x W^0.51456 x H^0.42246"
            }
        }
    }

    /// The body-surface area for `weight` and `height` by this formula.
    ///
    /// Pure arithmetic: inputs are not range-checked here (the caller checks
    /// plausibility); non-positive inputs give NaN or 0.
    pub fn bsa(self, weight: Mass, height: Length) -> Area {
        let w = weight.kg();
        let h = height.cm();
        let m2 = match self {
            BsaFormula::Mosteller => (h * w / 3600.0).sqrt(),
            BsaFormula::Haycock => 0.024265 * w.powf(0.5378) * h.powf(0.3964),
            BsaFormula::DuBois => 0.007184 * w.powf(0.425) * h.powf(0.725),
            BsaFormula::GehanGeorge => 0.0235 * w.powf(0.51456) * h.powf(0.42246),
        };
        Area::from_m2(m2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Test vectors of docs/reference/dosimetry.md §9.1 \[C\] (computed independently from the
    /// equations, 4 decimals), plus hand checks of Mosteller:
    /// √(75·9/3600) = √0.1875 = 0.43301; √(140·32/3600) = √1.24444 = 1.11555.
    #[test]
    fn domain_test_vectors() {
        // (H cm, W kg, Mosteller, DuBois, Haycock, Gehan–George)
        let rows = [
            (75.0, 9.0, 0.4330, 0.4182, 0.4380, 0.4510),
            (95.0, 15.0, 0.6292, 0.6167, 0.6331, 0.6483),
            (110.0, 18.0, 0.7416, 0.7411, 0.7401, 0.7575),
            (140.0, 32.0, 1.1155, 1.1272, 1.1096, 1.1277),
        ];
        for (h, w, mo, du, ha, gg) in rows {
            let (w, h) = (Mass::from_kg(w), Length::from_cm(h));
            // Tolerance: the table is rounded to 4 decimals.
            let tol = 0.6e-4;
            for (f, want) in [
                (BsaFormula::Mosteller, mo),
                (BsaFormula::DuBois, du),
                (BsaFormula::Haycock, ha),
                (BsaFormula::GehanGeorge, gg),
            ] {
                let got = f.bsa(w, h).m2();
                assert!(
                    (got - want).abs() < tol,
                    "{f:?} H={h} W={w}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn mosteller_exact_by_hand() {
        // 180 cm, 80 kg: √(14400/3600) = √4 = 2 exactly.
        let a = BsaFormula::Mosteller.bsa(Mass::from_kg(80.0), Length::from_cm(180.0));
        assert!((a.m2() - 2.0).abs() < 1e-15);
    }

    #[test]
    fn keys_round_trip() {
        for f in BsaFormula::ALL {
            assert_eq!(BsaFormula::from_key(f.key()), Some(f));
        }
        assert_eq!(BsaFormula::from_key("Mosteller"), None);
        assert_eq!(BsaFormula::default(), BsaFormula::Mosteller);
    }
}
