//! TAXII 2.1 load generator and server for `scripts/bench/intel.sh` (chokepoint vs medallion).
//!
//! `taxii_load serve DB_PATH` runs chokepoint's TAXII router (release build) on a free loopback
//! port and prints `READY <addr> <collection> <api key>`.
//! `taxii_load load` drives any TAXII 2.1 server, configured by environment variables:
//! BENCH_OBJECTS_URL (a collection's objects URL), BENCH_AUTH (`bearer:TOKEN` or
//! `basic:USER:PASS`), BENCH_OBJECTS (10000), BENCH_ENVELOPE (100), BENCH_PAGE (100),
//! BENCH_CLIENTS (32), BENCH_SECONDS (15, per latency phase), BENCH_LABEL.
//! It prints one JSON line with the figures. Without arguments (as `cargo bench` runs it), it
//! does nothing, so that `cargo bench --workspace` stays fast.

use serde_json::{json, Value};
use std::time::{Duration, Instant};

const TAXII: &str = "application/taxii+json;version=2.1";

fn env(k: &str, d: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| d.to_string())
}

fn object(n: u64, tag: u64) -> Value {
    let id = uuid::Uuid::from_u128(
        0x8e2e2d2b_17d4_4cbf_938f_000000000000u128 + ((tag as u128) << 40) + n as u128,
    );
    json!({
        "type": "indicator", "spec_version": "2.1", "id": format!("indicator--{id}"),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": format!("bench indicator {n}"),
        "pattern": format!("[ipv4-addr:value = '198.51.{}.{}']", (n / 250) % 250, n % 250),
        "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
        "indicator_types": ["malicious-activity"]
    })
}

#[derive(Clone)]
struct Target {
    http: reqwest::Client,
    url: String,
    auth: String,
}

impl Target {
    fn req(&self, m: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let r = self.http.request(m, url).header("Accept", TAXII);
        if let Some(t) = self.auth.strip_prefix("bearer:") {
            r.bearer_auth(t)
        } else if let Some(up) = self.auth.strip_prefix("basic:") {
            let (u, p) = up.split_once(':').unwrap_or((up, ""));
            r.basic_auth(u, Some(p))
        } else {
            r
        }
    }
    async fn post(&self, objs: &[Value]) -> Result<(), String> {
        let r = self
            .req(reqwest::Method::POST, &self.url)
            .header("Content-Type", TAXII)
            .body(json!({"objects": objs}).to_string())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let s = r.status();
        let t = r.text().await.map_err(|e| e.to_string())?;
        if s.as_u16() != 202 {
            return Err(format!("POST {s}: {t}"));
        }
        Ok(())
    }
    async fn page(
        &self,
        limit: usize,
        next: Option<&str>,
    ) -> Result<(usize, Option<String>), String> {
        let mut q = vec![("limit", limit.to_string())];
        if let Some(n) = next {
            q.push(("next", n.to_string()));
        }
        let r = self
            .req(reqwest::Method::GET, &self.url)
            .query(&q)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let s = r.status();
        let v: Value = r.json().await.map_err(|e| e.to_string())?;
        if !s.is_success() {
            return Err(format!("GET {s}: {v}"));
        }
        let n = v
            .get("objects")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let more = v.get("more").and_then(Value::as_bool).unwrap_or(false);
        let next = if more {
            v.get("next").and_then(Value::as_str).map(str::to_string)
        } else {
            None
        };
        Ok((n, next))
    }
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

async fn latency_phase(
    t: &Target,
    clients: usize,
    secs: f64,
    post: bool,
    page: usize,
    envelope: usize,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let mut handles = Vec::new();
    for c in 0..clients {
        let t = t.clone();
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut k = 0u64;
            while Instant::now() < deadline || lat.is_empty() {
                let start = Instant::now();
                let r = if post {
                    let objs: Vec<Value> = (0..envelope as u64)
                        .map(|i| object(k * envelope as u64 + i, 1000 + c as u64))
                        .collect();
                    k += 1;
                    t.post(&objs).await
                } else {
                    t.page(page, None).await.map(|_| ())
                };
                match r {
                    Ok(()) => lat.push(start.elapsed().as_secs_f64() * 1000.0),
                    Err(_) => {
                        errors += 1;
                        if errors > 100 {
                            break;
                        }
                    }
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for h in handles {
        if let Ok((l, e)) = h.await {
            all.extend(l);
            errors += e;
        }
    }
    let n = all.len();
    json!({"requests": n, "errors": errors, "p50_ms": pct(&mut all, 0.5), "p99_ms": pct(&mut all, 0.99)})
}

async fn load() -> Result<Value, String> {
    let t = Target {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|e| e.to_string())?,
        url: env("BENCH_OBJECTS_URL", ""),
        auth: env("BENCH_AUTH", ""),
    };
    let n: u64 = env("BENCH_OBJECTS", "10000")
        .parse()
        .map_err(|_| "BENCH_OBJECTS")?;
    let envelope: usize = env("BENCH_ENVELOPE", "100")
        .parse()
        .map_err(|_| "BENCH_ENVELOPE")?;
    let page: usize = env("BENCH_PAGE", "100").parse().map_err(|_| "BENCH_PAGE")?;
    let clients: usize = env("BENCH_CLIENTS", "32")
        .parse()
        .map_err(|_| "BENCH_CLIENTS")?;
    let secs: f64 = env("BENCH_SECONDS", "15")
        .parse()
        .map_err(|_| "BENCH_SECONDS")?;
    let objects: Vec<Value> = (0..n).map(|i| object(i, 0)).collect();
    let start = Instant::now();
    for chunk in objects.chunks(envelope) {
        t.post(chunk).await?;
    }
    let post_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut seen = 0;
    let mut pages = 0;
    let mut next: Option<String> = None;
    let mut first_page_s = 0.0;
    loop {
        let (got, nx) = t.page(page, next.as_deref()).await?;
        if pages == 0 {
            first_page_s = start.elapsed().as_secs_f64();
        }
        seen += got;
        pages += 1;
        match nx {
            Some(x) if got > 0 => next = Some(x),
            _ => break,
        }
    }
    let get_s = start.elapsed().as_secs_f64();
    if seen as u64 != n {
        return Err(format!("paged through {seen} objects, expected {n}"));
    }
    // BENCH_CLIENTS=0 measures only the sequential POST + paging workload.
    let (get_lat, post_lat) = if clients == 0 {
        (Value::Null, Value::Null)
    } else {
        (
            latency_phase(&t, clients, secs, false, page, envelope).await,
            latency_phase(&t, clients, secs, true, page, envelope).await,
        )
    };
    Ok(json!({
        "label": env("BENCH_LABEL", "server"),
        "objects": n, "envelope": envelope, "page": page, "pages": pages,
        "post_seconds": post_s, "post_objects_per_s": n as f64 / post_s,
        "page_seconds": get_s, "first_page_seconds": first_page_s, "page_objects_per_s": n as f64 / get_s,
        "total_seconds": post_s + get_s,
        "clients": clients,
        "get_page_latency": get_lat,
        "post_envelope_latency": post_lat,
    }))
}

async fn serve(db: &str) -> Result<(), String> {
    use chokepoint_intel::taxii::{self, TaxiiConfig, TaxiiState};
    let db = chokepoint_intel::open_db(std::path::Path::new(db))
        .await
        .map_err(|e| e.to_string())?;
    db.add_org("bench").await.map_err(|e| e.to_string())?;
    let key = db.create_key("bench").await.map_err(|e| e.to_string())?;
    let c = db
        .add_collection("bench", None, None)
        .await
        .map_err(|e| e.to_string())?;
    db.grant("bench", &c, true, true)
        .await
        .map_err(|e| e.to_string())?;
    let state = TaxiiState::new(db, TaxiiConfig::default())
        .await
        .map_err(|e| e.to_string())?;
    let l = taxii::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "READY {} {} {}",
        l.local_addr().map_err(|e| e.to_string())?,
        c,
        key.token
    );
    taxii::serve(l, state).await.map_err(|e| e.to_string())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rt = chokepoint_intel::runtime().expect("a tokio runtime");
    match args.get(1).map(String::as_str) {
        Some("serve") => {
            if let Err(e) = rt.block_on(serve(args.get(2).map_or("bench.db", String::as_str))) {
                eprintln!("serve: {e}");
                std::process::exit(2);
            }
        }
        Some("load") => match rt.block_on(load()) {
            Ok(v) => println!("{v}"),
            Err(e) => {
                eprintln!("load: {e}");
                std::process::exit(2);
            }
        },
        _ => eprintln!("taxii_load: run through scripts/bench/intel.sh (modes: serve DB | load)"),
    }
}
