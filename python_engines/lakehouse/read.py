"""Reading the lakehouse from other tools, offline: DuckDB (its iceberg extension from PyPI),
Polars and Spark (the data files of the current snapshot)."""

from __future__ import annotations

import duckdb
import pyarrow as pa
from pyiceberg.table import Table

from python_engines.errors import EtlStackError


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


def current_data_files(table: Table) -> list[str]:
    """The Parquet files of the current snapshot. The tables are written copy-on-write, so there
    are no delete files to apply; a table that has some is refused rather than misread."""
    tasks = list(table.scan().plan_files())
    if any(task.delete_files for task in tasks):
        raise EtlStackError(f"{table.name()}: has delete files; read it with an Iceberg reader")
    return [task.file.file_path for task in tasks]


def read_with_spark(table: Table, spark):
    """A Spark DataFrame over the current snapshot's files (no Iceberg runtime jar needed)."""
    files = current_data_files(table)
    if not files:
        return spark.createDataFrame(table.scan().to_arrow())
    return spark.read.parquet(*files)
