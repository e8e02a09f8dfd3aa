package io.tidaldb.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The commit thread's handle on a shard's active segment: writes whole batches at the segment's
 * end, rolls to a new segment (named by the batch's first position, directory fsynced) when the
 * batch would take the segment beyond its size, and forces the data. Single-threaded: used by the
 * commit thread, and by {@link SuffixTruncation} while the commit thread is idle (the {@link
 * BatchHandoff}'s monitor held with nothing pending; the monitor orders the two threads' accesses).
 */
final class SegmentWriter implements AutoCloseable {
  private final Path directory;
  private final LogKind kind;
  private final int shard;
  private final long segmentBytes;
  private final SegmentList segments;
  private final WalMetrics metrics;
  private final WalFiles files;
  private FileChannel channel;
  private Segment active;
  private long size;

  SegmentWriter(
      Path directory,
      LogKind kind,
      int shard,
      long segmentBytes,
      SegmentList segments,
      WalMetrics metrics,
      WalFiles files)
      throws IOException {
    this.files = files;
    this.directory = directory;
    this.kind = kind;
    this.shard = shard;
    this.segmentBytes = segmentBytes;
    this.segments = segments;
    this.metrics = metrics;
    Segment last = segments.last();
    if (last != null) {
      channel = files.open(last.path(), StandardOpenOption.WRITE);
      active = last;
      size = last.durableBytes();
    }
  }

  /** The file the next write goes to, or the last one written, for error messages. */
  Path file() {
    return active == null ? directory : active.path();
  }

  /**
   * Writes one batch (from the buffer's position to its limit) at the end of the active segment,
   * rolling first if needed.
   *
   * @return the batch's offset in its segment
   */
  long write(ByteBuffer batch, long firstPosition) throws IOException {
    int length = batch.remaining();
    if (active == null || (size > 0 && size + length > segmentBytes)) {
      roll(firstPosition);
    }
    long offset = size;
    while (batch.hasRemaining()) {
      channel.write(batch, offset + (length - batch.remaining()));
    }
    size += length;
    return offset;
  }

  void force() throws IOException {
    channel.force(false);
  }

  /** Lets readers see everything written so far, up to {@code endPosition}. */
  void publish(long endPosition) {
    active.published(size, endPosition);
  }

  /**
   * Cuts {@code segment} to its first {@code bytes} bytes and forces it, and makes it the active
   * segment again (the segments after it were deleted): the next batch is written at {@code bytes}.
   *
   * @param segment the segment that holds the cut, now the last one
   * @param bytes the byte offset of the first batch removed
   * @param endPosition the position of the first record removed
   */
  void cut(Segment segment, long bytes, long endPosition) throws IOException {
    if (segment != active) {
      FileChannel reopened = files.open(segment.path(), StandardOpenOption.WRITE);
      FileChannel previous = channel;
      channel = reopened;
      active = segment;
      if (previous != null) {
        previous.close();
      }
    }
    channel.truncate(bytes);
    channel.force(true);
    size = bytes;
    segment.published(bytes, endPosition);
  }

  /**
   * Closes the active segment and forgets it ({@code resetTo} deletes every segment): the next
   * batch rolls a new segment named by its first position.
   */
  void detach() throws IOException {
    FileChannel previous = channel;
    channel = null;
    active = null;
    size = 0;
    if (previous != null) {
      previous.close();
    }
  }

  private void roll(long firstPosition) throws IOException {
    Path path = directory.resolve(kind.segmentName(shard, firstPosition));
    FileChannel next = files.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try {
      files.syncDirectory(directory);
    } catch (IOException e) {
      next.close();
      throw e;
    }
    if (channel != null) {
      channel.close();
    }
    channel = next;
    size = 0;
    active = new Segment(path, firstPosition, 0, firstPosition);
    segments.add(active);
    metrics.segmentCreated();
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close();
    }
  }
}
