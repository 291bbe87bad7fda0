"""What machine a result was measured on, and the dated JSON file every benchmark writes."""

from __future__ import annotations

import json
import os
import platform
import resource
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import psutil

RESULTS = Path(__file__).parent / "results"


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
    """Peak resident memory of this process plus each live child's peak (the Spark JVM is a
    child of the Python driver; ``RUSAGE_SELF`` alone showed 3 GiB for a Spark run). A sum of
    peaks: an upper bound of the peak of the sum."""
    total = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for child in psutil.Process().children(recursive=True):
        try:
            with open(f"/proc/{child.pid}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        except (OSError, StopIteration):
            pass
    return total


def package_versions(*names: str) -> dict[str, str]:
    return {name: version(name) for name in names}


def write_result(benchmark: str, packages: tuple[str, ...], **fields: object) -> Path:
    """``bench/results/<benchmark>-<UTC stamp>.json`` with the date, machine and versions."""
    stamp = datetime.now(UTC)
    result = {
        "benchmark": benchmark,
        "date": stamp.isoformat(timespec="seconds"),
        "machine": describe_machine(),
        "versions": package_versions(*packages),
        **fields,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{benchmark}-{stamp:%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path
