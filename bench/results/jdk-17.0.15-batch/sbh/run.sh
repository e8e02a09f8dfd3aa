#!/bin/bash
# run SBH: singles old (419a384) vs new (the batch slices + part hash of signal hashes), and batch 64 / 16 with the new part hash
D=/tmp/sbh; cd $D
date -u +%H:%M:%S > $D/start.txt
java -jar /tmp/bench-hash.jar DiskLimitsBenchmark -f 1 > $D/disk.txt 2>&1
java -jar /tmp/bench-hash.jar BareMapBenchmark -f 1 > $D/baremap.txt 2>&1
for r in 1 2 3 4; do
  for arm in single-new single-old b64 b16; do
    case $arm in single-new) j=/tmp/bench-hash.jar; b=0;; single-old) j=/tmp/bench-old.jar; b=-;; b64) j=/tmp/bench-hash.jar; b=64;; b16) j=/tmp/bench-hash.jar; b=16;; esac
    t=r$r-$arm
    if [ "$b" = "-" ]; then
      java -jar $j SessionSideBySideBenchmark -tg 2,2 -f 1 > $D/$t.txt 2>&1
    else
      java -jar $j SessionSideBySideBenchmark -tg 2,2 -p batch=$b -f 1 > $D/$t.txt 2>&1
    fi
    p=$(grep -E '^SessionSideBySideBenchmark.pair:plain' $D/$t.txt | awk '{print $(NF-3)}')
    q=$(grep -E '^SessionSideBySideBenchmark.pair:session' $D/$t.txt | awk '{print $(NF-3)}')
    c=$(grep -E '^Iteration' $D/$t.txt | grep -oE 'plain/session [0-9.]+' | awk '{print $2}' | tr '\n' ' ')
    n=$(grep -E '^Iteration' $D/$t.txt | grep -oE 'plain [0-9]+ ns, session [0-9]+ ns' | tr '\n' ';')
    echo "$r $arm $p $q | $c | $n" >> $D/pairs.txt
  done
  echo "$(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $D/load.txt
done
java -jar /tmp/bench-hash.jar DiskLimitsBenchmark -f 1 > $D/disk-end.txt 2>&1
java -jar /tmp/bench-hash.jar BareMapBenchmark -f 1 > $D/baremap-end.txt 2>&1
date -u +%H:%M:%S > $D/end.txt
