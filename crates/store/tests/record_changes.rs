//! Changes and deletions of melphalan doses, stem-cell returns and
//! transfusions, later therapies entered, changed and deleted, and an
//! account's expiry set — on SQLite and PostgreSQL: each change is read by
//! the entry's own rule, names its version (a stale one is a conflict with
//! the current values) and a reason, and is audited old → new; a record of
//! another course or centre named under one's course is "not found".

mod common;

use common::*;
use mibg_store::therapies::TherapyEntry;
use mibg_store::*;

both!(
    melphalan_changes_are_read_by_the_entrys_rule_versioned_and_audited,
    stem_cells_and_transfusions_change_as_the_folder_reads_them,
    stem_cells_and_transfusions_are_checked_in_the_patients_folder,
    a_stem_cell_return_is_checked_against_the_patients_other_live_returns,
    later_therapies_are_checked_in_the_patients_folder,
    an_expiry_set_by_the_admin_ends_the_account,
);

async fn course_of(store: &Store, sid: &str) -> (i64, i64) {
    let p = store.find_patient(&op(), sid).await.unwrap();
    (p.id, store.courses(&op(), p.id).await.unwrap()[0].id)
}

fn report_json(input: &mibg_study::StudyInput) -> String {
    serde_json::to_string_pretty(&mibg_clinic::cohort::report(input).unwrap()).unwrap()
}

/// The update rows of one record in the patient's history: (field, old,
/// new, reason).
async fn updates(store: &Store, pid: i64, entity: &str, id: i64) -> Vec<[String; 4]> {
    store
        .patient_history(&op(), pid)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.entity.as_deref() == Some(entity) && a.entity_id == Some(id))
        .filter(|a| a.action == "update")
        .map(|a| {
            [
                a.field.unwrap_or_default(),
                a.old_value.unwrap_or_default(),
                a.new_value.unwrap_or_default(),
                a.reason.unwrap_or_default(),
            ]
        })
        .collect()
}

async fn melphalan_changes_are_read_by_the_entrys_rule_versioned_and_audited(b: Backend) {
    let (_db, store) = seeded(b).await;
    let (pid, course) = course_of(&store, "SYN-03").await;
    let (_, other) = course_of(&store, "SYN-04").await;
    let m = store
        .record_melphalan(&op(), course, "2017-05-14", "100")
        .await
        .unwrap()
        .unwrap()
        .melphalan;
    // The entry's rule, by field.
    let p = store
        .update_melphalan(&op(), course, m.id, 1, "2017-05-14", "-3", "typo")
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(p[0].field.as_deref(), Some("dose_mg"));
    assert_eq!(p[0].message, "the dose given must be more than 0 mg");
    let r = store
        .update_melphalan(&op(), course, m.id, 1, "2017-05-14", "96.5", "")
        .await;
    assert!(matches!(r, Err(StoreError::ReasonRequired)), "{r:?}");
    let saved = store
        .update_melphalan(&op(), course, m.id, 1, "2017-05-14", "96.5", "pharmacy")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((saved.version, saved.record.dose_mg.mg()), (2, 96.5));
    // Stale: a conflict carrying the current values.
    match store
        .update_melphalan(&op(), course, m.id, 1, "2017-05-14", "90", "again")
        .await
    {
        Err(StoreError::Conflict { expected, current }) => {
            assert_eq!((expected, current.version), (1, 2));
            assert_eq!(current.values["dose_mg"], serde_json::json!(96.5));
        }
        r => panic!("{r:?}"),
    }
    assert_eq!(
        updates(&store, pid, "melphalan", m.id).await,
        vec![[
            "dose_mg".to_string(),
            "100.0".into(),
            "96.5".into(),
            "pharmacy".into()
        ]]
    );
    // Named under another course (of another centre's patient): not found.
    let r = store.course_melphalan(&op(), other, m.id).await;
    assert!(matches!(r, Err(StoreError::NotFound { .. })), "{r:?}");
    let r = store.delete_melphalan(&op(), other, m.id, 2, "x").await;
    assert!(matches!(r, Err(StoreError::NotFound { .. })), "{r:?}");
    // Deleted: a state, and no longer listed.
    let d = store
        .delete_melphalan(&op(), course, m.id, 2, "entered twice")
        .await
        .unwrap();
    assert!(d.deleted);
    assert!(
        store
            .melphalan_given(&op(), course)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.get::<Melphalan>(&op(), m.id).await.unwrap().deleted);
}

async fn stem_cells_and_transfusions_change_as_the_folder_reads_them(b: Backend) {
    let (_db, store) = seeded(b).await;
    let (pid, course) = course_of(&store, "SYN-03").await;
    let sc = store.list::<StemCells>(&op(), pid).await.unwrap()[0].clone();
    let p = store
        .update_stem_cells(&op(), course, sc.id, sc.version, "2017-05-19", "5000", "x")
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(p[0].field.as_deref(), Some("cd34_e6_per_kg"));
    let s = store
        .update_stem_cells(
            &op(),
            course,
            sc.id,
            sc.version,
            "2017-05-19",
            "7.9",
            "apheresis log",
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.record.course_id, Some(course));
    let t = store
        .list::<Transfusion>(&op(), pid)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.record.date.to_string() == "2017-05-29")
        .unwrap();
    let p = store
        .update_transfusion(&op(), course, t.id, t.version, "2017-05-29", "plasma", "x")
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(p[0].field.as_deref(), Some("product"));
    store
        .update_transfusion(
            &op(),
            course,
            t.id,
            t.version,
            "2017-05-29",
            "red cells",
            "blood bank",
        )
        .await
        .unwrap()
        .unwrap();
    // The report from the database is the folder's with the same rows.
    let mut folder = seed();
    for (file, old, new) in [
        (
            "stem_cells.csv",
            "SYN-03,2017-05-16,7.9\n",
            "SYN-03,2017-05-19,7.9\n",
        ),
        (
            "transfusions.csv",
            "SYN-03,2017-05-29,platelets\n",
            "SYN-03,2017-05-29,red_cells\n",
        ),
    ] {
        let text = folder.files.get(file).unwrap().clone();
        assert!(text.contains(old));
        folder.insert(file, text.replacen(old, new, 1));
    }
    let from_db = store.study_folder(&op(), false).await.unwrap();
    assert_eq!(report_json(&folder), report_json(&from_db));
    // A transfusion is deleted with the toxicity records; a stale version
    // is a conflict.
    let r = store
        .delete_toxicity_record::<Transfusion>(&op(), course, t.id, t.version, "x")
        .await;
    assert!(matches!(r, Err(StoreError::Conflict { .. })), "{r:?}");
    let d = store
        .delete_toxicity_record::<Transfusion>(&op(), course, t.id, t.version + 1, "duplicate")
        .await
        .unwrap();
    assert!(d.deleted);
    let d = store
        .delete_stem_cells(&op(), course, sc.id, sc.version + 1, "wrong patient")
        .await
        .unwrap();
    assert!(d.deleted);
}

/// (field, message) of each problem of a refused entry.
fn problems_of<T: std::fmt::Debug>(
    r: Result<T, Vec<mibg_store::clinical::EntryProblem>>,
) -> Vec<(String, String)> {
    r.unwrap_err()
        .into_iter()
        .map(|p| (p.field.unwrap_or_default(), p.message))
        .collect()
}

/// A stem-cell return and a transfusion, entered or changed, are checked
/// in the patient's study folder by `mibg_study::validate()` as a
/// follow-up event is: what the folder's validation refuses is refused at
/// its field and nothing is saved. SYN-03 of the seed study
/// (examples/seed-study): infusion 1 on 2017-04-18 (infusions.csv), a
/// stem-cell return on 2017-05-16 (stem_cells.csv), last contact on
/// 2024-08-07 (followup.csv). The folder's rules (crates/study/src/validate.rs):
/// a stem-cell infusion not before the first infusion; no dated record
/// after the last contact.
async fn stem_cells_and_transfusions_are_checked_in_the_patients_folder(b: Backend) {
    let (_db, store) = seeded(b).await;
    let (pid, course) = course_of(&store, "SYN-03").await;
    let history = store.patient_history(&op(), pid).await.unwrap().len();
    let returns = store.list::<StemCells>(&op(), pid).await.unwrap();
    let transfusions = store.list::<Transfusion>(&op(), pid).await.unwrap();
    assert_eq!(returns.len(), 1);
    let sc = returns[0].clone();
    // One day before infusion 1: refused at the date.
    let p = problems_of(
        store
            .add_stem_cells(&op(), course, "2017-04-17", "5")
            .await
            .unwrap(),
    );
    assert_eq!(
        p,
        [(
            "date".to_string(),
            "stem-cell infusion dated 2017-04-17 is before the first infusion (2017-04-18)"
                .to_string()
        )]
    );
    // One day after the last contact: refused at the date.
    let p = problems_of(
        store
            .add_stem_cells(&op(), course, "2024-08-08", "5")
            .await
            .unwrap(),
    );
    assert_eq!(
        p,
        [(
            "date".to_string(),
            "stem-cell infusion dated 2024-08-08 is after the last contact (2024-08-07); the last contact must be the latest date"
                .to_string()
        )]
    );
    // The stored return changed to before infusion 1: checked in its
    // place, refused, the stored one unchanged.
    let p = problems_of(
        store
            .update_stem_cells(
                &op(),
                course,
                sc.id,
                sc.version,
                "2017-04-17",
                "7.9",
                "apheresis log",
            )
            .await
            .unwrap(),
    );
    assert_eq!(
        p,
        [(
            "date".to_string(),
            "stem-cell infusion dated 2017-04-17 is before the first infusion (2017-04-18)"
                .to_string()
        )]
    );
    // A transfusion after the last contact, entered or changed: refused.
    let after = "record dated 2024-08-08 is after the last contact (2024-08-07); the last contact must be the latest date";
    let p = problems_of(
        store
            .add_transfusion(&op(), course, "2024-08-08", "platelets")
            .await
            .unwrap(),
    );
    assert_eq!(p, [("date".to_string(), after.to_string())]);
    let t = transfusions[0].clone();
    let p = problems_of(
        store
            .update_transfusion(
                &op(),
                course,
                t.id,
                t.version,
                "2024-08-08",
                "platelets",
                "blood bank",
            )
            .await
            .unwrap(),
    );
    assert_eq!(p, [("date".to_string(), after.to_string())]);
    // Nothing saved: the same rows, the audit trail unchanged.
    assert_eq!(store.list::<StemCells>(&op(), pid).await.unwrap(), returns);
    assert_eq!(
        store.list::<Transfusion>(&op(), pid).await.unwrap(),
        transfusions
    );
    assert_eq!(
        store.patient_history(&op(), pid).await.unwrap().len(),
        history
    );
    // On infusion 1's day and on the last contact's day: saved.
    let s = store
        .add_stem_cells(&op(), course, "2017-04-18", "4.2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.record.course_id, Some(course));
    assert_eq!(s.record.cd34_e6_per_kg, Some(4.2));
    let s = store
        .update_stem_cells(
            &op(),
            course,
            sc.id,
            sc.version,
            "2017-05-17",
            "7.9",
            "apheresis log",
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.version, sc.version + 1);
    store
        .add_transfusion(&op(), course, "2024-08-07", "platelets")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.list::<StemCells>(&op(), pid).await.unwrap().len(), 2);
    assert_eq!(
        store.list::<Transfusion>(&op(), pid).await.unwrap().len(),
        transfusions.len() + 1
    );
    assert!(store.patient_history(&op(), pid).await.unwrap().len() > history);
}

/// The folder a stem-cell return is checked in holds the patient's other
/// live returns, and only those: the same date twice is refused
/// (`FieldProblem::DuplicateStemCells`), a changed return is checked in
/// place of its stored version (not against it), and a deleted return is
/// no longer in the folder.
async fn a_stem_cell_return_is_checked_against_the_patients_other_live_returns(b: Backend) {
    let (_db, store) = seeded(b).await;
    let (pid, course) = course_of(&store, "SYN-03").await;
    let returns = store.list::<StemCells>(&op(), pid).await.unwrap();
    assert_eq!(returns.len(), 1);
    let sc = returns[0].clone();
    let day = sc.record.date.to_string();
    // A second return on the stored one's day: refused at the date.
    let p = problems_of(
        store
            .add_stem_cells(&op(), course, &day, "3")
            .await
            .unwrap(),
    );
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].0, "date");
    assert!(
        p[0].1
            .starts_with(&format!("stem-cell infusion on {day} given twice")),
        "{p:?}"
    );
    // The stored return changed on its own day (another CD34+ dose): not a
    // duplicate of itself.
    let s = store
        .update_stem_cells(
            &op(),
            course,
            sc.id,
            sc.version,
            &day,
            "6.1",
            "apheresis log",
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (s.version, s.record.cd34_e6_per_kg),
        (sc.version + 1, Some(6.1))
    );
    // Deleted, it is no longer in the folder: a return on that day is saved.
    store
        .delete_stem_cells(
            &op(),
            course,
            sc.id,
            s.version,
            "entered on the wrong patient",
        )
        .await
        .unwrap();
    let again = store
        .add_stem_cells(&op(), course, &day, "3")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.record.date.to_string(), day);
}

async fn later_therapies_are_checked_in_the_patients_folder(b: Backend) {
    let (_db, store) = seeded(b).await;
    let (pid, course) = course_of(&store, "SYN-03").await;
    let entry = |therapy: &str, date: &str| TherapyEntry {
        therapy: therapy.into(),
        start_date: date.into(),
        notes: String::new(),
    };
    // The folder's rules, by field, with no line of the rebuilt file.
    let p = store
        .record_therapy(&op(), course, &entry("CAR T", "2020-01-01"))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(p[0].field.as_deref(), Some("therapy"));
    let p = store
        .record_therapy(&op(), course, &entry("gd2_car_t", "2017-03-01"))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(p[0].field.as_deref(), Some("start_date"));
    assert_eq!(
        p[0].message,
        "therapy dated 2017-03-01 is before the first infusion (2017-04-18)"
    );
    let t = store
        .record_therapy(&op(), course, &entry("gd2_car_t", "2020-01-01"))
        .await
        .unwrap()
        .unwrap();
    let mut folder = seed();
    let text = folder.files.get("therapies.csv").unwrap().clone();
    folder.insert(
        "therapies.csv",
        format!("{text}SYN-03,gd2_car_t,2020-01-01\n"),
    );
    let from_db = store.study_folder(&op(), false).await.unwrap();
    assert_eq!(report_json(&folder), report_json(&from_db));
    // A change is checked in place of the stored row.
    let p = store
        .update_therapy(
            &op(),
            course,
            t.id,
            1,
            &entry("gd2_car_t", "2024-09-01"),
            "x",
        )
        .await
        .unwrap()
        .unwrap_err();
    assert!(p[0].message.contains("after the last contact"), "{p:?}");
    let u = store
        .update_therapy(
            &op(),
            course,
            t.id,
            1,
            &TherapyEntry {
                notes: "second line, after relapse".into(),
                ..entry("gd2_car_t", "2020-02-01")
            },
            "clinic letter",
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.version, 2);
    // The course page's list: the patient's later therapies by start date
    // (SYN-03's busulfan_melphalan of examples/seed-study/therapies.csv,
    // then this one), each as its edit form shows it.
    let listed = store.later_therapies(&op(), course).await.unwrap();
    let forms: Vec<TherapyEntry> = listed.iter().map(|t| TherapyEntry::of(&t.record)).collect();
    assert_eq!(
        forms,
        [
            entry("busulfan_melphalan", "2017-08-07"),
            TherapyEntry {
                notes: "second line, after relapse".into(),
                ..entry("gd2_car_t", "2020-02-01")
            }
        ]
    );
    let r = store
        .update_therapy(
            &op(),
            course,
            t.id,
            1,
            &entry("gd2_car_t", "2020-03-01"),
            "x",
        )
        .await;
    assert!(matches!(r, Err(StoreError::Conflict { .. })), "{r:?}");
    let up = updates(&store, pid, "therapies", t.id).await;
    assert_eq!(up.len(), 2, "{up:?}");
    assert_eq!(up[0][0], "start_date");
    assert_eq!(up[0][3], "clinic letter");
    assert_eq!(
        up[1],
        [
            "notes",
            "null",
            "\"second line, after relapse\"",
            "clinic letter"
        ]
    );
    store
        .delete_therapy(&op(), course, t.id, 2, "entered twice")
        .await
        .unwrap();
    assert_eq!(
        report_json(&store.study_folder(&op(), false).await.unwrap()),
        report_json(&seed())
    );
}

async fn an_expiry_set_by_the_admin_ends_the_account(b: Backend) {
    let (_db, store) = seeded(b).await;
    let rome = store.centre_by_code(&op(), "Rome").await.unwrap();
    store
        .create_user(
            &op(),
            &NewUser {
                username: "exp_nurse".into(),
                printed_name: "N. Expiring".into(),
                role: Role::Nurse,
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
        .login("exp_nurse", "correct horse battery staple", "t")
        .await
        .unwrap();
    let r = store.set_expiry(&op(), "exp_nurse", None, " ").await;
    assert!(matches!(r, Err(StoreError::ReasonRequired)), "{r:?}");
    // A nurse may not change accounts.
    let r = store.set_expiry(&s.scope, "exp_nurse", None, "x").await;
    assert!(matches!(r, Err(StoreError::Forbidden(_))), "{r:?}");
    let past: jiff::Timestamp = "2020-01-01T00:00:00Z".parse().unwrap();
    let u = store
        .set_expiry(&op(), "exp_nurse", Some(past), "left")
        .await
        .unwrap();
    assert!(
        u.expires_at
            .as_deref()
            .unwrap()
            .starts_with("2020-01-01T00:00:00")
    );
    assert!(
        store
            .login("exp_nurse", "correct horse battery staple", "t")
            .await
            .is_err()
    );
    assert!(store.scope_for_user(s.user.id).await.is_err());
    let u = store
        .set_expiry(&op(), "exp_nurse", None, "contract extended")
        .await
        .unwrap();
    assert_eq!(u.expires_at, None);
    store
        .login("exp_nurse", "correct horse battery staple", "t")
        .await
        .unwrap();
}
