"""Run the SQL stages on one engine: read → stages in order → the output tables as Arrow."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa

from python_engines.engines import open_engine
from python_engines.inputs import Inputs
from python_engines.reference import bucketed_ip_ranges
from python_engines.schema import OUTPUTS, conform
from python_engines.settings import EngineSettings, PipelineSettings
from python_engines.transpile import last_readers, stage_names, stage_sql


@dataclass
class RunResult:
    engine: str
    rows_in: int
    tables: dict[str, pa.Table]
    seconds: dict[str, float] = field(default_factory=dict)  # read, each stage, fetch
    startup_seconds: float = 0.0

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
) -> RunResult:
    parameters = (pipeline or PipelineSettings()).sql_parameters()
    engine = open_engine(engine_name, engine_settings)
    seconds: dict[str, float] = {}

    def timed(step: str, work: Callable[[], object]) -> object:
        if on_step:
            on_step(step)
        started = time.perf_counter()
        result = work()
        seconds[step] = time.perf_counter() - started
        return result

    try:
        rows_in = timed("read", lambda: engine.load_raw(inputs))
        engine.register("ip_ranges", bucketed_ip_ranges().to_arrow())
        free_after = last_readers()
        for stage in stage_names():
            sql = stage_sql(stage, engine_name, parameters)
            timed(stage, lambda sql=sql, stage=stage: engine.materialize(stage, sql))
            for table, reader in free_after.items():  # intermediate tables nothing reads any more
                if reader == stage and table not in OUTPUTS and table != "ip_ranges":
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
    )
