//! The shared vocabulary of chokepoint.
//!
//! Every module crate (distill, intel, geoloc, screen, controls, scenario) speaks in these
//! types when it talks to another module, the CLI or the server, so that no module needs to
//! import another's internals. Kept deliberately small: a type moves here only once two
//! modules need it.

pub mod apilog;
pub mod config;
pub mod error;
pub mod evidence;
pub mod geo;
pub mod progress;
pub mod template;
pub mod time;

pub use apilog::{AccountLabel, ApiRecord};
pub use error::{CoreError, Place};
pub use evidence::{Evidence, Finding};
pub use geo::GeoPoint;
pub use progress::{NoProgress, Progress};
pub use time::{parse_rfc3339, Timestamp};

/// How a command renders its result: for people, or for other programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// Human-readable text (the default on a terminal).
    #[default]
    Text,
    /// One JSON document (or JSON lines where the command says so).
    Json,
}
