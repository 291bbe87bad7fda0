#!/usr/bin/env bash
# Spark's 1M whole load (local[2], --load), round-robin, fresh process each, on 90daf27, nothing
# else running, outputs equal. Shuffle partitions: 4 (2 x cores, the default) against
#   - 2 (bench/results/spark-shuffle-partitions-1m-20261208-two.jsonl, 3 rounds, 02:29-02:34 UTC):
#       bash <this> OUT 3 1000000 "p4:/work/main:" "p2:/work/main:ETLSTACK_SPARK_SHUFFLE_PARTITIONS=2"
#   - 64, coalesced by adaptive execution to its advisory size rather than to the cores
#     (...-sized.jsonl, 2 rounds, 02:34-02:38 UTC):
#       bash <this> OUT 2 1000000 "p4:/work/main:" "sized:/work/main:ETLSTACK_SPARK_SHUFFLE_PARTITIONS=64 \
#         PYSPARK_SUBMIT_ARGS=--conf=spark.sql.adaptive.coalescePartitions.parallelismFirst=false_pyspark-shell"
# Neither adopted: 2 partitions 44.1/40.8/41.7 s against 45.5/44.9/47.4 s (not tried at 10M);
# sized 55.0/58.2 s against 43.6/46.7 s.
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
