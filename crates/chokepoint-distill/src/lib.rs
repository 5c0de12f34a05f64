//! Finds coordinated distillation campaigns in API traffic logs.
//!
//! Distillation at scale hides in many small accounts, so per-account rate limits never fire;
//! what gives a campaign away is coordination. The scan follows four steps, built so that the
//! first can run on shards anywhere and the result does not depend on how the input was cut:
//!
//! 1. **read** ([`read`]): JSON Lines (plain, gzip, zstd, stdin), CSV or Parquet, in parallel
//!    chunks; bad records are counted with their place and skipped.
//! 2. **profile** (map, [`profile`]): each record updates its account's mergeable [`Profile`].
//! 3. **link** (reduce, [`link`]): accounts are joined through what they share (payment
//!    fingerprints, IPs, prompt templates) into communities: candidate campaigns.
//! 4. **score** ([`score`]): documented signals with documented weights ([`Config`]) score
//!    accounts and campaigns; every flag carries the measured values behind it ([`report`]).

pub mod config;
pub mod eval;
pub mod link;
pub mod patterns;
pub mod profile;
pub mod profiles_file;
pub mod read;
pub mod record;
pub mod report;
pub mod score;
pub mod sketch;

pub use config::Config;
pub use profile::Profile;
pub use read::{ProfileSet, ReadStats};
pub use report::{Report, REPORT_SCHEMA};

use chokepoint_core::{Place, Progress};
use std::path::{Path, PathBuf};

/// Errors of the scan. Bad records are not errors (they are counted) unless `--strict`.
#[derive(Debug, thiserror::Error)]
pub enum DistillError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Input(String),
    #[error("{place}: {message}")]
    BadRecord { place: Place, message: String },
    #[error("configuration: {0}")]
    Config(String),
}

impl DistillError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        DistillError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
    pub(crate) fn bad_record(
        file: &str,
        line: u64,
        field: Option<String>,
        message: String,
    ) -> Self {
        let mut place = Place::file(file).at_line(line);
        if let Some(f) = field {
            place = place.at_field(f);
        }
        DistillError::BadRecord { place, message }
    }
}

/// Options of a scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub config: Config,
    /// Stop at the first bad record.
    pub strict: bool,
    /// List every account in the report, not only flagged ones.
    pub all_accounts: bool,
}

/// The map step over local inputs: read every input into per-account profiles.
pub fn profile_inputs(
    inputs: &[PathBuf],
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> Result<ProfileSet, DistillError> {
    opts.config.validate().map_err(DistillError::Config)?;
    let ro = read::ReadOptions {
        profile: &opts.config.profile,
        strict: opts.strict,
        progress,
    };
    read::read_inputs(inputs, &ro)
}

/// The reduce step: link profiles into campaigns and score them into a report.
pub fn link_and_score(set: ProfileSet, opts: &ScanOptions, progress: &dyn Progress) -> Report {
    let started = std::time::Instant::now();
    let mut profiles: Vec<Profile> = set.profiles.into_values().collect();
    profiles.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    progress.start("linking", Some(profiles.len() as u64), "accounts");
    let graph = link::link(&profiles, &opts.config);
    progress.advance(profiles.len() as u64 / 2);
    let mut report = score::score(&profiles, &graph, &set.stats, opts);
    progress.finish();
    report.stats.seconds += started.elapsed().as_secs_f64();
    report
}

/// Read, profile, link and score: one local scan.
pub fn scan(
    inputs: &[PathBuf],
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> Result<Report, DistillError> {
    let started = std::time::Instant::now();
    let set = profile_inputs(inputs, opts, progress)?;
    let mut report = link_and_score(set, opts, progress);
    report.stats.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
