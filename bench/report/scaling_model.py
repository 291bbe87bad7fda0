"""Spark on K workers, on paper: T(K) = start-up + serial + parallel / K, fitted (non-negative
least squares, scipy) on the pipeline seconds measured with K = 1, 2 one-core workers (and
local[N] threads when no cluster ran). Two cores cannot show a speed-up past 2: beyond that it is
a model, labelled as one everywhere it is shown."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from bench.report.analysis import pipeline_seconds

MODEL_WORKERS = (1, 2, 4, 8, 16, 32, 64)


@dataclass(frozen=True)
class AmdahlFit:
    source: str  # which tries it was fitted on
    rows: int
    startup: float
    serial: float
    parallel: float
    points: tuple[tuple[int, float], ...]  # (K, pipeline seconds) measured

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
    """Fit on the cluster tries of the largest size that has two K values or more; else on the
    local Spark tries (threads as K)."""
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
        points = [(workers(t), pipeline_seconds(t)) for t in chosen if t["rows"] == rows]
        design = np.array([[1.0, 1.0 / k] for k, _ in points])
        (serial, parallel), _ = nnls(design, np.array([s for _, s in points]))
        startup = float(np.median([t["startup_seconds"] for t in chosen if t["rows"] == rows]))
        return AmdahlFit(source, rows, startup, float(serial), float(parallel), tuple(points))
    return None


def _distinct_k(tries: list[dict], rows: int, workers) -> int:
    return len({workers(t) for t in tries if t["rows"] == rows})
