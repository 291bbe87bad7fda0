#!/usr/bin/env bash
# The first daily file of the 10M set into a copy of a 10M Polars warehouse, fresh process per
# load, the code before and after a change alternating (N rounds). Only the daily load is timed:
# the bulk is loaded once, beforehand (for the jsonl below: by 8628cc5; both trees store the same
# table formats):
#   .venv/bin/python -m python_engines.cli run --engine polars --input /work/data-medium/bulk \
#       --warehouse /tmp/wh1
# /work/wt-before is a worktree of the code before (main's .venv linked in), /work/main after.
#   bench/results/daily-10m-before-after-20261202.jsonl: wt-before = 8628cc5, main = a6fb61d, 5 rounds
# usage: bash <this> OUT.jsonl [N]
set -uo pipefail
OUT=$1; N=${2:-5}
ONCE='
import json, shutil, sys, time
from pathlib import Path
from python_engines.inputs import discover
from python_engines.lakehouse.load import load
warehouse = Path("/tmp/wh-ab")
shutil.rmtree(warehouse, ignore_errors=True); shutil.copytree("/tmp/wh1", warehouse)
inputs = discover(Path("/work/data-medium/incremental/2026-10-31.parquet"))
started = time.perf_counter()
report = load("polars", inputs, warehouse)
seconds = {k: round(v, 3) for k, v in report.result.seconds.items()}
print(json.dumps({"load": round(time.perf_counter() - started, 3), **seconds}))
'
for r in $(seq 1 "$N"); do
  for tree in wt-before main; do
    line=$(cd /work/$tree && .venv/bin/python -c "$ONCE" 2>/dev/null | tail -1)
    echo "{\"tree\": \"$tree\", \"round\": $r, \"figures\": ${line:-null}}" >> "$OUT"
    echo "$(date +%T) $tree round $r"
  done
done
