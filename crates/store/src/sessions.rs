//! Server-side sessions of the web application, in the database
//! (docs/reference/registry.md §7; OWASP ASVS 4.0.3 chapter 3), and the forced change of an
//! initial password (ASVS 4.0.3 section 2.3.1).
//!
//! * A session id is 256 random bits (ASVS 3.2.2 asks for ≥ 64 bits of
//!   entropy) shown once to the browser; the table `sessions` (migration 3)
//!   holds only its SHA-256, the user, the CSRF token of its forms, the
//!   instants it was created and last seen, and whether it may only change
//!   its password. A copy of the database therefore holds no usable session.
//! * A session ends when idle for longer than the idle timeout or older than
//!   the absolute lifetime ([`SessionLimits`], the web application's
//!   configuration); an expired session is removed when it is next
//!   presented and every expired one at each sign-in. It is removed at
//!   sign-out, when its user changes the password (every other session of
//!   the user), when an administrator resets the password or disables the
//!   account (every session of the user; in the transaction of that change,
//!   so `mibg user disable` ends them too).
//! * Sessions are not records: no audit record, no version, not in a
//!   logical backup; the sign-in and the sign-out are audited.
//! * **Initial passwords.** A password that someone other than the account's
//!   user set — `mibg user add` (the operator), an administrator's new
//!   account or password reset — must be changed at the first sign-in before
//!   anything else (ASVS 4.0.3 section 2.3.1: an initial password must not become
//!   the long-term one; docs/reference/registry.md §7 asks for ASVS level 2). Who set the
//!   password last is read from the audit trail (the latest `create` or
//!   `password_change` record of the account): the one place that already
//!   records it, append-only and hash-chained. API tokens of such an account
//!   are refused until the password is changed ([`Store::scope_for_token`]):
//!   a token carries the user's rights, and until the change those are only
//!   "change the password" (whoever knows the initial password could
//!   otherwise make a token with `mibg user token create`).
//! * An initial password expires: [`crate::auth::INITIAL_PASSWORD_VALIDITY_H`]
//!   after it was set, sign-in with it is refused (ASVS 4.0.3 section 2.3.1: initial
//!   secrets "expire after a short period of time"); an administrator
//!   sets a new one (`mibg user reset-password`, or the admin page).

use crate::Store;
use crate::audit::{action, format_instant};
use crate::db::{Tx, Ty, Value};
use crate::error::StoreError;
use crate::schema::sha256_hex;
use jiff::{SignedDuration, Timestamp};
use std::time::Duration;

/// How long a session lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionLimits {
    /// Idle timeout: a session not seen for this long has ended
    /// (docs/reference/registry.md §7: "e.g. 30 min").
    pub idle: Duration,
    /// Absolute lifetime: a session this old has ended, however busy.
    pub absolute: Duration,
}

/// The last-seen instant is written at most once a minute (or a tenth of
/// the idle timeout, if shorter): a write per request would serialise every
/// request behind the writers on SQLite. The idle timeout is then exact to
/// within that interval \[I\].
pub const TOUCH_AT_MOST_EVERY: Duration = Duration::from_secs(60);

/// One live session, as the database has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebSession {
    /// The user (the scope is re-read from the store on every request, so
    /// a disabled account stops at once).
    pub user_id: i64,
    /// The CSRF token of every form of this session.
    pub csrf: String,
    /// The session may only change its password (an initial or reset one).
    pub password_change_required: bool,
}

/// 32 random bytes as lower-case hex (256 bits).
pub fn random_secret() -> Result<String, StoreError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| StoreError::Database(format!("no randomness: {e}")))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

fn ago(now: Timestamp, d: Duration) -> String {
    let d = SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX);
    format_instant(now.checked_sub(d).unwrap_or(Timestamp::MIN))
}

fn parse(t: Option<&str>) -> Option<Timestamp> {
    t.and_then(|s| s.parse::<Timestamp>().ok())
}

/// Who set the current password of an account, as its audit trail says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PasswordOrigin {
    /// The user, by changing it.
    Own,
    /// Someone else (an initial password: `mibg user add`, an
    /// administrator's new account or reset) at `set_at`, or a setting the
    /// trail does not record at all (`None`: deny by default, a change is
    /// required).
    Initial { set_at: Option<Timestamp> },
}

impl PasswordOrigin {
    /// An initial password set longer ago than
    /// [`crate::auth::INITIAL_PASSWORD_VALIDITY_H`] (at `now`): refused at
    /// sign-in (ASVS 4.0.3 section 2.3.1). An unrecorded setting has no age and
    /// does not expire (it still must be changed).
    pub(crate) fn initial_expired(self, now: Timestamp) -> bool {
        match self {
            PasswordOrigin::Initial { set_at: Some(at) } => {
                now.duration_since(at)
                    >= SignedDuration::from_hours(crate::auth::INITIAL_PASSWORD_VALIDITY_H)
            }
            _ => false,
        }
    }
}

/// Who set the password of `user_id` last: the latest `create` or
/// `password_change` record of the account in the audit trail.
pub(crate) async fn password_origin(
    tx: &mut Tx,
    user_id: i64,
) -> Result<PasswordOrigin, StoreError> {
    let r = tx
        .fetch_optional(
            "SELECT user_id, at FROM audit WHERE entity = 'users' AND entity_id = $1 AND action IN ($2, $3) ORDER BY seq DESC LIMIT 1",
            &[
                Value::int(user_id),
                Value::text(action::CREATE),
                Value::text(action::PASSWORD_CHANGE),
            ],
            &[Ty::Int, Ty::Text],
        )
        .await?;
    Ok(match r {
        Some(r) if r[0].as_int() == Some(user_id) => PasswordOrigin::Own,
        Some(r) => PasswordOrigin::Initial {
            set_at: parse(r[1].as_text()),
        },
        None => PasswordOrigin::Initial { set_at: None },
    })
}

/// Whether the password of `user_id` was last set by someone else (or its
/// setting is not recorded at all: deny by default).
pub(crate) async fn password_set_by_another(tx: &mut Tx, user_id: i64) -> Result<bool, StoreError> {
    Ok(password_origin(tx, user_id).await? != PasswordOrigin::Own)
}

/// Removes the sessions of a user, but `keep` (an id's SHA-256), in the
/// caller's transaction.
pub(crate) async fn end_sessions_in(
    tx: &mut Tx,
    user_id: i64,
    keep_sha256: Option<&str>,
) -> Result<u64, StoreError> {
    match keep_sha256 {
        Some(k) => {
            tx.execute(
                "DELETE FROM sessions WHERE user_id = $1 AND id_sha256 <> $2",
                &[Value::int(user_id), Value::text(k)],
            )
            .await
        }
        None => {
            tx.execute(
                "DELETE FROM sessions WHERE user_id = $1",
                &[Value::int(user_id)],
            )
            .await
        }
    }
}

impl Store {
    /// Starts a session for a user who has just signed in ([`Store::login`]):
    /// always a new id, returned once (only its SHA-256 is stored). Expired
    /// sessions of every user are removed first. The session may only
    /// change the password when the current one was set by someone else.
    pub async fn start_session(
        &self,
        session: &crate::Session,
        limits: SessionLimits,
    ) -> Result<(String, WebSession), StoreError> {
        let id = random_secret()?;
        let data = WebSession {
            user_id: session.user.id,
            csrf: random_secret()?,
            password_change_required: false,
        };
        let now = Timestamp::now();
        let mut tx = self.pool.begin_write().await?;
        let r = async {
            purge(&mut tx, now, limits).await?;
            let required = password_set_by_another(&mut tx, data.user_id).await?;
            let at = format_instant(now);
            tx.execute(
                "INSERT INTO sessions (id_sha256, user_id, csrf, created_at, last_seen_at, password_change_required) VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    Value::text(sha256_hex(&id)),
                    Value::int(data.user_id),
                    Value::text(&data.csrf),
                    Value::text(&at),
                    Value::text(&at),
                    Value::int(i64::from(required)),
                ],
            )
            .await?;
            Ok(required)
        }
        .await;
        match r {
            Ok(required) => {
                tx.commit().await?;
                Ok((
                    id,
                    WebSession {
                        password_change_required: required,
                        ..data
                    },
                ))
            }
            Err(e) => {
                tx.rollback().await?;
                Err(e)
            }
        }
    }

    /// The live session of an id, if any; an expired one is removed. Its
    /// last-seen instant is moved on (at most every
    /// [`TOUCH_AT_MOST_EVERY`]).
    pub async fn resume_session(
        &self,
        id: &str,
        limits: SessionLimits,
    ) -> Result<Option<WebSession>, StoreError> {
        if id.is_empty() {
            return Ok(None);
        }
        let key = sha256_hex(id);
        let now = Timestamp::now();
        let mut tx = self.pool.begin_read().await?;
        let row = tx
            .fetch_optional(
                "SELECT user_id, csrf, created_at, last_seen_at, password_change_required FROM sessions WHERE id_sha256 = $1",
                &[Value::text(&key)],
                &[Ty::Int, Ty::Text, Ty::Text, Ty::Text, Ty::Int],
            )
            .await?;
        tx.rollback().await?;
        let Some(r) = row else { return Ok(None) };
        let (created, seen) = (parse(r[2].as_text()), parse(r[3].as_text()));
        let age = |t: Option<Timestamp>| {
            t.map(|t| now.duration_since(t))
                .and_then(|d| Duration::try_from(d).ok())
        };
        let live = matches!((age(created), age(seen)), (Some(c), Some(s)) if c < limits.absolute && s < limits.idle);
        if !live {
            self.end_session(id).await?;
            return Ok(None);
        }
        let every = TOUCH_AT_MOST_EVERY.min(limits.idle / 10);
        if age(seen).is_none_or(|s| s >= every) {
            let mut tx = self.pool.begin_write().await?;
            tx.execute(
                "UPDATE sessions SET last_seen_at = $1 WHERE id_sha256 = $2",
                &[Value::text(format_instant(now)), Value::text(&key)],
            )
            .await?;
            tx.commit().await?;
        }
        Ok(Some(WebSession {
            user_id: r[0].as_int().unwrap_or(0),
            csrf: r[1].as_text().unwrap_or("").to_string(),
            password_change_required: r[4].as_int() != Some(0),
        }))
    }

    /// Ends a session (sign-out).
    pub async fn end_session(&self, id: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_write().await?;
        tx.execute(
            "DELETE FROM sessions WHERE id_sha256 = $1",
            &[Value::text(sha256_hex(id))],
        )
        .await?;
        tx.commit().await
    }

    /// How many sessions of a user exist (live or not yet purged).
    pub async fn session_count(&self, user_id: i64) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let n = tx
            .fetch(
                "SELECT COUNT(*) FROM sessions WHERE user_id = $1",
                &[Value::int(user_id)],
                &[Ty::Int],
            )
            .await?[0][0]
            .as_int()
            .unwrap_or(0);
        tx.rollback().await?;
        Ok(n)
    }

    /// Whether the current password of a user was set by someone else (an
    /// initial or reset password that must be changed before anything
    /// else).
    pub async fn password_change_required(&self, user_id: i64) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let r = password_set_by_another(&mut tx, user_id).await;
        tx.rollback().await?;
        r
    }

    /// Makes a session older (tests of the timeouts, without waiting).
    #[doc(hidden)]
    pub async fn age_session(&self, id: &str, by: Duration) -> Result<(), StoreError> {
        let key = sha256_hex(id);
        let mut tx = self.pool.begin_write().await?;
        let r = tx
            .fetch_optional(
                "SELECT created_at, last_seen_at FROM sessions WHERE id_sha256 = $1",
                &[Value::text(&key)],
                &[Ty::Text, Ty::Text],
            )
            .await?;
        if let Some(r) = r
            && let (Some(c), Some(s)) = (parse(r[0].as_text()), parse(r[1].as_text()))
        {
            tx.execute(
                "UPDATE sessions SET created_at = $1, last_seen_at = $2 WHERE id_sha256 = $3",
                &[
                    Value::text(ago(c, by)),
                    Value::text(ago(s, by)),
                    Value::text(&key),
                ],
            )
            .await?;
        }
        tx.commit().await
    }
}

async fn purge(tx: &mut Tx, now: Timestamp, limits: SessionLimits) -> Result<u64, StoreError> {
    tx.execute(
        "DELETE FROM sessions WHERE last_seen_at <= $1 OR created_at <= $2",
        &[
            Value::text(ago(now, limits.idle)),
            Value::text(ago(now, limits.absolute)),
        ],
    )
    .await
}
