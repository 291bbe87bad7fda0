"""`etlstack bench` on tiny data: the results contract, statistics on known inputs, fingerprints
that catch a changed row, and the report built from the results."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from bench.harness.fingerprint import FingerprintMismatch, check_agree, table_fingerprint
from bench.harness.machine import git_commit
from bench.harness.results_json import TRY_FIELDS
from bench.report_builder.statistics import summarize
from python_engines.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def tiny_bench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real two-size, two-engine, two-try bench (fresh processes) in a scratch folder."""
    root = tmp_path_factory.mktemp("bench")
    out = root / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)  # the input cache (data/bench) goes here too
        args = ["bench", "--rows", "2000,3000", "--engines", "polars,duckdb", "--repeat", "2"]
        result = runner.invoke(app, [*args, "--threads", "1,2", "--out", str(out), "--no-archive"])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.slow
def test_results_json_holds_every_try_with_the_contract_fields(tiny_bench: Path) -> None:
    results = json.loads((tiny_bench / "results.json").read_text())
    header, tries = results["header"], results["tries"]
    assert {"cpu", "cores", "memory_gib"} <= set(header["machine"])
    assert {"polars", "duckdb", "pyspark"} <= set(header["versions"])
    assert header["git_commit"] and header["date"] and header["matrix"]["repeat"] == 2
    assert len(tries) == 2 * 2 * 2 * 2  # sizes x engines x threads x tries
    for record in tries:
        assert set(TRY_FIELDS) <= set(record)
        assert record["wall_seconds"] > record["startup_seconds"] > 0
        assert record["peak_rss_bytes"] > 50 * 2**20
        assert 0 < record["cpu_percent"] <= 100 * 2
        assert record["events_per_second"] == pytest.approx(
            record["rows"] / record["wall_seconds"], rel=0.01
        )
        assert set(record["output_fingerprint"]) == {"events", "rejected_events", "sessions"}
        assert {"read", "sessionized", "fetch"} <= set(record["stages"])
    # round-robin: within a round every case runs before any runs again
    order = [(r["rows"], r["repeat"], r["engine"], r["threads"]) for r in tries]
    assert order[:4] == [(2000, 1, e, t) for e in ("polars", "duckdb") for t in (1, 2)]
    assert [r["cold"] for r in tries[:4]] == [True] * 4 and not tries[4]["cold"]
    firsts = [r for r in tries if r["first_after_generation"]]  # one per freshly generated size
    assert [(r["rows"], r["repeat"], r["engine"], r["threads"]) for r in firsts] == [
        (2000, 1, "polars", 1),
        (3000, 1, "polars", 1),
    ]


@pytest.mark.slow
def test_the_input_is_generated_once_per_rows_and_seed_and_reused(tiny_bench: Path) -> None:
    cache = tiny_bench.parent / "data" / "bench"
    assert sorted(p.name for p in cache.iterdir()) == ["rows-2000-seed-42", "rows-3000-seed-42"]


@pytest.mark.slow
def test_the_report_is_written_self_contained_with_plots_and_a_flowchart(tiny_bench: Path) -> None:
    markdown = (tiny_bench / "report.md").read_text()
    page = (tiny_bench / "report.html").read_text()
    assert "```mermaid" in markdown and "| polars x2 | 3,000 |" in markdown
    assert "<svg" in page and page.count("data:image/png;base64,") >= 5
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page
    assert (tiny_bench / "plots" / "time_vs_rows.png").stat().st_size > 1000


@pytest.mark.slow
def test_bench_report_rebuilds_the_report_from_results(tiny_bench: Path) -> None:
    (tiny_bench / "report.md").unlink()
    result = runner.invoke(app, ["bench", "report", str(tiny_bench)])
    assert result.exit_code == 0, result.output
    assert (tiny_bench / "report.md").exists()


def test_median_interval_and_outliers_on_known_tries() -> None:
    summary = summarize([10.0, 11.0, 12.0, 13.0, 40.0])
    assert (summary.median, summary.minimum, summary.maximum) == (12.0, 10.0, 40.0)
    assert 10.0 <= summary.ci_low <= 12.0 <= summary.ci_high <= 40.0
    assert summary.outliers == (4,)  # 40 > Q3 + 1.5 IQR and > 2 x median


def test_identical_or_single_tries_have_a_point_interval_and_no_outlier() -> None:
    assert summarize([5.0, 5.0, 5.0]).ci_low == summarize([5.0, 5.0, 5.0]).ci_high == 5.0
    single = summarize([7.0])
    assert (single.ci_low, single.ci_high, single.outliers) == (7.0, 7.0, ())


def _table(values: list[str | None]) -> pa.Table:
    return pa.table({"id": list(range(len(values))), "value": values})


def test_fingerprint_ignores_row_order_but_catches_a_changed_row() -> None:
    table = _table(["a", "b", None, "d"])
    assert table_fingerprint(table) == table_fingerprint(table.take([3, 1, 0, 2]))
    changed = _table(["a", "b", None, "e"])
    assert table_fingerprint(table) != table_fingerprint(changed)
    assert table_fingerprint(table) != table_fingerprint(table.slice(0, 3))


def test_a_mismatch_stops_the_bench_naming_the_table() -> None:
    same = {"events": "4:aa", "sessions": "2:bb"}
    check_agree("tiny", {"polars": same, "duckdb": dict(same)})
    with pytest.raises(FingerprintMismatch, match="table sessions differs between polars"):
        check_agree("tiny", {"polars": same, "duckdb": {**same, "sessions": "2:cc"}})


@pytest.mark.parametrize("command", [["bench"], ["bench", "report"], ["compare"]])
def test_bench_and_compare_have_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rows", "1000", "--size", "small"], "give --rows or --size, not both"),
        (["--engines", "pandas"], "unknown engine 'pandas'"),
        (["--threads", "two"], "--threads 'two': give whole numbers"),
        (["--memory-cap", "-1"], "--memory-cap: Input should be greater than 0"),
    ],
)
def test_bad_bench_options_are_one_line_errors(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["bench", *args])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_a_try_over_the_memory_cap_is_stopped_and_not_timed(tiny_bench: Path) -> None:
    from bench.harness.matrix import Case
    from bench.harness.run import run_try

    folder = tiny_bench.parent / "data" / "bench" / "rows-2000-seed-42"
    stopped = run_try(Case("duckdb", 1), folder, False, None, None, memory_cap_bytes=100 * 2**20)
    assert stopped["over_memory_cap"] and stopped["rss_when_stopped"] > 100 * 2**20
    finished = run_try(Case("polars", 1), folder, False, None, None, memory_cap_bytes=8 * 2**30)
    assert "over_memory_cap" not in finished and finished["peak_rss_bytes"] < 8 * 2**30


def test_the_floor_writes_every_bulk_row_sorted_by_user_time_and_id(small_dataset, tmp_path):
    """The lakehouse benchmark's floor (issue 15's: DuckDB read, sort, one Parquet file) does
    the work it claims, so a load's multiple of it means something."""
    from bench.parts.iceberg_loads import floor_multiples, floor_once

    out, _ = small_dataset
    measured = floor_once(str(out / "bulk"), str(tmp_path))

    written = pl.read_parquet(tmp_path / "floor.parquet")
    read = pl.read_parquet(sorted((out / "bulk").glob("*.parquet")))
    assert measured["rows"] == written.height == read.height
    order = ["user_id", "timestamp", "event_id"]
    assert written.select(order).equals(read.select(order).sort(order, nulls_last=True))
    assert floor_multiples([{"bulk": {"command_seconds": 6.0}}], [{"command_seconds": 2.0}]) == [
        3.0
    ]


def test_the_lakehouse_report_shows_the_medians_and_floor_multiples_of_its_result_file(tmp_path):
    from bench.report_builder.iceberg_loads import END, START, to_markdown
    from bench.report_builder.readme import write_readme_section

    def load(total: float, command: float | None = None) -> dict:
        figures = {"rows_in": 9_000_000, "seconds": {"total": total}}
        return figures | ({"command_seconds": command} if command else {})

    tries = [
        {"bulk": load(b, c), "daily": load(d)}
        for b, c, d in [(17.0, 18.0, 1.5), (19.0, 20.0, 1.7), (18.0, 19.0, 1.6)]
    ]
    result = {
        "date": "2026-12-03T12:00:00+00:00",
        "machine": {"cpu": "a CPU", "cores": 2, "memory_gib": 23.5},
        "git_commit": "0123456789abcdef0123456789abcdef01234567-dirty",
        "method": "round-robin",
        "cases": [
            {
                "engine": "polars",
                "tries": tries,
                "bulk_median_seconds": {"total": 18.0},
                "daily_median_seconds": {"total": 1.6},
                "peak_rss_gib": 6.5,
                "bulk_command_floors": [2.25, 2.5, 2.0],
            }
        ],
        "floor": {"tries": [{"command_seconds": s} for s in (8.0, 8.0, 9.5)]},
    }
    text = to_markdown(result, "bench/results/x.json")
    row = "| `polars` | 19.0 (18.0-20.0) | 2.25 (2.00-2.50) | 18.0 (17.0-19.0) | 1.60 (1.50-1.70) |"
    assert row + " 8.9 % | 6.5 GiB |" in text
    assert "one Parquet file, 8.0 (8.0-9.5) s" in text
    assert "23.5 GiB; git 0123456789ab-dirty; round-robin" in text  # the code it measured

    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{START}\nold figures\n{END}\nafter\n")
    write_readme_section(readme, text, START, END)
    written = readme.read_text()
    assert row in written and "old figures" not in written
    assert written.startswith("before\n") and written.endswith("after\n")


def test_a_result_names_its_commit_dirty_only_for_changed_tracked_files(tmp_path, monkeypatch):
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", "code.py")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "code")
    monkeypatch.chdir(tmp_path)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.strip()
    (tmp_path / "result-of-an-earlier-run.json").write_text("{}")  # untracked: same code
    assert git_commit() == head
    (tmp_path / "code.py").write_text("x = 2\n")  # the code measured is not the commit's
    assert git_commit() == f"{head}-dirty"
