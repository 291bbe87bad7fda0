"""A disk that fills up during a run: the run fails with one clear line and commits nothing, the
last committed run stays readable, and the next run after space is freed loads as if nothing
happened. The warehouse is a real, small tmpfs (mounting needs root, as CI runs)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import polars as pl
import pytest
from conftest import PARITY_FIXTURE, etlstack_run, sorted_rows

from python_engines.core.errors import is_disk_full, writing_to
from python_engines.inputs.discover import discover
from python_engines.lakehouse.catalog import DATA_TABLES, open_catalog
from python_engines.lakehouse.load import load
from python_engines.lakehouse.read import committed_snapshots
from python_engines.lakehouse.store import Store

DAY1, DAY2 = PARITY_FIXTURE / "day1.csv", PARITY_FIXTURE / "day2.csv"


@pytest.fixture
def small_disk():
    """A 2 MiB tmpfs, unmounted (lazily: this process may still hold the catalog open) after."""
    if os.geteuid() != 0:
        raise RuntimeError("mounting a tmpfs needs root (CI runs the suite as root)")
    folder = Path(tempfile.mkdtemp(prefix="etlstack-full-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], check=True)
    yield folder
    subprocess.run(["umount", "--lazy", str(folder)], check=True)
    folder.rmdir()


def fill(disk: Path, leave_kib: int) -> Path:
    """Fill the disk up, then free ``leave_kib`` KiB of it."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:
            pass
    os.truncate(filler, max(0, filler.stat().st_size - leave_kib * 1024))
    return filler


def committed_tables(warehouse: Path) -> dict[str, list[dict]]:
    """What a reader sees: every table at the snapshot the last committed run recorded."""
    snapshots = committed_snapshots(open_catalog(warehouse), "polars")
    store = Store(warehouse, "polars")
    return {
        name: sorted_rows(store.tables[name].scan(snapshot_id=snapshots[name]).to_arrow())
        for name in DATA_TABLES
    }


@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> dict[str, dict[str, list[dict]]]:
    warehouse = tmp_path_factory.mktemp("clean")
    load("polars", discover(DAY1), warehouse)
    after_day1 = committed_tables(warehouse)
    load("polars", discover(DAY2), warehouse)
    return {"day1": after_day1, "day2": committed_tables(warehouse)}


# where the space ran out in a probe: 0 KiB — the first data file; 40 KiB — the sqlite catalog's commit;
# 120 KiB — after some tables committed, and setting them back fails too (the next run does it)
@pytest.mark.parametrize(
    "leave_kib",
    [pytest.param(n, marks=pytest.mark.slow) for n in (0, 40, 120)],
)
def test_a_full_disk_fails_the_run_in_one_line_and_the_next_run_loads(
    small_disk, expected, leave_kib
) -> None:
    warehouse = small_disk / "lake"
    assert etlstack_run("polars", DAY1, warehouse).returncode == 0
    filler = fill(small_disk, leave_kib)

    failed = etlstack_run("polars", DAY2, warehouse)
    assert failed.returncode == 1
    message = failed.stderr.strip()
    assert message.startswith("error: no space left on the device"), failed.stderr
    assert len(message.splitlines()) == 1 and "Traceback" not in failed.stderr
    assert Store(warehouse, "polars").runs().height == 1  # nothing committed
    assert committed_tables(warehouse) == expected["day1"]  # the last good run reads as before

    filler.unlink()
    again = etlstack_run("polars", DAY2, warehouse)
    assert again.returncode == 0, again.stderr
    assert committed_tables(warehouse) == expected["day2"]
    store = Store(warehouse, "polars")
    assert {n: sorted_rows(store.scan(n).to_arrow()) for n in DATA_TABLES} == expected["day2"]


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_a_full_disk_during_a_first_load_fails_in_one_line_and_leaves_no_files(
    small_disk, small_dataset, engine
) -> None:
    """A first load's data files are written by the engine itself: a full disk there is the same
    one line, nothing is committed and the run's partial files are removed."""
    warehouse = small_disk / "lake"
    Store(warehouse, engine)  # the catalog and empty tables exist; the data files do not fit
    filler = fill(small_disk, 300)
    failed = etlstack_run(engine, small_dataset[0] / "bulk", warehouse)
    assert failed.returncode == 1
    message = failed.stderr.strip()
    assert message.startswith("error: no space left on the device"), failed.stderr
    assert len(message.splitlines()) == 1 and "Traceback" not in failed.stderr
    store = Store(warehouse, engine)
    assert store.runs().height == 0
    assert all(store.is_empty(name) for name in DATA_TABLES)
    assert not list(warehouse.rglob("run-*")), "the run's partial data files were left behind"
    filler.unlink()


def test_a_parquet_write_cut_short_in_a_page_header_is_a_full_disk(small_disk) -> None:
    """Polars reports ENOSPC in the middle of a page header as "Invalid thrift: transport error",
    without the OS error (CI saw it once during a first load). A write that fails with the device
    full is a full disk all the same."""
    columns = {
        f"c{i}": (pl.int_range(14_838, eager=True) * (i + 7)).cast(pl.Utf8) for i in range(30)
    }
    fill(small_disk, 148)  # found by a search over sizes: the space runs out in a page header
    with pytest.raises(OSError) as raised, writing_to(small_disk):
        pl.LazyFrame(columns).sink_parquet(small_disk / "part.parquet", data_page_size=1024)
    said = str(raised.value.__cause__)
    assert "Invalid thrift: transport error" in said, f"Polars now says {said!r}: new sizes?"
    assert is_disk_full(raised.value)


def test_a_failed_write_with_room_left_keeps_its_own_error(tmp_path) -> None:
    rows = pl.LazyFrame({"a": ["x"]}).select(pl.col("a").cast(pl.Int64))
    failed = pytest.raises(pl.exceptions.InvalidOperationError, match="conversion from")
    with failed as raised, writing_to(tmp_path):
        rows.sink_parquet(tmp_path / "part.parquet")
    assert not is_disk_full(raised.value)
