//! The guard every route passes before its handler: the session (idle and
//! absolute timeouts; the user's role and centres re-read from the store at
//! every request), the route's declared right (deny by default), and the
//! CSRF token of every POST. And the security headers of every response.

use crate::error::AppError;
use crate::session::{self, LOGIN_COOKIE, same_token};
use crate::{Access, AppState, RouteSpec};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;

/// The signed-in user of a request.
#[derive(Debug)]
pub struct Ctx {
    /// The user and their scope, as the store has them now.
    pub session: mibg_store::Session,
    /// The session id.
    pub sid: String,
    /// The session's CSRF token (put in every form).
    pub csrf: String,
    /// The session may only change its password (an initial or reset one:
    /// `mibg_store::sessions`).
    pub password_change_required: bool,
}

/// What a session whose password must be changed may still do (ASVS 4.0.3
/// section 2.3.1; every other route redirects to the password page or is refused).
pub const WHILE_PASSWORD_CHANGE_REQUIRED: &[(&str, &str)] = &[
    ("GET", "/account/password"),
    ("POST", "/account/password"),
    ("POST", "/logout"),
];

/// The client's address as the server saw it (for login throttling and the
/// audit trail; "unknown" without a socket, e.g. in tests).
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

/// The signed-in user, if any (inserted by the guard on every route).
#[derive(Clone, Debug)]
pub struct MaybeCtx(pub Option<Arc<Ctx>>);

impl MaybeCtx {
    /// The user of a route that requires one (the guard checked it).
    pub fn need(&self) -> Result<&Ctx, AppError> {
        self.0
            .as_deref()
            .ok_or_else(|| AppError::Internal("a signed-in route ran without a session".into()))
    }
}

/// The route guard.
pub async fn guard(
    State((state, spec)): State<(AppState, &'static RouteSpec)>,
    req: Request,
    next: Next,
) -> Response {
    let cfg = state.config();
    let api = spec.path.starts_with("/api/");
    let mut ctx = None;
    let mut via_token = false;
    if api && let Some(auth) = req.headers().get(header::AUTHORIZATION) {
        // A bearer token (API only): the user's rights, no cookie, no CSRF.
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or("");
        match state.store().scope_for_token(token).await {
            Ok(s) => {
                via_token = true;
                ctx = Some(Ctx {
                    session: s,
                    sid: String::new(),
                    csrf: String::new(),
                    password_change_required: false,
                });
            }
            Err(e @ mibg_store::StoreError::PasswordChangeRequired) => {
                return crate::api::problem(StatusCode::FORBIDDEN, &e.to_string());
            }
            Err(_) => return crate::api::unauthorized(),
        }
    } else if let Some(sid) = session::cookie(req.headers(), session::COOKIE).map(str::to_string) {
        let data = match state
            .store()
            .resume_session(&sid, cfg.session_limits())
            .await
        {
            Ok(d) => d,
            Err(e) => return AppError::from(e).into_response(),
        };
        if let Some(data) = data {
            match state.store().scope_for_user(data.user_id).await {
                Ok(s) => {
                    ctx = Some(Ctx {
                        session: s,
                        sid,
                        csrf: data.csrf,
                        password_change_required: data.password_change_required,
                    })
                }
                // Disabled or expired since sign-in: the session ends now.
                Err(_) => {
                    if let Err(e) = state.store().end_session(&sid).await {
                        return AppError::from(e).into_response();
                    }
                }
            }
        }
    }
    let post = req.method() == Method::POST;
    if spec.access != Access::Public && ctx.is_none() {
        return if api {
            crate::api::unauthorized()
        } else if post {
            (
                StatusCode::UNAUTHORIZED,
                crate::views::error_page(
                    StatusCode::UNAUTHORIZED,
                    "Your session has ended. Sign in again; nothing was saved.",
                ),
            )
                .into_response()
        } else {
            Redirect::to("/login").into_response()
        };
    }
    if let Some(c) = &ctx
        && c.password_change_required
        && spec.access != Access::Public
        && !WHILE_PASSWORD_CHANGE_REQUIRED.contains(&(spec.method, spec.path))
    {
        const WHY: &str = "Your password was set by someone else (a new account or a reset): choose your own password first; nothing else is possible until then.";
        return if api {
            crate::api::problem(StatusCode::FORBIDDEN, WHY)
        } else if post {
            (
                StatusCode::FORBIDDEN,
                crate::views::error_page(StatusCode::FORBIDDEN, WHY),
            )
                .into_response()
        } else {
            Redirect::to("/account/password").into_response()
        };
    }
    if let (Access::Needs(perms), Some(c)) = (spec.access, &ctx)
        && !perms.iter().all(|p| c.session.scope.can(*p))
    {
        return if api {
            crate::api::ApiError::from(AppError::Forbidden).into_response()
        } else {
            AppError::Forbidden.into_response()
        };
    }
    let req = if post && api {
        // A cookie-session write must carry the session's CSRF token in a
        // header (a bearer request cannot be forged by another site).
        match &ctx {
            Some(c) if !via_token && spec.access != Access::Public => {
                let given = req
                    .headers()
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !same_token(given, &c.csrf) {
                    return crate::api::problem(
                        StatusCode::FORBIDDEN,
                        "A write with the session cookie needs the session's CSRF token in the X-CSRF-Token header (or use a bearer token); nothing was saved.",
                    );
                }
                req
            }
            _ => req,
        }
    } else if post {
        let expected = match &ctx {
            Some(c) if spec.access != Access::Public => Some(c.csrf.clone()),
            _ => session::cookie(req.headers(), LOGIN_COOKIE).map(str::to_string),
        };
        match check_csrf(req, expected.as_deref(), cfg.max_body_bytes).await {
            Ok(r) => r,
            Err(resp) => return resp,
        }
    } else {
        req
    };
    let mut req = req;
    let addr = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string());
    req.extensions_mut().insert(ClientAddr(addr));
    req.extensions_mut().insert(MaybeCtx(ctx.map(Arc::new)));
    next.run(req).await
}

fn csrf_refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        crate::views::error_page(
            StatusCode::FORBIDDEN,
            "The form has expired or did not come from this application. Reload the page and try again; nothing was saved.",
        ),
    )
        .into_response()
}

/// The CSRF token of a POST: the `csrf` field of a URL-encoded form, or the
/// `csrf` query parameter of a multipart upload (whose body the handler
/// streams).
async fn check_csrf(
    req: Request,
    expected: Option<&str>,
    limit: usize,
) -> Result<Request, Response> {
    let Some(expected) = expected else {
        return Err(csrf_refused());
    };
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.starts_with("multipart/form-data") {
        let q = req.uri().query().unwrap_or("");
        let given = serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .ok()
            .and_then(|v| v.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v));
        return match given {
            Some(g) if same_token(&g, expected) => Ok(req),
            _ => Err(csrf_refused()),
        };
    }
    if !ct.starts_with("application/x-www-form-urlencoded") {
        return Err(csrf_refused());
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            return Err(AppError::BadRequest("The form is too large.".into()).into_response());
        }
    };
    let given = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|v| v.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v));
    match given {
        Some(g) if same_token(&g, expected) => Ok(Request::from_parts(parts, Body::from(bytes))),
        _ => Err(csrf_refused()),
    }
}

/// The Content-Security-Policy of every response: nothing from elsewhere,
/// no inline script or style.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Security headers on every response (ASVS 14.4).
pub async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let mut set = |k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set("content-security-policy", CSP);
    set("x-content-type-options", "nosniff");
    set("x-frame-options", "DENY");
    set("referrer-policy", "no-referrer");
    set("cross-origin-opener-policy", "same-origin");
    if !is_static {
        set("cache-control", "no-store");
    }
    resp
}
