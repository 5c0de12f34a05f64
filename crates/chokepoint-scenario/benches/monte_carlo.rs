//! Times the Monte Carlo (10,000 runs, both presets) and the single run. A plain bench
//! (`harness = false`): `cargo bench -p chokepoint-scenario` prints a table.

use chokepoint_core::NoProgress;
use chokepoint_scenario::{monte_carlo, run, Params};
use std::time::Instant;

fn main() {
    let runs = 10_000;
    let repeats = 5;
    println!("| what | runs | threads | best of {repeats} | per run |");
    println!("|---|---|---|---|---|");
    for preset in ["defend", "inaction"] {
        let params = Params::preset(preset).expect("compiled-in preset");
        let mut best = f64::INFINITY;
        let mut p50 = 0.0;
        for _ in 0..repeats {
            let t = Instant::now();
            let r = monte_carlo(&params, runs, 1, &NoProgress);
            best = best.min(t.elapsed().as_secs_f64());
            p50 = r.lead_2028_months.p50;
        }
        println!(
            "| monte_carlo {preset} (p50 {p50:.1} mo) | {runs} | {} | {:.1} ms | {:.2} us |",
            rayon::current_num_threads(),
            best * 1e3,
            best * 1e6 / runs as f64
        );
    }
    let params = Params::preset("defend").expect("compiled-in preset");
    let n = 10_000;
    let t = Instant::now();
    let mut acc = 0.0;
    for _ in 0..n {
        acc += std::hint::black_box(run(std::hint::black_box(&params))).lead_2028_months;
    }
    let el = t.elapsed().as_secs_f64();
    println!(
        "| run (full result) | {n} | 1 | {:.1} ms | {:.2} us |",
        el * 1e3,
        el * 1e6 / n as f64
    );
    std::hint::black_box(acc);
}
