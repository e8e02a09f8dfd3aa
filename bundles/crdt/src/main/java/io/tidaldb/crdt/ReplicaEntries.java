package io.tidaldb.crdt;

/**
 * The shared merge logic of the per-replica CRDTs: static helpers over a flat {@code long[]} of
 * fixed-stride entries, sorted by replica id, with no spare capacity (the entry count is {@code
 * length / stride}).
 *
 * <pre>
 * entry i: [ replica (a long, ordered unsigned) | column 1 | column 2 | ... | column stride-1 ]
 * </pre>
 *
 * <p>Every column other than the replica is grow-only and holds either a non-negative count or the
 * raw bits of a non-negative, non-NaN double. For those doubles the signed order of the raw bits is
 * the numeric order, so the join of two entries is the column-wise {@code max} of the longs and the
 * join of two arrays is the union of their replicas, with entries of a common replica joined. A
 * missing entry is all zeros, the bottom of every column.
 */
final class ReplicaEntries {
  /** The shared empty array. */
  static final long[] EMPTY = new long[0];

  private ReplicaEntries() {}

  /**
   * Finds a replica's entry.
   *
   * @return the entry's index, or {@code -(insertion index) - 1} if it has none
   */
  static int find(long[] entries, int stride, long replica) {
    int lo = 0;
    int hi = entries.length / stride - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Long.compareUnsigned(entries[mid * stride], replica);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -(lo + 1);
  }

  /**
   * Returns a copy of {@code entries} with an all-zero entry for {@code replica} at {@code index}.
   */
  static long[] insert(long[] entries, int stride, int index, long replica) {
    long[] grown = new long[entries.length + stride];
    int at = index * stride;
    System.arraycopy(entries, 0, grown, 0, at);
    System.arraycopy(entries, at, grown, at + stride, entries.length - at);
    grown[at] = replica;
    return grown;
  }

  /**
   * Joins {@code b} into {@code a}. Columns from {@code scaledFrom} on hold decayed doubles; {@code
   * b}'s are first multiplied by {@code 2^bExponent} (see {@link DecayModel#scale(double, long)}).
   *
   * @return {@code a}, updated in place, if it already has every replica of {@code b}; else a new
   *     array with the union
   */
  static long[] join(long[] a, long[] b, int stride, int scaledFrom, long bExponent) {
    int union = unionCount(a, b, stride);
    long[] out = union == a.length / stride ? a : new long[union * stride];
    int i = 0;
    int j = 0;
    int o = 0;
    while (j < b.length) {
      long kb = b[j];
      int c = i < a.length ? Long.compareUnsigned(a[i], kb) : 1;
      if (c < 0) {
        if (out != a) {
          System.arraycopy(a, i, out, o, stride);
        }
        i += stride;
      } else {
        if (c == 0) {
          if (out != a) {
            System.arraycopy(a, i, out, o, stride);
          }
          i += stride;
        } else {
          out[o] = kb;
        }
        joinEntry(out, o, b, j, stride, scaledFrom, bExponent);
        j += stride;
      }
      o += stride;
    }
    if (out != a) {
      System.arraycopy(a, i, out, o, a.length - i);
    }
    return out;
  }

  /** Multiplies the decayed columns from {@code scaledFrom} on by {@code 2^exponent}, in place. */
  static void scale(long[] entries, int stride, int scaledFrom, long exponent) {
    if (exponent == 0) {
      return;
    }
    for (int e = 0; e < entries.length; e += stride) {
      for (int c = scaledFrom; c < stride; c++) {
        entries[e + c] = scaleBits(entries[e + c], exponent);
      }
    }
  }

  /** Sums a long column over all entries. */
  static long sumLong(long[] entries, int stride, int column) {
    long sum = 0;
    for (int e = column; e < entries.length; e += stride) {
      sum += entries[e];
    }
    return sum;
  }

  /** Sums a double column over all entries, in replica order. */
  static double sumDouble(long[] entries, int stride, int column) {
    double sum = 0.0;
    for (int e = column; e < entries.length; e += stride) {
      sum += Double.longBitsToDouble(entries[e]);
    }
    return sum;
  }

  private static void joinEntry(
      long[] out, int o, long[] b, int j, int stride, int scaledFrom, long bExponent) {
    for (int c = 1; c < stride; c++) {
      long v = c >= scaledFrom ? scaleBits(b[j + c], bExponent) : b[j + c];
      out[o + c] = Math.max(out[o + c], v);
    }
  }

  private static long scaleBits(long bits, long exponent) {
    if (exponent == 0) {
      return bits;
    }
    return Double.doubleToRawLongBits(DecayModel.scale(Double.longBitsToDouble(bits), exponent));
  }

  private static int unionCount(long[] a, long[] b, int stride) {
    int i = 0;
    int j = 0;
    int n = 0;
    while (i < a.length && j < b.length) {
      int c = Long.compareUnsigned(a[i], b[j]);
      if (c <= 0) {
        i += stride;
      }
      if (c >= 0) {
        j += stride;
      }
      n++;
    }
    return n + (a.length - i) / stride + (b.length - j) / stride;
  }
}
