package io.tidaldb.session.table;

import java.util.Arrays;

/**
 * The sessions of a {@link SessionTable}: dense entries of six longs and one int in pages of 1,024
 * (so growth never copies the entries, only the page arrays), and an open-addressing index of ints
 * from (tenant, session) to entry. 52 bytes per entry, plus 4 bytes per index slot at a load of at
 * most 0.75. There are no links between entries: expiry sweeps the entries with a cursor ({@link
 * SessionTable}). Removal moves the last entry into the hole, so entries stay dense and their order
 * is a function of the applied records. Not thread-safe.
 *
 * <p>Entry layout, longs: session id; highest seq; last HLC; acked below; window word; inline word.
 * The window word says what the window holds ({@link SessionWindows}): {@link #EMPTY}, {@link
 * #TOMBSTONE}, a pool list ({@code -3 - head}) or, when it is {@code >= 0}, one inline entry whose
 * seq is the highest seq and whose log position is the word itself; the inline word then holds the
 * entry's payload hash (high 32 bits) and how far its HLC lies below the last HLC (low 32,
 * unsigned). Int: the tenant index.
 */
final class SessionSlots {
  static final int NONE = -1;
  static final long EMPTY = -1;
  static final long TOMBSTONE = -2;

  static final int SESSION = 0;
  static final int HIGHEST = 1;
  static final int LAST_HLC = 2;
  static final int ACKED = 3;
  static final int WINDOW = 4;
  static final int INLINE = 5;
  static final int STRIDE = 6;

  private static final int PAGE_SHIFT = 10;
  private static final int PAGE_ENTRIES = 1 << PAGE_SHIFT;
  private static final int PAGE_MASK = PAGE_ENTRIES - 1;
  private static final int MIN_INDEX = 16;

  private long[][] pages = new long[4][];
  private int[][] tenantPages = new int[4][];
  private int[] index = new int[MIN_INDEX];
  private int resizeAt = MIN_INDEX * 3 / 4;
  private int size;

  int size() {
    return size;
  }

  long get(int e, int field) {
    return pages[e >>> PAGE_SHIFT][(e & PAGE_MASK) * STRIDE + field];
  }

  void set(int e, int field, long value) {
    pages[e >>> PAGE_SHIFT][(e & PAGE_MASK) * STRIDE + field] = value;
  }

  int tenant(int e) {
    return tenantPages[e >>> PAGE_SHIFT][e & PAGE_MASK];
  }

  boolean tombstone(int e) {
    return get(e, WINDOW) == TOMBSTONE;
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
   * As {@link #find}, for a reader without the lock that validates what it read afterwards (an
   * optimistic read, {@link SessionTable#checkAboveHighest}): the index array read once and probed
   * at most once round, so a probe of an index seen mid-change ends; it may throw an {@link
   * IndexOutOfBoundsException} or {@link NullPointerException} for entries seen mid-change, which
   * that caller turns into "decide under the lock".
   */
  int findRacy(int tenant, long session) {
    int[] idx = index;
    int mask = idx.length - 1;
    int i = hash(tenant, session) & mask;
    for (int n = 0; n < idx.length; n++, i = (i + 1) & mask) {
      int e = idx[i] - 1;
      if (e < 0) {
        return NONE;
      }
      if (get(e, SESSION) == session && tenant(e) == tenant) {
        return e;
      }
    }
    return NONE;
  }

  /**
   * Adds (tenant, session), absent, as the last entry: highest 0, last HLC 0, acked below 1, empty
   * window.
   */
  int add(int tenant, long session) {
    if (size + 1 > resizeAt) {
      growIndex();
    }
    int e = size++;
    int page = e >>> PAGE_SHIFT;
    if (page == pages.length) {
      pages = Arrays.copyOf(pages, pages.length * 2);
      tenantPages = Arrays.copyOf(tenantPages, tenantPages.length * 2);
    }
    if (pages[page] == null) {
      pages[page] = new long[PAGE_ENTRIES * STRIDE];
      tenantPages[page] = new int[PAGE_ENTRIES];
    }
    set(e, SESSION, session);
    set(e, HIGHEST, 0);
    set(e, LAST_HLC, 0);
    set(e, ACKED, 1);
    set(e, WINDOW, EMPTY);
    set(e, INLINE, 0);
    tenantPages[page][e & PAGE_MASK] = tenant;
    insertIndex(e);
    return e;
  }

  /** Removes an entry whose window is freed; the last entry moves into its place. */
  void remove(int e) {
    deleteSlot(slotOf(e));
    int last = --size;
    if (e != last) {
      int lastSlot = slotOf(last);
      for (int f = 0; f < STRIDE; f++) {
        set(e, f, get(last, f));
      }
      tenantPages[e >>> PAGE_SHIFT][e & PAGE_MASK] = tenant(last);
      index[lastSlot] = e + 1;
    }
    int spare = (size >>> PAGE_SHIFT) + 1;
    if ((size & PAGE_MASK) == 0 && spare < pages.length) {
      pages[spare] = null; // keep one spare page against add/remove churn
      tenantPages[spare] = null;
    }
  }

  /** Bytes of the arrays: pages, page arrays and index. */
  long memoryBytes() {
    long bytes = 2 * (16L + 8L * pages.length) + 16L + 4L * index.length;
    for (int p = 0; p < pages.length; p++) {
      if (pages[p] != null) {
        bytes += 16L + 8L * pages[p].length + 16L + 4L * tenantPages[p].length;
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
