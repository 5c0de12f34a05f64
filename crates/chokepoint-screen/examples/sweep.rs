//! Recall and false-positive rate of the evaluation set's TUNE half (half 0) at review
//! thresholds 0.60..0.95: how the default thresholds are chosen. The held-out half is never
//! read here. `cargo run --release -p chokepoint-screen --example sweep`
use chokepoint_core::NoProgress;
use chokepoint_screen::eval::{build_eval_set, load_eval_inputs};
use chokepoint_screen::{MatchConfig, Screener};
use std::path::Path;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/listed_names.csv");

fn main() {
    let (entries, natives) = load_eval_inputs(Path::new(DATA)).expect("list");
    let qs: Vec<_> = build_eval_set(&entries, &natives, 20_260_501)
        .into_iter()
        .filter(|q| q.half == 0)
        .collect();
    let s = Screener::build(entries, MatchConfig::default(), &NoProgress);
    // (listed?, expected entry's score, best score)
    let scored: Vec<(bool, f32, f32)> = qs
        .iter()
        .map(|q| {
            let all = s.screen_all_scores(&q.name, q.country.as_deref());
            let top = all.iter().map(|x| x.1).fold(0.0f32, f32::max);
            let exp = q.expected.as_ref().map_or(0.0, |id| {
                all.iter()
                    .filter(|x| &x.0 == id)
                    .map(|x| x.1)
                    .fold(0.0, f32::max)
            });
            (q.expected.is_some(), exp, top)
        })
        .collect();
    if std::env::args().any(|a| a == "--misses") {
        let t = s.config().review_threshold;
        for (q, x) in qs.iter().zip(&scored) {
            if (x.0 && x.1 < t) || (!x.0 && x.2 >= t) {
                println!(
                    "miss {} {:?} {:?} exp {:.2} top {:.2}",
                    q.kind, q.name, q.expected, x.1, x.2
                );
            }
        }
    }
    let listed = scored.iter().filter(|x| x.0).count() as f64;
    let unlisted = scored.len() as f64 - listed;
    println!("tune half: {listed} listed, {unlisted} unlisted");
    for step in 60..96 {
        let t = step as f32 / 100.0;
        let found = scored.iter().filter(|x| x.0 && x.1 >= t).count() as f64;
        let fp = scored.iter().filter(|x| !x.0 && x.2 >= t).count() as f64;
        println!(
            "{t:.2}  recall {:.4}  fpr {:.4}",
            found / listed,
            fp / unlisted
        );
    }
}
