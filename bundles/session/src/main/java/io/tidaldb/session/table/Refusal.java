package io.tidaldb.session.table;

/** Why a {@link SessionTable} refuses a session write; nothing is applied in each case. */
public enum Refusal {
  /**
   * The seq is below the session's window: the client acknowledged it, its outcome is forgotten.
   */
  BELOW_WINDOW,
  /** The seq is in the window with another payload hash: a reused session id or a client bug. */
  PAYLOAD_DIFFERS,
  /** The seq jumps more than {@link SessionConfig#maxSeqGap} above the highest seq seen. */
  SEQ_GAP,
  /** The tenant has {@link SessionConfig#maxSessionsPerTenant} live sessions in the shard. */
  TOO_MANY_SESSIONS,
  /** The session expired here (its tombstone is kept for twice the ttl). */
  EXPIRED,
  /** The window holds {@link SessionConfig#maxWindow} unacknowledged seqs already. */
  WINDOW_FULL
}
