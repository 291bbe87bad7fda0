"""One generator run in this process; prints wall seconds and peak RSS (KiB) as JSON."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bench.harness.machine import peak_rss_kib
from python_engines.generator import GeneratorConfig, generate

if __name__ == "__main__":
    rows, file_format, out = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    started = time.perf_counter()
    generate(GeneratorConfig(rows=rows, file_format=file_format, out=out))
    seconds = time.perf_counter() - started
    peak = peak_rss_kib()
    print(json.dumps({"seconds": round(seconds, 3), "peak_rss_kib": peak}))
