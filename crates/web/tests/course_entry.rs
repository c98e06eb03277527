//! Route tests of the entry pages (without a socket, a fresh SQLite
//! database each): a patient enrolled with identifying data apart, a course
//! planned and its plan signed by two different people, infusions recorded
//! as given from the hot-lab record, stem-cell returns and transfusions.

mod common;

use axum::http::StatusCode;
use common::App;
use mibg_store::{Infusion, Prescription, Role, Scope, StemCells, Transfusion};

fn op() -> Scope {
    Scope::operator("test")
}

/// Every `name="ack" value="…"` of a page (the warnings to acknowledge),
/// HTML entities of the template engine undone.
fn acks(html: &str) -> Vec<String> {
    let key = "name=\"ack\" value=\"";
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(key) {
        let s = &rest[i + key.len()..];
        let j = s.find('"').unwrap();
        out.push(
            s[..j]
                .replace("&#x27;", "'")
                .replace("&#39;", "'")
                .replace("&quot;", "\"")
                .replace("&#34;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&"),
        );
        rest = &s[j..];
    }
    out
}

/// Enrols a patient as `role`; returns its id.
async fn enrol(app: &App, role: Role, study_id: &str, name: &str) -> i64 {
    let mut c = app.client(role).await;
    let r = c
        .submit(
            "/patients",
            &[
                ("patient", study_id),
                ("sex", "F"),
                ("weight_kg", "20"),
                ("height_cm", "115"),
                ("enrolment_date", "2026-02-01"),
                ("name", name),
                ("birth_date", "2021-05-17"),
                ("hospital_number", "H-448812"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.patient_id(study_id).await
}

/// Plans a course of `patient` as `role` (every warning acknowledged);
/// returns (course id, prescription id).
async fn plan(app: &App, role: Role, patient: i64) -> (i64, i64) {
    let mut c = app.client(role).await;
    let page = c.get(&format!("/patients/{patient}/plan")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let protocol = common::field_value(&page.body, "protocol_id").unwrap();
    let password = app.account(role).password.clone();
    let warnings = acks(&page.body);
    let mut fields: Vec<(&str, &str)> = warnings.iter().map(|w| ("ack", w.as_str())).collect();
    fields.extend([
        ("protocol_id", protocol.as_str()),
        ("weight_kg", "20"),
        ("height_cm", "115"),
        ("password", password.as_str()),
    ]);
    let r = c
        .submit(&format!("/patients/{patient}/courses"), &fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let course = app.store.courses(&op(), patient).await.unwrap()[0].id;
    let rx = app
        .store
        .list::<Prescription>(&op(), patient)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.record.course_id == course && p.record.infusion_number == 1)
        .unwrap()
        .id;
    (course, rx)
}

async fn approve(app: &App, role: Role, rx: i64) -> common::Resp {
    let p = app.store.get::<Prescription>(&op(), rx).await.unwrap();
    let password = app.account(role).password.clone();
    let version = p.version.to_string();
    let mut fields: Vec<(&str, &str)> = p
        .record
        .warnings
        .iter()
        .map(|w| ("ack", w.as_str()))
        .collect();
    fields.extend([
        ("version", version.as_str()),
        ("password", password.as_str()),
    ]);
    let mut c = app.client(role).await;
    c.submit(&format!("/prescriptions/{rx}/approve"), &fields)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identifiers_are_shown_only_to_the_clinical_team_of_the_centre() {
    let app = App::demo().await;
    let name = "Ada Lovelace-Test";
    let id = enrol(&app, Role::Nurse, "ROM-101", name).await;
    // Clinical roles of the centre: on the patient page and in the list.
    for role in [Role::Nurse, Role::Physicist, Role::Physician] {
        let mut c = app.client(role).await;
        let page = c.get(&format!("/patients/{id}")).await;
        assert!(page.body.contains(name), "{role}: {}", page.body);
        assert!(page.body.contains("2021-05-17"), "{role}");
        assert!(page.body.contains("H-448812"), "{role}");
        let list = c.get("/patients").await;
        assert!(list.body.contains(name), "{role}");
        assert!(list.body.contains("<th scope=\"col\">Name</th>"));
    }
    // Statistician and monitor: the patient, never the identifiers (nor in
    // the audit history the monitor reads).
    for role in [Role::Statistician, Role::Monitor] {
        let mut c = app.client(role).await;
        let page = c.get(&format!("/patients/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("ROM-101"));
        for secret in [name, "2021-05-17", "H-448812"] {
            assert!(!page.body.contains(secret), "{role} sees {secret}");
            assert!(!c.get("/patients").await.body.contains(secret), "{role}");
        }
        assert!(
            !c.get("/patients")
                .await
                .body
                .contains("<th scope=\"col\">Name</th>")
        );
        if role == Role::Monitor {
            let h = c.get(&format!("/patients/{id}/history")).await;
            assert_eq!(h.status, StatusCode::OK);
            assert!(h.body.contains("patients"), "{}", h.body);
            assert!(!h.body.contains(name), "the history withholds identifiers");
        }
    }
    // A nurse of another centre: not found, and not in her list.
    let milan = app.store.centre_by_code(&op(), "Milan").await.unwrap();
    app.store
        .create_user(
            &op(),
            &mibg_store::NewUser {
                username: "milan-nurse".into(),
                printed_name: "Milan Nurse".into(),
                role: Role::Nurse,
                centre_id: milan.id,
                granted: Vec::new(),
                expires_at: None,
                export_identified: false,
            },
            "milan-nurse-password-1",
        )
        .await
        .unwrap();
    let mut m = app.sign_in("milan-nurse", "milan-nurse-password-1").await;
    // Her initial password first (set by the operator).
    let r = m
        .change_password("milan-nurse-password-1", "milan-nurse-own-password")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        m.get(&format!("/patients/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let list = m.get("/patients").await;
    assert!(!list.body.contains(name) && !list.body.contains("ROM-101"));
    // The identity row is apart from the patient row, and audited.
    let p = app
        .store
        .get::<mibg_store::Patient>(&op(), id)
        .await
        .unwrap();
    assert!(!serde_json::to_string(&p).unwrap().contains(name));
    let ident = app.store.identity(&op(), id).await.unwrap().unwrap();
    assert_eq!(ident.record.name.as_deref(), Some(name));
    let history = app.store.patient_history(&op(), id).await.unwrap();
    assert!(
        history
            .iter()
            .any(|r| r.entity.as_deref() == Some("patient_identity") && r.action == "create"),
        "{history:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_enrolment_names_every_field_and_saves_nothing() {
    let app = App::demo().await;
    let before = app.store.list_patients(&op()).await.unwrap().len();
    let mut c = app.client(Role::Nurse).await;
    let r = c
        .submit(
            "/patients",
            &[
                ("patient", "ROM 102"),
                ("sex", "X"),
                ("weight_kg", "-3"),
                ("height_cm", "115"),
                ("name", "Someone"),
                ("birth_date", "2021-13-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for f in ["<td>sex</td>", "<td>weight_kg</td>", "<td>birth_date</td>"] {
        assert!(r.body.contains(f), "{f}: {}", r.body);
    }
    assert!(
        r.body.contains("value=\"Someone\""),
        "the form keeps the values"
    );
    assert_eq!(app.store.list_patients(&op()).await.unwrap().len(), before);
    // A study id already used: refused by field.
    let r = c
        .submit(
            "/patients",
            &[
                ("patient", "DEMO-01"),
                ("sex", "M"),
                ("weight_kg", "14"),
                ("height_cm", "90"),
                ("birth_date", "2023-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("already exists"), "{}", r.body);
    // The statistician has no enrolment right.
    let mut s = app.client(Role::Statistician).await;
    assert_eq!(
        s.submit("/patients", &[("patient", "ROM-103")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.store.list_patients(&op()).await.unwrap().len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_is_the_library_plan_and_its_author_cannot_approve_it() {
    let app = App::demo().await;
    let id = enrol(&app, Role::Nurse, "ROM-201", "Plan Patient").await;
    let mut doc = app.client(Role::Physician).await;
    let page = doc.get(&format!("/patients/{id}/plan")).await;
    // The plan of `mibg plan` for 20 kg, 115 cm under the seed protocol:
    // 444 MBq/kg × 20 kg = 8880 MBq = 240.0 mCi (1 mCi = 37 MBq);
    // melphalan from the library's BSA.
    let expected = mibg_clinic::plan::plan_course(
        &mibg_protocol::Protocol::seed(),
        mibg_units::Mass::from_kg(20.0),
        mibg_units::Length::from_cm(115.0),
    )
    .unwrap();
    assert_eq!(expected.plan.infusion1.activity.mbq(), 8880.0);
    assert!(page.body.contains("8880 MBq (240.0 mCi)"), "{}", page.body);
    assert!(page.body.contains("444 MBq/kg × 20 kg"));
    assert!(
        page.body
            .contains(&format!("{:.1} mg", expected.plan.melphalan.dose.mg())),
        "melphalan {:.1} mg",
        expected.plan.melphalan.dose.mg()
    );
    for w in &expected.plan.warnings {
        assert!(acks(&page.body).contains(w), "warning to acknowledge: {w}");
    }
    // Another weight: recomputed by the library, in range or refused by field.
    let r = doc
        .get(&format!("/patients/{id}/plan?weight_kg=400&height_cm=115"))
        .await;
    assert!(r.body.contains("<td>weight_kg</td>"), "{}", r.body);
    // A wrong password writes nothing.
    let protocol = common::field_value(&page.body, "protocol_id").unwrap();
    let base = [
        ("protocol_id", protocol.as_str()),
        ("weight_kg", "20"),
        ("height_cm", "115"),
    ];
    // A warning left unacknowledged refuses (the seed protocol has one).
    assert!(!expected.plan.warnings.is_empty());
    let password = app.account(Role::Physician).password.clone();
    let mut fields = base.to_vec();
    fields.push(("password", password.as_str()));
    let r = doc
        .submit(&format!("/patients/{id}/courses"), &fields)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("not acknowledged by the signer"),
        "{}",
        r.body
    );
    let warnings = acks(&page.body);
    let mut fields: Vec<(&str, &str)> = warnings.iter().map(|w| ("ack", w.as_str())).collect();
    fields.extend(base);
    fields.push(("password", "not my password"));
    let r = doc
        .submit(&format!("/patients/{id}/courses"), &fields)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("the password is not correct"), "{}", r.body);
    assert!(app.store.courses(&op(), id).await.unwrap().is_empty());
    // The physician authors the plan…
    let (course, rx) = plan(&app, Role::Physician, id).await;
    let sigs = app
        .store
        .signatures(&op(), "prescriptions", rx)
        .await
        .unwrap();
    assert_eq!(sigs.len(), 1);
    assert_eq!(sigs[0].meaning, mibg_store::Meaning::Authored);
    let stored = app.store.get::<Prescription>(&op(), rx).await.unwrap();
    assert_eq!(stored.record.activity_mbq.mbq(), 8880.0);
    // …and cannot approve it: no form, and the store refuses.
    let page = doc.get(&format!("/courses/{course}")).await;
    assert!(page.body.contains("authored, awaiting approval"));
    assert!(!page.body.contains(&format!("/prescriptions/{rx}/approve")));
    let r = approve(&app, Role::Physician, rx).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        app.store
            .signatures(&op(), "prescriptions", rx)
            .await
            .unwrap()
            .len(),
        1
    );
    // The timeline says what is missing (from mibg_clinic::course).
    assert!(
        page.body
            .contains("awaits approval by a physician other than its author"),
        "{}",
        page.body
    );
    // No infusion before the plan is approved.
    let mut nurse = app.client(Role::Nurse).await;
    let form = nurse.get(&format!("/courses/{course}/infusion")).await;
    assert!(
        form.body.contains("once the plan is approved"),
        "{}",
        form.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn physicist_authors_physician_approves_nurse_records_infusion_1() {
    let app = App::demo().await;
    let id = enrol(&app, Role::Nurse, "ROM-301", "Infusion Patient").await;
    let (course, rx) = plan(&app, Role::Physicist, id).await;
    let r = approve(&app, Role::Physician, rx).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut nurse = app.client(Role::Nurse).await;
    let page = nurse.get(&format!("/courses/{course}")).await;
    assert!(
        page.body.contains("Record infusion 1 as given"),
        "{}",
        page.body
    );
    let form = nurse.get(&format!("/courses/{course}/infusion")).await;
    assert!(
        form.body.contains("8880 MBq (240.0 mCi)"),
        "the prescription"
    );
    let url = format!("/courses/{course}/infusions");
    let good: Vec<(&str, &str)> = vec![
        ("number", "1"),
        ("weight_kg", "20"),
        ("assayed", "9000"),
        ("assayed_unit", "MBq"),
        ("assay_time", "2026-03-02T08:00"),
        ("start_time", "2026-03-02T10:00"),
        ("end_time", "2026-03-02T11:00"),
        ("residual", "60"),
        ("residual_unit", "MBq"),
        ("residual_time", "2026-03-02T11:30"),
    ];
    let with = |k: &str, v: &'static str| -> Vec<(String, String)> {
        good.iter()
            .map(|(a, b)| {
                (
                    a.to_string(),
                    if *a == k {
                        v.to_string()
                    } else {
                        b.to_string()
                    },
                )
            })
            .collect()
    };
    let infusions = || async { app.store.list::<Infusion>(&op(), id).await.unwrap().len() };
    // Bad hot-lab entries: each refused by field, nothing saved.
    let bad: [(&str, &'static str, &str); 6] = [
        // Calibrated 20 days after the start: a mistyped date (the library's
        // 14-day limit, mibg_dosimetry::administered::MAX_ASSAY_GAP).
        ("assay_time", "2026-03-22T10:00", "<td>assay_time</td>"),
        // Residual above the assayed activity (with the kBq slip named).
        ("residual", "9500", "<td>residual_mbq</td>"),
        ("assayed", "-9000", "<td>assayed_mbq</td>"),
        ("assayed_unit", "", "<td>assayed_unit</td>"),
        // Ends before it starts.
        ("end_time", "2026-03-02T09:00", "<td>end_time</td>"),
        ("start_time", "", "<td>start_time</td>"),
    ];
    for (k, v, expect) in bad {
        let fields = with(k, v);
        let refs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let r = nurse.submit(&url, &refs).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{k}={v}: {}",
            r.body
        );
        assert!(r.body.contains(expect), "{k}={v}: {}", r.body);
        assert!(r.body.contains("The infusion was not saved"));
        assert_eq!(infusions().await, 0, "{k}={v} saved nothing");
    }
    // The residual above the assay names the probable slip.
    let fields = with("residual", "9500");
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert!(nurse.submit(&url, &refs).await.body.contains("kBq"));
    // A valid record.
    let r = nurse.submit(&url, &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let inf = app.store.list::<Infusion>(&op(), id).await.unwrap();
    assert_eq!(inf.len(), 1);
    let i = &inf[0].record;
    // By hand (docs/reference/dosimetry.md §3.4), Rome = UTC+1 on 2 March:
    // assay 08:00, start 10:00 (Δt = 2 h), residual 11:30 (1.5 h after the
    // start); T½ = 192.497 h (ICRP 107, the project's I-131 half-life:
    // 8.0207 d; NIST's 8.0252 d would change the net by < 1e-4 %).
    let half_life_h = 192.497_f64;
    let lambda = std::f64::consts::LN_2 / half_life_h;
    let hand = 9000.0 * (-lambda * 2.0).exp() - 60.0 * (lambda * 1.5).exp();
    assert!(
        (i.activity_mbq.mbq() - hand).abs() < 1e-6,
        "{} vs {hand}",
        i.activity_mbq.mbq()
    );
    assert!((hand - 8875.10).abs() < 0.05, "{hand}");
    assert_eq!(i.assayed_mbq.unwrap().mbq(), 9000.0);
    assert_eq!(i.residual_mbq.unwrap().mbq(), 60.0);
    assert_eq!(i.prescribed_activity_mbq.unwrap().mbq(), 8880.0);
    assert_eq!(i.start_at.unwrap().to_string(), "2026-03-02T09:00:00Z");
    assert_eq!(i.end_at.unwrap().to_string(), "2026-03-02T10:00:00Z");
    assert_eq!(i.date.to_string(), "2026-03-02");
    assert_eq!(i.weight_kg.kg(), 20.0);
    // The course page shows the net activity, the decay factors and the
    // difference from the prescription.
    let page = nurse.get(&format!("/courses/{course}")).await;
    assert!(
        page.body.contains(&format!("{:.0} MBq", hand)),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!("{:.5}", (-lambda * 2.0).exp())));
    assert!(page.body.contains(&format!("{:.5}", (lambda * 1.5).exp())));
    assert!(page.body.contains("Given − prescribed"));
    assert!(
        page.body
            .contains("Reached: <strong>infusion 1 given</strong>")
    );
    // Infusion 1 again: refused.
    let r = nurse.submit(&url, &good).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(infusions().await, 1);
    // Units: the same assay in GBq and mCi gives the same activity.
    let id2 = enrol(&app, Role::Nurse, "ROM-302", "Unit Patient").await;
    let (course2, rx2) = plan(&app, Role::Physicist, id2).await;
    assert_eq!(
        approve(&app, Role::Physician, rx2).await.status,
        StatusCode::SEE_OTHER
    );
    let mut fields: Vec<(&str, &str)> = good.clone();
    for f in fields.iter_mut() {
        match f.0 {
            "assayed" => f.1 = "243.24324324324326", // 9000 / 37 mCi
            "assayed_unit" => f.1 = "mCi",
            "residual" => f.1 = "0.06",
            "residual_unit" => f.1 = "GBq",
            _ => {}
        }
    }
    let r = nurse
        .submit(&format!("/courses/{course2}/infusions"), &fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let i2 = &app.store.list::<Infusion>(&op(), id2).await.unwrap()[0].record;
    assert!((i2.activity_mbq.mbq() - hand).abs() < 1e-6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn infusion_2_waits_for_its_approval_then_the_delivered_total_is_shown() {
    let app = App::demo().await;
    let course = app.course_id("DEMO-01").await;
    let pid = app.patient_id("DEMO-01").await;
    let inf1 = app.store.list::<Infusion>(&op(), pid).await.unwrap()[0].id;
    let mut nurse = app.client(Role::Nurse).await;
    let url = format!("/courses/{course}/infusions");
    let fields: Vec<(&str, &str)> = vec![
        ("number", "2"),
        ("weight_kg", "14.5"),
        ("assayed", "7000"),
        ("assayed_unit", "MBq"),
        ("assay_time", "2026-01-26T08:00"),
        ("start_time", "2026-01-26T10:00"),
        ("end_time", "2026-01-26T11:00"),
        ("residual", "40"),
        ("residual_unit", "MBq"),
        ("residual_time", "2026-01-26T11:30"),
    ];
    // No prescription of infusion 2 yet: refused, nothing saved.
    let r = nurse.submit(&url, &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("once its prescription is approved"),
        "{}",
        r.body
    );
    let form = nurse.get(&format!("/courses/{course}/infusion")).await;
    assert!(
        form.body.contains("no infusion to record now"),
        "{}",
        form.body
    );
    // Readings, dosimetry, the physicist's proposal: still refused.
    let csv = "hours,reading,background\n0.0,301.59,0.1\n3.49,250.23,0.1\n8.14,198.4,0.1\n23.77,107.87,0.1\n32.34,85.27,0.1\n48.52,59.35,0.1\n72.17,38.74,0.1\n96.33,25.44,0.1\n120.72,17.24,0.1\n";
    let r = nurse
        .upload(
            &format!("/courses/{course}/readings.csv"),
            inf1,
            "w.csv",
            csv,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = app.store.assess_dosimetry(&op(), course).await.unwrap();
    let mibg_store::DosimetryOutcome::Assessed(d) = a.outcome else {
        panic!("dosimetry")
    };
    let phys = app.account(Role::Physicist).password.clone();
    let mut p = app.client(Role::Physicist).await;
    let mut f: Vec<(&str, &str)> = d.warnings.iter().map(|w| ("ack", w.as_str())).collect();
    f.push(("password", phys.as_str()));
    let r = p.submit(&format!("/courses/{course}/propose"), &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rx2 = app
        .store
        .list::<Prescription>(&op(), pid)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.record.infusion_number == 2)
        .unwrap();
    let r = nurse.submit(&url, &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.store.list::<Infusion>(&op(), pid).await.unwrap().len(),
        1
    );
    // Approved by the physician: infusion 2 is recorded.
    assert_eq!(
        approve(&app, Role::Physician, rx2.id).await.status,
        StatusCode::SEE_OTHER
    );
    let r = nurse.submit(&url, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let inf2 = app
        .store
        .list::<Infusion>(&op(), pid)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.record.number == 2)
        .unwrap();
    assert_eq!(
        inf2.record.prescribed_activity_mbq,
        Some(rx2.record.activity_mbq)
    );
    let page = nurse.get(&format!("/courses/{course}")).await;
    assert!(
        page.body.contains("readings after infusion 2"),
        "{}",
        page.body
    );
    // Readings after infusion 2: the delivered total of the library.
    let r = nurse
        .upload(
            &format!("/courses/{course}/readings.csv"),
            inf2.id,
            "w2.csv",
            csv,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = app.store.assess_dosimetry(&op(), course).await.unwrap();
    let mibg_store::DosimetryOutcome::Assessed(d) = a.outcome else {
        panic!("dosimetry after infusion 2")
    };
    let s = d.after_second.as_ref().unwrap();
    let page = nurse.get(&format!("/courses/{course}")).await;
    assert!(
        page.body.contains("Delivered total D1 + D2"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!(
            "{:.2} Gy against the target {:.2} Gy",
            s.delivered_total.gy(),
            d.target.gy()
        )),
        "{}",
        page.body
    );
    assert!((s.delivered_total.gy() - (d.dose1.gy() + s.dose2.gy())).abs() < 1e-9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stem_cells_and_transfusions_are_read_as_the_study_folder_reads_them() {
    let app = App::demo().await;
    let course = app.course_id("DEMO-01").await;
    let pid = app.patient_id("DEMO-01").await;
    let mut nurse = app.client(Role::Nurse).await;
    let sc = format!("/courses/{course}/stem-cells");
    let tr = format!("/courses/{course}/transfusions");
    let r = nurse
        .submit(&sc, &[("date", "2026-02-31"), ("cd34_e6_per_kg", "4.1")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("<td>date</td>"), "{}", r.body);
    let r = nurse
        .submit(&sc, &[("date", "2026-02-20"), ("cd34_e6_per_kg", "5000")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("<td>cd34_e6_per_kg</td>"), "{}", r.body);
    let r = nurse
        .submit(&tr, &[("date", "2026-02-22"), ("product", "plasma")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("<td>product</td>"), "{}", r.body);
    // Checked in the patient's study folder too (mibg_study::validate): a
    // stem-cell return the day before infusion 1 (2026-01-12, the demo's)
    // is refused at its date, the page shown again with the problem.
    let r = nurse
        .submit(&sc, &[("date", "2026-01-11"), ("cd34_e6_per_kg", "4.1")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains(
            "<td>date</td><td>stem-cell infusion dated 2026-01-11 is before the first infusion (2026-01-12)</td></tr>"
        ),
        "{}",
        r.body
    );
    assert!(r.body.contains("The stem-cell return was not saved"));
    assert!(
        app.store
            .list::<StemCells>(&op(), pid)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        app.store
            .list::<Transfusion>(&op(), pid)
            .await
            .unwrap()
            .is_empty()
    );
    // After the seed study's data cut-off (2024-10-31), as DEMO-01's
    // infusion: a treatment record of a patient in treatment is entered.
    let r = nurse
        .submit(&sc, &[("date", "2026-02-20"), ("cd34_e6_per_kg", "4.1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = nurse
        .submit(&tr, &[("date", "2026-02-24"), ("product", "PLT")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let t = app.store.list::<Transfusion>(&op(), pid).await.unwrap();
    assert_eq!(t[0].record.product, "platelets", "the parser's code");
    let s = app.store.list::<StemCells>(&op(), pid).await.unwrap();
    assert_eq!(s[0].record.course_id, Some(course));
    assert_eq!(s[0].record.cd34_e6_per_kg, Some(4.1));
    let page = nurse.get(&format!("/courses/{course}/toxicity")).await;
    assert!(page.body.contains("2026-02-20") && page.body.contains("2026-02-24"));
    // The course's facts see the return (engraftment then needs counts).
    let facts = app.store.course_facts(&op(), course).await.unwrap();
    assert!(facts.stem_cells_given);
    // A physicist enters neither.
    let mut p = app.client(Role::Physicist).await;
    assert_eq!(
        p.submit(&sc, &[("date", "2026-02-20")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        p.submit(&tr, &[("date", "2026-02-20"), ("product", "platelets")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
