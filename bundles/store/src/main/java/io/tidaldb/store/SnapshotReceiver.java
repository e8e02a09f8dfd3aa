package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.SnapshotSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives a snapshot the leader ships into {@link SnapshotDescriptor#receivedName} in the store
 * directory (written in order, not fsynced), then hands it to {@link SnapshotInstall}. The name
 * ends in {@code .snap.tmp}, so a file a crash leaves is deleted when the store opens ({@link
 * SnapshotHistory}). {@link #close()} deletes it; a second transfer for the shard closes the first
 * (from another thread: only {@link #close()} may be called concurrently).
 */
final class SnapshotReceiver implements SnapshotSink {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotReceiver.class);

  private final ShardState shard;
  private final Path file;
  private final long position;
  private final long lastEpoch;
  private final long size;
  private final SnapshotInstall installer;
  private final Consumer<SnapshotReceiver> onClose;
  private final FileChannel channel;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile long written;

  private SnapshotReceiver(
      ShardState shard,
      Path file,
      long position,
      long lastEpoch,
      long size,
      SnapshotInstall installer,
      Consumer<SnapshotReceiver> onClose,
      FileChannel channel) {
    this.shard = shard;
    this.file = file;
    this.position = position;
    this.lastEpoch = lastEpoch;
    this.size = size;
    this.installer = installer;
    this.onClose = onClose;
    this.channel = channel;
  }

  /**
   * Creates the temporary file (replacing one of an earlier transfer to the same position).
   *
   * @param onClose runs once when the sink closes (the engine forgets it)
   * @throws InvalidArgumentException if a value is negative
   * @throws StorageException if the file cannot be created
   */
  static SnapshotReceiver create(
      ShardState shard,
      long position,
      long lastEpoch,
      long size,
      SnapshotInstall installer,
      Consumer<SnapshotReceiver> onClose) {
    if (position < 0 || lastEpoch < 0 || size < 0) {
      throw new InvalidArgumentException(
          "snapshot",
          "position " + position + ", last epoch " + lastEpoch + ", size " + size,
          "shard " + shard.shard + ": must all be >= 0");
    }
    Path file =
        shard.snapshots.directory().resolve(SnapshotDescriptor.receivedName(shard.shard, position));
    try {
      FileChannel channel =
          FileChannel.open(
              file,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE);
      LOG.info(
          "shard {}: receiving a snapshot at position {} (last epoch {}, {} bytes) into {}",
          shard.shard,
          position,
          lastEpoch,
          size,
          file.getFileName());
      return new SnapshotReceiver(
          shard, file, position, lastEpoch, size, installer, onClose, channel);
    } catch (IOException e) {
      throw new StorageException("cannot create " + file + " to receive a snapshot: " + e, e);
    }
  }

  @Override
  public int shard() {
    return shard.shard;
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
  public long written() {
    return written;
  }

  @Override
  public void write(long offset, ByteBuffer src) {
    checkOpen();
    if (offset != written) {
      throw new InvalidArgumentException(
          "offset", offset, "snapshot " + file.getFileName() + " continues at " + written);
    }
    if (src.remaining() > size - written) {
      throw new InvalidArgumentException(
          "bytes",
          src.remaining(),
          "snapshot " + file.getFileName() + " of " + size + " bytes has " + written + " already");
    }
    try {
      long at = written;
      while (src.hasRemaining()) {
        at += channel.write(src, at);
      }
      written = at;
    } catch (IOException e) {
      throw new StorageException("cannot write " + file + " at offset " + written + ": " + e, e);
    }
  }

  @Override
  public long install() {
    try {
      checkOpen();
      if (written != size) {
        throw new InvalidArgumentException(
            "snapshot",
            file.getFileName(),
            "incomplete: " + written + " of " + size + " bytes received");
      }
      try {
        channel.force(true);
        channel.close();
      } catch (IOException e) {
        throw new StorageException("cannot fsync " + file + ": " + e, e);
      }
      return installer.install(shard, file, position, lastEpoch, size, closed::get);
    } finally {
      close();
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      channel.close();
      Files.deleteIfExists(file); // gone already once installed
    } catch (IOException e) {
      LOG.warn("shard {}: cannot delete {}: {}", shard.shard, file, e.toString());
    } finally {
      onClose.accept(this);
    }
  }

  /** Closes the file but leaves it, as a crash would (the store's next open deletes it). */
  void abandon() {
    if (closed.compareAndSet(false, true)) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.warn("shard {}: cannot close {}: {}", shard.shard, file, e.toString());
      }
      onClose.accept(this);
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new UnavailableException(
          "shard "
              + shard.shard
              + ": the transfer of the snapshot at "
              + position
              + " was closed (another one began, or it was abandoned)");
    }
  }
}
