"""Engine adapters: register inputs, run SQL, hand back Arrow. No business rules live here."""

from __future__ import annotations

from typing import Protocol

import polars as pl
import pyarrow as pa

from python_engines.core.data_files import FileTarget
from python_engines.core.errors import EtlStackError
from python_engines.core.settings import EngineSettings
from python_engines.inputs.files import Inputs
from python_engines.transpile import ENGINES


class Engine(Protocol):
    name: str
    # its tables are Polars frames of this process: ``fetch_frame`` copies nothing (else a
    # table just written is read back from its files rather than handed over)
    frames_in_process: bool
    # which stages it may keep as views planned into their one later read (the rest are
    # materialised): "outputs" (the output tables only) or "stages" (any stage read once)
    plans_views: str
    # seconds the engine took to be ready before any stage (a JVM for Spark; else 0)
    startup_seconds: float

    def load_raw(self, inputs: Inputs) -> int:
        """Register ``raw_events`` (the raw string columns + ``source_file``); return its rows."""

    def register(self, name: str, table: pa.Table) -> None:
        """Register an Arrow table under ``name``."""

    def materialize(self, name: str, sql: str, once: bool = False) -> None:
        """Run ``sql`` and keep the result as table ``name``. ``once``: a single later read
        takes the rows whole, so the engine may keep the query (a view) and plan it into that
        read instead of storing the rows."""

    def fetch(self, name: str) -> pa.Table:
        """A materialized table as Arrow."""

    def fetch_frame(self, name: str) -> pl.DataFrame:
        """A materialized table as a Polars frame (for the lakehouse, which works in Polars:
        Polars hands over its own frame, where Arrow would copy every string)."""

    def drop(self, name: str) -> None:
        """Free a materialized table no later stage reads."""

    def write_parquet(self, sql: str, target: FileTarget, input_order: bool = False) -> None:
        """Write the rows of ``sql`` as Parquet files under ``target.folder``, in the target's
        column order and types, one partition value per file (the engine's own writer).
        ``input_order``: the rows come as the input files hold them (a file holds a few days),
        not spread over every partition by a shuffle; the engine may write them as they come."""

    def close(self) -> None: ...


def check_engine_name(name: str) -> None:
    if name not in ENGINES:
        raise EtlStackError(f"unknown engine {name!r}: choose polars, spark or duckdb")


def open_engine(name: str, settings: EngineSettings | None = None) -> Engine:
    check_engine_name(name)
    settings = settings or EngineSettings()
    if name == "duckdb":
        from python_engines.engines.duckdb_engine import DuckDBEngine

        return DuckDBEngine(settings)
    if name == "polars":
        from python_engines.engines.polars_engine import PolarsEngine

        return PolarsEngine(settings)
    from python_engines.engines.spark_engine import SparkEngine

    return SparkEngine(settings)
