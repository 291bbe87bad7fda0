"""Parity is the product: every engine gives the same tables, row for row, and — before anything
is cast — the same columns with the same types (up to a documented normalisation)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import ENGINE_PARAMS, PARITY_FIXTURE, sorted_rows

from python_engines.core.schema import OUTPUTS
from python_engines.inputs.discover import discover
from python_engines.pipeline import computation
from python_engines.pipeline import stages as pipeline


@pytest.mark.parametrize("table", list(OUTPUTS))
@pytest.mark.parametrize("engine", [e for e in ENGINE_PARAMS if e != "duckdb"])
def test_engine_gives_the_same_table_as_duckdb(parity_results, engine: str, table: str) -> None:
    expected = parity_results["duckdb"].tables[table]
    actual = parity_results[engine].tables[table]
    assert actual.num_rows == expected.num_rows
    assert sorted_rows(actual) == sorted_rows(expected)


UTC_NAMES = {"UTC", "Etc/UTC", "+00:00", "Z"}


def type_family(data_type: pa.DataType) -> str:
    """The normalisation before types are compared, and all that ``schema.conform`` may change:
    string encodings (Polars hands out ``large_string``/``string_view``) are one string, integer
    widths one integer (a count is int32 on one engine, int64 on another), and the names of UTC
    one zone (DuckDB says ``Etc/UTC``). Everything else must match exactly: a timestamp's unit
    and that it has a time zone, dates, booleans."""
    if pa.types.is_timestamp(data_type) and data_type.tz in UTC_NAMES:
        return str(pa.timestamp(data_type.unit, tz="UTC"))
    if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
        return "string"
    if pa.types.is_string_view(data_type):
        return "string"
    if pa.types.is_integer(data_type):
        return "integer"
    return str(data_type)


def normalised(schema: pa.Schema) -> list[tuple[str, str]]:
    return [(f.name, type_family(f.type)) for f in schema]


@pytest.fixture(scope="module")
def produced_schemas():
    """engine → output table → the schema the engine produced, before ``conform`` casts it."""
    seen: dict[str, dict[str, pa.Schema]] = {}
    conform = computation.conform

    def recording(table: pa.Table, schema: pa.Schema) -> pa.Table:
        name = next(n for n, s in OUTPUTS.items() if s == schema)
        seen[current][name] = table.schema
        return conform(table, schema)

    def produced(engine: str) -> dict[str, pa.Schema]:
        nonlocal current
        if engine not in seen:
            current, seen[engine] = engine, {}
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(computation, "conform", recording)
                pipeline.run_pipeline(engine, discover(PARITY_FIXTURE))
        return seen[engine]

    current = ""
    return produced


@pytest.mark.parametrize("table", list(OUTPUTS))
@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_each_engine_produces_the_output_columns_and_types_before_any_cast(
    produced_schemas, engine: str, table: str
) -> None:
    produced = produced_schemas(engine)[table]
    assert produced.names == OUTPUTS[table].names  # names and order, as the SQL selects them
    assert normalised(produced) == normalised(OUTPUTS[table])


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_nothing_is_lost_rows_in_equal_events_plus_rejected(parity_results, engine: str) -> None:
    result = parity_results[engine]
    events = result.tables["events"].num_rows
    rejected = result.tables["rejected_events"].num_rows
    assert result.rows_in == 91
    assert events + rejected == result.rows_in


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_every_engine_reports_the_same_reject_reasons(parity_results, engine: str) -> None:
    assert parity_results[engine].rejected_by_reason == {
        "bad_timestamp": 30,
        "duplicate_event_id": 3,
        "missing_event_id": 2,
        "missing_timestamp": 2,
        "missing_user_id": 3,
    }


def test_duckdb_paths_give_utc_tables_on_a_host_in_another_time_zone() -> None:
    """ICU is built into DuckDB: without a session zone, timestamptz follows the host's."""
    script = (
        "from python_engines.inputs.discover import discover\n"
        "from python_engines.pipeline.stages import run_pipeline\n"
        "from bench.baselines.native_duckdb import run as native\n"
        "from conftest import PARITY_FIXTURE, sorted_rows\n"
        "inputs = discover(PARITY_FIXTURE)\n"
        "polars = run_pipeline('polars', inputs).tables\n"
        "duckdb = run_pipeline('duckdb', inputs).tables\n"
        "hand = native(inputs)\n"
        "for name, table in polars.items():\n"
        "    assert sorted_rows(duckdb[name]) == sorted_rows(table), name\n"
        "    assert sorted_rows(hand[name]) == sorted_rows(table), name\n"
    )
    tests = Path(__file__).parent
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "TZ": "America/New_York", "PYTHONPATH": f"{tests}:{tests.parent}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
