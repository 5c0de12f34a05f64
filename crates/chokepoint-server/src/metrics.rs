//! `/metrics` in the Prometheus text format (0.0.4), hand-written: request counts by area and
//! status class, a latency histogram, scans, logins, process memory and table counts.
//!
//! `/metrics` is authenticated like the API (a bearer token in Prometheus' `authorization`
//! setting): the figures are not secret, but every endpoint that is not explicitly public needs
//! a credential, and a scrape config can carry one.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Areas requests are counted under.
const AREAS: [&str; 6] = ["console", "api", "taxii", "auth", "static", "other"];
/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

/// The counters.
#[derive(Default)]
pub struct Metrics {
    /// [area][status class 1..5]
    requests: [[AtomicU64; 5]; 6],
    /// [area][bucket] (+Inf in the last slot)
    latency: [[AtomicU64; 11]; 6],
    latency_sum_us: [AtomicU64; 6],
    scans_ok: AtomicU64,
    scans_failed: AtomicU64,
    logins_ok: AtomicU64,
    logins_failed: AtomicU64,
}

fn area_of(path: &str) -> usize {
    if path.starts_with("/api/") {
        1
    } else if path.starts_with("/taxii2") {
        2
    } else if path == "/login" || path == "/logout" {
        3
    } else if path.starts_with("/static/") {
        4
    } else if path == "/healthz" || path == "/metrics" {
        5
    } else {
        0
    }
}

impl Metrics {
    pub fn scan_finished(&self, ok: bool) {
        if ok {
            self.scans_ok.fetch_add(1, Ordering::Relaxed);
        } else {
            self.scans_failed.fetch_add(1, Ordering::Relaxed);
        }
    }
    pub fn login(&self, ok: bool) {
        if ok {
            self.logins_ok.fetch_add(1, Ordering::Relaxed);
        } else {
            self.logins_failed.fetch_add(1, Ordering::Relaxed);
        }
    }
    fn observe(&self, area: usize, status: u16, seconds: f64) {
        let class = ((status / 100) as usize).clamp(1, 5) - 1;
        self.requests[area][class].fetch_add(1, Ordering::Relaxed);
        let b = BUCKETS
            .iter()
            .position(|&le| seconds <= le)
            .unwrap_or(BUCKETS.len());
        self.latency[area][b].fetch_add(1, Ordering::Relaxed);
        self.latency_sum_us[area].fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }
}

/// Middleware: times and counts every request.
pub async fn track(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    st.inner.metrics.observe(
        area_of(&path),
        resp.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    resp
}

/// Resident and virtual memory of this process in bytes (Linux `/proc/self/statm`).
pub fn process_memory() -> Option<(u64, u64)> {
    let s = std::fs::read_to_string("/proc/self/statm").ok()?;
    let mut it = s.split_whitespace();
    let virt: u64 = it.next()?.parse().ok()?;
    let rss: u64 = it.next()?.parse().ok()?;
    // The page size is 4 KiB on every Linux target this runs on.
    Some((rss * 4096, virt * 4096))
}

/// `GET /metrics`.
pub async fn render(State(st): State<AppState>) -> Response {
    let m = &st.inner.metrics;
    let mut s = String::new();
    s.push_str("# HELP chokepoint_http_requests_total HTTP requests answered, by area and status class.\n# TYPE chokepoint_http_requests_total counter\n");
    for (a, area) in AREAS.iter().enumerate() {
        for c in 0..5 {
            let n = m.requests[a][c].load(Ordering::Relaxed);
            if n > 0 {
                let _ = writeln!(
                    s,
                    "chokepoint_http_requests_total{{area=\"{area}\",status=\"{}xx\"}} {n}",
                    c + 1
                );
            }
        }
    }
    s.push_str("# HELP chokepoint_http_request_duration_seconds Time to answer a request.\n# TYPE chokepoint_http_request_duration_seconds histogram\n");
    for (a, area) in AREAS.iter().enumerate() {
        let mut cum = 0;
        for (b, le) in BUCKETS.iter().enumerate() {
            cum += m.latency[a][b].load(Ordering::Relaxed);
            let _ = writeln!(
                s,
                "chokepoint_http_request_duration_seconds_bucket{{area=\"{area}\",le=\"{le}\"}} {cum}"
            );
        }
        cum += m.latency[a][BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(
            s,
            "chokepoint_http_request_duration_seconds_bucket{{area=\"{area}\",le=\"+Inf\"}} {cum}"
        );
        let _ = writeln!(
            s,
            "chokepoint_http_request_duration_seconds_sum{{area=\"{area}\"}} {}",
            m.latency_sum_us[a].load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(
            s,
            "chokepoint_http_request_duration_seconds_count{{area=\"{area}\"}} {cum}"
        );
    }
    let _ = write!(
        s,
        "# HELP chokepoint_scans_finished_total Console scans finished, by outcome.\n# TYPE chokepoint_scans_finished_total counter\nchokepoint_scans_finished_total{{outcome=\"ok\"}} {}\nchokepoint_scans_finished_total{{outcome=\"failed\"}} {}\n",
        m.scans_ok.load(Ordering::Relaxed),
        m.scans_failed.load(Ordering::Relaxed)
    );
    let _ = write!(
        s,
        "# HELP chokepoint_logins_total Sign-in attempts, by outcome.\n# TYPE chokepoint_logins_total counter\nchokepoint_logins_total{{outcome=\"ok\"}} {}\nchokepoint_logins_total{{outcome=\"failed\"}} {}\n",
        m.logins_ok.load(Ordering::Relaxed),
        m.logins_failed.load(Ordering::Relaxed)
    );
    let running = st.inner.progress.lock().map(|p| p.len()).unwrap_or(0);
    let _ = write!(
        s,
        "# HELP chokepoint_scans_active Scans queued or running.\n# TYPE chokepoint_scans_active gauge\nchokepoint_scans_active {running}\n"
    );
    if let Ok(counts) = st.db().counts().await {
        s.push_str("# HELP chokepoint_store_rows Rows of the server's tables.\n# TYPE chokepoint_store_rows gauge\n");
        for (k, v) in counts {
            let _ = writeln!(s, "chokepoint_store_rows{{table=\"{k}\"}} {v}");
        }
    }
    if let Some((rss, virt)) = process_memory() {
        let _ = write!(
            s,
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {rss}\n# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes {virt}\n"
        );
    }
    let _ = write!(
        s,
        "# HELP process_uptime_seconds Seconds since the server started.\n# TYPE process_uptime_seconds gauge\nprocess_uptime_seconds {:.3}\n",
        st.inner.started.elapsed().as_secs_f64()
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s,
    )
        .into_response()
}
