package io.tidaldb.api.wal;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A shard-aware write-ahead log: one independent {@link ShardLog} per shard, recovered when the log
 * is opened. Closing it commits what is pending, stops the writers and releases the files.
 */
@ProviderType
public interface WriteAheadLog extends AutoCloseable {
  /**
   * Returns the number of shards this log holds.
   *
   * @return the shard count, at least 1
   */
  int shardCount();

  /**
   * Returns the log of one shard.
   *
   * @param shard the shard index, 0 to {@link #shardCount()} - 1
   * @return the shard's log
   * @throws io.tidaldb.api.InvalidArgumentException if the index is out of range
   */
  ShardLog shard(int shard);

  /** Commits pending records, stops the writers and closes every file. Idempotent. */
  @Override
  void close();
}
