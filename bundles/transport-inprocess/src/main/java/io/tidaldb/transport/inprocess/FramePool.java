package io.tidaldb.transport.inprocess;

/**
 * Recycles the buffers that hold queued frames, so that steady traffic of small and medium frames
 * allocates nothing. Buffers come in power-of-two size classes from {@value #MIN_POOLED} bytes to
 * {@value #MAX_POOLED} bytes; each class keeps at most {@value #RETAINED_BYTES_PER_CLASS} bytes of
 * idle buffers (and at least {@value #MIN_RETAINED} buffers), so the pool holds about 3 MiB of idle
 * buffers at most, however bursty the traffic. Frames larger than {@value #MAX_POOLED} bytes get a
 * buffer of their exact size, allocated per frame and left to the garbage collector: at that size
 * the copy costs more than the allocation. Thread-safe: senders acquire, delivery threads and links
 * release.
 */
final class FramePool {
  /** The size class of a buffer that is not pooled. */
  static final int UNPOOLED = -1;

  /** Smallest pooled buffer. */
  static final int MIN_POOLED = 64;

  /** Largest pooled buffer. */
  static final int MAX_POOLED = 64 << 10;

  /** Idle bytes kept per size class. */
  static final int RETAINED_BYTES_PER_CLASS = 256 << 10;

  /** Idle buffers kept per size class at least. */
  static final int MIN_RETAINED = 4;

  private static final int MIN_SHIFT = Integer.numberOfTrailingZeros(MIN_POOLED);
  private static final int CLASSES = Integer.numberOfTrailingZeros(MAX_POOLED) - MIN_SHIFT + 1;

  private final Stack[] stacks = new Stack[CLASSES];

  FramePool() {
    for (int c = 0; c < CLASSES; c++) {
      int size = MIN_POOLED << c;
      stacks[c] = new Stack(Math.max(MIN_RETAINED, RETAINED_BYTES_PER_CLASS / size));
    }
  }

  /**
   * Returns a frame whose buffer holds at least {@code length} bytes.
   *
   * @param length the frame's length, 1 or more
   * @return a recycled or new frame, owned by the caller
   */
  Frame acquire(int length) {
    if (length > MAX_POOLED) {
      return new Frame(length, UNPOOLED);
    }
    int c = sizeClass(length);
    Frame f = stacks[c].pop();
    return f != null ? f : new Frame(MIN_POOLED << c, c);
  }

  /**
   * Takes a frame back; the caller must not use it again.
   *
   * @param frame a frame from {@link #acquire}
   */
  void release(Frame frame) {
    frame.target = null; // a closed endpoint is not kept alive by an idle buffer
    if (frame.sizeClass != UNPOOLED) {
      stacks[frame.sizeClass].push(frame);
    }
  }

  /** Returns the number of idle buffers held, for tests. */
  int idle() {
    int n = 0;
    for (Stack s : stacks) {
      n += s.size();
    }
    return n;
  }

  /** Returns the size class of a length, 0 for {@value #MIN_POOLED} bytes and less. */
  static int sizeClass(int length) {
    int shift = 32 - Integer.numberOfLeadingZeros(Math.max(length, MIN_POOLED) - 1);
    return shift - MIN_SHIFT;
  }

  /** A bounded LIFO of idle frames of one size class (LIFO: the warmest buffer goes out first). */
  private static final class Stack {
    private final Frame[] items;
    private int size;

    Stack(int capacity) {
      this.items = new Frame[capacity];
    }

    synchronized Frame pop() {
      if (size == 0) {
        return null;
      }
      Frame f = items[--size];
      items[size] = null;
      return f;
    }

    synchronized void push(Frame f) {
      if (size < items.length) {
        items[size++] = f;
      }
    }

    synchronized int size() {
      return size;
    }
  }
}
