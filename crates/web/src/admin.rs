//! The signed-in user's own account (password change) and the
//! administrator's pages (accounts and centres). No rule here: every act is
//! one of the store functions that `mibg user` and `mibg centre` call
//! (`mibg_store::auth`), which checks the password policy, the rights of
//! the role, the caller's centres and the reason, and audits the change.

use crate::error::AppError;
use crate::guard::{Ctx, MaybeCtx};
use crate::views::{self, Layout};
use crate::{Access, AppState, Object, Routes, spec};
use askama::Template;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mibg_store::{NewUser, Permission, Role, StoreError};

type Page = Result<Response, AppError>;

const USERS: &[Permission] = &[Permission::ManageUsers];
const CENTRES: &[Permission] = &[Permission::ManageCentres];

/// The routes of this area.
pub(crate) fn routes() -> Routes {
    use axum::routing::{get, post};
    let r = spec;
    let users = Access::Needs(USERS);
    let centres = Access::Needs(CENTRES);
    vec![
        (
            r("GET", "/account/password", Access::SignedIn, Object::None),
            get(password_form),
        ),
        (
            r("POST", "/account/password", Access::SignedIn, Object::None),
            post(change_password),
        ),
        (
            r("GET", "/admin/users", users, Object::None),
            get(users_page),
        ),
        (
            r("POST", "/admin/users", users, Object::None),
            post(add_user),
        ),
        (r("GET", "/admin/user", users, Object::None), get(user_page)),
        (
            r("POST", "/admin/user/disable", users, Object::None),
            post(disable_user),
        ),
        (
            r("POST", "/admin/user/enable", users, Object::None),
            post(enable_user),
        ),
        (
            r("POST", "/admin/user/role", users, Object::None),
            post(set_role),
        ),
        (
            r("POST", "/admin/user/centres", users, Object::None),
            post(set_centres),
        ),
        (
            r("POST", "/admin/user/export", users, Object::None),
            post(set_export),
        ),
        (
            r("POST", "/admin/user/expiry", users, Object::None),
            post(set_expiry),
        ),
        (
            r("POST", "/admin/user/password", users, Object::None),
            post(reset_password),
        ),
        (
            r("GET", "/admin/centres", centres, Object::None),
            get(centres_page),
        ),
        (
            r("POST", "/admin/centres", centres, Object::None),
            post(add_centre),
        ),
    ]
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn fields<'a>(form: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    form.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The words of a store refusal a user can act on (the rule broken).
fn refusal(e: &StoreError) -> String {
    match e {
        StoreError::Invalid { field, message, .. } => {
            format!("{}: {message}", field.replace('_', " "))
        }
        StoreError::AuthenticationFailed => {
            "The current password is not right, or too many wrong passwords were typed \
             (5 in 15 minutes lock the account until they are 15 minutes old); nothing was changed."
                .into()
        }
        other => other.to_string(),
    }
}

// ------------------------------------------------------------ own password

#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    pub l: Layout,
    pub error: Option<String>,
    pub done: bool,
    /// The password was set by someone else and must be changed first.
    pub required: bool,
    pub min: usize,
    pub max: usize,
}

fn password_page(state: &AppState, c: &Ctx, error: Option<String>, done: bool) -> PasswordPage {
    PasswordPage {
        l: views::layout(state, Some(c), "Change your password"),
        error,
        done,
        required: c.password_change_required,
        min: mibg_store::auth::MIN_PASSWORD_CHARS,
        max: mibg_store::auth::MAX_PASSWORD_CHARS,
    }
}

#[derive(serde::Deserialize)]
pub struct Done {
    #[serde(default)]
    done: String,
}

async fn password_form(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Query(q): Query<Done>,
) -> Page {
    let c = c.need()?;
    Ok(views::render(&password_page(&state, c, None, q.done == "1"))?.into_response())
}

/// Changes the caller's password (the current one again; the store's
/// policy), then ends every other session of the caller.
async fn change_password(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let refused = |m: String| -> Page {
        Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            views::render(&password_page(&state, c, Some(m), false))?,
        )
            .into_response())
    };
    let new = field(&f, "new_password");
    if new != field(&f, "new_password_again") {
        return refused("The two new passwords differ; nothing was changed.".into());
    }
    match state
        .store()
        .change_own_password_keeping(
            &c.session.scope,
            field(&f, "current_password"),
            new,
            Some(&c.sid),
        )
        .await
    {
        // The store ended every other session of the user and freed this
        // one of a required change.
        Ok(()) => Ok(Redirect::to("/account/password?done=1").into_response()),
        Err(e @ (StoreError::Invalid { .. } | StoreError::AuthenticationFailed)) => {
            refused(refusal(&e))
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------ users

pub struct UserRow {
    pub username: String,
    /// The user name as a URL query value.
    pub link: String,
    pub printed_name: String,
    pub role: String,
    pub centres: String,
    pub state: String,
    pub expires: String,
    pub export_identified: bool,
}

pub struct CentreChoice {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub time_zone: String,
    /// The account shown has this centre as home / granted.
    pub home: bool,
    pub granted: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    pub l: Layout,
    pub users: Vec<UserRow>,
    pub centres: Vec<CentreChoice>,
    pub roles: Vec<&'static str>,
    pub error: Option<String>,
    /// A user just added: name and the initial password made up for them,
    /// shown this once.
    pub added: Option<(String, Option<String>)>,
    pub min: usize,
}

async fn centre_codes(state: &AppState, c: &Ctx) -> Result<Vec<mibg_store::Centre>, AppError> {
    Ok(state.store().list_centres(&c.session.scope).await?)
}

fn centres_of(u: &mibg_store::User, all: &[mibg_store::Centre]) -> String {
    let code = |id: i64| {
        all.iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_string(), |c| c.code.clone())
    };
    let mut s = code(u.centre_id);
    for g in &u.granted {
        s.push_str(" + ");
        s.push_str(&code(*g));
    }
    s
}

fn user_row(u: &mibg_store::User, all: &[mibg_store::Centre]) -> UserRow {
    user_row_at(u, all, jiff::Timestamp::now())
}

/// The account's row as of `now`: its expiry shown in its home centre's
/// time zone, the zone named ([`crate::pages::local_instant`]), and
/// marked expired once past (the store's rule: the account ends at the
/// instant itself).
fn user_row_at(u: &mibg_store::User, all: &[mibg_store::Centre], now: jiff::Timestamp) -> UserRow {
    let expiry = u
        .expires_at
        .as_deref()
        .map(|e| (e, e.parse::<jiff::Timestamp>().ok()));
    let expired = expiry.is_some_and(|(_, t)| t.is_some_and(|t| t <= now));
    let tz = all
        .iter()
        .find(|c| c.id == u.centre_id)
        .and_then(|c| jiff::tz::TimeZone::get(&c.time_zone).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let expires = match expiry {
        None => "never".into(),
        Some((_, Some(t))) => {
            let shown = crate::pages::local_instant(t, &tz);
            if expired {
                format!("{shown} — expired")
            } else {
                shown
            }
        }
        // Not an instant the store wrote: shown as stored.
        Some((raw, None)) => raw.to_string(),
    };
    UserRow {
        username: u.username.clone(),
        link: urlencode(&u.username),
        printed_name: u.printed_name.clone(),
        role: u.role.as_str().to_string(),
        centres: centres_of(u, all),
        state: if u.disabled {
            "disabled".into()
        } else if expired {
            "expired".into()
        } else {
            "active".into()
        },
        expires,
        export_identified: u.export_identified,
    }
}

async fn render_users(
    state: &AppState,
    c: &Ctx,
    error: Option<String>,
    added: Option<(String, Option<String>)>,
) -> Page {
    let scope = &c.session.scope;
    let all = centre_codes(state, c).await?;
    let users = state
        .store()
        .list_users(scope)
        .await?
        .iter()
        .map(|u| user_row(u, &all))
        .collect();
    let centres = all
        .iter()
        .filter(|x| scope.covers(x.id))
        .map(|x| CentreChoice {
            id: x.id,
            code: x.code.clone(),
            name: x.name.clone(),
            time_zone: x.time_zone.clone(),
            home: x.id == c.session.user.centre_id,
            granted: false,
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        views::render(&UsersPage {
            l: views::layout(state, Some(c), "Accounts"),
            users,
            centres,
            roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
            error,
            added,
            min: mibg_store::auth::MIN_PASSWORD_CHARS,
        })?,
    )
        .into_response())
}

async fn users_page(State(state): State<AppState>, Extension(c): Extension<MaybeCtx>) -> Page {
    let c = c.need()?;
    render_users(&state, c, None, None).await
}

/// An initial password made up for a new account: 24 hexadecimal digits
/// (96 bits), shown once to the administrator.
fn made_up_password() -> String {
    format!("init-{}", &crate::session::random_token()[..24])
}

/// Adds an account (the store checks the user name, printed name, policy,
/// centres and the identified-export rule, and audits the creation).
async fn add_user(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let scope = &c.session.scope;
    let Some(role) = Role::parse(field(&f, "role")) else {
        return render_users(&state, c, Some("role: choose a role".into()), None).await;
    };
    let Ok(centre_id) = field(&f, "centre").parse::<i64>() else {
        return render_users(
            &state,
            c,
            Some("centre: choose the home centre".into()),
            None,
        )
        .await;
    };
    let granted: Vec<i64> = fields(&f, "grant")
        .iter()
        .filter_map(|g| g.parse().ok())
        .collect();
    let expires_at = match parse_expiry(field(&f, "expires")) {
        Ok(e) => e,
        Err(m) => return render_users(&state, c, Some(m), None).await,
    };
    let typed = field(&f, "password");
    let made_up = typed.is_empty().then(made_up_password);
    let password = made_up.clone().unwrap_or_else(|| typed.to_string());
    let new = NewUser {
        username: field(&f, "username").trim().to_string(),
        printed_name: field(&f, "printed_name").trim().to_string(),
        role,
        centre_id,
        granted,
        expires_at,
        export_identified: field(&f, "export_identified") == "yes",
    };
    match state.store().create_user(scope, &new, &password).await {
        Ok(u) => render_users(&state, c, None, Some((u.username, made_up))).await,
        Err(
            e @ (StoreError::Invalid { .. }
            | StoreError::Duplicate { .. }
            | StoreError::NotFound { .. }),
        ) => render_users(&state, c, Some(refusal(&e)), None).await,
        Err(e) => Err(e.into()),
    }
}

fn parse_expiry(text: &str) -> Result<Option<jiff::Timestamp>, String> {
    match text.trim() {
        "" => Ok(None),
        d => d
            .parse::<jiff::civil::Date>()
            .ok()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|z| Some(z.timestamp()))
            .ok_or_else(|| format!("expires: '{d}' is not a date (YYYY-MM-DD)")),
    }
}

#[derive(Template)]
#[template(path = "admin_user.html")]
pub struct UserPage {
    pub l: Layout,
    pub u: UserRow,
    pub role: String,
    pub disabled: bool,
    pub clinical: bool,
    pub centres: Vec<CentreChoice>,
    pub roles: Vec<&'static str>,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub min: usize,
    /// The expiry's date (UTC) for the date field, empty without one.
    pub expires_date: String,
}

#[derive(serde::Deserialize)]
pub struct Named {
    #[serde(default)]
    name: String,
    #[serde(default)]
    done: String,
}

async fn render_user(
    state: &AppState,
    c: &Ctx,
    username: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Page {
    let scope = &c.session.scope;
    let u = state.store().user_by_name(scope, username).await?;
    let all = centre_codes(state, c).await?;
    let centres = all
        .iter()
        .filter(|x| scope.covers(x.id))
        .map(|x| CentreChoice {
            id: x.id,
            code: x.code.clone(),
            name: x.name.clone(),
            time_zone: x.time_zone.clone(),
            home: x.id == u.centre_id,
            granted: u.granted.contains(&x.id),
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        views::render(&UserPage {
            l: views::layout(state, Some(c), format!("Account {}", u.username)),
            u: user_row(&u, &all),
            role: u.role.as_str().to_string(),
            disabled: u.disabled,
            clinical: u.role.is_clinical(),
            centres,
            roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
            error,
            notice,
            min: mibg_store::auth::MIN_PASSWORD_CHARS,
            expires_date: u
                .expires_at
                .as_deref()
                .and_then(|e| e.parse::<jiff::Timestamp>().ok())
                .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
                .unwrap_or_default(),
        })?,
    )
        .into_response())
}

/// One account with the forms that change it.
async fn user_page(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Query(q): Query<Named>,
) -> Page {
    let c = c.need()?;
    if q.name.trim().is_empty() {
        return Err(AppError::BadRequest(
            "Choose an account on the accounts page.".into(),
        ));
    }
    let notice = match q.done.as_str() {
        "" => None,
        d => Some(format!("Saved: {d}.")),
    };
    render_user(&state, c, q.name.trim(), None, notice).await
}

/// The account a change form names (a form without one is a bad request,
/// not "not found").
fn target(f: &[(String, String)]) -> Result<&str, AppError> {
    match field(f, "username").trim() {
        "" => Err(AppError::BadRequest(
            "Choose an account on the accounts page.".into(),
        )),
        u => Ok(u),
    }
}

/// The result of a change: back to the account's page, saying what was
/// saved, or the page again with the store's refusal.
async fn after_change(
    state: &AppState,
    c: &Ctx,
    username: &str,
    r: Result<mibg_store::User, StoreError>,
    what: &str,
) -> Page {
    match r {
        Ok(u) => Ok(Redirect::to(&format!(
            "/admin/user?name={}&done={}",
            urlencode(&u.username),
            urlencode(what)
        ))
        .into_response()),
        Err(
            e @ (StoreError::Invalid { .. }
            | StoreError::ReasonRequired
            | StoreError::Conflict { .. }
            | StoreError::Duplicate { .. }),
        ) => render_user(state, c, username, Some(refusal(&e)), None).await,
        Err(StoreError::NotFound {
            entity: "centres", ..
        }) => {
            render_user(
                state,
                c,
                username,
                Some("centre: not one of your centres".into()),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|v| v[1..].to_string())
        .unwrap_or_default()
}

async fn disable_user(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let who = target(&f)?;
    let r = state
        .store()
        .disable_user(&c.session.scope, who, field(&f, "reason"))
        .await;
    // The store ended the account's sessions in the same transaction.
    after_change(&state, c, who, r, "account disabled").await
}

/// Sets or removes the account's expiry date (`Store::set_expiry`): the
/// account expires at 00:00 UTC of the date given, as on the accounts
/// page's creation form; an empty date removes the expiry.
async fn set_expiry(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let who = target(&f)?;
    let expires_at = match parse_expiry(field(&f, "expires")) {
        Ok(e) => e,
        Err(m) => return render_user(&state, c, who, Some(m), None).await,
    };
    let r = state
        .store()
        .set_expiry(&c.session.scope, who, expires_at, field(&f, "reason"))
        .await;
    let what = if expires_at.is_some() {
        "expiry date set"
    } else {
        "expiry removed"
    };
    after_change(&state, c, who, r, what).await
}

async fn enable_user(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let who = target(&f)?;
    let r = state
        .store()
        .enable_user(&c.session.scope, who, field(&f, "reason"))
        .await;
    after_change(&state, c, who, r, "account enabled").await
}

async fn set_role(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let who = target(&f)?;
    let Some(role) = Role::parse(field(&f, "role")) else {
        return render_user(&state, c, who, Some("role: choose a role".into()), None).await;
    };
    let r = state
        .store()
        .set_role(&c.session.scope, who, role, field(&f, "reason"))
        .await;
    after_change(&state, c, who, r, "role changed").await
}

async fn set_centres(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let who = target(&f)?;
    let Ok(home) = field(&f, "centre").parse::<i64>() else {
        return render_user(
            &state,
            c,
            who,
            Some("centre: choose the home centre".into()),
            None,
        )
        .await;
    };
    let granted: Vec<i64> = fields(&f, "grant")
        .iter()
        .filter_map(|g| g.parse().ok())
        .collect();
    let r = state
        .store()
        .set_user_centres(&c.session.scope, who, home, &granted, field(&f, "reason"))
        .await;
    after_change(&state, c, who, r, "centres changed").await
}

async fn set_export(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let who = target(&f)?;
    let on = field(&f, "export_identified") == "yes";
    let r = state
        .store()
        .set_export_identified(&c.session.scope, who, on, field(&f, "reason"))
        .await;
    after_change(&state, c, who, r, "identified-export right changed").await
}

/// Sets another user's password (the store's policy; the store ends that
/// user's sessions, and the user must change the password at the next
/// sign-in).
async fn reset_password(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let who = target(&f)?;
    let new = field(&f, "new_password");
    if new != field(&f, "new_password_again") {
        return render_user(
            &state,
            c,
            who,
            Some("The two new passwords differ; nothing was changed.".into()),
            None,
        )
        .await;
    }
    let r = state
        .store()
        .reset_password(&c.session.scope, who, new, field(&f, "reason"))
        .await;
    after_change(
        &state,
        c,
        who,
        r,
        "password set; the account's sessions were ended",
    )
    .await
}

// ---------------------------------------------------------------- centres

#[derive(Template)]
#[template(path = "admin_centres.html")]
pub struct CentresPage {
    pub l: Layout,
    pub centres: Vec<CentreChoice>,
    pub error: Option<String>,
    pub added: Option<String>,
}

async fn render_centres(
    state: &AppState,
    c: &Ctx,
    error: Option<String>,
    added: Option<String>,
) -> Page {
    let centres = centre_codes(state, c)
        .await?
        .into_iter()
        .map(|x| CentreChoice {
            id: x.id,
            code: x.code,
            name: x.name,
            time_zone: x.time_zone,
            home: false,
            granted: false,
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        views::render(&CentresPage {
            l: views::layout(state, Some(c), "Centres"),
            centres,
            error,
            added,
        })?,
    )
        .into_response())
}

async fn centres_page(State(state): State<AppState>, Extension(c): Extension<MaybeCtx>) -> Page {
    let c = c.need()?;
    render_centres(&state, c, None, None).await
}

/// Adds a centre (the store checks the code and the IANA time zone).
async fn add_centre(
    State(state): State<AppState>,
    Extension(c): Extension<MaybeCtx>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let c = c.need()?;
    let code = field(&f, "code").trim();
    match state
        .store()
        .create_centre(
            &c.session.scope,
            code,
            field(&f, "name").trim(),
            field(&f, "time_zone").trim(),
        )
        .await
    {
        Ok(x) => render_centres(&state, c, None, Some(x.code)).await,
        Err(e @ (StoreError::Invalid { .. } | StoreError::Duplicate { .. })) => {
            render_centres(&state, c, Some(refusal(&e)), None).await
        }
        Err(e) => Err(e.into()),
    }
}
