//! The page where a user makes (secret shown once) and revokes their own
//! API tokens (docs/reference/registry.md §7: tokens are stored hashed and
//! carry their user's rights; the store does both and audits each act).

use crate::AppState;
use crate::error::AppError;
use crate::guard::{Ctx, MaybeCtx};
use crate::views;
use askama::Template;
use axum::Extension;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};

type Page = Result<Response, AppError>;

pub(crate) struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub expires: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
pub(crate) struct TokensPage {
    pub l: views::Layout,
    pub tokens: Vec<TokenRow>,
    pub secret: Option<String>,
    pub secret_name: String,
}

async fn render(state: &AppState, c: &Ctx, secret: Option<(String, String)>) -> Page {
    let tokens = state
        .store()
        .list_tokens(&c.session.scope)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            expires: t.expires_at.unwrap_or_else(|| "never".into()),
            revoked: t.revoked,
        })
        .collect();
    let (secret_name, secret) = match secret {
        Some((n, s)) => (n, Some(s)),
        None => (String::new(), None),
    };
    Ok(views::render(&TokensPage {
        l: views::layout(state, Some(c), "API tokens"),
        tokens,
        secret,
        secret_name,
    })?
    .into_response())
}

/// The caller's tokens and the form to make one.
pub async fn list(State(state): State<AppState>, Extension(c): Extension<MaybeCtx>) -> Page {
    let c = c.need()?;
    render(&state, c, None).await
}

#[derive(serde::Deserialize)]
pub struct NewToken {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires: String,
}

/// Makes a token; the page shows its secret this once (never in a URL).
pub async fn create(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Form(f): Form<NewToken>,
) -> Page {
    let c = c.need()?;
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::BadRequest(
            "name: say what will use the token (1 to 100 characters)".into(),
        ));
    }
    let expires = match f.expires.trim() {
        "" => None,
        d => Some(
            d.parse::<jiff::civil::Date>()
                .ok()
                .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
                .map(|z| z.timestamp())
                .ok_or_else(|| {
                    AppError::BadRequest(format!("expires: '{d}' is not a date (YYYY-MM-DD)"))
                })?,
        ),
    };
    if expires.is_some_and(|e| e <= jiff::Timestamp::now()) {
        return Err(AppError::BadRequest(
            "expires: the date is not in the future".into(),
        ));
    }
    let (_, secret) = state
        .store()
        .create_token(&c.session.scope, name, expires)
        .await?;
    render(&state, c, Some((name.to_string(), secret))).await
}

#[derive(serde::Deserialize)]
pub struct Revoke {
    #[serde(default)]
    token_id: String,
    #[serde(default)]
    reason: String,
}

/// Revokes one of the caller's tokens (another user's token is "not
/// found"; the store checks the owner).
pub async fn revoke(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Form(f): Form<Revoke>,
) -> Page {
    let c = c.need()?;
    let id = f
        .token_id
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::BadRequest("token: choose a token to revoke".into()))?;
    state
        .store()
        .revoke_token(&c.session.scope, id, &f.reason)
        .await?;
    Ok(Redirect::to("/account/tokens").into_response())
}
