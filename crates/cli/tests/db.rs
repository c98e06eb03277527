//! End-to-end tests of `mibg db`, `mibg user`, `mibg centre` and
//! `mibg study report --db`, each on SQLite and on PostgreSQL (the real
//! binary; PostgreSQL from `MIBG_TEST_POSTGRES_URL`, which `bash .ci/run`
//! sets — without it the PostgreSQL tests fail and say how to run them).

mod common;

use common::*;
use mibg_store::testing::TestDb;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A fresh, empty database location of the backend, as a `--db` value.
fn fresh(postgres: bool) -> (TestDb, String) {
    let db = if postgres {
        rt().block_on(TestDb::postgres_blank())
    } else {
        TestDb::sqlite_location()
    };
    let url = match &db.location {
        mibg_store::Location::Sqlite(p) => p.display().to_string(),
        mibg_store::Location::Postgres(u) => u.clone(),
    };
    (db, url)
}

fn seeded(postgres: bool) -> (TestDb, String) {
    let (db, url) = fresh(postgres);
    let init = ok(&["db", "init", "--db", &url]);
    assert!(init.contains("registry initialised"), "{init}");
    let out = ok(&[
        "db",
        "import",
        "examples/seed-study",
        "--db",
        &url,
        "--time-zone",
        "Europe/Rome",
    ]);
    assert!(out.contains("  readings                468"), "{out}");
    (db, url)
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() { super::$name(false) }
            #[test]
            fn postgres() { super::$name(true) }
        }
    )*};
}

both!(
    report_from_the_database_equals_the_report_from_the_folder,
    export_round_trip_gives_the_same_report,
    import_lists_every_problem_and_writes_nothing,
    verify_audit_catches_a_change_behind_the_application,
    backup_and_restore_round_trip,
    users_and_centres,
);

fn report_from_the_database_equals_the_report_from_the_folder(pg: bool) {
    let (_db, url) = seeded(pg);
    let folder = ok(&["study", "report", "examples/seed-study", "--json"]);
    let db = ok(&["study", "report", "--db", &url, "--json"]);
    assert_eq!(folder, db);
    let text_folder = ok(&["study", "report", "examples/seed-study"]);
    let text_db = ok(&["study", "report", "--db", &url]);
    assert_eq!(text_folder, text_db);
    // One centre only: Milan's 4 patients.
    let milan = ok(&[
        "study", "report", "--db", &url, "--centre", "Milan", "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&milan).unwrap();
    assert_eq!(v["patients"].as_array().unwrap().len(), 4);
}

fn export_round_trip_gives_the_same_report(pg: bool) {
    let (_db, url) = seeded(pg);
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    let pseudo = dir.path().join("pseudo");
    let out = ok(&[
        "db",
        "export",
        full.to_str().unwrap(),
        "--db",
        &url,
        "--full",
    ]);
    assert!(
        out.contains("26 patients exported (with identifying data"),
        "{out}"
    );
    ok(&["db", "export", pseudo.to_str().unwrap(), "--db", &url]);
    let folder = ok(&["study", "report", "examples/seed-study", "--json"]);
    for d in [&full, &pseudo] {
        let v = ok(&["study", "validate", d.to_str().unwrap()]);
        assert!(v.contains("valid — 26 patients, 52 infusions, 468 readings, 42 follow-up events, 26 assessment files"), "{v}");
        assert_eq!(
            ok(&["study", "report", d.to_str().unwrap(), "--json"]),
            folder
        );
    }
    let p = std::fs::read_to_string(pseudo.join("patients.csv")).unwrap();
    assert!(
        !p.contains("2014-07-13"),
        "no date of birth in a pseudonymised export"
    );
    let f = std::fs::read_to_string(full.join("patients.csv")).unwrap();
    assert!(f.contains("SYN-01,M,2014-07-13,,14.5,93.9,Rome,"), "{f}");
    // Never into a folder that holds files.
    let e = fails(&["db", "export", full.to_str().unwrap(), "--db", &url]);
    assert!(e.contains("is not empty"), "{e}");
}

fn import_lists_every_problem_and_writes_nothing(pg: bool) {
    let (_db, url) = fresh(pg);
    ok(&["db", "init", "--db", &url]);
    let validate = fails(&["study", "validate", "examples/study-broken"]);
    let import = fails(&["db", "import", "examples/study-broken", "--db", &url]);
    assert_eq!(validate, import);
    // Nothing written: the seed still imports whole.
    let e = fails(&["db", "import", "examples/seed-study", "--db", &url]);
    assert!(
        e.contains("centre(s) Milan, Rome are not in the registry"),
        "{e}"
    );
    ok(&[
        "db",
        "import",
        "examples/seed-study",
        "--db",
        &url,
        "--time-zone",
        "Europe/Rome",
    ]);
    let e = fails(&["db", "import", "examples/seed-study", "--db", &url]);
    assert!(e.contains("not imported, nothing was written"), "{e}");
    assert!(
        e.contains("patients.csv line 3, column 'patient': 'SYN-01' is already in the registry"),
        "{e}"
    );
}

fn tamper(url: &str, sql: &str) {
    use sqlx::Connection;
    rt().block_on(async {
        if url.starts_with("postgres") {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut c)
                .await
                .unwrap();
        } else {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{url}"))
                .await
                .unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut c)
                .await
                .unwrap();
        }
    });
}

fn verify_audit_catches_a_change_behind_the_application(pg: bool) {
    let (_db, url) = seeded(pg);
    let out = ok(&["db", "verify-audit", "--db", &url]);
    assert!(
        out.contains("audit trail intact — 4394 records chained, 4393 rows"),
        "{out}"
    );
    tamper(
        &url,
        "UPDATE infusions SET activity_mbq = 9999 WHERE id = 3",
    );
    let e = fails(&["db", "verify-audit", "--db", &url]);
    assert!(
        e.contains("the audit trail does not verify (1 problem(s))"),
        "{e}"
    );
    assert!(
        e.contains(
            "infusions 3: differs from its last audited state (changed behind the application)"
        ),
        "{e}"
    );
    let out = mibg(&["db", "verify-audit", "--db", &url, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["intact"], false);
}

fn backup_and_restore_round_trip(pg: bool) {
    let (_db, url) = seeded(pg);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(if pg {
        "registry.jsonl"
    } else {
        "registry-backup.sqlite"
    });
    let out = ok(&["db", "backup", file.to_str().unwrap(), "--db", &url]);
    assert!(out.contains("backup of"), "{out}");
    let e = fails(&["db", "backup", file.to_str().unwrap(), "--db", &url]);
    assert!(e.contains("already exists"), "{e}");
    let (_target_db, target) = fresh(pg);
    let out = ok(&["db", "restore", file.to_str().unwrap(), "--db", &target]);
    assert!(
        out.contains("restored from") && out.contains("audit trail intact"),
        "{out}"
    );
    assert_eq!(
        ok(&["study", "report", "--db", &url, "--json"]),
        ok(&["study", "report", "--db", &target, "--json"])
    );
    // Never over data.
    let e = fails(&["db", "restore", file.to_str().unwrap(), "--db", &target]);
    assert!(
        e.contains("already exists") || e.contains("not empty"),
        "{e}"
    );
    // A logical dump of a SQLite registry restores into PostgreSQL too (and back).
    if !pg {
        let out = ok(&["db", "verify-audit", "--db", &target]);
        assert!(out.contains("intact"));
    }
}

fn user_add(url: &str, args: &[&str], password: &str) -> std::process::Output {
    let args = [
        &["user", "add"][..],
        args,
        &["--password-stdin", "--db", url],
    ]
    .concat();
    mibg_with_stdin(
        &args,
        &format!(
            "{password}
"
        ),
    )
}

fn users_and_centres(pg: bool) {
    let (_db, url) = fresh(pg);
    ok(&["db", "init", "--db", &url]);
    let out = ok(&[
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
    assert_eq!(out, "centre C01 (Centre One, Europe/Rome) added\n");
    let e = fails(&[
        "centre",
        "add",
        "C02",
        "--name",
        "x",
        "--time-zone",
        "Mars/Olympus",
        "--db",
        &url,
    ]);
    assert!(e.contains("not an IANA time zone"), "{e}");
    let weak = user_add(
        &url,
        &[
            "admin1", "--name", "A. Admin", "--role", "admin", "--centre", "C01",
        ],
        "password1234",
    );
    assert_eq!(weak.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&weak.stderr).contains("most common passwords"));
    let short = user_add(
        &url,
        &[
            "admin1", "--name", "A. Admin", "--role", "admin", "--centre", "C01",
        ],
        "short",
    );
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 are required"));
    let good = user_add(
        &url,
        &[
            "admin1", "--name", "A. Admin", "--role", "admin", "--centre", "C01",
        ],
        "a long admin passphrase",
    );
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&good.stdout),
        "user admin1 (A. Admin, admin) added at centre C01\n"
    );
    let nurse = user_add(
        &url,
        &[
            "n1",
            "--name",
            "N. One",
            "--role",
            "nurse",
            "--centre",
            "C01",
            "--expires",
            "2031-01-01",
        ],
        "a long nurse passphrase",
    );
    assert!(nurse.status.success());
    ok(&["user", "disable", "n1", "--reason", "left", "--db", &url]);
    let list = ok(&["user", "list", "--db", &url]);
    assert_eq!(
        list,
        "user                 role          centre     state      name\n\
         admin1               admin         C01        active     A. Admin\n\
         n1                   nurse         C01        disabled   N. One\n"
    );
    let e = fails(&["user", "disable", "n1", "--reason", "", "--db", &url]);
    assert!(e.contains("a reason is required"), "{e}");
}

#[test]
fn no_database_no_guess() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("none.sqlite");
    let e = fails(&["db", "verify-audit", "--db", f.to_str().unwrap()]);
    assert!(
        e.contains("no such database (create it with `mibg db init"),
        "{e}"
    );
    assert!(!f.exists());
}
