//! `chokepoint simulate`: simulated, labelled inputs for the other modules.

use crate::ui::{AtomicFile, Bar};
use crate::{Format, FormatArg, Global, Outcome};
use chokepoint_sim::traffic::{self, Scale, TrafficConfig};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    #[command(subcommand)]
    pub what: SimulateCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum SimulateCommand {
    /// API traffic (specs/api-log.md) with labelled distillation campaigns and hard negatives.
    #[command(
        after_help = "Example:\n  chokepoint simulate traffic --out traffic.jsonl --labels labels.jsonl --scale small --seed 7\n  chokepoint simulate traffic --out traffic.parquet --format parquet --scale medium --labels labels.jsonl"
    )]
    Traffic(TrafficArgs),
}

/// Record file encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RecordFormat {
    Jsonl,
    Parquet,
}

impl RecordFormat {
    fn name(self) -> &'static str {
        match self {
            RecordFormat::Jsonl => "jsonl",
            RecordFormat::Parquet => "parquet",
        }
    }
}

/// `--scale` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScaleArg {
    /// about 100k records over 14 days
    Small,
    /// about 2M records over 14 days
    Medium,
    /// about 16M records over 14 days
    Large,
}

#[derive(Debug, clap::Args)]
pub struct TrafficArgs {
    /// Where to write the records.
    #[arg(long)]
    pub out: PathBuf,
    /// Where to write one label line per account.
    #[arg(long)]
    pub labels: PathBuf,
    /// Encoding of the records file when `--format` is not `jsonl` or `parquet` (default: from
    /// the extension of --out, else jsonl). `--format jsonl|parquet` is the usual spelling.
    #[arg(long = "records-format", alias = "encoding", value_enum)]
    pub records_format: Option<RecordFormat>,
    /// Dataset size.
    #[arg(long, value_enum, default_value = "small")]
    pub scale: ScaleArg,
    /// Seed; the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Start of the simulated period (RFC 3339).
    #[arg(long, value_parser = parse_start)]
    pub start: Option<chrono::DateTime<chrono::Utc>>,
    /// Length of the period in days (volume scales with it).
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub days: u32,
}

fn parse_start(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chokepoint_core::parse_rfc3339(s)
}

pub fn run(args: SimulateArgs, global: &Global) -> anyhow::Result<Outcome> {
    match args.what {
        SimulateCommand::Traffic(a) => run_traffic(a, global),
    }
}

fn run_traffic(a: TrafficArgs, global: &Global) -> anyhow::Result<Outcome> {
    let mut cfg = TrafficConfig {
        seed: a.seed,
        scale: match a.scale {
            ScaleArg::Small => Scale::Small,
            ScaleArg::Medium => Scale::Medium,
            ScaleArg::Large => Scale::Large,
        },
        days: a.days,
        ..TrafficConfig::default()
    };
    if let Some(start) = a.start {
        cfg.start = start;
    }
    let from_flag = match global.format_arg {
        FormatArg::Jsonl => Some(RecordFormat::Jsonl),
        FormatArg::Parquet => Some(RecordFormat::Parquet),
        FormatArg::Text | FormatArg::Json => None,
    };
    if let (Some(a), Some(b)) = (from_flag, a.records_format) {
        if a != b {
            anyhow::bail!(
                "--format {} and --records-format {} disagree",
                a.name(),
                b.name()
            );
        }
    }
    let format = from_flag.or(a.records_format).unwrap_or_else(|| {
        if a.out
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
        {
            RecordFormat::Parquet
        } else {
            RecordFormat::Jsonl
        }
    });
    let (rec_file, rec) =
        AtomicFile::create(&a.out).map_err(|e| anyhow::anyhow!("--out: {e:#}"))?;
    let (lab_file, mut lab) =
        AtomicFile::create(&a.labels).map_err(|e| anyhow::anyhow!("--labels: {e:#}"))?;
    let bar = Bar::new(global.quiet);
    let summary = match format {
        RecordFormat::Jsonl => {
            let mut rec = rec;
            traffic::write_jsonl(&cfg, &mut rec, &mut lab, &bar)?
        }
        RecordFormat::Parquet => traffic::write_parquet(&cfg, rec, &mut lab, &bar)?,
    };
    rec_file.commit()?;
    lab_file.commit()?;
    match global.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&summary)?),
        Format::Text => {
            println!(
                "wrote {} records from {} accounts ({} attack accounts, {} attack records) to {}",
                summary.records,
                summary.accounts,
                summary.attack_accounts,
                summary.attack_records,
                a.out.display()
            );
            println!("labels: {}", a.labels.display());
            println!(
                "period: {} .. {}; {} released {}",
                summary.start, summary.end, summary.new_model, summary.new_model_release
            );
            for p in &summary.populations {
                println!(
                    "  {:<18} {:<6} {:>7} accounts {:>10} records",
                    p.population, p.label, p.accounts, p.records
                );
            }
        }
    }
    Ok(Outcome::Ok)
}
