package io.tidaldb.store;

import io.tidaldb.api.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Streams a snapshot body of any length (offsets are longs, so bodies above 2 GiB read like small
 * ones) through one buffer of a configured size, grown for an entry larger than it. Not
 * thread-safe.
 */
final class SnapshotInput {
  private final Path file;
  private final FileChannel channel;
  private final long start;
  private final long end;
  private ByteBuffer buffer;
  private long next;

  /** Reads the {@code length} bytes of {@code channel} from {@code start}. */
  SnapshotInput(Path file, FileChannel channel, long start, long length, int bufferBytes) {
    this.file = file;
    this.channel = channel;
    this.start = start;
    this.end = start + length;
    this.buffer = ByteBuffer.allocate(bufferBytes).order(ByteOrder.LITTLE_ENDIAN);
    reset();
  }

  /** Returns the CRC32C of the whole body, then rewinds to its start. */
  int crc() throws IOException {
    CRC32C crc = new CRC32C();
    while (next < end || buffer.hasRemaining()) {
      need(Math.min(buffer.capacity(), Math.max(1, buffer.remaining())));
      crc.update(buffer);
    }
    reset();
    return (int) crc.getValue();
  }

  /** Rewinds to the start of the body. */
  void reset() {
    next = start;
    buffer.clear().limit(0);
  }

  /** Returns the file offset of the next unread byte. */
  long offset() {
    return next - buffer.remaining();
  }

  /** Returns how many body bytes are left unread. */
  long remaining() {
    return end - offset();
  }

  /**
   * Returns the buffer with at least {@code bytes} unread bytes from its position.
   *
   * @throws StorageException if the body ends first
   */
  ByteBuffer need(int bytes) throws IOException {
    if (buffer.remaining() >= bytes) {
      return buffer;
    }
    if (bytes > remaining()) {
      throw new StorageException(
          "corrupt snapshot "
              + file
              + " at offset "
              + offset()
              + ": needs "
              + bytes
              + " bytes but the body ends after "
              + remaining());
    }
    if (bytes > buffer.capacity()) {
      ByteBuffer larger = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
      larger.put(buffer);
      buffer = larger;
    } else {
      buffer.compact();
    }
    // buffer is in write mode here: fill it from the file up to the body's end
    while (buffer.position() < bytes) {
      int room = (int) Math.min(buffer.capacity() - buffer.position(), end - next);
      buffer.limit(buffer.position() + room);
      int read = channel.read(buffer, next);
      if (read < 0) {
        throw new StorageException(
            "corrupt snapshot " + file + " at offset " + next + ": file ends before the body");
      }
      next += read;
    }
    buffer.flip();
    return buffer;
  }
}
