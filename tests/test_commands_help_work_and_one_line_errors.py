"""The command line: help everywhere, work done, and errors as one clear line."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from typer.testing import CliRunner

from python_engines.cli import app
from python_engines.core.schema import RAW_COLUMNS
from tests.conftest import ETLSTACK, etlstack_run

runner = CliRunner()


def one_event_file(folder: Path) -> Path:
    """A CSV input of one good event."""
    events = folder / "events.csv"
    events.write_text(
        ",".join(RAW_COLUMNS)
        + "\n"
        + "e1,u1,s1,2026-10-01T00:00:00Z,/home,DE,mobile,1.2.3.4,page_view\n"
    )
    return events


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


def test_build_reference_says_why_a_file_does_not_unpack(tmp_path: Path) -> None:
    fake = tmp_path / "fake.deb"
    fake.write_text("event_id,user_id\n")
    result = runner.invoke(
        app, ["build-reference", "--deb", str(fake), "--out", str(tmp_path / "r.parquet")]
    )
    assert result.exit_code == 1
    assert result.output.startswith(f"error: cannot unpack {fake} with dpkg-deb: dpkg-deb: ")
    assert "not a Debian format archive" in result.output  # dpkg-deb's own reason
    assert "non-zero exit status" not in result.output and len(result.output.splitlines()) == 1


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
        (
            ["--engine", "duckdb", "--input", "bench/prices.csv", "--input-format", "parquet"],
            "prices.csv: a .csv file, but --input-format is parquet",
        ),
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


@pytest.mark.parametrize(
    "command",
    [
        ["run", "--engine", "polars", "--input", "pyproject.toml"],
        ["history", "--engine", "polars"],
        ["validate"],
    ],
)
def test_a_warehouse_path_that_is_a_file_is_one_plain_line(tmp_path: Path, command) -> None:
    in_the_way = tmp_path / "lake"
    in_the_way.write_text("not a folder")
    if command[0] == "run":  # a real input, so the run gets as far as the warehouse
        events = one_event_file(tmp_path)
        command = [*command[:-1], str(events)]
    result = runner.invoke(app, [*command, "--warehouse", str(in_the_way)])
    assert result.exit_code == 1
    # one line, first: no blank line left by a progress display, no exception class name
    assert result.output.splitlines() == [result.output.strip()]
    assert result.output.startswith(f"error: {in_the_way}: a file is in the way")
    assert "FileExistsError" not in result.output and "Errno" not in result.output


def test_a_catalog_uri_of_an_unknown_database_kind_says_so(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "history",
            "--engine",
            "duckdb",
            "--warehouse",
            str(tmp_path),
            "--catalog-uri",
            "bogus://x/y",
        ],
    )
    assert result.exit_code == 1
    assert "unknown database kind 'bogus'" in result.output
    assert "plugin" not in result.output and "sqlalchemy.dialects" not in result.output


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["run"], "error: Missing option '--engine'. (see etlstack run --help)"),
        (["run", "--engine", "polars", "--bogus"], "error: No such option: --bogus"),
        (["nosuch"], "error: No such command 'nosuch'. (see etlstack --help)"),
    ],
)
def test_the_installed_command_gives_a_usage_error_in_one_line(args, line) -> None:
    command = [ETLSTACK, *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2  # a usage error, as the framework's own code
    assert (done.stdout + done.stderr).splitlines() == [(done.stdout + done.stderr).strip()]
    assert done.stderr.startswith(line)


@pytest.mark.slow
def test_a_spark_run_prints_no_jvm_logging_chatter(tmp_path: Path) -> None:
    """Spark's own start-up lines ("Setting default log level …", WARN logs) are not what a
    user reads; the JVM's one notice about its vector module cannot be switched off."""
    events = one_event_file(tmp_path)
    done = etlstack_run("spark", events, tmp_path / "wh")
    assert done.returncode == 0, done.stderr
    assert "committed run" in done.stdout + done.stderr
    assert "log level" not in done.stderr and " WARN " not in done.stderr


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["history", "--engine", "polars"], "no runs of 'polars'"),
        (["validate"], "no engine's tables"),
        (["compare", "--engines", "polars,duckdb"], "no warehouse at"),
        (["query", "select 1"], "no lakehouse at"),
    ],
)
def test_reading_commands_leave_no_catalog_where_nothing_was_loaded(
    tmp_path: Path, command, message
) -> None:
    for warehouse in (tmp_path / "missing", tmp_path):  # a folder that is not there, an empty one
        result = runner.invoke(app, [*command, "--warehouse", str(warehouse)])
        assert result.exit_code == 1 and message in result.output, result.output
        assert not (warehouse / "catalog.db").exists() and not (tmp_path / "missing").exists()


def test_a_bad_setting_from_the_environment_names_its_variable(tmp_path: Path, monkeypatch) -> None:
    events = one_event_file(tmp_path)
    monkeypatch.setenv("ETLSTACK_VALIDATE", "maybe")
    args = ["run", "--engine", "polars", "--input", str(events), "--warehouse", str(tmp_path / "w")]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.output.startswith("error: ETLSTACK_VALIDATE: Input should be a valid boolean")


@pytest.mark.parametrize("command", [["run", "--engine", "polars", "--input", "."], ["validate"]])
def test_an_empty_warehouse_option_is_refused_not_read_as_here(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)  # where an empty path would have put the lakehouse
    result = runner.invoke(app, [*command, "--warehouse", ""])
    assert result.exit_code == 2 and "give a folder" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["history"], ["validate"]])
def test_reading_commands_name_an_unknown_engine(tmp_path: Path, command) -> None:
    result = runner.invoke(app, [*command, "--engine", "polar", "--warehouse", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith("error: unknown engine 'polar': choose polars, spark or duckdb")


def test_validating_an_engine_that_never_loaded_names_the_warehouse(tmp_path: Path) -> None:
    from python_engines.lakehouse.catalog import open_catalog

    open_catalog(tmp_path)  # a catalog without any engine's tables
    result = runner.invoke(app, ["validate", "--engine", "duckdb", "--warehouse", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: no tables of 'duckdb' in {tmp_path}: run `etlstack")
