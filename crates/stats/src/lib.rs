//! Cohort outcome statistics for mibg: the exact, fast survival and proportion
//! methods the study statistician needs to reproduce published tables,
//! validated against R `survival` and lifelines (domain notes:
//! `statistics.md`). Pure computation: no I/O.

pub mod concordance;
pub mod cox;
