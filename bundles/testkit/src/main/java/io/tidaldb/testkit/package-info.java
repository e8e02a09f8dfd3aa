/**
 * The TidalDB test kit: a multi-region cluster simulated in one JVM, for our itests and for users'
 * CI. Each region runs the real engines (WAL, replication, store) on its own directory; all regions
 * share one transport (in-process by default, with link faults). Tests write through {@link
 * io.tidaldb.testkit.SimulatedCluster#writeSignal}, which finds each shard's leader, crash ({@code
 * kill -9}), cut the power of (unsynced bytes lost), stop (gracefully) and restart regions, cut
 * links (or, through {@link io.tidaldb.testkit.SimulatedCluster#faults()}, cut them one way, shape
 * them with seeded delay, loss, duplication and reordering, and pause regions), and wait by
 * condition with deadlines, never by sleeping.
 *
 * <pre>{@code
 * try (SimulatedCluster cluster = SimulatedCluster.build(ClusterConfig.threeRegions())) {
 *   cluster.awaitLeader(Duration.ofSeconds(5));
 *   long since = cluster.nanoTime();
 *   cluster.writeSignal("click", 42, 1.0); // QUORUM, at shard's leader
 *   long latencyNanos = cluster.awaitEventApplied(RegionId.of(2), since, Duration.ofSeconds(5));
 *   RegionId crashed = ShardCrash.crash(ShardId.of(0), cluster, true); // fail over, restart
 *   cluster.awaitFullConvergence(Duration.ofSeconds(10));
 *   SignalAggregate a = cluster.node(crashed).db().read(SignalType.of("click"), EntityId.of(42));
 *   assert a.count() == 1;
 * }
 * }</pre>
 *
 * <p>{@link io.tidaldb.testkit.FailoverTrials} repeats unplanned failovers (a shard leader crashed
 * under a QUORUM load, restarted and caught up) and reports their times, where the time went and
 * whether every acknowledged write survived exactly once ({@link
 * io.tidaldb.testkit.FailoverReport}; since 1.2.0).
 *
 * <p>{@link io.tidaldb.testkit.NetworkPartition} (since 1.3.0) is a cut that heals itself when
 * closed: {@code try (NetworkPartition p = cluster.partition(a, b)) { ... }}, one way with {@code
 * partitionOneWay}, or between two groups of regions.
 *
 * <p>Every region runs reconciliation (anti-entropy, the {@code tidal-reconcile} engine) over its
 * store (since 1.4.0): {@link io.tidaldb.testkit.SimulatedCluster#reconcileAll()} runs it now and
 * reports what it exchanged ({@link io.tidaldb.testkit.ClusterReconcileReport}); {@link
 * io.tidaldb.testkit.SimulatedCluster#awaitFullConvergence} waits for the logs, reconciles, then
 * compares every region's digests and exact per-entity states ({@code awaitLogConvergence}: logs
 * only; {@code awaitStateConvergence}, since 1.5.0: logs and states, reconciled only by the
 * regions' own periodic and retried sessions); {@link io.tidaldb.testkit.SimulatedCluster#store}
 * writes at one region through its write path. After its sessions, each region compacts the closed
 * epochs of the shards it leads where every region holds the same closed entries (since 1.5.0;
 * {@link io.tidaldb.testkit.ClusterConfig#withCompaction} turns it off).
 *
 * <p>{@link io.tidaldb.testkit.SimulatedCluster#session} (since 1.6.0) opens a client session and
 * returns its retrying {@code SessionClient} over every region: a write whose outcome is ambiguous
 * is retried with the same seq at another region and counted once. {@link
 * io.tidaldb.testkit.FrameDrops} (since 1.6.0) is the in-process transport that also drops the next
 * frames of a type (a lost FORWARD_REPLY, say). Since 1.9.0 {@code session(tenant, options)} sets
 * options of the client's builder (its coalescing of pipelined single writes, say).
 *
 * <p>{@link io.tidaldb.testkit.RegionTransports} (since 1.7.0) runs a cluster over one transport
 * per region, for transports that speak for one region each, such as TCP ({@link
 * io.tidaldb.testkit.TransportFactory#perRegion}); inside a framework the cluster component binds
 * them as services ({@code transports.target}).
 *
 * <p>Configuration is an immutable {@link io.tidaldb.testkit.ClusterConfig}; a {@link
 * io.tidaldb.testkit.ManualClock} makes every region's timers move only when the test advances it.
 * Inside an OSGi framework each running region's store and replication are also registered as
 * services with the properties {@code region} and {@code tidaldb.cluster}.
 */
@Export
@Version("1.9.0")
package io.tidaldb.testkit;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
