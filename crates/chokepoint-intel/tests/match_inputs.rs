//! `intel match` reads what `distill scan` reads: simulated traffic is scanned by distill,
//! exported as a bundle, and matched against the same traffic in every encoding; every
//! encoding gives the same matches, and those matches find the simulated campaigns.

use chokepoint_core::{NoProgress, Place};
use chokepoint_distill::{scan, ScanOptions};
use chokepoint_intel::matcher::{match_logs, MatchReport};
use chokepoint_intel::stix::{self, StixObject};
use chokepoint_intel::{export_bundle, CommunityKey, DistillReport, ExportOptions};
use chokepoint_sim::traffic::{write_jsonl, Scale, TrafficConfig};
use std::io::Write;
use std::path::{Path, PathBuf};

fn traffic() -> TrafficConfig {
    TrafficConfig {
        seed: 11,
        scale: Scale::Small,
        days: 1,
        ..Default::default()
    }
}

/// Simulated traffic as JSON Lines, its distill report exported as a bundle, and the labels.
fn setup(dir: &Path, key: &CommunityKey) -> (PathBuf, Vec<StixObject>, String) {
    let jsonl = dir.join("t.jsonl");
    let mut labels = Vec::new();
    write_jsonl(
        &traffic(),
        &mut std::fs::File::create(&jsonl).unwrap(),
        &mut labels,
        &NoProgress,
    )
    .unwrap();
    let report = scan(
        std::slice::from_ref(&jsonl),
        &ScanOptions::default(),
        &NoProgress,
    )
    .unwrap();
    let report = DistillReport::from_str_at(
        &serde_json::to_string(&report).unwrap(),
        Place::file("report.json"),
    )
    .unwrap();
    let bundle = export_bundle(&report, key, &ExportOptions::new("Lab A"), &NoProgress).unwrap();
    let text = serde_json::to_string(&bundle).unwrap();
    let objects = stix::parse_bundle(&text).unwrap();
    (jsonl, objects, String::from_utf8(labels).unwrap())
}

fn run(objects: &[StixObject], key: &CommunityKey, input: &Path) -> MatchReport {
    match_logs(
        objects,
        std::slice::from_ref(key),
        &[input.to_path_buf()],
        false,
        &NoProgress,
    )
    .unwrap_or_else(|e| panic!("{}: {e}", input.display()))
}

/// What must not depend on the encoding.
fn essence(r: &MatchReport) -> String {
    let m: Vec<_> = r
        .matches
        .iter()
        .map(|m| {
            (
                &m.account_id,
                &m.indicator_id,
                &m.kind,
                m.records,
                (m.similarity * 1e9).round(),
                &m.first_seen,
                &m.last_seen,
            )
        })
        .collect();
    format!(
        "{} records, {} bad, {} accounts, {m:?}",
        r.records, r.bad_records, r.accounts_seen
    )
}

#[test]
fn every_encoding_gives_the_same_matches() {
    let dir = tempfile::tempdir().unwrap();
    let key = CommunityKey::from_bytes([3; 32]);
    let (jsonl, objects, labels) = setup(dir.path(), &key);
    let plain = run(&objects, &key, &jsonl);
    assert!(plain.records > 1000, "{}", plain.records);
    assert_eq!(plain.bad_records, 0);
    assert!(!plain.matches.is_empty(), "the simulated campaigns match");
    // The matched accounts are the simulation's attackers.
    let attackers: std::collections::BTreeSet<String> = labels
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.get("label").and_then(|l| l.as_str()) == Some("attack"))
        .filter_map(|v| v.get("account_id")?.as_str().map(str::to_string))
        .collect();
    let matched: std::collections::BTreeSet<&str> = plain
        .matches
        .iter()
        .map(|m| m.account_id.as_str())
        .collect();
    let true_hits = matched.iter().filter(|a| attackers.contains(**a)).count();
    assert!(
        true_hits * 10 >= matched.len() * 9,
        "{true_hits} of {} matched accounts are attackers",
        matched.len()
    );

    let data = std::fs::read(&jsonl).unwrap();
    let gz = dir.path().join("t.jsonl.gz");
    let mut e = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    e.write_all(&data).unwrap();
    e.finish().unwrap();
    // No extension: the format is found by its magic bytes.
    let zst = dir.path().join("t.log");
    std::fs::write(&zst, zstd::encode_all(&data[..], 3).unwrap()).unwrap();
    // Parquet: the same simulation, written by the simulator.
    let parquet = dir.path().join("t.parquet");
    chokepoint_sim::traffic::write_parquet(
        &traffic(),
        std::fs::File::create(&parquet).unwrap(),
        &mut Vec::new(),
        &NoProgress,
    )
    .unwrap();
    // CSV: the JSONL records with a header row, in another column order.
    let csv = dir.path().join("t.csv");
    let mut w = csv::Writer::from_path(&csv).unwrap();
    w.write_record(["payment_fingerprint", "prompt", "ip", "account_id", "ts"])
        .unwrap();
    for line in String::from_utf8(data.clone()).unwrap().lines() {
        let r: chokepoint_core::ApiRecord = serde_json::from_str(line).unwrap();
        w.write_record([
            r.payment_fingerprint.clone().unwrap_or_default(),
            r.prompt.clone(),
            r.ip.clone().unwrap_or_default(),
            r.account_id.clone(),
            r.ts.clone(),
        ])
        .unwrap();
    }
    w.flush().unwrap();
    for other in [&gz, &zst, &parquet, &csv] {
        assert_eq!(
            essence(&plain),
            essence(&run(&objects, &key, other)),
            "{}",
            other.display()
        );
    }
}

#[test]
fn bad_records_are_counted_with_their_line_or_stop_a_strict_run() {
    let dir = tempfile::tempdir().unwrap();
    let key = CommunityKey::from_bytes([3; 32]);
    let log = dir.path().join("x.jsonl");
    std::fs::write(
        &log,
        "{\"ts\":\"2026-02-01T00:00:00Z\",\"account_id\":\"a\",\"prompt\":\"hi\"}\n\
         {\"ts\":\"yesterday\",\"account_id\":\"a\",\"prompt\":\"hi\"}\n\
         \n\
         [1,2]\n",
    )
    .unwrap();
    let r = match_logs(
        &[],
        std::slice::from_ref(&key),
        std::slice::from_ref(&log),
        false,
        &NoProgress,
    )
    .unwrap();
    assert_eq!((r.records, r.bad_records), (1, 2));
    assert!(
        r.bad_examples[0].contains("x.jsonl:line 2"),
        "{:?}",
        r.bad_examples
    );
    assert!(r.bad_examples[0].contains("ts"), "{:?}", r.bad_examples);
    assert!(
        r.bad_examples[1].contains("x.jsonl:line 4"),
        "{:?}",
        r.bad_examples
    );
    let e = match_logs(&[], &[key], &[log], true, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("x.jsonl:line 2"), "{e}");
}
