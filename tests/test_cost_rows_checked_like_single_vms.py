"""Cost rows a platform lead can defend: a Spark cluster row is memory-checked like a one-VM
row (a worker's share of Spark's fitted peak must fit in its usable RAM, else "does not fit",
not priced); a cluster is named by its machines and cores, the cores being the horizontal
section's K one-core executors; the price table's source and date are under the table; a cell
billed the 60 s minimum says so; and a run with no cost row says why instead of an empty table.
Built from hand-made tries (a one-task-stage event log for the model): no Spark is started."""

from __future__ import annotations

import copy
import csv
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ONE_STAGE_DIGEST, bench_results, bench_try

from bench.report_builder.analysis import GIB, MemoryLine
from bench.report_builder.build import build_document
from bench.report_builder.costs import (
    PRICES,
    USABLE_MEMORY,
    CostPoint,
    NoFit,
    load_prices,
    price_source,
    spark_cluster,
)
from bench.report_builder.document import to_markdown
from bench.report_builder.slides import build_slides
from bench.spark_model.scale_out import scale_out_model

SMALL, LARGE = 1_000_000, 10_000_000
SPARK_BASE, SPARK_PER_EVENT = 2 * GIB, 1000.0  # Spark's peak RSS: 2 GiB + 1000 B per event


def synthetic(sizes: tuple[int, ...] = (SMALL, LARGE)) -> dict:
    """Polars (2 s per million events: under the billing minimum up to 30M) and Spark on one
    machine at ``sizes``; Spark's cluster at K = 1 and 2 on the largest, with event logs."""
    tries = []
    for rows in sizes:
        for repeat in (1, 2):
            spark_rss = SPARK_BASE + SPARK_PER_EVENT * rows
            tries += [
                bench_try("polars", rows, repeat, 2.0 * rows / 1e6, 3e8 + 500 * rows),
                bench_try("spark", rows, repeat, 30 + 30 * rows / 1e6, spark_rss),
            ]
    for k, wall in ((1, 11.0), (2, 12.5)):
        log = copy.deepcopy(ONE_STAGE_DIGEST)
        extra = {"threads": k, "cluster_workers": k, "spark_event_log": log}
        tries.append(bench_try("spark", max(sizes), 1, wall, 2e9, **extra))
    matrix = {"rows": list(sizes), "engines": ["polars", "spark"], "repeat": 2}
    return bench_results(tries, {**matrix, "cluster_workers": [1, 2]}, {"pyspark": "4.1.0"})


def _costs(results: dict) -> str:
    markdown = to_markdown(build_document(results))
    return markdown.split("## Cost per run")[1].split("\n## ")[0]


def _row(section: str, setup: str, events: int) -> list[str]:
    """The cells of the cost table's row for ``setup`` at ``events``."""
    for line in section.splitlines():
        cells = line.strip("| ").split(" | ")
        if cells[:2] == [setup, f"{events:,}"]:
            return cells
    raise AssertionError(f"no row {setup} at {events:,} in:\n{section}")


def _needed_gib(rows: int, workers: int) -> float:
    return (SPARK_BASE + SPARK_PER_EVENT * rows / workers) / GIB


def test_a_cluster_whose_workers_cannot_hold_their_share_does_not_fit_and_is_not_priced() -> None:
    section = _costs(synthetic())
    usable = 16 * USABLE_MEMORY  # m7i.xlarge: 16 GiB
    # 100M events over 2 workers: 2 GiB + 46.6 GiB each, over 12.8 GiB
    assert _needed_gib(100_000_000, 2) > usable
    two = _row(section, "spark cluster, 2 x m7i.xlarge (8 cores), model", 100_000_000)
    why = f"needs {_needed_gib(100_000_000, 2):.1f} GiB a worker; m7i.xlarge {usable:.1f} usable"
    assert two[2:7] == [f"does not fit ({why})", "-", "-", "-", "-"]
    # ... over 16 workers: 2 GiB + 5.8 GiB each, it fits and is priced
    assert _needed_gib(100_000_000, 16) < usable
    sixteen = _row(section, "spark cluster, 16 x m7i.xlarge (64 cores), model", 100_000_000)
    assert sixteen[2] == "17 x m7i.xlarge (16 workers + driver)"
    assert float(sixteen[5]) > 0
    # the one-VM rows are shown the same way: a billion events fit no VM
    spark_vm = _row(section, "spark x2 on one VM", 1_000_000_000)
    assert spark_vm[2].startswith("does not fit (needs ") and spark_vm[3:7] == ["-"] * 4


def test_the_memory_rule_is_the_worker_share_of_the_spark_fit() -> None:
    prices = load_prices()
    model = scale_out_model(synthetic()["tries"], host_cores=2)
    spark = MemoryLine(SPARK_BASE, SPARK_PER_EVENT)
    # 12.8 GiB usable: base + 1000 B x rows / 2 reaches it at 2 x 10.8 GiB / 1000 B
    edge = int(2 * (16 * USABLE_MEMORY * GIB - SPARK_BASE) / SPARK_PER_EVENT)
    assert isinstance(spark_cluster(edge, 2, model, spark, prices), CostPoint)
    assert isinstance(spark_cluster(edge + 1000, 2, model, spark, prices), NoFit)
    assert isinstance(spark_cluster(edge + 1000, 4, model, spark, prices), CostPoint)


def test_a_cluster_is_named_by_machines_and_cores_which_are_the_horizontal_k() -> None:
    results = synthetic()
    markdown = to_markdown(build_document(results))
    costs = markdown.split("## Cost per run")[1].split("\n## ")[0]
    horizontal = markdown.split("## Horizontal scaling")[1].split("\n## ")[0]
    assert "| K one-core executors |" in horizontal
    assert "'spark cluster, N x VM type (C cores)' is K = C here" in horizontal
    assert "at K = C one-core executors" in costs
    # 2 x m7i.xlarge (8 cores) in the cost table is K = 8 in the horizontal table: same seconds
    k8 = re.search(r"^\| 8 \| ([\d.,]+) \|", horizontal, re.M)
    assert k8 is not None
    cluster = _row(costs, "spark cluster, 2 x m7i.xlarge (8 cores), model", LARGE)
    assert cluster[3] == k8.group(1)
    assert "spark cluster 2x" not in markdown  # the old name, a count of 4-core VMs
    # the slides name the clusters the same way
    slide = next(s for s in build_slides(results) if s.title == "Cost per million events")
    assert "| spark cluster, 2 x m7i.xlarge (8 cores), model |" in to_markdown(slide)


def test_the_price_source_and_date_are_under_the_cost_table() -> None:
    section = _costs(synthetic())
    with PRICES.open() as handle:
        rows = list(csv.DictReader(handle))
    line = next(p for p in section.split("\n\n") if p.startswith("Prices (bench/prices.csv)"))
    assert "\n" not in line  # one line
    for column in ("provider", "region", "source", "looked_up"):
        assert all(r[column].removeprefix("https://") in line for r in rows), column
    assert section.index("| setup |") < section.index(line)
    # rows that disagree: each distinct value listed
    first, second = load_prices()[:2]
    moved = [first, replace(second, region="eu-west-1", looked_up="2025 list price")]
    text = price_source(moved)
    assert "us-east-1 / eu-west-1" in text and "/ 2025 list price" in text


def test_a_cell_billed_the_minute_minimum_is_marked() -> None:
    results = synthetic()
    section = _costs(results)
    short = _row(section, "polars x2 on one VM", SMALL)  # 2 s: billed 60 s
    long = _row(section, "spark x2 on one VM", 100_000_000)  # 3,030 s
    assert (short[4], long[4]) == ("60 s minimum", "per second")
    assert re.search(r"'60 s minimum': \d+ of the \d+ priced rows run shorter", section)
    slide = next(s for s in build_slides(results) if s.title == "Cost per million events")
    assert "**0.00220 †**" in to_markdown(slide)  # polars at 1M: a minute of r7i.large


def test_a_run_with_no_cost_row_says_why_instead_of_an_empty_table() -> None:
    results = synthetic(sizes=(LARGE,))  # one size: no time fitted, and no K=1 base model
    for t in results["tries"]:
        t.pop("spark_event_log", None)
    section = _costs(results)
    assert "| setup |" not in section
    assert "No cost rows: a one-VM row needs the engine's time fitted over two sizes" in section
    assert "(events run: 10,000,000)" in section
    slide = next(s for s in build_slides(results) if s.title == "Cost per million events")
    assert "No cost rows:" in to_markdown(slide)


@pytest.mark.parametrize("workers", [2, 16])
def test_every_cluster_row_is_either_priced_or_does_not_fit(workers: int) -> None:
    section = _costs(synthetic())
    setup = f"spark cluster, {workers} x m7i.xlarge ({workers * 4} cores), model"
    for events in (SMALL, LARGE, 100_000_000, 1_000_000_000):
        cells = _row(section, setup, events)
        fits = _needed_gib(events, workers) <= 16 * USABLE_MEMORY
        assert cells[2].startswith("does not fit") != fits


def test_the_decisions_spark_cluster_holds_the_day_like_a_cost_row() -> None:
    """The flowchart's last answer names a cluster for the day no single node takes: the same
    memory check as the cost rows prices it, and one worker fewer would not fit (when it had
    to grow beyond 16 workers)."""
    from bench.report_builder.build import analyse
    from bench.report_builder.costs import CostPoint, NoFit, spark_cluster
    from bench.report_builder.decision import OUTLOOK_WORKERS, best_local

    stored = Path(__file__).parents[1] / "bench/reports/default/results.json"
    run = analyse(json.loads(stored.read_text()))
    named = re.search(r"events on (\d+) x m7i\.xlarge \((\d+) cores\)", run.decision.otherwise)
    assert named, run.decision.otherwise
    workers, day = int(named.group(1)), run.decision.day_events
    spark = run.memory[best_local(run.cases, "spark")]
    assert isinstance(spark_cluster(day, workers, run.model, spark, run.prices), CostPoint)
    if workers > OUTLOOK_WORKERS:
        assert isinstance(spark_cluster(day, workers - 1, run.model, spark, run.prices), NoFit)
        assert "fewer workers cannot hold it in memory" in run.decision.otherwise
