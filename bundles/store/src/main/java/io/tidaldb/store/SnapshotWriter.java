package io.tidaldb.store;

import static io.tidaldb.store.SnapshotDescriptor.*;

import io.tidaldb.api.StorageException;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.support.files.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Writes one shard snapshot crash-safely ({@link AtomicFile}): the body streamed through one direct
 * buffer of {@code bufferBytes} (an entry larger than it gets a larger buffer), the header written
 * last. Lengths and offsets are longs: bodies above 2 GiB are written as {@link SnapshotReader}
 * reads them. Not thread-safe (one per shard, under its checkpoint lock).
 */
final class SnapshotWriter {
  private ByteBuffer buffer;
  private final CRC32C crc = new CRC32C();
  private FileChannel channel;
  private long bodyLength;

  SnapshotWriter(int bufferBytes) {
    this.buffer = ByteBuffer.allocateDirect(bufferBytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Writes the snapshot of a shard at {@code position} into {@code directory}.
   *
   * @param fenceEpoch the epoch whose leader continues the log at {@code position} after a cut, or
   *     {@code 0} for an ordinary checkpoint
   * @param anchor the log batch ending at {@code position}
   * @return the snapshot file
   * @throws StorageException if it cannot be written; no temporary file is left then
   */
  Path write(
      Path directory,
      int shard,
      long position,
      SeriesRegistry.Series[] series,
      StateEntries states,
      long fenceEpoch,
      LogAnchor anchor) {
    Path target = directory.resolve(fileName(shard, position));
    AtomicFile.write(
        target,
        ch -> {
          try {
            writeTo(ch, shard, position, series, states, fenceEpoch, anchor);
          } catch (UncheckedIOException e) {
            throw e.getCause();
          } finally {
            channel = null;
          }
        });
    return target;
  }

  private void writeTo(
      FileChannel ch,
      int shard,
      long position,
      SeriesRegistry.Series[] series,
      StateEntries states,
      long fenceEpoch,
      LogAnchor anchor)
      throws IOException {
    channel = ch;
    crc.reset();
    bodyLength = 0;
    buffer.clear();
    ch.position(HEADER_LENGTH);
    for (SeriesRegistry.Series s : series) {
      writeSeries(s);
    }
    long[] entries = {0};
    states.forEach(
        (seriesId, entity, state) -> {
          writeEntry(seriesId, entity, state);
          entries[0]++;
        });
    flushBody();
    writeHeader(shard, series.length, position, entries[0], fenceEpoch, anchor);
  }

  private void writeSeries(SeriesRegistry.Series s) throws IOException {
    byte[] tenant = s.tenant().name().getBytes(StandardCharsets.US_ASCII);
    byte[] type = s.type().name().getBytes(StandardCharsets.US_ASCII);
    ensure(4 + 1 + tenant.length + 1 + type.length);
    buffer.putInt(s.id()).put((byte) tenant.length).put(tenant).put((byte) type.length).put(type);
  }

  private void writeEntry(int seriesId, long entity, CrdtSignalState state) {
    int length = state.encodedLength();
    try {
      ensure(ENTRY_PREFIX_LENGTH + length);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    buffer.putInt(seriesId).putLong(entity).putInt(length);
    state.writeTo(buffer);
  }

  /** Makes room for {@code bytes}: flushes, and grows the buffer for an entry larger than it. */
  private void ensure(int bytes) throws IOException {
    if (buffer.remaining() < bytes) {
      flushBody();
      if (bytes > buffer.capacity()) {
        buffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
      }
    }
  }

  private void flushBody() throws IOException {
    buffer.flip();
    crc.update(buffer.duplicate());
    bodyLength += buffer.remaining();
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    buffer.clear();
  }

  private void writeHeader(
      int shard, int seriesCount, long position, long entries, long fenceEpoch, LogAnchor anchor)
      throws IOException {
    ByteBuffer h = ByteBuffer.allocate(HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    h.putInt(MAGIC_OFFSET, MAGIC)
        .putShort(VERSION_OFFSET, VERSION)
        .putShort(FLAGS_OFFSET, (short) 0)
        .putInt(SHARD_OFFSET, shard)
        .putInt(SERIES_COUNT_OFFSET, seriesCount)
        .putLong(POSITION_OFFSET, position)
        .putLong(ENTRY_COUNT_OFFSET, entries)
        .putLong(BODY_LENGTH_OFFSET, bodyLength)
        .putInt(BODY_CRC_OFFSET, (int) crc.getValue())
        .putLong(FENCE_EPOCH_OFFSET, fenceEpoch)
        .putLong(ANCHOR_FIRST_POSITION_OFFSET, anchor.firstPosition())
        .putLong(ANCHOR_EPOCH_OFFSET, anchor.epoch())
        .putInt(ANCHOR_CRC_OFFSET, anchor.crc());
    CRC32C headerCrc = new CRC32C();
    headerCrc.update(h.array(), 0, HEADER_CRC_OFFSET);
    h.putInt(HEADER_CRC_OFFSET, (int) headerCrc.getValue());
    while (h.hasRemaining()) {
      channel.write(h, h.position());
    }
  }
}
