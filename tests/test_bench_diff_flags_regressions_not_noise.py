"""``etlstack bench diff OLD NEW``: a case clearly slower than its baseline is a regression (exit 1,
one line on stderr); changes the size of the tries' own noise are not.

The fixtures are the Polars and DuckDB tries of bench/reports/default/results.json (2 sizes x 2
thread counts x 3 tries): ``baseline.json`` as measured, ``duckdb_x2_slower.json`` with duckdb x2 at
1,000,000 events 1.5x slower (wall, stages, process and CPU seconds), ``noise_only.json`` with every
try's wall scaled by 0.93-1.08 and its peak RSS by 0.97-1.04."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.report_builder.regressions import diff_results
from python_engines.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "bench_diff"
BASELINE, SLOWER, NOISE = (
    FIXTURES / name for name in ("baseline.json", "duckdb_x2_slower.json", "noise_only.json")
)
SLOW_CASE = ("duckdb x2", 1_000_000)
runner = CliRunner()


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def diff(*args: object) -> object:
    return runner.invoke(app, ["bench", "diff", *map(str, args)])


def verdicts(old: dict, new: dict, threshold: float = 0.10) -> dict[tuple[str, int, str], str]:
    return {
        (case.label, case.rows, change.measure): change.verdict
        for case in diff_results(old, new, threshold).cases
        for change in case.changes
    }


def test_a_case_half_again_slower_is_the_one_regression() -> None:
    found = verdicts(load(BASELINE), load(SLOWER))
    assert len(found) == 16  # 8 cases, time and peak memory each
    assert found.pop((*SLOW_CASE, "time")) == "regression"
    assert set(found.values()) == {"no change"}


def test_the_regression_exits_1_with_one_line_naming_the_case() -> None:
    result = diff(BASELINE, SLOWER)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "1 case(s) regressed beyond +10 %: duckdb x2 at 1,000,000 (time 1.50x" in result.stderr
    assert "Traceback" not in result.output
    assert "8 cases compared: 1 regressed, 0 improved, 7 no change" in result.stdout
    assert "threshold 10 %" in result.stdout


def test_noise_sized_changes_are_no_change_and_exit_0() -> None:
    old, new = load(BASELINE), load(NOISE)
    walls = [
        (a["wall_seconds"], b["wall_seconds"])
        for a, b in zip(old["tries"], new["tries"], strict=True)
    ]
    assert max(abs(b / a - 1) for a, b in walls) > 0.05  # the noise is there to be ignored
    assert set(verdicts(old, new).values()) == {"no change"}
    result = diff(BASELINE, NOISE)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "8 cases compared: 0 regressed, 0 improved, 8 no change" in result.stdout


def test_a_wider_threshold_lets_the_same_slowdown_through() -> None:
    # the interval of duckdb x2's ratio starts at 1.20: beyond 10 %, within 25 %
    assert verdicts(load(BASELINE), load(SLOWER), 0.25)[(*SLOW_CASE, "time")] == "no change"
    assert diff(BASELINE, SLOWER, "--threshold", "0.25").exit_code == 0


def test_the_way_back_is_an_improvement_and_no_failure() -> None:
    assert verdicts(load(SLOWER), load(BASELINE))[(*SLOW_CASE, "time")] == "improvement"
    assert diff(SLOWER, BASELINE).exit_code == 0


def test_intervals_are_deterministic_and_span_the_tries() -> None:
    old, new = load(BASELINE), load(SLOWER)
    assert diff_results(old, new) == diff_results(old, new)
    assert diff(BASELINE, SLOWER).stdout == diff(BASELINE, SLOWER).stdout
    (case,) = [c for c in diff_results(old, new).cases if (c.label, c.rows) == SLOW_CASE]
    time = case.changes[0]
    walls = [
        [t["wall_seconds"] for t in doc["tries"] if (t["engine"], t["threads"], t["rows"]) == key]
        for doc in (old, new)
        for key in [("duckdb", 2, 1_000_000)]
    ]
    # with 3 tries a side a resampled median is each try with chance >= 7/27, so the 2.5 % and
    # 97.5 % points of the ratio are the fastest new over the slowest old, and the other way
    assert time.ci_low == pytest.approx(min(walls[1]) / max(walls[0]))
    assert time.ci_high == pytest.approx(max(walls[1]) / min(walls[0]))
    assert time.ratio == pytest.approx(1.5, rel=1e-3)


def test_a_report_folder_holding_results_json_is_read(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text(SLOWER.read_text())
    result = diff(BASELINE, tmp_path)
    assert result.exit_code == 1
    assert "duckdb x2 at 1,000,000" in result.stderr


def test_a_missing_file_is_a_one_line_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "results.json"
    result = diff(BASELINE, missing)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert str(missing) in result.output
    assert "Traceback" not in result.output


def test_a_file_that_is_no_bench_result_is_a_one_line_error(tmp_path: Path) -> None:
    other = tmp_path / "lakehouse.json"
    other.write_text('{"benchmark": "lakehouse"}')
    result = diff(other, BASELINE)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert f"{other} is not an etlstack bench results file" in result.output


def test_a_case_that_now_stops_at_the_memory_cap_is_a_regression() -> None:
    old, new = load(BASELINE), load(BASELINE)
    new["tries"] = [
        {**t, "over_memory_cap": True} if (t["engine"], t["threads"]) == ("duckdb", 2) else t
        for t in new["tries"]
    ]
    result = diff_results(old, new)
    assert [(c.label, c.rows, c.stopped_in) for c in result.regressions] == [
        ("duckdb x2", 100_000, ("NEW",)),
        ("duckdb x2", 1_000_000, ("NEW",)),
    ]


def test_cases_run_on_one_side_only_are_listed_not_compared() -> None:
    old, new = load(BASELINE), copy.deepcopy(load(BASELINE))
    new["tries"] = [t for t in new["tries"] if t["engine"] != "polars" or t["rows"] != 100_000]
    result = diff_results(old, new)
    assert result.only_old == ("polars x1 at 100,000", "polars x2 at 100,000")
    assert result.only_new == ()
    assert len(result.cases) == 6
