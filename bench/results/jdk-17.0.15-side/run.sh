#!/bin/bash
# run SBS: SessionSideBySideBenchmark (both arms in one JVM at once), base 5cb270b vs main, alternated
D=/tmp/sbs; cd $D
java -jar /tmp/side.jar DiskLimitsBenchmark -f 1 > $D/disk.txt 2>&1
java -jar /tmp/side.jar BareMapBenchmark -f 1 > $D/baremap.txt 2>&1
for r in $(seq 1 5); do
  for tg in 1,1 2,2; do for j in /tmp/side-base.jar /tmp/side.jar; do
    t=r$r-tg${tg/,/-}-$(basename $j .jar)
    java -jar $j SessionSideBySideBenchmark -tg $tg -f 1 > $D/$t.txt 2>&1
    p=$(grep -E '^SessionSideBySideBenchmark.pair:plain' $D/$t.txt | awk '{print $(NF-3)}')
    s=$(grep -E '^SessionSideBySideBenchmark.pair:session' $D/$t.txt | awk '{print $(NF-3)}')
    echo "$r $tg $(basename $j) $p $s" >> $D/pairs.txt
  done; done
  echo "$(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $D/load.txt
done
java -jar /tmp/side.jar DiskLimitsBenchmark -f 1 > $D/disk-end.txt 2>&1
java -jar /tmp/side.jar BareMapBenchmark -f 1 > $D/baremap-end.txt 2>&1
date -u +%H:%M:%S > $D/end.txt
