#!/bin/bash
# The A/B of digest upkeep (bench/RESULTS.md §16.1): "with" is the commit's bench jar; "without" is
# the same commit with ShardDigest.before/after returning at once (no digest, no kept hash, no
# segment index), both built with `mvn -B -o -q -pl bench -am package -DskipTests`.
# Rounds 1-2: commit 0e94b4a; rounds 3-4: ca. 2 commits later (segment-only updates, link only
# when the kept hash leaves 0); "without" unchanged.
for round in 1 2; do
  for v in with without; do
    uptime > up-$v-$round.txt
    java -jar $v/bench/target/benchmarks.jar 'StoreApplyBenchmark.submitAndApply' -f 1 -wi 3 -i 5 -bm avgt -tu ns > ingest-$v-$round.txt 2>&1
    uptime >> up-$v-$round.txt
  done
done
java -jar with/bench/target/benchmarks.jar 'BareMapBenchmark.openAddressing' -f 1 -wi 2 -i 3 -bm avgt -tu ns > baremap.txt 2>&1
