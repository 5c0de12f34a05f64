//! Simulators of realistic, labelled inputs for chokepoint: API traffic with distillation
//! campaigns and the legitimate traffic that looks like them (more inputs later: ledgers, ...).
//!
//! This crate is kept apart from the detectors on purpose: a detector must never import the
//! simulator's parameters, because it is judged on seeds and simulators it has never seen.

pub mod traffic;

/// Errors of a simulation run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A configuration value the simulator cannot honour.
    #[error("{0}")]
    Config(String),
    /// Writing an output failed.
    #[error("cannot write {what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    /// Encoding Parquet failed.
    #[error("cannot write {what} as Parquet: {message}")]
    Parquet { what: String, message: String },
}
