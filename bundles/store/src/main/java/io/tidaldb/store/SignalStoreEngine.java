package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RankedEntity;
import io.tidaldb.api.ReadToken;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.ShardStatus;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.StoreStatus;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TenantUsage;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.replication.ShardSnapshot;
import io.tidaldb.api.replication.SnapshotSink;
import io.tidaldb.api.router.ShardRouter;
import io.tidaldb.api.tenancy.TenantDirectory;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WriteAheadLog;
import io.tidaldb.crdt.HybridLogicalClock;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-region signal database over a {@link WriteAheadLog} and a {@link ShardRouter}: validates
 * and logs signals, applies durable batches to per-shard CRDT state, serves reads and top-K, and
 * checkpoints each shard. Plain Java; the DS component in {@code io.tidaldb.store.component} wraps
 * it. Thread-safe.
 *
 * <p>The engine does not own the WAL: {@link #close()} flushes and checkpoints, then detaches.
 *
 * <p>With a {@link Replication} (see {@link #open(StoreConfig, WriteAheadLog, ShardRouter,
 * Replication)}), only the shard's leader appends, QUORUM and ALL wait for replication, and the
 * engine is the {@link ReplicaState} replication cuts logs through. {@code signal} and {@code
 * signalAsync} at a region that does not lead the shard forward the validated signal to the leader
 * ({@link ForwardedWrites}) and return its acknowledgement; {@code submit} and {@code awaitDurable}
 * are not forwarded (tickets are leader-local positions): they throw {@link
 * io.tidaldb.api.replication.NotLeaderException} there.
 *
 * <p>The engine is a facade: it wires the classes that own each part and hands each call to its
 * owner. A client's single writes go to {@link SignalWrites}; a signal's checks, its admission
 * under the tenant quotas, its append and the ticket API to {@link SignalAppends}; the leader's
 * writes (forwarded ones included), the {@link WritePath} and the batch and session writes to
 * {@link LeaderWrites}; reads to {@link StoreReads}; the shards, their recovery, checkpoints and
 * snapshot thread to {@link StoreShards}; the live configuration to {@link LiveSettings}; and the
 * closed flag to {@link StoreGate}. The engine itself opens, closes and halts the store.
 */
public final class SignalStoreEngine implements SignalStore, ReplicaState, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SignalStoreEngine.class);

  private final StoreConfig config;
  private final StoreShards storeShards;
  private final ShardState[] shards; // storeShards.all()
  private final HybridLogicalClock clock;
  private final NodeIdentity identity;

  /** The configuration whose live part serves and its validator (see {@link #reconfigure}). */
  private final LiveSettings settings;

  /** The known, active and purged tenants and the quotas (see "Tenants" in ARCHITECTURE.md). */
  private final TenantGate tenants;

  private final TenantPurge purge;
  private final long ackTimeoutNanos;

  private final AckExecutor acks;
  private final SignalAppends appends;
  private final SignalWrites writes;
  private final LeaderWrites leader;
  private final SessionWrites sessionWrites;
  private final BatchWrites batches;
  private final StoreReads reads;

  private final Timestamp openedAt;
  private final StoreMetrics metrics = new StoreMetrics();

  /** Each tenant's state bytes over the shards, kept by their digests (the maxBytes quota). */
  private final TenantBytes stateBytes = new TenantBytes();

  private final StoreGate gate;
  private final SnapshotTransfers transfers;
  private final ShardReconcile reconcile;

  private SignalStoreEngine(
      StoreConfig config,
      WriteAheadLog wal,
      ShardRouter router,
      NodeIdentity identity,
      Replication replication) {
    this.config = config;
    this.identity = identity;
    int origin = identity.origin(); // provenance of this node's WAL records
    this.tenants =
        new TenantGate(config.tenants(), config.directory(), new TenantQuotaGate(System::nanoTime));
    this.settings = new LiveSettings(config, tenants);
    this.gate = new StoreGate(config.region(), wal.shardCount());
    this.ackTimeoutNanos = config.ackTimeout().toNanos();
    ReplicatedWrites replicated =
        replication == null ? null : new ReplicatedWrites(replication, ackTimeoutNanos);
    this.acks = new AckExecutor(config.region());
    this.clock = new HybridLogicalClock(config.clock(), config.maxFutureSkewMillis());
    this.openedAt = Timestamp.ofMillis(config.clock().getAsLong());
    this.storeShards =
        new StoreShards(config, wal, settings, clock, identity, replication, stateBytes, tenants);
    this.shards = storeShards.all();
    this.appends =
        new SignalAppends(
            shards,
            router,
            settings,
            tenants,
            stateBytes,
            replicated,
            clock,
            origin,
            acks,
            metrics,
            gate);
    this.leader =
        new LeaderWrites(
            config, shards, appends, gate, clock, replication, replicated, acks, origin, metrics);
    this.writes = new SignalWrites(config, appends, leader.path(), metrics, replication);
    this.batches = leader.batches();
    this.sessionWrites = leader.sessionWrites();
    this.purge = new TenantPurge(shards, tenants);
    this.transfers = new SnapshotTransfers(shards, ackTimeoutNanos);
    this.reconcile = new ShardReconcile(shards, gate::checkOpen, replication);
    this.reads = new StoreReads(config, shards, router, settings, gate, stateBytes, replication);
  }

  /**
   * Opens a single-region store: recovers every shard (newest valid snapshot plus the WAL after it)
   * and starts applying new commits. Every {@link Durability} is met by the local WAL.
   *
   * @param config the configuration
   * @param wal the opened write-ahead log; its shard count must equal the router's
   * @param router the shard router
   * @return the open store
   * @throws InvalidArgumentException if the WAL and router disagree on the shard count
   * @throws StorageException if recovery meets corruption it cannot fall back from
   */
  public static SignalStoreEngine open(StoreConfig config, WriteAheadLog wal, ShardRouter router) {
    return open(config, wal, router, null);
  }

  /**
   * Opens one region's store of a replicated cluster: as the 3-argument {@code open}, but a write
   * is refused with {@link io.tidaldb.api.replication.NotLeaderException} (nothing appended) unless
   * this region leads its shard, and QUORUM/ALL wait for {@link Replication#whenStored} (see {@link
   * ReplicatedWrites}). The caller then {@linkplain Replication#attach attaches} the engine.
   *
   * @param replication the region's replication, or null for a single region
   * @see #open(StoreConfig, WriteAheadLog, ShardRouter)
   */
  public static SignalStoreEngine open(
      StoreConfig config, WriteAheadLog wal, ShardRouter router, Replication replication) {
    if (wal.shardCount() != router.shardCount()) {
      throw new InvalidArgumentException(
          "shard count",
          router.shardCount(),
          "the router has " + router.shardCount() + " shards but the WAL " + wal.shardCount());
    }
    try {
      Files.createDirectories(config.directory());
    } catch (IOException e) {
      throw new StorageException("cannot create store directory " + config.directory(), e);
    }
    List<String> lost = SnapshotHistory.retireOtherHistories(config, wal);
    boolean hasData = Snapshots.any(config.directory());
    for (int i = 0; i < wal.shardCount() && !hasData; i++) {
      hasData = wal.shard(i).durablePosition() > 0;
      ShardLog local = StoreShards.localLog(wal, i);
      hasData |= local != null && local.durablePosition() > 0;
    }
    NodeIdentity identity = NodeIdentity.open(config.directory(), config.region(), hasData, lost);
    SignalStoreEngine engine = new SignalStoreEngine(config, wal, router, identity, replication);
    long started = System.nanoTime();
    engine.storeShards.recover();
    engine.purge.dropPurged(); // a snapshot written before a purge may hold the tenant's states
    engine.storeShards.startSnapshotThread(); // its thread, started now, not by a commit
    LOG.info(
        "store open: region {} incarnation {}, {} shards, tenants {}, recovered in {} ms",
        config.region(),
        identity.incarnation(),
        engine.shards.length,
        config.tenants(),
        (System.nanoTime() - started) / 1_000_000);
    return engine;
  }

  /**
   * Applies, while the store serves, what of {@code next} can change live: the known tenants, the
   * largest accepted weight, and the half-life of every signal type that no shard has a series of
   * yet (a series of it defined from now on takes the new one). Every other setting of {@code next}
   * is ignored here: it applies when a store opens. The change is atomic: a refused one changes
   * nothing, and no series is defined while it is checked and applied.
   *
   * @param next the new configuration
   * @throws InvalidArgumentException naming {@code halfLives} (or {@code defaultHalfLifeMillis} for
   *     a type without its own), the type and both half-lives, if a series of a type exists whose
   *     half-life {@code next} would change: its state's sums are kept under the old one
   * @throws UnavailableException if the store is closed
   */
  public void reconfigure(StoreConfig next) {
    gate.checkOpen();
    settings.reconfigure(next, shards);
    LOG.info(
        "store of {} reconfigured live: tenants {}, max abs weight {}",
        config.region(),
        next.tenants(),
        next.maxAbsWeight());
  }

  @Override
  public long submit(
      TenantId tenant, SignalType type, long entity, double weight, long eventTimeMillis) {
    return appends.accept(tenant, type, entity, weight, eventTimeMillis, clock.now());
  }

  @Override
  public void awaitDurable(long ticket, Duration timeout) {
    appends.awaitDurable(ticket, timeout);
  }

  /** {@inheritDoc} The same checks {@link #signal(Signal, Durability)} makes first. */
  @Override
  public void check(Signal signal) {
    appends.validate(signal, Durability.LOCAL);
  }

  /**
   * {@inheritDoc} Validated here (bad input never leaves this region), then routed by {@link
   * WritePath}: appended here as the shard's leader, forwarded to the leader, or, while no leader
   * can be reached, retried for at most {@link StoreConfig#leaderWait()}.
   */
  @Override
  public SignalAck signal(Signal signal, Durability durability) {
    return writes.signal(signal, durability);
  }

  /**
   * {@inheritDoc} Routed as {@link #signal(Signal, Durability)}; QUORUM and ALL complete once
   * replication reports the level (or fail when it cannot be met, within the durability timeout).
   */
  @Override
  public CompletableFuture<SignalAck> signalAsync(Signal signal, Durability durability) {
    return writes.signalAsync(signal, durability);
  }

  /**
   * {@inheritDoc} Routed as {@link #signal(Signal, Durability)}, checked at the shard's leader
   * against its session table, its local streams' tables and the writes in flight there ({@link
   * SessionWrites}); a LOCAL one at a region cut off from the leader is checked here alike and
   * taken into its local stream ({@link LocalSessionShards}).
   */
  @Override
  public SignalAck signal(Signal signal, Durability durability, SessionSeq session) {
    return writes.signal(signal, durability, session);
  }

  /** {@inheritDoc} See {@link #signal(Signal, Durability, SessionSeq)}. */
  @Override
  public CompletableFuture<SignalAck> signalAsync(
      Signal signal, Durability durability, SessionSeq session) {
    return writes.signalAsync(signal, durability, session);
  }

  /**
   * {@inheritDoc} A session write forwarded here as the shard's leader: checked against the shard's
   * session table and the writes in flight like one made here ({@link SessionWrites}).
   */
  @Override
  public CompletableFuture<SignalAck> acceptForwarded(
      Signal signal, Durability durability, SessionSeq session) {
    return leader.acceptForwarded(signal, durability, session);
  }

  /**
   * {@inheritDoc} Checked and stored as this leader's own part of a session batch ({@link
   * BatchWrites}, {@link SessionWrites#writePart}).
   */
  @Override
  public CompletableFuture<SignalAck> acceptForwardedPart(
      List<Signal> signals, Durability durability, SessionSeq session) {
    return leader.acceptForwardedPart(signals, durability, session);
  }

  /**
   * {@inheritDoc} A normal leader write (leader check, validation, append; a new series waits for
   * its DEFINE's QUORUM on this thread), acknowledged asynchronously at {@code durability}. Never
   * forwarded again: a region that no longer leads fails it with {@link NotLeaderException}.
   */
  @Override
  public CompletableFuture<SignalAck> acceptForwarded(Signal signal, Durability durability) {
    return leader.acceptForwarded(signal, durability);
  }

  /**
   * Takes the tenant registry's view (the active tenants and their quotas) and purges every tenant
   * it reports deleted that this store has not purged yet ({@link #purge}). Called by the store's
   * DS component as a {@code TenantListener}; the view stays when the registry goes away.
   *
   * @param directory the region's tenant directory
   */
  public void tenantsChanged(TenantDirectory directory) {
    for (TenantId t : tenants.update(directory)) {
      if (tenants.configured().contains(t.name())) {
        LOG.warn(
            "tenant {} is named in the store configuration key 'tenants' but the registry"
                + " deleted it (in another region): purged here too, so that every region"
                + " converges; remove it from the configuration",
            t);
      }
      purge(t);
    }
  }

  /**
   * Purges a tenant from this store: records it durably in the store's purged set, then drops its
   * entity states, top-K entries and digest contributions in every shard; from then on its records
   * and merges are no-ops, also in a replay after a restart, and calls refuse it as deleted.
   * Idempotent.
   *
   * @param tenant the tenant
   * @return how many entity states were dropped
   * @throws StorageException if the purged set cannot be made durable (nothing dropped)
   */
  public int purge(TenantId tenant) {
    gate.checkOpen();
    SignalValidator.requireNonNull("tenant", tenant);
    return purge.purge(tenant);
  }

  /**
   * Returns the tenants this store purged.
   *
   * @return names
   */
  public Set<String> purgedTenants() {
    return tenants.purged();
  }

  /**
   * Returns the tenants the store's configuration names ({@code default} included).
   *
   * @return names
   */
  public Set<String> configuredTenants() {
    return tenants.configured();
  }

  @Override
  public SignalAggregate read(TenantId tenant, SignalType type, EntityId entity, Timestamp at) {
    return reads.read(tenant, type, entity, at);
  }

  /**
   * {@inheritDoc} Waits on this thread, woken as the shard's log (or this region's own stream)
   * applies, at most {@link StoreConfig#readWaitMax()} ({@link ReadGate}).
   */
  @Override
  public SignalAggregate read(
      TenantId tenant, SignalType type, EntityId entity, Timestamp at, ReadToken after) {
    return reads.read(tenant, type, entity, at, after);
  }

  /** {@inheritDoc} A single region leads every shard: it always answers. */
  @Override
  public SignalAggregate read(
      TenantId tenant, SignalType type, EntityId entity, Timestamp at, Duration maxLag) {
    return reads.read(tenant, type, entity, at, maxLag);
  }

  @Override
  public List<RankedEntity> top(TenantId tenant, SignalType type, int k, Timestamp at) {
    return reads.top(tenant, type, k, at);
  }

  /** {@inheritDoc} Waits for every shard the token names, within one read wait. */
  @Override
  public List<RankedEntity> top(
      TenantId tenant, SignalType type, int k, Timestamp at, ReadToken after) {
    return reads.top(tenant, type, k, at, after);
  }

  @Override
  public List<RankedEntity> top(
      TenantId tenant, SignalType type, int k, Timestamp at, Duration maxLag) {
    return reads.top(tenant, type, k, at, maxLag);
  }

  /**
   * Returns what {@link #top(TenantId, SignalType, int, Timestamp)} returns, computed by scoring
   * every entity of every shard without the top-K indexes (tests compare the two).
   */
  List<RankedEntity> topByScan(TenantId tenant, SignalType type, int k, Timestamp at) {
    return reads.topByScan(tenant, type, k, at);
  }

  @Override
  public Optional<TenantUsage> usage(TenantId tenant) {
    return reads.usage(tenant);
  }

  @Override
  public StoreStatus status() {
    gate.checkOpen();
    List<ShardStatus> list = new ArrayList<>(shards.length);
    for (ShardState s : shards) {
      list.add(s.status());
    }
    return new StoreStatus(
        config.region(), identity.incarnation(), openedAt, metrics.acceptedTotal(), list);
  }

  /**
   * {@inheritDoc} Series defined only in the cut suffix are unbound and their states dropped, and
   * the suffix's signals of other origins lose their effect (see {@link ShardTruncation}); nothing
   * may be appended or replicated to the shard meanwhile.
   *
   * @throws InvalidArgumentException if the shard or position is out of range or records pending
   */
  @Override
  public long truncateLog(int shard, long position, long fenceEpoch) {
    gate.checkOpen();
    gate.checkShard(shard);
    long cut = ShardTruncation.truncate(shards[shard], position, fenceEpoch);
    sessionWrites.forget(shard); // cut or applied: the rebuilt table decides
    return cut;
  }

  /**
   * {@inheritDoc} Reconciliation then gives away the states of the shard's entities whose
   * QUORUM/ALL session records lie below {@code position} ({@link PendingSessions}), and a kept cut
   * LOCAL record whose matched retry lies below it is taken back, on the snapshot thread ({@link
   * CutLocalSessions}). Any thread; never blocks, and does nothing once the store is closed.
   */
  @Override
  public void onCommitted(int shard, long position) {
    if (gate.isClosed()) {
      return;
    }
    gate.checkShard(shard);
    shards[shard].committed(position); // a due cut LOCAL compensation runs on the snapshot thread
  }

  /**
   * {@inheritDoc} The newest kept snapshot at a known epoch within the log's retained range ({@link
   * SnapshotSource}), checkpointing the shard first if there is none.
   */
  @Override
  public Optional<ShardSnapshot> openSnapshot(int shard) {
    gate.checkOpen();
    gate.checkShard(shard);
    return transfers.open(shard);
  }

  /**
   * {@inheritDoc} The bytes go to a temporary file in the store directory ({@link
   * SnapshotReceiver}); {@link SnapshotSink#install()} is {@link SnapshotInstall}.
   */
  @Override
  public SnapshotSink receiveSnapshot(int shard, long position, long lastEpoch, long size) {
    gate.checkOpen();
    gate.checkShard(shard);
    return transfers.receive(shard, position, lastEpoch, size);
  }

  /** Sets what runs after each step of a snapshot install (tests simulate crashes with it). */
  void installHook(SnapshotInstall.Hook hook) {
    transfers.installHook(hook);
  }

  /**
   * Returns the store's side of reconciliation: per shard and tenant digests kept as signals apply,
   * entity scans, states and the CRDT merge (see {@link ShardReconcile}).
   *
   * @return the reconcile state; its calls throw {@link UnavailableException} once the store closed
   */
  public io.tidaldb.api.reconcile.ReconcileState reconcileState() {
    return reconcile;
  }

  /** Returns the number of shards. */
  public int shardCount() {
    return shards.length;
  }

  /** Returns the WAL position of a shard's newest snapshot (0 if none). */
  public long snapshotPosition(int shard) {
    return shards[shard].snapshotPosition();
  }

  /** Returns the write path (tests). */
  WritePath writePath() {
    return leader.path();
  }

  /** Returns a shard's state (tests). */
  ShardState shardState(int shard) {
    return shards[shard];
  }

  /**
   * Returns the id of this node's local CRDT entry, {@code ReplicaIds.local(region, incarnation)}.
   */
  public long replicaId() {
    return identity.replicaId();
  }

  /**
   * Waits until every state a reconciliation merge changed is in a snapshot (each such merge queues
   * a checkpoint on the snapshot thread; see {@link #reconcileState()}).
   *
   * @param timeout how long at most
   * @return false if a merge is still not durable after {@code timeout}
   */
  public boolean awaitMergesDurable(Duration timeout) {
    return storeShards.awaitMergesDurable(timeout);
  }

  /** Writes a snapshot of every shard now (after waiting for what is pending to apply). */
  public void checkpoint() {
    storeShards.checkpoint(ackTimeoutNanos);
  }

  /**
   * Stops accepting calls, waits for pending signals to apply, checkpoints every shard and detaches
   * from the WAL. Idempotent. Calls after it throw {@link UnavailableException}.
   */
  @Override
  public void close() {
    if (!gate.close()) {
      return; // idempotent, also when two threads close at once
    }
    transfers.closeAll();
    try {
      checkpoint();
    } catch (RuntimeException e) {
      LOG.warn(
          "store close: final checkpoint failed, the WAL still holds everything: {}", e.toString());
    } finally {
      storeShards.close(ackTimeoutNanos);
      acks.close();
    }
    LOG.info("store closed: region {}", config.region());
  }

  /**
   * Stops the store as a crash would, for tests: no checkpoint, nothing flushed or waited for.
   * Calls fail from now on as after {@link #close()}; the WAL stops feeding the state; a snapshot
   * being written in the background is interrupted (it may still complete: a snapshot is written
   * through a temporary file and a rename, so it is whole or absent, and recovery deletes a
   * left-over temporary file); pending acknowledgements are dropped. Halt the WAL (see {@code
   * io.tidaldb.wal.WalEngine#halt}) before or after. Idempotent; {@link #close()} after it does
   * nothing.
   */
  public void halt() {
    if (!gate.close()) {
      return;
    }
    storeShards.halt();
    transfers.abandonAll(); // a killed process leaves their files: the next open deletes them
    acks.close();
    LOG.info("store halted (a simulated crash): region {}", config.region());
  }

  /**
   * Reports the store's metrics: accepted and refused writes, per-tenant counts, shard positions.
   *
   * @param sink where to report them
   */
  public void collectMetrics(io.tidaldb.api.metrics.MetricsSink sink) {
    metrics.collect(sink, status(), reconcileState(), stateBytes::get);
  }

  /**
   * Validates a signal and appends it as a session write through the leader's append (the leader
   * check's epoch fences it), without checking it against the session table: tests use it to feed
   * session records, the lead's write path checks ({@link ShardState#checkSession}) first. The
   * record says {@code LOCAL} (a cut keeps its effect).
   *
   * @return its ticket
   * @throws io.tidaldb.api.replication.NotLeaderException if this region does not lead the shard
   */
  long appendSessionWrite(Signal signal, SessionSeq session) {
    return appendSessionWrite(signal, session, Durability.LOCAL);
  }

  /**
   * As {@link #appendSessionWrite(Signal, SessionSeq)}, recording {@code level} as the level the
   * write is acknowledged at (a cut drops a {@code QUORUM} or {@code ALL} record's effect).
   *
   * @return its ticket
   */
  long appendSessionWrite(Signal signal, SessionSeq session, Durability level) {
    return appends.appendSessionWrite(signal, session, level);
  }

  /**
   * Validates the signals of a session batch's part, all of one shard, and appends them as one
   * {@code SIGNAL_BATCH_S} record through the leader's append (fenced by the leader check's epoch),
   * recording {@code level}, without checking the write against the session table (as {@link
   * #appendSessionWrite(Signal, SessionSeq, Durability)}: tests feed session records with it).
   *
   * @return the ticket of the part's last signal
   * @throws io.tidaldb.api.InvalidArgumentException if a signal is invalid, the part is empty or
   *     larger than the shard's log takes in one record, or its signals lie in several shards
   * @throws io.tidaldb.api.replication.NotLeaderException if this region does not lead the shard
   */
  long appendSessionPartWrite(List<Signal> signals, SessionSeq session, Durability level) {
    return leader.appendSessionPartWrite(signals, session, level);
  }

  /**
   * {@inheritDoc} Each part is checked against its shard's session table under the batch's
   * (session, seq) and the part's payload hash, then appended as one {@code SIGNAL_BATCH_S} record
   * (one check, one registration and one table entry per part instead of per signal), or answered
   * as a retry with the original record's acknowledgement ({@link BatchWrites}); each part is
   * routed by {@link WritePath#partAsync}: appended here, forwarded ({@code FORWARD_PART}), held
   * while no leader takes writes, a forward that stored nothing tried again, and a LOCAL part whose
   * leader stays out of reach past the leader wait taken into the local stream as one record.
   */
  @Override
  public CompletableFuture<List<SignalAck>> signalBatchAsync(
      List<Signal> signals, Durability durability, SessionSeq session) {
    return batches.session(signals, durability, session);
  }

  /**
   * {@inheritDoc} The parts are sent as {@link #signalBatchAsync(List, Durability, SessionSeq)}
   * sends them ({@link BatchWrites}).
   */
  @Override
  public List<CompletableFuture<SignalAck>> signalEachAsync(
      List<Signal> signals, Durability durability, SessionSeq session) {
    return batches.each(signals, durability, session);
  }

  /**
   * {@inheritDoc} Each part is appended as consecutive {@code SIGNAL} records in one step of its
   * log ({@link BatchWrites}): one leader check, one series lookup per signal, one acknowledgement
   * per part.
   */
  @Override
  public CompletableFuture<List<SignalAck>> signalBatchAsync(
      List<Signal> signals, Durability durability) {
    return batches.plain(signals, durability);
  }

  /**
   * Accepts a signal in this region's own stream of {@code shard} (availability first, while the
   * shard's leader is unreachable): validates it, appends it to the shard's local log ({@link
   * LocalStream}) and completes, on the ack threads, once it is durable there and applied to this
   * region's local entry, with a {@link SignalAck#local() local} LOCAL acknowledgement whose
   * position is the local log's. It never touches the shard's log and asks replication nothing;
   * other regions get the signal through reconciliation.
   *
   * @param shard the signal's shard (the router's for (tenant, entity))
   * @return the acknowledgement; failed with {@link UnavailableException} ({@code mayBeStored()}
   *     false) if the shard does not define (tenant, type) yet (a new series needs the leader) or
   *     the WAL keeps no local logs, with {@link InvalidArgumentException} for bad input or a shard
   *     that is not the signal's
   */
  public CompletableFuture<SignalAck> appendLocal(
      int shard,
      TenantId tenant,
      SignalType type,
      EntityId entity,
      double weight,
      Timestamp eventTime) {
    return appends.appendLocal(shard, tenant, type, entity, weight, eventTime);
  }
}
