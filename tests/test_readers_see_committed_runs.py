"""Readers of the lakehouse (the dbt sources, `etlstack query`) see the tables as the last
committed run left them: a run that died after writing a table, before its `runs` row, is not
visible."""

from __future__ import annotations

from pathlib import Path

import duckdb
from conftest import PARITY_FIXTURE

from python_engines.analytics.lakehouse_views import register_lakehouse
from python_engines.inputs.discover import discover
from python_engines.lakehouse.catalog import open_catalog
from python_engines.lakehouse.load import load
from python_engines.lakehouse.read import committed_snapshots


def test_rows_a_dead_run_wrote_are_not_read(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    load("polars", discover(PARITY_FIXTURE), warehouse)
    catalog = open_catalog(warehouse)
    events = catalog.load_table(("polars", "events"))
    committed_rows = events.scan().to_arrow().num_rows
    committed = committed_snapshots(catalog, "polars")
    assert committed["events"] == events.current_snapshot().snapshot_id

    events.append(events.scan(limit=3).to_arrow())  # a run that died before its runs row
    assert events.scan().to_arrow().num_rows == committed_rows + 3

    con = duckdb.connect()
    register_lakehouse(con, warehouse)
    [(seen,)] = con.execute("select count(*) from polars.events").fetchall()
    assert seen == committed_rows
    assert committed_snapshots(catalog, "polars") == committed
