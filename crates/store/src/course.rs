//! The workflow state of a course (docs/reference/registry.md §2): the store gathers the
//! facts, `mibg_clinic::course::status` decides the step reached and what
//! is missing.

use crate::Store;
use crate::db::{Ty, Value};
use crate::error::StoreError;
use crate::records::{Course, CourseSource, Record, fetch_row};
use crate::schema::table;
use crate::scope::{Permission, Scope};
use crate::sign::{SignOff, sign_off};
use mibg_clinic::course::{CourseFacts, CourseStatus, SignOffFacts};
use mibg_units::Hours;

impl Store {
    /// The facts of one course of the scope (signatures, records present,
    /// reading times, engraftment from the laboratory values).
    pub async fn course_facts(
        &self,
        scope: &Scope,
        course_id: i64,
    ) -> Result<CourseFacts, StoreError> {
        scope.require(Permission::ReadClinical)?;
        let ct = table(Course::TABLE);
        let mut tx = self.pool.begin_read().await?;
        let row = fetch_row(&mut tx, ct, scope, course_id)
            .await?
            .filter(|r| r[ct.columns.len() - 1].as_int() == Some(0))
            .ok_or_else(|| StoreError::NotFound {
                entity: "courses",
                id: course_id.to_string(),
            })?;
        tx.rollback().await?;
        let patient = row[2].as_int().unwrap_or(0);
        let course = Course::from_values(&row[3..6])?;
        let mut f = CourseFacts {
            imported: course.source == CourseSource::Imported,
            ..CourseFacts::default()
        };
        let sign = |s: SignOff, exists: bool| SignOffFacts {
            exists,
            authored: s != SignOff::Draft,
            approved: s == SignOff::Approved,
        };
        for p in self.list::<crate::Prescription>(scope, patient).await? {
            if p.record.course_id != course_id {
                continue;
            }
            let s = sign_off(&self.signatures(scope, "prescriptions", p.id).await?);
            match p.record.infusion_number {
                1 => f.plan = sign(s, true),
                2 => f.prescription2 = sign(s, true),
                _ => {}
            }
        }
        let infusions: Vec<_> = self
            .list::<crate::Infusion>(scope, patient)
            .await?
            .into_iter()
            .filter(|i| i.record.course_id == course_id)
            .collect();
        let readings = self.list::<crate::Reading>(scope, patient).await?;
        let mut first_date = None;
        for i in &infusions {
            let times: Vec<Hours> = readings
                .iter()
                .filter(|r| r.record.infusion_id == i.id)
                .map(|r| r.record.hours)
                .collect();
            match i.record.number {
                1 => {
                    f.infusion1_given = true;
                    f.readings1 = times;
                    first_date = Some(i.record.date);
                }
                2 => {
                    f.infusion2_given = true;
                    f.readings2 = times;
                }
                _ => {}
            }
        }
        for d in self.list::<crate::DosimetryResult>(scope, patient).await? {
            if d.record.course_id == course_id && d.record.infusion_number == 1 {
                f.dosimetry_stored = true;
                // `mibg dose --json` gives `second_activity_mbq: null` when no
                // second infusion is to be given.
                f.no_second_infusion = d
                    .record
                    .result
                    .get("second_activity_mbq")
                    .is_some_and(|v| v.is_null());
            }
        }
        f.melphalan_given = self
            .list::<crate::Melphalan>(scope, patient)
            .await?
            .iter()
            .any(|m| m.record.course_id == course_id);
        let stem: Vec<_> = self
            .list::<crate::StemCells>(scope, patient)
            .await?
            .into_iter()
            .filter(|s| s.record.course_id.is_none_or(|c| c == course_id))
            .map(|s| s.record.date)
            .collect();
        f.stem_cells_given = !stem.is_empty();
        if f.stem_cells_given {
            let labs = self.list::<crate::Lab>(scope, patient).await?;
            let tr = self.list::<crate::Transfusion>(scope, patient).await?;
            let key = "p";
            let mut lab_csv = String::from("patient,date,test,value,unit,lln,uln,baseline\n");
            for l in &labs {
                let r = &l.record;
                lab_csv.push_str(&csv_line(&[
                    key,
                    &r.date.to_string(),
                    &r.test,
                    &r.value,
                    &r.unit,
                    r.lln.as_deref().unwrap_or(""),
                    r.uln.as_deref().unwrap_or(""),
                    if r.baseline { "yes" } else { "" },
                ]));
            }
            let mut tr_csv = String::from("patient,date,product\n");
            for t in &tr {
                tr_csv.push_str(&csv_line(&[
                    key,
                    &t.record.date.to_string(),
                    &t.record.product,
                ]));
            }
            let labs = mibg_toxicity::csv_input::parse_labs(&lab_csv, "labs")
                .map_err(|e| StoreError::Corrupt(format!("stored laboratory values: {e}")))?;
            let tr = mibg_toxicity::csv_input::parse_transfusions(&tr_csv, "transfusions")
                .map_err(|e| StoreError::Corrupt(format!("stored transfusions: {e}")))?;
            f.engraftment = mibg_clinic::course::engraftment(key, first_date, &stem, &labs, &tr);
        }
        for a in self.list::<crate::Assessment>(scope, patient).await? {
            match a.record.kind {
                crate::AssessmentKind::Baseline => f.baseline_assessment = true,
                crate::AssessmentKind::FollowUp => f.follow_up_assessments += 1,
            }
        }
        f.outcome_recorded = self
            .list::<crate::FollowUp>(scope, patient)
            .await?
            .iter()
            .any(|e| {
                matches!(
                    e.record.event,
                    crate::FollowUpEvent::Death | crate::FollowUpEvent::LastContact
                )
            });
        Ok(f)
    }

    /// The workflow state of a course: the step reached and what the next
    /// step is missing.
    pub async fn course_status(
        &self,
        scope: &Scope,
        course_id: i64,
    ) -> Result<CourseStatus, StoreError> {
        Ok(mibg_clinic::course::status(
            &self.course_facts(scope, course_id).await?,
        ))
    }

    /// The courses of a patient of the scope.
    pub async fn courses(
        &self,
        scope: &Scope,
        patient_id: i64,
    ) -> Result<Vec<crate::Stored<Course>>, StoreError> {
        self.list::<Course>(scope, patient_id).await
    }

    /// Stores a protocol (name, version, text) and returns its id; the same
    /// text is stored once (right to manage centres).
    pub async fn store_protocol(
        &self,
        scope: &Scope,
        path: Option<&str>,
        text: &str,
    ) -> Result<i64, StoreError> {
        scope.require(Permission::ManageCentres)?;
        let p =
            mibg_protocol::Protocol::from_toml(text, path.unwrap_or("protocol")).map_err(|e| {
                StoreError::Invalid {
                    entity: "protocols",
                    field: "text".into(),
                    message: e.to_string(),
                }
            })?;
        let sha = crate::schema::sha256_hex(text);
        let t = table("protocols");
        let mut w = crate::audit::Writer::begin(self, scope.actor()).await?;
        let r = async {
            if let Some(r) =
                w.tx.fetch_optional(
                    "SELECT id FROM protocols WHERE sha256 = $1",
                    &[Value::text(&sha)],
                    &[Ty::Int],
                )
                .await?
            {
                return Ok(r[0].as_int().unwrap_or(0));
            }
            let id = crate::records::next_id(&mut w.tx, t.name).await?;
            crate::records::insert_audited(
                &mut w,
                t,
                vec![
                    Value::int(id),
                    Value::text(&p.info.name),
                    Value::text(&p.info.version),
                    Value::text(&p.info.source),
                    Value::Text(path.map(str::to_string)),
                    Value::text(text),
                    Value::text(&sha),
                    Value::int(1),
                    Value::int(0),
                ],
                None,
            )
            .await?;
            Ok(id)
        }
        .await;
        crate::auth::finish(w, r).await
    }

    /// The text of a stored protocol (any scope that reads clinical data:
    /// protocols are not patient data).
    pub async fn protocol_text(
        &self,
        scope: &Scope,
        protocol_id: i64,
    ) -> Result<String, StoreError> {
        scope.require(Permission::ReadClinical)?;
        let mut tx = self.pool.begin_read().await?;
        let r = tx
            .fetch_optional(
                "SELECT text FROM protocols WHERE id = $1",
                &[Value::int(protocol_id)],
                &[Ty::Text],
            )
            .await?;
        tx.rollback().await?;
        r.and_then(|r| r[0].as_text().map(str::to_string))
            .ok_or_else(|| StoreError::NotFound {
                entity: "protocols",
                id: protocol_id.to_string(),
            })
    }
}

/// "name version" of a stored protocol's text (`None` if it does not parse).
pub fn protocol_label(text: &str) -> Option<String> {
    mibg_protocol::Protocol::from_toml(text, "protocol")
        .ok()
        .map(|p| format!("{} {}", p.info.name, p.info.version))
}

fn csv_line(cells: &[&str]) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(cells);
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
