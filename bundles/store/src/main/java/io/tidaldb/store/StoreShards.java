package io.tidaldb.store;

import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WriteAheadLog;
import io.tidaldb.crdt.HybridLogicalClock;
import io.tidaldb.support.errors.ErrorCounters;
import io.tidaldb.support.errors.ThreadDeaths;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The store's shards, one {@link ShardState} per WAL shard, through the store's lifecycle: each
 * built over its shard's log and, if the WAL keeps them, its local log; recovered and attached to
 * its logs' commits when the store opens ({@link #recover}); checkpointed on demand; detached from
 * its logs when the store closes or halts. It also owns the snapshot thread the shards write their
 * background snapshots on, unless the configuration supplies an executor. The shards themselves are
 * shared with the rest of the store through {@link #all()}. Thread-safe as {@link ShardState} is;
 * each step runs on the calling thread.
 */
final class StoreShards {
  /** The store's lifecycle is logged under the engine's name. */
  private static final Logger LOG = LoggerFactory.getLogger(SignalStoreEngine.class);

  private final StoreConfig config;

  /** The snapshot thread the store started, or null if the configuration supplied one. */
  private final ExecutorService ownSnapshotExecutor;

  private final ShardState[] all;

  /**
   * Builds the state of each of the WAL's shards, not yet recovered, and the snapshot thread unless
   * {@code config} supplies an executor.
   *
   * @param settings the live configuration: the half-lives of series defined from now on
   * @param identity this node's identity, marked written at a shard's first commit
   * @param replication the region's replication, or null for a single region
   * @param stateBytes each tenant's state bytes, which every shard's digests add to
   * @param tenants the known, active and purged tenants
   */
  StoreShards(
      StoreConfig config,
      WriteAheadLog wal,
      LiveSettings settings,
      HybridLogicalClock clock,
      NodeIdentity identity,
      Replication replication,
      TenantBytes stateBytes,
      TenantGate tenants) {
    this.config = config;
    this.ownSnapshotExecutor = config.snapshotExecutor() != null ? null : snapshotThread(config);
    Executor snapshotExecutor =
        ownSnapshotExecutor != null ? ownSnapshotExecutor : config.snapshotExecutor();
    this.all = new ShardState[wal.shardCount()];
    for (int i = 0; i < all.length; i++) {
      int shard = i;
      all[i] =
          new ShardState(
              i,
              wal.shard(i),
              new SeriesRegistry(type -> settings.decayFor(type)),
              new Snapshots(
                  config.directory(),
                  i,
                  config.snapshotsToKeep(),
                  config.snapshotBufferBytes(),
                  wal.shard(i)),
              clock,
              config.snapshotEveryRecords(),
              snapshotExecutor,
              position -> identity.markWritten(),
              replication == null ? () -> Long.MAX_VALUE : () -> replication.retainFrom(shard),
              localLog(wal, i),
              config.region().value(),
              identity.origin() & 0xFFFF,
              config.sessions());
      all[i].digest.shareTotals(stateBytes);
      if (replication == null) {
        all[i].pending.disable(); // one region: nothing is cut, nothing to withhold
      }
    }
    for (ShardState s : all) {
      s.tenants = tenants;
    }
  }

  /** A single snapshot thread for the store of {@code config}'s region, its deaths logged. */
  private static ExecutorService snapshotThread(StoreConfig config) {
    return Executors.newSingleThreadExecutor(
        new ThreadDeaths(
                new ErrorCounters(LOG, "store of " + config.region(), Level.ERROR, Long.MAX_VALUE),
                System::nanoTime,
                "the executor starts another snapshot thread",
                null)
            .factory("tidal-snapshot-" + config.region(), false));
  }

  /** Returns shard {@code i}'s local log, or null if the WAL keeps none. */
  static ShardLog localLog(WriteAheadLog wal, int i) {
    try {
      return wal.localLog(i);
    } catch (UnavailableException e) {
      return null;
    }
  }

  /** The shards, indexed by shard number (shared, never copied). */
  ShardState[] all() {
    return all;
  }

  /**
   * Recovers every shard (newest valid snapshot plus the WAL after it), warms up its checkpoints
   * and attaches it to its logs' commits, so that it applies them from now on.
   */
  void recover() {
    for (ShardState s : all) {
      s.recover();
      s.warmUpCheckpoints();
      s.log.setCommitListener(s);
      if (s.local != null) {
        s.local.log.setCommitListener(s.local);
      }
    }
  }

  /** Starts the snapshot thread the store owns, if any, now rather than at the first commit. */
  void startSnapshotThread() {
    if (ownSnapshotExecutor != null) {
      ownSnapshotExecutor.execute(() -> {});
    }
  }

  /** See {@link SignalStoreEngine#awaitMergesDurable}. */
  boolean awaitMergesDurable(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (ShardState s : all) {
      while (s.durableMerges() < s.merges()) {
        if (System.nanoTime() - deadline >= 0) {
          return false;
        }
        LockSupport.parkNanos(1_000_000);
      }
    }
    return true;
  }

  /**
   * Writes a snapshot of every shard now, after waiting (each wait at most {@code timeoutNanos})
   * for what is pending in its logs to be durable and applied.
   */
  void checkpoint(long timeoutNanos) {
    for (ShardState s : all) {
      long next = s.log.nextPosition();
      if (next > 0) {
        s.log.awaitDurable(next - 1, timeoutNanos);
      }
      long localNext = s.local == null ? 0 : s.local.log.nextPosition();
      if (localNext > 0) {
        s.local.log.awaitDurable(localNext - 1, timeoutNanos);
      }
      s.checkpoint(timeoutNanos);
    }
  }

  /**
   * Detaches every shard from its logs' commits, waits up to {@code timeoutNanos} per shard for its
   * pending background snapshot, and shuts the store's snapshot thread down (see {@link
   * SignalStoreEngine#close}).
   */
  void close(long timeoutNanos) {
    detach();
    for (ShardState s : all) {
      s.awaitBackground(timeoutNanos); // one started just before the listener went
    }
    if (ownSnapshotExecutor != null) {
      ownSnapshotExecutor.shutdown();
    }
  }

  /**
   * Detaches every shard from its logs' commits and interrupts the store's snapshot thread, waiting
   * until it stopped (see {@link SignalStoreEngine#halt}).
   */
  void halt() {
    detach();
    if (ownSnapshotExecutor != null) {
      ownSnapshotExecutor.shutdownNow();
      awaitSnapshotThread();
    }
  }

  /** Detaches every shard from its logs' commits: the WAL stops feeding the state. */
  private void detach() {
    for (ShardState s : all) {
      s.log.setCommitListener(null);
      if (s.local != null) {
        s.local.log.setCommitListener(null);
      }
    }
  }

  /**
   * Waits (at most 10 s) until the snapshot thread of a halted store has stopped: a snapshot it was
   * writing may still complete (whole or absent), but once {@link SignalStoreEngine#halt} returns
   * nothing of this incarnation touches the files (a test that wiped the directory right after a
   * crash met a temporary snapshot being renamed under it).
   */
  private void awaitSnapshotThread() {
    try {
      if (!ownSnapshotExecutor.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("region {}: the snapshot thread still runs 10 s after the halt", config.region());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
