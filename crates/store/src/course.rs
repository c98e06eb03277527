//! The workflow state of a course (docs/reference/registry.md §2): the store gathers the
//! facts, `mibg_clinic::course::status` decides the step reached and what
//! is missing.

use crate::Store;
use crate::audit::row_hash;
use crate::db::{Tx, Ty, Value, placeholders};
use crate::error::StoreError;
use crate::records::{Course, CourseSource, Record, Stored, fetch_row, stored_from_row};
use crate::schema::{TableDef, table};
use crate::scope::{Permission, Scope};
use crate::sign::{SIG_COLS, SignOff, sign_off, signature_from};
use mibg_clinic::course::{CourseFacts, CourseStatus, SignOffFacts};
use mibg_toxicity::LabTest;
use mibg_units::Hours;
use std::collections::HashMap;

/// What the store reads of one patient to decide the state of each of their
/// courses: the patient's rows of every table the workflow looks at (not
/// deleted, in id order), each prescription with its sign-off state. Read
/// for one course by [`Store::course_facts`] and for a page of patients at
/// once by [`Store::course_statuses`]; [`facts_of`] turns it into the facts
/// of one course, and `mibg_clinic::course::status` decides.
#[derive(Clone, Debug, Default)]
struct PatientRows {
    prescriptions: Vec<(Stored<crate::Prescription>, SignOff)>,
    infusions: Vec<Stored<crate::Infusion>>,
    readings: Vec<Stored<crate::Reading>>,
    dosimetry: Vec<Stored<crate::DosimetryResult>>,
    melphalan: Vec<Stored<crate::Melphalan>>,
    stem_cells: Vec<Stored<crate::StemCells>>,
    /// Read when a stem-cell return of the course exists (engraftment):
    /// only the rows that can be blood counts ([`count_rows`]).
    labs: Vec<Stored<crate::Lab>>,
    /// As `labs`.
    transfusions: Vec<Stored<crate::Transfusion>>,
    assessments: Vec<Stored<crate::Assessment>>,
    followup: Vec<Stored<crate::FollowUp>>,
}

/// Whether a stem-cell return belongs to a course (one without a course
/// belongs to every course of the patient).
fn stem_cells_of(s: &Stored<crate::StemCells>, course_id: i64) -> bool {
    s.record.course_id.is_none_or(|c| c == course_id)
}

/// The facts of one course from its patient's rows.
fn facts_of(
    course_id: i64,
    course: &Course,
    rows: &PatientRows,
) -> Result<CourseFacts, StoreError> {
    let mut f = CourseFacts {
        imported: course.source == CourseSource::Imported,
        ..CourseFacts::default()
    };
    let sign = |s: SignOff, exists: bool| SignOffFacts {
        exists,
        authored: s != SignOff::Draft,
        approved: s == SignOff::Approved,
    };
    for (p, s) in &rows.prescriptions {
        if p.record.course_id != course_id {
            continue;
        }
        match p.record.infusion_number {
            1 => f.plan = sign(*s, true),
            2 => f.prescription2 = sign(*s, true),
            _ => {}
        }
    }
    for i in rows
        .infusions
        .iter()
        .filter(|i| i.record.course_id == course_id)
    {
        let times: Vec<Hours> = rows
            .readings
            .iter()
            .filter(|r| r.record.infusion_id == i.id)
            .map(|r| r.record.hours)
            .collect();
        match i.record.number {
            1 => {
                f.infusion1_given = true;
                f.readings1 = times;
            }
            2 => {
                f.infusion2_given = true;
                f.readings2 = times;
            }
            _ => {}
        }
    }
    for d in &rows.dosimetry {
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
    f.melphalan_given = rows
        .melphalan
        .iter()
        .any(|m| m.record.course_id == course_id);
    let stem: Vec<_> = rows
        .stem_cells
        .iter()
        .filter(|s| stem_cells_of(s, course_id))
        .map(|s| s.record.date)
        .collect();
    f.stem_cells_given = !stem.is_empty();
    if f.stem_cells_given {
        let labs = crate::clinical::parsed_labs("p", &rows.labs)?;
        let tr = crate::clinical::parsed_transfusions("p", &rows.transfusions)?;
        f.engraftment = mibg_clinic::course::engraftment(&stem, &labs, &tr);
    }
    for a in &rows.assessments {
        match a.record.kind {
            crate::AssessmentKind::Baseline => f.baseline_assessment = true,
            crate::AssessmentKind::FollowUp => f.follow_up_assessments += 1,
        }
    }
    f.outcome_recorded = rows.followup.iter().any(|e| {
        matches!(
            e.record.event,
            crate::FollowUpEvent::Death | crate::FollowUpEvent::LastContact
        )
    });
    Ok(f)
}

/// Patients per batch of [`Store::course_statuses`] (bound parameters per
/// statement stay far below both backends' limits).
const BATCH: usize = 500;

/// The rows of table `T` of several patients within the scope (not
/// deleted), grouped by patient, each group in id order.
pub(crate) async fn rows_of<T: Record>(
    tx: &mut Tx,
    scope: &Scope,
    patients: &[i64],
) -> Result<HashMap<i64, Vec<Stored<T>>>, StoreError> {
    let mut out: HashMap<i64, Vec<Stored<T>>> = HashMap::new();
    for (_, r) in raw_rows(tx, scope, table(T::TABLE), patients).await? {
        let s = stored_from_row::<T>(table(T::TABLE), &r)?;
        out.entry(s.patient_id).or_default().push(s);
    }
    Ok(out)
}

/// The laboratory values of several patients within the scope that can be
/// blood counts, for the engraftment step: every live row except those whose
/// `test`, in lower case, is exactly a name of a test other than the
/// neutrophil and platelet counts ([`LabTest::names`]). A superset of the
/// counts, whatever their spelling (a count named in capitals or with
/// spaces is kept: the query never decides what a name means, the
/// toxicity crate's parser does in [`facts_of`]), that leaves out the
/// haemoglobin and chemistry values, a third of a typical patient's rows.
async fn count_rows(
    tx: &mut Tx,
    scope: &Scope,
    patients: &[i64],
) -> Result<HashMap<i64, Vec<Stored<crate::Lab>>>, StoreError> {
    let other: Vec<&str> = LabTest::ALL
        .into_iter()
        .filter(|t| !matches!(t, LabTest::Neutrophils | LabTest::Platelets))
        .flat_map(|t| t.names().iter().copied())
        .collect();
    let t = table(crate::Lab::TABLE);
    let mut out: HashMap<i64, Vec<Stored<crate::Lab>>> = HashMap::new();
    for (_, r) in raw_rows_except(tx, scope, t, patients, Some(("test", &other))).await? {
        let s = stored_from_row::<crate::Lab>(t, &r)?;
        out.entry(s.patient_id).or_default().push(s);
    }
    Ok(out)
}

/// The raw rows of a clinical table of several patients within the scope
/// (not deleted), in id order, with their patient.
async fn raw_rows(
    tx: &mut Tx,
    scope: &Scope,
    t: &TableDef,
    patients: &[i64],
) -> Result<Vec<(i64, Vec<Value>)>, StoreError> {
    raw_rows_except(tx, scope, t, patients, None).await
}

/// [`raw_rows`] without the rows whose `column`, in lower case, is one of
/// `values` (`except`; `None` keeps every row).
async fn raw_rows_except(
    tx: &mut Tx,
    scope: &Scope,
    t: &TableDef,
    patients: &[i64],
    except: Option<(&str, &[&str])>,
) -> Result<Vec<(i64, Vec<Value>)>, StoreError> {
    let pcol = t.patient_column().unwrap_or("patient_id");
    let pi = t.columns.iter().position(|c| c.name == pcol).unwrap_or(0);
    let mut params: Vec<Value> = patients.iter().map(|p| Value::int(*p)).collect();
    let list = placeholders(1, patients.len());
    let except = match except {
        Some((column, values)) if !values.is_empty() => {
            let first = params.len() + 1;
            params.extend(values.iter().map(|v| Value::text(*v)));
            format!(
                " AND lower({column}) NOT IN ({})",
                placeholders(first, values.len())
            )
        }
        _ => String::new(),
    };
    // `+centre_id`: the centre condition must not choose the index. Without
    // statistics SQLite takes the centre's index over the patient's and
    // reads every row of the centre (340 ms instead of 30 ms for the
    // laboratory values of 50 patients of the 10 000-patient study); the
    // unary plus is a no-op for PostgreSQL.
    let cond = scope.centre_condition("+centre_id", &mut params);
    let rows = tx
        .fetch(
            &format!(
                "SELECT {} FROM {} WHERE {pcol} IN ({list}){except} AND deleted = 0 AND {cond} ORDER BY id",
                t.select_list(),
                t.name
            ),
            &params,
            &t.types(),
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r[pi].as_int().unwrap_or(0), r))
        .collect())
}

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
        let mut rows = PatientRows::default();
        for p in self.list::<crate::Prescription>(scope, patient).await? {
            if p.record.course_id != course_id {
                continue;
            }
            let s = sign_off(&self.signatures(scope, "prescriptions", p.id).await?);
            rows.prescriptions.push((p, s));
        }
        rows.infusions = self.list(scope, patient).await?;
        rows.readings = self.list(scope, patient).await?;
        rows.dosimetry = self.list(scope, patient).await?;
        rows.melphalan = self.list(scope, patient).await?;
        rows.stem_cells = self.list(scope, patient).await?;
        if rows.stem_cells.iter().any(|s| stem_cells_of(s, course_id)) {
            let mut tx = self.pool.begin_read().await?;
            let labs = count_rows(&mut tx, scope, &[patient]).await;
            tx.rollback().await?;
            rows.labs = labs?.remove(&patient).unwrap_or_default();
            rows.transfusions = self.list(scope, patient).await?;
        }
        rows.assessments = self.list(scope, patient).await?;
        rows.followup = self.list(scope, patient).await?;
        facts_of(course_id, &course, &rows)
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

    /// The courses of several patients, each with its workflow state, in a
    /// few queries (one per table the workflow reads, per
    /// 500 patients, in one snapshot) instead of some fifteen per course:
    /// the patients list. Every query carries the scope's centre
    /// condition; a patient outside the scope (or without courses) gets an
    /// empty list. The facts of each course are made by the same function
    /// as [`Store::course_facts`]'s and decided by
    /// `mibg_clinic::course::status`. One entry per patient id, in the
    /// order given; each patient's courses in id order.
    pub async fn course_statuses(
        &self,
        scope: &Scope,
        patient_ids: &[i64],
    ) -> Result<Vec<Vec<(Stored<Course>, CourseStatus)>>, StoreError> {
        scope.require(Permission::ReadClinical)?;
        let mut out = Vec::with_capacity(patient_ids.len());
        let mut tx = self.pool.begin_read().await?;
        let r = async {
            for chunk in patient_ids.chunks(BATCH) {
                let mut courses = rows_of::<Course>(&mut tx, scope, chunk).await?;
                let mut rows: HashMap<i64, PatientRows> = HashMap::new();
                // Prescriptions with the sign-off of their signatures, each
                // signature valid only for the content it signed.
                let pt = table(crate::Prescription::TABLE);
                let vi = pt
                    .columns
                    .iter()
                    .position(|c| c.name == "version")
                    .unwrap_or(0);
                let rx = raw_rows(&mut tx, scope, pt, chunk).await?;
                let mut sigs: HashMap<i64, Vec<Vec<Value>>> = HashMap::new();
                if !rx.is_empty() {
                    let mut params = vec![Value::text(pt.name)];
                    params.extend(rx.iter().map(|(_, r)| r[0].clone()));
                    let list = placeholders(2, rx.len());
                    let cond = scope.centre_condition("centre_id", &mut params);
                    for s in tx
                        .fetch(
                            &format!(
                                "SELECT {SIG_COLS} FROM signatures WHERE entity = $1 AND entity_id IN ({list}) AND {cond} ORDER BY id"
                            ),
                            &params,
                            &table("signatures").types(),
                        )
                        .await?
                    {
                        sigs.entry(s[4].as_int().unwrap_or(0)).or_default().push(s);
                    }
                }
                for (patient, r) in rx {
                    let version = r[vi].as_int().unwrap_or(0);
                    let hash = row_hash(pt, &r);
                    let id = r[0].as_int().unwrap_or(0);
                    let signatures = sigs
                        .get(&id)
                        .map(Vec::as_slice)
                        .unwrap_or_default()
                        .iter()
                        .map(|s| signature_from(s, Some((version, &hash))))
                        .collect::<Result<Vec<_>, _>>()?;
                    rows.entry(patient).or_default().prescriptions.push((
                        stored_from_row(pt, &r)?,
                        sign_off(&signatures),
                    ));
                }
                macro_rules! load {
                    ($field:ident) => {
                        for (p, v) in rows_of(&mut tx, scope, chunk).await? {
                            rows.entry(p).or_default().$field = v;
                        }
                    };
                }
                load!(infusions);
                load!(readings);
                load!(dosimetry);
                load!(melphalan);
                load!(stem_cells);
                for (p, v) in count_rows(&mut tx, scope, chunk).await? {
                    rows.entry(p).or_default().labs = v;
                }
                load!(transfusions);
                load!(assessments);
                load!(followup);
                let none = PatientRows::default();
                for p in chunk {
                    let mut list = Vec::new();
                    let rows = rows.get(p).unwrap_or(&none);
                    for c in courses.remove(p).unwrap_or_default() {
                        let st = mibg_clinic::course::status(&facts_of(c.id, &c.record, rows)?);
                        list.push((c, st));
                    }
                    out.push(list);
                }
            }
            Ok(())
        }
        .await;
        tx.rollback().await?;
        r.map(|()| out)
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
