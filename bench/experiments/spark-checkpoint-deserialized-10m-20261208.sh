#!/usr/bin/env bash
# A/B, round-robin, fresh process each: Spark's 10M whole load (local[2], --load) with the stage
# checkpoints stored serialized (StorageLevel.MEMORY_AND_DISK, as on main) or as deserialized
# rows (MEMORY_AND_DISK_DESER, a worktree). bench/results/spark-checkpoint-deserialized-10m-20261208.jsonl,
# 02:03-02:14 UTC 2026-12-08 on 74640d8, nothing else running; stopped after one "deser" try:
# 197.2 s against 147.7 / 142.3 s, every stage slower, outputs equal. Not adopted.
#   bash <this> OUT 2 10000000 "base:/work/main:" "deser:/work/wt:"
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
