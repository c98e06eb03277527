//! Cox models with strata and case weights, and R's handling of near-equal
//! times, against R `survival` 3.5-3 golden values (`tests/data/stats/coxsw_*`
//! and `tests/data/stats/timefix_lung`, produced by
//! `scripts/validation/cox_strata_weights.R`; see each PROVENANCE.md).
//!
//! Tolerances: `docs/reference/statistics.md` §8 asks for rtol 1e-6 on
//! coefficients, SE, z and χ² and 1e-5 on p-values. The fitter follows R's
//! Newton–Raphson path (same start, scaling, step halving and stopping rule;
//! the iteration count is asserted equal), so the comparison uses rtol 1e-9
//! on every number, as the unweighted goldens do.

use mibg_stats::cox::{self, CoxDesign, CoxOptions, CoxStatus, Ties};
use mibg_stats::km::{ConfType, EventCounts, KaplanMeier, KmOptions};
use mibg_stats::time::{SurvTime, timefix};
use nalgebra::DMatrix;
use serde_json::Value;
use std::path::PathBuf;

const TOL: f64 = 1e-9;

fn dir(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/stats")
        .join(case)
}

/// data.csv as named columns of numbers.
fn columns(case: &str) -> impl Fn(&str) -> Vec<f64> + use<> {
    let text = std::fs::read_to_string(dir(case).join("data.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let rows: Vec<Vec<f64>> = lines
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    move |name: &str| {
        let k = header.iter().position(|h| h == name).unwrap();
        rows.iter().map(|r| r[k]).collect()
    }
}

fn load(path: PathBuf) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn close(what: &str, got: f64, want: &Value) {
    let want = want
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number"));
    let rel = (got - want).abs() / want.abs().max(f64::MIN_POSITIVE);
    assert!(rel <= TOL, "{what}: got {got:e}, R {want:e}, rel {rel:.2e}");
}

fn close_vec(what: &str, got: &[Option<f64>], want: &Value) {
    let want = want.as_array().unwrap();
    assert_eq!(got.len(), want.len(), "{what}");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        close(&format!("{what}[{k}]"), g.unwrap(), w);
    }
}

fn check_fit(tag: &str, f: &cox::CoxFit, r: &Value) {
    assert_eq!(f.status, CoxStatus::Converged, "{tag}: {:?}", f.warnings);
    assert!(f.possibly_infinite.is_empty(), "{tag}");
    assert_eq!(f.n as u64, r["n"].as_u64().unwrap(), "{tag} n");
    assert_eq!(f.n_events as u64, r["n_events"].as_u64().unwrap(), "{tag}");
    assert_eq!(
        u64::from(f.iterations),
        r["iterations"].as_u64().unwrap(),
        "{tag} iterations"
    );
    let coef: Vec<Option<f64>> = f.coef.iter().copied().map(Some).collect();
    close_vec(&format!("{tag} coef"), &coef, &r["coef"]);
    close_vec(&format!("{tag} se"), &f.se, &r["se"]);
    close_vec(&format!("{tag} z"), &f.z, &r["z"]);
    close_vec(&format!("{tag} p"), &f.p, &r["p"]);
    close_vec(&format!("{tag} hr"), &f.hr, &r["hr"]);
    close_vec(&format!("{tag} hr_lower"), &f.hr_lower, &r["hr_lower"]);
    close_vec(&format!("{tag} hr_upper"), &f.hr_upper, &r["hr_upper"]);
    close(
        &format!("{tag} loglik_null"),
        f.loglik_null,
        &r["loglik_null"],
    );
    close(&format!("{tag} loglik"), f.loglik, &r["loglik"]);
    close(&format!("{tag} lr"), f.lr_chisq, &r["lr_chisq"]);
    close(&format!("{tag} lr_p"), f.lr_p, &r["lr_p"]);
    close(
        &format!("{tag} wald"),
        f.wald_chisq.unwrap(),
        &r["wald_chisq"],
    );
    close(&format!("{tag} wald_p"), f.wald_p.unwrap(), &r["wald_p"]);
    close(&format!("{tag} score"), f.score_chisq, &r["score_chisq"]);
    close(&format!("{tag} score_p"), f.score_p, &r["score_p"]);
    close(
        &format!("{tag} C"),
        f.concordance.unwrap(),
        &r["concordance"],
    );
    close(
        &format!("{tag} C se"),
        f.concordance_se.unwrap(),
        &r["concordance_se"],
    );
    let vcov = f.vcov.as_ref().unwrap();
    for (i, row) in r["vcov"].as_array().unwrap().iter().enumerate() {
        let got: Vec<Option<f64>> = vcov[i].iter().copied().map(Some).collect();
        close_vec(&format!("{tag} vcov[{i}]"), &got, row);
    }
}

fn strata_weights_case(case: &str) {
    let col = columns(&format!("coxsw_{case}"));
    for ties in [Ties::Efron, Ties::Breslow] {
        let file = match ties {
            Ties::Efron => "expected_efron.json",
            Ties::Breslow => "expected_breslow.json",
        };
        let r = load(dir(&format!("coxsw_{case}")).join(file));
        let names: Vec<String> = serde_json::from_value(r["covariates"].clone()).unwrap();
        let t = col("time");
        let e: Vec<bool> = col("event").iter().map(|&v| v == 1.0).collect();
        let cols: Vec<Vec<f64>> = names.iter().map(|n| col(n)).collect();
        let x = DMatrix::from_fn(t.len(), names.len(), |i, j| cols[j][i]);
        let weights = col("weight");
        let strata: Vec<u32> = col("stratum").iter().map(|&s| s as u32).collect();
        let design = CoxDesign {
            weights: r["weighted"].as_bool().unwrap().then_some(&weights[..]),
            strata: r["strata"].as_bool().unwrap().then_some(&strata[..]),
        };
        let options = CoxOptions {
            ties,
            ..CoxOptions::default()
        };
        let f = cox::fit_with(&t, &e, &x, &names, design, &options).unwrap();
        let mut levels = strata.clone();
        levels.sort_unstable();
        levels.dedup();
        let want_strata = if design.strata.is_some() {
            levels.len()
        } else {
            1
        };
        assert_eq!(f.n_strata, want_strata, "{case}");
        assert_eq!(f.weighted, design.weights.is_some(), "{case}");
        check_fit(&format!("{case}/{ties:?}"), &f, &r);
        // Non-integer weights (lung cases) are named in the warnings; the
        // integer weights of the ovarian case are not.
        let fractional = design
            .weights
            .is_some_and(|w| w.iter().any(|v| v.fract() != 0.0));
        assert_eq!(
            f.warnings
                .iter()
                .any(|w| w.contains("non-integer case weights")),
            fractional,
            "{case}: {:?}",
            f.warnings
        );
        assert_eq!(f.warnings.len(), usize::from(fractional), "{case}");
    }
}

#[test]
fn stratified_lung_matches_r() {
    strata_weights_case("lung_strata");
}

#[test]
fn weighted_lung_matches_r() {
    strata_weights_case("lung_weights");
}

#[test]
fn stratified_weighted_lung_matches_r() {
    strata_weights_case("lung_strata_weights");
}

#[test]
fn stratified_weighted_ovarian_matches_r() {
    strata_weights_case("ovarian_strata_weights");
}

/// The lung times with noise below R's tolerance: after `timefix` the Cox
/// fit, the KM table and the log-rank test equal R's (timefix = TRUE); the
/// unfixed times give R's `timefix = FALSE` fit, which differs.
#[test]
fn timefix_matches_r() {
    let col = columns("timefix_lung");
    let r = load(dir("timefix_lung").join("expected.json"));
    let raw = col("time");
    let fixed = timefix(&raw);
    assert_eq!(fixed.changed as u64, r["changed"].as_u64().unwrap());
    let e: Vec<bool> = col("event").iter().map(|&v| v == 1.0).collect();
    let names = ["sex", "age", "ph_ecog"];
    let cols: Vec<Vec<f64>> = names.iter().map(|n| col(n)).collect();
    let x = DMatrix::from_fn(raw.len(), 3, |i, j| cols[j][i]);
    let f = cox::fit(&fixed.times, &e, &x, &names, &CoxOptions::default()).unwrap();
    check_fit("timefix", &f, &r);
    // Without the fix: R's timefix = FALSE fit (a different model).
    let g = cox::fit(&raw, &e, &x, &names, &CoxOptions::default()).unwrap();
    let coef: Vec<Option<f64>> = g.coef.iter().copied().map(Some).collect();
    close_vec("no timefix coef", &coef, &r["coef_without_timefix"]);
    close("no timefix loglik", g.loglik, &r["loglik_without_timefix"]);
    assert!((g.coef[0] - f.coef[0]).abs() > 1e-6);

    let times: Vec<SurvTime> = fixed
        .times
        .iter()
        .map(|&t| SurvTime::new(t).unwrap())
        .collect();
    let counts = EventCounts::from_observations(&times, &e).unwrap();
    let km = KaplanMeier::from_counts(
        &counts,
        KmOptions {
            conf_type: ConfType::LogLog,
            ..KmOptions::default()
        },
    );
    let want_t = r["km_time"].as_array().unwrap();
    assert_eq!(km.rows().len(), want_t.len());
    for (k, row) in km.rows().iter().enumerate() {
        close(&format!("km time[{k}]"), row.time.value(), &want_t[k]);
        assert_eq!(row.n_risk, r["km_n_risk"][k].as_f64().unwrap() as u64);
        assert_eq!(row.n_event, r["km_n_event"][k].as_f64().unwrap() as u64);
        close(&format!("km surv[{k}]"), row.surv, &r["km_surv"][k]);
        if let Ok(l) = row.lower {
            close(&format!("km lower[{k}]"), l, &r["km_lower"][k]);
        } else {
            assert!(r["km_lower"][k].is_null());
        }
        if let Ok(u) = row.upper {
            close(&format!("km upper[{k}]"), u, &r["km_upper"][k]);
        } else {
            assert!(r["km_upper"][k].is_null());
        }
    }
    // Without the fix the table has R's timefix = FALSE number of rows.
    let raw_times: Vec<SurvTime> = raw.iter().map(|&t| SurvTime::new(t).unwrap()).collect();
    let raw_counts = EventCounts::from_observations(&raw_times, &e).unwrap();
    assert_eq!(
        raw_counts.times().len() as u64,
        r["km_rows_without_timefix"].as_u64().unwrap()
    );
    // Log-rank by sex on the fixed times.
    let sex = col("sex");
    let groups: Vec<u32> = sex.iter().map(|&s| s as u32 - 1).collect();
    let per = EventCounts::by_group(&times, &e, &groups, 2).unwrap();
    let lr = mibg_stats::logrank::logrank(&per).unwrap();
    close("logrank chisq", lr.chisq, &r["logrank_chisq"]);
    for g in 0..2 {
        close(
            "logrank observed",
            lr.observed[g] as f64,
            &r["logrank_observed"][g],
        );
        close(
            "logrank expected",
            lr.expected[g],
            &r["logrank_expected"][g],
        );
    }
}

/// With unit weights and a single stratum, the weighted path (forced by
/// giving explicit unit weights) equals the unweighted fit, concordance
/// included (the O(n²) weighted concordance against the O(n log n) sweep).
#[test]
fn unit_weights_equal_the_unweighted_fit() {
    let col = columns("coxsw_lung_weights");
    let t = col("time");
    let e: Vec<bool> = col("event").iter().map(|&v| v == 1.0).collect();
    let names = ["sex", "age", "ph_ecog"];
    let cols: Vec<Vec<f64>> = names.iter().map(|n| col(n)).collect();
    let x = DMatrix::from_fn(t.len(), 3, |i, j| cols[j][i]);
    let ones = vec![1.0; t.len()];
    let plain = cox::fit(&t, &e, &x, &names, &CoxOptions::default()).unwrap();
    let w = cox::fit_with(
        &t,
        &e,
        &x,
        &names,
        CoxDesign {
            weights: Some(&ones),
            strata: None,
        },
        &CoxOptions::default(),
    )
    .unwrap();
    for (a, b) in plain.coef.iter().zip(&w.coef) {
        assert!((a - b).abs() <= 1e-12 * a.abs());
    }
    let (c1, c2) = (plain.concordance.unwrap(), w.concordance.unwrap());
    assert!((c1 - c2).abs() <= 1e-14, "{c1} {c2}");
    let (s1, s2) = (plain.concordance_se.unwrap(), w.concordance_se.unwrap());
    assert!((s1 - s2).abs() <= 1e-12 * s1, "{s1} {s2}");
}

#[test]
fn invalid_weights_and_shapes_are_errors() {
    let x = DMatrix::from_column_slice(3, 1, &[0.0, 1.0, 0.5]);
    let t = [1.0, 2.0, 3.0];
    let e = [true, true, false];
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let w = [1.0, bad, 1.0];
        let err = cox::fit_with(
            &t,
            &e,
            &x,
            &["x"],
            CoxDesign {
                weights: Some(&w),
                strata: None,
            },
            &CoxOptions::default(),
        )
        .unwrap_err();
        assert!(
            matches!(err, cox::CoxError::InvalidWeight { index: 1, .. }),
            "{err}"
        );
    }
    let err = cox::fit_with(
        &t,
        &e,
        &x,
        &["x"],
        CoxDesign {
            weights: None,
            strata: Some(&[0, 1]),
        },
        &CoxOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, cox::CoxError::Shape { .. }), "{err}");
}
