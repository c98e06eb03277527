//! Follow-up of a patient entered in the registry (docs/reference/registry.md §2: the
//! last state of the course workflow): progression, relapse, second
//! malignancy, death (with its cause) and the last contact, each a row of
//! the study folder's `followup.csv`.
//!
//! The store holds no rule here either. An entry is checked by the study
//! folder's own validation, [`mibg_study::validate()`], on the patient's
//! folder rebuilt from the database ([`Store::patient_folder`]) with the
//! entry as one more `followup.csv` row: the row's format (event, date,
//! a cause only for a death), at most one death and one last contact,
//! nothing dated after the death or after the last contact, nothing before
//! the first infusion, no death before an infusion, nothing after the
//! study's data cut-off. Only the problems the entry brings are returned
//! (the folder is validated with and without it), so that what the
//! registry accepts is what a study folder accepts, and a folder exported
//! afterwards validates as before. The survival times are computed from
//! these rows by `mibg_clinic::cohort::patient::survival_time` when the
//! study report runs on the database (`mibg study report --db`), exactly as
//! from a folder.
//!
//! Follow-up is written with the right `Write(Area::Outcome)` (physicians:
//! "everything clinical", docs/reference/registry.md §1); every write goes through the audited
//! record API (a change and a deletion name the version and a reason).

use crate::Store;
use crate::clinical::{Entry, EntryProblem};
use crate::error::StoreError;
use crate::records::{DeathCause, FollowUp, FollowUpEvent, Stored};
use crate::scope::{Area, Permission, Scope};
use mibg_study::load::files;
use mibg_study::{Problem, StudyInput};
use std::collections::BTreeSet;

/// A follow-up event as typed in a form or sent to the API (the cells of
/// one `followup.csv` row).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FollowUpEntry {
    /// `progression`, `relapse`, `second_malignancy`, `death` or
    /// `last_contact`.
    pub event: String,
    /// Date, YYYY-MM-DD.
    pub date: String,
    /// For a death: `disease`, `toxicity`, `other` or `unknown` (may be
    /// empty; the folder's rule).
    pub cause: String,
    /// Free text (may be empty).
    pub notes: String,
}

impl FollowUpEntry {
    /// The entry of a stored event (the edit form's values).
    pub fn of(r: &FollowUp) -> FollowUpEntry {
        FollowUpEntry {
            event: r.event.as_str().to_string(),
            date: r.date.to_string(),
            cause: r.cause.map(|c| c.as_str().to_string()).unwrap_or_default(),
            notes: r.notes.clone().unwrap_or_default(),
        }
    }
}

const HEADER: [&str; 5] = ["patient", "event", "date", "cause", "notes"];

fn stored_row(study_id: &str, e: &FollowUp) -> Vec<String> {
    let f = FollowUpEntry::of(e);
    vec![study_id.to_string(), f.event, f.date, f.cause, f.notes]
}

fn table_csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// One row entered in a table of the patient's folder, to check by the
/// study folder's validation.
pub(crate) struct RowInFolder<'a> {
    /// The table (`followup.csv`, `therapies.csv`, `stem_cells.csv`,
    /// `transfusions.csv`).
    pub file: &'static str,
    /// Its header, as the export writes it.
    pub header: &'a [&'a str],
    /// The patient's stored rows of the table, without the one the entry
    /// replaces.
    pub stored: Vec<Vec<String>>,
    /// The entry's row.
    pub entry: Vec<String>,
    /// The field a problem of the entry's row without a field is given to.
    pub first_field: &'static str,
    /// The entry's date field (a stored record it conflicts with is
    /// answered on it).
    pub date_field: &'static str,
    /// Whether the study's data cut-off bounds the entry. Outcomes
    /// (follow-up, later therapies) are data of the analysis: not after
    /// the cut-off. Treatment records (stem-cell returns, transfusions)
    /// are entered while the patient is treated, as infusions are, also
    /// after a cut-off that the next analysis moves: the folder is
    /// checked without it (every other rule holds).
    pub cutoff: bool,
}

/// What the folder's validation made of an entry.
pub(crate) struct FolderCheck {
    /// The problems the entry brings (none: it may be saved).
    pub problems: Vec<EntryProblem>,
    /// The folder as validated with the entry.
    pub data: mibg_study::load::StudyData,
    /// The entry's line in its table.
    pub line: u64,
}

/// A problem's identity, to tell the problems an entry brings from those
/// the folder had without it.
fn key(p: &Problem) -> (String, Option<u64>, Option<String>, String) {
    (p.file.clone(), p.row, p.field.clone(), p.message.clone())
}

/// The folder's message without the lines of the rebuilt tables, which
/// the user never saw (", followup.csv line 4)" → ")").
fn without_lines(message: &str) -> String {
    let mut out = message.to_string();
    for file in [
        files::FOLLOWUP,
        files::THERAPIES,
        files::STEM_CELLS,
        files::TRANSFUSIONS,
    ] {
        out = without_lines_of(&out, file);
    }
    out
}

fn without_lines_of(message: &str, file: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    let at = format!(", {file} line ");
    while let Some(i) = rest.find(&at) {
        out.push_str(&rest[..i]);
        let tail = &rest[i + at.len()..];
        let digits = tail.chars().take_while(char::is_ascii_digit).count();
        rest = &tail[digits..];
    }
    // "already has a death in line 2": the stored one.
    if let Some(i) = rest.rfind(" in line ")
        && rest[i + 9..].chars().all(|c| c.is_ascii_digit())
        && rest.len() > i + 9
    {
        rest = &rest[..i];
    }
    out.push_str(rest);
    out
}

/// The folder without the study's data cut-off (`data_cutoff` of the
/// `[study]` table of `study.toml` left out; the rest as it was). A
/// `study.toml` that does not read stays as it is.
fn without_cutoff(folder: &mut StudyInput) {
    let Some(text) = folder.files.get(files::STUDY) else {
        return;
    };
    let Ok(mut t) = text.parse::<toml::Table>() else {
        return;
    };
    let Some(toml::Value::Table(study)) = t.get_mut("study") else {
        return;
    };
    if study.remove("data_cutoff").is_some() {
        folder.insert(files::STUDY, t.to_string());
    }
}

/// What a stored table is called on a page.
fn table_name(file: &str) -> String {
    match file {
        f if f == files::FOLLOWUP => "another follow-up event".into(),
        f if f == files::INFUSIONS => "an infusion".into(),
        f if f == files::LABS => "a laboratory value".into(),
        f if f == files::EVENTS => "an adverse event".into(),
        f if f == files::TRANSFUSIONS => "a transfusion".into(),
        f if f == files::STEM_CELLS => "a stem-cell return".into(),
        f if f == files::THERAPIES => "a later therapy".into(),
        f if f == files::THYROID => "a thyroid assessment".into(),
        f => format!("a record of {f}"),
    }
}

impl Store {
    /// The study folder of one patient of the scope, pseudonymised, rebuilt
    /// from the database as the export writes it (the folder an entry is
    /// checked in); without study settings in the registry it has no
    /// `study.toml` (no data cut-off then).
    pub async fn patient_folder(
        &self,
        scope: &Scope,
        patient_id: i64,
    ) -> Result<StudyInput, StoreError> {
        scope.require(Permission::ReadClinical)?;
        let mut tx = self.pool.begin_read().await?;
        let result = crate::folder::rebuild_patient(&mut tx, scope, patient_id).await;
        tx.rollback().await?;
        result
    }

    /// The follow-up events of a course's patient, by date (then as
    /// entered).
    pub async fn follow_up(
        &self,
        scope: &Scope,
        course_id: i64,
    ) -> Result<Vec<Stored<FollowUp>>, StoreError> {
        let course = self.live_course(scope, course_id).await?;
        let mut v = self.list::<FollowUp>(scope, course.patient_id).await?;
        v.sort_by_key(|e| (e.record.date, e.id));
        Ok(v)
    }

    /// Checks one row entered in a table of the patient's folder by the
    /// study folder's own validation, [`mibg_study::validate()`]: the
    /// folder rebuilt from the database with the stored rows and the entry
    /// as the table's last row. Only the problems the entry brings are
    /// returned (the folder is validated with and without it), by field:
    /// the entry's own, or a stored record it puts in conflict (on the
    /// entry's date). One rule for follow-up events, later therapies,
    /// stem-cell returns and transfusions.
    pub(crate) async fn check_row_in_folder(
        &self,
        scope: &Scope,
        patient_id: i64,
        row: RowInFolder<'_>,
    ) -> Result<FolderCheck, StoreError> {
        let mut folder = self.patient_folder(scope, patient_id).await?;
        if !row.cutoff {
            without_cutoff(&mut folder);
        }
        folder.insert(row.file, table_csv(row.header, &row.stored));
        let before: BTreeSet<_> = mibg_study::validate(&folder)
            .problems
            .errors
            .iter()
            .map(key)
            .collect();
        let mut rows = row.stored;
        rows.push(row.entry);
        // Line 1 is the header: the entry is the last line.
        let line = rows.len() as u64 + 1;
        folder.insert(row.file, table_csv(row.header, &rows));
        let after = mibg_study::validate(&folder);
        let problems: Vec<EntryProblem> = after
            .problems
            .errors
            .iter()
            .filter(|p| !before.contains(&key(p)))
            .map(|p| {
                if p.file == row.file && p.row == Some(line) {
                    EntryProblem {
                        line: None,
                        field: p.field.clone().or_else(|| Some(row.first_field.into())),
                        message: without_lines(&p.message),
                    }
                } else {
                    // A stored record that the entry puts in conflict
                    // (a laboratory value after the death entered, …): the
                    // entry's date is what the user can change.
                    EntryProblem {
                        line: None,
                        field: Some(row.date_field.into()),
                        message: format!(
                            "{} conflicts with this entry: {}",
                            table_name(&p.file),
                            without_lines(&p.message)
                        ),
                    }
                }
            })
            .collect();
        Ok(FolderCheck {
            problems,
            data: after.data,
            line,
        })
    }

    /// Checks an entry in the patient's folder by the study folder's
    /// validation (module documentation), in place of the stored event
    /// `replacing` when it changes one: the record to save, or every
    /// problem the entry brings, by field.
    async fn check_follow_up(
        &self,
        scope: &Scope,
        patient_id: i64,
        replacing: Option<i64>,
        entry: &FollowUpEntry,
    ) -> Result<(Entry<FollowUp>, Vec<(i64, i64)>), StoreError> {
        let sid = self.study_id_of(scope, patient_id).await?;
        let listed = self.list::<FollowUp>(scope, patient_id).await?;
        let seen = crate::records::read_versions(&listed);
        let checked = |r: Entry<FollowUp>| (r, seen.clone());
        let stored: Vec<Vec<String>> = listed
            .iter()
            .filter(|e| Some(e.id) != replacing)
            .map(|e| stored_row(&sid, &e.record))
            .collect();
        let check = self
            .check_row_in_folder(
                scope,
                patient_id,
                RowInFolder {
                    file: files::FOLLOWUP,
                    header: &HEADER,
                    stored,
                    entry: vec![
                        sid,
                        entry.event.trim().to_string(),
                        entry.date.trim().to_string(),
                        entry.cause.trim().to_string(),
                        entry.notes.trim().to_string(),
                    ],
                    first_field: "event",
                    date_field: "date",
                    cutoff: true,
                },
            )
            .await?;
        let (problems, line) = (check.problems, check.line);
        if !problems.is_empty() {
            return Ok(checked(Err(problems)));
        }
        let Some(e) = check.data.followup.iter().find(|e| e.row == line) else {
            return Ok(checked(Err(vec![EntryProblem {
                line: None,
                field: Some("event".into()),
                message: "no follow-up event in the entry".into(),
            }])));
        };
        let event = FollowUpEvent::parse(e.event.as_str())
            .ok_or_else(|| StoreError::Corrupt(format!("event {}", e.event.as_str())))?;
        let cause = match e.cause {
            None => None,
            Some(c) => {
                let code = serde_json::to_value(c)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                Some(
                    DeathCause::parse(&code)
                        .ok_or_else(|| StoreError::Corrupt(format!("cause {code}")))?,
                )
            }
        };
        let notes = entry.notes.trim();
        Ok(checked(Ok(FollowUp {
            event,
            date: e.date,
            cause,
            notes: (!notes.is_empty()).then(|| notes.to_string()),
        })))
    }

    /// Records a follow-up event of a course's patient, checked by the
    /// study folder's validation (module documentation); every problem by
    /// field, nothing saved.
    pub async fn record_follow_up(
        &self,
        scope: &Scope,
        course_id: i64,
        entry: &FollowUpEntry,
    ) -> Result<Entry<Stored<FollowUp>>, StoreError> {
        scope.require(Permission::Write(Area::Outcome))?;
        let course = self.live_course(scope, course_id).await?;
        for _ in 0..CHECK_ATTEMPTS {
            let (checked, seen) = self
                .check_follow_up(scope, course.patient_id, None, entry)
                .await?;
            let r = match checked {
                Ok(r) => r,
                Err(p) => return Ok(Err(p)),
            };
            // Written only if the patient's follow-up is still what it was
            // checked against (two deaths entered at once: the second is
            // checked again, against the first, and refused).
            if let Some(saved) = self
                .create_guarded(scope, course.patient_id, &r, Some(&seen))
                .await?
            {
                return Ok(Ok(saved));
            }
        }
        Err(busy())
    }

    /// Changes a follow-up event of a course's patient: checked again in
    /// place of the stored one, then saved as a new version if `version`
    /// is still the current one (else [`StoreError::Conflict`] with the
    /// current values). A reason is required; every changed field is
    /// audited old → new.
    pub async fn update_follow_up(
        &self,
        scope: &Scope,
        course_id: i64,
        id: i64,
        version: i64,
        entry: &FollowUpEntry,
        reason: &str,
    ) -> Result<Entry<Stored<FollowUp>>, StoreError> {
        scope.require(Permission::Write(Area::Outcome))?;
        let current = self.course_record::<FollowUp>(scope, course_id, id).await?;
        if current.version != version {
            // Refused before the check: the entry was based on values that
            // changed (the store's version rule, with the current values).
            return Ok(Ok(self
                .update(scope, id, version, &current.record, reason)
                .await?));
        }
        for _ in 0..CHECK_ATTEMPTS {
            let (checked, seen) = self
                .check_follow_up(scope, current.patient_id, Some(id), entry)
                .await?;
            let r = match checked {
                Ok(r) => r,
                Err(p) => return Ok(Err(p)),
            };
            // As in record_follow_up: written only against what was checked
            // (a change of this event itself is the version rule's 409).
            if let Some(saved) = self
                .update_guarded(scope, id, version, &r, reason, Some(&seen))
                .await?
            {
                return Ok(Ok(saved));
            }
        }
        Err(busy())
    }

    /// Flags a follow-up event of a course's patient deleted (the row and
    /// its history stay; a reason is required; the version must be
    /// current). Removing an event cannot break a rule of the folder: the
    /// course then shows the outcome as missing again when it was the
    /// death or the last contact.
    pub async fn delete_follow_up(
        &self,
        scope: &Scope,
        course_id: i64,
        id: i64,
        version: i64,
        reason: &str,
    ) -> Result<Stored<FollowUp>, StoreError> {
        scope.require(Permission::Write(Area::Outcome))?;
        self.course_record::<FollowUp>(scope, course_id, id).await?;
        self.delete::<FollowUp>(scope, id, version, reason).await
    }
}

/// How many times an entry is checked again when other writers keep
/// changing the patient's follow-up between its check and its write.
const CHECK_ATTEMPTS: usize = 3;

fn busy() -> StoreError {
    StoreError::Refused(vec![
        "the patient's follow-up kept changing while this entry was checked: nothing was saved; try again".into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each stored table by the name a page gives it; a table without one
    /// (here the readings and the patients) by its file name.
    #[test]
    fn each_stored_table_has_its_name_on_a_page() {
        for (file, name) in [
            (files::FOLLOWUP, "another follow-up event"),
            (files::INFUSIONS, "an infusion"),
            (files::LABS, "a laboratory value"),
            (files::EVENTS, "an adverse event"),
            (files::TRANSFUSIONS, "a transfusion"),
            (files::STEM_CELLS, "a stem-cell return"),
            (files::THERAPIES, "a later therapy"),
            (files::THYROID, "a thyroid assessment"),
            ("readings.csv", "a record of readings.csv"),
            ("patients.csv", "a record of patients.csv"),
        ] {
            assert_eq!(table_name(file), name, "{file}");
        }
    }

    #[test]
    fn the_rebuilt_lines_are_left_out_of_messages() {
        assert_eq!(
            without_lines(
                "record dated 2024-05-02 is after the death (2024-05-01, followup.csv line 3)"
            ),
            "record dated 2024-05-02 is after the death (2024-05-01)"
        );
        assert_eq!(
            without_lines("patient 'P1' already has a death in line 2"),
            "patient 'P1' already has a death"
        );
    }

    #[test]
    fn the_folder_without_its_cutoff_keeps_the_rest_of_study_toml() {
        let mut folder = StudyInput::default();
        folder.insert(
            files::STUDY,
            "[study]\ntitle = \"T\"\ndata_cutoff = \"2024-10-31\"\n\n[analysis]\nconf_level = 0.95\n",
        );
        without_cutoff(&mut folder);
        let t: toml::Table = folder.files[files::STUDY].parse().unwrap();
        assert_eq!(t["study"].get("data_cutoff"), None);
        assert_eq!(t["study"]["title"].as_str(), Some("T"));
        assert_eq!(t["analysis"]["conf_level"].as_float(), Some(0.95));
        // Without a cut-off, or without study.toml: unchanged.
        let before = folder.clone();
        without_cutoff(&mut folder);
        assert_eq!(folder.files, before.files);
        let mut empty = StudyInput::default();
        without_cutoff(&mut empty);
        assert!(empty.files.is_empty());
    }

    #[test]
    fn only_a_line_number_is_left_out() {
        // " in line N" goes only when N is a number (the folder's
        // "already has … in line N"); text without one stays whole.
        assert_eq!(
            without_lines("a note written in line "),
            "a note written in line "
        );
        assert_eq!(
            without_lines("a note written in line two"),
            "a note written in line two"
        );
        assert_eq!(without_lines("a death in line 12"), "a death");
        assert_eq!(
            without_lines("dated 2024-05-02 (2024-05-01, followup.csv line 17), then more"),
            "dated 2024-05-02 (2024-05-01), then more"
        );
    }
}
