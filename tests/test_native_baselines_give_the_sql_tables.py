"""The benchmark's hand-written native pipelines (bench/native_*.py) must give the SQL path's
tables on the same engine: a native timing is only a fair baseline if it computes the same answer.
"""

from __future__ import annotations

import importlib

import polars as pl
import pytest
from conftest import ENGINE_PARAMS, PARITY_FIXTURE, sorted_rows

from bench.harness.matrix import NATIVE_ENGINES, native_module, parse_engines
from bench.harness.measure_once import main as measure_once
from python_engines.core.schema import OUTPUTS
from python_engines.inputs.discover import discover
from python_engines.pipeline.stages import run_pipeline


def native_run(engine: str, folder):
    return importlib.import_module(native_module(f"native-{engine}")).run(discover(folder))


@pytest.fixture(scope="module")
def native_on_traps() -> dict[str, dict]:
    """Each baseline's tables over the trap fixture, computed once per engine when first asked."""
    return {}


def assert_same_rows(native, sql) -> None:
    assert pl.from_arrow(native).schema == pl.from_arrow(sql).schema
    assert sorted_rows(native) == sorted_rows(sql)


@pytest.mark.parametrize("table", list(OUTPUTS))
@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_native_baseline_equals_the_sql_path_on_the_trap_fixture(
    parity_results, native_on_traps, engine: str, table: str
) -> None:
    if engine not in native_on_traps:
        native_on_traps[engine] = native_run(engine, PARITY_FIXTURE)
    assert_same_rows(native_on_traps[engine][table], parity_results[engine].tables[table])


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_native_baseline_equals_the_sql_path_on_generated_data(small_dataset, engine: str) -> None:
    """Generated days with their dirt (duplicates across files, late events, bad rows). Spark
    reads the three daily files only (the SQL path checkpoints every stage: seconds each)."""
    out, _ = small_dataset
    folder = out / "incremental" if engine == "spark" else out
    native = native_run(engine, folder)
    sql = run_pipeline(engine, discover(folder)).tables
    for table in OUTPUTS:
        assert native[table].num_rows > 0
        assert_same_rows(native[table], sql[table])


def test_the_bench_accepts_every_native_baseline_by_engine_name() -> None:
    names = ["native-polars", "native-duckdb", "native-spark"]
    assert parse_engines(",".join(names)) == names
    assert set(NATIVE_ENGINES) == set(names)


def test_a_native_baseline_with_load_is_a_one_line_error_before_any_try() -> None:
    from typer.testing import CliRunner

    from python_engines.cli import app

    result = CliRunner().invoke(app, ["bench", "--engines", "duckdb,native-duckdb", "--load"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "native-duckdb is a pipeline baseline only" in result.output


def test_a_bench_try_of_native_duckdb_has_the_duckdb_fingerprints(small_dataset) -> None:
    """The harness's own measured try (bench.harness.measure_once), in this process: same fingerprints."""
    folder = str(small_dataset[0] / "incremental")
    native = measure_once("native-duckdb", folder)
    sql = measure_once("duckdb", folder)
    assert native["output_fingerprint"] == sql["output_fingerprint"]
    assert native["rows_in"] == sql["rows_in"] > 0
    assert set(native["stages"]) == {"native", "other"}
    assert native["peak_rss_bytes"] > 0 and native["wall_seconds"] > 0


def test_the_report_sets_each_sql_path_against_its_native_baseline() -> None:
    from bench.report_builder.analysis import summarize_cases
    from bench.report_builder.sections import native_ratios

    def tries(engine: str, walls: list[float]) -> list[dict]:
        return [
            {
                "engine": engine,
                "rows": 1000,
                "repeat": i,
                "threads": 2,
                "wall_seconds": wall,
                "startup_seconds": 0.5,
                "stages": {"native": wall - 0.5},
                "peak_rss_bytes": 2**30,
                "cpu_percent": 100.0,
                "events_per_second": 1000 / wall,
            }
            for i, wall in enumerate(walls, 1)
        ]

    cases = summarize_cases(
        tries("duckdb", [3.0, 3.0, 3.0])
        + tries("native-duckdb", [2.0, 2.0, 2.0])
        + tries("spark", [9.0, 9.0, 9.0])  # no native-spark case: no ratio
    )
    assert native_ratios(cases) == [["duckdb x2", "1,000", "3.00", "2.00", "1.50", "1.00", "1.00"]]
