//! chokepoint-screen: screening of compute customers against denied-party lists.
//!
//! One job: tell a cloud provider whether a customer is, or is owned by, a listed party, and
//! whether it shows the red flags of offshore access to controlled compute. It loads lists
//! ([`lists`]), matches names across scripts and spellings ([`matcher`], [`normalize`]),
//! aggregates listed ownership through chains ([`ownership`]) and scores customers
//! ([`customers`]); [`http`] serves the same over HTTP for the console. [`eval`] builds the
//! labelled evaluation set from real listed names.
//!
//! Entry points: [`load_lists`] then [`Screener::screen`] for names, or [`screen_customers_files`]
//! for the whole customer run from files.

pub mod customers;
pub mod error;
pub mod eval;
pub mod http;
pub mod lists;
pub mod matcher;
pub mod normalize;
pub mod ownership;

pub use customers::{screen_customers, Customer, CustomerDecision, CustomerReport};
pub use error::{ScreenError, Skipped};
pub use lists::{load_list, load_queries, Encoding, ListEntry, LoadedList, Query};
pub use matcher::{Decision, Hit, MatchConfig, NameResult, Screener};
pub use ownership::{load_ownership, OwnershipGraph};

use chokepoint_core::Progress;
use std::path::{Path, PathBuf};

/// A small sample list (CSL JSON export shape) for demos: real Entity List / SDN names.
pub const SAMPLE_LIST_JSON: &str = include_str!("../data/sample-list.json");
/// Sample compute customers (CSV) for demos: clean customers, shells and look-alikes.
pub const SAMPLE_CUSTOMERS_CSV: &str = include_str!("../data/sample-customers.csv");
/// Sample ownership edges (CSV) for the sample customers.
pub const SAMPLE_OWNERSHIP_CSV: &str = include_str!("../data/sample-ownership.csv");

/// Loads several list files (any supported format each) into one index; every entry keeps its
/// source. Returns the screener and the records skipped in all files (with their places).
pub fn load_lists(
    paths: &[PathBuf],
    encoding: Encoding,
    config: MatchConfig,
    progress: &dyn Progress,
) -> Result<(Screener, Vec<Skipped>), ScreenError> {
    let mut entries = Vec::new();
    let mut skipped = Vec::new();
    for p in paths {
        let l = load_list(p, encoding)?;
        entries.extend(l.entries);
        skipped.extend(l.skipped);
    }
    if entries.is_empty() {
        return Err(ScreenError::invalid(
            chokepoint_core::Place::default(),
            format!(
                "no list entry loaded from {} file(s) ({} skipped)",
                paths.len(),
                skipped.len()
            ),
        ));
    }
    Ok((Screener::build(entries, config, progress), skipped))
}

/// The result of a customer run from files.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CustomersRun {
    pub reports: Vec<CustomerReport>,
    /// Skipped records of the lists, the customers file and the ownership file.
    pub skipped: Vec<Skipped>,
    pub list_entries: usize,
}

/// Loads the lists, the customers CSV and (optionally) the ownership edges, and screens every
/// customer as of `as_of`. This is what `chokepoint screen customers` and the demo call.
pub fn screen_customers_files(
    lists: &[PathBuf],
    customers: &Path,
    ownership: Option<&Path>,
    as_of: chrono::NaiveDate,
    progress: &dyn Progress,
) -> Result<CustomersRun, ScreenError> {
    let (screener, mut skipped) =
        load_lists(lists, Encoding::Utf8, MatchConfig::default(), progress)?;
    let loaded = customers::load_customers(customers)?;
    skipped.extend(loaded.skipped);
    let graph = match ownership {
        Some(p) => {
            let o = load_ownership(p)?;
            skipped.extend(o.skipped);
            Some(OwnershipGraph::new(&o.edges))
        }
        None => None,
    };
    let reports = screen_customers(
        &screener,
        &loaded.customers,
        graph.as_ref(),
        as_of,
        progress,
    );
    Ok(CustomersRun {
        reports,
        skipped,
        list_entries: screener.entries().len(),
    })
}
