"""Two results.json compared case by case: did a change make a case slower (or hungrier), beyond
the noise of its tries? A pure function of the two documents; ``etlstack bench diff OLD NEW``
(regressions_command.py) prints it and fails on a regression."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.report_builder.analysis import case_label
from bench.report_builder.statistics import bootstrap_interval
from python_engines.core.security import visible

THRESHOLD = 0.10
# the figures the report's median table speaks of: every finished try of the case (cold and
# warm), its wall seconds (process start to output tables) and its peak RSS
MEASURES = {"time": "wall_seconds", "peak memory": "peak_rss_bytes"}
Key = tuple[str, int]  # (case label, rows): how the report groups tries into cases


@dataclass(frozen=True)
class Change:
    measure: str
    old: float  # median of the old tries
    new: float
    ratio: float  # new / old medians
    ci_low: float  # 95 % bootstrap interval of the ratio
    ci_high: float
    verdict: str  # "regression", "improvement" or "no change"


@dataclass(frozen=True)
class CaseDiff:
    label: str
    rows: int
    changes: tuple[Change, ...]  # none when a side never finished the case
    stopped_in: tuple[str, ...] = ()  # "OLD", "NEW": every try stopped at the memory cap

    @property
    def verdict(self) -> str:
        """The case's worst verdict; finishing no more under the memory cap is a regression."""
        if self.stopped_in:
            return {("NEW",): "regression", ("OLD",): "improvement"}.get(
                self.stopped_in, "no change"
            )
        verdicts = {c.verdict for c in self.changes}
        return next(v for v in ("regression", "improvement", "no change") if v in verdicts)

    @property
    def why(self) -> str:
        if self.stopped_in:
            return "stopped at the memory cap in " + " and ".join(self.stopped_in)
        return ", ".join(
            f"{c.measure} {c.ratio:.2f}x, 95 % CI {c.ci_low:.2f}-{c.ci_high:.2f}"
            for c in self.changes
            if c.verdict == self.verdict
        )


@dataclass(frozen=True)
class Diff:
    threshold: float
    cases: tuple[CaseDiff, ...]
    only_old: tuple[str, ...]  # cases run in one of the two only, named
    only_new: tuple[str, ...]
    caveats: tuple[str, ...]  # what differs between the runs besides the code measured

    @property
    def regressions(self) -> list[CaseDiff]:
        return [c for c in self.cases if c.verdict == "regression"]


def ratio_interval(
    old: Sequence[float], new: Sequence[float], seed: int = 0
) -> tuple[float, float]:
    """95 % percentile-bootstrap interval of median(new) / median(old), each side's tries
    resampled on their own (scipy.stats.bootstrap, as the report's intervals of the median)."""
    samples = [np.asarray(s, dtype=float) for s in (old, new)]
    if all(s.size < 2 or np.ptp(s) == 0 for s in samples):  # nothing to resample
        point = float(np.median(samples[1]) / np.median(samples[0]))
        return point, point
    # one try resamples to itself: two copies of it satisfy scipy's two-observation minimum
    samples = [np.repeat(s, 2) if s.size == 1 else s for s in samples]

    def ratio(before: np.ndarray, after: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.median(after, axis=axis) / np.median(before, axis=axis)

    return bootstrap_interval(tuple(samples), ratio, seed)


def verdict(low: float, high: float, threshold: float) -> str:
    """A change counts only when the whole interval clears the threshold: noise never does."""
    if low > 1 + threshold:
        return "regression"
    if high < 1 - threshold:
        return "improvement"
    return "no change"


def compare(measure: str, old: list[dict], new: list[dict], threshold: float) -> Change:
    field = MEASURES[measure]
    before, after = [t[field] for t in old], [t[field] for t in new]
    low, high = ratio_interval(before, after)
    old_median, new_median = float(np.median(before)), float(np.median(after))
    ratio = new_median / old_median
    return Change(measure, old_median, new_median, ratio, low, high, verdict(low, high, threshold))


def _cases(tries: list[dict]) -> tuple[dict[Key, list[dict]], set[Key]]:
    """Finished tries by case (as the report keeps them) and the cases only stopped at the cap."""
    finished: dict[Key, list[dict]] = {}
    stopped = set()
    for t in tries:
        key = (case_label(t), t["rows"])
        if t.get("over_memory_cap"):
            stopped.add(key)
        else:
            finished.setdefault(key, []).append(t)
    return finished, stopped - set(finished)


def caveats(old: dict, new: dict) -> tuple[str, ...]:
    """What else changed between the runs: another machine or another thing timed weighs on
    every case; changed versions are part of what the diff measures, named so it reads."""
    notes = []
    machine = ("cpu", "cores", "memory_gib")
    before, after = old["machine"], new["machine"]
    if any(before.get(k) != after.get(k) for k in machine):
        notes.append(
            "measured on different machines: "
            + " → ".join(", ".join(str(m.get(k)) for k in machine) for m in (before, after))
        )
    for setting in ("load", "seed"):
        if old["matrix"].get(setting) != new["matrix"].get(setting):
            notes.append(
                f"--{setting} differs: {old['matrix'].get(setting)} → {new['matrix'].get(setting)}"
            )
    before, after = old.get("versions", {}), new.get("versions", {})
    versions = [
        f"{name} {before.get(name, '-')} → {version}"
        for name, version in after.items()
        if before.get(name) != version
    ]
    if versions:
        notes.append("versions changed: " + ", ".join(versions))
    return tuple(notes)


def diff_results(old: dict, new: dict, threshold: float = THRESHOLD) -> Diff:
    """Every case run in both, its median time and peak memory old and new, the ratio with its
    interval and a verdict; the cases run in one only are listed apart."""
    old_cases, old_stopped = _cases(old["tries"])
    new_cases, new_stopped = _cases(new["tries"])
    old_keys, new_keys = old_cases.keys() | old_stopped, new_cases.keys() | new_stopped
    cases = []
    for key in sorted(old_keys & new_keys, key=_order):
        stopped_in = tuple(
            s for s, keys in (("OLD", old_stopped), ("NEW", new_stopped)) if key in keys
        )
        changes = (
            ()
            if stopped_in
            else tuple(compare(m, old_cases[key], new_cases[key], threshold) for m in MEASURES)
        )
        cases.append(CaseDiff(*key, changes, stopped_in))
    return Diff(
        threshold=threshold,
        cases=tuple(cases),
        only_old=tuple(case_name(k, old_stopped) for k in sorted(old_keys - new_keys, key=_order)),
        only_new=tuple(case_name(k, new_stopped) for k in sorted(new_keys - old_keys, key=_order)),
        caveats=caveats(old["header"], new["header"]),
    )


def _order(key: Key) -> tuple[int, str]:
    return key[1], key[0]  # by size, then case: the report's order


def case_name(key: Key, stopped: set[Key] | None = None) -> str:
    cap = " (stopped at the memory cap)" if stopped and key in stopped else ""
    return f"{visible(key[0])} at {key[1]:,}{cap}"
