#!/usr/bin/env bash
# The analyst console against real peers:
#  1. Debian's headless Chromium (chromium + chromium-driver) walks the console end to end on
#     traffic made by `chokepoint simulate traffic --scale small`, writing a screenshot of each page;
#  2. schemathesis (PyPI) checks the OpenAPI document against the live server.
# Artefacts: $ARTIFACTS_DIR (default $CARGO_TARGET_DIR/artifacts/server).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/chokepoint-target}"
VENV="${CHOKEPOINT_VENV:-/var/tmp/chokepoint-venv}"
ART="${ARTIFACTS_DIR:-$CARGO_TARGET_DIR/artifacts/server}"
mkdir -p "$ART"
cargo build -q -p chokepoint
B="$CARGO_TARGET_DIR/debug/chokepoint"
W="$(mktemp -d)"
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT

echo "== server: browser end to end (screenshots in $ART/screenshots)"
"$B" simulate traffic --scale small --seed 11 --out "$W/traffic.jsonl" --labels "$W/labels.jsonl" -q >/dev/null
CHOKEPOINT_E2E=1 CHOKEPOINT_E2E_TRAFFIC="$W/traffic.jsonl" ARTIFACTS_DIR="$ART/screenshots" \
  cargo test -q -p chokepoint-server --test browser
ls "$ART/screenshots"/*.png | wc -l | xargs echo "screenshots:"

echo "== server: schemathesis against the live server"
mkdir -p "$W/data"
CHOKEPOINT_PASSWORD="schemathesis passphrase" "$B" --db "$W/s.db" serve user add st --role admin >/dev/null
TOKEN="$("$B" --db "$W/s.db" serve token add --user st 2>/dev/null)"
"$B" --db "$W/s.db" serve --listen 127.0.0.1:0 --data-dir "$W/data" >"$W/serve.log" 2>&1 &
PID=$!
for _ in $(seq 1 200); do
  grep -q "console on http://" "$W/serve.log" && break
  sleep 0.2
done
URL="$(grep -o 'http://[0-9.:]*' "$W/serve.log" | head -1)"
[ -n "$URL" ] || { cat "$W/serve.log"; echo "server did not start"; exit 1; }
curl -fsS "$URL/healthz" >/dev/null
"$VENV/bin/schemathesis" run "$URL/api/v1/openapi.json" \
  --url "$URL/api/v1" \
  -H "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples 25 --request-timeout 60 --no-color \
  --report junit --report-dir "$ART/schemathesis"
echo "server: 2 passed, 0 failed"
