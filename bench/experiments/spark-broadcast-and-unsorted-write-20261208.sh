#!/usr/bin/env bash
# A/B, round-robin, fresh process each: Spark's whole load (local[2], --load) from two trees.
# bench/results/spark-broadcast-and-unsorted-write-20261208-{1m,10m}.jsonl, 01:20-01:41 UTC
# 2026-12-08, nothing else running: base = /work/main at 2387539, new = a worktree with
# rewrites.broadcast_lookups and the cleansed_events write in input order (adopted: 10M
# 176.9/166.4 s -> 157.4/150.4 s; 1M unchanged within noise). One try of "new" with
# --conf spark.serializer=org.apache.spark.serializer.KryoSerializer: 207.9 s (not adopted).
#   bash <this> OUT 2 10000000 "base:/work/main:" "new:/work/wt:"
# usage: <this> OUT ROUNDS ROWS "label:tree:env ..."   (each try: a fresh process in the tree's folder)
# an env word's "--conf=" and "_pyspark-shell" become "--conf " and " pyspark-shell" (PYSPARK_SUBMIT_ARGS)
set -uo pipefail
OUT=$1; ROUNDS=$2; ROWS=$3; shift 3
for r in $(seq 1 $ROUNDS); do
  for spec in "$@"; do
    label=${spec%%:*}; rest=${spec#*:}; tree=${rest%%:*}; envs=${rest#*:}
    words=()
    for w in $envs; do w=${w//--conf=/--conf }; words+=("${w//_pyspark-shell/ pyspark-shell}"); done
    line=$(cd $tree && env ETLSTACK_THREADS=2 POLARS_MAX_THREADS=2 PYTHONPATH=$tree "${words[@]}" /work/main/.venv/bin/python -m bench.harness.measure_once spark /work/main/data/bench/rows-$ROWS-seed-42 --load 2>/tmp/ab.err | tail -1)
    echo "{\"label\": \"$label\", \"round\": $r, \"figures\": ${line:-null}}" >> $OUT
    echo "$(date +%T) $label $r $(echo "$line" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["wall_seconds"], d["startup_seconds"])' 2>&1)"
  done
done
