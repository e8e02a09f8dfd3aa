#!/bin/bash
# run SQ: limits, then alternated session A/B (base 5cb270b vs head)
D=/tmp/sd; cd $D
date -u +%H:%M:%S > $D/start.txt; uptime >> $D/start.txt
java -jar /tmp/head.jar DiskLimitsBenchmark -f 1 > $D/disk.txt 2>&1
java -jar /tmp/head.jar BareMapBenchmark -f 1 > $D/baremap.txt 2>&1
run() { # jar threads sessions bench tag
  java -jar $1 SessionIngestBenchmark.$4 -t $2 -p sessions=$3 -p window=1024 -wi 2 -w 1 -i 4 -r 1 -f 1 > $D/$5.txt 2>&1
  v=$(grep -E "^SessionIngestBenchmark.$4:signals" $D/$5.txt | awk '{print $(NF-3)}')
  echo "$6 $(basename $1) $3 $v" >> $D/$7
}
for r in $(seq 1 8); do
  for j in /tmp/head.jar /tmp/direct.jar; do for s in false true; do
    run $j 2 $s signalSliding t2-r$r-$(basename $j .jar)-s$s $r t2.txt; done; done
  echo "$(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $D/load.txt
done
for r in $(seq 1 0); do
  for j in /tmp/head.jar /tmp/direct.jar; do for s in false true; do
    run $j 1 $s signalSliding t1-r$r-$(basename $j .jar)-s$s $r t1.txt; done; done
  echo "$(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $D/load.txt
done
for r in $(seq 1 3); do
  for j in /tmp/head.jar /tmp/direct.jar; do for s in false true; do
    run $j 2 $s signalWindowAndAwait w2-r$r-$(basename $j .jar)-s$s $r w2.txt; done; done
done
java -jar /tmp/head.jar DiskLimitsBenchmark -f 1 > $D/disk-end.txt 2>&1
java -jar /tmp/head.jar BareMapBenchmark -f 1 > $D/baremap-end.txt 2>&1
date -u +%H:%M:%S > $D/end.txt
