//! The study-folder format: a folder of CSV files (plus `study.toml` and
//! one response-assessment file per patient) → validated, typed cohort
//! data. The per-patient computations and the cohort report are the
//! clinical acts of `mibg-clinic` (`mibg_clinic::cohort`), which calls this
//! crate to read and check the folder.
//!
//! This crate does no I/O: the caller hands it the text of each file with
//! its path relative to the study folder ([`StudyInput`]); every problem it
//! finds names the file, the physical line (as a text editor numbers it),
//! the column or field and the rule broken ([`Problem`]). Validation never stops at the first
//! problem.
//!
//! The data dictionary of the folder format is in the repository README
//! (section "mibg study").

pub mod config;
pub mod domain;
pub mod load;
pub mod model;
pub mod problem;
mod table;
pub mod validate;

pub use config::StudyConfig;
pub use load::{StudyData, StudyInput};
pub use problem::{Problem, ProblemKind, Problems};
pub use table::{days_between, parse_date};
pub use validate::{Validated, validate, validate_owned};
