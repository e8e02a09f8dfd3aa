package io.tidaldb.wal;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * Reads a shard's durable batches from the batch holding {@code fromPosition}, crossing segments
 * and picking up batches committed after it was opened (so replication can tail it). Each batch's
 * CRC is verified. The first batch returned may start below {@code fromPosition}: callers skip the
 * records below it. Not thread-safe.
 *
 * <p>Reads stop at each segment's durable byte count, published by the commit thread after the
 * fsync; the reader moves to the next segment only after it has seen that segment exist, and then
 * re-reads the current segment's final durable count, so no batch written just before a roll is
 * missed.
 *
 * <p>A reader opened before a {@link io.tidaldb.api.wal.ShardLog#truncateFrom} is invalidated by
 * it: from then on {@link #next} throws a {@link StorageException} naming the cut (also for a batch
 * it was reading while the cut began), so it never returns a record of the removed suffix read
 * after the cut started. Open a new reader.
 */
final class ShardReader implements WalReader {
  private final int shard;
  private final SegmentList segments;
  private final long fromPosition;
  private final BatchScanner scanner;
  private final int cuts;
  private Segment segment;
  private FileChannel channel;
  private long offset;
  private long expected;
  private boolean closed;

  ShardReader(int shard, SegmentList segments, long fromPosition, int maxBatchBytes) {
    this.shard = shard;
    this.segments = segments;
    this.fromPosition = fromPosition;
    this.cuts = segments.cuts();
    this.scanner =
        new BatchScanner(Math.max(1 << 20, BatchDescriptor.HEADER_LENGTH + maxBatchBytes));
  }

  @Override
  public WalBatch next() {
    if (closed) {
      throw new IllegalStateException("reader of shard " + shard + " is closed");
    }
    checkNotCut();
    try {
      if (segment == null && !locate()) {
        return null;
      }
      while (true) {
        Segment successor = segments.after(segment);
        long limit = segment.durableBytes();
        if (offset < limit) {
          BatchView batch = read(limit);
          checkNotCut();
          if (batch.endPosition() > fromPosition) {
            return batch;
          }
          continue;
        }
        if (successor == null) {
          return null;
        }
        if (successor.firstPosition() != expected) {
          throw new StorageException(
              successor.path()
                  + " at offset 0: segment starts at position "
                  + successor.firstPosition()
                  + " but the previous segment ends at position "
                  + expected);
        }
        switchTo(successor);
      }
    } catch (IOException e) {
      checkNotCut();
      throw new StorageException(
          segment.path() + " at offset " + offset + ": cannot read segment: " + e, e);
    }
  }

  private BatchView read(long limit) throws IOException {
    BatchProblem problem = scanner.check(offset, limit, shard, expected);
    if (problem != null) {
      checkNotCut();
      throw new StorageException(
          segment.path() + " at offset " + offset + ": corrupt batch (" + scanner.detail() + ")");
    }
    BatchView batch = scanner.view();
    offset += batch.length();
    expected = batch.endPosition();
    return batch;
  }

  /** Throws if the log was cut since this reader was opened. */
  private void checkNotCut() {
    if (segments.cuts() != cuts) {
      throw new StorageException(
          "shard "
              + shard
              + ": reader opened at position "
              + fromPosition
              + " is invalid: the log was truncated from position "
              + segments.lastCut()
              + " after it was opened; open a new reader");
    }
  }

  private boolean locate() throws IOException {
    Segment found = segments.find(fromPosition);
    if (found == null) {
      if (segments.size() > 0) {
        throw new InvalidArgumentException(
            "fromPosition",
            fromPosition,
            "was truncated away: shard " + shard + " starts at " + segments.startPosition());
      }
      return false;
    }
    switchTo(found);
    return true;
  }

  private void switchTo(Segment next) throws IOException {
    closeChannel();
    segment = next;
    channel = FileChannel.open(next.path(), StandardOpenOption.READ);
    scanner.open(channel, next.path());
    offset = 0;
    expected = next.firstPosition();
  }

  private void closeChannel() throws IOException {
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      closeChannel();
    } catch (IOException e) {
      throw new StorageException(segment.path() + ": cannot close reader: " + e, e);
    }
  }
}
