"""The smaller hostile inputs (issue 30, point 6), on every engine, through ``etlstack run``: a
record over 1 MiB, a NUL byte in a value, a Parquet file with a value that is not UTF-8, a
damaged page or a column twice, and a header that is no header (an input linked to a secret) are
each refused in one line naming the file, before any engine starts, and that line never shows
the file's text; out-of-range settings are refused in one line naming the variable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from python_engines.cli import app
from python_engines.core.errors import EtlStackError
from python_engines.core.schema import RAW_COLUMNS
from python_engines.core.settings import (
    MAX_SESSION_GAP_MINUTES,
    THREADS_PER_CPU,
    EngineSettings,
    PipelineSettings,
    cpus,
)
from python_engines.inputs.csv_checks import MAX_RECORD_BYTES, clean_csv, csv_clean_records
from tests.conftest import ENGINE_PARAMS
from tests.test_bad_input import HEADER, assert_refused, committed, good, good_columns, line

runner = CliRunner()


def run(engine: str, source: Path, warehouse: Path, env: dict[str, str] | None = None):
    args = ["run", "--engine", engine, "--input", str(source), "--warehouse", str(warehouse)]
    return runner.invoke(app, args, env=env)


def long_line(n: int, size: int) -> str:
    """An event line of exactly ``size`` bytes with its line feed (a long page_url)."""
    short = line(n, page_url="/p/")
    return line(n, page_url="/p/" + "x" * (size - len(short) - 1))


def csv_text(*lines: str) -> str:
    return HEADER + "\n" + "".join(f"{text}\n" for text in lines)


def quoted_record(n: int, size: int) -> str:
    """An event line of at least ``size`` bytes whose quoted page_url holds line breaks: lines
    of 2,000 bytes (fewer than the 1,000 lines an open quote may span), one long record."""
    piece = "y" * 1999 + "\n"
    return line(n, page_url='"/q/' + piece * (size // len(piece) + 1) + '"')


def parquet_with(columns: dict[str, pa.Array], **options) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        pq.write_table(pa.table(columns), path, **options)

    return write


def not_utf8(column: str, dictionary: bool) -> Callable[[Path], None]:
    values = good_columns()
    raw = [v.encode() for v in values[column].to_pylist()]
    raw[1] = raw[1] + b"\xe9"  # latin-1 'é'
    bad = pa.array(raw, pa.binary()).view(pa.string())  # Arrow does not check a view
    return parquet_with({**values, column: bad}, use_dictionary=dictionary)


def damaged_page(path: Path) -> None:
    """A Parquet file whose footer is whole but one page's bytes are changed."""
    rows = 20_000
    columns = {
        c: pa.array([f"{c}-{i}-" + "q" * (i % 37) for i in range(rows)]) for c in RAW_COLUMNS
    }
    pq.write_table(pa.table(columns), path)
    chunk = pq.read_metadata(path).row_group(0).column(RAW_COLUMNS.index("page_url"))
    data = bytearray(path.read_bytes())
    for i in range(chunk.data_page_offset + 100, chunk.data_page_offset + 400):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def doubled_column(path: Path) -> None:
    values = good_columns()
    names = [*RAW_COLUMNS, "device"]
    pq.write_table(pa.table([*values.values(), values["device"]], names=names), path)


CSV_REFUSED: dict[str, tuple[str, list[str]]] = {
    "ten_mb_field": (
        csv_text(line(1), line(2, page_url="/p/" + "x" * 10_000_000), line(3)),
        ["line 3", "more than 1,048,576 bytes"],
    ),
    "one_byte_over_the_limit": (
        csv_text(*[line(i) for i in range(1, 2000)], long_line(2000, MAX_RECORD_BYTES + 1)),
        ["line 2001", "more than 1,048,576 bytes"],
    ),
    "quoted_record_over_the_limit": (
        csv_text(line(1), quoted_record(2, MAX_RECORD_BYTES)),
        ["line 3", "more than 1,048,576 bytes"],
    ),
    "nul_in_a_value": (
        csv_text(line(1), line(2, page_url="/a\0b"), line(3)),
        ["line 3", "NUL byte", "column 32"],
    ),
}

PARQUET_REFUSED: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "not_utf8_in_a_dictionary_column": (
        not_utf8("page_url", dictionary=True),
        ["row 2", "column page_url", "not UTF-8"],
    ),
    "not_utf8_in_a_plain_column": (
        not_utf8("event_id", dictionary=False),
        ["row 2", "column event_id", "not UTF-8"],
    ),
    "nul_in_a_value": (
        parquet_with({**good_columns(), "user_id": pa.array(["u1", "u\0", "u3"])}),
        ["row 2", "column user_id", "NUL byte"],
    ),
    "damaged_page": (damaged_page, ["not a readable Parquet file", "damaged page"]),
    "column_twice": (doubled_column, ["column device appears 2 times"]),
}


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
@pytest.mark.parametrize("case", CSV_REFUSED)
def test_a_csv_file_is_refused_in_one_line_alike_on_every_engine(
    tmp_path: Path, case: str, engine: str
) -> None:
    text, says = CSV_REFUSED[case]
    path = tmp_path / f"{case}.csv"
    path.write_bytes(text.encode())
    result = run(engine, path, tmp_path / "wh")
    assert_refused(result.output, result.exit_code, [str(path), *says], tmp_path / "wh", engine)


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
@pytest.mark.parametrize("case", PARQUET_REFUSED)
def test_a_parquet_file_is_refused_in_one_line_alike_on_every_engine(
    tmp_path: Path, case: str, engine: str
) -> None:
    write, says = PARQUET_REFUSED[case]
    path = tmp_path / f"{case}.parquet"
    write(path)
    result = run(engine, path, tmp_path / "wh")
    assert_refused(result.output, result.exit_code, [str(path), *says], tmp_path / "wh", engine)


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_a_record_of_1_mib_loads_whole_on_every_engine(tmp_path: Path, engine: str) -> None:
    """The limit itself loads: DuckDB's max_line_size (2,000,000 bytes) is above it, and the
    file (over Arrow's check block) is read by the engines as a cleaned copy."""
    path = tmp_path / "long.csv"
    path.write_text(csv_text(line(1), long_line(2, MAX_RECORD_BYTES), line(3)))
    result = run(engine, path, tmp_path / "wh")
    assert result.exit_code == 0, result.output
    events = committed(tmp_path / "wh", engine)["events"]
    assert sorted(events["event_id"].to_pylist()) == ["e1", "e2", "e3"]
    longest = max(len(url) for url in events["page_url"].to_pylist())
    assert longest == len(long_line(2, MAX_RECORD_BYTES).split(",")[4])


@pytest.mark.parametrize("offset", [0, 1, 77_777, 300_001, 524_287, 524_288, 1_000_003])
def test_every_record_over_the_limit_leaves_the_fast_check_wherever_it_sits(
    tmp_path: Path, offset: int
) -> None:
    """The one-thread Arrow parse is what catches a long record in a clean-looking file: it
    must fail (hand the file to ``clean_csv``) wherever the record starts, so that
    ``clean_csv`` refuses it; a record of exactly the limit is kept."""
    lines, size = [], len(HEADER) + 1
    while size < offset:
        lines.append(line(len(lines) + 1))
        size += len(lines[-1]) + 1
    path = tmp_path / "over.csv"
    path.write_text(csv_text(*lines, long_line(0, MAX_RECORD_BYTES + 1), *lines[:50]))
    assert csv_clean_records(path, "over.csv") is None
    refusal = f"over.csv: line {len(lines) + 2}: a record of more than 1,048,576 bytes"
    with pytest.raises(EtlStackError, match=refusal):
        clean_csv(path, "over.csv", tmp_path / "copy.csv")
    path.write_text(csv_text(*lines, long_line(0, MAX_RECORD_BYTES), *lines[:50]))
    records = csv_clean_records(path, "at.csv")
    kept = records if records is not None else clean_csv(path, "at", tmp_path / "copy.csv")[0]
    assert kept == len(lines) + 1 + len(lines[:50])


SECRETS = {
    "shadow": "root:$6$s3cr3tSalt$Xk2PqHash:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\n",
    "token_like_an_identifier": "ghp_s3cr3tT0kenLooksLikeAColumn\n",
    "env_file": "API_KEY=s3cr3t,DB_PASSWORD=hunter2\n",
}


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
@pytest.mark.parametrize("secret", SECRETS)
def test_an_input_linked_to_a_secret_is_refused_without_showing_it(
    tmp_path: Path, secret: str, engine: str
) -> None:
    target = tmp_path / "private" / secret
    target.parent.mkdir()
    target.write_text(SECRETS[secret])
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "2026-10-01.csv").symlink_to(target)
    result = run(engine, folder, tmp_path / "wh")
    says = ["2026-10-01.csv", "line 1", "none of them an event column"]
    assert_refused(result.output, result.exit_code, says, tmp_path / "wh", engine)
    for shown in ("s3cr3t", "$6$", "19700", "hunter2", "ghp_", "API_KEY"):
        assert shown not in result.output


def test_a_wrong_header_says_what_is_missing_and_where_in_names_of_event_columns(
    tmp_path: Path,
) -> None:
    path = tmp_path / "near.csv"
    names = [*RAW_COLUMNS[:7], "client_ip", "event_type", "event_type"]
    path.write_text(",".join(names) + "\n" + good(3))
    result = run("duckdb", path, tmp_path / "wh")
    says = ["near.csv", "line 1", "10 fields", "missing ip_address", "1 other name (field 8)"]
    assert_refused(
        result.output,
        result.exit_code,
        [*says, "event_type more than once"],
        tmp_path / "wh",
        "duckdb",
    )
    assert "client_ip" not in result.output


BAD_SETTINGS = [
    ("ETLSTACK_SESSION_GAP_MINUTES", "0"),
    ("ETLSTACK_SESSION_GAP_MINUTES", "-5"),
    ("ETLSTACK_SESSION_GAP_MINUTES", str(MAX_SESSION_GAP_MINUTES + 1)),
    ("ETLSTACK_THREADS", "1000"),
    ("ETLSTACK_THREADS", "0"),
]


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
@pytest.mark.parametrize(("variable", "value"), BAD_SETTINGS)
def test_a_setting_out_of_range_is_refused_in_one_line(
    tmp_path: Path, variable: str, value: str, engine: str
) -> None:
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + "\n" + good(3))
    result = run(engine, path, tmp_path / "wh", env={variable: value})
    assert_refused(
        result.output, result.exit_code, [f"{variable}: {value} ", "give"], tmp_path / "wh", engine
    )


def test_the_bounds_themselves_are_accepted() -> None:
    assert PipelineSettings(session_gap_minutes=1).session_gap_minutes == 1
    gap = PipelineSettings(session_gap_minutes=MAX_SESSION_GAP_MINUTES)
    assert gap.session_gap_minutes == 24 * 60
    assert EngineSettings(threads=1).threads == 1
    assert EngineSettings(threads=THREADS_PER_CPU * cpus()).threads == THREADS_PER_CPU * cpus()


def test_a_bad_session_gap_is_refused_before_the_warehouse_is_touched(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("ETLSTACK_SESSION_GAP_MINUTES", "0")
    source = tmp_path / "events.csv"
    source.write_text(HEADER + "\n" + good(1))
    args = ["run", "--engine", "polars", "--input", str(source)]
    done = runner.invoke(app, [*args, "--warehouse", str(tmp_path / "wh")])
    assert done.exit_code == 1 and done.output.startswith("error: ETLSTACK_SESSION_GAP_MINUTES")
    assert not (tmp_path / "wh").exists()
