package io.tidaldb.api.replication;

import io.tidaldb.api.RegionId;
import java.util.List;
import java.util.Optional;

/**
 * One shard's replication as one region sees it.
 *
 * @param shard the shard
 * @param epoch the latest epoch the region knows
 * @param role the region's role for the shard
 * @param leader the leader of that epoch, if known
 * @param regions every region's progress; exact on the leader, as last heard elsewhere
 * @param problem why the region cannot take its full part in the shard, if it cannot: its WAL
 *     stopped or one of its replication threads died, naming the thread and the cause (either way
 *     it neither leads nor acknowledges), or batches cannot be shipped between it and a region
 *     whose limits they exceed (naming the region and both sizes); since 1.2.0
 */
public record ShardReplicationStatus(
    int shard,
    long epoch,
    Role role,
    Optional<RegionId> leader,
    List<RegionProgress> regions,
    Optional<String> problem) {
  /** A region's role for a shard. */
  public enum Role {
    /** Orders the shard's writes and ships them. */
    LEADER,
    /** Runs for leader. */
    CANDIDATE,
    /** Stores the leader's batches. */
    FOLLOWER
  }

  /**
   * Creates the status.
   *
   * @throws NullPointerException if a reference is null
   */
  public ShardReplicationStatus {
    java.util.Objects.requireNonNull(role, "role");
    java.util.Objects.requireNonNull(leader, "leader");
    java.util.Objects.requireNonNull(problem, "problem");
    regions = List.copyOf(regions);
  }

  /**
   * Creates the status of a shard without a problem.
   *
   * @param shard the shard
   * @param epoch the latest epoch the region knows
   * @param role the region's role for the shard
   * @param leader the leader of that epoch, if known
   * @param regions every region's progress
   * @throws NullPointerException if a reference is null
   */
  public ShardReplicationStatus(
      int shard, long epoch, Role role, Optional<RegionId> leader, List<RegionProgress> regions) {
    this(shard, epoch, role, leader, regions, Optional.empty());
  }

  /**
   * One region's progress on a shard.
   *
   * @param region the region
   * @param hwm its durable position (every record below it is fsynced there)
   * @param lagRecords how many records it is behind the leader's durable position
   * @param lagMillis how long ago the leader made durable the first record this region lacks
   *     ({@code 0} when caught up)
   * @param catchUp the snapshot the region is being caught up from, while one is being shipped to
   *     it (on the leader: bytes the follower acknowledged; on the follower itself: bytes
   *     received); since 1.4.0
   */
  public record RegionProgress(
      RegionId region,
      long hwm,
      long lagRecords,
      long lagMillis,
      Optional<SnapshotProgress> catchUp) {
    /**
     * Creates the progress.
     *
     * @throws NullPointerException if a reference is null
     */
    public RegionProgress {
      java.util.Objects.requireNonNull(region, "region");
      java.util.Objects.requireNonNull(catchUp, "catchUp");
    }

    /**
     * Creates the progress of a region not catching up from a snapshot.
     *
     * @param region the region
     * @param hwm its durable position
     * @param lagRecords how many records it is behind the leader's durable position
     * @param lagMillis how long ago the leader made durable the first record it lacks
     */
    public RegionProgress(RegionId region, long hwm, long lagRecords, long lagMillis) {
      this(region, hwm, lagRecords, lagMillis, Optional.empty());
    }
  }

  /**
   * A snapshot transfer in progress (snapshot catch-up).
   *
   * @param position the log position the snapshot covers
   * @param bytesDone the bytes transferred so far
   * @param bytesTotal the snapshot's length
   * @since 1.4.0
   */
  public record SnapshotProgress(long position, long bytesDone, long bytesTotal) {}
}
