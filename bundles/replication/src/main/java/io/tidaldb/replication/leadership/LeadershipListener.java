package io.tidaldb.replication.leadership;

import io.tidaldb.api.RegionId;

/** Receives a shard's leadership decisions, on the thread that drives the state machine. */
public interface LeadershipListener {
  /**
   * This region became leader; its epoch is durably saved.
   *
   * @param epoch the new epoch
   */
  void onBecomeLeader(long epoch);

  /**
   * This region learned a (new) leader of an epoch and follows it.
   *
   * @param leader the leader
   * @param epoch its epoch
   */
  void onBecomeFollower(RegionId leader, long epoch);

  /**
   * The leader this region knew (possibly itself) is no longer known: it stopped heartbeating, its
   * lease ran out, or a higher epoch began without a known leader.
   */
  void onLeaderLost();

  /**
   * This region's epoch rose to {@code epoch} (it learned of a higher epoch, or starts an election
   * for one). Called before the state machine reads the log to decide a vote, so a listener that
   * fences the old epoch here (no acknowledgement of an older leader's batch leaves afterwards)
   * makes the vote cover everything the region may still acknowledge to that leader.
   *
   * @param epoch the new epoch
   */
  default void onEpochRaised(long epoch) {}
}
