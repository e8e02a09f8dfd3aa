package io.tidaldb.api.wal;

import io.tidaldb.api.UnavailableException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A shard-aware write-ahead log: one independent {@link ShardLog} per shard, recovered when the log
 * is opened, and since 1.6.0 a second one per shard, its {@link #localLog local log}. Closing it
 * commits what is pending, stops the writers and releases the files.
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

  /**
   * Returns the local log of one shard: the region's own stream of the shard's signals that it
   * accepted while it could not reach the shard's leader (a partition; LOCAL durability,
   * availability first). It lives beside the shard log in the same log, with the same batch format,
   * group commit, fsync, recovery and torn-tail rules, but is independent of it: its positions are
   * assigned here, from 0, and it is never shipped, cut or fed by another region. Its records are
   * applied to the region's own CRDT entry and reach other regions only by state merge.
   *
   * <p>It is appended to like a single-region store appends: with the unfenced {@link
   * ShardLog#appendSignal(int, long, double, long, long, int)} and {@link
   * ShardLog#appendDefine(int, String, String)}, or the fenced overloads with {@link
   * ShardLog#ANY_EPOCH}; a fenced append with any other leader epoch is refused with an {@link
   * io.tidaldb.api.InvalidArgumentException} naming the local log. What replication does to a shard
   * log is refused with an {@link UnsupportedOperationException} naming the local log and nothing
   * changes: {@link ShardLog#startLeading}, {@link ShardLog#stopLeading}, {@link
   * ShardLog#appendReplicated}, {@link ShardLog#tryAppendReplicated}, {@link
   * ShardLog#roomForReplicated}, {@link ShardLog#truncateFrom} and {@link ShardLog#resetTo}.
   * Everything else works as on a shard log: {@link ShardLog#awaitDurable}, {@link
   * ShardLog#whenDurable}, {@link ShardLog#durablePosition()}, the commit and durability listeners,
   * {@link ShardLog#openReader}, {@link ShardLog#truncateBefore} (once a snapshot covers the
   * records), {@link ShardLog#failure()}, and {@link ShardLog#advanceEpoch} (the epoch stamped on
   * its batches stays 0 unless the store raises it; no leader ever does).
   *
   * @param shard the shard index, 0 to {@link #shardCount()} - 1
   * @return the shard's local log
   * @throws io.tidaldb.api.InvalidArgumentException if the index is out of range
   * @throws UnavailableException if this log keeps no local logs (the default)
   * @since 1.6.0
   */
  default ShardLog localLog(int shard) {
    throw new UnavailableException(
        getClass().getName()
            + " keeps no local logs: cannot serve the local log of shard "
            + shard);
  }

  /** Commits pending records, stops the writers and closes every file. Idempotent. */
  @Override
  void close();
}
