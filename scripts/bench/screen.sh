#!/usr/bin/env bash
# Screening benchmark, chokepoint side by side with rapidfuzz on the same list and queries:
# quality on the real-name evaluation set (threshold tuned on one half, reported on the other)
# and speed on a 30k-entry list (chokepoint: 1M queries on all cores; rapidfuzz: a sample,
# process.extract is single-threaded). Writes a table to stdout and to $OUT/table.md.
#   scripts/bench/screen.sh [OUT_DIR] [QUERIES]
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-/var/tmp/chokepoint-bench-screen}"
QUERIES="${2:-1000000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/chokepoint-target}"
mkdir -p "$OUT"
scripts/setup >/dev/null
cargo bench -q -p chokepoint-screen --bench screen -- --out "$OUT" --queries "$QUERIES" > "$OUT/chokepoint.stdout"
/var/tmp/chokepoint-venv/bin/python scripts/bench/screen_rapidfuzz.py "$OUT" "${RAPIDFUZZ_QUERIES:-2000}" > "$OUT/rapidfuzz.stdout"
python3 - "$OUT" <<'PY' | tee "$OUT/table.md"
import json, sys
d = sys.argv[1]
c = json.load(open(f"{d}/chokepoint.json")); r = json.load(open(f"{d}/rapidfuzz.json"))
h = c["quality"]["holdout"]
print("| matcher | threshold (tuned on half 0) | held-out recall | held-out FPR | queries/s (30k list) | threads |")
print("|---|---|---|---|---|---|")
s = c["speed"]
print(f"| chokepoint | review 0.72 / match 0.88 | {h['recall']:.4f} | {h['false_positive_rate']:.4f} | {s['queries_per_sec']:.0f} | {s['threads']} |")
for name in ("WRatio", "token_set_ratio"):
    x = r[name]
    for key, th in (("holdout_at_that_threshold", "threshold_for_recall_0.98_on_tune"), ("holdout_at_fpr_threshold", "threshold_for_fpr_0.01_on_tune")):
        f = x[key]
        print(f"| rapidfuzz {name} | {x[th]} ({th.split('_for_')[1].replace('_on_tune','')}) | {f['recall']:.4f} | {f['false_positive_rate']:.4f} | {x['speed']['queries_per_sec']:.0f} | 1 |")
print()
print(f"chokepoint index: {s['entries']} entries, {s['variants']} names, {s['keys']} keys, {s['postings']} postings; "
      f"built in {s['index_build_secs']:.2f} s; ~{s['index_approx_bytes']/1e6:.1f} MB (RSS +{s['rss_delta_kib']/1024:.1f} MiB); "
      f"{s['queries']} queries in {s['secs']:.1f} s")
print("held-out calibration (share of listed queries per score band):")
for b in c["quality"]["calibration_holdout"]:
    print(f"  {b['band']:>10}: {b['queries']:5} queries, {b['listed']:5} listed")
PY
