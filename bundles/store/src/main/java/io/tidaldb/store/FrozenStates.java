package io.tidaldb.store;

import io.tidaldb.crdt.CrdtSignalState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;

/**
 * The entries of an {@link EntityStateMap} as they were at {@link EntityStateMap#freeze}, taken in
 * O(1): it keeps the map's slot arrays, and while it is alive the map never mutates a state they
 * share. Slots the map wrote since (new entries, states copied before their first write) are
 * skipped; the originals of the copied states it still holds are kept as pre-images. After the map
 * grows, its new arrays are its own, and the old ones here are no longer written at all.
 *
 * <p>{@link #forEach} may run on any thread: it reads the slots in chunks under the shard's read
 * lock (the shard log's and the local log's commit threads write under the write lock), so a commit
 * waits at most one chunk, and yields the CPU between chunks.
 */
final class FrozenStates implements StateEntries {
  private static final int CHUNK = 4096;

  private record PreImage(int series, long entity, CrdtSignalState state) {}

  private final int[] series;
  private final long[] entities;
  private final CrdtSignalState[] states;
  private final int[] privateIn;
  private final int epoch;
  private final int size;
  private final Lock readLock;
  private final List<PreImage> preImages = new ArrayList<>();

  FrozenStates(
      int[] series,
      long[] entities,
      CrdtSignalState[] states,
      int[] privateIn,
      int epoch,
      int size,
      Lock readLock) {
    this.series = series;
    this.entities = entities;
    this.states = states;
    this.privateIn = privateIn;
    this.epoch = epoch;
    this.size = size;
    this.readLock = readLock;
  }

  /** Whether {@code live} are the slots this view reads (the map has not grown since). */
  boolean reads(CrdtSignalState[] live) {
    return live == states;
  }

  /** Keeps the original of a state the map copies in a slot this view reads. Write lock held. */
  void preImage(int seriesId, long entity, CrdtSignalState original) {
    preImages.add(new PreImage(seriesId, entity, original));
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public void forEach(EntityStateMap.EntryVisitor visitor) {
    for (int start = 0; start < states.length; start += CHUNK) {
      readLock.lock();
      try {
        for (int i = start; i < Math.min(start + CHUNK, states.length); i++) {
          if (states[i] != null && privateIn[i] != epoch) {
            visitor.visit(series[i], entities[i], states[i]);
          }
        }
      } finally {
        readLock.unlock();
      }
      // A snapshot's writer runs for a second or more on one of few cores: between chunks it
      // lets a woken commit thread have the core at once rather than after the scheduler's slice
      // (a commit crosses three wake-ups; see ReadQuantum).
      Thread.yield();
    }
    readLock.lock();
    try {
      for (PreImage p : preImages) {
        visitor.visit(p.series(), p.entity(), p.state());
      }
    } finally {
      readLock.unlock();
    }
  }
}
