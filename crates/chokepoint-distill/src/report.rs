//! The scan report: the output contract `specs/distill-report.md` (`chokepoint.distill.report/v1`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The schema id written in every report.
pub const REPORT_SCHEMA: &str = "chokepoint.distill.report/v1";

/// One scan report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub generated_at: String,
    pub stats: ReportStats,
    pub accounts: Vec<AccountFinding>,
    pub campaigns: Vec<Campaign>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportStats {
    pub records: u64,
    pub bad_records: u64,
    pub accounts: u64,
    pub flagged_accounts: u64,
    pub campaigns: u64,
    pub seconds: f64,
    /// The first bad records with their place (`file:line N, field: message`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bad_record_samples: Vec<String>,
    /// Inputs that ended early, with what was kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_errors: Vec<String>,
    /// The configured flag threshold.
    pub threshold: f64,
}

/// One account's score and the reasons behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountFinding {
    pub account_id: String,
    pub score: f64,
    pub flagged: bool,
    pub campaign: Option<String>,
    pub reasons: Vec<String>,
    pub records: u64,
    /// The measured value of each signal, in [0, 1], by signal name.
    pub signals: BTreeMap<String, f64>,
}

/// One campaign: a community of linked accounts scored as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: String,
    pub score: f64,
    pub accounts: Vec<String>,
    pub records: u64,
    pub first_seen: String,
    pub last_seen: String,
    pub capabilities: BTreeMap<String, f64>,
    pub evidence: Vec<String>,
    pub indicators: Indicators,
    /// How strongly each kind of link ties the campaign together (accounts reached by it).
    pub links: BTreeMap<String, u64>,
}

/// What another party could match against: infrastructure values and template sketches
/// (`tsh1:` shingle sets of template skeletons, never text).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Indicators {
    pub ips: Vec<String>,
    pub asns: Vec<u32>,
    pub payment_fingerprints: Vec<String>,
    pub template_sketches: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_agents: Vec<String>,
}

impl Report {
    /// The report with the fields that legitimately differ between two runs on the same input
    /// (wall-clock time) cleared, for comparisons.
    pub fn without_timing(&self) -> Report {
        let mut r = self.clone();
        r.generated_at.clear();
        r.stats.seconds = 0.0;
        r
    }
}
