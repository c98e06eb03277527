//! Every subcommand with stdout and stderr on a pipe whose reader is gone
//! (`mibg … 2>&1 | head -c 10` once the reader has exited): the command
//! stops quietly with status 141 (128 + SIGPIPE, as a Unix tool ended by a
//! closed pipe), never a panic (status 101), and leaves no file behind.
//!
//! The pipe's read end is closed before the child starts, so every write
//! fails with EPIPE: deterministic, unlike a race with `head`.

mod common;

use common::repo_root;
use std::process::{Command, Stdio};

/// Runs `mibg args` in `dir` with stdout and stderr on a reader-less pipe.
fn run_closed(args: &[&str], dir: &std::path::Path) -> Option<i32> {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let status = Command::new(env!("CARGO_BIN_EXE_mibg"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(writer.try_clone().expect("clone pipe"))
        .stderr(writer)
        .status()
        .expect("run mibg");
    status.code()
}

fn assert_quiet_stop(args: &[&str]) {
    let code = run_closed(args, &repo_root());
    assert_eq!(
        code,
        Some(141),
        "mibg {args:?} on a closed pipe exited {code:?}"
    );
}

#[test]
fn every_command_stops_quietly_on_a_closed_pipe() {
    let cases: &[&[&str]] = &[
        &["convert", "12", "mCi/kg"],
        &["convert", "3.7", "GBq", "--json"],
        &["proportion", "12/25"],
        &["proportion", "12/25", "--json"],
        &["score", "siopen", "2,1,0,0,0,0,3,3,1,0,0,0"],
        &["response", "examples/response/patient.toml"],
        &["response", "examples/response/patient.toml", "--json"],
        &["plan", "--weight-kg", "20", "--height-cm", "115"],
        &["plan", "--weight-kg", "20", "--height-cm", "115", "--json"],
        &[
            "dose",
            "examples/dose/readings.csv",
            "--weight-kg",
            "20",
            "--activity-mbq",
            "8880",
            "--bootstrap",
            "100",
        ],
        &[
            "dose",
            "examples/dose/readings.csv",
            "--weight-kg",
            "20",
            "--activity-mbq",
            "8880",
            "--bootstrap",
            "100",
            "--json",
        ],
        &["toxicity", "examples/toxicity/labs.csv"],
        &["toxicity", "examples/toxicity/labs.csv", "--json"],
        &[
            "survival",
            "examples/survival/ovarian.csv",
            "--time",
            "time",
            "--event",
            "event",
            "--group",
            "group",
        ],
        &[
            "survival",
            "examples/survival/ovarian.csv",
            "--time",
            "time",
            "--event",
            "event",
            "--table",
        ],
        &[
            "survival",
            "examples/survival/ovarian.csv",
            "--time",
            "time",
            "--event",
            "event",
            "--json",
        ],
        &["study", "validate", "examples/seed-study"],
        &["study", "validate", "examples/seed-study", "--json"],
        &["study", "report", "examples/seed-study"],
        &["study", "report", "examples/seed-study", "--json"],
    ];
    for args in cases {
        assert_quiet_stop(args);
    }
}

/// An invalid study prints its problem list to stdout and fails; with the
/// pipe closed it stops at the first write, quietly.
#[test]
fn failing_command_on_a_closed_pipe_does_not_panic() {
    let code = run_closed(
        &["study", "validate", "examples/study-broken"],
        &repo_root(),
    );
    assert!(matches!(code, Some(141) | Some(1)), "{code:?}");
    // An error whose message goes to the closed stderr: status 1, no panic.
    let code = run_closed(&["proportion", "3/2"], &repo_root());
    assert_eq!(code, Some(1));
    // clap's own usage error and --help (clap swallows broken pipes).
    let code = run_closed(&["proportion"], &repo_root());
    assert_eq!(code, Some(2));
    let code = run_closed(&["--help"], &repo_root());
    assert_eq!(code, Some(0));
}

/// Commands that write files finish writing them (complete files, nothing
/// partial) before the closed stdout stops them.
#[test]
fn files_are_complete_when_stdout_is_closed() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("demo");
    let code = run_closed(&["demo", "--out", out.to_str().unwrap()], &repo_root());
    assert_eq!(code, Some(141));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "km-efs.svg",
            "km-os.svg",
            "report.html",
            "report.json",
            "report.pdf"
        ]
    );
    let json = std::fs::read_to_string(out.join("report.json")).unwrap();
    serde_json::from_str::<serde_json::Value>(&json).expect("complete JSON");
}
