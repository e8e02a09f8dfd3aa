package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.replication.ShardSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A kept snapshot file opened for shipping to a follower ({@link SignalStoreEngine#openSnapshot}):
 * positional reads over one open channel, so the bytes stay readable if the store deletes the file
 * meanwhile (a newer snapshot trims it). One reader at a time.
 */
final class ShardSnapshotFile implements ShardSnapshot {
  private final Path file;
  private final int shard;
  private final long position;
  private final long lastEpoch;
  private final FileChannel channel;
  private final long size;

  private ShardSnapshotFile(
      Path file, int shard, long position, long lastEpoch, FileChannel channel, long size) {
    this.file = file;
    this.shard = shard;
    this.position = position;
    this.lastEpoch = lastEpoch;
    this.channel = channel;
    this.size = size;
  }

  /**
   * Opens {@code file}, a snapshot of {@code shard} at {@code position}.
   *
   * @throws StorageException if it cannot be opened
   */
  static ShardSnapshotFile open(Path file, int shard, long position, long lastEpoch) {
    try {
      FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
      return new ShardSnapshotFile(file, shard, position, lastEpoch, channel, channel.size());
    } catch (IOException e) {
      throw new StorageException("cannot open snapshot " + file + " to ship it: " + e, e);
    }
  }

  @Override
  public int shard() {
    return shard;
  }

  @Override
  public long position() {
    return position;
  }

  @Override
  public long lastEpoch() {
    return lastEpoch;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public int read(long offset, ByteBuffer dst) {
    if (offset < 0 || offset > size) {
      throw new InvalidArgumentException(
          "offset", offset, "snapshot " + file + " has " + size + " bytes");
    }
    if (offset == size) {
      return -1;
    }
    int limit = dst.limit();
    if (dst.remaining() > size - offset) {
      dst.limit(dst.position() + (int) (size - offset));
    }
    try {
      int total = 0;
      while (dst.hasRemaining()) {
        int n = channel.read(dst, offset + total);
        if (n < 0) {
          break;
        }
        total += n;
      }
      return total;
    } catch (IOException e) {
      throw new StorageException(
          "cannot read snapshot " + file + " at offset " + offset + ": " + e, e);
    } finally {
      dst.limit(limit);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new StorageException("cannot close snapshot " + file + ": " + e, e);
    }
  }

  @Override
  public String toString() {
    return "snapshot " + file.getFileName() + " (" + size + " bytes, last epoch " + lastEpoch + ")";
  }
}
