//! Follow-up of the course's patient on the course page (docs/reference/registry.md §2: the last
//! state of the workflow): the events recorded (progression, relapse,
//! second malignancy, death with its cause, last contact) and the later
//! therapies, each with its change and deletion (`edits`), and their entry
//! forms. The store checks an entry by the study folder's own validation
//! (`Store::record_follow_up`, `Store::record_therapy`); this module parses
//! the form and renders.

use crate::clinical::{ProblemRow, problem_rows};
use crate::error::AppError;
use crate::guard::{Ctx, MaybeCtx};
use crate::views;
use crate::{Access, AppState, Object, Routes, spec};
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mibg_store::followup::FollowUpEntry;
use mibg_store::therapies::TherapyEntry;
use mibg_store::{Area, Course, FollowUp, Permission, Permission as P, Stored};

/// The right to record follow-up (physicians, docs/reference/registry.md §1).
pub(crate) const WRITE_OUTCOME: &[Permission] = &[P::ReadClinical, P::Write(Area::Outcome)];

/// The routes of this area: the entries (their change and deletion are in
/// `edits`, with the other records').
pub(crate) fn routes() -> Routes {
    use axum::routing::post;
    vec![
        (
            spec(
                "POST",
                "/courses/{id}/follow-up",
                Access::Needs(WRITE_OUTCOME),
                Object::Course,
            ),
            post(record),
        ),
        (
            spec(
                "POST",
                "/courses/{id}/therapies",
                Access::Needs(WRITE_OUTCOME),
                Object::Course,
            ),
            post(record_therapy),
        ),
    ]
}

/// The later therapies of the course page.
pub struct TherapiesView {
    /// (record id, start date, code, notes).
    pub therapies: Vec<(i64, String, String, String)>,
    /// The caller may record, change and delete them.
    pub can_record: bool,
    pub problems: Vec<ProblemRow>,
    pub problem_title: String,
    /// The values typed (kept when refused).
    pub entry: TherapyEntry,
    /// The codes already used in the registry's study (offered, not
    /// imposed: the folder's rule is the code's form).
    pub known_codes: Vec<String>,
}

pub(crate) async fn therapies_view(
    state: &AppState,
    c: &Ctx,
    course_id: i64,
) -> Result<TherapiesView, AppError> {
    let scope = &c.session.scope;
    let t = state.store().later_therapies(scope, course_id).await?;
    let mut known_codes: Vec<String> = KNOWN_THERAPIES.iter().map(|c| c.to_string()).collect();
    for x in &t {
        if !known_codes.contains(&x.record.therapy) {
            known_codes.push(x.record.therapy.clone());
        }
    }
    Ok(TherapiesView {
        therapies: t
            .iter()
            .map(|x| {
                let e = TherapyEntry::of(&x.record);
                (x.id, e.start_date, e.therapy, e.notes)
            })
            .collect(),
        can_record: WRITE_OUTCOME.iter().all(|p| scope.can(*p)),
        problems: Vec::new(),
        problem_title: String::new(),
        entry: TherapyEntry::default(),
        known_codes,
    })
}

/// Therapy codes offered in the form (the seed study's; any code of the
/// folder's form is accepted).
const KNOWN_THERAPIES: [&str; 2] = ["gd2_car_t", "busulfan_melphalan"];

/// The entry of a therapy form (the edit page's too).
pub(crate) fn therapy_of(f: &[(String, String)]) -> TherapyEntry {
    TherapyEntry {
        therapy: field(f, "therapy").into(),
        start_date: field(f, "start_date").into(),
        notes: field(f, "notes").into(),
    }
}

/// A later therapy (`Store::record_therapy`): back to the course page, or
/// the course page again with the problems by field.
async fn record_therapy(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let c = c.need()?;
    let course = state.store().get::<Course>(&c.session.scope, id).await?;
    if course.deleted {
        return Err(AppError::NotFound);
    }
    let entry = therapy_of(&f);
    match state
        .store()
        .record_therapy(&c.session.scope, id, &entry)
        .await?
    {
        Ok(_) => Ok(Redirect::to(&format!("/courses/{id}#therapies")).into_response()),
        Err(p) => {
            let mut page = crate::pages::course_page(&state, c, id).await?;
            let v = &mut page.extras.therapies;
            v.problem_title = format!(
                "The later therapy was not saved — {} problem{}",
                p.len(),
                if p.len() == 1 { "" } else { "s" }
            );
            v.problems = problem_rows(&p);
            v.entry = entry;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, views::render(&page)?).into_response())
        }
    }
}

/// The event and cause choices of the form: the folder's codes, with words.
pub const EVENTS: [(&str, &str); 5] = [
    ("progression", "progression"),
    ("relapse", "relapse"),
    ("second_malignancy", "second malignancy"),
    ("death", "death"),
    ("last_contact", "last contact (alive)"),
];

/// The causes of death (`followup.csv` column `cause`).
pub const CAUSES: [(&str, &str); 5] = [
    ("", "— (not a death, or not given)"),
    ("disease", "disease"),
    ("toxicity", "toxicity (a toxic death)"),
    ("other", "other"),
    ("unknown", "unknown"),
];

/// One recorded event as the page lists it.
pub struct EventRow {
    pub id: i64,
    pub date: String,
    pub event: String,
    pub cause: String,
    pub notes: String,
}

/// The follow-up section of the course page.
pub struct FollowUpView {
    pub events: Vec<EventRow>,
    /// The caller may record, change and delete follow-up.
    pub can_record: bool,
    pub problems: Vec<ProblemRow>,
    pub problem_title: String,
    /// The values typed (kept when refused).
    pub entry: FollowUpEntry,
    pub event_choices: &'static [(&'static str, &'static str)],
    pub cause_choices: &'static [(&'static str, &'static str)],
}

fn words(code: &str, table: &[(&str, &'static str)]) -> String {
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code.replace('_', " "), |(_, w)| (*w).to_string())
}

fn row(e: &Stored<FollowUp>) -> EventRow {
    let f = FollowUpEntry::of(&e.record);
    EventRow {
        id: e.id,
        date: f.date,
        event: words(&f.event, &EVENTS),
        cause: if f.cause.is_empty() {
            String::new()
        } else {
            words(&f.cause, &CAUSES)
        },
        notes: f.notes,
    }
}

pub(crate) async fn follow_up_view(
    state: &AppState,
    c: &Ctx,
    course_id: i64,
) -> Result<FollowUpView, AppError> {
    let scope = &c.session.scope;
    let events = state.store().follow_up(scope, course_id).await?;
    Ok(FollowUpView {
        events: events.iter().map(row).collect(),
        can_record: WRITE_OUTCOME.iter().all(|p| scope.can(*p)),
        problems: Vec::new(),
        problem_title: String::new(),
        entry: FollowUpEntry::default(),
        event_choices: &EVENTS,
        cause_choices: &CAUSES,
    })
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The entry of a form (the edit page's too).
pub(crate) fn entry_of(f: &[(String, String)]) -> FollowUpEntry {
    FollowUpEntry {
        event: field(f, "event").into(),
        date: field(f, "date").into(),
        cause: field(f, "cause").into(),
        notes: field(f, "notes").into(),
    }
}

/// A follow-up event (`Store::record_follow_up`): back to the course
/// page, or the course page again with the problems by field.
async fn record(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let c = c.need()?;
    let course = state.store().get::<Course>(&c.session.scope, id).await?;
    if course.deleted {
        return Err(AppError::NotFound);
    }
    let entry = entry_of(&f);
    match state
        .store()
        .record_follow_up(&c.session.scope, id, &entry)
        .await?
    {
        Ok(_) => Ok(Redirect::to(&format!("/courses/{id}#follow-up")).into_response()),
        Err(p) => {
            let mut page = crate::pages::course_page(&state, c, id).await?;
            let v = &mut page.extras.follow_up;
            v.problem_title = format!(
                "The follow-up event was not saved — {} problem{}",
                p.len(),
                if p.len() == 1 { "" } else { "s" }
            );
            v.problems = problem_rows(&p);
            v.entry = entry;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, views::render(&page)?).into_response())
        }
    }
}
