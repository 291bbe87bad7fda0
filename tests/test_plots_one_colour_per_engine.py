"""The report's plots read alike: an engine keeps its colour in every plot, legends sit outside
the data, log axes say 1M rather than 10⁶, and a cost beyond ten times the largest measured size
is drawn hollow. Built from the stored default run's tries; each figure is inspected before it
becomes a PNG."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from matplotlib.colors import to_hex

from bench.report_builder import plots
from bench.report_builder.analysis import summarize_cases
from bench.report_builder.costs import CostPoint

RESULTS = Path(__file__).parents[1] / "bench/reports/default/results.json"


@pytest.fixture
def figures(monkeypatch) -> list:
    drawn: list = []
    monkeypatch.setattr(plots, "_png", lambda figure: drawn.append(figure) or b"")
    return drawn


def _cases():
    tries = json.loads(RESULTS.read_text())["tries"]
    return summarize_cases([t for t in tries if not t.get("cluster_workers")])


def _labelled_lines(figure) -> dict[str, str]:
    """label → colour of every labelled line of a figure's axes (errorbar lines included)."""
    axes = figure.axes[0]
    return {
        line.get_label(): to_hex(line.get_color())
        for line in axes.get_lines()
        if not line.get_label().startswith("_")
    } | {
        container.get_label(): to_hex(container.lines[0].get_color())
        for container in axes.containers
        if hasattr(container, "lines") and not container.get_label().startswith("_")
    }


def test_an_engine_keeps_one_colour_across_every_plot(figures) -> None:
    cases = _cases()
    plots.time_vs_rows(cases)
    plots.rss_vs_rows(cases)
    plots.threads_scaling(cases)
    seen: dict[str, set[str]] = {}
    for figure in figures:
        for label, colour in _labelled_lines(figure).items():
            seen.setdefault(plots.engine_of(label), set()).add(colour)
    assert set(seen) == {"polars", "duckdb", "spark"}
    assert all(len(colours) == 1 for colours in seen.values()), seen
    assert len({c for colours in seen.values() for c in colours}) == 3  # and no two alike


def test_legends_sit_outside_the_data_and_log_ticks_read_plainly(figures) -> None:
    plots.time_vs_rows(_cases())
    [figure] = figures
    axes = figure.axes[0]
    anchor = axes.get_legend().get_bbox_to_anchor().transformed(axes.transAxes.inverted())
    assert anchor.x0 > 1  # right of the plotting area
    label = axes.xaxis.get_major_formatter()
    assert [label(v, 0) for v in (1e5, 1e6, 1e7, 1e9)] == ["100K", "1M", "10M", "1B"]
    assert axes.xaxis.get_minor_formatter()(3e6, 0) == ""


def test_a_cost_beyond_ten_times_the_measured_size_is_hollow(figures) -> None:
    points = [
        CostPoint("polars on r7i.large", rows, "r7i.large", 1.0, 0.01)
        for rows in (1_000_000, 10_000_000, 100_000_000)
    ]
    plots.cost_per_million(points, measured_max=1_000_000)
    [figure] = figures
    faces = {
        x: line.get_markerfacecolor()
        for line in figure.axes[0].get_lines()
        if line.get_linestyle() == "None"
        for x in line.get_xdata()
    }
    assert faces[100_000_000] == "none"
    assert faces[1_000_000] != "none" and faces[10_000_000] != "none"
    assert "hollow" in figure.axes[0].get_title()
