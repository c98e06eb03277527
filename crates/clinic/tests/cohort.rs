//! The cohort act on edited copies of the seed study: each option and each
//! record kind reaches the result it should, and problems carry the file,
//! line and field of the domain crates' errors.

use mibg_clinic::cohort::{report, validate};
use mibg_study::{ProblemKind, StudyInput};

fn seed() -> StudyInput {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/seed-study");
    let mut s = StudyInput::default();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
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
    s
}

fn edit(s: &mut StudyInput, file: &str, from: &str, to: &str) {
    let t = s.files[file].clone();
    assert!(t.contains(from), "{file}: {from}");
    s.insert(file, t.replacen(from, to, 1));
}

fn worst(r: &mibg_clinic::cohort::StudyReport, patient: &str) -> Vec<(String, u8)> {
    r.patients
        .iter()
        .find(|p| p.patient == patient)
        .unwrap()
        .worst_grades
        .clone()
}

#[test]
fn the_toxicity_window_runs_from_infusion_1_to_the_study_toml_days_after_stem_cells() {
    let r = report(&seed()).unwrap();
    let w = worst(&r, "SYN-01");
    // Vomiting 2017-01-12 lies between infusion 1 (01-11) and infusion 2
    // (01-25); mucositis 2017-02-16 is day +8 after the stem cells (02-08).
    assert!(w.contains(&("Vomiting".into(), 2)), "{w:?}");
    assert!(w.contains(&("Mucositis oral".into(), 4)), "{w:?}");
    let mut s = seed();
    edit(
        &mut s,
        "study.toml",
        "[analysis.os]",
        "[analysis.toxicity]\nwindow_days_after_stem_cells = 7\n\n[analysis.os]",
    );
    let r = report(&s).unwrap();
    let w = worst(&r, "SYN-01");
    assert!(!w.iter().any(|(t, _)| t == "Mucositis oral"), "{w:?}");
}

#[test]
fn a_death_from_toxicity_is_a_toxic_death() {
    assert_eq!(report(&seed()).unwrap().cohort.toxic_deaths, 0);
    let mut s = seed();
    edit(
        &mut s,
        "followup.csv",
        "SYN-01,death,2018-01-02,disease",
        "SYN-01,death,2018-01-02,toxicity",
    );
    assert_eq!(report(&s).unwrap().cohort.toxic_deaths, 1);
}

#[test]
fn events_alone_make_a_toxicity_table() {
    let mut s = seed();
    s.files.remove("labs.csv");
    s.files.remove("transfusions.csv");
    let r = report(&s).unwrap();
    assert!(
        r.cohort
            .toxicity
            .iter()
            .any(|t| t.term == "Febrile neutropenia"),
        "{:?}",
        r.cohort.toxicity
    );
}

#[test]
fn an_override_that_no_refusal_used_is_a_warning() {
    let mut s = seed();
    s.insert(
        "overrides.csv",
        "patient,check,accepted_by\nSYN-01,weight-change,A. Physicist\n",
    );
    let v = validate(&s);
    assert!(v.problems.is_ok());
    let w = v
        .problems
        .warnings
        .iter()
        .find(|w| w.file == "overrides.csv")
        .expect("a warning");
    assert_eq!((w.row, w.field.as_deref()), (Some(2), Some("check")));
    assert!(w.message.contains("not needed"), "{}", w.message);
    assert!(report(&s).unwrap().overrides.is_empty());
}

#[test]
fn domain_errors_are_located_by_their_fields() {
    // A protocol file with an invalid value: the key is the field.
    let mut s = seed();
    edit(&mut s, "study.toml", "name = \"seed\"", "file = \"p.toml\"");
    let p = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/protocols/matthay-555.toml"
    ))
    .unwrap()
    .replacen(
        "activity_per_kg_mbq = 555.0",
        "activity_per_kg_mbq = -555.0",
        1,
    );
    s.insert("p.toml", p);
    let e = validate(&s).problems.errors;
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].file, "p.toml");
    assert!(
        e[0].field
            .as_deref()
            .is_some_and(|f| f.ends_with("activity_per_kg_mbq")),
        "{e:?}"
    );
    // A ragged labs row: its physical line; a missing column: the header
    // line and the column.
    let mut s = seed();
    edit(
        &mut s,
        "labs.csv",
        "SYN-01,2017-01-08,neutrophils,2.83,10^9/L,1.5,8.0,",
        "SYN-01,2017-01-08,neutrophils",
    );
    let e = validate(&s).problems.errors;
    assert!(
        e.iter().any(|p| p.file == "labs.csv" && p.row == Some(3)),
        "{e:?}"
    );
    let mut s = seed();
    edit(
        &mut s,
        "labs.csv",
        "patient,date,test,value,",
        "patient,date,test,valeur,",
    );
    let e = validate(&s).problems.errors;
    assert!(
        e.iter().any(|p| p.file == "labs.csv"
            && p.row == Some(2)
            && p.field.as_deref() == Some("valeur")),
        "{e:?}"
    );
    let mut s = seed();
    s.insert(
        "labs.csv",
        "patient,date,test,unit\nSYN-01,2017-01-08,neutrophils,10^9/L\n",
    );
    let e = validate(&s).problems.errors;
    assert!(
        e.iter().any(|p| p.file == "labs.csv"
            && p.row == Some(1)
            && p.field.as_deref() == Some("value")),
        "{e:?}"
    );
    let mut s = seed();
    edit(
        &mut s,
        "events.csv",
        "patient,date,term,",
        "patient,date,term,term,",
    );
    let e = validate(&s).problems.errors;
    assert!(
        e.iter().any(|p| p.file == "events.csv"
            && p.row == Some(2)
            && p.field.as_deref() == Some("term")
            && p.kind == ProblemKind::Duplicate
            && p.message
                .starts_with("column 'term' appears twice in the header")),
        "{e:?}"
    );
}
