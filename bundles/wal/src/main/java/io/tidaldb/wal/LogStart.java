package io.tidaldb.wal;

import io.tidaldb.api.StorageException;
import io.tidaldb.support.files.AtomicFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A log's start file {@code shard-SSSS.start} ({@code local-SSSS.start} for a local log, {@link
 * LogKind#startName}; {@link LogStartDescriptor}): where the log continues after {@code
 * ShardLog.resetTo}, the epoch of the record just below, and whether the old log's segments are
 * still to be deleted. Absent until the first reset; replaced whole, crash-safe ({@link AtomicFile}
 * through the {@link WalFiles}), by each later one.
 *
 * <p>It makes a reset atomic without touching the segment format: the rename of a {@code
 * DISCARDING} start file is the reset's commit point (before it, the old log is intact and recovery
 * ignores a leftover temporary file); every segment on disk then is the old log's, since no new one
 * is created until the file says {@code STARTED}, which is written only once every old segment is
 * deleted and the directory fsynced. Recovery finishes a {@code DISCARDING} reset.
 *
 * @param position the position the log continues at
 * @param lastEpoch the epoch of the record just below {@code position}
 * @param discarding whether the shard's segments on disk are the old log's, to be deleted
 */
record LogStart(long position, long lastEpoch, boolean discarding) {
  /** The file name of a shard log's start file. */
  static String name(int shard) {
    return LogKind.SHARD.startName(shard);
  }

  /** The same start with the old log deleted. */
  LogStart started() {
    return new LogStart(position, lastEpoch, false);
  }

  /**
   * Reads a log start file, deleting a temporary file a crash left beside it.
   *
   * @param file the start file ({@link LogKind#startName} in the WAL directory)
   * @param shard the shard
   * @param files where the leftover is deleted
   * @return the start, or null if the shard was never reset
   * @throws StorageException if the file is malformed or corrupt, naming it and what is wrong
   */
  static LogStart read(Path file, int shard, WalFiles files) {
    Path tmp = AtomicFile.tmpOf(file);
    try {
      files.delete(tmp);
      if (!Files.exists(file)) {
        return null;
      }
      ByteBuffer b = ByteBuffer.allocate(LogStartDescriptor.LENGTH).order(ByteOrder.LITTLE_ENDIAN);
      long size;
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        size = channel.size();
        while (b.hasRemaining() && channel.read(b, b.position()) >= 0) {
          // read the whole fixed-size file
        }
      }
      return decode(file, shard, b, size);
    } catch (IOException e) {
      throw new StorageException(file + ": cannot read the shard's log start file: " + e, e);
    }
  }

  private static LogStart decode(Path file, int shard, ByteBuffer b, long size) {
    if (size != LogStartDescriptor.LENGTH) {
      throw corrupt(file, size + " bytes, expected " + LogStartDescriptor.LENGTH);
    }
    int magic = b.getInt(LogStartDescriptor.MAGIC_OFFSET);
    if (magic != LogStartDescriptor.MAGIC) {
      throw corrupt(
          file, String.format("magic 0x%08X, expected 0x%08X", magic, LogStartDescriptor.MAGIC));
    }
    int crc = b.getInt(LogStartDescriptor.CRC_OFFSET);
    int computed = LogStartDescriptor.crc(b);
    if (crc != computed) {
      throw corrupt(file, String.format("crc32c 0x%08X, computed 0x%08X", crc, computed));
    }
    short version = b.getShort(LogStartDescriptor.VERSION_OFFSET);
    if (version != LogStartDescriptor.VERSION) {
      throw corrupt(
          file, "format version " + version + ", this code reads " + LogStartDescriptor.VERSION);
    }
    int fileShard = b.getInt(LogStartDescriptor.SHARD_OFFSET);
    if (fileShard != shard) {
      throw corrupt(file, "shard " + fileShard + ", expected " + shard);
    }
    short state = b.getShort(LogStartDescriptor.STATE_OFFSET);
    if (state != LogStartDescriptor.DISCARDING && state != LogStartDescriptor.STARTED) {
      throw corrupt(file, "state " + state);
    }
    long position = b.getLong(LogStartDescriptor.POSITION_OFFSET);
    long lastEpoch = b.getLong(LogStartDescriptor.LAST_EPOCH_OFFSET);
    if (position < 0 || lastEpoch < 0) {
      throw corrupt(file, "position " + position + ", last epoch " + lastEpoch);
    }
    return new LogStart(position, lastEpoch, state == LogStartDescriptor.DISCARDING);
  }

  private static StorageException corrupt(Path file, String what) {
    return new StorageException(
        file + ": corrupt log start file (" + what + "); refusing to open the shard");
  }

  /**
   * Replaces a log start file with this one, crash-safe: returns once it is durable.
   *
   * @param file the start file ({@link LogKind#startName} in the WAL directory)
   * @param shard the shard
   * @param files the file operations (a simulated disk in tests)
   * @throws StorageException naming the file if it cannot be written
   */
  void write(Path file, int shard, WalFiles files) {
    ByteBuffer b = ByteBuffer.allocate(LogStartDescriptor.LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    LogStartDescriptor.write(
        b,
        shard,
        discarding ? LogStartDescriptor.DISCARDING : LogStartDescriptor.STARTED,
        position,
        lastEpoch);
    AtomicFile.write(
        file,
        channel -> {
          while (b.hasRemaining()) {
            channel.write(b);
          }
        },
        ops(files));
  }

  /** The atomic write's file operations over the WAL's. */
  private static AtomicFile.FileOps ops(WalFiles files) {
    return new AtomicFile.FileOps() {
      @Override
      public FileChannel open(Path file, OpenOption... options) throws IOException {
        return files.open(file, options);
      }

      @Override
      public void move(Path source, Path target) throws IOException {
        files.move(source, target);
      }

      @Override
      public void deleteIfExists(Path file) throws IOException {
        files.delete(file);
      }

      @Override
      public void syncDirectory(Path directory) throws IOException {
        files.syncDirectory(directory);
      }
    };
  }
}
