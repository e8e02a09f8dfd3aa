#!/bin/bash
# generic: run.sh D rounds arm=jar:sessions ...
D=$1; R=$2; shift 2; cd $D
date -u +%H:%M:%S > $D/start.txt
for r in $(seq 1 $R); do
  for spec in "$@"; do
    arm=${spec%%=*}; rest=${spec#*=}; j=${rest%%:*}; rest2=${rest#*:}; s=${rest2%%:*}; c=${rest2#*:}
    t=r$r-$arm
    java -jar $j SessionSideBySideBenchmark -tg 2,2 -p sessions=$s -p client=$c -p window=1000 -f 1 > $D/$t.txt 2>&1
    p=$(grep -E '^SessionSideBySideBenchmark.pair:plain' $D/$t.txt | awk '{print $(NF-3)}')
    q=$(grep -E '^SessionSideBySideBenchmark.pair:session' $D/$t.txt | awk '{print $(NF-3)}')
    c=$(grep -E '^Iteration' $D/$t.txt | grep -oE 'plain/session [0-9.]+' | awk '{print $2}' | tr '\n' ' ')
    n=$(grep -E '^Iteration' $D/$t.txt | grep -oE 'plain [0-9]+ ns, session [0-9]+ ns' | tr '\n' ';')
    echo "$r $arm $p $q | $c | $n" >> $D/pairs.txt
  done
  echo "$(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $D/load.txt
done
date -u +%H:%M:%S > $D/end.txt
