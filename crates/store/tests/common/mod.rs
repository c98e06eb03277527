//! Helpers of the store tests: every test runs on SQLite and on PostgreSQL
//! (`both!`), each on a fresh database.

#![allow(dead_code)]

use mibg_store::testing::TestDb;
use mibg_store::{Backend, Location, Scope, Store};
use mibg_study::StudyInput;
use std::path::{Path, PathBuf};

/// Generates `mod NAME { sqlite(), postgres() }` for each async fn
/// `NAME(Backend)` of the test file.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(mibg_store::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(mibg_store::Backend::Postgres).await
            }
        }
    )*};
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Reads a study folder (top-level files and assessments/), as the CLI does.
pub fn read_folder(dir: &Path) -> StudyInput {
    mibg_store::testing::read_study_folder(dir)
}

pub fn seed() -> StudyInput {
    read_folder(&repo().join("examples/seed-study"))
}

pub fn op() -> Scope {
    Scope::operator("tester")
}

pub async fn fresh(backend: Backend) -> (TestDb, Store) {
    TestDb::new(backend).await
}

/// The seed study imported into a fresh database.
pub async fn seeded(backend: Backend) -> (TestDb, Store) {
    imported(backend, &seed(), "examples/seed-study").await
}

/// A study folder imported into a fresh database (centres' time zone
/// Europe/Rome), under the label `label`.
pub async fn imported(
    backend: Backend,
    folder: &mibg_study::StudyInput,
    label: &str,
) -> (TestDb, Store) {
    let (db, store) = fresh(backend).await;
    store
        .import_study(
            &op(),
            folder,
            &mibg_store::folder::ImportOptions {
                label: label.into(),
                time_zone: Some("Europe/Rome".into()),
                default_centre: None,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("import {label}: {e}"));
    (db, store)
}

/// Runs SQL behind the application's back (a tampering test), with a
/// connection of its own.
pub async fn raw(location: &Location, sql: &str) {
    use sqlx::Connection;
    match location {
        Location::Sqlite(p) => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", p.display()))
                .await
                .unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut c)
                .await
                .unwrap();
            c.close().await.unwrap();
        }
        Location::Postgres(u) => {
            let mut c = sqlx::PgConnection::connect(u).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut c)
                .await
                .unwrap();
            c.close().await.unwrap();
        }
    }
}

/// Like [`raw`], returning the error text if the statement fails.
pub async fn raw_err(location: &Location, sql: &str) -> Option<String> {
    use sqlx::Connection;
    let r = match location {
        Location::Sqlite(p) => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", p.display()))
                .await
                .unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut c)
                .await
                .map(|_| ())
        }
        Location::Postgres(u) => {
            let mut c = sqlx::PgConnection::connect(u).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut c)
                .await
                .map(|_| ())
        }
    };
    r.err().map(|e| e.to_string())
}

/// The SQL that disables the append-only triggers of the audit table (what
/// someone tampering with the database would do first).
pub fn drop_audit_guard(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "DROP TRIGGER audit_no_update",
        Backend::Postgres => "ALTER TABLE audit DISABLE TRIGGER audit_no_update_delete",
    }
}
