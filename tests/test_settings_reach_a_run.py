"""Settings reach a run from the command line and the environment: ETLSTACK_* variables,
--catalog-uri and --batch-rows change what `etlstack run` does."""

from __future__ import annotations

from pathlib import Path

from conftest import PARITY_FIXTURE
from typer.testing import CliRunner

from python_engines.cli import app
from python_engines.lakehouse.store import Store

runner = CliRunner()
DAY1 = PARITY_FIXTURE / "day1.csv"


def _run(*args: str, env: dict[str, str] | None = None):
    result = runner.invoke(app, ["run", "--engine", "polars", *args], env=env)
    assert result.exit_code == 0, result.output
    return result


def test_etlstack_session_gap_minutes_changes_the_sessions(tmp_path: Path) -> None:
    _run("--input", str(DAY1), "--warehouse", str(tmp_path / "gap30"))
    env = {"ETLSTACK_SESSION_GAP_MINUTES": "120"}
    _run("--input", str(DAY1), "--warehouse", str(tmp_path / "gap120"), env=env)
    by_30 = Store(tmp_path / "gap30", "polars").scan("sessions")
    by_120 = Store(tmp_path / "gap120", "polars").scan("sessions")
    assert by_120.height < by_30.height  # breaks of 30 to 120 minutes no longer split a session
    gaps = Store(tmp_path / "gap120", "polars").runs().get_column("session_gap_minutes")
    assert gaps.to_list() == [120]
    # the stored tables keep their gap: a run with another one is refused in one line
    day2 = ["--input", str(PARITY_FIXTURE / "day2.csv"), "--warehouse", str(tmp_path / "gap120")]
    refused = runner.invoke(app, ["run", "--engine", "polars", *day2])
    assert refused.exit_code == 1
    assert "sessionized with a 120-minute gap, this run uses 30" in refused.output


def test_etlstack_warehouse_and_batch_rows_come_from_the_environment(tmp_path: Path) -> None:
    env = {"ETLSTACK_WAREHOUSE": str(tmp_path / "from-env"), "ETLSTACK_BATCH_ROWS": "10"}
    _run("--input", str(PARITY_FIXTURE), env=env)
    assert Store(tmp_path / "from-env", "polars").runs().height == 2  # one run per file


def test_batch_rows_splits_a_load_into_runs_that_history_lists(tmp_path: Path) -> None:
    result = _run(
        "--input", str(PARITY_FIXTURE), "--warehouse", str(tmp_path), "--batch-rows", "10"
    )
    assert result.output.count("committed run") == 2  # day1 (86 rows) and day2 (5) alone
    runs = Store(tmp_path, "polars").runs()
    assert runs.get_column("rows_in").to_list() == [86, 5]
    history = runner.invoke(app, ["history", "--engine", "polars", "--warehouse", str(tmp_path)])
    assert history.exit_code == 0, history.output
    for run_id in runs.get_column("run_id"):
        assert run_id[:8] in history.output
    one_run = tmp_path / "one-run"
    _run("--input", str(PARITY_FIXTURE), "--warehouse", str(one_run), "--batch-rows", "1000")
    assert Store(one_run, "polars").runs().height == 1


def test_catalog_uri_puts_the_catalog_where_it_says(tmp_path: Path) -> None:
    elsewhere = tmp_path / "catalogs" / "shared.db"
    elsewhere.parent.mkdir()
    uri = f"sqlite:///{elsewhere}"
    warehouse = tmp_path / "lake"
    _run("--input", str(DAY1), "--warehouse", str(warehouse), "--catalog-uri", uri)
    assert elsewhere.is_file() and not (warehouse / "catalog.db").exists()
    assert Store(warehouse, "polars", uri).runs().height == 1
    # the data files are under the warehouse; only the catalog moved
    assert list((warehouse / "polars").rglob("*.parquet"))

    args = ["history", "--engine", "polars", "--warehouse", str(warehouse)]
    listed = runner.invoke(app, [*args, "--catalog-uri", uri])
    assert listed.exit_code == 0, listed.output
    assert "86" in listed.output  # the run's rows in
    from_env = runner.invoke(app, args, env={"ETLSTACK_CATALOG_URI": uri})
    assert from_env.exit_code == 0 and "86" in from_env.output
    default = runner.invoke(app, args)  # the default catalog (<warehouse>/catalog.db) is empty
    assert default.exit_code == 1 and "no runs of 'polars'" in default.output
