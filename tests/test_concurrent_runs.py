"""Two ``etlstack run`` processes at once, on a sqlite and on a PostgreSQL catalog: on the same
namespace one waits for the other (and says so), so nothing is loaded twice; on different
namespaces of one catalog both commit; after the lock timeout a run refuses in one line."""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
from conftest import ETLSTACK, PARITY_FIXTURE, sorted_rows
from sqlalchemy import create_engine, text

from python_engines.inputs.discover import discover
from python_engines.lakehouse.catalog import DATA_TABLES, open_catalog
from python_engines.lakehouse.history import history_tables
from python_engines.lakehouse.load import load
from python_engines.lakehouse.run_lock import namespace_lock
from python_engines.lakehouse.store import Store

pytestmark = pytest.mark.slow  # ten CLI processes, each importing the stack (~2.5 min)

TABLES = ("events", "sessions", "rejected_events", "cleansed_events")


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_uri(request, postgres_uri) -> str | None:
    """None: the embedded sqlite catalog; else a fresh database on the test server."""
    if request.param == "sqlite":
        return None
    name = f"lake_{uuid.uuid4().hex[:12]}"
    engine = create_engine(postgres_uri, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"create database {name}"))
    engine.dispose()
    return f"{postgres_uri.rsplit('/', 1)[0]}/{name}"


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """Each engine loaded alone, day1 then day2: what any interleaving must end with."""
    warehouse = tmp_path_factory.mktemp("reference")
    for engine in ("duckdb", "polars"):
        load(engine, discover(PARITY_FIXTURE / "day1.csv"), warehouse)
        load(engine, discover(PARITY_FIXTURE / "day2.csv"), warehouse)
    return warehouse


def _start(engine: str, source: Path, warehouse: Path, uri: str | None, **env: str):
    command = [ETLSTACK, "run", "--engine", engine, "--input", str(source)]
    command += ["--warehouse", str(warehouse)]
    if uri:
        command += ["--catalog-uri", uri]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200", **env},
    )


def _finish(*processes: subprocess.Popen) -> list[tuple[int, str]]:
    results = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        results.append((process.returncode, out + err))
    return results


def _run_at_once(warehouse: Path, uri: str | None, *runs: tuple[str, Path]) -> str:
    """Start every (engine, input) run at once; all must succeed; their output, joined."""
    results = _finish(*(_start(engine, source, warehouse, uri) for engine, source in runs))
    assert [code for code, _ in results] == [0] * len(runs), results
    return " ".join(output for _, output in results)


def _rows(warehouse: Path, engine: str, uri: str | None, table: str) -> list[dict]:
    return sorted_rows(Store(warehouse, engine, uri).scan(table).to_arrow())


def _assert_as_reference(warehouse: Path, engine: str, uri: str | None, reference: Path) -> None:
    for table in TABLES:
        assert _rows(warehouse, engine, uri, table) == _rows(reference, engine, None, table), table


def test_two_runs_of_the_same_files_at_once_load_them_once(tmp_path, catalog_uri, reference):
    warehouse = tmp_path / "lake"
    runs = [("duckdb", PARITY_FIXTURE)] * 2
    outputs = _run_at_once(warehouse, catalog_uri, *runs)
    assert outputs.count("committed run") == 1
    assert "nothing to do: all 2 file(s) were loaded before" in outputs
    assert Store(warehouse, "duckdb", catalog_uri).runs().height == 1
    # one run over both files equals day1 then day2 (the lakehouse's own guarantee)
    _assert_as_reference(warehouse, "duckdb", catalog_uri, reference)


def test_two_runs_of_different_files_at_once_commit_one_after_the_other(
    tmp_path, catalog_uri, reference
):
    warehouse = tmp_path / "lake"
    days = [("duckdb", PARITY_FIXTURE / "day1.csv"), ("duckdb", PARITY_FIXTURE / "day2.csv")]
    _run_at_once(warehouse, catalog_uri, *days)
    runs = Store(warehouse, "duckdb", catalog_uri).runs()
    assert runs.height == 2
    assert runs.get_column("sequence").to_list() == [1, 2]
    _assert_as_reference(warehouse, "duckdb", catalog_uri, reference)


def test_runs_on_two_namespaces_of_one_catalog_both_commit(tmp_path, catalog_uri, reference):
    warehouse = tmp_path / "lake"
    _run_at_once(warehouse, catalog_uri, ("duckdb", PARITY_FIXTURE), ("polars", PARITY_FIXTURE))
    for engine in ("duckdb", "polars"):
        assert Store(warehouse, engine, catalog_uri).runs().height == 1, engine
        _assert_as_reference(warehouse, engine, catalog_uri, reference)


def _read_lines(stream, lines: list[str]) -> None:
    for line in stream:
        lines.append(line)


def test_a_run_waits_for_the_namespace_lock_and_says_who_holds_it(tmp_path, catalog_uri):
    warehouse = tmp_path / "lake"
    with namespace_lock(warehouse, "duckdb", catalog_uri):
        process = _start("duckdb", PARITY_FIXTURE, warehouse, catalog_uri)
        lines: list[str] = []
        reader = threading.Thread(target=_read_lines, args=(process.stderr, lines), daemon=True)
        reader.start()
        deadline = time.monotonic() + 120
        while not any("waiting up to" in line for line in lines):
            assert process.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.1)
        time.sleep(1.0)
        assert process.poll() is None  # still waiting: the lock is ours
        assert Store(warehouse, "duckdb", catalog_uri).runs().height == 0
    process.wait(timeout=300)
    reader.join(timeout=10)
    assert process.returncode == 0, "".join(lines)
    waiting = next(line for line in lines if "waiting up to" in line)
    assert "another run on namespace duckdb is in progress" in waiting
    assert f"pid {os.getpid()}" in waiting
    assert Store(warehouse, "duckdb", catalog_uri).runs().height == 1


def test_a_run_refuses_in_one_line_when_the_lock_timeout_passes(tmp_path, catalog_uri):
    warehouse = tmp_path / "lake"
    with namespace_lock(warehouse, "duckdb", catalog_uri):
        process = _start(
            "duckdb", PARITY_FIXTURE, warehouse, catalog_uri, ETLSTACK_LOCK_TIMEOUT_SECONDS="1"
        )
        ((code, output),) = _finish(process)
    assert code == 1
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    assert "another run on namespace duckdb is still in progress" in errors[0]
    assert f"pid {os.getpid()}" in errors[0]
    assert "nothing was loaded" in errors[0]
    assert "Traceback" not in output
    assert Store(warehouse, "duckdb", catalog_uri).runs().height == 0


def test_history_does_not_set_back_the_tables_of_a_run_in_progress(tmp_path):
    """A run holding the lock has committed a table but not its runs row yet: history must not
    take that for a dead run. Once the lock is free (the run died), history sets it back."""
    warehouse = tmp_path / "lake"
    load("duckdb", discover(PARITY_FIXTURE / "day1.csv"), warehouse)
    committed = Store(warehouse, "duckdb").tables["events"].current_snapshot().snapshot_id

    def current() -> int:
        return Store(warehouse, "duckdb").tables["events"].refresh().current_snapshot().snapshot_id

    with namespace_lock(warehouse, "duckdb"):  # the run in progress
        store = Store(warehouse, "duckdb")
        schema = DATA_TABLES["events"].schema
        store.tables["events"].append(store.scan("events").to_arrow().slice(0, 1).cast(schema))
        written = current()
        shown = subprocess.run(  # another process: this one holds the lock
            [ETLSTACK, "history", "--engine", "duckdb", "--warehouse", str(warehouse)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert shown.returncode == 0, shown.stderr
        assert current() == written != committed
    history_tables("duckdb", warehouse, "events")
    assert current() == committed


def test_a_new_catalog_opened_by_many_runs_at_once_opens_for_every_one(tmp_path, catalog_uri):
    """The first runs on a new catalog create its tables: runs that start together race to do
    it (PostgreSQL refused the loser with a duplicate key on ``pg_type``); every one must open."""
    warehouse, barrier, failures = tmp_path / "lake", threading.Barrier(8), []

    def open_together() -> None:
        barrier.wait()
        try:
            open_catalog(warehouse, catalog_uri).list_namespaces()
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=open_together) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
