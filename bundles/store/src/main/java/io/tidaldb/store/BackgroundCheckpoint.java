package io.tidaldb.store;

import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.support.errors.ErrorCounters;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Writes a shard's periodic snapshots off its commit thread, so a checkpoint of millions of
 * entities stalls no commit.
 *
 * <p>On the commit thread, right after the batch that makes a snapshot due, {@link #onApplied}
 * takes a consistent copy of the state at the applied position under the read lock ({@link
 * EntityStateMap#freeze}: the slot arrays are copied, states are copied on their next write) and
 * hands it to the snapshot executor. There, under the shard's checkpoint lock, the copy is written
 * as an ordinary snapshot, the map thawed, and old snapshots and WAL segments trimmed. At most one
 * is pending per shard. A cut of the log ({@link ShardTruncation}) between the copy and the write
 * discards the copy (it describes the cut history). A failure (a RuntimeException or an Error) is
 * counted, logged once per cause (then summarised at most once a minute), leaves the WAL untouched,
 * and the next attempt comes {@code snapshotEvery} records later.
 */
final class BackgroundCheckpoint {
  private static final Logger LOG = LoggerFactory.getLogger(BackgroundCheckpoint.class);
  private static final long SUMMARY_EVERY_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final ShardState shard;
  private final Executor executor;
  private final long every;
  private final LongAdder failures = new LongAdder();
  private final ErrorCounters errors;
  private volatile CompletableFuture<Void> pending;
  private volatile long attempted;

  BackgroundCheckpoint(ShardState shard, Executor executor, long every) {
    this.shard = shard;
    this.executor = executor;
    this.every = every;
    this.errors =
        new ErrorCounters(
            LOG, "shard " + shard.shard + ": background snapshot", Level.WARN, SUMMARY_EVERY_NANOS);
  }

  /** Commit thread, after applying {@code batch}: starts a snapshot if one is due and none runs. */
  void onApplied(WalBatch batch) {
    long position = shard.appliedPosition();
    if (pending != null || position - Math.max(shard.snapshotPosition(), attempted) < every) {
      return;
    }
    attempted = position;
    EntityStateMap.Frozen frozen;
    SeriesRegistry.Series[] series;
    int cuts;
    shard.lock.readLock().lock();
    try {
      frozen = shard.states.freeze();
      series = shard.registry.snapshot();
      cuts = shard.cuts();
    } finally {
      shard.lock.readLock().unlock();
    }
    LogAnchor anchor = LogAnchor.of(batch);
    CompletableFuture<Void> task = new CompletableFuture<>();
    pending = task;
    try {
      executor.execute(() -> write(task, frozen, series, position, anchor, cuts));
    } catch (RejectedExecutionException e) {
      shard.thaw();
      pending = null;
      task.complete(null);
      LOG.debug("shard {}: snapshot at {} not started, executor closed", shard.shard, position);
    }
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

  private void write(
      CompletableFuture<Void> task,
      EntityStateMap.Frozen frozen,
      SeriesRegistry.Series[] series,
      long position,
      LogAnchor anchor,
      int cuts) {
    try {
      synchronized (shard.checkpointLock) {
        try {
          if (shard.cuts() != cuts) {
            LOG.info("shard {}: snapshot at {} discarded: the log was cut", shard.shard, position);
            return;
          }
          shard.snapshots.write(position, series, frozen, 0, anchor);
          shard.snapshotWritten(position);
        } finally {
          shard.thaw();
        }
        shard.trimAfterSnapshot();
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
      task.complete(null);
    }
  }
}
