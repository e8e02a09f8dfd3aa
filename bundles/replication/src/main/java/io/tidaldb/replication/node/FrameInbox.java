package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDescriptor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The frames a region receives for its shards, on their way from the transport's delivery threads
 * to the replication thread, which owns every shard's replication state. The delivery thread
 * decodes a frame once and offers it here; it never waits and never touches shard state.
 *
 * <p>A ring of {@link #CAPACITY} slots, allocated once. A control frame (ACK, heartbeat, vote …: at
 * most {@link #SLOT_BYTES}) is copied into its slot's bytes, so a frame costs no allocation; the
 * owner reads it in place through one reused {@link Frame} view, valid only during its handler. A
 * WAL batch, or any longer frame, is copied to the heap ({@link Frame#copy}) and the slot keeps
 * that copy, which the owner may keep: a batch the log cannot take yet waits at its shard. The
 * producers' copies and the owner's index moves take one short lock; the owner handles the frames
 * outside it, and producers write only slots the owner has released.
 *
 * <p>Two bounds: {@link #CAPACITY} frames, and {@link #MAX_BATCH_BYTES} of WAL batches, counted
 * from the offer until the owner has appended or dropped the batch ({@link #batchDone}). A frame
 * over either bound is refused; the caller counts it as {@link NodeDrop#INBOX_FULL} or {@link
 * NodeDrop#FOLLOWER_QUEUE_FULL}, and the protocol recovers (heartbeats and votes repeat, ACKs are
 * cumulative, a missing batch shows as a gap or an ack timeout and is resent).
 *
 * <p>Thread-safety: {@link #offer} from any thread; {@link #drain} and {@link #batchDone} from the
 * replication thread.
 */
final class FrameInbox {
  /** How many frames wait at most (a power of two). */
  static final int CAPACITY = 8_192;

  /** The largest frame a slot holds in place: a header and the largest fixed body. */
  static final int SLOT_BYTES =
      FrameDescriptor.HEADER_LENGTH + FrameDescriptor.MAX_FIXED_BODY_LENGTH;

  /** 64 MiB: far above what leaders keep in flight to one region (1 MiB per shard and follower). */
  static final long MAX_BATCH_BYTES = 64L << 20;

  private static final int MASK = CAPACITY - 1;

  /** A received frame the owner keeps past its handler (a WAL batch): sender, frame, arrival. */
  record Event(RegionId from, Frame frame, long receivedNanos) {}

  /** What the owner does with each frame; {@code frame} is valid only during the call. */
  @FunctionalInterface
  interface Handler {
    void onFrame(RegionId from, Frame frame, long receivedNanos);
  }

  private final Object lock = new Object();
  private final ByteBuffer bytes =
      ByteBuffer.allocate(CAPACITY * SLOT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
  private final RegionId[] senders = new RegionId[CAPACITY];
  private final long[] arrivals = new long[CAPACITY];
  private final Frame[] copies = new Frame[CAPACITY];
  private final Frame view = Frame.view(); // the owner's
  private final AtomicLong batchBytes = new AtomicLong();
  private long head; // guarded: the next slot the owner reads
  private long tail; // guarded: the next slot a producer writes

  /**
   * Offers a decoded frame (delivery thread): copied into a slot, or to the heap for a WAL batch.
   *
   * @param from the sender
   * @param frame the decoded frame, valid only during this call
   * @param nowNanos the arrival time
   * @return null if taken, else why not
   */
  NodeDrop offer(RegionId from, Frame frame, long nowNanos) {
    boolean batch = holdsBytes(frame);
    int length = frame.length();
    if (batch && batchBytes.addAndGet(length) > MAX_BATCH_BYTES) {
      batchBytes.addAndGet(-length);
      return NodeDrop.FOLLOWER_QUEUE_FULL;
    }
    Frame copy = batch || length > SLOT_BYTES ? frame.copy() : null;
    synchronized (lock) {
      if (tail - head == CAPACITY) {
        if (batch) {
          batchBytes.addAndGet(-length);
        }
        return NodeDrop.INBOX_FULL;
      }
      int slot = (int) (tail & MASK);
      senders[slot] = from;
      arrivals[slot] = nowNanos;
      copies[slot] = copy;
      if (copy == null) {
        bytes.put(slot * SLOT_BYTES, frame.buffer(), frame.offset(), length);
      }
      tail++;
    }
    return null;
  }

  /**
   * Hands up to {@code limit} frames to {@code handler}, oldest first (replication thread). A frame
   * the handler keeps must be a WAL batch ({@link Event}); others are reused after the call.
   *
   * @return how many
   */
  int drain(Handler handler, int limit) {
    long from;
    long to;
    synchronized (lock) {
      from = head;
      to = Math.min(tail, head + limit);
    }
    if (from == to) {
      return 0;
    }
    try {
      for (long i = from; i < to; i++) {
        int slot = (int) (i & MASK);
        Frame copy = copies[slot];
        Frame f = copy != null ? copy : view.over(bytes, slot * SLOT_BYTES);
        RegionId sender = senders[slot];
        copies[slot] = null;
        senders[slot] = null;
        handler.onFrame(sender, f, arrivals[slot]);
      }
    } finally {
      synchronized (lock) {
        head = to; // a handler that threw loses the rest of this drain, as documented for Inbox
      }
    }
    return (int) (to - from);
  }

  /**
   * Whether a frame's bytes count against {@link #MAX_BATCH_BYTES} until {@link #batchDone}: WAL
   * batches and snapshot chunks.
   */
  static boolean holdsBytes(Frame frame) {
    short type = frame.type();
    return type == FrameDescriptor.WAL_BATCH || type == FrameDescriptor.SNAPSHOT_CHUNK;
  }

  /** Releases a WAL batch's or snapshot chunk's bytes: handled or dropped (replication thread). */
  void batchDone(Frame batch) {
    batchBytes.addAndGet(-batch.length());
  }

  /** Returns the bytes of WAL batches received and neither appended nor dropped yet. */
  long batchBytes() {
    return batchBytes.get();
  }

  /** Returns how many frames wait. */
  int size() {
    synchronized (lock) {
      return (int) (tail - head);
    }
  }
}
