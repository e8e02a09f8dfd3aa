package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.reconcile.ClosedDigest;
import io.tidaldb.crdt.CrdtSignalState;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard's compaction of closed epochs (docs/design/replication.md, "Compaction of closed
 * epochs"): its closed digest, the apply of a COMPACT record, and the epochs the reconcile engine
 * steers by.
 *
 * <p>The closed digest through a cut-off {@code c} is the sum, mod 2^64, over the shard's entities
 * (all tenants) of {@code fmix64(keyHash(type, entity) * K1 + typeHash(tenant) * K2 +
 * closedHash(c))}, where {@link CrdtSignalState#closedHash} covers the landmark, the half-life, the
 * base entry and every log entry of an epoch {@code <= c}; an entity without such entries adds 0.
 * Names, never shard-local series ids, go in, so every region computes the same digest of the same
 * closed entries.
 *
 * <p>A COMPACT record carries the digest its leader held when it appended it. Every region that
 * applies the record (live, as a follower, or replaying after a restart) folds only if its own
 * digest equals it: a region whose crash lost a merge of closed entries (merges are durable only at
 * the next snapshot) would otherwise fold a base too small, which could win over every region's
 * full entries. Skipping is exact: its closed entries stay log entries, and merges with folded
 * regions replace them by the base.
 *
 * <p>"Nothing to fold" is cheap: the shard keeps a lower bound of the epoch of every log entry its
 * states hold ({@link #logEntries}, lowered before a batch's or a merge's entries go in; exact
 * after each scan and after a recovery, install or cut, {@link #recount}; unknown before the first:
 * always scan), and {@link #closedDigest} answers 0 digest and 0 entries without a scan for a
 * cut-off below it. That answer leaves out the base entries a scan would hash, which no one
 * compares: a leader probes only a cut-off with entries, and a peer's 0 entries against them is a
 * mismatch either way. The COMPACT record and its apply use the scan ({@link #scannedDigest},
 * {@link #digestLocked}).
 *
 * <p>Threading: {@link #apply} runs on the shard log's commit thread (or the recovery's replay)
 * holding no lock: its steps ({@link CompactSteps}) take the read lock for the check and the write
 * lock for the fold, a bounded number of slots per hold; {@link #digestLocked} under the read or
 * write lock; the epochs are volatile; the bound is lowered and recounted under the write lock and
 * set by a scan under the read lock (which finds the exact value while no writer runs).
 */
final class ShardCompaction {
  private static final Logger LOG = LoggerFactory.getLogger(ShardCompaction.class);

  private final ShardState s;
  private final AtomicLong skipped = new AtomicLong();
  private final AtomicLong gaveUp = new AtomicLong();
  private volatile int stepSlots = CompactSteps.STEP_SLOTS;
  private volatile Runnable betweenSteps = () -> {};
  private volatile CompactSteps lastRun;
  private volatile long foldedThrough = -1;
  private volatile long appliedEpoch = -1;

  /**
   * At most the epoch of every log entry of the shard's states; MAX_VALUE: none; MIN_VALUE: not
   * known yet (until the recovery's {@link #recount} or a scan), always scan.
   */
  private volatile long lowestLogEpoch = Long.MIN_VALUE;

  ShardCompaction(ShardState s) {
    this.s = s;
  }

  /** The highest cut-off of a COMPACT record this shard applied and folded, -1 if none. */
  long foldedThrough() {
    return foldedThrough;
  }

  /** The epoch of the last shard-log record applied (the highest seen), -1 if none. */
  long appliedEpoch() {
    return appliedEpoch;
  }

  /** How many COMPACT records this shard skipped because its closed digest differed. */
  long skipped() {
    return skipped.get();
  }

  /** Notes that records of {@code epoch} were applied (commit thread, replay, install). */
  void applied(long epoch) {
    if (epoch > appliedEpoch) {
      appliedEpoch = epoch;
    }
  }

  /** Takes the folded-through epoch of a loaded or installed snapshot (never moves it back). */
  void loaded(long snapshotFoldedThrough) {
    if (snapshotFoldedThrough > foldedThrough) {
      foldedThrough = snapshotFoldedThrough;
    }
  }

  /**
   * Notes that log entries of {@code epoch} may enter the states (a batch of that epoch, a merged
   * state whose lowest log entry is of it): lowers the bound. The caller holds the write lock, and
   * calls this before the entries go in.
   */
  void logEntries(long epoch) {
    if (epoch < lowestLogEpoch) {
      lowestLogEpoch = epoch;
    }
  }

  /** Recomputes the bound from every state (the states were replaced); under the write lock. */
  void recount() {
    long[] lowest = {Long.MAX_VALUE};
    s.states.forEach(
        (id, entity, state) -> lowest[0] = Math.min(lowest[0], state.lowestLogEpoch()));
    lowestLogEpoch = lowest[0];
  }

  /** The bound: at most the epoch of every log entry in the shard (MAX_VALUE if none). */
  long lowestLogEpoch() {
    return lowestLogEpoch;
  }

  /**
   * Computes the closed digest through {@code cutOff} under the shard's read lock; without a scan
   * (0 digest, 0 entries) when {@code cutOff} lies below every log entry's epoch.
   */
  ClosedDigest closedDigest(long cutOff) {
    s.lock.readLock().lock();
    try {
      if (cutOff < lowestLogEpoch) {
        return new ClosedDigest(s.shard, cutOff, 0, 0);
      }
      return digestLocked(cutOff);
    } finally {
      s.lock.readLock().unlock();
    }
  }

  /** Computes the closed digest through {@code cutOff} by a scan, under the shard's read lock. */
  ClosedDigest scannedDigest(long cutOff) {
    s.lock.readLock().lock();
    try {
      return digestLocked(cutOff);
    } finally {
      s.lock.readLock().unlock();
    }
  }

  /** Computes the closed digest through {@code cutOff}; the caller holds the read or write lock. */
  ClosedDigest digestLocked(long cutOff) {
    ClosedTerms terms = new ClosedTerms(s.registry.snapshot());
    long[] sum = {0, 0, Long.MAX_VALUE};
    s.states.forEach(
        (id, entity, state) -> {
          sum[2] = Math.min(sum[2], state.lowestLogEpoch());
          if (!terms.bound(id)) {
            return;
          }
          long closed = state.closedHash(cutOff);
          if (closed != 0) {
            sum[0] += terms.term(id, entity, closed);
            sum[1] += state.closedEntries(cutOff);
          }
        });
    lowestLogEpoch = sum[2]; // exact: no writer runs while the caller holds the lock
    return new ClosedDigest(s.shard, cutOff, sum[0], sum[1]);
  }

  /**
   * Applies a COMPACT record in steps ({@link CompactSteps}): if this shard's closed digest through
   * {@code cutOff} equals {@code digest}, folds every entity's closed entries ({@link
   * CrdtSignalState#fold}), keeping the reconciliation digests and copying a state a background
   * snapshot shares before changing it, and then raises {@link #foldedThrough}; else, or if the
   * steps gave up, skips the record (counted, logged). The caller holds no lock of the shard: each
   * step takes it for at most {@link CompactSteps#STEP_SLOTS} slots.
   */
  void apply(long cutOff, long digest, long position, String source) {
    long started = System.nanoTime();
    CompactSteps run = new CompactSteps(s, cutOff, stepSlots, betweenSteps);
    lastRun = run;
    CompactSteps.Outcome outcome = run.run(digest);
    long[] holds = run.holdsNanos();
    Arrays.sort(holds);
    long longest = holds.length == 0 ? 0 : holds[holds.length - 1];
    long median = holds.length == 0 ? 0 : holds[holds.length / 2];
    if (outcome == CompactSteps.Outcome.DIFFERS) {
      skipped.incrementAndGet();
      LOG.warn(
          "{}: COMPACT through epoch {} at position {} skipped: this region's closed digest {}"
              + " differs from the leader's {} (a crash lost merged closed entries); its {} closed"
              + " entries stay unfolded, reconciliation replaces them",
          source,
          cutOff,
          position,
          Long.toHexString(run.digest()),
          Long.toHexString(digest),
          run.entries());
      return;
    }
    if (outcome == CompactSteps.Outcome.GAVE_UP) {
      skipped.incrementAndGet();
      gaveUp.incrementAndGet();
      LOG.warn(
          "{}: COMPACT through epoch {} at position {} given up after {} steps and {} entities"
              + " folded: {}; the other closed entries stay unfolded (a later COMPACT or"
              + " reconciliation folds them), the folded-through epoch stays {}",
          source,
          cutOff,
          position,
          run.steps(),
          run.folded(),
          run.reason(),
          foldedThrough);
      return;
    }
    if (cutOff > foldedThrough) {
      foldedThrough = cutOff;
    }
    LOG.info(
        "{}: COMPACT through epoch {} at position {}: {} log entries of {} entities folded in {} us,"
            + " {} steps (lock holds: median {} us, longest {} us; {} restarts after the table grew)",
        source,
        cutOff,
        position,
        run.entries(),
        run.folded(),
        (System.nanoTime() - started) / 1_000,
        run.steps(),
        median / 1_000,
        longest / 1_000,
        run.restarts());
  }

  /**
   * The steps of the COMPACT record applied last or being applied (holds, restarts), null before.
   */
  CompactSteps lastRun() {
    return lastRun;
  }

  /** How many COMPACT records this shard skipped because their steps gave up (also skipped). */
  long gaveUp() {
    return gaveUp.get();
  }

  /**
   * Sets the slots per step and a hook run between steps (on the applying thread, no lock held):
   * for tests that interleave writers with an apply.
   */
  void steps(int slotsPerStep, Runnable hook) {
    if (slotsPerStep < 1) {
      throw new InvalidArgumentException("slotsPerStep", slotsPerStep, "must be >= 1");
    }
    stepSlots = slotsPerStep;
    betweenSteps = hook;
  }
}
