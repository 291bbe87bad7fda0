"""One engine's session through the SQL stages, step by step, for the layer above to compose:
read the input → the stages up to ``cleansed`` → (the lakehouse: hand out the rows that passed
and take back stored rows to cleanse again, or write the passing rows' files) → the remaining
stages → the outputs fetched or written. Every step is timed under its name; nothing here calls
back up.

A stage read once may be kept as a view and planned into that read (``plan``); ``cleansed`` is
always stored, since the lakehouse reads it between the two halves.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from python_engines.core.data_files import FileTarget
from python_engines.core.errors import EtlStackError
from python_engines.core.schema import CLEANSED, IDENTIFIED, OUTPUTS, conform, conform_frame
from python_engines.core.settings import EngineSettings, PipelineSettings
from python_engines.engines import Engine, open_engine
from python_engines.inputs.checks import CheckedInputs, checked
from python_engines.inputs.files import Inputs
from python_engines.pipeline.cleansed_rows import passing_rows, passing_sql, storage_sql
from python_engines.pipeline.plan import free_after, stages_as_views
from python_engines.reference import bucketed_ip_ranges
from python_engines.transpile import stage_names, stage_sql, transpile

# the rows that passed cleansing, as the lakehouse keeps them (pipeline/cleansed_rows.py)
PASSING_TABLE = "cleansed_events"
PASSING_KEYS = pa.schema([CLEANSED.field(name) for name in IDENTIFIED])
STORED_TABLE = "cleansed_stored"  # the stored rows a run recomputes, cleansed again
SPLIT_AFTER = "cleansed"  # the stage between the two halves


@contextmanager
def computation(
    engine_name: str,
    inputs: Inputs,
    pipeline: PipelineSettings | None = None,
    engine_settings: EngineSettings | None = None,
    on_step: Callable[[str], None] | None = None,
) -> Iterator[Computation]:
    """The input files checked (a refused file stops the run before any engine starts), then an
    engine session over them, closed when the block ends."""
    parameters = (pipeline or PipelineSettings()).sql_parameters()
    if on_step:
        on_step("check inputs")
    started = time.perf_counter()
    with checked(inputs) as ready:
        check_seconds = time.perf_counter() - started
        engine = open_engine(engine_name, engine_settings)
        try:
            yield Computation(engine, ready, parameters, on_step, {"check": check_seconds})
        finally:
            engine.close()


class Computation:
    def __init__(
        self,
        engine: Engine,
        ready: CheckedInputs,
        parameters: dict,
        on_step: Callable[[str], None] | None,
        seconds: dict[str, float],
    ) -> None:
        self.engine, self.ready, self.parameters = engine, ready, parameters
        self.on_step, self.seconds = on_step, seconds
        self.rows_in = 0
        self.rows: dict[str, int] = {}
        self.reasons: pa.Array | pa.ChunkedArray | None = None
        registered = ("ip_ranges", "malformed_lines")
        self.as_views = stages_as_views(outputs_only=engine.plans_views == "outputs")
        self.free_after = free_after(self.as_views, kept=set(registered))

    @property
    def name(self) -> str:
        return self.engine.name

    def timed(self, step: str, work: Callable[[], object]) -> object:
        if self.on_step:
            self.on_step(step)
        started = time.perf_counter()
        result = work()
        self.seconds[step] = time.perf_counter() - started
        return result

    def read(self) -> int:
        """The input rows, checked against the records the files hold; the malformed lines are
        rows in too (each becomes a reject: 04_rejected_events.sql)."""
        rows_read = self.timed("read", lambda: self.engine.load_raw(self.ready.inputs))
        if rows_read != self.ready.records:
            raise EtlStackError(
                f"{self.name} read {rows_read:,} rows from files that hold "
                f"{self.ready.records:,} records (a reader lost or split rows) — nothing was "
                "written"
            )
        self.rows_in = rows_read + self.ready.malformed.num_rows
        self.engine.register("ip_ranges", bucketed_ip_ranges().to_arrow())
        self.engine.register("malformed_lines", self.ready.malformed)
        return self.rows_in

    def until_cleansed(self) -> None:
        names = stage_names()
        for stage in names[: names.index(SPLIT_AFTER) + 1]:
            self._materialize(stage)

    def after_cleansed(self) -> None:
        names = stage_names()
        self._free(SPLIT_AFTER)  # what only cleansing read: the lakehouse's step has run
        for stage in names[names.index(SPLIT_AFTER) + 1 :]:
            self._materialize(stage)

    def _materialize(self, stage: str) -> None:
        sql = stage_sql(stage, self.name, self.parameters)
        once = stage in self.as_views
        self.timed(stage, lambda: self.engine.materialize(stage, sql, once))
        if stage != SPLIT_AFTER:
            self._free(stage)

    def _free(self, stage: str) -> None:
        for table in self.free_after.get(stage, ()):  # intermediate tables nothing reads any more
            self.engine.drop(table)

    # between the halves: what the lakehouse does with the rows that passed cleansing ----------

    def passing(self) -> pl.DataFrame:
        """The rows that passed cleansing, as the lakehouse stores them (``storage_sql``: the one
        definition of a ``cleansed_events`` row)."""
        self.engine.materialize(PASSING_TABLE, storage_sql(self.name), once=True)
        passing = conform_frame(self.engine.fetch_frame(PASSING_TABLE), CLEANSED)
        self.engine.drop(PASSING_TABLE)
        return passing

    def add_stored(self, stored: pa.Table | None) -> int:
        """Stored rows (their raw text, ``schema.RAW_EVENTS``) cleansed again by the same stage
        and added to ``cleansed``; their number. A stored row passed these rules when it was
        loaded; one that no longer does (rules changed since) is left out here, and the run then
        fails its rows-in = rows-out check, unwritten."""
        if stored is None or stored.num_rows == 0:
            return 0
        self.engine.drop("raw_events")  # the input's: cleansing has read them
        self.engine.register("raw_events", stored)
        cleanse = stage_sql(SPLIT_AFTER, self.name, self.parameters)
        self.engine.materialize(STORED_TABLE, cleanse, once=True)
        union = f"select * from cleansed union all {passing_rows('*', STORED_TABLE)}"
        self.engine.materialize("cleansed", transpile(union, self.name))
        self.engine.drop(STORED_TABLE)
        return stored.num_rows

    def write_passing(self, target: FileTarget) -> None:
        """The rows that passed cleansing written as ``cleansed_events`` files by the engine."""
        self.engine.write_parquet(storage_sql(self.name), target, input_order=True)

    def passing_keys(self, written: FileTarget) -> pl.LazyFrame:
        """The user, id and time of the rows that passed cleansing: from the engine's own
        frames, or else from the ``cleansed_events`` files it has just written."""
        if not self.engine.frames_in_process:
            files = written.files()  # none when no row passed
            rows = pl.scan_parquet(files) if files else pl.from_arrow(PASSING_KEYS.empty_table())
            return conform_frame(rows.lazy(), PASSING_KEYS)
        keys_sql = passing_sql(", ".join(IDENTIFIED), self.name)
        self.engine.materialize("passing_keys", keys_sql, once=True)
        keys = conform_frame(self.engine.fetch_frame("passing_keys"), PASSING_KEYS)
        self.engine.drop("passing_keys")
        return keys.lazy()

    # the outputs ----------------------------------------------------------------------------

    def fetch_tables(self) -> dict[str, pa.Table]:
        tables = self.timed(
            "fetch",
            lambda: {
                name: conform(self.engine.fetch(name), schema) for name, schema in OUTPUTS.items()
            },
        )
        self.rows = {name: table.num_rows for name, table in tables.items()}
        self.reasons = tables["rejected_events"].column("reason")
        return tables

    def fetch_frames(self) -> dict[str, pl.DataFrame]:
        """The outputs as Polars frames (Polars hands over its own, where Arrow would copy every
        string)."""
        frames = self.timed(
            "fetch",
            lambda: {
                name: conform_frame(self.engine.fetch_frame(name), schema)
                for name, schema in OUTPUTS.items()
            },
        )
        self.rows = {name: frame.height for name, frame in frames.items()}
        self.reasons = frames["rejected_events"].get_column("reason").to_arrow()
        return frames

    def write_outputs(self, targets: dict[str, FileTarget]) -> None:
        """Each output table written as Parquet files by the engine itself."""
        for name in OUTPUTS:
            self.timed(
                f"parquet {name}",
                lambda n=name: self.engine.write_parquet(f"select * from {n}", targets[n]),
            )
        files = {name: targets[name].files() for name in OUTPUTS}
        self.rows = {
            name: sum(pq.read_metadata(f).num_rows for f in paths) for name, paths in files.items()
        }
        self.reasons = pq.read_table(files["rejected_events"], columns=["reason"]).column(0)

    def rejected_by_reason(self) -> dict[str, int]:
        counts = sorted(self.reasons.value_counts().to_pylist(), key=lambda r: r["values"])
        return {r["values"]: r["counts"] for r in counts}
