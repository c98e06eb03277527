//! Data-driven cases under `tests/data/dosimetry/<case>/` (see the
//! `PROVENANCE.md` there): hand-calculated expectations and SciPy
//! `curve_fit` references.

use mibg_dosimetry::*;
use mibg_units::*;
use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/dosimetry")
}

fn run_case(dir: &std::path::Path) -> (DoseAssessment, Value) {
    let case: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("case.json")).unwrap()).unwrap();
    let text = std::fs::read_to_string(dir.join("readings.csv")).unwrap();
    let r = parse_readings("readings.csv", &text, &ReadingsOptions::default()).unwrap();
    let mut req = DoseRequest::new(
        Mass::from_kg(case["weight_kg"].as_f64().unwrap()),
        Activity::from_mbq(case["activity_mbq"].as_f64().unwrap()),
    );
    req.model = match case["model"].as_str().unwrap() {
        "auto" => ModelChoice::Auto,
        "mono" => ModelChoice::Fixed(ModelKind::Mono),
        "bi" => ModelChoice::Fixed(ModelKind::Bi),
        _ => ModelChoice::Fixed(ModelKind::Trapezoid),
    };
    // The seed protocol's rules (protocols/seed.toml): 4 Gy, 777 MBq/kg,
    // 40 GBq course, 4.5 Gy ceiling, 1000 MBq minimum, 0.5 Gy margin.
    req.rules = SecondActivityRules {
        target_total: AbsorbedDose::from_gy(4.0),
        max_activity_per_kg: Some(ActivityPerMass::from_mbq_per_kg(777.0)),
        max_activity_per_infusion: None,
        max_total_activity: Some(Activity::from_gbq(40.0)),
        max_total_dose: Some(AbsorbedDose::from_gy(4.5)),
        min_worthwhile: Some(Activity::from_mbq(1000.0)),
        overshoot_margin: AbsorbedDose::from_gy(0.5),
    };
    req.uncertainty = Some(UncertaintyOptions {
        replicates: 200,
        ..Default::default()
    });
    (assess(&r, &req).unwrap(), case)
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

#[test]
fn every_case() {
    let mut n = 0;
    for entry in std::fs::read_dir(root()).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("case.json").exists() {
            continue;
        }
        n += 1;
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let (a, case) = run_case(&dir);
        if let Some(exp) = case["expected"].as_object() {
            for (k, v) in exp {
                let (want, tol) = (v[0].as_f64().unwrap(), v[1].as_f64().unwrap());
                let got = match k.as_str() {
                    "tau_h" => a.tau_h.hours(),
                    "tia_gbq_h" => a.tia.gbq_h(),
                    "absorbed_dose_gy" => a.dose1.gy(),
                    "second_activity_mbq" => a.plan.activity_mbq.mbq(),
                    other => panic!("{name}: unknown key {other}"),
                };
                assert!(
                    (got - want).abs() <= tol,
                    "{name} {k}: {got} vs {want} ± {tol}"
                );
            }
        }
        let scipy = dir.join("scipy.json");
        if scipy.exists() {
            let s: Value = serde_json::from_str(&std::fs::read_to_string(scipy).unwrap()).unwrap();
            assert_eq!(s["model"].as_str().unwrap(), a.fit.model.name(), "{name}");
            for (i, p) in s["params"].as_array().unwrap().iter().enumerate() {
                let (sp, rp) = (p.as_f64().unwrap(), a.fit.parameter_values[i]);
                assert!(rel(rp, sp) < 1e-4, "{name} param {i}: {rp} vs scipy {sp}");
            }
            let model = a.fit.model.name();
            let cov = a.fit.covariance.as_ref().unwrap();
            for (i, se) in s[model]["se"].as_array().unwrap().iter().enumerate() {
                let (sse, rse) = (se.as_f64().unwrap(), cov[i][i].sqrt());
                assert!(rel(rse, sse) < 1e-3, "{name} SE {i}: {rse} vs scipy {sse}");
            }
            let aicc = s[model]["aicc"].as_f64().unwrap();
            assert!((a.fit.aicc.unwrap() - aicc).abs() < 1e-3, "{name} AICc");
            for (k, got) in [
                ("tau_h", a.tau_h.hours()),
                ("absorbed_dose_gy", a.dose1.gy()),
                ("second_activity_mbq", a.plan.activity_mbq.mbq()),
                ("s_value_gy_per_gbq_h", a.s_value1.gy_per_gbq_h()),
            ] {
                let want = s[k].as_f64().unwrap();
                assert!(rel(got, want) < 1e-5, "{name} {k}: {got} vs scipy {want}");
            }
            // Bootstrap intervals: different generators → loose agreement.
            let u = a.uncertainty.as_ref().unwrap();
            let iv = s["interval95_dose_gy"].as_array().unwrap();
            let (sl, sh) = (iv[0].as_f64().unwrap(), iv[1].as_f64().unwrap());
            let w = (sh - sl).max(1e-9);
            assert!(
                (u.dose1.low_gy.gy() - sl).abs() < 0.25 * w + 1e-6,
                "{name} low {} vs {sl}",
                u.dose1.low_gy.gy()
            );
            assert!(
                (u.dose1.high_gy.gy() - sh).abs() < 0.25 * w + 1e-6,
                "{name} high {} vs {sh}",
                u.dose1.high_gy.gy()
            );
        }
    }
    assert!(n >= 4, "expected at least 4 cases, found {n}");
}
