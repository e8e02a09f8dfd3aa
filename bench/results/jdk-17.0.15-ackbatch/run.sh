#!/bin/bash
# run AB: one hop per commit to the ack threads (ackb) against one per record (side4 = 04757f0 + the attribution fix)
D=/tmp/ackb; cd $D
date -u +%H:%M:%S > $D/start.txt
for r in 1 2 3 4 5; do
  for j in /tmp/side4.jar /tmp/ackb.jar; do
    for s in false true; do
      t=r$r-$(basename $j .jar)-s$s
      java -jar $j SessionIngestBenchmark.signalSliding -t 2 -p window=1024 -p sessions=$s -wi 2 -w 1 -i 4 -r 1 -f 1 -prof gc > $D/$t.txt 2>&1
      echo "$r $(basename $j .jar) $s $(grep -E '^SessionIngestBenchmark.signalSliding +' $D/$t.txt | awk '{print $(NF-3)}') $(grep -E 'gc.alloc.rate.norm' $D/$t.txt | awk '{print $(NF-3)}')" >> $D/pairs.txt
    done
  done
  echo "$(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $D/load.txt
done
date -u +%H:%M:%S > $D/end.txt
