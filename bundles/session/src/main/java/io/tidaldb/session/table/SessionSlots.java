package io.tidaldb.session.table;

/**
 * The sessions of a {@link SessionTable}: dense entries of six longs in pages of 1,024 (so growth
 * never copies the entries, only the page array), an open-addressing index of ints from (tenant,
 * session) to entry, and two intrusive doubly linked lists through the entries: live sessions in
 * order of their last applied record, tombstones in order of expiry. 48 bytes per entry, plus 4
 * bytes per index slot at a load of at most 0.75. Removal moves the last entry into the hole, so
 * entries stay dense. Not thread-safe.
 *
 * <p>Entry layout (longs): session id; highest seq; last HLC; acked below; tenant index (high 32
 * bits) and window head (low 32: {@link WindowPool#NONE} for an empty window, {@link #TOMBSTONE});
 * previous (high 32) and next (low 32) entry in its list ({@link #NONE} at the ends).
 */
final class SessionSlots {
  static final int NONE = -1;
  static final int TOMBSTONE = -2;
  static final int LIVE = 0;
  static final int TOMBSTONES = 1;

  static final int SESSION = 0;
  static final int HIGHEST = 1;
  static final int LAST_HLC = 2;
  static final int ACKED = 3;
  private static final int TENANT_WINDOW = 4;
  private static final int LINKS = 5;
  static final int STRIDE = 6;

  private static final int PAGE_SHIFT = 10;
  private static final int PAGE_ENTRIES = 1 << PAGE_SHIFT;
  private static final int PAGE_MASK = PAGE_ENTRIES - 1;
  private static final int MIN_INDEX = 16;

  private long[][] pages = new long[4][];
  private int[] index = new int[MIN_INDEX];
  private int resizeAt = MIN_INDEX * 3 / 4;
  private int size;
  private final int[] heads = {NONE, NONE};
  private final int[] tails = {NONE, NONE};
  private final int[] lengths = new int[2];

  int size() {
    return size;
  }

  int length(int list) {
    return lengths[list];
  }

  int head(int list) {
    return heads[list];
  }

  long get(int e, int field) {
    return pages[e >>> PAGE_SHIFT][(e & PAGE_MASK) * STRIDE + field];
  }

  void set(int e, int field, long value) {
    pages[e >>> PAGE_SHIFT][(e & PAGE_MASK) * STRIDE + field] = value;
  }

  int tenant(int e) {
    return (int) (get(e, TENANT_WINDOW) >>> 32);
  }

  int window(int e) {
    return (int) get(e, TENANT_WINDOW);
  }

  void setWindow(int e, int window) {
    set(e, TENANT_WINDOW, ((long) tenant(e) << 32) | (window & 0xFFFF_FFFFL));
  }

  int next(int e) {
    return (int) get(e, LINKS);
  }

  private int prev(int e) {
    return (int) (get(e, LINKS) >>> 32);
  }

  private void setLinks(int e, int prev, int next) {
    set(e, LINKS, ((long) prev << 32) | (next & 0xFFFF_FFFFL));
  }

  /** Returns the entry of (tenant, session), or {@link #NONE}. Allocation-free. */
  int find(int tenant, long session) {
    int mask = index.length - 1;
    for (int i = hash(tenant, session) & mask; ; i = (i + 1) & mask) {
      int e = index[i] - 1;
      if (e < 0) {
        return NONE;
      }
      if (get(e, SESSION) == session && tenant(e) == tenant) {
        return e;
      }
    }
  }

  /**
   * Adds (tenant, session), absent, as a new unlinked entry: highest 0, last HLC 0, acked below 1,
   * empty window.
   */
  int add(int tenant, long session) {
    if (size + 1 > resizeAt) {
      growIndex();
    }
    int e = size++;
    int page = e >>> PAGE_SHIFT;
    if (page == pages.length) {
      pages = java.util.Arrays.copyOf(pages, pages.length * 2);
    }
    if (pages[page] == null) {
      pages[page] = new long[PAGE_ENTRIES * STRIDE];
    }
    set(e, SESSION, session);
    set(e, HIGHEST, 0);
    set(e, LAST_HLC, 0);
    set(e, ACKED, 1);
    set(e, TENANT_WINDOW, ((long) tenant << 32) | (NONE & 0xFFFF_FFFFL));
    setLinks(e, NONE, NONE);
    insertIndex(e);
    return e;
  }

  /** Removes an unlinked entry; the last entry moves into its place. */
  void remove(int e) {
    deleteSlot(slotOf(e));
    int last = --size;
    if (e != last) {
      int lastSlot = slotOf(last);
      for (int f = 0; f < STRIDE; f++) {
        set(e, f, get(last, f));
      }
      index[lastSlot] = e + 1;
      int list = window(e) == TOMBSTONE ? TOMBSTONES : LIVE;
      int p = prev(e);
      int n = next(e);
      if (p == NONE) {
        heads[list] = e;
      } else {
        setLinks(p, prev(p), e);
      }
      if (n == NONE) {
        tails[list] = e;
      } else {
        setLinks(n, e, next(n));
      }
    }
    if ((size & PAGE_MASK) == 0 && (size >>> PAGE_SHIFT) + 1 < pages.length) {
      pages[(size >>> PAGE_SHIFT) + 1] = null; // keep one spare page against add/remove churn
    }
  }

  void linkTail(int list, int e) {
    int t = tails[list];
    setLinks(e, t, NONE);
    if (t == NONE) {
      heads[list] = e;
    } else {
      setLinks(t, prev(t), e);
    }
    tails[list] = e;
    lengths[list]++;
  }

  void unlink(int list, int e) {
    int p = prev(e);
    int n = next(e);
    if (p == NONE) {
      heads[list] = n;
    } else {
      setLinks(p, prev(p), n);
    }
    if (n == NONE) {
      tails[list] = p;
    } else {
      setLinks(n, p, next(n));
    }
    setLinks(e, NONE, NONE);
    lengths[list]--;
  }

  /** Bytes of the arrays: pages, page array and index. */
  long memoryBytes() {
    long bytes = 16L + 8L * pages.length + 16L + 4L * index.length;
    for (long[] page : pages) {
      if (page != null) {
        bytes += 16L + 8L * page.length;
      }
    }
    return bytes;
  }

  private int slotOf(int e) {
    int mask = index.length - 1;
    for (int i = hash(tenant(e), get(e, SESSION)) & mask; ; i = (i + 1) & mask) {
      if (index[i] == e + 1) {
        return i;
      }
    }
  }

  private void insertIndex(int e) {
    int mask = index.length - 1;
    int i = hash(tenant(e), get(e, SESSION)) & mask;
    while (index[i] != 0) {
      i = (i + 1) & mask;
    }
    index[i] = e + 1;
  }

  /** Linear probing's backward-shift deletion: no markers, probe chains stay short. */
  private void deleteSlot(int slot) {
    int mask = index.length - 1;
    int i = slot;
    for (int j = (i + 1) & mask; index[j] != 0; j = (j + 1) & mask) {
      int e = index[j] - 1;
      int home = hash(tenant(e), get(e, SESSION)) & mask;
      boolean movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
      if (movable) {
        index[i] = index[j];
        i = j;
      }
    }
    index[i] = 0;
  }

  private void growIndex() {
    index = new int[index.length * 2];
    resizeAt = index.length / 4 * 3;
    for (int e = 0; e < size; e++) {
      insertIndex(e);
    }
  }

  static int hash(int tenant, long session) {
    long h = session ^ ((long) tenant * 0x9E3779B97F4A7C15L);
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    h ^= h >>> 33;
    return (int) h;
  }
}
