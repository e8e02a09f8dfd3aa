package io.tidaldb.replication.leadership;

/**
 * The state of a region's {@link ShardLeadership} for one shard.
 *
 * <pre>
 *             timeout (no heartbeat for T + jitter): a pre-vote round (epoch kept, nothing
 *             saved); a majority of pre-votes: epoch + 1, vote for itself
 *   FOLLOWER ───────────────────────────────────────▶ CANDIDATE ──┐ election timeout:
 *      ▲  ▲                                              │   ▲     │ pre-vote round, then with a
 *      │  │ higher epoch / heartbeat of own epoch        │   └─────┘ majority epoch + 1
 *      │  └──────────────────────────────────────────────┤
 *      │                                                 │ majority of votes
 *      │ higher epoch, or lease lost (no majority for T) ▼
 *      └─────────────────────────────────────────────── LEADER
 * </pre>
 */
public enum LeadershipState {
  /**
   * Follows a leader of the current epoch, or waits to learn it (leader unknown), possibly asking
   * for pre-votes.
   */
  FOLLOWER,
  /** Runs an election for the current epoch, having voted for itself. */
  CANDIDATE,
  /** Leads the shard in the current epoch while its lease holds. */
  LEADER
}
