#!/usr/bin/env bash
# Spark's 1M whole load (local[2], --load), round-robin, fresh process each, on 90daf27, nothing
# else running, outputs equal. Shuffle partitions: 4 (2 x cores, the default) against
#   - 2 (bench/results/spark-shuffle-partitions-1m-20261208-two.jsonl, 3 rounds, 02:29-02:34 UTC):
#       bash <this> OUT 3 1000000 "p4:/work/main:spark:--load:" "p2:/work/main:spark:--load:ETLSTACK_SPARK_SHUFFLE_PARTITIONS=2"
#   - 64, coalesced by adaptive execution to its advisory size rather than to the cores
#     (...-sized.jsonl, 2 rounds, 02:34-02:38 UTC):
#       bash <this> OUT 2 1000000 "p4:/work/main:spark:--load:" "sized:/work/main:spark:--load:ETLSTACK_SPARK_SHUFFLE_PARTITIONS=64 \
#         PYSPARK_SUBMIT_ARGS=--conf=spark.sql.adaptive.coalescePartitions.parallelismFirst=false_pyspark-shell"
# Neither adopted: 2 partitions 44.1/40.8/41.7 s against 45.5/44.9/47.4 s (not tried at 10M);
# sized 55.0/58.2 s against 43.6/46.7 s.
# usage: <this> OUT ROUNDS ROWS SPEC... (tries-round-robin.sh: label:tree:engine:flags:env)
exec bash "$(dirname "$0")/tries-round-robin.sh" "$@"
