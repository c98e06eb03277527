//! The audit record of a password typed again by a signed-in user
//! (`action::REAUTH_FAILED`), on SQLite and PostgreSQL (issue 16: the
//! store's decisions, mutation-tested).
//!
//! ASVS 4.0.3 section 7.2.1 asks that every authentication decision be
//! logged; the store's documentation of the action says what the record
//! holds: the account (`users`, its id), the purpose of the password in
//! `new_value` under the field `purpose`, the cause in `reason` ("wrong
//! password", or "account locked for the throttling window" once the
//! account has `MAX_FAILURES_PER_ACCOUNT` = 5 failures).

mod common;

use common::*;
use mibg_store::*;

both!(a_wrong_password_typed_again_is_audited_with_its_purpose);

async fn a_wrong_password_typed_again_is_audited_with_its_purpose(b: Backend) {
    let (_db, store) = seeded(b).await;
    let c = store.centre_by_code(&op(), "Rome").await.unwrap();
    let pw = "correct horse battery staple";
    let u = store
        .create_user(
            &op(),
            &NewUser {
                username: "physicist9".into(),
                printed_name: "Dr physicist9".into(),
                role: Role::Physicist,
                centre_id: c.id,
                granted: Vec::new(),
                expires_at: None,
                export_identified: false,
            },
            pw,
        )
        .await
        .unwrap();
    let s = store.login("physicist9", pw, "127.0.0.1").await.unwrap();
    assert_eq!(auth::MAX_FAILURES_PER_ACCOUNT, 5);
    // Five wrong current passwords, then the right one: refused too, the
    // account being throttled.
    for _ in 0..5 {
        assert!(matches!(
            store
                .change_own_password(&s.scope, "not my password", "a brand new passphrase")
                .await,
            Err(StoreError::AuthenticationFailed)
        ));
    }
    assert!(matches!(
        store
            .change_own_password(&s.scope, pw, "a brand new passphrase")
            .await,
        Err(StoreError::AuthenticationFailed)
    ));
    let r = store
        .audit_by_action(&op(), "reauth_failed", "2000-01-01T00:00:00.000000Z", 100)
        .await
        .unwrap();
    assert_eq!(r.len(), 6, "{r:?}");
    for a in &r {
        assert_eq!(a.action, "reauth_failed");
        assert_eq!(a.user_id, Some(u.id), "{a:?}");
        assert_eq!(a.entity.as_deref(), Some("users"), "{a:?}");
        assert_eq!(a.entity_id, Some(u.id), "{a:?}");
        assert_eq!(a.field.as_deref(), Some("purpose"), "{a:?}");
        assert_eq!(
            a.new_value.as_deref(),
            Some("\"to change the password\""),
            "{a:?}"
        );
    }
    // Newest first: the throttled attempt, then the five wrong ones.
    assert_eq!(
        r[0].reason.as_deref(),
        Some("account locked for the throttling window")
    );
    assert!(
        r[1..]
            .iter()
            .all(|a| a.reason.as_deref() == Some("wrong password"))
    );
}
