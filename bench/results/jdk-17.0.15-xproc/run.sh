#!/bin/sh
# ThreeProcessBench by hand (what -Pxproc runs), after
#   mvn -B -o -pl '!itests,!bench' verify -DskipTests -DskipITs
# usage: run.sh OUT-FILE TRIALS SIGNALS DURABILITY [WRITERS]
W=$(cd "$(dirname "$0")/../../.." && pwd)
M=$HOME/.m2/repository
CP=$W/distribution/target/test-classes:$W/bundles/api/target/classes:$W/bundles/router/target/classes
CP=$CP:$M/org/awaitility/awaitility/4.3.0/awaitility-4.3.0.jar:$M/org/hamcrest/hamcrest/2.2/hamcrest-2.2.jar
out=$1; shift
{ echo "== $(date -u +%FT%TZ) $(git -C "$W" rev-parse --short HEAD) uptime: $(uptime)"
  java -Xmx512m ${XPROC_KEEP:+-Dxproc.keep=1} -cp "$CP" io.tidaldb.distribution.ThreeProcessBench \
    "$W/distribution/target/tidaldb-0.1.0-SNAPSHOT" "$@" 2>&1
  echo "== exit $? $(date -u +%FT%TZ) uptime: $(uptime)"; } > "$out"
