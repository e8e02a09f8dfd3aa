#!/usr/bin/env bash
# Run U (issue 12): session overhead on ingest after the primitive in-flight map (RESULTS §17.3),
# with the same-run limits. From the repository root after `mvn -B -o -pl bench -am package -DskipTests`.
set -euo pipefail
JAR=${JAR:-bench/target/benchmarks.jar}
OUT=bench/results/jdk-17.0.15-runU
step() { # name, then the command
  local name=$1
  shift
  { echo "== $name: $* ($(date -u +%H:%M:%S), $(uptime | sed 's/.*load/load/'))"; } | tee "$OUT/$name.txt"
  "$@" 2>&1 | grep -v " INFO " | tee -a "$OUT/$name.txt"
  echo "== end $(date -u +%H:%M:%S), $(uptime | sed 's/.*load/load/')" | tee -a "$OUT/$name.txt"
}
J="-wi 2 -w 2 -i 5 -r 2 -f 1"
step limits-start-disk java -jar $JAR DiskLimitsBenchmark.smallWriteForce -p writeBytes=64 -p mode=append \
  -wi 1 -w 2 -i 3 -r 2 -f 1 -rf json -rff $OUT/limits-start-disk.json
step limits-start-baremap java -jar $JAR BareMapBenchmark.openAddressing -p keyCount=1000000 \
  -wi 1 -w 2 -i 3 -r 2 -f 1 -rf json -rff $OUT/limits-start-baremap.json
# round 1: without sessions first; round 2: with sessions first (drift in the load hits both arms)
step ingest-t1-r1 java -jar $JAR SessionIngestBenchmark -t 1 -p sessions=false,true $J -prof gc \
  -rf json -rff $OUT/ingest-t1-r1.json
step ingest-t1-r2 java -jar $JAR SessionIngestBenchmark -t 1 -p sessions=true,false $J -prof gc \
  -rf json -rff $OUT/ingest-t1-r2.json
step limits-end-baremap java -jar $JAR BareMapBenchmark.openAddressing -p keyCount=1000000 \
  -wi 1 -w 2 -i 3 -r 2 -f 1 -rf json -rff $OUT/limits-end-baremap.json
