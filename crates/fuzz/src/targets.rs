//! The in-process targets: every parser of the workspace, each followed by
//! what its command does next with the parsed value (a fit, a plan, a
//! grading, an estimate), so that a value the parser lets through is also
//! fuzzed downstream. Seeds are the bundled files (`examples/`,
//! `tests/data/`, `protocols/`).

use crate::campaign::{Exec, Kind, Outcome, Target, class_of};
use crate::case::Case;
use mibg_clinic::dosimetry::{CourseInput, DosimetryOptions, assess_course_dosimetry};
use mibg_dosimetry::{Decision, ReadingsOptions, parse_readings, parse_s_table};
use mibg_protocol::Protocol;
use mibg_response::input::Format;
use mibg_response::inrc2017::Inrc2017Options;
use mibg_response::score::{MibgMethod, MibgScore};
use mibg_response::series::{SeriesOptions, report_1993, report_2017};
use mibg_stats::conf::ConfLevel;
use mibg_stats::km::{EventCounts, KaplanMeier, KmOptions};
use mibg_stats::proportion::{Method, confint};
use mibg_stats::survdata::{ColumnSpec, parse_csv};
use mibg_stats::time::SurvTime;
use mibg_study::StudyInput;
use mibg_toxicity::analysis::{Options as ToxOptions, analyse};
use mibg_toxicity::records::{Schedule, ToxicityInput};
use mibg_units::{Activity, Length, Mass};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The repository root this crate was built in (the seeds' home).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(root: &Path, rel: &str) -> Vec<u8> {
    std::fs::read(root.join(rel)).unwrap_or_else(|e| panic!("seed {rel}: {e}"))
}

/// Every file under `dir` (relative to root) with one of `exts`, sorted.
fn files(root: &Path, dir: &str, exts: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.join(dir)];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if exts.iter().any(|x| p.to_string_lossy().ends_with(x))
                && let Ok(rel) = p.strip_prefix(root)
            {
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

/// The longest line of an error message that is still readable: a longer
/// one echoes a field whole (issue 9: "a 1 MB field echoed in an error")
/// and is a failure. (A gate refusal may list several findings on several
/// lines; no line of it comes near this.)
pub const MAX_MESSAGE_LINE: usize = 1000;
/// The longest error message in all.
pub const MAX_MESSAGE: usize = 20_000;

/// `true` when `t` is too long to read (see [`MAX_MESSAGE_LINE`]).
pub fn too_long(t: &str) -> bool {
    t.len() > MAX_MESSAGE || t.lines().any(|l| l.len() > MAX_MESSAGE_LINE)
}

fn refused(e: impl std::fmt::Display) -> Outcome {
    let t = e.to_string();
    if too_long(&t) {
        return long_message(&t);
    }
    Outcome::Refused(class_of(&t))
}

/// One failure per file (the value is the long part).
fn long_message(t: &str) -> Outcome {
    let file = t.split([' ', ':', ',']).next().unwrap_or("");
    Outcome::Failure {
        kind: "long-message",
        key: format!("{file}: a line over {MAX_MESSAGE_LINE} characters"),
    }
}

fn text(c: &Case, name: &str) -> String {
    c.text(name).unwrap_or_default()
}

/// A study folder as files named `study/<rel>` (for the command target)
/// or `<rel>`.
pub fn study_case(root: &Path, dir: &str, prefix: &str) -> Case {
    let mut c = Case::default();
    for rel in files(root, dir, &[".csv", ".toml", ".json"]) {
        let inner = rel
            .strip_prefix(dir)
            .unwrap_or(&rel)
            .trim_start_matches('/');
        c.push(&format!("{prefix}{inner}"), read(root, &rel));
    }
    c
}

/// The study folders bundled with the repository.
pub const STUDY_FOLDERS: &[&str] = &[
    "examples/seed-study",
    "examples/study-broken",
    "tests/data/study/four-patients",
    "tests/data/study/one-patient",
];

fn study_input(c: &Case) -> StudyInput {
    let mut s = StudyInput::default();
    for f in c.data_files() {
        s.insert(
            f.name.clone(),
            String::from_utf8_lossy(&f.bytes).into_owned(),
        );
    }
    s
}

/// `key=value` lines of the harness's own side file (weight, activity…).
fn kv(c: &Case, name: &str, key: &str) -> Option<String> {
    text(c, name).lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

fn readings_seeds(root: &Path) -> Vec<Case> {
    let mut out = Vec::new();
    let mut add = |rel: &str, w: f64, a: f64, end: Option<&str>| {
        let mut c = Case::single("readings.csv", read(root, rel));
        let mut course = format!("weight_kg={w}\nactivity_mbq={a}\n");
        if let Some(e) = end {
            course.push_str(&format!("infusion_end={e}\n"));
        }
        c.push("course.txt", course.into_bytes());
        out.push(c);
    };
    add("examples/dose/readings.csv", 20.0, 8880.0, None);
    add("examples/dose/readings2.csv", 20.0, 3964.0, None);
    add(
        "examples/dose/readings_clock.csv",
        20.0,
        8880.0,
        Some("2026-03-02T14:30:00+01:00"),
    );
    for rel in files(root, "tests/data/dosimetry", &[".csv"]) {
        let case_json = Path::new(&rel).with_file_name("case.json");
        let (w, a) = std::fs::read_to_string(root.join(&case_json))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .map_or((20.0, 8880.0), |v| {
                (
                    v["weight_kg"].as_f64().unwrap_or(20.0),
                    v["activity_mbq"].as_f64().unwrap_or(8880.0),
                )
            });
        add(&rel, w, a, None);
    }
    out
}

fn readings_options(c: &Case) -> Result<ReadingsOptions, Outcome> {
    let mut o = ReadingsOptions::default();
    if let Some(e) = kv(c, "course.txt", "infusion_end") {
        o.infusion_end = Some(e.parse().map_err(|_| refused("harness: infusion_end"))?);
    }
    Ok(o)
}

fn dose_readings() -> Exec {
    Arc::new(|c: &Case| {
        let o = match readings_options(c) {
            Ok(o) => o,
            Err(e) => return e,
        };
        match parse_readings("readings.csv", &text(c, "readings.csv"), &o) {
            Ok(r) => Outcome::Accepted(format!("{} readings", r.len().min(20))),
            Err(e) => refused(e),
        }
    })
}

/// `mibg dose` without the bootstrap: parse, the infusion-1 check, the
/// plausibility gate, the fit, A₂ with caps, radiation protection.
fn dose_assess() -> Exec {
    let protocol = Arc::new(Protocol::seed());
    Arc::new(move |c: &Case| {
        let o = match readings_options(c) {
            Ok(o) => o,
            Err(e) => return e,
        };
        let num = |k: &str| kv(c, "course.txt", k).and_then(|v| v.parse::<f64>().ok());
        let (Some(w), Some(a)) = (num("weight_kg"), num("activity_mbq")) else {
            return refused("harness: course.txt");
        };
        let r = match parse_readings("readings.csv", &text(c, "readings.csv"), &o) {
            Ok(r) => r,
            Err(e) => return refused(e),
        };
        let input = CourseInput {
            readings1: r,
            weight1: Mass::from_kg(w),
            activity1: Activity::from_mbq(a).into(),
            weight2: None,
            second: None,
        };
        let options = DosimetryOptions {
            uncertainty: None,
            ..DosimetryOptions::default()
        };
        match assess_course_dosimetry(&input, &protocol, &options) {
            Ok(d) => {
                let a2 = d.second_activity.mbq();
                if !a2.is_finite() || a2 < 0.0 {
                    return Outcome::Failure {
                        kind: "invalid-result",
                        key: format!("second activity {a2}"),
                    };
                }
                Outcome::Accepted(match d.decision {
                    Decision::SecondInfusion => "second infusion".into(),
                    _ => "no second infusion".into(),
                })
            }
            Err(e) => refused(e),
        }
    })
}

fn s_table() -> Exec {
    Arc::new(|c: &Case| match parse_s_table("s.csv", &text(c, "s.csv")) {
        Ok(t) => {
            let t = mibg_dosimetry::SModel::Table(t);
            let ok = [3.0, 10.0, 19.9, 20.0, 33.2, 60.0, 80.0]
                .iter()
                .filter(|&&m| t.s_value(Mass::from_kg(m)).is_ok())
                .count();
            Outcome::Accepted(format!("{ok} masses in range"))
        }
        Err(e) => refused(e),
    })
}

fn protocol() -> Exec {
    Arc::new(
        |c: &Case| match Protocol::from_toml(&text(c, "protocol.toml"), "protocol.toml") {
            Ok(p) => {
                let mut planned = 0;
                for (w, h) in [(5.0, 60.0), (20.0, 110.0), (60.0, 170.0), (130.0, 190.0)] {
                    if mibg_clinic::plan_course(&p, Mass::from_kg(w), Length::from_cm(h)).is_ok() {
                        planned += 1;
                    }
                }
                Outcome::Accepted(format!("{planned} plans"))
            }
            Err(e) => refused(e),
        },
    )
}

fn study_load() -> Exec {
    Arc::new(|c: &Case| {
        let v = mibg_study::validate(&study_input(c));
        problems_outcome(&v.problems)
    })
}

fn study_cohort() -> Exec {
    Arc::new(|c: &Case| {
        let v = mibg_clinic::cohort::validate(&study_input(c));
        problems_outcome(&v.problems)
    })
}

/// A study's problems: accepted when none, otherwise refused with the
/// class of the first (the list is in a stable order); a problem text
/// longer than 2000 characters is a failure (a field echoed whole).
fn problems_outcome(problems: &mibg_study::Problems) -> Outcome {
    for p in problems.errors.iter().chain(&problems.warnings) {
        let t = p.to_string();
        if too_long(&t) {
            return long_message(&t);
        }
    }
    match problems.errors.first() {
        None => Outcome::Accepted(format!(
            "valid, {} warnings",
            problems.warnings.len().min(9)
        )),
        Some(p) => Outcome::Refused(class_of(&p.to_string())),
    }
}

fn response(format: Format, file: &'static str) -> Exec {
    Arc::new(
        move |c: &Case| match mibg_response::input::parse(&text(c, file), file, format) {
            Ok(rec) => {
                let a = report_2017(&rec, &Inrc2017Options::default(), &SeriesOptions::default());
                let b = report_1993(&rec, &SeriesOptions::default());
                match (a, b) {
                    (Ok(_), Ok(_)) => Outcome::Accepted("both criteria".into()),
                    (Err(e), _) | (_, Err(e)) => refused(e),
                }
            }
            Err(e) => refused(e),
        },
    )
}

fn response_seeds(root: &Path, json: bool) -> Vec<Case> {
    let mut tomls: Vec<String> = files(root, "examples/response", &[".toml"]);
    tomls.extend(files(root, "tests/data/response", &["input.toml"]));
    tomls.extend(files(root, "examples/seed-study/assessments", &[".toml"]));
    if !json {
        return tomls
            .iter()
            .map(|r| Case::single("record.toml", read(root, r)))
            .collect();
    }
    let mut out: Vec<Case> = files(root, "tests/data/response", &[".json"])
        .iter()
        .map(|r| Case::single("record.json", read(root, r)))
        .collect();
    // The TOML records in the JSON wire form (same fields).
    for r in &tomls {
        let t = String::from_utf8_lossy(&read(root, r)).into_owned();
        if let Ok(v) = toml::from_str::<serde_json::Value>(&t)
            && let Ok(j) = serde_json::to_string_pretty(&v)
        {
            out.push(Case::single("record.json", j.into_bytes()));
        }
    }
    out
}

fn score() -> Exec {
    Arc::new(|c: &Case| {
        let t = text(c, "scores.txt");
        let mut lines = t.lines();
        let method = match lines.next().map(str::trim) {
            Some("curie") => MibgMethod::Curie,
            _ => MibgMethod::Siopen,
        };
        match MibgScore::parse_list(method, lines.next().unwrap_or("")) {
            Ok(s) => Outcome::Accepted({
                let t = s.total();
                format!(
                    "{method}: total {}",
                    if t.min == t.max { "exact" } else { "range" }
                )
            }),
            Err(e) => refused(e),
        }
    })
}

/// The stem-cell dates and windows of `examples/toxicity` (its README).
fn tox_schedules() -> Vec<Schedule> {
    let d = |s: &str| s.parse().expect("a date of the example");
    vec![
        Schedule {
            patient: "SYN-01".into(),
            window_start: Some(d("2025-01-06")),
            stem_cells: vec![d("2025-01-27")],
        },
        Schedule {
            patient: "SYN-02".into(),
            window_start: Some(d("2025-01-27")),
            stem_cells: vec![d("2025-02-10"), d("2025-03-24")],
        },
        Schedule {
            patient: "SYN-03".into(),
            window_start: Some(d("2025-03-17")),
            stem_cells: vec![d("2025-04-07")],
        },
    ]
}

#[derive(Clone, Copy)]
enum Tox {
    Labs,
    Events,
    Transfusions,
}

fn toxicity(which: Tox) -> Exec {
    let schedules = tox_schedules();
    Arc::new(move |c: &Case| {
        use mibg_toxicity::csv_input as ci;
        let mut input = ToxicityInput {
            schedules: schedules.clone(),
            ..ToxicityInput::default()
        };
        let r = match which {
            Tox::Labs => ci::parse_labs(&text(c, "labs.csv"), "labs.csv").map(|v| input.labs = v),
            Tox::Events => {
                ci::parse_events(&text(c, "events.csv"), "events.csv").map(|v| input.events = v)
            }
            Tox::Transfusions => ci::parse_transfusions(&text(c, "transfusions.csv"), "t.csv")
                .map(|v| input.transfusions = v),
        };
        if let Err(e) = r {
            return refused(e);
        }
        match analyse(&input, &ToxOptions::default()) {
            Ok(rep) => Outcome::Accepted(format!("{} patients", rep.patients.len().min(5))),
            Err(e) => refused(e),
        }
    })
}

fn survival() -> Exec {
    Arc::new(|c: &Case| {
        let spec = ColumnSpec {
            time: "time".into(),
            event: "event".into(),
            group: Some("group".into()),
            covariates: vec!["age".into()],
            weight: None,
            strata: None,
        };
        let data = match parse_csv(&text(c, "data.csv"), "data.csv", &spec) {
            Ok(d) => d,
            Err(e) => return refused(e),
        };
        let opts = KmOptions::default();
        let km = match KaplanMeier::fit(&data.time, &data.event, opts) {
            Ok(k) => k,
            Err(e) => return refused(e),
        };
        let _ = km.median();
        let _ = km.landmark(SurvTime::new(365.0).unwrap_or(km.last_time()));
        let mut t = Vec::new();
        let mut e = Vec::new();
        let mut g = Vec::new();
        for i in 0..data.time.len() {
            if let Some(gi) = data.group[i] {
                t.push(data.time[i]);
                e.push(data.event[i]);
                g.push(gi);
            }
        }
        if let Ok(per) = EventCounts::by_group(&t, &e, &g, data.group_levels.len()) {
            let _ = mibg_stats::logrank::logrank(&per);
        }
        let cov = &data.covariates[0];
        let keep: Vec<usize> = (0..data.time.len()).filter(|&i| !cov.missing[i]).collect();
        let times: Vec<f64> = keep.iter().map(|&i| data.time[i].value()).collect();
        let events: Vec<bool> = keep.iter().map(|&i| data.event[i]).collect();
        let x =
            nalgebra::DMatrix::from_iterator(keep.len(), 1, keep.iter().map(|&i| cov.values[i]));
        match mibg_stats::cox::fit(&times, &events, &x, &["age"], &Default::default()) {
            Ok(_) => Outcome::Accepted("km+cox".into()),
            Err(e) => Outcome::Accepted(format!("km; cox {}", class_of(&e.to_string()))),
        }
    })
}

/// `X/N` and a confidence level, as `mibg proportion` reads them, through
/// every interval method.
fn proportion() -> Exec {
    Arc::new(|c: &Case| {
        let t = text(c, "args.txt");
        let mut lines = t.lines();
        let xn = lines.next().unwrap_or("");
        let Some((x, n)) = xn.split_once('/') else {
            return refused("harness: X/N");
        };
        let (Ok(x), Ok(n)) = (x.trim().parse::<u64>(), n.trim().parse::<u64>()) else {
            return refused("harness: whole numbers");
        };
        let level = match lines.next().unwrap_or("0.95").trim().parse::<f64>() {
            Ok(l) => l,
            Err(_) => return refused("harness: level"),
        };
        let level = match ConfLevel::new(level) {
            Ok(l) => l,
            Err(e) => return refused(e),
        };
        let mut ok = 0;
        for m in Method::ALL {
            match confint(x, n, m, level) {
                Ok(ci) => {
                    let (lo, hi) = (ci.lower, ci.upper);
                    let rule = if lo > hi {
                        "lower > upper"
                    } else if !(0.0..=1.0).contains(&lo) || !(0.0..=1.0).contains(&hi) {
                        "outside [0, 1]"
                    } else {
                        ""
                    };
                    if !rule.is_empty() {
                        return Outcome::Failure {
                            kind: "invalid-result",
                            key: format!("{}: {rule}", m.name()),
                        };
                    }
                    ok += 1;
                }
                Err(e) => return refused(e),
            }
        }
        Outcome::Accepted(format!("{ok} methods"))
    })
}

/// Every in-process target with its seeds.
pub fn parser_targets(root: &Path) -> Vec<Target> {
    let budget = Duration::from_secs(5);
    let single = |name: &str, rels: Vec<String>| -> Vec<Case> {
        rels.iter()
            .map(|r| Case::single(name, read(root, r)))
            .collect()
    };
    let mut protocols = files(root, "protocols", &[".toml"]);
    protocols.extend(files(root, "examples/protocols", &[".toml"]));
    let mut surv = files(root, "examples/survival", &[".csv"]);
    surv.extend(
        files(root, "tests/data/stats", &["input.csv"])
            .into_iter()
            .filter(|r| !r.contains("proportion")),
    );
    let text_seeds = |name: &str, texts: &[&str]| -> Vec<Case> {
        texts
            .iter()
            .map(|t| Case::single(name, t.as_bytes().to_vec()))
            .collect()
    };
    let tox = |f: &str| {
        let mut v = vec![format!("examples/toxicity/{f}")];
        v.extend(files(root, "examples/seed-study", &[f]));
        v
    };
    vec![
        Target {
            name: "dose-readings",
            about: "mibg_dosimetry::parse_readings (dose READINGS.csv)",
            kind: Kind::Parser,
            seeds: readings_seeds(root),
            exec: dose_readings(),
            budget,
        },
        Target {
            name: "dose-assess",
            about: "parse_readings → mibg_clinic::assess_course_dosimetry (gate, fit, A2, caps, radiation protection; no bootstrap)",
            kind: Kind::Parser,
            seeds: readings_seeds(root),
            exec: dose_assess(),
            budget,
        },
        Target {
            name: "s-table",
            about: "mibg_dosimetry::parse_s_table → S(m) (dose --s-table)",
            kind: Kind::Parser,
            seeds: text_seeds(
                "s.csv",
                &[
                    "mass_kg,s_gy_per_gbq_h\n19.8,8.157e-3\n33.2,5.153e-3\n",
                    "# phantom table\nphantom,mass_kg,s_gy_per_gbq_h\nnewborn,3.5,0.045\n1y,9.7,0.0175\n5y,19.8,8.157e-3\n10y,33.2,5.153e-3\n15y,56.8,3.2e-3\nadult,73.0,2.6e-3\n",
                ],
            ),
            exec: s_table(),
            budget,
        },
        Target {
            name: "protocol",
            about: "mibg_protocol::Protocol::from_toml → plan_course (plan/dose --protocol, study protocol files)",
            kind: Kind::Parser,
            seeds: single("protocol.toml", protocols),
            exec: protocol(),
            budget,
        },
        Target {
            name: "study-load",
            about: "mibg_study::validate: study.toml and every study-folder table, format and cross-references",
            kind: Kind::Parser,
            seeds: STUDY_FOLDERS
                .iter()
                .map(|d| study_case(root, d, ""))
                .collect(),
            exec: study_load(),
            budget,
        },
        Target {
            name: "study-cohort",
            about: "mibg_clinic::cohort::validate: the whole study pipeline (= study validate ≡ report)",
            kind: Kind::Parser,
            seeds: STUDY_FOLDERS
                .iter()
                .map(|d| study_case(root, d, ""))
                .collect(),
            exec: study_cohort(),
            budget: Duration::from_secs(30),
        },
        Target {
            name: "response-toml",
            about: "mibg_response::input::parse (TOML) → INRC 2017 and 1993 reports",
            kind: Kind::Parser,
            seeds: response_seeds(root, false),
            exec: response(Format::Toml, "record.toml"),
            budget,
        },
        Target {
            name: "response-json",
            about: "mibg_response::input::parse (JSON) → INRC 2017 and 1993 reports",
            kind: Kind::Parser,
            seeds: response_seeds(root, true),
            exec: response(Format::Json, "record.json"),
            budget,
        },
        Target {
            name: "score",
            about: "mibg_response::score::MibgScore::parse_list (mibg score siopen|curie LIST)",
            kind: Kind::Parser,
            seeds: text_seeds(
                "scores.txt",
                &[
                    "siopen\n0,1,0,2,NE,0,3,1,0,0,0,0",
                    "siopen\n6,6,6,6,6,6,6,6,6,6,6,6",
                    "curie\n0,1,0,2,0,0,3,1,0,0",
                    "curie\n3,3,3,3,3,3,3,3,3,3",
                ],
            ),
            exec: score(),
            budget,
        },
        Target {
            name: "toxicity-labs",
            about: "mibg_toxicity::csv_input::parse_labs → analyse (grades, nadirs, engraftment)",
            kind: Kind::Parser,
            seeds: single("labs.csv", tox("labs.csv")),
            exec: toxicity(Tox::Labs),
            budget,
        },
        Target {
            name: "toxicity-events",
            about: "mibg_toxicity::csv_input::parse_events → analyse",
            kind: Kind::Parser,
            seeds: single("events.csv", tox("events.csv")),
            exec: toxicity(Tox::Events),
            budget,
        },
        Target {
            name: "toxicity-transfusions",
            about: "mibg_toxicity::csv_input::parse_transfusions → analyse",
            kind: Kind::Parser,
            seeds: single("transfusions.csv", tox("transfusions.csv")),
            exec: toxicity(Tox::Transfusions),
            budget,
        },
        Target {
            name: "survival",
            about: "mibg_stats::survdata::parse_csv → Kaplan–Meier, log-rank, Cox",
            kind: Kind::Parser,
            seeds: single("data.csv", surv),
            exec: survival(),
            budget,
        },
        Target {
            name: "proportion",
            about: "X/N and level → mibg_stats::proportion::confint, every method",
            kind: Kind::Parser,
            seeds: text_seeds(
                "args.txt",
                &[
                    "3/10\n0.95",
                    "0/8000000\n0.95",
                    "1/100000000\n0.9",
                    "7/7\n0.99",
                    "999999999999/1000000000000\n0.95",
                    "0/1\n0.5",
                ],
            ),
            exec: proportion(),
            budget,
        },
    ]
}
