//! The oncologist's pages of a course: laboratory values (entry, the study
//! folder's labs CSV upload, CTCAE v5.0 grades, the ANC and platelet chart
//! with the engraftment days), adverse events (each term offers only the
//! grades the term table allows), and response assessments (the 12 SIOPEN
//! segments, lesions, marrow; the INRC result with its rule trace).
//!
//! No rule here: the store checks every entry with the library's parsers
//! and computes grades, engraftment and response with the study report's
//! functions (`mibg_store::clinical`). This module parses forms, renders
//! and draws.

use crate::error::AppError;
use crate::guard::{Ctx, MaybeCtx};
use crate::views::{self, Layout};
use crate::{Access, AppState, Object, Routes, spec};
use askama::Template;
use axum::Extension;
use axum::extract::{Form, Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mibg_store::clinical::{CourseResponse, CourseToxicity, EntryProblem};
use mibg_store::{Area, AssessmentKind, Permission, Permission as P};
use mibg_toxicity::analysis::GradeSource;
use mibg_toxicity::engraftment::{Recovery, days_between};
use mibg_toxicity::{CtcaeVersion, Exact, LabTest, LabUnit, Term};

type Page = Result<Response, AppError>;

pub(crate) const WRITE_TOXICITY: &[Permission] = &[P::ReadClinical, P::Write(Area::Toxicity)];
pub(crate) const WRITE_RESPONSE: &[Permission] = &[P::ReadClinical, P::Write(Area::Response)];

/// The routes of this area.
pub(crate) fn routes() -> Routes {
    use axum::routing::{get, post};
    let r = spec;
    let read = Access::Needs(crate::READ);
    vec![
        (
            r("GET", "/static/siopen.js", Access::Public, Object::None),
            get(siopen_js),
        ),
        (
            r("GET", "/courses/{id}/toxicity", read, Object::Course),
            get(toxicity),
        ),
        (
            r(
                "POST",
                "/courses/{id}/labs",
                Access::Needs(WRITE_TOXICITY),
                Object::Course,
            ),
            post(add_lab),
        ),
        (
            r(
                "POST",
                "/courses/{id}/labs.csv",
                Access::Needs(WRITE_TOXICITY),
                Object::Course,
            ),
            post(upload_labs),
        ),
        (
            r(
                "POST",
                "/courses/{id}/events",
                Access::Needs(WRITE_TOXICITY),
                Object::Course,
            ),
            post(add_event),
        ),
        (
            r("GET", "/courses/{id}/response", read, Object::Course),
            get(response),
        ),
        (
            r(
                "POST",
                "/courses/{id}/assessments",
                Access::Needs(WRITE_RESPONSE),
                Object::Course,
            ),
            post(add_assessment),
        ),
    ]
}

/// The live SIOPEN total of the assessment form (embedded; the server
/// computes the total again on saving, so the form works without it).
async fn siopen_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../static/siopen.js"),
    )
        .into_response()
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// A problem as a table row.
pub struct ProblemRow {
    pub line: String,
    pub field: String,
    pub message: String,
}

pub(crate) fn problem_rows(p: &[EntryProblem]) -> Vec<ProblemRow> {
    p.iter()
        .map(|p| ProblemRow {
            line: p.line.map(|l| l.to_string()).unwrap_or_default(),
            field: p.field.clone().unwrap_or_default(),
            message: p.message.clone(),
        })
        .collect()
}

// ---------------------------------------------------------------- toxicity

pub struct LabRow {
    pub id: i64,
    pub date: String,
    pub test: String,
    pub value: String,
    pub unit: String,
    pub lln: String,
    pub uln: String,
    pub baseline: bool,
}

pub struct GradeRow {
    pub date: String,
    pub term: String,
    pub grade: u8,
    pub source: String,
}

pub struct EventRow {
    pub id: i64,
    pub date: String,
    pub term: String,
    pub grade: i64,
    pub version: String,
}

/// One CTCAE term of the event form with the grades it allows.
pub struct TermChoice {
    pub code: String,
    pub name: String,
    pub grades: Vec<u8>,
}

pub struct EngraftmentRow {
    pub stem_cells: String,
    pub neutrophils: String,
    pub platelets: String,
}

#[derive(Template)]
#[template(path = "toxicity.html")]
pub struct ToxicityPage {
    pub l: Layout,
    pub course_id: i64,
    pub patient_id: i64,
    pub study_id: String,
    pub problems: Vec<ProblemRow>,
    pub problem_title: String,
    pub settings: String,
    pub window: String,
    pub analysis_error: Option<String>,
    pub labs: Vec<LabRow>,
    pub grades: Vec<GradeRow>,
    pub worst: Vec<GradeRow>,
    pub nadirs: Vec<(String, String)>,
    pub engraftment: Vec<EngraftmentRow>,
    pub warnings: Vec<String>,
    pub chart: String,
    pub events: Vec<EventRow>,
    pub terms: Vec<TermChoice>,
    pub tests: Vec<&'static str>,
    pub units: Vec<&'static str>,
    pub can_write: bool,
    pub version: String,
    /// Stem-cell returns and transfusions (`crate::enrol`).
    pub supportive: crate::enrol::Supportive,
}

fn recovery(r: &Recovery) -> String {
    match r {
        Recovery::Recovered { date, day } => format!("day +{day} ({date})"),
        Recovery::Censored {
            last_date,
            last_day,
        } => {
            format!("not yet (last count day +{last_day}, {last_date})")
        }
        Recovery::NotApplicable => "not applicable (never fell below the threshold)".into(),
        Recovery::NoData => "no counts after the return".into(),
    }
}

pub(crate) fn tox_page(
    state: &AppState,
    c: &Ctx,
    t: &CourseToxicity,
    course_id: i64,
    problems: Vec<ProblemRow>,
    problem_title: &str,
) -> ToxicityPage {
    let version = CtcaeVersion::V5_0;
    let labs = t
        .labs
        .iter()
        .map(|l| LabRow {
            id: l.id,
            date: l.record.date.to_string(),
            test: l.record.test.clone(),
            value: l.record.value.clone(),
            unit: l.record.unit.clone(),
            lln: l.record.lln.clone().unwrap_or_default(),
            uln: l.record.uln.clone().unwrap_or_default(),
            baseline: l.record.baseline,
        })
        .collect();
    let events = t
        .events
        .iter()
        .map(|e| EventRow {
            id: e.id,
            date: e.record.date.to_string(),
            term: Term::parse(&e.record.term)
                .map_or_else(|| e.record.term.clone(), |t| t.name().to_string()),
            grade: e.record.grade,
            version: e
                .record
                .ctcae_version
                .clone()
                .unwrap_or_else(|| "5.0".into()),
        })
        .collect();
    let terms = Term::ALL
        .iter()
        .filter_map(|t| {
            version
                .table()
                .allowed_event_grades(*t)
                .map(|g| TermChoice {
                    code: t.code().to_string(),
                    name: t.name().to_string(),
                    grades: g.iter().map(|g| g.get()).collect(),
                })
        })
        .collect();
    let mut page = ToxicityPage {
        l: views::layout(state, Some(c), format!("Toxicity of {}", t.study_id)),
        course_id,
        patient_id: t.patient_id,
        study_id: t.study_id.clone(),
        problems,
        problem_title: problem_title.to_string(),
        settings: t.settings.source.to_string(),
        window: String::new(),
        analysis_error: None,
        labs,
        grades: Vec::new(),
        worst: Vec::new(),
        nadirs: Vec::new(),
        engraftment: Vec::new(),
        warnings: Vec::new(),
        chart: String::new(),
        events,
        terms,
        tests: [
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
        .collect(),
        units: LabUnit::ACCEPTED.split(", ").collect(),
        can_write: c.session.scope.can(Permission::Write(Area::Toxicity)),
        version: version.to_string(),
        supportive: crate::enrol::supportive(c, t),
    };
    match &t.report {
        Err(e) => page.analysis_error = Some(e.clone()),
        Ok(None) => {}
        Ok(Some(r)) => {
            page.window = format!(
                "{} to {} — start: {}; end: {}",
                r.window.start, r.window.end, r.window.start_rule, r.window.end_rule
            );
            page.grades = r
                .graded
                .iter()
                .map(|g| GradeRow {
                    date: g.date.to_string(),
                    term: g.term.name().to_string(),
                    grade: g.grade.get(),
                    source: match &g.source {
                        GradeSource::Lab {
                            value,
                            unit,
                            criterion,
                            ..
                        } => format!(
                            "{value} {unit}{}",
                            criterion.map(|c| format!(" — {c}")).unwrap_or_default()
                        ),
                        GradeSource::Event => "adverse event".into(),
                        GradeSource::RedCellTransfusion => "red-cell transfusion".into(),
                    },
                })
                .collect();
            page.worst = r
                .worst
                .iter()
                .map(|w| GradeRow {
                    date: w.first_date.to_string(),
                    term: w.term.name().to_string(),
                    grade: w.grade.get(),
                    source: w.ctcae_version.to_string(),
                })
                .collect();
            page.nadirs = r
                .nadirs
                .iter()
                .map(|n| {
                    (
                        n.test.to_string(),
                        format!("{} {} on {}", n.value, n.unit, n.date),
                    )
                })
                .collect();
            page.warnings = r.warnings.clone();
        }
    }
    page.engraftment = t
        .engraftment
        .iter()
        .map(|e| EngraftmentRow {
            stem_cells: e.stem_cells.to_string(),
            neutrophils: recovery(&e.neutrophils),
            platelets: recovery(&e.platelets),
        })
        .collect();
    page.chart = counts_chart(t);
    page
}

/// The toxicity page of a course.
async fn toxicity(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
) -> Page {
    let c = c.need()?;
    let t = state.store().course_toxicity(&c.session.scope, id).await?;
    Ok(views::render(&tox_page(&state, c, &t, id, Vec::new(), ""))?.into_response())
}

async fn refused_tox(state: &AppState, c: &Ctx, id: i64, p: &[EntryProblem], title: &str) -> Page {
    let t = state.store().course_toxicity(&c.session.scope, id).await?;
    let page = tox_page(state, c, &t, id, problem_rows(p), title);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, views::render(&page)?).into_response())
}

/// One laboratory value typed in the form.
async fn add_lab(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let r = state
        .store()
        .add_lab(
            &c.session.scope,
            id,
            field(&f, "date"),
            field(&f, "test"),
            field(&f, "value"),
            field(&f, "unit"),
            field(&f, "lln"),
            field(&f, "uln"),
            field(&f, "baseline") == "yes",
        )
        .await?;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/courses/{id}/toxicity#labs")).into_response()),
        Err(p) => refused_tox(&state, c, id, &p, "The laboratory value was not saved").await,
    }
}

/// A labs file in the study folder's format: all or nothing, every
/// problem listed by line and field.
async fn upload_labs(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> Page {
    let c = c.need()?;
    // The course first: another centre's course is "not found" whatever
    // the upload holds.
    state.store().course_toxicity(&c.session.scope, id).await?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(f) = form
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("the upload could not be read: {e}")))?
    {
        if f.name() == Some("file") {
            let name = f.file_name().unwrap_or("labs.csv").to_string();
            let bytes = f
                .bytes()
                .await
                .map_err(|e| AppError::BadRequest(format!("file: {e}")))?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let Some((name, bytes)) = file else {
        return Err(AppError::BadRequest("choose a labs file".into()));
    };
    match labs_file(&state, c, id, &name, &bytes).await? {
        Ok(_) => Ok(Redirect::to(&format!("/courses/{id}/toxicity#labs")).into_response()),
        Err(p) => {
            let title = format!(
                "{name}: nothing was saved — {} problem{}",
                p.len(),
                if p.len() == 1 { "" } else { "s" }
            );
            refused_tox(&state, c, id, &p, &title).await
        }
    }
}

/// The act of adding a labs file (the study folder's format), for the page
/// and the API alike: the bytes decoded by `mibg_csv::decode` (encoding and
/// BOM problems by line), then [`mibg_store::Store::add_labs`] — the one
/// labs parser, all or nothing, every problem by line and field. Returns
/// the number of values saved.
pub(crate) async fn labs_file(
    state: &AppState,
    c: &Ctx,
    course_id: i64,
    name: &str,
    bytes: &[u8],
) -> Result<mibg_store::clinical::Entry<usize>, AppError> {
    let text = match mibg_csv::decode(name, bytes) {
        Ok(t) => t,
        Err(e) => {
            let l = e.location();
            return Ok(Err(vec![EntryProblem {
                line: l.line,
                field: l.column.clone(),
                message: e.message(),
            }]));
        }
    };
    Ok(state
        .store()
        .add_labs(&c.session.scope, course_id, name, text, false)
        .await?)
}

/// An adverse event: the term and grade come as `term:grade` from the
/// form's list (only the grades each term allows), or as two fields.
async fn add_event(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let choice = field(&f, "term_grade");
    let (term, grade) = match choice.split_once(':') {
        Some((t, g)) => (t, g),
        None => (field(&f, "term"), field(&f, "grade")),
    };
    match state
        .store()
        .add_adverse_event(&c.session.scope, id, field(&f, "date"), term, grade)
        .await?
    {
        Ok(_) => Ok(Redirect::to(&format!("/courses/{id}/toxicity#events")).into_response()),
        Err(p) => refused_tox(&state, c, id, &p, "The adverse event was not saved").await,
    }
}

// ------------------------------------------------------------------- chart

const W: f64 = 720.0;
const PANEL_H: f64 = 170.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 24.0;
const GAP: f64 = 58.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The ANC and platelet counts (×10⁹/L, converted by the toxicity crate's
/// unit factors) against days from the last stem-cell return (or from the
/// first count), one panel each, with the engraftment thresholds of the
/// analysis and the engraftment days marked. SVG with classes only (the
/// style sheet colours it; no inline style).
fn counts_chart(t: &CourseToxicity) -> String {
    let series = |test: LabTest| -> Vec<(jiff::civil::Date, f64)> {
        t.labs
            .iter()
            .filter(|l| LabTest::parse(&l.record.test) == Some(test))
            .filter_map(|l| {
                let unit = LabUnit::parse(&l.record.unit)?;
                let v = Exact::parse_decimal(&l.record.value).ok()?;
                let f = test.factor_to_canonical(unit)?;
                Some((l.record.date, (v * f).to_f64()))
            })
            .collect()
    };
    let anc = series(LabTest::Neutrophils);
    let plt = series(LabTest::Platelets);
    if anc.is_empty() && plt.is_empty() {
        return String::new();
    }
    let origin = t
        .stem_cells
        .last()
        .copied()
        .or_else(|| anc.iter().chain(&plt).map(|(d, _)| *d).min());
    let Some(origin) = origin else {
        return String::new();
    };
    let origin_label = if t.stem_cells.is_empty() {
        "days from the first count"
    } else {
        "days from the stem-cell return (day 0)"
    };
    let day = |d: jiff::civil::Date| days_between(origin, d) as f64;
    let xs: Vec<f64> = anc.iter().chain(&plt).map(|(d, _)| day(*d)).collect();
    let mut x0 = xs.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
    let mut x1 = xs
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max)
        .max(1.0);
    for e in &t.engraftment {
        for r in [&e.neutrophils, &e.platelets] {
            if let Recovery::Recovered { date, .. } = r {
                x1 = x1.max(day(*date));
                x0 = x0.min(day(*date));
            }
        }
    }
    let x_of = |x: f64| LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT);
    let eng = &t.options.engraftment;
    let panels = [
        (
            "Neutrophils (ANC)",
            "anc",
            &anc,
            eng.anc_threshold.e9_per_l().to_f64(),
            "neutrophils",
        ),
        (
            "Platelets",
            "plt",
            &plt,
            eng.platelet_threshold.e9_per_l().to_f64(),
            "platelets",
        ),
    ];
    let h = TOP + 2.0 * PANEL_H + GAP + 40.0;
    let mut s = format!(
        "<svg class=\"chart counts\" viewBox=\"0 0 {W} {h}\" width=\"{W}\" height=\"{h}\" role=\"img\" aria-label=\"Neutrophil and platelet counts with the engraftment days\">\n"
    );
    for (k, (title, class, data, threshold, which)) in panels.iter().enumerate() {
        let top = TOP + k as f64 * (PANEL_H + GAP);
        let bottom = top + PANEL_H;
        let ymax = data
            .iter()
            .map(|(_, v)| *v)
            .fold(*threshold * 2.0, f64::max)
            * 1.1;
        let y_of = |v: f64| bottom - v / ymax * PANEL_H;
        s.push_str(&format!(
            "<text class=\"panel-title\" x=\"{LEFT}\" y=\"{:.1}\">{} (×10⁹/L)</text>\n",
            top - 8.0,
            esc(title)
        ));
        s.push_str(&format!(
            "<rect class=\"frame\" x=\"{LEFT}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{PANEL_H}\"/>\n",
            W - LEFT - RIGHT
        ));
        // y ticks: 0, threshold, max.
        for v in [0.0, *threshold, ymax / 1.1] {
            let y = y_of(v);
            s.push_str(&format!(
                "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
                LEFT - 6.0,
                y + 4.0,
                mibg_plot_num(v)
            ));
        }
        let ty = y_of(*threshold);
        s.push_str(&format!(
            "<line class=\"threshold\" x1=\"{LEFT}\" y1=\"{ty:.1}\" x2=\"{:.1}\" y2=\"{ty:.1}\"/>\n<text class=\"threshold-label\" x=\"{:.1}\" y=\"{:.1}\">engraftment threshold {}</text>\n",
            W - RIGHT,
            W - RIGHT - 4.0,
            ty - 4.0,
            mibg_plot_num(*threshold)
        ));
        // Engraftment days.
        for e in &t.engraftment {
            let r = if *which == "neutrophils" {
                &e.neutrophils
            } else {
                &e.platelets
            };
            if let Recovery::Recovered { date, day: d } = r {
                let x = x_of(day(*date));
                s.push_str(&format!(
                    "<line class=\"engraftment\" x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\"/>\n<text class=\"engraftment-label\" x=\"{:.1}\" y=\"{:.1}\">engrafted day +{d}</text>\n",
                    x + 4.0,
                    top + 14.0
                ));
            }
        }
        let pts: Vec<String> = data
            .iter()
            .map(|(d, v)| format!("{:.1},{:.1}", x_of(day(*d)), y_of(*v)))
            .collect();
        if pts.len() > 1 {
            s.push_str(&format!(
                "<polyline class=\"series {class}\" points=\"{}\"/>\n",
                pts.join(" ")
            ));
        }
        for (d, v) in data.iter() {
            s.push_str(&format!(
                "<circle class=\"point {class}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\"><title>{d}: {}</title></circle>\n",
                x_of(day(*d)),
                y_of(*v),
                mibg_plot_num(*v)
            ));
        }
        // x ticks.
        let step = nice_step(x1 - x0);
        let mut x = (x0 / step).ceil() * step;
        while x <= x1 + 1e-9 {
            let px = x_of(x);
            s.push_str(&format!(
                "<line class=\"grid\" x1=\"{px:.1}\" y1=\"{bottom:.1}\" x2=\"{px:.1}\" y2=\"{:.1}\"/>\n<text class=\"tick x\" x=\"{px:.1}\" y=\"{:.1}\">{}</text>\n",
                bottom + 4.0,
                bottom + 18.0,
                x as i64
            ));
            x += step;
        }
    }
    s.push_str(&format!(
        "<text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\">{origin_label}</text>\n</svg>",
        LEFT + (W - LEFT - RIGHT) / 2.0,
        h - 6.0
    ));
    s
}

fn nice_step(span: f64) -> f64 {
    for s in [
        1.0, 2.0, 5.0, 7.0, 10.0, 14.0, 20.0, 28.0, 50.0, 100.0, 200.0, 500.0,
    ] {
        if span / s <= 12.0 {
            return s;
        }
    }
    1000.0
}

fn mibg_plot_num(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

// ---------------------------------------------------------------- response

pub struct AssessmentRow {
    pub id: i64,
    pub kind: String,
    pub date: String,
    pub skeletal: String,
    pub marrow: String,
    pub primary: String,
    pub new_lesions: String,
}

pub struct SegmentField {
    pub name: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "response.html")]
pub struct ResponsePage {
    pub l: Layout,
    pub course_id: i64,
    pub patient_id: i64,
    pub study_id: String,
    pub problems: Vec<ProblemRow>,
    pub settings: String,
    pub criteria: String,
    pub assessments: Vec<AssessmentRow>,
    pub error: Option<String>,
    pub result: Option<ResultView>,
    pub segments: Vec<SegmentField>,
    pub scores: Vec<String>,
    pub has_baseline: bool,
    pub can_write: bool,
}

pub struct ResultView {
    pub best: String,
    pub because: String,
    pub evaluable: bool,
    pub follow_ups: Vec<(String, String)>,
    pub siopen: Vec<(String, String)>,
}

fn summary(c: &serde_json::Value) -> (String, String, String) {
    let marrow = match c.get("marrow").and_then(|m| m.as_array()) {
        None => "not assessed".to_string(),
        Some(v) => v
            .iter()
            .map(|s| {
                format!(
                    "{} {} {} %",
                    s.get("kind").and_then(|x| x.as_str()).unwrap_or(""),
                    s.get("side").and_then(|x| x.as_str()).unwrap_or(""),
                    s.get("tumour_pct")
                        .map(|x| x.to_string())
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    };
    let primary = match c.get("primary") {
        None => "not assessed".to_string(),
        Some(p) => match p.get("status").and_then(|s| s.as_str()) {
            Some("present") => format!(
                "present, {} mm, uptake {}",
                p.get("diameters_mm")
                    .and_then(|d| d.as_array())
                    .map(|d| d
                        .iter()
                        .map(|x| x.to_string())
                        .collect::<Vec<_>>()
                        .join(" × "))
                    .unwrap_or_default(),
                p.get("uptake").and_then(|u| u.as_str()).unwrap_or("")
            ),
            Some(s) => s.to_string(),
            None => String::new(),
        },
    };
    let new = c
        .get("new_lesions")
        .and_then(|n| n.as_object())
        .map(|n| {
            n.iter()
                .filter(|(_, v)| v.as_bool() == Some(true))
                .map(|(k, _)| k.replace('_', " "))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    (
        marrow,
        primary,
        if new.is_empty() { "none".into() } else { new },
    )
}

fn response_page(
    state: &AppState,
    c: &Ctx,
    r: &CourseResponse,
    course_id: i64,
    problems: Vec<ProblemRow>,
    scores: Vec<String>,
) -> ResponsePage {
    let assessments = r
        .assessments
        .iter()
        .map(|a| {
            let (marrow, primary, new_lesions) = summary(&a.record.content);
            AssessmentRow {
                id: a.id,
                kind: match a.record.kind {
                    AssessmentKind::Baseline => "baseline".into(),
                    AssessmentKind::FollowUp => "follow-up".into(),
                },
                date: a.record.date.to_string(),
                skeletal: r
                    .skeletal
                    .iter()
                    .find(|(id, _)| *id == a.id)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default(),
                marrow,
                primary,
                new_lesions,
            }
        })
        .collect();
    let (error, result) = match &r.response {
        Err(e) => (Some(e.clone()), None),
        Ok(None) => (None, None),
        Ok(Some(p)) => {
            let opt = |v: Option<u32>| v.map_or_else(|| "—".into(), |x| x.to_string());
            (
                None,
                Some(ResultView {
                    best: p.best.clone(),
                    because: p.best_because.clone(),
                    evaluable: p.evaluable,
                    follow_ups: p
                        .follow_ups
                        .iter()
                        .map(|(d, o)| (d.to_string(), o.clone()))
                        .collect(),
                    siopen: vec![
                        ("SIOPEN before".into(), opt(p.siopen_before)),
                        ("SIOPEN after".into(), opt(p.siopen_after)),
                        (
                            "SIOPEN reduction".into(),
                            p.siopen_reduction_pct
                                .map_or_else(|| "—".into(), |x| format!("{x:.1} %")),
                        ),
                    ],
                }),
            )
        }
    };
    let segments = mibg_response::score::SIOPEN_SEGMENTS
        .iter()
        .map(|s| SegmentField {
            name: s.to_string(),
            label: s.replace('_', " "),
        })
        .collect();
    let scores = if scores.len() == 12 {
        scores
    } else {
        vec![String::new(); 12]
    };
    ResponsePage {
        l: views::layout(state, Some(c), format!("Response of {}", r.study_id)),
        course_id,
        patient_id: r.patient_id,
        study_id: r.study_id.clone(),
        problems,
        settings: r.settings.source.to_string(),
        criteria: r.settings.analysis.response.criteria.clone(),
        assessments,
        error,
        result,
        segments,
        scores,
        has_baseline: r
            .assessments
            .iter()
            .any(|a| a.record.kind == AssessmentKind::Baseline),
        can_write: c.session.scope.can(Permission::Write(Area::Response)),
    }
}

/// The response page of a course.
async fn response(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
) -> Page {
    let c = c.need()?;
    let r = state.store().course_response(&c.session.scope, id).await?;
    Ok(views::render(&response_page(&state, c, &r, id, Vec::new(), Vec::new()))?.into_response())
}

fn problem(field: &str, message: impl Into<String>) -> EntryProblem {
    EntryProblem {
        line: None,
        field: Some(field.into()),
        message: message.into(),
    }
}

/// The assessment form as the `mibg response` JSON object, or every field
/// that is not readable as typed.
fn assessment_json(
    f: &[(String, String)],
) -> Result<(AssessmentKind, serde_json::Value), Vec<EntryProblem>> {
    use serde_json::{Value, json};
    let mut p = Vec::new();
    let kind = match AssessmentKind::parse(field(f, "kind")) {
        Some(k) => Some(k),
        None => {
            p.push(problem("kind", "choose baseline or follow-up"));
            None
        }
    };
    let mut doc = serde_json::Map::new();
    doc.insert("date".into(), Value::String(field(f, "date").trim().into()));
    let num = |name: &str, p: &mut Vec<EntryProblem>| -> Option<f64> {
        let t = field(f, name).trim();
        if t.is_empty() {
            return None;
        }
        match t.parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                p.push(problem(
                    name,
                    format!(
                        "'{}' is not a number (use a decimal point)",
                        mibg_csv::excerpt(t)
                    ),
                ));
                None
            }
        }
    };
    // Bone: SIOPEN scores of the 12 segments.
    if field(f, "mibg") == "yes" {
        let mut segs = serde_json::Map::new();
        for s in mibg_response::score::SIOPEN_SEGMENTS {
            let v = field(f, &format!("seg_{s}")).trim();
            let value = if v.eq_ignore_ascii_case("NE") {
                Value::String("NE".into())
            } else if let Ok(n) = v.parse::<u8>() {
                json!(n)
            } else {
                p.push(problem(
                    &format!("seg_{s}"),
                    format!(
                        "{}: choose a score 0–6 or NE (not assessable)",
                        s.replace('_', " ")
                    ),
                ));
                continue;
            };
            segs.insert(s.to_string(), value);
        }
        doc.insert(
            "mibg".into(),
            json!({"method": "siopen", "tracer": field(f, "tracer"), "segments": segs}),
        );
    }
    // Primary tumour.
    match field(f, "primary") {
        "none" => {
            doc.insert("primary".into(), json!({"status": "none"}));
        }
        "present" => {
            let d = num("primary_mm", &mut p);
            if d.is_none() && field(f, "primary_mm").trim().is_empty() {
                p.push(problem(
                    "primary_mm",
                    "the longest diameter of a present primary tumour is required",
                ));
            }
            doc.insert(
                "primary".into(),
                json!({"status": "present", "diameters_mm": d.into_iter().collect::<Vec<_>>(), "uptake": field(f, "primary_uptake")}),
            );
        }
        _ => {}
    }
    // Soft-tissue target lesions.
    if field(f, "soft_tissue") == "yes" {
        let mut targets = Vec::new();
        for i in 1..=3 {
            let id = field(f, &format!("lesion{i}_id")).trim();
            let d = num(&format!("lesion{i}_mm"), &mut p);
            if id.is_empty() && field(f, &format!("lesion{i}_mm")).trim().is_empty() {
                continue;
            }
            let Some(d) = d else {
                if field(f, &format!("lesion{i}_mm")).trim().is_empty() {
                    p.push(problem(
                        &format!("lesion{i}_mm"),
                        format!("target lesion {i}: the longest diameter (mm) is required"),
                    ));
                }
                continue;
            };
            targets.push(json!({
                "id": if id.is_empty() { format!("L{i}") } else { id.to_string() },
                "kind": field(f, &format!("lesion{i}_kind")),
                "diameter_mm": d,
            }));
        }
        doc.insert(
            "soft_tissue".into(),
            json!({
                "targets": targets,
                "non_target": field(f, "non_target"),
                "uptake": field(f, "soft_uptake"),
            }),
        );
    }
    // Marrow: each sample taken, with its tumour percentage.
    let mut samples = Vec::new();
    for (kind, side) in [
        ("aspirate", "left"),
        ("aspirate", "right"),
        ("trephine", "left"),
        ("trephine", "right"),
    ] {
        if let Some(pct) = num(&format!("marrow_{kind}_{side}"), &mut p) {
            samples.push(json!({"kind": kind, "side": side, "tumour_pct": pct}));
        }
    }
    if !samples.is_empty() {
        doc.insert("marrow".into(), Value::Array(samples));
    }
    if kind == Some(AssessmentKind::FollowUp) {
        let mut n = serde_json::Map::new();
        for k in [
            "soft_tissue_avid",
            "soft_tissue_biopsy_proven",
            "mibg_avid_bone",
        ] {
            n.insert(k.into(), Value::Bool(field(f, k) == "yes"));
        }
        doc.insert("new_lesions".into(), Value::Object(n));
    }
    match kind {
        Some(k) if p.is_empty() => Ok((k, Value::Object(doc))),
        _ => Err(p),
    }
}

/// Saves an assessment (checked by the response crate with the patient's
/// other assessments) and shows the result.
async fn add_assessment(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let scope = &c.session.scope;
    // The course first (another centre's is "not found").
    let current = state.store().course_response(scope, id).await?;
    let outcome = match assessment_json(&f) {
        Err(p) => Err(p),
        Ok((kind, content)) => state
            .store()
            .add_assessment(scope, id, kind, content)
            .await?
            .map(|_| ()),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/courses/{id}/response#result")).into_response()),
        Err(p) => {
            let scores = mibg_response::score::SIOPEN_SEGMENTS
                .iter()
                .map(|s| field(&f, &format!("seg_{s}")).to_string())
                .collect();
            let page = response_page(&state, c, &current, id, problem_rows(&p), scores);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, views::render(&page)?).into_response())
        }
    }
}
