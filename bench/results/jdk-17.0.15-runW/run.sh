#!/usr/bin/env bash
# Run W (issue 12): session overhead on ingest after the session path's cache and monitor costs
# were cut (RESULTS §17.5), the branch's jar against main's (a5d433f) in one run, arms alternated,
# with the same-run limits and the CPU seconds of each arm's run. From the repository root after
# `mvn -B -o -pl bench -am package -DskipTests` on each commit (MAIN_JAR: main's benchmarks.jar
# copied aside).
set -euo pipefail
JAR=${JAR:-bench/target/benchmarks.jar}
MAIN_JAR=${MAIN_JAR:?the base commit\'s benchmarks.jar}
OUT=${OUT:-bench/results/jdk-17.0.15-runW}
step() { # name, then the command
  local name=$1
  shift
  { echo "== $name: $* ($(date -u +%H:%M:%S), $(uptime | sed 's/.*load/load/'))"; } | tee "$OUT/$name.txt"
  "$@" 2>&1 | grep -v " INFO " >> "$OUT/$name.txt"
  echo "== end $(date -u +%H:%M:%S), $(uptime | sed 's/.*load/load/')" | tee -a "$OUT/$name.txt"
  grep -E ":signals " "$OUT/$name.txt" | tail -1 || true
}
J="-wi 2 -w 2 -i 5 -r 2 -f 1"
arm() { # round, window, jar tag, sessions
  local jar=$JAR
  [ "$3" = main ] && jar=$MAIN_JAR
  step "ingest-w$2-r$1-$3-s$4" /usr/bin/time -f "cpu: %U s user, %S s sys" \
    java -jar $jar SessionIngestBenchmark -t 1 -p sessions=$4 -p window=$2 $J \
    -prof gc -rf json -rff "$OUT/ingest-w$2-r$1-$3-s$4.json"
}
step limits-start-disk java -jar $JAR DiskLimitsBenchmark.smallWriteForce -p writeBytes=64 -p mode=append \
  -wi 1 -w 2 -i 3 -r 2 -f 1 -rf json -rff $OUT/limits-start-disk.json
step limits-start-baremap java -jar $JAR BareMapBenchmark.openAddressing -p keyCount=1000000 \
  -wi 1 -w 2 -i 3 -r 2 -f 1 -rf json -rff $OUT/limits-start-baremap.json
for p in $(seq 1 "${PAIRS:-1}"); do
  for w in 1024 64; do
    # odd round: branch without, branch with, main with, main without; even round the reverse
    a=$((2 * p - 1))
    b=$((2 * p))
    arm $a $w branch false; arm $a $w branch true; arm $a $w main true; arm $a $w main false
    arm $b $w main false; arm $b $w main true; arm $b $w branch true; arm $b $w branch false
  done
done
step limits-end-baremap java -jar $JAR BareMapBenchmark.openAddressing -p keyCount=1000000 \
  -wi 1 -w 2 -i 3 -r 2 -f 1 -rf json -rff $OUT/limits-end-baremap.json
step limits-end-disk java -jar $JAR DiskLimitsBenchmark.smallWriteForce -p writeBytes=64 -p mode=append \
  -wi 1 -w 2 -i 3 -r 2 -f 1 -rf json -rff $OUT/limits-end-disk.json
