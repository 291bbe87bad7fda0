"""The business logic, once: SQL stage files (DuckDB dialect) → each engine's SQL via sqlglot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from python_engines.errors import EtlStackError
from python_engines.transpile import rewrites
from python_engines.transpile.polars_dialect import Polars

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
SOURCE_DIALECT = "duckdb"
ENGINES = ("polars", "spark", "duckdb")

Rewrite = Callable[[exp.Expression], exp.Expression]


@dataclass(frozen=True)
class EngineSql:
    dialect: str | type
    rewrites: tuple[Rewrite, ...] = ()


ENGINE_SQL: dict[str, EngineSql] = {
    "duckdb": EngineSql("duckdb", (rewrites.trim_only_when_needed,)),
    "spark": EngineSql("spark", (rewrites.epoch_us_as_unix_micros,)),
    "polars": EngineSql(Polars, (rewrites.epoch_us_as_bigint_cast, rewrites.fold_chr_constants)),
}


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


@cache
def parse_stage(name: str) -> exp.Expression:
    stage = next((s for s in stages() if s.name == name), None)
    if stage is None:
        raise EtlStackError(f"unknown stage {name!r}: choose from {', '.join(stage_names())}")
    return sqlglot.parse_one(stage.path.read_text(), read=SOURCE_DIALECT)


def transpile(sql: str | exp.Expression, engine: str, parameters: dict | None = None) -> str:
    """SQL in the source dialect → the SQL that ``engine`` runs. Unsupported constructs raise."""
    if engine not in ENGINE_SQL:
        raise EtlStackError(f"unknown engine {engine!r}: choose from {', '.join(ENGINES)}")
    target = ENGINE_SQL[engine]
    try:
        tree = sqlglot.parse_one(sql, read=SOURCE_DIALECT) if isinstance(sql, str) else sql.copy()
        tree = rewrites.bind_parameters(tree, parameters or {})
        for rewrite in target.rewrites:
            tree = rewrite(tree)
        return tree.sql(dialect=target.dialect, unsupported_level=ErrorLevel.RAISE, pretty=True)
    except SqlglotError as exc:
        raise EtlStackError(f"{engine}: {exc}") from None


def stage_sql(name: str, engine: str, parameters: dict) -> str:
    """A stage's SQL for ``engine`` (transpiled once per process: a load in several runs, or a
    bulk and its daily in one process, ask again; the ten stages cost 0.03-0.05 s)."""
    return _stage_sql(name, engine, tuple(sorted(parameters.items())))


@cache
def _stage_sql(name: str, engine: str, parameters: tuple) -> str:
    return transpile(parse_stage(name), engine, dict(parameters))


def tables_read(name: str) -> set[str]:
    """The tables a stage reads (earlier stages or inputs), not its own CTEs."""
    tree = parse_stage(name)
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    return {t.name for t in tree.find_all(exp.Table)} - ctes


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
    tree = parse_stage(stage)
    selects = [tree]
    if reading is not None:
        selects = [
            select
            for select in tree.find_all(exp.Select)
            if (source := select.args.get("from_")) is not None and source.this.name == reading
        ]
    values: set[str] = set()
    for select in selects:
        for alias in select.find_all(exp.Alias):
            if alias.alias == column:
                values |= {lit.this for lit in alias.this.find_all(exp.Literal) if lit.is_string}
    return sorted(values)


def derivation(stage: str, column: str) -> exp.Expression:
    """The one expression of a stage that derives ``column`` (an alias over anything but the
    bare column), e.g. how ``cleansed`` makes ``event_id`` out of the raw id: code outside the
    SQL that must match a stage's value applies this expression rather than a copy of it."""
    found = [
        alias.this
        for alias in parse_stage(stage).find_all(exp.Alias)
        if alias.alias == column and not isinstance(alias.this, exp.Column)
    ]
    if len(found) != 1:
        raise EtlStackError(f"stage {stage} derives {column} {len(found)} times, not once")
    return found[0]
