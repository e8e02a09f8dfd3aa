#!/bin/bash
# run SBC: single writes side by side, AcceptedCounts (34b1fbb) against 148dee1 (LongAdders), and A/A on the new jar; 4 rounds
D=/tmp/sbc; cd $D
date -u +%H:%M:%S > $D/start.txt
java -jar $D/new.jar DiskLimitsBenchmark -f 1 > $D/disk.txt 2>&1
java -jar $D/new.jar BareMapBenchmark -f 1 > $D/baremap.txt 2>&1
for r in 1 2 3 4; do
  for arm in new old aa; do
    case $arm in new) j=$D/new.jar; s=true;; old) j=$D/old.jar; s=true;; aa) j=$D/new.jar; s=false;; esac
    t=r$r-$arm
    java -jar $j SessionSideBySideBenchmark -tg 2,2 -p sessions=$s -f 1 > $D/$t.txt 2>&1
    p=$(grep -E '^SessionSideBySideBenchmark.pair:plain' $D/$t.txt | awk '{print $(NF-3)}')
    q=$(grep -E '^SessionSideBySideBenchmark.pair:session' $D/$t.txt | awk '{print $(NF-3)}')
    c=$(grep -E '^Iteration' $D/$t.txt | grep -oE 'plain/session [0-9.]+' | awk '{print $2}' | tr '\n' ' ')
    n=$(grep -E '^Iteration' $D/$t.txt | grep -oE 'plain [0-9]+ ns, session [0-9]+ ns' | tr '\n' ';')
    echo "$r $arm $p $q | $c | $n" >> $D/pairs.txt
  done
  echo "$(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $D/load.txt
done
java -jar $D/new.jar DiskLimitsBenchmark -f 1 > $D/disk-end.txt 2>&1
java -jar $D/new.jar BareMapBenchmark -f 1 > $D/baremap-end.txt 2>&1
date -u +%H:%M:%S > $D/end.txt
