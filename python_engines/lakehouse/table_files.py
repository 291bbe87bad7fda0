"""What both halves of the store share: a run's record, a row filter in its two forms, and
reading a table's own data files."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
from pyiceberg.expressions import (
    AlwaysTrue,
    BooleanExpression,
)
from pyiceberg.io.pyarrow import ArrowScan, PyArrowFileIO, schema_to_pyarrow
from pyiceberg.table import FileScanTask, Table

from python_engines.core.schema import conform

RUN_ID_PROPERTY = "etlstack.run-id"
# a table has tens of files: pyiceberg plans the scans Polars reads (polars' own planner is a
# separate package; without this setting every scan warns that it is missing)
os.environ.setdefault("POLARS_ICEBERG_PLANNER", "pyiceberg")


@dataclass(frozen=True)
class RowFilter:
    """One condition on a table's rows, in both forms: for the catalog (which data files may
    hold matching rows) and for the rows of a file."""

    files: BooleanExpression
    rows: pl.Expr


@dataclass
class RunRecord:
    run_id: str
    engine: str
    started_at: datetime
    input_files: list[dict]
    rows_in: int
    rows_clean: int
    rows_rejected: int
    rows_recomputed: int
    sessions_added: int
    sessions_replaced: int
    session_gap_minutes: int
    seconds: dict[str, float] = field(default_factory=dict)


def local_path(location: str) -> Path | None:
    """Where pyiceberg's own files for a location are on this machine (None: not local). A
    location's escapes such as ``%20`` are part of the folder's name: pyiceberg does not decode
    them (Polars, given the URI, would)."""
    scheme, _, path = PyArrowFileIO.parse_location(location)
    return Path(path) if scheme in ("file", "") else None


def _own_path(task: FileScanTask) -> Path | None:
    """Where a data file is for Polars to read it itself: local, and no delete file touches it
    (None: pyiceberg reads it and applies the deletes)."""
    return None if task.delete_files else local_path(task.file.file_path)


def _file_rows(table: Table, task: FileScanTask, schema: pa.Schema) -> pl.DataFrame:
    """A data file's rows in the table's current schema (a column added later reads as null).
    Polars reads a local file that no delete file touches, as every file this project writes:
    faster than pyiceberg's reader on a 10M lakehouse's day file.
    pyiceberg's reader reads the others, and applies their deletes."""
    path = _own_path(task)
    if path is None:
        reader = ArrowScan(table.metadata, table.io, table.schema(), AlwaysTrue())
        return pl.from_arrow(conform(reader.to_table([task]), schema))
    return _parquet_rows([path], schema).collect()


def _read_schema(table: Table, schema: pa.Schema) -> pa.Schema:
    """The columns this version writes, and any the table holds that an older version wrote and
    this one no longer does (``cleansed_events`` held every cleansed column: its rows from then
    are read back with them, ``cleansed_rows.raw_text``). Newer files read those as null."""
    older = [f for f in schema_to_pyarrow(table.schema()) if f.name not in schema.names]
    return pa.schema([*schema, *(pa.field(f.name, f.type) for f in older)])


def _parquet_rows(paths: list[Path], schema: pa.Schema) -> pl.LazyFrame:
    """Data files in a table's current schema: a column added later reads as null, an engine's
    narrower integers and naive UTC timestamps as the table's types."""
    return pl.scan_parquet(
        paths,
        schema=pl.from_arrow(schema.empty_table()).schema,
        missing_columns="insert",
        cast_options=pl.ScanCastOptions(integer_cast="upcast", datetime_cast="convert-timezone"),
    )


def iso_literal(value: date | datetime) -> str:
    """A date or UTC timestamp as an Iceberg expression literal."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC)
    return value.isoformat()


def _snapshot_id(table: Table) -> int | None:
    snapshot = table.current_snapshot()
    return snapshot.snapshot_id if snapshot else None
