//! The per-patient and cohort analysis through the Rust API (records built in
//! code, as the study pipeline will), and the CSV parsers from text.

use jiff::civil::{Date, date};
use mibg_csv::Location;
use mibg_toxicity::analysis::{AnalysisError, GradeSource};
use mibg_toxicity::csv_input::{CsvError, parse_events, parse_labs, parse_transfusions};
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

fn schedule(p: &str, start: Date, sc: &[Date]) -> Schedule {
    Schedule {
        patient: p.into(),
        window_start: Some(start),
        stem_cells: sc.to_vec(),
    }
}

fn worst(r: &mibg_toxicity::CohortReport, p: &str, term: Term) -> Option<u8> {
    r.patients
        .iter()
        .find(|x| x.patient == p)?
        .worst
        .iter()
        .find(|w| w.term == term)
        .map(|w| w.grade.get())
}

#[test]
fn window_edges_are_inclusive_and_default_to_day_60() {
    // Start 2025-01-01, stem cells 2025-01-20 → end = 2025-01-20 + 60 d = 2025-03-21.
    let input = ToxicityInput {
        labs: vec![
            anc("A", date(2024, 12, 31), "0.1"), // before the start: not counted
            anc("A", date(2025, 1, 1), "1.2"),   // on the start: grade 2
            anc("A", date(2025, 3, 21), "0.8"),  // on the end: grade 3
            anc("A", date(2025, 3, 22), "0.2"),  // after the end: not counted
        ],
        schedules: vec![schedule("A", date(2025, 1, 1), &[date(2025, 1, 20)])],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    let p = &r.patients[0];
    assert_eq!(p.window.end, date(2025, 3, 21));
    assert_eq!(worst(&r, "A", Term::NeutrophilCountDecreased), Some(3));
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("2 laboratory result(s) outside the window"))
    );
    // Window of 59 days: the grade-3 value drops out.
    let o = Options {
        window_days: 59,
        ..Options::default()
    };
    let r = analyse(&input, &o).unwrap();
    assert_eq!(worst(&r, "A", Term::NeutrophilCountDecreased), Some(2));
}

#[test]
fn nadir_and_grade4_days() {
    let input = ToxicityInput {
        labs: vec![
            anc("A", date(2025, 1, 5), "0.4"),
            anc("A", date(2025, 1, 6), "0.0"),
            anc("A", date(2025, 1, 6), "0.1"), // same day: one grade-4 day
            anc("A", date(2025, 1, 8), "0.0"), // first date of the minimum stays 01-06
            anc("A", date(2025, 1, 12), "0.7"),
        ],
        schedules: vec![schedule("A", date(2025, 1, 1), &[date(2025, 1, 3)])],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    let p = &r.patients[0];
    assert_eq!(p.nadirs[0].date, date(2025, 1, 6));
    assert_eq!(p.nadirs[0].value, Exact::ZERO);
    let g4 = p
        .grade4_days
        .iter()
        .find(|g| g.term == Term::NeutrophilCountDecreased)
        .unwrap();
    assert_eq!(
        (g4.days, g4.first, g4.last),
        (3, Some(date(2025, 1, 5)), Some(date(2025, 1, 8)))
    );
}

#[test]
fn red_cell_transfusion_is_anaemia_grade_3_unless_switched_off() {
    let input = ToxicityInput {
        labs: vec![lab(
            "A",
            date(2025, 1, 5),
            LabTest::Haemoglobin,
            "9.5",
            LabUnit::GramPerDecilitre,
            Some("11"),
            None,
        )],
        transfusions: vec![Transfusion {
            patient: "A".into(),
            date: date(2025, 1, 6),
            product: Product::RedCells,
            origin: None,
        }],
        schedules: vec![schedule("A", date(2025, 1, 1), &[date(2025, 1, 3)])],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    assert_eq!(worst(&r, "A", Term::Anemia), Some(3));
    let g = r.patients[0]
        .graded
        .iter()
        .find(|g| g.grade == Grade::G3)
        .unwrap();
    assert_eq!(g.source, GradeSource::RedCellTransfusion);
    assert_eq!(g.ctcae_version, CtcaeVersion::V5_0);
    let o = Options {
        anemia_from_transfusions: false,
        ..Options::default()
    };
    assert_eq!(
        worst(&analyse(&input, &o).unwrap(), "A", Term::Anemia),
        Some(2)
    );
}

#[test]
fn baseline_is_the_flagged_result_or_the_last_before_the_start() {
    let alt = |d: Date, v: &str| {
        lab(
            "A",
            d,
            LabTest::Alt,
            v,
            LabUnit::UnitPerLitre,
            None,
            Some("40"),
        )
    };
    let mut input = ToxicityInput {
        labs: vec![
            alt(date(2024, 12, 1), "30"),
            alt(date(2024, 12, 20), "80"),
            alt(date(2025, 1, 10), "232"),
        ],
        schedules: vec![schedule("A", date(2025, 1, 1), &[date(2025, 1, 3)])],
        ..Default::default()
    };
    // Last before the start is 80 (2×ULN, abnormal): 232 = 2.9×baseline → grade 1 (docs/reference/toxicity.md §4).
    let r = analyse(&input, &Options::default()).unwrap();
    assert_eq!(worst(&r, "A", Term::AltIncreased), Some(1));
    assert_eq!(r.patients[0].baselines[0].abnormal, Some(true));
    // Flag the normal 30 as the baseline: 232 > 5×ULN → grade 3.
    input.labs[0].baseline = true;
    let r = analyse(&input, &Options::default()).unwrap();
    assert_eq!(worst(&r, "A", Term::AltIncreased), Some(3));
    assert_eq!(r.patients[0].baselines[0].rule, "flagged baseline");
    // Without any baseline: ULN criteria and a warning.
    input.labs.remove(0);
    input.labs.remove(0);
    let r = analyse(&input, &Options::default()).unwrap();
    assert_eq!(worst(&r, "A", Term::AltIncreased), Some(3));
    assert!(
        r.patients[0]
            .warnings
            .iter()
            .any(|w| w.contains("no baseline alt"))
    );
}

#[test]
fn cohort_table_counts_and_denominators() {
    // Three patients; mucositis grade 3 in A, 4 in B, none in C (denominator 3).
    // ANC measured in A and B only (denominator 2): A grade 4, B grade 2.
    let s = |p: &str| schedule(p, date(2025, 1, 1), &[date(2025, 1, 3)]);
    let input = ToxicityInput {
        labs: vec![
            anc("A", date(2025, 1, 5), "0.2"),
            anc("B", date(2025, 1, 5), "1.2"),
            lab(
                "C",
                date(2025, 1, 5),
                LabTest::Alt,
                "20",
                LabUnit::UnitPerLitre,
                None,
                Some("40"),
            ),
        ],
        events: vec![
            event("A", date(2025, 1, 6), Term::MucositisOral, 3),
            event("B", date(2025, 1, 6), Term::MucositisOral, 2),
            event("B", date(2025, 1, 7), Term::MucositisOral, 4),
        ],
        schedules: vec![s("A"), s("B"), s("C")],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    let row = |t: Term| r.cohort.iter().find(|x| x.term == t).unwrap();
    let m = row(Term::MucositisOral);
    assert_eq!(
        (m.denominator, m.grade_1_2, m.grade_3, m.grade_4, m.grade_5),
        (3, 0, 1, 1, 0)
    );
    assert!((m.percent(m.grade_3) - 100.0 / 3.0).abs() < 1e-12);
    let n = row(Term::NeutrophilCountDecreased);
    assert_eq!((n.denominator, n.grade_1_2, n.grade_4), (2, 1, 1));
    let a = row(Term::AltIncreased);
    assert_eq!(
        (a.denominator, a.grade_1_2),
        (1, 0),
        "grade 0 counts in the denominator only"
    );
}

#[test]
fn api_callers_get_the_same_event_validation() {
    let base = ToxicityInput {
        labs: vec![anc("A", date(2025, 1, 5), "1.0")],
        ..Default::default()
    };
    let mut input = base.clone();
    input.events = vec![event("A", date(2025, 1, 5), Term::FebrileNeutropenia, 2)];
    let e = analyse(&input, &Options::default()).unwrap_err();
    assert!(matches!(e, AnalysisError::GradeNotAllowed { .. }), "{e}");
    assert!(e.to_string().contains("allowed: 3, 4, 5"));
    // The record it names, as fields (no origin: built in Rust, not read).
    let at = e.at().expect("an event");
    assert_eq!(
        (at.patient.as_str(), at.date, at.origin.as_ref()),
        ("A", date(2025, 1, 5), None)
    );
    assert_eq!(at.what, Term::FebrileNeutropenia.code());
    // Read from a file, the origin carries file and line.
    input.events[0].origin = Some(mibg_toxicity::records::Origin {
        source: "events.csv".into(),
        row: 7,
    });
    let e = analyse(&input, &Options::default()).unwrap_err();
    let o = e.at().and_then(|a| a.origin.clone()).expect("origin");
    assert_eq!((&*o.source, o.row), ("events.csv", 7));
    assert!(e.to_string().starts_with("events.csv line 7: "), "{e}");
    assert!(AnalysisError::Empty.at().is_none());
    input.events = vec![event(
        "A",
        date(2025, 1, 5),
        Term::PlateletCountDecreased,
        4,
    )];
    assert!(matches!(
        analyse(&input, &Options::default()),
        Err(AnalysisError::NotAnEventTerm { .. })
    ));
    // A value the grader cannot grade is an error naming patient, date and test.
    let mut input = base;
    input.labs[0].lln = None;
    let e = analyse(&input, &Options::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "patient A, 2025-01-05, neutrophils: neutrophils needs the lower limit of normal (lln) of its reference range for grade 1"
    );
    assert!(matches!(
        analyse(&ToxicityInput::default(), &Options::default()),
        Err(AnalysisError::Empty)
    ));
    // Treatment dates without records: left out, with a cohort warning.
    let input = ToxicityInput {
        labs: vec![anc("A", date(2025, 1, 5), "1.0")],
        schedules: vec![schedule("Z", date(2025, 1, 1), &[])],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    assert_eq!(r.patients.len(), 1);
    assert!(r.warnings[0].contains("patient Z"));
}

#[test]
fn csv_parsers_read_several_patients_and_label_rows() {
    let labs = parse_labs(
        "Patient,Date,Test,Value,Unit,LLN,ULN,Baseline\n\
         A,2025-01-05,ANC,1500,cells/µL,1800,,\n\
         \n\
         B,2025-01-06,creatinine,0.61,mg/dL,,0.6,yes\n",
        "labs.csv",
    )
    .unwrap();
    assert_eq!(labs.len(), 2);
    assert_eq!(labs[0].unit, LabUnit::PerMicrolitre);
    assert_eq!(&*labs[1].patient, "B");
    assert!(labs[1].baseline);
    assert_eq!(
        labs[1].origin.as_ref().unwrap().to_string(),
        "labs.csv line 4"
    );
    let ev = parse_events(
        "patient,date,term,grade\nA,2025-01-05,mucositis,4\n",
        "ev.csv",
    )
    .unwrap();
    assert_eq!(ev[0].term, Term::MucositisOral);
    let tx = parse_transfusions("patient,date,product\nA,2025-01-05,PRBC\n", "tx.csv").unwrap();
    assert_eq!(tx[0].product, Product::RedCells);
    // Errors carry file, line and column as data, not only as text.
    match parse_events(
        "patient,date,term,grade\nA,2025-01-05,febrile neutropenia,1\n",
        "ev.csv",
    ) {
        Err(e @ CsvError::Field { .. }) => {
            assert_eq!(e.location(), &Location::cell("ev.csv", 2, "grade"));
        }
        other => panic!("{other:?}"),
    }
    // Datetimes are not dates.
    assert!(
        parse_transfusions(
            "patient,date,product\nA,2025-01-05T10:00,platelets\n",
            "tx.csv"
        )
        .is_err()
    );
}

#[test]
fn febrile_neutropenia_with_a_normal_anc_that_day_is_warned() {
    // CTCAE v5 febrile neutropenia: ANC < 1000/mm3 with fever. ANC 1.0 on the
    // same day (not < 1.0) → a warning; ANC 0.99 → none.
    let mk = |v: &str| ToxicityInput {
        labs: vec![anc("A", date(2025, 1, 5), v)],
        events: vec![event("A", date(2025, 1, 5), Term::FebrileNeutropenia, 3)],
        schedules: vec![schedule("A", date(2025, 1, 1), &[date(2025, 1, 3)])],
        ..Default::default()
    };
    let warned = |v: &str| {
        analyse(&mk(v), &Options::default()).unwrap().patients[0]
            .warnings
            .iter()
            .any(|w| w.contains("febrile neutropenia on 2025-01-05"))
    };
    assert!(warned("1.0"));
    assert!(!warned("0.99"));
}

#[test]
fn a_window_beyond_the_calendar_is_an_error_not_a_panic() {
    // jiff's Span::days panics beyond ±7 304 484 days; the analysis must
    // report the window as invalid instead (review: `--window-days 99999999`
    // crashed the CLI).
    let input = ToxicityInput {
        labs: vec![anc("A", date(2025, 1, 5), "0.4")],
        schedules: vec![schedule("A", date(2025, 1, 1), &[date(2025, 1, 2)])],
        ..Default::default()
    };
    for days in [99_999_999, i64::MAX] {
        let o = Options {
            window_days: days,
            ..Options::default()
        };
        match analyse(&input, &o) {
            Err(AnalysisError::Window(m)) => assert!(m.contains("2025-01-02"), "{m}"),
            other => panic!("{days}: {other:?}"),
        }
    }
}

#[test]
fn repeated_identical_rows_are_warned() {
    // Review: a lab or event row entered twice was accepted silently. The
    // grades do not change (worst grade, nadir, distinct grade-4 days), but a
    // double entry is a data problem the user must see. Two different values
    // on one day (a repeat draw) are normal and not warned.
    let labs = parse_labs(
        "patient,date,test,value,unit,lln,uln\n\
         A,2025-01-05,anc,0.4,10^9/L,1.5,\n\
         A,2025-01-05,anc,0.40,10^9/L,1.5,\n\
         A,2025-01-06,anc,0.3,10^9/L,1.5,\n\
         A,2025-01-06,anc,0.2,10^9/L,1.5,\n",
        "labs.csv",
    )
    .unwrap();
    let events = parse_events(
        "patient,date,term,grade\nA,2025-01-07,Mucositis oral,3\nA,2025-01-07,mucositis_oral,3\n",
        "events.csv",
    )
    .unwrap();
    let input = ToxicityInput {
        labs,
        events,
        schedules: vec![schedule("A", date(2025, 1, 1), &[date(2025, 1, 3)])],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    let w = &r.patients[0].warnings;
    assert!(
        w.iter().any(|w| w
            == "labs.csv line 3 repeats labs.csv line 2 (same date, test, value and unit): check for a double entry"),
        "{w:?}"
    );
    assert!(
        w.iter().any(|w| w
            == "events.csv line 3 repeats events.csv line 2 (same date, term and grade): check for a double entry"),
        "{w:?}"
    );
    assert_eq!(
        w.iter().filter(|w| w.contains("repeats")).count(),
        2,
        "{w:?}"
    );
    // Grades are unaffected: ANC 0.2 is grade 4, counted once per day.
    assert_eq!(worst(&r, "A", Term::NeutrophilCountDecreased), Some(4));
    assert_eq!(r.patients[0].grade4_days[0].days, 2);
}

#[test]
fn reference_limits_in_another_unit_are_errors() {
    // Review: grades 2-4 of counts are absolute thresholds in the row's unit,
    // so a wrong unit misgrades silently: ANC "1.2" and LLN "1.5" labelled
    // /mm3 (meant ×10^9/L) graded 1.2 cells/µL as grade 4 instead of grade 2.
    // The reference limits of a test lie in a narrow physiological range, so
    // a limit outside it (here 1.5/mm3 = 0.0015 ×10^9/L) betrays the unit.
    let h = "patient,date,test,value,unit,lln,uln\n";
    let e = |row: &str| {
        parse_labs(&format!("{h}{row}\n"), "labs.csv")
            .unwrap_err()
            .to_string()
    };
    let m = e("A,2025-01-05,anc,1.2,/mm3,1.5,8");
    assert!(
        m.starts_with("labs.csv line 2, column 'lln': 1.5 /mm3 is implausible for a neutrophils reference limit (expected 100 to 10000 /mm3): check the unit"),
        "{m}"
    );
    // Platelet LLN 150 labelled /mm3 (meant ×10^9/L).
    let m = e("A,2025-01-05,plt,20,/mm3,150,450");
    assert!(
        m.contains("column 'lln'") && m.contains("check the unit"),
        "{m}"
    );
    // ALT ULN 40 labelled µkat/L (= 2400 U/L, meant U/L) is accepted up to
    // 3000 U/L; 0.7 labelled U/L (meant µkat/L) is not.
    let m = e("A,2025-01-05,alt,1.2,U/L,,0.7");
    assert!(
        m.contains("column 'uln'") && m.contains("expected 3 to 3000 U/L"),
        "{m}"
    );
    // Creatinine ULN 53 labelled mg/dL (= 4685 µmol/L).
    let m = e("A,2025-01-05,creatinine,48,mg/dL,,53");
    assert!(
        m.contains("column 'uln'") && m.contains("check the unit"),
        "{m}"
    );
    // Haemoglobin 7.8 labelled g/L (meant g/dL): below 10 g/L no patient
    // lives; the value itself is checked, in the row's unit.
    let m = e("A,2025-01-05,hb,7.8,g/L,11.5,15.5");
    assert!(m.contains("column 'lln'"), "{m}");
    let m = e("A,2025-01-05,hb,7.8,g/L,115,155");
    assert!(
        m.starts_with("labs.csv line 2, column 'value': 7.8 g/L is implausible for haemoglobin (expected 10 to 300 g/L): check the unit"),
        "{m}"
    );
    let m = e("A,2025-01-05,hb,95,g/dL,11.5,15.5");
    assert!(
        m.contains("column 'value'") && m.contains("expected 1 to 30 g/dL"),
        "{m}"
    );
    // Plausible rows in every unit pass.
    for row in [
        "A,2025-01-05,anc,1.2,10^9/L,1.5,8",
        "A,2025-01-05,anc,1200,/mm3,1500,8000",
        "A,2025-01-05,plt,20000,/mm3,150000,450000",
        "A,2025-01-05,hb,4.9,mmol/L,7.1,9.6",
        "A,2025-01-05,hb,78,g/L,115,155",
        "A,2025-01-05,alt,1.2,ukat/L,,0.7",
        "A,2025-01-05,bilirubin,2,mg/dL,,1.2",
        "A,2025-01-05,creatinine,0.9,mg/dL,,0.7",
        "A,2025-01-05,anc,0,10^9/L,0.5,8",
    ] {
        assert!(
            parse_labs(&format!("{h}{row}\n"), "labs.csv").is_ok(),
            "{row}"
        );
    }
}

#[test]
fn a_result_is_never_graded_against_itself_as_baseline() {
    let alt = |d: Date, v: &str| {
        lab(
            "A",
            d,
            LabTest::Alt,
            v,
            LabUnit::UnitPerLitre,
            None,
            Some("40"),
        )
    };
    // Review (differential check against an independent grader): without a
    // first-infusion date the window starts at the first record, and an ALT of
    // 1000 U/L (25×ULN) on that day became its own "abnormal baseline", so it
    // was graded 0 (1.0×baseline) instead of 4 (>20×ULN, CTCAE v5; docs/reference/toxicity.md §4), and
    // later values were graded against it. Without a first-infusion date no
    // result can be known to be pre-treatment: only flagged rows are baselines.
    let input = ToxicityInput {
        labs: vec![
            alt(date(2025, 1, 10), "1000"),
            alt(date(2025, 1, 12), "500"),
        ],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    assert_eq!(worst(&r, "A", Term::AltIncreased), Some(4));
    assert!(r.patients[0].baselines.is_empty());
    assert!(
        r.patients[0]
            .warnings
            .iter()
            .any(|w| w.contains("only rows flagged as baseline are baselines")),
        "{:?}",
        r.patients[0].warnings
    );
    // With a first-infusion date, the result of that day is the baseline: a
    // reference (like a flagged row), not a post-baseline toxicity value.
    // Creatinine 64 µmol/L (ULN 53: 1.21×ULN) on day 0 would otherwise be a
    // grade 1 "toxicity" (>ULN–1.5×ULN) before any treatment; the later 50 is
    // grade 0 (≤ ULN, ≤ 1.5×64).
    let cr = |d: Date, v: &str| {
        lab(
            "B",
            d,
            LabTest::Creatinine,
            v,
            LabUnit::MicromolPerLitre,
            None,
            Some("53"),
        )
    };
    let input = ToxicityInput {
        labs: vec![cr(date(2025, 1, 1), "64"), cr(date(2025, 1, 20), "50")],
        schedules: vec![schedule("B", date(2025, 1, 1), &[date(2025, 1, 15)])],
        ..Default::default()
    };
    let r = analyse(&input, &Options::default()).unwrap();
    let p = &r.patients[0];
    assert_eq!(p.baselines[0].date, date(2025, 1, 1));
    assert_eq!(worst(&r, "B", Term::CreatinineIncreased), Some(0));
    assert_eq!(p.graded.len(), 1, "{:?}", p.graded);
    assert!(!p.warnings.iter().any(|w| w.contains("outside the window")));
}

#[test]
fn comment_lines_are_skipped_and_rows_stay_physical_lines() {
    // Line 1 comment, line 2 header, line 3 blank, line 4 data, line 5
    // comment, line 6 data (CRLF endings from line 4 on).
    let text = "# SYNTHETIC data: not patients\npatient,date,test,value,unit,lln,uln\n\nA,2025-01-05,anc,0.4,10^9/L,1.5,\r\n# a second label\r\nA,2025-01-06,anc,0.3,10^9/L,1.5,\r\n";
    let labs = parse_labs(text, "labs.csv").unwrap();
    assert_eq!(labs.len(), 2);
    let rows: Vec<String> = labs
        .iter()
        .map(|r| r.origin.as_ref().unwrap().to_string())
        .collect();
    assert_eq!(rows, ["labs.csv line 4", "labs.csv line 6"]);
    // Errors name the physical line too: line 5 after two comment lines.
    let e = parse_events(
        "# label\n#another\npatient,date,term,grade\nA,2025-01-05,mucositis,3\nA,2025-01-05,febrile neutropenia,1\n",
        "ev.csv",
    )
    .unwrap_err();
    assert_eq!(e.location(), &Location::cell("ev.csv", 5, "grade"));
    // A row with a missing cell after a comment: line 4.
    let e = parse_transfusions(
        "patient,date,product\n# label\nA,2025-01-05,PRBC\nA,2025-01-06\n",
        "tx.csv",
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "tx.csv line 4: 2 cells where the header has 3"
    );
    // Header errors name the header's line (3 here), not line 1.
    let e = parse_transfusions("# a\n# b\npatient,date\nA,2025-01-05\n", "tx.csv").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("tx.csv line 3, column 'product': required column 'product' is missing"),
        "{e}"
    );
    // Without comments the header is line 1.
    let e = parse_transfusions("patient,date,product,dose\n", "tx.csv").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("tx.csv line 1, column 'dose': unknown column 'dose'"),
        "{e}"
    );
    assert_eq!(
        e.detail(),
        e.to_string()["tx.csv line 1, column 'dose': ".len()..]
    );
}

/// Issue 9: the same CSV rules as every table — misspelt and duplicated
/// columns, spreadsheet exports, long values, `notes`.
#[test]
fn toxicity_tables_follow_the_csv_rules() {
    let h = "patient,date,test,value,unit,lln,uln";
    let e = parse_labs(
        &format!("{h},baseine\nA,2025-01-05,anc,1,10^9/L,1.5,,yes\n"),
        "labs.csv",
    )
    .unwrap_err();
    assert!(e.to_string().contains("did you mean 'baseline'?"), "{e}");
    let e = parse_labs(
        &format!("{h},value\nA,2025-01-05,anc,1,10^9/L,1.5,,2\n"),
        "labs.csv",
    )
    .unwrap_err();
    assert!(e.to_string().contains("appears twice"), "{e}");
    let e = parse_labs(
        "patient;date;test;value;unit;lln;uln\nA;2025-01-05;anc;0,4;10^9/L;1,5;\n",
        "labs.csv",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("separated by ';' and numbers have decimal commas ('0,4')"),
        "{e}"
    );
    let e = parse_labs(
        &format!("{h}\nA,2025-01-05,anc,\"0,4\",10^9/L,1.5,\n"),
        "labs.csv",
    )
    .unwrap_err();
    assert!(e.to_string().contains("'0,4' has a comma"), "{e}");
    let long = "x".repeat(100_000);
    let e = parse_labs(
        &format!("{h}\nA,2025-01-05,{long},1,10^9/L,1.5,\n"),
        "labs.csv",
    )
    .unwrap_err();
    assert!(e.to_string().len() < 400, "{} bytes", e.to_string().len());
    assert!(e.to_string().contains("(100000 characters)"), "{e}");
    let e = parse_labs(
        &format!("{h}\nA,2025-01-05,anc,{long},10^9/L,1.5,\n"),
        "labs.csv",
    )
    .unwrap_err();
    assert!(e.to_string().len() < 400, "{} bytes", e.to_string().len());
    let ok = parse_transfusions(
        "\u{feff}Patient , DATE,product,notes\r\nA,2025-01-05,platelets,\"two\nlines\"\r\nA,2025-01-06,rbc,\r\n",
        "tx.csv",
    )
    .unwrap();
    assert_eq!(ok[1].origin.as_ref().unwrap().row, 4);
}

#[test]
fn a_multi_patient_analysis_equals_the_per_patient_analyses() {
    // Records of three patients interleaved in the input (as in a study
    // file sorted by date): grouping by patient must not change any
    // patient's report, its warnings or the order of its records.
    let d = |day| date(2025, 1, day);
    let mut labs = Vec::new();
    let mut events = Vec::new();
    let mut transfusions = Vec::new();
    for day in 4..=20 {
        for (p, base) in [("A", 0.2), ("B", 0.9), ("C", 1.6)] {
            let v = format!("{:.2}", base + 0.05 * f64::from(day % 5));
            labs.push(anc(p, d(day), &v));
        }
    }
    labs.push(anc("B", d(10), "0.90")); // B's double entry: warned in B only
    events.push(event("A", d(8), Term::MucositisOral, 3));
    events.push(event("C", d(9), Term::MucositisOral, 2));
    events.push(event("A", d(8), Term::MucositisOral, 3));
    for p in ["C", "A"] {
        transfusions.push(Transfusion {
            patient: p.into(),
            date: d(10),
            product: Product::RedCells,
            origin: None,
        });
    }
    let schedules: Vec<Schedule> = ["A", "B", "C"]
        .iter()
        .map(|p| schedule(p, d(1), &[d(3)]))
        .collect();
    let all = ToxicityInput {
        labs: labs.clone(),
        events: events.clone(),
        transfusions: transfusions.clone(),
        schedules: schedules.clone(),
    };
    let opts = Options::default();
    let whole = analyse(&all, &opts).unwrap();
    assert_eq!(
        whole
            .patients
            .iter()
            .map(|p| p.patient.as_str())
            .collect::<Vec<_>>(),
        ["A", "B", "C"]
    );
    for p in ["A", "B", "C"] {
        let one = ToxicityInput {
            labs: labs.iter().filter(|r| &*r.patient == p).cloned().collect(),
            events: events.iter().filter(|r| r.patient == p).cloned().collect(),
            transfusions: transfusions
                .iter()
                .filter(|r| r.patient == p)
                .cloned()
                .collect(),
            schedules: schedules
                .iter()
                .filter(|s| s.patient == p)
                .cloned()
                .collect(),
        };
        let alone = analyse(&one, &opts).unwrap();
        assert_eq!(alone.patients.len(), 1);
        let in_cohort = whole.patients.iter().find(|x| x.patient == p).unwrap();
        assert_eq!(&alone.patients[0], in_cohort, "patient {p}");
    }
    // The cases the equality must cover really occur.
    let b = whole.patients.iter().find(|x| x.patient == "B").unwrap();
    assert!(
        b.warnings.iter().any(|w| w.contains("repeats")),
        "{:?}",
        b.warnings
    );
    let a = whole.patients.iter().find(|x| x.patient == "A").unwrap();
    assert!(
        a.warnings.iter().any(|w| w.contains("repeats")),
        "{:?}",
        a.warnings
    );
    assert_eq!(worst(&whole, "A", Term::NeutrophilCountDecreased), Some(4));
    assert_eq!(worst(&whole, "C", Term::MucositisOral), Some(2));
}
