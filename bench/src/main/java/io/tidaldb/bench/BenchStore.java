package io.tidaldb.bench;

import io.tidaldb.store.SignalStoreEngine;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;

/**
 * A single-region store on its own real WAL ({@value DurableIngest#SHARDS} shards, fsync on,
 * default group commit) in a fresh temporary directory, no checkpoints: what the durable ingest
 * benchmarks write to ({@link DurableIngest}, {@link SessionSideBySideBenchmark}, which opens two).
 */
final class BenchStore implements AutoCloseable {
  final Path dir;
  final WalEngine wal;
  final SignalStoreEngine store;

  private BenchStore(Path dir, WalEngine wal, SignalStoreEngine store) {
    this.dir = dir;
    this.wal = wal;
    this.store = store;
  }

  /**
   * Opens WAL and store in a fresh directory.
   *
   * @param prefix the temporary directory's prefix
   * @return the open store
   */
  static BenchStore open(String prefix) {
    Path dir = BenchFiles.createTempDir(prefix);
    WalEngine wal = Stores.openWal(dir, DurableIngest.SHARDS);
    return new BenchStore(dir, wal, Stores.openStore(dir, wal, Stores.NEVER));
  }

  /** Prints the WAL's metrics, closes it (the WAL holds everything) and deletes the directory. */
  @Override
  public void close() {
    System.out.println("\n" + wal.metrics());
    wal.close();
    BenchFiles.deleteRecursively(dir);
  }
}
