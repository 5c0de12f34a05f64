#!/usr/bin/env bash
# Conformance of `chokepoint intel` with real peers: stix2-validator, stix2-patterns, stix2,
# taxii2-client against a running `chokepoint intel serve`; raw HTTP status codes with curl;
# an acknowledged POST surviving kill -9 of the real server process; push/pull; match.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/chokepoint-target}"
VENV="${CHOKEPOINT_VENV:-/var/tmp/chokepoint-venv}"
PY="$VENV/bin/python"
PEERS="$PWD/scripts/tests.d/intel_peers.py"
if [ -z "${CHOKEPOINT_BIN:-}" ]; then cargo build -q -p chokepoint; fi
BIN="${CHOKEPOINT_BIN:-$CARGO_TARGET_DIR/debug/chokepoint}"
W=$(mktemp -d)
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
export CHOKEPOINT_DB="$W/intel.db"

start_server() {
  "$BIN" intel serve --listen 127.0.0.1:0 --max-content-length 1048576 > "$W/serve.out" 2> "$W/serve.err" &
  SERVER_PID=$!
  for _ in $(seq 100); do
    ADDR=$(sed -n 's|.*on http://\([0-9.:]*\)/taxii2/.*|\1|p' "$W/serve.out" | head -1)
    [ -n "$ADDR" ] && break
    sleep 0.1
  done
  [ -n "$ADDR" ] || { cat "$W/serve.err"; echo "FAIL: server did not start"; exit 1; }
}

echo "-- set-up: organisations, keys, collection, grants"
"$BIN" intel org add lab-a >/dev/null
"$BIN" intel org add lab-b >/dev/null
KEY_A=$("$BIN" --format json intel key create --org lab-a | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["token"])')
KEY_B=$("$BIN" --format json intel key create --org lab-b | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["token"])')
COLL=$("$BIN" --format json intel collection add "distillation indicators" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
"$BIN" intel grant --org lab-a --collection "$COLL" --read --write >/dev/null
"$BIN" intel grant --org lab-b --collection "$COLL" --read >/dev/null
"$PY" - "$W/intel.db" "$KEY_A" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
secret = sys.argv[2].split("_", 2)[2]
dump = "\n".join(str(r) for r in db.execute("SELECT * FROM intel_keys"))
assert secret not in dump, "an API key secret is stored in clear"
print("ok: API key secrets are stored hashed")
EOF

echo "-- export a report and validate the bundle with the OASIS tools"
"$BIN" intel keygen --out "$W/community.key" >/dev/null
"$PY" - "$W" <<'EOF'
import json, random, sys
w = sys.argv[1]
rnd = random.Random(4)
camps = []
for c in range(3):
    accts = [f"acct_{c}_{i:05d}" for i in range(rnd.randint(30, 1200))]
    camps.append({
        "id": f"c-{c}", "score": 0.9 + c / 100, "accounts": accts, "records": 1000 * len(accts),
        "first_seen": "2026-02-01T00:00:00Z", "last_seen": "2026-02-03T12:30:00.5+01:00",
        "capabilities": {"coding": 0.5, "reasoning": 0.3, "tool_use": 0.2}, "evidence": ["x"],
        "indicators": {"ips": [f"203.0.113.{i}" for i in range(20)] + ["2001:db8::7"], "asns": [64500, 64501],
                       "payment_fingerprints": [f"pf-{c}-{i}" for i in range(5)],
                       "template_sketches": ["tsh1:" + "".join(f"{rnd.getrandbits(64):016x}" for _ in range(40))]}})
report = {"schema": "chokepoint.distill.report/v1", "generated_at": "2026-02-04T00:00:00Z", "stats": {},
          "accounts": [], "campaigns": camps, "unknown_future_field": [1, 2]}
json.dump(report, open(f"{w}/report.json", "w"))
EOF
for tlp in clear green amber amber+strict red; do
  "$BIN" -q intel export "$W/report.json" --community-key-file "$W/community.key" --out "$W/bundle-$tlp.json" --tlp "$tlp" --producer "Lab A"
done
"$PY" "$PEERS" validate "$W"/bundle-*.json
"$PY" - "$W" <<'EOF'
import json, sys
w = sys.argv[1]
report = json.load(open(f"{w}/report.json"))
text = open(f"{w}/bundle-amber.json").read()
raw = []
for c in report["campaigns"]:
    raw += c["accounts"] + c["indicators"]["ips"] + c["indicators"]["payment_fingerprints"]
leaks = [r for r in raw if r in text]
assert not leaks, f"raw values in the bundle: {leaks[:5]}"
print(f"ok: none of {len(raw)} raw account ids / IPs / payment fingerprints appears in the bundle")
EOF

echo "-- taxii2-client against chokepoint intel serve"
start_server
"$PY" "$PEERS" taxii "http://$ADDR/taxii2/" "$KEY_A" "$W/bundle-green.json"

echo "-- raw HTTP status codes"
TX='application/taxii+json;version=2.1'
OBJ="http://$ADDR/api/collections/$COLL/objects/"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
expect() { local want=$1; shift; local got; got=$(code "$@"); [ "$got" = "$want" ] || { echo "FAIL: want $want got $got: $*"; exit 1; }; }
expect 401 -H "Accept: $TX" "$OBJ"
expect 401 -H "Accept: $TX" -H "Authorization: Bearer cpk1_0123456789abcdef_wrong" "$OBJ"
expect 403 -X POST -H "Accept: $TX" -H "Content-Type: $TX" -H "Authorization: Bearer $KEY_B" --data '{"objects":[]}' "$OBJ"
expect 406 -H "Accept: application/json" -H "Authorization: Bearer $KEY_A" "$OBJ"
expect 415 -X POST -H "Content-Type: application/json" -H "Authorization: Bearer $KEY_A" --data '{"objects":[]}' "$OBJ"
head -c 2000000 /dev/zero | tr '\0' ' ' > "$W/big.json"
expect 413 -X POST -H "Content-Type: $TX" -H "Authorization: Bearer $KEY_A" --data-binary "@$W/big.json" "$OBJ"
expect 400 -X POST -H "Content-Type: $TX" -H "Authorization: Bearer $KEY_A" --data '{"objects": [' "$OBJ"
expect 404 -H "Authorization: Bearer $KEY_A" "http://$ADDR/api/collections/00000000-0000-4000-8000-000000000000/objects/"
expect 404 -H "Authorization: Bearer $KEY_A" "${OBJ}indicator--00000000-0000-4000-8000-000000000000/"
ctype=$(curl -s -o /dev/null -w '%{content_type}' -H "Authorization: Bearer $KEY_A" "http://$ADDR/api/")
[ "$ctype" = "$TX" ] || { echo "FAIL: content type $ctype"; exit 1; }
echo "ok: 401, 403, 406, 415, 413, 400, 404 and the TAXII content type"

echo "-- push (lab A, including TLP:RED) and pull (lab B never sees TLP:RED)"
"$BIN" -q intel push "$W/bundle-red.json" --server "http://$ADDR/api/" --collection "$COLL" --api-key "$KEY_A" --envelope-size 50
CHOKEPOINT_INTEL_API_KEY="$KEY_B" "$BIN" -q intel pull --server "http://$ADDR/taxii2/" --collection "$COLL" --out "$W/pulled-b.json" --page-size 25
CHOKEPOINT_INTEL_API_KEY="$KEY_A" "$BIN" -q intel pull --server "http://$ADDR/api/" --collection "$COLL" --out "$W/pulled-a.json"
"$PY" - "$W" <<'EOF'
import json, sys
w = sys.argv[1]
red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
b = json.load(open(f"{w}/pulled-b.json"))["objects"]
a = json.load(open(f"{w}/pulled-a.json"))["objects"]
assert not any(red in o.get("object_marking_refs", []) for o in b), "TLP:RED served to lab B"
n_red = sum(red in o.get("object_marking_refs", []) for o in a)
assert n_red > 0, "lab A does not get its own TLP:RED objects back"
print(f"ok: lab A pulls {len(a)} objects ({n_red} TLP:RED), lab B pulls {len(b)} and no TLP:RED")
EOF
"$PY" "$PEERS" validate "$W/pulled-a.json"

echo "-- an acknowledged POST survives kill -9"
OBJ_ID="indicator--$("$PY" -c 'import uuid; print(uuid.uuid4())')"
BODY="{\"objects\":[{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"$OBJ_ID\",\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"2026-01-01T00:00:00.000Z\",\"pattern\":\"[ipv4-addr:value = '198.51.100.7']\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-01-01T00:00:00Z\"}]}"
expect 202 -X POST -H "Accept: $TX" -H "Content-Type: $TX" -H "Authorization: Bearer $KEY_A" --data "$BODY" "$OBJ"
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
start_server
OBJ="http://$ADDR/api/collections/$COLL/objects/"
expect 200 -H "Accept: $TX" -H "Authorization: Bearer $KEY_A" "${OBJ}${OBJ_ID}/"
echo "ok: object acknowledged before kill -9 is served after restart"

echo "-- match local logs and validate the sightings"
"$PY" - "$W" <<'EOF'
import json, sys
w = sys.argv[1]
with open(f"{w}/local.jsonl", "w") as f:
    for i in range(50):
        f.write(json.dumps({"ts": "2026-03-01T00:00:00Z", "account_id": f"local_{i}", "ip": f"203.0.113.{i}",
                            "payment_fingerprint": "pf-1-3" if i == 7 else f"pf-local-{i}", "prompt": f"hello {i}"}) + "\n")
        f.write(json.dumps({"ts": "2026-03-01T00:00:00Z", "account_id": "acct_2_00011", "prompt": "x"}) + "\n")
EOF
"$BIN" --format json intel match "$W/pulled-a.json" "$W/local.jsonl" --community-key-file "$W/community.key" \
  --out "$W/matches.json" --sightings-out "$W/sightings.json" --sighter "Lab B" > "$W/match.out"
"$PY" - "$W" <<'EOF'
import json, sys
w = sys.argv[1]
m = json.load(open(f"{w}/matches.json"))["matches"]
accounts = {x["account_id"] for x in m}
assert "local_7" in accounts and "acct_2_00011" in accounts and "local_25" not in accounts, accounts
assert any(x["kind"] == "ip" for x in m) and any(x["kind"] == "payment" for x in m)
s = open(f"{w}/sightings.json").read()
assert "local_" not in s and "203.0.113" not in s and "acct_2" not in s
print(f"ok: match found {len(accounts)} local accounts; sightings carry no raw values")
EOF
"$PY" "$PEERS" validate "$W/sightings.json"
echo "intel conformance: all passed"
