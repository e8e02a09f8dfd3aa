package io.tidaldb.transport.inprocess;

import java.nio.ByteBuffer;

/**
 * One queued frame: a copy of the sender's bytes in a buffer that may be larger than the frame
 * (pooled buffers come in power-of-two sizes), and a read-only view handed to the receiver's
 * handler. Owned by exactly one party at a time: the sender until it is queued, the link while
 * queued, the delivery thread while handled; whoever drops it returns it to the {@link FramePool}.
 * A shaped link (see {@link Shaper}) also stamps it with the time it is due and how many times it
 * is delivered; the link sets both when it accepts the frame. The sender stamps it with the
 * endpoint (and so the channel) it goes to.
 */
final class Frame {
  /** The buffer's size class in the pool, or {@link FramePool#UNPOOLED}. */
  final int sizeClass;

  private final byte[] bytes;
  private final ByteBuffer view;
  private int length;

  /** When the frame may be delivered, on the transport's clock; {@link Long#MIN_VALUE} at once. */
  long dueNanos = Long.MIN_VALUE;

  /**
   * How many times the frame is handed to the handler: 1, or 2 when a shaped link duplicated it.
   */
  int copies = 1;

  /**
   * The endpoint the frame was sent to: the receiving region's endpoint on the sender's channel.
   * Set when the frame is queued, cleared when it returns to the pool.
   */
  InProcessEndpoint target;

  Frame(int capacity, int sizeClass) {
    this.sizeClass = sizeClass;
    this.bytes = new byte[capacity];
    this.view = ByteBuffer.wrap(bytes).asReadOnlyBuffer();
  }

  /**
   * Copies the source's remaining bytes without moving its position.
   *
   * @param source the sender's frame; its remaining bytes fit this frame's capacity
   */
  void copyFrom(ByteBuffer source) {
    length = source.remaining();
    source.get(source.position(), bytes, 0, length);
  }

  /** Returns the frame's length in bytes. */
  int length() {
    return length;
  }

  /** Returns the frame's capacity in bytes. */
  int capacity() {
    return bytes.length;
  }

  /**
   * Returns the read-only view of the frame, positioned at its first byte and limited to its
   * length. The same view object is reused for every use of this buffer.
   */
  ByteBuffer view() {
    view.limit(length).position(0);
    return view;
  }
}
