//! `chokepoint`: the command line. A thin shell over the module libraries: it parses
//! arguments, calls a library, formats the result. Exit codes: 0 success; 1 the command ran and
//! found what it was asked to fail on (e.g. `--fail-on-findings`); 2 usage or input error.

mod controls;
mod demo;
mod distill;
mod geoloc;
mod intel;
mod scenario;
mod screen;
mod serve;
mod simulate;
mod ui;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub use chokepoint_core::OutputFormat;

/// mimalloc instead of glibc malloc: the readers build millions of small strings across
/// threads, where glibc's allocator took a quarter of a scan's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Output format: `text` for people, `json` for programs (`simulate traffic` also takes
    /// `jsonl` or `parquet`: the encoding of the records it writes).
    #[arg(
        long = "format",
        id = "format",
        global = true,
        value_enum,
        default_value = "text"
    )]
    pub format_arg: FormatArg,
    /// The summary format, resolved from `--format` by [`Global::resolve`].
    #[arg(skip = Format::Text)]
    pub format: Format,
    /// More log output (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// `--format` values as typed. `jsonl` and `parquet` name a records encoding and are only
/// meaningful to `simulate traffic` (the issue's `simulate traffic --format jsonl|parquet`);
/// one flag with a wider value set avoids two clashing `--format` flags in clap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Text,
    Json,
    Jsonl,
    Parquet,
}

impl Global {
    /// Resolves `--format` for `command`: records encodings are refused outside
    /// `simulate traffic`, where the summary is then printed as text.
    fn resolve(mut self, command: &Command) -> anyhow::Result<Self> {
        let records_command = matches!(command, Command::Simulate(_));
        self.format = match self.format_arg {
            FormatArg::Json => Format::Json,
            FormatArg::Text => Format::Text,
            FormatArg::Jsonl | FormatArg::Parquet if records_command => Format::Text,
            FormatArg::Jsonl | FormatArg::Parquet => anyhow::bail!(
                "--format: `jsonl` and `parquet` are records encodings for `simulate traffic`; \
                 this command prints `text` or `json`"
            ),
        };
        Ok(self)
    }
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
    /// Export controls: 3A090/4A090 classification, licence determination, shipment-diversion red flags.
    #[command(
        after_help = "Example:\n  chokepoint controls classify --part H100-SXM\n  chokepoint controls license --eccn 3A090.a --destination MY\n  chokepoint controls shipments ledger.csv"
    )]
    Controls(controls::ControlsArgs),
    /// Find coordinated distillation campaigns in API traffic logs.
    #[command(
        subcommand,
        after_help = "Example:\n  chokepoint distill scan traffic.jsonl --out report.json"
    )]
    Distill(distill::DistillCommand),
    /// Share distillation indicators between labs: STIX 2.1 bundles, a TAXII 2.1 server and client, private matching.
    #[command(
        subcommand,
        after_help = "Example:\n  chokepoint intel export report.json --community-key-file community.key --out bundle.json"
    )]
    Intel(intel::IntelCommand),
    /// Simulate labelled inputs: API traffic with distillation campaigns and hard negatives.
    #[command(
        after_help = "Example:\n  chokepoint simulate traffic --out traffic.jsonl --labels labels.jsonl --scale small --seed 7"
    )]
    Simulate(simulate::SimulateArgs),
    /// Chip location verification: signed delay probes, feasible regions, fleet registry.
    #[command(
        after_help = "Example:\n  chokepoint geoloc solve --landmarks L.csv --measurements M.csv --claims C.csv --format json"
    )]
    Geoloc(geoloc::GeolocArgs),
    /// The 2028 scenario model: the lead in months under policy levers, with uncertainty.
    #[command(
        subcommand,
        after_help = "Example:\n  chokepoint scenario run --preset defend"
    )]
    Scenario(scenario::ScenarioCommand),
    /// Screen names and compute customers against denied-party lists, ownership chains and offshore-access red flags.
    #[command(
        subcommand,
        after_help = "Example:\n  chokepoint screen customers customers.csv --list consolidated.json --ownership edges.csv"
    )]
    Screen(screen::ScreenCommand),
    /// The analyst console: web UI, REST API (/api/v1), TAXII 2.1, /metrics, on the embedded database.
    #[command(
        after_help = "Example:\n  chokepoint serve user add alice --role admin < password.txt\n  chokepoint serve --listen 127.0.0.1:8080 --data-dir ."
    )]
    Serve(serve::ServeArgs),
}

/// What a command asks the process to exit with, besides errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, nothing to fail on.
    Ok,
    /// Done, and found what `--fail-on-findings` asked to fail on.
    Findings,
}

fn dispatch(command: Command, global: &Global) -> anyhow::Result<Outcome> {
    match command {
        Command::Demo(a) => demo::run(a, global),
        Command::Controls(a) => controls::run(a, global),
        Command::Distill(c) => distill::run(c, global),
        Command::Intel(c) => intel::run(c, global),
        Command::Geoloc(a) => geoloc::run(a, global),
        Command::Simulate(a) => simulate::run(a, global),
        Command::Scenario(c) => scenario::run(c, global),
        Command::Screen(c) => screen::run(c, global),
        Command::Serve(a) => serve::run(a, global),
    }
}

/// Parses and runs one command line in-process, exactly as if it had been typed (the demo
/// uses it to run every module with the same argument handling a user gets).
pub fn run_line(args: &[&str]) -> anyhow::Result<Outcome> {
    let cli = Cli::try_parse_from(std::iter::once("chokepoint").chain(args.iter().copied()))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let global = cli.global.resolve(&cli.command)?;
    dispatch(cli.command, &global)
}

/// Restores the default SIGPIPE action so that `chokepoint ... | head` ends quietly, as Unix
/// tools do, instead of panicking in `println!` on a closed pipe (Rust ignores SIGPIPE).
fn die_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any thread exists; SIG_DFL is a valid action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    die_quietly_on_closed_pipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout with exit 0 and usage errors with exit 2.
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    ui::init_logging(cli.global.verbose, cli.global.quiet);
    let result = cli
        .global
        .resolve(&cli.command)
        .and_then(|global| dispatch(cli.command, &global));
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every command, at every depth, shows an example in `--help` (the project's rule).
    #[test]
    fn every_command_has_an_example() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", cmd.get_name());
            let help = cmd
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            if !help.contains("Example") {
                missing.push(path.clone());
            }
            for sub in cmd.get_subcommands() {
                if sub.get_name() != "help" {
                    walk(sub, &path, missing);
                }
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "", &mut missing);
        assert!(missing.is_empty(), "no example in --help: {missing:?}");
    }

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn records_encodings_are_refused_outside_simulate() {
        let err = run_line(&["distill", "scan", "x.jsonl", "--format", "parquet"]).unwrap_err();
        assert!(err.to_string().contains("records encodings"), "{err}");
    }
}
