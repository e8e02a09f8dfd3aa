package io.tidaldb.replication.leadership;

import java.util.SplittableRandom;

/**
 * Decides when silence has lasted long enough to act: {@code timeout + jitter} after the last
 * {@link #reset(long)}. Pure: no clock, no threads.
 *
 * <p>The jitter range {@code [0, maxJitter)} is cut into one slot per region; each reset draws a
 * fresh jitter inside this region's slot from a random stream seeded by {@code (seed, slot)}. So
 * runs are reproducible and two regions never expire at the same instant after the same event.
 */
public final class FailureDetector {
  private final long timeoutNanos;
  private final long slotWidthNanos;
  private final long slotStartNanos;
  private final SplittableRandom random;
  private long lastResetNanos;
  private long jitterNanos;

  /**
   * Creates a detector, reset at {@code nowNanos}.
   *
   * @param timeoutNanos the base timeout, {@code > 0}
   * @param maxJitterNanos the jitter range shared by all regions, {@code >= 0}
   * @param slot this region's slot, {@code 0 <= slot < slots}
   * @param slots the number of regions sharing the jitter range, {@code > 0}
   * @param seed the seed of the jitter stream
   * @param nowNanos the current time
   */
  public FailureDetector(
      long timeoutNanos, long maxJitterNanos, int slot, int slots, long seed, long nowNanos) {
    if (timeoutNanos <= 0) {
      throw new io.tidaldb.api.InvalidArgumentException(
          "timeoutNanos", timeoutNanos, "must be > 0");
    }
    if (slots <= 0 || slot < 0 || slot >= slots) {
      throw new io.tidaldb.api.InvalidArgumentException(
          "slot", slot, "must be 0.." + (slots - 1) + " of " + slots + " slots");
    }
    this.timeoutNanos = timeoutNanos;
    this.slotWidthNanos = Math.max(0, maxJitterNanos) / slots;
    this.slotStartNanos = slotWidthNanos * slot;
    this.random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + slot);
    reset(nowNanos);
  }

  /**
   * Restarts the silence period (a heartbeat was heard, a vote granted, an election started).
   *
   * @param nowNanos the current time
   */
  public void reset(long nowNanos) {
    lastResetNanos = nowNanos;
    jitterNanos = slotStartNanos + (slotWidthNanos == 0 ? 0 : random.nextLong(slotWidthNanos));
  }

  /**
   * Tells whether the silence has lasted {@code timeout + jitter}.
   *
   * @param nowNanos the current time
   * @return whether the detector expired
   */
  public boolean isExpired(long nowNanos) {
    return nowNanos - lastResetNanos >= timeoutNanos + jitterNanos;
  }

  /**
   * Returns the instant at which the detector expires unless reset.
   *
   * @return the deadline in the caller's clock
   */
  public long deadlineNanos() {
    return lastResetNanos + timeoutNanos + jitterNanos;
  }

  /**
   * Returns the time of the last reset.
   *
   * @return the time given to the last {@link #reset(long)}
   */
  public long lastResetNanos() {
    return lastResetNanos;
  }

  /**
   * Returns the jitter drawn at the last reset.
   *
   * @return the jitter in nanoseconds
   */
  public long jitterNanos() {
    return jitterNanos;
  }
}
