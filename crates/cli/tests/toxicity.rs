//! End-to-end tests of `mibg toxicity`: the example cohort, JSON, options, and
//! one bad-input test per error class (exit 1, nothing on stdout, the message
//! names file, row, column and rule).
mod common;
use common::*;
use std::path::PathBuf;

const LABS: &str = "examples/toxicity/labs.csv";
const EVENTS: &str = "examples/toxicity/events.csv";
const TX: &str = "examples/toxicity/transfusions.csv";

fn example_args() -> Vec<&'static str> {
    vec![
        "toxicity",
        LABS,
        "--events",
        EVENTS,
        "--transfusions",
        TX,
        "--stem-cells",
        "SYN-01=2025-01-27",
        "SYN-02=2025-02-10",
        "SYN-02=2025-03-24",
        "SYN-03=2025-04-07",
        "--window-start",
        "SYN-01=2025-01-06",
        "SYN-02=2025-01-27",
        "SYN-03=2025-03-17",
    ]
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut a = args.to_vec();
    a.push("--json");
    serde_json::from_str(&ok(&a)).expect("one JSON document")
}

fn patient<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["patients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["patient"] == id)
        .unwrap()
}

fn worst(p: &serde_json::Value, term: &str) -> u64 {
    p["worst"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["term"] == term)
        .map(|w| w["grade"].as_u64().unwrap())
        .unwrap_or(0)
}

#[test]
fn example_cohort_text_report() {
    let out = ok(&example_args());
    assert!(out.starts_with("mibg toxicity: CTCAE v5.0"), "{out}");
    // SYN-01 ANC (examples/toxicity/labs.csv): 0.0 from day +6, 0.6/0.9/1.4 on
    // days +12/+13/+14 → recovery day +12 (2025-02-08), by hand.
    assert!(
        out.contains("ANC recovery day +12 (2025-02-08); primary graft failure: no"),
        "{out}"
    );
    assert!(out.contains("Mucositis oral"));
    assert!(out.contains("Cohort: number (%) of patients by worst grade"));
}

#[test]
fn example_cohort_json_carries_versions_and_hand_checked_values() {
    let v = json(&example_args());
    assert_eq!(v["ctcae_version"], "5.0");
    let p1 = patient(&v, "SYN-01");
    // Every graded value carries its CTCAE version.
    for g in p1["graded"].as_array().unwrap() {
        assert_eq!(g["ctcae_version"], "5.0");
    }
    // ALT 230 U/L with ULN 40 and normal baseline 28: 230 > 5×40 = 200 → grade 3.
    assert_eq!(worst(p1, "alt_increased"), 3);
    // Hb 7.8 g/dL < 8.0 → anaemia grade 3.
    assert_eq!(worst(p1, "anemia"), 3);
    // Creatinine 48 µmol/L, ULN 53, baseline 30: 48 > 1.5×30 = 45 → grade 2 (v5 baseline rule).
    assert_eq!(worst(p1, "creatinine_increased"), 2);
    // Hypothyroidism on 2025-09-15 is after day +60 (2025-03-28): not counted.
    assert_eq!(worst(p1, "hypothyroidism"), 0);
    let p2 = patient(&v, "SYN-02");
    // ALT baseline 90 U/L (ULN 45, abnormal): 232 U/L = 2.58×baseline → 1;
    // 300 = 3.33×baseline → 2; 410 U/L on 2025-03-31 = 4.56×baseline → 2.
    assert_eq!(worst(p2, "alt_increased"), 2);
    // Bilirubin 1.8 mg/dL with ULN 1.2 is exactly 1.5×ULN → grade 1 (not 2).
    assert_eq!(worst(p2, "bilirubin_increased"), 1);
    // Two stem-cell infusions → two episodes; the second recovers on day +15.
    let eps = p2["engraftment"].as_array().unwrap();
    assert_eq!(eps.len(), 2);
    assert_eq!(eps[0]["until"], "2025-03-23");
    assert_eq!(eps[1]["neutrophils"]["status"], "recovered");
    assert_eq!(eps[1]["neutrophils"]["day"], 15);
    // SYN-03: platelet transfusions every few days, never 3 values ≥ 20 clear of
    // them → censored at the last value, day +35.
    let p3 = patient(&v, "SYN-03");
    let e = &p3["engraftment"][0];
    assert_eq!(e["platelets"]["status"], "censored");
    assert_eq!(e["platelets"]["last_day"], 35);
    // Cohort: mucositis oral grade 3 (SYN-01) and grade 4 (SYN-02) of 3 patients.
    let row = v["cohort"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["term"] == "mucositis_oral")
        .unwrap();
    assert_eq!(row["denominator"], 3);
    assert_eq!(row["grade_3"], 1);
    assert_eq!(row["grade_4"], 1);
    // 1 of 3 = 33.33…% (hand).
    assert!((row["percent"][1].as_f64().unwrap() - 100.0 / 3.0).abs() < 1e-9);
}

#[test]
fn options_are_recorded_and_change_results() {
    let mut a = example_args();
    a.extend(["--creatinine", "uln-only", "--window-days", "30"]);
    let v = json(&a);
    assert_eq!(v["options"]["grading"]["creatinine_baseline"], "uln_only");
    assert_eq!(v["options"]["window_days"], 30);
    // Creatinine 48 µmol/L ≤ ULN 53 → grade 0 under ULN-only.
    assert_eq!(worst(patient(&v, "SYN-01"), "creatinine_increased"), 0);
}

#[test]
fn engraftment_thresholds_are_options() {
    // SYN-01 ANC after the nadir (day +6): 0.1 (+10), 0.3 (+11), 0.6 (+12),
    // 0.9 (+13), 1.4 (+14), 2.2 (+16): with a 1.0 threshold, recovery is the
    // run 1.4/2.2/2.8 from day +14 (hand).
    let mut a = example_args();
    a.extend(["--anc-threshold", "1.0", "--graft-failure-day", "13"]);
    let v = json(&a);
    let e = &patient(&v, "SYN-01")["engraftment"][0];
    assert_eq!(e["neutrophils"]["day"], 14);
    assert_eq!(e["primary_graft_failure"], "yes");
    assert_eq!(v["options"]["engraftment"]["anc_threshold_1e9_per_l"], 1.0);
    let err = mibg(&["toxicity", LABS, "--anc-threshold", "0"]);
    assert_eq!(err.status.code(), Some(2), "clap usage error");
}

#[test]
fn text_report_names_the_platelet_threshold_used() {
    // Review: the per-episode line printed ">= 20:" whatever
    // --platelet-threshold was, mislabelling the recovery actually computed.
    let mut a = example_args();
    a.extend(["--platelet-threshold", "25"]);
    let out = ok(&a);
    assert!(
        out.contains("    platelets: nadir 9 x10^9/L on 2025-02-02; >= 25: "),
        "{out}"
    );
    assert!(!out.contains(">= 20:"), "{out}");
    assert!(out.contains("platelets >= 25 (and >= 50) x10^9/L"), "{out}");
}

#[test]
fn missing_dates_are_warned_not_guessed_silently() {
    let v = json(&["toxicity", LABS]);
    let p1 = patient(&v, "SYN-01");
    let w = p1["warnings"].to_string();
    assert!(w.contains("no first-infusion date"), "{w}");
    assert!(w.contains("no stem-cell infusion date"), "{w}");
    assert_eq!(p1["engraftment"].as_array().unwrap().len(), 0);
}

// ------------------------------------------------------------- bad input

struct Tmp {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn file(name: &str, text: &str) -> Tmp {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    Tmp { _dir: dir, path }
}

const LAB_HEADER: &str = "patient,date,test,value,unit,lln,uln\n";

fn labs_error(body: &str) -> String {
    let f = file("labs.csv", &format!("{LAB_HEADER}{body}"));
    fails(&["toxicity", f.path.to_str().unwrap()])
}

fn events_error(text: &str) -> String {
    let f = file("events.csv", text);
    fails(&["toxicity", LABS, "--events", f.path.to_str().unwrap()])
}

fn tx_error(text: &str) -> String {
    let f = file("transfusions.csv", text);
    fails(&["toxicity", LABS, "--transfusions", f.path.to_str().unwrap()])
}

fn has(err: &str, parts: &[&str]) {
    for p in parts {
        assert!(err.contains(p), "expected {p:?} in: {err}");
    }
    assert!(err.starts_with("error: "), "{err}");
}

#[test]
fn labs_file_errors_name_file_row_column_and_rule() {
    has(
        &labs_error("P,2025-01-01,anc,1.0,10^9/L,1.5\n"),
        &["labs.csv line 2", "6 cells where the header has 7"],
    );
    has(
        &labs_error("P,2025-13-01,anc,1.0,10^9/L,1.5,8\n"),
        &["line 2, column 'date'", "not an ISO 8601 date"],
    );
    has(
        &labs_error("P,01/02/2025,anc,1.0,10^9/L,1.5,8\n"),
        &["column 'date'", "01/02/2025"],
    );
    has(
        &labs_error("P,2025-01-01,anc,1.0,10^9/L,1.5,8\nP,2025-01-02,anc,1e3,10^9/L,1.5,8\n"),
        &["line 3, column 'value'", "not a decimal number"],
    );
    has(
        &labs_error("P,2025-01-01,anc,-1,10^9/L,1.5,8\n"),
        &["column 'value'", "negative"],
    );
    has(
        &labs_error("P,2025-01-01,anc,,10^9/L,1.5,8\n"),
        &["column 'value'", "empty"],
    );
    has(
        &labs_error(",2025-01-01,anc,1,10^9/L,1.5,8\n"),
        &["column 'patient'", "empty"],
    );
    has(
        &labs_error("P,2025-01-01,anc,1.0,cells/L,1.5,8\n"),
        &["column 'unit'", "unknown unit 'cells/L'", "accepted"],
    );
    has(
        &labs_error("P,2025-01-01,alt,40,g/dL,,40\n"),
        &["column 'unit'", "not a unit of alt"],
    );
    has(
        &labs_error("P,2025-01-01,ferritin,40,U/L,,40\n"),
        &["column 'test'", "unknown test 'ferritin'"],
    );
    has(
        &labs_error("P,2025-01-01,anc,1.0,10^9/L,,8\n"),
        &["column 'lln'", "needs the lower limit of normal"],
    );
    has(
        &labs_error("P,2025-01-01,alt,50,U/L,,\n"),
        &["column 'uln'", "needs the upper limit of normal"],
    );
    has(
        &labs_error("P,2025-01-01,alt,50,U/L,60,40\n"),
        &["column 'lln'", "not below uln"],
    );
    has(
        &labs_error("P,2025-01-01,alt,50,U/L,,0\n"),
        &["column 'uln'", "zero"],
    );
    has(
        &labs_error("P,2025-01-01,anc,1.12345678,10^9/L,1.5,8\n"),
        &["column 'value'", "too many digits"],
    );
}

#[test]
fn header_errors() {
    let f = file(
        "labs.csv",
        "patient,date,test,value,unit,lln\nP,2025-01-01,anc,1,10^9/L,1.5\n",
    );
    has(
        &fails(&["toxicity", f.path.to_str().unwrap()]),
        &["labs.csv line 1", "required column 'uln' is missing"],
    );
    // A semicolon-separated export (European spreadsheets) names the cause.
    let f = file(
        "labs.csv",
        "patient;date;test;value;unit;lln;uln\nP;2025-01-01;anc;1,2;10^9/L;1,5;8\n",
    );
    has(
        &fails(&["toxicity", f.path.to_str().unwrap()]),
        &[
            "labs.csv line 1",
            "separated by ';'",
            "decimal commas ('1,2')",
            "with ',' between columns",
        ],
    );
    let f = file("labs.csv", "patient,date,test,value,unit,lln,uln,baseine\n");
    has(
        &fails(&["toxicity", f.path.to_str().unwrap()]),
        &[
            "column 'baseine'",
            "unknown column",
            "did you mean 'baseline'?",
        ],
    );
    let f = file("labs.csv", "patient,date,test,value,unit,lln,uln,ULN\n");
    has(
        &fails(&["toxicity", f.path.to_str().unwrap()]),
        &["column 'uln'", "appears twice", "cells 7 and 8"],
    );
    let f = file("labs.csv", LAB_HEADER);
    has(
        &fails(&["toxicity", f.path.to_str().unwrap()]),
        &["no records"],
    );
}

#[test]
fn baseline_errors() {
    let f = file(
        "labs.csv",
        "patient,date,test,value,unit,lln,uln,baseline\nP,2025-01-01,alt,30,U/L,,40,perhaps\n",
    );
    has(
        &fails(&["toxicity", f.path.to_str().unwrap()]),
        &["line 2, column 'baseline'", "not a flag"],
    );
    let f = file(
        "labs.csv",
        "patient,date,test,value,unit,lln,uln,baseline\nP,2025-01-01,alt,30,U/L,,40,yes\nP,2025-01-02,alt,31,U/L,,40,yes\n",
    );
    has(
        &fails(&["toxicity", f.path.to_str().unwrap()]),
        &[
            "labs.csv line 3",
            "second baseline of alt",
            "labs.csv line 2)",
        ],
    );
}

#[test]
fn events_file_errors() {
    let h = "patient,date,term,grade\n";
    has(
        &events_error(&format!("{h}SYN-01,2025-02-01,Febrile neutropenia,2\n")),
        &[
            "events.csv line 2, column 'grade'",
            "Febrile neutropenia has no grade 2 in CTCAE v5.0",
            "allowed: 3, 4, 5",
        ],
    );
    // Anaemia grades 1-3 exist in CTCAE v5.0 but come from the labs and
    // transfusions files; the message must not claim the grade does not exist.
    let e = events_error(&format!("{h}SYN-01,2025-02-01,Anemia,3\n"));
    has(
        &e,
        &[
            "column 'grade'",
            "Anemia grade 3 is graded from laboratory values in CTCAE v5.0",
            "allowed as an event: 4, 5",
        ],
    );
    assert!(!e.contains("has no grade"), "{e}");
    has(
        &events_error(&format!("{h}SYN-01,2025-02-01,Nausea,4\n")),
        &["Nausea has no grade 4", "allowed: 1, 2, 3"],
    );
    has(
        &events_error(&format!("{h}SYN-01,2025-02-01,TSH increased,2\n")),
        &["column 'grade'", "allowed: 1"],
    );
    has(
        &events_error(&format!("{h}SYN-01,2025-02-01,sialadenitis,2\n")),
        &["column 'term'", "Salivary duct inflammation"],
    );
    has(
        &events_error(&format!("{h}SYN-01,2025-02-01,Mucositis oral,6\n")),
        &["column 'grade'", "'6' is not a grade"],
    );
    has(
        &events_error(&format!("{h}SYN-01,2025-02-01,Mucositis oral,2.5\n")),
        &["'2.5' is not a grade"],
    );
    has(
        &events_error(&format!(
            "{h}SYN-01,2025-02-01,Neutrophil count decreased,4\n"
        )),
        &["column 'term'", "graded from laboratory values"],
    );
    has(
        &events_error(
            "patient,date,term,grade,ctcae_version\nSYN-01,2025-02-01,Mucositis oral,3,4.03\n",
        ),
        &[
            "column 'ctcae_version'",
            "'4.03' is not available",
            "never converted",
        ],
    );
}

#[test]
fn transfusions_file_errors() {
    has(
        &tx_error("patient,date,product\nSYN-01,2025-02-01,plasma\n"),
        &[
            "transfusions.csv line 2, column 'product'",
            "unknown product 'plasma'",
        ],
    );
    has(
        &tx_error("patient,date\nSYN-01,2025-02-01\n"),
        &["required column 'product' is missing"],
    );
}

#[test]
fn option_errors() {
    has(
        &fails(&["toxicity", LABS, "--stem-cells", "SYN-01:2025-01-27"]),
        &["--stem-cells", "expected PATIENT=DATE"],
    );
    has(
        &fails(&["toxicity", LABS, "--stem-cells", "SYN-01=27/01/2025"]),
        &["not an ISO 8601 date"],
    );
    has(
        &fails(&["toxicity", LABS, "--stem-cells", "NOBODY=2025-01-27"]),
        &["patient 'NOBODY'", "no record"],
    );
    has(
        &fails(&[
            "toxicity",
            LABS,
            "--window-start",
            "SYN-01=2025-01-06",
            "SYN-01=2025-01-07",
        ]),
        &["given twice"],
    );
    has(
        &fails(&[
            "toxicity",
            LABS,
            "--window-start",
            "SYN-01=2025-02-01",
            "--stem-cells",
            "SYN-01=2025-01-27",
        ]),
        &["stem-cell infusion 2025-01-27 is before the window start"],
    );
    has(
        &fails(&["toxicity", LABS, "--window-days=-1"]),
        &["negative"],
    );
    // Beyond the calendar: an error naming the window, not a panic (exit 101).
    has(
        &fails(&[
            "toxicity",
            LABS,
            "--stem-cells",
            "SYN-01=2025-01-27",
            "--window-days",
            "99999999",
        ]),
        &["window: 2025-01-27 + 99999999 days"],
    );
    has(
        &fails(&["toxicity", "no/such/labs.csv"]),
        &["cannot read no/such/labs.csv"],
    );
}

#[test]
fn readme_example_output_is_current() {
    // The README's `mibg toxicity` console block must be the real output.
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = readme
        .find("```console\n$ mibg toxicity")
        .expect("README block");
    let block = &readme[start + "```console\n$ ".len()..];
    let block = &block[..block.find("```").unwrap()];
    let mut lines = block.lines();
    let mut command = String::new();
    for l in lines.by_ref() {
        command.push_str(l.trim_end_matches('\\').trim());
        command.push(' ');
        if !l.ends_with('\\') {
            break;
        }
    }
    let expected: String = lines.map(|l| format!("{l}\n")).collect();
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    assert_eq!(ok(&args), expected);
}

/// `--anc-threshold 500` (a /mm³ value for 0.5 x10^9/L) marked every
/// patient as graft failure without a word; now it is refused naming the slip.
#[test]
fn thresholds_in_per_mm3_are_refused_naming_the_slip() {
    let err = fails(&["toxicity", LABS, "--anc-threshold", "500"]);
    has(
        &err,
        &[
            "--anc-threshold",
            "500/mm³ = 0.5 x10^9/L",
            "give the threshold in x10^9/L",
        ],
    );
    let err = fails(&["toxicity", LABS, "--platelet-threshold", "20000"]);
    has(&err, &["--platelet-threshold", "20000/mm³ = 20 x10^9/L"]);
    let err = fails(&["toxicity", LABS, "--anc-threshold", "50"]);
    has(&err, &["--anc-threshold", "at most 5 x10^9/L"]);
}

/// One patient whose platelets recover (days +12..+14), fall deeper (5 on
/// day +20) and recover again (days +25..+27): CIBMTR initial recovery day
/// +12 by default, day +25 with --platelet-rule after-nadir, and a warning
/// with both days either way (hand).
#[test]
fn platelet_rule_is_an_option_and_a_differing_day_is_warned() {
    let mut body = String::from(LAB_HEADER);
    for (d, v) in [
        ("01", "150"),
        ("03", "60"),
        ("06", "15"),
        ("08", "8"),
        ("13", "25"),
        ("14", "30"),
        ("15", "35"),
        ("19", "12"),
        ("21", "5"),
        ("26", "30"),
        ("27", "32"),
        ("28", "40"),
    ] {
        body.push_str(&format!("P1,2025-03-{d},platelets,{v},10^9/L,150,400\n"));
    }
    let f = file("labs.csv", &body);
    let labs = f.path.to_str().unwrap();
    let base = ["toxicity", labs, "--stem-cells", "P1=2025-03-01", "--json"];
    let v: serde_json::Value = serde_json::from_str(&ok(&base)).unwrap();
    assert_eq!(
        v["options"]["engraftment"]["platelet_rule"],
        "initial-recovery"
    );
    let e = &patient(&v, "P1")["engraftment"][0];
    assert_eq!(e["platelets"]["day"], 12);
    let w = e["warnings"][0].as_str().unwrap();
    assert!(
        w.contains("initial-recovery rule: day +12") && w.contains("after-nadir rule: day +25"),
        "{w}"
    );
    let mut nadir = base.to_vec();
    nadir.extend(["--platelet-rule", "after-nadir"]);
    let v: serde_json::Value = serde_json::from_str(&ok(&nadir)).unwrap();
    assert_eq!(v["options"]["engraftment"]["platelet_rule"], "after-nadir");
    let e = &patient(&v, "P1")["engraftment"][0];
    assert_eq!(e["platelets"]["day"], 25);
    assert!(
        e["warnings"][0]
            .as_str()
            .unwrap()
            .contains("reported by the after-nadir rule")
    );
    // The text report names the rule and prints the warning.
    let text = ok(&["toxicity", labs, "--stem-cells", "P1=2025-03-01"]);
    assert!(
        text.contains("platelet rule initial-recovery (CIBMTR initial recovery"),
        "{text}"
    );
    assert!(
        text.contains("warning: platelet recovery (>= 20 x10^9/L)"),
        "{text}"
    );
}

/// `--stem-cells-file` (the study folder's stem_cells.csv layout) gives
/// exactly what the four `--stem-cells` flags give; a duplicate row is an
/// error naming both lines; without any stem-cell date the engraftment is
/// one line saying it was not analysed, and no patient carries an
/// engraftment warning.
#[test]
fn stem_cell_dates_from_a_file_and_no_engraftment_noise_without_them() {
    let flags = json(&example_args());
    let args = [
        "toxicity",
        LABS,
        "--events",
        EVENTS,
        "--transfusions",
        TX,
        "--stem-cells-file",
        "examples/toxicity/stem_cells.csv",
        "--window-start",
        "SYN-01=2025-01-06",
        "SYN-02=2025-01-27",
        "SYN-03=2025-03-17",
    ];
    assert_eq!(json(&args), flags);
    // The study folder's file, with its CD34 column, is read as is.
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("sc.csv");
    std::fs::write(
        &f,
        "patient,date,cd34_e6_per_kg\nSYN-01,2025-01-27,5.1\nSYN-01,2025-01-27,5.1\n",
    )
    .unwrap();
    let err = fails(&["toxicity", LABS, "--stem-cells-file", f.to_str().unwrap()]);
    assert!(
        err.contains("line 3") && err.contains("given twice (first on line 2)"),
        "{err}"
    );
    let text = ok(&["toxicity", LABS]);
    assert_eq!(text.matches("engraftment").count(), 1, "{text}");
    assert!(text.contains("engraftment: not analysed (no stem-cell infusion date given"));
    let plain = json(&["toxicity", LABS]);
    for p in plain["patients"].as_array().unwrap() {
        assert!(!p["warnings"].to_string().contains("engraftment"), "{p}");
    }
}
