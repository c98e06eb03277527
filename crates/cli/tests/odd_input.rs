//! Odd input never panics and never hangs; a negative number reaches the
//! option it was given to and is refused naming the option and the rule
//! (issue 9, item 5). `--weight-kg -20` used to be "unexpected argument
//! '-2'"; `landmark_years = [1e306]` passed validate and panicked in report;
//! a level of 0.9999999999999999 gave NaN limits; `convert 1e308 mCi`
//! printed "inf".

mod common;

use common::{mibg, ok, repo_root};

const R: &str = "examples/dose/readings.csv";

/// Runs `mibg args`; asserts a refusal (status 1 or 2, no panic, nothing on
/// stdout) whose message contains every `needles` entry; returns stderr.
fn refused(args: &[&str], needles: &[&str]) -> String {
    let out = mibg(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        matches!(out.status.code(), Some(1) | Some(2)),
        "mibg {args:?}: status {:?}\n{err}",
        out.status.code()
    );
    assert!(out.stdout.is_empty(), "mibg {args:?} printed on stdout");
    assert!(!err.contains("unexpected argument"), "mibg {args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "mibg {args:?}: '{n}' missing in: {err}");
    }
    err
}

/// Every numeric option of every subcommand, with a negative value.
#[test]
fn negative_values_reach_their_option_and_are_refused() {
    let dose = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = ["dose", R, "--bootstrap", "0"].map(String::from).to_vec();
        if !extra.contains(&"--weight-kg") {
            v.extend(["--weight-kg".into(), "20".into()]);
        }
        if !extra.contains(&"--activity-mbq") {
            v.extend(["--activity-mbq".into(), "8880".into()]);
        }
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let dose_cases: &[(&[&str], &[&str])] = &[
        (&["--weight-kg", "-20"], &["weight -20 kg", "plausible"]),
        (
            &["--activity-mbq", "-8880"],
            &["--activity-mbq -8880", "> 0"],
        ),
        (&["--target-gy", "-4"], &["--target-gy -4", "> 0"]),
        (&["--weight2-kg", "-20"], &["-20 kg", "plausible"]),
        (
            &["--max-weight-change", "-0.2"],
            &["weight change -0.2", "> 0"],
        ),
        (
            &["--max-activity-deviation", "-0.25"],
            &["--max-activity-deviation -0.25", "> 0"],
        ),
        (&["--min-last-reading-h", "-24"], &["-24", "> 0"]),
        (
            &["--tail-points", "-3"],
            &["--tail-points", "cannot be negative"],
        ),
        (&["--factor", "-1"], &["--factor -1", "> 0"]),
        (&["--seed", "-1"], &["--seed", "cannot be negative"]),
        (
            &["--above-pre-void-tolerance", "-0.1"],
            &["tolerance -0.1", "[0, 1]"],
        ),
        (
            &["--contact-distance-m", "-1"],
            &["--contact-distance-m -1", "> 0"],
        ),
        (
            &["--contact-hours-per-day", "-6"],
            &["--contact-hours-per-day -6", "> 0"],
        ),
        (
            &[
                "--after-second",
                "examples/dose/readings2.csv",
                "--activity2-mbq",
                "-5",
            ],
            &["--activity2-mbq -5", "> 0"],
        ),
    ];
    for (extra, needles) in dose_cases {
        let args = dose(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&args, needles);
    }
    // --bootstrap itself (the helper above sets it to 0 first)
    refused(
        &[
            "dose",
            R,
            "--weight-kg",
            "20",
            "--activity-mbq",
            "8880",
            "--bootstrap",
            "-100",
        ],
        &["--bootstrap", "cannot be negative"],
    );
    let p = "examples/response/patient.toml";
    let l = "examples/toxicity/labs.csv";
    let s = "examples/survival/ovarian.csv";
    let cases: &[(&[&str], &[&str])] = &[
        (&["convert", "-12", "MBq"], &["value -12", "≥ 0"]),
        (
            &["plan", "--weight-kg", "-20", "--height-cm", "115"],
            &["weight -20 kg", "between 2 and 150"],
        ),
        (
            &["plan", "--weight-kg", "20", "--height-cm", "-115"],
            &["height -115 cm", "between 40 and 220"],
        ),
        (
            &["proportion", "-3/5"],
            &["'-3/5'", "X must be a whole number ≥ 0"],
        ),
        (
            &["proportion", "3/-5"],
            &["'3/-5'", "N must be a whole number ≥ 1"],
        ),
        (
            &["proportion", "3/5", "--conf-level", "-0.9"],
            &["confidence level -0.9", "between 0 and 1"],
        ),
        (
            &["response", p, "--marrow-min-aspirates", "-1"],
            &["--marrow-min-aspirates", "cannot be negative"],
        ),
        (
            &["response", p, "--marrow-min-trephines", "-1"],
            &["--marrow-min-trephines", "cannot be negative"],
        ),
        (
            &["response", p, "--confirm-days", "-28"],
            &["--confirm-days", "cannot be negative"],
        ),
        (
            &["response", p, "--siopen-cutoff", "-7"],
            &["--siopen-cutoff", "cannot be negative"],
        ),
        (
            &["response", p, "--soft-tissue-cutoff-mm", "-50"],
            &["--soft-tissue-cutoff-mm -50", "> 0"],
        ),
        (
            &["score", "siopen", "-1,0,0,0,0,0,0,0,0,0,0,0"],
            &["-1", "allowed 0–6"],
        ),
        (
            &[
                "survival",
                s,
                "--time",
                "time",
                "--event",
                "event",
                "--landmark",
                "-365",
            ],
            &["--landmark", "-365", "≥ 0"],
        ),
        (
            &[
                "survival",
                s,
                "--time",
                "time",
                "--event",
                "event",
                "--landmark",
                "365",
                "-730",
            ],
            &["-730", "≥ 0"],
        ),
        (
            &[
                "survival",
                s,
                "--time",
                "time",
                "--event",
                "event",
                "--conf-level",
                "-0.95",
            ],
            &["-0.95", "between 0 and 1"],
        ),
        (
            &["toxicity", l, "--window-days", "-60"],
            &["-60", "negative"],
        ),
        (
            &["toxicity", l, "--consecutive", "-3"],
            &["--consecutive", "cannot be negative"],
        ),
        (
            &["toxicity", l, "--max-gap-days", "-2"],
            &["--max-gap-days", "between 1 and 365"],
        ),
        (
            &["toxicity", l, "--anc-threshold", "-0.5"],
            &["--anc-threshold", "> 0"],
        ),
        (
            &["toxicity", l, "--platelet-threshold", "-20"],
            &["--platelet-threshold", "> 0"],
        ),
        (
            &["toxicity", l, "--platelet-free-days", "-7"],
            &["--platelet-free-days", "between 0 and 60"],
        ),
        (
            &["toxicity", l, "--graft-failure-day", "-30"],
            &["--graft-failure-day", "between 1 and 365"],
        ),
    ];
    for (args, needles) in cases {
        refused(args, needles);
    }
}

/// Decimals where a whole number is needed are refused with the rule.
#[test]
fn fractional_counts_are_refused() {
    refused(
        &[
            "toxicity",
            "examples/toxicity/labs.csv",
            "--consecutive",
            "2.5",
        ],
        &["--consecutive", "whole number"],
    );
}

/// A landmark so large that its day count is infinite is a validation
/// error (it panicked in `study report`).
#[test]
fn infinite_landmark_is_a_validation_error() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("study");
    copy_dir(&repo_root().join("examples/seed-study"), &dir);
    let toml = std::fs::read_to_string(dir.join("study.toml")).unwrap();
    let changed = toml
        .lines()
        .map(|l| {
            if l.starts_with("landmark_years") {
                "landmark_years = [1e306]".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(toml, changed);
    std::fs::write(dir.join("study.toml"), changed).unwrap();
    let d = dir.to_str().unwrap();
    refused(
        &["study", "validate", d],
        &["landmark_years", "must be a number of years above 0"],
    );
    refused(
        &["study", "report", d],
        &["landmark_years", "must be a number of years above 0"],
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A level next to 1 gives finite limits, never NaN.
#[test]
fn level_next_to_one_gives_finite_limits() {
    let v: serde_json::Value = serde_json::from_str(&ok(&[
        "proportion",
        "5/10",
        "--conf-level",
        "0.9999999999999999",
        "--json",
    ]))
    .unwrap();
    for i in v["intervals"].as_array().unwrap() {
        assert!(i["lower"].is_f64() && i["upper"].is_f64(), "{i}");
        assert!(!i["rounded"].as_str().unwrap().contains("NaN"), "{i}");
    }
}

/// Huge denominators return (they hung with statrs' inverse beta).
#[test]
fn huge_denominators_return() {
    for f in [
        "0/8000000",
        "1/100000000",
        "500000000000/1000000000000",
        "3/18446744073709551615",
    ] {
        let out = ok(&["proportion", f, "--method", "clopper-pearson", "jeffreys"]);
        assert!(
            out.contains("Clopper–Pearson") && out.contains("Jeffreys"),
            "{out}"
        );
    }
}

/// An activity whose conversion overflows is refused, not printed as inf.
#[test]
fn overflowing_conversion_is_refused() {
    refused(&["convert", "1e308", "mCi"], &["too large"]);
    refused(&["convert", "inf", "MBq"], &["finite"]);
    refused(&["convert", "NaN", "MBq"], &["finite"]);
}
