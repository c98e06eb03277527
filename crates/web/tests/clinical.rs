//! The oncologist's pages (crates/web/src/clinical.rs): laboratory values,
//! adverse events, response — each test on a fresh demo database.

mod common;

use axum::http::StatusCode;
use common::App;
use mibg_store::{AdverseEvent, Assessment, Lab, Role, Scope};

async fn counts(app: &App, study_id: &str) -> (usize, usize, usize) {
    let op = Scope::operator("t");
    let p = app.patient_id(study_id).await;
    (
        app.store.list::<Lab>(&op, p).await.unwrap().len(),
        app.store.list::<AdverseEvent>(&op, p).await.unwrap().len(),
        app.store.list::<Assessment>(&op, p).await.unwrap().len(),
    )
}

fn no_inline_style_or_script(body: &str) {
    assert!(!body.contains("style="), "inline style");
    assert!(!body.contains("<style"), "style element");
    assert!(
        !body.contains("<script>") && !body.contains("onclick") && !body.contains("onchange"),
        "inline script"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_course_shows_grades_chart_and_engraftment() {
    let app = App::demo().await;
    let course = app.course_id("SYN-01").await;
    let mut c = app.client(Role::Physician).await;
    let r = c.get(&format!("/courses/{course}/toxicity")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    no_inline_style_or_script(&r.body);
    // The grades as the toxicity crate gives them, coloured by grade.
    assert!(r.body.contains("class=\"grade-4\""), "grade 4 row");
    assert!(r.body.contains("Neutrophil count decreased"));
    assert!(r.body.contains("CTCAE v5.0"));
    // The chart with its engraftment marks, from the same analysis as the
    // engraftment table.
    assert!(r.body.contains("<svg class=\"chart counts\""));
    assert!(r.body.contains("class=\"engraftment\""), "engraftment line");
    let op = Scope::operator("t");
    let t = app.store.course_toxicity(&op, course).await.unwrap();
    let e = &t.engraftment[0];
    let day = e.neutrophil_day.expect("SYN-01 engrafted");
    assert!(
        r.body.contains(&format!("engrafted day +{day}")),
        "day +{day}"
    );
    // The statistician reads it; the form is not offered to that role.
    let mut s = app.client(Role::Statistician).await;
    let r = s.get(&format!("/courses/{course}/toxicity")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("Enter a laboratory value"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labs_upload_lists_every_problem_and_saves_nothing() {
    let app = App::demo().await;
    let course = app.course_id("DEMO-01").await;
    let mut c = app.client(Role::Nurse).await;
    let url = format!("/courses/{course}/labs.csv");
    let before = counts(&app, "DEMO-01").await;
    let bad = "patient,date,test,value,unit,lln,uln,baseline\n\
               DEMO-01,2026-13-01,neutrophils,1.2,10^9/L,1.5,,\n\
               DEMO-01,2026-01-02,platelets,45,mg/dL,150,400,\n\
               DEMO-01,2026-01-03,platelets,4x,10^9/L,150,400,maybe\n";
    let r = c.upload(&url, 0, "ward-labs.csv", bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("ward-labs.csv: nothing was saved — 4 problems"),
        "{}",
        r.body
    );
    for cell in [
        "<td>2</td><td>date</td>",
        "<td>3</td><td>unit</td>",
        "<td>4</td><td>value</td>",
        "<td>4</td><td>baseline</td>",
    ] {
        assert!(r.body.contains(cell), "{cell}");
    }
    assert_eq!(counts(&app, "DEMO-01").await, before);
    // Rows of another patient: every one named, nothing saved.
    let other = "patient,date,test,value,unit,lln,uln\n\
                 DEMO-01,2026-01-02,platelets,45,10^9/L,150,400\n\
                 SYN-01,2026-01-03,platelets,45,10^9/L,150,400\n";
    let r = c.upload(&url, 0, "labs.csv", other).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("<td>3</td><td>patient</td>"), "{}", r.body);
    assert_eq!(counts(&app, "DEMO-01").await, before);
    // A valid file: every row saved, shown exactly as written.
    let good = "patient,date,test,value,unit,lln,uln\n\
                DEMO-01,2026-01-20,platelets,45,10^9/L,150,400\n\
                DEMO-01,2026-01-20,neutrophils,0.40,10^9/L,1.5,\n";
    let r = c.upload(&url, 0, "labs.csv", good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(counts(&app, "DEMO-01").await.0, before.0 + 2);
    let r = c.get(&format!("/courses/{course}/toxicity")).await;
    assert!(r.body.contains("<td>0.4</td>") || r.body.contains("<td>0.40</td>"));
    // ANC 0.40 < 0.5 ×10⁹/L after infusion 1 (2026-01-12): grade 4 by
    // CTCAE v5.0 (docs/reference/toxicity.md §6).
    assert!(r.body.contains("class=\"grade-4\""), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lab_value_from_the_form_uses_the_same_checks() {
    let app = App::demo().await;
    let course = app.course_id("DEMO-01").await;
    let mut c = app.client(Role::Physician).await;
    let url = format!("/courses/{course}/labs");
    let r = c
        .submit(
            &url,
            &[
                ("date", "2026-01-05"),
                ("test", "haemoglobin"),
                ("value", "9,5"),
                ("unit", "g/dL"),
                ("lln", "11"),
                ("uln", "15"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("<td>value</td>") && r.body.contains("comma"),
        "{}",
        r.body
    );
    let r = c
        .submit(
            &url,
            &[
                ("date", "2026-01-05"),
                ("test", "haemoglobin"),
                ("value", "9.5"),
                ("unit", "g/dL"),
                ("lln", "11"),
                ("uln", "15"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(counts(&app, "DEMO-01").await.0, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adverse_events_offer_only_the_grades_of_each_term() {
    let app = App::demo().await;
    let course = app.course_id("DEMO-01").await;
    let mut c = app.client(Role::Nurse).await;
    let r = c.get(&format!("/courses/{course}/toxicity")).await;
    // Febrile neutropenia: grades 3–5 only (CTCAE v5.0); nausea 1–3.
    assert!(r.body.contains("value=\"febrile_neutropenia:3\""));
    assert!(!r.body.contains("value=\"febrile_neutropenia:2\""));
    assert!(r.body.contains("value=\"nausea:3\""));
    assert!(!r.body.contains("value=\"nausea:4\""));
    // Laboratory terms are not offered as events.
    assert!(!r.body.contains("value=\"platelet_count_decreased:"));
    let url = format!("/courses/{course}/events");
    // A forged grade is refused by the term table, nothing saved.
    let r = c
        .submit(
            &url,
            &[
                ("date", "2026-01-04"),
                ("term_grade", "febrile_neutropenia:1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Febrile neutropenia has no grade 1"),
        "{}",
        r.body
    );
    assert_eq!(counts(&app, "DEMO-01").await.1, 0);
    let r = c
        .submit(&url, &[("date", "2026-01-04"), ("term_grade", "nausea:2")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c.get(&format!("/courses/{course}/toxicity")).await;
    assert!(
        r.body.contains("<td>Nausea</td><td class=\"grade\">2</td>"),
        "{}",
        r.body
    );
}

fn assessment<'a>(kind: &'a str, date: &'a str, scores: [&'a str; 12]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = vec![
        ("kind".into(), kind.into()),
        ("date".into(), date.into()),
        ("mibg".into(), "yes".into()),
        ("tracer".into(), "123I".into()),
        ("primary".into(), "none".into()),
        ("marrow_aspirate_left".into(), "0".into()),
        ("marrow_aspirate_right".into(), "0".into()),
    ];
    for (s, v) in mibg_response::score::SIOPEN_SEGMENTS.iter().zip(scores) {
        f.push((format!("seg_{s}"), v.into()));
    }
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_form_total_and_inrc_result() {
    let app = App::demo().await;
    let course = app.course_id("DEMO-01").await;
    let mut c = app.client(Role::Physician).await;
    let r = c.get(&format!("/courses/{course}/response")).await;
    assert_eq!(r.status, StatusCode::OK);
    no_inline_style_or_script(&r.body);
    assert!(
        r.body
            .contains("<script src=\"/static/siopen.js\" defer></script>")
    );
    assert_eq!(
        r.body.matches("class=\"segment\"").count(),
        12,
        "the 12 SIOPEN segments"
    );
    let url = format!("/courses/{course}/assessments");
    let sender = c.clone();
    let send = |f: Vec<(String, String)>| {
        let mut c = sender.clone();
        let url = url.clone();
        async move {
            let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            c.submit(&url, &refs).await
        }
    };
    // A segment left unscored is named; nothing saved.
    let mut missing = assessment("baseline", "2026-01-01", ["4"; 12]);
    missing.retain(|(k, _)| k != "seg_pelvis");
    let r = send(missing).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("seg_pelvis"), "{}", r.body);
    assert_eq!(counts(&app, "DEMO-01").await.2, 0);
    // Baseline: 12 × 4 = 48, computed by the server.
    let r = send(assessment("baseline", "2026-01-01", ["4"; 12])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c.get(&format!("/courses/{course}/response")).await;
    assert!(r.body.contains("<td>SIOPEN 48</td>"), "{}", r.body);
    // Follow-up: 12 × 1 = 12 (a 75 % reduction), marrow clear: the INRC
    // result with its trace.
    let r = send(assessment("follow_up", "2026-04-01", ["1"; 12])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c.get(&format!("/courses/{course}/response")).await;
    assert!(r.body.contains("<td>SIOPEN 12</td>"), "{}", r.body);
    assert!(r.body.contains("Best overall response"));
    assert!(
        r.body.contains("<dt>SIOPEN reduction</dt><dd>75.0 %</dd>"),
        "{}",
        r.body
    );
    let op = Scope::operator("t");
    let resp = app.store.course_response(&op, course).await.unwrap();
    let p = resp.response.unwrap().unwrap();
    assert!(
        r.body
            .contains(&format!("<span class=\"badge response\">{}</span>", p.best))
    );
    assert!(!p.best_because.is_empty());
    // A second baseline is refused.
    let r = send(assessment("baseline", "2026-05-01", ["0"; 12])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("already has a baseline"));
    // The live-total script is served as a file (CSP script-src 'self').
    let r = c.get("/static/siopen.js").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readings_upload_lists_every_problem() {
    let app = App::demo().await;
    let course = app.course_id("DEMO-01").await;
    let p = app.patient_id("DEMO-01").await;
    let inf = app
        .store
        .list::<mibg_store::Infusion>(&Scope::operator("t"), p)
        .await
        .unwrap()[0]
        .id;
    let mut c = app.client(Role::Nurse).await;
    let bad = "hours,reading,background\n0,301.59,0.1\n3.49,abc,0.1\n8.14,198.4,x\n0,107.87,0.1\n32.34,85.27,0.1\n";
    let r = c
        .upload(
            &format!("/courses/{course}/readings.csv"),
            inf,
            "ward.csv",
            bad,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("ward.csv: nothing was saved — 3 problems"),
        "{}",
        r.body
    );
    for cell in [
        "<td>3</td><td>reading</td>",
        "<td>4</td><td>background</td>",
        "<td>5</td><td>hours</td>",
    ] {
        assert!(r.body.contains(cell), "{cell}: {}", r.body);
    }
}
