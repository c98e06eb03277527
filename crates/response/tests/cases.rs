//! Data-driven cases: every directory under `tests/data/response/` holds an
//! input record and hand-derived expectations (see its PROVENANCE.md).

use mibg_response::input::{self, Format};
use mibg_response::inrc2017::Inrc2017Options;
use mibg_response::series::{self, Confirmation, Endpoints, SeriesOptions};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    #[allow(dead_code)]
    source: String,
    run: Vec<Run>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Run {
    criteria: String,
    options: Option<Inrc2017Options>,
    confirm_days: Option<u32>,
    primary: Option<Vec<String>>,
    metastatic: Option<Vec<String>>,
    marrow: Option<Vec<String>>,
    overall: Option<Vec<String>>,
    best: Option<String>,
    siopen_reduction_pct: Option<f64>,
    siopen_below_cutoff: Option<String>,
    soft_tissue_below_cutoff: Option<String>,
    gaps_first_follow_up: Option<Vec<String>>,
}

fn s<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

fn check(case: &str, what: &str, expected: &Option<Vec<String>>, got: Vec<String>) {
    if let Some(e) = expected {
        assert_eq!(&got, e, "{case}: {what}");
    }
}

fn check_endpoints(case: &str, run: &Run, e: &Endpoints) {
    if let Some(p) = run.siopen_reduction_pct {
        let got = e.siopen_reduction_pct.unwrap();
        assert!((got - p).abs() < 1e-9, "{case}: reduction {got} vs {p}");
    }
    if let Some(x) = &run.siopen_below_cutoff {
        assert_eq!(&s(e.siopen_below_cutoff), x, "{case}: siopen_below_cutoff");
    }
    if let Some(x) = &run.soft_tissue_below_cutoff {
        assert_eq!(
            &s(e.soft_tissue_below_cutoff),
            x,
            "{case}: soft_tissue_below_cutoff"
        );
    }
}

fn run_case(dir: &Path) {
    let case = dir.file_name().unwrap().to_string_lossy().to_string();
    let input = ["input.toml", "input.json"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{case}: no input.toml or input.json"));
    let name = input.to_string_lossy().to_string();
    let text = std::fs::read_to_string(&input).unwrap();
    let rec = input::parse(&text, &name, Format::from_name(&name).unwrap())
        .unwrap_or_else(|e| panic!("{e}"));
    let exp: Expected =
        toml::from_str(&std::fs::read_to_string(dir.join("expected.toml")).unwrap()).unwrap();
    assert!(!exp.run.is_empty());
    for run in &exp.run {
        let sopts = SeriesOptions {
            confirmation: run
                .confirm_days
                .map_or(Confirmation::NotRequired, |min_days| {
                    Confirmation::Required { min_days }
                }),
            ..Default::default()
        };
        match run.criteria.as_str() {
            "inrc2017" => {
                let o = run.options.unwrap_or_default();
                let r = series::report_2017(&rec, &o, &sopts).unwrap();
                let a = &r.assessments;
                check(
                    &case,
                    "primary",
                    &run.primary,
                    a.iter().map(|x| s(x.primary.response)).collect(),
                );
                check(
                    &case,
                    "metastatic",
                    &run.metastatic,
                    a.iter().map(|x| s(x.metastatic.response)).collect(),
                );
                check(
                    &case,
                    "marrow",
                    &run.marrow,
                    a.iter().map(|x| s(x.marrow.response)).collect(),
                );
                check(
                    &case,
                    "overall",
                    &run.overall,
                    a.iter().map(|x| s(x.overall)).collect(),
                );
                check(
                    &case,
                    "gaps",
                    &run.gaps_first_follow_up,
                    a[0].gaps.iter().map(|g| g.gap.to_string()).collect(),
                );
                if let Some(b) = &run.best {
                    assert_eq!(&s(r.best.response), b, "{case}: best");
                }
                check_endpoints(&case, run, &r.endpoints);
            }
            "inrc1993" => {
                assert!(run.options.is_none(), "{case}: options are INRC 2017 only");
                let r = series::report_1993(&rec, &sopts).unwrap();
                check(
                    &case,
                    "overall",
                    &run.overall,
                    r.assessments.iter().map(|x| s(x.overall)).collect(),
                );
                if let Some(b) = &run.best {
                    assert_eq!(&s(r.best.response), b, "{case}: best");
                }
                check_endpoints(&case, run, &r.endpoints);
            }
            other => panic!("{case}: unknown criteria {other}"),
        }
    }
}

#[test]
fn all_cases_match_their_hand_derived_expectations() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/response");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 6, "cases missing under {}", root.display());
    for d in dirs {
        run_case(&d);
    }
}
