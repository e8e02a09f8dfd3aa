package io.tidaldb.store;

import io.tidaldb.crdt.CrdtSignalState;
import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * A shard's top-K indexes, one {@link TopIndex} per series, kept by the same hooks as the
 * reconciliation digests ({@link ShardDigest}): {@link #changed} after every change of one state
 * (an applied record, a local-stream record, a merge, a compensation, a compaction step) and {@link
 * #rebuild(SeriesRegistry, EntityStateMap)} whenever the states were replaced wholesale (recovery,
 * a cut, an install). Not thread-safe: the shard's write lock guards every change; queries read
 * under its read lock.
 */
final class TopIndexes {
  private TopIndex[] bySeries = new TopIndex[8];
  private long rebuilds;

  /** Returns the index of series {@code id}, or null if it has none yet. */
  TopIndex of(int id) {
    return id < bySeries.length ? bySeries[id] : null;
  }

  /** Returns how many rebuilds ran (every series of a shard counts one per wholesale rebuild). */
  long rebuilds() {
    return rebuilds;
  }

  /** Takes the new state of an entity of {@code series} into its index. */
  void changed(SeriesRegistry.Series series, long entity, CrdtSignalState state) {
    int id = series.id();
    TopIndex index = of(id);
    if (index == null) {
      index = create(id, TopIndex.MIN_CAPACITY);
    }
    index.changed(entity, state, series.decay());
  }

  /**
   * Rebuilds every series' index from the states (each keeping its capacity), dropping those of
   * series the registry no longer binds.
   */
  void rebuild(SeriesRegistry registry, EntityStateMap states) {
    for (int id = 0; id < bySeries.length; id++) {
      if (registry.get(id) == null) {
        bySeries[id] = null;
      }
    }
    rebuild(states, registry::get, TopIndex.MIN_CAPACITY);
  }

  /**
   * Rebuilds the index of {@code series} alone from the states at {@code capacity} at the least (a
   * query that the members could not answer).
   */
  void rebuild(SeriesRegistry.Series series, int capacity, EntityStateMap states) {
    int only = series.id();
    if (of(only) == null) {
      create(only, capacity); // kept even without states: the next query answers from it
    }
    rebuild(states, id -> id == only ? series : null, capacity);
  }

  /**
   * Rebuilds the index of every series {@code seriesOf} names (null: leave it) from the states, at
   * its capacity and {@code minCapacity} at the least: one pass for each series' latest landmark
   * (its reference, so that no rebase happens midway), one pass offering every state.
   */
  private void rebuild(
      EntityStateMap states, IntFunction<SeriesRegistry.Series> seriesOf, int minCapacity) {
    long[][] latest = {new long[bySeries.length]};
    boolean[][] seen = {new boolean[bySeries.length]};
    states.forEach(
        (id, entity, state) -> {
          if (state.isEmpty() || seriesOf.apply(id) == null) {
            return;
          }
          if (id >= latest[0].length) {
            int n = Math.max(id + 1, 2 * latest[0].length);
            latest[0] = Arrays.copyOf(latest[0], n);
            seen[0] = Arrays.copyOf(seen[0], n);
          }
          if (!seen[0][id] || state.landmark() > latest[0][id]) {
            latest[0][id] = state.landmark();
            seen[0][id] = true;
          }
        });
    if (seen[0].length > bySeries.length) {
      bySeries = Arrays.copyOf(bySeries, seen[0].length);
    }
    boolean[] rebuilt = new boolean[bySeries.length];
    for (int id = 0; id < bySeries.length; id++) {
      boolean any = id < seen[0].length && seen[0][id];
      if (seriesOf.apply(id) != null && (bySeries[id] != null || any)) {
        TopIndex index = bySeries[id] != null ? bySeries[id] : create(id, minCapacity);
        index.reset(Math.max(minCapacity, index.capacity()), any ? latest[0][id] : 0, any);
        rebuilt[id] = true;
      }
    }
    states.forEach(
        (id, entity, state) -> {
          if (id < rebuilt.length && rebuilt[id]) {
            TopIndex index = bySeries[id];
            index.rebuildOffer(entity, index.key(state, seriesOf.apply(id).decay()));
          }
        });
    for (int id = 0; id < rebuilt.length; id++) {
      if (rebuilt[id]) {
        bySeries[id].rebuildDone();
      }
    }
    rebuilds++;
  }

  private TopIndex create(int id, int capacity) {
    if (id >= bySeries.length) {
      bySeries = Arrays.copyOf(bySeries, Math.max(id + 1, 2 * bySeries.length));
    }
    TopIndex index = new TopIndex(capacity);
    bySeries[id] = index;
    return index;
  }
}
