//! Helpers shared by the integration tests: a real server on a loopback port, test objects.
#![allow(dead_code)]

use chokepoint_intel::db::IntelDb;
use chokepoint_intel::taxii::{self, TaxiiConfig, TaxiiState};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::Path;

pub const TAXII: &str = "application/taxii+json;version=2.1";

pub struct Server {
    pub addr: SocketAddr,
    pub db: IntelDb,
    pub collection: String,
    /// rw, read-only, no grant.
    pub key_a: String,
    pub key_b: String,
    pub key_c: String,
}

impl Server {
    pub fn url(&self, p: &str) -> String {
        format!("http://{}{}", self.addr, p)
    }
    pub fn objects_url(&self) -> String {
        self.url(&format!("/api/collections/{}/objects/", self.collection))
    }
}

pub async fn setup_db(path: &Path) -> (IntelDb, String, String, String, String) {
    let db = chokepoint_intel::open_db(path).await.unwrap();
    for o in ["lab-a", "lab-b", "lab-c"] {
        db.add_org(o).await.unwrap();
    }
    let c = db
        .add_collection("distillation", Some("shared indicators"), None)
        .await
        .unwrap();
    db.grant("lab-a", &c, true, true).await.unwrap();
    db.grant("lab-b", &c, true, false).await.unwrap();
    let a = db.create_key("lab-a").await.unwrap().token;
    let b = db.create_key("lab-b").await.unwrap().token;
    let k = db.create_key("lab-c").await.unwrap().token;
    (db, c, a, b, k)
}

pub async fn start(path: &Path, cfg: TaxiiConfig) -> Server {
    let (db, collection, key_a, key_b, key_c) = setup_db(path).await;
    let state = TaxiiState::new(db.clone(), cfg).await.unwrap();
    let listener = taxii::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, taxii::taxii_router(state)).await;
    });
    Server {
        addr,
        db,
        collection,
        key_a,
        key_b,
        key_c,
    }
}

pub fn indicator(n: usize, modified: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--{}", uuid::Uuid::from_u128(0x8e2e2d2b_17d4_4cbf_938f_000000000000 + n as u128)),
        "created": "2026-01-01T00:00:00.000Z", "modified": modified,
        "pattern": format!("[ipv4-addr:value = '198.51.100.{}']", n % 250),
        "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"
    })
}

pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

pub async fn post(
    c: &reqwest::Client,
    url: &str,
    key: &str,
    objects: &[Value],
) -> reqwest::Response {
    c.post(url)
        .bearer_auth(key)
        .header("Accept", TAXII)
        .header("Content-Type", TAXII)
        .body(json!({"objects": objects}).to_string())
        .send()
        .await
        .unwrap()
}

pub async fn get(
    c: &reqwest::Client,
    url: &str,
    key: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let r = c
        .get(url)
        .bearer_auth(key)
        .header("Accept", TAXII)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    let h = r.headers().clone();
    let t = r.text().await.unwrap();
    (s, h, serde_json::from_str(&t).unwrap_or(Value::Null))
}
