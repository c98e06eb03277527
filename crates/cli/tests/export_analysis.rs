//! `mibg study export-analysis`, the real binary: the ADTTE rows fed to the
//! Kaplan–Meier estimator (R `survival` reading the CSV directly, golden in
//! `tests/data/export/seed_adtte`, and `mibg survival` as a process) give
//! the OS and EFS figures of `mibg study report`; ADSL agrees with ADTTE
//! and the report; formula-like text is neutralised; invalid studies are
//! refused as the report refuses them.

mod common;
use common::{data, fails, ok, repo_root};
use serde_json::Value;
use std::path::Path;

const RTOL: f64 = 1e-9;

fn close(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= RTOL * want.abs().max(1e-300),
        "{what}: got {got:e}, want {want:e}"
    );
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

fn col(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap()
}

fn export(study: &Path, out: &Path) -> (String, String, String) {
    ok(&[
        "study",
        "export-analysis",
        study.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap();
    (read("adsl.csv"), read("adtte.csv"), read("dictionary.csv"))
}

#[test]
fn adtte_gives_the_reports_os_and_efs() {
    let tmp = tempfile::tempdir().unwrap();
    let seed = repo_root().join("examples/seed-study");
    let (adsl, adtte, dict) = export(&seed, tmp.path());
    assert_eq!(
        adtte,
        std::fs::read_to_string(data("export/seed_adtte/adtte.csv")).unwrap(),
        "the R golden was made on this export; regenerate it (PROVENANCE.md)"
    );
    let report: Value =
        serde_json::from_str(&ok(&["study", "report", seed.to_str().unwrap(), "--json"])).unwrap();
    let r: Value = serde_json::from_str(
        &std::fs::read_to_string(data("export/seed_adtte/expected.json")).unwrap(),
    )
    .unwrap();
    let t = rows(&adtte);
    let (h, body) = (&t[0], &t[1..]);
    for (code, key) in [("OS", "os"), ("EFS", "efs")] {
        let mine: Vec<&Vec<String>> = body
            .iter()
            .filter(|r| r[col(h, "PARAMCD")] == code)
            .collect();
        let rep = &report["cohort"][key];
        assert_eq!(mine.len() as u64, rep["n"].as_u64().unwrap());
        assert_eq!(r[code]["n"].as_u64().unwrap(), rep["n"].as_u64().unwrap());
        let events = mine.iter().filter(|r| r[col(h, "CNSR")] == "0").count() as u64;
        assert_eq!(events, rep["n_events"].as_u64().unwrap());
        // R on the export = the report.
        for k in 0..3 {
            let l = &rep["landmarks"][k];
            close(
                "surv",
                l["percent"].as_f64().unwrap() / 100.0,
                r[code]["surv"][k].as_f64().unwrap(),
            );
            close(
                "lower",
                l["lower_pct"].as_f64().unwrap() / 100.0,
                r[code]["lower"][k].as_f64().unwrap(),
            );
            close(
                "upper",
                l["upper_pct"].as_f64().unwrap() / 100.0,
                r[code]["upper"][k].as_f64().unwrap(),
            );
        }
        close(
            "median",
            rep["median"]["days"].as_f64().unwrap(),
            r[code]["median"][0].as_f64().unwrap(),
        );
        close(
            "median lower",
            rep["median"]["lower_days"].as_f64().unwrap(),
            r[code]["median"][1].as_f64().unwrap(),
        );
        assert!(rep["median"]["upper_days"].is_null() && r[code]["median"][2].is_null());
        // mibg survival on the same rows (event = 1 − CNSR).
        let mut csv = String::from("time,event\n");
        for row in &mine {
            let cnsr: u8 = row[col(h, "CNSR")].parse().unwrap();
            csv.push_str(&format!("{},{}\n", row[col(h, "AVAL")], 1 - cnsr));
        }
        let f = tmp.path().join(format!("{code}.csv"));
        std::fs::write(&f, csv).unwrap();
        let s: Value = serde_json::from_str(&ok(&[
            "survival",
            f.to_str().unwrap(),
            "--time",
            "time",
            "--event",
            "event",
            "--landmark",
            "365.25",
            "730.5",
            "1095.75",
            "--json",
        ]))
        .unwrap();
        for k in 0..3 {
            close(
                "survival",
                s["landmarks"][k]["surv"].as_f64().unwrap(),
                r[code]["surv"][k].as_f64().unwrap(),
            );
        }
        close(
            "survival median",
            s["median"]["median"].as_f64().unwrap(),
            r[code]["median"][0].as_f64().unwrap(),
        );
    }
    // ADSL: one row per patient, OSDY/OSCNSR = ADTTE, every variable in the dictionary.
    let a = rows(&adsl);
    let patients = report["patients"].as_array().unwrap();
    assert_eq!(a.len() - 1, patients.len());
    for (row, p) in a[1..].iter().zip(patients) {
        assert_eq!(row[col(&a[0], "USUBJID")], p["patient"].as_str().unwrap());
        let os = body
            .iter()
            .find(|r| {
                r[col(h, "USUBJID")] == row[col(&a[0], "USUBJID")] && r[col(h, "PARAMCD")] == "OS"
            })
            .unwrap();
        assert_eq!(row[col(&a[0], "OSDY")], os[col(h, "AVAL")]);
        assert_eq!(row[col(&a[0], "OSCNSR")], os[col(h, "CNSR")]);
        assert_eq!(
            row[col(&a[0], "BOR")],
            p["response"]["best"].as_str().unwrap()
        );
        assert_eq!(
            row[col(&a[0], "D1")].parse::<f64>().unwrap(),
            p["dosimetry"]["dose1_gy"].as_f64().unwrap()
        );
    }
    let d = rows(&dict);
    for v in a[0].iter() {
        assert!(
            d.iter().any(|r| r[0] == "ADSL" && &r[1] == v),
            "{v} not in the dictionary"
        );
    }
    for v in h.iter() {
        assert!(
            d.iter().any(|r| r[0] == "ADTTE" && &r[1] == v),
            "{v} not in the dictionary"
        );
    }
    // No birth date leaves the study.
    assert!(!adsl.contains("birth") && !adsl.contains("2014-07-13"));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn formula_text_is_neutralised_and_invalid_studies_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let study = tmp.path().join("study");
    copy_dir(&repo_root().join("examples/seed-study"), &study);
    let p = study.join("patients.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(
        &p,
        text.replacen(",Rome\n", ",=HYPERLINK(\"http://x\")\n", 1),
    )
    .unwrap();
    let (adsl, _, _) = export(&study, &tmp.path().join("out"));
    let a = rows(&adsl);
    let site = &a[1][col(&a[0], "SITEID")];
    assert_eq!(site, "'=HYPERLINK(\"http://x\")");
    assert!(
        !adsl
            .lines()
            .any(|l| l.split(',').any(|c| c.starts_with('=')))
    );
    // A study the report refuses writes nothing.
    std::fs::write(&p, text.replacen(",14.5,", ",abc,", 1)).unwrap();
    let out = tmp.path().join("bad");
    let err = fails(&[
        "study",
        "export-analysis",
        study.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert!(err.contains("patients.csv"), "{err}");
    assert!(!out.exists());
}
