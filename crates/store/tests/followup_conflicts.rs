//! Follow-up entries (`mibg_store::followup`) against the stored records
//! they conflict with, on SQLite and PostgreSQL (issue 16: the store's
//! decisions, mutation-tested):
//!
//! * a conflict found in a stored table is named by that table, as a page
//!   calls it ("an infusion", "a laboratory value", …), so that the user
//!   knows which record stands in the way of the entry's date;
//! * only the problems an entry brings refuse it: a folder that already
//!   had a problem (a record written behind the application) neither
//!   refuses a valid entry nor hides the problem of an invalid one.
//!
//! Dates from the seed study (`examples/seed-study`, patient SYN-03):
//! infusions 2017-04-18 and 2017-05-02, laboratory values from 2017-04-15
//! to 2017-07-11 and later, adverse events from 2017-04-20 (febrile
//! neutropenia 2017-05-19), a stem-cell return 2017-05-16, transfusions
//! from 2017-05-18, busulfan-melphalan from 2017-08-07, thyroid
//! assessments from 2017-04-11 (then 2017-10-17), last contact 2024-08-07.

mod common;

use common::*;
use mibg_store::followup::FollowUpEntry;
use mibg_store::*;

both!(
    a_death_names_each_stored_table_it_conflicts_with,
    a_problem_the_folder_already_had_is_not_the_entrys,
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

async fn a_death_names_each_stored_table_it_conflicts_with(b: Backend) {
    let (_db, store) = seeded(b).await;
    let (_, course) = course_of(&store, "SYN-03").await;
    // A death on 2017-04-25: after infusion 1 (so the entry itself is
    // well-formed), before infusion 2 and before every later record of
    // each table (mibg_study::validate: nothing dated after the death, no
    // death before an infusion, the last contact not after the death).
    let p = store
        .record_follow_up(&op(), course, &entry("death", "2017-04-25", "disease"))
        .await
        .unwrap()
        .expect_err("refused");
    // Every conflict names the date of the entry, the field the user can
    // change.
    assert!(
        p.iter().all(|x| x.field.as_deref() == Some("date")),
        "{p:?}"
    );
    let has = |m: &str| p.iter().any(|x| x.message == m);
    // The folder's messages without the rebuilt followup.csv's line
    // numbers, after the stored table's name on a page.
    for m in [
        "an infusion conflicts with this entry: death (2017-04-25) before this infusion (2017-05-02)",
        "a stem-cell return conflicts with this entry: stem-cell infusion dated 2017-05-16 is after the death (2017-04-25)",
        "a later therapy conflicts with this entry: therapy dated 2017-08-07 is after the death (2017-04-25)",
        "a thyroid assessment conflicts with this entry: thyroid assessment dated 2017-10-17 is after the death (2017-04-25)",
        "another follow-up event conflicts with this entry: last contact 2024-08-07 is after the death (2017-04-25)",
    ] {
        assert!(has(m), "missing {m:?} in {p:?}");
    }
    // The toxicity tables' rows are "records" in the folder's message;
    // the page names the table.
    for (table, date) in [
        ("a laboratory value", "2017-07-11"),
        ("an adverse event", "2017-05-19"),
        ("a transfusion", "2017-05-18"),
    ] {
        let m = format!(
            "{table} conflicts with this entry: record dated {date} is after the death (2017-04-25)"
        );
        assert!(has(&m), "missing {m:?} in {p:?}");
    }
    // Nothing was saved: the last contact is still the only event.
    assert_eq!(store.follow_up(&op(), course).await.unwrap().len(), 1);
}

async fn a_problem_the_folder_already_had_is_not_the_entrys(b: Backend) {
    let (db, store) = seeded(b).await;
    let (pid, course) = course_of(&store, "SYN-03").await;
    // A transfusion moved behind the application to 2024-09-01, after the
    // last contact (2024-08-07): the patient's folder now has a problem of
    // its own ("the last contact must be the latest date").
    raw(
        &db.location,
        &format!(
            "UPDATE transfusions SET date = '2024-09-01' WHERE id = \
             (SELECT MIN(id) FROM transfusions WHERE patient_id = {pid})"
        ),
    )
    .await;
    let folder = store.patient_folder(&op(), pid).await.unwrap();
    let before = mibg_study::validate(&folder).problems.errors;
    assert!(
        before.iter().any(|x| x
            .message
            .contains("dated 2024-09-01 is after the last contact")),
        "{before:?}"
    );
    // An entry before the first infusion (2017-04-18) is refused for its
    // own problem only: one problem, on its date.
    let p = store
        .record_follow_up(&op(), course, &entry("progression", "2017-04-17", ""))
        .await
        .unwrap()
        .expect_err("refused");
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].field.as_deref(), Some("date"));
    assert_eq!(
        p[0].message,
        "progression dated 2017-04-17 is before the first infusion (2017-04-18)"
    );
    assert_eq!(store.follow_up(&op(), course).await.unwrap().len(), 1);
    // A valid entry is accepted: the folder's own problem is not its.
    let saved = store
        .record_follow_up(&op(), course, &entry("progression", "2020-06-01", ""))
        .await
        .unwrap()
        .expect("accepted");
    assert_eq!(saved.record.event, FollowUpEvent::Progression);
    assert_eq!(store.follow_up(&op(), course).await.unwrap().len(), 2);
}
