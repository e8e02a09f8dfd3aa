package io.tidaldb.replication.node;

/** Why a region's replication dropped a received frame; each is counted and logged once. */
public enum NodeDrop {
  /** The frame failed to decode (magic, version, type, length, CRC). */
  MALFORMED,
  /**
   * The sender is not one of the configured regions, is this region itself, or the header names
   * another sender.
   */
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
   * A WAL batch that did not fit the bytes of batches a region holds before appending them ({@link
   * FrameInbox#MAX_BATCH_BYTES}); the follower asks for it again on the next gap.
   */
  FOLLOWER_QUEUE_FULL,
  /** A WAL batch that reached a region whose log of that shard stopped (write or fsync failure). */
  LOG_STOPPED,
  /**
   * A FORWARD_REPLY whose request is not pending (expired, answered, or asked of another region).
   */
  UNKNOWN_FORWARD,
  /** A frame whose epoch is more than {@link FrameChecks#MAX_EPOCH_JUMP} ahead of the shard's. */
  EPOCH_TOO_FAR_AHEAD,
  /**
   * A body field out of its range: a negative position, a last or found epoch above the frame's.
   */
  FIELD_OUT_OF_RANGE,
  /** A WAL batch of an epoch above the one this region knows its leader by. */
  BATCH_EPOCH_AHEAD,
  /** An ACK whose HWM is above the leader's own durable position. */
  ACK_BEYOND_LOG,
  /** A RESEND_REQUEST from a position beyond the leader's durable position. */
  RESEND_BEYOND_LOG,
  /**
   * An EPOCH_END not from the leader this region knows for that epoch, or answering no request it
   * has outstanding there.
   */
  EPOCH_END_UNSOLICITED,
  /**
   * An EPOCH_END whose found epoch is above the one asked for, or whose end is beyond the HWM the
   * leader announced in its epoch.
   */
  EPOCH_END_IMPLAUSIBLE,
  /**
   * A frame that arrived while {@link FrameInbox#CAPACITY} frames already waited for the
   * replication thread; the protocol repeats or resends what it carried.
   */
  INBOX_FULL
}
