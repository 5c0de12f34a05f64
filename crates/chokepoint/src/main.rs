//! `chokepoint`: the command line. A thin shell over the module libraries: it parses
//! arguments, calls a library, formats the result. Exit codes: 0 success; 1 the command ran and
//! found what it was asked to fail on (e.g. `--fail-on-findings`); 2 usage or input error.

mod demo;
mod ui;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub use chokepoint_core::OutputFormat;

/// Options every subcommand understands.
#[derive(Debug, Clone, clap::Args)]
pub struct Global {
    /// The embedded database file.
    #[arg(
        long,
        global = true,
        env = "CHOKEPOINT_DB",
        default_value = "chokepoint.db"
    )]
    pub db: PathBuf,
    /// Output format: `text` for people, `json` for programs.
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub format: Format,
    /// More log output (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

impl From<Format> for OutputFormat {
    fn from(f: Format) -> Self {
        match f {
            Format::Text => OutputFormat::Text,
            Format::Json => OutputFormat::Json,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "chokepoint",
    version,
    about = "Enforce an AI lead in practice: distillation campaigns, threat-intel sharing, chip location, customer screening, export controls",
    after_help = "Examples:\n  chokepoint demo\n  chokepoint simulate traffic --out traffic.jsonl --labels labels.jsonl --scale small\n\nExit codes: 0 success, 1 findings with --fail-on-findings, 2 usage or input error."
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Make a work directory with simulated data and run every module on it.
    #[command(after_help = "Example:\n  chokepoint demo --dir demo-out")]
    Demo(demo::DemoArgs),
}

/// What a command asks the process to exit with, besides errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, nothing to fail on.
    Ok,
    /// Done, and found what `--fail-on-findings` asked to fail on.
    Findings,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout with exit 0 and usage errors with exit 2.
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    ui::init_logging(cli.global.verbose, cli.global.quiet);
    let result = match cli.command {
        Command::Demo(a) => demo::run(a, &cli.global),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
