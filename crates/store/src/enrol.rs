//! The acts that start and carry a course in the registry (docs/reference/registry.md §2,
//! docs/reference/registry.md §5): a patient enrolled with their identifying data apart, a course
//! planned and its infusion-1 prescription authored, an infusion recorded
//! as given from the hot-lab record, stem-cell returns and transfusions.
//!
//! The store holds no rule here either: the plan is
//! [`mibg_clinic::plan::plan_course`] (the function of `mibg plan`); an
//! infusion, a stem-cell return and a transfusion are checked by the study
//! folder's readers ([`mibg_study::load::read_infusions`],
//! [`mibg_study::load::read_stem_cells`],
//! [`mibg_toxicity::csv_input::parse_transfusions`]) on a one-row table, so
//! that a form accepts exactly what a study folder accepts; a stem-cell
//! return and a transfusion are then checked as a follow-up event is
//! ([`crate::followup`]), by the study folder's own validation,
//! [`mibg_study::validate()`], on the patient's folder rebuilt from the
//! database with the entry as one more row of its table (a stem-cell
//! return not before the first infusion; neither after the death or the
//! last contact), so that the registry never holds what `mibg study
//! validate` refuses — except a date after the study's data cut-off: these
//! are treatment records, entered while the patient is treated (as an
//! infusion is), and the next analysis moves the cut-off. The net
//! administered activity is [`mibg_dosimetry::administered::administered_activity`];
//! whether an infusion may be recorded now is
//! [`mibg_clinic::course::may_record_infusion`]. Every write goes through
//! the audited record API.

use crate::Store;
use crate::audit::Writer;
use crate::clinical::{Entry, EntryProblem};
use crate::error::StoreError;
use crate::followup::RowInFolder;
use crate::records::{
    Course, CourseSource, Identity, Infusion, Patient, Prescription, Record, Stored, Transfusion,
    full_row, insert_audited, next_id,
};
use crate::schema::table;
use crate::scope::{Actor, Area, Permission, Scope};
use crate::sign::{Meaning, Signature};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use mibg_clinic::plan::CoursePlan;
use mibg_dosimetry::administered::{AdministeredActivity, AdministeredInput};
use mibg_units::{Activity, Length, Mass};

/// A stored protocol version a course can follow.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ProtocolVersion {
    /// Id.
    pub id: i64,
    /// "name version".
    pub label: String,
}

/// A patient as typed in the enrolment form (text as typed).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PatientEntry {
    /// Study id (`C01-007`).
    pub study_id: String,
    /// `F` or `M`.
    pub sex: String,
    /// Weight at enrolment, kg.
    pub weight_kg: String,
    /// Height at enrolment, cm.
    pub height_cm: String,
    /// Enrolment date (optional).
    pub enrolment_date: String,
    /// Identifying: name.
    pub name: String,
    /// Identifying: date of birth.
    pub birth_date: String,
    /// Identifying: hospital number.
    pub hospital_number: String,
}

/// An infusion as the hot lab and the ward recorded it, as typed: every
/// instant as a civil date-time in the centre's time zone
/// (`2026-03-02T10:30`) or with its UTC offset.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InfusionEntry {
    /// 1 or 2.
    pub number: u32,
    /// Weight on the day, kg (text as typed).
    pub weight_kg: String,
    /// Start of the infusion.
    pub start: String,
    /// End of the infusion (t = 0 of the readings).
    pub end: String,
    /// Activity assayed in the dose calibrator (text).
    pub assayed: String,
    /// Its unit: `MBq`, `GBq` or `mCi`.
    pub assayed_unit: String,
    /// Its calibration time.
    pub assay_at: String,
    /// Residual activity in syringe and lines (text).
    pub residual: String,
    /// Its unit: `MBq`, `GBq` or `mCi`.
    pub residual_unit: String,
    /// When the residual was measured.
    pub residual_at: String,
}

/// An infusion recorded: the stored record and the library's computation
/// of its net activity (decay factors, warnings).
#[derive(Clone, Debug)]
pub struct InfusionRecorded {
    /// The stored infusion.
    pub infusion: Stored<Infusion>,
    /// The net administered activity and how it was computed.
    pub administered: AdministeredActivity,
}

fn problem(field: &str, message: impl Into<String>) -> EntryProblem {
    EntryProblem {
        line: None,
        field: Some(field.to_string()),
        message: message.into(),
    }
}

fn csv_text(header: &[&str], row: &[String]) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(header);
    let _ = w.write_record(row);
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn study_problems(p: &mibg_study::Problems) -> Vec<EntryProblem> {
    p.errors
        .iter()
        .map(|e| EntryProblem {
            line: None,
            field: e.field.clone(),
            message: e.message.clone(),
        })
        .collect()
}

/// An instant typed in a form: with its offset as given, or a civil
/// date-time read in the centre's time zone (`tz`). `Err` says why, for
/// the field.
pub fn form_instant(text: &str, tz: &jiff::tz::TimeZone) -> Result<Timestamp, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("a date and time is required".into());
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    let civil: DateTime = t.parse().map_err(|_| {
        format!(
            "'{}' is not a date and time (YYYY-MM-DDTHH:MM)",
            mibg_csv::excerpt(t)
        )
    })?;
    civil
        .to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .map_err(|e| format!("'{t}' is not a time of the centre's time zone: {e}"))
}

impl Store {
    /// The stored protocol versions (newest id first).
    pub async fn protocol_versions(
        &self,
        scope: &Scope,
    ) -> Result<Vec<ProtocolVersion>, StoreError> {
        scope.require(Permission::ReadClinical)?;
        let mut tx = self.pool.begin_read().await?;
        let rows = tx
            .fetch(
                "SELECT id, text FROM protocols WHERE deleted = 0 ORDER BY id DESC",
                &[],
                &[crate::db::Ty::Int, crate::db::Ty::Text],
            )
            .await?;
        tx.rollback().await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let id = r[0].as_int()?;
                let label = crate::course::protocol_label(r[1].as_text()?)?;
                Some(ProtocolVersion { id, label })
            })
            .collect())
    }

    /// The time zone of a centre of the scope (UTC when it cannot be read).
    pub async fn centre_time_zone(&self, scope: &Scope, centre_id: i64) -> jiff::tz::TimeZone {
        self.list_centres(scope)
            .await
            .ok()
            .and_then(|v| v.into_iter().find(|c| c.id == centre_id))
            .and_then(|c| jiff::tz::TimeZone::get(&c.time_zone).ok())
            .unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// Enrols a patient with their identifying data, in one transaction:
    /// the patient row (pseudonymous: study id, sex, weight and height at
    /// enrolment) and, apart, the identity row (name, date of birth,
    /// hospital number), read later only by clinical roles of the centre.
    /// Both creations are audited.
    pub async fn enrol_patient(
        &self,
        scope: &Scope,
        centre_id: i64,
        patient: &Patient,
        identity: &Identity,
    ) -> Result<Stored<Patient>, StoreError> {
        scope.require(Permission::Write(Area::Enrolment))?;
        scope.require(Permission::ReadIdentifiers)?;
        if !scope.covers(centre_id) {
            return Err(StoreError::NotFound {
                entity: "centres",
                id: centre_id.to_string(),
            });
        }
        crate::folder::check_identifier(&patient.study_id).map_err(|m| StoreError::Invalid {
            entity: "patients",
            field: "study_id".into(),
            message: m,
        })?;
        let pt = table("patients");
        let it = table("patient_identity");
        let mut w = Writer::begin(self, scope.actor()).await?;
        let result = async {
            let id = next_id(&mut w.tx, pt.name).await?;
            let row = full_row(pt, id, centre_id, id, patient);
            insert_audited(&mut w, pt, row.clone(), None)
                .await
                .map_err(|e| match e {
                    StoreError::Duplicate { .. } => StoreError::Duplicate {
                        entity: "patients",
                        key: format!("study id {}", patient.study_id),
                    },
                    e => e,
                })?;
            let iid = next_id(&mut w.tx, it.name).await?;
            let irow = full_row(it, iid, centre_id, id, identity);
            insert_audited(&mut w, it, irow, None).await?;
            Ok::<_, StoreError>(row)
        }
        .await;
        match result {
            Ok(row) => {
                w.commit().await?;
                crate::records::stored_from_row(pt, &row)
            }
            Err(e) => {
                w.rollback().await?;
                Err(e)
            }
        }
    }

    /// Enrols a patient typed in a form: the row is read as a one-row
    /// `patients.csv` by the study folder's reader (study id, sex, date of
    /// birth, weight and height in their ranges, enrolment date), every
    /// problem by field and nothing saved; then [`Store::enrol_patient`].
    pub async fn enrol_patient_entry(
        &self,
        scope: &Scope,
        centre_id: i64,
        entry: &PatientEntry,
    ) -> Result<Entry<Stored<Patient>>, StoreError> {
        scope.require(Permission::Write(Area::Enrolment))?;
        let t = |s: &str| s.trim().to_string();
        let text = csv_text(
            &[
                "patient",
                "sex",
                "weight_kg",
                "height_cm",
                "birth_date",
                "enrolment_date",
            ],
            &[
                t(&entry.study_id),
                t(&entry.sex),
                t(&entry.weight_kg),
                t(&entry.height_cm),
                t(&entry.birth_date),
                t(&entry.enrolment_date),
            ],
        );
        let p = match mibg_study::load::read_patients(&text) {
            Ok(mut v) if v.len() == 1 => v.remove(0),
            Ok(_) => return Ok(Err(vec![problem("patient", "no patient in the entry")])),
            Err(p) => return Ok(Err(study_problems(&p))),
        };
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        let stored = self
            .enrol_patient(
                scope,
                centre_id,
                &Patient {
                    study_id: p.id,
                    sex: match p.sex {
                        mibg_study::model::Sex::F => crate::Sex::F,
                        mibg_study::model::Sex::M => crate::Sex::M,
                    },
                    age_years: None,
                    weight_kg: p.weight,
                    height_cm: p.height,
                    enrolment_date: p.enrolment_date,
                },
                &Identity {
                    name: opt(&entry.name),
                    birth_date: p.birth_date,
                    hospital_number: opt(&entry.hospital_number),
                },
            )
            .await;
        match stored {
            Ok(s) => Ok(Ok(s)),
            Err(StoreError::Duplicate { key, .. }) => Ok(Err(vec![problem(
                "patient",
                format!("{key} already exists in the registry"),
            )])),
            Err(StoreError::Invalid { field, message, .. }) => Ok(Err(vec![EntryProblem {
                line: None,
                field: Some(if field == "study_id" {
                    "patient".into()
                } else {
                    field
                }),
                message,
            }])),
            Err(e) => Err(e),
        }
    }

    /// The identifying data of a patient of the scope (`None` when none
    /// is recorded). Refused without the right to read identifiers.
    pub async fn identity(
        &self,
        scope: &Scope,
        patient_id: i64,
    ) -> Result<Option<Stored<Identity>>, StoreError> {
        Ok(self
            .list::<Identity>(scope, patient_id)
            .await?
            .into_iter()
            .next())
    }

    /// The identifying data of several patients of the scope in one query
    /// (the patients list), by patient id (the right to read identifiers
    /// is required, as for [`Store::identity`]).
    pub async fn identities(
        &self,
        scope: &Scope,
        patient_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, Stored<Identity>>, StoreError> {
        scope.require(Permission::ReadClinical)?;
        scope.require(Permission::ReadIdentifiers)?;
        let mut out = std::collections::HashMap::new();
        let mut tx = self.pool.begin_read().await?;
        let r = async {
            for chunk in patient_ids.chunks(500) {
                for (p, v) in crate::course::rows_of::<Identity>(&mut tx, scope, chunk).await? {
                    if let Some(first) = v.into_iter().next() {
                        out.insert(p, first);
                    }
                }
            }
            Ok(())
        }
        .await;
        tx.rollback().await?;
        r.map(|()| out)
    }

    /// The plan of a course for a patient of the scope under a stored
    /// protocol, computed by [`mibg_clinic::plan::plan_course`] (what
    /// `mibg plan` prints). Nothing is stored.
    pub async fn preview_plan(
        &self,
        scope: &Scope,
        patient_id: i64,
        protocol_id: i64,
        weight: Mass,
        height: Length,
    ) -> Result<CoursePlan, StoreError> {
        scope.require(Permission::ReadClinical)?;
        let p = self.get::<Patient>(scope, patient_id).await?;
        if p.deleted {
            return Err(StoreError::NotFound {
                entity: "patients",
                id: patient_id.to_string(),
            });
        }
        let text = self.protocol_text(scope, protocol_id).await?;
        let protocol =
            mibg_protocol::Protocol::from_toml(&text, &format!("protocol {protocol_id}"))
                .map_err(|e| StoreError::Corrupt(format!("stored protocol: {e}")))?;
        mibg_clinic::plan::plan_course(&protocol, weight, height).map_err(|e| StoreError::Invalid {
            entity: "plan",
            field: match e {
                mibg_protocol::plan::PlanError::Height(_) => "height_cm".into(),
                _ => "weight_kg".into(),
            },
            message: e.to_string(),
        })
    }

    /// Plans a new course of a patient of the scope: the course (next
    /// number, the protocol version), and the prescription of infusion 1
    /// computed by [`mibg_clinic::plan::plan_course`] with every warning,
    /// signed as authored by the caller after the password is checked
    /// again and every warning acknowledged. Approval is the ordinary
    /// [`Store::sign_acknowledging`] by a physician who is not the author.
    /// A wrong password or an open warning writes nothing (the wrong
    /// password is audited).
    #[allow(clippy::too_many_arguments)]
    pub async fn plan_new_course(
        &self,
        scope: &Scope,
        patient_id: i64,
        protocol_id: i64,
        weight: Mass,
        height: Length,
        acknowledged: &[String],
        password: &str,
    ) -> Result<(Stored<Course>, Stored<Prescription>, Signature), StoreError> {
        scope.require(Permission::Write(Area::Enrolment))?;
        scope.require(Permission::Write(Area::Prescription))?;
        scope.require(Permission::SignAuthored)?;
        let Actor::User { id: user_id, .. } = scope.actor().clone() else {
            return Err(StoreError::Signature(
                "only a registry user signs; the command-line operator cannot".into(),
            ));
        };
        let plan = self
            .preview_plan(scope, patient_id, protocol_id, weight, height)
            .await?;
        let warnings = plan.plan.warnings.clone();
        let open: Vec<&String> = warnings
            .iter()
            .filter(|w| !acknowledged.contains(w))
            .collect();
        if !open.is_empty() {
            return Err(StoreError::Signature(format!(
                "{} warning(s) not acknowledged by the signer: {}",
                open.len(),
                open.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            )));
        }
        self.check_signer_password(
            scope,
            user_id,
            password,
            "patients",
            patient_id,
            "refused: wrong password (plan of a course)",
        )
        .await?;
        let number = self
            .courses(scope, patient_id)
            .await?
            .iter()
            .map(|c| c.record.number)
            .max()
            .unwrap_or(0)
            + 1;
        let course = self
            .create(
                scope,
                patient_id,
                &Course {
                    number,
                    protocol_id,
                    source: CourseSource::Entered,
                },
            )
            .await?;
        let p = &plan.plan;
        let rx = Prescription {
            course_id: course.id,
            infusion_number: 1,
            activity_mbq: p.infusion1.activity,
            dosimetry_result_id: None,
            basis: serde_json::json!({
                "protocol": format!("{} {}", p.protocol_name, p.protocol_version),
                "weight_kg": weight.kg(),
                "height_cm": height.cm(),
                "activity_per_kg_mbq": p.infusion1.prescribed_per_kg.mbq_per_kg(),
                "infusion2_max_activity_mbq": p.infusion2.max_activity.mbq(),
                "target_gy": p.infusion2.target_total_wb.gy(),
                "melphalan_mg": p.melphalan.dose.mg(),
                "bsa_m2": p.melphalan.bsa.m2(),
                "explanation": plan.explanation.join(" "),
            }),
            warnings: warnings.clone(),
            acknowledged: warnings.clone(),
        };
        let stored = self.create(scope, patient_id, &rx).await?;
        let s = self
            .sign_acknowledging(
                scope,
                "prescriptions",
                stored.id,
                stored.version,
                Meaning::Authored,
                password,
                Some(acknowledged),
            )
            .await?;
        Ok((course, stored, s))
    }

    /// Records infusion `entry.number` of a course of the scope as given:
    /// refused (with why) unless [`mibg_clinic::course::may_record_infusion`]
    /// allows it; the entry is read as a one-row `infusions.csv` by the
    /// study folder's reader (every problem by field; nothing saved), the
    /// net activity is [`mibg_dosimetry::administered::administered_activity`]
    /// of the hot-lab record, and the prescribed activity of the approved
    /// prescription is kept beside it.
    pub async fn record_infusion(
        &self,
        scope: &Scope,
        course_id: i64,
        entry: &InfusionEntry,
    ) -> Result<Entry<InfusionRecorded>, StoreError> {
        scope.require(Permission::Write(Area::Treatment))?;
        let course = self.live_course(scope, course_id).await?;
        let patient = self.get::<Patient>(scope, course.patient_id).await?;
        let facts = self.course_facts(scope, course_id).await?;
        if let Err(why) = mibg_clinic::course::may_record_infusion(&facts, entry.number) {
            return Err(StoreError::Refused(vec![why]));
        }
        let tz = self.centre_time_zone(scope, patient.centre_id).await;
        let mut problems = Vec::new();
        let mut instant = |field: &str, text: &str| match form_instant(text, &tz) {
            Ok(t) => Some(t),
            Err(m) => {
                problems.push(problem(field, m));
                None
            }
        };
        let start = instant("start_time", &entry.start);
        let end = instant("end_time", &entry.end);
        let assay = instant("assay_time", &entry.assay_at);
        let residual_at = instant("residual_time", &entry.residual_at);
        let mut activity = |field: &str, unit_field: &str, v: &str, u: &str| {
            if u.trim().is_empty() {
                problems.push(problem(unit_field, "choose the unit (MBq, GBq or mCi)"));
                return String::new();
            }
            match activity_with_unit(v, u) {
                Ok(t) => t,
                Err(m) => {
                    problems.push(problem(field, m));
                    String::new()
                }
            }
        };
        let assayed_mbq = activity(
            "assayed_mbq",
            "assayed_unit",
            &entry.assayed,
            &entry.assayed_unit,
        );
        let residual_mbq = activity(
            "residual_mbq",
            "residual_unit",
            &entry.residual,
            &entry.residual_unit,
        );
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let (Some(start), Some(end), Some(assay), Some(residual_at)) =
            (start, end, assay, residual_at)
        else {
            return Ok(Err(problems));
        };
        // Instants in the centre's offset, so that the start's date is the
        // centre's calendar date (the reader compares it with `date`).
        let local = |t: Timestamp| {
            t.to_zoned(tz.clone())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        };
        let date: Date = start.to_zoned(tz.clone()).date();
        let row = vec![
            patient.record.study_id.clone(),
            entry.number.to_string(),
            date.to_string(),
            entry.weight_kg.trim().to_string(),
            local(start),
            local(end),
            assayed_mbq,
            local(assay),
            residual_mbq,
            local(residual_at),
        ];
        let text = csv_text(
            &[
                "patient",
                "infusion",
                "date",
                "weight_kg",
                "start_time",
                "end_time",
                "assayed_mbq",
                "assay_time",
                "residual_mbq",
                "residual_time",
            ],
            &row,
        );
        let read = match mibg_study::load::read_infusions(&text) {
            Ok(mut v) if v.len() == 1 => v.remove(0),
            Ok(_) => return Ok(Err(vec![problem("infusion", "no infusion in the entry")])),
            Err(p) => return Ok(Err(study_problems(&p))),
        };
        let Some(hot_lab) = read.hot_lab else {
            return Ok(Err(vec![problem(
                "assayed_mbq",
                "the hot-lab record (assayed activity, calibration time, residual and its time) is required",
            )]));
        };
        let administered = mibg_dosimetry::administered::administered_activity(
            &AdministeredInput::HotLab(hot_lab),
        )
        .map_err(|e| StoreError::Invalid {
            entity: "infusions",
            field: format!("{:?}", e.field),
            message: e.rule,
        })?;
        let prescribed = self
            .list::<Prescription>(scope, course.patient_id)
            .await?
            .into_iter()
            .find(|p| {
                p.record.course_id == course_id
                    && p.record.infusion_number == i64::from(entry.number)
                    && !p.deleted
            })
            .map(|p| p.record.activity_mbq);
        let infusion = self
            .create(
                scope,
                course.patient_id,
                &Infusion {
                    course_id,
                    number: i64::from(entry.number),
                    date: read.date,
                    activity_mbq: administered.net,
                    weight_kg: read.weight,
                    prescribed_activity_mbq: prescribed,
                    start_at: read.start,
                    end_at: read.end,
                    assayed_mbq: Some(hot_lab.assayed),
                    assay_at: Some(hot_lab.assay_time),
                    residual_mbq: Some(hot_lab.residual),
                    residual_at: Some(hot_lab.residual_time),
                },
            )
            .await?;
        Ok(Ok(InfusionRecorded {
            infusion,
            administered,
        }))
    }

    /// The library's computation of a stored infusion's net activity
    /// (`None` without a hot-lab record).
    pub fn administered_of(infusion: &Infusion) -> Option<AdministeredActivity> {
        let (Some(assayed), Some(assay_time), Some(start), Some(residual), Some(residual_time)) = (
            infusion.assayed_mbq,
            infusion.assay_at,
            infusion.start_at,
            infusion.residual_mbq,
            infusion.residual_at,
        ) else {
            return None;
        };
        mibg_dosimetry::administered::administered_activity(&AdministeredInput::HotLab(
            mibg_dosimetry::administered::HotLabRecord {
                assayed,
                assay_time,
                infusion_start: start,
                residual,
                residual_time,
            },
        ))
        .ok()
    }

    /// A stem-cell return of a course of the scope, read by
    /// [`stem_cells_entry`] (the study folder's reader), then checked in the
    /// patient's folder by the study folder's validation
    /// (`Store::check_supportive`: not before the first infusion, not
    /// after the death or the last contact); every problem by field,
    /// nothing saved.
    pub async fn add_stem_cells(
        &self,
        scope: &Scope,
        course_id: i64,
        date: &str,
        cd34_e6_per_kg: &str,
    ) -> Result<Entry<Stored<crate::StemCells>>, StoreError> {
        scope.require(Permission::Write(Area::Treatment))?;
        let course = self.live_course(scope, course_id).await?;
        let sid = self.study_id_of(scope, course.patient_id).await?;
        let s = match stem_cells_entry(&sid, course_id, date, cd34_e6_per_kg) {
            Ok(s) => s,
            Err(p) => return Ok(Err(p)),
        };
        self.save_supportive(scope, course.patient_id, None, &s)
            .await
    }

    /// A stem-cell return shown on a course's page, not deleted, within
    /// the scope: one of the course, or of its patient without a course
    /// (imported from a study folder), as the course's toxicity counts
    /// them; any other is "not found".
    pub async fn course_stem_cells(
        &self,
        scope: &Scope,
        course_id: i64,
        id: i64,
    ) -> Result<Stored<crate::StemCells>, StoreError> {
        let r = self
            .course_record::<crate::StemCells>(scope, course_id, id)
            .await?;
        if r.record.course_id.is_some_and(|c| c != course_id) {
            return Err(StoreError::NotFound {
                entity: "stem_cells",
                id: id.to_string(),
            });
        }
        Ok(r)
    }

    /// Changes a stem-cell return of a course: read again by
    /// [`stem_cells_entry`] (the entry's rule) and checked in the patient's
    /// folder in place of the stored one (`Store::check_supportive`),
    /// then saved as a new version if `version` is still the current one
    /// (else [`StoreError::Conflict`] with the current values). A reason is
    /// required; every changed field is audited old → new. The return
    /// keeps its course (none for one imported without).
    #[allow(clippy::too_many_arguments)]
    pub async fn update_stem_cells(
        &self,
        scope: &Scope,
        course_id: i64,
        id: i64,
        version: i64,
        date: &str,
        cd34_e6_per_kg: &str,
        reason: &str,
    ) -> Result<Entry<Stored<crate::StemCells>>, StoreError> {
        scope.require(Permission::Write(Area::Treatment))?;
        let current = self.course_stem_cells(scope, course_id, id).await?;
        if current.version != version {
            // Refused before the check: the entry was based on values that
            // changed (the store's version rule, with the current values).
            return Ok(Ok(self
                .update(scope, id, version, &current.record, reason)
                .await?));
        }
        let sid = self.study_id_of(scope, current.patient_id).await?;
        let mut s = match stem_cells_entry(&sid, course_id, date, cd34_e6_per_kg) {
            Ok(s) => s,
            Err(p) => return Ok(Err(p)),
        };
        s.course_id = current.record.course_id;
        self.save_supportive(scope, current.patient_id, Some((id, version, reason)), &s)
            .await
    }

    /// Flags a stem-cell return of a course deleted (the row and its
    /// history stay; a reason is required; the version must be current).
    pub async fn delete_stem_cells(
        &self,
        scope: &Scope,
        course_id: i64,
        id: i64,
        version: i64,
        reason: &str,
    ) -> Result<Stored<crate::StemCells>, StoreError> {
        scope.require(Permission::Write(Area::Treatment))?;
        self.course_stem_cells(scope, course_id, id).await?;
        self.delete::<crate::StemCells>(scope, id, version, reason)
            .await
    }

    /// A transfusion of a course's patient, read by [`transfusion_entry`]
    /// (the toxicity crate's transfusions parser), then checked in the
    /// patient's folder by the study folder's validation
    /// (`Store::check_supportive`: not after the death or the last
    /// contact); every problem by field, nothing saved.
    pub async fn add_transfusion(
        &self,
        scope: &Scope,
        course_id: i64,
        date: &str,
        product: &str,
    ) -> Result<Entry<Stored<Transfusion>>, StoreError> {
        scope.require(Permission::Write(Area::Toxicity))?;
        let course = self.live_course(scope, course_id).await?;
        let sid = self.study_id_of(scope, course.patient_id).await?;
        let t = match transfusion_entry(&sid, date, product) {
            Ok(t) => t,
            Err(p) => return Ok(Err(p)),
        };
        self.save_supportive(scope, course.patient_id, None, &t)
            .await
    }

    /// Changes a transfusion of a course's patient: read again by
    /// [`transfusion_entry`] (the entry's rule) and checked in the
    /// patient's folder in place of the stored one
    /// (`Store::check_supportive`), then saved as a new version if
    /// `version` is still the current one (else [`StoreError::Conflict`]
    /// with the current values). A reason is required; every changed field
    /// is audited old → new. It is deleted by
    /// [`Store::delete_toxicity_record`], with the laboratory values.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_transfusion(
        &self,
        scope: &Scope,
        course_id: i64,
        id: i64,
        version: i64,
        date: &str,
        product: &str,
        reason: &str,
    ) -> Result<Entry<Stored<Transfusion>>, StoreError> {
        scope.require(Permission::Write(Area::Toxicity))?;
        let current = self
            .course_record::<Transfusion>(scope, course_id, id)
            .await?;
        if current.version != version {
            // Refused before the check (the version rule, with the current
            // values).
            return Ok(Ok(self
                .update(scope, id, version, &current.record, reason)
                .await?));
        }
        let sid = self.study_id_of(scope, current.patient_id).await?;
        let t = match transfusion_entry(&sid, date, product) {
            Ok(t) => t,
            Err(p) => return Ok(Err(p)),
        };
        self.save_supportive(scope, current.patient_id, Some((id, version, reason)), &t)
            .await
    }

    /// Checks a stem-cell return or a transfusion, already read by its
    /// entry's rule, in the patient's study folder rebuilt from the
    /// database, by the study folder's own validation
    /// (`Store::check_row_in_folder`, the rule of follow-up events and
    /// later therapies): the patient's stored rows of the table (without
    /// the one `replacing` changes) and the entry as the table's last row,
    /// without the study's data cut-off (module documentation). Every
    /// problem the entry brings, by field (none: it may be saved),
    /// with the (id, version) of the patient's live rows it was checked
    /// against.
    pub(crate) async fn check_supportive<T: Supportive>(
        &self,
        scope: &Scope,
        patient_id: i64,
        replacing: Option<i64>,
        record: &T,
    ) -> Result<(Vec<EntryProblem>, Vec<(i64, i64)>), StoreError> {
        let sid = self.study_id_of(scope, patient_id).await?;
        let listed = self.list::<T>(scope, patient_id).await?;
        let seen = crate::records::read_versions(&listed);
        let stored: Vec<Vec<String>> = listed
            .iter()
            .filter(|r| !r.deleted && Some(r.id) != replacing)
            .map(|r| r.record.folder_row(&sid))
            .collect();
        let check = self
            .check_row_in_folder(
                scope,
                patient_id,
                RowInFolder {
                    file: T::FILE,
                    header: T::HEADER,
                    stored,
                    entry: record.folder_row(&sid),
                    first_field: "date",
                    date_field: "date",
                    // Treatment records: entered as the patient is
                    // treated, after a data cut-off too (as infusions).
                    cutoff: false,
                },
            )
            .await?;
        Ok((check.problems, seen))
    }

    /// Saves a stem-cell return or a transfusion checked by
    /// [`Store::check_supportive`]: a new record, or a new version of
    /// `replacing` (id, version, reason), written only if the patient's
    /// rows of the table are still those it was checked against (two
    /// entries at once: the second is checked again, against the first).
    async fn save_supportive<T: Supportive>(
        &self,
        scope: &Scope,
        patient_id: i64,
        replacing: Option<(i64, i64, &str)>,
        record: &T,
    ) -> Result<Entry<Stored<T>>, StoreError> {
        for _ in 0..CHECK_ATTEMPTS {
            let (problems, seen) = self
                .check_supportive(scope, patient_id, replacing.map(|r| r.0), record)
                .await?;
            if !problems.is_empty() {
                return Ok(Err(problems));
            }
            let saved = match replacing {
                None => {
                    self.create_guarded(scope, patient_id, record, Some(&seen))
                        .await?
                }
                Some((id, version, reason)) => {
                    self.update_guarded(scope, id, version, record, reason, Some(&seen))
                        .await?
                }
            };
            if let Some(saved) = saved {
                return Ok(Ok(saved));
            }
        }
        Err(StoreError::Refused(vec![format!(
            "the patient's {} kept changing while this entry was checked: nothing was saved; try again",
            T::WHAT
        )]))
    }
}

/// How many times an entry is checked again when other writers keep
/// changing the patient's rows of its table between its check and its
/// write.
const CHECK_ATTEMPTS: usize = 3;

/// A supportive-care record checked in the patient's study folder
/// (`Store::check_supportive`): its table there and its row, as the
/// export writes it.
pub(crate) trait Supportive: Record {
    /// The folder's table.
    const FILE: &'static str;
    /// Its header, as the export writes it.
    const HEADER: &'static [&'static str];
    /// What the records are called in a message.
    const WHAT: &'static str;
    /// The record's row of the table.
    fn folder_row(&self, study_id: &str) -> Vec<String>;
}

impl Supportive for crate::StemCells {
    const FILE: &'static str = mibg_study::load::files::STEM_CELLS;
    const HEADER: &'static [&'static str] = &["patient", "date", "cd34_e6_per_kg"];
    const WHAT: &'static str = "stem-cell returns";
    fn folder_row(&self, study_id: &str) -> Vec<String> {
        vec![
            study_id.to_string(),
            self.date.to_string(),
            // The shortest decimal that reads back as the same number, as
            // the export writes it.
            self.cd34_e6_per_kg
                .map(|x| format!("{x}"))
                .unwrap_or_default(),
        ]
    }
}

impl Supportive for Transfusion {
    const FILE: &'static str = mibg_study::load::files::TRANSFUSIONS;
    const HEADER: &'static [&'static str] = &["patient", "date", "product"];
    const WHAT: &'static str = "transfusions";
    fn folder_row(&self, study_id: &str) -> Vec<String> {
        vec![
            study_id.to_string(),
            self.date.to_string(),
            self.product.clone(),
        ]
    }
}

/// A stem-cell return as typed (the one reading of an entry and of a
/// change): a one-row `stem_cells.csv` read by the study folder's reader
/// ([`mibg_study::load::read_stem_cells`]: the date, CD34+ ×10⁶/kg in its
/// range); every problem by field.
pub fn stem_cells_entry(
    study_id: &str,
    course_id: i64,
    date: &str,
    cd34_e6_per_kg: &str,
) -> Entry<crate::StemCells> {
    let text = csv_text(
        &["patient", "date", "cd34_e6_per_kg"],
        &[
            study_id.to_string(),
            date.trim().to_string(),
            cd34_e6_per_kg.trim().to_string(),
        ],
    );
    match mibg_study::load::read_stem_cells(&text) {
        Ok(mut v) if v.len() == 1 => {
            let s = v.remove(0);
            Ok(crate::StemCells {
                course_id: Some(course_id),
                date: s.date,
                cd34_e6_per_kg: s.cd34_e6_per_kg,
            })
        }
        Ok(_) => Err(vec![problem("date", "no stem-cell return in the entry")]),
        Err(p) => Err(study_problems(&p)),
    }
}

/// A transfusion as typed (the one reading of an entry and of a change):
/// a one-row `transfusions.csv` read by the toxicity crate's parser
/// ([`mibg_toxicity::csv_input::parse_transfusions`]: the date, the
/// products it knows), the product stored as its canonical code; every
/// problem by field.
pub fn transfusion_entry(study_id: &str, date: &str, product: &str) -> Entry<Transfusion> {
    let text = csv_text(
        &["patient", "date", "product"],
        &[
            study_id.to_string(),
            date.trim().to_string(),
            product.trim().to_string(),
        ],
    );
    match mibg_toxicity::csv_input::parse_transfusions(&text, "form") {
        Ok(mut v) if v.len() == 1 => {
            let t = v.remove(0);
            Ok(Transfusion {
                date: t.date,
                // The parser's canonical code (`platelets`, `red_cells`).
                product: serde_json::to_value(t.product)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_else(|| product.trim().to_string()),
            })
        }
        Ok(_) => Err(vec![problem("date", "no transfusion in the entry")]),
        Err(e) => {
            let l = e.location();
            Err(vec![EntryProblem {
                line: None,
                field: l.column.clone(),
                message: e.detail(),
            }])
        }
    }
}

/// Activities typed with their unit (`MBq`, `GBq`, `mCi`): the value in
/// MBq, or why not (for the field). 1 mCi = 37 MBq exactly
/// ([`mibg_units::MBQ_PER_MCI`]).
pub fn activity_with_unit(value: &str, unit: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("a value is required".into());
    }
    let x: f64 = v
        .parse()
        .map_err(|_| format!("'{}' is not a number", mibg_csv::excerpt(v)))?;
    let mbq = match unit.trim() {
        "MBq" => Activity::from_mbq(x),
        "GBq" => Activity::from_gbq(x),
        "mCi" => Activity::from_mci(x),
        "" => return Err("choose the unit (MBq, GBq or mCi)".into()),
        u => {
            return Err(format!(
                "'{}' is not a unit of activity (MBq, GBq, mCi)",
                mibg_csv::excerpt(u)
            ));
        }
    };
    Ok(format!("{}", mbq.mbq()))
}
