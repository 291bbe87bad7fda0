"""``etlstack query``: read-only SQL over the lakehouse through DuckDB — every engine's tables as
``<engine>.<table>`` (current snapshot) and the dbt marts as ``marts.<table>``.

Read-only in two layers. First, each statement is parsed by DuckDB itself and only reading
statements run (``refuse_writes``): SELECT (and what DuckDB parses as one: WITH, FROM-first,
VALUES, TABLE, DESCRIBE, SHOW, SUMMARIZE, reading PRAGMAs, PIVOT with an IN list) and EXPLAIN of
such a SELECT; a table function must be one that only reads (``READING_TABLE_FUNCTIONS``: not
``enable_logging``, ``checkpoint``, ``query``, ``set_iceberg_table_properties``, …). Anything else
is refused before any statement runs. Second, once the lakehouse views are set up, DuckDB's own
switches (``lock_down``): external access off, files readable only under the warehouse (and the
generator's ``_users.csv``), no extension installed or loaded, and the configuration locked so no
statement can switch any of it back. The second layer alone is not enough: DuckDB's allowed
directories are writable too (``COPY … TO '<warehouse>'`` would still run), hence the first."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pyarrow as pa
from rich.table import Table
from rich.text import Text

from python_engines.analytics.lakehouse_views import register_lakehouse, users_file
from python_engines.core.errors import EtlStackError
from python_engines.core.memory_guard import scratch_folder
from python_engines.core.security import quote_identifier, quote_literal, visible

ANALYTICS_DB = "analytics.duckdb"  # profiles.yml: <warehouse>/analytics.duckdb

RUNS = "it runs SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE and EXPLAIN of a SELECT"

# table functions a SELECT may call: they read (the catalog, files under the warehouse, values)
# and change nothing. Any other — enable_logging/enable_profiling (write log or profile files),
# checkpoint, truncate_duckdb_logs, query and json_execute_serialized_sql (SQL in a string, not
# checked here), set_/remove_iceberg_*_properties and iceberg_to_ducklake (write metadata),
# arrow_scan/pandas_scan (memory addresses), read_duckdb (opens a database file) — is refused.
READING_TABLE_FUNCTIONS = frozenset(
    {
        *("generate_series", "range", "repeat", "repeat_row", "unnest", "glob", "summary"),
        *("read_csv", "read_csv_auto", "sniff_csv", "read_text", "read_blob", "read_avro"),
        *("read_json", "read_json_auto", "read_json_objects", "read_json_objects_auto"),
        *("read_ndjson", "read_ndjson_auto", "read_ndjson_objects", "read_ndjson_objects_auto"),
        *("read_parquet", "parquet_scan", "parquet_metadata", "parquet_file_metadata"),
        *("parquet_full_metadata", "parquet_kv_metadata", "parquet_schema", "parquet_bloom_probe"),
        *("iceberg_scan", "iceberg_metadata", "iceberg_snapshots", "iceberg_column_stats"),
        *("iceberg_partition_stats", "iceberg_table_properties", "iceberg_schema_properties"),
        *("json_each", "json_tree", "query_table", "histogram", "histogram_values"),
        *("pg_timezone_names", "icu_calendar_names", "test_all_types", "test_vector_types"),
        *("duckdb_approx_database_count", "duckdb_columns", "duckdb_connection_count"),
        *("duckdb_constraints", "duckdb_coordinate_systems", "duckdb_databases"),
        *("duckdb_dependencies", "duckdb_extensions", "duckdb_external_file_cache"),
        *("duckdb_functions", "duckdb_indexes", "duckdb_keywords", "duckdb_log_contexts"),
        *("duckdb_logs", "duckdb_logs_parsed", "duckdb_memory", "duckdb_optimizers"),
        *("duckdb_prepared_statements", "duckdb_profiling_settings", "duckdb_schemas"),
        *("duckdb_secret_types", "duckdb_sequences", "duckdb_settings", "duckdb_table_sample"),
        *("duckdb_tables", "duckdb_temporary_files", "duckdb_types", "duckdb_variables"),
        *("duckdb_views", "pragma_collations", "pragma_database_size", "pragma_metadata_info"),
        *("pragma_platform", "pragma_show", "pragma_storage_info", "pragma_table_info"),
        *("pragma_user_agent", "pragma_version"),
    }
)

# what a refused statement is called (DuckDB's statement type → the SQL a user wrote)
STATEMENT_NAMES = {
    "LOAD": "INSTALL/LOAD",
    "SET": "SET/RESET/USE",
    "CALL": "CALL/CHECKPOINT",
    "VACUUM": "VACUUM/ANALYZE",
    "MERGE_INTO": "MERGE",
    "EXPORT": "EXPORT DATABASE",
    "TRANSACTION": "BEGIN/COMMIT/ROLLBACK",
    "PREPARE": "PREPARE",
    "EXECUTE": "EXECUTE",
}
OUTSIDE = "reading files outside the warehouse is"
EXTENSION = "loading an extension (for reading this kind of file) is"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # a name safe to repeat in a message


class QueryRefused(EtlStackError):
    """A statement ``etlstack query`` does not run because it could write or change something
    (the command exits 2, not 1 as for a query that fails)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"etlstack query is read-only: {what} refused ({RUNS})")


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
    lock_down(con, warehouse, data_dir)
    return con


def lock_down(con: duckdb.DuckDBPyConnection, warehouse: Path, data_dir: Path) -> None:
    """DuckDB's own switches, once the views are set up: files only under the warehouse (the
    views' Iceberg metadata and data files; the marts file is already open) and the generator's
    user dimension; no extension installed or loaded (the ones the views need are loaded); no
    Python variables read as tables; then the configuration locked, so no statement can undo it."""
    folders = sorted({str(warehouse.resolve()) + "/", str(warehouse.absolute()) + "/"})
    users = users_file(data_dir)
    # a query past the memory limit spills to a private folder, not to .tmp where it runs
    spill = scratch_folder("etlstack-query-")
    con.execute(f"set temp_directory = {quote_literal(str(spill))}")
    con.execute(f"set allowed_directories = [{', '.join(map(quote_literal, folders))}]")
    con.execute(f"set allowed_paths = [{quote_literal(str(users))}]")
    for setting in (
        "enable_external_access",
        "autoinstall_known_extensions",
        "autoload_known_extensions",
        "allow_community_extensions",
        "python_enable_replacements",
    ):
        con.execute(f"set {setting} = false")
    con.execute("set lock_configuration = true")


def refuse_writes(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Raise ``QueryRefused`` unless every statement in ``sql`` only reads (see the module's doc);
    checked before any of them runs."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.PermissionException:  # IMPORT DATABASE reads its files while it is parsed
        raise QueryRefused(OUTSIDE) from None
    except duckdb.Error as exc:  # a syntax error: the query is wrong, not refused
        raise EtlStackError(str(exc).splitlines()[0]) from None
    if not statements:
        raise EtlStackError("no SQL statement given")
    for statement in statements:
        _refuse_unless_reading(con, statement)


def _refuse_unless_reading(con: duckdb.DuckDBPyConnection, statement) -> None:
    kind = statement.type.name
    if not statement.query.strip():  # one DuckDB made itself: PIVOT without IN makes a type first
        raise QueryRefused("PIVOT without its values (ON column IN (...)) is")
    if kind == "EXPLAIN":
        explained = _explained(con, statement.query)
        if explained is None:
            raise QueryRefused("EXPLAIN of anything but one SELECT is")
        _refuse_unless_reading(con, explained)
        return
    if kind != "SELECT":
        name = STATEMENT_NAMES.get(kind, kind if _NAME.fullmatch(kind) else "")
        raise QueryRefused(f"{name} statements are" if name else "this statement is")
    for function in _table_functions(con, statement.query):
        if function.lower() not in READING_TABLE_FUNCTIONS:
            shown = f" {function}" if _NAME.fullmatch(function) else ""
            raise QueryRefused(f"the table function{shown} is")


def _explained(con: duckdb.DuckDBPyConnection, text: str):
    """The one statement ``EXPLAIN [ANALYZE] [(options)] <statement>`` names, or None when it is
    not exactly one (EXPLAIN ANALYZE runs its statement: it is checked like any other)."""
    offsets = [offset for offset, _ in duckdb.tokenize(text)]

    def word(i: int) -> str:
        return re.match(r"[A-Za-z]*", text[offsets[i] :]).group().lower()

    at = 1 if offsets and word(0) == "explain" else len(offsets)
    if at < len(offsets) and word(at) in ("analyze", "analyse"):
        at += 1
    if at < len(offsets) and text[offsets[at]] == "(":  # options: (format json, analyze)
        depth = 0
        while at < len(offsets):
            depth += {"(": 1, ")": -1}.get(text[offsets[at]], 0)
            at += 1
            if depth == 0:
                break
    if at >= len(offsets):
        return None
    try:
        inner = con.extract_statements(text[offsets[at] :])
    except duckdb.Error:
        return None
    return inner[0] if len(inner) == 1 else None


def _table_functions(con: duckdb.DuckDBPyConnection, select: str) -> list[str]:
    """Every table function a SELECT names, however deeply (subqueries, CTEs, joins), read from
    DuckDB's own parse tree (``json_serialize_sql``)."""
    tree = json.loads(con.execute("select json_serialize_sql(?)", [select]).fetchone()[0])
    if tree.get("error"):  # not a plain SELECT after all: not run
        raise QueryRefused("this statement is")
    found: list[str] = []
    pending: list = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if node.get("type") == "TABLE_FUNCTION" and isinstance(node.get("function"), dict):
                found.append(str(node["function"].get("function_name", "")))
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    refuse_writes(con, sql)
    try:
        return con.execute(sql).to_arrow_table()
    except duckdb.PermissionException as exc:  # a file outside the warehouse, an extension
        raise QueryRefused(EXTENSION if "extension" in str(exc) else OUTSIDE) from None
    except duckdb.Error as exc:
        raise EtlStackError(str(exc).splitlines()[0]) from None


def rich_table(result: pa.Table, limit: int) -> Table:
    """The result as a table; every value, column name and the caption printed literally
    (``[/]`` or ``[link=…]`` in the data is text, never Rich markup; control characters escaped)."""
    caption = f"{result.num_rows:,} row(s)" + (" (first shown)" if result.num_rows > limit else "")
    # on one line even under a narrow table (wrapped, "row(s)" was cut in two)
    table = Table(caption=Text(caption, no_wrap=True, overflow="ignore"))
    for name in result.column_names:
        table.add_column(Text(visible(name)))
    columns = [column.to_pylist() for column in result.slice(0, limit).columns]
    for row in zip(*columns, strict=True):  # by position: two columns may share a name
        table.add_row(*(Text("" if v is None else visible(v)) for v in row))
    return table
