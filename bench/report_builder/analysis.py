"""From the tries to the figures a reader needs: per-case summaries, fitted curves (time and
memory against rows), crossovers and how many events fit in a given memory."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import nnls

from bench.harness.matrix import Case
from bench.report_builder.ranges import Threshold, threshold, with_refits
from bench.report_builder.statistics import Summary, summarize

GIB = 2**30


def case_label(t: dict) -> str:
    return Case.of(t).label


def pipeline_seconds(t: dict) -> float:
    return float(sum(t["stages"].values()))


@dataclass
class CaseSummary:
    label: str
    engine: str
    threads: int
    cluster_workers: int | None
    rows: int
    wall: Summary
    cold_wall: float | None
    warm_median_wall: float | None
    pipeline_median: float
    startup_median: float
    rss_median: float
    cpu_percent_median: float
    events_per_second_median: float
    stages: dict[str, float] = field(default_factory=dict)
    outlier_tries: tuple[int, ...] = ()
    wall_tries: tuple[float, ...] = ()  # each try's, for the fits' bootstrap ranges
    rss_tries: tuple[float, ...] = ()


def summarize_cases(tries: list[dict]) -> list[CaseSummary]:
    groups: dict[tuple[str, int], list[dict]] = {}
    for t in tries:
        groups.setdefault((case_label(t), t["rows"]), []).append(t)
    out = []
    for (label, rows), group in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        group = sorted(group, key=lambda t: t["repeat"])
        walls = [t["wall_seconds"] for t in group]
        warm = [t["wall_seconds"] for t in group if not t.get("cold", t["repeat"] == 1)]
        cold = [t["wall_seconds"] for t in group if t.get("cold", t["repeat"] == 1)]
        summary = summarize(walls)
        stage_names = list(group[0]["stages"])
        out.append(
            CaseSummary(
                label=label,
                engine=group[0]["engine"],
                threads=group[0]["threads"],
                cluster_workers=group[0].get("cluster_workers"),
                rows=rows,
                wall=summary,
                cold_wall=cold[0] if cold else None,
                warm_median_wall=float(np.median(warm)) if warm else None,
                pipeline_median=float(np.median([pipeline_seconds(t) for t in group])),
                startup_median=float(np.median([t["startup_seconds"] for t in group])),
                rss_median=float(np.median([t["peak_rss_bytes"] for t in group])),
                cpu_percent_median=float(np.median([t["cpu_percent"] for t in group])),
                events_per_second_median=float(np.median([t["events_per_second"] for t in group])),
                stages={
                    s: float(np.median([t["stages"].get(s, 0.0) for t in group]))
                    for s in stage_names
                },
                outlier_tries=tuple(group[i]["repeat"] for i in summary.outliers),
                wall_tries=tuple(walls),
                rss_tries=tuple(float(t["peak_rss_bytes"]) for t in group),
            )
        )
    return out


@dataclass(frozen=True)
class TimeLine:
    """seconds = fixed + per_event * rows: a fixed cost (start-up, planning, small files) and a
    cost per event, fitted by non-negative least squares on the medians of the sizes run."""

    fixed: float
    per_event: float
    refits: tuple[TimeLine, ...] = field(default=(), compare=False, repr=False)  # ranges.py
    no_range: str = field(default="", compare=False)  # why there are no refits

    def __call__(self, rows: float) -> float:
        return self.fixed + self.per_event * rows


def fit_time(points: list[tuple[int, float]]) -> TimeLine | None:
    if len({r for r, _ in points}) < 2:
        return None
    design = np.array([[1.0, float(r)] for r, _ in points])
    (fixed, per_event), _ = nnls(design, np.array([s for _, s in points]))
    return TimeLine(float(fixed), float(per_event))


@dataclass(frozen=True)
class MemoryLine:
    """peak RSS = base + per_event * rows (least squares over the sizes; one size: base 0)."""

    base_bytes: float
    per_event_bytes: float
    refits: tuple[MemoryLine, ...] = field(default=(), compare=False, repr=False)  # ranges.py
    no_range: str = field(default="", compare=False)  # why there are no refits

    def __call__(self, rows: float) -> float:
        return self.base_bytes + self.per_event_bytes * rows

    def events_within(self, memory_bytes: float) -> float:
        if self.per_event_bytes <= 0:
            return math.inf
        return max(0.0, (memory_bytes - self.base_bytes) / self.per_event_bytes)


def fit_memory(points: list[tuple[int, float]]) -> MemoryLine | None:
    if not points:
        return None
    if len({r for r, _ in points}) < 2:
        rows, rss = max(points)
        return MemoryLine(0.0, rss / rows)
    matrix = np.array([[1.0, r] for r, _ in points])
    (base, slope), *_ = np.linalg.lstsq(matrix, np.array([b for _, b in points]), rcond=None)
    if slope <= 0:  # flat or falling: no per-event cost visible at these sizes; be conservative
        rows, rss = max(points)
        return MemoryLine(0.0, rss / rows)
    return MemoryLine(float(max(base, 0.0)), float(slope))


def crossover(first: TimeLine, second: TimeLine) -> float | None:
    """Rows where the two fitted times are equal (None when they never meet at rows > 0)."""
    if abs(first.per_event - second.per_event) < 1e-15:
        return None
    rows = (second.fixed - first.fixed) / (first.per_event - second.per_event)
    return rows if rows > 0 else None


def crossover_range(first: TimeLine, second: TimeLine) -> tuple[Threshold, float] | None:
    """Where the fitted times cross, with its range over the refits that cross too, and the
    share of refits that do not cross at rows > 0 (None: the fits themselves do not)."""
    at = crossover(first, second)
    if at is None:
        return None
    pairs = list(zip(first.refits, second.refits, strict=False))
    crossing = [rows for f, s in pairs if (rows := crossover(f, s)) is not None]
    missed = 1 - len(crossing) / len(pairs) if pairs else 0.0
    return threshold(at, crossing, first.no_range or second.no_range), missed


def by_label(cases: list[CaseSummary]) -> dict[str, list[CaseSummary]]:
    grouped: dict[str, list[CaseSummary]] = {}
    for case in cases:
        grouped.setdefault(case.label, []).append(case)
    return grouped


def time_fits(cases: list[CaseSummary]) -> dict[str, TimeLine]:
    fits = {}
    for label, group in by_label(cases).items():
        fit = fit_time([(c.rows, c.wall.median) for c in group])
        if fit:
            fits[label] = with_refits(fit, fit_time, [(label, c.rows, c.wall_tries) for c in group])
    return fits


def memory_fits(cases: list[CaseSummary]) -> dict[str, MemoryLine]:
    fits = {}
    for label, group in by_label(cases).items():
        fit = fit_memory([(c.rows, c.rss_median) for c in group])
        if fit:
            tries = [(label, c.rows, c.rss_tries) for c in group]
            fits[label] = with_refits(fit, fit_memory, tries)
    return fits
