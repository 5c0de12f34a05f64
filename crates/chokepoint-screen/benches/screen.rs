//! Screening benchmark: quality on the real-name evaluation set (tune / held-out halves) and
//! speed on a 30k-entry list with 1M queries. Writes the inputs for the rapidfuzz side by side
//! (`scripts/bench/screen.sh` runs both and prints the table).
//!
//! `cargo bench -p chokepoint-screen --bench screen -- [--out DIR] [--queries N] [--entries N]`

use chokepoint_core::NoProgress;
use chokepoint_screen::eval::{build_eval_set, figures, load_eval_inputs, SplitMix};
use chokepoint_screen::{ListEntry, MatchConfig, Screener};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/listed_names.csv");

/// CPU seconds (user + system) this process has used, from /proc/self/stat (USER_HZ = 100).
fn cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name (which may contain spaces) start after ") ".
            let rest = s.rsplit_once(") ")?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let utime: f64 = f.get(11)?.parse().ok()?;
            let stime: f64 = f.get(12)?.parse().ok()?;
            Some((utime + stime) / 100.0)
        })
        .unwrap_or(0.0)
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

const SYL: &[&str] = &[
    "an", "bao", "chang", "da", "de", "fa", "feng", "fu", "guang", "hai", "heng", "hong", "hua",
    "jia", "jin", "kai", "kang", "li", "long", "mei", "ming", "nan", "ning", "rui", "sheng", "shi",
    "tai", "tian", "tong", "wei", "xin", "xing", "yang", "yi", "yong", "yuan", "yun", "zhi",
    "zhong", "qi", "lan", "ke", "sen", "bo",
];
const RU: &[&str] = &[
    "ros", "tekh", "prom", "energo", "neft", "gaz", "stroi", "avia", "radio", "elektro", "mash",
    "sib", "ural", "volga", "mos", "sever", "yug", "trans", "invest", "kom",
];
const CITIES: &[&str] = &[
    "Beijing",
    "Shanghai",
    "Shenzhen",
    "Guangzhou",
    "Hangzhou",
    "Wuhan",
    "Chengdu",
    "Tianjin",
    "Nanjing",
    "Xian",
    "Hefei",
    "Suzhou",
    "Xiamen",
    "Harbin",
];
const INDUSTRY: &[&str] = &[
    "Technology",
    "Electronics",
    "Information Technology",
    "Intelligent Technology",
    "Semiconductor",
    "Trading",
    "Import and Export",
    "Microelectronics",
    "Optical",
    "Network Technology",
    "Precision Machinery",
    "Aerospace Technology",
    "New Materials",
    "Communication Equipment",
];
const FORMS: &[&str] = &[
    "Co., Ltd.",
    "Co., Limited",
    "Limited",
    "Company Limited",
    "Corporation",
];
const RU_FORMS: &[&str] = &["LLC", "JSC", "PJSC", "OOO", "AO"];
const FIRST: &[&str] = &[
    "Ivan",
    "Sergei",
    "Aleksandr",
    "Dmitry",
    "Andrei",
    "Mikhail",
    "Ali",
    "Reza",
    "Hossein",
    "Mohammad",
    "Wei",
    "Jun",
    "Li",
    "Ming",
    "Kim",
    "Pak",
];
const LAST: &[&str] = &[
    "Ivanov",
    "Petrov",
    "Sidorov",
    "Kuznetsov",
    "Volkov",
    "Rahimi",
    "Karimi",
    "Hosseini",
    "Zhang",
    "Wang",
    "Liu",
    "Chen",
    "Ri",
    "Choe",
];

fn coined(rng: &mut SplitMix, parts: &[&str], n: usize) -> String {
    let mut w = String::new();
    for _ in 0..n {
        let part: &&str = rng.pick(parts);
        w.push_str(part);
    }
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => w,
    }
}

/// A realistic synthetic entry: Chinese-style companies, Russian-style companies, persons.
fn synthetic_entry(rng: &mut SplitMix, i: usize) -> ListEntry {
    let (name, country, kind) = match rng.below(10) {
        0..=4 => {
            let city = *rng.pick(CITIES);
            let brand = coined(rng, SYL, 2);
            (
                format!(
                    "{} {} {} {}",
                    city,
                    brand,
                    rng.pick(INDUSTRY),
                    rng.pick(FORMS)
                ),
                "CN",
                "entity",
            )
        }
        5..=7 => {
            let form = *rng.pick(RU_FORMS);
            let n = 2 + rng.below(2);
            (format!("{} {}", form, coined(rng, RU, n)), "RU", "entity")
        }
        _ => {
            let first = *rng.pick(FIRST);
            let n = 1 + rng.below(2);
            let mid = coined(rng, SYL, n);
            (
                format!("{} {} {}", first, mid, rng.pick(LAST)),
                "IR",
                "individual",
            )
        }
    };
    ListEntry {
        list_id: format!("syn-{i:06}"),
        aliases: if rng.below(3) == 0 {
            vec![name.split_whitespace().nth(1).unwrap_or("x").to_string()]
        } else {
            vec![]
        },
        name,
        kind: kind.into(),
        source: "synthetic".into(),
        countries: vec![country.into()],
        addresses: vec![],
        programs: vec![],
    }
}

fn typo(rng: &mut SplitMix, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() > 4 {
        let i = 1 + rng.below(c.len() - 2);
        c.swap(i, i + 1);
    }
    c.into_iter().collect()
}

fn csv_field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |k: &str| {
        args.iter()
            .position(|a| a == k)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let out_dir: Option<PathBuf> = arg("--out").map(PathBuf::from);
    let n_queries: usize = arg("--queries")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let n_entries: usize = arg("--entries")
        .and_then(|s| s.parse().ok())
        .unwrap_or(30_000);
    let threads = rayon::current_num_threads();

    // ---- quality on the real-name set
    let (list_entries, natives) = load_eval_inputs(Path::new(DATA)).expect("test list");
    let qs = build_eval_set(&list_entries, &natives, 20_260_501);
    let screener = Screener::build(list_entries.clone(), MatchConfig::default(), &NoProgress);
    let input: Vec<(String, Option<String>)> = qs
        .iter()
        .map(|q| (q.name.clone(), q.country.clone()))
        .collect();
    let t = Instant::now();
    let rs = screener.screen_many(&input, &NoProgress);
    let qual_secs = t.elapsed().as_secs_f64();
    let tune = figures(&qs, &rs, Some(0));
    let hold = figures(&qs, &rs, Some(1));
    // The same split by kind of variant: written in the list's script, or in another one.
    let cross = |q: &chokepoint_screen::eval::LabelledQuery| {
        matches!(q.kind.as_str(), "native-script" | "pinyin" | "romanisation")
    };
    let subset = |keep_cross: bool| {
        let (q2, r2): (Vec<_>, Vec<_>) = qs
            .iter()
            .zip(&rs)
            .filter(|(q, _)| q.expected.is_none() || cross(q) == keep_cross)
            .map(|(q, r)| (q.clone(), r.clone()))
            .unzip();
        figures(&q2, &r2, Some(1))
    };
    let hold_same = subset(false);
    let hold_cross = subset(true);
    // Per kind of query on the held-out half: listed kinds count hits, look-alike kinds count
    // false positives.
    let mut by_kind: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for (q, r) in qs.iter().zip(&rs) {
        if q.half != 1 {
            continue;
        }
        let slot = by_kind.entry(q.kind.clone()).or_default();
        slot.0 += 1;
        slot.1 += chokepoint_screen::eval::flagged(q, r) as usize;
    }
    let by_kind_json: Vec<serde_json::Value> = by_kind
        .iter()
        .map(|(k, (n, f))| serde_json::json!({"kind": k, "queries": n, "flagged": f}))
        .collect();
    // Calibration: share of listed queries per score band (held-out half, expected entry's score).
    // (A result's score is its best hit's; a `clear` result reports no hit, score 0.)
    let mut bands = [(0usize, 0usize); 4];
    for (q, r) in qs.iter().zip(&rs) {
        if q.half != 1 {
            continue;
        }
        let b = match r.score {
            s if s >= 0.85 => 3,
            s if s >= 0.80 => 2,
            s if s >= 0.78 => 1,
            _ => 0,
        };
        bands[b].0 += 1;
        bands[b].1 += q.expected.is_some() as usize;
    }

    if let Some(dir) = &out_dir {
        std::fs::create_dir_all(dir).expect("out dir");
        let mut f = std::fs::File::create(dir.join("eval-list.csv")).expect("write");
        writeln!(f, "list_id,name").unwrap();
        for e in &list_entries {
            for n in std::iter::once(&e.name).chain(&e.aliases) {
                writeln!(f, "{},{}", csv_field(&e.list_id), csv_field(n)).unwrap();
            }
        }
        let mut f = std::fs::File::create(dir.join("eval-queries.csv")).expect("write");
        writeln!(f, "id,name,expected,half,kind").unwrap();
        for q in &qs {
            writeln!(
                f,
                "{},{},{},{},{}",
                q.id,
                csv_field(&q.name),
                q.expected.clone().unwrap_or_default(),
                q.half,
                q.kind
            )
            .unwrap();
        }
    }

    // ---- speed: 30k entries, 1M queries
    let mut rng = SplitMix::new(7);
    let mut entries = list_entries.clone();
    while entries.len() < n_entries {
        let i = entries.len();
        entries.push(synthetic_entry(&mut rng, i));
    }
    let mut queries: Vec<(String, Option<String>)> = Vec::with_capacity(n_queries);
    for _ in 0..n_queries {
        let q = match rng.below(4) {
            0 => {
                let e = &entries[rng.below(entries.len())];
                typo(&mut rng, &e.name)
            }
            1 => {
                let e = &entries[rng.below(entries.len())];
                let mut w: Vec<&str> = e.name.split_whitespace().collect();
                w.reverse();
                w.join(" ")
            }
            _ => synthetic_entry(&mut rng, 0).name,
        };
        queries.push((q, None));
    }
    if let Some(dir) = &out_dir {
        let mut f = std::fs::File::create(dir.join("speed-list.csv")).expect("write");
        writeln!(f, "list_id,name").unwrap();
        for e in &entries {
            for n in std::iter::once(&e.name).chain(&e.aliases) {
                writeln!(f, "{},{}", csv_field(&e.list_id), csv_field(n)).unwrap();
            }
        }
        let mut f = std::fs::File::create(dir.join("speed-queries.csv")).expect("write");
        writeln!(f, "name").unwrap();
        for (q, _) in queries.iter().take(20_000) {
            writeln!(f, "{}", csv_field(q)).unwrap();
        }
    }
    let rss0 = rss_kib();
    let t = Instant::now();
    let big = Screener::build(entries, MatchConfig::default(), &NoProgress);
    let build_secs = t.elapsed().as_secs_f64();
    let rss1 = rss_kib();
    let stats = big.stats();
    let t = Instant::now();
    let cpu0 = cpu_secs();
    let res = big.screen_many(&queries, &NoProgress);
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu0;
    let flagged = res
        .iter()
        .filter(|r| r.decision != chokepoint_screen::Decision::Clear)
        .count();

    let report = serde_json::json!({
        "quality": {"tune": tune, "holdout": hold, "holdout_same_script": hold_same, "holdout_cross_script": hold_cross, "holdout_by_kind": by_kind_json,
                     "review_threshold": screener.config().review_threshold, "match_threshold": screener.config().match_threshold, "queries": qs.len(), "secs": qual_secs,
                     "calibration_holdout": bands.iter().zip([">=0.85", "0.80-0.85", "0.78-0.80", "clear"].iter().rev())
                        .map(|((n, l), b)| serde_json::json!({"band": b, "queries": n, "listed": l})).collect::<Vec<_>>()},
        "speed": {"entries": stats.entries, "variants": stats.variants, "keys": stats.keys, "postings": stats.postings,
                   "index_build_secs": build_secs, "index_approx_bytes": stats.approx_bytes,
                   "rss_delta_kib": rss1.saturating_sub(rss0), "queries": queries.len(), "secs": secs,
                   "queries_per_sec": queries.len() as f64 / secs, "threads": threads,
                   "cpu_secs": cpu, "queries_per_cpu_sec": queries.len() as f64 / cpu.max(1e-9), "flagged": flagged},
    });
    if let Some(dir) = &out_dir {
        std::fs::write(
            dir.join("chokepoint.json"),
            serde_json::to_string_pretty(&report).unwrap(),
        )
        .expect("write");
    }
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
}
