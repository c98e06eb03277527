//! End-to-end tests of issue 13 (physicist): the administered activity from
//! the hot-lab record, the shipped reference-phantom S table over the
//! protocol's 2–150 kg, clock-time readings in the study folder and calendar
//! dates in `mibg plan`. Expected values: `tests/data/dosimetry/hot_lab/`
//! (Python hand calculations, PROVENANCE.md there).

mod common;
use common::{data, fails, ok, repo_root};

const R20: &str = "tests/data/dosimetry/analytic_20kg/readings.csv";

fn json(args: &[&str]) -> serde_json::Value {
    let mut a = args.to_vec();
    a.push("--json");
    serde_json::from_str(&ok(&a)).expect("one JSON document")
}

fn expected() -> serde_json::Value {
    let t = std::fs::read_to_string(data("dosimetry/hot_lab/expected.json")).unwrap();
    serde_json::from_str(&t).unwrap()
}

fn close(a: &serde_json::Value, b: &serde_json::Value, rel: f64) {
    let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
    assert!((a / b - 1.0).abs() < rel, "{a} vs {b}");
}

const HOT_LAB: [&str; 10] = [
    "--assayed-mbq",
    "9000",
    "--assay-time",
    "2026-03-02T08:00+01:00",
    "--infusion-start",
    "2026-03-02T10:00+01:00",
    "--residual-mbq",
    "120",
    "--residual-time",
    "2026-03-02T12:00+01:00",
];

#[test]
fn hot_lab_record_gives_the_net_activity_everywhere() {
    let e = expected();
    let mut a = vec!["dose", R20, "--weight-kg", "20"];
    a.extend(HOT_LAB);
    let v = json(&a);
    let adm = &v["administered1"];
    assert_eq!(adm["method"], "hot-lab assay");
    assert_eq!(adm["reference_time"], "start of infusion");
    close(&adm["net_mbq"], &e["net_mbq"], 1e-9);
    let h = &adm["hot_lab"];
    close(&h["assay_decay_factor"], &e["assay_decay_factor"], 1e-9);
    close(
        &h["residual_decay_correction"],
        &e["residual_decay_correction"],
        1e-9,
    );
    close(&h["assayed_at_start_mbq"], &e["assayed_at_start_mbq"], 1e-9);
    close(
        &h["residual_at_start_mbq"],
        &e["residual_at_start_mbq"],
        1e-9,
    );
    assert_eq!(h["assayed_mbq"], 9000.0);
    assert_eq!(h["residual_mbq"], 120.0);
    // D1 = A1·τ·S: the net activity is A1 (same readings with 8880 MBq).
    let n = json(&["dose", R20, "--weight-kg", "20", "--activity-mbq", "8880"]);
    let ratio = e["net_mbq"].as_f64().unwrap() / 8880.0;
    let d = v["absorbed_dose_gy"].as_f64().unwrap();
    let dn = n["absorbed_dose_gy"].as_f64().unwrap();
    assert!((d / dn / ratio - 1.0).abs() < 1e-9, "{d} {dn}");
    close(&v["options"]["activity_mbq"], &e["net_mbq"], 1e-9);
    // The net-only run says so.
    assert_eq!(n["administered1"]["method"], "net as given");
    assert!(n["administered1"]["hot_lab"].is_null());
    // Text: the three numbers and the factors.
    let mut a = vec!["dose", R20, "--weight-kg", "20"];
    a.extend(HOT_LAB);
    let s = ok(&a);
    assert!(s.contains("assayed   9000.0 MBq (243.24 mCi)"), "{s}");
    assert!(
        s.contains("decay factor 0.99282 (+2.00 h) = 8935.4 MBq"),
        "{s}"
    );
    assert!(
        s.contains("decay correction 1.00723 (+2.00 h) = 120.9 MBq"),
        "{s}"
    );
    assert!(
        s.contains("net administered 8814.6 MBq (238.23 mCi)"),
        "{s}"
    );
    let s = ok(&["dose", R20, "--weight-kg", "20", "--activity-mbq", "8880"]);
    assert!(s.contains("net administered activity as given"), "{s}");
}

#[test]
fn hot_lab_record_of_infusion_2_feeds_the_delivered_total() {
    let e = expected();
    let r2 = data("dosimetry/analytic_20kg/readings.csv");
    let r2 = r2.to_str().unwrap();
    let v = json(&[
        "dose",
        R20,
        "--weight-kg",
        "20",
        "--activity-mbq",
        "8880",
        "--after-second",
        r2,
        "--assayed2-mbq",
        "9000",
        "--assay2-time",
        "2026-03-16T08:00+01:00",
        "--infusion2-start",
        "2026-03-16T10:00+01:00",
        "--residual2-mbq",
        "120",
        "--residual2-time",
        "2026-03-16T12:00+01:00",
    ]);
    let x = &v["after_second"];
    close(&x["administered2"]["net_mbq"], &e["net_mbq"], 1e-9);
    close(&x["activity2_mbq"], &e["net_mbq"], 1e-9);
    // Same kinetics as infusion 1: D2 = D1 · net/8880.
    let d1 = v["absorbed_dose_gy"].as_f64().unwrap();
    let d2 = x["absorbed_dose2_gy"].as_f64().unwrap();
    assert!((d2 / d1 / (e["net_mbq"].as_f64().unwrap() / 8880.0) - 1.0).abs() < 1e-9);
}

#[test]
fn hot_lab_slips_are_refused_with_the_flag_named() {
    let run = |edit: &[(&str, &str)]| {
        let mut a: Vec<String> = ["dose", R20, "--weight-kg", "20"]
            .iter()
            .map(ToString::to_string)
            .collect();
        let mut h: Vec<String> = HOT_LAB.iter().map(ToString::to_string).collect();
        for (flag, v) in edit {
            let i = h.iter().position(|x| x == flag).unwrap();
            h[i + 1] = (*v).to_string();
        }
        a.extend(h);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        fails(&a)
    };
    let e = run(&[("--residual-time", "2026-03-02T09:00+01:00")]);
    assert!(
        e.contains("--residual-time") && e.contains("before the infusion start"),
        "{e}"
    );
    let e = run(&[("--residual-mbq", "120000")]);
    assert!(e.contains("--residual-mbq") && e.contains("kBq"), "{e}");
    let e = run(&[("--assay-time", "2025-03-02T08:00+01:00")]);
    assert!(
        e.contains("--assay-time") && e.contains("mistyped date"),
        "{e}"
    );
    let e = run(&[("--assay-time", "2026-03-02T08:00")]);
    assert!(
        e.contains("--assay-time") && e.contains("UTC offset"),
        "{e}"
    );
    // Both ways at once, or a partial record: refused by the argument parser.
    let out = common::mibg(&[
        "dose",
        R20,
        "--weight-kg",
        "20",
        "--activity-mbq",
        "8880",
        "--assayed-mbq",
        "9000",
    ]);
    assert!(!out.status.success());
    let out = common::mibg(&["dose", R20, "--weight-kg", "20", "--assayed-mbq", "9000"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn shipped_phantom_table_covers_2_to_150_kg() {
    let e = expected();
    // The analytic default refuses 2.5 kg and names the way out.
    let err = fails(&["dose", R20, "--weight-kg", "2.5", "--activity-mbq", "1110"]);
    assert!(err.contains("--s-model phantoms"), "{err}");
    for (kg, mbq, key) in [
        ("2.5", "1110", "s_2_5_kg"),
        ("140", "40000", "s_140_kg"),
        ("20", "8880", "s_20_kg"),
    ] {
        let v = json(&[
            "dose",
            R20,
            "--weight-kg",
            kg,
            "--activity-mbq",
            mbq,
            "--s-model",
            "phantoms",
        ]);
        close(&v["s_value_gy_per_gbq_h"], &e[key], 1e-9);
        assert_eq!(v["options"]["s_model"], "phantoms");
        assert!(
            v["s_model"].as_str().unwrap().contains("[U]"),
            "{}",
            v["s_model"]
        );
        let d = v["absorbed_dose_gy"].as_f64().unwrap();
        let tia = v["tia_gbq_h"].as_f64().unwrap();
        assert!((d / (tia * e[key].as_f64().unwrap()) - 1.0).abs() < 1e-9);
    }
    let s = ok(&[
        "dose",
        R20,
        "--weight-kg",
        "2.5",
        "--activity-mbq",
        "1110",
        "--s-model",
        "phantoms",
    ]);
    assert!(s.contains("shipped I-131 reference-phantom table"), "{s}");
    // Beyond the protocol's range: refused.
    let err = fails(&[
        "dose",
        R20,
        "--weight-kg",
        "1.5",
        "--activity-mbq",
        "666",
        "--s-model",
        "phantoms",
    ]);
    assert!(err.contains("kg"), "{err}");
    // A user's table is extrapolated only when asked.
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("s.csv");
    std::fs::write(&t, "mass_kg,s_gy_per_gbq_h\n10,0.0151153\n32,0.00532301\n").unwrap();
    let t = t.to_str().unwrap();
    let args = [
        "dose",
        R20,
        "--weight-kg",
        "5",
        "--activity-mbq",
        "2220",
        "--s-model",
        "table",
        "--s-table",
        t,
    ];
    let err = fails(&args);
    assert!(err.contains("--s-extrapolate"), "{err}");
    let mut a = args.to_vec();
    a.push("--s-extrapolate");
    let v = json(&a);
    // S(5) = 0.0151153·(5/10)^b, b = ln(0.00532301/0.0151153)/ln(3.2) (Python: 0.0261858).
    let b = (0.005_323_01_f64 / 0.015_115_3).ln() / 3.2_f64.ln();
    let want = 0.015_115_3 * 0.5_f64.powf(b);
    assert!((v["s_value_gy_per_gbq_h"].as_f64().unwrap() / want - 1.0).abs() < 1e-9);
}

#[test]
fn plan_start_gives_calendar_dates() {
    let s = ok(&[
        "plan",
        "--weight-kg",
        "20",
        "--height-cm",
        "110",
        "--start",
        "2026-12-01",
    ]);
    assert!(s.contains("2026-12-01"), "{s}");
    // Day 14 of the seed schedule (infusion 2) is 2026-12-15, its window
    // days 12–16 are 2026-12-13 to 2026-12-17 (calendar count).
    assert!(s.contains("2026-12-15"), "{s}");
    assert!(s.contains("(allowed 2026-12-13 to 2026-12-17)"), "{s}");
    let v = json(&[
        "plan",
        "--weight-kg",
        "20",
        "--height-cm",
        "110",
        "--start",
        "2026-12-01",
    ]);
    let dates: Vec<&str> = v["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["date"].as_str())
        .collect();
    assert!(dates.contains(&"2026-12-15"), "{v}");
    let out = common::mibg(&[
        "plan",
        "--weight-kg",
        "20",
        "--height-cm",
        "110",
        "--start",
        "2026-02-30",
    ]);
    assert!(!out.status.success() && out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("2026-02-30"));
}

/// A copy of the seed study with edited files.
fn seed_with(edits: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = repo_root().join("examples/seed-study");
    for sub in ["", "assessments"] {
        let to = dir.path().join(sub);
        std::fs::create_dir_all(&to).unwrap();
        for e in std::fs::read_dir(src.join(sub)).unwrap() {
            let e = e.unwrap();
            if e.path().is_file() {
                std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
    }
    for (name, text) in edits {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn seed(name: &str) -> String {
    std::fs::read_to_string(repo_root().join("examples/seed-study").join(name)).unwrap()
}

fn report(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&ok(&["study", "report", dir.to_str().unwrap(), "--json"])).unwrap()
}

/// SYN-01 infusion 1 with the hot-lab columns and clock-time readings: the
/// clock times are the seed's hours after an end of infusion at
/// 2017-01-11T11:30+01:00, so τ is unchanged and D1 scales with the net
/// activity (hand calculation: λ = ln 2/192.497 h; assay 6600 MBq 2 h before
/// the start, residual 60 MBq 1.5 h after it: net = 6600·e^(−2λ) −
/// 60·e^(1.5λ) = 6552.6399 − 60.3250 = 6492.3150 MBq, Python 3.11).
#[test]
fn study_folder_hot_lab_and_clock_times() {
    let inf = seed("infusions.csv")
        .replace(
            "patient,infusion,date,activity_mbq,weight_kg",
            "patient,infusion,date,activity_mbq,weight_kg,start_time,end_time,assayed_mbq,assay_time,residual_mbq,residual_time",
        )
        .replace(
            "SYN-01,1,2017-01-11,6440,14.5\n",
            "SYN-01,1,2017-01-11,,14.5,2017-01-11T10:00+01:00,2017-01-11T11:30+01:00,6600,2017-01-11T08:00+01:00,60,2017-01-11T11:30+01:00\n",
        );
    let lines: Vec<String> = seed("readings.csv").lines().map(String::from).collect();
    let end: jiff::Timestamp = "2017-01-11T11:30+01:00".parse().unwrap();
    let mut out = Vec::new();
    for l in &lines {
        if l.starts_with("patient,") {
            out.push("patient,infusion,hours,time,reading,background".to_string());
        } else if l.starts_with("SYN-01,1,") {
            let c: Vec<&str> = l.split(',').collect();
            let h: f64 = c[2].parse().unwrap();
            #[allow(clippy::cast_possible_truncation)]
            let t = end + jiff::SignedDuration::from_secs((h * 3600.0).round() as i64);
            out.push(format!("{},{},,{},{},{}", c[0], c[1], t, c[3], c[4]));
        } else if l.starts_with('#') {
            out.push(l.clone());
        } else {
            let c: Vec<&str> = l.split(',').collect();
            out.push(format!("{},{},{},,{},{}", c[0], c[1], c[2], c[3], c[4]));
        }
    }
    // Every other infusion row gets the six new cells empty.
    let inf: String = inf
        .lines()
        .map(|l| {
            if l.starts_with('#') || l.split(',').count() == 11 {
                format!("{l}\n")
            } else {
                format!("{l},,,,,,\n")
            }
        })
        .collect();
    let rd = out.join("\n") + "\n";
    let dir = seed_with(&[("infusions.csv", inf.clone()), ("readings.csv", rd.clone())]);
    ok(&["study", "validate", dir.path().to_str().unwrap()]);
    let r = report(dir.path());
    let base = report(&repo_root().join("examples/seed-study"));
    let p = &r["patients"][0]["dosimetry"];
    let b = &base["patients"][0]["dosimetry"];
    let net = 6600.0 * (-2.0 * std::f64::consts::LN_2 / 192.497_f64).exp()
        - 60.0 * (1.5 * std::f64::consts::LN_2 / 192.497_f64).exp();
    assert!((net - 6_492.314_956).abs() < 1e-5, "{net}");
    close(&p["activity1_mbq"], &serde_json::json!(net), 1e-9);
    // τ unchanged (the clock times are the same hours, to the second).
    let (t, tb) = (p["tau1_h"].as_f64().unwrap(), b["tau1_h"].as_f64().unwrap());
    assert!((t / tb - 1.0).abs() < 1e-6, "{t} {tb}");
    let d = p["dose1_gy"].as_f64().unwrap() / b["dose1_gy"].as_f64().unwrap();
    assert!((d / (net / 6440.0) - 1.0).abs() < 1e-6, "{d}");

    // A reading before the end of the infusion, both columns on a row, a
    // time without an offset, a residual above the assay: each refused at
    // its row and column by validate and report alike.
    let bad = |inf: &str, rd: &str, want: &str| {
        let dir = seed_with(&[
            ("infusions.csv", inf.to_string()),
            ("readings.csv", rd.to_string()),
        ]);
        let d = dir.path().to_str().unwrap();
        let v = fails(&["study", "validate", d]);
        assert!(v.contains(want), "missing {want:?} in\n{v}");
        assert_eq!(v, fails(&["study", "report", d, "--json"]));
    };
    let first = out
        .iter()
        .find(|l| l.starts_with("SYN-01,1,"))
        .unwrap()
        .clone();
    let early = first.replace("2017-01-11T10:30:00Z", "2017-01-11T10:00:00Z");
    assert_ne!(early, first);
    bad(
        &inf,
        &rd.replacen(&first, &early, 1),
        "readings.csv line 3, column 'time': 2017-01-11T10:00:00Z is 0.50 h before the end of infusion 1",
    );
    let both = first.replacen(",,", ",0,", 1);
    bad(
        &inf,
        &rd.replacen(&first, &both, 1),
        "readings.csv line 3, column 'time': both hours and time are given",
    );
    let local = first.replace("2017-01-11T10:30:00Z", "2017-01-11T10:30:00");
    bad(&inf, &rd.replacen(&first, &local, 1), "has no UTC offset");
    bad(
        &inf.replace(",6600,", ",60,")
            .replace("T08:00+01:00,60,", "T08:00+01:00,6000,"),
        &rd,
        "infusions.csv line 3, column 'residual_mbq'",
    );
}

/// `[analysis.dosimetry] s_model = "phantoms"` in study.toml: SYN-01 (14.5 kg)
/// gets S from the shipped table, so D1 changes by S_table/S_analytic =
/// 0.010804994/0.010792675 = 1.0011414 (Python 3.11: log–log between the
/// 10 and 19 kg rows; analytic 0.11065/m + 0.0188/m^(2/3)).
#[test]
fn study_s_model_phantoms() {
    let toml = seed("study.toml").replacen(
        "[analysis.ci]",
        "[analysis.dosimetry]\ns_model = \"phantoms\"\n\n[analysis.ci]",
        1,
    );
    let dir = seed_with(&[("study.toml", toml)]);
    let r = report(dir.path());
    let base = report(&repo_root().join("examples/seed-study"));
    let d = r["patients"][0]["dosimetry"]["dose1_gy"].as_f64().unwrap()
        / base["patients"][0]["dosimetry"]["dose1_gy"]
            .as_f64()
            .unwrap();
    assert!((d / 1.001_141_4 - 1.0).abs() < 1e-6, "{d}");
    let toml = seed("study.toml").replacen(
        "[analysis.ci]",
        "[analysis.dosimetry]\ns_model = \"olinda\"\n\n[analysis.ci]",
        1,
    );
    let dir = seed_with(&[("study.toml", toml)]);
    let e = fails(&["study", "validate", dir.path().to_str().unwrap()]);
    assert!(e.contains("s_model") || e.contains("olinda"), "{e}");
}
