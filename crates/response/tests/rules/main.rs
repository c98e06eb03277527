//! Rule tests added for mutation testing (issue 16), one test binary so that
//! each mutant links one test executable more, not six: every expected value
//! is derived by hand from docs/reference/response.md and cited per test.

#[path = "../common/mod.rs"]
mod common;

mod input_and_wire;
mod inrc1993_rules;
mod inrc2017_traces;
mod record_validation;
mod score_names;
mod series_rules;
