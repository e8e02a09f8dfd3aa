#!/usr/bin/env bash
# Issue 12: per-change session overhead, five jars alternated (forward on odd rounds, reverse on even),
# each jar's arm without then with sessions (with then without on even rounds).
# JARDIR=... JARS="base s1 s2 s3 main" OUT=... ROUNDS=3 WINDOW=1024 run-multi.sh
set -uo pipefail
JARDIR=${JARDIR:?}; OUT=${OUT:?}; ROUNDS=${ROUNDS:-3}; WINDOW=${WINDOW:-1024}; JARS=${JARS:-"base s1 s2 s3 main"}
mkdir -p "$OUT"
step() { local name=$1; shift
  { echo "== $name: $* ($(date -u +%H:%M:%S), $(uptime | sed 's/.*load/load/'))"; } > "$OUT/$name.txt"
  "$@" 2>&1 | grep -v " INFO " >> "$OUT/$name.txt"
  echo "== end $(date -u +%H:%M:%S), $(uptime | sed 's/.*load/load/')" >> "$OUT/$name.txt"
  grep -E "^DiskLimits|^BareMap|:signals |^cpu:|^== " "$OUT/$name.txt" | sed "s/^/$name: /" ; }
J="-wi 2 -w 2 -i 5 -r 2 -f 1"
arm() { # round tag sessions
  step "ingest-w$WINDOW-r$1-$2-s$3" /usr/bin/time -f "cpu: %U s user, %S s sys" \
    java -jar $JARDIR/$2.jar SessionIngestBenchmark -t 1 -p sessions=$3 -p window=$WINDOW $J -prof gc -rf json -rff "$OUT/ingest-w$WINDOW-r$1-$2-s$3.json"; }
FIRST=$(echo $JARS | awk '{print $1}')
step limits-start-disk java -jar $JARDIR/$FIRST.jar DiskLimitsBenchmark.smallWriteForce -p writeBytes=64 -p mode=append -wi 1 -w 2 -i 3 -r 2 -f 1
step limits-start-baremap java -jar $JARDIR/$FIRST.jar BareMapBenchmark.openAddressing -p keyCount=1000000 -wi 1 -w 2 -i 3 -r 2 -f 1
REV=$(echo $JARS | tr ' ' '\n' | tac | tr '\n' ' ')
for r in $(seq 1 $ROUNDS); do
  if [ $((r % 2)) = 1 ]; then for j in $JARS; do arm $r $j false; arm $r $j true; done
  else for j in $REV; do arm $r $j true; arm $r $j false; done; fi
done
step limits-end-baremap java -jar $JARDIR/$FIRST.jar BareMapBenchmark.openAddressing -p keyCount=1000000 -wi 1 -w 2 -i 3 -r 2 -f 1
