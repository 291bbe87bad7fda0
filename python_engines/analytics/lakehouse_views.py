"""The Iceberg lakehouse as DuckDB views, offline and without copying: every table of every
engine namespace becomes ``<namespace>.<table>`` = ``iceberg_scan`` of the metadata file the
catalog names, read at the snapshot of the last committed run (``committed_snapshots``: a run
still writing or one that died is never seen; old files left by copy-on-write are never read), plus a
``loaded_at`` column (``lakehouse_files``). The generator's user dimension becomes
``generator.users``."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv

from python_engines.analytics.lakehouse_files import FILES_SCHEMA, data_files, run_commit_times
from python_engines.core.errors import EtlStackError
from python_engines.core.locations import is_plain_path
from python_engines.core.security import quote_identifier as _ident
from python_engines.core.security import quote_literal as _quote
from python_engines.generator.writer import USERS
from python_engines.lakehouse.catalog import has_catalog, open_catalog
from python_engines.lakehouse.read import committed_snapshots, duckdb_with_iceberg

USERS_COLUMNS = {
    "user_id": "varchar",
    "tier": "varchar",
    "home_country": "varchar",
    "usual_device": "varchar",
}
_ARROW = {name: pa.string() for name in USERS_COLUMNS}  # every column varchar


def _drop(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> None:
    """Drop a view or table of that name (a table stands in for an empty Iceberg table)."""
    found = con.execute(
        "select table_type from information_schema.tables "
        "where table_catalog = current_database() and table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()
    if found:
        kind = "view" if found[0][0] == "VIEW" else "table"
        con.execute(f"drop {kind} {_ident(schema)}.{_ident(name)}")


def _register_table(con, namespace: str, name: str, table, snapshot_id: int | None) -> None:
    _drop(con, namespace, name)
    if snapshot_id is None:  # never committed: an empty typed table
        empty = pa.schema([*table.schema().as_arrow(), FILES_SCHEMA.field("loaded_at")])
        con.register("__empty", empty.empty_table())
        con.execute(f"create table {_ident(namespace)}.{_ident(name)} as select * from __empty")
        con.unregister("__empty")
        return
    con.execute(
        f"""create view {_ident(namespace)}.{_ident(name)} as
        select scan.* exclude (filename), files.loaded_at
        from (
            select *, filename
            from iceberg_scan({_quote(table.metadata_location)}, snapshot_from_id => {snapshot_id})
        ) as scan
        inner join {_ident(namespace)}.lakehouse_files as files
            on files.table_name = {_quote(name)} and files.file_path = scan.filename"""
    )


def register_namespace(con: duckdb.DuckDBPyConnection, catalog, namespace: str) -> list[str]:
    con.execute(f"create schema if not exists {_ident(namespace)}")
    tables = {ident[-1]: catalog.load_table(ident) for ident in catalog.list_tables(namespace)}
    committed = committed_snapshots(catalog, namespace)
    run_times = run_commit_times(list(tables.values()))
    files = pa.concat_tables(
        [FILES_SCHEMA.empty_table()]
        + [data_files(n, t, committed.get(n), run_times) for n, t in tables.items()]
    )
    con.register("__files", files)
    _drop(con, namespace, "lakehouse_files")
    con.execute(f"create table {_ident(namespace)}.lakehouse_files as select * from __files")
    con.unregister("__files")
    for name, table in sorted(tables.items()):
        _register_table(con, namespace, name, table, committed.get(name))
    return sorted(tables)


def users_file(data_dir: Path) -> Path:
    """The generator's user dimension, beside the data it generated."""
    return data_dir.resolve() / USERS


def read_users(data_dir: Path) -> pa.Table:
    """The user dimension read by Arrow (every column text; no rows when there is no file): for
    Spark, whose file listing skips names starting with ``_``, and for DuckDB where the folder's
    name would be read as a pattern."""
    path = users_file(data_dir)
    if not path.exists():
        return pa.schema(list(_ARROW.items())).empty_table()
    options = pa_csv.ConvertOptions(column_types=_ARROW, include_columns=list(_ARROW))
    return pa_csv.read_csv(path, convert_options=options)


def register_users(con: duckdb.DuckDBPyConnection, data_dir: Path) -> None:
    """The generator's user dimension (``_users.csv`` beside the data it generated)."""
    con.execute('create schema if not exists "generator"')
    _drop(con, "generator", "users")
    path = users_file(data_dir)
    columns = ", ".join(f"{name} {kind}" for name, kind in USERS_COLUMNS.items())
    if not path.exists():  # data from elsewhere has no user dimension: no tiers
        con.execute(f"create table generator.users ({columns})")
        return
    if not is_plain_path(path.parent):  # DuckDB would read its name as a pattern: a copy
        con.register("_users_file", read_users(data_dir))
        con.execute("create table generator.users as select * from _users_file")
        con.unregister("_users_file")
        return
    types = "{" + ", ".join(f"'{n}': '{k}'" for n, k in USERS_COLUMNS.items()) + "}"
    con.execute(
        f"create view generator.users as select * from "
        f"read_csv({_quote(str(path))}, header = true, columns = {types})"
    )


def register_lakehouse(
    con: duckdb.DuckDBPyConnection,
    warehouse: Path,
    catalog_uri: str | None = None,
    data_dir: Path | None = None,
) -> dict[str, list[str]]:
    """Every namespace's tables as views on ``con``; returns namespace → tables."""
    if not has_catalog(warehouse, catalog_uri):
        raise EtlStackError(
            f"no lakehouse at {warehouse.resolve()}: load one first (make demo, or etlstack run "
            "--engine duckdb --input data/raw --warehouse warehouse), or set ETLSTACK_WAREHOUSE"
        )
    duckdb_with_iceberg(con)
    catalog = open_catalog(warehouse, catalog_uri)
    registered = {
        namespace: register_namespace(con, catalog, namespace)
        for (namespace,) in catalog.list_namespaces()
    }
    if data_dir is not None:
        register_users(con, data_dir)
    return registered
