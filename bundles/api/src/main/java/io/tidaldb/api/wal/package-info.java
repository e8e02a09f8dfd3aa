/**
 * The write-ahead log SPI: a segmented log per shard, appended to by any thread, committed in
 * groups (one fsync per batch) by a single writer per shard, and read back batch by batch from any
 * position (recovery replays it; replication ships it).
 *
 * <p>Positions count records: a shard's first record has position 0 and each record takes the next.
 * A record is durable once its batch is fsynced; {@link
 * io.tidaldb.api.wal.ShardLog#durablePosition()} is the first position that is not yet durable.
 * Every batch carries the shard's epoch (a fencing token that only grows), its first position,
 * record count, HLC range and a CRC32C; records are compact binary of the kinds in {@link
 * io.tidaldb.api.wal.WalRecordKind}.
 *
 * <p>A replicated store appends local records fenced by the leader epoch it checked (1.3.0: {@link
 * io.tidaldb.api.wal.ShardLog#startLeading}, {@link io.tidaldb.api.wal.ShardLog#stopLeading} and
 * the appends taking a leader epoch): the leader check and the append meet under the log's append
 * lock. A thread that must never wait appends replicated batches with {@link
 * io.tidaldb.api.wal.ShardLog#tryAppendReplicated} (1.4.0), which returns {@link
 * io.tidaldb.api.wal.ShardLog#BUSY} instead of waiting for room and wakes the durability listener
 * once there is room.
 *
 * <p>Since 1.6.0 each shard also has a local log ({@link
 * io.tidaldb.api.wal.WriteAheadLog#localLog}): the region's own stream of the shard's writes that
 * it accepted while cut off from the shard's leader, positions assigned locally, never shipped, cut
 * or mixed with the shard log.
 *
 * <p>1.11.0 adds {@link io.tidaldb.api.wal.ShardLog#whenDurable(long,
 * java.util.concurrent.Executor)}: the futures one commit makes due are completed by one task on
 * the caller's executor.
 */
@Export
@Version("1.12.0")
package io.tidaldb.api.wal;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
