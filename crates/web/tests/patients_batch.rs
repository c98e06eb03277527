//! The patients list reads the state of every course of a page in a few
//! queries (`Store::course_statuses`); on the demo data (the seed study and
//! DEMO-01, whose plan is signed and infusion 1 given) it gives exactly the
//! state that the single-course path (`Store::course_status`, the course
//! page's) gives, for every role's scope.

mod common;

use axum::http::StatusCode;
use common::App;
use mibg_store::{Role, Scope};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_batch_gives_the_single_course_states_on_the_demo() {
    let app = App::demo().await;
    let all = app
        .store
        .list_patients(&Scope::operator("t"))
        .await
        .unwrap();
    let ids: Vec<i64> = all.iter().map(|p| p.id).collect();
    for role in [Role::Physician, Role::Monitor, Role::Statistician] {
        let a = app.account(role);
        let scope = app
            .store
            .login(&a.username, &a.password, "t")
            .await
            .unwrap()
            .scope;
        let batch = app.store.course_statuses(&scope, &ids).await.unwrap();
        let mut n = 0;
        for (p, got) in all.iter().zip(&batch) {
            if !scope.covers(p.centre_id) {
                assert!(got.is_empty());
                continue;
            }
            for (c, st) in got {
                assert_eq!(*st, app.store.course_status(&scope, c.id).await.unwrap());
                n += 1;
            }
        }
        assert!(n > 0, "{role}");
    }
    // The page shows DEMO-01's next step and what it misses, as the course
    // page does.
    let mut c = app.client(Role::Nurse).await;
    let course = app.course_id(mibg_web::demo::DEMO_PATIENT).await;
    let st = app
        .store
        .course_status(&Scope::operator("t"), course)
        .await
        .unwrap();
    let (_, missing) = st.next.unwrap();
    let mut page = String::new();
    for n in 1..=3 {
        let r = c.get(&format!("/patients?page={n}")).await;
        assert_eq!(r.status, StatusCode::OK);
        page.push_str(&r.body);
    }
    assert!(page.contains(mibg_web::demo::DEMO_PATIENT));
    for m in missing {
        let escaped = m.replace('\'', "&#39;");
        assert!(page.contains(&escaped) || page.contains(&m), "{m}");
    }
}
