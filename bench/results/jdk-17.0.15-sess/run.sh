#!/usr/bin/env bash
# Issue 12, wp-sess: session overhead of HEAD_JAR beside BASE_JAR in one run, arms alternated as in
# run Y (RESULTS §17.7): odd rounds head without, head with, base with, base without; even rounds the
# reverse. Each arm keeps the benchmark's heap annotation (no -jvmArgsAppend).
# HEAD_JAR=... BASE_JAR=... OUT=... ROUNDS=3 WINDOWS="1024 64" LIMITS=1 run.sh
set -uo pipefail
HEAD_JAR=${HEAD_JAR:?}; BASE_JAR=${BASE_JAR:?}; OUT=${OUT:?}; ROUNDS=${ROUNDS:-3}; WINDOWS=${WINDOWS:-1024}
LIMITS=${LIMITS:-1}
mkdir -p "$OUT"
step() { local name=$1; shift
  { echo "== $name: $* ($(date -u +%H:%M:%S), $(uptime | sed 's/.*load/load/'))"; } > "$OUT/$name.txt"
  "$@" 2>&1 | grep -v " INFO " >> "$OUT/$name.txt"
  echo "== end $(date -u +%H:%M:%S), $(uptime | sed 's/.*load/load/')" >> "$OUT/$name.txt"
  grep -E "^DiskLimits|^BareMap|:signals |^cpu:|^== " "$OUT/$name.txt" | sed "s/^/$name: /" ; }
J="-wi 2 -w 2 -i 5 -r 2 -f 1"
arm() { # round window tag sessions jar
  step "ingest-w$2-r$1-$3-s$4" /usr/bin/time -f "cpu: %U s user, %S s sys" \
    java -jar $5 SessionIngestBenchmark -t 1 -p sessions=$4 -p window=$2 $J -prof gc -rf json -rff "$OUT/ingest-w$2-r$1-$3-s$4.json"; }
if [ "$LIMITS" = 1 ]; then
  step limits-start-disk java -jar $HEAD_JAR DiskLimitsBenchmark.smallWriteForce -p writeBytes=64 -p mode=append -wi 1 -w 2 -i 3 -r 2 -f 1
  step limits-start-baremap java -jar $HEAD_JAR BareMapBenchmark.openAddressing -p keyCount=1000000 -wi 1 -w 2 -i 3 -r 2 -f 1
fi
for w in $WINDOWS; do
  for r in $(seq 1 $ROUNDS); do
    if [ $((r % 2)) = 1 ]; then
      arm $r $w head false $HEAD_JAR; arm $r $w head true $HEAD_JAR; arm $r $w base true $BASE_JAR; arm $r $w base false $BASE_JAR
    else
      arm $r $w base false $BASE_JAR; arm $r $w base true $BASE_JAR; arm $r $w head true $HEAD_JAR; arm $r $w head false $HEAD_JAR
    fi
  done
done
if [ "$LIMITS" = 1 ]; then
  step limits-end-baremap java -jar $HEAD_JAR BareMapBenchmark.openAddressing -p keyCount=1000000 -wi 1 -w 2 -i 3 -r 2 -f 1
fi
