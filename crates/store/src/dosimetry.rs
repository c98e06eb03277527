//! The dosimetry of a course held in the registry, and the second activity
//! proposed and approved on it (docs/reference/registry.md §2–§3).
//!
//! The store only gathers the inputs (readings, weights, activities, the
//! course's protocol) within the caller's scope and hands them to
//! [`mibg_clinic::dosimetry::assess_course_dosimetry`]: every clinical rule
//! (the plausibility gate, the fit, D₁, A₂ and its caps) stays there. What
//! the store adds is the record-keeping: the result stored with a snapshot
//! of its inputs, the prescription built from it, and its signatures with
//! the acknowledgement of every warning.

use crate::Store;
use crate::error::StoreError;
use crate::records::{Course, DosimetryResult, Infusion, Prescription, Reading, Stored};
use crate::scope::{Actor, Permission, Scope};
use crate::sign::{Meaning, Signature};
use mibg_clinic::dosimetry::{
    CourseDosimetry, CourseInput, DosimetryError, DosimetryOptions, SecondInfusionInput,
};
use mibg_dosimetry::readings::DEFAULT_ABOVE_PRE_VOID_TOLERANCE;
use mibg_dosimetry::{Decision, Readings, ReadingsError, RowInput};

/// Why there is, or is not, a dosimetry result for a course.
#[derive(Debug)]
#[non_exhaustive]
pub enum DosimetryOutcome {
    /// What the course lacks before an assessment can be made (no infusion
    /// 1 recorded, no readings).
    Missing(String),
    /// The readings of an infusion break a rule of the readings themselves
    /// (too few, times not increasing, net reading ≤ 0, …), positioned.
    Readings {
        /// 1 or 2.
        infusion: i64,
        /// The rule broken, with its row and field.
        error: ReadingsError,
    },
    /// The assessment refused (plausibility gate, infusion-1 deviation,
    /// the dosimetry's own errors).
    Refused(Box<DosimetryError>),
    /// The assessment.
    Assessed(Box<CourseDosimetry>),
}

/// The dosimetry of one course, with the inputs it used.
#[derive(Debug)]
pub struct CourseAssessment {
    /// The patient.
    pub patient_id: i64,
    /// The course.
    pub course_id: i64,
    /// The protocol's name and version.
    pub protocol: String,
    /// Every input, as stored with a result (readings, weights,
    /// activities, protocol, options).
    pub inputs: serde_json::Value,
    /// The outcome.
    pub outcome: DosimetryOutcome,
}

/// (hours, raw reading, background) of each stored reading, as snapshotted.
type RawReadings = Vec<(f64, f64, f64)>;

fn readings_of(
    course: i64,
    infusion: &Stored<Infusion>,
    all: &[Stored<Reading>],
) -> (RawReadings, Result<Readings, ReadingsError>) {
    let mut rows: Vec<&Stored<Reading>> = all
        .iter()
        .filter(|r| r.record.infusion_id == infusion.id && !r.deleted)
        .collect();
    rows.sort_by(|a, b| a.record.hours.hours().total_cmp(&b.record.hours.hours()));
    let raw: Vec<(f64, f64, f64)> = rows
        .iter()
        .map(|r| {
            (
                r.record.hours.hours(),
                r.record.reading,
                r.record.background.unwrap_or(0.0),
            )
        })
        .collect();
    let input: Vec<RowInput> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| RowInput {
            line: i + 1,
            time: r.record.hours,
            raw: r.record.reading,
            background: r.record.background.unwrap_or(0.0),
        })
        .collect();
    let label = format!(
        "registry readings of course {course}, infusion {} (rows in time order)",
        infusion.record.number
    );
    (
        raw,
        Readings::from_rows(&label, &input, DEFAULT_ABOVE_PRE_VOID_TOLERANCE),
    )
}

impl Store {
    /// Assesses the dosimetry of a course of the scope with the documented
    /// default options ([`DosimetryOptions::default`]): the readings after
    /// infusion 1 (and after infusion 2 when given and measured), the
    /// weights and activities as given, and the course's protocol.
    pub async fn assess_dosimetry(
        &self,
        scope: &Scope,
        course_id: i64,
    ) -> Result<CourseAssessment, StoreError> {
        let course = self.get::<Course>(scope, course_id).await?;
        if course.deleted {
            return Err(StoreError::NotFound {
                entity: "courses",
                id: course_id.to_string(),
            });
        }
        let patient = course.patient_id;
        let text = self.protocol_text(scope, course.record.protocol_id).await?;
        let protocol = mibg_protocol::Protocol::from_toml(
            &text,
            &format!("protocol {}", course.record.protocol_id),
        )
        .map_err(|e| StoreError::Corrupt(format!("stored protocol: {e}")))?;
        let label = format!("{} {}", protocol.info.name, protocol.info.version);
        let infusions: Vec<Stored<Infusion>> = self
            .list::<Infusion>(scope, patient)
            .await?
            .into_iter()
            .filter(|i| i.record.course_id == course_id && !i.deleted)
            .collect();
        let readings = self.list::<Reading>(scope, patient).await?;
        let done = |inputs, outcome| CourseAssessment {
            patient_id: patient,
            course_id,
            protocol: label.clone(),
            inputs,
            outcome,
        };
        let Some(i1) = infusions.iter().find(|i| i.record.number == 1) else {
            return Ok(done(
                serde_json::Value::Null,
                DosimetryOutcome::Missing("infusion 1 is not recorded as given".into()),
            ));
        };
        let i2 = infusions.iter().find(|i| i.record.number == 2);
        let (raw1, r1) = readings_of(course_id, i1, &readings);
        let (raw2, r2) = match i2 {
            Some(i) => {
                let (raw, r) = readings_of(course_id, i, &readings);
                (raw, Some(r))
            }
            None => (Vec::new(), None),
        };
        let inputs = serde_json::json!({
            "readings1": raw1,
            "weight1_kg": i1.record.weight_kg.kg(),
            "activity1_mbq": i1.record.activity_mbq.mbq(),
            "weight2_kg": i2.map(|i| i.record.weight_kg.kg()),
            "activity2_mbq": i2.map(|i| i.record.activity_mbq.mbq()),
            "readings2": raw2,
            "protocol_id": course.record.protocol_id,
            "protocol_sha256": crate::schema::sha256_hex(&text),
            "options": "defaults",
        });
        if raw1.is_empty() {
            return Ok(done(
                inputs,
                DosimetryOutcome::Missing("no readings after infusion 1".into()),
            ));
        }
        let readings1 = match r1 {
            Ok(r) => r,
            Err(error) => {
                return Ok(done(
                    inputs,
                    DosimetryOutcome::Readings { infusion: 1, error },
                ));
            }
        };
        let second = match (i2, r2) {
            (Some(i), Some(Ok(readings))) => Some(SecondInfusionInput {
                readings,
                activity: i.record.activity_mbq.into(),
            }),
            // Infusion 2 given, no readings yet: infusion 1 alone.
            (Some(_), Some(Err(_))) if raw2.is_empty() => None,
            (Some(_), Some(Err(error))) => {
                return Ok(done(
                    inputs,
                    DosimetryOutcome::Readings { infusion: 2, error },
                ));
            }
            _ => None,
        };
        let input = CourseInput {
            readings1,
            weight1: i1.record.weight_kg,
            activity1: i1.record.activity_mbq.into(),
            weight2: i2.map(|i| i.record.weight_kg),
            second,
        };
        let options = DosimetryOptions {
            protocol_label: Some(label.clone()),
            ..DosimetryOptions::default()
        };
        let outcome =
            match mibg_clinic::dosimetry::assess_course_dosimetry(&input, &protocol, &options) {
                Ok(d) => DosimetryOutcome::Assessed(Box::new(d)),
                Err(e) => DosimetryOutcome::Refused(Box::new(e)),
            };
        Ok(done(inputs, outcome))
    }

    /// The physicist's proposal of the second activity of a course: the
    /// dosimetry is assessed again now, stored with its inputs, a
    /// prescription of infusion 2 is written from it (A₂, the basis of the
    /// decision, every warning) and signed as authored — after the
    /// password is checked again and every warning is acknowledged by the
    /// signer. A wrong password writes nothing but its audit record.
    pub async fn propose_second_activity(
        &self,
        scope: &Scope,
        course_id: i64,
        acknowledged: &[String],
        password: &str,
    ) -> Result<(Stored<Prescription>, Signature), StoreError> {
        scope.require(Permission::SignAuthored)?;
        scope.require(Permission::Write(crate::scope::Area::Prescription))?;
        scope.require(Permission::Write(crate::scope::Area::Dosimetry))?;
        let Actor::User { id: user_id, .. } = scope.actor().clone() else {
            return Err(StoreError::Signature(
                "only a registry user signs; the command-line operator cannot".into(),
            ));
        };
        let a = self.assess_dosimetry(scope, course_id).await?;
        let d = match a.outcome {
            DosimetryOutcome::Assessed(d) => d,
            DosimetryOutcome::Missing(m) => {
                return Err(StoreError::Refused(vec![format!(
                    "no dosimetry to propose from: {m}"
                )]));
            }
            DosimetryOutcome::Readings { infusion, error } => {
                return Err(StoreError::Refused(vec![format!(
                    "the readings of infusion {infusion} are not usable: {error}"
                )]));
            }
            DosimetryOutcome::Refused(e) => {
                return Err(StoreError::Refused(vec![format!(
                    "the dosimetry refused: {e}"
                )]));
            }
        };
        if d.decision != Decision::SecondInfusion {
            return Err(StoreError::Refused(vec![format!(
                "no second infusion to prescribe: {}",
                d.statement
            )]));
        }
        let open: Vec<&String> = d
            .warnings
            .iter()
            .filter(|w| !acknowledged.contains(w))
            .collect();
        if !open.is_empty() {
            return Err(StoreError::Signature(format!(
                "{} warning(s) not acknowledged by the signer: {}",
                open.len(),
                open.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            )));
        }
        let existing = self
            .list::<Prescription>(scope, a.patient_id)
            .await?
            .into_iter()
            .find(|p| {
                p.record.course_id == course_id && p.record.infusion_number == 2 && !p.deleted
            });
        if let Some(p) = existing {
            return Err(StoreError::Duplicate {
                entity: "prescriptions",
                key: format!(
                    "the infusion-2 prescription of course {course_id} (id {})",
                    p.id
                ),
            });
        }
        // The password first: a refusal leaves no draft behind (and is
        // audited as the signature's refusal is).
        self.check_signer_password(
            scope,
            user_id,
            password,
            "courses",
            course_id,
            "refused: wrong password",
        )
        .await?;
        let result = self
            .create(
                scope,
                a.patient_id,
                &DosimetryResult {
                    course_id,
                    infusion_number: 1,
                    inputs: a.inputs.clone(),
                    inputs_sha256: String::new(),
                    result: serde_json::to_value(&*d)
                        .map_err(|e| StoreError::Corrupt(format!("dosimetry result: {e}")))?,
                    software_version: crate::SOFTWARE_VERSION.to_string(),
                    computed_at: jiff::Timestamp::now(),
                },
            )
            .await?;
        let rx = Prescription {
            course_id,
            infusion_number: 2,
            activity_mbq: d.second_activity,
            dosimetry_result_id: Some(result.id),
            basis: serde_json::json!({
                "absorbed_dose1_gy": d.dose1.gy(),
                "absorbed_dose1_ci95_gy": d.interval95.absorbed_dose_gy,
                "interval_method": d.interval95.method,
                "model": d.model.name(),
                "s_model": d.s_model,
                "binding_cap": d.binding_cap,
                "target_gy": d.target.gy(),
                "predicted_total_gy": d.predicted_total.gy(),
                "protocol": a.protocol,
                "statement": d.statement,
            }),
            warnings: d.warnings.clone(),
            acknowledged: d.warnings.clone(),
        };
        let p = self.create(scope, a.patient_id, &rx).await?;
        let s = self
            .sign_acknowledging(
                scope,
                "prescriptions",
                p.id,
                p.version,
                Meaning::Authored,
                password,
                Some(acknowledged),
            )
            .await?;
        Ok((p, s))
    }
}
