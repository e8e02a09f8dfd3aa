package io.tidaldb.crdt;

import io.tidaldb.api.InvalidArgumentException;

/**
 * CRDT replica ids: 64-bit names of the record streams that feed a {@link CrdtSignalState}'s
 * entries. Three kinds, told apart by the top two bits:
 *
 * <ul>
 *   <li>a <b>log entry</b> {@link #log(long) log(epoch)} = the epoch itself (top bits 00): fed only
 *       by the shard's log records of that epoch, in position order (the shard is implicit: an
 *       entity belongs to one shard). A single-region store writes epoch 0.
 *   <li>a <b>base entry</b> {@link #base(long) base(c)} = {@code 1 << 62 | c} (top bits 01): the
 *       sum of the entity's log entries of every epoch {@code <= c}, made only by a COMPACT record
 *       of cut-off {@code c} (see {@link CrdtSignalState#fold(long)}); at most one per state.
 *   <li>a <b>local entry</b> {@link #local(int, int) local(region, incarnation)} = {@code
 *       Long.MIN_VALUE | region << 16 | incarnation} (top bit 1): fed only by that region's own
 *       local stream; other regions receive it by state merge only.
 * </ul>
 *
 * Ids order as unsigned longs, so every log entry (by epoch), then the base entry, then every local
 * entry (by region, then incarnation). See the package documentation for why each entry is exact
 * under max-merge.
 */
public final class ReplicaIds {
  /** Largest region and largest incarnation. */
  public static final int MAX_PART = 0xFFFF;

  /** Largest epoch of a log entry and largest cut-off of a base entry: {@code 2^62 - 1}. */
  public static final long MAX_EPOCH = (1L << 62) - 1;

  private static final long LOCAL_BIT = Long.MIN_VALUE;
  private static final long BASE_BIT = 1L << 62;
  private static final long LOCAL_UNUSED = ~(LOCAL_BIT | 0xFFFF_FFFFL);

  private ReplicaIds() {}

  /**
   * Returns the id of the log entry of an epoch.
   *
   * @param epoch the epoch, 0 to {@link #MAX_EPOCH}
   * @return the replica id, equal to {@code epoch}
   * @throws InvalidArgumentException if the epoch is out of range
   */
  public static long log(long epoch) {
    if (epoch < 0 || epoch > MAX_EPOCH) {
      throw new InvalidArgumentException("epoch", epoch, "must be 0.." + MAX_EPOCH);
    }
    return epoch;
  }

  /**
   * Returns the id of the base entry of a cut-off epoch: the folded sum of the log entries of every
   * epoch at or below it.
   *
   * @param cutOff the cut-off epoch, 0 to {@link #MAX_EPOCH}
   * @return the replica id, {@code 1 << 62 | cutOff}
   * @throws InvalidArgumentException if the cut-off is out of range
   * @since 2.1.0
   */
  public static long base(long cutOff) {
    if (cutOff < 0 || cutOff > MAX_EPOCH) {
      throw new InvalidArgumentException("cutOff", cutOff, "must be 0.." + MAX_EPOCH);
    }
    return BASE_BIT | cutOff;
  }

  /**
   * Whether a replica id names a base entry.
   *
   * @param replica the replica id
   * @return true for a base entry
   * @since 2.1.0
   */
  public static boolean isBase(long replica) {
    return replica >>> 62 == 1;
  }

  /**
   * Returns the cut-off epoch of a base entry's id.
   *
   * @param replica a base entry's id
   * @return the cut-off epoch
   * @throws InvalidArgumentException if the id names no base entry
   * @since 2.1.0
   */
  public static long cutOff(long replica) {
    if (!isBase(replica)) {
      throw new InvalidArgumentException("replica", toString(replica), "must be a base entry");
    }
    return replica & MAX_EPOCH;
  }

  /**
   * Returns the id of a region's local entry.
   *
   * @param region the region, 0 to 65535
   * @param incarnation the region's incarnation, 0 to 65535
   * @return the replica id
   * @throws InvalidArgumentException if a part is out of range
   */
  public static long local(int region, int incarnation) {
    if (region < 0 || region > MAX_PART) {
      throw new InvalidArgumentException("region", region, "must be 0.." + MAX_PART);
    }
    if (incarnation < 0 || incarnation > MAX_PART) {
      throw new InvalidArgumentException("incarnation", incarnation, "must be 0.." + MAX_PART);
    }
    return LOCAL_BIT | (long) region << 16 | incarnation;
  }

  /**
   * Whether a replica id names a log entry.
   *
   * @param replica the replica id
   * @return true for a log entry, false for a base or local one
   */
  public static boolean isLog(long replica) {
    return replica >>> 62 == 0;
  }

  /**
   * Whether a value is a replica id {@link #log}, {@link #base} or {@link #local} can return.
   *
   * @param replica the value
   * @return true if valid
   */
  public static boolean isValid(long replica) {
    return replica >= 0 || (replica & LOCAL_UNUSED) == 0;
  }

  /**
   * Returns the epoch of a log entry's id.
   *
   * @param replica a log entry's id
   * @return the epoch
   * @throws InvalidArgumentException if the id names a base or local entry
   */
  public static long epoch(long replica) {
    if (!isLog(replica)) {
      throw new InvalidArgumentException("replica", toString(replica), "must be a log entry");
    }
    return replica;
  }

  /**
   * Returns the region of a local entry's id.
   *
   * @param replica a local entry's id
   * @return the region, 0 to 65535
   * @throws InvalidArgumentException if the id names a log entry
   */
  public static int region(long replica) {
    return (int) (local(replica) >>> 16) & MAX_PART;
  }

  /**
   * Returns the incarnation of a local entry's id.
   *
   * @param replica a local entry's id
   * @return the incarnation, 0 to 65535
   * @throws InvalidArgumentException if the id names a log entry
   */
  public static int incarnation(long replica) {
    return (int) local(replica) & MAX_PART;
  }

  /**
   * Compares replica ids as unsigned longs: log entries by epoch, then base entries by cut-off,
   * then local entries by region and incarnation.
   *
   * @param a a replica id
   * @param b another replica id
   * @return negative, zero or positive as {@code a} is below, equal to or above {@code b}
   */
  public static int compare(long a, long b) {
    return Long.compareUnsigned(a, b);
  }

  /**
   * Renders a replica id: {@code e<epoch>} for a log entry such as {@code e7}, {@code b<cut-off>}
   * for a base entry such as {@code b7}, {@code r<region>.i<incarnation>} for a local one such as
   * {@code r1.i3}.
   *
   * @param replica the replica id
   * @return the rendering
   */
  public static String toString(long replica) {
    if (isLog(replica)) {
      return "e" + replica;
    }
    if (isBase(replica)) {
      return "b" + (replica & MAX_EPOCH);
    }
    return "r" + ((replica >>> 16) & MAX_PART) + ".i" + (replica & MAX_PART);
  }

  private static long local(long replica) {
    if (replica >= 0) {
      throw new InvalidArgumentException("replica", toString(replica), "must be a local entry");
    }
    return replica;
  }
}
