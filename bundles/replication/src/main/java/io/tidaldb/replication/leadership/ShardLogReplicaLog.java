package io.tidaldb.replication.leadership;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ReplicaLog} facts of a shard's WAL: the HWM is {@link ShardLog#durablePosition()} and
 * the last epoch is the epoch stamped on the batch holding the last durable record.
 *
 * <p>The last epoch is read from that batch, not taken from {@link ShardLog#epoch()}: the log's
 * epoch is raised by {@link ShardLog#advanceEpoch} before any record of the new epoch exists (and
 * is not persisted until one does), and an election that compared it would let a region whose log
 * ends in an older epoch claim to be as up to date as one holding records of the newer epoch. The
 * batch is read at every call (only elections ask). It used to be cached per durable position, but
 * a position does not name one batch: a log cut below it and regrown to it with a newer leader's
 * batches answered the old, lower epoch, so the region voted for a candidate whose log lacked
 * QUORUM-acknowledged records (found by the data-path simulation, seed 1874). If that batch can no
 * longer be read (trimmed away), {@link ShardLog#lastEpoch()} is the fallback (not {@link
 * ShardLog#epoch()}, which a follower never raises: a trimmed follower voted as epoch 0) and the
 * event is logged.
 *
 * <p>Not thread-safe: the shard's owner thread calls both methods.
 */
public final class ShardLogReplicaLog implements ReplicaLog {
  private static final Logger LOG = LoggerFactory.getLogger(ShardLogReplicaLog.class);

  private final ShardLog log;

  /**
   * Adapts a shard log.
   *
   * @param log the shard's WAL
   */
  public ShardLogReplicaLog(ShardLog log) {
    this.log = Objects.requireNonNull(log, "log");
  }

  /**
   * Returns the durable position: every record below it is durable.
   *
   * @return {@link ShardLog#durablePosition()}, {@code 0} for an empty log
   */
  @Override
  public long hwm() {
    return log.durablePosition();
  }

  /**
   * Tells whether every appended record is durable.
   *
   * @return whether {@link ShardLog#nextPosition()} equals {@link ShardLog#durablePosition()}
   */
  @Override
  public boolean quiet() {
    return log.nextPosition() == log.durablePosition();
  }

  /**
   * Returns the epoch stamped on the batch that holds the last durable record.
   *
   * @return that epoch, {@code 0} for an empty log
   */
  @Override
  public long lastEpoch() {
    long hwm = log.durablePosition();
    return hwm == 0 ? 0 : epochOfRecord(hwm - 1);
  }

  private long epochOfRecord(long position) {
    try (WalReader reader = log.openReader(position)) {
      WalBatch batch = reader.next();
      if (batch != null) {
        return batch.epoch();
      }
      LOG.warn("shard {}: no durable batch holds position {}", log.shard(), position);
    } catch (InvalidArgumentException e) {
      LOG.warn(
          "shard {}: cannot read the batch of position {}: {}",
          log.shard(),
          position,
          e.getMessage());
    }
    return log.lastEpoch(); // the log's epoch history (it also knows a reset's or trim's base)
  }

  /**
   * Returns the adapted log.
   *
   * @return the shard log
   */
  public ShardLog shardLog() {
    return log;
  }
}
