#!/bin/bash
# run SBP: SessionSideBySideBenchmark through the public SignalStore.signalBatchAsync (api 1.9, parts routed by WritePath.partAsync); batches of 4/16/64 per... (-p batch=16/64/256 → ~4/16/64 per part), A/A at 64; 3 rounds
D=/tmp/sbp; cd $D; J=/tmp/bench-pub.jar
date -u +%H:%M:%S > $D/start.txt
java -jar $J DiskLimitsBenchmark -f 1 > $D/disk.txt 2>&1
java -jar $J BareMapBenchmark -f 1 > $D/baremap.txt 2>&1
for r in 1 2 3; do
  for arm in b64 aa64 b16 b256; do
    case $arm in b64) b=64; s=true;; aa64) b=64; s=false;; b16) b=16; s=true;; b256) b=256; s=true;; esac
    t=r$r-$arm
    java -jar $J SessionSideBySideBenchmark -tg 2,2 -p sessions=$s -p batch=$b -f 1 > $D/$t.txt 2>&1
    p=$(grep -E '^SessionSideBySideBenchmark.pair:plain' $D/$t.txt | awk '{print $(NF-3)}')
    q=$(grep -E '^SessionSideBySideBenchmark.pair:session' $D/$t.txt | awk '{print $(NF-3)}')
    c=$(grep -E '^Iteration' $D/$t.txt | grep -oE 'plain/session [0-9.]+' | awk '{print $2}' | tr '\n' ' ')
    n=$(grep -E '^Iteration' $D/$t.txt | grep -oE 'plain [0-9]+ ns, session [0-9]+ ns' | tr '\n' ';')
    echo "$r $arm $p $q | $c | $n" >> $D/pairs.txt
  done
  echo "$(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $D/load.txt
done
java -jar $J DiskLimitsBenchmark -f 1 > $D/disk-end.txt 2>&1
java -jar $J BareMapBenchmark -f 1 > $D/baremap-end.txt 2>&1
date -u +%H:%M:%S > $D/end.txt
