"""The output tables' Arrow schemas: every engine's result is cast to these (types only, no rules)."""

from __future__ import annotations

from typing import TypeVar

import polars as pl
import pyarrow as pa

UTC_TS = pa.timestamp("us", tz="UTC")

EVENTS = pa.schema(
    [
        ("event_id", pa.string()),
        ("user_id", pa.string()),
        ("event_ts", UTC_TS),
        ("event_date", pa.date32()),
        ("page_url", pa.string()),
        ("device", pa.string()),
        ("event_type", pa.string()),
        ("ip_address", pa.string()),
        ("ip_number", pa.int64()),
        ("country_code", pa.string()),
        ("session_id", pa.string()),
    ]
)
SESSIONS = pa.schema(
    [
        ("session_id", pa.string()),
        ("user_id", pa.string()),
        ("session_start", UTC_TS),
        ("session_end", UTC_TS),
        ("duration_seconds", pa.int64()),
        ("event_count", pa.int64()),
        ("entry_page", pa.string()),
        ("exit_page", pa.string()),
        ("country_code", pa.string()),
        ("device", pa.string()),
        ("converted", pa.bool_()),
    ]
)
RAW_COLUMNS = [
    "event_id",
    "user_id",
    "session_id",
    "timestamp",
    "page_url",
    "country",
    "device",
    "ip_address",
    "event_type",
]
# a CSV event file's header line: the raw columns in order
HEADER = ",".join(RAW_COLUMNS)
# the engines' raw_events: the nine columns as text, and the file each row came from (the stored
# rows a later run recomputes are handed back in this shape too: cleansed_rows.raw_text)
RAW_EVENTS = pa.schema([(c, pa.string()) for c in RAW_COLUMNS] + [("source_file", pa.string())])
REJECTED_EVENTS = pa.schema(
    [("event_id", pa.string()), ("reason", pa.string())]
    + [(c, pa.string()) for c in RAW_COLUMNS[1:]]
    + [("source_file", pa.string())]
    # the text of a line that does not split into the nine columns (reason malformed_line)
    + [("raw_line", pa.string())]
)
# the rows that passed cleansing, as the lakehouse keeps them (table cleansed_events): their raw
# text, which a later run cleanses again (the one SQL) to recompute the users it touches, and the
# cleansed id, user and time it finds them by. The other cleansed columns are not stored: the
# events table holds them, and writing them made the 10M bulk slower.
CLEANSED = pa.schema(
    [EVENTS.field(name) for name in ("event_id", "user_id", "event_ts")]
    + [(f"raw_{c}", pa.string()) for c in RAW_COLUMNS]
    + [("source_file", pa.string())]
)
OUTPUTS: dict[str, pa.Schema] = {
    "events": EVENTS,
    "sessions": SESSIONS,
    "rejected_events": REJECTED_EVENTS,
}


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Select the schema's columns in order and cast to its types (an engine's int32 → int64 …)."""
    return table.select(schema.names).cast(schema)


Rows = TypeVar("Rows", pl.DataFrame, pl.LazyFrame)


def conform_frame(rows: Rows, schema: pa.Schema) -> Rows:
    """``conform`` for Polars rows: the schema's columns in order, in its types (a naive
    timestamp is UTC: the SQL's timestamps are)."""
    have = rows.collect_schema()
    want = pl.from_arrow(schema.empty_table()).schema
    return rows.select(_cast(name, have[name], dtype) for name, dtype in want.items())


def _cast(name: str, have: pl.DataType, want: pl.DataType) -> pl.Expr:
    column = pl.col(name)
    if isinstance(want, pl.Datetime) and isinstance(have, pl.Datetime) and have.time_zone is None:
        column = column.dt.replace_time_zone(want.time_zone)
    return column.cast(want)


# the cleansed columns an event key is made of (the lakehouse keys stored rows by them)
IDENTIFIED = ("user_id", "event_id", "event_ts")
