//! Every grade boundary of every laboratory term, in both unit systems.
//!
//! Each case cites its CTCAE v5.0 row (docs/reference/toxicity.md §3, §4). Interval
//! semantics (docs/reference/toxicity.md §2, admiral/PharmaForest): "<1.5–1.0" = 1.0 ≤ x < 1.5;
//! ">3.0–5.0×ULN" = 3×ULN < x ≤ 5×ULN. Expected grades are read off the
//! printed rows by hand; "just inside/outside" values differ from the edge by
//! the smallest step written in the case.

use mibg_toxicity::ctcae::V5_0;
use mibg_toxicity::grading::{Baseline, BaselineState, LabInput};
use mibg_toxicity::{
    BaselineEdge, CreatinineBaseline, Exact, GradingOptions, LabTest, LabUnit, grade_lab,
};

fn d(s: &str) -> Exact {
    Exact::parse_decimal(s).unwrap()
}

fn unit(s: &str) -> LabUnit {
    LabUnit::parse(s).unwrap()
}

/// Grade of `value` (unit `u`) with reference range `lln`–`uln` and no baseline.
fn g(test: LabTest, value: &str, u: &str, lln: Option<&str>, uln: Option<&str>) -> u8 {
    gb(test, value, u, lln, uln, None, GradingOptions::default())
}

/// Grade with a baseline `(value, unit, uln)`.
fn gb(
    test: LabTest,
    value: &str,
    u: &str,
    lln: Option<&str>,
    uln: Option<&str>,
    base: Option<(&str, &str, &str)>,
    opts: GradingOptions,
) -> u8 {
    let input = LabInput {
        test,
        value: d(value),
        unit: unit(u),
        lln: lln.map(d),
        uln: uln.map(d),
    };
    let b = base.map(|(v, bu, bul)| Baseline {
        value: d(v),
        unit: unit(bu),
        uln: Some(d(bul)),
    });
    grade_lab(&V5_0, &input, b.as_ref(), &opts)
        .unwrap()
        .grade
        .get()
}

fn check(test: LabTest, u: &str, lln: Option<&str>, uln: Option<&str>, cases: &[(&str, u8)]) {
    for (value, want) in cases {
        assert_eq!(
            g(test, value, u, lln, uln),
            *want,
            "{test} {value} {u} (lln {lln:?}, uln {uln:?})"
        );
    }
}

// ---------------------------------------------------------------- haematology

#[test]
fn neutrophil_count_decreased_both_unit_systems() {
    // CTCAE v5.0 "Neutrophil count decreased": G1 <LLN–1.5×10^9/L (<LLN–1500/mm3);
    // G2 <1.5–1.0 (<1500–1000); G3 <1.0–0.5 (<1000–500); G4 <0.5 (<500).
    check(
        LabTest::Neutrophils,
        "10^9/L",
        Some("2.0"),
        None,
        &[
            ("2.0", 0),
            ("1.99", 1),
            ("1.5", 1),
            ("1.49", 2),
            ("1.0", 2),
            ("0.99", 3),
            ("0.5", 3),
            ("0.49", 4),
            ("0", 4),
        ],
    );
    check(
        LabTest::Neutrophils,
        "/mm3",
        Some("2000"),
        None,
        &[
            ("2000", 0),
            ("1999", 1),
            ("1500", 1),
            ("1499", 2),
            ("1000", 2),
            ("999", 3),
            ("500", 3),
            ("499", 4),
            ("0", 4),
        ],
    );
    // cells/µL is /mm3 (1 mm³ = 1 µL).
    check(
        LabTest::Neutrophils,
        "cells/µL",
        Some("2000"),
        None,
        &[("499", 4), ("500", 3)],
    );
}

#[test]
fn counts_grades_2_to_4_do_not_depend_on_the_lln() {
    // docs/reference/toxicity.md §2: ANC 1.3 with a paediatric LLN of 1.2 is grade 2 (admiral).
    assert_eq!(
        g(LabTest::Neutrophils, "1.3", "10^9/L", Some("1.2"), None),
        2
    );
    assert_eq!(
        g(LabTest::Neutrophils, "1300", "/mm3", Some("1200"), None),
        2
    );
}

#[test]
fn platelet_count_decreased_both_unit_systems() {
    // "Platelet count decreased": G1 <LLN–75.0×10^9/L (<LLN–75,000/mm3);
    // G2 <75.0–50.0; G3 <50.0–25.0; G4 <25.0.
    check(
        LabTest::Platelets,
        "10^9/L",
        Some("150"),
        None,
        &[
            ("150", 0),
            ("149.9", 1),
            ("75", 1),
            ("74.9", 2),
            ("50", 2),
            ("49.9", 3),
            ("25", 3),
            ("24.9", 4),
        ],
    );
    check(
        LabTest::Platelets,
        "/mm3",
        Some("150000"),
        None,
        &[
            ("150000", 0),
            ("149999", 1),
            ("75000", 1),
            ("74999", 2),
            ("50000", 2),
            ("49999", 3),
            ("25000", 3),
            ("24999", 4),
        ],
    );
}

#[test]
fn white_blood_cell_decreased_both_unit_systems() {
    // "White blood cell decreased": G1 <LLN–3.0×10^9/L; G2 <3.0–2.0; G3 <2.0–1.0; G4 <1.0.
    check(
        LabTest::Wbc,
        "10^9/L",
        Some("4.5"),
        None,
        &[
            ("4.5", 0),
            ("4.49", 1),
            ("3.0", 1),
            ("2.99", 2),
            ("2.0", 2),
            ("1.99", 3),
            ("1.0", 3),
            ("0.99", 4),
        ],
    );
    check(
        LabTest::Wbc,
        "/mm3",
        Some("4500"),
        None,
        &[
            ("4500", 0),
            ("4499", 1),
            ("3000", 1),
            ("2999", 2),
            ("2000", 2),
            ("1999", 3),
            ("1000", 3),
            ("999", 4),
        ],
    );
}

#[test]
fn lymphocyte_count_decreased_both_unit_systems() {
    // "Lymphocyte count decreased": G1 <LLN–0.8×10^9/L; G2 <0.8–0.5; G3 <0.5–0.2; G4 <0.2.
    check(
        LabTest::Lymphocytes,
        "10^9/L",
        Some("1.5"),
        None,
        &[
            ("1.5", 0),
            ("1.49", 1),
            ("0.8", 1),
            ("0.79", 2),
            ("0.5", 2),
            ("0.49", 3),
            ("0.2", 3),
            ("0.19", 4),
        ],
    );
    check(
        LabTest::Lymphocytes,
        "/mm3",
        Some("1500"),
        None,
        &[
            ("1500", 0),
            ("1499", 1),
            ("800", 1),
            ("799", 2),
            ("500", 2),
            ("499", 3),
            ("200", 3),
            ("199", 4),
        ],
    );
}

#[test]
fn anemia_in_g_per_dl_g_per_l_and_mmol_per_l() {
    // "Anemia": G1 Hgb <LLN–10.0 g/dL; <LLN–6.2 mmol/L; <LLN–100 g/L;
    // G2 <10.0–8.0 g/dL; <6.2–4.9 mmol/L; <100–80 g/L; G3 <8.0 g/dL; <4.9 mmol/L; <80 g/L.
    // Grade 4 is clinical (events), grade 3 also "transfusion indicated" (analysis).
    check(
        LabTest::Haemoglobin,
        "g/dL",
        Some("11.5"),
        Some("15.5"),
        &[
            ("11.5", 0),
            ("11.4", 1),
            ("10.0", 1),
            ("9.9", 2),
            ("8.0", 2),
            ("7.9", 3),
            ("3.0", 3),
        ],
    );
    check(
        LabTest::Haemoglobin,
        "g/L",
        Some("115"),
        Some("155"),
        &[
            ("115", 0),
            ("114", 1),
            ("100", 1),
            ("99", 2),
            ("80", 2),
            ("79", 3),
        ],
    );
    check(
        LabTest::Haemoglobin,
        "mmol/L",
        Some("7.1"),
        Some("9.6"),
        &[
            ("7.1", 0),
            ("7.0", 1),
            ("6.2", 1),
            ("6.1", 2),
            ("4.9", 2),
            ("4.8", 3),
        ],
    );
}

// ------------------------------------------------------------------ chemistry

#[test]
fn alt_and_ast_with_normal_baseline_u_per_l_and_ukat_per_l() {
    // "Alanine/Aspartate aminotransferase increased", baseline normal:
    // G1 >ULN–3.0×ULN; G2 >3.0–5.0×ULN; G3 >5.0–20.0×ULN; G4 >20.0×ULN.
    for test in [LabTest::Alt, LabTest::Ast] {
        check(
            test,
            "U/L",
            None,
            Some("40"),
            &[
                ("40", 0),
                ("40.1", 1),
                ("120", 1),
                ("120.1", 2),
                ("200", 2),
                ("200.1", 3),
                ("800", 3),
                ("800.1", 4),
            ],
        );
        // SI: µkat/L with ULN 0.5 µkat/L (= 30 U/L).
        check(
            test,
            "ukat/L",
            None,
            Some("0.5"),
            &[
                ("0.5", 0),
                ("0.501", 1),
                ("1.5", 1),
                ("1.501", 2),
                ("2.5", 2),
                ("2.501", 3),
                ("10", 3),
                ("10.001", 4),
            ],
        );
    }
}

#[test]
fn alt_and_ast_with_abnormal_baseline_scale_with_baseline() {
    // Baseline abnormal (baseline 80 U/L > ULN 40): G1 1.5–3.0×baseline
    // (inclusive lower edge, admiral ≥); G2 >3.0–5.0×baseline; G3 >5.0–20.0×baseline;
    // G4 >20.0×baseline. Below 1.5×baseline is grade 0 (docs/reference/toxicity.md §4).
    let o = GradingOptions::default();
    for test in [LabTest::Alt, LabTest::Ast] {
        for (v, want) in [
            ("119.9", 0),
            ("120", 1),
            ("240", 1),
            ("240.1", 2),
            ("400", 2),
            ("400.1", 3),
            ("1600", 3),
            ("1600.1", 4),
        ] {
            assert_eq!(
                gb(
                    test,
                    v,
                    "U/L",
                    None,
                    Some("40"),
                    Some(("80", "U/L", "40")),
                    o
                ),
                want,
                "{test} {v}"
            );
        }
        // Baseline in µkat/L (80 U/L = 1.333… µkat/L is not a finite decimal; use
        // 1.2 µkat/L = 72 U/L, ULN 0.6 µkat/L = 36 U/L): 1.5×72 = 108 U/L.
        assert_eq!(
            gb(
                test,
                "107.9",
                "U/L",
                None,
                Some("36"),
                Some(("1.2", "ukat/L", "0.6")),
                o
            ),
            0
        );
        assert_eq!(
            gb(
                test,
                "108",
                "U/L",
                None,
                Some("36"),
                Some(("1.2", "ukat/L", "0.6")),
                o
            ),
            1
        );
    }
}

#[test]
fn domain_example_alt_5_8_uln_with_baseline_2_uln_is_grade_1() {
    // docs/reference/toxicity.md §4: baseline ALT 2×ULN, value 5.8×ULN (= 2.9×baseline) → grade 1;
    // the same value with a normal baseline → grade 3 (5.8×ULN in >5.0–20.0×ULN).
    // ULN 40: baseline 80, value 232 (hand: 5.8 × 40 = 232; 232/80 = 2.9).
    let o = GradingOptions::default();
    assert_eq!(
        gb(
            LabTest::Alt,
            "232",
            "U/L",
            None,
            Some("40"),
            Some(("80", "U/L", "40")),
            o
        ),
        1
    );
    assert_eq!(
        gb(
            LabTest::Alt,
            "232",
            "U/L",
            None,
            Some("40"),
            Some(("35", "U/L", "40")),
            o
        ),
        3
    );
    assert_eq!(gb(LabTest::Alt, "232", "U/L", None, Some("40"), None, o), 3);
    // Baseline exactly at the ULN is normal (abnormal means > ULN).
    assert_eq!(
        gb(
            LabTest::Alt,
            "232",
            "U/L",
            None,
            Some("40"),
            Some(("40", "U/L", "40")),
            o
        ),
        3
    );
}

#[test]
fn bilirubin_normal_baseline_both_unit_systems_and_the_float_trap() {
    // "Blood bilirubin increased", baseline normal: G1 >ULN–1.5×ULN; G2 >1.5–3.0×ULN;
    // G3 >3.0–10.0×ULN; G4 >10.0×ULN.
    // mg/dL with ULN 1.2: 1.8 is exactly 1.5×ULN → grade 1 (docs/reference/toxicity.md §4; in f64
    // 1.8 > 1.5*1.2 would make it grade 2).
    check(
        LabTest::Bilirubin,
        "mg/dL",
        None,
        Some("1.2"),
        &[
            ("1.2", 0),
            ("1.21", 1),
            ("1.8", 1),
            ("1.81", 2),
            ("3.6", 2),
            ("3.61", 3),
            ("12", 3),
            ("12.01", 4),
        ],
    );
    check(
        LabTest::Bilirubin,
        "umol/L",
        None,
        Some("20"),
        &[
            ("20", 0),
            ("20.1", 1),
            ("30", 1),
            ("30.1", 2),
            ("60", 2),
            ("60.1", 3),
            ("200", 3),
            ("200.1", 4),
        ],
    );
}

#[test]
fn bilirubin_abnormal_baseline_including_a_baseline_in_other_units() {
    // Baseline abnormal: G1 >1.0–1.5×baseline; G2 >1.5–3.0×; G3 >3.0–10.0×; G4 >10.0×.
    let o = GradingOptions::default();
    for (v, want) in [
        ("30", 0),
        ("30.1", 1),
        ("45", 1),
        ("45.1", 2),
        ("90", 2),
        ("90.1", 3),
        ("300", 3),
        ("300.1", 4),
    ] {
        assert_eq!(
            gb(
                LabTest::Bilirubin,
                v,
                "umol/L",
                None,
                Some("20"),
                Some(("30", "umol/L", "20")),
                o
            ),
            want,
            "{v}"
        );
    }
    // Baseline 2 mg/dL (ULN 1.2 mg/dL, abnormal) = 2 × 10000/584.66 = 34.2079… µmol/L
    // (hand). 34.2 µmol/L ≤ 1.0×baseline → 0; 34.3 → 1; 1.5×B = 51.3119 → 51.3 is 1, 51.4 is 2.
    let b = Some(("2", "mg/dL", "1.2"));
    assert_eq!(
        gb(LabTest::Bilirubin, "34.2", "umol/L", None, Some("20"), b, o),
        0
    );
    assert_eq!(
        gb(LabTest::Bilirubin, "34.3", "umol/L", None, Some("20"), b, o),
        1
    );
    assert_eq!(
        gb(LabTest::Bilirubin, "51.3", "umol/L", None, Some("20"), b, o),
        1
    );
    assert_eq!(
        gb(LabTest::Bilirubin, "51.4", "umol/L", None, Some("20"), b, o),
        2
    );
}

#[test]
fn ggt_and_alp_normal_baseline() {
    // "GGT increased" / "Alkaline phosphatase increased", baseline normal:
    // G1 >ULN–2.5×ULN; G2 >2.5–5.0×ULN; G3 >5.0–20.0×ULN; G4 >20.0×ULN.
    for test in [LabTest::Ggt, LabTest::Alp] {
        check(
            test,
            "U/L",
            None,
            Some("50"),
            &[
                ("50", 0),
                ("50.1", 1),
                ("125", 1),
                ("125.1", 2),
                ("250", 2),
                ("250.1", 3),
                ("1000", 3),
                ("1000.1", 4),
            ],
        );
        check(
            test,
            "µkat/L",
            None,
            Some("1"),
            &[
                ("1", 0),
                ("1.001", 1),
                ("2.5", 1),
                ("2.501", 2),
                ("5", 2),
                ("5.001", 3),
                ("20", 3),
                ("20.001", 4),
            ],
        );
    }
}

#[test]
fn ggt_and_alp_abnormal_baseline_with_the_configurable_lower_edge() {
    // Baseline abnormal (100 U/L > ULN 50): G1 2.0–2.5×baseline (inclusive by default,
    // docs/reference/toxicity.md §4 [I]); G2 >2.5–5.0×baseline; G3 >5.0–20.0×baseline; G4 >20.0×baseline.
    let inc = GradingOptions::default();
    let exc = GradingOptions {
        baseline_edge: BaselineEdge::Exclusive,
        ..GradingOptions::default()
    };
    let b = Some(("100", "U/L", "50"));
    for test in [LabTest::Ggt, LabTest::Alp] {
        for (v, want) in [
            ("199.9", 0),
            ("200", 1),
            ("250", 1),
            ("250.1", 2),
            ("500", 2),
            ("500.1", 3),
            ("2000", 3),
            ("2000.1", 4),
        ] {
            assert_eq!(
                gb(test, v, "U/L", None, Some("50"), b, inc),
                want,
                "{test} {v}"
            );
        }
        assert_eq!(
            gb(test, "200", "U/L", None, Some("50"), b, exc),
            0,
            "exclusive edge"
        );
        assert_eq!(gb(test, "200.1", "U/L", None, Some("50"), b, exc), 1);
        // The same 200 U/L with a normal baseline is >2.5–5.0×ULN → grade 2.
        assert_eq!(
            gb(
                test,
                "200",
                "U/L",
                None,
                Some("50"),
                Some(("40", "U/L", "50")),
                inc
            ),
            2
        );
    }
}

#[test]
fn creatinine_uln_criteria_both_unit_systems() {
    // "Creatinine increased": G1 >ULN–1.5×ULN; G2 >1.5–3.0×ULN; G3 >3.0–6.0×ULN; G4 >6.0×ULN.
    check(
        LabTest::Creatinine,
        "umol/L",
        None,
        Some("50"),
        &[
            ("50", 0),
            ("50.1", 1),
            ("75", 1),
            ("75.1", 2),
            ("150", 2),
            ("150.1", 3),
            ("300", 3),
            ("300.1", 4),
        ],
    );
    check(
        LabTest::Creatinine,
        "mg/dL",
        None,
        Some("0.6"),
        &[
            ("0.6", 0),
            ("0.61", 1),
            ("0.9", 1),
            ("0.91", 2),
            ("1.8", 2),
            ("1.81", 3),
            ("3.6", 3),
            ("3.61", 4),
        ],
    );
}

#[test]
fn creatinine_baseline_criteria_the_worse_wins() {
    // v5 G2 ">1.5–3.0×baseline; >1.5–3.0×ULN", G3 ">3.0×baseline; >3.0–6.0×ULN";
    // admiral: AVAL > 3*BASE or > 3*ANRHI → 3; > 1.5*BASE or > 1.5*ANRHI → 2 (docs/reference/toxicity.md §4).
    let o = GradingOptions::default();
    let b = Some(("40", "umol/L", "100"));
    // 1.5 × 40 = 60; 3 × 40 = 120 (hand). ULN 100.
    assert_eq!(
        gb(LabTest::Creatinine, "60", "umol/L", None, Some("100"), b, o),
        0
    );
    assert_eq!(
        gb(
            LabTest::Creatinine,
            "60.1",
            "umol/L",
            None,
            Some("100"),
            b,
            o
        ),
        2,
        "below ULN, >1.5×baseline"
    );
    assert_eq!(
        gb(
            LabTest::Creatinine,
            "120",
            "umol/L",
            None,
            Some("100"),
            b,
            o
        ),
        2
    );
    assert_eq!(
        gb(
            LabTest::Creatinine,
            "120.1",
            "umol/L",
            None,
            Some("100"),
            b,
            o
        ),
        3,
        ">3×baseline though ≤1.5×ULN"
    );
    // The ULN criterion can be the worse one: baseline 90, ULN 100, value 601 is
    // >6×ULN → 4, although it is only 6.7×baseline (baseline criteria stop at 3).
    let b90 = Some(("90", "umol/L", "100"));
    assert_eq!(
        gb(
            LabTest::Creatinine,
            "601",
            "umol/L",
            None,
            Some("100"),
            b90,
            o
        ),
        4
    );
    // Grade 1 has no baseline criterion in v5: baseline 90, value 101 → 1.
    assert_eq!(
        gb(
            LabTest::Creatinine,
            "101",
            "umol/L",
            None,
            Some("100"),
            b90,
            o
        ),
        1
    );
    // PharmaForest behaviour (ULN only): 120.1 → 1.
    let uln_only = GradingOptions {
        creatinine_baseline: CreatinineBaseline::UlnOnly,
        ..GradingOptions::default()
    };
    assert_eq!(
        gb(
            LabTest::Creatinine,
            "120.1",
            "umol/L",
            None,
            Some("100"),
            b,
            uln_only
        ),
        1
    );
    // Baseline in mg/dL, value in µmol/L: 0.5 mg/dL = 44.2008… µmol/L (10000/113.12 × 0.5);
    // 3× = 132.6025… → 132.6 is grade 2, 132.7 is grade 3.
    let bmg = Some(("0.5", "mg/dL", "0.6"));
    assert_eq!(
        gb(
            LabTest::Creatinine,
            "132.6",
            "umol/L",
            None,
            Some("100"),
            bmg,
            o
        ),
        2
    );
    assert_eq!(
        gb(
            LabTest::Creatinine,
            "132.7",
            "umol/L",
            None,
            Some("100"),
            bmg,
            o
        ),
        3
    );
}

#[test]
fn results_record_version_criterion_and_baseline_state() {
    let input = LabInput {
        test: LabTest::Alt,
        value: d("232"),
        unit: LabUnit::UnitPerLitre,
        lln: None,
        uln: Some(d("40")),
    };
    let b = Baseline {
        value: d("80"),
        unit: LabUnit::UnitPerLitre,
        uln: Some(d("40")),
    };
    let r = grade_lab(&V5_0, &input, Some(&b), &GradingOptions::default()).unwrap();
    assert_eq!(r.ctcae_version.as_str(), "5.0");
    assert_eq!(r.baseline, BaselineState::Abnormal);
    assert!(r.criterion.unwrap().contains("1.5–3.0×baseline"));
    // Counts have no baseline rule.
    let anc = LabInput {
        test: LabTest::Neutrophils,
        value: d("0.4"),
        unit: LabUnit::GigaPerLitre,
        lln: Some(d("1.5")),
        uln: None,
    };
    let r = grade_lab(&V5_0, &anc, None, &GradingOptions::default()).unwrap();
    assert_eq!(r.baseline, BaselineState::NotApplicable);
    assert_eq!(r.criterion, Some("<0.5×10^9/L; <500/mm3"));
}

#[test]
fn ungradable_values_are_errors() {
    use mibg_toxicity::grading::GradingError;
    let base = LabInput {
        test: LabTest::Neutrophils,
        value: d("1"),
        unit: LabUnit::GigaPerLitre,
        lln: None,
        uln: None,
    };
    let o = GradingOptions::default();
    assert!(matches!(
        grade_lab(&V5_0, &base, None, &o),
        Err(GradingError::MissingLln { .. })
    ));
    let alt = LabInput {
        test: LabTest::Alt,
        unit: LabUnit::UnitPerLitre,
        ..base
    };
    assert!(matches!(
        grade_lab(&V5_0, &alt, None, &o),
        Err(GradingError::MissingUln { .. })
    ));
    let wrong = LabInput {
        unit: LabUnit::GramPerLitre,
        lln: Some(d("1")),
        ..base
    };
    assert!(matches!(
        grade_lab(&V5_0, &wrong, None, &o),
        Err(GradingError::UnitNotForTest { .. })
    ));
}

#[test]
fn creatinine_reports_the_baseline_its_criteria_used() {
    // CTCAE v5 "Creatinine increased" compares with baseline in every row
    // (">1.5–3.0×baseline", ">3.0×baseline"; docs/reference/toxicity.md §4), so
    // its grade states the baseline it was given; under the ULN-only option the
    // baseline is not used and the grade says so.
    let input = LabInput {
        test: LabTest::Creatinine,
        value: d("60.1"),
        unit: unit("umol/L"),
        lln: None,
        uln: Some(d("100")),
    };
    let normal = Baseline {
        value: d("40"),
        unit: unit("umol/L"),
        uln: Some(d("100")),
    };
    let r = grade_lab(&V5_0, &input, Some(&normal), &GradingOptions::default()).unwrap();
    assert_eq!(r.baseline, BaselineState::Normal);
    assert_eq!(r.grade.get(), 2, "60.1 > 1.5 × 40 (hand)");
    let r = grade_lab(&V5_0, &input, None, &GradingOptions::default()).unwrap();
    assert_eq!(r.baseline, BaselineState::Unknown);
    let uln_only = GradingOptions {
        creatinine_baseline: CreatinineBaseline::UlnOnly,
        ..GradingOptions::default()
    };
    let r = grade_lab(&V5_0, &input, Some(&normal), &uln_only).unwrap();
    assert_eq!(r.baseline, BaselineState::NotApplicable);
    assert_eq!(r.grade.get(), 0, "60.1 ≤ ULN 100");
}
