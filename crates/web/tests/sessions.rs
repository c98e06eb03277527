//! Sessions in the database (they survive a restart; only a hash of the id
//! is stored) and the forced change of an initial password (ASVS 4.0.3
//! section 2.3.1; docs/reference/registry.md §7), through the router without a socket.

mod common;

use axum::http::StatusCode;
use common::{App, Client};
use mibg_store::{Location, NewUser, Role, Scope, Store};
use mibg_web::{Access, AppState, Config};

fn session_id(c: &Client) -> String {
    c.cookies
        .iter()
        .find(|(k, _)| k == "mibg_session")
        .expect("a session cookie")
        .1
        .clone()
}

/// The bytes of the SQLite database with its write-ahead log.
fn database_bytes(loc: &Location) -> Vec<u8> {
    let Location::Sqlite(p) = loc else {
        panic!("a SQLite test database")
    };
    let mut b = std::fs::read(p).unwrap();
    let mut wal = p.clone().into_os_string();
    wal.push("-wal");
    if let Ok(w) = std::fs::read(&wal) {
        b.extend(w);
    }
    b
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_survive_a_restart_and_only_their_hash_is_stored() {
    let app = App::demo().await;
    let mut c = app.client(Role::Nurse).await;
    assert_eq!(c.get("/patients").await.status, StatusCode::OK);
    let sid = session_id(&c);
    // The id is nowhere in the database, its SHA-256 is.
    let bytes = database_bytes(&app.db.location);
    assert!(!contains(&bytes, &sid));
    assert!(contains(&bytes, &mibg_store::schema::sha256_hex(&sid)));
    // A second application on the same database (the server restarted, or
    // a second process): the same cookie is the same session, with the
    // same CSRF token.
    let store2 = Store::open(&app.db.location).await.unwrap();
    let router2 = mibg_web::router(AppState::new(
        store2.clone(),
        Config {
            demo: true,
            ..Config::default()
        },
    ));
    let mut c2 = c.clone();
    c2.router = router2.clone();
    assert_eq!(c2.get("/patients").await.status, StatusCode::OK);
    let r = c2
        .submit(
            "/courses/1/readings",
            &[("infusion_id", "0"), ("hours", "x"), ("reading", "y")],
        )
        .await;
    assert_ne!(
        r.status,
        StatusCode::FORBIDDEN,
        "the CSRF token is the session's: {}",
        r.body
    );
    // Signed out on the second: the first no longer knows the session.
    assert_eq!(
        c2.submit("/logout", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let mut replay = app.anonymous();
    replay.cookies.push(("mibg_session".into(), sid));
    let r = replay.get("/patients").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
    store2.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_ends_the_other_sessions_on_every_server() {
    let app = App::demo().await;
    let nurse = app.account(Role::Nurse).clone();
    let mut a = app.client(Role::Nurse).await;
    let store2 = Store::open(&app.db.location).await.unwrap();
    let mut b = app.client(Role::Nurse).await;
    b.router = mibg_web::router(AppState::new(store2.clone(), Config::default()));
    assert_eq!(b.get("/patients").await.status, StatusCode::OK);
    let r = a
        .change_password(&nurse.password, "a walk by the Tiber at noon")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(a.get("/patients").await.status, StatusCode::OK);
    assert_eq!(b.get("/patients").await.status, StatusCode::SEE_OTHER);
    store2.close().await;
}

/// A route's path with every `{id}` replaced by `id`.
fn concrete(path: &str, id: i64) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find('}').unwrap();
        out.push_str(&id.to_string());
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_initial_password_is_changed_before_anything_else() {
    let app = App::demo().await;
    let op = Scope::operator("mibg user add");
    let rome = app.store.centre_by_code(&op, "Rome").await.unwrap();
    // Made as `mibg user add` makes it: the operator typed the password.
    let initial = "the initial phrase typed by IT";
    app.store
        .create_user(
            &op,
            &NewUser {
                username: "newdoc".into(),
                printed_name: "Dr New".into(),
                role: Role::Physician,
                centre_id: rome.id,
                granted: Vec::new(),
                expires_at: None,
                export_identified: false,
            },
            initial,
        )
        .await
        .unwrap();
    // A token made with the initial password (as `mibg user token create`
    // could) carries no right until the password is changed.
    let s = app.store.login("newdoc", initial, "t").await.unwrap();
    let (_, token) = app.store.create_token(&s.scope, "t", None).await.unwrap();
    let mut anon = app.anonymous();
    let r = anon.api("GET", "/api/v1/patients", &token, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("must be changed first"), "{}", r.body);
    // Sign-in leads to the password page.
    let mut c = app.anonymous();
    let t = common::field_value(&c.get("/login").await.body, "csrf").unwrap();
    let r = c
        .post(
            "/login",
            &[("csrf", &t), ("username", "newdoc"), ("password", initial)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/account/password");
    let page = c.get("/account/password").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("set by someone else"), "{}", page.body);
    c.csrf = common::field_value(&page.body, "csrf").unwrap();
    // Every other route of the table is refused: a page redirects to the
    // password page, a form or an API call is refused with 403, whatever
    // the id (the route's right is not even looked at).
    let allowed = mibg_web::WHILE_PASSWORD_CHANGE_REQUIRED;
    let p = app.patient_id(mibg_web::demo::DEMO_PATIENT).await;
    let mut checked = 0;
    for spec in mibg_web::routes() {
        if spec.access == Access::Public || allowed.contains(&(spec.method, spec.path)) {
            continue;
        }
        let path = concrete(spec.path, p);
        let r = if spec.method == "GET" {
            c.get(&path).await
        } else if spec.path.starts_with("/api/") {
            let csrf = c.csrf.clone();
            c.cookie_json(spec.method, &path, &serde_json::json!({}), Some(&csrf))
                .await
        } else {
            c.submit(&path, &[]).await
        };
        match (spec.method, spec.path.starts_with("/api/")) {
            ("GET", false) => {
                assert_eq!(
                    r.status,
                    StatusCode::SEE_OTHER,
                    "{} {}",
                    spec.method,
                    spec.path
                );
                assert_eq!(r.location(), "/account/password", "{}", spec.path);
            }
            _ => assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{} {}: {}",
                spec.method,
                spec.path,
                r.body
            ),
        }
        checked += 1;
    }
    assert!(checked > 40, "{checked} routes checked");
    // The same password again is refused: an initial password never
    // becomes the long-term one.
    let r = c.change_password(initial, initial).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("must differ from the current one"),
        "{}",
        r.body
    );
    let r = c.change_password(initial, "Dr New's own long phrase").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Now everything the role allows.
    assert_eq!(c.get("/patients").await.status, StatusCode::OK);
    assert_eq!(
        c.get(&format!("/patients/{p}")).await.status,
        StatusCode::OK
    );
    let r = anon.api("GET", "/api/v1/patients", &token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // An administrator's reset: the sessions end, and the next sign-in
    // must change the password again.
    let mut admin = app.client(Role::Admin).await;
    let r = admin
        .submit(
            "/admin/user/password",
            &[
                ("username", "newdoc"),
                ("new_password", "a reset phrase from IT"),
                ("new_password_again", "a reset phrase from IT"),
                ("reason", "forgotten"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(c.get("/patients").await.status, StatusCode::SEE_OTHER);
    let mut c = app.sign_in("newdoc", "a reset phrase from IT").await;
    let r = c.get("/patients").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/account/password");
    let r = anon.api("GET", "/api/v1/patients", &token, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Sign-out stays possible.
    let r = c.submit("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_page_does_not_offer_the_home_centre_as_a_further_grant() {
    let app = App::demo().await;
    let op = Scope::operator("t");
    let rome = app.store.centre_by_code(&op, "Rome").await.unwrap();
    let milan = app.store.centre_by_code(&op, "Milan").await.unwrap();
    // A coordinating administrator (both centres) looks at a Rome nurse
    // granted Milan.
    let mut admin_c = app.client(Role::Admin).await;
    app.store
        .set_user_centres(&op, "admin", rome.id, &[milan.id], "coordinating")
        .await
        .unwrap();
    app.store
        .set_user_centres(&op, "nurse", rome.id, &[milan.id], "covers Milan")
        .await
        .unwrap();
    let r = admin_c.get("/admin/user?name=nurse").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let i = r
        .body
        .find("<legend>Further centres granted</legend>")
        .unwrap();
    let grants = &r.body[i..i + r.body[i..].find("</fieldset>").unwrap()];
    assert!(
        !grants.contains(&format!("value=\"{}\"", rome.id)),
        "the home centre Rome is not a further centre: {grants}"
    );
    assert!(
        grants.contains(&format!("value=\"{}\" checked", milan.id)),
        "{grants}"
    );
    // The home centre is still chosen in its own field.
    assert!(
        r.body
            .contains(&format!("<option value=\"{}\" selected>Rome", rome.id)),
        "{}",
        r.body
    );
}
