"""The report opens with the verdict: the fastest engine measured with its spread, which engine
for which day size, each figure marked measured, fitted or extrapolated, and the answer for the
reader's own day size (``--events-per-day``, ``ETLSTACK_EVENTS_PER_DAY``)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import ETLSTACK
from test_report_thresholds_follow_the_measurements import synthetic

from bench.report_builder.build import build_document
from bench.report_builder.document import to_html, to_markdown
from bench.report_builder.verdict import kind_of


def _verdict(events_per_day: int | None = None) -> str:
    markdown = to_markdown(build_document(synthetic(1000), events_per_day))
    return markdown.split("\n## ")[1]


def test_the_html_verdict_shows_the_fastest_engine_in_bold_not_in_asterisks() -> None:
    page = to_html(build_document(synthetic(1000)))
    verdict = page.split("<h2>")[1].split("<h2>")[0]
    assert verdict.startswith("Verdict</h2>")
    assert "<strong>polars x2</strong>, median 20.00 s" in verdict
    assert "**" not in page


def test_the_verdict_is_the_first_section_and_names_the_fastest_engine_with_its_spread() -> None:
    markdown = to_markdown(build_document(synthetic(1000)))
    assert re.findall(r"^## (.+)$", markdown, re.M)[0] == "Verdict"
    verdict = _verdict()
    # the synthetic Polars takes 2 s per million events: 20 s at 10M, the middle of 3 tries
    assert "**polars x2**, median 20.00 s (95 % CI" in verdict
    assert "3 tries" in verdict
    assert "duckdb x2 60.00 s (3.0x)" in verdict


def test_each_threshold_says_how_far_it_is_from_the_sizes_measured() -> None:
    verdict = _verdict()
    steps = re.findall(r"A day of up to (.+?) events: (.+) — (.+)\.", verdict)
    assert [s[1] for s in steps][:1] == ["polars on this machine (24 GiB)"]
    # about 20 million on this machine: twice the largest size measured (10M), fitted
    assert steps[0][2] == "fitted, 2x the largest size measured"
    assert all(s[2].startswith(("fitted", "extrapolated", "measured")) for s in steps)


def test_a_day_size_is_answered_and_labelled() -> None:
    assert "Your day" not in _verdict()
    small = _verdict(events_per_day=5_000_000)
    assert "Your day of 5,000,000 events: polars on this machine (24 GiB) — measured." in small
    big = _verdict(events_per_day=300_000_000)  # beyond this machine's 20M, within 440M
    assert "Your day of 300,000,000 events: polars on one r7i.16xlarge (512 GiB)" in big
    assert "extrapolated, 30x the largest size measured" in big
    bigger = _verdict(events_per_day=800_000_000)  # only the frugal engine fits
    assert "Your day of 800,000,000 events: duckdb on one r7i.16xlarge" in bigger


def test_the_figure_kinds_follow_the_ten_times_rule() -> None:
    assert kind_of(1_000_000, 1_000_000) == "measured"
    assert kind_of(10_000_000, 1_000_000) == "fitted, 10x the largest size measured"
    assert kind_of(10_000_001, 1_000_000) == "extrapolated, 10x the largest size measured"


def test_the_day_size_reaches_the_report_from_the_environment(tmp_path) -> None:
    import json

    (tmp_path / "results.json").write_text(json.dumps(synthetic(1000)))
    env_day = {"ETLSTACK_EVENTS_PER_DAY": "7000000"}
    done = subprocess.run(
        [ETLSTACK, "bench", "report", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, **env_day},
    )
    assert done.returncode == 0, done.stderr
    assert "Your day of 7,000,000 events" in (tmp_path / "report.md").read_text()


STORED = Path(__file__).parents[1] / "bench" / "reports" / "default" / "report.html"
FIRST_SCREEN = Path(__file__).parents[1] / "target" / "bench-report-first-screen.png"


@pytest.mark.slow
def test_the_stored_default_report_opens_offline_on_its_verdict() -> None:
    """The committed make-bench report, as a lead opens it: no network, no console error or
    refused request (computed_styles raises on one), the verdict the first section."""
    from bench.report_builder.offline_page import computed_styles, screenshot

    first = "document.querySelector('h2').textContent"
    rendered = computed_styles(STORED, [("table", "border-collapse")], expressions=(first,))
    assert rendered.problems == [] and rendered.values[first] == "Verdict"
    assert rendered.styles["table border-collapse"] == "collapse"
    FIRST_SCREEN.unlink(missing_ok=True)
    assert screenshot(STORED, FIRST_SCREEN).stat().st_size > 10_000
