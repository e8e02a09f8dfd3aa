#!/bin/bash
# run Q: A/B with CPU time; after.jar = 5ebcd1a + bench CPU measurement, base.jar = 18151ac + the same bench classes
cd /tmp/perf-runQ
u() { echo "$(date -u +%H:%M:%S) $1 $(cat /proc/loadavg)" >> uptime.txt; }
u start
java -jar after.jar 'BareMapBenchmark.openAddressing' -f 1 -wi 2 -i 3 -bm avgt -tu ns > baremap-1.txt 2>&1; u baremap
for round in 1 2; do
for j in after base; do
  java -jar $j.jar 'ReconcileBenchmark' -p shared=0,100000,1000000 -f 1 -wi 3 -i 5 -rf json -rff reconcile-$j-$round.json > reconcile-$j-$round.txt 2>&1; u reconcile-$j-$round
  java -cp $j.jar io.tidaldb.bench.ReconcileClusterTiming 10000 5 > cluster-$j-$round.txt 2>&1; u cluster-$j-$round
done
done
java -jar after.jar 'DigestUpkeepBenchmark' -f 1 -wi 2 -i 5 -bm avgt -tu ns > upkeep-after.txt 2>&1; u upkeep
for j in after base after base; do
java -jar $j.jar 'StoreApplyBenchmark.submitAndApply' -f 1 -wi 2 -i 3 -bm avgt -tu ns >> ingest-$j.txt 2>&1; u ingest-$j
done
java -jar after.jar 'BareMapBenchmark.openAddressing' -f 1 -wi 2 -i 3 -bm avgt -tu ns > baremap-2.txt 2>&1; u baremap
echo ALLDONE >> uptime.txt
