#!/bin/bash
# run PA: CPU per signal by thread (async-profiler cpu samples, 10 ms, per million signals), one hop per commit (head) against one per record (before), alternated
D=/tmp/pa; cd $D
date -u +%H:%M:%S > $D/start.txt
for r in 1 2 3; do
  for j in before after; do
    case $j in before) jar=/tmp/side4.jar;; after) jar=/tmp/h3.jar;; esac
    for s in false true; do
      t=r$r-$j-s$s; rm -rf $D/$t; mkdir -p $D/$t
      java -jar $jar SessionIngestBenchmark.signalSliding -t 2 -p sessions=$s -p window=1024 -wi 2 -w 2 -i 1 -r 10 -f 1 -prof "async:libPath=/tmp/apl/linux-x64/libasyncProfiler.so;event=cpu;threads=true;output=collapsed;dir=$D/$t" > $D/$t.txt 2>&1
    done
  done
  echo "$(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $D/load.txt
done
date -u +%H:%M:%S > $D/end.txt
