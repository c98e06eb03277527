//! `mibg`: the command line of mibg.
//!
//! Every subcommand lives in `cmd/<name>.rs` as a `clap::Args` struct and a
//! `run` function. This file only dispatches. Conventions shared by all
//! commands (see ARCHITECTURE.md):
//!
//! * input errors name the file, row and field and the rule broken, and exit
//!   with status 1 (usage errors from clap exit with 2);
//! * nothing is printed to stdout and no file is written until the whole
//!   computation has succeeded ([`output::write_atomically`]);
//! * `--json` prints exactly one JSON document on stdout;
//! * a closed stdout (`mibg … | head`) ends the command quietly with status
//!   141, as a Unix tool ended by SIGPIPE; nothing writes with `println!` or
//!   `eprintln!` (they panic on a closed pipe), see [`output`].
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod cmd;
mod document;
mod output;

use clap::{CommandFactory, FromArgMatches, Subcommand};
use std::io::Write;
use std::process::ExitCode;

/// Dosimetry-guided 131I-mIBG therapy for neuroblastoma: prescription,
/// whole-body dosimetry, response, toxicity and outcome statistics.
#[derive(clap::Parser, Debug)]
#[command(name = "mibg", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Convert an activity between MBq, GBq and mCi (1 mCi = 37 MBq).
    Convert(cmd::convert::Args),
    /// A study folder: validate it, or compute the cohort report.
    Study(cmd::study::Args),
    /// INRC 2017 (or 1993) response of one patient's assessments, with a rule trace.
    Response(Box<cmd::response::Args>),
    /// SIOPEN or Curie MIBG score total from segment scores, validated.
    Score(cmd::score::Args),
    /// CTCAE v5.0 toxicity grading, nadirs, engraftment and the cohort table.
    Toxicity(cmd::toxicity::Args),
    /// Run the whole study workflow on the bundled synthetic seed study and
    /// write its report.
    Demo(cmd::study::DemoArgs),
    /// Plan a course: infusion-1 activity, BSA and melphalan dose, schedule.
    Plan(cmd::plan::Args),
    /// Whole-body dosimetry of infusion 1 and the second activity for the target dose.
    Dose(Box<cmd::dose::Args>),
    /// Kaplan–Meier curves, landmarks, medians, log-rank from a CSV of times and events.
    Survival(cmd::survival::Args),
    /// A proportion x/n with its confidence interval(s) (Clopper–Pearson, Wilson, Wald, …).
    Proportion(cmd::proportion::Args),
    /// The typst templates of the PDF documents: export them for a centre's letterhead.
    Templates(document::TemplatesArgs),
    /// The registry database: init, import/export study folders, verify the audit trail, backup/restore.
    Db(cmd::db::Args),
    /// Registry accounts: add, disable, list.
    User(cmd::user::Args),
    /// Registry centres: add, list.
    Centre(cmd::db::CentreArgs),
    /// The web application on a registry database (`--demo`: a throw-away
    /// database with the synthetic seed study and demo accounts).
    Serve(cmd::serve::Args),
    /// Sample size for the next study: Simon two-stage, exact single-stage,
    /// survival events and patients.
    Design(cmd::design::Args),
}

fn main() -> ExitCode {
    let matches = allow_negative_numbers(Cli::command()).get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let mut stdout = std::io::stdout().lock();
    let result = run(&cli, &mut stdout).and_then(|()| Ok(stdout.flush()?));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if output::is_broken_pipe(&e) => ExitCode::from(output::BROKEN_PIPE_STATUS),
        Err(e) => {
            output::report_error(&e);
            ExitCode::FAILURE
        }
    }
}

/// Lets every option and argument that takes a value take a negative
/// number (`--weight-kg -20` reached clap as an unknown flag `-2`): the
/// value then reaches its parser, which accepts it where a negative value
/// means something and otherwise refuses it naming the option and the rule
/// (`args.rs`).
fn allow_negative_numbers(cmd: clap::Command) -> clap::Command {
    cmd.mut_args(|a| {
        if a.get_action().takes_values() {
            a.allow_negative_numbers(true)
        } else {
            a
        }
    })
    .mut_subcommands(allow_negative_numbers)
}

fn run(cli: &Cli, stdout: &mut dyn Write) -> anyhow::Result<()> {
    match &cli.command {
        Command::Convert(args) => cmd::convert::run(args, stdout),
        Command::Study(args) => cmd::study::run(args, stdout),
        Command::Response(args) => cmd::response::run(args, stdout),
        Command::Score(args) => cmd::score::run(args, stdout),
        Command::Toxicity(args) => cmd::toxicity::run(args, stdout),
        Command::Demo(args) => cmd::study::run_demo(args, stdout),
        Command::Plan(args) => cmd::plan::run(args, stdout),
        Command::Dose(args) => cmd::dose::run(args, stdout),
        Command::Survival(args) => cmd::survival::run(args, stdout),
        Command::Proportion(args) => cmd::proportion::run(args, stdout),
        Command::Templates(args) => document::run_templates(args, stdout),
        Command::Db(args) => cmd::db::run(args, stdout),
        Command::User(args) => cmd::user::run(args, stdout),
        Command::Centre(args) => cmd::db::run_centre(args, stdout),
        Command::Serve(args) => cmd::serve::run(args, stdout),
        Command::Design(args) => cmd::design::run(args, stdout),
    }
}
