//! Tumour response of neuroblastoma after 131I-mIBG therapy: the SIOPEN and
//! Curie semi-quantitative MIBG scores, the revised International
//! Neuroblastoma Response Criteria (INRC 2017) and the original INRC 1993,
//! with a rule trace that a clinician can check, best overall response across
//! a patient's assessments, and the per-patient endpoints of the seed study.
//!
//! The rules, their sources and status markers are in
//! `shared/domain/response.md`; section numbers (§) in the documentation
//! refer to it. Where the published tables have gaps, the documented default
//! is applied, the alternative is a field of [`inrc2017::Inrc2017Options`],
//! and every result lists the gaps it hit.
//!
//! ```
//! use mibg_response::*;
//! let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
//!     "/../../examples/response/patient.toml")).unwrap();
//! let rec = input::parse(&text, "patient.toml", input::Format::Toml).unwrap();
//! let report = series::report_2017(&rec, &Default::default(), &Default::default()).unwrap();
//! assert_eq!(report.assessments[0].overall, inrc2017::OverallResponse2017::PR);
//! ```
//!
//! This crate does no I/O: it parses text handed to it (with a source label
//! for error messages) and returns values.

pub mod input;
pub mod inrc1993;
pub mod inrc2017;
pub mod record;
pub mod score;
pub mod series;
