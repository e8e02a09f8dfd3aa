package io.tidaldb.replication.node;

/** Why a region's replication dropped a received frame; each is counted and logged once. */
public enum NodeDrop {
  /** The frame failed to decode (magic, version, type, length, CRC). */
  MALFORMED,
  /** The sender is not one of the configured regions, or the header names another sender. */
  UNKNOWN_SENDER,
  /** The frame names a shard this region does not have. */
  UNKNOWN_SHARD,
  /** A WAL batch from a region that is not the shard's known leader (a deposed leader: fenced). */
  NOT_FROM_LEADER,
  /** A WAL batch that arrived before this region finished its epoch sync with the leader. */
  NOT_SYNCED,
  /** An ACK, RESEND_REQUEST or EPOCH_END_REQUEST that reached a region not leading that epoch. */
  NOT_LEADING,
  /**
   * A WAL batch that did not fit the follower's append queue ({@link
   * FollowerAppender#MAX_QUEUED_BYTES}); the follower asks for it again on the next gap.
   */
  FOLLOWER_QUEUE_FULL,
  /** A WAL batch that reached a region whose log of that shard stopped (write or fsync failure). */
  LOG_STOPPED,
  /**
   * A FORWARD_REPLY whose request is not pending (expired, answered, or asked of another region).
   */
  UNKNOWN_FORWARD
}
