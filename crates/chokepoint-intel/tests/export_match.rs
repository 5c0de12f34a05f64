//! From logs to a report to a bundle and back: nothing raw leaves, and the receiving lab finds
//! the campaign's accounts in its own logs (by keyed hashes and by template similarity) and
//! not its legitimate customers.

use chokepoint_core::template::{shingles, TemplateShingles};
use chokepoint_core::{ApiRecord, NoProgress, Place};
use chokepoint_intel::matcher::{match_logs, sightings};
use chokepoint_intel::stix::{self, StixObject};
use chokepoint_intel::{export_bundle, CommunityKey, DistillReport, ExportOptions, Tlp};
use serde_json::json;
use std::collections::BTreeSet;
use std::io::Write;

const TEMPLATES: [&str; 2] = [
    "You are an expert grader. Think step by step and write out your full chain of reasoning before scoring this answer against the rubric: {}",
    "Rewrite the following function so that it passes all tests, and explain every change you make with detailed justification: {}",
];
const FILLS: [&str; 6] = [
    "\"The mitochondria is the powerhouse of the cell\"",
    "```def add(a, b): return a - b```",
    "\"Photosynthesis produces oxygen as a by-product\"",
    "```fn mul(a: u32, b: u32) -> u32 { a + b }```",
    "\"The treaty of Westphalia was signed in 1648\"",
    "```int main() { return 1; }```",
];
const LEGIT: [&str; 5] = [
    "Draft a friendly reminder email to my landlord about the broken heater in flat 4B",
    "What are good vegetarian recipes for a dinner party of eight people?",
    "Summarise the attached quarterly sales memo in three bullet points",
    "Translate this paragraph into Spanish for our product brochure: we ship worldwide",
    "Help me plan a two week itinerary through northern Portugal by train",
];

fn record(ts: &str, account: &str, ip: &str, pf: &str, prompt: String) -> ApiRecord {
    ApiRecord {
        ts: ts.into(),
        account_id: account.into(),
        ip: Some(ip.into()),
        payment_fingerprint: Some(pf.into()),
        prompt,
        ..ApiRecord::default()
    }
}

/// The producing lab's campaign accounts and the receiving lab's traffic.
struct World {
    report_json: String,
    raw_values: Vec<String>,
    receiver_logs: Vec<ApiRecord>,
}

fn world() -> World {
    let attackers: Vec<String> = (0..12).map(|i| format!("acct_atk_{i:04}")).collect();
    let ips: Vec<String> = (0..6).map(|i| format!("203.0.113.{}", 10 + i)).collect();
    let pfs = vec!["pf_9c1e77ab21".to_string(), "pf_4410fe0b93".to_string()];
    // Skeletons as the scanner would compute them: shingles common to the template's prompts.
    let skeletons: Vec<String> = TEMPLATES
        .iter()
        .map(|t| {
            let sets: Vec<Vec<u64>> = FILLS
                .iter()
                .map(|f| shingles(&t.replace("{}", f)))
                .collect();
            let common: Vec<u64> = sets[0]
                .iter()
                .copied()
                .filter(|s| sets.iter().all(|o| o.binary_search(s).is_ok()))
                .collect();
            TemplateShingles::new(common).encode()
        })
        .collect();
    let report = json!({
        "schema": "chokepoint.distill.report/v1",
        "generated_at": "2026-02-04T00:00:00Z",
        "stats": {"records": 100},
        "accounts": attackers.iter().map(|a| json!({"account_id": a, "score": 0.97, "flagged": true, "campaign": "c-1",
            "reasons": [format!("shares payment fingerprint {} with 11 accounts", pfs[0]), format!("seen from {}", ips[0])]})).collect::<Vec<_>>(),
        "campaigns": [{
            "id": "c-1", "score": 0.98, "accounts": attackers, "records": 5000,
            "first_seen": "2026-02-01T00:00:00Z", "last_seen": "2026-02-03T00:00:00Z",
            "capabilities": {"reasoning": 0.6, "coding": 0.4},
            "evidence": [format!("81% of prompts match 2 templates, e.g. `{}`", TEMPLATES[0]), format!("ips {}", ips.join(","))],
            "indicators": {"ips": ips, "asns": [64500], "payment_fingerprints": pfs, "template_sketches": skeletons}
        }]
    });
    let mut raw_values: Vec<String> = Vec::new();
    raw_values.extend(attackers.iter().cloned());
    raw_values.extend(ips.iter().cloned());
    raw_values.extend(pfs.iter().cloned());
    for t in TEMPLATES {
        for f in FILLS {
            raw_values.push(t.replace("{}", f));
        }
        // Also any long fragment of the template's fixed text.
        raw_values.push(t[..40].to_string());
    }
    // The receiving lab: the same campaign under other account ids (one shares a payment
    // fingerprint, one an IP), one account whose id is shared, and legitimate customers.
    let mut logs = Vec::new();
    for (i, acct) in ["rx_acct_7701", "rx_acct_7702", "rx_acct_7703"]
        .iter()
        .enumerate()
    {
        for (j, f) in [
            "\"Osmosis moves water across membranes\"",
            "```let x = vec![1, 2]; x[5]```",
            "\"Rome fell in 476\"",
        ]
        .iter()
        .enumerate()
        {
            let t = TEMPLATES[(i + j) % 2];
            let ip = if i == 1 {
                "203.0.113.12".to_string()
            } else {
                format!("198.51.100.{}", 50 + i)
            };
            let pf = if i == 0 {
                "pf_9c1e77ab21"
            } else {
                "pf_rx_000123"
            };
            logs.push(record(
                &format!("2026-03-0{}T10:00:00Z", j + 1),
                acct,
                &ip,
                pf,
                t.replace("{}", f),
            ));
        }
    }
    logs.push(record(
        "2026-03-02T11:00:00Z",
        "acct_atk_0003",
        "192.0.2.200",
        "pf_rx_555",
        "hello there".into(),
    ));
    for (i, p) in LEGIT.iter().enumerate() {
        for k in 0..3 {
            logs.push(record(
                &format!("2026-03-0{}T12:00:00Z", k + 1),
                &format!("rx_legit_{i}"),
                &format!("198.18.0.{}", i + 1),
                &format!("pf_legit_{i}"),
                format!("{p} (request {k})"),
            ));
        }
    }
    raw_values.extend(logs.iter().map(|r| r.account_id.clone()));
    raw_values.extend(logs.iter().filter_map(|r| r.ip.clone()));
    raw_values.extend(logs.iter().map(|r| r.prompt.clone()));
    World {
        report_json: report.to_string(),
        raw_values,
        receiver_logs: logs,
    }
}

#[test]
fn export_leaks_nothing_and_match_finds_the_campaign() {
    let w = world();
    let key = CommunityKey::from_bytes([7; 32]);
    let report = DistillReport::from_str_at(&w.report_json, Place::file("report.json")).unwrap();
    let mut opts = ExportOptions::new("Lab A");
    opts.tlp = Tlp::Amber;
    let bundle = export_bundle(&report, &key, &opts, &NoProgress).unwrap();
    let text = serde_json::to_string_pretty(&bundle).unwrap();
    // Every exported byte against every raw value of the report and of the logs.
    for raw in &w.raw_values {
        assert!(
            !text.contains(raw.as_str()),
            "the bundle contains a raw value: {raw}"
        );
    }
    // Valid STIX: every object, every pattern.
    let objects = stix::parse_bundle(&text).unwrap();
    let n_ind = objects
        .iter()
        .filter(|o| matches!(o, StixObject::Indicator(_)))
        .count();
    assert_eq!(
        n_ind,
        3 + 2 + 1,
        "accounts, ips, payment; two templates; asns"
    );
    assert!(text.contains(key.id()));
    for o in &objects {
        if let StixObject::Indicator(i) = o {
            chokepoint_intel::pattern::parse(&i.pattern).unwrap();
        }
    }

    // The receiving lab matches its own logs.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("rx.jsonl");
    let mut f = std::fs::File::create(&log).unwrap();
    for r in &w.receiver_logs {
        writeln!(f, "{}", serde_json::to_string(r).unwrap()).unwrap();
    }
    writeln!(f, "{{not json").unwrap();
    drop(f);
    let old_key = CommunityKey::from_bytes([1; 32]);
    let rep = match_logs(
        &objects,
        &[old_key, key.clone()],
        std::slice::from_ref(&log),
        false,
        &NoProgress,
    )
    .unwrap();
    assert_eq!(rep.bad_records, 1);
    assert!(
        rep.bad_examples[0].contains("rx.jsonl:line"),
        "{:?}",
        rep.bad_examples
    );
    let matched: BTreeSet<&str> = rep.matches.iter().map(|m| m.account_id.as_str()).collect();
    for a in [
        "rx_acct_7701",
        "rx_acct_7702",
        "rx_acct_7703",
        "acct_atk_0003",
    ] {
        assert!(matched.contains(a), "{a} not matched: {matched:?}");
    }
    assert!(
        !matched.iter().any(|a| a.starts_with("rx_legit")),
        "legitimate accounts matched: {matched:?}"
    );
    let tmpl: Vec<_> = rep
        .matches
        .iter()
        .filter(|m| m.kind == "template")
        .collect();
    assert!(tmpl
        .iter()
        .all(|m| m.similarity >= 0.8 && m.similarity <= 1.0));
    assert!(rep
        .matches
        .iter()
        .any(|m| m.account_id == "rx_acct_7701" && m.kind == "payment"));
    assert!(rep
        .matches
        .iter()
        .any(|m| m.account_id == "rx_acct_7702" && m.kind == "ip"));
    assert!(rep
        .matches
        .iter()
        .any(|m| m.account_id == "acct_atk_0003" && m.kind == "account"));
    assert!(rep.matches.iter().all(|m| !m.campaigns.is_empty()));

    // Another community's key matches nothing and says why.
    let stranger = match_logs(
        &objects,
        &[CommunityKey::from_bytes([8; 32])],
        &[log],
        false,
        &NoProgress,
    )
    .unwrap();
    assert!(stranger.matches.is_empty());
    assert!(stranger
        .indicators_skipped
        .keys()
        .any(|k| k.contains("not held")));

    // Sightings to send back: valid STIX, no local raw values.
    let s = sightings(&rep, "Lab B", Tlp::Green, chrono::Utc::now());
    let sb = serde_json::to_string(&chokepoint_intel::Bundle::new(s)).unwrap();
    stix::parse_bundle(&sb).unwrap();
    for raw in &w.raw_values {
        assert!(
            !sb.contains(raw.as_str()),
            "sightings contain a raw value: {raw}"
        );
    }
    assert!(sb.contains("\"sighting\""));
}

#[test]
fn re_export_is_a_new_version_of_the_same_objects() {
    let w = world();
    let key = CommunityKey::from_bytes([7; 32]);
    let report = DistillReport::from_str_at(&w.report_json, Place::file("r.json")).unwrap();
    let mut o1 = ExportOptions::new("Lab A");
    o1.now = chokepoint_core::parse_rfc3339("2026-02-05T00:00:00Z").unwrap();
    let mut o2 = o1.clone();
    o2.now = chokepoint_core::parse_rfc3339("2026-02-06T00:00:00Z").unwrap();
    let ids = |b: &chokepoint_intel::Bundle| {
        b.objects
            .iter()
            .map(|o| o.id().to_string())
            .collect::<BTreeSet<_>>()
    };
    let b1 = export_bundle(&report, &key, &o1, &NoProgress).unwrap();
    let b2 = export_bundle(&report, &key, &o2, &NoProgress).unwrap();
    assert_eq!(ids(&b1), ids(&b2));
    let other = export_bundle(
        &report,
        &CommunityKey::from_bytes([9; 32]),
        &o1,
        &NoProgress,
    )
    .unwrap();
    assert!(ids(&b1)
        .intersection(&ids(&other))
        .all(|i| i.starts_with("marking-definition")
            || i.starts_with("extension-definition")
            || i.starts_with("identity--3f1e9c2a")));
}
