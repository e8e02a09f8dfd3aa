#!/bin/bash
cd /tmp/runS
uptime > uptime.txt
java -jar seg.jar 'BareMapBenchmark.openAddressing' -f 1 -wi 2 -i 3 -bm avgt -tu ns > baremap-1.txt 2>&1
java -jar seg.jar 'ReconcileBenchmark' -f 1 -wi 3 -i 5 > reconcile-seg.txt 2>&1
uptime >> uptime.txt
java -jar seg.jar 'ReconcileBenchmark' -p shared=1000000 -p segmentMinEntities=2147483647 -f 1 -wi 3 -i 5 > reconcile-fp-1m.txt 2>&1
java -jar /tmp/bench-base.jar 'ReconcileBenchmark' -p shared=1000000 -f 1 -wi 3 -i 5 > reconcile-base-1m.txt 2>&1
uptime >> uptime.txt
java -cp seg.jar io.tidaldb.bench.ReconcileClusterTiming 10000 5 > cluster-seg.txt 2>&1
java -cp /tmp/bench-base.jar io.tidaldb.bench.ReconcileClusterTiming 10000 5 > cluster-base.txt 2>&1
uptime >> uptime.txt
java -jar seg.jar 'BareMapBenchmark.openAddressing' -f 1 -wi 2 -i 3 -bm avgt -tu ns > baremap-2.txt 2>&1
uptime >> uptime.txt
echo finished > done.txt
