#!/usr/bin/env bash
# Timed tries of one engine case per spec, round-robin, a fresh process each, run from each spec's
# own tree (a checkout or worktree, so code before and after a change alternate): the runner the
# dated spark-*-20261208.sh experiments call. One JSON line per try is appended to OUT
# (bench.harness.measure_once's figures, with the spec's label and the round).
# usage: <this> OUT ROUNDS ROWS SPEC...
#   SPEC = label:tree:engine:flags:env  (flags: --load or -; env: VAR=value words, in which
#   "--conf=" and "_pyspark-shell" stand for "--conf " and " pyspark-shell", for PYSPARK_SUBMIT_ARGS)
#   the input: this repository's data/bench/rows-ROWS-seed-42 (make bench generates it);
#   the interpreter: this repository's .venv (each tree's code comes first on the path)
set -uo pipefail
OUT=$1; ROUNDS=$2; ROWS=$3; shift 3
REPO=$(cd "$(dirname "$0")/../.." && pwd)
for r in $(seq 1 "$ROUNDS"); do
  for spec in "$@"; do
    IFS=: read -r label tree engine flags envs <<< "$spec"; [ "$flags" = "-" ] && flags=""
    words=()
    for w in $envs; do w=${w//--conf=/--conf }; words+=("${w//_pyspark-shell/ pyspark-shell}"); done
    line=$(cd "$tree" && env ETLSTACK_THREADS=2 POLARS_MAX_THREADS=2 PYTHONPATH="$tree" "${words[@]}" \
      "$REPO/.venv/bin/python" -m bench.harness.measure_once "$engine" \
      "$REPO/data/bench/rows-$ROWS-seed-42" $flags 2>/tmp/tries-round-robin.err | tail -1)
    echo "{\"label\": \"$label\", \"round\": $r, \"figures\": ${line:-null}}" >> "$OUT"
    echo "$(date +%T) $label round $r"
  done
done
