#!/usr/bin/env bash
# Issue 14, item 5: replication over loopback TCP (plaintext and mutual TLS 1.3) beside the
# in-process transport, with the loopback round trip and the disk limit in the same run; arms
# alternated (round 1 inprocess, tcp, tls; round 2 the reverse).
# JAR: bench/target/benchmarks.jar of branch wp-tcpbench (copied aside so rebuilds do not touch it).
set -uo pipefail
JAR=${JAR:?}; OUT=${OUT:?}
step() { local name=$1; shift
  { echo "== $name: $* ($(date -u +%H:%M:%S), $(uptime | sed 's/.*load/load/'))"; } > "$OUT/$name.txt"
  "$@" 2>&1 | awk '!/ INFO / || /TcpMetrics/' >> "$OUT/$name.txt"
  echo "== end $(date -u +%H:%M:%S), $(uptime | sed 's/.*load/load/')" >> "$OUT/$name.txt"
  grep -E "^DiskLimits|^\| |:signals |^cpu:" "$OUT/$name.txt" | sed "s/^/$name: /" ; }
disk() { step "disk-$1" java -jar $JAR DiskLimitsBenchmark.smallWriteForce -p writeBytes=64 -p mode=append \
  -wi 1 -w 2 -i 3 -r 2 -f 1 -rf json -rff "$OUT/disk-$1.json"; }
rtt() { step "rtt-$1" java -Xms1g -Xmx1g -cp $JAR io.tidaldb.bench.LoopbackRtt 100000 20000; }
latency() { # round transport
  step "latency-r$1-$2" /usr/bin/time -f "cpu: %U s user, %S s sys" java -Xms2g -Xmx2g -cp $JAR \
    io.tidaldb.bench.ReplicationLatency --transport=$2 10000 2000 "$OUT/latency-r$1-$2-hgrm"; }
throughput() { # round transport
  step "throughput-r$1-$2" /usr/bin/time -f "cpu: %U s user, %S s sys" java -jar $JAR \
    ReplicationThroughputBenchmark -p count=250000 -p writers=1,2 -p transport=$2 -wi 1 -i 3 -f 1 \
    -rf json -rff "$OUT/throughput-r$1-$2.json"; }
# PART=1 (03:53:32-03:59:10): rounds 1 and 2; PART=2 (started 03:59): rounds 3 and 4, same order
case ${PART:-1} in
1)
disk start; rtt 1
latency 1 inprocess; latency 1 tcp; latency 1 tls
throughput 1 inprocess; throughput 1 tcp; throughput 1 tls
rtt 2
latency 2 tls; latency 2 tcp; latency 2 inprocess
throughput 2 tls; throughput 2 tcp; throughput 2 inprocess
rtt 3; disk end ;;
2)
disk start2; rtt 4
latency 3 inprocess; latency 3 tcp; latency 3 tls
throughput 3 inprocess; throughput 3 tcp; throughput 3 tls
rtt 5
latency 4 tls; latency 4 tcp; latency 4 inprocess
throughput 4 tls; throughput 4 tcp; throughput 4 inprocess
rtt 6; disk end2 ;;
3)
# PART=3 (after 04:05), JAR = the rebuild with ReplicationLatency counting UnavailableException
# (latency-r3-tls had died of one: leadership moved while a forwarded call waited)
latency 5 tls; latency 5 tcp; latency 5 inprocess; disk end3 ;;
esac
