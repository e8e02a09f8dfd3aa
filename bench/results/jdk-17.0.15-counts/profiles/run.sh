#!/bin/bash
D=/tmp/pf; cd $D
for s in false true; do
  t=$1-s$s; rm -rf $D/$t; mkdir -p $D/$t
  java -jar $2 SessionIngestBenchmark.signalSliding -t 2 -p sessions=$s -p window=1024 -wi 2 -w 2 -i 1 -r 10 -f 1 -prof "async:libPath=/tmp/apl/linux-x64/libasyncProfiler.so;event=cpu;interval=1000000;threads=true;output=collapsed;dir=$D/$t" > $D/$t.txt 2>&1
done
