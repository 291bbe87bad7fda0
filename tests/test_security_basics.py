"""Security basics: no credentials in the repository, catalog passwords never printed, every
identifier that reaches SQL allow-listed or quoted, input paths that are not files or folders of
events (a FIFO, /dev/zero, a symlink loop) refused in one line."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import polars as pl
import pytest
from conftest import PARITY_FIXTURE, etlstack, one_error_line
from services import postgres_server

from python_engines.analytics.marts import MartsRequest, run_dbt
from python_engines.analytics.query import connect, run_query
from python_engines.core.errors import EtlStackError
from python_engines.core.security import check_identifier, mask_uri
from python_engines.inputs.discover import discover
from python_engines.lakehouse.catalog import DATA_TABLES
from python_engines.lakehouse.load import load
from python_engines.lakehouse.run_lock import namespace_lock
from python_engines.lakehouse.store import Store
from python_engines.transpile import ENGINES, stage_names

REPO = Path(__file__).parent.parent
SECRET = "s3cr:et@pass"  # ':' and '@' inside a password must not fool the mask


# credentials ------------------------------------------------------------------------------


def test_no_file_in_the_repository_holds_a_password_in_a_uri() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    # ://user:<password>@ where the password is a literal (not ${VAR}, {name}, *** or <…>)
    literal = re.compile(r"://[^\s:/@'\"]+:(?![{$*<])[^\s/@'\"]+@")
    found = []
    for name in tracked:
        path = REPO / name
        if path.suffix in {".parquet", ".png", ".db", ".jar", ".lock"} or not path.is_file():
            continue
        text = path.read_text(errors="ignore")
        found += [f"{name}: {m.group(0)}" for m in literal.finditer(text)]
    assert found == []


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            f"postgresql+psycopg2://etl:{SECRET}@db:5432/lake",
            "postgresql+psycopg2://etl:***@db:5432/lake",
        ),
        ("postgresql+psycopg2://etl@db/lake", "postgresql+psycopg2://etl@db/lake"),
        ("spark://127.0.0.1:7077", "spark://127.0.0.1:7077"),
        (
            f"error at postgresql://u:{SECRET}@h/x: refused",
            "error at postgresql://u:***@h/x: refused",
        ),
        (
            f"host=db user=etl password={SECRET} dbname=lake",
            "host=db user=etl password=*** dbname=lake",
        ),
    ],
)
def test_mask_uri_hides_only_the_password(text: str, masked: str) -> None:
    assert mask_uri(text) == masked


def test_an_unreachable_catalog_error_never_prints_its_password(tmp_path: Path) -> None:
    uri = f"postgresql+psycopg2://etl:{SECRET}@127.0.0.1:1/lake"
    done = etlstack(
        "run", "--engine", "duckdb", "--input", str(PARITY_FIXTURE), "--warehouse",
        str(tmp_path), "--catalog-uri", uri,
    )  # fmt: skip
    line = one_error_line(done)
    assert "cannot open the Iceberg catalog postgresql+psycopg2://etl:***@127.0.0.1:1/lake" in line
    assert "s3cr" not in done.stdout + done.stderr


def test_a_bad_catalog_uri_error_never_prints_its_password(tmp_path: Path) -> None:
    uri = f"nosuchdialect://etl:{SECRET}@db/lake"
    done = etlstack(
        "history", "--engine", "duckdb", "--warehouse", str(tmp_path), ETLSTACK_CATALOG_URI=uri
    )
    assert "nosuchdialect://etl:***@db/lake" in one_error_line(done)
    assert "s3cr" not in done.stdout + done.stderr


@pytest.fixture(scope="module")
def postgres_with_password():
    with postgres_server(password=SECRET.replace(":", "").replace("@", "")) as uri:
        yield uri


@pytest.mark.slow  # a PostgreSQL server
def test_a_password_catalog_from_the_environment_loads_and_never_shows_it(
    tmp_path: Path, postgres_with_password: str
) -> None:
    uri = postgres_with_password
    password = uri.split(":")[2].split("@")[0]
    warehouse = str(tmp_path / "lake")
    done = etlstack(
        "run", "--engine", "duckdb", "--input", str(PARITY_FIXTURE), "--warehouse", warehouse,
        ETLSTACK_CATALOG_URI=uri,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert Store(Path(warehouse), "duckdb", uri).runs().height == 1
    with namespace_lock(Path(warehouse), "duckdb", uri):  # the refusal names the catalog
        refused = etlstack(
            "run", "--engine", "duckdb", "--input", str(PARITY_FIXTURE), "--warehouse", warehouse,
            ETLSTACK_CATALOG_URI=uri, ETLSTACK_LOCK_TIMEOUT_SECONDS="0",
        )  # fmt: skip
    assert "warehouse postgresql+psycopg2://etl:***@127.0.0.1" in one_error_line(refused)
    wrong = uri.replace(password, "wrong-password")
    denied = etlstack(
        "history", "--engine", "duckdb", "--warehouse", warehouse, ETLSTACK_CATALOG_URI=wrong
    )
    assert "password authentication failed" in one_error_line(denied)
    for output in (done, refused, denied):
        assert password not in output.stdout + output.stderr
        assert "wrong-password" not in output.stdout + output.stderr


# identifiers that reach SQL ---------------------------------------------------------------


@pytest.mark.parametrize("name", ['x"; drop table runs; --', "1events", "a b", "", "é", "x" * 64])
def test_identifiers_off_the_allow_list_are_refused(name: str) -> None:
    with pytest.raises(EtlStackError, match="is not allowed"):
        check_identifier(name)


def test_the_names_the_engines_write_unquoted_are_all_on_the_allow_list() -> None:
    """Engine namespaces, stage (temp table) names and table names reach SQL unquoted in the
    engines and the catalog: all come from this code and pass the allow-list."""
    for name in [*ENGINES, *stage_names(), *DATA_TABLES, "runs", "raw_events"]:
        check_identifier(name)


def test_a_stage_or_engine_off_the_list_is_refused_in_one_line() -> None:
    assert "unknown stage" in one_error_line(
        etlstack("show-sql", "--engine", "duckdb", "--stage", "x; drop table y")
    )
    assert "unknown engine" in one_error_line(etlstack("show-sql", "--engine", "duckdb'; --"))


def test_a_marts_engine_that_is_no_identifier_never_reaches_dbt(tmp_path: Path) -> None:
    request = MartsRequest("duckdb", "duckdb' or 1=1 --", tmp_path, tmp_path)
    with pytest.raises(EtlStackError, match=r"engine namespace .* is not allowed"):
        run_dbt(request)


def test_a_run_lock_for_a_namespace_that_is_no_identifier_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EtlStackError, match="is not allowed"), namespace_lock(tmp_path, "../x"):
        pass


def test_a_catalog_namespace_with_quotes_is_quoted_when_queried(tmp_path: Path) -> None:
    """Namespaces and tables the DuckDB views name come from the catalog (a shared one may hold
    anything): they are quoted, so a quote in one is data, not SQL."""
    load("duckdb", discover(PARITY_FIXTURE), tmp_path)
    odd = 'we"ird; drop schema duckdb cascade; --'
    Store(tmp_path, odd)  # its tables exist, never committed: empty typed tables
    con = connect(tmp_path, None, tmp_path)
    events = run_query(con, "select count(*) as n from duckdb.events").column("n")[0].as_py()
    assert events > 0
    quoted = '"' + odd.replace('"', '""') + '"'
    empty = run_query(con, f"select count(*) as n from {quoted}.events").column("n")[0].as_py()
    assert empty == 0


# input paths ------------------------------------------------------------------------------


def _run_input(path: Path, warehouse: Path) -> subprocess.CompletedProcess:
    return etlstack(
        "run", "--engine", "duckdb", "--input", str(path), "--warehouse", str(warehouse), timeout=60
    )


def test_a_fifo_as_input_is_refused_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "events.csv"
    os.mkfifo(fifo)  # reading it would block for ever
    line = one_error_line(_run_input(fifo, tmp_path / "lake"))
    assert f"input {fifo} is a FIFO, not a file or folder of events" in line


def test_a_fifo_named_like_events_inside_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    folder.mkdir()
    (folder / "day1.csv").write_bytes((PARITY_FIXTURE / "day1.csv").read_bytes())
    os.mkfifo(folder / "day2.csv")
    with pytest.raises(EtlStackError, match=r"day2\.csv is a FIFO"):
        discover(folder)


def test_dev_zero_as_input_is_refused_not_read() -> None:
    line = one_error_line(_run_input(Path("/dev/zero"), Path("/nonexistent-lake")))
    assert "input /dev/zero is a character device, not a file or folder of events" in line


def test_a_symlink_loop_as_input_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.csv").symlink_to(tmp_path / "b.csv")
    (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
    line = one_error_line(_run_input(tmp_path / "a.csv", tmp_path / "lake"))
    assert "a.csv: a symbolic link loop" in line
    with pytest.raises(EtlStackError, match="symbolic link loop"):
        discover(tmp_path)  # the loop inside a folder, too


def test_a_dangling_link_is_named_and_a_link_to_a_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    with pytest.raises(EtlStackError, match="does not exist"):
        discover(tmp_path / "gone.csv")
    (tmp_path / "day1.csv").symlink_to(PARITY_FIXTURE / "day1.csv")
    inputs = discover(tmp_path / "day1.csv")  # resolved to the real file
    assert inputs.paths == [str((PARITY_FIXTURE / "day1.csv").resolve())]


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_a_warehouse_path_with_a_quote_and_a_space_loads_like_any_other(
    tmp_path: Path, engine: str
) -> None:
    """The engine writes a first load's files itself: the path reaches its SQL as a literal, and
    the files land where pyiceberg reads the table's location."""
    plain, odd = tmp_path / "plain", tmp_path / "o'brien lake"
    for warehouse in (plain, odd):
        load(engine, discover(PARITY_FIXTURE / "day1.csv"), warehouse)
        load(engine, discover(PARITY_FIXTURE / "day2.csv"), warehouse)
    for name in DATA_TABLES:
        expected = Store(plain, engine).scan(name).sort(pl.all()).rows()
        assert Store(odd, engine).scan(name).sort(pl.all()).rows() == expected, name
    # every file inside its warehouse (the quoted path once sent them to "o%27brien%20lake")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o'brien lake", "plain"]
