//! The pages' templates (askama, compiled in, HTML-escaped by the engine)
//! and the plain view models they show. Every number is already a string
//! here: formatting only, no rule.

use crate::AppState;
use crate::error::AppError;
use crate::guard::Ctx;
use askama::Template;
use axum::http::StatusCode;
use axum::response::Html;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether error pages (rendered without the request's state) carry the
/// demo banner: set once by a demo server.
static DEMO: AtomicBool = AtomicBool::new(false);

/// Marks this process as a demo server (the banner on error pages too).
pub fn set_demo() {
    DEMO.store(true, Ordering::Relaxed);
}

/// What every page shows around its content.
pub struct Layout {
    pub title: String,
    pub demo: bool,
    /// Printed name and role of the signed-in user.
    pub user: Option<(String, String)>,
    pub csrf: String,
    pub can_read: bool,
    /// The user manages accounts (the administration link).
    pub can_admin: bool,
}

pub fn layout(state: &AppState, ctx: Option<&Ctx>, title: impl Into<String>) -> Layout {
    Layout {
        title: title.into(),
        demo: state.config().demo,
        user: ctx.map(|c| {
            (
                c.session.user.printed_name.clone(),
                c.session.user.role.as_str().to_string(),
            )
        }),
        csrf: ctx.map(|c| c.csrf.clone()).unwrap_or_default(),
        can_read: ctx.is_some_and(|c| c.session.scope.can(mibg_store::Permission::ReadClinical)),
        can_admin: ctx.is_some_and(|c| c.session.scope.can(mibg_store::Permission::ManageUsers)),
    }
}

pub fn render(t: &impl Template) -> Result<Html<String>, AppError> {
    t.render()
        .map(Html)
        .map_err(|e| AppError::Internal(format!("template: {e}")))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    l: Layout,
    status: u16,
    message: &'a str,
}

/// An error page: the status, a message, a way back; no internals.
pub fn error_page(status: StatusCode, message: &str) -> Html<String> {
    let l = Layout {
        title: format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        ),
        demo: DEMO.load(Ordering::Relaxed),
        user: None,
        csrf: String::new(),
        can_read: false,
        can_admin: false,
    };
    render(&ErrorPage {
        l,
        status: status.as_u16(),
        message,
    })
    .unwrap_or_else(|_| Html(format!("<!doctype html><title>{}</title>", status.as_u16())))
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct Login {
    pub l: Layout,
    pub token: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct Home {
    pub l: Layout,
    pub role: String,
    pub may: Vec<String>,
}

pub struct CourseCell {
    pub id: i64,
    pub number: i64,
    pub reached: String,
    pub next: String,
    pub missing: Vec<String>,
}

pub struct PatientRow {
    pub id: i64,
    /// The name (clinical roles of the centre only; empty otherwise).
    pub name: String,
    pub study_id: String,
    pub centre: String,
    pub sex: String,
    pub courses: Vec<CourseCell>,
}

#[derive(Template)]
#[template(path = "patients.html")]
pub struct Patients {
    pub l: Layout,
    pub rows: Vec<PatientRow>,
    /// The caller reads identifying data (the name column is shown).
    pub identified: bool,
    pub can_enrol: bool,
    /// Positions (1-based) of the first and last patient shown, of `total`.
    pub first: u64,
    pub last: u64,
    pub total: u64,
    /// The pages before and after this one, if any.
    pub prev: Option<u64>,
    pub next: Option<u64>,
}

#[derive(Template)]
#[template(path = "patient.html")]
pub struct PatientPage {
    pub l: Layout,
    pub id: i64,
    pub study_id: String,
    pub facts: Vec<(String, String)>,
    pub courses: Vec<CourseCell>,
    pub can_audit: bool,
    /// Identifying data (clinical roles of the centre only).
    pub identity: Vec<(String, String)>,
    pub can_plan: bool,
}

pub struct StepRow {
    pub name: String,
    /// `done`, `missing`, `na`, `unrecorded`.
    pub class: String,
    pub text: String,
}

pub struct ReadingRow {
    pub hours: String,
    pub reading: String,
    pub background: String,
}

pub struct InfusionView {
    pub id: i64,
    pub number: i64,
    pub date: String,
    pub activity: String,
    pub prescribed: String,
    pub weight: String,
    pub readings: Vec<ReadingRow>,
    /// The hot-lab record with the library's decay factors, and its
    /// warnings (`crate::enrol::hot_lab_rows`).
    pub hot_lab: (Vec<(String, String)>, Vec<String>),
}

pub struct SignatureView {
    pub name: String,
    pub meaning: String,
    pub at: String,
    pub version: i64,
    pub hash: String,
    pub state: String,
}

pub struct PrescriptionView {
    pub id: i64,
    pub version: i64,
    pub infusion: i64,
    pub activity: String,
    pub status: String,
    pub basis: Vec<(String, String)>,
    pub warnings: Vec<String>,
    pub signatures: Vec<SignatureView>,
    /// The signed-in user may approve it now (a physician, not its author,
    /// authored and not yet approved).
    pub approvable: bool,
}

#[derive(Template)]
#[template(path = "course.html")]
pub struct CoursePage {
    pub l: Layout,
    pub id: i64,
    pub patient_id: i64,
    pub study_id: String,
    pub number: i64,
    pub protocol: String,
    pub reached: String,
    pub next: String,
    pub steps: Vec<StepRow>,
    pub infusions: Vec<InfusionView>,
    pub can_enter: bool,
    pub prescriptions: Vec<PrescriptionView>,
    /// Infusion entry and the delivered total (`crate::enrol`).
    pub extras: crate::enrol::CourseExtras,
}

pub struct GateRow {
    pub check: String,
    pub status: String,
    pub detail: String,
}

pub struct CapRow {
    pub name: String,
    pub allows: String,
    pub binds: bool,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "dosimetry.html")]
pub struct DosimetryPage {
    pub l: Layout,
    pub course_id: i64,
    pub patient_id: i64,
    pub study_id: String,
    pub protocol: String,
    /// Missing, unusable readings or a refusal, in words.
    pub problem: Option<String>,
    pub svg: String,
    pub numbers: Vec<(String, String)>,
    pub model: String,
    pub model_reason: String,
    pub model_criterion: String,
    pub gate_series: String,
    pub gate: Vec<GateRow>,
    pub findings: Vec<String>,
    pub caps: Vec<CapRow>,
    pub binding_cap: String,
    pub statement: String,
    pub warnings: Vec<String>,
    pub explanation: Vec<String>,
    pub can_propose: bool,
    pub existing: Option<i64>,
}

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub who: String,
    pub action: String,
    pub entity: String,
    pub field: String,
    pub old: String,
    pub new: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "history.html")]
pub struct History {
    pub l: Layout,
    pub patient_id: i64,
    pub study_id: String,
    pub rows: Vec<AuditRow>,
}

/// A readings file refused: every problem by line and field.
#[derive(Template)]
#[template(path = "readings_refused.html")]
pub struct ReadingsRefused {
    pub l: Layout,
    pub course_id: i64,
    pub title: String,
    pub problems: Vec<crate::clinical::ProblemRow>,
}
