package io.tidaldb.testkit;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.transport.LinkFaults;
import io.tidaldb.api.transport.LinkShaping;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.session.client.RetryPolicy;
import io.tidaldb.session.client.Session;
import io.tidaldb.session.client.SessionClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A multi-region TidalDB cluster in this JVM: per region a real WAL, replication node and store
 * under {@code <root>/region-<n>/{wal,store,epochs}}, all regions sharing one {@link Transport}.
 * Writes go to each shard's leader; waits are by condition with a deadline; regions can be crashed,
 * restarted and (with a {@link LinkFaults} transport) partitioned; with a {@link LinkShaping}
 * transport (the default in-process one) {@link #faults()} also cuts links one way, shapes them and
 * pauses regions. Every region also runs reconciliation (anti-entropy) on the transport's
 * reconciliation channel: on demand ({@link #reconcileAll()}, {@link #awaitFullConvergence}),
 * periodically if {@link ClusterConfig#withReconcileInterval} says so, and as retries after a
 * session failed; it stops and starts with its region.
 *
 * <p><b>Crashes.</b> Three ways down, each cutting the region's links first: {@link #crash} is
 * {@code kill -9} in this JVM (each region's WAL writes through its own {@link
 * io.tidaldb.support.disk.SimulatedDisk}, which refuses every write and fsync from the instant of
 * the crash; the WAL, replication and store then stop without flushing, fsyncing or checkpointing;
 * the files keep what was written, as a killed process's page cache does); {@link #powerLoss} also
 * loses every byte not fsynced; {@link #stop} is graceful (pending records flushed, closing
 * checkpoint). {@link #restart} recovers from the files as after a process restart.
 *
 * <p><b>OSGi.</b> Inside a framework (the test kit bundle has a context), each running region's
 * store is registered as a {@link io.tidaldb.api.SignalStore} service and its replication as a
 * {@link io.tidaldb.api.replication.Replication} service, with the properties {@code region=<n>}
 * and {@code tidaldb.cluster=<}{@link #id()}{@code >}; unregistered on crash and close, registered
 * again on restart.
 *
 * <p><b>Time.</b> Regions run on the {@link ManualClock} of the configuration if there is one, else
 * on {@code System.nanoTime} and {@code System.currentTimeMillis}. Deadlines of the {@code await*}
 * methods are always on the real clock. Thread-safe; lifecycle calls are serialized.
 */
public final class SimulatedCluster implements AutoCloseable {
  private static final AtomicLong CLUSTERS = new AtomicLong();

  private final ClusterConfig config;
  private final String id;
  private final ClusterDirectory directory;
  private final Transport transport;
  private final LongSupplier nanoClock;
  private final List<RegionProcess> nodes = new ArrayList<>();
  private final ClusterProbe probe;
  private final ClusterWaits waits;
  private final ClusterStates states;
  private final LeaderWrites writes;
  private final RegionLifecycle lifecycle;
  private final PartitionLedger partitions = new PartitionLedger();

  private SimulatedCluster(ClusterConfig config, ClusterDirectory directory, Transport transport) {
    this.config = config;
    this.id = "cluster-" + ProcessHandle.current().pid() + "-" + CLUSTERS.incrementAndGet();
    this.directory = directory;
    this.transport = transport;
    ManualClock manual = config.clock().orElse(null);
    this.nanoClock = manual == null ? System::nanoTime : manual::nanos;
    LongSupplier millisClock = manual == null ? System::currentTimeMillis : manual::millis;
    for (RegionId r : config.regions()) {
      Path dir = directory.root().resolve("region-" + r.value());
      nodes.add(new RegionProcess(r, dir, config, transport, nanoClock, millisClock));
    }
    this.probe = new ClusterProbe(nodes);
    this.waits = new ClusterWaits(probe, config.shards());
    this.states = new ClusterStates(nodes, probe, config.shards());
    this.writes =
        new LeaderWrites(
            probe, new HashShardRouter(config.shards()), config.durabilityTimeout(), millisClock);
    this.lifecycle =
        new RegionLifecycle(id, nodes, transport, ServicePublisher.forEnvironment(id), directory);
  }

  /**
   * Builds and starts a cluster: opens every region, attaches each store to its replication and,
   * inside an OSGi framework, registers the services. Does not wait for leaders (see {@link
   * #awaitLeader(Duration)}). On failure everything opened is closed again.
   *
   * @param config the configuration
   * @return the running cluster; close it
   * @throws InvalidArgumentException if {@code config} is null or the factory returns null
   * @throws io.tidaldb.api.StorageException if a region's data cannot be opened
   */
  public static SimulatedCluster build(ClusterConfig config) {
    if (config == null) {
      throw new InvalidArgumentException("config", null, "must not be null");
    }
    ClusterDirectory directory = ClusterDirectory.open(config.directory().orElse(null));
    Transport transport;
    try {
      transport = config.transport().create();
      if (transport == null) {
        throw new InvalidArgumentException(
            "transport factory", config.transport(), "returned null");
      }
    } catch (RuntimeException | Error e) {
      directory.deleteIfOwned(e);
      throw e;
    }
    SimulatedCluster cluster = new SimulatedCluster(config, directory, transport);
    try {
      cluster.lifecycle.startAll();
    } catch (RuntimeException | Error e) {
      try {
        cluster.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return cluster;
  }

  /**
   * Returns this cluster's id, the value of the {@code tidaldb.cluster} service property.
   *
   * @return the id, unique in this JVM
   */
  public String id() {
    return id;
  }

  /**
   * Returns the configuration the cluster was built from.
   *
   * @return the configuration
   */
  public ClusterConfig config() {
    return config;
  }

  /**
   * Returns the root directory of the regions' data.
   *
   * @return the root ({@code region-<n>} folders below it)
   */
  public Path directory() {
    return directory.root();
  }

  /**
   * Returns the cluster's monotonic time, the clock to pass to {@link #awaitEventApplied}.
   *
   * @return nanoseconds: the manual clock's if configured, else {@code System.nanoTime()}
   */
  public long nanoTime() {
    return nanoClock.getAsLong();
  }

  /**
   * Returns the regions, in configuration order.
   *
   * @return the regions
   */
  public List<RegionId> regions() {
    return config.regions();
  }

  /**
   * Returns a region of the cluster.
   *
   * @param region the region
   * @return its node, running or crashed
   * @throws InvalidArgumentException if the region is not in the cluster
   */
  public RegionNode node(RegionId region) {
    return process(region);
  }

  /**
   * Returns the factory the cluster's transport came from.
   *
   * @return the factory
   */
  public TransportFactory transportFactory() {
    return config.transport();
  }

  /**
   * Returns the fault injection of the cluster's transport.
   *
   * @return the link faults
   * @throws UnsupportedOperationException naming the transport if it offers none
   */
  public LinkFaults links() {
    if (transport instanceof LinkFaults faults) {
      return faults;
    }
    throw new UnsupportedOperationException(
        "transport "
            + transport.name()
            + " ("
            + transport.getClass().getName()
            + ") does not implement LinkFaults");
  }

  /**
   * Returns the network faults of the cluster: one-way cuts, bridge partitions, shaped links
   * (delay, loss, duplication, reordering) and paused regions.
   *
   * @return the faults, over the transport's {@link LinkShaping}
   * @throws UnsupportedOperationException naming the transport if it offers no {@link LinkShaping}
   */
  public ClusterFaults faults() {
    if (transport instanceof LinkShaping shaping) {
      return new ClusterFaults(shaping, config.regions(), partitions);
    }
    throw new UnsupportedOperationException(
        "transport "
            + transport.name()
            + " ("
            + transport.getClass().getName()
            + ") does not implement LinkShaping");
  }

  /**
   * Partitions two regions from each other, both directions, until the returned partition is
   * closed: {@link NetworkPartition#symmetric} over {@link #faults()}.
   *
   * @param a one region
   * @param b the other
   * @return the live partition; close it to heal exactly the links it cut
   * @throws InvalidArgumentException if the regions are equal or not in the cluster
   * @throws UnsupportedOperationException if the transport offers no {@link LinkShaping}
   * @since testkit 1.3.0
   */
  public NetworkPartition partition(RegionId a, RegionId b) {
    return NetworkPartition.symmetric(a, b, faults());
  }

  /**
   * Cuts frames from one region to another, until the returned partition is closed: {@link
   * NetworkPartition#oneWay} over {@link #faults()}.
   *
   * @param from the sending region
   * @param to the receiving region
   * @return the live partition; close it to heal
   * @throws InvalidArgumentException if the regions are equal or not in the cluster
   * @throws UnsupportedOperationException if the transport offers no {@link LinkShaping}
   * @since testkit 1.3.0
   */
  public NetworkPartition partitionOneWay(RegionId from, RegionId to) {
    return NetworkPartition.oneWay(from, to, faults());
  }

  /**
   * Partitions two groups of regions, both directions, until the returned partition is closed:
   * {@link NetworkPartition#between} over {@link #faults()}.
   *
   * @param side one group
   * @param other the other group, disjoint from {@code side}
   * @return the live partition; close it to heal
   * @throws InvalidArgumentException if a group is empty, they overlap, or a region is not in the
   *     cluster
   * @throws UnsupportedOperationException if the transport offers no {@link LinkShaping}
   * @since testkit 1.3.0
   */
  public NetworkPartition partition(Set<RegionId> side, Set<RegionId> other) {
    return NetworkPartition.between(side, other, faults());
  }

  /**
   * Writes a signal of the default tenant, now, with {@link Durability#QUORUM}, at its shard's
   * leader.
   *
   * @param type the signal type
   * @param entity the entity
   * @param weight a finite weight
   * @return the leader's acknowledgement
   * @see #writeSignal(String, String, long, double, Durability)
   */
  public SignalAck writeSignal(String type, long entity, double weight) {
    return writeSignal(TenantId.DEFAULT.name(), type, entity, weight, Durability.QUORUM);
  }

  /**
   * Writes a signal, now on the cluster's clock, at its shard's current leader: retried on another
   * region while the addressed one does not lead or could not forward it (nothing stored then), for
   * at most the durability timeout while no leader is elected.
   *
   * @param tenant the tenant, one of the configured ones
   * @param type the signal type
   * @param entity the entity
   * @param weight a finite weight
   * @param durability the level the leader waits for
   * @return the leader's acknowledgement
   * @throws ClusterTimeoutException if no leader accepted the write in time
   * @throws io.tidaldb.api.UnavailableException if the durability was not reached (the signal may
   *     be stored: it is not retried)
   * @throws InvalidArgumentException for bad input, naming the value
   */
  public SignalAck writeSignal(
      String tenant, String type, long entity, double weight, Durability durability) {
    if (durability == null) {
      throw new InvalidArgumentException("durability", null, "must not be null");
    }
    return writes.write(TenantId.of(tenant), SignalType.of(type), entity, weight, durability);
  }

  /**
   * Returns whether every shard has a leader that a majority of the running regions name and that
   * accepts writes now.
   *
   * @return true if writes can go to every shard now
   */
  public boolean hasLeader() {
    return waits.hasLeader();
  }

  /**
   * Waits until {@link #hasLeader()}.
   *
   * @param timeout how long at most
   * @return how long it took
   * @throws ClusterTimeoutException naming every shard's view if the timeout passes
   */
  public Duration awaitLeader(Duration timeout) {
    return waits.awaitLeaders(Deadline.after(timeout));
  }

  /**
   * Waits until {@code shard} has a leader (named by a majority of running regions, accepting
   * writes) and returns it.
   *
   * @param shard the shard
   * @param timeout how long at most
   * @return the leader
   * @throws ClusterTimeoutException naming the regions' views if the timeout passes
   */
  public RegionId awaitLeader(ShardId shard, Duration timeout) {
    return waits.awaitLeader(shardIndex(shard), Deadline.after(timeout));
  }

  /**
   * Returns the leader of {@code shard}, waiting for an election for at most the durability
   * timeout.
   *
   * @param shard the shard
   * @return the region that leads it and accepts writes
   * @throws ClusterTimeoutException if no leader is elected in time
   */
  public RegionId leaderOf(ShardId shard) {
    return awaitLeader(shard, config.durabilityTimeout());
  }

  /**
   * Waits until {@code region} has durably stored and applied every record that the shards' leaders
   * had durable when the call started, and returns the time since {@code sinceNanos}: pass the
   * {@link #nanoTime()} read before writing a signal to get that signal's replication latency.
   *
   * @param region a running region
   * @param sinceNanos a time on {@link #nanoTime()}
   * @param timeout how long at most
   * @return {@code nanoTime() - sinceNanos} once applied, in nanoseconds
   * @throws ClusterTimeoutException naming the region, the shard and the positions
   * @throws InvalidArgumentException if the region is not in the cluster or is crashed
   */
  public long awaitEventApplied(RegionId region, long sinceNanos, Duration timeout) {
    RegionProcess n = process(region);
    if (!n.isRunning()) {
      throw new InvalidArgumentException("region", region, "is crashed; restart it first");
    }
    waits.awaitApplied(n, Deadline.after(timeout));
    return nanoClock.getAsLong() - sinceNanos;
  }

  /**
   * Waits until the cluster has converged, logs and state: every shard has a leader and every
   * running region has applied each shard up to its leader's durable position (as {@link
   * #awaitLogConvergence}); then every running region reconciles with the others ({@link
   * #reconcileAll()}); then, per shard and tenant, every running region's bucket digests and every
   * entity's canonical state bytes equal the first running region's. All of it is repeated until it
   * holds or the timeout passes. So a signal a region stored outside the shard logs (its local
   * stream while cut off from a leader, or a deposed leader's kept records) is on every region once
   * this returns.
   *
   * @param timeout how long at most
   * @throws ClusterTimeoutException naming the first region and shard behind, with positions, or
   *     the first two regions, shard, tenant and entity whose states differ
   * @since testkit 1.4.0 (before: positions only, now {@link #awaitLogConvergence})
   */
  public void awaitFullConvergence(Duration timeout) {
    waits.awaitFullConvergence(Deadline.after(timeout), states);
  }

  /**
   * Waits until the cluster has converged, logs and state, as {@link #awaitFullConvergence}, but
   * without reconciling: only the regions' own triggers do (periodic sessions, {@link
   * ClusterConfig#withReconcileInterval}; a failed session's retries once a link heals). So a test
   * can show that those triggers alone make every region's state equal.
   *
   * @param timeout how long at most
   * @throws ClusterTimeoutException naming the first region and shard behind, with positions, or
   *     the first two regions, shard, tenant and entity whose states differ
   * @since testkit 1.5.0
   */
  public void awaitStateConvergence(Duration timeout) {
    waits.awaitStateConvergence(Deadline.after(timeout), states);
  }

  /**
   * Waits until every shard has a leader and every running region has applied each shard up to its
   * leader's durable position, the same in two consecutive polls (what {@link
   * #awaitFullConvergence} did before testkit 1.4.0).
   *
   * <p>It compares log positions only, and does not reconcile: a signal one region stored outside
   * the shard logs (or a state that differs at equal positions) is not seen by it.
   *
   * @param timeout how long at most
   * @throws ClusterTimeoutException naming the first region and shard behind, with positions
   * @since testkit 1.4.0
   */
  public void awaitLogConvergence(Duration timeout) {
    waits.awaitConvergence(Deadline.after(timeout));
  }

  /**
   * Runs reconciliation now, in rounds one after another, each one region's sessions with every
   * other region in parallel (comparing digests top-down and exchanging the states of the entities
   * that differ, merged by CRDT join; a session runs both ways): the first running region twice (it
   * gathers every region's states, then hands them out), then every running region it could not
   * reach. A session with a region it cannot reach fails at once and is listed in the report. Waits
   * at most the durability timeout per call.
   *
   * @return what the sessions did: duration, bytes, round trips, states merged
   * @throws ClusterTimeoutException if a region's sessions did not end in time
   * @since testkit 1.4.0
   */
  public ClusterReconcileReport reconcileAll() {
    return reconcileAll(config.durabilityTimeout());
  }

  /**
   * Runs reconciliation now, as {@link #reconcileAll()}, waiting at most {@code timeout}.
   *
   * @param timeout how long at most
   * @return what the sessions did
   * @throws ClusterTimeoutException if a region's sessions did not end in time
   * @since testkit 1.4.0
   */
  public ClusterReconcileReport reconcileAll(Duration timeout) {
    return states.reconcileAll(Deadline.after(timeout));
  }

  /**
   * Returns a region's store, to write at that region: its {@code signal} takes the store's one
   * write path (append if the region leads the signal's shard, else forward to the leader, else,
   * for a LOCAL write when the leader stays out of reach past the leader wait, the region's own
   * local stream). Unlike {@link #writeSignal}, nothing is retried at another region.
   *
   * @param region a running region
   * @return its store (the same as {@code node(region).db()})
   * @throws InvalidArgumentException if the region is not in the cluster
   * @throws io.tidaldb.api.UnavailableException if the region is crashed
   * @since testkit 1.4.0
   */
  public SignalStore store(RegionId region) {
    return process(region).db();
  }

  /**
   * Returns a region's tenant administration: tenants created, changed or deleted there reach the
   * other regions by gossip on the transport's tenancy channel (also after a partition heals), and
   * each region's store learns of them (a deleted tenant is purged there).
   *
   * @param region a running region
   * @return its tenant admin (also a {@code TenantDirectory})
   * @throws io.tidaldb.api.UnavailableException if the region is crashed or the transport does not
   *     carry the tenancy channel
   * @since testkit 1.8.0
   */
  public io.tidaldb.api.tenancy.TenantAdmin tenants(RegionId region) {
    return process(region).tenants();
  }

  /**
   * Opens a new client session of a tenant and returns its retrying client over every region's
   * store, in configuration order: each write takes the session's next seq and is retried, with the
   * same seq, at the next region when its outcome is ambiguous (a lost reply, a leader crash or
   * step-down, a partition), so the store counts it once (QUORUM and ALL at any region; LOCAL as
   * the client's javadoc says). Each region's entry calls the region's current store, so the client
   * keeps working through {@link #crash} and {@link #restart}; a region that is down refuses at
   * once, nothing stored, and the next one is tried. The retry policy is {@link
   * #sessionRetryPolicy()}; back-offs and attempt timeouts run on the client's own thread and the
   * real clock (with a {@link ManualClock} the stores' own waits still need the test to advance
   * it). Close the client when done (its retry thread).
   *
   * <pre>{@code
   * try (SessionClient client = cluster.session(TenantId.DEFAULT)) {
   *   SignalAck ack = client.signal(Signal.of(...), Durability.QUORUM); // counted once
   * }
   * }</pre>
   *
   * @param tenant the session's tenant, one of the configured ones
   * @return a new client of a new session ({@link Session#open}); close it
   * @throws InvalidArgumentException if {@code tenant} is null
   * @since testkit 1.6.0
   */
  public SessionClient session(TenantId tenant) {
    return session(tenant, b -> b);
  }

  /**
   * Opens a client session as {@link #session(TenantId)} does, with options of the client's builder
   * set by {@code options} (its coalescing of single writes, say; the stores are added before, the
   * policy may be replaced).
   *
   * @param tenant the session's tenant, one of the configured ones
   * @param options sets options on the builder and returns it
   * @return a new client of a new session ({@link Session#open}); close it
   * @throws InvalidArgumentException if {@code tenant} or {@code options} is null
   * @since testkit 1.9.0
   */
  public SessionClient session(
      TenantId tenant, java.util.function.UnaryOperator<SessionClient.Builder> options) {
    if (tenant == null || options == null) {
      throw new InvalidArgumentException(
          tenant == null ? "tenant" : "options", null, "must not be null");
    }
    SessionClient.Builder b =
        SessionClient.builder(Session.open(tenant)).policy(sessionRetryPolicy());
    for (RegionId r : config.regions()) {
      b.store(r, ClusterSessions.follow(r, this::store));
    }
    return options.apply(b).build();
  }

  /**
   * Returns the retry policy of {@link #session}'s clients, from the cluster's timings: an attempt
   * waits longer than the store's own bounded waits (leader wait plus twice the durability timeout,
   * plus 2 s), the back-off grows from one heartbeat to two election timeouts (so a retry after a
   * failover finds the new leader), 8 attempts, and a deadline that fits them all.
   *
   * @return the policy
   * @since testkit 1.6.0
   */
  public RetryPolicy sessionRetryPolicy() {
    return ClusterSessions.policy(config);
  }

  /**
   * Crashes a region as {@code kill -9} would (see the class comment): withdraws its services, cuts
   * all its links if the transport has {@link LinkFaults}, then kills it: from that instant its WAL
   * files take no write or fsync, and its WAL, replication and store stop without flushing,
   * checkpointing or closing anything gracefully. Its files keep what was written, fsynced or not.
   *
   * @param region a running region
   * @throws InvalidArgumentException if the region is unknown or already down
   */
  public void crash(RegionId region) {
    lifecycle.down(process(region), RegionLifecycle.Down.CRASH);
  }

  /**
   * Cuts a region's power: as {@link #crash}, and then every byte its WAL wrote but had not fsynced
   * is lost (files rolled back to their last fsync, files created without a directory fsync
   * deleted). What the region acknowledged durable (fsynced) survives.
   *
   * @param region a running region
   * @return the bytes lost: written, never fsynced
   * @throws InvalidArgumentException if the region is unknown or already down
   */
  public long powerLoss(RegionId region) {
    return lifecycle.down(process(region), RegionLifecycle.Down.POWER_LOSS);
  }

  /**
   * Makes a region's WAL fsyncs wait, or run again: its batches are then written but not durable,
   * so nothing it holds is acknowledged and a {@link #powerLoss} takes them. Released by a crash or
   * power loss of the region too.
   *
   * @param region a region
   * @param stalled whether fsyncs wait
   */
  public void stallFsyncs(RegionId region, boolean stalled) {
    process(region).stallFsyncs(stalled);
  }

  /**
   * Returns how many of a region's WAL fsyncs wait now (see {@link #stallFsyncs}).
   *
   * @param region a region
   * @return the count
   */
  public int stalledFsyncs(RegionId region) {
    return process(region).stalledFsyncs();
  }

  /**
   * Stops a region gracefully (the in-JVM crash of earlier versions): withdraws its services, cuts
   * its links, then closes its replication, store and WAL; closing flushes and fsyncs what the WAL
   * still has pending, records not yet acknowledged included, and the store writes its closing
   * checkpoint, so the region comes back with every record it had accepted.
   *
   * @param region a running region
   * @throws InvalidArgumentException if the region is unknown or already down
   */
  public void stop(RegionId region) {
    lifecycle.down(process(region), RegionLifecycle.Down.STOP);
  }

  /**
   * Deletes every file of a region that is down (WAL, store, snapshots, epoch files, {@code
   * node.id}), as an operator replacing a lost disk would: its next {@link #restart} opens it empty
   * under a new replica incarnation, and it rejoins by catching up from its shards' leaders (from a
   * snapshot if their logs no longer reach back to the start).
   *
   * @param region a crashed or stopped region
   * @return how many files were deleted
   * @throws InvalidArgumentException if the region is unknown or running
   * @throws java.io.UncheckedIOException if a file cannot be deleted
   */
  public int wipe(RegionId region) {
    return lifecycle.wipe(process(region));
  }

  /**
   * Restarts a stopped or crashed region from its directories, with the same region id: heals all
   * its links (also ones cut by the test before the crash, either way) and ends its pause, reopens
   * WAL, replication and store, reattaches the store and registers its services again. Does not
   * wait for it to catch up.
   *
   * @param region a crashed region
   * @throws InvalidArgumentException if the region is unknown or running
   */
  public void restart(RegionId region) {
    lifecycle.restart(process(region));
  }

  /**
   * Closes every region (replication, then store, then WAL), then the transport if it is {@link
   * AutoCloseable}, and deletes the data if the directory was a temporary one. Idempotent.
   *
   * @throws IllegalStateException if something failed to close, after closing everything else
   */
  @Override
  public void close() {
    lifecycle.closeAll();
  }

  @Override
  public String toString() {
    return "SimulatedCluster[" + id + ", " + nodes + ", " + directory.root() + "]";
  }

  /**
   * Returns a running region's reconciliation (for tests in this package: its engine's counters,
   * one region's sessions); null if the transport does not carry the channel.
   */
  RegionReconciler reconciler(RegionId region) {
    return process(region).reconciler();
  }

  /**
   * Waits until every state a region's reconciliation merges changed is in a snapshot (for tests in
   * this package: a merge is durable one snapshot write after it).
   */
  boolean awaitMergesDurable(RegionId region, Duration timeout) {
    return process(region).awaitMergesDurable(timeout);
  }

  private RegionProcess process(RegionId region) {
    RegionProcess n = region == null ? null : probe.node(region);
    if (n == null) {
      throw new InvalidArgumentException("region", region, "is not one of " + config.regions());
    }
    return n;
  }

  private int shardIndex(ShardId shard) {
    if (shard == null || shard.value() >= config.shards()) {
      throw new InvalidArgumentException(
          "shard", shard, "must be one of the " + config.shards() + " shards");
    }
    return shard.value();
  }
}
