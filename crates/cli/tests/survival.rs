//! End-to-end tests of `mibg survival` against the R `survival` golden files
//! in tests/data/stats/<case>/ (see PROVENANCE.md there): every number of the
//! JSON output within 1e-9 relative (docs/reference/statistics.md §8), nulls where R has NA.

mod common;
use common::{data, fails, ok};
use serde_json::Value;

const RTOL: f64 = 1e-9;

/// Compares `got` with R's `want` recursively over the keys of `want`.
fn compare(path: &str, got: &Value, want: &Value) {
    match want {
        Value::Object(m) => {
            for (k, w) in m {
                if k == "source" {
                    continue;
                }
                let g = got
                    .get(k)
                    .unwrap_or_else(|| panic!("{path}.{k}: missing in mibg output"));
                compare(&format!("{path}.{k}"), g, w);
            }
        }
        Value::Array(ws) => {
            let gs = got
                .as_array()
                .unwrap_or_else(|| panic!("{path}: not an array"));
            assert_eq!(gs.len(), ws.len(), "{path}: length");
            for (i, (g, w)) in gs.iter().zip(ws).enumerate() {
                compare(&format!("{path}[{i}]"), g, w);
            }
        }
        Value::Number(n) => {
            let w = n.as_f64().unwrap();
            let g = got
                .as_f64()
                .unwrap_or_else(|| panic!("{path}: mibg {got}, R {w}"));
            assert!(
                (g - w).abs() <= RTOL * w.abs(),
                "{path}: mibg {g:e}, R {w:e}"
            );
        }
        Value::Null => assert!(got.is_null(), "{path}: mibg {got}, R NA"),
        other => assert_eq!(got, other, "{path}"),
    }
}

fn check(case: &str, landmarks: &[&str]) {
    for ct in ["log-log", "log", "plain"] {
        let input = format!("tests/data/stats/{case}/input.csv");
        let mut args = vec![
            "survival",
            &input,
            "--time",
            "time",
            "--event",
            "event",
            "--group",
            "group",
            "--conf-type",
            ct,
            "--json",
            "--landmark",
        ];
        args.extend_from_slice(landmarks);
        let got: Value = serde_json::from_str(&ok(&args)).unwrap();
        let want: Value = serde_json::from_str(
            &std::fs::read_to_string(data(&format!("stats/{case}/expected_{ct}.json"))).unwrap(),
        )
        .unwrap();
        compare(&format!("{case}/{ct}"), &got, &want);
        assert_eq!(got["conf_type"], ct);
    }
}

/// The binary's JSON equals R on lung with each CI transform; the same
/// comparison of veteran, ovarian and rossi runs on the library
/// (crates/clinic/tests/survival_r.rs), whose report this command prints.
#[test]
fn lung_matches_r_survival() {
    check("lung", &["180", "365", "730", "1100"]);
}

#[test]
fn text_output_reads_like_r() {
    let out = ok(&[
        "survival",
        "tests/data/stats/lung/input.csv",
        "--time",
        "time",
        "--event",
        "event",
        "--group",
        "group",
    ]);
    // R: print(survfit(Surv(time, status) ~ sex, lung, conf.type = "log-log"))
    assert!(
        out.contains("all         228     165      310      284      361"),
        "{out}"
    );
    assert!(
        out.contains("group=2      90      53      426      345      524"),
        "{out}"
    );
    assert!(out.contains("Median follow-up (reverse Kaplan–Meier): 588 (95% CI 511 to 821)"));
    assert!(
        out.contains("Chisq = 10.3267 on 1 degrees of freedom, p = 0.00131"),
        "{out}"
    );
}

#[test]
fn missing_rows_are_dropped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("d.csv");
    std::fs::write(&f, "t,e,arm\n1,1,a\n,1,a\n2,,b\n3,0,b\n4,1,\n5,1,b\n").unwrap();
    let f = f.to_str().unwrap();
    let json: Value = serde_json::from_str(&ok(&[
        "survival", f, "--time", "t", "--event", "e", "--group", "arm", "--json",
    ]))
    .unwrap();
    assert_eq!(json["n"], 4);
    assert_eq!(json["n_rows"], 6);
    assert_eq!(json["n_dropped_missing"], 2);
    assert_eq!(json["n_missing_group"], 1);
    assert_eq!(json["km_by_group"]["a"]["n"], 1);
    assert_eq!(json["km_by_group"]["b"]["n"], 2);
    assert!(
        json["warnings"][0]
            .as_str()
            .unwrap()
            .contains("2 of 6 rows dropped")
    );
}

#[test]
fn bad_cells_are_errors_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    for (content, needle) in [
        (
            "time,event\n1,1\nx,0\n",
            "bad.csv line 3, column 'time': 'x' is not a number",
        ),
        (
            "time,event\n-2,1\n",
            "bad.csv line 2, column 'time': '-2' is not a valid time",
        ),
        (
            "time,event\n2,2\n",
            "bad.csv line 2, column 'event': '2' is not a valid event code",
        ),
        (
            "time,status\n2,1\n",
            "bad.csv line 1, column 'event': required column 'event' is missing from the header",
        ),
        ("time,event\n,1\n", "no row with both a time and an event"),
    ] {
        let f = dir.path().join("bad.csv");
        std::fs::write(&f, content).unwrap();
        let err = fails(&[
            "survival",
            f.to_str().unwrap(),
            "--time",
            "time",
            "--event",
            "event",
        ]);
        assert!(err.contains(needle), "{content:?}: {err}");
        assert!(err.starts_with("error: "), "{err}");
    }
    let err = fails(&[
        "survival",
        "tests/data/stats/lung/input.csv",
        "--time",
        "time",
        "--event",
        "event",
        "--conf-level",
        "95",
    ]);
    assert!(err.contains("strictly between 0 and 1"), "{err}");
}

#[test]
fn plot_has_curves_and_numbers_at_risk() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("km.svg");
    let out = ok(&[
        "survival",
        "tests/data/stats/veteran/input.csv",
        "--time",
        "time",
        "--event",
        "event",
        "--group",
        "group",
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert!(out.contains("Plot written to"));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"));
    assert!(text.contains("Number at risk"));
    assert!(text.contains("group=1") && text.contains("group=2"));
    // numbers at risk at t = 0 are the group sizes (69 and 68)
    assert!(
        text.contains(">69<") && text.contains(">68<"),
        "at-risk row"
    );
}

/// `--covariates` runs the Cox model of `mibg_stats::cox`; compare with R
/// `coxph` golden files (tests/data/stats/cox_*/): coef, SE, z, HR and
/// limits, log-likelihoods and χ² at 1e-6 relative, p-values at 1e-5
/// (docs/reference/statistics.md §8).
fn check_cox(input: &str, covariates: &str, expected: &str, ties: &str) {
    let json: Value = serde_json::from_str(&ok(&[
        "survival",
        input,
        "--time",
        "time",
        "--event",
        "event",
        "--covariates",
        covariates,
        "--ties",
        ties,
        "--json",
    ]))
    .unwrap();
    let got = &json["cox"];
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(data(expected)).unwrap()).unwrap();
    assert_eq!(got["n"], want["n"], "{expected}: n");
    assert_eq!(got["n_events"], want["n_events"]);
    assert_eq!(got["ties"], ties);
    for (key, rtol) in [
        ("coef", 1e-6),
        ("se", 1e-6),
        ("z", 1e-6),
        ("hr", 1e-6),
        ("hr_lower", 1e-6),
        ("hr_upper", 1e-6),
        ("p", 1e-5),
        ("loglik_null", 1e-6),
        ("loglik", 1e-6),
        ("lr_chisq", 1e-6),
        ("wald_chisq", 1e-6),
        ("score_chisq", 1e-6),
        ("lr_p", 1e-5),
        ("wald_p", 1e-5),
        ("score_p", 1e-5),
        ("concordance", 1e-6),
    ] {
        let (g, w) = (&got[key], &want[key]);
        let pairs: Vec<(f64, f64)> = match w {
            Value::Array(ws) => ws
                .iter()
                .zip(g.as_array().unwrap())
                .map(|(w, g)| (g.as_f64().unwrap(), w.as_f64().unwrap()))
                .collect(),
            _ => vec![(g.as_f64().unwrap(), w.as_f64().unwrap())],
        };
        for (g, w) in pairs {
            assert!(
                (g - w).abs() <= rtol * w.abs(),
                "{expected} {key}: mibg {g:e}, R {w:e}"
            );
        }
    }
}

/// `--covariates` and `--ties` reach the Cox model: veteran against R
/// `coxph` with each ties method (the other golden models run on the
/// library, crates/clinic/tests/survival_r.rs).
#[test]
fn cox_matches_r_coxph() {
    check_cox(
        "tests/data/stats/cox_veteran/data.csv",
        "trt,karno,diagtime,age,prior",
        "stats/cox_veteran/expected_efron.json",
        "efron",
    );
    check_cox(
        "tests/data/stats/cox_veteran/data.csv",
        "trt,karno,diagtime,age,prior",
        "stats/cox_veteran/expected_breslow.json",
        "breslow",
    );
}

/// Complete cases: lung has missing ph_ecog, ph_karno, wt_loss; R's coxph
/// drops those rows (n = 213), as `cox_lung5` (fitted by R on the same 213).
#[test]
fn cox_uses_complete_cases() {
    check_cox(
        "tests/data/stats/lung/input.csv",
        "group,age,ph_ecog,ph_karno,wt_loss",
        "stats/cox_lung5/expected_efron.json",
        "efron",
    );
    let out = ok(&[
        "survival",
        "tests/data/stats/lung/input.csv",
        "--time",
        "time",
        "--event",
        "event",
        "--covariates",
        "group,age,ph_ecog,ph_karno,wt_loss",
    ]);
    assert!(
        out.contains("15 of 228 rows left out for a missing covariate"),
        "{out}"
    );
    assert!(
        out.contains("Likelihood ratio test = 33.531 on 5 df"),
        "{out}"
    );
}

/// The README's `mibg survival` example is real output: re-run the command
/// written there and compare (keeps the documentation true).
#[test]
fn readme_example_is_current() {
    readme_block_matches("$ mibg survival ");
}

fn readme_block_matches(prefix: &str) {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let start = readme.find(prefix).expect("README example");
    let block = &readme[start..];
    let end = block.find("\n```").unwrap();
    let (cmd, expected) = block[..end].split_once('\n').unwrap();
    let args: Vec<&str> = cmd
        .trim_start_matches("$ mibg ")
        .split_whitespace()
        .collect();
    assert_eq!(ok(&args).trim_end(), expected.trim_end(), "README: {cmd}");
}

/// A group with no event and no one at risk at the event times: no
/// log-rank test (a warning instead), no NaN anywhere.
#[test]
fn degenerate_groups_give_warnings_not_nan() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("edge.csv");
    std::fs::write(&f, "time,event,arm\n1,0,a\n2,0,a\n5,1,b\n6,1,b\n7,0,b\n").unwrap();
    let f = f.to_str().unwrap();
    let args = [
        "survival", f, "--time", "time", "--event", "event", "--group", "arm",
    ];
    let text = ok(&args);
    assert!(!text.contains("NaN"), "{text}");
    assert!(text.contains("warning: not computed: log-rank test needs at least two groups"));
    let mut j = args.to_vec();
    j.push("--json");
    let json = ok(&j);
    assert!(!json.contains("NaN"));
    let v: Value = serde_json::from_str(&json).unwrap();
    assert!(v.get("logrank").is_none());
    assert!(v["km_by_group"]["a"]["median"]["median"].is_null());
    assert_eq!(
        v["km_by_group"]["a"]["median"]["median_undefined"],
        "not_reached"
    );
}

/// Issue 13: the logit and arcsine transforms from the command line, on
/// R's lung data: the median CI by band inversion equals R `survival` 3.5-3
/// `quantile(survfit(..., conf.type = "logit"|"arcsin"), 0.5)`
/// (tests/data/stats/lung/expected_{logit,arcsin}.json).
#[test]
fn logit_and_arcsin_intervals_match_r() {
    for ct in ["logit", "arcsin"] {
        let want: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(format!(
                "{}/../../tests/data/stats/lung/expected_{ct}.json",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap(),
        )
        .unwrap();
        let out = ok(&[
            "survival",
            "tests/data/stats/lung/input.csv",
            "--time",
            "time",
            "--event",
            "event",
            "--conf-type",
            ct,
            "--json",
        ]);
        let got: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(got["conf_type"], ct);
        for key in ["median", "lower", "upper"] {
            assert_eq!(
                got["median"][key].as_f64(),
                want["median"][key].as_f64(),
                "{ct} {key}"
            );
        }
    }
}
