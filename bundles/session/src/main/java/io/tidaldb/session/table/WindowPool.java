package io.tidaldb.session.table;

import java.util.Arrays;

/**
 * The windows of a {@link SessionTable}: each window is a singly linked list of entries (seq, log
 * position, HLC, payload hash) in descending seq order, so that the usual write, the session's
 * highest seq so far, is inserted at the head, and dropping the seqs below {@code ackedBelow} cuts
 * the list's tail. The list is doubly linked and its head entry knows its tail, so cutting the tail
 * costs what it drops: a pipelining client raises {@code ackedBelow} with every write, and a walk
 * from the head to the cut point was a walk of its whole window per record (20 % of the commit
 * thread at a window of 1,024, bench/RESULTS.md §24). Entries live in parallel primitive arrays
 * with a free list: 40 bytes per entry, no allocation except when the arrays grow. A window holds
 * at most {@link SessionConfig#maxWindow} entries (the leader's check keeps it there), so every
 * walk is bounded. Not thread-safe.
 */
final class WindowPool {
  static final int NONE = -1;

  private long[] seqs = new long[16];
  private long[] positions = new long[16];
  private long[] hlcs = new long[16];
  private int[] hashes = new int[16];
  private int[] next = new int[16];
  private int[] prev = new int[16];
  private int[] tails = new int[16]; // valid at a list's head only: its last entry
  private int free = NONE;
  private int used;
  private int live;

  long seq(int i) {
    return seqs[i];
  }

  long position(int i) {
    return positions[i];
  }

  long hlc(int i) {
    return hlcs[i];
  }

  int hash(int i) {
    return hashes[i];
  }

  int next(int i) {
    return next[i];
  }

  /** Entries held by all windows. */
  int entries() {
    return live;
  }

  /** Returns the entry of seq in the window at head, or {@link #NONE}. */
  int find(int head, long seq) {
    for (int i = head; i != NONE && seqs[i] >= seq; i = next[i]) {
      if (seqs[i] == seq) {
        return i;
      }
    }
    return NONE;
  }

  /** Returns the number of entries of the window at head. */
  int count(int head) {
    int n = 0;
    for (int i = head; i != NONE; i = next[i]) {
      n++;
    }
    return n;
  }

  /** Returns the number of entries with seq at or above {@code low}. */
  int countFrom(int head, long low) {
    int n = 0;
    for (int i = head; i != NONE && seqs[i] >= low; i = next[i]) {
      n++;
    }
    return n;
  }

  /**
   * Inserts (seq, position, hlc, hash), which the window does not hold, in seq order.
   *
   * @return the window's head
   */
  int insert(int head, long seq, long position, long hlc, int hash) {
    int n = allocate();
    seqs[n] = seq;
    positions[n] = position;
    hlcs[n] = hlc;
    hashes[n] = hash;
    prev[n] = NONE;
    if (head == NONE) {
      next[n] = NONE;
      tails[n] = n;
      return n;
    }
    if (seqs[head] < seq) {
      next[n] = head;
      prev[head] = n;
      tails[n] = tails[head];
      return n;
    }
    int i = head;
    while (next[i] != NONE && seqs[next[i]] > seq) {
      i = next[i];
    }
    int after = next[i];
    next[n] = after;
    prev[n] = i;
    next[i] = n;
    if (after == NONE) {
      tails[head] = n;
    } else {
      prev[after] = n;
    }
    return head;
  }

  /**
   * Frees the entries with seq below {@code low}.
   *
   * @return the window's head ({@link #NONE} if it is now empty)
   */
  int dropBelow(int head, long low) {
    if (head == NONE || seqs[head] < low) {
      freeAll(head);
      return NONE;
    }
    // from the tail up: only the dropped entries are visited
    int i = tails[head];
    while (seqs[i] < low) {
      int p = prev[i];
      release(i);
      i = p;
    }
    next[i] = NONE;
    tails[head] = i;
    return head;
  }

  /** Frees every entry from i on. */
  void freeAll(int i) {
    while (i != NONE) {
      int n = next[i];
      release(i);
      i = n;
    }
  }

  /** Puts entry i on the free list. */
  private void release(int i) {
    next[i] = free;
    free = i;
    live--;
  }

  /** Bytes of the arrays. */
  long memoryBytes() {
    return 7 * 16L + seqs.length * (8L + 8L + 8L + 4L + 4L + 4L + 4L);
  }

  private int allocate() {
    live++;
    if (free != NONE) {
      int i = free;
      free = next[i];
      return i;
    }
    if (used == seqs.length) {
      int capacity = seqs.length * 2;
      seqs = Arrays.copyOf(seqs, capacity);
      positions = Arrays.copyOf(positions, capacity);
      hlcs = Arrays.copyOf(hlcs, capacity);
      hashes = Arrays.copyOf(hashes, capacity);
      next = Arrays.copyOf(next, capacity);
      prev = Arrays.copyOf(prev, capacity);
      tails = Arrays.copyOf(tails, capacity);
    }
    return used++;
  }
}
