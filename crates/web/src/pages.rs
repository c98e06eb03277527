//! The handlers: read the form, call the store (which calls the clinic),
//! render. No rule lives here.

use crate::AppState;
use crate::error::AppError;
use crate::guard::{ClientAddr, Ctx, MaybeCtx};
use crate::session::{COOKIE, LOGIN_COOKIE, random_token, set_cookie};
use crate::views::{self, *};
use axum::Extension;
use axum::extract::{Form, Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mibg_clinic::course::StepState;
use mibg_dosimetry::gate::CheckStatus;
use mibg_store::sign::{SignOff, sign_off};
use mibg_store::{
    Course, DosimetryOutcome, Infusion, Meaning, Patient, Permission, Prescription, Reading, Role,
    Stored,
};
use mibg_units::{Activity, Hours, MBQ_PER_MCI};

type Page = Result<Response, AppError>;

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

fn act(a: Activity) -> String {
    format!("{:.0} MBq ({:.1} mCi)", a.mbq(), a.mbq() / MBQ_PER_MCI)
}

/// The style sheet (embedded).
pub async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/style.css"),
    )
        .into_response()
}

/// Any path not in the route table (problem details under `/api/`).
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        crate::api::ApiError::from(AppError::NotFound).into_response()
    } else {
        AppError::NotFound.into_response()
    }
}

/// The sign-in form, with a fresh pre-session CSRF token (double submit).
pub async fn login_form(State(state): State<AppState>, Extension(c): Extension<MaybeCtx>) -> Page {
    if c.0.is_some() {
        return Ok(see_other("/"));
    }
    Ok(login_page(&state, None, StatusCode::OK))
}

fn login_page(state: &AppState, error: Option<String>, status: StatusCode) -> Response {
    let token = random_token();
    let page = views::render(&Login {
        l: views::layout(state, None, "Sign in"),
        token: token.clone(),
        error,
    });
    match page {
        Ok(html) => {
            let mut r = (status, html).into_response();
            if let Ok(v) = HeaderValue::from_str(&set_cookie(
                LOGIN_COOKIE,
                &token,
                state.config().secure_cookies,
                None,
            )) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => e.into_response(),
    }
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

/// Signs in: the store checks the password, throttles and audits; a new
/// session id every time.
pub async fn login(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    Form(f): Form<LoginForm>,
) -> Page {
    match state
        .store()
        .login(f.username.trim(), &f.password, &addr.0)
        .await
    {
        Ok(s) => {
            let (sid, data) = state
                .store()
                .start_session(&s, state.config().session_limits())
                .await?;
            let secure = state.config().secure_cookies;
            // An initial or reset password is changed before anything else.
            let mut r = see_other(if data.password_change_required {
                "/account/password"
            } else {
                "/"
            });
            let h = r.headers_mut();
            for c in [
                set_cookie(COOKIE, &sid, secure, None),
                set_cookie(LOGIN_COOKIE, "", secure, Some(0)),
            ] {
                if let Ok(v) = HeaderValue::from_str(&c) {
                    h.append(header::SET_COOKIE, v);
                }
            }
            Ok(r)
        }
        Err(mibg_store::StoreError::AuthenticationFailed) => Ok(login_page(
            &state,
            Some(mibg_store::StoreError::AuthenticationFailed.to_string()),
            StatusCode::UNAUTHORIZED,
        )),
        Err(e) => Err(e.into()),
    }
}

/// Signs out: the session ends on the server, the cookie is cleared.
pub async fn logout(State(state): State<AppState>, Extension(c): Extension<MaybeCtx>) -> Page {
    let c = c.need()?;
    state.store().end_session(&c.sid).await?;
    state.store().logout(&c.session.scope).await?;
    let mut r = see_other("/login");
    if let Ok(v) = HeaderValue::from_str(&set_cookie(
        COOKIE,
        "",
        state.config().secure_cookies,
        Some(0),
    )) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

fn may(role: Role) -> Vec<String> {
    let v: &[&str] = match role {
        Role::Admin => &[
            "manage the accounts of your centres: add, disable or enable, change role, centres and the identified-export right, set a new password (Accounts)",
            "list and add centres (Centres)",
            "nothing clinical: no patient data, no sign-off",
        ],
        Role::Physician => &[
            "read the patients of your centres, with their identifying data, and the state of each course",
            "enrol a patient; plan a course (the plan signed as author)",
            "approve a plan or a second activity authored by someone else (password and every warning acknowledged)",
            "record an infusion as given, stem-cell returns, transfusions, laboratory values, adverse events and response assessments",
        ],
        Role::Physicist => &[
            "read the patients of your centres, with their identifying data, and the state of each course",
            "enrol a patient; plan a course (the plan signed as author)",
            "enter dose-rate readings or upload a readings file",
            "read the dosimetry of a course and propose the second activity (signed as author)",
        ],
        Role::Nurse => &[
            "read the patients of your centres, with their identifying data, and the state of each course",
            "enrol a patient",
            "record an infusion as given from the hot-lab record, stem-cell returns and transfusions",
            "enter dose-rate readings or upload a readings file, laboratory values and adverse events",
        ],
        Role::Statistician => &[
            "read the pseudonymised patients of your centres and the state of each course and its dosimetry",
        ],
        Role::Monitor => &[
            "read the patients of your centres, each course and its dosimetry",
            "read the audit history of each patient",
        ],
    };
    v.iter().map(|s| s.to_string()).collect()
}

/// The start page: what this role can do here.
pub async fn home(State(state): State<AppState>, Extension(c): Extension<MaybeCtx>) -> Page {
    let c = c.need()?;
    let role = c.session.user.role;
    Ok(views::render(&Home {
        l: views::layout(&state, Some(c), "Start"),
        role: role.as_str().to_string(),
        may: may(role),
    })?
    .into_response())
}

/// The courses of one patient with their states (the store's batch).
async fn course_cells(
    state: &AppState,
    c: &Ctx,
    patient: i64,
) -> Result<Vec<CourseCell>, AppError> {
    let states = state
        .store()
        .course_statuses(&c.session.scope, &[patient])
        .await?;
    Ok(states
        .iter()
        .flatten()
        .map(|(course, st)| course_cell(course, st))
        .collect())
}

fn course_cell(
    course: &mibg_store::Stored<mibg_store::Course>,
    st: &mibg_clinic::course::CourseStatus,
) -> CourseCell {
    let (next, missing) = match &st.next {
        Some((s, m)) => (s.to_string(), m.clone()),
        None => ("— (course complete)".to_string(), Vec::new()),
    };
    CourseCell {
        id: course.id,
        number: course.record.number,
        reached: st.reached.to_string(),
        next,
        missing,
    }
}

async fn centre_names(state: &AppState, c: &Ctx) -> Vec<(i64, String)> {
    state
        .store()
        .list_centres(&c.session.scope)
        .await
        .map(|v| v.into_iter().map(|x| (x.id, x.code)).collect())
        .unwrap_or_default()
}

/// How many patients a page of the patients list shows: the state of each
/// of their courses is gathered for every view, so the list is read a page
/// at a time, never the whole registry (10 000 patients took seconds).
pub const PATIENTS_PER_PAGE: u64 = 50;

/// The patients of the caller's centres with the state of each course, a
/// page at a time (`?page=N`, from 1; a page beyond the last shows none).
pub async fn patients(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> Page {
    let c = c.need()?;
    let page = serde_urlencoded::from_str::<Vec<(String, String)>>(q.as_deref().unwrap_or(""))
        .ok()
        .and_then(|v| v.into_iter().find(|(k, _)| k == "page"))
        .and_then(|(_, v)| v.trim().parse::<u64>().ok())
        .filter(|p| *p >= 1 && *p <= u64::MAX / PATIENTS_PER_PAGE)
        .unwrap_or(1);
    let offset = (page - 1) * PATIENTS_PER_PAGE;
    let centres = centre_names(&state, c).await;
    // Identifying data only for the clinical roles of the patient's centre
    // (the store refuses them to every other role).
    let identified = c.session.scope.can(Permission::ReadIdentifiers);
    let (list, total) = state
        .store()
        .list_patients_page(&c.session.scope, offset, PATIENTS_PER_PAGE)
        .await?;
    let shown = list.len() as u64;
    // The state of every course of the page in a few queries (the store's
    // batch; the same facts and the same decision as the course page's).
    let ids: Vec<i64> = list.iter().map(|p| p.id).collect();
    let states = state
        .store()
        .course_statuses(&c.session.scope, &ids)
        .await?;
    let mut names = if identified {
        state.store().identities(&c.session.scope, &ids).await?
    } else {
        Default::default()
    };
    let mut rows = Vec::new();
    for (p, courses) in list.into_iter().zip(states) {
        let name = names
            .remove(&p.id)
            .and_then(|i| i.record.name)
            .unwrap_or_default();
        rows.push(PatientRow {
            name,
            id: p.id,
            study_id: p.record.study_id.clone(),
            centre: centres
                .iter()
                .find(|(id, _)| *id == p.centre_id)
                .map_or_else(|| format!("centre {}", p.centre_id), |(_, n)| n.clone()),
            sex: p.record.sex.as_str().to_string(),
            courses: courses
                .into_iter()
                .map(|(course, st)| course_cell(&course, &st))
                .collect(),
        });
    }
    Ok(views::render(&Patients {
        l: views::layout(&state, Some(c), "Patients"),
        rows,
        identified,
        can_enrol: crate::enrol::ENROL.iter().all(|p| c.session.scope.can(*p)),
        first: if shown == 0 { 0 } else { offset + 1 },
        last: offset + shown,
        total,
        prev: (page > 1).then(|| (page - 1).min(total.div_ceil(PATIENTS_PER_PAGE).max(1))),
        next: (offset + shown < total).then_some(page + 1),
    })?
    .into_response())
}

/// One patient: facts and courses.
pub async fn patient(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
) -> Page {
    let c = c.need()?;
    let p = state.store().get::<Patient>(&c.session.scope, id).await?;
    if p.deleted {
        return Err(AppError::NotFound);
    }
    let r = &p.record;
    let mut facts = vec![
        ("Sex".to_string(), r.sex.as_str().to_string()),
        (
            "Weight at enrolment".into(),
            format!("{} kg", r.weight_kg.kg()),
        ),
        (
            "Height at enrolment".into(),
            format!("{} cm", r.height_cm.cm()),
        ),
    ];
    if let Some(a) = r.age_years {
        facts.push(("Age at first infusion".into(), format!("{a:.1} years")));
    }
    if let Some(d) = r.enrolment_date {
        facts.push(("Enrolled".into(), d.to_string()));
    }
    // Identifying data, apart: only for the clinical roles of the centre.
    let mut identity = Vec::new();
    if c.session.scope.can(Permission::ReadIdentifiers) {
        match state.store().identity(&c.session.scope, id).await? {
            Some(i) => {
                let i = i.record;
                identity.push(("Name".to_string(), i.name.unwrap_or_default()));
                identity.push((
                    "Date of birth".to_string(),
                    i.birth_date.map(|d| d.to_string()).unwrap_or_default(),
                ));
                identity.push((
                    "Hospital number".to_string(),
                    i.hospital_number.unwrap_or_default(),
                ));
            }
            None => identity.push(("Identifying data".into(), "none recorded".into())),
        }
    }
    Ok(views::render(&PatientPage {
        l: views::layout(&state, Some(c), format!("Patient {}", r.study_id)),
        id,
        study_id: r.study_id.clone(),
        facts,
        courses: course_cells(&state, c, id).await?,
        can_audit: c.session.scope.can(Permission::ReadAudit),
        identity,
        can_plan: crate::enrol::PLAN.iter().all(|p| c.session.scope.can(*p)),
    })?
    .into_response())
}

async fn course_of(state: &AppState, c: &Ctx, id: i64) -> Result<Stored<Course>, AppError> {
    let course = state.store().get::<Course>(&c.session.scope, id).await?;
    if course.deleted {
        return Err(AppError::NotFound);
    }
    Ok(course)
}

async fn study_id(state: &AppState, c: &Ctx, patient: i64) -> Result<String, AppError> {
    Ok(state
        .store()
        .get::<Patient>(&c.session.scope, patient)
        .await?
        .record
        .study_id)
}

async fn protocol_label(state: &AppState, c: &Ctx, protocol_id: i64) -> String {
    state
        .store()
        .protocol_text(&c.session.scope, protocol_id)
        .await
        .ok()
        .and_then(|t| mibg_store::course::protocol_label(&t))
        .unwrap_or_else(|| format!("protocol {protocol_id}"))
}

fn short(h: &str) -> String {
    h.chars().take(16).collect::<String>() + "…"
}

/// A course as a timeline: steps, infusions with readings, entry forms,
/// prescriptions with their signatures and the approval form.
pub async fn course(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
) -> Page {
    let c = c.need()?;
    Ok(views::render(&course_page(&state, c, id).await?)?.into_response())
}

/// The course page's view (also shown again, with the problems, by a
/// refused entry of the page's forms).
pub(crate) async fn course_page(
    state: &AppState,
    c: &Ctx,
    id: i64,
) -> Result<CoursePage, AppError> {
    let state = state.clone();
    let scope = &c.session.scope;
    let store = state.store();
    let course = course_of(&state, c, id).await?;
    let pid = course.patient_id;
    let st = store.course_status(scope, id).await?;
    let steps = st
        .steps
        .iter()
        .map(|(s, state)| {
            let (class, text) = match state {
                StepState::Done => ("done", "done".to_string()),
                StepState::Missing(m) => ("missing", m.join("; ")),
                StepState::NotApplicable(why) => ("na", format!("not applicable: {why}")),
                StepState::NotRecorded => ("unrecorded", "before the registry (imported)".into()),
            };
            StepRow {
                name: s.to_string(),
                class: class.into(),
                text,
            }
        })
        .collect();
    let readings = store.list::<Reading>(scope, pid).await?;
    let mut infusions: Vec<InfusionView> = store
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
            InfusionView {
                id: i.id,
                number: i.record.number,
                date: i.record.date.to_string(),
                activity: act(i.record.activity_mbq),
                prescribed: i
                    .record
                    .prescribed_activity_mbq
                    .map(act)
                    .unwrap_or_default(),
                weight: format!("{} kg", i.record.weight_kg.kg()),
                hot_lab: crate::enrol::hot_lab_rows(&i.record),
                readings: rs
                    .iter()
                    .map(|r| ReadingRow {
                        hours: format!("{}", r.record.hours.hours()),
                        reading: format!("{}", r.record.reading),
                        background: r
                            .record
                            .background
                            .map(|b| b.to_string())
                            .unwrap_or_default(),
                    })
                    .collect(),
            }
        })
        .collect();
    infusions.sort_by_key(|i| i.number);
    let extras =
        crate::enrol::course_extras(&state, c, id, infusions.iter().any(|i| i.number == 2)).await?;
    let me = c.session.user.id;
    let mut prescriptions = Vec::new();
    for p in store.list::<Prescription>(scope, pid).await? {
        if p.record.course_id != id || p.deleted {
            continue;
        }
        let sigs = store.signatures(scope, "prescriptions", p.id).await?;
        let so = sign_off(&sigs);
        let authored_by_me = sigs
            .iter()
            .any(|s| s.valid && s.meaning == Meaning::Authored && s.user_id == me);
        let basis = basis_rows(&p.record.basis);
        prescriptions.push(PrescriptionView {
            id: p.id,
            version: p.version,
            infusion: p.record.infusion_number,
            activity: act(p.record.activity_mbq),
            status: match so {
                SignOff::Draft => "draft (not signed by its author)",
                SignOff::Authored => "authored, awaiting approval",
                SignOff::Approved => "approved",
            }
            .into(),
            basis,
            warnings: p.record.warnings.clone(),
            signatures: sigs
                .iter()
                .map(|s| SignatureView {
                    name: s.printed_name.clone(),
                    meaning: s.meaning.as_str().into(),
                    at: utc(&s.signed_at),
                    version: s.entity_version,
                    hash: short(&s.content_sha256),
                    state: if s.valid {
                        "valid".into()
                    } else {
                        format!(
                            "VOID{}",
                            s.void_reason
                                .as_deref()
                                .map(|r| format!(": {r}"))
                                .unwrap_or_else(|| ": the record changed after signing".into())
                        )
                    },
                })
                .collect(),
            approvable: so == SignOff::Authored
                && !authored_by_me
                && scope.can(Permission::SignApproved),
        });
    }
    Ok(CoursePage {
        l: views::layout(&state, Some(c), "Course"),
        id,
        patient_id: pid,
        study_id: study_id(&state, c, pid).await?,
        number: course.record.number,
        protocol: protocol_label(&state, c, course.record.protocol_id).await,
        reached: st.reached.to_string(),
        next: st
            .next
            .as_ref()
            .map(|(s, m)| {
                if m.is_empty() {
                    s.to_string()
                } else {
                    format!("{s} — missing: {}", m.join("; "))
                }
            })
            .unwrap_or_else(|| "— (course complete)".into()),
        steps,
        infusions,
        can_enter: scope.can(Permission::Write(mibg_store::Area::Readings)),
        prescriptions,
        extras,
    })
}

/// `2026-12-06T03:07:21.799868Z` → `2026-12-06 03:07:21 UTC`.
/// An instant as `YYYY-MM-DD HH:MM UTC`.
pub(crate) fn utc_instant(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// An instant as the people of a centre read it: the civil time in the
/// centre's time zone, its abbreviation and the zone's IANA name
/// (`2027-01-31 23:30 CET (Europe/Rome)`); a zone without a name (or UTC)
/// is named by its abbreviation alone (`2027-01-31 22:30 UTC`).
pub(crate) fn local_instant(t: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> String {
    let z = t.to_zoned(tz.clone());
    let shown = z.strftime("%Y-%m-%d %H:%M %Z").to_string();
    match tz.iana_name() {
        Some(name) if !shown.ends_with(&format!(" {name}")) => format!("{shown} ({name})"),
        _ => shown,
    }
}

fn utc(instant: &str) -> String {
    match instant.get(..19) {
        Some(s) if instant.ends_with('Z') => format!("{} UTC", s.replace('T', " ")),
        _ => instant.to_string(),
    }
}

/// The basis of a prescription as labelled rows, in a fixed order (known
/// keys first, with their units; any other key as stored).
fn basis_rows(basis: &serde_json::Value) -> Vec<(String, String)> {
    use serde_json::Value;
    const KNOWN: [(&str, &str, &str); 17] = [
        ("statement", "Decision", ""),
        ("weight_kg", "Weight (plan)", "kg"),
        ("height_cm", "Height (plan)", "cm"),
        ("activity_per_kg_mbq", "Infusion 1 per kg", "MBq/kg"),
        ("infusion2_max_activity_mbq", "Infusion 2 at most", "MBq"),
        ("melphalan_mg", "Melphalan", "mg"),
        ("bsa_m2", "Body-surface area", "m²"),
        ("absorbed_dose1_gy", "D1", "Gy"),
        ("absorbed_dose1_ci95_gy", "D1, 95 % interval", "Gy"),
        ("interval_method", "Interval method", ""),
        ("model", "Retention model", ""),
        ("s_model", "S model", ""),
        ("binding_cap", "Binding cap", ""),
        ("target_gy", "Target (whole course)", "Gy"),
        ("predicted_total_gy", "Predicted total", "Gy"),
        ("explanation", "Plan", ""),
        ("protocol", "Protocol", ""),
    ];
    let Value::Object(m) = basis else {
        return Vec::new();
    };
    let show = |v: &Value, unit: &str| -> String {
        let u = if unit.is_empty() {
            String::new()
        } else {
            format!(" {unit}")
        };
        match v {
            Value::Null => "none".into(),
            Value::String(s) => s.clone(),
            Value::Number(n) => n
                .as_f64()
                .map_or_else(|| n.to_string(), |x| format!("{x:.2}{u}")),
            Value::Array(a) if a.len() == 2 && a.iter().all(Value::is_number) => format!(
                "{:.2}–{:.2}{u}",
                a[0].as_f64().unwrap_or(f64::NAN),
                a[1].as_f64().unwrap_or(f64::NAN)
            ),
            other => other.to_string(),
        }
    };
    let mut rows: Vec<(String, String)> = KNOWN
        .iter()
        .filter_map(|(k, label, unit)| m.get(*k).map(|v| (label.to_string(), show(v, unit))))
        .collect();
    rows.extend(
        m.iter()
            .filter(|(k, _)| !KNOWN.iter().any(|(n, _, _)| n == k))
            .map(|(k, v)| (k.replace('_', " "), show(v, ""))),
    );
    rows
}

fn number(field: &str, v: &str) -> Result<f64, AppError> {
    let t = v.trim();
    t.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| {
            AppError::BadRequest(format!(
                "{field}: '{t}' is not a number (use a decimal point)"
            ))
        })
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

async fn infusion_of_course(
    state: &AppState,
    c: &Ctx,
    course: &Stored<Course>,
    infusion_id: i64,
) -> Result<Stored<Infusion>, AppError> {
    let i = state
        .store()
        .get::<Infusion>(&c.session.scope, infusion_id)
        .await?;
    if i.record.course_id != course.id || i.deleted {
        return Err(AppError::NotFound);
    }
    Ok(i)
}

/// One reading entered by hand.
pub async fn add_reading(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let course = course_of(&state, c, id).await?;
    let infusion_id = field(&f, "infusion_id")
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::BadRequest("infusion: choose an infusion".into()))?;
    let inf = infusion_of_course(&state, c, &course, infusion_id).await?;
    let hours = number("hours", field(&f, "hours"))?;
    let reading = number("reading", field(&f, "reading"))?;
    let bg = field(&f, "background");
    let background = if bg.trim().is_empty() {
        None
    } else {
        Some(number("background", bg)?)
    };
    state
        .store()
        .create(
            &c.session.scope,
            course.patient_id,
            &Reading {
                infusion_id: inf.id,
                hours: Hours::new(hours),
                reading,
                background,
                measured_at: None,
            },
        )
        .await?;
    Ok(see_other(&format!(
        "/courses/{id}#infusion-{}",
        inf.record.number
    )))
}

/// A readings file: parsed whole by the readings reader of
/// `mibg-dosimetry` (the rules of `mibg dose`), then stored in one
/// transaction; any problem saves nothing.
pub async fn upload_readings(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> Page {
    let c = c.need()?;
    let course = course_of(&state, c, id).await?;
    let mut infusion_id = None;
    let mut file: Option<(String, String)> = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("the upload could not be read: {e}")))?
    {
        match field.name().unwrap_or("") {
            "infusion_id" => {
                let t = field
                    .text()
                    .await
                    .map_err(|e| AppError::BadRequest(format!("infusion: {e}")))?;
                infusion_id = Some(
                    t.trim()
                        .parse::<i64>()
                        .map_err(|_| AppError::BadRequest("infusion: not an id".into()))?,
                );
            }
            "file" => {
                let name = field.file_name().unwrap_or("readings.csv").to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| AppError::BadRequest(format!("file: {e}")))?;
                let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                    AppError::BadRequest(format!("{name}: the file is not UTF-8 text"))
                })?;
                file = Some((name, text));
            }
            _ => {}
        }
    }
    let (Some(infusion_id), Some((name, text))) = (infusion_id, file) else {
        return Err(AppError::BadRequest(
            "choose an infusion and a readings file".into(),
        ));
    };
    let inf = infusion_of_course(&state, c, &course, infusion_id).await?;
    let parsed = match mibg_dosimetry::parse_readings_all(
        &name,
        &text,
        &mibg_dosimetry::ReadingsOptions::default(),
    ) {
        Ok(p) => p,
        Err(all) => return Ok(readings_refused(&state, c, id, &name, &all)),
    };
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
    state
        .store()
        .create_readings(&c.session.scope, course.patient_id, inf.id, &rows)
        .await?;
    Ok(see_other(&format!(
        "/courses/{id}#infusion-{}",
        inf.record.number
    )))
}

/// Every problem of a readings file by line and field (the readings
/// parser's positions), nothing saved.
fn readings_refused(
    state: &AppState,
    c: &Ctx,
    course_id: i64,
    name: &str,
    all: &[mibg_dosimetry::ReadingsError],
) -> Response {
    let problems: Vec<mibg_store::clinical::EntryProblem> = all
        .iter()
        .map(|e| {
            let text = e.to_string();
            let (line, field, message) = match e.location() {
                Some(l) => {
                    let prefix = format!("{l}: ");
                    (
                        l.line,
                        l.column.clone(),
                        text.strip_prefix(&prefix).unwrap_or(&text).to_string(),
                    )
                }
                None => (None, None, text),
            };
            mibg_store::clinical::EntryProblem {
                line,
                field,
                message,
            }
        })
        .collect();
    let page = ReadingsRefused {
        l: views::layout(state, Some(c), "Readings not saved"),
        course_id,
        title: format!(
            "{name}: nothing was saved — {} problem{}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        ),
        problems: crate::clinical::problem_rows(&problems),
    };
    match views::render(&page) {
        Ok(html) => (StatusCode::UNPROCESSABLE_ENTITY, html).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The dosimetry of a course, computed now by the clinic through the store.
pub async fn dosimetry(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
) -> Page {
    let c = c.need()?;
    let scope = &c.session.scope;
    let a = state.store().assess_dosimetry(scope, id).await?;
    let existing = state
        .store()
        .list::<Prescription>(scope, a.patient_id)
        .await?
        .into_iter()
        .find(|p| p.record.course_id == id && p.record.infusion_number == 2 && !p.deleted)
        .map(|p| p.id);
    let mut page = DosimetryPage {
        l: views::layout(&state, Some(c), "Dosimetry"),
        course_id: id,
        patient_id: a.patient_id,
        study_id: study_id(&state, c, a.patient_id).await?,
        protocol: a.protocol.clone(),
        problem: None,
        svg: String::new(),
        numbers: Vec::new(),
        model: String::new(),
        model_reason: String::new(),
        model_criterion: String::new(),
        gate_series: String::new(),
        gate: Vec::new(),
        findings: Vec::new(),
        caps: Vec::new(),
        binding_cap: String::new(),
        statement: String::new(),
        warnings: Vec::new(),
        explanation: Vec::new(),
        can_propose: scope.can(Permission::SignAuthored)
            && scope.can(Permission::Write(mibg_store::Area::Prescription))
            && scope.can(Permission::Write(mibg_store::Area::Dosimetry)),
        existing,
    };
    let gate_rows = |g: &mibg_dosimetry::gate::GateReport| -> Vec<GateRow> {
        g.outcomes
            .iter()
            .map(|o| GateRow {
                check: o.check.name().to_string(),
                status: match o.status {
                    CheckStatus::Passed => "passed",
                    CheckStatus::Failed => "failed",
                    CheckStatus::Accepted => "failed-accepted",
                    CheckStatus::NotApplicable => "not-run",
                }
                .into(),
                detail: o.detail.clone(),
            })
            .collect()
    };
    match a.outcome {
        DosimetryOutcome::Missing(m) => page.problem = Some(format!("No dosimetry yet: {m}.")),
        DosimetryOutcome::Readings { infusion, error } => {
            page.problem = Some(format!(
                "The readings of infusion {infusion} cannot be used: {error}"
            ))
        }
        DosimetryOutcome::Refused(e) => {
            if let mibg_clinic::dosimetry::DosimetryError::Refused(r) = e.as_ref() {
                page.gate_series = r.report.series.clone();
                page.gate = gate_rows(&r.report);
                page.findings = r
                    .report
                    .findings
                    .iter()
                    .map(|f| f.message.clone())
                    .collect();
                page.problem = Some(
                    "The readings fail the plausibility gate: no second activity is computed from them. Check the readings named below."
                        .into(),
                );
            } else {
                page.problem = Some(format!("The dosimetry refused: {e}"));
            }
        }
        DosimetryOutcome::Assessed(d) => {
            page.svg = mibg_clinic::dosimetry::retention_plot_svg(&d);
            page.gate_series = d.plausibility.series.clone();
            page.gate = gate_rows(&d.plausibility);
            page.findings = d
                .plausibility
                .findings
                .iter()
                .map(|f| f.message.clone())
                .collect();
            page.model = d.model.name().to_string();
            page.model_reason = d.model_selection.reason.clone();
            page.model_criterion = d.model_selection.criterion.clone();
            let ci = |v: Option<[f64; 2]>, dec: usize, unit: &str| {
                v.map(|[lo, hi]| format!(" (95 % interval {lo:.dec$}–{hi:.dec$} {unit})"))
                    .unwrap_or_default()
            };
            let i = &d.interval95;
            page.numbers = vec![
                (
                    "D1 (infusion 1 whole-body dose)".into(),
                    format!("{:.2} Gy{}", d.dose1.gy(), ci(i.absorbed_dose_gy, 2, "Gy")),
                ),
                (
                    "τ (residence time)".into(),
                    format!("{:.1} h", d.tau.hours()),
                ),
                ("S model".into(), d.s_model.clone()),
                (
                    "Target (whole course)".into(),
                    format!("{:.2} Gy", d.target.gy()),
                ),
                (
                    "A2 (second activity)".into(),
                    format!(
                        "{}{}",
                        act(d.second_activity),
                        ci(i.second_activity_mbq, 0, "MBq")
                    ),
                ),
                ("A2 before caps".into(), act(d.second_activity_uncapped)),
                (
                    "Predicted total".into(),
                    format!(
                        "{:.2} Gy{}",
                        d.predicted_total.gy(),
                        ci(i.predicted_total_gy, 2, "Gy")
                    ),
                ),
                ("Interval method".into(), i.method.clone()),
            ];
            if let Some(s) = &d.after_second {
                page.numbers.push((
                    "Delivered total (after infusion 2)".into(),
                    format!("{:.2} Gy", s.delivered_total.gy()),
                ));
            }
            page.caps = d
                .caps
                .iter()
                .map(|c| CapRow {
                    name: c.name.clone(),
                    allows: act(c.allows_mbq),
                    binds: c.binds,
                    reason: c.reason.clone(),
                })
                .collect();
            page.binding_cap = d.binding_cap.clone().unwrap_or_else(|| "none".into());
            page.statement = d.statement.clone();
            page.warnings = d.warnings.clone();
            page.explanation = d.explanation.clone();
            if d.decision != mibg_dosimetry::Decision::SecondInfusion {
                page.can_propose = false;
            }
        }
        _ => page.problem = Some("No dosimetry.".into()),
    }
    Ok(views::render(&page)?.into_response())
}

fn acks_and(form: &[(String, String)], field: &str) -> (Vec<String>, Option<String>) {
    let acks = form
        .iter()
        .filter(|(k, _)| k == "ack")
        .map(|(_, v)| v.clone())
        .collect();
    let v = form
        .iter()
        .find(|(k, _)| k == field)
        .map(|(_, v)| v.clone());
    (acks, v)
}

/// The physicist proposes the second activity (signed as authored).
pub async fn propose(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    course_of(&state, c, id).await?;
    let (acks, password) = acks_and(&form, "password");
    let (p, _) = state
        .store()
        .propose_second_activity(
            &c.session.scope,
            id,
            &acks,
            password.as_deref().unwrap_or(""),
        )
        .await?;
    Ok(see_other(&format!("/courses/{id}#prescription-{}", p.id)))
}

/// A physician approves a prescription (not its author; every warning
/// acknowledged; password again) — the store enforces each rule.
pub async fn approve(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let scope = &c.session.scope;
    let p = state.store().get::<Prescription>(scope, id).await?;
    let (acks, password) = acks_and(&form, "password");
    let version = form
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .ok_or_else(|| AppError::BadRequest("version: missing".into()))?;
    state
        .store()
        .sign_acknowledging(
            scope,
            "prescriptions",
            id,
            version,
            Meaning::Approved,
            password.as_deref().unwrap_or(""),
            Some(&acks),
        )
        .await?;
    Ok(see_other(&format!(
        "/courses/{}#prescription-{id}",
        p.record.course_id
    )))
}

/// The audit trail of one patient, for a monitor.
pub async fn history(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
) -> Page {
    let c = c.need()?;
    let scope = &c.session.scope;
    let sid = study_id(&state, c, id).await?;
    let rows = state
        .store()
        .patient_history(scope, id)
        .await?
        .into_iter()
        .map(|r| AuditRow {
            seq: r.seq,
            at: r.at,
            who: r.actor_name,
            action: r.action,
            entity: match (r.entity, r.entity_id) {
                (Some(e), Some(i)) => format!("{e} {i}"),
                (Some(e), None) => e,
                _ => String::new(),
            },
            field: r.field.unwrap_or_default(),
            old: r.old_value.unwrap_or_default(),
            new: r.new_value.unwrap_or_default(),
            reason: r.reason.unwrap_or_default(),
        })
        .collect();
    Ok(views::render(&History {
        l: views::layout(&state, Some(c), format!("History of {sid}")),
        patient_id: id,
        study_id: sid,
        rows,
    })?
    .into_response())
}
