//! Validation of broken studies: every error class is reported with its
//! file and row, and all problems are listed (not just the first).

use mibg_study::{ProblemKind, StudyInput, validate};

/// A minimal valid one-patient study.
fn one_patient() -> StudyInput {
    let mut s = StudyInput::default();
    s.insert("study.toml", "[study]\ntitle = \"one\"\n");
    s.insert(
        "patients.csv",
        "# comment\npatient,sex,birth_date,weight_kg,height_cm,centre\nP1,F,2015-06-01,20,115,Rome\n",
    );
    s.insert(
        "infusions.csv",
        "patient,infusion,date,activity_mbq,weight_kg\nP1,1,2021-03-01,8880,20\nP1,2,2021-03-15,7000,19.8\n",
    );
    s.insert(
        "readings.csv",
        "patient,infusion,hours,reading,background\nP1,1,0,400,0.1\nP1,1,24,150,0.1\nP1,1,48,80,0.1\n",
    );
    s.insert("stem_cells.csv", "patient,date\nP1,2021-03-22\n");
    s.insert(
        "therapies.csv",
        "patient,therapy,start_date\nP1,gd2_car_t,2021-06-01\n",
    );
    s.insert(
        "followup.csv",
        "patient,event,date,cause\nP1,progression,2022-01-10,\nP1,last_contact,2023-05-01,\n",
    );
    s.insert(
        "assessments/P1.toml",
        assessment("2021-02-20", "2021-05-10"),
    );
    s
}

fn kinds(s: &StudyInput) -> Vec<(ProblemKind, String)> {
    validate(s)
        .problems
        .errors
        .iter()
        .map(|p| (p.kind, p.to_string()))
        .collect()
}

/// The errors of `one_patient` with `followup.csv` holding only `rows`
/// (columns patient, event, date, cause).
fn with_followup(rows: &str) -> Vec<(ProblemKind, String)> {
    let mut s = one_patient();
    s.insert("followup.csv", format!("patient,event,date,cause\n{rows}"));
    kinds(&s)
}

fn has(s: &StudyInput, kind: ProblemKind, text: &str) {
    let k = kinds(s);
    assert!(
        k.iter().any(|(kk, m)| *kk == kind && m.contains(text)),
        "expected {kind:?} containing {text:?}, got {k:#?}"
    );
}

#[test]
fn the_minimal_study_is_valid() {
    let v = validate(&one_patient());
    assert!(v.problems.errors.is_empty(), "{:#?}", v.problems.errors);
    assert!(v.problems.warnings.is_empty(), "{:#?}", v.problems.warnings);
    assert_eq!(v.data.patients.len(), 1);
}

#[test]
fn missing_files() {
    let mut s = one_patient();
    s.files.remove("study.toml");
    s.files.remove("followup.csv");
    let k = kinds(&s);
    assert!(k.contains(&(
        ProblemKind::MissingFile,
        "followup.csv: required file is missing".into()
    )));
    assert!(
        k.iter()
            .any(|(kk, m)| *kk == ProblemKind::MissingFile && m.starts_with("study.toml"))
    );
}

#[test]
fn syntax_and_unknown_options_in_study_toml() {
    let mut s = one_patient();
    s.insert(
        "study.toml",
        "[study]\ntitle = \"x\"\n[analysis]\nconf_level = = 2\n",
    );
    has(&s, ProblemKind::Syntax, "study.toml line 4");
    s.insert(
        "study.toml",
        "[analysis.ci]\nresponse_rate = \"exactish\"\n",
    );
    has(&s, ProblemKind::NotAllowed, "study.toml line 2");
    s.insert("study.toml", "[analysis]\nconf_level = 1.5\n");
    has(&s, ProblemKind::NotAllowed, "conf_level 1.5");
}

#[test]
fn ragged_csv_rows_are_syntax_errors_with_their_line() {
    let mut s = one_patient();
    s.insert(
        "readings.csv",
        "patient,infusion,hours,reading\nP1,1,0,400\n\nP1,1,24\n",
    );
    has(
        &s,
        ProblemKind::Syntax,
        "readings.csv line 4: 3 cells where the header has 4",
    );
}

#[test]
fn missing_and_unknown_columns() {
    let mut s = one_patient();
    s.insert(
        "infusions.csv",
        "patient,infusion,date,weight_kg,activity\nP1,1,2021-03-01,20,8880\n",
    );
    // infusions.csv is a clinical table: the unknown column is an error
    // that names the column it probably means (and stands for the missing
    // one, which is not reported twice).
    has(
        &s,
        ProblemKind::UnknownColumn,
        "infusions.csv line 1, column 'activity': unknown column 'activity' (did you mean 'activity_mbq'?)",
    );
    s.insert(
        "infusions.csv",
        "patient,infusion,date,weight_kg\nP1,1,2021-03-01,20\n",
    );
    has(
        &s,
        ProblemKind::MissingColumn,
        "infusions.csv line 1, column 'activity_mbq': required column 'activity_mbq' is missing",
    );
    // therapies.csv is informational: an unknown column is a warning.
    let mut s = one_patient();
    s.insert(
        "therapies.csv",
        "patient,therapy,start_date,comment\nP1,gd2_car_t,2021-06-01,x\n",
    );
    let v = validate(&s);
    assert!(v.problems.errors.is_empty(), "{:#?}", v.problems.errors);
    assert!(v.problems.warnings.iter().any(|p| {
        p.kind == ProblemKind::UnknownColumn
            && p.to_string()
                .contains("therapies.csv line 1, column 'comment'")
    }));
}

#[test]
fn every_bad_cell_is_listed_not_only_the_first() {
    let mut s = one_patient();
    s.insert(
        "patients.csv",
        "patient,sex,birth_date,weight_kg,height_cm\nP1,X,2015-13-01,-2,\n",
    );
    let k = kinds(&s);
    let want = [
        (
            ProblemKind::NotAllowed,
            "patients.csv line 2, column 'sex': 'X' is not one of F, M",
        ),
        (
            ProblemKind::BadValue,
            "patients.csv line 2, column 'birth_date': '2015-13-01' is not a date (YYYY-MM-DD)",
        ),
        (
            ProblemKind::NotAllowed,
            "patients.csv line 2, column 'weight_kg': -2 is outside the allowed range 0.5–250",
        ),
        (
            ProblemKind::MissingValue,
            "patients.csv line 2, column 'height_cm': value is required",
        ),
    ];
    for (kind, msg) in want {
        assert!(
            k.contains(&(kind, msg.to_string())),
            "missing {msg}: {k:#?}"
        );
    }
}

#[test]
fn duplicates() {
    let mut s = one_patient();
    s.insert(
        "patients.csv",
        "patient,sex,age_years,weight_kg,height_cm\nP1,F,5.5,20,115\nP1,M,6,21,116\n",
    );
    has(
        &s,
        ProblemKind::Duplicate,
        "patients.csv line 3, column 'patient': patient 'P1' is already defined in line 2",
    );
    let mut s = one_patient();
    s.insert(
        "followup.csv",
        "patient,event,date\nP1,last_contact,2023-05-01\nP1,last_contact,2023-06-01\n",
    );
    has(&s, ProblemKind::Duplicate, "followup.csv line 3");
}

#[test]
fn unknown_patients_and_references() {
    let mut s = one_patient();
    s.insert(
        "readings.csv",
        "patient,infusion,hours,reading\nP2,1,0,400\nP1,3,0,400\n",
    );
    s.insert(
        "therapies.csv",
        "patient,therapy,start_date\nP9,gd2_car_t,2021-06-01\n",
    );
    s.insert("assessments/P7.toml", "patient = \"P7\"\n");
    has(
        &s,
        ProblemKind::UnknownPatient,
        "readings.csv line 2, column 'patient': patient 'P2' is not in patients.csv",
    );
    has(
        &s,
        ProblemKind::UnknownReference,
        "readings.csv line 3, column 'infusion': patient 'P1' has no infusion 3",
    );
    has(&s, ProblemKind::UnknownPatient, "therapies.csv line 2");
    has(
        &s,
        ProblemKind::UnknownPatient,
        "assessments/P7.toml: file name names patient 'P7'",
    );
}

#[test]
fn chronology() {
    let mut s = one_patient();
    // death before the second infusion, a therapy after death, readings not increasing
    s.insert(
        "followup.csv",
        "patient,event,date,cause\nP1,death,2021-03-10,disease\n",
    );
    s.insert(
        "readings.csv",
        "patient,infusion,hours,reading\nP1,1,0,400\nP1,1,24,150\nP1,1,24,140\n",
    );
    has(
        &s,
        ProblemKind::Chronology,
        "infusions.csv line 3, column 'date': death (2021-03-10, followup.csv line 2) before this infusion (2021-03-15)",
    );
    has(
        &s,
        ProblemKind::Chronology,
        "followup.csv line 2, column 'date': death 2021-03-10 of patient 'P1' is before an infusion (2021-03-15)",
    );
    has(
        &s,
        ProblemKind::Chronology,
        "therapies.csv line 2, column 'start_date': therapy dated 2021-06-01 is after the death",
    );
    has(
        &s,
        ProblemKind::Chronology,
        "readings.csv line 4, column 'hours': 24 h is not after the previous reading",
    );
    // events after last contact and before the first infusion; data cut-off
    let mut s = one_patient();
    s.insert("study.toml", "[study]\ndata_cutoff = \"2023-01-01\"\n");
    s.insert(
        "followup.csv",
        "patient,event,date\nP1,progression,2020-01-10\nP1,relapse,2023-06-01\nP1,last_contact,2023-05-01\n",
    );
    has(
        &s,
        ProblemKind::Chronology,
        "followup.csv line 2, column 'date': progression dated 2020-01-10 is before the first infusion",
    );
    has(
        &s,
        ProblemKind::Chronology,
        "followup.csv line 3, column 'date': relapse dated 2023-06-01 is after the last contact",
    );
    has(
        &s,
        ProblemKind::Chronology,
        "last contact 2023-05-01 is after the data cut-off (2023-01-01)",
    );
}

#[test]
fn incomplete_patients() {
    let mut s = one_patient();
    s.insert(
        "infusions.csv",
        "patient,infusion,date,activity_mbq,weight_kg\nP1,2,2021-03-15,7000,19.8\n",
    );
    s.insert("followup.csv", "patient,event,date\n");
    s.insert("readings.csv", "patient,infusion,hours,reading\n");
    s.files.remove("assessments/P1.toml");
    has(
        &s,
        ProblemKind::Inconsistent,
        "infusions.csv line 2, column 'infusion': patient 'P1' has no infusion 1",
    );
    has(
        &s,
        ProblemKind::Inconsistent,
        "neither a death nor a last_contact",
    );
    let w = validate(&s).problems.warnings;
    assert!(
        w.iter()
            .any(|p| p.to_string().contains("no file in assessments/"))
    );
}

#[test]
fn the_bundled_seed_study_is_valid() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/seed-study");
    let mut s = StudyInput::default();
    for entry in std::fs::read_dir(dir).unwrap() {
        let e = entry.unwrap();
        let name = e.file_name().to_string_lossy().to_string();
        if e.path().is_file() {
            s.insert(name, std::fs::read_to_string(e.path()).unwrap());
        } else {
            for sub in std::fs::read_dir(e.path()).unwrap() {
                let sub = sub.unwrap();
                s.insert(
                    format!("{name}/{}", sub.file_name().to_string_lossy()),
                    std::fs::read_to_string(sub.path()).unwrap(),
                );
            }
        }
    }
    let v = validate(&s);
    assert!(v.problems.errors.is_empty(), "{:#?}", v.problems.errors);
    assert_eq!(v.data.patients.len(), 26);
}

/// A valid assessment file for P1 of `one_patient()` (first infusion 2021-03-01).
fn assessment(baseline: &str, follow_up: &str) -> String {
    let seg = "skull = 0\nthoracic_cage = 2\nproximal_right_upper_limb = 0\ndistal_right_upper_limb = 0\nproximal_left_upper_limb = 0\ndistal_left_upper_limb = 0\nspine = 3\npelvis = 1\nproximal_right_lower_limb = 0\ndistal_right_lower_limb = 0\nproximal_left_lower_limb = 0\ndistal_left_lower_limb = 0\n";
    let marrow = |l: &str| {
        ["aspirate", "trephine"]
            .iter()
            .flat_map(|k| {
                ["left", "right"].map(|s| {
                    format!("[[{l}.marrow]]\nkind = \"{k}\"\nside = \"{s}\"\ntumour_pct = 0\n")
                })
            })
            .collect::<String>()
    };
    format!(
        "patient = \"P1\"\n[baseline]\ndate = \"{baseline}\"\nprimary = {{ status = \"present\", diameters_mm = [60], uptake = \"present\" }}\n\
[baseline.soft_tissue]\nnon_target = \"none\"\nuptake = \"absent\"\ntargets = []\n[baseline.mibg]\nmethod = \"siopen\"\ntracer = \"123I\"\n[baseline.mibg.segments]\n{seg}{}\
[[follow_up]]\ndate = \"{follow_up}\"\nprimary = {{ status = \"present\", diameters_mm = [30], uptake = \"improved\" }}\n\
[follow_up.soft_tissue]\nnon_target = \"none\"\nuptake = \"absent\"\ntargets = []\n[follow_up.mibg]\nmethod = \"siopen\"\ntracer = \"123I\"\n[follow_up.mibg.segments]\n{seg}{}",
        marrow("baseline"),
        marrow("follow_up")
    )
}

#[test]
fn assessments_are_parsed_by_the_response_crate_and_dated_against_treatment() {
    let mut s = one_patient();
    s.insert(
        "assessments/P1.toml",
        assessment("2021-02-20", "2021-05-10"),
    );
    let v = validate(&s);
    assert!(v.problems.errors.is_empty(), "{:#?}", v.problems.errors);
    assert!(v.data.records.contains_key("P1"));
    // follow-up before the baseline; baseline after the first infusion
    s.insert(
        "assessments/P1.toml",
        assessment("2021-02-20", "2021-02-10"),
    );
    // (the response crate's own rule, reported with the file)
    has(
        &s,
        ProblemKind::Domain,
        "assessments/P1.toml: follow-up 2021-02-10: date: must be after the previous assessment (2021-02-20)",
    );
    s.insert(
        "assessments/P1.toml",
        assessment("2021-03-05", "2021-05-10"),
    );
    has(
        &s,
        ProblemKind::Chronology,
        "baseline assessment 2021-03-05 is after the first infusion (2021-03-01)",
    );
    // the response crate's own rule: a SIOPEN segment above 6
    s.insert(
        "assessments/P1.toml",
        assessment("2021-02-20", "2021-05-10").replacen("spine = 3", "spine = 7", 1),
    );
    has(&s, ProblemKind::Domain, "assessments/P1.toml: ");
    // the file names a patient, the content another
    s.insert(
        "assessments/P1.toml",
        assessment("2021-02-20", "2021-05-10").replacen("\"P1\"", "\"P9\"", 1),
    );
    has(&s, ProblemKind::Inconsistent, "says patient = 'P9'");
}

#[test]
fn toxicity_tables_are_parsed_by_the_toxicity_crate_with_their_rows() {
    let mut s = one_patient();
    s.insert(
        "labs.csv",
        "# comment lines are allowed in study folders\npatient,date,test,value,unit,lln,uln,baseline\nP1,2021-03-05,neutrophils,0.4,10^9/L,1.5,8.0,\nP1,2021-03-06,neutrophils,abc,10^9/L,1.5,8.0,\n",
    );
    has(
        &s,
        ProblemKind::BadValue,
        "labs.csv line 4, column 'value': 'abc' is not a decimal number",
    );
    s.insert(
        "labs.csv",
        "patient,date,test,value,unit,lln,uln,baseline\nP9,2021-03-05,neutrophils,0.4,10^9/L,1.5,8.0,\nP1,2024-01-01,neutrophils,0.4,10^9/L,1.5,8.0,\n",
    );
    has(
        &s,
        ProblemKind::UnknownPatient,
        "labs.csv line 2, column 'patient': patient 'P9'",
    );
    has(
        &s,
        ProblemKind::Chronology,
        "labs.csv line 3, column 'date': record dated 2024-01-01 is after the last contact (2023-05-01",
    );
    // A table the toxicity parser refuses (no `unit` column) has no
    // records, but its rows are still checked against the patients and
    // the timeline, as before the single reading.
    s.insert(
        "labs.csv",
        "patient,date,test,value,lln,uln\nP9,2021-03-05,neutrophils,0.4,1.5,8.0\nP1,2024-01-01,neutrophils,0.4,1.5,8.0\n",
    );
    has(&s, ProblemKind::MissingColumn, "unit");
    has(
        &s,
        ProblemKind::UnknownPatient,
        "labs.csv line 2, column 'patient': patient 'P9'",
    );
    has(
        &s,
        ProblemKind::Chronology,
        "labs.csv line 3, column 'date': record dated 2024-01-01",
    );
    // A patient the toxicity parser reads but that is not an identifier:
    // one problem for the cell (the study's rule), no unknown patient
    // after it, and the other rows still checked.
    s.insert(
        "labs.csv",
        "patient,date,test,value,unit,lln,uln\nP 1,2021-03-05,neutrophils,0.4,10^9/L,1.5,8.0\nP1,2024-01-01,neutrophils,0.4,10^9/L,1.5,8.0\n",
    );
    has(
        &s,
        ProblemKind::BadValue,
        "labs.csv line 2, column 'patient': 'P 1' is not an identifier",
    );
    assert!(
        !kinds(&s)
            .iter()
            .any(|(k, _)| *k == ProblemKind::UnknownPatient),
        "{:#?}",
        kinds(&s)
    );
    has(
        &s,
        ProblemKind::Chronology,
        "labs.csv line 3, column 'date': record dated 2024-01-01",
    );
    // a grade the term does not allow (the toxicity crate's rule, with its row)
    let mut s = one_patient();
    s.insert(
        "events.csv",
        "patient,date,term,grade\nP1,2021-03-10,Nausea,1\nP1,2021-03-12,Febrile neutropenia,2\n",
    );
    has(
        &s,
        ProblemKind::BadValue,
        "events.csv line 3, column 'grade': Febrile neutropenia has no grade 2",
    );
}

/// Fuzz finding (issue 9, item 7), input class "huge field": a 4 KB
/// patient identifier was quoted whole in every problem that names the
/// patient (unknown in patients.csv, no infusion, no follow-up…). It is
/// refused where it is read, quoted cut, and names nothing later.
#[test]
fn huge_identifier_is_refused_quoted_cut() {
    let huge = "x".repeat(4096);
    let mut s = one_patient();
    s.insert(
        "therapies.csv",
        format!("patient,therapy,start_date\n{huge},gd2_car_t,2021-06-01\n"),
    );
    has(
        &s,
        ProblemKind::BadValue,
        "is not an identifier (at most 64 characters)",
    );
    let v = validate(&s);
    for p in v.problems.errors.iter().chain(&v.problems.warnings) {
        assert!(p.to_string().len() < 400, "{p}");
    }
}

/// Fuzz finding (issue 9, item 7), input class "huge field": an unknown
/// key of kilobytes in study.toml was quoted whole by the TOML parser's
/// message; the message is cut, with its length said.
#[test]
fn huge_unknown_key_in_study_toml_is_cut() {
    let mut s = one_patient();
    s.insert(
        "study.toml",
        format!("[study]\ntitle = \"one\"\n{} = 1\n", "k".repeat(4096)),
    );
    let v = validate(&s);
    let p = &v.problems.errors[0];
    assert!(p.to_string().len() < 500, "{p}");
    assert!(p.to_string().contains("characters)"), "{p}");
}

/// Fuzz finding (issue 9, item 7), input class "huge field": a therapy
/// code of 2000 quote characters was quoted whole.
#[test]
fn huge_therapy_code_is_quoted_cut() {
    let mut s = one_patient();
    s.insert(
        "therapies.csv",
        format!(
            "patient,therapy,start_date\nP1,\"{}\",2021-06-01\n",
            "\"\"".repeat(2000)
        ),
    );
    has(&s, ProblemKind::BadValue, "is not a therapy code");
    let v = validate(&s);
    for p in v.problems.errors.iter().chain(&v.problems.warnings) {
        assert!(p.to_string().len() < 400, "{p}");
    }
}

#[test]
fn the_same_stem_cell_return_twice_is_refused_as_mibg_toxicity_refuses_it() {
    // The rule of `mibg_toxicity::csv_input::parse_stem_cells`: a
    // patient's date given twice. Two returns on different days are two
    // returns.
    let mut s = one_patient();
    s.insert(
        "stem_cells.csv",
        "patient,date\nP1,2021-03-22\nP1,2021-03-25\n",
    );
    assert!(validate(&s).problems.errors.is_empty());
    s.insert(
        "stem_cells.csv",
        "patient,date\nP1,2021-03-22\nP1,2021-03-25\nP1,2021-03-22\n",
    );
    assert_eq!(
        kinds(&s),
        [(
            ProblemKind::Duplicate,
            "stem_cells.csv line 4, column 'date': stem-cell infusion on 2021-03-22 given twice (first on line 2)".to_string()
        )]
    );
    // The toxicity parser refuses the same text with the same words.
    let e = mibg_toxicity::csv_input::parse_stem_cells(
        "patient,date\nP1,2021-03-22\nP1,2021-03-25\nP1,2021-03-22\n",
        "stem_cells.csv",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("stem-cell infusion on 2021-03-22 given twice (first on line 2)"),
        "{e}"
    );
}

/// `patients.csv` with P1's birth date and enrolment date set (first
/// infusion 2021-03-01 in `one_patient`).
fn born_enrolled(birth: &str, enrolment: &str) -> StudyInput {
    let mut s = one_patient();
    s.insert(
        "patients.csv",
        format!(
            "patient,sex,birth_date,weight_kg,height_cm,centre,enrolment_date\nP1,F,{birth},20,115,Rome,{enrolment}\n"
        ),
    );
    s
}

#[test]
fn the_age_at_the_first_infusion_is_at_most_100_years() {
    // AGE_YEARS = (0, 100) inclusive, ages in days / 365.25. From
    // 1921-03-01 to 2021-03-01: 100 × 365 + 25 leap days (1924–2020) =
    // 36 525 days = 100.000 years, allowed; from 1921-02-28 one day more,
    // 36 526 / 365.25 = 100.003 years, above 100 (hand).
    assert!(kinds(&born_enrolled("1921-03-01", "")).is_empty());
    assert_eq!(
        kinds(&born_enrolled("1921-02-28", "")),
        [(
            ProblemKind::NotAllowed,
            "patients.csv line 2, column 'birth_date': birth date 1921-02-28 gives an age of 100 years at the first infusion (2021-03-01), above 100 (a typing error in the year?)".to_string()
        )]
    );
}

#[test]
fn the_birth_date_is_before_the_first_infusion() {
    // The day before is a birth date; the day itself or later is not (and
    // gives no age check).
    assert!(kinds(&born_enrolled("2021-02-28", "")).is_empty());
    for b in ["2021-03-01", "2021-03-02"] {
        assert_eq!(
            kinds(&born_enrolled(b, "")),
            [(
                ProblemKind::Chronology,
                format!(
                    "patients.csv line 2, column 'birth_date': birth date {b} is not before the first infusion (2021-03-01)"
                )
            )]
        );
    }
}

#[test]
fn enrolment_is_on_or_before_the_first_infusion() {
    for e in ["2021-02-01", "2021-03-01"] {
        assert!(kinds(&born_enrolled("2015-06-01", e)).is_empty(), "{e}");
    }
    assert_eq!(
        kinds(&born_enrolled("2015-06-01", "2021-03-02")),
        [(
            ProblemKind::Chronology,
            "patients.csv line 2, column 'enrolment_date': enrolment 2021-03-02 is after the first infusion (2021-03-01)".to_string()
        )]
    );
}

#[test]
fn the_enrolment_origin_needs_an_enrolment_date() {
    let need = [(
        ProblemKind::MissingValue,
        "patients.csv line 2, column 'enrolment_date': study.toml uses the enrolment origin, so enrolment_date is required".to_string(),
    )];
    // Either endpoint with the enrolment origin needs it; the default
    // origin (the first infusion) does not.
    for endpoint in ["efs", "os"] {
        let mut s = born_enrolled("2015-06-01", "");
        s.insert(
            "study.toml",
            format!("[study]\ntitle = \"one\"\n[analysis.{endpoint}]\norigin = \"enrolment\"\nevents = [\"death\"]\n"),
        );
        assert_eq!(kinds(&s), need, "{endpoint}");
        let mut s = born_enrolled("2015-06-01", "2021-02-01");
        s.insert(
            "study.toml",
            format!("[study]\ntitle = \"one\"\n[analysis.{endpoint}]\norigin = \"enrolment\"\nevents = [\"death\"]\n"),
        );
        assert!(kinds(&s).is_empty(), "{endpoint}");
    }
    assert!(kinds(&born_enrolled("2015-06-01", "")).is_empty());
}

#[test]
fn a_last_contact_on_the_day_of_death_is_allowed_and_after_it_is_not() {
    let with = |followup: &str| with_followup(followup);
    // Death on 2023-05-01: a last contact that day or before is consistent.
    for lc in ["2023-04-30", "2023-05-01"] {
        assert!(
            with(&format!(
                "P1,death,2023-05-01,disease\nP1,last_contact,{lc},\n"
            ))
            .is_empty(),
            "{lc}"
        );
    }
    assert_eq!(
        with("P1,death,2023-05-01,disease\nP1,last_contact,2023-05-02,\n"),
        [(
            ProblemKind::Chronology,
            "followup.csv line 3, column 'date': last contact 2023-05-02 is after the death (2023-05-01)".to_string()
        )]
    );
}

#[test]
fn a_record_on_the_day_of_death_is_allowed_and_after_it_is_not() {
    // The later therapy of one_patient (2021-06-01) against a death on
    // that day and on the day before.
    let with = |death: &str| with_followup(&format!("P1,death,{death},disease\n"));
    assert!(with("2021-06-01").is_empty());
    assert_eq!(
        with("2021-05-31"),
        [(
            ProblemKind::Chronology,
            "therapies.csv line 2, column 'start_date': therapy dated 2021-06-01 is after the death (2021-05-31, followup.csv line 2)".to_string()
        )]
    );
}

#[test]
fn a_record_on_the_day_of_the_last_contact_is_allowed_and_after_it_is_not() {
    // The later therapy (2021-06-01) against the last contact, with no
    // death.
    let with = |lc: &str| with_followup(&format!("P1,last_contact,{lc},\n"));
    assert!(with("2021-06-01").is_empty());
    assert_eq!(
        with("2021-05-31"),
        [(
            ProblemKind::Chronology,
            "therapies.csv line 2, column 'start_date': therapy dated 2021-06-01 is after the last contact (2021-05-31, followup.csv line 2); the last contact must be the latest date".to_string()
        )]
    );
}

#[test]
fn a_record_on_the_data_cut_off_is_allowed_and_after_it_is_not() {
    // The latest record of one_patient is the last contact, 2023-05-01.
    let with = |cutoff: &str| {
        let mut s = one_patient();
        s.insert(
            "study.toml",
            format!("[study]\ntitle = \"one\"\ndata_cutoff = \"{cutoff}\"\n"),
        );
        kinds(&s)
    };
    assert!(with("2023-05-01").is_empty());
    assert_eq!(
        with("2023-04-30"),
        [(
            ProblemKind::Chronology,
            "followup.csv line 3, column 'date': last contact 2023-05-01 is after the data cut-off (2023-04-30)".to_string()
        )]
    );
}

#[test]
fn a_stem_cell_return_on_the_day_of_the_first_infusion_is_allowed_and_before_it_is_not() {
    // Infusion 1 on 2021-03-01 (one_patient).
    let with = |date: &str| {
        let mut s = one_patient();
        s.insert("stem_cells.csv", format!("patient,date\nP1,{date}\n"));
        kinds(&s)
    };
    assert!(with("2021-03-01").is_empty());
    assert_eq!(
        with("2021-02-28"),
        [(
            ProblemKind::Chronology,
            "stem_cells.csv line 2, column 'date': stem-cell infusion dated 2021-02-28 is before the first infusion (2021-03-01)".to_string()
        )]
    );
}

#[test]
fn an_override_names_a_known_patient() {
    let mut s = one_patient();
    s.insert(
        "overrides.csv",
        "patient,check,accepted_by,reason\nP1,outlier,Dr A,reviewed\n",
    );
    assert!(kinds(&s).is_empty());
    s.insert(
        "overrides.csv",
        "patient,check,accepted_by,reason\nP9,outlier,Dr A,reviewed\n",
    );
    assert_eq!(
        kinds(&s),
        [(
            ProblemKind::UnknownPatient,
            "overrides.csv line 2, column 'patient': patient 'P9' is not in patients.csv"
                .to_string()
        )]
    );
}

#[test]
fn a_death_on_the_day_of_the_first_infusion_is_not_before_it() {
    // Death on 2021-03-01, the day of infusion 1: the later records are
    // after the death (their own problems), but the death itself is not
    // before the first infusion; on 2021-02-28 it is.
    let with = |death: &str| with_followup(&format!("P1,death,{death},disease\n"));
    let before = |k: &[(ProblemKind, String)]| {
        k.iter()
            .filter(|(_, m)| m.contains("of patient 'P1' is before the first infusion"))
            .cloned()
            .collect::<Vec<_>>()
    };
    let same_day = with("2021-03-01");
    assert!(!same_day.is_empty());
    assert_eq!(before(&same_day), []);
    assert_eq!(
        before(&with("2021-02-28")),
        [(
            ProblemKind::Chronology,
            "followup.csv line 2, column 'date': death 2021-02-28 of patient 'P1' is before the first infusion (2021-03-01)".to_string()
        )]
    );
}

#[test]
fn a_death_on_the_day_of_an_infusion_is_not_before_it() {
    // Infusion 2 on 2021-03-15: a death that day is not before it (the
    // later records after it are their own problems); the day before is.
    let with = |death: &str| {
        with_followup(&format!("P1,death,{death},disease\n"))
            .into_iter()
            .filter(|(_, m)| m.contains("is before an infusion"))
            .collect::<Vec<_>>()
    };
    assert_eq!(with("2021-03-15"), []);
    assert_eq!(
        with("2021-03-14"),
        [(
            ProblemKind::Chronology,
            "followup.csv line 2, column 'date': death 2021-03-14 of patient 'P1' is before an infusion (2021-03-15)".to_string()
        )]
    );
}

#[test]
fn the_assessments_around_the_first_infusion_at_their_edges() {
    // Infusion 1 on 2021-03-01: a baseline that day is allowed, the day
    // after is not; a follow-up on that day (after the baseline) is
    // allowed, the day before is not.
    let with = |baseline: &str, follow_up: &str| {
        let mut s = one_patient();
        s.insert("assessments/P1.toml", assessment(baseline, follow_up));
        kinds(&s)
    };
    assert!(with("2021-03-01", "2021-05-10").is_empty());
    assert_eq!(
        with("2021-03-02", "2021-05-10"),
        [(
            ProblemKind::Chronology,
            "assessments/P1.toml: baseline assessment 2021-03-02 is after the first infusion (2021-03-01)".to_string()
        )]
    );
    assert!(with("2021-02-20", "2021-03-01").is_empty());
    assert_eq!(
        with("2021-02-20", "2021-02-28"),
        [(
            ProblemKind::Chronology,
            "assessments/P1.toml: follow-up 2021-02-28 is before the first infusion (2021-03-01)"
                .to_string()
        )]
    );
}

#[test]
fn a_treatment_record_on_the_data_cut_off_is_allowed_and_after_it_is_not() {
    // The later therapy (2021-06-01) and a last contact that day, against
    // a cut-off that day and the day before.
    let with = |cutoff: &str| {
        let mut s = one_patient();
        s.insert(
            "followup.csv",
            "patient,event,date,cause\nP1,last_contact,2021-06-01,\n",
        );
        s.insert(
            "study.toml",
            format!("[study]\ntitle = \"one\"\ndata_cutoff = \"{cutoff}\"\n"),
        );
        kinds(&s)
    };
    assert!(with("2021-06-01").is_empty());
    let k = with("2021-05-31");
    assert!(
        k.contains(&(
            ProblemKind::Chronology,
            "therapies.csv line 2, column 'start_date': therapy dated 2021-06-01 is after the data cut-off (2021-05-31)".to_string()
        )),
        "{k:#?}"
    );
}

/// `[protocol]`: the built-in seed protocol by default; a protocol file of
/// the folder read by the protocol crate, its refusal of a value named at
/// that value's key; a missing file named.
#[test]
fn the_protocol_is_the_seed_or_a_file_of_the_folder() {
    let s = one_patient();
    let v = validate(&s);
    assert!(v.problems.is_ok(), "{:#?}", v.problems.errors);
    let seed = v.data.protocol.expect("the seed protocol");
    assert_eq!(
        seed.infusion1.activity_per_kg.mbq_per_kg(),
        444.0,
        "the seed study's 444 MBq/kg"
    );
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/protocols/matthay-555.toml"),
    )
    .unwrap();
    let mut s = one_patient();
    s.insert(
        "study.toml",
        "[study]\ntitle = \"one\"\n[protocol]\nfile = \"p.toml\"\n",
    );
    s.insert("p.toml", text.clone());
    let v = validate(&s);
    assert_eq!(
        v.data
            .protocol
            .as_ref()
            .map(|p| p.infusion1.activity_per_kg.mbq_per_kg()),
        Some(555.0)
    );
    // A negative first activity: refused by the protocol crate, at its key.
    s.insert(
        "p.toml",
        text.replace(
            "activity_per_kg_mbq = 555.0",
            "activity_per_kg_mbq = -555.0",
        ),
    );
    let v = validate(&s);
    assert!(v.data.protocol.is_none());
    let p: Vec<_> = v
        .problems
        .errors
        .iter()
        .filter(|p| p.file == "p.toml")
        .collect();
    assert_eq!(p.len(), 1, "{:#?}", v.problems.errors);
    assert_eq!(p[0].kind, ProblemKind::Domain);
    assert_eq!(p[0].field.as_deref(), Some("infusion1.activity_per_kg_mbq"));
    // A file that is not in the folder.
    s.insert(
        "study.toml",
        "[study]\ntitle = \"one\"\n[protocol]\nfile = \"absent.toml\"\n",
    );
    let v = validate(&s);
    assert!(v.data.protocol.is_none());
    assert!(!v.problems.is_ok());
}

/// A decimal comma in a laboratory value (`"1,5"`) is a format problem
/// (listed with the layout problems), another bad cell a bad value. (The
/// study reports a toxicity table's first refusal, as `mibg toxicity`.)
#[test]
fn a_decimal_comma_in_the_labs_is_a_format_problem() {
    let labs = |value: &str| {
        let mut s = one_patient();
        s.insert(
            "labs.csv",
            format!("patient,date,test,value,unit,lln,uln\nP1,2021-03-05,neutrophils,{value},10^9/L,1.5,8.0\n"),
        );
        validate(&s)
            .problems
            .errors
            .into_iter()
            .filter(|p| p.file == "labs.csv")
            .map(|p| (p.row, p.field, p.kind))
            .collect::<Vec<_>>()
    };
    let at_value = |kind| vec![(Some(2), Some("value".to_string()), kind)];
    assert_eq!(labs("\"1,5\""), at_value(ProblemKind::Format));
    assert_eq!(labs("x"), at_value(ProblemKind::BadValue));
    assert_eq!(labs("1.5"), vec![]);
}
