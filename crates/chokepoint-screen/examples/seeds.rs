//! Tune-half figures of the evaluation set built with other seeds (other typos, other
//! look-alikes, other romanisations drawn for the same TUNE entities): a check that a change
//! helps beyond the one draw of the quality test. The held-out half is never read here.
//! `cargo run --release -p chokepoint-screen --example seeds -- 1 2 3` (`SEEDS_MISSES=typo`
//! lists the misses of one kind).
use chokepoint_core::NoProgress;
use chokepoint_screen::eval::{build_eval_set, figures, load_eval_inputs, KindTally};
use chokepoint_screen::{MatchConfig, Screener};
use std::path::Path;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/listed_names.csv");

fn main() {
    let (entries, natives) = load_eval_inputs(Path::new(DATA)).expect("list");
    let seeds: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let show = std::env::var("SEEDS_MISSES").ok();
    let s = Screener::build(entries.clone(), MatchConfig::default(), &NoProgress);
    let mut by_kind = KindTally::default();
    let (mut listed, mut found, mut unlisted, mut fps) = (0, 0, 0, 0);
    for seed in seeds {
        // The tune half only.
        let qs: Vec<_> = build_eval_set(&entries, &natives, seed)
            .into_iter()
            .filter(|q| q.half == 0)
            .collect();
        let rs: Vec<_> = qs
            .iter()
            .map(|q| s.screen(&q.name, q.country.as_deref()))
            .collect();
        for (q, r) in qs.iter().zip(&rs) {
            if !by_kind.add(q, r) && show.as_deref() == Some(q.kind.as_str()) {
                println!(
                    "  {} {:?} {:?} -> {:?} {:.2}",
                    q.kind, q.name, q.expected, r.decision, r.score
                );
            }
        }
        let f = figures(&qs, &rs, Some(0));
        listed += f.listed;
        found += f.found;
        unlisted += f.unlisted;
        fps += f.false_positives;
    }
    println!(
        "tune half, all seeds: recall {found}/{listed} = {:.4}, false positives {fps}/{unlisted} = {:.4}",
        found as f64 / listed.max(1) as f64,
        fps as f64 / unlisted.max(1) as f64
    );
    print!("{by_kind}");
}
