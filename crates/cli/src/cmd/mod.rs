//! One module per subcommand: `Args` (clap) and `run`.

pub mod convert;
pub mod plan;
pub mod toxicity;
pub mod proportion;
pub mod survival;
