#!/usr/bin/env bash
# Same-window A/B of two benchmark jars for the replication threading change: the bench gate of
# docs/design/replication-threading.md §6. Usage (from anywhere):
#
#   bench/ab-replication.sh <base.jar> <after.jar> <out-dir> [rounds]
#
# Every round runs each benchmark on both jars, base first in odd rounds and after first in even
# ones (default 3 rounds): ReplicationThroughputBenchmark with 1M signals (1 and 2 writers, with
# -prof gc for the bytes per signal) and with 25,000 signals, ReplicationLatency and
# ClusterIdleCost. The limits of the window (DiskLimitsBenchmark, BareMapBenchmark, on the after
# jar) are measured once before the first round and once after the last. Every step writes
# <out-dir>/<step>.txt with its command, start and end time and `uptime` (load), its exit code and
# the count of "lease lost" lines (ShardLeadership's step-down on an expired lease; this raw count
# includes the ones logged while the cluster closes, which ab-summary.py separates by the
# "replication counters:" line printed just before the close); the JMH steps also write
# <step>.json. Summarise with bench/ab-summary.py <out-dir>.
#
# The environment variables below only shrink the sizes for a smoke test; the defaults are §6's.
set -uo pipefail
if [[ $# -lt 3 || $# -gt 4 ]]; then
  echo "usage: $0 <base.jar> <after.jar> <out-dir> [rounds]" >&2
  exit 2
fi
BASE=$(realpath "$1")
AFTER=$(realpath "$2")
OUT=$3
ROUNDS=${4:-3}
JAVA=${JAVA:-java}
TP1M=${TP1M:--p count=1000000 -p writers=1,2 -f 1 -wi 1 -i 4 -prof gc}
TP25K=${TP25K:--p count=25000 -f 1 -wi 3 -i 5}
TPJVM=${TPJVM:--Xms4g -Xmx4g}       # the throughput forks' heap
LAT=${LAT:-10000 3000}              # ReplicationLatency: samples and warm-up per level
LATJVM=${LATJVM:--Xms2g -Xmx2g}     # ReplicationLatency's heap, as run G and H
IDLE=${IDLE:-10}                    # ClusterIdleCost window, seconds
LIM=${LIM:--wi 1 -i 3 -w 1 -r 2}    # DiskLimitsBenchmark and BareMapBenchmark options
for j in "$BASE" "$AFTER"; do
  [[ -f $j ]] || { echo "no such jar: $j" >&2; exit 2; }
done
mkdir -p "$OUT"

step() { # name, then the command
  local name=$1
  shift
  { echo "== $name: $*"; echo "start $(date -u +%H:%M:%S) $(uptime)"; } | tee "$OUT/$name.txt"
  "$@" >>"$OUT/$name.txt" 2>&1
  local rc=$?
  local lost
  lost=$(grep -c "lease lost" "$OUT/$name.txt")
  echo "end   $(date -u +%H:%M:%S) $(uptime) rc=$rc leaseLostLines=$lost" | tee -a "$OUT/$name.txt"
}
jar() { if [[ $1 == base ]]; then echo "$BASE"; else echo "$AFTER"; fi; }
limits() { # start|end
  # shellcheck disable=SC2086
  step "disk-$1" "$JAVA" -jar "$AFTER" DiskLimitsBenchmark $LIM -rf json -rff "$OUT/disk-$1.json"
  # shellcheck disable=SC2086
  step "baremap-$1" "$JAVA" -jar "$AFTER" BareMapBenchmark $LIM -rf json -rff "$OUT/baremap-$1.json"
}
tp1m() { # base|after, round
  # shellcheck disable=SC2086
  step "tp1m-$1-$2" "$JAVA" -jar "$(jar "$1")" ReplicationThroughputBenchmark $TP1M \
    -jvmArgs "$TPJVM" -rf json -rff "$OUT/tp1m-$1-$2.json"
}
tp25k() { # base|after, round
  # shellcheck disable=SC2086
  step "tp25k-$1-$2" "$JAVA" -jar "$(jar "$1")" ReplicationThroughputBenchmark $TP25K \
    -jvmArgs "$TPJVM" -rf json -rff "$OUT/tp25k-$1-$2.json"
}
latency() { # base|after, round
  # shellcheck disable=SC2086
  step "latency-$1-$2" "$JAVA" $LATJVM -cp "$(jar "$1")" io.tidaldb.bench.ReplicationLatency \
    $LAT "$OUT/latency-$1-$2-hgrm"
}
idle() { # base|after, round
  step "idle-$1-$2" "$JAVA" -cp "$(jar "$1")" io.tidaldb.bench.ClusterIdleCost "$IDLE"
}

{
  echo "ab-replication.sh started $(date -u '+%Y-%m-%d %H:%M:%S') UTC on $(hostname), $(nproc) cores"
  echo "rounds=$ROUNDS"
  echo "TP1M=$TP1M"
  echo "TP25K=$TP25K"
  echo "TPJVM=$TPJVM"
  echo "LAT=$LAT"
  echo "LATJVM=$LATJVM"
  echo "IDLE=$IDLE"
  echo "LIM=$LIM"
  "$JAVA" -version 2>&1 | head -1
} | tee "$OUT/settings.txt"
{ echo "base  $(sha256sum "$BASE")"; echo "after $(sha256sum "$AFTER")"; } | tee "$OUT/jars.txt"

limits start
for ((r = 1; r <= ROUNDS; r++)); do
  if ((r % 2 == 1)); then order=(base after); else order=(after base); fi
  for bench in tp1m tp25k latency idle; do
    for j in "${order[@]}"; do
      "$bench" "$j" "$r"
    done
  done
done
limits end
echo "done $(date -u +%H:%M:%S); summary: $(dirname "$0")/ab-summary.py $OUT"
