#!/usr/bin/env bash
# A/B, round-robin, fresh process each: Spark's 10M whole load (local[2], --load) with the stage
# checkpoints stored serialized (StorageLevel.MEMORY_AND_DISK, as on main) or as deserialized
# rows (MEMORY_AND_DISK_DESER, a worktree). bench/results/spark-checkpoint-deserialized-10m-20261208.jsonl,
# 02:03-02:14 UTC 2026-12-08 on 74640d8, nothing else running; stopped after one "deser" try:
# 197.2 s against 147.7 / 142.3 s, every stage slower, outputs equal. Not adopted.
#   bash <this> OUT 2 10000000 "base:/work/main:spark:--load:" "deser:/work/wt:spark:--load:"
# usage: <this> OUT ROUNDS ROWS SPEC... (tries-round-robin.sh: label:tree:engine:flags:env)
exec bash "$(dirname "$0")/tries-round-robin.sh" "$@"
