package io.tidaldb.replication.leadership;

/**
 * The pre-vote round a region runs before it raises its epoch (PreVote, Raft thesis §9.6): it asks
 * every region whether it would vote for it in {@code epoch + 1} and counts the grants, itself
 * included; only a majority lets it start the real election. Nothing of a round is persisted and
 * the region's epoch does not change while it runs. Pure; one thread.
 */
final class PreVoteRound {
  private final VoteCounter grants;
  private boolean active;

  /**
   * Creates an idle round.
   *
   * @param regions the number of configured regions
   * @param majority the number of grants (self included) that lets the region run
   */
  PreVoteRound(int regions, int majority) {
    this.grants = new VoteCounter(regions, majority);
  }

  /**
   * Starts a round for {@code proposedEpoch}, forgetting any earlier one, with this region's own
   * grant.
   *
   * @return whether the own grant alone is a majority (a single-region shard)
   */
  boolean start(long proposedEpoch, int selfIndex) {
    grants.start(proposedEpoch);
    grants.grant(selfIndex);
    active = true;
    return grants.hasMajority();
  }

  /** Ends the round: a leader was heard, an epoch observed, an election started or won. */
  void cancel() {
    active = false;
  }

  /**
   * Records a grant for {@code proposedEpoch}; grants of another epoch or after the round ended are
   * ignored.
   *
   * @return whether this grant completed a majority (the round ends then)
   */
  boolean grant(long proposedEpoch, int regionIndex) {
    if (!active || proposedEpoch != grants.epoch()) {
      return false;
    }
    if (grants.grant(regionIndex) && grants.hasMajority()) {
      active = false;
      return true;
    }
    return false;
  }

  /** Whether a round is running. */
  boolean active() {
    return active;
  }

  /** The epoch the round proposes ({@code -1} before the first). */
  long proposedEpoch() {
    return grants.epoch();
  }

  /**
   * Decides a pre-vote request: why it is refused, or {@code null} to grant it.
   *
   * @param stale whether the proposed epoch is not above the answering region's
   * @param leaderAlive whether the answering region leads or heard its leader within the timeout
   * @param lastEpoch the asker's last epoch
   * @param hwm the asker's durable HWM
   * @param log the answering region's log
   */
  static RejectCause refusal(
      boolean stale, boolean leaderAlive, long lastEpoch, long hwm, ReplicaLog log) {
    if (stale) {
      return RejectCause.STALE_PRE_VOTE_REQUEST;
    }
    if (leaderAlive) {
      return RejectCause.LEADER_ALIVE;
    }
    int byLastEpoch = Long.compare(lastEpoch, log.lastEpoch());
    if (byLastEpoch < 0 || (byLastEpoch == 0 && hwm < log.hwm())) {
      return RejectCause.CANDIDATE_BEHIND;
    }
    return null;
  }
}
