"""One way to watch a process tree — this process, its live children (the Spark JVM is a child of
the Python driver) and, sampled from outside, processes that are not our children (a standalone
cluster's executors): its memory now (``tree_memory``), its peaks and CPU time (``own_tree``,
``TreeSampler``), sampled by one periodic thread (``Sampler``). The run's memory guard and the
bench's memory cap and measurements all use these."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil


def _hwm_bytes(pid: int) -> int:
    """The kernel's high-water mark of a process's resident memory (VmHWM), in bytes."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return 0


def tree_memory(roots: list[int], anonymous: bool = False) -> int:
    """Resident memory the ``roots`` and all their descendants hold now, in bytes; ``anonymous``:
    less the file-backed pages (memory-mapped input files, shared libraries), which the kernel can
    drop instead of killing."""
    total = 0
    for root in roots:
        try:
            process = psutil.Process(root)
            members = [process, *process.children(recursive=True)]
        except psutil.Error:
            continue
        for member in members:
            with contextlib.suppress(psutil.Error):  # ended between the listing and the reading
                used = member.memory_info()
                total += used.rss - (used.shared if anonymous else 0)
    return total


class Sampler:
    """Calls ``sample()`` every ``interval`` seconds on a thread while the ``with`` block runs
    (``sample`` returning True stops it early)."""

    def __init__(self, interval: float, sample: Callable[[], bool | None], name: str) -> None:
        self.interval, self.sample = interval, sample
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if self.sample():
                return

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


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


class TreeSampler(Sampler):
    """Samples the descendants of ``roots`` (a cluster's workers) while a try runs: the last
    VmHWM and CPU time seen per process — executors exit with their application, so they are
    read while they live. ``with TreeSampler(pids) as s: ...; s.rss_bytes, s.cpu_seconds``."""

    def __init__(self, roots: list[int], interval: float = 0.2) -> None:
        super().__init__(interval, self._sample, "tree-sampler")
        self.roots = roots
        self.seen: dict[int, tuple[int, float]] = {}

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

    def __enter__(self) -> TreeSampler:
        self._sample()  # the processes already there, before the first interval
        return super().__enter__()

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
    Linux gives in whole seconds, and read a fresh interpreter up to a second too old."""
    after_name = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    started = int(after_name[19]) / os.sysconf("SC_CLK_TCK")  # field 22: starttime
    return time.clock_gettime(time.CLOCK_BOOTTIME) - started
