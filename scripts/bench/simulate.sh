#!/usr/bin/env bash
# Benchmark of `chokepoint simulate traffic` (release build): records/s and peak RSS at a scale
# (default medium, ~2M records), with `wc -l` over the same file as the peer ratio.
# Usage: scripts/bench/simulate.sh [small|medium|large] [seed]
# Writes a Markdown table to stdout and to $OUT_DIR/simulate.md (default /var/tmp/chokepoint-bench).
set -euo pipefail
SCALE="${1:-medium}"
SEED="${2:-1}"
# shellcheck source=release-bin.sh
source "$(dirname "$0")/release-bin.sh"
OUT="$OUT_DIR/traffic-$SCALE.jsonl"
LAB="$OUT_DIR/labels-$SCALE.jsonl"

read -r sim_s sim_kib _ < <(measure "$BIN" -q simulate traffic --scale "$SCALE" --seed "$SEED" --out "$OUT" --labels "$LAB")
records=$(wc -l < "$OUT")
bytes=$(stat -c %s "$OUT")
read -r wc_s wc_kib _ < <(measure wc -l "$OUT")
rate=$(awk -v n="$records" -v s="$sim_s" 'BEGIN { printf "%.0f", n / (s > 0 ? s : 1e-9) }')
wc_rate=$(awk -v n="$records" -v s="$wc_s" 'BEGIN { printf "%.0f", n / (s > 0 ? s : 1e-9) }')
ratio=$(awk -v a="$sim_s" -v b="$wc_s" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 1e-9) }')
{
  echo "# simulate traffic --scale $SCALE --seed $SEED ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores)"
  echo
  echo "| command | records | MiB | seconds | records/s | peak RSS MiB |"
  echo "|---|---:|---:|---:|---:|---:|"
  echo "| chokepoint simulate traffic | $records | $((bytes / 1048576)) | $sim_s | $rate | $((sim_kib / 1024)) |"
  echo "| wc -l (same file, peer) | $records | $((bytes / 1048576)) | $wc_s | $wc_rate | $((wc_kib / 1024)) |"
  echo
  echo "simulate / wc -l time ratio: $ratio"
} | tee "$OUT_DIR/simulate.md"
