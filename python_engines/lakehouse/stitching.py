"""Which stored rows an incremental run must recompute so that it equals a full recompute.

No business rule is evaluated here: the engines still deduplicate and sessionize with the one
SQL. This only bounds the input they see again. Deduplication groups rows by ``event_id``;
sessionization walks each user's rows in time, and a row's session depends only on the rows
before it. So for every user the run touches, the stored rows from the start of the first
session the new rows can reach are recomputed, together with every stored copy of any event id
among them (which may touch more users, so this is iterated to a fixed point).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import polars as pl

KEYS = ["user_id", "event_id", "event_ts"]


def recompute_from(
    new_rows: pl.DataFrame,
    stored_rows: pl.DataFrame,
    stored_sessions: pl.DataFrame,
    session_gap_us: int,
) -> pl.DataFrame:
    """Per touched user, the ``event_ts`` from which their stored rows are recomputed.

    ``new_rows`` and ``stored_rows``: the input's and the lakehouse's cleansed rows (``user_id,
    event_id, event_ts``); ``stored_sessions``: ``user_id, session_start, session_end``.
    A user's stored rows before the returned moment keep their sessions: the last one ended
    more than the session gap before any row that changes.
    """
    gap = pl.duration(microseconds=session_gap_us)
    moments = new_rows.select(KEYS)
    ids = moments.select("event_id").unique()
    while True:
        copies = stored_rows.join(ids, on="event_id", how="semi").select(KEYS)
        first = (
            pl.concat([moments, copies])
            .group_by("user_id")
            .agg(changed_from=pl.col("event_ts").min())
        )
        still_open = (
            stored_sessions.join(first, on="user_id")
            .filter(pl.col("session_end") >= pl.col("changed_from") - gap)
            .group_by("user_id")
            .agg(open_from=pl.col("session_start").min())
        )
        start = first.join(still_open, on="user_id", how="left").select(
            "user_id", from_ts=pl.min_horizontal("changed_from", "open_from")
        )
        in_slice = rows_from(stored_rows, start)
        grown = pl.concat([ids, in_slice.select("event_id")]).unique()
        if grown.height == ids.height:
            return start
        ids, moments = grown, pl.concat([moments, copies])


def recompute_from_store(
    new_rows: pl.DataFrame,
    read_stored: Callable[[Callable[[pl.DataFrame], pl.DataFrame]], pl.DataFrame],
    stored_sessions: pl.DataFrame,
    session_gap_us: int,
    ids_with_copies: pl.Series,
) -> pl.DataFrame:
    """``recompute_from`` without holding every stored row (90M stored keys alone are ~7 GB).

    ``read_stored(keep)`` streams the stored ``KEYS`` rows through ``keep``, which holds only the
    rows the answer can depend on: those at or after a time bound, and every stored copy of the
    new ids and of ``ids_with_copies`` — the stored ids held more than once (the stored duplicate
    rejects name them). Every other stored id is one row, so a row at or after the bound brings
    all its copies with it. The first bound comes from the new rows and the stored sessions;
    when the answer reaches below it (an old copy pulls in an older session), the rows are read
    again from the lower bound. The answer is the same as over all stored rows.
    """
    known = pl.concat([new_rows.get_column("event_id"), ids_with_copies])
    bitmap = _hash_bitmap(known)
    without_copies = recompute_from(new_rows, new_rows.clear(), stored_sessions, session_gap_us)
    bound = without_copies.get_column("from_ts").min()
    while True:
        kept = read_stored(functools.partial(_reachable, bound=bound, known=bitmap))
        start = recompute_from(new_rows, kept, stored_sessions, session_gap_us)
        lowest = start.get_column("from_ts").min()
        if lowest is None or bound is None or lowest >= bound:
            return start
        bound = lowest


HASH_BITS = 30  # a 128 MiB bitmap: ~1 % false hits with 10M ids


def _hash_slot(ids: pl.Series) -> pl.Series:
    return (ids.hash() // (1 << (64 - HASH_BITS))).cast(pl.UInt32)


def _hash_bitmap(ids: pl.Series) -> pl.Series:
    """One bit per hash slot, set for the slots of ``ids``: a membership test that is one
    gather per stored row (a sorted search or a hash set rebuilt per batch was half the reload
    time of a 100M-row store)."""
    empty = pl.repeat(False, 1 << HASH_BITS, dtype=pl.Boolean, eager=True)
    return empty.scatter(_hash_slot(ids), True) if ids.len() else empty


def _reachable(rows: pl.DataFrame, bound: object, known: pl.Series) -> pl.DataFrame:
    """The rows at or after ``bound`` or whose ``event_id`` hashes into ``known`` (a bitmap of
    hash slots; a false hit keeps a row too many, which ``recompute_from`` then ignores: it
    matches ids exactly)."""
    late = pl.col("event_ts") >= bound
    maybe_known = known.gather(_hash_slot(rows.get_column("event_id")))
    return rows.filter(late | maybe_known)


def rows_from(rows: pl.DataFrame, start: pl.DataFrame, ts: str = "event_ts") -> pl.DataFrame:
    """The rows of the users in ``start`` at or after their ``from_ts`` (the rows before every
    ``from_ts`` are dropped before the join: a big stored table is mostly those)."""
    if start.height == 0:
        return rows.clear()
    return (
        rows.filter(pl.col(ts) >= start.get_column("from_ts").min())
        .join(start, on="user_id")
        .filter(pl.col(ts) >= pl.col("from_ts"))
        .drop("from_ts")
    )
