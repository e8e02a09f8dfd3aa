package io.tidaldb.transport.inprocess;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import java.util.ArrayDeque;

/**
 * The queue of one directed link, from a sending region to one open receiving endpoint: FIFO,
 * bounded by frames and by bytes. Many sender threads offer; only the receiver's delivery thread
 * polls. Every queue change happens under the link's monitor; the counts and flags are also
 * volatile so that senders can refuse without copying and the delivery thread can look for work
 * without locking.
 */
final class Link {
  /** The sending region. */
  final RegionId from;

  private final int maxFrames;
  private final long maxBytes;
  private final FramePool pool;
  private final ArrayDeque<Frame> queue = new ArrayDeque<>();
  private volatile int frames;
  private volatile long bytes;
  private volatile boolean cut;
  private volatile boolean closed;

  Link(RegionId from, InProcessConfig config, FramePool pool, boolean cut) {
    this.from = from;
    this.maxFrames = config.queueFrames();
    this.maxBytes = config.queueBytes();
    this.pool = pool;
    this.cut = cut;
  }

  /**
   * Tells, without locking, whether a frame of this length would surely be refused now; a send
   * checks this before copying, and {@link #offer} decides.
   *
   * @param length the frame's length
   * @return the refusal, or null if the frame may fit
   */
  SendStatus precheck(int length) {
    if (cut || closed) {
      return SendStatus.UNREACHABLE;
    }
    return full(length) ? SendStatus.BACK_PRESSURED : null;
  }

  /**
   * Queues a frame if the link is up and has room.
   *
   * @param frame the copied frame; the link owns it if and only if the result is SENT
   * @return SENT, UNREACHABLE (cut, or the receiver left) or BACK_PRESSURED
   */
  synchronized SendStatus offer(Frame frame) {
    if (cut || closed) {
      return SendStatus.UNREACHABLE;
    }
    if (full(frame.length())) {
      return SendStatus.BACK_PRESSURED;
    }
    queue.addLast(frame);
    bytes += frame.length();
    frames++;
    return SendStatus.SENT;
  }

  /**
   * Takes the oldest frame; called by the receiver's delivery thread only.
   *
   * @return the frame, now owned by the caller, or null if none is queued
   */
  synchronized Frame poll() {
    Frame f = queue.pollFirst();
    if (f != null) {
      bytes -= f.length();
      frames--;
    }
    return f;
  }

  /** Returns whether frames are queued; lock-free. */
  boolean hasFrames() {
    return frames > 0;
  }

  /** Returns the number of queued frames; lock-free. */
  int queuedFrames() {
    return frames;
  }

  /**
   * Cuts the link: later offers are UNREACHABLE and queued frames are discarded.
   *
   * @return the number of frames discarded
   */
  synchronized int cut() {
    cut = true;
    return discard();
  }

  /** Restores a cut link. */
  synchronized void heal() {
    cut = false;
  }

  /**
   * Closes the link for good because its receiver left, discarding what is queued.
   *
   * @return the number of frames discarded
   */
  synchronized int close() {
    closed = true;
    return discard();
  }

  private boolean full(int length) {
    return frames >= maxFrames || bytes + length > maxBytes;
  }

  private int discard() {
    int n = frames;
    for (Frame f; (f = queue.pollFirst()) != null; ) {
      pool.release(f);
    }
    frames = 0;
    bytes = 0;
    return n;
  }
}
