#!/usr/bin/env bash
# Benchmark of `chokepoint distill scan` (release build) on simulated traffic: quality against the
# labels, records/s, MB/s, peak RSS, and `wc -l` over the same file as the peer ratio; JSON Lines
# and Parquet of the same records.
# Usage: scripts/bench/distill.sh [small|medium|large] [seed]
#   The default seed (20261130) was never used while writing or tuning the scorer.
# Writes a Markdown table to stdout and to $OUT_DIR/distill-<scale>.md
# (default OUT_DIR=/var/tmp/chokepoint-bench; inputs are kept there and reused when present).
set -euo pipefail
SCALE="${1:-medium}"
SEED="${2:-20261130}"
# shellcheck source=release-bin.sh
source "$(dirname "$0")/release-bin.sh"
BASE="$OUT_DIR/traffic-$SCALE-$SEED"
LAB="$BASE.labels.jsonl"

if [ ! -s "$BASE.jsonl" ] || [ ! -s "$LAB" ]; then
  "$BIN" -q simulate traffic --scale "$SCALE" --seed "$SEED" --format jsonl --out "$BASE.jsonl" --labels "$LAB" >/dev/null
fi
if [ ! -s "$BASE.parquet" ]; then
  "$BIN" -q simulate traffic --scale "$SCALE" --seed "$SEED" --format parquet --out "$BASE.parquet" --labels "$LAB.p" >/dev/null
  cmp -s "$LAB" "$LAB.p" || { echo "labels of the JSONL and Parquet runs differ" >&2; exit 1; }
  rm -f "$LAB.p"
fi

records=$(wc -l < "$BASE.jsonl")
jbytes=$(stat -c %s "$BASE.jsonl")
pbytes=$(stat -c %s "$BASE.parquet")
cat "$BASE.jsonl" > /dev/null # same page-cache state for every reader below
read -r wc_s wc_kib wc_cpu < <(measure wc -l "$BASE.jsonl")
read -r js_s js_kib js_cpu < <(measure "$BIN" -q distill scan "$BASE.jsonl" --out "$BASE.report.json")
read -r pq_s pq_kib pq_cpu < <(measure "$BIN" -q distill scan "$BASE.parquet" --out "$BASE.report-parquet.json")
"$BIN" --format json distill eval --report "$BASE.report.json" --labels "$LAB" > "$BASE.eval.json"
"$BIN" distill eval --report "$BASE.report.json" --labels "$LAB" > "$BASE.eval.txt"
same=$(python3 - "$BASE.report.json" "$BASE.report-parquet.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda r: sorted((x["account_id"], round(x["score"], 9)) for x in r["accounts"])
print("yes" if key(a) == key(b) else "NO")
EOF
)

row() { # name seconds kib bytes cpu_seconds
  awk -v name="$1" -v s="$2" -v k="$3" -v b="$4" -v c="$5" -v n="$records" -v wc="$wc_s" 'BEGIN {
    s = (s > 0 ? s : 0.01); w = (wc > 0 ? wc : 0.01); c = (c > 0 ? c : 0.01);
    printf "| %s | %.2f | %.0f | %.1f | %.1f | %.0f | %.0f | %.1f |\n", name, s, n / s, b / 1e6 / s, c, n / c, k / 1024, s / w }'
}
{
  echo "# distill scan --scale $SCALE --seed $SEED ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(uptime | sed 's/.*load average: //') load)"
  echo
  echo "$records records; JSONL $((jbytes / 1048576)) MiB, Parquet $((pbytes / 1048576)) MiB"
  echo
  echo "CPU seconds (user + system) are given beside wall time: on a shared machine the wall"
  echo "clock measures the neighbours; records per CPU-second times the free cores bounds the rate."
  echo
  echo "| command | wall s | records/s | MB/s | CPU s | records/CPU-s | peak RSS MiB | wall / wc -l |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  row "wc -l (peer)" "$wc_s" "$wc_kib" "$jbytes" "$wc_cpu"
  row "distill scan (JSONL)" "$js_s" "$js_kib" "$jbytes" "$js_cpu"
  row "distill scan (Parquet)" "$pq_s" "$pq_kib" "$pbytes" "$pq_cpu"
  echo
  echo "Parquet report has the same accounts and scores as JSONL: $same"
  echo
  echo '```'
  cat "$BASE.eval.txt"
  echo '```'
} | tee "$OUT_DIR/distill-$SCALE.md"
