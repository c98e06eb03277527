//! The JSON API (`/api/v1`) without a socket, each test on a fresh SQLite
//! database with the demo seed: a whole course walked through the API,
//! bearer tokens and cookie-session CSRF, problem details, and the OpenAPI
//! document equal to the route table.

mod common;

use axum::http::StatusCode;
use common::App;
use mibg_store::{Role, Scope};
use serde_json::{Value, json};

/// SYN-01's readings after infusion 1 (examples/seed-study/readings.csv).
const READINGS_CSV: &str = "hours,reading,background\n0.0,301.59,0.1\n3.49,250.23,0.1\n8.14,198.4,0.1\n23.77,107.87,0.1\n32.34,85.27,0.1\n48.52,59.35,0.1\n72.17,38.74,0.1\n96.33,25.44,0.1\n120.72,17.24,0.1\n";

fn v(r: &common::Resp) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

fn is_problem(r: &common::Resp, status: StatusCode) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(
        r.headers.get("content-type").unwrap(),
        "application/problem+json"
    );
    let p = v(r);
    assert_eq!(p["status"], status.as_u16());
    let d = p["detail"].as_str().unwrap();
    for bad in ["SELECT", "sqlx", "panicked", "src/", "INSERT"] {
        assert!(!d.contains(bad), "internal detail leaked: {d}");
    }
    p
}

async fn demo_ids(app: &App) -> (i64, i64, i64) {
    let course = app.course_id("DEMO-01").await;
    let p = app.patient_id("DEMO-01").await;
    let inf = app
        .store
        .list::<mibg_store::Infusion>(&Scope::operator("t"), p)
        .await
        .unwrap()[0]
        .id;
    (p, course, inf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_course_through_the_api() {
    let app = App::demo().await;
    let (pid, course, inf) = demo_ids(&app).await;
    let nurse = app.token(Role::Nurse).await;
    let physicist = app.token(Role::Physicist).await;
    let physician = app.token(Role::Physician).await;
    let monitor = app.token(Role::Monitor).await;
    let mut c = app.anonymous();

    // The patients list and the patient.
    let r = c.api("GET", "/api/v1/patients", &nurse, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = v(&r);
    assert!(list["warnings"].is_array());
    assert!(
        list["patients"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["study_id"] == "DEMO-01")
    );
    let r = c
        .api("GET", &format!("/api/v1/patients/{pid}"), &nurse, None)
        .await;
    assert_eq!(v(&r)["patient"]["courses"][0]["id"], course);

    // No dosimetry before the readings.
    let r = c
        .api(
            "GET",
            &format!("/api/v1/courses/{course}/dosimetry"),
            &physicist,
            None,
        )
        .await;
    assert_eq!(v(&r)["outcome"], "missing", "{}", r.body);

    // A nurse enters one reading by hand, then a file that fails as a whole
    // (its first time is not after the hand-entered one's infusion? — the
    // store refuses a file for an infusion that already has readings), so:
    // a bad file first, which saves nothing.
    let bad = READINGS_CSV.replace("23.77,", "2.5,");
    let r = c
        .send_raw(
            "POST",
            &format!("/api/v1/courses/{course}/readings.csv?infusion_id={inf}&filename=ward.csv"),
            &nurse,
            "text/csv",
            &bad,
        )
        .await;
    let p = is_problem(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["detail"].as_str().unwrap().contains("ward.csv"), "{p}");
    let r = c
        .api("GET", &format!("/api/v1/courses/{course}"), &nurse, None)
        .await;
    assert_eq!(
        v(&r)["infusions"][0]["readings"].as_array().unwrap().len(),
        0
    );
    // The whole file.
    let r = c
        .send_raw(
            "POST",
            &format!("/api/v1/courses/{course}/readings.csv?infusion_id={inf}"),
            &nurse,
            "text/csv",
            READINGS_CSV,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(v(&r)["readings"].as_array().unwrap().len(), 9);
    assert!(v(&r)["warnings"].is_array());

    // The dosimetry: A2 in MBq and mCi, and the same number the store gives.
    let r = c
        .api(
            "GET",
            &format!("/api/v1/courses/{course}/dosimetry"),
            &physicist,
            None,
        )
        .await;
    let d = v(&r);
    assert_eq!(d["outcome"], "assessed", "{d}");
    let a = app
        .store
        .assess_dosimetry(&Scope::operator("t"), course)
        .await
        .unwrap();
    let mibg_store::DosimetryOutcome::Assessed(expected) = a.outcome else {
        panic!()
    };
    let mbq = d["second_activity"]["mbq"].as_f64().unwrap();
    assert_eq!(mbq, expected.second_activity.mbq());
    assert!((d["second_activity"]["mci"].as_f64().unwrap() * 37.0 - mbq).abs() < 1e-9);
    let warnings: Vec<String> = d["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect();
    assert_eq!(warnings, expected.warnings);

    // A nurse cannot propose.
    let propose = format!("/api/v1/courses/{course}/propose");
    let r = c
        .api("POST", &propose, &nurse, Some(&json!({"password": "x"})))
        .await;
    is_problem(&r, StatusCode::FORBIDDEN);
    // A wrong password writes nothing.
    let phys = app.account(Role::Physicist).clone();
    let r = c
        .api(
            "POST",
            &propose,
            &physicist,
            Some(&json!({"password": "not my password", "acknowledged": warnings})),
        )
        .await;
    is_problem(&r, StatusCode::UNPROCESSABLE_ENTITY);
    // The physicist proposes: password again, every warning acknowledged.
    let r = c
        .api(
            "POST",
            &propose,
            &physicist,
            Some(&json!({"password": phys.password, "acknowledged": warnings})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let rx = v(&r)["prescription"].clone();
    assert_eq!(rx["sign_off"], "authored");
    assert_eq!(rx["activity"]["mbq"].as_f64().unwrap(), mbq);
    let rx_id = rx["id"].as_i64().unwrap();
    let approve = format!("/api/v1/prescriptions/{rx_id}/approve");
    let body = |pw: &str| json!({"version": rx["version"], "password": pw, "acknowledged": rx["warnings"]});

    // The same physicist cannot approve (no right).
    let r = c
        .api("POST", &approve, &physicist, Some(&body(&phys.password)))
        .await;
    is_problem(&r, StatusCode::FORBIDDEN);
    // A physician with a wrong password, or a warning unacknowledged: refused.
    let doc = app.account(Role::Physician).clone();
    let r = c
        .api("POST", &approve, &physician, Some(&body("wrong password")))
        .await;
    is_problem(&r, StatusCode::UNPROCESSABLE_ENTITY);
    if !rx["warnings"].as_array().unwrap().is_empty() {
        let r = c
            .api(
                "POST",
                &approve,
                &physician,
                Some(&json!({"version": rx["version"], "password": doc.password})),
            )
            .await;
        let p = is_problem(&r, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            p["detail"].as_str().unwrap().contains("not acknowledged"),
            "{p}"
        );
    }
    // The physician approves.
    let r = c
        .api("POST", &approve, &physician, Some(&body(&doc.password)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(v(&r)["prescription"]["sign_off"], "approved");

    // The signature is visible in the course: name, meaning, time, hash.
    let r = c
        .api("GET", &format!("/api/v1/courses/{course}"), &monitor, None)
        .await;
    let course_json = v(&r);
    let p = course_json["prescriptions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == rx_id)
        .unwrap()
        .clone();
    let sig = p["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["meaning"] == "approved")
        .unwrap()
        .clone();
    assert_eq!(sig["printed_name"], "Demo Physician");
    assert_eq!(sig["valid"], true);
    assert_eq!(sig["content_sha256"].as_str().unwrap().len(), 64);
    assert!(sig["signed_at"].as_str().unwrap().ends_with('Z'));

    // The monitor reads the audit trail: the approval is in it.
    let r = c
        .api(
            "GET",
            &format!("/api/v1/patients/{pid}/history"),
            &monitor,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let h = v(&r);
    assert!(
        h["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["actor_name"] == "Demo Physician"),
        "{h}"
    );
    // A nurse may not read the audit trail.
    let r = c
        .api(
            "GET",
            &format!("/api/v1/patients/{pid}/history"),
            &nurse,
            None,
        )
        .await;
    is_problem(&r, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_csrf_and_problem_details() {
    let app = App::demo().await;
    let (_, course, inf) = demo_ids(&app).await;
    let mut anon = app.anonymous();
    // No token, a wrong token: 401 problem with WWW-Authenticate.
    let r = anon.get("/api/v1/patients").await;
    is_problem(&r, StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers.get("www-authenticate").unwrap(), "Bearer");
    let r = anon.api("GET", "/api/v1/patients", "mibg_0000", None).await;
    is_problem(&r, StatusCode::UNAUTHORIZED);
    // An unknown API path: a JSON 404.
    let nurse = app.token(Role::Nurse).await;
    let r = anon.api("GET", "/api/v1/nothing", &nurse, None).await;
    is_problem(&r, StatusCode::NOT_FOUND);
    // A malformed body names the problem.
    let url = format!("/api/v1/courses/{course}/readings");
    let r = anon
        .api(
            "POST",
            &url,
            &nurse,
            Some(&json!({"infusion_id": inf, "hours": "x"})),
        )
        .await;
    is_problem(&r, StatusCode::BAD_REQUEST);
    // A body above the limit is refused.
    let big = json!({"infusion_id": inf, "hours": 1.0, "reading": 2.0, "pad": "x".repeat(2 << 20)});
    let r = anon.api("POST", &url, &nurse, Some(&big)).await;
    assert!(r.status.is_client_error(), "{}", r.status);

    // The token page: a signed-in nurse makes a token, sees it once, uses
    // it, revokes it; a revoked token is refused.
    let mut c = app.client(Role::Nurse).await;
    let r = c
        .submit("/account/tokens", &[("name", "ward script")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let i = r.body.find("mibg_").unwrap();
    let secret: String = r.body[i..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    assert_eq!(secret.len(), 5 + 64);
    let listed = c.get("/account/tokens").await;
    assert!(listed.body.contains("ward script"));
    assert!(!listed.body.contains(&secret), "shown once only");
    let r = anon.api("GET", "/api/v1/patients", &secret, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = common::field_value(&listed.body, "token_id").unwrap();
    let r = c
        .submit(
            "/account/tokens/revoke",
            &[("token_id", &id), ("reason", "script retired")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = anon.api("GET", "/api/v1/patients", &secret, None).await;
    is_problem(&r, StatusCode::UNAUTHORIZED);
    // Another user's token cannot be revoked (not found).
    let other = app.token(Role::Physicist).await;
    let _ = other;
    let r = c
        .submit(
            "/account/tokens/revoke",
            &[("token_id", "987654"), ("reason", "x y z")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Cookie session on the API: reads work; writes need X-CSRF-Token.
    let r = c.get("/api/v1/patients").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let reading = json!({"infusion_id": inf, "hours": 1.5, "reading": 250.0});
    let r = c.cookie_json("POST", &url, &reading, None).await;
    is_problem(&r, StatusCode::FORBIDDEN);
    let csrf = c.csrf.clone();
    let r = c.cookie_json("POST", &url, &reading, Some(&csrf)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(v(&r)["readings"][0]["hours"], 1.5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_exactly_the_api_routes() {
    let app = App::demo().await;
    let r = app.anonymous().get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = v(&r);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let mut in_doc: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(|m| (m.to_uppercase(), p.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut in_table: Vec<(String, String)> = mibg_web::routes()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/v1"))
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    in_doc.sort();
    in_table.sort();
    assert_eq!(in_doc, in_table);
    // Every $ref resolves.
    let text = doc.to_string();
    for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &part[..part.find('"').unwrap()];
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "unresolved schema {name}"
        );
    }
}
