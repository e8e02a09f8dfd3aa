package io.tidaldb.crdt;

import io.tidaldb.api.InvalidArgumentException;

/**
 * A last-writer-wins register of a {@code long} (TidalDB keeps an event time in it). Writes are
 * ordered by hybrid-logical-clock stamp, ties broken by replica id (the higher unsigned id wins)
 * and, should one replica ever write two values under one stamp, by the value itself: a total
 * order, so the merge (keep the greater write) is a join. {@link CrdtSignalState} keeps its
 * last-seen time with the same order ({@link #wins}).
 *
 * <p>Mutable and not thread-safe: callers synchronise.
 */
public final class LwwRegister {
  /** The stamp of an empty register; every real stamp (>= 0) wins over it. */
  public static final long NO_STAMP = -1;

  private long stamp = NO_STAMP;
  private long replica;
  private long value;

  /** Creates an empty register. */
  public LwwRegister() {}

  /**
   * Writes a value if the write wins over the current one.
   *
   * @param stamp the write's HLC stamp, >= 0
   * @param replica the writing replica's id
   * @param value the value
   * @return whether the write won and the register now holds it
   * @throws InvalidArgumentException if the stamp is negative
   */
  public boolean set(long stamp, long replica, long value) {
    if (stamp < 0) {
      throw new InvalidArgumentException("hlc stamp", stamp, "must be >= 0");
    }
    if (!wins(stamp, replica, value, this.stamp, this.replica, this.value)) {
      return false;
    }
    this.stamp = stamp;
    this.replica = replica;
    this.value = value;
    return true;
  }

  /**
   * Merges another register into this one: keeps the winning write. Commutative, associative and
   * idempotent.
   *
   * @param other the register to merge; unchanged
   */
  public void merge(LwwRegister other) {
    if (wins(other.stamp, other.replica, other.value, stamp, replica, value)) {
      stamp = other.stamp;
      replica = other.replica;
      value = other.value;
    }
  }

  /**
   * Whether write {@code a} is ordered strictly after write {@code b}: by stamp, then by unsigned
   * replica id, then by value.
   *
   * @param stampA a's stamp
   * @param replicaA a's replica id
   * @param valueA a's value
   * @param stampB b's stamp ({@link #NO_STAMP} if b is empty)
   * @param replicaB b's replica id
   * @param valueB b's value
   * @return whether a wins over b
   */
  public static boolean wins(
      long stampA, long replicaA, long valueA, long stampB, long replicaB, long valueB) {
    if (stampA != stampB) {
      return stampA > stampB;
    }
    if (replicaA != replicaB) {
      return Long.compareUnsigned(replicaA, replicaB) > 0;
    }
    return valueA > valueB;
  }

  /**
   * Whether the register was never written.
   *
   * @return true if empty
   */
  public boolean isEmpty() {
    return stamp == NO_STAMP;
  }

  /**
   * Returns the stamp of the current write.
   *
   * @return the stamp, {@link #NO_STAMP} if empty
   */
  public long stamp() {
    return stamp;
  }

  /**
   * Returns the replica of the current write.
   *
   * @return the replica id, 0 if empty
   */
  public long replica() {
    return replica;
  }

  /**
   * Returns the current value.
   *
   * @return the value, 0 if empty
   */
  public long value() {
    return value;
  }

  /**
   * Returns an independent copy.
   *
   * @return the copy
   */
  public LwwRegister copy() {
    LwwRegister copy = new LwwRegister();
    copy.merge(this);
    return copy;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LwwRegister other
        && other.stamp == stamp
        && other.replica == replica
        && other.value == value;
  }

  @Override
  public int hashCode() {
    return (Long.hashCode(stamp) * 31 + Long.hashCode(replica)) * 31 + Long.hashCode(value);
  }

  @Override
  public String toString() {
    return isEmpty()
        ? "LwwRegister[empty]"
        : "LwwRegister[" + value + " @" + stamp + " by " + ReplicaIds.toString(replica) + "]";
  }
}
