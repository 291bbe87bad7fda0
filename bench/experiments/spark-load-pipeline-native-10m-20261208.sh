#!/usr/bin/env bash
# Spark at 10M, local[2], in one run, round-robin, fresh process each: the whole Iceberg load
# (--load), the one-SQL pipeline (read -> output tables, no lakehouse), the native-spark baseline,
# and native-spark without its persisted cleansed frame (a worktree). Outputs fingerprinted equal.
# bench/results/spark-load-pipeline-native-10m-20261208.jsonl, 01:45-02:03 UTC 2026-12-08 on
# 74640d8, nothing else running; native without persist ran once (202.7 s vs 148.6/137.0 s with
# it: not adopted, the baseline keeps its persist).
#   bash <this> OUT 2 10000000 "load:/work/main:spark:--load" "pipeline:/work/main:spark:-" \
#     "native-old:/work/main:native-spark:-" "native-new:/work/wt:native-spark:-"
# usage: <this> OUT ROUNDS ROWS "label:tree:engine:flags ..."  (flags: --load or -; fresh process each, round-robin)
set -uo pipefail
OUT=$1; ROUNDS=$2; ROWS=$3; shift 3
for r in $(seq 1 $ROUNDS); do
  for spec in "$@"; do
    IFS=: read -r label tree engine flags <<< "$spec"; [ "$flags" = "-" ] && flags=""
    line=$(cd $tree && env ETLSTACK_THREADS=2 POLARS_MAX_THREADS=2 PYTHONPATH=$tree ETLSTACK_SPARK_EVENT_LOG_DIR=/work/exp/ev/$label-$ROWS /work/main/.venv/bin/python -m bench.harness.measure_once $engine /work/main/data/bench/rows-$ROWS-seed-42 $flags 2>/tmp/ab3.err | tail -1)
    echo "{\"label\": \"$label\", \"round\": $r, \"figures\": ${line:-null}}" >> $OUT
    echo "$(date +%T) $label $r $(echo "$line" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["wall_seconds"], d["startup_seconds"])' 2>&1)"
  done
done
