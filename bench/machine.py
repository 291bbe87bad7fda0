"""What machine a result was measured on: recorded with every benchmark result."""

from __future__ import annotations

import os
import platform
from importlib.metadata import version

import psutil


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


def package_versions(*names: str) -> dict[str, str]:
    return {name: version(name) for name in names}
