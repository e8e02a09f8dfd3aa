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
  /** A vote request refused because the candidate's (lastEpoch, hwm) is behind this region's. */
  CANDIDATE_BEHIND,
  /** A heartbeat of the current epoch from another region while this region leads it. */
  CONFLICTING_LEADER,
  /** A message from a region that is not configured for this shard. */
  UNKNOWN_REGION
}
