"""A history too big for one run, loaded into Iceberg as consecutive runs (``--batch-rows``).

``etlstack bench batched-load --input data/bench-large --engine polars --batch-rows 10000000``
One process, a fresh warehouse; per-run seconds come from the run log, the peak RSS is the
process's (every run included). Writes bench/results/batched-load-*.json.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bench.harness.machine import peak_rss_kib, write_result

if TYPE_CHECKING:
    from python_engines.lakehouse.load import LoadReport


def main(
    input_path: Annotated[Path, typer.Option("--input", help="Generated data folder.")],
    engine: Annotated[str, typer.Option(help="polars, duckdb or spark.")] = "polars",
    batch_rows: Annotated[int, typer.Option(help="Input rows per run at most.")] = 10_000_000,
    warehouse: Annotated[
        Path | None,
        typer.Option(
            help="An empty folder to load into, kept afterwards (to look into a failed "
            "run); default a temporary one, removed at the end."
        ),
    ] = None,
) -> None:
    """Load every file under --input (bulk and daily) into a fresh warehouse, in batches."""
    from python_engines.core.memory_guard import memory_guard
    from python_engines.core.settings import EngineSettings
    from python_engines.inputs.discover import discover
    from python_engines.lakehouse.batches import load_in_batches

    inputs = discover(input_path.resolve(), "parquet")
    started = time.perf_counter()
    guard = memory_guard(engine, EngineSettings().memory_limit_gib)  # one line, not an OOM kill
    _refuse_a_used_warehouse(warehouse)
    with _warehouse_folder(warehouse) as target, guard as at:
        show = _step_echo(at, started)
        reports = load_in_batches(engine, inputs, Path(target), batch_rows, on_step=show)
    runs = [_run_figures(r) for r in reports]
    seconds = time.perf_counter() - started
    peak = peak_rss_kib() / 2**20
    path = write_result(
        "batched-load",
        ("polars", "duckdb", "pyspark", "pyiceberg"),
        input={"path": str(input_path), "rows": sum(r["rows_in"] for r in runs)},
        method=f"one process, fresh warehouse, runs of at most {batch_rows:,} input rows",
        engine=engine,
        total_seconds=round(seconds, 1),
        peak_rss_gib=round(peak, 2),
        warehouse=str(warehouse.resolve()) if warehouse else None,  # kept when given
        runs=runs,
    )
    typer.echo(f"{engine}: {len(runs)} runs, {seconds:.0f} s, peak RSS {peak:.2f} GiB → {path}")


def _refuse_a_used_warehouse(warehouse: Path | None) -> None:
    """Stop before loading when --warehouse is a file or a folder with something in it."""
    in_use = (
        warehouse and warehouse.exists() and (not warehouse.is_dir() or any(warehouse.iterdir()))
    )
    if in_use:
        raise typer.BadParameter(f"{warehouse} is not an empty folder: the load starts fresh")


def _warehouse_folder(warehouse: Path | None) -> AbstractContextManager[str]:
    """The given warehouse folder, kept, or a temporary one removed on any exit."""
    return (
        nullcontext(str(warehouse.resolve()))
        if warehouse
        else tempfile.TemporaryDirectory(prefix="bench-batched-")  # removed on any exit
    )


def _step_echo(at: Callable[[str], object], started: float) -> Callable[[str], None]:
    """A step callback telling the memory guard the step and printing the seconds so far."""

    def show(step: str) -> None:
        at(step)
        typer.echo(f"{time.perf_counter() - started:8.1f} s  {step}")

    return show


def _run_figures(report: LoadReport) -> dict:
    """One run's files, rows, sessions replaced and step seconds from its load report."""
    return {
        "files": len(report.record.input_files),
        "rows_in": report.record.rows_in,
        "rows_recomputed": report.record.rows_recomputed,
        "sessions_replaced": report.record.sessions_replaced,
        "seconds": {k: round(v, 2) for k, v in report.record.seconds.items()},
    }
