"""The dbt analytical layer over a real lakehouse built from the small generated set: `dbt build`
as the user runs it (a subprocess from the repo root, profiles.yml found there), incremental
builds after daily loads equal a full refresh, and the spark target gives the same marts."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from python_engines.analytics.marts import PROJECT_DIR, MartsRequest, run_dbt
from python_engines.inputs.discover import discover
from python_engines.lakehouse.load import load

pytestmark = pytest.mark.slow  # make test-fast leaves these out (see the Makefile)

MARTS = [
    "fct_sessions",
    "fct_pages",
    "dim_users",
    "sessions_by_start_day",
    "activity_by_day",
    "conversion_funnel",
    "country_device",
    "data_quality_by_file",
]
DBT = str(Path(sys.executable).with_name("dbt"))


def dbt(warehouse: Path, data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "ETLSTACK_WAREHOUSE": str(warehouse),
        "ETLSTACK_DATA_DIR": str(data_dir),
    }
    env.pop("DBT_PROFILES_DIR", None)
    done = subprocess.run(
        [DBT, *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    return done


def _value(value):
    """One spelling per value across engines: ints, floats, UTC datetimes."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return value


def rows(table) -> list[tuple]:
    """A mart's rows with columns in name order, in a total order."""
    names = sorted(table.column_names)
    records = [tuple(_value(r[n]) for n in names) for r in table.to_pylist()]
    return sorted(records, key=lambda r: tuple((v is None, str(v)) for v in r))


def assert_same_rows(left: list[tuple], right: list[tuple], mart: str) -> None:
    assert len(left) == len(right), mart
    for a, b in zip(left, right, strict=True):
        for x, y in zip(a, b, strict=True):
            if isinstance(x, float) and isinstance(y, float):
                assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9), (mart, a, b)
            else:
                assert x == y, (mart, a, b)


def duckdb_marts(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse / "analytics.duckdb"), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        return {m: rows(con.execute(f"select * from marts.{m}").to_arrow_table()) for m in MARTS}


@pytest.fixture(scope="module")
def marts_lake(small_dataset, tmp_path_factory):
    """DuckDB loads the bulk and dbt builds; one daily load, dbt build; two more, dbt build;
    the marts are kept, then rebuilt with --full-refresh."""
    data_dir, _ = small_dataset
    warehouse = tmp_path_factory.mktemp("marts-lake")
    load("duckdb", discover(data_dir / "bulk"), warehouse)
    first_build = dbt(warehouse, data_dir, "build")
    daily_files = sorted((data_dir / "incremental").glob("*.parquet"))
    daily_reports = [load("duckdb", discover(daily_files[0]), warehouse)]
    dbt(warehouse, data_dir, "build")  # after one daily load
    daily_reports += [load("duckdb", discover(path), warehouse) for path in daily_files[1:]]
    dbt(warehouse, data_dir, "build")  # after two more
    incremental_sql = (
        PROJECT_DIR / "target/run/etlstack/models/marts/fct_sessions.sql"
    ).read_text()
    incremental = duckdb_marts(warehouse)
    dbt(warehouse, data_dir, "run", "--full-refresh")  # the same models, rebuilt whole
    return {
        "warehouse": warehouse,
        "data_dir": data_dir,
        "first_build": first_build.stdout,
        "daily_reports": daily_reports,
        "incremental_sql": incremental_sql,
        "incremental": incremental,
        "full": duckdb_marts(warehouse),
    }


def test_dbt_build_from_the_repo_root_runs_models_data_tests_and_unit_tests(marts_lake) -> None:
    summary = marts_lake["first_build"]
    assert "ERROR=0" in summary and "WARN=0" in summary and "SKIP=0" in summary
    finished = re.search(r"Finished running (.*) in \d+ hours", summary).group(1)
    counts: dict[str, int] = {}
    for number, kind in re.findall(r"(\d+) ([a-z ]+?)s?(?:,|$)", finished):
        key = "model" if kind.endswith("model") else kind
        counts[key] = counts.get(key, 0) + int(number)
    assert counts["model"] >= 6 and counts["data test"] >= 20 and counts["unit test"] >= 2
    assert all(marts_lake["full"][m] for m in MARTS), "every mart has rows"


def test_dbt_build_after_each_daily_load_equals_a_full_refresh(marts_lake) -> None:
    reports = marts_lake["daily_reports"]
    # the daily loads did change stored sessions (stitched across midnight, late rows)
    assert sum(r.record.sessions_replaced for r in reports) > 0
    assert "delete from" in marts_lake["incremental_sql"]  # the incremental path ran
    for mart in MARTS:
        assert_same_rows(marts_lake["incremental"][mart], marts_lake["full"][mart], mart)


def test_dbt_docs_open_offline_as_one_page(marts_lake) -> None:
    """make marts writes target/static_index.html: the manifest and catalog inside the page, so
    it opens from disk with no network (target/index.html fetches manifest.json, which a
    browser refuses over file://)."""
    from bench.report_builder.offline_page import computed_styles

    dbt(marts_lake["warehouse"], marts_lake["data_dir"], "docs", "generate", "--static")
    asked = tuple(
        f"document.body.innerText.includes({name!r})" for name in ("lakehouse", "generator")
    )
    page = computed_styles(PROJECT_DIR / "target/static_index.html", [], expressions=asked)
    assert set(page.values.values()) == {"true"}, page.values  # the project tree was drawn


def test_no_ip_address_reaches_a_mart(marts_lake) -> None:
    with duckdb.connect(str(marts_lake["warehouse"] / "analytics.duckdb"), read_only=True) as con:
        columns = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'marts'"
        ).fetchall()
    assert columns and not [c for c in columns if "ip" in c[1].split("_")]


def test_the_spark_target_builds_the_same_marts_row_for_row(marts_lake, monkeypatch) -> None:
    for name in ("ETLSTACK_WAREHOUSE", "ETLSTACK_DATA_DIR"):
        monkeypatch.setenv(name, "")  # run_dbt points them at the lake; restored afterwards
    warehouse, data_dir = marts_lake["warehouse"], marts_lake["data_dir"]
    run_dbt(MartsRequest("spark", "duckdb", warehouse, data_dir, resource_types=("seed", "model")))
    from python_engines.core.settings import EngineSettings
    from python_engines.engines.spark_engine import spark_session

    spark = spark_session(EngineSettings())
    for mart in MARTS:
        spark_rows = rows(spark.table(f"marts.{mart}").toArrow())
        assert_same_rows(spark_rows, marts_lake["full"][mart], mart)


def test_query_reads_every_engines_tables_and_the_marts(marts_lake, monkeypatch) -> None:
    from typer.testing import CliRunner

    from python_engines.cli import app

    monkeypatch.setenv("ETLSTACK_DATA_DIR", str(marts_lake["data_dir"]))
    warehouse = str(marts_lake["warehouse"])
    sql = (
        "select (select count(*) from duckdb.events) as events, "
        "(select sum(event_count) from marts.fct_sessions) as in_sessions"
    )
    done = CliRunner().invoke(app, ["query", sql, "--warehouse", warehouse])
    assert done.exit_code == 0, done.output
    [(events, in_sessions)] = re.findall(r"│\s*(\d+)\s*│\s*(\d+)\s*│", done.output)
    assert int(events) > 0 and events == in_sessions

    failed = CliRunner().invoke(
        app, ["query", "select nope from duckdb.events", "--warehouse", warehouse]
    )
    assert failed.exit_code == 1 and "Traceback" not in failed.output


def test_every_table_marks_a_runs_rows_with_that_runs_one_load_time(marts_lake) -> None:
    """A run commits its tables one after another; its rows carry one loaded_at in all of them
    (the run's last commit), so a mart built from events does not take the same run's
    sessions, committed a moment later, for newer rows and rebuild everything."""
    from python_engines.analytics.lakehouse_views import register_lakehouse

    with duckdb.connect() as con:
        register_lakehouse(con, marts_lake["warehouse"], None, marts_lake["data_dir"])
        runs = {t for (t,) in con.execute("select distinct loaded_at from duckdb.runs").fetchall()}
        assert len(runs) == 4  # the bulk and three daily loads
        for table in ("events", "sessions", "rejected_events", "cleansed_events"):
            times = con.execute(f"select distinct loaded_at from duckdb.{table}").fetchall()
            assert {t for (t,) in times} <= runs, table
