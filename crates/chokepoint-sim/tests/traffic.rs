//! End-to-end properties of the traffic simulator: determinism, the api-log contract, labels
//! that agree with the records, every population present, and attacks without fixed fingerprints.

use chokepoint_core::apilog::{FIELDS, REQUIRED_FIELDS};
use chokepoint_core::{parse_rfc3339, AccountLabel, ApiRecord, NoProgress};
use chokepoint_sim::traffic::{
    write_jsonl, write_parquet, Population, Scale, TrafficConfig, TrafficSummary,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

fn cfg(seed: u64, days: u32) -> TrafficConfig {
    TrafficConfig {
        seed,
        scale: Scale::Small,
        days,
        ..TrafficConfig::default()
    }
}

struct Run {
    records: Vec<u8>,
    labels: Vec<u8>,
    summary: TrafficSummary,
}

fn run(c: &TrafficConfig) -> Run {
    let mut records = Vec::new();
    let mut labels = Vec::new();
    let summary = write_jsonl(c, &mut records, &mut labels, &NoProgress).expect("simulation runs");
    Run {
        records,
        labels,
        summary,
    }
}

/// One full small dataset (14 days), shared by the tests that inspect its content.
fn small() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| run(&cfg(7, 14)))
}

fn parsed(r: &Run) -> (Vec<ApiRecord>, Vec<AccountLabel>) {
    let recs = std::str::from_utf8(&r.records)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<ApiRecord>(l).unwrap())
        .collect();
    let labs = std::str::from_utf8(&r.labels)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<AccountLabel>(l).unwrap())
        .collect();
    (recs, labs)
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = run(&cfg(11, 2));
    let b = run(&cfg(11, 2));
    let c = run(&cfg(12, 2));
    assert!(!a.records.is_empty());
    assert!(
        a.records == b.records,
        "same seed must give the same records"
    );
    assert!(a.labels == b.labels, "same seed must give the same labels");
    assert!(
        a.records != c.records,
        "another seed must give other records"
    );
}

#[test]
fn every_record_follows_the_api_log_spec() {
    let r = small();
    let n = r.summary.records;
    assert!(
        (70_000..140_000).contains(&n),
        "small scale is about 100k records, got {n}"
    );
    let mut last = String::new();
    let mut v6 = 0;
    let mut lines = 0u64;
    for (i, line) in std::str::from_utf8(&r.records).unwrap().lines().enumerate() {
        lines += 1;
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
        let obj = v.as_object().expect("a record is an object");
        for f in REQUIRED_FIELDS {
            assert!(
                obj.get(*f).is_some_and(|x| x.is_string()),
                "line {}: missing {f}",
                i + 1
            );
        }
        for k in obj.keys() {
            assert!(
                FIELDS.contains(&k.as_str()),
                "line {}: unknown field {k}",
                i + 1
            );
        }
        // every optional field is filled, except system_prompt and (free tier) payment
        for f in FIELDS {
            if !matches!(*f, "system_prompt" | "payment_fingerprint") {
                assert!(obj.contains_key(*f), "line {}: {f} not filled", i + 1);
            }
        }
        let rec: ApiRecord = serde_json::from_value(v.clone()).unwrap();
        parse_rfc3339(&rec.ts).unwrap_or_else(|e| panic!("line {}: ts {e}", i + 1));
        let created = parse_rfc3339(rec.account_created.as_deref().unwrap()).unwrap();
        assert!(
            created <= parse_rfc3339(&rec.ts).unwrap(),
            "line {}: request before account creation",
            i + 1
        );
        assert!(rec.ts >= last, "line {}: records out of time order", i + 1);
        last = rec.ts.clone();
        let ip = rec.ip.as_deref().unwrap();
        let addr: std::net::IpAddr = ip
            .parse()
            .unwrap_or_else(|_| panic!("line {}: bad ip {ip}", i + 1));
        v6 += addr.is_ipv6() as u32;
        assert_eq!(rec.country.as_deref().unwrap().len(), 2);
        assert!(!rec.prompt.is_empty());
        assert!(rec.prompt_tokens.unwrap() > 0);
    }
    assert_eq!(lines, n);
    assert!(v6 > 0, "some clients use IPv6");
}

#[test]
fn labels_agree_with_records() {
    let r = small();
    let (recs, labs) = parsed(r);
    let mut per_account: HashMap<&str, u64> = HashMap::new();
    for rec in &recs {
        *per_account.entry(rec.account_id.as_str()).or_default() += 1;
    }
    let labelled: HashSet<&str> = labs.iter().map(|l| l.account_id.as_str()).collect();
    assert_eq!(labelled.len(), labs.len(), "one label line per account");
    assert_eq!(
        labelled,
        per_account.keys().copied().collect::<HashSet<_>>(),
        "labels cover exactly the accounts in the records"
    );
    let mut by_pop: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for l in &labs {
        let p = Population::ALL
            .iter()
            .find(|p| p.name() == l.population)
            .expect("known population");
        assert_eq!(l.label, if p.is_attack() { "attack" } else { "legit" });
        assert_eq!(
            l.campaign.is_some(),
            p.is_attack(),
            "{}: campaign iff attack",
            l.account_id
        );
        let e = by_pop.entry(p.name()).or_default();
        e.0 += 1;
        e.1 += per_account[l.account_id.as_str()];
    }
    for p in &r.summary.populations {
        let (a, n) = by_pop.get(p.population).copied().unwrap_or_default();
        assert_eq!((p.accounts, p.records), (a, n), "{}", p.population);
    }
    assert_eq!(r.summary.accounts, labs.len() as u64);
}

#[test]
fn every_population_is_present_including_hard_negatives() {
    let r = small();
    let (recs, labs) = parsed(r);
    let pop_of: HashMap<&str, &str> = labs
        .iter()
        .map(|l| (l.account_id.as_str(), l.population.as_str()))
        .collect();
    for p in Population::ALL {
        let s = r
            .summary
            .populations
            .iter()
            .find(|s| s.population == p.name())
            .unwrap();
        assert!(s.accounts > 0 && s.records > 0, "{} missing", p.name());
    }
    let hydra: Vec<_> = r
        .summary
        .campaigns
        .iter()
        .filter(|c| c.population == "hydra")
        .collect();
    assert!((2..=4).contains(&hydra.len()));
    for c in hydra {
        assert!(
            c.accounts >= 40,
            "{} has only {} accounts",
            c.campaign,
            c.accounts
        );
    }
    // the company shares one card and one org across many accounts
    let mut company_cards = HashSet::new();
    let mut company_orgs = HashSet::new();
    // an enterprise batch job uses one IP
    let mut batch_ips: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut eval_cot = 0;
    let mut agent_tools = 0;
    let mut edu = 0;
    for rec in &recs {
        match pop_of[rec.account_id.as_str()] {
            "company-employees" => {
                company_cards.insert(rec.payment_fingerprint.clone());
                company_orgs.insert(rec.org_id.clone());
            }
            "enterprise-batch" => {
                batch_ips
                    .entry(&rec.account_id)
                    .or_default()
                    .insert(rec.ip.as_deref().unwrap());
            }
            "eval-harness" => {
                eval_cot += rec.prompt.to_lowercase().contains("think step by step") as u32
            }
            "agent-framework" => agent_tools += (rec.tools.as_ref().unwrap().len() >= 5) as u32,
            "edu-researcher" => edu += (rec.account_tier.as_deref() == Some("edu")) as u32,
            _ => {}
        }
    }
    assert_eq!(company_cards.len(), 1);
    assert_eq!(company_orgs.len(), 1);
    assert!(batch_ips.values().all(|ips| ips.len() == 1));
    assert!(eval_cot > 100);
    assert!(agent_tools > 100);
    assert!(edu > 100);
    // shared IPs: some IP carries several unrelated shared-ip-users accounts
    let mut ip_accounts: HashMap<&str, HashSet<&str>> = HashMap::new();
    for rec in &recs {
        if pop_of[rec.account_id.as_str()] == "shared-ip-users" {
            ip_accounts
                .entry(rec.ip.as_deref().unwrap())
                .or_default()
                .insert(&rec.account_id);
        }
    }
    assert!(ip_accounts.values().any(|a| a.len() >= 5));
}

#[test]
fn attacks_look_like_the_disclosures_without_fixed_fingerprints() {
    let r = small();
    let (recs, labs) = parsed(r);
    let label: HashMap<&str, &AccountLabel> =
        labs.iter().map(|l| (l.account_id.as_str(), l)).collect();
    let id_re = |s: &str| {
        s.len() == 12
            && s.starts_with("a-")
            && s[2..]
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
    };
    assert!(
        labs.iter().all(|l| id_re(&l.account_id)),
        "account ids are random-looking"
    );

    let mut hydra_prompts: HashMap<&str, (u64, HashSet<&str>)> = HashMap::new();
    let mut cards: HashMap<&str, HashMap<String, u32>> = HashMap::new();
    let mut asns: HashMap<&str, HashSet<u32>> = HashMap::new();
    let mut legit_ua_families = HashSet::new();
    let mut hydra_ua_families = HashSet::new();
    let release = parse_rfc3339(&r.summary.new_model_release).unwrap();
    let (mut hydra_after, mut hydra_new, mut legit_after, mut legit_new) = (0u32, 0u32, 0u32, 0u32);
    let family = |ua: &str| ua.split('/').next().unwrap_or("").to_string();
    for rec in &recs {
        let l = label[rec.account_id.as_str()];
        let ua = rec.user_agent.as_deref().unwrap();
        let ts = parse_rfc3339(&rec.ts).unwrap();
        let is_new = rec.model.as_deref() == Some(r.summary.new_model.as_str());
        let day_after = ts > release + chrono::Duration::hours(24)
            && ts < release + chrono::Duration::hours(72);
        if l.population == "hydra" {
            let c = l.campaign.as_deref().unwrap();
            let e = hydra_prompts.entry(c).or_default();
            e.0 += 1;
            e.1.insert(rec.prompt.as_str());
            if let Some(pf) = &rec.payment_fingerprint {
                *cards.entry(c).or_default().entry(pf.clone()).or_default() += 1;
            }
            asns.entry(c).or_default().insert(rec.asn.unwrap());
            hydra_ua_families.insert(family(ua));
            if day_after {
                hydra_after += 1;
                hydra_new += is_new as u32;
            }
        } else if l.label == "legit" {
            legit_ua_families.insert(family(ua));
            if day_after {
                legit_after += 1;
                legit_new += is_new as u32;
            }
        }
    }
    let mut dup: HashMap<&str, u32> = HashMap::new();
    for rec in &recs {
        if label[rec.account_id.as_str()].population == "hydra" {
            *dup.entry(rec.prompt.as_str()).or_default() += 1;
        }
    }
    let worst = dup
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(p, n)| format!("{n}x {p:?}"))
        .unwrap_or_default();
    for (c, (n, distinct)) in &hydra_prompts {
        assert!(
            distinct.len() as f64 > 0.95 * *n as f64,
            "{c}: templates must not repeat exactly ({} of {n} distinct); most repeated: {worst}",
            distinct.len()
        );
        assert!(asns[c].len() >= 3, "{c}: proxies span several ASes");
    }
    // cards are shared in subsets: more than one card per cluster, fewer cards than accounts
    for (c, cs) in &cards {
        let accounts = r
            .summary
            .campaigns
            .iter()
            .find(|x| x.campaign == *c)
            .unwrap()
            .accounts as usize;
        assert!(
            cs.len() > 1 && cs.len() < accounts,
            "{c}: {} cards for {accounts} accounts",
            cs.len()
        );
    }
    assert!(
        hydra_ua_families.is_subset(&legit_ua_families),
        "attack clients are ones legit users also run"
    );
    let hydra_share = hydra_new as f64 / hydra_after.max(1) as f64;
    let legit_share = legit_new as f64 / legit_after.max(1) as f64;
    assert!(
        (0.3..0.7).contains(&hydra_share),
        "hydra new-model share {hydra_share}"
    );
    assert!(
        legit_share < hydra_share,
        "legit adoption {legit_share} is slower than hydra {hydra_share}"
    );
}

#[test]
fn attack_parameters_vary_with_the_seed() {
    let mut shapes = HashSet::new();
    let mut chinese = false;
    for seed in [21, 22, 23] {
        let r = run(&cfg(seed, 2));
        let shape: Vec<u64> = r.summary.campaigns.iter().map(|c| c.accounts).collect();
        shapes.insert(shape);
        chinese |= std::str::from_utf8(&r.records)
            .unwrap()
            .lines()
            .any(|l| l.contains("推理") || l.contains("思考"));
    }
    assert!(shapes.len() >= 2, "campaign sizes change with the seed");
    assert!(chinese, "chain-of-thought elicitation in Chinese appears");
}

#[test]
fn parquet_round_trips_and_is_deterministic() {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let c = cfg(5, 1);
    let write = || {
        let mut buf = Vec::new();
        let mut labels = Vec::new();
        let s = write_parquet(&c, &mut buf, &mut labels, &NoProgress).unwrap();
        (buf, labels, s)
    };
    let (a, la, s) = write();
    let (b, lb, _) = write();
    assert!(a == b && la == lb, "same seed, same Parquet bytes");
    let j = run(&c);
    assert_eq!(j.summary, s, "Parquet and JSONL carry the same simulation");
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(a)).unwrap();
    let schema = reader.schema().clone();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, FIELDS);
    assert!(matches!(
        schema.field_with_name("tools").unwrap().data_type(),
        arrow::datatypes::DataType::List(_)
    ));
    let mut rows = 0;
    let first_json: ApiRecord = serde_json::from_str(
        std::str::from_utf8(&j.records)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    for batch in reader.build().unwrap() {
        let batch = batch.unwrap();
        if rows == 0 {
            let ts = batch
                .column(0)
                .as_any()
                .downcast_ref::<arrow::array::StringArray>()
                .unwrap();
            assert_eq!(ts.value(0), first_json.ts);
            parse_rfc3339(ts.value(0)).unwrap();
        }
        rows += batch.num_rows() as u64;
    }
    assert_eq!(rows, s.records);
}

#[test]
fn bad_configuration_is_refused() {
    let mut records = Vec::new();
    let mut labels = Vec::new();
    let err = write_jsonl(&cfg(1, 0), &mut records, &mut labels, &NoProgress).unwrap_err();
    assert!(err.to_string().contains("days"), "{err}");
    assert!(records.is_empty());
    assert!("huge"
        .parse::<Scale>()
        .unwrap_err()
        .to_string()
        .contains("huge"));
}

/// The scales promise volumes (small ≈ 100k, medium ≈ 2M records over 14 days): the total
/// stays within 15% of the target per day, for small over the full period and for the medium
/// population mix over two days (cheap enough for a debug test).
#[test]
fn volume_is_close_to_the_scale_target() {
    let r = small();
    let target = Scale::Small.target_records() as f64;
    let got = r.summary.records as f64;
    assert!(
        (0.85..1.15).contains(&(got / target)),
        "small: {got} records for a target of {target}"
    );
    let medium = TrafficConfig {
        seed: 11,
        scale: Scale::Medium,
        days: 2,
        ..TrafficConfig::default()
    };
    let mut sink = std::io::sink();
    let mut labels = Vec::new();
    let s = write_jsonl(&medium, &mut sink, &mut labels, &NoProgress).expect("simulation runs");
    let target = Scale::Medium.target_records() as f64 * 2.0 / 14.0;
    let got = s.records as f64;
    assert!(
        (0.85..1.15).contains(&(got / target)),
        "medium, 2 days: {got} records for a target of {target}"
    );
}
