package io.tidaldb.transport.tcp;

import java.util.SplittableRandom;

/**
 * When to dial a peer again: exponential back-off with jitter, capped, reset by a link that stayed
 * up. After each failure (a refused dial, a closed connection) the next wait doubles from {@code
 * initialNanos} up to {@code maxNanos}, each drawn within ±{@value #JITTER_PERCENT} % (never above
 * {@code maxNanos}); a link that was up for at least {@code stableNanos} before it went down resets
 * the wait to {@code initialNanos}, so a peer that accepts and at once drops the link still backs
 * off. Time is passed in and the jitter is seeded, so a test replays it exactly.
 *
 * <p>Not thread-safe: the link's event loop owns it.
 */
final class ReconnectBackoff {
  /** The jitter, in percent of the wait either way. */
  static final int JITTER_PERCENT = 20;

  private static final long NOT_UP = Long.MIN_VALUE;

  private final long initialNanos;
  private final long maxNanos;
  private final long stableNanos;
  private final SplittableRandom random;
  private long nextNanos;
  private long upSince = NOT_UP;
  private int failures;

  /**
   * Creates a back-off.
   *
   * @param initialNanos the first wait, positive
   * @param maxNanos the longest wait, at least {@code initialNanos}
   * @param stableNanos how long a link must stay up to reset the wait
   * @param seed the jitter's seed
   */
  ReconnectBackoff(long initialNanos, long maxNanos, long stableNanos, long seed) {
    if (initialNanos <= 0 || maxNanos < initialNanos) {
      throw new IllegalArgumentException(
          "need 0 < initialNanos <= maxNanos: " + initialNanos + ", " + maxNanos);
    }
    this.initialNanos = initialNanos;
    this.maxNanos = maxNanos;
    this.stableNanos = stableNanos;
    this.random = new SplittableRandom(seed);
    this.nextNanos = initialNanos;
  }

  /**
   * Records that the link came up.
   *
   * @param nowNanos the monotonic time
   */
  void up(long nowNanos) {
    upSince = nowNanos;
  }

  /**
   * Records a failure or a closed link and returns how long to wait before the next dial.
   *
   * @param nowNanos the monotonic time
   * @return the wait in nanoseconds
   */
  long failed(long nowNanos) {
    if (upSince != NOT_UP && nowNanos - upSince >= stableNanos) {
      nextNanos = initialNanos;
      failures = 0;
    }
    upSince = NOT_UP;
    long base = nextNanos;
    nextNanos = base > maxNanos / 2 ? maxNanos : Math.min(maxNanos, base * 2);
    failures++;
    long spread = base * JITTER_PERCENT / 100;
    long wait = spread == 0 ? base : base - spread + random.nextLong(2 * spread + 1);
    return Math.max(1, Math.min(maxNanos, wait));
  }

  /** Returns the failures since the link was last up long enough. */
  int failures() {
    return failures;
  }
}
