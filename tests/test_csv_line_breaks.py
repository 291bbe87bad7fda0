"""Line breaks inside quoted CSV fields (LF, CRLF) are part of the value on every engine: one
record each, the same tables row for row.

Not covered: a bare CR inside a quoted field. DuckDB 1.5.5 cannot read it (its sniffer gives up;
with ``auto_detect = false, strict_mode = false`` it splits the record at the CR), so such a file
is refused by DuckDB's reader today."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import ENGINE_PARAMS, sorted_rows

from python_engines.core.schema import OUTPUTS, RAW_COLUMNS
from python_engines.inputs.discover import discover
from python_engines.pipeline.stages import run_pipeline

ROW = {
    "event_id": "nl-1",
    "user_id": "u1",
    "session_id": "s1",
    "timestamp": "2026-10-01 10:00:00",
    "page_url": "https://shop.example.com/",
    "country": "US",
    "device": "mobile",
    "ip_address": "8.8.8.8",
    "event_type": "page_view",
}
# (event_id, column, value): each value holds a line break a quoted CSV field may carry
BROKEN_VALUES = [
    ("nl-lf", "page_url", "https://shop.example.com/a\nb"),
    ("nl-crlf", "page_url", "https://shop.example.com/c\r\nd"),
    ("nl-two", "page_url", "https://shop.example.com/\n\ng"),
    ("nl-trailing-lf", "user_id", "u2\n"),  # trimmed away: user u2
    ("nl-leading-crlf", "event_type", "\r\npurchase"),  # trimmed away: purchase
    ("nl-timestamp", "timestamp", "2026-10-01 10:05:00\r\n"),  # trimmed: a valid timestamp
    ("nl-in-id\nx", "device", "desktop"),  # a line break in the key itself
    ("nl-bad-ts", "timestamp", "2026-10-01\n10:07:00"),  # inside: a bad timestamp
]


@pytest.fixture(scope="module")
def csv_with_line_breaks(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("line-breaks") / "day.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, RAW_COLUMNS, lineterminator="\n")  # quotes as needed
        writer.writeheader()
        writer.writerow(ROW)
        for minute, (event_id, column, value) in enumerate(BROKEN_VALUES, start=1):
            timestamp = f"2026-10-01 10:{minute:02d}:30"
            writer.writerow({**ROW, "event_id": event_id, "timestamp": timestamp, column: value})
    assert len(path.read_bytes().splitlines()) > len(BROKEN_VALUES) + 2  # more lines than rows
    return path


@pytest.fixture(scope="module")
def duckdb_result(csv_with_line_breaks):
    return run_pipeline("duckdb", discover(csv_with_line_breaks))


def test_a_quoted_line_break_is_part_of_the_value_not_a_new_row(duckdb_result) -> None:
    assert duckdb_result.rows_in == 1 + len(BROKEN_VALUES)
    events = {e["event_id"]: e for e in duckdb_result.tables["events"].to_pylist()}
    assert events["nl-lf"]["page_url"] == "https://shop.example.com/a\nb"
    assert events["nl-crlf"]["page_url"] == "https://shop.example.com/c\r\nd"
    assert events["nl-trailing-lf"]["user_id"] == "u2"
    assert events["nl-leading-crlf"]["event_type"] == "purchase"
    assert "nl-timestamp" in events and "nl-in-id\nx" in events
    assert duckdb_result.rejected_by_reason == {"bad_timestamp": 1}


@pytest.mark.parametrize("engine", [e for e in ENGINE_PARAMS if e != "duckdb"])
def test_every_engine_reads_quoted_line_breaks_like_duckdb(
    csv_with_line_breaks, duckdb_result, engine
) -> None:
    result = run_pipeline(engine, discover(csv_with_line_breaks))
    assert result.rows_in == duckdb_result.rows_in
    for table in OUTPUTS:
        assert sorted_rows(result.tables[table]) == sorted_rows(duckdb_result.tables[table]), table
