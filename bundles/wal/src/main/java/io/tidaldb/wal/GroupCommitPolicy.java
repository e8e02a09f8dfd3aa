package io.tidaldb.wal;

/**
 * Decides when the commit thread closes the pending batch. Pure: time is passed in, so the rules
 * are tested with explicit clock values. The triggers, in order:
 *
 * <ol>
 *   <li>{@link CommitTrigger#SIZE}: the buffer cannot take another signal record, or an appender is
 *       waiting for room;
 *   <li>{@link CommitTrigger#IMMEDIATE}: the log is closing, or no delay is configured (the batch
 *       holds whatever arrived while the previous fsync ran);
 *   <li>{@link CommitTrigger#DELAY}: the delay has passed since the batch's first record;
 *   <li>otherwise {@link CommitTrigger#NONE}: wait {@link #nanosUntilDue}.
 * </ol>
 */
final class GroupCommitPolicy {
  private final int capacityBytes;
  private final long delayNanos;

  GroupCommitPolicy(int capacityBytes, long delayNanos) {
    this.capacityBytes = capacityBytes;
    this.delayNanos = delayNanos;
  }

  CommitTrigger decide(
      int recordCount,
      int payloadBytes,
      boolean appendersWaiting,
      boolean closing,
      long firstAppendNanos,
      long nowNanos) {
    if (recordCount == 0) {
      return CommitTrigger.NONE;
    }
    if (appendersWaiting || payloadBytes + RecordDescriptor.SIGNAL_LENGTH > capacityBytes) {
      return CommitTrigger.SIZE;
    }
    if (closing || delayNanos == 0) {
      return CommitTrigger.IMMEDIATE;
    }
    return nowNanos - firstAppendNanos >= delayNanos ? CommitTrigger.DELAY : CommitTrigger.NONE;
  }

  long nanosUntilDue(long firstAppendNanos, long nowNanos) {
    return Math.max(1, firstAppendNanos + delayNanos - nowNanos);
  }

  boolean usesDelay() {
    return delayNanos > 0;
  }
}
