"""The report's plots (matplotlib, no display): each function draws one figure and returns PNG
bytes; the report writes them beside report.html and embeds them in it.

Read the same way in every plot: one colour per engine (``engine_colour``; its threads, cluster
sizes and native baseline differ by line style and marker), legends outside the data, plain
tick labels on log axes (100K, 1M, 10M; 1, 10, 100), and a hollow marker for any figure more
than ``EXTRAPOLATED_BEYOND`` times the largest size measured."""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import ticker

from bench.report_builder.analysis import GIB, CaseSummary, by_label
from bench.report_builder.costs import CostPoint
from bench.spark_model.scale_out import CLUSTER, MODEL_WORKERS, Measured, ScaleOutModel

ENGINES = ("polars", "duckdb", "spark")
COLOURS = {"polars": "#1f77b4", "duckdb": "#d62728", "spark": "#ff7f0e"}  # tab10 blue, red, orange
OTHER = "#7f7f7f"
EXTRAPOLATED_BEYOND = 10  # x the largest measured size: the verdict's "extrapolated" line


def engine_of(label: str) -> str | None:
    """The engine a case, setup or line label belongs to (``native-spark x2`` → spark)."""
    words = label.lower().replace("-", " ").split()
    return next((e for e in ENGINES if e in words), None)


def engine_colour(label: str) -> str:
    return COLOURS.get(engine_of(label) or "", OTHER)


def _style(label: str) -> dict[str, object]:
    """Colour from the engine; line style from what varies within it (threads, cluster,
    native baseline, model), so two lines of one engine never look alike."""
    lowered = label.lower()
    one_thread = re.search(r"\bx1\b", lowered) is not None  # "polars x1": one thread
    if "native" in lowered:
        linestyle: object = "-."
    elif "model" in lowered:
        linestyle = (0, (1, 1.5))
    elif "k=" in lowered or "cluster" in lowered:
        linestyle = ":"
    else:
        linestyle = (0, (5, 2)) if one_thread else "-"
    marker = "s" if one_thread else "o"
    return {"color": engine_colour(label), "linestyle": linestyle, "marker": marker}


def _count(value: float, _position: int = 0) -> str:
    """A tick label for a count: 100K, 1M, 10M, 1B (never 1e6 in powers of ten)."""
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= size:
            return f"{value / size:g}{unit}"
    return f"{value:g}"


def _plain(value: float, _position: int = 0) -> str:
    return f"{value:g}"


def _log_axis(axis, label: object = _plain) -> None:
    """Decades labelled plainly; the minor ticks unlabelled (no "6 times ten to the 0")."""
    axis.set_major_locator(ticker.LogLocator(base=10))
    axis.set_major_formatter(ticker.FuncFormatter(label))
    axis.set_minor_formatter(ticker.NullFormatter())


def _legend_outside(axes, fontsize: int = 8) -> None:
    axes.legend(fontsize=fontsize, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return buffer.getvalue()


def time_vs_rows(cases: list[CaseSummary]) -> bytes:
    figure, axes = plt.subplots(figsize=(8, 4.5))
    for label, group in by_label(cases).items():
        group = sorted(group, key=lambda c: c.rows)
        rows = [c.rows for c in group]
        median = [c.wall.median for c in group]
        errors = [
            [c.wall.median - c.wall.ci_low for c in group],
            [c.wall.ci_high - c.wall.median for c in group],
        ]
        axes.errorbar(rows, median, yerr=errors, capsize=3, label=label, **_style(label))
    axes.set(xscale="log", yscale="log", xlabel="events", ylabel="wall seconds (median, 95 % CI)")
    _log_axis(axes.xaxis, _count)
    _log_axis(axes.yaxis)
    axes.set_title("Time vs rows (log-log, measured)")
    axes.grid(True, which="both", alpha=0.3)
    _legend_outside(axes)
    return _png(figure)


def rss_vs_rows(cases: list[CaseSummary]) -> bytes:
    figure, axes = plt.subplots(figsize=(8, 4.5))
    for label, group in by_label(cases).items():
        group = sorted(group, key=lambda c: c.rows)
        rss = [c.rss_median / GIB for c in group]
        axes.plot([c.rows for c in group], rss, label=label, **_style(label))
    axes.set(xscale="log", yscale="log", xlabel="events", ylabel="peak RSS, GiB (process tree)")
    _log_axis(axes.xaxis, _count)
    _log_axis(axes.yaxis)
    axes.set_title("Peak memory vs rows (measured)")
    axes.grid(True, which="both", alpha=0.3)
    _legend_outside(axes)
    return _png(figure)


def stage_breakdown(cases: list[CaseSummary]) -> bytes:
    largest = max(c.rows for c in cases)
    chosen = [c for c in cases if c.rows == largest]
    stages: list[str] = []
    for case in chosen:
        stages += [s for s in case.stages if s not in stages]
    figure, axes = plt.subplots(figsize=(10, 0.6 * len(chosen) + 2))
    colours = plt.get_cmap("tab20")
    left = [0.0] * len(chosen)
    axes.barh(range(len(chosen)), [c.startup_median for c in chosen], color="0.7", label="start-up")
    left = [c.startup_median for c in chosen]
    for number, stage in enumerate(stages):
        widths = [c.stages.get(stage, 0.0) for c in chosen]
        axes.barh(range(len(chosen)), widths, left=left, color=colours(number % 20), label=stage)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.set_yticks(range(len(chosen)), [c.label for c in chosen])
    axes.set_xlabel("seconds (medians)")
    axes.set_title(f"Where the time goes at {largest:,} events")
    axes.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return _png(figure)


def threads_scaling(cases: list[CaseSummary]) -> bytes:
    largest = max(c.rows for c in cases)
    figure, axes = plt.subplots(figsize=(7, 4))
    engines = sorted({c.engine for c in cases if not c.cluster_workers})
    for engine in engines:
        group = sorted(
            (
                c
                for c in cases
                if c.engine == engine and c.rows == largest and not c.cluster_workers
            ),
            key=lambda c: c.threads,
        )
        walls = [c.wall.median for c in group]
        axes.plot([c.threads for c in group], walls, label=engine, **_style(engine))
    threads = sorted({c.threads for c in cases if not c.cluster_workers})
    axes.set(xlabel="threads / local cores", ylabel="wall seconds (median)")
    axes.set_xticks(threads, [str(t) for t in threads])
    axes.set_title(f"Vertical: threads at {largest:,} events")
    axes.grid(True, alpha=0.3)
    _legend_outside(axes)
    return _png(figure)


def cluster_scaling(measured: Measured, rows: int, model: ScaleOutModel | None) -> bytes:
    """Measured medians solid; the model's figures dashed (the replay) and dotted (Ernest)."""
    figure, axes = plt.subplots(figsize=(8, 4))
    points = measured.medians(rows)
    spark = COLOURS["spark"]
    axes.plot(
        [k for k, _ in points],
        [s for _, s in points],
        "o-",
        color=spark,
        label=f"measured ({measured.source}, medians)",
    )
    workers = list(MODEL_WORKERS) if model else [k for k, _ in points]
    if model is not None:
        replayed = [model.seconds(k, rows) for k in workers]
        axes.plot(
            workers,
            replayed,
            "--o",
            color=spark,
            markerfacecolor="none",
            label="model: replay of the measured tasks (hollow: modelled)",
        )
        if model.ernest is not None:
            fitted = [model.ernest_seconds(k, rows) for k in workers]
            axes.plot(workers, fitted, ":", color=OTHER, label="model: Ernest fit")
        bounded = _host_bounded(model, measured.source, rows)
        if bounded:
            axes.plot(
                *zip(*bounded, strict=True),
                "x",
                color="black",
                label="model on this host (the checks)",
            )
    across = (
        "K one-core executors"
        if measured.source == CLUSTER
        else "K: one-core executors (model), threads (measured)"
    )
    axes.set(xscale="log", xlabel=across, ylabel="wall seconds")
    axes.set_xticks(workers, [str(k) for k in workers])
    axes.xaxis.set_minor_formatter(ticker.NullFormatter())
    axes.set_title(f"Spark horizontal scaling at {rows:,} events")
    axes.grid(True, alpha=0.3)
    _legend_outside(axes)
    return _png(figure)


def _host_bounded(model: ScaleOutModel, source: str, rows: int) -> list[tuple[int, float]]:
    """The checks' host-bounded predictions of the measured kind at ``rows``: (K, seconds)."""
    cluster = source == CLUSTER
    return [
        (int(c.target.split("=")[1]) if cluster else int(c.target.split()[0]), c.host_seconds)
        for c in model.checks
        if c.rows == rows and c.target.startswith("K=") == cluster
    ]


def cost_per_million(points: list[CostPoint], measured_max: int | None = None) -> bytes:
    """Each setup's cost per million events over the sizes; a point more than
    EXTRAPOLATED_BEYOND x ``measured_max`` (the largest size measured) is drawn hollow."""
    figure, axes = plt.subplots(figsize=(8.5, 4.5))
    setups: dict[str, list[CostPoint]] = {}
    for point in points:
        setups.setdefault(point.setup, []).append(point)
    limit = measured_max * EXTRAPOLATED_BEYOND if measured_max else None
    for setup, group in setups.items():
        group = sorted(group, key=lambda p: p.rows)
        style = _style(setup)
        rows = [p.rows for p in group]
        usd = [p.usd_per_million_events for p in group]
        axes.plot(rows, usd, label=setup, **style | {"marker": None})
        near = [(r, u) for r, u in zip(rows, usd, strict=True) if limit is None or r <= limit]
        far = [(r, u) for r, u in zip(rows, usd, strict=True) if limit is not None and r > limit]
        for found, face in ((near, style["color"]), (far, "none")):
            if found:
                axes.plot(
                    *zip(*found, strict=True),
                    linestyle="none",
                    marker=style["marker"],
                    color=style["color"],
                    markerfacecolor=face,
                )
    title = "Cost per million events (on-demand list prices)"
    if limit is not None:
        title += f"\nhollow: beyond {_count(limit)} events ({EXTRAPOLATED_BEYOND}x measured)"
    axes.set(xscale="log", yscale="log", xlabel="events per run", ylabel="USD per million events")
    _log_axis(axes.xaxis, _count)
    _log_axis(axes.yaxis)
    axes.set_title(title, fontsize=10)
    axes.grid(True, which="both", alpha=0.3)
    _legend_outside(axes, fontsize=7)
    return _png(figure)
