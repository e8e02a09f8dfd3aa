package io.tidaldb.bench;

import io.tidaldb.api.wal.ShardLog;
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

/**
 * The WAL alone: one writer appends {@code batchSize} signal records to one shard of a real {@link
 * WalEngine} (group commit, fsync on, default settings) and waits until the last is durable.
 *
 * <p>The primary score is batches/s (invocations); JMH cannot scale it by a {@code @Param}, so the
 * auxiliary counters give the rates that matter: {@code :records} is records/s and {@code :fsyncs}
 * is segment fsyncs/s (from {@link WalMetrics}); their ratio is records per fsync. Compare {@code
 * :fsyncs} with {@link DiskLimitsBenchmark#smallWriteForce} in append mode.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@State(Scope.Benchmark)
public class WalAppendBenchmark {
  private static final long SEED = 0x3A1_0003L;
  private static final int DRAWS = 1 << 16;

  /** Records appended per durability wait. */
  @Param({"1", "16", "256", "4096"})
  public int batchSize;

  private Path dir;
  private WalEngine wal;
  private ShardLog log;
  private long[] entities;
  private long eventTime;
  private long hlc;
  private int next;

  /** Records and fsyncs per second, reported beside the primary score. */
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  @State(Scope.Thread)
  public static class Counters {
    /** Records made durable. */
    public long records;

    /** Segment fsyncs of the WAL since the iteration began. */
    public long fsyncs;

    private long fsyncsBefore;

    /** Zeroes the counters. */
    @Setup(Level.Iteration)
    public void reset(WalAppendBenchmark b) {
      records = 0;
      fsyncs = 0;
      fsyncsBefore = b.wal.metrics().fsyncs();
    }
  }

  /** Opens a one-shard WAL in a fresh directory. */
  @Setup(Level.Trial)
  public void open() {
    dir = BenchFiles.createTempDir("tidal-wal-");
    wal = Stores.openWal(dir, 1);
    log = wal.shard(0);
    SplittableRandom random = new SplittableRandom(SEED);
    entities = new long[DRAWS];
    for (int i = 0; i < DRAWS; i++) {
      entities[i] = random.nextLong(1_000_000);
    }
    eventTime = System.currentTimeMillis();
  }

  /** Prints the WAL's counters, closes it and deletes the directory. */
  @TearDown(Level.Trial)
  public void close() {
    System.out.println("\n" + wal.metrics());
    wal.close();
    BenchFiles.deleteRecursively(dir);
  }

  /**
   * Appends {@code batchSize} records, then waits for the last to be durable.
   *
   * @param c the counters
   */
  @Benchmark
  public void appendBatchAndAwait(Counters c) {
    long position = -1;
    for (int i = 0; i < batchSize; i++) {
      position =
          log.appendSignal(0, entities[next++ & (DRAWS - 1)], 1.0, eventTime, ++hlc, 0x10000);
    }
    log.awaitDurable(position, TimeUnit.SECONDS.toNanos(60));
    c.records += batchSize;
    c.fsyncs = wal.metrics().fsyncs() - c.fsyncsBefore;
  }
}
