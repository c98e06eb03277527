//! The names a labs file may give a test (`LabTest::parse`) and the hints an
//! unknown event term gets. Expected values: the synonyms listed in the
//! README's data dictionary for `labs.csv` and in `LabTest::parse`'s
//! documentation; the v5 rename of sialadenitis to "Salivary duct
//! inflammation" (CTCAE v5.0, docs/reference/toxicity.md §3). A synonym that
//! silently stops being recognised makes a whole file fail, and a wrong one
//! grades a value under another test's criteria.

use mibg_toxicity::LabTest;

#[test]
fn every_documented_synonym_names_its_test() {
    let cases: &[(&[&str], LabTest)] = &[
        (
            &["neutrophils", "anc", "neutrophil_count"],
            LabTest::Neutrophils,
        ),
        (&["platelets", "plt", "platelet_count"], LabTest::Platelets),
        (
            &["haemoglobin", "hemoglobin", "hb", "hgb"],
            LabTest::Haemoglobin,
        ),
        (&["wbc", "leukocytes", "white_blood_cells"], LabTest::Wbc),
        (
            &["lymphocytes", "alc", "lymphocyte_count"],
            LabTest::Lymphocytes,
        ),
        (&["alt", "sgpt"], LabTest::Alt),
        (&["ast", "sgot"], LabTest::Ast),
        (
            &["bilirubin", "tbili", "total_bilirubin"],
            LabTest::Bilirubin,
        ),
        (&["ggt", "gamma_gt"], LabTest::Ggt),
        (&["alp", "alkaline_phosphatase"], LabTest::Alp),
        (&["creatinine", "crea"], LabTest::Creatinine),
    ];
    for (names, want) in cases {
        for n in *names {
            assert_eq!(LabTest::parse(n), Some(*want), "{n}");
            // Case and surrounding blanks do not matter.
            assert_eq!(
                LabTest::parse(&format!(" {} ", n.to_ascii_uppercase())),
                Some(*want),
                "{n} upper-case"
            );
        }
    }
    assert_eq!(LabTest::parse("troponin"), None);
}

#[test]
fn an_unknown_event_term_gets_the_hint_for_its_case() {
    let h = "patient,date,term,grade\n";
    let err = |term: &str| {
        mibg_toxicity::csv_input::parse_events(
            &format!("{h}P1,2025-02-01,{term},2\n"),
            "events.csv",
        )
        .unwrap_err()
        .to_string()
    };
    let e = err("sialadenitis");
    assert!(
        e.contains("v5 has no 'sialadenitis' term: use 'Salivary duct inflammation'"),
        "{e}"
    );
    let e = err("headache-ish");
    assert!(
        e.contains("use the v5 term name, e.g. 'Mucositis oral', or its code, e.g. mucositis_oral"),
        "{e}"
    );
}
