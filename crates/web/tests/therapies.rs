//! Later therapies (the study folder's `therapies.csv`) entered, changed
//! and deleted in the web application, without a socket, each test on a
//! fresh SQLite database holding the seed study: the API (the study
//! folder's rules by field, 403 for a role without the right, 404 for
//! another centre's course or record, 409 on a stale version, a reason for
//! every change, the audit rows), the course page's section and edit page,
//! and the study report from the database, which equals the report of the
//! folder holding the same rows.

mod common;

use axum::http::StatusCode;
use common::App;
use mibg_store::{Role, Scope, Therapy};
use serde_json::{Value, json};

fn v(r: &common::Resp) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

/// A 422 problem-details body whose `errors` name `field`; its text.
fn refused_on(r: &common::Resp, field: &str) -> String {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let p = v(r);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert!(fields.contains(&field), "{field} not in {fields:?}: {p}");
    p.to_string()
}

fn report_json(input: &mibg_study::StudyInput) -> String {
    serde_json::to_string_pretty(&mibg_clinic::cohort::report(input).unwrap()).unwrap()
}

/// The seed folder with rows added to `therapies.csv`.
fn seed_plus(rows: &str) -> mibg_study::StudyInput {
    let mut folder = common::seed_study();
    let text = folder.files.get("therapies.csv").unwrap().clone();
    folder.insert("therapies.csv", format!("{text}{rows}"));
    folder
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_enters_changes_and_deletes_later_therapies_as_a_folder_would() {
    let app = App::study_only(None).await;
    // SYN-03 (Rome): infusion 1 on 2017-04-18, last contact 2024-08-07.
    let own = app.course_id("SYN-03").await;
    let other = app.course_id("SYN-04").await;
    let op = Scope::operator("t");
    let doc = app.token(Role::Physician).await;
    let mut c = app.anonymous();
    let url = format!("/api/v1/courses/{own}/therapies");
    // The folder's rules, each by field; nothing saved.
    let r = c
        .api(
            "POST",
            &url,
            &doc,
            Some(&json!({"therapy": "GD2 CAR-T", "start_date": "2020-01-01"})),
        )
        .await;
    assert!(refused_on(&r, "therapy").contains("is not a therapy code"));
    let r = c
        .api(
            "POST",
            &url,
            &doc,
            Some(&json!({"therapy": "gd2_car_t", "start_date": "2017-03-01"})),
        )
        .await;
    assert!(refused_on(&r, "start_date").contains("before the first infusion (2017-04-18)"));
    let r = c
        .api(
            "POST",
            &url,
            &doc,
            Some(&json!({"therapy": "gd2_car_t", "start_date": "2024-09-01"})),
        )
        .await;
    let m = refused_on(&r, "start_date");
    assert!(m.contains("after the last contact"), "{m}");
    assert!(
        !m.contains(".csv line"),
        "no line of a file the user never saw: {m}"
    );
    let pid = app.patient_id("SYN-03").await;
    assert_eq!(app.store.list::<Therapy>(&op, pid).await.unwrap().len(), 1);
    // Rights: a physician's; another centre's course is not found.
    for role in [
        Role::Nurse,
        Role::Physicist,
        Role::Statistician,
        Role::Monitor,
    ] {
        let t = app.token(role).await;
        let r = c
            .api(
                "POST",
                &url,
                &t,
                Some(&json!({"therapy": "gd2_car_t", "start_date": "2020-01-01"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}: {}", r.body);
    }
    let r = c
        .api(
            "POST",
            &format!("/api/v1/courses/{other}/therapies"),
            &doc,
            Some(&json!({"therapy": "gd2_car_t", "start_date": "2020-01-01"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // Recorded: the report from the database is the folder's with the row.
    let r = c
        .api(
            "POST",
            &url,
            &doc,
            Some(&json!({"therapy": "gd2_car_t", "start_date": "2020-01-01", "notes": "trial"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = v(&r)["id"].as_i64().unwrap();
    let from_db = app.store.study_folder(&op, false).await.unwrap();
    let seed = report_json(&common::seed_study());
    assert_eq!(
        report_json(&seed_plus("SYN-03,gd2_car_t,2020-01-01\n")),
        report_json(&from_db)
    );
    assert_ne!(report_json(&from_db), seed);
    // Changed: version, reason, the folder's rules again.
    let upd = format!("/api/v1/courses/{own}/therapies/update");
    let change = |version: i64, therapy: &str, date: &str, reason: &str| {
        json!({"record_id": id, "version": version, "reason": reason,
               "therapy": therapy, "start_date": date})
    };
    let r = c
        .api(
            "POST",
            &upd,
            &doc,
            Some(&change(1, "gd2_car_t", "2016-01-01", "letter")),
        )
        .await;
    refused_on(&r, "start_date");
    let r = c
        .api(
            "POST",
            &upd,
            &doc,
            Some(&change(1, "dinutuximab_beta", "2020-02-03", "")),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("a reason is required"));
    let nurse = app.token(Role::Nurse).await;
    let r = c
        .api(
            "POST",
            &upd,
            &nurse,
            Some(&change(1, "dinutuximab_beta", "2020-02-03", "x")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Milan's therapy guessed on Rome's course: not found.
    let milan = app.patient_id("SYN-04").await;
    let theirs = app
        .store
        .create(
            &op,
            milan,
            &Therapy {
                therapy: "gd2_car_t".into(),
                start_date: "2018-01-01".parse().unwrap(),
                notes: None,
            },
        )
        .await
        .unwrap();
    let r = c
        .api(
            "POST",
            &upd,
            &doc,
            Some(
                &json!({"record_id": theirs.id, "version": theirs.version, "reason": "x",
                         "therapy": "x", "start_date": "2020-01-01"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let t = app.store.get::<Therapy>(&op, theirs.id).await.unwrap();
    assert_eq!((t.version, t.record.therapy.as_str()), (1, "gd2_car_t"));
    // (Withdrawn again, so that the reports below compare SYN-03 alone.)
    app.store
        .delete::<Therapy>(&op, theirs.id, 1, "test fixture")
        .await
        .unwrap();
    let r = c
        .api(
            "POST",
            &upd,
            &doc,
            Some(&change(
                1,
                "dinutuximab_beta",
                "2020-02-03",
                "the clinic letter",
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(v(&r)["version"], 2);
    let r = c
        .api(
            "POST",
            &upd,
            &doc,
            Some(&change(1, "gd2_car_t", "2020-02-04", "again")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let from_db = app.store.study_folder(&op, false).await.unwrap();
    assert_eq!(
        report_json(&seed_plus("SYN-03,dinutuximab_beta,2020-02-03\n")),
        report_json(&from_db)
    );
    let h = app.store.patient_history(&op, pid).await.unwrap();
    let fields: Vec<(String, String, String)> = h
        .iter()
        .filter(|a| {
            a.entity.as_deref() == Some("therapies")
                && a.entity_id == Some(id)
                && a.action == "update"
        })
        .map(|a| {
            assert_eq!(a.reason.as_deref(), Some("the clinic letter"));
            (
                a.field.clone().unwrap_or_default(),
                a.old_value.clone().unwrap_or_default(),
                a.new_value.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        fields.contains(&(
            "therapy".into(),
            "\"gd2_car_t\"".into(),
            "\"dinutuximab_beta\"".into()
        )),
        "{fields:?}"
    );
    assert!(fields.iter().any(|f| f.0 == "start_date"), "{fields:?}");
    // Deleted: a state; the report is the seed's again.
    let del = format!("/api/v1/courses/{own}/therapies/delete");
    let r = c
        .api(
            "POST",
            &del,
            &doc,
            Some(&json!({"record_id": id, "version": 1, "reason": "entered twice"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = c
        .api(
            "POST",
            &del,
            &doc,
            Some(&json!({"record_id": id, "version": 2, "reason": "entered twice"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(v(&r)["deleted"], true);
    let from_db = app.store.study_folder(&op, false).await.unwrap();
    assert_eq!(report_json(&from_db), seed);
    assert!(
        app.store
            .patient_history(&op, pid)
            .await
            .unwrap()
            .iter()
            .any(|a| a.entity_id == Some(id)
                && a.action == "delete"
                && a.reason.as_deref() == Some("entered twice"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_course_page_lists_enters_and_edits_later_therapies() {
    let app = App::study_only(None).await;
    let own = app.course_id("SYN-03").await;
    let other = app.course_id("SYN-04").await;
    let op = Scope::operator("t");
    let pid = app.patient_id("SYN-03").await;
    let mut doc = app.client(Role::Physician).await;
    let page = doc.get(&format!("/courses/{own}")).await;
    assert!(page.body.contains("id=\"therapies\""));
    assert!(page.body.contains("busulfan_melphalan"));
    let stored = app.store.list::<Therapy>(&op, pid).await.unwrap()[0].clone();
    let link = format!("/courses/{own}/therapies/edit?record={}", stored.id);
    assert!(page.body.contains(&link), "{}", page.body);
    assert!(
        page.body
            .contains(&format!("action=\"/courses/{own}/therapies#therapies\""))
    );
    // A nurse reads them, without the form or the links.
    let mut nurse = app.client(Role::Nurse).await;
    let np = nurse.get(&format!("/courses/{own}")).await;
    assert!(np.body.contains("busulfan_melphalan"));
    assert!(!np.body.contains("/therapies/edit") && !np.body.contains("/therapies#therapies"));
    assert_eq!(nurse.get(&link).await.status, StatusCode::FORBIDDEN);
    // Refused by form: the problem by field, the values kept.
    let r = doc
        .submit(
            &format!("/courses/{own}/therapies"),
            &[
                ("therapy", "CAR-T"),
                ("start_date", "2020-01-01"),
                ("notes", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("The later therapy was not saved — 1 problem"),
        "{}",
        r.body
    );
    assert!(r.body.contains("is not a therapy code"));
    assert!(r.body.contains("value=\"CAR-T\""));
    // Without the CSRF token: refused; another centre's course: not found.
    let r = doc
        .post(
            &format!("/courses/{own}/therapies"),
            &[("therapy", "gd2_car_t"), ("start_date", "2020-01-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = doc
        .submit(
            &format!("/courses/{other}/therapies"),
            &[("therapy", "gd2_car_t"), ("start_date", "2020-01-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Saved: back to the section.
    let r = doc
        .submit(
            &format!("/courses/{own}/therapies"),
            &[
                ("therapy", "gd2_car_t"),
                ("start_date", "2020-01-01"),
                ("notes", "trial arm B"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/courses/{own}#therapies"));
    assert!(
        doc.get(&format!("/courses/{own}"))
            .await
            .body
            .contains("trial arm B")
    );
    // The edit page: a stale change shows the current values.
    let edit = doc.get(&link).await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    assert!(edit.body.contains("Change or delete a later therapy"));
    assert!(edit.body.contains("value=\"2017-08-07\""));
    let sid = stored.id.to_string();
    let r = doc
        .submit(
            &format!("/courses/{own}/therapies/update"),
            &[
                ("record_id", &sid),
                ("version", "5"),
                ("therapy", "busulfan_melphalan"),
                ("start_date", "2017-08-08"),
                ("reason", "letter"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("value=\"2017-08-07\""));
    let r = doc
        .submit(
            &format!("/courses/{own}/therapies/update"),
            &[
                ("record_id", &sid),
                ("version", &stored.version.to_string()),
                ("therapy", "busulfan_melphalan"),
                ("start_date", "2017-08-08"),
                ("reason", "letter"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/courses/{own}#therapies"));
    let now = app.store.get::<Therapy>(&op, stored.id).await.unwrap();
    assert_eq!(now.record.start_date.to_string(), "2017-08-08");
    let r = doc
        .submit(
            &format!("/courses/{own}/therapies/delete"),
            &[
                ("record_id", &sid),
                ("version", &now.version.to_string()),
                ("reason", "duplicate"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = doc.get(&format!("/courses/{own}")).await;
    assert!(!page.body.contains("<code>busulfan_melphalan</code>"));
    assert!(page.body.contains("<code>gd2_car_t</code>"));
}
