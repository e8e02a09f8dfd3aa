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
}
