"""The report's Spark scale-out figures come from the replay of the measured tasks: a synthetic
results.json whose Spark tries carry hand-made event-log digests gives hand-computed figures, its
errors from the validation checks, an Ernest column from the measured cluster tries, and a changed
task changes them; a results file without digests still builds and says what is missing."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from conftest import ONE_STAGE_DIGEST, bench_results, bench_try

from bench.report_builder.build import build_document, build_report
from bench.report_builder.document import to_markdown
from bench.report_builder.horizontal import seconds_text
from bench.spark_model.ernest import fit_ernest
from bench.spark_model.scale_out import MODEL_WORKERS, scale_out_model

SMALL, LARGE = 1_000_000, 10_000_000


def _spark(rows: int, repeat: int, wall: float, cpu: float, **where) -> dict:
    log = copy.deepcopy(ONE_STAGE_DIGEST)
    return bench_try("spark", rows, repeat, wall, 2e9, cpu=cpu, spark_event_log=log, **where)


def synthetic() -> dict:
    """Polars and DuckDB at two sizes (a flowchart), Spark at 1 and 2 threads, and the cluster
    at K = 1 and 2 on the larger size; two tries each. Every Spark try: 11 s wall (1 s outside
    the 10 s application) and 12 CPU s, but 2 threads take 10 s and K=2 12.5 s."""
    tries = []
    for rows in (SMALL, LARGE):
        for repeat in (1, 2):
            scale = rows / 1e6
            tries += [
                bench_try("polars", rows, repeat, 2.0 * scale, 3e8 + 1000 * rows),
                bench_try("duckdb", rows, repeat, 6.0 * scale, 4e8 + 400 * rows),
                _spark(rows, repeat, 11.0, 12.0, threads=1),
                _spark(rows, repeat, 10.0, 12.0, threads=2),
            ]
            if rows == LARGE:
                tries += [
                    _spark(rows, repeat, 11.0, 12.0, threads=1, cluster_workers=1),
                    _spark(rows, repeat, 12.5, 30.0, threads=2, cluster_workers=2),
                ]
    matrix = {"rows": [SMALL, LARGE], "engines": ["polars", "duckdb", "spark"], "threads": [1, 2]}
    matrix |= {"repeat": 2, "cluster_workers": [1, 2]}
    return bench_results(tries, matrix, versions={"pyspark": "4.1.0"})


def _markdown(results: dict) -> str:
    return to_markdown(build_document(results))


def _horizontal(markdown: str) -> str:
    return markdown.split("## Horizontal scaling")[1].split("\n## ")[0]


def _model_rows(section: str) -> dict[int, list[str]]:
    """K → the cells of the modelled-seconds table."""
    table = section.split("| K one-core executors |")[1].split("\n\n")[0]
    rows = [line.strip("| ").split(" | ") for line in table.splitlines()[2:]]
    return {int(cells[0]): cells[1:] for cells in rows}


def test_the_horizontal_section_shows_the_replayed_seconds_and_their_measured_errors() -> None:
    results = synthetic()
    section = _horizontal(_markdown(results))
    rows = _model_rows(section)
    # the median K=1 try: 1 s outside + 6 s driver + the four 1 s tasks on K one-core slots
    assert [rows[k][0] for k in MODEL_WORKERS] == ["11.00", "9.00"] + ["8.00"] * 5
    assert [rows[k][2] for k in MODEL_WORKERS] == ["measured"] * 2 + ["model"] * 5
    assert (rows[1][3], rows[2][3]) == ("11.00", "12.50")  # the measured medians beside
    # the day beyond the flowchart's thresholds: the same replay with the tasks multiplied
    model = scale_out_model(results["tries"], host_cores=2)
    day = int(re.findall(r"model s at ([\d,]+)", section)[-1].replace(",", ""))
    assert day > LARGE
    assert [rows[k][4] for k in MODEL_WORKERS] == [
        seconds_text(model.seconds(k, day)) for k in MODEL_WORKERS
    ]
    assert model.seconds(1, day) == pytest.approx(1 + 6 + 4 * day / LARGE)
    # the errors are the validation checks': K=2 predicted 10 s on this host, 12.5 s measured
    assert "Model error on measured points (host-bounded): -10 % (1 thread → 2 threads" in section
    assert "-20 % (K=1 → K=2, 10,000,000 events)" in section
    assert "| 10,000,000 | K=2 | K=1 | 12.50 | 9.00 | -28 % | 10.00 | -20 % |" in section
    assert "can only be measured on a real cluster" in section


def test_the_ernest_column_is_fitted_on_the_measured_cluster_tries() -> None:
    section = _horizontal(_markdown(synthetic()))
    ernest = fit_ernest([(10.0, 1, 11.0), (10.0, 1, 11.0), (10.0, 2, 12.5), (10.0, 2, 12.5)])
    rows = _model_rows(section)
    assert [rows[k][1] for k in MODEL_WORKERS] == [
        seconds_text(ernest.predict(10.0, k)) for k in MODEL_WORKERS
    ]
    assert "over the 4 measured cluster tries" in section
    fewer = synthetic()
    fewer["tries"] = [t for t in fewer["tries"] if not (t["cluster_workers"] and t["repeat"] == 2)]
    assert "needs ≥ 4 measured cluster tries (events, K, wall); this run has 2" in _horizontal(
        _markdown(fewer)
    )


def test_a_longer_task_in_the_base_try_changes_the_modelled_seconds() -> None:
    results = synthetic()
    for t in results["tries"]:
        if t.get("cluster_workers") == 1:
            t["spark_event_log"]["stages"][0]["tasks"][0] = [3000, 6000]  # 1 s → 3 s
    rows = _model_rows(_horizontal(_markdown(results)))
    assert [rows[k][0] for k in (1, 2, 64)] == ["13.00", "10.00", "10.00"]  # was 11, 9, 8


def test_the_flowchart_and_costs_use_the_replay_and_no_parallel_share_is_left() -> None:
    markdown = _markdown(synthetic())
    assert "parallel" not in markdown.lower() and "amdahl" not in markdown.lower()
    assert "- Spark model: replay of the measured tasks (the median K=1 try" in markdown
    assert "error on measured points -10%, -10%, -20% (host-bounded; largest 20%)" in markdown
    assert "(Spark model, a replay of the measured tasks: a day of" in markdown
    costs = markdown.split("## Cost per run")[1].split("\n## ")[0]
    model = scale_out_model(synthetic()["tries"], host_cores=2)
    # 2 m7i.xlarge workers: 2 executors x 4 cores = 8 slots, the four tasks in one round
    seconds = model.seconds(2, LARGE, cores=4)
    assert seconds == pytest.approx(8)
    row = "| spark cluster, 2 x m7i.xlarge (8 cores), model | 10,000,000 | 3 x m7i.xlarge"
    assert f"{row} (2 workers + driver) | 8.00 |" in costs
    assert "Model error on measured points (host-bounded): -10 %" in costs


def test_the_driver_seconds_follow_the_rows_when_the_base_ran_at_two_sizes() -> None:
    results = synthetic()
    results["tries"] = [t for t in results["tries"] if not t.get("cluster_workers")]
    for t in results["tries"]:
        if t["engine"] == "spark" and t["rows"] == LARGE:  # jobs 1 s later: 7 s of driver
            t["spark_event_log"]["jobs"][0][1:3] = [4000, 7000]
    model = scale_out_model(results["tries"], host_cores=2)
    assert (model.base_case, model.driver.sizes) == ("1 thread", 2)
    assert model.driver(SMALL) == pytest.approx(6) and model.driver(LARGE) == pytest.approx(7)
    assert "µs per event, fitted over the 2 sizes of the 1 thread tries" in _markdown(results)


def test_a_results_file_without_event_logs_builds_and_says_the_model_needs_them(
    tmp_path: Path,
) -> None:
    results = synthetic()
    for t in results["tries"]:
        t.pop("spark_event_log", None)
    (tmp_path / "results.json").write_text(json.dumps(results))
    build_report(tmp_path)
    markdown = (tmp_path / "report.md").read_text()
    section = _horizontal(markdown)
    assert "No scale-out model" in section and "rerun `make bench`" in section
    assert "| 2 | 12.50 | measured |" in section  # the measured medians are still shown
    assert "spark cluster, 2 x" not in markdown
    assert "parallel" not in markdown.lower()
    assert (tmp_path / "plots" / "cluster_scaling.png").exists()
