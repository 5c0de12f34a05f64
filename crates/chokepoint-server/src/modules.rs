//! The other modules' state as the console uses it: their Routers' state (controls rules and
//! parts, the screener, the geoloc registry, the TAXII state) and the inputs of their pages
//! (a shipment ledger, compute customers with ownership, offline chip measurements), from files
//! given to `chokepoint serve` or, when none are given, the samples each module ships.

use crate::ServerError;
use chokepoint_controls::analyze::{Analyzer, LedgerReport};
use chokepoint_controls::{ControlsState, PartsDb, Rules};
use chokepoint_core::NoProgress;
use chokepoint_geoloc::csvin::{self, OfflineInput};
use chokepoint_geoloc::registry::Registry;
use chokepoint_geoloc::solver::{Assessment, SolverConfig};
use chokepoint_intel::db::IntelDb;
use chokepoint_intel::taxii::{TaxiiConfig, TaxiiState};
use chokepoint_screen::ownership::OwnershipEdge;
use chokepoint_screen::{CustomerReport, MatchConfig, Screener};
use chokepoint_store::Store;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Files for the module pages; each `None` falls back to the module's bundled sample.
#[derive(Debug, Clone, Default)]
pub struct ModuleInputs {
    /// A shipment ledger (CSV or JSON lines) for the exports page.
    pub ledger: Option<PathBuf>,
    /// A denied-party list (any format `chokepoint screen` reads).
    pub screen_list: Option<PathBuf>,
    /// Compute customers (CSV) and their ownership edges (CSV or FollowTheMoney).
    pub customers: Option<PathBuf>,
    pub ownership: Option<PathBuf>,
    /// Offline chip measurements: landmarks, measurements, claims (CSV, as `geoloc solve`).
    pub geoloc_csv: Option<[PathBuf; 3]>,
    /// Seed of the simulated ledger used when no ledger is given.
    pub ledger_seed: u64,
}

/// What the pages and the module routers use.
pub struct Modules {
    pub controls: Arc<ControlsState>,
    pub screener: Arc<Screener>,
    pub customers: Vec<CustomerReport>,
    pub ownership: Vec<OwnershipEdge>,
    pub customers_source: String,
    pub ledger: LedgerReport,
    pub ledger_source: String,
    pub offline: OfflineInput,
    pub assessments: Vec<Assessment>,
    pub chips_source: String,
    pub registry: Registry,
    pub intel: IntelDb,
    pub taxii: TaxiiState,
    /// Restricted destinations (ISO alpha-2), drawn red on maps.
    pub restricted: Vec<String>,
    /// Rendered chip maps by chip id (the raster of boundaries is the costly part).
    pub map_cache: Mutex<HashMap<String, String>>,
}

fn err<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> ServerError + '_ {
    move |e| ServerError::BadRequest(format!("{what}: {e}"))
}

fn read(path: &Path) -> Result<String, ServerError> {
    std::fs::read_to_string(path)
        .map_err(|e| ServerError::BadRequest(format!("{}: {e}", path.display())))
}

struct Loaded {
    controls: ControlsState,
    screener: Screener,
    customers: Vec<CustomerReport>,
    ownership: Vec<OwnershipEdge>,
    customers_source: String,
    ledger: LedgerReport,
    ledger_source: String,
    offline: OfflineInput,
    assessments: Vec<Assessment>,
    chips_source: String,
}

fn load_blocking(inp: &ModuleInputs) -> Result<Loaded, ServerError> {
    let rules = Rules::builtin().map_err(err("controls rules"))?;
    let parts = PartsDb::builtin().map_err(err("controls parts"))?;

    // Exports: a ledger analysed with the built-in rules.
    let (ledger, ledger_source) = match &inp.ledger {
        Some(p) => (
            Analyzer::new(&rules, &parts)
                .analyze_path(p, &NoProgress)
                .map_err(err("ledger"))?,
            p.display().to_string(),
        ),
        None => {
            let sim = chokepoint_controls::simulate_ledger(inp.ledger_seed, 3000);
            (
                Analyzer::new(&rules, &parts).analyze_shipments(sim.shipments, &NoProgress),
                format!(
                    "simulated ledger (seed {}, 3000 shipments)",
                    inp.ledger_seed
                ),
            )
        }
    };

    // Customers: lists, customers and ownership.
    let screener = match &inp.screen_list {
        Some(p) => {
            chokepoint_screen::load_lists(
                std::slice::from_ref(p),
                chokepoint_screen::Encoding::Utf8,
                MatchConfig::default(),
                &NoProgress,
            )
            .map_err(err("screening list"))?
            .0
        }
        None => {
            let l = chokepoint_screen::lists::parse_csl_json(
                Path::new("sample-list.json"),
                chokepoint_screen::SAMPLE_LIST_JSON,
            )
            .map_err(err("sample list"))?;
            Screener::build(l.entries, MatchConfig::default(), &NoProgress)
        }
    };
    let (customers_text, customers_path, customers_source) = match &inp.customers {
        Some(p) => (read(p)?, p.clone(), p.display().to_string()),
        None => (
            chokepoint_screen::SAMPLE_CUSTOMERS_CSV.to_string(),
            PathBuf::from("sample-customers.csv"),
            "sample customers (bundled)".into(),
        ),
    };
    let loaded =
        chokepoint_screen::customers::parse_customers_csv(&customers_path, &customers_text)
            .map_err(err("customers"))?;
    let ownership = match (&inp.ownership, &inp.customers) {
        (Some(p), _) => {
            chokepoint_screen::load_ownership(p)
                .map_err(err("ownership"))?
                .edges
        }
        (None, None) => {
            chokepoint_screen::ownership::parse_ownership_csv(
                Path::new("sample-ownership.csv"),
                chokepoint_screen::SAMPLE_OWNERSHIP_CSV,
            )
            .map_err(err("sample ownership"))?
            .edges
        }
        (None, Some(_)) => Vec::new(),
    };
    let graph = (!ownership.is_empty()).then(|| chokepoint_screen::OwnershipGraph::new(&ownership));
    let customers = chokepoint_screen::screen_customers(
        &screener,
        &loaded.customers,
        graph.as_ref(),
        chrono::Utc::now().date_naive(),
        &NoProgress,
    );

    // Chips measured offline.
    let (offline, chips_source) = match &inp.geoloc_csv {
        Some([l, m, c]) => (
            csvin::load_offline(l, m, c).map_err(err("geoloc csv"))?,
            format!("{}, {}, {}", l.display(), m.display(), c.display()),
        ),
        None => {
            let lp = Path::new("sample-landmarks.csv");
            let cp = Path::new("sample-claims.csv");
            let lm = csvin::read_landmarks(csvin::SAMPLE_LANDMARKS.as_bytes(), lp)
                .map_err(err("sample landmarks"))?;
            let cl = csvin::read_claims(csvin::SAMPLE_CLAIMS.as_bytes(), cp)
                .map_err(err("sample claims"))?;
            let bounds = csvin::read_measurements(
                csvin::SAMPLE_MEASUREMENTS.as_bytes(),
                Path::new("sample-measurements.csv"),
                &lm,
                &cl,
            )
            .map_err(err("sample measurements"))?;
            (
                OfflineInput {
                    landmarks: lm,
                    claims: cl,
                    bounds,
                },
                "sample measurements (bundled)".into(),
            )
        }
    };
    let assessments = csvin::solve_offline(&offline, &SolverConfig::default(), &NoProgress);

    Ok(Loaded {
        controls: ControlsState { rules, parts },
        screener,
        customers,
        ownership,
        customers_source,
        ledger,
        ledger_source,
        offline,
        assessments,
        chips_source,
    })
}

impl Modules {
    /// Loads everything (the CPU-bound part on a blocking thread).
    pub async fn load(store: Store, inputs: &ModuleInputs) -> Result<Modules, ServerError> {
        let inp = inputs.clone();
        let l = tokio::task::spawn_blocking(move || load_blocking(&inp))
            .await
            .map_err(|e| ServerError::Internal(format!("loading module data: {e}")))??;
        let registry = Registry::open(store.clone())
            .await
            .map_err(|e| ServerError::Internal(format!("geoloc registry: {e}")))?;
        let intel = IntelDb::open(store)
            .await
            .map_err(|e| ServerError::Internal(format!("intel tables: {e}")))?;
        let taxii = TaxiiState::new(
            intel.clone(),
            TaxiiConfig {
                base_path: "/taxii2".into(),
                ..TaxiiConfig::default()
            },
        )
        .await
        .map_err(|e| ServerError::Internal(format!("taxii: {e}")))?;
        Ok(Modules {
            controls: Arc::new(l.controls),
            screener: Arc::new(l.screener),
            customers: l.customers,
            ownership: l.ownership,
            customers_source: l.customers_source,
            ledger: l.ledger,
            ledger_source: l.ledger_source,
            offline: l.offline,
            assessments: l.assessments,
            chips_source: l.chips_source,
            registry,
            intel,
            taxii,
            restricted: chokepoint_geoloc::RestrictedSet::default_set().codes,
            map_cache: Mutex::new(HashMap::new()),
        })
    }
}
