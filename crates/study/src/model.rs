//! The typed records of a study folder (one struct per CSV row).

use crate::config::EventType;
use jiff::civil::Date;
use mibg_units::{Activity, Hours, Length, Mass};
use serde::Serialize;

/// Sex as recorded in `patients.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Sex {
    /// Female (`F`).
    F,
    /// Male (`M`).
    M,
}

/// One row of `patients.csv`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Patient {
    /// Unique patient identifier (pseudonymous).
    pub id: String,
    /// Sex.
    pub sex: Sex,
    /// Date of birth, if given (age is then computed at the first infusion).
    pub birth_date: Option<Date>,
    /// Age in years at the first infusion, if given instead of a birth date.
    pub age_years: Option<f64>,
    /// Weight at enrolment.
    pub weight: Mass,
    /// Height at enrolment.
    pub height: Length,
    /// Treating centre.
    pub centre: String,
    /// Enrolment date (needed only for the `enrolment` survival origin).
    pub enrolment_date: Option<Date>,
    /// Row in `patients.csv`.
    pub row: u64,
}

/// One row of `infusions.csv`: an administered 131I-mIBG infusion.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Infusion {
    /// Patient identifier.
    pub patient: String,
    /// Infusion number (1 = first, 2 = second).
    pub number: u32,
    /// Date of the infusion.
    pub date: Date,
    /// Net administered activity: the `activity_mbq` column, or, when the
    /// hot-lab columns are given, the net activity computed from them by
    /// `mibg_dosimetry::administered::administered_activity` (the one rule;
    /// the loader calls it to validate the record).
    pub activity: Activity,
    /// The hot-lab record (`assayed_mbq`, `assay_time`, `start_time`,
    /// `residual_mbq`, `residual_time`), when given.
    pub hot_lab: Option<mibg_dosimetry::administered::HotLabRecord>,
    /// Start of the infusion (`start_time`), when given.
    pub start: Option<jiff::Timestamp>,
    /// End of the infusion (`end_time`), when given: t = 0 of the readings
    /// given with a clock `time`.
    pub end: Option<jiff::Timestamp>,
    /// Weight on the day of the infusion.
    pub weight: Mass,
    /// Row in `infusions.csv`.
    pub row: u64,
}

/// One row of `readings.csv`: a whole-body dose-rate reading after an
/// infusion. `reading` and `background` are in any unit proportional to the
/// whole-body activity (e.g. µSv/h at 1 m); only their ratios are used.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reading {
    /// Patient identifier.
    pub patient: String,
    /// Infusion number the reading follows.
    pub infusion: u32,
    /// Time after the end of the infusion (the `hours` column, or the
    /// `time` column minus the infusion's `end_time`).
    pub hours: Hours,
    /// The clock time of the reading, when given (`time` column).
    pub time: Option<jiff::Timestamp>,
    /// Reading (arbitrary proportional unit).
    pub reading: f64,
    /// Background in the same unit, if recorded.
    pub background: Option<f64>,
    /// Row in `readings.csv`.
    pub row: u64,
}

/// One row of `thyroid.csv`: a thyroid assessment (a TSH/FT4 measurement
/// or a clinical thyroid check). A survivor with at least one assessment
/// after the first infusion is in the denominator of the hypothyroidism
/// rate ("survivors with thyroid follow-up", docs/reference/toxicity.md §9;
/// De Ioris et al., ESMO Open 2025;10(4):104541: 6 of 14).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ThyroidAssessment {
    /// Patient identifier.
    pub patient: String,
    /// Date of the assessment.
    pub date: Date,
    /// TSH, mU/L (= µIU/mL), if measured.
    pub tsh_mu_per_l: Option<f64>,
    /// Free T4, pmol/L, if measured.
    pub ft4_pmol_per_l: Option<f64>,
    /// Row in `thyroid.csv`.
    pub row: u64,
}

/// One row of `stem_cells.csv`: an autologous stem-cell infusion (day 0).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StemCellInfusion {
    /// Patient identifier.
    pub patient: String,
    /// Date of the stem-cell infusion.
    pub date: Date,
    /// CD34+ cells infused, ×10⁶ per kg, if recorded.
    pub cd34_e6_per_kg: Option<f64>,
    /// Row in `stem_cells.csv`.
    pub row: u64,
}

/// One row of `therapies.csv`: a therapy given after the mIBG treatment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Therapy {
    /// Patient identifier.
    pub patient: String,
    /// Therapy code, lower-case (`gd2_car_t`, `busulfan_melphalan`, …).
    pub therapy: String,
    /// Start date.
    pub start_date: Date,
    /// Row in `therapies.csv`.
    pub row: u64,
}

/// Cause of death (`followup.csv` column `cause`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeathCause {
    /// Neuroblastoma.
    Disease,
    /// Treatment toxicity ("toxic death").
    Toxicity,
    /// Any other cause.
    Other,
    /// Not known.
    Unknown,
}

/// One row of `followup.csv`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FollowUpEvent {
    /// Patient identifier.
    pub patient: String,
    /// What happened.
    pub event: EventType,
    /// When.
    pub date: Date,
    /// Cause, for deaths.
    pub cause: Option<DeathCause>,
    /// Row in `followup.csv`.
    pub row: u64,
}

/// A dated record from a table this crate does not interpret itself
/// (laboratory values, adverse events, transfusions): enough to check the
/// patient and the chronology.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DatedRecord {
    /// File the record comes from (one of the format's file names: no
    /// string per row, the tables have a million rows).
    pub file: &'static str,
    /// Patient identifier.
    pub patient: String,
    /// Date of the record.
    pub date: Date,
    /// Row in the file.
    pub row: u64,
}

/// One row of `overrides.csv`: a named check of one patient's data that a
/// named person has checked and accepted (the `mibg dose --accept CHECK`
/// of the study folder). The report lists every override that was used.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Override {
    /// Patient identifier.
    pub patient: String,
    /// Name of the check (e.g. `infusion1-activity`, `weight-change`).
    pub check: String,
    /// Who checked the data and accepted it.
    pub accepted_by: String,
    /// Why (free text; optional).
    pub reason: String,
    /// Row in `overrides.csv`.
    pub row: u64,
}
