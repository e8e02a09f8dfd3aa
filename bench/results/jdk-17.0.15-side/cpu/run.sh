#!/bin/bash
# run SBC: SessionSideBySideBenchmark -tg 2,2 with CPU per signal per store; base A/B, main A/B, main A/A, alternated
D=/tmp/cpu; cd $D
for r in 1 2 3 4; do
  for arm in base-ab main-ab main-aa; do
    case $arm in base-ab) j=/tmp/side-base3.jar; s=true;; main-ab) j=/tmp/side3.jar; s=true;; main-aa) j=/tmp/side3.jar; s=false;; esac
    t=r$r-$arm
    java -jar $j SessionSideBySideBenchmark -tg 2,2 -p sessions=$s -f 1 > $D/$t.txt 2>&1
    p=$(grep -E '^SessionSideBySideBenchmark.pair:plain' $D/$t.txt | awk '{print $(NF-3)}')
    q=$(grep -E '^SessionSideBySideBenchmark.pair:session' $D/$t.txt | awk '{print $(NF-3)}')
    c=$(grep -E '^Iteration' $D/$t.txt | grep -oE 'plain/session [0-9.]+' | awk '{print $2}' | tr '\n' ' ')
    echo "$r $arm $p $q | $c" >> $D/pairs.txt
  done
  echo "$(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $D/load.txt
done
date -u +%H:%M:%S > $D/end.txt
