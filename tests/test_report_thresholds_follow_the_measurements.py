"""The report's thresholds come from the numbers fed in: a synthetic results.json, then the same
with one engine's memory doubled, must move the flowchart's threshold."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ONE_STAGE_DIGEST, bench_results, bench_try

from bench.report_builder.build import build_document, build_report
from bench.report_builder.decision import GIB
from bench.spark_model.scale_out import CLUSTER, scale_out_model


def synthetic(polars_bytes_per_event: float) -> dict:
    """Polars fast but hungry, DuckDB slower and frugal, Spark slowest; three tries each."""
    tries = []
    for rows in (1_000_000, 10_000_000):
        for repeat, jitter in ((1, 1.05), (2, 1.0), (3, 0.98)):
            scale = rows / 1e6
            tries += [
                bench_try(
                    "polars",
                    rows,
                    repeat,
                    2.0 * scale * jitter,
                    3e8 + polars_bytes_per_event * rows,
                ),
                bench_try("duckdb", rows, repeat, 6.0 * scale * jitter, 4e8 + 400 * rows),
                bench_try(
                    "spark", rows, repeat, 30 + 30 * scale * jitter, 2e9 + 900 * rows, startup=8
                ),
            ]
            for k, seconds in ((1, 50.0), (2, 28.0)):
                tries.append(
                    bench_try(
                        "spark", rows, repeat, seconds * scale, 2e9, threads=k, cluster_workers=k
                    )
                )
    matrix = {"rows": [1_000_000, 10_000_000], "engines": ["polars", "duckdb", "spark"]}
    return bench_results(tries, {**matrix, "repeat": 3, "cluster_workers": [1, 2]})


def _thresholds(markdown: str) -> list[float]:
    return [float(n) for n in re.findall(r"events per day <= ([\d.]+) million", markdown)]


def _markdown(results: dict) -> str:
    from bench.report_builder.document import to_markdown

    return to_markdown(build_document(results))


def test_thresholds_are_computed_from_the_memory_per_event() -> None:
    markdown = _markdown(synthetic(polars_bytes_per_event=1000))
    # Polars on 24 GiB: (0.8 x 24 GiB - 0.3 GB base) / 1000 B per event ≈ 20 million
    expected = (0.8 * 24 * GIB - 3e8) / 1000 / 1e6
    assert _thresholds(markdown)[0] == pytest.approx(expected, rel=0.05)
    assert "polars on this machine (24 GiB)" in markdown
    assert "duckdb on one r7i.16xlarge" in markdown  # the frugal engine takes the biggest days


def test_doubling_an_engines_memory_halves_its_threshold() -> None:
    lean = _thresholds(_markdown(synthetic(polars_bytes_per_event=1000)))
    hungry = _thresholds(_markdown(synthetic(polars_bytes_per_event=2000)))
    assert hungry[0] == pytest.approx(lean[0] / 2, rel=0.05)


def _cluster_try(workers: int, wall: float) -> dict:
    extra = {"threads": workers, "cluster_workers": workers, "startup": 8}
    return {
        **bench_try("spark", 1_000_000, 1, wall, 2e9, **extra),
        "spark_event_log": ONE_STAGE_DIGEST,
    }


def test_the_cluster_model_replays_the_fewest_worker_runs_tasks() -> None:
    tries = [_cluster_try(1, 11.0), _cluster_try(2, 10.0)]
    model = scale_out_model(tries, host_cores=2)
    assert model is not None and (model.source, model.base_case) == (CLUSTER, "K=1")
    assert model.outside == pytest.approx(1)  # 11 s wall, 10 s of Spark application
    assert model.driver(1_000_000) == pytest.approx(6)  # no job running: the driver's part
    assert model.seconds(1) == pytest.approx(1 + 6 + 4)  # the four tasks on one slot
    assert model.seconds(4) == pytest.approx(1 + 6 + 1)  # ... on four
    assert model.measured.medians(1_000_000) == [(1, 11.0), (2, 10.0)]  # shown beside


def test_a_contended_second_worker_does_not_stop_the_model_scaling() -> None:
    """On 2 cores K = 2 can be slower than K = 1 (contention): the model still follows the
    tasks, and the slower measured point stays visible as a measurement."""
    tries = [_cluster_try(1, 11.0), _cluster_try(2, 14.0)]
    model = scale_out_model(tries, host_cores=2)
    assert model.seconds(64) < model.seconds(2) < model.seconds(1)
    assert (2, 14.0) in model.measured.medians(1_000_000)


def test_the_report_files_are_written_from_a_results_file(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text(json.dumps(synthetic(1000)))
    build_report(tmp_path)
    markdown = (tmp_path / "report.md").read_text()
    assert "model" in markdown and "USD per million events" in markdown
    assert (tmp_path / "plots" / "cluster_scaling.png").exists()
    assert (tmp_path / "plots" / "cost_per_million.png").exists()


def test_the_readme_section_between_the_markers_is_generated(tmp_path: Path) -> None:
    from bench.report_builder.readme import END, START

    (tmp_path / "results.json").write_text(json.dumps(synthetic(1000)))
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\nbefore\n{START}\nold text\n{END}\nafter\n")
    build_report(tmp_path, readme)
    text = readme.read_text()
    assert text.startswith("# Title\nbefore\n") and text.endswith(f"{END}\nafter\n")
    assert "old text" not in text and "| polars x2 | 10,000,000 |" in text
    assert "events per day <= 20 million?" in text


@pytest.mark.slow
def test_the_html_report_renders_its_plots_and_flowchart_in_chromium_with_no_network(
    tmp_path: Path,
) -> None:
    from bench.report_builder.offline_page import computed_styles, screenshot

    (tmp_path / "results.json").write_text(json.dumps(synthetic(1000)))
    build_report(tmp_path)
    page = tmp_path / "report.html"
    html = page.read_text()
    assert not re.search(r"""(src|href)=["']https?://""", html)  # nothing loaded from outside
    rendered = computed_styles(
        page, [("img", "width"), ("svg", "width"), ("table", "border-collapse")]
    )
    assert (
        float(rendered.styles["img width"].removesuffix("px")) > 200
    )  # a decoded plot, not a broken icon
    assert float(rendered.styles["svg width"].removesuffix("px")) > 200  # the drawn flowchart
    assert rendered.styles["table border-collapse"] == "collapse"  # the report's own stylesheet
    assert screenshot(page, tmp_path / "report.png").stat().st_size > 10_000
