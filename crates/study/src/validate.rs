//! Cross-file checks: references between files and the chronology of each
//! patient's records. Every problem is reported, with file and row.

use crate::config::{EventType, Origin};
use crate::load::{StudyData, StudyInput, files, load, load_owned};
use crate::model::Patient;
use crate::problem::{Problem, ProblemKind, Problems};
use crate::table::{days_between, parse_date};
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet};

/// The outcome of [`validate`]: the parsed data (usable when there is no
/// error) and every problem of the folder's format found.
#[derive(Debug)]
pub struct Validated {
    /// Parsed records (response records and toxicity tables included).
    pub data: StudyData,
    /// Errors and warnings, sorted by file and row.
    pub problems: Problems,
}

/// Reads and checks a whole study folder: every file, every row, every
/// cross-reference, the plausibility of every `study.toml` value. Never
/// stops at the first problem.
///
/// This is the *format* check. The clinical checks of each patient's data
/// (the infusion-1 activity, the weight change, the readings and their fit,
/// the response and toxicity rules) belong to the acts that compute with
/// them: `mibg_clinic::cohort::validate` runs both, and `mibg study
/// validate` calls it, so that a study that validates always reports.
pub fn validate(input: &StudyInput) -> Validated {
    let mut p = Problems::default();
    let data = load(input, &mut p);
    checked(data, p)
}

/// [`validate`] on an input given away: each file's text is freed as soon
/// as it has been read ([`load_owned`]), for a large folder. The same
/// records and problems as [`validate`].
pub fn validate_owned(input: StudyInput) -> Validated {
    let mut p = Problems::default();
    let data = load_owned(input, &mut p);
    checked(data, p)
}

fn checked(data: StudyData, mut p: Problems) -> Validated {
    check(&data, &mut p);
    skip_cascades(&data, &mut p);
    p.sort();
    Validated { data, problems: p }
}

/// A table that cannot be read at all (wrong delimiter, encoding, header)
/// leaves every reference to it unresolved: its own problem explains them
/// all, so they are dropped and counted in one warning (issue 9: the root
/// cause was line 3,480 of a 4,137-line list).
fn skip_cascades(d: &StudyData, p: &mut Problems) {
    let mut dropped = |file: &str, is_cascade: &dyn Fn(&Problem) -> bool| {
        if !d.unreadable.contains(file) {
            return;
        }
        let before = p.errors.len();
        p.errors.retain(|e| !is_cascade(e));
        let n = before - p.errors.len();
        if n > 0 {
            p.warn(Problem::file(
                file,
                ProblemKind::Inconsistent,
                format!(
                    "{n} reference(s) to {file} not checked: the file could not be read (see its error)"
                ),
            ));
        }
    };
    dropped(files::PATIENTS, &|e| e.kind == ProblemKind::UnknownPatient);
    dropped(files::INFUSIONS, &|e| {
        (e.kind == ProblemKind::UnknownReference && e.message.contains("in infusions.csv"))
            || (e.file == files::PATIENTS
                && e.kind == ProblemKind::Inconsistent
                && e.message.ends_with("has no row in infusions.csv"))
    });
}

fn err(p: &mut Problems, file: &str, row: u64, field: &str, kind: ProblemKind, msg: String) {
    p.error(Problem::at(file, row, Some(field), kind, msg));
}

/// Per-patient dates used by the chronology rules.
struct Timeline {
    first_infusion: Option<Date>,
    last_infusion: Option<Date>,
    death: Option<(Date, u64)>,
    last_contact: Option<(Date, u64)>,
}

fn check(d: &StudyData, p: &mut Problems) {
    let cfg = &d.config;
    crate::config::check(cfg, &d.config_text, p);
    let cutoff = cfg.study.data_cutoff.as_deref().and_then(parse_date);

    // Patients: unique ids (every row with an id, even if other cells are bad).
    let mut ids: BTreeMap<&str, u64> = BTreeMap::new();
    for (id, row) in &d.patient_ids {
        if let Some(first) = ids.get(id.as_str()) {
            err(
                p,
                files::PATIENTS,
                *row,
                "patient",
                ProblemKind::Duplicate,
                format!("patient '{id}' is already defined in line {first}"),
            );
        } else {
            ids.insert(id, *row);
        }
    }
    let patients: BTreeMap<&str, &Patient> =
        d.patients.iter().map(|pt| (pt.id.as_str(), pt)).collect();
    if d.patient_ids.is_empty() && p.errors.iter().all(|e| e.file != files::PATIENTS) {
        p.error(Problem::file(
            files::PATIENTS,
            ProblemKind::Inconsistent,
            "the study has no patient",
        ));
    }
    let known = |id: &str| ids.contains_key(id);
    let unknown = |p: &mut Problems, file: &str, row: u64, id: &str| {
        err(
            p,
            file,
            row,
            "patient",
            ProblemKind::UnknownPatient,
            format!("patient '{id}' is not in patients.csv"),
        );
    };

    // Infusions.
    let mut infusions: BTreeMap<(&str, u32), (Date, u64)> = BTreeMap::new();
    for inf in &d.infusions {
        if !known(&inf.patient) {
            unknown(p, files::INFUSIONS, inf.row, &inf.patient);
            continue;
        }
        let key = (inf.patient.as_str(), inf.number);
        if let Some((_, row)) = infusions.get(&key) {
            err(
                p,
                files::INFUSIONS,
                inf.row,
                "infusion",
                ProblemKind::Duplicate,
                format!(
                    "infusion {} of patient '{}' is already recorded in line {row}",
                    inf.number, inf.patient
                ),
            );
        } else {
            infusions.insert(key, (inf.date, inf.row));
        }
    }
    let mut timelines: BTreeMap<&str, Timeline> = BTreeMap::new();
    for (&id, &row) in &ids {
        let pt = patients.get(id).copied();
        let mine: Vec<(u32, Date, u64)> = infusions
            .range((id, 0)..=(id, u32::MAX))
            .map(|((_, n), (dt, row))| (*n, *dt, *row))
            .collect();
        if mine.is_empty() {
            err(
                p,
                files::PATIENTS,
                row,
                "patient",
                ProblemKind::Inconsistent,
                format!("patient '{}' has no row in infusions.csv", id),
            );
        } else if mine[0].0 != 1 {
            err(
                p,
                files::INFUSIONS,
                mine[0].2,
                "infusion",
                ProblemKind::Inconsistent,
                format!("patient '{}' has no infusion 1", id),
            );
        }
        for w in mine.windows(2) {
            if w[1].0 != w[0].0 + 1 {
                err(
                    p,
                    files::INFUSIONS,
                    w[1].2,
                    "infusion",
                    ProblemKind::Inconsistent,
                    format!(
                        "patient '{}': infusion {} follows infusion {} (numbers must be consecutive)",
                        id, w[1].0, w[0].0
                    ),
                );
            }
            if w[1].1 <= w[0].1 {
                err(
                    p,
                    files::INFUSIONS,
                    w[1].2,
                    "date",
                    ProblemKind::Chronology,
                    format!(
                        "infusion {} ({}) is not after infusion {} ({})",
                        w[1].0, w[1].1, w[0].0, w[0].1
                    ),
                );
            }
        }
        let first = mine.first().map(|m| m.1);
        if let (Some(b), Some(f)) = (pt.and_then(|x| x.birth_date), first)
            && b < f
            && days_between(b, f) as f64 / crate::config::DAYS_PER_YEAR > crate::load::AGE_YEARS.1
        {
            err(
                p,
                files::PATIENTS,
                row,
                "birth_date",
                ProblemKind::NotAllowed,
                format!(
                    "birth date {b} gives an age of {:.0} years at the first infusion ({f}), above {} (a typing error in the year?)",
                    days_between(b, f) as f64 / crate::config::DAYS_PER_YEAR,
                    crate::load::AGE_YEARS.1
                ),
            );
        }
        if let (Some(b), Some(f)) = (pt.and_then(|x| x.birth_date), first)
            && b >= f
        {
            err(
                p,
                files::PATIENTS,
                row,
                "birth_date",
                ProblemKind::Chronology,
                format!("birth date {b} is not before the first infusion ({f})"),
            );
        }
        if let (Some(e), Some(f)) = (pt.and_then(|x| x.enrolment_date), first)
            && e > f
        {
            err(
                p,
                files::PATIENTS,
                row,
                "enrolment_date",
                ProblemKind::Chronology,
                format!("enrolment {e} is after the first infusion ({f})"),
            );
        }
        if pt.is_some_and(|x| x.enrolment_date.is_none())
            && (cfg.analysis.efs.origin == Origin::Enrolment
                || cfg.analysis.os.origin == Origin::Enrolment)
        {
            err(
                p,
                files::PATIENTS,
                row,
                "enrolment_date",
                ProblemKind::MissingValue,
                "study.toml uses the enrolment origin, so enrolment_date is required".into(),
            );
        }
        timelines.insert(
            id,
            Timeline {
                first_infusion: first,
                last_infusion: mine.last().map(|m| m.1),
                death: None,
                last_contact: None,
            },
        );
    }

    // Readings: known infusion, increasing times.
    let mut last_hours: BTreeMap<(&str, u32), (f64, u64)> = BTreeMap::new();
    for r in &d.readings {
        if !known(&r.patient) {
            unknown(p, files::READINGS, r.row, &r.patient);
            continue;
        }
        if !infusions.contains_key(&(r.patient.as_str(), r.infusion)) {
            err(
                p,
                files::READINGS,
                r.row,
                "infusion",
                ProblemKind::UnknownReference,
                format!(
                    "patient '{}' has no infusion {} in infusions.csv",
                    r.patient, r.infusion
                ),
            );
            continue;
        }
        let key = (r.patient.as_str(), r.infusion);
        if let Some((h, row)) = last_hours.get(&key)
            && r.hours.hours() <= *h
        {
            err(
                p,
                files::READINGS,
                r.row,
                "hours",
                ProblemKind::Chronology,
                format!(
                    "{} h is not after the previous reading of this infusion ({h} h, line {row}); times must increase",
                    r.hours.hours()
                ),
            );
        }
        last_hours.insert(key, (r.hours.hours(), r.row));
    }

    // Follow-up: one death, one last contact, chronology.
    let mut events_by_patient: BTreeMap<&str, Vec<&crate::model::FollowUpEvent>> = BTreeMap::new();
    for e in &d.followup {
        if !known(&e.patient) {
            unknown(p, files::FOLLOWUP, e.row, &e.patient);
            continue;
        }
        events_by_patient.entry(&e.patient).or_default().push(e);
    }
    for (id, evs) in &events_by_patient {
        let Some(tl) = timelines.get_mut(id) else {
            continue;
        };
        for kind in [EventType::Death, EventType::LastContact] {
            let same: Vec<_> = evs.iter().filter(|e| e.event == kind).collect();
            for dup in same.iter().skip(1) {
                err(
                    p,
                    files::FOLLOWUP,
                    dup.row,
                    "event",
                    ProblemKind::Duplicate,
                    format!(
                        "patient '{id}' already has a {} in line {}",
                        kind.as_str(),
                        same[0].row
                    ),
                );
            }
            if let Some(first) = same.first() {
                match kind {
                    EventType::Death => tl.death = Some((first.date, first.row)),
                    _ => tl.last_contact = Some((first.date, first.row)),
                }
            }
        }
        if let (Some((death, _)), Some((lc, row))) = (tl.death, tl.last_contact)
            && lc > death
        {
            err(
                p,
                files::FOLLOWUP,
                row,
                "date",
                ProblemKind::Chronology,
                format!("last contact {lc} is after the death ({death})"),
            );
        }
    }
    for (&id, &row) in &ids {
        if let Some(tl) = timelines.get(id)
            && tl.death.is_none()
            && tl.last_contact.is_none()
        {
            err(
                p,
                files::PATIENTS,
                row,
                "patient",
                ProblemKind::Inconsistent,
                format!(
                    "patient '{}' has neither a death nor a last_contact row in followup.csv (survival cannot be censored)",
                    id
                ),
            );
        }
    }

    // Every dated record of a patient against the timeline, checked as it
    // is met (a list of them would hold every laboratory row again; the
    // problems are sorted at the end).
    let on_date = |p: &mut Problems,
                   file: &str,
                   row: u64,
                   id: &str,
                   date: Date,
                   field: &str,
                   what: &str| {
        let Some(tl) = timelines.get(id) else {
            return;
        };
        if let Some((death, drow)) = tl.death
            && date > death
        {
            let m = if what == "infusion" {
                format!("death ({death}, followup.csv line {drow}) before this infusion ({date})")
            } else {
                format!(
                    "{what} dated {date} is after the death ({death}, followup.csv line {drow})"
                )
            };
            err(p, file, row, field, ProblemKind::Chronology, m);
        } else if let Some((lc, lrow)) = tl.last_contact
            && date > lc
            && tl.death.is_none()
        {
            err(
                p,
                file,
                row,
                field,
                ProblemKind::Chronology,
                format!(
                    "{what} dated {date} is after the last contact ({lc}, followup.csv line {lrow}); the last contact must be the latest date"
                ),
            );
        }
        if let Some(c) = cutoff
            && date > c
        {
            err(
                p,
                file,
                row,
                field,
                ProblemKind::Chronology,
                format!("{what} dated {date} is after the data cut-off ({c})"),
            );
        }
        let must_follow_treatment = matches!(file, f if f == files::STEM_CELLS || f == files::THERAPIES || f == files::FOLLOWUP);
        if must_follow_treatment
            && let Some(first) = tl.first_infusion
            && date < first
        {
            err(
                p,
                file,
                row,
                field,
                ProblemKind::Chronology,
                format!("{what} dated {date} is before the first infusion ({first})"),
            );
        }
    };
    for inf in &d.infusions {
        if known(&inf.patient) {
            on_date(
                p,
                files::INFUSIONS,
                inf.row,
                &inf.patient,
                inf.date,
                "date",
                "infusion",
            );
        }
    }
    // The same stem-cell return (patient and date) twice is an error, in
    // the words of the toxicity parser's rule (`mibg toxicity` refuses the
    // same file).
    let mut returns: BTreeMap<(&str, Date), u64> = BTreeMap::new();
    for s in &d.stem_cells {
        if let Some(first) = returns.get(&(s.patient.as_str(), s.date)) {
            err(
                p,
                files::STEM_CELLS,
                s.row,
                "date",
                ProblemKind::Duplicate,
                mibg_toxicity::csv_input::FieldProblem::DuplicateStemCells {
                    date: s.date.to_string(),
                    first_line: *first,
                }
                .to_string(),
            );
        } else {
            returns.insert((s.patient.as_str(), s.date), s.row);
        }
    }
    for s in &d.stem_cells {
        if known(&s.patient) {
            on_date(
                p,
                files::STEM_CELLS,
                s.row,
                &s.patient,
                s.date,
                "date",
                "stem-cell infusion",
            );
        } else {
            unknown(p, files::STEM_CELLS, s.row, &s.patient);
        }
    }
    for t in &d.therapies {
        if known(&t.patient) {
            on_date(
                p,
                files::THERAPIES,
                t.row,
                &t.patient,
                t.start_date,
                "start_date",
                "therapy",
            );
        } else {
            unknown(p, files::THERAPIES, t.row, &t.patient);
        }
    }
    for t in &d.thyroid {
        if known(&t.patient) {
            on_date(
                p,
                files::THYROID,
                t.row,
                &t.patient,
                t.date,
                "date",
                "thyroid assessment",
            );
        } else {
            unknown(p, files::THYROID, t.row, &t.patient);
        }
    }
    for o in &d.overrides {
        if !known(&o.patient) {
            unknown(p, files::OVERRIDES, o.row, &o.patient);
        }
    }
    for (file, row, patient, date) in d.dated_rows() {
        if known(patient) {
            on_date(p, file, row, patient, date, "date", "record");
        } else {
            unknown(p, file, row, patient);
        }
    }
    for e in &d.followup {
        if known(&e.patient) && !matches!(e.event, EventType::Death | EventType::LastContact) {
            on_date(
                p,
                files::FOLLOWUP,
                e.row,
                &e.patient,
                e.date,
                "date",
                e.event.as_str(),
            );
        }
    }
    for (id, tl) in &timelines {
        let Some(first) = tl.first_infusion else {
            continue;
        };
        for (date, row, what) in [
            tl.death.map(|(d, r)| (d, r, "death")),
            tl.last_contact.map(|(d, r)| (d, r, "last contact")),
        ]
        .into_iter()
        .flatten()
        {
            if date < first {
                err(
                    p,
                    files::FOLLOWUP,
                    row,
                    "date",
                    ProblemKind::Chronology,
                    format!(
                        "{what} {date} of patient '{id}' is before the first infusion ({first})"
                    ),
                );
            } else if let Some(last) = tl.last_infusion
                && what == "death"
                && date < last
            {
                err(
                    p,
                    files::FOLLOWUP,
                    row,
                    "date",
                    ProblemKind::Chronology,
                    format!("death {date} of patient '{id}' is before an infusion ({last})"),
                );
            }
            if let Some(c) = cutoff
                && date > c
            {
                err(
                    p,
                    files::FOLLOWUP,
                    row,
                    "date",
                    ProblemKind::Chronology,
                    format!("{what} {date} is after the data cut-off ({c})"),
                );
            }
        }
    }

    // Assessments: one file per known patient.
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for (path, id) in &d.assessments {
        if !known(id) {
            p.error(Problem::file(
                path,
                ProblemKind::UnknownPatient,
                format!("file name names patient '{id}', who is not in patients.csv"),
            ));
        } else if !seen.insert(id) {
            p.error(Problem::file(
                path,
                ProblemKind::Duplicate,
                format!("patient '{id}' has more than one assessment file"),
            ));
        }
    }
    for (&id, &row) in &ids {
        if !seen.contains(id) {
            p.warn(Problem::at(
                files::PATIENTS,
                row,
                Some("patient"),
                ProblemKind::Inconsistent,
                format!(
                    "patient '{}' has no file in assessments/ (not evaluable for response)",
                    id
                ),
            ));
        }
    }
    assessment_chronology(d, p);
}

/// Assessment dates against treatment: the baseline on or before the first
/// infusion, every follow-up after the baseline and not before the first
/// infusion.
fn assessment_chronology(d: &StudyData, p: &mut Problems) {
    let first_inf: BTreeMap<&str, Date> = d
        .infusions
        .iter()
        .filter(|i| i.number == 1)
        .map(|i| (i.patient.as_str(), i.date))
        .collect();
    for (id, (path, rec)) in &d.records {
        let Some(&f) = first_inf.get(id.as_str()) else {
            continue;
        };
        if rec.baseline.date > f {
            p.error(Problem::file(
                path,
                ProblemKind::Chronology,
                format!(
                    "baseline assessment {} is after the first infusion ({f})",
                    rec.baseline.date
                ),
            ));
        }
        for fu in &rec.follow_ups {
            if fu.date <= rec.baseline.date {
                p.error(Problem::file(
                    path,
                    ProblemKind::Chronology,
                    format!(
                        "follow-up {} is not after the baseline assessment ({})",
                        fu.date, rec.baseline.date
                    ),
                ));
            } else if fu.date < f {
                p.error(Problem::file(
                    path,
                    ProblemKind::Chronology,
                    format!("follow-up {} is before the first infusion ({f})", fu.date),
                ));
            }
        }
    }
}
