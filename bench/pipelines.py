"""Engines side by side: ``python -m bench.pipelines --input data/raw --runs 3``.

Each run is a fresh process (``bench.pipeline_once``); per-step medians over the runs are kept,
every try is recorded. Before timing, the native Polars baseline's tables are checked equal to
the SQL path's (a timing of wrong answers is worthless).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from bench.machine import write_result
from bench.tries import peak_rss_gib, round_robin, run_json, step_medians
from python_engines.inputs import discover
from python_engines.pipeline import run_pipeline

ENGINES = ["duckdb", "polars", "native-polars", "spark"]


def run_once(engine: str, folder: Path, file_format: str) -> dict:
    return run_json([sys.executable, "-m", "bench.pipeline_once", engine, str(folder), file_format])


def check_native_matches_sql(folder: Path, file_format: str) -> None:
    """On the first three files (about a tenth of the data: both pipelines in one process would
    double the memory), the native tables must equal the SQL path's."""
    from dataclasses import replace

    from bench.native_polars import run

    inputs = discover(folder, file_format)
    inputs = replace(inputs, files=inputs.files[:3])
    sql_tables = run_pipeline("polars", inputs).tables
    native_tables = run(inputs)
    for name, table in sql_tables.items():
        a, b = pl.from_arrow(table), pl.from_arrow(native_tables[name])
        if not a.sort(a.columns, nulls_last=True).equals(b.sort(b.columns, nulls_last=True)):
            raise SystemExit(f"native Polars differs from the SQL path on {name}: not timing it")


def _save(cases: list[dict], folder: Path, file_format: str, runs: int, path: Path | None) -> Path:
    """Write (or rewrite) the result file after every try: a long run that is stopped keeps
    what it measured."""
    rows_in = sum(cases[0]["rows"][t] for t in ("events", "rejected_events"))
    fields = {
        "input": {"path": str(folder), "format": file_format, "rows": rows_in},
        "method": (
            f"fresh process per run, engines round-robin, median of {runs}; "
            "Spark start-up excluded from total; peak RSS includes the Spark JVM"
        ),
        "cases": cases,
    }
    if path is not None:
        path.unlink(missing_ok=True)
    return write_result("pipelines", ("polars", "duckdb", "pyspark", "sqlglot"), **fields)


def _case(engine: str, tries: list[dict]) -> dict:
    """Per-step medians over an engine's tries, with every try kept."""
    return {
        "engine": engine,
        "rows": tries[0]["rows"],
        "median_seconds": step_medians([t["seconds"] for t in tries]),
        "median_startup_seconds": round(statistics.median(t["startup_seconds"] for t in tries), 2),
        "peak_rss_gib": peak_rss_gib(tries),
        "tries": tries,
    }


def _line(case: dict) -> str:
    median = case["median_seconds"]
    detail = "  ".join(f"{k} {v:.2f}" for k, v in median.items() if k != "total")
    return (
        f"{case['engine']:>14}: total {median['total']:6.2f} s  (start-up "
        f"{case['median_startup_seconds']:.1f} s)  peak RSS {case['peak_rss_gib']} GiB  | {detail}"
    )


def main(
    input_path: Annotated[Path, typer.Option("--input", help="Generated data folder.")] = Path(
        "data/raw"
    ),
    file_format: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    runs: Annotated[int, typer.Option(help="Runs per engine; medians are reported.")] = 3,
    engines: Annotated[str, typer.Option(help="Comma-separated engines.")] = ",".join(ENGINES),
) -> None:
    """Time every engine per step on the same input and write bench/results/pipelines-*.json."""
    names = [e.strip() for e in engines.split(",")]
    if "native-polars" in names:
        check_native_matches_sql(input_path, file_format)
        typer.echo("native Polars tables == SQL path tables: ok")
    saved: list[Path] = []

    def on_try(number: int, engine: str, tries: dict[str, list[dict]]) -> None:
        typer.echo(f"round {number}/{runs}: {_line(_case(engine, tries[engine][-1:]))}")
        cases = [_case(e, t) for e, t in tries.items() if t]
        saved[:] = [_save(cases, input_path, file_format, runs, saved[0] if saved else None)]

    tries = round_robin(
        names, runs, lambda engine: run_once(engine, input_path, file_format), on_try
    )
    path = saved[0]
    for engine, engine_tries in tries.items():
        typer.echo(f"median of {runs}: {_line(_case(engine, engine_tries))}")
    typer.echo(f"results: {path}")


if __name__ == "__main__":
    typer.run(main)
