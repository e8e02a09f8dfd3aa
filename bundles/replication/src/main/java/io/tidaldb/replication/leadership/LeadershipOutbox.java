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
}
