#!/usr/bin/env bash
# Run I (2026-12-04): the checkpoint stall of run H2 before / after the chunked snapshot flushes
# (wp-ckpt), alternating the two jars in one window beside that window's disk limits, plus a
# Dirty/Writeback sampler of /proc/meminfo during each run.
# Usage: run.sh <base.jar> <after.jar> <out-dir> [rounds]
set -uo pipefail
BASE=$1
AFTER=$2
OUT=$3
ROUNDS=${4:-2}
CKPT=${CKPT:-10000000 2000000 2000 5 3} # records, entities, writes/s, baseline s, tail s
LIM=${LIM:--wi 1 -i 3 -w 1 -r 2}
mkdir -p "$OUT"
step() { # name, then the command
  local name=$1
  shift
  { echo "== $name: $*"; echo "start $(date -u +%H:%M:%S) $(uptime)"; } | tee "$OUT/$name.txt"
  "$@" >>"$OUT/$name.txt" 2>&1
  local rc=$?
  echo "end   $(date -u +%H:%M:%S) $(uptime) rc=$rc" | tee -a "$OUT/$name.txt"
}
jar() { if [[ $1 == base ]]; then echo "$BASE"; else echo "$AFTER"; fi; }
limits() { # suffix
  # shellcheck disable=SC2086
  step "disk-$1" java -jar "$AFTER" DiskLimitsBenchmark $LIM -rf json -rff "$OUT/disk-$1.json"
}
sampler() { # file: Dirty and Writeback (kB) every ~10 ms until killed
  while true; do
    echo "$(date -u +%H:%M:%S.%N) $(awk '/^Dirty:|^Writeback:/{printf "%s %s ", $1, $2}' /proc/meminfo)"
    sleep 0.01
  done >"$1"
}
checkpoint() { # base|after, round
  sampler "$OUT/checkpoint-$1-$2-meminfo.txt" &
  local pid=$!
  # shellcheck disable=SC2086
  step "checkpoint-$1-$2" java -Xms4g -Xmx4g "-Xlog:gc:file=$OUT/checkpoint-$1-$2-gc.log" \
    -cp "$(jar "$1")" io.tidaldb.bench.CheckpointLatency \
    $CKPT "$OUT/checkpoint-$1-$2-hgrm"
  kill "$pid"
}
sha256sum "$BASE" "$AFTER" | tee "$OUT/jars.txt"
limits 1
for ((r = 1; r <= ROUNDS; r++)); do
  if ((r % 2 == 1)); then
    checkpoint base "$r"
    checkpoint after "$r"
  else
    checkpoint after "$r"
    checkpoint base "$r"
  fi
done
limits 2
