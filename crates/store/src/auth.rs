//! Centres, users, passwords, sign-in and API tokens (docs/reference/registry.md §1, §7;
//! OWASP ASVS 4.0.3 chapter 2).
//!
//! * Passwords: Argon2id with the OWASP parameters (m = 19 MiB, t = 2,
//!   p = 1), at least 12 characters, at most 128, not one of 19 640 common
//!   passwords (`data/common-passwords.txt`, see its PROVENANCE.md), no
//!   composition rules (ASVS 2.1). There is no default password anywhere:
//!   every account is made with a password its maker types.
//! * Sign-in failures are audited and throttled per account and per
//!   address; the message never says which part was wrong (ASVS 2.2).
//! * API tokens are random (256 bits), shown once, stored as SHA-256.

use crate::Store;
use crate::audit::{Event, Writer, action, format_instant};
use crate::db::{Ty, Value};
use crate::error::StoreError;
use crate::records::{fetch_row, insert_audited, next_id, require_reason, update_audited};
use crate::schema::{sha256_hex, table};
use crate::scope::{Actor, Permission, Role, Scope};
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use jiff::Timestamp;
use std::sync::LazyLock;

/// Argon2id memory cost, KiB: 19 MiB (OWASP Password Storage Cheat Sheet,
/// "m=19456 (19 MiB), t=2, p=1"; docs/reference/registry.md §7) \[V\].
pub const ARGON2_M_KIB: u32 = 19_456;
/// Argon2id iterations (OWASP, as above) \[V\].
pub const ARGON2_T: u32 = 2;
/// Argon2id parallelism (OWASP, as above) \[V\].
pub const ARGON2_P: u32 = 1;
/// Shortest password accepted: 12 characters (ASVS 4.0.3 section 2.1.1) \[V\].
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted: 128 characters (ASVS 4.0.3 section 2.1.2 asks to
/// permit at least 64 and deny more than 128) \[V\].
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Failed sign-ins of one account within [`THROTTLE_WINDOW_S`] after
/// which the account is refused until the window passes \[I\].
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed sign-ins from one address within the window after which the
/// address is refused \[I\].
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// The throttling window: 15 minutes \[I\].
pub const THROTTLE_WINDOW_S: i64 = 15 * 60;
/// An initial password (one set by someone other than the account's user:
/// `mibg user add`, an administrator's new account or reset) is refused at
/// sign-in this many hours after it was set. ASVS 4.0.3 section 2.3.1 asks that initial
/// secrets "expire after a short period of time" and gives no number;
/// 72 hours lets an account made on a Friday be first used on the Monday
/// \[I\].
pub const INITIAL_PASSWORD_VALIDITY_H: i64 = 72;

/// Failed password checks of account `id` since its last successful
/// sign-in and within the last [`THROTTLE_WINDOW_S`] before `now`: failed
/// sign-ins, and wrong passwords typed again to change the password or to
/// sign ([`action::REAUTH_FAILED`]). One count for all three, so that a
/// session left open cannot be used to guess the password either (ASVS
/// 4.0.3 section 2.2.1: anti-automation against brute force).
pub(crate) async fn account_failures(
    tx: &mut crate::db::Tx,
    id: i64,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let since = format_instant(
        now.checked_sub(jiff::SignedDuration::from_secs(THROTTLE_WINDOW_S))
            .unwrap_or(now),
    );
    Ok(tx
        .fetch(
            "SELECT COUNT(*) FROM audit WHERE action IN ($1, $2) AND entity = 'users' AND entity_id = $3 AND at >= $4 \
             AND seq > COALESCE((SELECT MAX(seq) FROM audit WHERE action = $5 AND entity = 'users' AND entity_id = $3), 0)",
            &[
                Value::text(action::LOGIN_FAILED),
                Value::text(action::REAUTH_FAILED),
                Value::int(id),
                Value::text(&since),
                Value::text(action::LOGIN),
            ],
            &[Ty::Int],
        )
        .await?[0][0]
        .as_int()
        .unwrap_or(0))
}

/// The outcome of a password typed again by a signed-in user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Recheck {
    /// It is the user's password.
    Right,
    /// It is not (recorded as [`action::REAUTH_FAILED`]).
    Wrong,
    /// The account has [`MAX_FAILURES_PER_ACCOUNT`] failures in the window:
    /// not even checked (recorded as [`action::REAUTH_FAILED`]).
    Throttled,
}

/// Checks the password `user_id` typed again `purpose` ("to change the
/// password", "to sign …"), under the account's throttle
/// ([`account_failures`]), in the writer's transaction: a wrong or
/// throttled attempt adds an [`action::REAUTH_FAILED`] record, which the
/// caller must commit.
pub(crate) async fn recheck_password(
    w: &mut Writer,
    user_id: i64,
    password: &str,
    purpose: &str,
) -> Result<Recheck, StoreError> {
    let outcome = if account_failures(&mut w.tx, user_id, Timestamp::now()).await?
        >= MAX_FAILURES_PER_ACCOUNT
    {
        Recheck::Throttled
    } else if password_matches(&mut w.tx, user_id, password).await? {
        return Ok(Recheck::Right);
    } else {
        Recheck::Wrong
    };
    let cause = match outcome {
        Recheck::Throttled => "account locked for the throttling window",
        _ => "wrong password",
    };
    w.record(Event {
        action: action::REAUTH_FAILED,
        entity: Some("users"),
        entity_id: Some(user_id),
        field: Some("purpose".into()),
        new_value: Some(serde_json::Value::String(purpose.to_string()).to_string()),
        reason: Some(cause.into()),
        ..Event::default()
    })
    .await?;
    Ok(outcome)
}

static COMMON: LazyLock<std::collections::HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
});

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid {
        entity: "users",
        field: field.to_string(),
        message: message.into(),
    }
}

/// Checks a new password against the policy (length, common passwords,
/// not the user name).
pub fn check_password_policy(password: &str, username: &str) -> Result<(), StoreError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(invalid(
            "password",
            format!(
                "{n} characters; at least {MIN_PASSWORD_CHARS} are required (a passphrase of several words is easy to remember)"
            ),
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(invalid(
            "password",
            format!("{n} characters; at most {MAX_PASSWORD_CHARS}"),
        ));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(lower.as_str()) {
        return Err(invalid(
            "password",
            "this is one of the 20 000 most common passwords; choose another",
        ));
    }
    if lower == username.to_lowercase() {
        return Err(invalid(
            "password",
            "the password must not be the user name",
        ));
    }
    Ok(())
}

fn argon2() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None).expect("valid Argon2 parameters"),
    )
}

/// The Argon2id PHC string of a password (random salt).
pub fn hash_password(password: &str) -> Result<String, StoreError> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Database(format!("password hashing failed: {e}")))
}

/// Whether `password` matches a PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    argon2().verify_password(password.as_bytes(), phc).is_ok()
}

/// A PHC string that matches no password, verified when the user does not
/// exist so that timing does not tell which user names exist.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("no user has this password, ever").unwrap_or_default());

/// Whether `password` is the current password of user `user_id`.
pub(crate) async fn password_matches(
    tx: &mut crate::db::Tx,
    user_id: i64,
    password: &str,
) -> Result<bool, StoreError> {
    let r = tx
        .fetch_optional(
            "SELECT password_hash FROM users WHERE id = $1 AND disabled = 0 AND deleted = 0",
            &[Value::int(user_id)],
            &[Ty::Text],
        )
        .await?;
    Ok(
        r.and_then(|r| r[0].as_text().map(|h| verify_password(password, h)))
            .unwrap_or(false),
    )
}

fn random_bytes<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| StoreError::Database(format!("no randomness: {e}")))?;
    Ok(b)
}

/// A centre.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Centre {
    /// Id.
    pub id: i64,
    /// Short code (`Rome`, `C01`): the `centre` column of the study folder.
    pub code: String,
    /// Full name.
    pub name: String,
    /// IANA time zone (`Europe/Rome`): dates and clock times of the centre.
    pub time_zone: String,
    /// Version.
    pub version: i64,
}

/// A user account.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Printed name (signatures, audit).
    pub printed_name: String,
    /// Role.
    pub role: Role,
    /// Home centre.
    pub centre_id: i64,
    /// Further centres granted (coordinating centre).
    pub granted: Vec<i64>,
    /// Disabled.
    pub disabled: bool,
    /// Expiry (UTC).
    pub expires_at: Option<String>,
    /// Holds the separate right to export identifying data.
    pub export_identified: bool,
    /// Version.
    pub version: i64,
}

/// What an account is made of.
#[derive(Clone, Debug, PartialEq)]
pub struct NewUser {
    /// Login name: letters, digits, `.`, `_`, `-`, `@`.
    pub username: String,
    /// Printed name.
    pub printed_name: String,
    /// Role.
    pub role: Role,
    /// Home centre id.
    pub centre_id: i64,
    /// Further centres granted.
    pub granted: Vec<i64>,
    /// Expiry.
    pub expires_at: Option<Timestamp>,
    /// The separate identified-export right (clinical roles only).
    pub export_identified: bool,
}

/// A signed-in user: the scope for every later call.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Session {
    /// The user.
    pub user: User,
    /// Their access scope.
    pub scope: Scope,
}

/// An API token (its secret is shown once, at creation).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ApiToken {
    /// Id.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// Label.
    pub name: String,
    /// Created (UTC).
    pub created_at: String,
    /// Expiry (UTC).
    pub expires_at: Option<String>,
    /// Revoked.
    pub revoked: bool,
}

const USER_COLS: &str = "id, username, printed_name, role, centre_id, password_hash, disabled, expires_at, export_identified, version, deleted";

fn user_from(v: &[Value], granted: Vec<i64>) -> Result<User, StoreError> {
    Ok(User {
        id: v[0].as_int().unwrap_or(0),
        username: v[1].as_text().unwrap_or("").to_string(),
        printed_name: v[2].as_text().unwrap_or("").to_string(),
        role: v[3]
            .as_text()
            .and_then(Role::parse)
            .ok_or_else(|| StoreError::Corrupt("users.role".into()))?,
        centre_id: v[4].as_int().unwrap_or(0),
        granted,
        disabled: v[6].as_int() == Some(1),
        expires_at: v[7].as_text().map(str::to_string),
        export_identified: v[8].as_int() == Some(1),
        version: v[9].as_int().unwrap_or(0),
    })
}

fn check_username(u: &str) -> Result<(), StoreError> {
    if u.is_empty()
        || u.len() > 64
        || !u
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(invalid(
            "username",
            format!("'{u}' is not a user name (1–64 letters, digits, '.', '_', '-', '@')"),
        ));
    }
    Ok(())
}

fn expired(expires_at: Option<&str>, now: Timestamp) -> bool {
    expires_at
        .and_then(|e| e.parse::<Timestamp>().ok())
        .is_some_and(|e| now >= e)
}

async fn granted_of(tx: &mut crate::db::Tx, user_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(tx
        .fetch(
            "SELECT centre_id FROM user_centres WHERE user_id = $1 AND deleted = 0 ORDER BY centre_id",
            &[Value::int(user_id)],
            &[Ty::Int],
        )
        .await?
        .into_iter()
        .filter_map(|r| r[0].as_int())
        .collect())
}

fn session_of(user: User) -> Session {
    let mut centres = vec![user.centre_id];
    centres.extend(
        user.granted
            .iter()
            .copied()
            .filter(|c| *c != user.centre_id),
    );
    let scope = Scope::user(
        user.id,
        user.username.clone(),
        user.printed_name.clone(),
        user.role,
        centres,
        user.export_identified && user.role.is_clinical(),
    );
    Session { user, scope }
}

fn centre_from(v: &[Value]) -> Centre {
    Centre {
        id: v[0].as_int().unwrap_or(0),
        code: v[1].as_text().unwrap_or("").to_string(),
        name: v[2].as_text().unwrap_or("").to_string(),
        time_zone: v[3].as_text().unwrap_or("").to_string(),
        version: v[4].as_int().unwrap_or(0),
    }
}

/// Checks an IANA time zone name.
pub fn check_time_zone(tz: &str) -> Result<(), StoreError> {
    jiff::tz::TimeZone::get(tz)
        .map(|_| ())
        .map_err(|_| StoreError::Invalid {
            entity: "centres",
            field: "time_zone".into(),
            message: format!("'{tz}' is not an IANA time zone (e.g. Europe/Rome)"),
        })
}

impl Store {
    /// Creates a centre (right to manage centres).
    pub async fn create_centre(
        &self,
        scope: &Scope,
        code: &str,
        name: &str,
        time_zone: &str,
    ) -> Result<Centre, StoreError> {
        scope.require(Permission::ManageCentres)?;
        crate::folder::check_identifier(code).map_err(|m| StoreError::Invalid {
            entity: "centres",
            field: "code".into(),
            message: m,
        })?;
        check_time_zone(time_zone)?;
        let t = table("centres");
        let mut w = Writer::begin(self, scope.actor()).await?;
        let result = async {
            let id = next_id(&mut w.tx, t.name).await?;
            let row = vec![
                Value::int(id),
                Value::text(code),
                Value::text(name),
                Value::text(time_zone),
                Value::int(1),
                Value::int(0),
            ];
            insert_audited(&mut w, t, row.clone(), None)
                .await
                .map_err(|e| match e {
                    StoreError::Duplicate { .. } => StoreError::Duplicate {
                        entity: "centres",
                        key: format!("centre {code}"),
                    },
                    e => e,
                })?;
            Ok(centre_from(&row))
        }
        .await;
        finish(w, result).await
    }

    /// The centres the scope covers (every centre for the operator and for
    /// the right to manage centres).
    pub async fn list_centres(&self, scope: &Scope) -> Result<Vec<Centre>, StoreError> {
        let mut params = Vec::new();
        let cond = if scope.can(Permission::ManageCentres) {
            "1 = 1".to_string()
        } else {
            scope.centre_condition("id", &mut params)
        };
        let mut tx = self.pool.begin_read().await?;
        let rows = tx
            .fetch(
                &format!(
                    "SELECT id, code, name, time_zone, version FROM centres WHERE deleted = 0 AND {cond} ORDER BY code"
                ),
                &params,
                &[Ty::Int, Ty::Text, Ty::Text, Ty::Text, Ty::Int],
            )
            .await?;
        tx.rollback().await?;
        Ok(rows.iter().map(|r| centre_from(r)).collect())
    }

    /// A centre by code, among those [`Store::list_centres`] returns.
    pub async fn centre_by_code(&self, scope: &Scope, code: &str) -> Result<Centre, StoreError> {
        self.list_centres(scope)
            .await?
            .into_iter()
            .find(|c| c.code == code)
            .ok_or_else(|| StoreError::NotFound {
                entity: "centres",
                id: code.to_string(),
            })
    }

    /// Makes an account with the password its maker typed (right to manage
    /// users; an admin only within their own centres).
    pub async fn create_user(
        &self,
        scope: &Scope,
        new: &NewUser,
        password: &str,
    ) -> Result<User, StoreError> {
        scope.require(Permission::ManageUsers)?;
        check_username(&new.username)?;
        if new.printed_name.trim().is_empty() {
            return Err(invalid(
                "printed_name",
                "the printed name is required (it appears on every signature)",
            ));
        }
        check_password_policy(password, &new.username)?;
        for c in std::iter::once(&new.centre_id).chain(&new.granted) {
            if !scope.covers(*c) {
                return Err(StoreError::NotFound {
                    entity: "centres",
                    id: c.to_string(),
                });
            }
        }
        if new.export_identified && !new.role.is_clinical() {
            return Err(invalid(
                "export_identified",
                format!("the role {} never reads identifying data", new.role),
            ));
        }
        let hash = hash_password(password)?;
        let t = table("users");
        let mut w = Writer::begin(self, scope.actor()).await?;
        let result = async {
            let id = next_id(&mut w.tx, t.name).await?;
            let row = vec![
                Value::int(id),
                Value::text(&new.username),
                Value::text(new.printed_name.trim()),
                Value::text(new.role.as_str()),
                Value::int(new.centre_id),
                Value::text(&hash),
                Value::int(0),
                Value::Text(new.expires_at.map(format_instant)),
                Value::int(i64::from(new.export_identified)),
                Value::int(1),
                Value::int(0),
            ];
            insert_audited(&mut w, t, row.clone(), None)
                .await
                .map_err(|e| match e {
                    StoreError::Duplicate { .. } => StoreError::Duplicate {
                        entity: "users",
                        key: format!("user name {}", new.username),
                    },
                    StoreError::Invalid { .. } => StoreError::NotFound {
                        entity: "centres",
                        id: new.centre_id.to_string(),
                    },
                    e => e,
                })?;
            let mut granted = Vec::new();
            for c in &new.granted {
                if *c == new.centre_id || granted.contains(c) {
                    continue;
                }
                let gt = table("user_centres");
                let gid = next_id(&mut w.tx, gt.name).await?;
                insert_audited(
                    &mut w,
                    gt,
                    vec![
                        Value::int(gid),
                        Value::int(id),
                        Value::int(*c),
                        Value::int(1),
                        Value::int(0),
                    ],
                    None,
                )
                .await?;
                granted.push(*c);
            }
            granted.sort();
            user_from(&row, granted)
        }
        .await;
        finish(w, result).await
    }

    /// Every account within the caller's centres (right to manage users).
    pub async fn list_users(&self, scope: &Scope) -> Result<Vec<User>, StoreError> {
        scope.require(Permission::ManageUsers)?;
        let mut params = Vec::new();
        let cond = scope.centre_condition("centre_id", &mut params);
        let mut tx = self.pool.begin_read().await?;
        let rows = tx
            .fetch(
                &format!(
                    "SELECT {USER_COLS} FROM users WHERE deleted = 0 AND {cond} ORDER BY username"
                ),
                &params,
                &table("users").types(),
            )
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let g = granted_of(&mut tx, r[0].as_int().unwrap_or(0)).await?;
            out.push(user_from(&r, g)?);
        }
        tx.rollback().await?;
        Ok(out)
    }

    async fn user_row(
        &self,
        tx: &mut crate::db::Tx,
        scope: &Scope,
        username: &str,
    ) -> Result<Vec<Value>, StoreError> {
        let mut params = vec![Value::text(username)];
        let cond = scope.centre_condition("centre_id", &mut params);
        tx.fetch_optional(
            &format!(
                "SELECT {USER_COLS} FROM users WHERE username = $1 AND deleted = 0 AND {cond}"
            ),
            &params,
            &table("users").types(),
        )
        .await?
        .ok_or_else(|| StoreError::NotFound {
            entity: "users",
            id: username.to_string(),
        })
    }

    /// Disables an account (it can no longer sign in, sign or use tokens;
    /// its history stays). A reason is required.
    pub async fn disable_user(
        &self,
        scope: &Scope,
        username: &str,
        reason: &str,
    ) -> Result<User, StoreError> {
        self.change_user_checked(
            scope,
            username,
            &[("disabled", Value::int(1))],
            reason,
            action::UPDATE,
            |_| Ok(()),
            true,
        )
        .await
    }

    /// Changes an account's role (audited as a role change).
    pub async fn set_role(
        &self,
        scope: &Scope,
        username: &str,
        role: Role,
        reason: &str,
    ) -> Result<User, StoreError> {
        let mut changes = vec![("role", Value::text(role.as_str()))];
        if !role.is_clinical() {
            changes.push(("export_identified", Value::int(0)));
        }
        self.change_user(scope, username, &changes, reason, action::ROLE_CHANGE)
            .await
    }

    /// Sets another user's password (an administrator's reset; right to
    /// manage users). The new password follows the policy.
    pub async fn reset_password(
        &self,
        scope: &Scope,
        username: &str,
        password: &str,
        reason: &str,
    ) -> Result<User, StoreError> {
        check_password_policy(password, username)?;
        let hash = hash_password(password)?;
        self.change_user_checked(
            scope,
            username,
            &[("password_hash", Value::text(hash))],
            reason,
            action::PASSWORD_CHANGE,
            |_| Ok(()),
            true,
        )
        .await
    }

    async fn change_user(
        &self,
        scope: &Scope,
        username: &str,
        changes: &[(&str, Value)],
        reason: &str,
        act: &'static str,
    ) -> Result<User, StoreError> {
        self.change_user_checked(scope, username, changes, reason, act, |_| Ok(()), false)
            .await
    }

    /// [`Store::change_user`] with a rule on the account as it is now,
    /// checked in the same transaction as the change; `end_sessions` ends
    /// every web session of the account in that transaction (a password
    /// reset, a disabled account).
    #[allow(clippy::too_many_arguments)]
    async fn change_user_checked(
        &self,
        scope: &Scope,
        username: &str,
        changes: &[(&str, Value)],
        reason: &str,
        act: &'static str,
        check: impl Fn(&User) -> Result<(), StoreError>,
        end_sessions: bool,
    ) -> Result<User, StoreError> {
        scope.require(Permission::ManageUsers)?;
        let reason = require_reason(reason)?;
        let t = table("users");
        let mut w = Writer::begin(self, scope.actor()).await?;
        let result = async {
            let row = self.user_row(&mut w.tx, scope, username).await?;
            let id = row[0].as_int().unwrap_or(0);
            let ver = row[9].as_int().unwrap_or(0);
            let g = granted_of(&mut w.tx, id).await?;
            check(&user_from(&row, g)?)?;
            let new = update_audited(&mut w, t, scope, id, ver, changes, &reason, act).await?;
            if end_sessions {
                crate::sessions::end_sessions_in(&mut w.tx, id, None).await?;
            }
            let g = granted_of(&mut w.tx, id).await?;
            user_from(&new, g)
        }
        .await;
        finish(w, result).await
    }

    /// One account within the caller's centres (right to manage users).
    pub async fn user_by_name(&self, scope: &Scope, username: &str) -> Result<User, StoreError> {
        scope.require(Permission::ManageUsers)?;
        let mut tx = self.pool.begin_read().await?;
        let row = self.user_row(&mut tx, scope, username).await;
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                tx.rollback().await?;
                return Err(e);
            }
        };
        let g = granted_of(&mut tx, row[0].as_int().unwrap_or(0)).await?;
        tx.rollback().await?;
        user_from(&row, g)
    }

    /// Enables a disabled account again. A reason is required.
    pub async fn enable_user(
        &self,
        scope: &Scope,
        username: &str,
        reason: &str,
    ) -> Result<User, StoreError> {
        self.change_user(
            scope,
            username,
            &[("disabled", Value::int(0))],
            reason,
            action::UPDATE,
        )
        .await
    }

    /// Sets or removes an account's expiry (REDCap "expiration date",
    /// docs/reference/registry.md §1): from that instant the account can no
    /// longer sign in, and its sessions and API tokens stop working at their
    /// next request (an expiry in the past ends the account now). Audited
    /// old → new as a rights change; a reason is required.
    pub async fn set_expiry(
        &self,
        scope: &Scope,
        username: &str,
        expires_at: Option<Timestamp>,
        reason: &str,
    ) -> Result<User, StoreError> {
        self.change_user(
            scope,
            username,
            &[("expires_at", Value::Text(expires_at.map(format_instant)))],
            reason,
            action::ROLE_CHANGE,
        )
        .await
    }

    /// Grants or withdraws the separate right to export identifying data
    /// (audited as a rights change). Only clinical roles may hold it: the
    /// other roles never read identifying data (docs/reference/registry.md §5).
    pub async fn set_export_identified(
        &self,
        scope: &Scope,
        username: &str,
        on: bool,
        reason: &str,
    ) -> Result<User, StoreError> {
        self.change_user_checked(
            scope,
            username,
            &[("export_identified", Value::int(i64::from(on)))],
            reason,
            action::ROLE_CHANGE,
            |u| {
                if on && !u.role.is_clinical() {
                    Err(invalid(
                        "export_identified",
                        format!("the role {} never reads identifying data", u.role),
                    ))
                } else {
                    Ok(())
                }
            },
            false,
        )
        .await
    }

    /// Changes an account's home centre and the further centres granted
    /// (audited as a rights change; a grant withdrawn is a deletion state,
    /// a new one a new row). Every centre must be within the caller's.
    pub async fn set_user_centres(
        &self,
        scope: &Scope,
        username: &str,
        centre_id: i64,
        granted: &[i64],
        reason: &str,
    ) -> Result<User, StoreError> {
        scope.require(Permission::ManageUsers)?;
        let reason = require_reason(reason)?;
        for c in std::iter::once(&centre_id).chain(granted) {
            if !scope.covers(*c) {
                return Err(StoreError::NotFound {
                    entity: "centres",
                    id: c.to_string(),
                });
            }
        }
        let mut wanted: Vec<i64> = granted
            .iter()
            .copied()
            .filter(|c| *c != centre_id)
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let t = table("users");
        let gt = table("user_centres");
        let mut w = Writer::begin(self, scope.actor()).await?;
        let result = async {
            let row = self.user_row(&mut w.tx, scope, username).await?;
            let id = row[0].as_int().unwrap_or(0);
            let ver = row[9].as_int().unwrap_or(0);
            let new = update_audited(
                &mut w,
                t,
                scope,
                id,
                ver,
                &[("centre_id", Value::int(centre_id))],
                &reason,
                action::ROLE_CHANGE,
            )
            .await
            .map_err(|e| match e {
                StoreError::Invalid { .. } => StoreError::NotFound {
                    entity: "centres",
                    id: centre_id.to_string(),
                },
                e => e,
            })?;
            let all = Scope::operator("-");
            let rows = w
                .tx
                .fetch(
                    "SELECT id, centre_id, version FROM user_centres WHERE user_id = $1 AND deleted = 0 ORDER BY id",
                    &[Value::int(id)],
                    &[Ty::Int, Ty::Int, Ty::Int],
                )
                .await?;
            let mut have = Vec::new();
            for r in &rows {
                let (gid, c, v) = (
                    r[0].as_int().unwrap_or(0),
                    r[1].as_int().unwrap_or(0),
                    r[2].as_int().unwrap_or(0),
                );
                if wanted.contains(&c) {
                    have.push(c);
                } else {
                    update_audited(
                        &mut w,
                        gt,
                        &all,
                        gid,
                        v,
                        &[("deleted", Value::int(1))],
                        &reason,
                        action::ROLE_CHANGE,
                    )
                    .await?;
                }
            }
            for c in wanted.iter().filter(|c| !have.contains(c)) {
                let gid = next_id(&mut w.tx, gt.name).await?;
                insert_audited(
                    &mut w,
                    gt,
                    vec![
                        Value::int(gid),
                        Value::int(id),
                        Value::int(*c),
                        Value::int(1),
                        Value::int(0),
                    ],
                    Some(reason.clone()),
                )
                .await
                .map_err(|e| match e {
                    StoreError::Invalid { .. } => StoreError::NotFound {
                        entity: "centres",
                        id: c.to_string(),
                    },
                    e => e,
                })?;
            }
            user_from(&new, wanted.clone())
        }
        .await;
        finish(w, result).await
    }

    /// Changes one's own password: the current one must be given, and the
    /// new one must differ from it (an initial password set by someone
    /// else must not become the long-term one, ASVS 4.0.3 section 2.3.1). Every web
    /// session of the user ends, in the same transaction.
    pub async fn change_own_password(
        &self,
        scope: &Scope,
        current: &str,
        new_password: &str,
    ) -> Result<(), StoreError> {
        self.change_own_password_keeping(scope, current, new_password, None)
            .await
    }

    /// [`Store::change_own_password`] from a web session: every other
    /// session of the user ends, `keep` (the session the change was made
    /// in) stays and may now do everything the user's role may.
    pub async fn change_own_password_keeping(
        &self,
        scope: &Scope,
        current: &str,
        new_password: &str,
        keep: Option<&str>,
    ) -> Result<(), StoreError> {
        let Actor::User { id, username, .. } = scope.actor().clone() else {
            return Err(StoreError::Forbidden("the operator has no password".into()));
        };
        check_password_policy(new_password, &username)?;
        if new_password == current {
            return Err(invalid(
                "new_password",
                "the new password must differ from the current one",
            ));
        }
        let hash = hash_password(new_password)?;
        let t = table("users");
        let mut w = Writer::begin(self, scope.actor()).await?;
        let result = async {
            if recheck_password(&mut w, id, current, "to change the password").await?
                != Recheck::Right
            {
                return Ok(Err(StoreError::AuthenticationFailed));
            }
            let all = Scope::operator("-");
            let row = fetch_row(&mut w.tx, t, &all, id)
                .await?
                .ok_or(StoreError::AuthenticationFailed)?;
            update_audited(
                &mut w,
                t,
                &all,
                id,
                row[9].as_int().unwrap_or(0),
                &[("password_hash", Value::text(hash))],
                "changed by the user",
                action::PASSWORD_CHANGE,
            )
            .await?;
            let keep = keep.map(sha256_hex);
            crate::sessions::end_sessions_in(&mut w.tx, id, keep.as_deref()).await?;
            if let Some(k) = &keep {
                w.tx.execute(
                    "UPDATE sessions SET password_change_required = 0 WHERE id_sha256 = $1 AND user_id = $2",
                    &[Value::text(k), Value::int(id)],
                )
                .await?;
            }
            Ok(Ok(()))
        }
        .await;
        // A wrong current password is an answer to commit (its audit
        // record counts towards the throttle), not a failure to roll back.
        finish(w, result).await?
    }

    /// Signs a user in. Every attempt is audited; after
    /// [`MAX_FAILURES_PER_ACCOUNT`] failures of an account, or
    /// [`MAX_FAILURES_PER_ADDRESS`] from an address, within
    /// [`THROTTLE_WINDOW_S`], attempts are refused until the window passes.
    /// Failures all give the same [`StoreError::AuthenticationFailed`].
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        address: &str,
    ) -> Result<Session, StoreError> {
        let now = Timestamp::now();
        let since = format_instant(
            now.checked_sub(jiff::SignedDuration::from_secs(THROTTLE_WINDOW_S))
                .unwrap_or(now),
        );
        let all = Scope::operator("-");
        let mut tx = self.pool.begin_read().await?;
        let row = self.user_row(&mut tx, &all, username).await.ok();
        let id = row.as_ref().and_then(|r| r[0].as_int());
        let address_json = serde_json::Value::String(address.to_string()).to_string();
        let by_address = tx
            .fetch(
                "SELECT COUNT(*) FROM audit WHERE action = $1 AND at >= $2 AND field = 'address' AND new_value = $3",
                &[Value::text(action::LOGIN_FAILED), Value::text(&since), Value::text(&address_json)],
                &[Ty::Int],
            )
            .await?[0][0]
            .as_int()
            .unwrap_or(0);
        let by_account = match id {
            Some(id) => account_failures(&mut tx, id, now).await?,
            None => 0,
        };
        let origin = match id {
            Some(id) => Some(crate::sessions::password_origin(&mut tx, id).await?),
            None => None,
        };
        let granted = match id {
            Some(id) => granted_of(&mut tx, id).await?,
            None => Vec::new(),
        };
        tx.rollback().await?;
        let cause = match &row {
            _ if by_address >= MAX_FAILURES_PER_ADDRESS => Some("address throttled"),
            _ if by_account >= MAX_FAILURES_PER_ACCOUNT => {
                Some("account locked for the throttling window")
            }
            None => {
                verify_password(password, &DUMMY_HASH);
                Some("unknown user name")
            }
            Some(r) => {
                let ok = verify_password(password, r[5].as_text().unwrap_or(""));
                if !ok {
                    Some("wrong password")
                } else if r[6].as_int() == Some(1) {
                    Some("account disabled")
                } else if expired(r[7].as_text(), now) {
                    Some("account expired")
                } else if origin.is_some_and(|o| o.initial_expired(now)) {
                    Some("initial password expired")
                } else {
                    None
                }
            }
        };
        if let Some(cause) = cause {
            let anonymous = Actor::Anonymous {
                attempt: format!("'{username}' from {address}"),
            };
            let mut w = Writer::begin(self, &anonymous).await?;
            w.record(Event {
                action: action::LOGIN_FAILED,
                entity: Some("users"),
                entity_id: id,
                field: Some("address".into()),
                new_value: Some(address_json),
                reason: Some(cause.into()),
                ..Event::default()
            })
            .await?;
            w.commit().await?;
            return Err(StoreError::AuthenticationFailed);
        }
        let session = session_of(user_from(&row.expect("checked above"), granted)?);
        let mut w = Writer::begin(self, session.scope.actor()).await?;
        w.record(Event {
            action: action::LOGIN,
            entity: Some("users"),
            entity_id: id,
            field: Some("address".into()),
            new_value: Some(address_json),
            ..Event::default()
        })
        .await?;
        w.commit().await?;
        Ok(session)
    }

    /// Records a sign-out.
    pub async fn logout(&self, scope: &Scope) -> Result<(), StoreError> {
        let mut w = Writer::begin(self, scope.actor()).await?;
        w.record(Event {
            action: action::LOGOUT,
            entity: Some("users"),
            entity_id: scope.actor().user_id(),
            ..Event::default()
        })
        .await?;
        w.commit().await
    }

    /// A signed-in user's scope, re-read from the database (for every
    /// request of a session: a disabled, expired or changed account takes
    /// effect at once).
    pub async fn scope_for_user(&self, user_id: i64) -> Result<Session, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let row = tx
            .fetch_optional(
                &format!("SELECT {USER_COLS} FROM users WHERE id = $1 AND deleted = 0"),
                &[Value::int(user_id)],
                &table("users").types(),
            )
            .await?;
        let Some(r) = row else {
            tx.rollback().await?;
            return Err(StoreError::AuthenticationFailed);
        };
        let g = granted_of(&mut tx, user_id).await?;
        tx.rollback().await?;
        if r[6].as_int() == Some(1) || expired(r[7].as_text(), Timestamp::now()) {
            return Err(StoreError::AuthenticationFailed);
        }
        Ok(session_of(user_from(&r, g)?))
    }

    /// Creates an API token for the caller; returns it with its secret,
    /// shown this once (only its SHA-256 is stored). The token carries the
    /// user's rights.
    pub async fn create_token(
        &self,
        scope: &Scope,
        name: &str,
        expires_at: Option<Timestamp>,
    ) -> Result<(ApiToken, String), StoreError> {
        let Some(user_id) = scope.actor().user_id() else {
            return Err(StoreError::Forbidden("tokens belong to users".into()));
        };
        let secret = format!("mibg_{}", hex(&random_bytes::<32>()?));
        let t = table("api_tokens");
        let mut w = Writer::begin(self, scope.actor()).await?;
        let result = async {
            let id = next_id(&mut w.tx, t.name).await?;
            let row = vec![
                Value::int(id),
                Value::int(user_id),
                Value::text(name),
                Value::text(sha256_hex(&secret)),
                Value::text(&w.at),
                Value::Text(expires_at.map(format_instant)),
                Value::int(1),
                Value::int(0),
            ];
            insert_audited(&mut w, t, row.clone(), None).await?;
            Ok(ApiToken {
                id,
                user_id,
                name: name.to_string(),
                created_at: w.at.clone(),
                expires_at: expires_at.map(format_instant),
                revoked: false,
            })
        }
        .await;
        finish(w, result).await.map(|t| (t, secret))
    }

    /// The caller's own API tokens, newest first, revoked ones included
    /// (their secrets are never stored, so never shown).
    pub async fn list_tokens(&self, scope: &Scope) -> Result<Vec<ApiToken>, StoreError> {
        let Some(user_id) = scope.actor().user_id() else {
            return Err(StoreError::Forbidden("tokens belong to users".into()));
        };
        let mut tx = self.pool.begin_read().await?;
        let rows = tx
            .fetch(
                "SELECT id, name, created_at, expires_at, deleted FROM api_tokens WHERE user_id = $1 ORDER BY id DESC",
                &[Value::int(user_id)],
                &[Ty::Int, Ty::Text, Ty::Text, Ty::Text, Ty::Int],
            )
            .await?;
        tx.rollback().await?;
        Ok(rows
            .iter()
            .map(|r| ApiToken {
                id: r[0].as_int().unwrap_or(0),
                user_id,
                name: r[1].as_text().unwrap_or("").to_string(),
                created_at: r[2].as_text().unwrap_or("").to_string(),
                expires_at: r[3].as_text().map(str::to_string),
                revoked: r[4].as_int() == Some(1),
            })
            .collect())
    }

    /// Revokes one of the caller's tokens.
    pub async fn revoke_token(
        &self,
        scope: &Scope,
        token_id: i64,
        reason: &str,
    ) -> Result<(), StoreError> {
        let reason = require_reason(reason)?;
        let Some(user_id) = scope.actor().user_id() else {
            return Err(StoreError::Forbidden("tokens belong to users".into()));
        };
        let t = table("api_tokens");
        let mut w = Writer::begin(self, scope.actor()).await?;
        let result = async {
            let all = Scope::operator("-");
            let row = fetch_row(&mut w.tx, t, &all, token_id)
                .await?
                .filter(|r| r[1].as_int() == Some(user_id))
                .ok_or_else(|| StoreError::NotFound {
                    entity: "api_tokens",
                    id: token_id.to_string(),
                })?;
            update_audited(
                &mut w,
                t,
                &all,
                token_id,
                row[6].as_int().unwrap_or(0),
                &[("deleted", Value::int(1))],
                &reason,
                action::DELETE,
            )
            .await?;
            Ok(())
        }
        .await;
        finish(w, result).await
    }

    /// The scope of an API token's user (refused when the token is unknown,
    /// revoked or expired, or the user disabled or expired). A token of a
    /// user whose password was set by someone else and not changed yet is
    /// refused with [`StoreError::PasswordChangeRequired`]
    /// (`crate::sessions`: until then the user's rights are only to change
    /// the password).
    pub async fn scope_for_token(&self, token: &str) -> Result<Session, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let row = tx
            .fetch_optional(
                "SELECT user_id, expires_at FROM api_tokens WHERE token_sha256 = $1 AND deleted = 0",
                &[Value::text(sha256_hex(token))],
                &[Ty::Int, Ty::Text],
            )
            .await?;
        let user = match row {
            Some(r) if !expired(r[1].as_text(), Timestamp::now()) => r[0].as_int().unwrap_or(0),
            _ => {
                tx.rollback().await?;
                return Err(StoreError::AuthenticationFailed);
            }
        };
        let must_change = crate::sessions::password_set_by_another(&mut tx, user).await;
        tx.rollback().await?;
        let session = self.scope_for_user(user).await?;
        if must_change? {
            return Err(StoreError::PasswordChangeRequired);
        }
        Ok(session)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub(crate) async fn finish<T>(w: Writer, r: Result<T, StoreError>) -> Result<T, StoreError> {
    match r {
        Ok(x) => {
            w.commit().await?;
            Ok(x)
        }
        Err(e) => {
            w.rollback().await?;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_policy() {
        assert!(check_password_policy("short", "u").is_err());
        assert!(check_password_policy("elevenchars", "u").is_err());
        // In the common list (and ≥ 12 characters).
        assert!(COMMON.contains("qwertyuiop123") || COMMON.iter().any(|p| p.len() >= 12));
        let common12 = COMMON.iter().find(|p| p.chars().count() >= 12).unwrap();
        assert!(check_password_policy(common12, "u").is_err());
        assert!(check_password_policy(&common12.to_uppercase(), "u").is_err());
        assert!(check_password_policy("alice.martin.rome", "alice.martin.rome").is_err());
        assert!(check_password_policy(&"x".repeat(129), "u").is_err());
        assert!(check_password_policy("correct horse battery staple", "u").is_ok());
        assert_eq!(COMMON.len(), 19_640);
    }

    #[test]
    fn argon2id_hashes_verify_and_carry_the_owasp_parameters() {
        let h = hash_password("correct horse battery staple").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery staple", &h));
        assert!(!verify_password("correct horse battery stapl", &h));
        assert_ne!(
            h,
            hash_password("correct horse battery staple").unwrap(),
            "salted"
        );
    }
}
