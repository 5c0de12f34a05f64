//! Errors of the controls library: every input error names its place (file, line, field).

use chokepoint_core::Place;
use std::path::PathBuf;

/// What went wrong, and where.
#[derive(Debug, thiserror::Error)]
pub enum ControlsError {
    /// Input that does not have the expected shape or value.
    #[error("{place}: {message}")]
    Invalid { place: Place, message: String },
    /// A part name that the accelerator data file does not know.
    #[error("unknown part `{name}`{hint}; known parts: {known}")]
    UnknownPart {
        name: String,
        hint: String,
        known: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl ControlsError {
    /// An input error at `place`.
    pub fn invalid(place: Place, message: impl Into<String>) -> Self {
        ControlsError::Invalid {
            place,
            message: message.into(),
        }
    }
    /// An input error in a named field of an argument or request (no file).
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ControlsError::invalid(Place::default().at_field(field), message)
    }
}

impl From<chokepoint_core::CoreError> for ControlsError {
    fn from(e: chokepoint_core::CoreError) -> Self {
        match e {
            chokepoint_core::CoreError::Invalid { place, message } => {
                ControlsError::Invalid { place, message }
            }
            chokepoint_core::CoreError::Io { path, source } => ControlsError::Io { path, source },
        }
    }
}
