package io.tidaldb.crdt;

import io.tidaldb.api.InvalidArgumentException;

/**
 * CRDT replica ids: a (region, incarnation) pair packed into an {@code int}, region in the high 16
 * bits and incarnation in the low 16 bits. Ids order as unsigned ints, so by region, then by
 * incarnation. See the package documentation for when the incarnation changes.
 */
public final class ReplicaIds {
  /** Largest region and largest incarnation. */
  public static final int MAX_PART = 0xFFFF;

  private ReplicaIds() {}

  /**
   * Packs a replica id.
   *
   * @param region the region, 0 to 65535
   * @param incarnation the region's incarnation, 0 to 65535
   * @return the packed replica id
   * @throws InvalidArgumentException if a part is out of range
   */
  public static int of(int region, int incarnation) {
    if (region < 0 || region > MAX_PART) {
      throw new InvalidArgumentException("region", region, "must be 0.." + MAX_PART);
    }
    if (incarnation < 0 || incarnation > MAX_PART) {
      throw new InvalidArgumentException("incarnation", incarnation, "must be 0.." + MAX_PART);
    }
    return (region << 16) | incarnation;
  }

  /**
   * Returns the region of a replica id.
   *
   * @param replica the packed replica id
   * @return the region, 0 to 65535
   */
  public static int region(int replica) {
    return replica >>> 16;
  }

  /**
   * Returns the incarnation of a replica id.
   *
   * @param replica the packed replica id
   * @return the incarnation, 0 to 65535
   */
  public static int incarnation(int replica) {
    return replica & MAX_PART;
  }

  /**
   * Compares replica ids as unsigned ints: by region, then by incarnation.
   *
   * @param a a replica id
   * @param b another replica id
   * @return negative, zero or positive as {@code a} is below, equal to or above {@code b}
   */
  public static int compare(int a, int b) {
    return Integer.compareUnsigned(a, b);
  }

  /**
   * Renders a replica id as {@code r<region>.i<incarnation>}, such as {@code r1.i3}.
   *
   * @param replica the packed replica id
   * @return the rendering
   */
  public static String toString(int replica) {
    return "r" + region(replica) + ".i" + incarnation(replica);
  }
}
