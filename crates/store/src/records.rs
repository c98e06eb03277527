//! Clinical records: one typed struct per table, and one generic API for
//! all of them — create, get, list, update, delete — each taking the
//! caller's [`Scope`], each write audited in its own transaction, each
//! update checked against the version the caller read.
//!
//! Field names are the column names, with the unit in the name and a
//! `mibg-units` type for every quantity (`weight_kg: Mass`).

use crate::Store;
use crate::audit::{self, Event, Writer, action, canonical_row, row_hash};
use crate::db::{Tx, Ty, Value};
use crate::error::{CurrentRecord, StoreError};
use crate::schema::{TableDef, table};
use crate::scope::{Permission, Scope};
use jiff::Timestamp;
use jiff::civil::Date;
use mibg_units::{Activity, DrugMass, Hours, Length, Mass};
use std::collections::BTreeMap;

/// Conversion between a field type and its column value.
pub trait Col: Sized {
    /// The column type (also the type of a NULL of this field).
    const TY: Ty;
    /// The column value.
    fn to_value(&self) -> Value;
    /// From a column value; `field` names the column in errors.
    fn from_value(v: &Value, field: &str) -> Result<Self, StoreError>;
}

fn corrupt(field: &str, v: &Value) -> StoreError {
    StoreError::Corrupt(format!("column {field}: unexpected value {v:?}"))
}

impl Col for i64 {
    const TY: Ty = Ty::Int;
    fn to_value(&self) -> Value {
        Value::int(*self)
    }
    fn from_value(v: &Value, f: &str) -> Result<Self, StoreError> {
        v.as_int().ok_or_else(|| corrupt(f, v))
    }
}
impl Col for f64 {
    const TY: Ty = Ty::Real;
    fn to_value(&self) -> Value {
        Value::real(*self)
    }
    fn from_value(v: &Value, f: &str) -> Result<Self, StoreError> {
        v.as_real().ok_or_else(|| corrupt(f, v))
    }
}
impl Col for bool {
    const TY: Ty = Ty::Int;
    fn to_value(&self) -> Value {
        Value::int(i64::from(*self))
    }
    fn from_value(v: &Value, f: &str) -> Result<Self, StoreError> {
        match v.as_int() {
            Some(0) => Ok(false),
            Some(1) => Ok(true),
            _ => Err(corrupt(f, v)),
        }
    }
}
impl Col for String {
    const TY: Ty = Ty::Text;
    fn to_value(&self) -> Value {
        Value::text(self.clone())
    }
    fn from_value(v: &Value, f: &str) -> Result<Self, StoreError> {
        v.as_text().map(str::to_string).ok_or_else(|| corrupt(f, v))
    }
}
impl Col for Date {
    const TY: Ty = Ty::Text;
    fn to_value(&self) -> Value {
        Value::text(self.to_string())
    }
    fn from_value(v: &Value, f: &str) -> Result<Self, StoreError> {
        v.as_text()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| corrupt(f, v))
    }
}
impl Col for Timestamp {
    const TY: Ty = Ty::Text;
    fn to_value(&self) -> Value {
        Value::text(audit::format_instant(*self))
    }
    fn from_value(v: &Value, f: &str) -> Result<Self, StoreError> {
        v.as_text()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| corrupt(f, v))
    }
}
impl Col for serde_json::Value {
    const TY: Ty = Ty::Text;
    fn to_value(&self) -> Value {
        Value::text(self.to_string())
    }
    fn from_value(v: &Value, f: &str) -> Result<Self, StoreError> {
        v.as_text()
            .and_then(|s| serde_json::from_str(s).ok())
            .ok_or_else(|| corrupt(f, v))
    }
}
impl Col for Vec<String> {
    const TY: Ty = Ty::Text;
    fn to_value(&self) -> Value {
        Value::text(serde_json::to_string(self).unwrap_or_else(|_| "[]".into()))
    }
    fn from_value(v: &Value, f: &str) -> Result<Self, StoreError> {
        v.as_text()
            .and_then(|s| serde_json::from_str(s).ok())
            .ok_or_else(|| corrupt(f, v))
    }
}
impl<T: Col> Col for Option<T> {
    const TY: Ty = T::TY;
    fn to_value(&self) -> Value {
        match self {
            Some(x) => x.to_value(),
            None => match T::TY {
                Ty::Int => Value::Int(None),
                Ty::Real => Value::Real(None),
                Ty::Text => Value::Text(None),
            },
        }
    }
    fn from_value(v: &Value, f: &str) -> Result<Self, StoreError> {
        if v.is_null() {
            Ok(None)
        } else {
            T::from_value(v, f).map(Some)
        }
    }
}

macro_rules! quantity_col {
    ($($t:ty => $ctor:ident, $get:ident);* $(;)?) => {$(
        impl Col for $t {
            const TY: Ty = Ty::Real;
            fn to_value(&self) -> Value {
                Value::real(self.$get())
            }
            fn from_value(v: &Value, f: &str) -> Result<Self, StoreError> {
                v.as_real().map(<$t>::$ctor).ok_or_else(|| corrupt(f, v))
            }
        }
    )*};
}
quantity_col! {
    Mass => from_kg, kg;
    Length => from_cm, cm;
    Activity => from_mbq, mbq;
    Hours => new, hours;
    DrugMass => from_mg, mg;
}

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $s)] $v),* }
        impl $name {
            /// The stored code.
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $s),* } }
            /// Parses a stored code.
            pub fn parse(s: &str) -> Option<Self> { match s { $($s => Some($name::$v),)* _ => None } }
        }
        impl Col for $name {
            const TY: Ty = Ty::Text;
            fn to_value(&self) -> Value { Value::text(self.as_str()) }
            fn from_value(v: &Value, f: &str) -> Result<Self, StoreError> {
                v.as_text().and_then($name::parse).ok_or_else(|| corrupt(f, v))
            }
        }
    };
}

code_enum!(
    /// Sex as recorded.
    Sex { /** Female. */ F = "F", /** Male. */ M = "M" }
);
code_enum!(
    /// Where a course's records came from.
    CourseSource {
        /// Entered in the registry, act by act (the workflow applies).
        Entered = "entered",
        /// Imported from a study folder (signatures were kept elsewhere).
        Imported = "imported",
    }
);
code_enum!(
    /// Baseline or follow-up assessment.
    AssessmentKind { /** Before treatment. */ Baseline = "baseline", /** After. */ FollowUp = "follow_up" }
);
code_enum!(
    /// A follow-up event (`followup.csv`).
    FollowUpEvent {
        /// Disease progression.
        Progression = "progression",
        /// Relapse.
        Relapse = "relapse",
        /// Second malignant neoplasm.
        SecondMalignancy = "second_malignancy",
        /// Death.
        Death = "death",
        /// Last contact, alive.
        LastContact = "last_contact",
    }
);
code_enum!(
    /// Cause of death.
    DeathCause {
        /// Neuroblastoma.
        Disease = "disease",
        /// Treatment toxicity.
        Toxicity = "toxicity",
        /// Other.
        Other = "other",
        /// Unknown.
        Unknown = "unknown",
    }
);

/// A typed record of one clinical table.
pub trait Record: Sized + Clone {
    /// Its table.
    const TABLE: &'static str;
    /// Its fields = the table's data columns (all but `id`, `centre_id`,
    /// `patient_id`, `version`, `deleted`), in schema order.
    const FIELDS: &'static [&'static str];
    /// Whether the record is identifying data (read only with the right to
    /// read identifiers).
    const IDENTIFYING: bool = false;
    /// The field values in [`Record::FIELDS`] order.
    fn to_values(&self) -> Vec<Value>;
    /// From field values in [`Record::FIELDS`] order.
    fn from_values(v: &[Value]) -> Result<Self, StoreError>;
}

macro_rules! record {
    ($(#[$m:meta])* $name:ident => $table:literal $(, identifying = $ident:literal)? {
        $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)?
    }) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct $name { $($(#[$fm])* pub $field: $ty),* }
        impl Record for $name {
            const TABLE: &'static str = $table;
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
            $(const IDENTIFYING: bool = $ident;)?
            fn to_values(&self) -> Vec<Value> { vec![$(Col::to_value(&self.$field)),*] }
            fn from_values(v: &[Value]) -> Result<Self, StoreError> {
                let mut it = v.iter();
                Ok($name { $($field: {
                    let x = it.next().ok_or_else(|| StoreError::Corrupt(format!("{}: too few columns", $table)))?;
                    <$ty as Col>::from_value(x, stringify!($field))?
                }),* })
            }
        }
    };
}

record!(
    /// A patient (pseudonymous: the study id; identifying data are in
    /// [`Identity`]).
    Patient => "patients" {
        /// Study identifier (e.g. `C01-007`), unique in the registry.
        study_id: String,
        /// Sex.
        sex: Sex,
        /// Age at the first infusion, years, when no date of birth is
        /// recorded (a pseudonymised import gives the age, not the date).
        age_years: Option<f64>,
        /// Weight at enrolment.
        weight_kg: Mass,
        /// Height at enrolment.
        height_cm: Length,
        /// Enrolment date.
        enrolment_date: Option<Date>,
    }
);

record!(
    /// A patient's identifying data (docs/reference/registry.md §5): apart from clinical
    /// data, read only by clinical roles of the patient's centre.
    Identity => "patient_identity", identifying = true {
        /// Name.
        name: Option<String>,
        /// Date of birth.
        birth_date: Option<Date>,
        /// Hospital number.
        hospital_number: Option<String>,
    }
);

record!(
    /// A course of 131I-mIBG therapy under one protocol version.
    Course => "courses" {
        /// 1, 2, … per patient.
        number: i64,
        /// The protocol (name, version, text) it follows.
        protocol_id: i64,
        /// Entered in the registry or imported.
        source: CourseSource,
    }
);

record!(
    /// An infusion as given: the assayed activity from the dose calibrator,
    /// not a copy of the prescription (docs/reference/registry.md §2).
    Infusion => "infusions" {
        /// Course.
        course_id: i64,
        /// 1 or 2.
        number: i64,
        /// Date (in the centre's time zone).
        date: Date,
        /// Administered (assayed) activity.
        activity_mbq: Activity,
        /// Weight on the day.
        weight_kg: Mass,
        /// Prescribed activity, when prescribed in the registry.
        prescribed_activity_mbq: Option<Activity>,
        /// Start of the infusion (UTC).
        start_at: Option<Timestamp>,
        /// End of the infusion (UTC): time zero of the readings.
        end_at: Option<Timestamp>,
        /// Hot-lab record (schema version 2): the activity assayed in the
        /// dose calibrator (`activity_mbq` is then the net activity computed
        /// from the record by `mibg_dosimetry::administered`,
        /// docs/reference/dosimetry.md §3.4).
        assayed_mbq: Option<Activity>,
        /// Calibration time of the assay (UTC).
        assay_at: Option<Timestamp>,
        /// Residual activity in syringe and lines after the infusion.
        residual_mbq: Option<Activity>,
        /// When the residual was measured (UTC).
        residual_at: Option<Timestamp>,
    }
);

record!(
    /// A whole-body dose-rate reading after an infusion.
    Reading => "readings" {
        /// The infusion it follows.
        infusion_id: i64,
        /// Time after the end of the infusion.
        hours: Hours,
        /// Reading, in any unit proportional to activity.
        reading: f64,
        /// Background, same unit.
        background: Option<f64>,
        /// When measured (UTC), if recorded as a clock time.
        measured_at: Option<Timestamp>,
    }
);

record!(
    /// A dosimetry result, stored with a snapshot of its inputs and the
    /// software version that computed it.
    DosimetryResult => "dosimetry_results" {
        /// Course.
        course_id: i64,
        /// Infusion whose readings were fitted.
        infusion_number: i64,
        /// Every input (readings, weights, activities, protocol, options), JSON.
        inputs: serde_json::Value,
        /// SHA-256 of `inputs` (filled in by the store).
        inputs_sha256: String,
        /// The result, JSON.
        result: serde_json::Value,
        /// `mibg x.y.z` that computed it.
        software_version: String,
        /// When computed (UTC).
        computed_at: Timestamp,
    }
);

record!(
    /// A prescription: the plan of infusion 1 or the second activity. Signed
    /// by an author and approved by a different physician.
    Prescription => "prescriptions" {
        /// Course.
        course_id: i64,
        /// 1 (the plan) or 2.
        infusion_number: i64,
        /// Prescribed activity.
        activity_mbq: Activity,
        /// The dosimetry result it rests on (infusion 2).
        dosimetry_result_id: Option<i64>,
        /// What the decision rests on (binding cap, D1 and interval, S model, protocol version), JSON.
        basis: serde_json::Value,
        /// Every open warning of the computation.
        warnings: Vec<String>,
        /// The warnings acknowledged, one by one.
        acknowledged: Vec<String>,
    }
);

record!(
    /// Melphalan as given.
    Melphalan => "melphalan" {
        /// Course.
        course_id: i64,
        /// Date.
        date: Date,
        /// Dose.
        dose_mg: DrugMass,
    }
);

record!(
    /// An autologous stem-cell infusion (day 0 of engraftment).
    StemCells => "stem_cells" {
        /// Course.
        course_id: Option<i64>,
        /// Date.
        date: Date,
        /// CD34+ ×10⁶/kg.
        cd34_e6_per_kg: Option<f64>,
    }
);

record!(
    /// A laboratory value exactly as written (decimal text), in the
    /// `mibg toxicity` format.
    Lab => "labs" {
        /// Date of sampling.
        date: Date,
        /// Test code (`neutrophils`, `platelets`, …).
        test: String,
        /// Value, decimal text as entered (exact).
        value: String,
        /// Unit.
        unit: String,
        /// Lower limit of normal, decimal text.
        lln: Option<String>,
        /// Upper limit of normal, decimal text.
        uln: Option<String>,
        /// The patient's designated baseline value of the test.
        baseline: bool,
    }
);

record!(
    /// A clinical adverse event with its CTCAE grade.
    AdverseEvent => "adverse_events" {
        /// Onset.
        date: Date,
        /// CTCAE term.
        term: String,
        /// Grade 1–5.
        grade: i64,
        /// CTCAE version (empty: 5.0).
        ctcae_version: Option<String>,
    }
);

record!(
    /// A transfusion.
    Transfusion => "transfusions" {
        /// Date.
        date: Date,
        /// `platelets`, `red_cells`, …
        product: String,
    }
);

record!(
    /// One response assessment (baseline or follow-up), as the JSON object
    /// of the `mibg response` format (`date`, `primary`, `soft_tissue`,
    /// `mibg`, `marrow`, `new_lesions`, …).
    Assessment => "assessments" {
        /// Baseline or follow-up.
        kind: AssessmentKind,
        /// Its date (the same as `content.date`).
        date: Date,
        /// The assessment.
        content: serde_json::Value,
    }
);

record!(
    /// A follow-up event.
    FollowUp => "followup" {
        /// What happened.
        event: FollowUpEvent,
        /// When.
        date: Date,
        /// Cause, for deaths.
        cause: Option<DeathCause>,
        /// Notes.
        notes: Option<String>,
    }
);

record!(
    /// A therapy after the course.
    Therapy => "therapies" {
        /// Therapy code (`gd2_car_t`, …).
        therapy: String,
        /// Start date.
        start_date: Date,
        /// Notes.
        notes: Option<String>,
    }
);

record!(
    /// A thyroid assessment (the study folder's `thyroid.csv`): a survivor
    /// with one after the first infusion is in the hypothyroidism
    /// denominator (docs/reference/toxicity.md §9).
    ThyroidAssessment => "thyroid_assessments" {
        /// Date.
        date: Date,
        /// TSH, mU/L.
        tsh_mu_per_l: Option<f64>,
        /// Free T4, pmol/L.
        ft4_pmol_per_l: Option<f64>,
        /// Notes.
        notes: Option<String>,
    }
);

/// A record as stored: ids, version and deletion state around the fields.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Stored<T> {
    /// Row id.
    pub id: i64,
    /// Centre.
    pub centre_id: i64,
    /// Patient (the row's own id for a patient).
    pub patient_id: i64,
    /// Version (1 at creation, +1 per change): send it back with an update.
    pub version: i64,
    /// Flagged deleted.
    pub deleted: bool,
    /// The fields.
    #[serde(flatten)]
    pub record: T,
}

/// The columns that are not data fields.
const META: [&str; 5] = ["id", "centre_id", "patient_id", "version", "deleted"];

/// Indices of a table's data columns.
fn data_columns(t: &TableDef) -> Vec<usize> {
    t.columns
        .iter()
        .enumerate()
        .filter(|(_, c)| !META.contains(&c.name))
        .map(|(i, _)| i)
        .collect()
}

pub(crate) fn stored_from_row<T: Record>(
    t: &TableDef,
    row: &[Value],
) -> Result<Stored<T>, StoreError> {
    let idx = |n: &str| t.columns.iter().position(|c| c.name == n);
    let get = |n: &str| {
        idx(n)
            .and_then(|i| row[i].as_int())
            .ok_or_else(|| StoreError::Corrupt(format!("{}: no {n}", t.name)))
    };
    let id = get("id")?;
    let fields: Vec<Value> = data_columns(t)
        .into_iter()
        .map(|i| row[i].clone())
        .collect();
    Ok(Stored {
        id,
        centre_id: get("centre_id")?,
        patient_id: if t.name == "patients" {
            id
        } else {
            get("patient_id")?
        },
        version: get("version")?,
        deleted: get("deleted")? == 1,
        record: T::from_values(&fields)?,
    })
}

pub(crate) fn current_record(t: &'static TableDef, row: &[Value]) -> CurrentRecord {
    let values: BTreeMap<String, serde_json::Value> = t
        .columns
        .iter()
        .zip(row)
        .filter(|(c, _)| !c.secret)
        .map(|(c, v)| (c.name.to_string(), v.to_json()))
        .collect();
    CurrentRecord {
        entity: t.name,
        id: row[0].as_int().unwrap_or(0),
        version: values.get("version").and_then(|v| v.as_i64()).unwrap_or(0),
        values,
    }
}

/// Id and version of each live (not deleted) record of a list its caller
/// read, by id: what the caller checked, for a guarded write to compare
/// with [`live_versions`].
pub(crate) fn read_versions<T>(listed: &[Stored<T>]) -> Vec<(i64, i64)> {
    let mut v: Vec<(i64, i64)> = listed
        .iter()
        .filter(|r| !r.deleted)
        .map(|r| (r.id, r.version))
        .collect();
    v.sort_unstable();
    v
}

/// Id and version of each live (not deleted) record of table `t` of a
/// patient, by id: what a guarded write compares with what its caller read.
pub(crate) async fn live_versions(
    tx: &mut Tx,
    t: &TableDef,
    patient_id: i64,
) -> Result<Vec<(i64, i64)>, StoreError> {
    Ok(tx
        .fetch(
            &format!(
                "SELECT id, version FROM {} WHERE patient_id = $1 AND deleted = 0 ORDER BY id",
                t.name
            ),
            &[Value::int(patient_id)],
            &[Ty::Int, Ty::Int],
        )
        .await?
        .iter()
        .map(|r| (r[0].as_int().unwrap_or(0), r[1].as_int().unwrap_or(0)))
        .collect())
}

/// The centre of a patient within the scope, or NotFound (a patient of
/// another centre is indistinguishable from no patient).
pub(crate) async fn patient_centre(
    tx: &mut Tx,
    scope: &Scope,
    patient_id: i64,
) -> Result<i64, StoreError> {
    let mut params = vec![Value::int(patient_id)];
    let cond = scope.centre_condition("centre_id", &mut params);
    let row = tx
        .fetch_optional(
            &format!("SELECT centre_id FROM patients WHERE id = $1 AND deleted = 0 AND {cond}"),
            &params,
            &[Ty::Int],
        )
        .await?;
    row.and_then(|r| r[0].as_int())
        .ok_or_else(|| StoreError::NotFound {
            entity: "patients",
            id: patient_id.to_string(),
        })
}

/// One row by id within the scope (deleted rows included).
pub(crate) async fn fetch_row(
    tx: &mut Tx,
    t: &TableDef,
    scope: &Scope,
    id: i64,
) -> Result<Option<Vec<Value>>, StoreError> {
    let mut params = vec![Value::int(id)];
    let cond = scope.centre_condition("centre_id", &mut params);
    tx.fetch_optional(
        &format!(
            "SELECT {} FROM {} WHERE id = $1 AND {cond}",
            t.select_list(),
            t.name
        ),
        &params,
        &t.types(),
    )
    .await
}

/// The next id of a table (writers are serialised, so this is safe).
pub(crate) async fn next_id(tx: &mut Tx, t: &str) -> Result<i64, StoreError> {
    let r = tx
        .fetch(
            &format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {t}"),
            &[],
            &[Ty::Int],
        )
        .await?;
    Ok(r[0][0].as_int().unwrap_or(1))
}

/// Refuses values a column cannot hold (non-finite numbers, NULL in a
/// required column).
pub(crate) fn check_values(t: &TableDef, row: &[Value]) -> Result<(), StoreError> {
    for (c, v) in t.columns.iter().zip(row) {
        if let Value::Real(Some(x)) = v
            && !x.is_finite()
        {
            return Err(StoreError::Invalid {
                entity: t.name,
                field: c.name.to_string(),
                message: format!("{x} is not a finite number"),
            });
        }
        if v.is_null() && !c.nullable {
            return Err(StoreError::Invalid {
                entity: t.name,
                field: c.name.to_string(),
                message: "a value is required".into(),
            });
        }
    }
    Ok(())
}

/// Inserts a full row (id included) and audits its creation.
pub(crate) async fn insert_audited(
    w: &mut Writer,
    t: &'static TableDef,
    row: Vec<Value>,
    reason: Option<String>,
) -> Result<(), StoreError> {
    check_values(t, &row)?;
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        t.name,
        t.select_list(),
        crate::db::placeholders(1, row.len())
    );
    w.tx.execute(&sql, &row)
        .await
        .map_err(|e| map_write_error(t, e))?;
    let (centre, patient) = owner(t, &row);
    w.record(Event {
        action: action::CREATE,
        entity: Some(t.name),
        entity_id: row[0].as_int(),
        centre_id: centre,
        patient_id: patient,
        new_value: Some(canonical_row(t, &row)),
        reason,
        row_hash: Some(row_hash(t, &row)),
        ..Event::default()
    })
    .await
}

/// The centre and patient of a row, for the audit record.
pub(crate) fn owner(t: &TableDef, row: &[Value]) -> (Option<i64>, Option<i64>) {
    let get = |n: &str| {
        t.columns
            .iter()
            .position(|c| c.name == n)
            .and_then(|i| row[i].as_int())
    };
    let patient = t.patient_column().and_then(get);
    let centre = if t.kind == crate::schema::Kind::Clinical {
        get("centre_id")
    } else {
        None
    };
    (centre, patient)
}

pub(crate) fn map_write_error(t: &'static TableDef, e: StoreError) -> StoreError {
    if e.is_unique_violation() {
        StoreError::Duplicate {
            entity: t.name,
            key: "a record with the same key".into(),
        }
    } else if e.is_foreign_key_violation() {
        StoreError::Invalid {
            entity: t.name,
            field: "reference".into(),
            message: "refers to a record that does not exist or belongs to another patient".into(),
        }
    } else {
        e
    }
}

#[allow(clippy::too_many_arguments)]
/// Replaces the columns named in `changes` of row `id` (whose version must
/// be `expected`), bumps the version, audits each changed field, and voids
/// the active signatures of the row. Returns the new row.
pub(crate) async fn update_audited(
    w: &mut Writer,
    t: &'static TableDef,
    scope: &Scope,
    id: i64,
    expected: i64,
    changes: &[(&str, Value)],
    reason: &str,
    action_name: &'static str,
) -> Result<Vec<Value>, StoreError> {
    let current =
        fetch_row(&mut w.tx, t, scope, id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: t.name,
                id: id.to_string(),
            })?;
    let vi = t
        .columns
        .iter()
        .position(|c| c.name == "version")
        .unwrap_or(0);
    let version = current[vi].as_int().unwrap_or(0);
    if version != expected {
        return Err(StoreError::Conflict {
            expected,
            current: Box::new(current_record(t, &current)),
        });
    }
    let mut new = current.clone();
    let mut diffs = Vec::new();
    for (name, v) in changes {
        let i = t
            .columns
            .iter()
            .position(|c| c.name == *name)
            .ok_or_else(|| StoreError::Invalid {
                entity: t.name,
                field: name.to_string(),
                message: "no such field".into(),
            })?;
        if new[i] != *v {
            diffs.push((i, new[i].clone(), v.clone()));
            new[i] = v.clone();
        }
    }
    if diffs.is_empty() {
        return Ok(current);
    }
    new[vi] = Value::int(version + 1);
    check_values(t, &new)?;
    let sets: Vec<String> = diffs
        .iter()
        .enumerate()
        .map(|(k, (i, _, _))| format!("{} = ${}", t.columns[*i].name, k + 3))
        .collect();
    let mut params = vec![Value::int(id), Value::int(version)];
    params.extend(diffs.iter().map(|(_, _, v)| v.clone()));
    let sql = format!(
        "UPDATE {} SET {}, version = version + 1 WHERE id = $1 AND version = $2",
        t.name,
        sets.join(", ")
    );
    let n =
        w.tx.execute(&sql, &params)
            .await
            .map_err(|e| map_write_error(t, e))?;
    if n != 1 {
        // Cannot happen while writers are serialised on the audit head;
        // refuse rather than guess.
        return Err(StoreError::Conflict {
            expected,
            current: Box::new(current_record(t, &current)),
        });
    }
    let (centre, patient) = owner(t, &new);
    let hash = row_hash(t, &new);
    for (i, old, nv) in diffs {
        let c = &t.columns[i];
        let show = |v: &Value| {
            if c.secret {
                "\"(secret changed)\"".to_string()
            } else {
                v.to_json().to_string()
            }
        };
        w.record(Event {
            action: action_name,
            entity: Some(t.name),
            entity_id: Some(id),
            centre_id: centre,
            patient_id: patient,
            field: Some(c.name.to_string()),
            old_value: Some(show(&old)),
            new_value: Some(show(&nv)),
            reason: Some(reason.to_string()),
            row_hash: Some(hash.clone()),
        })
        .await?;
    }
    if t.kind == crate::schema::Kind::Clinical && t.name != "signatures" {
        // Boxed: voiding a signature is itself an audited update.
        Box::pin(crate::sign::void_all(
            w,
            scope,
            t.name,
            id,
            &format!("{} {id} changed to version {}", t.name, version + 1),
        ))
        .await?;
    }
    Ok(new)
}

/// A non-empty reason, trimmed.
pub(crate) fn require_reason(reason: &str) -> Result<String, StoreError> {
    let r = reason.trim();
    if r.is_empty() {
        Err(StoreError::ReasonRequired)
    } else {
        Ok(r.to_string())
    }
}

fn write_area(t: &TableDef) -> Result<Permission, StoreError> {
    t.area.map(Permission::Write).ok_or_else(|| {
        StoreError::Forbidden(format!("{} is not written through the record API", t.name))
    })
}

fn read_permission<T: Record>(scope: &Scope) -> Result<(), StoreError> {
    scope.require(Permission::ReadClinical)?;
    if T::IDENTIFYING {
        scope.require(Permission::ReadIdentifiers)?;
    }
    Ok(())
}

pub(crate) fn full_row<T: Record>(
    t: &TableDef,
    id: i64,
    centre: i64,
    patient: i64,
    rec: &T,
) -> Vec<Value> {
    let fields = rec.to_values();
    let mut it = fields.into_iter();
    t.columns
        .iter()
        .map(|c| match c.name {
            "id" => Value::int(id),
            "centre_id" => Value::int(centre),
            "patient_id" => Value::int(patient),
            "version" => Value::int(1),
            "deleted" => Value::int(0),
            _ => it.next().unwrap_or(Value::Text(None)),
        })
        .collect()
}

impl Store {
    /// Enrols a patient in a centre of the scope.
    pub async fn create_patient(
        &self,
        scope: &Scope,
        centre_id: i64,
        patient: &Patient,
    ) -> Result<Stored<Patient>, StoreError> {
        scope.require(Permission::Write(crate::scope::Area::Enrolment))?;
        if !scope.covers(centre_id) {
            return Err(StoreError::NotFound {
                entity: "centres",
                id: centre_id.to_string(),
            });
        }
        crate::folder::check_identifier(&patient.study_id).map_err(|m| StoreError::Invalid {
            entity: "patients",
            field: "study_id".into(),
            message: m,
        })?;
        let t = table("patients");
        let mut w = Writer::begin(self, scope.actor()).await?;
        let id = next_id(&mut w.tx, t.name).await?;
        let row = full_row(t, id, centre_id, id, patient);
        if let Err(e) = insert_audited(&mut w, t, row.clone(), None).await {
            w.rollback().await?;
            return Err(match e {
                StoreError::Duplicate { .. } => StoreError::Duplicate {
                    entity: "patients",
                    key: format!("study id {}", patient.study_id),
                },
                e => e,
            });
        }
        w.commit().await?;
        stored_from_row(t, &row)
    }

    /// The patients of the scope (not deleted), by study id.
    pub async fn list_patients(&self, scope: &Scope) -> Result<Vec<Stored<Patient>>, StoreError> {
        scope.require(Permission::ReadClinical)?;
        let t = table("patients");
        let mut params = Vec::new();
        let cond = scope.centre_condition("centre_id", &mut params);
        let mut tx = self.pool.begin_read().await?;
        let rows = tx
            .fetch(
                &format!(
                    "SELECT {} FROM patients WHERE deleted = 0 AND {cond} ORDER BY study_id",
                    t.select_list()
                ),
                &params,
                &t.types(),
            )
            .await?;
        tx.rollback().await?;
        rows.iter().map(|r| stored_from_row(t, r)).collect()
    }

    /// One page of the patients of the scope (not deleted), by study id:
    /// at most `limit` patients from position `offset` (0-based), and how
    /// many patients the scope holds in all. The list pages show a page at
    /// a time, so that a registry of 10 000 patients is not read (with the
    /// state of every course) for each view of the list.
    pub async fn list_patients_page(
        &self,
        scope: &Scope,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Stored<Patient>>, u64), StoreError> {
        scope.require(Permission::ReadClinical)?;
        let t = table("patients");
        let mut params = Vec::new();
        let cond = scope.centre_condition("centre_id", &mut params);
        let mut tx = self.pool.begin_read().await?;
        let total = tx
            .fetch(
                &format!("SELECT COUNT(*) FROM patients WHERE deleted = 0 AND {cond}"),
                &params,
                &[Ty::Int],
            )
            .await?
            .first()
            .and_then(|r| r[0].as_int())
            .unwrap_or(0);
        let n = params.len();
        params.push(Value::int(i64::try_from(limit).unwrap_or(i64::MAX)));
        params.push(Value::int(i64::try_from(offset).unwrap_or(i64::MAX)));
        let rows = tx
            .fetch(
                &format!(
                    "SELECT {} FROM patients WHERE deleted = 0 AND {cond} ORDER BY study_id LIMIT ${} OFFSET ${}",
                    t.select_list(),
                    n + 1,
                    n + 2
                ),
                &params,
                &t.types(),
            )
            .await?;
        tx.rollback().await?;
        let page = rows
            .iter()
            .map(|r| stored_from_row(t, r))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((page, u64::try_from(total).unwrap_or(0)))
    }

    /// A patient by study id, within the scope.
    pub async fn find_patient(
        &self,
        scope: &Scope,
        study_id: &str,
    ) -> Result<Stored<Patient>, StoreError> {
        scope.require(Permission::ReadClinical)?;
        let t = table("patients");
        let mut params = vec![Value::text(study_id)];
        let cond = scope.centre_condition("centre_id", &mut params);
        let mut tx = self.pool.begin_read().await?;
        let row = tx
            .fetch_optional(
                &format!(
                    "SELECT {} FROM patients WHERE study_id = $1 AND {cond}",
                    t.select_list()
                ),
                &params,
                &t.types(),
            )
            .await?;
        tx.rollback().await?;
        match row {
            Some(r) => stored_from_row(t, &r),
            None => Err(StoreError::NotFound {
                entity: "patients",
                id: study_id.to_string(),
            }),
        }
    }

    /// Adds a record to a patient of the scope.
    pub async fn create<T: Record>(
        &self,
        scope: &Scope,
        patient_id: i64,
        record: &T,
    ) -> Result<Stored<T>, StoreError> {
        self.create_guarded(scope, patient_id, record, None)
            .await
            .map(|r| r.expect("no guard, always written"))
    }

    /// [`Store::create`] when the patient's records of this table are
    /// still `guard` (id and version of each live one, as the caller read
    /// them to check the new record against them), checked in the write
    /// transaction itself: `Ok(None)`, nothing written, when another
    /// writer changed them in between (the caller checks again). Without a
    /// guard it always writes.
    pub(crate) async fn create_guarded<T: Record>(
        &self,
        scope: &Scope,
        patient_id: i64,
        record: &T,
        guard: Option<&[(i64, i64)]>,
    ) -> Result<Option<Stored<T>>, StoreError> {
        let t = table(T::TABLE);
        if t.name == "patients" {
            return Err(StoreError::Forbidden(
                "patients are enrolled with create_patient".into(),
            ));
        }
        scope.require(write_area(t)?)?;
        let mut w = Writer::begin(self, scope.actor()).await?;
        let result = async {
            let centre = patient_centre(&mut w.tx, scope, patient_id).await?;
            if let Some(g) = guard
                && live_versions(&mut w.tx, t, patient_id).await? != g
            {
                return Ok(None);
            }
            let id = next_id(&mut w.tx, t.name).await?;
            let mut row = full_row(t, id, centre, patient_id, record);
            finish_row(t, &mut row);
            insert_audited(&mut w, t, row.clone(), None).await?;
            Ok::<_, StoreError>(Some(row))
        }
        .await;
        match result {
            Ok(Some(row)) => {
                w.commit().await?;
                stored_from_row(t, &row).map(Some)
            }
            Ok(None) => {
                w.rollback().await?;
                Ok(None)
            }
            Err(e) => {
                w.rollback().await?;
                Err(e)
            }
        }
    }

    /// Adds the readings of one infusion all at once, in one transaction
    /// (an uploaded readings file): every row is written or none. Refused
    /// when the infusion (of the scope, of this patient) already has
    /// readings, so that an upload never mixes with, or doubles, readings
    /// already entered.
    pub async fn create_readings(
        &self,
        scope: &Scope,
        patient_id: i64,
        infusion_id: i64,
        readings: &[Reading],
    ) -> Result<Vec<Stored<Reading>>, StoreError> {
        let t = table(Reading::TABLE);
        scope.require(write_area(t)?)?;
        if let Some(r) = readings.iter().find(|r| r.infusion_id != infusion_id) {
            return Err(StoreError::Invalid {
                entity: "readings",
                field: "infusion_id".into(),
                message: format!("{} is not infusion {infusion_id}", r.infusion_id),
            });
        }
        let infusion = self.get::<Infusion>(scope, infusion_id).await?;
        if infusion.patient_id != patient_id || infusion.deleted {
            return Err(StoreError::NotFound {
                entity: "infusions",
                id: infusion_id.to_string(),
            });
        }
        let existing = self
            .list::<Reading>(scope, patient_id)
            .await?
            .iter()
            .filter(|r| r.record.infusion_id == infusion_id && !r.deleted)
            .count();
        if existing > 0 {
            return Err(StoreError::Refused(vec![format!(
                "infusion {} already has {existing} reading(s): nothing was saved (enter further readings one by one, or correct the saved ones)",
                infusion.record.number
            )]));
        }
        let mut w = Writer::begin(self, scope.actor()).await?;
        let result = async {
            let centre = patient_centre(&mut w.tx, scope, patient_id).await?;
            let mut out = Vec::new();
            for r in readings {
                let id = next_id(&mut w.tx, t.name).await?;
                let mut row = full_row(t, id, centre, patient_id, r);
                finish_row(t, &mut row);
                insert_audited(&mut w, t, row.clone(), None).await?;
                out.push(row);
            }
            Ok::<_, StoreError>(out)
        }
        .await;
        match result {
            Ok(rows) => {
                w.commit().await?;
                rows.iter().map(|r| stored_from_row(t, r)).collect()
            }
            Err(e) => {
                w.rollback().await?;
                Err(e)
            }
        }
    }

    /// Adds several records of one table to a patient of the scope in one
    /// transaction (an uploaded file): every record is written or none.
    pub async fn create_all<T: Record>(
        &self,
        scope: &Scope,
        patient_id: i64,
        records: &[T],
    ) -> Result<Vec<Stored<T>>, StoreError> {
        let t = table(T::TABLE);
        if t.name == "patients" {
            return Err(StoreError::Forbidden(
                "patients are enrolled with create_patient".into(),
            ));
        }
        scope.require(write_area(t)?)?;
        let mut w = Writer::begin(self, scope.actor()).await?;
        let result = async {
            let centre = patient_centre(&mut w.tx, scope, patient_id).await?;
            let mut out = Vec::new();
            for r in records {
                let id = next_id(&mut w.tx, t.name).await?;
                let mut row = full_row(t, id, centre, patient_id, r);
                finish_row(t, &mut row);
                insert_audited(&mut w, t, row.clone(), None).await?;
                out.push(row);
            }
            Ok::<_, StoreError>(out)
        }
        .await;
        match result {
            Ok(rows) => {
                w.commit().await?;
                rows.iter().map(|r| stored_from_row(t, r)).collect()
            }
            Err(e) => {
                w.rollback().await?;
                Err(e)
            }
        }
    }

    /// One record by id, within the scope (deleted records too: their
    /// `deleted` flag is set).
    pub async fn get<T: Record>(&self, scope: &Scope, id: i64) -> Result<Stored<T>, StoreError> {
        read_permission::<T>(scope)?;
        let t = table(T::TABLE);
        let mut tx = self.pool.begin_read().await?;
        let row = fetch_row(&mut tx, t, scope, id).await?;
        tx.rollback().await?;
        match row {
            Some(r) => stored_from_row(t, &r),
            None => Err(StoreError::NotFound {
                entity: t.name,
                id: id.to_string(),
            }),
        }
    }

    /// The records of one patient of the scope (not deleted), oldest first.
    pub async fn list<T: Record>(
        &self,
        scope: &Scope,
        patient_id: i64,
    ) -> Result<Vec<Stored<T>>, StoreError> {
        read_permission::<T>(scope)?;
        let t = table(T::TABLE);
        let pcol = t.patient_column().unwrap_or("patient_id");
        let mut tx = self.pool.begin_read().await?;
        patient_centre(&mut tx, scope, patient_id).await?;
        let mut params = vec![Value::int(patient_id)];
        let cond = scope.centre_condition("centre_id", &mut params);
        let rows = tx
            .fetch(
                &format!(
                    "SELECT {} FROM {} WHERE {pcol} = $1 AND deleted = 0 AND {cond} ORDER BY id",
                    t.select_list(),
                    t.name
                ),
                &params,
                &t.types(),
            )
            .await?;
        tx.rollback().await?;
        rows.iter().map(|r| stored_from_row(t, r)).collect()
    }

    /// Changes a saved record. `expected_version` is the version the caller
    /// read: if the record changed since, nothing is saved and
    /// [`StoreError::Conflict`] carries the current values. A reason is
    /// required; every changed field is audited; active signatures of the
    /// record are voided (they signed the previous version).
    pub async fn update<T: Record>(
        &self,
        scope: &Scope,
        id: i64,
        expected_version: i64,
        record: &T,
        reason: &str,
    ) -> Result<Stored<T>, StoreError> {
        self.update_guarded(scope, id, expected_version, record, reason, None)
            .await
            .map(|r| r.expect("no guard, always written"))
    }

    /// [`Store::update`] when the live records of this table of the
    /// record's patient are still `guard` (id and version of each, as the
    /// caller read them to check the change against them), checked in the
    /// write transaction: `Ok(None)`, nothing written, when another writer
    /// changed them in between (the caller checks again).
    pub(crate) async fn update_guarded<T: Record>(
        &self,
        scope: &Scope,
        id: i64,
        expected_version: i64,
        record: &T,
        reason: &str,
        guard: Option<&[(i64, i64)]>,
    ) -> Result<Option<Stored<T>>, StoreError> {
        let t = table(T::TABLE);
        scope.require(write_area(t)?)?;
        let reason = require_reason(reason)?;
        let mut row: Vec<Value> = full_row(t, id, 0, 0, record);
        finish_row(t, &mut row);
        let changes: Vec<(&str, Value)> = data_columns(t)
            .into_iter()
            .map(|i| (t.columns[i].name, row[i].clone()))
            .collect();
        let mut w = Writer::begin(self, scope.actor()).await?;
        let result = async {
            let current = fetch_row(&mut w.tx, t, scope, id).await?;
            let di = t
                .columns
                .iter()
                .position(|c| c.name == "deleted")
                .unwrap_or(0);
            let Some(current) = current.filter(|r| r[di].as_int() != Some(1)) else {
                return Err(StoreError::NotFound {
                    entity: t.name,
                    id: id.to_string(),
                });
            };
            if let Some(g) = guard {
                let pi = t
                    .columns
                    .iter()
                    .position(|c| c.name == "patient_id")
                    .unwrap_or(0);
                let patient = current[pi].as_int().unwrap_or(0);
                if live_versions(&mut w.tx, t, patient).await? != g {
                    return Ok(None);
                }
            }
            update_audited(
                &mut w,
                t,
                scope,
                id,
                expected_version,
                &changes,
                &reason,
                action::UPDATE,
            )
            .await
            .map(Some)
        }
        .await;
        match result {
            Ok(Some(row)) => {
                w.commit().await?;
                stored_from_row(t, &row).map(Some)
            }
            Ok(None) => {
                w.rollback().await?;
                Ok(None)
            }
            Err(e) => {
                w.rollback().await?;
                Err(e)
            }
        }
    }

    /// Flags a record deleted (the row and its history stay). A reason is
    /// required; the version must be the one the caller read.
    pub async fn delete<T: Record>(
        &self,
        scope: &Scope,
        id: i64,
        expected_version: i64,
        reason: &str,
    ) -> Result<Stored<T>, StoreError> {
        let t = table(T::TABLE);
        scope.require(write_area(t)?)?;
        let reason = require_reason(reason)?;
        let mut w = Writer::begin(self, scope.actor()).await?;
        let result = update_audited(
            &mut w,
            t,
            scope,
            id,
            expected_version,
            &[("deleted", Value::int(1))],
            &reason,
            action::DELETE,
        )
        .await;
        match result {
            Ok(row) => {
                w.commit().await?;
                stored_from_row(t, &row)
            }
            Err(e) => {
                w.rollback().await?;
                Err(e)
            }
        }
    }
}

/// Fields the store fills in itself.
fn finish_row(t: &TableDef, row: &mut [Value]) {
    if t.name == "dosimetry_results"
        && let (Some(ii), Some(hi)) = (
            t.columns.iter().position(|c| c.name == "inputs"),
            t.columns.iter().position(|c| c.name == "inputs_sha256"),
        )
        && let Some(text) = row[ii].as_text()
    {
        row[hi] = Value::text(crate::schema::sha256_hex(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::TABLES;

    fn fields_of(t: &TableDef) -> Vec<&'static str> {
        data_columns(t)
            .into_iter()
            .map(|i| t.columns[i].name)
            .collect()
    }

    #[test]
    fn every_record_type_matches_its_table() {
        macro_rules! check {
            ($($t:ty),*) => {$(
                let t = table(<$t>::TABLE);
                assert_eq!(fields_of(t), <$t>::FIELDS, "{}", t.name);
            )*};
        }
        check!(
            Patient,
            Identity,
            Course,
            Infusion,
            Reading,
            DosimetryResult,
            Prescription,
            Melphalan,
            StemCells,
            Lab,
            AdverseEvent,
            Transfusion,
            Assessment,
            FollowUp,
            Therapy,
            ThyroidAssessment
        );
        // Every clinical table with a write area has a record type (checked above).
        let with_area = TABLES.iter().filter(|t| t.area.is_some()).count();
        assert_eq!(with_area, 16);
    }

    #[test]
    fn typed_nulls_follow_the_column_type() {
        let r = Reading {
            infusion_id: 1,
            hours: Hours::new(2.5),
            reading: 10.0,
            background: None,
            measured_at: None,
        };
        let v = r.to_values();
        assert_eq!(v[2], Value::real(10.0));
        assert_eq!(v[3], Value::Real(None));
        assert_eq!(v[4], Value::Text(None));
        assert_eq!(Reading::from_values(&v).unwrap(), r);
        let s = StemCells {
            course_id: None,
            date: jiff::civil::date(2020, 1, 2),
            cd34_e6_per_kg: None,
        };
        assert_eq!(s.to_values()[0], Value::Int(None));
        assert_eq!(s.to_values()[2], Value::Real(None));
        let i = Infusion {
            course_id: 1,
            number: 1,
            date: jiff::civil::date(2020, 1, 2),
            activity_mbq: Activity::from_mbq(1.0),
            weight_kg: Mass::from_kg(1.0),
            prescribed_activity_mbq: None,
            start_at: None,
            end_at: None,
            assayed_mbq: None,
            assay_at: None,
            residual_mbq: None,
            residual_at: None,
        };
        assert_eq!(i.to_values()[5], Value::Real(None));
    }
}
