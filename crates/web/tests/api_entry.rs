//! The entry acts of the JSON API without a socket, each test on a fresh
//! SQLite database with the demo seed: enrol, plan (signed), infusion as
//! given, melphalan as given, stem cells, transfusions, laboratory values
//! (JSON list and file), adverse events, response assessments, and the
//! paged patients list. For every route: success, a refusal naming the
//! field (problem details with `errors[].field`), a role without the right
//! (403) and an object of another centre (404). The melphalan form of the
//! course page too.

mod common;

use axum::http::StatusCode;
use common::App;
use mibg_store::{Melphalan, Patient, Role, Scope};
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
    assert_eq!(p["status"], 422);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {p}"))
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert!(fields.contains(&field), "{field} not in {fields:?}: {p}");
    assert!(p["detail"].as_str().unwrap().contains(field), "{p}");
    p
}

fn status(r: &common::Resp, s: StatusCode) {
    assert_eq!(r.status, s, "{}", r.body);
    assert_eq!(
        r.headers.get("content-type").unwrap(),
        "application/problem+json",
        "{}",
        r.body
    );
}

/// The demo course (Rome, DEMO-01) and a course of the other centre.
async fn courses(app: &App) -> (i64, i64) {
    let op = Scope::operator("t");
    let own = app.course_id("DEMO-01").await;
    let rome = app
        .store
        .get::<Patient>(&op, app.patient_id("DEMO-01").await)
        .await
        .unwrap()
        .centre_id;
    let other = app
        .store
        .list_patients(&op)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.centre_id != rome)
        .unwrap();
    let other_course = app.store.courses(&op, other.id).await.unwrap()[0].id;
    (own, other_course)
}

async fn other_patient(app: &App) -> (i64, i64) {
    let op = Scope::operator("t");
    let rome = app
        .store
        .get::<Patient>(&op, app.patient_id("DEMO-01").await)
        .await
        .unwrap()
        .centre_id;
    let p = app
        .store
        .list_patients(&op)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.centre_id != rome)
        .unwrap();
    (p.id, p.centre_id)
}

fn new_patient(study_id: &str) -> Value {
    json!({
        "study_id": study_id, "sex": "F", "weight_kg": 18, "height_cm": "110",
        "enrolment_date": "2026-11-02", "name": "Test Child", "birth_date": "2020-05-01"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrol_a_patient() {
    let app = App::demo().await;
    let nurse = app.token(Role::Nurse).await;
    let mut c = app.anonymous();
    let r = c
        .api(
            "POST",
            "/api/v1/patients",
            &nurse,
            Some(&new_patient("C09-001")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let p = v(&r);
    assert_eq!(p["patient"]["study_id"], "C09-001");
    assert_eq!(p["patient"]["weight_kg"], 18.0);
    // Identifiers are stored apart and never in the API's answer.
    assert!(!r.body.contains("Test Child"));
    let id = p["patient"]["id"].as_i64().unwrap();
    let ident = app
        .store
        .identity(&Scope::operator("t"), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ident.record.name.as_deref(), Some("Test Child"));
    // The same study id again: refused on the field, nothing saved.
    let r = c
        .api(
            "POST",
            "/api/v1/patients",
            &nurse,
            Some(&new_patient("C09-001")),
        )
        .await;
    refused_on(&r, "patient");
    // A sex the patients reader does not know: the field named.
    let mut bad = new_patient("C09-002");
    bad["sex"] = json!("X");
    let r = c.api("POST", "/api/v1/patients", &nurse, Some(&bad)).await;
    refused_on(&r, "sex");
    assert!(
        app.store
            .find_patient(&Scope::operator("t"), "C09-002")
            .await
            .is_err()
    );
    // A field the API does not know: 400 naming it.
    let mut extra = new_patient("C09-003");
    extra["weight"] = json!(3);
    let r = c
        .api("POST", "/api/v1/patients", &nurse, Some(&extra))
        .await;
    status(&r, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("weight"), "{}", r.body);
    // The other centre: not one of the caller's (the page's problem).
    let (_, milan) = other_patient(&app).await;
    let mut there = new_patient("C09-004");
    there["centre_id"] = json!(milan);
    let r = c
        .api("POST", "/api/v1/patients", &nurse, Some(&there))
        .await;
    refused_on(&r, "centre_id");
    // A statistician enrols nobody.
    let stat = app.token(Role::Statistician).await;
    let r = c
        .api(
            "POST",
            "/api/v1/patients",
            &stat,
            Some(&new_patient("C09-005")),
        )
        .await;
    status(&r, StatusCode::FORBIDDEN);
}

/// Enrols C09-001 through the API and plans its course (physicist);
/// returns (patient, course, infusion-1 prescription, its version).
async fn planned_course(app: &App) -> (i64, i64, i64, i64) {
    let nurse = app.token(Role::Nurse).await;
    let physicist = app.token(Role::Physicist).await;
    let mut c = app.anonymous();
    let r = c
        .api(
            "POST",
            "/api/v1/patients",
            &nurse,
            Some(&new_patient("C09-001")),
        )
        .await;
    let pid = v(&r)["patient"]["id"].as_i64().unwrap();
    let r = c
        .api(
            "GET",
            &format!("/api/v1/patients/{pid}/plan"),
            &physicist,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let preview = v(&r);
    let password = app.account(Role::Physicist).password.clone();
    let r = c
        .api(
            "POST",
            &format!("/api/v1/patients/{pid}/courses"),
            &physicist,
            Some(&json!({
                "protocol_id": preview["protocol_id"], "weight_kg": 18, "height_cm": 110,
                "password": password, "acknowledged": preview["warnings"]
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let b = v(&r);
    (
        pid,
        b["course_id"].as_i64().unwrap(),
        b["prescription"]["id"].as_i64().unwrap(),
        b["prescription"]["version"].as_i64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_a_course_signed() {
    let app = App::demo().await;
    let nurse = app.token(Role::Nurse).await;
    let physicist = app.token(Role::Physicist).await;
    let mut c = app.anonymous();
    let r = c
        .api(
            "POST",
            "/api/v1/patients",
            &nurse,
            Some(&new_patient("C09-001")),
        )
        .await;
    let pid = v(&r)["patient"]["id"].as_i64().unwrap();
    // The preview: 444 MBq/kg × 18 kg (protocols/seed.toml [infusion1]).
    let r = c
        .api(
            "GET",
            &format!("/api/v1/patients/{pid}/plan"),
            &physicist,
            None,
        )
        .await;
    let preview = v(&r);
    assert!(!preview["protocols"].as_array().unwrap().is_empty());
    let plan_text = preview["plan"].to_string();
    assert!(
        plan_text.contains("7992"),
        "444 × 18 = 7992 MBq: {plan_text}"
    );
    // A weight that is not a number: the field named, nothing stored.
    let url = format!("/api/v1/patients/{pid}/courses");
    let password = app.account(Role::Physicist).password.clone();
    let body = |w: Value, pw: &str| {
        json!({
            "protocol_id": preview["protocol_id"], "weight_kg": w, "height_cm": 110,
            "password": pw, "acknowledged": preview["warnings"]
        })
    };
    let r = c
        .api(
            "POST",
            &url,
            &physicist,
            Some(&body(json!("18,5"), &password)),
        )
        .await;
    refused_on(&r, "weight_kg");
    // A wrong password: the signature refused, nothing stored.
    let r = c
        .api(
            "POST",
            &url,
            &physicist,
            Some(&body(json!(18), "not the password")),
        )
        .await;
    refused_on(&r, "signature");
    assert!(
        app.store
            .courses(&Scope::operator("t"), pid)
            .await
            .unwrap()
            .is_empty()
    );
    // A nurse plans nothing; another centre's patient is not found.
    let r = c
        .api("POST", &url, &nurse, Some(&body(json!(18), &password)))
        .await;
    status(&r, StatusCode::FORBIDDEN);
    let r = c
        .api("GET", &format!("/api/v1/patients/{pid}/plan"), &nurse, None)
        .await;
    status(&r, StatusCode::FORBIDDEN);
    let (milan, _) = other_patient(&app).await;
    let r = c
        .api(
            "POST",
            &format!("/api/v1/patients/{milan}/courses"),
            &physicist,
            Some(&body(json!(18), &password)),
        )
        .await;
    status(&r, StatusCode::NOT_FOUND);
    let r = c
        .api(
            "GET",
            &format!("/api/v1/patients/{milan}/plan"),
            &physicist,
            None,
        )
        .await;
    status(&r, StatusCode::NOT_FOUND);
    // Planned and signed as authored.
    let r = c
        .api("POST", &url, &physicist, Some(&body(json!(18), &password)))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let b = v(&r);
    assert_eq!(b["prescription"]["infusion_number"], 1);
    assert_eq!(b["prescription"]["activity"]["mbq"], 7992.0);
    assert_eq!(b["prescription"]["sign_off"], "authored");
    assert_eq!(b["course_number"], 1);
}

fn hot_lab(number: u32) -> Value {
    json!({
        "number": number, "weight_kg": 18,
        "start_time": "2026-11-10T10:00", "end_time": "2026-11-10T11:30",
        "assayed": 8000, "assayed_unit": "MBq", "assay_time": "2026-11-10T09:00",
        "residual": 40, "residual_unit": "MBq", "residual_time": "2026-11-10T12:00"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_infusion_and_melphalan_as_given() {
    let app = App::demo().await;
    let (pid, course, rx, version) = planned_course(&app).await;
    let nurse = app.token(Role::Nurse).await;
    let physician = app.token(Role::Physician).await;
    let physicist = app.token(Role::Physicist).await;
    let mut c = app.anonymous();
    let url = format!("/api/v1/courses/{course}/infusions");
    // Before the plan is approved: refused by the workflow rule.
    let r = c.api("POST", &url, &nurse, Some(&hot_lab(1))).await;
    status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    // The physician approves the plan.
    let warnings = v(&c
        .api(
            "GET",
            &format!("/api/v1/prescriptions/{rx}"),
            &physician,
            None,
        )
        .await)["prescription"]["warnings"]
        .clone();
    let r = c
        .api(
            "POST",
            &format!("/api/v1/prescriptions/{rx}/approve"),
            &physician,
            Some(&json!({
                "version": version,
                "password": app.account(Role::Physician).password,
                "acknowledged": warnings
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A unit the hot-lab reader does not know: the field named.
    let mut bad = hot_lab(1);
    bad["assayed_unit"] = json!("kBq");
    let r = c.api("POST", &url, &nurse, Some(&bad)).await;
    refused_on(&r, "assayed");
    // A physicist records no infusion; another centre's course is not found.
    let r = c.api("POST", &url, &physicist, Some(&hot_lab(1))).await;
    status(&r, StatusCode::FORBIDDEN);
    let (_, other) = courses(&app).await;
    let r = c
        .api(
            "POST",
            &format!("/api/v1/courses/{other}/infusions"),
            &nurse,
            Some(&hot_lab(1)),
        )
        .await;
    status(&r, StatusCode::NOT_FOUND);
    // Recorded: the net activity is the assay decayed to the start (1 h of
    // I-131, half-life 8.0252 d) minus the residual taken back to the start
    // (2 h): independent arithmetic here.
    let r = c.api("POST", &url, &nurse, Some(&hot_lab(1))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let b = v(&r);
    let hl_h = 8.0252 * 24.0;
    let decay = |h: f64| (-(2f64.ln()) * h / hl_h).exp();
    let expected = 8000.0 * decay(1.0) - 40.0 / decay(2.0);
    let got = b["activity"]["mbq"].as_f64().unwrap();
    assert!((got - expected).abs() < 0.5, "{got} vs {expected}");
    assert_eq!(b["prescribed_activity"]["mbq"], 7992.0);

    // Melphalan: planned 110 mg/m² × Mosteller BSA √(110 × 18 / 3600)
    // (protocols/seed.toml [melphalan]; docs/reference/dosimetry.md §9.1).
    let murl = format!("/api/v1/courses/{course}/melphalan");
    let planned = 110.0 * (110.0f64 * 18.0 / 3600.0).sqrt();
    let r = c
        .api(
            "POST",
            &murl,
            &nurse,
            Some(&json!({"date": "2026-11-23", "dose_mg": "-3"})),
        )
        .await;
    refused_on(&r, "dose_mg");
    let r = c
        .api(
            "POST",
            &murl,
            &nurse,
            Some(&json!({"date": "23/11/2026", "dose_mg": 80})),
        )
        .await;
    refused_on(&r, "date");
    let r = c
        .api(
            "POST",
            &murl,
            &physicist,
            Some(&json!({"date": "2026-11-23", "dose_mg": 80})),
        )
        .await;
    status(&r, StatusCode::FORBIDDEN);
    let r = c
        .api(
            "POST",
            &format!("/api/v1/courses/{other}/melphalan"),
            &nurse,
            Some(&json!({"date": "2026-11-23", "dose_mg": 80})),
        )
        .await;
    status(&r, StatusCode::NOT_FOUND);
    let r = c
        .api(
            "POST",
            &murl,
            &nurse,
            Some(&json!({"date": "2026-11-23", "dose_mg": 80})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let b = v(&r);
    assert_eq!(b["melphalan"]["dose_mg"], 80.0);
    let p = b["planned"]["dose_mg"].as_f64().unwrap();
    assert!((p - planned).abs() < 1e-6, "{p} vs {planned}");
    let dev = b["deviation_pct"].as_f64().unwrap();
    assert!((dev - 100.0 * (80.0 / planned - 1.0)).abs() < 1e-9);
    assert!(b["tolerance_pct"].is_null());
    // Stored once, audited.
    let op = Scope::operator("t");
    let stored = app.store.list::<Melphalan>(&op, pid).await.unwrap();
    assert_eq!(stored.len(), 1);
    let history = app.store.patient_history(&op, pid).await.unwrap();
    assert!(
        history
            .iter()
            .any(|a| a.entity.as_deref() == Some("melphalan")),
        "the melphalan record is in the audit trail"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn melphalan_form_on_the_course_page() {
    let app = App::demo().await;
    let (_, course, _, _) = planned_course(&app).await;
    let mut nurse = app.client(Role::Nurse).await;
    let r = nurse.get(&format!("/courses/{course}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"melphalan\""), "{}", r.body);
    // 110 mg/m² × √(110 × 18 / 3600) m² = 81.58 mg; 80 mg is 1.9 % less.
    assert!(r.body.contains("81.6 mg (BSA 0.74 m²"), "{}", r.body);
    assert!(r.body.contains("action=\"/courses/"));
    let url = format!("/courses/{course}/melphalan");
    let r = nurse
        .submit(&url, &[("date", "2026-11-23"), ("dose_mg", "eighty")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("dose_mg"), "{}", r.body);
    assert!(
        r.body.contains("value=\"eighty\""),
        "the value typed is kept"
    );
    let r = nurse
        .submit(&url, &[("date", "2026-11-23"), ("dose_mg", "80")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/courses/{course}#melphalan"));
    let r = nurse.get(&format!("/courses/{course}")).await;
    assert!(r.body.contains("<td>80.0 mg</td>"), "{}", r.body);
    assert!(
        r.body.contains("-1.6 mg (-1.9 %) from the plan"),
        "{}",
        r.body
    );
    // A physicist sees the plan's dose but no form.
    let mut physicist = app.client(Role::Physicist).await;
    let r = physicist.get(&format!("/courses/{course}")).await;
    assert!(r.body.contains("81.6 mg"));
    assert!(
        !r.body
            .contains(&format!("action=\"/courses/{course}/melphalan\""))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stem_cells_and_transfusions() {
    let app = App::demo().await;
    let (own, other) = courses(&app).await;
    let nurse = app.token(Role::Nurse).await;
    let physicist = app.token(Role::Physicist).await;
    let mut c = app.anonymous();
    for (path, good, bad, field) in [
        (
            "stem-cells",
            json!({"date": "2026-11-24", "cd34_e6_per_kg": 4.2}),
            json!({"date": "2026-11-24", "cd34_e6_per_kg": "lots"}),
            "cd34_e6_per_kg",
        ),
        (
            "transfusions",
            json!({"date": "2026-11-25", "product": "platelets"}),
            json!({"date": "2026-11-25", "product": "plasma"}),
            "product",
        ),
    ] {
        let url = format!("/api/v1/courses/{own}/{path}");
        let r = c.api("POST", &url, &nurse, Some(&bad)).await;
        refused_on(&r, field);
        let r = c.api("POST", &url, &physicist, Some(&good)).await;
        status(&r, StatusCode::FORBIDDEN);
        let r = c
            .api(
                "POST",
                &format!("/api/v1/courses/{other}/{path}"),
                &nurse,
                Some(&good),
            )
            .await;
        status(&r, StatusCode::NOT_FOUND);
        let r = c.api("POST", &url, &nurse, Some(&good)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.body);
        assert!(v(&r)["id"].as_i64().is_some());
    }
    let t = app
        .store
        .course_toxicity(&Scope::operator("t"), own)
        .await
        .unwrap();
    assert_eq!(t.stem_cells.len(), 1);
    assert_eq!(t.transfusions.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn laboratory_values_as_json_and_as_a_file() {
    let app = App::demo().await;
    let (own, other) = courses(&app).await;
    let nurse = app.token(Role::Nurse).await;
    let physicist = app.token(Role::Physicist).await;
    let mut c = app.anonymous();
    let count = |app: &App| {
        let store = app.store.clone();
        async move {
            store
                .course_toxicity(&Scope::operator("t"), own)
                .await
                .unwrap()
                .labs
                .len()
        }
    };
    let before = count(&app).await;
    let url = format!("/api/v1/courses/{own}/labs");
    let good = json!({"labs": [
        {"date": "2026-11-20", "test": "neutrophils", "value": 0.3, "unit": "10^9/L", "lln": 1.5, "uln": 8.0},
        {"date": "2026-11-20", "test": "platelets", "value": "18", "unit": "10^9/L", "lln": "150", "uln": "450"}
    ]});
    // The second value's unit is wrong: named by its place, nothing saved.
    let mut bad = good.clone();
    bad["labs"][1]["unit"] = json!("furlongs");
    let r = c.api("POST", &url, &nurse, Some(&bad)).await;
    refused_on(&r, "labs[1].unit");
    assert_eq!(count(&app).await, before);
    let r = c.api("POST", &url, &physicist, Some(&good)).await;
    status(&r, StatusCode::FORBIDDEN);
    let r = c
        .api(
            "POST",
            &format!("/api/v1/courses/{other}/labs"),
            &nurse,
            Some(&good),
        )
        .await;
    status(&r, StatusCode::NOT_FOUND);
    let r = c.api("POST", &url, &nurse, Some(&good)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(v(&r)["saved"], 2);
    assert_eq!(count(&app).await, before + 2);

    // A file: every problem by line and field; then the whole file.
    let furl = format!("/api/v1/courses/{own}/labs.csv?filename=ward-labs.csv");
    let file = "patient,date,test,value,unit,lln,uln\nDEMO-01,2026-11-21,neutrophils,0.6,10^9/L,1.5,8.0\nDEMO-01,2026-11-21,platelets,twelve,10^9/L,150,450\n";
    let r = c.send_raw("POST", &furl, &nurse, "text/csv", file).await;
    let p = refused_on(&r, "value");
    assert_eq!(p["errors"][0]["line"], 3, "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("ward-labs.csv"),
        "{p}"
    );
    assert_eq!(count(&app).await, before + 2);
    let r = c
        .send_raw("POST", &furl, &physicist, "text/csv", file)
        .await;
    status(&r, StatusCode::FORBIDDEN);
    let r = c
        .send_raw(
            "POST",
            &format!("/api/v1/courses/{other}/labs.csv"),
            &nurse,
            "text/csv",
            file,
        )
        .await;
    status(&r, StatusCode::NOT_FOUND);
    let ok = file.replace("twelve", "12");
    let r = c.send_raw("POST", &furl, &nurse, "text/csv", &ok).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(v(&r)["saved"], 2);
    assert_eq!(count(&app).await, before + 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adverse_events_and_assessments() {
    let app = App::demo().await;
    let (own, other) = courses(&app).await;
    let nurse = app.token(Role::Nurse).await;
    let physician = app.token(Role::Physician).await;
    let statistician = app.token(Role::Statistician).await;
    let mut c = app.anonymous();
    // Events: a grade the term does not allow (CTCAE v5.0: febrile
    // neutropenia is graded 3–5).
    let url = format!("/api/v1/courses/{own}/events");
    let r = c
        .api(
            "POST",
            &url,
            &nurse,
            Some(&json!({"date": "2026-11-22", "term": "febrile_neutropenia", "grade": 1})),
        )
        .await;
    refused_on(&r, "grade");
    let good = json!({"date": "2026-11-22", "term": "nausea", "grade": 2});
    let r = c.api("POST", &url, &statistician, Some(&good)).await;
    status(&r, StatusCode::FORBIDDEN);
    let r = c
        .api(
            "POST",
            &format!("/api/v1/courses/{other}/events"),
            &nurse,
            Some(&good),
        )
        .await;
    status(&r, StatusCode::NOT_FOUND);
    let r = c.api("POST", &url, &nurse, Some(&good)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // Assessments (the `mibg response` object).
    let segs: serde_json::Map<String, Value> = mibg_response::score::SIOPEN_SEGMENTS
        .iter()
        .map(|s| (s.to_string(), json!(4)))
        .collect();
    let baseline = json!({
        "kind": "baseline",
        "assessment": {
            "date": "2026-10-01",
            "mibg": {"method": "siopen", "tracer": "123I", "segments": segs},
            "primary": {"status": "none"},
            "marrow": [{"kind": "aspirate", "side": "left", "tumour_pct": 0}]
        }
    });
    let aurl = format!("/api/v1/courses/{own}/assessments");
    let mut bad = baseline.clone();
    bad["kind"] = json!("interim");
    let r = c.api("POST", &aurl, &physician, Some(&bad)).await;
    refused_on(&r, "kind");
    let r = c.api("POST", &aurl, &nurse, Some(&baseline)).await;
    status(&r, StatusCode::FORBIDDEN);
    let r = c
        .api(
            "POST",
            &format!("/api/v1/courses/{other}/assessments"),
            &physician,
            Some(&baseline),
        )
        .await;
    status(&r, StatusCode::NOT_FOUND);
    let r = c.api("POST", &aurl, &physician, Some(&baseline)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let resp = app
        .store
        .course_response(&Scope::operator("t"), own)
        .await
        .unwrap();
    assert_eq!(resp.assessments.len(), 1);
    assert!(
        resp.skeletal.iter().any(|(_, t)| t.contains("48")),
        "12 × 4 = 48: {:?}",
        resp.skeletal
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patients_a_page_at_a_time() {
    let app = App::demo().await;
    let nurse = app.token(Role::Nurse).await;
    let mut c = app.anonymous();
    // Enough patients for two pages in the caller's centre.
    for i in 0..55 {
        let r = c
            .api(
                "POST",
                "/api/v1/patients",
                &nurse,
                Some(&new_patient(&format!("C09-{i:03}"))),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let n = app
        .store
        .list_patients_page(
            &app.store
                .login(
                    &app.account(Role::Nurse).username,
                    &app.account(Role::Nurse).password,
                    "t",
                )
                .await
                .unwrap()
                .scope,
            0,
            1,
        )
        .await
        .unwrap()
        .1;
    assert!(n > 55);
    let mut seen = Vec::new();
    let mut next = Some("/api/v1/patients".to_string());
    let mut pages = 0;
    while let Some(url) = next {
        let r = c.api("GET", &url, &nurse, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let b = v(&r);
        assert_eq!(b["per_page"], 50);
        assert_eq!(b["total"], n);
        let list = b["patients"].as_array().unwrap();
        assert!(list.len() <= 50);
        pages += 1;
        assert_eq!(b["page"], pages);
        if pages > 1 {
            assert_eq!(b["prev"], format!("/api/v1/patients?page={}", pages - 1));
        } else {
            assert!(b["prev"].is_null());
        }
        seen.extend(
            list.iter()
                .map(|p| p["study_id"].as_str().unwrap().to_string()),
        );
        next = b["next"].as_str().map(str::to_string);
    }
    assert_eq!(pages as u64, n.div_ceil(50));
    assert_eq!(seen.len() as u64, n, "every patient once");
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), seen.len());
    // Not a page number: 400 naming the parameter.
    for bad in ["0", "x", "-1"] {
        let r = c
            .api("GET", &format!("/api/v1/patients?page={bad}"), &nurse, None)
            .await;
        status(&r, StatusCode::BAD_REQUEST);
        assert!(v(&r)["detail"].as_str().unwrap().starts_with("page:"));
    }
    // Beyond the last page: none, no next.
    let r = c.api("GET", "/api/v1/patients?page=99", &nurse, None).await;
    let b = v(&r);
    assert!(b["patients"].as_array().unwrap().is_empty());
    assert!(b["next"].is_null());
    // An administrator reads no patients.
    let admin = app.token(Role::Admin).await;
    let r = c.api("GET", "/api/v1/patients", &admin, None).await;
    status(&r, StatusCode::FORBIDDEN);
}

/// The API's entry routes carry the pages' rights, written out
/// independently (docs/reference/registry.md §1).
#[test]
fn entry_routes_rights_per_role() {
    use Role::*;
    use mibg_store::scope::role_permits;
    use mibg_web::{Access, Object};
    let expected: [(&str, &str, Object, &[Role]); 18] = [
        (
            "POST",
            "/api/v1/patients",
            Object::None,
            &[Physician, Physicist, Nurse],
        ),
        (
            "GET",
            "/api/v1/patients/{id}/plan",
            Object::Patient,
            &[Physician, Physicist],
        ),
        (
            "POST",
            "/api/v1/patients/{id}/courses",
            Object::Patient,
            &[Physician, Physicist],
        ),
        (
            "POST",
            "/api/v1/courses/{id}/infusions",
            Object::Course,
            &[Physician, Nurse],
        ),
        (
            "POST",
            "/api/v1/courses/{id}/melphalan",
            Object::Course,
            &[Physician, Nurse],
        ),
        (
            "POST",
            "/courses/{id}/melphalan",
            Object::Course,
            &[Physician, Nurse],
        ),
        (
            "POST",
            "/api/v1/courses/{id}/stem-cells",
            Object::Course,
            &[Physician, Nurse],
        ),
        (
            "POST",
            "/api/v1/courses/{id}/transfusions",
            Object::Course,
            &[Physician, Nurse],
        ),
        (
            "POST",
            "/api/v1/courses/{id}/labs",
            Object::Course,
            &[Physician, Nurse],
        ),
        (
            "POST",
            "/api/v1/courses/{id}/labs.csv",
            Object::Course,
            &[Physician, Nurse],
        ),
        (
            "POST",
            "/api/v1/courses/{id}/events",
            Object::Course,
            &[Physician, Nurse],
        ),
        (
            "POST",
            "/api/v1/courses/{id}/assessments",
            Object::Course,
            &[Physician],
        ),
        (
            "POST",
            "/api/v1/courses/{id}/labs/update",
            Object::Course,
            &[Physician, Nurse],
        ),
        (
            "POST",
            "/api/v1/courses/{id}/labs/delete",
            Object::Course,
            &[Physician, Nurse],
        ),
        (
            "POST",
            "/api/v1/courses/{id}/events/update",
            Object::Course,
            &[Physician, Nurse],
        ),
        (
            "POST",
            "/api/v1/courses/{id}/events/delete",
            Object::Course,
            &[Physician, Nurse],
        ),
        (
            "POST",
            "/api/v1/courses/{id}/assessments/update",
            Object::Course,
            &[Physician],
        ),
        (
            "POST",
            "/api/v1/courses/{id}/assessments/delete",
            Object::Course,
            &[Physician],
        ),
    ];
    let routes = mibg_web::routes();
    for (method, path, object, allowed) in expected {
        let r = routes
            .iter()
            .find(|r| r.method == method && r.path == path)
            .unwrap_or_else(|| panic!("{method} {path} is in the table"));
        assert_eq!(r.object, object, "{path}");
        for role in Role::ALL {
            let may = match r.access {
                Access::Public | Access::SignedIn => true,
                Access::Needs(perms) => perms.iter().all(|p| role_permits(role, *p, false)),
            };
            assert_eq!(may, allowed.contains(&role), "{role} {method} {path}");
        }
    }
}

/// Changes and deletions through the API: the version named (a stale one
/// is 409), a reason required, the new values checked, the rights of the
/// edit pages, another centre's course not found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_and_deletions_name_their_version() {
    let app = App::demo().await;
    let (own, other) = courses(&app).await;
    let pid = app.patient_id("DEMO-01").await;
    let nurse = app.token(Role::Nurse).await;
    let physicist = app.token(Role::Physicist).await;
    let mut c = app.anonymous();
    let op = Scope::operator("t");
    let r = c
        .api(
            "POST",
            &format!("/api/v1/courses/{own}/labs"),
            &nurse,
            Some(&json!({"labs": [{"date": "2026-11-20", "test": "platelets", "value": 18, "unit": "10^9/L", "lln": 150, "uln": 450}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let lab = app
        .store
        .list::<mibg_store::Lab>(&op, pid)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.record.date.to_string() == "2026-11-20")
        .unwrap();
    let url = format!("/api/v1/courses/{own}/labs/update");
    let change = |version: i64, value: &str, reason: &str| {
        json!({"record_id": lab.id, "version": version, "reason": reason,
               "date": "2026-11-20", "test": "platelets", "value": value, "unit": "10^9/L", "lln": 150, "uln": 450})
    };
    // No reason: refused, nothing changed.
    let r = c
        .api("POST", &url, &nurse, Some(&change(lab.version, "19", "")))
        .await;
    status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    // A value the parser refuses: the field named.
    let r = c
        .api(
            "POST",
            &url,
            &nurse,
            Some(&change(lab.version, "many", "typo")),
        )
        .await;
    refused_on(&r, "value");
    let r = c
        .api(
            "POST",
            &url,
            &physicist,
            Some(&change(lab.version, "19", "typo")),
        )
        .await;
    status(&r, StatusCode::FORBIDDEN);
    let r = c
        .api(
            "POST",
            &format!("/api/v1/courses/{other}/labs/update"),
            &nurse,
            Some(&change(lab.version, "19", "typo")),
        )
        .await;
    status(&r, StatusCode::NOT_FOUND);
    // Changed, then the same version again is stale.
    let r = c
        .api(
            "POST",
            &url,
            &nurse,
            Some(&change(lab.version, "19", "typo")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let new_version = v(&r)["version"].as_i64().unwrap();
    assert!(new_version > lab.version);
    let r = c
        .api(
            "POST",
            &url,
            &nurse,
            Some(&change(lab.version, "20", "again")),
        )
        .await;
    status(&r, StatusCode::CONFLICT);
    let now = app.store.get::<mibg_store::Lab>(&op, lab.id).await.unwrap();
    assert_eq!(now.record.value, "19");
    // Deleted with the current version: a state, audited.
    let del = format!("/api/v1/courses/{own}/labs/delete");
    let r = c
        .api(
            "POST",
            &del,
            &nurse,
            Some(&json!({"record_id": lab.id, "version": lab.version, "reason": "entered twice"})),
        )
        .await;
    status(&r, StatusCode::CONFLICT);
    let r = c
        .api(
            "POST",
            &del,
            &nurse,
            Some(&json!({"record_id": lab.id, "version": new_version, "reason": "entered twice"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(v(&r)["deleted"], true);
    assert!(
        app.store
            .get::<mibg_store::Lab>(&op, lab.id)
            .await
            .unwrap()
            .deleted
    );
}
