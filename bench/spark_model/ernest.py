"""Ernest (Venkataraman et al., "Ernest: Efficient Performance Prediction for Large-Scale Advanced
Analytics", NSDI 2016): a job's time on m machines at input size s is

    time = a + b · s / m + c · log(m) + d · m

a serial part, work spread over the machines, a tree-shaped aggregation (log m) and an all-to-one
part (m); the coefficients are fitted by non-negative least squares (each term can only add time)
over a few measured (size, machines, seconds) runs, then the model is read at other sizes and
machine counts. It complements the replay (``replay.py``): Ernest fits measured walls and needs
runs at several machine counts; the replay needs one event log but knows nothing of shuffles'
growth with the machine count."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls


def features(size: float, machines: float) -> list[float]:
    """The four terms of Ernest's model, before their coefficients."""
    return [1.0, size / machines, math.log(machines), float(machines)]


@dataclass(frozen=True)
class ErnestModel:
    a: float  # fixed seconds
    b: float  # seconds per unit of size per machine
    c: float  # seconds per log(machine)
    d: float  # seconds per machine
    residual: float = 0.0  # ‖A·x - y‖ of the fit, seconds

    def predict(self, size: float, machines: float) -> float:
        """Predicted seconds at ``size`` (the unit the fit used) on ``machines`` ≥ 1."""
        if machines < 1:
            raise ValueError("machines must be ≥ 1")
        terms = features(size, machines)
        return float(np.dot([self.a, self.b, self.c, self.d], terms))


def fit_ernest(points: Sequence[tuple[float, float, float]]) -> ErnestModel:
    """Non-negative least squares over measured (size, machines, seconds) points; four
    coefficients need at least four points that differ in size/machines and in machines."""
    if len(points) < 4:
        raise ValueError(f"Ernest fits 4 coefficients: needs ≥ 4 points, got {len(points)}")
    if any(machines < 1 for _, machines, _ in points):
        raise ValueError("machines must be ≥ 1")
    design = np.array([features(size, machines) for size, machines, _ in points])
    seconds = np.array([s for _, _, s in points], dtype=float)
    coefficients, residual = nnls(design, seconds)
    a, b, c, d = (float(x) for x in coefficients)
    return ErnestModel(a, b, c, d, float(residual))


def prediction_error(predicted: float, measured: float) -> float:
    """Signed relative error, (predicted - measured) / measured: > 0 the model is pessimistic
    (predicts slower), < 0 optimistic; take abs() for the error's size."""
    if measured == 0:
        raise ValueError("relative error of a zero measurement")
    return (predicted - measured) / measured
