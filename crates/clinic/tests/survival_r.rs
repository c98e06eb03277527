//! `mibg_clinic::survival` (the analysis behind `mibg survival`) against
//! the R `survival` golden files of tests/data/stats/ (PROVENANCE.md in
//! each case: R survival 3.5-3, the script that wrote them), called as a
//! library: the JSON document of [`survival::report`] compared number by
//! number, so that a wrong rule in the clinical crate fails its own tests
//! (issue 16), not only the command line's end-to-end tests
//! (crates/cli/tests/survival.rs and survival_strata_weights.rs, which run
//! the binary on the same files).
//!
//! Tolerances as there (docs/reference/statistics.md §8): every KM number
//! 1e-9 relative; Cox coefficients, SEs, HRs, log-likelihoods and χ² 1e-6,
//! p-values 1e-5.

use mibg_clinic::survival::{self, Columns, SurvivalOptions};
use mibg_stats::conf::ConfLevel;
use mibg_stats::cox::Ties;
use mibg_stats::km::{ConfType, KmOptions};
use mibg_stats::survdata::{ColumnSpec, parse_csv};
use mibg_stats::time::SurvTime;
use serde_json::Value;
use std::path::PathBuf;

fn data_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(rel)
}

fn load(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data_path(rel)).unwrap()).unwrap()
}

struct Run<'a> {
    file: &'a str,
    group: Option<&'a str>,
    covariates: &'a [&'a str],
    weight: Option<&'a str>,
    strata: Option<&'a str>,
    conf_type: ConfType,
    landmarks: &'a [f64],
    ties: Ties,
    timefix: bool,
    level: f64,
}

impl Default for Run<'_> {
    fn default() -> Self {
        Run {
            file: "",
            group: None,
            covariates: &[],
            weight: None,
            strata: None,
            conf_type: ConfType::LogLog,
            landmarks: &[],
            ties: Ties::Efron,
            timefix: true,
            level: 0.95,
        }
    }
}

impl Run<'_> {
    /// The analysis of `file` (relative to tests/data) as its JSON document.
    fn text(&self, text: &str) -> Value {
        let spec = ColumnSpec {
            time: "time".into(),
            event: "event".into(),
            group: self.group.map(str::to_string),
            covariates: self.covariates.iter().map(|s| s.to_string()).collect(),
            weight: self.weight.map(str::to_string),
            strata: self.strata.map(str::to_string),
        };
        let d = parse_csv(text, "input.csv", &spec).unwrap();
        let a = survival::analyse(
            d,
            SurvivalOptions {
                km: KmOptions {
                    conf_type: self.conf_type,
                    conf_level: ConfLevel::new(self.level).unwrap(),
                },
                landmarks: self
                    .landmarks
                    .iter()
                    .map(|&t| SurvTime::new(t).unwrap())
                    .collect(),
                ties: self.ties,
                timefix: self.timefix,
            },
        )
        .unwrap();
        let r = survival::report(
            &a,
            Columns {
                source: "input.csv",
                time: "time",
                event: "event",
                group: self.group,
                weight: self.weight,
                strata: self.strata,
            },
        );
        serde_json::to_value(&r).unwrap()
    }

    fn json(&self) -> Value {
        self.text(&std::fs::read_to_string(data_path(self.file)).unwrap())
    }
}

/// The analysis of a CSV text with the default options (log-log, 95 %,
/// Efron, timefix), for the plot.
fn analysis(text: &str, name: &str, group: Option<&str>) -> survival::SurvivalAnalysis {
    let spec = ColumnSpec {
        time: "time".into(),
        event: "event".into(),
        group: group.map(str::to_string),
        ..ColumnSpec::default()
    };
    survival::analyse(
        parse_csv(text, name, &spec).unwrap(),
        SurvivalOptions {
            km: KmOptions::default(),
            landmarks: vec![],
            ties: Ties::Efron,
            timefix: true,
        },
    )
    .unwrap()
}

/// Compares `got` with R's `want` recursively over the keys of `want`.
fn compare(path: &str, got: &Value, want: &Value, rtol: f64) {
    match want {
        Value::Object(m) => {
            for (k, w) in m {
                if k == "source" {
                    continue;
                }
                let g = got
                    .get(k)
                    .unwrap_or_else(|| panic!("{path}.{k}: missing in mibg output"));
                compare(&format!("{path}.{k}"), g, w, rtol);
            }
        }
        Value::Array(ws) => {
            let gs = got
                .as_array()
                .unwrap_or_else(|| panic!("{path}: not an array"));
            assert_eq!(gs.len(), ws.len(), "{path}: length");
            for (i, (g, w)) in gs.iter().zip(ws).enumerate() {
                compare(&format!("{path}[{i}]"), g, w, rtol);
            }
        }
        Value::Number(n) => {
            let w = n.as_f64().unwrap();
            let g = got
                .as_f64()
                .unwrap_or_else(|| panic!("{path}: mibg {got}, R {w}"));
            assert!(
                (g - w).abs() <= rtol * w.abs().max(f64::MIN_POSITIVE),
                "{path}: mibg {g:e}, R {w:e}"
            );
        }
        Value::Null => assert!(got.is_null(), "{path}: mibg {got}, R NA"),
        other => assert_eq!(got, other, "{path}"),
    }
}

fn km_case(case: &str, landmarks: &[f64]) {
    for (ct, name) in [
        (ConfType::LogLog, "log-log"),
        (ConfType::Log, "log"),
        (ConfType::Plain, "plain"),
    ] {
        let got = Run {
            file: &format!("stats/{case}/input.csv"),
            group: Some("group"),
            conf_type: ct,
            landmarks,
            ..Run::default()
        }
        .json();
        let want = load(&format!("stats/{case}/expected_{name}.json"));
        compare(&format!("{case}/{name}"), &got, &want, 1e-9);
        assert_eq!(got["conf_type"], name);
        assert_eq!(got["variance"], "greenwood");
    }
}

#[test]
fn lung_matches_r_survival() {
    km_case("lung", &[180.0, 365.0, 730.0, 1100.0]);
    // lung's last time is 1022 days (the largest time of input.csv): only the landmark
    // at 1100 lies after it and carries S forward, with a warning; one at
    // the last time itself is estimated there.
    let j = Run {
        file: "stats/lung/input.csv",
        landmarks: &[180.0, 1022.0, 1100.0],
        ..Run::default()
    }
    .json();
    let w: Vec<&str> = j["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .filter(|w| w.starts_with("landmark"))
        .collect();
    assert_eq!(
        w,
        ["landmark 1100 is after the last observed time 1022: S carried forward"]
    );
}

#[test]
fn veteran_matches_r_survival() {
    km_case("veteran", &[30.0, 180.0, 365.0, 1000.0]);
}

#[test]
fn ovarian_matches_r_survival() {
    km_case("ovarian", &[365.0, 730.0, 1095.0, 1500.0]);
}

#[test]
fn rossi_matches_r_survival() {
    km_case("rossi", &[13.0, 26.0, 52.0, 60.0]);
}

/// R `coxph` golden files (tests/data/stats/cox_*/): the keys of the
/// document's `cox` object.
fn cox_case(file: &str, covariates: &[&str], expected: &str, ties: Ties, name: &str) {
    let j = Run {
        file,
        covariates,
        ties,
        ..Run::default()
    }
    .json();
    let got = &j["cox"];
    let want = load(expected);
    assert_eq!(got["n"], want["n"], "{expected}: n");
    assert_eq!(got["n_events"], want["n_events"]);
    assert_eq!(got["ties"], name);
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
        compare(&format!("{expected} {key}"), &got[key], &want[key], rtol);
    }
}

#[test]
fn cox_matches_r_coxph() {
    let vet = ["trt", "karno", "diagtime", "age", "prior"];
    cox_case(
        "stats/cox_veteran/data.csv",
        &vet,
        "stats/cox_veteran/expected_efron.json",
        Ties::Efron,
        "efron",
    );
    cox_case(
        "stats/cox_veteran/data.csv",
        &vet,
        "stats/cox_veteran/expected_breslow.json",
        Ties::Breslow,
        "breslow",
    );
    cox_case(
        "stats/cox_rossi/data.csv",
        &["fin", "age", "race", "wexp", "mar", "paro", "prio"],
        "stats/cox_rossi/expected_efron.json",
        Ties::Efron,
        "efron",
    );
}

/// lung has missing ph_ecog, ph_karno, wt_loss; R's coxph drops those rows
/// (n = 213 of 228), as `cox_lung5` (fitted by R on the same 213).
#[test]
fn cox_uses_complete_cases() {
    let covs = ["group", "age", "ph_ecog", "ph_karno", "wt_loss"];
    cox_case(
        "stats/lung/input.csv",
        &covs,
        "stats/cox_lung5/expected_efron.json",
        Ties::Efron,
        "efron",
    );
    let j = Run {
        file: "stats/lung/input.csv",
        covariates: &covs,
        ..Run::default()
    }
    .json();
    assert_eq!(j["cox"]["n_missing_covariates"], 15);
    assert!(
        j["warnings"].to_string().contains(
            "Cox model: 15 of 228 rows left out for a missing covariate (complete cases)"
        ),
        "{j}"
    );
    // veteran has every covariate: no such warning.
    let v = Run {
        file: "stats/cox_veteran/data.csv",
        covariates: &["trt", "karno", "diagtime", "age", "prior"],
        ..Run::default()
    }
    .json();
    assert!(!v["warnings"].to_string().contains("left out"), "{v}");
}

/// The confidence level of the analysis is the Cox model's too: at 0.90
/// the hazard-ratio limits are R's `summary(fit, conf.int = 0.9)`
/// (`hr_lower_90`, `hr_upper_90` of the golden file).
#[test]
fn the_cox_intervals_take_the_analysis_level() {
    let j = Run {
        file: "stats/cox_veteran/data.csv",
        covariates: &["trt", "karno", "diagtime", "age", "prior"],
        level: 0.90,
        ..Run::default()
    }
    .json();
    let want = load("stats/cox_veteran/expected_efron.json");
    compare(
        "hr_lower 90",
        &j["cox"]["hr_lower"],
        &want["hr_lower_90"],
        1e-6,
    );
    compare(
        "hr_upper 90",
        &j["cox"]["hr_upper"],
        &want["hr_upper_90"],
        1e-6,
    );
}

const LUNG_SW: &str = "stats/coxsw_lung_strata_weights/data.csv";

#[test]
fn weighted_curve_and_stratified_weighted_cox_match_r() {
    let km = load("stats/km_lung_strata_weights/expected.json");
    let cox = load("stats/coxsw_lung_strata_weights/expected_efron.json");
    let j = Run {
        file: LUNG_SW,
        covariates: &["age", "ph_ecog", "ph_karno"],
        weight: Some("weight"),
        strata: Some("stratum"),
        ..Run::default()
    }
    .json();
    assert_eq!(j["weight_column"], "weight");
    assert_eq!(
        j["variance"],
        "greenwood (case weights: R survfit robust = FALSE)"
    );
    let t = &j["km"]["table"];
    for (k, r) in [
        ("time", "km_time"),
        ("n_risk_weighted", "km_n_risk"),
        ("n_event_weighted", "km_n_event"),
        ("surv", "km_surv"),
        ("std_err", "km_std_err"),
        ("lower", "km_lower"),
        ("upper", "km_upper"),
    ] {
        compare(k, &t[k], &km[r], 1e-9);
    }
    compare("median", &j["median"]["median"], &km["km_median"][0], 1e-9);
    compare(
        "median lower",
        &j["median"]["lower"],
        &km["km_median"][1],
        1e-9,
    );
    compare(
        "median upper",
        &j["median"]["upper"],
        &km["km_median"][2],
        1e-9,
    );
    let c = &j["cox"];
    assert_eq!(c["n_strata"], 2);
    assert_eq!(c["weighted"], true);
    for k in [
        "coef",
        "se",
        "z",
        "p",
        "hr",
        "hr_lower",
        "hr_upper",
        "loglik_null",
        "loglik",
        "lr_chisq",
        "wald_chisq",
        "score_chisq",
        "concordance",
        "concordance_se",
    ] {
        compare(k, &c[k], &cox[k], 1e-9);
    }
}

#[test]
fn weighted_group_curves_match_r_and_skip_the_logrank() {
    let km = load("stats/km_lung_strata_weights/expected.json");
    let j = Run {
        file: LUNG_SW,
        group: Some("sex"),
        weight: Some("weight"),
        ..Run::default()
    }
    .json();
    let g = &j["km_by_group"];
    let m = &km["group_median"];
    for (k, lvl) in ["1", "2"].iter().enumerate() {
        compare("median", &g[lvl]["median"]["median"], &m[k], 1e-9);
        compare("lower", &g[lvl]["median"]["lower"], &m[2 + k], 1e-9);
        compare("upper", &g[lvl]["median"]["upper"], &m[4 + k], 1e-9);
    }
    assert!(j.get("logrank").is_none());
    assert!(j["warnings"].to_string().contains("takes no case weights"));
}

#[test]
fn stratified_logrank_matches_r_survdiff() {
    let km = load("stats/km_lung_strata_weights/expected.json");
    // R's test is on the rows with ph_ecog ≤ 2.
    let text = std::fs::read_to_string(data_path(LUNG_SW)).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let k = header.split(',').position(|h| h == "ph_ecog").unwrap();
    let mut kept = format!("{header}\n");
    for l in lines.filter(|l| l.split(',').nth(k).unwrap() != "3") {
        kept.push_str(l);
        kept.push('\n');
    }
    let run = Run {
        group: Some("ph_ecog"),
        strata: Some("stratum"),
        ..Run::default()
    };
    let j = run.text(&kept);
    let lr = &j["logrank"];
    assert_eq!(lr["stratified"], true);
    assert_eq!(lr["df"], 2);
    compare("chisq", &lr["chisq"], &km["logrank_chisq"], 1e-9);
    compare("p", &lr["p"], &km["logrank_p"], 1e-9);
    compare("expected", &lr["expected"], &km["logrank_expected"], 1e-9);
    compare("observed", &lr["observed"], &km["logrank_observed"], 1e-9);
    compare("n", &lr["n"], &km["logrank_n"], 1e-9);
    let u = Run {
        group: Some("ph_ecog"),
        ..Run::default()
    }
    .text(&kept);
    assert_eq!(u["logrank"]["stratified"], false);
    compare(
        "unstratified",
        &u["logrank"]["chisq"],
        &km["logrank_unstratified_chisq"],
        1e-9,
    );
}

#[test]
fn timefix_is_rs_default_and_can_be_turned_off() {
    let r = load("stats/timefix_lung/expected.json");
    let covs = ["sex", "age", "ph_ecog"];
    let j = Run {
        file: "stats/timefix_lung/data.csv",
        group: Some("sex"),
        covariates: &covs,
        ..Run::default()
    }
    .json();
    assert_eq!(j["timefix"]["applied"], true);
    assert_eq!(j["timefix"]["changed"], r["changed"]);
    let t = &j["km"]["table"];
    compare("km time", &t["time"], &r["km_time"], 1e-9);
    compare("km surv", &t["surv"], &r["km_surv"], 1e-9);
    compare("km lower", &t["lower"], &r["km_lower"], 1e-9);
    compare("km upper", &t["upper"], &r["km_upper"], 1e-9);
    compare("logrank", &j["logrank"]["chisq"], &r["logrank_chisq"], 1e-9);
    compare(
        "logrank expected",
        &j["logrank"]["expected"],
        &r["logrank_expected"],
        1e-9,
    );
    compare("cox coef", &j["cox"]["coef"], &r["coef"], 1e-9);
    compare("cox loglik", &j["cox"]["loglik"], &r["loglik"], 1e-9);
    assert!(j["warnings"].to_string().contains("R timefix = TRUE"));
    let n = Run {
        file: "stats/timefix_lung/data.csv",
        covariates: &covs,
        timefix: false,
        ..Run::default()
    }
    .json();
    assert_eq!(n["timefix"]["applied"], false);
    assert_eq!(n["timefix"]["changed"], 0);
    assert_eq!(
        n["km"]["table"]["time"].as_array().unwrap().len() as u64,
        r["km_rows_without_timefix"].as_u64().unwrap()
    );
    compare(
        "cox coef without timefix",
        &n["cox"]["coef"],
        &r["coef_without_timefix"],
        1e-9,
    );
}

/// A group with no event: no log-rank test (a warning instead), no NaN.
#[test]
fn degenerate_groups_give_warnings_not_nan() {
    let j = Run {
        group: Some("arm"),
        ..Run::default()
    }
    .text("time,event,arm\n1,0,a\n2,0,a\n5,1,b\n6,1,b\n7,0,b\n");
    assert!(j.get("logrank").is_none());
    assert!(
        j["warnings"]
            .to_string()
            .contains("not computed: log-rank test needs at least two groups"),
        "{j}"
    );
    // Distinct times: timefix merges nothing and says nothing.
    assert_eq!(j["timefix"]["changed"], 0);
    assert!(!j["warnings"].to_string().contains("timefix"), "{j}");
    assert!(j["km_by_group"]["a"]["median"]["median"].is_null());
    assert_eq!(
        j["km_by_group"]["a"]["median"]["median_undefined"],
        "not_reached"
    );
    // The plot of the same analysis: numbers at risk at t = 0 are the
    // group sizes (2 and 3).
    let a = analysis(
        "time,event,arm\n1,0,a\n2,0,a\n5,1,b\n6,1,b\n7,0,b\n",
        "e.csv",
        Some("arm"),
    );
    let svg = survival::plot(&a, "e.csv", "time", "arm");
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.contains("Number at risk"));
    assert!(svg.contains("arm=a") && svg.contains("arm=b"), "{svg}");
    assert!(svg.contains(">2<") && svg.contains(">3<"), "{svg}");
}

/// Rows without a time or event are dropped and counted; a row without a
/// group is counted apart (the cells by hand from the text below).
#[test]
fn missing_rows_are_dropped_and_counted() {
    let text = "time,event,arm\n1,1,a\n,1,a\n2,,b\n3,0,b\n4,1,\n5,1,b\n";
    let j = Run {
        group: Some("arm"),
        ..Run::default()
    }
    .text(text);
    assert_eq!(j["n"], 4);
    assert_eq!(j["n_rows"], 6);
    assert_eq!(j["n_dropped_missing"], 2);
    assert_eq!(j["n_missing_group"], 1);
    assert_eq!(j["km_by_group"]["a"]["n"], 1);
    assert_eq!(j["km_by_group"]["b"]["n"], 2);
    assert!(
        j["warnings"][0]
            .as_str()
            .unwrap()
            .contains("2 of 6 rows dropped"),
        "{j}"
    );
    let w = j["warnings"].to_string();
    assert!(
        w.contains(
            "1 rows with an empty group cell left out of the per-group curves and the log-rank test"
        ),
        "{w}"
    );
    // Every row with its group: no such warning.
    let full = Run {
        group: Some("arm"),
        ..Run::default()
    }
    .text("time,event,arm\n1,1,a\n2,1,b\n3,0,b\n4,1,a\n");
    assert!(
        !full["warnings"].to_string().contains("empty group cell"),
        "{full}"
    );
    // One level only: no log-rank test, and the reason.
    let one = Run {
        group: Some("arm"),
        ..Run::default()
    }
    .text("time,event,arm\n1,1,a\n2,1,a\n3,0,a\n");
    assert!(one.get("logrank").is_none());
    assert!(
        one["warnings"]
            .to_string()
            .contains("log-rank test not computed: only one group level"),
        "{one}"
    );
    // Without a group, weights or strata, none of their keys.
    let u = Run::default().text(text);
    for k in [
        "km_by_group",
        "n_missing_group",
        "logrank",
        "n_weighted",
        "strata",
    ] {
        assert!(u.get(k).is_none(), "{k}: {u}");
    }
}

#[test]
fn weights_and_strata_are_named_and_summed() {
    // The case weights of data.csv sum to 281.5 over its 226 rows, with
    // strata 1 and 2 (summed from the file with Python's csv module).
    let j = Run {
        file: LUNG_SW,
        covariates: &["age"],
        weight: Some("weight"),
        strata: Some("stratum"),
        ..Run::default()
    }
    .json();
    assert_eq!(j["n_weighted"], 281.5);
    assert_eq!(j["strata"], serde_json::json!(["1", "2"]));
    assert_eq!(j["strata_column"], "stratum");
}

/// The plot of veteran by group: x ticks at the nice step of 999 days
/// over about 6 intervals (200: 0, 200, …, 800) and the numbers at risk
/// below it at those ticks, counted from input.csv with Python (time ≥ t):
/// group 1 69, 12, 2, 0, 0; group 2 68, 13, 4, 2, 2.
#[test]
fn the_plot_has_its_ticks_and_numbers_at_risk() {
    let text = std::fs::read_to_string(data_path("stats/veteran/input.csv")).unwrap();
    let a = analysis(&text, "v.csv", Some("group"));
    let svg = survival::plot(&a, "v.csv", "time", "group");
    // The content of each <text> element, in document order.
    let texts: Vec<&str> = svg
        .split("</text>")
        .filter(|c| c.contains("<text"))
        .filter_map(|c| c.rsplit_once('>').map(|(_, t)| t))
        .collect();
    let want = [
        "Kaplan–Meier: v.csv",
        "0",
        "200",
        "400",
        "600",
        "800",
        "0.0",
        "0.2",
        "0.4",
        "0.6",
        "0.8",
        "1.0",
        "time (time)",
        "survival probability (95% CI, log-log)",
        "group=1",
        "group=2",
        "Number at risk",
        "group=1",
        "69",
        "12",
        "2",
        "0",
        "0",
        "group=2",
        "68",
        "13",
        "4",
        "2",
        "2",
    ];
    assert_eq!(texts, want);
}

/// A last time that is itself a tick (1000 days, step 200): the tick at
/// 1000 is drawn, and none beyond it; numbers at risk (time ≥ t, by hand)
/// 4, 3, 2, 2, 1, 1.
#[test]
fn a_last_time_on_a_tick_gets_its_tick() {
    let a = analysis("time,event\n100,1\n300,0\n600,1\n1000,1\n", "t.csv", None);
    let svg = survival::plot(&a, "t.csv", "time", "");
    let texts: Vec<&str> = svg
        .split("</text>")
        .filter(|c| c.contains("<text"))
        .filter_map(|c| c.rsplit_once('>').map(|(_, t)| t))
        .collect();
    let ticks: Vec<&str> = texts[1..]
        .iter()
        .take_while(|t| **t != "0.0")
        .copied()
        .collect();
    assert_eq!(ticks, ["0", "200", "400", "600", "800", "1000"]);
    let at_risk: Vec<&str> = texts.iter().rev().take(6).rev().copied().collect();
    assert_eq!(at_risk, ["4", "3", "2", "2", "1", "1"]);
    // The curve, by hand: S = 3/4 after the event at 100, 3/4 × 1/2 =
    // 3/8 after 600 (2 at risk: 300 was censored), 0 after 1000. On the
    // panel (x from 90 at 0 to 696 at 1000, as its grid lines are drawn;
    // y from 40 at S = 1 to 340 at S = 0) the step line moves down only at
    // the events, and the censored time is a tick mark on the curve.
    assert!(
        svg.contains(r#"<path d="M 90.00 40.00 H 150.60 V 115.00 H 453.60 V 227.50 H 696.00 V 340.00 H 696.00""#),
        "{svg}"
    );
    assert!(
        svg.contains(r##"<line x1="90.00" y1="40.00" x2="90.00" y2="340.00" stroke="#e5e5e5"/>"##)
    );
    assert!(
        svg.contains(
            r##"<line x1="696.00" y1="40.00" x2="696.00" y2="340.00" stroke="#e5e5e5"/>"##
        )
    );
    assert!(
        svg.contains(r##"<line x1="271.80" y1="110.00" x2="271.80" y2="120.00" stroke="#0072B2""##),
        "{svg}"
    );
    // The confidence band has a point at every time, censored or not.
    let band = svg
        .split("<path d=\"")
        .nth(1)
        .and_then(|p| p.split('"').next())
        .unwrap();
    for x in ["150.60", "271.80", "453.60", "696.00"] {
        assert!(band.contains(&format!("L {x} ")), "{x}: {band}");
    }
}

/// The numbers of the text output: whole numbers without decimals, others
/// rounded to 6 decimals without trailing zeros (by hand).
#[test]
fn numbers_are_printed_in_their_shortest_form() {
    use mibg_clinic::survival::fmt_num;
    assert_eq!(fmt_num(3.0), "3");
    assert_eq!(fmt_num(-2.0), "-2");
    assert_eq!(fmt_num(0.0), "0");
    assert_eq!(fmt_num(0.5), "0.5");
    assert_eq!(fmt_num(1234.5), "1234.5");
    assert_eq!(fmt_num(1.0 / 3.0), "0.333333");
    assert_eq!(fmt_num(2.0 / 3.0), "0.666667");
    assert_eq!(fmt_num(-0.125), "-0.125");
}

/// The band of a curve that starts with a censored time: S = 1 there and
/// its interval is undefined, so the band is drawn at 1 (x = 90 + 606·50/300
/// = 191 px, y = 40 px); after the last event S = 0 and the interval is
/// undefined again, and the band stops (no point at S = 1 there). One
/// censoring, one tick mark.
#[test]
fn the_band_is_drawn_at_one_before_the_first_event() {
    let a = analysis("time,event\n50,0\n100,1\n300,1\n", "c.csv", None);
    let svg = survival::plot(&a, "c.csv", "time", "");
    let band = svg
        .split("<path d=\"")
        .nth(1)
        .and_then(|p| p.split('"').next())
        .unwrap();
    // A step-shaped band: the point at 50 begins and ends a step, on the
    // upper and on the lower edge.
    assert_eq!(band.matches("L 191.00 40.00").count(), 4, "{band}");
    assert!(!band.contains("L 696.00 40.00"), "{band}");
    let ticks = svg
        .matches(r##"stroke="#0072B2" stroke-width="1.5""##)
        .count();
    assert_eq!(ticks, 1, "{svg}");
}
