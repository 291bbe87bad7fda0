"""Which stored rows an incremental run recomputes, and what it writes back (no engine needed)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from python_engines.lakehouse.changes import table_change
from python_engines.lakehouse.event_keys import keyed
from python_engines.lakehouse.stitching import recompute_from, recompute_from_store

GAP_US = 30 * 60 * 1_000_000


def _at(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2026-10-01T{hhmm}:00").replace(tzinfo=UTC)


def _rows(*rows: tuple[str, str, str]) -> pl.DataFrame:
    """(user, event id, hh:mm) rows, keyed as the lakehouse keys them."""
    return keyed(
        pl.DataFrame(
            [{"user_id": u, "event_id": e, "event_ts": _at(t)} for u, e, t in rows],
            schema={"user_id": pl.Utf8, "event_id": pl.Utf8, "event_ts": pl.Datetime("us", "UTC")},
        )
    )


STORED = _rows(
    ("a", "a1", "10:00"), ("a", "a2", "10:20"), ("a", "a3", "12:00"), ("a", "a4", "12:10"),
    ("b", "b1", "09:00"), ("b", "b2", "13:00"),
    ("c", "c1", "12:00"),
)  # fmt: skip
SESSIONS = pl.DataFrame(
    {
        "user_id": ["a", "a", "b", "b", "c"],
        "session_start": [_at("10:00"), _at("12:00"), _at("09:00"), _at("13:00"), _at("12:00")],
        "session_end": [_at("10:20"), _at("12:10"), _at("09:00"), _at("13:00"), _at("12:00")],
    }
)


def _ending_from(sessions: pl.DataFrame):
    return lambda low: sessions.filter(pl.col("session_end") >= low)


def _from(new: pl.DataFrame) -> dict[str, datetime]:
    start = recompute_from(new, STORED, _ending_from(SESSIONS), GAP_US)
    return {row["user_id"]: row["from_ts"] for row in start.to_dicts()}


def test_an_event_within_the_gap_of_the_last_session_reopens_that_session() -> None:
    assert _from(_rows(("a", "n1", "12:40"))) == {"a": _at("12:00")}


def test_an_event_after_every_session_closed_recomputes_nothing_stored() -> None:
    assert _from(_rows(("a", "n1", "12:41"))) == {"a": _at("12:41")}


def test_a_late_event_before_a_session_starts_from_itself() -> None:
    assert _from(_rows(("a", "n1", "11:45"))) == {"a": _at("11:45")}


def test_a_late_event_that_bridges_two_sessions_reaches_back_to_the_first() -> None:
    assert _from(_rows(("a", "n1", "10:50"))) == {"a": _at("10:00")}


def test_a_copy_of_a_stored_event_of_another_user_pulls_that_user_in() -> None:
    """Deduplication must see every copy of an id: b's stored b1 is a copy of the new row."""
    assert _from(_rows(("c", "b1", "14:00"))) == {"c": _at("14:00"), "b": _at("09:00")}


def test_two_ids_that_share_a_key_only_widen_what_is_recomputed() -> None:
    """A 64-bit key can be shared by two ids: the run then treats them as copies, recomputing
    more stored rows than it must (the engines deduplicate by the ids), never fewer."""
    new = _rows(("c", "n1", "14:00"))
    shared = new.with_columns(
        event_key=STORED.filter(pl.col("user_id") == "b").item(0, "event_key")
    )
    assert _from(new) == {"c": _at("14:00")}
    assert _from(shared) == {"c": _at("14:00"), "b": _at("09:00")}


CHAINED = pl.concat(
    [
        STORED,
        # d's stored events: d2 at 12:05 is a copy of a stored 08:00 event of e, whose 08:10
        # event is a copy of c's c1 — reached only through rows the first read does not keep
        _rows(("d", "d1", "12:00"), ("d", "e1", "12:05"), ("e", "e1", "08:00")),
        _rows(("e", "c1", "08:10")),
    ]
)
# what the stored duplicate rejects name: the ids stored more than once
WITH_COPIES = CHAINED.filter(pl.len().over("event_key") > 1).get_column("event_key").unique()
CHAINED_SESSIONS = pl.concat(
    [
        SESSIONS,
        pl.DataFrame(
            {
                "user_id": ["d", "e"],
                "session_start": [_at("12:00"), _at("08:00")],
                "session_end": [_at("12:05"), _at("08:10")],
            }
        ),
    ]
)


def test_reading_only_reachable_stored_rows_gives_the_same_start_as_reading_all() -> None:
    """Bulk histories are too big to hold every stored key: the bounded reads must agree."""
    reads = []

    def read_stored(keep) -> pl.DataFrame:
        kept = keep(CHAINED.lazy()).collect()
        reads.append(kept.height)
        return kept

    rows_read, starts = {}, {}
    for case, new in {
        "chain": _rows(("d", "n1", "12:20")),  # d's session reopens; its e1 pulls e, then c
        "copy": _rows(("c", "b1", "14:00")),
        "two users": _rows(("a", "n1", "10:50"), ("b", "n2", "13:10")),
        "after all": _rows(("f", "n1", "23:00")),
    }.items():
        reads.clear()
        bounded = recompute_from_store(
            new, read_stored, _ending_from(CHAINED_SESSIONS), GAP_US, keys_with_copies=WITH_COPIES
        )
        full = recompute_from(new, CHAINED, _ending_from(CHAINED_SESSIONS), GAP_US)
        assert bounded.sort("user_id").equals(full.sort("user_id")), case
        rows_read[case] = list(reads)
        starts[case] = set(full.get_column("user_id"))
    assert starts["chain"] == {"d", "e", "c"}
    assert len(rows_read["chain"]) == 2  # e's old copy moved the bound back once
    copies = CHAINED.filter(pl.col("event_key").is_in(WITH_COPIES.implode())).height
    assert rows_read["after all"] == [copies]  # one read, keeping only the stored copies
    assert max(rows_read["two users"]) < CHAINED.height


def _frame(rows: list[tuple[str, int]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"key": pl.Utf8, "value": pl.Int64}, orient="row")


def test_rows_equal_in_both_slices_are_neither_deleted_nor_appended() -> None:
    old = _frame([("k1", 1), ("k2", 2)])
    change = table_change(old, _frame([("k1", 1), ("k2", 3), ("k3", 4)]), "key")
    assert change.delete_keys.to_list() == ["k2"]
    assert sorted(change.append.rows()) == [("k2", 3), ("k3", 4)]
    assert (change.rows_removed, change.rows_added, change.net_rows) == (1, 2, 1)


def test_a_stored_row_whose_key_the_engine_no_longer_gives_is_deleted() -> None:
    old = _frame([("k1", 1), ("k2", 2), ("k2", 2)])
    change = table_change(old, _frame([("k1", 1), ("k3", 3)]), "key")
    assert change.delete_keys.to_list() == ["k2"]
    assert sorted(change.removed.rows()) == [("k2", 2), ("k2", 2)]
    assert change.append.rows() == [("k3", 3)]
    assert (change.rows_removed, change.rows_added, change.net_rows) == (2, 1, -1)


def test_identical_rows_count_as_a_multiset() -> None:
    old = _frame([("k1", 1), ("k1", 1)])
    change = table_change(old, _frame([("k1", 1)]), "key")
    assert change.delete_keys.to_list() == ["k1"]  # all k1 rows go, one comes back
    assert change.append.rows() == [("k1", 1)]
    assert change.net_rows == -1


def test_with_nothing_stored_every_new_row_is_appended_and_nothing_deleted() -> None:
    new = _frame([("k1", 1), ("k1", 1), ("k2", 2)])
    change = table_change(_frame([]), new, "key")
    assert change.delete_keys.len() == 0
    assert change.append.equals(new)
    assert change.net_rows == 3
