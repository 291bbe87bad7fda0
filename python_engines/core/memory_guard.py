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

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psutil

from python_engines.core.process_tree import Sampler, tree_memory

DEFAULT_SHARE = 0.9  # of the machine's memory: the kernel and everything else keep the rest


# a container's memory limit (cgroup v2, then v1): its OOM killer strikes at that, not at the host's
CGROUP_LIMITS = (
    Path("/sys/fs/cgroup/memory.max"),
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
)


def machine_bytes() -> int:
    """The memory this process may use: the machine's, or its container's limit if lower."""
    total = psutil.virtual_memory().total
    for limit in CGROUP_LIMITS:
        with suppress(OSError, ValueError):  # absent, or "max": no limit
            total = min(total, int(limit.read_text().strip()))
    return total


def limit_bytes(limit_gib: float | None) -> int:
    """``ETLSTACK_MEMORY_LIMIT_GIB``, or 90 % of the machine's (container's) memory."""
    if limit_gib is None:
        return int(machine_bytes() * DEFAULT_SHARE)
    return int(limit_gib * 2**30)


@contextmanager
def memory_guard(
    engine: str, limit_gib: float | None, poll_seconds: float = 0.2
) -> Iterator[Callable[[str], None]]:
    """Watch this process tree while the block runs, against ``limit_gib``
    (``ETLSTACK_MEMORY_LIMIT_GIB``; None: 90% of the machine). It yields ``at(step)``: the
    caller reports each step to it, and a stop names the engine and the last step."""
    limit = limit_bytes(limit_gib)
    me = psutil.Process()
    step = ["start-up"]

    def watch() -> None:
        # resident less file-backed pages: those the kernel can drop instead of killing
        used = tree_memory([me.pid], anonymous=True)
        if used > limit:
            _stop(me, used, limit, f"{engine} {step[0]}")

    def at(name: str) -> None:
        step[0] = name

    with Sampler(poll_seconds, watch, "memory-guard"):
        yield at


def scratch_folder(prefix: str) -> Path:
    """A temporary folder of this process, removed when it exits — also when the guard ends it
    (``os._exit`` skips ``atexit``, and a killed JVM never runs its own shutdown hooks)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    SCRATCH.append(folder)
    return folder


SCRATCH: list[Path] = []


def _stop(me: psutil.Process, used: int, limit: int, where: str) -> None:
    """From the watcher thread: the main thread may be inside an engine's native code for
    minutes (no exception reaches it in time), so the process ends here."""
    gib = 2**30
    message = (
        f"error: out of memory in {where}: the run's processes hold {used / gib:.2f} GiB, over "
        f"the limit of {limit / gib:.2f} GiB (ETLSTACK_MEMORY_LIMIT_GIB; default 90% of this "
        f"machine's {machine_bytes() / gib:.1f} GiB). The run in progress commits nothing; runs "
        "reported committed stay. Load fewer rows per run (--batch-rows)"
    )
    # stderr goes nowhere from here, so that the message is the last line: not redrawn over by
    # the progress bar's thread, nor followed by what other threads say as the JVM goes
    # (PySpark's accumulator server prints a traceback when its socket closes)
    terminal = os.dup(2)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    # killed, not asked to stop: a JVM that shuts down logs every task it cancels (stack traces
    # on the terminal, which it holds a copy of); the JVM first, then its Python workers
    children = me.children(recursive=True)
    for child in sorted(children, key=lambda c: c.ppid() != me.pid):
        with suppress(psutil.Error):
            child.kill()
    psutil.wait_procs(children, timeout=10)
    for folder in SCRATCH:
        shutil.rmtree(folder, ignore_errors=True)
    if os.isatty(terminal):
        message = "\r\x1b[2K\x1b[?25h" + message  # the progress bar's line; its hidden cursor
    os.write(terminal, (message + "\n").encode())
    os._exit(1)
