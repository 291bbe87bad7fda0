"""Names and text are data: paths and values are printed literally (never as Rich markup), and a
warehouse path that no reader could name safely (a URI's ``? # %``, a line break, quotes,
patterns) is refused in one line before anything is written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ETLSTACK, etlstack, etlstack_run, one_error_line
from typer.testing import CliRunner

from python_engines.cli import app
from python_engines.core.schema import HEADER

MARKUP_URL = "https://shop.example/[/]"
LINK = "[link=https://evil.example]click[/link]"


def _events(folder: Path, page_url: str = "/home", name: str = "events.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        f"{HEADER}\ne1,u1,s1,2026-10-01 00:00:00,{page_url},DE,mobile,1.2.3.4,page_view\n"
    )
    return path


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# markup in data, headers and paths ------------------------------------------------------------


def test_markup_in_the_data_is_printed_as_it_is_stored(tmp_path: Path) -> None:
    source = _events(tmp_path / "in", page_url=f'"{MARKUP_URL}{LINK}"')
    warehouse = tmp_path / "wh"
    loaded = etlstack_run("polars", source, warehouse)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    done = etlstack("query", "select page_url from polars.events", "--warehouse", str(warehouse))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{MARKUP_URL}{LINK}" in done.stdout


def test_markup_in_a_csv_header_is_one_plain_line(tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("event_id,[/bold],[red]x\ne1,a,b\n")
    done = etlstack_run("polars", source, tmp_path / "wh")
    assert str(source) in one_error_line(done)


def test_markup_in_a_path_is_printed_as_it_is(tmp_path: Path) -> None:
    missing = tmp_path / "[prod]" / "[/]" / "events.csv"
    done = etlstack_run("polars", missing, tmp_path / "wh")
    assert str(missing) in one_error_line(done)


def test_markup_and_control_characters_in_a_path_are_printed_as_they_are(tmp_path: Path) -> None:
    out = tmp_path / "[prod] [/] [link=https://evil.example]x[/link] \x1b[2J"
    done = etlstack(
        "generate",
        "--rows",
        "2000",
        "--days",
        "2",
        "--incremental-days",
        "1",
        "--format",
        "csv",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    shown = str(out).replace("\x1b", "\\x1b")  # the escape shown, not sent to the terminal
    assert f"to {shown} " in done.stderr.replace("\n", "")
    assert "\x1b" not in done.stderr


# warehouse paths ------------------------------------------------------------------------------

UNSAFE_WAREHOUSES = [
    "lake?x",
    "lake#frag",
    "lake%41",
    "lake\nnext",
    "back\\slash",
    "mw[/]x",
    "x*y",
    "{a,b}",
    "a:b",
]


COMMANDS = {
    "run": ["run", "--engine", "polars", "--input", "{source}"],
    "history": ["history", "--engine", "polars"],
    "query": ["query", "select 1"],
    "validate": ["validate"],
    "marts": ["marts"],
    "marts-spark": ["marts", "--target", "spark"],
}
# every unsafe name through a run; two of them through every other command
CASES = [("run", name) for name in UNSAFE_WAREHOUSES] + [
    (command, name) for command in list(COMMANDS)[1:] for name in ("lake?x", "lake\nnext")
]


@pytest.mark.parametrize(("command", "name"), CASES)
def test_a_warehouse_path_no_reader_can_name_is_refused_before_anything_is_written(
    tmp_path: Path, command: str, name: str
) -> None:
    source = _events(tmp_path / "in")
    before = _tree(tmp_path)
    args = [a.replace("{source}", str(source)) for a in COMMANDS[command]]
    done = CliRunner().invoke(app, [*args, "--warehouse", str(tmp_path / name)])
    assert done.exit_code == 1 and "Traceback" not in done.output
    assert done.output.splitlines() == [done.output.strip()]  # one line
    assert done.output.startswith("error: warehouse ") and "cannot hold" in done.output
    assert _tree(tmp_path) == before  # no catalog, no sibling file, no second folder


@pytest.mark.parametrize("under", ["", "lake"], ids=["the-warehouse", "a-folder-on-the-way"])
def test_a_dangling_warehouse_link_is_refused_not_followed(tmp_path: Path, under: str) -> None:
    source = _events(tmp_path / "in")
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "gone" / "lake")
    warehouse = link / under if under else link
    done = etlstack_run("polars", source, warehouse)
    assert "is a link to nothing" in one_error_line(done)
    assert not (tmp_path / "gone").exists()


def test_the_user_dimension_is_read_from_its_own_folder_whatever_its_name(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh"
    loaded = etlstack_run("polars", _events(tmp_path / "in"), warehouse)
    assert loaded.returncode == 0, loaded.stderr
    for folder, user in (("d[ab]", "mine"), ("da", "someone-elses")):  # d[ab] matches da
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "_users.csv").write_text(
            f"user_id,tier,home_country,usual_device\n{user},gold,DE,mobile\n"
        )
    done = subprocess.run(
        [ETLSTACK, "query", "select user_id from generator.users", "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        env={**os.environ, "ETLSTACK_DATA_DIR": str(tmp_path / "d[ab]"), "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    assert "mine" in done.stdout and "someone-elses" not in done.stdout


def test_a_warehouse_path_with_spaces_and_letters_of_any_script_holds_the_lakehouse(
    tmp_path: Path,
) -> None:
    source = _events(tmp_path / "in")
    warehouse = tmp_path / "my lake é=1+2@x~y"
    done = etlstack_run("duckdb", source, warehouse)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (warehouse / "catalog.db").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["in", warehouse.name])
    assert list(warehouse.rglob("*.metadata.json"))  # the tables' files inside the folder


@pytest.mark.slow
def test_dbt_builds_the_marts_inside_a_warehouse_whose_path_holds_quotes(
    tmp_path: Path, monkeypatch
) -> None:
    from conftest import PARITY_FIXTURE

    from python_engines.analytics.marts import PROJECT_DIR, SPARK_MARTS, MartsRequest, run_dbt
    from python_engines.core.settings import EngineSettings
    from python_engines.engines.spark_engine import spark_session
    from python_engines.inputs.discover import discover
    from python_engines.lakehouse.load import load

    for name in ("ETLSTACK_WAREHOUSE", "ETLSTACK_DATA_DIR"):
        monkeypatch.setenv(name, "")  # run_dbt points them at the lake; restored afterwards
    warehouse = tmp_path / 'o\'brien "lake"'
    load("duckdb", discover(PARITY_FIXTURE), warehouse)
    models = ("seed", "model")
    dbt = [str(Path(sys.executable).with_name("dbt")), "build"]
    dbt += [arg for kind in models for arg in ("--resource-type", kind)]
    env = {**os.environ, "ETLSTACK_WAREHOUSE": str(warehouse), "ETLSTACK_DATA_DIR": str(tmp_path)}
    # the DuckDB target in its own process: it holds analytics.duckdb's lock while it lives
    built = subprocess.run(dbt, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-3000:]
    run_dbt(MartsRequest("spark", "duckdb", warehouse, tmp_path, resource_types=models))
    assert (warehouse / "analytics.duckdb").is_file()
    assert (warehouse / SPARK_MARTS / "fct_sessions").is_dir()  # dbt-spark's location '…'
    assert [p.name for p in tmp_path.iterdir()] == [warehouse.name]  # nothing beside it
    spark = spark_session(EngineSettings())
    for mart in ("fct_sessions", "fct_pages", "dim_users", "sessions_by_start_day"):
        # DuckDB's marts read in another process (dbt keeps this one's connection open)
        done = etlstack(
            "query", f"select count(*) as n from marts.{mart}", "--warehouse", str(warehouse)
        )
        assert done.returncode == 0, done.stdout + done.stderr
        [expected] = [int(n) for n in re.findall(r"│\s*(\d+)\s*│", done.stdout)]
        assert expected > 0 and spark.table(f"marts.{mart}").count() == expected, mart
