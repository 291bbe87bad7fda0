#!/usr/bin/env bash
# A/B, round-robin, fresh process each: Spark's whole load (local[2], --load) from two trees.
# bench/results/spark-broadcast-and-unsorted-write-20261208-{1m,10m}.jsonl, 01:20-01:41 UTC
# 2026-12-08, nothing else running: base = /work/main at 2387539, new = a worktree with
# rewrites.broadcast_lookups and the cleansed_events write in input order (adopted: 10M
# 176.9/166.4 s -> 157.4/150.4 s; 1M unchanged within noise). One try of "new" with
# --conf spark.serializer=org.apache.spark.serializer.KryoSerializer: 207.9 s (not adopted).
#   bash <this> OUT 2 10000000 "base:/work/main:spark:--load:" "new:/work/wt:spark:--load:"
# usage: <this> OUT ROUNDS ROWS SPEC... (tries-round-robin.sh: label:tree:engine:flags:env)
exec bash "$(dirname "$0")/tries-round-robin.sh" "$@"
