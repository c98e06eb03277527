//! The CI slice of the fuzz campaign: every in-process target, a few
//! thousand deterministic mutants each (fixed seed), must give no panic,
//! no hang and no other failure, and must reach past its parser (some
//! input accepted, several behaviour classes). The full campaign is
//! `scripts/fuzz` (README, "Fuzzing").
//!
//! Counts are per target; the whole-pipeline and large-table targets get
//! fewer (each of their inputs runs a study folder), so that the slice
//! stays well under a minute in a debug build.

use mibg_fuzz::campaign::{self, Config};
use mibg_fuzz::targets::{parser_targets, repo_root};

fn slice(name: &str, inputs: u64) {
    let targets = parser_targets(&repo_root());
    let t = targets
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no target {name}"));
    let cfg = Config {
        inputs,
        seed: 2026,
        max_hangs: 1,
        ..Config::default()
    };
    let r = campaign::run(t, &cfg, None);
    assert_eq!(
        r.executions, inputs,
        "{name}: stopped early: {:?}",
        r.failures
    );
    assert!(
        r.clean(),
        "{name}: {} panics, {} hangs, {} other failures: {:#?}",
        r.panics,
        r.hangs,
        r.other_failures,
        r.failures
    );
    assert!(r.accepted > 0, "{name}: no input accepted");
    assert!(
        r.classes >= 3,
        "{name}: only {} behaviour classes",
        r.classes
    );
}

#[test]
fn dose_readings() {
    slice("dose-readings", 3000);
}

#[test]
fn dose_assess() {
    slice("dose-assess", 2000);
}

#[test]
fn s_table() {
    slice("s-table", 3000);
}

#[test]
fn protocol() {
    slice("protocol", 2000);
}

#[test]
fn study_load() {
    slice("study-load", 300);
}

#[test]
fn study_cohort() {
    slice("study-cohort", 40);
}

#[test]
fn response_toml() {
    slice("response-toml", 3000);
}

#[test]
fn response_json() {
    slice("response-json", 3000);
}

#[test]
fn score() {
    slice("score", 3000);
}

#[test]
fn toxicity_labs() {
    slice("toxicity-labs", 500);
}

#[test]
fn toxicity_events() {
    slice("toxicity-events", 2000);
}

#[test]
fn toxicity_transfusions() {
    slice("toxicity-transfusions", 2000);
}

#[test]
fn survival() {
    slice("survival", 3000);
}

#[test]
fn proportion() {
    slice("proportion", 3000);
}
