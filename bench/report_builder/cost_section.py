"""The report's cost section: each engine on one VM and the modelled Spark clusters, priced or
"does not fit" (the same memory check for both), the price table's source and date, and the
billing minimum where it decides the figure. The slides draw from the same functions."""

from __future__ import annotations

import itertools

from bench.report_builder import plots
from bench.report_builder.analysis import CaseSummary
from bench.report_builder.costs import (
    ASSUMPTIONS,
    CLUSTER_SIZES,
    MIN_BILLED_SECONDS,
    CostPoint,
    NoFit,
    minimum_note,
    price_source,
    single_vm,
    spark_cluster,
)
from bench.report_builder.decision import best_local
from bench.report_builder.document import Document
from bench.report_builder.horizontal import error_table
from bench.report_builder.sections import fmt_s


def costs(doc: Document, cases, times, memory, model, prices, cores: int) -> None:
    doc.heading("Cost per run and per million events")
    doc.bullets(list(ASSUMPTIONS))
    rows, notes = cost_points(cases, times, memory, model, prices)
    measured = {c.rows for c in cases}
    if rows:
        doc.table(COST_HEADERS, [cost_row(r, measured) for r in rows])
    else:
        doc.paragraph(no_costs(cases, model, prices))
    doc.paragraph(price_source(prices))
    if minimum := minimum_note(rows):
        doc.paragraph(minimum)
    if notes:
        doc.bullets(notes)
    if model is not None:
        doc.paragraph("The Spark cluster rows are the scale-out model's figures.")
        error_table(doc, model, cores, why=False)  # beside the modelled rows
    elif rows and any(c.engine == "spark" for c in cases):
        doc.paragraph("No Spark cluster rows: no scale-out model (see the horizontal section).")
    if points := priced(rows):
        doc.image("cost_per_million.png", cost_plot(points, measured), "cost per million")


COST_HEADERS = [
    "setup",
    "events",
    "instance",
    "seconds",
    "billed",
    "USD/run",
    "USD per million events",
    "kind",
]


def cost_row(row: CostPoint | NoFit, measured: set[int]) -> list[object]:
    """A priced row, or a setup that does not fit at that size: shown, not priced."""
    kind = cost_kind(row, measured)
    if isinstance(row, NoFit):
        return [row.setup, f"{row.rows:,}", f"does not fit ({row.why})", "-", "-", "-", "-", kind]
    billed = f"{MIN_BILLED_SECONDS} s minimum" if row.minimum_billed else "per second"
    usd = f"{row.usd_per_run:.4f}"
    seconds = fmt_s(row.seconds)
    return [
        row.setup,
        f"{row.rows:,}",
        row.instance,
        seconds,
        billed,
        usd,
        usd_per_million(row),
        kind,
    ]


def priced(rows: list[CostPoint | NoFit]) -> list[CostPoint]:
    return [r for r in rows if isinstance(r, CostPoint)]


def no_costs(cases: list[CaseSummary], model, prices: list) -> str:
    """Why a run has no cost row at all, in one sentence."""
    if not prices:
        return "No cost rows: bench/prices.csv lists no prices."
    sizes = ", ".join(f"{n:,}" for n in sorted({c.rows for c in cases})) or "none"
    cluster = (
        "the scale-out model, which this run does not have (see the horizontal section)"
        if model is None
        else "Spark's memory fit from a case on one machine, which this run does not have"
    )
    return (
        "No cost rows: a one-VM row needs the engine's time fitted over two sizes or more, and "
        f"no Polars, DuckDB or Spark case here ran at two sizes (events run: {sizes}); a Spark "
        f"cluster row needs {cluster}."
    )


def cost_plot(points: list[CostPoint], measured: set[int]) -> bytes:
    """The cost per million events against the events, as the report and the slides draw it:
    hollow beyond ten times the largest size measured (``measured``: the sizes run)."""
    return plots.cost_per_million(points, measured_max=max(measured, default=None))


def usd_per_million(p: CostPoint) -> str:
    return f"{p.usd_per_million_events:.5f}"


def cost_kind(p: CostPoint | NoFit, measured: set[int]) -> str:
    """A single VM at a size run is fitted at a measured size; the rest extrapolated or model."""
    if p.rows in measured and "model" not in p.setup:
        return "fitted at a measured size"
    return "extrapolated / model"


def cost_points(cases, times, memory, model, prices) -> tuple[list[CostPoint | NoFit], list[str]]:
    """Each engine on one VM and the modelled Spark clusters, at the sizes run and up to a
    billion events, priced or not fitting (both memory-checked with the same fits); and why
    the cluster rows are left out, when they are."""
    if not cases or not prices:
        return [], []
    sizes = sorted({c.rows for c in cases})
    sizes += [n for n in (10_000_000, 100_000_000, 1_000_000_000) if n > sizes[-1]]
    rows: list[CostPoint | NoFit] = []
    for engine in ("polars", "duckdb", "spark"):
        label = best_local(cases, engine)
        if label in times and label in memory:
            vm = f"{label} on one VM"
            rows += [single_vm(vm, n, times[label], memory[label], prices) for n in sizes]
    if model is None:
        return rows, []
    spark = memory.get(best_local(cases, "spark"))
    if spark is None:
        return rows, [NO_SPARK_MEMORY]
    for k, n in itertools.product(CLUSTER_SIZES, sizes):
        rows.append(spark_cluster(n, k, model, spark, prices))
    return rows, []


NO_SPARK_MEMORY = (
    "No Spark cluster rows: a cluster row is priced only when its workers hold Spark's fitted "
    "peak memory, and this run has no Spark case on one machine (local[N]) to fit it from."
)
