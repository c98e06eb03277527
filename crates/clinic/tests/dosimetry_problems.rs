//! Where the cohort report puts a patient's dosimetry problem and how an
//! override in `overrides.csv` is used (issue 16): the infusion row and
//! column for an activity or weight, the refused reading's line for the
//! plausibility gate, the last reading for a series that ends too early;
//! an accepted gate check is shown in the report with what it accepted.
//!
//! Edited copies of the seed study (examples/seed-study). SYN-01's
//! infusion 1 is on infusions.csv line 3 (a comment line, then the header)
//! and its readings on readings.csv lines 3–11 (0.0 h … 120.72 h).

mod common;
use common::{edit, seed};
use mibg_clinic::cohort::{report, validate};
use mibg_study::StudyInput;

/// The one error of the study, as (file, line, field, message).
fn only_error(s: &StudyInput) -> (String, Option<u64>, Option<String>, String) {
    let e = validate(s).problems.errors;
    assert_eq!(e.len(), 1, "{e:?}");
    let p = &e[0];
    (p.file.clone(), p.row, p.field.clone(), p.message.clone())
}

/// SYN-01's reading at 96.33 h (line 10) with its decimal point slipped:
/// 25.44 → 254.4, ten times the neighbours' trend (below the pre-void
/// reading, so that the readings' own rule lets it through to the gate).
fn slipped_reading() -> StudyInput {
    let mut s = seed();
    edit(
        &mut s,
        "readings.csv",
        "SYN-01,1,96.33,25.44,0.1",
        "SYN-01,1,96.33,254.4,0.1",
    );
    s
}

#[test]
fn a_refused_reading_is_located_at_its_line_and_names_the_checks() {
    let (file, row, field, message) = only_error(&slipped_reading());
    assert_eq!(file, "readings.csv");
    assert_eq!(row, Some(10), "{message}");
    assert_eq!(field.as_deref(), Some("reading"));
    assert!(
        message.starts_with(
            "dosimetry of patient 'SYN-01', infusion 1: the readings fail the plausibility gate: ["
        ),
        "{message}"
    );
    assert!(
        message.ends_with(": if the readings are right, accept in overrides.csv]"),
        "{message}"
    );
}

/// The names of the checks the slipped reading fails, from the message's
/// "[check 'a', 'b': …]" (or "[checks …]").
fn refused_checks(message: &str) -> Vec<String> {
    let tail = message.rsplit_once(" [check").unwrap().1;
    let list = tail.trim_start_matches('s').split(':').next().unwrap();
    list.split(',')
        .map(|c| c.trim().trim_matches('\'').to_string())
        .collect()
}

#[test]
fn an_accepted_gate_check_is_used_and_shown_with_what_it_accepted() {
    // The gate refuses at its first failed stage (here physical decay);
    // once that is accepted it goes on and may refuse at the next ones
    // (the fit's checks). Accept every check named until none refuses.
    let mut s = slipped_reading();
    let mut checks: Vec<String> = Vec::new();
    let mut messages = String::new();
    for _ in 0..5 {
        let e = validate(&s).problems.errors;
        if e.is_empty() {
            break;
        }
        assert_eq!(e.len(), 1, "{e:?}");
        messages.push_str(&e[0].message);
        let named = refused_checks(&e[0].message);
        assert!(!named.is_empty(), "{}", e[0].message);
        checks.extend(named);
        let mut csv = String::from("patient,check,accepted_by,reason\n");
        for c in &checks {
            csv.push_str(&format!("SYN-01,{c},A. Physicist,checked the log\n"));
        }
        s.insert("overrides.csv", csv);
    }
    assert_eq!(checks[0], "physical-decay");
    assert!(checks.len() > 1, "{checks:?}");
    let v = validate(&s);
    assert!(v.problems.is_ok(), "{:?}", v.problems.errors);
    let r = report(&s).unwrap();
    let got: Vec<(&str, &str, &str, &str, u64)> = r
        .overrides
        .iter()
        .map(|o| {
            (
                o.patient.as_str(),
                o.check.as_str(),
                o.accepted_by.as_str(),
                o.reason.as_str(),
                o.row,
            )
        })
        .collect();
    let want: Vec<(&str, &str, &str, &str, u64)> = checks
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                "SYN-01",
                c.as_str(),
                "A. Physicist",
                "checked the log",
                i as u64 + 2,
            )
        })
        .collect();
    assert_eq!(got, want);
    // Each accepted finding is the gate's own words, as the refusal gave them.
    for o in &r.overrides {
        assert!(
            messages.contains(&format!("[{}] {}", o.check, o.finding)),
            "{messages}\n{o:?}"
        );
    }
    // Accepting only the first check is still a refusal, by the next ones.
    let mut s = slipped_reading();
    s.insert(
        "overrides.csv",
        format!(
            "patient,check,accepted_by,reason\nSYN-01,{},A. Physicist,checked\n",
            checks[0]
        ),
    );
    assert!(report(&s).is_err());
    // Another patient's override accepts nothing of SYN-01.
    let mut s = slipped_reading();
    let mut csv = String::from("patient,check,accepted_by,reason\n");
    for c in &checks {
        csv.push_str(&format!("SYN-02,{c},A. Physicist,checked\n"));
    }
    s.insert("overrides.csv", csv);
    assert!(report(&s).is_err());
}

#[test]
fn an_infusion_1_activity_off_the_protocol_is_located_at_the_activity() {
    // 6440 MBq for 14.5 kg is 444 MBq/kg; 8500 MBq is 586 MBq/kg, +32 %,
    // beyond the default ±25 % (DEFAULT_MAX_INFUSION1_DEVIATION).
    let mut s = seed();
    edit(
        &mut s,
        "infusions.csv",
        "SYN-01,1,2017-01-11,6440,14.5",
        "SYN-01,1,2017-01-11,8500,14.5",
    );
    let (file, row, field, message) = only_error(&s);
    assert_eq!(
        (file.as_str(), row, field.as_deref()),
        ("infusions.csv", Some(3), Some("activity_mbq")),
        "{message}"
    );
    // Hand: 444 MBq/kg × 14.5 kg = 6438 MBq; 8500/6438 − 1 = +32.0 %.
    assert!(
        message.starts_with(
            "infusion 1 of patient 'SYN-01' at 14.5 kg: 8500.0 MBq (229.73 mCi) is +32 % from the protocol's infusion 1 for this weight (6438 MBq), more than ±25 %"
        ),
        "{message}"
    );
}

#[test]
fn a_weight_change_beyond_the_limit_is_located_at_the_weight() {
    // 14.5 kg at infusion 1, 14.1 → 18.0 kg at infusion 2: +24 %.
    let mut s = seed();
    edit(
        &mut s,
        "infusions.csv",
        "SYN-01,2,2017-01-25,4980,14.1",
        "SYN-01,2,2017-01-25,4980,18.0",
    );
    let e = validate(&s).problems.errors;
    assert!(
        e.iter().any(|p| p.file == "infusions.csv"
            && p.field.as_deref() == Some("weight_kg")
            && p.message.contains("weight at infusion 2 18 kg")),
        "{e:?}"
    );
}

#[test]
fn readings_that_end_too_early_are_located_at_the_last_reading() {
    // SYN-01 infusion 1 cut after 23.77 h (line 6): the last reading is at
    // 8.14 h… keep 0.0, 3.49, 8.14 and 23.77 → the limit is 24 h.
    let mut s = seed();
    for l in [
        "SYN-01,1,32.34,85.27,0.1\n",
        "SYN-01,1,48.52,59.35,0.1\n",
        "SYN-01,1,72.17,38.74,0.1\n",
        "SYN-01,1,96.33,25.44,0.1\n",
        "SYN-01,1,120.72,17.24,0.1\n",
    ] {
        edit(&mut s, "readings.csv", l, "");
    }
    let e = validate(&s).problems.errors;
    let p = e
        .iter()
        .find(|p| p.message.contains("the last reading is at 23.77 h"))
        .unwrap_or_else(|| panic!("{e:?}"));
    assert_eq!(
        (p.file.as_str(), p.row, p.field.as_deref()),
        ("readings.csv", Some(6), Some("hours"))
    );
    // Accepted by an override: the dosimetry runs without the limit.
    s.insert(
        "overrides.csv",
        "patient,check,accepted_by,reason\nSYN-01,last-reading,A. Physicist,early discharge\n",
    );
    let r = report(&s).unwrap();
    assert!(
        r.overrides
            .iter()
            .any(|o| o.patient == "SYN-01" && o.check == "last-reading" && o.row == 2),
        "{:?}",
        r.overrides
    );
}

#[test]
fn one_override_row_accepts_the_check_in_both_series_each_finding_shown_once() {
    // The same slip in the readings of both infusions of SYN-01: 96.33 h
    // (line 10) and 95.47 h (line 19), each ten times its neighbours' trend.
    let mut s = slipped_reading();
    edit(
        &mut s,
        "readings.csv",
        "SYN-01,2,95.47,20.24,0.15",
        "SYN-01,2,95.47,202.4,0.15",
    );
    let mut checks: Vec<String> = Vec::new();
    for _ in 0..8 {
        let e = validate(&s).problems.errors;
        if e.is_empty() {
            break;
        }
        for p in &e {
            for c in refused_checks(&p.message) {
                if !checks.contains(&c) {
                    checks.push(c);
                }
            }
        }
        let mut csv = String::from("patient,check,accepted_by,reason\n");
        for c in &checks {
            csv.push_str(&format!("SYN-01,{c},A. Physicist,checked\n"));
        }
        s.insert("overrides.csv", csv);
    }
    let r = report(&s).unwrap();
    // physical-decay is accepted once per series, each with its own finding.
    let decay: Vec<&str> = r
        .overrides
        .iter()
        .filter(|o| o.check == "physical-decay")
        .map(|o| o.finding.as_str())
        .collect();
    assert_eq!(decay.len(), 2, "{:?}", r.overrides);
    assert!(
        decay.iter().any(|f| f.starts_with("line 10 (96.33 h")),
        "{decay:?}"
    );
    assert!(
        decay.iter().any(|f| f.starts_with("line 19 (95.47 h")),
        "{decay:?}"
    );
    // Every accepted finding once, and every one from a row of overrides.csv.
    let mut seen = std::collections::BTreeSet::new();
    for o in &r.overrides {
        assert!(
            seen.insert((o.check.clone(), o.finding.clone())),
            "{o:?} twice"
        );
        assert_eq!(
            o.row,
            2 + checks.iter().position(|c| *c == o.check).unwrap() as u64
        );
    }
}

#[test]
fn an_accepted_infusion_1_activity_is_used_by_the_dosimetry() {
    // The +32 % activity of SYN-01 accepted by name: the dosimetry runs on
    // the activity given (the same rule is not applied a second time).
    let mut s = seed();
    edit(
        &mut s,
        "infusions.csv",
        "SYN-01,1,2017-01-11,6440,14.5",
        "SYN-01,1,2017-01-11,8500,14.5",
    );
    s.insert(
        "overrides.csv",
        "patient,check,accepted_by,reason\nSYN-01,infusion1-activity,A. Physicist,assay log checked\n",
    );
    let r = report(&s).unwrap();
    let p = r.patients.iter().find(|p| p.patient == "SYN-01").unwrap();
    let d = p.dosimetry.as_ref().expect("dosimetry of SYN-01");
    assert_eq!(d.activity1_mbq.mbq(), 8500.0);
    assert!(
        r.overrides
            .iter()
            .any(|o| o.patient == "SYN-01" && o.check == "infusion1-activity" && o.row == 2),
        "{:?}",
        r.overrides
    );
}
