#!/usr/bin/env bash
# Run H (2026-12-04): before (24ed474) / after (wp-g) A/B, alternating the two jars in one window,
# beside the disk and bare-map limits of that window. Usage: run.sh <base.jar> <after.jar> <out-dir>
# (the environment variables below only shrink the sizes for a smoke test).
set -uo pipefail
BASE=$1
AFTER=$2
OUT=$3
CKPT=${CKPT:-10000000 2000000 2000 5 3} # records, entities, writes/s, baseline s, tail s
LAT=${LAT:-10000 3000}                  # samples and warm-up per level
TP=${TP:--p count=1000000 -p writers=1,2 -f 1 -wi 1 -i 3}
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
checkpoint() { # base|after, round
  # shellcheck disable=SC2086
  step "checkpoint-$1-$2" java -Xms4g -Xmx4g "-Xlog:gc:file=$OUT/checkpoint-$1-$2-gc.log" \
    -cp "$(jar "$1")" io.tidaldb.bench.CheckpointLatency \
    $CKPT "$OUT/checkpoint-$1-$2-hgrm"
}
latency() { # base|after, round
  # shellcheck disable=SC2086
  step "latency-$1-$2" java -Xms2g -Xmx2g -cp "$(jar "$1")" io.tidaldb.bench.ReplicationLatency \
    $LAT "$OUT/latency-$1-$2-hgrm"
}
throughput() { # base|after, round
  # shellcheck disable=SC2086
  step "throughput-$1-$2" java -jar "$(jar "$1")" ReplicationThroughputBenchmark $TP \
    -jvmArgs "-Xms4g -Xmx4g" -rf json -rff "$OUT/throughput-$1-$2.json"
}
sha256sum "$BASE" "$AFTER" | tee "$OUT/jars.txt"
limits 1
# shellcheck disable=SC2086
step baremap java -jar "$AFTER" BareMapBenchmark $LIM -rf json -rff "$OUT/baremap.json"
checkpoint base 1
checkpoint after 1
latency base 1
latency after 1
throughput base 1
throughput after 1
checkpoint after 2
checkpoint base 2
latency after 2
latency base 2
throughput after 2
throughput base 2
limits 2
# the copy the commit thread takes when a snapshot starts (after only): EntityStateMap.freeze of 2M
# entries, a scratch class in the store's package (freeze-time/FreezeTime.java) on the after jar
javac -cp "$AFTER" -d /tmp/runH-freeze-classes "$(dirname "$0")/freeze-time/FreezeTime.java"
step freeze-time java -Xms4g -Xmx4g -cp "/tmp/runH-freeze-classes:$AFTER" io.tidaldb.store.FreezeTime 2000000
