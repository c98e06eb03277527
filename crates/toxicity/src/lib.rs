//! CTCAE grading of laboratory values and adverse events, nadirs and
//! haematopoietic recovery after stem-cell rescue, for 131I-mIBG therapy.
//!
//! One job: turn laboratory results, adverse events entered with their grade,
//! transfusions and the treatment dates of a cohort into CTCAE grades (each
//! carrying its CTCAE version), per-patient worst grades over a window,
//! nadirs, grade-4 days, engraftment per stem-cell infusion, and the cohort
//! table of worst grades. Reference: `toxicity.md` of the project's domain
//! notes (cited by section throughout).
//!
//! * [`ctcae`]: versions, terms, grades and the grading tables as data
//!   (v5.0 ships; v4.03/v6.0 are added as new tables, never by regrading).
//! * [`grading`]: one value → one grade, exact comparisons ([`exact`]).
//! * [`labunits`]: tests, units and exact conversions with sources.
//! * [`engraftment`]: neutrophil and platelet recovery (CIBMTR), graft failure.
//! * [`analysis`]: the per-patient and cohort analysis ([`analyse`]).
//! * [`csv_input`]: parsing the labs/events/transfusions CSV files from text.
//!
//! The crate does no I/O: CSV is parsed from `&str` with a source label.

pub mod analysis;
pub mod csv_input;
pub mod ctcae;
pub mod engraftment;
pub mod exact;
pub mod grading;
pub mod labunits;
pub mod records;

pub use analysis::{AnalysisError, CohortReport, Options, analyse};
pub use ctcae::{CtcaeVersion, Grade, Term};
pub use exact::Exact;
pub use grading::{BaselineEdge, CreatinineBaseline, GradingOptions, grade_lab};
pub use labunits::{CellCount, LabTest, LabUnit};
pub use records::{AdverseEvent, LabResult, Product, Schedule, ToxicityInput, Transfusion};
