#!/bin/bash
# run SBG: single writes side by side through the product client coalescing (efbc321) / alone, the raw store path, A/A; 3 rounds
D=/tmp/sbg; J=/tmp/sbg-new.jar
java -jar $J DiskLimitsBenchmark -f 1 > $D/disk.txt 2>&1
java -jar $J BareMapBenchmark -f 1 > $D/baremap.txt 2>&1
bash /work/main/bench/results/jdk-17.0.15-counts/sbe/run.sh $D 3 coal=$J:true:product alone=$J:true:product-alone raw=$J:true:raw aa=$J:false:raw
java -jar $J DiskLimitsBenchmark -f 1 > $D/disk-end.txt 2>&1
java -jar $J BareMapBenchmark -f 1 > $D/baremap-end.txt 2>&1
echo finished > $D/finished.txt
