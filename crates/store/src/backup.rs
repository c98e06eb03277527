//! Backup and restore (docs/reference/registry.md §6).
//!
//! * **SQLite**: `VACUUM INTO` writes a consistent, compact copy of the
//!   live database (readers and writers may continue); the backup is itself
//!   a SQLite database. Restoring copies it (again by `VACUUM INTO`) to a
//!   new database file after verifying its audit trail.
//! * **PostgreSQL**: a logical dump in the store's own format (JSON lines:
//!   a header, every table's rows in dependency order read in one
//!   repeatable-read snapshot, and a trailer with row counts and the
//!   SHA-256 of everything before it). It needs no `pg_dump` of a matching
//!   version, and it restores into an empty database of either backend
//!   (a way to move a registry from SQLite to PostgreSQL or back).
//!
//! A restore is refused unless the target is empty and the backup's audit
//! trail verifies; the restore itself is the first audit record after the
//! restored ones.

use crate::Store;
use crate::audit::{Event, Writer, action};
use crate::db::{Pool, Ty, Value};
use crate::error::StoreError;
use crate::schema::{SCHEMA_VERSION, TABLES, sha256_hex};
use crate::scope::{Centres, Scope};
use sha2::{Digest, Sha256};
use std::io::{BufRead, Write};
use std::path::Path;

/// First line of a logical dump.
pub const LOGICAL_FORMAT: &str = "mibg-registry-backup";

/// The first 16 bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// What kind of file a backup is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackupKind {
    /// A SQLite database file.
    SqliteFile,
    /// A logical dump (JSON lines).
    Logical,
}

/// Tells a backup's kind from its first bytes.
pub fn backup_kind(path: &Path) -> Result<BackupKind, StoreError> {
    let io = |e: std::io::Error| StoreError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut head = vec![0u8; 4096];
    let n = std::io::Read::read(&mut f, &mut head).map_err(io)?;
    let first_line = head[..n].split(|b| *b == b'\n').next().unwrap_or(&[]);
    let logical = serde_json::from_slice::<serde_json::Value>(first_line)
        .is_ok_and(|v| v["format"] == LOGICAL_FORMAT);
    if n >= 16 && &head[..16] == SQLITE_MAGIC {
        Ok(BackupKind::SqliteFile)
    } else if logical {
        Ok(BackupKind::Logical)
    } else {
        Err(StoreError::Io {
            path: path.display().to_string(),
            message: "not a mibg backup (neither a SQLite database nor a mibg logical dump)".into(),
        })
    }
}

fn operator_only(scope: &Scope) -> Result<(), StoreError> {
    if scope.role().is_some() || *scope.centres() != Centres::All {
        return Err(StoreError::Forbidden(
            "backup and restore are done on the database itself (`mibg db backup`)".into(),
        ));
    }
    Ok(())
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

impl Store {
    /// Writes a SQLite backup (`VACUUM INTO`) to `path`, which must not
    /// exist. The backup is recorded in the audit trail first, so the copy
    /// contains its own record.
    pub async fn backup_sqlite(&self, scope: &Scope, path: &Path) -> Result<(), StoreError> {
        operator_only(scope)?;
        let Pool::Sqlite(pool) = &self.pool else {
            return Err(StoreError::Forbidden(
                "a SQLite file backup needs a SQLite database; PostgreSQL uses the logical dump"
                    .into(),
            ));
        };
        if path.exists() {
            return Err(StoreError::Io {
                path: path.display().to_string(),
                message: "already exists; a backup never overwrites a file".into(),
            });
        }
        self.audit_backup(scope, path, "sqlite").await?;
        sqlx::query("VACUUM INTO $1")
            .bind(path.display().to_string())
            .execute(pool)
            .await?;
        Ok(())
    }

    async fn audit_backup(&self, scope: &Scope, path: &Path, kind: &str) -> Result<(), StoreError> {
        let mut w = Writer::begin(self, scope.actor()).await?;
        w.record(Event {
            action: action::BACKUP,
            new_value: Some(
                serde_json::json!({"file": path.display().to_string(), "kind": kind}).to_string(),
            ),
            ..Event::default()
        })
        .await?;
        w.commit().await
    }

    /// Writes a logical dump of the whole registry to `out`, read in one
    /// snapshot. Returns the rows written per table.
    pub async fn backup_logical(
        &self,
        scope: &Scope,
        label: &Path,
        out: &mut dyn Write,
    ) -> Result<Vec<(&'static str, i64)>, StoreError> {
        operator_only(scope)?;
        self.audit_backup(scope, label, "logical").await?;
        let io = io_err(label);
        let mut hasher = Sha256::new();
        let mut emit = |line: String, out: &mut dyn Write| -> Result<(), StoreError> {
            hasher.update(line.as_bytes());
            hasher.update(b"\n");
            out.write_all(line.as_bytes()).map_err(&io)?;
            out.write_all(b"\n").map_err(&io)
        };
        emit(
            serde_json::json!({
                "format": LOGICAL_FORMAT,
                "version": 1,
                "schema": SCHEMA_VERSION,
                "software": crate::SOFTWARE_VERSION,
                "backend": self.backend(),
                "created_at": crate::audit::now_utc(),
            })
            .to_string(),
            out,
        )?;
        let mut tx = self.pool.begin_read().await?;
        let mut counts = Vec::new();
        for t in TABLES.iter() {
            let key = t.columns[0].name;
            emit(
                serde_json::json!({"table": t.name, "columns": t.columns.iter().map(|c| c.name).collect::<Vec<_>>()})
                    .to_string(),
                out,
            )?;
            let mut after = i64::MIN;
            let mut n = 0i64;
            loop {
                let page = tx
                    .fetch(
                        &format!(
                            "SELECT {} FROM {} WHERE {key} > $1 ORDER BY {key} LIMIT 10000",
                            t.select_list(),
                            t.name
                        ),
                        &[Value::int(after)],
                        &t.types(),
                    )
                    .await?;
                if page.is_empty() {
                    break;
                }
                for r in page {
                    after = r[0].as_int().unwrap_or(after);
                    let arr: Vec<serde_json::Value> = r.iter().map(Value::to_json).collect();
                    emit(serde_json::Value::Array(arr).to_string(), out)?;
                    n += 1;
                }
            }
            counts.push((t.name, n));
        }
        tx.rollback().await?;
        let digest: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let trailer = serde_json::json!({
            "end": true,
            "rows": counts.iter().map(|(t, n)| (t.to_string(), *n)).collect::<std::collections::BTreeMap<_, _>>(),
            "sha256": digest,
        });
        out.write_all(trailer.to_string().as_bytes()).map_err(&io)?;
        out.write_all(b"\n").map_err(&io)?;
        Ok(counts)
    }

    /// Whether the registry holds no data (only the schema and the genesis
    /// audit head): the only state a restore writes into.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        for t in TABLES.iter() {
            if t.name == "audit_head" {
                continue;
            }
            let n = tx
                .fetch(&format!("SELECT COUNT(*) FROM {}", t.name), &[], &[Ty::Int])
                .await?[0][0]
                .as_int()
                .unwrap_or(0);
            if n > 0 {
                tx.rollback().await?;
                return Ok(false);
            }
        }
        tx.rollback().await?;
        Ok(true)
    }

    /// Restores a logical dump into this (empty) registry, all or nothing:
    /// the dump's checksum and row counts are checked, every row is
    /// inserted as it was, the audit trail is verified, and the restore is
    /// recorded. Returns the rows restored per table.
    pub async fn restore_logical(
        &self,
        scope: &Scope,
        label: &Path,
        input: &mut dyn BufRead,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        operator_only(scope)?;
        if !self.is_empty().await? {
            return Err(StoreError::Refused(vec![format!(
                "{}: the target database is not empty; restore into a new database (`mibg db init --db …`)",
                self.location().display()
            )]));
        }
        let bad = |m: String| StoreError::Refused(vec![format!("{}: {m}", label.display())]);
        let io = io_err(label);
        let mut tx = self.pool.begin_write().await?;
        let mut hasher = Sha256::new();
        let mut line = String::new();
        let mut lineno = 0u64;
        let mut current: Option<&'static crate::schema::TableDef> = None;
        let mut batch: Vec<Vec<Value>> = Vec::new();
        let mut counts: Vec<(String, i64)> = Vec::new();
        let mut trailer: Option<serde_json::Value> = None;
        async fn flush(
            tx: &mut crate::db::Tx,
            t: &'static crate::schema::TableDef,
            batch: &mut Vec<Vec<Value>>,
        ) -> Result<(), StoreError> {
            if batch.is_empty() {
                return Ok(());
            }
            if t.name == "audit_head" {
                for r in batch.drain(..) {
                    tx.execute(
                        "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
                        &[r[1].clone(), r[2].clone()],
                    )
                    .await?;
                }
                return Ok(());
            }
            let n = t.columns.len();
            let mut params = Vec::with_capacity(batch.len() * n);
            let mut groups = Vec::new();
            for (i, r) in batch.drain(..).enumerate() {
                groups.push(format!("({})", crate::db::placeholders(i * n + 1, n)));
                params.extend(r);
            }
            tx.execute(
                &format!(
                    "INSERT INTO {} ({}) VALUES {}",
                    t.name,
                    t.select_list(),
                    groups.join(", ")
                ),
                &params,
            )
            .await?;
            Ok(())
        }
        let result: Result<(), StoreError> = async {
            loop {
                line.clear();
                if input.read_line(&mut line).map_err(&io)? == 0 {
                    break;
                }
                lineno += 1;
                let text = line.trim_end_matches('\n');
                let v: serde_json::Value = serde_json::from_str(text)
                    .map_err(|e| bad(format!("line {lineno}: not JSON ({e})")))?;
                if v.get("end").is_some() {
                    trailer = Some(v);
                    break;
                }
                hasher.update(text.as_bytes());
                hasher.update(b"\n");
                if lineno == 1 {
                    if v["format"] != LOGICAL_FORMAT {
                        return Err(bad("not a mibg logical dump".into()));
                    }
                    if v["schema"].as_i64() != Some(SCHEMA_VERSION) {
                        return Err(bad(format!(
                            "schema {} in the dump, this mibg has schema {SCHEMA_VERSION}",
                            v["schema"]
                        )));
                    }
                    continue;
                }
                if let Some(name) = v.get("table").and_then(|n| n.as_str()) {
                    if let Some(t) = current {
                        flush(&mut tx, t, &mut batch).await?;
                    }
                    let t = TABLES
                        .iter()
                        .find(|t| t.name == name)
                        .ok_or_else(|| bad(format!("line {lineno}: unknown table {name}")))?;
                    let cols: Vec<&str> = v["columns"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|c| c.as_str()).collect())
                        .unwrap_or_default();
                    if cols != t.columns.iter().map(|c| c.name).collect::<Vec<_>>() {
                        return Err(bad(format!(
                            "line {lineno}: the columns of {name} differ from this schema"
                        )));
                    }
                    current = Some(t);
                    counts.push((name.to_string(), 0));
                    continue;
                }
                let (Some(t), Some(arr)) = (current, v.as_array()) else {
                    return Err(bad(format!("line {lineno}: a row outside a table")));
                };
                if arr.len() != t.columns.len() {
                    return Err(bad(format!(
                        "line {lineno}: {} values for {} columns",
                        arr.len(),
                        t.columns.len()
                    )));
                }
                let row = t
                    .columns
                    .iter()
                    .zip(arr)
                    .map(|(c, x)| match (c.ty, x) {
                        (Ty::Int, serde_json::Value::Null) => Ok(Value::Int(None)),
                        (Ty::Real, serde_json::Value::Null) => Ok(Value::Real(None)),
                        (Ty::Text, serde_json::Value::Null) => Ok(Value::Text(None)),
                        (Ty::Int, x) if x.is_i64() => Ok(Value::Int(x.as_i64())),
                        (Ty::Real, x) if x.is_number() => Ok(Value::Real(x.as_f64())),
                        (Ty::Text, serde_json::Value::String(s)) => Ok(Value::text(s.clone())),
                        _ => Err(bad(format!(
                            "line {lineno}: column {} has a value of the wrong type",
                            c.name
                        ))),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                batch.push(row);
                if let Some(last) = counts.last_mut() {
                    last.1 += 1;
                }
                if batch.len() >= 300 {
                    flush(&mut tx, t, &mut batch).await?;
                }
            }
            if let Some(t) = current {
                flush(&mut tx, t, &mut batch).await?;
            }
            let trailer = trailer
                .take()
                .ok_or_else(|| bad("the dump is truncated (no trailer)".into()))?;
            let digest: String = hasher
                .clone()
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            if trailer["sha256"].as_str() != Some(digest.as_str()) {
                return Err(bad(
                    "the checksum does not match: the dump is damaged".into()
                ));
            }
            for (t, n) in &counts {
                if trailer["rows"][t].as_i64() != Some(*n) {
                    return Err(bad(format!(
                        "table {t}: {n} rows, the trailer says {}",
                        trailer["rows"][t]
                    )));
                }
            }
            if counts.len() != TABLES.len() {
                return Err(bad("the dump does not contain every table".into()));
            }
            Ok(())
        }
        .await;
        match result {
            Ok(()) => tx.commit().await?,
            Err(e) => {
                tx.rollback().await?;
                return Err(e);
            }
        }
        self.after_restore(scope, label).await?;
        Ok(counts)
    }

    /// Verifies the restored trail (a restore of a tampered backup is
    /// undone by the caller deleting the new database) and records the
    /// restore.
    async fn after_restore(&self, scope: &Scope, label: &Path) -> Result<(), StoreError> {
        let v = self.verify_audit(scope).await?;
        if !v.intact() {
            return Err(StoreError::Refused(
                std::iter::once(format!(
                    "{}: the restored audit trail does not verify; the restored database must not be used",
                    label.display()
                ))
                .chain(v.problems)
                .collect(),
            ));
        }
        let mut w = Writer::begin(self, scope.actor()).await?;
        w.record(Event {
            action: action::RESTORE,
            new_value: Some(
                serde_json::json!({"file": label.display().to_string(), "records": v.records, "head": v.head_hash})
                    .to_string(),
            ),
            ..Event::default()
        })
        .await?;
        w.commit().await
    }
}

/// Restores a SQLite backup file to a new SQLite database at `target`
/// (which must not exist): the backup's audit trail is verified first,
/// then it is copied with `VACUUM INTO`, and the restore is recorded in
/// the new database. Returns the restored store.
pub async fn restore_sqlite_file(
    scope: &Scope,
    backup: &Path,
    target: &Path,
) -> Result<Store, StoreError> {
    operator_only(scope)?;
    if target.exists() {
        return Err(StoreError::Refused(vec![format!(
            "{}: already exists; restore into a new file (a restore never overwrites a database)",
            target.display()
        )]));
    }
    let src = Store::open(&crate::Location::Sqlite(backup.to_path_buf())).await?;
    let v = src.verify_audit(scope).await?;
    if !v.intact() {
        src.close().await;
        return Err(StoreError::Refused(
            std::iter::once(format!(
                "{}: its audit trail does not verify; not restored",
                backup.display()
            ))
            .chain(v.problems)
            .collect(),
        ));
    }
    let Pool::Sqlite(pool) = &src.pool else {
        unreachable!("opened as SQLite")
    };
    sqlx::query("VACUUM INTO $1")
        .bind(target.display().to_string())
        .execute(pool)
        .await?;
    src.close().await;
    let store = Store::open(&crate::Location::Sqlite(target.to_path_buf())).await?;
    store.after_restore(scope, backup).await?;
    Ok(store)
}

/// The SHA-256 of a file, for the backup message.
pub fn file_sha256(path: &Path) -> Result<String, StoreError> {
    std::fs::read(path)
        .map(sha256_hex)
        .map_err(|e| StoreError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })
}
