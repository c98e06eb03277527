//! End-to-end tests of `mibg dose --family`: the restriction periods of the
//! shipped patterns on the bundled example, a centre's own file, the
//! distance law as a choice named in every output, readings at 1-3 m, the
//! sheet and plot files, and the refusals (exit 1, nothing written).

mod common;
use common::{data, fails, ok, repo_root};

const EX: &str = "examples/dose/readings.csv";
const BASE: [&str; 11] = [
    "dose",
    EX,
    "--weight-kg",
    "20",
    "--activity-mbq",
    "8880",
    "--reading-unit",
    "usv-h-1m",
    "--bootstrap",
    "0",
    "--family",
];

fn with(extra: &[&str]) -> Vec<String> {
    BASE.iter().chain(extra).map(|s| s.to_string()).collect()
}

fn run(extra: &[&str]) -> String {
    let a = with(extra);
    ok(&a.iter().map(String::as_str).collect::<Vec<_>>())
}

fn json(extra: &[&str]) -> serde_json::Value {
    let mut e = extra.to_vec();
    e.push("--json");
    serde_json::from_str(&run(&e)).unwrap()
}

const T: [&str; 2] = ["--infusion-time", "2026-03-02T14:30+01:00"];

#[test]
fn the_sheet_for_the_bundled_example() {
    let out = run(&T);
    for want in [
        "Radiation protection at home: instructions for the family",
        "infusion 1: ended Mon 2 Mar 2026 14:30 (+01:00), 8880 MBq (240.0 mCi)",
        "infusion 2: ended Mon 16 Mar 2026 14:30 (+01:00), 3964 MBq (107.1 mCi)",
        "Parent sleeping beside the child [parent-sleeping-beside]",
        "After infusion 1: until Mon 9 Mar 2026 02:00 (+01:00), do not sleep in the same bed",
        "Fellow passengers on one long journey",
        "Distance law: Cormack & Shearer (1 m / d)^1.5",
        "Patterns: protocols/contact-patterns.toml (built in)",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    // The caregiver estimate names the law too.
    assert!(out.contains("caregiver"), "{out}");
}

#[test]
fn json_carries_every_pattern_with_law_and_dates() {
    let d = json(&T);
    let f = &d["family"];
    assert_eq!(f["distance_law"], "cormack_shearer");
    assert!(f["distance_law_source"].as_str().unwrap().contains("1998"));
    assert_eq!(d["options"]["distance_law"], "cormack_shearer");
    let p = f["patterns"].as_array().unwrap();
    assert_eq!(p.len(), 14);
    for x in p {
        assert_eq!(x["law"], "cormack_shearer");
        let dose = x["course_dose_msv"].as_f64().unwrap();
        let limit = x["course_limit_msv"].as_f64().unwrap();
        assert!(
            dose <= limit * (1.0 + 1e-12),
            "{}: {dose} > {limit}",
            x["pattern"]["id"]
        );
        assert!(x["course_dose_unrestricted_msv"].as_f64().unwrap() > limit);
        assert_eq!(x["infusions"].as_array().unwrap().len(), 2);
        assert_eq!(x["instructions"].as_array().unwrap().len(), 2);
        assert_eq!(x["resume_at"].as_array().unwrap().len(), 2);
    }
    let bed = &p[0];
    assert_eq!(bed["pattern"]["id"], "parent-sleeping-beside");
    assert_eq!(bed["resume_at"][0], "Mon 9 Mar 2026 02:00 (+01:00)");
    assert_eq!(bed["infusions"][0]["resume_at_h"], 155.5);
    assert_eq!(bed["infusions"][0]["budget_msv"], 2.5);
    // Budget after infusion 2 = 5 mSv − what infusion 1 used.
    let used1 = bed["infusions"][0]["dose_msv"].as_f64().unwrap();
    let b2 = bed["infusions"][1]["budget_msv"].as_f64().unwrap();
    assert!((b2 - (5.0 - used1)).abs() < 1e-9);
    assert!(f["dose_rate_at_1m"].as_array().unwrap().len() > 100);
    assert_eq!(
        f["infusions"][1]["curve"]
            .as_str()
            .unwrap()
            .split(':')
            .next(),
        Some("planned")
    );
}

#[test]
fn inverse_square_is_a_choice_and_changes_the_numbers() {
    // 24 h/day at 0.5 m from discharge: inverse square ×4, the 1.5-power
    // law ×2^1.5; the caregiver dose ratio is √2 (hand).
    let c = [
        "--contact-distance-m",
        "0.5",
        "--contact-hours-per-day",
        "24",
    ];
    let mut a = T.to_vec();
    a.extend(c);
    let cs = json(&a);
    a.extend(["--distance-law", "inverse-square"]);
    let is = json(&a);
    let dc = cs["radiation_protection"]["caregiver"]["dose_msv"]
        .as_f64()
        .unwrap();
    let di = is["radiation_protection"]["caregiver"]["dose_msv"]
        .as_f64()
        .unwrap();
    assert!((di / dc - 2f64.sqrt()).abs() < 1e-9, "{di} / {dc}");
    assert_eq!(is["family"]["distance_law"], "inverse_square");
    assert_eq!(
        is["radiation_protection"]["caregiver"]["pattern"]["law"],
        "inverse_square"
    );
    let text = run(&[&T[..], &c, &["--distance-law", "inverse-square"]].concat());
    assert!(
        text.contains("Distance law: inverse square (point source)"),
        "{text}"
    );
    assert!(text.contains("(inverse square (point source))"), "{text}");
}

#[test]
fn readings_at_two_metres_are_converted_by_the_law() {
    // 408 µSv/h at 2 m → 408 × 2^1.5 = 1154.00 µSv/h at 1 m (hand).
    let d = json(&[&T[..], &["--reading-distance-m", "2"]].concat());
    let r = d["family"]["infusions"][0]["initial_dose_rate_usv_h_at_1m"]
        .as_f64()
        .unwrap();
    assert!((r - 408.0 * 2f64.powf(1.5)).abs() < 1e-9, "{r}");
    assert!(
        d["family"]["infusions"][0]["initial_dose_rate_method"]
            .as_str()
            .unwrap()
            .contains("at 2 m")
    );
    let e = fails(
        &with(&[&T[..], &["--reading-distance-m", "3.5"]].concat())
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(e.contains("1 m to 3 m"), "{e}");
    let e = fails(&[
        "dose",
        EX,
        "--weight-kg",
        "20",
        "--activity-mbq",
        "8880",
        "--bootstrap",
        "0",
        "--reading-distance-m",
        "2",
    ]);
    assert!(e.contains("usv-h-1m"), "{e}");
}

#[test]
fn a_centre_supplies_its_own_patterns() {
    let local = data("radprot/patterns/local.toml").display().to_string();
    let a: Vec<&str> = [
        "dose",
        EX,
        "--weight-kg",
        "20",
        "--activity-mbq",
        "8880",
        "--reading-unit",
        "usv-h-1m",
        "--bootstrap",
        "0",
        "--family",
        &local,
        T[0],
        T[1],
        "--json",
    ]
    .to_vec();
    let d: serde_json::Value = serde_json::from_str(&ok(&a)).unwrap();
    assert_eq!(d["family"]["patterns_source"], local.as_str());
    let p = d["family"]["patterns"].as_array().unwrap();
    assert_eq!(p.len(), 2);
    assert_eq!(p[1]["pattern"]["id"], "night-in-hospital");
    // A bad file: file, line, pattern, field and rule; nothing written.
    let bad = data("radprot/patterns/bad.toml").display().to_string();
    let sheet = std::env::temp_dir().join(format!("mibg-family-{}.txt", std::process::id()));
    let s = sheet.display().to_string();
    let e = fails(&[
        "dose",
        EX,
        "--weight-kg",
        "20",
        "--activity-mbq",
        "8880",
        "--bootstrap",
        "0",
        "--family",
        &bad,
        T[0],
        T[1],
        "--family-sheet",
        &s,
    ]);
    assert!(
        e.contains(
            "bad.toml line 12, pattern 'sofa': elements[1].distance_m: must be >= 0.01 m (0.005)"
        ),
        "{e}"
    );
    assert!(!sheet.exists());
}

#[test]
fn sheet_and_plot_files() {
    let dir = std::env::temp_dir().join(format!("mibg-family-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (sheet, plot) = (dir.join("sheet.txt"), dir.join("family.svg"));
    let out = run(&[
        &T[..],
        &[
            "--family-sheet",
            &sheet.display().to_string(),
            "--family-plot",
            &plot.display().to_string(),
        ],
    ]
    .concat());
    let s = std::fs::read_to_string(&sheet).unwrap();
    assert!(out.ends_with(&s), "stdout ends with the sheet");
    let svg = std::fs::read_to_string(&plot).unwrap();
    for want in [
        "<svg",
        "Dose rate at 1 m",
        "release 20 µSv/h",
        "Dose against restriction delay, infusion 2",
        "parent-sleeping-beside",
        "Cormack &amp; Shearer",
    ] {
        assert!(svg.contains(want), "{want}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn infusion_times_and_measured_infusion_2() {
    // Without a clock time: refused, naming the flag.
    let e = fails(&BASE);
    assert!(e.contains("--infusion-time"), "{e}");
    let e = fails(
        &with(&["--infusion-time", "2026-03-02 14:30"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(e.contains("--infusion-time '2026-03-02 14:30'"), "{e}");
    let e = fails(
        &with(&[T[0], T[1], "--infusion2-time", "2026-03-01T14:30+01:00"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(e.contains("must be after the end of infusion 1"), "{e}");
    // Clock-time readings: --infusion-end serves.
    let d: serde_json::Value = serde_json::from_str(&ok(&[
        "dose",
        "examples/dose/readings_clock.csv",
        "--weight-kg",
        "20",
        "--activity-mbq",
        "8880",
        "--reading-unit",
        "usv-h-1m",
        "--bootstrap",
        "0",
        "--infusion-end",
        "2026-03-02T14:30:00+01:00",
        "--family",
        "--json",
    ]))
    .unwrap();
    assert_eq!(
        d["family"]["infusions"][0]["end"],
        "Mon 2 Mar 2026 14:30 (+01:00)"
    );
    // Infusion 2 measured, 15 days later at 09:00 UTC: its own curve and clock.
    let d = json(&[
        T[0],
        T[1],
        "--after-second",
        "examples/dose/readings2.csv",
        "--activity2-mbq",
        "3964",
        "--infusion2-time",
        "2026-03-17T09:00Z",
        "--courses-per-year",
        "2",
        "--budget-split",
        "activity",
    ]);
    let f = &d["family"];
    assert_eq!(f["infusions"][1]["end"], "Tue 17 Mar 2026 09:00 (+00:00)");
    assert!(
        f["infusions"][1]["curve"]
            .as_str()
            .unwrap()
            .starts_with("fitted to the infusion-2 readings")
    );
    assert_eq!(f["courses_per_year"], 2);
    assert_eq!(f["budget_split"], "proportional_to_activity");
    let school = f["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pattern"]["id"] == "school")
        .unwrap();
    assert_eq!(school["course_limit_msv"], 0.5);
    let b1 = school["infusions"][0]["budget_msv"].as_f64().unwrap();
    assert!((b1 - 0.5 * 8880.0 / (8880.0 + 3964.0)).abs() < 1e-12);
    let e = fails(
        &with(&[T[0], T[1], "--courses-per-year", "0"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(e.contains("--courses-per-year 0"), "{e}");
}

#[test]
fn an_exact_series_shows_no_systematic_trend() {
    // Noise-free readings: residuals of 1e-17..1e-16 whose signs gave a runs
    // test z = -2.33 (+ + + + + + + − −) and a "systematic trend" warning
    // before issue 14.
    let f = data("dosimetry/exact-series/readings.csv")
        .display()
        .to_string();
    let d: serde_json::Value = serde_json::from_str(&ok(&[
        "dose",
        &f,
        "--weight-kg",
        "20",
        "--activity-mbq",
        "8880",
        "--bootstrap",
        "0",
        "--json",
    ]))
    .unwrap();
    let r: Vec<f64> = d["residuals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert!(r.iter().all(|x| x.abs() < 1e-12), "{r:?}");
    let w = d["warnings"].as_array().unwrap();
    assert!(
        !w.iter()
            .any(|x| x.as_str().unwrap().contains("systematic trend")),
        "{w:?}"
    );
    let _ = repo_root();
}
