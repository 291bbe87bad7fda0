#!/usr/bin/env bash
# Spark at 10M, local[2], in one run, round-robin, fresh process each: the whole Iceberg load
# (--load), the one-SQL pipeline (read -> output tables, no lakehouse), the native-spark baseline,
# and native-spark without its persisted cleansed frame (a worktree). Outputs fingerprinted equal.
# bench/results/spark-load-pipeline-native-10m-20261208.jsonl, 01:45-02:03 UTC 2026-12-08 on
# 74640d8, nothing else running; native without persist ran once (202.7 s vs 148.6/137.0 s with
# it: not adopted, the baseline keeps its persist).
#   bash <this> OUT 2 10000000 "load:/work/main:spark:--load:" "pipeline:/work/main:spark:-:" \
#     "native-old:/work/main:native-spark:-:" "native-new:/work/wt:native-spark:-:"
# usage: <this> OUT ROUNDS ROWS SPEC... (tries-round-robin.sh: label:tree:engine:flags:env)
exec bash "$(dirname "$0")/tries-round-robin.sh" "$@"
