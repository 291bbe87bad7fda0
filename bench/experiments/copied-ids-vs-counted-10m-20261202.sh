#!/usr/bin/env bash
# copied_ids vs counted: the 10M pipeline (read → output tables), fresh process each, round-robin
set -uo pipefail
OUT=$1; ROUNDS=$2; ENGINES=$3
BULK=/work/data-medium/bulk
run() { # tree engine round
  cd /work/$1 || exit 1
  line=$(.venv/bin/python -m bench.measure_once $2 $BULK 2>/tmp/sb.err | tail -1)
  echo "{\"tree\": \"$1\", \"engine\": \"$2\", \"round\": $3, \"figures\": ${line:-null}}" >> $OUT
  echo "$(date +%T) $1 $2 round $3"
}
for r in $(seq 1 $ROUNDS); do
  for e in $ENGINES; do run wt-before $e $r; run main $e $r; done
done
