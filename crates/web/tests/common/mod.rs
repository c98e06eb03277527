//! Helpers of the web tests: a demo application on a fresh SQLite
//! database, and a cookie-keeping client that drives the router without a
//! socket (`tower::ServiceExt::oneshot`).

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use mibg_store::testing::TestDb;
use mibg_store::{Backend, Role, Scope, Store};
use mibg_study::StudyInput;
use mibg_web::demo::DemoAccount;
use mibg_web::{AppState, Config};
use std::path::{Path, PathBuf};
use tower::ServiceExt;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The seed study folder (top-level files and assessments/).
pub fn seed_study() -> StudyInput {
    mibg_store::testing::read_study_folder(&repo().join("examples/seed-study"))
}

/// A demo application on a fresh SQLite database.
pub struct App {
    pub db: TestDb,
    pub store: Store,
    pub state: AppState,
    pub router: Router,
    pub accounts: Vec<DemoAccount>,
}

impl App {
    pub async fn demo() -> App {
        let (db, store) = TestDb::new(Backend::Sqlite).await;
        let accounts = mibg_web::demo::seed(&store, &seed_study()).await.unwrap();
        let state = AppState::new(
            store.clone(),
            Config {
                demo: true,
                ..Config::default()
            },
        );
        let router = mibg_web::router(state.clone());
        App {
            db,
            store,
            state,
            router,
            accounts,
        }
    }

    /// An application on the seed study alone, with one account per role in
    /// Rome (as the demo makes them) but without the demo's patient in
    /// treatment: the seed study is a complete study, so the report exists.
    /// `title` replaces the study's title when given.
    pub async fn study_only(title: Option<&str>) -> App {
        let mut study = seed_study();
        if let Some(title) = title {
            let toml = study.files.get("study.toml").unwrap().clone();
            let line = toml
                .lines()
                .find(|l| l.trim_start().starts_with("title"))
                .expect("study.toml has a title")
                .to_string();
            let replaced = toml.replacen(
                &line,
                &format!("title = {}", serde_json::Value::from(title)),
                1,
            );
            study.insert("study.toml", replaced);
        }
        let (db, store) = TestDb::new(Backend::Sqlite).await;
        let op = Scope::operator("test");
        store
            .import_study(
                &op,
                &study,
                &mibg_store::folder::ImportOptions {
                    label: "examples/seed-study (test)".into(),
                    time_zone: Some("Europe/Rome".into()),
                    default_centre: None,
                },
            )
            .await
            .unwrap();
        let rome = store.centre_by_code(&op, "Rome").await.unwrap();
        let mut accounts = Vec::new();
        for role in Role::ALL {
            let username = role.as_str().to_string();
            // As the demo names them (the browser test checks the name shown).
            let printed_name = format!("Demo {}{}", username[..1].to_uppercase(), &username[1..]);
            let password = format!("test-password-{username}-0123");
            store
                .create_user(
                    &op,
                    &mibg_store::NewUser {
                        username: username.clone(),
                        printed_name: printed_name.clone(),
                        role,
                        centre_id: rome.id,
                        granted: Vec::new(),
                        expires_at: None,
                        export_identified: false,
                    },
                    &format!("{password}-initial"),
                )
                .await
                .unwrap();
            // As the demo does: the initial password changed by its user.
            let s = store
                .login(&username, &format!("{password}-initial"), "test")
                .await
                .unwrap();
            store
                .change_own_password(&s.scope, &format!("{password}-initial"), &password)
                .await
                .unwrap();
            accounts.push(mibg_web::demo::DemoAccount {
                username,
                printed_name,
                role,
                password,
            });
        }
        let state = AppState::new(store.clone(), Config::default());
        let router = mibg_web::router(state.clone());
        App {
            db,
            store,
            state,
            router,
            accounts,
        }
    }

    pub fn account(&self, role: Role) -> &DemoAccount {
        self.accounts.iter().find(|a| a.role == role).unwrap()
    }

    pub fn anonymous(&self) -> Client {
        Client {
            router: self.router.clone(),
            cookies: Vec::new(),
            csrf: String::new(),
        }
    }

    /// A client signed in as the demo account of `role`.
    pub async fn client(&self, role: Role) -> Client {
        let a = self.account(role).clone();
        self.sign_in(&a.username, &a.password).await
    }

    pub async fn sign_in(&self, username: &str, password: &str) -> Client {
        let mut c = self.anonymous();
        let r = c.get("/login").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let token = field_value(&r.body, "csrf").unwrap();
        let r = c
            .post(
                "/login",
                &[
                    ("csrf", &token),
                    ("username", username),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "sign-in of {username}: {}",
            r.body
        );
        // An initial or reset password: the password page, and nothing else.
        let first = if r.location() == "/account/password" {
            "/account/password"
        } else {
            "/"
        };
        let home = c.get(first).await;
        assert_eq!(home.status, StatusCode::OK, "{}", home.body);
        c.csrf = field_value(&home.body, "csrf").unwrap();
        c
    }

    pub async fn patient_id(&self, study_id: &str) -> i64 {
        self.store
            .find_patient(&Scope::operator("test"), study_id)
            .await
            .unwrap()
            .id
    }

    pub async fn course_id(&self, study_id: &str) -> i64 {
        let p = self.patient_id(study_id).await;
        self.store
            .courses(&Scope::operator("test"), p)
            .await
            .unwrap()[0]
            .id
    }
}

/// The value of the first `<input name="NAME" value="…">` of a page.
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let key = format!("name=\"{name}\" value=\"");
    let i = html.find(&key)? + key.len();
    let j = html[i..].find('"')?;
    Some(html[i..i + j].to_string())
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

/// A browser without a browser: keeps cookies, knows its CSRF token.
#[derive(Clone)]
pub struct Client {
    pub router: Router,
    pub cookies: Vec<(String, String)>,
    pub csrf: String,
}

impl Client {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn send(&mut self, req: Request<Body>) -> Resp {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        for v in headers.get_all(header::SET_COOKIE) {
            let s = v.to_str().unwrap();
            let kv = s.split(';').next().unwrap();
            let (k, v) = kv.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            if !v.is_empty() && !s.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&body).to_string(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        let req = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    /// A form POST (the fields as given: add `csrf` yourself, or use
    /// [`Client::submit`]).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// A form POST with the session's CSRF token.
    pub async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf.clone();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all).await
    }

    /// A multipart upload of a file with `infusion_id`, CSRF in the query.
    pub async fn upload(&mut self, path: &str, infusion_id: i64, name: &str, text: &str) -> Resp {
        let b = "----mibgtestboundary";
        let body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"infusion_id\"\r\n\r\n{infusion_id}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n{text}\r\n--{b}--\r\n"
        );
        let req = Request::post(format!("{path}?csrf={}", self.csrf))
            .header(header::COOKIE, self.cookie_header())
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={b}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }
}

impl Client {
    /// Changes the signed-in user's password on the password page.
    pub async fn change_password(&mut self, current: &str, new: &str) -> Resp {
        self.submit(
            "/account/password",
            &[
                ("current_password", current),
                ("new_password", new),
                ("new_password_again", new),
            ],
        )
        .await
    }
}

impl App {
    /// An API token of the demo account of `role` (made by the store, as
    /// the token page does).
    pub async fn token(&self, role: Role) -> String {
        let a = self.account(role);
        let s = self
            .store
            .login(&a.username, &a.password, "test")
            .await
            .unwrap();
        self.store
            .create_token(&s.scope, "test", None)
            .await
            .unwrap()
            .1
    }
}

impl Client {
    /// An API request with a bearer token (no cookie).
    pub async fn api(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        json: Option<&serde_json::Value>,
    ) -> Resp {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = match json {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(b.body(body).unwrap()).await
    }
}

impl Client {
    /// A raw API request with a bearer token and a body of a media type.
    pub async fn send_raw(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        content_type: &str,
        body: &str,
    ) -> Resp {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(req).await
    }

    /// A JSON request with the session cookie, and the CSRF header if given.
    pub async fn cookie_json(
        &mut self,
        method: &str,
        path: &str,
        json: &serde_json::Value,
        csrf: Option<&str>,
    ) -> Resp {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = csrf {
            b = b.header("x-csrf-token", t);
        }
        self.send(b.body(Body::from(json.to_string())).unwrap())
            .await
    }
}
