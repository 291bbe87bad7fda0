#!/usr/bin/env bash
# 3 rounds, round-robin: 10M bulk into an empty warehouse + first daily file, fresh process each.
# /work/wt-before is a worktree of the code before a change (with main's .venv linked in),
# /work/main the code after it; Spark runs on main only.
#   bench/results/lakehouse-10m-before-after-3rounds-20261202.jsonl: wt-before = 9e0b833, engines polars duckdb spark
#   bench/results/lakehouse-10m-before-after-writes-20261202.jsonl:  wt-before = ab2e86e, engines polars duckdb
#   bench/results/lakehouse-10m-before-after-review-20261202.jsonl:  wt-before = 48c4963, engines polars
#   bench/results/lakehouse-10m-before-after-geolocation-20261202.jsonl: wt-before = 1e44def, main = 2ed738d,
#     engines polars duckdb
# usage: bash <this> OUT.jsonl ["polars duckdb spark"]
set -uo pipefail
OUT=$1
ENGINES=${2:-"polars duckdb spark"}
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
  for engine in $ENGINES; do
    [ "$engine" = spark ] || run wt-before $engine $r
    run main $engine $r
  done
done
