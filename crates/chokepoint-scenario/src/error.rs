//! The crate's error type: every input error names its place (file, line, key) and, for values,
//! the allowed range.

use chokepoint_core::{CoreError, Place};
use std::path::PathBuf;

/// Errors of the scenario model's inputs.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// A value or key that is not allowed, at a place.
    #[error("{place}: {message}")]
    Invalid { place: Place, message: String },
    /// A TOML syntax or shape error (unknown top-level keys included).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// `--preset NAME` that is neither a preset nor an existing file.
    #[error("no preset named `{name}` and no such scenario file; known presets: {known}")]
    UnknownPreset { name: String, known: String },
    /// A file that could not be read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A chart could not be drawn.
    #[error("chart: {0}")]
    Chart(String),
}

impl ScenarioError {
    /// An input error at `place`.
    pub fn invalid(place: Place, message: impl Into<String>) -> Self {
        ScenarioError::Invalid {
            place,
            message: message.into(),
        }
    }
}
