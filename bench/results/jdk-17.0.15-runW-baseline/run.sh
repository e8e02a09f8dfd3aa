#!/usr/bin/env bash
set -uo pipefail
JAR=${JAR:-bench/target/benchmarks.jar}
OUT=${OUT:-/tmp/runW}
step() { local name=$1; shift
  { echo "== $name: $* ($(date -u +%H:%M:%S), $(uptime | sed 's/.*load/load/'))"; } | tee "$OUT/$name.txt"
  "$@" 2>&1 | grep -v " INFO " >> "$OUT/$name.txt"
  echo "== end $(date -u +%H:%M:%S), $(uptime | sed 's/.*load/load/')" | tee -a "$OUT/$name.txt"
  grep -E "^SessionIngest|^DiskLimits|^BareMap|:signals " "$OUT/$name.txt" | tail -4 ; }
J="-wi 2 -w 2 -i 5 -r 2 -f 1"
arm() { step "ingest-w$2-r$1-$3-s$4" /usr/bin/time -f "cpu: %U s user, %S s sys" \
    java -jar ${5:-$JAR} SessionIngestBenchmark -t 1 -p sessions=$4 -p window=$2 $J -prof gc -rf json -rff "$OUT/ingest-w$2-r$1-$3-s$4.json"; }
step limits-start-disk java -jar $JAR DiskLimitsBenchmark.smallWriteForce -p writeBytes=64 -p mode=append -wi 1 -w 2 -i 3 -r 2 -f 1
step limits-start-baremap java -jar $JAR BareMapBenchmark.openAddressing -p keyCount=1000000 -wi 1 -w 2 -i 3 -r 2 -f 1
for w in 1024 64; do arm 1 $w main false; arm 1 $w main true; arm 2 $w main true; arm 2 $w main false; done
step limits-end-baremap java -jar $JAR BareMapBenchmark.openAddressing -p keyCount=1000000 -wi 1 -w 2 -i 3 -r 2 -f 1
