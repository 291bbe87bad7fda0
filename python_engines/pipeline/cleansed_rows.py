"""How table ``cleansed_events`` stores the rows that passed cleansing, compactly.

A later run recomputes the users it touches from these rows. It reads back their raw text and
cleanses it again with the one SQL (``sql/01_cleansed.sql``, through ``pipeline``): deduplication
ranks copies by the raw text, rejected duplicates show it, and every other column follows from
it by the rules. So the table keeps the raw text of every column, and only the cleansed columns
a run finds rows by: ``event_id`` (its keys), ``user_id`` and ``event_ts`` (the slice to
recompute, the day partitions). Without the cleansed URL, device, event type and address beside
their raw text, the 10M bulk writes the table's files faster than with them (compared in the
same hour, alternating); a daily load cleanses its recomputed rows again at a negligible cost.

The raw id and user nearly always equal their cleansed value (nothing was trimmed), so they are
stored as null where they do, and read back as that value. This is lossless because each
cleansed value is ``nullif(trim(raw), '')``: it is null whenever the raw text is, so a stored
null beside a cleansed value can only mean "equal".

A table written before (it stored every cleansed column) also elided the raw URL and address
the same way; its rows are read back with those columns (``LEGACY_ELIDED``).
"""

from __future__ import annotations

from functools import cache

import polars as pl

from python_engines.core.schema import CLEANSED, RAW_COLUMNS
from python_engines.transpile import derivation_sql, transpile

ELIDED = ("event_id", "user_id")
LEGACY_ELIDED = ("page_url", "ip_address")  # elided too by tables written before this layout


def _stored(name: str) -> str:
    raw = name.removeprefix("raw_")
    if name.startswith("raw_") and raw in ELIDED:
        return f"case when {raw} is null or {name} <> {raw} then {name} end as {name}"
    return name


@cache
def storage_sql(engine: str) -> str:
    """The engine's query for the rows to store."""
    return passing_sql(", ".join(_stored(name) for name in CLEANSED.names), engine)


def passing_rows(columns: str, table: str = "cleansed") -> str:
    """``columns`` of the rows of ``table`` (the cleansed stage's rows) that cleansing passed,
    in the source dialect."""
    return f"select {columns} from {table} where reject_reason is null"


def passing_sql(columns: str, engine: str) -> str:
    """The engine's query for ``columns`` of the rows cleansing passed (no reject reason)."""
    return transpile(passing_rows(columns), engine)


def raw_text(stored: pl.DataFrame) -> pl.DataFrame:
    """Stored rows → their raw text, as the engines' ``raw_events`` holds it (``RAW_EVENTS``; an
    empty raw value reads as null, which cleansing treats alike)."""
    elided = [c for c in ELIDED + LEGACY_ELIDED if c in stored.columns]
    return stored.select(
        *(
            pl.coalesce(f"raw_{c}", c).alias(c) if c in elided else pl.col(f"raw_{c}").alias(c)
            for c in RAW_COLUMNS
        ),
        "source_file",
    )


def cleansed_ids(raw_ids: pl.Series) -> pl.Series:
    """The ``event_id`` cleansing gives each raw id (a rejected row keeps its raw id: a stored
    duplicate of "abc" may be "  abc "), by the expression of ``sql/01_cleansed.sql`` itself."""
    frame = raw_ids.rename("event_id").to_frame()
    return pl.SQLContext(raw_ids=frame).execute(_cleansing_ids_sql(), eager=True).to_series()


@cache
def _cleansing_ids_sql() -> str:
    expression = derivation_sql("cleansed", "event_id")
    return transpile(f"select {expression} as event_id from raw_ids", "polars")
