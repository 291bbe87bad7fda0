"""cleansed_events keeps the raw text compactly: what a later run reads back is exactly the raw
text cleansing passed, on every engine and through both the first-load and the incremental path;
a later run cleanses it again, and a table written in the layout before (every cleansed column
stored) is read back as well."""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from python_engines.core.errors import EtlStackError
from python_engines.core.schema import CLEANSED, RAW_COLUMNS, RAW_EVENTS, conform
from python_engines.engines import open_engine
from python_engines.inputs.discover import discover
from python_engines.lakehouse.load import load
from python_engines.lakehouse.store import Store
from python_engines.pipeline.cleansed_rows import ELIDED, LEGACY_ELIDED, raw_text, storage_sql
from python_engines.transpile import stage_sql
from tests.conftest import ENGINES, PARITY_FIXTURE, sorted_rows

# the cleansed columns tables written before this layout stored too
LEGACY_COLUMNS = ("page_url", "device", "event_type", "ip_address")


def _as_stored(cleansed: pa.Table) -> pl.DataFrame:
    """``cleansed`` (CLEANSED's columns and ``reject_reason``) as ``storage_sql`` stores it."""
    engine = open_engine("duckdb")
    try:
        engine.register("cleansed", cleansed)
        engine.materialize("stored", storage_sql("duckdb"))
        return pl.from_arrow(conform(engine.fetch("stored"), CLEANSED))
    finally:
        engine.close()


def _cleansed(inputs) -> pa.Table:
    """Every row of ``inputs`` as the cleansed stage gives it (all its columns)."""
    engine = open_engine("duckdb")
    try:
        engine.load_raw(inputs)
        engine.materialize("cleansed", stage_sql("cleansed", "duckdb", {"session_gap_minutes": 30}))
        return engine.fetch("cleansed")
    finally:
        engine.close()


def _passing_rows(inputs) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows that passed cleansing, and the same rows as stored."""
    table = _cleansed(inputs)
    passing = conform(table.filter(pc.is_null(table["reject_reason"])), CLEANSED)
    return pl.from_arrow(passing), _as_stored(table)


def _raw_text_of(passing: pl.DataFrame) -> pl.DataFrame:
    return passing.select(*(pl.col(f"raw_{c}").alias(c) for c in RAW_COLUMNS), "source_file")


@pytest.mark.slow  # Spark
def test_stored_cleansed_rows_read_back_as_the_raw_text_cleansing_passed(tmp_path) -> None:
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
            assert stored.columns == CLEANSED.names
            assert sorted_rows(raw_text(stored).to_arrow()) == sorted_rows(
                _raw_text_of(passing).to_arrow()
            )
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
    assert stored.get_column("raw_user_id").to_list() == [None, " a", None, "  "]
    expected = _raw_text_of(pl.from_arrow(conform(rows, CLEANSED)))
    assert raw_text(stored).schema == pl.from_arrow(RAW_EVENTS.empty_table()).schema
    assert sorted_rows(raw_text(stored).to_arrow()) == sorted_rows(expected.to_arrow())


def _rewrite_in_the_layout_before(lake) -> None:
    """Make ``lake``'s cleansed_events as a version before this layout wrote it: every cleansed
    column stored, the raw URL and address elided like the ids. Its files are rewritten in
    place (a new snapshot would be one no run committed: the next load would set it back)."""
    table = Store(lake, "polars").tables["cleansed_events"]
    with table.update_schema() as update:
        update.union_by_name(pa.schema([(c, pa.string()) for c in LEGACY_COLUMNS]))
    cleansing = stage_sql("cleansed", "polars", {"session_gap_minutes": 30})
    paths = [task.file.file_path.removeprefix("file://") for task in table.scan().plan_files()]
    assert paths
    for path in paths:
        stored = pl.read_parquet(path)
        cleansed = pl.SQLContext(raw_events=raw_text(stored)).execute(cleansing, eager=True)
        before = stored.with_columns(cleansed.select(LEGACY_COLUMNS))
        before = before.with_columns(
            pl.when(pl.col(c).is_null() | (pl.col(f"raw_{c}") != pl.col(c)))
            .then(pl.col(f"raw_{c}"))
            .alias(f"raw_{c}")
            for c in LEGACY_ELIDED
        )
        before.write_parquet(path)


def test_a_table_written_before_with_every_cleansed_column_loads_like_a_new_one(tmp_path) -> None:
    """The raw URLs and addresses such a table elided are read back from its cleansed columns:
    the daily load recomputes stored rows, and gives the tables of a lakehouse written now."""
    day1, day2 = PARITY_FIXTURE / "day1.csv", PARITY_FIXTURE / "day2.csv"
    before, now = tmp_path / "before", tmp_path / "now"
    for lake in (before, now):
        load("polars", discover(day1), lake)
    _rewrite_in_the_layout_before(before)
    stored = Store(before, "polars").scan("cleansed_events")
    assert set(LEGACY_COLUMNS) <= set(stored.columns)
    # elided: all but the fixture's URL with spaces around it
    assert stored.height // 2 < stored.get_column("raw_page_url").null_count() < stored.height
    reports = [load("polars", discover(day2), lake) for lake in (before, now)]
    assert reports[0].record.rows_recomputed == reports[1].record.rows_recomputed > 0
    for name in ("events", "sessions", "rejected_events"):
        rows = [sorted_rows(Store(lake, "polars").scan(name).to_arrow()) for lake in (before, now)]
        assert rows[0] == rows[1], name
    # the files written now leave the columns out; they read as null
    stored = Store(before, "polars").scan("cleansed_events")
    assert stored.height == Store(now, "polars").row_count("cleansed_events")
    assert stored.get_column("page_url").null_count() > 0


def test_stored_rows_that_no_longer_pass_cleansing_stop_the_run_unwritten(tmp_path) -> None:
    """The stored raw text is cleansed again: a stored row the rules now reject (as after a
    change of the rules) is not silently dropped from the recomputed slice."""
    lake = tmp_path / "lake"
    load("polars", discover(PARITY_FIXTURE / "day1.csv"), lake)
    store = Store(lake, "polars")
    for task in store.tables["cleansed_events"].scan().plan_files():
        path = task.file.file_path.removeprefix("file://")
        pl.read_parquet(path).with_columns(raw_timestamp=pl.lit("not a time")).write_parquet(path)
    before = {name: store.row_count(name) for name in ("events", "sessions", "rejected_events")}
    runs = store.runs().height
    with pytest.raises(EtlStackError, match="nothing was written"):
        load("polars", discover(PARITY_FIXTURE / "day2.csv"), lake)
    store = Store(lake, "polars")
    assert {name: store.row_count(name) for name in before} == before
    assert store.runs().height == runs
