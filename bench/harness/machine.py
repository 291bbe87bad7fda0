"""What machine a result was measured on, and the dated JSON file every benchmark writes."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import psutil

from python_engines.core.security import mask_uris_in

RESULTS = Path(__file__).parent.parent / "results"


def describe_machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def peak_rss_kib() -> int:
    """Peak resident memory of this process and its children (the Spark JVM is a child of the
    Python driver), in KiB: a sum of peaks, an upper bound of the peak of the sum."""
    from python_engines.core.process_tree import own_tree

    return own_tree()[0] // 1024


def package_versions(*names: str) -> dict[str, str]:
    return {name: version(name) for name in names}


def git_commit() -> str:
    """The checkout's HEAD, ``-dirty`` when a tracked file has uncommitted changes (untracked
    files, such as the result files of earlier runs, do not change the code measured)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
        )
        return done.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def short_commit(commit: str) -> str:
    """A ``git_commit`` as a report names it: 12 hex digits, and ``-dirty`` if it was."""
    return commit[:12] + ("-dirty" if commit.endswith("-dirty") else "")


def write_result(benchmark: str, packages: tuple[str, ...], **fields: object) -> Path:
    """``bench/results/<benchmark>-<UTC stamp>.json`` with the date, machine, versions and commit."""
    stamp = datetime.now(UTC)
    result = {
        "benchmark": benchmark,
        "date": stamp.isoformat(timespec="seconds"),
        "machine": describe_machine(),
        "versions": package_versions(*packages),
        "git_commit": git_commit(),
        **fields,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{benchmark}-{stamp:%Y%m%dT%H%M%S}.json"
    path.write_text(results_json(result, indent=2))
    return path


def results_json(document: object, indent: int) -> str:
    """The text of every bench result file: the document's URIs masked (a ``--spark-master`` or
    catalog URI may hold a password; no results file keeps it), then JSON."""
    return json.dumps(mask_uris_in(document), indent=indent) + "\n"
