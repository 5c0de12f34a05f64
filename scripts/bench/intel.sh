#!/usr/bin/env bash
# TAXII 2.1 side by side on loopback: chokepoint (release build, SQLite WAL, synchronous=FULL)
# vs medallion (the OASIS reference server, memory backend), same load generator for both
# (crates/chokepoint-intel/benches/taxii_load.rs).
#
# 1. Throughput: POST N objects in envelopes of 100, then page through all of them (limit 100,
#    following `next`). A fresh server per size. chokepoint runs every size up to BENCH_OBJECTS
#    (10000); medallion runs the sizes in BENCH_MEDALLION_SIZES, each under a time limit
#    (BENCH_MEDALLION_TIMEOUT seconds), because its memory backend is super-linear: the first
#    GET of a paging session compares every manifest entry with every object, parsing a
#    timestamp in the inner loop (filters/basic_filter.py sort_and_paginate), plus an all-pairs
#    filter_by_spec_version. Its time at 10k is then extrapolated from a log-log fit of the
#    measured sizes; the arithmetic is printed with the table. (Medallion's latency is measured
#    on a small collection for the same reason: each of its first-page GETs is O(n^2) and the
#    GIL serialises them, so 32 clients on 1000 objects take tens of minutes.)
# 2. Latency: on a fresh server holding BENCH_LATENCY_OBJECTS objects (200), 32 concurrent
#    clients for BENCH_SECONDS each: GET a page (limit 100), then POST envelopes of 100.
#    chokepoint is also measured at BENCH_OBJECTS.
#
# Writes bench-out/intel.md (and the raw JSON lines in bench-out/intel-*.json).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/chokepoint-target}"
VENV="${CHOKEPOINT_VENV:-/var/tmp/chokepoint-venv}"
N="${BENCH_OBJECTS:-10000}"
SIZES="${BENCH_SIZES:-500 1000 2000}"
MED_SIZES="${BENCH_MEDALLION_SIZES:-$SIZES}"
MED_TIMEOUT="${BENCH_MEDALLION_TIMEOUT:-1200}"
LAT_N="${BENCH_LATENCY_OBJECTS:-200}"
PHASES="${BENCH_PHASES:-throughput latency}"
export BENCH_ENVELOPE=100 BENCH_PAGE=100 BENCH_SECONDS="${BENCH_SECONDS:-15}"
CLIENTS="${BENCH_CLIENTS:-32}"
OUT=bench-out; mkdir -p "$OUT"
RAW="$OUT/intel-runs.jsonl"
# BENCH_APPEND=1 adds to the runs already in $RAW (e.g. one phase at a time).
[ -n "${BENCH_APPEND:-}" ] || : > "$RAW"
[ -n "${BENCH_SKIP_SETUP:-}" ] || scripts/setup >/dev/null
# BENCH_LOAD: an already built load generator (skips the build).
if [ -z "${BENCH_LOAD:-}" ]; then
  cargo bench -q -p chokepoint-intel --bench taxii_load --no-run 2>/dev/null
fi
LOAD=${BENCH_LOAD:-$(ls -t "$CARGO_TARGET_DIR"/release/deps/taxii_load-* | grep -v '\.d$' | head -1)}
W=$(mktemp -d); PID=""
stop() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""; fi; }
trap 'stop; rm -rf "$W"' EXIT

start_chokepoint() {
  rm -f "$W"/bench.db*
  "$LOAD" serve "$W/bench.db" > "$W/cp.out" &
  PID=$!
  for _ in $(seq 100); do grep -q READY "$W/cp.out" 2>/dev/null && break; sleep 0.1; done
  read -r _ ADDR COLL KEY < "$W/cp.out"
  URL="http://$ADDR/api/collections/$COLL/objects/"; AUTH="bearer:$KEY"
}

start_medallion() {
  local port coll=91a7b528-80eb-42ed-a74d-c6fbd5a26116
  port=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$W/medallion-data.json" <<EOF
{"/discovery": {"title": "bench", "default": "http://127.0.0.1:$port/api1/", "api_roots": ["http://127.0.0.1:$port/api1/"]},
 "api1": {"information": {"title": "api1", "versions": ["application/taxii+json;version=2.1"], "max_content_length": 104857600},
          "status": [],
          "collections": [{"id": "$coll", "title": "bench", "can_read": true, "can_write": true,
                           "media_types": ["application/stix+json;version=2.1"], "objects": [], "manifest": []}]}}
EOF
  # session_timeout: medallion forgets a `next` after 30 s by default, shorter than one of its
  # own paging walks at a few thousand objects.
  cat > "$W/medallion.json" <<EOF
{"backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend", "filename": "$W/medallion-data.json", "session_timeout": 7200},
 "users": {"bench": "bench"}, "taxii": {"max_page_size": 100}}
EOF
  "$VENV/bin/medallion" --host 127.0.0.1 --port "$port" "$W/medallion.json" > "$W/med.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do [ "$(curl -s -o /dev/null -w "%{http_code}" -u bench:bench "http://127.0.0.1:$port/taxii2/")" = 200 ] && break; sleep 0.2; done
  URL="http://127.0.0.1:$port/api1/collections/$coll/objects/"; AUTH="basic:bench:bench"
}

# run SERVER OBJECTS CLIENTS [TIMEOUT, 0 = none]: one fresh server, one load run, one JSON line in $RAW.
run() {
  local server=$1 n=$2 clients=$3 limit=${4:-0} line
  "start_$server"
  echo "== $server: $n objects, $clients clients" >&2
  if line=$(BENCH_LABEL=$server BENCH_OBJECTS=$n BENCH_CLIENTS=$clients BENCH_OBJECTS_URL=$URL BENCH_AUTH=$AUTH \
      timeout "$limit" "$LOAD" load); then
    echo "$line" | tee -a "$RAW" >&2
  else
    echo "{\"label\":\"$server\",\"objects\":$n,\"clients\":$clients,\"did_not_finish_s\":$limit}" | tee -a "$RAW" >&2
  fi
  stop
}

if [[ " $PHASES " == *" throughput "* ]]; then
  for n in $SIZES $N; do run chokepoint "$n" 0; done
  for n in $MED_SIZES; do run medallion "$n" 0 "$MED_TIMEOUT"; done
fi
if [[ " $PHASES " == *" latency "* ]]; then
  run chokepoint "$LAT_N" "$CLIENTS"
  run chokepoint "$N" "$CLIENTS"
  run medallion "$LAT_N" "$CLIENTS" "$MED_TIMEOUT"
fi

"$VENV/bin/python" - "$RAW" "$N" "$OUT/intel.md" <<'EOF'
import json, math, sys
raw, n_full, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
runs = [json.loads(l) for l in open(raw) if l.strip()]
seq = {(r["label"], r["objects"]): r for r in runs if r["clients"] == 0}
lat = {(r["label"], r["objects"]): r for r in runs if r["clients"] != 0}
sizes = sorted({n for _, n in seq})
L = []
L.append(f"### Throughput: POST N objects in envelopes of 100, then page through all (limit 100)\n")
L.append("| objects | chokepoint POST s | chokepoint paging s | chokepoint total s | medallion POST s | medallion paging s (first page) | medallion total s | ratio |")
L.append("|---|---|---|---|---|---|---|---|")
def f(x): return f"{x:.2f}" if x < 100 else f"{x:.0f}"
for n in sizes:
    c, m = seq.get(("chokepoint", n)), seq.get(("medallion", n))
    row = [str(n)]
    row += [f(c["post_seconds"]), f(c["page_seconds"]), f(c["total_seconds"])] if c else ["", "", ""]
    if m and "total_seconds" in m:
        row += [f(m["post_seconds"]), f"{f(m['page_seconds'])} ({f(m['first_page_seconds'])})", f(m["total_seconds"])]
        row.append(f"{m['total_seconds'] / c['total_seconds']:.0f}x" if c else "")
    elif m:
        row += ["", "", f"did not finish in {m['did_not_finish_s']} s", ""]
    else:
        row += ["", "", "not run", ""]
    L.append("| " + " | ".join(row) + " |")
done = sorted((n, r["total_seconds"]) for (lab, n), r in seq.items() if lab == "medallion" and "total_seconds" in r)
if ("medallion", n_full) not in seq or "total_seconds" not in seq[("medallion", n_full)]:
    if len(done) >= 2:
        # Least-squares fit of log(t) = a + b log(n) over the two largest measured sizes (the
        # smallest are dominated by constant costs) and the extrapolation it gives.
        (n1, t1), (n2, t2) = done[-2], done[-1]
        b = math.log(t2 / t1) / math.log(n2 / n1)
        t_full = t2 * (n_full / n2) ** b
        c = seq[("chokepoint", n_full)]["total_seconds"]
        L.append("")
        L.append(f"medallion at {n_full}: not measured (super-linear). Growth exponent from its two largest runs: "
                 f"b = ln({t2:.1f}/{t1:.1f}) / ln({n2}/{n1}) = {b:.2f}; "
                 f"extrapolated t({n_full}) = {t2:.1f} s x ({n_full}/{n2})^{b:.2f} = {t_full:.0f} s; "
                 f"chokepoint measured {c:.2f} s, so the ratio at {n_full} is about {t_full / c:.0f}x "
                 f"(an extrapolation, not a measurement).")
L.append("")
L.append("### Latency under concurrent clients (each client loops for the phase's duration)\n")
L.append("| server | objects held | clients | GET page p50 / p99 ms (requests) | POST 100 p50 / p99 ms (requests) |")
L.append("|---|---|---|---|---|")
for (lab, n), r in sorted(lat.items()):
    if "get_page_latency" not in r:
        L.append(f"| {lab} | {n} | {r['clients']} | did not finish in {r['did_not_finish_s']} s | |")
        continue
    g, p = r["get_page_latency"], r["post_envelope_latency"]
    L.append(f"| {lab} | {n} | {r['clients']} | {g['p50_ms']:.1f} / {g['p99_ms']:.1f} ({g['requests']}, {g['errors']} errors) "
             f"| {p['p50_ms']:.1f} / {p['p99_ms']:.1f} ({p['requests']}, {p['errors']} errors) |")
table = "\n".join(L)
open(out, "w").write(table + "\n")
print(table)
EOF
