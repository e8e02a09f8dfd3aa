package io.tidaldb.store;

import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.TenantId;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One shard's session writes in flight ({@link SessionWrites}): a ring of entries in the order they
 * were added (registration order), each holding its (tenant, session, seq), payload hash, the epoch
 * it is appended in, a stamp that tells this attempt from a later one of the same key, and once
 * appended its ticket and HLC. A write allocates nothing here (bench/RESULTS.md §17.3); a retry
 * that must wait for the first attempt's append creates the {@link Appended} future it waits on.
 *
 * <p>Layout (bench/RESULTS.md §17.5): an entry's numbers lie side by side in one {@code long[]}
 * ({@value #STRIDE} longs), beside the tenant and waiter arrays, and entries are written one after
 * the other, so a write touches the cache lines its predecessors just touched instead of a random
 * slot of a hash table several times larger than what is in flight (the map this replaces: its
 * scattered stores missed the cache and stalled the writer at its next fence, the monitor's exit, a
 * quarter of the writer's time at window 1,024). Stamps grow in ring order, so {@link #appended}
 * and {@link #failed} find their entry by a binary search of the stamps. A key is looked up ({@link
 * #find}) by a walk of the ring, but only when the session's <em>bound</em> (the highest seq of its
 * entries, kept in a small open-addressing map of (tenant, session)) is at or above the seq: a
 * client's next seq is above every seq it has in flight, so a new write never walks; a retry (or a
 * seq sent out of order) does.
 *
 * <p>An entry leaves by a {@link #sweep}, which compacts the ring in place (keeping the order) to
 * the entries still in flight and rebuilds the bounds from them; {@link #removeAt} and {@link
 * #failed} only mark an entry dead, for the next sweep to drop. {@link #sweepDue} spaces the sweeps
 * by twice the number of entries the last one kept ({@value #MIN_SWEEP_EVERY} appends at the
 * least), so a sweep costs O(1) per append however many writes are in flight.
 *
 * <p>Not thread-safe: {@link SessionWrites} guards each instance with its monitor.
 */
final class InFlightWrites {
  /** What a waiting retry gets once the first attempt's append returns: {ticket, hlc}. */
  static final class Appended extends CompletableFuture<long[]> {}

  /** The ticket of a write whose append has not returned yet. */
  static final long APPENDING = -1;

  /** Appends between two sweeps at the least. */
  static final int MIN_SWEEP_EVERY = 1024;

  private static final int MIN_CAPACITY = 64;

  /** Longs per entry in {@link #data}, and their offsets. */
  private static final int STRIDE = 8;

  private static final int SESSION = 0;
  private static final int SEQ = 1;
  private static final int EPOCH = 2;
  private static final int STAMP = 3;
  private static final int TICKET = 4;
  private static final int HLC = 5;
  private static final int HASH = 6;

  /** The ring: entry {@code i} (counted from 0 at the head) lies at {@code (head + i) & mask}. */
  private TenantId[] tenants = new TenantId[MIN_CAPACITY]; // null: a dead entry

  private Appended[] waiters = new Appended[MIN_CAPACITY];
  private long[] data = new long[MIN_CAPACITY * STRIDE];
  private int head;
  private int count; // entries from the head, dead ones included
  private int live;

  private final SessionBounds bounds = new SessionBounds();
  private long nextStamp;
  private int sweepEvery = MIN_SWEEP_EVERY;
  private int appendsSinceSweep;

  /** Waiters of appends still running when {@link #clear} forgot their entries, by stamp. */
  private Map<Long, Appended> orphans;

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

  /** Adds (tenant, session, seq), absent, as an append starting now in {@code epoch}; its stamp. */
  long add(TenantId tenant, long session, long seq, int payloadHash, long epoch) {
    if (count == tenants.length) {
      resize(tenants.length * 2);
    }
    int i = (head + count) & (tenants.length - 1);
    long stamp = ++nextStamp;
    tenants[i] = tenant;
    long[] d = data;
    int at = i * STRIDE;
    d[at + SESSION] = session;
    d[at + SEQ] = seq;
    d[at + EPOCH] = epoch;
    d[at + STAMP] = stamp;
    d[at + TICKET] = APPENDING;
    d[at + HLC] = 0;
    d[at + HASH] = payloadHash;
    count++;
    live++;
    appendsSinceSweep++;
    bounds.raise(tenant, session, seq);
    return stamp;
  }

  /** Whether enough appends passed since the last sweep for the next one. */
  boolean sweepDue() {
    return appendsSinceSweep >= sweepEvery;
  }

  /**
   * Records the append of the attempt {@code stamp} of (tenant, session, seq): its ticket and HLC;
   * returns the future a retry waits on, or null if none waits.
   */
  Appended appended(TenantId tenant, long session, long seq, long stamp, long ticket, long hlc) {
    int i = slotOf(stamp);
    if (i < 0) {
      return orphan(stamp);
    }
    data[i * STRIDE + TICKET] = ticket;
    data[i * STRIDE + HLC] = hlc;
    Appended w = waiters[i];
    waiters[i] = null;
    return w;
  }

  /**
   * Removes the attempt {@code stamp} of (tenant, session, seq), whose append failed; returns the
   * future a retry waits on, or null if none waits.
   */
  Appended failed(TenantId tenant, long session, long seq, long stamp) {
    int i = slotOf(stamp);
    if (i < 0) {
      return orphan(stamp);
    }
    Appended w = waiters[i];
    removeAt(i);
    return w;
  }

  /** Returns the future a retry of the write at {@code slot}, still appending, waits on. */
  Appended waiter(int slot) {
    Appended w = waiters[slot];
    if (w == null) {
      w = waiters[slot] = new Appended();
    }
    return w;
  }

  int payloadHash(int slot) {
    return (int) data[slot * STRIDE + HASH];
  }

  long epoch(int slot) {
    return data[slot * STRIDE + EPOCH];
  }

  /** The ticket of the write at {@code slot}, or {@link #APPENDING}. */
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
   * appliedBelow} (the table holds it), and every dead entry; the writes still appending stay.
   * Compacts the ring in place, in order, rebuilds the sessions' bounds from what it kept, and
   * spaces the next sweep by what it kept (see the class comment).
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
        waiters[to] = waiters[from];
        System.arraycopy(data, from * STRIDE, data, to * STRIDE, STRIDE);
      }
      bounds.raise(tenants[to], data[to * STRIDE + SESSION], data[to * STRIDE + SEQ]);
      kept++;
    }
    for (int k = kept; k < count; k++) { // hold no references past the kept entries
      int i = (head + k) & mask;
      tenants[i] = null;
      waiters[i] = null;
    }
    count = kept;
    live = kept;
    appendsSinceSweep = 0;
    sweepEvery = Math.max(MIN_SWEEP_EVERY, 2 * kept);
  }

  /** Whether the table decides for the write at {@code slot} now. */
  boolean settled(int slot, long epoch, long appliedBelow) {
    long ticket = data[slot * STRIDE + TICKET];
    if (ticket == APPENDING) {
      return false; // an append still running finishes first, then settles
    }
    return data[slot * STRIDE + EPOCH] != epoch || SignalTickets.position(ticket) < appliedBelow;
  }

  /**
   * Forgets every write (the shard's log was cut); the futures retries wait on for appends still
   * running are kept for those appends to complete.
   */
  void clear() {
    int mask = tenants.length - 1;
    for (int k = 0; k < count; k++) {
      int i = (head + k) & mask;
      if (waiters[i] != null) {
        if (orphans == null) {
          orphans = new HashMap<>();
        }
        orphans.put(data[i * STRIDE + STAMP], waiters[i]);
      }
    }
    Arrays.fill(tenants, null);
    Arrays.fill(waiters, null);
    head = 0;
    count = 0;
    live = 0;
    bounds.clear();
  }

  /** Removes the entry at {@code slot}: marks it dead, for the next sweep to drop. */
  void removeAt(int slot) {
    tenants[slot] = null;
    waiters[slot] = null;
    live--;
  }

  /** The slot of the entry with {@code stamp} (stamps grow from the head), or -1. */
  private int slotOf(long stamp) {
    int mask = tenants.length - 1;
    int lo = 0;
    int hi = count - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int i = (head + mid) & mask;
      long s = data[i * STRIDE + STAMP];
      if (s < stamp) {
        lo = mid + 1;
      } else if (s > stamp) {
        hi = mid - 1;
      } else {
        return tenants[i] == null ? -1 : i;
      }
    }
    return -1;
  }

  private Appended orphan(long stamp) {
    return orphans == null || orphans.isEmpty() ? null : orphans.remove(stamp);
  }

  private void resize(int capacity) {
    int mask = tenants.length - 1;
    TenantId[] t = new TenantId[capacity];
    Appended[] w = new Appended[capacity];
    long[] d = new long[capacity * STRIDE];
    for (int k = 0; k < count; k++) {
      int i = (head + k) & mask;
      t[k] = tenants[i];
      w[k] = waiters[i];
      System.arraycopy(data, i * STRIDE, d, k * STRIDE, STRIDE);
    }
    tenants = t;
    waiters = w;
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
