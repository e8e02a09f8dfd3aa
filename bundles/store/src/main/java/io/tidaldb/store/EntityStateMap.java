package io.tidaldb.store;

import io.tidaldb.crdt.CrdtSignalState;

/**
 * An open-addressing hash map from (series id, entity id) to the entity's {@link CrdtSignalState},
 * with primitive key arrays and linear probing: a lookup allocates nothing and a new key allocates
 * only its state. Not thread-safe: the shard's commit thread writes it under the shard's write
 * lock; readers hold the read lock.
 */
final class EntityStateMap {
  private static final int MIN_CAPACITY = 16;
  private static final float LOAD_FACTOR = 0.6f;

  private long[] entities;
  private int[] series;
  private CrdtSignalState[] states;
  private int size;
  private int resizeAt;

  EntityStateMap() {
    allocate(MIN_CAPACITY);
  }

  /** Visits every entry; see {@link #forEach}. */
  @FunctionalInterface
  interface EntryVisitor {
    void visit(int seriesId, long entity, CrdtSignalState state);
  }

  int size() {
    return size;
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
        return s;
      }
    }
    CrdtSignalState created = new CrdtSignalState();
    put(i, seriesId, entity, created);
    return created;
  }

  /** Inserts or replaces the state of (series, entity). */
  void put(int seriesId, long entity, CrdtSignalState state) {
    int mask = states.length - 1;
    int i = index(seriesId, entity, mask);
    for (; states[i] != null; i = (i + 1) & mask) {
      if (entities[i] == entity && series[i] == seriesId) {
        states[i] = state;
        return;
      }
    }
    put(i, seriesId, entity, state);
  }

  /** Visits every entry in table order. */
  void forEach(EntryVisitor visitor) {
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
    int before = size;
    allocate(oldStates.length);
    for (int j = 0; j < oldStates.length; j++) {
      if (oldStates[j] != null && !drop.test(oldSeries[j])) {
        put(oldSeries[j], oldEntities[j], oldStates[j]);
      }
    }
    return before - size;
  }

  /** Removes every entry. */
  void clear() {
    allocate(MIN_CAPACITY);
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
        size++;
      }
    }
  }

  private void allocate(int capacity) {
    entities = new long[capacity];
    series = new int[capacity];
    states = new CrdtSignalState[capacity];
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
