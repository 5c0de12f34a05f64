//! An object the server acknowledged (202) survives `kill -9` of the server process.
//! The test re-runs its own executable as the server child, so the kill is of a real process.

mod common;

use chokepoint_intel::taxii::{self, TaxiiConfig, TaxiiState};
use common::*;
use sqlx::Row;
use std::io::BufRead;
use std::process::{Command, Stdio};

const CHILD_ENV: &str = "CHOKEPOINT_INTEL_DURABILITY_CHILD_DB";

fn run_child(db: &str) {
    let rt = chokepoint_intel::runtime().unwrap();
    rt.block_on(async {
        let db = chokepoint_intel::open_db(std::path::Path::new(db))
            .await
            .unwrap();
        let state = TaxiiState::new(db, TaxiiConfig::default()).await.unwrap();
        let l = taxii::bind("127.0.0.1:0").await.unwrap();
        println!("LISTENING {}", l.local_addr().unwrap());
        let _ = axum::serve(l, taxii::taxii_router(state)).await;
    });
}

#[test]
fn acknowledged_posts_survive_kill_9() {
    if let Ok(db) = std::env::var(CHILD_ENV) {
        run_child(&db);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("durable.db");
    let rt = chokepoint_intel::runtime().unwrap();
    let (collection, key) = rt.block_on(async {
        let (db, c, a, _, _) = setup_db(&path).await;
        db.store().pool().close().await;
        (c, a)
    });
    eprintln!("db ready");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "acknowledged_posts_survive_kill_9",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let addr = loop {
        let l = lines
            .next()
            .expect("child exited before listening")
            .unwrap();
        // libtest prints `test name ... ` without a newline before the child's own output.
        if let Some(i) = l.find("LISTENING ") {
            break l[i + "LISTENING ".len()..].trim().to_string();
        }
    };
    eprintln!("child listening on {addr}");
    let url = format!("http://{addr}/api/collections/{collection}/objects/");
    // Post envelopes until the child is killed mid-stream from another thread.
    let acknowledged = rt.block_on(async {
        let c = client();
        let mut ok = Vec::new();
        let pid = child.id();
        let killer = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
            // SIGKILL: no chance to flush anything.
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        });
        for e in 0..10_000usize {
            let objs: Vec<_> = (0..20)
                .map(|i| indicator(e * 20 + i, "2026-01-01T00:00:00.000Z"))
                .collect();
            let r = c
                .post(&url)
                .bearer_auth(&key)
                .header("Accept", TAXII)
                .header("Content-Type", TAXII)
                .body(serde_json::json!({"objects": objs}).to_string())
                .send()
                .await;
            match r {
                Ok(r) if r.status() == 202 => {
                    ok.extend(objs.iter().map(|o| o["id"].as_str().unwrap().to_string()))
                }
                _ => break,
            }
        }
        eprintln!("posted {} objects", ok.len());
        killer.await.unwrap();
        ok
    });
    let status = child.wait().unwrap();
    assert!(!status.success(), "the server was killed");
    assert!(
        acknowledged.len() >= 20,
        "some posts were acknowledged before the kill"
    );
    rt.block_on(async {
        let db = chokepoint_intel::open_db(&path).await.unwrap();
        for id in &acknowledged {
            let n: i64 = sqlx::query("SELECT COUNT(*) FROM intel_objects WHERE object_id = ?")
                .bind(id)
                .fetch_one(db.pool())
                .await
                .unwrap()
                .get(0);
            assert_eq!(n, 1, "acknowledged object {id} lost after kill -9");
        }
        let st: i64 = sqlx::query("SELECT COUNT(*) FROM intel_status")
            .fetch_one(db.pool())
            .await
            .unwrap()
            .get(0);
        assert!(st as usize >= acknowledged.len() / 20);
    });
}
