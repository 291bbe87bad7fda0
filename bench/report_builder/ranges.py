"""How sure a fitted threshold is. A fit (peak memory or time against events) is drawn through
the medians of the sizes run; it is refitted, by the same function, on bootstrap resamples of
each size's tries (seeded per case, so the same results give the same ranges), and a threshold
read off the fit is read off every refit: its range is the 2.5-97.5 % percentiles of those.
A fit through one size, or through sizes of one try each, leaves nothing to resample: no range,
and the text says why."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np

from bench.report_builder.statistics import RESAMPLES

LOW, HIGH = 2.5, 97.5  # percentiles of the refitted thresholds
Fit = TypeVar("Fit")


@dataclass(frozen=True)
class Threshold:
    """A threshold read off a fit, and its range over the refits (None: no range, ``why``)."""

    value: float
    low: float | None = None
    high: float | None = None
    why: str = ""

    def words(self, number: Callable[[float], str]) -> str:
        """'19 million (range 14-27 million)', or '... (no range: fitted on 1 size)'."""
        return f"{number(self.value)} ({self.range_words(number)})"

    def range_words(self, number: Callable[[float], str]) -> str:
        if self.low is None or self.high is None:
            return f"no range: {self.why}"
        low, high = number(self.low), number(self.high)
        if low == high:  # narrower than the rounding: '27-27 million' says nothing
            spread = max(self.value - self.low, self.high - self.value) / abs(self.value or 1)
            return f"range within ±{100 * spread:.1f} %"
        unit = high.rpartition(" ")[2] if " " in high else ""
        if unit and low.endswith(f" {unit}"):  # '14-27 million', not '14 million-27 million'
            low = low.removesuffix(f" {unit}")
        return f"range {low}-{high}"


def threshold(value: float, refits: Sequence[float], why: str) -> Threshold:
    """``value`` with the 2.5-97.5 % range of ``refits`` (none: no range, ``why``)."""
    if not refits:
        return Threshold(value, why=why)
    low, high = np.percentile(np.asarray(refits, dtype=float), [LOW, HIGH])
    return Threshold(value, float(low), float(high))


def with_refits(
    fit: Fit, fit_points: Callable[[list[tuple[int, float]]], Fit | None], tries: Iterable
) -> Fit:
    """``fit`` carrying its refits on bootstrap resamples (``refits``) or why there are none
    (``no_range``); ``tries``: (label, rows, values of the tries) of each size it was fitted on."""
    tries = list(tries)
    sizes = len({rows for _, rows, _ in tries})
    if sizes < 2:
        return replace(fit, no_range=f"fitted on {sizes} size")
    if not all(values for _, _, values in tries):
        return replace(fit, no_range="the tries' own figures were not kept")
    if all(len(values) < 2 for _, _, values in tries):
        return replace(fit, no_range=f"fitted on {sizes} sizes of one try each")
    seed = zlib.crc32(tries[0][0].encode())  # one stream per case, the same on every build
    rng = np.random.default_rng(seed)
    medians = np.column_stack(
        [
            np.median(rng.choice(np.asarray(values, dtype=float), (RESAMPLES, len(values))), 1)
            for _, _, values in tries
        ]
    )
    rows_of = [rows for _, rows, _ in tries]
    done: dict[tuple[float, ...], Fit | None] = {}  # few distinct medians: fit each once
    for row in map(tuple, medians.tolist()):
        if row not in done:
            done[row] = fit_points(list(zip(rows_of, row, strict=True)))
    refits = tuple(f for row in map(tuple, medians.tolist()) if (f := done[row]) is not None)
    return replace(fit, refits=refits)
