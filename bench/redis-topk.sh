#!/usr/bin/env bash
# Top-K reads beside Redis, in one run (issue 13, RESULTS.md §18). From the repository root, after
# building bench/target/benchmarks.jar (mvn -B -o -q -pl bench -am package -DskipTests):
#   [JAVA=java] [N=1000000] [REQUESTS=100000] [PORT=6399] bench/redis-topk.sh [extra JMH args]
# 1. If redis-server is on PATH (Debian: apt-get install redis-server): starts a private server on
#    PORT (no persistence), loads N members into the sorted set "trending" with redis-cli --pipe,
#    measures ZREVRANGE trending 0 9 WITHSCORES (REQUESTS requests) and 0 999 (REQUESTS/10) with
#    redis-benchmark on one connection (-c 1) and prints the Redis version and p50/p99/p99.9, then
#    stops the server. Otherwise prints that it skips the Redis side.
# 2. Runs TopKBenchmark for entities=N, k 10 and 1000, from the jar (JMH SampleTime).
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA=${JAVA:-java}
JAR=bench/target/benchmarks.jar
N=${N:-1000000}
REQUESTS=${REQUESTS:-100000}
PORT=${PORT:-6399}

echo "== $(date -u +%FT%TZ) $(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg)"

if command -v redis-server >/dev/null 2>&1; then
  echo "== Redis: $(redis-server --version)"
  work=$(mktemp -d /tmp/redis-topk.XXXXXX)
  redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
    --daemonize no --logfile "$work/redis.log" &
  pid=$!
  trap 'redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true;
        wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
  for _ in $(seq 1 100); do
    if redis-cli -p "$PORT" ping >/dev/null 2>&1; then break; fi
    sleep 0.1
  done
  redis-cli -p "$PORT" ping >/dev/null
  started=$(date +%s%N)
  # RESP: ZADD trending <score> e<i>, seeded scores in [0, 1000): 1,000,000 distinct members.
  awk -v n="$N" 'BEGIN {
      srand(13);
      for (i = 0; i < n; i++) {
        s = sprintf("%.6f", rand() * 1000); m = "e" i;
        printf "*4\r\n$4\r\nZADD\r\n$8\r\ntrending\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(s), s, length(m), m
      }
    }' | redis-cli -p "$PORT" --pipe | tail -1
  echo "loaded $(redis-cli -p "$PORT" zcard trending) members in $((($(date +%s%N) - started) / 1000000)) ms;" \
    "used_memory $(redis-cli -p "$PORT" info memory | sed -n 's/^used_memory_human://p' | tr -d '\r')"
  bench() { # last index, requests
    local out
    out=$(redis-benchmark -p "$PORT" -n "$2" -c 1 ZREVRANGE trending 0 "$1" WITHSCORES)
    # The percentile lines read "99.902% <= 0.103 milliseconds (cumulative count 99902)".
    local p999
    p999=$(echo "$out" | tr '\r' '\n' | awk '/% <= .* milliseconds/ {
        p = $1; sub("%", "", p); if (p + 0 >= 99.9) { print $3; exit } }')
    echo "$out" | tr '\r' '\n' | sed -n '/Summary/,/^$/p'
    echo "ZREVRANGE trending 0 $1 WITHSCORES: $2 requests, 1 connection; p99.9 <= ${p999} ms"
  }
  bench 9 "$REQUESTS"
  bench 999 $((REQUESTS / 10))
  redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
  wait "$pid" 2>/dev/null || true
  trap 'rm -rf "$work"' EXIT
else
  echo "redis-server not installed (apt-get install redis-server): skipping the Redis side"
fi

echo "== TidalDB: $JAVA -jar $JAR TopKBenchmark -p entities=$N -p k=10,1000 $*"
"$JAVA" -jar "$JAR" TopKBenchmark -p entities="$N" -p k=10,1000 "$@"
