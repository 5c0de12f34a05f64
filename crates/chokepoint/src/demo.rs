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
    /// Do not start the console at the end (tests and scripts pass this).
    #[arg(long)]
    pub no_serve: bool,
    /// Where the console listens at the end of the demo.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
}

/// Sample inputs of the modules, compiled in so the demo runs from any directory.
const SAMPLES: &[(&str, &str)] = &[
    (
        "sample-list.json",
        include_str!("../../chokepoint-screen/data/sample-list.json"),
    ),
    (
        "sample-customers.csv",
        include_str!("../../chokepoint-screen/data/sample-customers.csv"),
    ),
    (
        "sample-ownership.csv",
        include_str!("../../chokepoint-screen/data/sample-ownership.csv"),
    ),
    (
        "sample-landmarks.csv",
        include_str!("../../chokepoint-geoloc/data/sample-landmarks.csv"),
    ),
    (
        "sample-measurements.csv",
        include_str!("../../chokepoint-geoloc/data/sample-measurements.csv"),
    ),
    (
        "sample-claims.csv",
        include_str!("../../chokepoint-geoloc/data/sample-claims.csv"),
    ),
];

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

    // 3. Every other module on its own sample inputs, as a user would run it.
    let d = |name: &str| dir.join(name).display().to_string();
    for (name, text) in SAMPLES {
        std::fs::write(dir.join(name), text).with_context(|| format!("writing {}", d(name)))?;
    }
    let db = d("chokepoint.db");
    let report = report_path.display().to_string();
    let steps: Vec<(&str, Vec<String>)> = vec![
        (
            "intel: keygen",
            vec![
                "intel".into(),
                "keygen".into(),
                "--out".into(),
                d("community.key"),
            ],
        ),
        (
            "intel: STIX bundle of the campaigns (keyed hashes, no raw values)",
            vec![
                "intel".into(),
                "export".into(),
                report.clone(),
                "--community-key-file".into(),
                d("community.key"),
                "--out".into(),
                d("bundle.json"),
            ],
        ),
        (
            "controls: simulated shipment ledger",
            vec![
                "controls".into(),
                "simulate-ledger".into(),
                "--out".into(),
                d("ledger.csv"),
                "--seed".into(),
                args.seed.to_string(),
            ],
        ),
        (
            "controls: diversion red flags",
            vec!["controls".into(), "shipments".into(), d("ledger.csv")],
        ),
        (
            "screen: compute customers",
            vec![
                "screen".into(),
                "customers".into(),
                d("sample-customers.csv"),
                "--list".into(),
                d("sample-list.json"),
                "--ownership".into(),
                d("sample-ownership.csv"),
            ],
        ),
        (
            "geoloc: offline location verification",
            vec![
                "geoloc".into(),
                "solve".into(),
                "--landmarks".into(),
                d("sample-landmarks.csv"),
                "--measurements".into(),
                d("sample-measurements.csv"),
                "--claims".into(),
                d("sample-claims.csv"),
            ],
        ),
        (
            "scenario: 2028 with the measured distillation",
            vec![
                "scenario".into(),
                "run".into(),
                "--preset".into(),
                "defend".into(),
                "--from-distill".into(),
                report.clone(),
            ],
        ),
    ];
    let mut failed = Vec::new();
    for (title, argv) in steps {
        println!("\n[{title}]");
        let mut line: Vec<&str> = vec!["--db", &db];
        if global.quiet {
            line.push("-q");
        }
        line.extend(argv.iter().map(String::as_str));
        if let Err(e) = crate::run_line(&line) {
            println!("  failed: {e:#}");
            failed.push(title);
        }
    }

    println!("\noutputs are in {}", dir.display());
    if !failed.is_empty() {
        anyhow::bail!("demo steps failed: {}", failed.join("; "));
    }
    if !args.no_serve {
        // The console on the demo's data: its scan, ledger, customers and chips.
        crate::serve::demo(dir, &args.listen, global)?;
    }
    Ok(Outcome::Ok)
}
