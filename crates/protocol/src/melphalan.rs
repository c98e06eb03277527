//! High-dose melphalan dose: per m² of body-surface area, or per kg for
//! small children under the protocol's small-child rule (docs/reference/dosimetry.md §9).

use crate::{BsaFormula, MelphalanRule};
use mibg_units::{Area, DrugMass, DrugPerArea, DrugPerMass, Length, Mass};
use serde::Serialize;

/// Which rule produced a melphalan dose.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[non_exhaustive]
pub enum MelphalanBasis {
    /// dose = dose per m² × BSA.
    PerArea {
        /// The protocol's dose per m².
        dose_mg_per_m2: DrugPerArea,
    },
    /// Small-child rule: dose = (dose per m² ÷ divisor) mg/kg × weight.
    SmallChildPerKg {
        /// The derived dose per kg, (mg/m²) ÷ divisor.
        dose_mg_per_kg: DrugPerMass,
        /// The divisor used.
        divisor: f64,
        /// The rule applies below this weight.
        below_weight_kg: Mass,
    },
}

/// A melphalan dose with everything needed to check it by hand. JSON adds
/// `bsa_formula_description` (the formula with its source) after
/// `bsa_formula`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(into = "MelphalanJson")]
pub struct MelphalanDose {
    /// The total dose (mg), not rounded.
    #[serde(rename = "dose_mg")]
    pub dose: DrugMass,
    /// The rule used.
    pub basis: MelphalanBasis,
    /// Body-surface area by `bsa_formula` (computed and shown even when the
    /// small-child rule applies, for comparison).
    #[serde(rename = "bsa_m2")]
    pub bsa: Area,
    /// The BSA formula used.
    pub bsa_formula: BsaFormula,
    /// What the per-m² rule would give (equal to `dose_mg` when it applies).
    #[serde(rename = "per_area_dose_mg")]
    pub per_area_dose: DrugMass,
}

#[derive(Serialize)]
struct MelphalanJson {
    dose_mg: DrugMass,
    basis: MelphalanBasis,
    bsa_m2: Area,
    bsa_formula: BsaFormula,
    bsa_formula_description: &'static str,
    per_area_dose_mg: DrugMass,
}

impl From<MelphalanDose> for MelphalanJson {
    fn from(m: MelphalanDose) -> Self {
        Self {
            dose_mg: m.dose,
            basis: m.basis,
            bsa_m2: m.bsa,
            bsa_formula: m.bsa_formula,
            bsa_formula_description: m.bsa_formula.describe(),
            per_area_dose_mg: m.per_area_dose,
        }
    }
}

/// The melphalan dose for a patient under `rule`.
///
/// Formula: BSA = `rule.bsa_formula`(weight, height). If
/// `rule.small_child` is set and weight < `below_weight`, dose =
/// (`dose_per_area` ÷ `divisor`) \[mg/kg\] × weight (COG convention, docs/reference/dosimetry.md §9.2 \[R\]);
/// otherwise dose = `dose_per_area` × BSA.
/// Inputs are not range-checked here; see [`crate::plan::plan`].
pub fn melphalan_dose(rule: &MelphalanRule, weight: Mass, height: Length) -> MelphalanDose {
    let bsa = rule.bsa_formula.bsa(weight, height);
    let per_area = rule.dose_per_area * bsa;
    let (dose, basis) = match rule.small_child {
        Some(s) if weight < s.below_weight => {
            let per_kg = DrugPerMass::from_mg_per_kg(rule.dose_per_area.mg_per_m2() / s.divisor);
            (
                per_kg * weight,
                MelphalanBasis::SmallChildPerKg {
                    dose_mg_per_kg: per_kg,
                    divisor: s.divisor,
                    below_weight_kg: s.below_weight,
                },
            )
        }
        _ => (
            per_area,
            MelphalanBasis::PerArea {
                dose_mg_per_m2: rule.dose_per_area,
            },
        ),
    };
    MelphalanDose {
        dose,
        basis,
        bsa,
        bsa_formula: rule.bsa_formula,
        per_area_dose: per_area,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SmallChildRule;

    fn rule(small: bool) -> MelphalanRule {
        MelphalanRule {
            dose_per_area: DrugPerArea::from_mg_per_m2(110.0),
            bsa_formula: BsaFormula::Mosteller,
            days_after_infusion2: 13,
            small_child: small.then_some(SmallChildRule {
                below_weight: Mass::from_kg(12.0),
                divisor: 30.0,
            }),
        }
    }

    #[test]
    fn per_area_by_hand() {
        // 32 kg, 140 cm: Mosteller √(140·32/3600) = 1.115546; × 110 = 122.710 mg.
        let d = melphalan_dose(&rule(true), Mass::from_kg(32.0), Length::from_cm(140.0));
        assert!((d.dose.mg() - 122.7101).abs() < 1e-3, "{}", d.dose.mg());
        assert!(matches!(d.basis, MelphalanBasis::PerArea { .. }));
        assert_eq!(d.dose, d.per_area_dose);
    }

    #[test]
    fn small_child_per_kg_by_hand() {
        // 9 kg, 75 cm: 110/30 = 3.6667 mg/kg × 9 kg = 33.0 mg (docs/reference/dosimetry.md §9.2
        // example 110 mg/m² → 3.67 mg/kg). Per m² would be 110 × 0.4330 = 47.63 mg.
        let d = melphalan_dose(&rule(true), Mass::from_kg(9.0), Length::from_cm(75.0));
        assert!((d.dose.mg() - 33.0).abs() < 1e-9);
        match d.basis {
            MelphalanBasis::SmallChildPerKg { dose_mg_per_kg, .. } => {
                assert!((dose_mg_per_kg.mg_per_kg() - 3.666_666_7).abs() < 1e-6)
            }
            other => panic!("{other:?}"),
        }
        assert!((d.per_area_dose.mg() - 47.631).abs() < 1e-2);
        // Without the rule the same child is dosed per m².
        let d = melphalan_dose(&rule(false), Mass::from_kg(9.0), Length::from_cm(75.0));
        assert!((d.dose.mg() - 47.631).abs() < 1e-2);
    }

    #[test]
    fn threshold_is_strict() {
        // Exactly 12 kg is not "below 12 kg": per m².
        let d = melphalan_dose(&rule(true), Mass::from_kg(12.0), Length::from_cm(85.0));
        assert!(matches!(d.basis, MelphalanBasis::PerArea { .. }));
    }
}
