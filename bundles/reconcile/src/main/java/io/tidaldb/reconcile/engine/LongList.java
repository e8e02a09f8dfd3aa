package io.tidaldb.reconcile.engine;

import java.util.Arrays;

/** A growable {@code long[]} (no boxing for a million fingerprints). */
final class LongList {
  private long[] values = new long[16];
  private int size;

  void add(long v) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = v;
  }

  void addAll(long[] vs) {
    for (long v : vs) {
      add(v);
    }
  }

  long get(int i) {
    return values[i];
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** Returns a sorted copy. */
  long[] sorted() {
    long[] copy = Arrays.copyOf(values, size);
    Arrays.sort(copy);
    return copy;
  }
}
