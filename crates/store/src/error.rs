//! What can go wrong in the store. Messages are for users: they name the
//! record and the rule, never SQL; database details stay in
//! [`StoreError::Database`], which a front end logs and does not show.

use std::collections::BTreeMap;

/// The current values of a record, returned with a refused stale write so
/// that the user sees what changed under them.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CurrentRecord {
    /// Table.
    pub entity: &'static str,
    /// Record id.
    pub id: i64,
    /// Current version.
    pub version: i64,
    /// Current values, by column.
    pub values: BTreeMap<String, serde_json::Value>,
}

/// An error of the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database file does not exist (and was not to be created).
    #[error("{location}: no such database (create it with `mibg db init --db {location}`)")]
    NoDatabase {
        /// Where.
        location: String,
    },
    /// The database could not be opened or reached.
    #[error("cannot open the database {location}: {message}")]
    Connect {
        /// Where (password masked).
        location: String,
        /// Driver message.
        message: String,
    },
    /// The database has no mibg schema, or an older one.
    #[error(
        "the database is not initialised or its schema is out of date (schema {found}, this mibg needs {needed}): run `mibg db init`"
    )]
    SchemaOutOfDate {
        /// Schema version found.
        found: i64,
        /// Schema version this build needs.
        needed: i64,
    },
    /// The database was migrated by a newer mibg, or a migration was changed.
    #[error("the database schema does not match this mibg: {0}")]
    SchemaMismatch(String),
    /// The record does not exist, or not within the caller's centres (the
    /// two are deliberately indistinguishable).
    #[error("{entity} {id} not found")]
    NotFound {
        /// Table.
        entity: &'static str,
        /// The id or key asked for.
        id: String,
    },
    /// The caller's role does not allow this act.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// A stale write: the record changed since the caller read it.
    #[error("{} {} was changed by someone else (now version {}, you edited version {expected}); nothing was saved — review the current values and try again", current.entity, current.id, current.version)]
    Conflict {
        /// The version the caller edited.
        expected: i64,
        /// The record as it is now.
        current: Box<CurrentRecord>,
    },
    /// A change to saved data without a reason.
    #[error("a reason is required to change or delete saved data (21 CFR 11.10(e), ICH E6(R3))")]
    ReasonRequired,
    /// A value breaks a rule of the store.
    #[error("{entity}.{field}: {message}")]
    Invalid {
        /// Table (or "user", "password", …).
        entity: &'static str,
        /// Field.
        field: String,
        /// The rule broken.
        message: String,
    },
    /// A unique key already exists.
    #[error("{entity}: {key} already exists")]
    Duplicate {
        /// Table.
        entity: &'static str,
        /// The key.
        key: String,
    },
    /// Authentication failed. Deliberately generic (ASVS 2.2): the cause is
    /// in the audit trail, not in the message.
    #[error("sign-in failed: unknown user, wrong password, or account disabled, expired or locked")]
    AuthenticationFailed,
    /// The account's password was set by someone else (a new account or a
    /// reset) and must be changed by its user first (ASVS 4.0.3 section 2.3.1):
    /// nothing else is allowed, API tokens included.
    #[error(
        "the password of this account was set by someone else and must be changed first: sign in to the web application and choose a new password"
    )]
    PasswordChangeRequired,
    /// A signature rule is broken (e.g. the author approving their own
    /// prescription).
    #[error("signature refused: {0}")]
    Signature(String),
    /// The study folder is not valid: every problem, exactly as the study
    /// crate's validation (`mibg study validate`) lists them.
    #[error("the study is not valid ({} error(s)):\n  {}", .0.errors.len(), .0.errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n  "))]
    InvalidStudy(Box<mibg_study::Problems>),
    /// An import or restore was refused; every problem is listed.
    #[error("{}", .0.join("\n"))]
    Refused(Vec<String>),
    /// A database error (details for the log, not for the user).
    #[error("database error: {0}")]
    Database(String),
    /// A stored value could not be read back (corrupt or tampered row).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// File input/output (backup, restore).
    #[error("{path}: {message}")]
    Io {
        /// Path.
        path: String,
        /// What failed.
        message: String,
    },
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

impl StoreError {
    /// True for a unique-constraint violation from the database.
    pub(crate) fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(m) if m.contains("UNIQUE constraint failed") || m.contains("duplicate key value"))
    }
    /// True for a foreign-key violation from the database.
    pub(crate) fn is_foreign_key_violation(&self) -> bool {
        matches!(self, StoreError::Database(m) if m.contains("FOREIGN KEY constraint failed") || m.contains("violates foreign key constraint"))
    }
}
