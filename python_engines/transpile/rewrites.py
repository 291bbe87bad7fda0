"""Engine rewrites: pure AST → AST functions, each composed into an engine's list in ``__init__``.

The source SQL is DuckDB's dialect; a rewrite exists only where an engine needs a different
construct for the same meaning (a spelling difference belongs in the dialect, not here).
"""

from __future__ import annotations

from sqlglot import exp

EPOCH_US = "EPOCH_US"
# CTEs of one row per distinct key, far fewer rows than the table they are joined to, which
# Spark's planner sizes as that table (it cannot count distinct values before running):
# 05_geolocated's ``located``, one row per address
SPARK_BROADCAST_LOOKUPS = frozenset({"located"})


def _is_epoch_us(node: exp.Expression) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.upper() == EPOCH_US


def bind_parameters(
    tree: exp.Expression, parameters: dict[str, int | float | str]
) -> exp.Expression:
    """Replace ``:name`` placeholders with literals; an unknown placeholder is an error."""

    def bind(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and node.name:
            if node.name not in parameters:
                raise KeyError(f"no value for SQL parameter :{node.name}")
            value = parameters[node.name]
            return (
                exp.Literal.string(value) if isinstance(value, str) else exp.Literal.number(value)
            )
        return node

    return tree.transform(bind)


def epoch_us_as_unix_micros(tree: exp.Expression) -> exp.Expression:
    """Spark: DuckDB's ``epoch_us(ts)`` is ``unix_micros(ts)`` (sqlglot does not know epoch_us).

    ``unix_micros`` takes Spark's session-zone TIMESTAMP, not TIMESTAMP_NTZ, so the argument is cast
    to TIMESTAMP_LTZ first; the session time zone is UTC, so the instant does not move.
    """
    ltz = exp.DataType.build("TIMESTAMPLTZ")
    return tree.transform(
        lambda n: exp.func("UNIX_MICROS", exp.cast(n.expressions[0], ltz)) if _is_epoch_us(n) else n
    )


def broadcast_lookups(tree: exp.Expression) -> exp.Expression:
    """Spark: a join with a lookup CTE (``SPARK_BROADCAST_LOOKUPS``) broadcasts it. Planned from
    its estimate, Spark shuffled every kept event by address to meet the located addresses (10M
    events: 0.93 GB written and read back, to meet a 12 MB side), and adaptive execution only
    turned the join into a broadcast after that shuffle had run. Broadcast, the stage took 40-43 s
    instead of 51-54 s."""
    for select in tree.find_all(exp.Select):
        sides = [
            join.this
            for join in select.args.get("joins") or ()
            if isinstance(join.this, exp.Table) and join.this.name in SPARK_BROADCAST_LOOKUPS
        ]
        if sides:
            hints = [
                exp.JoinHint(this="BROADCAST", expressions=[exp.to_table(side.alias_or_name)])
                for side in sides
            ]
            select.set("hint", exp.Hint(expressions=hints))
    return tree


def epoch_us_as_bigint_cast(tree: exp.Expression) -> exp.Expression:
    """Polars: a Datetime('us') cast to BIGINT is its epoch microseconds (no EPOCH_US function)."""
    return tree.transform(
        lambda n: exp.cast(n.expressions[0], exp.DataType.build("BIGINT")) if _is_epoch_us(n) else n
    )


def fold_chr_constants(tree: exp.Expression) -> exp.Expression:
    """Polars: no CHR function, so ``chr(9)`` and concatenations of constant strings are folded
    into one string literal (``' ' || chr(9)`` → a space and a tab)."""

    def fold(node: exp.Expression) -> exp.Expression:
        # children first (transform visits a node before them): ' ' || chr(9) || chr(10) is
        # folded from its innermost concatenation out in one walk
        if isinstance(node, exp.Chr) and all(isinstance(a, exp.Literal) for a in node.expressions):
            return exp.Literal.string("".join(chr(int(a.this)) for a in node.expressions))
        if isinstance(node, exp.DPipe):
            left, right = fold(node.this), fold(node.expression)
            if all(isinstance(x, exp.Literal) and x.is_string for x in (left, right)):
                return exp.Literal.string(left.this + right.this)
        return node

    return tree.transform(fold)


def trim_only_when_needed(tree: exp.Expression) -> exp.Expression:
    """DuckDB: ``trim(x, chars)`` is slow on every string (the cleansed stage's profile had most
    of its time there), while values that start or end with one of ``chars`` are rare: ``trim``
    runs only for those, found by byte prefix/suffix checks (the same result for every value).
    The stage took less CPU time with this rewrite than without it."""

    def guard(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Trim) or node.expression is None:
            return node
        chars = fold_chr_constants(node.expression.copy())
        if not (isinstance(chars, exp.Literal) and chars.is_string):
            return node
        value = node.this
        affixes = [
            exp.func(check, value.copy(), _char_literal(char))
            for char in dict.fromkeys(chars.this)
            for check in ("STARTS_WITH", "ENDS_WITH")
        ]
        condition = affixes[0]
        for affix in affixes[1:]:
            condition = exp.or_(condition, affix)
        return exp.Case(ifs=[exp.If(this=condition, true=node)], default=value.copy())

    return tree.transform(guard)


def _char_literal(char: str) -> exp.Expression:
    """A one-character string: a literal when printable, ``chr(n)`` for a control character."""
    return (
        exp.Literal.string(char)
        if char.isprintable()
        else exp.Chr(expressions=[exp.Literal.number(ord(char))])
    )
