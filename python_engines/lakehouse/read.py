"""Reading the lakehouse from other tools, offline: DuckDB (its iceberg extension from PyPI),
Polars and Spark (the data files of the current snapshot)."""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa
from pyiceberg.exceptions import NoSuchTableError
from pyiceberg.table import Table

from python_engines.core.errors import EtlStackError


def duckdb_with_iceberg(con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with ``iceberg_scan``: the extension ships in PyPI wheels matching
    duckdb 1.5.5 (``INSTALL iceberg`` would download; avro first, or iceberg tries to)."""
    import duckdb_extensions

    con = con or duckdb.connect()
    for name in ("avro", "iceberg"):
        duckdb_extensions.import_extension(name, con=con)
        con.execute(f"load {name}")
    return con


def read_with_duckdb(table: Table, con: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    con = duckdb_with_iceberg(con)
    return con.execute("select * from iceberg_scan(?)", [table.metadata_location]).to_arrow_table()


def committed_snapshots(catalog, namespace: str) -> dict[str, int]:
    """Table → the snapshot it had when the last run committed. The ``runs`` row is a run's commit
    point: a run still writing, or one that died before its row, has moved tables past these
    snapshots, and readers must not see that. ``runs`` itself is read at its current snapshot;
    a data table absent here was never committed (read it as empty)."""
    try:
        runs = catalog.load_table((namespace, "runs"))
    except NoSuchTableError:
        return {}
    rows = runs.scan(selected_fields=("sequence", "snapshot_ids")).to_arrow().to_pylist()
    if not rows:
        return {}
    last = max(rows, key=lambda row: row["sequence"])
    committed = {k: v for k, v in json.loads(last["snapshot_ids"]).items() if v is not None}
    if runs.current_snapshot() is not None:
        committed["runs"] = runs.current_snapshot().snapshot_id
    return committed


def current_data_files(table: Table, snapshot_id: int | None = None) -> list[str]:
    """The Parquet files of a snapshot (default: the current one). The tables are written
    copy-on-write, so there are no delete files to apply; a table that has some is refused
    rather than misread."""
    tasks = list(table.scan(snapshot_id=snapshot_id).plan_files())
    if any(task.delete_files for task in tasks):
        raise EtlStackError(f"{table.name()}: has delete files; read it with an Iceberg reader")
    return [task.file.file_path for task in tasks]


def read_with_spark(table: Table, spark, snapshot_id: int | None = None):
    """A Spark DataFrame over a snapshot's files (default: the current one; no Iceberg runtime
    jar needed)."""
    files = current_data_files(table, snapshot_id)
    if not files:
        return spark.createDataFrame(table.schema().as_arrow().empty_table())
    return spark.read.parquet(*files)
