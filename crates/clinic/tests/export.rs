//! The analysis datasets of the seed study (`cohort::analysis_datasets`,
//! behind `mibg study export-analysis`), on the library itself: the
//! command line's tests (`crates/cli/tests/export_analysis.rs`) run the
//! binary, so a wrong rule of this crate had no test of its own.
//!
//! Independent values:
//! * ADTTE is byte for byte the table R `survival` 3.5-3 read for
//!   `tests/data/export/seed_adtte` (PROVENANCE.md there): R's
//!   Kaplan–Meier of those rows is the report's OS and EFS, and those
//!   are the published figures (`patient_steps.rs`);
//! * every ADSL cell that copies a record (sex, centre, activities, vital
//!   status, hypothyroidism, later therapies) is read here from the seed's
//!   own CSV files by a reader of this file, not the study crate's;
//! * SYN-01's row by hand from its files (assessments/SYN-01.toml: SIOPEN
//!   38 → 25 with the cut-off 7, primary 95 → 80 mm with the cut-off
//!   50 mm; followup.csv: progression 2017-03-29, death).

mod common;
use common::seed;
use mibg_clinic::cohort::export::{AnalysisDatasets, analysis_datasets};
use mibg_clinic::cohort::{StudyReport, report};
use std::collections::BTreeMap;

fn repo(rel: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// RFC 4180 rows (quotes, doubled quotes, commas inside quotes).
fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| {
            let (mut out, mut cur, mut q, mut chars) =
                (Vec::new(), String::new(), false, l.chars().peekable());
            while let Some(c) = chars.next() {
                match (c, q) {
                    ('"', true) if chars.peek() == Some(&'"') => {
                        cur.push('"');
                        chars.next();
                    }
                    ('"', _) => q = !q,
                    (',', false) => out.push(std::mem::take(&mut cur)),
                    _ => cur.push(c),
                }
            }
            out.push(cur);
            out
        })
        .collect()
}

/// A table as maps from its header's names (no quoting in the seed's
/// files; `#` lines are comments).
fn seed_table(name: &str) -> Vec<BTreeMap<String, String>> {
    let text = repo(&format!("examples/seed-study/{name}"));
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn datasets() -> (StudyReport, AnalysisDatasets) {
    let r = report(&seed()).unwrap();
    let d = analysis_datasets(&r);
    (r, d)
}

/// ADSL as one map per patient, keyed by USUBJID.
fn adsl(d: &AnalysisDatasets) -> BTreeMap<String, BTreeMap<String, String>> {
    let t = rows(&d.adsl);
    let header = &t[0];
    t[1..]
        .iter()
        .map(|r| {
            assert_eq!(r.len(), header.len(), "{r:?}");
            let m: BTreeMap<String, String> =
                header.iter().cloned().zip(r.iter().cloned()).collect();
            (m["USUBJID"].clone(), m)
        })
        .collect()
}

#[test]
fn adtte_is_the_table_r_read_and_r_gives_the_reports_survival() {
    let (r, d) = datasets();
    assert_eq!(
        d.adtte,
        repo("tests/data/export/seed_adtte/adtte.csv"),
        "the R golden was made on this export; regenerate it (PROVENANCE.md there)"
    );
    let want: serde_json::Value =
        serde_json::from_str(&repo("tests/data/export/seed_adtte/expected.json")).unwrap();
    for (code, s) in [("OS", &r.cohort.os), ("EFS", &r.cohort.efs)] {
        assert_eq!(want[code]["n"].as_u64().unwrap(), s.n);
        for (k, l) in s.landmarks.iter().enumerate() {
            let rel = |got: f64, r_value: &serde_json::Value| {
                let w = r_value.as_f64().unwrap();
                assert!(
                    (got / 100.0 - w).abs() <= 1e-9 * w,
                    "{code} {k}: {got} vs {w}"
                );
            };
            rel(l.percent, &want[code]["surv"][k]);
            rel(l.lower_pct.unwrap(), &want[code]["lower"][k]);
            rel(l.upper_pct.unwrap(), &want[code]["upper"][k]);
        }
    }
}

#[test]
fn adsl_copies_each_record_and_adtte_each_survival_time() {
    let (r, d) = datasets();
    let a = adsl(&d);
    let patients = seed_table("patients.csv");
    assert_eq!(a.len(), patients.len());
    assert_eq!(a.len(), r.patients.len());
    let infusions = seed_table("infusions.csv");
    let followup = seed_table("followup.csv");
    let events = seed_table("events.csv");
    let therapies = seed_table("therapies.csv");
    for p in &patients {
        let id = &p["patient"];
        let row = &a[id];
        assert_eq!(row["STUDYID"], r.title, "{id}");
        assert_eq!(row["SEX"], p["sex"], "{id}");
        assert_eq!(row["SITEID"], p["centre"], "{id}");
        let activity = |n: &str| {
            infusions
                .iter()
                .find(|i| &i["patient"] == id && i["infusion"] == n)
                .map(|i| i["activity_mbq"].parse::<f64>().unwrap())
        };
        assert_eq!(row["A1"].parse::<f64>().ok(), activity("1"), "{id}");
        assert_eq!(row["A2"].parse::<f64>().ok(), activity("2"), "{id}");
        assert_eq!(row["DOSFL"], "Y", "{id}: every seed patient has dosimetry");
        let dead = followup
            .iter()
            .any(|f| &f["patient"] == id && f["event"] == "death");
        assert_eq!(row["ALIVEFL"], if dead { "N" } else { "Y" }, "{id}");
        // study.toml: hypothyroidism is the CTCAE term at grade >= 2.
        let hypo = events.iter().any(|e| {
            &e["patient"] == id
                && e["term"] == "Hypothyroidism"
                && e["grade"].parse::<u8>().unwrap() >= 2
        });
        assert_eq!(row["HYPOTHFL"], if hypo { "Y" } else { "N" }, "{id}");
        let mut later: Vec<(&str, &str)> = therapies
            .iter()
            .filter(|t| &t["patient"] == id)
            .map(|t| (t["start_date"].as_str(), t["therapy"].as_str()))
            .collect();
        later.sort();
        let later: Vec<&str> = later.iter().map(|t| t.1).collect();
        assert_eq!(row["NEXTTHER"], later.join(";"), "{id}");
    }
    // Counts of the published abstract (patient_steps.rs): 15 M, 11 F;
    // 14 alive, 6 of them with hypothyroidism; 23 with bone or marrow
    // involvement, 21 with primary or soft-tissue disease.
    let count = |col: &str, v: &str| a.values().filter(|r| r[col] == v).count();
    assert_eq!((count("SEX", "M"), count("SEX", "F")), (15, 11));
    assert_eq!(count("ALIVEFL", "Y"), 14);
    assert_eq!(count("HYPOTHFL", "Y"), 6);
    assert_eq!(count("BMINVFL", "Y"), 23);
    assert_eq!(count("STINVFL", "Y"), 21);
    assert_eq!(count("THYASSFL", "Y") + count("THYASSFL", "N"), 26);
    // ADSL's OS and EFS columns are the ADTTE rows.
    let t = rows(&d.adtte);
    let h = &t[0];
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    assert_eq!(t.len() - 1, 2 * 26, "OS and EFS for every patient");
    for tte in &t[1..] {
        let row = &a[&tte[col("USUBJID")]];
        let (dy, cnsr) = match tte[col("PARAMCD")].as_str() {
            "OS" => ("OSDY", "OSCNSR"),
            "EFS" => ("EFSDY", "EFSCNSR"),
            other => panic!("{other}"),
        };
        assert_eq!(row[dy], tte[col("AVAL")]);
        assert_eq!(row[cnsr], tte[col("CNSR")]);
    }
}

/// SYN-01 by hand from its files.
#[test]
fn syn_01_by_hand() {
    let (r, d) = datasets();
    let a = adsl(&d);
    let row = &a["SYN-01"];
    let p = r.patients.iter().find(|p| p.patient == "SYN-01").unwrap();
    let dose = p.dosimetry.as_ref().unwrap();
    let cells: Vec<(&str, String)> = vec![
        ("SEX", "M".into()),
        ("SITEID", "Rome".into()),
        ("BMINVFL", "Y".into()),
        ("STINVFL", "Y".into()),
        ("DOSFL", "Y".into()),
        ("A1", "6440".into()),
        ("A2", "4980".into()),
        ("MODEL1", "bi".into()),
        ("A2CAP", String::new()),
        ("RSPFL", "Y".into()),
        ("RSPEVLFL", "Y".into()),
        ("BOR", "SD".into()),
        ("SIOPENBL", "38".into()),
        ("SIOPENPT", "25".into()),
        // 25 ≥ 7: not achieved; 80 mm ≥ 50 mm: not achieved.
        ("SIOPENCT", "NOT ACHIEVED".into()),
        ("STCUT", "NOT ACHIEVED".into()),
        ("ALIVEFL", "N".into()),
        ("HYPOTHFL", "N".into()),
        ("NEXTTHER", "gd2_car_t".into()),
        // First infusion 2017-01-11, progression 2017-03-29: 77 days (by
        // hand: 20 days of January, 28 of February, 29 of March), an event.
        ("EFSDY", "77".into()),
        ("EFSCNSR", "0".into()),
        ("OSCNSR", "0".into()),
    ];
    for (k, v) in cells {
        assert_eq!(row[k], v, "{k}");
    }
    // (38 − 25)/38 × 100 = 34.21052631578947… %, the shortest text of the
    // double, and the dosimetry's doubles read back exactly.
    assert_eq!(row["SIOPENPC"].parse::<f64>().unwrap(), 1300.0 / 38.0);
    for (k, v) in [
        ("TAU1", dose.tau1_h.hours()),
        ("D1", dose.dose1_gy.gy()),
        ("A2PRES", dose.a2_prescribed_mbq.mbq()),
        ("D2", dose.dose2_gy.unwrap().gy()),
        ("DTOT", dose.delivered_total_gy.unwrap().gy()),
        ("AGE", p.age_years),
    ] {
        assert_eq!(row[k].parse::<f64>().unwrap(), v, "{k}");
    }
    // Age: birth 2014-07-13 to the first infusion 2017-01-11 is 913 days
    // (by hand: to 2016-07-13 365 + 366 = 731, then 18 + 31 + 30 + 31 +
    // 30 + 31 + 11 = 182), / 365.25.
    assert_eq!(p.age_years, 913.0 / 365.25);
    // Every patient has a worst-grade column per term seen, empty when the
    // patient never had the term.
    assert_eq!(row["WG_NEUTROPHIL_COUNT_DECREASED"], "4");
    assert_eq!(row["WG_MUCOSITIS_ORAL"], "4");
    assert_eq!(row["WG_NAUSEA"], "2");
}

#[test]
fn the_dictionary_names_every_variable_once() {
    let (_, d) = datasets();
    let dict = rows(&d.dictionary);
    assert_eq!(
        dict[0],
        ["DATASET", "VARIABLE", "LABEL", "TYPE", "UNIT", "VALUES"]
    );
    for (ds, text) in [("ADSL", &d.adsl), ("ADTTE", &d.adtte)] {
        let header = &rows(text)[0];
        let listed: Vec<&String> = dict[1..]
            .iter()
            .filter(|r| r[0] == ds)
            .map(|r| &r[1])
            .collect();
        assert_eq!(listed, header.iter().collect::<Vec<_>>(), "{ds}");
    }
    for r in &dict[1..] {
        assert_eq!(r.len(), 6, "{r:?}");
        assert!(!r[2].is_empty(), "{r:?} has no label");
    }
    let row = |name: &str| dict.iter().find(|r| r[1] == name).unwrap().clone();
    assert_eq!(
        row("SIOPENCT")[5],
        "ACHIEVED, MAINTAINED, NOT ACHIEVED, NOT APPLICABLE, NOT EVALUABLE"
    );
    assert_eq!(row("AGE")[4], "years");
    assert_eq!(
        row("WG_NAUSEA")[2],
        "Worst CTCAE grade of 'Nausea' in the toxicity window (study.toml); empty = not observed"
    );
}
