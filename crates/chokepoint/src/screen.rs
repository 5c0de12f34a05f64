//! `chokepoint screen`: denied-party screening of names and compute customers.

use crate::ui::{AtomicFile, Bar};
use crate::{Format, Global, Outcome};
use chokepoint_screen::customers::CustomerDecision;
use chokepoint_screen::{
    load_lists, load_queries, screen_customers_files, Decision, Encoding, MatchConfig, NameResult,
    Skipped,
};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum ScreenCommand {
    /// Screen a CSV of names (`id,name,country`) against lists: one JSON line per query with --format json.
    #[command(
        after_help = "Example:\n  chokepoint screen names queries.csv --list consolidated.json --list sdn.csv --format json > hits.jsonl"
    )]
    Names(NamesArgs),
    /// Screen one name and explain every hit.
    #[command(
        after_help = "Example:\n  chokepoint screen name \"华为技术有限公司\" --list consolidated.json"
    )]
    Name(NameArgs),
    /// Screen compute customers: list hits, listed ownership, ultimate parent, offshore-access red flags.
    #[command(
        after_help = "Example:\n  chokepoint screen customers customers.csv --list consolidated.json --ownership edges.csv --out report.json"
    )]
    Customers(CustomersArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EncodingArg {
    Utf8,
    Latin1,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// List files: CSL JSON export, CSL CSV, OpenSanctions FollowTheMoney JSON lines, or a CSV with a `name` column. Repeat for several lists.
    #[arg(long = "list", required = true)]
    pub lists: Vec<PathBuf>,
    /// Encoding of CSV list and query files (non-UTF-8 records are otherwise skipped with their place).
    #[arg(long, value_enum, default_value = "utf8")]
    pub encoding: EncodingArg,
    /// Score at or above which a hit is a `match` (default 0.85).
    #[arg(long)]
    pub match_threshold: Option<f32>,
    /// Score at or above which a hit needs `review` (default 0.78).
    #[arg(long)]
    pub review_threshold: Option<f32>,
}

impl ListArgs {
    fn config(&self) -> anyhow::Result<MatchConfig> {
        let mut c = MatchConfig::default();
        if let Some(t) = self.match_threshold {
            c.match_threshold = t;
        }
        if let Some(t) = self.review_threshold {
            c.review_threshold = t;
        }
        for (name, t) in [
            ("--match-threshold", c.match_threshold),
            ("--review-threshold", c.review_threshold),
        ] {
            if !(0.0..=1.0).contains(&t) {
                anyhow::bail!("{name} {t} is outside [0, 1]");
            }
        }
        if c.review_threshold > c.match_threshold {
            anyhow::bail!("--review-threshold is above --match-threshold");
        }
        Ok(c)
    }
    fn encoding(&self) -> Encoding {
        match self.encoding {
            EncodingArg::Utf8 => Encoding::Utf8,
            EncodingArg::Latin1 => Encoding::Latin1,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct NamesArgs {
    /// Queries CSV with columns `id,name,country` (country optional).
    pub queries: PathBuf,
    #[command(flatten)]
    pub lists: ListArgs,
    /// Write the results here (atomically) instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Include the explanation of every hit (variant matched, per-feature scores).
    #[arg(long)]
    pub explain: bool,
    /// Exit with 1 when any query is `match` or `review`.
    #[arg(long)]
    pub fail_on_findings: bool,
}

#[derive(Debug, clap::Args)]
pub struct NameArgs {
    /// The name to screen, in any script.
    pub name: String,
    /// ISO country code of the party, supporting evidence.
    #[arg(long)]
    pub country: Option<String>,
    #[command(flatten)]
    pub lists: ListArgs,
}

#[derive(Debug, clap::Args)]
pub struct CustomersArgs {
    /// Customers CSV: `id,name` and optional `country,incorporated,billing_country,datacenter_country,payer,declared_use,observed_use,accelerators`.
    pub customers: PathBuf,
    #[command(flatten)]
    pub lists: ListArgs,
    /// Ownership edges: CSV `owner,owned,percent[,owner_country,owned_country]` or FollowTheMoney JSON lines.
    #[arg(long)]
    pub ownership: Option<PathBuf>,
    /// Screening date (YYYY-MM-DD) for the incorporation-age flag; today by default.
    #[arg(long)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Write the report (JSON) here (atomically) instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exit with 1 when any customer is `deny` or `review`.
    #[arg(long)]
    pub fail_on_findings: bool,
}

pub fn run(cmd: ScreenCommand, global: &Global) -> anyhow::Result<Outcome> {
    match cmd {
        ScreenCommand::Names(a) => names(a, global),
        ScreenCommand::Name(a) => name(a, global),
        ScreenCommand::Customers(a) => customers(a, global),
    }
}

fn report_skipped(what: &str, skipped: &[Skipped], quiet: bool) {
    if skipped.is_empty() || quiet {
        return;
    }
    eprintln!("{what}: {} record(s) skipped:", skipped.len());
    for s in skipped.iter().take(20) {
        eprintln!("  {s}");
    }
    if skipped.len() > 20 {
        eprintln!("  ... and {} more", skipped.len() - 20);
    }
}

/// The JSON line of one query (the shape, plus explanations on request).
fn json_line(id: &str, r: &NameResult, explain: bool) -> serde_json::Value {
    let matches: Vec<serde_json::Value> = r
        .matches
        .iter()
        .map(|h| {
            let mut m = serde_json::json!({
                "list_id": h.list_id, "name": h.name, "source": h.source,
                "score": (f64::from(h.score) * 1000.0).round() / 1000.0, "decision": h.decision,
            });
            if explain {
                m["explanation"] = serde_json::to_value(&h.explanation).unwrap_or_default();
            }
            m
        })
        .collect();
    serde_json::json!({
        "id": id, "query": r.query, "decision": r.decision,
        "score": (f64::from(r.score) * 1000.0).round() / 1000.0, "matches": matches,
    })
}

fn names(a: NamesArgs, global: &Global) -> anyhow::Result<Outcome> {
    let bar = Bar::new(global.quiet);
    let (screener, skipped) =
        load_lists(&a.lists.lists, a.lists.encoding(), a.lists.config()?, &bar)?;
    report_skipped("lists", &skipped, global.quiet);
    let q = load_queries(&a.queries, a.lists.encoding())?;
    report_skipped("queries", &q.skipped, global.quiet);
    let input: Vec<(String, Option<String>)> = q
        .queries
        .iter()
        .map(|q| (q.name.clone(), q.country.clone()))
        .collect();
    // Results are formatted as they come, a chunk at a time (bounded memory for big runs).
    let mut buf: Vec<u8> = Vec::new();
    let mut flagged = 0usize;
    screener.screen_streaming(&input, &bar, |i, r| -> anyhow::Result<()> {
        let query = &q.queries[i];
        if r.decision != Decision::Clear {
            flagged += 1;
        }
        match global.format {
            Format::Json => {
                serde_json::to_writer(&mut buf, &json_line(&query.id, &r, a.explain))?;
                buf.push(b'\n');
            }
            Format::Text => {
                let top = r.matches.first();
                writeln!(
                    buf,
                    "{:<12} {:<7} {:.2}  {}{}",
                    query.id,
                    r.decision.as_str(),
                    r.score,
                    query.name,
                    top.map(|h| format!("  ->  {} [{}] ({})", h.name, h.list_id, h.source))
                        .unwrap_or_default()
                )?;
            }
        }
        Ok(())
    })?;
    write_out(a.out.as_ref(), &buf)?;
    if !global.quiet {
        eprintln!(
            "{} queries screened against {} list entries: {} flagged, {} skipped",
            input.len(),
            screener.entries().len(),
            flagged,
            q.skipped.len()
        );
    }
    Ok(if a.fail_on_findings && flagged > 0 {
        Outcome::Findings
    } else {
        Outcome::Ok
    })
}

fn name(a: NameArgs, global: &Global) -> anyhow::Result<Outcome> {
    if a.name.trim().is_empty() {
        anyhow::bail!("empty query: give a name to screen");
    }
    let bar = Bar::new(global.quiet);
    let (screener, skipped) =
        load_lists(&a.lists.lists, a.lists.encoding(), a.lists.config()?, &bar)?;
    report_skipped("lists", &skipped, global.quiet);
    let r = screener.screen(&a.name, a.country.as_deref());
    match global.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json_line("-", &r, true))?
        ),
        Format::Text => {
            println!(
                "{}: {} (score {:.2})",
                r.query,
                r.decision.as_str(),
                r.score
            );
            for h in &r.matches {
                let f = &h.explanation.features;
                println!(
                    "  {:<7} {:.3}  {} [{}] ({})",
                    h.decision.as_str(),
                    h.score,
                    h.name,
                    h.list_id,
                    h.source
                );
                println!(
                    "          matched {} `{}`: `{}` ~ `{}`",
                    h.explanation.variant_kind,
                    h.explanation.matched_variant,
                    h.explanation.query_normalized,
                    h.explanation.variant_normalized
                );
                println!(
                    "          coverage query {:.2} / listed {:.2}, phonetic {:.2}, acronym {}, legal form {:+.2}, country {:+.2}",
                    f.query_coverage, f.entry_coverage, f.phonetic, f.acronym, f.legal_form, f.country
                );
                let toks: Vec<String> = h
                    .explanation
                    .tokens
                    .iter()
                    .map(|t| format!("{}~{} {:.2}", t.query, t.listed, t.similarity))
                    .collect();
                println!("          words: {}", toks.join(", "));
            }
        }
    }
    Ok(Outcome::Ok)
}

fn customers(a: CustomersArgs, global: &Global) -> anyhow::Result<Outcome> {
    let bar = Bar::new(global.quiet);
    let as_of = a.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let run = screen_customers_files(
        &a.lists.lists,
        &a.customers,
        a.ownership.as_deref(),
        as_of,
        &bar,
    )?;
    report_skipped("inputs", &run.skipped, global.quiet);
    let flagged = run
        .reports
        .iter()
        .filter(|r| r.decision != CustomerDecision::Clear)
        .count();
    let buf = match global.format {
        Format::Json => serde_json::to_vec_pretty(&run.reports)?,
        Format::Text => {
            let mut b = Vec::new();
            for r in &run.reports {
                writeln!(
                    b,
                    "{:<12} {:<6} {}",
                    r.id,
                    format!("{:?}", r.decision).to_lowercase(),
                    r.name
                )?;
                for reason in &r.reasons {
                    writeln!(b, "             - {reason}")?;
                }
            }
            b
        }
    };
    write_out(a.out.as_ref(), &buf)?;
    if !global.quiet {
        eprintln!(
            "{} customers screened: {} deny or review",
            run.reports.len(),
            flagged
        );
    }
    Ok(if a.fail_on_findings && flagged > 0 {
        Outcome::Findings
    } else {
        Outcome::Ok
    })
}

fn write_out(out: Option<&PathBuf>, buf: &[u8]) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            let (file, mut f) = AtomicFile::create(path)?;
            f.write_all(buf)?;
            f.sync_all()?;
            file.commit()
        }
        None => {
            std::io::stdout().write_all(buf)?;
            Ok(())
        }
    }
}
