//! Reading every file of a study folder into typed records, recording every
//! problem instead of stopping at the first.

use crate::config::{EventType, StudyConfig};
use crate::domain::{parse_assessment_file, resolve_protocol};
use crate::model::*;
use crate::problem::{Problem, ProblemKind, Problems};
use crate::table::{Table, csv_problem, req_date_cell, req_id_cell, schema};
use mibg_csv::Strictness;
use mibg_protocol::Protocol;
use mibg_response::record::PatientRecord;
use mibg_toxicity::records::ToxicityInput;
use mibg_units::{Activity, Hours, Length, Mass};
use std::collections::{BTreeMap, BTreeSet};

/// File names of a study folder (see the README's data dictionary).
pub mod files {
    /// Study identity, protocol and analysis options (required).
    pub const STUDY: &str = "study.toml";
    /// Patients (required).
    pub const PATIENTS: &str = "patients.csv";
    /// 131I-mIBG infusions (required).
    pub const INFUSIONS: &str = "infusions.csv";
    /// Whole-body dose-rate readings (optional).
    pub const READINGS: &str = "readings.csv";
    /// Stem-cell infusions (optional).
    pub const STEM_CELLS: &str = "stem_cells.csv";
    /// Thyroid assessments (optional; the hypothyroidism denominator).
    pub const THYROID: &str = "thyroid.csv";
    /// Subsequent therapies (optional).
    pub const THERAPIES: &str = "therapies.csv";
    /// Follow-up events (required).
    pub const FOLLOWUP: &str = "followup.csv";
    /// Laboratory values (optional; the toxicity format).
    pub const LABS: &str = "labs.csv";
    /// Clinical adverse events (optional; the toxicity format).
    pub const EVENTS: &str = "events.csv";
    /// Transfusions (optional; the toxicity format).
    pub const TRANSFUSIONS: &str = "transfusions.csv";
    /// Accepted overrides of named checks (optional).
    pub const OVERRIDES: &str = "overrides.csv";
    /// Folder of per-patient response assessment files.
    pub const ASSESSMENTS_DIR: &str = "assessments";
}

/// The text of a study folder's files, keyed by path relative to the folder
/// (`patients.csv`, `assessments/P01.toml`). The CLI reads the folder; this
/// crate never touches the filesystem.
#[derive(Clone, Debug, Default)]
pub struct StudyInput {
    /// Relative path → file contents.
    pub files: BTreeMap<String, String>,
    /// Files whose bytes are not UTF-8 ([`StudyInput::insert_bytes`]):
    /// their problems (their text in `files` is empty).
    pub not_utf8: Vec<Problem>,
}

impl StudyInput {
    /// Adds one file.
    pub fn insert(&mut self, path: impl Into<String>, text: impl Into<String>) {
        self.files.insert(path.into(), text.into());
    }

    /// Adds one file as read from disk: UTF-8 text is kept; other bytes
    /// (a spreadsheet export in Windows-1252, UTF-16 "Unicode text") become
    /// a `format` problem naming the line of the first bad byte.
    pub fn insert_bytes(&mut self, path: impl Into<String>, bytes: Vec<u8>) {
        let path = path.into();
        match String::from_utf8(bytes) {
            Ok(text) => {
                self.files.insert(path, text);
            }
            Err(e) => {
                let err = mibg_csv::decode(&path, e.as_bytes()).expect_err("not UTF-8");
                self.not_utf8.push(csv_problem(&path, &err));
                self.files.insert(path, String::new());
            }
        }
    }

    fn get(&self, path: &str) -> Option<&str> {
        if self.is_undecodable(path) {
            return None;
        }
        self.files.get(path).map(String::as_str)
    }

    fn is_undecodable(&self, path: &str) -> bool {
        self.not_utf8.iter().any(|e| e.file == path)
    }
}

/// Every record of a study, parsed but not yet cross-checked.
#[derive(Clone, Debug, Default)]
pub struct StudyData {
    /// `study.toml`.
    pub config: StudyConfig,
    /// The text of `study.toml`, for locating its keys in problems.
    pub config_text: String,
    /// The protocol `study.toml` names (None when it cannot be read).
    pub protocol: Option<Protocol>,
    /// `patients.csv`, in file order (rows without errors).
    pub patients: Vec<Patient>,
    /// Every identifier of `patients.csv` with its row, including rows with
    /// other errors (so that one bad cell does not make the patient unknown
    /// everywhere else).
    pub patient_ids: Vec<(String, u64)>,
    /// `infusions.csv`.
    pub infusions: Vec<Infusion>,
    /// `readings.csv`.
    pub readings: Vec<Reading>,
    /// `stem_cells.csv`.
    pub stem_cells: Vec<StemCellInfusion>,
    /// `therapies.csv`.
    pub therapies: Vec<Therapy>,
    /// `thyroid.csv` (empty when the file is absent).
    pub thyroid: Vec<ThyroidAssessment>,
    /// Whether the folder has `thyroid.csv`: without it the hypothyroidism
    /// denominator cannot be "survivors with a thyroid assessment".
    pub thyroid_recorded: bool,
    /// `followup.csv`.
    pub followup: Vec<FollowUpEvent>,
    /// `overrides.csv`.
    pub overrides: Vec<Override>,
    /// Dated rows of `labs.csv`, `events.csv`, `transfusions.csv` that are
    /// not in [`StudyData::toxicity`]: the rows of a table in
    /// [`StudyData::dated_in_toxicity`] are its records there (read once,
    /// not copied), the others are listed here.
    pub dated: Vec<DatedRecord>,
    /// The toxicity tables whose every row was read by the toxicity
    /// crate's parser and passed the study's patient and date checks: their
    /// dated rows are the records of [`StudyData::toxicity`] (patient,
    /// date, `origin` line), in file order. See [`StudyData::dated_rows`].
    pub dated_in_toxicity: BTreeSet<&'static str>,
    /// Laboratory values, adverse events and transfusions, parsed by the
    /// toxicity crate (no treatment schedules: the analysis adds them).
    pub toxicity: ToxicityInput,
    /// Response assessment files: (relative path, patient id from the file
    /// stem).
    pub assessments: Vec<(String, String)>,
    /// Response records parsed by the response crate, by patient:
    /// (relative path, record).
    pub records: BTreeMap<String, (String, PatientRecord)>,
    /// CSV files that could not be read at all (format or header
    /// problems): references to them are not checked, since their own
    /// problem explains every reference.
    pub unreadable: BTreeSet<String>,
}

/// Plausible age at the first infusion, years (inclusive): 0–100.
/// Neuroblastoma is a paediatric cancer that also occurs, rarely, in
/// adults; an age above 100 (a birth year of 1900) is a typing error.
pub const AGE_YEARS: (f64, f64) = (0.0, 100.0);

/// Plausible ranges (inclusive) used to reject impossible values; they are
/// wide on purpose: plausibility warnings belong to the domain crates.
mod limits {
    /// Body weight, kg (a neonate to a large adult).
    pub const WEIGHT_KG: (f64, f64) = (0.5, 250.0);
    /// Height, cm.
    pub const HEIGHT_CM: (f64, f64) = (30.0, 230.0);
    /// Age, years.
    pub const AGE_YEARS: (f64, f64) = super::AGE_YEARS;
    /// Administered activity per infusion, MBq (> 0; 100 GBq is far above
    /// any published paediatric activity, `docs/reference/dosimetry.md` §6.3).
    pub const ACTIVITY_MBQ: (f64, f64) = (f64::MIN_POSITIVE, 100_000.0);
    /// Reading time after infusion, hours (up to 60 days).
    pub const HOURS: (f64, f64) = (0.0, 1440.0);
    /// CD34+ ×10⁶/kg.
    pub const CD34: (f64, f64) = (0.0, 1000.0);
    /// TSH, mU/L: 0–1000 (untreated primary hypothyroidism reaches a few
    /// hundred mU/L; the reference range is about 0.4–4.5,
    /// docs/reference/toxicity.md §9, van Santen et al. Cancer 2002).
    pub const TSH_MU_PER_L: (f64, f64) = (0.0, 1000.0);
    /// Free T4, pmol/L: 0–200 (reference about 10–25 pmol/L; a value in
    /// ng/dL would be about 13 times smaller and still inside, so the range
    /// only refuses impossible values).
    pub const FT4_PMOL_PER_L: (f64, f64) = (0.0, 200.0);
}

/// The files [`load`] reads: the caller's, borrowed, or given away
/// ([`load_owned`]), when each file's text is freed as soon as it has been
/// read (a 10,000-patient folder is about 100 MB of text, its laboratory
/// table alone 64 MB: kept to the end, it would sit beside every record
/// parsed from it).
enum Files<'a> {
    Borrowed(&'a StudyInput),
    Owned(StudyInput),
}

impl Files<'_> {
    fn input(&self) -> &StudyInput {
        match self {
            Files::Borrowed(i) => i,
            Files::Owned(i) => i,
        }
    }

    fn get(&self, path: &str) -> Option<&str> {
        self.input().get(path)
    }

    /// The text of `path` after its only reading: freed when owned. Its
    /// name stays (the check of files outside the format lists every name).
    fn done(&mut self, path: &str) {
        if let Files::Owned(i) = self
            && let Some(t) = i.files.get_mut(path)
        {
            *t = String::new();
        }
    }

    /// A required file's text, or its problem (missing; an undecodable
    /// file has its own).
    fn required(&self, name: &str, p: &mut Problems) -> Option<&str> {
        let input = self.input();
        match input.get(name) {
            Some(t) => Some(t),
            None if input.is_undecodable(name) => None,
            None => {
                p.error(Problem::file(
                    name,
                    ProblemKind::MissingFile,
                    "required file is missing",
                ));
                None
            }
        }
    }
}

/// Parses every file of `input`. Problems in one file never hide problems
/// in another: all files are read and all rows checked.
pub fn load(input: &StudyInput, p: &mut Problems) -> StudyData {
    load_files(&mut Files::Borrowed(input), p)
}

/// [`load`] on an input given away: each file's text is freed as soon as
/// it has been read, so that the records parsed from a large folder never
/// sit beside its whole text. The same records and problems as [`load`].
pub fn load_owned(input: StudyInput, p: &mut Problems) -> StudyData {
    load_files(&mut Files::Owned(input), p)
}

fn load_files(input: &mut Files<'_>, p: &mut Problems) -> StudyData {
    let mut d = StudyData::default();
    match input.get(files::STUDY) {
        None => p.error(Problem::file(
            files::STUDY,
            ProblemKind::MissingFile,
            "required file is missing (it names the protocol and the analysis options)",
        )),
        Some(text) => {
            d.config_text = text.to_string();
            match toml::from_str::<StudyConfig>(text) {
                Ok(c) => {
                    d.config = c;
                    d.protocol = resolve_protocol(
                        &d.config.protocol.name,
                        d.config.protocol.file.as_deref(),
                        &input.input().files,
                        p,
                    );
                }
                Err(e) => p.error(config_problem(text, &e)),
            }
        }
    }
    p.errors.extend(input.input().not_utf8.iter().cloned());
    d.unreadable
        .extend(input.input().not_utf8.iter().map(|e| e.file.clone()));
    if let Some(t) = input.required(files::PATIENTS, p) {
        (d.patients, d.patient_ids) = patients(t, p, &mut d.unreadable);
        input.done(files::PATIENTS);
    }
    if let Some(t) = input.required(files::INFUSIONS, p) {
        d.infusions = infusions(t, p, &mut d.unreadable);
        input.done(files::INFUSIONS);
    }
    if let Some(t) = input.required(files::FOLLOWUP, p) {
        d.followup = followup(t, p, &mut d.unreadable);
        input.done(files::FOLLOWUP);
    }
    if let Some(t) = input.get(files::READINGS) {
        d.readings = readings(t, &d.infusions, p, &mut d.unreadable);
        input.done(files::READINGS);
    }
    if let Some(t) = input.get(files::STEM_CELLS) {
        d.stem_cells = stem_cells(t, p, &mut d.unreadable);
        input.done(files::STEM_CELLS);
    }
    if let Some(t) = input.get(files::THERAPIES) {
        d.therapies = therapies(t, p, &mut d.unreadable);
        input.done(files::THERAPIES);
    }
    if let Some(t) = input.get(files::THYROID) {
        d.thyroid_recorded = true;
        d.thyroid = thyroid(t, p, &mut d.unreadable);
        input.done(files::THYROID);
    }
    if let Some(t) = input.get(files::OVERRIDES) {
        d.overrides = overrides(t, p, &mut d.unreadable);
        input.done(files::OVERRIDES);
    }
    // The assessment files before the toxicity tables: their text is freed
    // before the laboratory table is read (problems are sorted by file at
    // the end, so the order of reading files does not show).
    let prefix = format!("{}/", files::ASSESSMENTS_DIR);
    let mut assessments = Vec::new();
    for path in input.input().files.keys() {
        if let Some(name) = path.strip_prefix(&prefix) {
            let stem = name
                .strip_suffix(".toml")
                .or_else(|| name.strip_suffix(".json"));
            match stem {
                Some(s) if !s.is_empty() && !s.contains('/') => {
                    assessments.push((path.clone(), s.to_string()));
                }
                _ => p.warn(Problem::file(
                    path,
                    ProblemKind::UnknownColumn,
                    "not an assessment file (expected assessments/<patient>.toml or .json); ignored",
                )),
            }
        }
    }
    for (path, stem) in &assessments {
        let text = input.input().files.get(path).map_or("", String::as_str);
        parse_assessment_file(path, stem, text, &mut d.records, p);
        input.done(path);
    }
    d.assessments = assessments;
    toxicity_tables(input, &mut d, p);
    let known = [
        files::STUDY,
        files::PATIENTS,
        files::INFUSIONS,
        files::READINGS,
        files::STEM_CELLS,
        files::THERAPIES,
        files::THYROID,
        files::FOLLOWUP,
        files::LABS,
        files::EVENTS,
        files::TRANSFUSIONS,
        files::OVERRIDES,
    ];
    for path in input.input().files.keys() {
        let is_doc = path.ends_with(".md") || path.ends_with(".txt");
        if !known.contains(&path.as_str()) && !path.starts_with(&prefix) && !is_doc {
            let protocol_file = d.config.protocol.file.as_deref() == Some(path.as_str());
            if !protocol_file {
                p.warn(Problem::file(
                    path,
                    ProblemKind::UnknownColumn,
                    "file is not part of the study format and is ignored",
                ));
            }
        }
    }
    d
}

impl StudyData {
    /// Every dated row of the toxicity tables (`labs.csv`, `events.csv`,
    /// `transfusions.csv`, in that order and in file order): (file, line,
    /// patient, date), from the toxicity records or from
    /// [`StudyData::dated`].
    pub fn dated_rows(&self) -> impl Iterator<Item = (&'static str, u64, &str, jiff::civil::Date)> {
        let tox = &self.toxicity;
        let from = |file: &'static str| self.dated_in_toxicity.contains(file);
        let row = |o: &Option<mibg_toxicity::records::Origin>| o.as_ref().map_or(0, |o| o.row);
        let labs = from(files::LABS)
            .then(|| {
                tox.labs
                    .iter()
                    .map(move |r| (files::LABS, row(&r.origin), &*r.patient, r.date))
            })
            .into_iter()
            .flatten();
        let events = from(files::EVENTS)
            .then(|| {
                tox.events
                    .iter()
                    .map(move |r| (files::EVENTS, row(&r.origin), r.patient.as_str(), r.date))
            })
            .into_iter()
            .flatten();
        let transfusions = from(files::TRANSFUSIONS)
            .then(|| {
                tox.transfusions.iter().map(move |r| {
                    (
                        files::TRANSFUSIONS,
                        row(&r.origin),
                        r.patient.as_str(),
                        r.date,
                    )
                })
            })
            .into_iter()
            .flatten();
        let listed = |file: &'static str| {
            self.dated
                .iter()
                .filter(move |r| r.file == file)
                .map(|r| (r.file, r.row, r.patient.as_str(), r.date))
        };
        labs.chain(listed(files::LABS))
            .chain(events)
            .chain(listed(files::EVENTS))
            .chain(transfusions)
            .chain(listed(files::TRANSFUSIONS))
    }
}

/// The toxicity tables (`labs.csv`, `events.csv`, `transfusions.csv`),
/// each read once: the toxicity crate's parser reads the records (the
/// format is that crate's), and every row it reads is handed to the
/// study's checks of the two columns the study cross-checks, patient and
/// date ([`req_id_cell`], [`req_date_cell`]: the rules of every study
/// table). Problems come in the order of reading the tables one after the
/// other: the patient and date problems of each table, then the toxicity
/// parser's refusal of each. A table that the toxicity parser refuses has
/// no records, so its patient and date columns are read again by the
/// study's own reader ([`dated_rows`]: a broken file only), and the
/// cross-checks of its other rows are still made.
fn toxicity_tables(input: &mut Files<'_>, d: &mut StudyData, p: &mut Problems) {
    use crate::domain::csv_problem as tox_problem;
    use mibg_toxicity::csv_input::{
        parse_events_visiting, parse_labs_all_visiting, parse_transfusions_visiting,
    };
    let mut refusals = Vec::new();
    for name in [files::LABS, files::EVENTS, files::TRANSFUSIONS] {
        let Some(text) = input.get(name) else {
            continue;
        };
        let mut checked = Problems::default();
        let mut bad_lines: Vec<u64> = Vec::new();
        let visit = |r: &mibg_csv::Row<'_>| {
            let cell = |c: &str| Some(r.get(c)).filter(|v| !v.is_empty());
            let id = req_id_cell(name, r.line(), "patient", cell("patient"), &mut checked);
            let date = req_date_cell(name, r.line(), "date", cell("date"), &mut checked);
            if id.is_none() || date.is_none() {
                bad_lines.push(r.line());
            }
        };
        let tox = &mut d.toxicity;
        let line = |o: &Option<mibg_toxicity::records::Origin>| o.as_ref().map_or(0, |o| o.row);
        let refusal = match name {
            files::LABS => match parse_labs_all_visiting(text, name, visit) {
                Ok(v) => {
                    tox.labs = v;
                    None
                }
                Err(mut all) => Some(all.swap_remove(0)),
            },
            files::EVENTS => parse_events_visiting(text, name, visit)
                .map(|v| tox.events = v)
                .err(),
            _ => parse_transfusions_visiting(text, name, visit)
                .map(|v| tox.transfusions = v)
                .err(),
        };
        match refusal {
            None => {
                p.errors.extend(checked.errors);
                if bad_lines.is_empty() {
                    d.dated_in_toxicity.insert(name);
                } else {
                    // Rows with a bad patient or date are left out of the
                    // cross-checks, as the study's reader leaves them out.
                    let rows: Vec<(u64, &str, jiff::civil::Date)> = match name {
                        files::LABS => tox
                            .labs
                            .iter()
                            .map(|r| (line(&r.origin), &*r.patient, r.date))
                            .collect(),
                        files::EVENTS => tox
                            .events
                            .iter()
                            .map(|r| (line(&r.origin), r.patient.as_str(), r.date))
                            .collect(),
                        _ => tox
                            .transfusions
                            .iter()
                            .map(|r| (line(&r.origin), r.patient.as_str(), r.date))
                            .collect(),
                    };
                    d.dated.extend(
                        rows.into_iter()
                            .filter(|(l, _, _)| !bad_lines.contains(l))
                            .map(|(row, patient, date)| DatedRecord {
                                file: name,
                                patient: patient.to_string(),
                                date,
                                row,
                            }),
                    );
                }
            }
            Some(e) => {
                d.dated.extend(dated_rows(name, text, p));
                refusals.push((name, e));
            }
        }
        input.done(name);
    }
    for (name, e) in refusals {
        p.error(tox_problem(name, &e));
    }
}

/// Reads `patients.csv` text alone, with the checks of [`load`] for this
/// table (see [`read_infusions`]).
pub fn read_patients(text: &str) -> Result<Vec<Patient>, Problems> {
    let mut p = Problems::default();
    let (out, _) = patients(text, &mut p, &mut BTreeSet::new());
    if p.errors.is_empty() { Ok(out) } else { Err(p) }
}

/// Reads `infusions.csv` text alone, with the checks of [`load`] for this
/// table (columns, ranges, the start's date, the infusion's duration, the
/// hot-lab record all or nothing and validated, the net activity computed,
/// by `mibg_dosimetry::administered`), but none across files. For a front
/// end that enters one infusion at a time (the web application's form): the
/// same rules as a study folder. `Err` holds every problem (nothing usable).
pub fn read_infusions(text: &str) -> Result<Vec<Infusion>, Problems> {
    let mut p = Problems::default();
    let out = infusions(text, &mut p, &mut BTreeSet::new());
    if p.errors.is_empty() { Ok(out) } else { Err(p) }
}

/// Reads `stem_cells.csv` text alone, with the checks of [`load`] for this
/// table (see [`read_infusions`]).
pub fn read_stem_cells(text: &str) -> Result<Vec<StemCellInfusion>, Problems> {
    let mut p = Problems::default();
    let out = stem_cells(text, &mut p, &mut BTreeSet::new());
    if p.errors.is_empty() { Ok(out) } else { Err(p) }
}

/// [`Table::parse`], remembering a file that cannot be used at all.
fn table<'a>(
    file: &'a str,
    text: &str,
    schema: &mibg_csv::Schema,
    p: &mut Problems,
    u: &mut BTreeSet<String>,
) -> Option<Table<'a>> {
    let t = Table::parse(file, text, schema, p);
    if t.is_none() {
        u.insert(file.to_string());
    }
    t
}

fn config_problem(text: &str, e: &toml::de::Error) -> Problem {
    let row = e
        .span()
        .map(|s| 1 + text[..s.start.min(text.len())].matches('\n').count() as u64);
    let kind = if e.message().contains("unknown field") || e.message().contains("unknown variant") {
        ProblemKind::NotAllowed
    } else {
        ProblemKind::Syntax
    };
    Problem {
        file: files::STUDY.to_string(),
        row,
        field: None,
        kind,
        message: cut(e.message().trim()),
    }
}

/// The longest message of the TOML parser kept, in characters.
const MAX_TOML_MESSAGE: usize = 300;

/// A TOML parser message cut to [`MAX_TOML_MESSAGE`] characters with its
/// length said: the parser names an unknown key whole, and a pasted key of
/// kilobytes made an unreadable problem (a fuzz finding).
fn cut(message: &str) -> String {
    let n = message.chars().count();
    if n <= MAX_TOML_MESSAGE {
        return message.to_string();
    }
    let head: String = message.chars().take(MAX_TOML_MESSAGE).collect();
    format!("{head}… ({n} characters)")
}

fn patients(
    text: &str,
    p: &mut Problems,
    u: &mut BTreeSet<String>,
) -> (Vec<Patient>, Vec<(String, u64)>) {
    let f = files::PATIENTS;
    let schema = schema(
        "patients table",
        Strictness::Clinical,
        &["patient", "sex", "weight_kg", "height_cm"],
        &["birth_date", "age_years", "centre", "enrolment_date"],
    );
    let Some(t) = table(f, text, &schema, p, u) else {
        return (Vec::new(), Vec::new());
    };
    let mut out = Vec::new();
    let mut ids = Vec::new();
    for r in t.rows() {
        let id = r.req_id("patient", p);
        if let Some(id) = &id {
            ids.push((id.clone(), r.line));
        }
        let sex = r.req_choice("sex", &[("F", Sex::F), ("M", Sex::M)], p);
        let birth = r.opt_date("birth_date", p);
        let age = r.opt_f64_in("age_years", limits::AGE_YEARS.0, limits::AGE_YEARS.1, p);
        if r.get("birth_date").is_none() && r.get("age_years").is_none() {
            p.error(Problem::at(
                f,
                r.line,
                Some("birth_date"),
                ProblemKind::MissingValue,
                "either birth_date or age_years is required",
            ));
        }
        if r.get("birth_date").is_some() && r.get("age_years").is_some() {
            p.error(Problem::at(
                f,
                r.line,
                Some("age_years"),
                ProblemKind::Inconsistent,
                "give birth_date or age_years, not both",
            ));
        }
        let w = r.req_f64_in("weight_kg", limits::WEIGHT_KG.0, limits::WEIGHT_KG.1, p);
        let h = r.req_f64_in("height_cm", limits::HEIGHT_CM.0, limits::HEIGHT_CM.1, p);
        let enrol = r.opt_date("enrolment_date", p);
        if let (Some(id), Some(sex), Some(w), Some(h)) = (id, sex, w, h) {
            out.push(Patient {
                id,
                sex,
                birth_date: birth,
                age_years: age,
                weight: Mass::from_kg(w),
                height: Length::from_cm(h),
                centre: r.get("centre").unwrap_or("").to_string(),
                enrolment_date: enrol,
                row: r.line,
            });
        }
    }
    (out, ids)
}

/// Largest accepted infusion duration, `end_time − start_time`: 24 h \[I\]
/// (131I-mIBG runs over 1–4 hours; a day more is a mistyped date).
pub const MAX_INFUSION_DURATION_H: f64 = 24.0;
/// Largest accepted disagreement between `activity_mbq` and the net activity
/// of the hot-lab columns on the same row: 1 % \[I\] (rounding of a value
/// copied from the hot-lab sheet; more means two different numbers).
pub const MAX_NET_DISAGREEMENT: f64 = 0.01;

/// The hot-lab columns of `infusions.csv` (all optional, given together).
const HOT_LAB_COLUMNS: [&str; 4] = ["assayed_mbq", "assay_time", "residual_mbq", "residual_time"];

fn infusions(text: &str, p: &mut Problems, u: &mut BTreeSet<String>) -> Vec<Infusion> {
    use mibg_dosimetry::administered::{
        AdministeredInput, Field, HotLabRecord, administered_activity,
    };
    let schema = schema(
        "infusions table",
        Strictness::Clinical,
        &["patient", "infusion", "date", "weight_kg"],
        &[
            "activity_mbq",
            "start_time",
            "end_time",
            "assayed_mbq",
            "assay_time",
            "residual_mbq",
            "residual_time",
        ],
    );
    let Some(t) = table(files::INFUSIONS, text, &schema, p, u) else {
        return Vec::new();
    };
    // `activity_mbq` is required unless the hot-lab columns are there.
    if !t.has_column("activity_mbq") && !t.has_column("assayed_mbq") {
        p.error(Problem::at(
            files::INFUSIONS,
            t.header_line(),
            Some("activity_mbq"),
            ProblemKind::MissingColumn,
            "required column 'activity_mbq' is missing (or give the hot-lab columns assayed_mbq, assay_time, residual_mbq, residual_time and start_time)",
        ));
        u.insert(files::INFUSIONS.to_string());
        return Vec::new();
    }
    let mut out = Vec::new();
    for r in t.rows() {
        let id = r.req_id("patient", p);
        let n = r.req_u32_in("infusion", 1, 9, p);
        let date = r.req_date("date", p);
        let given = r.opt_f64_in(
            "activity_mbq",
            limits::ACTIVITY_MBQ.0,
            limits::ACTIVITY_MBQ.1,
            p,
        );
        let w = r.req_f64_in("weight_kg", limits::WEIGHT_KG.0, limits::WEIGHT_KG.1, p);
        let start = r.opt_instant("start_time", p);
        let end = r.opt_instant("end_time", p);
        let mut ok = true;
        // The start's calendar date (in its own offset) is the row's date.
        if let (Some(d), Some((_, sd))) = (date, start)
            && d != sd
        {
            p.error(r.problem(
                "start_time",
                ProblemKind::Chronology,
                format!("the infusion starts on {sd} but the row's date is {d}"),
            ));
            ok = false;
        }
        if let (Some((s0, _)), Some((e0, _))) = (start, end) {
            let h = (e0.as_second() - s0.as_second()) as f64 / 3600.0;
            if h < 0.0 {
                p.error(r.problem(
                    "end_time",
                    ProblemKind::Chronology,
                    format!("the infusion ends {:.2} h before it starts ({s0})", -h),
                ));
                ok = false;
            } else if h > MAX_INFUSION_DURATION_H {
                p.error(r.problem(
                    "end_time",
                    ProblemKind::NotAllowed,
                    format!(
                        "the infusion lasts {h:.1} h (start {s0}); more than {MAX_INFUSION_DURATION_H} h is taken as a mistyped date [I]"
                    ),
                ));
                ok = false;
            }
        }
        // The hot-lab record: all of its columns or none.
        let present: Vec<&str> = HOT_LAB_COLUMNS
            .iter()
            .copied()
            .filter(|c| r.get(c).is_some())
            .collect();
        let mut hot_lab = None;
        if !present.is_empty() {
            let missing: Vec<&str> = HOT_LAB_COLUMNS
                .iter()
                .copied()
                .chain(std::iter::once("start_time"))
                .filter(|c| r.get(c).is_none())
                .collect();
            if let Some(first) = missing.first() {
                p.error(r.problem(
                    first,
                    ProblemKind::MissingValue,
                    format!(
                        "the hot-lab record needs {} together (given: {}; missing: {})",
                        "assayed_mbq, assay_time, residual_mbq, residual_time and start_time",
                        present.join(", "),
                        missing.join(", ")
                    ),
                ));
                ok = false;
            } else {
                let a = r.opt_f64_in(
                    "assayed_mbq",
                    limits::ACTIVITY_MBQ.0,
                    limits::ACTIVITY_MBQ.1,
                    p,
                );
                let res = r.opt_f64_in("residual_mbq", 0.0, limits::ACTIVITY_MBQ.1, p);
                let at = r.opt_instant("assay_time", p);
                let rt = r.opt_instant("residual_time", p);
                if let (Some(a), Some(res), Some((at, _)), Some((rt, _)), Some((st, _))) =
                    (a, res, at, rt, start)
                {
                    hot_lab = Some(HotLabRecord {
                        assayed: Activity::from_mbq(a),
                        assay_time: at,
                        infusion_start: st,
                        residual: Activity::from_mbq(res),
                        residual_time: rt,
                    });
                } else {
                    ok = false;
                }
            }
        } else if given.is_none() && r.get("activity_mbq").is_none() {
            p.error(r.problem(
                "activity_mbq",
                ProblemKind::MissingValue,
                "value is required (or the hot-lab columns assayed_mbq, assay_time, residual_mbq, residual_time with start_time)".into(),
            ));
        }
        // The net activity: the one rule, which also validates the record.
        let activity = match hot_lab {
            Some(h) => match administered_activity(&AdministeredInput::HotLab(h)) {
                Ok(adm) => {
                    if let Some(g) = given
                        && (g / adm.net.mbq() - 1.0).abs() > MAX_NET_DISAGREEMENT
                    {
                        p.error(r.problem(
                            "activity_mbq",
                            ProblemKind::NotAllowed,
                            format!(
                                "{g} MBq disagrees with the net administered activity {:.1} MBq of the hot-lab columns by more than {} % [I]; leave activity_mbq empty or correct it",
                                adm.net.mbq(),
                                100.0 * MAX_NET_DISAGREEMENT
                            ),
                        ));
                        None
                    } else {
                        Some(adm.net)
                    }
                }
                Err(e) => {
                    let col = match e.field {
                        Field::Assayed => "assayed_mbq",
                        Field::AssayTime => "assay_time",
                        Field::Residual => "residual_mbq",
                        Field::ResidualTime => "residual_time",
                        Field::InfusionStart => "start_time",
                        _ => "activity_mbq",
                    };
                    p.error(r.problem(col, ProblemKind::NotAllowed, e.rule));
                    None
                }
            },
            None => given.map(Activity::from_mbq),
        };
        if let (Some(patient), Some(number), Some(date), Some(activity), Some(w), true) =
            (id, n, date, activity, w, ok)
        {
            out.push(Infusion {
                patient,
                number,
                date,
                activity,
                hot_lab,
                start: start.map(|s| s.0),
                end: end.map(|e| e.0),
                weight: Mass::from_kg(w),
                row: r.line,
            });
        }
    }
    out
}

fn readings(
    text: &str,
    infusions: &[Infusion],
    p: &mut Problems,
    u: &mut BTreeSet<String>,
) -> Vec<Reading> {
    let schema = schema(
        "readings table",
        Strictness::Clinical,
        &["patient", "infusion", "reading"],
        &["hours", "time", "background"],
    );
    let Some(t) = table(files::READINGS, text, &schema, p, u) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for r in t.rows() {
        let id = r.req_id("patient", p);
        let n = r.req_u32_in("infusion", 1, 9, p);
        let v = r.req_f64_in("reading", 0.0, f64::MAX, p);
        let b = r.opt_f64_in("background", 0.0, f64::MAX, p);
        // Exactly one of `hours` (since the end of the infusion) and `time`
        // (a clock time, converted with the infusion's `end_time`).
        let (h, time) = match (r.get("hours"), r.get("time")) {
            (Some(_), Some(_)) => {
                p.error(r.problem(
                    "time",
                    ProblemKind::NotAllowed,
                    "both hours and time are given: ambiguous; give one of them".into(),
                ));
                (None, None)
            }
            (None, None) => {
                p.error(r.problem(
                    "hours",
                    ProblemKind::MissingValue,
                    "value is required (hours since the end of the infusion, or a clock time in the time column)".into(),
                ));
                (None, None)
            }
            (Some(_), None) => (
                r.req_f64_in("hours", limits::HOURS.0, limits::HOURS.1, p),
                None,
            ),
            (None, Some(_)) => match (r.opt_instant("time", p), &id, n) {
                (Some((ts, _)), Some(patient), Some(number)) => {
                    let inf = infusions
                        .iter()
                        .find(|i| &i.patient == patient && i.number == number);
                    match inf.map(|i| (i.end, i.row)) {
                        // An unknown infusion is reported by the cross-references.
                        None => (None, None),
                        Some((None, row)) => {
                            p.error(r.problem(
                                "time",
                                ProblemKind::UnknownReference,
                                format!(
                                    "a clock time needs the end of infusion {number} of patient '{patient}' (end_time in {} line {row}), t = 0 of the readings",
                                    files::INFUSIONS
                                ),
                            ));
                            (None, None)
                        }
                        Some((Some(end), _)) => {
                            let h = (ts.as_nanosecond() - end.as_nanosecond()) as f64 / 3.6e12;
                            if h < 0.0 {
                                p.error(r.problem(
                                    "time",
                                    ProblemKind::Chronology,
                                    format!(
                                        "{ts} is {:.2} h before the end of infusion {number} ({end})",
                                        -h
                                    ),
                                ));
                                (None, None)
                            } else if h > limits::HOURS.1 {
                                p.error(r.problem(
                                    "time",
                                    ProblemKind::NotAllowed,
                                    format!(
                                        "{ts} is {h:.1} h after the end of infusion {number}, outside the allowed range {}–{} h",
                                        limits::HOURS.0,
                                        limits::HOURS.1
                                    ),
                                ));
                                (None, None)
                            } else {
                                (Some(h), Some(ts))
                            }
                        }
                    }
                }
                _ => (None, None),
            },
        };
        if let (Some(patient), Some(infusion), Some(h), Some(v)) = (id, n, h, v) {
            out.push(Reading {
                patient,
                infusion,
                hours: Hours::new(h),
                time,
                reading: v,
                background: b,
                row: r.line,
            });
        }
    }
    out
}

fn stem_cells(text: &str, p: &mut Problems, u: &mut BTreeSet<String>) -> Vec<StemCellInfusion> {
    let schema = schema(
        "stem-cell table",
        Strictness::Clinical,
        &["patient", "date"],
        &["cd34_e6_per_kg"],
    );
    let Some(t) = table(files::STEM_CELLS, text, &schema, p, u) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for r in t.rows() {
        let id = r.req_id("patient", p);
        let date = r.req_date("date", p);
        let cd34 = r.opt_f64_in("cd34_e6_per_kg", limits::CD34.0, limits::CD34.1, p);
        if let (Some(patient), Some(date)) = (id, date) {
            out.push(StemCellInfusion {
                patient,
                date,
                cd34_e6_per_kg: cd34,
                row: r.line,
            });
        }
    }
    out
}

fn thyroid(text: &str, p: &mut Problems, u: &mut BTreeSet<String>) -> Vec<ThyroidAssessment> {
    let schema = schema(
        "thyroid table",
        Strictness::Clinical,
        &["patient", "date"],
        &["tsh_mu_per_l", "ft4_pmol_per_l"],
    );
    let Some(t) = table(files::THYROID, text, &schema, p, u) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for r in t.rows() {
        let id = r.req_id("patient", p);
        let date = r.req_date("date", p);
        let (tlo, thi) = limits::TSH_MU_PER_L;
        let tsh = r.opt_f64_in("tsh_mu_per_l", tlo, thi, p);
        let (flo, fhi) = limits::FT4_PMOL_PER_L;
        let ft4 = r.opt_f64_in("ft4_pmol_per_l", flo, fhi, p);
        if let (Some(patient), Some(date)) = (id, date) {
            out.push(ThyroidAssessment {
                patient,
                date,
                tsh_mu_per_l: tsh,
                ft4_pmol_per_l: ft4,
                row: r.line,
            });
        }
    }
    out
}

fn therapies(text: &str, p: &mut Problems, u: &mut BTreeSet<String>) -> Vec<Therapy> {
    let schema = schema(
        "therapies table",
        Strictness::Informational,
        &["patient", "therapy", "start_date"],
        &[],
    );
    let Some(t) = table(files::THERAPIES, text, &schema, p, u) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for r in t.rows() {
        let id = r.req_id("patient", p);
        let therapy = r.req_str("therapy", p).and_then(|s| {
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                Some(s)
            } else {
                p.error(Problem::at(
                    files::THERAPIES,
                    r.line,
                    Some("therapy"),
                    ProblemKind::BadValue,
                    format!(
                        "{} is not a therapy code (lower-case letters, digits, '_')",
                        mibg_csv::excerpt(&s)
                    ),
                ));
                None
            }
        });
        let date = r.req_date("start_date", p);
        if let (Some(patient), Some(therapy), Some(start_date)) = (id, therapy, date) {
            out.push(Therapy {
                patient,
                therapy,
                start_date,
                row: r.line,
            });
        }
    }
    out
}

fn overrides(text: &str, p: &mut Problems, u: &mut BTreeSet<String>) -> Vec<Override> {
    let schema = schema(
        "overrides table",
        Strictness::Clinical,
        &["patient", "check", "accepted_by"],
        &["reason"],
    );
    let Some(t) = table(files::OVERRIDES, text, &schema, p, u) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for r in t.rows() {
        let id = r.req_id("patient", p);
        let check = r.req_str("check", p);
        let by = r.req_str("accepted_by", p);
        if let (Some(patient), Some(check), Some(accepted_by)) = (id, check, by) {
            out.push(Override {
                patient,
                check,
                accepted_by,
                reason: r.get("reason").unwrap_or("").to_string(),
                row: r.line,
            });
        }
    }
    out
}

fn followup(text: &str, p: &mut Problems, u: &mut BTreeSet<String>) -> Vec<FollowUpEvent> {
    let f = files::FOLLOWUP;
    let schema = schema(
        "follow-up table",
        Strictness::Clinical,
        &["patient", "event", "date"],
        &["cause"],
    );
    let Some(t) = table(f, text, &schema, p, u) else {
        return Vec::new();
    };
    let causes = [
        ("disease", DeathCause::Disease),
        ("toxicity", DeathCause::Toxicity),
        ("other", DeathCause::Other),
        ("unknown", DeathCause::Unknown),
    ];
    let mut out = Vec::new();
    for r in t.rows() {
        let id = r.req_id("patient", p);
        let event = r.req_choice("event", &EventType::ALL, p);
        let date = r.req_date("date", p);
        let cause = r.opt_choice("cause", &causes, p);
        if cause.is_some() && event.is_some_and(|e| e != EventType::Death) {
            p.error(Problem::at(
                f,
                r.line,
                Some("cause"),
                ProblemKind::Inconsistent,
                "a cause is recorded only for a death",
            ));
        }
        if let (Some(patient), Some(event), Some(date)) = (id, event, date) {
            out.push(FollowUpEvent {
                patient,
                event,
                date,
                cause,
                row: r.line,
            });
        }
    }
    out
}

/// The patient and date of every row of a toxicity table. The full format
/// (tests, units, grades, the header and layout rules) is the toxicity
/// crate's, whose parser reports any problem of the file's layout with its
/// line; here only the two columns the study cross-checks are read, so
/// layout problems are not reported a second time.
fn dated_rows(file: &'static str, text: &str, p: &mut Problems) -> Vec<DatedRecord> {
    let mut layout = Problems::default();
    let schema = schema(file, Strictness::Selection, &["patient", "date"], &[]);
    let Some(t) = Table::parse(file, text, &schema, &mut layout) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for r in t.rows() {
        let id = r.req_id("patient", p);
        let date = r.req_date("date", p);
        if let (Some(patient), Some(date)) = (id, date) {
            out.push(DatedRecord {
                file,
                patient,
                date,
                row: r.line,
            });
        }
    }
    out
}
