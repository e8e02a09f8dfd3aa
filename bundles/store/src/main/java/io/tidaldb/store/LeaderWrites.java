package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.crdt.HybridLogicalClock;
import io.tidaldb.session.table.Decision;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The leader's half of {@link WritePath}, and the {@link BatchWrites.Gate} of the store's batches:
 * a validated signal appended as this region's write ({@link SignalAppends}) and acknowledged at
 * its durability level (LOCAL once the shard's log has it durable; QUORUM and ALL, on a replicated
 * leader, once replication reports the level, {@link ReplicatedWrites}); a client session's write
 * or batch part stored at most once by the leader's {@link SessionWrites} ({@link SessionShards});
 * and, while the shard's leader stays out of reach, a LOCAL write taken into this region's own
 * local stream, a session's through the local stream's {@link SessionWrites} ({@link
 * LocalSessionShards}). Acknowledgements complete on the store's ack threads ({@link AckExecutor}),
 * never on a commit or replication thread.
 *
 * <p>Its constructor builds what calls back into it, each needing the next: the write path it is
 * the leader's half of, the batch writes that route their parts over that path, and both session
 * writes ({@link #path()}, {@link #batches()}, {@link #sessionWrites()}).
 *
 * <p>It is also the leader's end of a forwarded write ({@link #acceptForwarded(Signal, Durability,
 * SessionSeq)}): validated again, checked against the leader's epoch and stored as its own.
 * Thread-safe.
 */
final class LeaderWrites implements WritePath.Leader, BatchWrites.Gate {
  private final ShardState[] shards;
  private final SignalAppends appends;
  private final StoreGate gate;
  private final HybridLogicalClock clock;

  /** The region's replication, or null for a single region. */
  private final Replication replication;

  private final ReplicatedWrites replicated; // null for a single region
  private final ForwardedWrites forwarded;
  private final AckExecutor acks;
  private final Duration ackTimeout;
  private final long ackTimeoutNanos;
  private final WritePath path;
  private final BatchWrites batches;
  private final SessionWrites sessionWrites;

  /** Session writes taken into the local streams ({@link LocalSessionShards}). */
  private final SessionWrites localSessionWrites;

  /**
   * @param config the store's configuration (its ack timeout and leader wait)
   * @param shards the store's shards, every one built
   * @param replication the region's replication, or null for a single region
   * @param replicated the leader's appends of a replicated region, or null for a single region
   * @param origin the origin this node's WAL records carry
   */
  LeaderWrites(
      StoreConfig config,
      ShardState[] shards,
      SignalAppends appends,
      StoreGate gate,
      HybridLogicalClock clock,
      Replication replication,
      ReplicatedWrites replicated,
      AckExecutor acks,
      int origin,
      StoreMetrics metrics) {
    this.shards = shards;
    this.appends = appends;
    this.gate = gate;
    this.clock = clock;
    this.replication = replication;
    this.replicated = replicated;
    this.forwarded = new ForwardedWrites(replication, config.ackTimeout().toNanos());
    this.acks = acks;
    this.ackTimeout = config.ackTimeout();
    this.ackTimeoutNanos = config.ackTimeout().toNanos();
    long leaderWaitNanos = config.leaderWait().toNanos();
    this.path =
        new WritePath(replication, forwarded, this, leaderWaitNanos, System::nanoTime, acks);
    this.batches =
        new BatchWrites(
            shards,
            path,
            replication,
            replicated,
            leaderWaitNanos,
            acks,
            clock::now,
            origin,
            metrics,
            this);
    this.sessionWrites =
        new SessionWrites(
            new SessionShards(shards, replicated, gate, appends, this, batches), shards.length);
    this.localSessionWrites =
        new SessionWrites(
            new LocalSessionShards(shards, origin, acks, this::whenStored, clock::now, metrics),
            shards.length);
  }

  /** The write path this is the leader's half of. */
  WritePath path() {
    return path;
  }

  /** The store's batch writes, routed over {@link #path()}. */
  BatchWrites batches() {
    return batches;
  }

  /** The session writes this region stores as the shards' leader ({@link SessionShards}). */
  SessionWrites sessionWrites() {
    return sessionWrites;
  }

  /** See {@link SignalStoreEngine#acceptForwarded(Signal, Durability, SessionSeq)}. */
  CompletableFuture<SignalAck> acceptForwarded(
      Signal signal, Durability durability, SessionSeq session) {
    if (session == null) {
      return acceptForwarded(signal, durability);
    }
    try {
      int shard = appends.validate(signal, durability);
      long epoch = replicated == null ? ShardLog.ANY_EPOCH : replicated.checkLeader(shards[shard]);
      return sessionWrites.write(signal, shard, epoch, clock.now(), durability, session);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** See {@link SignalStoreEngine#acceptForwardedPart}. */
  CompletableFuture<SignalAck> acceptForwardedPart(
      List<Signal> signals, Durability durability, SessionSeq session) {
    return batches.acceptForwarded(signals, durability, session, sessionWrites);
  }

  /** See {@link SignalStoreEngine#acceptForwarded(Signal, Durability)}. */
  CompletableFuture<SignalAck> acceptForwarded(Signal signal, Durability durability) {
    try {
      int shard = appends.validate(signal, durability);
      long hlc = clock.now();
      long epoch = replicated == null ? ShardLog.ANY_EPOCH : replicated.checkLeader(shards[shard]);
      long ticket = appends.append(signal, shard, epoch, hlc);
      return forwarded.stored(shards[shard].log, ticket, hlc, durability);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** See {@link SignalStoreEngine#appendSessionPartWrite}. */
  long appendSessionPartWrite(List<Signal> signals, SessionSeq session, Durability level) {
    int shard = batches.validatePart(signals, level);
    long epoch = replicated == null ? ShardLog.ANY_EPOCH : replicated.checkLeader(shards[shard]);
    SessionPart part = batches.prepare(signals, shard, epoch);
    return batches.append(part, shard, epoch, session, SessionPayload.hash(signals), level);
  }

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
    return appends.append(signal, shard, epoch, hlc);
  }

  @Override
  public SignalAck await(long ticket, long hlc, Durability level) {
    appends.awaitDurable(ticket, ackTimeout);
    // A single region meets QUORUM and ALL with its own durable WAL.
    if (replicated != null && level != Durability.LOCAL) {
      replicated.awaitStored(SignalTickets.shard(ticket), SignalTickets.position(ticket), level);
    }
    return ForwardedWrites.ack(ticket, hlc, level);
  }

  @Override
  public CompletableFuture<SignalAck> whenStored(long ticket, long hlc, Durability level) {
    // completed by the ack threads, never by the commit or replication thread (see AckExecutor);
    // the WAL hands each commit's due futures to them as one task
    ShardLog log = shards[SignalTickets.shard(ticket)].log;
    if (level == Durability.LOCAL || replicated == null) {
      return log.whenDurable(SignalTickets.position(ticket), acks)
          .thenApply(v -> ForwardedWrites.ack(ticket, hlc, level));
    }
    return forwarded.stored(log, ticket, hlc, level).thenApplyAsync(ack -> ack, acks);
  }

  @Override
  public CompletableFuture<SignalAck> localAsync(Signal signal, int shard) {
    return appends.appendLocal(
        shard,
        signal.tenant(),
        signal.type(),
        signal.entity(),
        signal.weight(),
        signal.eventTime());
  }

  @Override
  public CompletableFuture<SignalAck> localSession(Signal signal, int shard, SessionSeq session) {
    gate.checkOpen();
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
    gate.checkOpen();
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

  /** {@inheritDoc} As a single write is checked ({@link SignalAppends#validate}). */
  @Override
  public int validate(Signal signal, Durability durability) {
    return appends.validate(signal, durability);
  }

  /** {@inheritDoc} As a single write is admitted ({@link SignalAppends#admit}). */
  @Override
  public void admit(Signal signal, int shard) {
    appends.admit(signal, shard);
  }

  @Override
  public void checkOpen() {
    gate.checkOpen();
  }
}
