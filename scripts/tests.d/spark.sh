#!/usr/bin/env bash
# The chokepoint Python package (crates/chokepoint-py) and its Spark job: builds the abi3 wheel
# with maturin into the venv, then pytest checks profile/merge/link and the Spark job (local
# mode, and a standalone master with two workers on 127.0.0.1 that the test starts and stops)
# against `chokepoint distill scan` on the same simulated traffic, plus bad records and schema
# mismatches. Needs Java 17 (scripts/apt.d/spark.txt) and scripts/requirements.d/spark.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/chokepoint-target}"
VENV="${CHOKEPOINT_VENV:-/var/tmp/chokepoint-venv}"
PY="$VENV/bin/python"
command -v java >/dev/null || { echo "FAIL: java not found (scripts/setup installs openjdk-17-jre-headless)"; exit 1; }
"$PY" -c 'import pyspark, pyarrow, pytest' || { echo "FAIL: run scripts/setup (pyspark, pyarrow, pytest)"; exit 1; }
if [ -z "${CHOKEPOINT_BIN:-}" ]; then cargo build -q -p chokepoint; fi
export CHOKEPOINT_BIN="${CHOKEPOINT_BIN:-$CARGO_TARGET_DIR/debug/chokepoint}"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
echo "-- maturin build (crates/chokepoint-py)"
# CHOKEPOINT_PY_RELEASE=1 builds an optimised wheel (the benchmark does); the tests' inputs
# are small, and the debug profile already optimises dependencies.
PROFILE=(); [ "${CHOKEPOINT_PY_RELEASE:-0}" = 1 ] && PROFILE=(--release)
"$VENV/bin/maturin" build -q "${PROFILE[@]}" -m crates/chokepoint-py/Cargo.toml -i "$PY" --out "$W/wheels"
"$VENV/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$W"/wheels/chokepoint-*.whl
echo "-- pytest crates/chokepoint-py/python-tests"
cd "$W"  # import the installed wheel, not the source tree
"$PY" -m pytest -q -p no:cacheprovider "$OLDPWD/crates/chokepoint-py/python-tests"
