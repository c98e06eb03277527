//! Issue 9, item 1: no single-number slip of the usual kinds may change A₂
//! by more than its stated uncertainty without being refused.
//!
//! Exhaustive: every readings file bundled or used in tests (examples/dose,
//! tests/data/dosimetry, tests/data/study, the seed study's 52 series) gets
//! every slip injected, one at a time, and goes through the one clinical act
//! (`assess_course_dosimetry`: the infusion-1 activity check, the
//! plausibility gate, the fit, A₂ with caps). Each variant must be either
//!
//! * **refused**, with a message that names a usual slip (decimal point,
//!   days typed as hours, rows swapped, mCi, GBq, pounds, grams, …) and,
//!   for a slip on one row, that row's line (or a neighbour's, for a time
//!   that is out of order), or
//! * **harmless**: A₂ is prescribed within the stated uncertainty — the
//!   prescribed A₂ lies within the 95 % interval of the clean file's A₂
//!   (residual bootstrap, 1000 replicates), or the 95 % interval the slipped
//!   result states with its A₂ contains the clean A₂ (so that the result is
//!   never confidently wrong); both widened by 0.5 % of A₂ for the rounding
//!   of the intervals. The gate bounds how wide a stated interval may be
//!   (`total-dose-uncertainty`: ±0.5 Gy on the total dose in the seed
//!   protocol).
//!
//! The slips (each on one number):
//! * a reading, a background: ×10, ×100, ×1000, ×1/10, ×1/100, ×1/1000
//!   (a slipped decimal point);
//! * a time: ×10, ×1/10, ×100, ×1/100 (decimal), ×24, ×1/24 (hours ↔ days);
//! * two readings swapped (any pair, times kept), two adjacent rows swapped;
//! * the activity: ÷37 (mCi for MBq), ÷1000 (GBq), ×37, ×10^±1, ×10^±2;
//! * the weight: ×10, ×1/10, ×2.2046 (pounds), ×1000 (grams), ×1/2.2046;
//! * the weight at infusion 2: the same factors.
//!
//! The variants run without the bootstrap (its `bootstrap-failures` check
//! can only add refusals, so this is the stricter test).

use mibg_clinic::dosimetry::{CourseInput, DosimetryOptions, assess_course_dosimetry};
use mibg_dosimetry::{Decision, ReadingsOptions, UncertaintyOptions, parse_readings};
use mibg_protocol::Protocol;
use mibg_units::{Activity, Mass};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[derive(Clone, Debug)]
struct Row {
    hours: f64,
    raw: f64,
    background: Option<f64>,
}

#[derive(Clone, Debug)]
struct Series {
    label: String,
    rows: Vec<Row>,
    weight_kg: f64,
    activity_mbq: f64,
}

impl Series {
    /// The series as a readings CSV (header on line 1, row i on line i + 1).
    fn csv(&self, rows: &[Row]) -> String {
        let bg = self.rows.iter().any(|r| r.background.is_some());
        let mut s = String::from(if bg {
            "hours,reading,background\n"
        } else {
            "hours,reading\n"
        });
        for r in rows {
            if bg {
                s.push_str(&format!(
                    "{},{},{}\n",
                    r.hours,
                    r.raw,
                    r.background.unwrap_or(0.0)
                ));
            } else {
                s.push_str(&format!("{},{}\n", r.hours, r.raw));
            }
        }
        s
    }
}

fn hours_file(label: &str, path: &str, weight_kg: f64, activity_mbq: f64) -> Series {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    let r = parse_readings(label, &text, &ReadingsOptions::default()).unwrap();
    Series {
        label: label.into(),
        rows: r
            .readings
            .iter()
            .map(|x| Row {
                hours: x.time_h.hours(),
                raw: x.raw,
                background: text.contains("background").then_some(x.background),
            })
            .collect(),
        weight_kg,
        activity_mbq,
    }
}

fn number(json: &str, key: &str) -> f64 {
    let i = json.find(&format!("\"{key}\"")).unwrap();
    let rest = &json[i + key.len() + 2..];
    let rest = rest.trim_start_matches([':', ' ']);
    let end = rest.find([',', '\n', '}']).unwrap();
    rest[..end].trim().parse().unwrap()
}

/// Every readings file bundled or used in tests.
fn corpus() -> Vec<Series> {
    let mut v = vec![
        hours_file(
            "examples/dose/readings.csv",
            "examples/dose/readings.csv",
            20.0,
            8880.0,
        ),
        // The infusion-2 readings of the same child, as a curve shape.
        hours_file(
            "examples/dose/readings2.csv",
            "examples/dose/readings2.csv",
            20.0,
            8880.0,
        ),
    ];
    // The clock-time example: the same readings with clock times.
    let text = std::fs::read_to_string(root().join("examples/dose/readings_clock.csv")).unwrap();
    let opts = ReadingsOptions {
        infusion_end: Some("2026-03-02T14:30:00+01:00".parse().unwrap()),
        ..Default::default()
    };
    let r = parse_readings("readings_clock.csv", &text, &opts).unwrap();
    v.push(Series {
        label: "examples/dose/readings_clock.csv".into(),
        rows: r
            .readings
            .iter()
            .map(|x| Row {
                hours: x.time_h.hours(),
                raw: x.raw,
                background: Some(x.background),
            })
            .collect(),
        weight_kg: 20.0,
        activity_mbq: 8880.0,
    });
    for case in [
        "analytic_20kg",
        "mono_24h",
        "scipy_example",
        "scipy_analytic_20kg",
        "issue9_7_readings",
    ] {
        let dir = format!("tests/data/dosimetry/{case}");
        let json = std::fs::read_to_string(root().join(&dir).join("case.json")).unwrap();
        v.push(hours_file(
            &format!("{dir}/readings.csv"),
            &format!("{dir}/readings.csv"),
            number(&json, "weight_kg"),
            number(&json, "activity_mbq"),
        ));
    }
    for study in ["examples/seed-study", "tests/data/study/one-patient"] {
        let readings = std::fs::read_to_string(root().join(study).join("readings.csv")).unwrap();
        let infusions = std::fs::read_to_string(root().join(study).join("infusions.csv")).unwrap();
        let weight = |p: &str, n: &str| -> f64 {
            infusions
                .lines()
                .filter(|l| !l.starts_with('#'))
                .map(|l| l.split(',').collect::<Vec<_>>())
                .find(|c| c[0] == p && c[1] == n)
                .map(|c| c[4].parse().unwrap())
                .unwrap()
        };
        let activity = |p: &str, n: &str| -> f64 {
            infusions
                .lines()
                .filter(|l| !l.starts_with('#'))
                .map(|l| l.split(',').collect::<Vec<_>>())
                .find(|c| c[0] == p && c[1] == n)
                .map(|c| c[3].parse().unwrap())
                .unwrap()
        };
        let mut series: Vec<Series> = Vec::new();
        for line in readings.lines().skip_while(|l| l.starts_with('#')).skip(1) {
            let c: Vec<&str> = line.split(',').collect();
            let label = format!("{study}/readings.csv {} infusion {}", c[0], c[1]);
            if series.last().is_none_or(|s| s.label != label) {
                let w = weight(c[0], c[1]);
                // Infusion-2 series are used as curve shapes after the
                // protocol's infusion-1 activity for that weight (444 MBq/kg).
                let a = if c[1] == "1" {
                    activity(c[0], c[1])
                } else {
                    444.0 * w
                };
                series.push(Series {
                    label,
                    rows: vec![],
                    weight_kg: w,
                    activity_mbq: a,
                });
            }
            series.last_mut().unwrap().rows.push(Row {
                hours: c[2].parse().unwrap(),
                raw: c[3].parse().unwrap(),
                background: c.get(4).map(|b| b.parse().unwrap()),
            });
        }
        v.extend(series);
    }
    v
}

#[derive(Clone, Debug)]
enum Slip {
    Reading(usize, f64),
    Background(usize, f64),
    Time(usize, f64),
    SwapReadings(usize, usize),
    SwapRows(usize),
    Activity(f64),
    Weight(f64),
    Weight2(f64),
}

impl Slip {
    /// The file lines the slip touched (header = line 1).
    fn lines(&self) -> Vec<usize> {
        match *self {
            Slip::Reading(i, _) | Slip::Background(i, _) | Slip::Time(i, _) => vec![i + 2],
            Slip::SwapReadings(i, j) => vec![i + 2, j + 2],
            Slip::SwapRows(i) => vec![i + 2, i + 3],
            _ => vec![],
        }
    }
}

const DECIMAL: [f64; 6] = [10.0, 100.0, 1000.0, 0.1, 0.01, 0.001];
const LB: f64 = 2.204_622_621_8;

fn slips(s: &Series) -> Vec<Slip> {
    let n = s.rows.len();
    let mut v = Vec::new();
    for i in 0..n {
        for f in DECIMAL {
            v.push(Slip::Reading(i, f));
            if s.rows[i].background.is_some_and(|b| b > 0.0) {
                v.push(Slip::Background(i, f));
            }
        }
        if s.rows[i].hours > 0.0 {
            for f in [10.0, 0.1, 100.0, 0.01, 24.0, 1.0 / 24.0] {
                v.push(Slip::Time(i, f));
            }
        }
        for j in i + 1..n {
            v.push(Slip::SwapReadings(i, j));
        }
        if i + 1 < n {
            v.push(Slip::SwapRows(i));
        }
    }
    for f in [1.0 / 37.0, 0.001, 37.0, 10.0, 0.1, 100.0, 0.01] {
        v.push(Slip::Activity(f));
    }
    for f in [10.0, 0.1, LB, 1000.0, 1.0 / LB] {
        v.push(Slip::Weight(f));
        v.push(Slip::Weight2(f));
    }
    v
}

/// The phrases by which a message names a usual slip.
const SLIP_NAMES: [&str; 12] = [
    "from mCi",
    "decimal point",
    "days typed as hours",
    "days instead of hours",
    "×24 on the time",
    "swapped",
    "in mCi",
    "in GBq",
    "pounds",
    "grams",
    "×10",
    "×1/10",
];

fn names_a_slip(msg: &str) -> bool {
    SLIP_NAMES.iter().any(|p| msg.contains(p))
}

fn options(bootstrap: bool) -> DosimetryOptions {
    DosimetryOptions {
        uncertainty: bootstrap.then(UncertaintyOptions::default),
        radiation_protection: false,
        ..DosimetryOptions::default()
    }
}

enum Outcome {
    Refused(String),
    Prescribed(f64),
}

fn run(
    s: &Series,
    rows: &[Row],
    w: f64,
    a: f64,
    w2: Option<f64>,
    bootstrap: bool,
) -> (Outcome, Option<[f64; 2]>) {
    let text = s.csv(rows);
    let r = match parse_readings(&s.label, &text, &ReadingsOptions::default()) {
        Ok(r) => r,
        Err(e) => return (Outcome::Refused(e.to_string()), None),
    };
    let input = CourseInput {
        readings1: r,
        weight1: Mass::from_kg(w),
        activity1: Activity::from_mbq(a).into(),
        weight2: w2.map(Mass::from_kg),
        second: None,
    };
    match assess_course_dosimetry(&input, &Protocol::seed(), &options(bootstrap)) {
        Ok(d) => {
            let a2 = if d.decision == Decision::SecondInfusion {
                d.second_activity.mbq()
            } else {
                0.0
            };
            (Outcome::Prescribed(a2), d.interval95.second_activity_mbq)
        }
        Err(e) => (Outcome::Refused(e.to_string()), None),
    }
}

struct Tally {
    variants: usize,
    refused: usize,
    harmless: usize,
    failures: Vec<String>,
}

fn check_series(s: &Series) -> Tally {
    let mut t = Tally {
        variants: 0,
        refused: 0,
        harmless: 0,
        failures: vec![],
    };
    let (clean, iv) = run(s, &s.rows, s.weight_kg, s.activity_mbq, None, true);
    let a2 = match clean {
        Outcome::Prescribed(a2) => a2,
        Outcome::Refused(e) => {
            t.failures
                .push(format!("{}: the clean file is refused: {e}", s.label));
            return t;
        }
    };
    let [lo, hi] = iv.expect("a bootstrap interval for the clean file");
    let (lo, hi) = (lo.min(a2) * 0.995, hi.max(a2) * 1.005);
    for slip in slips(s) {
        let mut rows = s.rows.clone();
        let (mut w, mut a, mut w2) = (s.weight_kg, s.activity_mbq, None);
        match slip {
            Slip::Reading(i, f) => rows[i].raw *= f,
            Slip::Background(i, f) => {
                rows[i].background = rows[i].background.map(|b| b * f);
            }
            Slip::Time(i, f) => rows[i].hours *= f,
            Slip::SwapReadings(i, j) => {
                let (x, y) = (rows[i].raw, rows[j].raw);
                rows[i].raw = y;
                rows[j].raw = x;
                let (x, y) = (rows[i].background, rows[j].background);
                rows[i].background = y;
                rows[j].background = x;
            }
            Slip::SwapRows(i) => rows.swap(i, i + 1),
            Slip::Activity(f) => a *= f,
            Slip::Weight(f) => w *= f,
            Slip::Weight2(f) => w2 = Some(s.weight_kg * f),
        }
        t.variants += 1;
        let (out, iv_slip) = run(s, &rows, w, a, w2, false);
        match out {
            Outcome::Refused(msg) => {
                let lines = slip.lines();
                let line_named = lines.is_empty()
                    || lines
                        .iter()
                        .flat_map(|&l| [l.saturating_sub(1), l, l + 1])
                        .any(|l| msg.contains(&format!("line {l}")));
                if names_a_slip(&msg) && line_named {
                    t.refused += 1;
                } else {
                    t.failures.push(format!(
                        "{} {slip:?}: refused without naming the slip{}:\n{msg}",
                        s.label,
                        if line_named { "" } else { " or the line" }
                    ));
                }
            }
            Outcome::Prescribed(b) => {
                let stated = iv_slip.map(|[l, h]| {
                    let slack = 0.005 * b;
                    (l.min(b) - slack, h.max(b) + slack)
                });
                let covers = stated.is_some_and(|(l, h)| (l..=h).contains(&a2));
                if (lo..=hi).contains(&b) || covers {
                    t.harmless += 1;
                } else {
                    t.failures.push(format!(
                        "{} {slip:?}: A2 = {b:.0} MBq prescribed (stated 95 % interval {:?}), outside the clean 95 % interval {lo:.0}–{hi:.0} MBq, and its own interval does not contain the clean A2 {a2:.0}",
                        s.label, iv_slip
                    ));
                }
            }
        }
    }
    t
}

#[test]
fn every_single_slip_is_refused_or_harmless() {
    let corpus = corpus();
    assert!(corpus.len() >= 60, "{} series", corpus.len());
    let chunks: Vec<Vec<Series>> = {
        let k = 2;
        let mut c = vec![Vec::new(); k];
        for (i, s) in corpus.into_iter().enumerate() {
            c[i % k].push(s);
        }
        c
    };
    let tallies: Vec<Tally> = std::thread::scope(|sc| {
        let hs: Vec<_> = chunks
            .iter()
            .map(|c| sc.spawn(move || c.iter().map(check_series).collect::<Vec<_>>()))
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let variants: usize = tallies.iter().map(|t| t.variants).sum();
    let refused: usize = tallies.iter().map(|t| t.refused).sum();
    let harmless: usize = tallies.iter().map(|t| t.harmless).sum();
    let failures: Vec<&String> = tallies.iter().flat_map(|t| &t.failures).collect();
    eprintln!(
        "{variants} slipped variants: {refused} refused with the slip named, {harmless} harmless, {} failures",
        failures.len()
    );
    for f in failures.iter().take(40) {
        eprintln!("{f}\n");
    }
    assert!(failures.is_empty(), "{} failures", failures.len());
    assert_eq!(variants, refused + harmless);
}
