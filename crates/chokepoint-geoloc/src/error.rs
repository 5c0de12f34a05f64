//! Errors of the geoloc library. Input errors always carry a [`Place`].

use chokepoint_core::{CoreError, Place};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum GeolocError {
    /// Input that does not have the expected shape (a CSV cell, a key file, a packet field).
    #[error("{place}: {message}")]
    Invalid { place: Place, message: String },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A network operation failed.
    #[error("{what}: {source}")]
    Net {
        what: String,
        source: std::io::Error,
    },
    /// A registry lookup that found nothing.
    #[error("{0}")]
    NotFound(String),
    /// A request the registry refuses (e.g. registering a chip twice with another key).
    #[error("{0}")]
    Rejected(String),
    #[error(transparent)]
    Store(#[from] chokepoint_store::StoreError),
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
}

impl GeolocError {
    pub fn invalid(place: Place, message: impl Into<String>) -> Self {
        GeolocError::Invalid {
            place,
            message: message.into(),
        }
    }
}

impl From<CoreError> for GeolocError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Invalid { place, message } => GeolocError::Invalid { place, message },
            CoreError::Io { path, source } => GeolocError::Io { path, source },
        }
    }
}
