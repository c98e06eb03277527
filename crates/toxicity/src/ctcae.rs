//! CTCAE versions, terms, grades and the grading tables (as data).
//!
//! A [`CtcaeTable`] holds everything version-specific: for each laboratory
//! term, its grade rules (highest grade first, each a list of criteria of
//! which any one suffices — CTCAE's ";" means "or", docs/reference/toxicity.md §2); for each
//! clinical term, the grades it allows. Only [`CtcaeVersion::V5_0`] ships
//! ([`V5_0`]). Adding v4.03 or v6.0 means adding a variant and a table
//! constant (the thresholds of docs/reference/toxicity.md §6), never editing the v5 one; every
//! graded value carries its version, and nothing regrades between versions.
//!
//! To add a version (e.g. v4.03): add a `CtcaeVersion` variant, its
//! `as_str`/`parse` spellings, and a `pub static V4_03: CtcaeTable` written
//! with the same building blocks (`Bound::Uln`, `Bound::Baseline`,
//! `Bound::Absolute` per unit, `Applies`), e.g. v4.03 creatinine grade 1 as
//! `any_of: [>1×ULN, >1×baseline]` and no `BaselineAbnormal` rules for ALT;
//! then point `CtcaeVersion::table` at it and copy the boundary tests. The
//! engine (`grading::grade_lab`) needs no change unless a version introduces
//! a new kind of criterion (v6.0's "baseline below LLN" creatinine rule would
//! add an `Applies` variant).

use crate::exact::Exact;
use crate::labunits::{LabTest, LabUnit};
use serde::Serialize;
use std::fmt;

/// A CTCAE version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum CtcaeVersion {
    /// CTCAE v5.0, published 27 November 2017 (docs/reference/toxicity.md §1).
    #[serde(rename = "5.0")]
    V5_0,
}

impl CtcaeVersion {
    /// The version string, e.g. `"5.0"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CtcaeVersion::V5_0 => "5.0",
        }
    }

    /// Parses `5.0`, `v5.0`, `5` (case-insensitive). Versions that exist but
    /// are not shipped (`4.03`, `6.0`, …) return `None`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().trim_start_matches('v') {
            "5.0" | "5" => Some(CtcaeVersion::V5_0),
            _ => None,
        }
    }

    /// The grading table of this version.
    pub const fn table(self) -> &'static CtcaeTable {
        match self {
            CtcaeVersion::V5_0 => &V5_0,
        }
    }
}

impl fmt::Display for CtcaeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CTCAE v{}", self.as_str())
    }
}

/// A CTCAE grade, 0 (within normal limits / absent) to 5 (death).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Grade(u8);

impl Grade {
    /// Grade 0: within normal limits or absent (implicit in CTCAE, docs/reference/toxicity.md §2).
    pub const G0: Grade = Grade(0);
    /// Grade 1, mild.
    pub const G1: Grade = Grade(1);
    /// Grade 2, moderate.
    pub const G2: Grade = Grade(2);
    /// Grade 3, severe.
    pub const G3: Grade = Grade(3);
    /// Grade 4, life-threatening.
    pub const G4: Grade = Grade(4);
    /// Grade 5, death related to the adverse event.
    pub const G5: Grade = Grade(5);

    /// The grade `n`, or `None` outside 0–5.
    pub const fn new(n: u8) -> Option<Grade> {
        if n <= 5 { Some(Grade(n)) } else { None }
    }

    /// The grade number.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

macro_rules! terms {
    ($( $(#[$m:meta])* $var:ident => $name:literal, $code:literal $(| $alias:literal)* ;)*) => {
        /// A CTCAE adverse-event term (v5.0 names).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum Term {
            $( $(#[$m])* $var, )*
        }

        impl Term {
            /// Every term, in display order.
            pub const ALL: &'static [Term] = &[$(Term::$var),*];

            /// The CTCAE v5.0 term name (MedDRA lowest-level term), e.g.
            /// "Neutrophil count decreased".
            pub const fn name(self) -> &'static str {
                match self { $(Term::$var => $name,)* }
            }

            /// The snake-case code used in files and JSON.
            pub const fn code(self) -> &'static str {
                match self { $(Term::$var => $code,)* }
            }

            /// Parses a term from its CTCAE name or code (case-insensitive;
            /// spaces, '-' and '_' are interchangeable) or a listed alias.
            pub fn parse(text: &str) -> Option<Term> {
                let key: String = text
                    .trim()
                    .to_ascii_lowercase()
                    .chars()
                    .map(|c| if c == ' ' || c == '-' { '_' } else { c })
                    .collect();
                $(
                    if key == $code || key == $name.to_ascii_lowercase().replace([' ', '-'], "_")
                        $(|| key == $alias)* {
                        return Some(Term::$var);
                    }
                )*
                None
            }
        }
    };
}

terms! {
    /// Investigations: Neutrophil count decreased (laboratory).
    NeutrophilCountDecreased => "Neutrophil count decreased", "neutrophil_count_decreased" | "neutropenia";
    /// Investigations: Platelet count decreased (laboratory).
    PlateletCountDecreased => "Platelet count decreased", "platelet_count_decreased" | "thrombocytopenia";
    /// Blood and lymphatic system disorders: Anemia (laboratory, transfusions, clinical grade 4–5).
    Anemia => "Anemia", "anemia" | "anaemia";
    /// Investigations: White blood cell decreased (laboratory).
    WhiteBloodCellDecreased => "White blood cell decreased", "white_blood_cell_decreased" | "leukopenia";
    /// Investigations: Lymphocyte count decreased (laboratory).
    LymphocyteCountDecreased => "Lymphocyte count decreased", "lymphocyte_count_decreased" | "lymphopenia";
    /// Investigations: Alanine aminotransferase increased (laboratory).
    AltIncreased => "Alanine aminotransferase increased", "alt_increased";
    /// Investigations: Aspartate aminotransferase increased (laboratory).
    AstIncreased => "Aspartate aminotransferase increased", "ast_increased";
    /// Investigations: Blood bilirubin increased (laboratory).
    BilirubinIncreased => "Blood bilirubin increased", "bilirubin_increased";
    /// Investigations: GGT increased (laboratory).
    GgtIncreased => "GGT increased", "ggt_increased";
    /// Investigations: Alkaline phosphatase increased (laboratory).
    AlpIncreased => "Alkaline phosphatase increased", "alp_increased";
    /// Investigations: Creatinine increased (laboratory).
    CreatinineIncreased => "Creatinine increased", "creatinine_increased";
    /// Febrile neutropenia (clinical, grades 3–5 only).
    FebrileNeutropenia => "Febrile neutropenia", "febrile_neutropenia";
    /// Bone marrow hypocellular (clinical).
    BoneMarrowHypocellular => "Bone marrow hypocellular", "bone_marrow_hypocellular";
    /// Mucositis oral (clinical).
    MucositisOral => "Mucositis oral", "mucositis_oral" | "mucositis" | "oral_mucositis" | "stomatitis";
    /// Nausea (clinical, grades 1–3).
    Nausea => "Nausea", "nausea";
    /// Vomiting (clinical; v5 wording is intervention-based).
    Vomiting => "Vomiting", "vomiting";
    /// Diarrhea (clinical).
    Diarrhea => "Diarrhea", "diarrhea" | "diarrhoea";
    /// Anorexia (clinical).
    Anorexia => "Anorexia", "anorexia";
    /// Hypothyroidism (clinical; grade 2 = thyroid replacement indicated).
    Hypothyroidism => "Hypothyroidism", "hypothyroidism";
    /// Thyroid stimulating hormone increased (new in v5; grade 1 only).
    TshIncreased => "Thyroid stimulating hormone increased", "tsh_increased";
    /// Salivary duct inflammation (v5 has no "sialadenitis" term).
    SalivaryDuctInflammation => "Salivary duct inflammation", "salivary_duct_inflammation";
    /// Dry mouth (clinical, grades 1–3).
    DryMouth => "Dry mouth", "dry_mouth" | "xerostomia";
    /// Sinusoidal obstruction syndrome (new term in v5; grades 2–5).
    SinusoidalObstructionSyndrome => "Sinusoidal obstruction syndrome", "sinusoidal_obstruction_syndrome" | "sos" | "vod" | "veno_occlusive_disease";
    /// Hepatic failure (clinical, grades 3–5).
    HepaticFailure => "Hepatic failure", "hepatic_failure";
    /// Sepsis (clinical, grades 3–5).
    Sepsis => "Sepsis", "sepsis";
    /// Hypertension (clinical).
    Hypertension => "Hypertension", "hypertension";
    /// Myelodysplastic syndrome (clinical, grades 4–5).
    MyelodysplasticSyndrome => "Myelodysplastic syndrome", "myelodysplastic_syndrome" | "mds";
    /// Leukemia secondary to oncology chemotherapy (grades 4–5).
    LeukemiaSecondary => "Leukemia secondary to oncology chemotherapy", "leukemia_secondary";
    /// Treatment related secondary malignancy (grades 3–5).
    SecondaryMalignancy => "Treatment related secondary malignancy", "secondary_malignancy";
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a value is compared with a bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    /// value < bound ("<1.5–1.0" lower edges are inclusive of the next grade).
    Below,
    /// value > bound (">ULN", ">3.0×ULN").
    Above,
    /// value ≥ bound ("1.5–3.0×baseline": inclusive lower edge).
    AtLeast,
    /// value ≥ bound by default, value > bound under
    /// [`crate::BaselineEdge::Exclusive`]: the GGT/ALP abnormal-baseline grade-1
    /// edge "2.0–2.5×baseline", where admiral disagrees with itself
    /// (docs/reference/toxicity.md §4 \[I\]).
    AtLeastConfigurable,
}

/// What a value is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// The result's own lower limit of normal.
    Lln,
    /// A multiple of the result's own upper limit of normal.
    Uln(Exact),
    /// A multiple of the patient's baseline value of the same test.
    Baseline(Exact),
    /// An absolute threshold, printed by CTCAE once per unit system.
    Absolute(&'static [(LabUnit, Exact)]),
}

/// One criterion: `value <cmp> bound`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Criterion {
    /// Comparison.
    pub cmp: Cmp,
    /// Bound.
    pub bound: Bound,
}

/// Which patients a grade rule applies to (the v5 baseline-abnormal rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applies {
    /// Every patient.
    Always,
    /// Patients whose baseline is within normal limits (≤ ULN) or unknown.
    BaselineNormal,
    /// Patients whose baseline is above its ULN.
    BaselineAbnormal,
}

/// One grade of a laboratory term: the grade is met when any criterion holds.
#[derive(Clone, Copy, Debug)]
pub struct GradeRule {
    /// The grade.
    pub grade: Grade,
    /// Which patients it applies to.
    pub applies: Applies,
    /// Criteria, any of which suffices (CTCAE ";" = "or").
    pub any_of: &'static [Criterion],
    /// The CTCAE text of the grade (the row cited in results).
    pub text: &'static str,
}

/// The grading of one laboratory term.
#[derive(Clone, Copy, Debug)]
pub struct LabTermRules {
    /// The term.
    pub term: Term,
    /// The test graded.
    pub test: LabTest,
    /// Rules, highest grade first; the first rule met gives the grade,
    /// none met gives grade 0 (docs/reference/toxicity.md §2 "evaluate the highest grade first").
    pub rules: &'static [GradeRule],
}

/// The grades a clinical term allows (CTCAE "–" = grade not available).
#[derive(Clone, Copy, Debug)]
pub struct ClinicalTermRules {
    /// The term.
    pub term: Term,
    /// Allowed grades (1–5).
    pub allowed: &'static [Grade],
}

/// All grading rules of one CTCAE version.
#[derive(Debug)]
pub struct CtcaeTable {
    /// The version.
    pub version: CtcaeVersion,
    /// Laboratory terms.
    pub lab: &'static [LabTermRules],
    /// Terms entered with their grade (clinical judgement).
    pub clinical: &'static [ClinicalTermRules],
}

impl CtcaeTable {
    /// The laboratory rules for `test`.
    pub fn lab_rules(&self, test: LabTest) -> Option<&'static LabTermRules> {
        self.lab.iter().find(|r| r.test == test)
    }

    /// The grades allowed when `term` is entered as an event, or `None` when
    /// the term cannot be entered as an event in this version.
    pub fn allowed_event_grades(&self, term: Term) -> Option<&'static [Grade]> {
        self.clinical
            .iter()
            .find(|c| c.term == term)
            .map(|c| c.allowed)
    }
}

/// The message for an event grade its term does not allow: "has no grade"
/// for a grade CTCAE does not define, or, for a term whose lower grades are
/// graded from laboratory values (anaemia 1–3), that the grade comes from
/// the laboratory (and transfusion) data.
pub(crate) fn event_grade_message(
    term: Term,
    grade: Grade,
    version: CtcaeVersion,
    allowed: &str,
) -> String {
    if version.table().lab.iter().any(|l| l.term == term) {
        format!(
            "{term} grade {grade} is graded from laboratory values in {version} (anaemia grade 3 also from red-cell transfusions); allowed as an event: {allowed}"
        )
    } else {
        format!("{term} has no grade {grade} in {version} (allowed: {allowed})")
    }
}

const fn x(n: i128, d: i128) -> Exact {
    Exact::ratio(n, d)
}
const fn c(cmp: Cmp, bound: Bound) -> Criterion {
    Criterion { cmp, bound }
}
const fn rule(
    grade: Grade,
    applies: Applies,
    any_of: &'static [Criterion],
    text: &'static str,
) -> GradeRule {
    GradeRule {
        grade,
        applies,
        any_of,
        text,
    }
}

use Applies::{Always, BaselineAbnormal as Abn, BaselineNormal as Nor};
use Bound::{Absolute, Baseline, Lln, Uln};
use Cmp::{Above, AtLeast, AtLeastConfigurable, Below};
use LabUnit::{
    GigaPerLitre as G, GramPerDecilitre as GDL, GramPerLitre as GL, MillimolPerLitre as MML,
    PerMicrolitre as UL,
};

/// A decreasing count term: grade 1 < LLN; grades 2–4 absolute and
/// independent of the LLN (docs/reference/toxicity.md §2, admiral/PharmaForest behaviour).
macro_rules! count_term {
    ($term:ident, $test:ident, [$t2:expr, $t2u:expr, $txt2:literal], [$t3:expr, $t3u:expr, $txt3:literal], [$t4:expr, $t4u:expr, $txt4:literal], $txt1:literal) => {
        LabTermRules {
            term: Term::$term,
            test: LabTest::$test,
            rules: &[
                rule(
                    Grade::G4,
                    Always,
                    &[c(Below, Absolute(&[(G, $t4), (UL, $t4u)]))],
                    $txt4,
                ),
                rule(
                    Grade::G3,
                    Always,
                    &[c(Below, Absolute(&[(G, $t3), (UL, $t3u)]))],
                    $txt3,
                ),
                rule(
                    Grade::G2,
                    Always,
                    &[c(Below, Absolute(&[(G, $t2), (UL, $t2u)]))],
                    $txt2,
                ),
                rule(Grade::G1, Always, &[c(Below, Lln)], $txt1),
            ],
        }
    };
}

/// An increasing enzyme/bilirubin term with the v5 baseline-abnormal rule.
macro_rules! liver_term {
    ($term:ident, $test:ident, uln: [$u1:expr, $u2:expr, $u3:expr], base: [$b1cmp:expr, $b1:expr, $b2:expr, $b3:expr, $b4:expr], text: [$t1:literal, $t2:literal, $t3:literal, $t4:literal]) => {
        LabTermRules {
            term: Term::$term,
            test: LabTest::$test,
            rules: &[
                rule(Grade::G4, Nor, &[c(Above, Uln($u3))], $t4),
                rule(Grade::G4, Abn, &[c(Above, Baseline($b4))], $t4),
                rule(Grade::G3, Nor, &[c(Above, Uln($u2))], $t3),
                rule(Grade::G3, Abn, &[c(Above, Baseline($b3))], $t3),
                rule(Grade::G2, Nor, &[c(Above, Uln($u1))], $t2),
                rule(Grade::G2, Abn, &[c(Above, Baseline($b2))], $t2),
                rule(Grade::G1, Nor, &[c(Above, Uln(Exact::ONE))], $t1),
                rule(Grade::G1, Abn, &[c($b1cmp, Baseline($b1))], $t1),
            ],
        }
    };
}

/// CTCAE v5.0 (27 Nov 2017). Thresholds: docs/reference/toxicity.md §3 (haematology) and §4
/// (chemistry), verified there against the NCI spreadsheet
/// `CTCAE_v5.0_2017-11-27.xlsx` and admiral `ncictcaev5.json`; allowed grades
/// of clinical terms: docs/reference/toxicity.md §3 and §5 ("–" = grade not available), the
/// blood-disorder terms cross-checked against ehrforce/ctcae-extractor-transformer
/// `src/CTCAE/ctcae.db.ts` (Anemia 4–5 as events, Febrile neutropenia 3–5,
/// Bone marrow hypocellular 1–5).
pub static V5_0: CtcaeTable = CtcaeTable {
    version: CtcaeVersion::V5_0,
    lab: &[
        count_term!(
            NeutrophilCountDecreased,
            Neutrophils,
            [x(3, 2), x(1500, 1), "<1.5–1.0×10^9/L; <1500–1000/mm3"],
            [x(1, 1), x(1000, 1), "<1.0–0.5×10^9/L; <1000–500/mm3"],
            [x(1, 2), x(500, 1), "<0.5×10^9/L; <500/mm3"],
            "<LLN–1.5×10^9/L; <LLN–1500/mm3"
        ),
        count_term!(
            PlateletCountDecreased,
            Platelets,
            [
                x(75, 1),
                x(75_000, 1),
                "<75.0–50.0×10^9/L; <75,000–50,000/mm3"
            ],
            [
                x(50, 1),
                x(50_000, 1),
                "<50.0–25.0×10^9/L; <50,000–25,000/mm3"
            ],
            [x(25, 1), x(25_000, 1), "<25.0×10^9/L; <25,000/mm3"],
            "<LLN–75.0×10^9/L; <LLN–75,000/mm3"
        ),
        count_term!(
            WhiteBloodCellDecreased,
            Wbc,
            [x(3, 1), x(3000, 1), "<3.0–2.0×10^9/L; <3000–2000/mm3"],
            [x(2, 1), x(2000, 1), "<2.0–1.0×10^9/L; <2000–1000/mm3"],
            [x(1, 1), x(1000, 1), "<1.0×10^9/L; <1000/mm3"],
            "<LLN–3.0×10^9/L; <LLN–3000/mm3"
        ),
        count_term!(
            LymphocyteCountDecreased,
            Lymphocytes,
            [x(4, 5), x(800, 1), "<0.8–0.5×10^9/L; <800–500/mm3"],
            [x(1, 2), x(500, 1), "<0.5–0.2×10^9/L; <500–200/mm3"],
            [x(1, 5), x(200, 1), "<0.2×10^9/L; <200/mm3"],
            "<LLN–0.8×10^9/L; <LLN–800/mm3"
        ),
        LabTermRules {
            term: Term::Anemia,
            test: LabTest::Haemoglobin,
            rules: &[
                rule(
                    Grade::G3,
                    Always,
                    &[c(
                        Below,
                        Absolute(&[(GDL, x(8, 1)), (GL, x(80, 1)), (MML, x(49, 10))]),
                    )],
                    "Hgb <8.0 g/dL; <4.9 mmol/L; <80 g/L; transfusion indicated",
                ),
                rule(
                    Grade::G2,
                    Always,
                    &[c(
                        Below,
                        Absolute(&[(GDL, x(10, 1)), (GL, x(100, 1)), (MML, x(62, 10))]),
                    )],
                    "Hgb <10.0–8.0 g/dL; <6.2–4.9 mmol/L; <100–80 g/L",
                ),
                rule(
                    Grade::G1,
                    Always,
                    &[c(Below, Lln)],
                    "Hgb <LLN–10.0 g/dL; <LLN–6.2 mmol/L; <LLN–100 g/L",
                ),
            ],
        },
        liver_term!(AltIncreased, Alt,
            uln: [x(3, 1), x(5, 1), x(20, 1)],
            base: [AtLeast, x(3, 2), x(3, 1), x(5, 1), x(20, 1)],
            text: [">ULN–3.0×ULN if baseline was normal; 1.5–3.0×baseline if baseline was abnormal",
                   ">3.0–5.0×ULN if baseline was normal; >3.0–5.0×baseline if baseline was abnormal",
                   ">5.0–20.0×ULN if baseline was normal; >5.0–20.0×baseline if baseline was abnormal",
                   ">20.0×ULN if baseline was normal; >20.0×baseline if baseline was abnormal"]),
        liver_term!(AstIncreased, Ast,
            uln: [x(3, 1), x(5, 1), x(20, 1)],
            base: [AtLeast, x(3, 2), x(3, 1), x(5, 1), x(20, 1)],
            text: [">ULN–3.0×ULN if baseline was normal; 1.5–3.0×baseline if baseline was abnormal",
                   ">3.0–5.0×ULN if baseline was normal; >3.0–5.0×baseline if baseline was abnormal",
                   ">5.0–20.0×ULN if baseline was normal; >5.0–20.0×baseline if baseline was abnormal",
                   ">20.0×ULN if baseline was normal; >20.0×baseline if baseline was abnormal"]),
        liver_term!(BilirubinIncreased, Bilirubin,
            uln: [x(3, 2), x(3, 1), x(10, 1)],
            base: [Above, x(1, 1), x(3, 2), x(3, 1), x(10, 1)],
            text: [">ULN–1.5×ULN if baseline was normal; >1.0–1.5×baseline if baseline was abnormal",
                   ">1.5–3.0×ULN if baseline was normal; >1.5–3.0×baseline if baseline was abnormal",
                   ">3.0–10.0×ULN if baseline was normal; >3.0–10.0×baseline if baseline was abnormal",
                   ">10.0×ULN if baseline was normal; >10.0×baseline if baseline was abnormal"]),
        liver_term!(GgtIncreased, Ggt,
            uln: [x(5, 2), x(5, 1), x(20, 1)],
            base: [AtLeastConfigurable, x(2, 1), x(5, 2), x(5, 1), x(20, 1)],
            text: [">ULN–2.5×ULN if baseline was normal; 2.0–2.5×baseline if baseline was abnormal",
                   ">2.5–5.0×ULN if baseline was normal; >2.5–5.0×baseline if baseline was abnormal",
                   ">5.0–20.0×ULN if baseline was normal; >5.0–20.0×baseline if baseline was abnormal",
                   ">20.0×ULN if baseline was normal; >20.0×baseline if baseline was abnormal"]),
        liver_term!(AlpIncreased, Alp,
            uln: [x(5, 2), x(5, 1), x(20, 1)],
            base: [AtLeastConfigurable, x(2, 1), x(5, 2), x(5, 1), x(20, 1)],
            text: [">ULN–2.5×ULN if baseline was normal; 2.0–2.5×baseline if baseline was abnormal",
                   ">2.5–5.0×ULN if baseline was normal; >2.5–5.0×baseline if baseline was abnormal",
                   ">5.0–20.0×ULN if baseline was normal; >5.0–20.0×baseline if baseline was abnormal",
                   ">20.0×ULN if baseline was normal; >20.0×baseline if baseline was abnormal"]),
        LabTermRules {
            term: Term::CreatinineIncreased,
            test: LabTest::Creatinine,
            rules: &[
                rule(Grade::G4, Always, &[c(Above, Uln(x(6, 1)))], ">6.0×ULN"),
                rule(
                    Grade::G3,
                    Always,
                    &[c(Above, Baseline(x(3, 1))), c(Above, Uln(x(3, 1)))],
                    ">3.0×baseline; >3.0–6.0×ULN",
                ),
                rule(
                    Grade::G2,
                    Always,
                    &[c(Above, Baseline(x(3, 2))), c(Above, Uln(x(3, 2)))],
                    ">1.5–3.0×baseline; >1.5–3.0×ULN",
                ),
                rule(
                    Grade::G1,
                    Always,
                    &[c(Above, Uln(Exact::ONE))],
                    ">ULN–1.5×ULN",
                ),
            ],
        },
    ],
    clinical: &[
        // Anemia grade 4 (life-threatening; urgent intervention) is clinical (docs/reference/toxicity.md §3);
        // grade 5 "Death" [V2: ehrforce/ctcae-extractor-transformer
        // src/CTCAE/ctcae.db.ts, a transcription of the NCI v5.0 spreadsheet].
        ClinicalTermRules {
            term: Term::Anemia,
            allowed: &[Grade::G4, Grade::G5],
        },
        ClinicalTermRules {
            term: Term::FebrileNeutropenia,
            allowed: &[Grade::G3, Grade::G4, Grade::G5],
        },
        // Grades 1–4 in docs/reference/toxicity.md §3; grade 5 "Death" [V2: ehrforce ctcae.db.ts].
        ClinicalTermRules {
            term: Term::BoneMarrowHypocellular,
            allowed: &[Grade::G1, Grade::G2, Grade::G3, Grade::G4, Grade::G5],
        },
        ClinicalTermRules {
            term: Term::MucositisOral,
            allowed: &[Grade::G1, Grade::G2, Grade::G3, Grade::G4, Grade::G5],
        },
        ClinicalTermRules {
            term: Term::Nausea,
            allowed: &[Grade::G1, Grade::G2, Grade::G3],
        },
        ClinicalTermRules {
            term: Term::Vomiting,
            allowed: &[Grade::G1, Grade::G2, Grade::G3, Grade::G4, Grade::G5],
        },
        ClinicalTermRules {
            term: Term::Diarrhea,
            allowed: &[Grade::G1, Grade::G2, Grade::G3, Grade::G4, Grade::G5],
        },
        ClinicalTermRules {
            term: Term::Anorexia,
            allowed: &[Grade::G1, Grade::G2, Grade::G3, Grade::G4, Grade::G5],
        },
        ClinicalTermRules {
            term: Term::Hypothyroidism,
            allowed: &[Grade::G1, Grade::G2, Grade::G3, Grade::G4, Grade::G5],
        },
        ClinicalTermRules {
            term: Term::TshIncreased,
            allowed: &[Grade::G1],
        },
        ClinicalTermRules {
            term: Term::SalivaryDuctInflammation,
            allowed: &[Grade::G1, Grade::G2, Grade::G3, Grade::G4, Grade::G5],
        },
        ClinicalTermRules {
            term: Term::DryMouth,
            allowed: &[Grade::G1, Grade::G2, Grade::G3],
        },
        ClinicalTermRules {
            term: Term::SinusoidalObstructionSyndrome,
            allowed: &[Grade::G2, Grade::G3, Grade::G4, Grade::G5],
        },
        ClinicalTermRules {
            term: Term::HepaticFailure,
            allowed: &[Grade::G3, Grade::G4, Grade::G5],
        },
        ClinicalTermRules {
            term: Term::Sepsis,
            allowed: &[Grade::G3, Grade::G4, Grade::G5],
        },
        ClinicalTermRules {
            term: Term::Hypertension,
            allowed: &[Grade::G1, Grade::G2, Grade::G3, Grade::G4, Grade::G5],
        },
        ClinicalTermRules {
            term: Term::MyelodysplasticSyndrome,
            allowed: &[Grade::G4, Grade::G5],
        },
        ClinicalTermRules {
            term: Term::LeukemiaSecondary,
            allowed: &[Grade::G4, Grade::G5],
        },
        ClinicalTermRules {
            term: Term::SecondaryMalignancy,
            allowed: &[Grade::G3, Grade::G4, Grade::G5],
        },
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_parse_by_name_code_and_alias() {
        assert_eq!(
            Term::parse("Febrile neutropenia"),
            Some(Term::FebrileNeutropenia)
        );
        assert_eq!(Term::parse("mucositis_oral"), Some(Term::MucositisOral));
        assert_eq!(Term::parse("Mucositis Oral"), Some(Term::MucositisOral));
        assert_eq!(
            Term::parse("Thyroid stimulating hormone increased"),
            Some(Term::TshIncreased)
        );
        assert_eq!(Term::parse("GGT increased"), Some(Term::GgtIncreased));
        assert_eq!(
            Term::parse("sialadenitis"),
            None,
            "v5 has no sialadenitis term (docs/reference/toxicity.md §5)"
        );
        for t in Term::ALL {
            assert_eq!(Term::parse(t.name()), Some(*t));
            assert_eq!(Term::parse(t.code()), Some(*t));
        }
    }

    #[test]
    fn every_lab_test_has_exactly_one_term_and_rules_are_highest_first() {
        for test in LabTest::ALL {
            let r = V5_0.lab_rules(test).expect("rules");
            let grades: Vec<u8> = r.rules.iter().map(|g| g.grade.get()).collect();
            assert!(
                grades.windows(2).all(|w| w[0] >= w[1]),
                "{test}: {grades:?}"
            );
        }
    }

    #[test]
    fn clinical_allowed_grades_match_the_notes() {
        // docs/reference/toxicity.md §3: febrile neutropenia has no grades 1–2.
        assert_eq!(
            V5_0.allowed_event_grades(Term::FebrileNeutropenia).unwrap(),
            &[Grade::G3, Grade::G4, Grade::G5]
        );
        // docs/reference/toxicity.md §5: TSH increased only grade 1; nausea 1–3; SOS 2–5; sepsis 3–5.
        assert_eq!(
            V5_0.allowed_event_grades(Term::TshIncreased).unwrap(),
            &[Grade::G1]
        );
        assert_eq!(V5_0.allowed_event_grades(Term::Nausea).unwrap().len(), 3);
        assert_eq!(
            V5_0.allowed_event_grades(Term::SinusoidalObstructionSyndrome)
                .unwrap()[0],
            Grade::G2
        );
        assert_eq!(
            V5_0.allowed_event_grades(Term::Sepsis).unwrap()[0],
            Grade::G3
        );
        // Laboratory-only terms cannot be entered as events.
        assert!(
            V5_0.allowed_event_grades(Term::NeutrophilCountDecreased)
                .is_none()
        );
    }

    #[test]
    fn versions_other_than_5_are_not_shipped() {
        assert_eq!(CtcaeVersion::parse("v5.0"), Some(CtcaeVersion::V5_0));
        assert_eq!(CtcaeVersion::parse("4.03"), None);
        assert_eq!(CtcaeVersion::parse("6.0"), None);
    }
}
