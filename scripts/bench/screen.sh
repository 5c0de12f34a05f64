#!/usr/bin/env bash
# Screening benchmark, chokepoint side by side with rapidfuzz on the same list and queries.
#  * quality on the real-name evaluation set (crates/chokepoint-screen/tests/data): entities are
#    split in two halves by a hash of their id; thresholds are chosen on the TUNE half, every
#    figure in the table is on the HELD-OUT half;
#  * speed on a 30k-entry list with QUERIES queries (default 1M) on all cores (rayon); rapidfuzz
#    with process.cdist(workers=2) on RAPIDFUZZ_QUERIES of the same queries (default 500).
#    Wall-clock and CPU-time throughput are both printed: on a shared machine the wall clock
#    measures the neighbours too, "q/CPU-s x 2" is what two free cores give.
# Writes a table to stdout and to $OUT/table.md.
#   scripts/bench/screen.sh [OUT_DIR] [QUERIES]
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-/var/tmp/chokepoint-bench-screen}"
QUERIES="${2:-1000000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/chokepoint-target}"
mkdir -p "$OUT"
scripts/setup >/dev/null
cargo bench -q -p chokepoint-screen --bench screen -- --out "$OUT" --queries "$QUERIES" > "$OUT/chokepoint.stdout"
/var/tmp/chokepoint-venv/bin/python scripts/bench/screen_rapidfuzz.py "$OUT" "${RAPIDFUZZ_QUERIES:-500}" > "$OUT/rapidfuzz.stdout"
python3 - "$OUT" <<'PY' | tee "$OUT/table.md"
import json, sys
d = sys.argv[1]
c = json.load(open(f"{d}/chokepoint.json")); r = json.load(open(f"{d}/rapidfuzz.json"))
q = c["quality"]; s = c["speed"]
def f(x): return f"{x['recall']:.4f} | {x['false_positive_rate']:.4f}"
print(f"Quality: held-out half ({q['holdout']['listed']} listed variants, {q['holdout']['unlisted']} unlisted look-alikes); thresholds chosen on the tune half.")
print()
print("| matcher | threshold (tune half) | recall | FPR | recall, same-script | recall, cross-script |")
print("|---|---|---|---|---|---|")
print(f"| chokepoint | review {q['review_threshold']:.2f} / match {q['match_threshold']:.2f} | {f(q['holdout'])} | "
      f"{q['holdout_same_script']['recall']:.4f} | {q['holdout_cross_script']['recall']:.4f} |")
for name in ("WRatio", "token_set_ratio"):
    x = r[name]
    print(f"| rapidfuzz {name} | {x['threshold_for_fpr_0.01_on_tune']} (FPR <= 1% on tune) | {f(x['holdout_at_fpr_threshold'])} | "
          f"{x['holdout_same_script_at_fpr_threshold']['recall']:.4f} | {x['holdout_cross_script_at_fpr_threshold']['recall']:.4f} |")
    print(f"| rapidfuzz {name} | {x['threshold_for_recall_0.98_on_tune']} (recall >= 0.98 on tune) | {f(x['holdout_at_that_threshold'])} | | |")
print()
print("chokepoint, held-out half by kind (listed kinds: share found; look-alike kinds: share flagged = false positives):")
print()
print("| kind | queries | flagged | share |")
print("|---|---|---|---|")
for k in q["holdout_by_kind"]:
    print(f"| {k['kind']} | {k['queries']} | {k['flagged']} | {k['flagged']/max(k['queries'],1):.3f} |")
print()
print(f"Speed: {s['entries']} entries ({s['variants']} names and aliases).")
print()
print("| matcher | queries | wall s | q/s (wall) | CPU s | q/CPU-s | q/CPU-s x 2 cores |")
print("|---|---|---|---|---|---|---|")
print(f"| chokepoint (rayon, {s['threads']} threads) | {s['queries']} | {s['secs']:.1f} | {s['queries_per_sec']:.0f} | {s['cpu_secs']:.1f} | {s['queries_per_cpu_sec']:.0f} | {2*s['queries_per_cpu_sec']:.0f} |")
for name in ("WRatio", "token_set_ratio"):
    x = r[name]["speed"]
    print(f"| rapidfuzz {name} ({x['api']}) | {x['queries']} | {x['secs']:.1f} | {x['queries_per_sec']:.0f} | {x['cpu_secs']:.1f} | {x['queries_per_cpu_sec']:.0f} | {2*x['queries_per_cpu_sec']:.0f} |")
print()
print(f"chokepoint index: {s['keys']} keys, {s['postings']} postings; built in {s['index_build_secs']:.2f} s; "
      f"~{s['index_approx_bytes']/1e6:.1f} MB of index data (process RSS +{s['rss_delta_kib']/1024:.1f} MiB while building)")
print("rapidfuzz process.extract, one thread: " + ", ".join(f"{n} {r[n]['speed']['extract_queries_per_sec']:.0f} q/s" for n in ("WRatio", "token_set_ratio")))
print()
print("chokepoint held-out calibration (queries per best-score band):")
for b in q["calibration_holdout"]:
    print(f"  {b['band']:>10}: {b['queries']:5} queries, {b['listed']:5} of them listed")
PY
