"""A run's deletes rewrite only the data files that hold deleted rows, keep every other row of
them, and read files written before a column was added (copy-on-write in ``Store._without``)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from python_engines.lakehouse.changes import TableChange
from python_engines.lakehouse.load import DUPLICATE_REASON, IS_DUPLICATE
from python_engines.lakehouse.store import RunRecord, Store
from python_engines.schema import EVENTS, REJECTED_EVENTS


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
    store = Store(tmp_path, "polars")
    rows = [_event("a1", 1), _event("a2", 1), _event("b1", 2)]
    events = pa.Table.from_pylist(rows, schema=EVENTS)
    store.commit(_record(), appended={"events": events}, changes={})
    before = _files(store, "events")
    assert len(before) == 2  # one file per event_date

    gone = pl.from_arrow(events).filter(pl.col("event_id") == "a1")
    store.commit(_record(), appended={}, changes={"events": _delete("event_id", gone)})

    stored = store.scan("events").sort("event_id")
    assert stored.get_column("event_id").to_list() == ["a2", "b1"]
    assert stored.filter(pl.col("event_id") == "a2").to_dicts() == [_event("a2", 1)]
    after = _files(store, "events")
    day_two = {f for f in before if "2026-10-02" in f}
    assert day_two <= after  # the file without deleted rows is still the one committed
    assert len(after - before) == 1 and len(before - after) == 1  # day one's file rewritten


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

    stored = store.scan("rejected_events").sort("event_id", "reason")
    assert stored.select("event_id", "reason", "source_file", "raw_line").rows() == [
        ("d1", "bad_timestamp", "a.csv", None),  # same id, outside the scope: kept
        ("d2", DUPLICATE_REASON, "a.csv", None),
    ]
