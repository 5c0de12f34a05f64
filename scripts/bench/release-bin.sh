# Sourced by the bench scripts that time the release `chokepoint` binary (simulate.sh,
# distill.sh): builds it, sets ROOT, OUT_DIR, BIN, and defines `measure`.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/chokepoint-target}"
OUT_DIR="${OUT_DIR:-/var/tmp/chokepoint-bench}"
mkdir -p "$OUT_DIR"
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
(cd "$ROOT" && cargo build --release -q -p chokepoint)
BIN="$CARGO_TARGET_DIR/release/chokepoint"

# measure COMMAND... -> "wall_seconds peak_kib cpu_seconds" (CPU = user + system)
measure() {
  local log="$OUT_DIR/time.log"
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log" >&2; return 1; }
  local wall rss secs cpu
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$log")
  # wall is h:mm:ss or m:ss.ss
  secs=$(echo "$wall" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  echo "$secs $rss $cpu"
}
