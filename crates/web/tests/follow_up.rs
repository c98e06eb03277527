//! Follow-up in the web application, without a socket, on a fresh SQLite
//! database holding the seed study: the JSON API (entry, change, deletion:
//! success, a refusal naming the field, 403 for a role without the right,
//! 404 for another centre's course, 409 for a stale version), the course
//! page's section (list, form, CSRF, "what is missing"), and the study
//! report from the database after an entry through the API, which equals
//! the report of the folder with the same `followup.csv` row.

mod common;

use axum::http::StatusCode;
use common::App;
use mibg_store::{FollowUp, Patient, Role, Scope};
use serde_json::{Value, json};

fn v(r: &common::Resp) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

/// A 422 problem-details body whose `errors` name `field`.
fn refused_on(r: &common::Resp, field: &str) -> Value {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        r.headers.get("content-type").unwrap(),
        "application/problem+json"
    );
    let p = v(r);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {p}"))
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert!(fields.contains(&field), "{field} not in {fields:?}: {p}");
    p
}

/// SYN-03 (Rome: infusion 1 on 2017-04-18, last contact 2024-08-07, no
/// event) and SYN-04 (Milan).
async fn courses(app: &App) -> (i64, i64) {
    (app.course_id("SYN-03").await, app.course_id("SYN-04").await)
}

fn report_json(input: &mibg_study::StudyInput) -> String {
    serde_json::to_string_pretty(&mibg_clinic::cohort::report(input).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_records_follow_up_and_the_report_counts_it_as_the_folder_does() {
    let app = App::study_only(None).await;
    let (own, other) = courses(&app).await;
    let doc = app.token(Role::Physician).await;
    let mut c = app.anonymous();
    let url = format!("/api/v1/courses/{own}/follow-up");
    // A refusal names the field; nothing is saved.
    let r = c
        .api(
            "POST",
            &url,
            &doc,
            Some(&json!({"event": "progression", "date": "2020-06-01", "cause": "disease"})),
        )
        .await;
    let p = refused_on(&r, "cause");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("a cause is recorded only for a death"),
        "{p}"
    );
    let r = c
        .api(
            "POST",
            &url,
            &doc,
            Some(&json!({"event": "relapse", "date": "2017-04-01"})),
        )
        .await;
    refused_on(&r, "date");
    // Roles without the right: 403, nothing saved.
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
                Some(&json!({"event": "relapse", "date": "2020-06-01"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}: {}", r.body);
    }
    // Another centre's course: 404, whatever the body.
    let r = c
        .api(
            "POST",
            &format!("/api/v1/courses/{other}/follow-up"),
            &doc,
            Some(&json!({"event": "relapse", "date": "2020-06-01"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // Success.
    let r = c
        .api(
            "POST",
            &url,
            &doc,
            Some(&json!({"event": "relapse", "date": "2020-06-01", "notes": "MIBG scan"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = v(&r)["id"].as_i64().unwrap();
    // The report from the database is the report of the folder with the
    // same row.
    let op = Scope::operator("t");
    let from_db = app.store.study_folder(&op, false).await.unwrap();
    // (The seed's `followup.csv` has no notes column; the notes are not a
    // figure of the report.)
    let mut folder = common::seed_study();
    let text = folder.files.get("followup.csv").unwrap().clone();
    folder.insert(
        "followup.csv",
        format!("{text}SYN-03,relapse,2020-06-01,\n"),
    );
    assert_eq!(report_json(&folder), report_json(&from_db));
    // EFS of SYN-03 by hand: 2017-04-18 → 2020-06-01 = 365 + 365 + 366 +
    // 44 days = 1140, an event; the seed had it censored at 2024-08-07.
    let r = mibg_clinic::cohort::report(&from_db).unwrap();
    let efs = r
        .patients
        .iter()
        .find(|p| p.patient == "SYN-03")
        .unwrap()
        .efs
        .clone()
        .unwrap();
    assert_eq!((efs.days, efs.event), (1140, true));
    // The creation is audited.
    let pid = app.patient_id("SYN-03").await;
    let h = app.store.patient_history(&op, pid).await.unwrap();
    assert!(
        h.iter().any(|a| a.entity.as_deref() == Some("followup")
            && a.entity_id == Some(id)
            && a.action == "create"),
        "{h:?}"
    );
    // A change names its version: a stale one is 409 with the current values.
    let upd = format!("/api/v1/courses/{own}/follow-up/update");
    let change = |version: i64, date: &str| {
        json!({"record_id": id, "version": version, "reason": "date from the scan report",
               "event": "relapse", "date": date})
    };
    let r = c
        .api("POST", &upd, &doc, Some(&change(1, "2020-06-03")))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(v(&r)["version"], 2);
    let r = c
        .api("POST", &upd, &doc, Some(&change(1, "2020-06-04")))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // A change is checked as an entry.
    let r = c
        .api("POST", &upd, &doc, Some(&change(2, "2024-09-01")))
        .await;
    refused_on(&r, "date");
    let r = c
        .api(
            "POST",
            &format!("/api/v1/courses/{other}/follow-up/update"),
            &doc,
            Some(&change(2, "2020-06-05")),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let nurse = app.token(Role::Nurse).await;
    let r = c
        .api("POST", &upd, &nurse, Some(&change(2, "2020-06-05")))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // A deletion: a stale version is 409, then a state.
    let del = format!("/api/v1/courses/{own}/follow-up/delete");
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
    // The report is the seed's again.
    let from_db = app.store.study_folder(&op, false).await.unwrap();
    assert_eq!(report_json(&common::seed_study()), report_json(&from_db));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_course_page_lists_follow_up_and_records_it_by_form() {
    let app = App::study_only(None).await;
    let (own, other) = courses(&app).await;
    let op = Scope::operator("t");
    let pid = app.patient_id("SYN-03").await;
    let mut doc = app.client(Role::Physician).await;
    let page = doc.get(&format!("/courses/{own}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"follow-up\""), "{}", page.body);
    assert!(page.body.contains("last contact (alive)"));
    assert!(page.body.contains("2024-08-07"));
    assert!(
        page.body
            .contains(&format!("action=\"/courses/{own}/follow-up#follow-up\""))
    );
    // A nurse reads it, without the form or the edit links.
    let mut nurse = app.client(Role::Nurse).await;
    let np = nurse.get(&format!("/courses/{own}")).await;
    assert!(np.body.contains("id=\"follow-up\""));
    assert!(
        !np.body
            .contains(&format!("action=\"/courses/{own}/follow-up#follow-up\""))
    );
    assert!(!np.body.contains("/follow-up/edit"));
    let r = nurse
        .submit(
            &format!("/courses/{own}/follow-up"),
            &[("event", "relapse"), ("date", "2020-06-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Without the CSRF token: refused.
    let r = doc
        .post(
            &format!("/courses/{own}/follow-up"),
            &[("event", "relapse"), ("date", "2020-06-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Another centre's course: not found.
    let r = doc
        .submit(
            &format!("/courses/{other}/follow-up"),
            &[("event", "relapse"), ("date", "2020-06-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A refusal: the page again, the problem by field, the values kept.
    let r = doc
        .submit(
            &format!("/courses/{own}/follow-up"),
            &[
                ("event", "progression"),
                ("date", "2024-09-01"),
                ("cause", ""),
                ("notes", "scan"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("The follow-up event was not saved — 1 problem"),
        "{}",
        r.body
    );
    assert!(r.body.contains("after the last contact"), "{}", r.body);
    assert!(r.body.contains("value=\"2024-09-01\""));
    assert!(app.store.list::<FollowUp>(&op, pid).await.unwrap().len() == 1);
    // Saved: back to the section.
    let r = doc
        .submit(
            &format!("/courses/{own}/follow-up"),
            &[
                ("event", "relapse"),
                ("date", "2020-06-01"),
                ("cause", ""),
                ("notes", "new bone lesions"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/courses/{own}#follow-up"));
    let page = doc.get(&format!("/courses/{own}")).await;
    assert!(page.body.contains("new bone lesions"));
    // The last contact deleted through its edit page: the course shows
    // the outcome as missing.
    let lc = app
        .store
        .list::<FollowUp>(&op, pid)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.record.event == mibg_store::FollowUpEvent::LastContact)
        .unwrap();
    let edit = doc
        .get(&format!("/courses/{own}/follow-up/edit?record={}", lc.id))
        .await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    assert!(edit.body.contains("Change or delete a follow-up event"));
    assert!(edit.body.contains("value=\"2024-08-07\""));
    // A stale change: 409 and the current values.
    let r = doc
        .submit(
            &format!("/courses/{own}/follow-up/update"),
            &[
                ("record_id", &lc.id.to_string()),
                ("version", "7"),
                ("event", "last_contact"),
                ("date", "2024-08-06"),
                ("reason", "clinic letter"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = doc
        .submit(
            &format!("/courses/{own}/follow-up/delete"),
            &[
                ("record_id", &lc.id.to_string()),
                ("version", &lc.version.to_string()),
                ("reason", "the contact was with the sibling"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = doc.get(&format!("/courses/{own}")).await;
    assert!(
        page.body.contains("no death or last contact recorded"),
        "{}",
        page.body
    );
    // The patient of the other centre is untouched.
    let theirs = app
        .store
        .get::<Patient>(&op, app.patient_id("SYN-04").await)
        .await
        .unwrap();
    assert_eq!(
        app.store
            .list::<FollowUp>(&op, theirs.id)
            .await
            .unwrap()
            .len(),
        2
    );
}
