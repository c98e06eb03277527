//! The rules of the per-patient and cohort analysis, each at its edge. The
//! expected values are worked out by hand from the rules as the analysis
//! module documents them (window: first infusion to the last stem-cell
//! infusion + N days, both ends inclusive; baseline: the flagged result,
//! else the last on or before a given first-infusion date; anaemia grade 3
//! from a red-cell transfusion; grade-4 days measured and carried forward;
//! cohort counts by worst grade) and from the CTCAE v5.0 thresholds of
//! docs/reference/toxicity.md §3 (neutrophils with LLN 1.5: < 1.5 grade 2,
//! < 1.0 grade 3, < 0.5 grade 4; platelets with LLN 150: < 75 grade 2, < 50
//! grade 3, < 25 grade 4) and docs/reference/toxicity.md §4 (ALT: > ULN–3.0 × ULN grade 1, > 3.0–5.0 ×
//! ULN grade 2 with a normal baseline; 1.5–3.0 × baseline grade 1 with an
//! abnormal one).

use jiff::civil::{Date, date};
use mibg_toxicity::analysis::{AnalysisError, CohortRow};
use mibg_toxicity::{
    AdverseEvent, CtcaeVersion, Decimal, Exact, Grade, LabResult, LabTest, LabUnit, Options,
    Product, Schedule, Term, ToxicityInput, Transfusion, analyse,
};

fn lab(
    p: &str,
    d: Date,
    test: LabTest,
    v: &str,
    unit: LabUnit,
    lln: Option<&str>,
    uln: Option<&str>,
) -> LabResult {
    LabResult {
        patient: p.into(),
        date: d,
        test,
        value: Decimal::parse_decimal(v).unwrap(),
        unit,
        lln: lln.map(|x| Decimal::parse_decimal(x).unwrap()),
        uln: uln.map(|x| Decimal::parse_decimal(x).unwrap()),
        baseline: false,
        origin: None,
    }
}

fn anc(p: &str, d: Date, v: &str) -> LabResult {
    lab(
        p,
        d,
        LabTest::Neutrophils,
        v,
        LabUnit::GigaPerLitre,
        Some("1.5"),
        None,
    )
}

fn plt(p: &str, d: Date, v: &str) -> LabResult {
    lab(
        p,
        d,
        LabTest::Platelets,
        v,
        LabUnit::GigaPerLitre,
        Some("150"),
        None,
    )
}

fn alt(p: &str, d: Date, v: &str) -> LabResult {
    lab(
        p,
        d,
        LabTest::Alt,
        v,
        LabUnit::UnitPerLitre,
        None,
        Some("40"),
    )
}

fn event(p: &str, d: Date, term: Term, g: u8) -> AdverseEvent {
    AdverseEvent {
        patient: p.into(),
        date: d,
        term,
        grade: Grade::new(g).unwrap(),
        ctcae_version: CtcaeVersion::V5_0,
        origin: None,
    }
}

fn tx(p: &str, d: Date, product: Product) -> Transfusion {
    Transfusion {
        patient: p.into(),
        date: d,
        product,
        origin: None,
    }
}

fn schedule(p: &str, start: Option<Date>, sc: &[Date]) -> Schedule {
    Schedule {
        patient: p.into(),
        window_start: start,
        stem_cells: sc.to_vec(),
    }
}

/// Term, measured days, days carried forward, first and last day.
type Grade4Row = (Term, usize, i64, Option<Date>, Option<Date>);
/// Test, date, value, unit, canonical value.
type NadirRow = (LabTest, Date, Exact, LabUnit, Exact);

fn worst(r: &mibg_toxicity::CohortReport, p: &str, term: Term) -> Option<(u8, Date)> {
    r.patients
        .iter()
        .find(|x| x.patient == p)?
        .worst
        .iter()
        .find(|w| w.term == term)
        .map(|w| (w.grade.get(), w.first_date))
}

// Window end = last stem cells + window_days, inclusive: 0 days ends it on
// the infusion day itself; a negative number of days is refused.
#[test]
fn a_window_of_0_days_ends_on_the_stem_cell_day_and_minus_1_is_refused() {
    let input = ToxicityInput {
        labs: vec![
            anc("A", date(2025, 1, 10), "0.8"), // on the end: grade 3
            anc("A", date(2025, 1, 11), "0.2"), // the day after: not counted
        ],
        schedules: vec![schedule("A", Some(date(2025, 1, 1)), &[date(2025, 1, 10)])],
        ..Default::default()
    };
    let o = |days: i64| Options {
        window_days: days,
        ..Options::default()
    };
    let r = analyse(&input, &o(0)).unwrap();
    assert_eq!(r.patients[0].window.end, date(2025, 1, 10));
    assert_eq!(
        worst(&r, "A", Term::NeutrophilCountDecreased),
        Some((3, date(2025, 1, 10)))
    );
    let e = analyse(&input, &o(-1)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "window: -1 days after stem cells is negative"
    );
}

#[test]
fn treatment_dates_without_records_are_warned_once_per_patient() {
    let input = ToxicityInput {
        labs: vec![anc("A", date(2025, 1, 5), "1.2")],
        schedules: vec![
            schedule("A", Some(date(2025, 1, 1)), &[date(2025, 1, 3)]),
            schedule("Z", Some(date(2025, 1, 1)), &[date(2025, 1, 3)]),
        ],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    assert_eq!(
        r.warnings,
        vec!["patient Z has treatment dates but no records: left out of the cohort".to_string()]
    );
    assert_eq!(r.patients.len(), 1);
}

// Two schedules of one patient: the same first-infusion date is one start
// (their stem-cell dates are merged); two different ones are an error.
#[test]
fn one_window_start_per_patient() {
    let mut input = ToxicityInput {
        labs: vec![anc("A", date(2025, 1, 5), "1.2")],
        schedules: vec![
            schedule("A", Some(date(2025, 1, 1)), &[date(2025, 1, 3)]),
            schedule("A", Some(date(2025, 1, 1)), &[date(2025, 2, 1)]),
        ],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    let p = &r.patients[0];
    assert_eq!(p.window.start, date(2025, 1, 1));
    // End = last stem cells 2025-02-01 + 60 days = 2025-04-02.
    assert_eq!(p.window.end, date(2025, 4, 2));
    // Two episodes: the first ends the day before the second infusion.
    let eps: Vec<(Date, Option<Date>)> = p
        .engraftment
        .iter()
        .map(|e| (e.stem_cells, e.until))
        .collect();
    assert_eq!(
        eps,
        vec![
            (date(2025, 1, 3), Some(date(2025, 1, 31))),
            (date(2025, 2, 1), None)
        ]
    );
    input.schedules[1].window_start = Some(date(2025, 1, 2));
    let e = analyse(&input, &Options::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "window: patient A: two window starts (2025-01-01 and 2025-01-02)"
    );
}

// Stem cells on the first-infusion day are allowed; the day before is not.
#[test]
fn stem_cells_before_the_window_start_are_an_error() {
    let mk = |sc: Date| ToxicityInput {
        labs: vec![anc("A", date(2025, 1, 6), "1.2")],
        schedules: vec![schedule("A", Some(date(2025, 1, 5)), &[sc])],
        ..Default::default()
    };
    assert!(analyse(&mk(date(2025, 1, 5)), &Options::default()).is_ok());
    let e = analyse(&mk(date(2025, 1, 4)), &Options::default()).unwrap_err();
    assert!(matches!(e, AnalysisError::Window(_)), "{e}");
    assert_eq!(
        e.to_string(),
        "window: patient A: stem-cell infusion 2025-01-04 is before the window start 2025-01-05"
    );
}

// The baseline is the last result on or before the given first-infusion
// date: one on the start day counts. ALT 80 U/L (ULN 40, abnormal: 2 × ULN),
// then 130 U/L: 130/80 = 1.625 × baseline is grade 1 (docs/reference/toxicity.md §4, abnormal baseline);
// against the ULN it would be 3.25 × ULN, grade 2. The ANC of the start day is
// no ALT baseline.
#[test]
fn a_result_on_the_window_start_day_is_the_baseline() {
    let input = ToxicityInput {
        labs: vec![
            alt("A", date(2025, 1, 4), "30"),
            alt("A", date(2025, 1, 5), "80"),
            anc("A", date(2025, 1, 5), "2.0"),
            alt("A", date(2025, 1, 10), "130"),
        ],
        schedules: vec![schedule("A", Some(date(2025, 1, 5)), &[date(2025, 1, 6)])],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    let p = &r.patients[0];
    assert_eq!(p.baselines.len(), 1);
    let b = &p.baselines[0];
    assert_eq!(
        (b.test, b.date, b.value, b.abnormal, b.rule),
        (
            LabTest::Alt,
            date(2025, 1, 5),
            Exact::int(80),
            Some(true),
            "last result on or before the window start"
        )
    );
    assert_eq!(
        worst(&r, "A", Term::AltIncreased),
        Some((1, date(2025, 1, 10)))
    );
    assert!(
        !p.warnings.iter().any(|w| w.contains("no baseline")),
        "{:?}",
        p.warnings
    );
    // Without a first-infusion date the start is the first record and only
    // flagged rows are baselines: none here, so ULN criteria and a warning.
    // 80 and 130 U/L are 2 and 3.25 × ULN: grade 1 and 2.
    let mut no_start = input.clone();
    no_start.schedules[0].window_start = None;
    let r = analyse(&no_start, &Options::default()).unwrap();
    let p = &r.patients[0];
    assert!(p.baselines.is_empty());
    assert_eq!(
        worst(&r, "A", Term::AltIncreased),
        Some((2, date(2025, 1, 10)))
    );
    assert_eq!(
        p.warnings
            .iter()
            .filter(|w| w.starts_with("no baseline"))
            .collect::<Vec<_>>(),
        vec!["no baseline alt: graded as if the baseline were normal (ULN criteria)"]
    );
}

// Counts have no baseline rule: no "no baseline" warning for them.
#[test]
fn counts_are_never_warned_for_a_missing_baseline() {
    let input = ToxicityInput {
        labs: vec![
            anc("A", date(2025, 1, 5), "0.8"),
            plt("A", date(2025, 1, 5), "60"),
        ],
        schedules: vec![schedule("A", Some(date(2025, 1, 1)), &[date(2025, 1, 3)])],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    assert!(
        !r.patients[0]
            .warnings
            .iter()
            .any(|w| w.contains("baseline")),
        "{:?}",
        r.patients[0].warnings
    );
}

// The worst grade is dated by the first day it was reached: a later value
// of the same grade does not move it, a worse one does.
#[test]
fn the_worst_grade_keeps_its_first_date() {
    let mut labs = vec![
        anc("A", date(2025, 1, 5), "0.8"), // grade 3
        anc("A", date(2025, 1, 7), "0.9"), // grade 3 again
    ];
    let mk = |labs: Vec<LabResult>| ToxicityInput {
        labs,
        schedules: vec![schedule("A", Some(date(2025, 1, 1)), &[date(2025, 1, 3)])],
        ..Default::default()
    };
    let r = analyse(&mk(labs.clone()), &Options::default()).unwrap();
    assert_eq!(
        worst(&r, "A", Term::NeutrophilCountDecreased),
        Some((3, date(2025, 1, 5)))
    );
    labs.push(anc("A", date(2025, 1, 9), "0.4")); // grade 4
    let r = analyse(&mk(labs), &Options::default()).unwrap();
    assert_eq!(
        worst(&r, "A", Term::NeutrophilCountDecreased),
        Some((4, date(2025, 1, 9)))
    );
}

// Grade-4 days, by hand. ANC: 01-05 0.2 (G4), 01-08 0.3 (G4), 01-10 0.7 and
// 0.4 (worst G4), 01-12 0.1 (G4), 01-14 0.7 (G3): 4 measured days; carried
// forward 3 + 2 + 2 + 2 = 9 days (01-14 is grade 3). Platelets: 01-06 20
// (G4) only, the last measurement: 1 day, carried 1.
#[test]
fn grade_4_days_measured_and_carried_forward() {
    let input = ToxicityInput {
        labs: vec![
            anc("A", date(2025, 1, 5), "0.2"),
            anc("A", date(2025, 1, 8), "0.3"),
            anc("A", date(2025, 1, 10), "0.7"),
            anc("A", date(2025, 1, 10), "0.4"),
            anc("A", date(2025, 1, 12), "0.1"),
            anc("A", date(2025, 1, 14), "0.7"),
            plt("A", date(2025, 1, 6), "20"),
        ],
        events: vec![event("A", date(2025, 1, 7), Term::MucositisOral, 4)],
        schedules: vec![schedule("A", Some(date(2025, 1, 1)), &[date(2025, 1, 3)])],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    let g: Vec<Grade4Row> = r.patients[0]
        .grade4_days
        .iter()
        .map(|g| (g.term, g.days, g.days_carried_forward, g.first, g.last))
        .collect();
    assert_eq!(
        g,
        vec![
            (
                Term::NeutrophilCountDecreased,
                4,
                9,
                Some(date(2025, 1, 5)),
                Some(date(2025, 1, 12))
            ),
            (
                Term::PlateletCountDecreased,
                1,
                1,
                Some(date(2025, 1, 6)),
                Some(date(2025, 1, 6))
            ),
        ]
    );
    // Only the ANC measured: one entry.
    let mut only_anc = input.clone();
    only_anc.labs.retain(|l| l.test == LabTest::Neutrophils);
    let r = analyse(&only_anc, &Options::default()).unwrap();
    assert_eq!(r.patients[0].grade4_days.len(), 1);
    assert_eq!(
        r.patients[0].grade4_days[0].term,
        Term::NeutrophilCountDecreased
    );
}

// Events outside the window are counted in a warning and not graded; with
// none outside there is no such warning.
#[test]
fn events_outside_the_window_are_counted() {
    // Start 2025-01-01, stem cells 2025-01-03: end 2025-03-04.
    let mut input = ToxicityInput {
        labs: vec![anc("A", date(2025, 1, 5), "1.2")],
        events: vec![
            event("A", date(2024, 12, 31), Term::Nausea, 3),
            event("A", date(2025, 1, 6), Term::Nausea, 1),
            event("A", date(2025, 3, 5), Term::Nausea, 2),
        ],
        schedules: vec![schedule("A", Some(date(2025, 1, 1)), &[date(2025, 1, 3)])],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    let p = &r.patients[0];
    assert_eq!(p.window.end, date(2025, 3, 4));
    assert_eq!(worst(&r, "A", Term::Nausea), Some((1, date(2025, 1, 6))));
    assert_eq!(
        p.warnings
            .iter()
            .filter(|w| w.contains("adverse event(s)"))
            .collect::<Vec<_>>(),
        vec!["2 adverse event(s) outside the window 2025-01-01 to 2025-03-04 not counted"]
    );
    input.events.retain(|e| e.date == date(2025, 1, 6));
    let r = analyse(&input, &Options::default()).unwrap();
    assert!(
        !r.patients[0]
            .warnings
            .iter()
            .any(|w| w.contains("adverse event(s)")),
        "{:?}",
        r.patients[0].warnings
    );
}

// A red-cell transfusion in the window is anaemia grade 3 ("transfusion
// indicated", docs/reference/toxicity.md §3); one outside the window, or a platelet transfusion, is not.
#[test]
fn only_red_cells_in_the_window_are_anaemia_grade_3() {
    let mut input = ToxicityInput {
        labs: vec![anc("A", date(2025, 1, 5), "1.2")],
        transfusions: vec![
            tx("A", date(2024, 12, 31), Product::RedCells),
            tx("A", date(2025, 1, 8), Product::Platelets),
        ],
        schedules: vec![schedule("A", Some(date(2025, 1, 1)), &[date(2025, 1, 3)])],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    assert_eq!(worst(&r, "A", Term::Anemia), None);
    input
        .transfusions
        .push(tx("A", date(2025, 1, 9), Product::RedCells));
    let r = analyse(&input, &Options::default()).unwrap();
    assert_eq!(worst(&r, "A", Term::Anemia), Some((3, date(2025, 1, 9))));
}

// The nadir is the lowest value of the test in the window, flagged baseline
// rows and values outside the window excepted, compared in the canonical
// unit (1000/mm³ = 1.0 × 10⁹/L, docs/reference/toxicity.md §3).
#[test]
fn the_nadir_leaves_out_baselines_and_values_outside_the_window() {
    let mut flagged = anc("A", date(2025, 1, 2), "0.05");
    flagged.baseline = true;
    let input = ToxicityInput {
        labs: vec![
            anc("A", date(2024, 12, 31), "0.01"),
            flagged,
            lab(
                "A",
                date(2025, 1, 5),
                LabTest::Neutrophils,
                "300",
                LabUnit::PerMicrolitre,
                Some("1500"),
                None,
            ),
            anc("A", date(2025, 1, 6), "0.4"),
            plt("A", date(2025, 1, 5), "0.1"),
        ],
        schedules: vec![schedule("A", Some(date(2025, 1, 1)), &[date(2025, 1, 3)])],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    let n: Vec<NadirRow> = r.patients[0]
        .nadirs
        .iter()
        .map(|n| (n.test, n.date, n.value, n.unit, n.canonical_value))
        .collect();
    assert_eq!(
        n,
        vec![
            (
                LabTest::Neutrophils,
                date(2025, 1, 5),
                Exact::int(300),
                LabUnit::PerMicrolitre,
                Exact::ratio(3, 10)
            ),
            (
                LabTest::Platelets,
                date(2025, 1, 5),
                Exact::ratio(1, 10),
                LabUnit::GigaPerLitre,
                Exact::ratio(1, 10)
            ),
        ]
    );
}

// The febrile-neutropenia check (ANC < 1.0 × 10⁹/L, docs/reference/toxicity.md §3) reads only the ANC
// values of the event's own day that are not baselines; without one there is
// nothing to contradict the event.
#[test]
fn febrile_neutropenia_is_checked_against_that_days_anc_only() {
    let warned = |labs: Vec<LabResult>, term: Term| {
        let input = ToxicityInput {
            labs,
            events: vec![event("A", date(2025, 1, 5), term, 3)],
            schedules: vec![schedule("A", Some(date(2025, 1, 1)), &[date(2025, 1, 3)])],
            ..Default::default()
        };
        analyse(&input, &Options::default()).unwrap().patients[0]
            .warnings
            .iter()
            .any(|w| w.starts_with("febrile neutropenia on"))
    };
    let fn_ = Term::FebrileNeutropenia;
    // An ANC of 1.2 the day before, none that day: no warning.
    assert!(!warned(vec![anc("A", date(2025, 1, 4), "1.2")], fn_));
    // Platelets 150 that day are no ANC.
    assert!(!warned(
        vec![
            anc("A", date(2025, 1, 4), "0.2"),
            plt("A", date(2025, 1, 5), "150")
        ],
        fn_
    ));
    // A flagged baseline ANC that day is no measurement of the episode.
    let mut b = anc("A", date(2025, 1, 5), "2.0");
    b.baseline = true;
    assert!(!warned(vec![b, anc("A", date(2025, 1, 6), "0.2")], fn_));
    // Two ANC that day, one below 1.0: consistent.
    assert!(!warned(
        vec![
            anc("A", date(2025, 1, 5), "1.2"),
            anc("A", date(2025, 1, 5), "0.8")
        ],
        fn_
    ));
    // Both >= 1.0: the warning, and only for febrile neutropenia.
    let both = || {
        vec![
            anc("A", date(2025, 1, 5), "1.2"),
            anc("A", date(2025, 1, 5), "1.0"),
        ]
    };
    assert!(warned(both(), fn_));
    assert!(!warned(both(), Term::Sepsis));
}

// Cohort rows count patients by worst grade 1-2, 3, 4, 5; event terms use
// every patient as the denominator. By hand: nausea worst grades 1 (A), 2 (B),
// 3 (C) of 4 patients: 2 (50 %), 1 (25 %); sepsis 4 (B), 5 (C): 1 (25 %) each.
#[test]
fn cohort_rows_by_worst_grade() {
    let s = |p: &str| schedule(p, Some(date(2025, 1, 1)), &[date(2025, 1, 3)]);
    let input = ToxicityInput {
        labs: ["A", "B", "C", "D"]
            .iter()
            .map(|p| anc(p, date(2025, 1, 5), "2.0"))
            .collect(),
        events: vec![
            event("A", date(2025, 1, 6), Term::Nausea, 1),
            event("B", date(2025, 1, 6), Term::Nausea, 2),
            event("C", date(2025, 1, 6), Term::Nausea, 3),
            event("B", date(2025, 1, 7), Term::Sepsis, 4),
            event("C", date(2025, 1, 7), Term::Sepsis, 5),
        ],
        schedules: vec![s("A"), s("B"), s("C"), s("D")],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    let row = |t: Term| r.cohort.iter().find(|x| x.term == t).unwrap().clone();
    let n = row(Term::Nausea);
    assert_eq!(
        (n.denominator, n.grade_1_2, n.grade_3, n.grade_4, n.grade_5),
        (4, 2, 1, 0, 0)
    );
    assert_eq!(n.percent, [50.0, 25.0, 0.0, 0.0]);
    let s = row(Term::Sepsis);
    assert_eq!(
        (s.denominator, s.grade_1_2, s.grade_3, s.grade_4, s.grade_5),
        (4, 0, 0, 1, 1)
    );
    assert_eq!(s.percent, [0.0, 0.0, 25.0, 25.0]);
}

// A denominator of 0 gives 0 %, not a division by zero.
#[test]
fn a_percentage_of_an_empty_denominator_is_0() {
    let row = CohortRow {
        term: Term::Nausea,
        denominator: 0,
        denominator_rule: "all patients (no event recorded = grade 0)",
        grade_1_2: 0,
        grade_3: 0,
        grade_4: 0,
        grade_5: 0,
        percent: [0.0; 4],
    };
    assert_eq!(row.percent(0), 0.0);
    let row = CohortRow {
        denominator: 8,
        ..row
    };
    // 3 of 8 = 37.5 % exactly.
    assert_eq!(row.percent(3), 37.5);
}

// The neutrophil recovery of an episode reads the ANC values only (not the
// platelets, not a flagged baseline). CIBMTR (docs/reference/toxicity.md §8.1):
// the first of three consecutive values >= 0.5 × 10⁹/L after the nadir. Stem
// cells 2025-01-03; ANC 0.1 on day +2 (the nadir), then 0.6, 0.7, 0.8 on days
// +7, +8, +9: recovery day +7 (2025-01-10). The platelets of 30 × 10⁹/L on
// days +4 to +6 and a flagged baseline ANC of 4.0 on day +3 are not ANC
// values of the episode: read as ANC they would date it day +3 or +4.
#[test]
fn neutrophil_recovery_reads_only_the_anc_values() {
    use mibg_toxicity::engraftment::Recovery;
    let mut b = anc("A", date(2025, 1, 6), "4.0");
    b.baseline = true;
    let input = ToxicityInput {
        labs: vec![
            anc("A", date(2025, 1, 5), "0.1"),
            b,
            plt("A", date(2025, 1, 7), "30"),
            plt("A", date(2025, 1, 8), "30"),
            plt("A", date(2025, 1, 9), "30"),
            anc("A", date(2025, 1, 10), "0.6"),
            anc("A", date(2025, 1, 11), "0.7"),
            anc("A", date(2025, 1, 12), "0.8"),
        ],
        schedules: vec![schedule("A", Some(date(2025, 1, 1)), &[date(2025, 1, 3)])],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    assert_eq!(
        r.patients[0].engraftment[0].neutrophils,
        Recovery::Recovered {
            date: date(2025, 1, 10),
            day: 7
        }
    );
}

/// The episodes' series leave out every count flagged as baseline (a
/// reference, not a post-return value), neutrophils and platelets alike,
/// and read no other test. Platelets 25, 30, 40 after the return never
/// fall below 20 x10^9/L and no platelets were transfused: recovery does
/// not apply (engraftment module, step 4). A value of 10 flagged as
/// baseline on day +10, if it were read, would be a nadir after them with
/// no value left to recover on: censored on day +10.
#[test]
fn engraftment_episodes_leave_out_flagged_counts_and_other_tests() {
    use mibg_toxicity::engraftment::Recovery;
    let sc = date(2020, 1, 10);
    let mut flagged = plt("P", date(2020, 1, 20), "10");
    flagged.baseline = true;
    let mut labs = vec![
        plt("P", date(2020, 1, 13), "25"),
        plt("P", date(2020, 1, 14), "30"),
        plt("P", date(2020, 1, 15), "40"),
        flagged,
    ];
    let options = Options::default();
    let episodes = |labs: &[LabResult]| {
        mibg_toxicity::analysis::engraftment_episodes(labs, &[sc], &[], &options.engraftment)
            .unwrap()
    };
    let e = episodes(&labs);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].platelets, Recovery::NotApplicable);
    assert_eq!(e[0].neutrophils, Recovery::NoData);
    // Unflagged, the 10 is read: censored at the last value, day +10.
    labs[3].baseline = false;
    assert_eq!(
        episodes(&labs)[0].platelets,
        Recovery::Censored {
            last_date: date(2020, 1, 20),
            last_day: 10
        }
    );
    // An ALT of any value is no count: nothing to read.
    let alt_only = [alt("P", date(2020, 1, 13), "400")];
    assert_eq!(episodes(&alt_only)[0].platelets, Recovery::NoData);
    assert_eq!(episodes(&alt_only)[0].neutrophils, Recovery::NoData);
}
