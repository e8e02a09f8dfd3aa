#!/bin/bash
# run.sh DIR ROUNDS OLDJAR NEWJAR: the store engine split (641a2da) against its base (e8e039f),
# alternated per round, with the machine's limits measured at the start and the end.
D=$1; R=$2; OLD=$3; NEW=$4; cd $D
date -u +%H:%M:%S > start.txt
java -jar $NEW DiskLimitsBenchmark -f 1 > limits-start-disk.txt 2>&1
java -jar $NEW BareMapBenchmark -f 1 > limits-start-map.txt 2>&1
for r in $(seq 1 $R); do
  for arm in old new; do
    j=$OLD; [ $arm = new ] && j=$NEW
    java -jar $j SignalIngestBenchmark -t 2 -p window=64,4096 -f 1 -wi 2 -i 5 > r$r-$arm-ingest.txt 2>&1
    java -jar $j SessionSideBySideBenchmark -tg 2,2 -p sessions=true -p client=raw -p window=1000 -f 1 > r$r-$arm-sbs.txt 2>&1
  done
  echo "$(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> load.txt
done
java -jar $NEW DiskLimitsBenchmark -f 1 > limits-end-disk.txt 2>&1
java -jar $NEW BareMapBenchmark -f 1 > limits-end-map.txt 2>&1
date -u +%H:%M:%S > end.txt
