//! Errors of the screening library: every input error names its place.

use chokepoint_core::Place;
use std::path::PathBuf;

/// An error of the screening library.
#[derive(Debug, thiserror::Error)]
pub enum ScreenError {
    /// Input that does not have the expected shape.
    #[error("{place}: {message}")]
    Invalid { place: Place, message: String },
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl ScreenError {
    /// An input error at `place`.
    pub fn invalid(place: Place, message: impl Into<String>) -> Self {
        ScreenError::Invalid {
            place,
            message: message.into(),
        }
    }
}

/// A record that was skipped, with its place and the reason: counted and reported, never
/// silently merged or dropped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub place: Place,
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place, self.reason)
    }
}
