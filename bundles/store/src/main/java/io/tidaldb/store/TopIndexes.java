package io.tidaldb.store;

import io.tidaldb.crdt.CrdtSignalState;
import java.util.Arrays;

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
    TopIndex index = id < bySeries.length ? bySeries[id] : null;
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
    long[][] maxBox = {new long[bySeries.length]};
    boolean[][] seenBox = {new boolean[bySeries.length]};
    states.forEach( // the latest landmark of each series: its reference, so no rebase midway
        (id, entity, state) -> {
          if (state.isEmpty() || registry.get(id) == null) {
            return;
          }
          if (id >= maxBox[0].length) {
            int n = Math.max(id + 1, 2 * maxBox[0].length);
            maxBox[0] = Arrays.copyOf(maxBox[0], n);
            seenBox[0] = Arrays.copyOf(seenBox[0], n);
          }
          if (!seenBox[0][id] || state.landmark() > maxBox[0][id]) {
            maxBox[0][id] = state.landmark();
            seenBox[0][id] = true;
          }
        });
    long[] maxLandmark = maxBox[0];
    boolean[] seen = seenBox[0];
    if (seen.length > bySeries.length) {
      bySeries = Arrays.copyOf(bySeries, seen.length);
    }
    for (int id = 0; id < bySeries.length; id++) {
      boolean any = id < seen.length && seen[id];
      if (registry.get(id) == null) {
        bySeries[id] = null;
      } else if (bySeries[id] != null || any) {
        TopIndex index = bySeries[id] != null ? bySeries[id] : create(id, TopIndex.MIN_CAPACITY);
        index.reset(index.capacity(), any ? maxLandmark[id] : 0, any);
      }
    }
    states.forEach(
        (id, entity, state) -> {
          TopIndex index = of(id);
          SeriesRegistry.Series series = registry.get(id);
          if (index != null && series != null) {
            index.rebuildOffer(entity, index.key(state, series.decay()));
          }
        });
    for (TopIndex index : bySeries) {
      if (index != null) {
        index.rebuildDone();
      }
    }
    rebuilds++;
  }

  /**
   * Rebuilds the index of {@code series} alone from the states at {@code capacity} at the least (a
   * query that the members could not answer).
   */
  void rebuild(SeriesRegistry.Series series, int capacity, EntityStateMap states) {
    int id = series.id();
    TopIndex index = of(id);
    if (index == null) {
      index = create(id, capacity);
    }
    long[] max = {0};
    boolean[] seen = {false};
    states.forEach(
        (sid, entity, state) -> {
          if (sid == id && !state.isEmpty() && (!seen[0] || state.landmark() > max[0])) {
            max[0] = state.landmark();
            seen[0] = true;
          }
        });
    index.reset(Math.max(capacity, index.capacity()), max[0], seen[0]);
    TopIndex target = index;
    states.forEach(
        (sid, entity, state) -> {
          if (sid == id) {
            target.rebuildOffer(entity, target.key(state, series.decay()));
          }
        });
    index.rebuildDone();
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
