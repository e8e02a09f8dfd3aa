package io.tidaldb.wal;

import io.tidaldb.api.InvalidArgumentException;

/**
 * Which source feeds a shard's log, local appends or replicated batches, and the refusals that keep
 * them apart and in order. A source may take over only once everything the other one appended is
 * durable; a replicated batch must continue the log's positions exactly and must not carry an epoch
 * below that of the log's last record (epochs only grow along a log, so {@code (epoch, position)}
 * names one record: the log-matching property). This fences on the records, not on {@link
 * io.tidaldb.api.wal.ShardLog#epoch()}, which {@code advanceEpoch} raises before any record of that
 * epoch exists: a region elected and deposed before writing must still take its new leader's
 * batches of older epochs. A deposed leader's batches are fenced by replication (invariant I5).
 * Every refusal names the values and changes nothing. Called holding the {@link BatchHandoff}'s
 * monitor.
 */
final class FeedGuard {
  private final int shard;
  private final DurabilityTracker durability;
  private boolean replicated; // guarded by the handoff's monitor

  FeedGuard(int shard, DurabilityTracker durability) {
    this.shard = shard;
    this.durability = durability;
  }

  /** Allows a local append at {@code nextPosition}, or refuses it; switches the feed to local. */
  void local(long nextPosition) {
    if (replicated) {
      long pending = nextPosition - durability.durable();
      if (pending > 0) {
        throw new InvalidArgumentException(
            "append",
            pending + " replicated records pending",
            "shard "
                + shard
                + " takes local appends only once its replicated batches are durable (durable below "
                + (nextPosition - pending)
                + ", next position "
                + nextPosition
                + ")");
      }
      replicated = false;
    }
  }

  /**
   * Allows a replicated batch, or refuses it. Does not switch the feed: call {@link #accepted} once
   * the batch is taken.
   */
  void replicated(
      long nextPosition, long recordsEpoch, long firstPosition, long batchEpoch, int count) {
    if (firstPosition != nextPosition) {
      String kind = firstPosition < nextPosition ? "duplicate" : "gap";
      throw new InvalidArgumentException(
          "firstPosition",
          firstPosition,
          kind
              + ": shard "
              + shard
              + " expects a batch at position "
              + nextPosition
              + ", got one at "
              + firstPosition
              + " ("
              + count
              + " records, epoch "
              + batchEpoch
              + "); log unchanged");
    }
    if (batchEpoch < recordsEpoch) {
      throw new InvalidArgumentException(
          "epoch",
          batchEpoch,
          "stale: the last record of shard "
              + shard
              + " has epoch "
              + recordsEpoch
              + ", batch at position "
              + firstPosition
              + " carries epoch "
              + batchEpoch
              + "; log unchanged");
    }
    if (!replicated) {
      long pending = nextPosition - durability.durable();
      if (pending > 0) {
        throw new InvalidArgumentException(
            "batch",
            pending + " local records pending",
            "shard "
                + shard
                + " takes replicated batches only once its local appends are durable (durable below "
                + (nextPosition - pending)
                + ", next position "
                + nextPosition
                + "); log unchanged");
      }
    }
  }

  /** Marks the feed replicated after a batch was taken. */
  void accepted() {
    replicated = true;
  }
}
