//! Input records: what the study pipeline (or the CSV parsers) hand in.

use crate::ctcae::{CtcaeVersion, Grade, Term};
use crate::decimal::Decimal;
use crate::labunits::{LabTest, LabUnit};
use jiff::civil::Date;
use serde::Serialize;
use std::sync::Arc;

/// Where a record came from, for messages ("labs.csv line 12").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// Source label (file name), shared by every record of the source (a
    /// labs file has a million rows: one string, not one per row).
    #[serde(serialize_with = "label")]
    pub source: Arc<str>,
    /// Physical line of the record in the source, as a text editor numbers
    /// it (serialised as `row`).
    pub row: u64,
}

fn label<S: serde::Serializer>(source: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(source)
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} line {}", self.source, self.row)
    }
}

/// One laboratory result with its own reference range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LabResult {
    /// Patient identifier (shared by the consecutive rows of one patient
    /// that a labs file has: one string, not one per row).
    #[serde(serialize_with = "label")]
    pub patient: Arc<str>,
    /// Date of sampling.
    pub date: Date,
    /// Test.
    pub test: LabTest,
    /// Value, exact (8 bytes: [`Decimal`]; the rules compute with its
    /// [`crate::Exact`]).
    pub value: Decimal,
    /// Unit of `value`, `lln` and `uln`.
    pub unit: LabUnit,
    /// Lower limit of normal of this result's (age-specific) reference range.
    pub lln: Option<Decimal>,
    /// Upper limit of normal of this result's (age-specific) reference range.
    pub uln: Option<Decimal>,
    /// `true` when this result is the patient's designated baseline of the test
    /// (it is then used as the reference and not graded as toxicity).
    pub baseline: bool,
    /// Where it came from (if from a file).
    pub origin: Option<Origin>,
}

/// An adverse event entered with its grade (clinical judgement).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdverseEvent {
    /// Patient identifier.
    pub patient: String,
    /// Onset date.
    pub date: Date,
    /// CTCAE term.
    pub term: Term,
    /// Grade as entered.
    pub grade: Grade,
    /// CTCAE version the grade was assigned in.
    pub ctcae_version: CtcaeVersion,
    /// Where it came from (if from a file).
    pub origin: Option<Origin>,
}

/// A blood product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Product {
    /// Platelet concentrate.
    Platelets,
    /// Red blood cells (packed red cells).
    RedCells,
}

impl Product {
    /// Parses `platelets`/`plt` or `red_cells`/`rbc`/`prbc` (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        match text
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
            .as_str()
        {
            "platelets" | "plt" | "platelet" => Some(Product::Platelets),
            "red_cells" | "rbc" | "prbc" | "red_blood_cells" => Some(Product::RedCells),
            _ => None,
        }
    }
}

/// One transfusion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Transfusion {
    /// Patient identifier.
    pub patient: String,
    /// Date given.
    pub date: Date,
    /// Product.
    pub product: Product,
    /// Where it came from (if from a file).
    pub origin: Option<Origin>,
}

/// A patient's treatment dates that define the window and the engraftment episodes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// Patient identifier.
    pub patient: String,
    /// Date of the first 131I-mIBG infusion (start of the toxicity window).
    pub window_start: Option<Date>,
    /// Dates of the stem-cell infusions (day 0 of each engraftment episode).
    pub stem_cells: Vec<Date>,
}

/// Everything the toxicity analysis reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ToxicityInput {
    /// Laboratory results (several patients).
    pub labs: Vec<LabResult>,
    /// Adverse events entered with their grade.
    pub events: Vec<AdverseEvent>,
    /// Transfusions.
    pub transfusions: Vec<Transfusion>,
    /// Treatment dates per patient.
    pub schedules: Vec<Schedule>,
}

#[cfg(all(test, target_pointer_width = "64"))]
mod tests {
    /// A labs file has a million rows: a row is 72 bytes (two shared
    /// strings, the date, three 8-byte exact decimals, the line), not the
    /// 144 of three `Exact` fractions.
    #[test]
    fn a_lab_row_is_72_bytes() {
        assert_eq!(std::mem::size_of::<super::LabResult>(), 72);
    }
}
