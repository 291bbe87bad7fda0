"""Every threshold the report reads off a fit carries its range (the fit redone on bootstrap
resamples of the tries), one function gives it to the verdict, the flowchart and the memory
table alike, and no sentence claims what the run did not measure: no interval from one try, no
cluster K that was not run, no event logs when there was no Spark."""

from __future__ import annotations

import re

import pytest
from conftest import bench_results, bench_try

from bench.report_builder.build import analyse, build_document
from bench.report_builder.document import to_markdown

SMALL, LARGE = 1_000_000, 10_000_000


def _results(
    noise: float = 0.05,
    sizes: tuple[int, ...] = (SMALL, LARGE),
    repeat: int = 3,
    spark: tuple[dict, ...] = (),
) -> dict:
    """Polars (1000 bytes per event) and DuckDB (1500) at ``sizes``; each try's peak RSS off the
    line by 0, +noise or -noise (the first ``repeat`` of them); walls alike."""
    tries = []
    for rows in sizes:
        for repeat_, off in list(enumerate((0.0, noise, -noise), start=1))[:repeat]:
            scale = rows / 1e6
            tries += [
                bench_try(
                    "polars",
                    rows,
                    repeat_,
                    2.0 * scale * (1 + off),
                    (3e8 + 1000 * rows) * (1 + off),
                ),
                bench_try(
                    "duckdb",
                    rows,
                    repeat_,
                    6.0 * scale * (1 - off),
                    (4e8 + 1500 * rows) * (1 - off),
                ),
            ]
    tries += list(spark)
    engines = ["polars", "duckdb"] + (["spark"] if spark else [])
    return bench_results(tries, {"rows": list(sizes), "engines": engines, "repeat": repeat})


def _markdown(results: dict) -> str:
    return to_markdown(build_document(results))


def _section(markdown: str, heading: str) -> str:
    return markdown.split(f"\n## {heading}")[1].split("\n## ")[0]


def _verdict_thresholds(markdown: str) -> list[str]:
    """'20 million (range 19-21 million)' for each 'A day of up to …' line of the verdict."""
    return re.findall(r"A day of up to (.+?) events: ", _section(markdown, "Verdict"))


def _flowchart_thresholds(markdown: str) -> list[str]:
    """The same, from the decision flowchart's questions."""
    questions = re.findall(r'events per day <= (.+?)\? \((.+?)\)"', _section(markdown, "Decision"))
    return [f"{value} ({spread})" for value, spread in questions]


def test_a_threshold_carries_a_range_that_widens_with_noisier_tries() -> None:
    quiet = analyse(_results(noise=0.01)).decision.steps[0].threshold
    noisy = analyse(_results(noise=0.10)).decision.steps[0].threshold
    # both the same fit through the medians: (0.8 x 24 GiB - 0.3 GB) / 1000 B ≈ 20 million
    assert quiet.value == pytest.approx(noisy.value) == pytest.approx(20.3e6, rel=0.01)
    assert quiet.low < quiet.value < quiet.high
    assert noisy.high - noisy.low > 5 * (quiet.high - quiet.low)
    assert "A day of up to 20 million (range " in _markdown(_results(noise=0.10))


def test_the_ranges_are_the_same_on_every_build_of_the_same_results() -> None:
    assert _verdict_thresholds(_markdown(_results())) == _verdict_thresholds(_markdown(_results()))


def test_the_verdict_the_flowchart_and_the_memory_table_show_the_same_threshold() -> None:
    markdown = _markdown(_results(noise=0.10))
    verdict = _verdict_thresholds(markdown)
    assert len(verdict) >= 2 and all("(range " in v for v in verdict)
    assert verdict == _flowchart_thresholds(markdown)
    polars = re.search(r"^\| polars x2 \|.*$", _section(markdown, "Vertical"), re.M).group(0)
    cells = [cell.strip() for cell in polars.strip("|").split("|")]
    assert cells[3] == verdict[0]  # max events in this machine's 24 GiB
    assert cells[5] == verdict[1]  # in the biggest VM's memory


def test_a_range_narrower_than_the_rounding_is_said_as_a_spread() -> None:
    from bench.report_builder.ranges import Threshold

    def millions(n: float) -> str:
        return f"{n / 1e6:.0f} million"

    narrow = Threshold(27.0e6, 26.9e6, 27.2e6)
    assert narrow.words(millions) == "27 million (range within ±0.7 %)"
    assert Threshold(19e6, 14e6, 27e6).words(millions) == "19 million (range 14-27 million)"


def test_too_few_points_say_no_range_and_why() -> None:
    one_size = _markdown(_results(sizes=(LARGE,)))
    assert _verdict_thresholds(one_size)[0] == "20 million (no range: fitted on 1 size)"
    one_try = _verdict_thresholds(_markdown(_results(repeat=1)))
    assert one_try[0].endswith("(no range: fitted on 2 sizes of one try each)")


def test_one_try_prints_no_interval_anywhere() -> None:
    markdown = _markdown(_results(repeat=1))
    assert not re.search(r"95 % CI \d", markdown)
    assert "**polars x2**, median 20.00 s (one try: no interval)" in markdown
    medians = _section(markdown, "Medians with 95 % bootstrap intervals")
    rows = [line.split("|")[4].strip() for line in medians.splitlines() if line.startswith("| ")]
    assert rows[1:] == ["one try: no interval"] * 4  # after the header, every case
    assert "no interval is shown" in _section(markdown, "Methodology")
    # with three tries the interval is there
    assert "**polars x2**, median 20.00 s (95 % CI 19.00-21.00 s, 3 tries)" in _markdown(_results())


def _spark(repeat: int, threads: int = 2, workers: int | None = None) -> dict:
    return bench_try(
        "spark", LARGE, repeat, 60.0 + repeat, 4e9, threads=threads, cluster_workers=workers
    )


def test_a_run_without_cluster_tries_does_not_claim_a_cluster() -> None:
    local = _markdown(_results(spark=(_spark(1), _spark(2), _spark(3))))
    horizontal = _section(local, "Horizontal scaling")
    assert "K = 1 and 2" not in horizontal and "K = " not in horizontal
    assert "no standalone cluster in this run: Spark measured in local mode only" in horizontal
    clustered = [_spark(r, threads=k, workers=k) for r in (1, 2) for k in (1, 4)]
    horizontal = _section(_markdown(_results(spark=tuple(clustered))), "Horizontal scaling")
    assert "standalone cluster with K = 1 and 4 one-core executors" in horizontal


def test_a_run_without_spark_says_so_and_nothing_of_event_logs() -> None:
    markdown = _markdown(_results())
    verdict = _section(markdown, "Verdict")
    assert "event log" not in verdict
    assert "- Spark: not run here, so nothing to model beyond one machine." in verdict
    assert "no Spark in this run" in _section(markdown, "Horizontal scaling")
    with_spark = _section(_markdown(_results(spark=(_spark(1), _spark(2)))), "Verdict")
    assert "no model in this run (no event logs)" in with_spark


def test_a_figure_beyond_ten_times_the_largest_size_is_labelled_extrapolated() -> None:
    small = _markdown(_results(sizes=(100_000, SMALL)))  # 20 million is 20x the largest, 1M
    first = re.search(r"A day of up to .+? events: (.+?) — (.+?)\.$", small, re.M)
    assert first.group(1) == "polars on this machine (24 GiB)"
    assert first.group(2) == "extrapolated, 20x the largest size measured"
    large = _markdown(_results())  # the same 20 million is 2x the largest, 10M
    first = re.search(r"A day of up to .+? events: (.+?) — (.+?)\.$", large, re.M)
    assert first.group(2) == "fitted, 2x the largest size measured"
