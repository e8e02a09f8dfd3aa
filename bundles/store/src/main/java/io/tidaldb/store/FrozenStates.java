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
 * <p>{@link #forEach} may run on any thread, once: it copies the slots' references in chunks under
 * the shard's read lock (the shard log's and the local log's commit threads write under the write
 * lock) and visits each chunk after releasing it, so a commit waits at most for one chunk's copy
 * (4,096 slots, microseconds), never for the visitor: a snapshot's visitor writes and forces its
 * file, and a commit that waited for that force under the lock took 5–9 ms (bench/RESULTS.md §26).
 * A state copied out stays the original: the map copies a shared state before its first write. A
 * slot the map writes after its chunk was copied needs no pre-image (the view read it already); a
 * slot it writes before keeps its pre-image, visited last. Yields the CPU between chunks.
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
  private int copied; // slots below it were copied out by forEach (under the shard's lock)
  private boolean read;

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

  /**
   * Keeps the original of a state the map copies in slot {@code slot} of the arrays this view
   * reads, unless {@link #forEach} copied that slot already. Write lock held.
   */
  void preImage(int slot, int seriesId, long entity, CrdtSignalState original) {
    if (slot >= copied) {
      preImages.add(new PreImage(seriesId, entity, original));
    }
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public void forEach(EntityStateMap.EntryVisitor visitor) {
    int[] chunkSeries = new int[CHUNK];
    long[] chunkEntities = new long[CHUNK];
    CrdtSignalState[] chunkStates = new CrdtSignalState[CHUNK];
    for (int start = 0; start < states.length; start += CHUNK) {
      int n = 0;
      readLock.lock();
      try {
        if (start == 0) {
          if (read) {
            throw new IllegalStateException("a frozen view is read once");
          }
          read = true;
        }
        int end = Math.min(start + CHUNK, states.length);
        for (int i = start; i < end; i++) {
          if (states[i] != null && privateIn[i] != epoch) {
            chunkSeries[n] = series[i];
            chunkEntities[n] = entities[i];
            chunkStates[n++] = states[i];
          }
        }
        copied = end;
      } finally {
        readLock.unlock();
      }
      for (int k = 0; k < n; k++) {
        visitor.visit(chunkSeries[k], chunkEntities[k], chunkStates[k]);
        chunkStates[k] = null;
      }
      // A snapshot's writer runs for a second or more on one of few cores: between chunks it
      // lets a woken commit thread have the core at once rather than after the scheduler's slice
      // (a commit crosses three wake-ups; see ReadQuantum).
      Thread.yield();
    }
    List<PreImage> kept;
    readLock.lock();
    try {
      kept = new ArrayList<>(preImages); // every slot is copied: the list grows no more
    } finally {
      readLock.unlock();
    }
    for (PreImage p : kept) {
      visitor.visit(p.series(), p.entity(), p.state());
    }
  }
}
