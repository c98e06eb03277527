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
        "assessments/P1.toml line 1: TOML parse error at line 1, column 1",
        "followup.csv line 3, column 'date': death 2021-03-10 of patient 'P1' is before an infusion (2021-03-15)",
        "infusions.csv line 3, column 'date': death (2021-03-10, followup.csv line 3) before this infusion (2021-03-15)",
        "patients.csv line 2, column 'sex': 'X' is not one of F, M",
        "readings.csv line 4, column 'patient': patient 'P2' is not in patients.csv",
        "readings.csv line 5, column 'hours': 20 h is not after the previous reading",
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
    assert!(err.contains("patients.csv line 2, column 'sex'"), "{err}");
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

/// A copy of the seed study with one file edited by `edit` (file name →
/// new text, None = delete the file).
fn seed_with(edits: &[(&str, Option<&str>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = repo_root().join("examples/seed-study");
    let copy = |from: &std::path::Path, to: &std::path::Path| {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            if e.path().is_file() {
                std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
    };
    copy(&src, dir.path());
    copy(&src.join("assessments"), &dir.path().join("assessments"));
    for (name, text) in edits {
        let p = dir.path().join(name);
        match text {
            Some(t) => std::fs::write(p, t).unwrap(),
            None => std::fs::remove_file(p).unwrap(),
        }
    }
    dir
}

fn seed_file(name: &str) -> String {
    std::fs::read_to_string(repo_root().join("examples/seed-study").join(name)).unwrap()
}

/// `study validate` and `study report` both refuse, with the same problem
/// list, and the list contains `want`.
fn both_refuse(dir: &tempfile::TempDir, want: &str) {
    let d = dir.path().to_str().unwrap();
    let v = fails(&["study", "validate", d]);
    let r = fails(&["study", "report", d, "--json"]);
    assert!(v.contains(want), "validate: missing {want:?} in\n{v}");
    assert_eq!(v, r, "validate and report list different problems");
}

fn replace_line(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1)
}

#[test]
fn a_weight_change_between_infusions_is_refused_by_validate_and_report() {
    let inf = replace_line(
        &seed_file("infusions.csv"),
        "SYN-03,2,2017-05-02,4930,14.9",
        "SYN-03,2,2017-05-02,4930,41.9",
    );
    let dir = seed_with(&[("infusions.csv", Some(&inf))]);
    both_refuse(
        &dir,
        "infusions.csv line 8, column 'weight_kg': weight at infusion 2 41.9 kg differs from the weight at infusion 1 (15.2 kg, line 7) by +176 %",
    );
}

#[test]
fn an_infusion1_activity_typed_x10_or_in_mci_is_refused_as_mibg_dose_refuses_it() {
    for (typed, slip) in [
        (
            "67500",
            "a slipped decimal point in the activity or the weight?",
        ),
        ("182.4", "in mCi?"),
    ] {
        let inf = replace_line(
            &seed_file("infusions.csv"),
            "SYN-03,1,2017-04-18,6750,15.2",
            &format!("SYN-03,1,2017-04-18,{typed},15.2"),
        );
        let dir = seed_with(&[("infusions.csv", Some(&inf))]);
        both_refuse(
            &dir,
            "infusions.csv line 7, column 'activity_mbq': infusion 1 of patient 'SYN-03' at 15.2 kg:",
        );
        both_refuse(&dir, slip);
    }
}

#[test]
fn an_accepted_override_lets_the_study_report_and_is_shown() {
    let inf = replace_line(
        &seed_file("infusions.csv"),
        "SYN-03,1,2017-04-18,6750,15.2",
        "SYN-03,1,2017-04-18,9000,15.2",
    );
    let dir = seed_with(&[
        ("infusions.csv", Some(&inf)),
        (
            "overrides.csv",
            Some(
                "patient,check,accepted_by,reason\nSYN-03,infusion1-activity,A. Physicist,full vial given by decision of the board\n",
            ),
        ),
    ]);
    let d = dir.path().to_str().unwrap();
    let v = ok(&["study", "validate", d]);
    assert!(v.contains(": valid"), "{v}");
    let r: serde_json::Value =
        serde_json::from_str(&ok(&["study", "report", d, "--json"])).unwrap();
    let o = &r["overrides"][0];
    assert_eq!(o["patient"], "SYN-03");
    assert_eq!(o["check"], "infusion1-activity");
    assert_eq!(o["accepted_by"], "A. Physicist");
    assert!(
        o["finding"]
            .as_str()
            .unwrap()
            .contains("infusions.csv line 7"),
        "{o}"
    );
    let text = ok(&["study", "report", d]);
    assert!(
        text.contains("Accepted: SYN-03 infusion1-activity by A. Physicist"),
        "{text}"
    );
    // An override of an unknown check is an error of both commands.
    let dir = seed_with(&[(
        "overrides.csv",
        Some("patient,check,accepted_by\nSYN-03,everything,A. Physicist\n"),
    )]);
    both_refuse(
        &dir,
        "overrides.csv line 2, column 'check': 'everything' is not a check",
    );
}

#[test]
fn protocol_names_and_missing_protocol_files_are_refused_by_validate_and_report() {
    let toml = seed_file("study.toml");
    let dir = seed_with(&[(
        "study.toml",
        Some(&replace_line(&toml, "name = \"seed\"", "name = \"seeed\"")),
    )]);
    both_refuse(
        &dir,
        "study.toml field 'protocol.name': [protocol] name 'seeed' is not a built-in protocol",
    );
    let dir = seed_with(&[(
        "study.toml",
        Some(&replace_line(
            &toml,
            "name = \"seed\"",
            "file = \"local.toml\"",
        )),
    )]);
    both_refuse(
        &dir,
        "[protocol] file 'local.toml' is not in the study folder",
    );
}

#[test]
fn readings_in_days_and_too_few_readings_are_refused_by_validate_and_report() {
    // SYN-05 infusion 1 in days: every time / 24.
    let mut text = seed_file("readings.csv");
    for (h, d) in [
        ("3.98", "0.17"),
        ("7.79", "0.32"),
        ("24.72", "1.03"),
        ("31.44", "1.31"),
        ("47.69", "1.99"),
        ("72.53", "3.02"),
        ("95.99", "4.0"),
        ("119.37", "4.97"),
    ] {
        text = replace_line(&text, &format!("SYN-05,1,{h},"), &format!("SYN-05,1,{d},"));
    }
    let dir = seed_with(&[("readings.csv", Some(&text))]);
    both_refuse(
        &dir,
        "readings.csv line 83, column 'hours': dosimetry of patient 'SYN-05', infusion 1: readings.csv (patient SYN-05, infusion 1): the last reading is at 4.97 h",
    );
    both_refuse(&dir, "are the times in days instead of hours?");
    // Two readings only.
    let text: String = seed_file("readings.csv")
        .lines()
        .filter(|l| {
            !l.starts_with("SYN-05,2,")
                || l.starts_with("SYN-05,2,0.0,")
                || l.starts_with("SYN-05,2,4.58,")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = seed_with(&[("readings.csv", Some(&text))]);
    both_refuse(&dir, "readings of patient 'SYN-05', infusion 2");
    both_refuse(&dir, "2 reading(s); at least 3 are needed");
}

#[test]
fn a_missing_or_header_only_readings_file_reports_without_dosimetry() {
    for edit in [None, Some("patient,infusion,hours,reading,background\n")] {
        let dir = seed_with(&[("readings.csv", edit)]);
        let d = dir.path().to_str().unwrap();
        let v = ok(&["study", "validate", d]);
        assert!(v.contains(": valid"), "{v}");
        let r: serde_json::Value =
            serde_json::from_str(&ok(&["study", "report", d, "--json"])).unwrap();
        assert!(r["patients"][0]["dosimetry"].is_null());
        assert_eq!(r["cohort"]["dosimetry"][0]["summary"]["n"], 0);
    }
}

#[test]
fn absurd_study_toml_values_are_refused_with_the_unit_slip_named() {
    let toml = seed_file("study.toml");
    for (from, to, want) in [
        (
            "landmark_years = [1.0, 2.0, 3.0]",
            "landmark_years = [365.0]",
            "study.toml line 16, field 'analysis.landmark_years': [analysis] landmark_years: 365 must be a number of years above 0 and at most 30 (days? 365 days = 1 year)",
        ),
        (
            "landmark_years = [1.0, 2.0, 3.0]",
            "landmark_years = [1e306]",
            "landmark_years: 1e306 must be a number of years",
        ),
        (
            "landmark_years = [1.0, 2.0, 3.0]",
            "landmark_years = [36.0]",
            "(months? 12 months = 1 year; or days? 365 days = 1 year)",
        ),
        (
            "conf_level = 0.95",
            "conf_level = 95",
            "conf_level 95 must lie between 0.5 and 0.999 (a fraction) (a percentage? 95 means 0.95)",
        ),
        (
            "siopen_threshold = 7",
            "siopen_threshold = 0",
            "siopen_threshold 0 must lie between 1 and 72",
        ),
        (
            "soft_tissue_threshold_mm = 50.0",
            "soft_tissue_threshold_mm = -50.0",
            "soft_tissue_threshold_mm -50 must lie between 10 and 300 mm",
        ),
        (
            "soft_tissue_threshold_mm = 50.0",
            "soft_tissue_threshold_mm = 5.0",
            "(in cm? 5 cm = 50 mm)",
        ),
        (
            "data_cutoff = \"2024-10-31\"",
            "data_cutoff = \"1900-10-31\"",
            "data_cutoff 1900-10-31 is outside 1980-01-01 – 2100-12-31",
        ),
    ] {
        let dir = seed_with(&[("study.toml", Some(&replace_line(&toml, from, to)))]);
        both_refuse(&dir, want);
    }
}

#[test]
fn a_birth_year_of_1900_is_refused() {
    let p = replace_line(
        &seed_file("patients.csv"),
        "SYN-03,F,2013-09-11",
        "SYN-03,F,1900-09-11",
    );
    let dir = seed_with(&[("patients.csv", Some(&p))]);
    both_refuse(
        &dir,
        "patients.csv line 5, column 'birth_date': birth date 1900-09-11 gives an age of 117 years at the first infusion (2017-04-18), above 100",
    );
}

/// Lesion diameters in the JSON are in mm, as the field names say: SYN-02's
/// primary measures 72 mm at baseline (assessments/SYN-02.toml).
#[test]
fn lesion_diameters_in_the_json_are_in_millimetres() {
    let r = report_json("examples/seed-study");
    let p = r["patients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["patient"] == "SYN-02")
        .unwrap();
    assert_eq!(p["response"]["largest_soft_tissue_before_mm"], 72.0);
}

/// Issue 9: the study folder goes through the same plausibility gate as
/// `mibg dose`. A 24 h reading typed as 1.0787 instead of 107.87 (a slipped
/// decimal point) is refused by validate and report alike, at its line of
/// readings.csv, naming the check and the slip; accepting one check by name
/// lets the next one refuse; accepting every failed check by a named person
/// lets the report run, with each acceptance among its warnings.
#[test]
fn a_mistyped_reading_in_the_study_is_refused_by_the_gate_unless_accepted() {
    let rd = replace_line(
        &seed_file("readings.csv"),
        "SYN-01,1,23.77,107.87,0.1",
        "SYN-01,1,23.77,1.0787,0.1",
    );
    let dir = seed_with(&[("readings.csv", Some(&rd))]);
    both_refuse(
        &dir,
        "readings.csv line 6, column 'reading': dosimetry of patient 'SYN-01', infusion 1: the readings fail the plausibility gate: [rise] line 6 (23.77 h, reading 1.079)",
    );
    both_refuse(&dir, "a slipped decimal point (1.079 for 107.9?)");
    both_refuse(
        &dir,
        "[check 'rise': if the readings are right, accept in overrides.csv]",
    );
    let overrides = |checks: &[&str]| {
        let mut t = "patient,check,accepted_by,reason\n".to_string();
        for c in checks {
            t.push_str(&format!(
                "SYN-01,{c},A. Physicist,checked against the paper log\n"
            ));
        }
        t
    };
    // 'rise' accepted: the fit checks run and the outlier test refuses.
    let ov = overrides(&["rise"]);
    let dir = seed_with(&[("readings.csv", Some(&rd)), ("overrides.csv", Some(&ov))]);
    both_refuse(&dir, "[outlier] line 6 (23.77 h, reading 1.079)");
    let v = fails(&["study", "validate", dir.path().to_str().unwrap()]);
    assert!(!v.contains("passes the check 'rise'"), "{v}");
    // Every failed check accepted: valid, every acceptance shown.
    let accepted = [
        "rise",
        "outlier",
        "r-squared",
        "tau-se",
        "total-dose-uncertainty",
    ];
    let ov = overrides(&accepted);
    let dir = seed_with(&[("readings.csv", Some(&rd)), ("overrides.csv", Some(&ov))]);
    let d = dir.path().to_str().unwrap();
    let v = ok(&["study", "validate", d]);
    assert!(v.contains(": valid"), "{v}");
    for c in accepted {
        assert!(
            v.contains(&format!("plausibility check '{c}' failed and was ACCEPTED")),
            "{c}: {v}"
        );
        assert!(!v.contains(&format!("passes the check '{c}'")), "{c}: {v}");
    }
    let r: serde_json::Value =
        serde_json::from_str(&ok(&["study", "report", d, "--json"])).unwrap();
    let checks: Vec<&str> = r["overrides"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["check"].as_str().unwrap())
        .collect();
    for c in accepted {
        assert!(checks.contains(&c), "{c}: {checks:?}");
    }
}

/// The report says which response criteria gave its best responses, in the
/// text and the HTML (study.toml `[response] criteria`), and the two
/// criteria really give different labels.
#[test]
fn the_report_names_the_response_criteria_it_applied() {
    let line = |d: &str| -> String {
        ok(&["study", "report", d])
            .lines()
            .find(|l| l.starts_with("Best overall response"))
            .expect("a best-response line")
            .to_string()
    };
    let seed = repo_root().join("examples/seed-study");
    let l2017 = line(seed.to_str().unwrap());
    assert!(
        l2017.starts_with(
            "Best overall response (INRC 2017, Park et al. J Clin Oncol 2017, default options): "
        ),
        "{l2017}"
    );
    let toml = replace_line(
        &seed_file("study.toml"),
        "criteria = \"inrc2017\"",
        "criteria = \"inrc1993\"",
    );
    let dir = seed_with(&[("study.toml", Some(&toml))]);
    let d = dir.path().to_str().unwrap();
    let l1993 = line(d);
    assert!(
        l1993.starts_with("Best overall response (INRC 1993, Brodeur et al. J Clin Oncol 1993): "),
        "{l1993}"
    );
    let out = tempfile::tempdir().unwrap();
    let folder = out.path().join("report");
    ok(&["study", "report", d, "--out", folder.to_str().unwrap()]);
    let html = std::fs::read_to_string(folder.join("report.html")).unwrap();
    assert!(
        html.contains("<p>Best overall response (INRC 1993, Brodeur et al. J Clin Oncol 1993): "),
        "the HTML names the criteria"
    );
}
