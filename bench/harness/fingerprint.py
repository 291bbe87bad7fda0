"""Order-independent fingerprints of output tables: a timing of wrong answers is worthless, so
every engine's tables for a case must fingerprint alike before any time is reported."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl
import pyarrow as pa

from python_engines.core.errors import EtlStackError

# fixed seeds: the same rows hash alike in every process (one Polars version per run)
_SEED = 20261201


def table_fingerprint(table: pa.Table) -> str:
    """``<rows>:<hex>``: the wrapping sum of per-row hashes, so row order does not matter but a
    changed, missing or extra row does (columns are taken in name order)."""
    frame = pl.from_arrow(table)
    if not isinstance(frame, pl.DataFrame):
        frame = frame.to_frame()
    if frame.height == 0:
        return "0:0000000000000000"
    frame = frame.select(sorted(frame.columns))
    total = frame.hash_rows(seed=_SEED).sum()  # UInt64 sum wraps modulo 2**64
    return f"{frame.height}:{int(total):016x}"


def fingerprints(tables: Mapping[str, pa.Table]) -> dict[str, str]:
    return {name: table_fingerprint(table) for name, table in sorted(tables.items())}


class FingerprintMismatch(EtlStackError):
    """Two engines gave different tables for the same case."""


def check_agree(case: str, by_engine: Mapping[str, Mapping[str, str]]) -> None:
    """Every engine's fingerprint of every table equal, or a one-line error naming the table."""
    engines = list(by_engine)
    if len(engines) < 2:
        return
    first = engines[0]
    for other in engines[1:]:
        for table in sorted(set(by_engine[first]) | set(by_engine[other])):
            a, b = by_engine[first].get(table), by_engine[other].get(table)
            if a != b:
                raise FingerprintMismatch(
                    f"{case}: table {table} differs between {first} ({a}) and {other} ({b}); "
                    f"not timing it — run `etlstack compare --engines {first},{other}` on a load "
                    "of this input to see the rows"
                )
