"""A load too big for one run's memory, as consecutive runs of at most about N input rows.

Each engine holds a run's input and its output tables in memory; a 100M-event history does not
fit in 24 GiB that way. Loaded as several runs (files in name order: the generator's, and a
landing zone's, names sort by day), it gives the same tables as one run — the invariant every
daily load already keeps — with memory bounded by the batch, the stored rows it recomputes and
the stored keys it checks.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow.parquet as pq

from python_engines.inputs.files import InputFile


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
