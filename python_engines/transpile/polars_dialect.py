"""A sqlglot dialect for the Polars SQL context (sqlglot has none).

Polars SQL reads DuckDB-like SQL, so the dialect is DuckDB's with a few generator TRANSFORMS:
spellings Polars understands, and constructs it lacks raising at transpile time (not at run time).
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.errors import UnsupportedError
from sqlglot.generator import Generator


def _unsupported(what: str):
    def raise_unsupported(self: Generator, expression: exp.Expression) -> str:
        raise UnsupportedError(f"Polars SQL does not support {what}: {expression.sql('duckdb')}")

    return raise_unsupported


def _unix_to_time(self: Generator, expression: exp.UnixToTime) -> str:
    """Epoch microseconds → timestamp: Polars casts integers to Datetime('us')."""
    scale = expression.args.get("scale")
    if scale is None or scale != exp.UnixToTime.MICROS:
        self.unsupported("UnixToTime with a scale other than microseconds")
    return self.sql(exp.cast(expression.this, exp.DataType.build("TIMESTAMP")))


def _trim(self: Generator, expression: exp.Trim) -> str:
    """Polars spells a character set the standard way: TRIM(BOTH chars FROM x)."""
    chars = expression.expression
    if chars is None:
        return self.func("TRIM", expression.this)
    return f"TRIM(BOTH {self.sql(chars)} FROM {self.sql(expression.this)})"


class Polars(DuckDB):
    # Polars sorts a null as the largest value: last ascending, first descending (DuckDB: last
    # both ways), so a descending order from the source says NULLS LAST here
    NULL_ORDERING = "nulls_are_large"

    class Generator(DuckDB.Generator):
        TRANSFORMS: ClassVar[dict] = {
            **DuckDB.Generator.TRANSFORMS,
            exp.RegexpLike: lambda self, e: self.func("REGEXP_LIKE", e.this, e.expression),
            exp.UnixToTime: _unix_to_time,
            exp.Trim: _trim,
            exp.MD5: _unsupported("MD5"),
            exp.SHA2: _unsupported("SHA2"),
            exp.RegexpExtract: _unsupported("REGEXP_EXTRACT"),
            exp.TimeToUnix: _unsupported("EPOCH()"),
            exp.DateDiff: _unsupported("DATE_DIFF"),
            exp.BitwiseLeftShift: _unsupported("<<"),
            exp.Chr: _unsupported("CHR"),
        }
