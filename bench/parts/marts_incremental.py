"""What a daily dbt build of the incremental marts costs against a full build of them.

``etlstack bench marts --input data/bench/rows-10000000-seed-42 --engine polars``
A fresh warehouse: the bulk loaded and the whole dbt project built (timed), then the first daily
file loaded. From that state, alternately (round-robin, each from the same copy of the DuckDB
file): ``dbt run`` of the incremental marts, and the same with ``--full-refresh``; one dbt
thread, so the models' own times add up. Each incremental build is checked equal to the full
refresh, row for row, before its time counts. Writes bench/results/marts-incremental-*.json.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from bench.harness.machine import write_result

ANALYTICS = "analytics.duckdb"


def main(
    input_path: Annotated[Path, typer.Option("--input", help="Generated data folder.")],
    engine: Annotated[str, typer.Option(help="The namespace to load: polars, duckdb or spark.")] = (
        "polars"
    ),
    tries: Annotated[int, typer.Option(min=1, help="Incremental and full builds each.")] = 3,
) -> None:
    """Time dbt's incremental marts after one daily file against a full build of them."""
    from python_engines.inputs.discover import discover
    from python_engines.lakehouse.load import load

    data = input_path.resolve()
    daily = sorted((data / "incremental").glob("*.parquet"))
    if not (data / "bulk").is_dir() or not daily:
        raise typer.BadParameter(f"{data} has no bulk/ folder or no incremental/*.parquet file")
    with tempfile.TemporaryDirectory(prefix="bench-marts-") as folder:
        warehouse = Path(folder) / "warehouse"
        dbt = _Dbt(warehouse, data, engine)
        load(engine, discover(data / "bulk", "parquet"), warehouse)
        first = dbt("build")
        load(engine, discover(daily[0], "parquet"), warehouse)
        marts = dbt.incremental_models()
        built = warehouse / ANALYTICS
        kept = Path(folder) / ANALYTICS
        shutil.copy(built, kept)  # the marts as the first build left them
        runs = []
        for attempt in range(tries):
            pair = {}
            for mode in ("incremental", "full"):
                shutil.copy(kept, built)
                extra = ["--full-refresh"] if mode == "full" else []
                pair[mode] = dbt("run", "--threads", "1", "--select", *marts, *extra)
                pair[mode]["rows"] = _mart_rows(built, marts)
            if pair["incremental"].pop("rows") != pair["full"].pop("rows"):
                raise typer.Exit(_say(f"try {attempt + 1}: incremental marts differ from full"))
            runs.append(pair)
            typer.echo(_try_line(attempt, pair))
    summary = _summary(runs)
    path = write_result(
        "marts-incremental",
        ("dbt-core", "dbt-duckdb", "duckdb", "polars", "pyiceberg"),
        input={"path": str(input_path), "daily_file": daily[0].name},
        method=(
            f"fresh warehouse ({engine}): bulk, whole dbt build, first daily file; then "
            f"{tries} round-robin pairs of dbt run --threads 1 of the incremental marts, "
            "incremental and --full-refresh, from the same DuckDB file; equal row for row"
        ),
        engine=engine,
        first_build=first,
        incremental_marts=marts,
        runs=runs,
        summary=summary,
    )
    typer.echo(_summary_line(summary) + f" → {path}")


class _Dbt:
    """dbt as the user runs it, from the repo root, on one warehouse (the arguments and settings
    ``etlstack marts`` gives it); timed by run_results.json."""

    def __init__(self, warehouse: Path, data: Path, engine: str) -> None:
        from python_engines.analytics.marts import PROJECT_DIR, MartsRequest

        self.request = MartsRequest("duckdb", engine, warehouse, data)
        self.project = PROJECT_DIR
        self.binary = str(Path(sys.executable).with_name("dbt"))
        self.env = {**os.environ, "ETLSTACK_WAREHOUSE": str(warehouse)}
        self.env["ETLSTACK_DATA_DIR"] = str(data)
        self.env.pop("DBT_PROFILES_DIR", None)

    def _run(self, command: str, *args: str) -> subprocess.CompletedProcess:
        from python_engines.analytics.marts import dbt_args

        request = replace(self.request, command=command)
        done = subprocess.run(
            [self.binary, *dbt_args(request), *args],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise typer.Exit(_say(f"dbt {command} failed:\n{done.stdout[-3000:]}"))
        return done

    def __call__(self, *args: str) -> dict:
        started = time.perf_counter()
        self._run(*args)
        wall = time.perf_counter() - started
        results = json.loads((self.project / "target/run_results.json").read_text())
        models = {
            r["unique_id"].split(".")[-1]: round(r["execution_time"], 3)
            for r in results["results"]
            if r["unique_id"].startswith("model.")
        }
        return {
            "models": models,
            "models_seconds": round(sum(models.values()), 3),
            "dbt_elapsed_seconds": round(results["elapsed_time"], 3),
            "wall_seconds": round(wall, 3),
        }

    def incremental_models(self) -> list[str]:
        done = self._run("ls", "--quiet", "--resource-type", "model", "--output", "name",
                         "--select", "config.materialized:incremental")  # fmt: skip
        return sorted(line.strip() for line in done.stdout.splitlines() if line.strip())


def _mart_rows(database: Path, marts: list[str]) -> dict[str, list]:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        return {
            mart: sorted(map(repr, con.execute(f'select * from marts."{mart}"').fetchall()))
            for mart in marts
        }


def _summary(runs: list[dict]) -> dict:
    median = {
        mode: statistics.median(r[mode]["models_seconds"] for r in runs)
        for mode in ("incremental", "full")
    }
    per_mart = {
        mart: {
            mode: statistics.median(r[mode]["models"][mart] for r in runs)
            for mode in ("incremental", "full")
        }
        for mart in runs[0]["full"]["models"]
    }
    return {
        "median_incremental_seconds": round(median["incremental"], 3),
        "median_full_seconds": round(median["full"], 3),
        "incremental_share_of_full": round(median["incremental"] / median["full"], 3),
        "per_mart_median_seconds": per_mart,
    }


def _try_line(attempt: int, pair: dict) -> str:
    parts = [f"{m} {pair[m]['models_seconds']:.2f} s" for m in ("incremental", "full")]
    return f"try {attempt + 1}: " + ", ".join(parts)


def _summary_line(summary: dict) -> str:
    return (
        f"incremental marts {summary['median_incremental_seconds']:.2f} s vs full "
        f"{summary['median_full_seconds']:.2f} s (medians): "
        f"{summary['incremental_share_of_full']:.0%} of a full build"
    )


def _say(message: str) -> int:
    typer.echo(message, err=True)
    return 1
