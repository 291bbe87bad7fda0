"""One measured try in this (fresh) process; prints its figures as one JSON line.

``python -m bench.harness.measure_once ENGINE INPUT_FOLDER [--load]``. Threads and the Spark master come
from the environment the harness sets (``POLARS_MAX_THREADS``, ``ETLSTACK_THREADS``,
``ETLSTACK_SPARK_MASTER``) before anything is imported. The fingerprints are taken after the
memory and CPU figures, so hashing the tables is not timed or counted.
"""

from __future__ import annotations

import importlib
import json
import sys
import tempfile
import time
from pathlib import Path

from bench.harness.matrix import NATIVE_ENGINES, native_module
from python_engines.core.process_tree import own_tree, process_age_seconds

TABLES = ("events", "rejected_events", "sessions")


def _pipeline(engine: str, folder: Path) -> tuple[dict, float, int, dict]:
    from python_engines.inputs.discover import discover

    inputs = discover(folder, "parquet")
    if engine in NATIVE_ENGINES:
        baseline = importlib.import_module(native_module(engine))
        ready = process_age_seconds()
        started = time.perf_counter()
        if hasattr(baseline, "start"):  # a JVM: its start-up is counted apart, as the SQL path's
            baseline.start()
        startup = time.perf_counter() - started
        tables = baseline.run(inputs)
        stages = {"native": time.perf_counter() - started - startup}
        rows_in = sum(tables[t].num_rows for t in ("events", "rejected_events"))
        return stages, ready + startup, rows_in, tables
    from python_engines.pipeline.stages import run_pipeline

    ready = process_age_seconds()
    result = run_pipeline(engine, inputs)
    return dict(result.seconds), ready + result.startup_seconds, result.rows_in, result.tables


def _load(engine: str, folder: Path, warehouse: Path) -> tuple[dict, float, int]:
    """The whole Iceberg load (catalog, pipeline, reload/compare, write, run log)."""
    from python_engines.inputs.discover import discover
    from python_engines.lakehouse.load import load

    ready = process_age_seconds()
    report = load(engine, discover(folder, "parquet"), warehouse)
    stages = dict(report.record.seconds)
    return stages, ready + report.result.startup_seconds, report.record.rows_in


def _stored_tables(engine: str, warehouse: Path) -> dict:
    from python_engines.lakehouse.store import Store

    store = Store(warehouse, engine)
    return {name: store.scan(name).to_arrow() for name in TABLES}


def main(engine: str, folder: str, load: bool = False) -> dict:
    from bench.harness.fingerprint import fingerprints

    with tempfile.TemporaryDirectory(prefix="bench-lake-") as warehouse:
        if load:
            stages, startup, rows_in = _load(engine, Path(folder), Path(warehouse))
        else:
            stages, startup, rows_in, tables = _pipeline(engine, Path(folder))
        wall = process_age_seconds()  # process start → outputs ready (not the hashing below)
        # what no stage timed (input discovery, reference registration, catalog work):
        # start-up + stages + other = wall
        stages["other"] = max(0.0, wall - startup - sum(stages.values()))
        rss, cpu = own_tree()
        if load:
            tables = _stored_tables(engine, Path(warehouse))
        prints = fingerprints({name: tables[name] for name in TABLES})
    return {
        "wall_seconds": round(wall, 4),
        "stages": {k: round(v, 4) for k, v in stages.items()},
        "startup_seconds": round(startup, 4),
        "rows_in": rows_in,
        "peak_rss_bytes": rss,
        "cpu_seconds": round(cpu, 3),
        "output_fingerprint": prints,
    }


if __name__ == "__main__":
    figures = main(sys.argv[1], sys.argv[2], "--load" in sys.argv[3:])
    print(json.dumps(figures))
