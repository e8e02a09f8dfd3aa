package io.tidaldb.wal;

import io.tidaldb.api.wal.CommitListener;
import io.tidaldb.support.errors.ErrorCounters;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The body of a log's commit thread ({@code tidal-wal-commit-<shard>}, {@code
 * tidal-wal-local-<shard>} for a local log), the single writer of the shard's segments. Per batch:
 * take the pending buffer (swapping in the spare), seal its header (a replicated batch keeps the
 * header it came with), write header and payload with one positional write, {@code force(false)}
 * once, hand the batch to the {@link CommitListener}, then note its epoch in the {@link
 * EpochHistory}, publish the bytes to readers, advance the durable position and run the durability
 * listener (a wake-up). When a {@code tryAppendReplicated} was refused while the batch was pending,
 * the durability listener also runs right after the swap, with the current durable position, before
 * the write (the refused caller's wake-up: its retry now succeeds). Any failure (I/O or commit
 * listener) stops the shard through {@link ShardWal#failed}; nothing is retried, so waiters never
 * hang. So does any other RuntimeException or Error in the loop (the stage says where); and should
 * the thread die anyway, its uncaught-exception handler ({@link ShardWal}) stops the shard the same
 * way. A durability listener that throws a RuntimeException is counted and logged once per cause
 * ({@link ErrorCounters}) and does not stop the shard.
 */
final class CommitLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(CommitLoop.class);
  private static final long SUMMARY_EVERY_SECONDS = 10;

  private enum Stage {
    WAIT,
    ROOM_WAKE,
    WRITE,
    FSYNC,
    LISTENER,
    PUBLISH
  }

  private final ShardWal log;
  private final SegmentWriter writer;
  private final WalMetrics metrics;
  private final CRC32C crc = new CRC32C();
  private PendingBatch spare;
  private Stage stage = Stage.WAIT;
  private long batchPosition = -1;
  private final ErrorCounters wakeFailures;

  CommitLoop(ShardWal log, SegmentWriter writer, WalMetrics metrics, PendingBatch spare) {
    this.log = log;
    this.writer = writer;
    this.metrics = metrics;
    this.spare = spare;
    this.wakeFailures =
        new ErrorCounters(
            LOG,
            log.name() + ": durability listener",
            Level.ERROR,
            TimeUnit.SECONDS.toNanos(SUMMARY_EVERY_SECONDS));
  }

  @Override
  public void run() {
    try {
      PendingBatch batch;
      while ((batch = log.takeBatch(spare)) != null) {
        spare = null;
        commit(batch);
        spare = batch;
      }
    } catch (Throwable t) {
      log.failed(describeStage(), t);
    } finally {
      try {
        writer.close();
      } catch (IOException e) {
        LOG.error("{}: cannot close {}: {}", log.name(), writer.file(), e.toString(), e);
      } finally {
        log.commitThreadExited(); // even if closing threw: no waiter hangs
      }
    }
  }

  private void commit(PendingBatch batch) throws IOException {
    batchPosition = batch.firstPosition;
    if (batch.roomWanted) {
      wakeForRoom();
    }
    int length = batch.prepare(log.shard(), crc);
    stage = Stage.WRITE;
    long offset = writer.write(batch.io, batch.firstPosition);
    stage = Stage.FSYNC;
    long start = System.nanoTime();
    writer.force();
    metrics.batchWritten(batch.trigger, batch.count, length, System.nanoTime() - start);
    CommitListener listener = log.listener();
    if (listener != null) {
      stage = Stage.LISTENER;
      listener.onCommit(batch.view.wrap(batch.buffer, 0, writer.file(), offset));
    }
    stage = Stage.PUBLISH;
    log.epochs().batch(batch.epoch, batch.firstPosition); // before the durable position passes it
    long end = batch.firstPosition + batch.count;
    writer.publish(end);
    log.durability().advance(end);
    if (batch.firstAppendNanos != 0) {
      metrics.committed(System.nanoTime() - batch.firstAppendNanos);
    }
    LongConsumer wake = log.durabilityListener();
    if (wake != null) {
      wake(wake, end);
    }
    stage = Stage.WAIT;
  }

  /**
   * A tryAppendReplicated was refused while this batch was pending; now that it is swapped out, a
   * retry succeeds: wake the caller at once (it need not wait for this batch's fsync).
   */
  private void wakeForRoom() {
    LongConsumer wake = log.durabilityListener();
    if (wake != null) {
      stage = Stage.ROOM_WAKE;
      wake(wake, log.durability().durable());
      stage = Stage.WAIT;
    }
  }

  private void wake(LongConsumer wake, long durable) {
    try {
      wake.accept(durable);
    } catch (RuntimeException e) {
      metrics.wakeFailed();
      wakeFailures.record(
          e, System.nanoTime(), "failed at durable position " + durable + "; the log keeps going");
    }
  }

  private String describeStage() {
    return switch (stage) {
      case WAIT -> "commit thread failed while waiting for a batch";
      case ROOM_WAKE ->
          "durability listener failed waking a refused replicated append before the batch at"
              + " position "
              + batchPosition;
      case WRITE ->
          "write of batch at position " + batchPosition + " to " + writer.file() + " failed";
      case FSYNC ->
          "fsync of " + writer.file() + " failed after batch at position " + batchPosition;
      case LISTENER ->
          "commit listener failed on batch at position " + batchPosition + " of " + writer.file();
      case PUBLISH ->
          "publishing batch at position " + batchPosition + " of " + writer.file() + " failed";
    };
  }
}
