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
 */
public record ShardStatus(
    ShardId shard,
    long walStartPosition,
    long nextPosition,
    long durablePosition,
    long appliedPosition,
    long snapshotPosition,
    long entities) {}
