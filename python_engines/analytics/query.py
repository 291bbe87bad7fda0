"""``etlstack query``: SQL over the lakehouse through DuckDB — every engine's tables as
``<engine>.<table>`` (current snapshot) and the dbt marts as ``marts.<table>``."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
from rich.table import Table

from python_engines.analytics.lakehouse_views import register_lakehouse
from python_engines.errors import EtlStackError
from python_engines.security import quote_identifier, quote_literal

ANALYTICS_DB = "analytics.duckdb"  # profiles.yml: <warehouse>/analytics.duckdb


def connect(warehouse: Path, catalog_uri: str | None, data_dir: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    register_lakehouse(con, warehouse, catalog_uri, data_dir)
    marts_file = warehouse / ANALYTICS_DB
    if marts_file.exists():
        con.execute(f"attach {quote_literal(str(marts_file.resolve()))} as analytics (read_only)")
        con.execute("create schema marts")
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'analytics' and table_schema = 'marts'"
        ).fetchall():
            quoted = quote_identifier(name)
            con.execute(f"create view marts.{quoted} as select * from analytics.marts.{quoted}")
    return con


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    try:
        return con.execute(sql).to_arrow_table()
    except duckdb.Error as exc:
        raise EtlStackError(str(exc).splitlines()[0]) from None


def rich_table(result: pa.Table, limit: int) -> Table:
    table = Table(
        caption=f"{result.num_rows:,} row(s)"
        + (" (first shown)" if result.num_rows > limit else "")
    )
    for name in result.column_names:
        table.add_column(name)
    for row in result.slice(0, limit).to_pylist():
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    return table
