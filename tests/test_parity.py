"""Parity is the product: every engine gives the same tables, row for row, with the same types."""

from __future__ import annotations

import pytest
from conftest import sorted_rows

from python_engines.schema import OUTPUTS


@pytest.mark.parametrize("table", list(OUTPUTS))
@pytest.mark.parametrize("engine", ["polars", "spark"])
def test_engine_gives_the_same_table_as_duckdb(parity_results, engine: str, table: str) -> None:
    expected = parity_results["duckdb"].tables[table]
    actual = parity_results[engine].tables[table]
    assert actual.schema == expected.schema == OUTPUTS[table]
    assert actual.num_rows == expected.num_rows
    assert sorted_rows(actual) == sorted_rows(expected)


@pytest.mark.parametrize("engine", ["duckdb", "polars", "spark"])
def test_nothing_is_lost_rows_in_equal_events_plus_rejected(parity_results, engine: str) -> None:
    result = parity_results[engine]
    events = result.tables["events"].num_rows
    rejected = result.tables["rejected_events"].num_rows
    assert result.rows_in == 91
    assert events + rejected == result.rows_in


@pytest.mark.parametrize("engine", ["duckdb", "polars", "spark"])
def test_every_engine_reports_the_same_reject_reasons(parity_results, engine: str) -> None:
    assert parity_results[engine].rejected_by_reason == {
        "bad_timestamp": 30,
        "duplicate_event_id": 3,
        "missing_event_id": 2,
        "missing_timestamp": 2,
        "missing_user_id": 3,
    }
