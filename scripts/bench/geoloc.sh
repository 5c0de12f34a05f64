#!/usr/bin/env bash
# geoloc figures: accuracy (honest chips, restricted destinations, lie detection, landmark
# density table), solver chips/s and loopback probes/s. Writes the table to
# bench-results/geoloc.md (and prints it). GEOLOC_BENCH_TRIALS=10000 for a quicker run.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/chokepoint-target}"
mkdir -p bench-results
cargo bench -q -p chokepoint-geoloc --bench geoloc | tee bench-results/geoloc.md
