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

import psutil

from python_engines.core.process_tree import Sampler, tree_memory


class MemoryWatchdog(Sampler):
    def __init__(self, cap_bytes: int, pid: int, executor_roots: list[int], interval=0.1) -> None:
        super().__init__(interval, self._check, "memory-cap")
        self.cap, self.pid, self.executor_roots = cap_bytes, pid, executor_roots
        self.exceeded = False
        self.highest = 0

    def _executors(self) -> int:
        """Executors only: the workers' own JVMs are the cluster, not the try."""
        return sum(tree_memory([c.pid for c in _children(root)]) for root in self.executor_roots)

    def _check(self) -> bool:
        used = tree_memory([self.pid]) + self._executors()
        self.highest = max(self.highest, used)
        if used > self.cap:
            self.exceeded = True
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
            return True
        return False


def _children(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children()
    except psutil.Error:
        return []
