//! Threat-intelligence sharing between labs: chokepoint's one job here is to let a lab share
//! what identifies a distillation campaign — as STIX 2.1 over TAXII 2.1, the lingua franca of
//! threat intelligence — without sharing customer prompts or personal data.
//!
//! - [`stix`]: the STIX 2.1 model and its validation; [`pattern`]: the patterning grammar.
//! - [`keyed`]: keyed hashes and keyed template sketches under a community key.
//! - [`report`] + [`export`]: a distill report becomes a bundle ([`export::export_bundle`]).
//! - [`taxii`]: the TAXII 2.1 server ([`taxii::taxii_router`]) over the embedded store
//!   ([`db`]), with per-organisation API keys and per-collection permissions.
//! - [`client`]: push and pull against any TAXII 2.1 server.
//! - [`matcher`]: shared indicators against local API logs, with STIX sightings to send back.

pub mod client;
pub mod db;
pub mod export;
pub mod keyed;
pub mod matcher;
pub mod pattern;
pub mod report;
pub mod stix;
pub mod taxii;

pub use export::{export_bundle, ExportOptions};
pub use keyed::{CommunityKey, ValueKind};
pub use report::DistillReport;
pub use stix::{Bundle, StixObject, Tlp};

use chokepoint_core::Place;
use std::path::PathBuf;

/// Errors of the intel library.
#[derive(Debug, thiserror::Error)]
pub enum IntelError {
    /// Input that does not have the expected shape, at a place.
    #[error("{place}: {message}")]
    Input { place: Place, message: String },
    /// A STIX object or bundle that is not valid STIX 2.1.
    #[error("{place}: {source}")]
    Stix {
        place: Place,
        source: Box<stix::StixError>,
    },
    /// A community key file that cannot be used.
    #[error("community key {path}: {message}")]
    Key { path: PathBuf, message: String },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The embedded database.
    #[error(transparent)]
    Store(#[from] chokepoint_store::StoreError),
    /// A query of the embedded database.
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    /// A named thing (organisation, collection, key) that does not exist or already exists.
    #[error("{0}")]
    NotFound(String),
    /// A conflict with what is stored (e.g. an organisation name already taken).
    #[error("{0}")]
    Conflict(String),
    /// A TAXII server answered with an error or something that is not TAXII.
    #[error("{url}: {message}")]
    Remote { url: String, message: String },
    /// Reading API logs (distill's readers: the file, line and field are in the message).
    #[error(transparent)]
    Read(#[from] chokepoint_distill::DistillError),
}

/// A multi-threaded runtime for the CLI, which has no async runtime of its own.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// Opens (creating when missing) the embedded database at `path` with the intel tables.
pub async fn open_db(path: &std::path::Path) -> Result<db::IntelDb, IntelError> {
    let store = chokepoint_store::Store::open(path).await?;
    db::IntelDb::open(store).await
}
