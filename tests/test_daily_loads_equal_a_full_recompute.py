"""The Iceberg lakehouse: daily loads equal a full recompute on every engine, reruns change
nothing, a crashed run leaves the last committed snapshot, every engine writes one schema and
other tools read the tables."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from conftest import ENGINE_PARAMS, ENGINES, ETLSTACK, PARITY_FIXTURE, sorted_rows

from python_engines.core.errors import EtlStackError
from python_engines.inputs.discover import discover
from python_engines.lakehouse.batches import file_rows, load_in_batches, plan_batches
from python_engines.lakehouse.catalog import DATA_TABLES
from python_engines.lakehouse.event_keys import KEYS_TABLE
from python_engines.lakehouse.load import load
from python_engines.lakehouse.read import read_with_duckdb, read_with_spark
from python_engines.lakehouse.store import Store

TABLES = list(DATA_TABLES)


def _table_rows(warehouse: Path, engine: str, table: str) -> list[dict]:
    return sorted_rows(Store(warehouse, engine).scan(table).to_arrow())


def _assert_same_tables(a: Path, b: Path, engine: str) -> None:
    for table in TABLES:
        assert _table_rows(a, engine, table) == _table_rows(b, engine, table), (engine, table)


@pytest.fixture(scope="module")
def generated_lakes(small_dataset, tmp_path_factory):
    """Per engine: one run over every generated file, and bulk then each daily file in order."""
    out, _ = small_dataset
    full, daily = tmp_path_factory.mktemp("full"), tmp_path_factory.mktemp("daily")
    reports = {}
    for engine in ENGINES:
        load(engine, discover(out), full)
        runs = [load(engine, discover(out / "bulk"), daily)]
        for path in sorted((out / "incremental").glob("*.parquet")):
            runs.append(load(engine, discover(path), daily))
        reports[engine] = runs
    return full, daily, reports


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_bulk_then_daily_files_equal_one_full_run(generated_lakes, engine: str) -> None:
    full, daily, reports = generated_lakes
    _assert_same_tables(full, daily, engine)
    daily_runs = [r.record for r in reports[engine][1:]]
    assert len(daily_runs) == 3
    # the daily runs really stitched: stored sessions were extended or merged, not only appended
    assert sum(r.sessions_replaced for r in daily_runs) > 0
    assert all(r.rows_recomputed > 0 for r in daily_runs)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_sessions_crossing_into_a_daily_file_keep_the_id_the_bulk_gave_them(
    generated_lakes, engine
):
    _, daily, reports = generated_lakes
    bulk = reports[engine][0]
    last_bulk_day = max(Path(f["path"]).stem for f in bulk.record.input_files)
    boundary = datetime.fromisoformat(last_bulk_day).replace(tzinfo=UTC) + timedelta(days=1)
    table = Store(daily, engine).tables["sessions"]
    now = pl.from_arrow(table.scan().to_arrow())
    crossing = now.filter(
        (pl.col("session_start") < boundary) & (pl.col("session_end") >= boundary)
    )
    assert crossing.height > 0
    # time travel: the sessions as the bulk run committed them
    then = pl.from_arrow(table.scan(snapshot_id=bulk.snapshot_ids["sessions"]).to_arrow())
    before = crossing.join(then, on="session_id", suffix="_then")
    assert before.height == crossing.height  # same ids …
    assert (before["session_end_then"] < boundary).all()  # … for sessions that grew since
    assert (before["event_count"] > before["event_count_then"]).all()


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_a_late_duplicate_and_a_late_event_are_stitched_like_a_full_run(tmp_path, engine) -> None:
    """The trap fixture's day2 holds a duplicate of a day1 event and events a day late."""
    full, daily = tmp_path / "full", tmp_path / "daily"
    load(engine, discover(PARITY_FIXTURE), full)
    load(engine, discover(PARITY_FIXTURE / "day1.csv"), daily)
    second = load(engine, discover(PARITY_FIXTURE / "day2.csv"), daily)
    assert second.record.sessions_replaced > 0
    _assert_same_tables(full, daily, engine)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_a_load_split_into_runs_of_at_most_n_rows_equals_one_run(
    generated_lakes, small_dataset, tmp_path, engine
) -> None:
    out, _ = small_dataset
    full, _, _ = generated_lakes
    reports = load_in_batches(engine, discover(out), tmp_path, batch_rows=30_000)
    assert len(reports) >= 3
    assert all(0 < r.result.rows_in <= 30_000 for r in reports)
    assert sum(r.result.rows_in for r in reports) == 100_000
    assert Store(tmp_path, engine).runs().height == len(reports)
    _assert_same_tables(full, tmp_path, engine)
    (again,) = load_in_batches(engine, discover(out), tmp_path, batch_rows=30_000)
    assert again.result is None and len(again.skipped_files) == len(discover(out).files)


def test_batches_are_consecutive_files_and_a_big_file_is_a_batch_alone(small_dataset) -> None:
    out, _ = small_dataset
    files = discover(out).files
    rows = [file_rows(f, "parquet") for f in files]
    batches = plan_batches(files, "parquet", max(rows) * 2)
    assert [f for batch in batches for f in batch] == list(files)
    for batch in batches:
        assert len(batch) == 1 or sum(rows[files.index(f)] for f in batch) <= max(rows) * 2
    assert len(plan_batches(files, "parquet", 1)) == len(files)
    csv = discover(out, "csv").files[0]
    assert file_rows(csv, "csv") == file_rows(discover(out).files[0], "parquet")


def test_rerunning_loaded_files_changes_nothing(tmp_path: Path) -> None:
    warehouse = tmp_path / "lake"
    first = load("polars", discover(PARITY_FIXTURE), warehouse)
    again = load("polars", discover(PARITY_FIXTURE / "day2.csv"), warehouse)
    assert again.result is None and again.skipped_files
    store = Store(warehouse, "polars")
    current = {n: t.current_snapshot().snapshot_id for n, t in store.tables.items()}
    assert current == first.snapshot_ids
    assert store.runs().height == 1


def test_a_file_loaded_before_with_other_content_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "in" / "day.csv"
    source.parent.mkdir()
    lines = (PARITY_FIXTURE / "day1.csv").read_text().splitlines(keepends=True)
    source.write_text("".join(lines[:20]))
    load("duckdb", discover(source), tmp_path / "lake")
    source.write_text("".join(lines[:30]))
    with pytest.raises(EtlStackError, match="loaded before with other content"):
        load("duckdb", discover(source), tmp_path / "lake")


class Crash(BaseException):
    """A process killed mid-run (not an ordinary error: nothing in the process gets to react)."""


def test_a_run_that_dies_mid_write_leaves_the_last_committed_snapshot(tmp_path, monkeypatch):
    from pyiceberg.table import Transaction

    warehouse = tmp_path / "lake"
    first = load("polars", discover(PARITY_FIXTURE / "day1.csv"), warehouse)
    original_add_files = Transaction.add_files

    def dies_in_events(self, file_paths, *args, **kwargs):
        original_add_files(self, file_paths, *args, **kwargs)  # data files are written …
        if "/events/data/" in file_paths[0]:  # the events table
            raise Crash("killed while writing events")  # … but the commit never happens

    monkeypatch.setattr(Transaction, "add_files", dies_in_events)
    with pytest.raises(Crash):
        load("polars", discover(PARITY_FIXTURE / "day2.csv"), warehouse)
    monkeypatch.undo()

    store = Store(warehouse, "polars")
    events = store.tables["events"]
    assert events.current_snapshot().snapshot_id == first.snapshot_ids["events"]
    assert events.scan().to_arrow().num_rows == first.result.rows["events"]
    # tables committed before the crash moved on; the next run alone sets them back, then loads
    rerun = load("polars", discover(PARITY_FIXTURE / "day2.csv"), warehouse)
    assert rerun.restored_tables == ["cleansed_events", "cleansed_keys", "rejected_events"]
    load("polars", discover(PARITY_FIXTURE), tmp_path / "full")
    _assert_same_tables(tmp_path / "full", warehouse, "polars")


@pytest.mark.slow
def test_every_namespace_has_the_declared_schemas_and_partitioning(generated_lakes) -> None:
    """The Iceberg tables are created from one spec per table, so their schemas agree by
    construction; what each engine produces before it is cast to that schema is checked in
    test_parity.py (test_each_engine_produces_the_output_columns_and_types_before_any_cast)."""
    full, _, _ = generated_lakes
    for table in TABLES:
        schemas = {
            engine: Store(full, engine).tables[table].schema().as_arrow() for engine in ENGINES
        }
        assert schemas["polars"] == schemas["duckdb"] == schemas["spark"], table
    events = Store(full, "spark").tables["events"]
    assert str(events.schema().find_field("event_ts").field_type) == "timestamptz"
    assert [f.name for f in events.spec().fields] == ["event_date"]


@pytest.mark.slow
def test_engines_agree_and_other_tools_read_each_others_tables(generated_lakes) -> None:
    from python_engines.core.settings import EngineSettings
    from python_engines.engines.spark_engine import spark_session

    full, _, _ = generated_lakes
    spark = spark_session(EngineSettings())
    expected = _table_rows(full, "polars", "events")
    for engine in ENGINES:
        assert _table_rows(full, engine, "events") == expected, engine
    spark_written = Store(full, "spark").tables["sessions"]
    polars_written = Store(full, "polars").tables["sessions"]
    sessions = sorted_rows(polars_written.scan().to_arrow())
    assert sorted_rows(read_with_duckdb(spark_written)) == sessions
    assert sorted_rows(pl.scan_iceberg(spark_written).collect().to_arrow()) == sessions
    from_spark = read_with_spark(polars_written, spark).toArrow()
    assert sorted_rows(from_spark.select(polars_written.schema().column_names)) == sessions


@pytest.mark.slow
def test_every_engine_stores_the_same_event_keys(generated_lakes) -> None:
    """Polars hands its passing rows' keys over in process; DuckDB's and Spark's are read back
    from the cleansed_events files they have just written: the same keys either way, after one
    full run and after bulk + daily runs."""
    full, daily, _ = generated_lakes
    for lake in (full, daily):
        expected = _table_rows(lake, "polars", KEYS_TABLE)
        assert len(expected) == Store(lake, "polars").row_count("cleansed_events") > 0
        for engine in ENGINES:
            assert _table_rows(lake, engine, KEYS_TABLE) == expected, (lake.name, engine)


@pytest.mark.slow
def test_every_engine_stores_the_same_cleansed_events(generated_lakes) -> None:
    """Spark writes the passing rows as they come (a file open per day in each task, no sort):
    the same rows as the other engines'. It puts its write settings back afterwards, so its
    later writes (the events) sort by day as before."""
    from python_engines.core.settings import EngineSettings
    from python_engines.engines.spark_engine import spark_session

    full, daily, _ = generated_lakes
    for lake in (full, daily):
        expected = _table_rows(lake, "polars", "cleansed_events")
        assert expected
        for engine in ENGINES:
            assert _table_rows(lake, engine, "cleansed_events") == expected, (lake.name, engine)
    conf = spark_session(EngineSettings()).conf
    assert conf.get("spark.sql.optimizer.plannedWrite.enabled") == "true"
    assert conf.get("spark.sql.maxConcurrentOutputFileWriters") == "0"


@pytest.mark.slow  # a PostgreSQL server
def test_a_postgresql_catalog_holds_the_same_tables(tmp_path: Path, postgres_uri: str) -> None:
    shared = tmp_path / "shared"
    load("duckdb", discover(PARITY_FIXTURE / "day1.csv"), shared, postgres_uri)
    load("duckdb", discover(PARITY_FIXTURE / "day2.csv"), shared, postgres_uri)
    load("duckdb", discover(PARITY_FIXTURE), tmp_path / "embedded")
    assert not (shared / "catalog.db").exists()  # the catalog lives in PostgreSQL
    for table in TABLES:
        in_postgres = sorted_rows(Store(shared, "duckdb", postgres_uri).scan(table).to_arrow())
        assert in_postgres == _table_rows(tmp_path / "embedded", "duckdb", table), table


@pytest.mark.slow
def test_a_run_killed_while_writing_files_leaves_readable_tables(small_dataset, tmp_path) -> None:
    """SIGKILL the CLI as soon as its first new data file appears; every table still reads at a
    committed snapshot, and the next run recovers and loads as if nothing happened."""
    out, _ = small_dataset
    warehouse = tmp_path / "lake"
    load("polars", discover(out / "bulk"), warehouse)
    data_dir = warehouse / "polars"
    before = set(data_dir.rglob("*.parquet"))
    command = [ETLSTACK, "run", "--engine", "polars"]
    command += ["--input", str(out / "incremental"), "--warehouse", str(warehouse)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not set(data_dir.rglob("*.parquet")) - before:
        assert process.poll() is None, "the run ended before it wrote a file"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()

    store = Store(warehouse, "polars")
    assert store.runs().height == 1  # the killed run never reached its commit point
    for table in store.tables.values():
        table.scan().to_arrow()  # readable
    load("polars", discover(out / "incremental"), warehouse)  # no recover() by hand
    load("polars", discover(out), tmp_path / "full")
    _assert_same_tables(tmp_path / "full", warehouse, "polars")


def test_a_run_that_fails_before_its_runs_row_sets_the_tables_back(tmp_path, monkeypatch) -> None:
    """An error after the data tables are written (here: writing the runs row) leaves every table
    at the last committed run's snapshot, in the same process — not only at the next run."""
    warehouse = tmp_path / "warehouse"
    load("polars", discover(PARITY_FIXTURE / "day1.csv"), warehouse)

    def snapshots() -> dict[str, int | None]:
        tables = Store(warehouse, "polars").tables
        return {
            n: s.snapshot_id if (s := t.current_snapshot()) else None for n, t in tables.items()
        }

    before = snapshots()

    def broken_runs_row(self, record, snapshot_ids):
        raise OSError("disk full")

    monkeypatch.setattr(Store, "_append_run", broken_runs_row)
    with pytest.raises(OSError, match="disk full"):
        load("polars", discover(PARITY_FIXTURE / "day2.csv"), warehouse)
    assert snapshots() == before
