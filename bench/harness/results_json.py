"""``results.json``: a header (machine, versions, git commit, date, matrix, method) and the list of
tries — the contract the report and other tools read. A dated copy goes to bench/results/."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bench.harness.machine import (
    RESULTS,
    describe_machine,
    git_commit,
    package_versions,
    results_json,
)
from bench.harness.matrix import Matrix
from python_engines.core.errors import EtlStackError
from python_engines.core.security import mask_uris_in

PACKAGES = ("polars", "duckdb", "pyspark", "sqlglot", "pyiceberg", "numpy", "scipy", "matplotlib")
TRY_FIELDS = (
    "engine",
    "rows",
    "repeat",
    "threads",
    "wall_seconds",
    "startup_seconds",
    "stages",
    "peak_rss_bytes",
    "cpu_seconds",
    "cpu_percent",
    "events_per_second",
    "output_fingerprint",
)
METHOD = (
    "Each try is a fresh process (python -m bench.harness.measure_once) on Parquet input generated once "
    "per (rows, seed) and reused. Within a round every case runs once, in the same order "
    "(round-robin): the host's speed drifts, so a slow spell hits every case alike. Round 1 is "
    "labelled cold (the first run of each case over this input), later rounds warm; the one try "
    "that ran right after the input was generated is marked first_after_generation. wall_seconds runs from the try's process start to its "
    "output tables in memory (with --load: committed to Iceberg); process_seconds adds the "
    "interpreter's exit and the output hashing, as the harness sees it; startup_seconds is process start to engine ready (interpreter, imports, Spark session); "
    "stages are the engine's own step timings (read, each SQL stage, fetch to Arrow; with --load "
    "also reload, compare, write). Output fingerprints are taken after the figures and are not "
    "timed; all cases of a size must agree before times are kept. peak_rss_bytes is the sum of "
    "each process's peak (driver, JVM, executors): an upper bound of the tree's peak."
)


def header(matrix: Matrix, started: datetime) -> dict:
    return {
        "benchmark": "etlstack-bench",
        "date": started.isoformat(timespec="seconds"),
        "machine": describe_machine(),
        "versions": package_versions(*PACKAGES),
        "git_commit": git_commit(),
        "matrix": matrix.model_dump(),
        "method": METHOD,
    }


class ResultsWriter:
    """Rewrites ``DIR/results.json`` and its dated copy after every round: a long run that is
    stopped keeps what it measured."""

    def __init__(self, out: Path, matrix: Matrix, archive: Path | None = RESULTS) -> None:
        self.started = datetime.now(UTC)
        self.path = out / "results.json"
        self.copy = archive / f"bench-{self.started:%Y%m%dT%H%M%S}.json" if archive else None
        self.header = header(matrix, self.started)
        out.mkdir(parents=True, exist_ok=True)
        if archive:
            archive.mkdir(parents=True, exist_ok=True)

    def save(self, tries: list[dict], verified: list[int]) -> None:
        text = results_json(
            {"header": {**self.header, "verified_rows": verified}, "tries": tries}, indent=1
        )
        self.path.write_text(text)
        if self.copy:
            self.copy.write_text(text)


def read_results(path: Path) -> dict:
    path = path / "results.json" if path.is_dir() else path
    try:
        results = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise EtlStackError(f"cannot read bench results {path}: {exc}") from None
    if not isinstance(results, dict) or "tries" not in results or "header" not in results:
        raise EtlStackError(f"{path} is not an etlstack bench results file (no header/tries)")
    return mask_uris_in(results)  # a file written before masking: its report shows no password
