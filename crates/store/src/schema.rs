//! The schema: versioned migrations per backend (SQL files under
//! `migrations/`), the migration runner, and a description of every table
//! that the generic code (records, audit verification, backup) walks.
//!
//! The description is checked against the live schema of both backends by
//! the test suite (`schema_matches_description`), so the SQL files and this
//! module cannot drift apart.

use crate::db::{Tx, Ty, Value};
use crate::error::StoreError;
use crate::scope::Area;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// One migration: a version, a name and the SQL for each backend.
struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sqlite: include_str!("../migrations/sqlite/0001_init.sql"),
        postgres: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "thyroid_hot_lab",
        sqlite: include_str!("../migrations/sqlite/0002_thyroid_hot_lab.sql"),
        postgres: include_str!("../migrations/postgres/0002_thyroid_hot_lab.sql"),
    },
    Migration {
        version: 3,
        name: "sessions",
        sqlite: include_str!("../migrations/sqlite/0003_sessions.sql"),
        postgres: include_str!("../migrations/postgres/0003_sessions.sql"),
    },
];

/// The schema version this build of mibg needs (the highest migration).
pub const SCHEMA_VERSION: i64 = 3;

/// Tables that are not records and so not in [`TABLES`]: not audited, not
/// verified, not in a logical backup (the web application's sessions,
/// removed when they end; migration 3).
pub const NON_RECORD_TABLES: &[&str] = &["sessions"];

/// What kind of table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Registry-wide (centres, users, protocols, the study settings).
    Registry,
    /// Clinical: every row has `centre_id` (and `patient_id`, except
    /// `patients` itself) and is read only within an access scope.
    Clinical,
    /// The audit trail and its head (not themselves audited).
    Audit,
}

/// One column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnDef {
    /// Name.
    pub name: &'static str,
    /// Type.
    pub ty: Ty,
    /// May be NULL.
    pub nullable: bool,
    /// A secret (password hash, token hash): its audit and content-hash
    /// form is its SHA-256, never the value.
    pub secret: bool,
}

/// One table.
#[derive(Clone, Debug)]
pub struct TableDef {
    /// Name.
    pub name: &'static str,
    /// Kind.
    pub kind: Kind,
    /// For clinical tables written through the generic record API: the
    /// area whose write right is needed.
    pub area: Option<Area>,
    /// Columns in schema order (`id` first; `version`, `deleted` last for
    /// record tables, except columns that a later migration appended with
    /// `ALTER TABLE … ADD COLUMN`, which follow them).
    pub columns: Vec<ColumnDef>,
}

impl TableDef {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }
    /// Column names joined for a SELECT list.
    pub(crate) fn select_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(", ")
    }
    /// Column types in order.
    pub(crate) fn types(&self) -> Vec<Ty> {
        self.columns.iter().map(|c| c.ty).collect()
    }
    /// The column holding the patient id (`id` for `patients`).
    pub(crate) fn patient_column(&self) -> Option<&'static str> {
        if self.name == "patients" {
            Some("id")
        } else if self.column("patient_id").is_some() {
            Some("patient_id")
        } else {
            None
        }
    }
}

const SPEC: &[(&str, Kind, Option<Area>, &str)] = &[
    (
        "centres",
        Kind::Registry,
        None,
        "id:I code:T name:T time_zone:T version:I deleted:I",
    ),
    (
        "users",
        Kind::Registry,
        None,
        "id:I username:T printed_name:T role:T centre_id:I password_hash:T! disabled:I expires_at:T? export_identified:I version:I deleted:I",
    ),
    (
        "user_centres",
        Kind::Registry,
        None,
        "id:I user_id:I centre_id:I version:I deleted:I",
    ),
    (
        "api_tokens",
        Kind::Registry,
        None,
        "id:I user_id:I name:T token_sha256:T! created_at:T expires_at:T? version:I deleted:I",
    ),
    (
        "protocols",
        Kind::Registry,
        None,
        "id:I name:T label:T title:T path:T? text:T sha256:T version:I deleted:I",
    ),
    (
        "study",
        Kind::Registry,
        None,
        "id:I title:T config_toml:T protocol_id:I version:I deleted:I",
    ),
    (
        "patients",
        Kind::Clinical,
        Some(Area::Enrolment),
        "id:I centre_id:I study_id:T sex:T age_years:R? weight_kg:R height_cm:R enrolment_date:T? version:I deleted:I",
    ),
    (
        "patient_identity",
        Kind::Clinical,
        Some(Area::Enrolment),
        "id:I centre_id:I patient_id:I name:T? birth_date:T? hospital_number:T? version:I deleted:I",
    ),
    (
        "courses",
        Kind::Clinical,
        Some(Area::Enrolment),
        "id:I centre_id:I patient_id:I number:I protocol_id:I source:T version:I deleted:I",
    ),
    (
        "infusions",
        Kind::Clinical,
        Some(Area::Treatment),
        "id:I centre_id:I patient_id:I course_id:I number:I date:T activity_mbq:R weight_kg:R prescribed_activity_mbq:R? start_at:T? end_at:T? version:I deleted:I assayed_mbq:R? assay_at:T? residual_mbq:R? residual_at:T?",
    ),
    (
        "readings",
        Kind::Clinical,
        Some(Area::Readings),
        "id:I centre_id:I patient_id:I infusion_id:I hours:R reading:R background:R? measured_at:T? version:I deleted:I",
    ),
    (
        "dosimetry_results",
        Kind::Clinical,
        Some(Area::Dosimetry),
        "id:I centre_id:I patient_id:I course_id:I infusion_number:I inputs:T inputs_sha256:T result:T software_version:T computed_at:T version:I deleted:I",
    ),
    (
        "prescriptions",
        Kind::Clinical,
        Some(Area::Prescription),
        "id:I centre_id:I patient_id:I course_id:I infusion_number:I activity_mbq:R dosimetry_result_id:I? basis:T warnings:T acknowledged:T version:I deleted:I",
    ),
    (
        "signatures",
        Kind::Clinical,
        None,
        "id:I centre_id:I patient_id:I entity:T entity_id:I entity_version:I content_sha256:T meaning:T user_id:I printed_name:T signed_at:T voided_at:T? void_reason:T? version:I deleted:I",
    ),
    (
        "melphalan",
        Kind::Clinical,
        Some(Area::Treatment),
        "id:I centre_id:I patient_id:I course_id:I date:T dose_mg:R version:I deleted:I",
    ),
    (
        "stem_cells",
        Kind::Clinical,
        Some(Area::Treatment),
        "id:I centre_id:I patient_id:I course_id:I? date:T cd34_e6_per_kg:R? version:I deleted:I",
    ),
    (
        "labs",
        Kind::Clinical,
        Some(Area::Toxicity),
        "id:I centre_id:I patient_id:I date:T test:T value:T unit:T lln:T? uln:T? baseline:I version:I deleted:I",
    ),
    (
        "adverse_events",
        Kind::Clinical,
        Some(Area::Toxicity),
        "id:I centre_id:I patient_id:I date:T term:T grade:I ctcae_version:T? version:I deleted:I",
    ),
    (
        "transfusions",
        Kind::Clinical,
        Some(Area::Toxicity),
        "id:I centre_id:I patient_id:I date:T product:T version:I deleted:I",
    ),
    (
        "assessments",
        Kind::Clinical,
        Some(Area::Response),
        "id:I centre_id:I patient_id:I kind:T date:T content:T version:I deleted:I",
    ),
    (
        "followup",
        Kind::Clinical,
        Some(Area::Outcome),
        "id:I centre_id:I patient_id:I event:T date:T cause:T? notes:T? version:I deleted:I",
    ),
    (
        "therapies",
        Kind::Clinical,
        Some(Area::Outcome),
        "id:I centre_id:I patient_id:I therapy:T start_date:T notes:T? version:I deleted:I",
    ),
    (
        "thyroid_assessments",
        Kind::Clinical,
        Some(Area::Toxicity),
        "id:I centre_id:I patient_id:I date:T tsh_mu_per_l:R? ft4_pmol_per_l:R? notes:T? version:I deleted:I",
    ),
    ("audit_head", Kind::Audit, None, "id:I seq:I hash:T"),
    (
        "audit",
        Kind::Audit,
        None,
        "seq:I at:T actor_kind:T user_id:I? actor_name:T action:T entity:T? entity_id:I? centre_id:I? patient_id:I? field:T? old_value:T? new_value:T? reason:T? row_hash:T? prev_hash:T hash:T",
    ),
];

/// Every table, in dependency order (a table's parents come before it).
pub static TABLES: LazyLock<Vec<TableDef>> = LazyLock::new(|| {
    SPEC.iter()
        .map(|(name, kind, area, cols)| TableDef {
            name,
            kind: *kind,
            area: *area,
            columns: cols
                .split_whitespace()
                .map(|c| {
                    let (n, t) = c.split_once(':').expect("name:type");
                    let ty = match &t[..1] {
                        "I" => Ty::Int,
                        "R" => Ty::Real,
                        _ => Ty::Text,
                    };
                    ColumnDef {
                        name: n,
                        ty,
                        nullable: t.ends_with('?'),
                        secret: t.ends_with('!'),
                    }
                })
                .collect(),
        })
        .collect()
});

/// The description of table `name`.
///
/// # Panics
/// On a name that is not a table (a programming error).
pub fn table(name: &str) -> &'static TableDef {
    TABLES
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no table {name}"))
}

/// SHA-256, lower-case hex.
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    let d = Sha256::digest(bytes.as_ref());
    let mut s = String::with_capacity(64);
    for b in d.iter() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

const CREATE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    applied_at TEXT NOT NULL
)";

fn sql_of(m: &Migration, backend: crate::Backend) -> &'static str {
    match backend {
        crate::Backend::Sqlite => m.sqlite,
        crate::Backend::Postgres => m.postgres,
    }
}

/// The applied migrations (version, sha256), or none when the table does
/// not exist yet.
async fn applied(tx: &mut Tx) -> Result<Vec<(i64, String)>, StoreError> {
    let exists_sql = match tx.backend() {
        crate::Backend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        }
        crate::Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
        }
    };
    let n = tx.fetch(exists_sql, &[], &[Ty::Int]).await?[0][0]
        .as_int()
        .unwrap_or(0);
    if n == 0 {
        return Ok(Vec::new());
    }
    let rows = tx
        .fetch(
            "SELECT version, sha256 FROM schema_migrations ORDER BY version",
            &[],
            &[Ty::Int, Ty::Text],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r[0].as_int().unwrap_or(0),
                r[1].as_text().unwrap_or("").to_string(),
            )
        })
        .collect())
}

fn check_applied(applied: &[(i64, String)], backend: crate::Backend) -> Result<(), StoreError> {
    for (v, sha) in applied {
        match MIGRATIONS.iter().find(|m| m.version == *v) {
            None => {
                return Err(StoreError::SchemaMismatch(format!(
                    "migration {v} is not known to this mibg (the database was created by a newer version)"
                )));
            }
            Some(m) if sha256_hex(sql_of(m, backend)) != *sha => {
                return Err(StoreError::SchemaMismatch(format!(
                    "migration {v} ({}) differs from the one applied to this database",
                    m.name
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Applies every pending migration, each in the caller's transaction.
/// Returns the versions applied.
pub(crate) async fn migrate(tx: &mut Tx, now: &str) -> Result<Vec<i64>, StoreError> {
    let backend = tx.backend();
    tx.execute_script(CREATE_MIGRATIONS_TABLE).await?;
    let done = applied(tx).await?;
    check_applied(&done, backend)?;
    let mut out = Vec::new();
    for m in MIGRATIONS {
        if done.iter().any(|(v, _)| *v == m.version) {
            continue;
        }
        let sql = sql_of(m, backend);
        tx.execute_script(sql).await?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES ($1, $2, $3, $4)",
            &[
                Value::int(m.version),
                Value::text(m.name),
                Value::text(sha256_hex(sql)),
                Value::text(now),
            ],
        )
        .await?;
        out.push(m.version);
    }
    Ok(out)
}

/// Refuses a database whose schema is not exactly this build's.
pub(crate) async fn check_current(tx: &mut Tx) -> Result<(), StoreError> {
    let done = applied(tx).await?;
    check_applied(&done, tx.backend())?;
    let found = done.iter().map(|(v, _)| *v).max().unwrap_or(0);
    if found != SCHEMA_VERSION {
        return Err(StoreError::SchemaOutOfDate {
            found,
            needed: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// The live columns of every table (name, type family, nullable), read
/// from the database catalogue; used by the test that keeps [`TABLES`]
/// true.
pub async fn live_columns(
    store: &crate::Store,
    table: &str,
) -> Result<Vec<(String, Ty, bool)>, StoreError> {
    let mut tx = store.pool.begin_read().await?;
    let rows = match tx.backend() {
        crate::Backend::Sqlite => {
            let rows = tx
                .fetch(
                    "SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid",
                    &[Value::text(table)],
                    &[Ty::Text, Ty::Text, Ty::Int, Ty::Int],
                )
                .await?;
            rows.into_iter()
                .map(|r| {
                    let ty = r[1].as_text().unwrap_or("").to_uppercase();
                    let notnull = r[2].as_int() == Some(1) || r[3].as_int() == Some(1);
                    (r[0].as_text().unwrap_or("").to_string(), ty, !notnull)
                })
                .collect::<Vec<_>>()
        }
        crate::Backend::Postgres => {
            let rows = tx
                .fetch(
                    "SELECT column_name::text, data_type::text, is_nullable::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                    &[Value::text(table)],
                    &[Ty::Text, Ty::Text, Ty::Text],
                )
                .await?;
            rows.into_iter()
                .map(|r| {
                    (
                        r[0].as_text().unwrap_or("").to_string(),
                        r[1].as_text().unwrap_or("").to_uppercase(),
                        r[2].as_text() == Some("YES"),
                    )
                })
                .collect()
        }
    };
    tx.rollback().await?;
    Ok(rows
        .into_iter()
        .map(|(n, ty, null)| {
            let t = if ty.contains("INT") {
                Ty::Int
            } else if ty.contains("REAL") || ty.contains("DOUBLE") {
                Ty::Real
            } else {
                Ty::Text
            };
            (n, t, null)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_described_once_and_in_both_migrations() {
        let mut names: Vec<_> = TABLES.iter().map(|t| t.name).collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n);
        for t in TABLES.iter() {
            // Created by exactly one migration, the same on both backends.
            let create = format!("CREATE TABLE {} (", t.name);
            let in_sqlite: Vec<i64> = MIGRATIONS
                .iter()
                .filter(|m| m.sqlite.contains(&create))
                .map(|m| m.version)
                .collect();
            let in_postgres: Vec<i64> = MIGRATIONS
                .iter()
                .filter(|m| m.postgres.contains(&create))
                .map(|m| m.version)
                .collect();
            assert_eq!(in_sqlite.len(), 1, "{}", t.name);
            assert_eq!(in_sqlite, in_postgres, "{}", t.name);
            if t.kind != Kind::Audit {
                // `version`, `deleted` close the columns of the CREATE TABLE;
                // only columns appended by a later ALTER TABLE follow them.
                let v = t.columns.iter().position(|c| c.name == "version").unwrap();
                assert_eq!(t.columns[v + 1].name, "deleted", "{}", t.name);
                for c in &t.columns[v + 2..] {
                    let add = format!("ALTER TABLE {} ADD COLUMN {} ", t.name, c.name);
                    assert!(
                        MIGRATIONS
                            .iter()
                            .any(|m| m.sqlite.contains(&add) && m.postgres.contains(&add)),
                        "{}.{}",
                        t.name,
                        c.name
                    );
                }
            }
            if t.kind == Kind::Clinical {
                assert_eq!(t.columns[1].name, "centre_id", "{}", t.name);
                assert!(t.patient_column().is_some());
            }
        }
        assert_eq!(
            SCHEMA_VERSION,
            MIGRATIONS.iter().map(|m| m.version).max().unwrap()
        );
        assert!(table("users").column("password_hash").unwrap().secret);
        assert_eq!(sha256_hex(b"abc").len(), 64);
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
