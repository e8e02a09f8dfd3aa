package io.tidaldb.replication.leadership;

import java.util.SplittableRandom;

/**
 * Decides when silence has lasted long enough to act: {@code timeout + jitter} after the last
 * {@link #reset(long)}, or {@code base + jitter} after {@link #restart(long, long)}. Pure: no
 * clock, no threads.
 *
 * <p>The jitter range {@code [0, maxJitter)} is cut into one slot per region; each reset draws a
 * fresh jitter inside the first half of this region's slot from a random stream seeded by {@code
 * (seed, slot)}. So runs are reproducible, and two regions in adjacent slots expire at least half a
 * slot apart after the same event (about 21 ms at the defaults), time for the first one's pre-vote
 * request to reach the second. The owner may {@link #moveToSlot move} the detector to another slot
 * (the shard's leadership ranks the slots from the current leader).
 */
public final class FailureDetector {
  private final long timeoutNanos;
  private final long slotWidthNanos;
  private long slotStartNanos;
  private int slot;
  private final SplittableRandom random;
  private long lastResetNanos;
  private long baseNanos;
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
    this.slot = slot;
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
    baseNanos = timeoutNanos;
    jitterNanos = drawJitter();
  }

  /**
   * Restarts the silence period with a shorter base than the timeout: a retry after a round that
   * did not elect, a grace after this region's own pause.
   *
   * @param nowNanos the current time
   * @param baseNanos the base of this period, {@code 0 < base <= timeout}
   */
  public void restart(long nowNanos, long baseNanos) {
    if (baseNanos <= 0 || baseNanos > timeoutNanos) {
      throw new io.tidaldb.api.InvalidArgumentException(
          "baseNanos", baseNanos, "must be 1.." + timeoutNanos);
    }
    lastResetNanos = nowNanos;
    this.baseNanos = baseNanos;
    jitterNanos = drawJitter();
  }

  /**
   * Moves this detector to another slot of the jitter range, from the next reset on.
   *
   * @param slot the slot, {@code 0 <= slot < slots}
   */
  public void moveToSlot(int slot) {
    slotStartNanos = slotWidthNanos * slot;
    this.slot = slot;
  }

  /**
   * Makes the detector expire {@code slot * slotNanos} from now, without jitter: the leader's link
   * went down, so there is no silence to wait out, only the regions' order to keep (slot 0 at once,
   * the next one a {@code slotNanos} later, so its pre-vote request arrives first).
   *
   * @param nowNanos the current time
   * @param slotNanos the width of one slot, {@code >= 0}
   */
  public void expireInSlot(long nowNanos, long slotNanos) {
    lastResetNanos = nowNanos;
    baseNanos = slot * Math.max(0, slotNanos);
    jitterNanos = 0;
  }

  private long drawJitter() {
    long drawWidth = slotWidthNanos / 2;
    return slotStartNanos + (drawWidth == 0 ? 0 : random.nextLong(drawWidth));
  }

  /**
   * Tells whether the silence has lasted {@code timeout + jitter} (or the shorter base).
   *
   * @param nowNanos the current time
   * @return whether the detector expired
   */
  public boolean isExpired(long nowNanos) {
    return nowNanos - lastResetNanos >= baseNanos + jitterNanos;
  }

  /**
   * Returns the instant at which the detector expires unless reset.
   *
   * @return the deadline in the caller's clock
   */
  public long deadlineNanos() {
    return lastResetNanos + baseNanos + jitterNanos;
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
