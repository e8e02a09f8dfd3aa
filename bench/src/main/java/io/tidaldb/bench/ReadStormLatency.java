package io.tidaldb.bench;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.Timestamp;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.store.SignalStoreEngine;
import io.tidaldb.store.StoreConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Commit (acknowledgement) latency of a steady writer while readers storm the store (issue 13),
 * measured without JMH. One store with 4 shards on a real WAL (fsync on, default group commit, no
 * snapshots):
 *
 * <ol>
 *   <li>preload: {@code entities} distinct entities, one signal each (weights 1–4, event times over
 *       the last hour), pipelined in windows of 4096 and awaited until applied;
 *   <li>warm-up: {@code warmupSeconds} of the writer alone, not recorded;
 *   <li><b>quiet</b> window: {@code windowSeconds} of the writer alone;
 *   <li><b>storm</b> window: {@code readers} threads loop, as fast as they can, one {@code
 *       top(TENANT, VIEW, 10, now)} then {@code pointReads} (default 16) point {@code read}s of
 *       random entities; they start {@value #READER_WARMUP_MILLIS} ms before the window (until each
 *       has done one top) and stop after it. Then {@code windowSeconds} of the writer beside them.
 * </ol>
 *
 * <p>The writer submits one signal at a time to a random existing entity and waits for its
 * durability ({@code submit} + {@code awaitDurable}: LOCAL on a single-region store), scheduled
 * every {@code 1/rate} s; a slot missed while a call was blocked is skipped, not fired late. Each
 * window has the measured latency of each call and the same corrected for coordinated omission
 * ({@code recordValueWithExpectedInterval}). The readers' own latencies (top(10) and point reads)
 * are printed too, with their counts.
 *
 * <p>Usage: {@code java -Xms4g -Xmx4g -cp bench/target/benchmarks.jar
 * io.tidaldb.bench.ReadStormLatency [entities [rate [windowSeconds [readers [warmupSeconds
 * [hgrm-dir|- [pointReads [readQuantumMicros]]]]]]]]}, defaults 1,000,000, 1000/s, 10, 4, 3, none,
 * 16 (0: the readers only loop {@code top(10)}, which tells the shard locks' share from the CPU's)
 * and the store's default read quantum (0: readers never yield, see {@code
 * StoreConfig.readQuantum}).
 */
public final class ReadStormLatency {
  private static final long SEED = 0x5707_0013L;
  private static final int SHARDS = 4;
  private static final int WINDOW = 4096;
  private static final long READER_WARMUP_MILLIS = 1000;
  private static final long MAX_NANOS = 120_000_000_000L;

  private final SignalStoreEngine store;
  private final int entities;
  private final int pointReads;
  private final long now = System.currentTimeMillis();
  private volatile boolean stop;

  private ReadStormLatency(SignalStoreEngine store, int entities, int pointReads) {
    this.store = store;
    this.entities = entities;
    this.pointReads = pointReads;
  }

  /**
   * Runs the measurement and prints the percentiles.
   *
   * @param args entities, rate, window seconds, readers, warm-up seconds, histogram directory
   */
  public static void main(String[] args) throws InterruptedException {
    int entities = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    int windowSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    int readers = args.length > 3 ? Integer.parseInt(args[3]) : 4;
    int warmupSeconds = args.length > 4 ? Integer.parseInt(args[4]) : 3;
    Path hgrm = args.length > 5 && !args[5].equals("-") ? Path.of(args[5]) : null;
    int pointReads = args.length > 6 ? Integer.parseInt(args[6]) : 16;
    long quantumMicros =
        args.length > 7 ? Long.parseLong(args[7]) : StoreConfig.DEFAULT_READ_QUANTUM_MICROS;
    Path dir = BenchFiles.createTempDir("tidal-readstorm-");
    WalEngine wal = Stores.openWal(dir, SHARDS);
    try {
      SignalStoreEngine store =
          SignalStoreEngine.open(
              StoreConfig.builder(dir.resolve("store"))
                  .snapshotEveryRecords(Stores.NEVER)
                  .readQuantum(Duration.ofNanos(quantumMicros * 1000))
                  .build(),
              wal,
              new HashShardRouter(wal.shardCount()));
      ReadStormLatency b = new ReadStormLatency(store, entities, pointReads);
      long started = System.nanoTime();
      b.preload();
      System.out.printf(
          "JDK %s; %d shards, real WAL (fsync on); preloaded %,d entities in %.1f s; writer %d/s,"
              + " %d s warm-up, %d s per window, %d readers (top(10) + %d point reads a loop),"
              + " read quantum %d µs%n",
          System.getProperty("java.version"),
          SHARDS,
          Stores.entities(store),
          (System.nanoTime() - started) / 1e9,
          rate,
          warmupSeconds,
          windowSeconds,
          readers,
          pointReads,
          quantumMicros);
      System.gc();
      long period = 1_000_000_000L / rate;
      SplittableRandom random = new SplittableRandom(SEED);
      b.write(random, period, warmupSeconds * 1_000_000_000L, newPair());
      Histogram[] quiet = newPair();
      long fsyncs = wal.metrics().fsyncs();
      b.write(random, period, windowSeconds * 1_000_000_000L, quiet);
      long quietFsyncs = wal.metrics().fsyncs() - fsyncs;

      Histogram[] tops = new Histogram[readers];
      Histogram[] reads = new Histogram[readers];
      Thread[] threads = new Thread[readers];
      CountDownLatch warm = new CountDownLatch(readers);
      for (int r = 0; r < readers; r++) {
        tops[r] = new Histogram(MAX_NANOS, 3);
        reads[r] = new Histogram(MAX_NANOS, 3);
        int id = r;
        threads[r] = new Thread(() -> b.read(SEED + id, tops[id], reads[id], warm), "reader-" + r);
        threads[r].start();
      }
      Thread.sleep(READER_WARMUP_MILLIS);
      warm.await(MAX_NANOS, TimeUnit.NANOSECONDS);
      for (int r = 0; r < readers; r++) {
        synchronized (tops[r]) {
          tops[r].reset();
          reads[r].reset();
        }
      }
      Histogram[] storm = newPair();
      fsyncs = wal.metrics().fsyncs();
      long stormStart = System.nanoTime();
      b.write(random, period, windowSeconds * 1_000_000_000L, storm);
      long stormNanos = System.nanoTime() - stormStart;
      long stormFsyncs = wal.metrics().fsyncs() - fsyncs;
      Histogram top = new Histogram(MAX_NANOS, 3);
      Histogram read = new Histogram(MAX_NANOS, 3);
      for (int r = 0; r < readers; r++) {
        synchronized (tops[r]) {
          top.add(tops[r]);
          read.add(reads[r]);
        }
      }
      b.stop = true;
      for (Thread t : threads) {
        t.join();
      }
      System.out.printf(
          "fsyncs: quiet %d, storm %d; readers in the storm window: %,d top(10)/s, %,d reads/s%n",
          quietFsyncs,
          stormFsyncs,
          Math.round(top.getTotalCount() * 1e9 / stormNanos),
          Math.round(read.getTotalCount() * 1e9 / stormNanos));
      System.out.println(
          "| window | latency | samples | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | mean ms |");
      print("quiet", "commit measured", quiet[0]);
      print("quiet", "commit CO-corrected", quiet[1]);
      print("storm", "commit measured", storm[0]);
      print("storm", "commit CO-corrected", storm[1]);
      print("storm", "reader top(10)", top);
      print("storm", "reader point read", read);
      Histograms.write(hgrm, "quiet-measured", quiet[0]);
      Histograms.write(hgrm, "quiet-corrected", quiet[1]);
      Histograms.write(hgrm, "storm-measured", storm[0]);
      Histograms.write(hgrm, "storm-corrected", storm[1]);
      Histograms.write(hgrm, "storm-top10", top);
      Histograms.write(hgrm, "storm-read", read);
    } finally {
      wal.close(); // the store is not closed: closing it would write a snapshot
      BenchFiles.deleteRecursively(dir);
    }
  }

  private static Histogram[] newPair() {
    return new Histogram[] {new Histogram(MAX_NANOS, 3), new Histogram(MAX_NANOS, 3)};
  }

  /** Writes one signal per entity in pipelined windows and waits until every shard applied all. */
  private void preload() {
    SplittableRandom random = new SplittableRandom(SEED ^ 0x9E37_79B9L);
    long[] last = new long[SHARDS];
    for (int e = 0; e < entities; e++) {
      long ticket =
          store.submit(
              Stores.TENANT,
              Stores.VIEW,
              e,
              1.0 + random.nextInt(4),
              now - random.nextLong(3_600_000));
      last[SignalTickets.shard(ticket)] = ticket;
      if ((e + 1) % WINDOW == 0 || e + 1 == entities) {
        for (int s = 0; s < SHARDS; s++) {
          if (last[s] != 0) {
            store.awaitDurable(last[s], Stores.TIMEOUT);
          }
        }
      }
    }
    long total = 0;
    for (int s = 0; s < SHARDS; s++) {
      total += last[s] == 0 ? 0 : SignalTickets.position(last[s]) + 1;
    }
    while (Stores.applied(store) < total) {
      LockSupport.parkNanos(1_000_000);
    }
    long held = Stores.entities(store);
    if (held != entities) {
      throw new IllegalStateException("store holds " + held + " entities, not " + entities);
    }
  }

  /** The steady writer for {@code duration}; {@code h} gets {measured, corrected}. */
  private void write(SplittableRandom random, long period, long duration, Histogram[] h) {
    long start = System.nanoTime();
    long next = start;
    while (System.nanoTime() - start < duration) {
      long t0 = System.nanoTime();
      long ticket =
          store.submit(Stores.TENANT, Stores.VIEW, random.nextInt(entities), 1.0, now + 1);
      store.awaitDurable(ticket, Stores.TIMEOUT);
      long latency = System.nanoTime() - t0;
      h[0].recordValue(latency);
      h[1].recordValueWithExpectedInterval(latency, period);
      next += period;
      long after = System.nanoTime();
      if (after > next) {
        next = after + period - (after - next) % period; // skip missed slots
      }
      long wait;
      while ((wait = next - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
    }
  }

  /** One reader: top(10) then point reads, until stopped; counts down {@code warm} once. */
  private void read(long seed, Histogram tops, Histogram reads, CountDownLatch warm) {
    SplittableRandom random = new SplittableRandom(seed);
    long sink = 0;
    boolean counted = false;
    while (!stop) {
      long t0 = System.nanoTime();
      sink += store.top(Stores.TENANT, Stores.VIEW, 10, Timestamp.now()).size();
      long t1 = System.nanoTime();
      synchronized (tops) {
        tops.recordValue(t1 - t0);
      }
      if (!counted) {
        warm.countDown();
        counted = true;
      }
      for (int i = 0; i < pointReads && !stop; i++) {
        Timestamp at = Timestamp.now();
        EntityId entity = EntityId.of(random.nextInt(entities));
        long r0 = System.nanoTime();
        sink += (long) store.read(Stores.TENANT, Stores.VIEW, entity, at).count();
        long r1 = System.nanoTime();
        synchronized (tops) {
          reads.recordValue(r1 - r0);
        }
      }
    }
    if (sink == Long.MIN_VALUE) {
      System.out.println(sink); // keeps the reads' results alive
    }
  }

  private static void print(String window, String what, Histogram h) {
    Histograms.printRow(window, what, h, 4);
  }
}
