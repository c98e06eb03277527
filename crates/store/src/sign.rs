//! Electronic signatures (docs/reference/registry.md §3; 21 CFR 11.50, 11.70, 11.200).
//!
//! * A signature shows the signer's printed name, the instant (UTC) and its
//!   meaning (authored, reviewed, approved) — 11.50.
//! * It is bound to one version of one record by the SHA-256 of that
//!   version's canonical content (`audit::canonical_row`), so it cannot be
//!   moved to another record, and a change to the record creates a new
//!   version and voids it; the voided signature stays, visibly — 11.70.
//! * Signing asks for the signer's password every time — 11.200.
//! * A prescription is approved by a physician who is not its author
//!   [C: two-person check], and only once every open warning is
//!   acknowledged (docs/reference/registry.md §2).

use crate::Store;
use crate::audit::{Event, Writer, action, row_hash};
use crate::db::{Ty, Value};
use crate::error::StoreError;
use crate::records::{fetch_row, insert_audited, next_id, update_audited};
use crate::schema::{Kind, TableDef, table};
use crate::scope::{Actor, Permission, Scope};

/// What a signature means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Meaning {
    /// The signer wrote it (e.g. the physicist's proposal of A2).
    Authored,
    /// The signer checked it.
    Reviewed,
    /// The signer approved it (a physician; not the author).
    Approved,
}

impl Meaning {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Meaning::Authored => "authored",
            Meaning::Reviewed => "reviewed",
            Meaning::Approved => "approved",
        }
    }
    fn parse(s: &str) -> Option<Meaning> {
        [Meaning::Authored, Meaning::Reviewed, Meaning::Approved]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
    fn permission(self) -> Permission {
        match self {
            Meaning::Authored => Permission::SignAuthored,
            Meaning::Reviewed => Permission::SignReviewed,
            Meaning::Approved => Permission::SignApproved,
        }
    }
}

/// A signature, as shown on screen, in exports and documents.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Signature {
    /// Signature id.
    pub id: i64,
    /// Signed table.
    pub entity: String,
    /// Signed record.
    pub entity_id: i64,
    /// The version signed.
    pub entity_version: i64,
    /// SHA-256 of that version's canonical content.
    pub content_sha256: String,
    /// Meaning.
    pub meaning: Meaning,
    /// Signer.
    pub user_id: i64,
    /// Signer's printed name.
    pub printed_name: String,
    /// When (UTC).
    pub signed_at: String,
    /// When voided, if voided.
    pub voided_at: Option<String>,
    /// Why voided.
    pub void_reason: Option<String>,
    /// Not voided, and the record is still exactly the version signed (its
    /// content hash matches).
    pub valid: bool,
}

fn signable(entity: &str) -> Result<&'static TableDef, StoreError> {
    let t = crate::schema::TABLES
        .iter()
        .find(|t| t.name == entity)
        .ok_or_else(|| StoreError::NotFound {
            entity: "tables",
            id: entity.to_string(),
        })?;
    if t.kind != Kind::Clinical || t.name == "signatures" || t.name == "patient_identity" {
        return Err(StoreError::Signature(format!(
            "{entity} records are not signed"
        )));
    }
    Ok(t)
}

pub(crate) fn signature_from(
    v: &[Value],
    current: Option<(i64, &str)>,
) -> Result<Signature, StoreError> {
    let t = |i: usize| v[i].as_text().map(str::to_string);
    let entity_version = v[5].as_int().unwrap_or(0);
    let content = t(6).unwrap_or_default();
    let voided_at = t(11);
    let valid = voided_at.is_none()
        && current.is_some_and(|(ver, h)| ver == entity_version && h == content);
    Ok(Signature {
        id: v[0].as_int().unwrap_or(0),
        entity: t(3).unwrap_or_default(),
        entity_id: v[4].as_int().unwrap_or(0),
        entity_version,
        content_sha256: content,
        meaning: t(7)
            .as_deref()
            .and_then(Meaning::parse)
            .ok_or_else(|| StoreError::Corrupt("signature meaning".into()))?,
        user_id: v[8].as_int().unwrap_or(0),
        printed_name: t(9).unwrap_or_default(),
        signed_at: t(10).unwrap_or_default(),
        voided_at,
        void_reason: t(12),
        valid,
    })
}

pub(crate) const SIG_COLS: &str = "id, centre_id, patient_id, entity, entity_id, entity_version, content_sha256, meaning, user_id, printed_name, signed_at, voided_at, void_reason, version, deleted";

/// Voids every active signature of a record (the record changed).
pub(crate) async fn void_all(
    w: &mut Writer,
    scope: &Scope,
    entity: &'static str,
    id: i64,
    reason: &str,
) -> Result<(), StoreError> {
    let t = table("signatures");
    let rows = w
        .tx
        .fetch(
            "SELECT id, version FROM signatures WHERE entity = $1 AND entity_id = $2 AND voided_at IS NULL AND deleted = 0",
            &[Value::text(entity), Value::int(id)],
            &[Ty::Int, Ty::Int],
        )
        .await?;
    for r in rows {
        let (sid, ver) = (r[0].as_int().unwrap_or(0), r[1].as_int().unwrap_or(0));
        let at = w.at.clone();
        update_audited(
            w,
            t,
            scope,
            sid,
            ver,
            &[
                ("voided_at", Value::text(at)),
                ("void_reason", Value::text(reason)),
            ],
            reason,
            action::VOID_SIGNATURE,
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// Checks the signer's password before a signed act that first creates
    /// records (a plan of a course, a proposal of the second activity), so
    /// that a wrong password leaves no draft behind. A refusal is audited
    /// as a refused signature (`action::SIGN`, "refused: …" on the entity
    /// the act concerns) and answered with [`StoreError::Signature`].
    pub(crate) async fn check_signer_password(
        &self,
        scope: &Scope,
        user_id: i64,
        password: &str,
        entity: &'static str,
        entity_id: i64,
        refusal: &str,
    ) -> Result<(), StoreError> {
        let mut w = Writer::begin(self, scope.actor()).await?;
        let check = crate::auth::recheck_password(
            &mut w,
            user_id,
            password,
            &format!("to sign {entity} {entity_id}"),
        )
        .await;
        match check {
            Ok(crate::auth::Recheck::Right) => return w.rollback().await,
            Ok(_) => {}
            Err(e) => {
                w.rollback().await?;
                return Err(e);
            }
        }
        w.record(Event {
            action: action::SIGN,
            entity: Some(entity),
            entity_id: Some(entity_id),
            new_value: Some(serde_json::Value::String(refusal.to_string()).to_string()),
            ..Event::default()
        })
        .await?;
        w.commit().await?;
        Err(StoreError::Signature("the password is not correct".into()))
    }
    /// Signs version `expected_version` of record `entity`/`id` with
    /// `meaning`, after checking the signer's `password` again (11.200).
    /// Only a user signs (not the command-line operator).
    pub async fn sign(
        &self,
        scope: &Scope,
        entity: &str,
        id: i64,
        expected_version: i64,
        meaning: Meaning,
        password: &str,
    ) -> Result<Signature, StoreError> {
        self.sign_acknowledging(scope, entity, id, expected_version, meaning, password, None)
            .await
    }

    /// As [`Store::sign`], and the signer acknowledges, one by one, every
    /// warning of the record (a prescription's `warnings`): a warning not in
    /// `acknowledged` refuses the signature (docs/reference/registry.md §2:
    /// "a prescription built on data with open warnings needs an explicit
    /// acknowledgement per warning"). The acknowledgements are recorded in
    /// the signature's audit record. `None`: no acknowledgement asked.
    #[allow(clippy::too_many_arguments)]
    pub async fn sign_acknowledging(
        &self,
        scope: &Scope,
        entity: &str,
        id: i64,
        expected_version: i64,
        meaning: Meaning,
        password: &str,
        acknowledged: Option<&[String]>,
    ) -> Result<Signature, StoreError> {
        let Actor::User {
            id: user_id,
            printed_name,
            ..
        } = scope.actor().clone()
        else {
            return Err(StoreError::Signature(
                "only a registry user signs; the command-line operator cannot".into(),
            ));
        };
        scope.require(meaning.permission())?;
        let t = signable(entity)?;
        let mut w = Writer::begin(self, scope.actor()).await?;
        let result = async {
            if crate::auth::recheck_password(&mut w, user_id, password, &format!("to sign {entity} {id}"))
                .await?
                != crate::auth::Recheck::Right
            {
                w.record(Event {
                    action: action::SIGN,
                    entity: Some(t.name),
                    entity_id: Some(id),
                    new_value: Some("\"refused: wrong password\"".into()),
                    ..Event::default()
                })
                .await?;
                return Ok(Err(StoreError::Signature(
                    "the password is not correct".into(),
                )));
            }
            let row = fetch_row(&mut w.tx, t, scope, id)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    entity: t.name,
                    id: id.to_string(),
                })?;
            let col = |n: &str| t.columns.iter().position(|c| c.name == n).unwrap_or(0);
            if row[col("deleted")].as_int() == Some(1) {
                return Err(StoreError::Signature(format!("{} {id} is deleted", t.name)));
            }
            let version = row[col("version")].as_int().unwrap_or(0);
            if version != expected_version {
                return Err(StoreError::Conflict {
                    expected: expected_version,
                    current: Box::new(crate::records::current_record(t, &row)),
                });
            }
            let content = row_hash(t, &row);
            if let Some(acks) = acknowledged
                && let Some(wcol) = t.columns.iter().position(|c| c.name == "warnings")
            {
                let warnings: Vec<String> =
                    serde_json::from_str(row[wcol].as_text().unwrap_or("[]")).unwrap_or_default();
                let open: Vec<&String> =
                    warnings.iter().filter(|x| !acks.contains(x)).collect();
                if !open.is_empty() {
                    return Err(StoreError::Signature(format!(
                        "{} warning(s) not acknowledged by the signer: {}",
                        open.len(),
                        open.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("; ")
                    )));
                }
            }
            let active = w
                .tx
                .fetch(
                    "SELECT user_id, meaning FROM signatures WHERE entity = $1 AND entity_id = $2 AND entity_version = $3 AND voided_at IS NULL AND deleted = 0",
                    &[Value::text(t.name), Value::int(id), Value::int(version)],
                    &[Ty::Int, Ty::Text],
                )
                .await?;
            let signed = |u: Option<i64>, m: Meaning| {
                active.iter().any(|r| {
                    u.is_none_or(|u| r[0].as_int() == Some(u)) && r[1].as_text() == Some(m.as_str())
                })
            };
            if signed(Some(user_id), meaning) {
                return Err(StoreError::Signature(format!(
                    "you have already signed this version as {}",
                    meaning.as_str()
                )));
            }
            if t.name == "prescriptions" && meaning == Meaning::Approved {
                if signed(Some(user_id), Meaning::Authored) {
                    return Err(StoreError::Signature(
                        "the author of a prescription cannot approve it: a second person must".into(),
                    ));
                }
                let other_author = active.iter().any(|r| {
                    r[1].as_text() == Some("authored") && r[0].as_int() != Some(user_id)
                });
                if !other_author {
                    return Err(StoreError::Signature(
                        "a prescription is approved after its author has signed it".into(),
                    ));
                }
                let warnings: Vec<String> =
                    serde_json::from_str(row[col("warnings")].as_text().unwrap_or("[]"))
                        .unwrap_or_default();
                let ack: Vec<String> =
                    serde_json::from_str(row[col("acknowledged")].as_text().unwrap_or("[]"))
                        .unwrap_or_default();
                let open: Vec<&String> = warnings.iter().filter(|x| !ack.contains(x)).collect();
                if !open.is_empty() {
                    return Err(StoreError::Signature(format!(
                        "{} warning(s) not acknowledged: {}",
                        open.len(),
                        open.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("; ")
                    )));
                }
            }
            if t.name == "prescriptions"
                && meaning == Meaning::Authored
                && signed(None, Meaning::Approved)
            {
                return Err(StoreError::Signature(
                    "this version is already approved".into(),
                ));
            }
            let st = table("signatures");
            let sid = next_id(&mut w.tx, st.name).await?;
            let centre = row[col("centre_id")].clone();
            let patient = row[t.columns.iter().position(|c| Some(c.name) == t.patient_column()).unwrap_or(0)].clone();
            let sig = vec![
                Value::int(sid),
                centre,
                patient,
                Value::text(t.name),
                Value::int(id),
                Value::int(version),
                Value::text(&content),
                Value::text(meaning.as_str()),
                Value::int(user_id),
                Value::text(&printed_name),
                Value::text(&w.at),
                Value::Text(None),
                Value::Text(None),
                Value::int(1),
                Value::int(0),
            ];
            insert_audited(&mut w, st, sig.clone(), None).await?;
            w.record(Event {
                action: action::SIGN,
                entity: Some(t.name),
                entity_id: Some(id),
                centre_id: sig[1].as_int(),
                patient_id: sig[2].as_int(),
                field: Some(meaning.as_str().into()),
                new_value: Some(match acknowledged {
                    None => serde_json::json!({"signature": sid, "version": version, "content_sha256": content}),
                    Some(a) => serde_json::json!({"signature": sid, "version": version, "content_sha256": content, "acknowledged": a}),
                }.to_string()),
                ..Event::default()
            })
            .await?;
            Ok(Ok(signature_from(&sig, Some((version, &content)))?))
        }
        .await;
        match result {
            Ok(Ok(s)) => {
                w.commit().await?;
                Ok(s)
            }
            // A refused password is audited (committed), the signature is not made.
            Ok(Err(e)) => {
                w.commit().await?;
                Err(e)
            }
            Err(e) => {
                w.rollback().await?;
                Err(e)
            }
        }
    }

    /// Every signature of a record, voided ones included, oldest first, each
    /// with its validity against the record as it is now.
    pub async fn signatures(
        &self,
        scope: &Scope,
        entity: &str,
        id: i64,
    ) -> Result<Vec<Signature>, StoreError> {
        scope.require(Permission::ReadClinical)?;
        let t = signable(entity)?;
        let mut tx = self.pool.begin_read().await?;
        let row = fetch_row(&mut tx, t, scope, id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: t.name,
                id: id.to_string(),
            })?;
        let version = row[t
            .columns
            .iter()
            .position(|c| c.name == "version")
            .unwrap_or(0)]
        .as_int()
        .unwrap_or(0);
        let hash = row_hash(t, &row);
        let mut params = vec![Value::text(t.name), Value::int(id)];
        let cond = scope.centre_condition("centre_id", &mut params);
        let rows = tx
            .fetch(
                &format!(
                    "SELECT {SIG_COLS} FROM signatures WHERE entity = $1 AND entity_id = $2 AND {cond} ORDER BY id"
                ),
                &params,
                &table("signatures").types(),
            )
            .await?;
        tx.rollback().await?;
        rows.iter()
            .map(|r| signature_from(r, Some((version, &hash))))
            .collect()
    }

    /// Withdraws one's own signature (it stays, voided, with the reason).
    pub async fn void_signature(
        &self,
        scope: &Scope,
        signature_id: i64,
        reason: &str,
    ) -> Result<(), StoreError> {
        let reason = crate::records::require_reason(reason)?;
        let Some(user) = scope.actor().user_id() else {
            return Err(StoreError::Signature(
                "only the signer withdraws a signature".into(),
            ));
        };
        let t = table("signatures");
        let mut w = Writer::begin(self, scope.actor()).await?;
        let result = async {
            let row = fetch_row(&mut w.tx, t, scope, signature_id)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    entity: "signatures",
                    id: signature_id.to_string(),
                })?;
            if row[8].as_int() != Some(user) {
                return Err(StoreError::Signature(
                    "only the signer withdraws a signature".into(),
                ));
            }
            if !row[11].is_null() {
                return Err(StoreError::Signature(
                    "the signature is already void".into(),
                ));
            }
            let at = w.at.clone();
            update_audited(
                &mut w,
                t,
                scope,
                signature_id,
                row[13].as_int().unwrap_or(0),
                &[
                    ("voided_at", Value::text(at)),
                    ("void_reason", Value::text(&reason)),
                ],
                &reason,
                action::VOID_SIGNATURE,
            )
            .await?;
            Ok(())
        }
        .await;
        match result {
            Ok(()) => w.commit().await,
            Err(e) => {
                w.rollback().await?;
                Err(e)
            }
        }
    }
}

/// The state of a prescription from its signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignOff {
    /// No valid author signature.
    Draft,
    /// Signed by its author, not yet approved.
    Authored,
    /// Authored and approved by a different person, both valid.
    Approved,
}

/// The sign-off state given a record's signatures.
pub fn sign_off(signatures: &[Signature]) -> SignOff {
    let authors: Vec<i64> = signatures
        .iter()
        .filter(|s| s.valid && s.meaning == Meaning::Authored)
        .map(|s| s.user_id)
        .collect();
    if authors.is_empty() {
        return SignOff::Draft;
    }
    let approved = signatures
        .iter()
        .any(|s| s.valid && s.meaning == Meaning::Approved && !authors.contains(&s.user_id));
    if approved {
        SignOff::Approved
    } else {
        SignOff::Authored
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(user_id: i64, meaning: Meaning, valid: bool) -> Signature {
        Signature {
            id: 0,
            entity: "prescriptions".into(),
            entity_id: 1,
            entity_version: 1,
            content_sha256: "0".repeat(64),
            meaning,
            user_id,
            printed_name: format!("Dr {user_id}"),
            signed_at: "2026-12-07T20:00:00.000000Z".into(),
            voided_at: None,
            void_reason: None,
            valid,
        }
    }

    /// Draft without a valid author signature; approved only by a valid
    /// approval of someone who is not an author (the two-person check of
    /// docs/reference/registry.md §3); anything else leaves it authored.
    #[test]
    fn sign_off_needs_a_valid_author_and_another_persons_valid_approval() {
        use Meaning::*;
        assert_eq!(sign_off(&[]), SignOff::Draft);
        assert_eq!(sign_off(&[sig(1, Authored, false)]), SignOff::Draft);
        assert_eq!(sign_off(&[sig(1, Reviewed, true)]), SignOff::Draft);
        assert_eq!(sign_off(&[sig(1, Approved, true)]), SignOff::Draft);
        assert_eq!(sign_off(&[sig(1, Authored, true)]), SignOff::Authored);
        // Another person's review, or an invalid approval, is no approval.
        assert_eq!(
            sign_off(&[sig(1, Authored, true), sig(2, Reviewed, true)]),
            SignOff::Authored
        );
        assert_eq!(
            sign_off(&[sig(1, Authored, true), sig(2, Approved, false)]),
            SignOff::Authored
        );
        // The author's own approval is no approval.
        assert_eq!(
            sign_off(&[sig(1, Authored, true), sig(1, Approved, true)]),
            SignOff::Authored
        );
        assert_eq!(
            sign_off(&[sig(1, Authored, true), sig(2, Approved, true)]),
            SignOff::Approved
        );
    }

    #[test]
    fn meanings_are_stored_by_their_words() {
        for m in [Meaning::Authored, Meaning::Reviewed, Meaning::Approved] {
            assert_eq!(Meaning::parse(m.as_str()), Some(m));
        }
        assert_eq!(Meaning::Approved.as_str(), "approved");
        assert_eq!(Meaning::parse("Approved"), None);
    }
}
