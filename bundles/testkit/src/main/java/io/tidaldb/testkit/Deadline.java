package io.tidaldb.testkit;

import io.tidaldb.api.InvalidArgumentException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A wait's deadline on the real monotonic clock ({@link System#nanoTime()}), also when the cluster
 * runs on a {@link ManualClock}: a test that forgets to advance its clock then fails instead of
 * hanging. Polls park briefly between checks.
 */
final class Deadline {
  /** How long a poll parks between two checks. */
  static final long PARK_NANOS = 50_000L;

  private final long start;
  private final long end;
  private final Duration timeout;

  private Deadline(Duration timeout) {
    this.timeout = timeout;
    this.start = System.nanoTime();
    this.end = start + timeout.toNanos();
  }

  /**
   * Starts a deadline.
   *
   * @param timeout how long from now, {@code >= 0}
   * @return the deadline
   * @throws InvalidArgumentException if {@code timeout} is null or negative
   */
  static Deadline after(Duration timeout) {
    if (timeout == null || timeout.isNegative()) {
      throw new InvalidArgumentException("timeout", timeout, "must be a duration >= 0");
    }
    return new Deadline(timeout);
  }

  boolean expired() {
    return System.nanoTime() - end >= 0;
  }

  /** Parks for one poll interval; restores and reports an interrupt as a timeout-free failure. */
  void park() {
    LockSupport.parkNanos(PARK_NANOS);
    if (Thread.currentThread().isInterrupted()) {
      throw new ClusterTimeoutException("interrupted while waiting (timeout " + timeout + ")");
    }
  }

  /** Returns the time left, zero once expired. */
  long remainingNanos() {
    return Math.max(0, end - System.nanoTime());
  }

  Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - start);
  }

  Duration timeout() {
    return timeout;
  }
}
