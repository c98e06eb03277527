//! The audit trail (docs/reference/registry.md §4; 21 CFR 11.10(e); ICH E6(R3)).
//!
//! * Every change is recorded **in the transaction that makes it**: the
//!   store's only way to write is a `Writer`, which locks the audit head
//!   first and appends the records before it commits.
//! * Each record carries the hash of the previous one (SHA-256 over a
//!   canonical serialisation), and every record about a row carries the
//!   SHA-256 of the row's content after the change.
//! * Nothing updates or deletes audit rows: the store has no such
//!   statement, and database triggers refuse them.
//! * [`crate::Store::verify_audit`] recomputes the chain and compares every
//!   row of every table with its last audited state, so a change made
//!   behind the application (raw SQL on a record, on an audit row, a row
//!   inserted or deleted) is reported.

use crate::Store;
use crate::db::{Tx, Ty, Value, placeholders};
use crate::error::StoreError;
use crate::schema::{Kind, TABLES, TableDef, sha256_hex};
use crate::scope::{Actor, Permission, Scope};
use std::collections::HashMap;

/// The hash before the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How many audit rows go into one INSERT.
const BATCH: usize = 400;

/// What was done (the `action` column).
pub mod action {
    /// A record was created.
    pub const CREATE: &str = "create";
    /// A field of a saved record changed (one audit row per field).
    pub const UPDATE: &str = "update";
    /// A record was flagged deleted (a state; the row stays).
    pub const DELETE: &str = "delete";
    /// A user's role, centres or identified-export right changed.
    pub const ROLE_CHANGE: &str = "role_change";
    /// A password was set or changed.
    pub const PASSWORD_CHANGE: &str = "password_change";
    /// A successful sign-in.
    pub const LOGIN: &str = "login";
    /// A failed sign-in (the attempted user name is in `new_value`).
    pub const LOGIN_FAILED: &str = "login_failed";
    /// A signed-in user typed a wrong password again (to change it, or to
    /// sign), or typed it while the account was throttled; the purpose is
    /// in `new_value`, the cause in `reason`. Counted with the failed
    /// sign-ins by the store's throttle.
    pub const REAUTH_FAILED: &str = "reauth_failed";
    /// A sign-out.
    pub const LOGOUT: &str = "logout";
    /// A signature was applied.
    pub const SIGN: &str = "sign";
    /// A signature was voided (the record changed, or on request).
    pub const VOID_SIGNATURE: &str = "void_signature";
    /// A pseudonymised export.
    pub const EXPORT: &str = "export";
    /// An export with identifiers.
    pub const EXPORT_IDENTIFIED: &str = "export_identified";
    /// A study folder was imported (one summary record; each row also has its own).
    pub const IMPORT: &str = "import";
    /// A backup was written.
    pub const BACKUP: &str = "backup";
    /// The database was restored from a backup.
    pub const RESTORE: &str = "restore";
}

/// One audit record as stored.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AuditRecord {
    /// Position in the chain (1, 2, …).
    pub seq: i64,
    /// When (UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`).
    pub at: String,
    /// `user`, `operator` or `anonymous` (a failed sign-in).
    pub actor_kind: String,
    /// The user's id.
    pub user_id: Option<i64>,
    /// The printed name of who acted.
    pub actor_name: String,
    /// What was done (see [`action`]).
    pub action: String,
    /// Table.
    pub entity: Option<String>,
    /// Row id.
    pub entity_id: Option<i64>,
    /// Centre of the row (for scoped reading of the trail).
    pub centre_id: Option<i64>,
    /// Patient of the row.
    pub patient_id: Option<i64>,
    /// Field changed (updates).
    pub field: Option<String>,
    /// Old value, JSON.
    pub old_value: Option<String>,
    /// New value, JSON (a whole record for a creation).
    pub new_value: Option<String>,
    /// Why (required for changes to saved data).
    pub reason: Option<String>,
    /// SHA-256 of the row's content after the change.
    pub row_hash: Option<String>,
    /// Hash of the previous record.
    pub prev_hash: String,
    /// Hash of this record.
    pub hash: String,
}

const COLUMNS: &str = "seq, at, actor_kind, user_id, actor_name, action, entity, entity_id, centre_id, patient_id, field, old_value, new_value, reason, row_hash, prev_hash, hash";
const TYPES: [Ty; 17] = [
    Ty::Int,
    Ty::Text,
    Ty::Text,
    Ty::Int,
    Ty::Text,
    Ty::Text,
    Ty::Text,
    Ty::Int,
    Ty::Int,
    Ty::Int,
    Ty::Text,
    Ty::Text,
    Ty::Text,
    Ty::Text,
    Ty::Text,
    Ty::Text,
    Ty::Text,
];

impl AuditRecord {
    /// The hash of this record: SHA-256 of the JSON array of every field
    /// but `hash`, in column order.
    pub fn compute_hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.at,
            self.actor_kind,
            self.user_id,
            self.actor_name,
            self.action,
            self.entity,
            self.entity_id,
            self.centre_id,
            self.patient_id,
            self.field,
            self.old_value,
            self.new_value,
            self.reason,
            self.row_hash,
            self.prev_hash,
        ]);
        sha256_hex(canonical.to_string())
    }

    fn values(&self) -> Vec<Value> {
        vec![
            Value::int(self.seq),
            Value::text(&self.at),
            Value::text(&self.actor_kind),
            Value::Int(self.user_id),
            Value::text(&self.actor_name),
            Value::text(&self.action),
            Value::Text(self.entity.clone()),
            Value::Int(self.entity_id),
            Value::Int(self.centre_id),
            Value::Int(self.patient_id),
            Value::Text(self.field.clone()),
            Value::Text(self.old_value.clone()),
            Value::Text(self.new_value.clone()),
            Value::Text(self.reason.clone()),
            Value::Text(self.row_hash.clone()),
            Value::text(&self.prev_hash),
            Value::text(&self.hash),
        ]
    }

    fn from_values(v: Vec<Value>) -> Self {
        let t = |i: usize| v[i].as_text().map(str::to_string);
        AuditRecord {
            seq: v[0].as_int().unwrap_or(0),
            at: t(1).unwrap_or_default(),
            actor_kind: t(2).unwrap_or_default(),
            user_id: v[3].as_int(),
            actor_name: t(4).unwrap_or_default(),
            action: t(5).unwrap_or_default(),
            entity: t(6),
            entity_id: v[7].as_int(),
            centre_id: v[8].as_int(),
            patient_id: v[9].as_int(),
            field: t(10),
            old_value: t(11),
            new_value: t(12),
            reason: t(13),
            row_hash: t(14),
            prev_hash: t(15).unwrap_or_default(),
            hash: t(16).unwrap_or_default(),
        }
    }
}

/// The canonical content of a row: `{"column":value,…}` in schema order,
/// JSON values, secrets replaced by their SHA-256. Its SHA-256 is the row
/// hash of the audit trail and the content hash a signature binds to.
pub fn canonical_row(table: &TableDef, values: &[Value]) -> String {
    let mut s = String::from("{");
    for (i, (c, v)) in table.columns.iter().zip(values).enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&serde_json::Value::String(c.name.to_string()).to_string());
        s.push(':');
        let j = match (c.secret, v.as_text()) {
            (true, Some(t)) => serde_json::Value::String(format!("sha256:{}", sha256_hex(t))),
            _ => v.to_json(),
        };
        s.push_str(&j.to_string());
    }
    s.push('}');
    s
}

/// The row hash: SHA-256 of [`canonical_row`].
pub fn row_hash(table: &TableDef, values: &[Value]) -> String {
    sha256_hex(canonical_row(table, values))
}

/// One change to record; the writer fills in who, when and the chain.
#[derive(Clone, Debug, Default)]
pub(crate) struct Event {
    pub action: &'static str,
    pub entity: Option<&'static str>,
    pub entity_id: Option<i64>,
    pub centre_id: Option<i64>,
    pub patient_id: Option<i64>,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
    pub row_hash: Option<String>,
}

/// The current UTC instant in the store's format.
pub fn now_utc() -> String {
    format_instant(jiff::Timestamp::now())
}

/// A UTC instant in the store's format (`YYYY-MM-DDTHH:MM:SS.ffffffZ`).
pub fn format_instant(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// A write transaction with the audit head locked: the only way the store
/// changes data.
pub(crate) struct Writer {
    pub tx: Tx,
    seq: i64,
    hash: String,
    /// The instant of every record of this transaction.
    pub at: String,
    actor: Actor,
    pending: Vec<AuditRecord>,
}

impl Writer {
    pub(crate) async fn begin(store: &Store, actor: &Actor) -> Result<Writer, StoreError> {
        let mut tx = store.pool.begin_write().await?;
        // Lock the head row first: writers are serialised on it (PostgreSQL
        // row lock; SQLite already holds the database write lock).
        tx.execute("UPDATE audit_head SET seq = seq WHERE id = 1", &[])
            .await?;
        let head = tx
            .fetch_optional(
                "SELECT seq, hash FROM audit_head WHERE id = 1",
                &[],
                &[Ty::Int, Ty::Text],
            )
            .await?
            .ok_or_else(|| StoreError::Corrupt("the audit head row is missing".into()))?;
        Ok(Writer {
            tx,
            seq: head[0].as_int().unwrap_or(0),
            hash: head[1].as_text().unwrap_or(GENESIS_HASH).to_string(),
            at: now_utc(),
            actor: actor.clone(),
            pending: Vec::new(),
        })
    }

    /// Appends one audit record (written in batches, always before commit).
    pub(crate) async fn record(&mut self, e: Event) -> Result<(), StoreError> {
        self.seq += 1;
        let mut r = AuditRecord {
            seq: self.seq,
            at: self.at.clone(),
            actor_kind: match self.actor {
                Actor::User { .. } => "user".into(),
                Actor::Operator { .. } => "operator".into(),
                Actor::Anonymous { .. } => "anonymous".into(),
            },
            user_id: self.actor.user_id(),
            actor_name: self.actor.printed_name(),
            action: e.action.to_string(),
            entity: e.entity.map(str::to_string),
            entity_id: e.entity_id,
            centre_id: e.centre_id,
            patient_id: e.patient_id,
            field: e.field,
            old_value: e.old_value,
            new_value: e.new_value,
            reason: e.reason,
            row_hash: e.row_hash,
            prev_hash: self.hash.clone(),
            hash: String::new(),
        };
        r.hash = r.compute_hash();
        self.hash = r.hash.clone();
        self.pending.push(r);
        if self.pending.len() >= BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let n = self.pending.len();
        let mut params = Vec::with_capacity(n * 17);
        let mut rows = Vec::with_capacity(n);
        for (i, r) in self.pending.drain(..).enumerate() {
            rows.push(format!("({})", placeholders(i * 17 + 1, 17)));
            params.extend(r.values());
        }
        let sql = format!("INSERT INTO audit ({COLUMNS}) VALUES {}", rows.join(", "));
        self.tx.execute(&sql, &params).await?;
        Ok(())
    }

    /// Writes the pending records, moves the head and commits.
    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        self.flush().await?;
        self.tx
            .execute(
                "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
                &[Value::int(self.seq), Value::text(&self.hash)],
            )
            .await?;
        self.tx.commit().await
    }

    /// Abandons everything (nothing of the transaction is kept).
    pub(crate) async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await
    }
}

/// The result of [`Store::verify_audit`].
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Verification {
    /// Audit records checked.
    pub records: i64,
    /// The head of the chain (record it elsewhere to detect a truncation).
    pub head_hash: String,
    /// Rows of record tables compared with their last audited state.
    pub rows: i64,
    /// Everything found wrong; empty when the trail is intact.
    pub problems: Vec<String>,
}

impl Verification {
    /// True when nothing is wrong.
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// How many problems are listed before the rest are counted only.
const MAX_LISTED: usize = 200;

impl Store {
    /// Verifies the whole audit trail: the hash chain (contiguous sequence,
    /// each record's hash, each link), the head, and every row of every
    /// record table against the row hash of its last audit record. Needs
    /// the right to read the audit trail; covers every centre, so only the
    /// operator (and no user scope narrower than all centres) can run it.
    pub async fn verify_audit(&self, scope: &Scope) -> Result<Verification, StoreError> {
        scope.require(Permission::ReadAudit)?;
        if *scope.centres() != crate::scope::Centres::All {
            return Err(StoreError::Forbidden(
                "verifying the audit trail reads every centre's records; run `mibg db verify-audit` on the database".into(),
            ));
        }
        let mut tx = self.pool.begin_read().await?;
        let mut problems = Vec::new();
        let mut extra = 0usize;
        let mut note = |p: String, problems: &mut Vec<String>| {
            if problems.len() < MAX_LISTED {
                problems.push(p);
            } else {
                extra += 1;
            }
        };
        let table_index: HashMap<&str, usize> = TABLES
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name, i))
            .collect();
        let mut last: HashMap<(usize, i64), String> = HashMap::new();
        let mut expected_seq = 1i64;
        let mut prev = GENESIS_HASH.to_string();
        let mut after = 0i64;
        loop {
            let page = tx
                .fetch(
                    &format!("SELECT {COLUMNS} FROM audit WHERE seq > $1 ORDER BY seq LIMIT 20000"),
                    &[Value::int(after)],
                    &TYPES,
                )
                .await?;
            if page.is_empty() {
                break;
            }
            for v in page {
                let r = AuditRecord::from_values(v);
                after = r.seq;
                if r.seq != expected_seq {
                    note(
                        format!(
                            "audit record {}: expected sequence number {expected_seq} (records missing or inserted behind the application)",
                            r.seq
                        ),
                        &mut problems,
                    );
                    expected_seq = r.seq;
                }
                if r.prev_hash != prev {
                    note(
                        format!(
                            "audit record {}: its link to the previous record is broken (a record before it was changed, removed or inserted)",
                            r.seq
                        ),
                        &mut problems,
                    );
                }
                if r.compute_hash() != r.hash {
                    note(
                        format!(
                            "audit record {} ({} {} {}): its content does not match its hash (changed behind the application)",
                            r.seq,
                            r.action,
                            r.entity.as_deref().unwrap_or(""),
                            r.entity_id.map(|x| x.to_string()).unwrap_or_default()
                        ),
                        &mut problems,
                    );
                }
                prev = r.hash.clone();
                expected_seq += 1;
                if let (Some(e), Some(id), Some(h)) = (&r.entity, r.entity_id, r.row_hash)
                    && let Some(&i) = table_index.get(e.as_str())
                {
                    last.insert((i, id), h);
                }
            }
        }
        let records = expected_seq - 1;
        let head = tx
            .fetch_optional(
                "SELECT seq, hash FROM audit_head WHERE id = 1",
                &[],
                &[Ty::Int, Ty::Text],
            )
            .await?;
        match head {
            Some(h) if h[0].as_int() == Some(records) && h[1].as_text() == Some(prev.as_str()) => {}
            _ => note(
                format!(
                    "the audit head does not point at the last record ({records}): records were removed or added behind the application"
                ),
                &mut problems,
            ),
        }
        let mut rows = 0i64;
        for (ti, t) in TABLES.iter().enumerate() {
            if t.kind == Kind::Audit {
                continue;
            }
            let mut after = i64::MIN;
            loop {
                let page = tx
                    .fetch(
                        &format!(
                            "SELECT {} FROM {} WHERE id > $1 ORDER BY id LIMIT 20000",
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
                for v in page {
                    let id = v[0].as_int().unwrap_or(0);
                    after = id;
                    rows += 1;
                    let h = row_hash(t, &v);
                    match last.remove(&(ti, id)) {
                        None => note(
                            format!(
                                "{} {id}: no audit record (written behind the application)",
                                t.name
                            ),
                            &mut problems,
                        ),
                        Some(a) if a != h => note(
                            format!(
                                "{} {id}: differs from its last audited state (changed behind the application)",
                                t.name
                            ),
                            &mut problems,
                        ),
                        Some(_) => {}
                    }
                }
            }
        }
        let mut gone: Vec<_> = last.into_keys().collect();
        gone.sort();
        for (ti, id) in gone {
            note(
                format!(
                    "{} {id}: audited but missing from the table (removed behind the application)",
                    TABLES[ti].name
                ),
                &mut problems,
            );
        }
        tx.rollback().await?;
        if extra > 0 {
            problems.push(format!("… and {extra} more problem(s)"));
        }
        Ok(Verification {
            records,
            head_hash: prev,
            rows,
            problems,
        })
    }

    /// The audit trail of one patient (every record about any of the
    /// patient's rows), oldest first: the "history" a monitor reads. Values
    /// of identifying data are withheld from callers without the right to
    /// read identifiers.
    pub async fn patient_history(
        &self,
        scope: &Scope,
        patient_id: i64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        scope.require(Permission::ReadAudit)?;
        let mut tx = self.pool.begin_read().await?;
        crate::records::patient_centre(&mut tx, scope, patient_id).await?;
        let mut params = vec![Value::int(patient_id)];
        let cond = scope.centre_condition("centre_id", &mut params);
        let rows = tx
            .fetch(
                &format!(
                    "SELECT {COLUMNS} FROM audit WHERE patient_id = $1 AND {cond} ORDER BY seq"
                ),
                &params,
                &TYPES,
            )
            .await?;
        tx.rollback().await?;
        let identifiers = scope.can(Permission::ReadIdentifiers);
        Ok(rows
            .into_iter()
            .map(|v| {
                let mut r = AuditRecord::from_values(v);
                if !identifiers && r.entity.as_deref() == Some("patient_identity") {
                    for x in [&mut r.old_value, &mut r.new_value] {
                        if x.is_some() {
                            *x = Some("\"(identifying data withheld)\"".into());
                        }
                    }
                }
                r
            })
            .collect())
    }

    /// The audit records of one action (e.g. [`action::LOGIN_FAILED`])
    /// since an instant, newest first, at most `limit`. For the admin's
    /// sign-in log and for throttling; needs the right to manage users.
    pub async fn audit_by_action(
        &self,
        scope: &Scope,
        action: &str,
        since: &str,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        scope.require(Permission::ManageUsers)?;
        let mut tx = self.pool.begin_read().await?;
        let rows = tx
            .fetch(
                &format!(
                    "SELECT {COLUMNS} FROM audit WHERE action = $1 AND at >= $2 ORDER BY seq DESC LIMIT $3"
                ),
                &[Value::text(action), Value::text(since), Value::int(limit)],
                &TYPES,
            )
            .await?;
        tx.rollback().await?;
        Ok(rows.into_iter().map(AuditRecord::from_values).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::table;

    #[test]
    fn a_record_hash_covers_every_field() {
        let mut r = AuditRecord {
            seq: 1,
            at: "2026-11-27T10:00:00.000000Z".into(),
            actor_kind: "operator".into(),
            user_id: None,
            actor_name: "root (command line)".into(),
            action: "create".into(),
            entity: Some("readings".into()),
            entity_id: Some(7),
            centre_id: Some(1),
            patient_id: Some(2),
            field: None,
            old_value: None,
            new_value: Some("{}".into()),
            reason: None,
            row_hash: Some("ab".into()),
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
        };
        let h = r.compute_hash();
        assert_eq!(h.len(), 64);
        for change in 0..6 {
            let mut s = r.clone();
            match change {
                0 => s.seq = 2,
                1 => s.at.push('x'),
                2 => s.new_value = Some("{\"a\":1}".into()),
                3 => s.reason = Some("why".into()),
                4 => s.prev_hash = "1".repeat(64),
                _ => s.actor_name = "someone else".into(),
            }
            assert_ne!(s.compute_hash(), h, "change {change}");
        }
        r.hash = h.clone();
        assert_eq!(r.compute_hash(), h, "the hash field itself is not hashed");
    }

    #[test]
    fn canonical_rows_are_ordered_json_and_hide_secrets() {
        let t = table("centres");
        let v = vec![
            Value::int(1),
            Value::text("Rome"),
            Value::text("Ospedale \"Bambino\""),
            Value::text("Europe/Rome"),
            Value::int(1),
            Value::int(0),
        ];
        assert_eq!(
            canonical_row(t, &v),
            r#"{"id":1,"code":"Rome","name":"Ospedale \"Bambino\"","time_zone":"Europe/Rome","version":1,"deleted":0}"#
        );
        let u = table("users");
        let mut vals: Vec<Value> = u
            .columns
            .iter()
            .map(|c| match c.ty {
                Ty::Int => Value::int(0),
                Ty::Real => Value::real(0.0),
                Ty::Text => Value::text("x"),
            })
            .collect();
        let i = u
            .columns
            .iter()
            .position(|c| c.name == "password_hash")
            .unwrap();
        vals[i] = Value::text("$argon2id$secret");
        let c = canonical_row(u, &vals);
        assert!(!c.contains("secret"), "{c}");
        assert!(c.contains("sha256:"));
        assert!(format_instant(jiff::Timestamp::UNIX_EPOCH) == "1970-01-01T00:00:00.000000Z");
    }
}
