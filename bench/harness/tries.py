"""Repeated measurements: each try a fresh process printing one JSON line, the cases in turn,
medians over the tries (every try is kept in the result file, ClickBench-style)."""

from __future__ import annotations

import json
import statistics
import subprocess
from collections.abc import Callable, Sequence


def run_json(cmd: Sequence[str]) -> dict:
    """Run a measuring process; its last line of output is its JSON figures."""
    done = subprocess.run(list(cmd), check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def round_robin(
    names: Sequence[str],
    runs: int,
    measure: Callable[[str], dict],
    on_try: Callable[[int, str, dict[str, list[dict]]], None] | None = None,
) -> dict[str, list[dict]]:
    """``runs`` tries of every case, one of each per round, not case after case: this host's
    speed drifts over the hours (the same case is much slower in a busy spell than in a quiet
    one: the min-to-max column of the reports under bench/reports/ shows it), and a slow spell
    must hit every case alike. ``on_try(round, name, tries)`` after each try."""
    tries: dict[str, list[dict]] = {name: [] for name in names}
    for number in range(1, runs + 1):
        for name in names:
            tries[name].append(measure(name))
            if on_try:
                on_try(number, name, tries)
    return tries


def step_medians(seconds: Sequence[dict[str, float]]) -> dict[str, float]:
    """Per-step medians of the tries' ``{step: seconds}``."""
    return {step: round(statistics.median(s[step] for s in seconds), 2) for step in seconds[0]}


def peak_rss_gib(tries: Sequence[dict]) -> float:
    """The highest ``peak_rss_kib`` of the tries, in GiB."""
    return round(max(t["peak_rss_kib"] for t in tries) / 2**20, 2)
