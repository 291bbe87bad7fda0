"""DuckDB, in-process: temp tables per stage."""

from __future__ import annotations

import duckdb
import polars as pl
import pyarrow as pa

from python_engines.core.data_files import PARTITION_KEY, FileTarget
from python_engines.core.schema import RAW_COLUMNS
from python_engines.core.security import quote_literal
from python_engines.core.settings import EngineSettings
from python_engines.inputs.files import Inputs


def connect(settings: EngineSettings) -> duckdb.DuckDBPyConnection:
    """A connection set up as every DuckDB run of the pipeline needs it (the native baseline too)."""
    con = duckdb.connect(config={"threads": settings.threads})
    # ICU is built in: timestamptz follows the session zone, which is the host's unless set
    # (a New York host shifted event_ts by 4 h against the UTC event_date)
    con.execute("set TimeZone = 'UTC'")
    con.execute("set enable_progress_bar = false")
    # the tables are sets: no stage's result needs its rows in input order (less memory)
    con.execute("set preserve_insertion_order = false")
    return con


def raw_events_sql(con: duckdb.DuckDBPyConnection, inputs: Inputs) -> str:
    """The query of the input rows (the raw string columns + ``source_file``), run with the
    parameter ``paths``; it registers the file → ``source_file`` mapping on ``con``."""
    mapping = pa.table({"path": inputs.paths, "source_file": [f.source_file for f in inputs.files]})
    con.register("input_files", mapping)
    columns = ", ".join(f'r."{c}"' for c in RAW_COLUMNS)
    if inputs.file_format == "csv":
        types = ", ".join(f"'{c}': 'VARCHAR'" for c in RAW_COLUMNS)
        # strict_mode off: in strict mode DuckDB 1.5 applies the first file's line ends to every
        # file and read no row of a CRLF file listed after an LF one (no error). The lines it
        # would refuse (or pad) are taken out before (input_checks); quoted line breaks read
        # right in its parallel reader once null_padding is off. max_line_size: its default, pinned
        # above csv_checks.MAX_RECORD_BYTES (a longer record is refused before any engine
        # reads). Raised, it costs memory (at 32 MiB, reading a large file held more RSS) or, with
        # a buffer_size under 16 times it, the parallel reader failed on 16 MiB records.
        reader = (
            f"read_csv($paths, header = true, columns = {{{types}}}, quote = '\"', "
            "escape = '\"', filename = true, strict_mode = false, max_line_size = 2000000, "
            "hive_partitioning = false)"
        )
    else:
        reader = "read_parquet($paths, filename = true, hive_partitioning = false)"
    return (
        f"select {columns}, f.source_file from {reader} as r "
        "join input_files as f on f.path = r.filename"
    )


class DuckDBEngine:
    name = "duckdb"
    frames_in_process = False

    # an output read once is kept as a view; a stage inlined into the next one was slower (10M:
    # geolocated + sessionized took longer with geolocated a view than as two tables)
    plans_views = "outputs"
    startup_seconds = 0.0

    def __init__(self, settings: EngineSettings) -> None:
        self.con = connect(settings)
        self.kinds: dict[str, str] = {}

    def load_raw(self, inputs: Inputs) -> int:
        self.con.execute(
            f"create or replace temp table raw_events as {raw_events_sql(self.con, inputs)}",
            {"paths": inputs.paths},
        )
        return self._count("raw_events")

    def register(self, name: str, table: pa.Table) -> None:
        self.con.register(f"{name}_arrow", table)
        self.con.execute(f"create or replace temp table {name} as select * from {name}_arrow")

    def materialize(self, name: str, sql: str, once: bool = False) -> None:
        """A view when one later read takes the rows (``once``): DuckDB plans it into that
        read (the write of an output) instead of storing the rows in a temp table first."""
        kind = "view" if once else "table"
        self.con.execute(f"create or replace temp {kind} {name} as {sql}")
        self.kinds[name] = kind

    def fetch(self, name: str) -> pa.Table:
        return self.con.table(name).to_arrow_table()

    def fetch_frame(self, name: str) -> pl.DataFrame:
        return pl.from_arrow(self.fetch(name))

    def drop(self, name: str) -> None:
        self.con.execute(f"drop {self.kinds.pop(name, 'table')} {name}")

    def write_parquet(self, sql: str, target: FileTarget, input_order: bool = False) -> None:
        columns = [
            f'cast("{field.name}" as {_duckdb_type(field.type)}) as "{field.name}"'
            for field in target.schema
        ]
        if target.partition_column is not None:
            kind = (
                "date"
                if target.by_day
                else _duckdb_type(target.schema.field(target.partition_column).type)
            )
            columns.append(f'cast("{target.partition_column}" as {kind}) as {PARTITION_KEY}')
            options = f"format parquet, partition_by ({PARTITION_KEY})"
            destination = target.folder
        else:
            options = "format parquet"
            destination = target.folder / "part-0.parquet"
        target.folder.mkdir(parents=True, exist_ok=True)
        self.con.execute(
            f"copy (select {', '.join(columns)} from ({sql})) "
            f"to {quote_literal(str(destination))} ({options})"
        )

    def _count(self, name: str) -> int:
        return self.con.execute(f"select count(*) from {name}").fetchone()[0]

    def close(self) -> None:
        self.con.close()


_DUCKDB_TYPES = {
    pa.string(): "varchar",
    pa.large_string(): "varchar",
    pa.int64(): "bigint",
    pa.int32(): "integer",
    pa.bool_(): "boolean",
    pa.date32(): "date",
    pa.float64(): "double",
}


def _duckdb_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_timestamp(arrow_type):
        return "timestamptz" if arrow_type.tz else "timestamp"
    return _DUCKDB_TYPES[arrow_type]
