"""cleansed_events keeps the raw text compactly: what a later run reads back is exactly what
cleansing passed, on every engine and through both the first-load and the incremental path."""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from python_engines.cleansed_rows import ELIDED, restore, storage_sql
from python_engines.engines import open_engine
from python_engines.inputs import discover
from python_engines.lakehouse.load import load
from python_engines.lakehouse.store import Store
from python_engines.schema import CLEANSED, conform
from python_engines.transpile import stage_sql
from tests.conftest import ENGINES, PARITY_FIXTURE, sorted_rows


def _as_stored(cleansed: pa.Table) -> pl.DataFrame:
    """``cleansed`` (CLEANSED's columns and ``reject_reason``) as ``storage_sql`` stores it."""
    engine = open_engine("duckdb")
    try:
        engine.register("cleansed", cleansed)
        engine.materialize("stored", storage_sql("duckdb"))
        return pl.from_arrow(conform(engine.fetch("stored"), CLEANSED))
    finally:
        engine.close()


def _passing_rows(inputs) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows that passed cleansing, and the same rows as stored."""
    engine = open_engine("duckdb")
    try:
        engine.load_raw(inputs)
        engine.materialize("cleansed", stage_sql("cleansed", "duckdb", {"session_gap_minutes": 30}))
        table = engine.fetch("cleansed")
    finally:
        engine.close()
    passing = conform(table.filter(pc.is_null(table["reject_reason"])), CLEANSED)
    return pl.from_arrow(passing), _as_stored(table)


@pytest.mark.slow  # Spark
def test_stored_cleansed_rows_read_back_as_cleansing_passed_them(tmp_path) -> None:
    passing, as_stored = _passing_rows(discover(PARITY_FIXTURE))
    padded = passing.filter(pl.col("raw_event_id") != pl.col("event_id")).height
    assert (
        0 < padded < passing.height
    )  # the fixture has ids with spaces around them, and clean ones
    for engine in ENGINES:
        first, bulk = tmp_path / f"{engine}-first", tmp_path / f"{engine}-daily"
        load(engine, discover(PARITY_FIXTURE), first)  # the engine writes the files itself
        load(engine, discover(PARITY_FIXTURE / "day1.csv"), bulk)
        load(engine, discover(PARITY_FIXTURE / "day2.csv"), bulk)  # stored by the Python path
        for lake in (first, bulk):
            stored = Store(lake, engine).scan("cleansed_events")
            assert sorted_rows(restore(stored).to_arrow()) == sorted_rows(passing.to_arrow())
            assert sorted_rows(stored.to_arrow()) == sorted_rows(as_stored.to_arrow())
            # only the raw ids that differ from the cleansed ones are stored
            assert stored.get_column("raw_event_id").drop_nulls().len() == padded, engine


def test_a_raw_value_equal_to_its_cleansed_value_is_stored_as_null() -> None:
    elided = {f"raw_{c}": ["a", " a", None, "  "] for c in ELIDED}
    elided |= {c: ["a", "a", None, None] for c in ELIDED}
    columns = {
        f.name: pa.array(elided.get(f.name, [None] * 4), f.type) for f in CLEANSED  # null: any type
    }
    rows = pa.table(columns).append_column("reject_reason", pa.nulls(4, pa.string()))
    stored = _as_stored(rows)
    assert stored.get_column("raw_page_url").to_list() == [None, " a", None, "  "]
    expected = pl.from_arrow(conform(rows, CLEANSED))
    assert sorted_rows(restore(stored).to_arrow()) == sorted_rows(expected.to_arrow())
