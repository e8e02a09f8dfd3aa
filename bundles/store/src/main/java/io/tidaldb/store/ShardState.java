package io.tidaldb.store;

import io.tidaldb.api.ClockSkewException;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.ShardStatus;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.wal.CommitListener;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.api.wal.WalRecordKind;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.DecayModel;
import io.tidaldb.crdt.HybridLogicalClock;
import io.tidaldb.crdt.ReplicaIds;
import io.tidaldb.session.table.Decision;
import io.tidaldb.session.table.SessionConfig;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard of the store: its series dictionary, its entity states, and the commit listener that
 * applies the shard's durable WAL batches to them.
 *
 * <p>Threading: two threads write the state, each under the write lock: the shard's WAL commit
 * thread applies a batch of the shard log in chunks, so reads (read lock) wait at most one chunk (a
 * COMPACT record ends a chunk and applies in steps of its own, {@link CompactSteps}), and the local
 * log's commit thread applies the region's local stream ({@link LocalStream}). A record becomes
 * visible before {@link ShardLog#durablePosition()} passes it, which gives read-your-writes to
 * every acknowledged signal.
 */
final class ShardState implements CommitListener {
  private static final Logger LOG = LoggerFactory.getLogger(ShardState.class);
  private static final int APPLY_CHUNK = 4096;

  final int shard;
  final ShardLog log;
  final SeriesRegistry registry;
  final EntityStateMap states = new EntityStateMap();

  /** The reconciliation digests of {@link #states}, per tenant (see {@link ShardDigest}). */
  final ShardDigest digest = new ShardDigest(states);

  final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  /** The compaction of closed epochs: the COMPACT apply, the closed digest, the epochs. */
  final ShardCompaction compaction = new ShardCompaction(this);

  /** Serialises checkpoints with {@link ShardTruncation}; taken before {@link #lock}. */
  final Object checkpointLock = new Object();

  /**
   * Series whose {@code DEFINE} this region appended as leader and has not yet seen QUORUM-stored:
   * series id to the DEFINE's position (see {@link ReplicatedWrites}).
   */
  final ConcurrentHashMap<Integer, Long> pendingDefines = new ConcurrentHashMap<>();

  final Snapshots snapshots;

  /**
   * The shard's session table, fed by the shard log on the commit thread under the write lock
   * ({@link ShardSessions}); in the snapshots, replaced by a load, an install or a cut.
   */
  final ShardSessions sessions;

  /**
   * The entities whose state holds a QUORUM/ALL session record not known committed: reconciliation
   * gives their states away only once it is ({@link PendingSessions}).
   */
  final PendingSessions pending = new PendingSessions();

  /**
   * The LOCAL session records cuts kept, until the shard log shows their retry ({@link
   * CutLocalSessions}); null while none is held, so the commit thread's check is one field read.
   * Under the write lock; in the snapshots from version 10.
   */
  private CutLocalSessions cutLocal;

  /**
   * The lowest position of a retry a kept cut record is matched to ({@link
   * CutLocalSessions#lowestRetry}; {@link Long#MAX_VALUE}: none), published under the write lock so
   * that a thread without the lock tells in one read whether a compensation is due ({@link
   * #compensateCommittedRetries}).
   */
  private volatile long lowestRetry = Long.MAX_VALUE;

  /**
   * The origin this node's WAL records carry (region << 16 | incarnation, {@code
   * NodeIdentity.origin()}): a cut keeps for compensation only the LOCAL session records of this
   * origin ({@link CutLocalSteps#collect}).
   */
  final int origin;

  /**
   * The store's tenants: a record or merge of a purged tenant is a no-op ({@link TenantPurge}). Set
   * by the engine before recovery.
   */
  TenantGate tenants = TenantGate.NONE;

  /** The shard's local stream, or null if the WAL keeps no local logs. */
  final LocalStream local;

  /** Reads waiting for the applied positions (read-your-writes, {@link ReadGate}). */
  final AppliedWaits readWaits = new AppliedWaits();

  private final HybridLogicalClock clock;
  private final LongConsumer firstCommit;

  private final ShardCheckpoints checkpoints;
  private final Executor snapshotExecutor;
  private volatile long appliedPosition;
  private volatile long snapshotPosition;
  private volatile long snapshotLocalPosition;

  /** How many reconciliation merges changed the state (under the write lock). */
  private volatile long merges;

  /** The value of {@link #merges} the newest snapshot written holds. */
  private volatile long durableMerges;

  /** How many cuts {@link ShardTruncation} made (a pending background snapshot is then void). */
  private volatile int cuts;

  ShardState(
      int shard,
      ShardLog log,
      SeriesRegistry registry,
      Snapshots snapshots,
      HybridLogicalClock clock,
      long snapshotEvery,
      Executor snapshotExecutor,
      LongConsumer firstCommit,
      LongSupplier retainFrom,
      ShardLog localLog,
      int region) {
    this(
        shard,
        log,
        registry,
        snapshots,
        clock,
        snapshotEvery,
        snapshotExecutor,
        firstCommit,
        retainFrom,
        localLog,
        region,
        SessionConfig.DEFAULTS);
  }

  ShardState(
      int shard,
      ShardLog log,
      SeriesRegistry registry,
      Snapshots snapshots,
      HybridLogicalClock clock,
      long snapshotEvery,
      Executor snapshotExecutor,
      LongConsumer firstCommit,
      LongSupplier retainFrom,
      ShardLog localLog,
      int region,
      SessionConfig sessionConfig) {
    this(
        shard,
        log,
        registry,
        snapshots,
        clock,
        snapshotEvery,
        snapshotExecutor,
        firstCommit,
        retainFrom,
        localLog,
        region,
        0,
        sessionConfig);
  }

  /** As above, for {@code incarnation} of {@code region} (the owner of the local session table). */
  ShardState(
      int shard,
      ShardLog log,
      SeriesRegistry registry,
      Snapshots snapshots,
      HybridLogicalClock clock,
      long snapshotEvery,
      Executor snapshotExecutor,
      LongConsumer firstCommit,
      LongSupplier retainFrom,
      ShardLog localLog,
      int region,
      int incarnation,
      SessionConfig sessionConfig) {
    this.shard = shard;
    this.origin = (int) ReplicaIds.local(region, incarnation);
    this.sessions = new ShardSessions(sessionConfig, ReplicaIds.local(region, incarnation));
    this.log = log;
    this.local =
        localLog == null
            ? null
            : new LocalStream(this, localLog, region, () -> firstCommit.accept(0));
    this.registry = registry;
    this.snapshots = snapshots;
    snapshots.foldedThrough(compaction::foldedThrough);
    this.clock = clock;
    this.checkpoints = new ShardCheckpoints(this, snapshotExecutor, snapshotEvery, retainFrom);
    this.snapshotExecutor = snapshotExecutor;
    this.firstCommit = firstCommit;
  }

  /**
   * Loads the newest valid snapshot, finishes a cut of the log that a crash interrupted (see {@link
   * ShardTruncation}), then replays the WAL from the snapshot's position and the local log from the
   * snapshot's local position.
   */
  void recover() {
    SnapshotReader.Loaded loaded = snapshots.loadLatest(registry, states, sessions);
    checkHalfLives();
    replaceCutLocal(loaded.cutLocal());
    long from = loaded.position();
    if (loaded.fenceEpoch() > 0 && from < log.durablePosition()) {
      finishCut(from, loaded.fenceEpoch());
    }
    snapshotPosition = from;
    snapshotLocalPosition = loaded.localPosition();
    appliedPosition = from;
    // the known commit is 0 again: every QUORUM/ALL session record still in the log is pending,
    // those whose effect the snapshot holds too (read here, the rest in the replay)
    pending.clear(log.startPosition());
    pending.addFrom(log, log.startPosition(), from);
    compaction.loaded(loaded.foldedThrough());
    if (log.durablePosition() > log.startPosition()) {
      compaction.applied(log.lastEpoch());
    }
    long replayed = 0;
    try (WalReader reader = log.openReader(from)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        replayed += apply(batch, "replay of shard " + shard);
        observeClock(batch.hlcMax());
      }
    }
    rebuildDigest();
    if (appliedPosition != log.durablePosition()) {
      throw new StorageException(
          "shard "
              + shard
              + ": replay ended at position "
              + appliedPosition
              + " but the WAL is durable to "
              + log.durablePosition());
    }
    // a clean restart replays nothing: routine, so DEBUG; records replayed (after a crash) are news
    LOG.atLevel(replayed > 0 ? org.slf4j.event.Level.INFO : org.slf4j.event.Level.DEBUG)
        .log(
            "shard {} recovered: snapshot at {}, {} records replayed, {} entities, WAL {}..{}",
            shard,
            from,
            replayed,
            states.size(),
            log.startPosition(),
            appliedPosition);
    if (local != null) {
      local.recover(loaded.localPosition());
    }
  }

  /**
   * Refuses to open a shard whose snapshot holds a state built under another half-life than its
   * series has now (the configured one): applying the next signal of it would fail and stop the
   * shard's log. The message names the type, both half-lives and the setting that brings it back.
   */
  private void checkHalfLives() {
    states.forEach(
        (seriesId, entity, state) -> {
          SeriesRegistry.Series series = registry.get(seriesId);
          long kept = state.halfLifeMillis();
          if (series != null && kept != 0 && kept != series.decay().halfLifeMillis()) {
            String type = series.type().name();
            throw new InvalidArgumentException(
                "half-life of " + type,
                series.decay().halfLifeMillis() + " ms",
                "shard "
                    + shard
                    + " holds state of type "
                    + type
                    + " (tenant "
                    + series.tenant().name()
                    + ") built with half-life "
                    + kept
                    + " ms; configure halfLives = [\""
                    + type
                    + "="
                    + kept
                    + "\"] again, or write the new half-life under a new type name");
          }
        });
  }

  /** Cuts the log at {@code from} if its batch there is older than the snapshot's fence. */
  private void finishCut(long from, long fenceEpoch) {
    long epoch;
    try (WalReader reader = log.openReader(from)) {
      WalBatch batch = reader.next();
      epoch = batch == null || batch.firstPosition() != from ? fenceEpoch : batch.epoch();
    }
    if (epoch < fenceEpoch) {
      long cut = log.truncateFrom(from);
      LOG.warn(
          "shard {}: snapshot at {} is fenced by epoch {} but the WAL holds a batch of epoch {}"
              + " there: finishing an interrupted cut, {} records removed",
          shard,
          from,
          fenceEpoch,
          epoch,
          cut);
    }
  }

  @Override
  public void onCommit(WalBatch batch) {
    firstCommit.accept(batch.firstPosition());
    apply(batch, "commit of shard " + shard);
    checkpoints.onApplied(batch);
  }

  /**
   * Counts a reconciliation merge that changed the state and queues a checkpoint that makes it
   * durable ({@link ShardCheckpoints#afterMerge}). Under the write lock.
   */
  void merged() {
    merges++;
  }

  /** Queues a checkpoint of merged states; see {@link ShardCheckpoints#afterMerge}. */
  void checkpointMerges() {
    checkpoints.afterMerge();
  }

  /** How many merges changed the state. */
  long merges() {
    return merges;
  }

  /** How many of them the newest snapshot written holds. */
  long durableMerges() {
    return durableMerges;
  }

  /**
   * Records that a snapshot holding {@code count} merges was written (under the checkpoint lock).
   */
  void mergesDurable(long count) {
    durableMerges = Math.max(durableMerges, count);
  }

  /**
   * Writes a snapshot of the live state at the applied position (see {@link
   * ShardCheckpoints#checkpoint}). Not on the commit thread.
   */
  void checkpoint(long timeoutNanos) {
    compensateCommittedRetries(); // a quiet shard's due compensation goes into the snapshot
    checkpoints.checkpoint(timeoutNanos);
  }

  /** Records a snapshot written at {@code position} (never moves the snapshot position back). */
  void snapshotWritten(long position, long localPosition) {
    snapshotPosition = Math.max(snapshotPosition, position);
    snapshotLocalPosition = Math.max(snapshotLocalPosition, localPosition);
  }

  /** The local position of the newest snapshot written or loaded. */
  long snapshotLocalPosition() {
    return snapshotLocalPosition;
  }

  /** At open, after {@link #recover}: see {@link ShardCheckpoints#warmUp}. */
  void warmUpCheckpoints() {
    checkpoints.warmUp();
  }

  /** Ends the copy-on-write for a background snapshot's view, under the write lock. */
  void thaw() {
    lock.writeLock().lock();
    try {
      states.thaw();
    } finally {
      lock.writeLock().unlock();
    }
  }

  int cuts() {
    return cuts;
  }

  /** Returns how many background snapshots of the shard failed. */
  long checkpointFailures() {
    return checkpoints.failures();
  }

  /** Waits up to {@code timeoutNanos} for a pending background snapshot; false if it still is. */
  boolean awaitBackground(long timeoutNanos) {
    return checkpoints.awaitIdle(timeoutNanos);
  }

  /**
   * Returns the set of kept cut LOCAL session records, created if none is held; write lock held.
   */
  CutLocalSessions cutLocal() {
    if (cutLocal == null) {
      cutLocal = new CutLocalSessions(sessions.config().ttlMillis());
    }
    return cutLocal;
  }

  /** Returns the set if it holds entries, else null; lock held. */
  CutLocalSessions cutLocalOrNull() {
    CutLocalSessions cut = cutLocal;
    return cut == null || cut.isEmpty() ? null : cut;
  }

  /** Replaces the set (a snapshot loaded; null or empty: none); write lock held. */
  void replaceCutLocal(CutLocalSessions loaded) {
    cutLocal = loaded;
    syncCutLocal();
  }

  /** Drops an empty set and publishes its lowest matched retry; write lock held. */
  void syncCutLocal() {
    CutLocalSessions cut = cutLocal;
    if (cut != null && cut.isEmpty()) {
      cutLocal = null;
      cut = null;
    }
    long lowest = cut == null ? Long.MAX_VALUE : cut.lowestRetry();
    if (lowest != lowestRetry) {
      lowestRetry = lowest;
    }
  }

  /**
   * Raises the shard's known commit ({@link PendingSessions#committed(long)}); if that makes a kept
   * cut record's compensation due, runs {@link #compensateCommittedRetries} on the snapshot
   * executor (a quiet shard's commit thread applies nothing more). Any thread; never blocks.
   */
  void committed(long position) {
    pending.committed(position);
    if (lowestRetry < position) {
      try {
        snapshotExecutor.execute(this::compensateCommittedRetries);
      } catch (RejectedExecutionException e) { // closing: the digest export or checkpoint does it
        LOG.debug("shard {}: compensation at commit {} not scheduled: {}", shard, position, e);
      }
    }
  }

  /**
   * Takes back the effect of the kept cut records whose matched retry the known commit has passed
   * ({@link CutLocalSteps#compensateCommitted}), under the write lock; one volatile read and a
   * comparison when none is due. The paths for a quiet shard, whose commit thread applies nothing
   * more: the known commit's rise ({@link #committed}, on the snapshot executor), reconciliation's
   * digest export and the checkpoint (never under the shard lock).
   *
   * @return how many were compensated
   */
  int compensateCommittedRetries() {
    if (lowestRetry >= pending.committed()) {
      return 0;
    }
    lock.writeLock().lock();
    try {
      CutLocalSessions cut = cutLocal;
      int done =
          cut == null ? 0 : CutLocalSteps.compensateCommitted(this, cut, pending.committed());
      syncCutLocal();
      return done;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Returns what a snapshot holds after its entries: the session tables ({@link
   * ShardSessions#encode}) and the kept cut LOCAL session records ({@link CutLocalSessionsCodec});
   * lock held.
   */
  java.nio.ByteBuffer encodeSessions() {
    return CutLocalSessionsCodec.append(sessions.encode(), cutLocalOrNull());
  }

  /**
   * As {@link #encodeSessions} with {@code shardTable} and {@code cut} in place of the shard's
   * table and set (an install, {@link CutLocalSteps#forInstall}).
   */
  java.nio.ByteBuffer encodeSessionsWith(
      io.tidaldb.session.table.SessionTable shardTable, CutLocalSessions cut) {
    return CutLocalSessionsCodec.append(sessions.encodeWith(shardTable), cut);
  }

  /** Sets the applied and snapshot positions after a cut (the caller holds the write lock). */
  void resetPositions(long position) {
    if (tenants.anyPurged()) { // an installed snapshot may hold a purged tenant's states
      TenantPurge.removePurged(this);
    }
    digest.rebuild(registry, states); // a cut or an install replaced the state
    compaction.recount();
    cuts++;
    appliedPosition = position;
    readWaits.advanced();
    snapshotPosition = position;
    snapshotLocalPosition = localAppliedPosition();
    if (local != null) {
      local.forgetDefines(); // the cut or install may bind the ids to other names
    }
  }

  /**
   * Records durably that this node holds data (an installed snapshot; see {@link NodeIdentity}).
   */
  void markWritten(long position) {
    firstCommit.accept(position);
  }

  /** Recomputes the reconciliation digests from the state (after recovery). */
  private void rebuildDigest() {
    lock.writeLock().lock();
    try {
      digest.rebuild(registry, states);
      compaction.recount();
    } finally {
      lock.writeLock().unlock();
    }
  }

  long appliedPosition() {
    return appliedPosition;
  }

  /**
   * Returns the stamp (HLC) of the signal record at {@code position} of the shard's log, read from
   * the WAL (a read with a token checks that the record at its position is its write), or -1 if the
   * log no longer holds the position (trimmed below a snapshot: not checkable) or holds no signal
   * there.
   *
   * @throws RuntimeException if the log is cut meanwhile (the caller checks again after the cut)
   */
  long stampAt(long position) {
    if (position < log.startPosition() || position >= log.durablePosition()) {
      return -1;
    }
    try (WalReader reader = log.openReader(position)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        if (batch.firstPosition() > position) {
          return -1;
        }
        RecordCursor c = batch.records();
        while (c.next()) {
          if (c.position() == position) {
            byte kind = c.kind();
            return kind == WalRecordKind.SIGNAL || kind == WalRecordKind.SIGNAL_S ? c.hlc() : -1;
          }
        }
      }
    }
    return -1;
  }

  /** Every record of the local log below it is applied (0 without one); read under the lock. */
  long localAppliedPosition() {
    return local == null ? 0 : local.appliedPosition();
  }

  /**
   * Reads the aggregate of one entity of (tenant, type), decayed to {@code at}; the series is
   * looked up under the read lock, so a snapshot install (which replaces the series under the write
   * lock) never lets a read see another series' state.
   */
  SignalAggregate aggregate(TenantId tenant, SignalType type, long entity, Timestamp at) {
    lock.readLock().lock();
    try {
      int series = registry.find(tenant, type);
      SeriesRegistry.Series def = series < 0 ? null : registry.get(series);
      CrdtSignalState state = def == null ? null : states.get(series, entity);
      if (state == null) {
        return SignalAggregate.empty(at);
      }
      long lastSeen = state.lastSeenMillis();
      return new SignalAggregate(
          state.count(),
          state.weightSum(),
          state.score(at.epochMillis(), def.decay()),
          lastSeen < 0 ? Optional.empty() : Optional.of(Timestamp.ofMillis(lastSeen)),
          at);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Whether the shard holds a non-empty state of the entity of (tenant, type); read lock. */
  boolean holds(TenantId tenant, SignalType type, long entity) {
    lock.readLock().lock();
    try {
      int series = registry.find(tenant, type);
      CrdtSignalState state = series < 0 ? null : states.get(series, entity);
      return state != null && !state.isEmpty();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** How many entities (of every type) of the tenant the shard holds; read lock. */
  int entityCount(TenantId tenant) {
    lock.readLock().lock();
    try {
      ShardDigest.TenantDigest t = digest.of(tenant);
      return t == null ? 0 : t.entities;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Decides a session write against the shard's session table, changing nothing (the leader's check
   * before it appends; the caller adds the in-flight writes): by an optimistic read of the table
   * (the usual write), else under the table's own read lock, never the shard's lock, so it never
   * waits for a whole batch's apply ({@link ShardSessions}).
   *
   * @param tenant the write's tenant
   * @param session the write's session, seq and ackedBelow
   * @param payloadHash {@link SessionPayload#hash} of the write's signal
   * @return NEW, DUPLICATE with the original record's position, or REFUSED with its reason
   */
  Decision checkSession(TenantId tenant, SessionSeq session, int payloadHash) {
    return sessions.check(tenant, session, payloadHash);
  }

  /**
   * Decides a session write against the local streams' session tables (this region's local table
   * and the copies of the others', {@link LocalSessions#check}) under the read lock, changing
   * nothing; a DUPLICATE's position is a local position of the stream that took the write. While no
   * table there holds a session (the usual case: no partition yet), NEW without the lock, so the
   * leader's check of every session write does not wait for a batch's apply.
   *
   * @param appending whether the write goes to this region's local stream ({@link
   *     LocalSessions#check})
   */
  Decision checkLocalSessions(
      TenantId tenant, SessionSeq session, int payloadHash, boolean appending) {
    if (!sessions.local().holdsSessions()) {
      return Decision.NEW;
    }
    lock.readLock().lock();
    try {
      return sessions.local().check(tenant, session, payloadHash, appending);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Returns the local table's applied position (a local position), under the read lock. */
  long localSessionsAppliedBelow() {
    lock.readLock().lock();
    try {
      return sessions.local().table().appliedBelow();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Returns the session table's applied position (every record below it is in the table), by an
   * optimistic read of the table, else under its own read lock ({@link ShardSessions}).
   */
  long sessionsAppliedBelow() {
    return sessions.appliedBelow();
  }

  /**
   * Offers the shard's exact top {@code k} of (tenant, type) at {@code atMillis} to {@code top}:
   * from the series' {@link TopIndex} under the read lock (O(k)); if its members cannot answer,
   * after rebuilding it under the write lock (one scan: the first query of a larger k, or after
   * many retractions); and by scoring every entity if the index cannot answer exactly at all (an
   * overflowed key, an extreme time).
   */
  void offerTop(TenantId tenant, SignalType type, int k, long atMillis, TopKCollector top) {
    lock.readLock().lock();
    try {
      SeriesRegistry.Series def = seriesOf(tenant, type);
      if (def == null) {
        return;
      }
      TopIndex.Answer answer = offerIndexed(def, k, atMillis, top);
      if (answer == TopIndex.Answer.ANSWERED) {
        return;
      }
      if (answer == TopIndex.Answer.SCAN) {
        offerAll(def, atMillis, top);
        return;
      }
    } finally {
      lock.readLock().unlock();
    }
    lock.writeLock().lock();
    try {
      SeriesRegistry.Series def = seriesOf(tenant, type);
      if (def == null) {
        return;
      }
      digest.tops().rebuild(def, TopIndex.capacityFor(k), states);
      if (offerIndexed(def, k, atMillis, top) != TopIndex.Answer.ANSWERED) {
        offerAll(def, atMillis, top);
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Offers every entity of (tenant, type), scored at {@code atMillis}: the full scan (tests). */
  void offerAllOf(TenantId tenant, SignalType type, long atMillis, TopKCollector top) {
    lock.readLock().lock();
    try {
      SeriesRegistry.Series def = seriesOf(tenant, type);
      if (def != null) {
        offerAll(def, atMillis, top);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Offers every entity of the series, scored at {@code atMillis} (lock held). */
  void offerAll(SeriesRegistry.Series def, long atMillis, TopKCollector top) {
    int series = def.id();
    states.forEach(
        (id, entity, state) -> {
          if (id == series) {
            top.offer(entity, state.score(atMillis, def.decay()));
          }
        });
  }

  /** Returns the series of (tenant, type), or null if the shard has none (lock held). */
  SeriesRegistry.Series seriesOf(TenantId tenant, SignalType type) {
    int series = registry.find(tenant, type);
    return series < 0 ? null : registry.get(series);
  }

  private TopIndex.Answer offerIndexed(
      SeriesRegistry.Series def, int k, long atMillis, TopKCollector top) {
    TopIndex index = digest.tops().of(def.id());
    if (index == null) {
      return TopIndex.Answer.REBUILD;
    }
    int series = def.id();
    DecayModel decay = def.decay();
    long[] lastLandmark = {Long.MIN_VALUE};
    double[] lastFactor = {0};
    return index.offerTop(
        k,
        atMillis,
        decay,
        entity -> {
          CrdtSignalState state = states.get(series, entity);
          if (state == null) {
            throw new IllegalStateException(
                "top index of "
                    + def.tenant()
                    + "/"
                    + def.type()
                    + ": member "
                    + entity
                    + " has no state in shard "
                    + shard);
          }
          if (state.isEmpty()) {
            return 0.0;
          }
          // CrdtSignalState.score's product, with the factor of the members' common landmark
          // computed once (the same bits: decayFactor is a pure function of the two times)
          long landmark = state.landmark();
          if (landmark != lastLandmark[0]) {
            lastFactor[0] = decay.decayFactor(landmark, atMillis);
            lastLandmark[0] = landmark;
          }
          double score = state.decayedSum() * lastFactor[0];
          // not finite: at is too far before the landmark; score() throws naming it (or is 0)
          return Double.isFinite(score) ? score : state.score(atMillis, decay);
        },
        top);
  }

  ShardStatus status() {
    long entities;
    lock.readLock().lock();
    try {
      entities = states.size();
    } finally {
      lock.readLock().unlock();
    }
    return new ShardStatus(
        ShardId.of(shard),
        log.startPosition(),
        log.nextPosition(),
        log.durablePosition(),
        appliedPosition,
        snapshotPosition,
        entities,
        local == null ? 0 : local.log.durablePosition());
  }

  long snapshotPosition() {
    return snapshotPosition;
  }

  /** Keeps new stamps above every recovered one, unless the wall clock went far back. */
  private void observeClock(long stamp) {
    try {
      clock.update(stamp);
    } catch (ClockSkewException e) {
      LOG.warn("shard {}: recovered stamps lie ahead of the wall clock: {}", shard, e.getMessage());
    }
  }

  private long apply(WalBatch batch, String source) {
    long expected = appliedPosition;
    long end = batch.firstPosition() + batch.recordCount();
    if (!BatchOrder.hasNew(batch, expected, source)) {
      return 0;
    }
    RecordCursor c = batch.records();
    long logEntry = ReplicaIds.log(batch.epoch());
    long applied = 0;
    boolean more = true;
    while (more) {
      boolean compact = false;
      lock.writeLock().lock();
      try {
        compaction.logEntries(batch.epoch()); // before its log entries go in
        for (int n = 0; n < APPLY_CHUNK && (more = c.next()); ) {
          if (c.position() >= expected) {
            applied++;
            n++;
            if (c.kind() == WalRecordKind.COMPACT) {
              sessions.feed(c, null); // in position order, before the steps
              compact = true; // applied in steps, after this hold
              break;
            }
            applyRecord(c, batch.epoch(), logEntry, source);
          }
        }
      } finally {
        try {
          sessions.flush(); // the table's write lock is free before the shard's
        } finally {
          lock.writeLock().unlock();
        }
      }
      if (compact) { // the cursor stays on it while the steps run; the next record waits
        compaction.apply(c.cutOffEpoch(), c.closedDigest(), c.position(), source);
      }
    }
    appliedPosition = end;
    readWaits.advanced();
    compaction.applied(batch.epoch());
    return applied;
  }

  /**
   * Applies one SIGNAL, SIGNAL_S or DEFINE record (a COMPACT applies in steps between chunks, see
   * {@link #apply(WalBatch, String)}), and feeds it to the session table ({@link ShardSessions}: a
   * SIGNAL_S applies to the entity's state exactly as a SIGNAL does and to the table). A signal
   * goes to the log entry of its batch's epoch at its position ({@link CrdtSignalState#applyAt}),
   * which skips it if the entity's entry already holds it (merged in, or kept by a cut and now
   * returning through a later leader's log); the record's origin field is provenance only. While
   * cuts keep LOCAL session records, each signal record then passes {@link
   * CutLocalSessions#applied} (a retry of one is matched, and its effect taken back once the retry
   * is known committed).
   */
  private void applyRecord(RecordCursor c, long epoch, long logEntry, String source) {
    byte kind = c.kind();
    if (kind == WalRecordKind.SIGNAL || kind == WalRecordKind.SIGNAL_S) {
      SeriesRegistry.Series series = registry.get(c.seriesId());
      if (series == null) {
        throw new StorageException(
            source
                + ": signal at position "
                + c.position()
                + " uses undefined series "
                + c.seriesId());
      }
      if (tenants.isPurged(series.tenant())) {
        sessions.feed(c, series); // a no-op for the state; the position still advances
        return;
      }
      CrdtSignalState state = states.getOrCreate(c.seriesId(), c.entity());
      digest.before(series, c.entity(), state);
      state.applyAt(
          logEntry, c.position(), c.weight(), c.eventTimeMillis(), c.hlc(), series.decay());
      digest.after(state);
      sessions.feed(c, series);
      CutLocalSessions cut = cutLocal; // null unless a cut kept LOCAL session records
      if (cut != null) {
        // the table's log clock once it has this record (fed above)
        cut.applied(this, c, epoch, series, Math.max(sessions.table().clock(), c.hlc()));
        // publish a new match before reading the known commit: a rise that raced with it then
        // sees the match and schedules the compensation ({@link #committed}), or this read sees it
        syncCutLocal();
        long known = pending.committed();
        if (CutLocalSteps.compensateCommitted(this, cut, known) > 0) { // one comparison if none due
          syncCutLocal();
        }
      }
      if (CutDrops.dropped(c)) { // a QUORUM/ALL session record: pending until known committed
        pending.add(c.seriesId(), c.entity(), c.position());
      }
    } else if (kind == WalRecordKind.DEFINE) {
      registry.bind(c.seriesId(), c.tenantName(), c.typeName(), source);
      sessions.feed(c, null);
    } else {
      throw new StorageException(
          source + ": unknown record kind " + kind + " at position " + c.position());
    }
  }
}
