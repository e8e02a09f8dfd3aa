package io.tidaldb.bench;

import io.tidaldb.api.RankedEntity;
import io.tidaldb.api.Timestamp;
import io.tidaldb.store.SignalStoreEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Latency of {@code SignalStore.top(tenant, type, k, at)} through the public API (issue 13), over
 * whatever implementation the jar holds (full scan before the top-K index, the index after it).
 *
 * <p>The store has 4 shards over a {@link MemoryWal} (no I/O; nothing kept after apply), default
 * half-life (1 day). {@code @Setup(Trial)} loads {@code entities} distinct entities of one (tenant,
 * type), seeded: each gets one signal of weight uniform in [1, 100) at an event time uniform over
 * the last {@value #SPREAD_DAYS} days (so decay reorders them: a fresh 2 beats a 4-day-old 30), and
 * then {@value #RETRACTED_PERCENT} % of them get a retraction (a negative weight of 10–110 % of the
 * original, so some end negative) at a later event time. Loading runs at the store's single-thread
 * apply ceiling (~2.5 M signals/s on this machine), so 10M entities load in well under 60 s; the
 * setup prints how long it took.
 *
 * <p>The measured method calls {@code top(TENANT, VIEW, k, now)} with {@code now} fixed at setup
 * (so every call answers the same question) and hands the list to a {@link Blackhole}. Mode is
 * SampleTime: JMH reports p50, p90, p99, p99.9, p99.99, max and the sample count.
 *
 * <p>Heap: -Xms8g -Xmx8g for every case. One entity costs ~180 B of state (RESULTS §7), so 10M
 * entities hold ~2 GB; 8 GB leaves room for the map's doubling and the scan's garbage (run Y: 10M
 * loaded in 14–18 s and ran). Run one size: {@code java -jar bench/target/benchmarks.jar
 * TopKBenchmark -p entities=1000000}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms8g", "-Xmx8g"})
@State(Scope.Benchmark)
public class TopKBenchmark {
  static final int SPREAD_DAYS = 4;
  static final int RETRACTED_PERCENT = 5;
  private static final long SEED = 0x70B_4_0013L;
  private static final int SHARDS = 4;
  private static final long DAY = Duration.ofDays(1).toMillis();

  /** Distinct entities of the one (tenant, type). */
  @Param({"10000", "100000", "1000000", "10000000"})
  public int entities;

  /** How many entities {@code top} returns. */
  @Param({"10", "1000"})
  public int k;

  private Path dir;
  private MemoryWal wal;
  private SignalStoreEngine store;
  private Timestamp at;

  /** Opens the store over the memory log and loads the entities (timed, printed). */
  @Setup(Level.Trial)
  public void setup() {
    long started = System.nanoTime();
    dir = BenchFiles.createTempDir("tidal-topk-");
    wal = new MemoryWal(SHARDS, 1 << 16, null);
    store = Stores.openStore(dir, wal, Stores.NEVER);
    long now = System.currentTimeMillis();
    load(store, wal, entities, now, SEED);
    at = Timestamp.ofMillis(now);
    long held = Stores.entities(store);
    if (held != entities) {
      throw new IllegalStateException("store holds " + held + " entities, not " + entities);
    }
    System.out.printf(
        "%nloaded %,d entities (%,d signals) in %.1f s%n",
        entities, Stores.applied(store), (System.nanoTime() - started) / 1e9);
  }

  /**
   * Loads {@code entities} distinct entities (ids 0 to n-1; the router spreads them over the
   * shards) into a store over a memory log, as the class comment describes, and waits until all are
   * applied.
   *
   * @param store the store
   * @param wal its memory log
   * @param entities how many entities
   * @param now the wall clock the event times go back from
   * @param seed the seed
   */
  static void load(SignalStoreEngine store, MemoryWal wal, int entities, long now, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long span = SPREAD_DAYS * DAY;
    for (int e = 0; e < entities; e++) {
      long age = random.nextLong(span);
      double weight = 1.0 + random.nextDouble() * 99.0;
      store.submit(Stores.TENANT, Stores.VIEW, e, weight, now - age);
      if (random.nextInt(100) < RETRACTED_PERCENT) {
        double retracted = weight * (0.1 + random.nextDouble());
        store.submit(Stores.TENANT, Stores.VIEW, e, -retracted, now - random.nextLong(age + 1));
      }
    }
    wal.flush();
  }

  /** Discards the store (no checkpoint) and deletes its directory. */
  @TearDown(Level.Trial)
  public void close() {
    BenchFiles.deleteRecursively(dir);
  }

  /**
   * One {@code top(k)} at the fixed {@code now}.
   *
   * @param bh consumes the list so the call is not eliminated
   */
  @Benchmark
  public void top(Blackhole bh) {
    List<RankedEntity> top = store.top(Stores.TENANT, Stores.VIEW, k, at);
    bh.consume(top);
  }
}
