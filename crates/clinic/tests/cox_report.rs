//! The Cox models of the seed-study report against R `survival` 3.5-3
//! (`tests/data/study/seed-cox/`, produced by
//! `scripts/validation/seed_cox.sh`; see its PROVENANCE.md): the report used
//! exactly the per-patient inputs of `data.csv`, and its fits equal R's on
//! them (rtol 1e-9; domain tolerance 1e-6 on coefficients, 1e-5 on p).
//! Also: the declarations are checked by `validate` exactly as by `report`,
//! and a degenerate proportion carries its warning.

mod common;
use common::seed;
use mibg_clinic::cohort::{cox, report, validate};
use mibg_study::StudyInput;
use mibg_study::config::{CoxCovariate, Endpoint};
use serde_json::Value;

fn golden(file: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../tests/data/study/seed-cox/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn close(what: &str, got: f64, want: &Value) {
    let want = want.as_f64().unwrap();
    let rel = (got - want).abs() / want.abs();
    assert!(rel <= 1e-9, "{what}: {got:e} vs R {want:e} ({rel:.1e})");
}

#[test]
fn the_report_used_the_golden_inputs() {
    let r = report(&seed()).unwrap();
    let data = golden("data.csv");
    let mut lines = data.lines();
    lines.next();
    for (line, p) in lines.zip(&r.patients) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f[0], p.patient);
        let efs = p.efs.as_ref().unwrap();
        let os = p.os.as_ref().unwrap();
        assert_eq!(f[1].parse::<i64>().unwrap(), efs.days);
        assert_eq!(f[2] == "1", efs.event);
        assert_eq!(f[3].parse::<i64>().unwrap(), os.days);
        assert_eq!(f[4] == "1", os.event);
        assert_eq!(
            Some(f[5].parse::<f64>().unwrap()),
            cox::covariate(p, CoxCovariate::AgeYears)
        );
        assert_eq!(
            f[6].parse::<f64>().ok(),
            cox::covariate(p, CoxCovariate::SiopenBefore)
        );
        assert_eq!(
            Some(f[7].parse::<f64>().unwrap()),
            cox::covariate(p, CoxCovariate::BoneMarrowInvolved)
        );
        assert!(cox::endpoint_time(p, Endpoint::Os).is_some());
    }
}

#[test]
fn the_cox_models_equal_r() {
    let r = report(&seed()).unwrap();
    let want: Value = serde_json::from_str(&golden("expected.json")).unwrap();
    assert_eq!(r.cohort.cox.len(), 2);
    for m in &r.cohort.cox {
        let w = &want[&m.name];
        let f = m.fit.as_ref().unwrap();
        assert_eq!(f.n as u64, w["n"].as_u64().unwrap(), "{}", m.name);
        assert_eq!(f.n_events as u64, w["n_events"].as_u64().unwrap());
        assert_eq!(u64::from(f.iterations), w["iterations"].as_u64().unwrap());
        for k in 0..f.coef.len() {
            close("coef", f.coef[k], &w["coef"][k]);
            close("se", f.se[k].unwrap(), &w["se"][k]);
            close("p", f.p[k].unwrap(), &w["p"][k]);
            close("hr_lower", f.hr_lower[k].unwrap(), &w["hr_lower"][k]);
            close("hr_upper", f.hr_upper[k].unwrap(), &w["hr_upper"][k]);
        }
        close("lr", f.lr_chisq, &w["lr_chisq"]);
        close("wald", f.wald_chisq.unwrap(), &w["wald_chisq"]);
        close("score", f.score_chisq, &w["score_chisq"]);
        close("C", f.concordance.unwrap(), &w["concordance"]);
        close("C se", f.concordance_se.unwrap(), &w["concordance_se"]);
    }
    assert_eq!(r.cohort.cox[1].strata, vec!["bone_marrow_involved"]);
    assert_eq!(r.cohort.cox[1].fit.as_ref().unwrap().n_strata, 2);
    // Rendered: text and HTML carry the table; JSON the fit.
    let text = mibg_clinic::cohort::render::render_text(&r);
    assert!(
        text.contains("  age_years                HR 0.936 (95 % CI 0.807–1.085), p = 0.380"),
        "{text}"
    );
    let html = mibg_clinic::cohort::render::render_html(&r);
    assert!(
        html.contains("<h3>Cox model &#39;age, stratified")
            || html.contains("<h3>Cox model 'age, stratified")
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["cohort"]["cox"][0]["fit"]["ties"], "efron");
}

fn edited(from: &str, to: &str) -> StudyInput {
    let mut s = seed();
    let t = s.files["study.toml"].clone();
    assert!(t.contains(from));
    s.insert("study.toml", t.replacen(from, to, 1));
    s
}

/// Bad declarations are errors of `validate` and refusals of `report`,
/// with the same problems, located at the key's line.
#[test]
fn declarations_are_checked_by_validate_and_report_alike() {
    let cases = [
        (
            "covariates = [\"age_years\", \"siopen_before\"]",
            "covariates = []",
            "covariates must name at least one",
        ),
        (
            "covariates = [\"age_years\", \"siopen_before\"]",
            "covariates = [\"age_years\", \"age_years\"]",
            "covariate 'age_years' is listed twice",
        ),
        (
            "name = \"age, stratified by marrow involvement\"",
            "name = \"age and baseline SIOPEN score\"",
            "is used by an earlier model",
        ),
        (
            "strata = [\"bone_marrow_involved\"]",
            "strata = [\"bone_marrow_involved\"]\ncovariates = [\"bone_marrow_involved\"]",
            "",
        ),
    ];
    for (from, to, msg) in cases {
        let s = edited(from, to);
        let v = validate(&s);
        let e = report(&s).unwrap_err();
        assert_eq!(v.problems.errors, e.errors);
        assert!(!v.problems.errors.is_empty(), "{to}");
        if !msg.is_empty() {
            let p = &v.problems.errors[0];
            assert!(p.message.contains(msg), "{}", p.message);
            assert_eq!(p.file, "study.toml");
            let line = s.files["study.toml"]
                .lines()
                .collect::<Vec<_>>()
                .iter()
                .rposition(|l| l.starts_with(to.lines().next().unwrap()))
                .unwrap() as u64
                + 1;
            assert_eq!(p.row, Some(line), "{}", p.message);
        }
    }
    // Stratum also a covariate.
    let s = edited(
        "covariates = [\"age_years\"]\nstrata",
        "covariates = [\"age_years\", \"bone_marrow_involved\"]\nstrata",
    );
    let e = report(&s).unwrap_err();
    assert!(
        e.errors[0]
            .message
            .contains("'bone_marrow_involved' is both a stratum and a covariate"),
        "{:?}",
        e.errors
    );
    // An unknown covariate is a parse error of study.toml.
    let s = edited("\"siopen_before\"]", "\"tumour_size\"]");
    assert!(!validate(&s).problems.errors.is_empty());
}

/// A model that cannot be estimated on the data is a warning of both acts
/// (the report is still produced and names the reason).
#[test]
fn a_model_that_cannot_be_estimated_is_a_warning_of_both() {
    // Every patient made male: `male` is then constant.
    let mut s = edited(
        "covariates = [\"age_years\"]\nstrata",
        "covariates = [\"male\"]\nstrata",
    );
    let t = s.files["patients.csv"].replace(",F,", ",M,");
    s.insert("patients.csv", t);
    let r = report(&s).unwrap();
    let v = validate(&s);
    assert_eq!(
        v.problems
            .warnings
            .iter()
            .map(|w| w.to_string())
            .collect::<Vec<_>>(),
        r.warnings
    );
    let m = &r.cohort.cox[1];
    assert!(m.fit.is_none());
    assert_eq!(
        m.not_estimable.as_deref(),
        Some("covariate 'male' is constant (1): its coefficient is not estimable")
    );
    let w = v
        .problems
        .warnings
        .iter()
        .find(|w| w.message.contains("cannot be estimated"))
        .unwrap();
    assert_eq!(w.file, "study.toml");
    assert_eq!(w.field.as_deref(), Some("analysis.cox[2].covariates"));
    let text = mibg_clinic::cohort::render::render_text(&r);
    assert!(
        text.contains("  not estimable            covariate 'male' is constant"),
        "{text}"
    );
}
