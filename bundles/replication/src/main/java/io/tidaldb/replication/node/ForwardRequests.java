package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.transport.SendStatus;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

/**
 * The cross-thread half of {@link ForwardOrigin}: what other threads hand its owner, the region's
 * replication thread. Store threads {@linkplain #offer offer} forwards (validated here, then queued
 * in a bounded inbox of {@link #CAPACITY}; full: the forward fails at once, nothing sent), and any
 * sending thread reports a {@linkplain #linkDown link down}, counted per region. Both wake the
 * owner, which {@linkplain #drain drains} the forwards and compares the counters with the last
 * values it saw.
 *
 * <p>Thread-safety: {@link #offer} and {@link #linkDown} from any thread; {@link #drain}, {@link
 * #linkDowns} and {@link #close} from the owner (or once it has stopped).
 */
final class ForwardRequests {
  /** How many forwards may wait for the owner to send them (the store's ack queue bound). */
  static final int CAPACITY = 65_536;

  /**
   * A store thread's forward on its way to the owner, which sends it: one signal, or one shard's
   * part of a session batch ({@code part} not null, {@code signal} then null).
   */
  record Forward(
      int shard,
      Signal signal,
      Durability durability,
      SessionSeq session,
      long startNanos,
      CompletableFuture<SignalAck> future,
      List<Signal> part) {
    Forward(
        int shard,
        Signal signal,
        Durability durability,
        SessionSeq session,
        long startNanos,
        CompletableFuture<SignalAck> future) {
      this(shard, signal, durability, session, startNanos, future, null);
    }

    /** The tenant of the signal or the part. */
    TenantId tenant() {
      return part == null ? signal.tenant() : part.get(0).tenant();
    }
  }

  private final RegionId self;
  private final List<RegionId> regions;
  private final ShardReplica[] shards;
  private final Runnable wake;
  private final Inbox<Forward> inbox = new Inbox<>(CAPACITY);

  /** Per region (index in {@link #regions}), how many UNREACHABLE sends were reported. */
  private final AtomicLongArray linkDowns;

  private volatile String closed; // why forwards fail at once, or null

  /**
   * @param shards the region's shards, whose known leader {@link #offer} checks
   * @param wake unparks the owner
   */
  ForwardRequests(RegionId self, List<RegionId> regions, ShardReplica[] shards, Runnable wake) {
    this.self = self;
    this.regions = regions;
    this.shards = shards;
    this.wake = wake;
    this.linkDowns = new AtomicLongArray(regions.size());
  }

  /**
   * Hands a signal of {@code shard} to the owner, which forwards it to the shard's leader; see
   * Replication. Any thread, never waits: bad arguments, no known leader (or this region) unless
   * the shard's writes are held for a leadership transfer, and a closed or full queue fail the
   * returned future at once. A {@code session} (or null) travels with the signal to the leader.
   */
  CompletableFuture<SignalAck> offer(
      int shard, Signal signal, Durability durability, SessionSeq session, long nowNanos) {
    if (signal == null || durability == null) {
      return CompletableFuture.failedFuture(
          new InvalidArgumentException(
              "forwarded signal",
              signal + "/" + durability,
              "signal and durability must not be null"));
    }
    return offer(shard, signal, null, durability, session, nowNanos);
  }

  /**
   * Hands one shard's part of a session batch to the owner, as {@link #offer(int, Signal,
   * Durability, SessionSeq, long)} hands a signal: sent as one FORWARD_PART.
   */
  CompletableFuture<SignalAck> offerPart(
      int shard, List<Signal> part, Durability durability, SessionSeq session, long nowNanos) {
    if (part == null || part.isEmpty() || durability == null || session == null) {
      return CompletableFuture.failedFuture(
          new InvalidArgumentException(
              "forwarded part",
              (part == null ? null : part.size() + " signals") + "/" + durability + "/" + session,
              "1 or more signals, a durability and a session are needed; nothing sent"));
    }
    return offer(shard, null, List.copyOf(part), durability, session, nowNanos);
  }

  private CompletableFuture<SignalAck> offer(
      int shard,
      Signal signal,
      List<Signal> part,
      Durability durability,
      SessionSeq session,
      long nowNanos) {
    ShardReplica s = shards[shard];
    RegionId leader = s.knownLeader();
    if ((leader == null || leader.equals(self)) && !s.holdsWrites()) {
      // read again after the hold: the owner publishes a hold before it forgets its leader and
      // clears it only after naming the next one, so between the two reads above an election may
      // have ended (LeadershipTransferNodeTest saw "leader unknown" refused at the new epoch)
      // (or this region's leadership became active: the owner stores the request here)
      leader = s.knownLeader();
      if (leader == null || (leader.equals(self) && !s.leads())) {
        return CompletableFuture.failedFuture(
            new NotLeaderException(self, shard, s.epoch(), Optional.ofNullable(leader)));
      }
    }
    String why = closed;
    if (why != null) {
      return CompletableFuture.failedFuture(notSent(why));
    }
    CompletableFuture<SignalAck> future = new CompletableFuture<>();
    if (!inbox.offer(new Forward(shard, signal, durability, session, nowNanos, future, part))) {
      return CompletableFuture.failedFuture(
          notSent(
              "region "
                  + self
                  + ": forward queue full ("
                  + CAPACITY
                  + " forwards wait for the replication thread); a "
                  + (part == null ? "signal" : "part of a batch")
                  + " of shard "
                  + shard
                  + " was not sent, nothing stored"));
    }
    why = closed; // closed meanwhile: the owner is gone and close() may have drained already
    if (why != null) {
      future.completeExceptionally(notSent(why));
    } else {
      wake.run();
    }
    return future;
  }

  /**
   * Reports that a send to {@code to} returned {@code status} (UNREACHABLE): the link is down and
   * what it carried (a FORWARD or its reply) is lost. Any sending thread; counts and wakes the
   * owner, nothing more.
   */
  void linkDown(RegionId to, SendStatus status) {
    int i = regions.indexOf(to);
    if (i >= 0) {
      linkDowns.incrementAndGet(i);
      wake.run();
    }
  }

  /** Returns how many link downs were reported for the region at {@code index} of the regions. */
  long linkDowns(int index) {
    return linkDowns.get(index);
  }

  /** Hands up to {@code limit} forwards to {@code handler}, oldest first (owner). */
  int drain(Consumer<Forward> handler, int limit) {
    return inbox.drain(handler, limit);
  }

  /** Fails every queued forward, not sent, and every later offer (owner, or once it stopped). */
  void close(String why) {
    closed = why;
    UnavailableException unsent = notSent(why + "; not sent, nothing stored");
    inbox.drain(r -> r.future().completeExceptionally(unsent), CAPACITY);
  }

  static UnavailableException notSent(String message) {
    return new UnavailableException(message, false, null);
  }
}
