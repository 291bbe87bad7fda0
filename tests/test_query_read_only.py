"""``etlstack query`` is read-only: every statement that could write, delete, attach, install or
change the session is refused in one line with exit code 2 before anything runs, and the
lakehouse, the marts and the generator's users stay exactly as they were and still read. What it
prints — values and column names from the data — is shown literally, never as Rich markup.

One small real lakehouse (a Polars run over a hand-written CSV), a marts file beside it and a
data folder with the user dimension; the installed command where the exact process matters, the
app in process for the long list of statements."""

from __future__ import annotations

import hashlib
import re
import subprocess
import tempfile
from pathlib import Path

import duckdb
import pytest
from conftest import ETLSTACK, etlstack, etlstack_run
from typer.testing import CliRunner

from python_engines.cli import app
from python_engines.core.schema import RAW_COLUMNS

# page_url values a careless or malicious source could hold: Rich markup if printed as such
MARKUP_PAGES = [
    "https://shop.example/[/]",
    "[link=https://evil.example]click[/link]",
    "[bold]x[/bold]",
]


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("read-only")
    events = root / "events.csv"
    rows = [
        f"e{i},u1,s1,2026-10-01T00:0{i}:00Z,{page},DE,mobile,1.2.3.4,page_view"
        for i, page in enumerate(MARKUP_PAGES)
    ]
    events.write_text(",".join(RAW_COLUMNS) + "\n" + "\n".join(rows) + "\n")
    warehouse = root / "warehouse"
    done = etlstack_run("polars", events, warehouse)
    assert done.returncode == 0, done.stderr
    with duckdb.connect(str(warehouse / "analytics.duckdb")) as con:  # dbt's marts file
        con.execute("create schema marts")
        con.execute("create table marts.fct_demo as select 'u1' as user_id, 3 as events")
    data = root / "data"
    data.mkdir()
    (data / "_users.csv").write_text("user_id,tier,home_country,usual_device\nu1,gold,DE,mobile\n")
    outside = root / "outside"
    outside.mkdir()
    with duckdb.connect() as con:  # a database export IMPORT DATABASE could load
        con.execute("create table t as select 1 as x")
        con.execute(f"export database '{outside / 'export'}'")
    return {"root": root, "warehouse": warehouse, "data": data, "outside": outside}


def fingerprint(*folders: Path) -> dict[str, str]:
    """Every file (its bytes) and folder under ``folders``."""
    return {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
        for folder in folders
        for path in sorted(folder.rglob("*"))
    }


def query(lake: dict[str, Path], sql: str) -> subprocess.CompletedProcess:
    """``etlstack query`` as users run it (wide, so no value is wrapped across lines)."""
    warehouse = str(lake["warehouse"])
    return etlstack("query", sql, "--warehouse", warehouse, ETLSTACK_DATA_DIR=str(lake["data"]))


def assert_refused_in_one_line(code: int, stdout: str, stderr: str) -> None:
    assert code == 2, stdout + stderr
    assert stdout == ""
    assert len(stderr.splitlines()) == 1 and stderr.startswith("error: "), stderr
    assert "read-only" in stderr and "Traceback" not in stderr


def assert_everything_still_reads(lake: dict[str, Path]) -> None:
    sql = (
        "select (select count(*) from polars.events) as events, "
        "(select sum(events) from marts.fct_demo) as in_marts, "
        "(select tier from generator.users) as tier"
    )
    done = query(lake, sql)
    assert done.returncode == 0, done.stderr
    assert "│ 3      │ 3        │ gold │" in done.stdout, done.stdout


WRITING = {
    "copy_to_a_warehouse_file": "copy (select 1) to '{warehouse}/x.csv'",
    "copy_to_a_file_elsewhere": "copy (select 1) to '{outside}/x.csv'",
    "copy_from_a_file": "copy polars.lakehouse_files from '{warehouse}/catalog.db'",
    "explain_analyze_copy": "explain analyze copy (select 1) to '{warehouse}/x.csv'",
    "explain_options_copy": "explain (analyze, format json) copy (select 1) to '{outside}/y.csv'",
    "second_statement_copies": "select 1; copy (select 1) to '{warehouse}/y.csv'",
    "attach_a_new_file": "attach '{warehouse}/new.duckdb' as new",
    "attach_in_memory": "attach ':memory:' as scratch",
    "detach_the_marts": "detach analytics",
    "install": "install parquet",
    "load": "load parquet",
    "create_table": "create table scratch as select 1",
    "create_or_replace_view": "create or replace view polars.events as select 1 as x",
    "drop_view": "drop view polars.events",
    "alter_view": "alter view polars.events rename to gone",
    "insert": "insert into polars.lakehouse_files select * from polars.lakehouse_files",
    "update": "update polars.lakehouse_files set table_name = 'x'",
    "delete": "delete from polars.lakehouse_files",
    "set": "set enable_external_access = true",
    "reset": "reset threads",
    "pragma_setting": "pragma threads = 1",
    "pragma_profiling": "pragma enable_profiling",
    "use": "use memory",
    "export_database": "export database '{warehouse}/export'",
    "import_database": "import database '{outside}/export'",
    "call": "call pragma_version()",
    "checkpoint": "checkpoint",
    "begin": "begin transaction",
    "logging_to_files_from_a_select": (
        "select * from enable_logging(storage = 'file', storage_path = '{warehouse}/logs')"
    ),
    "checkpoint_from_a_subquery": "select 1 where 1 in (select 1 from checkpoint())",
    "sql_in_a_string": "select * from query('select 42')",
    "reading_a_file_outside_the_warehouse": "select * from read_text('/etc/passwd')",
    "csv_outside_the_warehouse": "select * from read_csv('/etc/passwd')",
}


@pytest.mark.parametrize("statement", WRITING.values(), ids=WRITING.keys())
def test_a_statement_that_could_write_or_change_anything_is_refused_in_one_line(
    lake: dict[str, Path], statement: str, monkeypatch
) -> None:
    monkeypatch.setenv("ETLSTACK_DATA_DIR", str(lake["data"]))
    before = fingerprint(lake["warehouse"], lake["data"], lake["outside"])
    sql = statement.format(warehouse=lake["warehouse"], outside=lake["outside"])
    done = CliRunner().invoke(app, ["query", sql, "--warehouse", str(lake["warehouse"])])
    assert_refused_in_one_line(done.exit_code, done.stdout, done.stderr)
    assert fingerprint(lake["warehouse"], lake["data"], lake["outside"]) == before


def test_the_issues_partitioned_copy_over_the_warehouse_is_refused_and_deletes_nothing(
    lake: dict[str, Path],
) -> None:
    """The case from the issue: it used to delete catalog.db and every table's metadata."""
    before = fingerprint(lake["warehouse"], lake["data"])
    copy = (
        f"copy (select 1 as k, 2 as v) to '{lake['warehouse']}' "
        "(format csv, partition_by (k), overwrite true)"
    )
    done = query(lake, copy)
    assert_refused_in_one_line(done.returncode, done.stdout, done.stderr)
    assert "COPY" in done.stderr
    assert fingerprint(lake["warehouse"], lake["data"]) == before
    assert_everything_still_reads(lake)


def test_reading_statements_run_but_files_outside_the_warehouse_are_not_read(
    lake: dict[str, Path], monkeypatch
) -> None:
    """The lock-down keeps every reading form working (the lakehouse views, the marts, the
    users file, the warehouse's own files), while the same read of any other file is refused."""
    monkeypatch.setenv("ETLSTACK_DATA_DIR", str(lake["data"]))
    data_file = next((lake["warehouse"] / "polars" / "events").rglob("*.parquet"))
    reading = [
        "select count(*) from polars.events",
        "with e as (select * from polars.events) from e select count(*)",
        "select * from marts.fct_demo",
        "select * from generator.users",
        "describe polars.events",
        "show tables",
        "summarize polars.sessions",
        "explain select count(*) from polars.events",
        "explain analyze select count(*) from polars.events",
        "pragma version",
        "pivot polars.events on event_type in ('page_view') using count(*)",
        f"select count(*) from read_parquet('{data_file}')",
        "select 1; select 2",
    ]
    before = fingerprint(lake["warehouse"], lake["data"])
    for sql in reading:
        done = CliRunner().invoke(app, ["query", sql, "--warehouse", str(lake["warehouse"])])
        assert done.exit_code == 0, (sql, done.output)
    outside = CliRunner().invoke(
        app, ["query", "from read_text('/etc/hostname')", "--warehouse", str(lake["warehouse"])]
    )
    assert_refused_in_one_line(outside.exit_code, outside.stdout, outside.stderr)
    assert fingerprint(lake["warehouse"], lake["data"]) == before


def test_query_help_says_it_is_read_only() -> None:
    done = subprocess.run([ETLSTACK, "query", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    assert "read-only" in done.stdout.lower()
    assert "exit code 2" in done.stdout


def test_values_and_column_names_are_printed_literally_not_as_markup(
    lake: dict[str, Path],
) -> None:
    done = query(
        lake,
        "select page_url, '[/]' as a, '[link=x]y[/link]' as \"[b]\", ':thumbs_up:' as e "
        "from polars.events order by event_id",
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and "Traceback" not in done.stdout
    for text in [*MARKUP_PAGES, "[/]", "[link=x]y[/link]", "[b]", ":thumbs_up:", "3 row(s)"]:
        assert text in done.stdout, (text, done.stdout)


def test_a_query_spills_to_a_private_folder_not_where_it_runs(lake: dict[str, Path]) -> None:
    done = query(lake, "select current_setting('temp_directory') as spill")
    assert done.returncode == 0, done.stderr
    spill = re.search(r"(/\S*etlstack-query-\S*)", done.stdout).group(1)
    assert Path(spill).parent == Path(tempfile.gettempdir())
    assert not Path(spill).exists()  # removed when the command ends


def test_control_characters_in_values_are_shown_not_sent_to_the_terminal(
    lake: dict[str, Path],
) -> None:
    done = query(lake, "select chr(27) || ']8;;https://evil.example' || chr(7) || 'x' as a")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "\\x1b]8;;https://evil.example\\x07x" in done.stdout
