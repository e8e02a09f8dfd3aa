package io.tidaldb.replication.node;

import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The forwarding tests' start, as a JUnit 5 extension registered as a field: before each test a
 * real node on its own one-shard WAL ({@link PeerProbe}, manual clock) that follows region 1, the
 * leader of shard 0 in epoch 1; after it, the probe and the WAL closed. (ForwardFailFastTest and
 * ForwardReplyFieldsTest each had a copy.)
 */
final class LeaderProbe implements BeforeEachCallback, AfterEachCallback {
  private final Supplier<Path> dir;
  private WalEngine wal;
  private PeerProbe probe;

  /**
   * @param dir the test's temporary directory (its {@code @TempDir} field, injected before this
   *     extension's {@code beforeEach})
   */
  LeaderProbe(Supplier<Path> dir) {
    this.dir = dir;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    wal = WalEngine.open(WalConfig.builder(dir.get().resolve("wal")).shardCount(1).build());
    probe = new PeerProbe(dir.get(), wal);
    probe.heartbeat(1, 0, 1, 0); // region 1 leads shard 0 in epoch 1
    probe.awaitLeader(0, 1);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    try {
      if (probe != null) {
        probe.close();
      }
    } finally {
      if (wal != null) {
        wal.close();
      }
    }
  }

  /** Returns the probe of the running test. */
  PeerProbe probe() {
    return probe;
  }
}
