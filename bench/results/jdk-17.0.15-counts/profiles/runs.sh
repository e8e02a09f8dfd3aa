#!/bin/bash
# runs.sh tag jar : session arm only, with line numbers
D=/tmp/pf; t=$1-strue; rm -rf $D/$t; mkdir -p $D/$t
java -jar $2 SessionIngestBenchmark.signalSliding -t 2 -p sessions=true -p window=1024 -wi 2 -w 2 -i 1 -r 10 -f 1 -prof "async:libPath=/tmp/apl/linux-x64/libasyncProfiler.so;event=cpu;interval=1000000;threads=true;output=collapsed;dir=$D/$t;rawCommand=lines" > $D/$t.txt 2>&1
f=$(ls $D/$t/*/collapsed-cpu.csv); n=$(grep -E "signalSliding:signals" $D/$t.txt | tail -1 | awk '{print $(NF-1)}'); tot=$(awk '{s+=$NF} END{print s}' $f)
echo "$t signals/s=$n ns/signal=$(python3 -c "print(round($tot*1e5/$n))")"
