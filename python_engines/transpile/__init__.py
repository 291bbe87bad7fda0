"""The business logic, once: SQL stage files (DuckDB dialect) → each engine's SQL via sqlglot.

The sqlglot work is in ``compiler``; its answers (strings and lists) are kept on disk between
processes (``memo``), so a command whose SQL has not changed does not import sqlglot at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from python_engines.core.errors import EtlStackError
from python_engines.transpile.memo import remembered

if TYPE_CHECKING:
    from sqlglot import exp

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
SOURCE_DIALECT = "duckdb"
ENGINES = ("polars", "spark", "duckdb")


@dataclass(frozen=True)
class Stage:
    order: int
    name: str
    path: Path


@cache
def stages() -> tuple[Stage, ...]:
    """The stages in run order: ``NN_name.sql`` files; each reads earlier stages by name."""
    found = []
    for path in sorted(SQL_DIR.glob("[0-9][0-9]_*.sql")):
        order, name = path.stem.split("_", 1)
        found.append(Stage(int(order), name, path))
    return tuple(found)


def stage_names() -> list[str]:
    return [s.name for s in stages()]


def _check_stage(name: str) -> None:
    if name not in stage_names():
        raise EtlStackError(f"unknown stage {name!r}: choose from {', '.join(stage_names())}")


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise EtlStackError(f"unknown engine {engine!r}: choose from {', '.join(ENGINES)}")


def _key(*parts: object) -> str:
    return json.dumps(parts, sort_keys=True, default=str)


def transpile(sql: str | exp.Expression, engine: str, parameters: dict | None = None) -> str:
    """SQL in the source dialect → the SQL that ``engine`` runs. Unsupported constructs raise."""
    _check_engine(engine)
    from_text = isinstance(sql, str)

    def compute() -> str:
        from python_engines.transpile import compiler

        return compiler.transpile(sql, engine, parameters or {})

    if not from_text:  # a tree made by the caller: nothing to key it by
        return compute()
    return remembered(_key("transpile", sql, engine, parameters or {}), compute)


def stage_sql(name: str, engine: str, parameters: dict) -> str:
    """A stage's SQL for ``engine``."""
    _check_engine(engine)
    _check_stage(name)

    def compute() -> str:
        from python_engines.transpile import compiler

        return compiler.stage_sql(name, engine, parameters)

    return remembered(_key("stage_sql", name, engine, parameters), compute)


def tables_read(name: str) -> set[str]:
    """The tables a stage reads (earlier stages or inputs), not its own CTEs."""
    _check_stage(name)

    def compute() -> list[str]:
        from python_engines.transpile import compiler

        return compiler.tables_read(name)

    return set(remembered(_key("tables_read", name), compute))


@cache
def stage_readers() -> dict[str, tuple[str, ...]]:
    """For each table a stage reads (earlier stages or inputs): the stages that read it, in run
    order."""
    readers: dict[str, list[str]] = {}
    for stage in stage_names():
        for table in sorted(tables_read(stage)):
            readers.setdefault(table, []).append(stage)
    return {table: tuple(stages) for table, stages in readers.items()}


def output_values(stage: str, column: str, reading: str | None = None) -> list[str]:
    """Every string literal a stage can give ``column`` (the literals inside the expressions
    aliased ``column``): the value sets of device, event type and reject reason, read from the one
    SQL definition so that checks downstream (Great Expectations, dbt) never keep a copy.
    ``reading``: only in the selects that read that table (one branch of a union)."""
    _check_stage(stage)

    def compute() -> list[str]:
        from python_engines.transpile import compiler

        return compiler.output_values(stage, column, reading)

    return list(remembered(_key("output_values", stage, column, reading), compute))


def derivation_sql(stage: str, column: str) -> str:
    """``derivation`` as SQL text in the source dialect."""
    _check_stage(stage)

    def compute() -> str:
        from python_engines.transpile import compiler

        return compiler.derivation(stage, column).sql(dialect=SOURCE_DIALECT)

    return remembered(_key("derivation_sql", stage, column), compute)
