package io.tidaldb.api;

/**
 * A hybrid logical clock stamp: 48 bits of physical time in milliseconds and a 16-bit logical
 * counter, packed into one {@code long} so that stamps order as plain longs.
 *
 * <pre>
 *  63                                              16 15             0
 * +-------------------------------------------------+----------------+
 * |            physical time (ms since epoch)       |    logical     |
 * +-------------------------------------------------+----------------+
 * </pre>
 *
 * @param value the packed stamp
 */
public record HlcStamp(long value) implements Comparable<HlcStamp> {
  /** Bits of the logical counter. */
  public static final int LOGICAL_BITS = 16;

  /** Largest logical counter value. */
  public static final int MAX_LOGICAL = (1 << LOGICAL_BITS) - 1;

  /**
   * Packs a stamp.
   *
   * @param physicalMillis physical time in ms since the epoch, 0 to 2^47-1
   * @param logical logical counter, 0 to {@link #MAX_LOGICAL}
   * @return the packed stamp value
   * @throws InvalidArgumentException if a part is out of range
   */
  public static long pack(long physicalMillis, int logical) {
    if (physicalMillis < 0 || physicalMillis >= (1L << 47)) {
      throw new InvalidArgumentException("hlc physical time", physicalMillis, "must be 0..2^47-1");
    }
    if (logical < 0 || logical > MAX_LOGICAL) {
      throw new InvalidArgumentException("hlc logical counter", logical, "must be 0..65535");
    }
    return (physicalMillis << LOGICAL_BITS) | logical;
  }

  /**
   * Returns the physical part of a packed stamp.
   *
   * @param stamp the packed stamp
   * @return milliseconds since the epoch
   */
  public static long physicalMillis(long stamp) {
    return stamp >>> LOGICAL_BITS;
  }

  /**
   * Returns the logical part of a packed stamp.
   *
   * @param stamp the packed stamp
   * @return the logical counter
   */
  public static int logical(long stamp) {
    return (int) (stamp & MAX_LOGICAL);
  }

  /**
   * Returns the physical part of this stamp.
   *
   * @return milliseconds since the epoch
   */
  public long physicalMillis() {
    return physicalMillis(value);
  }

  /**
   * Returns the logical part of this stamp.
   *
   * @return the logical counter
   */
  public int logical() {
    return logical(value);
  }

  @Override
  public int compareTo(HlcStamp other) {
    return Long.compare(value, other.value);
  }

  @Override
  public String toString() {
    return physicalMillis() + "." + logical();
  }
}
