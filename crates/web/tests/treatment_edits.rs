//! Changing and deleting melphalan doses, stem-cell returns and
//! transfusions, without a socket, each test on a fresh SQLite database
//! holding the seed study: the JSON API (a change names its version and a
//! reason: 200 with the new version, 409 on a stale version, 422 without a
//! reason or with a value the entry's rule refuses, naming the field; 403
//! for a role without the entry's right; 404 for another centre's course
//! and for another centre's record id guessed on one's own course), the
//! audit rows (old → new with the reason; the deletion), the pages (the
//! "change or delete" links, the edit form, its CSRF token, a stale change
//! answered with the current values), and the study report from the
//! database, which equals the report of the folder holding the same rows.

mod common;

use axum::http::StatusCode;
use common::App;
use mibg_store::{Melphalan, Role, Scope, StemCells, Stored, Transfusion};
use serde_json::{Value, json};

fn v(r: &common::Resp) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

/// A 422 problem-details body whose `errors` name `field`.
fn refused_on(r: &common::Resp, field: &str) -> Value {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let p = v(r);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert!(fields.contains(&field), "{field} not in {fields:?}: {p}");
    p
}

fn report_json(input: &mibg_study::StudyInput) -> String {
    serde_json::to_string_pretty(&mibg_clinic::cohort::report(input).unwrap()).unwrap()
}

/// The seed folder with one line of a table replaced (`None`: removed).
fn seed_with(file: &str, line: &str, by: Option<&str>) -> mibg_study::StudyInput {
    let mut folder = common::seed_study();
    let text = folder.files.get(file).unwrap().clone();
    let old = format!("{line}\n");
    assert!(text.contains(&old), "{file} has no line {line}");
    let new = by.map(|b| format!("{b}\n")).unwrap_or_default();
    folder.insert(file, text.replacen(&old, &new, 1));
    folder
}

async fn one<T: mibg_store::Record>(app: &App, study_id: &str) -> Vec<Stored<T>> {
    let op = Scope::operator("t");
    let pid = app.patient_id(study_id).await;
    app.store.list::<T>(&op, pid).await.unwrap()
}

/// The audit rows of one record: (action, field, old, new, reason).
async fn audit_of(
    app: &App,
    study_id: &str,
    entity: &str,
    id: i64,
) -> Vec<(String, String, String, String, String)> {
    let op = Scope::operator("t");
    let pid = app.patient_id(study_id).await;
    app.store
        .patient_history(&op, pid)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.entity.as_deref() == Some(entity) && a.entity_id == Some(id))
        .map(|a| {
            (
                a.action,
                a.field.unwrap_or_default(),
                a.old_value.unwrap_or_default(),
                a.new_value.unwrap_or_default(),
                a.reason.unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_changes_and_deletes_melphalan_with_version_reason_and_audit() {
    let app = App::study_only(None).await;
    let own = app.course_id("SYN-03").await;
    let other = app.course_id("SYN-04").await;
    let nurse = app.token(Role::Nurse).await;
    let mut c = app.anonymous();
    let r = c
        .api(
            "POST",
            &format!("/api/v1/courses/{own}/melphalan"),
            &nurse,
            Some(&json!({"date": "2017-05-14", "dose_mg": "100"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = v(&r)["melphalan"]["id"].as_i64().unwrap();
    let upd = format!("/api/v1/courses/{own}/melphalan/update");
    let change = |version: i64, dose: Value, reason: &str| {
        json!({"record_id": id, "version": version, "reason": reason,
               "date": "2017-05-14", "dose_mg": dose})
    };
    // The entry's rule, by field; nothing saved.
    let r = c
        .api("POST", &upd, &nurse, Some(&change(1, json!("0"), "typo")))
        .await;
    let p = refused_on(&r, "dose_mg");
    assert!(p.to_string().contains("more than 0 mg"), "{p}");
    let r = c
        .api(
            "POST",
            &upd,
            &nurse,
            Some(&json!({"record_id": id, "version": 1, "reason": "typo",
                         "date": "14/05/2017", "dose_mg": 96.5})),
        )
        .await;
    refused_on(&r, "date");
    // A reason is required.
    let r = c
        .api("POST", &upd, &nurse, Some(&change(1, json!(96.5), " ")))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("a reason is required"), "{}", r.body);
    // Roles without the entry's right: 403.
    for role in [Role::Physicist, Role::Statistician, Role::Monitor] {
        let t = app.token(role).await;
        let r = c
            .api("POST", &upd, &t, Some(&change(1, json!(96.5), "typo")))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}: {}", r.body);
    }
    // Another centre's course: 404.
    let r = c
        .api(
            "POST",
            &format!("/api/v1/courses/{other}/melphalan/update"),
            &nurse,
            Some(&change(1, json!(96.5), "typo")),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // Another centre's record id guessed on one's own course: 404, untouched.
    let op = Scope::operator("t");
    let theirs = app
        .store
        .create(
            &op,
            app.patient_id("SYN-04").await,
            &Melphalan {
                course_id: other,
                date: "2017-05-14".parse().unwrap(),
                dose_mg: mibg_units::DrugMass::from_mg(120.0),
            },
        )
        .await
        .unwrap();
    for (path, body) in [
        (
            "update",
            json!({"record_id": theirs.id, "version": 1, "reason": "guess",
                   "date": "2017-05-14", "dose_mg": 1}),
        ),
        (
            "delete",
            json!({"record_id": theirs.id, "version": 1, "reason": "guess"}),
        ),
    ] {
        let r = c
            .api(
                "POST",
                &format!("/api/v1/courses/{own}/melphalan/{path}"),
                &nurse,
                Some(&body),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
    }
    let t = app.store.get::<Melphalan>(&op, theirs.id).await.unwrap();
    assert_eq!((t.version, t.deleted), (1, false));
    // Changed: version 2, the dose shown on the course page with the new value.
    let r = c
        .api(
            "POST",
            &upd,
            &nurse,
            Some(&change(1, json!(96.5), "dose from the pharmacy record")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (v(&r)["id"].as_i64(), v(&r)["version"].as_i64()),
        (Some(id), Some(2))
    );
    let m = app.store.get::<Melphalan>(&op, id).await.unwrap();
    assert_eq!(m.record.dose_mg.mg(), 96.5);
    // A stale version: 409, nothing saved.
    let r = c
        .api("POST", &upd, &nurse, Some(&change(1, json!(90), "again")))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("now version 2"), "{}", r.body);
    // The current values come with the refusal.
    let cur = &v(&r)["current"];
    assert_eq!(
        (cur["id"].as_i64(), cur["version"].as_i64()),
        (Some(id), Some(2))
    );
    assert_eq!(cur["values"]["dose_mg"], json!(96.5));
    assert_eq!(
        app.store
            .get::<Melphalan>(&op, id)
            .await
            .unwrap()
            .record
            .dose_mg
            .mg(),
        96.5
    );
    // The audit: the creation, then the dose old → new with the reason.
    let a = audit_of(&app, "SYN-03", "melphalan", id).await;
    assert_eq!(a[0].0, "create");
    let u: Vec<_> = a.iter().filter(|x| x.0 == "update").collect();
    assert_eq!(u.len(), 1, "{a:?}");
    assert_eq!(u[0].1, "dose_mg");
    assert_eq!((u[0].2.as_str(), u[0].3.as_str()), ("100.0", "96.5"));
    assert_eq!(u[0].4, "dose from the pharmacy record");
    // Deleted: stale 409, no reason 422, then a state, audited.
    let del = format!("/api/v1/courses/{own}/melphalan/delete");
    let r = c
        .api(
            "POST",
            &del,
            &nurse,
            Some(&json!({"record_id": id, "version": 1, "reason": "entered twice"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = c
        .api(
            "POST",
            &del,
            &nurse,
            Some(&json!({"record_id": id, "version": 2, "reason": ""})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = c
        .api(
            "POST",
            &del,
            &nurse,
            Some(&json!({"record_id": id, "version": 2, "reason": "entered twice"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(v(&r)["deleted"], true);
    assert!(app.store.get::<Melphalan>(&op, id).await.unwrap().deleted);
    assert!(
        app.store
            .melphalan_given(&op, own)
            .await
            .unwrap()
            .is_empty()
    );
    let a = audit_of(&app, "SYN-03", "melphalan", id).await;
    assert!(
        a.iter().any(|x| x.0 == "delete" && x.4 == "entered twice"),
        "{a:?}"
    );
    // A deleted record is not found any more.
    let r = c
        .api("POST", &upd, &nurse, Some(&change(3, json!(90), "again")))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_stem_cell_return_changes_the_report_as_the_folder_does() {
    let app = App::study_only(None).await;
    let own = app.course_id("SYN-03").await;
    let other = app.course_id("SYN-04").await;
    let op = Scope::operator("t");
    let seed = report_json(&common::seed_study());
    assert_eq!(
        report_json(&app.store.study_folder(&op, false).await.unwrap()),
        seed
    );
    let sc = one::<StemCells>(&app, "SYN-03").await;
    assert_eq!(sc.len(), 1);
    let sc = &sc[0];
    assert_eq!(sc.record.date.to_string(), "2017-05-16");
    let doc = app.token(Role::Physician).await;
    let mut c = app.anonymous();
    let upd = format!("/api/v1/courses/{own}/stem-cells/update");
    let change = |version: i64, date: &str, cd34: Value, reason: &str| {
        json!({"record_id": sc.id, "version": version, "reason": reason,
               "date": date, "cd34_e6_per_kg": cd34})
    };
    // The study folder's reader decides: CD34+ out of its range.
    let r = c
        .api(
            "POST",
            &upd,
            &doc,
            Some(&change(sc.version, "2017-05-19", json!(5000), "typo")),
        )
        .await;
    refused_on(&r, "cd34_e6_per_kg");
    let r = c
        .api(
            "POST",
            &upd,
            &doc,
            Some(&change(sc.version, "2017-05-19", json!(7.9), "")),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let statistician = app.token(Role::Statistician).await;
    let r = c
        .api(
            "POST",
            &upd,
            &statistician,
            Some(&change(sc.version, "2017-05-19", json!(7.9), "x")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Milan's return guessed on Rome's course, and Rome's on Milan's: 404.
    let theirs = &one::<StemCells>(&app, "SYN-04").await[0];
    let r = c
        .api(
            "POST",
            &upd,
            &doc,
            Some(
                &json!({"record_id": theirs.id, "version": theirs.version, "reason": "x",
                         "date": "2017-05-19"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = c
        .api(
            "POST",
            &format!("/api/v1/courses/{other}/stem-cells/update"),
            &doc,
            Some(&change(sc.version, "2017-05-19", json!(7.9), "x")),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // Changed: the report from the database is the folder's with that row.
    let r = c
        .api(
            "POST",
            &upd,
            &doc,
            Some(&change(
                sc.version,
                "2017-05-19",
                json!(7.9),
                "date from the apheresis log",
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let now = v(&r)["version"].as_i64().unwrap();
    assert_eq!(now, sc.version + 1);
    let changed = seed_with(
        "stem_cells.csv",
        "SYN-03,2017-05-16,7.9",
        Some("SYN-03,2017-05-19,7.9"),
    );
    let from_db = app.store.study_folder(&op, false).await.unwrap();
    assert_eq!(report_json(&changed), report_json(&from_db));
    assert_ne!(report_json(&from_db), seed, "the day 0 moved");
    // The return keeps its course.
    let kept = app.store.get::<StemCells>(&op, sc.id).await.unwrap();
    assert_eq!(kept.record.course_id, Some(own));
    let a = audit_of(&app, "SYN-03", "stem_cells", sc.id).await;
    assert!(
        a.iter().any(|x| x.0 == "update"
            && x.1 == "date"
            && x.2.contains("2017-05-16")
            && x.3.contains("2017-05-19")
            && x.4 == "date from the apheresis log"),
        "{a:?}"
    );
    // A stale change: 409.
    let r = c
        .api(
            "POST",
            &upd,
            &doc,
            Some(&change(sc.version, "2017-05-20", json!(7.9), "x")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // Deleted: the report is the folder's without the row.
    let r = c
        .api(
            "POST",
            &format!("/api/v1/courses/{own}/stem-cells/delete"),
            &doc,
            Some(&json!({"record_id": sc.id, "version": now, "reason": "not this patient's"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let without = seed_with("stem_cells.csv", "SYN-03,2017-05-16,7.9", None);
    let from_db = app.store.study_folder(&op, false).await.unwrap();
    assert_eq!(report_json(&without), report_json(&from_db));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_transfusion_changes_the_report_as_the_folder_does() {
    let app = App::study_only(None).await;
    let own = app.course_id("SYN-03").await;
    let other = app.course_id("SYN-04").await;
    let op = Scope::operator("t");
    let ts = one::<Transfusion>(&app, "SYN-03").await;
    let last = ts
        .iter()
        .find(|t| t.record.date.to_string() == "2017-05-29")
        .unwrap();
    assert_eq!(last.record.product, "platelets");
    let nurse = app.token(Role::Nurse).await;
    let mut c = app.anonymous();
    let upd = format!("/api/v1/courses/{own}/transfusions/update");
    let change = |version: i64, product: &str, reason: &str| {
        json!({"record_id": last.id, "version": version, "reason": reason,
               "date": "2017-05-29", "product": product})
    };
    // The toxicity crate's parser decides the products.
    let r = c
        .api(
            "POST",
            &upd,
            &nurse,
            Some(&change(last.version, "plasma", "x")),
        )
        .await;
    let p = refused_on(&r, "product");
    assert!(p.to_string().contains("plasma"), "{p}");
    let physicist = app.token(Role::Physicist).await;
    let r = c
        .api(
            "POST",
            &upd,
            &physicist,
            Some(&change(last.version, "red_cells", "x")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = c
        .api(
            "POST",
            &format!("/api/v1/courses/{other}/transfusions/update"),
            &nurse,
            Some(&change(last.version, "red_cells", "x")),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let theirs = &one::<Transfusion>(&app, "SYN-04").await[0];
    let r = c
        .api(
            "POST",
            &format!("/api/v1/courses/{own}/transfusions/delete"),
            &nurse,
            Some(&json!({"record_id": theirs.id, "version": theirs.version, "reason": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // Changed to red cells: the report equals the folder's with that row.
    let r = c
        .api(
            "POST",
            &upd,
            &nurse,
            Some(&change(last.version, "red cells", "blood bank record")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let now = app.store.get::<Transfusion>(&op, last.id).await.unwrap();
    assert_eq!(now.record.product, "red_cells", "the parser's code");
    let changed = seed_with(
        "transfusions.csv",
        "SYN-03,2017-05-29,platelets",
        Some("SYN-03,2017-05-29,red_cells"),
    );
    let from_db = app.store.study_folder(&op, false).await.unwrap();
    assert_eq!(report_json(&changed), report_json(&from_db));
    let a = audit_of(&app, "SYN-03", "transfusions", last.id).await;
    assert!(
        a.iter().any(|x| x.0 == "update"
            && x.1 == "product"
            && x.2.contains("platelets")
            && x.3.contains("red_cells")
            && x.4 == "blood bank record"),
        "{a:?}"
    );
    // Stale: 409; then deleted: the folder without the row.
    let del = format!("/api/v1/courses/{own}/transfusions/delete");
    let r = c
        .api(
            "POST",
            &del,
            &nurse,
            Some(&json!({"record_id": last.id, "version": last.version, "reason": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = c
        .api(
            "POST",
            &del,
            &nurse,
            Some(&json!({"record_id": last.id, "version": now.version, "reason": "entered on the wrong patient"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let without = seed_with("transfusions.csv", "SYN-03,2017-05-29,platelets", None);
    let from_db = app.store.study_folder(&op, false).await.unwrap();
    assert_eq!(report_json(&without), report_json(&from_db));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_change_and_delete_these_records_with_csrf_reason_and_version() {
    let app = App::study_only(None).await;
    let own = app.course_id("SYN-03").await;
    let other = app.course_id("SYN-04").await;
    let op = Scope::operator("t");
    let mut nurse = app.client(Role::Nurse).await;
    // Melphalan recorded by form; the course page links its change.
    let r = nurse
        .submit(
            &format!("/courses/{own}/melphalan"),
            &[("date", "2017-05-14"), ("dose_mg", "100")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let m = app.store.melphalan_given(&op, own).await.unwrap()[0].clone();
    let page = nurse.get(&format!("/courses/{own}")).await;
    let link = format!("/courses/{own}/melphalan/edit?record={}", m.id);
    assert!(page.body.contains(&link), "{}", page.body);
    // Read-only roles see the records without the links.
    let mut monitor = app.client(Role::Monitor).await;
    let mp = monitor.get(&format!("/courses/{own}")).await;
    assert!(mp.body.contains("100.0 mg"));
    assert!(!mp.body.contains("/melphalan/edit"));
    let mt = monitor.get(&format!("/courses/{own}/toxicity")).await;
    assert!(mt.body.contains("2017-05-29"));
    assert!(!mt.body.contains("/stem-cells/edit") && !mt.body.contains("/transfusions/edit"));
    assert_eq!(monitor.get(&link).await.status, StatusCode::FORBIDDEN);
    // The edit page: the stored values, version, CSRF token.
    let edit = nurse.get(&link).await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    assert!(edit.body.contains("Change or delete a melphalan dose"));
    assert!(
        edit.body.contains("name=\"dose_mg\" value=\"100\""),
        "{}",
        edit.body
    );
    assert!(edit.body.contains("name=\"version\" value=\"1\""));
    assert!(edit.body.contains("name=\"csrf\""));
    let upd = format!("/courses/{own}/melphalan/update");
    let id = m.id.to_string();
    // Without the CSRF token: refused.
    let r = nurse
        .post(
            &upd,
            &[
                ("record_id", &id),
                ("version", "1"),
                ("date", "2017-05-14"),
                ("dose_mg", "96"),
                ("reason", "pharmacy"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Without a reason: the form again, the field named, nothing saved.
    let r = nurse
        .submit(
            &upd,
            &[
                ("record_id", &id),
                ("version", "1"),
                ("date", "2017-05-14"),
                ("dose_mg", "96"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("a reason is required"), "{}", r.body);
    assert!(r.body.contains("value=\"96\""));
    // A bad dose: the entry's message.
    let r = nurse
        .submit(
            &upd,
            &[
                ("record_id", &id),
                ("version", "1"),
                ("date", "2017-05-14"),
                ("dose_mg", "9,6"),
                ("reason", "pharmacy"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("is not a number of mg"), "{}", r.body);
    // Saved: back to the course page's section.
    let r = nurse
        .submit(
            &upd,
            &[
                ("record_id", &id),
                ("version", "1"),
                ("date", "2017-05-14"),
                ("dose_mg", "96"),
                ("reason", "pharmacy"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/courses/{own}#melphalan"));
    assert!(
        nurse
            .get(&format!("/courses/{own}"))
            .await
            .body
            .contains("96.0 mg")
    );
    // A stale change: 409, the current values in the form, what was typed beside.
    let r = nurse
        .submit(
            &upd,
            &[
                ("record_id", &id),
                ("version", "1"),
                ("date", "2017-05-14"),
                ("dose_mg", "95"),
                ("reason", "again"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("someone else changed this record"));
    assert!(
        r.body.contains("name=\"dose_mg\" value=\"96\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("name=\"version\" value=\"2\""));
    assert!(r.body.contains("<dd>95</dd>"), "{}", r.body);
    // Another centre's course: not found.
    let r = nurse
        .get(&format!("/courses/{other}/melphalan/edit?record={}", m.id))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The toxicity page links the stem-cell return and the transfusions.
    let tox = nurse.get(&format!("/courses/{own}/toxicity")).await;
    let sc = &one::<StemCells>(&app, "SYN-03").await[0];
    let sc_link = format!("/courses/{own}/stem-cells/edit?record={}", sc.id);
    assert!(tox.body.contains(&sc_link), "{}", tox.body);
    assert!(tox.body.contains("CD34+ 7.9"));
    let tr = one::<Transfusion>(&app, "SYN-03").await;
    let t = tr
        .iter()
        .find(|t| t.record.date.to_string() == "2017-05-27")
        .unwrap();
    let t_link = format!("/courses/{own}/transfusions/edit?record={}", t.id);
    assert!(tox.body.contains(&t_link));
    // A stem-cell return changed by form.
    let edit = nurse.get(&sc_link).await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    assert!(edit.body.contains("Change or delete a stem-cell return"));
    assert!(edit.body.contains("value=\"2017-05-16\""));
    let r = nurse
        .submit(
            &format!("/courses/{own}/stem-cells/update"),
            &[
                ("record_id", &sc.id.to_string()),
                ("version", &sc.version.to_string()),
                ("date", "2017-05-17"),
                ("cd34_e6_per_kg", "7.9"),
                ("reason", "apheresis log"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/courses/{own}/toxicity#supportive"));
    let tox = nurse.get(&format!("/courses/{own}/toxicity")).await;
    assert!(tox.body.contains("2017-05-17"));
    // Changed to a date the study folder's validation refuses (the day
    // before SYN-03's infusion 1, 2017-04-18, examples/seed-study
    // infusions.csv): the form again, the problem at its field, what was
    // typed kept, nothing saved.
    let sc = &one::<StemCells>(&app, "SYN-03").await[0];
    let r = nurse
        .submit(
            &format!("/courses/{own}/stem-cells/update"),
            &[
                ("record_id", &sc.id.to_string()),
                ("version", &sc.version.to_string()),
                ("date", "2017-04-17"),
                ("cd34_e6_per_kg", "7.9"),
                ("reason", "apheresis log"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Change or delete a stem-cell return"));
    assert!(
        r.body.contains(
            "<tr><td>date</td><td>stem-cell infusion dated 2017-04-17 is before the first infusion (2017-04-18)</td></tr>"
        ),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"2017-04-17\""), "{}", r.body);
    let now = &one::<StemCells>(&app, "SYN-03").await[0];
    assert_eq!(
        (now.version, now.record.date.to_string()),
        (sc.version, "2017-05-17".into())
    );
    // A transfusion after SYN-03's last contact (2024-08-07,
    // followup.csv): refused at its date on the toxicity page.
    let r = nurse
        .submit(
            &format!("/courses/{own}/transfusions"),
            &[("date", "2024-08-08"), ("product", "platelets")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains(
            "<td>date</td><td>record dated 2024-08-08 is after the last contact (2024-08-07); the last contact must be the latest date</td></tr>"
        ),
        "{}",
        r.body
    );
    assert_eq!(one::<Transfusion>(&app, "SYN-03").await.len(), tr.len());
    // A transfusion deleted by form: without a reason refused, then gone.
    let edit = nurse.get(&t_link).await;
    assert!(edit.body.contains("Delete this transfusion"));
    assert!(
        edit.body.contains("<option value=\"red_cells\" selected>"),
        "{}",
        edit.body
    );
    let del = format!("/courses/{own}/transfusions/delete");
    let r = nurse
        .submit(
            &del,
            &[
                ("record_id", &t.id.to_string()),
                ("version", &t.version.to_string()),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("nothing was deleted"));
    let r = nurse
        .submit(
            &del,
            &[
                ("record_id", &t.id.to_string()),
                ("version", &t.version.to_string()),
                ("reason", "entered twice"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        app.store
            .get::<Transfusion>(&op, t.id)
            .await
            .unwrap()
            .deleted
    );
    let tox = nurse.get(&format!("/courses/{own}/toxicity")).await;
    assert!(!tox.body.contains(&t_link));
    // A physicist has neither right: 403 on both edit pages.
    let mut phys = app.client(Role::Physicist).await;
    assert_eq!(phys.get(&sc_link).await.status, StatusCode::FORBIDDEN);
    assert_eq!(phys.get(&link).await.status, StatusCode::FORBIDDEN);
}
