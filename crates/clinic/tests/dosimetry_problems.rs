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
use common::{accept_every_refusal, edit, seed};
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

#[test]
fn an_accepted_gate_check_is_used_and_shown_with_what_it_accepted() {
    // The gate refuses at its first failed stage (here physical decay);
    // once that is accepted it goes on and may refuse at the next ones
    // (the fit's checks). Accept every check named until none refuses.
    let mut s = slipped_reading();
    let accepted = accept_every_refusal(&mut s, "checked the log");
    // One refusal at a time: the gate stops at its first failed stage.
    assert!(
        accepted.errors_per_round.iter().all(|&n| n == 1),
        "{accepted:?}"
    );
    let (checks, messages) = (accepted.checks, accepted.messages);
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
    let checks = accept_every_refusal(&mut s, "checked").checks;
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

/// SYN-01's infusion-1 readings (lines 3–11), each multiplied by 1.18 or
/// 0.82 in the order up, down, down, up, up, down, up, down, down: noise
/// that leaves every reading below the pre-void one and falling overall,
/// but makes the predicted total too uncertain to prescribe from.
fn noisy_readings() -> StudyInput {
    let mut s = seed();
    let rows = [
        ("0.0,301.59", "0.0,355.88"),
        ("3.49,250.23", "3.49,205.19"),
        ("8.14,198.4", "8.14,162.69"),
        ("23.77,107.87", "23.77,127.29"),
        ("32.34,85.27", "32.34,100.62"),
        ("48.52,59.35", "48.52,48.67"),
        ("72.17,38.74", "72.17,45.71"),
        ("96.33,25.44", "96.33,20.86"),
        ("120.72,17.24", "120.72,14.14"),
    ];
    for (from, to) in rows {
        edit(
            &mut s,
            "readings.csv",
            &format!("SYN-01,1,{from},0.1"),
            &format!("SYN-01,1,{to},0.1"),
        );
    }
    s
}

/// The study report computes the dosimetry's 95 % interval by the delta
/// method, never by the bootstrap (`cohort::patient::dosimetry` sets
/// `uncertainty: None`: the report prescribes nothing, and 1000 refits per
/// patient would multiply its time; `mibg dose` runs the bootstrap). The
/// gate's total-dose-uncertainty finding names the method it used, and the
/// report must show the delta method's.
#[test]
fn the_cohort_dosimetry_interval_is_the_delta_methods() {
    let mut s = noisy_readings();
    let accepted = accept_every_refusal(&mut s, "checked");
    assert_eq!(accepted.checks, ["total-dose-uncertainty"], "{accepted:?}");
    let r = report(&s).unwrap();
    assert_eq!(r.overrides.len(), 1, "{:?}", r.overrides);
    let finding = &r.overrides[0].finding;
    assert!(
        finding.starts_with("the 95 % interval of the predicted total D1 + D2 is ")
            && finding.contains(" Gy (delta method), reaching "),
        "{finding}"
    );
    assert!(!finding.contains("bootstrap"), "{finding}");
    assert!(
        r.warnings.iter().any(
            |w| w.contains("'total-dose-uncertainty' failed and was ACCEPTED")
                && w.contains("(delta method)")
        ),
        "{:?}",
        r.warnings
    );
}

/// The study report computes no radiation protection (`radiation_protection:
/// false` in `cohort::patient::dosimetry`; `mibg dose` does). A protocol
/// whose release threshold (100 µSv/h at 1 m, the top of its plausible
/// range) and caregiver constraint (1 mSv, the bottom of its range) would
/// give every seed patient a caregiver warning (about 1.1–1.5 mSv from
/// discharge at 6 h/day and 1 m, `mibg dose`'s defaults) leaves the
/// report's warnings as the seed protocol's.
#[test]
fn the_cohort_report_computes_no_radiation_protection() {
    let seed_report = report(&seed()).unwrap();
    let mut s = seed();
    let protocol = mibg_protocol::SEED_TOML
        .replacen(
            "patient_release_usv_h_at_1m = 20.0 ",
            "patient_release_usv_h_at_1m = 100.0 ",
            1,
        )
        .replacen(
            "caregiver_constraint_msv = 5.0 ",
            "caregiver_constraint_msv = 1.0 ",
            1,
        );
    assert_ne!(protocol, mibg_protocol::SEED_TOML);
    assert_eq!(protocol.matches("= 100.0 ").count(), 1);
    assert_eq!(
        protocol.matches("caregiver_constraint_msv = 1.0 ").count(),
        1
    );
    edit(
        &mut s,
        "study.toml",
        "name = \"seed\"",
        "file = \"protocol.toml\"",
    );
    // The report reads that file: the same file with 0.5 mSv, below the
    // constraint's plausible 1–20 mSv, is refused.
    let mut below = s.clone();
    below.insert(
        "protocol.toml",
        protocol.replacen(
            "caregiver_constraint_msv = 1.0 ",
            "caregiver_constraint_msv = 0.5 ",
            1,
        ),
    );
    let errors = validate(&below).problems.errors;
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("caregiver_constraint_msv")),
        "{errors:?}"
    );
    s.insert("protocol.toml", protocol);
    let r = report(&s).unwrap();
    assert!(
        !r.warnings
            .iter()
            .any(|w| w.contains("radiation protection") || w.contains("caregiver")),
        "{:?}",
        r.warnings
    );
    assert_eq!(r.warnings, seed_report.warnings);
}
