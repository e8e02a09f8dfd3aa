package io.tidaldb.reconcile.engine;

import java.util.function.LongConsumer;

/**
 * A multiset of fingerprints (open addressing, linear probing, primitive arrays): filled with one
 * side's fingerprints, then each fingerprint of the other side {@link #take}s a match, and what is
 * left ({@link #forEachLeft}) is what only the first side holds. Replaces sorting both sides: O(n)
 * with one probe per fingerprint, and no boxing. Not thread-safe.
 */
final class FingerprintCounts {
  private static final long EMPTY = 0;

  private final long[] keys;
  private final int[] counts;
  private final int mask;

  /** Occurrences of the fingerprint 0 (the empty slot's marker). */
  private int zeros;

  FingerprintCounts(int expected) {
    int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
    keys = new long[capacity];
    counts = new int[capacity];
    mask = capacity - 1;
  }

  /** Returns a multiset of the fingerprints of {@code list}. */
  static FingerprintCounts of(LongList list) {
    FingerprintCounts c = new FingerprintCounts(list.size());
    for (int i = 0; i < list.size(); i++) {
      c.add(list.get(i));
    }
    return c;
  }

  void add(long fp) {
    if (fp == EMPTY) {
      zeros++;
      return;
    }
    for (int i = slot(fp); ; i = (i + 1) & mask) {
      if (keys[i] == fp) {
        counts[i]++;
        return;
      }
      if (keys[i] == EMPTY) {
        keys[i] = fp;
        counts[i] = 1;
        return;
      }
    }
  }

  /** Removes one occurrence of {@code fp}; false if it holds none. */
  boolean take(long fp) {
    if (fp == EMPTY) {
      return zeros > 0 && zeros-- > 0;
    }
    for (int i = slot(fp); ; i = (i + 1) & mask) {
      if (keys[i] == fp) {
        if (counts[i] == 0) {
          return false;
        }
        counts[i]--;
        return true;
      }
      if (keys[i] == EMPTY) {
        return false;
      }
    }
  }

  /** Visits every occurrence not taken. */
  void forEachLeft(LongConsumer visitor) {
    for (int z = 0; z < zeros; z++) {
      visitor.accept(EMPTY);
    }
    for (int i = 0; i < keys.length; i++) {
      for (int c = counts[i]; c > 0; c--) {
        visitor.accept(keys[i]);
      }
    }
  }

  private int slot(long fp) {
    return (int) (fp ^ (fp >>> 32)) & mask; // fingerprints are already mixed
  }
}
