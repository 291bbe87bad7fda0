"""Run the SQL stages on one engine: read → stages in order → the output tables as Arrow."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from python_engines.core.data_files import FileTarget
from python_engines.core.errors import EtlStackError
from python_engines.core.schema import CLEANSED, IDENTIFIED, OUTPUTS, conform, conform_frame
from python_engines.core.settings import EngineSettings, PipelineSettings
from python_engines.engines import open_engine
from python_engines.inputs.checks import CheckedInputs, checked
from python_engines.inputs.files import Inputs
from python_engines.pipeline.cleansed_rows import passing_rows, passing_sql, storage_sql
from python_engines.reference import bucketed_ip_ranges
from python_engines.transpile import stage_names, stage_readers, stage_sql, transpile


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
    reload_stored: Callable[[pl.DataFrame], pa.Table | None] | None = None,
    write_to: dict[str, FileTarget] | None = None,
    frames: bool = False,
    hand_out_keys: Callable[[pl.LazyFrame], None] | None = None,
) -> RunResult:
    """``reload_stored`` (incremental runs): given the input's rows that passed cleansing, it
    returns the raw text of the stored rows the later stages must see again (or None); the
    engine cleanses them again.
    ``write_to`` (a first load, where nothing stored can change): the engine writes the output
    tables, and ``cleansed_events`` (the rows that passed cleansing), as Parquet files itself,
    and the result holds their row counts instead of the tables; ``hand_out_keys`` then gets
    the ``user_id, event_id, event_ts`` of those rows (the lakehouse keys them: ``event_keys``).
    ``frames``: the result holds the output tables as Polars frames (the lakehouse works on these; Polars hands over its own,
    where Arrow would copy every string)."""
    parameters = (pipeline or PipelineSettings()).sql_parameters()
    if on_step:
        on_step("check inputs")
    started = time.perf_counter()
    with checked(inputs) as ready:  # a refused file stops the run before any engine starts
        return _run_checked(
            engine_name,
            ready,
            time.perf_counter() - started,
            parameters,
            engine_settings,
            on_step,
            reload_stored,
            write_to,
            frames,
            hand_out_keys,
        )


def _run_checked(
    engine_name: str,
    ready: CheckedInputs,
    check_seconds: float,
    parameters: dict,
    engine_settings: EngineSettings | None,
    on_step: Callable[[str], None] | None,
    reload_stored: Callable[[pl.DataFrame], pa.Table | None] | None,
    write_to: dict[str, FileTarget] | None,
    frames: bool,
    hand_out_keys: Callable[[pl.LazyFrame], None] | None,
) -> RunResult:
    engine = open_engine(engine_name, engine_settings)
    seconds: dict[str, float] = {"check": check_seconds}
    cleansed: pl.DataFrame | None = None
    rows_reloaded = 0

    def timed(step: str, work: Callable[[], object]) -> object:
        if on_step:
            on_step(step)
        started = time.perf_counter()
        result = work()
        seconds[step] = time.perf_counter() - started
        return result

    try:
        # the malformed lines are rows in too: each becomes a reject (04_rejected_events.sql)
        rows_read = timed("read", lambda: engine.load_raw(ready.inputs))
        if rows_read != ready.records:
            raise EtlStackError(
                f"{engine_name} read {rows_read:,} rows from files that hold {ready.records:,} "
                "records (a reader lost or split rows) — nothing was written"
            )
        rows_in = rows_read + ready.malformed.num_rows
        registered = {
            "ip_ranges": bucketed_ip_ranges().to_arrow(),
            "malformed_lines": ready.malformed,
        }
        for name, table in registered.items():
            engine.register(name, table)
        as_views = _stages_as_views(outputs_only=engine.plans_views == "outputs")
        free_after = _free_after(as_views, kept=set(registered))
        for stage in stage_names():
            sql = stage_sql(stage, engine_name, parameters)
            once = stage in as_views
            timed(
                stage, lambda sql=sql, stage=stage, once=once: engine.materialize(stage, sql, once)
            )
            if stage == "cleansed" and reload_stored is not None:
                cleansed, rows_reloaded = timed(
                    "reload", lambda: _reload(engine, engine_name, parameters, reload_stored)
                )
            if stage == "cleansed" and write_to is not None:
                target = write_to[PASSING_TABLE]
                timed(
                    f"parquet {PASSING_TABLE}",
                    lambda target=target: engine.write_parquet(storage_sql(engine_name), target),
                )
                if hand_out_keys is not None:
                    timed(
                        "keys",
                        lambda target=target: hand_out_keys(
                            _passing_keys(engine, engine_name, target)
                        ),
                    )
            for table in free_after.get(stage, ()):  # intermediate tables nothing reads any more
                engine.drop(table)
        frames_out: dict[str, pl.DataFrame] = {}
        if write_to is None and frames:
            tables = {}
            frames_out = timed(
                "fetch",
                lambda: {
                    name: conform_frame(engine.fetch_frame(name), schema)
                    for name, schema in OUTPUTS.items()
                },
            )
            rows = {name: frame.height for name, frame in frames_out.items()}
            reasons = frames_out["rejected_events"].get_column("reason").to_arrow()
        elif write_to is None:
            tables = timed(
                "fetch",
                lambda: {
                    name: conform(engine.fetch(name), schema) for name, schema in OUTPUTS.items()
                },
            )
            rows = {name: table.num_rows for name, table in tables.items()}
            reasons = tables["rejected_events"].column("reason")
        else:
            tables = {}
            for name in OUTPUTS:
                timed(
                    f"parquet {name}",
                    lambda n=name: engine.write_parquet(f"select * from {n}", write_to[n]),
                )
            files = {name: write_to[name].files() for name in OUTPUTS}
            rows = {
                name: sum(pq.read_metadata(f).num_rows for f in paths)
                for name, paths in files.items()
            }
            reasons = pq.read_table(files["rejected_events"], columns=["reason"]).column(0)
    finally:
        engine.close()
    return RunResult(
        engine=engine_name,
        rows_in=rows_in,
        tables=tables,
        seconds=seconds,
        startup_seconds=engine.startup_seconds,
        cleansed=cleansed,
        rows_reloaded=rows_reloaded,
        rows=rows,
        rejected_by_reason={
            r["values"]: r["counts"]
            for r in sorted(reasons.value_counts().to_pylist(), key=lambda r: r["values"])
        },
        frames=frames_out,
    )


def _stages_as_views(outputs_only: bool = False) -> set[str]:
    """The stages an engine that plans views may keep as queries: one later read takes them
    whole, and keeping them holds no other table longer — the next stage reads them, or (an
    output, read when the outputs are fetched or written) every table they read is read again
    by a later stage anyway. ``cleansed`` is also handed out, so it is always stored."""
    names = stage_names()
    readers = stage_readers()
    views = set()
    for position, stage in enumerate(names):
        reads = readers.get(stage, ())
        if stage == "cleansed" or len(reads) + (stage in OUTPUTS) > 1:
            continue
        if stage in OUTPUTS:
            inputs = [t for t, by in readers.items() if stage in by]
            if all(by[-1] != stage for t, by in readers.items() if t in inputs):
                views.add(stage)
        elif not outputs_only and reads == tuple(names[position + 1 : position + 2]):
            views.add(stage)
    return views


def _free_after(as_views: set[str], kept: set[str]) -> dict[str, list[str]]:
    """stage → the intermediate tables to drop once it is computed: after every stage that
    reads them is. A view's rows are computed where it is read (an output's: at the end).
    ``kept``: registered tables, never dropped."""
    names = stage_names()
    readers = stage_readers()

    def computed_at(stage: str) -> int:
        if stage not in as_views:
            return names.index(stage)
        if stage in OUTPUTS:
            return len(names)
        return computed_at(readers[stage][0])

    free: dict[str, list[str]] = {}
    for table, by in readers.items():
        at = max(computed_at(s) for s in by)
        if table not in OUTPUTS and table not in kept and at < len(names):
            free.setdefault(names[at], []).append(table)
    return free


# the rows that passed cleansing, as the lakehouse keeps them (python_engines/pipeline/cleansed_rows.py)
PASSING_TABLE = "cleansed_events"


def _passing_keys(engine, engine_name: str, written: FileTarget) -> pl.LazyFrame:
    """The user, id and time of the rows that passed cleansing (as ``storage_sql`` stores them):
    from the engine's own frames, or else from the ``cleansed_events`` files it has just
    written (for the 10M bulk, this hand-over took Spark longer than DuckDB)."""
    if not engine.frames_in_process:
        files = written.files()  # none when no row passed
        rows = pl.scan_parquet(files) if files else pl.from_arrow(PASSING_KEYS.empty_table()).lazy()
        return conform_frame(rows, PASSING_KEYS)
    engine.materialize("passing_keys", passing_sql(", ".join(IDENTIFIED), engine_name), once=True)
    keys = conform_frame(engine.fetch_frame("passing_keys"), PASSING_KEYS)
    engine.drop("passing_keys")
    return keys.lazy()


PASSING_KEYS = pa.schema([CLEANSED.field(name) for name in IDENTIFIED])


def _reload(
    engine,
    engine_name: str,
    parameters: dict,
    reload_stored: Callable[[pl.DataFrame], pa.Table | None],
) -> tuple[pl.DataFrame, int]:
    """Hand the passing rows out as the lakehouse stores them (``storage_sql``: the one
    definition of a ``cleansed_events`` row). The stored rows handed back are their raw text
    (``schema.RAW_EVENTS``): the engine cleanses them again, by the same stage, and adds
    them to its ``cleansed``."""
    engine.materialize(PASSING_TABLE, storage_sql(engine_name), once=True)
    passing = conform_frame(engine.fetch_frame(PASSING_TABLE), CLEANSED)
    engine.drop(PASSING_TABLE)
    stored = reload_stored(passing)  # reads the keys only, which are stored as they are
    if stored is None or stored.num_rows == 0:
        return passing, 0
    engine.drop("raw_events")  # the input's: cleansing has read them
    engine.register("raw_events", stored)
    engine.materialize(STORED_TABLE, stage_sql("cleansed", engine_name, parameters), once=True)
    # a stored row passed these rules when it was loaded; one that no longer does (rules changed
    # since) is left out here, and the run then fails its rows-in = rows-out check, unwritten
    engine.materialize("cleansed", _with_stored_sql(engine_name))
    engine.drop(STORED_TABLE)
    return passing, stored.num_rows


STORED_TABLE = "cleansed_stored"  # the stored rows a run recomputes, cleansed again


def _with_stored_sql(engine_name: str) -> str:
    return transpile(
        f"select * from cleansed union all {passing_rows('*', STORED_TABLE)}", engine_name
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
