package io.tidaldb.bench;

import io.tidaldb.api.ShardStatus;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.wal.WriteAheadLog;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.store.SignalStoreEngine;
import io.tidaldb.store.StoreConfig;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;
import java.time.Duration;

/** Opens WALs and stores the way the benchmarks use them; see the store's {@code StoreFixture}. */
final class Stores {
  /** The tenant every benchmark writes to. */
  static final TenantId TENANT = TenantId.DEFAULT;

  /** The signal type every benchmark writes. */
  static final SignalType VIEW = SignalType.of("view");

  /** How long a benchmark waits for durability before failing. */
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  /** A snapshot interval no benchmark reaches: recovery must replay the whole log. */
  static final long NEVER = Long.MAX_VALUE;

  private Stores() {}

  /**
   * Returns how many (tenant, type, entity) states a store holds over all shards.
   *
   * @param store the store
   * @return the entity count
   */
  static long entities(SignalStore store) {
    long n = 0;
    for (ShardStatus s : store.status().shards()) {
      n += s.entities();
    }
    return n;
  }

  /**
   * Returns how many log records a store has applied over all shards.
   *
   * @param store the store
   * @return the sum of the shards' applied positions
   */
  static long applied(SignalStore store) {
    long n = 0;
    for (ShardStatus s : store.status().shards()) {
      n += s.appliedPosition();
    }
    return n;
  }

  /**
   * Opens (or recovers) a real WAL with default settings in {@code dir/wal}.
   *
   * @param dir the data directory
   * @param shards the shard count
   * @return the open WAL
   */
  static WalEngine openWal(Path dir, int shards) {
    return WalEngine.open(WalConfig.builder(dir.resolve("wal")).shardCount(shards).build());
  }

  /**
   * Opens (or recovers) a store in {@code dir/store} over a WAL.
   *
   * @param dir the data directory
   * @param wal the WAL
   * @param snapshotEveryRecords the snapshot interval, {@link #NEVER} to disable snapshots
   * @return the open store
   */
  static SignalStoreEngine openStore(Path dir, WriteAheadLog wal, long snapshotEveryRecords) {
    return SignalStoreEngine.open(
        StoreConfig.builder(dir.resolve("store"))
            .snapshotEveryRecords(snapshotEveryRecords)
            .build(),
        wal,
        new HashShardRouter(wal.shardCount()));
  }
}
