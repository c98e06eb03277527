//! Tumour response of neuroblastoma after 131I-mIBG therapy: the SIOPEN and
//! Curie semi-quantitative MIBG scores, the revised International
//! Neuroblastoma Response Criteria (INRC 2017) and the original INRC 1993,
//! with a rule trace that a clinician can check, best overall response across
//! a patient's assessments, and the per-patient endpoints of the seed study.
//!
//! The rules, their sources and status markers are in
//! `docs/reference/response.md`; section numbers (§) in the documentation
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
//! The study pipeline builds records directly in Rust (every field is public;
//! `None` in a section means "not assessed"):
//!
//! ```
//! use mibg_response::record::*;
//! use mibg_response::score::{MibgMethod, MibgScore, Tracer};
//! use mibg_response::inrc2017::{self, ComponentResponse, Inrc2017Options, OverallResponse2017};
//!
//! let siopen = |list: &str| Some(Bone::Mibg {
//!     tracer: Tracer::I123,
//!     score: MibgScore::parse_list(MibgMethod::Siopen, list).unwrap(),
//! });
//! let mut baseline = Assessment::new("2024-01-10".parse().unwrap());
//! baseline.primary = Some(Primary::None);
//! baseline.soft_tissue = Some(SoftTissue { targets: vec![], non_target: NonTarget::None,
//!     uptake: Uptake::Absent, residual_biopsy_negative: false });
//! baseline.bone = siopen("2,2,0,0,0,0,3,3,0,0,0,0"); // 10
//! let mut fu = Assessment { date: "2024-04-10".parse().unwrap(), ..baseline.clone() };
//! fu.bone = siopen("1,1,0,0,0,0,2,1,0,0,0,0"); // 5: relative score 0.5
//! let rec = PatientRecord { patient: "P1".into(), baseline, follow_ups: vec![fu] };
//! let a = &inrc2017::assess(&rec, &Inrc2017Options::default()).unwrap()[0];
//! assert_eq!(a.metastatic.response, ComponentResponse::PR);
//! // Marrow was not assessed: NE, and the overall response is NE (never imputed).
//! assert_eq!(a.overall, OverallResponse2017::NE);
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
mod wire;
