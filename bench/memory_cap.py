"""A memory ceiling for one try: a watchdog that samples the resident memory of the try's process
tree (and a cluster's executors) every 0.1 s and kills the try's process group when the sum goes
over the cap. Not a kernel limit: a spike shorter than a sample can pass unseen, and the engines
are not told (DuckDB does not spill to meet it). Used because a cgroup is not ours to create on
this host and RLIMIT_AS fails the JVM and Polars at start-up (they reserve far more address
space than they touch)."""

from __future__ import annotations

import contextlib
import os
import signal
import threading

import psutil


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0


def tree_rss(roots: list[int]) -> int:
    total = 0
    for root in roots:
        try:
            process = psutil.Process(root)
        except psutil.Error:
            continue
        total += _rss(process) + sum(_rss(c) for c in process.children(recursive=True))
    return total


class MemoryWatchdog:
    def __init__(self, cap_bytes: int, pid: int, executor_roots: list[int], interval=0.1) -> None:
        self.cap, self.pid, self.executor_roots = cap_bytes, pid, executor_roots
        self.interval = interval
        self.exceeded = False
        self.highest = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _executors(self) -> int:
        """Executors only: the workers' own JVMs are the cluster, not the try."""
        return sum(tree_rss([c.pid for c in _children(root)]) for root in self.executor_roots)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            used = tree_rss([self.pid]) + self._executors()
            self.highest = max(self.highest, used)
            if used > self.cap:
                self.exceeded = True
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.pid, signal.SIGKILL)
                return

    def __enter__(self) -> MemoryWatchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _children(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children()
    except psutil.Error:
        return []
