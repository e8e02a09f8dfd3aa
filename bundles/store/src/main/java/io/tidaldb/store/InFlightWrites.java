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
 * <p>Not thread-safe: {@link SessionWrites} guards each instance with its monitor.
 */
final class InFlightWrites {
  /** What a waiting retry gets once the first attempt's append returns: {ticket, hlc}. */
  static final class Appended extends CompletableFuture<long[]> {}

  /** The ticket of a write whose append has not returned yet. */
  static final long APPENDING = -1;

  private static final int MIN_CAPACITY = 64;

  private TenantId[] tenants = new TenantId[MIN_CAPACITY];
  private long[] sessions = new long[MIN_CAPACITY];
  private long[] seqs = new long[MIN_CAPACITY];
  private int[] hashes = new int[MIN_CAPACITY];
  private long[] epochs = new long[MIN_CAPACITY];
  private long[] stamps = new long[MIN_CAPACITY];
  private long[] tickets = new long[MIN_CAPACITY];
  private long[] hlcs = new long[MIN_CAPACITY];
  private Appended[] waiters = new Appended[MIN_CAPACITY];
  private int size;
  private long nextStamp;

  /** Waiters of appends still running when {@link #clear} forgot their entries, by stamp. */
  private Map<Long, Appended> orphans;

  /** Appends since the last sweep ({@link SessionWrites} counts). */
  int appendsSinceSweep;

  /** Returns the slot of (tenant, session, seq), or -1. */
  int find(TenantId tenant, long session, long seq) {
    int mask = tenants.length - 1;
    for (int i = slot(tenant, session, seq, mask); tenants[i] != null; i = (i + 1) & mask) {
      if (sessions[i] == session && seqs[i] == seq && tenant.equals(tenants[i])) {
        return i;
      }
    }
    return -1;
  }

  /** Adds (tenant, session, seq), absent, as an append starting now in {@code epoch}; its stamp. */
  long add(TenantId tenant, long session, long seq, int payloadHash, long epoch) {
    if (2 * (size + 1) > tenants.length) {
      resize(tenants.length * 2);
    }
    int mask = tenants.length - 1;
    int i = slot(tenant, session, seq, mask);
    while (tenants[i] != null) {
      i = (i + 1) & mask;
    }
    long stamp = ++nextStamp;
    put(i, tenant, session, seq, payloadHash, epoch, stamp, APPENDING, 0, null);
    size++;
    return stamp;
  }

  /**
   * Records the append of the attempt {@code stamp} of (tenant, session, seq): its ticket and HLC;
   * returns the future a retry waits on, or null if none waits.
   */
  Appended appended(TenantId tenant, long session, long seq, long stamp, long ticket, long hlc) {
    int i = find(tenant, session, seq);
    if (i < 0 || stamps[i] != stamp) {
      return orphan(stamp);
    }
    tickets[i] = ticket;
    hlcs[i] = hlc;
    Appended w = waiters[i];
    waiters[i] = null;
    return w;
  }

  /**
   * Removes the attempt {@code stamp} of (tenant, session, seq), whose append failed; returns the
   * future a retry waits on, or null if none waits.
   */
  Appended failed(TenantId tenant, long session, long seq, long stamp) {
    int i = find(tenant, session, seq);
    if (i < 0 || stamps[i] != stamp) {
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
    return hashes[slot];
  }

  long epoch(int slot) {
    return epochs[slot];
  }

  /** The ticket of the write at {@code slot}, or {@link #APPENDING}. */
  long ticket(int slot) {
    return tickets[slot];
  }

  long hlc(int slot) {
    return hlcs[slot];
  }

  int size() {
    return size;
  }

  /**
   * Removes every write appended in another epoch than {@code epoch}, or in it below {@code
   * appliedBelow} (the table holds it); the writes still appending stay.
   */
  void sweep(long epoch, long appliedBelow) {
    appendsSinceSweep = 0;
    for (int i = 0; i < tenants.length; ) {
      if (tenants[i] != null && settled(i, epoch, appliedBelow)) {
        removeAt(i); // a later entry may have moved here: look at it next
      } else {
        i++;
      }
    }
  }

  /** Whether the table decides for the write at {@code slot} now. */
  boolean settled(int slot, long epoch, long appliedBelow) {
    long ticket = tickets[slot];
    if (ticket == APPENDING) {
      return false; // an append still running finishes first, then settles
    }
    return epochs[slot] != epoch || SignalTickets.position(ticket) < appliedBelow;
  }

  /**
   * Forgets every write (the shard's log was cut); the futures retries wait on for appends still
   * running are kept for those appends to complete.
   */
  void clear() {
    for (int i = 0; i < tenants.length; i++) {
      if (waiters[i] != null) {
        if (orphans == null) {
          orphans = new HashMap<>();
        }
        orphans.put(stamps[i], waiters[i]);
      }
    }
    Arrays.fill(tenants, null);
    Arrays.fill(waiters, null);
    size = 0;
  }

  /** Removes the entry at {@code slot}, moving back the entries of its probe run. */
  void removeAt(int slot) {
    int mask = tenants.length - 1;
    int hole = slot;
    for (int j = (hole + 1) & mask; tenants[j] != null; j = (j + 1) & mask) {
      int home = slot(tenants[j], sessions[j], seqs[j], mask);
      // j's entry may fill the hole unless its home lies cyclically in (hole, j]
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        put(
            hole,
            tenants[j],
            sessions[j],
            seqs[j],
            hashes[j],
            epochs[j],
            stamps[j],
            tickets[j],
            hlcs[j],
            waiters[j]);
        hole = j;
      }
    }
    tenants[hole] = null;
    waiters[hole] = null;
    size--;
  }

  private Appended orphan(long stamp) {
    return orphans == null || orphans.isEmpty() ? null : orphans.remove(stamp);
  }

  private void put(
      int i,
      TenantId tenant,
      long session,
      long seq,
      int payloadHash,
      long epoch,
      long stamp,
      long ticket,
      long hlc,
      Appended waiter) {
    tenants[i] = tenant;
    sessions[i] = session;
    seqs[i] = seq;
    hashes[i] = payloadHash;
    epochs[i] = epoch;
    stamps[i] = stamp;
    tickets[i] = ticket;
    hlcs[i] = hlc;
    waiters[i] = waiter;
  }

  private void resize(int capacity) {
    TenantId[] oldTenants = tenants;
    long[] oldSessions = sessions;
    long[] oldSeqs = seqs;
    int[] oldHashes = hashes;
    long[] oldEpochs = epochs;
    long[] oldStamps = stamps;
    long[] oldTickets = tickets;
    long[] oldHlcs = hlcs;
    Appended[] oldWaiters = waiters;
    tenants = new TenantId[capacity];
    sessions = new long[capacity];
    seqs = new long[capacity];
    hashes = new int[capacity];
    epochs = new long[capacity];
    stamps = new long[capacity];
    tickets = new long[capacity];
    hlcs = new long[capacity];
    waiters = new Appended[capacity];
    int mask = capacity - 1;
    for (int k = 0; k < oldTenants.length; k++) {
      if (oldTenants[k] != null) {
        int i = slot(oldTenants[k], oldSessions[k], oldSeqs[k], mask);
        while (tenants[i] != null) {
          i = (i + 1) & mask;
        }
        put(
            i,
            oldTenants[k],
            oldSessions[k],
            oldSeqs[k],
            oldHashes[k],
            oldEpochs[k],
            oldStamps[k],
            oldTickets[k],
            oldHlcs[k],
            oldWaiters[k]);
      }
    }
  }

  private static int slot(TenantId tenant, long session, long seq, int mask) {
    long h = (session * 0x9E3779B97F4A7C15L + seq) * 0xC2B2AE3D27D4EB4FL + tenant.hashCode();
    h ^= h >>> 29;
    h *= 0x94D049BB133111EBL;
    return (int) (h ^ (h >>> 32)) & mask;
  }
}
