//! The study folder reader's own rules (`load.rs`), each at its edge: an
//! infusion's clock times and hot-lab record (the net activity is
//! `mibg_dosimetry::administered`'s; here only which column a refusal
//! names and the study's own limits: 24 h of infusion, 1 % between the
//! given and the computed net), readings given as clock times, the files a
//! folder may hold, and the reading of a folder given away
//! (`validate_owned`), which must give what `validate` gives.

use mibg_study::load::{
    MAX_INFUSION_DURATION_H, MAX_NET_DISAGREEMENT, read_infusions, read_patients, read_stem_cells,
};
use mibg_study::{ProblemKind, StudyInput, validate, validate_owned};

const INF_HEADER: &str = "patient,infusion,date,activity_mbq,weight_kg,start_time,end_time,assayed_mbq,assay_time,residual_mbq,residual_time";

/// The problems of one infusions row (after [`INF_HEADER`]): (column,
/// kind, message).
fn infusion_problems(row: &str) -> Vec<(String, ProblemKind, String)> {
    match read_infusions(&format!("{INF_HEADER}\n{row}\n")) {
        Ok(_) => Vec::new(),
        Err(p) => p
            .errors
            .into_iter()
            .map(|e| (e.field.unwrap_or_default(), e.kind, e.message))
            .collect(),
    }
}

#[test]
fn the_limits_are_the_documented_ones() {
    assert_eq!(MAX_INFUSION_DURATION_H, 24.0);
    assert_eq!(MAX_NET_DISAGREEMENT, 0.01);
}

#[test]
fn an_infusion_starts_on_its_rows_date_and_lasts_at_most_24_hours() {
    let row = |date: &str, start: &str, end: &str| {
        infusion_problems(&format!("P1,1,{date},8880,20,{start},{end},,,,"))
    };
    assert_eq!(
        row(
            "2021-03-01",
            "2021-03-01T10:00+01:00",
            "2021-03-01T11:30+01:00"
        ),
        vec![]
    );
    // The start's own calendar date: 23:30 at −05:00 is 2021-03-01 there.
    assert_eq!(
        row(
            "2021-03-01",
            "2021-03-01T23:30-05:00",
            "2021-03-02T01:00-05:00"
        ),
        vec![]
    );
    assert_eq!(
        row(
            "2021-03-02",
            "2021-03-01T10:00+01:00",
            "2021-03-01T11:30+01:00"
        ),
        vec![(
            "start_time".into(),
            ProblemKind::Chronology,
            "the infusion starts on 2021-03-01 but the row's date is 2021-03-02".into()
        )]
    );
    // Ends when it starts: 0 h, accepted; 30 minutes before: refused.
    assert_eq!(
        row("2021-03-01", "2021-03-01T10:00Z", "2021-03-01T10:00Z"),
        vec![]
    );
    assert_eq!(
        row("2021-03-01", "2021-03-01T10:00Z", "2021-03-01T09:30Z"),
        vec![(
            "end_time".into(),
            ProblemKind::Chronology,
            "the infusion ends 0.50 h before it starts (2021-03-01T10:00:00Z)".into()
        )]
    );
    // Exactly 24 h: accepted; 24 h 6 min = 24.1 h: refused.
    assert_eq!(
        row("2021-03-01", "2021-03-01T10:00Z", "2021-03-02T10:00Z"),
        vec![]
    );
    assert_eq!(
        row("2021-03-01", "2021-03-01T10:00Z", "2021-03-02T10:06Z"),
        vec![(
            "end_time".into(),
            ProblemKind::NotAllowed,
            "the infusion lasts 24.1 h (start 2021-03-01T10:00:00Z); more than 24 h is taken as a mistyped date [I]".into()
        )]
    );
}

/// A hot-lab record whose assay is at the infusion start and whose residual
/// is 0: no decay either way, the net activity is the assayed activity,
/// 1000 MBq (`mibg_dosimetry::administered`: A·e^0 − 0).
#[test]
fn the_given_activity_agrees_with_the_hot_lab_net_within_1_percent() {
    let row = |given: &str| {
        infusion_problems(&format!(
            "P1,1,2021-03-01,{given},20,2021-03-01T10:00Z,2021-03-01T11:00Z,1000,2021-03-01T10:00Z,0,2021-03-01T11:00Z"
        ))
    };
    let net = read_infusions(&format!(
        "{INF_HEADER}\nP1,1,2021-03-01,,20,2021-03-01T10:00Z,2021-03-01T11:00Z,1000,2021-03-01T10:00Z,0,2021-03-01T11:00Z\n"
    ))
    .unwrap();
    assert_eq!(net[0].activity.mbq(), 1000.0);
    // 1009 and 991: 0.9 % off, accepted; 1011 and 989: 1.1 %, refused.
    assert_eq!(row("1009"), vec![]);
    assert_eq!(row("991"), vec![]);
    let refused = |g: &str| {
        vec![(
            "activity_mbq".to_string(),
            ProblemKind::NotAllowed,
            format!(
                "{g} MBq disagrees with the net administered activity 1000.0 MBq of the hot-lab columns by more than 1 % [I]; leave activity_mbq empty or correct it"
            ),
        )]
    };
    assert_eq!(row("1011"), refused("1011"));
    assert_eq!(row("989"), refused("989"));
}

#[test]
fn a_hot_lab_refusal_names_its_column() {
    let row = |assay_time: &str, residual: &str, residual_time: &str| {
        infusion_problems(&format!(
            "P1,1,2021-03-01,,20,2021-03-01T10:00Z,2021-03-01T11:00Z,1000,{assay_time},{residual},{residual_time}"
        ))
        .into_iter()
        .map(|(c, k, _)| (c, k))
        .collect::<Vec<_>>()
    };
    let at = |c: &str| vec![(c.to_string(), ProblemKind::NotAllowed)];
    // An assay 15 days before the start (more than 14: a mistyped date).
    assert_eq!(
        row("2021-02-14T10:00Z", "0", "2021-03-01T11:00Z"),
        at("assay_time")
    );
    // A residual as large as the assay: nothing given.
    assert_eq!(
        row("2021-03-01T10:00Z", "1000", "2021-03-01T11:00Z"),
        at("residual_mbq")
    );
    // A residual measured before the start.
    assert_eq!(
        row("2021-03-01T10:00Z", "10", "2021-03-01T09:00Z"),
        at("residual_time")
    );
    // Part of the record: the first missing column, every one listed.
    let p = infusion_problems("P1,1,2021-03-01,,20,2021-03-01T10:00Z,2021-03-01T11:00Z,1000,,0,");
    assert_eq!(
        p,
        vec![(
            "assay_time".into(),
            ProblemKind::MissingValue,
            "the hot-lab record needs assayed_mbq, assay_time, residual_mbq, residual_time and start_time together (given: assayed_mbq, residual_mbq; missing: assay_time, residual_time)".into()
        )]
    );
}

#[test]
fn an_activity_out_of_range_is_one_problem_not_two() {
    // Without the hot-lab record, activity_mbq is required; a value given
    // but refused by its range is that one problem, not also "required".
    let p = infusion_problems("P1,1,2021-03-01,0,20,,,,,,");
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].0, "activity_mbq");
    assert_eq!(p[0].1, ProblemKind::NotAllowed);
    let p = infusion_problems("P1,1,2021-03-01,,20,,,,,,");
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].1, ProblemKind::MissingValue);
}

#[test]
fn one_table_alone_gives_its_rows() {
    let patients = read_patients(
        "patient,sex,birth_date,weight_kg,height_cm,centre\nP1,F,2015-06-01,20,115,Rome\nP2,M,2014-01-02,25,120,Milan\n",
    )
    .unwrap();
    assert_eq!(
        patients.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["P1", "P2"]
    );
    let stem = read_stem_cells("patient,date\nP1,2021-03-22\n").unwrap();
    assert_eq!(stem.len(), 1);
    assert_eq!(stem[0].date, jiff::civil::date(2021, 3, 22));
    let inf =
        read_infusions("patient,infusion,date,activity_mbq,weight_kg\nP1,1,2021-03-01,8880,20\n")
            .unwrap();
    assert_eq!(inf.len(), 1);
    assert_eq!(inf[0].activity.mbq(), 8880.0);
}

/// A minimal valid one-patient study whose infusion 1 ends at
/// 2021-03-01T11:30+01:00 (10:30 UTC), its readings given by `readings`
/// (columns patient, infusion, time, reading).
fn with_clock_readings(readings: &str) -> StudyInput {
    let mut s = StudyInput::default();
    s.insert("study.toml", "[study]\ntitle = \"one\"\n");
    s.insert(
        "patients.csv",
        "patient,sex,birth_date,weight_kg,height_cm,centre\nP1,F,2015-06-01,20,115,Rome\n",
    );
    s.insert(
        "infusions.csv",
        "patient,infusion,date,activity_mbq,weight_kg,start_time,end_time\nP1,1,2021-03-01,8880,20,2021-03-01T10:00+01:00,2021-03-01T11:30+01:00\nP1,2,2021-03-15,7000,19.8,,\n",
    );
    s.insert(
        "readings.csv",
        format!("patient,infusion,time,reading\n{readings}"),
    );
    s
}

fn reading_problems(s: &StudyInput) -> Vec<(Option<u64>, String, ProblemKind, String)> {
    validate(s)
        .problems
        .errors
        .into_iter()
        .filter(|p| p.file == "readings.csv")
        .map(|p| (p.row, p.field.unwrap_or_default(), p.kind, p.message))
        .collect()
}

#[test]
fn a_clock_time_counts_from_the_end_of_its_infusion() {
    let ok = "P1,1,2021-03-01T11:30+01:00,400\nP1,1,2021-03-02T10:30Z,150\nP1,1,2021-03-03T11:30+01:00,80\n";
    let v = validate(&with_clock_readings(ok));
    assert!(
        v.problems.errors.iter().all(|p| p.file != "readings.csv"),
        "{:#?}",
        v.problems.errors
    );
    // 0 h at the end, 24 h at 10:30 UTC the next day, 48 h two days on.
    let hours: Vec<f64> = v
        .data
        .readings
        .iter()
        .filter(|r| r.infusion == 1)
        .map(|r| r.hours.hours())
        .collect();
    assert_eq!(hours, vec![0.0, 24.0, 48.0]);
    // One second before the end: refused, in hours before it.
    assert_eq!(
        reading_problems(&with_clock_readings("P1,1,2021-03-01T10:15Z,400\n")),
        vec![(
            Some(2),
            "time".into(),
            ProblemKind::Chronology,
            "2021-03-01T10:15:00Z is 0.25 h before the end of infusion 1 (2021-03-01T10:30:00Z)"
                .into()
        )]
    );
    // Infusion 2 has no end_time: a clock time has no t = 0.
    let p = reading_problems(&with_clock_readings("P1,2,2021-03-16T10:00Z,100\n"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(
        (p[0].1.as_str(), p[0].2),
        ("time", ProblemKind::UnknownReference)
    );
    assert_eq!(
        p[0].3,
        "a clock time needs the end of infusion 2 of patient 'P1' (end_time in infusions.csv line 3), t = 0 of the readings"
    );
}

#[test]
fn a_clock_time_too_long_after_the_infusion_is_refused() {
    // Readings up to 60 days after the infusion (load.rs `limits::HOURS`,
    // 0–1440 h).
    let max = 1440.0;
    // The last hour allowed, and 1 h past it (10:30 UTC is the end).
    let at = |h: f64| {
        let t = jiff::Timestamp::from_second(
            "2021-03-01T10:30:00Z"
                .parse::<jiff::Timestamp>()
                .unwrap()
                .as_second()
                + (h * 3600.0) as i64,
        )
        .unwrap();
        reading_problems(&with_clock_readings(&format!("P1,1,{t},100\n")))
    };
    assert_eq!(at(max), vec![]);
    let p = at(max + 1.0);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!((p[0].1.as_str(), p[0].2), ("time", ProblemKind::NotAllowed));
    assert!(
        p[0].3
            .contains("1441.0 h after the end of infusion 1, outside the allowed range 0–1440 h"),
        "{}",
        p[0].3
    );
}

fn one_patient() -> StudyInput {
    let mut s = with_clock_readings("P1,1,2021-03-01T11:30+01:00,400\n");
    s.insert(
        "readings.csv",
        "patient,infusion,hours,reading\nP1,1,0,400\nP1,1,24,150\nP1,1,48,80\n",
    );
    s
}

fn warnings(s: &StudyInput) -> Vec<(String, String)> {
    validate(s)
        .problems
        .warnings
        .into_iter()
        .map(|p| (p.file, p.message))
        .collect()
}

#[test]
fn the_files_a_folder_may_hold() {
    let not_study = "file is not part of the study format and is ignored".to_string();
    let not_assessment =
        "not an assessment file (expected assessments/<patient>.toml or .json); ignored"
            .to_string();
    let mut s = one_patient();
    s.insert("README.md", "notes");
    s.insert("notes.txt", "notes");
    s.insert("extra.csv", "a,b\n");
    s.insert("assessments/.toml", "");
    s.insert("assessments/sub/P1.toml", "");
    s.insert("assessments/P1.yaml", "");
    let w = warnings(&s);
    assert!(
        w.contains(&("extra.csv".into(), not_study.clone())),
        "{w:#?}"
    );
    for doc in ["README.md", "notes.txt"] {
        assert!(!w.iter().any(|(f, _)| f == doc), "{doc}: {w:#?}");
    }
    for bad in [
        "assessments/.toml",
        "assessments/sub/P1.toml",
        "assessments/P1.yaml",
    ] {
        assert!(
            w.contains(&(bad.into(), not_assessment.clone())),
            "{bad}: {w:#?}"
        );
        assert!(!w.contains(&(bad.into(), not_study.clone())), "{bad}");
    }
    // The protocol file named by study.toml is part of the study.
    let mut s = one_patient();
    s.insert(
        "study.toml",
        "[study]\ntitle = \"one\"\n[protocol]\nfile = \"my-protocol.toml\"\n",
    );
    s.insert("my-protocol.toml", "not read here");
    assert!(
        !warnings(&s).iter().any(|(f, _)| f == "my-protocol.toml"),
        "{:#?}",
        warnings(&s)
    );
}

/// `validate_owned` frees each file as it is read; it must find the same
/// records and problems as `validate`, on a valid folder and on a broken
/// one.
#[test]
fn a_folder_given_away_reads_as_a_borrowed_one() {
    let mut broken = one_patient();
    broken.insert("extra.csv", "a\n");
    broken.insert(
        "readings.csv",
        "patient,infusion,hours,reading\nP1,1,0,400\nP9,1,x,150\n",
    );
    for s in [one_patient(), broken] {
        let borrowed = validate(&s);
        let owned = validate_owned(s);
        assert_eq!(owned.problems, borrowed.problems);
        assert_eq!(owned.data.config, borrowed.data.config);
        assert_eq!(owned.data.config_text, borrowed.data.config_text);
        assert_eq!(
            format!("{:?}", owned.data.patients),
            format!("{:?}", borrowed.data.patients)
        );
        assert_eq!(
            format!("{:?}", owned.data.infusions),
            format!("{:?}", borrowed.data.infusions)
        );
        assert_eq!(
            format!("{:?}", owned.data.readings),
            format!("{:?}", borrowed.data.readings)
        );
        assert!(!owned.data.patients.is_empty());
    }
}

#[test]
fn thyroid_assessments_are_read_with_their_values() {
    let mut s = one_patient();
    s.insert(
        "thyroid.csv",
        "patient,date,tsh_mu_per_l,ft4_pmol_per_l\nP1,2021-06-01,3.2,15\nP1,2021-09-01,,12.5\n",
    );
    let v = validate(&s);
    assert!(v.data.thyroid_recorded);
    let t: Vec<_> = v
        .data
        .thyroid
        .iter()
        .map(|t| (t.patient.as_str(), t.date, t.tsh_mu_per_l, t.ft4_pmol_per_l))
        .collect();
    assert_eq!(
        t,
        vec![
            ("P1", jiff::civil::date(2021, 6, 1), Some(3.2), Some(15.0)),
            ("P1", jiff::civil::date(2021, 9, 1), None, Some(12.5)),
        ]
    );
}

/// A toxicity table that its own parser reads but whose rows the study's
/// checks partly refuse (a patient id with a space): the other rows are
/// still dated against the study (here the data cut-off), each once.
#[test]
fn the_readable_rows_of_a_partly_refused_table_are_still_dated() {
    for (file, header, row) in [
        (
            "events.csv",
            "patient,date,term,grade,ctcae_version",
            ",Vomiting,2,5.0",
        ),
        ("transfusions.csv", "patient,date,product", ",platelets"),
        (
            "labs.csv",
            "patient,date,test,value,unit,lln,uln",
            ",neutrophils,2.0,10^9/L,1.5,8.0",
        ),
    ] {
        let mut s = one_patient();
        s.insert(
            "study.toml",
            "[study]\ntitle = \"one\"\ndata_cutoff = \"2022-12-31\"\n",
        );
        s.insert(
            file,
            format!("{header}\nP 1,2021-03-05{row}\nP1,2023-06-01{row}\nP1,2021-03-06{row}\n"),
        );
        let p: Vec<_> = validate(&s)
            .problems
            .errors
            .into_iter()
            .filter(|p| p.file == file)
            .map(|p| (p.row, p.message))
            .collect();
        assert_eq!(p.len(), 2, "{file}: {p:#?}");
        assert_eq!(p[0].0, Some(2), "{file}: {p:#?}");
        assert_eq!(p[1].0, Some(3), "{file}: {p:#?}");
        assert!(
            p[1].1.contains("2023-06-01") && p[1].1.contains("after the data cut-off (2022-12-31)"),
            "{file}: {p:#?}"
        );
    }
}
