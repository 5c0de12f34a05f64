"""The distillation scan on Apache Spark.

    python -m chokepoint.spark --input PATH... --out report.json [--master URL]

1. The schema is checked first: every local Parquet file's footer and Spark's schema of the
   input, against the api-log contract. A missing or mistyped column fails the job, naming
   the column, before any record is read.
2. ``mapInArrow`` runs :class:`chokepoint.Profiler` over each input partition (Parquet
   columns, or JSON lines from Spark's text reader): one profile row per account per
   partition, plus one statistics row.
3. ``repartition(n, "account_id")`` shuffles the profiles so every account's rows meet in one
   partition, and a second ``mapInArrow`` merges them in Rust.
4. The driver collects the merged profiles (one row per account, never records) and runs
   :func:`chokepoint.link`: the report of ``chokepoint distill scan`` on the same input.

Bad records are counted and reported as in the local scan (named by Spark partition and
row within the partition, since Spark does not give file line numbers), and skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional, Sequence

import chokepoint
from chokepoint import _native

#: Spark DDL of a profile batch (see chokepoint-py/src/batch.rs).
PROFILE_DDL = "account_id string, records long, profile binary"

#: Columns of the api-log contract the profile reads (from the native module, so the Spark
#: projection and the Rust readers cannot disagree); others are not read at all.
CONTRACT_COLUMNS: List[str] = list(_native.profiled_columns())


class SchemaMismatch(ValueError):
    """The input breaks the api-log contract; the message names the file and the column."""


def input_format(path: str) -> str:
    """``parquet`` or ``jsonl``, from the path (a directory is Parquet, as Spark writes it)."""
    p = path.lower()
    for suffix in (".gz", ".zst", ".zstd", ".bz2"):
        if p.endswith(suffix):
            p = p[: -len(suffix)]
    if p.endswith((".parquet", ".pq")):
        return "parquet"
    if p.endswith((".jsonl", ".json", ".ndjson")):
        return "jsonl"
    local = _local_path(path)
    if local is not None and os.path.isdir(local):
        return "parquet"
    if local is not None and os.path.isfile(local):
        with open(local, "rb") as f:
            if f.read(4) == b"PAR1":
                return "parquet"
    return "jsonl"


def _local_path(path: str) -> Optional[str]:
    if path.startswith("file://"):
        return path[len("file://") :]
    if "://" in path:
        return None
    return path


def check_parquet_footers(paths: Sequence[str]) -> None:
    """Checks the footer schema of every local Parquet file against the contract (Spark's own
    schema comes from one footer, so a file lacking a column would otherwise read as nulls)."""
    import pyarrow.parquet as pq

    for path in paths:
        local = _local_path(path)
        if local is None:
            continue  # a remote filesystem: Spark's schema is checked instead
        files = []
        if os.path.isdir(local):
            for root, _, names in os.walk(local):
                files += [
                    os.path.join(root, n)
                    for n in sorted(names)
                    if not n.startswith(("_", ".")) and n.endswith((".parquet", ".pq"))
                ]
        else:
            files = [local]
        for f in files:
            try:
                schema = pq.read_schema(f)
            except Exception as e:  # noqa: BLE001 - pyarrow raises several kinds
                raise SchemaMismatch(f"{f}: not a readable Parquet file: {e}") from e
            try:
                _native.check_schema(schema)
            except ValueError as e:
                raise SchemaMismatch(f"{f}: {e}") from e


def check_spark_schema(df: Any, what: str) -> None:
    """Checks a Spark DataFrame's schema against the contract (raises SchemaMismatch)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    try:
        schema = to_arrow_schema(df.schema)
    except Exception as e:  # noqa: BLE001 - an unconvertible type is a mismatch too
        raise SchemaMismatch(f"{what}: schema {df.schema.simpleString()}: {e}") from e
    try:
        _native.check_schema(schema)
    except ValueError as e:
        raise SchemaMismatch(f"{what}: {e}") from e


def _profile_partitions(config: Dict[str, Any], json_lines: bool):
    def profile(batches):
        from pyspark import TaskContext

        ctx = TaskContext.get()
        name = f"spark partition {ctx.partitionId()}" if ctx is not None else "spark partition"
        p = chokepoint.Profiler(config, name)
        for b in batches:
            if json_lines:
                p.add_json_lines(b, "value")
            else:
                p.add(b)
        yield p.finish()

    return profile


def _merge_partitions(config: Dict[str, Any]):
    def merge(batches):
        yield chokepoint.merge(list(batches), config)

    return merge


def profiles(spark: Any, inputs: Sequence[str], config: Dict[str, Any], partitions: Optional[int] = None) -> Any:
    """The merged account profiles of ``inputs`` as a Spark DataFrame (PROFILE_DDL), after
    checking every input's schema. Nothing runs until the DataFrame is collected."""
    parquet = [p for p in inputs if input_format(p) == "parquet"]
    jsonl = [p for p in inputs if input_format(p) == "jsonl"]
    frames = []
    if parquet:
        check_parquet_footers(parquet)
        df = spark.read.parquet(*parquet)
        check_spark_schema(df, ", ".join(parquet))
        df = df.select(*[c for c in CONTRACT_COLUMNS if c in df.columns])
        frames.append(df.mapInArrow(_profile_partitions(config, False), PROFILE_DDL))
    if jsonl:
        # Lines go to Rust as text and are validated there exactly as the local JSON Lines
        # reader validates them (Spark's JSON reader would type and null fields its own way).
        df = spark.read.text(list(jsonl))
        frames.append(df.mapInArrow(_profile_partitions(config, True), PROFILE_DDL))
    if not frames:
        raise ValueError("no input")
    profiled = frames[0]
    for f in frames[1:]:
        profiled = profiled.unionByName(f)
    n = partitions or int(spark.conf.get("spark.sql.shuffle.partitions", "200"))
    return profiled.repartition(n, "account_id").mapInArrow(_merge_partitions(config), PROFILE_DDL)


def collect_arrow(df: Any) -> List[Any]:
    """The DataFrame's rows on the driver as pyarrow record batches."""
    if hasattr(df, "toArrow"):  # pyspark >= 4.0
        return df.toArrow().to_batches()
    return list(df._collect_as_arrow())  # pyspark 3.5


def run(
    spark: Any,
    inputs: Sequence[str],
    config: Any = None,
    all_accounts: bool = False,
    partitions: Optional[int] = None,
) -> dict:
    """Runs the scan on ``spark`` and returns the report (the dict of ``chokepoint.link``)."""
    started = time.monotonic()
    # Normalise the configuration on the driver (a TOML path is read here, once) and ship
    # it to the executors as plain data.
    cfg = json.loads(_native.config_json(config))
    batches = collect_arrow(profiles(spark, inputs, cfg, partitions))
    report = chokepoint.link(batches, cfg, all_accounts=all_accounts)
    report["stats"]["seconds"] = time.monotonic() - started
    return report


def write_report(report: dict, out: str) -> None:
    """Writes the report as pretty JSON, atomically (a crash leaves no half-written file)."""
    directory = os.path.dirname(os.path.abspath(out))
    fd, tmp = tempfile.mkstemp(prefix=".report-", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m chokepoint.spark",
        description="The chokepoint distillation scan on Apache Spark: profile per partition, "
        "merge per account, link on the driver. The report equals `chokepoint distill scan` "
        "on the same input.",
        epilog="Example:\n  python -m chokepoint.spark --input logs/2026-02-*.parquet "
        "--out report.json --master spark://127.0.0.1:7077",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--input", nargs="+", required=True, metavar="PATH",
                   help="Parquet files or directories, JSON Lines files (.jsonl, .jsonl.gz)")
    p.add_argument("--out", required=True, help="where to write the report (JSON)")
    p.add_argument("--master", help="Spark master URL (local[N], spark://HOST:PORT); "
                   "leave out under spark-submit. With it, executors run this Python "
                   "(spark.pyspark.python) unless PYSPARK_PYTHON is set.")
    p.add_argument("--config", help="TOML file with weights and thresholds "
                   "(`chokepoint distill config` prints the defaults)")
    p.add_argument("--threshold", type=float, help="flag threshold in [0, 1] (overrides the configuration)")
    p.add_argument("--all-accounts", action="store_true", help="list every account, not only flagged ones")
    p.add_argument("--partitions", type=int, help="partitions of the merge step (default: spark.sql.shuffle.partitions)")
    p.add_argument("--app-name", default="chokepoint-distill")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    config: Any = args.config
    if args.threshold is not None:
        config = json.loads(_native.config_json(config))
        config["threshold"] = args.threshold
    try:
        cfg = json.loads(_native.config_json(config))
    except (ValueError, OSError) as e:
        print(f"chokepoint.spark: {e}", file=sys.stderr)
        return 2
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(args.app_name)
    if args.master:
        builder = builder.master(args.master)
        if "PYSPARK_PYTHON" not in os.environ:
            os.environ["PYSPARK_PYTHON"] = sys.executable
            builder = builder.config("spark.pyspark.python", sys.executable)
    spark = builder.getOrCreate()
    try:
        report = run(spark, args.input, cfg, args.all_accounts, args.partitions)
    except SchemaMismatch as e:
        print(f"chokepoint.spark: schema mismatch: {e}", file=sys.stderr)
        return 2
    finally:
        spark.stop()
    write_report(report, args.out)
    s = report["stats"]
    print(
        f"{s['records']} records ({s['bad_records']} bad), {s['accounts']} accounts, "
        f"{s['flagged_accounts']} flagged, {s['campaigns']} campaigns in {s['seconds']:.1f}s "
        f"-> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
