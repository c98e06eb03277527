//! The registry's laboratory values, adverse events and assessments
//! (`mibg_store::clinical`), on SQLite and PostgreSQL: the toxicity and
//! response of a course are the study report's numbers for the same data;
//! entries are checked by the library's parsers and saved all or nothing.

mod common;

use common::*;
use mibg_store::*;

both!(
    course_toxicity_and_response_equal_the_study_report,
    labs_entry_is_checked_all_or_nothing_and_scoped,
);

async fn course_toxicity_and_response_equal_the_study_report(b: Backend) {
    let (_db, store) = seeded(b).await;
    let report = mibg_clinic::cohort::report(&seed()).unwrap();
    let mut compared = 0;
    for pr in &report.patients {
        let p = store.find_patient(&op(), &pr.patient).await.unwrap();
        let courses = store.courses(&op(), p.id).await.unwrap();
        // One course per seed patient: the course window is the patient's.
        assert_eq!(courses.len(), 1);
        let t = store.course_toxicity(&op(), courses[0].id).await.unwrap();
        let worst: Vec<(String, u8)> = t
            .report
            .as_ref()
            .unwrap()
            .as_ref()
            .map(|r| {
                r.worst
                    .iter()
                    .map(|w| (w.term.to_string(), w.grade.get()))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(worst, pr.worst_grades, "{}", pr.patient);
        let days = |v: &[mibg_clinic::cohort::PatientEngraftment]| {
            v.iter()
                .map(|e| (e.stem_cells, e.neutrophil_day, e.platelet_day))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            days(&t.engraftment),
            days(&pr.engraftment),
            "{}",
            pr.patient
        );
        let r = store.course_response(&op(), courses[0].id).await.unwrap();
        match (&pr.response, r.response.unwrap()) {
            (Some(a), Some(b)) => {
                assert_eq!(a.best, b.best, "{}", pr.patient);
                assert_eq!(a.best_because, b.best_because, "{}", pr.patient);
                assert_eq!(a.siopen_before, b.siopen_before, "{}", pr.patient);
                compared += 1;
            }
            (None, None) => {}
            (a, b) => panic!("{}: report {a:?}, registry {b:?}", pr.patient),
        }
    }
    assert!(compared > 10, "{compared} responses compared");
}

async fn labs_entry_is_checked_all_or_nothing_and_scoped(b: Backend) {
    let (_db, store) = seeded(b).await;
    let p = store.find_patient(&op(), "SYN-01").await.unwrap();
    let course = store.courses(&op(), p.id).await.unwrap()[0].id;
    let n = |v: Vec<Stored<Lab>>| v.len();
    let before = n(store.list::<Lab>(&op(), p.id).await.unwrap());
    let bad = "patient,date,test,value,unit,lln,uln\n\
               SYN-01,2017-02-30,platelets,45,10^9/L,150,400\n\
               SYN-01,2017-03-01,platelets,45,10^9/L,150,400\n\
               SYN-02,2017-03-02,platelets,45,10^9/L,150,400\n";
    let problems = store
        .add_labs(&op(), course, "labs.csv", bad, false)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        (problems[0].line, problems[0].field.as_deref()),
        (Some(2), Some("date"))
    );
    assert_eq!(n(store.list::<Lab>(&op(), p.id).await.unwrap()), before);
    // The other patient's row is named once the file reads.
    let other = bad.replace("2017-02-30", "2017-02-28");
    let problems = store
        .add_labs(&op(), course, "labs.csv", &other, false)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        (problems[0].line, problems[0].field.as_deref()),
        (Some(4), Some("patient"))
    );
    assert_eq!(n(store.list::<Lab>(&op(), p.id).await.unwrap()), before);
    // A valid file: saved exactly (decimal text), and read back by the
    // same parser for the grades.
    let good =
        "patient,date,test,value,unit,lln,uln\nSYN-01,2017-03-01,neutrophils,0.45,10^9/L,1.5,\n";
    assert_eq!(
        store
            .add_labs(&op(), course, "labs.csv", good, false)
            .await
            .unwrap(),
        Ok(1)
    );
    let labs = store.list::<Lab>(&op(), p.id).await.unwrap();
    assert_eq!(labs.len(), before + 1);
    let last = &labs.iter().max_by_key(|l| l.id).unwrap().record;
    assert_eq!(
        (last.value.as_str(), last.unit.as_str()),
        ("0.45", "10^9/L")
    );
    // A form entry of a grade the term does not allow is refused.
    let e = store
        .add_adverse_event(&op(), course, "2017-03-01", "nausea", "4")
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e[0].field.as_deref(), Some("grade"), "{e:?}");
    // Another centre's course is not found, for every act.
    let (_, rome) = user(&store, "rome_doc", Role::Physician, "Rome").await;
    let milan = store.centre_by_code(&op(), "Milan").await.unwrap();
    let m = store
        .list_patients(&op())
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.centre_id == milan.id)
        .unwrap();
    let mc = store.courses(&op(), m.id).await.unwrap()[0].id;
    let nf =
        |r: Result<(), StoreError>| assert!(matches!(r, Err(StoreError::NotFound { .. })), "{r:?}");
    nf(store.course_toxicity(&rome, mc).await.map(|_| ()));
    nf(store.course_response(&rome, mc).await.map(|_| ()));
    nf(store
        .add_labs(&rome, mc, "labs.csv", good, false)
        .await
        .map(|_| ()));
    nf(store
        .add_adverse_event(&rome, mc, "2017-03-01", "nausea", "2")
        .await
        .map(|_| ()));
    nf(store
        .add_assessment(&rome, mc, AssessmentKind::FollowUp, serde_json::json!({}))
        .await
        .map(|_| ()));
}

async fn user(store: &Store, name: &str, role: Role, code: &str) -> (Centre, Scope) {
    let c = store.centre_by_code(&op(), code).await.unwrap();
    store
        .create_user(
            &op(),
            &NewUser {
                username: name.into(),
                printed_name: format!("Dr {name}"),
                role,
                centre_id: c.id,
                granted: Vec::new(),
                expires_at: None,
                export_identified: false,
            },
            "correct horse battery staple",
        )
        .await
        .unwrap();
    let s = store
        .login(name, "correct horse battery staple", "127.0.0.1")
        .await
        .unwrap();
    (c, s.scope)
}
