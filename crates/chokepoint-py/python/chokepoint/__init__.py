"""chokepoint: distillation-campaign detection on API logs, on Arrow data.

The scan has a map step and a reduce step, and this package exposes both on pyarrow record
batches (through the Arrow C data interface: no copy, no per-row Python, the GIL released
while Rust works):

* :func:`profile` folds api-log record batches (``specs/api-log.md``) into a *profile batch*:
  one row per account (``account_id``, ``records``, ``profile``) plus one statistics row
  (``account_id`` null) with the read counts and bad-record samples.
* :func:`merge` merges profile batches (exact, associative and commutative).
* :func:`link` links and scores profile batches into the report of
  ``chokepoint distill scan`` (``chokepoint.distill.report/v1``), as a dict.
* :func:`scan` is the local scan of files, for a notebook.

:mod:`chokepoint.spark` runs the same steps on Apache Spark.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from ._native import (
    PROFILE_BATCH_SCHEMA,
    REPORT_SCHEMA,
    Profiler,
    check_schema,
    default_config_toml,
    link_json,
    merge,
    scan_json,
)

__all__ = [
    "PROFILE_BATCH_SCHEMA",
    "REPORT_SCHEMA",
    "Profiler",
    "check_schema",
    "default_config_toml",
    "profile",
    "merge",
    "link",
    "scan",
]

Config = Union[None, Mapping[str, Any], str, "os.PathLike[str]"]


def profile(
    batches: Any,
    config: Config = None,
    *,
    name: str = "batch",
    strict: bool = False,
    json_lines_column: Optional[str] = None,
) -> Any:
    """Profile api-log records into a profile batch (a ``pyarrow.RecordBatch``).

    ``batches`` is a ``pyarrow.RecordBatch``, a ``pyarrow.Table`` or an iterable of either.
    With ``json_lines_column``, that column holds one JSON line per row (validated as the
    local JSON Lines reader does) instead of api-log columns.

    Bad records are counted in the statistics row, their first places kept under ``name``,
    and skipped (``strict=True`` raises on the first). A schema that breaks the api-log
    contract raises ``ValueError`` naming the column, before any row is read.
    """
    p = Profiler(config, name, strict)
    for b in _batches(batches):
        if json_lines_column is None:
            p.add(b)
        else:
            p.add_json_lines(b, json_lines_column)
    return p.finish()


def link(batches: Any, config: Config = None, *, all_accounts: bool = False) -> dict:
    """Link and score profile batches: the report of ``chokepoint distill scan`` as a dict.

    ``all_accounts`` lists every account, not only flagged ones (``--all-accounts``).
    Raises ``ValueError`` for batches made with other ``[profile]`` bounds than ``config``.
    """
    return json.loads(link_json(list(_batches(batches)), config, all_accounts))


def scan(
    paths: Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]],
    config: Config = None,
    *,
    all_accounts: bool = False,
    strict: bool = False,
) -> dict:
    """Scan local files (JSON Lines plain/gzip/zstd, CSV, Parquet) as ``chokepoint distill
    scan`` does, returning its report as a dict."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return json.loads(scan_json([os.fspath(p) for p in paths], config, all_accounts, strict))


def _batches(obj: Any) -> Iterable[Any]:
    """Record batches of a RecordBatch, a Table, or an iterable of them."""
    if hasattr(obj, "to_batches"):
        yield from obj.to_batches()
    elif hasattr(obj, "num_rows") and hasattr(obj, "schema"):
        yield obj
    else:
        for o in obj:
            if hasattr(o, "to_batches"):
                yield from o.to_batches()
            else:
                yield o
