"""Table ``cleansed_keys``: per stored cleansed row, its user, its time and a 64-bit key of its id.

An incremental run looks every new event id up among all stored ones (deduplication must see
every copy of an id). Read as 36-character strings from ``cleansed_events``, the stored ids of
a 10M lakehouse were a large part of a daily load; their keys, 8 bytes each, are read and looked
up in a fraction of that time. Two ids with one key only make a run recompute more stored rows
than it must, never fewer: equal ids always share a key, and the engines still deduplicate by the
ids themselves.

The key is Polars' hash, which is stable within one Polars version only. So every snapshot of the
table records the keys of probe strings (``stamp``); a run that computes others (Polars was upgraded),
or finds fewer keys than stored rows (a warehouse made before this table), rebuilds the table from
``cleansed_events`` before it looks anything up.
"""

from __future__ import annotations

from typing import TypeVar

import polars as pl
import pyarrow as pa

from python_engines.core.schema import UTC_TS

KEYS_TABLE = "cleansed_keys"
CLEANSED_KEYS = pa.schema(
    [("user_id", pa.string()), ("event_key", pa.int64()), ("event_ts", UTC_TS)]
)
PROBE_PROPERTY = "etlstack.event-key-probe"
_SEED = 20261203

Rows = TypeVar("Rows", pl.DataFrame, pl.LazyFrame)


def event_key(ids: pl.Expr) -> pl.Expr:
    return ids.hash(_SEED).reinterpret(signed=True)


def keys_of(ids: pl.Series) -> pl.Series:
    return ids.to_frame().select(event_key(pl.col(ids.name))).to_series()


def keyed(rows: Rows) -> Rows:
    """``user_id, event_id, event_ts`` rows → ``user_id, event_key, event_ts``."""
    return rows.select("user_id", event_key(pl.col("event_id")).alias("event_key"), "event_ts")


# short, id-long and long strings (Polars keeps strings of up to 12 bytes inline)
PROBES = ("etlstack", "0f8fad5b-d9cb-469f-a165-70867728950e", "a probe id longer than any id " * 3)


def probe() -> str:
    """This Polars version's keys of fixed ids (another version's differ if its hash does)."""
    rows = pl.DataFrame({"user_id": "", "event_id": PROBES, "event_ts": None})
    return ",".join(str(key) for key in keyed(rows).get_column("event_key"))


def stamp() -> dict[str, str]:
    """What every snapshot of the table records: which hash made its keys."""
    return {PROBE_PROPERTY: probe()}
