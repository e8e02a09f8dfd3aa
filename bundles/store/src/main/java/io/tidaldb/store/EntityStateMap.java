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
 *
 * <p>Each slot also keeps its state's content hash as of the last digest update ({@link
 * ShardDigest}: 0 for an empty state), so a digest update need not hash the state before the change
 * and a reconciliation scan ({@link #forEachHash}) reads three primitive arrays instead of every
 * state. Whoever changes a state in place goes through {@link ShardDigest#before} and {@link
 * ShardDigest#after} (which keep the slot's hash), or calls {@link ShardDigest#rebuild} after a
 * bulk change ({@link #put} and {@link #takeFrom} leave the hashes for it to set).
 *
 * <p>An index by reconciliation segment ({@link ReconcileHashes#segment}) finds the entries of one
 * (series, segment) without a scan ({@link #forEachInSegment}): every slot with a non-zero kept
 * hash is linked, when its hash first becomes non-zero ({@link #index}), into the chain of (series,
 * segment); chains are singly linked through each slot's index word, kept beside its hash so that a
 * walk reads one cache line per slot (the word holds the next slot and a tag of segment and series,
 * so a slot of another chain sharing the head is passed over on that line alone), their heads
 * hashed into an array of half the table's capacity (about one entry per chain), and rebuilt when
 * the table grows or loses a series. A slot whose state became empty stays linked (a visit skips
 * it); a slot never leaves its chain, since its segment is a function of its key. 10 bytes per
 * slot.
 */
final class EntityStateMap implements StateEntries {
  private static final int MIN_CAPACITY = 16;
  private static final float LOAD_FACTOR = 0.6f;
  private static final int END = -1;
  private static final int UNLINKED = -2;

  private long[] entities;
  private int[] series;
  private CrdtSignalState[] states;

  /** Per slot, the content hash of its state at the last digest update (0: empty). */
  private long[] hashes;

  /** Per slot, its index word (see {@link #word}). */
  private long[] words;

  /** The slot of the last {@link #getOrCreate}, for {@link ShardDigest} (-1 after a put). */
  private int lastSlot = -1;

  /** Per slot, the freeze epoch in which its state became private to this map (see freeze). */
  private int[] privateIn;

  /** Per chain, its first slot or {@link #END}; length half the capacity (a power of two). */
  private int[] heads;

  private int size;
  private int resizeAt;
  private int epoch;

  /** Counts the times the slots moved (a grow) or were replaced (see {@link #generation}). */
  private int generation;

  private FrozenStates frozen;

  EntityStateMap() {
    allocate(MIN_CAPACITY);
  }

  /** Visits every non-empty entry with its kept hash; see {@link #forEachHash}. */
  @FunctionalInterface
  interface HashVisitor {
    void visit(int seriesId, long entity, long contentHash);
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
    return getOrInsert(seriesId, entity, null);
  }

  /**
   * Returns the state of (series, entity), inserting {@code absent} (which the map then owns) if it
   * has none; its slot's kept hash is then 0, as for an empty state, until the digest's update.
   */
  CrdtSignalState getOrInsert(int seriesId, long entity, CrdtSignalState absent) {
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
        lastSlot = i;
        return s;
      }
    }
    CrdtSignalState created = absent == null ? new CrdtSignalState() : absent;
    privateIn[i] = epoch;
    hashes[i] = 0;
    if (put(i, seriesId, entity, created)) {
      i = slot(seriesId, entity);
    }
    lastSlot = i;
    return created;
  }

  /** Returns the slot of the last {@link #getOrCreate} if it holds {@code state}, else -1. */
  int slotOf(CrdtSignalState state) {
    int i = lastSlot;
    return i >= 0 && i < states.length && states[i] == state ? i : -1;
  }

  /** Returns the kept content hash of a slot (see {@link #slotOf}). */
  long hashAt(int slot) {
    return hashes[slot];
  }

  /** Keeps the content hash of a slot's state (0 if it is empty). */
  void setHash(int slot, long contentHash) {
    hashes[slot] = contentHash;
  }

  /**
   * Links a slot into the index under its segment unless it is linked already (a slot stays
   * linked). Call when its kept hash goes from 0 to non-zero: a slot with a non-zero kept hash is
   * always linked, so no other change of its hash needs to look.
   */
  void index(int slot, int segment) {
    if (nextOf(words[slot]) == UNLINKED) {
      link(slot, segment);
    }
  }

  /**
   * Visits the entries of (series, segment) whose kept hash is not 0, reading only their chain
   * (about as many slots as entries).
   */
  void forEachInSegment(int seriesId, int segment, HashVisitor visitor) {
    long[] h = hashes;
    long[] w = words;
    long tag = tag(seriesId, segment);
    boolean wide = seriesId > 0xFFFF || seriesId < 0; // the tag holds only the low 16 bits
    for (int i = heads[chain(seriesId, segment, heads.length - 1)]; i != END; ) {
      long word = w[i];
      long hash = h[i];
      if ((word & 0xFFFF_FFFFL) == tag && hash != 0 && (!wide || series[i] == seriesId)) {
        visitor.visit(seriesId, entities[i], hash);
      }
      i = nextOf(word);
    }
  }

  /** The table's capacity in slots (what a full scan reads). */
  int capacity() {
    return states.length;
  }

  /**
   * Returns the first slot with a non-zero kept hash that its chain does not reach or that is
   * linked under another segment than {@code segmentOf} gives, as text, or null (a check for
   * tests).
   */
  String staleIndex(java.util.function.IntBinaryOperator segmentOf) {
    for (int i = 0; i < states.length; i++) {
      if (states[i] == null || hashes[i] == 0) {
        continue;
      }
      int expected = segmentOf.applyAsInt(series[i], i);
      boolean found = false;
      for (int j = heads[chain(series[i], expected, heads.length - 1)];
          j != END;
          j = nextOf(words[j])) {
        found |= j == i;
      }
      if (!found || (words[i] & 0xFFFF_FFFFL) != tag(series[i], expected)) {
        return "series "
            + series[i]
            + " entity "
            + entities[i]
            + ": not indexed under segment "
            + expected;
      }
    }
    return null;
  }

  /** The entity of a slot (for {@link #staleIndex}'s segment function). */
  long entityAt(int slot) {
    return entities[slot];
  }

  /** Unlinks every slot (before a rebuild links them again through {@link #index}). */
  void clearIndex() {
    long unlinked = word(UNLINKED, 0);
    java.util.Arrays.fill(words, unlinked);
    java.util.Arrays.fill(heads, END);
  }

  /** Keeps a slot's content hash without indexing it (its series is unknown here). */
  void keepHash(int slot, long contentHash) {
    hashes[slot] = contentHash;
  }

  /** The hash a slot keeps for a state: its content hash, 0 if it is empty. */
  static long contentHashOf(CrdtSignalState state) {
    return state.isEmpty() ? 0 : state.contentHash();
  }

  /**
   * Visits every entry whose kept hash is not 0 (not empty) with that hash, reading no state: what
   * a reconciliation scan needs.
   */
  void forEachHash(HashVisitor visitor) {
    CrdtSignalState[] s = states;
    long[] h = hashes;
    for (int i = 0; i < s.length; i++) {
      if (h[i] != 0 && s[i] != null) {
        visitor.visit(series[i], entities[i], h[i]);
      }
    }
  }

  /**
   * Visits, in table order, every entry with a non-zero kept hash whose series is {@code wanted}
   * and whose segment ({@link ReconcileHashes#segment} of its key hash under {@code typeHashes} of
   * its series) is set in {@code segmentBits} ({@link java.util.BitSet#toLongArray} layout): the
   * sequential alternative to {@link #forEachInSegment}, with the filter in the loop so that only
   * the entries found reach the visitor.
   */
  void scanSegments(boolean[] wanted, long[] typeHashes, long[] segmentBits, HashVisitor visitor) {
    long[] h = hashes;
    int[] ids = series;
    long[] keys = entities;
    int slots = ids.length;
    for (int i = 0; i < slots; i++) {
      long content = h[i];
      if (content == 0) {
        continue;
      }
      int id = ids[i];
      if (id >= wanted.length || !wanted[id]) {
        continue;
      }
      long entity = keys[i];
      int segment = ReconcileHashes.segment(ReconcileHashes.keyHash(typeHashes[id], entity));
      int word = segment >>> 6;
      if (word < segmentBits.length && (segmentBits[word] & (1L << segment)) != 0) {
        visitor.visit(id, entity, content);
      }
    }
  }

  /** Visits every slot holding a state, with its slot index (a rebuild sets hashes by slot). */
  @FunctionalInterface
  interface SlotVisitor {
    void visit(int slot, int seriesId, long entity, CrdtSignalState state);
  }

  /**
   * Returns a counter that changes whenever entries move to other slots or are replaced (a grow, a
   * {@link #removeSeries}, {@link #takeFrom} or {@link #clear}): an iteration by slot index that
   * releases the lock between steps ({@link CompactSteps}) sees the same value before and after a
   * step only if every entry it visited kept its slot. Inserting into a free slot, replacing a
   * state in place and copy-on-write keep it.
   */
  int generation() {
    return generation;
  }

  /**
   * Visits the slots from {@code from} (inclusive) to {@code to} (exclusive, at most the capacity)
   * that hold a state.
   */
  void forEachSlot(int from, int to, SlotVisitor visitor) {
    CrdtSignalState[] s = states;
    for (int i = from, end = Math.min(to, s.length); i < end; i++) {
      if (s[i] != null) {
        visitor.visit(i, series[i], entities[i], s[i]);
      }
    }
  }

  /** Visits every slot holding a state. */
  void forEachSlot(SlotVisitor visitor) {
    CrdtSignalState[] s = states;
    for (int i = 0; i < s.length; i++) {
      if (s[i] != null) {
        visitor.visit(i, series[i], entities[i], s[i]);
      }
    }
  }

  /**
   * Returns the first entry whose kept hash differs from its state's content hash, as text, or null
   * (a check for tests: every change went through the digest or a rebuild).
   */
  String staleHash() {
    for (int i = 0; i < states.length; i++) {
      if (states[i] != null && hashes[i] != contentHashOf(states[i])) {
        return "series " + series[i] + " entity " + entities[i] + ": kept hash " + hashes[i];
      }
    }
    return null;
  }

  private int slot(int seriesId, long entity) {
    int mask = states.length - 1;
    for (int i = index(seriesId, entity, mask); ; i = (i + 1) & mask) {
      if (entities[i] == entity && series[i] == seriesId && states[i] != null) {
        return i;
      }
    }
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
        lastSlot = -1;
        return;
      }
    }
    privateIn[i] = epoch;
    put(i, seriesId, entity, state);
    lastSlot = -1;
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
    long[] oldHashes = hashes;
    long[] oldWords = words;
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
        hashes[i] = oldHashes[j];
        put(i, oldSeries[j], oldEntities[j], oldStates[j]);
        relink(i, oldWords[j]);
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
    hashes = other.hashes;
    words = other.words;
    heads = other.heads;
    lastSlot = -1;
    size = other.size;
    resizeAt = other.resizeAt;
    generation++;
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
      frozen.preImage(i, series[i], entities[i], states[i]);
    }
    privateIn[i] = epoch;
  }

  /** Fills a free slot; true if the table grew (the slots moved). */
  private boolean put(int slot, int seriesId, long entity, CrdtSignalState state) {
    entities[slot] = entity;
    series[slot] = seriesId;
    states[slot] = state;
    if (++size > resizeAt) {
      grow();
      return true;
    }
    return false;
  }

  private void grow() {
    long[] oldHashes = hashes;
    long[] oldWords = words;
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
        hashes[i] = oldHashes[j];
        relink(i, oldWords[j]);
        size++;
      }
    }
  }

  private void allocate(int capacity) {
    entities = new long[capacity];
    series = new int[capacity];
    states = new CrdtSignalState[capacity];
    privateIn = new int[capacity]; // epoch 0 precedes every freeze: shared while frozen
    hashes = new long[capacity];
    words = new long[capacity];
    heads = new int[capacity >>> 1];
    clearIndex();
    lastSlot = -1;
    size = 0;
    resizeAt = (int) (capacity * LOAD_FACTOR);
    generation++;
  }

  private void link(int slot, int segment) {
    int c = chain(series[slot], segment, heads.length - 1);
    words[slot] = word(heads[c], tag(series[slot], segment));
    heads[c] = slot;
  }

  /** Links a slot moved to {@code slot} again if its former index word was linked. */
  private void relink(int slot, long formerWord) {
    if (nextOf(formerWord) != UNLINKED) {
      link(slot, (int) (formerWord >>> 16) & 0xFFFF);
    }
  }

  /**
   * A slot's index word: the next slot of its chain ({@link #END}) or {@link #UNLINKED} in the high
   * 32 bits, its tag in the low 32 (segment in bits 16..31, the series id's low 16 bits below).
   */
  private static long word(int next, long tag) {
    return (long) next << 32 | tag;
  }

  private static long tag(int seriesId, int segment) {
    return (long) segment << 16 | (seriesId & 0xFFFF);
  }

  private static int nextOf(long word) {
    return (int) (word >> 32);
  }

  private static int chain(int seriesId, int segment, int mask) {
    int h = (seriesId * 0x10000 + segment) * 0x9E3779B9;
    return (h ^ (h >>> 15)) & mask;
  }

  private static int index(int seriesId, long entity, int mask) {
    long h = (entity ^ ((long) seriesId << 32 | seriesId)) * 0x9E3779B97F4A7C15L;
    h ^= h >>> 29;
    h *= 0xBF58476D1CE4E5B9L;
    return (int) (h ^ (h >>> 32)) & mask;
  }
}
