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
use mibg_toxicity::analysis::{
    AnalysisError, Options as ToxOptions, PatientReport, analyse_summary,
};
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
    validation(assess(input))
}

/// [`validate`] on an input given away: each file's text is freed as soon
/// as it has been read (`mibg_study::validate_owned`), for a large folder.
/// The same problems as [`validate`].
pub fn validate_owned(input: StudyInput) -> Validation {
    validation(assess_owned(input))
}

fn validation(a: Assessment) -> Validation {
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
    reported(assess(input))
}

/// [`report`] on an input given away: each file's text is freed as soon as
/// it has been read (`mibg_study::validate_owned`), so that the records of
/// a large folder never sit beside its whole text. The same report and
/// problems as [`report`].
///
/// # Errors
/// As [`report`].
pub fn report_owned(input: StudyInput) -> Result<StudyReport, Problems> {
    reported(assess_owned(input))
}

fn reported(a: Assessment) -> Result<StudyReport, Problems> {
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
    // The report shows each patient's worst grades and engraftment and the
    // cohort table, not every graded value: they are not kept.
    analyse_summary(&d.toxicity, &opts)
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
        file: origin.map_or(fallback.to_string(), |o| o.source.to_string()),
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

/// What every patient's steps read: the protocol, the analysis options
/// and the folder's tables grouped by patient (shared, read-only, by every
/// worker of [`per_patient`]).
struct PatientContext<'a> {
    protocol: &'a mibg_protocol::Protocol,
    cfg: &'a mibg_study::config::Analysis,
    dos_opts: &'a DosimetryOptions,
    hypo_term: Option<Term>,
    records: &'a BTreeMap<String, (String, mibg_response::record::PatientRecord)>,
    inf_by: &'a BTreeMap<&'a str, Vec<&'a mibg_study::model::Infusion>>,
    rd_by: &'a BTreeMap<&'a str, Vec<&'a mibg_study::model::Reading>>,
    fu_by: &'a BTreeMap<&'a str, Vec<&'a mibg_study::model::FollowUpEvent>>,
    th_by: &'a BTreeMap<&'a str, Vec<&'a mibg_study::model::Therapy>>,
    ov_by: &'a BTreeMap<&'a str, Vec<&'a Override>>,
    ev_by: &'a BTreeMap<&'a str, Vec<&'a AdverseEvent>>,
    tox_by: &'a BTreeMap<&'a str, &'a PatientReport>,
    thy_by: &'a BTreeMap<&'a str, Vec<&'a mibg_study::model::ThyroidAssessment>>,
    thyroid_recorded: bool,
}

/// One patient's steps: infusion checks, dosimetry, response, toxicity and
/// engraftment, survival times. Its findings come back in the order the
/// steps ran (the order the sequential loop absorbed them in).
fn assess_patient(
    c: &PatientContext<'_>,
    pt: &mibg_study::model::Patient,
) -> (PatientResult, Vec<Findings>) {
    let cfg = c.cfg;
    let mut infusions: Vec<_> = of(c.inf_by, &pt.id);
    infusions.sort_by_key(|i| i.number);
    let r = PatientRecords {
        patient: pt,
        infusions,
        readings: of(c.rd_by, &pt.id),
        followup: of(c.fu_by, &pt.id),
        overrides: of(c.ov_by, &pt.id),
    };
    let checked = patient::infusion_checks(&r, c.protocol, c.dos_opts);
    let (dosimetry, found) = patient::dosimetry(&r, c.protocol, c.dos_opts, &checked);
    let mut findings = vec![checked, found];
    let (response, involvement) = match c.records.get(&pt.id) {
        Some((path, rec)) => match patient::response(path, rec, &cfg.response) {
            Ok(x) => (Some(x), patient::involvement(rec)),
            Err(e) => {
                findings.push(Findings {
                    errors: vec![e],
                    ..Findings::default()
                });
                (None, patient::involvement(rec))
            }
        },
        None => (None, Involvement::default()),
    };
    let (worst_grades, engraftment) = patient::toxicity(c.tox_by.get(pt.id.as_str()).copied());
    let mut ther: Vec<_> = of(c.th_by, &pt.id);
    ther.sort_by_key(|t| t.start_date);
    let first = r.infusion(1).map(|i| i.date);
    let efs = patient::origin_date(cfg.efs.origin, &r)
        .and_then(|o| patient::survival_time(&cfg.efs, o, &r.followup));
    let os = patient::origin_date(cfg.os.origin, &r)
        .and_then(|o| patient::survival_time(&cfg.os, o, &r.followup));
    let events: Vec<&AdverseEvent> = of(c.ev_by, &pt.id);
    let hypothyroidism = c.hypo_term.is_some_and(|t| {
        patient::hypothyroidism(&events, first, t, cfg.toxicity.hypothyroidism_min_grade)
    });
    let thyroid: Vec<_> = of(c.thy_by, &pt.id);
    let alive = !r.followup.iter().any(|e| e.event == EventType::Death);
    let thyroid_assessed =
        patient::thyroid_assessed(c.thyroid_recorded, &thyroid, first, hypothyroidism);
    if alive
        && hypothyroidism
        && patient::thyroid_assessed(c.thyroid_recorded, &thyroid, first, false) == Some(false)
    {
        findings.push(Findings {
            warnings: vec![Problem::file(
                files::THYROID,
                ProblemKind::Clinical,
                format!(
                    "patient '{}' has {} in {} but no thyroid assessment after the first infusion in {}; the diagnosis is counted as the assessment (hypothyroidism denominator)",
                    pt.id,
                    cfg.toxicity.hypothyroidism_term,
                    files::EVENTS,
                    files::THYROID
                ),
            )],
            ..Findings::default()
        });
    }
    let result = PatientResult {
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
    };
    (result, findings)
}

/// How [`assess`] spreads the patients over threads.
#[derive(Clone, Copy, Debug)]
struct Workers {
    /// At most this many threads (1: everything on the calling thread).
    threads: usize,
    /// No chunk smaller than this many patients (spawning a thread costs
    /// more than a few patients' fits).
    min_chunk: usize,
}

impl Workers {
    /// One thread per available core, chunks of at least 64 patients.
    fn available() -> Self {
        Workers {
            threads: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            min_chunk: 64,
        }
    }
}

/// `step` for every item, on up to `w.threads` threads, the results in the
/// items' order (each worker takes one contiguous chunk, and the chunks are
/// joined in order), so the report does not depend on the number of
/// threads.
fn per_patient<T: Sync, R: Send>(items: &[T], w: Workers, step: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let chunk = items
        .len()
        .div_ceil(w.threads.max(1))
        .max(w.min_chunk)
        .max(1);
    if items.len() <= chunk {
        return items.iter().map(&step).collect();
    }
    let step = &step;
    std::thread::scope(|s| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(move || c.iter().map(step).collect::<Vec<R>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// The whole pipeline: format checks, every per-patient step, the cohort
/// statistics. Per-patient steps run once the folder's format is sound
/// (they need consistent records); each step's problems are collected for
/// every patient, not only the first.
///
/// The per-patient steps run on every available core (`per_patient`);
/// the result is the same, byte for byte, on any number of threads.
pub fn assess(input: &StudyInput) -> Assessment {
    assess_with(mibg_study::validate(input), Workers::available())
}

/// [`assess`] on an input given away (see [`report_owned`]).
pub fn assess_owned(input: StudyInput) -> Assessment {
    assess_with(mibg_study::validate_owned(input), Workers::available())
}

fn assess_with(v: mibg_study::Validated, workers: Workers) -> Assessment {
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

    let ctx = PatientContext {
        protocol: &protocol,
        cfg: &cfg,
        dos_opts,
        hypo_term,
        records: &dd.records,
        inf_by: &inf_by,
        rd_by: &rd_by,
        fu_by: &fu_by,
        th_by: &th_by,
        ov_by: &ov_by,
        ev_by: &ev_by,
        tox_by: &tox_by,
        thy_by: &thy_by,
        thyroid_recorded: dd.thyroid_recorded,
    };
    let mut accepted = Vec::new();
    let mut patients = Vec::with_capacity(dd.patients.len());
    let each = per_patient(&dd.patients, workers, |pt| assess_patient(&ctx, pt));
    for (result, findings) in each {
        for f in findings {
            absorb(&mut p, f, &mut accepted);
        }
        patients.push(result);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> StudyInput {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(name);
        let mut s = StudyInput::default();
        let mut add = |path: &std::path::Path, rel: String| {
            s.insert(rel, std::fs::read_to_string(path).unwrap());
        };
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().to_string();
            if e.path().is_file() {
                add(&e.path(), name);
            } else {
                for sub in std::fs::read_dir(e.path()).unwrap() {
                    let sub = sub.unwrap();
                    let rel = format!("{name}/{}", sub.file_name().to_string_lossy());
                    add(&sub.path(), rel);
                }
            }
        }
        s
    }

    /// Everything a front end shows of an assessment, as text.
    fn shown(a: &Assessment) -> String {
        let problems: Vec<String> = a
            .problems
            .errors
            .iter()
            .chain(&a.problems.warnings)
            .map(Problem::to_string)
            .collect();
        let report = a
            .report
            .as_ref()
            .map(|r| serde_json::to_string_pretty(r).unwrap());
        format!("{problems:#?}\n{report:?}")
    }

    /// An input given away (each file's text freed once read) gives the
    /// same problems and report as a borrowed one.
    #[test]
    fn an_input_given_away_gives_the_same_result() {
        for name in ["seed-study", "study-broken"] {
            let input = folder(name);
            let borrowed = shown(&assess(&input));
            assert!(borrowed == shown(&assess_owned(input)), "{name}");
        }
    }

    const ONE: Workers = Workers {
        threads: 1,
        min_chunk: 1,
    };

    /// The seed study (a report) and the broken study (errors in every
    /// step) give the same result, problems in the same order, on one
    /// thread and on several threads with chunks of 1 to 5 patients.
    #[test]
    fn same_result_on_any_number_of_threads() {
        for name in ["seed-study", "study-broken"] {
            let input = folder(name);
            let one = shown(&assess_with(mibg_study::validate(&input), ONE));
            for (threads, min_chunk) in [(2, 1), (3, 1), (7, 1), (4, 5)] {
                let many = shown(&assess_with(
                    mibg_study::validate(&input),
                    Workers { threads, min_chunk },
                ));
                assert!(one == many, "{name}: {threads} threads differ from one");
            }
        }
        let seed = assess_with(mibg_study::validate(&folder("seed-study")), ONE);
        assert!(seed.report.is_some());
        let broken = assess_with(mibg_study::validate(&folder("study-broken")), ONE);
        assert!(!broken.problems.errors.is_empty());
    }

    /// Results come back in the items' order, whatever the chunking, and
    /// every item is stepped exactly once.
    #[test]
    fn per_patient_keeps_order() {
        let items: Vec<u32> = (0..23).collect();
        for threads in [1, 2, 3, 8, 30] {
            for min_chunk in [1, 4, 23, 100] {
                let w = Workers { threads, min_chunk };
                let calls = std::sync::atomic::AtomicUsize::new(0);
                let out = per_patient(&items, w, |&i| {
                    calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    i * 10
                });
                let want: Vec<u32> = items.iter().map(|i| i * 10).collect();
                assert_eq!(out, want, "{threads} threads, chunks ≥ {min_chunk}");
                assert_eq!(calls.into_inner(), items.len());
            }
        }
        assert!(per_patient(&[] as &[u32], ONE, |&i| i).is_empty());
    }
}
