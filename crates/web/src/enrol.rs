//! The pages that start and carry a course in the registry: a patient
//! enrolled with their identifying data apart, a course planned (the plan of
//! `mibg plan`, the infusion-1 prescription authored with a signature), an
//! infusion recorded as given from the hot-lab record, melphalan as given
//! beside the plan's dose, stem-cell returns and transfusions.
//!
//! No rule here: the store reads every entry with the study folder's
//! readers, computes the plan with `mibg_clinic::plan::plan_course`, the net
//! activity with `mibg_dosimetry::administered`, and decides whether an
//! infusion may be recorded with `mibg_clinic::course::may_record_infusion`
//! (`mibg_store::enrol`). This module parses forms and renders.

use crate::clinical::{ProblemRow, problem_rows};
use crate::error::AppError;
use crate::guard::{Ctx, MaybeCtx};
use crate::views::{self, Layout};
use crate::{Access, AppState, Object, Routes, spec};
use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mibg_store::clinical::EntryProblem;
use mibg_store::enrol::{InfusionEntry, PatientEntry};
use mibg_store::{Area, Course, Patient, Permission, Permission as P, Prescription, Stored};
use mibg_units::{Activity, Length, Mass};

type Page = Result<Response, AppError>;

/// Enrol a patient with their identifying data (nurse, physicist,
/// physician of the centre).
pub(crate) const ENROL: &[Permission] = &[
    P::ReadClinical,
    P::ReadIdentifiers,
    P::Write(Area::Enrolment),
];
/// Plan a course and author its infusion-1 prescription (physicist,
/// physician).
pub(crate) const PLAN: &[Permission] = &[
    P::ReadClinical,
    P::Write(Area::Enrolment),
    P::Write(Area::Prescription),
    P::SignAuthored,
];
/// Record an infusion as given, a stem-cell return (nurse, physician).
pub(crate) const GIVE: &[Permission] = &[P::ReadClinical, P::Write(Area::Treatment)];
/// Record a transfusion (nurse, physician).
pub(crate) const TRANSFUSE: &[Permission] = &[P::ReadClinical, P::Write(Area::Toxicity)];

/// The routes of this area.
pub(crate) fn routes() -> Routes {
    use axum::routing::{get, post};
    let r = spec;
    vec![
        (
            r("GET", "/patients/new", Access::Needs(ENROL), Object::None),
            get(new_patient),
        ),
        (
            r("POST", "/patients", Access::Needs(ENROL), Object::None),
            post(create_patient),
        ),
        (
            r(
                "GET",
                "/patients/{id}/plan",
                Access::Needs(PLAN),
                Object::Patient,
            ),
            get(plan_form),
        ),
        (
            r(
                "POST",
                "/patients/{id}/courses",
                Access::Needs(PLAN),
                Object::Patient,
            ),
            post(plan_course),
        ),
        (
            r(
                "GET",
                "/courses/{id}/infusion",
                Access::Needs(GIVE),
                Object::Course,
            ),
            get(infusion_form),
        ),
        (
            r(
                "POST",
                "/courses/{id}/infusions",
                Access::Needs(GIVE),
                Object::Course,
            ),
            post(record_infusion),
        ),
        (
            r(
                "POST",
                "/courses/{id}/stem-cells",
                Access::Needs(GIVE),
                Object::Course,
            ),
            post(add_stem_cells),
        ),
        (
            r(
                "POST",
                "/courses/{id}/transfusions",
                Access::Needs(TRANSFUSE),
                Object::Course,
            ),
            post(add_transfusion),
        ),
        (
            r(
                "POST",
                "/courses/{id}/melphalan",
                Access::Needs(GIVE),
                Object::Course,
            ),
            post(record_melphalan),
        ),
    ]
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

pub(crate) fn act(a: Activity) -> String {
    format!("{:.0} MBq ({:.1} mCi)", a.mbq(), a.mci())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

// ---------------------------------------------------------------- patient

#[derive(Template)]
#[template(path = "patient_new.html")]
pub struct NewPatientPage {
    pub l: Layout,
    pub centres: Vec<(i64, String)>,
    pub problems: Vec<ProblemRow>,
    pub problem_title: String,
    /// The values typed (kept when refused), by field name.
    pub v: Vec<(String, String)>,
}

impl NewPatientPage {
    /// The value typed into field `name`.
    pub fn val(&self, name: &str) -> &str {
        field(&self.v, name)
    }
}

async fn centres(state: &AppState, c: &Ctx) -> Vec<(i64, String)> {
    state
        .store()
        .list_centres(&c.session.scope)
        .await
        .map(|v| {
            v.into_iter()
                .map(|x| {
                    let label = if x.code == x.name {
                        x.code
                    } else {
                        format!("{} — {}", x.code, x.name)
                    };
                    (x.id, label)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The enrolment form.
async fn new_patient(State(state): State<AppState>, Extension(c): Extension<MaybeCtx>) -> Page {
    let c = c.need()?;
    Ok(views::render(&NewPatientPage {
        l: views::layout(&state, Some(c), "New patient"),
        centres: centres(&state, c).await,
        problems: Vec::new(),
        problem_title: String::new(),
        v: Vec::new(),
    })?
    .into_response())
}

/// The act of enrolling a patient, for the page and the API alike: the
/// centre chosen (the caller's only centre when none is named; a centre
/// not granted is a problem on `centre_id`, as for an unknown one), then
/// [`mibg_store::Store::enrol_patient_entry`], which reads the row with the
/// study folder's reader and writes the patient and, apart, the identity.
pub(crate) async fn enrol(
    state: &AppState,
    c: &Ctx,
    centre: Option<i64>,
    entry: &PatientEntry,
) -> Result<mibg_store::clinical::Entry<Stored<Patient>>, AppError> {
    let centre = match centre {
        Some(id) => Some(id),
        None => {
            let centres = centres(state, c).await;
            (centres.len() == 1).then(|| centres[0].0)
        }
    };
    let Some(centre) = centre else {
        return Ok(Err(vec![EntryProblem {
            line: None,
            field: Some("centre_id".into()),
            message: "choose the patient's centre".into(),
        }]));
    };
    match state
        .store()
        .enrol_patient_entry(&c.session.scope, centre, entry)
        .await
    {
        Ok(r) => Ok(r),
        // A centre not granted is "not found": say so on the field.
        Err(mibg_store::StoreError::NotFound { .. }) => Ok(Err(vec![EntryProblem {
            line: None,
            field: Some("centre_id".into()),
            message: "not one of your centres".into(),
        }])),
        Err(e) => Err(e.into()),
    }
}

/// Enrols a patient: the store reads the row with the study folder's
/// reader and writes the patient and, apart, the identity (audited).
async fn create_patient(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let centre = field(&f, "centre_id").trim().parse::<i64>().ok();
    let entry = PatientEntry {
        study_id: field(&f, "patient").into(),
        sex: field(&f, "sex").into(),
        weight_kg: field(&f, "weight_kg").into(),
        height_cm: field(&f, "height_cm").into(),
        enrolment_date: field(&f, "enrolment_date").into(),
        name: field(&f, "name").into(),
        birth_date: field(&f, "birth_date").into(),
        hospital_number: field(&f, "hospital_number").into(),
    };
    match enrol(&state, c, centre, &entry).await? {
        Ok(p) => Ok(Redirect::to(&format!("/patients/{}", p.id)).into_response()),
        Err(problems) => {
            let page = NewPatientPage {
                l: views::layout(&state, Some(c), "New patient"),
                centres: centres(&state, c).await,
                problem_title: format!(
                    "The patient was not saved — {} problem{}",
                    problems.len(),
                    plural(problems.len())
                ),
                problems: problem_rows(&problems),
                v: f.into_iter()
                    .filter(|(k, _)| k != "csrf")
                    .collect::<Vec<_>>(),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, views::render(&page)?).into_response())
        }
    }
}

// ---------------------------------------------------------------- plan

pub struct PlanView {
    pub numbers: Vec<(String, String)>,
    pub schedule: Vec<(String, String)>,
    pub explanation: Vec<String>,
    pub review: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Template)]
#[template(path = "plan.html")]
pub struct PlanPage {
    pub l: Layout,
    pub patient_id: i64,
    pub study_id: String,
    pub protocols: Vec<(i64, String, bool)>,
    pub protocol_id: i64,
    pub weight: String,
    pub height: String,
    pub plan: Option<PlanView>,
    pub problems: Vec<ProblemRow>,
    pub problem_title: String,
}

#[derive(serde::Deserialize, Default)]
pub struct PlanQuery {
    protocol_id: Option<String>,
    weight_kg: Option<String>,
    height_cm: Option<String>,
}

fn plan_view(p: &mibg_clinic::plan::CoursePlan) -> PlanView {
    let pl = &p.plan;
    let i1 = &pl.infusion1;
    let mut numbers = vec![
        (
            "Infusion 1 activity".to_string(),
            format!(
                "{} — {} MBq/kg × {} kg",
                act(i1.activity),
                i1.prescribed_per_kg.mbq_per_kg(),
                pl.weight.kg()
            ),
        ),
        (
            "Infusion 2".into(),
            format!(
                "day {} (allowed {}–{}); from the dosimetry of infusion 1, to reach {:.2} Gy whole-body in total; at most {}",
                pl.infusion2.day,
                pl.infusion2.earliest_day,
                pl.infusion2.latest_day,
                pl.infusion2.target_total_wb.gy(),
                act(pl.infusion2.max_activity)
            ),
        ),
        (
            "Melphalan".into(),
            format!(
                "{:.1} mg (BSA {:.2} m², {})",
                pl.melphalan.dose.mg(),
                pl.melphalan.bsa.m2(),
                pl.melphalan.bsa_formula.describe()
            ),
        ),
        (
            "Protocol".into(),
            format!("{} {}", pl.protocol_name, pl.protocol_version),
        ),
    ];
    if let Some(cap) = &i1.cap {
        numbers.insert(1, ("Infusion 1 cap".into(), cap.reason.clone()));
    }
    PlanView {
        numbers,
        schedule: pl
            .schedule
            .iter()
            .map(|s| {
                (
                    match s.window {
                        Some((a, b)) => format!("day {} ({a}–{b})", s.day),
                        None => format!("day {}", s.day),
                    },
                    s.description.clone(),
                )
            })
            .collect(),
        explanation: p.explanation.clone(),
        review: pl
            .unverified_parameters
            .iter()
            .map(|v| format!("{} = {} [{:?}]", v.key, v.value, v.status))
            .collect(),
        warnings: pl.warnings.clone(),
    }
}

async fn patient_of(state: &AppState, c: &Ctx, id: i64) -> Result<Stored<Patient>, AppError> {
    let p = state.store().get::<Patient>(&c.session.scope, id).await?;
    if p.deleted {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

fn parse_kg_cm(weight: &str, height: &str) -> Result<(Mass, Length), Vec<EntryProblem>> {
    let mut problems = Vec::new();
    let mut num = |name: &str, v: &str| match v.trim().parse::<f64>() {
        Ok(x) if x.is_finite() => Some(x),
        _ => {
            problems.push(EntryProblem {
                line: None,
                field: Some(name.into()),
                message: if v.trim().is_empty() {
                    "a value is required".into()
                } else {
                    format!("'{}' is not a number (use a decimal point)", v.trim())
                },
            });
            None
        }
    };
    let w = num("weight_kg", weight);
    let h = num("height_cm", height);
    match (w, h) {
        (Some(w), Some(h)) => Ok((Mass::from_kg(w), Length::from_cm(h))),
        _ => Err(problems),
    }
}

#[allow(clippy::too_many_arguments)]
async fn plan_page(
    state: &AppState,
    c: &Ctx,
    patient: &Stored<Patient>,
    protocol_id: Option<i64>,
    weight: String,
    height: String,
    mut problems: Vec<EntryProblem>,
    problem_title: String,
) -> Result<PlanPage, AppError> {
    let scope = &c.session.scope;
    let versions = state.store().protocol_versions(scope).await?;
    let chosen = protocol_id
        .filter(|id| versions.iter().any(|v| v.id == *id))
        .or_else(|| versions.first().map(|v| v.id))
        .unwrap_or(0);
    let mut plan = None;
    if problems.is_empty() && chosen != 0 {
        match parse_kg_cm(&weight, &height) {
            Ok((w, h)) => match state
                .store()
                .preview_plan(scope, patient.id, chosen, w, h)
                .await
            {
                Ok(p) => plan = Some(plan_view(&p)),
                Err(mibg_store::StoreError::Invalid { field, message, .. }) => {
                    problems.push(EntryProblem {
                        line: None,
                        field: Some(field),
                        message,
                    })
                }
                Err(e) => return Err(e.into()),
            },
            Err(p) => problems.extend(p),
        }
    }
    let title = if problem_title.is_empty() && !problems.is_empty() {
        "The plan cannot be computed".to_string()
    } else {
        problem_title
    };
    Ok(PlanPage {
        l: views::layout(
            state,
            Some(c),
            format!("Plan a course — {}", patient.record.study_id),
        ),
        patient_id: patient.id,
        study_id: patient.record.study_id.clone(),
        protocols: versions
            .iter()
            .map(|v| (v.id, v.label.clone(), v.id == chosen))
            .collect(),
        protocol_id: chosen,
        weight,
        height,
        plan,
        problems: problem_rows(&problems),
        problem_title: title,
    })
}

/// The plan of a new course: the form, and the plan computed by the
/// library for the weight and height given (at enrolment by default).
async fn plan_form(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Query(q): Query<PlanQuery>,
) -> Page {
    let c = c.need()?;
    let patient = patient_of(&state, c, id).await?;
    let weight = q
        .weight_kg
        .unwrap_or_else(|| patient.record.weight_kg.kg().to_string());
    let height = q
        .height_cm
        .unwrap_or_else(|| patient.record.height_cm.cm().to_string());
    let protocol = q.protocol_id.and_then(|s| s.trim().parse::<i64>().ok());
    let page = plan_page(
        &state,
        c,
        &patient,
        protocol,
        weight,
        height,
        Vec::new(),
        String::new(),
    )
    .await?;
    Ok(views::render(&page)?.into_response())
}

#[allow(clippy::too_many_arguments)]
async fn refuse_plan(
    state: &AppState,
    c: &Ctx,
    patient: &Stored<Patient>,
    protocol: Option<i64>,
    weight: String,
    height: String,
    problems: Vec<EntryProblem>,
    title: &'static str,
) -> Page {
    let page = plan_page(
        state,
        c,
        patient,
        protocol,
        weight,
        height,
        problems,
        title.to_string(),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, views::render(&page)?).into_response())
}

/// Plans the course: the store computes the plan again, writes the course
/// and the infusion-1 prescription and signs it as authored (password
/// again, every warning acknowledged).
async fn plan_course(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let patient = patient_of(&state, c, id).await?;
    let weight = field(&f, "weight_kg").to_string();
    let height = field(&f, "height_cm").to_string();
    let protocol = field(&f, "protocol_id").trim().parse::<i64>().ok();
    let refuse = |problems: Vec<EntryProblem>, title: &'static str| {
        refuse_plan(
            &state,
            c,
            &patient,
            protocol,
            weight.clone(),
            height.clone(),
            problems,
            title,
        )
    };
    let acks: Vec<String> = f
        .iter()
        .filter(|(k, _)| k == "ack")
        .map(|(_, v)| v.clone())
        .collect();
    match plan(
        &state,
        c,
        &patient,
        protocol,
        &weight,
        &height,
        &acks,
        field(&f, "password"),
    )
    .await?
    {
        Ok((course, rx)) => Ok(Redirect::to(&format!(
            "/courses/{}#prescription-{}",
            course.id, rx.id
        ))
        .into_response()),
        Err(p) if p.iter().any(|p| p.field.as_deref() == Some("signature")) => {
            refuse(p, "The course was not planned: signature refused").await
        }
        Err(p) => refuse(p, "The course was not planned").await,
    }
}

/// The act of planning a course, for the page and the API alike: weight
/// and height read as numbers, the protocol version named, then
/// [`mibg_store::Store::plan_new_course`] (the plan by
/// `mibg_clinic::plan::plan_course`, the course and its infusion-1
/// prescription written and signed as authored after the password is
/// checked again and every warning acknowledged). A refusal is a problem
/// on its field (`weight_kg`, `height_cm`, `protocol_id`, a field of the
/// plan, or `signature`); nothing is written.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn plan(
    state: &AppState,
    c: &Ctx,
    patient: &Stored<Patient>,
    protocol: Option<i64>,
    weight: &str,
    height: &str,
    acknowledged: &[String],
    password: &str,
) -> Result<mibg_store::clinical::Entry<(Stored<Course>, Stored<Prescription>)>, AppError> {
    let one = |field: String, message: String| {
        Ok(Err(vec![EntryProblem {
            line: None,
            field: Some(field),
            message,
        }]))
    };
    let (w, h) = match parse_kg_cm(weight, height) {
        Ok(x) => x,
        Err(p) => return Ok(Err(p)),
    };
    let Some(protocol_id) = protocol else {
        return one("protocol_id".into(), "choose the protocol version".into());
    };
    match state
        .store()
        .plan_new_course(
            &c.session.scope,
            patient.id,
            protocol_id,
            w,
            h,
            acknowledged,
            password,
        )
        .await
    {
        Ok((course, rx, _)) => Ok(Ok((course, rx))),
        Err(mibg_store::StoreError::Invalid { field, message, .. }) => one(field, message),
        Err(mibg_store::StoreError::Signature(m)) => one("signature".into(), m),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- infusion

#[derive(Template)]
#[template(path = "infusion.html")]
pub struct InfusionPage {
    pub l: Layout,
    pub course_id: i64,
    pub patient_id: i64,
    pub study_id: String,
    pub course_number: i64,
    /// The infusion to record (1 or 2), if one may be recorded now.
    pub number: Option<u32>,
    /// Why not, when none may be.
    pub blocked: Vec<String>,
    /// The approved prescription of that infusion.
    pub prescribed: String,
    pub time_zone: String,
    pub problems: Vec<ProblemRow>,
    pub problem_title: String,
    pub v: Vec<(String, String)>,
}

impl InfusionPage {
    /// The value typed into field `name`.
    pub fn val(&self, name: &str) -> &str {
        field(&self.v, name)
    }
    /// Whether `unit` was chosen for field `name`.
    pub fn unit_is(&self, name: &str, unit: &str) -> bool {
        field(&self.v, name) == unit
    }
}

async fn course_of(state: &AppState, c: &Ctx, id: i64) -> Result<Stored<Course>, AppError> {
    let course = state.store().get::<Course>(&c.session.scope, id).await?;
    if course.deleted {
        return Err(AppError::NotFound);
    }
    Ok(course)
}

async fn infusion_page(
    state: &AppState,
    c: &Ctx,
    course: &Stored<Course>,
    problems: &[EntryProblem],
    v: Vec<(String, String)>,
) -> Result<InfusionPage, AppError> {
    let scope = &c.session.scope;
    let patient = state
        .store()
        .get::<Patient>(scope, course.patient_id)
        .await?;
    let facts = state.store().course_facts(scope, course.id).await?;
    let mut blocked = Vec::new();
    let mut number = None;
    for n in [1, 2] {
        match mibg_clinic::course::may_record_infusion(&facts, n) {
            Ok(()) => {
                number = Some(n);
                break;
            }
            Err(why) => blocked.push(format!("Infusion {n}: {why}.")),
        }
    }
    if number.is_some() {
        blocked.clear();
    }
    let prescribed = match number {
        Some(n) => state
            .store()
            .list::<Prescription>(scope, course.patient_id)
            .await?
            .into_iter()
            .find(|p| {
                p.record.course_id == course.id
                    && p.record.infusion_number == i64::from(n)
                    && !p.deleted
            })
            .map(|p| act(p.record.activity_mbq))
            .unwrap_or_default(),
        None => String::new(),
    };
    let tz = state
        .store()
        .centre_time_zone(scope, patient.centre_id)
        .await;
    Ok(InfusionPage {
        l: views::layout(
            state,
            Some(c),
            format!("Infusion — {}", patient.record.study_id),
        ),
        course_id: course.id,
        patient_id: patient.id,
        study_id: patient.record.study_id.clone(),
        course_number: course.record.number,
        number,
        blocked,
        prescribed,
        time_zone: tz.iana_name().unwrap_or("UTC").to_string(),
        problem_title: if problems.is_empty() {
            String::new()
        } else {
            format!(
                "The infusion was not saved — {} problem{}",
                problems.len(),
                plural(problems.len())
            )
        },
        problems: problem_rows(problems),
        v,
    })
}

/// The form of the infusion that may be recorded now (or why none may).
async fn infusion_form(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
) -> Page {
    let c = c.need()?;
    let course = course_of(&state, c, id).await?;
    let page = infusion_page(&state, c, &course, &[], Vec::new()).await?;
    Ok(views::render(&page)?.into_response())
}

/// Records an infusion as given from the hot-lab record.
async fn record_infusion(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let course = course_of(&state, c, id).await?;
    let number = match field(&f, "number").trim().parse::<u32>() {
        Ok(n) => n,
        Err(_) => {
            let p = [EntryProblem {
                line: None,
                field: Some("number".into()),
                message: "which infusion (1 or 2)?".into(),
            }];
            let page = infusion_page(&state, c, &course, &p, Vec::new()).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, views::render(&page)?).into_response());
        }
    };
    let entry = InfusionEntry {
        number,
        weight_kg: field(&f, "weight_kg").into(),
        start: field(&f, "start_time").into(),
        end: field(&f, "end_time").into(),
        assayed: field(&f, "assayed").into(),
        assayed_unit: field(&f, "assayed_unit").into(),
        assay_at: field(&f, "assay_time").into(),
        residual: field(&f, "residual").into(),
        residual_unit: field(&f, "residual_unit").into(),
        residual_at: field(&f, "residual_time").into(),
    };
    match state
        .store()
        .record_infusion(&c.session.scope, id, &entry)
        .await?
    {
        Ok(r) => Ok(Redirect::to(&format!(
            "/courses/{id}#infusion-{}",
            r.infusion.record.number
        ))
        .into_response()),
        Err(problems) => {
            let v = f.into_iter().filter(|(k, _)| k != "csrf").collect();
            let page = infusion_page(&state, c, &course, &problems, v).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, views::render(&page)?).into_response())
        }
    }
}

// ---------------------------------------------------------------- stem cells, transfusions

/// The stem-cell returns and transfusions on the toxicity page: (record
/// id, date, CD34+ or product), each with its "change or delete" link for
/// a role with the entry's right.
pub struct Supportive {
    pub stem_cells: Vec<(i64, String, String)>,
    pub transfusions: Vec<(i64, String, String)>,
    pub can_give: bool,
    pub can_transfuse: bool,
}

pub(crate) fn supportive(c: &Ctx, t: &mibg_store::clinical::CourseToxicity) -> Supportive {
    Supportive {
        stem_cells: t
            .stem_cell_returns
            .iter()
            .map(|s| {
                (
                    s.id,
                    s.record.date.to_string(),
                    s.record
                        .cd34_e6_per_kg
                        .map(|x| format!("CD34+ {x} ×10⁶/kg"))
                        .unwrap_or_default(),
                )
            })
            .collect(),
        transfusions: t
            .transfusions
            .iter()
            .map(|x| {
                (
                    x.id,
                    x.record.date.to_string(),
                    x.record.product.replace('_', " "),
                )
            })
            .collect(),
        can_give: c.session.scope.can(P::Write(Area::Treatment)),
        can_transfuse: c.session.scope.can(P::Write(Area::Toxicity)),
    }
}

async fn refused_tox(state: &AppState, c: &Ctx, id: i64, p: &[EntryProblem], title: &str) -> Page {
    let t = state.store().course_toxicity(&c.session.scope, id).await?;
    let page = crate::clinical::tox_page(state, c, &t, id, problem_rows(p), title);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, views::render(&page)?).into_response())
}

/// A stem-cell return (day 0 of engraftment).
async fn add_stem_cells(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    match state
        .store()
        .add_stem_cells(
            &c.session.scope,
            id,
            field(&f, "date"),
            field(&f, "cd34_e6_per_kg"),
        )
        .await?
    {
        Ok(_) => Ok(Redirect::to(&format!("/courses/{id}/toxicity#supportive")).into_response()),
        Err(p) => refused_tox(&state, c, id, &p, "The stem-cell return was not saved").await,
    }
}

/// A transfusion (platelets, red cells).
async fn add_transfusion(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    match state
        .store()
        .add_transfusion(
            &c.session.scope,
            id,
            field(&f, "date"),
            field(&f, "product"),
        )
        .await?
    {
        Ok(_) => Ok(Redirect::to(&format!("/courses/{id}/toxicity#supportive")).into_response()),
        Err(p) => refused_tox(&state, c, id, &p, "The transfusion was not saved").await,
    }
}

// ---------------------------------------------------------------- course page

/// The hot-lab record of an infusion as labelled rows, with the library's
/// decay factors and net activity (empty without a hot-lab record).
pub(crate) fn hot_lab_rows(i: &mibg_store::Infusion) -> (Vec<(String, String)>, Vec<String>) {
    let Some(a) = mibg_store::Store::administered_of(i) else {
        return (Vec::new(), Vec::new());
    };
    let Some(h) = &a.hot_lab else {
        return (Vec::new(), Vec::new());
    };
    let t = |x: jiff::Timestamp| crate::pages::utc_instant(x);
    let mut rows = vec![
        (
            "Assayed".to_string(),
            format!("{} at {}", act(h.record.assayed), t(h.record.assay_time)),
        ),
        (
            "Infusion".into(),
            format!(
                "{} → {}",
                t(h.record.infusion_start),
                i.end_at.map(t).unwrap_or_else(|| "end not recorded".into())
            ),
        ),
        (
            "Residual".into(),
            format!(
                "{} at {}",
                act(h.record.residual),
                t(h.record.residual_time)
            ),
        ),
        (
            "Assay decayed to the start".into(),
            format!(
                "× {:.5} over {:.2} h = {:.1} MBq",
                h.assay_decay_factor,
                h.assay_to_start.hours(),
                h.assayed_at_start.mbq()
            ),
        ),
        (
            "Residual taken back to the start".into(),
            format!(
                "× {:.5} over {:.2} h = {:.1} MBq ({:.1} % of the assay)",
                h.residual_decay_correction,
                h.start_to_residual.hours(),
                h.residual_at_start.mbq(),
                100.0 * h.residual_share
            ),
        ),
        (
            "Net administered (at the start)".into(),
            format!("{} — {}", act(a.net), a.half_life),
        ),
    ];
    if let Some(p) = i.prescribed_activity_mbq {
        rows.push((
            "Given − prescribed".into(),
            format!(
                "{:+.0} MBq ({:+.1} %)",
                a.net.mbq() - p.mbq(),
                100.0 * (a.net.mbq() / p.mbq() - 1.0)
            ),
        ));
    }
    (rows, a.warnings.clone())
}

/// What the course page adds for this area: which infusion may be
/// recorded now, and the delivered total after infusion 2.
pub struct CourseExtras {
    pub record: Option<u32>,
    pub delivered: Vec<(String, String)>,
    pub delivered_note: String,
    /// Melphalan as given beside the plan.
    pub melphalan: MelphalanView,
    /// The follow-up events and their entry form.
    pub follow_up: crate::followup::FollowUpView,
    /// The later therapies and their entry form.
    pub therapies: crate::followup::TherapiesView,
}

/// The melphalan section of the course page.
pub struct MelphalanView {
    /// The plan's dose, in words ("… mg = 110 mg/m² × BSA 0.74 m² …"), or
    /// why there is none.
    pub planned: String,
    /// Each dose given: date, dose, difference from the plan, record id.
    pub given: Vec<(String, String, String, i64)>,
    /// The caller may record a dose.
    pub can_record: bool,
    pub problems: Vec<ProblemRow>,
    pub problem_title: String,
    /// The values typed (kept when refused).
    pub date: String,
    pub dose_mg: String,
}

/// "+3.2 % from the plan" (the protocol defines no tolerance for the
/// melphalan dose, so no judgement is added).
fn melphalan_difference(
    given: mibg_units::DrugMass,
    planned: Option<mibg_units::DrugMass>,
) -> String {
    match planned.and_then(|p| mibg_store::melphalan::deviation(given, p).map(|d| (p, d))) {
        Some((p, d)) => format!(
            "{:+.1} mg ({:+.1} %) from the plan",
            given.mg() - p.mg(),
            100.0 * d
        ),
        None => String::new(),
    }
}

async fn melphalan_view(
    state: &AppState,
    c: &Ctx,
    course_id: i64,
) -> Result<MelphalanView, AppError> {
    let scope = &c.session.scope;
    let planned = state.store().planned_melphalan(scope, course_id).await?;
    let given = state
        .store()
        .melphalan_given(scope, course_id)
        .await?
        .iter()
        .map(|m| {
            (
                m.record.date.to_string(),
                format!("{:.1} mg", m.record.dose_mg.mg()),
                melphalan_difference(m.record.dose_mg, planned.map(|p| p.dose)),
                m.id,
            )
        })
        .collect();
    Ok(MelphalanView {
        planned: match planned {
            Some(p) => format!(
                "{:.1} mg (BSA {:.2} m², from the signed plan of infusion 1). The protocol defines no tolerance for the dose given: the difference is shown, not judged.",
                p.dose.mg(),
                p.bsa.m2()
            ),
            None => "No plan of this course in the registry (planned before the registry).".into(),
        },
        given,
        can_record: GIVE.iter().all(|p| scope.can(*p)),
        problems: Vec::new(),
        problem_title: String::new(),
        date: String::new(),
        dose_mg: String::new(),
    })
}

/// Melphalan as given (`Store::record_melphalan`): back to the course
/// page, or the course page again with the problems by field.
async fn record_melphalan(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    match state
        .store()
        .record_melphalan(
            &c.session.scope,
            id,
            field(&f, "date"),
            field(&f, "dose_mg"),
        )
        .await?
    {
        Ok(_) => Ok(Redirect::to(&format!("/courses/{id}#melphalan")).into_response()),
        Err(p) => {
            let mut page = crate::pages::course_page(&state, c, id).await?;
            let m = &mut page.extras.melphalan;
            m.problem_title = format!(
                "The melphalan dose was not saved — {} problem{}",
                p.len(),
                plural(p.len())
            );
            m.problems = problem_rows(&p);
            m.date = field(&f, "date").to_string();
            m.dose_mg = field(&f, "dose_mg").to_string();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, views::render(&page)?).into_response())
        }
    }
}

pub(crate) async fn course_extras(
    state: &AppState,
    c: &Ctx,
    course_id: i64,
    infusion2_given: bool,
) -> Result<CourseExtras, AppError> {
    let scope = &c.session.scope;
    let can_give = scope.can(P::Write(Area::Treatment));
    let mut record = None;
    if can_give {
        let facts = state.store().course_facts(scope, course_id).await?;
        record = [1, 2]
            .into_iter()
            .find(|n| mibg_clinic::course::may_record_infusion(&facts, *n).is_ok());
    }
    let mut delivered = Vec::new();
    let mut delivered_note = String::new();
    if infusion2_given {
        let a = state.store().assess_dosimetry(scope, course_id).await?;
        match a.outcome {
            mibg_store::DosimetryOutcome::Assessed(d) => match &d.after_second {
                Some(s) => {
                    delivered = vec![
                        (
                            "D1 (infusion 1)".to_string(),
                            format!("{:.2} Gy", d.dose1.gy()),
                        ),
                        (
                            "D2 (infusion 2, measured)".into(),
                            format!(
                                "{:.2} Gy (predicted {:.2} Gy)",
                                s.dose2.gy(),
                                s.predicted_dose2.gy()
                            ),
                        ),
                        (
                            "Delivered total D1 + D2".into(),
                            format!(
                                "{:.2} Gy against the target {:.2} Gy ({:+.2} Gy; planned {:.2} Gy)",
                                s.delivered_total.gy(),
                                d.target.gy(),
                                s.delivered_total.gy() - d.target.gy(),
                                s.planned_total.gy()
                            ),
                        ),
                    ];
                }
                None => delivered_note =
                    "The delivered total is computed once readings after infusion 2 are entered."
                        .into(),
            },
            mibg_store::DosimetryOutcome::Readings { infusion, error } => {
                delivered_note =
                    format!("The readings of infusion {infusion} cannot be used yet: {error}")
            }
            mibg_store::DosimetryOutcome::Refused(e) => {
                delivered_note = format!("The dosimetry refused: {e}")
            }
            mibg_store::DosimetryOutcome::Missing(m) => {
                delivered_note = format!("No dosimetry: {m}")
            }
            _ => {}
        }
    }
    Ok(CourseExtras {
        record,
        delivered,
        delivered_note,
        melphalan: melphalan_view(state, c, course_id).await?,
        follow_up: crate::followup::follow_up_view(state, c, course_id).await?,
        therapies: crate::followup::therapies_view(state, c, course_id).await?,
    })
}
