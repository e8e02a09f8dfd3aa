#!/usr/bin/env bash
# Run Y (issue 12): session overhead of main d7dcbb6 (CRC32C tables, the FIFO durability waiters) beside
# main 9b2d23c (run X's head) in the same run, arms alternated.
set -uo pipefail
HEAD_JAR=${HEAD_JAR:?}; BASE_JAR=${BASE_JAR:?}; OUT=${OUT:?}
step() { local name=$1; shift
  { echo "== $name: $* ($(date -u +%H:%M:%S), $(uptime | sed 's/.*load/load/'))"; } > "$OUT/$name.txt"
  "$@" 2>&1 | grep -v " INFO " >> "$OUT/$name.txt"
  echo "== end $(date -u +%H:%M:%S), $(uptime | sed 's/.*load/load/')" >> "$OUT/$name.txt"
  grep -E "^DiskLimits|^BareMap|:signals |^cpu:" "$OUT/$name.txt" | sed "s/^/$name: /" ; }
J="-wi 2 -w 2 -i 5 -r 2 -f 1"
arm() { # round window tag sessions jar
  step "ingest-w$2-r$1-$3-s$4" /usr/bin/time -f "cpu: %U s user, %S s sys" \
    java -jar $5 SessionIngestBenchmark -t 1 -p sessions=$4 -p window=$2 $J -prof gc -rf json -rff "$OUT/ingest-w$2-r$1-$3-s$4.json"; }
step limits-start-disk java -jar $HEAD_JAR DiskLimitsBenchmark.smallWriteForce -p writeBytes=64 -p mode=append -wi 1 -w 2 -i 3 -r 2 -f 1
step limits-start-baremap java -jar $HEAD_JAR BareMapBenchmark.openAddressing -p keyCount=1000000 -wi 1 -w 2 -i 3 -r 2 -f 1
arm 1 1024 head false $HEAD_JAR; arm 1 1024 head true $HEAD_JAR; arm 1 1024 base true $BASE_JAR; arm 1 1024 base false $BASE_JAR
arm 2 1024 base false $BASE_JAR; arm 2 1024 base true $BASE_JAR; arm 2 1024 head true $HEAD_JAR; arm 2 1024 head false $HEAD_JAR
arm 3 1024 head false $HEAD_JAR; arm 3 1024 head true $HEAD_JAR; arm 3 1024 base true $BASE_JAR; arm 3 1024 base false $BASE_JAR
arm 1 64 head false $HEAD_JAR; arm 1 64 head true $HEAD_JAR; arm 2 64 head true $HEAD_JAR; arm 2 64 head false $HEAD_JAR
step limits-end-baremap java -jar $HEAD_JAR BareMapBenchmark.openAddressing -p keyCount=1000000 -wi 1 -w 2 -i 3 -r 2 -f 1
