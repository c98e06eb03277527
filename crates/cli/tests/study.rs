//! End-to-end tests of `mibg study` and `mibg demo`.
mod common;
use common::*;

#[test]
fn validate_accepts_the_bundled_seed_study() {
    let out = ok(&["study", "validate", "examples/seed-study"]);
    assert!(
        out.starts_with("examples/seed-study: valid — 26 patients, 52 infusions"),
        "{out}"
    );
}

#[test]
fn validate_lists_every_problem_of_a_broken_study_with_file_and_row() {
    let err = fails(&["study", "validate", "examples/study-broken"]);
    for line in [
        "the study is not valid (6 error(s)",
        "assessments/P1.toml: TOML parse error at line 1, column 1",
        "followup.csv row 3, field 'date': death 2021-03-10 of patient 'P1' is before an infusion (2021-03-15)",
        "infusions.csv row 3, field 'date': death (2021-03-10, followup.csv row 3) before this infusion (2021-03-15)",
        "patients.csv row 2, field 'sex': 'X' is not one of F, M",
        "readings.csv row 4, field 'patient': patient 'P2' is not in patients.csv",
        "readings.csv row 5, field 'hours': 20 h is not after the previous reading",
    ] {
        assert!(err.contains(line), "missing {line:?} in\n{err}");
    }
}

#[test]
fn validate_json_reports_problems_with_kind_file_and_row() {
    let out = mibg(&["study", "validate", "examples/study-broken", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], false);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 6);
    let sex = errors.iter().find(|e| e["field"] == "sex").unwrap();
    assert_eq!(sex["file"], "patients.csv");
    assert_eq!(sex["row"], 2);
    assert_eq!(sex["kind"], "not_allowed");
}

#[test]
fn validate_rejects_a_missing_folder() {
    let err = fails(&["study", "validate", "examples/no-such-study"]);
    assert!(err.contains("not a study folder"), "{err}");
}

fn report_json(dir: &str) -> serde_json::Value {
    serde_json::from_str(&ok(&["study", "report", dir, "--json"])).expect("one JSON document")
}

/// Publication rounding: half-up to whole percent (docs/reference/statistics.md §0).
fn pct(v: &serde_json::Value) -> f64 {
    (v.as_f64().expect("a number") + 0.5).floor()
}

fn round1(v: &serde_json::Value) -> f64 {
    (v.as_f64().unwrap() * 10.0).round() / 10.0
}

fn estimate(e: &serde_json::Value, x: u64, n: u64, method: &str, want: [f64; 3]) {
    assert_eq!(
        (e["x"].as_u64(), e["n"].as_u64()),
        (Some(x), Some(n)),
        "{e}"
    );
    assert_eq!(e["method"], method, "{e}");
    assert_eq!(
        [
            pct(&e["percent"]),
            pct(&e["lower_pct"]),
            pct(&e["upper_pct"])
        ],
        want,
        "{e}"
    );
}

fn landmark3(s: &serde_json::Value) -> [f64; 3] {
    let l = s["landmarks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["years"] == 3.0)
        .expect("3-year landmark");
    [
        pct(&l["percent"]),
        pct(&l["lower_pct"]),
        pct(&l["upper_pct"]),
    ]
}

/// Every figure of the seed abstract (De Ioris et al., ESMO Open
/// 2025;10(4):104541), reproduced from the raw synthetic records, rounded as
/// published; the CI method of each is the one docs/reference/statistics.md §10 identifies.
#[test]
fn the_seed_study_report_reproduces_every_published_figure() {
    let r = report_json("examples/seed-study");
    assert_eq!(r["synthetic"], true);
    let c = &r["cohort"];
    assert_eq!(c["n"], 26);
    // Median age 5.9 years (range 2.5–17.2).
    let age = &c["age_years"]["summary"];
    assert_eq!(
        [
            round1(&age["median"]),
            round1(&age["min"]),
            round1(&age["max"])
        ],
        [5.9, 2.5, 17.2]
    );
    // 23 bone/bone-marrow involvement, 21 primary/soft-tissue uptake.
    assert_eq!(c["bone_marrow_involved"], 23);
    assert_eq!(c["soft_tissue_involved"], 21);
    // Median SIOPEN 10 (1–70) at baseline; after treatment 6 (0–70), median reduction 35 %.
    let sb = &c["siopen_before"]["summary"];
    assert_eq!(
        (
            sb["n"].as_u64(),
            sb["median"].as_f64(),
            sb["min"].as_f64(),
            sb["max"].as_f64()
        ),
        (Some(23), Some(10.0), Some(1.0), Some(70.0))
    );
    let sa = &c["siopen_after"]["summary"];
    assert_eq!(
        (
            sa["median"].as_f64(),
            sa["min"].as_f64(),
            sa["max"].as_f64()
        ),
        (Some(6.0), Some(0.0), Some(70.0))
    );
    assert_eq!(pct(&c["siopen_reduction_pct"]["summary"]["median"]), 35.0);
    // ORR 48 % (28–69) = 12/25 Clopper–Pearson, "with only one progression".
    estimate(
        &c["response_rate"],
        12,
        25,
        "clopper-pearson",
        [48.0, 28.0, 69.0],
    );
    assert_eq!(c["best_response"]["PD"], 1);
    // SIOPEN < 7: 52 % (32–73) = 12/23 Wald; soft tissue < 5 cm: 67 % (43–91) = 10/15 Wald.
    estimate(&c["siopen_endpoint"], 12, 23, "wald", [52.0, 32.0, 73.0]);
    estimate(
        &c["soft_tissue_endpoint"],
        10,
        15,
        "wald",
        [67.0, 43.0, 91.0],
    );
    // One grade 4 mucositis; no toxic deaths; hypothyroidism in 6 of 14 survivors.
    let tox = c["toxicity"].as_array().unwrap();
    let muc = tox.iter().find(|t| t["term"] == "Mucositis oral").unwrap();
    assert_eq!(muc["grade_4"], 1);
    assert_eq!(muc["grade_5"], 0);
    assert_eq!(c["toxic_deaths"], 0);
    assert_eq!(
        (
            c["hypothyroidism"]["x"].as_u64(),
            c["hypothyroidism"]["n"].as_u64()
        ),
        (Some(6), Some(14))
    );
    // 65 % GD2-CAR-T, 50 % busulfan–melphalan.
    let th = c["therapies"].as_array().unwrap();
    let find = |code: &str| {
        th.iter()
            .find(|t| t["name"].as_str().unwrap().contains(code))
            .unwrap()
    };
    assert_eq!(pct(&find("gd2_car_t")["percent"]), 65.0);
    assert_eq!(pct(&find("busulfan_melphalan")["percent"]), 50.0);
    // 3-year OS 55 % (33–73), EFS 42 % (23–60): Kaplan–Meier, log-log CI.
    assert_eq!(landmark3(&c["os"]), [55.0, 33.0, 73.0]);
    assert_eq!(landmark3(&c["efs"]), [42.0, 23.0, 60.0]);
    assert!(c["os"]["method"].as_str().unwrap().contains("log-log"));
}

#[test]
fn demo_writes_a_self_contained_html_report_json_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let text = ok(&["demo", "--out", out.to_str().unwrap()]);
    assert!(text.starts_with("SYNTHETIC DATA"), "{text}");
    assert!(
        text.contains("Overall response rate (CR + PR): 48 % (28–69)"),
        "{text}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("SYNTHETIC DATA"));
    assert!(html.contains("<svg") && html.contains("Number at risk"));
    // Offline: no script and no external resource.
    assert!(!html.contains("<script") && !html.contains("<link") && !html.contains("<img"));
    assert!(!html.contains("src=") && !html.contains("href=\"http"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["cohort"]["n"], 26);
    let svg = std::fs::read_to_string(out.join("km-os.svg")).unwrap();
    assert!(svg.starts_with("<svg"));
}

#[test]
fn one_patient_study_has_its_known_answers() {
    // tests/data/study/one-patient/PROVENANCE.md: docs/reference/dosimetry.md §10.3 vector.
    let r = report_json("tests/data/study/one-patient");
    let p = &r["patients"][0];
    let d = &p["dosimetry"];
    let close = |v: &serde_json::Value, want: f64, rel: f64| {
        let x = v.as_f64().unwrap();
        assert!((x - want).abs() <= rel * want, "{x} vs {want}");
    };
    close(&d["dose1_gy"], 2.1749, 0.015);
    close(&d["a2_prescribed_mbq"], 7452.0, 0.015);
    close(&d["dose2_gy"], 1.8247, 0.015);
    close(&d["delivered_total_gy"], 3.9996, 0.015);
    assert_eq!(p["response"]["best"], "PR");
    assert_eq!(p["efs"]["days"], 312);
    assert_eq!(p["efs"]["event"], true);
    assert_eq!(p["os"]["days"], 848);
    assert_eq!(p["os"]["event"], false);
    let c = &r["cohort"];
    estimate(
        &c["response_rate"],
        1,
        1,
        "clopper-pearson",
        [100.0, 3.0, 100.0],
    );
    assert!((c["response_rate"]["lower_pct"].as_f64().unwrap() - 2.5).abs() < 1e-9);
    assert_eq!(
        (
            c["soft_tissue_endpoint"]["x"].as_u64(),
            c["soft_tissue_endpoint"]["n"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(c["siopen_endpoint"]["n"], 0);
    assert!(c["siopen_endpoint"]["percent"].is_null());
    // S(3 y): EFS 0, OS 1 beyond the last time; log-log CIs undefined.
    let efs = &c["efs"]["landmarks"][0];
    assert_eq!(efs["percent"], 0.0);
    assert!(efs["lower_pct"].is_null());
    let os = &c["os"]["landmarks"][0];
    assert_eq!(os["percent"], 100.0);
    assert_eq!(os["beyond_last_time"], true);
    assert_eq!(c["median_followup"]["days"], 848.0);
}

#[test]
fn four_patient_study_matches_r_survival() {
    // tests/data/study/four-patients/PROVENANCE.md (R 4.2.2, survival 3.5-3).
    let r = report_json("tests/data/study/four-patients");
    let c = &r["cohort"];
    let rel = |v: &serde_json::Value, want: f64| {
        let x = v.as_f64().unwrap();
        assert!((x - want).abs() <= 1e-9 * want.abs(), "{x} vs {want}");
    };
    for s in [&c["os"], &c["efs"]] {
        let l = &s["landmarks"][0];
        rel(&l["percent"], 37.5);
        rel(&l["lower_pct"], 1.097112157);
        rel(&l["upper_pct"], 80.800107248);
        rel(&l["std_err_pct"], 28.641098093);
        assert_eq!(l["n_risk"], 1);
    }
    assert_eq!(c["os"]["median"]["days"], 800.0);
    assert_eq!(c["os"]["median"]["lower_days"], 200.0);
    assert!(c["os"]["median"]["upper_days"].is_null());
    assert_eq!(c["efs"]["median"]["days"], 600.0);
    assert_eq!(c["median_followup"]["days"], 1200.0);
    assert_eq!(c["median_followup"]["lower_days"], 500.0);
    let th = c["therapies"].as_array().unwrap();
    let car = th
        .iter()
        .find(|t| t["name"].as_str().unwrap().contains("gd2_car_t"))
        .unwrap();
    rel(&car["lower_pct"], 6.758598649);
    rel(&car["upper_pct"], 93.241401351);
    let bm = th
        .iter()
        .find(|t| t["name"].as_str().unwrap().contains("busulfan"))
        .unwrap();
    rel(&bm["lower_pct"], 0.630946321);
    rel(&bm["upper_pct"], 80.587955032);
    // No assessment files: nobody evaluable, ORR undefined (not a crash).
    assert_eq!(c["response_rate"]["n"], 0);
    assert_eq!(c["best_response"]["NE"], 4);
}

#[test]
fn report_refuses_an_invalid_study_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let err = fails(&[
        "study",
        "report",
        "examples/study-broken",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(err.contains("patients.csv row 2, field 'sex'"), "{err}");
    assert!(!out.exists());
}

/// The README's `mibg demo` output is the real output (up to the line naming
/// the output folder, which the test changes).
#[test]
fn readme_demo_output_is_current() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = readme
        .find("$ mibg demo\n")
        .expect("README shows mibg demo")
        + "$ mibg demo\n".len();
    let block = &readme[start..];
    let block = &block[..block
        .find("\nReport written to")
        .expect("end of the demo output")];
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&["demo", "--out", dir.path().to_str().unwrap()]);
    let out = &out[..out.find("\nReport written to").unwrap()];
    assert_eq!(
        block, out,
        "README demo output is stale: paste the output of `mibg demo`"
    );
}
