//! Findings and the evidence behind them.
//!
//! Every flag chokepoint raises (a distillation campaign, a screening hit, a diversion red flag,
//! an inconsistent chip location) carries readable reasons built from measured values, so that
//! the person who acts on it can check it.

use serde::{Deserialize, Serialize};

/// One measured fact that supports a finding, e.g. "shares payment fingerprint with 214 accounts".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Stable machine name of the signal that produced it (e.g. `shared_payment`).
    pub signal: String,
    /// The sentence an analyst reads, with the measured values in it.
    pub text: String,
    /// The signal's contribution to the score, in [0, 1].
    pub weight: f64,
}

impl Evidence {
    pub fn new(signal: impl Into<String>, text: impl Into<String>, weight: f64) -> Self {
        Evidence {
            signal: signal.into(),
            text: text.into(),
            weight,
        }
    }
}

/// A scored decision with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Score in [0, 1].
    pub score: f64,
    /// The decision at the configured threshold.
    pub flagged: bool,
    pub evidence: Vec<Evidence>,
}
