//! `mibg user token create|list|revoke`: a user's personal API tokens from
//! the command line, made by the same store functions as the web page
//! `/account/tokens` after signing in as that user (the real binary, a
//! fresh SQLite registry).

mod common;

use common::*;
use mibg_store::testing::TestDb;

const PASSWORD: &str = "a long physician passphrase";

/// `mibg ARGS --password-stdin --db URL` with `password` on standard input.
fn with_password(url: &str, args: &[&str], password: &str) -> std::process::Output {
    let args = [args, &["--password-stdin", "--db", url]].concat();
    mibg_with_stdin(
        &args,
        &format!(
            "{password}
"
        ),
    )
}

fn text(o: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

/// Whether the store accepts a token as a bearer credential (what the API's
/// guard calls).
fn authenticates(db: &TestDb, token: &str) -> bool {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = mibg_store::Store::open(&db.location).await.unwrap();
            let ok = store.scope_for_token(token).await.is_ok();
            store.close().await;
            ok
        })
}

/// Alice changes her own password (as on the web page `/account/password`).
fn change_own_password(db: &TestDb, user: &str, from: &str, to: &str) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = mibg_store::Store::open(&db.location).await.unwrap();
            let s = store.login(user, from, "test").await.unwrap();
            store.change_own_password(&s.scope, from, to).await.unwrap();
            store.close().await;
        })
}

#[test]
fn tokens_are_made_listed_and_revoked_by_their_user() {
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
    let add = with_password(
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
        PASSWORD,
    );
    assert!(add.status.success(), "{:?}", text(&add));
    // A wrong password makes no token.
    let wrong = with_password(
        &url,
        &[
            "user",
            "token",
            "create",
            "alice",
            "--name",
            "nightly export",
        ],
        "not alice's password",
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        text(&wrong).1.contains("signing in as alice"),
        "{:?}",
        text(&wrong)
    );
    // Made: the secret printed once, on its own line.
    let made = with_password(
        &url,
        &[
            "user",
            "token",
            "create",
            "alice",
            "--name",
            "nightly export",
        ],
        PASSWORD,
    );
    let (out, err) = text(&made);
    assert!(made.status.success(), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("token 1 (\"nightly export\") made for alice; copy it now"),
        "{out}"
    );
    let secret = lines[1];
    // "mibg_" and 64 hexadecimal digits (256 random bits).
    assert_eq!(secret.len(), 5 + 64, "{secret}");
    assert!(secret.starts_with("mibg_") && secret[5..].chars().all(|c| c.is_ascii_hexdigit()));
    // `mibg user add` set alice's password: until she changes it, her
    // tokens carry no right (ASVS 4.0.3 section 2.3.1; mibg_store::sessions).
    assert!(!authenticates(&db, secret));
    change_own_password(&db, "alice", PASSWORD, "an interim passphrase of alice");
    change_own_password(&db, "alice", "an interim passphrase of alice", PASSWORD);
    assert!(authenticates(&db, secret));
    // Listed without the secret.
    let list = with_password(&url, &["user", "token", "list", "alice"], PASSWORD);
    let (out, _) = text(&list);
    assert!(list.status.success());
    assert!(!out.contains(secret));
    let row = out.lines().nth(1).unwrap();
    assert!(
        row.starts_with("1 ")
            && row.contains(" never ")
            && row.ends_with(" active   nightly export"),
        "{out}"
    );
    let json = with_password(
        &url,
        &["user", "token", "list", "alice", "--json"],
        PASSWORD,
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v[0]["name"], "nightly export");
    assert_eq!(v[0]["revoked"], false);
    // Revoked: a reason is required; then the token no longer authenticates.
    let e = with_password(
        &url,
        &["user", "token", "revoke", "alice", "1", "--reason", " "],
        PASSWORD,
    );
    assert_eq!(e.status.code(), Some(1));
    assert!(
        text(&e).1.contains("a reason is required"),
        "{:?}",
        text(&e)
    );
    assert!(authenticates(&db, secret));
    let r = with_password(
        &url,
        &[
            "user",
            "token",
            "revoke",
            "alice",
            "1",
            "--reason",
            "script retired",
        ],
        PASSWORD,
    );
    assert_eq!(text(&r).0, "token 1 of alice revoked\n", "{:?}", text(&r));
    assert!(!authenticates(&db, secret));
    let list = with_password(&url, &["user", "token", "list", "alice"], PASSWORD);
    assert!(text(&list).0.contains(" revoked  nightly export"));
    // A token in the past is refused before anything is asked.
    let past = with_password(
        &url,
        &[
            "user",
            "token",
            "create",
            "alice",
            "--name",
            "x",
            "--expires",
            "2020-01-01",
        ],
        PASSWORD,
    );
    assert!(
        text(&past).1.contains("not in the future"),
        "{:?}",
        text(&past)
    );
}
