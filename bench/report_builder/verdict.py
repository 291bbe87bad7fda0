"""The report's first section: the answer for this run in a few lines a lead can paste into a
decision record — which engine for which day size on this machine, the measured figures and
their spread, and which figures were measured, which fitted and which extrapolated or modelled.
Everything comes from the same fits and flowchart as the sections below; nothing is typed in."""

from __future__ import annotations

from bench.report_builder.analysis import CaseSummary
from bench.report_builder.decision import Decision, about
from bench.report_builder.document import Document
from bench.report_builder.horizontal import NO_BASE
from bench.report_builder.sections import NO_INTERVAL, fmt_s, interval
from bench.spark_model.scale_out import ScaleOutModel

# a figure up to this many times the largest size measured is "fitted"; beyond, "extrapolated"
FITTED_RANGE = 10


def kind_of(events: float, largest: int) -> str:
    """How far a figure for ``events`` is from what was measured."""
    if events <= largest:
        return "measured"
    times = events / largest
    if times <= FITTED_RANGE:
        return f"fitted, {times:,.0f}x the largest size measured"
    return f"extrapolated, {times:,.0f}x the largest size measured"


def answer_for(decision: Decision, events: float) -> str:
    """The flowchart's answer for a day of ``events``."""
    for step in decision.steps:
        if events <= step.events:
            return step.answer
    return decision.otherwise


def _fastest_line(cases: list[CaseSummary], largest: int) -> str:
    at_largest = sorted(
        (c for c in cases if c.rows == largest and not c.cluster_workers),
        key=lambda c: c.wall.median,
    )
    best = at_largest[0]
    others = ", ".join(
        f"{c.label} {fmt_s(c.wall.median)} s ({c.wall.median / best.wall.median:.1f}x)"
        for c in at_largest[1:]
    )
    spread = (
        f"95 % CI {interval(best.wall)} s, {best.wall.n} tries" if best.wall.n > 1 else NO_INTERVAL
    )
    return (
        f"Fastest measured at {largest:,} events: **{best.label}**, median "
        f"{fmt_s(best.wall.median)} s ({spread})" + (f"; then {others}." if others else ".")
    )


def _steps_lines(decision: Decision, largest: int) -> list[str]:
    lines = [
        f"A day of up to {about(step.threshold)} events: {step.answer} — "
        f"{kind_of(step.events, largest)}."
        for step in decision.steps
    ]
    lines.append(f"More: {decision.otherwise}.")
    return lines


def model_line(model: ScaleOutModel | None, no_model: str | None) -> str:
    """What the run says of Spark beyond the executors measured; ``no_model``: why there is no
    model (``horizontal.no_model_reason``; None: the run has no Spark try)."""
    if model is None and no_model is None:
        return "Spark: not run here, so nothing to model beyond one machine."
    if model is None:
        why = "no try on one worker or one thread" if no_model == NO_BASE else "no event logs"
        return f"Spark beyond the executors measured: no model in this run ({why})."
    if model.worst_check is None:
        return (
            "Spark beyond the executors measured: modelled (its measured tasks replayed); no "
            "measured pair to check it on."
        )
    error = abs(model.worst_check.host_error)
    return (
        "Spark beyond the executors measured: modelled (its measured tasks replayed); "
        f"error on the measured points up to {error:.0%}."
    )


def verdict(
    doc: Document,
    cases: list[CaseSummary],
    decision: Decision | None,
    model: ScaleOutModel | None,
    machine: dict,
    no_model: str | None,
    events_per_day: int | None = None,
) -> None:
    """The verdict section, first in the report; ``no_model`` as for ``model_line``."""
    doc.heading("Verdict")
    doc.paragraph(measured_sizes(cases, machine))
    doc.bullets(verdict_lines(cases, decision, model, no_model, events_per_day))


def measured_sizes(cases: list[CaseSummary], machine: dict) -> str:
    """The machine and the sizes measured; what lies beyond them is fitted or extrapolated."""
    sizes = ", ".join(f"{r:,}" for r in sorted({c.rows for c in cases}))
    return (
        f"On this machine ({machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_gib']} GiB), sizes measured: {sizes} events. Anything larger is fitted "
        f"(up to {FITTED_RANGE}x the largest size) or extrapolated, and said so."
    )


def verdict_lines(
    cases: list[CaseSummary],
    decision: Decision | None,
    model: ScaleOutModel | None,
    no_model: str | None,
    events_per_day: int | None = None,
) -> list[str]:
    """The fastest engine measured, which engine for which day size, the Spark model."""
    largest = max(c.rows for c in cases)
    lines = [_fastest_line(cases, largest)]
    if decision is None:
        lines.append("No Polars or DuckDB case: no single-node threshold to compute.")
    else:
        lines += _steps_lines(decision, largest)
        if events_per_day:
            lines.append(
                f"Your day of {events_per_day:,} events: {answer_for(decision, events_per_day)} "
                f"— {kind_of(events_per_day, largest)}."
            )
    lines.append(model_line(model, no_model))
    return lines
