//! End-to-end tests of `mibg design`: the binary against R clinfun and rpact
//! reference files (tests/data/design/, see its README for provenance and
//! tolerances) and Simon (1989)'s published designs.

mod common;
use common::{data, fails, ok};
use serde_json::Value;

fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    serde_json::from_str(&ok(&all)).expect("JSON")
}

fn csv(rel: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(data(&format!("design/{rel}"))).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn rule(d: &Value) -> (u64, u64, u64, u64) {
    let g = |k: &str| d[k].as_u64().unwrap();
    (g("r1"), g("n1"), g("r"), g("n"))
}

#[test]
fn simon_text_explains_the_published_example() {
    // Simon (1989) Table 1: p0 0.1, p1 0.3, alpha 0.05, beta 0.2
    let out = ok(&["design", "simon", "--p0", "0.1", "--p1", "0.3"]);
    assert!(
        out.contains("Simon R, Controlled Clinical Trials 1989;10:1-10"),
        "{out}"
    );
    assert!(
        out.contains("Stage 1: treat n1 = 10 patients; stop (not promising) if 1 or fewer respond"),
        "{out}"
    );
    assert!(
        out.contains(
            "otherwise treat 19 more (n = 29 in all); promising if more than 5 of 29 respond"
        ),
        "{out}"
    );
    assert!(
        out.contains("PET = 0.736; expected patients EN = 15.01"),
        "{out}"
    );
    assert!(out.contains("Stage 1: treat n1 = 15 patients"), "{out}");
    assert!(
        out.contains("PET = 0.549; expected patients EN = 19.51"),
        "{out}"
    );
    assert!(
        out.contains("every design with 2 ≤ n ≤ 55 was enumerated"),
        "{out}"
    );
}

/// Through the binary, a sample of clinfun's grid including p0 = 0.5, where
/// EN(p0) ties exactly and collinear admissible designs appear.
#[test]
fn simon_json_matches_clinfun() {
    let rows = csv("simon/clinfun.csv");
    for case in [
        ["0.05", "0.25", "0.1", "0.1"],
        ["0.2", "0.4", "0.05", "0.1"],
        ["0.5", "0.65", "0.1", "0.1"],
        ["0.7", "0.85", "0.05", "0.2"],
    ] {
        let power = format!("{}", 1.0 - case[3].parse::<f64>().unwrap());
        let j = json(&[
            "design", "simon", "--p0", case[0], "--p1", case[1], "--alpha", case[2], "--power",
            &power,
        ]);
        assert_eq!(j["design"], "simon-two-stage");
        let expected: Vec<&Vec<String>> = rows.iter().filter(|r| r[..4] == case[..]).collect();
        let got = j["admissible"].as_array().unwrap();
        assert_eq!(got.len(), expected.len(), "{case:?}");
        for (g, e) in got.iter().zip(&expected) {
            let p = |i: usize| e[i].parse::<u64>().unwrap();
            assert_eq!(rule(&g["design"]), (p(5), p(6), p(7), p(8)), "{case:?}");
            let en = g["design"]["at_p0"]["expected_n"].as_f64().unwrap();
            assert!((en - e[9].parse::<f64>().unwrap()).abs() < 1e-9, "{case:?}");
        }
        assert_eq!(j["minimax"], got[0]["design"]);
        assert_eq!(j["optimal"], got[got.len() - 1]["design"]);
        assert!(j["warnings"].is_array());
        assert!(j["search"]["n_upper"].as_u64().unwrap() >= j["optimal"]["n"].as_u64().unwrap());
    }
}

#[test]
fn simon_published_optimal_designs() {
    for row in csv("simon/published.csv") {
        let power = format!("{}", 1.0 - row[3].parse::<f64>().unwrap());
        let j = json(&[
            "design", "simon", "--p0", &row[0], "--p1", &row[1], "--alpha", &row[2], "--power",
            &power,
        ]);
        let p = |i: usize| row[i].parse::<u64>().unwrap();
        assert_eq!(rule(&j["optimal"]), (p(5), p(6), p(7), p(8)), "{row:?}");
    }
}

#[test]
fn single_stage_matches_clinfun() {
    for row in csv("single-stage/clinfun.csv").iter().step_by(5) {
        let power = format!("{}", 1.0 - row[3].parse::<f64>().unwrap());
        let j = json(&[
            "design",
            "single-stage",
            "--p0",
            &row[0],
            "--p1",
            &row[1],
            "--alpha",
            &row[2],
            "--power",
            &power,
        ]);
        assert_eq!(j["design"], "exact-single-stage");
        assert_eq!(
            j["n"].as_u64().unwrap(),
            row[4].parse::<u64>().unwrap(),
            "{row:?}"
        );
        let r: u64 = row[5].parse().unwrap();
        let range = j["r_range"].as_array().unwrap();
        assert!(range[0].as_u64().unwrap() <= r && r <= range[1].as_u64().unwrap());
    }
    let out = ok(&["design", "single-stage", "--p0", "0.1", "--p1", "0.3"]);
    assert!(
        out.contains("Treat n = 25 patients; promising if more than 5 respond"),
        "{out}"
    );
    assert!(
        out.contains("warning: no critical value meets alpha and power at n = 28"),
        "{out}"
    );
}

#[test]
fn survival_matches_rpact() {
    for row in csv("survival/rpact.csv") {
        let k: f64 = row[5].parse().unwrap();
        let allocation = if k >= 1.0 {
            format!("{k}:1")
        } else {
            format!("1:{}", (1.0 / k).round())
        };
        let j = json(&[
            "design",
            "survival",
            "--formula",
            &row[0],
            "--hazard-ratio",
            &row[1],
            "--alpha",
            &row[2],
            "--sided",
            &row[3],
            "--power",
            &row[4],
            "--allocation",
            &allocation,
            "--median-control",
            &row[6],
            "--accrual",
            &row[7],
            "--follow-up",
            &row[8],
        ]);
        let rel = |a: f64, b: &str| ((a - b.parse::<f64>().unwrap()) / a).abs() < 1e-9;
        assert!(
            rel(j["events"]["events_exact"].as_f64().unwrap(), &row[9]),
            "{row:?}"
        );
        assert!(
            rel(j["patients"]["patients_exact"].as_f64().unwrap(), &row[10]),
            "{row:?}"
        );
        assert_eq!(j["events"]["formula"], row[0].as_str());
        assert_eq!(j["patients"]["event_probability_method"], "exact");
    }
}

#[test]
fn survival_text_simpson_and_events_only() {
    let out = ok(&[
        "design",
        "survival",
        "--hazard-ratio",
        "0.6",
        "--median-control",
        "12",
        "--accrual",
        "24",
        "--follow-up",
        "12",
        "--event-probability",
        "simpson",
    ]);
    assert!(out.contains("= 120.32 → 121 events"), "{out}");
    assert!(out.contains("would need 125.58 → 126 events"), "{out}");
    assert!(
        out.contains("Pooled P(event) = 0.6406 (Simpson's rule of Schoenfeld (Biometrics 1983))"),
        "{out}"
    );
    // events only: no patients, and the text says what is missing
    let j = json(&["design", "survival", "--hazard-ratio", "0.6"]);
    assert!(j["patients"].is_null());
    assert_eq!(j["events"]["events"], 121);
    // a landmark of 50 % at 12 is the same as a median of 12
    let a = json(&[
        "design",
        "survival",
        "--hazard-ratio",
        "0.6",
        "--landmark-control",
        "12:0.5",
        "--accrual",
        "24",
        "--follow-up",
        "12",
    ]);
    let b = json(&[
        "design",
        "survival",
        "--hazard-ratio",
        "0.6",
        "--median-control",
        "12",
        "--accrual",
        "24",
        "--follow-up",
        "12",
    ]);
    assert_eq!(a["patients"]["patients"], b["patients"]["patients"]);
    assert_eq!(b["patients"]["patients"], 190);
}

#[test]
fn impossible_inputs_name_the_option() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["design", "simon", "--p0", "0.3", "--p1", "0.2"],
            "--p1: p1 = 0.2 is not greater than p0 = 0.3",
        ),
        (
            &[
                "design", "simon", "--p0", "0.1", "--p1", "0.3", "--alpha", "0.6",
            ],
            "--alpha: alpha = 0.6",
        ),
        (
            &[
                "design", "simon", "--p0", "0.1", "--p1", "0.3", "--alpha", "0",
            ],
            "--alpha",
        ),
        (
            &["design", "single-stage", "--p0", "0", "--p1", "0.3"],
            "--p0: p0 = 0",
        ),
        (
            &[
                "design",
                "single-stage",
                "--p0",
                "0.1",
                "--p1",
                "0.3",
                "--power",
                "1",
            ],
            "--power: power = 1",
        ),
        (
            &[
                "design", "simon", "--p0", "0.1", "--p1", "0.3", "--max-n", "20",
            ],
            "--max-n: max-n = 20: no design",
        ),
        (
            &[
                "design", "simon", "--p0", "0.1", "--p1", "0.3", "--max-n", "30",
            ],
            "raise max-n to at least",
        ),
        (
            &["design", "survival", "--hazard-ratio", "1"],
            "--hazard-ratio: hazard-ratio = 1",
        ),
        (
            &[
                "design",
                "survival",
                "--hazard-ratio",
                "0.7",
                "--allocation",
                "2",
            ],
            "--allocation = 2: expected E:C",
        ),
        (
            &[
                "design",
                "survival",
                "--hazard-ratio",
                "0.7",
                "--allocation",
                "0:1",
            ],
            "--allocation: allocation = 0:1",
        ),
        (
            &[
                "design",
                "survival",
                "--hazard-ratio",
                "0.7",
                "--median-control",
                "12",
            ],
            "--accrual",
        ),
        (
            &[
                "design",
                "survival",
                "--hazard-ratio",
                "0.7",
                "--median-control",
                "12",
                "--accrual",
                "24",
            ],
            "--follow-up",
        ),
        (
            &[
                "design",
                "survival",
                "--hazard-ratio",
                "0.7",
                "--accrual",
                "24",
                "--follow-up",
                "12",
            ],
            "--median-control, --landmark-control or --hazard-control",
        ),
        (
            &[
                "design",
                "survival",
                "--hazard-ratio",
                "0.7",
                "--landmark-control",
                "24:1.5",
                "--accrual",
                "24",
                "--follow-up",
                "12",
            ],
            "--landmark-control: landmark-control = 1.5",
        ),
        (
            &[
                "design",
                "survival",
                "--hazard-ratio",
                "0.7",
                "--landmark-control",
                "24",
                "--accrual",
                "24",
                "--follow-up",
                "12",
            ],
            "expected T:S",
        ),
        (
            &[
                "design",
                "survival",
                "--hazard-ratio",
                "0.7",
                "--median-control",
                "12",
                "--accrual",
                "0",
                "--follow-up",
                "12",
            ],
            "--accrual: accrual = 0",
        ),
        (
            &[
                "design",
                "survival",
                "--hazard-ratio",
                "0.7",
                "--median-control",
                "12",
                "--accrual",
                "24",
                "--follow-up=-1",
            ],
            "--follow-up: time -1",
        ),
    ];
    for (args, message) in cases {
        let err = fails(args);
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

/// The README's `mibg design` examples are real output.
#[test]
fn readme_examples_are_current() {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let mut seen = 0;
    for (start, _) in readme.match_indices("$ mibg design ") {
        let block = &readme[start..];
        let end = block.find("\n```").unwrap();
        let (cmd, expected) = block[..end].split_once('\n').unwrap();
        let args: Vec<&str> = cmd
            .trim_start_matches("$ mibg ")
            .split_whitespace()
            .collect();
        assert_eq!(ok(&args).trim_end(), expected.trim_end(), "README: {cmd}");
        seen += 1;
    }
    assert_eq!(seen, 3);
}
