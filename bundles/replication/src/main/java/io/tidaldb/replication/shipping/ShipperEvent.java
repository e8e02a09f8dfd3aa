package io.tidaldb.replication.shipping;

/** What a {@link WalShipper} did, one counter each. */
public enum ShipperEvent {
  /** A WAL_BATCH frame was queued by the transport. */
  SENT,
  /** A send returned BACK_PRESSURED: the frame is kept and retried on the next doWork. */
  BACK_PRESSURED,
  /** A send returned UNREACHABLE: the frame was dropped and the shipper backs off. */
  UNREACHABLE,
  /** A send returned CLOSED: the endpoint is gone. */
  CLOSED,
  /** An ACK raised the follower's HWM. */
  ACK,
  /** An ACK below the HWM already known (reordered or from before a rewind): ignored. */
  STALE_ACK,
  /** A RESEND_REQUEST made the shipper rewind. */
  RESEND_REQUESTED,
  /** No ack progress within the ack timeout with bytes in flight: rewound to the HWM. */
  ACK_TIMEOUT,
  /** A backoff ended: rewound to the HWM to resend what was dropped. */
  RECONNECT,
  /** A batch wholly below the follower's HWM was skipped instead of sent. */
  SKIPPED_ACKED,
  /** Reading stopped because the bytes in flight reached the bound. */
  WINDOW_FULL,
  /**
   * Reading stopped because the oldest unacknowledged batch was sent longer ago than the in-flight
   * age bound: the follower's queue holds that much time of work already.
   */
  WINDOW_AGED,
  /** The reader could not be opened at the HWM (beyond the log, or trimmed meanwhile). */
  REWIND_FAILED,
  /**
   * The follower's HWM is below the log's start (trimmed): shipping from the log stopped ({@link
   * WalShipper.State#BELOW_LOG_START}); the node ships a snapshot instead.
   */
  BELOW_LOG_START,
  /**
   * The next batch is larger than the follower accepts ({@link WalShipper#limitBatchBytes}):
   * shipping stopped there ({@link WalShipper.State#BLOCKED}) instead of failing every round.
   */
  BATCH_TOO_LARGE
}
