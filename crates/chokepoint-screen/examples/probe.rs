//! Prints how the test list screens names given on the command line (debugging aid).
use chokepoint_core::NoProgress;
use chokepoint_screen::{load_list, Encoding, MatchConfig, Screener};
use std::path::Path;

fn main() {
    let mut list = load_list(
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/listed_names.csv"
        )),
        Encoding::Utf8,
    )
    .expect("list");
    // PROBE_LISTS=a.csv,b.csv screens against these lists as well.
    for extra in std::env::var("PROBE_LISTS").unwrap_or_default().split(',') {
        if !extra.is_empty() {
            let more = load_list(Path::new(extra), Encoding::Utf8).expect("PROBE_LISTS file");
            list.entries.extend(more.entries);
        }
    }
    // PROBE_REVIEW=0.3 shows hits below the review threshold too.
    let review = std::env::var("PROBE_REVIEW")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MatchConfig::default().review_threshold);
    let config = MatchConfig {
        review_threshold: review,
        ..MatchConfig::default()
    };
    let s = Screener::build(list.entries, config, &NoProgress);
    for q in std::env::args().skip(1) {
        let n = s.normalizer().normalize(&q);
        let t = s.normalizer().translate(&n).map(|t| t.text());
        println!("   translated: {t:?}");
        println!("{q:?} -> {:?} {:?}", n.text(), n.legal_forms);
        let all = s.screen_all_scores(&q, None);
        let mut all = all;
        all.sort_by(|a, b| b.1.total_cmp(&a.1));
        println!("   top: {:?}", &all[..all.len().min(3)]);
        println!(
            "   exhaustive best {:.3}",
            s.best_score_exhaustive(&q, None)
        );
        let r = s.screen(&q, None);
        for h in r.matches.iter().take(3) {
            println!(
                "   {} {:.3} {} via {:?} {:?}",
                h.list_id,
                h.score,
                h.name,
                h.explanation.variant_normalized,
                h.explanation
                    .tokens
                    .iter()
                    .map(|t| (&t.query, &t.listed, t.similarity))
                    .collect::<Vec<_>>()
            );
        }
    }
}
