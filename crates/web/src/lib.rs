//! The mibg web application (`mibg serve`): server-rendered pages on the
//! registry store for a treatment team — sign-in, the patients and the
//! state of each course, readings entry and CSV upload, the dosimetry of a
//! course, the proposal and approval of the second activity with
//! signatures, and the audit history of a patient.
//!
//! Invariants (ARCHITECTURE.md):
//!
//! * **No clinical rule here.** Every number comes from `mibg-clinic`
//!   through the store ([`mibg_store::Store::assess_dosimetry`]); every
//!   store rule (centre isolation, audit, signatures, two persons) is the
//!   store's. This crate parses forms, checks the session and renders.
//! * **Every route declares its right** in one table ([`routes`]), from
//!   which the router is built and the authorisation-matrix test is
//!   generated. A path not in the table is 404; a route's right is checked
//!   before its handler runs (deny by default); objects of another centre
//!   are "not found" because the store's queries say so.
//! * **No inline script** (Content-Security-Policy `script-src 'self'`),
//!   every asset embedded, CSRF token on every form, no internals in any
//!   error page.

mod admin;
pub mod api;
mod clinical;
mod edits;
mod enrol;
mod error;
mod followup;
mod guard;
mod pages;
pub mod session;
mod study;
mod views;
mod zip;

pub mod demo;

use axum::Router;
use axum::routing::MethodRouter;
use mibg_store::{Permission, Store};
use std::sync::Arc;
use std::time::Duration;

pub use error::AppError;
pub use guard::WHILE_PASSWORD_CHANGE_REQUIRED;

/// How the application runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Mark cookies `Secure` (the application is served over TLS, directly
    /// or behind a proxy).
    pub secure_cookies: bool,
    /// Show the demo banner on every page.
    pub demo: bool,
    /// Idle timeout of a session (docs/reference/registry.md §7: e.g. 30 min).
    pub idle_timeout: Duration,
    /// Absolute lifetime of a session.
    pub absolute_timeout: Duration,
    /// Largest request body (uploads included).
    pub max_body_bytes: usize,
}

impl Config {
    /// The idle timeout and absolute lifetime of a session.
    pub fn session_limits(&self) -> mibg_store::SessionLimits {
        mibg_store::SessionLimits {
            idle: self.idle_timeout,
            absolute: self.absolute_timeout,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookies: false,
            demo: false,
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 3600),
            max_body_bytes: 1 << 20,
        }
    }
}

/// What every request shares.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    store: Store,
    config: Config,
}

impl AppState {
    /// The state of an application on `store`.
    pub fn new(store: Store, config: Config) -> AppState {
        AppState(Arc::new(Inner { store, config }))
    }
    /// The store.
    pub fn store(&self) -> &Store {
        &self.0.store
    }
    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.0.config
    }
}

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone (sign-in page, the style sheet).
    Public,
    /// Any signed-in user.
    SignedIn,
    /// A signed-in user holding every one of these rights.
    Needs(&'static [Permission]),
}

/// Which kind of object a route's `{id}` names (the matrix test guesses
/// ids of another centre for each kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Object {
    /// No id in the path.
    None,
    /// A patient id.
    Patient,
    /// A course id.
    Course,
    /// A prescription id.
    Prescription,
}

/// One route: method, path, declared access, object kind.
#[derive(Clone, Copy, Debug)]
pub struct RouteSpec {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The axum path (`/courses/{id}`).
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// What `{id}` names.
    pub object: Object,
}

use mibg_store::Area;
use mibg_store::Permission as P;

pub(crate) const READ: &[Permission] = &[P::ReadClinical];
pub(crate) const WRITE_READINGS: &[Permission] = &[P::ReadClinical, P::Write(Area::Readings)];
pub(crate) const PROPOSE: &[Permission] = &[
    P::ReadClinical,
    P::SignAuthored,
    P::Write(Area::Prescription),
    P::Write(Area::Dosimetry),
];
pub(crate) const APPROVE: &[Permission] = &[P::ReadClinical, P::SignApproved];
pub(crate) const AUDIT: &[Permission] = &[P::ReadClinical, P::ReadAudit];

/// A list of routes with their handlers: each area of the application
/// (a module) contributes one, and [`table`] joins them.
pub(crate) type Routes = Vec<(RouteSpec, MethodRouter<AppState>)>;

/// Shorthand for a [`RouteSpec`] in the areas' route lists.
pub(crate) fn spec(
    method: &'static str,
    path: &'static str,
    access: Access,
    object: Object,
) -> RouteSpec {
    RouteSpec {
        method,
        path,
        access,
        object,
    }
}

/// The whole route table: one line per area of the application.
fn table() -> Routes {
    [
        core_routes(),
        clinical::routes(),
        api::routes(),
        study::routes(),
        enrol::routes(),
        admin::routes(),
        edits::routes(),
        followup::routes(),
        // Each further area appends its own list on its own line here.
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Sign-in, patients, the course, readings, dosimetry, prescription, history.
fn core_routes() -> Routes {
    use axum::routing::{get, post};
    let r = spec;
    vec![
        (
            r("GET", "/static/style.css", Access::Public, Object::None),
            get(pages::style),
        ),
        (
            r("GET", "/login", Access::Public, Object::None),
            get(pages::login_form),
        ),
        (
            r("POST", "/login", Access::Public, Object::None),
            post(pages::login),
        ),
        (
            r("POST", "/logout", Access::SignedIn, Object::None),
            post(pages::logout),
        ),
        (
            r("GET", "/", Access::SignedIn, Object::None),
            get(pages::home),
        ),
        (
            r("GET", "/patients", Access::Needs(READ), Object::None),
            get(pages::patients),
        ),
        (
            r(
                "GET",
                "/patients/{id}",
                Access::Needs(READ),
                Object::Patient,
            ),
            get(pages::patient),
        ),
        (
            r(
                "GET",
                "/patients/{id}/history",
                Access::Needs(AUDIT),
                Object::Patient,
            ),
            get(pages::history),
        ),
        (
            r("GET", "/courses/{id}", Access::Needs(READ), Object::Course),
            get(pages::course),
        ),
        (
            r(
                "POST",
                "/courses/{id}/readings",
                Access::Needs(WRITE_READINGS),
                Object::Course,
            ),
            post(pages::add_reading),
        ),
        (
            r(
                "POST",
                "/courses/{id}/readings.csv",
                Access::Needs(WRITE_READINGS),
                Object::Course,
            ),
            post(pages::upload_readings),
        ),
        (
            r(
                "GET",
                "/courses/{id}/dosimetry",
                Access::Needs(READ),
                Object::Course,
            ),
            get(pages::dosimetry),
        ),
        (
            r(
                "POST",
                "/courses/{id}/propose",
                Access::Needs(PROPOSE),
                Object::Course,
            ),
            post(pages::propose),
        ),
        (
            r(
                "POST",
                "/prescriptions/{id}/approve",
                Access::Needs(APPROVE),
                Object::Prescription,
            ),
            post(pages::approve),
        ),
    ]
}

/// Every route of the application with its declared access: the table the
/// router is built from.
pub fn routes() -> Vec<RouteSpec> {
    table().into_iter().map(|(s, _)| s).collect()
}

/// The application.
pub fn router(state: AppState) -> Router {
    if state.config().demo {
        views::set_demo();
    }
    let mut app: Router<AppState> = Router::new();
    for (spec, handler) in table() {
        let spec: &'static RouteSpec = Box::leak(Box::new(spec));
        app = app.route(
            spec.path,
            handler.route_layer(axum::middleware::from_fn_with_state(
                (state.clone(), spec),
                guard::guard,
            )),
        );
    }
    app.fallback(pages::not_found)
        .layer(axum::middleware::from_fn(guard::security_headers))
        .layer(axum::extract::DefaultBodyLimit::max(
            state.config().max_body_bytes,
        ))
        .with_state(state)
}

/// Serves the application on a bound listener until `shutdown` completes
/// (the client's address reaches the guard, for login throttling).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
