"""A run of the SQL stages on one engine and what it gives: ``RunResult``, ``run_pipeline`` (the
whole pipeline, for a caller without a lakehouse) and the nothing-lost check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
import pyarrow as pa

from python_engines.core.errors import EtlStackError
from python_engines.core.settings import EngineSettings, PipelineSettings
from python_engines.inputs.files import Inputs
from python_engines.pipeline.computation import Computation, computation


@dataclass
class RunResult:
    engine: str
    rows_in: int
    tables: dict[str, pa.Table]
    seconds: dict[str, float] = field(default_factory=dict)  # read, each stage, fetch
    startup_seconds: float = 0.0
    # with a lakehouse: the input's rows that passed cleansing (as cleansed_events stores them:
    # cleansed_rows.storage_sql), and the stored rows re-read to
    # recompute the users the input touches (the tables then hold those users' rows too)
    cleansed: pl.DataFrame | None = None
    rows_reloaded: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # rows of each output table
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    # with ``frames``: the output tables as Polars frames, in the same types (``tables`` is empty)
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)

    def release(self) -> None:
        """Let go of the tables (a load in several runs keeps only each run's figures)."""
        self.tables = {name: table.schema.empty_table() for name, table in self.tables.items()}
        self.frames = {name: frame.clear() for name, frame in self.frames.items()}
        self.cleansed = None


def run_pipeline(
    engine_name: str,
    inputs: Inputs,
    pipeline: PipelineSettings | None = None,
    engine_settings: EngineSettings | None = None,
    on_step: Callable[[str], None] | None = None,
    frames: bool = False,
) -> RunResult:
    """The whole pipeline on one engine: the output tables as Arrow, or with ``frames`` as Polars
    frames (``result.frames``). The lakehouse composes the same steps itself
    (``computation``), with its own work between the two halves."""
    with computation(engine_name, inputs, pipeline, engine_settings, on_step) as run:
        run.read()
        run.until_cleansed()
        run.after_cleansed()
        if frames:
            return result_of(run, frames=run.fetch_frames())
        return result_of(run, tables=run.fetch_tables())


def result_of(
    run: Computation,
    tables: dict[str, pa.Table] | None = None,
    frames: dict[str, pl.DataFrame] | None = None,
    cleansed: pl.DataFrame | None = None,
    rows_reloaded: int = 0,
) -> RunResult:
    """A finished computation's figures, with the outputs the caller took from it."""
    return RunResult(
        engine=run.name,
        rows_in=run.rows_in,
        tables=tables or {},
        seconds=run.seconds,
        startup_seconds=run.engine.startup_seconds,
        cleansed=cleansed,
        rows_reloaded=rows_reloaded,
        rows=run.rows,
        rejected_by_reason=run.rejected_by_reason(),
        frames=frames or {},
    )


def check_nothing_lost(result: RunResult) -> None:
    """Rows in (plus stored rows re-read) = rows in events + rows in rejected_events, or the run
    fails loudly."""
    events = result.rows["events"]
    rejected = result.rows["rejected_events"]
    if events + rejected != result.rows_in + result.rows_reloaded:
        raise EtlStackError(
            f"{result.engine}: {result.rows_in + result.rows_reloaded:,} rows in but {events:,} "
            f"events + {rejected:,} rejected — rows were lost; nothing was written"
        )
