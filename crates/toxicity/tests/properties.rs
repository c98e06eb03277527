//! Properties of the grading (proptest, 64 cases each): unit systems agree
//! wherever the conversion is exact, and grades are monotone in the value.

use mibg_toxicity::ctcae::V5_0;
use mibg_toxicity::grading::{Baseline, LabInput};
use mibg_toxicity::{Exact, GradingOptions, LabTest, LabUnit, grade_lab};
use proptest::prelude::*;

fn grade(
    test: LabTest,
    v: Exact,
    unit: LabUnit,
    lln: Option<Exact>,
    uln: Option<Exact>,
    b: Option<Baseline>,
) -> u8 {
    let input = LabInput {
        test,
        value: v,
        unit,
        lln,
        uln,
    };
    grade_lab(&V5_0, &input, b.as_ref(), &GradingOptions::default())
        .unwrap()
        .grade
        .get()
}

const COUNTS: [LabTest; 4] = [
    LabTest::Neutrophils,
    LabTest::Platelets,
    LabTest::Wbc,
    LabTest::Lymphocytes,
];
const INCREASING: [LabTest; 6] = [
    LabTest::Alt,
    LabTest::Ast,
    LabTest::Bilirubin,
    LabTest::Ggt,
    LabTest::Alp,
    LabTest::Creatinine,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// n/mm³ and n/1000 ×10⁹/L give the same grade (CTCAE prints both; 1 mm³ = 1 µL).
    #[test]
    fn counts_per_mm3_and_per_litre_agree(n in 0i128..500_000, lln in 1i128..200_000, t in 0usize..4) {
        let test = COUNTS[t];
        let a = grade(test, Exact::int(n), LabUnit::PerMicrolitre, Some(Exact::int(lln)), None, None);
        let b = grade(test, Exact::ratio(n, 1000), LabUnit::GigaPerLitre, Some(Exact::ratio(lln, 1000)), None, None);
        prop_assert_eq!(a, b);
    }

    /// x g/dL and 10x g/L give the same anaemia grade.
    #[test]
    fn haemoglobin_g_per_dl_and_g_per_l_agree(x in 0i128..2000, lln in 50i128..1600) {
        let a = grade(LabTest::Haemoglobin, Exact::ratio(x, 100), LabUnit::GramPerDecilitre, Some(Exact::ratio(lln, 100)), None, None);
        let b = grade(LabTest::Haemoglobin, Exact::ratio(x, 10), LabUnit::GramPerLitre, Some(Exact::ratio(lln, 10)), None, None);
        prop_assert_eq!(a, b);
    }

    /// Enzymes: x µkat/L and 60x U/L agree, with or without an abnormal baseline.
    #[test]
    fn enzymes_ukat_and_u_per_l_agree(x in 0i128..100_000, uln in 1i128..2000, base in 0i128..5000, t in 0usize..4) {
        let test = [LabTest::Alt, LabTest::Ast, LabTest::Ggt, LabTest::Alp][t];
        let bk = Baseline { value: Exact::ratio(base, 1000), unit: LabUnit::MicrokatalPerLitre, uln: Some(Exact::ratio(uln, 1000)) };
        let a = grade(test, Exact::ratio(x, 1000), LabUnit::MicrokatalPerLitre, None, Some(Exact::ratio(uln, 1000)), Some(bk));
        let b = grade(test, Exact::ratio(60 * x, 1000), LabUnit::UnitPerLitre, None, Some(Exact::ratio(60 * uln, 1000)), Some(bk));
        prop_assert_eq!(a, b);
    }

    /// Decreasing terms: a lower value never has a lower grade.
    #[test]
    fn decreasing_terms_are_monotone(a in 0i128..300_000, b in 0i128..300_000, lln in 1i128..200_000, t in 0usize..4) {
        let (lo, hi) = (a.min(b), a.max(b));
        let test = COUNTS[t];
        let g = |v| grade(test, Exact::int(v), LabUnit::PerMicrolitre, Some(Exact::int(lln)), None, None);
        prop_assert!(g(lo) >= g(hi));
    }

    /// Increasing terms: a higher value never has a lower grade (same baseline).
    #[test]
    fn increasing_terms_are_monotone(a in 0i128..100_000, b in 0i128..100_000, uln in 1i128..5000, base in 0i128..20_000, t in 0usize..6) {
        let (lo, hi) = (a.min(b), a.max(b));
        let test = INCREASING[t];
        let unit = if matches!(test, LabTest::Bilirubin | LabTest::Creatinine) { LabUnit::MicromolPerLitre } else { LabUnit::UnitPerLitre };
        let bl = Baseline { value: Exact::ratio(base, 10), unit, uln: Some(Exact::ratio(uln, 10)) };
        let g = |v| grade(test, Exact::ratio(v, 10), unit, None, Some(Exact::ratio(uln, 10)), Some(bl));
        prop_assert!(g(hi) >= g(lo), "{test}: {hi} vs {lo}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The overflow-free comparison agrees with cross-multiplication where
    /// that cannot overflow.
    #[test]
    fn exact_comparison_matches_cross_multiplication(a in -1_000_000i128..1_000_000, b in 1i128..1_000_000, c in -1_000_000i128..1_000_000, d in 1i128..1_000_000) {
        prop_assert_eq!(Exact::ratio(a, b).cmp(&Exact::ratio(c, d)), (a * d).cmp(&(c * b)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Bad input is an error, never a panic: arbitrary rows under a valid
    /// header, and arbitrary decimal-looking text.
    #[test]
    fn parsers_never_panic(row in "[ -~µ³]{0,60}", num in "[-+.0-9eE,]{0,20}") {
        let text = format!("patient,date,test,value,unit,lln,uln,baseline\n{row}\n");
        let _ = mibg_toxicity::csv_input::parse_labs(&text, "labs.csv");
        let _ = mibg_toxicity::csv_input::parse_events(&format!("patient,date,term,grade\n{row}\n"), "e.csv");
        let _ = mibg_toxicity::csv_input::parse_transfusions(&format!("patient,date,product\n{row}\n"), "t.csv");
        let _ = Exact::parse_decimal(&num);
    }

    /// Any row that parses also grades (or fails with an error) without panicking.
    #[test]
    fn parsed_rows_grade_or_fail_cleanly(
        v in "[0-9]{1,6}(\\.[0-9]{1,6})?",
        l in "[0-9]{1,6}(\\.[0-9]{1,3})?",
        u in "[0-9]{1,6}(\\.[0-9]{1,3})?",
        t in 0usize..11,
        unit in 0usize..9,
    ) {
        let tests = ["anc", "plt", "hb", "wbc", "alc", "alt", "ast", "bilirubin", "ggt", "alp", "creatinine"];
        let units = ["10^9/L", "/mm3", "g/dL", "g/L", "mmol/L", "umol/L", "mg/dL", "U/L", "ukat/L"];
        let text = format!(
            "patient,date,test,value,unit,lln,uln\nP,2025-01-05,{},{v},{},{l},{u}\n",
            tests[t], units[unit]
        );
        if let Ok(labs) = mibg_toxicity::csv_input::parse_labs(&text, "labs.csv") {
            let input = mibg_toxicity::ToxicityInput { labs, ..Default::default() };
            let _ = mibg_toxicity::analyse(&input, &mibg_toxicity::Options::default());
        }
    }
}
