package io.tidaldb.bench;

import io.tidaldb.store.SignalStoreEngine;
import io.tidaldb.wal.WalEngine;
import io.tidaldb.wal.WalMetrics;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The durable ingest benchmarks' harness ({@link SignalIngestBenchmark}, {@link
 * SessionIngestBenchmark}): a single-region store on a real WAL ({@value #SHARDS} shards, fsync on,
 * default group commit) in a fresh directory per trial, no checkpoints; the WAL's records per fsync
 * and mean fsync printed after each iteration; each writer's seeded draws ({@link Draws}) and its
 * count of durable signals ({@link Counters}). Subclasses are the {@code @State(Scope.Benchmark)}
 * and inherit these set-up and tear-down methods.
 */
public abstract class DurableIngest {
  /** Draws per writer (a power of two: indices wrap by mask). */
  static final int DRAWS = 1 << 18;

  /** The WAL's shards. */
  static final int SHARDS = 4;

  WalEngine wal;
  SignalStoreEngine store;
  long now;
  private BenchStore opened;
  private long fsyncsBefore;
  private long recordsBefore;

  /** Returns the prefix of the trial's temporary directory. */
  abstract String directoryPrefix();

  /** Opens WAL and store in a fresh directory. */
  @Setup(Level.Trial)
  public void open() {
    opened = BenchStore.open(directoryPrefix());
    wal = opened.wal;
    store = opened.store;
    now = System.currentTimeMillis();
  }

  /** Notes the WAL's counters before an iteration. */
  @Setup(Level.Iteration)
  public void markIteration() {
    fsyncsBefore = wal.metrics().fsyncs();
    recordsBefore = wal.metrics().records();
  }

  /** Prints records per fsync of the iteration, and the mean fsync so far. */
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
    opened.close();
  }

  /**
   * One writer's inputs: {@link #DRAWS} entities drawn uniformly from {@code entityCount}, event
   * times within the hour before {@code now}, weights 1 to 4, from a seed of its own.
   */
  static final class Draws {
    final long[] entities = new long[DRAWS];
    final long[] eventTimes = new long[DRAWS];
    final double[] weights = new double[DRAWS];

    Draws(long seed, int entityCount, long now) {
      SplittableRandom random = new SplittableRandom(seed);
      for (int i = 0; i < DRAWS; i++) {
        entities[i] = random.nextInt(entityCount);
        eventTimes[i] = now - random.nextLong(3_600_000);
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
}
