"""Loads the daily path must get right and no other fixture exercises: a late copy of a stored
event with an earlier timestamp replaces it, and a run with another session gap is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import ENGINE_PARAMS, PARITY_FIXTURE, sorted_rows

from python_engines.core.errors import EtlStackError
from python_engines.core.settings import PipelineSettings
from python_engines.inputs.discover import discover
from python_engines.lakehouse.catalog import DATA_TABLES
from python_engines.lakehouse.load import load
from python_engines.lakehouse.store import Store

LATE_COPY = Path(__file__).parent / "fixtures" / "late_copy"
BULK, DAILY = LATE_COPY / "1-bulk.csv", LATE_COPY / "2-daily.csv"


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, 1, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_a_late_copy_with_an_earlier_timestamp_replaces_the_stored_event(tmp_path, engine) -> None:
    """The daily file holds copies of stored events: two with an earlier timestamp (they win: the
    earliest copy is kept) and one with a later one (it loses)."""
    full, daily = tmp_path / "full", tmp_path / "daily"
    load(engine, discover(LATE_COPY), full)
    load(engine, discover(BULK), daily)
    second = load(engine, discover(DAILY), daily)
    for table in DATA_TABLES:
        expected = sorted_rows(Store(full, engine).scan(table).to_arrow())
        assert sorted_rows(Store(daily, engine).scan(table).to_arrow()) == expected, table

    store = Store(daily, engine)
    events = {e["event_id"]: e for e in store.scan("events").to_dicts()}
    assert events["lc-e2"]["event_ts"] == _at(9)  # the daily copy replaced the stored one
    assert events["lc-e2"]["page_url"] == "https://shop.example.com/c/boots"
    assert events["lc-f1"]["event_ts"] == _at(11, 50)
    assert events["lc-e1"]["event_ts"] == _at(10)  # the later copy lost
    assert len(events) == 8
    rejected = {
        (r["event_id"], r["timestamp"], Path(r["source_file"]).name)
        for r in store.scan("rejected_events").to_dicts()
    }
    assert rejected == {  # the stored copies moved here; the losing late copy too
        ("lc-e2", "2026-10-01 10:10:00", "1-bulk.csv"),
        ("lc-f1", "2026-10-01 12:00:00", "1-bulk.csv"),
        ("lc-e1", "2026-10-01 10:30:00", "2-daily.csv"),
    }
    starts = {(s["user_id"], s["session_start"]) for s in store.scan("sessions").to_dicts()}
    assert {(user, start) for user, start in starts if start.day == 1 and user != "u3"} == {
        ("u1", _at(9)),  # the moved event is a session of its own (60 min before the next)
        ("u1", _at(10)),
        ("u2", _at(11, 50)),  # the session now starts at the earlier copy
    }
    assert second.record.sessions_replaced >= 2


def test_a_run_with_another_session_gap_than_the_stored_tables_is_refused(tmp_path) -> None:
    warehouse = tmp_path / "lake"
    load("polars", discover(PARITY_FIXTURE / "day1.csv"), warehouse)
    before = Store(warehouse, "polars").runs().height
    with pytest.raises(EtlStackError, match="sessionized with a 30-minute gap, this run uses 45"):
        load(
            "polars",
            discover(PARITY_FIXTURE / "day2.csv"),
            warehouse,
            pipeline=PipelineSettings(session_gap_minutes=45),
        )
    assert Store(warehouse, "polars").runs().height == before
