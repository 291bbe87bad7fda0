"""A load too big for one run's memory, as consecutive runs of at most about N input rows.

Each engine holds a run's input and its output tables in memory; a 100M-event history does not
fit in 24 GiB that way. Loaded as several runs (files in name order: the generator's, and a
landing zone's, names sort by day), it gives the same tables as one run — the invariant every
daily load already keeps — with memory bounded by the batch, the stored rows it recomputes and
the stored keys it checks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq

from python_engines.core.settings import EngineSettings, PipelineSettings
from python_engines.engines import check_engine_name
from python_engines.inputs.files import InputFile, Inputs
from python_engines.lakehouse.load import LoadReport, load_unlocked
from python_engines.lakehouse.run_lock import run_lock
from python_engines.lakehouse.store import RunRecord, Store


def file_rows(file: InputFile, file_format: str) -> int:
    """Data rows in a file: Parquet's footer, or a CSV's line count less its header (a quoted line
    break counts twice: batches are a memory budget, not an exact count)."""
    if file_format == "parquet":
        return pq.ParquetFile(file.path).metadata.num_rows
    lines = 0
    with file.path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


def plan_batches(
    files: Sequence[InputFile], file_format: str, max_rows: int
) -> list[tuple[InputFile, ...]]:
    """Consecutive files, in order, grouped so that a group holds at most ``max_rows`` rows
    (a file bigger than that is a group alone)."""
    batches: list[list[InputFile]] = []
    rows_in_last = 0
    for file in files:
        rows = file_rows(file, file_format)
        if not batches or rows_in_last + rows > max_rows:
            batches.append([])
            rows_in_last = 0
        batches[-1].append(file)
        rows_in_last += rows
    return [tuple(batch) for batch in batches]


def load_in_batches(
    engine_name: str,
    inputs: Inputs,
    warehouse: Path,
    batch_rows: int,
    catalog_uri: str | None = None,
    pipeline: PipelineSettings | None = None,
    engine_settings: EngineSettings | None = None,
    on_step: Callable[[str], None] | None = None,
    on_report: Callable[[LoadReport], None] | None = None,
    before_commit: Callable[[RunRecord, dict[str, int | None]], None] | None = None,
) -> list[LoadReport]:
    """The new files as consecutive runs of at most about ``batch_rows`` input rows each (one run
    when they fit). The files loaded before go with the first run, which checks their digests.
    ``on_report`` sees each run's report with its tables; when there are several runs, the
    returned reports keep only their figures (``RunResult.release``). One lock for all runs."""
    check_engine_name(engine_name)
    with run_lock(warehouse, engine_name, catalog_uri):
        return _load_batches(
            engine_name,
            inputs,
            warehouse,
            batch_rows,
            catalog_uri,
            pipeline,
            engine_settings,
            on_step,
            on_report,
            before_commit,
        )


def _load_batches(
    engine_name: str,
    inputs: Inputs,
    warehouse: Path,
    batch_rows: int,
    catalog_uri: str | None,
    pipeline: PipelineSettings | None,
    engine_settings: EngineSettings | None,
    on_step: Callable[[str], None] | None,
    on_report: Callable[[LoadReport], None] | None,
    before_commit: Callable[[RunRecord, dict[str, int | None]], None] | None,
) -> list[LoadReport]:
    loaded = Store(warehouse, engine_name, catalog_uri).loaded_files()
    seen = tuple(f for f in inputs.files if f.source_file in loaded)
    fresh = [f for f in inputs.files if f.source_file not in loaded]
    batches = plan_batches(fresh, inputs.file_format, batch_rows) if fresh else [()]
    reports = []
    for number, batch in enumerate(batches, start=1):
        step = on_step
        if on_step and len(batches) > 1:
            step = functools.partial(_in_batch, on_step, f"run {number}/{len(batches)}")
        files = seen + batch if number == 1 else batch
        batch_inputs = replace(inputs, files=files)
        report = load_unlocked(
            engine_name,
            batch_inputs,
            warehouse,
            catalog_uri,
            pipeline,
            engine_settings,
            step,
            before_commit,
        )
        if on_report:
            on_report(report)
        if report.result is not None and len(batches) > 1:
            report.result.release()
        reports.append(report)
    return reports


def _in_batch(on_step: Callable[[str], None], batch: str, step: str) -> None:
    on_step(f"{batch}: {step}")
