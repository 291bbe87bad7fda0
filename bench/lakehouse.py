"""Iceberg loads per engine: the bulk history into an empty warehouse, then one daily file.

``python -m bench.lakehouse --input data/bench-medium --runs 1``. Each (engine, run) has a fresh
warehouse and a process per load, as a user runs them: the bulk command's wall time is timed
from outside, start to exit; per-step seconds come from the run log the load itself writes.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

from bench.machine import peak_rss_kib, write_result
from bench.tries import peak_rss_gib, round_robin, run_json, step_medians

ENGINES = ["polars", "duckdb", "spark"]
LOADS = ("bulk", "daily")


def once(engine: str, path: str, warehouse: str) -> dict:
    """One load (``etlstack run``'s own path) in this process, which then exits: the parent
    times the whole command, this process its steps. ``committed_seconds``: from the process's
    start (interpreter, imports, engine start-up) to the committed run; the command's wall time
    adds the exit (0.2 s after a 10M Polars bulk, most of it the kernel taking back the memory
    the allocator still holds)."""
    from bench.process_tree import process_age_seconds
    from python_engines.inputs import discover
    from python_engines.lakehouse.load import load

    started = time.perf_counter()
    report = load(engine, discover(Path(path)), Path(warehouse))
    seconds = dict(report.record.seconds)
    seconds["total"] = time.perf_counter() - started
    return {
        "rows_in": report.record.rows_in,
        "rows_recomputed": report.record.rows_recomputed,
        "sessions_replaced": report.record.sessions_replaced,
        "startup_seconds": round(report.result.startup_seconds, 3),
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "committed_seconds": round(process_age_seconds(), 3),
        "peak_rss_kib": peak_rss_kib(),
    }


def bulk_then_daily(engine: str, bulk: Path, daily: Path) -> dict:
    """The bulk into an empty warehouse, then the daily file, each its own process as a user
    runs them (``command_seconds``: the bulk process's wall time, start to exit). The daily's
    ``total`` is its load in its process; Spark's includes starting the session
    (``startup_seconds``), which the bulk's pays too."""
    with tempfile.TemporaryDirectory(prefix="bench-lake-") as warehouse:
        measured = {}
        for name, path in (("bulk", bulk), ("daily", daily)):
            started = time.perf_counter()
            measured[name] = run_json(
                [sys.executable, "-m", "bench.lakehouse", "--once", engine, str(path), warehouse]
            )
            measured[name]["command_seconds"] = round(time.perf_counter() - started, 3)
    measured["peak_rss_kib"] = max(measured[name]["peak_rss_kib"] for name in LOADS)
    return measured


def main(
    input_path: Annotated[Path, typer.Option("--input", help="Generated data folder.")] = Path(
        "data/raw"
    ),
    runs: Annotated[int, typer.Option(help="Runs per engine; medians are reported.")] = 1,
    engines: Annotated[str, typer.Option(help="Comma-separated engines.")] = ",".join(ENGINES),
) -> None:
    """Time a bulk load and a daily load into Iceberg per engine; write bench/results/lakehouse-*."""
    bulk = input_path.resolve() / "bulk"
    daily = min((input_path.resolve() / "incremental").glob("*.parquet"))

    def measure(engine: str) -> dict:
        return bulk_then_daily(engine, bulk, daily)

    def on_try(number: int, engine: str, tries: dict[str, list[dict]]) -> None:
        bulk_seconds, daily_seconds = (tries[engine][-1][load]["seconds"] for load in LOADS)
        typer.echo(
            f"round {number}/{runs}: {engine:>8}: bulk {bulk_seconds['total']:.1f} s, command "
            f"{tries[engine][-1]['bulk']['command_seconds']:.1f} s "
            f"(commit {bulk_seconds['commit']:.1f} s), daily {daily_seconds['total']:.2f} s "
            f"(commit {daily_seconds['commit']:.1f} s, engine start-up "
            f"{tries[engine][-1]['daily']['startup_seconds']:.1f} s)"
        )

    names = [e.strip() for e in engines.split(",")]
    cases = [
        {
            "engine": engine,
            "tries": tries,
            **{
                f"{load}_median_seconds": step_medians([t[load]["seconds"] for t in tries])
                for load in LOADS
            },
            "bulk_command_median_seconds": round(
                statistics.median(t["bulk"]["command_seconds"] for t in tries), 2
            ),
            "peak_rss_gib": peak_rss_gib(tries),
        }
        for engine, tries in round_robin(names, runs, measure, on_try).items()
    ]
    for case in cases:
        bulk_seconds, daily_seconds = (case[f"{load}_median_seconds"] for load in LOADS)
        typer.echo(
            f"median of {runs}: {case['engine']:>8}: bulk command "
            f"{case['bulk_command_median_seconds']:.2f} s, bulk "
            f"{bulk_seconds['total']:.2f} s, daily {daily_seconds['total']:.2f} s "
            f"({100 * daily_seconds['total'] / bulk_seconds['total']:.1f} %), "
            f"peak RSS {case['peak_rss_gib']} GiB"
        )
    path = write_result(
        "lakehouse",
        ("polars", "duckdb", "pyspark", "pyiceberg"),
        input={"bulk": str(bulk), "daily": str(daily)},
        method=(
            "fresh warehouse per run, a process per load (bulk, then daily), engines "
            f"round-robin, median of {runs}"
        ),
        cases=cases,
    )
    typer.echo(f"results: {path}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--once"]:
        from python_engines.process_end import run_then_exit_quickly

        # ends as the etlstack command does (python_engines.cli.main)
        run_then_exit_quickly(lambda: print(json.dumps(once(*sys.argv[2:5]))))
    else:
        typer.run(main)
