//! The cohort act on edited copies of the seed study: each option and each
//! record kind reaches the result it should, and problems carry the file,
//! line and field of the domain crates' errors.

mod common;
use common::{edit, seed};
use mibg_clinic::cohort::{report, validate};
use mibg_study::{ProblemKind, StudyInput};

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

/// Keeps the `thyroid.csv` rows of `patient` dated before `before` (the
/// baseline assessment), drops the others.
fn drop_thyroid_after(s: &mut StudyInput, patient: &str, before: &str) {
    let t: String = s.files["thyroid.csv"]
        .lines()
        .filter(|l| {
            let c: Vec<&str> = l.split(',').collect();
            !(c[0] == patient && c.get(1).is_some_and(|d| *d >= before))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    s.insert("thyroid.csv", t);
}

/// The hypothyroidism rate counts survivors with a thyroid assessment
/// (docs/reference/toxicity.md §9): 6 of the 14 survivors of the seed
/// abstract (De Ioris et al., ESMO Open 2025;10(4):104541), all of whom
/// were assessed; a survivor without an assessment after the first
/// infusion leaves the denominator (6/13), and the flow says why.
#[test]
fn the_hypothyroidism_denominator_is_survivors_with_a_thyroid_assessment() {
    let r = report(&seed()).unwrap();
    let h = &r.cohort.hypothyroidism;
    assert_eq!((h.x, h.n), (6, 14));
    assert!(h.denominator_rule.contains("with a thyroid assessment"));
    let assessed = r.patients.iter().filter(|p| p.alive).count();
    assert_eq!(assessed, 14);
    assert!(
        r.patients
            .iter()
            .filter(|p| p.alive)
            .all(|p| p.thyroid_assessed == Some(true))
    );
    // Clopper–Pearson 17.7–71.1 % (docs/reference/toxicity.md §9 [C]).
    assert_eq!(
        (
            (h.lower_pct.unwrap() * 10.0).round(),
            (h.upper_pct.unwrap() * 10.0).round()
        ),
        (177.0, 711.0)
    );

    // SYN-05 (alive, no hypothyroidism) without follow-up assessments:
    // only the baseline row (2018-05-04) before infusion 1 (2018-05-11) is
    // left, which is not an assessment after the first infusion.
    let mut s = seed();
    drop_thyroid_after(&mut s, "SYN-05", "2018-05-11");
    assert!(s.files["thyroid.csv"].contains("SYN-05,2018-05-04,"));
    let r = report(&s).unwrap();
    let p5 = r.patients.iter().find(|p| p.patient == "SYN-05").unwrap();
    assert!(p5.alive && !p5.hypothyroidism);
    assert_eq!(p5.thyroid_assessed, Some(false));
    let h = &r.cohort.hypothyroidism;
    assert_eq!((h.x, h.n), (6, 13));
    let flow = mibg_clinic::cohort::flow::patient_flow(&r);
    let last = flow.stages.last().unwrap();
    assert_eq!(last.n, 13);
    assert!(last.excluded.contains(&(
        "alive, no thyroid assessment after the first infusion".to_string(),
        1
    )));

    // SYN-03 (alive, hypothyroidism) without follow-up rows: the diagnosis
    // is the assessment (6/14), with a warning naming the patient.
    let mut s = seed();
    drop_thyroid_after(&mut s, "SYN-03", "2017-");
    let r = report(&s).unwrap();
    assert_eq!(
        (r.cohort.hypothyroidism.x, r.cohort.hypothyroidism.n),
        (6, 14)
    );
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("'SYN-03'") && w.starts_with("thyroid.csv")),
        "{:?}",
        r.warnings
    );

    // Without thyroid.csv: every survivor, and the rule says so.
    let mut s = seed();
    s.files.remove("thyroid.csv");
    let r = report(&s).unwrap();
    let h = &r.cohort.hypothyroidism;
    assert_eq!((h.x, h.n), (6, 14));
    assert!(
        h.denominator_rule.contains("no thyroid.csv"),
        "{}",
        h.denominator_rule
    );
    assert!(r.patients.iter().all(|p| p.thyroid_assessed.is_none()));
}

/// Rows of `thyroid.csv` follow the folder's rules: known patient, a
/// value in range, nothing after the last contact.
#[test]
fn thyroid_rows_are_checked_at_their_line_and_column() {
    let mut s = seed();
    edit(
        &mut s,
        "thyroid.csv",
        "SYN-02,2017-08-07,1.19,",
        "SYN-02,2017-08-07,-1.19,",
    );
    edit(
        &mut s,
        "thyroid.csv",
        "SYN-05,2018-05-04,",
        "SYN-99,2018-05-04,",
    );
    let v = validate(&s);
    let errs: Vec<_> = v
        .problems
        .errors
        .iter()
        .filter(|e| e.file == "thyroid.csv")
        .collect();
    assert!(
        errs.iter()
            .any(|e| e.field.as_deref() == Some("tsh_mu_per_l") && e.row == Some(6)),
        "{errs:?}"
    );
    assert!(
        errs.iter().any(|e| e.field.as_deref() == Some("patient")),
        "{errs:?}"
    );
    assert!(report(&s).is_err());
}
