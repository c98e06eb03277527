//! Report the cohort: the study folder's records → per-patient results →
//! the cohort table, composed of per-patient steps ([`patient`]) and the
//! cohort statistics ([`statistics`]).
//!
//! [`assess`] is the one pipeline: the folder's format checks
//! (`mibg_study::validate`), then for every patient the infusion checks,
//! dosimetry, response, toxicity and engraftment, survival times, then the
//! cohort statistics. [`validate`] and [`report`] both call it, so a study
//! that validates always reports, and both list the same problems.
//!
//! Nothing clinical is computed here: the protocol checks the infusion-1
//! activity, the dosimetry crate fits the readings and plans A₂, the
//! response crate classifies INRC responses, the toxicity crate grades
//! CTCAE and finds engraftment, the statistics crate computes every CI,
//! Kaplan–Meier estimate and summary.

pub mod cox;
pub mod export;
pub mod flow;
pub mod patient;
pub mod render;
pub mod statistics;
pub mod types;

pub use types::*;

use mibg_study::config::{DosimetryOptions, EventType};
use mibg_study::load::{StudyData, StudyInput, files};
use mibg_study::model::{DeathCause, Override};
use mibg_study::{Problem, ProblemKind, Problems};
use mibg_toxicity::analysis::{AnalysisError, Options as ToxOptions, PatientReport, analyse};
use mibg_toxicity::ctcae::Term;
use mibg_toxicity::records::{AdverseEvent, Schedule, ToxicityInput};
use patient::{Findings, PatientRecords};
use std::collections::{BTreeMap, BTreeSet};

/// Everything [`assess`] found: the folder's records, every problem (the
/// format's and every step's), and the report when there is no error.
#[derive(Debug)]
pub struct Assessment {
    /// The records of the folder.
    pub data: StudyData,
    /// Errors and warnings, sorted by file and row.
    pub problems: Problems,
    /// The report (None when there is an error).
    pub report: Option<StudyReport>,
}

/// The outcome of [`validate`]: the records and every problem.
#[derive(Debug)]
pub struct Validation {
    /// The records of the folder.
    pub data: StudyData,
    /// Errors and warnings, sorted by file and row.
    pub problems: Problems,
}

/// `mibg study validate`: every problem of the folder, its format's and
/// its clinical data's (the same list [`report`] refuses with).
pub fn validate(input: &StudyInput) -> Validation {
    let a = assess(input);
    Validation {
        data: a.data,
        problems: a.problems,
    }
}

/// `mibg study report`: the whole report.
///
/// # Errors
/// Every problem, as [`validate`] lists them, when there is any error.
pub fn report(input: &StudyInput) -> Result<StudyReport, Problems> {
    let a = assess(input);
    // `assess` gives a report exactly when there is no error.
    a.report.ok_or(a.problems)
}

fn group<'a, T>(items: &'a [T], key: impl Fn(&'a T) -> &'a str) -> BTreeMap<&'a str, Vec<&'a T>> {
    let mut m: BTreeMap<&str, Vec<&T>> = BTreeMap::new();
    for it in items {
        m.entry(key(it)).or_default().push(it);
    }
    m
}

/// The toxicity crate's analysis of the whole cohort (one call: the crate
/// groups records by patient itself, so this is linear in the records),
/// with each patient's treatment dates; its error (it stops at the first)
/// is located at the record it names.
fn toxicity_analysis(
    d: &mut StudyData,
    window_days: i64,
) -> Result<Option<mibg_toxicity::analysis::CohortReport>, Problem> {
    if d.toxicity.labs.is_empty() && d.toxicity.events.is_empty() {
        return Ok(None);
    }
    let first: BTreeMap<&str, jiff::civil::Date> = d
        .infusions
        .iter()
        .filter(|i| i.number == 1)
        .map(|i| (i.patient.as_str(), i.date))
        .collect();
    let sc = group(&d.stem_cells, |s| &s.patient);
    let schedules: Vec<Schedule> = d
        .patients
        .iter()
        .map(|pt| Schedule {
            patient: pt.id.clone(),
            window_start: first.get(pt.id.as_str()).copied(),
            stem_cells: sc
                .get(pt.id.as_str())
                .map(|v| v.iter().map(|s| s.date).collect())
                .unwrap_or_default(),
        })
        .collect();
    d.toxicity.schedules = schedules;
    let opts = ToxOptions {
        window_days,
        ..ToxOptions::default()
    };
    analyse(&d.toxicity, &opts)
        .map(Some)
        .map_err(|e| toxicity_problem(&d.toxicity, &e))
}

/// The study problem of a toxicity-analysis error: the file and line of
/// the record it names (`AnalysisError::at`).
fn toxicity_problem(input: &ToxicityInput, e: &AnalysisError) -> Problem {
    let origin = e.at().and_then(|a| a.origin.as_ref());
    let fallback = if input.labs.is_empty() {
        files::EVENTS
    } else {
        files::LABS
    };
    Problem {
        file: origin.map_or(fallback.to_string(), |o| o.source.clone()),
        row: origin.map(|o| o.row),
        field: None,
        kind: ProblemKind::Domain,
        message: e.to_string(),
    }
}

/// The overrides that name an unknown check, and those that no refusal
/// used (a warning: the data passed that check).
fn check_overrides(overrides: &[Override], used: &BTreeSet<(String, String)>, p: &mut Problems) {
    for o in overrides {
        if !patient::checks().contains(&o.check.as_str()) {
            p.error(Problem::at(
                files::OVERRIDES,
                o.row,
                Some("check"),
                ProblemKind::NotAllowed,
                format!(
                    "'{}' is not a check that can be accepted (one of {})",
                    o.check,
                    patient::checks().join(", ")
                ),
            ));
        } else if !used.contains(&(o.patient.clone(), o.check.clone())) {
            p.warn(Problem::at(
                files::OVERRIDES,
                o.row,
                Some("check"),
                ProblemKind::Clinical,
                format!(
                    "patient '{}' passes the check '{}': the override is not needed",
                    o.patient, o.check
                ),
            ));
        }
    }
}

/// One patient's rows of a grouped table (none when absent).
fn of<'a, T>(m: &BTreeMap<&str, Vec<&'a T>>, id: &str) -> Vec<&'a T> {
    m.get(id).cloned().unwrap_or_default()
}

fn absorb(p: &mut Problems, f: Findings, accepted: &mut Vec<AcceptedOverride>) {
    p.errors.extend(f.errors);
    p.warnings.extend(f.warnings);
    accepted.extend(f.accepted);
}

/// The whole pipeline: format checks, every per-patient step, the cohort
/// statistics. Per-patient steps run once the folder's format is sound
/// (they need consistent records); each step's problems are collected for
/// every patient, not only the first.
pub fn assess(input: &StudyInput) -> Assessment {
    let v = mibg_study::validate(input);
    let mut p = v.problems;
    let mut d = v.data;
    let protocol = match (&d.protocol, p.is_ok()) {
        (Some(pr), true) => pr.clone(),
        _ => {
            return Assessment {
                data: d,
                problems: p,
                report: None,
            };
        }
    };
    let cfg = d.config.analysis.clone();
    let tox = match toxicity_analysis(&mut d, cfg.toxicity.window_days_after_stem_cells) {
        Ok(t) => t,
        Err(e) => {
            p.error(e);
            None
        }
    };
    let dd = &d;
    let inf_by = group(&dd.infusions, |i| &i.patient);
    let rd_by = group(&dd.readings, |r| &r.patient);
    let fu_by = group(&dd.followup, |e| &e.patient);
    let th_by = group(&dd.therapies, |t| &t.patient);
    let ov_by = group(&dd.overrides, |o| &o.patient);
    let ev_by = group(&dd.toxicity.events, |e| &e.patient);
    let thy_by = group(&dd.thyroid, |t| &t.patient);
    let tox_by: BTreeMap<&str, &PatientReport> = tox
        .as_ref()
        .map(|t| t.patients.iter().map(|r| (r.patient.as_str(), r)).collect())
        .unwrap_or_default();
    let hypo_term = Term::parse(&cfg.toxicity.hypothyroidism_term);
    let dos_opts: &DosimetryOptions = &cfg.dosimetry;

    let mut accepted = Vec::new();
    let mut patients = Vec::new();
    for pt in &dd.patients {
        let mut infusions: Vec<_> = of(&inf_by, &pt.id);
        infusions.sort_by_key(|i| i.number);
        let r = PatientRecords {
            patient: pt,
            infusions,
            readings: of(&rd_by, &pt.id),
            followup: of(&fu_by, &pt.id),
            overrides: of(&ov_by, &pt.id),
        };
        let checked = patient::infusion_checks(&r, &protocol, dos_opts);
        let (dosimetry, found) = patient::dosimetry(&r, &protocol, dos_opts, &checked);
        absorb(&mut p, checked, &mut accepted);
        absorb(&mut p, found, &mut accepted);
        let (response, involvement) = match dd.records.get(&pt.id) {
            Some((path, rec)) => match patient::response(path, rec, &cfg.response) {
                Ok(x) => (Some(x), patient::involvement(rec)),
                Err(e) => {
                    p.error(e);
                    (None, patient::involvement(rec))
                }
            },
            None => (None, Involvement::default()),
        };
        let (worst_grades, engraftment) = patient::toxicity(tox_by.get(pt.id.as_str()).copied());
        let mut ther: Vec<_> = of(&th_by, &pt.id);
        ther.sort_by_key(|t| t.start_date);
        let first = r.infusion(1).map(|i| i.date);
        let efs = patient::origin_date(cfg.efs.origin, &r)
            .and_then(|o| patient::survival_time(&cfg.efs, o, &r.followup));
        let os = patient::origin_date(cfg.os.origin, &r)
            .and_then(|o| patient::survival_time(&cfg.os, o, &r.followup));
        let events: Vec<&AdverseEvent> = of(&ev_by, &pt.id);
        let hypothyroidism = hypo_term.is_some_and(|t| {
            patient::hypothyroidism(&events, first, t, cfg.toxicity.hypothyroidism_min_grade)
        });
        let thyroid: Vec<_> = of(&thy_by, &pt.id);
        let alive = !r.followup.iter().any(|e| e.event == EventType::Death);
        let thyroid_assessed =
            patient::thyroid_assessed(dd.thyroid_recorded, &thyroid, first, hypothyroidism);
        if alive
            && hypothyroidism
            && patient::thyroid_assessed(dd.thyroid_recorded, &thyroid, first, false) == Some(false)
        {
            p.warn(Problem::file(
                files::THYROID,
                ProblemKind::Clinical,
                format!(
                    "patient '{}' has {} in {} but no thyroid assessment after the first infusion in {}; the diagnosis is counted as the assessment (hypothyroidism denominator)",
                    pt.id,
                    cfg.toxicity.hypothyroidism_term,
                    files::EVENTS,
                    files::THYROID
                ),
            ));
        }
        patients.push(PatientResult {
            patient: pt.id.clone(),
            sex: pt.sex,
            centre: pt.centre.clone(),
            age_years: patient::age_years(pt, first),
            involvement,
            dosimetry,
            response,
            worst_grades,
            engraftment,
            therapies: ther.iter().map(|t| t.therapy.clone()).collect(),
            efs,
            os,
            alive,
            hypothyroidism,
            thyroid_assessed,
        });
    }
    let used: BTreeSet<(String, String)> = accepted
        .iter()
        .map(|a: &AcceptedOverride| (a.patient.clone(), a.check.clone()))
        .collect();
    check_overrides(&dd.overrides, &used, &mut p);
    if let Some(t) = &tox {
        let file = if dd.toxicity.labs.is_empty() {
            files::EVENTS
        } else {
            files::LABS
        };
        for w in &t.warnings_with_engraftment() {
            p.warn(Problem::file(
                file,
                ProblemKind::Clinical,
                format!("toxicity analysis: {w}"),
            ));
        }
    }
    p.sort();
    if !p.is_ok() {
        return Assessment {
            data: d,
            problems: p,
            report: None,
        };
    }
    let toxic_deaths = d
        .followup
        .iter()
        .filter(|e| e.event == EventType::Death && e.cause == Some(DeathCause::Toxicity))
        .count()
        .max(
            dd.toxicity
                .events
                .iter()
                .filter(|e| e.grade.get() == 5)
                .map(|e| e.patient.as_str())
                .collect::<BTreeSet<_>>()
                .len(),
        );
    let rows = tox
        .as_ref()
        .map(|t| {
            t.cohort
                .iter()
                .map(|c| ToxicityRow {
                    term: c.term.to_string(),
                    denominator: c.denominator,
                    denominator_rule: c.denominator_rule.to_string(),
                    grade_1_2: c.grade_1_2,
                    grade_3: c.grade_3,
                    grade_4: c.grade_4,
                    grade_5: c.grade_5,
                })
                .collect()
        })
        .unwrap_or_default();
    let (mut cohort, curves) = statistics::cohort(&patients, &cfg, rows, toxic_deaths);
    cohort.cox = cox::models(&patients, &cfg);
    for w in cox::problems(&cohort.cox, &d.config_text) {
        p.warn(w);
    }
    for e in cohort.estimates() {
        for w in &e.warnings {
            p.warn(Problem::file(
                files::STUDY,
                ProblemKind::Clinical,
                w.clone(),
            ));
        }
    }
    p.sort();
    let report = StudyReport {
        title: d.config.study.title.clone(),
        synthetic: d.config.study.synthetic,
        data_cutoff: d.config.study.data_cutoff.clone(),
        protocol: format!("{} (version {})", protocol.info.name, protocol.info.version),
        analysis: cfg,
        patients,
        cohort,
        curves,
        overrides: accepted,
        warnings: p.warnings.iter().map(Problem::to_string).collect(),
    };
    Assessment {
        data: d,
        problems: p,
        report: Some(report),
    }
}
