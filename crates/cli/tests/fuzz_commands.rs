//! The CI slice of the command fuzz targets (crates/fuzz, `process`): the
//! real `mibg` binary on mutated study folders, readings, tables and
//! arguments, each in a fresh temporary folder, a few deterministic
//! inputs per command. Promises: no panic (exit 101), no hang, no partial
//! file after a failure, every asked-for output and nothing else after a
//! success. The full campaign is `scripts/fuzz`.

use mibg_fuzz::campaign::{self, Config};
use mibg_fuzz::process::command_targets;
use mibg_fuzz::targets::repo_root;
use std::path::Path;

fn slice(name: &str, inputs: u64) {
    let targets = command_targets(&repo_root(), Path::new(env!("CARGO_BIN_EXE_mibg")));
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
    assert!(r.clean(), "{name}: {:#?}", r.failures);
    assert_eq!(r.executions, inputs);
    assert!(
        r.accepted > 0 && r.refused > 0,
        "{name}: {} accepted, {} refused",
        r.accepted,
        r.refused
    );
}

#[test]
fn study_report_writes_all_or_nothing() {
    slice("cmd-study-report", 8);
}

#[test]
fn dose_plot_writes_all_or_nothing() {
    slice("cmd-dose-plot", 16);
}

#[test]
fn survival_plot_writes_all_or_nothing() {
    slice("cmd-survival-plot", 16);
}

#[test]
fn toxicity_response_proportion_convert_never_panic() {
    for name in [
        "cmd-toxicity",
        "cmd-response",
        "cmd-proportion",
        "cmd-convert",
    ] {
        slice(name, 16);
    }
}
