//! `chokepoint controls`: 3A090/4A090 classification, licence determination, shipment-ledger
//! diversion red flags, and the ledger simulator.

use crate::ui::{AtomicFile, Bar};
use crate::{Format, Global, Outcome};
use chokepoint_controls::analyze::{graph_dot, Analyzer, LedgerReport};
use chokepoint_controls::classify::{classify_figures, classify_part, PartsDb, RawFigures};
use chokepoint_controls::http::{licence_query, LicenceRequest};
use chokepoint_controls::ledger::{write_csv, write_jsonl, LedgerFormat};
use chokepoint_controls::rules::{determine_licence, LicenceDecision, Rules};
use chokepoint_controls::{simulate_ledger, Classification};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ControlsArgs {
    /// A newer rules data file (country groups, licence rules, dates, version) instead of the built-in one.
    #[arg(long, global = true, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// A newer accelerator data file instead of the built-in one.
    #[arg(long, global = true, value_name = "FILE")]
    pub parts: Option<PathBuf>,
    #[command(subcommand)]
    pub command: ControlsCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ControlsCommand {
    /// Classify a part (3A090.a/.b, 4A090, or not 3A090) from the data file or raw figures, showing the arithmetic.
    #[command(
        after_help = "Examples:\n  chokepoint controls classify --part H100-SXM\n  chokepoint controls classify --tops-int8 624 --tflops-fp16 312 --die-mm2 826\n  chokepoint controls classify --tflops-fp8 660.6 --die-mm2 608.5 --not-datacenter"
    )]
    Classify(ClassifyArgs),
    /// Does this export need a licence? Reasons with the rule cited, review policy, licence exceptions.
    #[command(
        after_help = "Examples:\n  chokepoint controls license --eccn 3A090.a --destination MY\n  chokepoint controls license --part H100 --destination DE --end-user-hq CN\n  chokepoint controls license --eccn 4A090.a --destination AE --end-use \"cloud GPU instances\""
    )]
    License(LicenseArgs),
    /// Diversion red flags in a shipment ledger (CSV or JSON lines): per shipment, per counterparty, re-export chains.
    #[command(
        after_help = "Example:\n  chokepoint controls shipments ledger.csv --out report.json --dot graph.dot\n\nColumns: shipment_id,date,exporter,exporter_country,consignee,destination,ship_to_address,end_user,\nend_user_country,declared_end_use,items,quantity,value_usd,freight_forwarder,payer,payer_country,licence,\nend_user_power_kw,end_user_racks (items: PART*QTY#SERIAL|SERIAL;PART*QTY...)."
    )]
    Shipments(ShipmentsArgs),
    /// Write a simulated ledger: legitimate trade with a hidden diversion chain through an intermediary.
    #[command(
        after_help = "Example:\n  chokepoint controls simulate-ledger --out ledger.csv --seed 7 --lines 20000 --truth truth.json"
    )]
    SimulateLedger(SimulateLedgerArgs),
    /// List the parts and systems the accelerator data knows.
    #[command(after_help = "Example:\n  chokepoint controls parts")]
    Parts,
}

#[derive(Debug, clap::Args)]
pub struct ClassifyArgs {
    /// A part or system name from the data file (e.g. H100-SXM, "A100", DGX-H100).
    #[arg(long, conflicts_with_all = ["tops_int4", "tops_int8", "tflops_fp4", "tflops_fp8", "tflops_fp16", "tflops_bf16", "tflops_tf32", "tflops_fp32", "tflops_fp64", "die_mm2"])]
    pub part: Option<String>,
    /// Dense INT4 TOPS.
    #[arg(long, allow_negative_numbers = true)]
    pub tops_int4: Option<f64>,
    /// Dense INT8 TOPS.
    #[arg(long, allow_negative_numbers = true)]
    pub tops_int8: Option<f64>,
    /// Dense FP4 TFLOPS.
    #[arg(long, allow_negative_numbers = true)]
    pub tflops_fp4: Option<f64>,
    /// Dense FP8 TFLOPS.
    #[arg(long, allow_negative_numbers = true)]
    pub tflops_fp8: Option<f64>,
    /// Dense FP16 TFLOPS.
    #[arg(long, allow_negative_numbers = true)]
    pub tflops_fp16: Option<f64>,
    /// Dense BF16 TFLOPS.
    #[arg(long, allow_negative_numbers = true)]
    pub tflops_bf16: Option<f64>,
    /// Dense TF32 TFLOPS (counted as 32 bits).
    #[arg(long, allow_negative_numbers = true)]
    pub tflops_tf32: Option<f64>,
    /// Dense FP32 TFLOPS.
    #[arg(long, allow_negative_numbers = true)]
    pub tflops_fp32: Option<f64>,
    /// Dense FP64 TFLOPS.
    #[arg(long, allow_negative_numbers = true)]
    pub tflops_fp64: Option<f64>,
    /// Applicable die area in mm² (logic dies, not memory).
    #[arg(long, allow_negative_numbers = true)]
    pub die_mm2: Option<f64>,
    /// The part is not designed or marketed for data centres (a consumer GPU).
    #[arg(long)]
    pub not_datacenter: bool,
}

#[derive(Debug, clap::Args)]
pub struct LicenseArgs {
    /// The item's ECCN (e.g. 3A090.a, 4A090.a, EAR99).
    #[arg(long, required_unless_present = "part", conflicts_with = "part")]
    pub eccn: Option<String>,
    /// Or a part name: classified first, then its ECCN is used.
    #[arg(long)]
    pub part: Option<String>,
    /// Destination country, ISO 3166-1 alpha-2 (e.g. MY, CN, DE).
    #[arg(long)]
    pub destination: String,
    /// Where the end user, or its ultimate parent, is headquartered (alpha-2).
    #[arg(long)]
    pub end_user_hq: Option<String>,
    /// The declared end use, in words.
    #[arg(long)]
    pub end_use: Option<String>,
    /// Export date (YYYY-MM-DD); default today. Rules in force on that date apply.
    #[arg(long)]
    pub date: Option<chrono::NaiveDate>,
}

#[derive(Debug, clap::Args)]
pub struct ShipmentsArgs {
    /// The ledger: CSV or JSON lines (by extension, else by its first byte).
    pub ledger: PathBuf,
    /// Write the full report (JSON) here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write the who-ships-to-whom graph (flagged edges and chains) as Graphviz DOT here.
    #[arg(long)]
    pub dot: Option<PathBuf>,
    /// How many flagged shipments and counterparties to print.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Score at which a shipment is flagged (default 0.6).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Exit with 1 when any shipment is flagged.
    #[arg(long)]
    pub fail_on_findings: bool,
}

#[derive(Debug, clap::Args)]
pub struct SimulateLedgerArgs {
    /// Output ledger: `.csv` or `.jsonl`.
    #[arg(long)]
    pub out: PathBuf,
    /// Seed: the same seed gives the same ledger; other seeds give other worlds.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// About how many shipments.
    #[arg(long, default_value_t = 10_000)]
    pub lines: usize,
    /// Also write what was hidden (intermediaries, chain shipment ids) as JSON here.
    #[arg(long)]
    pub truth: Option<PathBuf>,
}

fn load(args: &ControlsArgs) -> anyhow::Result<(Rules, PartsDb)> {
    let rules = match &args.rules {
        Some(p) => Rules::load(p)?,
        None => Rules::builtin()?,
    };
    let parts = match &args.parts {
        Some(p) => PartsDb::load(p)?,
        None => PartsDb::builtin()?,
    };
    Ok((rules, parts))
}

pub fn run(args: ControlsArgs, global: &Global) -> anyhow::Result<Outcome> {
    let (rules, parts) = load(&args)?;
    match args.command {
        ControlsCommand::Classify(a) => classify(a, &rules, &parts, global),
        ControlsCommand::License(a) => license(a, &rules, &parts, global),
        ControlsCommand::Shipments(a) => shipments(a, &rules, &parts, global),
        ControlsCommand::SimulateLedger(a) => simulate(a, global),
        ControlsCommand::Parts => {
            if global.format == Format::Json {
                println!("{}", serde_json::to_string_pretty(&parts.parts)?);
            } else {
                println!("accelerator data {} ({})", parts.version, parts.updated);
                for p in &parts.parts {
                    let c = classify_part(&parts, &p.name, &rules.thresholds);
                    let status = c
                        .map(|c| format!("{} (TPP {:.0})", c.eccn, c.tpp))
                        .unwrap_or_else(|e| format!("? ({e})"));
                    println!("  {:<14} {:<8} {}", p.name, p.vendor, status);
                }
                for s in &parts.systems {
                    println!(
                        "  {:<14} system   {} × {}",
                        s.name, s.contains.count, s.contains.part
                    );
                }
            }
            Ok(Outcome::Ok)
        }
    }
}

fn classify(
    a: ClassifyArgs,
    rules: &Rules,
    parts: &PartsDb,
    global: &Global,
) -> anyhow::Result<Outcome> {
    let c = match &a.part {
        Some(p) => classify_part(parts, p, &rules.thresholds)?,
        None => {
            let raw = RawFigures {
                tops_int4: a.tops_int4,
                tops_int8: a.tops_int8,
                tflops_fp4: a.tflops_fp4,
                tflops_fp8: a.tflops_fp8,
                tflops_fp16: a.tflops_fp16,
                tflops_bf16: a.tflops_bf16,
                tflops_tf32: a.tflops_tf32,
                tflops_fp32: a.tflops_fp32,
                tflops_fp64: a.tflops_fp64,
                die_mm2: a.die_mm2,
                datacenter: Some(!a.not_datacenter),
            };
            classify_figures(&raw.to_figures(), &rules.thresholds)?
        }
    };
    if global.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&c)?);
    } else {
        print_classification(&c, rules);
    }
    Ok(Outcome::Ok)
}

fn print_classification(c: &Classification, rules: &Rules) {
    match &c.part {
        Some(p) => println!(
            "{p}{} — accelerator data {}, rules {}",
            if c.datacenter {
                ""
            } else {
                " (not a data-centre part)"
            },
            c.data_version.as_deref().unwrap_or("?"),
            rules.meta.version
        ),
        None => println!("figures as given — rules {}", rules.meta.version),
    }
    for l in &c.arithmetic {
        println!("  {l}");
    }
    println!("ECCN: {}", c.eccn);
    for r in &c.reasons {
        println!("  because {r}");
    }
    if !c.sources.is_empty() {
        println!("sources:");
        for s in &c.sources {
            println!("  {s}");
        }
    }
}

fn license(
    a: LicenseArgs,
    rules: &Rules,
    parts: &PartsDb,
    global: &Global,
) -> anyhow::Result<Outcome> {
    let q = licence_query(
        rules,
        parts,
        LicenceRequest {
            eccn: a.eccn,
            part: a.part,
            destination: a.destination,
            end_user_hq: a.end_user_hq,
            end_use: a.end_use,
            date: a.date,
        },
    )?;
    let d = determine_licence(rules, &q)?;
    if global.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&d)?);
    } else {
        print_decision(&d);
    }
    Ok(Outcome::Ok)
}

fn print_decision(d: &LicenceDecision) {
    println!(
        "{} to {} ({}{}){}: {}",
        d.eccn,
        d.destination,
        d.destination_name,
        if d.destination_groups.is_empty() {
            String::new()
        } else {
            format!("; groups {}", d.destination_groups.join(", "))
        },
        d.end_user_hq
            .as_ref()
            .map(|h| format!(", end user headquartered in {h}"))
            .unwrap_or_default(),
        if d.licence_required {
            "LICENCE REQUIRED"
        } else {
            "no licence required"
        }
    );
    for r in &d.reasons {
        if r.citation.is_empty() {
            println!("  - {}", r.text);
        } else {
            println!("  - {} [{}]", r.text, r.citation);
        }
    }
    if let Some(p) = &d.review_policy {
        println!(
            "review policy: {p} [{}]",
            d.review_policy_citation.as_deref().unwrap_or("")
        );
    }
    if d.licence_required {
        if d.exceptions.is_empty() {
            println!("licence exceptions: none available");
        } else {
            println!("licence exceptions that may apply:");
            for e in &d.exceptions {
                println!(
                    "  {} ({}): {} [{}]",
                    e.code, e.name, e.conditions, e.citation
                );
            }
        }
    }
    for a in &d.advisories {
        println!("note: {} [{}]", a.text, a.citation);
    }
    println!(
        "answered by rules version {} as of {}",
        d.rules_version, d.as_of
    );
}

fn shipments(
    a: ShipmentsArgs,
    rules: &Rules,
    parts: &PartsDb,
    global: &Global,
) -> anyhow::Result<Outcome> {
    let mut an = Analyzer::new(rules, parts);
    if let Some(t) = a.threshold {
        if !(0.0..=1.0).contains(&t) {
            anyhow::bail!("--threshold {t} is outside [0, 1]");
        }
        an.config.flag_threshold = t;
    }
    let bar = Bar::new(global.quiet);
    let started = std::time::Instant::now();
    let report = an.analyze_path(&a.ledger, &bar)?;
    let secs = started.elapsed().as_secs_f64();
    if let Some(out) = &a.out {
        let (file, f) = AtomicFile::create(out)?;
        let mut w = std::io::BufWriter::new(f);
        serde_json::to_writer_pretty(&mut w, &report)?;
        w.flush()?;
        drop(w);
        file.commit()?;
    }
    if let Some(dot) = &a.dot {
        let (file, mut f) = AtomicFile::create(dot)?;
        f.write_all(graph_dot(&report).as_bytes())?;
        drop(f);
        file.commit()?;
    }
    if global.format == Format::Json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_report(&report, a.top, secs);
    }
    Ok(if a.fail_on_findings && report.flagged > 0 {
        Outcome::Findings
    } else {
        Outcome::Ok
    })
}

fn print_report(r: &LedgerReport, top: usize, secs: f64) {
    println!(
        "{}: {} shipments ({} with advanced-computing items), {} bad line(s) skipped; {} flagged — rules {}, parts {} ({:.0} lines/s)",
        r.file,
        r.shipments,
        r.controlled_shipments,
        r.bad_lines,
        r.flagged,
        r.rules_version,
        r.parts_version,
        (r.shipments + r.bad_lines) as f64 / secs.max(1e-9)
    );
    for i in r.issues.iter().take(10) {
        println!("  bad line: {i}");
    }
    if r.bad_lines > 10 {
        println!("  … {} more bad lines (all in --out)", r.bad_lines - 10);
    }
    for s in &r.skipped_checks {
        println!("  check skipped: {s}");
    }
    if !r.unknown_parts.is_empty() {
        let list: Vec<String> = r
            .unknown_parts
            .iter()
            .map(|(p, n)| format!("{p} ({n})"))
            .collect();
        println!(
            "  parts not in the data file (not classified): {}",
            list.join(", ")
        );
    }
    if !r.chains.is_empty() {
        println!("\nre-export chains to licence-required destinations:");
        for c in r.chains.iter().take(top) {
            println!("  [{:.2}] {}", c.score, c.summary);
        }
    }
    if !r.findings.is_empty() {
        println!("\nflagged shipments (highest score first):");
        let mut f: Vec<_> = r.findings.iter().collect();
        f.sort_by(|a, b| b.score.total_cmp(&a.score));
        for s in f.iter().take(top) {
            println!(
                "  [{:.2}] {} line {} {} {} → {} ({}), {} accelerators, ${:.0}",
                s.score,
                s.shipment_id,
                s.line,
                s.date,
                s.exporter,
                s.consignee,
                s.destination,
                s.controlled_accelerators,
                s.value_usd
            );
            for e in &s.evidence {
                println!("      {:.2} {}: {}", e.weight, e.signal, e.text);
            }
        }
    }
    let risky: Vec<_> = r
        .parties
        .iter()
        .filter(|p| p.flagged_in + p.flagged_out > 0)
        .take(top)
        .collect();
    if !risky.is_empty() {
        println!("\ncounterparties with flagged shipments:");
        for p in risky {
            println!(
                "  [{:.2}] {} ({}) — {}; in {} ({} flagged, {} acc.), out {} ({} flagged, {} acc.)",
                p.score,
                p.name,
                p.country,
                p.roles.join("/"),
                p.shipments_in,
                p.flagged_in,
                p.accelerators_in,
                p.shipments_out,
                p.flagged_out,
                p.accelerators_out
            );
        }
    }
}

fn simulate(a: SimulateLedgerArgs, global: &Global) -> anyhow::Result<Outcome> {
    if a.lines == 0 {
        anyhow::bail!("--lines must be at least 1");
    }
    let format = LedgerFormat::from_path(&a.out).unwrap_or(LedgerFormat::Csv);
    let sim = simulate_ledger(a.seed, a.lines);
    let (file, f) = AtomicFile::create(&a.out)?;
    let w = std::io::BufWriter::with_capacity(1 << 20, f);
    match format {
        LedgerFormat::Csv => write_csv(w, &sim.shipments)?,
        LedgerFormat::Jsonl => write_jsonl(w, &sim.shipments)?,
    }
    file.commit()?;
    if let Some(t) = &a.truth {
        let (file, mut f) = AtomicFile::create(t)?;
        serde_json::to_writer_pretty(&mut f, &sim.truth)?;
        drop(f);
        file.commit()?;
    }
    if global.format == Format::Json {
        println!(
            "{}",
            serde_json::json!({"out": a.out, "shipments": sim.shipments.len(), "seed": a.seed, "truth": a.truth})
        );
    } else if !global.quiet {
        println!(
            "wrote {} shipments to {} (seed {}){}",
            sim.shipments.len(),
            a.out.display(),
            a.seed,
            a.truth
                .as_ref()
                .map(|t| format!("; truth in {}", t.display()))
                .unwrap_or_default()
        );
    }
    Ok(Outcome::Ok)
}
