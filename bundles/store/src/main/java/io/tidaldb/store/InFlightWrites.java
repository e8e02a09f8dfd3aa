package io.tidaldb.store;

import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.TenantId;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One shard's session writes in flight ({@link SessionWrites}): an open-addressing map (linear
 * probing, backward-shift removal) keyed by (tenant, session, seq) holding per write its payload
 * hash, the epoch it is appended in, a stamp that tells this attempt from a later one of the same
 * key, and once appended its ticket and HLC. A write allocates nothing here (bench/RESULTS.md
 * §17.3: the {@code Key}, {@code Attempt} and future per write it replaces); a retry that must wait
 * for the first attempt's append creates the {@link Appended} future it waits on.
 *
 * <p>Layout (bench/RESULTS.md §17.4): an entry's numbers lie side by side in one {@code long[]}
 * ({@value #STRIDE} longs, one cache line), beside the tenant and waiter arrays, so an add or a
 * probe touches a few cache lines instead of nine; a key's slot is a hash of (session, seq) alone
 * (the tenant is compared, never hashed: a record's {@code hashCode} per probe). A {@link #sweep}
 * copies the entries still in flight into a spare set of arrays of the same capacity and swaps the
 * two (the spare is allocated at the first sweep after the map grew) instead of removing the
 * settled entries one by one; {@link #sweepDue} spaces the sweeps by twice the number of entries
 * the last one kept ({@value #MIN_SWEEP_EVERY} appends at the least), so a sweep costs O(1) per
 * append however many writes are in flight.
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

  /** Longs per entry in {@link Slots#data}, and their offsets. */
  private static final int STRIDE = 8;

  private static final int SESSION = 0;
  private static final int SEQ = 1;
  private static final int EPOCH = 2;
  private static final int STAMP = 3;
  private static final int TICKET = 4;
  private static final int HLC = 5;
  private static final int HASH = 6;

  /** The map's arrays: an empty slot has no tenant. */
  private static final class Slots {
    final TenantId[] tenants;
    final Appended[] waiters;
    final long[] data;

    Slots(int capacity) {
      tenants = new TenantId[capacity];
      waiters = new Appended[capacity];
      data = new long[capacity * STRIDE];
    }

    /** Copies the entry at {@code j} of {@code from} into slot {@code i}. */
    void copy(int i, Slots from, int j) {
      tenants[i] = from.tenants[j];
      waiters[i] = from.waiters[j];
      System.arraycopy(from.data, j * STRIDE, data, i * STRIDE, STRIDE);
    }

    /** Copies the entry at {@code j} of {@code from} into its first free slot here. */
    void insert(Slots from, int j) {
      int mask = tenants.length - 1;
      int i = slot(from.data[j * STRIDE + SESSION], from.data[j * STRIDE + SEQ], mask);
      while (tenants[i] != null) {
        i = (i + 1) & mask;
      }
      copy(i, from, j);
    }
  }

  private Slots t = new Slots(MIN_CAPACITY);
  private Slots spare;
  private int size;
  private long nextStamp;
  private int sweepEvery = MIN_SWEEP_EVERY;
  private int appendsSinceSweep;

  /** Waiters of appends still running when {@link #clear} forgot their entries, by stamp. */
  private Map<Long, Appended> orphans;

  /** Returns the slot of (tenant, session, seq), or -1. */
  int find(TenantId tenant, long session, long seq) {
    TenantId[] tenants = t.tenants;
    long[] data = t.data;
    int mask = tenants.length - 1;
    for (int i = slot(session, seq, mask); tenants[i] != null; i = (i + 1) & mask) {
      if (data[i * STRIDE + SESSION] == session
          && data[i * STRIDE + SEQ] == seq
          && (tenants[i] == tenant || tenant.equals(tenants[i]))) {
        return i;
      }
    }
    return -1;
  }

  /** Adds (tenant, session, seq), absent, as an append starting now in {@code epoch}; its stamp. */
  long add(TenantId tenant, long session, long seq, int payloadHash, long epoch) {
    if (2 * (size + 1) > t.tenants.length) {
      resize(t.tenants.length * 2);
    }
    int mask = t.tenants.length - 1;
    int i = slot(session, seq, mask);
    while (t.tenants[i] != null) {
      i = (i + 1) & mask;
    }
    long stamp = ++nextStamp;
    t.tenants[i] = tenant;
    t.waiters[i] = null;
    long[] data = t.data;
    int at = i * STRIDE;
    data[at + SESSION] = session;
    data[at + SEQ] = seq;
    data[at + EPOCH] = epoch;
    data[at + STAMP] = stamp;
    data[at + TICKET] = APPENDING;
    data[at + HLC] = 0;
    data[at + HASH] = payloadHash;
    size++;
    appendsSinceSweep++;
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
    int i = find(tenant, session, seq);
    if (i < 0 || t.data[i * STRIDE + STAMP] != stamp) {
      return orphan(stamp);
    }
    t.data[i * STRIDE + TICKET] = ticket;
    t.data[i * STRIDE + HLC] = hlc;
    Appended w = t.waiters[i];
    t.waiters[i] = null;
    return w;
  }

  /**
   * Removes the attempt {@code stamp} of (tenant, session, seq), whose append failed; returns the
   * future a retry waits on, or null if none waits.
   */
  Appended failed(TenantId tenant, long session, long seq, long stamp) {
    int i = find(tenant, session, seq);
    if (i < 0 || t.data[i * STRIDE + STAMP] != stamp) {
      return orphan(stamp);
    }
    Appended w = t.waiters[i];
    removeAt(i);
    return w;
  }

  /** Returns the future a retry of the write at {@code slot}, still appending, waits on. */
  Appended waiter(int slot) {
    Appended w = t.waiters[slot];
    if (w == null) {
      w = t.waiters[slot] = new Appended();
    }
    return w;
  }

  int payloadHash(int slot) {
    return (int) t.data[slot * STRIDE + HASH];
  }

  long epoch(int slot) {
    return t.data[slot * STRIDE + EPOCH];
  }

  /** The ticket of the write at {@code slot}, or {@link #APPENDING}. */
  long ticket(int slot) {
    return t.data[slot * STRIDE + TICKET];
  }

  long hlc(int slot) {
    return t.data[slot * STRIDE + HLC];
  }

  int size() {
    return size;
  }

  /**
   * Removes every write appended in another epoch than {@code epoch}, or in it below {@code
   * appliedBelow} (the table holds it); the writes still appending stay. Copies the rest into the
   * spare arrays and swaps them in, and spaces the next sweep by what it kept (see the class
   * comment).
   */
  void sweep(long epoch, long appliedBelow) {
    int capacity = t.tenants.length;
    if (spare == null || spare.tenants.length != capacity) {
      spare = new Slots(capacity);
    }
    Slots from = t;
    int kept = 0;
    for (int j = 0; j < capacity; j++) {
      if (from.tenants[j] != null && !settled(j, epoch, appliedBelow)) {
        spare.insert(from, j);
        kept++;
      }
    }
    t = spare;
    spare = from;
    Arrays.fill(from.tenants, null); // empty again, and holds no references
    Arrays.fill(from.waiters, null);
    size = kept;
    appendsSinceSweep = 0;
    sweepEvery = Math.max(MIN_SWEEP_EVERY, 2 * kept);
  }

  /** Whether the table decides for the write at {@code slot} now. */
  boolean settled(int slot, long epoch, long appliedBelow) {
    long ticket = t.data[slot * STRIDE + TICKET];
    if (ticket == APPENDING) {
      return false; // an append still running finishes first, then settles
    }
    return t.data[slot * STRIDE + EPOCH] != epoch || SignalTickets.position(ticket) < appliedBelow;
  }

  /**
   * Forgets every write (the shard's log was cut); the futures retries wait on for appends still
   * running are kept for those appends to complete.
   */
  void clear() {
    for (int i = 0; i < t.tenants.length; i++) {
      if (t.waiters[i] != null) {
        if (orphans == null) {
          orphans = new HashMap<>();
        }
        orphans.put(t.data[i * STRIDE + STAMP], t.waiters[i]);
      }
    }
    Arrays.fill(t.tenants, null);
    Arrays.fill(t.waiters, null);
    size = 0;
  }

  /** Removes the entry at {@code slot}, moving back the entries of its probe run. */
  void removeAt(int slot) {
    TenantId[] tenants = t.tenants;
    int mask = tenants.length - 1;
    int hole = slot;
    for (int j = (hole + 1) & mask; tenants[j] != null; j = (j + 1) & mask) {
      int home = slot(t.data[j * STRIDE + SESSION], t.data[j * STRIDE + SEQ], mask);
      // j's entry may fill the hole unless its home lies cyclically in (hole, j]
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        t.copy(hole, t, j);
        hole = j;
      }
    }
    tenants[hole] = null;
    t.waiters[hole] = null;
    size--;
  }

  private Appended orphan(long stamp) {
    return orphans == null || orphans.isEmpty() ? null : orphans.remove(stamp);
  }

  private void resize(int capacity) {
    Slots old = t;
    t = new Slots(capacity);
    spare = null; // of the old capacity
    for (int k = 0; k < old.tenants.length; k++) {
      if (old.tenants[k] != null) {
        t.insert(old, k);
      }
    }
  }

  private static int slot(long session, long seq, int mask) {
    long h = (session * 0x9E3779B97F4A7C15L + seq) * 0xC2B2AE3D27D4EB4FL;
    h ^= h >>> 29;
    h *= 0x94D049BB133111EBL;
    return (int) (h ^ (h >>> 32)) & mask;
  }
}
