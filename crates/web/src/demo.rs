//! The throw-away demo of `mibg serve --demo`: the synthetic seed study
//! imported through the store's folder import, one account per role (Rome)
//! with a password made up for this run (already changed by the account
//! itself from an initial one, as every account must be before use), and one extra synthetic patient,
//! `DEMO-01`, whose course has its plan signed (computed by
//! `mibg_clinic::plan`, authored by the demo physicist, approved by the demo
//! physician) and infusion 1 given, and no readings yet, so
//! that the whole workflow can be walked (readings → dosimetry → proposal →
//! approval). Everything here is fixture data; no rule.

use mibg_store::folder::ImportOptions;
use mibg_store::{
    Course, CourseSource, Infusion, Meaning, NewUser, Patient, Prescription, Role, Scope, Sex,
    Store, StoreError,
};
use mibg_study::StudyInput;
use mibg_units::{Activity, Length, Mass};

/// One demo account.
#[derive(Clone, Debug)]
pub struct DemoAccount {
    /// Login name (`nurse`, `physicist`, …).
    pub username: String,
    /// Printed name.
    pub printed_name: String,
    /// Role.
    pub role: Role,
    /// Password, made up for this run.
    pub password: String,
}

/// The study id of the demo patient that awaits its readings.
pub const DEMO_PATIENT: &str = "DEMO-01";

/// Seeds an empty store: imports `study` (the seed study folder), creates
/// one account per role in the centre `Rome`, and the patient
/// [`DEMO_PATIENT`] with infusion 1 given (the weight and activity of the
/// seed's SYN-01) and no readings. Returns the accounts with their
/// passwords.
pub async fn seed(store: &Store, study: &StudyInput) -> Result<Vec<DemoAccount>, StoreError> {
    let op = Scope::operator("mibg serve --demo");
    store
        .import_study(
            &op,
            study,
            &ImportOptions {
                label: "examples/seed-study (demo)".into(),
                time_zone: Some("Europe/Rome".into()),
                default_centre: None,
            },
        )
        .await?;
    let rome = store.centre_by_code(&op, "Rome").await?;
    let mut accounts = Vec::new();
    for role in Role::ALL {
        let username = role.as_str().to_string();
        let printed_name = format!("Demo {}{}", username[..1].to_uppercase(), &username[1..]);
        let password = format!("demo-{}", &crate::session::random_token()[..20]);
        let initial = format!("initial-{}", &crate::session::random_token()[..20]);
        store
            .create_user(
                &op,
                &NewUser {
                    username: username.clone(),
                    printed_name: printed_name.clone(),
                    role,
                    centre_id: rome.id,
                    granted: Vec::new(),
                    expires_at: None,
                    export_identified: false,
                },
                &initial,
            )
            .await?;
        // A password set by someone else must be changed by its user before
        // anything else (mibg_store::sessions); the demo accounts do it here,
        // as their users, so that the demo opens on its pages.
        let s = store.login(&username, &initial, "demo seed").await?;
        store
            .change_own_password(&s.scope, &initial, &password)
            .await?;
        store.logout(&s.scope).await?;
        accounts.push(DemoAccount {
            username,
            printed_name,
            role,
            password,
        });
    }
    // The protocol of the seed's courses.
    let syn = store.find_patient(&op, "SYN-01").await?;
    let protocol_id = store.courses(&op, syn.id).await?[0].record.protocol_id;
    let p = store
        .create_patient(
            &op,
            rome.id,
            &Patient {
                study_id: DEMO_PATIENT.into(),
                sex: Sex::parse("M").unwrap_or(syn.record.sex),
                age_years: Some(2.5),
                weight_kg: Mass::from_kg(14.5),
                height_cm: Length::from_cm(93.9),
                enrolment_date: None,
            },
        )
        .await?;
    let course = store
        .create(
            &op,
            p.id,
            &Course {
                number: 1,
                protocol_id,
                source: CourseSource::Entered,
            },
        )
        .await?;
    // The plan of infusion 1, computed by the clinic from the protocol,
    // authored by the demo physicist and approved by the demo physician.
    let text = store.protocol_text(&op, protocol_id).await?;
    let protocol = mibg_protocol::Protocol::from_toml(&text, "protocol")
        .map_err(|e| StoreError::Corrupt(format!("stored protocol: {e}")))?;
    let (weight, height) = (Mass::from_kg(14.5), Length::from_cm(93.9));
    let plan = mibg_clinic::plan::plan_course(&protocol, weight, height).map_err(|e| {
        StoreError::Invalid {
            entity: "prescriptions",
            field: "plan".into(),
            message: e.to_string(),
        }
    })?;
    let a1 = plan.plan.infusion1.activity;
    let rx = store
        .create(
            &op,
            p.id,
            &Prescription {
                course_id: course.id,
                infusion_number: 1,
                activity_mbq: a1,
                dosimetry_result_id: None,
                basis: serde_json::json!({
                    "protocol": format!("{} {}", plan.plan.protocol_name, plan.plan.protocol_version),
                    "explanation": plan.explanation.join(" "),
                }),
                warnings: plan.plan.warnings.clone(),
                acknowledged: plan.plan.warnings.clone(),
            },
        )
        .await?;
    for (role, meaning) in [
        (Role::Physicist, Meaning::Authored),
        (Role::Physician, Meaning::Approved),
    ] {
        let a = accounts
            .iter()
            .find(|a| a.role == role)
            .ok_or_else(|| StoreError::Corrupt("demo account missing".into()))?;
        let session = store.login(&a.username, &a.password, "demo seed").await?;
        store
            .sign_acknowledging(
                &session.scope,
                "prescriptions",
                rx.id,
                rx.version,
                meaning,
                &a.password,
                Some(&plan.plan.warnings),
            )
            .await?;
        store.logout(&session.scope).await?;
    }
    // Infusion 1 as given: the assayed activity (here the planned one).
    store
        .create(
            &op,
            p.id,
            &Infusion {
                course_id: course.id,
                number: 1,
                date: jiff::civil::date(2026, 1, 12),
                activity_mbq: Activity::from_mbq(a1.mbq().round()),
                weight_kg: weight,
                prescribed_activity_mbq: Some(a1),
                start_at: None,
                end_at: None,
                assayed_mbq: None,
                assay_at: None,
                residual_mbq: None,
                residual_at: None,
            },
        )
        .await?;
    Ok(accounts)
}
