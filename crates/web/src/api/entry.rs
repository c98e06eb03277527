//! The entry acts of the JSON API: enrol a patient, plan a course (signed),
//! record an infusion as given, melphalan as given, stem-cell returns,
//! transfusions, laboratory values (a JSON list or a labs file), adverse
//! events, response assessments and follow-up events.
//!
//! Each handler calls the one function of its act that the page calls too
//! (`crate::enrol::enrol`, `crate::enrol::plan`, `crate::clinical::labs_file`,
//! or the store's entry function where the page calls that directly), and
//! its route declares the page's right (`ENROL`, `PLAN`, `GIVE`,
//! `TRANSFUSE`, `WRITE_TOXICITY`, `WRITE_RESPONSE`). The object of the path
//! is read first, so that another centre's is "not found" whatever the
//! body holds. Values are accepted as JSON numbers or as text and handed
//! to the store as text: the study folder's readers and the library
//! parsers check them, as they check a form. A refusal is problem details
//! (422) whose `errors` name each field (`errors[].field`), and nothing is
//! saved.

use super::{
    ActivityJson, ApiResult, PROBLEM_JSON, body, course_of, json, patient_json, patient_of,
    prescription_json,
};
use crate::guard::MaybeCtx;
use crate::{AppState, enrol};
use axum::Extension;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mibg_store::clinical::{EntryProblem, LabEntry};
use mibg_store::enrol::{InfusionEntry, PatientEntry};
use mibg_store::{AssessmentKind, Stored};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A value sent as a JSON number or as text, as the store reads it (a
/// number keeps the digits it was written with).
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn opt_text(v: &Option<Value>) -> String {
    v.as_ref().map(text).unwrap_or_default()
}

#[derive(Serialize)]
struct FieldProblem<'a> {
    field: Option<&'a str>,
    line: Option<u64>,
    message: &'a str,
}

/// 422 problem details for an entry refused by field: the detail lists
/// every problem, and `errors` carries each with its field (and line, for
/// a file). Nothing was saved.
pub(crate) fn refused(what: &str, problems: &[EntryProblem]) -> Response {
    let detail = format!(
        "{what} was not saved: {}",
        problems
            .iter()
            .map(|p| {
                let at = match (&p.field, p.line) {
                    (Some(f), Some(l)) => format!("line {l}, {f}: "),
                    (Some(f), None) => format!("{f}: "),
                    (None, Some(l)) => format!("line {l}: "),
                    (None, None) => String::new(),
                };
                format!("{at}{}", p.message)
            })
            .collect::<Vec<_>>()
            .join("; ")
    );
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let body = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
        "errors": problems.iter().map(|p| FieldProblem {
            field: p.field.as_deref(),
            line: p.line,
            message: &p.message,
        }).collect::<Vec<_>>(),
    });
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    r
}

type St = State<AppState>;
type Cx = Extension<MaybeCtx>;
type Id = Path<i64>;
type Body<T> = Result<axum::Json<T>, JsonRejection>;

// ---------------------------------------------------------------- enrol

/// A patient to enrol (identifying data are stored apart and never
/// returned by the API).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewPatient {
    #[serde(default)]
    centre_id: Option<i64>,
    study_id: String,
    sex: String,
    weight_kg: Value,
    height_cm: Value,
    #[serde(default)]
    enrolment_date: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    birth_date: Option<String>,
    #[serde(default)]
    hospital_number: Option<String>,
}

#[derive(Serialize)]
struct Enrolled {
    patient: super::PatientJson,
    warnings: Vec<String>,
}

/// Enrols a patient (`crate::enrol::enrol`, as the page).
pub(super) async fn create_patient(
    State(state): St,
    Extension(c): Cx,
    b: Body<NewPatient>,
) -> ApiResult {
    let c = c.need()?;
    let f = body(b)?;
    let entry = PatientEntry {
        study_id: f.study_id,
        sex: f.sex,
        weight_kg: text(&f.weight_kg),
        height_cm: text(&f.height_cm),
        enrolment_date: f.enrolment_date.unwrap_or_default(),
        name: f.name.unwrap_or_default(),
        birth_date: f.birth_date.unwrap_or_default(),
        hospital_number: f.hospital_number.unwrap_or_default(),
    };
    match enrol::enrol(&state, c, f.centre_id, &entry).await? {
        Ok(p) => json(
            StatusCode::CREATED,
            &Enrolled {
                patient: patient_json(&state, c, p).await?,
                warnings: Vec::new(),
            },
        ),
        Err(p) => Ok(refused("The patient", &p)),
    }
}

// ---------------------------------------------------------------- plan

#[derive(Deserialize)]
pub(super) struct PlanQuery {
    protocol_id: Option<i64>,
    weight_kg: Option<f64>,
    height_cm: Option<f64>,
}

#[derive(Serialize)]
struct ProtocolJson {
    id: i64,
    label: String,
}

#[derive(Serialize)]
struct PlanPreview {
    patient_id: i64,
    protocols: Vec<ProtocolJson>,
    protocol_id: Option<i64>,
    weight_kg: f64,
    height_cm: f64,
    /// The plan as `mibg plan --json` gives it, or `null` when it cannot be
    /// computed (`problem` says why).
    plan: Option<Value>,
    problem: Option<String>,
    /// The plan's warnings: each must be acknowledged by its text when
    /// the course is planned.
    warnings: Vec<String>,
}

/// The plan a course would have (nothing stored): the protocol versions,
/// and the plan by `mibg_clinic::plan::plan_course` for the weight and
/// height given (the enrolment's by default) under the protocol version
/// given (the newest by default).
pub(super) async fn plan_preview(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    Query(q): Query<PlanQuery>,
) -> ApiResult {
    let c = c.need()?;
    let scope = &c.session.scope;
    let patient = patient_of(&state, c, id).await?;
    let versions = state.store().protocol_versions(scope).await?;
    let chosen = q.protocol_id.or_else(|| versions.first().map(|v| v.id));
    let weight = q.weight_kg.unwrap_or(patient.record.weight_kg.kg());
    let height = q.height_cm.unwrap_or(patient.record.height_cm.cm());
    let mut out = PlanPreview {
        patient_id: id,
        protocols: versions
            .iter()
            .map(|v| ProtocolJson {
                id: v.id,
                label: v.label.clone(),
            })
            .collect(),
        protocol_id: chosen,
        weight_kg: weight,
        height_cm: height,
        plan: None,
        problem: None,
        warnings: Vec::new(),
    };
    match chosen {
        None => out.problem = Some("protocol_id: no protocol version in the registry".into()),
        Some(pid) => match state
            .store()
            .preview_plan(
                scope,
                id,
                pid,
                mibg_units::Mass::from_kg(weight),
                mibg_units::Length::from_cm(height),
            )
            .await
        {
            Ok(p) => {
                out.warnings = p.plan.warnings.clone();
                out.plan = Some(super::to_value(&p)?);
            }
            Err(mibg_store::StoreError::Invalid { field, message, .. }) => {
                out.problem = Some(format!("{field}: {message}"))
            }
            Err(e) => return Err(e.into()),
        },
    }
    json(StatusCode::OK, &out)
}

/// The plan of a new course, signed as authored: the password again and
/// each warning of the plan acknowledged by its text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PlanBody {
    protocol_id: Option<i64>,
    weight_kg: Value,
    height_cm: Value,
    password: String,
    #[serde(default)]
    acknowledged: Vec<String>,
}

#[derive(Serialize)]
struct Planned {
    course_id: i64,
    course_number: i64,
    prescription: super::PrescriptionJson,
    warnings: Vec<String>,
}

/// Plans a course (`crate::enrol::plan`, as the page).
pub(super) async fn plan_course(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<PlanBody>,
) -> ApiResult {
    let c = c.need()?;
    let patient = patient_of(&state, c, id).await?;
    let f = body(b)?;
    match enrol::plan(
        &state,
        c,
        &patient,
        f.protocol_id,
        &text(&f.weight_kg),
        &text(&f.height_cm),
        &f.acknowledged,
        &f.password,
    )
    .await?
    {
        Ok((course, rx)) => {
            let prescription = prescription_json(&state, c, rx).await?;
            let warnings = prescription.warnings.clone();
            json(
                StatusCode::CREATED,
                &Planned {
                    course_id: course.id,
                    course_number: course.record.number,
                    prescription,
                    warnings,
                },
            )
        }
        Err(p) => Ok(refused("The course", &p)),
    }
}

// ---------------------------------------------------------------- infusion

/// An infusion as given, from the hot-lab record: instants as
/// `YYYY-MM-DDTHH:MM` in the centre's time zone, or with their offset;
/// activities with their unit (`MBq`, `GBq`, `mCi`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewInfusion {
    number: u32,
    weight_kg: Value,
    start_time: String,
    end_time: String,
    assayed: Value,
    assayed_unit: String,
    assay_time: String,
    residual: Value,
    residual_unit: String,
    residual_time: String,
}

#[derive(Serialize)]
struct InfusionRecorded {
    infusion_id: i64,
    number: i64,
    date: String,
    /// The net administered activity (the assay decayed to the start minus
    /// the residual taken back to the start).
    activity: ActivityJson,
    prescribed_activity: Option<ActivityJson>,
    warnings: Vec<String>,
}

/// Records an infusion as given (`Store::record_infusion`, as the page).
pub(super) async fn record_infusion(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<NewInfusion>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let entry = InfusionEntry {
        number: f.number,
        weight_kg: text(&f.weight_kg),
        start: f.start_time,
        end: f.end_time,
        assayed: text(&f.assayed),
        assayed_unit: f.assayed_unit,
        assay_at: f.assay_time,
        residual: text(&f.residual),
        residual_unit: f.residual_unit,
        residual_at: f.residual_time,
    };
    match state
        .store()
        .record_infusion(&c.session.scope, id, &entry)
        .await?
    {
        Ok(r) => json(
            StatusCode::CREATED,
            &InfusionRecorded {
                infusion_id: r.infusion.id,
                number: r.infusion.record.number,
                date: r.infusion.record.date.to_string(),
                activity: r.infusion.record.activity_mbq.into(),
                prescribed_activity: r.infusion.record.prescribed_activity_mbq.map(Into::into),
                warnings: r.administered.warnings.clone(),
            },
        ),
        Err(mut p) => {
            // The reader names the infusions.csv columns; the body's fields
            // are the form's.
            for x in &mut p {
                if let Some(f) = x.field.as_mut() {
                    match f.as_str() {
                        "assayed_mbq" => *f = "assayed".into(),
                        "residual_mbq" => *f = "residual".into(),
                        _ => {}
                    }
                }
            }
            Ok(refused("The infusion", &p))
        }
    }
}

// ---------------------------------------------------------------- melphalan

/// Melphalan as given.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewMelphalan {
    date: String,
    dose_mg: Value,
}

#[derive(Serialize)]
pub(crate) struct MelphalanJson {
    id: i64,
    date: String,
    dose_mg: f64,
}

#[derive(Serialize)]
pub(crate) struct PlannedJson {
    dose_mg: f64,
    bsa_m2: f64,
    prescription_id: i64,
}

#[derive(Serialize)]
struct MelphalanRecorded {
    melphalan: MelphalanJson,
    planned: Option<PlannedJson>,
    /// (given − planned) / planned × 100, when the course has a plan.
    deviation_pct: Option<f64>,
    /// The protocol's accepted deviation: `null`, the protocol files define
    /// none (the deviation is shown, not judged).
    tolerance_pct: Option<f64>,
    warnings: Vec<String>,
}

pub(crate) fn melphalan_json(m: &Stored<mibg_store::Melphalan>) -> MelphalanJson {
    MelphalanJson {
        id: m.id,
        date: m.record.date.to_string(),
        dose_mg: m.record.dose_mg.mg(),
    }
}

pub(crate) fn planned_json(p: &mibg_store::melphalan::PlannedMelphalan) -> PlannedJson {
    PlannedJson {
        dose_mg: p.dose.mg(),
        bsa_m2: p.bsa.m2(),
        prescription_id: p.prescription_id,
    }
}

/// Records melphalan as given (`Store::record_melphalan`, as the page).
pub(super) async fn record_melphalan(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<NewMelphalan>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    match state
        .store()
        .record_melphalan(&c.session.scope, id, &f.date, &text(&f.dose_mg))
        .await?
    {
        Ok(r) => json(
            StatusCode::CREATED,
            &MelphalanRecorded {
                melphalan: melphalan_json(&r.melphalan),
                deviation_pct: r.planned.and_then(|p| {
                    mibg_store::melphalan::deviation(r.melphalan.record.dose_mg, p.dose)
                        .map(|d| 100.0 * d)
                }),
                planned: r.planned.as_ref().map(planned_json),
                tolerance_pct: None,
                warnings: Vec::new(),
            },
        ),
        Err(p) => Ok(refused("The melphalan dose", &p)),
    }
}

// ---------------------------------------------------------------- stem cells, transfusions

/// A stem-cell return.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewStemCells {
    date: String,
    cd34_e6_per_kg: Value,
}

#[derive(Serialize)]
struct Created {
    id: i64,
    warnings: Vec<String>,
}

/// A stem-cell return (`Store::add_stem_cells`, as the page).
pub(super) async fn add_stem_cells(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<NewStemCells>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    match state
        .store()
        .add_stem_cells(&c.session.scope, id, &f.date, &text(&f.cd34_e6_per_kg))
        .await?
    {
        Ok(s) => json(
            StatusCode::CREATED,
            &Created {
                id: s.id,
                warnings: Vec::new(),
            },
        ),
        Err(p) => Ok(refused("The stem-cell return", &p)),
    }
}

/// A transfusion.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewTransfusion {
    date: String,
    product: String,
}

/// A transfusion (`Store::add_transfusion`, as the page).
pub(super) async fn add_transfusion(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<NewTransfusion>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    match state
        .store()
        .add_transfusion(&c.session.scope, id, &f.date, &f.product)
        .await?
    {
        Ok(s) => json(
            StatusCode::CREATED,
            &Created {
                id: s.id,
                warnings: Vec::new(),
            },
        ),
        Err(p) => Ok(refused("The transfusion", &p)),
    }
}

// ---------------------------------------------------------------- labs

/// One laboratory value of a list.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewLab {
    date: String,
    test: String,
    value: Value,
    unit: String,
    #[serde(default)]
    lln: Option<Value>,
    #[serde(default)]
    uln: Option<Value>,
    #[serde(default)]
    baseline: bool,
}

/// Laboratory values, all saved or none.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewLabs {
    labs: Vec<NewLab>,
}

#[derive(Serialize)]
struct LabsCreated {
    saved: usize,
    warnings: Vec<String>,
}

/// Laboratory values as a JSON list (`Store::add_lab_entries`: one labs
/// file for the one parser, problems named `labs[i].field`).
pub(super) async fn add_labs(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<NewLabs>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let entries: Vec<LabEntry> = f
        .labs
        .iter()
        .map(|l| LabEntry {
            date: l.date.clone(),
            test: l.test.clone(),
            value: text(&l.value),
            unit: l.unit.clone(),
            lln: opt_text(&l.lln),
            uln: opt_text(&l.uln),
            baseline: l.baseline,
        })
        .collect();
    match state
        .store()
        .add_lab_entries(&c.session.scope, id, &entries)
        .await?
    {
        Ok(n) => json(
            StatusCode::CREATED,
            &LabsCreated {
                saved: n,
                warnings: Vec::new(),
            },
        ),
        Err(p) => Ok(refused("Nothing", &p)),
    }
}

#[derive(Deserialize)]
pub(super) struct FileQuery {
    filename: Option<String>,
}

/// A labs file in the study folder's format (`text/csv` body;
/// `crate::clinical::labs_file`, as the page's upload).
pub(super) async fn upload_labs(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    Query(q): Query<FileQuery>,
    bytes: axum::body::Bytes,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let name = q.filename.unwrap_or_else(|| "labs.csv".into());
    match crate::clinical::labs_file(&state, c, id, &name, &bytes).await? {
        Ok(n) => json(
            StatusCode::CREATED,
            &LabsCreated {
                saved: n,
                warnings: Vec::new(),
            },
        ),
        Err(p) => Ok(refused(&format!("{name}: nothing"), &p)),
    }
}

// ---------------------------------------------------------------- events

/// An adverse event graded by CTCAE v5.0.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewEvent {
    date: String,
    term: String,
    grade: Value,
}

/// An adverse event (`Store::add_adverse_event`, as the page).
pub(super) async fn add_event(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<NewEvent>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    match state
        .store()
        .add_adverse_event(&c.session.scope, id, &f.date, &f.term, &text(&f.grade))
        .await?
    {
        Ok(s) => json(
            StatusCode::CREATED,
            &Created {
                id: s.id,
                warnings: Vec::new(),
            },
        ),
        Err(p) => Ok(refused("The adverse event", &p)),
    }
}

// ---------------------------------------------------------------- assessments

/// A response assessment: its kind and the assessment object of the
/// `mibg response` format.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewAssessment {
    kind: String,
    assessment: Value,
}

/// A response assessment (`Store::add_assessment`, as the page, which
/// builds the same object from its form).
pub(super) async fn add_assessment(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<NewAssessment>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let kind = match AssessmentKind::parse(&f.kind) {
        Some(k) => k,
        None => {
            return Ok(refused(
                "The assessment",
                &[EntryProblem {
                    line: None,
                    field: Some("kind".into()),
                    message: "'baseline' or 'follow_up'".into(),
                }],
            ));
        }
    };
    match state
        .store()
        .add_assessment(&c.session.scope, id, kind, f.assessment)
        .await?
    {
        Ok(s) => json(
            StatusCode::CREATED,
            &Created {
                id: s.id,
                warnings: Vec::new(),
            },
        ),
        Err(p) => Ok(refused("The assessment", &p)),
    }
}

// ---------------------------------------------------------------- follow-up

/// A follow-up event: the cells of one `followup.csv` row.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewFollowUp {
    event: String,
    date: String,
    #[serde(default)]
    cause: Option<String>,
    #[serde(default)]
    notes: Option<String>,
}

impl NewFollowUp {
    pub(super) fn entry(self) -> mibg_store::followup::FollowUpEntry {
        mibg_store::followup::FollowUpEntry {
            event: self.event,
            date: self.date,
            cause: self.cause.unwrap_or_default(),
            notes: self.notes.unwrap_or_default(),
        }
    }
}

/// A follow-up event (`Store::record_follow_up`, as the page): checked by
/// the study folder's validation in the patient's folder.
pub(super) async fn record_follow_up(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<NewFollowUp>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    match state
        .store()
        .record_follow_up(&c.session.scope, id, &f.entry())
        .await?
    {
        Ok(s) => json(
            StatusCode::CREATED,
            &Created {
                id: s.id,
                warnings: Vec::new(),
            },
        ),
        Err(p) => Ok(refused("The follow-up event", &p)),
    }
}

// ---------------------------------------------------------------- later therapies

/// A later therapy.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewTherapy {
    therapy: String,
    start_date: String,
    #[serde(default)]
    notes: Option<String>,
}

/// A later therapy (`Store::record_therapy`, as the page): checked by the
/// study folder's validation in the patient's folder.
pub(super) async fn record_therapy(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<NewTherapy>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let e = mibg_store::therapies::TherapyEntry {
        therapy: f.therapy,
        start_date: f.start_date,
        notes: f.notes.unwrap_or_default(),
    };
    match state
        .store()
        .record_therapy(&c.session.scope, id, &e)
        .await?
    {
        Ok(s) => json(
            StatusCode::CREATED,
            &Created {
                id: s.id,
                warnings: Vec::new(),
            },
        ),
        Err(p) => Ok(refused("The later therapy", &p)),
    }
}
