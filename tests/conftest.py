"""Shared fixtures: one small generated data set per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from python_engines.generator import GenerationReport, GeneratorConfig, generate

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("POLARS_ICEBERG_PLANNER", "pyiceberg")  # polars_iceberg is not installed

SMALL = GeneratorConfig(rows=100_000, days=30, incremental_days=3, seed=7)


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationReport]:
    out = tmp_path_factory.mktemp("raw")
    report = generate(SMALL.model_copy(update={"out": out}))
    return out, report


@pytest.fixture(scope="session")
def small_events(small_dataset: tuple[Path, GenerationReport]) -> pl.DataFrame:
    """Every row of the small data set, with the file it came from."""
    out, _ = small_dataset
    frames = [
        pl.read_parquet(path).with_columns(file=pl.lit(str(path.relative_to(out).with_suffix(""))))
        for path in sorted(out.glob("*/*.parquet"))
    ]
    return pl.concat(frames)


@pytest.fixture(scope="session")
def sidecar(small_dataset: tuple[Path, GenerationReport]) -> pl.DataFrame:
    return pl.read_csv(small_dataset[0] / "_dirty_rows.csv")


@pytest.fixture(scope="session")
def clean_events(small_events: pl.DataFrame, sidecar: pl.DataFrame) -> pl.DataFrame:
    """Rows the generator left clean (not named in the sidecar as dirty), typed."""
    dirty = sidecar.filter(pl.col("kind") != "late_arrival")["event_id"]
    return small_events.filter(~pl.col("event_id").is_in(dirty.implode())).with_columns(
        ts=pl.col("timestamp").str.to_datetime("%Y-%m-%d %H:%M:%S", time_zone="UTC")
    )


PARITY_FIXTURE = Path(__file__).parent / "fixtures" / "parity"
ETLSTACK = str(Path(sys.executable).with_name("etlstack"))  # the installed command, as users run it

# one job of one stage, four 1 s tasks on one slot, from 3 s to 7 s of a 10 s application:
# 6 s with no job running (the driver's), 4 s of tasks
ONE_STAGE_DIGEST = {
    "wall_ms": 10_000,
    "executors": {"driver": 1},
    "jobs": [[0, 3000, 7000, [0]]],
    "stages": [
        {
            "id": 0,
            "parents": [],
            "at": [3000, 7000],
            "tasks": [[3000, 4000], [4000, 5000], [5000, 6000], [6000, 7000]],
        }
    ],
    "summary": [],
}


# every hand-made try of a size agrees on its output tables (the harness's verification)
SAME_OUTPUT = {"events": "1:01", "rejected_events": "0:00", "sessions": "1:02"}


def bench_try(engine: str, rows: int, repeat: int, wall: float, rss: float, **extra) -> dict:
    """One hand-made try as results.json holds it: ``threads`` (2), ``cluster_workers`` (None),
    ``startup`` (0.5 s) and ``cpu`` (the wall) may be given; other keys are added as they are."""
    return {
        "engine": engine,
        "rows": rows,
        "repeat": repeat,
        "threads": extra.pop("threads", 2),
        "cluster_workers": extra.pop("cluster_workers", None),
        "wall_seconds": wall,
        "startup_seconds": extra.pop("startup", 0.5),
        "stages": {"read": wall * 0.2, "sessionized": wall * 0.6},
        "peak_rss_bytes": rss,
        "cpu_seconds": extra.pop("cpu", wall),
        "cpu_percent": 50.0,
        "events_per_second": rows / wall,
        "output_fingerprint": SAME_OUTPUT,
        "cold": repeat == 1,
        **extra,
    }


def bench_results(tries: list[dict], matrix: dict, versions: dict | None = None) -> dict:
    """A results.json's contents around hand-made tries: a 2-core, 24 GiB test machine."""
    machine = {"cpu": "test", "cores": 2, "memory_gib": 24.0, "python": "3.11", "os": "linux"}
    header = {
        "date": "2026-12-01T00:00:00+00:00",
        "machine": machine,
        "git_commit": "abc",
        "versions": versions or {"polars": "2.1.0"},
        "matrix": {"threads": [2], "seed": 42, "load": False, "cluster_workers": [], **matrix},
        "method": "synthetic",
    }
    return {"header": header, "tries": tries}


def etlstack(
    *args: str, cwd: Path | None = None, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess:
    """``etlstack ARGS`` as users run it, in its own process, on a wide terminal (no line of its
    output wrapped); ``env``: settings added to this environment."""
    return subprocess.run(
        [ETLSTACK, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "400", **env},
    )


def etlstack_run(
    engine: str, source: Path, warehouse: Path, **env: str
) -> subprocess.CompletedProcess:
    """``etlstack run`` in its own process (``env``: settings added to this environment)."""
    args = ["run", "--engine", engine, "--input", str(source), "--warehouse", str(warehouse)]
    return etlstack(*args, **env)


def git_in(folder: Path, *args: str) -> str:
    """git in a throwaway repository of a test (an identity given), its output stripped."""
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def one_error_line(done: subprocess.CompletedProcess, exit_code: int = 1) -> str:
    """The command failed as a user should see it: ``exit_code``, one ``error:`` line, no
    traceback (nor Rich's markup error); that line."""
    output = done.stdout + done.stderr
    assert done.returncode == exit_code, output
    assert "Traceback" not in output and "MarkupError" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), output
    return lines[0]


ENGINES = ["duckdb", "polars", "spark"]
# for @pytest.mark.parametrize("engine", ENGINE_PARAMS): Spark's cases are slow (a JVM, seconds
# per job), so `make test-fast` leaves them out
ENGINE_PARAMS = ["duckdb", "polars", pytest.param("spark", marks=pytest.mark.slow)]


class _RunOnFirstUse(dict):
    """engine → its run over the trap fixture, run when first asked for (a test of Polars alone
    does not start Spark)."""

    def __missing__(self, engine: str):
        from python_engines.inputs.discover import discover
        from python_engines.pipeline.stages import run_pipeline

        self[engine] = run_pipeline(engine, discover(PARITY_FIXTURE))
        return self[engine]


@pytest.fixture(scope="session")
def parity_results() -> dict:
    """Every engine's run over the hand-made trap fixture (one SparkSession for the session)."""
    return _RunOnFirstUse()


def sorted_rows(table) -> list[dict]:
    """A table's rows in a total order (every column), for row-for-row comparison."""
    frame = pl.from_arrow(table)
    return frame.sort(frame.columns, nulls_last=True).to_dicts()


@pytest.fixture(scope="session")
def postgres_uri():
    """A real PostgreSQL server on loopback, one for the test session (tests that need their own
    catalog create a database on it)."""
    from services import postgres_server

    with postgres_server() as uri:
        yield uri
