//! The account pages (password change), the administration pages and the
//! edits of laboratory values, adverse events and assessments — each test
//! on a fresh demo database, through the router without a socket.

mod common;

use axum::http::StatusCode;
use common::{App, field_value};
use mibg_store::{Infusion, Lab, Role, Scope};
use mibg_toxicity::Term;

const NEW_PASSWORD: &str = "a long walk by the Tiber at dawn";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_change_checks_the_current_one_the_policy_and_ends_other_sessions() {
    let app = App::demo().await;
    let nurse = app.account(Role::Nurse).clone();
    let mut a = app.client(Role::Nurse).await;
    let mut b = app.client(Role::Nurse).await;
    let r = a.get("/account/password").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("At least 12 characters"), "{}", r.body);
    let change = |cur: &str, new: &str| {
        vec![
            ("current_password".to_string(), cur.to_string()),
            ("new_password".to_string(), new.to_string()),
            ("new_password_again".to_string(), new.to_string()),
        ]
    };
    // The wrong current password.
    let f = change("not my password at all", NEW_PASSWORD);
    let fr: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = a.submit("/account/password", &fr).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("current password is not right"),
        "{}",
        r.body
    );
    // Too short: the rule is named.
    let f = change(&nurse.password, "short pass");
    let fr: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = a.submit("/account/password", &fr).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("password: 10 characters; at least 12 are required"),
        "{}",
        r.body
    );
    // A common password (in the store's list, 12 characters).
    let f = change(&nurse.password, "qwertyuiop12");
    let fr: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = a.submit("/account/password", &fr).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("one of the 20 000 most common passwords"),
        "{}",
        r.body
    );
    // Two different new passwords.
    let r = a
        .submit(
            "/account/password",
            &[
                ("current_password", &nurse.password),
                ("new_password", NEW_PASSWORD),
                ("new_password_again", "something else entirely"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nothing changed so far: the other session still works.
    assert_eq!(b.get("/patients").await.status, StatusCode::OK);
    let f = change(&nurse.password, NEW_PASSWORD);
    let fr: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = a.submit("/account/password", &fr).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/account/password?done=1");
    // This session goes on; the other one has ended.
    assert_eq!(a.get("/patients").await.status, StatusCode::OK);
    let r = b.get("/patients").await;
    assert_eq!(
        (r.status, r.location().as_str()),
        (StatusCode::SEE_OTHER, "/login")
    );
    // The old password no longer signs in, the new one does.
    assert!(
        app.store
            .login(&nurse.username, &nurse.password, "test")
            .await
            .is_err()
    );
    app.sign_in(&nurse.username, NEW_PASSWORD).await;
    // Audited as a password change, the hash never shown.
    let op = Scope::operator("t");
    let changes = app
        .store
        .audit_by_action(
            &op,
            mibg_store::audit::action::PASSWORD_CHANGE,
            "2000-01-01T00:00:00Z",
            100,
        )
        .await
        .unwrap();
    // Newest first: this change, then the six of the demo's seeding (each
    // demo account changed its initial password).
    assert_eq!(changes.len(), 1 + 6, "{changes:?}");
    assert_eq!(changes[0].actor_name, nurse.printed_name);
    assert_eq!(changes[0].field.as_deref(), Some("password_hash"));
    assert_eq!(
        changes[0].new_value.as_deref(),
        Some("\"(secret changed)\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administration_is_for_the_admin_and_the_admin_reads_nothing_clinical() {
    let app = App::demo().await;
    let course = app.course_id("SYN-01").await;
    for role in Role::ALL {
        let mut c = app.client(role).await;
        for path in ["/admin/users", "/admin/centres", "/admin/user?name=nurse"] {
            let r = c.get(path).await;
            let expected = if role == Role::Admin {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(r.status, expected, "{role} {path}");
        }
        if role != Role::Admin {
            let r = c
                .submit(
                    "/admin/user/disable",
                    &[("username", "nurse"), ("reason", "test")],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
        }
    }
    // The admin: no clinical page, no patient data on the pages it has.
    let mut admin = app.client(Role::Admin).await;
    for path in [
        "/patients".to_string(),
        format!("/courses/{course}"),
        format!("/courses/{course}/toxicity"),
        format!("/courses/{course}/labs/edit?record=1"),
        "/study".to_string(),
    ] {
        assert_eq!(
            admin.get(&path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let r = admin.get("/admin/users").await;
    assert!(!r.body.contains("SYN-01") && !r.body.contains("DEMO-01"));
    assert!(r.body.contains("<a href=\"/admin/users\">Accounts</a>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_adds_changes_disables_and_enables_accounts_through_the_store() {
    let app = App::demo().await;
    let mut admin = app.client(Role::Admin).await;
    let rome = app
        .store
        .centre_by_code(&Scope::operator("t"), "Rome")
        .await
        .unwrap()
        .id
        .to_string();
    // The store's password policy, named.
    let r = admin
        .submit(
            "/admin/users",
            &[
                ("username", "newnurse"),
                ("printed_name", "N. Nuova"),
                ("role", "nurse"),
                ("centre", &rome),
                ("password", "too short"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("at least 12 are required"), "{}", r.body);
    // The store's rule: a statistician never reads identifying data.
    let r = admin
        .submit(
            "/admin/users",
            &[
                ("username", "stats2"),
                ("printed_name", "S. Two"),
                ("role", "statistician"),
                ("centre", &rome),
                ("export_identified", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("the role statistician never reads identifying data"),
        "{}",
        r.body
    );
    // Added with a made-up initial password, shown once.
    let r = admin
        .submit(
            "/admin/users",
            &[
                ("username", "newnurse"),
                ("printed_name", "N. Nuova"),
                ("role", "nurse"),
                ("centre", &rome),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Account newnurse added"));
    let i = r.body.find("<code class=\"value\">").unwrap() + "<code class=\"value\">".len();
    let password = r.body[i..i + r.body[i..].find('<').unwrap()].to_string();
    assert!(password.len() >= 12, "{password}");
    assert!(!admin.get("/admin/users").await.body.contains(&password));
    // The initial password is changed at the first sign-in, before anything
    // else (ASVS 4.0.3 section 2.3.1).
    let mut n = app.sign_in("newnurse", &password).await;
    let r = n.get("/patients").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/account/password");
    let r = n.change_password(&password, NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(n.get("/patients").await.status, StatusCode::OK);
    let password = NEW_PASSWORD.to_string();
    // A change without a reason is refused; with one it is saved.
    let r = admin
        .submit(
            "/admin/user/role",
            &[
                ("username", "newnurse"),
                ("role", "physician"),
                ("reason", " "),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("a reason is required"), "{}", r.body);
    let r = admin
        .submit(
            "/admin/user/role",
            &[
                ("username", "newnurse"),
                ("role", "monitor"),
                ("reason", "moved to trial monitoring"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Role changes take effect at the next request: a monitor reads the audit.
    let p = app.patient_id("SYN-01").await;
    assert_eq!(
        n.get(&format!("/patients/{p}/history")).await.status,
        StatusCode::OK
    );
    let r = admin
        .submit(
            "/admin/user/export",
            &[
                ("username", "newnurse"),
                ("export_identified", "yes"),
                ("reason", "asked"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("the role monitor never reads identifying data")
    );
    // Centres: a grant of Milan (not one of the admin's centres) is refused.
    let milan = app
        .store
        .centre_by_code(&Scope::operator("t"), "Milan")
        .await
        .unwrap()
        .id
        .to_string();
    let r = admin
        .submit(
            "/admin/user/centres",
            &[
                ("username", "newnurse"),
                ("centre", &rome),
                ("grant", &milan),
                ("reason", "coordinating"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("not one of your centres"));
    // Disabled: the session ends at once; enabled again: it signs in.
    let r = admin
        .submit(
            "/admin/user/disable",
            &[("username", "newnurse"), ("reason", "left the ward")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = admin.get(&r.location()).await;
    assert!(r.body.contains("<dd>disabled</dd>"), "{}", r.body);
    assert_eq!(n.get("/patients").await.status, StatusCode::SEE_OTHER);
    assert!(app.store.login("newnurse", &password, "t").await.is_err());
    let r = admin
        .submit(
            "/admin/user/enable",
            &[("username", "newnurse"), ("reason", "back on the ward")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    app.sign_in("newnurse", &password).await;
    // Every change in the audit trail with its reason.
    let op = Scope::operator("t");
    let roles = app
        .store
        .audit_by_action(
            &op,
            mibg_store::audit::action::ROLE_CHANGE,
            "2000-01-01T00:00:00Z",
            100,
        )
        .await
        .unwrap();
    assert!(roles.iter().any(|a| a.field.as_deref() == Some("role")
        && a.old_value.as_deref() == Some("\"nurse\"")
        && a.new_value.as_deref() == Some("\"monitor\"")
        && a.reason.as_deref() == Some("moved to trial monitoring")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_changes_an_account_expiry_with_a_reason_and_it_takes_effect_at_once() {
    let app = App::demo().await;
    let mut admin = app.client(Role::Admin).await;
    let mut nurse = app.client(Role::Nurse).await;
    let username = app.account(Role::Nurse).username.clone();
    let password = app.account(Role::Nurse).password.clone();
    assert_eq!(nurse.get("/patients").await.status, StatusCode::OK);
    // The account's page has the form, with the date field empty.
    let page = admin.get(&format!("/admin/user?name={username}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("action=\"/admin/user/expiry\""));
    assert!(
        page.body
            .contains("name=\"expires\" type=\"date\" value=\"\"")
    );
    // Refused: no reason; not a date. Nothing saved.
    let r = admin
        .submit(
            "/admin/user/expiry",
            &[
                ("username", &username),
                ("expires", "2031-01-31"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("a reason is required"), "{}", r.body);
    let r = admin
        .submit(
            "/admin/user/expiry",
            &[
                ("username", &username),
                ("expires", "31/01/2031"),
                ("reason", "contract"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("expires: &#39;31/01/2031&#39; is not a date (YYYY-MM-DD)"),
        "{}",
        r.body
    );
    let op = Scope::operator("t");
    assert_eq!(
        app.store
            .user_by_name(&op, &username)
            .await
            .unwrap()
            .expires_at,
        None
    );
    // A date in the future: saved, shown, the account still works.
    let r = admin
        .submit(
            "/admin/user/expiry",
            &[
                ("username", &username),
                ("expires", "2031-01-31"),
                ("reason", "end of the contract"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = admin.get(&r.location()).await;
    assert!(
        page.body.contains("Saved: expiry date set."),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"2031-01-31\""));
    assert!(page.body.contains("<dd>active</dd>"));
    assert_eq!(nurse.get("/patients").await.status, StatusCode::OK);
    // A date already past: the account expires now — its session ends, its
    // token stops, it cannot sign in.
    let token = app.token(Role::Nurse).await;
    let r = admin
        .submit(
            "/admin/user/expiry",
            &[
                ("username", &username),
                ("expires", "2020-01-01"),
                ("reason", "left the centre"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        admin
            .get(&r.location())
            .await
            .body
            .contains("<dd>expired</dd>")
    );
    let r = nurse.get("/patients").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
    let r = app
        .anonymous()
        .api("GET", "/api/v1/patients", &token, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert!(app.store.login(&username, &password, "t").await.is_err());
    // Removed: the account signs in again.
    let r = admin
        .submit(
            "/admin/user/expiry",
            &[
                ("username", &username),
                ("expires", ""),
                ("reason", "contract extended"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        admin
            .get(&r.location())
            .await
            .body
            .contains("Saved: expiry removed.")
    );
    app.sign_in(&username, &password).await;
    // Each change in the audit trail, old → new, with its reason.
    let changes = app
        .store
        .audit_by_action(
            &op,
            mibg_store::audit::action::ROLE_CHANGE,
            "2000-01-01T00:00:00Z",
            100,
        )
        .await
        .unwrap();
    let mut changes: Vec<_> = changes
        .into_iter()
        .filter(|a| a.field.as_deref() == Some("expires_at"))
        .collect();
    changes.sort_by_key(|a| a.seq);
    let expiry: Vec<_> = changes
        .iter()
        .map(|a| {
            (
                a.old_value.clone().unwrap_or_default(),
                a.new_value.clone().unwrap_or_default(),
                a.reason.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(expiry.len(), 3, "{expiry:?}");
    assert_eq!(expiry[0].0, "null");
    assert!(expiry[0].1.contains("2031-01-31T00:00:00"), "{expiry:?}");
    assert_eq!(expiry[0].2, "end of the contract");
    assert!(expiry[1].1.contains("2020-01-01T00:00:00"), "{expiry:?}");
    assert_eq!(
        (expiry[2].1.as_str(), expiry[2].2.as_str()),
        ("null", "contract extended")
    );
    // Not the admin's business of another role: a physician may not.
    let mut doc = app.client(Role::Physician).await;
    let r = doc
        .submit(
            "/admin/user/expiry",
            &[
                ("username", &username),
                ("expires", "2020-01-01"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn centres_are_added_with_an_iana_time_zone() {
    let app = App::demo().await;
    let mut admin = app.client(Role::Admin).await;
    let r = admin
        .submit(
            "/admin/centres",
            &[
                ("code", "Turin"),
                ("name", "Torino"),
                ("time_zone", "Europe/Turin"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("time zone: &#39;Europe/Turin&#39; is not an IANA time zone")
            || r.body.contains("'Europe/Turin' is not an IANA time zone"),
        "{}",
        r.body
    );
    let r = admin
        .submit(
            "/admin/centres",
            &[
                ("code", "Turin"),
                ("name", "Torino"),
                ("time_zone", "Europe/Rome"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body
            .contains("<td>Turin</td><td>Torino</td><td>Europe/Rome</td>")
    );
    let r = admin
        .submit(
            "/admin/centres",
            &[
                ("code", "Turin"),
                ("name", "Torino"),
                ("time_zone", "Europe/Rome"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// The worst grade of a CTCAE term in the course's toxicity, as the store
/// computes it (the page shows the same analysis).
async fn worst(app: &App, course: i64, term: Term) -> Option<u8> {
    let t = app
        .store
        .course_toxicity(&Scope::operator("t"), course)
        .await
        .unwrap();
    t.report.unwrap().and_then(|r| {
        r.worst
            .iter()
            .find(|w| w.term == term)
            .map(|w| w.grade.get())
    })
}

async fn add_platelets(c: &mut common::Client, course: i64, date: &str, value: &str) {
    let r = c
        .submit(
            &format!("/courses/{course}/labs"),
            &[
                ("date", date),
                ("test", "platelets"),
                ("value", value),
                ("unit", "10^9/L"),
                ("lln", "150"),
                ("uln", "400"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_edits_are_versioned_reasoned_audited_and_deletions_leave_the_grades() {
    let app = App::demo().await;
    let op = Scope::operator("t");
    let course = app.course_id("DEMO-01").await;
    let patient = app.patient_id("DEMO-01").await;
    let first = app
        .store
        .list::<Infusion>(&op, patient)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.record.number == 1)
        .unwrap()
        .record
        .date;
    assert_eq!(first.to_string(), "2026-01-12");
    let mut nurse = app.client(Role::Nurse).await;
    let mut physician = app.client(Role::Physician).await;
    add_platelets(&mut nurse, course, "2026-01-20", "20").await;
    add_platelets(&mut nurse, course, "2026-01-22", "60").await;
    // Platelet count decreased, CTCAE v5.0 (docs/reference/toxicity.md §3):
    // grade 4 below 25 ×10⁹/L, grade 2 from 50 to below 75.
    assert_eq!(
        worst(&app, course, Term::PlateletCountDecreased).await,
        Some(4)
    );
    let labs = app.store.list::<Lab>(&op, patient).await.unwrap();
    let low = labs.iter().find(|l| l.record.value == "20").unwrap();
    let edit = format!("/courses/{course}/labs/edit?record={}", low.id);
    // Both open the edit page at version 1.
    let page_n = nurse.get(&edit).await;
    assert_eq!(page_n.status, StatusCode::OK, "{}", page_n.body);
    assert_eq!(field_value(&page_n.body, "version").as_deref(), Some("1"));
    let page_p = physician.get(&edit).await;
    assert_eq!(field_value(&page_p.body, "version").as_deref(), Some("1"));
    let form = |value: &'static str, version: &'static str, reason: &'static str| {
        vec![
            ("record_id", low.id.to_string()),
            ("version", version.to_string()),
            ("date", "2026-01-20".to_string()),
            ("test", "platelets".to_string()),
            ("value", value.to_string()),
            ("unit", "10^9/L".to_string()),
            ("lln", "150".to_string()),
            ("uln", "400".to_string()),
            ("reason", reason.to_string()),
        ]
    };
    let update = format!("/courses/{course}/labs/update");
    // No reason: refused, nothing saved.
    let f = form("35", "1", "");
    let fr: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = nurse.submit(&update, &fr).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("a reason is required"), "{}", r.body);
    // The nurse corrects 20 → 35 (a transcription error).
    let f = form("35", "1", "transcription error");
    let fr: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = nurse.submit(&update, &fr).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // 35 is grade 3 (25 to below 50).
    assert_eq!(
        worst(&app, course, Term::PlateletCountDecreased).await,
        Some(3)
    );
    // The physician's form was of version 1: refused, the current values shown.
    let f = form("22", "1", "checked the ward sheet");
    let fr: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = physician.submit(&update, &fr).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("was changed by someone else"), "{}", r.body);
    assert_eq!(field_value(&r.body, "version").as_deref(), Some("2"));
    assert_eq!(field_value(&r.body, "value").as_deref(), Some("35"));
    assert!(r.body.contains("<dt>Value</dt><dd>22</dd>"), "{}", r.body);
    assert_eq!(
        app.store
            .get::<Lab>(&op, low.id)
            .await
            .unwrap()
            .record
            .value,
        "35"
    );
    // A deletion without a reason is refused.
    let delete = format!("/courses/{course}/labs/delete");
    let id = low.id.to_string();
    let r = physician
        .submit(
            &delete,
            &[("record_id", &id), ("version", "2"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("a reason is required"), "{}", r.body);
    assert!(!app.store.get::<Lab>(&op, low.id).await.unwrap().deleted);
    // Deleted with a reason: a state, and the value no longer counts.
    let r = physician
        .submit(
            &delete,
            &[
                ("record_id", &id),
                ("version", "2"),
                ("reason", "sample of another patient"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let gone = app.store.get::<Lab>(&op, low.id).await.unwrap();
    assert!(gone.deleted && gone.version == 3);
    // Only 60 ×10⁹/L is left: grade 2.
    assert_eq!(
        worst(&app, course, Term::PlateletCountDecreased).await,
        Some(2)
    );
    let r = nurse.get(&format!("/courses/{course}/toxicity")).await;
    assert!(!r.body.contains("<td>35</td>"), "{}", r.body);
    assert!(nurse.get(&edit).await.status == StatusCode::NOT_FOUND);
    // The history: old → new with the reason, and the deletion.
    let mut monitor = app.client(Role::Monitor).await;
    let h = monitor.get(&format!("/patients/{patient}/history")).await;
    assert_eq!(h.status, StatusCode::OK);
    let changed = format!(
        "<td>Demo Nurse</td><td>update</td><td>labs {id}</td><td>value</td><td class=\"value\">&#34;20&#34;</td><td class=\"value\">&#34;35&#34;</td><td>transcription error</td>"
    );
    assert!(h.body.contains(&changed), "{}", h.body);
    let deleted = format!(
        "<td>Demo Physician</td><td>delete</td><td>labs {id}</td><td>deleted</td><td class=\"value\">0</td><td class=\"value\">1</td><td>sample of another patient</td>"
    );
    assert!(h.body.contains(&deleted), "{}", h.body);
}

/// The overall response (INRC) at a follow-up, as the store classifies it.
async fn overall_at(app: &App, course: i64, date: jiff::civil::Date) -> String {
    let r = app
        .store
        .course_response(&Scope::operator("t"), course)
        .await
        .unwrap();
    let pr = r.response.unwrap().unwrap();
    pr.follow_ups
        .iter()
        .find(|(d, _)| *d == date)
        .map(|(_, c)| c.clone())
        .unwrap_or_else(|| panic!("{date} in {:?}", pr.follow_ups))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_and_assessments_are_edited_and_deleted_through_the_library_checks() {
    let app = App::demo().await;
    let op = Scope::operator("t");
    let course = app.course_id("SYN-01").await;
    let patient = app.patient_id("SYN-01").await;
    let mut doc = app.client(Role::Physician).await;
    // An adverse event: a grade the term table does not allow is refused.
    let ev = app
        .store
        .list::<mibg_store::AdverseEvent>(&op, patient)
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("SYN-01 has adverse events");
    let r = doc
        .get(&format!("/courses/{course}/events/edit?record={}", ev.id))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = ev.id.to_string();
    let v = ev.version.to_string();
    let date = ev.record.date.to_string();
    let r = doc
        .submit(
            &format!("/courses/{course}/events/update"),
            &[
                ("record_id", &id),
                ("version", &v),
                ("date", &date),
                ("term", "febrile_neutropenia"),
                ("grade", "1"),
                ("reason", "regraded"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("Febrile neutropenia has no grade 1"),
        "{}",
        r.body
    );
    let r = doc
        .submit(
            &format!("/courses/{course}/events/update"),
            &[
                ("record_id", &id),
                ("version", &v),
                ("date", &date),
                ("term", "febrile_neutropenia"),
                ("grade", "3"),
                ("reason", "regraded at review"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let now = app
        .store
        .get::<mibg_store::AdverseEvent>(&op, ev.id)
        .await
        .unwrap();
    assert_eq!(
        (now.record.term.as_str(), now.record.grade),
        ("febrile_neutropenia", 3)
    );
    // Assessments: the baseline of a patient with follow-ups is not deleted.
    let all = app
        .store
        .list::<mibg_store::Assessment>(&op, patient)
        .await
        .unwrap();
    let base = all
        .iter()
        .find(|a| a.record.kind == mibg_store::AssessmentKind::Baseline)
        .unwrap();
    let fu = all
        .iter()
        .find(|a| a.record.kind == mibg_store::AssessmentKind::FollowUp)
        .expect("SYN-01 has a follow-up assessment");
    let (bid, bv) = (base.id.to_string(), base.version.to_string());
    let r = doc
        .submit(
            &format!("/courses/{course}/assessments/delete"),
            &[
                ("record_id", &bid),
                ("version", &bv),
                ("reason", "entered twice"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("delete those first"), "{}", r.body);
    let before = overall_at(&app, course, fu.record.date).await;
    // The edit page shows the stored JSON; a change is checked by the
    // response crate and the result is classified again.
    let r = doc
        .get(&format!(
            "/courses/{course}/assessments/edit?record={}",
            fu.id
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut content = fu.record.content.clone();
    content["new_lesions"] = serde_json::json!({"mibg_avid_bone": true, "soft_tissue_avid": false, "soft_tissue_biopsy_proven": false});
    let (fid, fv) = (fu.id.to_string(), fu.version.to_string());
    let text = content.to_string();
    let r = doc
        .submit(
            &format!("/courses/{course}/assessments/update"),
            &[
                ("record_id", &fid),
                ("version", &fv),
                ("kind", "follow_up"),
                ("content", &text),
                ("reason", "new bone lesion seen on review"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A new MIBG-avid bone lesion is progressive disease (INRC 2017,
    // docs/reference/response.md §2): the follow-up is classified again.
    let after = overall_at(&app, course, fu.record.date).await;
    assert_eq!(after, "PD", "before the change: {before}");
    assert_ne!(before, "PD");
}

/// An account's expiry is shown in its home centre's time zone, the zone
/// named, and marked expired once past — on the account's page and in the
/// accounts list. The demo centre is in Europe/Rome. By hand (EU summer
/// time runs from the last Sunday of March to the last Sunday of October,
/// Directive 2000/84/EC): 2037-01-31T22:30:00Z is winter time, CET =
/// UTC+1, so 22:30 + 1 h = 23:30 the same day; 2020-07-01T10:00:00Z is
/// summer time, CEST = UTC+2, so 10:00 + 2 h = 12:00.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accounts_expiry_is_shown_in_its_centres_time_zone_and_marked_when_past() {
    let app = App::demo().await;
    let mut admin = app.client(Role::Admin).await;
    let username = app.account(Role::Nurse).username.clone();
    let op = Scope::operator("t");
    let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
    app.store
        .set_expiry(
            &op,
            &username,
            Some(at("2037-01-31T22:30:00Z")),
            "end of the contract",
        )
        .await
        .unwrap();
    let page = admin.get(&format!("/admin/user?name={username}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("<dd>2037-01-31 23:30 CET (Europe/Rome)</dd>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("2037-01-31T22:30"), "{}", page.body);
    assert!(page.body.contains("<dd>active</dd>"));
    let list = admin.get("/admin/users").await;
    assert!(
        list.body
            .contains("<td>active</td><td>2037-01-31 23:30 CET (Europe/Rome)</td>"),
        "{}",
        list.body
    );
    // Past: the same instant shown, marked expired.
    app.store
        .set_expiry(
            &op,
            &username,
            Some(at("2020-07-01T10:00:00Z")),
            "left the centre",
        )
        .await
        .unwrap();
    let page = admin.get(&format!("/admin/user?name={username}")).await;
    assert!(
        page.body
            .contains("<dd>2020-07-01 12:00 CEST (Europe/Rome) — expired</dd>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<dd>expired</dd>"));
    let list = admin.get("/admin/users").await;
    assert!(
        list.body
            .contains("<td>expired</td><td>2020-07-01 12:00 CEST (Europe/Rome) — expired</td>"),
        "{}",
        list.body
    );
}
