package io.tidaldb.crdt;

import java.util.Arrays;

/**
 * A PN-Counter: per replica, a grow-only count of increments and one of decrements; the value is
 * their difference and the merge is the entry-wise maximum. {@link CrdtSignalState} keeps the same
 * two counts per replica (beside its sums) and merges them with the same code.
 *
 * <p>Each replica must only ever count its own operations, under a replica id it never reuses (see
 * the package documentation). Mutable and not thread-safe: callers synchronise.
 */
public final class PnCounter {
  static final int STRIDE = 3;
  private static final int POSITIVE = 1;
  private static final int NEGATIVE = 2;

  private long[] entries = ReplicaEntries.EMPTY;

  /** Creates a counter at zero with no replicas. */
  public PnCounter() {}

  /**
   * Counts one increment by a replica.
   *
   * @param replica the replica id (see {@link ReplicaIds})
   */
  public void increment(long replica) {
    int at = slot(replica); // before indexing: slot() may replace the array
    entries[at + POSITIVE]++;
  }

  /**
   * Counts one decrement by a replica.
   *
   * @param replica the replica id (see {@link ReplicaIds})
   */
  public void decrement(long replica) {
    int at = slot(replica);
    entries[at + NEGATIVE]++;
  }

  /**
   * Returns the counter's value.
   *
   * @return increments minus decrements over all replicas
   */
  public long value() {
    return ReplicaEntries.sumLong(entries, STRIDE, POSITIVE)
        - ReplicaEntries.sumLong(entries, STRIDE, NEGATIVE);
  }

  /**
   * Returns the increments a replica counted.
   *
   * @param replica the replica id
   * @return its increments, 0 if it has no entry
   */
  public long increments(long replica) {
    int i = ReplicaEntries.find(entries, STRIDE, replica);
    return i < 0 ? 0 : entries[i * STRIDE + POSITIVE];
  }

  /**
   * Returns the decrements a replica counted.
   *
   * @param replica the replica id
   * @return its decrements, 0 if it has no entry
   */
  public long decrements(long replica) {
    int i = ReplicaEntries.find(entries, STRIDE, replica);
    return i < 0 ? 0 : entries[i * STRIDE + NEGATIVE];
  }

  /**
   * Returns the number of replicas with an entry.
   *
   * @return the replica count
   */
  public int replicaCount() {
    return entries.length / STRIDE;
  }

  /**
   * Merges another counter into this one: per replica, the maximum of each count. Commutative,
   * associative and idempotent.
   *
   * @param other the counter to merge; unchanged
   */
  public void merge(PnCounter other) {
    entries = ReplicaEntries.join(entries, other.entries, STRIDE, STRIDE, 0);
  }

  /**
   * Returns an independent copy.
   *
   * @return the copy
   */
  public PnCounter copy() {
    PnCounter copy = new PnCounter();
    copy.entries = entries.length == 0 ? entries : entries.clone();
    return copy;
  }

  private int slot(long replica) {
    int i = ReplicaEntries.find(entries, STRIDE, replica);
    if (i < 0) {
      i = -i - 1;
      entries = ReplicaEntries.insert(entries, STRIDE, i, replica);
    }
    return i * STRIDE;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PnCounter other && Arrays.equals(entries, other.entries);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(entries);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("PnCounter[value=").append(value());
    for (int e = 0; e < entries.length; e += STRIDE) {
      sb.append(", ")
          .append(ReplicaIds.toString(entries[e]))
          .append("=+")
          .append(entries[e + POSITIVE])
          .append("/-")
          .append(entries[e + NEGATIVE]);
    }
    return sb.append(']').toString();
  }
}
