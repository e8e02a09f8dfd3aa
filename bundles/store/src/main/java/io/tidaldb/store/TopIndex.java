package io.tidaldb.store;

import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.DecayModel;
import java.util.Arrays;

/**
 * One (series, shard)'s top-K index: the {@code capacity} entities of highest <em>key</em> in
 * order, and a bound {@link #beta} that no other entity's key exceeds. A query reads the exact top
 * k off the head in O(k); an applied change costs a lookup and a comparison, or for a member two
 * binary searches and a short array move.
 *
 * <h2>Why the order is exact and time does not change it</h2>
 *
 * An entity's score at time {@code at} is {@code D · 2^(−(at − L)/h)}, its decayed sum {@code D}
 * ({@link CrdtSignalState#decayedSum}) kept at its landmark {@code L} (forward decay, {@link
 * DecayModel}). The key is {@code D} moved to the index's reference landmark {@code R} ({@link
 * DecayModel#rescale}, an exact multiplication by a power of two): {@code key · 2^(−(at − R)/h)} is
 * then the score for every entity, one positive factor {@code c} for all, so the order of keys is
 * the order of scores at any {@code at} and only a change of state (an applied signal, a merge, a
 * compensation, a cut) reorders. The scores a query returns are computed from the states as the
 * full scan computes them ({@link CrdtSignalState#score}); the keys only decide which entities to
 * score and when to stop: {@code key · c} differs from the score by the rounding of two powers, far
 * below the margin {@link #MARGIN} the stop rule allows, so an entity is skipped only when its
 * score is certainly below the k-th kept one, and ties are scored and broken by entity id as the
 * scan does. The result equals the full scan's (TopIndexPropertyTest).
 *
 * <h2>Members and the bound</h2>
 *
 * Invariant: every entity of the series in the shard that is not a member has a key of at most
 * {@link #beta}. A change that lifts a non-member above it makes it a member; the member of lowest
 * key leaves when there are more than {@code capacity}, and {@code beta} rises to its key. A member
 * whose key falls to {@code beta} or below leaves (retractions), so the members can run short of a
 * query's k: the query then asks for a {@link TopIndexes#rebuild} (one scan of the shard's states
 * under its write lock), as it does when k needs more capacity (twice k: a query of k is answered
 * while up to half the members sank).
 *
 * <p>When a state's landmark is more than {@link #REBASE_EPOCHS} epochs past the reference, the
 * keys are moved to the new landmark (exact, order kept; flushed-to-zero ties re-sorted), so keys
 * stay far from overflow. A key that overflows anyway (a decayed sum within {@code 2^−512} of the
 * largest double) marks the index inexact: queries scan until a rebuild finds it exact again.
 *
 * <p>Not thread-safe: changed and rebuilt by the commit thread under the shard's write lock, read
 * under its read lock.
 */
final class TopIndex {
  /** The most a top-K query may ask for ({@link io.tidaldb.api.SignalStore#MAX_TOP_K}). */
  static final int MAX_K = io.tidaldb.api.SignalStore.MAX_TOP_K;

  /** Members an index keeps at the least. */
  static final int MIN_CAPACITY = 64;

  /** Epochs a state's landmark may run past the reference before the keys move to it. */
  static final int REBASE_EPOCHS = 32;

  /** Relative margin the stop rule allows for the rounding between a key and a score. */
  static final double MARGIN = 1e-6;

  /** What {@link #offerTop} did. */
  enum Answer {
    /** The shard's exact top k was offered. */
    ANSWERED,
    /** The members cannot answer (too few, or too little capacity): rebuild, then ask again. */
    REBUILD,
    /** The index cannot answer exactly (an overflowed key, an extreme time): scan the shard. */
    SCAN
  }

  /** Scores an entity of the series as the full scan does. */
  interface Scores {
    double score(long entity);
  }

  private double[] keys = new double[16];
  private long[] ids = new long[16];
  private int size;
  private int capacity;
  private double beta = Double.NEGATIVE_INFINITY;
  private long reference;
  private boolean referenced;
  private boolean exact = true;
  private final MemberKeys members = new MemberKeys();

  TopIndex(int capacity) {
    this.capacity = capacity;
  }

  /** Returns the capacity an index needs to answer queries of {@code k}. */
  static int capacityFor(int k) {
    return Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, 2 * k - 1)) << 1);
  }

  int capacity() {
    return capacity;
  }

  int size() {
    return size;
  }

  double beta() {
    return beta;
  }

  boolean exact() {
    return exact;
  }

  /**
   * Takes the new state of {@code entity} into account (after every change of a state of this
   * series: an applied record, a merge, a compensation).
   */
  void changed(long entity, CrdtSignalState state, DecayModel decay) {
    double key = key(state, decay);
    int slot = members.slot(entity);
    if (slot >= 0) {
      double old = members.valueAt(slot);
      if (Double.compare(old, key) == 0) {
        return;
      }
      removeAt(indexOf(old, entity));
      if (key > beta) {
        insert(key, entity);
        members.setValueAt(slot, key);
      } else {
        members.removeSlot(slot); // sank to the bound: a non-member, at most beta
      }
    } else if (key > beta) {
      insert(key, entity);
      members.put(entity, key);
      if (size > capacity) {
        size--;
        members.remove(ids[size]);
        beta = Math.max(beta, keys[size]);
      }
    }
  }

  /**
   * The largest decay factor a query answers from the index with (2^512: {@code at} 512 half-lives
   * before the reference landmark); beyond it the shard is scanned. Far before the landmarks a
   * state's own score can overflow a double while every member's stays finite; the scan scores
   * every state and refuses such a time as a read does ({@code CrdtSignalState.score}), so the
   * index and the scan answer alike.
   */
  static final double MAX_FACTOR = 0x1p512;

  /**
   * Offers this shard's exact top {@code k} (positive scores, best first, ties to the lower entity
   * id) at {@code atMillis} to {@code into}, or says why it cannot.
   */
  Answer offerTop(int k, long atMillis, DecayModel decay, Scores scores, TopKCollector into) {
    if (!exact) {
      return Answer.SCAN;
    }
    if (capacity < capacityFor(k)) {
      return Answer.REBUILD;
    }
    double c = referenced ? decay.decayFactor(reference, atMillis) : 1.0;
    if (!(c >= Double.MIN_NORMAL)) {
      return Answer.SCAN; // far past the keys' landmark: key·c would flush what scores above 0
    }
    if (!(c <= MAX_FACTOR)) {
      // far before it: some state's own score may overflow there while no member's does; the
      // scan scores every state and refuses the time as a read does (CrdtSignalState.score)
      return Answer.SCAN;
    }
    TopKCollector local = new TopKCollector(k);
    for (int i = 0; i < size; i++) {
      if (local.full() && upper(keys[i], c) < local.worst()) {
        break; // every later member scores below the k-th kept one
      }
      local.offer(ids[i], scores.score(ids[i]));
    }
    double outside = upper(beta, c);
    if (local.full() ? !(outside < local.worst()) : outside > 0) {
      return Answer.REBUILD; // a non-member may still belong to the top k
    }
    local.offerAllTo(into);
    return Answer.ANSWERED;
  }

  /** The largest score an entity of key at most {@code key} can have, for factor {@code c}. */
  private static double upper(double key, double c) {
    if (!(key >= 0)) {
      return 0.0; // a negative decayed sum scores below 0, and only positive scores count
    }
    // a key flushed to 0.0 may stand for a positive sum below MIN_NORMAL
    return Math.max(key, Double.MIN_NORMAL) * c * (1 + MARGIN);
  }

  /** Clears the index for a rebuild at {@code capacity} with reference landmark {@code ref}. */
  void reset(int capacity, long ref, boolean hasRef) {
    this.capacity = capacity;
    this.size = 0;
    this.beta = Double.NEGATIVE_INFINITY;
    this.reference = ref;
    this.referenced = hasRef;
    this.exact = true;
    members.clear();
  }

  /** The key of {@code state} at the reference (taken from the first state if none yet). */
  double key(CrdtSignalState state, DecayModel decay) {
    double sum = state.decayedSum();
    if (Double.isNaN(sum)) {
      return Double.NEGATIVE_INFINITY; // +inf - inf: the scan's score is NaN too, never counted
    }
    long landmark = state.landmark();
    if (!referenced) {
      reference = landmark;
      referenced = true;
    } else if (landmark > reference
        && decay.epochIndex(landmark) - decay.epochIndex(reference) > REBASE_EPOCHS) {
      rebase(landmark, decay);
    }
    double key = decay.rescale(sum, landmark, reference);
    if (Double.isInfinite(key) && !Double.isInfinite(sum)) {
      exact = false;
    }
    return key;
  }

  /** Moves every key and the bound to landmark {@code to} (exact; ties re-sorted). */
  private void rebase(long to, DecayModel decay) {
    for (int i = 0; i < size; i++) {
      keys[i] = decay.rescale(keys[i], reference, to);
      members.put(ids[i], keys[i]);
    }
    beta = decay.rescale(beta, reference, to);
    reference = to;
    for (int i = 1; i < size; i++) { // insertion sort: only keys flushed to equal move
      double k = keys[i];
      long id = ids[i];
      int j = i - 1;
      while (j >= 0 && before(k, id, keys[j], ids[j])) {
        keys[j + 1] = keys[j];
        ids[j + 1] = ids[j];
        j--;
      }
      keys[j + 1] = k;
      ids[j + 1] = id;
    }
  }

  /** Adds one candidate during a rebuild (see {@link TopIndexes}); members kept sorted after. */
  void rebuildOffer(long entity, double key) {
    if (size < capacity) {
      insert(key, entity);
    } else if (before(key, entity, keys[size - 1], ids[size - 1])) {
      size--;
      beta = Math.max(beta, keys[size]);
      insert(key, entity);
    } else {
      beta = Math.max(beta, key);
    }
  }

  /** Ends a rebuild: the members' keys into the lookup. */
  void rebuildDone() {
    for (int i = 0; i < size; i++) {
      members.put(ids[i], keys[i]);
    }
  }

  /** Whether (k1, e1) sorts before (k2, e2): a higher key, then a lower entity id. */
  private static boolean before(double k1, long e1, double k2, long e2) {
    return k1 > k2 || (k1 == k2 && e1 < e2);
  }

  /** The first index whose entry does not sort before (key, entity). */
  private int lowerBound(double key, long entity) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (before(keys[mid], ids[mid], key, entity)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private int indexOf(double key, long entity) {
    int i = lowerBound(key, entity);
    if (i >= size || ids[i] != entity) {
      throw new IllegalStateException(
          "top index: member " + entity + " with key " + key + " not at its place " + i);
    }
    return i;
  }

  private void insert(double key, long entity) {
    if (size == keys.length) {
      int grown = Math.max(16, Math.min(capacity + 1, 2 * size));
      keys = Arrays.copyOf(keys, grown);
      ids = Arrays.copyOf(ids, grown);
    }
    int i = lowerBound(key, entity);
    System.arraycopy(keys, i, keys, i + 1, size - i);
    System.arraycopy(ids, i, ids, i + 1, size - i);
    keys[i] = key;
    ids[i] = entity;
    size++;
  }

  private void removeAt(int i) {
    System.arraycopy(keys, i + 1, keys, i, size - i - 1);
    System.arraycopy(ids, i + 1, ids, i, size - i - 1);
    size--;
  }

  /** Entity id to key of the members: open addressing, linear probing, backward-shift removal. */
  private static final class MemberKeys {
    private long[] entities = new long[32];
    private double[] values = new double[32];
    private boolean[] used = new boolean[32];
    private int count;

    int slot(long entity) {
      int mask = entities.length - 1;
      for (int i = home(entity, mask); ; i = (i + 1) & mask) {
        if (!used[i]) {
          return -1;
        }
        if (entities[i] == entity) {
          return i;
        }
      }
    }

    double valueAt(int slot) {
      return values[slot];
    }

    void setValueAt(int slot, double value) {
      values[slot] = value;
    }

    void put(long entity, double value) {
      int s = slot(entity);
      if (s >= 0) {
        values[s] = value;
        return;
      }
      if (2 * (count + 1) > entities.length) {
        grow();
      }
      int mask = entities.length - 1;
      int i = home(entity, mask);
      while (used[i]) {
        i = (i + 1) & mask;
      }
      used[i] = true;
      entities[i] = entity;
      values[i] = value;
      count++;
    }

    void remove(long entity) {
      int s = slot(entity);
      if (s >= 0) {
        removeSlot(s);
      }
    }

    void removeSlot(int slot) {
      int mask = entities.length - 1;
      int hole = slot;
      for (int i = (slot + 1) & mask; used[i]; i = (i + 1) & mask) {
        int h = home(entities[i], mask);
        // move i back into the hole unless its home lies cyclically in (hole, i]
        if (((i - h) & mask) >= ((i - hole) & mask)) {
          entities[hole] = entities[i];
          values[hole] = values[i];
          hole = i;
        }
      }
      used[hole] = false;
      count--;
    }

    void clear() {
      Arrays.fill(used, false);
      count = 0;
    }

    private void grow() {
      long[] oldEntities = entities;
      double[] oldValues = values;
      boolean[] oldUsed = used;
      int n = oldEntities.length * 2;
      entities = new long[n];
      values = new double[n];
      used = new boolean[n];
      count = 0;
      for (int i = 0; i < oldEntities.length; i++) {
        if (oldUsed[i]) {
          put(oldEntities[i], oldValues[i]);
        }
      }
    }

    private static int home(long entity, int mask) {
      long h = entity * 0x9E37_79B9_7F4A_7C15L;
      return (int) (h ^ (h >>> 32)) & mask;
    }
  }
}
