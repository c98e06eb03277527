//! Fuzzing as a standing tool (issue 9, item 7): structured mutation of
//! the bundled input files against every parser of the workspace (in
//! process) and every command that reads input (the real `mibg` binary, in
//! a temporary folder per input).
//!
//! No coverage-guided engine runs on the stable toolchain (cargo-fuzz and
//! libFuzzer need nightly's `-Z sanitizer`), so the engine is a
//! deterministic mutator ([`mutate`]: the slips people make — digits,
//! decimal points, unit factors, columns swapped, duplicated or dropped,
//! delimiters, BOM/CRLF, truncation, huge fields, NaN/inf/1e308, dates —
//! plus byte edits) guided by behaviour: an input that reaches a new
//! behaviour class (accepted, or refused with a new normalised message) is
//! kept as a parent ([`campaign`]). The classes reached are the coverage
//! measure. Property-based generators (proptest) complement it in the
//! crate's tests.
//!
//! The binary `mibg-fuzz` runs a campaign and prints its report; the test
//! `tests/slice.rs` runs a short deterministic slice in CI.

pub mod campaign;
pub mod case;
pub mod cli;
pub mod mutate;
pub mod process;
pub mod targets;

pub use campaign::{Config, Kind, Outcome, Target, TargetReport};
pub use case::Case;
