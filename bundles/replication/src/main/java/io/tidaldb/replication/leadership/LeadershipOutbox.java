package io.tidaldb.replication.leadership;

import io.tidaldb.api.RegionId;

/**
 * Where a {@link ShardLeadership} sends its messages. Sending must not block; a message may be
 * lost, duplicated or reordered, and the state machines stay safe.
 */
public interface LeadershipOutbox {
  /**
   * Sends a leader's heartbeat.
   *
   * @param to the follower
   * @param epoch the leader's epoch
   * @param leaderHwm the leader's durable HWM
   * @param sentNanos the leader's clock when sent, echoed back in the ack (for the lease)
   */
  void sendHeartbeat(RegionId to, long epoch, long leaderHwm, long sentNanos);

  /**
   * Answers a heartbeat; to a stale heartbeat, with the higher current epoch.
   *
   * @param to the (possibly former) leader
   * @param epoch the sender's current epoch
   * @param hwm the sender's durable HWM
   * @param echoNanos the {@code sentNanos} of the heartbeat answered
   */
  void sendHeartbeatAck(RegionId to, long epoch, long hwm, long echoNanos);

  /**
   * Asks for a vote.
   *
   * @param to the voter
   * @param epoch the epoch the candidate runs for
   * @param lastEpoch the epoch of the candidate's last durable record
   * @param hwm the candidate's durable HWM
   */
  void sendVoteRequest(RegionId to, long epoch, long lastEpoch, long hwm);

  /**
   * Answers a vote request; to a stale request, refused with the higher current epoch.
   *
   * @param to the candidate
   * @param epoch the voter's current epoch
   * @param granted whether the vote is granted
   */
  void sendVote(RegionId to, long epoch, boolean granted);

  /**
   * Asks whether the receiver would vote for the sender in {@code proposedEpoch} (PreVote); the
   * sender's epoch stays as it is and the receiver changes no state to answer.
   *
   * @param to the region asked
   * @param proposedEpoch the epoch the sender would run for: its current epoch + 1
   * @param lastEpoch the epoch of the sender's last durable record
   * @param hwm the sender's durable HWM
   */
  void sendPreVoteRequest(RegionId to, long proposedEpoch, long lastEpoch, long hwm);

  /**
   * Answers a pre-vote request.
   *
   * @param to the region that asked
   * @param epoch when granted the proposed epoch (which the receiver does not enter); when refused
   *     the sender's current epoch (which a receiver behind it does enter)
   * @param granted whether the pre-vote is granted
   */
  void sendPreVote(RegionId to, long epoch, boolean granted);

  /**
   * Asks a follower to start an election at once (leadership transfer).
   *
   * @param to the transfer's target
   * @param epoch the leader's epoch
   * @param logEnd the leader's durable log end, which the target must hold
   */
  void sendTimeoutNow(RegionId to, long epoch, long logEnd);
}
