//! Route tests without a socket: each test on a fresh SQLite database with
//! the demo seed (the synthetic seed study, one account per role in Rome,
//! DEMO-01 awaiting its readings).

mod common;

use axum::http::StatusCode;
use common::App;
use mibg_store::{Prescription, Role, Scope};
use std::time::Duration;

/// SYN-01's readings after infusion 1 (examples/seed-study/readings.csv).
const SYN01_READINGS: [(&str, &str); 9] = [
    ("0.0", "301.59"),
    ("3.49", "250.23"),
    ("8.14", "198.4"),
    ("23.77", "107.87"),
    ("32.34", "85.27"),
    ("48.52", "59.35"),
    ("72.17", "38.74"),
    ("96.33", "25.44"),
    ("120.72", "17.24"),
];

fn readings_csv() -> String {
    let mut s = String::from("hours,reading,background\n");
    for (h, r) in SYN01_READINGS {
        s.push_str(&format!("{h},{r},0.1\n"));
    }
    s
}

async fn demo_infusion1(app: &App) -> (i64, i64) {
    let course = app.course_id("DEMO-01").await;
    let p = app.patient_id("DEMO-01").await;
    let inf = app
        .store
        .list::<mibg_store::Infusion>(&Scope::operator("t"), p)
        .await
        .unwrap()[0]
        .id;
    (course, inf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_out_cookies_headers_and_csrf() {
    let app = App::demo().await;
    let mut c = app.anonymous();
    // Not signed in: every page sends to the sign-in form.
    let r = c.get("/patients").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
    let r = c.get("/login").await;
    assert_eq!(r.status, StatusCode::OK);
    let csp = r.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert_eq!(r.headers["x-frame-options"], "DENY");
    assert!(r.body.contains("DEMO — synthetic data"));
    assert!(!r.body.contains("<script"), "no script at all");
    let login_cookie = r.headers["set-cookie"].to_str().unwrap();
    assert!(login_cookie.contains("HttpOnly") && login_cookie.contains("SameSite=Strict"));
    assert!(!login_cookie.contains("Secure"), "not under TLS here");
    let token = common::field_value(&r.body, "csrf").unwrap();
    let nurse = app.account(Role::Nurse).clone();
    // A sign-in without the form's token is refused.
    let r = c
        .post(
            "/login",
            &[
                ("csrf", "forged"),
                ("username", &nurse.username),
                ("password", &nurse.password),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A wrong password: the generic message, no session.
    let r = c
        .post(
            "/login",
            &[
                ("csrf", &token),
                ("username", &nurse.username),
                ("password", "wrong password here"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.body
            .contains("sign-in failed: unknown user, wrong password"),
        "{}",
        r.body
    );
    assert!(!c.cookies.iter().any(|(k, _)| k == "mibg_session"));
    let token = common::field_value(&r.body, "csrf").unwrap();
    let r = c
        .post(
            "/login",
            &[
                ("csrf", &token),
                ("username", &nurse.username),
                ("password", &nurse.password),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let sc = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>();
    let session = sc.iter().find(|s| s.starts_with("mibg_session=")).unwrap();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Strict"),
        "{session}"
    );
    let sid = session
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string();
    assert_eq!(sid.len(), 64, "256-bit session id");
    let home = c.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Demo Nurse") && home.body.contains("nurse"));
    assert!(home.body.contains("DEMO — synthetic data"));
    c.csrf = common::field_value(&home.body, "csrf").unwrap();
    // Sign-out needs the token; afterwards the old session id is dead.
    let r = c.post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c.submit("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut replay = app.anonymous();
    replay.cookies.push(("mibg_session".into(), sid));
    assert_eq!(replay.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sessions_end_and_failed_sign_ins_are_throttled() {
    let app = App::demo().await;
    let mut c = app.client(Role::Nurse).await;
    assert_eq!(c.get("/patients").await.status, StatusCode::OK);
    let sid = c
        .cookies
        .iter()
        .find(|(k, _)| k == "mibg_session")
        .unwrap()
        .1
        .clone();
    app.store
        .age_session(&sid, Duration::from_secs(31 * 60))
        .await
        .unwrap();
    let r = c.get("/patients").await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "idle for 31 min: signed out"
    );
    // Five wrong passwords lock the account for the window: then even the
    // right password fails, with the same generic message.
    let a = app.account(Role::Physician).clone();
    let mut anon = app.anonymous();
    for _ in 0..mibg_store::auth::MAX_FAILURES_PER_ACCOUNT {
        let t = common::field_value(&anon.get("/login").await.body, "csrf").unwrap();
        let r = anon
            .post(
                "/login",
                &[
                    ("csrf", &t),
                    ("username", &a.username),
                    ("password", "not the password"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let t = common::field_value(&anon.get("/login").await.body, "csrf").unwrap();
    let r = anon
        .post(
            "/login",
            &[
                ("csrf", &t),
                ("username", &a.username),
                ("password", &a.password),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "locked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patients_list_shows_each_course_state_and_what_is_missing() {
    let app = App::demo().await;
    let mut c = app.client(Role::Nurse).await;
    let r = c.get("/patients").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("SYN-01") && r.body.contains("DEMO-01"));
    // Rome only: the Milan patients of the seed are not listed.
    let milan = app
        .store
        .list_patients(&Scope::operator("t"))
        .await
        .unwrap()
        .into_iter()
        .find(|p| !r.body.contains(&p.record.study_id))
        .expect("a patient of another centre");
    let other = app.patient_id(&milan.record.study_id).await;
    assert_eq!(
        c.get(&format!("/patients/{other}")).await.status,
        StatusCode::NOT_FOUND
    );
    // DEMO-01 needs its readings: the list says how many and how late.
    let need = format!(
        "0 reading(s) after infusion 1, need ≥ {}",
        mibg_dosimetry::readings::MIN_READINGS
    );
    assert!(r.body.contains(&need), "{}", r.body);
    let course = app.course_id("DEMO-01").await;
    let page = c.get(&format!("/courses/{course}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("prescribed:") && page.body.contains("mCi)"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("0 reading(s) after infusion 1"),
        "the timeline too"
    );
    assert!(page.body.contains("Enter a reading"));
    // A statistician reads but has no entry form.
    let mut s = app.client(Role::Statistician).await;
    let page = s.get(&format!("/courses/{course}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Enter a reading"));
    // An admin has no clinical pages.
    let mut a = app.client(Role::Admin).await;
    assert_eq!(a.get("/patients").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readings_by_form_with_field_errors() {
    let app = App::demo().await;
    let (course, inf) = demo_infusion1(&app).await;
    let mut c = app.client(Role::Nurse).await;
    let url = format!("/courses/{course}/readings");
    let inf_s = inf.to_string();
    let r = c
        .submit(
            &url,
            &[
                ("infusion_id", &inf_s),
                ("hours", "3,5"),
                ("reading", "250"),
                ("background", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("hours: &#39;3,5&#39; is not a number")
            || r.body.contains("hours: '3,5' is not a number"),
        "{}",
        r.body
    );
    for (h, v) in SYN01_READINGS {
        let r = c
            .submit(
                &url,
                &[
                    ("infusion_id", &inf_s),
                    ("hours", h),
                    ("reading", v),
                    ("background", "0.1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let page = c.get(&format!("/courses/{course}")).await;
    assert!(
        page.body
            .contains("<td>120.72</td><td>17.24</td><td>0.1</td>"),
        "{}",
        page.body
    );
    // An infusion of another course is "not found".
    let other_inf = app
        .store
        .list::<mibg_store::Infusion>(&Scope::operator("t"), app.patient_id("SYN-01").await)
        .await
        .unwrap()[0]
        .id
        .to_string();
    let r = c
        .submit(
            &url,
            &[
                ("infusion_id", &other_inf),
                ("hours", "1"),
                ("reading", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readings_upload_is_all_or_nothing() {
    let app = App::demo().await;
    let (course, inf) = demo_infusion1(&app).await;
    let pid = app.patient_id("DEMO-01").await;
    let mut c = app.client(Role::Nurse).await;
    let url = format!("/courses/{course}/readings.csv");
    // Times not increasing at the 4th data row (line 5): nothing saved.
    let bad = readings_csv().replace("23.77,", "2.5,");
    let r = c.upload(&url, inf, "ward.csv", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("nothing was saved")
            && r.body.contains("ward.csv")
            && r.body.contains("<td>5</td><td>hours</td>"),
        "{}",
        r.body
    );
    let n = |v: Vec<mibg_store::Stored<mibg_store::Reading>>| v.len();
    assert_eq!(
        n(app.store.list(&Scope::operator("t"), pid).await.unwrap()),
        0
    );
    // A decimal comma is named, not guessed.
    let r = c
        .upload(&url, inf, "ward.csv", "hours;reading\n0;301,59\n")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c.upload(&url, inf, "ward.csv", &readings_csv()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        n(app.store.list(&Scope::operator("t"), pid).await.unwrap()),
        9
    );
    // A second upload would double them: refused.
    let r = c.upload(&url, inf, "ward.csv", &readings_csv()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("already has 9 reading(s)"), "{}", r.body);
    // Without the token in the action URL: refused before reading the body.
    c.csrf = "forged".into();
    assert_eq!(
        c.upload(&url, inf, "ward.csv", &readings_csv())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dosimetry_page_shows_the_clinic_result() {
    let app = App::demo().await;
    let mut c = app.client(Role::Physicist).await;
    // Before any reading: what is missing.
    let demo = app.course_id("DEMO-01").await;
    let r = c.get(&format!("/courses/{demo}/dosimetry")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains("No dosimetry yet: no readings after infusion 1"),
        "{}",
        r.body
    );
    // SYN-01: the same assessment the store hands to the clinic.
    let course = app.course_id("SYN-01").await;
    let expected = app
        .store
        .assess_dosimetry(&Scope::operator("t"), course)
        .await
        .unwrap();
    let mibg_store::DosimetryOutcome::Assessed(d) = expected.outcome else {
        panic!("SYN-01 is assessable")
    };
    let r = c.get(&format!("/courses/{course}/dosimetry")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<svg"), "the retention plot");
    assert!(r.body.contains(&format!("{:.2} Gy", d.dose1.gy())), "D1");
    let [lo, hi] = d.interval95.absorbed_dose_gy.unwrap();
    assert!(
        r.body
            .contains(&format!("95 % interval {lo:.2}–{hi:.2} Gy")),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains(&format!("{:.0} MBq", d.second_activity.mbq())),
        "A2"
    );
    assert!(r.body.contains(d.model.name()), "model");
    assert!(r.body.contains("Plausibility gate"));
    assert!(r.body.contains("Binding cap"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a2_is_proposed_by_a_physicist_and_approved_by_another_person() {
    let app = App::demo().await;
    let (course, _) = demo_infusion1(&app).await;
    let (_, inf) = demo_infusion1(&app).await;
    let mut nurse = app.client(Role::Nurse).await;
    let r = nurse
        .upload(
            &format!("/courses/{course}/readings.csv"),
            inf,
            "ward.csv",
            &readings_csv(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // A nurse cannot propose.
    assert_eq!(
        nurse
            .submit(&format!("/courses/{course}/propose"), &[("password", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let phys = app.account(Role::Physicist).clone();
    let mut p = app.client(Role::Physicist).await;
    let dose = p.get(&format!("/courses/{course}/dosimetry")).await;
    assert!(
        dose.body.contains("Propose this second activity"),
        "{}",
        dose.body
    );
    let a = app
        .store
        .assess_dosimetry(&Scope::operator("t"), course)
        .await
        .unwrap();
    let mibg_store::DosimetryOutcome::Assessed(d) = a.outcome else {
        panic!()
    };
    let url = format!("/courses/{course}/propose");
    let pid = app.patient_id("DEMO-01").await;
    // The demo's plan of infusion 1 is the first prescription.
    let rx_count = || async {
        app.store
            .list::<Prescription>(&Scope::operator("t"), pid)
            .await
            .unwrap()
            .len()
            - 1
    };
    // A wrong password writes nothing.
    let mut fields: Vec<(&str, &str)> = d.warnings.iter().map(|w| ("ack", w.as_str())).collect();
    fields.push(("password", "not my password"));
    let r = p.submit(&url, &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("the password is not correct"));
    assert_eq!(rx_count().await, 0);
    // A warning left unacknowledged refuses (when there is one).
    if !d.warnings.is_empty() {
        let r = p.submit(&url, &[("password", &phys.password)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("not acknowledged"), "{}", r.body);
        assert_eq!(rx_count().await, 0);
    }
    let mut fields: Vec<(&str, &str)> = d.warnings.iter().map(|w| ("ack", w.as_str())).collect();
    fields.push(("password", &phys.password));
    let r = p.submit(&url, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(rx_count().await, 1);
    let rx = app
        .store
        .list::<Prescription>(&Scope::operator("t"), pid)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.record.infusion_number == 2)
        .unwrap();
    assert_eq!(
        rx.record.activity_mbq, d.second_activity,
        "A2 as the clinic computed it"
    );
    // The same physicist cannot approve (no right; no form shown).
    let page = p.get(&format!("/courses/{course}")).await;
    assert!(page.body.contains("authored, awaiting approval"));
    assert!(
        page.body
            .contains("Reached: <strong>infusion 2 proposed</strong>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("/approve"));
    let version = rx.version.to_string();
    let approve = format!("/prescriptions/{}/approve", rx.id);
    let r = p
        .submit(
            &approve,
            &[("version", &version), ("password", &phys.password)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A physician approves: every warning acknowledged, password again.
    let doc = app.account(Role::Physician).clone();
    let mut m = app.client(Role::Physician).await;
    let page = m.get(&format!("/courses/{course}")).await;
    assert!(page.body.contains(&approve), "{}", page.body);
    let r = m
        .submit(
            &approve,
            &[("version", &version), ("password", "wrong password!")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    if !d.warnings.is_empty() {
        let r = m
            .submit(
                &approve,
                &[("version", &version), ("password", &doc.password)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("not acknowledged by the signer"),
            "{}",
            r.body
        );
    }
    let mut fields: Vec<(&str, &str)> = d.warnings.iter().map(|w| ("ack", w.as_str())).collect();
    fields.push(("version", &version));
    fields.push(("password", &doc.password));
    let r = m.submit(&approve, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = m.get(&format!("/courses/{course}")).await;
    let section = &page.body[page
        .body
        .find(&format!("id=\"prescription-{}\"", rx.id))
        .unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(
        section.contains("<span class=\"badge\">approved</span>"),
        "{section}"
    );
    assert!(section.contains("<strong>Demo Physicist</strong> — authored"));
    assert!(section.contains("<strong>Demo Physician</strong> — approved"));
    let sigs = app
        .store
        .signatures(&Scope::operator("t"), "prescriptions", rx.id)
        .await
        .unwrap();
    assert_eq!(sigs.len(), 2);
    assert!(sigs.iter().all(|s| s.valid));
    assert!(
        section.contains(&sigs[0].content_sha256[..16]),
        "the content hash is shown"
    );
    assert!(section.contains(&sigs[1].signed_at[..19].replace('T', " ")));
    // The monitor reads the history, with both signatures.
    let mut mon = app.client(Role::Monitor).await;
    let h = mon.get(&format!("/patients/{pid}/history")).await;
    assert_eq!(h.status, StatusCode::OK);
    // Two signatures of the plan, two of A2.
    assert_eq!(h.body.matches("<td>sign</td>").count(), 4, "{}", h.body);
    assert!(h.body.contains("Demo Nurse"));
    // A nurse may not read the audit trail.
    assert_eq!(
        nurse.get(&format!("/patients/{pid}/history")).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_pages_show_no_internals() {
    let app = App::demo().await;
    let mut c = app.client(Role::Nurse).await;
    let mut bodies = Vec::new();
    let r = c.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("Not found."));
    bodies.push(r.body);
    let r = c.get("/courses/not-a-number").await;
    assert!(r.status.is_client_error());
    bodies.push(r.body);
    let r = c.get("/courses/99999999").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    bodies.push(r.body);
    // A store refusal is shown as its message, nothing more.
    let (course, inf) = demo_infusion1(&app).await;
    let r = c
        .upload(
            &format!("/courses/{course}/readings.csv"),
            inf,
            "x.csv",
            "hours,reading\n",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    bodies.push(r.body);
    for body in bodies {
        let b = body.to_lowercase();
        assert!(
            !b.contains("sql") && !b.contains("panicked") && !b.contains("database error"),
            "{body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_patients_list_is_read_a_page_at_a_time() {
    let app = App::demo().await;
    let mut c = app.client(Role::Nurse).await;
    // The nurse's centre (Rome) in the demo registry: its seed patients and
    // DEMO-01, all on page 1 (50 per page), in study-id order; no link to
    // another page.
    let a = app.account(Role::Nurse);
    let scope = app
        .store
        .login(&a.username, &a.password, "t")
        .await
        .unwrap()
        .scope;
    let total = app.store.list_patients(&scope).await.unwrap().len();
    assert!(total > 1 && total < 50);
    let r = c.get("/patients").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains(&format!("Patients 1–{total} of {total}, by study id.")),
        "{}",
        r.body
    );
    assert!(!r.body.contains("rel=\"next\"") && !r.body.contains("rel=\"prev\""));
    assert!(r.body.find("DEMO-01").unwrap() < r.body.find("SYN-01").unwrap());
    // A malformed page number shows page 1; a page beyond the last shows
    // none and links back to the last one.
    for q in ["?page=abc", "?page=0", "?page=-3", "?page=1"] {
        let r = c.get(&format!("/patients{q}")).await;
        assert!(
            r.body.contains(&format!("Patients 1–{total} of {total}")),
            "{q}"
        );
    }
    let r = c.get("/patients?page=2").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains(&format!("No patient on this page ({total} in all)."))
    );
    assert!(r.body.contains("href=\"/patients?page=1\" rel=\"prev\""));
    assert!(!r.body.contains("SYN-01"));
}
