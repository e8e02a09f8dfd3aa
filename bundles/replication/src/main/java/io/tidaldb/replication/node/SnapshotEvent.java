package io.tidaldb.replication.node;

/**
 * What happened in snapshot catch-up (a leader shipping a snapshot of a shard's state to a follower
 * its log no longer reaches, and the follower installing it); counted per region ({@link
 * ReplicationNode#snapshotEvents}), the problems logged once per event with their values.
 */
public enum SnapshotEvent {
  /** Leader: a shipper found its follower below the log's start and a transfer began. */
  TRANSFER_STARTED,
  /** Leader: the store opened a snapshot to ship. */
  OPENED,
  /**
   * Leader: the follower cannot be caught up: no store is attached, the store ships no snapshot, or
   * opening one failed (retried after a back-off). Logged once as {@code cannot ship to}.
   */
  OPEN_FAILED,
  /** Leader: a snapshot covers records not yet on a quorum; it is offered once they are. */
  WAITED_FOR_QUORUM,
  /**
   * Leader: a snapshot offered although not every record it covers is on a quorum, because the
   * quorum position stood still for an election timeout (logged once).
   */
  OFFERED_BEYOND_QUORUM,
  /** Leader: an offer sent (first, or again after a silence, a reconnect or a restart). */
  OFFER_SENT,
  /** Leader: a chunk sent. */
  CHUNK_SENT,
  /** Leader: snapshot bytes sent (first sends and resends). */
  BYTES_SENT,
  /** Leader: snapshot bytes sent again (after a gap, a timeout or a reconnect). */
  BYTES_RESENT,
  /** Leader: the transport refused a chunk for now (back-pressure); retried next round. */
  BACK_PRESSURED,
  /** Leader: the follower was unreachable; the transfer resumes after a back-off. */
  UNREACHABLE,
  /** Leader: no progress from the follower for the ack timeout; the transfer resumes. */
  ACK_TIMEOUT,
  /** Leader: the follower's ack showed a gap; sending resumed from its offset. */
  GAP,
  /** Leader: the follower installed the snapshot; shipping continues from its position. */
  INSTALLED,
  /** Leader: the follower reported a failed install or receive; the transfer restarts. */
  FOLLOWER_FAILED,
  /** Leader: the transfer was abandoned (leadership lost, follower gone, node closing). */
  ABANDONED,
  /** Follower: a sink was opened for an offer. */
  RECEIVE_STARTED,
  /** Follower: an offer matched the open sink; the transfer resumes from what it holds. */
  RECEIVE_RESUMED,
  /** Follower: a chunk not at the sink's offset, ignored and answered with the offset. */
  CHUNK_OUT_OF_ORDER,
  /** Follower: an offer, chunk or ack that does not belong to the current transfer, ignored. */
  UNEXPECTED,
  /** Follower: the store could not begin or write the snapshot (the sink is closed). */
  RECEIVE_FAILED,
  /** Follower: the snapshot was installed; the log continues at its position. */
  INSTALL_DONE,
  /** Follower: the install failed (the bytes did not verify, or a file could not be written). */
  INSTALL_FAILED,
  /** Follower: an open sink was closed because the leader or epoch changed. */
  RECEIVE_ABANDONED
}
