"""Which stored rows an incremental run must recompute so that it equals a full recompute.

No business rule is evaluated here: the engines still deduplicate and sessionize with the one
SQL. This only bounds the input they see again. Deduplication groups rows by ``event_id``;
sessionization walks each user's rows in time, and a row's session depends only on the rows
before it. So for every user the run touches, the stored rows from the start of the first
session the new rows can reach are recomputed, together with every stored copy of any event id
among them (which may touch more users, so this is iterated to a fixed point).
"""

from __future__ import annotations

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
