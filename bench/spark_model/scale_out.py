"""Spark on K one-core executors, for another data size, from one measured try's tasks: the model
the report shows beyond the measured K.

``seconds(K, rows)`` of ``ScaleOutModel`` is

    outside + replay(base log, K, size_factor = rows / base rows, driver = driver(rows))

* the base try: the median-wall try (the lower one of an even count) of the base case, the
  standalone cluster's K=1 tries at the largest size that has them with an event log, else the
  local 1-thread tries (``local[1]``);
* ``outside``: its wall minus its Spark application's (the Python before and after the app),
  kept as measured;
* the replay (``replay.py``, after Sparklens): its recorded tasks list-scheduled on K one-core
  slots, each a core of its own (executors on machines of their own; ``cores=C`` gives K
  executors of C cores, K·C slots, as the cost table's VMs), each stage's tasks multiplied or
  cut with the data;
* ``driver(rows)``: the seconds in which no job runs (planning, the Python driver, results
  fetched to it): a + b·rows fitted by non-negative least squares over the base case's tries
  when they were measured at two sizes or more, else the base try's, kept constant.

Beside it, what the report needs to judge it: the validation checks of every measured pair
(``validation.py``: both predictions and their errors), the medians measured for the base's
kind (cluster K, or local threads) and an Ernest fit (``ernest.py``) over the measured cluster
tries (millions of events, K, wall) as a cross-check when there are at least
``ERNEST_MIN_POINTS``.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import nnls

from bench.spark_model.digest import from_digest
from bench.spark_model.ernest import ErnestModel, fit_ernest
from bench.spark_model.event_log import EventLog, driver_seconds
from bench.spark_model.replay import replay
from bench.spark_model.validation import Check, checks, outside_seconds, spark_tries

MODEL_WORKERS = (1, 2, 4, 8, 16, 32, 64)
ERNEST_MIN_POINTS = 4  # Ernest fits four coefficients
CLUSTER, LOCAL = "standalone cluster", "local[N] threads"


@dataclass(frozen=True)
class DriverLine:
    """Driver seconds = a + b·rows; ``sizes`` = 1: the base try's, kept constant (b = 0)."""

    a: float
    b: float
    sizes: int

    def __call__(self, rows: float) -> float:
        return self.a + self.b * rows


@dataclass(frozen=True)
class Measured:
    """Spark's measured walls of one kind: (rows, K, wall) per try, K the cluster's one-core
    workers (``CLUSTER``) or local[N]'s threads (``LOCAL``)."""

    source: str
    points: tuple[tuple[int, int, float], ...]

    def median(self, workers: int, rows: int) -> float | None:
        walls = [s for r, k, s in self.points if r == rows and k == workers]
        return float(statistics.median(walls)) if walls else None

    def medians(self, rows: int) -> list[tuple[int, float]]:
        found = sorted({k for r, k, _ in self.points if r == rows})
        return [(k, self.median(k, rows) or 0.0) for k in found]

    @property
    def largest(self) -> int:
        return max(r for r, _, _ in self.points)


@dataclass(frozen=True)
class ScaleOutModel:
    source: str  # CLUSTER or LOCAL: where the base try ran
    base_case: str  # "K=1" or "1 thread"
    rows: int  # the base try's events
    base_wall: float
    outside: float  # seconds of the base try outside its Spark application
    log: EventLog = field(repr=False)
    driver: DriverLine
    checks: tuple[Check, ...]  # every measured pair's predictions and errors
    measured: Measured  # the base's kind, every size
    ernest: ErnestModel | None  # None: fewer than ERNEST_MIN_POINTS cluster tries
    ernest_points: int  # measured cluster tries (rows, K, wall)
    # (workers, rows, cores) → seconds: a replay of many rows takes a while, the report asks twice
    known: dict = field(default_factory=dict, repr=False, compare=False)

    def seconds(self, workers: int, rows: int | None = None, cores: int = 1) -> float:
        """Modelled wall on ``workers`` executors of ``cores`` cores, for ``rows`` events."""
        rows = rows or self.rows
        key = (workers, rows, cores)
        if key not in self.known:
            factor, driver = rows / self.rows, self.driver(rows)
            run = replay(self.log, workers, cores, size_factor=factor, driver_seconds=driver)
            self.known[key] = self.outside + run.predicted_seconds
        return self.known[key]

    def ernest_seconds(self, workers: int, rows: int | None = None) -> float | None:
        return self.ernest.predict((rows or self.rows) / 1e6, workers) if self.ernest else None

    @property
    def worst_check(self) -> Check | None:
        """The check with the largest host-bounded error (the headline on a single host)."""
        return max(self.checks, key=lambda c: abs(c.host_error), default=None)


def _is_cluster(t: dict) -> bool:
    return bool(t.get("cluster_workers"))


def measured_scaling(tries: list[dict], source: str | None = None) -> Measured | None:
    """The walls of ``source``'s tries; by default the cluster's, else the local Spark tries'
    (threads as K). None: no such try."""
    spark = spark_tries(tries)
    cluster = [
        (t["rows"], t["cluster_workers"], t["wall_seconds"]) for t in spark if _is_cluster(t)
    ]
    local = [(t["rows"], t["threads"], t["wall_seconds"]) for t in spark if not _is_cluster(t)]
    if source is None:
        source = CLUSTER if cluster else LOCAL
    points = cluster if source == CLUSTER else local
    return Measured(source, tuple(points)) if points else None


def _base_case(spark: list[dict]) -> tuple[str, str, list[dict]] | None:
    """(source, case, the base case's tries with an event log, every size)."""
    logged = [t for t in spark if t.get("spark_event_log")]
    cluster = [t for t in logged if _is_cluster(t) and t["cluster_workers"] == 1]
    local = [t for t in logged if not _is_cluster(t) and t["threads"] == 1]
    if cluster:
        return CLUSTER, "K=1", cluster
    return (LOCAL, "1 thread", local) if local else None


def fit_driver(base: list[dict], chosen: dict) -> DriverLine:
    """a + b·rows over the base case's tries (a, b ≥ 0) when they span two sizes or more; else
    the chosen try's driver seconds, constant."""
    points = [(t["rows"], driver_seconds(from_digest(t["spark_event_log"]))) for t in base]
    sizes = len({rows for rows, _ in points})
    if sizes < 2:
        return DriverLine(driver_seconds(from_digest(chosen["spark_event_log"])), 0.0, 1)
    design = np.array([[1.0, float(rows)] for rows, _ in points])
    (a, b), _ = nnls(design, np.array([s for _, s in points]))
    return DriverLine(float(a), float(b), sizes)


def _ernest(spark: list[dict]) -> tuple[ErnestModel | None, int]:
    """Ernest over the cluster tries, size in millions of events (a well-scaled design)."""
    points = [
        (t["rows"] / 1e6, t["cluster_workers"], t["wall_seconds"]) for t in spark if _is_cluster(t)
    ]
    return (fit_ernest(points) if len(points) >= ERNEST_MIN_POINTS else None), len(points)


def scale_out_model(tries: list[dict], host_cores: int) -> ScaleOutModel | None:
    """The model from a results file's tries; None when no Spark try kept an event log."""
    spark = spark_tries(tries)
    found = _base_case(spark)
    if found is None:
        return None
    source, case, base = found
    rows = max(t["rows"] for t in base)
    at_size = sorted((t for t in base if t["rows"] == rows), key=lambda t: t["wall_seconds"])
    chosen = at_size[(len(at_size) - 1) // 2]
    log = from_digest(chosen["spark_event_log"])
    ernest, ernest_points = _ernest(spark)
    return ScaleOutModel(
        source=source,
        base_case=case,
        rows=rows,
        base_wall=chosen["wall_seconds"],
        outside=outside_seconds(chosen, log),
        log=log,
        driver=fit_driver(base, chosen),
        checks=tuple(checks(tries, host_cores)),
        measured=measured_scaling(tries, source) or Measured(source, ()),
        ernest=ernest,
        ernest_points=ernest_points,
    )
