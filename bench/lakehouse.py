"""Iceberg loads per engine: the bulk history into an empty warehouse, then one daily file.

``python -m bench.lakehouse --input data/bench-medium --runs 1``. Each (engine, run) is a fresh
process with a fresh warehouse; per-step seconds come from the run log the load itself writes.
"""

from __future__ import annotations

import json
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


def once(engine: str, bulk: str, daily: str) -> dict:
    """Both loads in this process (the Spark start-up is paid once, as in production). The
    bulk's ``command_seconds``: from the process's start (interpreter, imports, engine start-up)
    to its committed run, what ``etlstack run`` on the bulk costs a user. The daily starts once
    the process is idle again (``settle_seconds``): a daily load runs on its own, not while the
    bulk's freed memory is still being handed back to the system."""
    from bench.process_tree import process_age_seconds, wait_until_idle
    from python_engines.inputs import discover
    from python_engines.lakehouse.load import load

    measured = {}
    with tempfile.TemporaryDirectory(prefix="bench-lake-") as warehouse:
        for name, path in (("bulk", bulk), ("daily", daily)):
            if name == "daily":
                measured["settle_seconds"] = round(wait_until_idle(), 3)
            started = time.perf_counter()
            report = load(engine, discover(Path(path)), Path(warehouse))
            seconds = dict(report.record.seconds)
            seconds["total"] = time.perf_counter() - started
            measured[name] = {
                "rows_in": report.record.rows_in,
                "rows_recomputed": report.record.rows_recomputed,
                "sessions_replaced": report.record.sessions_replaced,
                "startup_seconds": round(report.result.startup_seconds, 3),
                "seconds": {k: round(v, 3) for k, v in seconds.items()},
            }
            if name == "bulk":
                measured[name]["command_seconds"] = round(process_age_seconds(), 3)
                measured[name]["peak_rss_kib"] = peak_rss_kib()
    measured["peak_rss_kib"] = peak_rss_kib()
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
        return run_json(
            [sys.executable, "-m", "bench.lakehouse", "--once", engine, str(bulk), str(daily)]
        )

    def on_try(number: int, engine: str, tries: dict[str, list[dict]]) -> None:
        bulk_seconds, daily_seconds = (tries[engine][-1][load]["seconds"] for load in LOADS)
        typer.echo(
            f"round {number}/{runs}: {engine:>8}: bulk {bulk_seconds['total']:.1f} s, command "
            f"{tries[engine][-1]['bulk']['command_seconds']:.1f} s "
            f"(commit {bulk_seconds['commit']:.1f} s), daily {daily_seconds['total']:.1f} s "
            f"(commit {daily_seconds['commit']:.1f} s)"
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
            "peak_rss_gib": peak_rss_gib(tries),
        }
        for engine, tries in round_robin(names, runs, measure, on_try).items()
    ]
    for case in cases:
        bulk_seconds, daily_seconds = (case[f"{load}_median_seconds"] for load in LOADS)
        typer.echo(
            f"median of {runs}: {case['engine']:>8}: bulk {bulk_seconds['total']:.1f} s, "
            f"daily {daily_seconds['total']:.1f} s, peak RSS {case['peak_rss_gib']} GiB"
        )
    path = write_result(
        "lakehouse",
        ("polars", "duckdb", "pyspark", "pyiceberg"),
        input={"bulk": str(bulk), "daily": str(daily)},
        method=f"fresh process and warehouse per run, engines round-robin, median of {runs}",
        cases=cases,
    )
    typer.echo(f"results: {path}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--once"]:
        print(json.dumps(once(*sys.argv[2:5])))
    else:
        typer.run(main)
