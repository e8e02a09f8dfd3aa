package io.tidaldb.store;

import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.TenantId;
import java.util.Arrays;

/**
 * One shard's session writes in flight ({@link SessionWrites}): a ring of entries in the order they
 * were appended, each holding its (tenant, session, seq), payload hash, the epoch it was appended
 * in, its ticket and HLC. An entry is added once its append returned, in the same hold of the
 * shard's monitor as the check that let it through ({@link SessionWrites}: one monitor pass per
 * write), so every entry a lookup meets has its ticket. A write allocates nothing here
 * (bench/RESULTS.md §17.3).
 *
 * <p>Layout (bench/RESULTS.md §17.5): an entry's numbers lie side by side in one {@code long[]}
 * ({@value #STRIDE} longs), beside the tenant array, and entries are written one after the other,
 * so a write touches the cache lines its predecessors just touched instead of a random slot of a
 * hash table several times larger than what is in flight (the map this replaces: its scattered
 * stores missed the cache and stalled the writer at its next fence, the monitor's exit, a quarter
 * of the writer's time at window 1,024). A key is looked up ({@link #find}) by a walk of the ring,
 * but only when the session's <em>bound</em> (the highest seq of its entries, kept in a small
 * open-addressing map of (tenant, session)) is at or above the seq: a client's next seq is above
 * every seq it has in flight, so a new write never walks; a retry (or a seq sent out of order)
 * does.
 *
 * <p>An entry leaves by a {@link #sweep}, which compacts the ring in place (keeping the order) to
 * the entries still in flight and rebuilds the bounds from them; {@link #removeAt} only marks an
 * entry dead, for the next sweep to drop. {@link #sweepDue} spaces the sweeps by twice the number
 * of entries the last one kept ({@value #MIN_SWEEP_EVERY} appends at the least), so a sweep costs
 * O(1) per append however many writes are in flight.
 *
 * <p>Not thread-safe: {@link SessionWrites} guards each instance with its monitor.
 */
final class InFlightWrites {
  /** Appends between two sweeps at the least. */
  static final int MIN_SWEEP_EVERY = 1024;

  private static final int MIN_CAPACITY = 64;

  /** Longs per entry in {@link #data}, and their offsets. */
  private static final int STRIDE = 8;

  private static final int SESSION = 0;
  private static final int SEQ = 1;
  private static final int EPOCH = 2;
  private static final int TICKET = 3;
  private static final int HLC = 4;
  private static final int HASH = 5;

  /** The ring: entry {@code i} (counted from 0 at the head) lies at {@code (head + i) & mask}. */
  private TenantId[] tenants = new TenantId[MIN_CAPACITY]; // null: a dead entry

  private long[] data = new long[MIN_CAPACITY * STRIDE];
  private int head;
  private int count; // entries from the head, dead ones included
  private int live;

  private final SessionBounds bounds = new SessionBounds();
  private int sweepEvery = MIN_SWEEP_EVERY;
  private int appendsSinceSweep;

  /** Returns the slot of (tenant, session, seq), or -1; valid until the next sweep or add. */
  int find(TenantId tenant, long session, long seq) {
    if (bounds.get(tenant, session) < seq) {
      return -1; // above every seq of the session in flight: the usual new write
    }
    int mask = tenants.length - 1;
    for (int k = count - 1; k >= 0; k--) { // newest first: a retry is usually of a recent write
      int i = (head + k) & mask;
      if (data[i * STRIDE + SEQ] == seq
          && data[i * STRIDE + SESSION] == session
          && tenants[i] != null
          && (tenants[i] == tenant || tenant.equals(tenants[i]))) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Adds (tenant, session, seq), absent, appended in {@code epoch} at {@code ticket} with {@code
   * hlc}.
   */
  void add(
      TenantId tenant, long session, long seq, int payloadHash, long epoch, long ticket, long hlc) {
    if (count == tenants.length) {
      resize(tenants.length * 2);
    }
    int i = (head + count) & (tenants.length - 1);
    tenants[i] = tenant;
    long[] d = data;
    int at = i * STRIDE;
    d[at + SESSION] = session;
    d[at + SEQ] = seq;
    d[at + EPOCH] = epoch;
    d[at + TICKET] = ticket;
    d[at + HLC] = hlc;
    d[at + HASH] = payloadHash;
    count++;
    live++;
    appendsSinceSweep++;
    bounds.raise(tenant, session, seq);
  }

  /** Whether enough appends passed since the last sweep for the next one. */
  boolean sweepDue() {
    return appendsSinceSweep >= sweepEvery;
  }

  int payloadHash(int slot) {
    return (int) data[slot * STRIDE + HASH];
  }

  long epoch(int slot) {
    return data[slot * STRIDE + EPOCH];
  }

  /** The ticket of the write at {@code slot}. */
  long ticket(int slot) {
    return data[slot * STRIDE + TICKET];
  }

  long hlc(int slot) {
    return data[slot * STRIDE + HLC];
  }

  /** Returns the number of writes in flight (dead entries not counted). */
  int size() {
    return live;
  }

  /** Returns the ring's capacity in entries (tests). */
  int capacity() {
    return tenants.length;
  }

  /**
   * Removes every write appended in another epoch than {@code epoch}, or in it below {@code
   * appliedBelow} (the table holds it), and every dead entry. Compacts the ring in place, in order,
   * rebuilds the sessions' bounds from what it kept, and spaces the next sweep by what it kept (see
   * the class comment).
   */
  void sweep(long epoch, long appliedBelow) {
    int mask = tenants.length - 1;
    bounds.clear();
    int kept = 0;
    for (int k = 0; k < count; k++) {
      int from = (head + k) & mask;
      if (tenants[from] == null || settled(from, epoch, appliedBelow)) {
        continue;
      }
      int to = (head + kept) & mask;
      if (to != from) {
        tenants[to] = tenants[from];
        System.arraycopy(data, from * STRIDE, data, to * STRIDE, STRIDE);
      }
      bounds.raise(tenants[to], data[to * STRIDE + SESSION], data[to * STRIDE + SEQ]);
      kept++;
    }
    for (int k = kept; k < count; k++) { // hold no references past the kept entries
      tenants[(head + k) & mask] = null;
    }
    count = kept;
    live = kept;
    appendsSinceSweep = 0;
    sweepEvery = Math.max(MIN_SWEEP_EVERY, 2 * kept);
  }

  /** Whether the table decides for the write at {@code slot} now. */
  boolean settled(int slot, long epoch, long appliedBelow) {
    return data[slot * STRIDE + EPOCH] != epoch
        || SignalTickets.position(data[slot * STRIDE + TICKET]) < appliedBelow;
  }

  /** Forgets every write (the shard's log was cut). */
  void clear() {
    Arrays.fill(tenants, null);
    head = 0;
    count = 0;
    live = 0;
    bounds.clear();
  }

  /** Removes the entry at {@code slot}: marks it dead, for the next sweep to drop. */
  void removeAt(int slot) {
    tenants[slot] = null;
    live--;
  }

  private void resize(int capacity) {
    int mask = tenants.length - 1;
    TenantId[] t = new TenantId[capacity];
    long[] d = new long[capacity * STRIDE];
    for (int k = 0; k < count; k++) {
      int i = (head + k) & mask;
      t[k] = tenants[i];
      System.arraycopy(data, i * STRIDE, d, k * STRIDE, STRIDE);
    }
    tenants = t;
    data = d;
    head = 0;
  }

  /**
   * The highest seq of each (tenant, session) with entries in the ring (an upper bound: dead
   * entries count until the next sweep rebuilds it): open addressing, linear probing, emptied and
   * rebuilt by each sweep, so it holds the sessions in flight.
   */
  private static final class SessionBounds {
    private TenantId[] tenants = new TenantId[16];
    private long[] sessions = new long[16];
    private long[] highest = new long[16];
    private int size;

    /** The highest seq of (tenant, session) in the ring, or -1 if it has none. */
    long get(TenantId tenant, long session) {
      int mask = tenants.length - 1;
      for (int i = slot(session, mask); tenants[i] != null; i = (i + 1) & mask) {
        if (sessions[i] == session && (tenants[i] == tenant || tenant.equals(tenants[i]))) {
          return highest[i];
        }
      }
      return -1;
    }

    void raise(TenantId tenant, long session, long seq) {
      int mask = tenants.length - 1;
      int i = slot(session, mask);
      for (; tenants[i] != null; i = (i + 1) & mask) {
        if (sessions[i] == session && (tenants[i] == tenant || tenant.equals(tenants[i]))) {
          if (highest[i] < seq) {
            highest[i] = seq;
          }
          return;
        }
      }
      tenants[i] = tenant;
      sessions[i] = session;
      highest[i] = seq;
      if (2 * ++size > tenants.length) {
        grow();
      }
    }

    void clear() {
      if (size > 0) {
        Arrays.fill(tenants, null);
        size = 0;
      }
    }

    private void grow() {
      TenantId[] t = tenants;
      long[] s = sessions;
      long[] h = highest;
      tenants = new TenantId[t.length * 2];
      sessions = new long[t.length * 2];
      highest = new long[t.length * 2];
      int mask = tenants.length - 1;
      for (int k = 0; k < t.length; k++) {
        if (t[k] != null) {
          int i = slot(s[k], mask);
          while (tenants[i] != null) {
            i = (i + 1) & mask;
          }
          tenants[i] = t[k];
          sessions[i] = s[k];
          highest[i] = h[k];
        }
      }
    }

    private static int slot(long session, int mask) {
      long h = session * 0x9E3779B97F4A7C15L;
      return (int) (h ^ (h >>> 32)) & mask;
    }
  }
}
