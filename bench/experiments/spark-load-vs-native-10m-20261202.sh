#!/usr/bin/env bash
# 3 rounds, round-robin, fresh process each: Spark's 10M bulk load into Iceberg (+ first daily file)
# vs the hand-written native-spark pipeline on the same bulk files (no Iceberg)
set -uo pipefail
OUT=$1
BULK=/work/data-medium/bulk; DAILY=/work/data-medium/incremental/2026-10-31.parquet
cd /work/main || exit 1
for r in 1 2 3; do
  /usr/bin/time -f "%e" -o /tmp/sl.time .venv/bin/python -m bench.lakehouse --once spark $BULK $DAILY > /tmp/sl.out 2>/tmp/sl.err
  echo "{\"case\": \"spark-load\", \"round\": $r, \"rc\": $?, \"process_wall\": $(tail -1 /tmp/sl.time), \"figures\": $(tail -1 /tmp/sl.out)}" >> $OUT
  echo "$(date +%T) spark-load $r $(tail -1 /tmp/sl.time)"
  /usr/bin/time -f "%e" -o /tmp/sl.time .venv/bin/python -m bench.measure_once native-spark $BULK > /tmp/sl.out 2>/tmp/sl.err
  echo "{\"case\": \"native-spark\", \"round\": $r, \"rc\": $?, \"process_wall\": $(tail -1 /tmp/sl.time), \"figures\": $(tail -1 /tmp/sl.out)}" >> $OUT
  echo "$(date +%T) native-spark $r $(tail -1 /tmp/sl.time)"
done
