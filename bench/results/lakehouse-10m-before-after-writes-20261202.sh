#!/usr/bin/env bash
# 3 rounds, round-robin: 10M bulk into an empty warehouse + first daily file, fresh process each;
# wt-before = ab2e86e (before this session's write and delete changes), main = this session's code
set -uo pipefail
OUT=$1
BULK=/work/data-medium/bulk; DAILY=/work/data-medium/incremental/2026-10-31.parquet
run() { # tree engine round
  cd /work/$1 || exit 1
  /usr/bin/time -f "%e" -o /tmp/fb.time .venv/bin/python -m bench.lakehouse --once $2 $BULK $DAILY > /tmp/fb.out 2>/tmp/fb.err
  rc=$?
  line=$(tail -1 /tmp/fb.out)
  echo "{\"tree\": \"$1\", \"engine\": \"$2\", \"round\": $3, \"rc\": $rc, \"process_wall\": $(tail -1 /tmp/fb.time), \"figures\": ${line:-null}}" >> $OUT
  echo "$(date +%T) $1 $2 round $3 rc=$rc wall $(tail -1 /tmp/fb.time)"
}
for r in 1 2 3; do
  run wt-before polars $r; run main polars $r
  run wt-before duckdb $r; run main duckdb $r

done
