#!/usr/bin/env bash
# prof.sh JAR TAG SESSIONS -> per-thread itimer samples of one arm (window 1024)
JAR=$1; TAG=$2; S=$3; OUT=${PROF_OUT:-/tmp/sess-prof}/$TAG-s$S
rm -rf $OUT; mkdir -p $OUT
java -jar $JAR SessionIngestBenchmark -t 1 -p sessions=$S -p window=1024 -wi 2 -w 2 -i 5 -r 2 -f 1 \
  -prof "async:libPath=/tmp/apl/linux-x64/libasyncProfiler.so;event=itimer;interval=1000000;threads=true;output=collapsed;dir=$OUT" > $OUT/jmh.txt 2>&1
grep -E ':signals ' $OUT/jmh.txt
