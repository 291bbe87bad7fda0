"""Where a run's tables go. Until the lakehouse issue: Parquet under <warehouse>/<engine>/."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from python_engines.pipeline import RunResult


def write_parquet_tables(result: RunResult, warehouse: Path) -> dict[str, Path]:
    folder = warehouse / result.engine
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, table in result.tables.items():
        path = folder / f"{name}.parquet"
        pq.write_table(table, path, compression="zstd")
        written[name] = path
    return written
