#!/usr/bin/env bash
# A/B, round-robin, fresh process each: Spark's 10M load (local[2]) with Spark's default partitioned
# write (sort each task's rows by partition value) vs concurrent writers (no sort).
# Run on cd6ee96, 23:25-23:39 UTC 2026-12-07, nothing else running: not adopted (see the note:
# cleansed_events write -10 s, events write +5 s, totals 201.1/201.0 s vs 200.5/190.3 s)
set -uo pipefail
OUT=$1; ROWS=${2:-10000000}; ROUNDS=${3:-2}
cd /work/main || exit 1
for r in $(seq 1 $ROUNDS); do
  for v in sort writers; do
    args="pyspark-shell"; [ $v = writers ] && args="--conf spark.sql.maxConcurrentOutputFileWriters=64 --conf spark.sql.optimizer.plannedWrite.enabled=false pyspark-shell"
    logs=/work/exp/logs-$v-$r; rm -rf $logs
    line=$(env POLARS_MAX_THREADS=2 ETLSTACK_THREADS=2 ETLSTACK_SPARK_EVENT_LOG_DIR=$logs PYSPARK_SUBMIT_ARGS="$args" \
      .venv/bin/python -m bench.harness.measure_once spark data/bench/rows-$ROWS-seed-42 --load 2>/work/exp/err-$v-$r.txt | tail -1)
    echo "{\"variant\": \"$v\", \"round\": $r, \"figures\": $line}" >> $OUT
    echo "$(date +%T) $v $r $(echo "$line" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("wall_seconds"), d.get("stages",{}).get("parquet cleansed_events"), d.get("stages",{}).get("parquet events"))' 2>&1)"
  done
done
