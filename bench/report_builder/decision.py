"""The decision flowchart, computed from this run's numbers: how many events a day each
single-node engine can take in a given memory (bytes of peak RSS per event, fitted), which is
fastest, and what the Spark model says beyond that. No threshold is typed in."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.report_builder.analysis import GIB, CaseSummary, MemoryLine
from bench.report_builder.costs import (
    USABLE_MEMORY,
    Instance,
    cluster_setup,
    worker_type,
    workers_to_hold,
)
from bench.report_builder.ranges import Threshold, threshold
from bench.spark_model.scale_out import ScaleOutModel

SINGLE_NODE = ("polars", "duckdb")  # the product's engines (native Polars is a baseline only)


@dataclass(frozen=True)
class Step:
    question: str  # "events per day <= N? (range a-b)"
    threshold: Threshold  # N and its range
    answer: str  # when yes

    @property
    def events(self) -> float:
        return self.threshold.value


@dataclass(frozen=True)
class Decision:
    steps: tuple[Step, ...]
    otherwise: str
    notes: tuple[str, ...]
    day_events: int  # a day beyond every threshold: twice the biggest (the Spark outlook's)


def in_words(n: float) -> str:
    if n == math.inf:
        return "unbounded"
    if n >= 1e9:
        return f"{n / 1e9:.1f} billion"
    if n >= 1e6:
        return f"{n / 1e6:.0f} million" if n >= 1e7 else f"{n / 1e6:.1f} million"
    return f"{n:,.0f}"


def about(t: Threshold) -> str:
    """'19 million (range 14-27 million)': a threshold as every section and slide writes it."""
    return t.words(in_words)


def events_in(line: MemoryLine, memory_gib: float) -> Threshold:
    """The events whose fitted peak fits in ``memory_gib`` GiB (its usable part), with the
    range over the fit's refits: the one computation of a memory threshold, for the flowchart,
    the verdict and the memory table alike."""
    usable = memory_gib * GIB * USABLE_MEMORY
    refits = [fit.events_within(usable) for fit in line.refits]
    return threshold(line.events_within(usable), refits, line.no_range)


def best_local(cases: list[CaseSummary], engine: str) -> str | None:
    """The engine's label with the most threads (how it would be run)."""
    labels = [c for c in cases if c.engine == engine and not c.cluster_workers]
    return max(labels, key=lambda c: c.threads).label if labels else None


def decide(
    cases: list[CaseSummary],
    memory: dict[str, MemoryLine],
    machine_gib: float,
    big_vm: Instance,
    model: ScaleOutModel | None,
    no_model: str | None = None,
    *,
    prices: list[Instance],
) -> Decision | None:
    """The flowchart from this run's fits; None without a Polars or DuckDB case to size.
    ``no_model``: why there is no Spark model, when there is none (None: no Spark to model);
    ``prices``: the cluster's worker type, to size the cluster the model speaks of."""
    largest = max(c.rows for c in cases)
    at_largest = {c.label: c for c in cases if c.rows == largest}
    engines = _fitted_engines(cases, memory, at_largest)
    if not engines:
        return None
    fastest = min(engines, key=lambda e: at_largest[engines[e]].wall.median)
    capacity = _capacities(engines, memory, machine_gib, big_vm)
    steps = _fastest_steps(fastest, capacity[fastest], machine_gib, big_vm)
    notes = _memory_notes(engines, memory)
    frugal = _frugal_step(engines, capacity, fastest, at_largest, big_vm)
    if frugal is not None:
        steps.append(frugal)
    spark = _spark_note(cases, at_largest, engines[fastest], fastest, largest)
    if spark is not None:
        notes.append(spark)
    otherwise = f"split the day into parts that fit and run {fastest} per part, or a Spark cluster"
    day = day_beyond(steps)
    if model is not None:
        notes.append(_model_note(model))
        spark_memory = memory.get(best_local(cases, "spark") or "")
        otherwise += _model_outlook(model, day, spark_memory, prices)
    elif no_model:
        notes.append(no_model)
    steps = sorted(steps, key=lambda s: s.events)
    return Decision(tuple(steps), otherwise, tuple(notes), day)


def day_beyond(steps: list[Step]) -> int:
    """Twice the biggest threshold, to two significant figures: a day no single node takes."""
    return int(float(f"{2 * max(step.events for step in steps):.2g}"))


def duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def _fitted_engines(
    cases: list[CaseSummary], memory: dict[str, MemoryLine], at_largest: dict[str, CaseSummary]
) -> dict[str, str]:
    """Each single-node engine's label, when measured at the largest size with a memory fit."""
    engines = {e: best_local(cases, e) for e in SINGLE_NODE if best_local(cases, e) in at_largest}
    return {e: label for e, label in engines.items() if label in memory}


def _capacities(
    engines: dict[str, str], memory: dict[str, MemoryLine], machine_gib: float, big_vm: Instance
) -> dict[str, tuple[Threshold, Threshold]]:
    """Each engine's events that fit (this machine, the biggest VM) in their usable memory."""
    return {
        e: (
            events_in(memory[engines[e]], machine_gib),
            events_in(memory[engines[e]], big_vm.memory_gib),
        )
        for e in engines
    }


def question(t: Threshold) -> str:
    """A flowchart question, its threshold's range after it."""
    return f"events per day <= {in_words(t.value)}? ({t.range_words(in_words)})"


def _fastest_steps(
    fastest: str, capacity: tuple[Threshold, Threshold], machine_gib: float, big_vm: Instance
) -> list[Step]:
    """The fastest engine on this machine, then on the biggest VM."""
    return [
        Step(
            question(capacity[0]),
            capacity[0],
            f"{fastest} on this machine ({machine_gib:.0f} GiB)",
        ),
        Step(
            question(capacity[1]),
            capacity[1],
            f"{fastest} on one {big_vm.name} ({big_vm.memory_gib:.0f} GiB)",
        ),
    ]


def _memory_notes(engines: dict[str, str], memory: dict[str, MemoryLine]) -> list[str]:
    """Each engine's fitted bytes of peak RSS per event and base memory."""
    return [
        f"{e}: {memory[engines[e]].per_event_bytes:,.0f} bytes of peak RSS per event "
        f"(+ {memory[engines[e]].base_bytes / GIB:.2f} GiB base), fitted over the sizes run"
        for e in engines
    ]


def _frugal_step(
    engines: dict[str, str],
    capacity: dict[str, tuple[Threshold, Threshold]],
    fastest: str,
    at_largest: dict[str, CaseSummary],
    big_vm: Instance,
) -> Step | None:
    """The most frugal engine on the biggest VM, when it takes more events than the fastest."""
    frugal = max(engines, key=lambda e: capacity[e][1].value)
    if frugal != fastest and capacity[frugal][1].value > capacity[fastest][1].value:
        ratio = at_largest[engines[frugal]].wall.median / at_largest[engines[fastest]].wall.median
        return Step(
            question(capacity[frugal][1]),
            capacity[frugal][1],
            f"{frugal} on one {big_vm.name} ({ratio:.1f}x the time of {fastest})",
        )
    return None


def _spark_note(
    cases: list[CaseSummary],
    at_largest: dict[str, CaseSummary],
    fastest_label: str,
    fastest: str,
    largest: int,
) -> str | None:
    """Spark's measured time at the largest size against the fastest engine's, when run."""
    spark = best_local(cases, "spark")
    if spark not in at_largest:
        return None
    ratio = at_largest[spark].wall.median / at_largest[fastest_label].wall.median
    return (
        f"measured at {largest:,} events: Spark {spark.split()[-1]} took {ratio:.1f}x "
        f"the time of {fastest}"
    )


def _model_note(model: ScaleOutModel) -> str:
    """What the Spark model is and its error on the measured points."""
    worst = model.worst_check
    error = (
        f"error on measured points {', '.join(f'{c.host_error:+.0%}' for c in model.checks)} "
        f"(host-bounded; largest {abs(worst.host_error):.0%})"
        if worst
        else "no measured pair to check it on"
    )
    return (
        f"Spark model: replay of the measured tasks (the median {model.base_case} try, "
        f"{model.source}, {model.rows:,} events) on one-core executors; {error}"
    )


OUTLOOK_WORKERS = 16  # VMs of the cluster worker type the outlook starts from (64 cores)


def _model_outlook(
    model: ScaleOutModel, day: int, spark_memory: MemoryLine | None, prices: list[Instance]
) -> str:
    """The model's time for the day beyond every threshold on a cluster of the cost section's
    worker type: 16 of them, or as many as it takes for each worker to hold its share of
    Spark's fitted peak (``workers_to_hold``, the cost rows' check); named as the cost rows
    name it."""
    worst = model.worst_check
    error = f"; error on measured points up to {abs(worst.host_error):.0%}" if worst else ""
    vm, workers = worker_type(prices), OUTLOOK_WORKERS
    if spark_memory is not None:
        workers = workers_to_hold(spark_memory, day, vm, at_least=OUTLOOK_WORKERS)
        if workers is None:
            return f" (Spark model: no cluster of {vm.name} holds Spark's fitted base memory)"
    took = duration(model.seconds(workers, rows=day, cores=vm.vcpu))
    cluster = cluster_setup(workers, prices).removeprefix("spark cluster, ").removesuffix(", model")
    held = "; fewer workers cannot hold it in memory" if workers > OUTLOOK_WORKERS else ""
    return (
        f" (Spark model, a replay of the measured tasks: a day of {in_words(day)} events on "
        f"{cluster} ≈ {took}{held}{error})"
    )
