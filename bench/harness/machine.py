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
DATA = Path("data")  # the benchmarks' inputs (data/bench, data/bench-*), from the working folder


def describe_machine(data: Path = DATA) -> dict[str, object]:
    """The host a result was measured on: CPU model and clock, cores, RAM, the disk under
    ``data`` (where the inputs live), OS and Python. Files written before 7 Dec 2026 hold only
    ``cpu``, ``cores``, ``memory_gib``, ``os`` and ``python``: readers take the rest as optional."""
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
        "cpu_mhz": _clock_mhz(),
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "disk": describe_disk(data),
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def _clock_mhz() -> int | None:
    """The CPU's maximum clock when the kernel knows it (cpufreq), else its current one as
    /proc/cpuinfo reports it (a VM's nominal clock); None when neither is readable."""
    try:
        freq = psutil.cpu_freq()
    except (OSError, NotImplementedError, RuntimeError):
        return None
    mhz = (freq.max or freq.current) if freq else 0
    return round(mhz) if mhz else None


def describe_disk(path: Path) -> dict[str, object]:
    """The filesystem holding ``path`` (or its nearest existing parent): device, type, size, and
    what /sys/block says of the device — rotational, driver, model — where it says anything (a
    virtual disk often claims to be rotational: the driver, e.g. virtio_blk, tells it apart)."""
    where = Path(path).absolute()
    while not where.exists() and where != where.parent:
        where = where.parent
    try:
        mounts = psutil.disk_partitions(all=True)
        size = psutil.disk_usage(str(where)).total
    except OSError:
        return {"path": str(path)}
    real = os.path.realpath(where)
    mount = max(
        (
            m
            for m in mounts
            if real == m.mountpoint or real.startswith(m.mountpoint.rstrip("/") + "/")
        ),
        key=lambda m: len(m.mountpoint),
        default=None,
    )
    disk: dict[str, object] = {
        "path": str(path),
        "mount": mount.mountpoint if mount else None,
        "device": mount.device if mount else None,
        "fstype": mount.fstype if mount else None,
        "size_gib": round(size / 2**30, 1),
    }
    return disk | _block_device(mount.device if mount else "")


def _block_device(device: str) -> dict[str, object]:
    """``rotational``, ``driver`` and ``model`` of the disk behind ``/dev/<name>`` (a partition's
    disk); nothing for a filesystem with no block device (overlay, tmpfs)."""
    block = Path("/sys/class/block") / Path(os.path.realpath(device)).name
    if not device.startswith("/dev/") or not block.exists():
        return {}
    if (block / "partition").exists():
        block = block.resolve().parent
    found: dict[str, object] = {}
    rotational = _read(block / "queue" / "rotational")
    if rotational in ("0", "1"):
        found["rotational"] = rotational == "1"
    driver = block / "device" / "driver"
    if driver.exists():
        found["driver"] = Path(os.path.realpath(driver)).name
    if model := _read(block / "device" / "model"):
        found["model"] = model
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def peak_rss_kib() -> int:
    """Peak resident memory of this process and its children (the Spark JVM is a child of the
    Python driver), in KiB: a sum of peaks, an upper bound of the peak of the sum."""
    from python_engines.core.process_tree import own_tree

    return own_tree()[0] // 1024


def package_versions(*names: str) -> dict[str, str]:
    return {name: version(name) for name in names}


def git_commit(folder: Path | None = None) -> str:
    """The checkout's HEAD (of ``folder``'s checkout, else the working folder's), ``-dirty`` when
    a tracked file has uncommitted changes (untracked files, such as the result files of earlier
    runs, do not change the code measured); ``unknown`` outside a checkout."""
    git = ["git", *(["-C", str(folder)] if folder else [])]
    try:
        done = subprocess.run(
            [*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no"],
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
