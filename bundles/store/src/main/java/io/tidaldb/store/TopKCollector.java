package io.tidaldb.store;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.RankedEntity;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the {@code k} best (score, entity) pairs seen: a binary min-heap over primitive arrays
 * whose root is the worst kept pair. Higher scores win; equal scores prefer the lower entity id.
 */
final class TopKCollector {
  private final int k;
  private double[] scores;
  private long[] entities;
  private int size;

  TopKCollector(int k) {
    this.k = k;
    int initial = Math.min(k, 256);
    this.scores = new double[initial];
    this.entities = new long[initial];
  }

  /** Offers a candidate; kept if among the best {@code k} so far. Only positive scores count. */
  void offer(long entity, double score) {
    if (k == 0 || !(score > 0)) {
      return;
    }
    if (size < k) {
      if (size == scores.length) {
        int grown = (int) Math.min(k, 2L * size);
        scores = java.util.Arrays.copyOf(scores, grown);
        entities = java.util.Arrays.copyOf(entities, grown);
      }
      scores[size] = score;
      entities[size] = entity;
      siftUp(size++);
    } else if (better(score, entity, scores[0], entities[0])) {
      scores[0] = score;
      entities[0] = entity;
      siftDown(0);
    }
  }

  /** Whether {@code k} pairs are kept (k above 0). */
  boolean full() {
    return k > 0 && size == k;
  }

  /** Returns the worst kept score (the k-th best once {@link #full}). */
  double worst() {
    return scores[0];
  }

  /** Offers every kept pair to {@code into}. */
  void offerAllTo(TopKCollector into) {
    for (int i = 0; i < size; i++) {
      into.offer(entities[i], scores[i]);
    }
  }

  /** Returns the kept pairs, best first. */
  List<RankedEntity> result() {
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(
        order,
        (a, b) ->
            better(scores[a], entities[a], scores[b], entities[b])
                ? -1
                : (better(scores[b], entities[b], scores[a], entities[a]) ? 1 : 0));
    List<RankedEntity> out = new ArrayList<>(size);
    for (Integer i : order) {
      out.add(new RankedEntity(EntityId.of(entities[i]), scores[i]));
    }
    return out;
  }

  private static boolean better(double s1, long e1, double s2, long e2) {
    return s1 > s2 || (s1 == s2 && e1 < e2);
  }

  private void siftUp(int i) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!better(scores[parent], entities[parent], scores[i], entities[i])) {
        return;
      }
      swap(i, parent);
      i = parent;
    }
  }

  private void siftDown(int i) {
    while (true) {
      int worst = i;
      int left = 2 * i + 1;
      int right = left + 1;
      if (left < size && better(scores[worst], entities[worst], scores[left], entities[left])) {
        worst = left;
      }
      if (right < size && better(scores[worst], entities[worst], scores[right], entities[right])) {
        worst = right;
      }
      if (worst == i) {
        return;
      }
      swap(i, worst);
      i = worst;
    }
  }

  private void swap(int a, int b) {
    double s = scores[a];
    scores[a] = scores[b];
    scores[b] = s;
    long e = entities[a];
    entities[a] = entities[b];
    entities[b] = e;
  }
}
