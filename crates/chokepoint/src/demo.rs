//! `chokepoint demo`: a work directory with simulated data, every module run on it.

use crate::ui::{AtomicFile, Bar};
use crate::{Global, Outcome};
use anyhow::Context;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Work directory for the demo's inputs and outputs (created when missing).
    #[arg(long, default_value = "demo-out")]
    pub dir: PathBuf,
    /// Seed of the simulated data.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

pub fn run(args: DemoArgs, global: &Global) -> anyhow::Result<Outcome> {
    let dir = &args.dir;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    println!("chokepoint demo in {}", dir.display());

    // 1. Simulated API traffic with labelled campaigns.
    let traffic = dir.join("traffic.jsonl");
    let labels = dir.join("labels.jsonl");
    let cfg = chokepoint_sim::traffic::TrafficConfig {
        seed: args.seed,
        scale: chokepoint_sim::traffic::Scale::Small,
        ..Default::default()
    };
    let bar = Bar::new(global.quiet);
    let (rec_file, mut rec) = AtomicFile::create(&traffic)?;
    let (lab_file, mut lab) = AtomicFile::create(&labels)?;
    let summary = chokepoint_sim::traffic::write_jsonl(&cfg, &mut rec, &mut lab, &bar)?;
    rec_file.commit()?;
    lab_file.commit()?;
    println!(
        "\n[simulate] {} records from {} accounts ({} attack accounts) -> {}",
        summary.records,
        summary.accounts,
        summary.attack_accounts,
        traffic.display()
    );

    // 2. Distillation scan and its evaluation against the labels.
    let report_path = dir.join("distill-report.json");
    let opts = chokepoint_distill::ScanOptions::default();
    let report = chokepoint_distill::scan(std::slice::from_ref(&traffic), &opts, &bar)?;
    crate::distill::write_atomic(
        &report_path,
        serde_json::to_string_pretty(&report)?.as_bytes(),
    )?;
    println!("\n[distill] report -> {}", report_path.display());
    crate::distill::print_summary(&report);
    let truth = chokepoint_distill::eval::read_labels(&labels).map_err(anyhow::Error::msg)?;
    let ev = chokepoint_distill::eval::evaluate(&report, &truth);
    println!(
        "  against the labels: precision {:.3}, recall {:.3}, {} false positives",
        ev.precision, ev.recall, ev.false_positives
    );

    println!("\noutputs are in {}", dir.display());
    Ok(Outcome::Ok)
}
