//! Later therapies of a patient entered in the registry (the study
//! folder's `therapies.csv`: a therapy code, its start date and notes),
//! which the study report counts as the proportions proceeding to each
//! subsequent therapy.
//!
//! The store holds no rule here either: an entry is checked as a
//! follow-up event is ([`crate::followup`]), by the study folder's own
//! validation, [`mibg_study::validate()`], on the patient's folder rebuilt
//! from the database with the entry as one more `therapies.csv` row — the
//! code's form (lower-case letters, digits, `_`), the start date, nothing
//! before the first infusion, nothing after the death or the last contact
//! or the data cut-off. Only the problems the entry brings are returned.
//!
//! Later therapies are written with the right `Write(Area::Outcome)`
//! (physicians, as follow-up: docs/reference/registry.md §1); every write
//! goes through the audited record API (a change and a deletion name the
//! version and a reason).

use crate::Store;
use crate::clinical::{Entry, EntryProblem};
use crate::error::StoreError;
use crate::followup::RowInFolder;
use crate::records::{Stored, Therapy};
use crate::scope::{Area, Permission, Scope};
use mibg_study::load::files;

/// A later therapy as typed in a form or sent to the API (the cells of
/// one `therapies.csv` row).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TherapyEntry {
    /// Therapy code, lower-case letters, digits and `_` (`gd2_car_t`,
    /// `busulfan_melphalan`, …).
    pub therapy: String,
    /// Start date, YYYY-MM-DD.
    pub start_date: String,
    /// Free text (may be empty).
    pub notes: String,
}

impl TherapyEntry {
    /// The entry of a stored therapy (the edit form's values).
    pub fn of(r: &Therapy) -> TherapyEntry {
        TherapyEntry {
            therapy: r.therapy.clone(),
            start_date: r.start_date.to_string(),
            notes: r.notes.clone().unwrap_or_default(),
        }
    }
}

/// `therapies.csv` as the export writes it.
const HEADER: [&str; 4] = ["patient", "therapy", "start_date", "notes"];

fn stored_row(study_id: &str, t: &Therapy) -> Vec<String> {
    let e = TherapyEntry::of(t);
    vec![study_id.to_string(), e.therapy, e.start_date, e.notes]
}

/// How many times an entry is checked again when other writers keep
/// changing the patient's therapies between its check and its write.
const CHECK_ATTEMPTS: usize = 3;

fn busy() -> StoreError {
    StoreError::Refused(vec![
        "the patient's later therapies kept changing while this entry was checked: nothing was saved; try again".into(),
    ])
}

impl Store {
    /// The later therapies of a course's patient, by start date (then as
    /// entered).
    pub async fn later_therapies(
        &self,
        scope: &Scope,
        course_id: i64,
    ) -> Result<Vec<Stored<Therapy>>, StoreError> {
        let course = self.live_course(scope, course_id).await?;
        let mut v = self.list::<Therapy>(scope, course.patient_id).await?;
        v.sort_by_key(|t| (t.record.start_date, t.id));
        Ok(v)
    }

    /// Checks an entry in the patient's folder (module documentation), in
    /// place of the stored therapy `replacing` when it changes one: the
    /// record to save, or every problem the entry brings, by field; with
    /// the (id, version) of the patient's therapies it was checked against.
    async fn check_therapy(
        &self,
        scope: &Scope,
        patient_id: i64,
        replacing: Option<i64>,
        entry: &TherapyEntry,
    ) -> Result<(Entry<Therapy>, Vec<(i64, i64)>), StoreError> {
        let sid = self.study_id_of(scope, patient_id).await?;
        let listed = self.list::<Therapy>(scope, patient_id).await?;
        let seen = crate::records::read_versions(&listed);
        let stored: Vec<Vec<String>> = listed
            .iter()
            .filter(|t| !t.deleted && Some(t.id) != replacing)
            .map(|t| stored_row(&sid, &t.record))
            .collect();
        let notes = entry.notes.trim();
        let check = self
            .check_row_in_folder(
                scope,
                patient_id,
                RowInFolder {
                    file: files::THERAPIES,
                    header: &HEADER,
                    stored,
                    entry: vec![
                        sid,
                        entry.therapy.trim().to_string(),
                        entry.start_date.trim().to_string(),
                        notes.to_string(),
                    ],
                    first_field: "therapy",
                    date_field: "start_date",
                    cutoff: true,
                },
            )
            .await?;
        if !check.problems.is_empty() {
            return Ok((Err(check.problems), seen));
        }
        let Some(t) = check.data.therapies.iter().find(|t| t.row == check.line) else {
            return Ok((
                Err(vec![EntryProblem {
                    line: None,
                    field: Some("therapy".into()),
                    message: "no therapy in the entry".into(),
                }]),
                seen,
            ));
        };
        Ok((
            Ok(Therapy {
                therapy: t.therapy.clone(),
                start_date: t.start_date,
                notes: (!notes.is_empty()).then(|| notes.to_string()),
            }),
            seen,
        ))
    }

    /// Records a later therapy of a course's patient, checked by the study
    /// folder's validation (module documentation); every problem by field,
    /// nothing saved; the creation is audited.
    pub async fn record_therapy(
        &self,
        scope: &Scope,
        course_id: i64,
        entry: &TherapyEntry,
    ) -> Result<Entry<Stored<Therapy>>, StoreError> {
        scope.require(Permission::Write(Area::Outcome))?;
        let course = self.live_course(scope, course_id).await?;
        for _ in 0..CHECK_ATTEMPTS {
            let (checked, seen) = self
                .check_therapy(scope, course.patient_id, None, entry)
                .await?;
            let r = match checked {
                Ok(r) => r,
                Err(p) => return Ok(Err(p)),
            };
            // Written only if the patient's therapies are still what the
            // entry was checked against.
            if let Some(saved) = self
                .create_guarded(scope, course.patient_id, &r, Some(&seen))
                .await?
            {
                return Ok(Ok(saved));
            }
        }
        Err(busy())
    }

    /// Changes a later therapy of a course's patient: checked again in
    /// place of the stored one, then saved as a new version if `version`
    /// is still the current one (else [`StoreError::Conflict`] with the
    /// current values). A reason is required; every changed field is
    /// audited old → new.
    pub async fn update_therapy(
        &self,
        scope: &Scope,
        course_id: i64,
        id: i64,
        version: i64,
        entry: &TherapyEntry,
        reason: &str,
    ) -> Result<Entry<Stored<Therapy>>, StoreError> {
        scope.require(Permission::Write(Area::Outcome))?;
        let current = self.course_record::<Therapy>(scope, course_id, id).await?;
        if current.version != version {
            // Refused before the check (the version rule, with the current
            // values).
            return Ok(Ok(self
                .update(scope, id, version, &current.record, reason)
                .await?));
        }
        for _ in 0..CHECK_ATTEMPTS {
            let (checked, seen) = self
                .check_therapy(scope, current.patient_id, Some(id), entry)
                .await?;
            let r = match checked {
                Ok(r) => r,
                Err(p) => return Ok(Err(p)),
            };
            if let Some(saved) = self
                .update_guarded(scope, id, version, &r, reason, Some(&seen))
                .await?
            {
                return Ok(Ok(saved));
            }
        }
        Err(busy())
    }

    /// Flags a later therapy of a course's patient deleted (the row and its
    /// history stay; a reason is required; the version must be current).
    pub async fn delete_therapy(
        &self,
        scope: &Scope,
        course_id: i64,
        id: i64,
        version: i64,
        reason: &str,
    ) -> Result<Stored<Therapy>, StoreError> {
        scope.require(Permission::Write(Area::Outcome))?;
        self.course_record::<Therapy>(scope, course_id, id).await?;
        self.delete::<Therapy>(scope, id, version, reason).await
    }
}
