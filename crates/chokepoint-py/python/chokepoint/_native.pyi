"""Type stubs of the Rust extension module (crates/chokepoint-py/src/lib.rs)."""

import os
from typing import Any, Iterable, List, Mapping, Optional, Union

import pyarrow

_Config = Union[None, Mapping[str, Any], str, "os.PathLike[str]"]
_Batches = Union[pyarrow.RecordBatch, pyarrow.Table, Iterable[Union[pyarrow.RecordBatch, pyarrow.Table]]]

PROFILE_BATCH_SCHEMA: str
"""Schema id in the statistics row of every profile batch."""
REPORT_SCHEMA: str
"""Schema id of the report (``chokepoint.distill.report/v1``)."""

class Profiler:
    """Folds api-log record batches into per-account profiles in bounded memory.

    ``name`` is where bad records are said to be (a file, a Spark partition); ``strict``
    makes the first bad record a ``ValueError`` instead of a count.
    """

    def __init__(self, config: _Config = None, name: str = "batch", strict: bool = False) -> None: ...
    def add(self, batch: pyarrow.RecordBatch) -> None:
        """Add a batch with the api-log columns; raises ``ValueError`` naming a missing or
        mistyped column before reading any row. Bad rows are counted and skipped."""
    def add_json_lines(self, batch: pyarrow.RecordBatch, column: str = "value") -> None:
        """Add a batch whose ``column`` holds one JSON line per row."""
    def finish(self) -> pyarrow.RecordBatch:
        """The profile batch of everything added so far; the Profiler starts empty again."""

def check_schema(schema: pyarrow.Schema) -> None:
    """Raise ``ValueError`` naming the column if ``schema`` breaks the api-log contract."""

def profiled_columns() -> List[str]:
    """The api-log columns the profile reads, in contract order (others are never read)."""

def merge(batches: _Batches, config: _Config = None) -> pyarrow.RecordBatch:
    """Merge profile batches into one: one row per account, one statistics row."""

def link_json(batches: _Batches, config: _Config = None, all_accounts: bool = False) -> str:
    """Link and score profile batches; the report as JSON text."""

def scan_json(
    paths: list[str], config: _Config = None, all_accounts: bool = False, strict: bool = False
) -> str:
    """Scan local files; the report as JSON text."""

def default_config_toml() -> str:
    """The default configuration, as TOML (``chokepoint distill config``)."""

def config_json(config: _Config = None) -> str:
    """The configuration ``config`` stands for, validated, as JSON text."""
