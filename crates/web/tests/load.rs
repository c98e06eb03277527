//! The load test's own accounting, checked on a tiny run: the engine of
//! `mibg-load` (crates/load) against a real server on loopback (the demo registry on
//! a fresh SQLite file), 4 clients for 2 seconds. No timed assertion: the
//! checks are on counts — every request recorded once in its class, no
//! error, every acknowledged write found exactly once, a write removed
//! behind the tool's back reported lost — and on the percentile rule.

mod common;
// The engine (crates/load/src/engine.rs) is compiled into this test with
// its HTTP client, hyper and hyper_util (dev-dependencies of this crate).
#[path = "../../load/src/engine.rs"]
mod engine;

use engine::{Class, Mix, RunOptions, Write, percentile};
use mibg_store::{Lab, Reading, Scope};
use std::time::Duration;

#[test]
fn the_cookie_names_are_the_servers() {
    assert_eq!(engine::SESSION_COOKIE, mibg_web::session::COOKIE);
    assert_eq!(engine::LOGIN_COOKIE, mibg_web::session::LOGIN_COOKIE);
}

#[test]
fn nearest_rank_percentiles() {
    let v: Vec<u64> = (1..=100).collect();
    assert_eq!(percentile(&v, 50.0), Some(50));
    assert_eq!(percentile(&v, 95.0), Some(95));
    assert_eq!(percentile(&v, 99.0), Some(99));
    assert_eq!(percentile(&v, 100.0), Some(100));
    assert_eq!(percentile(&v, 0.1), Some(1));
    // 20 values: p95 is the 19th (ceil(0.95·20) = 19), p50 the 10th.
    let w: Vec<u64> = (1..=20).map(|x| x * 10).collect();
    assert_eq!(percentile(&w, 95.0), Some(190));
    assert_eq!(percentile(&w, 50.0), Some(100));
    // 3 values: p50 = the 2nd (ceil 1.5), p95 = the 3rd.
    assert_eq!(percentile(&[5, 7, 9], 50.0), Some(7));
    assert_eq!(percentile(&[5, 7, 9], 95.0), Some(9));
    assert_eq!(percentile(&[42], 99.0), Some(42));
    assert_eq!(percentile(&[], 50.0), None);
}

#[test]
fn the_summary_counts_each_request_once() {
    let mut r = engine::RunResult::default();
    r.latencies
        .insert(Class::CoursePage, vec![3000, 1000, 2000]);
    r.latencies.insert(Class::DosimetryApi, vec![10_000; 4]);
    r.latencies.insert(Class::ReadingApi, vec![5000, 6000]);
    r.errors.insert(Class::ReadingApi, 1);
    r.elapsed = Duration::from_secs(2);
    let opts = RunOptions {
        clients: 3,
        duration: Duration::from_secs(2),
        mix: Mix::default(),
        seed: 1,
        think: Duration::ZERO,
    };
    let s = engine::summarise(&r, &opts, engine::Verification::default());
    let row = |name: &str| s.rows.iter().find(|x| x.class.starts_with(name)).unwrap();
    assert_eq!(row("course page").requests, 3);
    assert_eq!(row("course page").p50_ms, 2.0);
    assert_eq!(row("course page").max_ms, 3.0);
    assert_eq!(row("pages").requests, 3);
    assert_eq!(row("recomputation").requests, 4);
    assert_eq!(row("recomputation").p95_ms, 10.0);
    assert_eq!(row("writes").requests, 2);
    assert_eq!(row("writes").errors, 1);
    assert_eq!(row("all requests").requests, 9);
    assert_eq!(s.errors, 1);
    assert_eq!(s.throughput_per_s, 4.5);
    assert!(s.pages_p95_goal_met);
    assert!(s.recomputation_p95_goal_met);
}

#[test]
fn the_markers_are_unique() {
    let mut seen = std::collections::HashSet::new();
    for k in [0, 1, 49, 98] {
        for seq in [1, 2, 999, 9_999_999] {
            assert!(seen.insert(engine::lab_value(engine::marker(k, seq))));
        }
    }
    assert_eq!(engine::lab_value(engine::marker(0, 1)), "10000.001");
    assert_eq!(engine::lab_value(engine::marker(49, 12)), "500000.012");
    // The store keeps the parsed decimal: trailing zeros dropped.
    assert_eq!(engine::lab_marker("10000.01"), Some(engine::marker(0, 10)));
    assert_eq!(engine::lab_marker("10000"), Some(engine::marker(0, 0)));
    for k in [0, 7, 49] {
        for seq in [1, 10, 100, 999, 1000, 123_456] {
            let m = engine::marker(k, seq);
            assert_eq!(engine::lab_marker(&engine::lab_value(m)), Some(m));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_run_on_the_demo_counts_every_write() {
    let app = common::App::demo().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(mibg_web::serve(listener, app.state.clone(), async {
        let _ = stopped.await;
    }));
    let setup = engine::prepare(&app.store, 8, 3, 7).await.unwrap();
    assert_eq!(setup.accounts.len(), engine::ROLES.len());
    assert_eq!(setup.writes.len(), 3);
    assert!(!setup.reads.is_empty());
    // The read and write sets share no patient.
    for w in &setup.writes {
        assert!(setup.reads.iter().all(|r| r.patient_id != w.patient_id));
    }
    let opts = RunOptions {
        clients: 4,
        duration: Duration::from_secs(2),
        mix: Mix::parse("patients=2,reading=10,reading-api=10,lab=10").unwrap(),
        seed: 3,
        think: Duration::ZERO,
    };
    let r = engine::run(addr, &setup, &opts).await;
    let samples: Vec<_> = r.error_samples.iter().map(|e| format!("{e:?}")).collect();
    assert!(r.errors.is_empty(), "errors: {samples:?}");
    assert_eq!(r.clients_without_session, 0);
    assert_eq!(r.latencies[&Class::SignIn].len(), 4);
    // Every write request was acknowledged, and none twice.
    let writes: usize = [Class::ReadingForm, Class::ReadingApi, Class::LabForm]
        .iter()
        .map(|c| r.latencies.get(c).map_or(0, Vec::len))
        .sum();
    assert!(writes > 0);
    assert_eq!(r.acknowledged.len(), writes);
    assert!(r.failed_writes.is_empty());
    let v = engine::verify(&app.store, &setup, &r).await.unwrap();
    assert_eq!(v.acknowledged, writes as u64);
    assert_eq!(v.found, writes as u64);
    assert_eq!((v.lost, v.duplicated, v.failed_but_saved), (0, 0, 0));

    // A saved reading and a saved lab value removed behind the tool's back
    // are reported lost, exactly those two.
    let op = Scope::operator("test");
    let mut removed = 0;
    if let Some(Write::Reading {
        patient_id,
        reading,
        ..
    }) = r
        .acknowledged
        .iter()
        .find(|w| matches!(w, Write::Reading { .. }))
    {
        let x = app
            .store
            .list::<Reading>(&op, *patient_id)
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.record.reading == *reading)
            .unwrap();
        app.store
            .delete::<Reading>(&op, x.id, x.version, "load test check")
            .await
            .unwrap();
        removed += 1;
    }
    if let Some(Write::Lab { patient_id, value }) = r
        .acknowledged
        .iter()
        .find(|w| matches!(w, Write::Lab { .. }))
    {
        let x = app
            .store
            .list::<Lab>(&op, *patient_id)
            .await
            .unwrap()
            .into_iter()
            .find(|x| engine::lab_marker(&x.record.value) == engine::lab_marker(value))
            .unwrap();
        app.store
            .delete::<Lab>(&op, x.id, x.version, "load test check")
            .await
            .unwrap();
        removed += 1;
    }
    assert!(removed > 0);
    let v = engine::verify(&app.store, &setup, &r).await.unwrap();
    assert_eq!(v.lost, removed);
    assert_eq!(v.found, writes as u64 - removed);

    let s = engine::summarise(&r, &opts, v);
    let all = s.rows.iter().find(|x| x.class.starts_with("all")).unwrap();
    let per_class: u64 = s
        .rows
        .iter()
        .filter(|x| {
            Class::ALL.iter().any(|c| c.name() == x.class) && !x.class.starts_with("sign-in")
        })
        .map(|x| x.requests)
        .sum();
    assert_eq!(all.requests, per_class);
    assert!(engine::table(&s).contains("lost 1") || engine::table(&s).contains("lost 2"));
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
