//! End-to-end tests of `mibg study` and `mibg demo`.
mod common;
use common::*;

#[test]
fn validate_accepts_the_bundled_seed_study() {
    let out = ok(&["study", "validate", "examples/seed-study"]);
    assert!(
        out.starts_with("examples/seed-study: valid — 26 patients, 52 infusions"),
        "{out}"
    );
}

#[test]
fn validate_lists_every_problem_of_a_broken_study_with_file_and_row() {
    let err = fails(&["study", "validate", "examples/study-broken"]);
    for line in [
        "the study is not valid (5 error(s)",
        "followup.csv row 3, field 'date': death 2021-03-10 of patient 'P1' is before an infusion (2021-03-15)",
        "infusions.csv row 3, field 'date': death (2021-03-10, followup.csv row 3) before this infusion (2021-03-15)",
        "patients.csv row 2, field 'sex': 'X' is not one of F, M",
        "readings.csv row 4, field 'patient': patient 'P2' is not in patients.csv",
        "readings.csv row 5, field 'hours': 20 h is not after the previous reading",
    ] {
        assert!(err.contains(line), "missing {line:?} in\n{err}");
    }
}

#[test]
fn validate_json_reports_problems_with_kind_file_and_row() {
    let out = mibg(&["study", "validate", "examples/study-broken", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], false);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 5);
    let sex = errors.iter().find(|e| e["field"] == "sex").unwrap();
    assert_eq!(sex["file"], "patients.csv");
    assert_eq!(sex["row"], 2);
    assert_eq!(sex["kind"], "not_allowed");
}

#[test]
fn validate_rejects_a_missing_folder() {
    let err = fails(&["study", "validate", "examples/no-such-study"]);
    assert!(err.contains("not a study folder"), "{err}");
}
