#!/usr/bin/env bash
# Run I, part 2: base / 4 MiB chunks / 1 MiB chunks, rotating (round 1 base, 4m, 1m; round 2
# 1m, 4m, base), beside the window's disk limits. The 1 MiB jar is wp-ckpt with
# SnapshotWriter.SYNC_CHUNK_BYTES = 1L << 20, otherwise identical to the 4 MiB one.
# Usage: run-chunks.sh <base.jar> <4mib.jar> <1mib.jar> <out-dir>
set -uo pipefail
declare -A JAR=([base]=$1 [4m]=$2 [1m]=$3)
OUT=$4
CKPT=${CKPT:-10000000 2000000 2000 5 3}
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
checkpoint() { # base|4m|1m, round
  # shellcheck disable=SC2086
  step "checkpoint-$1-$2" java -Xms4g -Xmx4g "-Xlog:gc:file=$OUT/checkpoint-$1-$2-gc.log" \
    -cp "${JAR[$1]}" io.tidaldb.bench.CheckpointLatency $CKPT "$OUT/checkpoint-$1-$2-hgrm"
}
sha256sum "${JAR[base]}" "${JAR[4m]}" "${JAR[1m]}" | tee "$OUT/jars.txt"
# shellcheck disable=SC2086
step disk-1 java -jar "${JAR[4m]}" DiskLimitsBenchmark $LIM -rf json -rff "$OUT/disk-1.json"
for j in base 4m 1m; do checkpoint "$j" 1; done
for j in 1m 4m base; do checkpoint "$j" 2; done
# shellcheck disable=SC2086
step disk-2 java -jar "${JAR[4m]}" DiskLimitsBenchmark $LIM -rf json -rff "$OUT/disk-2.json"
