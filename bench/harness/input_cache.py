"""Generated benchmark inputs, cached by (rows, seed) under ``data/bench/`` and reused."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from python_engines.core.errors import EtlStackError

CACHE = Path("data/bench")
MARKER = "_generation.json"  # written last by the generator: its presence means complete


def cached_input(rows: int, seed: int, cache: Path = CACHE) -> tuple[Path, bool]:
    """The folder of Parquet input for ``rows`` events from ``seed``, and whether it was
    generated just now. Generated in a fresh process (its memory is not the harness's) into a
    temporary folder renamed when complete, so a stopped generation is never reused."""
    folder = cache / f"rows-{rows}-seed-{seed}"
    if (folder / MARKER).exists():
        return folder, False
    partial = cache / f".rows-{rows}-seed-{seed}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-c",
        "from python_engines.cli import app; app()",
        "generate",
        f"--rows={rows}",
        f"--seed={seed}",
        "--format=parquet",
        f"--out={partial}",
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 or not (partial / MARKER).exists():
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise EtlStackError(f"generating {rows:,} rows (seed {seed}) failed: {tail}")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder, True
