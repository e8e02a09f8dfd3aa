package io.tidaldb.testkit;

import io.tidaldb.api.InvalidArgumentException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A controllable clock for a {@link SimulatedCluster}: a monotonic nanosecond time that moves only
 * when {@link #advance} is called, and the matching wall-clock milliseconds the stores' hybrid
 * logical clocks read. Given with {@link ClusterConfig#withClock}, every region's replication
 * (heartbeats, elections, leases, durability timeouts) and store use it, so a test decides when
 * time passes. Thread-safe.
 */
public final class ManualClock {
  /** The nanosecond time a new clock starts at (1 s: clear of any "never" sentinel of 0). */
  public static final long START_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final long originMillis;
  private final AtomicLong nanos = new AtomicLong(START_NANOS);

  /** Creates a clock whose milliseconds start at the current wall-clock time. */
  public ManualClock() {
    this(System.currentTimeMillis());
  }

  /**
   * Creates a clock whose milliseconds start at {@code startEpochMillis}.
   *
   * @param startEpochMillis the wall-clock time at {@link #START_NANOS}, ms since the epoch, {@code
   *     >= 0}
   * @throws InvalidArgumentException if the start is negative
   */
  public ManualClock(long startEpochMillis) {
    if (startEpochMillis < 0) {
      throw new InvalidArgumentException("start epoch millis", startEpochMillis, "must be >= 0");
    }
    this.originMillis = startEpochMillis;
  }

  /**
   * Returns the monotonic time.
   *
   * @return nanoseconds, starting at {@link #START_NANOS}
   */
  public long nanos() {
    return nanos.get();
  }

  /**
   * Returns the wall-clock time matching {@link #nanos()}.
   *
   * @return milliseconds since the epoch
   */
  public long millis() {
    return originMillis + (nanos.get() - START_NANOS) / 1_000_000L;
  }

  /**
   * Moves the clock forward.
   *
   * @param amount how far, {@code >= 0}
   * @return the new {@link #nanos()}
   * @throws InvalidArgumentException if {@code amount} is null or negative
   */
  public long advance(Duration amount) {
    if (amount == null || amount.isNegative()) {
      throw new InvalidArgumentException("advance", amount, "must be a duration >= 0");
    }
    return nanos.addAndGet(amount.toNanos());
  }

  @Override
  public String toString() {
    return "ManualClock[nanos=" + nanos() + ", millis=" + millis() + "]";
  }
}
