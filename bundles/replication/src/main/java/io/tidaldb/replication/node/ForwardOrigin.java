package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The forwarding region's side of write forwarding: sends FORWARD to the shard's known leader and
 * keeps the request (id to future and deadline) until its FORWARD_REPLY completes it, the
 * replication thread {@linkplain #expire expires} it after the durability timeout plus one second,
 * or it fails at once because no reply can come any more: the shard's leader as this region knew it
 * is no longer the leader ({@link #leaderChanged}: a new epoch or leader learned, the leader's
 * silence, this region's own candidacy) or the link to it is cut ({@link #linkDown}: a send to it
 * returned UNREACHABLE). Every failure is an {@link UnavailableException} whose {@link
 * UnavailableException#mayBeStored()} says whether anything was sent: false for "not sent, nothing
 * stored" (safe to retry), true with {@link UnavailableException#region()} naming the region it was
 * sent to for "may or may not be stored".
 *
 * <p>Threads: store threads call {@link #forward}, the delivery thread {@link #onReply}, the
 * replication thread {@link #expire}, any sending thread {@link #linkDown}, the shard's owner
 * {@link #leaderChanged}; the pending map is concurrent and every request is removed by exactly one
 * of them. A forward that raced with a leader change (it read the old leader) sees the shard's
 * generation moved on after its send and fails itself. Each call encodes into its own buffer.
 */
final class ForwardOrigin {
  /** Added to the durability timeout: the leader's own QUORUM wait fails first and is replied. */
  static final long MARGIN_NANOS = TimeUnit.SECONDS.toNanos(1);

  private record Pending(
      CompletableFuture<SignalAck> future,
      RegionId to,
      int shard,
      TenantId tenant,
      long deadline) {}

  private final RegionId self;
  private final List<RegionId> regions;
  private final TransportEndpoint endpoint;
  private final DropCounters drops;
  private final long timeoutNanos;
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();

  /** Per shard, how many times the leader this region knows was lost; see {@link #generation}. */
  private final AtomicLongArray generations;

  private volatile boolean closed;

  ForwardOrigin(
      RegionId self,
      List<RegionId> regions,
      TransportEndpoint endpoint,
      DropCounters drops,
      long timeoutNanos,
      int shards) {
    this.self = self;
    this.regions = regions;
    this.endpoint = endpoint;
    this.drops = drops;
    this.timeoutNanos = timeoutNanos + MARGIN_NANOS;
    this.generations = new AtomicLongArray(shards);
  }

  /**
   * Returns the shard's leader generation; read it before reading the leader a forward goes to, and
   * pass it to {@link #forward}.
   */
  long generation(int shard) {
    return generations.get(shard);
  }

  /**
   * Sends a signal of {@code shard} to {@code leader} (null: none known), which this region knew as
   * the leader in {@code generation}; see Replication.
   */
  CompletableFuture<SignalAck> forward(
      int shard,
      long generation,
      RegionId leader,
      long epoch,
      TenantId tenant,
      SignalType type,
      EntityId entity,
      double weight,
      Timestamp eventTime,
      Durability durability,
      long nowNanos) {
    if (tenant == null
        || type == null
        || entity == null
        || eventTime == null
        || durability == null) {
      return CompletableFuture.failedFuture(
          new InvalidArgumentException(
              "forwarded signal",
              tenant + "/" + type + "/" + entity + "/" + eventTime + "/" + durability,
              "tenant, type, entity, event time and durability must not be null"));
    }
    if (leader == null || leader.equals(self)) {
      return CompletableFuture.failedFuture(
          new NotLeaderException(self, shard, epoch, Optional.ofNullable(leader)));
    }
    if (closed) {
      return CompletableFuture.failedFuture(
          notSent("the replication of region " + self + " is closed"));
    }
    long id = ids.incrementAndGet();
    CompletableFuture<SignalAck> future = new CompletableFuture<>();
    Pending p = new Pending(future, leader, shard, tenant, nowNanos + timeoutNanos);
    ByteBuffer out =
        ByteBuffer.allocate(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH)
            .order(ByteOrder.LITTLE_ENDIAN);
    int length;
    try {
      length =
          new FrameEncoder(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH - FrameDescriptor.HEADER_LENGTH)
              .forward(
                  out,
                  0,
                  shard,
                  self.value(),
                  epoch,
                  id,
                  entity.value(),
                  weight,
                  eventTime.epochMillis(),
                  ForwardCodes.code(durability),
                  tenant.name(),
                  type.name());
    } catch (TidalException e) {
      return CompletableFuture.failedFuture(e);
    }
    pending.put(id, p); // before sending: the reply may arrive at once
    if (generations.get(shard) != generation) {
      pending.remove(id, p);
      return CompletableFuture.failedFuture(
          notSent(
              "shard "
                  + shard
                  + " lost its leader "
                  + leader
                  + " as region "
                  + self
                  + " knew it just before forwarding; not sent, nothing stored"));
    }
    SendStatus sent = endpoint.send(leader, out.limit(length));
    if (sent != SendStatus.SENT && pending.remove(id, p)) {
      future.completeExceptionally(
          notSent(
              "cannot forward a signal of shard "
                  + shard
                  + " to its leader "
                  + leader
                  + ": "
                  + sent
                  + "; not sent, nothing stored"));
      if (sent == SendStatus.UNREACHABLE) {
        linkDown(leader, sent); // what was sent there before is lost too
      }
    }
    if (generations.get(shard) != generation && pending.remove(id, p)) {
      future.completeExceptionally(maybeStored(p, "its leader changed while it was sent"));
    }
    if (closed && pending.remove(id, p)) {
      future.completeExceptionally(closing(p));
    }
    return future;
  }

  /**
   * Fails at once every request of {@code shard} sent to a leader this region no longer knows as
   * the leader (the shard's owner, on losing the leader it knew); bumps the shard's generation.
   *
   * @param why what this region learned, for the message
   * @return how many requests failed
   */
  int leaderChanged(int shard, String why) {
    generations.incrementAndGet(shard);
    int failed = 0;
    for (Map.Entry<Long, Pending> e : pending.entrySet()) {
      Pending p = e.getValue();
      if (p.shard() == shard && pending.remove(e.getKey(), p)) {
        failed++;
        p.future()
            .completeExceptionally(
                maybeStored(p, p.to() + " is no longer the leader of shard " + shard + ": " + why));
      }
    }
    return failed;
  }

  /**
   * Fails at once every request sent to {@code to}: a send to it returned {@code status}, so the
   * link is down and what it carried (the FORWARD or its reply) is lost. Any sending thread; cheap
   * when nothing is pending.
   *
   * @return how many requests failed
   */
  int linkDown(RegionId to, SendStatus status) {
    if (pending.isEmpty()) {
      return 0;
    }
    int failed = 0;
    for (Map.Entry<Long, Pending> e : pending.entrySet()) {
      Pending p = e.getValue();
      if (p.to().equals(to) && pending.remove(e.getKey(), p)) {
        failed++;
        p.future()
            .completeExceptionally(
                maybeStored(p, "the link to " + to + " is down (a send returned " + status + ")"));
      }
    }
    return failed;
  }

  /** Completes the request a FORWARD_REPLY answers (the delivery thread). */
  void onReply(RegionId from, Frame f) {
    long id = f.replyRequestId();
    Pending p = pending.get(id);
    if (p == null || !p.to().equals(from) || !pending.remove(id, p)) {
      drops.drop(NodeDrop.UNKNOWN_FORWARD, from, f + " answers request " + id + ", not pending");
      return;
    }
    byte status = f.replyStatus();
    if (status == FrameDescriptor.STATUS_OK) {
      p.future()
          .complete(
              new SignalAck(
                  ShardId.of(p.shard()),
                  f.replyPosition(),
                  new HlcStamp(f.replyHlc()),
                  ForwardCodes.durability(f.replyDurability())));
    } else {
      p.future()
          .completeExceptionally(
              ForwardCodes.failure(from, p.shard(), p.tenant(), f, status, regions));
    }
  }

  /** Fails every request past its deadline (the replication thread); returns how many. */
  int expire(long nowNanos) {
    int expired = 0;
    for (Iterator<Map.Entry<Long, Pending>> it = pending.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Pending> e = it.next();
      Pending p = e.getValue();
      if (nowNanos - p.deadline() >= 0 && pending.remove(e.getKey(), p)) {
        expired++;
        p.future()
            .completeExceptionally(
                new UnavailableException(
                    "forwarded to region "
                        + p.to()
                        + "; no reply within "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                        + " ms; the signal may or may not be stored",
                    true,
                    p.to()));
      }
    }
    return expired;
  }

  /** Returns how many requests await a reply. */
  int pending() {
    return pending.size();
  }

  /** Fails every pending request; later calls fail at once. */
  void close() {
    closed = true;
    for (Long id : pending.keySet()) {
      Pending p = pending.remove(id);
      if (p != null) {
        p.future().completeExceptionally(closing(p));
      }
    }
  }

  private UnavailableException closing(Pending p) {
    return new UnavailableException(
        "the replication of region "
            + self
            + " closed while a signal forwarded to region "
            + p.to()
            + " awaited its reply; the signal may or may not be stored",
        true,
        p.to());
  }

  /** A request that was sent to {@code p.to()} and cannot be answered any more. */
  private static UnavailableException maybeStored(Pending p, String why) {
    return new UnavailableException(
        "sent to region "
            + p.to()
            + ", may or may not be stored: a signal of shard "
            + p.shard()
            + " forwarded there awaits no reply any more: "
            + why,
        true,
        p.to());
  }

  private static UnavailableException notSent(String message) {
    return new UnavailableException(message, false, null);
  }
}
