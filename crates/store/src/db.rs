//! The two backends behind one small interface: a pool, a transaction, and
//! typed nullable values bound as parameters (never spliced into SQL).
//!
//! Every statement of the store is written once, with `$1, $2, …`
//! placeholders that both SQLite and PostgreSQL accept, and runs through
//! [`Tx::execute`] or [`Tx::fetch`]. The few statements whose dialects
//! differ branch on [`Backend`].

use crate::error::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, PgPool, Postgres, Row, Sqlite, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// Which database engine a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Embedded SQLite (one file; WAL, foreign keys on, busy timeout).
    Sqlite,
    /// PostgreSQL (several centres).
    Postgres,
}

/// The column type of a value: the store uses three, the same on both
/// backends (`BIGINT`/`INTEGER`, `DOUBLE PRECISION`/`REAL`, `TEXT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// 64-bit integer (ids, versions, flags 0/1, grades).
    Int,
    /// 64-bit float (measured quantities).
    Real,
    /// UTF-8 text (dates `YYYY-MM-DD`, UTC instants, codes, JSON documents).
    Text,
}

/// A typed, nullable value: a column value or a bound parameter.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// Integer.
    Int(Option<i64>),
    /// Float.
    Real(Option<f64>),
    /// Text.
    Text(Option<String>),
}

impl Value {
    /// A non-null integer.
    pub fn int(x: i64) -> Self {
        Value::Int(Some(x))
    }
    /// A non-null text.
    pub fn text(s: impl Into<String>) -> Self {
        Value::Text(Some(s.into()))
    }
    /// A non-null float.
    pub fn real(x: f64) -> Self {
        Value::Real(Some(x))
    }
    /// True when NULL.
    pub fn is_null(&self) -> bool {
        matches!(
            self,
            Value::Int(None) | Value::Real(None) | Value::Text(None)
        )
    }
    /// The integer, if this is a non-null integer.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(x) => *x,
            _ => None,
        }
    }
    /// The float, if this is a non-null float.
    pub fn as_real(&self) -> Option<f64> {
        match self {
            Value::Real(x) => *x,
            _ => None,
        }
    }
    /// The text, if this is a non-null text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(x) => x.as_deref(),
            _ => None,
        }
    }
    /// The value as JSON (null, number or string): the canonical form used
    /// in audit records and content hashes.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Int(Some(x)) => serde_json::Value::from(*x),
            Value::Real(Some(x)) => serde_json::Number::from_f64(*x)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Text(Some(s)) => serde_json::Value::String(s.clone()),
            _ => serde_json::Value::Null,
        }
    }
    /// The type of this value.
    pub fn ty(&self) -> Ty {
        match self {
            Value::Int(_) => Ty::Int,
            Value::Real(_) => Ty::Real,
            Value::Text(_) => Ty::Text,
        }
    }
}

/// A connection pool on one backend.
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Where a store lives, parsed from `--db`: a PostgreSQL URL
/// (`postgres://…`, `postgresql://…`) or a SQLite file (`sqlite://FILE`,
/// `sqlite:FILE` or a plain path).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A SQLite database file.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl Location {
    /// Parses a `--db` argument.
    pub fn parse(url: &str) -> Location {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Location::Postgres(url.to_string());
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        Location::Sqlite(std::path::PathBuf::from(path))
    }
    /// The backend of this location.
    pub fn backend(&self) -> Backend {
        match self {
            Location::Sqlite(_) => Backend::Sqlite,
            Location::Postgres(_) => Backend::Postgres,
        }
    }
    /// How to show the location (a PostgreSQL password is masked).
    pub fn display(&self) -> String {
        match self {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres(u) => mask_password(u),
        }
    }
}

fn mask_password(url: &str) -> String {
    // postgres://user:secret@host/db → postgres://user:***@host/db
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((auth, host)) = rest.split_once('@')
        && let Some((user, _)) = auth.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}

/// Rows a SQLite connection's worker thread may queue for the task that
/// reads them (sqlx's default is 50). sqlx runs each SQLite connection on a
/// thread of its own and hands rows over one by one through a bounded
/// channel: with 50, a page's batch of a few thousand rows (the laboratory
/// values of 50 patients) blocks and wakes the worker at every few rows, and
/// a profile of the patients list showed a third of its time in those
/// thread switches. At most 4 connections × 1024 rows are queued.
const SQLITE_ROW_BUFFER: usize = 1024;

/// SQLite busy timeout: how long a writer waits for another writer's lock
/// before failing (docs/reference/registry.md §6: "busy timeout") [I].
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

impl Pool {
    pub(crate) async fn connect(loc: &Location, create: bool) -> Result<Pool, StoreError> {
        match loc {
            Location::Sqlite(path) => {
                if !create && !path.exists() {
                    return Err(StoreError::NoDatabase {
                        location: path.display().to_string(),
                    });
                }
                let opts = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(create)
                    .journal_mode(SqliteJournalMode::Wal)
                    .foreign_keys(true)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .row_buffer_size(SQLITE_ROW_BUFFER);
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(Duration::from_secs(60))
                    .connect_with(opts)
                    .await
                    .map_err(|e| StoreError::Connect {
                        location: path.display().to_string(),
                        message: e.to_string(),
                    })?;
                Ok(Pool::Sqlite(pool))
            }
            Location::Postgres(url) => {
                let opts = PgConnectOptions::from_str(url).map_err(|e| StoreError::Connect {
                    location: mask_password(url),
                    message: e.to_string(),
                })?;
                let pool = PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(60))
                    .connect_with(opts)
                    .await
                    .map_err(|e| StoreError::Connect {
                        location: mask_password(url),
                        message: e.to_string(),
                    })?;
                Ok(Pool::Postgres(pool))
            }
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// A write transaction: SQLite takes the write lock at `BEGIN
    /// IMMEDIATE` (a deferred transaction that reads first could not later
    /// upgrade when another writer committed in between); PostgreSQL
    /// serialises writers on the audit head row (see `audit::lock_head`).
    pub(crate) async fn begin_write(&self) -> Result<Tx, StoreError> {
        match self {
            Pool::Sqlite(p) => Ok(Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?)),
            Pool::Postgres(p) => Ok(Tx::Postgres(p.begin().await?)),
        }
    }

    /// A read transaction: one consistent snapshot for every query in it.
    pub(crate) async fn begin_read(&self) -> Result<Tx, StoreError> {
        match self {
            Pool::Sqlite(p) => Ok(Tx::Sqlite(p.begin().await?)),
            Pool::Postgres(p) => Ok(Tx::Postgres(
                p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
            )),
        }
    }

    pub(crate) async fn close(&self) {
        match self {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// An open transaction on one backend.
pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

macro_rules! bind_all {
    ($q:expr, $params:expr) => {{
        let mut q = $q;
        for p in $params {
            q = match p {
                Value::Int(x) => q.bind(*x),
                Value::Real(x) => q.bind(*x),
                Value::Text(x) => q.bind(x.as_deref()),
            };
        }
        q
    }};
}

macro_rules! decode_row {
    ($row:expr, $types:expr) => {{
        let row = $row;
        let mut out = Vec::with_capacity($types.len());
        for (i, t) in $types.iter().enumerate() {
            out.push(match t {
                Ty::Int => Value::Int(row.try_get::<Option<i64>, _>(i)?),
                Ty::Real => Value::Real(row.try_get::<Option<f64>, _>(i)?),
                Ty::Text => Value::Text(row.try_get::<Option<String>, _>(i)?),
            });
        }
        out
    }};
}

/// SQLite looks a named parameter (`$1`) up by a linear scan, so a
/// statement with thousands of them (a bulk insert) costs quadratic time
/// to bind. When `$1, $2, …` appear in order, once each, they are rewritten
/// to anonymous `?` parameters, which bind in order at no cost.
fn sqlite_sql(sql: &str) -> std::borrow::Cow<'_, str> {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut expected = 1usize;
    let mut last = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && i + 1 < b.len() && b[i + 1].is_ascii_digit() {
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            match sql[i + 1..j].parse::<usize>() {
                Ok(n) if n == expected => {
                    out.push_str(&sql[last..i]);
                    out.push('?');
                    expected += 1;
                    last = j;
                }
                _ => return std::borrow::Cow::Borrowed(sql),
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out.push_str(&sql[last..]);
    std::borrow::Cow::Owned(out)
}

impl Tx {
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs one statement with bound parameters; returns the rows affected.
    pub(crate) async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx) => bind_all!(
                sqlx::query(AssertSqlSafe(sqlite_sql(sql).into_owned())),
                params
            )
            .execute(&mut **tx)
            .await?
            .rows_affected(),
            Tx::Postgres(tx) => bind_all!(sqlx::query(AssertSqlSafe(sql.to_string())), params)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        })
    }

    /// Runs a query; every row is decoded into the given column types as it
    /// arrives (the driver's rows are not all held at once).
    pub(crate) async fn fetch(
        &mut self,
        sql: &str,
        params: &[Value],
        types: &[Ty],
    ) -> Result<Vec<Vec<Value>>, StoreError> {
        use futures_util::TryStreamExt;
        let mut out = Vec::new();
        match self {
            Tx::Sqlite(tx) => {
                let q = bind_all!(
                    sqlx::query(AssertSqlSafe(sqlite_sql(sql).into_owned())),
                    params
                );
                let mut rows = q.fetch(&mut **tx);
                while let Some(row) = rows.try_next().await? {
                    out.push(decode_row!(&row, types));
                }
            }
            Tx::Postgres(tx) => {
                let q = bind_all!(sqlx::query(AssertSqlSafe(sql.to_string())), params);
                let mut rows = q.fetch(&mut **tx);
                while let Some(row) = rows.try_next().await? {
                    out.push(decode_row!(&row, types));
                }
            }
        }
        Ok(out)
    }

    /// Runs a query expected to return at most one row.
    pub(crate) async fn fetch_optional(
        &mut self,
        sql: &str,
        params: &[Value],
        types: &[Ty],
    ) -> Result<Option<Vec<Value>>, StoreError> {
        Ok(self.fetch(sql, params, types).await?.into_iter().next())
    }

    /// Runs a script of several statements without parameters (migrations).
    pub(crate) async fn execute_script(&mut self, sql: &str) -> Result<(), StoreError> {
        let sql = AssertSqlSafe(sql.to_string());
        match self {
            Tx::Sqlite(tx) => {
                sqlx::raw_sql(sql).execute(&mut **tx).await?;
            }
            Tx::Postgres(tx) => {
                sqlx::raw_sql(sql).execute(&mut **tx).await?;
            }
        }
        Ok(())
    }

    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub(crate) async fn rollback(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await?,
            Tx::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

/// `$first, $first+1, …` (`n` placeholders), for `IN (…)` and `VALUES (…)`.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_parsed() {
        assert_eq!(
            Location::parse("mibg.sqlite"),
            Location::Sqlite("mibg.sqlite".into())
        );
        assert_eq!(
            Location::parse("sqlite:///tmp/x.db"),
            Location::Sqlite("/tmp/x.db".into())
        );
        assert_eq!(
            Location::parse("sqlite:x.db"),
            Location::Sqlite("x.db".into())
        );
        assert_eq!(
            Location::parse("postgres://u:p@h/db").backend(),
            Backend::Postgres
        );
        assert_eq!(
            Location::parse("postgresql://u:p@h/db").display(),
            "postgresql://u:***@h/db"
        );
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
        assert_eq!(
            sqlite_sql("INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
        // Out of order or repeated: left as numbered parameters.
        let s = "UPDATE t SET a = $3 WHERE id = $1 AND version = $2";
        assert_eq!(sqlite_sql(s), s);
        let s = "SELECT 1 WHERE a = $1 OR b = $1";
        assert_eq!(sqlite_sql(s), s);
        assert_eq!(sqlite_sql("SELECT 1"), "SELECT 1");
    }

    #[test]
    fn values_have_a_canonical_json_form() {
        assert_eq!(Value::int(3).to_json(), serde_json::json!(3));
        assert_eq!(Value::real(14.5).to_json(), serde_json::json!(14.5));
        assert_eq!(Value::text("a").to_json(), serde_json::json!("a"));
        assert_eq!(Value::Text(None).to_json(), serde_json::Value::Null);
        assert!(Value::Real(None).is_null());
        assert!(!Value::int(0).is_null());
    }
}
