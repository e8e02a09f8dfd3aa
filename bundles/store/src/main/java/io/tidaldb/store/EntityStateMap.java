package io.tidaldb.store;

import io.tidaldb.crdt.CrdtSignalState;
import java.util.concurrent.locks.Lock;

/**
 * An open-addressing hash map from (series id, entity id) to the entity's {@link CrdtSignalState},
 * with primitive key arrays and linear probing: a lookup allocates nothing and a new key allocates
 * only its state. Not thread-safe: the shard's writers (the commit threads of its shard log and of
 * its local log) write it under the shard's write lock; readers hold the read lock.
 *
 * <p>{@link #freeze} gives a snapshot written off the commit thread a consistent view in O(1)
 * ({@link FrozenStates}): until {@link #thaw}, the first {@link #getOrCreate} of a state the view
 * shares replaces it with a private copy (copy-on-write, at most once per entry and freeze), so the
 * view's states are never mutated.
 */
final class EntityStateMap implements StateEntries {
  private static final int MIN_CAPACITY = 16;
  private static final float LOAD_FACTOR = 0.6f;

  private long[] entities;
  private int[] series;
  private CrdtSignalState[] states;

  /** Per slot, the freeze epoch in which its state became private to this map (see freeze). */
  private int[] privateIn;

  private int size;
  private int resizeAt;
  private int epoch;
  private FrozenStates frozen;

  EntityStateMap() {
    allocate(MIN_CAPACITY);
  }

  /** Visits every entry; see {@link #forEach}. */
  @FunctionalInterface
  interface EntryVisitor {
    void visit(int seriesId, long entity, CrdtSignalState state);
  }

  @Override
  public int size() {
    return size;
  }

  /**
   * Returns the entries as they are now ({@link FrozenStates}, O(1)) and makes later writes copy a
   * state the view shares before changing it, until {@link #thaw}. Call with the write or read lock
   * held.
   *
   * @param readLock the lock the view reads under
   * @throws IllegalStateException if the map is frozen already
   */
  FrozenStates freeze(Lock readLock) {
    if (frozen != null) {
      throw new IllegalStateException("entity state map is frozen already");
    }
    epoch++;
    frozen = new FrozenStates(series, entities, states, privateIn, epoch, size, readLock);
    return frozen;
  }

  /** Ends copy-on-write: the frozen view is no longer read. */
  void thaw() {
    frozen = null;
  }

  /** Returns the state of (series, entity), or null if it has none. */
  CrdtSignalState get(int seriesId, long entity) {
    int mask = states.length - 1;
    for (int i = index(seriesId, entity, mask); ; i = (i + 1) & mask) {
      CrdtSignalState s = states[i];
      if (s == null) {
        return null;
      }
      if (entities[i] == entity && series[i] == seriesId) {
        return s;
      }
    }
  }

  /** Returns the state of (series, entity), creating an empty one first if it has none. */
  CrdtSignalState getOrCreate(int seriesId, long entity) {
    int mask = states.length - 1;
    int i = index(seriesId, entity, mask);
    for (; ; i = (i + 1) & mask) {
      CrdtSignalState s = states[i];
      if (s == null) {
        break;
      }
      if (entities[i] == entity && series[i] == seriesId) {
        if (frozen != null && privateIn[i] != epoch) {
          privatize(i);
          s = s.copy(); // the frozen view keeps the original
          states[i] = s;
        }
        return s;
      }
    }
    CrdtSignalState created = new CrdtSignalState();
    privateIn[i] = epoch;
    put(i, seriesId, entity, created);
    return created;
  }

  /** Inserts or replaces the state of (series, entity). */
  void put(int seriesId, long entity, CrdtSignalState state) {
    int mask = states.length - 1;
    int i = index(seriesId, entity, mask);
    for (; states[i] != null; i = (i + 1) & mask) {
      if (entities[i] == entity && series[i] == seriesId) {
        if (frozen != null && privateIn[i] != epoch) {
          privatize(i);
        }
        states[i] = state;
        return;
      }
    }
    privateIn[i] = epoch;
    put(i, seriesId, entity, state);
  }

  /** Visits every entry in table order. */
  @Override
  public void forEach(EntryVisitor visitor) {
    CrdtSignalState[] s = states;
    for (int i = 0; i < s.length; i++) {
      if (s[i] != null) {
        visitor.visit(series[i], entities[i], s[i]);
      }
    }
  }

  /**
   * Removes every entry of the series {@code drop} accepts.
   *
   * @return how many entries were removed
   */
  int removeSeries(java.util.function.IntPredicate drop) {
    long[] oldEntities = entities;
    int[] oldSeries = series;
    CrdtSignalState[] oldStates = states;
    int[] oldPrivateIn = privateIn;
    int before = size;
    allocate(oldStates.length);
    int mask = states.length - 1;
    for (int j = 0; j < oldStates.length; j++) {
      if (oldStates[j] != null && !drop.test(oldSeries[j])) {
        int i = index(oldSeries[j], oldEntities[j], mask);
        while (states[i] != null) {
          i = (i + 1) & mask;
        }
        privateIn[i] = oldPrivateIn[j]; // a state a frozen copy shares stays copy-on-write
        put(i, oldSeries[j], oldEntities[j], oldStates[j]);
      }
    }
    return before - size;
  }

  /**
   * Replaces every entry with those of {@code other} in O(1), taking its arrays ({@code other} must
   * not be used afterwards). A frozen view keeps reading the former arrays.
   */
  void takeFrom(EntityStateMap other) {
    entities = other.entities;
    series = other.series;
    states = other.states;
    privateIn = other.privateIn; // epoch 0: shared with a view, if any (copied on write, harmless)
    size = other.size;
    resizeAt = other.resizeAt;
  }

  /** Removes every entry. */
  void clear() {
    allocate(MIN_CAPACITY);
  }

  /**
   * Marks slot {@code i} written since the freeze, keeping its state for the view if it reads it.
   */
  private void privatize(int i) {
    if (frozen.reads(states)) {
      frozen.preImage(series[i], entities[i], states[i]);
    }
    privateIn[i] = epoch;
  }

  private void put(int slot, int seriesId, long entity, CrdtSignalState state) {
    entities[slot] = entity;
    series[slot] = seriesId;
    states[slot] = state;
    if (++size > resizeAt) {
      grow();
    }
  }

  private void grow() {
    int[] oldPrivateIn = privateIn;
    long[] oldEntities = entities;
    int[] oldSeries = series;
    CrdtSignalState[] oldStates = states;
    allocate(oldStates.length << 1);
    int mask = states.length - 1;
    for (int j = 0; j < oldStates.length; j++) {
      if (oldStates[j] != null) {
        int i = index(oldSeries[j], oldEntities[j], mask);
        while (states[i] != null) {
          i = (i + 1) & mask;
        }
        entities[i] = oldEntities[j];
        series[i] = oldSeries[j];
        states[i] = oldStates[j];
        privateIn[i] = oldPrivateIn[j];
        size++;
      }
    }
  }

  private void allocate(int capacity) {
    entities = new long[capacity];
    series = new int[capacity];
    states = new CrdtSignalState[capacity];
    privateIn = new int[capacity]; // epoch 0 precedes every freeze: shared while frozen
    size = 0;
    resizeAt = (int) (capacity * LOAD_FACTOR);
  }

  private static int index(int seriesId, long entity, int mask) {
    long h = (entity ^ ((long) seriesId << 32 | seriesId)) * 0x9E3779B97F4A7C15L;
    h ^= h >>> 29;
    h *= 0xBF58476D1CE4E5B9L;
    return (int) (h ^ (h >>> 32)) & mask;
  }
}
