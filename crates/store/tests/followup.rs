//! Follow-up entered in the registry (`mibg_store::followup`), on SQLite and
//! PostgreSQL: an entry is checked by the study folder's own rules, the
//! study report from the database with an event entered equals the report
//! of the folder with the same row, changes and deletions carry a version
//! and a reason, every write is audited, and another centre's patient is
//! "not found".

mod common;

use common::*;
use mibg_store::followup::FollowUpEntry;
use mibg_store::*;

both!(
    an_entered_event_changes_the_report_as_the_same_folder_row,
    entries_are_refused_by_the_folders_rules_by_field,
    change_and_deletion_need_the_version_and_a_reason,
    follow_up_is_scoped_and_needs_its_right,
    deaths_entered_at_once_leave_one_death,
);

fn entry(event: &str, date: &str, cause: &str) -> FollowUpEntry {
    FollowUpEntry {
        event: event.into(),
        date: date.into(),
        cause: cause.into(),
        notes: String::new(),
    }
}

async fn course_of(store: &Store, sid: &str) -> (i64, i64) {
    let p = store.find_patient(&op(), sid).await.unwrap();
    (p.id, store.courses(&op(), p.id).await.unwrap()[0].id)
}

fn report_json(input: &mibg_study::StudyInput) -> String {
    serde_json::to_string_pretty(&mibg_clinic::cohort::report(input).unwrap()).unwrap()
}

async fn an_entered_event_changes_the_report_as_the_same_folder_row(b: Backend) {
    let (_db, store) = seeded(b).await;
    // SYN-03: infusion 1 on 2017-04-18, last contact 2024-08-07, no event.
    let (pid, course) = course_of(&store, "SYN-03").await;
    let saved = store
        .record_follow_up(
            &op(),
            course,
            &FollowUpEntry {
                notes: "MIBG scan, new lesions".into(),
                ..entry("relapse", "2020-06-01", "")
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.record.event, FollowUpEvent::Relapse);
    assert_eq!(saved.record.cause, None);
    assert_eq!(
        saved.record.notes.as_deref(),
        Some("MIBG scan, new lesions")
    );
    // The same row in the folder (the seed's `followup.csv` has no notes
    // column; the notes are not a figure of the report).
    let mut folder = seed();
    let text = folder.files.get("followup.csv").unwrap().clone();
    folder.insert(
        "followup.csv",
        format!("{text}SYN-03,relapse,2020-06-01,\n"),
    );
    let from_db = store.study_folder(&op(), false).await.unwrap();
    assert_eq!(report_json(&folder), report_json(&from_db));
    // And the figure itself, counted by hand: 2017-04-18 → 2020-04-18 is
    // 365 + 365 + 366 days (29 Feb 2020), → 2020-06-01 is 12 + 31 + 1 more:
    // 1140 days, an event (a relapse counts for EFS, not for OS).
    let r = mibg_clinic::cohort::report(&from_db).unwrap();
    let p = r.patients.iter().find(|p| p.patient == "SYN-03").unwrap();
    let efs = p.efs.as_ref().unwrap();
    assert_eq!((efs.days, efs.event), (1140, true));
    let os = p.os.as_ref().unwrap();
    assert!(!os.event);
    assert_eq!(os.end.to_string(), "2024-08-07");
    // The seed report had SYN-03 event-free, censored at the last contact.
    let before = mibg_clinic::cohort::report(&seed()).unwrap();
    let b3 = before
        .patients
        .iter()
        .find(|p| p.patient == "SYN-03")
        .unwrap();
    assert!(!b3.efs.as_ref().unwrap().event);
    assert_ne!(report_json(&seed()), report_json(&from_db));
    // The creation is audited with the new values, in the same chain.
    let h = store.patient_history(&op(), pid).await.unwrap();
    let created = h
        .iter()
        .find(|a| {
            a.entity.as_deref() == Some("followup")
                && a.entity_id == Some(saved.id)
                && a.action == "create"
        })
        .unwrap_or_else(|| panic!("no creation record in {h:?}"));
    assert!(
        created
            .new_value
            .as_deref()
            .is_some_and(|v| v.contains("2020-06-01") && v.contains("relapse")),
        "{created:?}"
    );
    let v = store.verify_audit(&op()).await.unwrap();
    assert!(v.intact(), "{:?}", v.problems);
}

async fn entries_are_refused_by_the_folders_rules_by_field(b: Backend) {
    let (_db, store) = seeded(b).await;
    let (pid, course) = course_of(&store, "SYN-03").await;
    let n = store.follow_up(&op(), course).await.unwrap().len();
    let refused = |e: FollowUpEntry| {
        let store = store.clone();
        async move {
            store
                .record_follow_up(&op(), course, &e)
                .await
                .unwrap()
                .expect_err("refused")
        }
    };
    // followup.csv: "a cause is recorded only for a death".
    let p = refused(entry("progression", "2020-06-01", "disease")).await;
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].field.as_deref(), Some("cause"));
    // Not one of the events.
    let p = refused(entry("recurrence", "2020-06-01", "")).await;
    assert_eq!(p[0].field.as_deref(), Some("event"), "{p:?}");
    // Not a date.
    let p = refused(entry("relapse", "2020-02-30", "")).await;
    assert_eq!(p[0].field.as_deref(), Some("date"), "{p:?}");
    // Before the first infusion (2017-04-18).
    let p = refused(entry("progression", "2017-04-17", "")).await;
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].field.as_deref(), Some("date"));
    assert!(
        p[0].message
            .contains("before the first infusion (2017-04-18)"),
        "{p:?}"
    );
    // After the last contact (2024-08-07): the last contact is the latest date.
    let p = refused(entry("progression", "2024-08-08", "")).await;
    assert_eq!(p[0].field.as_deref(), Some("date"), "{p:?}");
    assert!(p[0].message.contains("after the last contact"), "{p:?}");
    // A second last contact.
    let p = refused(entry("last_contact", "2024-08-01", "")).await;
    assert_eq!(p[0].field.as_deref(), Some("event"), "{p:?}");
    assert!(p[0].message.contains("already has a last_contact"), "{p:?}");
    // A death before the stored last contact: the stored row breaks the
    // rule, and the entry's date is named.
    let p = refused(entry("death", "2024-08-01", "disease")).await;
    assert!(
        p.iter().any(|x| x.field.as_deref() == Some("date")
            && x.message
                .contains("last contact 2024-08-07 is after the death (2024-08-01)")),
        "{p:?}"
    );
    // After the study's data cut-off (2024-10-31).
    let p = refused(entry("death", "2024-11-05", "disease")).await;
    assert!(
        p.iter().any(|x| x.field.as_deref() == Some("date")
            && x.message.contains("after the data cut-off (2024-10-31)")),
        "{p:?}"
    );
    // Nothing was saved.
    assert_eq!(store.follow_up(&op(), course).await.unwrap().len(), n);
    // SYN-01 died on 2018-01-02: nothing after the death, no second death.
    let (_, c1) = course_of(&store, "SYN-01").await;
    let p = store
        .record_follow_up(&op(), c1, &entry("relapse", "2018-02-01", ""))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(p[0].field.as_deref(), Some("date"), "{p:?}");
    assert!(
        p[0].message.contains("after the death (2018-01-02)"),
        "{p:?}"
    );
    let p = store
        .record_follow_up(&op(), c1, &entry("death", "2017-12-01", "unknown"))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        p.iter()
            .any(|x| x.field.as_deref() == Some("event")
                && x.message.contains("already has a death")),
        "{p:?}"
    );
    // A death without a cause is accepted (the folder's rule: the cause is
    // optional) and ends the "what is missing" of a patient without one.
    let (_, c5) = course_of(&store, "SYN-05").await;
    let last = store.follow_up(&op(), c5).await.unwrap();
    assert!(
        store
            .course_facts(&op(), c5)
            .await
            .unwrap()
            .outcome_recorded
    );
    assert_eq!(last.len(), 1);
    store
        .delete_follow_up(
            &op(),
            c5,
            last[0].id,
            last[0].version,
            "entered for the wrong patient",
        )
        .await
        .unwrap();
    assert!(
        !store
            .course_facts(&op(), c5)
            .await
            .unwrap()
            .outcome_recorded
    );
    // SYN-05's thyroid assessments run to 2024-05-03: a death before one of
    // them is refused, the stored assessment named.
    let p = store
        .record_follow_up(&op(), c5, &entry("death", "2023-05-06", ""))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        p.iter().any(|x| x.field.as_deref() == Some("date")
            && x.message
                .starts_with("a thyroid assessment conflicts with this entry")
            && x.message.contains("2023-11-03")),
        "{p:?}"
    );
    let d = store
        .record_follow_up(&op(), c5, &entry("death", "2024-06-01", ""))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (d.record.event, d.record.cause),
        (FollowUpEvent::Death, None)
    );
    assert!(
        store
            .course_facts(&op(), c5)
            .await
            .unwrap()
            .outcome_recorded
    );
    let _ = pid;
}

async fn change_and_deletion_need_the_version_and_a_reason(b: Backend) {
    let (_db, store) = seeded(b).await;
    let (pid, course) = course_of(&store, "SYN-03").await;
    let e = store
        .record_follow_up(&op(), course, &entry("progression", "2019-03-04", ""))
        .await
        .unwrap()
        .unwrap();
    // A reason is required.
    let r = store
        .update_follow_up(
            &op(),
            course,
            e.id,
            e.version,
            &entry("progression", "2019-03-05", ""),
            " ",
        )
        .await;
    assert!(matches!(r, Err(StoreError::ReasonRequired)), "{r:?}");
    // The change is checked as an entry (in place of the stored event).
    let p = store
        .update_follow_up(
            &op(),
            course,
            e.id,
            e.version,
            &entry("progression", "2019-03-05", "toxicity"),
            "typo",
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(p[0].field.as_deref(), Some("cause"), "{p:?}");
    let changed = store
        .update_follow_up(
            &op(),
            course,
            e.id,
            e.version,
            &entry("relapse", "2019-03-05", ""),
            "relapse, not progression (scan report)",
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changed.version, e.version + 1);
    assert_eq!(changed.record.event, FollowUpEvent::Relapse);
    assert_eq!(changed.record.date.to_string(), "2019-03-05");
    // A stale version is refused with the current values.
    let r = store
        .update_follow_up(
            &op(),
            course,
            e.id,
            e.version,
            &entry("relapse", "2019-03-06", ""),
            "again",
        )
        .await;
    assert!(matches!(r, Err(StoreError::Conflict { .. })), "{r:?}");
    let r = store
        .delete_follow_up(&op(), course, e.id, e.version, "stale")
        .await;
    assert!(matches!(r, Err(StoreError::Conflict { .. })), "{r:?}");
    let r = store
        .delete_follow_up(&op(), course, e.id, changed.version, "")
        .await;
    assert!(matches!(r, Err(StoreError::ReasonRequired)), "{r:?}");
    let gone = store
        .delete_follow_up(
            &op(),
            course,
            e.id,
            changed.version,
            "duplicate of the clinic letter",
        )
        .await
        .unwrap();
    assert!(gone.deleted);
    assert!(
        store
            .follow_up(&op(), course)
            .await
            .unwrap()
            .iter()
            .all(|x| x.id != e.id)
    );
    // Every step in the audit trail, with its reason.
    let h: Vec<_> = store
        .patient_history(&op(), pid)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.entity.as_deref() == Some("followup") && a.entity_id == Some(e.id))
        .collect();
    let reasons: Vec<_> = h.iter().filter_map(|a| a.reason.clone()).collect();
    assert!(
        reasons
            .iter()
            .any(|r| r == "relapse, not progression (scan report)"),
        "{h:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r == "duplicate of the clinic letter"),
        "{h:?}"
    );
    // The field changes are audited old → new.
    assert!(
        h.iter().any(|a| a.field.as_deref() == Some("event")
            && a.old_value
                .as_deref()
                .is_some_and(|v| v.contains("progression"))
            && a.new_value
                .as_deref()
                .is_some_and(|v| v.contains("relapse"))),
        "{h:?}"
    );
    let v = store.verify_audit(&op()).await.unwrap();
    assert!(v.intact(), "{:?}", v.problems);
}

async fn follow_up_is_scoped_and_needs_its_right(b: Backend) {
    let (_db, store) = seeded(b).await;
    let rome = store.centre_by_code(&op(), "Rome").await.unwrap();
    let milan = store.centre_by_code(&op(), "Milan").await.unwrap();
    let mut scopes = Vec::new();
    for (name, role) in [("fu_doc", Role::Physician), ("fu_nurse", Role::Nurse)] {
        store
            .create_user(
                &op(),
                &NewUser {
                    username: name.into(),
                    printed_name: format!("Dr {name}"),
                    role,
                    centre_id: rome.id,
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
        scopes.push(s.scope);
    }
    let (doc, nurse) = (&scopes[0], &scopes[1]);
    let patients = store.list_patients(&op()).await.unwrap();
    let in_centre = |c: i64| patients.iter().find(|p| p.centre_id == c).unwrap().id;
    let own = store.courses(&op(), in_centre(rome.id)).await.unwrap()[0].id;
    let other = store.courses(&op(), in_centre(milan.id)).await.unwrap()[0].id;
    // Another centre's patient is not found, whatever the entry.
    let r = store
        .record_follow_up(doc, other, &entry("relapse", "2020-06-01", ""))
        .await;
    assert!(matches!(r, Err(StoreError::NotFound { .. })), "{r:?}");
    assert!(matches!(
        store.follow_up(doc, other).await,
        Err(StoreError::NotFound { .. })
    ));
    let theirs = store.follow_up(&op(), other).await.unwrap();
    let r = store
        .delete_follow_up(doc, other, theirs[0].id, theirs[0].version, "x")
        .await;
    assert!(matches!(r, Err(StoreError::NotFound { .. })), "{r:?}");
    // An id of another patient named under the own course is not found.
    let r = store
        .update_follow_up(
            doc,
            own,
            theirs[0].id,
            theirs[0].version,
            &entry("relapse", "2020-06-01", ""),
            "x",
        )
        .await;
    assert!(matches!(r, Err(StoreError::NotFound { .. })), "{r:?}");
    // A nurse reads follow-up but does not record it
    // (docs/reference/registry.md §1).
    assert!(store.follow_up(nurse, own).await.is_ok());
    let r = store
        .record_follow_up(nurse, own, &entry("relapse", "2020-06-01", ""))
        .await;
    assert!(matches!(r, Err(StoreError::Forbidden(_))), "{r:?}");
}

async fn deaths_entered_at_once_leave_one_death(b: Backend) {
    // The folder's rule "at most one death" (mibg_study::validate) must hold
    // when several deaths are entered at the same moment: each entry is
    // written only if the patient's follow-up is still what it was checked
    // against, otherwise checked again (and then refused).
    let (_db, store) = seeded(b).await;
    let (pid, course) = course_of(&store, "SYN-03").await;
    // SYN-03's last contact (2024-08-07) goes first, so that a death in
    // early August 2024 breaks no other rule.
    let lc = store.list::<FollowUp>(&op(), pid).await.unwrap();
    assert_eq!(lc.len(), 1);
    store
        .delete_follow_up(
            &op(),
            course,
            lc[0].id,
            lc[0].version,
            "re-entered as a death",
        )
        .await
        .unwrap();
    let store = std::sync::Arc::new(store);
    let tasks: Vec<_> = (1..=6)
        .map(|day| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .record_follow_up(
                        &op(),
                        course,
                        &entry("death", &format!("2024-08-0{day}"), "disease"),
                    )
                    .await
            })
        })
        .collect();
    let mut saved = 0;
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(Ok(_)) => saved += 1,
            Ok(Err(problems)) => {
                assert!(!problems.is_empty());
                refused += 1;
            }
            // Checked again three times and still overtaken: also nothing saved.
            Err(StoreError::Refused(_)) => refused += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!((saved, refused), (1, 5));
    let live = store.list::<FollowUp>(&op(), pid).await.unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].record.event, FollowUpEvent::Death);
    // The folder from the database passes its own validation.
    let folder = store.study_folder(&op(), false).await.unwrap();
    assert!(mibg_study::validate(&folder).problems.errors.is_empty());
}
