"""A run's deletes rewrite only the data files that hold deleted rows, keep every other row of
them, and read files written before a column was added (copy-on-write in ``Store._without``);
the files a run writes hold each row once, one partition value per file."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from python_engines.core.data_files import FileTarget, sink_files
from python_engines.core.schema import EVENTS, REJECTED_EVENTS, SESSIONS
from python_engines.lakehouse.changes import TableChange
from python_engines.lakehouse.store import RunRecord, Store
from python_engines.lakehouse.stored_slice import DUPLICATE_REASON, IS_DUPLICATE


def _record() -> RunRecord:
    return RunRecord(
        run_id=str(uuid.uuid4()),
        engine="polars",
        started_at=datetime.now(UTC),
        input_files=[],
        rows_in=0,
        rows_clean=0,
        rows_rejected=0,
        rows_recomputed=0,
        sessions_added=0,
        sessions_replaced=0,
        session_gap_minutes=30,
    )


def _event(event_id: str, day: int) -> dict:
    ts = datetime(2026, 10, day, 12, tzinfo=UTC)
    return {
        "event_id": event_id,
        "user_id": "u1",
        "event_ts": ts,
        "event_date": date(2026, 10, day),
        "page_url": "/p",
        "device": "mobile",
        "event_type": "page_view",
        "ip_address": "1.0.0.1",
        "ip_number": 16777217,
        "country_code": "AU",
        "session_id": f"u1-{event_id}",
    }


def _delete(key: str, rows: pl.DataFrame) -> TableChange:
    """A change that deletes ``rows`` (by ``key``) and appends nothing."""
    return TableChange(key, rows, rows.get_column(key).unique(), rows.clear(), 0)


def _files(store: Store, name: str) -> set[str]:
    return {task.file.file_path for task in store.tables[name].refresh().scan().plan_files()}


def test_a_delete_rewrites_only_the_files_that_hold_deleted_rows(tmp_path: Path) -> None:
    """Day one has two files (two runs), one of them holding the deleted key; the other's key
    bounds (a1…a9) hold it too, so only reading it shows it has no row to delete."""
    store = Store(tmp_path, "polars")
    first = pa.Table.from_pylist([_event("a1", 1), _event("a9", 1), _event("b1", 2)], schema=EVENTS)
    store.commit(_record(), appended={"events": pl.from_arrow(first)}, changes={})
    second = pa.Table.from_pylist([_event("a2", 1), _event("a3", 1)], schema=EVENTS)
    store.commit(_record(), appended={"events": pl.from_arrow(second)}, changes={})
    before = _files(store, "events")
    assert len(before) == 3

    gone = pl.from_arrow(second).filter(pl.col("event_id") == "a2")
    store.commit(_record(), appended={}, changes={"events": _delete("event_id", gone)})

    stored = store.scan("events").sort("event_id")
    assert stored.get_column("event_id").to_list() == ["a1", "a3", "a9", "b1"]
    assert stored.filter(pl.col("event_id") == "a3").to_dicts() == [_event("a3", 1)]
    after = _files(store, "events")
    assert len(before - after) == 1  # only the second run's day-one file was rewritten …
    (rewritten,) = before - after
    assert "a2" in pl.read_parquet(rewritten.removeprefix("file://")).get_column("event_id")
    assert len(after - before) == 1  # … into one file of its kept row


def test_deleting_sessions_rewrites_the_day_of_their_utc_start(tmp_path: Path) -> None:
    """``sessions`` is partitioned by the UTC day of ``session_start`` (a day transform)."""
    store = Store(tmp_path, "polars")

    def session(session_id: str, day: int, hour: int) -> dict:
        start = datetime(2026, 10, day, hour, tzinfo=UTC)
        return {
            **{name: None for name in SESSIONS.names},
            "session_id": session_id,
            "user_id": "u1",
            "session_start": start,
            "session_end": start,
            "event_count": 1,
        }

    rows = [session("s1", 1, 23), session("s2", 2, 0), session("s3", 2, 1)]
    sessions = pa.Table.from_pylist(rows, schema=SESSIONS)
    store.commit(_record(), appended={"sessions": pl.from_arrow(sessions)}, changes={})

    gone = pl.from_arrow(sessions).filter(pl.col("session_id") == "s2")
    store.commit(_record(), appended={}, changes={"sessions": _delete("session_id", gone)})

    stored = store.scan("sessions").sort("session_id")
    assert stored.get_column("session_id").to_list() == ["s1", "s3"]
    assert stored.get_column("session_start").to_list() == [
        datetime(2026, 10, 1, 23, tzinfo=UTC),
        datetime(2026, 10, 2, 1, tzinfo=UTC),
    ]


def test_rows_in_a_file_written_before_a_column_was_added_survive_a_rewrite(
    tmp_path: Path,
) -> None:
    """The delete of duplicate rejects (``IS_DUPLICATE`` scope) reads a file without the later
    ``raw_line`` column: the rows that stay keep their values and read the column as null."""
    store = Store(tmp_path, "polars")
    old_schema = pa.schema([f for f in REJECTED_EVENTS if f.name != "raw_line"])
    base = {name: None for name in old_schema.names}
    rows = [
        {**base, "event_id": "d1", "reason": DUPLICATE_REASON, "source_file": "a.csv"},
        {**base, "event_id": "d2", "reason": DUPLICATE_REASON, "source_file": "a.csv"},
        {**base, "event_id": "d1", "reason": "bad_timestamp", "source_file": "a.csv"},
        {**base, "event_id": None, "reason": "missing_event_id", "source_file": "a.csv"},
    ]
    folder = tmp_path / "old"
    folder.mkdir()
    pq.write_table(pa.Table.from_pylist(rows, schema=old_schema), folder / "old.parquet")
    files = {"rejected_events": [(folder / "old.parquet").as_uri()]}
    store.commit(_record(), appended={}, changes={}, files=files)

    gone = pl.from_arrow(pa.Table.from_pylist([rows[0]], schema=REJECTED_EVENTS))
    store.commit(
        _record(),
        appended={},
        changes={"rejected_events": _delete("event_id", gone)},
        delete_scopes={"rejected_events": IS_DUPLICATE},
    )

    stored = store.scan("rejected_events").sort("event_id", "reason", nulls_last=True)
    assert stored.select("event_id", "reason", "source_file", "raw_line").rows() == [
        ("d1", "bad_timestamp", "a.csv", None),  # same id, outside the scope: kept
        ("d2", DUPLICATE_REASON, "a.csv", None),
        (None, "missing_event_id", "a.csv", None),  # no key: never deleted
    ]


def test_partitioned_files_hold_every_row_once_and_one_value_each(tmp_path: Path) -> None:
    """``sink_files`` writes one file per partition value; a row whose value is null is written
    too (its own file), none twice."""
    rows = [
        _event("a1", 1),
        _event("a2", 1),
        _event("b1", 2),
        {**_event("n1", 3), "event_ts": None},
    ]
    target = FileTarget(tmp_path / "events", EVENTS, "event_ts", by_day=True)
    sink_files(pl.from_arrow(pa.Table.from_pylist(rows, schema=EVENTS)).lazy(), target)
    written = [pl.read_parquet(path) for path in target.files()]
    assert len(written) == 3
    for part in written:
        assert part.get_column("event_ts").dt.date().n_unique() == 1
    assert sorted(pl.concat(written).get_column("event_id").to_list()) == ["a1", "a2", "b1", "n1"]
