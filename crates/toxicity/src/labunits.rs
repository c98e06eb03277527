//! Laboratory tests, their units, and exact unit conversions.
//!
//! Grading never converts a value to another unit: each CTCAE threshold is
//! stored in every unit system the CTCAE row prints (e.g. neutrophils
//! "<1.5–1.0×10⁹/L" **and** "<1500–1000/mm³"; anaemia "<10.0 g/dL", "<100 g/L"
//! **and** "<6.2 mmol/L"), and a value is compared with the threshold printed
//! for its own unit. Reference limits (LLN/ULN) are in the unit of the
//! result they belong to. Conversions are used only to (a) bring a baseline
//! measured in another unit onto the current value's unit, (b) order values
//! for nadirs, and (c) display values in one canonical unit.
//!
//! Conversion factors (all exact fractions, [`crate::exact::Exact`]):
//!
//! * Cell counts: 1 × 10⁹/L = 1000/µL = 1000/mm³ (1 mm³ = 1 µL exactly;
//!   CTCAE v5.0 prints both forms of every count threshold, docs/reference/toxicity.md §3).
//! * Haemoglobin: 1 g/dL = 10 g/L exactly (1 dL = 0.1 L); 1 g/dL = 0.6206 mmol/L
//!   (docs/reference/toxicity.md §3 "mmol/L ≈ 0.6206 × g/dL", i.e. the haemoglobin monomer,
//!   molar mass ≈ 16 114 g/mol). The mmol/L factor is conventional, not
//!   exact, so it is **never used for grading** (CTCAE prints the mmol/L
//!   thresholds 6.2 and 4.9 itself); only for nadir ordering and display.
//! * Enzymes (ALT, AST, GGT, ALP): 1 U/L = 1 IU/L; 1 µkat/L = 60 U/L exactly
//!   (1 U = 1 µmol/min by definition (IUB 1961); 1 kat = 1 mol/s, SI Brochure
//!   9th ed. Table 4; so 1 µkat = 1 µmol/s = 60 µmol/min = 60 U).
//! * Bilirubin: molar mass 584.66 g/mol (PubChem CID 5280352), so
//!   1 mg/dL = 10 mg/L ÷ 584.66 mg/mmol = 10000/584.66 µmol/L ≈ 17.104 µmol/L
//!   (docs/reference/toxicity.md §4: "1 mg/dL = 17.1 µmol/L").
//! * Creatinine: molar mass 113.12 g/mol (PubChem CID 588), so
//!   1 mg/dL = 10000/113.12 µmol/L ≈ 88.40 µmol/L (the conventional 88.4).

use crate::exact::Exact;
use serde::Serialize;
use std::fmt;

/// A blood cell count (neutrophils, platelets, …), stored exactly in ×10⁹/L.
///
/// 1 × 10⁹/L = 1000/µL = 1000/mm³ (exact). Serialises as the number of
/// ×10⁹/L, so wire fields carry the unit in their name (`…_1e9_per_l`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CellCount(Exact);

impl CellCount {
    /// From a count in ×10⁹/L.
    pub const fn from_1e9_per_l(value: Exact) -> Self {
        Self(value)
    }

    /// From a count per mm³ (= per µL).
    pub fn from_per_mm3(value: Exact) -> Self {
        Self(value * Exact::ratio(1, 1000))
    }

    /// The count in ×10⁹/L.
    pub const fn e9_per_l(self) -> Exact {
        self.0
    }
}

impl fmt::Display for CellCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} x10^9/L", self.0)
    }
}

/// A laboratory test that CTCAE grades.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LabTest {
    /// Absolute neutrophil count (ANC).
    Neutrophils,
    /// Platelet count.
    Platelets,
    /// Haemoglobin concentration.
    Haemoglobin,
    /// White blood cell count.
    Wbc,
    /// Absolute lymphocyte count.
    Lymphocytes,
    /// Alanine aminotransferase.
    Alt,
    /// Aspartate aminotransferase.
    Ast,
    /// Total bilirubin.
    Bilirubin,
    /// Gamma-glutamyl transferase.
    Ggt,
    /// Alkaline phosphatase.
    Alp,
    /// Serum creatinine.
    Creatinine,
}

/// Which family of units a test is measured in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Count,
    Haemoglobin,
    Enzyme,
    Bilirubin,
    Creatinine,
}

impl LabTest {
    /// Every test, in display order.
    pub const ALL: [LabTest; 11] = [
        LabTest::Neutrophils,
        LabTest::Platelets,
        LabTest::Haemoglobin,
        LabTest::Wbc,
        LabTest::Lymphocytes,
        LabTest::Alt,
        LabTest::Ast,
        LabTest::Bilirubin,
        LabTest::Ggt,
        LabTest::Alp,
        LabTest::Creatinine,
    ];

    /// The code used in the `test` column of a labs file (the first of
    /// [`LabTest::names`]).
    pub const fn code(self) -> &'static str {
        self.names()[0]
    }

    /// Parses a `test` code (case-insensitive; accepts the synonyms listed
    /// in the README data dictionary: `anc`, `plt`, `hb`/`hgb`/`hemoglobin`,
    /// `wbc`, `alc`, `sgpt`, `sgot`, `tbili`, `gamma_gt`, `alkaline_phosphatase`).
    pub fn parse(code: &str) -> Option<Self> {
        lowered(code.trim(), Self::parse_lower)
    }

    /// Every name [`LabTest::parse`] accepts for this test, lower case: its
    /// code first, then the synonyms of the README data dictionary. The one
    /// list both parsing and the store's query for blood counts read.
    pub const fn names(self) -> &'static [&'static str] {
        match self {
            LabTest::Neutrophils => &["neutrophils", "anc", "neutrophil_count"],
            LabTest::Platelets => &["platelets", "plt", "platelet_count"],
            LabTest::Haemoglobin => &["haemoglobin", "hemoglobin", "hb", "hgb"],
            LabTest::Wbc => &["wbc", "leukocytes", "white_blood_cells"],
            LabTest::Lymphocytes => &["lymphocytes", "alc", "lymphocyte_count"],
            LabTest::Alt => &["alt", "sgpt"],
            LabTest::Ast => &["ast", "sgot"],
            LabTest::Bilirubin => &["bilirubin", "tbili", "total_bilirubin"],
            LabTest::Ggt => &["ggt", "gamma_gt"],
            LabTest::Alp => &["alp", "alkaline_phosphatase"],
            LabTest::Creatinine => &["creatinine", "crea"],
        }
    }

    /// [`LabTest::parse`] of a trimmed, lower-case code.
    fn parse_lower(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.names().contains(&code))
    }

    fn family(self) -> Family {
        match self {
            LabTest::Neutrophils | LabTest::Platelets | LabTest::Wbc | LabTest::Lymphocytes => {
                Family::Count
            }
            LabTest::Haemoglobin => Family::Haemoglobin,
            LabTest::Alt | LabTest::Ast | LabTest::Ggt | LabTest::Alp => Family::Enzyme,
            LabTest::Bilirubin => Family::Bilirubin,
            LabTest::Creatinine => Family::Creatinine,
        }
    }

    /// `true` for tests whose toxicity is a *decrease* (counts, haemoglobin):
    /// these need the LLN; the others need the ULN.
    pub fn is_decreasing(self) -> bool {
        matches!(self.family(), Family::Count | Family::Haemoglobin)
    }

    /// The canonical unit (used for nadirs and display).
    pub fn canonical_unit(self) -> LabUnit {
        match self.family() {
            Family::Count => LabUnit::GigaPerLitre,
            Family::Haemoglobin => LabUnit::GramPerLitre,
            Family::Enzyme => LabUnit::UnitPerLitre,
            Family::Bilirubin | Family::Creatinine => LabUnit::MicromolPerLitre,
        }
    }

    /// `true` when `unit` is a unit of this test.
    pub fn accepts(self, unit: LabUnit) -> bool {
        self.factor_to_canonical(unit).is_some()
    }

    /// Exact factor `f` such that a value in `unit` times `f` is the value in
    /// [`Self::canonical_unit`] (module docs give the sources); `None` when the
    /// unit does not belong to this test.
    pub fn factor_to_canonical(self, unit: LabUnit) -> Option<Exact> {
        use LabUnit::*;
        Some(match (self.family(), unit) {
            (Family::Count, GigaPerLitre) => Exact::ONE,
            (Family::Count, PerMicrolitre) => Exact::ratio(1, 1000),
            (Family::Haemoglobin, GramPerLitre) => Exact::ONE,
            (Family::Haemoglobin, GramPerDecilitre) => Exact::int(10),
            // 1 mmol/L = 10/0.6206 g/L (docs/reference/toxicity.md §3; conventional, display only).
            (Family::Haemoglobin, MillimolPerLitre) => Exact::ratio(100_000, 6206),
            (Family::Enzyme, UnitPerLitre) => Exact::ONE,
            (Family::Enzyme, MicrokatalPerLitre) => Exact::int(60),
            (Family::Bilirubin, MicromolPerLitre) => Exact::ONE,
            // 1 mg/dL = 10000/584.66 µmol/L (PubChem CID 5280352, 584.66 g/mol).
            (Family::Bilirubin, MilligramPerDecilitre) => Exact::ratio(1_000_000, 58_466),
            (Family::Creatinine, MicromolPerLitre) => Exact::ONE,
            // 1 mg/dL = 10000/113.12 µmol/L (PubChem CID 588, 113.12 g/mol).
            (Family::Creatinine, MilligramPerDecilitre) => Exact::ratio(1_000_000, 11_312),
            _ => return None,
        })
    }

    /// `true` when converting between two of this test's units is exact
    /// (everything except haemoglobin mmol/L ↔ mass units).
    pub fn exact_between(self, a: LabUnit, b: LabUnit) -> bool {
        a == b
            || !(self.family() == Family::Haemoglobin
                && (a == LabUnit::MillimolPerLitre || b == LabUnit::MillimolPerLitre))
    }

    /// Plausible ranges, in [`Self::canonical_unit`], of the lower and upper
    /// reference limits of this test (`None`: not checked) \[I\]. They span
    /// paediatric and adult ranges with a wide margin, yet are narrow enough
    /// to expose a limit written in another unit (1.5 labelled /mm³, a µkat/L
    /// ULN labelled U/L, a g/dL LLN labelled g/L): counts are graded on
    /// absolute thresholds in the row's unit, so such a row would be
    /// misgraded silently. Neutrophils LLN 0.1–10, ULN 1–100; lymphocytes
    /// 0.05–20, 0.5–100; WBC 0.5–50, 2–200; platelets 10–1000, 50–5000
    /// (×10⁹/L); haemoglobin 40–250, 60–300 g/L; enzymes ULN 3–3000 U/L;
    /// bilirubin ULN 2–200 µmol/L; creatinine ULN 10–500 µmol/L.
    pub fn plausible_limits(self) -> [Option<(Exact, Exact)>; 2] {
        let r = |lo: i128, lo_den: i128, hi: i128| Some((Exact::ratio(lo, lo_den), Exact::int(hi)));
        match self {
            LabTest::Neutrophils => [r(1, 10, 10), r(1, 1, 100)],
            LabTest::Lymphocytes => [r(1, 20, 20), r(1, 2, 100)],
            LabTest::Wbc => [r(1, 2, 50), r(2, 1, 200)],
            LabTest::Platelets => [r(10, 1, 1000), r(50, 1, 5000)],
            LabTest::Haemoglobin => [r(40, 1, 250), r(60, 1, 300)],
            LabTest::Alt | LabTest::Ast | LabTest::Ggt | LabTest::Alp => [None, r(3, 1, 3000)],
            LabTest::Bilirubin => [None, r(2, 1, 200)],
            LabTest::Creatinine => [None, r(10, 1, 500)],
        }
    }

    /// Plausible range of a value, in [`Self::canonical_unit`] (`None`: not
    /// checked) \[I\]: haemoglobin 10–300 g/L (below 1 g/dL no patient lives,
    /// above 30 g/dL none is measured), which exposes the g/dL ↔ g/L
    /// confusion. Other tests can legitimately be 0 or very high.
    pub fn plausible_value(self) -> Option<(Exact, Exact)> {
        match self {
            LabTest::Haemoglobin => Some((Exact::int(10), Exact::int(300))),
            _ => None,
        }
    }

    /// Converts `value` from unit `from` to unit `to`, exactly.
    /// `None` when either unit does not belong to this test.
    pub fn convert(self, value: Exact, from: LabUnit, to: LabUnit) -> Option<Exact> {
        let f = self.factor_to_canonical(from)?;
        let t = self.factor_to_canonical(to)?;
        Some(value * f * Exact::ratio(t.denom(), t.numer()))
    }
}

impl fmt::Display for LabTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A unit of a laboratory result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum LabUnit {
    /// 10⁹ cells per litre (= 10³/µL = G/L).
    #[serde(rename = "10^9/L")]
    GigaPerLitre,
    /// Cells per microlitre (= per mm³).
    #[serde(rename = "/mm3")]
    PerMicrolitre,
    /// Grams per decilitre.
    #[serde(rename = "g/dL")]
    GramPerDecilitre,
    /// Grams per litre.
    #[serde(rename = "g/L")]
    GramPerLitre,
    /// Millimoles per litre (haemoglobin).
    #[serde(rename = "mmol/L")]
    MillimolPerLitre,
    /// Micromoles per litre (bilirubin, creatinine).
    #[serde(rename = "umol/L")]
    MicromolPerLitre,
    /// Milligrams per decilitre (bilirubin, creatinine).
    #[serde(rename = "mg/dL")]
    MilligramPerDecilitre,
    /// Enzyme units per litre (U/L = IU/L).
    #[serde(rename = "U/L")]
    UnitPerLitre,
    /// Microkatal per litre (1 µkat/L = 60 U/L).
    #[serde(rename = "ukat/L")]
    MicrokatalPerLitre,
}

impl LabUnit {
    /// The spellings accepted in the `unit` column, for error messages.
    pub const ACCEPTED: &'static str = "10^9/L, 10*9/L, x10^9/L, G/L, 10^3/uL, /mm3, /mm³, cells/uL, cells/µL, /uL, /µL, g/dL, g/L, mmol/L, umol/L, µmol/L, mg/dL, U/L, IU/L, ukat/L, µkat/L";

    /// Parses a unit spelling (exact spellings listed in [`Self::ACCEPTED`];
    /// `u` and `µ`/`μ` are interchangeable, and letter case is significant
    /// only where it matters: `mg/dL` and `mg/dl` are both accepted).
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        if t.contains(['µ', 'μ', '³']) {
            let t = t.replace(['µ', 'μ'], "u").replace('³', "3");
            return lowered(&t, |lower| Self::parse_lower(&t, lower));
        }
        lowered(t, |lower| Self::parse_lower(t, lower))
    }

    /// [`LabUnit::parse`] of `t` (trimmed, µ and ³ spelt u and 3) and of
    /// `lower`, the same in lower case.
    fn parse_lower(t: &str, lower: &str) -> Option<Self> {
        Some(match lower {
            "10^9/l" | "10*9/l" | "x10^9/l" | "x 10^9/l" | "10^3/ul" | "10*3/ul" | "x10^3/ul"
            | "k/ul" => LabUnit::GigaPerLitre,
            "/mm3" | "cells/mm3" | "cells/ul" | "/ul" => LabUnit::PerMicrolitre,
            "g/dl" => LabUnit::GramPerDecilitre,
            // "G/L" (giga per litre) and "g/L" (grams per litre) differ only in case.
            "g/l" if t == "G/L" => LabUnit::GigaPerLitre,
            "g/l" => LabUnit::GramPerLitre,
            "mmol/l" => LabUnit::MillimolPerLitre,
            "umol/l" => LabUnit::MicromolPerLitre,
            "mg/dl" => LabUnit::MilligramPerDecilitre,
            "u/l" | "iu/l" => LabUnit::UnitPerLitre,
            "ukat/l" => LabUnit::MicrokatalPerLitre,
            _ => return None,
        })
    }

    /// The canonical spelling.
    pub const fn symbol(self) -> &'static str {
        match self {
            LabUnit::GigaPerLitre => "10^9/L",
            LabUnit::PerMicrolitre => "/mm3",
            LabUnit::GramPerDecilitre => "g/dL",
            LabUnit::GramPerLitre => "g/L",
            LabUnit::MillimolPerLitre => "mmol/L",
            LabUnit::MicromolPerLitre => "umol/L",
            LabUnit::MilligramPerDecilitre => "mg/dL",
            LabUnit::UnitPerLitre => "U/L",
            LabUnit::MicrokatalPerLitre => "ukat/L",
        }
    }
}

impl fmt::Display for LabUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// `f` of `text` in ASCII lower case, without allocating for the short
/// texts of a table's cells (a labs file has a million of them).
fn lowered<R>(text: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 32];
    let b = text.as_bytes();
    if let Some(dst) = buf.get_mut(..b.len()) {
        for (d, s) in dst.iter_mut().zip(b) {
            *d = s.to_ascii_lowercase();
        }
        // Only ASCII letters change: the bytes stay UTF-8.
        if let Ok(lower) = std::str::from_utf8(dst) {
            return f(lower);
        }
    }
    f(&text.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Exact {
        Exact::parse_decimal(s).unwrap()
    }

    #[test]
    fn units_parse_including_case_sensitive_g_per_litre() {
        assert_eq!(LabUnit::parse("G/L"), Some(LabUnit::GigaPerLitre));
        assert_eq!(LabUnit::parse("g/L"), Some(LabUnit::GramPerLitre));
        assert_eq!(LabUnit::parse("cells/µL"), Some(LabUnit::PerMicrolitre));
        assert_eq!(LabUnit::parse("/mm³"), Some(LabUnit::PerMicrolitre));
        assert_eq!(LabUnit::parse("µmol/L"), Some(LabUnit::MicromolPerLitre));
        assert_eq!(
            LabUnit::parse("mg/dl"),
            Some(LabUnit::MilligramPerDecilitre)
        );
        assert_eq!(LabUnit::parse("mg/L"), None);
        assert_eq!(LabUnit::parse("%"), None);
    }

    #[test]
    fn cell_counts() {
        let c = CellCount::from_per_mm3(d("500"));
        assert_eq!(c, CellCount::from_1e9_per_l(d("0.5")));
        assert_eq!(c.to_string(), "0.5 x10^9/L");
    }

    #[test]
    fn conversions_are_exact_and_sourced() {
        // 1500/mm³ = 1.5 × 10⁹/L (CTCAE v5 prints both).
        assert_eq!(
            LabTest::Neutrophils.convert(d("1500"), LabUnit::PerMicrolitre, LabUnit::GigaPerLitre),
            Some(d("1.5"))
        );
        // 10.0 g/dL = 100 g/L.
        assert_eq!(
            LabTest::Haemoglobin.convert(
                d("10.0"),
                LabUnit::GramPerDecilitre,
                LabUnit::GramPerLitre
            ),
            Some(d("100"))
        );
        // Creatinine 1 mg/dL = 10000/113.12 = 88.4016… µmol/L (hand: 10000/113.12).
        let c = LabTest::Creatinine
            .convert(
                d("1"),
                LabUnit::MilligramPerDecilitre,
                LabUnit::MicromolPerLitre,
            )
            .unwrap();
        assert!((c.to_f64() - 88.401_697).abs() < 1e-6);
        // Bilirubin 1 mg/dL = 10000/584.66 = 17.1039… µmol/L.
        let b = LabTest::Bilirubin
            .convert(
                d("1"),
                LabUnit::MilligramPerDecilitre,
                LabUnit::MicromolPerLitre,
            )
            .unwrap();
        assert!((b.to_f64() - 17.103_958).abs() < 1e-6);
        // and back exactly
        assert_eq!(
            LabTest::Bilirubin.convert(
                b,
                LabUnit::MicromolPerLitre,
                LabUnit::MilligramPerDecilitre
            ),
            Some(d("1"))
        );
        // 1 µkat/L = 60 U/L.
        assert_eq!(
            LabTest::Alt.convert(d("0.5"), LabUnit::MicrokatalPerLitre, LabUnit::UnitPerLitre),
            Some(d("30"))
        );
        assert!(!LabTest::Alt.accepts(LabUnit::GramPerLitre));
        assert!(
            !LabTest::Haemoglobin.exact_between(LabUnit::MillimolPerLitre, LabUnit::GramPerLitre)
        );
        assert!(
            LabTest::Haemoglobin.exact_between(LabUnit::GramPerDecilitre, LabUnit::GramPerLitre)
        );
    }
}
