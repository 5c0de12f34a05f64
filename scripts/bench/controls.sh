#!/usr/bin/env bash
# Ledger-analysis throughput of `chokepoint controls`: a simulated 1M-line ledger, read and
# analysed; prints a markdown table with lines/s. CONTROLS_BENCH_LINES overrides the size.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/chokepoint-target}"
cargo bench -p chokepoint-controls --bench ledger
