package io.tidaldb.bench;

import io.tidaldb.api.SignalTickets;
import io.tidaldb.store.SignalStoreEngine;
import io.tidaldb.wal.WalEngine;
import io.tidaldb.wal.WalMetrics;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.infra.ThreadParams;

/**
 * End-to-end durable ingest: writers call {@code SignalStore.submit} for {@code window} signals,
 * then {@code awaitDurable} on the last ticket of every shard touched, against a store on a real
 * WAL (4 shards, fsync on, default group commit) in a fresh directory. {@code window} 1 is a fully
 * synchronous writer (one {@code signal()} at a time). Entities are drawn uniformly (seeded per
 * thread) from {@code entityCount}; event times lie within the last hour.
 *
 * <p>The number of writers is JMH's thread count: run it with {@code -t 1}, {@code -t 2} and {@code
 * -t 4}. The primary score is windows/s; {@code :signals} is the figure that matters, durable
 * signals/s over all writers. After each iteration the WAL's records per fsync are printed.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Benchmark)
public class SignalIngestBenchmark {
  private static final long SEED = 0x1A6E57_0005L;
  private static final int DRAWS = 1 << 18;
  private static final int SHARDS = 4;

  /** Signals submitted per durability wait. */
  @Param({"1", "64", "4096"})
  public int window;

  /** Distinct entities written to. */
  @Param({"100000"})
  public int entityCount;

  private Path dir;
  private WalEngine wal;
  private SignalStoreEngine store;
  private long now;
  private long fsyncsBefore;
  private long recordsBefore;

  /** One writer's seeded inputs and the last ticket it got per shard. */
  @State(Scope.Thread)
  public static class Writer {
    private long[] entities;
    private long[] eventTimes;
    private double[] weights;
    private final long[] lastTicket = new long[SHARDS];
    private int next;

    /** Draws this writer's inputs from a seed of its own. */
    @Setup(Level.Trial)
    public void setup(SignalIngestBenchmark b, ThreadParams thread) {
      SplittableRandom random = new SplittableRandom(SEED + thread.getThreadIndex());
      entities = new long[DRAWS];
      eventTimes = new long[DRAWS];
      weights = new double[DRAWS];
      for (int i = 0; i < DRAWS; i++) {
        entities[i] = random.nextInt(b.entityCount);
        eventTimes[i] = b.now - random.nextLong(3_600_000);
        weights[i] = 1.0 + random.nextInt(4);
      }
    }
  }

  /** Durable signals per second, beside the primary score. */
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  @State(Scope.Thread)
  public static class Counters {
    /** Signals acknowledged as durable. */
    public long signals;

    /** Zeroes the counter. */
    @Setup(Level.Iteration)
    public void reset() {
      signals = 0;
    }
  }

  /** Opens WAL and store in a fresh directory. */
  @Setup(Level.Trial)
  public void open() {
    dir = BenchFiles.createTempDir("tidal-ingest-");
    wal = Stores.openWal(dir, SHARDS);
    store = Stores.openStore(dir, wal, Stores.NEVER);
    now = System.currentTimeMillis();
  }

  /** Notes the WAL's counters before an iteration. */
  @Setup(Level.Iteration)
  public void markIteration() {
    fsyncsBefore = wal.metrics().fsyncs();
    recordsBefore = wal.metrics().records();
  }

  /** Prints records per fsync of the iteration. */
  @TearDown(Level.Iteration)
  public void reportIteration() {
    WalMetrics m = wal.metrics();
    long fsyncs = m.fsyncs() - fsyncsBefore;
    long records = m.records() - recordsBefore;
    System.out.printf(
        " [wal: %d records, %d fsyncs, %.1f records/fsync, mean fsync %.0f us] ",
        records,
        fsyncs,
        fsyncs == 0 ? 0.0 : (double) records / fsyncs,
        m.fsyncs() == 0 ? 0.0 : m.fsyncNanosTotal() / 1000.0 / m.fsyncs());
  }

  /** Detaches the store (no checkpoint: the WAL holds everything), closes the WAL, deletes all. */
  @TearDown(Level.Trial)
  public void close() {
    System.out.println("\n" + wal.metrics());
    wal.close();
    BenchFiles.deleteRecursively(dir);
  }

  /**
   * Submits one window of signals and waits until each shard touched has made its last durable.
   *
   * @param w this writer
   * @param c the counters
   */
  @Benchmark
  public void submitWindowAndAwait(Writer w, Counters c) {
    int touched = 0;
    for (int n = 0; n < window; n++) {
      int i = w.next++ & (DRAWS - 1);
      long ticket =
          store.submit(Stores.TENANT, Stores.VIEW, w.entities[i], w.weights[i], w.eventTimes[i]);
      int shard = SignalTickets.shard(ticket);
      w.lastTicket[shard] = ticket;
      touched |= 1 << shard;
    }
    for (int s = 0; s < SHARDS; s++) {
      if ((touched & (1 << s)) != 0) {
        store.awaitDurable(w.lastTicket[s], Stores.TIMEOUT);
      }
    }
    c.signals += window;
  }
}
