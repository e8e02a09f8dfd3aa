package io.tidaldb.replication.shipping;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDecoder;
import io.tidaldb.replication.wire.FrameDescriptor;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test fixture (the node routes frames itself, see {@code ShardReplica}): decodes frames received
 * by one region and routes the shipping ones: WAL_BATCH to the shard's {@link FollowerDb}, ACK and
 * RESEND_REQUEST to the {@link WalShipper} of (shard, sender) (and an ACK also to the shard's
 * {@link QuorumTracker}, if registered). A malformed frame, one whose sender is not the transport's
 * {@code from}, or one with no registered target is counted and logged, never thrown (I7).
 *
 * <p>Thread-safety: registration is safe from any thread; {@link #dispatch} is serialised because
 * the decoder is not thread-safe.
 */
final class ShippingDispatcher implements FrameHandler {
  /** Why a frame was not routed. */
  public enum Drop {
    /** The frame failed decoding. */
    MALFORMED,
    /** The frame's sender field differs from the transport's sender. */
    SENDER_MISMATCH,
    /** No follower, shipper or tracker is registered for the frame's shard and sender. */
    NO_TARGET,
    /** A valid frame of a non-shipping type (leadership messages are routed elsewhere). */
    NOT_SHIPPING
  }

  private static final Logger LOG = LoggerFactory.getLogger(ShippingDispatcher.class);

  private final FrameDecoder decoder;
  private final Map<Integer, FollowerDb> followers = new ConcurrentHashMap<>();
  private final Map<Long, WalShipper> shippers = new ConcurrentHashMap<>();
  private final Map<Integer, QuorumTracker> trackers = new ConcurrentHashMap<>();
  private final AtomicLongArray drops = new AtomicLongArray(Drop.values().length);

  /**
   * Creates a dispatcher.
   *
   * @param maxBodyBytes the largest frame body accepted (the largest WAL batch)
   */
  public ShippingDispatcher(int maxBodyBytes) {
    this.decoder = new FrameDecoder(maxBodyBytes);
  }

  /**
   * Routes WAL_BATCH frames of the follower's shard to it.
   *
   * @param follower the follower side of a shard
   */
  public void register(FollowerDb follower) {
    followers.put(follower.shard(), follower);
  }

  /**
   * Routes ACK and RESEND_REQUEST frames of (shard, follower region) to the shipper.
   *
   * @param shipper the shipper
   */
  public void register(WalShipper shipper) {
    shippers.put(key(shipper.shard(), shipper.follower().value()), shipper);
  }

  /**
   * Feeds the ACKs of a shard to a tracker.
   *
   * @param shard the shard
   * @param tracker the tracker
   */
  public void register(int shard, QuorumTracker tracker) {
    trackers.put(shard, tracker);
  }

  /**
   * Sends the ACKs of every registered follower whose log made more durable (the owner's round),
   * serialised with {@link #dispatch}: a follower has one owner at a time.
   *
   * @return how many ACKs were sent
   */
  public synchronized int flushAcks() {
    int sent = 0;
    for (FollowerDb follower : followers.values()) {
      sent += follower.flushAcks();
    }
    return sent;
  }

  @Override
  public void onFrame(RegionId from, ByteBuffer frame) {
    dispatch(from, frame);
  }

  /**
   * Decodes and routes one frame.
   *
   * @param from the sending region as the transport reported it
   * @param frame the frame's remaining bytes (position unchanged)
   * @return whether the frame was routed
   */
  public synchronized boolean dispatch(RegionId from, ByteBuffer frame) {
    Frame f;
    try {
      f = decoder.decode(frame.duplicate());
    } catch (InvalidArgumentException e) {
      return drop(Drop.MALFORMED, from, e.getMessage());
    }
    if (f.sender() != from.value()) {
      return drop(Drop.SENDER_MISMATCH, from, f + " claims sender " + f.sender());
    }
    switch (f.type()) {
      case FrameDescriptor.WAL_BATCH -> {
        FollowerDb follower = followers.get(f.shard());
        if (follower == null) {
          return drop(Drop.NO_TARGET, from, f.toString());
        }
        FollowerFeed.offer(follower, from, f.epoch(), f.walBatch());
      }
      case FrameDescriptor.ACK -> {
        WalShipper shipper = shippers.get(key(f.shard(), from.value()));
        QuorumTracker tracker = trackers.get(f.shard());
        if (shipper == null && tracker == null) {
          return drop(Drop.NO_TARGET, from, f.toString());
        }
        if (shipper != null) {
          shipper.onAck(f.epoch(), f.ackHwm());
        }
        if (tracker != null) {
          tracker.onFollowerHwm(from, f.ackHwm());
        }
      }
      case FrameDescriptor.RESEND_REQUEST -> {
        WalShipper shipper = shippers.get(key(f.shard(), from.value()));
        if (shipper == null) {
          return drop(Drop.NO_TARGET, from, f.toString());
        }
        shipper.onResendRequest(f.epoch(), f.resendFrom());
      }
      default -> {
        return drop(Drop.NOT_SHIPPING, from, f.toString());
      }
    }
    return true;
  }

  /**
   * Returns how many frames were dropped for a reason.
   *
   * @param reason the reason
   * @return the count
   */
  public long drops(Drop reason) {
    return drops.get(reason.ordinal());
  }

  private boolean drop(Drop reason, RegionId from, String detail) {
    if (drops.getAndIncrement(reason.ordinal()) == 0) {
      LOG.warn("{} frame from {}: {} (logged once per reason)", reason, from, detail);
    } else {
      LOG.debug("{} frame from {}: {}", reason, from, detail);
    }
    return false;
  }

  private static long key(int shard, int region) {
    return ((long) shard << 32) | region;
  }
}
