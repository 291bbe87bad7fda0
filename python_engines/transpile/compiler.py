"""The sqlglot work behind ``python_engines.transpile``: parse the stage files, rewrite them for an
engine and generate its SQL; read what the stages read and the values they write.

Only ``python_engines.transpile`` imports this module, and only when its on-disk memo
(``memo``) does not already hold the answer: a warm command never imports sqlglot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from python_engines.core.errors import EtlStackError
from python_engines.transpile import SOURCE_DIALECT, rewrites, stages
from python_engines.transpile.polars_dialect import Polars

Rewrite = Callable[[exp.Expression], exp.Expression]


@dataclass(frozen=True)
class EngineSql:
    dialect: str | type
    rewrites: tuple[Rewrite, ...] = ()


ENGINE_SQL: dict[str, EngineSql] = {
    "duckdb": EngineSql("duckdb", (rewrites.trim_only_when_needed,)),
    "spark": EngineSql("spark", (rewrites.epoch_us_as_unix_micros, rewrites.broadcast_lookups)),
    "polars": EngineSql(Polars, (rewrites.epoch_us_as_bigint_cast, rewrites.fold_chr_constants)),
}


@cache
def parse_stage(name: str) -> exp.Expression:
    """A known stage's tree (``python_engines.transpile`` checks the name first)."""
    (stage,) = (s for s in stages() if s.name == name)
    return sqlglot.parse_one(stage.path.read_text(), read=SOURCE_DIALECT)


def transpile(sql: str | exp.Expression, engine: str, parameters: dict) -> str:
    target = ENGINE_SQL[engine]
    try:
        tree = sqlglot.parse_one(sql, read=SOURCE_DIALECT) if isinstance(sql, str) else sql.copy()
        tree = rewrites.bind_parameters(tree, parameters)
        for rewrite in target.rewrites:
            tree = rewrite(tree)
        return tree.sql(dialect=target.dialect, unsupported_level=ErrorLevel.RAISE, pretty=True)
    except SqlglotError as exc:
        raise EtlStackError(f"{engine}: {exc}") from None


def stage_sql(name: str, engine: str, parameters: dict) -> str:
    return transpile(parse_stage(name), engine, parameters)


def tables_read(name: str) -> list[str]:
    """The tables a stage reads (earlier stages or inputs), not its own CTEs."""
    tree = parse_stage(name)
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    return sorted({t.name for t in tree.find_all(exp.Table)} - ctes)


def output_values(stage: str, column: str, reading: str | None) -> list[str]:
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
    found = [
        alias.this
        for alias in parse_stage(stage).find_all(exp.Alias)
        if alias.alias == column and not isinstance(alias.this, exp.Column)
    ]
    if len(found) != 1:
        raise EtlStackError(f"stage {stage} derives {column} {len(found)} times, not once")
    return found[0]
