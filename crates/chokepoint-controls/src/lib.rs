//! chokepoint-controls: export controls for advanced computing items.
//!
//! One job: tell an exporter what a part is (ECCN 3A090/4A090 from its public figures), whether
//! a shipment of it needs a licence (by destination, headquarters and end use, from versioned
//! and dated rules data), and which shipments in a ledger look like diversion (BIS red flags,
//! capacity versus volume, re-export chains through an intermediary).

pub mod analyze;
pub mod classify;
pub mod error;
pub mod http;
pub mod ledger;
pub mod rules;
pub mod sim;

pub use analyze::{analyze_ledger, AnalysisConfig, Analyzer, LedgerReport};
pub use classify::{
    classify_figures, classify_part, Classification, ControlStatus, PartsDb, RawFigures,
};
pub use error::ControlsError;
pub use http::{router, router_with_auth, ControlsState};
pub use rules::{determine_licence, LicenceDecision, LicenceQuery, Rules};
pub use sim::{simulate_ledger, SimLedger, SimTruth};
