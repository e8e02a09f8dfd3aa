package io.tidaldb.store;

import io.tidaldb.crdt.CrdtSignalState;
import java.util.Arrays;
import java.util.concurrent.locks.Lock;

/**
 * The apply of one COMPACT record in bounded steps (docs/ARCHITECTURE.md, "Compaction of closed
 * epochs"): the check (this region's closed digest through the cut-off, summed step by step under
 * the read lock) and, if it equals the record's, the fold (every entity with closed entries, step
 * by step under the write lock), each step covering at most {@code stepSlots} slots of the shard's
 * map and releasing the lock after it, so readers, merges and the local log's commit thread run in
 * between.
 *
 * <p>Why a check whose steps interleave with writers is still safe: each entity is hashed once, at
 * some moment; the sum equals the leader's only if (barring collisions, as for an atomic check)
 * every entity then held exactly the leader's closed entries (an entity inserted behind the scan
 * adds nothing, so it had none in the leader's digest either). Between then and its fold, its
 * closed entries can only grow (a merge is a join; a local or later-epoch apply adds no closed
 * entry, and a landmark it moves rescales every entry by an exact power of two), and no region
 * holds closed entries beyond the agreed ones: so the fold sees exactly the leader's entries (or a
 * base of the cut-off or higher that a merge brought, which the fold leaves alone) and never makes
 * a smaller base. Entries keep their slots unless the table grows or is replaced, which changes
 * {@link EntityStateMap#generation}: the phase then restarts from slot 0 (the check with a fresh
 * sum; the fold skips the states it folded already, a fold being idempotent), at most {@value
 * #MAX_RESTARTS} times, then gives up. A cut or a snapshot install replaces the state ({@link
 * ShardState#cuts} changes; both refuse while the log holds records past its durable position, as
 * the record's batch does until its apply returns, so neither runs meanwhile): the apply gives up.
 * Giving up, like a differing digest, leaves the closed entries as log entries (some possibly
 * folded already: each fold is idempotent and merge-compatible), which reconciliation and a later
 * COMPACT take care of.
 *
 * <p>Runs on the shard log's commit thread (or the recovery's replay) without any lock held; one
 * instance per record.
 */
final class CompactSteps {
  /** Slots of the shard's map per lock hold: about 1-3 ms of hashing or folding. */
  static final int STEP_SLOTS = 16_384;

  /** The longest a step waits for the threads queued on the lock to take it. */
  static final long YIELD_NANOS = 10_000_000;

  /** How often a phase restarts after the table grew before the apply gives up. */
  static final int MAX_RESTARTS = 8;

  /** What an apply did. */
  enum Outcome {
    /** The digest equalled the record's, every closed entry is folded. */
    FOLDED,
    /** The digest differed: nothing folded. */
    DIFFERS,
    /** The table was replaced or kept growing: the fold stopped (see {@link #reason}). */
    GAVE_UP
  }

  private final ShardState s;
  private final long cutOff;
  private final int stepSlots;
  private final Runnable betweenSteps;
  private final ClosedTerms terms;
  private final int cuts;

  private long sum;
  private long entries;
  private long folded;
  private int steps;
  private int restarts;
  private long[] holds = new long[64];
  private String reason;
  private volatile boolean folding;

  CompactSteps(ShardState s, long cutOff, int stepSlots, Runnable betweenSteps) {
    this.s = s;
    this.cutOff = cutOff;
    this.stepSlots = stepSlots;
    this.betweenSteps = betweenSteps;
    this.terms = new ClosedTerms(s.registry.snapshot());
    this.cuts = s.cuts();
  }

  /** Checks this region's closed digest against {@code expected} and folds if they are equal. */
  Outcome run(long expected) {
    if (!eachStep(s.lock.readLock(), "check", this::resetSum, this::hash)) {
      return Outcome.GAVE_UP;
    }
    if (sum != expected) {
      return Outcome.DIFFERS;
    }
    folding = true;
    return eachStep(s.lock.writeLock(), "fold", () -> {}, this::fold)
        ? Outcome.FOLDED
        : Outcome.GAVE_UP;
  }

  /** Whether the check passed and the fold runs (or ran). */
  boolean folding() {
    return folding;
  }

  /** This region's closed digest as the check summed it. */
  long digest() {
    return sum;
  }

  /** The closed log entries the check counted. */
  long entries() {
    return entries;
  }

  /** How many entities the fold changed. */
  long folded() {
    return folded;
  }

  /** How many lock holds the apply took. */
  int steps() {
    return steps;
  }

  /** How often a phase restarted because the table grew. */
  int restarts() {
    return restarts;
  }

  /** Each step's lock hold in nanoseconds, in step order. */
  long[] holdsNanos() {
    return Arrays.copyOf(holds, steps);
  }

  /** Why the apply gave up, or null. */
  String reason() {
    return reason;
  }

  /**
   * Visits every slot of the map, {@code stepSlots} per hold of {@code lock}, running the hook
   * between holds; restarts from slot 0 (after {@code reset}) if the table moved in between.
   *
   * @return false if it gave up (the state was replaced, or the table kept growing)
   */
  private boolean eachStep(
      Lock lock, String phase, Runnable reset, EntityStateMap.SlotVisitor visitor) {
    int generation = 0;
    int from = 0;
    boolean done = false;
    while (!done) {
      lock.lock();
      long held = System.nanoTime();
      try {
        if (s.cuts() != cuts) {
          reason = "the shard's state was replaced (a cut or snapshot install) during the " + phase;
          return false;
        }
        if (from > 0 && s.states.generation() != generation) {
          if (++restarts > MAX_RESTARTS) {
            reason = "the table grew " + restarts + " times during the " + phase;
            return false;
          }
          reset.run();
          from = 0;
        }
        generation = s.states.generation();
        int to = (int) Math.min((long) from + stepSlots, s.states.capacity());
        s.states.forEachSlot(from, to, visitor);
        from = to;
        done = to >= s.states.capacity();
      } finally {
        held = System.nanoTime() - held;
        lock.unlock();
        if (steps == holds.length) {
          holds = Arrays.copyOf(holds, steps * 2);
        }
        holds[steps++] = held;
      }
      letWaitersIn();
      betweenSteps.run();
    }
    return true;
  }

  /**
   * Yields while threads wait for the shard's lock (up to {@link #YIELD_NANOS}): the lock is not
   * fair, so without this the next step's lock() would mostly barge ahead of a waiter that was just
   * woken but not yet scheduled, and a reader could wait through many steps.
   */
  private void letWaitersIn() {
    long until = System.nanoTime() + YIELD_NANOS;
    while (s.lock.hasQueuedThreads() && System.nanoTime() - until < 0) {
      Thread.yield();
    }
  }

  private void resetSum() {
    sum = 0;
    entries = 0;
  }

  private void hash(int slot, int id, long entity, CrdtSignalState state) {
    if (terms.bound(id)) {
      long closed = state.closedHash(cutOff);
      if (closed != 0) {
        sum += terms.term(id, entity, closed);
        entries += state.closedEntries(cutOff);
      }
    }
  }

  private void fold(int slot, int id, long entity, CrdtSignalState shared) {
    SeriesRegistry.Series series = s.registry.get(id);
    if (!terms.bound(id) || series == null || shared.closedEntries(cutOff) == 0) {
      return;
    }
    CrdtSignalState state = s.states.getOrCreate(id, entity); // a private copy if frozen
    s.digest.before(series, entity, state);
    state.fold(cutOff);
    s.digest.after(state);
    folded++;
  }
}
