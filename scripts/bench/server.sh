#!/usr/bin/env bash
# Benchmark of the analyst console (`chokepoint serve`): p50/p99 latency of the campaign list and
# a campaign page with 50 concurrent signed-in users (wrk on loopback), on a scan of simulated
# traffic (default medium, ~2M records), and the server's memory at rest and under that load.
# Usage: scripts/bench/server.sh [small|medium|large] [seconds-per-run]
# PROFILE=debug uses the debug build (default release). Writes a Markdown table to stdout and to
# $OUT_DIR/server.md (default /var/tmp/chokepoint-bench). Needs wrk (scripts/apt.d/server.txt).
set -euo pipefail
SCALE="${1:-medium}"
SECS="${2:-20}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/chokepoint-target}"
OUT_DIR="${OUT_DIR:-/var/tmp/chokepoint-bench}"
PROFILE="${PROFILE:-release}"
mkdir -p "$OUT_DIR"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
if [ "$PROFILE" = release ]; then
  (cd "$ROOT" && cargo build --release -q -p chokepoint)
else
  (cd "$ROOT" && cargo build -q -p chokepoint)
fi
BIN="$CARGO_TARGET_DIR/$PROFILE/chokepoint"
W="$OUT_DIR/server-$SCALE"
mkdir -p "$W"
TRAFFIC="$W/traffic.jsonl"
[ -s "$TRAFFIC" ] || "$BIN" -q simulate traffic --scale "$SCALE" --seed 1 --out "$TRAFFIC" --labels "$W/labels.jsonl" >/dev/null
rm -f "$W"/bench.db*
CHOKEPOINT_PASSWORD="benchmark passphrase" "$BIN" --db "$W/bench.db" serve user add bench --role analyst >/dev/null
PORT="${PORT:-18765}"
"$BIN" -q --db "$W/bench.db" serve --listen "127.0.0.1:$PORT" --data-dir "$W" --scan "$TRAFFIC" >"$W/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
BASE="http://127.0.0.1:$PORT"
echo "scanning $TRAFFIC in the server ..." >&2
until grep -q "console on http://" "$W/serve.log"; do
  kill -0 $PID 2>/dev/null || { cat "$W/serve.log"; exit 1; }
  sleep 1
done
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$PID/status"; }

# Sign in like a browser: the login page's token and cookie, then the session cookie.
JAR="$W/jar"
rm -f "$JAR"
TOKEN="$(curl -s -c "$JAR" "$BASE/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | grep -o '[0-9a-f]\{32\}')"
curl -s -b "$JAR" -c "$JAR" -o /dev/null --data-urlencode username=bench --data-urlencode "password=benchmark passphrase" \
  --data-urlencode "csrf=$TOKEN" "$BASE/login"
SESSION="$(awk '$6 == "cp_session" {print $7}' "$JAR")"
[ -n "$SESSION" ] || { echo "sign-in failed" >&2; exit 1; }
CID="$(curl -s -b "cp_session=$SESSION" "$BASE/api/v1/scans/1/campaigns?limit=1" | grep -o '"campaign_id":"[^"]*"' | head -1 | cut -d'"' -f4)"
[ -n "$CID" ] || { echo "no campaign found" >&2; exit 1; }
STATS="$(curl -s -b "cp_session=$SESSION" "$BASE/api/v1/scans/1" | grep -o '"stats":{[^}]*}')"
sleep 2
REST_KIB="$(rss_kib)"

run() { # name path -> table row
  local name="$1" path="$2" peak=0 r
  ( while kill -0 $PID 2>/dev/null; do rss_kib; sleep 0.2; done ) >"$W/rss.log" &
  local sampler=$!
  wrk -t2 -c50 -d"${SECS}s" --latency -H "Cookie: cp_session=$SESSION" "$BASE$path" >"$W/wrk.log"
  kill $sampler 2>/dev/null || true
  peak="$(sort -n "$W/rss.log" | tail -1)"
  local p50 p99 rps non2xx
  p50="$(awk '$1 == "50%" {print $2}' "$W/wrk.log")"
  p99="$(awk '$1 == "99%" {print $2}' "$W/wrk.log")"
  rps="$(awk '/Requests\/sec/ {print $2}' "$W/wrk.log")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' "$W/wrk.log")"
  printf "| %s | \`%s\` | %s | %s | %s | %s | %s |\n" "$name" "$path" "$p50" "$p99" "$rps" "${non2xx:-0}" "$((peak / 1024)) MiB"
}

{
  echo "## chokepoint serve, 50 concurrent signed-in users (wrk -t2 -c50 -d${SECS}s), $PROFILE build"
  echo
  echo "scan: $SCALE traffic, $STATS"
  echo
  echo "| page | path | p50 | p99 | req/s | non-2xx | peak RSS under load |"
  echo "|---|---|---|---|---|---|---|"
  run "campaign list" "/scans/1"
  run "campaign page" "/scans/1/campaigns/$CID"
  run "campaign list (API)" "/api/v1/scans/1/campaigns?limit=100"
  echo
  echo "server RSS at rest (after the scan, before load): $((REST_KIB / 1024)) MiB; after load: $(( $(rss_kib) / 1024 )) MiB"
  echo "machine: $(nproc) cores; wrk shares them with the server"
} | tee "$OUT_DIR/server.md"
