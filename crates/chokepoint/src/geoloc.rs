//! `chokepoint geoloc`: chip location verification (a thin shell over chokepoint-geoloc).

use crate::ui::{AtomicFile, Bar};
use crate::{Format, Global, Outcome};
use anyhow::{bail, Context};
use chokepoint_core::GeoPoint;
use chokepoint_geoloc::protocol::{serve_agent, Agent, Counters, Landmark, SignedMeasurement};
use chokepoint_geoloc::registry::{Registry, VerifyPolicy};
use chokepoint_geoloc::solver::{feature_collection, Assessment, SolverConfig, Verdict};
use chokepoint_geoloc::{csvin, keys, RestrictedSet};
use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct GeolocArgs {
    #[command(subcommand)]
    pub command: GeolocCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum GeolocCommand {
    /// Make an ed25519 key pair for a chip or landmark (FILE and FILE.pub).
    #[command(after_help = "Example:\n  chokepoint geoloc keygen --out chip.key --id chip-0001")]
    Keygen(KeygenArgs),
    /// Run a chip's agent: answer landmark probes over UDP with the chip's signature.
    #[command(
        after_help = "Example:\n  chokepoint geoloc agent --key chip.key --listen 0.0.0.0:4750"
    )]
    Agent(AgentArgs),
    /// Probe chip agents from a landmark, keep the fastest verified round trip, sign and record it.
    #[command(
        after_help = "Example:\n  chokepoint geoloc landmark --key lm.key --id kul-1 --lat 3.139 --lon 101.687 --probe 10.0.0.2:4750 --probes 8"
    )]
    Landmark(LandmarkArgs),
    /// Register a chip (key and licensed site) or a landmark (key and position) in the fleet.
    #[command(
        after_help = "Examples:\n  chokepoint geoloc register chip --id chip-0001 --public-key chip.key.pub --lat 3.157 --lon 101.712 --site 'KL DC-1'\n  chokepoint geoloc register landmark --id kul-1 --public-key lm.key.pub --lat 3.139 --lon 101.687"
    )]
    Register(RegisterArgs),
    /// Record signed measurements from a JSON-lines file (as `landmark --out` writes them).
    #[command(after_help = "Example:\n  chokepoint geoloc import measurements.jsonl")]
    Import(ImportArgs),
    /// Verify registered chips against their recent measurements; record verdicts and alerts.
    #[command(
        after_help = "Examples:\n  chokepoint geoloc verify --chip chip-0001\n  chokepoint geoloc verify --all --fail-on-findings --format json"
    )]
    Verify(VerifyArgs),
    /// Fleet status: chips, last verdicts, alerts.
    #[command(after_help = "Example:\n  chokepoint geoloc status --format json")]
    Status(StatusArgs),
    /// Offline solve of CSV files: a verdict, reasons and countries per claim.
    #[command(
        after_help = "Example:\n  chokepoint geoloc solve --landmarks L.csv --measurements M.csv --claims C.csv --format json --geojson regions.geojson\n\nCSV columns: landmarks id,lat,lon; measurements chip_id,landmark_id,rtt_ms; claims chip_id,lat,lon."
    )]
    Solve(SolveArgs),
}

#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// Secret key file to create (its public half goes to FILE.pub); never overwritten.
    #[arg(long)]
    pub out: PathBuf,
    /// The chip or landmark id the key belongs to (recorded in the files).
    #[arg(long)]
    pub id: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct AgentArgs {
    /// The chip's secret key file.
    #[arg(long)]
    pub key: PathBuf,
    /// UDP address to listen on.
    #[arg(long)]
    pub listen: String,
    /// The chip id (default: the `id:` in the key file).
    #[arg(long)]
    pub chip_id: Option<String>,
    /// Largest accepted difference between a probe's timestamp and this clock, in seconds.
    #[arg(long, default_value_t = 30.0)]
    pub max_skew_s: f64,
    /// Stop after this many seconds (default: run until killed).
    #[arg(long)]
    pub duration_s: Option<f64>,
}

#[derive(Debug, clap::Args)]
pub struct LandmarkArgs {
    /// The landmark's secret key file.
    #[arg(long)]
    pub key: PathBuf,
    /// The landmark id (as registered).
    #[arg(long)]
    pub id: String,
    #[arg(long, allow_hyphen_values = true)]
    pub lat: f64,
    #[arg(long, allow_hyphen_values = true)]
    pub lon: f64,
    /// Chip agent addresses to probe (host:port).
    #[arg(long, num_args = 1.., required = true)]
    pub probe: Vec<String>,
    /// Probes per chip; the fastest verified answer is kept.
    #[arg(long, default_value_t = 5)]
    pub probes: u32,
    /// Wait per probe, in ms.
    #[arg(long, default_value_t = 1000)]
    pub timeout_ms: u64,
    /// Local UDP address to probe from.
    #[arg(long, default_value = "0.0.0.0:0")]
    pub bind: String,
    /// Also write the signed measurements to this JSON-lines file.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Do not record into the database (only print / write --out).
    #[arg(long)]
    pub no_record: bool,
}

#[derive(Debug, clap::Args)]
pub struct RegisterArgs {
    #[command(subcommand)]
    pub what: RegisterWhat,
}

#[derive(Debug, clap::Subcommand)]
pub enum RegisterWhat {
    /// A chip, with its public key and licensed site.
    #[command(
        after_help = "Example:\n  chokepoint geoloc register chip --id GPU-0001 --public-key chip.pub --lat 1.35 --lon 103.82 --site singapore-dc1"
    )]
    Chip {
        #[arg(long)]
        id: String,
        /// Public key file (or the secret key file) of the chip.
        #[arg(long)]
        public_key: PathBuf,
        #[arg(long, allow_hyphen_values = true)]
        lat: f64,
        #[arg(long, allow_hyphen_values = true)]
        lon: f64,
        /// Name of the licensed site.
        #[arg(long, default_value = "")]
        site: String,
        /// Replace the key of an already registered chip (re-keying).
        #[arg(long)]
        replace_key: bool,
    },
    /// A landmark, with its public key and position.
    #[command(
        after_help = "Example:\n  chokepoint geoloc register landmark --id sin-1 --public-key lm.pub --lat 1.29 --lon 103.85"
    )]
    Landmark {
        #[arg(long)]
        id: String,
        #[arg(long)]
        public_key: PathBuf,
        #[arg(long, allow_hyphen_values = true)]
        lat: f64,
        #[arg(long, allow_hyphen_values = true)]
        lon: f64,
    },
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// JSON-lines file of signed measurements.
    pub file: PathBuf,
}

/// Options of the solver shared by `verify` and `solve`.
#[derive(Debug, clap::Args)]
pub struct SolverArgs {
    /// Signal speed bound, km per ms (200: fibre; 300: any medium, the strictest bound).
    #[arg(long, default_value_t = 200.0)]
    pub speed_km_per_ms: f64,
    /// Agent processing time subtracted from each RTT, in ms (0 is always safe).
    #[arg(long, default_value_t = 0.0)]
    pub processing_allowance_ms: f64,
    /// Restricted destinations: a TOML file like the bundled data/restricted-destinations.toml,
    /// or a comma-separated list of ISO codes (default: D:5 + HK + MO).
    #[arg(long)]
    pub restricted: Option<String>,
    /// Largest sample spacing in km when finding the countries a region touches.
    #[arg(long, default_value_t = 10.0)]
    pub max_spacing_km: f64,
}

impl SolverArgs {
    fn config(&self) -> anyhow::Result<SolverConfig> {
        let restricted = match &self.restricted {
            None => RestrictedSet::default_set(),
            Some(s) if Path::new(s).exists() => RestrictedSet::load(Path::new(s))?,
            Some(s) => RestrictedSet::from_codes(s.split(',')).map_err(|bad| {
                anyhow::anyhow!("--restricted: `{bad}` is neither a file nor an ISO alpha-2 code")
            })?,
        };
        let cfg = SolverConfig {
            speed_km_per_ms: self.speed_km_per_ms,
            processing_allowance_ms: self.processing_allowance_ms,
            restricted,
            max_spacing_km: self.max_spacing_km,
            ..SolverConfig::default()
        };
        cfg.validate().map_err(|m| anyhow::anyhow!("{m}"))?;
        Ok(cfg)
    }
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The chip to verify.
    #[arg(long, conflicts_with = "all", required_unless_present = "all")]
    pub chip: Option<String>,
    /// Verify every registered chip.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub solver: SolverArgs,
    /// Measurements older than this many hours are ignored.
    #[arg(long, default_value_t = 24.0)]
    pub window_hours: f64,
    /// Alert when a chip stays UNVERIFIED longer than this many hours.
    #[arg(long, default_value_t = 72.0)]
    pub unverified_alert_hours: f64,
    /// Alert when a chip has not answered a landmark for this many hours.
    #[arg(long, default_value_t = 24.0)]
    pub checkin_hours: f64,
    /// Verify as of this time (RFC 3339; default now).
    #[arg(long)]
    pub at: Option<String>,
    /// Exit 1 when any chip is INCONSISTENT or an alert was raised.
    #[arg(long)]
    pub fail_on_findings: bool,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {}

#[derive(Debug, clap::Args)]
pub struct SolveArgs {
    #[arg(long)]
    pub landmarks: PathBuf,
    #[arg(long)]
    pub measurements: PathBuf,
    #[arg(long)]
    pub claims: PathBuf,
    #[command(flatten)]
    pub solver: SolverArgs,
    /// Write the feasible regions as a GeoJSON FeatureCollection.
    #[arg(long)]
    pub geojson: Option<PathBuf>,
    /// Write the JSON result here instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exit 1 when any claim is INCONSISTENT.
    #[arg(long)]
    pub fail_on_findings: bool,
}

fn runtime() -> anyhow::Result<chokepoint_geoloc::registry::Runtime> {
    chokepoint_geoloc::registry::runtime().context("cannot start the async runtime")
}

async fn open_registry(global: &Global) -> anyhow::Result<Registry> {
    chokepoint_geoloc::registry::open_path(&global.db)
        .await
        .with_context(|| format!("cannot open database {}", global.db.display()))
}

fn hours(h: f64, what: &str) -> anyhow::Result<Duration> {
    if !(h.is_finite() && h > 0.0) {
        bail!("--{what} must be a positive number of hours, got {h}");
    }
    Ok(Duration::from_secs_f64(h * 3600.0))
}

fn resolve(addr: &str) -> anyhow::Result<SocketAddr> {
    addr.to_socket_addrs()
        .with_context(|| format!("`{addr}` is not a host:port address"))?
        .next()
        .with_context(|| format!("`{addr}` resolves to no address"))
}

fn point(lat: f64, lon: f64) -> anyhow::Result<GeoPoint> {
    GeoPoint::new(lat, lon).map_err(|m| anyhow::anyhow!("--lat/--lon: {m}"))
}

fn print_json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

fn print_assessments(list: &[Assessment]) {
    for a in list {
        println!(
            "{:<24} {:<12} countries: {}",
            a.chip_id,
            a.verdict.as_str(),
            if a.countries.is_empty() {
                "-".to_string()
            } else {
                a.countries.join(",")
            }
        );
        for r in &a.reasons {
            println!("    - {r}");
        }
    }
    let count = |v: Verdict| list.iter().filter(|a| a.verdict == v).count();
    println!(
        "{} claims: {} VERIFIED, {} INCONSISTENT, {} UNVERIFIED",
        list.len(),
        count(Verdict::Verified),
        count(Verdict::Inconsistent),
        count(Verdict::Unverified)
    );
}

/// The JSON the issue specifies per claim, plus the supporting detail.
fn claim_json(a: &Assessment) -> serde_json::Value {
    serde_json::json!({
        "chip_id": a.chip_id,
        "verdict": a.verdict,
        "reasons": a.reasons,
        "countries": a.countries,
        "restricted_touched": a.restricted_touched,
        "sample_spacing_km": a.sample_spacing_km,
    })
}

pub fn run(args: GeolocArgs, global: &Global) -> anyhow::Result<Outcome> {
    match args.command {
        GeolocCommand::Keygen(a) => {
            let key = keys::generate()?;
            let public = keys::write_key_files(&a.out, &key, a.id.as_deref())?;
            let pk = hex_key(&key.verifying_key().to_bytes());
            if global.format == Format::Json {
                print_json(
                    &serde_json::json!({"secret_key_file": a.out, "public_key_file": public, "public_key": pk}),
                )?;
            } else {
                println!(
                    "wrote {} (secret, mode 0600) and {}\npublic key {pk}",
                    a.out.display(),
                    public.display()
                );
            }
            Ok(Outcome::Ok)
        }
        GeolocCommand::Agent(a) => {
            let key = keys::load_signing_key(&a.key)?;
            let chip_id = match a.chip_id.or(keys::key_file_id(&a.key)?) {
                Some(id) => id,
                None => bail!(
                    "{}: the key file names no `id:`; pass --chip-id",
                    a.key.display()
                ),
            };
            let mut agent =
                Agent::new(key, &chip_id).map_err(|m| anyhow::anyhow!("--chip-id: {m}"))?;
            if !(a.max_skew_s.is_finite() && a.max_skew_s > 0.0) {
                bail!("--max-skew-s must be positive");
            }
            agent.max_skew = Duration::from_secs_f64(a.max_skew_s);
            let addr = resolve(&a.listen)?;
            let socket =
                UdpSocket::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
            let stop = Arc::new(AtomicBool::new(false));
            if let Some(d) = a.duration_s {
                let s = stop.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_secs_f64(d.max(0.0)));
                    s.store(true, std::sync::atomic::Ordering::Relaxed);
                });
            }
            eprintln!(
                "agent for chip {chip_id} listening on {}",
                socket.local_addr()?
            );
            let counters = Counters::default();
            serve_agent(&socket, &mut agent, &stop, &counters)?;
            eprintln!(
                "agent stopped: {} answered, {} rejected",
                counters.answered.load(std::sync::atomic::Ordering::Relaxed),
                counters.rejected.load(std::sync::atomic::Ordering::Relaxed)
            );
            Ok(Outcome::Ok)
        }
        GeolocCommand::Landmark(a) => landmark(a, global),
        GeolocCommand::Register(a) => {
            let rt = runtime()?;
            rt.block_on(async {
                let reg = open_registry(global).await?;
                match a.what {
                    RegisterWhat::Chip {
                        id,
                        public_key,
                        lat,
                        lon,
                        site,
                        replace_key,
                    } => {
                        let key = keys::load_verifying_key(&public_key)?;
                        reg.register_chip(
                            &id,
                            &hex_key(key.as_bytes()),
                            point(lat, lon)?,
                            &site,
                            replace_key,
                        )
                        .await?;
                        println!("registered chip {id} at ({lat}, {lon}) {site}");
                    }
                    RegisterWhat::Landmark {
                        id,
                        public_key,
                        lat,
                        lon,
                    } => {
                        let key = keys::load_verifying_key(&public_key)?;
                        reg.register_landmark(&id, &hex_key(key.as_bytes()), point(lat, lon)?)
                            .await?;
                        println!("registered landmark {id} at ({lat}, {lon})");
                    }
                }
                Ok(Outcome::Ok)
            })
        }
        GeolocCommand::Import(a) => {
            let text = std::fs::read_to_string(&a.file)
                .with_context(|| format!("cannot read {}", a.file.display()))?;
            runtime()?.block_on(async {
                let reg = open_registry(global).await?;
                let (n, rejected) = reg.import_measurements(&text, &a.file).await?;
                for r in &rejected {
                    eprintln!("rejected: {r}");
                }
                if global.format == Format::Json {
                    print_json(&serde_json::json!({"recorded": n, "rejected": rejected}))?;
                } else {
                    println!("{n} measurements recorded, {} rejected", rejected.len());
                }
                if rejected.is_empty() {
                    Ok(Outcome::Ok)
                } else {
                    bail!("{} measurements rejected", rejected.len())
                }
            })
        }
        GeolocCommand::Verify(a) => verify(a, global),
        GeolocCommand::Status(_) => runtime()?.block_on(async {
            let reg = open_registry(global).await?;
            let s = reg.status().await?;
            if global.format == Format::Json {
                print_json(&s)?;
            } else {
                println!(
                    "{} chips, {} landmarks, {} measurements",
                    s.chips.len(),
                    s.landmarks,
                    s.measurements
                );
                for c in &s.chips {
                    println!(
                        "{:<24} {:<12} last verified {:<24} last answer {:<24} alerts {}",
                        c.chip_id,
                        c.last_verdict.map(|v| v.as_str()).unwrap_or("-"),
                        c.last_verified_at.as_deref().unwrap_or("never"),
                        c.last_measurement_at.as_deref().unwrap_or("never"),
                        c.alerts
                    );
                }
                for al in s.alerts.iter().take(20) {
                    println!(
                        "ALERT {} {} {}: {}",
                        al.raised_at, al.kind, al.chip_id, al.message
                    );
                }
            }
            Ok(Outcome::Ok)
        }),
        GeolocCommand::Solve(a) => {
            let cfg = a.solver.config()?;
            let input = csvin::load_offline(&a.landmarks, &a.measurements, &a.claims)?;
            let bar = Bar::new(global.quiet);
            let out = csvin::solve_offline(&input, &cfg, &bar);
            if let Some(path) = &a.geojson {
                let (file, mut f) = AtomicFile::create(path)?;
                serde_json::to_writer(&mut f, &feature_collection(&out))?;
                f.sync_all()?;
                file.commit()?;
            }
            let json: Vec<_> = out.iter().map(claim_json).collect();
            if let Some(path) = &a.out {
                let (file, mut f) = AtomicFile::create(path)?;
                serde_json::to_writer_pretty(&mut f, &json)?;
                f.sync_all()?;
                file.commit()?;
            }
            if global.format == Format::Json {
                if a.out.is_none() {
                    print_json(&json)?;
                }
            } else {
                print_assessments(&out);
            }
            let inconsistent = out.iter().any(|a| a.verdict == Verdict::Inconsistent);
            Ok(if a.fail_on_findings && inconsistent {
                Outcome::Findings
            } else {
                Outcome::Ok
            })
        }
    }
}

fn hex_key(b: &[u8; 32]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn landmark(a: LandmarkArgs, global: &Global) -> anyhow::Result<Outcome> {
    let key = keys::load_signing_key(&a.key)?;
    let mut lm = Landmark::new(key, &a.id, point(a.lat, a.lon)?)
        .map_err(|m| anyhow::anyhow!("--id: {m}"))?;
    if a.probes == 0 || a.probes > 1000 {
        bail!("--probes must be between 1 and 1000");
    }
    lm.timeout = Duration::from_millis(a.timeout_ms.clamp(1, 60_000));
    let targets: Vec<SocketAddr> = a
        .probe
        .iter()
        .map(|s| resolve(s))
        .collect::<anyhow::Result<_>>()?;
    let socket =
        UdpSocket::bind(resolve(&a.bind)?).with_context(|| format!("cannot bind {}", a.bind))?;
    let rt = runtime()?;
    let reg = if a.no_record {
        None
    } else {
        Some(rt.block_on(open_registry(global))?)
    };
    let known = match &reg {
        Some(r) => {
            for (chip, c) in rt.block_on(r.last_counters(&a.id))? {
                lm.remember_counter(&chip, c);
            }
            rt.block_on(r.chip_keys())?
        }
        None => Default::default(),
    };
    let lookup = |chip: &str| known.get(chip).copied();
    let mut measurements: Vec<SignedMeasurement> = Vec::new();
    let mut failures = Vec::new();
    for t in &targets {
        let before = lm.rejected.len();
        match lm.measure(&socket, *t, a.probes, &lookup) {
            Ok(m) => {
                if let Some(r) = &reg {
                    if let Err(e) = rt.block_on(r.record_measurement(&m)) {
                        failures.push(format!("{t}: {e}"));
                        continue;
                    }
                }
                measurements.push(m);
            }
            Err(e) => {
                if let (Some(r), Some(chipdata)) = (
                    &reg,
                    lm.rejected[before..].iter().find_map(|x| match x {
                        chokepoint_geoloc::protocol::Reject::KeyMismatch { chip, got, .. } => {
                            Some((chip.clone(), got.clone()))
                        }
                        _ => None,
                    }),
                ) {
                    rt.block_on(r.report_key_mismatch(&chipdata.0, &a.id, &chipdata.1))?;
                }
                failures.push(format!("{t}: {e}"));
            }
        }
    }
    if let Some(path) = &a.out {
        let (file, mut f) = AtomicFile::create(path)?;
        for m in &measurements {
            serde_json::to_writer(&mut f, m)?;
            writeln!(f)?;
        }
        f.sync_all()?;
        file.commit()?;
    }
    if global.format == Format::Json {
        print_json(
            &serde_json::json!({"measurements": measurements, "failures": failures, "rejected_packets": lm.rejected.iter().map(|r| r.to_string()).collect::<Vec<_>>()}),
        )?;
    } else {
        for m in &measurements {
            println!(
                "{} chip {:<20} RTT min {:.3} ms ({} of {} probes verified){}",
                a.id,
                m.chip_id,
                m.rtt_ms,
                m.probes_ok,
                m.probes_sent,
                if reg.is_some() { ", recorded" } else { "" }
            );
        }
        for f in &failures {
            eprintln!("failed: {f}");
        }
        if !lm.rejected.is_empty() {
            eprintln!("{} packets rejected (see -v for each)", lm.rejected.len());
        }
    }
    if !failures.is_empty() {
        bail!(
            "{} of {} chips could not be measured",
            failures.len(),
            targets.len()
        );
    }
    Ok(Outcome::Ok)
}

fn verify(a: VerifyArgs, global: &Global) -> anyhow::Result<Outcome> {
    let cfg = a.solver.config()?;
    let policy = VerifyPolicy {
        measurement_window: hours(a.window_hours, "window-hours")?,
        unverified_alert_after: hours(a.unverified_alert_hours, "unverified-alert-hours")?,
        checkin_interval: hours(a.checkin_hours, "checkin-hours")?,
    };
    let now = match &a.at {
        Some(s) => chokepoint_core::parse_rfc3339(s)
            .map_err(|m| anyhow::anyhow!("--at: {m}"))?
            .timestamp_micros(),
        None => chokepoint_geoloc::registry::now_us(),
    };
    runtime()?.block_on(async {
        let reg = open_registry(global).await?;
        let results = match &a.chip {
            Some(id) => vec![reg.verify_chip(id, now, &policy, &cfg).await?],
            None => {
                reg.verify_all(now, &policy, &cfg, &Bar::new(global.quiet))
                    .await?
            }
        };
        if global.format == Format::Json {
            print_json(&results)?;
        } else {
            let list: Vec<Assessment> = results.iter().map(|r| r.assessment.clone()).collect();
            print_assessments(&list);
            for r in &results {
                for al in &r.alerts {
                    println!("ALERT {} {}: {}", al.kind, al.chip_id, al.message);
                }
            }
        }
        let findings = results
            .iter()
            .any(|r| r.assessment.verdict == Verdict::Inconsistent || !r.alerts.is_empty());
        Ok(if a.fail_on_findings && findings {
            Outcome::Findings
        } else {
            Outcome::Ok
        })
    })
}
