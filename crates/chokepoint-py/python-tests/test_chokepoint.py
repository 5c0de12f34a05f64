"""The chokepoint Python package and its Spark job against the local `chokepoint distill scan`.

Needs CHOKEPOINT_BIN (the CLI, for simulated traffic and the reference reports), the wheel
installed, pyspark and Java 17. scripts/tests.d/spark.sh sets all of it up.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import chokepoint
from chokepoint import spark as cspark

BIN = os.environ.get("CHOKEPOINT_BIN", "chokepoint")
SEED = int(os.environ.get("CHOKEPOINT_TEST_SEED", "1307"))
DAYS = os.environ.get("CHOKEPOINT_TEST_DAYS", "4")
TOL = 1e-9


def run(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def local_scan(*inputs: Path, out: Path) -> dict:
    run(BIN, "distill", "scan", *map(str, inputs), "--accounts", "all", "--out", str(out))
    return json.loads(out.read_text())


@pytest.fixture(scope="session")
def data(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("traffic")
    files = {}
    for fmt in ("parquet", "jsonl"):
        out = d / f"traffic.{fmt}"
        run(BIN, "simulate", "traffic", "--scale", "small", "--seed", str(SEED), "--days", DAYS,
            "--format", fmt, "--out", str(out), "--labels", str(d / f"labels-{fmt}.jsonl"))
        files[fmt] = out
    # JSON Lines with bad records: every 97th line damaged in one of five ways.
    bad = d / "bad.jsonl"
    damage = [
        lambda l: l.replace('"ts":"', '"ts":"x', 1),
        lambda l: '{"account_id":"a-broken","prompt":"no timestamp"}',
        lambda l: l[: len(l) // 2],
        lambda l: "[1, 2, 3]",
        lambda l: l.replace('"asn":', '"asn":"', 1).replace(',"country"', '",\"country"', 1),
    ]
    with files["jsonl"].open() as src, bad.open("w") as dst:
        for i, line in enumerate(src):
            line = line.rstrip("\n")
            if i % 97 == 5:
                line = damage[(i // 97) % len(damage)](line)
            dst.write(line + "\n")
            if i % 500 == 7:
                dst.write("\n")  # blank lines are skipped, not bad
    files["bad_jsonl"] = bad
    # Parquet with bad rows: bad timestamps and null account ids in some row groups.
    t = pq.read_table(files["parquet"])
    ts = t.column("ts").to_pylist()
    acct = t.column("account_id").to_pylist()
    for i in range(3, len(ts), 211):
        ts[i] = "not a time"
    for i in range(11, len(acct), 509):
        acct[i] = None
    t = t.set_column(t.schema.get_field_index("ts"), "ts", pa.array(ts, pa.string()))
    t = t.set_column(t.schema.get_field_index("account_id"), "account_id", pa.array(acct, pa.string()))
    files["bad_parquet"] = d / "bad.parquet"
    pq.write_table(t, files["bad_parquet"], row_group_size=5000)
    # Schema mismatches: a missing required column, a mistyped one.
    files["no_prompt"] = d / "no_prompt.parquet"
    pq.write_table(t.drop_columns(["prompt"]), files["no_prompt"])
    files["float_ts"] = d / "float_ts.parquet"
    tf = t.set_column(t.schema.get_field_index("ts"), "ts", pa.array([1.5] * len(t), pa.float64()))
    pq.write_table(tf, files["float_ts"])
    reports = {k: local_scan(v, out=d / f"{k}.report.json")
               for k, v in files.items() if k not in ("no_prompt", "float_ts")}
    return {"dir": d, "files": files, "reports": reports}


def assert_same_report(got: dict, want: dict, samples_by_place: bool = True) -> None:
    """Same statistics, same accounts with the same flags, reasons and signals, same campaigns;
    floating-point values equal within 1e-9."""
    gs, ws = got["stats"], want["stats"]
    for k in ("records", "bad_records", "accounts", "flagged_accounts", "campaigns", "threshold"):
        assert gs[k] == ws[k], f"stats.{k}: {gs[k]} != {ws[k]}"
    if samples_by_place:
        assert gs.get("bad_record_samples", []) == ws.get("bad_record_samples", [])
    else:
        # Spark does not know file line numbers: compare what was wrong, not where.
        what = lambda s: sorted(re.sub(r"^.*?:line \d+,? ?", "", x) for x in s.get("bad_record_samples", []))  # noqa: E731
        assert len(gs.get("bad_record_samples", [])) == len(ws.get("bad_record_samples", []))
        if ws["bad_records"] <= len(ws.get("bad_record_samples", [])):
            assert what(gs) == what(ws)
    assert [a["account_id"] for a in got["accounts"]] == [a["account_id"] for a in want["accounts"]]
    for a, b in zip(got["accounts"], want["accounts"]):
        for k in ("flagged", "campaign", "reasons", "records"):
            assert a[k] == b[k], f"account {a['account_id']}: {k}: {a[k]} != {b[k]}"
        assert abs(a["score"] - b["score"]) <= TOL, a["account_id"]
        assert a["signals"].keys() == b["signals"].keys()
        for s in a["signals"]:
            assert abs(a["signals"][s] - b["signals"][s]) <= TOL, (a["account_id"], s)
    assert len(got["campaigns"]) == len(want["campaigns"])
    for c, d in zip(got["campaigns"], want["campaigns"]):
        assert abs(c["score"] - d["score"]) <= TOL, c["id"]
        for k in ("id", "accounts", "records", "first_seen", "last_seen", "evidence", "indicators", "links"):
            assert c[k] == d[k], f"campaign {c['id']}: {k} differs"
        assert c["capabilities"].keys() == d["capabilities"].keys()
        for k in c["capabilities"]:
            assert abs(c["capabilities"][k] - d["capabilities"][k]) <= TOL


# ---- the Python API, without Spark -------------------------------------------------------


def test_reference_has_findings(data):
    r = data["reports"]["parquet"]
    assert r["stats"]["records"] > 10_000
    assert r["stats"]["flagged_accounts"] > 0 and r["stats"]["campaigns"] > 0
    assert r["schema"] == chokepoint.REPORT_SCHEMA


def test_scan_equals_cli(data):
    for k in ("parquet", "jsonl", "bad_jsonl"):
        got = chokepoint.scan(data["files"][k], all_accounts=True)
        assert_same_report(got, data["reports"][k])


def test_profile_merge_link_in_any_cut_equals_local_scan(data):
    table = pq.read_table(data["files"]["parquet"])
    want = data["reports"]["parquet"]
    for pieces in (1, 3, 8):
        size = -(-len(table) // pieces)
        parts = [chokepoint.profile(table.slice(i * size, size)) for i in range(pieces)]
        # Merge in a tree of uneven groups: order and grouping must not matter.
        merged = [chokepoint.merge(parts[i::2]) for i in range(min(2, len(parts)))]
        got = chokepoint.link(list(reversed(merged)), all_accounts=True)
        assert_same_report(got, want)


def test_profile_batch_is_one_row_per_account_and_no_text(data):
    table = pq.read_table(data["files"]["parquet"])
    b = chokepoint.profile(table)
    assert b.schema.names == ["account_id", "records", "profile"]
    ids = b.column(0).to_pylist()
    assert ids[0] is None and len(set(ids[1:])) == len(ids) - 1
    assert len(ids) - 1 == data["reports"]["parquet"]["stats"]["accounts"]
    assert sum(b.column(1).to_pylist()[1:]) == b.column(1)[0].as_py()
    stats = json.loads(b.column(2)[0].as_py())
    assert stats["schema"] == chokepoint.PROFILE_BATCH_SCHEMA
    # That no prompt text is in a profile cell is tested in Rust (batch.rs), on decoded cells.


def test_bad_config_and_foreign_batches_are_named(data):
    table = pq.read_table(data["files"]["parquet"]).slice(0, 1000)
    with pytest.raises(ValueError, match="nope"):
        chokepoint.profile(table, {"nope": 1})
    b = chokepoint.profile(table)
    with pytest.raises(ValueError, match=r"\[profile\] settings"):
        chokepoint.link([b], {"profile": {"prompt_samples": 3}})
    with pytest.raises(ValueError, match="no column `profile`"):
        chokepoint.merge([table.to_batches()[0]])
    with pytest.raises(ValueError, match="`prompt`"):
        chokepoint.profile(table.drop_columns(["prompt"]))


def test_spark_projection_is_the_profiled_columns(data):
    # The Spark job projects onto the native list: the profile of the projected table equals
    # the profile of the whole table, and the columns the profile never reads are left out.
    table = pq.read_table(data["files"]["parquet"]).slice(0, 2000)
    cols = cspark.CONTRACT_COLUMNS
    assert "prompt" in cols and "account_id" in cols
    assert "request_id" not in cols and "stop_reason" not in cols
    assert set(cols) <= set(table.column_names)
    whole = chokepoint.link([chokepoint.profile(table)], all_accounts=True)
    projected = chokepoint.link([chokepoint.profile(table.select(cols))], all_accounts=True)
    assert whole["accounts"] == projected["accounts"]


# ---- Spark, local mode --------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable  # executors import the installed wheel
    s = (SparkSession.builder.master("local[2]").appName("chokepoint-test")
         .config("spark.sql.shuffle.partitions", "5")
         .config("spark.ui.enabled", "false")
         .config("spark.pyspark.python", sys.executable)
         .config("spark.driver.host", "127.0.0.1")
         .config("spark.driver.bindAddress", "127.0.0.1")
         .config("spark.sql.files.maxPartitionBytes", str(2 << 20))
         .getOrCreate())
    yield s
    s.stop()


@pytest.mark.parametrize("kind", ["parquet", "jsonl"])
def test_spark_local_equals_local_scan(spark, data, kind):
    got = cspark.run(spark, [str(data["files"][kind])], all_accounts=True)
    assert_same_report(got, data["reports"][kind], samples_by_place=False)


@pytest.mark.parametrize("kind", ["bad_jsonl", "bad_parquet"])
def test_spark_bad_records_counted_like_local_scan(spark, data, kind):
    want = data["reports"][kind]
    assert want["stats"]["bad_records"] > 20
    got = cspark.run(spark, [str(data["files"][kind])], all_accounts=True, partitions=3)
    assert_same_report(got, want, samples_by_place=False)
    assert all(s.startswith("spark partition ") for s in got["stats"]["bad_record_samples"])


def test_spark_two_inputs_of_two_formats(spark, data, tmp_path):
    # The same traffic twice (Parquet and JSON Lines): every count doubles, nothing is lost.
    got = cspark.run(spark, [str(data["files"]["parquet"]), str(data["files"]["jsonl"])], all_accounts=True)
    want = local_scan(data["files"]["parquet"], data["files"]["jsonl"], out=tmp_path / "both.json")
    assert_same_report(got, want, samples_by_place=False)


@pytest.mark.parametrize("kind,column", [("no_prompt", "`prompt`"), ("float_ts", "`ts`")])
def test_spark_schema_mismatch_fails_before_any_job(spark, data, kind, column):
    sc = spark.sparkContext
    sc.setJobGroup(f"mismatch-{kind}", "schema check")
    with pytest.raises(cspark.SchemaMismatch, match=column):
        cspark.run(spark, [str(data["files"][kind])])
    assert sc.statusTracker().getJobIdsForGroup(f"mismatch-{kind}") == []
    # Spark's own schema check (a remote path is checked that way), without the footers.
    df = spark.read.parquet(str(data["files"][kind]))
    with pytest.raises(cspark.SchemaMismatch, match=column):
        cspark.check_spark_schema(df, "input")
    sc.setJobGroup("none", "")


# ---- Spark, a standalone master and two workers on loopback -----------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"exited {proc.returncode}: {log.read_text()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise RuntimeError(f"port {port} not open after {seconds}s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def standalone(tmp_path_factory):
    """A Spark standalone master and two workers (1 core, 1 GiB each) on 127.0.0.1, started
    with spark-class from the pyspark package, stopped (and waited for) at the end."""
    import pyspark

    home = Path(pyspark.__file__).parent
    d = tmp_path_factory.mktemp("standalone")
    env = dict(os.environ, SPARK_HOME=str(home), SPARK_LOCAL_IP="127.0.0.1",
               SPARK_WORKER_DIR=str(d / "work"), SPARK_LOG_DIR=str(d), PYSPARK_PYTHON=sys.executable)
    cls = str(home / "bin" / "spark-class")
    port, ui = free_port(), free_port()
    procs = []

    def start(args, log):
        f = open(log, "w")
        p = subprocess.Popen([cls, *args], env=env, stdout=f, stderr=subprocess.STDOUT,
                             start_new_session=True)
        procs.append((p, f))
        return p

    try:
        m = start(["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                   str(port), "--webui-port", str(ui)], d / "master.log")
        wait_port(port, m, d / "master.log")
        url = f"spark://127.0.0.1:{port}"
        for i in range(2):
            wport = free_port()
            w = start(["org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--port",
                       str(wport), "--webui-port", str(free_port()), "--cores", "1", "--memory", "1g",
                       "--work-dir", str(d / f"work{i}"), url], d / f"worker{i}.log")
            wait_port(wport, w, d / f"worker{i}.log")
        # Wait until the master counts both workers as alive.
        end = time.monotonic() + 60
        while (d / "master.log").read_text().count("Registering worker") < 2:
            if time.monotonic() > end:
                raise RuntimeError((d / "master.log").read_text()[-2000:])
            time.sleep(0.3)
        yield {"url": url, "env": env, "dir": d}
    finally:
        for p, f in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p, f in reversed(procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            f.close()


def test_standalone_two_workers_cli_equals_local_scan(standalone, data, tmp_path):
    out = tmp_path / "spark.report.json"
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1")
    p = subprocess.run(
        [sys.executable, "-m", "chokepoint.spark", "--master", standalone["url"], "--input",
         str(data["files"]["bad_parquet"]), "--out", str(out), "--all-accounts", "--partitions", "4"],
        env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    got = json.loads(out.read_text())
    assert_same_report(got, data["reports"]["bad_parquet"], samples_by_place=False)
    # Both workers ran executors of this application.
    work = [standalone["dir"] / f"work{i}" for i in range(2)]
    assert all(any(w.iterdir()) for w in work), "an idle worker"


def test_cli_schema_mismatch_exit_code(data, tmp_path):
    out = tmp_path / "never.json"
    p = subprocess.run(
        [sys.executable, "-m", "chokepoint.spark", "--master", "local[1]", "--input",
         str(data["files"]["no_prompt"]), "--out", str(out)],
        capture_output=True, text=True, timeout=300)
    assert p.returncode == 2
    assert "`prompt`" in p.stderr and "schema mismatch" in p.stderr
    assert not out.exists()
