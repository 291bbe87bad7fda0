"""How an etlstack process ends: its work, then an exit that skips the final garbage collection.

The ``etlstack`` command (``cli.main``) ends this way, and so does the benchmark's load process
(``bench.parts.iceberg_loads``), which times the command as a user runs it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable


def run_then_exit_quickly(work: Callable[[], object]) -> None:
    """Run ``work`` (all the process does), then let the interpreter's exit skip the cyclic
    garbage collection of everything it left behind (pyiceberg, sqlglot and Polars objects), a
    part of the 10M bulk's ``etlstack run`` worth skipping (the Iceberg-loads benchmark times the
    command to its exit: docs/benchmarks.md). Objects are still freed by their reference
    counts; only reference cycles are left to the operating system, which takes the whole
    process back anyway. Also when ``work`` ends in an exception or ``SystemExit`` (a Typer
    app always does). Not for a process that goes on (a test session)."""
    try:
        work()
    finally:
        gc.disable()
        gc.freeze()
