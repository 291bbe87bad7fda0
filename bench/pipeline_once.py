"""One pipeline run in this process: prints per-step seconds, start-up and peak RSS as JSON.

python -m bench.pipeline_once ENGINE INPUT FORMAT      ENGINE: polars | spark | duckdb | native-polars
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bench.machine import peak_rss_kib
from python_engines.inputs import discover
from python_engines.pipeline import run_pipeline


def main(engine: str, folder: str, file_format: str) -> dict:
    inputs = discover(Path(folder), file_format)
    if engine == "native-polars":
        from bench.native_polars import run

        started = time.perf_counter()
        tables = run(inputs)
        seconds = {"total": time.perf_counter() - started}
        startup = 0.0
    else:
        result = run_pipeline(engine, inputs)
        tables, startup = result.tables, result.startup_seconds
        seconds = dict(result.seconds)
        seconds["total"] = sum(result.seconds.values())
    return {
        "engine": engine,
        "rows": {name: table.num_rows for name, table in tables.items()},
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "startup_seconds": round(startup, 3),
        "peak_rss_kib": peak_rss_kib(),
    }


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
