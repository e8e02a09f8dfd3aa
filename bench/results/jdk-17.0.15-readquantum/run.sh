#!/usr/bin/env bash
# run RQ (RESULTS.md §18.3): commit latency beside a read storm of 4 threads with the read quantum
# (100 µs, the default) and without it (0), arms alternated, same jar; then the disk's limit.
# From the repository root after `mvn -B -pl bench -am package -DskipTests`; JAR=path (default the
# built jar).
set -x
D=bench/results/jdk-17.0.15-readquantum
JAR=${JAR:-bench/target/benchmarks.jar}
git rev-parse HEAD > $D/commit.txt
for r in 1 2; do
  for q in 100 0; do
    java -Xms4g -Xmx4g -Xlog:gc:file=$D/gc-r$r-q$q.log -cp $JAR io.tidaldb.bench.ReadStormLatency 1000000 1000 30 4 3 $D/hgrm-r$r-q$q 16 $q > $D/readstorm-r$r-q$q.txt 2>&1
    echo "load: $(cat /proc/loadavg)" >> $D/readstorm-r$r-q$q.txt
  done
done
java -jar $JAR DiskLimitsBenchmark.smallWriteForce -p writeBytes=64 -p mode=append -wi 1 -w 2 -i 3 -r 2 -f 1 > $D/limits-disk.txt 2>&1
# then (after 84db8ab, the warm-up at open; jar rebuilt): the checkpoint, three times
for r in 1 2 3; do
  java -Xms4g -Xmx4g -Xlog:gc:file=$D/gc-checkpoint-r$r.log -cp $JAR io.tidaldb.bench.CheckpointLatency 10000000 2000000 2000 5 3 > $D/checkpoint-r$r.txt 2>&1
  echo "load: $(cat /proc/loadavg)" >> $D/checkpoint-r$r.txt
done
