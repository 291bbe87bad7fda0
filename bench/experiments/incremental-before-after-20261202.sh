#!/usr/bin/env bash
# Incremental runs before/after a change, same run, alternating trees, fresh process each:
#   daily: the first daily file of the 10M set into the 10M Polars lakehouse (its bulk loaded),
#   batch: bulk days 11-20 (3.0M rows) into a lakehouse holding days 1-10 (3.0M rows).
# Each try starts from a copy of the same warehouse. BEFORE/AFTER are worktrees sharing main's
# .venv; PYTHONPATH picks each tree's code (the venv's editable install points at main).
#   bench/results/incremental-before-after-20261202.jsonl: before = 8bea91e, after = cf13618
# usage: bash <this> OUT.jsonl BEFORE_TREE AFTER_TREE [DAILY_ROUNDS] [BATCH_ROUNDS]
set -euo pipefail
OUT=$1; BEFORE=$2; AFTER=$3; DAILY_ROUNDS=${4:-5}; BATCH_ROUNDS=${5:-3}
DATA=/work/data-medium; WORK=$(mktemp -d /tmp/incremental-ab-XXXX)
mkdir -p $WORK/first $WORK/next
ls $DATA/bulk/*.parquet | head -10 | xargs -I{} ln -s {} $WORK/first/
ls $DATA/bulk/*.parquet | sed -n 11,20p | xargs -I{} ln -s {} $WORK/next/
cat > $WORK/load.py <<'PY'
import json, os, sys, time
from pathlib import Path
from python_engines.inputs import discover
from python_engines.lakehouse.load import load
started = time.perf_counter()
report = load("polars", discover(Path(sys.argv[1])), Path(sys.argv[2]))
seconds = {k: round(v, 3) for k, v in report.record.seconds.items()}
seconds["total"] = round(time.perf_counter() - started, 3)
print(json.dumps({"rows_in": report.record.rows_in, "seconds": seconds}))
PY
build() { # input warehouse
  (cd $AFTER && PYTHONPATH=$AFTER .venv/bin/python $WORK/load.py $1 $2 > /dev/null)
  cp -a $2 $2.pristine
}
build $DATA/bulk $WORK/wh10m
build $WORK/first $WORK/wh3m
run() { # kind input warehouse rounds
  for r in $(seq 1 $4); do
    for tree in $BEFORE $AFTER; do
      rm -rf $3 && cp -a $3.pristine $3
      line=$(cd $tree && PYTHONPATH=$tree .venv/bin/python $WORK/load.py $2 $3)
      echo "{\"kind\": \"$1\", \"tree\": \"$tree\", \"commit\": \"$(git -C $tree rev-parse --short HEAD)\", \"round\": $r, \"figures\": $line}" | tee -a $OUT
    done
  done
}
run daily $DATA/incremental/2026-10-31.parquet $WORK/wh10m $DAILY_ROUNDS
run batch $WORK/next $WORK/wh3m $BATCH_ROUNDS
rm -rf $WORK
