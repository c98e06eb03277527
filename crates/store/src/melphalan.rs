//! Melphalan as given (docs/reference/registry.md §2: what is given is
//! recorded as given, not copied from what was prescribed; the difference
//! is shown): the date and the dose in mg of a course, beside the dose of
//! the course's signed plan (the protocol's mg/m² × the BSA of the plan,
//! computed by `mibg_protocol::melphalan::melphalan_dose` when the course
//! was planned and kept in the infusion-1 prescription's basis).
//!
//! The protocol files define no tolerance for a deviation of the melphalan
//! dose given from the planned one (`[melphalan]` of protocols/seed.toml:
//! dose per m², BSA formula, day, small-child rule;
//! docs/reference/dosimetry.md §9.3 gives the dose and no tolerance), so the
//! deviation is shown and never judged here: no threshold without a source.

use crate::Store;
use crate::clinical::{Entry, EntryProblem};
use crate::error::StoreError;
use crate::records::{Course, Melphalan, Prescription, Stored};
use crate::scope::{Area, Permission, Scope};
use jiff::civil::Date;
use mibg_units::{Area as BodyArea, DrugMass};

/// The melphalan of a course's signed plan.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlannedMelphalan {
    /// The planned dose (the protocol's mg/m² × BSA, or its small-child
    /// per-kg rule).
    pub dose: DrugMass,
    /// The body-surface area of the plan.
    pub bsa: BodyArea,
    /// The infusion-1 prescription whose basis holds it.
    pub prescription_id: i64,
}

/// A melphalan dose recorded, with the plan beside it.
#[derive(Clone, Debug)]
pub struct MelphalanRecorded {
    /// The stored record.
    pub melphalan: Stored<Melphalan>,
    /// The plan of the course, if the course was planned in the registry.
    pub planned: Option<PlannedMelphalan>,
}

/// Given − planned, relative to planned (0.05 = 5 % more than planned).
pub fn deviation(given: DrugMass, planned: DrugMass) -> Option<f64> {
    (planned.mg() > 0.0).then(|| given.mg() / planned.mg() - 1.0)
}

fn problem(field: &str, message: impl Into<String>) -> EntryProblem {
    EntryProblem {
        line: None,
        field: Some(field.into()),
        message: message.into(),
    }
}

impl Store {
    /// The melphalan of the signed plan of a course of the scope: the
    /// `melphalan_mg` and `bsa_m2` of its infusion-1 prescription's basis
    /// (written by [`Store::plan_new_course`]). `None` for a course not
    /// planned in the registry (an imported study).
    pub async fn planned_melphalan(
        &self,
        scope: &Scope,
        course_id: i64,
    ) -> Result<Option<PlannedMelphalan>, StoreError> {
        let course = self.live_course(scope, course_id).await?;
        let rx = self
            .list::<Prescription>(scope, course.patient_id)
            .await?
            .into_iter()
            .find(|p| {
                p.record.course_id == course_id && p.record.infusion_number == 1 && !p.deleted
            });
        Ok(rx.and_then(|p| {
            let dose = p.record.basis.get("melphalan_mg")?.as_f64()?;
            let bsa = p.record.basis.get("bsa_m2")?.as_f64()?;
            Some(PlannedMelphalan {
                dose: DrugMass::from_mg(dose),
                bsa: BodyArea::from_m2(bsa),
                prescription_id: p.id,
            })
        }))
    }

    /// The melphalan doses recorded for a course of the scope, by date.
    pub async fn melphalan_given(
        &self,
        scope: &Scope,
        course_id: i64,
    ) -> Result<Vec<Stored<Melphalan>>, StoreError> {
        let course = self.live_course(scope, course_id).await?;
        let mut v: Vec<Stored<Melphalan>> = self
            .list::<Melphalan>(scope, course.patient_id)
            .await?
            .into_iter()
            .filter(|m| m.record.course_id == course_id && !m.deleted)
            .collect();
        v.sort_by_key(|m| m.record.date);
        Ok(v)
    }

    /// Records melphalan as given for a course of the scope (nurse,
    /// physician): the date (YYYY-MM-DD) and the dose in mg as typed, read
    /// by [`melphalan_entry`], each problem by field and nothing saved; the
    /// creation is audited. The plan's dose comes back beside it.
    pub async fn record_melphalan(
        &self,
        scope: &Scope,
        course_id: i64,
        date: &str,
        dose_mg: &str,
    ) -> Result<Entry<MelphalanRecorded>, StoreError> {
        scope.require(Permission::Write(Area::Treatment))?;
        let course: Stored<Course> = self.live_course(scope, course_id).await?;
        let record = match melphalan_entry(course_id, date, dose_mg) {
            Ok(r) => r,
            Err(p) => return Ok(Err(p)),
        };
        let planned = self.planned_melphalan(scope, course_id).await?;
        let melphalan = self.create(scope, course.patient_id, &record).await?;
        Ok(Ok(MelphalanRecorded { melphalan, planned }))
    }

    /// A melphalan dose of the course, not deleted, within the scope (the
    /// record its edit page shows): one of another course, another
    /// patient or another centre is "not found".
    pub async fn course_melphalan(
        &self,
        scope: &Scope,
        course_id: i64,
        id: i64,
    ) -> Result<Stored<Melphalan>, StoreError> {
        let r = self
            .course_record::<Melphalan>(scope, course_id, id)
            .await?;
        if r.record.course_id != course_id {
            return Err(StoreError::NotFound {
                entity: "melphalan",
                id: id.to_string(),
            });
        }
        Ok(r)
    }

    /// Changes a melphalan dose of a course: read again by
    /// [`melphalan_entry`] (the entry's rule), then saved as a new version
    /// if `version` is still the current one (else
    /// [`StoreError::Conflict`] with the current values). A reason is
    /// required; every changed field is audited old → new.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_melphalan(
        &self,
        scope: &Scope,
        course_id: i64,
        id: i64,
        version: i64,
        date: &str,
        dose_mg: &str,
        reason: &str,
    ) -> Result<Entry<Stored<Melphalan>>, StoreError> {
        scope.require(Permission::Write(Area::Treatment))?;
        self.course_melphalan(scope, course_id, id).await?;
        let record = match melphalan_entry(course_id, date, dose_mg) {
            Ok(r) => r,
            Err(p) => return Ok(Err(p)),
        };
        Ok(Ok(self.update(scope, id, version, &record, reason).await?))
    }

    /// Flags a melphalan dose of a course deleted (the row and its history
    /// stay; a reason is required; the version must be current).
    pub async fn delete_melphalan(
        &self,
        scope: &Scope,
        course_id: i64,
        id: i64,
        version: i64,
        reason: &str,
    ) -> Result<Stored<Melphalan>, StoreError> {
        scope.require(Permission::Write(Area::Treatment))?;
        self.course_melphalan(scope, course_id, id).await?;
        self.delete::<Melphalan>(scope, id, version, reason).await
    }
}

/// Melphalan as typed in a form or sent to the API (the one reading of an
/// entry and of a change): the date (YYYY-MM-DD) and the dose in mg, more
/// than 0; every problem by field.
pub fn melphalan_entry(
    course_id: i64,
    date: &str,
    dose_mg: &str,
) -> Result<Melphalan, Vec<EntryProblem>> {
    let mut problems = Vec::new();
    let date = match date.trim() {
        "" => {
            problems.push(problem("date", "a date is required (YYYY-MM-DD)"));
            None
        }
        t => match t.parse::<Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                problems.push(problem(
                    "date",
                    format!("'{}' is not a date (YYYY-MM-DD)", mibg_csv::excerpt(t)),
                ));
                None
            }
        },
    };
    let dose = match dose_mg.trim() {
        "" => {
            problems.push(problem("dose_mg", "the dose given (mg) is required"));
            None
        }
        t => match t.parse::<f64>() {
            Ok(x) if x.is_finite() && x > 0.0 => Some(DrugMass::from_mg(x)),
            Ok(_) => {
                problems.push(problem("dose_mg", "the dose given must be more than 0 mg"));
                None
            }
            Err(_) => {
                problems.push(problem(
                    "dose_mg",
                    format!(
                        "'{}' is not a number of mg (use a decimal point)",
                        mibg_csv::excerpt(t)
                    ),
                ));
                None
            }
        },
    };
    match (date, dose) {
        (Some(date), Some(dose_mg)) => Ok(Melphalan {
            course_id,
            date,
            dose_mg,
        }),
        _ => Err(problems),
    }
}
