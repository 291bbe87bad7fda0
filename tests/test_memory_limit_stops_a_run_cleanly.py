"""A run over the memory limit stops with one line and exit code 1, not the kernel's OOM kill:
the Spark JVM goes with it, nothing of the run is committed and the next run loads as usual."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import psutil
import pytest
from conftest import PARITY_FIXTURE, etlstack_run

from python_engines.lakehouse.store import Store

DAY1, DAY2 = PARITY_FIXTURE / "day1.csv", PARITY_FIXTURE / "day2.csv"


def jvms_with_heap(heap: str) -> list[int]:
    return [
        p.pid
        for p in psutil.process_iter(["cmdline"])
        if f"-Xmx{heap}" in (p.info["cmdline"] or [])
    ]


def assert_stopped_in_one_line(stopped, engine: str, limit_gib: str) -> None:
    assert stopped.returncode == 1
    last = stopped.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: out of memory in {engine} "), stopped.stderr
    assert f"over the limit of {float(limit_gib):.2f} GiB" in last and "--batch-rows" in last
    assert "Traceback" not in stopped.stderr


def test_a_run_over_the_memory_limit_stops_in_one_line_and_the_next_run_loads(tmp_path) -> None:
    warehouse = tmp_path / "lake"
    assert etlstack_run("polars", DAY1, warehouse).returncode == 0
    before = Store(warehouse, "polars").runs()

    # the interpreter and its imports alone are more than 0.05 GiB
    stopped = etlstack_run("polars", DAY2, warehouse, ETLSTACK_MEMORY_LIMIT_GIB="0.05")
    assert_stopped_in_one_line(stopped, "polars", "0.05")
    assert Store(warehouse, "polars").runs().equals(before)  # nothing committed

    again = etlstack_run("polars", DAY2, warehouse)  # the lock went with the stopped process
    assert again.returncode == 0, again.stderr
    assert Store(warehouse, "polars").runs().height == before.height + 1


@pytest.mark.slow
def test_a_spark_run_over_the_memory_limit_takes_its_jvm_with_it(tmp_path) -> None:
    heap = "1001m"  # names this run's JVM among the others on the machine
    scratch = set(Path(tempfile.gettempdir()).glob("etlstack-spark-local-*"))
    stopped = etlstack_run(
        "spark",
        DAY1,
        tmp_path / "lake",
        ETLSTACK_MEMORY_LIMIT_GIB="0.5",  # the JVM's start takes the run over it
        ETLSTACK_SPARK_DRIVER_MEMORY=heap,
    )
    assert_stopped_in_one_line(stopped, "spark", "0.5")
    time.sleep(0.5)
    assert jvms_with_heap(heap) == [], "the run's JVM outlived it"
    left = set(Path(tempfile.gettempdir()).glob("etlstack-spark-local-*")) - scratch
    assert left == set(), "the killed JVM's block manager folder was left behind"
    assert Store(tmp_path / "lake", "spark").runs().height == 0
