package io.tidaldb.session.table;

/**
 * The windows of a {@link SessionTable}'s sessions: a window whose only entry is the session's
 * highest seq (the usual idle state: the client acknowledged everything but its last write) lives
 * inline in the session's entry ({@link SessionSlots}: position in the window word, payload hash
 * and HLC distance below the last HLC in the inline word); any other window is a list in the {@link
 * WindowPool}. The form is a function of the window's contents, the highest seq and the last HLC
 * ({@link #attach}), so tables fed the same records hold the same forms. An entry is named by a
 * reference: a pool index, {@link #INLINE}, or {@link #NONE}. Allocation-free except when the pool
 * grows. Not thread-safe.
 */
final class SessionWindows {
  static final int NONE = WindowPool.NONE;
  static final int INLINE = -2;

  /** Largest distance of the inline entry's HLC below the last HLC: 2^32 - 1 (about 65 s). */
  static final long MAX_INLINE_DISTANCE = 0xFFFF_FFFFL;

  private static final long POOL_BASE = -3;

  private final SessionSlots slots;
  private final WindowPool pool = new WindowPool();
  private int inline;

  SessionWindows(SessionSlots slots) {
    this.slots = slots;
  }

  /** Entries of all windows, inline and pooled. */
  int entries() {
    return inline + pool.entries();
  }

  /** Entries held inline. */
  int inlineEntries() {
    return inline;
  }

  /** Returns the reference of the highest-seq entry of e's window, or {@link #NONE}. */
  int first(int e) {
    long w = slots.get(e, SessionSlots.WINDOW);
    if (w >= 0) {
      return INLINE;
    }
    return w <= POOL_BASE ? (int) (POOL_BASE - w) : NONE;
  }

  /** Returns the reference of the entry after r in e's window, or {@link #NONE}. */
  int next(int r) {
    return r == INLINE ? NONE : pool.next(r);
  }

  long seq(int e, int r) {
    return r == INLINE ? slots.get(e, SessionSlots.HIGHEST) : pool.seq(r);
  }

  long position(int e, int r) {
    return r == INLINE ? slots.get(e, SessionSlots.WINDOW) : pool.position(r);
  }

  long hlc(int e, int r) {
    return r == INLINE
        ? slots.get(e, SessionSlots.LAST_HLC)
            - (slots.get(e, SessionSlots.INLINE) & MAX_INLINE_DISTANCE)
        : pool.hlc(r);
  }

  int hash(int e, int r) {
    return r == INLINE ? (int) (slots.get(e, SessionSlots.INLINE) >>> 32) : pool.hash(r);
  }

  /** Returns the reference of seq in e's window, or {@link #NONE}. */
  int find(int e, long seq) {
    for (int r = first(e); r != NONE && seq(e, r) >= seq; r = next(r)) {
      if (seq(e, r) == seq) {
        return r;
      }
    }
    return NONE;
  }

  /** Returns the number of entries of e's window. */
  int count(int e) {
    return countFrom(e, Long.MIN_VALUE);
  }

  /** Returns the number of entries of e's window with seq at or above {@code low}. */
  int countFrom(int e, long low) {
    int n = 0;
    for (int r = first(e); r != NONE && seq(e, r) >= low; r = next(r)) {
      n++;
    }
    return n;
  }

  /**
   * Moves e's live window into the pool (the inline entry's HLC read against the current last HLC)
   * and returns the list's head; e's window word is stale until {@link #attach}.
   */
  int detach(int e) {
    long w = slots.get(e, SessionSlots.WINDOW);
    if (w >= 0) {
      int head = pool.insert(NONE, seq(e, INLINE), w, hlc(e, INLINE), hash(e, INLINE));
      inline--;
      return head;
    }
    return w <= POOL_BASE ? (int) (POOL_BASE - w) : NONE;
  }

  /**
   * Stores a pool list as e's window, once e's highest seq and last HLC are final: a single entry
   * of the highest seq whose HLC lies at most {@link #MAX_INLINE_DISTANCE} below the last HLC goes
   * inline (its pool entry is freed); any other list stays in the pool.
   */
  void attach(int e, int head) {
    if (head == NONE) {
      slots.set(e, SessionSlots.WINDOW, SessionSlots.EMPTY);
      slots.set(e, SessionSlots.INLINE, 0);
      return;
    }
    long distance = slots.get(e, SessionSlots.LAST_HLC) - pool.hlc(head);
    if (pool.next(head) == NONE
        && pool.seq(head) == slots.get(e, SessionSlots.HIGHEST)
        && distance >= 0
        && distance <= MAX_INLINE_DISTANCE) {
      slots.set(e, SessionSlots.WINDOW, pool.position(head));
      slots.set(e, SessionSlots.INLINE, ((long) pool.hash(head) << 32) | distance);
      pool.freeAll(head);
      inline++;
    } else {
      slots.set(e, SessionSlots.WINDOW, POOL_BASE - head);
      slots.set(e, SessionSlots.INLINE, 0);
    }
  }

  /** Frees e's live window and marks e a tombstone. */
  void tombstone(int e) {
    long w = slots.get(e, SessionSlots.WINDOW);
    if (w >= 0) {
      inline--;
    } else if (w <= POOL_BASE) {
      pool.freeAll((int) (POOL_BASE - w));
    }
    slots.set(e, SessionSlots.WINDOW, SessionSlots.TOMBSTONE);
    slots.set(e, SessionSlots.INLINE, 0);
  }

  /** Drops the entries below {@code low} from a pool list; returns its head. */
  int dropBelow(int head, long low) {
    return pool.dropBelow(head, low);
  }

  /** Returns whether a pool list holds seq. */
  boolean holds(int head, long seq) {
    return pool.find(head, seq) != NONE;
  }

  /** Inserts an entry the pool list does not hold; returns its head. */
  int insert(int head, long seq, long position, long hlc, int hash) {
    return pool.insert(head, seq, position, hlc, hash);
  }

  /** Bytes of the pool's arrays (inline entries are counted in the session entries). */
  long memoryBytes() {
    return pool.memoryBytes();
  }
}
