"""Spark on K workers, on paper: T(K) = start-up + serial + parallel / K, from the stage times
measured with the fewest one-core workers (K = 1; local[N] threads when no cluster ran): the read
and the SQL stages run as tasks over partitions (the parallel part), the hand-over to the driver
and the rest of the run do not (the serial part). Why not a fit through the K = 1 and K = 2 walls:
on a host with few cores (the report's machine line gives the count) a run with one worker already
keeps them busy (driver, master, worker and executor JVMs, GC), so the K = 2 wall measures
contention, not scaling, and a least-squares fit through the walls finds no parallel part. The
measured points are shown beside the model, with the share of the cores the fewest-K run kept
busy, in the report's horizontal-scaling section. Perfectly parallel stages make the model
optimistic for Spark (shuffles cost more with more workers): beyond the measured K it is a model,
labelled as one everywhere it is shown."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.report_builder.analysis import pipeline_seconds

MODEL_WORKERS = (1, 2, 4, 8, 16, 32, 64)
# stages that do not run as tasks over partitions: the hand-over to the driver and the unaccounted rest
SERIAL_STAGES = ("fetch", "other")


@dataclass(frozen=True)
class AmdahlFit:
    source: str  # which tries it was fitted on
    rows: int
    startup: float
    serial: float
    parallel: float
    points: tuple[tuple[int, float], ...]  # (K, pipeline seconds) measured
    base_cpu_percent: float = 0.0  # CPU of the host's cores the fewest-K run kept busy

    def seconds(self, workers: int, rows: int | None = None) -> float:
        """Modelled wall seconds; other sizes scale the serial and parallel parts linearly."""
        scale = (rows or self.rows) / self.rows
        return self.startup + scale * (self.serial + self.parallel / workers)

    def median_points(self) -> list[tuple[int, float]]:
        workers = sorted({k for k, _ in self.points})
        return [(k, float(np.median([s for j, s in self.points if j == k]))) for k in workers]

    @property
    def parallel_share(self) -> float:
        total = self.serial + self.parallel
        return self.parallel / total if total else 0.0


def fit_amdahl(tries: list[dict]) -> AmdahlFit | None:
    """The model from the cluster tries of the largest size that has two K values or more (else
    the local Spark tries, threads as K): serial and parallel parts are the median stage seconds
    of the fewest-K tries."""
    for source, key in (("standalone cluster", "cluster_workers"), ("local[N] threads", None)):
        chosen = [
            t
            for t in tries
            if t["engine"] == "spark"
            and (t.get("cluster_workers") if key else not t.get("cluster_workers"))
        ]
        workers = lambda t, key=key: t["cluster_workers"] if key else t["threads"]  # noqa: E731
        sizes = sorted({t["rows"] for t in chosen if _distinct_k(chosen, t["rows"], workers) >= 2})
        if not sizes:
            continue
        rows = sizes[-1]
        at_size = [t for t in chosen if t["rows"] == rows]
        fewest = min(workers(t) for t in at_size)
        base = [t for t in at_size if workers(t) == fewest]
        serial = [sum(t["stages"].get(s, 0.0) for s in SERIAL_STAGES) for t in base]
        parallel = [pipeline_seconds(t) - s for t, s in zip(base, serial, strict=True)]
        return AmdahlFit(
            source,
            rows,
            startup=float(np.median([t["startup_seconds"] for t in base])),
            # K one-core workers each take 1/K of the tasks the fewest-K run did on its cores
            serial=float(np.median(serial)),
            parallel=float(np.median(parallel)) * fewest,
            points=tuple((workers(t), pipeline_seconds(t)) for t in at_size),
            base_cpu_percent=float(np.median([t.get("cpu_percent", 0.0) for t in base])),
        )
    return None


def _distinct_k(tries: list[dict], rows: int, workers) -> int:
    return len({workers(t) for t in tries if t["rows"] == rows})
