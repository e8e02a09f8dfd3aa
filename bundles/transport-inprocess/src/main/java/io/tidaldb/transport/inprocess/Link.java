package io.tidaldb.transport.inprocess;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.LinkShape;
import io.tidaldb.api.transport.SendStatus;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * The queue of one directed link, from a sending region to one open receiving endpoint: FIFO,
 * bounded by frames and by bytes. Many sender threads offer; only the receiver's delivery thread
 * polls. Every queue change happens under the link's monitor; the counts, flags and due times are
 * also volatile so that senders can refuse without copying and the delivery thread can look for
 * work without locking.
 *
 * <p>Faults: a cut link refuses and discards; a held link (one of its regions is paused) keeps its
 * frames until {@link #hold its hold} ends; a shaped link ({@link Shaper}) loses, duplicates,
 * delays and holds back frames as they are offered. A frame's due time never precedes the one
 * before it, so delay alone keeps the order; a held-back frame is queued behind the next frame
 * offered, or by itself {@value #HOLD_BACK_MILLIS} ms after it was due if none follows.
 */
final class Link {
  /** How long a held-back frame waits for a next frame at most, past its due time. */
  static final long HOLD_BACK_MILLIS = 10;

  private static final long HOLD_BACK_NANOS = HOLD_BACK_MILLIS * 1_000_000;

  /** The sending region. */
  final RegionId from;

  /** The receiving region. */
  final RegionId to;

  private final int maxFrames;
  private final long maxBytes;
  private final FramePool pool;
  private final Counters counters;
  private final LongSupplier clock;
  private final ArrayDeque<Frame> queue = new ArrayDeque<>();
  private Shaper shaper; // null if not shaped
  private Frame heldBack; // a frame waiting to go behind the next one
  private long lastDue = Long.MIN_VALUE;
  private volatile int frames; // queued and held back
  private volatile long bytes;
  private volatile long headDue = Long.MAX_VALUE; // due time of the queue's head, MAX if empty
  private volatile long heldBackUntil = Long.MAX_VALUE; // MAX if nothing is held back
  private volatile long heldUntil = Long.MIN_VALUE; // end of a pause of one of its regions
  private volatile boolean cut;
  private volatile boolean closed;

  Link(
      RegionId from,
      RegionId to,
      InProcessConfig config,
      FramePool pool,
      Counters counters,
      LongSupplier clock) {
    this.from = from;
    this.to = to;
    this.maxFrames = config.queueFrames();
    this.maxBytes = config.queueBytes();
    this.pool = pool;
    this.counters = counters;
    this.clock = clock;
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
   * Queues a frame if the link is up and has room; a shaped link may lose it (still SENT), mark it
   * for duplication, delay it or hold it back.
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
    frame.copies = 1;
    if (shaper == null) {
      frame.dueNanos = lastDue;
      accept(frame);
      enqueue(frame);
      return SendStatus.SENT;
    }
    shaper.decide();
    if (shaper.lose) {
      counters.lost.increment();
      pool.release(frame);
      return SendStatus.SENT;
    }
    if (shaper.duplicate) {
      frame.copies = 2;
      counters.duplicated.increment();
    }
    if (shaper.delayNanos > 0) {
      counters.delayed.increment();
    }
    long now = clock.getAsLong();
    long due = now + shaper.delayNanos;
    frame.dueNanos = lastDue = Math.max(lastDue, due < now ? Long.MAX_VALUE : due);
    accept(frame);
    if (heldBack != null) {
      enqueue(frame);
      releaseHeldBack(frame.dueNanos);
      counters.reordered.increment();
    } else if (shaper.holdBack) {
      heldBack = frame;
      heldBackUntil = saturatedAdd(frame.dueNanos, HOLD_BACK_NANOS);
    } else {
      enqueue(frame);
    }
    return SendStatus.SENT;
  }

  /**
   * Takes the oldest frame that is due and not held; called by the receiver's delivery thread only.
   *
   * @param now the transport's clock
   * @return the frame, now owned by the caller, or null if none can be delivered now
   */
  synchronized Frame poll(long now) {
    if (now < heldUntil) {
      return null;
    }
    if (heldBack != null && now >= heldBackUntil) {
      releaseHeldBack(heldBack.dueNanos); // nothing followed it in time: send it alone
    }
    Frame f = queue.peekFirst();
    if (f == null || f.dueNanos > now) {
      return null;
    }
    queue.pollFirst();
    Frame next = queue.peekFirst();
    headDue = next == null ? Long.MAX_VALUE : next.dueNanos;
    bytes -= f.length();
    frames--;
    return f;
  }

  /**
   * Returns, lock-free, the earliest time a frame of this link may be delivered.
   *
   * @return a time on the transport's clock, {@link Long#MAX_VALUE} if nothing is queued
   */
  long nextDue() {
    if (frames == 0) {
      return Long.MAX_VALUE;
    }
    long due = Math.min(headDue, heldBackUntil);
    return due == Long.MAX_VALUE ? due : Math.max(due, heldUntil);
  }

  /** Returns whether frames are queued or held back; lock-free. */
  boolean hasFrames() {
    return frames > 0;
  }

  /** Returns the number of queued and held-back frames; lock-free. */
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

  /** Returns whether the link is cut. */
  boolean isCut() {
    return cut;
  }

  /**
   * Holds every frame until a time: a pause of one of the link's regions.
   *
   * @param untilNanos when the pause ends, {@link Long#MIN_VALUE} if no region is paused
   */
  void hold(long untilNanos) {
    heldUntil = untilNanos;
  }

  /**
   * Shapes the link; a shape equal to the current one changes nothing, another one (or another
   * seed) restarts the random stream. A frame held back when the link stops being shaped is queued.
   *
   * @param shape the new shape, {@link LinkShape#NONE} for none
   */
  synchronized void shape(LinkShape shape) {
    if (shape.isNone()) {
      shaper = null;
      if (heldBack != null) {
        releaseHeldBack(heldBack.dueNanos);
      }
    } else if (shaper == null || !shaper.shape.equals(shape)) {
      shaper = new Shaper(shape, from, to);
    }
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

  private void accept(Frame frame) {
    bytes += frame.length();
    frames++;
  }

  private void enqueue(Frame frame) {
    if (queue.isEmpty()) {
      headDue = frame.dueNanos;
    }
    queue.addLast(frame);
  }

  private void releaseHeldBack(long dueNanos) {
    Frame f = heldBack;
    heldBack = null;
    heldBackUntil = Long.MAX_VALUE;
    f.dueNanos = Math.max(f.dueNanos, dueNanos);
    enqueue(f);
  }

  private int discard() {
    int n = frames;
    for (Frame f; (f = queue.pollFirst()) != null; ) {
      pool.release(f);
    }
    if (heldBack != null) {
      pool.release(heldBack);
      heldBack = null;
      heldBackUntil = Long.MAX_VALUE;
    }
    frames = 0;
    bytes = 0;
    headDue = Long.MAX_VALUE;
    return n;
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < a ? Long.MAX_VALUE : sum;
  }
}
