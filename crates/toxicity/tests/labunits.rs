//! Laboratory units: every spelling, every conversion factor and every
//! plausibility range, each against a value worked out by hand from its
//! source (a unit slip changes a grade, so each factor is pinned on its own).
//!
//! Sources of the factors (hand calculations, not the code's output):
//! * cell counts: 1 µL = 1 mm³ = 10⁻⁶ L, so 1/µL = 10⁶/L = 10⁻³ × 10⁹/L;
//!   CTCAE v5.0 prints 1500/mm³ beside 1.5×10⁹/L (docs/reference/toxicity.md §3);
//! * haemoglobin: 1 dL = 0.1 L, so 1 g/dL = 10 g/L, and
//!   "mmol/L ≈ 0.6206 × g/dL" (docs/reference/toxicity.md §3), so
//!   1 mmol/L = 1/0.6206 g/dL = 10/0.6206 g/L = 50000/3103 g/L;
//! * enzymes: 1 U = 1 µmol/min (IUB 1961) and 1 kat = 1 mol/s (SI Brochure,
//!   9th ed., Table 4), so 1 µkat = 60 µmol/min = 60 U;
//! * bilirubin: molar mass 584.66 g/mol (PubChem CID 5280352):
//!   1 mg/dL = 10 mg/L ÷ 584.66 mg/mmol = 10000/584.66 µmol/L
//!   = 500000/29233 ≈ 17.104 µmol/L ("1 mg/dL = 17.1 µmol/L",
//!   docs/reference/toxicity.md §4);
//! * creatinine: molar mass 113.12 g/mol (PubChem CID 588):
//!   1 mg/dL = 10000/113.12 µmol/L = 62500/707 ≈ 88.40 µmol/L.

use mibg_toxicity::csv_input::parse_labs;
use mibg_toxicity::{CellCount, Exact, LabTest, LabUnit};

/// A plausible range (low, high), `None` when not checked.
type Range = Option<(Exact, Exact)>;

fn d(s: &str) -> Exact {
    Exact::parse_decimal(s).unwrap()
}

const ALL_UNITS: [LabUnit; 9] = [
    LabUnit::GigaPerLitre,
    LabUnit::PerMicrolitre,
    LabUnit::GramPerDecilitre,
    LabUnit::GramPerLitre,
    LabUnit::MillimolPerLitre,
    LabUnit::MicromolPerLitre,
    LabUnit::MilligramPerDecilitre,
    LabUnit::UnitPerLitre,
    LabUnit::MicrokatalPerLitre,
];

/// The units of each test and the factor to its canonical unit, by hand
/// (module documentation above).
fn hand_factors(test: LabTest) -> Vec<(LabUnit, Exact)> {
    use LabUnit::*;
    match test {
        LabTest::Neutrophils | LabTest::Platelets | LabTest::Wbc | LabTest::Lymphocytes => vec![
            (GigaPerLitre, Exact::ONE),
            // 1/µL = 10⁻³ × 10⁹/L.
            (PerMicrolitre, Exact::ratio(1, 1000)),
        ],
        LabTest::Haemoglobin => vec![
            (GramPerLitre, Exact::ONE),
            // 1 g/dL = 10 g/L.
            (GramPerDecilitre, Exact::int(10)),
            // 1 mmol/L = 10/0.6206 g/L = 50000/3103 g/L.
            (MillimolPerLitre, Exact::ratio(50_000, 3_103)),
        ],
        LabTest::Alt | LabTest::Ast | LabTest::Ggt | LabTest::Alp => vec![
            (UnitPerLitre, Exact::ONE),
            // 1 µkat/L = 60 U/L.
            (MicrokatalPerLitre, Exact::int(60)),
        ],
        LabTest::Bilirubin => vec![
            (MicromolPerLitre, Exact::ONE),
            // 1 mg/dL = 10000/584.66 µmol/L = 500000/29233.
            (MilligramPerDecilitre, Exact::ratio(500_000, 29_233)),
        ],
        LabTest::Creatinine => vec![
            (MicromolPerLitre, Exact::ONE),
            // 1 mg/dL = 10000/113.12 µmol/L = 62500/707.
            (MilligramPerDecilitre, Exact::ratio(62_500, 707)),
        ],
        _ => unreachable!("a test without hand factors: {test}"),
    }
}

#[test]
fn every_factor_to_the_canonical_unit_is_the_hand_value() {
    for test in LabTest::ALL {
        let units = hand_factors(test);
        for unit in ALL_UNITS {
            let want = units.iter().find(|(u, _)| *u == unit).map(|(_, f)| *f);
            assert_eq!(test.factor_to_canonical(unit), want, "{test} {unit}");
            assert_eq!(test.accepts(unit), want.is_some(), "{test} accepts {unit}");
        }
        // The canonical unit is the one whose factor is 1.
        let canonical = units[0].0;
        assert_eq!(test.canonical_unit(), canonical, "{test}");
    }
}

// The hand factors as decimals (PubChem molar masses; docs/reference/toxicity.md §3, §4): 88.40 and 17.10 µmol/L per mg/dL, 16.11 g/L per mmol/L.
#[test]
fn factors_as_decimals_from_the_molar_masses() {
    let f = |t: LabTest, u: LabUnit| t.factor_to_canonical(u).unwrap().to_f64();
    assert!(
        (f(LabTest::Creatinine, LabUnit::MilligramPerDecilitre) - 10_000.0 / 113.12).abs() < 1e-9
    );
    assert!(
        (f(LabTest::Bilirubin, LabUnit::MilligramPerDecilitre) - 10_000.0 / 584.66).abs() < 1e-9
    );
    assert!((f(LabTest::Haemoglobin, LabUnit::MillimolPerLitre) - 10.0 / 0.6206).abs() < 1e-9);
}

#[test]
fn conversions_between_two_non_canonical_units() {
    use LabUnit::*;
    // CTCAE v5.0 anaemia grade 1/2 edge: 10.0 g/dL = 100 g/L, printed as
    // 6.2 mmol/L; 10 g/dL × 0.6206 = 6.206 mmol/L exactly by the convention.
    let hb = LabTest::Haemoglobin;
    assert_eq!(
        hb.convert(d("10"), GramPerDecilitre, MillimolPerLitre),
        Some(d("6.206"))
    );
    assert_eq!(
        hb.convert(d("6.206"), MillimolPerLitre, GramPerDecilitre),
        Some(d("10"))
    );
    // Grade 2/3 edge: 8.0 g/dL × 0.6206 = 4.9648 mmol/L (CTCAE prints 4.9).
    assert_eq!(
        hb.convert(d("8"), GramPerDecilitre, MillimolPerLitre),
        Some(d("4.9648"))
    );
    assert_eq!(
        hb.convert(d("80"), GramPerLitre, GramPerDecilitre),
        Some(d("8"))
    );
    // Counts: 75,000/mm³ = 75.0 × 10⁹/L (platelet grade 1/2, docs/reference/toxicity.md §3), and back.
    let plt = LabTest::Platelets;
    assert_eq!(
        plt.convert(d("75000"), PerMicrolitre, GigaPerLitre),
        Some(d("75"))
    );
    assert_eq!(
        plt.convert(d("0.5"), GigaPerLitre, PerMicrolitre),
        Some(d("500"))
    );
    // Enzymes: 0.7 µkat/L = 42 U/L; 90 U/L = 1.5 µkat/L.
    let alt = LabTest::Alt;
    assert_eq!(
        alt.convert(d("0.7"), MicrokatalPerLitre, UnitPerLitre),
        Some(d("42"))
    );
    assert_eq!(
        alt.convert(d("90"), UnitPerLitre, MicrokatalPerLitre),
        Some(d("1.5"))
    );
    // Creatinine: 1.1312 mg/dL = 100 µmol/L; 1000 µmol/L = 1000 × 113.12/10000 = 11.312 mg/dL.
    let cr = LabTest::Creatinine;
    assert_eq!(
        cr.convert(d("1.1312"), MilligramPerDecilitre, MicromolPerLitre),
        Some(d("100"))
    );
    assert_eq!(
        cr.convert(d("1000"), MicromolPerLitre, MilligramPerDecilitre),
        Some(d("11.312"))
    );
    // Bilirubin: 5.8466 mg/dL = 100 µmol/L.
    let bili = LabTest::Bilirubin;
    assert_eq!(
        bili.convert(d("5.8466"), MilligramPerDecilitre, MicromolPerLitre),
        Some(d("100"))
    );
    // The same unit: unchanged, including 0.
    assert_eq!(
        hb.convert(d("123.4"), MillimolPerLitre, MillimolPerLitre),
        Some(d("123.4"))
    );
    assert_eq!(
        bili.convert(Exact::ZERO, MilligramPerDecilitre, MicromolPerLitre),
        Some(Exact::ZERO)
    );
    // A unit that is not the test's, on either side: no conversion.
    assert_eq!(alt.convert(d("1"), GramPerLitre, UnitPerLitre), None);
    assert_eq!(alt.convert(d("1"), UnitPerLitre, GramPerLitre), None);
    assert_eq!(cr.convert(d("1"), MicromolPerLitre, MillimolPerLitre), None);
}

#[test]
fn cell_counts_per_mm3_and_per_1e9_per_l() {
    // 1500/mm³ = 1.5 × 10⁹/L (CTCAE v5.0 neutrophil grade 1/2 edge, docs/reference/toxicity.md §3).
    let c = CellCount::from_per_mm3(d("1500"));
    assert_eq!(c.e9_per_l(), d("1.5"));
    assert_eq!(c, CellCount::from_1e9_per_l(d("1.5")));
    assert_eq!(CellCount::from_1e9_per_l(d("25")).e9_per_l(), d("25"));
    assert_eq!(
        CellCount::from_per_mm3(d("25000")).to_string(),
        "25 x10^9/L"
    );
}

// Only haemoglobin's mmol/L is conventional (0.6206, docs/reference/toxicity.md §3): every conversion
// that involves it is inexact, every other one exact.
#[test]
fn exact_between_every_pair_of_units() {
    use LabUnit::*;
    let hb = LabTest::Haemoglobin;
    for a in [GramPerLitre, GramPerDecilitre, MillimolPerLitre] {
        for b in [GramPerLitre, GramPerDecilitre, MillimolPerLitre] {
            let want = a == b || (a != MillimolPerLitre && b != MillimolPerLitre);
            assert_eq!(hb.exact_between(a, b), want, "haemoglobin {a} -> {b}");
        }
    }
    assert!(LabTest::Bilirubin.exact_between(MilligramPerDecilitre, MicromolPerLitre));
    assert!(LabTest::Creatinine.exact_between(MicromolPerLitre, MilligramPerDecilitre));
    assert!(LabTest::Neutrophils.exact_between(PerMicrolitre, GigaPerLitre));
    assert!(LabTest::Ast.exact_between(MicrokatalPerLitre, UnitPerLitre));
}

// Toxicity of counts and haemoglobin is a decrease (graded from the LLN),
// of the chemistry an increase (from the ULN): docs/reference/toxicity.md §3, §4.
#[test]
fn decreasing_tests_are_the_counts_and_haemoglobin() {
    for test in LabTest::ALL {
        let want = matches!(
            test,
            LabTest::Neutrophils
                | LabTest::Platelets
                | LabTest::Haemoglobin
                | LabTest::Wbc
                | LabTest::Lymphocytes
        );
        assert_eq!(test.is_decreasing(), want, "{test}");
    }
}

#[test]
fn test_codes_and_their_display() {
    let want = [
        "neutrophils",
        "platelets",
        "haemoglobin",
        "wbc",
        "lymphocytes",
        "alt",
        "ast",
        "bilirubin",
        "ggt",
        "alp",
        "creatinine",
    ];
    for (test, code) in LabTest::ALL.into_iter().zip(want) {
        assert_eq!(test.code(), code);
        assert_eq!(test.to_string(), code);
        assert_eq!(LabTest::parse(code), Some(test));
    }
}

// Every spelling listed in `LabUnit::ACCEPTED` (the README data dictionary's
// `unit` column) and the case-insensitive synonyms `LabUnit::parse` documents.
#[test]
fn every_accepted_unit_spelling() {
    use LabUnit::*;
    let cases: &[(&str, LabUnit)] = &[
        ("10^9/L", GigaPerLitre),
        ("10*9/L", GigaPerLitre),
        ("x10^9/L", GigaPerLitre),
        ("x 10^9/L", GigaPerLitre),
        ("G/L", GigaPerLitre),
        ("10^3/uL", GigaPerLitre),
        ("10*3/µL", GigaPerLitre),
        ("x10^3/uL", GigaPerLitre),
        ("K/uL", GigaPerLitre),
        ("/mm3", PerMicrolitre),
        ("/mm³", PerMicrolitre),
        ("cells/mm3", PerMicrolitre),
        ("cells/uL", PerMicrolitre),
        ("cells/µL", PerMicrolitre),
        ("/uL", PerMicrolitre),
        ("/μL", PerMicrolitre),
        ("g/dL", GramPerDecilitre),
        ("g/dl", GramPerDecilitre),
        ("g/L", GramPerLitre),
        ("g/l", GramPerLitre),
        ("mmol/L", MillimolPerLitre),
        ("umol/L", MicromolPerLitre),
        ("µmol/L", MicromolPerLitre),
        ("mg/dL", MilligramPerDecilitre),
        ("mg/dl", MilligramPerDecilitre),
        ("U/L", UnitPerLitre),
        ("IU/L", UnitPerLitre),
        ("ukat/L", MicrokatalPerLitre),
        ("µkat/L", MicrokatalPerLitre),
    ];
    for (text, want) in cases {
        assert_eq!(LabUnit::parse(text), Some(*want), "{text}");
        assert_eq!(
            LabUnit::parse(&format!("  {text} ")),
            Some(*want),
            "{text} padded"
        );
    }
    for bad in ["", "mg/L", "%", "g", "mmol", "10^6/L"] {
        assert_eq!(LabUnit::parse(bad), None, "{bad}");
    }
}

#[test]
fn unit_symbols_round_trip() {
    let want = [
        "10^9/L", "/mm3", "g/dL", "g/L", "mmol/L", "umol/L", "mg/dL", "U/L", "ukat/L",
    ];
    for (unit, symbol) in ALL_UNITS.into_iter().zip(want) {
        assert_eq!(unit.symbol(), symbol);
        assert_eq!(unit.to_string(), symbol);
        assert_eq!(LabUnit::parse(symbol), Some(unit));
    }
}

// The plausible ranges of reference limits and values, as `plausible_limits`
// and `plausible_value` document them (canonical units).
#[test]
fn plausible_ranges_as_documented() {
    let r = |lo: &str, hi: &str| Some((d(lo), d(hi)));
    let want: [(LabTest, [Range; 2]); 11] = [
        (LabTest::Neutrophils, [r("0.1", "10"), r("1", "100")]),
        (LabTest::Platelets, [r("10", "1000"), r("50", "5000")]),
        (LabTest::Haemoglobin, [r("40", "250"), r("60", "300")]),
        (LabTest::Wbc, [r("0.5", "50"), r("2", "200")]),
        (LabTest::Lymphocytes, [r("0.05", "20"), r("0.5", "100")]),
        (LabTest::Alt, [None, r("3", "3000")]),
        (LabTest::Ast, [None, r("3", "3000")]),
        (LabTest::Bilirubin, [None, r("2", "200")]),
        (LabTest::Ggt, [None, r("3", "3000")]),
        (LabTest::Alp, [None, r("3", "3000")]),
        (LabTest::Creatinine, [None, r("10", "500")]),
    ];
    for (test, limits) in want {
        assert_eq!(test.plausible_limits(), limits, "{test}");
        let value = (test == LabTest::Haemoglobin).then(|| (d("10"), d("300")));
        assert_eq!(test.plausible_value(), value, "{test}");
    }
}

// A haemoglobin value at the edges of 10–300 g/L (1–30 g/dL) is accepted,
// just outside it is refused, in the row's own unit.
#[test]
fn haemoglobin_value_plausible_from_10_to_300_g_per_l() {
    let h = "patient,date,test,value,unit,lln,uln\n";
    let ok = |row: &str| parse_labs(&format!("{h}{row}\n"), "labs.csv").is_ok();
    assert!(ok("A,2025-01-05,hb,10,g/L,115,155"));
    assert!(!ok("A,2025-01-05,hb,9.9,g/L,115,155"));
    assert!(ok("A,2025-01-05,hb,300,g/L,115,155"));
    assert!(!ok("A,2025-01-05,hb,300.1,g/L,115,155"));
    assert!(ok("A,2025-01-05,hb,1,g/dL,11.5,15.5"));
    assert!(!ok("A,2025-01-05,hb,0.99,g/dL,11.5,15.5"));
    assert!(ok("A,2025-01-05,hb,30,g/dL,11.5,15.5"));
    assert!(!ok("A,2025-01-05,hb,30.01,g/dL,11.5,15.5"));
    // Counts and chemistry may be 0 or very high.
    assert!(ok("A,2025-01-05,anc,0,10^9/L,1.5,8"));
    assert!(ok("A,2025-01-05,alt,5000,U/L,,40"));
}

// A neutrophil LLN at the edges of 0.1–10 × 10⁹/L (100–10000/mm³).
#[test]
fn neutrophil_lln_plausible_from_100_to_10000_per_mm3() {
    let h = "patient,date,test,value,unit,lln,uln\n";
    let ok = |row: &str| parse_labs(&format!("{h}{row}\n"), "labs.csv").is_ok();
    assert!(ok("A,2025-01-05,anc,1200,/mm3,100,20000"));
    assert!(!ok("A,2025-01-05,anc,1200,/mm3,99,20000"));
    assert!(ok("A,2025-01-05,anc,1.2,10^9/L,0.1,20"));
    assert!(!ok("A,2025-01-05,anc,1.2,10^9/L,0.099,20"));
    // ULN 1–100 × 10⁹/L; an LLN of 10 is inside its range.
    assert!(ok("A,2025-01-05,anc,1.2,10^9/L,10,100"));
    assert!(!ok("A,2025-01-05,anc,1.2,10^9/L,10.01,100"));
    assert!(!ok("A,2025-01-05,anc,1.2,10^9/L,1.5,100.1"));
}
