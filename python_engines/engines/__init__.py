"""Engine adapters: register inputs, run SQL, hand back Arrow. No business rules live here."""

from __future__ import annotations

from typing import Protocol

import pyarrow as pa

from python_engines.errors import EtlStackError
from python_engines.inputs import Inputs
from python_engines.settings import EngineSettings
from python_engines.transpile import ENGINES


class Engine(Protocol):
    name: str

    def load_raw(self, inputs: Inputs) -> int:
        """Register ``raw_events`` (the raw string columns + ``source_file``); return its rows."""

    def register(self, name: str, table: pa.Table) -> None:
        """Register an Arrow table under ``name``."""

    def append(self, name: str, table: pa.Table) -> int:
        """Add rows (in ``name``'s own column order and Arrow types) to a materialized table."""

    def materialize(self, name: str, sql: str) -> int:
        """Run ``sql`` and keep the result as table ``name``; return its rows."""

    def fetch(self, name: str) -> pa.Table:
        """A materialized table as Arrow."""

    def drop(self, name: str) -> None:
        """Free a materialized table no later stage reads."""

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
