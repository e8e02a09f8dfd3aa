package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's side of write forwarding: a FORWARD for a shard this region leads is handed to the
 * store ({@link ReplicaState#acceptForwarded}) on a small bounded executor ({@code
 * tidal-forward-<region>}, 2 threads, 4,096 queued), never on the delivery thread (the store may
 * block on a DEFINE's QUORUM, whose ACKs that thread delivers) nor on the replication thread. The
 * FORWARD_REPLY is sent from whichever thread completes the store's future, encoded into a buffer
 * of that call. A FORWARD for a shard this region does not lead gets NOT_LEADER naming the leader
 * it knows; a full queue gets UNAVAILABLE. While the shard's writes are held for a leadership
 * transfer ({@link ShardReplica#holdsWrites}), a FORWARD is relayed instead: handed to this
 * region's own forwarding ({@link Relay}), which holds it and sends it on to the next leader (or
 * stores it here if the transfer gives up), and the outcome is replied under the original id. Every
 * request is handled once: a copy of one already seen (the link duplicated the frame) gets the
 * first copy's outcome ({@link ForwardsSeen}), never a second append or relay.
 */
final class ForwardLeader {
  /**
   * Forwards a signal (or, {@code part} not null, a batch's part) on from this region, as {@link
   * ForwardOrigin#offer} does.
   */
  @FunctionalInterface
  interface Relay {
    CompletableFuture<SignalAck> relay(
        int shard, Signal signal, Durability durability, SessionSeq session, List<Signal> part);
  }

  static final int THREADS = 2;
  static final int QUEUE = 4096;

  /** The most request ids remembered per origin region (see {@link ForwardsSeen}). */
  static final int SEEN_PER_ORIGIN = 65_536;

  private static final Logger LOG = LoggerFactory.getLogger(ForwardLeader.class);

  /**
   * One decoded FORWARD, FORWARD_SESSION or FORWARD_PART ({@code part} not null, {@code signal}
   * then null; the frame view is reused by the delivery thread).
   */
  private record Request(
      RegionId from,
      int shard,
      long id,
      Signal signal,
      byte durability,
      SessionSeq session,
      List<Signal> part) {}

  private final RegionId self;
  private final TransportEndpoint endpoint;
  private final Supplier<ReplicaState> state;
  private final ThreadPoolExecutor executor;
  private final NodeFailures failures;
  private final Relay relay;
  private final ForwardsSeen seen;

  /**
   * @param seenNanos how long a request id is remembered to answer a copy of it (see {@link
   *     ForwardsSeen})
   */
  ForwardLeader(
      RegionId self,
      TransportEndpoint endpoint,
      Supplier<ReplicaState> state,
      NodeFailures failures,
      Relay relay,
      long seenNanos) {
    this.relay = relay;
    this.seen = new ForwardsSeen(seenNanos, SEEN_PER_ORIGIN);
    this.self = self;
    this.endpoint = endpoint;
    this.state = state;
    this.failures = failures;
    this.executor =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            failures.pool("tidal-forward-" + self, true));
  }

  /**
   * Handles a FORWARD of {@code replica}'s shard (a delivery thread). A copy of a request already
   * seen ({@link ForwardsSeen}: the link duplicated the frame) is answered with the first copy's
   * outcome once it is known and is not stored again.
   */
  void onForward(RegionId from, Frame f, ShardReplica replica, long nowNanos) {
    int shard = f.shard();
    long id =
        f.type() == FrameDescriptor.FORWARD_PART ? f.forwardPartRequestId() : f.forwardRequestId();
    CompletableFuture<SignalAck> outcome = new CompletableFuture<>();
    CompletableFuture<SignalAck> first = seen.firstOrRemember(from, id, outcome, nowNanos);
    if (first != null) {
      LOG.debug(
          "forwarding of {}: request {} of {} seen before; answered once done", self, id, from);
      replyWhenDone(from, shard, id, replica, first);
      return;
    }
    handle(from, f, replica)
        .whenComplete(
            (ack, failure) -> {
              if (failure == null) {
                outcome.complete(ack);
              } else {
                outcome.completeExceptionally(unwrap(failure));
              }
            });
    replyWhenDone(from, shard, id, replica, outcome);
  }

  /** Returns how many FORWARD copies were answered with an earlier copy's outcome. */
  long duplicates() {
    return seen.duplicates();
  }

  private CompletableFuture<SignalAck> handle(RegionId from, Frame f, ShardReplica replica) {
    ReplicaState store = state.get();
    if (replica.holdsWrites()) {
      return relayHeld(from, f);
    }
    if (!replica.leads() || store == null) {
      RegionId known = replica.knownLeader();
      if (replica.holdsWrites()) {
        // read again after leads() and knownLeader(): the owner publishes a hold before it stops
        // taking writes or names itself leader, so a refusal is never seen without its hold
        return relayHeld(from, f);
      }
      if (!(self.equals(known) && store != null && replica.leads())) {
        // not leading, unless it became leader since leads() was read: a region that wins holds
        // writes until it takes them and clears the hold only after, so seeing the hold gone means
        // leads() is true now (a refusal naming this region as its own leader was a race here)
        return CompletableFuture.failedFuture(
            new NotLeaderException(
                self, f.shard(), replica.epoch(), java.util.Optional.ofNullable(known)));
      }
    }
    return take(from, f, replica, store);
  }

  private CompletableFuture<SignalAck> take(
      RegionId from, Frame f, ShardReplica replica, ReplicaState store) {
    Request r;
    try {
      r = decode(from, f);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<SignalAck> out = new CompletableFuture<>();
    try {
      executor.execute(() -> accept(store, replica, r, out));
    } catch (RejectedExecutionException e) {
      out.completeExceptionally(
          new UnavailableException(
              (executor.isShutdown()
                      ? "the replication of region " + self + " is closing"
                      : "forward queue full: region "
                          + self
                          + " has "
                          + QUEUE
                          + " forwarded signals waiting")
                  + "; not stored",
              false,
              null));
    }
    return out;
  }

  private static Request decode(RegionId from, Frame f) {
    if (f.type() == FrameDescriptor.FORWARD_PART) {
      return new Request(
          from,
          f.shard(),
          f.forwardPartRequestId(),
          null,
          f.forwardPartDurability(),
          f.forwardPartSession(),
          f.forwardPartSignals());
    }
    return new Request(
        from,
        f.shard(),
        f.forwardRequestId(),
        new Signal(
            TenantId.of(f.forwardTenant()),
            SignalType.of(f.forwardType()),
            EntityId.of(f.forwardEntity()),
            f.forwardWeight(),
            Timestamp.ofMillis(f.forwardEventMillis())),
        f.forwardDurability(),
        f.forwardHasSession()
            ? new SessionSeq(f.forwardSession(), f.forwardSeq(), f.forwardAckedBelow())
            : null,
        null);
  }

  /** A FORWARD that arrived while a leadership transfer holds the shard's writes: relayed. */
  private CompletableFuture<SignalAck> relayHeld(RegionId from, Frame f) {
    try {
      return relayRequest(decode(from, f));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Stores a signal held for a leadership transfer that gave up here, as a leader write, on the
   * forwarding executor (never on the replication thread: the store may wait for a DEFINE's
   * QUORUM).
   */
  CompletableFuture<SignalAck> acceptHere(ForwardRequests.Forward r) {
    ReplicaState store = state.get();
    if (store == null) {
      return CompletableFuture.failedFuture(
          new UnavailableException(
              "region " + self + " has no store attached; a held write was not stored",
              false,
              self));
    }
    CompletableFuture<SignalAck> out = new CompletableFuture<>();
    try {
      executor.execute(
          () -> {
            CompletableFuture<SignalAck> stored;
            try {
              stored =
                  r.part() != null
                      ? store.acceptForwardedPart(r.part(), r.durability(), r.session())
                      : store.acceptForwarded(r.signal(), r.durability(), r.session());
            } catch (RuntimeException e) {
              stored = CompletableFuture.failedFuture(e);
            }
            stored.whenComplete(
                (ack, failure) -> {
                  if (failure == null) {
                    out.complete(ack);
                  } else {
                    out.completeExceptionally(unwrap(failure));
                  }
                });
          });
    } catch (RejectedExecutionException e) {
      out.completeExceptionally(
          new UnavailableException(
              "region " + self + ": forward queue full or closing; a held write was not stored",
              false,
              self));
    }
    return out;
  }

  /** Stops the executor; queued forwards are dropped (their origins time out). */
  void close() {
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
        LOG.warn("forwarding of {}: writers still busy after 1 s", self);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void accept(
      ReplicaState store, ShardReplica replica, Request r, CompletableFuture<SignalAck> out) {
    CompletableFuture<SignalAck> stored;
    try {
      Durability durability = ForwardCodes.durability(r.durability());
      stored =
          r.part() != null
              ? store.acceptForwardedPart(r.part(), durability, r.session())
              : store.acceptForwarded(r.signal(), durability, r.session());
    } catch (RuntimeException e) {
      stored = CompletableFuture.failedFuture(e);
    }
    if (refusedAsNotLeader(stored) && replica.holdsWrites()) {
      // taken while this region led, refused by the store because a transfer paused its writes
      // (or its leadership ended) since: inside a hold it is relayed like a held forward
      stored = relayRequest(r);
    }
    stored.whenComplete(
        (ack, failure) -> {
          if (failure == null) {
            out.complete(ack);
          } else {
            out.completeExceptionally(failure);
          }
        });
  }

  private static boolean refusedAsNotLeader(CompletableFuture<SignalAck> stored) {
    return stored.isCompletedExceptionally()
        && unwrap(stored.handle((ack, failure) -> failure).getNow(null))
            instanceof NotLeaderException;
  }

  private CompletableFuture<SignalAck> relayRequest(Request r) {
    try {
      return relay.relay(
          r.shard(), r.signal(), ForwardCodes.durability(r.durability()), r.session(), r.part());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Replies to the request's origin once {@code stored} completes, from that thread. */
  private void replyWhenDone(
      RegionId from,
      int shard,
      long id,
      ShardReplica replica,
      CompletableFuture<SignalAck> stored) {
    stored.whenComplete(
        (ack, failure) -> {
          if (failure == null) {
            send(
                from,
                id,
                (encoder, out) ->
                    encoder.forwardReply(
                        out,
                        0,
                        shard,
                        self.value(),
                        replica.epoch(),
                        id,
                        ack.position(),
                        ack.stamp().value(),
                        ForwardCodes.code(ack.durability())));
          } else {
            reply(from, shard, replica, id, unwrap(failure));
          }
        });
  }

  /** Replies with the failure's typed fields (see {@link ForwardCodes#error}). */
  private void reply(RegionId to, int shard, ShardReplica replica, long id, Throwable failure) {
    send(
        to,
        id,
        (encoder, out) ->
            encoder.forwardReply(
                out, 0, shard, self.value(), replica.epoch(), id, ForwardCodes.error(failure)));
  }

  /** Encodes one FORWARD_REPLY. */
  @FunctionalInterface
  private interface ReplyWriter {
    int write(FrameEncoder encoder, ByteBuffer out);
  }

  private void send(RegionId to, long id, ReplyWriter writer) {
    try {
      ByteBuffer out =
          ByteBuffer.allocate(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH)
              .order(ByteOrder.LITTLE_ENDIAN);
      int length =
          writer.write(
              new FrameEncoder(
                  FrameDescriptor.MAX_FORWARD_FRAME_LENGTH - FrameDescriptor.HEADER_LENGTH),
              out);
      SendStatus sent = endpoint.send(to, out.limit(length));
      if (sent != SendStatus.SENT) {
        LOG.debug("forwarding of {}: reply {} to {} not sent: {}", self, id, to, sent);
      }
    } catch (RuntimeException e) {
      failures.failed(e, "forwarding of " + self + ": cannot reply to request " + id + " of " + to);
    }
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
