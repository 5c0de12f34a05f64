//! End-to-end: simulated traffic through the whole scan, sharded map/reduce equivalence,
//! quality against labels, and bad input.

use chokepoint_core::NoProgress;
use chokepoint_distill::{eval, profiles_file, scan, Report, ScanOptions};
use chokepoint_sim::traffic::{write_jsonl, Scale, TrafficConfig};
use std::io::Write;
use std::path::{Path, PathBuf};

fn simulate(dir: &Path, seed: u64, days: u32) -> (PathBuf, PathBuf) {
    let traffic = dir.join("t.jsonl");
    let labels = dir.join("l.jsonl");
    let cfg = TrafficConfig {
        seed,
        scale: Scale::Small,
        days,
        ..Default::default()
    };
    let mut rec = std::fs::File::create(&traffic).unwrap();
    let mut lab = std::fs::File::create(&labels).unwrap();
    write_jsonl(&cfg, &mut rec, &mut lab, &NoProgress).unwrap();
    (traffic, labels)
}

fn all_accounts() -> ScanOptions {
    ScanOptions {
        all_accounts: true,
        ..ScanOptions::default()
    }
}

/// Cuts a JSONL file into `n` shards, round-robin by line (so every account is split).
fn shard(src: &Path, dir: &Path, n: usize) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(src).unwrap();
    let paths: Vec<PathBuf> = (0..n)
        .map(|i| dir.join(format!("shard-{n}-{i}.jsonl")))
        .collect();
    let mut files: Vec<_> = paths
        .iter()
        .map(|p| std::fs::File::create(p).unwrap())
        .collect();
    for (i, line) in text.lines().enumerate() {
        writeln!(files[(i * 7919) % n], "{line}").unwrap();
    }
    paths
}

#[test]
fn sharded_profile_and_link_equal_one_scan() {
    let dir = tempfile::tempdir().unwrap();
    let (traffic, _) = simulate(dir.path(), 4242, 3);
    let opts = all_accounts();
    let whole = scan(std::slice::from_ref(&traffic), &opts, &NoProgress)
        .unwrap()
        .without_timing();
    assert!(whole.stats.records > 1000);
    for n in [1, 2, 7] {
        let shards = shard(&traffic, dir.path(), n);
        let mut merged = chokepoint_distill::ProfileSet::default();
        for (i, s) in shards.iter().enumerate() {
            let set =
                chokepoint_distill::profile_inputs(std::slice::from_ref(s), &opts, &NoProgress)
                    .unwrap();
            let pf = dir.path().join(format!("p-{n}-{i}.profiles"));
            profiles_file::write(
                &set,
                &opts.config.profile,
                std::fs::File::create(&pf).unwrap(),
            )
            .unwrap();
            merged.merge(
                profiles_file::read(&pf, &opts.config.profile).unwrap(),
                &opts.config.profile,
            );
        }
        let r = chokepoint_distill::link_and_score(merged, &opts, &NoProgress).without_timing();
        assert_eq!(r.accounts, whole.accounts, "{n} shards: accounts differ");
        assert_eq!(r.campaigns, whole.campaigns, "{n} shards: campaigns differ");
    }
}

#[test]
fn quality_on_unseen_seed_and_no_hard_negative_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let (traffic, labels) = simulate(dir.path(), 9_000_001, 14);
    let report = scan(&[traffic], &ScanOptions::default(), &NoProgress).unwrap();
    let truth = eval::read_labels(&labels).unwrap();
    let ev = eval::evaluate(&report, &truth);
    eprintln!("{}", serde_json::to_string_pretty(&ev).unwrap());
    assert!(ev.precision >= 0.95, "precision {}", ev.precision);
    assert!(ev.recall >= 0.85, "recall {}", ev.recall);
    for (pop, c) in &ev.flagged_by_population {
        if c.label == "legit" {
            assert!(
                c.flagged as f64 <= 0.02 * c.accounts as f64 + 1.0,
                "{pop}: {} of {} flagged",
                c.flagged,
                c.accounts
            );
        }
    }
    // Every flag carries readable reasons with numbers in them.
    for a in report.accounts.iter().filter(|a| a.flagged) {
        assert!(
            !a.reasons.is_empty(),
            "{} flagged without reasons",
            a.account_id
        );
    }
    // Only sketches and hashes leave in indicators: no prompt text.
    for c in &report.campaigns {
        for s in &c.indicators.template_sketches {
            assert!(s.starts_with("tsh1:"));
        }
    }
}

#[test]
fn report_contract_holds() {
    let dir = tempfile::tempdir().unwrap();
    let (traffic, labels) = simulate(dir.path(), 77, 2);
    let report = scan(&[traffic], &all_accounts(), &NoProgress).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["schema"], "chokepoint.distill.report/v1");
    for k in [
        "records",
        "bad_records",
        "accounts",
        "flagged_accounts",
        "campaigns",
        "seconds",
    ] {
        assert!(json["stats"][k].is_number(), "stats.{k}");
    }
    let truth = eval::read_labels(&labels).unwrap();
    assert_eq!(
        report.accounts.len(),
        truth.len(),
        "--accounts all lists every account once"
    );
    let ids: std::collections::HashSet<&str> = report
        .accounts
        .iter()
        .map(|a| a.account_id.as_str())
        .collect();
    assert_eq!(ids.len(), report.accounts.len());
    for c in &report.campaigns {
        for a in &c.accounts {
            let f = report.accounts.iter().find(|x| &x.account_id == a).unwrap();
            assert_eq!(f.campaign.as_deref(), Some(c.id.as_str()));
        }
    }
    for a in &report.accounts {
        assert!((0.0..=1.0).contains(&a.score));
    }
    let back: Report = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
}

#[test]
fn bad_input_is_counted_with_place_and_nothing_before_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.jsonl");
    let good = r#"{"ts":"2026-02-03T14:07:11Z","account_id":"a-1","prompt":"hello"}"#;
    let mut body =
        format!("{good}\nnot json\n{{\"ts\":\"2026-02-03T14:07:11Z\",\"prompt\":\"x\"}}\n");
    body.push_str(&format!(
        "{{\"ts\":\"2026-02-03T14:07:11Z\",\"account_id\":\"a-2\",\"prompt\":\"{}\"}}\n",
        "y".repeat(10 << 20)
    ));
    body.push_str(good);
    body.push('\n');
    let mut bytes = body.into_bytes();
    bytes.extend_from_slice(b"\xff\xfe\x00garbage\n");
    std::fs::write(&p, &bytes).unwrap();
    let r = scan(std::slice::from_ref(&p), &all_accounts(), &NoProgress).unwrap();
    assert_eq!(r.stats.records, 2);
    assert_eq!(r.stats.bad_records, 4);
    let samples = r.stats.bad_record_samples.join("\n");
    assert!(samples.contains("line 2"), "{samples}");
    assert!(
        samples.contains("line 3") && samples.contains("account_id"),
        "{samples}"
    );
    assert!(
        samples.contains("line 4") && samples.contains("over the limit"),
        "{samples}"
    );
    assert!(samples.contains("line 6"), "{samples}");
    let strict = ScanOptions {
        strict: true,
        ..ScanOptions::default()
    };
    let e = scan(&[p], &strict, &NoProgress).unwrap_err().to_string();
    assert!(e.contains("line 2"), "{e}");

    // Truncated gzip: what was read before the fault is kept, the fault is reported.
    let gz = dir.path().join("t.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..2000 {
        writeln!(
            enc,
            r#"{{"ts":"2026-02-03T14:07:11Z","account_id":"a-{}","prompt":"p {i}"}}"#,
            i % 10
        )
        .unwrap();
    }
    let full = enc.finish().unwrap();
    std::fs::write(&gz, &full[..full.len() * 2 / 3]).unwrap();
    let r = scan(&[gz], &all_accounts(), &NoProgress).unwrap();
    assert!(r.stats.records > 100, "{}", r.stats.records);
    assert_eq!(r.stats.input_errors.len(), 1, "{:?}", r.stats.input_errors);

    // CSV with a wrong header, Parquet-named garbage: clear errors naming the file.
    let csv = dir.path().join("x.csv");
    std::fs::write(&csv, "when,who,what\n1,2,3\n").unwrap();
    let e = scan(&[csv], &all_accounts(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("x.csv") && e.contains("ts"), "{e}");
    let pq = dir.path().join("x.parquet");
    std::fs::write(&pq, b"PAR1 this is not parquet").unwrap();
    let e = scan(&[pq], &all_accounts(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("x.parquet"), "{e}");
}

#[test]
fn csv_and_parquet_give_the_same_profiles_as_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = TrafficConfig {
        seed: 5,
        scale: Scale::Small,
        days: 1,
        ..Default::default()
    };
    let jsonl = dir.path().join("t.jsonl");
    let parquet = dir.path().join("t.parquet");
    let mut lab = Vec::new();
    write_jsonl(
        &cfg,
        &mut std::fs::File::create(&jsonl).unwrap(),
        &mut lab,
        &NoProgress,
    )
    .unwrap();
    let mut lab2 = Vec::new();
    chokepoint_sim::traffic::write_parquet(
        &cfg,
        std::fs::File::create(&parquet).unwrap(),
        &mut lab2,
        &NoProgress,
    )
    .unwrap();
    let opts = all_accounts();
    let a = scan(std::slice::from_ref(&jsonl), &opts, &NoProgress)
        .unwrap()
        .without_timing();
    let b = scan(&[parquet], &opts, &NoProgress)
        .unwrap()
        .without_timing();
    assert_eq!(a.accounts, b.accounts);
    assert_eq!(a.campaigns, b.campaigns);
    // CSV written from the JSONL records.
    let csv = dir.path().join("t.csv");
    let mut w = csv::Writer::from_path(&csv).unwrap();
    w.write_record([
        "ts",
        "account_id",
        "prompt",
        "ip",
        "asn",
        "payment_fingerprint",
        "account_created",
        "model",
        "tools",
        "prompt_tokens",
        "completion_tokens",
        "user_agent",
        "org_id",
        "account_tier",
        "system_prompt",
        "country",
        "email_domain",
    ])
    .unwrap();
    for line in std::fs::read_to_string(&jsonl).unwrap().lines() {
        let r: chokepoint_core::ApiRecord = serde_json::from_str(line).unwrap();
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        let n = |o: Option<u32>| o.map(|x| x.to_string()).unwrap_or_default();
        w.write_record([
            r.ts.clone(),
            r.account_id.clone(),
            r.prompt.clone(),
            s(&r.ip),
            n(r.asn),
            s(&r.payment_fingerprint),
            s(&r.account_created),
            s(&r.model),
            r.tools.clone().unwrap_or_default().join(";"),
            n(r.prompt_tokens),
            n(r.completion_tokens),
            s(&r.user_agent),
            s(&r.org_id),
            s(&r.account_tier),
            s(&r.system_prompt),
            s(&r.country),
            s(&r.email_domain),
        ])
        .unwrap();
    }
    w.flush().unwrap();
    let c = scan(&[csv], &opts, &NoProgress).unwrap().without_timing();
    assert_eq!(a.accounts, c.accounts);
}
