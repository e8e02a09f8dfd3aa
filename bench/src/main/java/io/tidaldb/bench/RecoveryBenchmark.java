package io.tidaldb.bench;

import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.store.SignalStoreEngine;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Recovery replay rate. The trial's setup writes {@value #RECORDS} signals over {@value #ENTITIES}
 * entities (seeded) through a store on a real 4-shard WAL with snapshots disabled, then closes the
 * WAL without closing the store: no checkpoint, so every recovery replays the whole log. The files
 * stay in the page cache (warm recovery; a cold one adds the disk's read time).
 *
 * <ul>
 *   <li>{@link #openWalAndStore}: one op opens {@link WalEngine} (scans and checks every batch) and
 *       {@link SignalStoreEngine} (replays every batch into fresh state), then closes the WAL only,
 *       which writes nothing; the score is records/s.
 *   <li>{@link #openWalOnly}: the WAL's own scan alone, to split the cost; records/s.
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Benchmark)
public class RecoveryBenchmark {
  static final int RECORDS = 2_000_000;
  static final int ENTITIES = 100_000;
  private static final int SHARDS = 4;
  private static final int WINDOW = 4096;
  private static final long SEED = 0x2EC0_0006L;

  private Path dir;
  private long positions;

  /** Writes the log and closes the WAL behind the store's back. */
  @Setup(Level.Trial)
  public void writeLog() {
    dir = BenchFiles.createTempDir("tidal-recovery-");
    WalEngine wal = Stores.openWal(dir, SHARDS);
    SignalStoreEngine store = Stores.openStore(dir, wal, Stores.NEVER);
    SplittableRandom random = new SplittableRandom(SEED);
    long now = System.currentTimeMillis();
    long[] last = new long[SHARDS];
    for (int written = 0; written < RECORDS; written += WINDOW) {
      for (int n = 0; n < WINDOW && written + n < RECORDS; n++) {
        long ticket =
            store.submit(
                Stores.TENANT,
                Stores.VIEW,
                random.nextInt(ENTITIES),
                1.0 + random.nextInt(4),
                now - random.nextLong(3_600_000));
        last[SignalTickets.shard(ticket)] = ticket;
      }
      for (long ticket : last) {
        store.awaitDurable(ticket, Stores.TIMEOUT);
      }
    }
    for (int s = 0; s < SHARDS; s++) {
      positions += wal.shard(s).durablePosition();
    }
    System.out.println("\nwrote " + positions + " records: " + wal.metrics());
    wal.close();
  }

  /** Deletes the log. */
  @TearDown(Level.Trial)
  public void delete() {
    BenchFiles.deleteRecursively(dir);
  }

  /**
   * Recovers WAL and store, checking that the whole log was replayed.
   *
   * @return the store's entity count, so the work is not eliminated
   */
  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public int openWalAndStore() {
    WalEngine wal = Stores.openWal(dir, SHARDS);
    try {
      SignalStoreEngine store = Stores.openStore(dir, wal, Stores.NEVER);
      long applied = Stores.applied(store);
      long entities = Stores.entities(store);
      for (int s = 0; s < SHARDS; s++) {
        if (store.snapshotPosition(s) != 0) {
          throw new IllegalStateException("shard " + s + " recovered from a snapshot");
        }
      }
      if (applied != positions || entities != ENTITIES) {
        throw new IllegalStateException(
            "replayed " + applied + " of " + positions + " records, " + entities + " entities");
      }
      return (int) entities;
    } finally {
      wal.close(); // the store is dropped unclosed: closing it would write a snapshot
    }
  }

  /**
   * Opens and closes the WAL only.
   *
   * @return the durable positions, so the work is not eliminated
   */
  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public long openWalOnly() {
    WalEngine wal = Stores.openWal(dir, SHARDS);
    try {
      long durable = 0;
      for (int s = 0; s < SHARDS; s++) {
        ShardLog log = wal.shard(s);
        durable += log.durablePosition();
      }
      if (durable != positions) {
        throw new IllegalStateException("recovered " + durable + " of " + positions + " records");
      }
      return durable;
    } finally {
      wal.close();
    }
  }
}
