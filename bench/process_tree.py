"""Peak memory and CPU time of a process tree: this process, its live children (the Spark JVM is
a child of the Python driver) and, sampled from outside, processes that are not our children
(a standalone cluster's executors)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import psutil


def _hwm_bytes(pid: int) -> int:
    """The kernel's high-water mark of a process's resident memory (VmHWM), in bytes."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return 0


def _cpu(process: psutil.Process, waited_children: bool = False) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    seconds = times.user + times.system
    if waited_children:
        seconds += times.children_user + times.children_system
    return seconds


def own_tree() -> tuple[int, float]:
    """(peak RSS bytes, CPU seconds) of this process and its descendants, live or finished.
    The RSS is a sum of each process's peak: an upper bound of the peak of the sum."""
    me = psutil.Process()
    rss, cpu = _hwm_bytes(me.pid), _cpu(me, waited_children=True)
    for child in me.children(recursive=True):
        rss += _hwm_bytes(child.pid)
        cpu += _cpu(child)
    return rss, cpu


class TreeSampler:
    """Samples the descendants of ``roots`` (a cluster's workers) while a try runs: the last
    VmHWM and CPU time seen per process — executors exit with their application, so they are
    read while they live. ``with TreeSampler(pids) as s: ...; s.rss_bytes, s.cpu_seconds``."""

    def __init__(self, roots: list[int], interval: float = 0.2) -> None:
        self.roots, self.interval = roots, interval
        self.seen: dict[int, tuple[int, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        for root in self.roots:
            try:
                children = psutil.Process(root).children(recursive=True)
            except psutil.Error:
                continue
            for child in children:
                rss, cpu = _hwm_bytes(child.pid), _cpu(child)
                if rss:
                    self.seen[child.pid] = (rss, cpu)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def rss_bytes(self) -> int:
        return sum(rss for rss, _ in self.seen.values())

    @property
    def cpu_seconds(self) -> float:
        return sum(cpu for _, cpu in self.seen.values())


def cores_available() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def process_age_seconds() -> float:
    """Seconds since this process started (its interpreter start-up and imports included), from
    its start time in clock ticks since boot: psutil's ``create_time`` adds the boot time, which
    Linux gives in whole seconds, and read a fresh interpreter ~0.5 s too old."""
    after_name = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    started = int(after_name[19]) / os.sysconf("SC_CLK_TCK")  # field 22: starttime
    return time.clock_gettime(time.CLOCK_BOOTTIME) - started
