//! `chokepoint distill`: scan API logs for distillation campaigns, evaluate, map/reduce.

use crate::ui::{AtomicFile, Bar};
use crate::{Format, Global, Outcome};
use anyhow::Context;
use chokepoint_distill::{eval, profiles_file, Config, Report, ScanOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Subcommand)]
pub enum DistillCommand {
    /// Scan API logs (JSONL[.gz|.zst], CSV, Parquet, `-` for stdin) and report campaigns.
    #[command(
        after_help = "Example:\n  chokepoint distill scan traffic.jsonl.zst --out report.json --fail-on-findings"
    )]
    Scan(ScanArgs),
    /// The map step: profile one shard of logs into a profiles file.
    #[command(
        after_help = "Example:\n  chokepoint distill profile part-0003.parquet --out part-0003.profiles"
    )]
    Profile(ProfileArgs),
    /// The reduce step: merge profiles files, link and score: the same report as one scan.
    #[command(
        after_help = "Example:\n  chokepoint distill link shard-*.profiles --out report.json"
    )]
    Link(LinkArgs),
    /// Compare a report with ground-truth labels: precision, recall, campaign purity.
    #[command(
        after_help = "Example:\n  chokepoint distill eval --report report.json --labels labels.jsonl --format json"
    )]
    Eval(EvalArgs),
    /// Print the default configuration (TOML), to copy and edit for --config.
    #[command(after_help = "Example:\n  chokepoint distill config > distill.toml")]
    Config,
}

#[derive(Debug, clap::Args)]
pub struct Tuning {
    /// Flag threshold in [0, 1] (overrides the configuration file).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// TOML file with weights and thresholds (see `chokepoint distill config`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Stop at the first bad record instead of counting and skipping it.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AccountsShown {
    Flagged,
    All,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Where to write the report (JSON, `specs/distill-report.md`); stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Which accounts the report lists.
    #[arg(long, value_enum, default_value = "flagged")]
    pub accounts: AccountsShown,
    /// Exit with 1 when any campaign is flagged.
    #[arg(long)]
    pub fail_on_findings: bool,
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Input files; `-` reads JSON lines from stdin.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub tuning: Tuning,
}

#[derive(Debug, clap::Args)]
pub struct ProfileArgs {
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The profiles file to write.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub tuning: Tuning,
}

#[derive(Debug, clap::Args)]
pub struct LinkArgs {
    /// Profiles files written by `distill profile`.
    #[arg(required = true)]
    pub profiles: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub tuning: Tuning,
}

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// A scan report.
    #[arg(long)]
    pub report: PathBuf,
    /// Labels (JSON lines: account_id, label, campaign, population).
    #[arg(long)]
    pub labels: PathBuf,
}

fn options(t: &Tuning, accounts: AccountsShown) -> anyhow::Result<ScanOptions> {
    let mut config: Config = match &t.config {
        Some(p) => chokepoint_core::config::load_toml(p)?,
        None => Config::default(),
    };
    if let Some(th) = t.threshold {
        config.threshold = th;
    }
    config.validate().map_err(|e| {
        anyhow::anyhow!(
            "{}: {e}",
            t.config
                .as_deref()
                .map_or("--threshold".into(), |p| p.display().to_string())
        )
    })?;
    Ok(ScanOptions {
        config,
        strict: t.strict,
        all_accounts: accounts == AccountsShown::All,
    })
}

fn check_inputs(inputs: &[PathBuf]) -> anyhow::Result<()> {
    for p in inputs {
        if p.as_os_str() != "-" && !p.is_file() {
            anyhow::bail!("{}: no such file", p.display());
        }
    }
    Ok(())
}

pub fn run(cmd: DistillCommand, global: &Global) -> anyhow::Result<Outcome> {
    match cmd {
        DistillCommand::Scan(a) => {
            check_inputs(&a.inputs)?;
            let opts = options(&a.tuning, a.report.accounts)?;
            let bar = Bar::new(global.quiet);
            let report = chokepoint_distill::scan(&a.inputs, &opts, &bar)?;
            emit(&report, &a.report, global)
        }
        DistillCommand::Profile(a) => {
            check_inputs(&a.inputs)?;
            let opts = options(&a.tuning, AccountsShown::Flagged)?;
            let bar = Bar::new(global.quiet);
            let set = chokepoint_distill::profile_inputs(&a.inputs, &opts, &bar)?;
            let (tmp, file) = AtomicFile::create(&a.out)?;
            profiles_file::write(&set, &opts.config.profile, std::io::BufWriter::new(file))?;
            tmp.commit()?;
            if !global.quiet {
                eprintln!(
                    "profiled {} records ({} bad) of {} accounts into {}",
                    set.stats.records,
                    set.stats.bad_records,
                    set.profiles.len(),
                    a.out.display()
                );
            }
            input_faults(&set.stats.input_errors)
        }
        DistillCommand::Link(a) => {
            let opts = options(&a.tuning, a.report.accounts)?;
            let started = std::time::Instant::now();
            let mut set = chokepoint_distill::ProfileSet::default();
            for p in &a.profiles {
                let part = profiles_file::read(p, &opts.config.profile)?;
                set.merge(part, &opts.config.profile);
            }
            let bar = Bar::new(global.quiet);
            let mut report = chokepoint_distill::link_and_score(set, &opts, &bar);
            report.stats.seconds = started.elapsed().as_secs_f64();
            emit(&report, &a.report, global)
        }
        DistillCommand::Eval(a) => {
            let text = std::fs::read_to_string(&a.report)
                .with_context(|| format!("{}", a.report.display()))?;
            let report: Report = serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "{}:line {}: not a scan report ({e})",
                    a.report.display(),
                    e.line()
                )
            })?;
            let labels = eval::read_labels(&a.labels).map_err(anyhow::Error::msg)?;
            let ev = eval::evaluate(&report, &labels);
            if global.format == Format::Json {
                println!("{}", serde_json::to_string_pretty(&ev)?);
            } else {
                print_eval(&ev);
            }
            Ok(Outcome::Ok)
        }
        DistillCommand::Config => {
            print!("{}", Config::default_toml());
            Ok(Outcome::Ok)
        }
    }
}

fn input_faults(errors: &[String]) -> anyhow::Result<Outcome> {
    if let Some(first) = errors.first() {
        anyhow::bail!("input ended early (everything before the fault was kept): {first}");
    }
    Ok(Outcome::Ok)
}

fn emit(report: &Report, args: &ReportArgs, global: &Global) -> anyhow::Result<Outcome> {
    let json = serde_json::to_string_pretty(report)?;
    match &args.out {
        Some(path) => {
            write_atomic(path, json.as_bytes())?;
            if global.format == Format::Json {
                println!("{}", serde_json::to_string(&report.stats)?);
            } else if !global.quiet {
                print_summary(report);
                println!("report: {}", path.display());
            }
        }
        None => println!("{json}"),
    }
    for b in report.stats.bad_record_samples.iter().take(5) {
        eprintln!("bad record: {b}");
    }
    if report.stats.bad_records > 0 {
        eprintln!("{} bad record(s) skipped", report.stats.bad_records);
    }
    input_faults(&report.stats.input_errors)?;
    Ok(if args.fail_on_findings && !report.campaigns.is_empty() {
        Outcome::Findings
    } else {
        Outcome::Ok
    })
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let (tmp, mut file) = AtomicFile::create(path)?;
    file.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    file.sync_all().ok();
    tmp.commit()
}

/// A short human summary of a report.
pub fn print_summary(r: &Report) {
    let s = &r.stats;
    println!(
        "{} records ({} bad), {} accounts, {} flagged in {} campaign(s), {:.1}s",
        s.records, s.bad_records, s.accounts, s.flagged_accounts, s.campaigns, s.seconds
    );
    for c in r.campaigns.iter().take(10) {
        let caps: Vec<String> = c
            .capabilities
            .iter()
            .filter(|(_, v)| **v >= 0.1)
            .map(|(k, v)| format!("{k} {:.0}%", v * 100.0))
            .collect();
        println!(
            "  {} score {:.2}: {} accounts, {} records ({})",
            c.id,
            c.score,
            c.accounts.len(),
            c.records,
            caps.join(", ")
        );
        for e in c.evidence.iter().take(4) {
            println!("      - {e}");
        }
    }
}

fn print_eval(e: &eval::Evaluation) {
    println!(
        "accounts {} (attack {}), flagged {}",
        e.accounts, e.attack_accounts, e.flagged
    );
    println!(
        "precision {:.4}  recall {:.4}  F1 {:.4}",
        e.precision, e.recall, e.f1
    );
    println!(
        "campaign purity {:.4}  completeness {:.4}",
        e.campaign_purity, e.campaign_completeness
    );
    for (c, r) in &e.recall_by_campaign {
        println!(
            "  campaign {c}: {}/{} flagged (recall {:.3})",
            r.flagged, r.accounts, r.recall
        );
    }
    for (p, c) in &e.flagged_by_population {
        println!(
            "  {:<28} {:<6} {:>6} accounts {:>6} flagged",
            p, c.label, c.accounts, c.flagged
        );
    }
}
