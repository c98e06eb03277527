//! The JSON API under `/api/v1`: the acts of the pages (patients, a
//! course, readings, dosimetry, the proposal and approval of the second
//! activity, a patient's audit history) through the same store calls, with
//! the same rights — its routes are in the same route table, so the guard
//! and the authorisation-matrix test cover them.
//!
//! * **Authentication**: `Authorization: Bearer <token>` (a per-user API
//!   token, stored hashed by the store; docs/reference/registry.md §7), or
//!   the browser's session cookie. A write through the cookie needs the
//!   session's CSRF token in the `X-CSRF-Token` header; a bearer request
//!   needs none (a browser never adds that header by itself). The guard
//!   does both.
//! * **Errors** are problem details (RFC 9457, `application/problem+json`)
//!   with a message a user can act on, never SQL or a stack trace.
//! * **Units** are in the field names (`hours`, `_mbq`, `_gy`); every
//!   activity is given in MBq and mCi ([`ActivityJson`]); every result
//!   carries its `warnings`.
//! * The OpenAPI 3.1 document ([`openapi`]) is written here by hand, and a
//!   test checks it lists exactly the `/api/v1` routes of the table.

use crate::clinical::{WRITE_RESPONSE, WRITE_TOXICITY};
use crate::enrol::{ENROL, GIVE, PLAN, TRANSFUSE};
use crate::error::AppError;
use crate::guard::{Ctx, MaybeCtx};
use crate::{APPROVE, AUDIT, AppState, PROPOSE, READ, WRITE_READINGS};
use crate::{Access, Object, spec};
use axum::Extension;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use mibg_store::sign::sign_off;
use mibg_store::{
    AuditRecord, Course, DosimetryOutcome, Infusion, Meaning, Patient, Prescription, Reading,
    SignOff, StoreError, Stored,
};
use mibg_units::{Activity, Hours, MBQ_PER_MCI};
use serde::{Deserialize, Serialize};

mod edits;
mod entry;
mod openapi_doc;
mod tokens;

/// The media type of an error body (RFC 9457 section 3).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem-details response (RFC 9457): `type`, `title`, `status`,
/// `detail`. No internals: the detail of a server error is a reference.
pub fn problem(status: StatusCode, detail: &str) -> Response {
    let body = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    r
}

/// An error of an API request, rendered as problem details; a stale write
/// (409) carries the record as it is now (docs/reference/registry.md §6:
/// "a stale write is refused with a clear message and the current values").
#[derive(Debug)]
pub struct ApiError(AppError, Option<serde_json::Value>);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e, None)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let current = match &e {
            StoreError::Conflict { current, .. } => Some(serde_json::json!({
                "id": current.id,
                "version": current.version,
                "values": current.values,
            })),
            _ => None,
        };
        ApiError(e.into(), current)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        ApiError::from(match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                AppError::BadRequest("the request body is too large".into())
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::BadRequest(
                "send the body as JSON (Content-Type: application/json)".into(),
            ),
            _ => AppError::BadRequest(format!("the JSON body is not valid: {}", e.body_text())),
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, detail) = self.0.parts();
        match self.1 {
            None => problem(status, &detail),
            Some(current) => {
                let body = serde_json::json!({
                    "type": "about:blank",
                    "title": status.canonical_reason().unwrap_or("Error"),
                    "status": status.as_u16(),
                    "detail": detail,
                    "current": current,
                });
                let mut r = (status, body.to_string()).into_response();
                r.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
                r
            }
        }
    }
}

type ApiResult = Result<Response, ApiError>;

fn json<T: Serialize>(status: StatusCode, v: &T) -> ApiResult {
    let body = serde_json::to_string(v)
        .map_err(|e| ApiError::from(AppError::Internal(format!("json: {e}"))))?;
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(r)
}

fn body<T>(b: Result<axum::Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|j| j.0).map_err(ApiError::from)
}

/// An activity in both units the team uses (MBq, and mCi for US users;
/// 1 mCi = 37 MBq, exact by definition of the curie).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct ActivityJson {
    /// Megabecquerel.
    pub mbq: f64,
    /// Millicurie.
    pub mci: f64,
}

impl From<Activity> for ActivityJson {
    fn from(a: Activity) -> Self {
        ActivityJson {
            mbq: a.mbq(),
            mci: a.mbq() / MBQ_PER_MCI,
        }
    }
}

/// The `/api/v1` routes and the API-token page (joined into the table by
/// one line in `table()`).
pub(crate) fn routes() -> crate::Routes {
    let r = spec;
    vec![
        (
            r("GET", "/account/tokens", Access::SignedIn, Object::None),
            get(tokens::list),
        ),
        (
            r("POST", "/account/tokens", Access::SignedIn, Object::None),
            post(tokens::create),
        ),
        (
            r(
                "POST",
                "/account/tokens/revoke",
                Access::SignedIn,
                Object::None,
            ),
            post(tokens::revoke),
        ),
        (
            r("GET", "/api/v1/openapi.json", Access::Public, Object::None),
            get(openapi_json),
        ),
        (
            r("GET", "/api/v1/patients", Access::Needs(READ), Object::None),
            get(patients),
        ),
        (
            r(
                "GET",
                "/api/v1/patients/{id}",
                Access::Needs(READ),
                Object::Patient,
            ),
            get(patient),
        ),
        (
            r(
                "GET",
                "/api/v1/patients/{id}/history",
                Access::Needs(AUDIT),
                Object::Patient,
            ),
            get(history),
        ),
        (
            r(
                "GET",
                "/api/v1/courses/{id}",
                Access::Needs(READ),
                Object::Course,
            ),
            get(course),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/readings",
                Access::Needs(WRITE_READINGS),
                Object::Course,
            ),
            post(add_reading),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/readings.csv",
                Access::Needs(WRITE_READINGS),
                Object::Course,
            ),
            post(upload_readings),
        ),
        (
            r(
                "GET",
                "/api/v1/courses/{id}/dosimetry",
                Access::Needs(READ),
                Object::Course,
            ),
            get(dosimetry),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/propose",
                Access::Needs(PROPOSE),
                Object::Course,
            ),
            post(propose),
        ),
        (
            r(
                "GET",
                "/api/v1/prescriptions/{id}",
                Access::Needs(READ),
                Object::Prescription,
            ),
            get(prescription),
        ),
        (
            r(
                "POST",
                "/api/v1/prescriptions/{id}/approve",
                Access::Needs(APPROVE),
                Object::Prescription,
            ),
            post(approve),
        ),
        // The entry acts (`entry`), each with the right of its page.
        (
            r(
                "POST",
                "/api/v1/patients",
                Access::Needs(ENROL),
                Object::None,
            ),
            post(entry::create_patient),
        ),
        (
            r(
                "GET",
                "/api/v1/patients/{id}/plan",
                Access::Needs(PLAN),
                Object::Patient,
            ),
            get(entry::plan_preview),
        ),
        (
            r(
                "POST",
                "/api/v1/patients/{id}/courses",
                Access::Needs(PLAN),
                Object::Patient,
            ),
            post(entry::plan_course),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/infusions",
                Access::Needs(GIVE),
                Object::Course,
            ),
            post(entry::record_infusion),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/melphalan",
                Access::Needs(GIVE),
                Object::Course,
            ),
            post(entry::record_melphalan),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/stem-cells",
                Access::Needs(GIVE),
                Object::Course,
            ),
            post(entry::add_stem_cells),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/transfusions",
                Access::Needs(TRANSFUSE),
                Object::Course,
            ),
            post(entry::add_transfusion),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/labs",
                Access::Needs(WRITE_TOXICITY),
                Object::Course,
            ),
            post(entry::add_labs),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/labs.csv",
                Access::Needs(WRITE_TOXICITY),
                Object::Course,
            ),
            post(entry::upload_labs),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/events",
                Access::Needs(WRITE_TOXICITY),
                Object::Course,
            ),
            post(entry::add_event),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/assessments",
                Access::Needs(WRITE_RESPONSE),
                Object::Course,
            ),
            post(entry::add_assessment),
        ),
        // Changes and deletions (`edits`), with the rights of the edit pages.
        (
            r(
                "POST",
                "/api/v1/courses/{id}/labs/update",
                Access::Needs(WRITE_TOXICITY),
                Object::Course,
            ),
            post(edits::update_lab),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/labs/delete",
                Access::Needs(WRITE_TOXICITY),
                Object::Course,
            ),
            post(edits::delete_lab),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/events/update",
                Access::Needs(WRITE_TOXICITY),
                Object::Course,
            ),
            post(edits::update_event),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/events/delete",
                Access::Needs(WRITE_TOXICITY),
                Object::Course,
            ),
            post(edits::delete_event),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/assessments/update",
                Access::Needs(WRITE_RESPONSE),
                Object::Course,
            ),
            post(edits::update_assessment),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/assessments/delete",
                Access::Needs(WRITE_RESPONSE),
                Object::Course,
            ),
            post(edits::delete_assessment),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/therapies",
                Access::Needs(crate::followup::WRITE_OUTCOME),
                Object::Course,
            ),
            post(entry::record_therapy),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/therapies/update",
                Access::Needs(crate::followup::WRITE_OUTCOME),
                Object::Course,
            ),
            post(edits::update_therapy),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/therapies/delete",
                Access::Needs(crate::followup::WRITE_OUTCOME),
                Object::Course,
            ),
            post(edits::delete_therapy),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/melphalan/update",
                Access::Needs(GIVE),
                Object::Course,
            ),
            post(edits::update_melphalan),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/melphalan/delete",
                Access::Needs(GIVE),
                Object::Course,
            ),
            post(edits::delete_melphalan),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/stem-cells/update",
                Access::Needs(GIVE),
                Object::Course,
            ),
            post(edits::update_stem_cells),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/stem-cells/delete",
                Access::Needs(GIVE),
                Object::Course,
            ),
            post(edits::delete_stem_cells),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/transfusions/update",
                Access::Needs(TRANSFUSE),
                Object::Course,
            ),
            post(edits::update_transfusion),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/transfusions/delete",
                Access::Needs(TRANSFUSE),
                Object::Course,
            ),
            post(edits::delete_transfusion),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/follow-up",
                Access::Needs(crate::followup::WRITE_OUTCOME),
                Object::Course,
            ),
            post(entry::record_follow_up),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/follow-up/update",
                Access::Needs(crate::followup::WRITE_OUTCOME),
                Object::Course,
            ),
            post(edits::update_follow_up),
        ),
        (
            r(
                "POST",
                "/api/v1/courses/{id}/follow-up/delete",
                Access::Needs(crate::followup::WRITE_OUTCOME),
                Object::Course,
            ),
            post(edits::delete_follow_up),
        ),
    ]
}

// ---------------------------------------------------------------- patients

/// The state of one course, as the list and the patient show it.
#[derive(Serialize)]
struct CourseSummary {
    id: i64,
    number: i64,
    reached: String,
    /// The next step, or `null` when the course is complete.
    next: Option<String>,
    /// What is missing to reach the next step.
    missing: Vec<String>,
}

#[derive(Serialize)]
struct PatientJson {
    id: i64,
    centre_id: i64,
    version: i64,
    study_id: String,
    sex: String,
    age_years: Option<f64>,
    weight_kg: f64,
    height_cm: f64,
    enrolment_date: Option<String>,
    courses: Vec<CourseSummary>,
}

async fn summaries(
    state: &AppState,
    c: &Ctx,
    patient: i64,
) -> Result<Vec<CourseSummary>, ApiError> {
    let states = state
        .store()
        .course_statuses(&c.session.scope, &[patient])
        .await?;
    Ok(states.iter().flatten().map(summary).collect())
}

fn summary((course, st): &(Stored<Course>, mibg_clinic::course::CourseStatus)) -> CourseSummary {
    let (next, missing) = match &st.next {
        Some((s, m)) => (Some(s.to_string()), m.clone()),
        None => (None, Vec::new()),
    };
    CourseSummary {
        id: course.id,
        number: course.record.number,
        reached: st.reached.to_string(),
        next,
        missing,
    }
}

async fn patient_json(
    state: &AppState,
    c: &Ctx,
    p: Stored<Patient>,
) -> Result<PatientJson, ApiError> {
    let courses = summaries(state, c, p.id).await?;
    Ok(patient_json_with(p, courses))
}

fn patient_json_with(p: Stored<Patient>, courses: Vec<CourseSummary>) -> PatientJson {
    let r = p.record;
    PatientJson {
        id: p.id,
        centre_id: p.centre_id,
        version: p.version,
        study_id: r.study_id,
        sex: r.sex.as_str().to_string(),
        age_years: r.age_years,
        weight_kg: r.weight_kg.kg(),
        height_cm: r.height_cm.cm(),
        enrolment_date: r.enrolment_date.map(|d| d.to_string()),
        courses,
    }
}

#[derive(Serialize)]
struct PatientsJson {
    patients: Vec<PatientJson>,
    /// This page (from 1), its size, and the number of patients in all.
    page: u64,
    per_page: u64,
    total: u64,
    /// The path of the next page, `null` on the last.
    next: Option<String>,
    /// The path of the previous page, `null` on the first.
    prev: Option<String>,
    warnings: Vec<String>,
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<String>,
}

/// The patients of the caller's centres, each course with its state, a page
/// at a time (`?page=N` from 1, [`crate::pages::PATIENTS_PER_PAGE`] a page,
/// as the patients page: the store's `list_patients_page`).
async fn patients(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Query(q): Query<PageQuery>,
) -> ApiResult {
    use crate::pages::PATIENTS_PER_PAGE as PER;
    let c = c.need()?;
    let page = match q.page.as_deref().map(str::trim) {
        None => 1,
        Some(t) => t
            .parse::<u64>()
            .ok()
            .filter(|p| *p >= 1 && *p <= u64::MAX / PER)
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "page: '{}' is not a page number (1, 2, …)",
                    t.chars().take(40).collect::<String>()
                ))
            })?,
    };
    let offset = (page - 1) * PER;
    let (list, total) = state
        .store()
        .list_patients_page(&c.session.scope, offset, PER)
        .await?;
    let shown = list.len() as u64;
    // Every course's state of the page in a few queries (the store's batch).
    let ids: Vec<i64> = list.iter().map(|p| p.id).collect();
    let states = state
        .store()
        .course_statuses(&c.session.scope, &ids)
        .await?;
    let patients: Vec<PatientJson> = list
        .into_iter()
        .zip(states)
        .map(|(p, s)| patient_json_with(p, s.iter().map(summary).collect()))
        .collect();
    let last = total.div_ceil(PER).max(1);
    json(
        StatusCode::OK,
        &PatientsJson {
            patients,
            page,
            per_page: PER,
            total,
            next: (offset + shown < total).then(|| format!("/api/v1/patients?page={}", page + 1)),
            prev: (page > 1).then(|| format!("/api/v1/patients?page={}", (page - 1).min(last))),
            warnings: Vec::new(),
        },
    )
}

#[derive(Serialize)]
struct OnePatient {
    patient: PatientJson,
    warnings: Vec<String>,
}

async fn patient_of(state: &AppState, c: &Ctx, id: i64) -> Result<Stored<Patient>, ApiError> {
    let p = state.store().get::<Patient>(&c.session.scope, id).await?;
    if p.deleted {
        return Err(AppError::NotFound.into());
    }
    Ok(p)
}

/// One patient (pseudonymous facts; identifiers are not in the API).
async fn patient(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
) -> ApiResult {
    let c = c.need()?;
    let p = patient_of(&state, c, id).await?;
    json(
        StatusCode::OK,
        &OnePatient {
            patient: patient_json(&state, c, p).await?,
            warnings: Vec::new(),
        },
    )
}

#[derive(Serialize)]
struct HistoryJson {
    patient_id: i64,
    study_id: String,
    records: Vec<AuditRecord>,
    warnings: Vec<String>,
}

/// The audit trail of one patient, oldest first.
async fn history(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
) -> ApiResult {
    let c = c.need()?;
    let p = patient_of(&state, c, id).await?;
    let records = state.store().patient_history(&c.session.scope, id).await?;
    json(
        StatusCode::OK,
        &HistoryJson {
            patient_id: id,
            study_id: p.record.study_id,
            records,
            warnings: Vec::new(),
        },
    )
}

// ------------------------------------------------------------------ course

#[derive(Serialize)]
struct ReadingJson {
    id: i64,
    infusion_id: i64,
    /// Time after the end of the infusion.
    hours: f64,
    /// Reading, in any unit proportional to activity.
    reading: f64,
    /// Background, same unit.
    background: Option<f64>,
    /// When measured (UTC), if recorded as a clock time.
    measured_at: Option<String>,
}

fn reading_json(r: &Stored<Reading>) -> ReadingJson {
    ReadingJson {
        id: r.id,
        infusion_id: r.record.infusion_id,
        hours: r.record.hours.hours(),
        reading: r.record.reading,
        background: r.record.background,
        measured_at: r.record.measured_at.map(|t| t.to_string()),
    }
}

#[derive(Serialize)]
struct InfusionJson {
    id: i64,
    number: i64,
    date: String,
    activity: ActivityJson,
    prescribed_activity: Option<ActivityJson>,
    weight_kg: f64,
    readings: Vec<ReadingJson>,
}

#[derive(Serialize)]
struct SignatureJson {
    printed_name: String,
    /// `authored`, `reviewed` or `approved`.
    meaning: String,
    /// UTC.
    signed_at: String,
    /// The version of the record signed, and the SHA-256 of its content.
    entity_version: i64,
    content_sha256: String,
    valid: bool,
    void_reason: Option<String>,
}

#[derive(Serialize)]
struct PrescriptionJson {
    id: i64,
    version: i64,
    course_id: i64,
    infusion_number: i64,
    activity: ActivityJson,
    /// `draft`, `authored` or `approved`.
    sign_off: &'static str,
    /// The warnings open when it was proposed (each must be acknowledged
    /// by the approver).
    warnings: Vec<String>,
    acknowledged: Vec<String>,
    basis: serde_json::Value,
    signatures: Vec<SignatureJson>,
}

async fn prescription_json(
    state: &AppState,
    c: &Ctx,
    p: Stored<Prescription>,
) -> Result<PrescriptionJson, ApiError> {
    let sigs = state
        .store()
        .signatures(&c.session.scope, "prescriptions", p.id)
        .await?;
    let so = match sign_off(&sigs) {
        SignOff::Draft => "draft",
        SignOff::Authored => "authored",
        SignOff::Approved => "approved",
    };
    Ok(PrescriptionJson {
        id: p.id,
        version: p.version,
        course_id: p.record.course_id,
        infusion_number: p.record.infusion_number,
        activity: p.record.activity_mbq.into(),
        sign_off: so,
        warnings: p.record.warnings,
        acknowledged: p.record.acknowledged,
        basis: p.record.basis,
        signatures: sigs
            .into_iter()
            .map(|s| SignatureJson {
                printed_name: s.printed_name,
                meaning: s.meaning.as_str().to_string(),
                signed_at: s.signed_at,
                entity_version: s.entity_version,
                content_sha256: s.content_sha256,
                valid: s.valid,
                void_reason: s.void_reason,
            })
            .collect(),
    })
}

#[derive(Serialize)]
struct StepJson {
    step: String,
    /// `done`, `missing`, `not_applicable` or `not_recorded`.
    state: &'static str,
    detail: Vec<String>,
}

#[derive(Serialize)]
struct CourseJson {
    id: i64,
    patient_id: i64,
    study_id: String,
    number: i64,
    version: i64,
    reached: String,
    next: Option<String>,
    missing: Vec<String>,
    steps: Vec<StepJson>,
    infusions: Vec<InfusionJson>,
    prescriptions: Vec<PrescriptionJson>,
    warnings: Vec<String>,
}

async fn course_of(state: &AppState, c: &Ctx, id: i64) -> Result<Stored<Course>, ApiError> {
    let course = state.store().get::<Course>(&c.session.scope, id).await?;
    if course.deleted {
        return Err(AppError::NotFound.into());
    }
    Ok(course)
}

/// A course: its steps, infusions with readings, prescriptions with their
/// signatures.
async fn course(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
) -> ApiResult {
    use mibg_clinic::course::StepState;
    let c = c.need()?;
    let scope = &c.session.scope;
    let store = state.store();
    let course = course_of(&state, c, id).await?;
    let pid = course.patient_id;
    let st = store.course_status(scope, id).await?;
    let steps = st
        .steps
        .iter()
        .map(|(s, state)| {
            let (state, detail) = match state {
                StepState::Done => ("done", Vec::new()),
                StepState::Missing(m) => ("missing", m.clone()),
                StepState::NotApplicable(why) => ("not_applicable", vec![why.to_string()]),
                StepState::NotRecorded => ("not_recorded", Vec::new()),
            };
            StepJson {
                step: s.to_string(),
                state,
                detail,
            }
        })
        .collect();
    let readings = store.list::<Reading>(scope, pid).await?;
    let mut infusions: Vec<InfusionJson> = store
        .list::<Infusion>(scope, pid)
        .await?
        .into_iter()
        .filter(|i| i.record.course_id == id && !i.deleted)
        .map(|i| {
            let mut rs: Vec<&Stored<Reading>> = readings
                .iter()
                .filter(|r| r.record.infusion_id == i.id && !r.deleted)
                .collect();
            rs.sort_by(|a, b| a.record.hours.hours().total_cmp(&b.record.hours.hours()));
            InfusionJson {
                id: i.id,
                number: i.record.number,
                date: i.record.date.to_string(),
                activity: i.record.activity_mbq.into(),
                prescribed_activity: i.record.prescribed_activity_mbq.map(Into::into),
                weight_kg: i.record.weight_kg.kg(),
                readings: rs.into_iter().map(reading_json).collect(),
            }
        })
        .collect();
    infusions.sort_by_key(|i| i.number);
    let mut prescriptions = Vec::new();
    for p in store.list::<Prescription>(scope, pid).await? {
        if p.record.course_id == id && !p.deleted {
            prescriptions.push(prescription_json(&state, c, p).await?);
        }
    }
    let (next, missing) = match &st.next {
        Some((s, m)) => (Some(s.to_string()), m.clone()),
        None => (None, Vec::new()),
    };
    let study_id = patient_of(&state, c, pid).await?.record.study_id;
    json(
        StatusCode::OK,
        &CourseJson {
            id,
            patient_id: pid,
            study_id,
            number: course.record.number,
            version: course.version,
            reached: st.reached.to_string(),
            next,
            missing,
            steps,
            infusions,
            prescriptions,
            warnings: Vec::new(),
        },
    )
}

// ---------------------------------------------------------------- readings

/// One reading to add.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewReading {
    infusion_id: i64,
    hours: f64,
    reading: f64,
    #[serde(default)]
    background: Option<f64>,
}

async fn infusion_of_course(
    state: &AppState,
    c: &Ctx,
    course: &Stored<Course>,
    infusion_id: i64,
) -> Result<Stored<Infusion>, ApiError> {
    let i = state
        .store()
        .get::<Infusion>(&c.session.scope, infusion_id)
        .await?;
    if i.record.course_id != course.id || i.deleted {
        return Err(AppError::NotFound.into());
    }
    Ok(i)
}

fn finite(field: &str, v: f64) -> Result<f64, ApiError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(AppError::BadRequest(format!("{field}: not a finite number")).into())
    }
}

#[derive(Serialize)]
struct ReadingsCreated {
    readings: Vec<ReadingJson>,
    warnings: Vec<String>,
}

/// Adds one reading (the store checks it and audits it).
async fn add_reading(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    b: Result<axum::Json<NewReading>, JsonRejection>,
) -> ApiResult {
    let c = c.need()?;
    let course = course_of(&state, c, id).await?;
    let f = body(b)?;
    let inf = infusion_of_course(&state, c, &course, f.infusion_id).await?;
    let reading = Reading {
        infusion_id: inf.id,
        hours: Hours::new(finite("hours", f.hours)?),
        reading: finite("reading", f.reading)?,
        background: f.background.map(|b| finite("background", b)).transpose()?,
        measured_at: None,
    };
    let stored = state
        .store()
        .create(&c.session.scope, course.patient_id, &reading)
        .await?;
    json(
        StatusCode::CREATED,
        &ReadingsCreated {
            readings: vec![reading_json(&stored)],
            warnings: Vec::new(),
        },
    )
}

#[derive(Deserialize)]
struct UploadQuery {
    infusion_id: Option<i64>,
    filename: Option<String>,
}

/// A readings file (`text/csv` body, `?infusion_id=`): parsed whole by the
/// readings reader of `mibg-dosimetry` (the rules of `mibg dose`), stored
/// in one transaction; any problem saves nothing.
async fn upload_readings(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Query(q): Query<UploadQuery>,
    text: String,
) -> ApiResult {
    let c = c.need()?;
    let course = course_of(&state, c, id).await?;
    let infusion_id = q
        .infusion_id
        .ok_or_else(|| AppError::BadRequest("infusion_id: missing from the query".into()))?;
    let inf = infusion_of_course(&state, c, &course, infusion_id).await?;
    let name = q.filename.unwrap_or_else(|| "readings.csv".into());
    let parsed =
        mibg_dosimetry::parse_readings(&name, &text, &mibg_dosimetry::ReadingsOptions::default())
            .map_err(|e| AppError::Refused(format!("nothing was saved: {e}")))?;
    let rows: Vec<Reading> = parsed
        .readings
        .iter()
        .map(|r| Reading {
            infusion_id: inf.id,
            hours: r.time_h,
            reading: r.raw,
            background: (r.background != 0.0).then_some(r.background),
            measured_at: r.clock_time,
        })
        .collect();
    let stored = state
        .store()
        .create_readings(&c.session.scope, course.patient_id, inf.id, &rows)
        .await?;
    json(
        StatusCode::CREATED,
        &ReadingsCreated {
            readings: stored.iter().map(reading_json).collect(),
            warnings: parsed.warnings,
        },
    )
}

// --------------------------------------------------------------- dosimetry

#[derive(Serialize)]
struct DosimetryJson {
    course_id: i64,
    patient_id: i64,
    protocol: String,
    /// `assessed`, `missing` (not enough data yet), `readings` (the
    /// readings cannot be used) or `refused` (the plausibility gate or
    /// another rule refused).
    outcome: &'static str,
    /// Why there is no result (when `outcome` is not `assessed`).
    problem: Option<String>,
    /// The second activity, when assessed.
    second_activity: Option<ActivityJson>,
    /// The whole result as `mibg course --json` gives it (units in the
    /// field names), when assessed.
    result: Option<serde_json::Value>,
    /// The plausibility gate's report, when the gate refused.
    gate: Option<serde_json::Value>,
    warnings: Vec<String>,
}

/// The dosimetry of a course, computed now by the clinic through the store.
async fn dosimetry(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
) -> ApiResult {
    let c = c.need()?;
    let a = state.store().assess_dosimetry(&c.session.scope, id).await?;
    let mut out = DosimetryJson {
        course_id: id,
        patient_id: a.patient_id,
        protocol: a.protocol.clone(),
        outcome: "missing",
        problem: None,
        second_activity: None,
        result: None,
        gate: None,
        warnings: Vec::new(),
    };
    match a.outcome {
        DosimetryOutcome::Missing(m) => out.problem = Some(format!("No dosimetry yet: {m}.")),
        DosimetryOutcome::Readings { infusion, error } => {
            out.outcome = "readings";
            out.problem = Some(format!(
                "The readings of infusion {infusion} cannot be used: {error}"
            ));
        }
        DosimetryOutcome::Refused(e) => {
            out.outcome = "refused";
            if let mibg_clinic::dosimetry::DosimetryError::Refused(r) = e.as_ref() {
                out.gate = Some(to_value(&r.report)?);
                out.warnings = r
                    .report
                    .findings
                    .iter()
                    .map(|f| f.message.clone())
                    .collect();
                out.problem = Some(
                    "The readings fail the plausibility gate: no second activity is computed from them."
                        .into(),
                );
            } else {
                out.problem = Some(format!("The dosimetry refused: {e}"));
            }
        }
        DosimetryOutcome::Assessed(d) => {
            out.outcome = "assessed";
            out.second_activity = Some(d.second_activity.into());
            out.warnings = d.warnings.clone();
            out.result = Some(to_value(d.as_ref())?);
        }
        _ => out.problem = Some("No dosimetry.".into()),
    }
    json(StatusCode::OK, &out)
}

/// A value as JSON inside a handler (an error is internal).
fn to_value<T: Serialize + ?Sized>(v: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::from(AppError::Internal(format!("json: {e}"))))
}

// ------------------------------------------------------------ prescription

/// The physicist's proposal: the password again, and each open warning
/// acknowledged by its text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProposeBody {
    password: String,
    #[serde(default)]
    acknowledged: Vec<String>,
}

#[derive(Serialize)]
struct OnePrescription {
    prescription: PrescriptionJson,
    warnings: Vec<String>,
}

fn open_warnings(p: &PrescriptionJson) -> Vec<String> {
    p.warnings
        .iter()
        .filter(|w| !p.acknowledged.contains(w))
        .cloned()
        .collect()
}

/// The physicist proposes the second activity (signed as authored).
async fn propose(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    b: Result<axum::Json<ProposeBody>, JsonRejection>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let (p, _) = state
        .store()
        .propose_second_activity(&c.session.scope, id, &f.acknowledged, &f.password)
        .await?;
    let p = prescription_json(&state, c, p).await?;
    let warnings = p.warnings.clone();
    json(
        StatusCode::CREATED,
        &OnePrescription {
            prescription: p,
            warnings,
        },
    )
}

/// One prescription with its signatures.
async fn prescription(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
) -> ApiResult {
    let c = c.need()?;
    let p = state
        .store()
        .get::<Prescription>(&c.session.scope, id)
        .await?;
    if p.deleted {
        return Err(AppError::NotFound.into());
    }
    let p = prescription_json(&state, c, p).await?;
    let warnings = open_warnings(&p);
    json(
        StatusCode::OK,
        &OnePrescription {
            prescription: p,
            warnings,
        },
    )
}

/// The physician's approval: the version approved, the password again, and
/// each warning of the prescription acknowledged by its text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApproveBody {
    version: i64,
    password: String,
    #[serde(default)]
    acknowledged: Vec<String>,
}

/// A physician approves a prescription (not its author; every warning
/// acknowledged; password again) — the store enforces each rule.
async fn approve(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    b: Result<axum::Json<ApproveBody>, JsonRejection>,
) -> ApiResult {
    let c = c.need()?;
    let scope = &c.session.scope;
    state.store().get::<Prescription>(scope, id).await?;
    let f = body(b)?;
    state
        .store()
        .sign_acknowledging(
            scope,
            "prescriptions",
            id,
            f.version,
            Meaning::Approved,
            &f.password,
            Some(&f.acknowledged),
        )
        .await?;
    let p = state.store().get::<Prescription>(scope, id).await?;
    let p = prescription_json(&state, c, p).await?;
    let warnings = p.warnings.clone();
    json(
        StatusCode::OK,
        &OnePrescription {
            prescription: p,
            warnings,
        },
    )
}

// ----------------------------------------------------------------- OpenAPI

/// The OpenAPI 3.1 document of the API, served at `/api/v1/openapi.json`.
async fn openapi_json() -> ApiResult {
    json(StatusCode::OK, &openapi())
}

/// The OpenAPI 3.1 document (hand-written; a test checks that its paths
/// and methods are exactly the `/api/v1` routes of the table).
pub fn openapi() -> serde_json::Value {
    openapi_doc::document()
}

/// 401 for the API: no valid token or session (`WWW-Authenticate: Bearer`).
pub(crate) fn unauthorized() -> Response {
    let mut r = problem(
        StatusCode::UNAUTHORIZED,
        "Sign in, or send a valid API token as 'Authorization: Bearer <token>'.",
    );
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}
