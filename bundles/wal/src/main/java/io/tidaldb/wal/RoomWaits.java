package io.tidaldb.wal;

import io.tidaldb.api.UnavailableException;
import java.util.concurrent.TimeUnit;

/**
 * Appenders waiting on the {@link BatchHandoff}'s monitor for the commit thread to swap in an empty
 * buffer, each up to the append timeout: a local appender when the pending buffer is full, a
 * replicated batch while an earlier one still waits. Not thread-safe: every method is called
 * holding the monitor.
 */
final class RoomWaits {
  private final Object lock;
  private final String name; // how messages name the log: "shard 3", "local log of shard 3"
  private final WalConfig config;
  private final WalMetrics metrics;
  private final Runnable wakeCommitter;
  private int waiting;

  RoomWaits(
      Object lock, String name, WalConfig config, WalMetrics metrics, Runnable wakeCommitter) {
    this.lock = lock;
    this.name = name;
    this.config = config;
    this.metrics = metrics;
    this.wakeCommitter = wakeCommitter;
  }

  /** True if an appender is waiting: the commit thread should close the batch now. */
  boolean any() {
    return waiting > 0;
  }

  /** The deadline of a wait that starts now. */
  long deadline() {
    return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.appendTimeoutMillis());
  }

  /**
   * Wakes the commit thread and waits once on the monitor.
   *
   * @return false if the deadline has passed
   * @throws UnavailableException if interrupted (the interrupt is restored)
   */
  boolean await(long deadline) {
    long nanos = deadline - System.nanoTime();
    if (nanos <= 0) {
      return false;
    }
    waiting++;
    try {
      wakeCommitter.run();
      TimeUnit.NANOSECONDS.timedWait(lock, nanos);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException(name + ": interrupted waiting for room", e);
    } finally {
      waiting--;
    }
  }

  /** Counts a timed-out wait and describes it. */
  UnavailableException timedOut(String what) {
    metrics.appendTimedOut();
    return new UnavailableException(
        name
            + ": "
            + what
            + ", no room after waiting "
            + config.appendTimeoutMillis()
            + " ms for the commit thread");
  }
}
