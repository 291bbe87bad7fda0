"""bench/results/README.md is built from the files it indexes (bench.results_index): each row says
what a result measured, when, and on which commit — the one the file records, else the one that
added it to git, marked so — links an experiment's lines to the script that wrote them, copies no
measured figure, and the committed index is the builder's output, so it cannot go stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git_in

from bench.results_index import INDEX, RESULTS, build_rows, in_git, render, write_index

TIMING = 98.765  # a measured figure in every made-up result: the index must not copy it

SCRIPT = """#!/usr/bin/env bash
# Made-up loads before/after a change, trees alternating. Only this sentence is the summary.
# A second paragraph of the header.
#   .venv/bin/etlstack bench lakehouse --once polars /data/bulk /data/daily.parquet
#   bench/results/ab-20990103.jsonl: before = 1111111, after = 2222222
#   bench/results/ab-20990103b.jsonl (09:40 UTC) and
#   bench/results/ab-20990103c.jsonl: before = 3333333, after = the next
#   commit, Polars and DuckDB
# usage: bash <this> OUT.jsonl
echo "{}" >> "$1"
"""


def _archive(root: Path) -> tuple[Path, Path, Path]:
    """bench/{results,experiments,reports} with a few made-up files of each kind."""
    results, experiments, reports = root / "results", root / "experiments", root / "reports"
    for folder in (results, experiments, reports / "lakehouse"):
        folder.mkdir(parents=True)
    lakehouse = {
        "benchmark": "lakehouse",
        "date": "2099-01-01T00:00:00+00:00",
        "git_commit": "0123456789abcdef0123456789abcdef01234567-dirty",
        "input": {"bulk": "/data/bulk", "daily": "/data/daily.parquet"},
        "method": "fresh warehouse per run, median of 3",
        "cases": [
            {
                "engine": "polars",
                "tries": [{"bulk": {"rows_in": 1000, "seconds": {"total": TIMING}}, "daily": {}}],
            }
        ],
    }
    batched = {
        "benchmark": "batched-load",
        "date": "2099-01-02T03:04:05+00:00",
        "input": {"path": "/data", "rows": 5000},
        "method": "one process, fresh warehouse",
        "engine": "duckdb",
        "total_seconds": TIMING,
        "runs": [{"seconds": {"read": TIMING}}, {"seconds": {"read": TIMING}}],
    }
    (results / "lakehouse-20990101T000000.json").write_text(json.dumps(lakehouse))
    (results / "batched-load-20990102T030405.json").write_text(json.dumps(batched))
    (results / "batched-load-20990102T030405.log").write_text(
        f"  {TIMING} s  run 1/2: read\n  {TIMING} s  run 2/2: read\nrc=0\n"
    )
    lines = [
        {"tree": "/work/wt-before", "commit": "1111111", "engine": "polars", "round": 1},
        {"tree": "/work/main", "commit": "2222222", "engine": "polars", "round": 1},
        {"tree": "/work/wt-before", "commit": "1111111", "engine": "polars", "round": 2},
    ]
    (results / "ab-20990103.jsonl").write_text(
        "".join(json.dumps({**line, "figures": {"load": TIMING}}) + "\n" for line in lines)
    )
    for name in ("ab-20990103b.jsonl", "ab-20990103c.jsonl"):
        (results / name).write_text(json.dumps({"tree": "after", "figures": TIMING}) + "\n")
    (experiments / "ab-20990103.sh").write_text(SCRIPT)
    (reports / "lakehouse" / "report.md").write_text(
        "Generated from `bench/results/lakehouse-20990101T000000.json`.\n"
    )
    return results, experiments, reports


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The made-up archive in a git repository that ignores ad-hoc runs, as this one does: the
    results are force-added and committed, then one more ad-hoc run is left ignored."""
    folders = _archive(tmp_path / "bench")
    git_in(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text("bench/results/*.json\n")
    git_in(tmp_path, "add", "-f", ".")
    git_in(tmp_path, "commit", "-q", "-m", "results")
    (folders[0] / "lakehouse-20990109T000000.json").write_text("{}")
    return folders


def test_each_result_is_one_row_saying_what_when_and_which_commit(archive) -> None:
    results, experiments, reports = archive
    added = git_in(results, "rev-parse", "HEAD")[:12]
    rows = {row.files[0]: row for row in build_rows(results, experiments, reports)}
    assert sorted(rows) == [
        "ab-20990103.jsonl",
        "ab-20990103b.jsonl",
        "ab-20990103c.jsonl",
        "batched-load-20990102T030405.json",
        "lakehouse-20990101T000000.json",
    ]  # the ignored ad-hoc run is not archived

    lakehouse = rows["lakehouse-20990101T000000.json"]
    assert (lakehouse.kind, lakehouse.date) == ("lakehouse", "2099-01-01 00:00 UTC")
    assert (lakehouse.commit, lakehouse.commit_from) == ("0123456789ab-dirty", "file")
    assert "Engine polars." in lakehouse.what and "bulk 1,000 rows" in lakehouse.what
    assert lakehouse.report == "lakehouse"

    batched = rows["batched-load-20990102T030405.json"]
    assert batched.files == (
        "batched-load-20990102T030405.json",
        "batched-load-20990102T030405.log",
    )
    assert (batched.commit, batched.commit_from) == (added, "added")
    assert batched.date == "2099-01-02 03:04 UTC"
    for fact in ("Engine duckdb.", "Input 5,000 rows.", "2 runs.", "Log reaches run 2 of 2."):
        assert fact in batched.what
    assert batched.report is None


def test_an_experiments_lines_name_their_script_its_summary_and_its_note(archive) -> None:
    rows = {row.files[0]: row for row in build_rows(*archive)}
    same_stem = rows["ab-20990103.jsonl"]
    assert (same_stem.kind, same_stem.script, same_stem.date) == (
        "experiment",
        "ab-20990103.sh",
        "2099-01-03",
    )
    assert (same_stem.commit, same_stem.commit_from) == ("wt-before 1111111, main 2222222", "file")
    assert same_stem.what == (
        "3 tries. Engine polars. Trees wt-before, main. 2 rounds. "
        'Script: "Made-up loads before/after a change, trees alternating." '
        'Note: "bench/results/ab-20990103.jsonl: before = 1111111, after = 2222222"'
    )
    shared_note = (
        'Note: "bench/results/ab-20990103b.jsonl (09:40 UTC) and '
        "bench/results/ab-20990103c.jsonl: before = 3333333, after = the next "
        'commit, Polars and DuckDB"'
    )
    for name in ("ab-20990103b.jsonl", "ab-20990103c.jsonl"):
        named = rows[name]  # named only in the script's note
        assert named.script == "ab-20990103.sh"
        assert named.what.endswith(shared_note)
        assert named.commit_from == "added"


def test_the_index_links_files_scripts_and_reports_and_copies_no_figure(archive) -> None:
    results, experiments, reports = archive
    assert write_index(results, experiments, reports)
    text = (results / INDEX).read_text()
    assert "[ab-20990103.jsonl](ab-20990103.jsonl)" in text
    assert "script [ab-20990103.sh](../experiments/ab-20990103.sh)" in text
    assert "report [bench/reports/lakehouse](../reports/lakehouse/)" in text
    assert "`0123456789ab-dirty` |" in text and "*added*" in text
    assert str(TIMING) not in text
    assert not write_index(results, experiments, reports)  # unchanged: not rewritten


def test_outside_git_every_file_is_indexed_and_no_commit_is_guessed(tmp_path: Path) -> None:
    results, experiments, reports = _archive(tmp_path)
    (results / "notes.txt").write_text("# A profile, git abcdef1, 2099-01-04\nmore\n")
    rows = {row.files[0]: row for row in build_rows(results, experiments, reports)}
    assert len(rows) == 6
    assert (rows["batched-load-20990102T030405.json"].commit_from, rows["notes.txt"].kind) == (
        "",
        "text",
    )
    assert rows["batched-load-20990102T030405.json"].commit == ""
    assert (rows["notes.txt"].commit, rows["notes.txt"].what) == (
        "abcdef1",
        "A profile, git abcdef1, 2099-01-04",
    )


def test_the_committed_index_is_the_builders_output() -> None:
    # the index names the commits that added files: it needs the repository's whole history
    assert in_git(RESULTS) and git_in(RESULTS, "rev-parse", "--is-shallow-repository") == "false"
    assert (RESULTS / INDEX).read_text() == render(
        build_rows()
    ), "bench/results/README.md is stale: run etlstack bench index"
