"""A run killed (SIGKILL, a real process) at any step of a load: the next load alone — no manual
recovery — sets back what the dead run committed and gives exactly the tables of a run that was
never interrupted."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PARITY_FIXTURE, sorted_rows

from python_engines.inputs.discover import discover
from python_engines.lakehouse.catalog import DATA_TABLES
from python_engines.lakehouse.load import load
from python_engines.lakehouse.store import Store

KILLER = Path(__file__).with_name("load_killed_at_step.py")
DAY1, DAY2 = PARITY_FIXTURE / "day1.csv", PARITY_FIXTURE / "day2.csv"
TABLES = list(DATA_TABLES)
# every point a run can die at (tests/load_killed_at_step.py), in the order a run reaches them
STEPS = [
    "after-cleansing",
    *[f"in-{table}-transaction" for table in TABLES],
    *[f"before-{table}" for table in TABLES[1:]],
    "before-runs-row",
]


def committed_before(step: str) -> list[str]:
    """The tables a run killed at ``step`` had committed (each table is one transaction)."""
    if step == "before-runs-row":
        return TABLES
    for position, table in enumerate(TABLES):
        if table in step:
            return TABLES[:position]
    return []


def tables_of(warehouse: Path, engine: str) -> dict[str, list[dict]]:
    store = Store(warehouse, engine)
    return {name: sorted_rows(store.scan(name).to_arrow()) for name in TABLES}


def current_snapshots(warehouse: Path, engine: str) -> dict[str, int | None]:
    tables = Store(warehouse, engine).tables
    return {n: s.snapshot_id if (s := t.current_snapshot()) else None for n, t in tables.items()}


def run_killed_at(step: str, engine: str, source: Path, warehouse: Path) -> None:
    """The load in its own process, which SIGKILLs itself at ``step``."""
    command = [sys.executable, str(KILLER), step, engine, str(source), str(warehouse)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, (step, done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict[str, dict[str, list[dict]]]:
    """Per engine, the tables of day 1 then day 2 loaded without a crash."""
    tables = {}
    for engine in ("polars", "duckdb"):
        warehouse = tmp_path_factory.mktemp(f"clean-{engine}")
        load(engine, discover(DAY1), warehouse)
        load(engine, discover(DAY2), warehouse)
        tables[engine] = tables_of(warehouse, engine)
    return tables


FAST_STEPS = ("before-runs-row",)  # make test-fast runs this one of the matrix


@pytest.mark.parametrize(
    "step", [s if s in FAST_STEPS else pytest.param(s, marks=pytest.mark.slow) for s in STEPS]
)
def test_a_daily_run_killed_at_any_step_is_undone_by_the_next_run(
    tmp_path, uninterrupted, step
) -> None:
    warehouse = tmp_path / "lake"
    load("polars", discover(DAY1), warehouse)
    committed = current_snapshots(warehouse, "polars")
    run_killed_at(step, "polars", DAY2, warehouse)
    assert Store(warehouse, "polars").runs().height == 1  # the dead run never committed
    moved = [n for n, s in current_snapshots(warehouse, "polars").items() if s != committed[n]]
    assert moved == committed_before(step)

    rerun = load("polars", discover(DAY2), warehouse)  # no recover() by hand: load does it
    assert rerun.restored_tables == committed_before(step)
    assert tables_of(warehouse, "polars") == uninterrupted["polars"]
    assert Store(warehouse, "polars").runs().height == 2


@pytest.mark.slow
@pytest.mark.parametrize("step", ["in-events-transaction", "before-sessions", "before-runs-row"])
def test_a_first_ever_run_killed_mid_commit_is_undone_by_the_next_run(
    tmp_path, uninterrupted, step
) -> None:
    warehouse = tmp_path / "lake"
    run_killed_at(step, "polars", DAY1, warehouse)
    store = Store(warehouse, "polars")
    assert store.runs().height == 0
    assert not store.is_empty("cleansed_events")  # the dead run did commit a table

    first = load("polars", discover(DAY1), warehouse)
    assert "cleansed_events" in first.restored_tables
    load("polars", discover(DAY2), warehouse)
    assert tables_of(warehouse, "polars") == uninterrupted["polars"]


@pytest.mark.slow
@pytest.mark.parametrize("first_ever", [False, True], ids=["daily-run", "first-run"])
def test_a_run_killed_while_setting_back_a_dead_run_is_undone_by_the_next_run(
    tmp_path, uninterrupted, first_ever
) -> None:
    warehouse = tmp_path / "lake"
    if not first_ever:
        load("polars", discover(DAY1), warehouse)
    source = DAY1 if first_ever else DAY2
    run_killed_at("before-runs-row", "polars", source, warehouse)  # every table moved on
    run_killed_at("in-recovery", "polars", source, warehouse)  # one of them set back

    rerun = load("polars", discover(source), warehouse)
    assert len(rerun.restored_tables) == len(TABLES) - 1
    if first_ever:
        load("polars", discover(DAY2), warehouse)
    assert tables_of(warehouse, "polars") == uninterrupted["polars"]


@pytest.mark.slow
@pytest.mark.parametrize("step", ["in-sessions-transaction", "before-runs-row"])
def test_a_duckdb_run_killed_mid_commit_is_undone_by_the_next_run(
    tmp_path, uninterrupted, step
) -> None:
    warehouse = tmp_path / "lake"
    load("duckdb", discover(DAY1), warehouse)
    run_killed_at(step, "duckdb", DAY2, warehouse)
    rerun = load("duckdb", discover(DAY2), warehouse)
    assert rerun.restored_tables == committed_before(step)
    assert tables_of(warehouse, "duckdb") == uninterrupted["duckdb"]
