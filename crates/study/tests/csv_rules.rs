//! The CSV rules in a study folder: a file in the wrong format is one
//! problem, listed first, and does not cascade into every reference to it;
//! bytes that are not UTF-8 are named by line; arbitrary table text never
//! panics.

use mibg_study::{ProblemKind, StudyInput, validate};
use proptest::prelude::*;

fn study() -> StudyInput {
    let mut s = StudyInput::default();
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/study/one-patient"
    );
    for f in [
        "study.toml",
        "patients.csv",
        "infusions.csv",
        "readings.csv",
        "stem_cells.csv",
        "therapies.csv",
        "followup.csv",
        "assessments/P1.toml",
    ] {
        s.insert(f, std::fs::read_to_string(format!("{dir}/{f}")).unwrap());
    }
    s
}

#[test]
fn the_study_is_valid() {
    let v = validate(&study());
    assert!(v.problems.errors.is_empty(), "{:#?}", v.problems.errors);
}

/// Issue 9: a semicolon-delimited patients.csv buried its root cause at
/// line 3,480 of a 4,137-line problem list (every other row's patient was
/// "unknown").
#[test]
fn a_semicolon_patients_file_is_the_first_and_only_error() {
    let mut s = study();
    s.insert(
        "patients.csv",
        "patient;sex;age_years;weight_kg;height_cm\nP1;F;6,0;20;115\n",
    );
    let v = validate(&s);
    let e = &v.problems.errors;
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!(e[0].kind, ProblemKind::Format);
    assert_eq!((e[0].file.as_str(), e[0].row), ("patients.csv", Some(1)));
    assert!(e[0].message.contains("decimal commas ('6,0')"), "{}", e[0]);
    let w = &v.problems.warnings;
    assert!(
        w.iter().any(|p| p
            .message
            .contains("reference(s) to patients.csv not checked")),
        "{w:#?}"
    );
}

/// A format problem sorts before problems of files that come earlier in
/// the alphabet.
#[test]
fn format_problems_come_first() {
    let mut s = study();
    s.insert(
        "followup.csv",
        "patient,event,date\nP1,progression,2025-13-10\n",
    );
    s.insert(
        "therapies.csv",
        "patient\tt herapy\tstart_date\nP1\tgd2_car_t\t2024-07-01\n",
    );
    let e = validate(&s).problems.errors;
    assert_eq!(e[0].kind, ProblemKind::Format, "{e:#?}");
    assert_eq!(e[0].file, "therapies.csv");
    assert!(e.iter().any(|p| p.file == "followup.csv"));
}

#[test]
fn an_unreadable_infusions_file_does_not_cascade() {
    let mut s = study();
    s.insert(
        "infusions.csv",
        "patient,infusion,date,activity_mbq,weight_kg,weight_kg\nP1,1,2024-03-04,8880,20,20\n",
    );
    let e = validate(&s).problems.errors;
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!(e[0].kind, ProblemKind::Duplicate);
    assert_eq!(e[0].field.as_deref(), Some("weight_kg"));
}

#[test]
fn a_windows_1252_file_is_named_by_its_line() {
    let mut s = study();
    let mut bytes = b"patient,therapy,start_date,notes\nP1,gd2_car_t,2024-07-01,".to_vec();
    bytes.push(0xe9); // "é" in Windows-1252
    bytes.push(b'\n');
    s.insert_bytes("therapies.csv", bytes);
    s.insert_bytes("stem_cells.csv", b"patient,date\nP1,2024-04-01\n".to_vec());
    let v = validate(&s);
    let e = &v.problems.errors;
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!(e[0].kind, ProblemKind::Format);
    assert_eq!((e[0].file.as_str(), e[0].row), ("therapies.csv", Some(2)));
    assert!(e[0].message.contains("not UTF-8"), "{}", e[0]);
    // A required file that is not UTF-8 is that problem, not "missing".
    let mut s = study();
    s.insert_bytes("patients.csv", vec![0xff, 0xfe, b'p', 0]);
    let e = validate(&s).problems.errors;
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(e[0].message.contains("UTF-16"), "{}", e[0]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Arbitrary text in any table is reported, never a panic.
    #[test]
    fn arbitrary_tables_never_panic(
        which in 0usize..6,
        body in "[0-9A-Za-z,;\t\"\\.\\-_ \r\n#é]{0,160}",
    ) {
        let files = ["patients.csv", "infusions.csv", "readings.csv", "stem_cells.csv", "therapies.csv", "followup.csv"];
        let mut s = study();
        s.insert(files[which], body);
        let _ = validate(&s);
    }
}

/// The references an unreadable table would have broken are counted in
/// its warning, and a table that is not read breaks nothing when nothing
/// refers to it.
#[test]
fn the_references_to_an_unreadable_table_are_counted() {
    let semicolons = "patient;sex;age_years;weight_kg;height_cm\nP1;F;6,0;20;115\n";
    let warnings = |s: &StudyInput| -> Vec<String> {
        validate(s)
            .problems
            .warnings
            .iter()
            .filter(|w| w.message.contains("not checked"))
            .map(|w| w.message.clone())
            .collect()
    };
    let mut s = study();
    s.insert("patients.csv", semicolons);
    // Every row of the other tables names P1: 2 infusions, 18 readings,
    // 1 stem-cell return, 1 therapy, 2 follow-up events, and the
    // assessment file P1.toml: 25 references (hand count of the files in
    // tests/data/study/one-patient).
    assert_eq!(
        warnings(&s),
        ["25 reference(s) to patients.csv not checked: the file could not be read (see its error)"]
    );
    // With the other tables empty (their headers only) nothing refers to
    // the unreadable file: no warning.
    for (f, header) in [
        (
            "infusions.csv",
            "patient,infusion,date,activity_mbq,weight_kg\n",
        ),
        (
            "readings.csv",
            "patient,infusion,hours,reading,background\n",
        ),
        ("stem_cells.csv", "patient,date\n"),
        ("therapies.csv", "patient,therapy,start_date\n"),
        ("followup.csv", "patient,event,date,cause\n"),
    ] {
        s.insert(f, header);
    }
    s.files.remove("assessments/P1.toml");
    assert_eq!(warnings(&s), Vec::<String>::new());

    // An unreadable infusions.csv: each reading names an infusion that is
    // not in it (18), and P1 has no row in it (1): 19 references.
    let mut s = study();
    s.insert(
        "infusions.csv",
        "patient;infusion;date;activity_mbq;weight_kg\nP1;1;2024-03-04;8880;20\n",
    );
    let v = validate(&s);
    assert_eq!(v.problems.errors.len(), 1, "{:#?}", v.problems.errors);
    assert_eq!(
        warnings(&s),
        [
            "19 reference(s) to infusions.csv not checked: the file could not be read (see its error)"
        ]
    );
    // Other problems of patients.csv are not references to infusions.csv
    // and stay: a sex that is not allowed, and (follow-up without a death
    // or last contact) an inconsistency of the patient's own (sorted by
    // field: patient before sex).
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/study/one-patient/patients.csv"
    ))
    .unwrap();
    let bad_sex = text.replace("P1,F,", "P1,X,");
    assert_ne!(bad_sex, text);
    s.insert("patients.csv", bad_sex);
    s.insert(
        "followup.csv",
        "patient,event,date,cause\nP1,progression,2024-06-01,\n",
    );
    let kinds: Vec<(String, ProblemKind)> = validate(&s)
        .problems
        .errors
        .iter()
        .map(|e| (e.file.clone(), e.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("infusions.csv".to_string(), ProblemKind::Format),
            ("patients.csv".to_string(), ProblemKind::Inconsistent),
            ("patients.csv".to_string(), ProblemKind::NotAllowed),
        ]
    );
    assert_eq!(
        warnings(&s),
        [
            "19 reference(s) to infusions.csv not checked: the file could not be read (see its error)"
        ]
    );
}
