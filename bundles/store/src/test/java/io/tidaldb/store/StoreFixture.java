package io.tidaldb.store;

import io.tidaldb.api.replication.Replication;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Opens a WAL, a router and a store over one directory, and reopens them after a close. */
final class StoreFixture implements AutoCloseable {
  static final int SHARDS = 4;

  final Path dir;
  private final UnaryOperator<StoreConfig.Builder> storeSettings;
  private final UnaryOperator<WalConfig.Builder> walSettings;
  private final Replication replication;
  WalEngine wal;
  SignalStoreEngine store;

  StoreFixture(Path dir) {
    this(dir, b -> b, b -> b);
  }

  StoreFixture(
      Path dir,
      UnaryOperator<StoreConfig.Builder> storeSettings,
      UnaryOperator<WalConfig.Builder> walSettings) {
    this(dir, storeSettings, walSettings, null);
  }

  StoreFixture(
      Path dir,
      UnaryOperator<StoreConfig.Builder> storeSettings,
      UnaryOperator<WalConfig.Builder> walSettings,
      Replication replication) {
    this.dir = dir;
    this.storeSettings = storeSettings;
    this.walSettings = walSettings;
    this.replication = replication;
    open();
  }

  StoreFixture open() {
    wal =
        WalEngine.open(
            walSettings.apply(WalConfig.builder(dir.resolve("wal")).shardCount(SHARDS)).build());
    try {
      store =
          SignalStoreEngine.open(
              storeSettings
                  .apply(StoreConfig.builder(dir.resolve("store")).tenants("acme", "globex"))
                  .build(),
              wal,
              new HashShardRouter(SHARDS),
              replication);
    } catch (RuntimeException e) {
      wal.close();
      throw e;
    }
    return this;
  }

  /** Closes store and WAL cleanly, then opens both again. */
  StoreFixture reopen() {
    close();
    return open();
  }

  /**
   * Closes the WAL without closing the store first: no final checkpoint, recovery replays. The old
   * store is then halted as a crash stops it ({@link SignalStoreEngine#halt}): left running, its
   * snapshot thread could finish a snapshot into the directory the new store opened (and one the
   * test's temporary directory was being deleted from: ClosedDigestShortcutTest, CI run j17c-3).
   */
  StoreFixture reopenWithoutCheckpoint() {
    wal.close();
    store.halt();
    return open();
  }

  @Override
  public void close() {
    store.close();
    wal.close();
  }
}
