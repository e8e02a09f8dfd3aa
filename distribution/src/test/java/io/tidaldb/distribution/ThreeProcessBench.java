package io.tidaldb.distribution;

import io.tidaldb.api.TenantId;
import io.tidaldb.distribution.TcpRegions.Status;
import io.tidaldb.router.HashShardRouter;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Issue 14's figures across three processes ({@link TcpRegions}: three {@code bin/tidaldb}
 * processes over mutual TLS 1.3, each with its own data directory and ports), measured through each
 * process's HTTP API; not a test (minutes long), run by hand or with {@code -Pxproc}.
 *
 * <ol>
 *   <li><b>Throughput to full convergence</b>: writer threads post NDJSON batches of 1,000 signals
 *       (100,000 entities) at the given durability to region 0 (or each to its shard's leader)
 *       until {@code signals} are acknowledged (a batch partly refused counts what it
 *       acknowledged); then {@code /v1/status} of all three is polled until every shard's applied
 *       position is the same in the three. Signals/s = signals / (first post → converged). A
 *       quarter as many go first, unmeasured, as a warm-up.
 *   <li><b>Failover</b>, {@code trials} times: the leader L of shard {@code i mod 4} (as all three
 *       report it) is killed with SIGKILL while two QUORUM writers post single signals to region (L
 *       + 1) mod 3; right after the kill a probe posts QUORUM writes of shard {@code i mod 4} there
 *       until one is acknowledged (the failover), and a sampler polls the survivors' status until
 *       one reports a new leader. L is restarted and the next trial starts once all three are ready
 *       and agree on every shard's leader (back on its preferred region, if that happens within 30
 *       s).
 *   <li><b>Nothing acknowledged lost</b>: after both, with the writers stopped and the three
 *       converged, each of the failover's 256 entities (64 per shard) is read on every region: its
 *       count must lie between the writes acknowledged and those plus the writes whose outcome was
 *       unknown (a timeout, {@code "stored":"unknown"}).
 * </ol>
 *
 * Beside the figures: a 64-byte append + fdatasync loop on the data's disk and a loopback TCP round
 * trip, before and after, and the load average at every step.
 *
 * <p>Usage: {@code ThreeProcessBench DIST [trials [signals [LOCAL|QUORUM [writers
 * [one|leaders]]]]]}, defaults 30, 1,000,000, QUORUM, 2, {@code one}: every batch into region 0
 * (which forwards the signals of shards it does not lead one by one); {@code leaders}: each batch
 * holds one shard's signals and goes to the process leading that shard (a client that routes).
 */
public final class ThreeProcessBench {
  private static final int REGIONS = TcpRegions.REGIONS;
  private static final int SHARDS = 4;
  private static final int POOL = 64;
  private static final long POOL_BASE = 1_000_000_000L;
  private static final int BATCH = 1000;
  private static final int ENTITIES = 100_000;
  private static final Duration SETTLE = Duration.ofSeconds(30);

  private final TcpRegions regions;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private final long[][] pool = new long[SHARDS][POOL];
  private final AtomicIntegerArray acked = new AtomicIntegerArray(SHARDS * POOL);
  private final AtomicIntegerArray unknown = new AtomicIntegerArray(SHARDS * POOL);
  private final AtomicLong writesAcked = new AtomicLong();
  private final AtomicLong writesRefused = new AtomicLong();
  private final AtomicLong writesUnknown = new AtomicLong();
  private final AtomicLong bulkAcked = new AtomicLong();
  private final AtomicLong bulkNotAcked = new AtomicLong();
  private volatile int writeRegion;
  private volatile boolean writing;

  private ThreeProcessBench(TcpRegions regions) {
    this.regions = regions;
    HashShardRouter router = new HashShardRouter(SHARDS);
    int[] filled = new int[SHARDS];
    for (long e = POOL_BASE; Arrays.stream(filled).anyMatch(f -> f < POOL); e++) {
      int s = router.shardOf(TenantId.DEFAULT, e);
      if (filled[s] < POOL) {
        pool[s][filled[s]++] = e;
      }
    }
  }

  /**
   * Runs the measurements.
   *
   * @param args DIST [trials [signals [LOCAL|QUORUM [writers [one|leaders]]]]]
   */
  public static void main(String[] args) throws Exception {
    Path dist = Path.of(args[0]);
    int trials = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    long signals = args.length > 2 ? Long.parseLong(args[2]) : 1_000_000L;
    String durability = args.length > 3 ? args[3] : "QUORUM";
    int writers = args.length > 4 ? Integer.parseInt(args[4]) : 2;
    boolean toLeaders = args.length > 5 && args[5].equals("leaders");
    Path tmp = Files.createTempDirectory("tidal-xproc-");
    System.out.printf(
        "ThreeProcessBench: %s, JDK %s, %d trials, %,d signals at %s, %d writers; load %s%n",
        dist, System.getProperty("java.version"), trials, signals, durability, writers, load());
    limits(tmp);
    try (TcpRegions regions = TcpRegions.prepare(dist, tmp)) {
      ThreeProcessBench b = new ThreeProcessBench(regions);
      long t = System.nanoTime();
      for (int n = 0; n < TcpRegions.REGIONS; n++) {
        regions.start(n);
      }
      for (int n = 0; n < TcpRegions.REGIONS; n++) {
        regions.awaitUp(n);
      }
      b.awaitSettled(true);
      System.out.printf("three processes up and settled in %d ms; load %s%n", ms(t), load());
      if (signals > 0) {
        // a quarter as many first, unmeasured: the three JVMs compile the write path meanwhile
        b.throughput(Math.max(BATCH, signals / 4), durability, writers, toLeaders, "warm-up");
        b.throughput(signals, durability, writers, toLeaders, "measured");
      }
      if (trials > 0) {
        b.failovers(trials);
      }
      b.checkCounts();
      if (signals > 0) {
        b.checkBulkCounts();
      }
      for (int n = 0; n < TcpRegions.REGIONS; n++) {
        regions.node(n).command("stop 0");
      }
      for (int n = 0; n < TcpRegions.REGIONS; n++) {
        regions.node(n).awaitExit();
      }
    } finally {
      limits(tmp);
      if (System.getProperty("xproc.keep") == null) {
        deleteRecursively(tmp);
      } else {
        System.out.println("kept (-Dxproc.keep): " + tmp);
      }
    }
  }

  // ---------------------------------------------------------------- throughput

  private void throughput(
      long signals, String durability, int writers, boolean toLeaders, String label)
      throws Exception {
    System.out.printf("throughput (%s): load before %s%n", label, load());
    long[] before = applied(0);
    AtomicLong done = new AtomicLong();
    AtomicLong notAcked = new AtomicLong();
    AtomicLong partial = new AtomicLong();
    AtomicLong lastAck = new AtomicLong();
    String path = "/v1/tenants/default/signals?durability=" + durability;
    List<Thread> threads = new ArrayList<>();
    long[] epochsBefore = status(0).epoch();
    AtomicIntegerArray leaders = new AtomicIntegerArray(status(0).leader());
    long[][] byShard = entitiesByShard();
    long[] cpuBefore = cpuNanos();
    long start = System.nanoTime();
    for (int w = 0; w < writers; w++) {
      int seed = w;
      Thread th =
          new Thread(
              () -> {
                java.util.SplittableRandom rnd = new java.util.SplittableRandom(0x14_0000L + seed);
                long now = System.currentTimeMillis();
                int round = seed;
                while (done.get() < signals) {
                  // into region 0, or (toLeaders) one shard's signals to the process leading it
                  int shard = round++ % SHARDS;
                  URI uri = uri(toLeaders ? Math.max(0, leaders.get(shard)) : 0, path);
                  StringBuilder body = new StringBuilder(BATCH * 48);
                  for (int k = 0; k < BATCH; k++) {
                    body.append("{\"type\":\"view\",\"entity\":")
                        .append(
                            toLeaders
                                ? byShard[shard][rnd.nextInt(byShard[shard].length)]
                                : 1 + rnd.nextInt(ENTITIES))
                        .append(",\"weight\":1,\"time\":")
                        .append(now)
                        .append("}\n");
                  }
                  HttpResponse<String> r = post(uri, "application/x-ndjson", body.toString(), 30);
                  long ok;
                  if (r != null && r.statusCode() == 200) {
                    ok = BATCH;
                  } else {
                    // a batch partly refused (a leader stepped down under it): count what it acked
                    ok = r == null ? 0 : field(r.body(), "acknowledged", 0);
                    partial.incrementAndGet();
                    Status st = statusOrNull(0);
                    for (int sh = 0; st != null && sh < SHARDS; sh++) {
                      leaders.set(sh, st.leader()[sh]);
                    }
                    if (partial.get() <= 3) {
                      String b = r == null ? "timeout" : r.body();
                      System.out.println(
                          "  batch not wholly acknowledged ("
                              + ok
                              + " of "
                              + BATCH
                              + "): "
                              + b.substring(0, Math.min(400, b.length())));
                    }
                  }
                  notAcked.addAndGet(BATCH - ok);
                  bulkNotAcked.addAndGet(BATCH - ok);
                  bulkAcked.addAndGet(ok);
                  done.addAndGet(ok);
                  lastAck.set(System.nanoTime());
                }
              },
              "xproc-batch-" + w);
      th.start();
      threads.add(th);
    }
    for (Thread th : threads) {
      th.join();
    }
    long acks = lastAck.get();
    long converged = awaitConverged(Duration.ofMinutes(5));
    long[] cpuAfter = cpuNanos();
    long[] after = applied(0);
    long records = 0;
    for (int s = 0; s < SHARDS; s++) {
      records += after[s] - before[s];
    }
    double ackSecs = (acks - start) / 1e9;
    double convSecs = (converged - start) / 1e9;
    System.out.printf(
        "throughput (%s) %s, %d writers %s: %,d signals acknowledged in %.3f s (%,.0f/s),"
            + " all three converged after %.3f s: %,.0f signals/s to full convergence"
            + " (convergence %d ms after the last ack); shard-log positions advanced %,d; load"
            + " after %s%n",
        label,
        durability,
        writers,
        toLeaders ? "each batch to its shard's leader" : "into region 0",
        done.get(),
        ackSecs,
        done.get() / ackSecs,
        convSecs,
        done.get() / convSecs,
        TimeUnit.NANOSECONDS.toMillis(converged - acks),
        records,
        load());
    System.out.printf(
        "  %d batches not wholly acknowledged (%,d signals not acknowledged); shard epochs %s →"
            + " %s%n",
        partial.get(),
        notAcked.get(),
        Arrays.toString(epochsBefore),
        Arrays.toString(status(0).epoch()));
    printCpu(cpuBefore, cpuAfter, Math.max(1, done.get()));
  }

  /**
   * The CPU time used so far by each region's process and, last, by this one (the HTTP clients), in
   * ns.
   */
  private long[] cpuNanos() {
    long[] out = new long[REGIONS + 1];
    for (int n = 0; n < REGIONS; n++) {
      out[n] = regions.node(n).cpu().toNanos();
    }
    out[REGIONS] =
        ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO).toNanos();
    return out;
  }

  /**
   * Prints the CPU time per acknowledged signal of each process between two {@link #cpuNanos}
   * readings, and what that allows on this machine's cores if nothing else ran: a figure the load
   * of a shared machine does not move (CPU time, not wall time).
   */
  private static void printCpu(long[] before, long[] after, long signals) {
    StringBuilder line = new StringBuilder("  CPU per signal:");
    long nodes = 0;
    for (int n = 0; n <= REGIONS; n++) {
      long used = after[n] - before[n];
      if (n < REGIONS) {
        nodes += used;
      }
      line.append(
          String.format(
              " %s %.2f µs,", n < REGIONS ? "region-" + n : "client", used / 1e3 / signals));
    }
    long all = nodes + after[REGIONS] - before[REGIONS];
    int cores = Runtime.getRuntime().availableProcessors();
    line.append(
        String.format(
            " the three nodes %.2f µs: on %d cores with nothing else running at most %,.0f signals/s"
                + " (%,.0f with the client)",
            nodes / 1e3 / signals,
            cores,
            cores * 1e9 * signals / nodes,
            cores * 1e9 * signals / all));
    System.out.println(line);
  }

  /** The entities 1..{@link #ENTITIES} by shard. */
  private static long[][] entitiesByShard() {
    HashShardRouter router = new HashShardRouter(SHARDS);
    long[][] out = new long[SHARDS][ENTITIES];
    int[] n = new int[SHARDS];
    for (long e = 1; e <= ENTITIES; e++) {
      int s = router.shardOf(TenantId.DEFAULT, e);
      out[s][n[s]++] = e;
    }
    for (int s = 0; s < SHARDS; s++) {
      out[s] = Arrays.copyOf(out[s], n[s]);
    }
    return out;
  }

  // ---------------------------------------------------------------- failover

  private void failovers(int trials) throws Exception {
    System.out.printf("failover: %d trials; load before %s%n", trials, load());
    List<long[]> results = new ArrayList<>();
    writing = true;
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      int id = w;
      Thread th = new Thread(() -> backgroundWriter(id), "xproc-quorum-" + w);
      th.setDaemon(true);
      th.start();
      writers.add(th);
    }
    long started = System.nanoTime();
    try {
      for (int i = 0; i < trials; i++) {
        results.add(trial(i));
      }
    } finally {
      writing = false;
      for (Thread th : writers) {
        th.join(60_000);
      }
    }
    long[] failover = results.stream().mapToLong(r -> r[0]).sorted().toArray();
    long[] leader = results.stream().mapToLong(r -> r[1]).filter(x -> x >= 0).sorted().toArray();
    System.out.printf(
        "failover (SIGKILL → first QUORUM ack of the shard), %d trials: p50 %d ms, p90 %d ms,"
            + " p99 %d ms, max %d ms%n",
        failover.length,
        rank(failover, 50),
        rank(failover, 90),
        rank(failover, 99),
        failover[failover.length - 1]);
    if (leader.length > 0) {
      System.out.printf(
          "new leader first reported by a survivor's /v1/status (polled): p50 %d ms, p99 %d ms,"
              + " max %d ms (%d trials)%n",
          rank(leader, 50), rank(leader, 99), leader[leader.length - 1], leader.length);
    }
    System.out.printf(
        "writes: %,d acknowledged, %,d refused (not stored), %,d outcome unknown; %.1f s;"
            + " load after %s%n",
        writesAcked.get(),
        writesRefused.get(),
        writesUnknown.get(),
        (System.nanoTime() - started) / 1e9,
        load());
  }

  /** One trial; returns {failover ms, new leader seen ms or -1}. */
  private long[] trial(int i) throws Exception {
    int shard = i % SHARDS;
    Status st = status(0);
    int victim = st.leader()[shard];
    long oldEpoch = st.epoch()[shard];
    int survivor = (victim + 1) % TcpRegions.REGIONS;
    int other = (victim + 2) % TcpRegions.REGIONS;
    writeRegion = survivor;
    long ackedBefore = writesAcked.get();
    awaitCondition(
        () -> writesAcked.get() >= ackedBefore + 50, Duration.ofSeconds(60), "writers ack 50");
    String loadAt = load();
    long[] seen = {-1};
    long t0 = System.nanoTime();
    regions.node(victim).sigkill();
    Thread sampler =
        new Thread(
            () -> {
              while (seen[0] < 0 && System.nanoTime() - t0 < SETTLE.toNanos()) {
                for (int r : new int[] {survivor, other}) {
                  Status s = statusOrNull(r);
                  if (s != null && s.leader()[shard] >= 0 && s.leader()[shard] != victim) {
                    if (s.epoch()[shard] > oldEpoch) {
                      seen[0] = ms(t0);
                      break;
                    }
                  }
                }
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
              }
            },
            "xproc-sampler");
    sampler.start();
    long failover = -1;
    int k = 0;
    URI uri = uri(survivor, "/v1/tenants/default/signals?durability=QUORUM");
    while (failover < 0) {
      int slot = shard * POOL + (k++ % POOL);
      if (write(uri, slot, 10)) {
        failover = ms(t0);
      } else if (System.nanoTime() - t0 > Duration.ofSeconds(60).toNanos()) {
        throw new IllegalStateException("trial " + i + ": no QUORUM ack of shard " + shard);
      }
    }
    regions.node(victim).awaitExit();
    sampler.join();
    long t1 = System.nanoTime();
    regions.start(victim);
    regions.awaitUp(victim);
    boolean preferred = awaitSettled(false);
    Status now = status(survivor);
    System.out.printf(
        "  trial %2d shard %d: killed region-%d (epoch %d), writes to region-%d: failover %4d ms,"
            + " new leader seen %4d ms (region-%d epoch %d); restart + catch-up %5d ms%s; load %s%n",
        i,
        shard,
        victim,
        oldEpoch,
        survivor,
        failover,
        seen[0],
        now.leader()[shard],
        now.epoch()[shard],
        ms(t1),
        preferred ? "" : " (leaders not back on preferred regions)",
        loadAt);
    return new long[] {failover, seen[0]};
  }

  private void backgroundWriter(int id) {
    int k = id;
    while (writing) {
      int slot = k++ % (SHARDS * POOL);
      write(uri(writeRegion, "/v1/tenants/default/signals?durability=QUORUM"), slot, 10);
    }
  }

  /** One QUORUM write of pool slot {@code slot}; true when acknowledged. Tallies the outcome. */
  private boolean write(URI uri, int slot, int timeoutSecs) {
    long entity = pool[slot / POOL][slot % POOL];
    String body = "{\"type\":\"view\",\"entity\":" + entity + ",\"weight\":1}";
    HttpResponse<String> r = post(uri, "application/json", body, timeoutSecs);
    if (r != null && r.statusCode() == 200) {
      acked.incrementAndGet(slot);
      writesAcked.incrementAndGet();
      return true;
    }
    if (r != null && r.body().contains("\"stored\":\"not_stored\"")) {
      writesRefused.incrementAndGet();
    } else {
      unknown.incrementAndGet(slot);
      writesUnknown.incrementAndGet();
    }
    return false;
  }

  // ---------------------------------------------------------------- checks

  private void checkCounts() throws Exception {
    awaitConverged(Duration.ofMinutes(2));
    long lost = 0;
    long twice = 0;
    long differ = 0;
    for (int slot = 0; slot < SHARDS * POOL; slot++) {
      long entity = pool[slot / POOL][slot % POOL];
      long[] counts = new long[TcpRegions.REGIONS];
      for (int r = 0; r < TcpRegions.REGIONS; r++) {
        HttpResponse<String> a = get(uri(r, "/v1/tenants/default/entities/view/" + entity));
        Matcher m = Pattern.compile("\"count\":(\\d+)").matcher(a == null ? "" : a.body());
        counts[r] = m.find() ? Long.parseLong(m.group(1)) : 0;
        if (counts[r] < acked.get(slot)) {
          lost += acked.get(slot) - counts[r];
          System.out.printf(
              "LOST: entity %d on region-%d counts %d, %d acknowledged%n",
              entity, r, counts[r], acked.get(slot));
        } else if (counts[r] > acked.get(slot) + unknown.get(slot)) {
          twice += counts[r] - acked.get(slot) - unknown.get(slot);
          System.out.printf(
              "TWICE: entity %d on region-%d counts %d, %d acknowledged + %d unknown%n",
              entity, r, counts[r], acked.get(slot), unknown.get(slot));
        }
      }
      if (counts[0] != counts[1] || counts[1] != counts[2]) {
        differ++;
      }
    }
    long ackedSum = 0;
    for (int i = 0; i < acked.length(); i++) {
      ackedSum += acked.get(i);
    }
    System.out.printf(
        "counts of the %d failover entities on each region: %,d acknowledged writes, %d lost,"
            + " %d beyond acknowledged + unknown, %d entities differing between regions%n",
        SHARDS * POOL, ackedSum, lost, twice, differ);
  }

  /**
   * Sums the count of every throughput entity on each region (8 readers), again until the three
   * sums agree (reconciliation merges what a change of leader cut from a log) or 2 minutes pass;
   * each must lie between the signals acknowledged and those plus the ones not acknowledged.
   */
  private void checkBulkCounts() throws Exception {
    long start = System.nanoTime();
    for (int round = 1; ; round++) {
      long[] sums = new long[TcpRegions.REGIONS];
      for (int r = 0; r < TcpRegions.REGIONS; r++) {
        sums[r] = sumCounts(r);
      }
      long acked = bulkAcked.get();
      long maybe = bulkNotAcked.get();
      boolean agree = sums[0] == sums[1] && sums[1] == sums[2];
      System.out.printf(
          "throughput entities, round %d after %d ms: count sums per region %s; %,d"
              + " acknowledged, %,d not acknowledged; %s%n",
          round,
          ms(start),
          Arrays.toString(sums),
          acked,
          maybe,
          Arrays.stream(sums).anyMatch(x -> x < acked)
              ? "LOST: a region counts fewer than acknowledged"
              : Arrays.stream(sums).anyMatch(x -> x > acked + maybe)
                  ? "TWICE: a region counts more than was sent"
                  : "within bounds");
      if (agree || System.nanoTime() - start > Duration.ofMinutes(2).toNanos()) {
        return;
      }
    }
  }

  private long sumCounts(int region) throws InterruptedException {
    AtomicLong sum = new AtomicLong();
    List<Thread> readers = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int first = t;
      Thread th =
          new Thread(
              () -> {
                for (long e = 1 + first; e <= ENTITIES; e += 8) {
                  HttpResponse<String> a =
                      get(uri(region, "/v1/tenants/default/entities/view/" + e));
                  sum.addAndGet(a == null ? 0 : field(a.body(), "count", 0));
                }
              },
              "xproc-read-" + t);
      th.start();
      readers.add(th);
    }
    for (Thread th : readers) {
      th.join();
    }
    return sum.get();
  }

  // ---------------------------------------------------------------- cluster state

  private Status status(int region) {
    Status s = statusOrNull(region);
    if (s == null) {
      throw new IllegalStateException("region-" + region + " /v1/status did not answer");
    }
    return s;
  }

  private Status statusOrNull(int region) {
    return regions.status(region, SHARDS);
  }

  private static long field(String json, String name, long absent) {
    return TcpRegions.field(json, name, absent);
  }

  private long[] applied(int region) {
    return status(region).applied();
  }

  /** Waits until every shard's applied position is the same on all three; returns that instant. */
  private long awaitConverged(Duration max) {
    long[] when = {0};
    awaitCondition(
        () -> {
          Status[] s = new Status[TcpRegions.REGIONS];
          for (int r = 0; r < s.length; r++) {
            s[r] = statusOrNull(r);
            if (s[r] == null) {
              return false;
            }
          }
          for (int shard = 0; shard < SHARDS; shard++) {
            if (s[0].applied()[shard] != s[1].applied()[shard]
                || s[1].applied()[shard] != s[2].applied()[shard]) {
              return false;
            }
          }
          when[0] = System.nanoTime();
          return true;
        },
        max,
        "all three at the same applied positions");
    return when[0];
  }

  /**
   * Waits until all three are ready and agree on every shard's leader, then (up to {@link #SETTLE})
   * until every shard is led by its preferred region (shard mod 3).
   *
   * @param requirePreferred fail rather than go on when leaders are not back in time
   * @return whether every shard is on its preferred region
   */
  private boolean awaitSettled(boolean requirePreferred) {
    awaitCondition(
        () -> {
          for (int r = 0; r < TcpRegions.REGIONS; r++) {
            HttpResponse<String> h = get(uri(r, "/health/ready"));
            if (h == null || h.statusCode() != 200) {
              return false;
            }
          }
          return agreedLeaders(false);
        },
        Duration.ofSeconds(120),
        "all three ready and agreeing on the leaders");
    try {
      awaitCondition(() -> agreedLeaders(true), SETTLE, "leaders on their preferred regions");
      return true;
    } catch (IllegalStateException e) {
      if (requirePreferred) {
        throw e;
      }
      return false;
    }
  }

  private boolean agreedLeaders(boolean preferred) {
    Status s0 = statusOrNull(0);
    Status s1 = statusOrNull(1);
    Status s2 = statusOrNull(2);
    if (s0 == null || s1 == null || s2 == null) {
      return false;
    }
    for (int shard = 0; shard < SHARDS; shard++) {
      int l = s0.leader()[shard];
      if (l < 0 || s1.leader()[shard] != l || s2.leader()[shard] != l) {
        return false;
      }
      if (preferred && l != shard % TcpRegions.REGIONS) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- HTTP

  private URI uri(int region, String path) {
    return URI.create("http://127.0.0.1:" + regions.httpPort(region) + path);
  }

  private HttpResponse<String> get(URI uri) {
    return send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build());
  }

  private HttpResponse<String> post(URI uri, String type, String body, int timeoutSecs) {
    return send(
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(timeoutSecs))
            .header("Content-Type", type)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build());
  }

  /** The answer, or null when the request failed (connection refused, timeout). */
  private HttpResponse<String> send(HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  // ---------------------------------------------------------------- limits and helpers

  /** A 64-byte append + fdatasync loop for 2 s, and a loopback round trip, with the load. */
  private static void limits(Path dir) throws IOException, InterruptedException {
    Path file = dir.resolve("fsync-probe");
    long n = 0;
    try (FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(64);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      long start = System.nanoTime();
      while (System.nanoTime() < end) {
        b.clear();
        ch.write(b, n * 64);
        ch.force(false);
        n++;
      }
      System.out.printf(
          "limits: disk %,.0f fsyncs/s (64 B append + fdatasync, 2 s);",
          n / ((System.nanoTime() - start) / 1e9));
    }
    Files.deleteIfExists(file);
    long[] rtt = loopbackRtt(5_000, 20_000);
    System.out.printf(
        " loopback TCP RTT p50 %.1f µs, p99 %.1f µs; load %s%n",
        rtt[0] / 1e3, rtt[1] / 1e3, load());
  }

  private static long[] loopbackRtt(int warmup, int samples)
      throws IOException, InterruptedException {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread echo =
          new Thread(
              () -> {
                try (Socket s = server.accept()) {
                  s.setTcpNoDelay(true);
                  DataInputStream in = new DataInputStream(s.getInputStream());
                  OutputStream out = s.getOutputStream();
                  byte[] buf = new byte[64];
                  for (int i = 0; i < warmup + samples; i++) {
                    in.readFully(buf);
                    out.write(buf);
                  }
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              },
              "xproc-echo");
      echo.start();
      long[] t = new long[samples];
      try (Socket c = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
        c.setTcpNoDelay(true);
        DataInputStream in = new DataInputStream(c.getInputStream());
        OutputStream out = c.getOutputStream();
        byte[] buf = new byte[64];
        for (int i = 0; i < warmup + samples; i++) {
          long s = System.nanoTime();
          out.write(buf);
          in.readFully(buf);
          if (i >= warmup) {
            t[i - warmup] = System.nanoTime() - s;
          }
        }
      }
      echo.join();
      Arrays.sort(t);
      return new long[] {t[samples / 2], t[(int) (samples * 0.99)]};
    }
  }

  private static void awaitCondition(
      java.util.function.BooleanSupplier condition, Duration max, String what) {
    long deadline = System.nanoTime() + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + max + " waiting for " + what);
      }
      Thread.onSpinWait();
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  private static long rank(long[] sorted, int percentile) {
    int i = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static long ms(long since) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
  }

  private static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "n/a";
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
