//! The authorisation matrix, generated from the router's own route table
//! (`mibg_web::routes()`): every route × every role (and no session) ×
//! an object of the caller's centre, of another centre, and an id that
//! does not exist. A route added to the table is tested here without
//! anyone remembering to.
//!
//! Expected outcome per cell:
//! * no session: GET → 303 to /login, POST → 401 (public routes excepted);
//! * the role lacks a right the route declares → 403;
//! * the object is of another centre, or does not exist → 404, exactly as
//!   for an id that never existed (no existence leak);
//! * otherwise the route is reached: not 401/403/404, never 5xx.

mod common;

use axum::http::StatusCode;
use common::App;
use mibg_store::scope::role_permits;
use mibg_store::{Patient, Prescription, Role, Scope};
use mibg_units::Activity;
use mibg_web::{Access, Object};

struct Ids {
    patient: i64,
    infusion: i64,
    course: i64,
    prescription: i64,
}

async fn ids_of(app: &App, study_id: &str) -> Ids {
    let op = Scope::operator("matrix");
    let patient = app.patient_id(study_id).await;
    let course = app.store.courses(&op, patient).await.unwrap()[0].id;
    // A draft prescription to aim at (the operator writes, never signs).
    let prescription = app
        .store
        .create(
            &op,
            patient,
            &Prescription {
                course_id: course,
                infusion_number: 2,
                activity_mbq: Activity::from_mbq(1000.0),
                dosimetry_result_id: None,
                basis: serde_json::json!({}),
                warnings: vec![],
                acknowledged: vec![],
            },
        )
        .await
        .unwrap()
        .id;
    let infusion = app
        .store
        .list::<mibg_store::Infusion>(&op, patient)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.record.course_id == course)
        .unwrap()
        .id;
    Ids {
        patient,
        infusion,
        course,
        prescription,
    }
}

fn path_for(template: &str, object: Object, ids: &Ids) -> String {
    let id = match object {
        Object::None => return template.to_string(),
        Object::Patient => ids.patient,
        Object::Course => ids.course,
        Object::Prescription => ids.prescription,
    };
    template.replace("{id}", &id.to_string())
}

#[derive(Debug, PartialEq)]
enum Expect {
    Reached,
    Denied,
    NotFound,
    SignIn,
}

fn check(status: StatusCode, location: &str, e: &Expect, what: &str) {
    assert!(!status.is_server_error(), "{what}: {status}");
    match e {
        Expect::Reached => assert!(
            !matches!(
                status,
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
            ),
            "{what}: expected the route to be reached, got {status}"
        ),
        Expect::Denied => assert_eq!(status, StatusCode::FORBIDDEN, "{what}"),
        Expect::NotFound => assert_eq!(status, StatusCode::NOT_FOUND, "{what}"),
        Expect::SignIn => assert!(
            (status == StatusCode::SEE_OTHER && location == "/login")
                || status == StatusCode::UNAUTHORIZED,
            "{what}: expected sign-in, got {status} {location}"
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_every_role_every_centre() {
    let app = App::demo().await;
    let op = Scope::operator("matrix");
    // The demo accounts are all in Rome; Milan is the other centre.
    let rome = ids_of(&app, "SYN-01").await;
    let rome_centre = app
        .store
        .get::<Patient>(&op, rome.patient)
        .await
        .unwrap()
        .centre_id;
    let milan_patient = app
        .store
        .list_patients(&op)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.centre_id != rome_centre)
        .unwrap();
    let milan = ids_of(&app, &milan_patient.record.study_id).await;
    let missing = Ids {
        patient: 987_654,
        infusion: 987_654,
        course: 987_654,
        prescription: 987_654,
    };
    let routes = mibg_web::routes();
    assert!(routes.len() >= 14, "the table lists every route");
    let mut cells = 0;
    // No session.
    for r in &routes {
        let mut c = app.anonymous();
        let path = path_for(r.path, r.object, &rome);
        let resp = if r.method == "GET" {
            c.get(&path).await
        } else {
            c.post(&path, &[("csrf", "x")]).await
        };
        let e = if r.access == Access::Public {
            Expect::Reached
        } else {
            Expect::SignIn
        };
        // A public POST without the sign-in form's token is refused.
        if r.access == Access::Public && r.method == "POST" {
            assert_eq!(resp.status, StatusCode::FORBIDDEN);
        } else {
            check(
                resp.status,
                &resp.location(),
                &e,
                &format!("anonymous {} {path}", r.method),
            );
        }
        cells += 1;
    }
    for role in Role::ALL {
        let client = app.client(role).await;
        // The API is called with the role's bearer token (its cookie-session
        // writes need the CSRF header, tested in api.rs).
        let token = app.token(role).await;
        for r in &routes {
            let allowed = match r.access {
                Access::Public | Access::SignedIn => true,
                Access::Needs(perms) => perms.iter().all(|p| role_permits(role, *p, false)),
            };
            let targets: Vec<(&str, &Ids)> = if r.object == Object::None {
                vec![("own", &rome)]
            } else {
                vec![
                    ("own", &rome),
                    ("other centre", &milan),
                    ("missing", &missing),
                ]
            };
            for (which, ids) in targets {
                if r.path == "/logout" {
                    continue; // would end this client's session: tested in routes.rs
                }
                let mut c = client.clone();
                let path = path_for(r.path, r.object, ids);
                let resp = if r.path.starts_with("/api/") {
                    let body = serde_json::json!({"password": "not the password", "version": 1});
                    if r.method == "GET" {
                        c.api("GET", &path, &token, None).await
                    } else if r.path.ends_with("readings.csv") {
                        c.api(
                            "POST",
                            &format!("{path}?infusion_id={}", ids.infusion),
                            &token,
                            None,
                        )
                        .await
                    } else {
                        c.api("POST", &path, &token, Some(&body)).await
                    }
                } else if r.method == "GET" {
                    c.get(&path).await
                } else if r.path.ends_with(".csv") {
                    c.upload(&path, ids.infusion, "x.csv", "hours,reading\n")
                        .await
                } else {
                    // The session's token, and fields that are wrong on
                    // purpose: no cell may change data.
                    c.submit(&path, &[("password", "not the password"), ("version", "1")])
                        .await
                };
                let e = if !allowed {
                    Expect::Denied
                } else if which == "own" || r.object == Object::None {
                    Expect::Reached
                } else {
                    Expect::NotFound
                };
                let what = format!("{role} {} {path} ({which})", r.method);
                if r.path == "/login" && r.method == "POST" {
                    // Signed in, the sign-in form's token is the login cookie's: none here.
                    assert_eq!(resp.status, StatusCode::FORBIDDEN, "{what}");
                } else if r.path == "/login" {
                    assert_eq!(
                        resp.status,
                        StatusCode::SEE_OTHER,
                        "{what}: signed in already"
                    );
                } else {
                    check(resp.status, &resp.location(), &e, &what);
                }
                cells += 1;
            }
        }
    }
    assert!(cells > 150, "{cells} cells");
    // No cell changed a clinical record: still no signature anywhere.
    for ids in [&rome, &milan] {
        assert!(
            app.store
                .signatures(&op, "prescriptions", ids.prescription)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

/// The clinical pages' rights, written out independently of their
/// declarations (docs/reference/registry.md §1: nurses enter labs and
/// adverse events, physicians also assess response; everyone clinical
/// reads; the admin reads nothing clinical).
#[test]
fn clinical_pages_rights_per_role() {
    use Role::*;
    let readers = [Physician, Physicist, Nurse, Statistician, Monitor];
    let tox: &[Role] = &[Physician, Nurse];
    let expected: [(&str, &str, &[Role]); 28] = [
        ("GET", "/courses/{id}/toxicity", &readers),
        ("POST", "/courses/{id}/labs", tox),
        ("POST", "/courses/{id}/labs.csv", tox),
        ("POST", "/courses/{id}/events", tox),
        ("GET", "/courses/{id}/response", &readers),
        ("POST", "/courses/{id}/assessments", &[Physician]),
        // Changing or deleting a record: whoever may enter it.
        ("GET", "/courses/{id}/labs/edit", tox),
        ("POST", "/courses/{id}/labs/update", tox),
        ("POST", "/courses/{id}/labs/delete", tox),
        ("GET", "/courses/{id}/events/edit", tox),
        ("POST", "/courses/{id}/events/update", tox),
        ("POST", "/courses/{id}/events/delete", tox),
        ("GET", "/courses/{id}/assessments/edit", &[Physician]),
        ("POST", "/courses/{id}/assessments/update", &[Physician]),
        ("POST", "/courses/{id}/assessments/delete", &[Physician]),
        // Follow-up: physicians ("everything clinical"; the nurse's
        // list of docs/reference/registry.md §1 does not name it).
        ("POST", "/courses/{id}/follow-up", &[Physician]),
        ("GET", "/courses/{id}/follow-up/edit", &[Physician]),
        ("POST", "/courses/{id}/follow-up/update", &[Physician]),
        ("POST", "/courses/{id}/follow-up/delete", &[Physician]),
        ("POST", "/api/v1/courses/{id}/follow-up", &[Physician]),
        (
            "POST",
            "/api/v1/courses/{id}/follow-up/update",
            &[Physician],
        ),
        (
            "POST",
            "/api/v1/courses/{id}/follow-up/delete",
            &[Physician],
        ),
        // Later therapies: as follow-up (outcome data).
        ("POST", "/courses/{id}/therapies", &[Physician]),
        ("GET", "/courses/{id}/therapies/edit", &[Physician]),
        ("POST", "/courses/{id}/therapies/update", &[Physician]),
        ("POST", "/courses/{id}/therapies/delete", &[Physician]),
        ("POST", "/api/v1/courses/{id}/therapies", &[Physician]),
        (
            "POST",
            "/api/v1/courses/{id}/therapies/update",
            &[Physician],
        ),
    ];
    let routes = mibg_web::routes();
    for (method, path, allowed) in expected {
        let r = routes
            .iter()
            .find(|r| r.method == method && r.path == path)
            .unwrap_or_else(|| panic!("{method} {path} is in the table"));
        assert_eq!(r.object, Object::Course, "{path}");
        for role in Role::ALL {
            let may = match r.access {
                Access::Public | Access::SignedIn => true,
                Access::Needs(perms) => perms.iter().all(|p| role_permits(role, *p, false)),
            };
            assert_eq!(may, allowed.contains(&role), "{role} {method} {path}");
        }
    }
    let js = routes
        .iter()
        .find(|r| r.path == "/static/siopen.js")
        .unwrap();
    assert_eq!(js.access, Access::Public);
}

/// The account and administration pages' rights, written out
/// independently of their declarations (docs/reference/registry.md §1: the admin manages
/// users and centres and nothing else; every signed-in user changes their
/// own password). Every `/admin/` route is in this list, so a new one must
/// be added here with its roles.
#[test]
fn account_and_administration_rights_per_role() {
    use Role::*;
    let admin: &[Role] = &[Admin];
    let everyone: &[Role] = &Role::ALL;
    let expected: [(&str, &str, &[Role]); 16] = [
        ("GET", "/account/password", everyone),
        ("POST", "/account/password", everyone),
        ("GET", "/admin/users", admin),
        ("POST", "/admin/users", admin),
        ("GET", "/admin/user", admin),
        ("POST", "/admin/user/disable", admin),
        ("POST", "/admin/user/enable", admin),
        ("POST", "/admin/user/role", admin),
        ("POST", "/admin/user/centres", admin),
        ("POST", "/admin/user/export", admin),
        ("POST", "/admin/user/expiry", admin),
        ("POST", "/admin/user/password", admin),
        ("GET", "/admin/centres", admin),
        ("POST", "/admin/centres", admin),
        ("GET", "/account/tokens", everyone),
        ("POST", "/account/tokens", everyone),
    ];
    let routes = mibg_web::routes();
    for (method, path, allowed) in expected {
        let r = routes
            .iter()
            .find(|r| r.method == method && r.path == path)
            .unwrap_or_else(|| panic!("{method} {path} is in the table"));
        assert_eq!(r.object, Object::None, "{path}");
        for role in Role::ALL {
            let may = match r.access {
                Access::Public => panic!("{path} is not public"),
                Access::SignedIn => true,
                Access::Needs(perms) => perms.iter().all(|p| role_permits(role, *p, false)),
            };
            assert_eq!(may, allowed.contains(&role), "{role} {method} {path}");
        }
    }
    for r in routes.iter().filter(|r| r.path.starts_with("/admin/")) {
        assert!(
            expected
                .iter()
                .any(|(m, p, _)| *m == r.method && *p == r.path),
            "{} {} has no written-out expectation",
            r.method,
            r.path
        );
    }
    // The admin reaches no clinical route.
    for r in &routes {
        if let Access::Needs(perms) = r.access
            && perms.contains(&mibg_store::Permission::ReadClinical)
        {
            assert!(
                !perms.iter().all(|p| role_permits(Admin, *p, false)),
                "admin reaches {} {}",
                r.method,
                r.path
            );
        }
    }
}

/// The entry pages' rights, written out independently of their
/// declarations (docs/reference/registry.md §1, §5: the clinical team of
/// the centre enrols patients and alone reads identifiers; a physicist or
/// physician plans a course and authors its plan; nurses and physicians
/// record what was given, stem-cell returns and transfusions; statistician,
/// monitor and admin write nothing).
#[test]
fn entry_pages_rights_per_role() {
    use Role::*;
    let give: &[Role] = &[Physician, Nurse];
    let expected: [(&str, &str, Object, &[Role]); 26] = [
        (
            "GET",
            "/patients/new",
            Object::None,
            &[Physician, Physicist, Nurse],
        ),
        (
            "POST",
            "/patients",
            Object::None,
            &[Physician, Physicist, Nurse],
        ),
        (
            "GET",
            "/patients/{id}/plan",
            Object::Patient,
            &[Physician, Physicist],
        ),
        (
            "POST",
            "/patients/{id}/courses",
            Object::Patient,
            &[Physician, Physicist],
        ),
        (
            "GET",
            "/courses/{id}/infusion",
            Object::Course,
            &[Physician, Nurse],
        ),
        (
            "POST",
            "/courses/{id}/infusions",
            Object::Course,
            &[Physician, Nurse],
        ),
        (
            "POST",
            "/courses/{id}/stem-cells",
            Object::Course,
            &[Physician, Nurse],
        ),
        (
            "POST",
            "/courses/{id}/transfusions",
            Object::Course,
            &[Physician, Nurse],
        ),
        // Changing or deleting what was given: whoever may record it.
        ("POST", "/courses/{id}/melphalan", Object::Course, give),
        ("GET", "/courses/{id}/melphalan/edit", Object::Course, give),
        (
            "POST",
            "/courses/{id}/melphalan/update",
            Object::Course,
            give,
        ),
        (
            "POST",
            "/courses/{id}/melphalan/delete",
            Object::Course,
            give,
        ),
        ("GET", "/courses/{id}/stem-cells/edit", Object::Course, give),
        (
            "POST",
            "/courses/{id}/stem-cells/update",
            Object::Course,
            give,
        ),
        (
            "POST",
            "/courses/{id}/stem-cells/delete",
            Object::Course,
            give,
        ),
        (
            "GET",
            "/courses/{id}/transfusions/edit",
            Object::Course,
            give,
        ),
        (
            "POST",
            "/courses/{id}/transfusions/update",
            Object::Course,
            give,
        ),
        (
            "POST",
            "/courses/{id}/transfusions/delete",
            Object::Course,
            give,
        ),
        (
            "POST",
            "/api/v1/courses/{id}/melphalan/update",
            Object::Course,
            give,
        ),
        (
            "POST",
            "/api/v1/courses/{id}/melphalan/delete",
            Object::Course,
            give,
        ),
        (
            "POST",
            "/api/v1/courses/{id}/stem-cells/update",
            Object::Course,
            give,
        ),
        (
            "POST",
            "/api/v1/courses/{id}/stem-cells/delete",
            Object::Course,
            give,
        ),
        (
            "POST",
            "/api/v1/courses/{id}/transfusions/update",
            Object::Course,
            give,
        ),
        (
            "POST",
            "/api/v1/courses/{id}/transfusions/delete",
            Object::Course,
            give,
        ),
        (
            "POST",
            "/api/v1/courses/{id}/therapies/delete",
            Object::Course,
            &[Physician],
        ),
        (
            "POST",
            "/api/v1/courses/{id}/stem-cells",
            Object::Course,
            give,
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
