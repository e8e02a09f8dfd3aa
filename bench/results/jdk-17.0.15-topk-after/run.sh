#!/usr/bin/env bash
# run TK2 (RESULTS.md §18.2): the reads of §18.1 on main with the top-K index, then ingest with and
# without it (SignalIngestBenchmark, window 4096: the jar of d7dcbb6 before the index against this
# one, arms alternated). From the repository root after building the jar; BEFORE_JAR=path.
set -x
D=bench/results/jdk-17.0.15-topk-after
git rev-parse HEAD > $D/commit.txt
bench/redis-topk.sh -rf json -rff $D/topk-1m.json > $D/redis-topk.txt 2>&1
echo "load: $(cat /proc/loadavg)" >> $D/redis-topk.txt
java -jar bench/target/benchmarks.jar TopKBenchmark -p entities=10000,100000 -rf json -rff $D/topk-small.json > $D/topk-small.txt 2>&1
echo "load: $(cat /proc/loadavg)" >> $D/topk-small.txt
java -Xms4g -Xmx4g -cp bench/target/benchmarks.jar io.tidaldb.bench.ReadStormLatency 1000000 1000 30 4 3 $D/readstorm30-hgrm > $D/readstorm30.txt 2>&1
echo "load: $(cat /proc/loadavg)" >> $D/readstorm30.txt
java -jar bench/target/benchmarks.jar TopKBenchmark -p entities=10000000 -rf json -rff $D/topk-10m.json > $D/topk-10m.txt 2>&1
echo "load: $(cat /proc/loadavg)" >> $D/topk-10m.txt
for r in 1 2; do
  for arm in after before; do
    jar=bench/target/benchmarks.jar; [ $arm = before ] && jar=$BEFORE_JAR
    java -jar $jar SignalIngestBenchmark -t 1 -p window=4096 -wi 2 -w 2 -i 5 -r 2 -f 1 > $D/ingest-r$r-$arm.txt 2>&1
    echo "load: $(cat /proc/loadavg)" >> $D/ingest-r$r-$arm.txt
  done
done
java -jar bench/target/benchmarks.jar DiskLimitsBenchmark.smallWriteForce -p writeBytes=64 -p mode=append -wi 1 -w 2 -i 3 -r 2 -f 1 > $D/limits-disk.txt 2>&1
