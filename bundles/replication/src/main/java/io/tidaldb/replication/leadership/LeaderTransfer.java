package io.tidaldb.replication.leadership;

import io.tidaldb.api.RegionId;

/**
 * A leader's transfer of its leadership to one follower (Raft thesis §3.10), as a pure state: the
 * target, the deadline (one election timeout after the start) and the followers' durable HWMs this
 * leader heard in its epoch. The leader accepts no new writes while a transfer runs (so the target
 * can catch up), sends the target {@code TIMEOUT_NOW} once the target's HWM reached the leader's
 * durable log end, and gives up at the deadline. Also decides when to hand leadership back to the
 * shard's preferred region after a failover: once that region answered for a stable period and its
 * HWM equals the leader's log end. One thread.
 */
final class LeaderTransfer {
  private final long[] followerHwm;
  private final long[] answeringSince;
  private final long[] lastAnswer;
  private RegionId target;
  private int targetIndex = -1;
  private long deadlineNanos;
  private long epoch = -1;
  private long preferredBlockedUntil;

  LeaderTransfer(int regions) {
    this.followerHwm = new long[regions];
    this.answeringSince = new long[regions];
    this.lastAnswer = new long[regions];
  }

  /** Forgets what it heard: this region starts leading {@code newEpoch}. */
  void startLeading(long newEpoch, long nowNanos) {
    java.util.Arrays.fill(followerHwm, -1);
    java.util.Arrays.fill(answeringSince, Long.MIN_VALUE);
    target = null;
    targetIndex = -1;
    epoch = newEpoch;
    preferredBlockedUntil = nowNanos;
  }

  /** Starts a transfer to the region at {@code index} with the given deadline. */
  void start(RegionId to, int index, long deadline) {
    target = to;
    targetIndex = index;
    deadlineNanos = deadline;
  }

  /** Ends the transfer (given up, completed, or this region stopped leading). */
  void end() {
    target = null;
    targetIndex = -1;
  }

  /** Whether a transfer runs. */
  boolean active() {
    return target != null;
  }

  /** The target of the running transfer, or null. */
  RegionId target() {
    return target;
  }

  /** Whether the running transfer is past its deadline. */
  boolean expired(long nowNanos) {
    return target != null && nowNanos - deadlineNanos >= 0;
  }

  /** The epoch this region leads in, as told at {@link #startLeading}. */
  long epoch() {
    return epoch;
  }

  /**
   * Records a follower's durable HWM heard in this leader's epoch (a heartbeat ack or a data ack)
   * and that it answers; a region silent for {@code silenceNanos} starts a new stable period.
   *
   * @return whether it is the transfer's target and its HWM reached {@code logEnd}
   */
  boolean heard(int index, long hwm, long logEnd, long nowNanos, long silenceNanos) {
    if (hwm > followerHwm[index]) {
      followerHwm[index] = hwm;
    }
    if (answeringSince[index] == Long.MIN_VALUE || nowNanos - lastAnswer[index] > silenceNanos) {
      answeringSince[index] = nowNanos;
    }
    lastAnswer[index] = nowNanos;
    return index == targetIndex && followerHwm[index] >= logEnd;
  }

  /** Whether the region at {@code index} is known to hold the leader's log up to {@code logEnd}. */
  boolean caughtUp(int index, long logEnd) {
    return followerHwm[index] >= logEnd;
  }

  /**
   * Whether the preferred region (index {@code 0}) should get leadership back now: no transfer
   * runs, no attempt failed recently, it answered for at least {@code stableNanos} without a gap
   * and its HWM equals {@code logEnd}.
   */
  boolean preferredReady(long logEnd, long nowNanos, long stableNanos, long silenceNanos) {
    return target == null
        && nowNanos - preferredBlockedUntil >= 0
        && answeringSince[0] != Long.MIN_VALUE
        && nowNanos - lastAnswer[0] <= silenceNanos
        && nowNanos - answeringSince[0] >= stableNanos
        && followerHwm[0] >= logEnd;
  }

  /** Holds back the next return to the preferred region until {@code untilNanos}. */
  void blockPreferred(long untilNanos) {
    preferredBlockedUntil = untilNanos;
  }
}
