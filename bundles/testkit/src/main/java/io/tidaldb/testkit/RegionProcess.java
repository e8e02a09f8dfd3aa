package io.tidaldb.testkit;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.StoreStatus;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.replication.node.ReplicationConfig;
import io.tidaldb.replication.node.ReplicationNode;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.store.SignalStoreEngine;
import io.tidaldb.store.StoreConfig;
import io.tidaldb.support.disk.SimulatedDisk;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import io.tidaldb.wal.WalFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * One region's WAL, replication, store and reconciliation, opened from {@code
 * <root>/region-<n>/{wal,store,epochs}} (the WAL's segments through the region's {@link
 * SimulatedDisk}), closed gracefully (reconciliation, replication, then store, then WAL) on {@link
 * #stop()}, and killed on {@link #crash(boolean)}. Lifecycle calls are serialized by the cluster;
 * the accessors may race with them and then see a crashed region.
 */
final class RegionProcess implements RegionNode {
  /** Segments small enough that a test cluster does not reserve gigabytes. */
  private static final long SEGMENT_BYTES = 16L << 20;

  /** One open incarnation of the region. */
  private record Parts(
      WalEngine wal,
      ReplicationNode replication,
      SignalStoreEngine store,
      RegionReconciler reconciler,
      RegionTenancy tenancy) {}

  private final RegionId region;
  private final Path directory;
  private final ClusterConfig config;
  private final Transport transport;
  private final LongSupplier nanoClock;
  private final LongSupplier millisClock;
  private final SimulatedDisk disk = new SimulatedDisk();
  private volatile Parts parts;

  RegionProcess(
      RegionId region,
      Path directory,
      ClusterConfig config,
      Transport transport,
      LongSupplier nanoClock,
      LongSupplier millisClock) {
    this.region = region;
    this.directory = directory;
    this.config = config;
    this.transport = transport;
    this.nanoClock = nanoClock;
    this.millisClock = millisClock;
  }

  /**
   * Opens the WAL, the replication and the store, attaches the store to the replication, then
   * starts the region's reconciliation over the store.
   */
  void start() {
    if (parts != null) {
      throw new IllegalStateException(region + " is already running");
    }
    WalEngine wal =
        WalEngine.open(
            WalConfig.builder(directory.resolve("wal"))
                .shardCount(config.shards())
                .segmentBytes(config.segmentBytes().orElse(SEGMENT_BYTES))
                .files(walFiles())
                .build());
    ReplicationNode replication = null;
    try {
      ReplicationConfig rc =
          ReplicationConfig.defaults(region, config.regions(), directory.resolve("epochs"))
              .withTimings(config.heartbeat(), config.election())
              .withDurabilityTimeout(config.durabilityTimeout())
              // A manual clock's jumps are meant to fire timeouts, not to be forgiven as pauses.
              .withPauseThreshold(
                  config.clock().isPresent()
                      ? Duration.ZERO
                      : ReplicationConfig.DEFAULT_PAUSE_THRESHOLD);
      if (config.maxRetainedRecords().isPresent()) {
        rc =
            rc.withShipping(
                rc.shipping().withMaxRetainedRecords(config.maxRetainedRecords().getAsLong()));
      }
      replication = new ReplicationNode(rc, wal, transport, nanoClock);
      StoreConfig.Builder sb =
          StoreConfig.builder(directory.resolve("store"))
              .region(region)
              .tenants(config.tenants().toArray(String[]::new))
              .ackTimeout(config.durabilityTimeout())
              .clock(millisClock);
      config.snapshotEveryRecords().ifPresent(sb::snapshotEveryRecords);
      StoreConfig sc = sb.build();
      SignalStoreEngine store =
          SignalStoreEngine.open(sc, wal, new HashShardRouter(config.shards()), replication);
      replication.attach(store);
      RegionReconciler reconciler;
      try {
        reconciler =
            RegionReconciler.start(
                region,
                config.regions(),
                config.reconcileInterval(),
                config.compaction(),
                store.reconcileState(),
                transport);
      } catch (RuntimeException | Error e) {
        closeQuietly(store, e);
        throw e;
      }
      RegionTenancy tenancy;
      try {
        tenancy =
            RegionTenancy.start(
                region, config.regions(), directory.resolve("tenancy"), transport, store);
      } catch (RuntimeException | Error e) {
        if (reconciler != null) {
          closeQuietly(reconciler, e);
        }
        closeQuietly(store, e);
        throw e;
      }
      parts = new Parts(wal, replication, store, reconciler, tenancy);
    } catch (RuntimeException | Error e) {
      if (replication != null) {
        closeQuietly(replication, e);
      }
      closeQuietly(wal, e);
      throw e;
    }
  }

  /**
   * Closes replication, store and WAL, in that order, gracefully: the WAL drains and fsyncs what is
   * pending, the store writes its closing checkpoint. A no-op if the region is not running.
   *
   * @throws RuntimeException the first failure, later ones suppressed in it, after closing all
   */
  void stop() {
    Parts p = parts;
    if (p == null) {
      return;
    }
    parts = null;
    RuntimeException failure = null;
    for (AutoCloseable c :
        new AutoCloseable[] {p.tenancy(), p.reconciler(), p.replication(), p.store(), p.wal()}) {
      if (c == null) {
        continue; // no reconciliation: the transport lacks its channel
      }
      try {
        c.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = new IllegalStateException("closing " + region + " failed", e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Kills the region as {@code kill -9} would (with {@code powerLoss}, as a power cut would): from
   * this instant its WAL's files take no further write or fsync (the disk cuts the channels off),
   * with {@code powerLoss} they lose every byte not fsynced; then its threads are stopped without
   * flushing, checkpointing or closing anything gracefully: WAL halted, replication closed (it
   * holds no unflushed data of its own), store halted. A no-op if the region is not running.
   *
   * @param powerLoss whether the unsynced bytes are lost too
   * @return the bytes the power loss took (0 for a crash)
   */
  long crash(boolean powerLoss) {
    Parts p = parts;
    if (p == null) {
      return 0;
    }
    parts = null;
    disk.crash(); // the instant of death: nothing written after it reaches the files
    disk.stallForces(false); // the next incarnation's fsyncs run
    if (p.tenancy() != null) {
      p.tenancy().close(); // tells the store nothing more
    }
    if (p.reconciler() != null) {
      p.reconciler().close(); // merges nothing more: its thread is gone before the store halts
    }
    p.wal().halt();
    p.replication().close();
    p.store().halt();
    // The WAL's threads have exited: nothing of this incarnation writes any more.
    return powerLoss ? disk.powerLoss() : 0;
  }

  /**
   * Deletes the region's whole directory (it must be down).
   *
   * @return how many files were deleted
   */
  int wipe() {
    if (parts != null) {
      throw new IllegalStateException(region + " is running");
    }
    if (!Files.exists(directory)) {
      return 0;
    }
    try (Stream<Path> all = Files.walk(directory)) {
      List<Path> paths = all.sorted(Comparator.reverseOrder()).toList();
      int files = 0;
      for (Path p : paths) {
        if (!Files.isDirectory(p) && Files.deleteIfExists(p)) {
          files++;
        } else {
          Files.deleteIfExists(p);
        }
      }
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot wipe " + region + " at " + directory + ": " + e, e);
    }
  }

  /** The WAL's files, on this region's disk. */
  private WalFiles walFiles() {
    return new WalFiles() {
      @Override
      public FileChannel open(Path file, OpenOption... options) throws IOException {
        return disk.open(file, options);
      }

      @Override
      public void syncDirectory(Path directory) throws IOException {
        disk.syncDirectory(directory);
      }
    };
  }

  /** Makes the WAL's fsyncs wait (or run again): see {@link SimulatedDisk#stallForces}. */
  void stallFsyncs(boolean stalled) {
    disk.stallForces(stalled);
  }

  /** Returns how many of the WAL's fsyncs wait now. */
  int stalledFsyncs() {
    return disk.stalledForces();
  }

  @Override
  public RegionId region() {
    return region;
  }

  @Override
  public SignalStore db() {
    return running().store();
  }

  @Override
  public Replication replication() {
    return running().replication();
  }

  @Override
  public boolean isRunning() {
    return parts != null;
  }

  /** Returns the store's status, or null if the region is crashed or closing. */
  StoreStatus statusOrNull() {
    Parts p = parts;
    if (p == null) {
      return null;
    }
    try {
      return p.store().status();
    } catch (UnavailableException e) {
      return null; // closed meanwhile
    }
  }

  /**
   * Returns a shard's log, for checks that compare logs.
   *
   * @throws UnavailableException if the region is crashed
   */
  ShardLog shardLog(int shard) {
    return running().wal().shard(shard);
  }

  /**
   * Waits until every state a reconciliation merge changed is in a snapshot (see {@link
   * SignalStoreEngine#awaitMergesDurable}).
   *
   * @throws UnavailableException if the region is crashed
   */
  boolean awaitMergesDurable(Duration timeout) {
    return running().store().awaitMergesDurable(timeout);
  }

  /**
   * Returns the reconciliation of the running incarnation.
   *
   * @return it, or null if the transport does not carry the reconciliation channel
   * @throws UnavailableException if the region is crashed
   */
  RegionReconciler reconciler() {
    return running().reconciler();
  }

  /**
   * Returns the store's side of reconciliation (digests and canonical states).
   *
   * @throws UnavailableException if the region is crashed
   */
  ReconcileState reconcileState() {
    return running().store().reconcileState();
  }

  /**
   * Returns the region's tenant registry.
   *
   * @throws UnavailableException if the region is crashed or its transport lacks the channel
   */
  io.tidaldb.api.tenancy.TenantAdmin tenants() {
    RegionTenancy t = running().tenancy();
    if (t == null) {
      throw new UnavailableException(
          region + " has no tenant registry: the transport lacks its channel");
    }
    return t.node();
  }

  /** Returns the data directory of the region. */
  Path directory() {
    return directory;
  }

  @Override
  public String toString() {
    return region + (isRunning() ? " (running)" : " (crashed)");
  }

  private Parts running() {
    Parts p = parts;
    if (p == null) {
      throw new UnavailableException(region + " is crashed or closed; restart it first");
    }
    return p;
  }

  private static void closeQuietly(AutoCloseable c, Throwable into) {
    try {
      c.close();
    } catch (Exception e) {
      into.addSuppressed(e);
    }
  }
}
