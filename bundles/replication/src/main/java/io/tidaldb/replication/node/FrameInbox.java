package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDescriptor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The frames a region receives for its shards, on their way from the transport's delivery threads
 * to the replication thread, which owns every shard's replication state. The delivery thread
 * decodes a frame once, copies it ({@link Frame#copy}: the transport reuses its buffers) and offers
 * it here; it never waits and never touches shard state.
 *
 * <p>Two bounds: {@link #CAPACITY} events, and {@link #MAX_BATCH_BYTES} of WAL batches, counted
 * from the offer until the owner has appended or dropped the batch ({@link #batchDone}): a batch
 * the log cannot take yet waits at its shard and stays counted. A frame over either bound is
 * refused; the caller counts it as {@link NodeDrop#INBOX_FULL} or {@link
 * NodeDrop#FOLLOWER_QUEUE_FULL}, and the protocol recovers (heartbeats and votes repeat, ACKs are
 * cumulative, a missing batch shows as a gap or an ack timeout and is resent).
 *
 * <p>Thread-safety: {@link #offer} from any thread; {@link #drain} and {@link #batchDone} from the
 * replication thread.
 */
final class FrameInbox {
  /** How many frames wait at most. */
  static final int CAPACITY = 8_192;

  /** 64 MiB: far above what leaders keep in flight to one region (1 MiB per shard and follower). */
  static final long MAX_BATCH_BYTES = 64L << 20;

  /** A received frame: its sender, the detached decoded frame and when it arrived. */
  record Event(RegionId from, Frame frame, long receivedNanos) {}

  private final Inbox<Event> inbox = new Inbox<>(CAPACITY);
  private final AtomicLong batchBytes = new AtomicLong();

  /**
   * Offers a copy of a decoded frame (delivery thread).
   *
   * @param from the sender
   * @param frame the decoded frame, valid only during this call
   * @param nowNanos the arrival time
   * @return null if taken, else why not
   */
  NodeDrop offer(RegionId from, Frame frame, long nowNanos) {
    boolean batch = frame.type() == FrameDescriptor.WAL_BATCH;
    int length = frame.length();
    if (batch && batchBytes.addAndGet(length) > MAX_BATCH_BYTES) {
      batchBytes.addAndGet(-length);
      return NodeDrop.FOLLOWER_QUEUE_FULL;
    }
    if (!inbox.offer(new Event(from, frame.copy(), nowNanos))) {
      if (batch) {
        batchBytes.addAndGet(-length);
      }
      return NodeDrop.INBOX_FULL;
    }
    return null;
  }

  /**
   * Hands up to {@code limit} frames to {@code handler} (replication thread).
   *
   * @return how many
   */
  int drain(Consumer<Event> handler, int limit) {
    return inbox.drain(handler, limit);
  }

  /** Releases a WAL batch's bytes: appended or dropped (replication thread). */
  void batchDone(Frame batch) {
    batchBytes.addAndGet(-batch.length());
  }

  /** Returns the bytes of WAL batches received and neither appended nor dropped yet. */
  long batchBytes() {
    return batchBytes.get();
  }

  /** Returns how many frames wait. */
  int size() {
    return inbox.size();
  }
}
