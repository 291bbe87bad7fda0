"""Table cleansed_keys: a daily run finds every stored copy of its ids through the keys, and keys
made by another hash (another Polars version), or missing (a warehouse made before the table),
are rebuilt before they are looked up."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from conftest import ENGINE_PARAMS, sorted_rows

from python_engines.core.schema import RAW_COLUMNS
from python_engines.inputs.discover import discover
from python_engines.lakehouse import event_keys
from python_engines.lakehouse.catalog import DATA_TABLES, open_catalog
from python_engines.lakehouse.event_keys import KEYS_TABLE, PROBE_PROPERTY, keyed, probe
from python_engines.lakehouse.load import load
from python_engines.lakehouse.store import Store

HEADER = ",".join(RAW_COLUMNS)
# k-old is stored days before its copy arrives, under another user: only the id lookup finds it
# (no session the daily file touches reaches back to it), and the stored copy, being earlier,
# must win. k-dup is stored twice: u3's copy wins, u4's late one (its id padded with spaces) is
# a stored duplicate reject; the daily reopens u4's session, so the recompute sees u4's copy
# again and must find u3's, days before, through the stored duplicates' (trimmed) ids.
BULK = [
    ("k-old", "u1", "2026-10-01 08:00:00"),
    ("k-a", "u2", "2026-10-01 09:00:00"),
    ("k-dup", "u3", "2026-10-01 07:00:00"),
    ("k-e", "u4", "2026-10-02 23:40:00"),
    ("  k-dup ", "u4", "2026-10-02 23:50:00"),
]
DAILY = [
    ("k-old", "u9", "2026-10-03 12:00:00"),
    ("k-b", "u2", "2026-10-03 13:00:00"),
    ("k-c", "u4", "2026-10-03 00:05:00"),
]


def _files(folder: Path) -> tuple[Path, Path]:
    folder.mkdir()
    paths = []
    for name, rows in (("1-bulk.csv", BULK), ("2-daily.csv", DAILY)):
        lines = [HEADER] + [
            f"{event},{user},s1,{ts},https://shop.example.com/,US,mobile,8.8.8.8,page_view"
            for event, user, ts in rows
        ]
        (folder / name).write_text("\n".join(lines) + "\n")
        paths.append(folder / name)
    return paths[0], paths[1]


def _loaded_bulk_then_daily(tmp_path: Path, between=None) -> Path:
    bulk, daily = _files(tmp_path / "input")
    warehouse = tmp_path / "daily"
    load("polars", discover(bulk), warehouse)
    if between:
        between(warehouse)
    load("polars", discover(daily), warehouse)
    load("polars", discover(tmp_path / "input"), tmp_path / "full")
    return warehouse


def _assert_like_one_full_run(tmp_path: Path, warehouse: Path) -> None:
    full, daily = Store(tmp_path / "full", "polars"), Store(warehouse, "polars")
    for table in DATA_TABLES:  # the keys too: the full run keys its rows with today's hash
        assert sorted_rows(daily.scan(table).to_arrow()) == sorted_rows(
            full.scan(table).to_arrow()
        ), table
    rejected = daily.scan("rejected_events")
    assert rejected.filter(pl.col("event_id") == "k-old").get_column("user_id").to_list() == ["u9"]
    events = daily.scan("events").filter(pl.col("event_id") == "k-dup")
    assert events.get_column("user_id").to_list() == ["u3"]  # u4's copy stays rejected


def _assert_keys_complete(warehouse: Path) -> None:
    store = Store(warehouse, "polars")
    cleansed = store.scan("cleansed_events", columns=["user_id", "event_id", "event_ts"])
    assert sorted(store.scan(KEYS_TABLE).rows()) == sorted(keyed(cleansed).rows())
    summary = store.tables[KEYS_TABLE].current_snapshot().summary
    assert summary.additional_properties[PROBE_PROPERTY] == probe()


def test_a_daily_copy_of_an_event_stored_days_before_is_found_by_its_key(tmp_path) -> None:
    warehouse = _loaded_bulk_then_daily(tmp_path)
    _assert_like_one_full_run(tmp_path, warehouse)
    _assert_keys_complete(warehouse)


def test_keys_of_another_hash_are_rebuilt_before_they_are_looked_up(tmp_path, monkeypatch) -> None:
    """Polars' hash may change with its version: the bulk's keys are then not the daily's."""

    def upgrade_polars(_: Path) -> None:
        monkeypatch.setattr(event_keys, "_SEED", event_keys._SEED + 1)

    warehouse = _loaded_bulk_then_daily(tmp_path, between=upgrade_polars)
    _assert_like_one_full_run(tmp_path, warehouse)
    _assert_keys_complete(warehouse)


def test_a_warehouse_made_before_the_keys_table_gets_it_on_its_next_run(tmp_path) -> None:
    def made_before(warehouse: Path) -> None:
        """No table cleansed_keys, and no snapshot of it in the run log."""
        store = Store(warehouse, "polars")
        runs = store.runs().with_columns(
            pl.col("snapshot_ids").map_elements(_without_keys, return_dtype=pl.String)
        )
        store.runs_table.overwrite(runs.to_arrow().cast(store.runs_table.schema().as_arrow()))
        open_catalog(warehouse).drop_table(("polars", KEYS_TABLE))

    warehouse = _loaded_bulk_then_daily(tmp_path, between=made_before)
    _assert_like_one_full_run(tmp_path, warehouse)
    _assert_keys_complete(warehouse)


def _without_keys(snapshot_ids: str) -> str:
    return json.dumps({k: v for k, v in json.loads(snapshot_ids).items() if k != KEYS_TABLE})


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_a_first_load_where_no_row_passes_cleansing_commits_no_keys(tmp_path, engine) -> None:
    """No passing rows: DuckDB and Spark write no cleansed_events file to read keys back from."""
    (tmp_path / "input").mkdir()
    bad = tmp_path / "input" / "bad.csv"
    bad.write_text(f"{HEADER}\n,u1,s1,2026-10-01 08:00:00,https://shop.example.com/,US,mobile,,\n")
    report = load(engine, discover(bad), tmp_path / "lake")
    assert (report.record.rows_in, report.record.rows_rejected) == (1, 1)
    store = Store(tmp_path / "lake", engine)
    assert store.row_count(KEYS_TABLE) == store.row_count("cleansed_events") == 0
