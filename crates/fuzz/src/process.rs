//! The command targets: the real `mibg` binary on a folder of mutated
//! files (and mutated numbers in its arguments), in a fresh temporary
//! folder per input. The promises checked: no panic (exit 101), no death
//! by a signal, no hang (killed after the budget), and no partial file —
//! after a failed command the folder holds exactly the input files, after
//! a successful one every output it was asked for and nothing else.

use crate::campaign::{Exec, Kind, Outcome, Target, class_of};
use crate::case::Case;
use crate::targets::{STUDY_FOLDERS, study_case};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Options whose value is a file or folder the command writes.
const OUTPUT_OPTIONS: &[&str] = &["--out", "--plot"];

/// Every file under `dir`, relative, `/`-separated.
fn listing(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p
                .strip_prefix(dir)
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            if p.is_dir() {
                out.insert(format!("{rel}/"));
                stack.push(p);
            } else {
                out.insert(rel);
            }
        }
    }
    out
}

/// The pattern of a stray path for a failure key: digits and random
/// temporary suffixes folded.
fn path_class(p: &str) -> String {
    let base = p.rsplit('/').find(|s| !s.is_empty()).unwrap_or(p);
    if base.starts_with('.') {
        ".<hidden temporary>".to_string()
    } else {
        class_of(base)
    }
}

/// Runs `mibg` with the case's arguments in a fresh folder holding its
/// files.
pub fn run_command(bin: &Path, case: &Case, budget: Duration) -> Outcome {
    let Ok(tmp) = tempfile::tempdir() else {
        return Outcome::Refused("harness: no temporary folder".into());
    };
    let work = tmp.path().join("work");
    if std::fs::create_dir(&work).is_err() || case.write_to(&work).is_err() {
        return Outcome::Refused("harness: cannot write the input".into());
    }
    let args = case.args();
    let before = listing(&work);
    let (Ok(so), Ok(se)) = (
        std::fs::File::create(tmp.path().join("stdout")),
        std::fs::File::create(tmp.path().join("stderr")),
    ) else {
        return Outcome::Refused("harness: cannot capture output".into());
    };
    let child = Command::new(bin)
        .args(&args)
        .current_dir(&work)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(so)
        .stderr(se)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return Outcome::Failure {
                kind: "harness",
                key: format!("cannot run {}: {e}", bin.display()),
            };
        }
    };
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() > budget => {
                let _ = child.kill();
                let _ = child.wait();
                return Outcome::Failure {
                    kind: "hang",
                    key: format!(
                        "{} over {budget:?}",
                        args.first().cloned().unwrap_or_default()
                    ),
                };
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => {
                return Outcome::Failure {
                    kind: "harness",
                    key: format!("wait: {e}"),
                };
            }
        }
    };
    let stderr = std::fs::read_to_string(tmp.path().join("stderr")).unwrap_or_default();
    let Some(code) = status.code() else {
        return Outcome::Failure {
            kind: "signal",
            key: format!("{status}"),
        };
    };
    if code == 101 {
        let loc = stderr
            .lines()
            .find(|l| l.contains("panicked at"))
            .unwrap_or("panic")
            .to_string();
        return Outcome::Failure {
            kind: "panic",
            key: class_of(&loc),
        };
    }
    // The outputs asked for, relative to the work folder.
    let outputs: Vec<String> = args
        .windows(2)
        .filter(|w| OUTPUT_OPTIONS.contains(&w[0].as_str()))
        .map(|w| {
            w[1].trim_start_matches("./")
                .trim_end_matches('/')
                .to_string()
        })
        .chain(
            args.iter()
                .filter_map(|a| {
                    OUTPUT_OPTIONS
                        .iter()
                        .find_map(|o| a.strip_prefix(&format!("{o}=")))
                })
                .map(|v| v.trim_start_matches("./").trim_end_matches('/').to_string()),
        )
        .collect();
    let after = listing(&work);
    let new: Vec<&String> = after.difference(&before).collect();
    let under_outputs = |p: &str| {
        outputs.iter().any(|o| {
            !o.is_empty() && (p == o || p == format!("{o}/") || p.starts_with(&format!("{o}/")))
        })
    };
    if code != 0 {
        if let Some(p) = new.first() {
            return Outcome::Failure {
                kind: "partial-file",
                key: format!("exit {code} left {}", path_class(p)),
            };
        }
    } else {
        if let Some(p) = new.iter().find(|p| !under_outputs(p)) {
            return Outcome::Failure {
                kind: "stray-file",
                key: path_class(p),
            };
        }
        if let Some(o) = outputs
            .iter()
            .find(|o| !o.is_empty() && !work.join(o).exists())
        {
            return Outcome::Failure {
                kind: "missing-output",
                key: class_of(o),
            };
        }
    }
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    match code {
        0 => Outcome::Accepted(format!(
            "{}: exit 0",
            args.first().cloned().unwrap_or_default()
        )),
        _ => Outcome::Refused(format!("exit {code}: {}", class_of(last))),
    }
}

fn exec(bin: PathBuf, budget: Duration) -> Exec {
    Arc::new(move |c: &Case| run_command(&bin, c, budget))
}

fn with_args(mut c: Case, args: &[&str]) -> Case {
    c.push_args(args);
    c
}

/// Every command target, running `bin`.
pub fn command_targets(root: &Path, bin: &Path) -> Vec<Target> {
    // Absolute: each command runs in its own temporary folder.
    let bin = &std::path::absolute(bin).unwrap_or_else(|_| bin.to_path_buf());
    let read =
        |rel: &str| std::fs::read(root.join(rel)).unwrap_or_else(|e| panic!("seed {rel}: {e}"));
    let budget = Duration::from_secs(60);
    let one = |name: &str, rel: &str, args: &[&str]| with_args(Case::single(name, read(rel)), args);
    let study: Vec<Case> = STUDY_FOLDERS
        .iter()
        .map(|d| {
            with_args(
                study_case(root, d, "study/"),
                &["study", "report", "study", "--out", "out"],
            )
        })
        .collect();
    let dose_args = [
        "dose",
        "readings.csv",
        "--weight-kg",
        "20",
        "--activity-mbq",
        "8880",
        "--bootstrap",
        "200",
        "--plot",
        "plot.svg",
    ];
    let mut tox = Case::default();
    for f in ["labs.csv", "events.csv", "transfusions.csv"] {
        tox.push(f, read(&format!("examples/toxicity/{f}")));
    }
    let tox = with_args(
        tox,
        &[
            "toxicity",
            "labs.csv",
            "--events",
            "events.csv",
            "--transfusions",
            "transfusions.csv",
            "--stem-cells",
            "SYN-01=2025-01-27",
            "SYN-02=2025-02-10",
            "SYN-02=2025-03-24",
            "SYN-03=2025-04-07",
            "--window-start",
            "SYN-01=2025-01-06",
            "SYN-02=2025-01-27",
            "SYN-03=2025-03-17",
        ],
    );
    let args_only = |sets: &[&[&str]]| -> Vec<Case> {
        sets.iter().map(|a| with_args(Case::default(), a)).collect()
    };
    vec![
        Target {
            name: "cmd-study-report",
            about: "mibg study report study --out out, on a mutated study folder",
            kind: Kind::Command,
            seeds: study,
            exec: exec(bin.to_path_buf(), budget),
            budget: budget + Duration::from_secs(5),
        },
        Target {
            name: "cmd-dose-plot",
            about: "mibg dose readings.csv … --bootstrap 200 --plot plot.svg",
            kind: Kind::Command,
            seeds: vec![
                one("readings.csv", "examples/dose/readings.csv", &dose_args),
                one(
                    "readings.csv",
                    "tests/data/dosimetry/scipy_example/readings.csv",
                    &dose_args,
                ),
                one(
                    "readings.csv",
                    "tests/data/dosimetry/issue9/slip_24h.csv",
                    &dose_args,
                ),
            ],
            exec: exec(bin.to_path_buf(), budget),
            budget: budget + Duration::from_secs(5),
        },
        Target {
            name: "cmd-survival-plot",
            about: "mibg survival data.csv --group group --covariates age --plot km.svg",
            kind: Kind::Command,
            seeds: vec![one(
                "data.csv",
                "examples/survival/ovarian.csv",
                &[
                    "survival",
                    "data.csv",
                    "--time",
                    "time",
                    "--event",
                    "event",
                    "--group",
                    "group",
                    "--covariates",
                    "age",
                    "--landmark",
                    "365",
                    "--plot",
                    "km.svg",
                ],
            )],
            exec: exec(bin.to_path_buf(), budget),
            budget: budget + Duration::from_secs(5),
        },
        Target {
            name: "cmd-toxicity",
            about: "mibg toxicity labs.csv --events … --transfusions … --stem-cells …",
            kind: Kind::Command,
            seeds: vec![tox],
            exec: exec(bin.to_path_buf(), budget),
            budget: budget + Duration::from_secs(5),
        },
        Target {
            name: "cmd-response",
            about: "mibg response patient.toml",
            kind: Kind::Command,
            seeds: vec![one(
                "patient.toml",
                "examples/response/patient.toml",
                &["response", "patient.toml", "--json"],
            )],
            exec: exec(bin.to_path_buf(), budget),
            budget: budget + Duration::from_secs(5),
        },
        Target {
            name: "cmd-proportion",
            about: "mibg proportion X/N --conf-level L (arguments mutated)",
            kind: Kind::Command,
            seeds: args_only(&[
                &["proportion", "3/10", "--conf-level", "0.95"],
                &["proportion", "0/8000000", "--method", "jeffreys"],
                &["proportion", "1/100000000", "--conf-level", "0.9", "--json"],
            ]),
            exec: exec(bin.to_path_buf(), budget),
            budget: budget + Duration::from_secs(5),
        },
        Target {
            name: "cmd-convert",
            about: "mibg convert VALUE UNIT (arguments mutated)",
            kind: Kind::Command,
            seeds: args_only(&[
                &["convert", "12", "mCi"],
                &["convert", "444", "MBq/kg", "--json"],
                &["convert", "1.5", "GBq"],
            ]),
            exec: exec(bin.to_path_buf(), budget),
            budget: budget + Duration::from_secs(5),
        },
    ]
}
