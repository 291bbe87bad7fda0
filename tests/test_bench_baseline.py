"""The benchmark's hand-written native Polars pipeline must give the SQL path's tables: its timing
is only a fair baseline if it computes the same answer."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import PARITY_FIXTURE, sorted_rows

from bench.native_polars import run
from python_engines.inputs import discover
from python_engines.schema import OUTPUTS


@pytest.mark.parametrize("table", list(OUTPUTS))
def test_native_polars_baseline_equals_the_sql_path_on_the_trap_fixture(
    parity_results, table: str
) -> None:
    native = run(discover(PARITY_FIXTURE))[table]
    sql = parity_results["polars"].tables[table]
    assert pl.from_arrow(native).schema == pl.from_arrow(sql).schema
    assert sorted_rows(native) == sorted_rows(sql)
