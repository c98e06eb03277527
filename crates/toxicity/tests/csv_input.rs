//! The rules of the toxicity CSV files, each at its edge, with the expected
//! outcome taken from the README's data dictionary ("LABS.csv",
//! "EVENTS.csv", "TRANSFUSIONS.csv", "stem_cells.csv") and the parsers'
//! documentation: which flags mean yes and no, which limit each test needs
//! (LLN for counts and haemoglobin, docs/reference/toxicity.md §3; ULN for the
//! chemistry, docs/reference/toxicity.md §4), `lln` < `uln`, a ULN > 0, strict
//! `YYYY-MM-DD` dates, a stem-cell infusion given once per patient and date,
//! values cut to 32 characters beyond 40 in messages.

use mibg_toxicity::csv_input::{
    parse_events, parse_labs, parse_labs_all, parse_stem_cells, parse_transfusions,
};
use mibg_toxicity::{CtcaeVersion, Exact, LabTest, LabUnit, Product, Term};

const LABS: &str = "patient,date,test,value,unit,lln,uln,baseline\n";

fn labs(body: &str) -> Result<Vec<mibg_toxicity::LabResult>, String> {
    parse_labs(&format!("{LABS}{body}"), "labs.csv").map_err(|e| e.to_string())
}

fn d(s: &str) -> Exact {
    Exact::parse_decimal(s).unwrap()
}

#[test]
fn a_lab_row_is_read_field_by_field() {
    let r = labs("P1,2025-02-03,alt,42,U/L,,40,\n").unwrap();
    assert_eq!(r.len(), 1);
    let r = &r[0];
    assert_eq!(&*r.patient, "P1");
    assert_eq!(r.date.to_string(), "2025-02-03");
    assert_eq!(r.test, LabTest::Alt);
    assert_eq!(r.value.exact(), d("42"));
    assert_eq!(r.unit, LabUnit::UnitPerLitre);
    assert_eq!(r.lln, None);
    assert_eq!(r.uln.map(|u| u.exact()), Some(d("40")));
    assert!(!r.baseline);
    let o = r.origin.as_ref().expect("origin");
    assert_eq!((&*o.source, o.row), ("labs.csv", 2));
}

// README: `baseline` is `yes`/`no`/`true`/`false`/`1`/`0`/empty (and y/n,
// in any case); anything else is an error naming the column.
#[test]
fn every_baseline_flag_spelling() {
    for (flag, want) in [
        ("", false),
        ("no", false),
        ("false", false),
        ("0", false),
        ("n", false),
        ("NO", false),
        ("yes", true),
        ("true", true),
        ("1", true),
        ("y", true),
        ("Yes", true),
        ("TRUE", true),
    ] {
        let r = labs(&format!("P1,2025-02-03,alt,42,U/L,,40,{flag}\n")).unwrap();
        assert_eq!(r[0].baseline, want, "{flag:?}");
    }
    let e = labs("P1,2025-02-03,alt,42,U/L,,40,perhaps\n").unwrap_err();
    assert!(
        e.starts_with("labs.csv line 2, column 'baseline': 'perhaps' is not a flag"),
        "{e}"
    );
}

// A count needs its LLN, a chemistry test its ULN (docs/reference/toxicity.md §3, §4); the other
// limit may be empty.
#[test]
fn each_test_needs_its_own_limit_only() {
    assert!(labs("P1,2025-02-03,anc,1.2,10^9/L,1.5,,\n").is_ok());
    assert!(labs("P1,2025-02-03,alt,42,U/L,,40,\n").is_ok());
    let e = labs("P1,2025-02-03,anc,1.2,10^9/L,,8,\n").unwrap_err();
    assert_eq!(
        e,
        "labs.csv line 2, column 'lln': empty; neutrophils needs the lower limit of normal of its reference range"
    );
    let e = labs("P1,2025-02-03,hb,95,g/L,,160,\n").unwrap_err();
    assert!(
        e.contains("column 'lln'") && e.contains("haemoglobin needs the lower limit"),
        "{e}"
    );
    let e = labs("P1,2025-02-03,creatinine,50,umol/L,30,,\n").unwrap_err();
    assert_eq!(
        e,
        "labs.csv line 2, column 'uln': empty; creatinine needs the upper limit of normal of its reference range"
    );
}

// `lln` < `uln` strictly: equal limits are refused, one step below is fine.
#[test]
fn lln_must_be_strictly_below_uln() {
    let e = labs("P1,2025-02-03,anc,1.2,10^9/L,2,2,\n").unwrap_err();
    assert_eq!(e, "labs.csv line 2, column 'lln': lln 2 is not below uln 2");
    assert!(labs("P1,2025-02-03,anc,1.2,10^9/L,1.99,2,\n").is_ok());
    let e = labs("P1,2025-02-03,anc,1.2,10^9/L,2.01,2,\n").unwrap_err();
    assert!(e.contains("lln 2.01 is not below uln 2"), "{e}");
}

// `uln` > 0 (multiples of 0 are meaningless); an LLN of 0 is allowed.
#[test]
fn a_zero_uln_is_refused() {
    let e = labs("P1,2025-02-03,alt,42,U/L,,0,\n").unwrap_err();
    assert_eq!(e, "labs.csv line 2, column 'uln': uln is zero");
    let e = labs("P1,2025-02-03,alt,42,U/L,,0.0,\n").unwrap_err();
    assert!(e.ends_with("uln is zero"), "{e}");
}

// A unit that exists but belongs to another test names both.
#[test]
fn a_unit_of_another_test() {
    let e = labs("P1,2025-02-03,alt,42,g/dL,,40,\n").unwrap_err();
    assert_eq!(
        e,
        "labs.csv line 2, column 'unit': unit 'g/dL' is not a unit of alt"
    );
    assert!(labs("P1,2025-02-03,hb,9.5,g/dL,11.5,15.5,\n").is_ok());
}

// Strict YYYY-MM-DD: a date-time or a date without leading zeros is refused.
#[test]
fn dates_are_strict_iso_8601() {
    for bad in ["2025-02-03T10:00", "2025-2-3", "20250203", "2025-02-03T1"] {
        let e = parse_transfusions(
            &format!("patient,date,product\nP1,\"{bad}\",plt\n"),
            "tx.csv",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("tx.csv line 2, column 'date': ")
                && e.contains("is not an ISO 8601 date"),
            "{bad}: {e}"
        );
    }
    let ok = parse_transfusions("patient,date,product\nP1,2024-02-29,plt\n", "tx.csv").unwrap();
    assert_eq!(ok[0].date.to_string(), "2024-02-29");
    let e = parse_transfusions("patient,date,product\nP1,2025-02-29,plt\n", "tx.csv")
        .unwrap_err()
        .to_string();
    assert!(e.contains("'2025-02-29' is not an ISO 8601 date"), "{e}");
}

// A number that is not one: the message quotes the value, cut to its first
// 32 characters and "…" when longer than 40 (as mibg-csv cuts excerpts).
#[test]
fn bad_numbers_are_quoted_and_cut_beyond_40_characters() {
    let v40 = "1".repeat(39) + "x";
    let e = labs(&format!("P1,2025-02-03,alt,{v40},U/L,,40,\n")).unwrap_err();
    assert_eq!(
        e,
        format!(
            "labs.csv line 2, column 'value': '{v40}' is not a decimal number (expected digits with an optional '.', e.g. 1.25)"
        )
    );
    let v41 = "1".repeat(40) + "x";
    let e = labs(&format!("P1,2025-02-03,alt,{v41},U/L,,40,\n")).unwrap_err();
    assert_eq!(
        e,
        format!(
            "labs.csv line 2, column 'value': '{}…' is not a decimal number (expected digits with an optional '.', e.g. 1.25)",
            "1".repeat(32)
        )
    );
    // Too many digits: cut the same way.
    let long = "1".repeat(41);
    let e = labs(&format!("P1,2025-02-03,alt,{long},U/L,,40,\n")).unwrap_err();
    assert!(
        e.contains(&format!("'{}…' has too many digits", "1".repeat(32))),
        "{e}"
    );
    let e = labs("P1,2025-02-03,alt,-1,U/L,,40,\n").unwrap_err();
    assert_eq!(e, "labs.csv line 2, column 'value': -1 is negative");
}

// Every problem of a row is listed, with its column, in the order checked.
#[test]
fn the_problems_of_one_row_in_order() {
    let all = parse_labs_all(
        &format!("{LABS}P1,2025-02-03,alt,42,U/L,50,40,\nP1,2025-02-03,ferritin,1,ng/mL,,,\n"),
        "labs.csv",
    )
    .unwrap_err();
    let got: Vec<(Option<u64>, Option<String>, String)> = all
        .iter()
        .map(|e| (e.location().line, e.location().column.clone(), e.detail()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                Some(2),
                Some("lln".to_string()),
                "lln 50 is not below uln 40".to_string()
            ),
            (
                Some(3),
                Some("test".to_string()),
                "unknown test 'ferritin' (allowed: neutrophils, platelets, haemoglobin, wbc, lymphocytes, alt, ast, bilirubin, ggt, alp, creatinine)".to_string()
            ),
            (
                Some(3),
                Some("unit".to_string()),
                format!("unknown unit 'ng/mL' (accepted: {})", LabUnit::ACCEPTED)
            ),
        ]
    );
}

#[test]
fn events_are_read_with_their_version() {
    let h = "patient,date,term,grade,ctcae_version\n";
    let ev = parse_events(
        &format!("{h}P1,2025-02-01,Febrile neutropenia,3,\nP1,2025-02-04,mucositis_oral,2,5.0\n"),
        "events.csv",
    )
    .unwrap();
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[0].term, Term::FebrileNeutropenia);
    assert_eq!(ev[0].grade.get(), 3);
    assert_eq!(ev[0].ctcae_version, CtcaeVersion::V5_0);
    assert_eq!(ev[1].date.to_string(), "2025-02-04");
    assert_eq!(ev[1].origin.as_ref().unwrap().row, 3);
    // Febrile neutropenia has no grades 1-2 (docs/reference/toxicity.md §3).
    let e = parse_events(
        &format!("{h}P1,2025-02-01,Febrile neutropenia,2,\n"),
        "events.csv",
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("events.csv line 2, column 'grade': "), "{e}");
    // Grades are integers 1 to 5.
    for bad in ["0", "6", "2.0", "two"] {
        let e = parse_events(&format!("{h}P1,2025-02-01,Nausea,{bad},\n"), "events.csv")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("'{bad}' is not a grade (an integer 1 to 5)")),
            "{bad}: {e}"
        );
    }
    let e = parse_events(&format!("{h}P1,2025-02-01,Nausea,1,4.03\n"), "events.csv")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("column 'ctcae_version'") && e.contains("CTCAE version '4.03' is not available"),
        "{e}"
    );
}

// stem_cells.csv: one row per infusion; the same patient and date twice is
// an error naming the first line; another date, or another patient on the
// same date, is a second infusion.
#[test]
fn a_stem_cell_infusion_is_given_once_per_patient_and_date() {
    let h = "patient,date,cd34_e6_per_kg\n";
    let ok = parse_stem_cells(
        &format!("{h}P1,2025-03-01,5.1\nP1,2025-04-02,\nP2,2025-03-01,3\n"),
        "stem_cells.csv",
    )
    .unwrap();
    let got: Vec<(&str, String, u64)> = ok
        .iter()
        .map(|s| {
            (
                s.patient.as_str(),
                s.date.to_string(),
                s.origin.as_ref().unwrap().row,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("P1", "2025-03-01".to_string(), 2),
            ("P1", "2025-04-02".to_string(), 3),
            ("P2", "2025-03-01".to_string(), 4),
        ]
    );
    let e = parse_stem_cells(
        &format!("{h}P1,2025-03-01,5.1\nP2,2025-03-01,3\nP1,2025-03-01,\n"),
        "stem_cells.csv",
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "stem_cells.csv line 4, column 'date': stem-cell infusion on 2025-03-01 given twice (first on line 2)"
    );
}

#[test]
fn transfusions_name_their_product() {
    let t = parse_transfusions(
        "patient,date,product\nP1,2025-02-01,plt\nP1,2025-02-02,prbc\n",
        "tx.csv",
    )
    .unwrap();
    assert_eq!(
        t.iter().map(|t| t.product).collect::<Vec<_>>(),
        vec![Product::Platelets, Product::RedCells]
    );
    let e = parse_transfusions("patient,date,product\nP1,2025-02-01,ffp\n", "tx.csv")
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "tx.csv line 2, column 'product': unknown product 'ffp' (allowed: platelets, red_cells)"
    );
}
