#!/usr/bin/env bash
# The lakehouse harness's rounds (bench.lakehouse.bulk_then_daily: the bulk of the 10M set into an
# empty warehouse, then its first daily file, each load a fresh process, the bulk command timed
# start to exit) before/after a change: same run, trees alternating, Polars (or $ENGINE).
# BEFORE/AFTER are worktrees sharing main's .venv; cwd and PYTHONPATH pick each tree's code.
#   bench/results/lakehouse-before-after-20261203b.jsonl (09:40 UTC) and
#   bench/results/lakehouse-before-after-20261203c.jsonl (09:59): before =
#   71c1f5d, after = 5c1552b / ed0dcd6 (same code: cleansed_events stores raw text, Polars plans
#   read-once stages into their reader, the compiled SQL kept between runs)
#   bench/results/lakehouse-before-after-20261203d.jsonl (10:21): before = 57499a8, after = 01273e4 (the
#   review's mends: no change meant to timing)
#   bench/results/lakehouse-before-after-20261203e.jsonl: before = 0f1f9ef, after = the next commit (session
#   start: a rows frame ordered by event_ts, entry first, not a range frame), Polars and DuckDB
# usage: [ENGINE=duckdb] bash <this> OUT.jsonl BEFORE_TREE AFTER_TREE [ROUNDS]
set -euo pipefail
OUT=$1; BEFORE=$2; AFTER=$3; ROUNDS=${4:-3}; ENGINE=${ENGINE:-polars}
PYTHON=/work/main/.venv/bin/python
DATA=/work/data-medium
DAILY=$(ls $DATA/incremental/*.parquet | head -1)
once() { # label tree
  (cd $2 && PYTHONPATH=$2 $PYTHON -c "
import json; from pathlib import Path; from bench.lakehouse import bulk_then_daily
r = bulk_then_daily('$ENGINE', Path('$DATA/bulk'), Path('$DAILY'))
print(json.dumps({'tree': '$1', 'engine': '$ENGINE', 'commit': '$(git -C $2 rev-parse --short HEAD)', **r}))") >> $OUT
  tail -1 $OUT | python3 -c "import json,sys; r=json.load(sys.stdin); print(r['tree'], r['engine'], 'command', r['bulk']['command_seconds'], 'bulk', r['bulk']['seconds']['total'], 'daily', r['daily']['seconds']['total'], 'rss GiB', round(r['peak_rss_kib']/2**20, 2))"
}
for round in $(seq $ROUNDS); do
  if (( round % 2 )); then once before $BEFORE; once after $AFTER; else once after $AFTER; once before $BEFORE; fi
done
