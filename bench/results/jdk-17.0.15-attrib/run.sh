#!/bin/bash
# run SBC2: SessionSideBySideBenchmark -tg 2,2, CPU per signal per store: the tidal- thread attribution (side4)
# against the attribution by every thread started during a store's opening (prof-head, = main 04757f0), and an A/A run
D=/tmp/sbc2; cd $D
date -u +%H:%M:%S > $D/start.txt
java -jar /tmp/side4.jar DiskLimitsBenchmark -f 1 > $D/disk.txt 2>&1
java -jar /tmp/side4.jar BareMapBenchmark -f 1 > $D/baremap.txt 2>&1
for r in 1 2 3 4 5 6; do
  for arm in new-ab old-ab new-aa; do
    case $arm in new-ab) j=/tmp/side4.jar; s=true;; old-ab) j=/tmp/prof-head.jar; s=true;; new-aa) j=/tmp/side4.jar; s=false;; esac
    t=r$r-$arm
    java -jar $j SessionSideBySideBenchmark -tg 2,2 -p sessions=$s -f 1 > $D/$t.txt 2>&1
    p=$(grep -E '^SessionSideBySideBenchmark.pair:plain' $D/$t.txt | awk '{print $(NF-3)}')
    q=$(grep -E '^SessionSideBySideBenchmark.pair:session' $D/$t.txt | awk '{print $(NF-3)}')
    c=$(grep -E '^Iteration' $D/$t.txt | grep -oE 'plain/session [0-9.]+' | awk '{print $2}' | tr '\n' ' ')
    echo "$r $arm $p $q | $c" >> $D/pairs.txt
  done
  echo "$(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $D/load.txt
done
java -jar /tmp/side4.jar DiskLimitsBenchmark -f 1 > $D/disk-end.txt 2>&1
java -jar /tmp/side4.jar BareMapBenchmark -f 1 > $D/baremap-end.txt 2>&1
date -u +%H:%M:%S > $D/end.txt
