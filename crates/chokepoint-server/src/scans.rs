//! Distillation scans run by the server: a blocking task per scan (one at a time, so a scan
//! never starves the requests of its two-core host), live progress in memory for the page to
//! poll, and the finished report with per-campaign drawings persisted in the store.
//!
//! The scan is the library's own two steps, [`chokepoint_distill::profile_inputs`] then
//! [`chokepoint_distill::link_and_score`], so the report is exactly what `chokepoint distill
//! scan` writes; between the two the server keeps a small per-account digest (top shared values,
//! a thinned time sample) that the report does not carry, to draw each campaign's graph of
//! shared attributes and its traffic timeline.

use crate::db::NewCampaign;
use crate::{svg, AppState, ServerError};
use chokepoint_core::Progress;
use chokepoint_distill::{Profile, Report, ScanOptions};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Live progress of one scan, written by the scan's worker threads, read by the page.
#[derive(Debug, Default)]
pub struct ProgressCell {
    phase: Mutex<(String, String)>,
    total: AtomicU64,
    done: AtomicU64,
    phases: AtomicU64,
}

/// A snapshot of a [`ProgressCell`].
#[derive(Debug, Clone, Serialize)]
pub struct ProgressSnapshot {
    pub phase: String,
    pub unit: String,
    pub done: u64,
    pub total: Option<u64>,
    /// Phases finished so far.
    pub phases_done: u64,
}

impl ProgressCell {
    pub fn snapshot(&self) -> ProgressSnapshot {
        let (phase, unit) = self.phase.lock().map(|p| p.clone()).unwrap_or_default();
        let total = self.total.load(Ordering::Relaxed);
        ProgressSnapshot {
            phase,
            unit,
            done: self.done.load(Ordering::Relaxed),
            total: (total != u64::MAX).then_some(total),
            phases_done: self.phases.load(Ordering::Relaxed),
        }
    }
}

impl Progress for ProgressCell {
    fn start(&self, phase: &str, total: Option<u64>, unit: &str) {
        if let Ok(mut p) = self.phase.lock() {
            *p = (phase.to_string(), unit.to_string());
        }
        self.total
            .store(total.unwrap_or(u64::MAX), Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
    }
    fn advance(&self, delta: u64) {
        self.done.fetch_add(delta, Ordering::Relaxed);
    }
    fn finish(&self) {
        self.phases.fetch_add(1, Ordering::Relaxed);
    }
}

/// What the console shows about one account of a campaign (beyond the report's finding).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountDigest {
    pub account_id: String,
    pub records: u64,
    pub first_ms: i64,
    pub last_ms: i64,
    pub score: Option<f64>,
    pub flagged: bool,
    pub reasons: Vec<String>,
    pub payments: Vec<String>,
    pub ips: Vec<String>,
    pub subnets: Vec<String>,
    pub user_agents: Vec<String>,
    pub countries: Vec<String>,
    pub tiers: Vec<String>,
    /// A thinned, time-ordered sample of request times (epoch ms), each standing for
    /// `records / times.len()` requests.
    #[serde(skip)]
    pub times: Vec<i64>,
}

const TOP_VALUES: usize = 6;
const TIMES_KEPT: usize = 32;

fn top(sk: &chokepoint_distill::sketch::ValueSketch, n: usize) -> Vec<String> {
    let mut e: Vec<&chokepoint_distill::sketch::ValueCount> = sk.entries.iter().collect();
    e.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    e.into_iter().take(n).map(|v| v.value.clone()).collect()
}

/// The digest of one profile.
pub fn digest(p: &Profile) -> AccountDigest {
    let all = p.times.sorted_times();
    let times = if all.len() <= TIMES_KEPT {
        all
    } else {
        (0..TIMES_KEPT)
            .map(|i| all[i * all.len() / TIMES_KEPT])
            .collect()
    };
    AccountDigest {
        account_id: p.account_id.clone(),
        records: p.records,
        first_ms: p.first_ms,
        last_ms: p.last_ms,
        score: None,
        flagged: false,
        reasons: Vec::new(),
        payments: top(&p.payments, TOP_VALUES),
        ips: top(&p.ips, TOP_VALUES),
        subnets: top(&p.subnets, TOP_VALUES),
        user_agents: top(&p.user_agents, 2),
        countries: top(&p.countries, 3),
        tiers: top(&p.tiers, 2),
        times,
    }
}

/// A finished scan, ready to store.
pub struct ScanOutput {
    pub report: Report,
    pub campaigns: Vec<NewCampaign>,
}

/// Most accounts drawn in a campaign's graph (the busiest ones; the page says how many).
pub const GRAPH_ACCOUNTS: usize = 80;

/// Runs a scan on the calling (blocking) thread.
pub fn run_scan_blocking(
    inputs: &[PathBuf],
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> Result<ScanOutput, ServerError> {
    let started = std::time::Instant::now();
    let set = chokepoint_distill::profile_inputs(inputs, opts, progress)
        .map_err(|e| ServerError::BadRequest(e.to_string()))?;
    progress.start("digest", Some(set.profiles.len() as u64), "accounts");
    let mut digests: HashMap<String, AccountDigest> = set
        .profiles
        .iter()
        .map(|(k, p)| (k.clone(), digest(p)))
        .collect();
    progress.finish();
    let mut report = chokepoint_distill::link_and_score(set, opts, progress);
    report.stats.seconds = started.elapsed().as_secs_f64();
    let campaigns = campaigns_of(&report, &mut digests);
    Ok(ScanOutput { report, campaigns })
}

/// Builds the stored campaigns of a report: ranked by score, each with its accounts' digests
/// (when known), its graph and its timeline drawn once here rather than on every page view.
pub fn campaigns_of(
    report: &Report,
    digests: &mut HashMap<String, AccountDigest>,
) -> Vec<NewCampaign> {
    let findings: HashMap<&str, &chokepoint_distill::report::AccountFinding> = report
        .accounts
        .iter()
        .map(|a| (a.account_id.as_str(), a))
        .collect();
    let mut ranked: Vec<&chokepoint_distill::report::Campaign> = report.campaigns.iter().collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    ranked
        .into_iter()
        .map(|c| {
            let mut accounts: Vec<AccountDigest> = c
                .accounts
                .iter()
                .map(|id| {
                    let mut d = digests.remove(id).unwrap_or_else(|| AccountDigest {
                        account_id: id.clone(),
                        records: 0,
                        first_ms: i64::MAX,
                        last_ms: i64::MIN,
                        score: None,
                        flagged: false,
                        reasons: Vec::new(),
                        payments: Vec::new(),
                        ips: Vec::new(),
                        subnets: Vec::new(),
                        user_agents: Vec::new(),
                        countries: Vec::new(),
                        tiers: Vec::new(),
                        times: Vec::new(),
                    });
                    if let Some(f) = findings.get(id.as_str()) {
                        d.score = Some(f.score);
                        d.flagged = f.flagged;
                        d.reasons = f.reasons.clone();
                        if d.records == 0 {
                            d.records = f.records;
                        }
                    }
                    d
                })
                .collect();
            accounts.sort_by(|a, b| {
                b.records
                    .cmp(&a.records)
                    .then_with(|| a.account_id.cmp(&b.account_id))
            });
            let graph_svg = svg::campaign_graph(&accounts, GRAPH_ACCOUNTS);
            let timeline_svg = svg::timeline(&accounts, &c.first_seen, &c.last_seen);
            NewCampaign {
                campaign_id: c.id.clone(),
                score: c.score,
                accounts: c.accounts.len() as i64,
                records: c.records as i64,
                first_seen: c.first_seen.clone(),
                last_seen: c.last_seen.clone(),
                body: serde_json::to_string(c).unwrap_or_default(),
                details: serde_json::to_string(&accounts).unwrap_or_default(),
                graph_svg,
                timeline_svg,
            }
        })
        .collect()
}

/// Resolves a scan input given by a user against the data directory: relative paths are taken
/// inside it, and the resolved file must lie inside it (no `..`, no symlink out).
pub fn resolve_input(data_dir: &Path, given: &str) -> Result<PathBuf, ServerError> {
    let given = given.trim();
    if given.is_empty() {
        return Err(ServerError::BadRequest("path: empty".into()));
    }
    if given.len() > 4096 || given.contains('\0') {
        return Err(ServerError::BadRequest(
            "path: not a usable file name".into(),
        ));
    }
    let root = data_dir.canonicalize().map_err(|e| {
        ServerError::Internal(format!("data directory {}: {e}", data_dir.display()))
    })?;
    let p = Path::new(given);
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    };
    let real = joined.canonicalize().map_err(|_| {
        ServerError::BadRequest(format!(
            "path `{given}`: no such file in the data directory"
        ))
    })?;
    if !real.starts_with(&root) {
        return Err(ServerError::Forbidden(format!(
            "path `{given}`: outside the data directory {}",
            root.display()
        )));
    }
    if !real.is_file() {
        return Err(ServerError::BadRequest(format!(
            "path `{given}`: not a file"
        )));
    }
    Ok(real)
}

/// Queues a scan of `input` (already resolved) and returns its id at once; the scan runs on a
/// blocking thread when the scan slot is free, and its outcome is written to the store.
pub async fn start_scan(state: &AppState, input: PathBuf, user: &str) -> Result<i64, ServerError> {
    let id = state
        .db()
        .insert_scan(&input.display().to_string(), user)
        .await?;
    let cell = Arc::new(ProgressCell::default());
    if let Ok(mut m) = state.inner.progress.lock() {
        m.insert(id, cell.clone());
    }
    let st = state.clone();
    tokio::spawn(async move {
        let outcome = run_queued(&st, id, input, cell).await;
        if let Err(e) = outcome {
            tracing::warn!(scan = id, "scan failed: {e}");
            let _ = st.db().fail_scan(id, &e.to_string()).await;
            st.inner.metrics.scan_finished(false);
        } else {
            st.inner.metrics.scan_finished(true);
        }
        if let Ok(mut m) = st.inner.progress.lock() {
            m.remove(&id);
        }
    });
    Ok(id)
}

async fn run_queued(
    st: &AppState,
    id: i64,
    input: PathBuf,
    cell: Arc<ProgressCell>,
) -> Result<(), ServerError> {
    let _slot = st
        .inner
        .scan_slots
        .acquire()
        .await
        .map_err(|_| ServerError::Internal("scan queue closed".into()))?;
    st.db().set_scan_status(id, "running").await?;
    let opts = st.inner.config.scan_options.clone();
    let out = tokio::task::spawn_blocking(move || {
        run_scan_blocking(std::slice::from_ref(&input), &opts, &*cell)
    })
    .await
    .map_err(|e| ServerError::Internal(format!("the scan stopped: {e}")))??;
    store_scan(st.db(), id, &out).await
}

/// Writes a finished scan (report and campaigns) under scan `id`.
pub async fn store_scan(
    db: &crate::db::ServerDb,
    id: i64,
    out: &ScanOutput,
) -> Result<(), ServerError> {
    let stats = serde_json::to_string(&out.report.stats)
        .map_err(|e| ServerError::Internal(e.to_string()))?;
    let report =
        serde_json::to_string(&out.report).map_err(|e| ServerError::Internal(e.to_string()))?;
    db.finish_scan(id, &stats, &report, &out.campaigns).await
}

/// Stores an existing report (e.g. the demo's) as a finished scan. Without the traffic the
/// campaigns' graphs show the accounts and the report's reasons but no shared attributes.
pub async fn import_report(
    db: &crate::db::ServerDb,
    report: &Report,
    label: &str,
) -> Result<i64, ServerError> {
    let id = db.insert_scan(label, "import").await?;
    let campaigns = campaigns_of(report, &mut HashMap::new());
    let out = ScanOutput {
        report: report.clone(),
        campaigns,
    };
    store_scan(db, id, &out).await?;
    Ok(id)
}

/// Scans `inputs` now and stores the result as a finished scan (the demo and the CLI's
/// `serve --scan` use it so the console opens on real data with full campaign drawings).
pub async fn scan_and_store(
    db: &crate::db::ServerDb,
    inputs: Vec<PathBuf>,
    opts: ScanOptions,
    user: &str,
    progress: Arc<dyn Progress>,
) -> Result<i64, ServerError> {
    let label = inputs
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let id = db.insert_scan(&label, user).await?;
    db.set_scan_status(id, "running").await?;
    let res = tokio::task::spawn_blocking(move || run_scan_blocking(&inputs, &opts, &*progress))
        .await
        .map_err(|e| ServerError::Internal(format!("the scan stopped: {e}")))
        .and_then(|r| r);
    match res {
        Ok(out) => {
            store_scan(db, id, &out).await?;
            Ok(id)
        }
        Err(e) => {
            db.fail_scan(id, &e.to_string()).await?;
            Err(e)
        }
    }
}
