"""Run the SQL stages on one engine: read → stages in order → the output tables as Arrow."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from python_engines.engines import open_engine
from python_engines.errors import EtlStackError
from python_engines.input_checks import CheckedInputs, checked
from python_engines.inputs import Inputs
from python_engines.reference import bucketed_ip_ranges
from python_engines.schema import CLEANSED, OUTPUTS, conform
from python_engines.settings import EngineSettings, PipelineSettings
from python_engines.transpile import last_readers, stage_names, stage_sql


@dataclass
class RunResult:
    engine: str
    rows_in: int
    tables: dict[str, pa.Table]
    seconds: dict[str, float] = field(default_factory=dict)  # read, each stage, fetch
    startup_seconds: float = 0.0
    # with a lakehouse: the input's rows that passed cleansing, and the stored rows re-read to
    # recompute the users the input touches (the tables then hold those users' rows too)
    cleansed: pa.Table | None = None
    rows_reloaded: int = 0

    def release(self) -> None:
        """Let go of the tables (a load in several runs keeps only each run's figures)."""
        self.tables = {name: table.schema.empty_table() for name, table in self.tables.items()}
        self.cleansed = None

    @property
    def rejected_by_reason(self) -> dict[str, int]:
        reasons = self.tables["rejected_events"].column("reason").value_counts().to_pylist()
        return {r["values"]: r["counts"] for r in sorted(reasons, key=lambda r: r["values"])}


def run_pipeline(
    engine_name: str,
    inputs: Inputs,
    pipeline: PipelineSettings | None = None,
    engine_settings: EngineSettings | None = None,
    on_step: Callable[[str], None] | None = None,
    reload_stored: Callable[[pa.Table], pa.Table | None] | None = None,
) -> RunResult:
    """``reload_stored`` (incremental runs): given the input's rows that passed cleansing, it
    returns the stored cleansed rows the later stages must see again (or None)."""
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
        )


def _run_checked(
    engine_name: str,
    ready: CheckedInputs,
    check_seconds: float,
    parameters: dict,
    engine_settings: EngineSettings | None,
    on_step: Callable[[str], None] | None,
    reload_stored: Callable[[pa.Table], pa.Table | None] | None,
) -> RunResult:
    engine = open_engine(engine_name, engine_settings)
    seconds: dict[str, float] = {"check": check_seconds}
    cleansed: pa.Table | None = None
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
        free_after = last_readers()
        for stage in stage_names():
            sql = stage_sql(stage, engine_name, parameters)
            timed(stage, lambda sql=sql, stage=stage: engine.materialize(stage, sql))
            if stage == "cleansed" and reload_stored is not None:
                cleansed, rows_reloaded = timed("reload", lambda: _reload(engine, reload_stored))
            for table, reader in free_after.items():  # intermediate tables nothing reads any more
                if reader == stage and table not in OUTPUTS and table not in registered:
                    engine.drop(table)
        tables = timed(
            "fetch",
            lambda: {name: conform(engine.fetch(name), schema) for name, schema in OUTPUTS.items()},
        )
    finally:
        engine.close()
    return RunResult(
        engine=engine_name,
        rows_in=rows_in,
        tables=tables,
        seconds=seconds,
        startup_seconds=getattr(engine, "startup_seconds", 0.0),
        cleansed=cleansed,
        rows_reloaded=rows_reloaded,
    )


def _reload(engine, reload_stored: Callable[[pa.Table], pa.Table | None]) -> tuple[pa.Table, int]:
    """Hand the passing rows out, add the stored rows handed back to the engine's ``cleansed``."""
    table = engine.fetch("cleansed")
    passing = conform(table.filter(pc.is_null(table["reject_reason"])), CLEANSED)
    stored = reload_stored(passing)
    if stored is None or stored.num_rows == 0:
        return passing, 0
    stored = stored.append_column("reject_reason", pa.nulls(stored.num_rows, pa.string()))
    engine.append("cleansed", stored.select(table.schema.names).cast(table.schema))
    return passing, stored.num_rows
