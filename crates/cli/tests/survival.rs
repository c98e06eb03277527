//! End-to-end tests of `mibg survival` against the R `survival` golden files
//! in tests/data/stats/<case>/ (see PROVENANCE.md there): every number of the
//! JSON output within 1e-9 relative (statistics.md §8), nulls where R has NA.

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

#[test]
fn lung_matches_r_survival() {
    check("lung", &["180", "365", "730", "1100"]);
}

#[test]
fn veteran_matches_r_survival() {
    check("veteran", &["30", "180", "365", "1000"]);
}

#[test]
fn ovarian_matches_r_survival() {
    check("ovarian", &["365", "730", "1095", "1500"]);
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
fn bad_cells_are_errors_naming_the_row() {
    let dir = tempfile::tempdir().unwrap();
    for (content, needle) in [
        (
            "time,event\n1,1\nx,0\n",
            "row 2 (line 3), column 'time': 'x' is not a number",
        ),
        (
            "time,event\n-2,1\n",
            "row 1 (line 2), column 'time': -2 is not a valid time",
        ),
        (
            "time,event\n2,2\n",
            "row 1 (line 2), column 'event': '2' is not a valid event code",
        ),
        ("time,status\n2,1\n", "no column 'event'"),
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
