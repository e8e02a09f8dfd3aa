package io.tidaldb.replication.leadership;

/** Why a {@link ShardLeadership} rejected a message or refused a vote; each has a counter. */
public enum RejectCause {
  /** A heartbeat of a lower epoch (a deposed leader); answered with the current epoch. */
  STALE_HEARTBEAT,
  /** A heartbeat acknowledgement of a lower epoch. */
  STALE_HEARTBEAT_ACK,
  /** A vote request of a lower epoch; refused with the current epoch. */
  STALE_VOTE_REQUEST,
  /** A vote of a lower epoch. */
  STALE_VOTE,
  /** A vote request refused because this region already voted for another in that epoch. */
  ALREADY_VOTED,
  /**
   * A vote or pre-vote request refused because the candidate's (lastEpoch, hwm) is behind this
   * region's.
   */
  CANDIDATE_BEHIND,
  /** A heartbeat of the current epoch from another region while this region leads it. */
  CONFLICTING_LEADER,
  /** A message from a region that is not configured for this shard. */
  UNKNOWN_REGION,
  /**
   * A pre-vote request proposing an epoch not above this region's; refused with the current one.
   */
  STALE_PRE_VOTE_REQUEST,
  /**
   * A pre-vote request refused because this region leads, or heard its leader within the election
   * timeout (leader stickiness: a healthy leader is not deposed by a region that cannot hear it).
   */
  LEADER_ALIVE,
  /**
   * A TIMEOUT_NOW not from the leader this region follows in its current epoch, or received while
   * this region may not lead or its log lacks the leader's end: no election is started.
   */
  TIMEOUT_NOW_REFUSED
}
