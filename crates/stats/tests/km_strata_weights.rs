//! The weighted Kaplan–Meier curve and the stratified log-rank test against
//! R `survival` 3.5-3 (`tests/data/stats/km_lung_strata_weights`, produced by
//! `scripts/validation/km_strata_weights.R` on the data of
//! `coxsw_lung_strata_weights`; see PROVENANCE.md). rtol 1e-9 on every
//! number (the same sums in the same order as R up to rounding).

use mibg_stats::km::{ConfType, EventCounts, KaplanMeier, KmError, KmOptions};
use mibg_stats::logrank::{logrank, logrank_stratified};
use mibg_stats::time::SurvTime;
use serde_json::Value;
use std::path::PathBuf;

const TOL: f64 = 1e-9;

fn dir(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/stats")
        .join(case)
}

fn column(name: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(dir("coxsw_lung_strata_weights").join("data.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let k = header.iter().position(|h| *h == name).unwrap();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').nth(k).unwrap().parse().unwrap())
        .collect()
}

fn expected() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(dir("km_lung_strata_weights").join("expected.json")).unwrap(),
    )
    .unwrap()
}

fn close(what: &str, got: f64, want: &Value) {
    let want = want
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number"));
    let rel = (got - want).abs() / want.abs().max(f64::MIN_POSITIVE);
    assert!(rel <= TOL, "{what}: got {got:e}, R {want:e}, rel {rel:.2e}");
}

fn data() -> (Vec<SurvTime>, Vec<bool>, Vec<f64>) {
    let t = column("time")
        .into_iter()
        .map(|v| SurvTime::new(v).unwrap())
        .collect();
    let e = column("event").into_iter().map(|v| v == 1.0).collect();
    (t, e, column("weight"))
}

const LOGLOG: KmOptions = KmOptions {
    conf_type: ConfType::LogLog,
    conf_level: mibg_stats::conf::ConfLevel::NINETY_FIVE,
};

#[test]
fn weighted_km_matches_r_survfit_robust_false() {
    let r = expected();
    let (t, e, w) = data();
    let counts = EventCounts::from_weighted(&t, &e, &w).unwrap();
    assert!(counts.is_weighted());
    let km = KaplanMeier::from_counts(&counts, LOGLOG);
    let times = r["km_time"].as_array().unwrap();
    assert_eq!(km.rows().len(), times.len());
    for (k, row) in km.rows().iter().enumerate() {
        let wr = row.weighted.unwrap();
        close(&format!("time[{k}]"), row.time.value(), &times[k]);
        close(&format!("n.risk[{k}]"), wr.n_risk, &r["km_n_risk"][k]);
        if row.n_event > 0 {
            close(&format!("n.event[{k}]"), wr.n_event, &r["km_n_event"][k]);
        } else {
            assert_eq!(r["km_n_event"][k].as_f64().unwrap(), 0.0);
        }
        close(&format!("surv[{k}]"), row.surv, &r["km_surv"][k]);
        close(
            &format!("std.err[{k}]"),
            row.std_err.unwrap(),
            &r["km_std_err"][k],
        );
        close(
            &format!("lower[{k}]"),
            row.lower.unwrap(),
            &r["km_lower"][k],
        );
        close(
            &format!("upper[{k}]"),
            row.upper.unwrap(),
            &r["km_upper"][k],
        );
    }
    let m = km.median();
    close("median", m.estimate.unwrap().value(), &r["km_median"][0]);
    close("median lower", m.lower.unwrap().value(), &r["km_median"][1]);
    close("median upper", m.upper.unwrap().value(), &r["km_median"][2]);
    // The weights change the estimate: the unweighted curve differs.
    let plain = KaplanMeier::fit(&t, &e, LOGLOG).unwrap();
    assert!((plain.rows()[1].surv - km.rows()[1].surv).abs() > 1e-4);
}

#[test]
fn unit_weights_equal_the_unweighted_curve() {
    let (t, e, _) = data();
    let ones = vec![1.0; t.len()];
    let a = KaplanMeier::from_counts(&EventCounts::from_weighted(&t, &e, &ones).unwrap(), LOGLOG);
    let b = KaplanMeier::fit(&t, &e, LOGLOG).unwrap();
    assert!(
        !EventCounts::from_observations(&t, &e)
            .unwrap()
            .is_weighted()
    );
    assert!(b.rows().iter().all(|r| r.weighted.is_none()));
    for (x, y) in a.rows().iter().zip(b.rows()) {
        assert_eq!(x.weighted.unwrap().n_risk, y.n_risk as f64);
        assert!((x.surv - y.surv).abs() < 1e-15);
        assert!((x.std_err.unwrap() - y.std_err.unwrap()).abs() < 1e-15);
    }
}

#[test]
fn invalid_weights_are_errors() {
    let (t, e, mut w) = data();
    w[3] = 0.0;
    assert!(matches!(
        EventCounts::from_weighted(&t, &e, &w),
        Err(KmError::InvalidWeight { index: 3, .. })
    ));
    w[3] = f64::NAN;
    assert!(EventCounts::from_weighted(&t, &e, &w).is_err());
    assert!(matches!(
        EventCounts::from_weighted(&t, &e, &w[1..]),
        Err(KmError::LengthMismatch { what: "weight", .. })
    ));
}

#[test]
fn stratified_logrank_matches_r_survdiff() {
    let r = expected();
    let (t, e, _) = data();
    let ecog = column("ph_ecog");
    let stratum = column("stratum");
    let keep: Vec<usize> = (0..t.len()).filter(|&i| ecog[i] <= 2.0).collect();
    // strata 1, 2 (sex) × groups ph_ecog 0, 1, 2
    let mut strata = Vec::new();
    for s in [1.0, 2.0] {
        let mut groups = Vec::new();
        for g in [0.0, 1.0, 2.0] {
            let rows: Vec<usize> = keep
                .iter()
                .copied()
                .filter(|&i| stratum[i] == s && ecog[i] == g)
                .collect();
            let tt: Vec<SurvTime> = rows.iter().map(|&i| t[i]).collect();
            let ee: Vec<bool> = rows.iter().map(|&i| e[i]).collect();
            groups.push(EventCounts::from_observations(&tt, &ee).ok());
        }
        strata.push(groups);
    }
    let lr = logrank_stratified(&strata).unwrap();
    close("chisq", lr.chisq, &r["logrank_chisq"]);
    close("p", lr.p, &r["logrank_p"]);
    assert_eq!(lr.df, 2);
    for g in 0..3 {
        assert_eq!(lr.n[g], r["logrank_n"][g].as_u64().unwrap());
        assert_eq!(lr.observed[g], r["logrank_observed"][g].as_u64().unwrap());
        close("expected", lr.expected[g], &r["logrank_expected"][g]);
    }
    // One stratum holding everything is the ordinary test (R without strata).
    let pooled: Vec<EventCounts> = (0..3)
        .map(|g| {
            let rows: Vec<usize> = keep
                .iter()
                .copied()
                .filter(|&i| ecog[i] == g as f64)
                .collect();
            let tt: Vec<SurvTime> = rows.iter().map(|&i| t[i]).collect();
            let ee: Vec<bool> = rows.iter().map(|&i| e[i]).collect();
            EventCounts::from_observations(&tt, &ee).unwrap()
        })
        .collect();
    let plain = logrank(&pooled).unwrap();
    close(
        "unstratified",
        plain.chisq,
        &r["logrank_unstratified_chisq"],
    );
    let one = logrank_stratified(&[pooled.into_iter().map(Some).collect()]).unwrap();
    assert_eq!(one.chisq, plain.chisq);
    assert!(logrank_stratified(&[vec![None, None], vec![None]]).is_err());
}
