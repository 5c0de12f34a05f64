//! Ledger analysis throughput: simulate a ledger (default 1,000,000 lines; `CONTROLS_BENCH_LINES`
//! to change), write it as CSV, then time reading + analysing it. Prints lines/s.
//!
//! Run: `cargo bench -p chokepoint-controls --bench ledger` (or scripts/bench/controls.sh).

use chokepoint_controls::analyze::Analyzer;
use chokepoint_controls::ledger::write_csv;
use chokepoint_controls::{simulate_ledger, PartsDb, Rules};
use chokepoint_core::NoProgress;
use std::time::Instant;

fn main() {
    let lines: usize = std::env::var("CONTROLS_BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir =
        std::env::temp_dir().join(format!("chokepoint-controls-bench-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        std::process::exit(2);
    }
    let path = dir.join("ledger.csv");
    let t = Instant::now();
    let sim = simulate_ledger(1, lines);
    let n = sim.shipments.len();
    let file = std::fs::File::create(&path).expect("create bench ledger");
    write_csv(
        std::io::BufWriter::with_capacity(1 << 20, file),
        &sim.shipments,
    )
    .expect("write ledger");
    drop(sim);
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "simulated and wrote {n} lines ({:.1} MB) in {:.1} s",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let rules = Rules::builtin().expect("rules");
    let parts = PartsDb::builtin().expect("parts");
    let an = Analyzer::new(&rules, &parts);
    let t = Instant::now();
    let report = an.analyze_path(&path, &NoProgress).expect("analyse");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "| lines | seconds | lines/s | MB/s | flagged | chains |\n|---|---|---|---|---|---|\n| {} | {:.2} | {:.0} | {:.1} | {} | {} |",
        report.shipments,
        secs,
        report.shipments as f64 / secs,
        bytes as f64 / 1e6 / secs,
        report.flagged,
        report.chains.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
