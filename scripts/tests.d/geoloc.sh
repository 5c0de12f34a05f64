#!/usr/bin/env bash
# geoloc over a real network: network namespaces joined by veth pairs, `tc netem` delays standing
# for distance. Landmarks in two namespaces (Kuala Lumpur, Shenzhen), chip agents in others.
#   1. an honest chip 15 km from the KL landmark            -> VERIFIED
#   2. a chip in Shenzhen claiming KL (2,500 km away)        -> INCONSISTENT
#   3. the Shenzhen chip answering KL through a relay in KL  -> RTT >= its real distance, never VERIFIED
# Needs root and a kernel that allows namespaces; skips (exit 0) with a message otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/chokepoint-target}"

skip() { echo "SKIP geoloc network tests: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "not root"
command -v ip >/dev/null && command -v tc >/dev/null || skip "iproute2 missing (scripts/setup installs it)"
command -v python3 >/dev/null || skip "python3 missing (the relay is a small Python script)"
P="cpgl$$"
ip netns add "${P}probe" 2>/dev/null || skip "the kernel refuses network namespaces (ip netns add failed)"
ip netns del "${P}probe"

# Delay: `tc netem` on both ends of each veth when the kernel has it; otherwise (some VM kernels
# ship without sch_netem) a user-space delay line at the chip end of the veth holds every
# datagram for the same time in each direction. Either way packets cross a real veth link, and
# either way delay is only ever added.
NETEM=1
ip netns add "${P}probe"
ip -n "${P}probe" link set lo up
ip netns exec "${P}probe" tc qdisc add dev lo root netem delay 1ms 2>/dev/null || NETEM=0
ip netns del "${P}probe"
[ "$NETEM" = 1 ] && echo "delays: tc netem" || echo "delays: kernel has no netem; user-space delay lines on the veth links"

cargo build -q -p chokepoint
BIN="$CARGO_TARGET_DIR/debug/chokepoint"
WORK=$(mktemp -d)
NSS=(lmk lms hon far rly)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for n in "${NSS[@]}"; do ip netns del "$P$n" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

for n in "${NSS[@]}"; do
  ip netns add "$P$n"
  ip -n "$P$n" link set lo up
done
cat > "$WORK/delayline.py" <<'PY'
# UDP delay line: datagrams to LISTEN go to TARGET, answers come back, each held DELAY ms.
import heapq, select, socket, sys, time
lip, lport, tip, tport, delay = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5]) / 1000
front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); front.bind((lip, lport))
backs, owner, queue, end = {}, {}, [], time.time() + 300
while time.time() < end:
    now = time.monotonic()
    while queue and queue[0][0] <= now:
        _, _, sock, data, dest = heapq.heappop(queue); sock.sendto(data, dest)
    wait = max(0.0, queue[0][0] - time.monotonic()) if queue else 1.0
    r, _, _ = select.select([front] + list(backs.values()), [], [], wait)
    for s in r:
        data, addr = s.recvfrom(4096)
        due = time.monotonic() + delay
        if s is front:
            if addr not in backs:
                b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("0.0.0.0", 0))
                backs[addr] = b; owner[b] = addr
            heapq.heappush(queue, (due, id(data), backs[addr], data, (tip, tport)))
        else:
            heapq.heappush(queue, (due, id(data), front, data, owner[s]))
PY
# link A B subnet delay_ms_each_way: veth pair between namespaces A (.1) and B (.2); B's agent
# (127.0.0.1:4750 in B) is reached at $net.2:$PORT with the delay on the way.
PORT=4750; [ "$NETEM" = 1 ] || PORT=4760
link() {
  local a=$1 b=$2 net=$3 delay=$4 ia="v$1$2" ib="v$2$1"
  ip link add "$ia" netns "$P$a" type veth peer name "$ib" netns "$P$b"
  ip -n "$P$a" addr add "$net.1/30" dev "$ia"
  ip -n "$P$b" addr add "$net.2/30" dev "$ib"
  ip -n "$P$a" link set "$ia" up
  ip -n "$P$b" link set "$ib" up
  if [ "$NETEM" = 1 ]; then
    ip netns exec "$P$a" tc qdisc add dev "$ia" root netem delay "${delay}ms"
    ip netns exec "$P$b" tc qdisc add dev "$ib" root netem delay "${delay}ms"
  else
    ip netns exec "$P$b" python3 "$WORK/delayline.py" "$net.2" 4760 127.0.0.1 4750 "$delay" & PIDS+=($!)
  fi
}
# Distances: honest chip ~15 km from KL; Shenzhen chip ~2,500 km from KL.
link lmk hon 10.231.1 0.1     # KL landmark  <-> honest chip: RTT ~0.2 ms  (<= 20 km)
link lms hon 10.231.2 13      # SZ landmark  <-> honest chip: RTT ~26 ms
link lmk far 10.231.3 14      # KL landmark  <-> Shenzhen chip: RTT ~28 ms
link lms far 10.231.4 0.5     # SZ landmark  <-> Shenzhen chip: RTT ~1 ms   (<= 100 km)
link lmk rly 10.231.5 0.05    # KL landmark  <-> relay in KL: RTT ~0.1 ms
link rly far 10.231.6 12.6    # relay in KL  <-> Shenzhen chip: RTT ~25 ms (the real distance)

cd "$WORK"
sleep 0.5
run() { "$BIN" -q --db "$WORK/fleet.db" geoloc "$@"; }
run keygen --out lmk.key --id lm-kul >/dev/null
run keygen --out lms.key --id lm-szx >/dev/null
run keygen --out hon.key --id chip-honest >/dev/null
run keygen --out far.key --id chip-diverted >/dev/null
run register landmark --id lm-kul --public-key lmk.key.pub --lat 3.139 --lon 101.687 >/dev/null
run register landmark --id lm-szx --public-key lms.key.pub --lat 22.5431 --lon 114.0579 >/dev/null
run register chip --id chip-honest --public-key hon.key.pub --lat 3.05 --lon 101.60 --site "KL DC-1" >/dev/null
run register chip --id chip-diverted --public-key far.key.pub --lat 3.05 --lon 101.60 --site "KL DC-1" >/dev/null

ip netns exec "${P}hon" "$BIN" -q geoloc agent --key hon.key --listen 0.0.0.0:4750 --duration-s 120 & PIDS+=($!)
ip netns exec "${P}far" "$BIN" -q geoloc agent --key far.key --listen 0.0.0.0:4750 --duration-s 120 & PIDS+=($!)
# The relay: a UDP forwarder in the KL namespace passing probes on to the Shenzhen chip (it adds
# no delay of its own; the link to Shenzhen does).
ip netns exec "${P}rly" python3 "$WORK/delayline.py" 10.231.5.2 4750 10.231.6.2 "$PORT" 0 & PIDS+=($!)
sleep 1

fail=0
check() { # name expected-verdict json
  local got
  got=$(printf '%s' "$3" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["verdict"])')
  if [ "$got" = "$2" ]; then echo "ok   $1: $got"; else echo "FAIL $1: expected $2, got $got"; printf '%s\n' "$3" | head -40; fail=1; fi
}

# 1. honest chip: KL landmark fast, Shenzhen landmark slow.
ip netns exec "${P}lmk" "$BIN" -q --db "$WORK/fleet.db" geoloc landmark --key lmk.key --id lm-kul --lat 3.139 --lon 101.687 --probe 10.231.1.2:$PORT --probes 5 >/dev/null
ip netns exec "${P}lms" "$BIN" -q --db "$WORK/fleet.db" geoloc landmark --key lms.key --id lm-szx --lat 22.5431 --lon 114.0579 --probe 10.231.2.2:$PORT --probes 5 >/dev/null
check "honest chip near its landmark" VERIFIED "$(run verify --chip chip-honest --format json)"

# 3. relay first (only the KL landmark's view): the relayed RTT carries the real distance.
out=$(ip netns exec "${P}lmk" "$BIN" -q --db "$WORK/fleet.db" --format json geoloc landmark --key lmk.key --id lm-kul --lat 3.139 --lon 101.687 --probe 10.231.5.2:4750 --probes 5)
rtt=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["measurements"][0]["rtt_ms"])')
if python3 -c "import sys; sys.exit(0 if $rtt >= 25.0 else 1)"; then echo "ok   relay cannot remove delay: RTT via relay $rtt ms >= 25 ms"; else echo "FAIL relay RTT $rtt ms < 25 ms"; fail=1; fi
res=$(run verify --chip chip-diverted --format json)
got=$(printf '%s' "$res" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["verdict"])')
if [ "$got" != VERIFIED ]; then echo "ok   relayed distant chip is not VERIFIED: $got"; else echo "FAIL relayed distant chip VERIFIED"; fail=1; fi

# 2. diverted chip: answers Shenzhen fast -> INCONSISTENT with its KL claim.
ip netns exec "${P}lms" "$BIN" -q --db "$WORK/fleet.db" geoloc landmark --key lms.key --id lm-szx --lat 22.5431 --lon 114.0579 --probe 10.231.4.2:$PORT --probes 5 >/dev/null
res=$(run verify --chip chip-diverted --format json)
check "chip 2,500 km from its claim" INCONSISTENT "$res"
printf '%s' "$res" | grep -q 'lm-szx' || { echo "FAIL reasons do not name the landmark"; fail=1; }
run status --format json | python3 -c 'import json,sys; s=json.load(sys.stdin); assert any(a["kind"]=="inconsistent" for a in s["alerts"]), s' && echo "ok   INCONSISTENT raised an alert"

# Wrong key: a chip answering with another key is refused and raises key_mismatch.
run keygen --out imp.key --id chip-honest >/dev/null
ip netns exec "${P}rly" "$BIN" -q geoloc agent --key imp.key --listen 10.231.5.2:4751 --duration-s 20 & PIDS+=($!)
sleep 0.5
if ip netns exec "${P}lmk" "$BIN" -q --db "$WORK/fleet.db" geoloc landmark --key lmk.key --id lm-kul --lat 3.139 --lon 101.687 --probe 10.231.5.2:4751 --probes 2 >/dev/null 2>&1; then
  echo "FAIL impostor key accepted"; fail=1
else
  run status --format json | python3 -c 'import json,sys; s=json.load(sys.stdin); assert any(a["kind"]=="key_mismatch" for a in s["alerts"]), s' && echo "ok   impostor key refused, key_mismatch alert"
fi

if [ "$fail" -ne 0 ]; then echo "geoloc network tests: 1 failed"; exit 1; fi
echo "geoloc network tests: 6 passed, 0 failed"
