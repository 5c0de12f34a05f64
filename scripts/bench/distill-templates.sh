#!/usr/bin/env bash
# Template clustering side by side with datasketch MinHashLSH (PyPI) on the same prompts:
# speed ratio and agreement on near-duplicate pairs (issue: distillation-campaign detection).
#
# 1. `chokepoint simulate traffic --scale medium --seed $SEED --format jsonl`, first $N records
#    (default 200000, seed 424242);
# 2. `cargo bench -p chokepoint-distill --bench templates` (release): one profile per prompt,
#    `link::template_clusters` timed, the full shingle sets and the clusters written out;
# 3. scripts/bench/distill_datasketch.py: MinHash + MinHashLSH on exactly those sets, timed,
#    and pair agreement against exact Jaccard.
# Writes a Markdown table to stdout and to $OUT_DIR/distill-templates.md
# (default OUT_DIR=/var/tmp/chokepoint-bench; the input is kept there and reused).
# Usage: scripts/bench/distill-templates.sh [N] [SEED]
set -euo pipefail
N="${1:-200000}"
SEED="${2:-424242}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/chokepoint-target}"
OUT_DIR="${OUT_DIR:-/var/tmp/chokepoint-bench}"
VENV="${CHOKEPOINT_VENV:-/var/tmp/chokepoint-venv}"
WORK="$OUT_DIR/distill-templates"
mkdir -p "$WORK"

PY="$VENV/bin/python"
if ! "$PY" -c "import datasketch" 2>/dev/null; then
  echo "datasketch is missing from $VENV: run scripts/setup (scripts/requirements.d/distill.txt)" >&2
  exit 1
fi

INPUT="$OUT_DIR/traffic-medium-$SEED.first$N.jsonl"
if [ ! -s "$INPUT" ] || [ "$(wc -l < "$INPUT")" -ne "$N" ]; then
  if (cd "$ROOT" && cargo build --release -q -p chokepoint); then
    FULL="$WORK/traffic-medium-$SEED.jsonl"
    "$CARGO_TARGET_DIR/release/chokepoint" -q simulate traffic --scale medium --seed "$SEED" \
      --format jsonl --out "$FULL" --labels "$WORK/traffic-medium-$SEED.labels.jsonl" >/dev/null
    head -n "$N" "$FULL" > "$INPUT.tmp"
    mv "$INPUT.tmp" "$INPUT"
    rm -f "$FULL"
  else
    # The bench simulates the same records in-process (same generator, same seed).
    echo "the chokepoint binary did not build: the bench simulates the records itself" >&2
    INPUT=""
  fi
fi

(cd "$ROOT" && DISTILL_TEMPLATES_INPUT="$INPUT" DISTILL_TEMPLATES_N="$N" DISTILL_TEMPLATES_SEED="$SEED" \
  DISTILL_TEMPLATES_OUT="$WORK" cargo bench -q -p chokepoint-distill --bench templates)
"$PY" "$ROOT/scripts/bench/distill_datasketch.py" "$WORK" --markdown "$OUT_DIR/distill-templates.md"
