//! The study area: the cohort report of the caller's centres (the page of
//! `mibg study report --db`), the pseudonymised export for statisticians
//! (the analysis datasets of `mibg study export-analysis`, audited), and
//! the PDF documents of `--pdf` (study report, treatment plan, dosimetry
//! and second-activity prescription) rendered by `mibg-documents`.
//!
//! No rule here: the store rebuilds the pseudonymised study folder of the
//! caller's scope ([`mibg_store::Store::study_folder`]), `mibg-clinic`
//! computes the report ([`mibg_clinic::cohort::report`]), renders it
//! ([`mibg_clinic::cohort::render::render_html`], the very HTML of
//! `mibg study report --out`) and writes the analysis datasets
//! ([`mibg_clinic::cohort::export::analysis_datasets`], whose text cells
//! are neutralised against CSV injection, OWASP); the documents are the
//! CLI's templates fed the same JSON as `--json`.

use crate::error::AppError;
use crate::guard::{Ctx, MaybeCtx};
use crate::{Access, AppState, Object, READ, spec, views};
use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use mibg_clinic::cohort::StudyReport;
use mibg_clinic::cohort::render::{km_svg, render_html};
use mibg_documents::{Document, DocumentKind, RenderOptions, Signature, content_hash};
use mibg_store::{Course, Infusion, Patient, Permission, Prescription, Scope};
use mibg_study::StudyInput;
use serde_json::{Value, json};

type Page = Result<Response, AppError>;

/// The rights of the pseudonymised export (docs/reference/registry.md §5:
/// statisticians, monitors and physicians of the centres granted).
pub(crate) const EXPORT: &[Permission] = &[Permission::ReadClinical, Permission::Export];

/// The routes of the study area.
pub(crate) fn routes() -> crate::Routes {
    use axum::routing::{get, post};
    vec![
        (
            spec("GET", "/study", Access::Needs(READ), Object::None),
            get(study_page),
        ),
        (
            spec(
                "GET",
                "/study/report.pdf",
                Access::Needs(READ),
                Object::None,
            ),
            get(report_pdf),
        ),
        (
            spec(
                "POST",
                "/study/export.zip",
                Access::Needs(EXPORT),
                Object::None,
            ),
            post(export_zip),
        ),
        (
            spec(
                "GET",
                "/courses/{id}/plan.pdf",
                Access::Needs(READ),
                Object::Course,
            ),
            get(plan_pdf),
        ),
        (
            spec(
                "GET",
                "/courses/{id}/dosimetry.pdf",
                Access::Needs(READ),
                Object::Course,
            ),
            get(dose_pdf),
        ),
    ]
}

#[derive(Template)]
#[template(path = "study.html")]
struct StudyPage {
    l: views::Layout,
    /// Which centres the report covers.
    scope: String,
    /// The report as `mibg study report --out` writes it (its body; every
    /// value escaped by the renderer).
    report: String,
    /// Why there is no report (the study's problems, each with file and row).
    problems: Vec<String>,
    can_export: bool,
}

/// The centres of the caller, in words.
async fn scope_text(state: &AppState, c: &Ctx) -> String {
    let names: Vec<String> = state
        .store()
        .list_centres(&c.session.scope)
        .await
        .map(|v| v.into_iter().map(|x| x.code).collect())
        .unwrap_or_default();
    if names.is_empty() {
        "no centre".into()
    } else {
        names.join(", ")
    }
}

/// The report of the scope's patients: the store's pseudonymised study
/// folder, reported by the clinic. `Err(problems)` when the folder is not
/// a valid study (e.g. no patient in the scope).
async fn scoped_report(
    state: &AppState,
    scope: &Scope,
) -> Result<Result<StudyReport, Vec<String>>, AppError> {
    let input = state.store().study_folder(scope, false).await?;
    Ok(report_of(&input))
}

fn report_of(input: &StudyInput) -> Result<StudyReport, Vec<String>> {
    mibg_clinic::cohort::report(input).map_err(|p| {
        p.errors
            .iter()
            .map(|e| e.to_string())
            .chain(p.warnings.iter().map(|w| format!("warning: {w}")))
            .collect()
    })
}

/// The part between `<body>` and `</body>` of the report's HTML page.
fn body_of(html: &str) -> String {
    let start = html.find("<body>").map_or(0, |i| i + "<body>".len());
    let end = html.rfind("</body>").unwrap_or(html.len());
    html[start..end.max(start)].trim().to_string()
}

/// The study page: the cohort report of the caller's centres.
async fn study_page(State(state): State<AppState>, Extension(c): Extension<MaybeCtx>) -> Page {
    let c = c.need()?;
    let scope = &c.session.scope;
    let (report, problems) = match scoped_report(&state, scope).await? {
        Ok(r) => (body_of(&render_html(&r)), Vec::new()),
        Err(p) => (String::new(), p),
    };
    Ok(views::render(&StudyPage {
        l: views::layout(&state, Some(c), "Study"),
        scope: scope_text(&state, c).await,
        report,
        problems,
        can_export: scope.can(Permission::Export),
    })?
    .into_response())
}

fn refused(problems: &[String]) -> AppError {
    AppError::Refused(format!(
        "no study report for your centres: {}",
        problems.join("; ")
    ))
}

fn attachment(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let mut r = (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        bytes,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// Renders a document off the async threads (typst takes a while).
async fn pdf(
    kind: DocumentKind,
    data: Value,
    images: Vec<(String, Vec<u8>)>,
    signatures: Vec<Signature>,
) -> Result<Vec<u8>, AppError> {
    tokio::task::spawn_blocking(move || {
        let mut doc = Document::new(kind, &data);
        doc.images = images;
        doc.signatures = signatures;
        let opts = RenderOptions {
            generator: format!("mibg {} (web)", env!("CARGO_PKG_VERSION")),
            ..RenderOptions::new(jiff::Timestamp::now())
        };
        mibg_documents::render(&doc, &opts)
            .map(|r| r.pdf)
            .map_err(|e| AppError::Internal(format!("{} document: {e}", kind.as_str())))
    })
    .await
    .map_err(|e| AppError::Internal(format!("document task: {e}")))?
}

/// The study report as PDF (`mibg study report --db … --pdf`).
async fn report_pdf(State(state): State<AppState>, Extension(c): Extension<MaybeCtx>) -> Page {
    let c = c.need()?;
    let r = scoped_report(&state, &c.session.scope)
        .await?
        .map_err(|p| refused(&p))?;
    let data =
        serde_json::to_value(&r).map_err(|e| AppError::Internal(format!("report JSON: {e}")))?;
    let images = vec![
        (
            "km-os.svg".to_string(),
            km_svg(&r.cohort.os, &r.curves.os).into_bytes(),
        ),
        (
            "km-efs.svg".to_string(),
            km_svg(&r.cohort.efs, &r.curves.efs).into_bytes(),
        ),
    ];
    let bytes = pdf(DocumentKind::StudyReport, data, images, Vec::new()).await?;
    Ok(attachment(bytes, "application/pdf", "study-report.pdf"))
}

/// The pseudonymised export: the analysis datasets (adsl.csv, adtte.csv,
/// dictionary.csv of `mibg study export-analysis`) of the caller's
/// centres, in one zip. The store audits it as an export (who, when, which
/// centres, how many patients) before anything is computed.
async fn export_zip(State(state): State<AppState>, Extension(c): Extension<MaybeCtx>) -> Page {
    let c = c.need()?;
    let scope = &c.session.scope;
    let destination = format!(
        "web download of the analysis datasets by {}",
        c.session.user.username
    );
    let input = state
        .store()
        .export_study(scope, false, &destination)
        .await?;
    let r = report_of(&input).map_err(|p| refused(&p))?;
    let d = mibg_clinic::cohort::export::analysis_datasets(&r);
    let now = jiff::Timestamp::now();
    let zip = crate::zip::stored(
        &[
            ("adsl.csv", d.adsl.as_bytes()),
            ("adtte.csv", d.adtte.as_bytes()),
            ("dictionary.csv", d.dictionary.as_bytes()),
        ],
        now,
    );
    let name = format!(
        "mibg-analysis-{}.zip",
        now.to_zoned(jiff::tz::TimeZone::UTC)
            .strftime("%Y%m%dT%H%M%SZ")
    );
    Ok(attachment(zip, "application/zip", &name))
}

/// The registry's signatures of a record as the document shows them:
/// each valid signature of `rx`, bound (by the record's SHA-256, which the
/// document's data carries under `registry`) to the content shown —
/// attached only when the record is what the document shows
/// (`matches`); otherwise the document is UNSIGNED and `registry.note`
/// says why.
struct Registry {
    section: Value,
    signatures: Vec<(mibg_store::sign::Signature, String)>,
}

async fn registry_signatures(
    state: &AppState,
    scope: &Scope,
    rx: Option<&mibg_store::Stored<Prescription>>,
    matches: bool,
) -> Result<Registry, AppError> {
    let Some(p) = rx else {
        return Ok(Registry {
            section: json!({"prescription": null, "note": "no prescription recorded: unsigned"}),
            signatures: Vec::new(),
        });
    };
    let sigs = state
        .store()
        .signatures(scope, "prescriptions", p.id)
        .await?;
    let listed: Vec<Value> = sigs
        .iter()
        .map(|s| {
            json!({
                "printed_name": s.printed_name,
                "meaning": s.meaning.as_str(),
                "signed_at": s.signed_at,
                "record_version": s.entity_version,
                "record_sha256": s.content_sha256,
                "valid": s.valid,
                "void_reason": s.void_reason,
            })
        })
        .collect();
    let note = if !matches {
        "the prescription recorded differs from the activity computed now: its signatures are not shown on this content (unsigned)"
    } else if sigs.iter().any(|s| s.valid) {
        "signatures of the prescription record, version and SHA-256 as listed"
    } else {
        "no valid signature of the prescription record: unsigned"
    };
    let signatures = if matches {
        sigs.into_iter()
            .filter(|s| s.valid)
            .map(|s| {
                let check = format!(
                    "registry e-signature: password re-entered at signing (21 CFR 11.200); binds prescription {} version {}, record SHA-256 {}",
                    p.id, s.entity_version, s.content_sha256
                );
                (s, check)
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Registry {
        section: json!({
            "prescription": {
                "id": p.id,
                "version": p.version,
                "infusion_number": p.record.infusion_number,
                "activity_mbq": p.record.activity_mbq.mbq(),
            },
            "signatures": listed,
            "note": note,
        }),
        signatures,
    })
}

fn document_signatures(reg: &Registry, data: &Value) -> Result<Vec<Signature>, AppError> {
    let hash = content_hash(data);
    reg.signatures
        .iter()
        .map(|(s, check)| {
            Ok(Signature {
                printed_name: s.printed_name.clone(),
                signed_at: s.signed_at.parse().map_err(|e| {
                    AppError::Internal(format!("signature {} time {}: {e}", s.id, s.signed_at))
                })?,
                meaning: match s.meaning {
                    mibg_store::Meaning::Authored => mibg_documents::Meaning::Authored,
                    mibg_store::Meaning::Reviewed => mibg_documents::Meaning::Reviewed,
                    mibg_store::Meaning::Approved => mibg_documents::Meaning::Approved,
                },
                content_sha256: hash,
                identity_check: check.clone(),
            })
        })
        .collect()
}

async fn course_and_patient(
    state: &AppState,
    scope: &Scope,
    id: i64,
) -> Result<(mibg_store::Stored<Course>, mibg_store::Stored<Patient>), AppError> {
    let course = state.store().get::<Course>(scope, id).await?;
    if course.deleted {
        return Err(AppError::NotFound);
    }
    let patient = state
        .store()
        .get::<Patient>(scope, course.patient_id)
        .await?;
    Ok((course, patient))
}

async fn prescription_of(
    state: &AppState,
    scope: &Scope,
    patient: i64,
    course: i64,
    infusion: i64,
) -> Result<Option<mibg_store::Stored<Prescription>>, AppError> {
    Ok(state
        .store()
        .list::<Prescription>(scope, patient)
        .await?
        .into_iter()
        .find(|p| {
            p.record.course_id == course && p.record.infusion_number == infusion && !p.deleted
        }))
}

/// Two activities the same to the MBq printed (the documents print whole MBq).
fn same_activity(a: mibg_units::Activity, b: mibg_units::Activity) -> bool {
    (a.mbq() - b.mbq()).abs() < 0.5
}

/// The treatment plan of a course as PDF (`mibg plan --pdf`): computed by
/// `mibg_clinic::plan_course` from the course's protocol and the patient's
/// weight and height at enrolment, day 0 the date of infusion 1 when it
/// is recorded; signed by the plan's (infusion-1 prescription's)
/// signatures when the plan recorded is the one computed.
async fn plan_pdf(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
) -> Page {
    let c = c.need()?;
    let scope = &c.session.scope;
    let (course, patient) = course_and_patient(&state, scope, id).await?;
    let text = state
        .store()
        .protocol_text(scope, course.record.protocol_id)
        .await?;
    let protocol = mibg_protocol::Protocol::from_toml(
        &text,
        &format!("protocol {}", course.record.protocol_id),
    )
    .map_err(|e| AppError::Internal(format!("stored protocol: {e}")))?;
    let mut plan = mibg_clinic::plan_course(
        &protocol,
        patient.record.weight_kg,
        patient.record.height_cm,
    )
    .map_err(|e| AppError::Refused(format!("no plan for this patient: {e}")))?;
    let day0 = state
        .store()
        .list::<Infusion>(scope, patient.id)
        .await?
        .into_iter()
        .find(|i| i.record.course_id == id && i.record.number == 1 && !i.deleted)
        .map(|i| i.record.date);
    if let Some(d) = day0 {
        plan.plan = plan
            .plan
            .with_start_date(d)
            .map_err(|e| AppError::Refused(format!("no plan for this patient: {e}")))?;
    }
    let rx = prescription_of(&state, scope, patient.id, id, 1).await?;
    let matches = rx
        .as_ref()
        .is_some_and(|p| same_activity(p.record.activity_mbq, plan.plan.infusion1.activity));
    let reg = registry_signatures(&state, scope, rx.as_ref(), matches).await?;
    let mut data =
        serde_json::to_value(&plan).map_err(|e| AppError::Internal(format!("plan JSON: {e}")))?;
    if let Value::Object(m) = &mut data {
        m.insert(
            "patient".into(),
            json!({"study_id": patient.record.study_id}),
        );
        m.insert("registry".into(), reg.section.clone());
    }
    let signatures = document_signatures(&reg, &data)?;
    let bytes = pdf(DocumentKind::Plan, data, Vec::new(), signatures).await?;
    Ok(attachment(
        bytes,
        "application/pdf",
        &format!(
            "plan-{}-course-{}.pdf",
            patient.record.study_id, course.record.number
        ),
    ))
}

/// The dosimetry and second-activity prescription as PDF (`mibg dose
/// --pdf`): the dosimetry computed now by the store (as on the dosimetry
/// page), with the retention plot, signed by the infusion-2
/// prescription's valid signatures when its activity is the one computed.
async fn dose_pdf(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Path(id): Path<i64>,
) -> Page {
    let c = c.need()?;
    let scope = &c.session.scope;
    let (course, patient) = course_and_patient(&state, scope, id).await?;
    let a = state.store().assess_dosimetry(scope, id).await?;
    let d = match a.outcome {
        mibg_store::DosimetryOutcome::Assessed(d) => d,
        mibg_store::DosimetryOutcome::Missing(m) => {
            return Err(AppError::Refused(format!("no dosimetry document yet: {m}")));
        }
        mibg_store::DosimetryOutcome::Readings { infusion, error } => {
            return Err(AppError::Refused(format!(
                "no dosimetry document: the readings of infusion {infusion} cannot be used: {error}"
            )));
        }
        mibg_store::DosimetryOutcome::Refused(e) => {
            return Err(AppError::Refused(format!(
                "no dosimetry document: the dosimetry refused: {e}"
            )));
        }
        _ => return Err(AppError::Refused("no dosimetry document".into())),
    };
    let rx = prescription_of(&state, scope, patient.id, id, 2).await?;
    let matches = rx
        .as_ref()
        .is_some_and(|p| same_activity(p.record.activity_mbq, d.second_activity));
    let reg = registry_signatures(&state, scope, rx.as_ref(), matches).await?;
    let fit = &d.assessment;
    // The JSON of `mibg dose --json` (patient, readings, fitted retention,
    // then the result's fields), with the registry's record of the
    // prescription.
    let mut data = serde_json::to_value(&*d)
        .map_err(|e| AppError::Internal(format!("dosimetry JSON: {e}")))?;
    if let Value::Object(m) = &mut data {
        m.insert(
            "patient".into(),
            json!({"study_id": patient.record.study_id}),
        );
        m.insert(
            "readings".into(),
            serde_json::to_value(&fit.readings)
                .map_err(|e| AppError::Internal(format!("readings JSON: {e}")))?,
        );
        m.insert(
            "fitted_retention".into(),
            json!(
                fit.readings
                    .readings
                    .iter()
                    .map(|r| fit.fit.curve.retention(r.time_h))
                    .collect::<Vec<f64>>()
            ),
        );
        m.insert("registry".into(), reg.section.clone());
    }
    let signatures = document_signatures(&reg, &data)?;
    let images = vec![(
        "retention.svg".to_string(),
        mibg_clinic::dosimetry::retention_plot_svg(&d).into_bytes(),
    )];
    let bytes = pdf(DocumentKind::Dose, data, images, signatures).await?;
    Ok(attachment(
        bytes,
        "application/pdf",
        &format!(
            "dosimetry-{}-course-{}.pdf",
            patient.record.study_id, course.record.number
        ),
    ))
}
