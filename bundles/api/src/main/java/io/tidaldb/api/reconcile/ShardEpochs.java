package io.tidaldb.api.reconcile;

/**
 * What one shard of a region knows about its epochs, for the compaction of closed epochs (see
 * docs/design/replication.md, "Compaction of closed epochs").
 *
 * @param shard the shard
 * @param appliedEpoch the epoch of the last shard-log record this region applied, -1 if none: this
 *     region never appends or applies a record of an earlier epoch again, except by merge
 * @param leaderEpoch the epoch in which this region leads the shard, -1 if it does not lead it
 * @param foldedThrough the highest cut-off epoch of a COMPACT record this region applied, -1 if
 *     none
 */
public record ShardEpochs(int shard, long appliedEpoch, long leaderEpoch, long foldedThrough) {}
