"""The benchmark's hand-written native Polars pipeline must give the SQL path's tables: its timing
is only a fair baseline if it computes the same answer."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import PARITY_FIXTURE

from bench.native_polars import run
from python_engines.inputs import discover
from python_engines.schema import OUTPUTS


@pytest.mark.parametrize("table", list(OUTPUTS))
def test_native_polars_baseline_equals_the_sql_path_on_the_trap_fixture(
    parity_results, table: str
) -> None:
    native = pl.from_arrow(run(discover(PARITY_FIXTURE))[table])
    sql = pl.from_arrow(parity_results["polars"].tables[table])
    assert native.schema == sql.schema
    assert native.sort(native.columns, nulls_last=True).equals(
        sql.sort(sql.columns, nulls_last=True)
    )
