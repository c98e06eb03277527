//! The study folder as the registry's interchange format (docs/reference/registry.md §6):
//! import a folder into the database (all or nothing, after the study
//! crate's own validation) and rebuild the folder from the database — the
//! export, and the input of `mibg study report --db`, which then runs the
//! very report function that a folder gets.
//!
//! Import keeps every field of the folder: numbers as numbers, laboratory
//! values as the decimal text written (exact), dates as dates, notes, and
//! each response assessment as its JSON object. A pseudonymised rebuild
//! writes no identifying data: the date of birth becomes the age in years
//! at the first infusion (days / 365.25, as the report computes it, so the
//! report is the same); an identified rebuild writes the date of birth.

use crate::Store;
use crate::audit::{Event, Writer, action, canonical_row, row_hash};
use crate::db::{Ty, Value};
use crate::error::StoreError;
use crate::records::{check_values, next_id};
use crate::schema::{TableDef, sha256_hex, table};
use crate::scope::{Centres, Permission, Scope};
use mibg_study::StudyInput;
use mibg_study::load::files;
use std::collections::{BTreeMap, HashMap};

/// Checks a study identifier (patient, centre code): letters, digits,
/// `_`, `-`, `.` — the folder format's rule (README, "the study folder
/// format").
pub fn check_identifier(s: &str) -> Result<(), String> {
    if !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        Ok(())
    } else {
        Err(format!(
            "'{s}' is not an identifier (1–64 letters, digits, '_', '-', '.')"
        ))
    }
}

/// How to import a folder.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// What to call the folder in the audit trail (its path).
    pub label: String,
    /// IANA time zone of centres named in `patients.csv` that the registry
    /// does not have yet (they are created); without it, unknown centres
    /// are an error.
    pub time_zone: Option<String>,
    /// Centre code for patients whose `centre` cell is empty.
    pub default_centre: Option<String>,
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ImportSummary {
    /// Rows written per table.
    pub rows: Vec<(&'static str, usize)>,
    /// Centres created.
    pub centres_created: Vec<String>,
    /// The study validation's warnings (the data were imported).
    pub warnings: Vec<String>,
}

/// What an import keeps of the validated study.
struct Needed {
    title: String,
    protocol_file: Option<String>,
    /// (id, centre, row) of each patient.
    patients: Vec<(String, String, u64)>,
    /// (path, patient) of each assessment file.
    assessments: Vec<(String, String)>,
    /// (patient, number) → the validated infusion: its net activity (also
    /// when computed from the hot-lab record), start, end and hot-lab record.
    infusions: HashMap<(String, u32), mibg_study::model::Infusion>,
    /// (patient, row) → the clock time of a reading given as `time`, and
    /// its hours after the end of the infusion as the loader computed them.
    reading_times: HashMap<u64, (jiff::Timestamp, f64)>,
}

/// Rows per INSERT statement in bulk writes (SQLite accepts 32 766
/// parameters per statement, PostgreSQL 65 535).
const ROWS_PER_INSERT: usize = 400;

/// A table being written in bulk: ids assigned here, rows inserted in
/// multi-row statements, one creation audit record per row.
struct Bulk {
    t: &'static TableDef,
    next: i64,
    rows: Vec<Vec<Value>>,
    written: usize,
    reason: String,
}

impl Bulk {
    async fn new(w: &mut Writer, name: &str, reason: &str) -> Result<Bulk, StoreError> {
        let t = table(name);
        Ok(Bulk {
            t,
            next: next_id(&mut w.tx, name).await?,
            rows: Vec::new(),
            written: 0,
            reason: reason.to_string(),
        })
    }

    /// Queues a row whose first column (`id`) is filled in here; returns
    /// the id.
    async fn push(&mut self, w: &mut Writer, mut row: Vec<Value>) -> Result<i64, StoreError> {
        let id = self.next;
        self.next += 1;
        row.insert(0, Value::int(id));
        debug_assert_eq!(row.len(), self.t.columns.len(), "{}", self.t.name);
        check_values(self.t, &row)?;
        self.rows.push(row);
        if self.rows.len() >= ROWS_PER_INSERT {
            self.flush(w).await?;
        }
        Ok(id)
    }

    async fn flush(&mut self, w: &mut Writer) -> Result<(), StoreError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let n = self.t.columns.len();
        let mut params = Vec::with_capacity(self.rows.len() * n);
        let mut groups = Vec::with_capacity(self.rows.len());
        let rows = std::mem::take(&mut self.rows);
        for (i, r) in rows.iter().enumerate() {
            groups.push(format!("({})", crate::db::placeholders(i * n + 1, n)));
            params.extend(r.iter().cloned());
        }
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            self.t.name,
            self.t.select_list(),
            groups.join(", ")
        );
        w.tx.execute(&sql, &params)
            .await
            .map_err(|e| crate::records::map_write_error(self.t, e))?;
        for r in &rows {
            let (centre, patient) = crate::records::owner(self.t, r);
            w.record(Event {
                action: action::CREATE,
                entity: Some(self.t.name),
                entity_id: r[0].as_int(),
                centre_id: centre,
                patient_id: patient,
                new_value: Some(canonical_row(self.t, r)),
                reason: Some(self.reason.clone()),
                row_hash: Some(row_hash(self.t, r)),
                ..Event::default()
            })
            .await?;
        }
        self.written += rows.len();
        Ok(())
    }
}

/// A CSV table read by header name, for a folder the study crate has
/// already validated. It is read by the CSV rules of the validation
/// (`mibg-csv`: comments, blank lines and lines of empty cells skipped,
/// header names trimmed and matched ignoring case, cells trimmed), so that
/// every folder that validates imports the same records.
struct Csv<'a> {
    file: &'static str,
    reader: mibg_csv::TextReader<'a>,
    /// Normalised header name → cell position (the first of a name).
    index: HashMap<String, usize>,
    /// The current row's cells (buffers reused from row to row).
    record: Vec<String>,
    /// The first row was read with the header and not yet handed out.
    pending: bool,
    /// Physical line of the current row (the validation's row number).
    line: u64,
}

/// Copies a row's cells into reused buffers.
fn copy_cells(record: &mut Vec<String>, row: &mibg_csv::Row<'_>) {
    record.resize_with(row.len(), String::new);
    for (i, cell) in record.iter_mut().enumerate() {
        cell.clear();
        cell.push_str(row.cell(i));
    }
}

impl<'a> Csv<'a> {
    fn new(file: &'static str, text: &'a str) -> Result<Self, StoreError> {
        // The validation checked the columns; here every one is read.
        let schema = mibg_csv::Schema::new(file, mibg_csv::Strictness::Selection);
        let mut reader = mibg_csv::TextReader::new(file, text, &schema);
        let mut record = Vec::new();
        let mut line = 0;
        // The header is read with the first row.
        let pending = match reader.next_row() {
            None => false,
            Some(Ok(row)) => {
                copy_cells(&mut record, &row);
                line = row.line();
                true
            }
            Some(Err(e)) => return Err(unreadable(file, &e.to_string())),
        };
        let mut index = HashMap::new();
        if let Some(h) = reader.header() {
            for (i, cell) in h.cells().iter().enumerate() {
                index.entry(mibg_csv::normalize_name(cell)).or_insert(i);
            }
        }
        Ok(Csv {
            file,
            reader,
            index,
            record,
            pending,
            line,
        })
    }

    /// Physical line of the current row.
    fn line(&self) -> u64 {
        self.line
    }

    fn next(&mut self) -> Result<bool, StoreError> {
        if std::mem::take(&mut self.pending) {
            return Ok(true);
        }
        match self.reader.next_row() {
            None => Ok(false),
            Some(Ok(row)) => {
                copy_cells(&mut self.record, &row);
                self.line = row.line();
                Ok(true)
            }
            Some(Err(e)) => Err(unreadable(self.file, &e.to_string())),
        }
    }

    /// The trimmed cell of column `col` (a lower-case name), `None` if the
    /// header lacks it or the cell is empty.
    fn get(&self, col: &str) -> Option<&str> {
        self.index
            .get(col)
            .and_then(|i| self.record.get(*i))
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    fn req(&self, col: &str) -> Result<&str, StoreError> {
        self.get(col)
            .ok_or_else(|| unreadable(self.file, &format!("empty '{col}'")))
    }

    fn text(&self, col: &str) -> Value {
        Value::Text(self.get(col).map(str::to_string))
    }

    fn real(&self, col: &str) -> Result<Value, StoreError> {
        match self.get(col) {
            None => Ok(Value::Real(None)),
            Some(s) => s
                .parse::<f64>()
                .map(Value::real)
                .map_err(|_| unreadable(self.file, &format!("'{s}' in '{col}'"))),
        }
    }

    fn int(&self, col: &str) -> Result<Value, StoreError> {
        match self.get(col) {
            None => Ok(Value::Int(None)),
            Some(s) => s
                .parse::<i64>()
                .map(Value::int)
                .map_err(|_| unreadable(self.file, &format!("'{s}' in '{col}'"))),
        }
    }
}

fn unreadable(file: &str, what: &str) -> StoreError {
    StoreError::Refused(vec![format!(
        "{file}: cannot be imported ({what}), although the study validation accepted it"
    )])
}

/// A response assessment file as a JSON document (TOML is converted).
fn assessment_json(path: &str, text: &str) -> Result<serde_json::Value, StoreError> {
    let v = if path.ends_with(".json") {
        serde_json::from_str(text).map_err(|e| unreadable("assessments", &e.to_string()))?
    } else {
        let t: toml::Value =
            toml::from_str(text).map_err(|e| unreadable("assessments", &e.to_string()))?;
        toml_to_json(t)
    };
    Ok(v)
}

fn toml_to_json(v: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            J::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

/// Exact text of a float for a CSV cell: the shortest decimal that reads
/// back as the same number.
fn num(v: &Value) -> String {
    match v {
        Value::Real(Some(x)) => format!("{x}"),
        Value::Int(Some(x)) => x.to_string(),
        Value::Text(Some(s)) => s.clone(),
        _ => String::new(),
    }
}

impl Store {
    /// Imports a study folder: all or nothing. The folder is first validated
    /// by the study crate (`mibg study validate`); any error refuses the
    /// import with every problem listed, and nothing is written. Patients
    /// already in the registry, a different study, or centres that do not
    /// exist (without a time zone to create them) refuse it too.
    /// Operator only (a bulk entry of every kind of record).
    pub async fn import_study(
        &self,
        scope: &Scope,
        input: &StudyInput,
        opts: &ImportOptions,
    ) -> Result<ImportSummary, StoreError> {
        if scope.role().is_some() || *scope.centres() != Centres::All {
            return Err(StoreError::Forbidden(
                "importing a study folder is done on the database itself (`mibg db import`)".into(),
            ));
        }
        // The whole validation of `mibg study validate` (≡ `study report`):
        // a study that imports always reports.
        let v = mibg_clinic::cohort::validate(input);
        if !v.problems.is_ok() {
            return Err(StoreError::InvalidStudy(Box::new(v.problems)));
        }
        let warnings: Vec<String> = v.problems.warnings.iter().map(|w| w.to_string()).collect();
        // Keep what the import needs, not the whole validated study.
        let data = Needed {
            title: v.data.config.study.title.clone(),
            protocol_file: v.data.config.protocol.file.clone(),
            patients: v
                .data
                .patients
                .iter()
                .map(|p| (p.id.clone(), p.centre.clone(), p.row))
                .collect(),
            assessments: v
                .data
                .assessments
                .iter()
                .map(|(path, p)| (path.clone(), p.clone()))
                .collect(),
            infusions: v
                .data
                .infusions
                .iter()
                .map(|i| ((i.patient.clone(), i.number), i.clone()))
                .collect(),
            reading_times: v
                .data
                .readings
                .iter()
                .filter_map(|r| r.time.map(|t| (r.row, (t, r.hours.hours()))))
                .collect(),
        };
        let protocol = v.data.protocol.clone().ok_or_else(|| {
            StoreError::Refused(vec!["the study's protocol could not be read".into()])
        })?;
        drop(v);
        let config_text = input.files.get(files::STUDY).cloned().unwrap_or_default();
        let (protocol_path, protocol_text) = match &data.protocol_file {
            Some(f) => (
                Some(f.clone()),
                input.files.get(f).cloned().unwrap_or_default(),
            ),
            None => (None, mibg_protocol::SEED_TOML.to_string()),
        };
        let mut w = Writer::begin(self, scope.actor()).await?;
        let result = self
            .import_in(
                &mut w,
                input,
                opts,
                &data,
                &protocol,
                &config_text,
                protocol_path,
                &protocol_text,
            )
            .await;
        match result {
            Ok((rows, centres_created)) => {
                w.commit().await?;
                Ok(ImportSummary {
                    rows,
                    centres_created,
                    warnings,
                })
            }
            Err(e) => {
                w.rollback().await?;
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn import_in(
        &self,
        w: &mut Writer,
        input: &StudyInput,
        opts: &ImportOptions,
        data: &Needed,
        protocol: &mibg_protocol::Protocol,
        config_text: &str,
        protocol_path: Option<String>,
        protocol_text: &str,
    ) -> Result<(Vec<(&'static str, usize)>, Vec<String>), StoreError> {
        let reason = format!("imported from the study folder {}", opts.label);
        let mut refusals = Vec::new();
        // Centres.
        let existing: HashMap<String, i64> =
            w.tx.fetch(
                "SELECT code, id FROM centres WHERE deleted = 0",
                &[],
                &[Ty::Text, Ty::Int],
            )
            .await?
            .into_iter()
            .map(|r| {
                (
                    r[0].as_text().unwrap_or("").to_string(),
                    r[1].as_int().unwrap_or(0),
                )
            })
            .collect();
        let mut centre_of_patient = BTreeMap::new();
        let mut wanted: Vec<String> = Vec::new();
        for (pid_text, centre, row) in &data.patients {
            let code = if centre.is_empty() {
                match &opts.default_centre {
                    Some(c) => c.clone(),
                    None => {
                        refusals.push(format!(
                            "patients.csv line {row}, column 'centre': patient '{pid_text}' has no centre; name one with --centre"
                        ));
                        continue;
                    }
                }
            } else {
                centre.clone()
            };
            if let Err(m) = check_identifier(&code) {
                refusals.push(format!("patients.csv line {row}, column 'centre': {m}"));
                continue;
            }
            if !existing.contains_key(&code) && !wanted.contains(&code) {
                wanted.push(code.clone());
            }
            centre_of_patient.insert(pid_text.clone(), code);
        }
        wanted.sort();
        if !wanted.is_empty() {
            match &opts.time_zone {
                None => refusals.push(format!(
                    "centre(s) {} are not in the registry: create them (`mibg centre add`) or give --time-zone to create them with the import",
                    wanted.join(", ")
                )),
                Some(tz) => {
                    if let Err(e) = crate::auth::check_time_zone(tz) {
                        refusals.push(e.to_string());
                    }
                }
            }
        }
        // Patients already registered.
        let known: std::collections::HashSet<String> =
            w.tx.fetch("SELECT study_id FROM patients", &[], &[Ty::Text])
                .await?
                .into_iter()
                .filter_map(|r| r[0].as_text().map(str::to_string))
                .collect();
        for (id, _, row) in &data.patients {
            if known.contains(id) {
                refusals.push(format!(
                    "patients.csv line {row}, column 'patient': '{id}' is already in the registry"
                ));
            }
        }
        // The study settings.
        let study =
            w.tx.fetch_optional(
                "SELECT config_toml FROM study WHERE id = 1",
                &[],
                &[Ty::Text],
            )
            .await?;
        if let Some(s) = &study
            && s[0].as_text() != Some(config_text)
        {
            refusals.push(
                "study.toml: the registry already holds another study (its study.toml differs); import into a new database".into(),
            );
        }
        if !refusals.is_empty() {
            return Err(StoreError::Refused(refusals));
        }
        // Centres, protocol, study.
        let mut centre_ids = existing;
        let mut created = Vec::new();
        let mut bc = Bulk::new(w, "centres", &reason).await?;
        for code in &wanted {
            let id = bc
                .push(
                    w,
                    vec![
                        Value::text(code),
                        Value::text(code),
                        Value::text(opts.time_zone.clone().unwrap_or_default()),
                        Value::int(1),
                        Value::int(0),
                    ],
                )
                .await?;
            centre_ids.insert(code.clone(), id);
            created.push(code.clone());
        }
        bc.flush(w).await?;
        let sha = sha256_hex(protocol_text);
        let protocol_id = match w
            .tx
            .fetch_optional(
                "SELECT id FROM protocols WHERE sha256 = $1",
                &[Value::text(&sha)],
                &[Ty::Int],
            )
            .await?
        {
            Some(r) => r[0].as_int().unwrap_or(0),
            None => {
                let mut b = Bulk::new(w, "protocols", &reason).await?;
                let id = b
                    .push(
                        w,
                        vec![
                            Value::text(&protocol.info.name),
                            Value::text(&protocol.info.version),
                            Value::text(&protocol.info.source),
                            Value::Text(protocol_path),
                            Value::text(protocol_text),
                            Value::text(&sha),
                            Value::int(1),
                            Value::int(0),
                        ],
                    )
                    .await?;
                b.flush(w).await?;
                id
            }
        };
        if study.is_none() {
            let t = table("study");
            let row = vec![
                Value::int(1),
                Value::text(data.title.clone()),
                Value::text(config_text),
                Value::int(protocol_id),
                Value::int(1),
                Value::int(0),
            ];
            crate::records::insert_audited(w, t, row, Some(reason.clone())).await?;
        }
        // Patients, identities, courses.
        let mut counts: Vec<(&'static str, usize)> = Vec::new();
        let mut pid: HashMap<String, (i64, i64, i64)> = HashMap::new(); // id → (patient, centre, course)
        let (mut bp, mut bi, mut bco) = (
            Bulk::new(w, "patients", &reason).await?,
            Bulk::new(w, "patient_identity", &reason).await?,
            Bulk::new(w, "courses", &reason).await?,
        );
        let text = |name: &str| input.files.get(name).map(String::as_str);
        {
            let mut c = Csv::new(files::PATIENTS, text(files::PATIENTS).unwrap_or(""))?;
            while c.next()? {
                let id = c.req("patient")?.to_string();
                let centre = centre_ids[&centre_of_patient[&id]];
                let p = bp
                    .push(
                        w,
                        vec![
                            Value::int(centre),
                            Value::text(&id),
                            Value::text(c.req("sex")?),
                            c.real("age_years")?,
                            c.real("weight_kg")?,
                            c.real("height_cm")?,
                            c.text("enrolment_date"),
                            Value::int(1),
                            Value::int(0),
                        ],
                    )
                    .await?;
                // The patient row must exist before rows that refer to it.
                bp.flush(w).await?;
                if let Some(b) = c.get("birth_date") {
                    bi.push(
                        w,
                        vec![
                            Value::int(centre),
                            Value::int(p),
                            Value::Text(None),
                            Value::text(b),
                            Value::Text(None),
                            Value::int(1),
                            Value::int(0),
                        ],
                    )
                    .await?;
                }
                let course = bco
                    .push(
                        w,
                        vec![
                            Value::int(centre),
                            Value::int(p),
                            Value::int(1),
                            Value::int(protocol_id),
                            Value::text("imported"),
                            Value::int(1),
                            Value::int(0),
                        ],
                    )
                    .await?;
                pid.insert(id, (p, centre, course));
            }
        }
        for b in [&mut bp, &mut bi, &mut bco] {
            b.flush(w).await?;
            counts.push((b.t.name, b.written));
        }
        let who = |c: &Csv,
                   pid: &HashMap<String, (i64, i64, i64)>|
         -> Result<(i64, i64, i64), StoreError> {
            let id = c.req("patient")?;
            pid.get(id)
                .copied()
                .ok_or_else(|| unreadable(c.file, &format!("unknown patient '{id}'")))
        };
        // Infusions, then readings.
        let mut infusion_ids: HashMap<(i64, i64), i64> = HashMap::new();
        let mut b = Bulk::new(w, "infusions", &reason).await?;
        {
            let mut c = Csv::new(files::INFUSIONS, text(files::INFUSIONS).unwrap_or(""))?;
            while c.next()? {
                let (p, centre, course) = who(&c, &pid)?;
                let n = c.int("infusion")?;
                let number = u32::try_from(n.as_int().unwrap_or(0)).unwrap_or(0);
                let inf = data
                    .infusions
                    .get(&(c.req("patient")?.to_string(), number))
                    .ok_or_else(|| {
                        unreadable(files::INFUSIONS, &format!("no validated infusion {number}"))
                    })?;
                let instant =
                    |t: Option<jiff::Timestamp>| Value::Text(t.map(crate::audit::format_instant));
                let hot = inf.hot_lab.as_ref();
                let id = b
                    .push(
                        w,
                        vec![
                            Value::int(centre),
                            Value::int(p),
                            Value::int(course),
                            n.clone(),
                            c.text("date"),
                            // The net activity: as given, or computed from
                            // the hot-lab record by the loader (the one rule).
                            Value::real(inf.activity.mbq()),
                            c.real("weight_kg")?,
                            Value::Real(None),
                            instant(inf.start),
                            instant(inf.end),
                            Value::int(1),
                            Value::int(0),
                            Value::Real(hot.map(|h| h.assayed.mbq())),
                            instant(hot.map(|h| h.assay_time)),
                            Value::Real(hot.map(|h| h.residual.mbq())),
                            instant(hot.map(|h| h.residual_time)),
                        ],
                    )
                    .await?;
                infusion_ids.insert((p, n.as_int().unwrap_or(0)), id);
            }
        }
        b.flush(w).await?;
        counts.push((b.t.name, b.written));
        if let Some(t) = text(files::READINGS) {
            let mut b = Bulk::new(w, "readings", &reason).await?;
            let mut c = Csv::new(files::READINGS, t)?;
            while c.next()? {
                let (p, centre, _) = who(&c, &pid)?;
                let n = c.int("infusion")?.as_int().unwrap_or(0);
                let inf = *infusion_ids
                    .get(&(p, n))
                    .ok_or_else(|| unreadable(files::READINGS, &format!("no infusion {n}")))?;
                // A clock time is kept (measured_at) with the hours the
                // loader computed from it (the report's t).
                let (hours, at) = match data.reading_times.get(&c.line()) {
                    Some((t, h)) => (
                        Value::real(*h),
                        Value::text(crate::audit::format_instant(*t)),
                    ),
                    None => (c.real("hours")?, Value::Text(None)),
                };
                b.push(
                    w,
                    vec![
                        Value::int(centre),
                        Value::int(p),
                        Value::int(inf),
                        hours,
                        c.real("reading")?,
                        c.real("background")?,
                        at,
                        Value::int(1),
                        Value::int(0),
                    ],
                )
                .await?;
            }
            b.flush(w).await?;
            counts.push((b.t.name, b.written));
        }
        // Per-patient tables keyed by patient only.
        type Fill = fn(&Csv, i64) -> Result<Vec<Value>, StoreError>;
        let simple: [(&'static str, &'static str, Fill); 7] = [
            (files::STEM_CELLS, "stem_cells", |c, course| {
                Ok(vec![
                    Value::int(course),
                    c.text("date"),
                    c.real("cd34_e6_per_kg")?,
                ])
            }),
            (files::THERAPIES, "therapies", |c, _| {
                Ok(vec![
                    c.text("therapy"),
                    c.text("start_date"),
                    c.text("notes"),
                ])
            }),
            (files::FOLLOWUP, "followup", |c, _| {
                Ok(vec![
                    c.text("event"),
                    c.text("date"),
                    c.text("cause"),
                    c.text("notes"),
                ])
            }),
            (files::LABS, "labs", |c, _| {
                let flag = c.get("baseline").unwrap_or("").to_ascii_lowercase();
                Ok(vec![
                    c.text("date"),
                    c.text("test"),
                    c.text("value"),
                    c.text("unit"),
                    c.text("lln"),
                    c.text("uln"),
                    Value::int(i64::from(matches!(
                        flag.as_str(),
                        "yes" | "true" | "1" | "y"
                    ))),
                ])
            }),
            (files::EVENTS, "adverse_events", |c, _| {
                Ok(vec![
                    c.text("date"),
                    c.text("term"),
                    c.int("grade")?,
                    c.text("ctcae_version"),
                ])
            }),
            (files::TRANSFUSIONS, "transfusions", |c, _| {
                Ok(vec![c.text("date"), c.text("product")])
            }),
            (files::THYROID, "thyroid_assessments", |c, _| {
                Ok(vec![
                    c.text("date"),
                    c.real("tsh_mu_per_l")?,
                    c.real("ft4_pmol_per_l")?,
                    c.text("notes"),
                ])
            }),
        ];
        for (file, name, fill) in simple {
            let Some(t) = text(file) else {
                continue;
            };
            let mut b = Bulk::new(w, name, &reason).await?;
            let mut c = Csv::new(file, t)?;
            while c.next()? {
                let (p, centre, course) = who(&c, &pid)?;
                let mut row = vec![Value::int(centre), Value::int(p)];
                row.extend(fill(&c, course)?);
                row.extend([Value::int(1), Value::int(0)]);
                b.push(w, row).await?;
            }
            b.flush(w).await?;
            counts.push((b.t.name, b.written));
        }
        // Response assessments: one row per time point.
        let mut b = Bulk::new(w, "assessments", &reason).await?;
        for (path, patient) in &data.assessments {
            let body = input.files.get(path).map(String::as_str).unwrap_or("");
            let doc = assessment_json(path, body)?;
            let (p, centre, _) = *pid.get(patient).ok_or_else(|| {
                unreadable("assessments", &format!("unknown patient '{patient}'"))
            })?;
            let mut points = Vec::new();
            if let Some(base) = doc.get("baseline") {
                points.push(("baseline", base.clone()));
            }
            if let Some(serde_json::Value::Array(fu)) = doc.get("follow_up") {
                points.extend(fu.iter().map(|f| ("follow_up", f.clone())));
            }
            for (kind, content) in points {
                let date = content
                    .get("date")
                    .and_then(|d| d.as_str())
                    .ok_or_else(|| {
                        unreadable(
                            "assessments",
                            &format!("{path}: an assessment without a date"),
                        )
                    })?
                    .to_string();
                b.push(
                    w,
                    vec![
                        Value::int(centre),
                        Value::int(p),
                        Value::text(kind),
                        Value::text(date),
                        Value::text(content.to_string()),
                        Value::int(1),
                        Value::int(0),
                    ],
                )
                .await?;
            }
        }
        b.flush(w).await?;
        counts.push((b.t.name, b.written));
        w.record(Event {
            action: action::IMPORT,
            new_value: Some(
                serde_json::json!({
                    "folder": opts.label,
                    "rows": counts.iter().map(|(t, n)| (t.to_string(), *n)).collect::<BTreeMap<_, _>>(),
                    "centres_created": created,
                })
                .to_string(),
            ),
            reason: Some(reason),
            ..Event::default()
        })
        .await?;
        Ok((counts, created))
    }

    /// Rebuilds the study folder of the scope's patients from the database
    /// (in memory): pseudonymised (no identifying data; the age at the first
    /// infusion instead of the date of birth), or with identifiers when
    /// `identified` (the right to read identifiers is needed). Not audited
    /// (a read); [`Store::export_study`] is the audited export.
    pub async fn study_folder(
        &self,
        scope: &Scope,
        identified: bool,
    ) -> Result<StudyInput, StoreError> {
        scope.require(Permission::ReadClinical)?;
        if identified {
            scope.require(Permission::ReadIdentifiers)?;
        }
        let mut tx = self.pool.begin_read().await?;
        let result = rebuild(&mut tx, scope, identified, None).await;
        tx.rollback().await?;
        result
    }

    /// The audited export of the study folder: pseudonymised with the right
    /// to export, identified only with the separate right to export
    /// identifying data (docs/reference/registry.md §5). The export itself is an audit
    /// record (who, when, which centres, how many patients).
    pub async fn export_study(
        &self,
        scope: &Scope,
        identified: bool,
        destination: &str,
    ) -> Result<StudyInput, StoreError> {
        scope.require(if identified {
            Permission::ExportIdentified
        } else {
            Permission::Export
        })?;
        let folder = self.study_folder_for_export(scope, identified).await?;
        let patients = folder.files.get(files::PATIENTS).map_or(0, |t| {
            t.lines()
                .filter(|l| !l.starts_with('#'))
                .count()
                .saturating_sub(1)
        });
        let mut w = Writer::begin(self, scope.actor()).await?;
        w.record(Event {
            action: if identified {
                action::EXPORT_IDENTIFIED
            } else {
                action::EXPORT
            },
            new_value: Some(
                serde_json::json!({
                    "destination": destination,
                    "patients": patients,
                    "centres": scope.centres(),
                    "identified": identified,
                })
                .to_string(),
            ),
            ..Event::default()
        })
        .await?;
        w.commit().await?;
        Ok(folder)
    }

    async fn study_folder_for_export(
        &self,
        scope: &Scope,
        identified: bool,
    ) -> Result<StudyInput, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let result = rebuild(&mut tx, scope, identified, None).await;
        tx.rollback().await?;
        result
    }
}

const HEADER_COMMENT: &str = "# exported from the mibg registry";

struct CsvOut {
    w: csv::Writer<Vec<u8>>,
}

impl CsvOut {
    fn new(header: &[&str], identified: bool) -> Self {
        let mut buf = Vec::new();
        buf.extend_from_slice(HEADER_COMMENT.as_bytes());
        buf.extend_from_slice(if identified {
            b" (with identifying data)\n"
        } else {
            b" (pseudonymised)\n"
        });
        let mut w = csv::WriterBuilder::new().from_writer(buf);
        let _ = w.write_record(header);
        CsvOut { w }
    }
    fn row(&mut self, cells: &[String]) {
        let _ = self.w.write_record(cells);
    }
    fn finish(self) -> String {
        String::from_utf8(self.w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

/// Every non-deleted row of a clinical table within the scope (and of one
/// patient when `only` names one), by id.
async fn rows_of(
    tx: &mut crate::db::Tx,
    scope: &Scope,
    name: &str,
    only: Option<i64>,
) -> Result<Vec<Vec<Value>>, StoreError> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = page_of(tx, scope, name, after, only).await?;
        let Some(last) = page.last() else { break };
        after = last[0].as_int().unwrap_or(i64::MAX);
        all.extend(page);
    }
    Ok(all)
}

/// Rows read per query when a table is rebuilt (bounds the memory).
const PAGE: i64 = 20_000;

/// The condition that keeps one patient's rows (`only`), or none.
fn patient_condition(name: &str, only: Option<i64>, params: &mut Vec<Value>) -> String {
    let Some(p) = only else {
        return String::new();
    };
    params.push(Value::int(p));
    let column = if name == "patients" {
        "id"
    } else {
        "patient_id"
    };
    format!(" AND {column} = ${}", params.len())
}

/// One page of non-deleted rows with ids after `after`, within the scope
/// (and of one patient when `only` names one).
async fn page_of(
    tx: &mut crate::db::Tx,
    scope: &Scope,
    name: &str,
    after: i64,
    only: Option<i64>,
) -> Result<Vec<Vec<Value>>, StoreError> {
    let t = table(name);
    let mut params = vec![Value::int(after)];
    let mut cond = scope.centre_condition("centre_id", &mut params);
    cond += &patient_condition(name, only, &mut params);
    tx.fetch(
        &format!(
            "SELECT {} FROM {} WHERE id > $1 AND deleted = 0 AND {cond} ORDER BY id LIMIT {PAGE}",
            t.select_list(),
            t.name
        ),
        &params,
        &t.types(),
    )
    .await
}

fn col(t: &TableDef, row: &[Value], name: &str) -> Value {
    t.columns
        .iter()
        .position(|c| c.name == name)
        .map(|i| row[i].clone())
        .unwrap_or(Value::Text(None))
}

/// The study folder of one patient of the scope, pseudonymised
/// ([`Store::patient_folder`]).
pub(crate) async fn rebuild_patient(
    tx: &mut crate::db::Tx,
    scope: &Scope,
    patient_id: i64,
) -> Result<StudyInput, StoreError> {
    rebuild(tx, scope, false, Some(patient_id)).await
}

/// The study folder of the scope's patients, or of one patient (`only`:
/// the folder a single entry is checked in, [`Store::patient_folder`];
/// without study settings in the registry it has no `study.toml`).
async fn rebuild(
    tx: &mut crate::db::Tx,
    scope: &Scope,
    identified: bool,
    only: Option<i64>,
) -> Result<StudyInput, StoreError> {
    let mut out = StudyInput::default();
    let study = tx
        .fetch_optional(
            "SELECT s.config_toml, p.path, p.text FROM study s JOIN protocols p ON p.id = s.protocol_id WHERE s.id = 1",
            &[],
            &[Ty::Text, Ty::Text, Ty::Text],
        )
        .await?;
    match study {
        Some(study) => {
            out.insert(files::STUDY, study[0].as_text().unwrap_or(""));
            if let (Some(path), Some(text)) = (study[1].as_text(), study[2].as_text()) {
                out.insert(path, text);
            }
        }
        None if only.is_some() => {}
        None => {
            return Err(StoreError::Refused(vec![
                "the registry holds no study settings (study.toml): import a study folder first"
                    .into(),
            ]));
        }
    }
    let centre_rows = tx
        .fetch(
            "SELECT id, code, time_zone FROM centres",
            &[],
            &[Ty::Int, Ty::Text, Ty::Text],
        )
        .await?;
    let centres: HashMap<i64, String> = centre_rows
        .iter()
        .map(|r| {
            (
                r[0].as_int().unwrap_or(0),
                r[1].as_text().unwrap_or("").to_string(),
            )
        })
        .collect();
    // Instants are written in the centre's time zone, so that the date of
    // an infusion's start in its own offset is the infusion's date again
    // (the folder's rule); UTC where the zone is unknown.
    let zones: HashMap<i64, jiff::tz::TimeZone> = centre_rows
        .iter()
        .filter_map(|r| {
            Some((
                r[0].as_int()?,
                jiff::tz::TimeZone::get(r[2].as_text()?).ok()?,
            ))
        })
        .collect();
    let local = |centre: Option<i64>, v: &Value| -> String {
        let Some(t) = v.as_text().and_then(|s| s.parse::<jiff::Timestamp>().ok()) else {
            return String::new();
        };
        match centre.and_then(|c| zones.get(&c)) {
            Some(z) => t
                .to_zoned(z.clone())
                .strftime("%Y-%m-%dT%H:%M:%S%.f%:z")
                .to_string(),
            None => crate::audit::format_instant(t),
        }
    };
    let pt = table("patients");
    let patients = rows_of(tx, scope, "patients", only).await?;
    let study_id: HashMap<i64, String> = patients
        .iter()
        .map(|r| {
            (
                r[0].as_int().unwrap_or(0),
                col(pt, r, "study_id").as_text().unwrap_or("").to_string(),
            )
        })
        .collect();
    let sid = |row: &[Value], t: &TableDef| -> Option<String> {
        col(t, row, "patient_id")
            .as_int()
            .and_then(|p| study_id.get(&p).cloned())
    };
    // Infusions (needed for ages and reading keys).
    let it = table("infusions");
    let infusions = rows_of(tx, scope, "infusions", only).await?;
    let mut first_infusion: HashMap<i64, jiff::civil::Date> = HashMap::new();
    let mut infusion_number: HashMap<i64, i64> = HashMap::new();
    for r in &infusions {
        let p = col(it, r, "patient_id").as_int().unwrap_or(0);
        let n = col(it, r, "number").as_int().unwrap_or(0);
        infusion_number.insert(r[0].as_int().unwrap_or(0), n);
        if n == 1
            && let Some(d) = col(it, r, "date").as_text().and_then(|d| d.parse().ok())
        {
            first_infusion.insert(p, d);
        }
    }
    let idt = table("patient_identity");
    let births: HashMap<i64, String> = rows_of(tx, scope, "patient_identity", only)
        .await?
        .iter()
        .filter_map(|r| {
            Some((
                col(idt, r, "patient_id").as_int()?,
                col(idt, r, "birth_date").as_text()?.to_string(),
            ))
        })
        .collect();
    let mut c = CsvOut::new(
        &[
            "patient",
            "sex",
            "birth_date",
            "age_years",
            "weight_kg",
            "height_cm",
            "centre",
            "enrolment_date",
        ],
        identified,
    );
    for r in &patients {
        let id = r[0].as_int().unwrap_or(0);
        let mut age = col(pt, r, "age_years");
        let mut birth = String::new();
        if let Some(b) = births.get(&id) {
            if identified {
                birth = b.clone();
            } else if let (Ok(bd), Some(f)) =
                (b.parse::<jiff::civil::Date>(), first_infusion.get(&id))
            {
                age = Value::real(
                    mibg_study::days_between(bd, *f) as f64 / mibg_study::config::DAYS_PER_YEAR,
                );
            }
        }
        c.row(&[
            study_id[&id].clone(),
            num(&col(pt, r, "sex")),
            birth,
            num(&age),
            num(&col(pt, r, "weight_kg")),
            num(&col(pt, r, "height_cm")),
            centres
                .get(&col(pt, r, "centre_id").as_int().unwrap_or(0))
                .cloned()
                .unwrap_or_default(),
            num(&col(pt, r, "enrolment_date")),
        ]);
    }
    out.insert(files::PATIENTS, c.finish());
    // The clock times and the hot-lab record (schema version 2) are written
    // when any infusion has them; a folder without them comes back as it was.
    const TIMED: [&str; 6] = [
        "start_at",
        "end_at",
        "assayed_mbq",
        "assay_at",
        "residual_mbq",
        "residual_at",
    ];
    let timed = infusions
        .iter()
        .any(|r| TIMED.iter().any(|k| !col(it, r, k).is_null()));
    let mut header = vec!["patient", "infusion", "date", "activity_mbq", "weight_kg"];
    if timed {
        header.extend([
            "start_time",
            "end_time",
            "assayed_mbq",
            "assay_time",
            "residual_mbq",
            "residual_time",
        ]);
    }
    let mut c = CsvOut::new(&header, identified);
    for r in &infusions {
        let centre = col(it, r, "centre_id").as_int();
        let mut cells = vec![
            sid(r, it).unwrap_or_default(),
            num(&col(it, r, "number")),
            num(&col(it, r, "date")),
            num(&col(it, r, "activity_mbq")),
            num(&col(it, r, "weight_kg")),
        ];
        if timed {
            for k in TIMED {
                let v = col(it, r, k);
                cells.push(if k.ends_with("_at") {
                    local(centre, &v)
                } else {
                    num(&v)
                });
            }
            // With the hot-lab record the net activity is the record's:
            // written empty, as the folder gives it (the loader computes it
            // by the one rule again).
            if !col(it, r, "assayed_mbq").is_null() {
                cells[3] = String::new();
            }
        }
        c.row(&cells);
    }
    out.insert(files::INFUSIONS, c.finish());
    // Readings with a clock time (measured_at) are written with `time` and
    // without `hours` (the loader computes them from the infusion's end).
    let mut params = Vec::new();
    let mut cond = scope.centre_condition("centre_id", &mut params);
    cond += &patient_condition("readings", only, &mut params);
    let clocked = tx
        .fetch(
            &format!(
                "SELECT COUNT(*) FROM readings WHERE measured_at IS NOT NULL AND deleted = 0 AND {cond}"
            ),
            &params,
            &[Ty::Int],
        )
        .await?[0][0]
        .as_int()
        .unwrap_or(0)
        > 0;
    let reading_cols: &[&str] = if clocked {
        &["infusion", "hours", "time", "reading", "background"]
    } else {
        &["infusion", "hours", "reading", "background"]
    };
    // The other tables: (file, table, header, columns written after `patient`).
    let plan: [(&str, &str, &[&str]); 8] = [
        (files::READINGS, "readings", reading_cols),
        (files::STEM_CELLS, "stem_cells", &["date", "cd34_e6_per_kg"]),
        (
            files::THERAPIES,
            "therapies",
            &["therapy", "start_date", "notes"],
        ),
        (
            files::FOLLOWUP,
            "followup",
            &["event", "date", "cause", "notes"],
        ),
        (
            files::LABS,
            "labs",
            &["date", "test", "value", "unit", "lln", "uln", "baseline"],
        ),
        (
            files::EVENTS,
            "adverse_events",
            &["date", "term", "grade", "ctcae_version"],
        ),
        (files::TRANSFUSIONS, "transfusions", &["date", "product"]),
        (
            files::THYROID,
            "thyroid_assessments",
            &["date", "tsh_mu_per_l", "ft4_pmol_per_l", "notes"],
        ),
    ];
    for (file, name, cols) in plan {
        let t = table(name);
        let mut header = vec!["patient"];
        header.extend_from_slice(cols);
        let mut c = CsvOut::new(&header, identified);
        let mut after = 0;
        let mut any = false;
        loop {
            let rows = page_of(tx, scope, name, after, only).await?;
            let Some(last) = rows.last() else { break };
            after = last[0].as_int().unwrap_or(i64::MAX);
            any = true;
            for r in &rows {
                let mut cells = vec![sid(r, t).unwrap_or_default()];
                for k in cols {
                    cells.push(match *k {
                        "infusion" => infusion_number
                            .get(&col(t, r, "infusion_id").as_int().unwrap_or(0))
                            .map(|n| n.to_string())
                            .unwrap_or_default(),
                        "baseline" => {
                            if col(t, r, "baseline").as_int() == Some(1) {
                                "yes".into()
                            } else {
                                String::new()
                            }
                        }
                        "hours" if !col(t, r, "measured_at").is_null() => String::new(),
                        "time" => local(col(t, r, "centre_id").as_int(), &col(t, r, "measured_at")),
                        k => num(&col(t, r, k)),
                    });
                }
                c.row(&cells);
            }
        }
        if any || file == files::FOLLOWUP {
            out.insert(file, c.finish());
        }
    }
    // Assessments: one JSON file per patient.
    let at = table("assessments");
    type FollowUps = Vec<(String, i64, serde_json::Value)>;
    let mut by_patient: BTreeMap<String, (Option<serde_json::Value>, FollowUps)> = BTreeMap::new();
    for r in rows_of(tx, scope, "assessments", only).await? {
        let Some(p) = sid(&r, at) else { continue };
        let content: serde_json::Value = col(at, &r, "content")
            .as_text()
            .and_then(|s| serde_json::from_str(s).ok())
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "assessments {}: content",
                    r[0].as_int().unwrap_or(0)
                ))
            })?;
        let e = by_patient.entry(p).or_default();
        if col(at, &r, "kind").as_text() == Some("baseline") {
            e.0 = Some(content);
        } else {
            e.1.push((
                col(at, &r, "date").as_text().unwrap_or("").to_string(),
                r[0].as_int().unwrap_or(0),
                content,
            ));
        }
    }
    for (p, (baseline, mut fus)) in by_patient {
        fus.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let mut doc = serde_json::Map::new();
        doc.insert("patient".into(), serde_json::Value::String(p.clone()));
        if let Some(b) = baseline {
            doc.insert("baseline".into(), b);
        }
        if !fus.is_empty() {
            doc.insert(
                "follow_up".into(),
                serde_json::Value::Array(fus.into_iter().map(|f| f.2).collect()),
            );
        }
        out.insert(
            format!("{}/{p}.json", files::ASSESSMENTS_DIR),
            serde_json::to_string_pretty(&serde_json::Value::Object(doc)).unwrap_or_default()
                + "\n",
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_the_folder_rule() {
        assert!(check_identifier("SYN-01").is_ok());
        assert!(check_identifier("C01.7_a").is_ok());
        assert!(check_identifier("").is_err());
        assert!(check_identifier("a b").is_err());
        assert!(check_identifier("x'; DROP TABLE").is_err());
    }

    #[test]
    fn numbers_are_written_exactly() {
        for x in [14.5, 301.59, 0.1 + 0.2, 2.4996577686516086, 0.0, 1e-7] {
            let s = num(&Value::real(x));
            assert_eq!(s.parse::<f64>().unwrap().to_bits(), x.to_bits(), "{s}");
        }
        assert_eq!(num(&Value::Text(None)), "");
        assert_eq!(num(&Value::int(3)), "3");
    }

    #[test]
    fn toml_assessments_become_json() {
        let j = assessment_json(
            "assessments/P.toml",
            "patient = \"P\"\n[baseline]\ndate = \"2020-01-02\"\nx = 1.5\n",
        )
        .unwrap();
        assert_eq!(j["baseline"]["date"], "2020-01-02");
        assert_eq!(j["baseline"]["x"], 1.5);
    }
}
