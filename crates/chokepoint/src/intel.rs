//! `chokepoint intel`: share distillation indicators as STIX 2.1 over TAXII 2.1, privately.

use crate::ui::{AtomicFile, Bar};
use crate::{Format, Global, Outcome};
use anyhow::{bail, Context};
use chokepoint_intel::client::{bundle_of, Auth, TaxiiClient};
use chokepoint_intel::taxii::{TaxiiConfig, TaxiiState};
use chokepoint_intel::{matcher, stix, CommunityKey, DistillReport, ExportOptions, Tlp};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Subcommand)]
pub enum IntelCommand {
    /// Turn a distill report into a STIX 2.1 bundle of keyed hashes and sketches (no raw values).
    #[command(
        after_help = "Example:\n  chokepoint intel export report.json --community-key-file community.key --out bundle.json --tlp amber"
    )]
    Export(ExportArgs),
    /// Write a fresh random community key (share it only with the community's members).
    #[command(after_help = "Example:\n  chokepoint intel keygen --out community.key")]
    Keygen(KeygenArgs),
    /// Check a bundle against the STIX 2.1 rules (ids, timestamps, required properties, patterns).
    #[command(after_help = "Example:\n  chokepoint intel validate bundle.json")]
    Validate(ValidateArgs),
    /// Run the TAXII 2.1 server (objects kept in the embedded database, --db).
    #[command(
        after_help = "Example:\n  chokepoint intel serve --listen 127.0.0.1:9000 --db intel.db"
    )]
    Serve(ServeArgs),
    /// Manage the organisations that may use the server.
    #[command(subcommand, after_help = "Example:\n  chokepoint intel org add lab-b")]
    Org(OrgCommand),
    /// Manage API keys (the secret is shown once; only its hash is stored).
    #[command(
        subcommand,
        after_help = "Example:\n  chokepoint intel key create --org lab-b"
    )]
    Key(KeyCommand),
    /// Manage TAXII collections.
    #[command(
        subcommand,
        after_help = "Example:\n  chokepoint intel collection add \"distillation indicators\""
    )]
    Collection(CollectionCommand),
    /// Let an organisation read and/or write a collection (no flag: revoke both).
    #[command(
        after_help = "Example:\n  chokepoint intel grant --org lab-b --collection 0d1c... --read --write"
    )]
    Grant(GrantArgs),
    /// Send a bundle's objects to a TAXII 2.1 collection.
    #[command(
        after_help = "Example:\n  CHOKEPOINT_INTEL_API_KEY=cpk1_... chokepoint intel push bundle.json --server http://127.0.0.1:9000/api/ --collection 0d1c..."
    )]
    Push(PushArgs),
    /// Fetch a TAXII 2.1 collection's objects (all pages) into a bundle.
    #[command(
        after_help = "Example:\n  chokepoint intel pull --server http://127.0.0.1:9000/api/ --collection 0d1c... --added-after 2026-02-01T00:00:00Z --out pulled.json"
    )]
    Pull(PullArgs),
    /// Match a bundle's indicators against local API logs; optionally write STIX sightings.
    #[command(
        after_help = "Example:\n  chokepoint intel match pulled.json traffic.jsonl.zst --community-key-file community.key --sightings-out sightings.json"
    )]
    Match(MatchArgs),
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The distill report (`chokepoint distill scan --out`).
    pub report: PathBuf,
    /// The community key file (64 hex digits; `chokepoint intel keygen`).
    #[arg(long)]
    pub community_key_file: PathBuf,
    /// Where to write the bundle.
    #[arg(long)]
    pub out: PathBuf,
    /// TLP 2.0 marking of every object.
    #[arg(long, default_value = "amber", value_parser = ["clear", "green", "amber", "amber+strict", "red"])]
    pub tlp: String,
    /// The producing organisation's name.
    #[arg(long, default_value = "chokepoint user")]
    pub producer: String,
    /// Leave out campaigns scoring below this.
    #[arg(long, default_value_t = 0.0)]
    pub min_score: f64,
}

#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// Where to write the key (refuses to overwrite).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The bundle file.
    pub bundle: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port, printed on start).
    #[arg(long, default_value = "127.0.0.1:9000")]
    pub listen: String,
    /// Path prefix the server is reached under (behind a proxy), e.g. `/intel`.
    #[arg(long, default_value = "")]
    pub base_path: String,
    /// The largest request body accepted, in bytes.
    #[arg(long, default_value_t = 10 << 20)]
    pub max_content_length: usize,
}

#[derive(Debug, clap::Subcommand)]
pub enum OrgCommand {
    /// Add an organisation.
    #[command(after_help = "Example:\n  chokepoint intel org add lab-b")]
    Add { name: String },
    /// List organisations.
    #[command(after_help = "Example:\n  chokepoint intel org list --format json")]
    List,
}

#[derive(Debug, clap::Subcommand)]
pub enum KeyCommand {
    /// Create an API key for an organisation; prints the secret once.
    #[command(after_help = "Example:\n  chokepoint intel key create --org lab-b")]
    Create {
        #[arg(long)]
        org: String,
    },
    /// Revoke an API key by its id.
    #[command(after_help = "Example:\n  chokepoint intel key revoke k-3f2a9c")]
    Revoke { key_id: String },
}

#[derive(Debug, clap::Subcommand)]
pub enum CollectionCommand {
    /// Add a collection; prints its id.
    #[command(
        after_help = "Example:\n  chokepoint intel collection add distillation --description 'shared campaign indicators'"
    )]
    Add {
        title: String,
        #[arg(long)]
        description: Option<String>,
        /// A fixed UUID (default: a fresh one).
        #[arg(long)]
        id: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct GrantArgs {
    #[arg(long)]
    pub org: String,
    #[arg(long)]
    pub collection: String,
    #[arg(long)]
    pub read: bool,
    #[arg(long)]
    pub write: bool,
}

#[derive(Debug, clap::Args)]
pub struct Remote {
    /// The TAXII API root URL (or the discovery URL).
    #[arg(long)]
    pub server: String,
    /// The collection id.
    #[arg(long)]
    pub collection: String,
    /// A chokepoint API key (`cpk1_...`); prefer the environment variable or --api-key-file.
    #[arg(long, env = "CHOKEPOINT_INTEL_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// A file holding the API key.
    #[arg(long)]
    pub api_key_file: Option<PathBuf>,
    /// HTTP Basic user (servers such as medallion), with --password.
    #[arg(long, requires = "password")]
    pub user: Option<String>,
    #[arg(long, env = "CHOKEPOINT_INTEL_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct PushArgs {
    /// The bundle to send.
    pub bundle: PathBuf,
    #[command(flatten)]
    pub remote: Remote,
    /// Objects per envelope.
    #[arg(long, default_value_t = 100)]
    pub envelope_size: usize,
}

#[derive(Debug, clap::Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub remote: Remote,
    /// Only objects the server added after this RFC 3339 time.
    #[arg(long)]
    pub added_after: Option<String>,
    /// Where to write the bundle.
    #[arg(long)]
    pub out: PathBuf,
    /// Objects per page.
    #[arg(long, default_value_t = 1000)]
    pub page_size: usize,
}

#[derive(Debug, clap::Args)]
pub struct MatchArgs {
    /// The bundle with shared indicators.
    pub bundle: PathBuf,
    /// API logs, as `distill scan` reads them (JSONL plain/.gz/.zst, `-`, CSV, Parquet).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Stop at the first bad record instead of counting and skipping it.
    #[arg(long)]
    pub strict: bool,
    /// Community key file(s); give old keys too after a rotation.
    #[arg(long, required = true)]
    pub community_key_file: Vec<PathBuf>,
    /// Write the matches (JSON, local only: it names local accounts).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write STIX sightings (counts only) to push back.
    #[arg(long)]
    pub sightings_out: Option<PathBuf>,
    /// This lab's name in sightings.
    #[arg(long, default_value = "chokepoint user")]
    pub sighter: String,
    /// TLP marking of sightings.
    #[arg(long, default_value = "amber", value_parser = ["clear", "green", "amber", "amber+strict", "red"])]
    pub tlp: String,
    /// Exit with 1 when any local account matches.
    #[arg(long)]
    pub fail_on_findings: bool,
}

fn write_json(path: &Path, v: &impl serde::Serialize) -> anyhow::Result<()> {
    let (tmp, mut file) = AtomicFile::create(path)?;
    serde_json::to_writer_pretty(&mut file, v)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(b"\n")
        .with_context(|| format!("writing {}", path.display()))?;
    file.sync_all()
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.commit()
}

fn tlp(s: &str) -> anyhow::Result<Tlp> {
    Tlp::parse(s).ok_or_else(|| anyhow::anyhow!("unknown TLP level `{s}`"))
}

fn print(global: &Global, json: serde_json::Value, text: impl FnOnce() -> String) {
    if global.format == Format::Json {
        println!("{json}");
    } else if !global.quiet {
        println!("{}", text());
    }
}

fn auth(r: &Remote) -> anyhow::Result<Auth> {
    if let (Some(u), Some(p)) = (&r.user, &r.password) {
        return Ok(Auth::Basic {
            user: u.clone(),
            password: p.clone(),
        });
    }
    if let Some(f) = &r.api_key_file {
        let k = std::fs::read_to_string(f).with_context(|| format!("{}", f.display()))?;
        return Ok(Auth::Bearer(k.trim().to_string()));
    }
    Ok(match &r.api_key {
        Some(k) => Auth::Bearer(k.trim().to_string()),
        None => Auth::None,
    })
}

pub fn run(cmd: IntelCommand, global: &Global) -> anyhow::Result<Outcome> {
    let bar = Bar::new(global.quiet);
    match cmd {
        IntelCommand::Export(a) => {
            let key = CommunityKey::from_file(&a.community_key_file)?;
            let report = DistillReport::from_file(&a.report)?;
            let mut opts = ExportOptions::new(&a.producer);
            opts.tlp = tlp(&a.tlp)?;
            opts.min_score = a.min_score;
            let bundle = chokepoint_intel::export_bundle(&report, &key, &opts, &bar)?;
            // Belt and braces: what we write must pass our own validator.
            stix::validate_bundle(&serde_json::to_value(&bundle)?)
                .map_err(|e| anyhow::anyhow!("internal error, exported bundle is invalid: {e}"))?;
            write_json(&a.out, &bundle)?;
            let n = bundle.objects.len();
            print(
                global,
                serde_json::json!({"out": a.out, "objects": n, "campaigns": report.campaigns.len(), "key_id": key.id()}),
                || {
                    format!(
                        "wrote {} ({n} STIX objects, {} campaigns, key {})",
                        a.out.display(),
                        report.campaigns.len(),
                        key.id()
                    )
                },
            );
            Ok(Outcome::Ok)
        }
        IntelCommand::Keygen(a) => {
            if a.out.exists() {
                bail!("{} exists; refusing to overwrite a key", a.out.display());
            }
            let hex = CommunityKey::generate_hex();
            let (tmp, mut f) = AtomicFile::create(&a.out)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = f.set_permissions(std::fs::Permissions::from_mode(0o600));
            }
            writeln!(f, "{hex}")?;
            tmp.commit()?;
            let id = CommunityKey::from_secret(&hex)
                .map_err(anyhow::Error::msg)?
                .id()
                .to_string();
            print(
                global,
                serde_json::json!({"out": a.out, "key_id": id}),
                || format!("wrote {} (key id {id})", a.out.display()),
            );
            Ok(Outcome::Ok)
        }
        IntelCommand::Validate(a) => {
            let objects = matcher::read_bundle(&a.bundle)?;
            print(
                global,
                serde_json::json!({"valid": true, "objects": objects.len()}),
                || {
                    format!(
                        "{}: valid STIX 2.1 ({} objects)",
                        a.bundle.display(),
                        objects.len()
                    )
                },
            );
            Ok(Outcome::Ok)
        }
        IntelCommand::Serve(a) => {
            let rt = chokepoint_intel::runtime()?;
            rt.block_on(async {
                let db = chokepoint_intel::open_db(&global.db).await?;
                let cfg = TaxiiConfig {
                    base_path: a.base_path.trim_end_matches('/').to_string(),
                    max_content_length: a.max_content_length,
                    ..TaxiiConfig::default()
                };
                let state = TaxiiState::new(db, cfg).await?;
                let listener = chokepoint_intel::taxii::bind(&a.listen).await?;
                let addr = listener.local_addr()?;
                // Printed even with -q: scripts read the address from here.
                println!(
                    "TAXII 2.1 server on http://{addr}{}/taxii2/ (API root http://{addr}{}/api/)",
                    a.base_path, a.base_path
                );
                std::io::stdout().flush()?;
                chokepoint_intel::taxii::serve(listener, state).await?;
                anyhow::Ok(())
            })?;
            Ok(Outcome::Ok)
        }
        IntelCommand::Org(c) => {
            let rt = chokepoint_intel::runtime()?;
            rt.block_on(async {
                let db = chokepoint_intel::open_db(&global.db).await?;
                match c {
                    OrgCommand::Add { name } => {
                        let o = db.add_org(&name).await?;
                        print(global, serde_json::json!(o), || {
                            format!("added organisation {}", o.name)
                        });
                    }
                    OrgCommand::List => {
                        let os = db.orgs().await?;
                        print(global, serde_json::json!(os), || {
                            os.iter()
                                .map(|o| o.name.clone())
                                .collect::<Vec<_>>()
                                .join("\n")
                        });
                    }
                }
                anyhow::Ok(())
            })?;
            Ok(Outcome::Ok)
        }
        IntelCommand::Key(c) => {
            let rt = chokepoint_intel::runtime()?;
            rt.block_on(async {
                let db = chokepoint_intel::open_db(&global.db).await?;
                match c {
                    KeyCommand::Create { org } => {
                        let k = db.create_key(&org).await?;
                        print(global, serde_json::json!(k), || {
                            format!(
                                "API key for {} (shown once, store it now):\n{}",
                                k.org, k.token
                            )
                        });
                    }
                    KeyCommand::Revoke { key_id } => {
                        db.revoke_key(&key_id).await?;
                        print(global, serde_json::json!({"revoked": key_id}), || {
                            format!("revoked {key_id}")
                        });
                    }
                }
                anyhow::Ok(())
            })?;
            Ok(Outcome::Ok)
        }
        IntelCommand::Collection(CollectionCommand::Add {
            title,
            description,
            id,
        }) => {
            let rt = chokepoint_intel::runtime()?;
            rt.block_on(async {
                let db = chokepoint_intel::open_db(&global.db).await?;
                let id = db
                    .add_collection(&title, description.as_deref(), id.as_deref())
                    .await?;
                print(
                    global,
                    serde_json::json!({"id": id, "title": title}),
                    || id.clone(),
                );
                anyhow::Ok(())
            })?;
            Ok(Outcome::Ok)
        }
        IntelCommand::Grant(a) => {
            let rt = chokepoint_intel::runtime()?;
            rt.block_on(async {
                let db = chokepoint_intel::open_db(&global.db).await?;
                db.grant(&a.org, &a.collection, a.read, a.write).await?;
                print(global, serde_json::json!({"org": a.org, "collection": a.collection, "read": a.read, "write": a.write}), || {
                    format!("{} on {}: read={} write={}", a.org, a.collection, a.read, a.write)
                });
                anyhow::Ok(())
            })?;
            Ok(Outcome::Ok)
        }
        IntelCommand::Push(a) => {
            let objects = matcher::read_bundle(&a.bundle)?;
            let values: Vec<serde_json::Value> = objects.iter().map(|o| o.to_value()).collect();
            let auth = auth(&a.remote)?;
            let rt = chokepoint_intel::runtime()?;
            let sum = rt.block_on(async {
                let c = TaxiiClient::connect(&a.remote.server, auth).await?;
                c.push(&a.remote.collection, &values, a.envelope_size, &bar)
                    .await
            })?;
            print(global, serde_json::json!(sum), || {
                let mut s = format!(
                    "pushed {} objects in {} envelopes: {} accepted, {} rejected, {} pending",
                    sum.total, sum.envelopes, sum.success, sum.failure, sum.pending
                );
                for f in &sum.failures {
                    s.push_str(&format!("\n  rejected {f}"));
                }
                s
            });
            if sum.failure > 0 {
                bail!("the server rejected {} objects", sum.failure);
            }
            Ok(Outcome::Ok)
        }
        IntelCommand::Pull(a) => {
            if let Some(t) = &a.added_after {
                chokepoint_core::parse_rfc3339(t)
                    .map_err(|m| anyhow::anyhow!("--added-after: {m}"))?;
            }
            let auth = auth(&a.remote)?;
            let rt = chokepoint_intel::runtime()?;
            let (objects, last) = rt.block_on(async {
                let c = TaxiiClient::connect(&a.remote.server, auth).await?;
                c.pull(
                    &a.remote.collection,
                    a.added_after.as_deref(),
                    a.page_size,
                    &bar,
                )
                .await
            })?;
            let (bundle, rejected) = bundle_of(objects);
            for r in rejected.iter().take(5) {
                eprintln!("warning: dropped an invalid object from the server: {r}");
            }
            write_json(&a.out, &bundle)?;
            print(
                global,
                serde_json::json!({"out": a.out, "objects": bundle.objects.len(), "rejected": rejected.len(), "date_added_last": last}),
                || {
                    let mut s = format!(
                        "wrote {} ({} objects)",
                        a.out.display(),
                        bundle.objects.len()
                    );
                    if let Some(l) = &last {
                        s.push_str(&format!("; next time use --added-after {l}"));
                    }
                    s
                },
            );
            Ok(Outcome::Ok)
        }
        IntelCommand::Match(a) => {
            let keys = a
                .community_key_file
                .iter()
                .map(|p| CommunityKey::from_file(p))
                .collect::<Result<Vec<_>, _>>()?;
            let objects = matcher::read_bundle(&a.bundle)?;
            let report = matcher::match_logs(&objects, &keys, &a.inputs, a.strict, &bar)?;
            if let Some(out) = &a.out {
                write_json(out, &report)?;
            }
            if let Some(out) = &a.sightings_out {
                let s = matcher::sightings(&report, &a.sighter, tlp(&a.tlp)?, chrono::Utc::now());
                write_json(out, &chokepoint_intel::Bundle::new(s))?;
            }
            let accounts: std::collections::BTreeSet<&str> = report
                .matches
                .iter()
                .map(|m| m.account_id.as_str())
                .collect();
            if global.format == Format::Json {
                if a.out.is_none() {
                    println!("{}", serde_json::to_string(&report)?);
                } else {
                    println!(
                        "{}",
                        serde_json::json!({"records": report.records, "bad_records": report.bad_records, "indicators_used": report.indicators_used, "matched_accounts": accounts.len(), "matches": report.matches.len()})
                    );
                }
            } else if !global.quiet {
                println!(
                    "{} records ({} bad), {} indicators used, {} local accounts match",
                    report.records,
                    report.bad_records,
                    report.indicators_used,
                    accounts.len()
                );
                for (why, n) in &report.indicators_skipped {
                    println!("  skipped {n} indicators: {why}");
                }
                for m in report.matches.iter().take(30) {
                    println!(
                        "  {} ~ {} [{}] similarity {:.2}, {} records ({:.0}% of the account's)",
                        m.account_id,
                        m.indicator_name,
                        m.kind,
                        m.similarity,
                        m.records,
                        m.share_of_account * 100.0
                    );
                }
                if report.matches.len() > 30 {
                    println!("  ... {} more (use --out)", report.matches.len() - 30);
                }
                for b in &report.bad_examples {
                    eprintln!("bad record: {b}");
                }
            }
            for e in &report.input_errors {
                eprintln!("warning: {e}");
            }
            Ok(if a.fail_on_findings && !accounts.is_empty() {
                Outcome::Findings
            } else {
                Outcome::Ok
            })
        }
    }
}
