//! CTCAE grading of laboratory values and adverse events, nadirs and
//! haematopoietic recovery after stem-cell rescue, for 131I-mIBG therapy.
//!
//! One job: turn laboratory results, adverse events entered with their grade,
//! transfusions and the treatment dates of a cohort into CTCAE grades (each
//! carrying its CTCAE version), per-patient worst grades over a window,
//! nadirs, grade-4 days, engraftment per stem-cell infusion, and the cohort
//! table of worst grades. Reference:
//! `docs/reference/toxicity.md` (cited by section throughout).
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
//!
//! # Example: the API the study pipeline calls
//!
//! ```
//! use jiff::civil::date;
//! use mibg_toxicity::*;
//!
//! let anc = |d, v: &str| LabResult {
//!     patient: "P1".into(),
//!     date: d,
//!     test: LabTest::Neutrophils,
//!     value: Decimal::parse_decimal(v).unwrap(),
//!     unit: LabUnit::GigaPerLitre,
//!     lln: Some(Decimal::parse_decimal("1.5").unwrap()),
//!     uln: None,
//!     baseline: false,
//!     origin: None,
//! };
//! let input = ToxicityInput {
//!     labs: vec![
//!         anc(date(2025, 1, 5), "0.0"),   // day +4: grade 4 (<0.5)
//!         anc(date(2025, 1, 13), "0.6"),  // day +12
//!         anc(date(2025, 1, 14), "0.9"),
//!         anc(date(2025, 1, 15), "1.6"),
//!     ],
//!     schedules: vec![Schedule {
//!         patient: "P1".into(),
//!         window_start: Some(date(2024, 12, 20)),
//!         stem_cells: vec![date(2025, 1, 1)],
//!     }],
//!     ..Default::default()
//! };
//! let report = analyse(&input, &Options::default()).unwrap();
//! let p = &report.patients[0];
//! assert_eq!(p.worst[0].grade, Grade::G4);
//! assert_eq!(p.worst[0].ctcae_version, CtcaeVersion::V5_0);
//! // ANC recovery: first of three values >= 0.5 after the nadir, day +12.
//! assert_eq!(
//!     p.engraftment[0].neutrophils,
//!     engraftment::Recovery::Recovered { date: date(2025, 1, 13), day: 12 }
//! );
//! ```

pub mod analysis;
pub mod csv_input;
pub mod ctcae;
pub mod decimal;
pub mod engraftment;
pub mod exact;
pub mod grading;
pub mod labunits;
pub mod records;

pub use analysis::{AnalysisError, CohortReport, Options, analyse};
pub use ctcae::{CtcaeVersion, Grade, Term};
pub use decimal::Decimal;
pub use exact::Exact;
pub use grading::{BaselineEdge, CreatinineBaseline, GradingOptions, grade_lab};
pub use labunits::{CellCount, LabTest, LabUnit};
pub use records::{AdverseEvent, LabResult, Product, Schedule, ToxicityInput, Transfusion};
