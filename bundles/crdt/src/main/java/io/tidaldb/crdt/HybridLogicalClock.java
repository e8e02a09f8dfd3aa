package io.tidaldb.crdt;

import io.tidaldb.api.ClockSkewException;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A hybrid logical clock (Kulkarni et al., 2014) issuing stamps packed as {@link HlcStamp}: 48 bits
 * of physical milliseconds and a 16-bit logical counter, so stamps compare as plain longs.
 *
 * <p>Every stamp this clock returns is strictly greater than every stamp it returned or received
 * before. The physical part is {@code max(wall clock, last physical part)}; when the logical
 * counter would pass {@link HlcStamp#MAX_LOGICAL} it carries into the physical part, which then
 * runs up to 1 ms ahead of the wall clock per 65,536 stamps.
 *
 * <p>Thread-safe and lock-free: one {@link AtomicLong} updated by compare-and-set. The wall clock
 * is passed in, so tests drive time explicitly.
 */
public final class HybridLogicalClock {
  private static final long MAX_PHYSICAL = (1L << 47) - 1;

  private final LongSupplier wallClockMillis;
  private final long maxSkewMillis;
  private final AtomicLong last = new AtomicLong();

  /**
   * Creates a clock that has issued nothing yet ({@link #current()} is 0).
   *
   * @param wallClockMillis the wall clock, in ms since the epoch (0 to 2^47-1)
   * @param maxSkewMillis how far ahead of the local wall clock a received stamp may be, >= 0
   * @throws InvalidArgumentException if the skew is negative
   */
  public HybridLogicalClock(LongSupplier wallClockMillis, long maxSkewMillis) {
    this.wallClockMillis = Objects.requireNonNull(wallClockMillis, "wallClockMillis");
    if (maxSkewMillis < 0) {
      throw new InvalidArgumentException("maxSkewMillis", maxSkewMillis, "must be >= 0");
    }
    this.maxSkewMillis = maxSkewMillis;
  }

  /**
   * Issues a stamp for a local event (send or accept).
   *
   * @return a stamp strictly greater than every stamp issued or received before
   * @throws InvalidArgumentException if the wall clock reads outside 0 to 2^47-1 ms
   */
  public long now() {
    long wall = wall();
    while (true) {
      long prev = last.get();
      long next = next(prev, wall);
      if (last.compareAndSet(prev, next)) {
        return next;
      }
    }
  }

  /**
   * Receives a stamp from another region and issues the stamp of the receive event.
   *
   * @param remoteStamp the received stamp
   * @return a stamp strictly greater than {@code remoteStamp} and than every stamp issued or
   *     received before
   * @throws ClockSkewException if the remote physical time is more than the accepted skew ahead of
   *     the local wall clock; the clock is then unchanged
   * @throws InvalidArgumentException if the remote stamp is negative or the wall clock reads
   *     outside 0 to 2^47-1 ms
   */
  public long update(long remoteStamp) {
    if (remoteStamp < 0) {
      throw new InvalidArgumentException("remote hlc stamp", remoteStamp, "must be >= 0");
    }
    long wall = wall();
    long remotePhysical = HlcStamp.physicalMillis(remoteStamp);
    if (remotePhysical - wall > maxSkewMillis) {
      throw new ClockSkewException(remotePhysical, wall, maxSkewMillis);
    }
    while (true) {
      long prev = last.get();
      long next = next(Math.max(prev, remoteStamp), wall);
      if (last.compareAndSet(prev, next)) {
        return next;
      }
    }
  }

  /**
   * Returns the last stamp issued, without issuing one.
   *
   * @return the last stamp, 0 if none was issued yet
   */
  public long current() {
    return last.get();
  }

  /**
   * Returns the accepted skew.
   *
   * @return milliseconds a received stamp may be ahead of the local wall clock
   */
  public long maxSkewMillis() {
    return maxSkewMillis;
  }

  /**
   * The successor of {@code floor}: the wall clock with logical 0 if it is ahead, else {@code floor
   * + 1}, whose logical overflow carries into the physical part.
   */
  private static long next(long floor, long wall) {
    return HlcStamp.physicalMillis(floor) < wall ? wall << HlcStamp.LOGICAL_BITS : floor + 1;
  }

  private long wall() {
    long wall = wallClockMillis.getAsLong();
    if (wall < 0 || wall > MAX_PHYSICAL) {
      throw new InvalidArgumentException("wall clock", wall, "must be 0..2^47-1 ms since epoch");
    }
    return wall;
  }

  @Override
  public String toString() {
    return "HybridLogicalClock[current="
        + new HlcStamp(last.get())
        + ", maxSkew="
        + maxSkewMillis
        + "ms]";
  }
}
