//! Changing and deleting a laboratory value, an adverse event, a
//! response assessment, a follow-up event, a later therapy, a melphalan
//! dose, a stem-cell return or a transfusion (docs/reference/registry.md §4, §6): every change carries a
//! reason, names the version it was based on (a stale write is refused
//! and the page shows the current values), and is audited old → new by the
//! store; a deletion is a state. The store checks each change with the
//! same library parsers as an entry (`mibg_store::clinical`,
//! `mibg_store::melphalan::melphalan_entry`,
//! `mibg_store::enrol::{stem_cells_entry, transfusion_entry}`), and the
//! grades, engraftment and response are computed again from the stored
//! records whenever their page is shown.

use crate::clinical::{ProblemRow, WRITE_RESPONSE, WRITE_TOXICITY, problem_rows};
use crate::error::AppError;
use crate::guard::{Ctx, MaybeCtx};
use crate::views::{self, Layout};
use crate::{Access, AppState, Object, Routes, spec};
use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mibg_store::clinical::{EntryProblem, LabEntry};
use mibg_store::followup::FollowUpEntry;
use mibg_store::therapies::TherapyEntry;
use mibg_store::{
    AdverseEvent, Assessment, AssessmentKind, Course, FollowUp, Lab, StoreError, Therapy,
    Transfusion,
};
use mibg_toxicity::{CtcaeVersion, LabTest, LabUnit, Term};

type Page = Result<Response, AppError>;
type St = State<AppState>;
type Cx = Extension<MaybeCtx>;
type Id = Path<i64>;
type Fm = Form<Vec<(String, String)>>;

/// Which record an edit page changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Lab,
    Event,
    Assessment,
    FollowUp,
    Melphalan,
    StemCells,
    Transfusion,
    Therapy,
}

impl Kind {
    fn path(self) -> &'static str {
        match self {
            Kind::Lab => "labs",
            Kind::Event => "events",
            Kind::Assessment => "assessments",
            Kind::FollowUp => "follow-up",
            Kind::Melphalan => "melphalan",
            Kind::StemCells => "stem-cells",
            Kind::Transfusion => "transfusions",
            Kind::Therapy => "therapies",
        }
    }
    fn what(self) -> &'static str {
        match self {
            Kind::Lab => "laboratory value",
            Kind::Event => "adverse event",
            Kind::Assessment => "response assessment",
            Kind::FollowUp => "follow-up event",
            Kind::Melphalan => "melphalan dose",
            Kind::StemCells => "stem-cell return",
            Kind::Transfusion => "transfusion",
            Kind::Therapy => "later therapy",
        }
    }
    fn back(self, course: i64) -> String {
        match self {
            Kind::Lab => format!("/courses/{course}/toxicity#labs"),
            Kind::Event => format!("/courses/{course}/toxicity#events"),
            Kind::Assessment => format!("/courses/{course}/response#result"),
            Kind::FollowUp => format!("/courses/{course}#follow-up"),
            Kind::Melphalan => format!("/courses/{course}#melphalan"),
            Kind::StemCells | Kind::Transfusion => format!("/courses/{course}/toxicity#supportive"),
            Kind::Therapy => format!("/courses/{course}#therapies"),
        }
    }
}

/// The routes of this area: for each kind, the edit page, the change and
/// the deletion, with the rights of the kind's entry.
pub(crate) fn routes() -> Routes {
    use axum::routing::{get, post};
    let r = spec;
    let tox = Access::Needs(WRITE_TOXICITY);
    let resp = Access::Needs(WRITE_RESPONSE);
    let outcome = Access::Needs(crate::followup::WRITE_OUTCOME);
    let give = Access::Needs(crate::enrol::GIVE);
    let transfuse = Access::Needs(crate::enrol::TRANSFUSE);
    vec![
        (
            r(
                "GET",
                "/courses/{id}/therapies/edit",
                outcome,
                Object::Course,
            ),
            get(|s: St, c: Cx, p: Id, q: Query<Which>| edit(s, c, p, q, Kind::Therapy)),
        ),
        (
            r(
                "POST",
                "/courses/{id}/therapies/update",
                outcome,
                Object::Course,
            ),
            post(|s: St, c: Cx, p: Id, f: Fm| update(s, c, p, f, Kind::Therapy)),
        ),
        (
            r(
                "POST",
                "/courses/{id}/therapies/delete",
                outcome,
                Object::Course,
            ),
            post(|s: St, c: Cx, p: Id, f: Fm| delete(s, c, p, f, Kind::Therapy)),
        ),
        (
            r("GET", "/courses/{id}/melphalan/edit", give, Object::Course),
            get(|s: St, c: Cx, p: Id, q: Query<Which>| edit(s, c, p, q, Kind::Melphalan)),
        ),
        (
            r(
                "POST",
                "/courses/{id}/melphalan/update",
                give,
                Object::Course,
            ),
            post(|s: St, c: Cx, p: Id, f: Fm| update(s, c, p, f, Kind::Melphalan)),
        ),
        (
            r(
                "POST",
                "/courses/{id}/melphalan/delete",
                give,
                Object::Course,
            ),
            post(|s: St, c: Cx, p: Id, f: Fm| delete(s, c, p, f, Kind::Melphalan)),
        ),
        (
            r("GET", "/courses/{id}/stem-cells/edit", give, Object::Course),
            get(|s: St, c: Cx, p: Id, q: Query<Which>| edit(s, c, p, q, Kind::StemCells)),
        ),
        (
            r(
                "POST",
                "/courses/{id}/stem-cells/update",
                give,
                Object::Course,
            ),
            post(|s: St, c: Cx, p: Id, f: Fm| update(s, c, p, f, Kind::StemCells)),
        ),
        (
            r(
                "POST",
                "/courses/{id}/stem-cells/delete",
                give,
                Object::Course,
            ),
            post(|s: St, c: Cx, p: Id, f: Fm| delete(s, c, p, f, Kind::StemCells)),
        ),
        (
            r(
                "GET",
                "/courses/{id}/transfusions/edit",
                transfuse,
                Object::Course,
            ),
            get(|s: St, c: Cx, p: Id, q: Query<Which>| edit(s, c, p, q, Kind::Transfusion)),
        ),
        (
            r(
                "POST",
                "/courses/{id}/transfusions/update",
                transfuse,
                Object::Course,
            ),
            post(|s: St, c: Cx, p: Id, f: Fm| update(s, c, p, f, Kind::Transfusion)),
        ),
        (
            r(
                "POST",
                "/courses/{id}/transfusions/delete",
                transfuse,
                Object::Course,
            ),
            post(|s: St, c: Cx, p: Id, f: Fm| delete(s, c, p, f, Kind::Transfusion)),
        ),
        (
            r(
                "GET",
                "/courses/{id}/follow-up/edit",
                outcome,
                Object::Course,
            ),
            get(|s: St, c: Cx, p: Id, q: Query<Which>| edit(s, c, p, q, Kind::FollowUp)),
        ),
        (
            r(
                "POST",
                "/courses/{id}/follow-up/update",
                outcome,
                Object::Course,
            ),
            post(|s: St, c: Cx, p: Id, f: Fm| update(s, c, p, f, Kind::FollowUp)),
        ),
        (
            r(
                "POST",
                "/courses/{id}/follow-up/delete",
                outcome,
                Object::Course,
            ),
            post(|s: St, c: Cx, p: Id, f: Fm| delete(s, c, p, f, Kind::FollowUp)),
        ),
        (
            r("GET", "/courses/{id}/labs/edit", tox, Object::Course),
            get(|s: St, c: Cx, p: Id, q: Query<Which>| edit(s, c, p, q, Kind::Lab)),
        ),
        (
            r("POST", "/courses/{id}/labs/update", tox, Object::Course),
            post(|s: St, c: Cx, p: Id, f: Fm| update(s, c, p, f, Kind::Lab)),
        ),
        (
            r("POST", "/courses/{id}/labs/delete", tox, Object::Course),
            post(|s: St, c: Cx, p: Id, f: Fm| delete(s, c, p, f, Kind::Lab)),
        ),
        (
            r("GET", "/courses/{id}/events/edit", tox, Object::Course),
            get(|s: St, c: Cx, p: Id, q: Query<Which>| edit(s, c, p, q, Kind::Event)),
        ),
        (
            r("POST", "/courses/{id}/events/update", tox, Object::Course),
            post(|s: St, c: Cx, p: Id, f: Fm| update(s, c, p, f, Kind::Event)),
        ),
        (
            r("POST", "/courses/{id}/events/delete", tox, Object::Course),
            post(|s: St, c: Cx, p: Id, f: Fm| delete(s, c, p, f, Kind::Event)),
        ),
        (
            r(
                "GET",
                "/courses/{id}/assessments/edit",
                resp,
                Object::Course,
            ),
            get(|s: St, c: Cx, p: Id, q: Query<Which>| edit(s, c, p, q, Kind::Assessment)),
        ),
        (
            r(
                "POST",
                "/courses/{id}/assessments/update",
                resp,
                Object::Course,
            ),
            post(|s: St, c: Cx, p: Id, f: Fm| update(s, c, p, f, Kind::Assessment)),
        ),
        (
            r(
                "POST",
                "/courses/{id}/assessments/delete",
                resp,
                Object::Course,
            ),
            post(|s: St, c: Cx, p: Id, f: Fm| delete(s, c, p, f, Kind::Assessment)),
        ),
    ]
}

/// One field of the edit form.
pub struct FieldView {
    pub name: String,
    pub label: String,
    pub value: String,
    /// `text`, `date`, `select`, `checkbox` or `textarea`.
    pub kind: &'static str,
    /// (value, label) of a select.
    pub options: Vec<(String, String)>,
}

fn text(name: &str, label: &str, value: &str) -> FieldView {
    FieldView {
        name: name.into(),
        label: label.into(),
        value: value.into(),
        kind: "text",
        options: Vec::new(),
    }
}

fn with_kind(mut f: FieldView, kind: &'static str) -> FieldView {
    f.kind = kind;
    f
}

fn select(name: &str, label: &str, value: &str, options: Vec<(String, String)>) -> FieldView {
    let mut options = options;
    if !value.is_empty() && !options.iter().any(|(v, _)| v == value) {
        // A stored value that the list lacks stays choosable (and the
        // store's parser decides).
        options.insert(0, (value.to_string(), value.to_string()));
    }
    FieldView {
        name: name.into(),
        label: label.into(),
        value: value.into(),
        kind: "select",
        options,
    }
}

fn same(v: &[&str]) -> Vec<(String, String)> {
    v.iter().map(|x| (x.to_string(), x.to_string())).collect()
}

fn lab_fields(e: &LabEntry) -> Vec<FieldView> {
    let tests: Vec<&str> = [
        "neutrophils",
        "platelets",
        "haemoglobin",
        "wbc",
        "lymphocytes",
        "alt",
        "ast",
        "bilirubin",
        "ggt",
        "alp",
        "creatinine",
    ]
    .into_iter()
    .filter(|t| LabTest::parse(t).is_some())
    .collect();
    vec![
        with_kind(text("date", "Date", &e.date), "date"),
        select("test", "Test", &e.test, same(&tests)),
        text("value", "Value", &e.value),
        select(
            "unit",
            "Unit",
            &e.unit,
            same(&LabUnit::ACCEPTED.split(", ").collect::<Vec<_>>()),
        ),
        text("lln", "LLN", &e.lln),
        text("uln", "ULN", &e.uln),
        with_kind(
            text(
                "baseline",
                "baseline value",
                if e.baseline { "yes" } else { "" },
            ),
            "checkbox",
        ),
    ]
}

fn lab_entry(r: &Lab) -> LabEntry {
    LabEntry {
        date: r.date.to_string(),
        test: r.test.clone(),
        value: r.value.clone(),
        unit: r.unit.clone(),
        lln: r.lln.clone().unwrap_or_default(),
        uln: r.uln.clone().unwrap_or_default(),
        baseline: r.baseline,
    }
}

fn lab_from_form(f: &[(String, String)]) -> LabEntry {
    LabEntry {
        date: field(f, "date").into(),
        test: field(f, "test").into(),
        value: field(f, "value").into(),
        unit: field(f, "unit").into(),
        lln: field(f, "lln").into(),
        uln: field(f, "uln").into(),
        baseline: field(f, "baseline") == "yes",
    }
}

fn event_fields(date: &str, term: &str, grade: &str) -> Vec<FieldView> {
    let table = CtcaeVersion::V5_0.table();
    let terms = Term::ALL
        .iter()
        .filter(|t| table.allowed_event_grades(**t).is_some())
        .map(|t| (t.code().to_string(), t.name().to_string()))
        .collect();
    vec![
        with_kind(text("date", "Onset", date), "date"),
        select("term", "CTCAE term", term, terms),
        select(
            "grade",
            "Grade (the term table decides which are allowed)",
            grade,
            same(&["1", "2", "3", "4", "5"]),
        ),
    ]
}

fn assessment_fields(kind: &str, content: &str) -> Vec<FieldView> {
    vec![
        select(
            "kind",
            "Kind",
            kind,
            vec![
                ("baseline".into(), "baseline".into()),
                ("follow_up".into(), "follow-up".into()),
            ],
        ),
        with_kind(
            text(
                "content",
                "The assessment as the `mibg response` JSON object (date, mibg, primary, soft_tissue, marrow, new_lesions)",
                content,
            ),
            "textarea",
        ),
    ]
}

fn follow_up_fields(e: &FollowUpEntry) -> Vec<FieldView> {
    let choices = |t: &[(&str, &str)]| {
        t.iter()
            .map(|(v, l)| (v.to_string(), l.to_string()))
            .collect::<Vec<_>>()
    };
    vec![
        select(
            "event",
            "Event",
            &e.event,
            choices(&crate::followup::EVENTS),
        ),
        with_kind(text("date", "Date", &e.date), "date"),
        select(
            "cause",
            "Cause of death (deaths only)",
            &e.cause,
            choices(&crate::followup::CAUSES),
        ),
        text("notes", "Notes", &e.notes),
    ]
}

fn melphalan_fields(date: &str, dose_mg: &str) -> Vec<FieldView> {
    vec![
        with_kind(text("date", "Date given", date), "date"),
        text("dose_mg", "Dose given (mg)", dose_mg),
    ]
}

fn stem_cells_fields(date: &str, cd34: &str) -> Vec<FieldView> {
    vec![
        with_kind(text("date", "Date of the return", date), "date"),
        text("cd34_e6_per_kg", "CD34+ (×10⁶/kg, may be empty)", cd34),
    ]
}

fn transfusion_fields(date: &str, product: &str) -> Vec<FieldView> {
    vec![
        with_kind(text("date", "Date", date), "date"),
        select(
            "product",
            "Product",
            product,
            vec![
                ("platelets".into(), "platelets".into()),
                ("red_cells".into(), "red cells".into()),
            ],
        ),
    ]
}

fn therapy_fields(e: &TherapyEntry) -> Vec<FieldView> {
    vec![
        text(
            "therapy",
            "Therapy code (lower-case letters, digits, _)",
            &e.therapy,
        ),
        with_kind(text("start_date", "Start date", &e.start_date), "date"),
        text("notes", "Notes", &e.notes),
    ]
}

fn kind_name(k: AssessmentKind) -> &'static str {
    match k {
        AssessmentKind::Baseline => "baseline",
        AssessmentKind::FollowUp => "follow_up",
    }
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

#[derive(Template)]
#[template(path = "edit.html")]
pub struct EditPage {
    pub l: Layout,
    pub course_id: i64,
    pub path: &'static str,
    pub what: &'static str,
    pub back: String,
    pub record_id: i64,
    pub version: i64,
    pub fields: Vec<FieldView>,
    pub problems: Vec<ProblemRow>,
    /// A stale write: the store's message; the form shows the current values.
    pub conflict: Option<String>,
    /// What the user had submitted when the write was stale.
    pub submitted: Vec<(String, String)>,
    pub reason: String,
}

/// The course of the path first: another centre's course, or none, is
/// "not found" whatever the form holds.
async fn course_first(state: &AppState, c: &Ctx, id: i64) -> Result<(), AppError> {
    let course = state.store().get::<Course>(&c.session.scope, id).await?;
    if course.deleted {
        return Err(AppError::NotFound);
    }
    Ok(())
}

fn record_id(v: &str) -> Result<i64, AppError> {
    v.trim().parse::<i64>().map_err(|_| {
        AppError::BadRequest("Choose the record to change on the course's page.".into())
    })
}

/// The record as stored now: its version and its form fields.
async fn current(
    state: &AppState,
    c: &Ctx,
    kind: Kind,
    course: i64,
    rid: i64,
) -> Result<(i64, Vec<FieldView>), AppError> {
    let scope = &c.session.scope;
    let s = state.store();
    Ok(match kind {
        Kind::Lab => {
            let r = s.course_record::<Lab>(scope, course, rid).await?;
            (r.version, lab_fields(&lab_entry(&r.record)))
        }
        Kind::Event => {
            let r = s.course_record::<AdverseEvent>(scope, course, rid).await?;
            (
                r.version,
                event_fields(
                    &r.record.date.to_string(),
                    &r.record.term,
                    &r.record.grade.to_string(),
                ),
            )
        }
        Kind::Assessment => {
            let r = s.course_record::<Assessment>(scope, course, rid).await?;
            (
                r.version,
                assessment_fields(
                    kind_name(r.record.kind),
                    &serde_json::to_string_pretty(&r.record.content).unwrap_or_default(),
                ),
            )
        }
        Kind::FollowUp => {
            let r = s.course_record::<FollowUp>(scope, course, rid).await?;
            (r.version, follow_up_fields(&FollowUpEntry::of(&r.record)))
        }
        Kind::Melphalan => {
            let r = s.course_melphalan(scope, course, rid).await?;
            (
                r.version,
                melphalan_fields(
                    &r.record.date.to_string(),
                    &r.record.dose_mg.mg().to_string(),
                ),
            )
        }
        Kind::StemCells => {
            let r = s.course_stem_cells(scope, course, rid).await?;
            (
                r.version,
                stem_cells_fields(
                    &r.record.date.to_string(),
                    &r.record
                        .cd34_e6_per_kg
                        .map(|x| x.to_string())
                        .unwrap_or_default(),
                ),
            )
        }
        Kind::Transfusion => {
            let r = s.course_record::<Transfusion>(scope, course, rid).await?;
            (
                r.version,
                transfusion_fields(&r.record.date.to_string(), &r.record.product),
            )
        }
        Kind::Therapy => {
            let r = s.course_record::<Therapy>(scope, course, rid).await?;
            (r.version, therapy_fields(&TherapyEntry::of(&r.record)))
        }
    })
}

fn form_fields(kind: Kind, f: &[(String, String)]) -> Vec<FieldView> {
    match kind {
        Kind::Lab => lab_fields(&lab_from_form(f)),
        Kind::Event => event_fields(field(f, "date"), field(f, "term"), field(f, "grade")),
        Kind::Assessment => assessment_fields(field(f, "kind"), field(f, "content")),
        Kind::FollowUp => follow_up_fields(&crate::followup::entry_of(f)),
        Kind::Melphalan => melphalan_fields(field(f, "date"), field(f, "dose_mg")),
        Kind::StemCells => stem_cells_fields(field(f, "date"), field(f, "cd34_e6_per_kg")),
        Kind::Transfusion => transfusion_fields(field(f, "date"), field(f, "product")),
        Kind::Therapy => therapy_fields(&crate::followup::therapy_of(f)),
    }
}

#[allow(clippy::too_many_arguments)]
fn page(
    state: &AppState,
    c: &Ctx,
    kind: Kind,
    course: i64,
    rid: i64,
    version: i64,
    fields: Vec<FieldView>,
    problems: Vec<ProblemRow>,
    reason: &str,
) -> EditPage {
    EditPage {
        l: views::layout(state, Some(c), format!("Change a {}", kind.what())),
        course_id: course,
        path: kind.path(),
        what: kind.what(),
        back: kind.back(course),
        record_id: rid,
        version,
        fields,
        problems,
        conflict: None,
        submitted: Vec::new(),
        reason: reason.to_string(),
    }
}

#[derive(serde::Deserialize)]
struct Which {
    #[serde(default)]
    record: String,
}

async fn edit(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Query(q): Query<Which>,
    kind: Kind,
) -> Page {
    let c = c.need()?;
    course_first(&state, c, id).await?;
    let rid = record_id(&q.record)?;
    let (version, fields) = current(&state, c, kind, id, rid).await?;
    let p = page(&state, c, kind, id, rid, version, fields, Vec::new(), "");
    Ok(views::render(&p)?.into_response())
}

/// What a change or a deletion came to.
enum Outcome {
    Saved,
    Problems(Vec<EntryProblem>),
}

async fn finish(
    state: &AppState,
    c: &Ctx,
    kind: Kind,
    course: i64,
    rid: i64,
    f: &[(String, String)],
    r: Result<Outcome, StoreError>,
) -> Page {
    let version = field(f, "version").trim().parse::<i64>().unwrap_or(0);
    let reason = field(f, "reason");
    match r {
        Ok(Outcome::Saved) => Ok(Redirect::to(&kind.back(course)).into_response()),
        Ok(Outcome::Problems(p)) => {
            let pg = page(
                state,
                c,
                kind,
                course,
                rid,
                version,
                form_fields(kind, f),
                problem_rows(&p),
                reason,
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, views::render(&pg)?).into_response())
        }
        Err(StoreError::ReasonRequired) => {
            let p = EntryProblem {
                line: None,
                field: Some("reason".into()),
                message: StoreError::ReasonRequired.to_string() + "; nothing was saved",
            };
            let pg = page(
                state,
                c,
                kind,
                course,
                rid,
                version,
                form_fields(kind, f),
                problem_rows(&[p]),
                reason,
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, views::render(&pg)?).into_response())
        }
        Err(e @ StoreError::Conflict { .. }) => {
            // The form again with the record as it is now (and its
            // version); what the user typed is listed beside it.
            let (now, fields) = current(state, c, kind, course, rid).await?;
            let submitted = form_fields(kind, f)
                .into_iter()
                .map(|x| (x.label, x.value))
                .collect();
            let mut pg = page(state, c, kind, course, rid, now, fields, Vec::new(), reason);
            pg.conflict = Some(e.to_string());
            pg.submitted = submitted;
            Ok((StatusCode::CONFLICT, views::render(&pg)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn entry<T>(r: Result<Result<T, Vec<EntryProblem>>, StoreError>) -> Result<Outcome, StoreError> {
    r.map(|e| match e {
        Ok(_) => Outcome::Saved,
        Err(p) => Outcome::Problems(p),
    })
}

async fn update(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
    kind: Kind,
) -> Page {
    let c = c.need()?;
    course_first(&state, c, id).await?;
    let rid = record_id(field(&f, "record_id"))?;
    let version = record_id(field(&f, "version"))?;
    let (scope, s, reason) = (&c.session.scope, state.store(), field(&f, "reason"));
    let r = match kind {
        Kind::Lab => entry(
            s.update_lab(scope, id, rid, version, &lab_from_form(&f), reason)
                .await,
        ),
        Kind::Event => entry(
            s.update_adverse_event(
                scope,
                id,
                rid,
                version,
                field(&f, "date"),
                field(&f, "term"),
                field(&f, "grade"),
                reason,
            )
            .await,
        ),
        Kind::Assessment => {
            let k = AssessmentKind::parse(field(&f, "kind"));
            match (
                k,
                serde_json::from_str::<serde_json::Value>(field(&f, "content")),
            ) {
                (None, _) => Ok(Outcome::Problems(vec![EntryProblem {
                    line: None,
                    field: Some("kind".into()),
                    message: "choose baseline or follow-up".into(),
                }])),
                (_, Err(e)) => Ok(Outcome::Problems(vec![EntryProblem {
                    line: None,
                    field: Some("content".into()),
                    message: format!("not a JSON object: {e}"),
                }])),
                (Some(k), Ok(content)) => entry(
                    s.update_assessment(scope, id, rid, version, k, content, reason)
                        .await,
                ),
            }
        }
        Kind::FollowUp => entry(
            s.update_follow_up(
                scope,
                id,
                rid,
                version,
                &crate::followup::entry_of(&f),
                reason,
            )
            .await,
        ),
        Kind::Melphalan => entry(
            s.update_melphalan(
                scope,
                id,
                rid,
                version,
                field(&f, "date"),
                field(&f, "dose_mg"),
                reason,
            )
            .await,
        ),
        Kind::StemCells => entry(
            s.update_stem_cells(
                scope,
                id,
                rid,
                version,
                field(&f, "date"),
                field(&f, "cd34_e6_per_kg"),
                reason,
            )
            .await,
        ),
        Kind::Transfusion => entry(
            s.update_transfusion(
                scope,
                id,
                rid,
                version,
                field(&f, "date"),
                field(&f, "product"),
                reason,
            )
            .await,
        ),
        Kind::Therapy => entry(
            s.update_therapy(
                scope,
                id,
                rid,
                version,
                &crate::followup::therapy_of(&f),
                reason,
            )
            .await,
        ),
    };
    finish(&state, c, kind, id, rid, &f, r).await
}

async fn delete(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
    kind: Kind,
) -> Page {
    let c = c.need()?;
    course_first(&state, c, id).await?;
    let rid = record_id(field(&f, "record_id"))?;
    let version = record_id(field(&f, "version"))?;
    let (scope, s, reason) = (&c.session.scope, state.store(), field(&f, "reason"));
    let r = match kind {
        Kind::Lab => s
            .delete_toxicity_record::<Lab>(scope, id, rid, version, reason)
            .await
            .map(|_| Outcome::Saved),
        Kind::Event => s
            .delete_toxicity_record::<AdverseEvent>(scope, id, rid, version, reason)
            .await
            .map(|_| Outcome::Saved),
        Kind::Assessment => entry(s.delete_assessment(scope, id, rid, version, reason).await),
        Kind::FollowUp => s
            .delete_follow_up(scope, id, rid, version, reason)
            .await
            .map(|_| Outcome::Saved),
        Kind::Melphalan => s
            .delete_melphalan(scope, id, rid, version, reason)
            .await
            .map(|_| Outcome::Saved),
        Kind::StemCells => s
            .delete_stem_cells(scope, id, rid, version, reason)
            .await
            .map(|_| Outcome::Saved),
        Kind::Transfusion => s
            .delete_toxicity_record::<Transfusion>(scope, id, rid, version, reason)
            .await
            .map(|_| Outcome::Saved),
        Kind::Therapy => s
            .delete_therapy(scope, id, rid, version, reason)
            .await
            .map(|_| Outcome::Saved),
    };
    if matches!(
        r,
        Ok(Outcome::Problems(_)) | Err(StoreError::ReasonRequired)
    ) {
        // The form shows the record as stored, with the problem.
        let (now, fields) = current(&state, c, kind, id, rid).await?;
        let p = match r {
            Ok(Outcome::Problems(p)) => p,
            _ => vec![EntryProblem {
                line: None,
                field: Some("reason".into()),
                message: StoreError::ReasonRequired.to_string() + "; nothing was deleted",
            }],
        };
        let pg = page(&state, c, kind, id, rid, now, fields, problem_rows(&p), "");
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, views::render(&pg)?).into_response());
    }
    finish(&state, c, kind, id, rid, &f, r).await
}
