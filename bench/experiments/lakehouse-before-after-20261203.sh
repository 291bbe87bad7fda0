#!/usr/bin/env bash
# The lakehouse harness's load (bulk of the 10M set into an empty warehouse, then its first daily
# file; one fresh process per try) before/after a change: same run, trees alternating, Polars.
# BEFORE/AFTER are worktrees sharing main's .venv; PYTHONPATH picks each tree's code (the venv's
# editable install points at main).
#   bench/results/lakehouse-before-after-20261203.jsonl: before = 908f1df, after = 4d95ed2 (cleansed_keys, direct
#   Parquet scans, bounded sessions read), at 03:23 UTC
# usage: bash <this> OUT.jsonl BEFORE_TREE AFTER_TREE [ROUNDS]
set -euo pipefail
OUT=$1; BEFORE=$2; AFTER=$3; ROUNDS=${4:-3}
DATA=/work/data-medium
DAILY=$(ls $DATA/incremental/*.parquet | head -1)
once() { # label tree
  (cd $2 && PYTHONPATH=$2 .venv/bin/python -m bench.lakehouse --once polars $DATA/bulk $DAILY) \
    | python3 -c "import json,sys; r=json.load(sys.stdin); print(json.dumps({'tree': '$1', 'commit': '$(git -C $2 rev-parse --short HEAD)', **r}))" >> $OUT
  tail -1 $OUT | python3 -c "import json,sys; r=json.load(sys.stdin); print(r['tree'], 'command', r['bulk']['command_seconds'], 'bulk', r['bulk']['seconds']['total'], 'daily', r['daily']['seconds']['total'], 'rss GiB', round(r['peak_rss_kib']/2**20, 2))"
}
for round in $(seq $ROUNDS); do
  if (( round % 2 )); then once before $BEFORE; once after $AFTER; else once after $AFTER; once before $BEFORE; fi
done
