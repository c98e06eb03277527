//! The entry acts on both backends: a patient with the identity apart (one
//! transaction, both rows audited), a course planned and its plan signed by
//! two people, an infusion recorded from the hot-lab record only after the
//! plan is approved, stem-cell returns and transfusions read by the study
//! folder's readers.

mod common;

use common::{op, seeded};
use mibg_store::enrol::{InfusionEntry, PatientEntry};
use mibg_store::{
    Backend, Centre, Identity, Infusion, Meaning, NewUser, Prescription, Role, Scope, Store,
    StoreError,
};

const PW: &str = "correct horse battery staple";

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
            PW,
        )
        .await
        .unwrap();
    (c, store.login(name, PW, "127.0.0.1").await.unwrap().scope)
}

fn entry(study_id: &str) -> PatientEntry {
    PatientEntry {
        study_id: study_id.into(),
        sex: "M".into(),
        weight_kg: "20".into(),
        height_cm: "115".into(),
        enrolment_date: "2026-02-01".into(),
        name: "Test Name".into(),
        birth_date: "2021-01-02".into(),
        hospital_number: "H-1".into(),
    }
}

async fn enrolment_keeps_identity_apart(b: Backend) {
    let (_db, store) = seeded(b).await;
    let (rome, nurse) = user(&store, "nurse1", Role::Nurse, "Rome").await;
    let (_, stat) = user(&store, "stat1", Role::Statistician, "Rome").await;
    let p = store
        .enrol_patient_entry(&nurse, rome.id, &entry("ROM-001"))
        .await
        .unwrap()
        .unwrap();
    let ident = store.identity(&nurse, p.id).await.unwrap().unwrap();
    assert_eq!(ident.record.name.as_deref(), Some("Test Name"));
    assert_eq!(ident.record.birth_date.unwrap().to_string(), "2021-01-02");
    assert!(matches!(
        store.list::<Identity>(&stat, p.id).await,
        Err(StoreError::Forbidden(_))
    ));
    // The patient's history: the operator reads the identity as entered; a
    // monitor (the audit trail, no identifiers: docs/reference/registry.md §1)
    // reads every other value as it is and the identity's withheld.
    let (_, monitor) = user(&store, "mon1", Role::Monitor, "Rome").await;
    let full = store.patient_history(&op(), p.id).await.unwrap();
    let seen = store.patient_history(&monitor, p.id).await.unwrap();
    assert_eq!(full.len(), seen.len());
    assert!(full.iter().any(|r| {
        r.entity.as_deref() == Some("patient_identity")
            && r.new_value
                .as_deref()
                .is_some_and(|v| v.contains("Test Name"))
    }));
    assert!(
        full.iter()
            .any(|r| r.entity.as_deref() != Some("patient_identity") && r.new_value.is_some())
    );
    let withheld = Some("\"(identifying data withheld)\"");
    for (f, s) in full.iter().zip(&seen) {
        if f.entity.as_deref() == Some("patient_identity") {
            for (a, b) in [(&f.old_value, &s.old_value), (&f.new_value, &s.new_value)] {
                assert_eq!(b.as_deref(), a.as_ref().and(withheld), "{f:?}");
            }
        } else {
            assert_eq!((&s.old_value, &s.new_value), (&f.old_value, &f.new_value));
        }
    }
    // Every problem by field, nothing saved.
    let mut bad = entry("ROM-002");
    bad.weight_kg = "-1".into();
    bad.sex = "Q".into();
    let problems = store
        .enrol_patient_entry(&nurse, rome.id, &bad)
        .await
        .unwrap()
        .unwrap_err();
    let fields: Vec<_> = problems.iter().filter_map(|p| p.field.clone()).collect();
    assert!(fields.contains(&"weight_kg".to_string()), "{fields:?}");
    assert!(fields.contains(&"sex".to_string()), "{fields:?}");
    assert!(store.find_patient(&op(), "ROM-002").await.is_err());
    // A duplicate study id: neither row is written.
    let before = store.counts(&op()).await.unwrap();
    let r = store
        .enrol_patient_entry(&nurse, rome.id, &entry("ROM-001"))
        .await
        .unwrap();
    assert!(r.is_err());
    assert_eq!(store.counts(&op()).await.unwrap(), before);
    // A statistician enrols nobody.
    assert!(matches!(
        store
            .enrol_patient_entry(&stat, rome.id, &entry("ROM-003"))
            .await,
        Err(StoreError::Forbidden(_))
    ));
}

async fn plan_then_infusion_then_supportive_care(b: Backend) {
    let (_db, store) = seeded(b).await;
    let (rome, nurse) = user(&store, "nurse1", Role::Nurse, "Rome").await;
    let (_, phys) = user(&store, "phys1", Role::Physicist, "Rome").await;
    let (_, doc) = user(&store, "doc1", Role::Physician, "Rome").await;
    let p = store
        .enrol_patient_entry(&nurse, rome.id, &entry("ROM-010"))
        .await
        .unwrap()
        .unwrap();
    let protocol = store.protocol_versions(&op()).await.unwrap()[0].id;
    let preview = store
        .preview_plan(
            &phys,
            p.id,
            protocol,
            mibg_units::Mass::from_kg(20.0),
            mibg_units::Length::from_cm(115.0),
        )
        .await
        .unwrap();
    // 444 MBq/kg × 20 kg (seed protocol).
    assert_eq!(preview.plan.infusion1.activity.mbq(), 8880.0);
    let (course, rx, sig) = store
        .plan_new_course(
            &phys,
            p.id,
            protocol,
            mibg_units::Mass::from_kg(20.0),
            mibg_units::Length::from_cm(115.0),
            &preview.plan.warnings,
            PW,
        )
        .await
        .unwrap();
    assert_eq!(sig.meaning, Meaning::Authored);
    assert_eq!(course.record.number, 1);
    let hot_lab = InfusionEntry {
        number: 1,
        weight_kg: "20".into(),
        start: "2026-03-02T10:00".into(),
        end: "2026-03-02T11:00".into(),
        assayed: "9000".into(),
        assayed_unit: "MBq".into(),
        assay_at: "2026-03-02T08:00".into(),
        residual: "60".into(),
        residual_unit: "MBq".into(),
        residual_at: "2026-03-02T11:30".into(),
    };
    // Before approval: refused, nothing written.
    assert!(matches!(
        store.record_infusion(&nurse, course.id, &hot_lab).await,
        Err(StoreError::Refused(_))
    ));
    // The author cannot approve; a physician who is not the author does.
    assert!(
        store
            .sign_acknowledging(
                &phys,
                "prescriptions",
                rx.id,
                rx.version,
                Meaning::Approved,
                PW,
                Some(&rx.record.warnings)
            )
            .await
            .is_err()
    );
    store
        .sign_acknowledging(
            &doc,
            "prescriptions",
            rx.id,
            rx.version,
            Meaning::Approved,
            PW,
            Some(&rx.record.warnings),
        )
        .await
        .unwrap();
    let rec = store
        .record_infusion(&nurse, course.id, &hot_lab)
        .await
        .unwrap()
        .unwrap();
    // By hand: T½ = 192.497 h (ICRP 107), Δt = 2 h to the start, residual
    // 1.5 h after it.
    let l = std::f64::consts::LN_2 / 192.497;
    let hand = 9000.0 * (-l * 2.0).exp() - 60.0 * (l * 1.5).exp();
    assert!((rec.infusion.record.activity_mbq.mbq() - hand).abs() < 1e-6);
    let stored = store.list::<Infusion>(&op(), p.id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].record.prescribed_activity_mbq,
        Some(rx.record.activity_mbq)
    );
    // The stored record gives back the same computation.
    let again = Store::administered_of(&stored[0].record).unwrap();
    assert!((again.net.mbq() - hand).abs() < 1e-6);
    // A second infusion 1 is refused.
    assert!(
        store
            .record_infusion(&nurse, course.id, &hot_lab)
            .await
            .is_err()
    );
    let facts = store.course_facts(&op(), course.id).await.unwrap();
    assert!(facts.plan.approved && facts.infusion1_given);
    // Supportive care.
    assert!(
        store
            .add_stem_cells(&nurse, course.id, "2026-04-31", "3")
            .await
            .unwrap()
            .is_err()
    );
    store
        .add_stem_cells(&nurse, course.id, "2026-04-01", "3")
        .await
        .unwrap()
        .unwrap();
    let t = store
        .add_transfusion(&nurse, course.id, "2026-04-03", "rbc")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t.record.product, "red_cells");
    assert!(
        store
            .course_facts(&op(), course.id)
            .await
            .unwrap()
            .stem_cells_given
    );
    let rx_count = store.list::<Prescription>(&op(), p.id).await.unwrap().len();
    assert_eq!(rx_count, 1);
    // A stem-cell return belongs to its own course, whose workflow state
    // it advances (docs/reference/registry.md §2): a second course of the
    // patient has none yet (the first has its own, above).
    let (course2, _) = plan_course(&store, &phys, p.id, protocol, (20.0, 115.0)).await;
    let facts2 = store.course_facts(&op(), course2.id).await.unwrap();
    assert!(facts2.plan.exists);
    assert!(!facts2.stem_cells_given);
}

/// A new course planned and signed by `phys` at (kg, cm), every warning of
/// the preview acknowledged: the course and its infusion-1 prescription.
async fn plan_course(
    store: &Store,
    phys: &Scope,
    patient: i64,
    protocol: i64,
    (kg, cm): (f64, f64),
) -> (
    mibg_store::records::Stored<mibg_store::Course>,
    mibg_store::records::Stored<Prescription>,
) {
    let (w, h) = (
        mibg_units::Mass::from_kg(kg),
        mibg_units::Length::from_cm(cm),
    );
    let preview = store
        .preview_plan(phys, patient, protocol, w, h)
        .await
        .unwrap();
    let (course, rx, _) = store
        .plan_new_course(phys, patient, protocol, w, h, &preview.plan.warnings, PW)
        .await
        .unwrap();
    (course, rx)
}

/// Melphalan as given beside the dose of the signed plan: every problem by
/// field and nothing saved; another centre's course not found; the record
/// audited; the plan's dose = 110 mg/m² (protocols/seed.toml) × Mosteller
/// BSA √(115 × 20 / 3600) (docs/reference/dosimetry.md §9.1), by hand here.
async fn melphalan_beside_the_plan(b: Backend) {
    let (_db, store) = seeded(b).await;
    let (rome, nurse) = user(&store, "nurse1", Role::Nurse, "Rome").await;
    let (_, phys) = user(&store, "phys1", Role::Physicist, "Rome").await;
    let (_, milan_nurse) = user(&store, "nurse2", Role::Nurse, "Milan").await;
    let p = store
        .enrol_patient_entry(&nurse, rome.id, &entry("ROM-020"))
        .await
        .unwrap()
        .unwrap();
    let protocol = store.protocol_versions(&op()).await.unwrap()[0].id;
    let (course, rx) = plan_course(&store, &phys, p.id, protocol, (20.0, 115.0)).await;
    let hand = 110.0 * (115.0f64 * 20.0 / 3600.0).sqrt();
    let planned = store
        .planned_melphalan(&nurse, course.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        (planned.dose.mg() - hand).abs() < 1e-9,
        "{}",
        planned.dose.mg()
    );
    assert_eq!(planned.prescription_id, rx.id);
    // Problems by field, nothing saved.
    let e = store
        .record_melphalan(&nurse, course.id, "2026-31-12", "0")
        .await
        .unwrap()
        .unwrap_err();
    let fields: Vec<_> = e.iter().filter_map(|p| p.field.as_deref()).collect();
    assert_eq!(fields, ["date", "dose_mg"]);
    assert!(
        store
            .melphalan_given(&nurse, course.id)
            .await
            .unwrap()
            .is_empty()
    );
    // The physicist has no right; Milan's nurse does not find the course.
    assert!(matches!(
        store
            .record_melphalan(&phys, course.id, "2026-04-01", "85")
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store
            .record_melphalan(&milan_nurse, course.id, "2026-04-01", "85")
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let r = store
        .record_melphalan(&nurse, course.id, "2026-04-01", "85")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.melphalan.record.dose_mg.mg(), 85.0);
    let d = mibg_store::melphalan::deviation(r.melphalan.record.dose_mg, planned.dose).unwrap();
    assert!((d - (85.0 / hand - 1.0)).abs() < 1e-12);
    assert_eq!(
        store
            .melphalan_given(&nurse, course.id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .patient_history(&op(), p.id)
            .await
            .unwrap()
            .iter()
            .any(|a| a.entity.as_deref() == Some("melphalan"))
    );
    assert!(
        store
            .course_facts(&op(), course.id)
            .await
            .unwrap()
            .melphalan_given
    );
    // No plan, no deviation: a planned dose of 0 mg gives none (not an
    // infinite one).
    assert_eq!(
        mibg_store::melphalan::deviation(
            mibg_units::DrugMass::from_mg(85.0),
            mibg_units::DrugMass::from_mg(0.0)
        ),
        None
    );
    // A second course of the same patient, planned at 25 kg and 120 cm: its
    // plan is its own infusion-1 prescription (110 × √(120 × 25 / 3600) mg,
    // by hand), not the first course's; the doses given are each course's.
    let (course2, rx2) = plan_course(&store, &phys, p.id, protocol, (25.0, 120.0)).await;
    let planned2 = store
        .planned_melphalan(&nurse, course2.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(planned2.prescription_id, rx2.id);
    let hand2 = 110.0 * (120.0f64 * 25.0 / 3600.0).sqrt();
    assert!(
        (planned2.dose.mg() - hand2).abs() < 1e-9,
        "{}",
        planned2.dose.mg()
    );
    assert_eq!(
        store
            .planned_melphalan(&nurse, course.id)
            .await
            .unwrap()
            .unwrap()
            .prescription_id,
        rx.id
    );
    assert!(
        store
            .melphalan_given(&nurse, course2.id)
            .await
            .unwrap()
            .is_empty()
    );
    // A dose flagged deleted is no longer given.
    store
        .delete_melphalan(
            &nurse,
            course.id,
            r.melphalan.id,
            r.melphalan.version,
            "entered twice",
        )
        .await
        .unwrap();
    assert!(
        store
            .melphalan_given(&nurse, course.id)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Laboratory values as a list: one labs file for the one parser, problems
/// named by their place in the list, all or nothing.
async fn labs_as_a_list(b: Backend) {
    use mibg_store::clinical::LabEntry;
    let (_db, store) = seeded(b).await;
    let (rome, nurse) = user(&store, "nurse1", Role::Nurse, "Rome").await;
    let (_, phys) = user(&store, "phys1", Role::Physicist, "Rome").await;
    let p = store
        .enrol_patient_entry(&nurse, rome.id, &entry("ROM-030"))
        .await
        .unwrap()
        .unwrap();
    let course = store
        .create(
            &op(),
            p.id,
            &mibg_store::Course {
                number: 1,
                protocol_id: store.protocol_versions(&op()).await.unwrap()[0].id,
                source: mibg_store::CourseSource::Entered,
            },
        )
        .await
        .unwrap();
    let lab = |test: &str, value: &str, unit: &str| LabEntry {
        date: "2026-04-02".into(),
        test: test.into(),
        value: value.into(),
        unit: unit.into(),
        lln: if test == "platelets" { "150" } else { "1.5" }.into(),
        uln: if test == "platelets" { "450" } else { "8.0" }.into(),
        baseline: false,
    };
    let bad = [
        lab("neutrophils", "0.4", "10^9/L"),
        lab("platelets", "x", "10^9/L"),
    ];
    let e = store
        .add_lab_entries(&nurse, course.id, &bad)
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        e.iter()
            .any(|p| p.field.as_deref() == Some("labs[1].value")),
        "{e:?}"
    );
    let e = store
        .add_lab_entries(&nurse, course.id, &[])
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e[0].field.as_deref(), Some("labs"));
    assert!(matches!(
        store.add_lab_entries(&phys, course.id, &bad[..1]).await,
        Err(StoreError::Forbidden(_))
    ));
    let good = [
        lab("neutrophils", "0.4", "10^9/L"),
        lab("platelets", "12", "10^9/L"),
    ];
    assert_eq!(
        store
            .add_lab_entries(&nurse, course.id, &good)
            .await
            .unwrap()
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .list::<mibg_store::Lab>(&op(), p.id)
            .await
            .unwrap()
            .len(),
        2
    );
}

both!(
    enrolment_keeps_identity_apart,
    plan_then_infusion_then_supportive_care,
    melphalan_beside_the_plan,
    labs_as_a_list
);
