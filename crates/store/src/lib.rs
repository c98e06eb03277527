//! The registry store of mibg: centres, users, patients, courses and every
//! clinical record of a course of 131I-mIBG therapy, on embedded SQLite (the
//! default: one file) or PostgreSQL (several centres), with the same schema
//! and the same code on both.
//!
//! What the store guarantees (docs/reference/registry.md §1–§7; ARCHITECTURE.md lists
//! them as invariants):
//!
//! * **No query without an access scope.** Every public function that
//!   reads or writes clinical rows takes a [`Scope`] (user, role, centres)
//!   and filters by its centres in the SQL itself; a record of another
//!   centre is "not found", whatever its id.
//! * **No change without its audit record**, written in the same
//!   transaction: who, when (UTC), entity, id, field, old → new, and a
//!   reason for every change to saved data. Deletion is a state. Audit rows
//!   are never updated or deleted, and chain by SHA-256;
//!   [`Store::verify_audit`] detects a change made behind the application.
//! * **No lost update.** Every record has a version; a write based on an
//!   older version is refused with the current values
//!   ([`StoreError::Conflict`]).
//! * **Signatures bind to content.** A signature carries the SHA-256 of the
//!   canonical content of the version it signs; a change voids it, visibly.
//!   A prescription's author cannot approve it.
//!
//! The API is async (sqlx); a command-line caller runs it on a
//! current-thread tokio runtime.

pub mod audit;
pub mod auth;
pub mod backup;
pub mod clinical;
pub mod course;
mod db;
pub mod dosimetry;
pub mod enrol;
mod error;
pub mod folder;
pub mod followup;
pub mod melphalan;
pub mod records;
pub mod schema;
pub mod scope;
pub mod sessions;
pub mod sign;
pub mod testing;
pub mod therapies;

pub use audit::{AuditRecord, Verification};
pub use auth::{ApiToken, Centre, NewUser, Session, User};
pub use db::{Backend, Location, Ty, Value};
pub use dosimetry::{CourseAssessment, DosimetryOutcome};
pub use error::{CurrentRecord, StoreError};
pub use records::{
    AdverseEvent, Assessment, AssessmentKind, Course, CourseSource, DeathCause, DosimetryResult,
    FollowUp, FollowUpEvent, Identity, Infusion, Lab, Melphalan, Patient, Prescription, Reading,
    Record, Sex, StemCells, Stored, Therapy, ThyroidAssessment, Transfusion,
};
pub use scope::{Actor, Area, Centres, Permission, Role, Scope};
pub use sessions::{SessionLimits, WebSession};
pub use sign::{Meaning, SignOff, Signature};

/// The default database of `mibg db init` and every `--db` option: a
/// SQLite file in the current folder.
pub const DEFAULT_DATABASE: &str = "mibg.sqlite";

/// The software version recorded with stored results and in backups.
pub const SOFTWARE_VERSION: &str = concat!("mibg ", env!("CARGO_PKG_VERSION"));

/// An open registry.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: db::Pool,
    location: Location,
}

impl Store {
    /// Creates the database if needed (a SQLite file; a PostgreSQL database
    /// must exist) and applies every pending migration. Returns the store
    /// and the migration versions applied (empty when already current).
    pub async fn init(location: &Location) -> Result<(Store, Vec<i64>), StoreError> {
        if let Location::Sqlite(p) = location
            && let Some(dir) = p.parent()
            && !dir.as_os_str().is_empty()
            && !dir.is_dir()
        {
            return Err(StoreError::Io {
                path: dir.display().to_string(),
                message: "no such folder".into(),
            });
        }
        let pool = db::Pool::connect(location, true).await?;
        let mut tx = pool.begin_write().await?;
        let applied = schema::migrate(&mut tx, &audit::now_utc()).await?;
        tx.commit().await?;
        Ok((
            Store {
                pool,
                location: location.clone(),
            },
            applied,
        ))
    }

    /// Opens an existing, current database (never creates one).
    pub async fn open(location: &Location) -> Result<Store, StoreError> {
        let pool = db::Pool::connect(location, false).await?;
        let mut tx = pool.begin_read().await?;
        let r = schema::check_current(&mut tx).await;
        tx.rollback().await?;
        r?;
        Ok(Store {
            pool,
            location: location.clone(),
        })
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.pool.backend()
    }

    /// Where the store is.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Closes every connection (a SQLite file is checkpointed).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Row counts of every table (for `mibg db init` and tests), without
    /// reading any row: the operator's overview.
    pub async fn counts(&self, scope: &Scope) -> Result<Vec<(&'static str, i64)>, StoreError> {
        if *scope.centres() != Centres::All {
            return Err(StoreError::Forbidden(
                "counts cover every centre: operator only".into(),
            ));
        }
        let mut tx = self.pool.begin_read().await?;
        let mut out = Vec::new();
        for t in schema::TABLES.iter() {
            let n = tx
                .fetch(&format!("SELECT COUNT(*) FROM {}", t.name), &[], &[Ty::Int])
                .await?[0][0]
                .as_int()
                .unwrap_or(0);
            out.push((t.name, n));
        }
        tx.rollback().await?;
        Ok(out)
    }
}
