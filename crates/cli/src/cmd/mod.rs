//! One module per subcommand: `Args` (clap) and `run`.

pub mod convert;
pub mod db;
pub mod design;
pub mod dose;
pub mod plan;
pub mod proportion;
pub mod response;
pub mod score;
pub mod serve;
pub mod study;
pub mod survival;
pub mod toxicity;
pub mod user;
