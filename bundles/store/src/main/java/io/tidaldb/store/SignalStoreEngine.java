package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RankedEntity;
import io.tidaldb.api.ReadToken;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.ShardStatus;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalTickets;
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
import io.tidaldb.api.tenancy.QuotaExceededException;
import io.tidaldb.api.tenancy.TenantDirectory;
import io.tidaldb.api.tenancy.TenantQuotas;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WriteAheadLog;
import io.tidaldb.crdt.HybridLogicalClock;
import io.tidaldb.session.table.Decision;
import io.tidaldb.support.errors.ErrorCounters;
import io.tidaldb.support.errors.ThreadDeaths;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

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
 */
public final class SignalStoreEngine implements SignalStore, ReplicaState, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SignalStoreEngine.class);

  private final StoreConfig config;
  private final ShardRouter router;
  private final ShardState[] shards;
  private final HybridLogicalClock clock;
  private final NodeIdentity identity;

  /** The origin this node's WAL records carry (provenance: region << 16 | incarnation). */
  private final int origin;

  /**
   * The configuration whose live part serves: the known tenants, the weight bound and the
   * half-lives of series defined from now on (see {@link #reconfigure}); the rest is {@code
   * config}'s.
   */
  private volatile StoreConfig live;

  private volatile SignalValidator validator;
  private final Object reconfigureLock = new Object();

  /** The known, active and purged tenants and the quotas (see "Tenants" in ARCHITECTURE.md). */
  private final TenantGate tenants;

  private final TenantPurge purge;
  private final long ackTimeoutNanos;
  private final ReplicatedWrites replicated;
  private final ForwardedWrites forwarded;

  /** The region's replication, or null for a single region. */
  private final Replication replication;

  private final AckExecutor acks;
  private final WritePath path;
  private final LeaderWrites leaderWrites = new LeaderWrites();
  private final SessionWrites sessionWrites;
  private final BatchWrites batches;

  /** Session writes taken into the local streams ({@link LocalSessionShards}). */
  private final SessionWrites localSessionWrites;

  private final Timestamp openedAt;
  private final StoreMetrics metrics = new StoreMetrics();

  /** Each tenant's state bytes over the shards, kept by their digests (the maxBytes quota). */
  private final TenantBytes stateBytes = new TenantBytes();

  private final AtomicBoolean closed = new AtomicBoolean();
  private final SnapshotTransfers transfers;
  private final ShardReconcile reconcile;
  private final ReadGate reads;
  private final ReadQuantum quantum;

  /** The snapshot thread this engine started, or null if the configuration supplied one. */
  private final ExecutorService ownSnapshotExecutor;

  private SignalStoreEngine(
      StoreConfig config,
      WriteAheadLog wal,
      ShardRouter router,
      NodeIdentity identity,
      Replication replication) {
    this.config = config;
    this.router = router;
    this.identity = identity;
    this.origin = identity.origin();
    this.live = config;
    this.tenants =
        new TenantGate(config.tenants(), config.directory(), new TenantQuotaGate(System::nanoTime));
    this.validator = new SignalValidator(config, config, tenants);
    this.ackTimeoutNanos = config.ackTimeout().toNanos();
    this.replication = replication;
    this.replicated =
        replication == null ? null : new ReplicatedWrites(replication, ackTimeoutNanos);
    this.forwarded = new ForwardedWrites(replication, ackTimeoutNanos);
    this.acks = new AckExecutor(config.region());
    this.sessionWrites = new SessionWrites(new SessionShards(), wal.shardCount());
    this.path =
        new WritePath(
            replication,
            forwarded,
            leaderWrites,
            config.leaderWait().toNanos(),
            System::nanoTime,
            acks);
    this.clock = new HybridLogicalClock(config.clock(), config.maxFutureSkewMillis());
    this.openedAt = Timestamp.ofMillis(config.clock().getAsLong());
    this.shards = new ShardState[wal.shardCount()];
    this.ownSnapshotExecutor =
        config.snapshotExecutor() != null
            ? null
            : Executors.newSingleThreadExecutor(
                new ThreadDeaths(
                        new ErrorCounters(
                            LOG, "store of " + config.region(), Level.ERROR, Long.MAX_VALUE),
                        System::nanoTime,
                        "the executor starts another snapshot thread",
                        null)
                    .factory("tidal-snapshot-" + config.region(), false));
    Executor snapshotExecutor =
        ownSnapshotExecutor != null ? ownSnapshotExecutor : config.snapshotExecutor();
    for (int i = 0; i < shards.length; i++) {
      int shard = i;
      shards[i] =
          new ShardState(
              i,
              wal.shard(i),
              new SeriesRegistry(type -> live.decayFor(type)),
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
              origin & 0xFFFF,
              config.sessions());
      shards[i].digest.shareTotals(stateBytes);
      if (replication == null) {
        shards[i].pending.disable(); // one region: nothing is cut, nothing to withhold
      }
    }
    this.localSessionWrites =
        new SessionWrites(
            new LocalSessionShards(
                shards, origin, acks, leaderWrites::whenStored, clock::now, metrics),
            shards.length);
    for (ShardState s : shards) {
      s.tenants = tenants;
    }
    this.batches =
        new BatchWrites(
            shards,
            path,
            replication,
            replicated,
            config.leaderWait().toNanos(),
            acks,
            clock::now,
            origin,
            metrics,
            new BatchWrites.Gate() {
              @Override
              public int validate(Signal signal, Durability durability) {
                return SignalStoreEngine.this.validate(signal, durability);
              }

              @Override
              public void admit(Signal signal, int shard) {
                SignalStoreEngine.this.admit(signal, shard);
              }

              @Override
              public void checkOpen() {
                SignalStoreEngine.this.checkOpen();
              }

              @Override
              public CompletableFuture<SignalAck> whenStored(
                  long ticket, long hlc, Durability level) {
                return leaderWrites.whenStored(ticket, hlc, level);
              }
            });
    this.purge = new TenantPurge(shards, tenants);
    this.transfers = new SnapshotTransfers(shards, ackTimeoutNanos);
    this.reconcile = new ShardReconcile(shards, this::checkOpen, replication);
    this.quantum = new ReadQuantum(config.readQuantum().toNanos(), ReadQuantum.of(shards));
    this.reads =
        new ReadGate(
            shards,
            config.region().value(),
            config.readWaitMax(),
            System::nanoTime,
            replication == null ? shard -> 0 : replication::leaderContactAgeNanos);
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
      ShardLog local = localLog(wal, i);
      hasData |= local != null && local.durablePosition() > 0;
    }
    NodeIdentity identity = NodeIdentity.open(config.directory(), config.region(), hasData, lost);
    SignalStoreEngine engine = new SignalStoreEngine(config, wal, router, identity, replication);
    long started = System.nanoTime();
    for (ShardState s : engine.shards) {
      s.recover();
      s.warmUpCheckpoints();
      s.log.setCommitListener(s);
      if (s.local != null) {
        s.local.log.setCommitListener(s.local);
      }
    }
    engine.purge.dropPurged(); // a snapshot written before a purge may hold the tenant's states
    if (engine.ownSnapshotExecutor != null) {
      engine.ownSnapshotExecutor.execute(() -> {}); // its thread, started now, not by a commit
    }
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
    checkOpen();
    synchronized (reconfigureLock) {
      underTableLocks(
          0,
          () -> {
            for (ShardState s : shards) {
              for (SeriesRegistry.Series series : s.registry.snapshot()) {
                long kept = series.decay().halfLifeMillis();
                long wanted = next.decayFor(series.type().name()).halfLifeMillis();
                if (kept != wanted) {
                  throw halfLifeChange(next, series, s.shard, kept, wanted);
                }
              }
            }
            live = next;
            tenants.configure(next.tenants());
            validator = new SignalValidator(next, config, tenants);
          });
    }
    LOG.info(
        "store of {} reconfigured live: tenants {}, max abs weight {}",
        config.region(),
        next.tenants(),
        next.maxAbsWeight());
  }

  private static InvalidArgumentException halfLifeChange(
      StoreConfig next, SeriesRegistry.Series series, int shard, long kept, long wanted) {
    String type = series.type().name();
    return new InvalidArgumentException(
        next.hasOwnHalfLife(type) ? "halfLives" : "defaultHalfLifeMillis",
        type + "=" + wanted,
        "type "
            + type
            + " has state built with half-life "
            + kept
            + " ms (tenant "
            + series.tenant().name()
            + ", shard "
            + shard
            + "); its sums cannot be converted, so changing it needs a new type name or an"
            + " empty store");
  }

  /** Runs {@code action} holding the table lock of every shard's series registry from {@code i}. */
  private void underTableLocks(int i, Runnable action) {
    if (i == shards.length) {
      action.run();
    } else {
      shards[i].registry.whileNoneBound(() -> underTableLocks(i + 1, action));
    }
  }

  @Override
  public long submit(
      TenantId tenant, SignalType type, long entity, double weight, long eventTimeMillis) {
    return accept(tenant, type, entity, weight, eventTimeMillis, clock.now());
  }

  @Override
  public void awaitDurable(long ticket, Duration timeout) {
    int shard = SignalTickets.shard(ticket);
    if (shard >= shards.length) {
      throw new InvalidArgumentException(
          "ticket", ticket, "names shard " + shard + " of " + shards.length);
    }
    try {
      shards[shard].log.awaitDurable(SignalTickets.position(ticket), timeout.toNanos());
    } catch (UnavailableException e) {
      metrics.refused(e);
      throw e;
    }
  }

  /** {@inheritDoc} The same checks {@link #signal(Signal, Durability)} makes first. */
  @Override
  public void check(Signal signal) {
    validate(signal, Durability.LOCAL);
  }

  /**
   * {@inheritDoc} Validated here (bad input never leaves this region), then routed by {@link
   * WritePath}: appended here as the shard's leader, forwarded to the leader, or, while no leader
   * can be reached, retried for at most {@link StoreConfig#leaderWait()}.
   */
  @Override
  public SignalAck signal(Signal signal, Durability durability) {
    int shard = validate(signal, durability);
    admit(signal, shard);
    try {
      return path.signal(signal, shard, durability);
    } catch (UnavailableException e) {
      metrics.refused(e);
      throw e;
    }
  }

  /**
   * {@inheritDoc} Routed as {@link #signal(Signal, Durability)}; QUORUM and ALL complete once
   * replication reports the level (or fail when it cannot be met, within the durability timeout).
   */
  @Override
  public CompletableFuture<SignalAck> signalAsync(Signal signal, Durability durability) {
    try {
      int shard = validate(signal, durability);
      admit(signal, shard);
      return counted(path.signalAsync(signal, shard, durability));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Counts {@code ack}'s failure with {@link UnavailableException} among the refused writes, as
   * {@link #signal(Signal, Durability)} counts its throw (bad input and quotas are counted where
   * they are found); returns {@code ack}.
   */
  private CompletableFuture<SignalAck> counted(CompletableFuture<SignalAck> ack) {
    if (ack.isDone() && !ack.isCompletedExceptionally()) {
      return ack; // answered at once (a retry's original ack, an already durable position)
    }
    // a stage per write (14 % of a plain write's bytes, bench/RESULTS.md §30): counting where the
    // refusals arise would save it
    ack.whenComplete(countUnavailable);
    return ack;
  }

  private final java.util.function.BiConsumer<SignalAck, Throwable> countUnavailable =
      (ack, failure) -> {
        Throwable cause =
            failure instanceof java.util.concurrent.CompletionException
                ? failure.getCause()
                : failure;
        if (cause instanceof UnavailableException u) {
          metrics.refused(u);
        }
      };

  /**
   * {@inheritDoc} Routed as {@link #signal(Signal, Durability)}, checked at the shard's leader
   * against its session table, its local streams' tables and the writes in flight there ({@link
   * SessionWrites}); a LOCAL one at a region cut off from the leader is checked here alike and
   * taken into its local stream ({@link LocalSessionShards}).
   */
  @Override
  public SignalAck signal(Signal signal, Durability durability, SessionSeq session) {
    CompletableFuture<SignalAck> ack = signalAsync(signal, durability, session);
    return ReplicatedWrites.await(
        ack,
        ackTimeoutNanos + config.leaderWait().toNanos() + ForwardedWrites.MARGIN_NANOS,
        () -> "session write " + session + " (" + durability + ")",
        () -> replication == null ? null : replication.region());
  }

  /** {@inheritDoc} See {@link #signal(Signal, Durability, SessionSeq)}. */
  @Override
  public CompletableFuture<SignalAck> signalAsync(
      Signal signal, Durability durability, SessionSeq session) {
    try {
      SignalValidator.requireNonNull("session", session);
      int shard = validate(signal, durability);
      admit(signal, shard);
      return counted(path.signalAsync(signal, shard, durability, session));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * {@inheritDoc} A session write forwarded here as the shard's leader: checked against the shard's
   * session table and the writes in flight like one made here ({@link SessionWrites}).
   */
  @Override
  public CompletableFuture<SignalAck> acceptForwarded(
      Signal signal, Durability durability, SessionSeq session) {
    if (session == null) {
      return acceptForwarded(signal, durability);
    }
    try {
      int shard = validate(signal, durability);
      long epoch = replicated == null ? ShardLog.ANY_EPOCH : replicated.checkLeader(shards[shard]);
      return sessionWrites.write(signal, shard, epoch, clock.now(), durability, session);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * {@inheritDoc} Checked and stored as this leader's own part of a session batch ({@link
   * BatchWrites}, {@link SessionWrites#writePart}).
   */
  @Override
  public CompletableFuture<SignalAck> acceptForwardedPart(
      List<Signal> signals, Durability durability, SessionSeq session) {
    return batches.acceptForwarded(signals, durability, session, sessionWrites);
  }

  /**
   * {@inheritDoc} A normal leader write (leader check, validation, append; a new series waits for
   * its DEFINE's QUORUM on this thread), acknowledged asynchronously at {@code durability}. Never
   * forwarded again: a region that no longer leads fails it with {@link NotLeaderException}.
   */
  @Override
  public CompletableFuture<SignalAck> acceptForwarded(Signal signal, Durability durability) {
    try {
      int shard = validate(signal, durability);
      long hlc = clock.now();
      long epoch = replicated == null ? ShardLog.ANY_EPOCH : replicated.checkLeader(shards[shard]);
      long ticket = append(signal, shard, epoch, hlc);
      return forwarded.stored(shards[shard].log, ticket, hlc, durability);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
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
    checkOpen();
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
    int shard = checkRead(tenant, type, entity, at);
    return aggregate(shard, tenant, type, entity, at);
  }

  /**
   * {@inheritDoc} Waits on this thread, woken as the shard's log (or this region's own stream)
   * applies, at most {@link StoreConfig#readWaitMax()} ({@link ReadGate}).
   */
  @Override
  public SignalAggregate read(
      TenantId tenant, SignalType type, EntityId entity, Timestamp at, ReadToken after) {
    int shard = checkRead(tenant, type, entity, at);
    SignalValidator.requireNonNull("read token", after);
    long start = System.nanoTime();
    reads.await(shard, after, start, reads.deadline());
    return aggregate(shard, tenant, type, entity, at);
  }

  /** {@inheritDoc} A single region leads every shard: it always answers. */
  @Override
  public SignalAggregate read(
      TenantId tenant, SignalType type, EntityId entity, Timestamp at, Duration maxLag) {
    int shard = checkRead(tenant, type, entity, at);
    ReadGate.checkMaxLag(maxLag);
    reads.checkLag(shard, maxLag);
    return aggregate(shard, tenant, type, entity, at);
  }

  private SignalAggregate aggregate(
      int shard, TenantId tenant, SignalType type, EntityId entity, Timestamp at) {
    SignalAggregate a = shards[shard].aggregate(tenant, type, entity.value(), at);
    quantum.spent();
    return a;
  }

  @Override
  public List<RankedEntity> top(TenantId tenant, SignalType type, int k, Timestamp at) {
    checkTop(tenant, type, k, at);
    return collectTop(tenant, type, k, at);
  }

  /** {@inheritDoc} Waits for every shard the token names, within one read wait. */
  @Override
  public List<RankedEntity> top(
      TenantId tenant, SignalType type, int k, Timestamp at, ReadToken after) {
    checkTop(tenant, type, k, at);
    SignalValidator.requireNonNull("read token", after);
    reads.awaitAll(after);
    return collectTop(tenant, type, k, at);
  }

  @Override
  public List<RankedEntity> top(
      TenantId tenant, SignalType type, int k, Timestamp at, Duration maxLag) {
    checkTop(tenant, type, k, at);
    ReadGate.checkMaxLag(maxLag);
    reads.checkLagAll(maxLag);
    return collectTop(tenant, type, k, at);
  }

  /** Checks a read's arguments and returns the entity's shard. */
  private int checkRead(TenantId tenant, SignalType type, EntityId entity, Timestamp at) {
    checkOpen();
    validator.checkTenant(tenant);
    SignalValidator.requireNonNull("signal type", type);
    SignalValidator.requireNonNull("entity", entity);
    SignalValidator.requireNonNull("at", at);
    return router.shardOf(tenant, entity.value());
  }

  private void checkTop(TenantId tenant, SignalType type, int k, Timestamp at) {
    checkOpen();
    validator.checkTenant(tenant);
    SignalValidator.requireNonNull("signal type", type);
    SignalValidator.requireNonNull("at", at);
    if (k < 1 || k > TopIndex.MAX_K) {
      throw new InvalidArgumentException("k", k, "must be 1.." + TopIndex.MAX_K);
    }
  }

  /**
   * Returns what {@link #top(TenantId, SignalType, int, Timestamp)} returns, computed by scoring
   * every entity of every shard without the top-K indexes (tests compare the two).
   */
  List<RankedEntity> topByScan(TenantId tenant, SignalType type, int k, Timestamp at) {
    checkTop(tenant, type, k, at);
    TopKCollector top = new TopKCollector(k);
    for (ShardState s : shards) {
      s.offerAllOf(tenant, type, at.epochMillis(), top);
    }
    return top.result();
  }

  private List<RankedEntity> collectTop(TenantId tenant, SignalType type, int k, Timestamp at) {
    TopKCollector top = new TopKCollector(k);
    long atMillis = at.epochMillis();
    for (ShardState s : shards) {
      s.offerTop(tenant, type, k, atMillis, top);
    }
    List<RankedEntity> result = top.result();
    quantum.spent();
    return result;
  }

  @Override
  public Optional<TenantUsage> usage(TenantId tenant) {
    checkOpen();
    SignalValidator.requireNonNull("tenant", tenant);
    long entities = 0;
    for (ShardState s : shards) {
      entities += s.entityCount(tenant);
    }
    return Optional.of(new TenantUsage(tenant, entities, bytesOf(tenant)));
  }

  /** The tenant's state bytes over the shards ({@link TenantBytes}), never below 0. */
  private long bytesOf(TenantId tenant) {
    return Math.max(0, stateBytes.get(tenant));
  }

  @Override
  public StoreStatus status() {
    checkOpen();
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
    checkOpen();
    checkShard(shard);
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
    if (closed.get()) {
      return;
    }
    checkShard(shard);
    shards[shard].committed(position); // a due cut LOCAL compensation runs on the snapshot thread
  }

  /**
   * {@inheritDoc} The newest kept snapshot at a known epoch within the log's retained range ({@link
   * SnapshotSource}), checkpointing the shard first if there is none.
   */
  @Override
  public Optional<ShardSnapshot> openSnapshot(int shard) {
    checkOpen();
    checkShard(shard);
    return transfers.open(shard);
  }

  /**
   * {@inheritDoc} The bytes go to a temporary file in the store directory ({@link
   * SnapshotReceiver}); {@link SnapshotSink#install()} is {@link SnapshotInstall}.
   */
  @Override
  public SnapshotSink receiveSnapshot(int shard, long position, long lastEpoch, long size) {
    checkOpen();
    checkShard(shard);
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
    return path;
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
    long deadline = System.nanoTime() + timeout.toNanos();
    for (ShardState s : shards) {
      while (s.durableMerges() < s.merges()) {
        if (System.nanoTime() - deadline >= 0) {
          return false;
        }
        LockSupport.parkNanos(1_000_000);
      }
    }
    return true;
  }

  /** Writes a snapshot of every shard now (after waiting for what is pending to apply). */
  public void checkpoint() {
    for (ShardState s : shards) {
      long next = s.log.nextPosition();
      if (next > 0) {
        s.log.awaitDurable(next - 1, ackTimeoutNanos);
      }
      long localNext = s.local == null ? 0 : s.local.log.nextPosition();
      if (localNext > 0) {
        s.local.log.awaitDurable(localNext - 1, ackTimeoutNanos);
      }
      s.checkpoint(ackTimeoutNanos);
    }
  }

  /**
   * Stops accepting calls, waits for pending signals to apply, checkpoints every shard and detaches
   * from the WAL. Idempotent. Calls after it throw {@link UnavailableException}.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return; // idempotent, also when two threads close at once
    }
    transfers.closeAll();
    try {
      checkpoint();
    } catch (RuntimeException e) {
      LOG.warn(
          "store close: final checkpoint failed, the WAL still holds everything: {}", e.toString());
    } finally {
      for (ShardState s : shards) {
        s.log.setCommitListener(null);
        if (s.local != null) {
          s.local.log.setCommitListener(null);
        }
      }
      for (ShardState s : shards) {
        s.awaitBackground(ackTimeoutNanos); // one started just before the listener went
      }
      if (ownSnapshotExecutor != null) {
        ownSnapshotExecutor.shutdown();
      }
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
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (ShardState s : shards) {
      s.log.setCommitListener(null);
      if (s.local != null) {
        s.local.log.setCommitListener(null);
      }
    }
    if (ownSnapshotExecutor != null) {
      ownSnapshotExecutor.shutdownNow();
      awaitSnapshotThread();
    }
    transfers.abandonAll(); // a killed process leaves their files: the next open deletes them
    acks.close();
    LOG.info("store halted (a simulated crash): region {}", config.region());
  }

  /**
   * Waits (at most 10 s) until the snapshot thread of a halted store has stopped: a snapshot it was
   * writing may still complete (whole or absent), but once {@link #halt} returns nothing of this
   * incarnation touches the files (a test that wiped the directory right after a crash met a
   * temporary snapshot being renamed under it).
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

  /** The validator's check of a signal, its refusals counted by cause. */
  private void checkSignal(TenantId tenant, SignalType type, double weight, long eventTime) {
    try {
      validator.checkSignal(tenant, type, weight, eventTime);
    } catch (InvalidArgumentException e) {
      metrics.refused(e);
      throw e;
    }
  }

  /**
   * Reports the store's metrics: accepted and refused writes, per-tenant counts, shard positions.
   *
   * @param sink where to report them
   */
  public void collectMetrics(io.tidaldb.api.metrics.MetricsSink sink) {
    metrics.collect(sink, status(), reconcileState(), stateBytes::get);
  }

  /** Validates, routes and logs one signal; returns its ticket. Allocation-free. */
  private long accept(
      TenantId tenant, SignalType type, long entity, double weight, long eventTime, long hlc) {
    checkOpen();
    checkSignal(tenant, type, weight, eventTime);
    int shard = router.shardOf(tenant, entity);
    admit(tenant, type, entity, shard);
    // The leader check returns the epoch the appends are fenced by (issue 9, h).
    long epoch = replicated == null ? ShardLog.ANY_EPOCH : replicated.checkLeader(shards[shard]);
    return append(tenant, type, entity, weight, eventTime, hlc, shard, epoch);
  }

  /**
   * Checks a signal against this store's configuration (open, tenant known, weight bound, event
   * time skew; the {@link Signal} checked the rest) and returns its shard.
   */
  private int validate(Signal signal, Durability durability) {
    checkOpen();
    SignalValidator.requireNonNull("signal", signal);
    SignalValidator.requireNonNull("durability", durability);
    checkSignal(signal.tenant(), signal.type(), signal.weight(), signal.eventTime().epochMillis());
    return router.shardOf(signal.tenant(), signal.entity().value());
  }

  private void admit(Signal signal, int shard) {
    if (tenants.anyQuota()) {
      admit(signal.tenant(), signal.type(), signal.entity().value(), shard);
    }
  }

  /**
   * Admission at the region the client called (never again at a forwarded write's leader): the
   * tenant's entity quota for a new entity, its byte quota ({@link TenantBytes}: refused at or
   * above it, so the last admitted signal may overshoot by one state's growth), then its
   * signals-per-second bucket ({@link TenantQuotaGate}). One volatile read and no allocation while
   * no tenant has a quota.
   */
  private void admit(TenantId tenant, SignalType type, long entity, int shard) {
    if (!tenants.anyQuota()) {
      return;
    }
    TenantQuotas q = tenants.quotas(tenant.name());
    if (q.maxEntities() > 0 && !shards[shard].holds(tenant, type, entity)) {
      long count = 0;
      for (ShardState s : shards) {
        count += s.entityCount(tenant);
      }
      if (count >= q.maxEntities()) {
        QuotaExceededException e =
            new QuotaExceededException(tenant, TenantQuotas.MAX_ENTITIES, q.maxEntities(), count);
        metrics.refused(e);
        throw e;
      }
    }
    if (q.maxBytes() > 0) {
      long bytes = bytesOf(tenant);
      if (bytes >= q.maxBytes()) {
        QuotaExceededException e =
            new QuotaExceededException(tenant, TenantQuotas.MAX_BYTES, q.maxBytes(), bytes);
        metrics.refused(e);
        throw e;
      }
    }
    try {
      tenants.quotaGate.admit(tenant, q);
    } catch (QuotaExceededException e) {
      metrics.refused(e);
      throw e;
    }
  }

  /** Appends a validated signal as this region's write, fenced by {@code epoch}; its ticket. */
  private long append(Signal signal, int shard, long epoch, long hlc) {
    return append(signal, shard, epoch, hlc, null, null);
  }

  /**
   * Appends a validated signal as {@link #append(Signal, int, long, long)} does, as a {@code
   * SIGNAL_S} record with its payload hash ({@link SessionPayload#hash}) if {@code session} is not
   * null, recording {@code level} (the level it is acknowledged at). The caller has checked the
   * write against the shard's session table.
   */
  private long append(
      Signal signal, int shard, long epoch, long hlc, SessionSeq session, Durability level) {
    checkOpen();
    return append(
        signal.tenant(),
        signal.type(),
        signal.entity().value(),
        signal.weight(),
        signal.eventTime().epochMillis(),
        hlc,
        shard,
        epoch,
        session,
        session == null ? 0 : SessionPayload.hash(signal),
        level);
  }

  private long append(
      TenantId tenant,
      SignalType type,
      long entity,
      double weight,
      long eventTime,
      long hlc,
      int shard,
      long epoch) {
    return append(tenant, type, entity, weight, eventTime, hlc, shard, epoch, null, 0, null);
  }

  private long append(
      TenantId tenant,
      SignalType type,
      long entity,
      double weight,
      long eventTime,
      long hlc,
      int shard,
      long epoch,
      SessionSeq session,
      int payloadHash,
      Durability level) {
    ShardState s = shards[shard];
    int series;
    long position;
    if (replicated != null) {
      series = replicated.seriesFor(s, epoch, tenant, type);
      position =
          replicated.append(
              s,
              epoch,
              series,
              entity,
              weight,
              eventTime,
              hlc,
              origin,
              session,
              payloadHash,
              level);
    } else {
      if ((series = s.registry.find(tenant, type)) < 0) {
        series = s.registry.define(tenant, type, s.log::appendDefine);
      }
      position =
          session == null
              ? s.log.appendSignal(series, entity, weight, eventTime, hlc, origin)
              : s.log.appendSessionSignal(
                  ShardLog.ANY_EPOCH,
                  series,
                  entity,
                  weight,
                  eventTime,
                  hlc,
                  origin,
                  session,
                  payloadHash,
                  level);
    }
    metrics.accepted(tenant, 1);
    return SignalTickets.ticket(shard, position);
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
    int shard = validate(signal, level);
    long epoch = replicated == null ? ShardLog.ANY_EPOCH : replicated.checkLeader(shards[shard]);
    return append(signal, shard, epoch, clock.now(), session, level);
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
    int shard = batches.validatePart(signals, level);
    long epoch = replicated == null ? ShardLog.ANY_EPOCH : replicated.checkLeader(shards[shard]);
    SessionPart part = batches.prepare(signals, shard, epoch);
    return batches.append(part, shard, epoch, session, SessionPayload.hash(signals), level);
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

  /** The shards' side of {@link SessionWrites}. */
  private final class SessionShards implements SessionWrites.Shards {
    @Override
    public Decision check(int shard, TenantId tenant, SessionSeq seq, int payloadHash) {
      return shards[shard].checkSession(tenant, seq, payloadHash);
    }

    @Override
    public Decision checkLocal(int shard, TenantId tenant, SessionSeq seq, int payloadHash) {
      return shards[shard].checkLocalSessions(tenant, seq, payloadHash, false);
    }

    @Override
    public void prepare(Signal signal, int shard, long epoch) {
      ShardState s = shards[shard];
      if (replicated != null
          && (!s.pendingDefines.isEmpty() || s.registry.find(signal.tenant(), signal.type()) < 0)) {
        checkOpen();
        replicated.seriesFor(s, epoch, signal.tenant(), signal.type()); // may await a DEFINE
      }
    }

    @Override
    public long appliedBelow(int shard) {
      return shards[shard].sessionsAppliedBelow();
    }

    @Override
    public long append(
        Signal signal,
        int shard,
        long epoch,
        long hlc,
        SessionSeq seq,
        int payloadHash,
        Durability level) {
      checkOpen();
      return SignalStoreEngine.this.append(
          signal.tenant(),
          signal.type(),
          signal.entity().value(),
          signal.weight(),
          signal.eventTime().epochMillis(),
          hlc,
          shard,
          epoch,
          seq,
          payloadHash,
          level);
    }

    @Override
    public CompletableFuture<SignalAck> stored(long ticket, long hlc, Durability level) {
      return leaderWrites.whenStored(ticket, hlc, level);
    }

    @Override
    public SessionPart preparePart(List<Signal> signals, int shard, long epoch) {
      return batches.prepare(signals, shard, epoch);
    }

    @Override
    public long appendPart(
        SessionPart part,
        int shard,
        long epoch,
        SessionSeq seq,
        int payloadHash,
        Durability level) {
      return batches.append(part, shard, epoch, seq, payloadHash, level);
    }
  }

  /** The leader's half of {@link WritePath}. */
  private final class LeaderWrites implements WritePath.Leader {
    @Override
    public CompletableFuture<SignalAck> session(
        Signal signal, int shard, long epoch, Durability level, SessionSeq session) {
      return sessionWrites.write(signal, shard, epoch, stamp(), level, session);
    }

    @Override
    public long stamp() {
      return clock.now();
    }

    @Override
    public long append(Signal signal, int shard, long epoch, long hlc) {
      return SignalStoreEngine.this.append(signal, shard, epoch, hlc);
    }

    @Override
    public SignalAck await(long ticket, long hlc, Durability level) {
      awaitDurable(ticket, config.ackTimeout());
      // A single region meets QUORUM and ALL with its own durable WAL.
      if (replicated != null && level != Durability.LOCAL) {
        replicated.awaitStored(SignalTickets.shard(ticket), SignalTickets.position(ticket), level);
      }
      return ack(ticket, hlc, level);
    }

    @Override
    public CompletableFuture<SignalAck> whenStored(long ticket, long hlc, Durability level) {
      // completed by the ack threads, never by the commit or replication thread (see AckExecutor);
      // the WAL hands each commit's due futures to them as one task
      ShardLog log = shards[SignalTickets.shard(ticket)].log;
      if (level == Durability.LOCAL || replicated == null) {
        return log.whenDurable(SignalTickets.position(ticket), acks)
            .thenApply(v -> ack(ticket, hlc, level));
      }
      return forwarded.stored(log, ticket, hlc, level).thenApplyAsync(ack -> ack, acks);
    }

    @Override
    public CompletableFuture<SignalAck> localAsync(Signal signal, int shard) {
      return appendLocal(
          shard,
          signal.tenant(),
          signal.type(),
          signal.entity(),
          signal.weight(),
          signal.eventTime());
    }

    @Override
    public CompletableFuture<SignalAck> localSession(Signal signal, int shard, SessionSeq session) {
      checkOpen();
      return localSessionWrites.write(signal, shard, 0, clock.now(), Durability.LOCAL, session);
    }

    @Override
    public CompletableFuture<SignalAck> sessionPart(
        List<Signal> signals, int shard, long epoch, Durability level, SessionSeq session) {
      return sessionWrites.writePart(signals, shard, epoch, level, session);
    }

    @Override
    public CompletableFuture<SignalAck> localSessionPart(
        List<Signal> signals, int shard, SessionSeq session) {
      checkOpen();
      return localSessionWrites.writePart(signals, shard, 0, Durability.LOCAL, session);
    }

    @Override
    public SignalAck localRetry(TenantId tenant, int payloadHash, int shard, SessionSeq session) {
      Decision d = shards[shard].checkLocalSessions(tenant, session, payloadHash, false);
      if (d.kind() == Decision.Kind.REFUSED) {
        throw new InvalidArgumentException("seq", session.seq(), d.message());
      }
      return d.kind() == Decision.Kind.DUPLICATE ? SessionWrites.localAck(shard, d) : null;
    }

    @Override
    public SignalAck local(Signal signal, int shard) {
      return ReplicatedWrites.await(
          localAsync(signal, shard),
          ackTimeoutNanos,
          () -> "signal of shard " + shard + " in this region's local stream",
          () -> replication == null ? null : replication.region());
    }
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
    try {
      checkOpen();
      checkShard(shard);
      SignalValidator.requireNonNull("entity", entity);
      SignalValidator.requireNonNull("event time", eventTime);
      checkSignal(tenant, type, weight, eventTime.epochMillis());
      if (router.shardOf(tenant, entity.value()) != shard) {
        throw new InvalidArgumentException(
            "shard",
            shard,
            "entity "
                + entity.value()
                + " of "
                + tenant
                + " belongs to shard "
                + router.shardOf(tenant, entity.value()));
      }
      LocalStream local = shards[shard].local;
      if (local == null) {
        throw new UnavailableException(
            "shard " + shard + ": the WAL keeps no local logs; nothing was stored", false, null);
      }
      long hlc = clock.now();
      long position =
          local.append(tenant, type, entity.value(), weight, eventTime.epochMillis(), hlc, origin);
      metrics.accepted(tenant, 1);
      return local
          .log
          .whenDurable(position, acks)
          .thenApply(
              v ->
                  new SignalAck(
                      ShardId.of(shard), position, new HlcStamp(hlc), Durability.LOCAL, true));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Returns shard {@code i}'s local log, or null if the WAL keeps none. */
  private static ShardLog localLog(WriteAheadLog wal, int i) {
    try {
      return wal.localLog(i);
    } catch (UnavailableException e) {
      return null;
    }
  }

  private static SignalAck ack(long ticket, long hlc, Durability durability) {
    return ForwardedWrites.ack(ticket, hlc, durability);
  }

  private void checkShard(int shard) {
    if (shard < 0 || shard >= shards.length) {
      throw new InvalidArgumentException("shard", shard, "must be in 0.." + (shards.length - 1));
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new UnavailableException("store of " + config.region() + " is closed");
    }
  }
}
