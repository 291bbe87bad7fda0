"""The command line: help everywhere, work done, and errors as one clear line."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from typer.testing import CliRunner

from python_engines.cli import app

runner = CliRunner()


@pytest.mark.parametrize("command", [[], ["generate"], ["build-reference"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_generate_writes_the_files_and_says_how_many(tmp_path: Path) -> None:
    args = ["generate", "--rows", "3000", "--days", "2", "--incremental-days", "1"]
    result = runner.invoke(app, [*args, "--format", "csv", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "wrote 3,000 events" in result.output
    assert sorted(p.name for p in tmp_path.rglob("*.csv")) == [
        "2026-10-01.csv",
        "2026-10-02.csv",
        "2026-10-03.csv",
        "_dirty_rows.csv",
        "_users.csv",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "huge"], "unknown size 'huge'"),
        (["--rows", "0"], "--rows: Input should be greater than or equal to 1"),
        (["--format", "xml"], "--format: Input should be 'csv', 'parquet' or 'both'"),
        (["--dirty-rate", "0.9"], "--dirty-rate"),
        (["--start-date", "2026-13-01"], "is not a date like"),
    ],
)
def test_bad_options_are_one_line_errors_without_traceback(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["generate", *args, "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_build_reference_rejects_a_missing_package(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build-reference", "--deb", str(tmp_path / "nope.deb")])
    assert result.exit_code == 1
    assert "no such package file" in result.output


@pytest.mark.parametrize("engine", ["polars", "spark", "duckdb"])
def test_show_sql_prints_what_the_engine_runs_for_each_stage(engine: str) -> None:
    from python_engines.transpile import stage_names, stage_sql

    result = runner.invoke(app, ["show-sql", "--engine", engine])
    assert result.exit_code == 0
    for stage in stage_names():
        assert f"-- stage: {stage} ({engine})" in result.output
    one = runner.invoke(app, ["show-sql", "--engine", engine, "--stage", "sessions"])
    assert one.output.strip().endswith(
        stage_sql("sessions", engine, {"session_gap_minutes": 30}) + ";"
    )


def test_run_writes_iceberg_tables_prints_the_summary_and_skips_loaded_files(tmp_path) -> None:
    from python_engines.lakehouse.store import Store

    fixture = Path(__file__).parent / "fixtures" / "parity"
    args = ["run", "--engine", "duckdb", "--input", str(fixture), "--warehouse", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "rows in" in result.output and "91" in result.output
    assert "rejected: bad_timestamp" in result.output
    assert (tmp_path / "catalog.db").is_file()
    store = Store(tmp_path, "duckdb")
    assert store.scan("events").height == 51
    assert store.scan("rejected_events").height == 40
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "nothing to do: all 2 file(s) were loaded before" in again.output

    history = runner.invoke(app, ["history", "--engine", "duckdb", "--warehouse", str(tmp_path)])
    assert history.exit_code == 0, history.output
    run_id = store.runs().get_column("run_id")[0]
    assert run_id[:8] in history.output  # the run, and the events snapshot it committed
    assert str(store.tables["events"].current_snapshot().snapshot_id) in history.output


def test_history_of_an_engine_that_never_ran_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["history", "--engine", "spark", "--warehouse", str(tmp_path)])
    assert result.exit_code == 1
    assert "no runs of 'spark'" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "oracle", "--input", "."], "unknown engine 'oracle'"),
        (["--engine", "duckdb", "--input", "/no/such/place"], "does not exist"),
        (["--engine", "duckdb", "--input", "pyproject.toml"], "not a .csv or .parquet file"),
        (["--engine", "duckdb", "--input", ".", "--input-format", "xml"], "unknown input format"),
    ],
)
def test_run_errors_are_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["run", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_the_installed_command_exits_without_collecting_what_it_leaves() -> None:
    """``etlstack`` is ``cli.main``: after the command, the cyclic garbage collector is off and
    every object frozen, so the interpreter's exit does not walk them (0.27 s of the 10M bulk's
    ``etlstack run``); the command still ends as it did, with its exit code."""
    (script,) = entry_points(group="console_scripts", name="etlstack")
    assert script.value == "python_engines.cli:main"
    probe = (
        "import atexit, gc, sys; sys.argv = ['etlstack', '--help'];"
        "atexit.register(lambda: print('collector on:', gc.isenabled(), gc.get_freeze_count()));"
        "from python_engines.cli import main; main()"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0
    assert "Usage" in done.stdout
    on, frozen = done.stdout.rsplit("collector on:", 1)[1].split()
    assert on == "False" and int(frozen) > 10_000
