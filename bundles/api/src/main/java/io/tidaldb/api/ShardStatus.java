package io.tidaldb.api;

/**
 * Positions and size of one shard of a store. Positions count log records; see {@code
 * io.tidaldb.api.wal}.
 *
 * @param shard the shard
 * @param walStartPosition the lowest position still held by the log (older segments were trimmed)
 * @param nextPosition the position the next record will get
 * @param durablePosition every record below it is fsynced
 * @param appliedPosition every record below it is applied to the shard's state
 * @param snapshotPosition the position of the newest snapshot (0 if none)
 * @param entities how many (tenant, type, entity) states the shard holds
 * @param localDurablePosition every record of the shard's local log (this region's own stream of
 *     signals accepted while the shard's leader was unreachable) below it is fsynced; 0 if it holds
 *     none (since 1.2.0)
 */
public record ShardStatus(
    ShardId shard,
    long walStartPosition,
    long nextPosition,
    long durablePosition,
    long appliedPosition,
    long snapshotPosition,
    long entities,
    long localDurablePosition) {

  /** A status without local log records (as before 1.2.0). */
  public ShardStatus(
      ShardId shard,
      long walStartPosition,
      long nextPosition,
      long durablePosition,
      long appliedPosition,
      long snapshotPosition,
      long entities) {
    this(
        shard,
        walStartPosition,
        nextPosition,
        durablePosition,
        appliedPosition,
        snapshotPosition,
        entities,
        0);
  }
}
