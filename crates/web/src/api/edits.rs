//! Changing and deleting a laboratory value, an adverse event, a response
//! assessment, a follow-up event, a melphalan dose, a stem-cell return or
//! a transfusion through the API: the store's own change and deletion acts
//! (`Store::update_lab`, `update_adverse_event`, `update_assessment`,
//! `update_follow_up`, `update_melphalan`, `update_stem_cells`,
//! `update_transfusion`, `delete_toxicity_record`, `delete_assessment`,
//! `delete_follow_up`, `delete_melphalan`, `delete_stem_cells`), which the edit pages
//! call too — the version the change was based on (a stale one is 409 with
//! the current values in the detail), a reason for every change
//! (docs/reference/registry.md §4), the library's parsers on the new
//! values, and the audit of old → new.

use super::entry::refused;
use super::{ApiResult, body, course_of, json};
use crate::AppState;
use crate::guard::MaybeCtx;
use axum::Extension;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use mibg_store::clinical::{Entry, EntryProblem, LabEntry};
use mibg_store::{AdverseEvent, AssessmentKind, Lab, Stored};
use serde::{Deserialize, Serialize};
use serde_json::Value;

type St = State<AppState>;
type Cx = Extension<MaybeCtx>;
type Id = Path<i64>;
type Body<T> = Result<axum::Json<T>, JsonRejection>;

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The record changed: its id and new version.
#[derive(Serialize)]
struct Changed {
    id: i64,
    version: i64,
    deleted: bool,
    warnings: Vec<String>,
}

fn changed<T>(s: &Stored<T>) -> ApiResult {
    json(
        StatusCode::OK,
        &Changed {
            id: s.id,
            version: s.version,
            deleted: s.deleted,
            warnings: Vec::new(),
        },
    )
}

fn outcome<T>(what: &str, r: Entry<Stored<T>>) -> ApiResult {
    match r {
        Ok(s) => changed(&s),
        Err(p) => Ok(refused(what, &p)),
    }
}

/// A change of a laboratory value.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LabChange {
    record_id: i64,
    version: i64,
    reason: String,
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

pub(super) async fn update_lab(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<LabChange>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let e = LabEntry {
        date: f.date,
        test: f.test,
        value: text(&f.value),
        unit: f.unit,
        lln: f.lln.as_ref().map(text).unwrap_or_default(),
        uln: f.uln.as_ref().map(text).unwrap_or_default(),
        baseline: f.baseline,
    };
    let r = state
        .store()
        .update_lab(&c.session.scope, id, f.record_id, f.version, &e, &f.reason)
        .await?;
    outcome("The change", r)
}

/// A change of an adverse event.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EventChange {
    record_id: i64,
    version: i64,
    reason: String,
    date: String,
    term: String,
    grade: Value,
}

pub(super) async fn update_event(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<EventChange>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let r = state
        .store()
        .update_adverse_event(
            &c.session.scope,
            id,
            f.record_id,
            f.version,
            &f.date,
            &f.term,
            &text(&f.grade),
            &f.reason,
        )
        .await?;
    outcome("The change", r)
}

/// A change of a response assessment.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AssessmentChange {
    record_id: i64,
    version: i64,
    reason: String,
    kind: String,
    assessment: Value,
}

pub(super) async fn update_assessment(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<AssessmentChange>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let kind = match AssessmentKind::parse(&f.kind) {
        Some(k) => k,
        None => {
            return Ok(refused(
                "The change",
                &[EntryProblem {
                    line: None,
                    field: Some("kind".into()),
                    message: "'baseline' or 'follow_up'".into(),
                }],
            ));
        }
    };
    let r = state
        .store()
        .update_assessment(
            &c.session.scope,
            id,
            f.record_id,
            f.version,
            kind,
            f.assessment,
            &f.reason,
        )
        .await?;
    outcome("The change", r)
}

/// A deletion (a state: the record stays, flagged, in the audit trail).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Deletion {
    record_id: i64,
    version: i64,
    reason: String,
}

pub(super) async fn delete_lab(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<Deletion>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let s = state
        .store()
        .delete_toxicity_record::<Lab>(&c.session.scope, id, f.record_id, f.version, &f.reason)
        .await?;
    changed(&s)
}

pub(super) async fn delete_event(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<Deletion>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let s = state
        .store()
        .delete_toxicity_record::<AdverseEvent>(
            &c.session.scope,
            id,
            f.record_id,
            f.version,
            &f.reason,
        )
        .await?;
    changed(&s)
}

pub(super) async fn delete_assessment(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<Deletion>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let r = state
        .store()
        .delete_assessment(&c.session.scope, id, f.record_id, f.version, &f.reason)
        .await?;
    outcome("The deletion", r)
}

/// A change of a follow-up event.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FollowUpChange {
    record_id: i64,
    version: i64,
    reason: String,
    event: String,
    date: String,
    #[serde(default)]
    cause: Option<String>,
    #[serde(default)]
    notes: Option<String>,
}

pub(super) async fn update_follow_up(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<FollowUpChange>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let e = mibg_store::followup::FollowUpEntry {
        event: f.event,
        date: f.date,
        cause: f.cause.unwrap_or_default(),
        notes: f.notes.unwrap_or_default(),
    };
    let r = state
        .store()
        .update_follow_up(&c.session.scope, id, f.record_id, f.version, &e, &f.reason)
        .await?;
    outcome("The change", r)
}

pub(super) async fn delete_follow_up(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<Deletion>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let s = state
        .store()
        .delete_follow_up(&c.session.scope, id, f.record_id, f.version, &f.reason)
        .await?;
    changed(&s)
}

/// A change of a melphalan dose.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MelphalanChange {
    record_id: i64,
    version: i64,
    reason: String,
    date: String,
    dose_mg: Value,
}

pub(super) async fn update_melphalan(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<MelphalanChange>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let r = state
        .store()
        .update_melphalan(
            &c.session.scope,
            id,
            f.record_id,
            f.version,
            &f.date,
            &text(&f.dose_mg),
            &f.reason,
        )
        .await?;
    outcome("The change", r)
}

pub(super) async fn delete_melphalan(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<Deletion>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let s = state
        .store()
        .delete_melphalan(&c.session.scope, id, f.record_id, f.version, &f.reason)
        .await?;
    changed(&s)
}

/// A change of a stem-cell return.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StemCellsChange {
    record_id: i64,
    version: i64,
    reason: String,
    date: String,
    #[serde(default)]
    cd34_e6_per_kg: Option<Value>,
}

pub(super) async fn update_stem_cells(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<StemCellsChange>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let r = state
        .store()
        .update_stem_cells(
            &c.session.scope,
            id,
            f.record_id,
            f.version,
            &f.date,
            &f.cd34_e6_per_kg.as_ref().map(text).unwrap_or_default(),
            &f.reason,
        )
        .await?;
    outcome("The change", r)
}

pub(super) async fn delete_stem_cells(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<Deletion>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let s = state
        .store()
        .delete_stem_cells(&c.session.scope, id, f.record_id, f.version, &f.reason)
        .await?;
    changed(&s)
}

/// A change of a transfusion.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TransfusionChange {
    record_id: i64,
    version: i64,
    reason: String,
    date: String,
    product: String,
}

pub(super) async fn update_transfusion(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<TransfusionChange>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let r = state
        .store()
        .update_transfusion(
            &c.session.scope,
            id,
            f.record_id,
            f.version,
            &f.date,
            &f.product,
            &f.reason,
        )
        .await?;
    outcome("The change", r)
}

pub(super) async fn delete_transfusion(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<Deletion>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let s = state
        .store()
        .delete_toxicity_record::<mibg_store::Transfusion>(
            &c.session.scope,
            id,
            f.record_id,
            f.version,
            &f.reason,
        )
        .await?;
    changed(&s)
}

/// A change of a later therapy.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TherapyChange {
    record_id: i64,
    version: i64,
    reason: String,
    therapy: String,
    start_date: String,
    #[serde(default)]
    notes: Option<String>,
}

pub(super) async fn update_therapy(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<TherapyChange>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let e = mibg_store::therapies::TherapyEntry {
        therapy: f.therapy,
        start_date: f.start_date,
        notes: f.notes.unwrap_or_default(),
    };
    let r = state
        .store()
        .update_therapy(&c.session.scope, id, f.record_id, f.version, &e, &f.reason)
        .await?;
    outcome("The change", r)
}

pub(super) async fn delete_therapy(
    State(state): St,
    Extension(c): Cx,
    Path(id): Id,
    b: Body<Deletion>,
) -> ApiResult {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let f = body(b)?;
    let s = state
        .store()
        .delete_therapy(&c.session.scope, id, f.record_id, f.version, &f.reason)
        .await?;
    changed(&s)
}
