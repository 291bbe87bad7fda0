"""The stored rows an incremental run recomputes, read from the store: the raw text of the
cleansed rows from each touched user's earliest reachable time on (``stitching`` decides how far
back), and the stored outputs those rows made, which the run's outputs replace."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
import pyarrow as pa
from pyiceberg.expressions import EqualTo

from python_engines.core.schema import IDENTIFIED, OUTPUTS
from python_engines.lakehouse.event_keys import KEYS_TABLE, keyed, keys_of
from python_engines.lakehouse.stitching import recompute_from_store, rows_from
from python_engines.lakehouse.store import RowFilter, Store
from python_engines.pipeline.cleansed_rows import cleansed_ids, raw_text
from python_engines.transpile import output_values

# the reason python_engines/sql/04_rejected_events.sql gives the copies it rejects (its branch
# that reads ranked_copies): the only rejects a later file can change (cleansing rejects depend
# on their own row alone)
(DUPLICATE_REASON,) = output_values("rejected_events", "reason", reading="ranked_copies")
IS_DUPLICATE = RowFilter(EqualTo("reason", DUPLICATE_REASON), pl.col("reason") == DUPLICATE_REASON)
SESSION_SPANS = ["user_id", "session_start", "session_end"]  # what stitching reads of a session


@dataclass
class StoredSlice:
    """What a run re-read: each touched user's first recomputed time (``start``; None: nothing
    stored), the stored duplicate rejects among the re-read rows, and the event keys when they
    had to be rebuilt (made by another Polars version, or before the keys table was)."""

    start: pl.DataFrame | None = None
    duplicates: pl.DataFrame | None = None
    rebuilt_keys: pl.DataFrame | None = None


def stored_rows(
    store: Store, passing_keys: pl.DataFrame, gap_minutes: int, found: StoredSlice
) -> pa.Table | None:
    """The raw text of the stored rows the later stages must see again with the input's rows
    that passed cleansing (``passing_keys``: their ``keyed`` form), or None when nothing is
    stored; ``found`` records what was read."""
    if store.is_empty("cleansed_events"):
        return None
    # read once: their ids are the stored ids held more than once, and the ones among the
    # recomputed rows are the stored slice the new duplicate rejects replace
    duplicates = store.scan("rejected_events", IS_DUPLICATE.rows)
    if _keys_current(store):
        read_keys = functools.partial(store.scan, KEYS_TABLE)
    else:
        found.rebuilt_keys = keyed(store.scan("cleansed_events", columns=IDENTIFIED))
        read_keys = functools.partial(_kept, found.rebuilt_keys)
    found.start = recompute_from_store(
        passing_keys,
        lambda keep: read_keys(keep=keep),
        lambda low: store.scan("sessions", pl.col("session_end") >= low, SESSION_SPANS),
        gap_minutes * 60_000_000,
        # a duplicate reject keeps its raw id; its copies are stored under the cleansed one
        keys_with_copies=keys_of(cleansed_ids(duplicates.get_column("event_id"))),
    )
    rows = raw_text(store.scan("cleansed_events", keep=rows_since(found.start)))
    found.duplicates = duplicates.join(rows.select("event_id").unique(), on="event_id", how="semi")
    return rows.to_arrow()  # the engine cleanses them again


def stored_outputs(store: Store, found: StoredSlice) -> dict[str, pl.DataFrame]:
    """The stored rows of the tables the engine recomputed: what its output replaces."""
    if found.start is None:  # nothing stored yet
        return {name: pl.from_arrow(schema.empty_table()) for name, schema in OUTPUTS.items()}
    return {
        "events": store.scan("events", keep=rows_since(found.start)),
        "sessions": store.scan("sessions", keep=rows_since(found.start, ts="session_start")),
        "rejected_events": found.duplicates,
    }


def _keys_current(store: Store) -> bool:
    """``cleansed_keys`` holds a key, made by this Polars version, for every stored cleansed row
    (else a run rebuilds it: ``event_keys``)."""
    rows = store.row_count(KEYS_TABLE)
    return rows == store.row_count("cleansed_events") and (
        rows == 0 or store.stamped_as_now(KEYS_TABLE)
    )


def _kept(rows: pl.DataFrame, keep: Callable[[pl.LazyFrame], pl.LazyFrame]) -> pl.DataFrame:
    return keep(rows.lazy()).collect()


def rows_since(start: pl.DataFrame, ts: str = "event_ts") -> Callable[[pl.LazyFrame], pl.LazyFrame]:
    """A scan filter: the rows of the users in ``start`` from their ``from_ts`` on. Its bound on
    ``ts`` reaches the Iceberg metadata and the Parquet statistics, so only the files and row
    groups from the earliest ``from_ts`` on are read (one late copy of an old event makes that
    early; the scan then reads far back, but keeps only these rows)."""
    return functools.partial(rows_from, start=start, ts=ts)
