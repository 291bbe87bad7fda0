"""Polars SQLContext: each stage is collected and re-registered as a DataFrame, unless one later
read takes it whole (``pipeline._stages_as_views``).

Registering LazyFrames and collecting dependent queries recomputes the upstream every time
(measured slower than collecting each stage once), so a stage that several later stages read is
materialised. A stage read once is kept as its query and planned into that read: geolocated into
sessionized (on the 10M bulk, the two together ran faster than with geolocated collected first,
compared in the same hour), the events output into its write.
"""

from __future__ import annotations

import os

import polars as pl
import pyarrow as pa

from python_engines.core.data_files import FileTarget, sink_files
from python_engines.core.schema import RAW_COLUMNS
from python_engines.core.settings import EngineSettings
from python_engines.inputs.files import Inputs


class PolarsEngine:
    name = "polars"
    frames_in_process = True
    plans_views = "stages"
    startup_seconds = 0.0

    def __init__(self, settings: EngineSettings) -> None:
        # Polars sizes its thread pool at import, from this variable; later changes are ignored.
        os.environ.setdefault("POLARS_MAX_THREADS", str(settings.threads))
        self.ctx = pl.SQLContext()
        self.frames: dict[str, pl.DataFrame | pl.LazyFrame] = {}

    def load_raw(self, inputs: Inputs) -> int:
        source = {str(f.path): f.source_file for f in inputs.files}
        if inputs.file_format == "csv":
            scan = pl.scan_csv(
                inputs.paths,
                infer_schema=False,
                include_file_paths="_path",
                schema={c: pl.Utf8 for c in RAW_COLUMNS},
            )
        else:
            scan = pl.scan_parquet(
                inputs.paths, include_file_paths="_path", hive_partitioning=False
            )
        path = pl.col("_path")
        if any(named != where for where, named in source.items()):  # else the path is its name
            path = path.replace_strict(source, return_dtype=pl.Utf8)
        raw = scan.select(*RAW_COLUMNS, source_file=path).collect()
        self._keep("raw_events", raw)
        return raw.height

    def register(self, name: str, table: pa.Table) -> None:
        self._keep(name, pl.from_arrow(table))

    def materialize(self, name: str, sql: str, once: bool = False) -> None:
        """``once``: the query, planned into the one later read (module docstring)."""
        self._keep(name, self.ctx.execute(sql, eager=not once))

    def fetch(self, name: str) -> pa.Table:
        return self.fetch_frame(name).to_arrow()

    def fetch_frame(self, name: str) -> pl.DataFrame:
        rows = self.frames[name]  # its own frame: no copy (to_arrow copies every string)
        return rows.collect() if isinstance(rows, pl.LazyFrame) else rows

    def drop(self, name: str) -> None:
        self.ctx.unregister(name)
        del self.frames[name]

    def write_parquet(self, sql: str, target: FileTarget, input_order: bool = False) -> None:
        """From the lazy query: a partitioned table's rows are held once (``sink_files``)."""
        sink_files(self.ctx.execute(sql, eager=False), target)

    def _keep(self, name: str, frame: pl.DataFrame | pl.LazyFrame) -> None:
        self.frames[name] = frame
        self.ctx.register(name, frame)

    def close(self) -> None:
        self.frames.clear()
