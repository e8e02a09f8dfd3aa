package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.wal.ShardLog;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Write forwarding on both ends. At a region that does not lead a signal's shard, {@link WritePath}
 * (the signal validated here first, nothing appended) hands the signal to {@link
 * Replication#forward}, which sends it to the leader; at the leader, a forwarded signal is a normal
 * leader write whose acknowledgement {@link #stored} composes asynchronously: LOCAL once the local
 * log has it durable, QUORUM and ALL then once {@link Replication#whenStored} reports it. The
 * ticket API ({@code submit}, {@code awaitDurable}) is not forwarded: positions are leader-local.
 *
 * <p>A forward that cannot be answered any more (the origin lost the leader it sent to, or the link
 * to it) fails at once with the replication's typed {@link io.tidaldb.api.UnavailableException}:
 * {@code mayBeStored()} false for "not sent, nothing stored" (safe to retry), true with {@code
 * region()} naming where it was sent for "may or may not be stored". {@code signal} rethrows it as
 * is; {@code signalAsync} fails its future with it.
 */
final class ForwardedWrites {
  /** The forward's own deadline is the ack timeout + 1 s; the caller waits a second longer. */
  static final long MARGIN_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final Replication replication;
  private final long timeoutNanos;

  /** {@code replication} is null for a single region, which never forwards. */
  ForwardedWrites(Replication replication, long ackTimeoutNanos) {
    this.replication = replication;
    this.timeoutNanos = ackTimeoutNanos + MARGIN_NANOS;
  }

  /** Forwards a signal of {@code shard}, which this region does not lead, and waits (bounded). */
  SignalAck forward(int shard, Signal signal, Durability durability) {
    CompletableFuture<SignalAck> f = forwardAsync(shard, signal, durability);
    return ReplicatedWrites.await(
        f,
        timeoutNanos,
        () -> "forwarded signal of shard " + shard + " (" + durability + ")",
        () -> null);
  }

  /** Forwards a signal of {@code shard}, which this region does not lead; the leader's ack. */
  CompletableFuture<SignalAck> forwardAsync(int shard, Signal signal, Durability durability) {
    return replication.forward(shard, signal, durability);
  }

  /**
   * Forwards a signal of {@code shard} as a write of {@code session} (or a plain one if null) to
   * the leader, which checks it against its session table; the leader's ack.
   */
  CompletableFuture<SignalAck> forwardAsync(
      int shard, Signal signal, Durability durability, SessionSeq session) {
    return session == null
        ? forwardAsync(shard, signal, durability)
        : replication.forward(shard, signal, durability, session);
  }

  /**
   * Forwards one shard's part of a client session's batch to the shard's leader ({@code
   * FORWARD_PART}), which stores it at most once; the acknowledgement of its last signal.
   */
  CompletableFuture<SignalAck> forwardPart(
      int shard, List<Signal> signals, Durability durability, SessionSeq session) {
    return replication.forwardPart(shard, signals, durability, session);
  }

  /** The acknowledgement of a signal appended here as leader, at {@code level}, asynchronously. */
  CompletableFuture<SignalAck> stored(ShardLog log, long ticket, long hlc, Durability level) {
    int shard = SignalTickets.shard(ticket);
    long position = SignalTickets.position(ticket);
    CompletableFuture<Void> local = log.whenDurable(position);
    CompletableFuture<Void> done =
        level == Durability.LOCAL || replication == null // a single region meets every level
            ? local
            : local.thenCompose(v -> replication.whenStored(shard, position, level));
    return done.thenApply(v -> ack(ticket, hlc, level));
  }

  static SignalAck ack(long ticket, long hlc, Durability durability) {
    return new SignalAck(
        ShardId.of(SignalTickets.shard(ticket)),
        SignalTickets.position(ticket),
        new HlcStamp(hlc),
        durability);
  }
}
