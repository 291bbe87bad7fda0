"""Iceberg loads per engine: the bulk history into an empty warehouse, then one daily file.

``etlstack bench lakehouse --input data/bench-medium --runs 1``. Each (engine, run) has a fresh
warehouse and a process per load, as a user runs them: the bulk command's wall time is timed
from outside, start to exit; per-step seconds come from the run log the load itself writes.

Each round also times the physical floor of the bulk (``floor_once``), in its own process, so a
load's time can be read as a multiple of it: this host's speed drifts by the minute between
quiet and busy spells (the rounds' range in bench/reports/lakehouse/report.md shows by how much),
and a ratio to work measured in the same round drifts less.
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

from bench.harness.machine import peak_rss_kib, write_result
from bench.harness.tries import peak_rss_gib, round_robin, run_json, step_medians
from bench.report_builder.iceberg_loads import write_report

ENGINES = ["polars", "duckdb", "spark"]
LOADS = ("bulk", "daily")
FLOOR = "floor"  # the round-robin's name for the floor's tries


def floor_once(bulk: str, folder: str) -> dict:
    """The physical floor of the bulk, as issue 15 set it: DuckDB reads the input files, sorts
    their rows by (user, timestamp, id) and writes them back as one Parquet file (zstd). No rule,
    no dedup, no catalog: what any load of these rows into sorted columnar files must at least
    do. The parent times the process, start to exit, like the bulk command."""
    import duckdb

    started = time.perf_counter()
    files = sorted(str(p) for p in Path(bulk).glob("*.parquet"))
    target = str(Path(folder) / "floor.parquet").replace("'", "''")
    (rows,) = (
        duckdb.connect()
        .execute(  # copy answers with the rows it wrote
            'copy (select * from read_parquet($files) order by user_id, "timestamp", event_id) '
            f"to '{target}' (format parquet, compression zstd)",
            {"files": files},
        )
        .fetchone()
    )
    return {"rows": rows, "seconds": round(time.perf_counter() - started, 3)}


def floor_command(bulk: Path) -> dict:
    """``floor_once`` in its own process, timed from outside (``command_seconds``)."""
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as folder:
        started = time.perf_counter()
        measured = run_json(
            [sys.executable, "-m", "bench.parts.iceberg_loads", "--floor-once", str(bulk), folder]
        )
        measured["command_seconds"] = round(time.perf_counter() - started, 3)
    return measured


def once(engine: str, path: str, warehouse: str) -> dict:
    """One load (``etlstack run``'s own path) in this process, which then exits: the parent
    times the whole command, this process its steps. ``committed_seconds``: from the process's
    start (interpreter, imports, engine start-up) to the committed run; the command's wall time
    adds the exit (``command_seconds`` minus ``committed_seconds`` in the result file; most of it
    the kernel taking back the memory the allocator still holds)."""
    from python_engines.core.process_tree import process_age_seconds
    from python_engines.inputs.discover import discover
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
                [
                    sys.executable,
                    "-m",
                    "bench.parts.iceberg_loads",
                    "--once",
                    engine,
                    str(path),
                    warehouse,
                ]
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
    floor: Annotated[
        bool,
        typer.Option(
            "--floor/--no-floor",
            help="Also time the bulk's physical floor each round (DuckDB read, sort, write).",
        ),
    ] = True,
    readme: Annotated[
        Path | None,
        typer.Option(help="Also rewrite this README's section between the lakehouse markers."),
    ] = None,
) -> None:
    """Time a bulk load and a daily load into Iceberg per engine; write bench/results/lakehouse-*
    and bench/reports/lakehouse/report.md."""
    bulk = input_path.resolve() / "bulk"
    daily = min((input_path.resolve() / "incremental").glob("*.parquet"))
    names = [e.strip() for e in engines.split(",")]
    tried = round_robin(
        ([FLOOR] if floor else []) + names,
        runs,
        lambda engine: _measure(engine, bulk, daily),
        lambda number, engine, tries: _echo_try(runs, number, engine, tries),
    )
    floors = tried.pop(FLOOR, [])
    floor_median = (
        round(statistics.median(t["command_seconds"] for t in floors), 2) if floors else None
    )
    cases = [_case(engine, tries, floors) for engine, tries in tried.items()]
    for case in cases:
        _echo_medians(runs, case, floors, floor_median)
    path = _write_results(bulk, daily, runs, cases, floors, floor_median)
    typer.echo(f"results: {path}")
    typer.echo(f"report: {write_report(path, readme)}")


def _measure(engine: str, bulk: Path, daily: Path) -> dict:
    """One try of a case: the floor, or an engine's bulk then daily load."""
    return floor_command(bulk) if engine == FLOOR else bulk_then_daily(engine, bulk, daily)


def _echo_try(runs: int, number: int, engine: str, tries: dict[str, list[dict]]) -> None:
    """One line for the try just done: the floor's seconds, or the loads' and their commits'."""
    if engine == FLOOR:
        typer.echo(
            f"round {number}/{runs}: {FLOOR:>8}: {tries[FLOOR][-1]['command_seconds']:.1f} s "
            "(DuckDB read, sort, write)"
        )
        return
    bulk_seconds, daily_seconds = (tries[engine][-1][load]["seconds"] for load in LOADS)
    typer.echo(
        f"round {number}/{runs}: {engine:>8}: bulk {bulk_seconds['total']:.1f} s, command "
        f"{tries[engine][-1]['bulk']['command_seconds']:.1f} s "
        f"(commit {bulk_seconds['commit']:.1f} s), daily {daily_seconds['total']:.2f} s "
        f"(commit {daily_seconds['commit']:.1f} s, engine start-up "
        f"{tries[engine][-1]['daily']['startup_seconds']:.1f} s)"
    )


def _case(engine: str, tries: list[dict], floors: list[dict]) -> dict:
    """An engine's tries with their medians, peak RSS and, with floors, floor multiples."""
    return {
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
        **({"bulk_command_floors": floor_multiples(tries, floors)} if floors else {}),
    }


def _echo_medians(runs: int, case: dict, floors: list[dict], floor_median: float | None) -> None:
    """An engine's medians over the runs and, with floors, its bulk command in floors."""
    bulk_seconds, daily_seconds = (case[f"{load}_median_seconds"] for load in LOADS)
    typer.echo(
        f"median of {runs}: {case['engine']:>8}: bulk command "
        f"{case['bulk_command_median_seconds']:.2f} s, bulk "
        f"{bulk_seconds['total']:.2f} s, daily {daily_seconds['total']:.2f} s "
        f"({100 * daily_seconds['total'] / bulk_seconds['total']:.1f} %), "
        f"peak RSS {case['peak_rss_gib']} GiB"
    )
    if floors:
        typer.echo(
            f"{'':>13}{case['engine']:>8}: bulk command = "
            f"{statistics.median(case['bulk_command_floors']):.2f}x the floor (median of the "
            f"rounds' ratios; the floor's median {floor_median:.2f} s)"
        )


def _write_results(
    bulk: Path,
    daily: Path,
    runs: int,
    cases: list[dict],
    floors: list[dict],
    floor_median: float | None,
) -> Path:
    """bench/results/lakehouse-*.json with every try, the cases' medians and the floor's."""
    return write_result(
        "lakehouse",
        ("polars", "duckdb", "pyspark", "pyiceberg"),
        input={"bulk": str(bulk), "daily": str(daily)},
        method=(
            "fresh warehouse per run, a process per load (bulk, then daily), engines "
            f"round-robin, median of {runs}"
        ),
        cases=cases,
        floor={"tries": floors, "command_median_seconds": floor_median} if floors else None,
    )


def floor_multiples(tries: list[dict], floors: list[dict]) -> list[float]:
    """Each round's bulk command as a multiple of the same round's floor."""
    return [
        round(t["bulk"]["command_seconds"] / f["command_seconds"], 3)
        for t, f in zip(tries, floors, strict=True)
    ]


if __name__ == "__main__":  # a load or the floor in its own process (the user's entry point is
    # etlstack bench lakehouse)
    if sys.argv[1:2] == ["--once"]:
        from python_engines.core.process_end import run_then_exit_quickly

        # ends as the etlstack command does (python_engines.cli.main)
        run_then_exit_quickly(lambda: print(json.dumps(once(*sys.argv[2:5]))))
    elif sys.argv[1:2] == ["--floor-once"]:
        print(json.dumps(floor_once(*sys.argv[2:4])))
