package io.tidaldb.wal;

/** Why the commit thread closes the pending batch now, or {@link #NONE} if it should wait. */
enum CommitTrigger {
  /** Nothing to commit yet: keep waiting. */
  NONE,
  /** The pending buffer is full, or appenders are waiting for room. */
  SIZE,
  /** The group commit delay has passed since the batch's first record. */
  DELAY,
  /** No delay is configured (natural batching), or the log is closing. */
  IMMEDIATE,
  /** The pending buffer holds a replicated batch: it is committed as it came, at once. */
  REPLICATED
}
