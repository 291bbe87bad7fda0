"""The horizontal-scaling section: Spark's measured walls on K workers beside the scale-out
model (``bench/spark_model/scale_out.py``: a replay of the measured tasks), the model's errors
on the measured pairs and an Ernest fit as a cross-check. Every modelled figure is labelled as
one; the errors table goes beside every table of modelled figures (here and in the costs)."""

from __future__ import annotations

from bench.report_builder import plots
from bench.report_builder.document import Document
from bench.spark_model.scale_out import (
    ERNEST_MIN_POINTS,
    MODEL_WORKERS,
    ScaleOutModel,
    measured_scaling,
)
from bench.spark_model.validation import Check, spark_tries

SCALES_OUT = (
    "What scales out: Spark — the same SQL runs on K one-core executors ({measured}; beyond that {beyond}). "
    "What does not: the Polars and DuckDB paths run on one machine only — more cores "
    "and memory on that machine (vertical), nothing beyond it, except splitting the input by day "
    "and running independent days on different machines (the incremental load then stitches "
    "sessions across midnight in order, one day after the other)."
)
NO_EVENT_LOGS = (
    "No scale-out model: it replays the tasks of Spark's event log, which each Spark try keeps "
    "in results.json (`spark_event_log`), and this results file has none (measured before the "
    "bench kept event logs) — rerun `make bench`."
)
NO_SPARK = "No Spark tries in this run: nothing to model."
ALSO_ONE = "It also needs a try on one worker or one thread (--cluster-workers 1 or --threads 1)."
NO_BASE = (
    "No scale-out model: it replays a Spark try on one worker (K=1) or one thread with its "
    "event log, and this run has none — run with --cluster-workers 1 or --threads 1."
)
WHY_HOST_BOUNDED = (
    "The headline error is the host-bounded one: every pair was measured on this one host, "
    "where K one-core executors (and local[N]'s threads) share its {cores} cores with the "
    "driver and with each other's JIT compilers and garbage collectors, which the plain replay "
    "cannot see. The "
    "plain replay — the model's figures — is what K machines of their own would see; its error "
    "can only be measured on a real cluster."
)


def scales_out(tries: list[dict], model: ScaleOutModel | None) -> str:
    """SCALES_OUT with what this run measured: the K of its cluster tries, or none."""
    workers = sorted({t["cluster_workers"] for t in spark_tries(tries) if t.get("cluster_workers")})
    if workers:
        ks = ", ".join(map(str, workers[:-1])) + " and " if len(workers) > 1 else ""
        measured = (
            f"measured here on a real standalone cluster with K = {ks}{workers[-1]} one-core "
            "executors"
        )
    elif spark_tries(tries):
        measured = "no standalone cluster in this run: Spark measured in local mode only"
    else:
        measured = "no Spark in this run"
    beyond = "a model: the measured tasks replayed" if model else "no model in this run: see below"
    return SCALES_OUT.format(measured=measured, beyond=beyond)


def percent(error: float) -> str:
    return f"{error * 100:+.0f} %"


def seconds_text(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:,.2f}" if x < 100 else f"{x:,.0f}"


def error_summary(model: ScaleOutModel) -> str:
    """'model error on measured points: …' (host-bounded), one figure per measured pair."""
    if not model.checks:
        return (
            "Model error on measured points: none measured (no 1 → 2 thread or K=1 → K=2 pair "
            "with event logs)"
        )
    pairs = ", ".join(
        f"{percent(c.host_error)} ({c.base} → {c.target}, {c.rows:,} events)" for c in model.checks
    )
    return f"Model error on measured points (host-bounded): {pairs}"


def error_table(doc: Document, model: ScaleOutModel, cores: int, why: bool = True) -> None:
    """The validation checks beside a table of modelled figures: both predictions, both errors;
    ``why``: say why the host-bounded error is the headline (else point to where it is said)."""
    said = (
        WHY_HOST_BOUNDED.format(cores=cores)
        if why
        else "Why the host-bounded error is the headline: see the horizontal-scaling section."
    )
    doc.paragraph(f"{error_summary(model)}. {said}")
    if model.checks:
        doc.table(CHECK_HEADERS, [_check_row(c) for c in model.checks])


CHECK_HEADERS = [
    "events",
    "predicted",
    "from",
    "measured s",
    "replay s",
    "replay error",
    "on this host s",
    "host-bounded error",
]


def _check_row(c: Check) -> list[object]:
    return [
        f"{c.rows:,}",
        c.target,
        c.base,
        seconds_text(c.measured_seconds),
        seconds_text(c.replay_seconds),
        percent(c.replay_error),
        seconds_text(c.host_seconds),
        percent(c.host_error),
    ]


def method(model: ScaleOutModel) -> str:
    """How the modelled seconds are computed, with this run's figures."""
    if model.driver.sizes > 1:
        driver = (
            f"{model.driver.a:.2f} s + {model.driver.b * 1e6:.2f} µs per event, fitted over the "
            f"{model.driver.sizes} sizes of the {model.base_case} tries"
        )
    else:
        driver = (
            f"{model.driver.a:.2f} s, kept constant at every size: the {model.base_case} tries "
            "were measured at one size only"
        )
    return (
        f"Model (bench/spark_model/scale_out.py): the median {model.base_case} try "
        f"({model.source}) at {model.rows:,} events ({model.base_wall:.1f} s measured), its "
        "recorded tasks replayed after Sparklens on K one-core executors, each a core of its own "
        "(on machines of their own), each stage's tasks repeated in proportion to the "
        f"events (events / {model.rows:,} times its work); plus the driver's seconds, when no "
        f"job runs ({driver}), "
        f"and {model.outside:.2f} s of Python outside the Spark application. Not modelled: "
        "wider shuffles and more GC with more executors — optimistic for large K, like Sparklens."
    )


def ernest_text(model: ScaleOutModel) -> str:
    if model.ernest is None:
        return (
            f"Ernest cross-check: needs ≥ {ERNEST_MIN_POINTS} measured cluster tries (events, K, "
            f"wall); this run has {model.ernest_points}, so the Ernest column is empty."
        )
    e = model.ernest
    return (
        f"Ernest cross-check (Venkataraman et al., NSDI 2016), fitted by non-negative least "
        f"squares over the {model.ernest_points} measured cluster tries: T = {e.a:.2f} + "
        f"{e.b:.2f} x millions of events / K + {e.c:.2f} x log K + {e.d:.2f} x K seconds. It "
        "fits walls measured on this host, so it carries their contention; a model too."
    )


def _table(doc: Document, model: ScaleOutModel, day_rows: int | None) -> None:
    at = f"at {model.rows:,}"
    headers = [
        "K one-core executors",
        f"model s {at}",
        f"Ernest s {at}",
        "kind",
        f"measured s {at}",
    ]
    rows = []
    for k in MODEL_WORKERS:
        measured = model.measured.median(k, model.rows)
        row = [k, seconds_text(model.seconds(k)), seconds_text(model.ernest_seconds(k))]
        rows.append([*row, "model" if measured is None else "measured", seconds_text(measured)])
    if day_rows:
        headers += [f"model s at {day_rows:,}", f"Ernest s at {day_rows:,}"]
        for row, k in zip(rows, MODEL_WORKERS, strict=True):
            row += [seconds_text(model.seconds(k, day_rows))]
            row += [seconds_text(model.ernest_seconds(k, day_rows))]
    doc.table(headers, rows)


def no_model_reason(tries: list[dict]) -> str | None:
    """Why a run has no scale-out model (None: it has no Spark try to model)."""
    spark = spark_tries(tries)
    if not spark:
        return None
    one = [t for t in spark if (t.get("cluster_workers") or t["threads"]) == 1]
    if any(t.get("spark_event_log") for t in spark):
        return NO_BASE
    return NO_EVENT_LOGS + ("" if one else f" {ALSO_ONE}")


def _measured_only(doc: Document, tries: list[dict]) -> None:
    measured = measured_scaling(tries)
    if measured is None:
        doc.paragraph(NO_SPARK)
        return
    doc.paragraph(f"{no_model_reason(tries)} Below: the measured medians only.")
    rows = measured.largest
    doc.table(
        [f"K ({measured.source})", f"measured median s at {rows:,}", "kind"],
        [[k, seconds_text(s), "measured"] for k, s in measured.medians(rows)],
    )
    if png := scaling_plot(tries, None):
        doc.image("cluster_scaling.png", png, "Spark scaling (measured only)")


def scaling_plot(tries: list[dict], model: ScaleOutModel | None) -> bytes | None:
    """Spark's walls against K: measured and the model's, or the measured medians alone (None:
    fewer than two K measured and no model)."""
    if model is not None:
        return plots.cluster_scaling(model.measured, model.rows, model)
    measured = measured_scaling(tries)
    if measured is None or len(measured.medians(measured.largest)) < 2:  # a plot needs two K
        return None
    return plots.cluster_scaling(measured, measured.largest, None)


def horizontal(
    doc: Document,
    tries: list[dict],
    model: ScaleOutModel | None,
    cores: int,
    day_rows: int | None,
) -> None:
    """``day_rows``: the flowchart's day beyond every single-node threshold (None: no chart)."""
    doc.heading("Horizontal scaling: Spark on a standalone cluster")
    doc.paragraph(scales_out(tries, model))
    if model is None:
        _measured_only(doc, tries)
        return
    doc.paragraph(method(model))
    error_table(doc, model, cores)
    doc.paragraph(ernest_text(model))
    day = (
        f" and at {day_rows:,} events (the flowchart's day beyond every single-node threshold)"
        if day_rows
        else " (no flowchart here, so no day size: no Polars or DuckDB case)"
    )
    doc.paragraph(
        f"Modelled seconds at the base size{day}; 'measured' marks the K measured "
        f"({model.measured.source}), its median beside the model's figure. K counts cores: "
        "the cost section's 'spark cluster, N x VM type (C cores)' is K = C here."
    )
    _table(doc, model, day_rows)
    doc.image(
        "cluster_scaling.png",
        scaling_plot(tries, model),
        "Spark horizontal scaling: measured and model",
    )
