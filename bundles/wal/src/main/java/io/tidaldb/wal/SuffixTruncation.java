package io.tidaldb.wal;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the records of a shard's log from a position on ({@link
 * io.tidaldb.api.wal.ShardLog#truncateFrom}). Runs inside {@link BatchHandoff#truncateFrom},
 * holding the handoff's monitor with every appended record durable, so the commit thread is idle
 * and no batch is written meanwhile.
 *
 * <p>{@link #plan} checks everything before anything changes: the range, and that the position is
 * the first position of a batch, found by scanning (and verifying) the batches of the segment that
 * holds it. {@link #apply} then cuts in a crash-safe order: announce the cut to readers, delete the
 * segments that start after the position newest first and sync the directory, cut the segment that
 * holds the position at that batch's byte offset and force it, and only then rewind the durable
 * position and the {@link EpochHistory}. A segment that starts exactly at the position is kept,
 * emptied, so the log never loses its start position. A crash leaves a prefix of the old log at
 * least as long as the position, which recovery opens like any other log.
 */
final class SuffixTruncation {
  private static final Logger LOG = LoggerFactory.getLogger(SuffixTruncation.class);

  /** The initial window of the boundary scan; the scanner grows it for larger batches. */
  private static final int SCAN_WINDOW = 64 << 10;

  /**
   * Where a cut goes.
   *
   * @param position the first position removed
   * @param segment the segment that holds it
   * @param offset the byte offset of the batch that starts at {@code position} in {@code segment}
   */
  record Cut(long position, Segment segment, long offset) {}

  private final int shard;
  private final SegmentList segments;
  private final SegmentWriter writer;
  private final DurabilityTracker durability;
  private final EpochHistory epochs;
  private final WalMetrics metrics;

  SuffixTruncation(
      int shard,
      SegmentList segments,
      SegmentWriter writer,
      DurabilityTracker durability,
      EpochHistory epochs,
      WalMetrics metrics) {
    this.shard = shard;
    this.segments = segments;
    this.writer = writer;
    this.durability = durability;
    this.epochs = epochs;
    this.metrics = metrics;
  }

  /**
   * Finds where to cut, changing nothing.
   *
   * @param position the first position to remove
   * @return the cut, or null if {@code position} is the durable position (nothing to remove)
   * @throws InvalidArgumentException if the position is out of range or not a batch boundary
   * @throws StorageException if the segment cannot be read or is corrupt, naming file and offset
   */
  Cut plan(long position) {
    long start = segments.startPosition();
    long durable = durability.durable();
    if (position < start || position > durable) {
      throw new InvalidArgumentException(
          "position",
          position,
          "must be between startPosition "
              + start
              + " and durablePosition "
              + durable
              + " of shard "
              + shard
              + "; log unchanged");
    }
    if (position == durable) {
      return null;
    }
    Segment segment = segments.find(position);
    if (segment == null) {
      throw new StorageException(
          "shard " + shard + ": no segment holds position " + position + " below " + durable);
    }
    try (FileChannel channel = FileChannel.open(segment.path(), StandardOpenOption.READ)) {
      return new Cut(position, segment, offsetOf(position, segment, channel));
    } catch (IOException e) {
      throw new StorageException(
          segment.path() + ": cannot read segment to truncate from position " + position + ": " + e,
          e);
    }
  }

  /** Scans {@code segment}'s durable batches up to the one that starts at {@code position}. */
  private long offsetOf(long position, Segment segment, FileChannel channel) throws IOException {
    BatchScanner scanner = new BatchScanner(SCAN_WINDOW);
    scanner.open(channel, segment.path());
    long limit = segment.durableBytes();
    long offset = 0;
    long expected = segment.firstPosition();
    while (offset < limit) {
      if (scanner.check(offset, limit, shard, expected) != null) {
        throw new StorageException(
            segment.path()
                + " at offset "
                + offset
                + ": corrupt batch ("
                + scanner.detail()
                + "); cannot truncate from position "
                + position);
      }
      BatchView batch = scanner.view();
      if (batch.firstPosition() == position) {
        return offset;
      }
      if (batch.endPosition() > position) {
        throw new InvalidArgumentException(
            "position",
            position,
            "is not a batch boundary of shard "
                + shard
                + ": it lies inside the batch of positions "
                + batch.firstPosition()
                + " to "
                + (batch.endPosition() - 1)
                + " ("
                + segment.path().getFileName()
                + " at offset "
                + offset
                + "); truncate at "
                + batch.firstPosition()
                + " or "
                + batch.endPosition()
                + "; log unchanged");
      }
      offset += batch.length();
      expected = batch.endPosition();
    }
    if (expected == position) {
      return offset;
    }
    throw new StorageException(
        segment.path()
            + " at offset "
            + offset
            + ": durable batches end at position "
            + expected
            + ", before position "
            + position);
  }

  /**
   * Cuts the log at {@code cut}. Any failure leaves a prefix of the log on disk and must stop the
   * log: the files and the in-memory state may disagree afterwards.
   *
   * @return how many records were removed
   * @throws StorageException naming the file that could not be deleted, cut or forced
   */
  long apply(Cut cut) {
    long position = cut.position();
    long removed = durability.durable() - position;
    segments.beginCut(position);
    int deleted = segments.deleteAfter(position);
    metrics.segmentsDeleted(deleted);
    try {
      writer.cut(cut.segment(), cut.offset(), position);
    } catch (IOException e) {
      throw new StorageException(
          cut.segment().path()
              + ": cannot cut segment at offset "
              + cut.offset()
              + " (position "
              + position
              + "): "
              + e,
          e);
    }
    durability.rewind(position);
    epochs.cutFrom(position);
    LOG.info(
        "shard {}: truncated from position {}: removed {} records, deleted {} segments, cut {} at"
            + " offset {}",
        shard,
        position,
        removed,
        deleted,
        cut.segment().path().getFileName(),
        cut.offset());
    return removed;
  }
}
