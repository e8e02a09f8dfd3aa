package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.replication.ReplicaState;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far one shard's log is known committed at this region: every record below {@link #known()} is
 * held by a majority such that no later leader's log can lack it, so no cut will ever remove it.
 * The store learns each rise ({@link ReplicaState#onCommitted}) and gives away in reconciliation no
 * state that holds a {@code QUORUM}/{@code ALL} session record above it (issue 12).
 *
 * <p>Sources: as leader of epoch {@code E}, the {@link
 * io.tidaldb.replication.shipping.QuorumTracker quorum position} once it passed the first position
 * of {@code E} (a record of its own epoch on a majority: then every record below it is on every
 * electable leader; before that a majority may hold a record of an older epoch that a leader of a
 * later epoch still cuts, Raft's figure 8); as follower, the lower of the commit its leader's
 * heartbeat carries and its own durable position, taken only from the leader it completed the epoch
 * sync with in its current epoch (its log is then a prefix of that leader's). The value only rises
 * (a committed record is never cut), starts at 0 (a restart forgets it: conservative) and is what
 * this region's heartbeats carry when it leads.
 *
 * <p>Not thread-safe: the shard's owner (the replication thread) calls everything.
 */
final class KnownCommit {
  private static final Logger LOG = LoggerFactory.getLogger(KnownCommit.class);

  private final RegionId self;
  private final int shard;
  private final Supplier<ReplicaState> store;
  private long known;
  private ReplicaState told; // the store that last heard {@link #known}
  private long toldValue;
  private long epochStart = -1; // leading: where this region's epoch begins in its log
  private long leaderCommit = -1; // following: the synced leader's announced commit in this epoch
  private boolean failed;

  KnownCommit(RegionId self, int shard, Supplier<ReplicaState> store) {
    this.self = self;
    this.shard = shard;
    this.store = store;
  }

  /** Returns the position below which every record is known committed (0: none known). */
  long known() {
    return known;
  }

  /**
   * This region leads from {@code firstPosition} on (its log's end when it starts to lead): its
   * quorum position counts once past it.
   */
  void leading(long firstPosition) {
    epochStart = firstPosition;
    leaderCommit = -1;
  }

  /** The leader or epoch changed: no leader's commit is taken until the next sync completes. */
  void leaderChanged() {
    epochStart = -1;
    leaderCommit = -1;
  }

  /** The leader's quorum position, each round while it leads. */
  void onQuorum(long quorumPosition) {
    if (epochStart >= 0 && quorumPosition > epochStart) {
      raise(quorumPosition);
    }
  }

  /**
   * A heartbeat of the leader this region completed the epoch sync with in its current epoch
   * carried {@code commit}; {@code durable} is this region's durable position.
   */
  void onLeaderCommit(long commit, long durable) {
    leaderCommit = Math.max(leaderCommit, commit);
    onDurable(durable);
  }

  /** This region's durable position, each round while it follows synced. */
  void onDurable(long durable) {
    if (leaderCommit > 0) {
      raise(Math.min(leaderCommit, durable));
    }
  }

  /**
   * Tells an attached store that has not heard the current value (a store attached or replaced
   * since, or a rise the store missed); each round.
   *
   * @return 1 if the store was told, else 0
   */
  int tell() {
    ReplicaState s = store.get();
    if (s == null || known == 0 || (s == told && toldValue == known)) {
      return 0;
    }
    try {
      s.onCommitted(shard, known);
      told = s;
      toldValue = known;
      return 1;
    } catch (RuntimeException e) {
      if (!failed) {
        failed = true;
        LOG.error("{} shard {}: the store refused the commit {}: {}", self, shard, known, e);
      }
      told = s; // not again for this value: the store keeps withholding, which is safe
      toldValue = known;
      return 0;
    }
  }

  private void raise(long position) {
    if (position > known) {
      known = position;
      tell();
    }
  }
}
