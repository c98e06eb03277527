//! `mibg survival --weights/--strata` and R's near-equal-time rule, the real
//! binary against R `survival` 3.5-3 golden files (PROVENANCE.md in each
//! case): `tests/data/stats/km_lung_strata_weights` (weighted KM, stratified
//! log-rank), `coxsw_lung_strata_weights` (Cox with strata and weights),
//! `timefix_lung` (timefix on the KM, log-rank and Cox). rtol 1e-9.

mod common;
use common::{data, fails, ok};
use serde_json::Value;

const RTOL: f64 = 1e-9;

fn load(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data(rel)).unwrap()).unwrap()
}

fn close(what: &str, got: &Value, want: &Value) {
    let (g, w) = (got.as_f64().unwrap(), want.as_f64().unwrap());
    assert!(
        (g - w).abs() <= RTOL * w.abs().max(f64::MIN_POSITIVE),
        "{what}: mibg {g:e}, R {w:e}"
    );
}

fn close_all(what: &str, got: &Value, want: &Value) {
    let (g, w) = (got.as_array().unwrap(), want.as_array().unwrap());
    assert_eq!(g.len(), w.len(), "{what}: length");
    for (k, (a, b)) in g.iter().zip(w).enumerate() {
        if b.is_null() {
            assert!(a.is_null(), "{what}[{k}]: mibg {a}, R NA");
        } else {
            close(&format!("{what}[{k}]"), a, b);
        }
    }
}

const LUNG: &str = "tests/data/stats/coxsw_lung_strata_weights/data.csv";

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&ok(args)).unwrap()
}

#[test]
fn weighted_curve_and_stratified_weighted_cox_match_r() {
    let km = load("stats/km_lung_strata_weights/expected.json");
    let cox = load("stats/coxsw_lung_strata_weights/expected_efron.json");
    let j = json(&[
        "survival",
        LUNG,
        "--time",
        "time",
        "--event",
        "event",
        "--weights",
        "weight",
        "--strata",
        "stratum",
        "--covariates",
        "age,ph_ecog,ph_karno",
        "--json",
    ]);
    assert_eq!(j["weight_column"], "weight");
    assert_eq!(
        j["variance"],
        "greenwood (case weights: R survfit robust = FALSE)"
    );
    let t = &j["km"]["table"];
    close_all("time", &t["time"], &km["km_time"]);
    close_all("n.risk", &t["n_risk_weighted"], &km["km_n_risk"]);
    close_all("n.event", &t["n_event_weighted"], &km["km_n_event"]);
    close_all("surv", &t["surv"], &km["km_surv"]);
    close_all("std.err", &t["std_err"], &km["km_std_err"]);
    close_all("lower", &t["lower"], &km["km_lower"]);
    close_all("upper", &t["upper"], &km["km_upper"]);
    close("median", &j["median"]["median"], &km["km_median"][0]);
    close("median lower", &j["median"]["lower"], &km["km_median"][1]);
    close("median upper", &j["median"]["upper"], &km["km_median"][2]);
    let c = &j["cox"];
    assert_eq!(c["n_strata"], 2);
    assert_eq!(c["weighted"], true);
    for k in ["coef", "se", "z", "p", "hr", "hr_lower", "hr_upper"] {
        close_all(k, &c[k], &cox[k]);
    }
    for k in [
        "loglik_null",
        "loglik",
        "lr_chisq",
        "wald_chisq",
        "score_chisq",
        "concordance",
        "concordance_se",
    ] {
        close(k, &c[k], &cox[k]);
    }
    // The text says what was weighted and stratified.
    let text = ok(&[
        "survival",
        LUNG,
        "--time",
        "time",
        "--event",
        "event",
        "--weights",
        "weight",
        "--strata",
        "stratum",
        "--covariates",
        "age,ph_ecog,ph_karno",
    ]);
    assert!(text.contains("Case weights 'weight': sum 281.5"), "{text}");
    assert!(text.contains("Strata 'stratum': 2 levels (1, 2)"), "{text}");
    assert!(text.contains("Greenwood variance (weighted)"), "{text}");
}

#[test]
fn weighted_group_curves_match_r_and_skip_the_logrank() {
    let km = load("stats/km_lung_strata_weights/expected.json");
    let j = json(&[
        "survival",
        LUNG,
        "--time",
        "time",
        "--event",
        "event",
        "--weights",
        "weight",
        "--group",
        "sex",
        "--json",
    ]);
    let g = &j["km_by_group"];
    let m = &km["group_median"];
    for (k, lvl) in ["1", "2"].iter().enumerate() {
        close("median", &g[lvl]["median"]["median"], &m[k]);
        close("lower", &g[lvl]["median"]["lower"], &m[2 + k]);
        close("upper", &g[lvl]["median"]["upper"], &m[4 + k]);
    }
    assert!(j.get("logrank").is_none());
    assert!(j["warnings"].to_string().contains("takes no case weights"));
}

#[test]
fn stratified_logrank_matches_r_survdiff() {
    let km = load("stats/km_lung_strata_weights/expected.json");
    // R's test is on the rows with ph_ecog ≤ 2.
    let text = std::fs::read_to_string(data("stats/coxsw_lung_strata_weights/data.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let k = header.split(',').position(|h| h == "ph_ecog").unwrap();
    let mut kept = String::from(header);
    kept.push('\n');
    for l in lines.filter(|l| l.split(',').nth(k).unwrap() != "3") {
        kept.push_str(l);
        kept.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ecog.csv");
    std::fs::write(&path, kept).unwrap();
    let p = path.to_str().unwrap();
    let j = json(&[
        "survival", p, "--time", "time", "--event", "event", "--group", "ph_ecog", "--strata",
        "stratum", "--json",
    ]);
    let lr = &j["logrank"];
    assert_eq!(lr["stratified"], true);
    assert_eq!(lr["df"], 2);
    close("chisq", &lr["chisq"], &km["logrank_chisq"]);
    close("p", &lr["p"], &km["logrank_p"]);
    close_all("expected", &lr["expected"], &km["logrank_expected"]);
    close_all("observed", &lr["observed"], &km["logrank_observed"]);
    close_all("n", &lr["n"], &km["logrank_n"]);
    // Without --strata: R's unstratified test.
    let u = json(&[
        "survival", p, "--time", "time", "--event", "event", "--group", "ph_ecog", "--json",
    ]);
    assert_eq!(u["logrank"]["stratified"], false);
    close(
        "unstratified",
        &u["logrank"]["chisq"],
        &km["logrank_unstratified_chisq"],
    );
    let text = ok(&[
        "survival", p, "--time", "time", "--event", "event", "--group", "ph_ecog", "--strata",
        "stratum",
    ]);
    assert!(
        text.contains("Log-rank test (stratified by 'stratum'):"),
        "{text}"
    );
}

#[test]
fn timefix_is_rs_default_and_can_be_turned_off() {
    let r = load("stats/timefix_lung/expected.json");
    let f = "tests/data/stats/timefix_lung/data.csv";
    let j = json(&[
        "survival",
        f,
        "--time",
        "time",
        "--event",
        "event",
        "--group",
        "sex",
        "--covariates",
        "sex,age,ph_ecog",
        "--json",
    ]);
    assert_eq!(j["timefix"]["applied"], true);
    assert_eq!(j["timefix"]["changed"], r["changed"]);
    let t = &j["km"]["table"];
    close_all("km time", &t["time"], &r["km_time"]);
    close_all("km surv", &t["surv"], &r["km_surv"]);
    close_all("km lower", &t["lower"], &r["km_lower"]);
    close_all("km upper", &t["upper"], &r["km_upper"]);
    close("logrank", &j["logrank"]["chisq"], &r["logrank_chisq"]);
    close_all(
        "logrank expected",
        &j["logrank"]["expected"],
        &r["logrank_expected"],
    );
    close_all("cox coef", &j["cox"]["coef"], &r["coef"]);
    close("cox loglik", &j["cox"]["loglik"], &r["loglik"]);
    assert!(j["warnings"].to_string().contains("R timefix = TRUE"));
    let n = json(&[
        "survival",
        f,
        "--time",
        "time",
        "--event",
        "event",
        "--covariates",
        "sex,age,ph_ecog",
        "--no-timefix",
        "--json",
    ]);
    assert_eq!(n["timefix"]["applied"], false);
    assert_eq!(n["timefix"]["changed"], 0);
    assert_eq!(
        n["km"]["table"]["time"].as_array().unwrap().len() as u64,
        r["km_rows_without_timefix"].as_u64().unwrap()
    );
    close_all(
        "cox coef without timefix",
        &n["cox"]["coef"],
        &r["coef_without_timefix"],
    );
}

#[test]
fn bad_weights_and_lonely_strata_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.csv");
    std::fs::write(&path, "time,event,w,s,g\n1,1,1,a,x\n2,0,0,a,y\n3,1,,b,x\n").unwrap();
    let p = path.to_str().unwrap();
    let err = fails(&[
        "survival",
        p,
        "--time",
        "time",
        "--event",
        "event",
        "--weights",
        "w",
    ]);
    assert!(
        err.contains("line 3") && err.contains("'w'") && err.contains("> 0"),
        "{err}"
    );
    std::fs::write(&path, "time,event,w,s,g\n1,1,1,a,x\n2,0,2,a,y\n3,1,,b,x\n").unwrap();
    let err = fails(&[
        "survival",
        p,
        "--time",
        "time",
        "--event",
        "event",
        "--weights",
        "w",
    ]);
    assert!(
        err.contains("line 4") && err.contains("empty case weight"),
        "{err}"
    );
    let err = fails(&[
        "survival", p, "--time", "time", "--event", "event", "--strata", "s",
    ]);
    assert!(err.contains("needs a group column"), "{err}");
}
