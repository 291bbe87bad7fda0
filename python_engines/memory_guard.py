"""A run that would exhaust the machine's memory stops with one clear line, not an OOM kill.

An engine holds a run's rows in memory (the Spark JVM is a child process with its own heap); a
run too big for the machine would otherwise end in the kernel's OOM killer: a bare "Killed", or
another process of the user's killed instead. A watcher thread sums the resident memory of this
process and its children a few times a second; over the limit, it prints what ran out and
where, stops the children (the JVM) and exits 1. Nothing of the run in progress is committed (the
``runs`` row is the commit point; the next run sets the tables back), the runs committed before
it stay, and the run lock dies with the process.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import psutil

DEFAULT_SHARE = 0.9  # of the machine's memory: the kernel and everything else keep the rest


def machine_bytes() -> int:
    return psutil.virtual_memory().total


def limit_bytes(limit_gib: float | None) -> int:
    """``ETLSTACK_MEMORY_LIMIT_GIB``, or 90 % of the machine's memory."""
    if limit_gib is None:
        return int(machine_bytes() * DEFAULT_SHARE)
    return int(limit_gib * 2**30)


def tree_bytes(process: psutil.Process) -> int:
    """Resident memory of a process and all its descendants."""
    total = 0
    for member in (process, *process.children(recursive=True)):
        with suppress(psutil.Error):  # ended between the listing and the reading
            total += member.memory_info().rss
    return total


@contextmanager
def memory_guard(limit: int, where: Callable[[], str], poll_seconds: float = 0.2) -> Iterator[None]:
    """Watch this process tree while the block runs; ``where()`` names the step for the message."""
    done = threading.Event()
    me = psutil.Process()

    def watch() -> None:
        while not done.wait(poll_seconds):
            used = tree_bytes(me)
            if used > limit:
                _stop(me, used, limit, where())

    watcher = threading.Thread(target=watch, name="memory-guard", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def _stop(me: psutil.Process, used: int, limit: int, where: str) -> None:
    """From the watcher thread: the main thread may be inside an engine's native code for
    minutes (no exception reaches it in time), so the process ends here."""
    gib = 2**30
    message = (
        f"error: out of memory in {where}: the run's processes use {used / gib:.2f} GiB, over "
        f"the limit of {limit / gib:.2f} GiB (ETLSTACK_MEMORY_LIMIT_GIB; default 90% of this "
        f"machine's {machine_bytes() / gib:.1f} GiB). The run in progress committed nothing and "
        "runs committed before it stay: load fewer rows per run (--batch-rows)"
    )
    if sys.stderr.isatty():
        message = "\x1b[?25h\r\x1b[2K" + message  # the progress bar hid the cursor
    os.write(sys.stderr.fileno(), (message + "\n").encode())
    # the message is the last line: what the other threads say as the JVM goes (PySpark's
    # accumulator server prints a traceback when its socket closes) goes nowhere
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stderr.fileno())
    children = me.children(recursive=True)
    for child in children:
        with suppress(psutil.Error):
            child.kill()
    psutil.wait_procs(children, timeout=5)
    os._exit(1)
