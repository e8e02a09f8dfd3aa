#!/usr/bin/env bash
# Runs every benchmark of RESULTS.md from the shaded jar and keeps each raw output in
# bench/results/<jdk>/. Usage (from the repository root, after building bench/target/benchmarks.jar):
#   [BENCH_OUT=dir] bench/run-benchmarks.sh [java-binary] [benchmark-name ...]
# With no names it runs them all but redis-topk. Takes about 30 minutes on 2 cores. Names: disk baremap wal apply
# ingest-t1 ingest-t2 ingest-t4 recovery replication latency checkpoint idle footprint sessions-t1
# sessions-t2 session-memory topk readstorm http-t1 http-t2 redis-topk.
set -euo pipefail
JAVA=${1:-java}
shift || true
JAR=bench/target/benchmarks.jar
JDK=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.version = //p')
OUT=${BENCH_OUT:-bench/results/jdk-$JDK}
mkdir -p "$OUT"
ONLY=" $* "

run() { # name, then JMH arguments
  local name=$1
  shift
  if [[ "$ONLY" != "  " && "$ONLY" != *" $name "* ]]; then return; fi
  echo "== $name: $JAVA -jar $JAR $*" | tee "$OUT/$name.txt"
  "$JAVA" -jar "$JAR" "$@" -rf json -rff "$OUT/$name.json" 2>&1 | tee -a "$OUT/$name.txt"
}

run disk DiskLimitsBenchmark
run baremap BareMapBenchmark
run wal WalAppendBenchmark -prof gc
run apply StoreApplyBenchmark -prof gc
for t in 1 2 4; do
  run "ingest-t$t" SignalIngestBenchmark -t "$t" -prof gc
done
for t in 1 2; do
  # durable ingest through signalAsync with and without a SessionSeq (issue 12, RESULTS.md §17)
  run "sessions-t$t" SessionIngestBenchmark -t "$t" -prof gc
done
run recovery RecoveryBenchmark -prof gc
# top(tenant, type, k, now) at 10K-10M entities, k 10 and 1000 (issue 13, RESULTS.md §18)
run topk TopKBenchmark
# HTTP API over loopback (issue 15): NDJSON batches of 1,000 and single-signal POSTs at LOCAL
for t in 1 2; do
  run "http-t$t" HttpIngestBenchmark -t "$t"
done
run replication ReplicationThroughputBenchmark -prof gc
if [[ "$ONLY" == "  " || "$ONLY" == *" latency "* ]]; then
  # JMH-free (HdrHistogram): 20,000 samples per durability level after 5,000 warm-up
  echo "== latency: $JAVA -Xms4g -Xmx4g -cp $JAR io.tidaldb.bench.ReplicationLatency 20000 5000" |
    tee "$OUT/latency.txt"
  "$JAVA" -Xms4g -Xmx4g -cp "$JAR" io.tidaldb.bench.ReplicationLatency 20000 5000 "$OUT/latency-hgrm" 2>&1 |
    grep -v " INFO " | tee -a "$OUT/latency.txt"
fi
if [[ "$ONLY" == "  " || "$ONLY" == *" checkpoint "* ]]; then
  # JMH-free (HdrHistogram): commit latency of 2,000 durable writes/s while a 10M-record shard of
  # 2M entities is checkpointed, beside the same stream without a checkpoint
  echo "== checkpoint: $JAVA -Xms4g -Xmx4g -cp $JAR io.tidaldb.bench.CheckpointLatency" |
    tee "$OUT/checkpoint.txt"
  "$JAVA" -Xms4g -Xmx4g -cp "$JAR" io.tidaldb.bench.CheckpointLatency 10000000 2000000 2000 5 3 \
    "$OUT/checkpoint-hgrm" 2>&1 | grep -v "INFO io.tidaldb.wal" | tee -a "$OUT/checkpoint.txt"
fi
if [[ "$ONLY" == "  " || "$ONLY" == *" idle "* ]]; then
  # the CPU an idle three-region cluster burns, in % of one core, over 10 s
  "$JAVA" -Xms1g -Xmx1g -cp "$JAR" io.tidaldb.bench.ClusterIdleCost 10 2>&1 |
    grep -v " INFO " | tee "$OUT/idle.txt"
fi
if [[ "$ONLY" == "  " || "$ONLY" == *" session-memory "* ]]; then
  # the session table's bytes per idle session at 100K and 1M sessions (RESULTS.md §17.2)
  "$JAVA" -Xms2g -Xmx2g -cp "$JAR" io.tidaldb.bench.SessionTableFootprint 100000 1000000 2>&1 |
    tee "$OUT/session-memory.txt"
fi
if [[ "$ONLY" == "  " || "$ONLY" == *" footprint "* ]]; then
  echo "== footprint" | tee "$OUT/footprint.txt"
  for gc in -XX:+UseG1GC -XX:+UseSerialGC; do
    "$JAVA" "$gc" -Xms8g -Xmx8g -cp "$JAR" io.tidaldb.bench.StateFootprint 1000000 2>&1 |
      grep -v " INFO " | tee -a "$OUT/footprint.txt"
  done
fi
if [[ "$ONLY" == "  " || "$ONLY" == *" readstorm "* ]]; then
  # JMH-free (HdrHistogram): commit latency of 1,000 durable writes/s over 1M entities, alone and
  # beside 4 readers looping top(10) and point reads (issue 13, RESULTS.md §18)
  echo "== readstorm: $JAVA -Xms4g -Xmx4g -cp $JAR io.tidaldb.bench.ReadStormLatency" |
    tee "$OUT/readstorm.txt"
  "$JAVA" -Xms4g -Xmx4g -cp "$JAR" io.tidaldb.bench.ReadStormLatency 1000000 1000 10 4 3 \
    "$OUT/readstorm-hgrm" 2>&1 | grep -v " INFO " | tee -a "$OUT/readstorm.txt"
fi
if [[ "$ONLY" == *" redis-topk "* ]]; then
  # only by name: Redis's ZREVRANGE beside TopKBenchmark at 1M entities (needs redis-server)
  JAVA="$JAVA" bench/redis-topk.sh -rf json -rff "$OUT/redis-topk.json" 2>&1 | tee "$OUT/redis-topk.txt"
fi
