"""Which stored rows an incremental run must recompute so that it equals a full recompute.

No business rule is evaluated here: the engines still deduplicate and sessionize with the one
SQL. This only bounds the input they see again. Deduplication groups rows by ``event_id``;
sessionization walks each user's rows in time, and a row's session depends only on the rows
before it. So for every user the run touches, the stored rows from the start of the first
session the new rows can reach are recomputed, together with every stored copy of any event id
among them (which may touch more users, so this is iterated to a fixed point).

Rows are matched by ``event_key``, a 64-bit key of their ``event_id`` (``event_keys``): equal ids
share a key, so a shared key of two ids only widens the recomputed slice.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta

import polars as pl


def recompute_from(
    new_rows: pl.DataFrame,
    stored_rows: pl.DataFrame,
    sessions_from: Callable[[datetime], pl.DataFrame],
    session_gap_us: int,
) -> pl.DataFrame:
    """Per touched user, the ``event_ts`` from which their stored rows are recomputed.

    ``new_rows`` and ``stored_rows``: the input's and the lakehouse's cleansed rows (``user_id,
    event_key, event_ts``); ``sessions_from(low)``: the stored sessions (``user_id,
    session_start, session_end``) that end at or after ``low``. A user's stored rows before the
    returned moment keep their sessions: the last one ended more than the session gap before
    any row that changes.
    """
    gap = timedelta(microseconds=session_gap_us)
    ids = new_rows.select("event_key")  # joined on only: a semi or anti join needs no unique()
    looked_up, first = ids, _earliest(new_rows)
    while True:
        # each round reads the copies of the ids it added only, and folds their moments into
        # ``first`` (the rounds before hashed every id again: a large part of a big run's time)
        copies = stored_rows.join(looked_up, on="event_key", how="semi")
        first = (
            pl.concat([first, _earliest(copies)])
            .group_by("user_id")
            .agg(pl.col("changed_from").min())
        )
        # no session that ended a gap before the earliest change is open (left out before the
        # join: a store's sessions are mostly such)
        earliest = first.get_column("changed_from").min()
        if earliest is None:  # no new row: nothing stored changes
            return first.select("user_id", from_ts="changed_from")
        still_open = (
            sessions_from(earliest - gap)
            .join(first, on="user_id")
            .filter(pl.col("session_end") >= pl.col("changed_from") - gap)
            .group_by("user_id")
            .agg(open_from=pl.col("session_start").min())
        )
        start = first.join(still_open, on="user_id", how="left").select(
            "user_id", from_ts=pl.min_horizontal("changed_from", "open_from")
        )
        in_slice = rows_from(stored_rows.lazy(), start).select("event_key")
        more = in_slice.join(ids.lazy(), on="event_key", how="anti").unique().collect()
        if more.height == 0:
            return start
        ids, looked_up = pl.concat([ids, more]), more


def _earliest(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.group_by("user_id").agg(changed_from=pl.col("event_ts").min())


def recompute_from_store(
    new_rows: pl.DataFrame,
    read_stored: Callable[[Callable[[pl.LazyFrame], pl.LazyFrame]], pl.DataFrame],
    read_sessions: Callable[[datetime], pl.DataFrame],
    session_gap_us: int,
    keys_with_copies: pl.Series,
) -> pl.DataFrame:
    """``recompute_from`` without holding every stored row or session.

    ``read_stored(keep)`` streams the stored key rows through ``keep``, which holds only the
    rows the answer can depend on: those at or after a time bound, and every stored copy of the
    new ids and of ``keys_with_copies`` — the keys of the stored ids held more than once (the
    stored duplicate rejects name them). Every other stored id is one row, so a row at or after
    the bound brings all its copies with it. The first bound comes from the new rows and the
    stored sessions; when the answer reaches below it (an old copy pulls in an older session),
    the rows are read again from the lower bound. ``read_sessions(low)``: the stored sessions
    that end at or after ``low`` (``recompute_from`` asks for those a gap before its earliest
    change; they are read again only for an earlier one). The answer is the same as over all
    stored rows and sessions.
    """
    if new_rows.height == 0:  # no new row passed cleansing: nothing stored changes
        return new_rows.select("user_id", from_ts="event_ts")
    sessions_from = _read_once_from(read_sessions)
    known = pl.concat([new_rows.get_column("event_key"), keys_with_copies])
    without_copies = recompute_from(new_rows, new_rows.clear(), sessions_from, session_gap_us)
    bound = without_copies.get_column("from_ts").min()
    while True:
        kept = read_stored(functools.partial(_reachable, bound=bound, known=known))
        start = recompute_from(new_rows, kept, sessions_from, session_gap_us)
        lowest = start.get_column("from_ts").min()
        if lowest is None or bound is None or lowest >= bound:
            return start
        bound = lowest


def _read_once_from(
    read_sessions: Callable[[datetime], pl.DataFrame],
) -> Callable[[datetime], pl.DataFrame]:
    """``read_sessions``, read again only for an earlier ``low`` than any before."""
    held: dict[str, object] = {}

    def sessions_from(low: datetime) -> pl.DataFrame:
        if "low" not in held or low < held["low"]:
            held["low"], held["rows"] = low, read_sessions(low)
        return held["rows"].filter(pl.col("session_end") >= low)

    return sessions_from


def _reachable(rows: pl.LazyFrame, bound: object, known: pl.Series) -> pl.LazyFrame:
    """The rows at or after ``bound``, and the earlier ones whose ``event_key`` is ``known`` (on
    the stored keys of a 10M lakehouse, ``is_in`` was faster than a semi join; on 64-bit keys it
    stays ahead with half of them known)."""
    return rows.filter((pl.col("event_ts") >= bound) | pl.col("event_key").is_in(known.implode()))


def rows_from(rows: pl.LazyFrame, start: pl.DataFrame, ts: str = "event_ts") -> pl.LazyFrame:
    """The rows of the users in ``start`` at or after their ``from_ts`` (the rows before every
    ``from_ts`` are dropped before the join: a big stored table is mostly those)."""
    if start.height == 0:
        return rows.clear()
    return (
        rows.filter(pl.col(ts) >= start.get_column("from_ts").min())
        .join(start.lazy(), on="user_id")
        .filter(pl.col(ts) >= pl.col("from_ts"))
        .drop("from_ts")
    )
