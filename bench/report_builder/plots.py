"""The report's plots (matplotlib, no display): each function draws one figure and returns PNG
bytes; the report writes them beside report.html and embeds them in it."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bench.report_builder.analysis import GIB, CaseSummary, by_label
from bench.report_builder.costs import CostPoint
from bench.spark_model.scale_out import CLUSTER, MODEL_WORKERS, Measured, ScaleOutModel


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return buffer.getvalue()


def time_vs_rows(cases: list[CaseSummary]) -> bytes:
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for label, group in by_label(cases).items():
        group = sorted(group, key=lambda c: c.rows)
        rows = [c.rows for c in group]
        median = [c.wall.median for c in group]
        errors = [
            [c.wall.median - c.wall.ci_low for c in group],
            [c.wall.ci_high - c.wall.median for c in group],
        ]
        axes.errorbar(rows, median, yerr=errors, marker="o", capsize=3, label=label)
    axes.set(xscale="log", yscale="log", xlabel="events", ylabel="wall seconds (median, 95 % CI)")
    axes.set_title("Time vs rows (log-log)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    return _png(figure)


def rss_vs_rows(cases: list[CaseSummary]) -> bytes:
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for label, group in by_label(cases).items():
        group = sorted(group, key=lambda c: c.rows)
        axes.plot([c.rows for c in group], [c.rss_median / GIB for c in group], "o-", label=label)
    axes.set(xscale="log", yscale="log", xlabel="events", ylabel="peak RSS, GiB (process tree)")
    axes.set_title("Peak memory vs rows")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    return _png(figure)


def stage_breakdown(cases: list[CaseSummary]) -> bytes:
    largest = max(c.rows for c in cases)
    chosen = [c for c in cases if c.rows == largest]
    stages: list[str] = []
    for case in chosen:
        stages += [s for s in case.stages if s not in stages]
    figure, axes = plt.subplots(figsize=(8, 0.6 * len(chosen) + 2))
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
    axes.legend(fontsize=7, ncol=3, loc="lower right")
    return _png(figure)


def threads_scaling(cases: list[CaseSummary]) -> bytes:
    largest = max(c.rows for c in cases)
    figure, axes = plt.subplots(figsize=(6, 4))
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
        axes.plot([c.threads for c in group], [c.wall.median for c in group], "o-", label=engine)
    axes.set(xlabel="threads / local cores", ylabel="wall seconds (median)")
    axes.set_title(f"Vertical: threads at {largest:,} events")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    return _png(figure)


def cluster_scaling(measured: Measured, rows: int, model: ScaleOutModel | None) -> bytes:
    """Measured medians solid; the model's figures dashed (the replay) and dotted (Ernest)."""
    figure, axes = plt.subplots(figsize=(6.5, 4))
    points = measured.medians(rows)
    axes.plot(
        [k for k, _ in points],
        [s for _, s in points],
        "o-",
        label=f"measured ({measured.source}, medians)",
    )
    workers = list(MODEL_WORKERS) if model else [k for k, _ in points]
    if model is not None:
        replayed = [model.seconds(k, rows) for k in workers]
        axes.plot(workers, replayed, "--", label="model: replay of the measured tasks")
        if model.ernest is not None:
            fitted = [model.ernest_seconds(k, rows) for k in workers]
            axes.plot(workers, fitted, ":", label="model: Ernest fit")
        bounded = _host_bounded(model, measured.source, rows)
        if bounded:
            axes.plot(*zip(*bounded, strict=True), "x", label="model on this host (the checks)")
    across = "one-core workers K" if measured.source == CLUSTER else "K: workers (model), threads"
    axes.set(xscale="log", xlabel=across, ylabel="wall seconds")
    axes.set_xticks(workers, [str(k) for k in workers])
    axes.set_title(f"Spark horizontal scaling at {rows:,} events")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    return _png(figure)


def _host_bounded(model: ScaleOutModel, source: str, rows: int) -> list[tuple[int, float]]:
    """The checks' host-bounded predictions of the measured kind at ``rows``: (K, seconds)."""
    cluster = source == CLUSTER
    return [
        (int(c.target.split("=")[1]) if cluster else int(c.target.split()[0]), c.host_seconds)
        for c in model.checks
        if c.rows == rows and c.target.startswith("K=") == cluster
    ]


def cost_per_million(points: list[CostPoint]) -> bytes:
    figure, axes = plt.subplots(figsize=(7, 4.5))
    setups: dict[str, list[CostPoint]] = {}
    for point in points:
        setups.setdefault(point.setup, []).append(point)
    for setup, group in setups.items():
        group = sorted(group, key=lambda p: p.rows)
        style = "--" if "model" in setup else "o-"
        axes.plot(
            [p.rows for p in group], [p.usd_per_million_events for p in group], style, label=setup
        )
    axes.set(xscale="log", yscale="log", xlabel="events per run", ylabel="USD per million events")
    axes.set_title("Cost per million events (on-demand list prices)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7)
    return _png(figure)
