//! `chokepoint serve`: the analyst console (web UI, REST API, TAXII, /metrics) on the embedded
//! database, and its users and API tokens.

use crate::{Format, Global, Outcome};
use anyhow::Context;
use chokepoint_server::{Role, ServerConfig};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ServeArgs {
    #[command(subcommand)]
    pub command: Option<ServeCommand>,
    #[command(flatten)]
    pub options: ServeOptions,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ServeOptions {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Scan inputs named in the console or API must lie in this directory.
    #[arg(long, default_value = ".")]
    pub data_dir: PathBuf,
    /// Mark session cookies Secure: set this when users reach the server over TLS (a proxy).
    #[arg(long)]
    pub secure_cookies: bool,
    /// The organisation named as producer of exported STIX.
    #[arg(long, default_value = "chokepoint")]
    pub producer: String,
    /// Community key for STIX exports (as `intel keygen` writes); default: one generated once
    /// and kept in the database.
    #[arg(long, value_name = "FILE")]
    pub community_key_file: Option<PathBuf>,
    /// Scan these traffic files before serving (each becomes a finished scan).
    #[arg(long = "scan", value_name = "FILE")]
    pub scan: Vec<PathBuf>,
    /// Shipment ledger for the exports page (default: a simulated one).
    #[arg(long, value_name = "FILE")]
    pub ledger: Option<PathBuf>,
    /// Denied-party list for the customers page (default: the bundled sample).
    #[arg(long, value_name = "FILE")]
    pub screen_list: Option<PathBuf>,
    /// Compute customers (CSV) for the customers page (default: the bundled sample).
    #[arg(long, value_name = "FILE")]
    pub customers: Option<PathBuf>,
    /// Ownership edges of the customers (CSV or FollowTheMoney JSON lines).
    #[arg(long, value_name = "FILE")]
    pub ownership: Option<PathBuf>,
    /// Offline chip measurements: LANDMARKS MEASUREMENTS CLAIMS (CSV, as `geoloc solve`).
    #[arg(long, num_args = 3, value_names = ["LANDMARKS", "MEASUREMENTS", "CLAIMS"])]
    pub geoloc_csv: Option<Vec<PathBuf>>,
}

#[derive(Debug, clap::Subcommand)]
pub enum ServeCommand {
    /// Local users of the console.
    #[command(
        subcommand,
        after_help = "Example:\n  chokepoint serve user add alice --role admin < password.txt\n  chokepoint serve user list"
    )]
    User(UserCommand),
    /// Bearer tokens for the REST API (and /metrics).
    #[command(
        subcommand,
        after_help = "Example:\n  chokepoint serve token add --user alice --label ci"
    )]
    Token(TokenCommand),
}

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Add a user; the password comes from $CHOKEPOINT_PASSWORD or the first line of stdin.
    #[command(
        after_help = "Example:\n  printf '%s\\n' 'a long passphrase' | chokepoint serve user add alice --role admin\n  CHOKEPOINT_PASSWORD=... chokepoint serve user add bob"
    )]
    Add {
        name: String,
        #[arg(long, value_enum, default_value = "analyst")]
        role: RoleArg,
        /// Change the password and role of an existing user (ends its sessions).
        #[arg(long)]
        replace: bool,
    },
    /// List users.
    #[command(after_help = "Example:\n  chokepoint serve user list --format json")]
    List,
}

#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user; it is printed once and stored only hashed.
    #[command(after_help = "Example:\n  chokepoint serve token add --user alice --label ci")]
    Add {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Revoke a token by its id (the 16 hex characters after `cps1_`).
    #[command(after_help = "Example:\n  chokepoint serve token revoke 0123456789abcdef")]
    Revoke { token_id: String },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RoleArg {
    Analyst,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Analyst => Role::Analyst,
            RoleArg::Admin => Role::Admin,
        }
    }
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("CHOKEPOINT_PASSWORD") {
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
        eprintln!("password (input is shown; prefer $CHOKEPOINT_PASSWORD or a pipe): ");
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let p = line.trim_end_matches(['\n', '\r']).to_string();
    if p.is_empty() {
        anyhow::bail!("no password: set $CHOKEPOINT_PASSWORD or pipe it on stdin");
    }
    Ok(p)
}

/// The server configuration of the options.
pub fn config(o: &ServeOptions) -> anyhow::Result<ServerConfig> {
    let community_key = match &o.community_key_file {
        Some(p) => Some(chokepoint_intel::CommunityKey::from_file(p)?),
        None => None,
    };
    let geoloc_csv = match &o.geoloc_csv {
        Some(v) if v.len() == 3 => Some([v[0].clone(), v[1].clone(), v[2].clone()]),
        _ => None,
    };
    std::fs::metadata(&o.data_dir)
        .with_context(|| format!("data directory {}", o.data_dir.display()))?;
    Ok(ServerConfig {
        data_dir: o.data_dir.clone(),
        secure_cookies: o.secure_cookies,
        producer: o.producer.clone(),
        community_key,
        modules: chokepoint_server::modules::ModuleInputs {
            ledger: o.ledger.clone(),
            screen_list: o.screen_list.clone(),
            customers: o.customers.clone(),
            ownership: o.ownership.clone(),
            geoloc_csv,
            ledger_seed: 7,
        },
        ..ServerConfig::default()
    })
}

/// Opens the server on `global.db`, scans `options.scan`, and serves until Ctrl-C. `banner`
/// lines are printed once the server listens (the demo uses it to print credentials).
pub fn serve(options: &ServeOptions, global: &Global, banner: &[String]) -> anyhow::Result<()> {
    let cfg = config(options)?;
    let rt = chokepoint_server::runtime()?;
    rt.block_on(async {
        let state = chokepoint_server::open(&global.db, cfg).await?;
        for f in &options.scan {
            let bar = std::sync::Arc::new(crate::ui::Bar::new(global.quiet));
            let id = chokepoint_server::scan_and_store(
                state.db(),
                vec![f.clone()],
                state.inner.config.scan_options.clone(),
                "serve --scan",
                bar,
            )
            .await?;
            println!("scanned {} as scan {id}", f.display());
        }
        let users = state.db().users().await?;
        chokepoint_server::run(&options.listen, state, |addr| {
            println!("chokepoint console on http://{addr}/  (database {})", global.db.display());
            println!("  API: http://{addr}/api/v1/openapi.json   TAXII: http://{addr}/taxii2/taxii2/   metrics: http://{addr}/metrics");
            if users.is_empty() {
                println!("  no user yet: chokepoint serve user add NAME --role admin");
            }
            for b in banner {
                println!("  {b}");
            }
            println!("  Ctrl-C stops the server.");
        })
        .await?;
        Ok::<(), anyhow::Error>(())
    })
}

pub fn run(args: ServeArgs, global: &Global) -> anyhow::Result<Outcome> {
    let Some(cmd) = args.command else {
        serve(&args.options, global, &[])?;
        return Ok(Outcome::Ok);
    };
    let rt = chokepoint_server::runtime()?;
    rt.block_on(async {
        let db = chokepoint_server::open_db(&global.db).await?;
        match cmd {
            ServeCommand::User(UserCommand::Add {
                name,
                role,
                replace,
            }) => {
                let password = read_password()?;
                let u = db.add_user(&name, &password, role.into(), replace).await?;
                if global.format == Format::Json {
                    println!("{}", serde_json::to_string(&u)?);
                } else {
                    println!("user {} ({})", u.name, u.role.as_str());
                }
            }
            ServeCommand::User(UserCommand::List) => {
                let users = db.users().await?;
                if global.format == Format::Json {
                    println!("{}", serde_json::to_string_pretty(&users)?);
                } else {
                    for u in users {
                        println!("{:<24} {}", u.name, u.role.as_str());
                    }
                }
            }
            ServeCommand::Token(TokenCommand::Add { user, label }) => {
                let t = db.create_token(&user, &label).await?;
                if global.format == Format::Json {
                    println!("{}", serde_json::to_string(&t)?);
                } else {
                    println!("{}", t.token);
                    eprintln!(
                        "token {} for {}: shown once, stored hashed",
                        t.token_id, t.user
                    );
                }
            }
            ServeCommand::Token(TokenCommand::Revoke { token_id }) => {
                db.revoke_token(&token_id).await?;
                println!("revoked {token_id}");
            }
        }
        Ok::<Outcome, anyhow::Error>(Outcome::Ok)
    })
}

/// The end of `chokepoint demo`: the console on the demo's database and files (its traffic
/// scanned into the console, its ledger, sample customers and chip measurements, its community
/// key), with a `demo` admin whose fresh password is printed with the URL.
pub fn demo(dir: &std::path::Path, listen: &str, global: &Global) -> anyhow::Result<()> {
    let f = |name: &str| dir.join(name);
    let mut g = global.clone();
    g.db = f("chokepoint.db");
    let password = {
        let rt = chokepoint_server::runtime()?;
        rt.block_on(async {
            let db = chokepoint_server::open_db(&g.db).await?;
            let password = chokepoint_server::db::random_hex(9)?;
            db.add_user("demo", &password, Role::Admin, true).await?;
            Ok::<String, anyhow::Error>(password)
        })?
    };
    let options = ServeOptions {
        listen: listen.to_string(),
        data_dir: dir.to_path_buf(),
        secure_cookies: false,
        producer: "chokepoint demo lab".into(),
        community_key_file: Some(f("community.key")).filter(|p| p.is_file()),
        scan: vec![f("traffic.jsonl")],
        ledger: Some(f("ledger.csv")).filter(|p| p.is_file()),
        screen_list: Some(f("sample-list.json")).filter(|p| p.is_file()),
        customers: Some(f("sample-customers.csv")).filter(|p| p.is_file()),
        ownership: Some(f("sample-ownership.csv")).filter(|p| p.is_file()),
        geoloc_csv: Some(vec![
            f("sample-landmarks.csv"),
            f("sample-measurements.csv"),
            f("sample-claims.csv"),
        ])
        .filter(|v| v.iter().all(|p| p.is_file())),
    };
    println!("\n[console] scanning the demo traffic into the console database ...");
    serve(
        &options,
        &g,
        &[format!("sign in as `demo` with password {password}")],
    )
}
