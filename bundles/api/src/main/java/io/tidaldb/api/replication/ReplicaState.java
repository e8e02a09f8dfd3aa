package io.tidaldb.api.replication;

import org.osgi.annotation.versioning.ConsumerType;

/** What replication needs from a region's store: cutting a shard's log without losing state. */
@ConsumerType
public interface ReplicaState {
  /**
   * Cuts the log of {@code shard} at {@code position} because the leader of {@code fenceEpoch}
   * continues the log from there, while keeping every signal already applied to the shard's state.
   * The records beyond {@code position} were accepted by a former leader of an older epoch and
   * never reached a quorum: their effect stays in the CRDT entry of the region that accepted them
   * (never counted twice, since no other region applies them as operations), and the log continues
   * with the new leader's records.
   *
   * <p>The store first persists its state as covering {@code position} and fenced by {@code
   * fenceEpoch}, then cuts the log, so a crash at any point recovers to the same result: a recovery
   * that meets batches of an epoch below {@code fenceEpoch} at or after {@code position} cuts them.
   *
   * @param shard the shard
   * @param position the first position to remove; a batch boundary
   * @param fenceEpoch the epoch of the leader whose log continues at {@code position}
   * @return how many records were cut
   */
  long truncateLog(int shard, long position, long fenceEpoch);
}
