//! The matcher on names it was not developed on: `tests/data/fresh_names.csv` by default (real
//! names of the same lists, written down after the matcher's tables were; a development set
//! since stop 15), or the files given (`fresh2_names.csv`, `fresh3_names.csv`: see
//! tests/data/README.md for which are still unseen).
//! The screening list is both files; queries are generated, as for the quality test, and those
//! of the fresh entities are counted, all of them (there is no tune half here).
//! `cargo run --release -p chokepoint-screen --example fresh [NAMES.csv...] [SEED...]`
//! (`FRESH_NATIVE_ALIASES=1`: with the native names among the list's aliases.)
use chokepoint_core::NoProgress;
use chokepoint_screen::eval::{
    build_eval_set, figures, is_cross_script, load_eval_inputs, native_names_as_aliases, KindTally,
};
use chokepoint_screen::{MatchConfig, Screener};
use std::path::Path;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn main() {
    let dir = Path::new(DATA);
    let (known, mut natives) =
        load_eval_inputs(&dir.join("listed_names.csv")).expect("listed_names.csv");
    // The fresh names: `fresh_names.csv`, or the CSV files given (same columns).
    let mut files: Vec<std::path::PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| a.ends_with(".csv"))
        .map(std::path::PathBuf::from)
        .collect();
    if files.is_empty() {
        files.push(dir.join("fresh_names.csv"));
    }
    let (mut fresh, mut fresh_natives) = (Vec::new(), std::collections::HashMap::new());
    for f in &files {
        let (e, n) = load_eval_inputs(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        fresh.extend(e);
        fresh_natives.extend(n);
    }
    natives.extend(fresh_natives);
    let fresh_ids: std::collections::HashSet<&str> =
        fresh.iter().map(|e| e.list_id.as_str()).collect();
    let mut seeds: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    if seeds.is_empty() {
        seeds.push(20_260_501);
    }
    let show = std::env::var("FRESH_MISSES").is_ok();
    let all: Vec<_> = known.iter().chain(&fresh).cloned().collect();
    // FRESH_NATIVE_ALIASES=1: the list carries each entry's native name as an alias, as
    // OpenSanctions publishes them (the queries are generated from the list without them).
    let mut listed = all.clone();
    if std::env::var_os("FRESH_NATIVE_ALIASES").is_some() {
        native_names_as_aliases(&mut listed, &natives);
    }
    let s = Screener::build(listed, MatchConfig::default(), &NoProgress);
    let mut by_kind = KindTally::default();
    let (mut qs_all, mut rs_all) = (Vec::new(), Vec::new());
    for seed in seeds {
        // Generated over the whole list (so that a look-alike names no listed party of either
        // file), then only the fresh entities' queries and the unlisted organisations kept.
        let qs = build_eval_set(&all, &natives, seed)
            .into_iter()
            .filter(|q| q.source.as_deref().is_none_or(|id| fresh_ids.contains(id)));
        for q in qs {
            let r = s.screen(&q.name, q.country.as_deref());
            if !by_kind.add(&q, &r) && show {
                println!(
                    "  {} {:?} {:?} -> {:?} {:.2}",
                    q.kind, q.name, q.expected, r.decision, r.score
                );
            }
            qs_all.push(q);
            rs_all.push(r);
        }
    }
    let pick = |want: Option<bool>| {
        let (q, r): (Vec<_>, Vec<_>) = qs_all
            .iter()
            .zip(&rs_all)
            .filter(|(q, _)| {
                want.is_none_or(|c| q.expected.is_none() || is_cross_script(&q.kind) == c)
            })
            .map(|(q, r)| (q.clone(), r.clone()))
            .unzip();
        figures(&q, &r, None)
    };
    println!("fresh names, all: {:?}", pick(None));
    println!("fresh names, same-script: {:?}", pick(Some(false)));
    println!("fresh names, cross-script: {:?}", pick(Some(true)));
    print!("{by_kind}");
}
