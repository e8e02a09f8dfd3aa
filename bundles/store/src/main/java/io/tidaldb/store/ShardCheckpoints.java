package io.tidaldb.store;

import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.support.errors.ErrorCounters;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The checkpoints of one shard: periodic snapshots written off its commit thread, so a checkpoint
 * of millions of entities stalls no commit, and explicit ones ({@link #checkpoint}) on the caller's
 * thread.
 *
 * <p>On the commit thread, right after the batch that makes a snapshot due, {@link #onApplied}
 * takes a consistent copy of the state at the applied position under the read lock ({@link
 * EntityStateMap#freeze}: the slot arrays are copied, states are copied on their next write; the
 * session table is encoded into a buffer) and hands it to the snapshot executor. There, under the
 * shard's checkpoint lock, the copy is written as an ordinary snapshot, the map thawed, and old
 * snapshots and WAL segments trimmed. At most one is pending per shard. A cut of the log ({@link
 * ShardTruncation}) between the copy and the write discards the copy (it describes the cut
 * history). A failure (a RuntimeException or an Error) is counted, logged once per cause (then
 * summarised at most once a minute), leaves the WAL untouched, and the next attempt comes {@code
 * snapshotEvery} records later. A reconciliation merge that changed the state queues a checkpoint
 * of the live state on the same executor ({@link #afterMerge}), so merged states are durable one
 * snapshot write after a burst of merges ended (100 ms without one; at most 1 s after the first).
 */
final class ShardCheckpoints {
  private static final Logger LOG = LoggerFactory.getLogger(ShardCheckpoints.class);
  private static final long SUMMARY_EVERY_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** A merge checkpoint waits for this long without merges (see {@link #writeMerged}). */
  static final long MERGE_QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** ... but no longer than this after the merge that queued it. */
  static final long MERGE_MAX_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final ShardState shard;
  private final Executor executor;
  private final long every;

  /** The lowest log position replication needs kept ({@code Replication#retainFrom}). */
  private final LongSupplier retainFrom;

  private final LongAdder failures = new LongAdder();
  private final AtomicBoolean mergeCheckpointQueued = new AtomicBoolean();
  private volatile long lastMergeNanos;
  private volatile long firstQueuedNanos;
  private final ErrorCounters errors;
  private volatile CompletableFuture<Void> pending;
  private volatile long attempted;

  ShardCheckpoints(ShardState shard, Executor executor, long every, LongSupplier retainFrom) {
    this.shard = shard;
    this.executor = executor;
    this.every = every;
    this.retainFrom = retainFrom;
    this.errors =
        new ErrorCounters(
            LOG, "shard " + shard.shard + ": background snapshot", Level.WARN, SUMMARY_EVERY_NANOS);
  }

  /**
   * Writes a snapshot of the live state at the applied position and trims old snapshots and WAL
   * segments, after waiting (up to {@code timeoutNanos}) for a pending background snapshot. Not on
   * the commit thread.
   */
  void checkpoint(long timeoutNanos) {
    if (!awaitIdle(timeoutNanos)) {
      LOG.warn("shard {}: background snapshot still pending; checkpoint skipped", shard.shard);
      return;
    }
    synchronized (shard.checkpointLock) {
      if (writeLive()) {
        trimAfterSnapshot();
      }
    }
  }

  /**
   * After a reconciliation merge changed the state (any thread): queues a checkpoint of the live
   * state on the snapshot executor, unless one is queued and not started yet (it will see this
   * merge too). Merged states are fed by no record of this region's logs, so only a snapshot keeps
   * them (see {@link ShardReconcile}).
   */
  void afterMerge() {
    lastMergeNanos = System.nanoTime();
    if (!mergeCheckpointQueued.compareAndSet(false, true)) {
      return;
    }
    firstQueuedNanos = lastMergeNanos;
    try {
      executor.execute(this::writeMerged);
    } catch (RejectedExecutionException e) {
      mergeCheckpointQueued.set(false);
      LOG.debug("shard {}: merge checkpoint not started, executor closed", shard.shard);
    }
  }

  /**
   * The queued merge checkpoint, on the snapshot executor: first waits until no merge came for
   * {@link #MERGE_QUIET_NANOS} (a reconciliation session merges in bursts: one snapshot after the
   * burst instead of one racing it for the CPU), at most {@link #MERGE_MAX_DELAY_NANOS} after the
   * merge that queued it.
   */
  private void writeMerged() {
    awaitMergesQuiet();
    mergeCheckpointQueued.set(false); // a merge from now on queues another
    try {
      synchronized (shard.checkpointLock) {
        if (writeLive()) {
          trimAfterSnapshot();
        }
      }
    } catch (RuntimeException | Error e) {
      failures.increment();
      errors.record(
          e,
          System.nanoTime(),
          "checkpoint of merged states failed ("
              + failures.sum()
              + " failures so far); the next merge or checkpoint tries again: "
              + e);
    }
  }

  private void awaitMergesQuiet() {
    while (!Thread.currentThread().isInterrupted()) {
      long now = System.nanoTime();
      long quietFor = now - lastMergeNanos;
      long waited = now - firstQueuedNanos;
      if (quietFor >= MERGE_QUIET_NANOS || waited >= MERGE_MAX_DELAY_NANOS) {
        return;
      }
      LockSupport.parkNanos(Math.min(MERGE_QUIET_NANOS - quietFor, MERGE_MAX_DELAY_NANOS - waited));
    }
  }

  /**
   * Under the checkpoint lock: writes the live state at the applied position unless the newest
   * snapshot holds it already (same positions and every merge in it).
   *
   * @return whether a snapshot was written
   */
  private boolean writeLive() {
    shard.lock.readLock().lock();
    try {
      long position = shard.appliedPosition();
      long local = shard.localAppliedPosition();
      long merges = shard.merges();
      if (position == shard.snapshotPosition()
          && local == shard.snapshotLocalPosition()
          && merges == shard.durableMerges()) {
        return false;
      }
      LogAnchor anchor = LogAnchor.durable(shard.log, position);
      if (anchor == null) {
        LOG.debug(
            "shard {}: checkpoint skipped, position {} not yet durable", shard.shard, position);
        return false;
      }
      shard.snapshots.write(
          position,
          shard.registry.snapshot(),
          shard.states,
          0,
          anchor,
          local,
          shard.encodeSessions());
      shard.snapshotWritten(position, local);
      shard.mergesDurable(merges);
      return true;
    } finally {
      shard.lock.readLock().unlock();
    }
  }

  /** Deletes old snapshots and the WAL below the oldest kept one. Holds the checkpoint lock. */
  private void trimAfterSnapshot() {
    long snapshotKeepFrom = shard.snapshots.trim();
    long replicaKeepFrom = retainFrom.getAsLong();
    long keepFrom = Math.min(snapshotKeepFrom, replicaKeepFrom);
    if (replicaKeepFrom < snapshotKeepFrom) {
      LOG.debug(
          "shard {}: WAL kept from {} (not {}) for regions behind the leader",
          shard.shard,
          replicaKeepFrom,
          snapshotKeepFrom);
    }
    int deleted = shard.log.truncateBefore(keepFrom);
    int localDeleted = 0;
    if (shard.local != null) {
      // no further than the oldest kept snapshot's local position: recovery replays from there
      localDeleted =
          shard.local.log.truncateBefore(
              Math.min(shard.snapshots.localKeepFrom(), shard.localAppliedPosition()));
    }
    LOG.debug(
        "shard {} snapshot at {}; {} WAL segments and {} local log segments deleted",
        shard.shard,
        shard.snapshotPosition(),
        deleted,
        localDeleted);
  }

  /** Commit thread, after applying {@code batch}: starts a snapshot if one is due and none runs. */
  void onApplied(WalBatch batch) {
    // Only this thread moves the applied position here: a cut (ShardTruncation) is refused while
    // a batch is applied but not yet durable, as this one is.
    long position = shard.appliedPosition();
    if (pending != null
        || position - Math.max(shard.snapshotPosition(), attempted) < every
        || batch.firstPosition() + batch.recordCount() != position) {
      return;
    }
    attempted = position;
    Copy copy;
    shard.lock.readLock().lock();
    try {
      // the local stream applies under the write lock too: the view and its local position agree
      copy =
          new Copy(
              new CompletableFuture<>(),
              shard.states.freeze(shard.lock.readLock()),
              shard.registry.snapshot(),
              shard.encodeSessions(), // a copy: the table changes after the lock is released
              position,
              shard.localAppliedPosition(),
              LogAnchor.of(batch),
              shard.cuts());
    } finally {
      shard.lock.readLock().unlock();
    }
    pending = copy.task;
    try {
      executor.execute(writer(copy));
    } catch (RejectedExecutionException e) {
      shard.thaw();
      pending = null;
      copy.task.complete(null);
      LOG.debug("shard {}: snapshot at {} not started, executor closed", shard.shard, position);
    }
  }

  /**
   * What the commit thread copied for a background snapshot: the state's view, the series, the
   * encoded session tables, the positions, the anchor and the cut count it was taken at, and the
   * task that completes when the snapshot is written or given up.
   */
  private record Copy(
      CompletableFuture<Void> task,
      FrozenStates frozen,
      SeriesRegistry.Series[] series,
      ByteBuffer sessions,
      long position,
      long local,
      LogAnchor anchor,
      int cuts) {}

  private Runnable writer(Copy copy) {
    return () -> write(copy);
  }

  /**
   * At open, after recovery and before the commit thread applies anything: takes the commit
   * thread's part of a checkpoint once and drops it (the view frozen and thawed, the series and
   * session table copied, the hand-off's future made and its task's call site linked; the store
   * starts its snapshot thread with an empty task). Otherwise the commit that starts the first
   * checkpoint loads some twenty classes, initialises the common fork-join pool, links lambdas and
   * starts a thread: 7–11 ms measured on that one commit, whatever the shard's size (bench/
   * RESULTS.md §18.3).
   */
  void warmUp() {
    shard.lock.readLock().lock();
    try {
      shard.states.freeze(shard.lock.readLock());
      shard.registry.snapshot();
      shard.encodeSessions();
    } finally {
      shard.lock.readLock().unlock();
      shard.thaw();
    }
    // the future's class initialises the common pool; the task's call site is linked, never run
    writer(new Copy(new CompletableFuture<>(), null, null, null, -1, -1, null, -1));
  }

  /**
   * Waits until no snapshot is pending.
   *
   * @return false if one still is after {@code timeoutNanos}
   */
  boolean awaitIdle(long timeoutNanos) {
    CompletableFuture<Void> task = pending;
    if (task == null) {
      return true;
    }
    try {
      task.get(timeoutNanos, TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return true; // write() completes normally; failures are counted there
    }
  }

  /** Returns how many background snapshots failed. */
  long failures() {
    return failures.sum();
  }

  private void write(Copy copy) {
    long position = copy.position;
    try {
      synchronized (shard.checkpointLock) {
        try {
          if (shard.cuts() != copy.cuts) {
            LOG.info("shard {}: snapshot at {} discarded: the log was cut", shard.shard, position);
            return;
          }
          shard.snapshots.write(
              position, copy.series, copy.frozen, 0, copy.anchor, copy.local, copy.sessions);
          shard.snapshotWritten(position, copy.local);
        } finally {
          shard.thaw();
        }
        trimAfterSnapshot();
      }
    } catch (RuntimeException | Error e) { // an Error too: the copy is thawed, the WAL untouched
      failures.increment();
      errors.record(
          e,
          System.nanoTime(),
          "snapshot at "
              + position
              + " failed ("
              + failures.sum()
              + " failures so far); the WAL keeps everything, next attempt after "
              + every
              + " more records: "
              + e);
    } finally {
      pending = null;
      copy.task.complete(null);
    }
  }
}
