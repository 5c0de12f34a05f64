#!/usr/bin/env bash
# TAXII 2.1 side by side on loopback: chokepoint (release build, SQLite WAL, synchronous=FULL)
# vs medallion (the OASIS reference server, memory backend). Same load generator for both:
# POST BENCH_OBJECTS objects in envelopes of 100, page through all of them (limit 100), then
# p50/p99 latency of GET-page and POST-envelope requests under 32 concurrent clients.
# Writes a table to bench-out/intel.md (and the raw JSON lines next to it).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/chokepoint-target}"
VENV="${CHOKEPOINT_VENV:-/var/tmp/chokepoint-venv}"
export BENCH_OBJECTS="${BENCH_OBJECTS:-10000}" BENCH_ENVELOPE=100 BENCH_PAGE=100
export BENCH_CLIENTS="${BENCH_CLIENTS:-32}" BENCH_SECONDS="${BENCH_SECONDS:-15}"
OUT=bench-out; mkdir -p "$OUT"
scripts/setup >/dev/null
cargo bench -q -p chokepoint-intel --bench taxii_load --no-run 2>/dev/null
LOAD=$(ls -t "$CARGO_TARGET_DIR"/release/deps/taxii_load-* | grep -v '\.d$' | head -1)
W=$(mktemp -d); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT

echo "== chokepoint"
"$LOAD" serve "$W/bench.db" > "$W/cp.out" &
PIDS+=($!)
for _ in $(seq 100); do grep -q READY "$W/cp.out" 2>/dev/null && break; sleep 0.1; done
read -r _ ADDR COLL KEY < "$W/cp.out"
BENCH_LABEL=chokepoint BENCH_OBJECTS_URL="http://$ADDR/api/collections/$COLL/objects/" BENCH_AUTH="bearer:$KEY" \
  "$LOAD" load | tee "$OUT/intel-chokepoint.json"

echo "== medallion (memory backend)"
PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MCOLL=91a7b528-80eb-42ed-a74d-c6fbd5a26116
cat > "$W/medallion-data.json" <<EOF
{"/discovery": {"title": "bench", "default": "http://127.0.0.1:$PORT/api1/", "api_roots": ["http://127.0.0.1:$PORT/api1/"]},
 "api1": {"information": {"title": "api1", "versions": ["application/taxii+json;version=2.1"], "max_content_length": 104857600},
          "status": [],
          "collections": [{"id": "$MCOLL", "title": "bench", "can_read": true, "can_write": true,
                           "media_types": ["application/stix+json;version=2.1"], "objects": [], "manifest": []}]}}
EOF
cat > "$W/medallion.json" <<EOF
{"backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend", "filename": "$W/medallion-data.json", "session_timeout": 3600},
 "users": {"bench": "bench"}, "taxii": {"max_page_size": 100}}
EOF
"$VENV/bin/medallion" --host 127.0.0.1 --port "$PORT" "$W/medallion.json" > "$W/med.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ "$(curl -s -o /dev/null -w "%{http_code}" -u bench:bench "http://127.0.0.1:$PORT/taxii2/")" = 200 ] && break; sleep 0.2; done
BENCH_LABEL=medallion BENCH_OBJECTS_URL="http://127.0.0.1:$PORT/api1/collections/$MCOLL/objects/" BENCH_AUTH="basic:bench:bench" \
  "$LOAD" load | tee "$OUT/intel-medallion.json"

"$VENV/bin/python" - "$OUT" <<'EOF'
import json, sys
out = sys.argv[1]
c = json.load(open(f"{out}/intel-chokepoint.json"))
m = json.load(open(f"{out}/intel-medallion.json"))
rows = [
    ("POST 10k objects (envelopes of 100), s", "post_seconds"),
    ("page through all (limit 100), s", "page_seconds"),
    ("total, s", "total_seconds"),
]
lines = ["| measure | chokepoint | medallion | ratio |", "|---|---|---|---|"]
for name, k in rows:
    lines.append(f"| {name} | {c[k]:.2f} | {m[k]:.2f} | {m[k] / c[k]:.1f}x |")
for phase in ("get_page_latency", "post_envelope_latency"):
    for p in ("p50_ms", "p99_ms"):
        lines.append(f"| {phase} {p} ({c['clients']} clients) | {c[phase][p]:.1f} | {m[phase][p]:.1f} | {m[phase][p] / c[phase][p]:.1f}x |")
    lines.append(f"| {phase} requests done | {c[phase]['requests']} | {m[phase]['requests']} | |")
table = "\n".join(lines)
open(f"{out}/intel.md", "w").write(table + "\n")
print(table)
EOF
