#!/bin/bash
# run SBW: the coalescing client at small windows (1 and 16 writes in flight per writer) against the same client alone; 2 rounds
D=/tmp/sbw; J=/tmp/sbg-new.jar; cd $D
date -u +%H:%M:%S > $D/start.txt
java -jar $J DiskLimitsBenchmark -f 1 -p mode=append -p writeBytes=64 > $D/disk.txt 2>&1
for r in 1 2; do
  for spec in w1-coal:1:product w16-coal:16:product w16-alone:16:product-alone w16-aa:16:raw; do
    arm=${spec%%:*}; rest=${spec#*:}; w=${rest%%:*}; c=${rest#*:}
    s=true; [ "$arm" = w16-aa ] && s=false
    t=r$r-$arm
    java -jar $J SessionSideBySideBenchmark -tg 2,2 -p sessions=$s -p client=$c -p window=$w -f 1 > $D/$t.txt 2>&1
    p=$(grep -E '^SessionSideBySideBenchmark.pair:plain' $D/$t.txt | awk '{print $(NF-3)}')
    q=$(grep -E '^SessionSideBySideBenchmark.pair:session' $D/$t.txt | awk '{print $(NF-3)}')
    cc=$(grep -E '^Iteration' $D/$t.txt | grep -oE 'plain/session [0-9.]+' | awk '{print $2}' | tr '\n' ' ')
    n=$(grep -E '^Iteration' $D/$t.txt | grep -oE 'plain [0-9]+ ns, session [0-9]+ ns' | tr '\n' ';')
    echo "$r $arm $p $q | $cc | $n" >> $D/pairs.txt
  done
  echo "$(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $D/load.txt
done
java -jar $J BareMapBenchmark -f 1 -p keyCount=1000000 > $D/baremap.txt 2>&1
date -u +%H:%M:%S > $D/end.txt
echo finished > $D/finished.txt
