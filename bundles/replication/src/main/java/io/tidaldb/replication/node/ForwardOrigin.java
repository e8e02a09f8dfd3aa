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
import io.tidaldb.api.UnknownTenantException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The forwarding region's side of write forwarding: sends FORWARD to the shard's known leader and
 * keeps the request (id to future and deadline) until its FORWARD_REPLY completes it or the
 * replication thread {@linkplain #expire expires} it after the durability timeout plus one second.
 *
 * <p>Threads: store threads call {@link #forward}, the delivery thread {@link #onReply}, the
 * replication thread {@link #expire}; the pending map is concurrent and every request is removed by
 * exactly one of them. Each call encodes into its own buffer.
 */
final class ForwardOrigin {
  /** Added to the durability timeout: the leader's own QUORUM wait fails first and is replied. */
  static final long MARGIN_NANOS = TimeUnit.SECONDS.toNanos(1);

  private static final Pattern INVALID =
      Pattern.compile("invalid (.+?): (.*) \\((.*)\\)", Pattern.DOTALL);

  private record Pending(
      CompletableFuture<SignalAck> future,
      RegionId to,
      int shard,
      TenantId tenant,
      long deadline) {}

  private final RegionId self;
  private final TransportEndpoint endpoint;
  private final DropCounters drops;
  private final long timeoutNanos;
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private volatile boolean closed;

  ForwardOrigin(RegionId self, TransportEndpoint endpoint, DropCounters drops, long timeoutNanos) {
    this.self = self;
    this.endpoint = endpoint;
    this.drops = drops;
    this.timeoutNanos = timeoutNanos + MARGIN_NANOS;
  }

  /** Sends a signal of {@code shard} to {@code leader} (null: none known); see Replication. */
  CompletableFuture<SignalAck> forward(
      int shard,
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
          new UnavailableException("the replication of region " + self + " is closed"));
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
    SendStatus sent = endpoint.send(leader, out.limit(length));
    if (sent != SendStatus.SENT && pending.remove(id, p)) {
      future.completeExceptionally(
          new UnavailableException(
              "cannot forward a signal of shard "
                  + shard
                  + " to its leader "
                  + leader
                  + ": "
                  + sent
                  + "; nothing was sent"));
    }
    if (closed && pending.remove(id, p)) {
      future.completeExceptionally(closing(p));
    }
    return future;
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
      p.future().completeExceptionally(failure(from, p, f, status, f.replyMessage()));
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
                        + " ms; the signal may or may not be stored"));
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
            + " awaited its reply; the signal may or may not be stored");
  }

  private static TidalException failure(
      RegionId from, Pending p, Frame f, byte status, String message) {
    switch (status) {
      case FrameDescriptor.STATUS_INVALID_ARGUMENT:
        Matcher m = INVALID.matcher(message);
        return m.matches()
            ? new InvalidArgumentException(
                m.group(1), new ForwardCodes.Rendered(m.group(2)), m.group(3))
            : new InvalidArgumentException(
                "forwarded signal", new ForwardCodes.Rendered(""), message);
      case FrameDescriptor.STATUS_UNKNOWN_TENANT:
        return new UnknownTenantException(p.tenant());
      case FrameDescriptor.STATUS_NOT_LEADER:
        long known = f.replyPosition();
        Optional<RegionId> leader =
            known >= 0 && known <= RegionId.MAX_VALUE
                ? Optional.of(RegionId.of((int) known))
                : Optional.empty();
        return new NotLeaderException(from, p.shard(), f.epoch(), leader);
      case FrameDescriptor.STATUS_UNAVAILABLE:
        return new UnavailableException("forwarded to region " + from + ": " + message);
      default:
        return new TidalException("forwarded to region " + from + ": " + message);
    }
  }
}
