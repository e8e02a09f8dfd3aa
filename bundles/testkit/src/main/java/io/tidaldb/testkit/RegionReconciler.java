package io.tidaldb.testkit;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.reconcile.ReconcileReport;
import io.tidaldb.reconcile.engine.ReconcileConfig;
import io.tidaldb.reconcile.engine.ReconcileLoop;
import io.tidaldb.reconcile.engine.ReconciliationEngine;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One incarnation of a region's reconciliation: a {@link ReconciliationEngine} over the store's
 * {@link ReconcileState}, on the cluster transport's {@link Transport#RECONCILE_CHANNEL}, run by a
 * {@link ReconcileLoop} (thread {@code tidal-reconcile-<region>}). Opened after the store and
 * closed before it, by {@link RegionProcess}; a crash, stop or wipe ends it, a restart opens a new
 * one. The engine runs on the real clock (also in a cluster on a {@link ManualClock}). Thread-safe.
 */
final class RegionReconciler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RegionReconciler.class);

  private final ReconcileLoop loop;
  private final TransportEndpoint endpoint;

  private RegionReconciler(ReconcileLoop loop, TransportEndpoint endpoint) {
    this.loop = loop;
    this.endpoint = endpoint;
  }

  /**
   * Starts the region's reconciliation.
   *
   * @param region the region
   * @param regions every region of the cluster
   * @param interval periodic sessions with each peer; zero turns them off
   * @param compaction whether the region compacts the closed epochs of the shards it leads
   * @param state the region's store side
   * @param transport the cluster's transport
   * @return the running reconciler, to close; null (logged at WARN) if the transport does not carry
   *     {@link Transport#RECONCILE_CHANNEL} (a test's wrapper that opens only replication's)
   */
  static RegionReconciler start(
      RegionId region,
      List<RegionId> regions,
      Duration interval,
      boolean compaction,
      ReconcileState state,
      Transport transport) {
    ReconcileConfig config =
        ReconcileConfig.defaults(region, regions)
            .withInterval(interval)
            .withCompaction(compaction)
            .withMaxFrameBytes(
                Math.min(transport.maxFrameBytes(), ReconcileConfig.DEFAULT_MAX_FRAME_BYTES));
    TransportEndpoint[] endpoint = new TransportEndpoint[1];
    ReconciliationEngine engine =
        new ReconciliationEngine(
            config, state, (to, frame) -> endpoint[0].send(to, frame), System.nanoTime());
    try {
      endpoint[0] = transport.open(region, Transport.RECONCILE_CHANNEL, engine::onFrame);
    } catch (UnavailableException e) {
      LOG.warn(
          "{}: no reconciliation, transport {} does not carry channel {}: {}",
          region,
          transport.name(),
          Transport.RECONCILE_CHANNEL,
          e.getMessage());
      return null;
    }
    try {
      return new RegionReconciler(new ReconcileLoop(engine), endpoint[0]);
    } catch (RuntimeException | Error e) {
      endpoint[0].close();
      throw e;
    }
  }

  /**
   * Runs a session with every other region now.
   *
   * @return completes once every session ended (unreachable peers fail at once and are listed as
   *     failed)
   */
  CompletableFuture<ReconcileReport> reconcileAll() {
    return loop.engine().reconcileAll();
  }

  /** Returns the engine, for its counters. */
  ReconciliationEngine engine() {
    return loop.engine();
  }

  /** Stops the thread (failing waiting demands), then leaves the channel. */
  @Override
  public void close() {
    try {
      loop.close();
    } finally {
      endpoint.close();
    }
  }
}
