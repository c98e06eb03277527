//! Cohort outcome statistics for mibg: confidence intervals for proportions,
//! Kaplan–Meier estimation (Greenwood variance, plain/log/log-log intervals,
//! landmarks, medians, reverse-KM follow-up), the k-group log-rank test, Cox
//! proportional hazards, Harrell's C and descriptive summaries.
//!
//! Formulas and conventions follow `docs/reference/statistics.md` (cited as
//! "docs/reference/statistics.md §x"); every estimator is validated against R `survival`
//! golden outputs committed under `tests/data/stats/`.
//!
//! Survival times are in the unit of the user's time column (days, weeks,
//! months …), carried as [`time::SurvTime`]. This crate does no I/O.

mod beta;
pub mod concordance;
pub mod conf;
pub mod cox;
pub mod descriptive;
pub mod design;
pub mod km;
pub mod logrank;
pub mod proportion;
pub mod survdata;
pub mod time;
