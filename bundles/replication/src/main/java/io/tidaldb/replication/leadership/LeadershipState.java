package io.tidaldb.replication.leadership;

/**
 * The state of a region's {@link ShardLeadership} for one shard.
 *
 * <pre>
 *             timeout (no heartbeat for T + jitter)
 *   FOLLOWER ───────────────────────────────────────▶ CANDIDATE ──┐ election timeout:
 *      ▲  ▲                                              │   ▲     │ new candidacy, epoch + 1
 *      │  │ higher epoch / heartbeat of own epoch        │   └─────┘
 *      │  └──────────────────────────────────────────────┤
 *      │                                                 │ majority of votes
 *      │ higher epoch, or lease lost (no majority for T) ▼
 *      └─────────────────────────────────────────────── LEADER
 * </pre>
 */
public enum LeadershipState {
  /** Follows a leader of the current epoch, or waits to learn it (leader unknown). */
  FOLLOWER,
  /** Runs an election for the current epoch, having voted for itself. */
  CANDIDATE,
  /** Leads the shard in the current epoch while its lease holds. */
  LEADER
}
