package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The forwarding region's side of write forwarding: sends FORWARD to the shard's known leader and
 * keeps the request (id to future and deadline) until its FORWARD_REPLY completes it, the
 * replication thread {@linkplain #expire expires} it after the durability timeout plus one second,
 * or it fails at once because no reply can come any more: the shard's leader as this region knew it
 * is no longer the leader ({@link #leaderChanged}: a new epoch learned or this region's own
 * candidacy; the leader's mere silence is no reason, see {@link ShardReplica#onLeaderLost}) or the
 * link to it is cut ({@link #linkDown}: a send to it returned UNREACHABLE). Every failure is an
 * {@link UnavailableException} whose {@link UnavailableException#mayBeStored()} says whether
 * anything was sent: false for "not sent, nothing stored" (safe to retry), true with {@link
 * UnavailableException#region()} naming the region it was sent to for "may or may not be stored".
 *
 * <p>Threads: owned by the region's replication thread (the owner), which sends every FORWARD,
 * handles every FORWARD_REPLY, expires requests and learns of leader changes, so the pending map,
 * the request ids and the encode buffer are plain fields of its own. Two things cross threads,
 * through {@link ForwardRequests}: a store thread's {@link #offer} validates the signal and hands
 * it over through a bounded queue, and the owner's {@link #doWork} sends it with the leader and
 * epoch it knows at that moment; any sending thread's {@link #linkDown} only counts the cut, and
 * {@link #doWork} fails that region's pending requests. Futures complete on the owner, so their
 * dependent stages must not block. {@link #close} runs once the owner has stopped (or on the owner
 * as it dies).
 *
 * <p>Leadership transfer: while a shard's writes are held ({@link ShardReplica#holdsWrites}), a
 * request with no leader to go to (this region, which stopped taking writes, or none known during
 * the election) is kept in {@code held} instead of failing; once the hold ends it is sent to the
 * leader known then, or stored here if this region takes writes again (the transfer gave up), or
 * fails with {@link NotLeaderException} (nothing stored).
 */
final class ForwardOrigin {
  /** Added to the durability timeout: the leader's own QUORUM wait fails first and is replied. */
  static final long MARGIN_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** The most requests one round of the owner sends. */
  static final int DRAIN_LIMIT = 4_096;

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
  private final ShardReplica[] shards;
  private final ForwardRequests requests;
  private final Consumer<ForwardRequests.Forward> send = this::send;
  private final Function<ForwardRequests.Forward, CompletableFuture<SignalAck>> local;
  private final ArrayDeque<ForwardRequests.Forward> held = new ArrayDeque<>();

  // the owner's
  private final long[] linkDownsSeen;
  private final Map<Long, Pending> pending = new HashMap<>();
  private final FrameEncoder encoder =
      new FrameEncoder(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH - FrameDescriptor.HEADER_LENGTH);
  private final ByteBuffer out =
      ByteBuffer.allocate(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH).order(ByteOrder.LITTLE_ENDIAN);

  /** Encodes FORWARD_PART frames, each into a buffer of its own length (the owner's). */
  private final FrameEncoder partEncoder =
      new FrameEncoder(Integer.MAX_VALUE - FrameDescriptor.HEADER_LENGTH);

  /** The transport's largest frame: a FORWARD_PART above it is refused, nothing sent. */
  private final int maxFrameBytes;

  /**
   * The last request id; starts at a random value so that a restarted region's ids do not repeat
   * the ones a leader still remembers of its previous incarnation ({@link ForwardsSeen}).
   */
  private long ids = java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 62);

  /**
   * @param endpoint sends FORWARD; its own UNREACHABLE sends are handled here, not reported
   * @param shards the region's shards, whose known leader and epoch the owner reads
   * @param maxFrameBytes the transport's largest frame
   * @param wake unparks the owner
   * @param local stores a held request here, as a leader write (see the class comment)
   */
  ForwardOrigin(
      RegionId self,
      List<RegionId> regions,
      TransportEndpoint endpoint,
      DropCounters drops,
      long timeoutNanos,
      ShardReplica[] shards,
      int maxFrameBytes,
      Runnable wake,
      Function<ForwardRequests.Forward, CompletableFuture<SignalAck>> local) {
    this.local = local;
    this.maxFrameBytes = maxFrameBytes;
    this.self = self;
    this.regions = regions;
    this.endpoint = endpoint;
    this.drops = drops;
    this.timeoutNanos = timeoutNanos + MARGIN_NANOS;
    this.shards = shards;
    this.requests = new ForwardRequests(self, regions, shards, wake);
    this.linkDownsSeen = new long[regions.size()];
  }

  /** See {@link ForwardRequests#offer}; any thread. */
  CompletableFuture<SignalAck> offer(
      int shard, Signal signal, Durability durability, SessionSeq session, long nowNanos) {
    return requests.offer(shard, signal, durability, session, nowNanos);
  }

  /** See {@link ForwardRequests#offerPart}; any thread. */
  CompletableFuture<SignalAck> offerPart(
      int shard, List<Signal> part, Durability durability, SessionSeq session, long nowNanos) {
    return requests.offerPart(shard, part, durability, session, nowNanos);
  }

  /**
   * Fails the pending requests of every region whose link went down since the last call, then sends
   * the requests store threads handed over (owner, each round, in this order).
   *
   * @return the work done
   */
  int doWork() {
    return failLinksDown() + releaseHeld() + requests.drain(send, DRAIN_LIMIT);
  }

  /** Sends, or stores here, the held requests of shards whose hold has ended (owner). */
  private int releaseHeld() {
    int released = 0;
    for (int n = held.size(); n > 0; n--) {
      ForwardRequests.Forward r = held.poll();
      if (shards[r.shard()].holdsWrites()) {
        held.add(r);
      } else {
        released++;
        sendOrHold(r);
      }
    }
    return released;
  }

  /** Sends one handed-over request to the leader the owner knows now. */
  private void send(ForwardRequests.Forward r) {
    sendOrHold(r);
  }

  private void sendOrHold(ForwardRequests.Forward r) {
    int shard = r.shard();
    ShardReplica s = shards[shard];
    RegionId leader = s.knownLeader();
    long epoch = s.epoch();
    CompletableFuture<SignalAck> future = r.future();
    if (leader == null || leader.equals(self)) {
      if (s.holdsWrites()) {
        held.add(r); // a leadership transfer runs: sent or stored once it ends
      } else if (leader != null && s.leads()) {
        // this region took the lead since the request was made (a transfer to it, or an election,
        // completed while it waited in a queue), or a transfer gave up: stored here. Refusing it
        // named this region as its own leader (LeadershipTransferNodeTest, region 1's relayed
        // forward reached region-2 as the hold ended)
        local
            .apply(r)
            .whenComplete(
                (ack, failure) -> {
                  if (failure == null) {
                    future.complete(ack);
                  } else {
                    future.completeExceptionally(failure);
                  }
                });
      } else {
        future.completeExceptionally(
            new NotLeaderException(self, shard, epoch, Optional.ofNullable(leader)));
      }
      return;
    }
    long id = ++ids;
    ByteBuffer frame;
    try {
      frame = encode(r, shard, epoch, id);
    } catch (TidalException e) {
      future.completeExceptionally(e);
      return;
    }
    SendStatus sent = endpoint.send(leader, frame);
    if (sent != SendStatus.SENT) {
      future.completeExceptionally(
          ForwardRequests.notSent(
              "cannot forward a "
                  + (r.part() == null ? "signal" : "batch's part")
                  + " of shard "
                  + shard
                  + " to its leader "
                  + leader
                  + ": "
                  + sent
                  + "; not sent, nothing stored"));
      if (sent == SendStatus.UNREACHABLE) {
        failTo(leader, sent); // what was sent there before is lost too
      }
      return;
    }
    pending.put(id, new Pending(future, leader, shard, r.tenant(), r.startNanos() + timeoutNanos));
  }

  /**
   * Encodes a request as a FORWARD (or FORWARD_SESSION) into the owner's buffer, or a part as a
   * FORWARD_PART into a buffer of its own size.
   */
  private ByteBuffer encode(ForwardRequests.Forward r, int shard, long epoch, long id) {
    if (r.part() != null) {
      int length = FrameEncoder.forwardPartLength(r.part());
      if (length > maxFrameBytes) { // the transport would refuse it on this thread
        throw new InvalidArgumentException(
            "forwarded part",
            r.part().size() + " signals",
            "make a FORWARD_PART of "
                + length
                + " bytes, above the transport's frames of "
                + maxFrameBytes
                + " bytes (maxFrameBytes): send a smaller batch or raise maxFrameBytes;"
                + " not sent, nothing stored");
      }
      ByteBuffer frame = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
      partEncoder.forwardPart(
          frame,
          0,
          shard,
          self.value(),
          epoch,
          id,
          ForwardCodes.code(r.durability()),
          r.part(),
          r.session());
      return frame;
    }
    out.clear();
    int length =
        encoder.forward(
            out,
            0,
            shard,
            self.value(),
            epoch,
            id,
            r.signal().entity().value(),
            r.signal().weight(),
            r.signal().eventTime().epochMillis(),
            ForwardCodes.code(r.durability()),
            r.signal().tenant().name(),
            r.signal().type().name(),
            r.session());
    return out.limit(length);
  }

  /**
   * Fails at once every request of {@code shard} sent to a leader this region no longer knows as
   * the leader (the owner, on losing the leader it knew). Requests not sent yet are sent later to
   * the leader known then.
   *
   * @param why what this region learned, for the message
   * @return how many requests failed
   */
  int leaderChanged(int shard, String why) {
    int failed = 0;
    for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (p.shard() == shard) {
        it.remove();
        failed++;
        p.future()
            .completeExceptionally(
                maybeStored(p, p.to() + " is no longer the leader of shard " + shard + ": " + why));
      }
    }
    return failed;
  }

  /** See {@link ForwardRequests#linkDown}; any sending thread. */
  void linkDown(RegionId to, SendStatus status) {
    requests.linkDown(to, status);
  }

  /** Fails the requests sent to each region whose link went down since the last look (owner). */
  private int failLinksDown() {
    int failed = 0;
    for (int i = 0; i < linkDownsSeen.length; i++) {
      long downs = requests.linkDowns(i);
      if (downs != linkDownsSeen[i]) {
        linkDownsSeen[i] = downs;
        failed += failTo(regions.get(i), SendStatus.UNREACHABLE);
      }
    }
    return failed;
  }

  /** Fails every request sent to {@code to}, whose link is down (owner); returns how many. */
  private int failTo(RegionId to, SendStatus status) {
    if (pending.isEmpty()) {
      return 0;
    }
    int failed = 0;
    for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (p.to().equals(to)) {
        it.remove();
        failed++;
        p.future()
            .completeExceptionally(
                maybeStored(p, "the link to " + to + " is down (a send returned " + status + ")"));
      }
    }
    return failed;
  }

  /** Completes the request a FORWARD_REPLY answers (owner). */
  void onReply(RegionId from, Frame f) {
    long id = f.replyRequestId();
    if (f.replyStatus() == FrameDescriptor.STATUS_OK && f.replyPosition() < 0) {
      // the decoder checked the bytes; an acknowledgement's position must also mean one
      drops.drop(
          NodeDrop.FIELD_OUT_OF_RANGE,
          from,
          f + " acknowledges request " + id + " at position " + f.replyPosition() + " (< 0)");
      return;
    }
    Pending p = pending.get(id);
    if (p == null || !p.to().equals(from)) {
      drops.drop(NodeDrop.UNKNOWN_FORWARD, from, f + " answers request " + id + ", not pending");
      return;
    }
    pending.remove(id);
    if (f.replyStatus() == FrameDescriptor.STATUS_OK) {
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
              ForwardCodes.failure(
                  from, p.shard(), f.epoch(), p.tenant(), f.replyError(), regions));
    }
  }

  /** Fails every request past its deadline (owner); returns how many. */
  int expire(long nowNanos) {
    int expired = 0;
    for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (nowNanos - p.deadline() >= 0) {
        it.remove();
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

  /** Returns how many requests await a reply (owner). */
  int pending() {
    return pending.size();
  }

  /**
   * Fails every pending request and every request not sent yet, and makes later calls fail at once
   * (once the owner has stopped, or on the owner as it dies).
   *
   * @param why why nothing more is forwarded, for the messages
   */
  void close(String why) {
    requests.close(why);
    UnavailableException unsent =
        ForwardRequests.notSent(why + "; a write held for a leadership transfer was not stored");
    for (ForwardRequests.Forward r : held) {
      r.future().completeExceptionally(unsent);
    }
    held.clear();
    for (Pending p : pending.values()) {
      p.future().completeExceptionally(closing(p, why));
    }
    pending.clear();
  }

  private static UnavailableException closing(Pending p, String why) {
    return new UnavailableException(
        why
            + " while a signal forwarded to region "
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
}
