#!/usr/bin/env bash
# run TK1 (RESULTS.md §18.1), from the repository root after building the jar
set -x

git rev-parse HEAD > bench/results/jdk-17.0.15-topk-before/commit.txt
bench/redis-topk.sh -rf json -rff bench/results/jdk-17.0.15-topk-before/topk-1m.json > bench/results/jdk-17.0.15-topk-before/redis-topk.txt 2>&1
echo "load: $(cat /proc/loadavg)" >> bench/results/jdk-17.0.15-topk-before/redis-topk.txt
java -jar bench/target/benchmarks.jar TopKBenchmark -p entities=10000,100000 -rf json -rff bench/results/jdk-17.0.15-topk-before/topk-small.json > bench/results/jdk-17.0.15-topk-before/topk-small.txt 2>&1
echo "load: $(cat /proc/loadavg)" >> bench/results/jdk-17.0.15-topk-before/topk-small.txt
java -Xms4g -Xmx4g -cp bench/target/benchmarks.jar io.tidaldb.bench.ReadStormLatency 1000000 1000 10 4 3 bench/results/jdk-17.0.15-topk-before/readstorm-hgrm > bench/results/jdk-17.0.15-topk-before/readstorm.txt 2>&1
echo "load: $(cat /proc/loadavg)" >> bench/results/jdk-17.0.15-topk-before/readstorm.txt
java -jar bench/target/benchmarks.jar TopKBenchmark -p entities=10000000 -rf json -rff bench/results/jdk-17.0.15-topk-before/topk-10m.json > bench/results/jdk-17.0.15-topk-before/topk-10m.txt 2>&1
echo "load: $(cat /proc/loadavg)" >> bench/results/jdk-17.0.15-topk-before/topk-10m.txt
java -Xms4g -Xmx4g -cp bench/target/benchmarks.jar io.tidaldb.bench.ReadStormLatency 1000000 1000 30 4 3 bench/results/jdk-17.0.15-topk-before/readstorm30-hgrm > bench/results/jdk-17.0.15-topk-before/readstorm30.txt
java -Xms4g -Xmx4g -cp bench/target/benchmarks.jar io.tidaldb.bench.ReadStormLatency 1000000 1000 15 1 3 > bench/results/jdk-17.0.15-topk-before/readstorm-1reader.txt
