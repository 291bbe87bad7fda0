"""Generator throughput and peak memory: ``etlstack bench generator --sizes small,medium``.

Each run is a fresh process (``bench.harness.generate_once``) that reports its own wall time and peak RSS;
the figure kept is the median of ``--runs`` runs (ClickBench-style: every try is recorded).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from typing import Annotated

import typer

from bench.harness.machine import write_result
from bench.harness.tries import peak_rss_gib, run_json


def run_once(rows: int, file_format: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "bench.harness.generate_once", str(rows), file_format, out]
        return run_json(cmd)


def main(
    sizes: Annotated[str, typer.Option(help="Comma-separated: small, medium, large.")] = "small",
    runs: Annotated[int, typer.Option(help="Runs per case; the median is reported.")] = 3,
    file_format: Annotated[str, typer.Option("--format", help="csv, parquet or both.")] = "both",
) -> None:
    """Measure events/s and peak RSS of `etlstack generate` per size."""
    # here, not at the top: etlstack's every command imports this module to list it
    from python_engines.generator.config import SIZE_ROWS, Size

    cases = []
    for name in sizes.split(","):
        rows = SIZE_ROWS[Size(name.strip())]
        tries = [run_once(rows, file_format) for _ in range(runs)]
        seconds = statistics.median(t["seconds"] for t in tries)
        case = {
            "size": name,
            "rows": rows,
            "format": file_format,
            "tries": tries,
            "median_seconds": round(seconds, 2),
            "events_per_second": round(rows / seconds),
            "peak_rss_gib": peak_rss_gib(tries),
        }
        cases.append(case)
        typer.echo(
            f"{name:>6}: {rows:>11,} events  median {seconds:6.1f} s  "
            f"{case['events_per_second']:>9,} events/s  peak RSS {case['peak_rss_gib']} GiB"
        )
    path = write_result(
        "generator",
        ("polars", "numpy", "pyarrow", "faker"),
        method=f"fresh process per run, median of {runs}, wall time includes writing files",
        cases=cases,
    )
    typer.echo(f"results: {path}")
