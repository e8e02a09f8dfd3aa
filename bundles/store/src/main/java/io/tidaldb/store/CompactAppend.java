package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.wal.FencedAppendException;
import io.tidaldb.crdt.ReplicaIds;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Appends a COMPACT record to a shard's log for {@link ShardReconcile#compact}: only where this
 * region leads the shard in an epoch above the cut-off (the leader check and the append are one
 * fenced step, as for a DEFINE), carrying this region's closed digest through the cut-off at the
 * time of the append; the future completes with the record's position once it is durable here.
 * Every region, this one included, applies the record on its commit thread ({@link
 * ShardCompaction#apply}).
 */
final class CompactAppend {
  /** The region's replication, or null for a single region (which holds only epoch 0). */
  private final Replication replication;

  CompactAppend(Replication replication) {
    this.replication = replication;
  }

  /** The epoch this region leads the shard in, -1 if it does not lead it. */
  long leaderEpoch(ShardState s) {
    if (replication == null) {
      return s.log.epoch();
    }
    try {
      return replication.checkLeaderEpoch(s.shard);
    } catch (NotLeaderException e) {
      return -1;
    }
  }

  /** Checks a cut-off epoch. */
  static void checkCutOff(int shard, long throughEpoch) {
    if (throughEpoch < 0 || throughEpoch > ReplicaIds.MAX_EPOCH) {
      throw new InvalidArgumentException(
          "throughEpoch", throughEpoch, "shard " + shard + ": must be 0.." + ReplicaIds.MAX_EPOCH);
    }
  }

  /**
   * Appends COMPACT({@code throughEpoch}) fenced by this region's leader epoch.
   *
   * @throws InvalidArgumentException for a bad cut-off, or in a single-region store
   * @throws NotLeaderException if this region does not lead the shard in an epoch above the cut-off
   */
  CompletableFuture<Long> compact(ShardState s, long throughEpoch) {
    checkCutOff(s.shard, throughEpoch);
    if (replication == null) {
      throw new InvalidArgumentException(
          "throughEpoch",
          throughEpoch,
          "shard " + s.shard + " of a single-region store holds only epoch 0: nothing is closed");
    }
    long leader = replication.checkLeaderEpoch(s.shard);
    if (leader <= throughEpoch) {
      throw notAbove(s, throughEpoch, leader);
    }
    long digest = s.compaction.scannedDigest(throughEpoch).digest();
    long position;
    try {
      position = s.log.appendCompact(leader, throughEpoch, digest);
    } catch (FencedAppendException e) {
      replication.checkLeader(s.shard); // names the leader if this region no longer leads
      throw notAbove(s, throughEpoch, leader);
    }
    return s.log.whenDurable(position).thenApply(v -> position);
  }

  private NotLeaderException notAbove(ShardState s, long throughEpoch, long leader) {
    return new NotLeaderException(
        replication.region(),
        s.shard,
        leader,
        Optional.empty(),
        "a COMPACT through epoch "
            + throughEpoch
            + " of shard "
            + s.shard
            + " needs this region to lead it in a later epoch, but it leads in epoch "
            + leader
            + " (appended nothing)");
  }
}
