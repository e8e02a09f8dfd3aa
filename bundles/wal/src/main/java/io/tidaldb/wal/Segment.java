package io.tidaldb.wal;

import java.nio.file.Path;

/**
 * One segment file of a shard: its path, the position of its first record and how many of its bytes
 * are durable. The durable byte count is written by the shard's commit thread (or by recovery
 * before the log opens) and read by readers.
 */
final class Segment {
  private final Path path;
  private final long firstPosition;
  private volatile long durableBytes;
  private volatile long endPosition;

  Segment(Path path, long firstPosition, long durableBytes, long endPosition) {
    this.path = path;
    this.firstPosition = firstPosition;
    this.durableBytes = durableBytes;
    this.endPosition = endPosition;
  }

  Path path() {
    return path;
  }

  long firstPosition() {
    return firstPosition;
  }

  /** Bytes from the segment's start that hold durable batches; readers stop there. */
  long durableBytes() {
    return durableBytes;
  }

  /** Position after the segment's last durable record. */
  long endPosition() {
    return endPosition;
  }

  void published(long bytes, long position) {
    endPosition = position;
    durableBytes = bytes;
  }

  @Override
  public String toString() {
    return path.getFileName() + "[first=" + firstPosition + ", end=" + endPosition + "]";
  }
}
