//! Fresh databases for tests, on both backends (for this crate's tests,
//! the command line's and the web application's).
//!
//! * SQLite: a new file in a new temporary folder, removed on drop.
//! * PostgreSQL: a new database per test, cloned from a template database
//!   migrated once (`CREATE DATABASE … TEMPLATE …`, as the Rust package
//!   registry's test server does), dropped on drop. The server is named by
//!   [`POSTGRES_URL_VAR`]: `bash .ci/run` sets it, or
//!   `source scripts/ci/postgres.sh` starts a throw-away cluster and sets
//!   it. Without it, PostgreSQL tests **fail** with that instruction; they
//!   never pass silently.

use crate::{Location, Store};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use std::path::{Path, PathBuf};

/// The environment variable with the URL of a PostgreSQL server where
/// tests may create and drop databases (e.g.
/// `postgres://postgres@127.0.0.1:54329/postgres`).
pub const POSTGRES_URL_VAR: &str = "MIBG_TEST_POSTGRES_URL";

/// The server URL for PostgreSQL tests.
///
/// # Panics
/// When [`POSTGRES_URL_VAR`] is not set, with how to set it.
pub fn postgres_url() -> String {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(u) if !u.is_empty() => u,
        _ => panic!(
            "{POSTGRES_URL_VAR} is not set, so the PostgreSQL tests cannot run (they do not pass silently).\n\
             Run the tests with `bash scripts/test` (the README's test command: it starts a throw-away PostgreSQL,\n\
             installing Debian's postgresql package when missing and run as root), or `source scripts/ci/postgres.sh`\n\
             then `cargo test --workspace`."
        ),
    }
}

fn random_name(prefix: &str) -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("randomness");
    format!(
        "{prefix}_{}",
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    )
}

/// `url` with its database replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{db}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

static TEMPLATE: tokio::sync::Mutex<Option<String>> = tokio::sync::Mutex::const_new(None);

/// The migrated template database (created once per server and schema).
async fn template(server: &str) -> String {
    let mut guard = TEMPLATE.lock().await;
    if let Some(t) = guard.as_ref() {
        return t.clone();
    }
    let sql = include_str!("../migrations/postgres/0001_init.sql");
    let name = format!("mibg_tpl_{}", &crate::schema::sha256_hex(sql)[..16]);
    let mut admin = PgConnection::connect(server)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_URL_VAR}: {e}"));
    // Serialise template creation across test processes.
    sqlx::query("SELECT pg_advisory_lock(7740211)")
        .execute(&mut admin)
        .await
        .expect("advisory lock");
    let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut admin)
        .await
        .expect("pg_database");
    if exists.is_none() {
        let building = format!("{name}_building");
        sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {building}")))
            .execute(&mut admin)
            .await
            .expect("drop");
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {building}")))
            .execute(&mut admin)
            .await
            .expect("create template");
        let (store, _) = Store::init(&Location::Postgres(with_database(server, &building)))
            .await
            .expect("migrate template");
        store.close().await;
        sqlx::query(AssertSqlSafe(format!(
            "ALTER DATABASE {building} RENAME TO {name}"
        )))
        .execute(&mut admin)
        .await
        .expect("rename template");
    }
    sqlx::query("SELECT pg_advisory_unlock(7740211)")
        .execute(&mut admin)
        .await
        .expect("advisory unlock");
    let _ = admin.close().await;
    *guard = Some(name.clone());
    name
}

async fn create_database(server: &str, name: &str, template: &str) {
    let mut admin = PgConnection::connect(server)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_URL_VAR}: {e}"));
    let mut tries = 0;
    loop {
        let r = sqlx::query(AssertSqlSafe(format!(
            "CREATE DATABASE {name} TEMPLATE {template}"
        )))
        .execute(&mut admin)
        .await;
        match r {
            Ok(_) => break,
            // Another process is cloning the same template at this moment.
            Err(e) if tries < 50 && e.to_string().contains("being accessed by other users") => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("cannot create the test database {name}: {e}"),
        }
    }
    let _ = admin.close().await;
}

/// A test database that removes itself on drop.
#[derive(Debug)]
pub struct TestDb {
    /// Where it is (pass it to `mibg --db`).
    pub location: Location,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Dir(PathBuf),
    Database { server: String, name: String },
}

impl TestDb {
    /// A fresh SQLite location (no file yet: `Store::init` creates it).
    pub fn sqlite_location() -> TestDb {
        let dir = std::env::temp_dir().join(random_name("mibg-test"));
        std::fs::create_dir_all(&dir).expect("temporary folder");
        TestDb {
            location: Location::Sqlite(dir.join(crate::DEFAULT_DATABASE)),
            cleanup: Cleanup::Dir(dir),
        }
    }

    /// A fresh PostgreSQL database with no schema (for `mibg db init`).
    ///
    /// # Panics
    /// Without [`POSTGRES_URL_VAR`] (see [`postgres_url`]).
    pub async fn postgres_blank() -> TestDb {
        let server = postgres_url();
        let name = random_name("mibg_test");
        create_database(&server, &name, "template0").await;
        TestDb {
            location: Location::Postgres(with_database(&server, &name)),
            cleanup: Cleanup::Database { server, name },
        }
    }

    /// A fresh, migrated PostgreSQL database (cloned from the template).
    ///
    /// # Panics
    /// Without [`POSTGRES_URL_VAR`] (see [`postgres_url`]).
    pub async fn postgres_location() -> TestDb {
        let server = postgres_url();
        let tpl = template(&server).await;
        let name = random_name("mibg_test");
        create_database(&server, &name, &tpl).await;
        TestDb {
            location: Location::Postgres(with_database(&server, &name)),
            cleanup: Cleanup::Database { server, name },
        }
    }

    /// A fresh database of `backend`, initialised, and its open store.
    pub async fn new(backend: crate::Backend) -> (TestDb, Store) {
        let db = match backend {
            crate::Backend::Sqlite => TestDb::sqlite_location(),
            crate::Backend::Postgres => TestDb::postgres_location().await,
        };
        let (store, _) = Store::init(&db.location).await.expect("init test database");
        (db, store)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(d) => {
                let _ = std::fs::remove_dir_all(d);
            }
            Cleanup::Database { server, name } => {
                let (server, name) = (server.clone(), name.clone());
                // Drop runs inside the test's runtime: use a thread of its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    rt.block_on(async {
                        if let Ok(mut c) = PgConnection::connect(&server).await {
                            let _ = sqlx::query(AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            )))
                            .execute(&mut c)
                            .await;
                            let _ = c.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// Reads a study folder (its top-level files and `assessments/`) into a
/// [`mibg_study::StudyInput`], in file-name order, as the command line does:
/// the input of folder-import tests here, in the CLI and in the web crate.
///
/// # Panics
/// When the folder or one of its files cannot be read (test support only).
pub fn read_study_folder(dir: &Path) -> mibg_study::StudyInput {
    let mut input = mibg_study::StudyInput::default();
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    names.sort_by_key(|e| e.file_name());
    for e in names {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        if e.path().is_file() {
            input.insert(name, std::fs::read_to_string(e.path()).unwrap());
        } else if name == "assessments" {
            let mut subs: Vec<_> = std::fs::read_dir(e.path())
                .unwrap()
                .map(|e| e.unwrap())
                .collect();
            subs.sort_by_key(|e| e.file_name());
            for s in subs {
                input.insert(
                    format!("assessments/{}", s.file_name().to_string_lossy()),
                    std::fs::read_to_string(s.path()).unwrap(),
                );
            }
        }
    }
    input
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_replaced_in_urls() {
        assert_eq!(
            with_database("postgres://u@h:5/postgres", "x"),
            "postgres://u@h:5/x"
        );
        assert_eq!(
            with_database("postgres://u@h:5/postgres?host=/tmp", "x"),
            "postgres://u@h:5/x?host=/tmp"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
