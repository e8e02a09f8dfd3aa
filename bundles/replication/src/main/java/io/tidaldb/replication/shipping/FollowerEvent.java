package io.tidaldb.replication.shipping;

/** What a {@link FollowerDb} did with a received batch or an acknowledgement, one counter each. */
public enum FollowerEvent {
  /** A batch was appended to the local shard log. */
  APPLIED,
  /** An ACK with the durable HWM was sent. */
  ACK_SENT,
  /** A batch below the local next position was ignored (and the durable HWM re-acked). */
  DUPLICATE,
  /** A batch above the local next position was dropped and a resend requested. */
  GAP,
  /**
   * A gap, malformed or refused batch whose resend was already requested from the same position:
   * not requested again.
   */
  RESEND_SUPPRESSED,
  /** A batch of an epoch below the highest seen for the shard was rejected. */
  STALE_EPOCH,
  /**
   * A batch whose header is malformed, of another shard, or whose epoch differs from its frame's; a
   * resend is requested.
   */
  MALFORMED,
  /**
   * The shard log refused the batch ({@code tryAppendReplicated} threw InvalidArgumentException:
   * CRC mismatch, truncated or malformed payload, ...); a resend is requested.
   */
  REFUSED,
  /** The shard log was unavailable (closed, failed, or no room in time). */
  UNAVAILABLE,
  /**
   * The shard log could not take a batch yet (it was still writing the previous one): the batch is
   * held and offered again when the log has room ({@code ShardLog#BUSY}).
   */
  HELD,
  /**
   * A RESEND_REQUEST sent because the leader's heartbeat showed it holds more and nothing arrived
   * since the previous heartbeat (a lost last batch of a burst).
   */
  TAIL_RESEND,
  /**
   * An ACK or RESEND_REQUEST the transport did not take (lost frames are safe: the leader resends).
   */
  SEND_FAILED
}
