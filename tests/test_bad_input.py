"""Hostile input files, on every engine: each physical data line is an event or a reject (a
``malformed_line`` keeps its raw text), or the whole file is refused with one line naming the
file (and the line) and nothing is committed — the same outcome on Polars, DuckDB and Spark."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError
from typer.testing import CliRunner

from python_engines.cli import app
from python_engines.core.schema import RAW_COLUMNS
from python_engines.lakehouse.catalog import open_catalog
from tests.conftest import ENGINE_PARAMS

runner = CliRunner()
HEADER = ",".join(RAW_COLUMNS)


def line(n: int, **values: str) -> str:
    """A valid event line (overrides by column name)."""
    row = {
        "event_id": f"e{n}",
        "user_id": "u1",
        "session_id": "s1",
        "timestamp": f"2026-10-01 00:00:{n:02d}",
        "page_url": f"/page/{n}",
        "country": "GB",
        "device": "mobile",
        "ip_address": "8.8.8.8",
        "event_type": "page_view",
    }
    row.update(values)
    return ",".join(row[c] for c in RAW_COLUMNS)


def csv_file(name: str, text: str | bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return path

    return make


def parquet_file(name: str, columns: dict[str, pa.Array], truncate: bool = False):
    def make(folder: Path) -> Path:
        path = folder / name
        pq.write_table(pa.table(columns), path)
        if truncate:
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        return path

    return make


def good_columns(rows: int = 3) -> dict[str, pa.Array]:
    values = [line(n).split(",") for n in range(1, rows + 1)]
    return {c: pa.array([v[i] for v in values]) for i, c in enumerate(RAW_COLUMNS)}


@dataclass
class Kept:
    """The file is loaded: these many events, these rejects by reason, these malformed lines."""

    events: int
    rejected: dict[str, int] = field(default_factory=dict)
    malformed: list[str] = field(default_factory=list)
    records: int | None = None  # when records are not lines (a quoted value with a line break)


@dataclass
class Refused:
    """The file is refused: the one-line message holds each of these."""

    says: list[str]


def good(n: int) -> str:
    return "\n".join(line(i) for i in range(1, n + 1)) + "\n"


EXTRA = line(4) + ",surplus"
MISSING = line(5).rsplit(",", 1)[0]
LONG = "/p/" + "x" * 400_000

CASES: dict[str, tuple[Callable[[Path], Path], Kept | Refused]] = {
    "empty_file": (csv_file("empty.csv", ""), Refused(["empty.csv", "empty file"])),
    "header_only": (csv_file("header.csv", HEADER + "\n"), Kept(0)),
    "utf8_bom": (
        csv_file("bom.csv", b"\xef\xbb\xbf" + (HEADER + "\n" + good(3)).encode()),
        Kept(3),
    ),
    "crlf_line_ends": (
        csv_file("crlf.csv", (HEADER + "\n" + good(3)).replace("\n", "\r\n")),
        Kept(3),
    ),
    "blank_lines": (
        csv_file(
            "blank.csv", HEADER + "\n\n" + line(1) + "\n\n\n" + good(3)[len(line(1)) + 1 :] + "\n"
        ),
        Kept(3),
    ),
    "unbalanced_quote": (
        csv_file(
            "quote.csv",
            HEADER + "\n" + line(1) + "\n" + line(2, page_url='"/open') + "\n" + line(3) + "\n",
        ),
        Refused(["quote.csv", "line 3", "unbalanced quote"]),
    ),
    "extra_column": (
        csv_file("extra.csv", HEADER + "\n" + good(3) + EXTRA + "\n"),
        Kept(3, {"malformed_line": 1}, [EXTRA]),
    ),
    "missing_column": (
        csv_file("missing.csv", HEADER + "\n" + MISSING + "\n" + good(3)),
        Kept(3, {"malformed_line": 1}, [MISSING]),
    ),
    "header_missing_a_column": (
        csv_file("short_header.csv", HEADER.rsplit(",", 1)[0] + "\n" + good(3)),
        Refused(["short_header.csv", "line 1", "header"]),
    ),
    "header_in_another_order": (
        csv_file("order.csv", ",".join(reversed(RAW_COLUMNS)) + "\n" + good(3)),
        Refused(["order.csv", "line 1", "header"]),
    ),
    "latin1_bytes": (
        csv_file(
            "latin1.csv",
            (HEADER + "\n" + good(2) + line(3, page_url="/café") + "\n").encode("latin-1"),
        ),
        Refused(["latin1.csv", "line 4", "not UTF-8"]),
    ),
    "binary_garbage": (
        csv_file("garbage.csv", bytes(range(256)) * 64),
        Refused(["garbage.csv", "line 1"]),
    ),
    "line_break_in_a_quoted_value": (
        csv_file(
            "multiline.csv",
            HEADER + "\n" + line(1, page_url='"/a\nb"') + "\n" + good(3)[len(line(1)) + 1 :],
        ),
        Kept(3, records=3),
    ),
    "carriage_return_in_a_quoted_value": (
        csv_file(
            "bare_cr.csv", HEADER + "\n" + line(1) + "\n" + line(2, page_url='"/a\rb"') + "\n"
        ),
        Refused(["bare_cr.csv", "line 3", "carriage return"]),
    ),
    "old_mac_line_ends": (
        csv_file("mac.csv", (HEADER + "\n" + good(3)).replace("\n", "\r")),
        Refused(["mac.csv", "line 1", "carriage return"]),
    ),
    "string_of_400kb": (
        csv_file("long.csv", HEADER + "\n" + good(2) + line(3, page_url=LONG) + "\n"),
        Kept(3),
    ),
    "years_0001_and_9999": (
        csv_file(
            "years.csv",
            HEADER
            + "\n"
            + line(1, timestamp="0001-01-01 00:00:00")
            + "\n"
            + line(2, timestamp="9999-12-31 23:59:59")
            + "\n"
            + line(3)
            + "\n",
        ),
        Kept(2, {"bad_timestamp": 1}),
    ),
    "numeric_ids": (
        csv_file(
            "numeric.csv",
            HEADER
            + "\n"
            + line(1, event_id="12345", user_id="42")
            + "\n"
            + good(3)[len(line(1)) + 1 :],
        ),
        Kept(3),
    ),
    "parquet_columns_in_another_order": (
        parquet_file("order.parquet", dict(reversed(good_columns().items()))),
        Kept(3),
    ),
    "parquet_integer_timestamp": (
        parquet_file(
            "int_ts.parquet", {**good_columns(), "timestamp": pa.array([1, 2, 3], pa.int64())}
        ),
        Refused(["int_ts.parquet", "timestamp", "int64"]),
    ),
    "parquet_numeric_ids": (
        parquet_file(
            "int_id.parquet", {**good_columns(), "event_id": pa.array([1, 2, 3], pa.int64())}
        ),
        Refused(["int_id.parquet", "event_id", "int64"]),
    ),
    "parquet_missing_column": (
        parquet_file(
            "no_device.parquet", {k: v for k, v in good_columns().items() if k != "device"}
        ),
        Refused(["no_device.parquet", "missing device"]),
    ),
    "parquet_extra_column": (
        parquet_file("extra.parquet", {**good_columns(), "referrer": pa.array(["a", "b", "c"])}),
        Refused(["extra.parquet", "unexpected referrer"]),
    ),
    "parquet_truncated": (
        parquet_file("cut.parquet", good_columns(), truncate=True),
        Refused(["cut.parquet", "not a readable Parquet file"]),
    ),
}


def committed(warehouse: Path, engine: str) -> dict[str, pa.Table]:
    """The engine's tables as committed ({} when no run ever committed)."""
    if not (warehouse / "catalog.db").exists():
        return {}
    catalog = open_catalog(warehouse)
    try:
        runs = catalog.load_table((engine, "runs")).scan().to_arrow()
    except (NoSuchTableError, NoSuchNamespaceError):
        return {}
    if runs.num_rows == 0:
        return {}
    names = ("events", "rejected_events", "runs")
    return {n: catalog.load_table((engine, n)).scan().to_arrow() for n in names}


def data_lines(path: Path) -> int:
    """Physical lines after the header that hold anything (blank lines are no data)."""
    lines = path.read_bytes().splitlines()[1:]
    return sum(1 for raw in lines if raw.strip())


def rows_in(case: str, path: Path) -> int:
    """What a run must account for: the data lines, a Parquet file's rows, or the records."""
    expected = CASES[case][1]
    if expected.records is not None:
        return expected.records
    return data_lines(path) if path.suffix == ".csv" else pq.read_metadata(path).num_rows


def assert_refused(output: str, exit_code: int, says: list[str], warehouse: Path, engine: str):
    assert exit_code == 1, output
    assert "Traceback" not in output
    assert len(output.strip().splitlines()) == 1, output
    assert output.strip().startswith("error: ")
    for part in says:
        assert part in output, output
    assert committed(warehouse, engine) == {}


KEPT = [name for name, (_, outcome) in CASES.items() if isinstance(outcome, Kept)]
REFUSED = [name for name, (_, outcome) in CASES.items() if isinstance(outcome, Refused)]


def unique_ids(text: bytes, case: str) -> bytes:
    """Event ids e1, e2 … made unique per case, so that the cases can share one run."""
    return re.sub(rb"(?m)^e(\d+),", case.encode() + rb"-e\1,", text)


@pytest.fixture(scope="module")
def kept_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every loadable case's file (ids unique per case), CSV and Parquet in folders apart."""
    root = tmp_path_factory.mktemp("kept")
    paths = {}
    for case in KEPT:
        make, _ = CASES[case]
        folder = root / "made" / case
        folder.mkdir(parents=True)
        made = make(folder)
        target = root / made.suffix.lstrip(".") / f"{case}{made.suffix}"
        target.parent.mkdir(exist_ok=True)
        if made.suffix == ".csv":
            target.write_bytes(unique_ids(made.read_bytes(), case))
        else:
            table = pq.read_table(made)
            ids = [f"{case}-{i}" for i in table["event_id"].to_pylist()]
            index = table.schema.get_field_index("event_id")
            pq.write_table(table.set_column(index, "event_id", pa.array(ids)), target)
        paths[case] = target
    return paths


@pytest.fixture(scope="module")
def kept_runs(kept_inputs: dict[str, Path], tmp_path_factory):
    """One CLI run per engine and format over the loadable cases' files, made when an engine's
    first test asks (a Spark run costs half a minute on this machine: one per case would not
    fit the suite's budget)."""
    runs: dict[str, dict[str, pa.Table]] = {}

    def tables_of(engine: str) -> dict[str, pa.Table]:
        if engine not in runs:
            runs[engine] = {}
            for folder in sorted({p.parent for p in kept_inputs.values()}):
                warehouse = tmp_path_factory.mktemp(f"wh-{engine}-{folder.name}")
                args = ["run", "--engine", engine, "--input", str(folder)]
                result = runner.invoke(app, [*args, "--warehouse", str(warehouse)])
                assert result.exit_code == 0, result.output
                for name, table in committed(warehouse, engine).items():
                    runs[engine][name] = pa.concat_tables(  # string and large_string
                        [t for t in (runs[engine].get(name), table) if t is not None],
                        promote_options="permissive",
                    )
        return runs[engine]

    return tables_of


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
@pytest.mark.parametrize("case", KEPT)
def test_loadable_bad_input_keeps_or_rejects_every_line_alike_on_every_engine(
    kept_runs, kept_inputs, case: str, engine: str
) -> None:
    expected = CASES[case][1]
    path = kept_inputs[case]
    source = path.resolve().as_posix()
    tables = kept_runs(engine)
    events = tables["events"].filter(pc.starts_with(tables["events"]["event_id"], f"{case}-"))
    if case == "numeric_ids":
        events = pa.concat_tables(
            [events, tables["events"].filter(pc.equal(tables["events"]["event_id"], "12345"))]
        )
    rejected = tables["rejected_events"].filter(
        pc.equal(tables["rejected_events"]["source_file"], source)
    )
    assert events.num_rows + rejected.num_rows == rows_in(case, path)  # every line accounted for
    assert events.num_rows == expected.events
    assert dict(Counter(rejected["reason"].to_pylist())) == expected.rejected
    malformed = rejected.filter(pc.equal(rejected["reason"], "malformed_line"))
    raw = [unique_ids(m.encode(), case).decode() for m in expected.malformed]
    assert malformed["raw_line"].to_pylist() == raw
    if case == "line_break_in_a_quoted_value":
        assert "/a\nb" in events["page_url"].to_pylist()
    if case == "string_of_400kb":
        assert max(len(p) for p in events["page_url"].to_pylist()) == len(LONG)
    if case in ("utf8_bom", "crlf_line_ends"):
        assert sorted(events["event_id"].to_pylist()) == [f"{case}-e{i}" for i in (1, 2, 3)]
        assert set(events["event_type"].to_pylist()) == {"page_view"}


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_the_runs_log_counts_every_data_line(kept_runs, kept_inputs, engine: str) -> None:
    lines = sum(rows_in(case, path) for case, path in kept_inputs.items())
    tables = kept_runs(engine)
    assert sum(tables["runs"]["rows_in"].to_pylist()) == lines
    assert tables["events"].num_rows + tables["rejected_events"].num_rows == lines


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
@pytest.mark.parametrize("case", REFUSED)
def test_unloadable_bad_input_is_refused_in_one_line_alike_on_every_engine(
    tmp_path: Path, case: str, engine: str
) -> None:
    make, expected = CASES[case]
    folder = tmp_path / "in"
    folder.mkdir()
    path = make(folder)
    warehouse = tmp_path / "wh"
    args = ["run", "--engine", engine, "--input", str(path), "--warehouse", str(warehouse)]
    result = runner.invoke(app, args)
    assert_refused(result.output, result.exit_code, expected.says, warehouse, engine)


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_a_refused_file_among_good_ones_commits_nothing(tmp_path: Path, engine: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "2026-10-01.csv").write_text(HEADER + "\n" + good(3))
    (folder / "2026-10-02.csv").write_text("event_id,user_id\n" + good(3))
    warehouse = tmp_path / "wh"
    result = runner.invoke(
        app, ["run", "--engine", engine, "--input", str(folder), "--warehouse", str(warehouse)]
    )
    assert_refused(result.output, result.exit_code, ["2026-10-02.csv", "line 1"], warehouse, engine)


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_a_folder_without_event_files_is_refused(tmp_path: Path, engine: str) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "_dirty_rows.csv").write_text(HEADER + "\n" + good(3))  # a sidecar is no event file
    (folder / "notes.txt").write_text("hello")
    warehouse = tmp_path / "wh"
    result = runner.invoke(
        app, ["run", "--engine", engine, "--input", str(folder), "--warehouse", str(warehouse)]
    )
    assert_refused(
        result.output,
        result.exit_code,
        ["no .csv or .parquet files under", str(folder)],
        warehouse,
        engine,
    )


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_an_unreadable_file_is_refused(tmp_path: Path, engine: str) -> None:
    """Tests run as root, whom file modes do not stop: the run is a child process without the
    capabilities that bypass them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), as an ordinary
    user's process would be."""
    path = tmp_path / "locked.csv"
    path.write_text(HEADER + "\n" + good(3))
    path.chmod(0)
    warehouse = tmp_path / "wh"
    command = [str(Path(sys.executable).parent / "etlstack"), "run", "--engine", engine]
    command += ["--input", str(path), "--warehouse", str(warehouse)]
    if os.geteuid() == 0:
        drop = "-dac_override,-dac_read_search"
        command = ["setpriv", f"--inh-caps={drop}", f"--bounding-set={drop}", "--", *command]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "400"}
    )
    output = done.stdout + done.stderr
    assert_refused(
        output,
        done.returncode,
        ["locked.csv", "cannot be read", "Permission denied"],
        warehouse,
        engine,
    )


def test_a_warehouse_made_before_raw_line_gains_the_column(tmp_path: Path) -> None:
    from python_engines.core.schema import REJECTED_EVENTS
    from python_engines.lakehouse.catalog import DATA_TABLES, TableSpec, ensure_table

    old = pa.schema([f for f in REJECTED_EVENTS if f.name != "raw_line"])
    warehouse = tmp_path / "wh"
    ensure_table(open_catalog(warehouse), "duckdb", "rejected_events", TableSpec(old))
    path = tmp_path / "extra.csv"
    path.write_text(HEADER + "\n" + good(3) + EXTRA + "\n")
    args = ["run", "--engine", "duckdb", "--input", str(path), "--warehouse", str(warehouse)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rejected = committed(warehouse, "duckdb")["rejected_events"]
    assert rejected["raw_line"].to_pylist() == [EXTRA]
    assert "raw_line" in DATA_TABLES["rejected_events"].schema.names
