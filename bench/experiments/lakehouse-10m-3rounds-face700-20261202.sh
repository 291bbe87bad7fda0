#!/usr/bin/env bash
# 3 rounds, round-robin: 10M bulk into an empty warehouse + first daily file, fresh process each (main only)
set -uo pipefail
OUT=$1
BULK=/work/data-medium/bulk; DAILY=/work/data-medium/incremental/2026-10-31.parquet
run() { # engine round
  cd /work/main || exit 1
  /usr/bin/time -f "%e" -o /tmp/la.time .venv/bin/python -m bench.lakehouse --once $1 $BULK $DAILY > /tmp/la.out 2>/tmp/la.err
  rc=$?
  line=$(tail -1 /tmp/la.out)
  echo "{\"tree\": \"main\", \"engine\": \"$1\", \"round\": $2, \"rc\": $rc, \"process_wall\": $(tail -1 /tmp/la.time), \"figures\": ${line:-null}}" >> $OUT
  echo "$(date +%T) $1 round $2 rc=$rc wall $(tail -1 /tmp/la.time)"
}
for r in 1 2 3; do run polars $r; run duckdb $r; done
