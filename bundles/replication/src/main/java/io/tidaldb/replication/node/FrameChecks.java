package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDescriptor;

/**
 * Checks what a received frame's fields mean, after {@link
 * io.tidaldb.replication.wire.FrameDecoder} checked their bytes, against the state of the shard it
 * names; one instance per {@link ShardReplica}. A frame that fails is dropped, counted per {@link
 * NodeDrop} cause and logged once per cause with the values; the region keeps serving.
 *
 * <ul>
 *   <li>Epochs: no frame may carry an epoch more than {@link #MAX_EPOCH_JUMP} ahead of the shard's
 *       local epoch. Legitimate epochs grow by one per election round of one region (at most a few
 *       per second), so 2^32 is more than a century of uninterrupted elections, and a region that
 *       ran elections alone for days (a long partition) is still let back; a forged or corrupted
 *       epoch moves a region at most that far per frame, so {@code epoch + 1} never overflows in
 *       practice (it would take 2^31 such frames), where one frame at {@code Long.MAX_VALUE} used
 *       to end the shard's elections for good. (A ceiling near {@code Long.MAX_VALUE} instead would
 *       only move the wall: one frame at the ceiling and no later epoch is accepted.) A WAL batch
 *       may not be of an epoch above the one this region knows its leader by.
 *   <li>Body fields: positions and HWMs not negative; a last or found epoch not negative and not
 *       above the frame's own epoch (for PRE_VOTE_REQUEST the proposed epoch, which the shard's
 *       leadership answers without entering it).
 *   <li>Positions against the local log: a leader takes no ACK whose HWM is above its own durable
 *       position (a follower only holds what the leader made durable) and no RESEND_REQUEST beyond
 *       it.
 *   <li>EPOCH_END: only from the region this follower knows as leader of the frame's epoch, in
 *       answer to the EPOCH_END_REQUEST it has outstanding there ({@link ControlFrames}), with a
 *       found epoch not above the one it asked for, and, for an epoch before the leader's, an end
 *       not beyond the HWM that leader announced in a heartbeat of its epoch (where an older epoch
 *       ends in its log cannot be beyond what it holds). A leader's answer sent before it announced
 *       that HWM is refused and asked for again at the next heartbeat interval.
 * </ul>
 *
 * <p>Not thread-safe: the region's replication thread, which owns the shard, calls it.
 */
final class FrameChecks {
  /** How far ahead of the local epoch a received frame's epoch may be. */
  static final long MAX_EPOCH_JUMP = 1L << 32;

  private final int shard;
  private final ShardLog log;
  private final DropCounters drops;

  FrameChecks(int shard, ShardLog log, DropCounters drops) {
    this.shard = shard;
    this.log = log;
    this.drops = drops;
  }

  /** Whether the frame's epoch is at most {@link #MAX_EPOCH_JUMP} ahead of {@code localEpoch}. */
  boolean epoch(RegionId from, Frame f, long localEpoch) {
    if (f.epoch() - localEpoch > MAX_EPOCH_JUMP) {
      drops.drop(
          NodeDrop.EPOCH_TOO_FAR_AHEAD,
          from,
          f
              + ": epoch "
              + f.epoch()
              + " is more than "
              + MAX_EPOCH_JUMP
              + " ahead of shard "
              + shard
              + "'s epoch "
              + localEpoch);
      return false;
    }
    return true;
  }

  /** Whether the body's positions and epochs are in range (see the class comment). */
  boolean fields(RegionId from, Frame f) {
    return switch (f.type()) {
      case FrameDescriptor.ACK -> notNegative(from, f, "hwm", f.ackHwm());
      case FrameDescriptor.RESEND_REQUEST -> notNegative(from, f, "from position", f.resendFrom());
      case FrameDescriptor.HEARTBEAT ->
          notNegative(from, f, "leader hwm", f.heartbeatLeaderHwm())
              && notNegative(from, f, "commit", f.heartbeatCommit());
      case FrameDescriptor.HEARTBEAT_ACK -> notNegative(from, f, "hwm", f.heartbeatAckHwm());
      case FrameDescriptor.VOTE_REQUEST ->
          notNegative(from, f, "hwm", f.voteRequestHwm())
              && epochField(from, f, "last epoch", f.voteRequestLastEpoch());
      case FrameDescriptor.PRE_VOTE_REQUEST ->
          notNegative(from, f, "hwm", f.preVoteRequestHwm())
              && epochField(from, f, "last epoch", f.preVoteRequestLastEpoch());
      case FrameDescriptor.TIMEOUT_NOW -> notNegative(from, f, "log end", f.timeoutNowLogEnd());
      case FrameDescriptor.EPOCH_END_REQUEST ->
          epochField(from, f, "last epoch", f.epochEndRequestLastEpoch());
      case FrameDescriptor.EPOCH_END ->
          notNegative(from, f, "end position", f.epochEndPosition())
              && epochField(from, f, "found epoch", f.epochEndFoundEpoch());
      case FrameDescriptor.SNAPSHOT_OFFER ->
          notNegative(from, f, "position", f.snapshotOfferPosition())
              && notNegative(from, f, "size", f.snapshotOfferSize())
              && epochField(from, f, "last epoch", f.snapshotOfferLastEpoch());
      case FrameDescriptor.SNAPSHOT_CHUNK ->
          notNegative(from, f, "position", f.snapshotChunkPosition())
              && notNegative(from, f, "offset", f.snapshotChunkOffset());
      case FrameDescriptor.SNAPSHOT_ACK ->
          notNegative(from, f, "position", f.snapshotAckPosition())
              && notNegative(from, f, "received", f.snapshotAckReceived());
      default -> true;
    };
  }

  /** Whether a WAL batch's epoch is not above the epoch its leader is known by. */
  boolean batchEpoch(RegionId from, long frameEpoch, long knownEpoch) {
    if (frameEpoch > knownEpoch) {
      drops.drop(
          NodeDrop.BATCH_EPOCH_AHEAD,
          from,
          "WAL_BATCH of shard "
              + shard
              + " in epoch "
              + frameEpoch
              + ", above epoch "
              + knownEpoch
              + " this region knows its leader by");
      return false;
    }
    return true;
  }

  /** Whether a position a follower sent (ACK HWM, resend start) is within this leader's log. */
  boolean withinLog(RegionId from, Frame f, long position, NodeDrop cause) {
    long durable = log.durablePosition();
    if (position > durable) {
      drops.drop(
          cause,
          from,
          f
              + ": position "
              + position
              + " is beyond this leader's durable position "
              + durable
              + " of shard "
              + shard);
      return false;
    }
    return true;
  }

  /**
   * Whether an EPOCH_END answers this follower's outstanding request (see the class comment).
   *
   * @param leader the leader this region knows, or null
   * @param knownEpoch the epoch it knows that leader by
   * @param asked the request outstanding, or null
   * @param leaderHwm the HWM the leader announced in a heartbeat of {@code leaderHwmEpoch}
   */
  boolean epochEnd(
      RegionId from,
      Frame f,
      RegionId leader,
      long knownEpoch,
      ControlFrames.Asked asked,
      long leaderHwm,
      long leaderHwmEpoch) {
    if (!from.equals(leader)
        || f.epoch() != knownEpoch
        || asked == null
        || !from.equals(asked.to())
        || f.epoch() != asked.epoch()) {
      drops.drop(
          NodeDrop.EPOCH_END_UNSOLICITED,
          from,
          f
              + " (found epoch "
              + f.epochEndFoundEpoch()
              + ", end "
              + f.epochEndPosition()
              + "): the leader known is "
              + leader
              + " of epoch "
              + knownEpoch
              + ", the request outstanding "
              + asked);
      return false;
    }
    long found = f.epochEndFoundEpoch();
    long end = f.epochEndPosition();
    boolean beyondHwm = found < f.epoch() && (leaderHwmEpoch != f.epoch() || end > leaderHwm);
    if (found > asked.lastEpoch() || beyondHwm) {
      drops.drop(
          NodeDrop.EPOCH_END_IMPLAUSIBLE,
          from,
          f
              + ": found epoch "
              + found
              + " for asked epoch "
              + asked.lastEpoch()
              + ", end "
              + end
              + " against the HWM "
              + leaderHwm
              + " the leader announced in epoch "
              + leaderHwmEpoch);
      return false;
    }
    return true;
  }

  private boolean notNegative(RegionId from, Frame f, String field, long value) {
    if (value < 0) {
      drops.drop(NodeDrop.FIELD_OUT_OF_RANGE, from, f + ": " + field + " " + value + " < 0");
      return false;
    }
    return true;
  }

  private boolean epochField(RegionId from, Frame f, String field, long value) {
    if (value < 0 || value > f.epoch()) {
      drops.drop(
          NodeDrop.FIELD_OUT_OF_RANGE,
          from,
          f + ": " + field + " " + value + " must be 0.." + f.epoch() + ", the frame's epoch");
      return false;
    }
    return true;
  }
}
