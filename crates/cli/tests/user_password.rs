//! `mibg user passwd` (a user changes their own password) and
//! `mibg user reset-password` (the operator sets a new initial password):
//! the real binary on a fresh SQLite registry, checked through the store.

mod common;

use common::*;
use mibg_store::testing::TestDb;

const INITIAL: &str = "an initial passphrase";
const CHOSEN: &str = "alice's own passphrase";

/// `mibg ARGS --password-stdin --db URL` with `input` on standard input.
fn with_stdin(url: &str, args: &[&str], input: &str) -> (bool, String, String) {
    let args = [args, &["--password-stdin", "--db", url]].concat();
    let o = mibg_with_stdin(&args, input);
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

/// Signs in through the store: `Some(must change)` when the password is
/// accepted, `None` when refused.
fn sign_in(db: &TestDb, user: &str, password: &str) -> Option<bool> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = mibg_store::Store::open(&db.location).await.unwrap();
            let r = match store.login(user, password, "test").await {
                Ok(s) => Some(store.password_change_required(s.user.id).await.unwrap()),
                Err(_) => None,
            };
            store.close().await;
            r
        })
}

#[test]
fn users_change_their_password_and_the_operator_resets_it() {
    let db = TestDb::sqlite_location();
    let url = match &db.location {
        mibg_store::Location::Sqlite(p) => p.display().to_string(),
        mibg_store::Location::Postgres(u) => u.clone(),
    };
    ok(&["db", "init", "--db", &url]);
    ok(&[
        "centre",
        "add",
        "C01",
        "--name",
        "Centre One",
        "--time-zone",
        "Europe/Rome",
        "--db",
        &url,
    ]);
    let add = with_stdin(
        &url,
        &[
            "user",
            "add",
            "alice",
            "--name",
            "Dr A",
            "--role",
            "physician",
            "--centre",
            "C01",
        ],
        &format!("{INITIAL}\n"),
    );
    assert!(add.0, "{add:?}");
    // The operator's password is an initial one: accepted, to be changed.
    assert_eq!(sign_in(&db, "alice", INITIAL), Some(true));

    // A wrong current password changes nothing and says why.
    let (success, _, err) = with_stdin(
        &url,
        &["user", "passwd", "alice"],
        &format!("not the password\n{CHOSEN}\n"),
    );
    assert!(!success);
    assert!(err.contains("signing in as alice"), "{err}");
    // The new password must follow the policy (12 characters at least).
    let (success, _, err) = with_stdin(
        &url,
        &["user", "passwd", "alice"],
        &format!("{INITIAL}\nshort\n"),
    );
    assert!(!success);
    assert!(err.contains("the password was not changed"), "{err}");
    // Only one line: the new password is missing.
    let (success, _, err) = with_stdin(&url, &["user", "passwd", "alice"], &format!("{INITIAL}\n"));
    assert!(!success);
    assert!(err.contains("no new password on standard input"), "{err}");
    assert_eq!(sign_in(&db, "alice", CHOSEN), None);

    // Changed by alice herself: no longer an initial password.
    let (success, out, err) = with_stdin(
        &url,
        &["user", "passwd", "alice"],
        &format!("{INITIAL}\n{CHOSEN}\n"),
    );
    assert!(success, "{err}");
    assert!(out.contains("password of alice changed"), "{out}");
    assert_eq!(sign_in(&db, "alice", INITIAL), None);
    assert_eq!(sign_in(&db, "alice", CHOSEN), Some(false));

    // The operator's reset needs a reason and sets an initial password again.
    let (success, _, err) = with_stdin(
        &url,
        &["user", "reset-password", "alice", "--reason", " "],
        "a reset passphrase\n",
    );
    assert!(!success);
    assert!(err.contains("reason"), "{err}");
    let (success, out, err) = with_stdin(
        &url,
        &["user", "reset-password", "alice", "--reason", "forgotten"],
        "a reset passphrase\n",
    );
    assert!(success, "{err}");
    assert!(out.contains("within 72 hours"), "{out}");
    assert_eq!(sign_in(&db, "alice", CHOSEN), None);
    assert_eq!(sign_in(&db, "alice", "a reset passphrase"), Some(true));
    // An unknown account is named.
    let (success, _, err) = with_stdin(
        &url,
        &["user", "reset-password", "bob", "--reason", "x"],
        "a reset passphrase\n",
    );
    assert!(!success);
    assert!(err.contains("bob"), "{err}");
}

/// `mibg user expire`: the operator sets, then removes, an account's
/// expiry; an expired account cannot sign in; each change is audited with
/// its reason (through the store function of the account page).
#[test]
fn the_operator_sets_and_removes_an_accounts_expiry() {
    let db = TestDb::sqlite_location();
    let url = match &db.location {
        mibg_store::Location::Sqlite(p) => p.display().to_string(),
        mibg_store::Location::Postgres(u) => u.clone(),
    };
    ok(&["db", "init", "--db", &url]);
    ok(&[
        "centre",
        "add",
        "C01",
        "--name",
        "Centre One",
        "--time-zone",
        "Europe/Rome",
        "--db",
        &url,
    ]);
    let add = with_stdin(
        &url,
        &[
            "user", "add", "sam", "--name", "Sam", "--role", "nurse", "--centre", "C01",
        ],
        &format!("{INITIAL}\n"),
    );
    assert!(add.0, "{add:?}");
    assert_eq!(sign_in(&db, "sam", INITIAL), Some(true));
    let out = ok(&[
        "user",
        "expire",
        "sam",
        "--on",
        "2020-01-01",
        "--reason",
        "left the ward",
        "--db",
        &url,
    ]);
    assert!(
        out.contains("user sam expires at 2020-01-01T00:00:00"),
        "{out}"
    );
    assert_eq!(sign_in(&db, "sam", INITIAL), None);
    let out = ok(&[
        "user",
        "expire",
        "sam",
        "--never",
        "--reason",
        "back on the ward",
        "--db",
        &url,
    ]);
    assert!(out.contains("user sam no longer expires"), "{out}");
    assert_eq!(sign_in(&db, "sam", INITIAL), Some(true));
    // Neither a date nor --never: refused by the argument parser.
    let o = mibg(&["user", "expire", "sam", "--reason", "x", "--db", &url]);
    assert!(!o.status.success());
    let audit = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = mibg_store::Store::open(&db.location).await.unwrap();
            let a = store
                .audit_by_action(
                    &mibg_store::Scope::operator("t"),
                    mibg_store::audit::action::ROLE_CHANGE,
                    "2000-01-01T00:00:00Z",
                    100,
                )
                .await
                .unwrap();
            store.close().await;
            a
        });
    let reasons: Vec<_> = audit
        .iter()
        .filter(|a| a.field.as_deref() == Some("expires_at"))
        .filter_map(|a| a.reason.clone())
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons.contains(&"left the ward".to_string()));
    assert!(reasons.contains(&"back on the ward".to_string()));
}
