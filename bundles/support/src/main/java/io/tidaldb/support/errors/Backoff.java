package io.tidaldb.support.errors;

/**
 * Exponential back-off for a loop that retries a failing step (in the style of Sling's exponential
 * back-off): after each consecutive failure the next attempt waits twice as long, from {@code
 * initialNanos} up to {@code maxNanos}; a success resets it. Time is passed in.
 *
 * <p>Not thread-safe: one loop owns an instance.
 */
public final class Backoff {
  private final long initialNanos;
  private final long maxNanos;
  private long delayNanos;
  private long nextAttemptNanos;
  private long failures;

  /**
   * Creates a back-off.
   *
   * @param initialNanos the wait after the first failure, positive
   * @param maxNanos the longest wait, at least {@code initialNanos}
   */
  public Backoff(long initialNanos, long maxNanos) {
    if (initialNanos <= 0 || maxNanos < initialNanos) {
      throw new IllegalArgumentException(
          "need 0 < initialNanos <= maxNanos: initialNanos="
              + initialNanos
              + ", maxNanos="
              + maxNanos);
    }
    this.initialNanos = initialNanos;
    this.maxNanos = maxNanos;
    this.delayNanos = initialNanos;
  }

  /**
   * Returns whether the step may be attempted at {@code nowNanos}: no failure since the last
   * success, or its wait has passed.
   *
   * @param nowNanos the monotonic time
   * @return whether to attempt
   */
  public boolean ready(long nowNanos) {
    return failures == 0 || nowNanos - nextAttemptNanos >= 0;
  }

  /**
   * Records a failure at {@code nowNanos}: the next attempt waits the current delay, which then
   * doubles (capped).
   *
   * @param nowNanos the monotonic time
   * @return the wait before the next attempt
   */
  public long failed(long nowNanos) {
    long wait = delayNanos;
    failures++;
    nextAttemptNanos = nowNanos + wait;
    delayNanos = Math.min(maxNanos, delayNanos > maxNanos / 2 ? maxNanos : delayNanos * 2);
    return wait;
  }

  /** Records a success: the next failure waits {@code initialNanos} again. */
  public void succeeded() {
    failures = 0;
    delayNanos = initialNanos;
  }

  /** Returns the failures since the last success. */
  public long failures() {
    return failures;
  }
}
