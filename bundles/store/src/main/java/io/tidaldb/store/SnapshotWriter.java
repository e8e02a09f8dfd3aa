package io.tidaldb.store;

import static io.tidaldb.store.SnapshotDescriptor.*;

import io.tidaldb.api.StorageException;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.session.table.SessionConfig;
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
 * buffer of {@code bufferBytes} (an entry larger than it gets a larger buffer) and flushed to the
 * disk every {@link #SYNC_CHUNK_BYTES}, the header written last. Lengths and offsets are longs:
 * bodies above 2 GiB are written as {@link SnapshotReader} reads them. Not thread-safe (one per
 * shard, under its checkpoint lock).
 */
final class SnapshotWriter {
  /**
   * The body is forced ({@code fdatasync}) as soon as this many bytes have been written since the
   * last force (checked after each buffer flush: with the default 1 MiB buffer, whose flushes are
   * just under 1 MiB, every second flush), so the page cache never holds more than a few MiB of the
   * snapshot unwritten. Measured (bench/RESULTS.md §9.6): written unforced, a 240 MB snapshot
   * stayed dirty in the page cache (far below the kernel's background-writeback threshold) until
   * the one final force, which wrote it in ~126 ms; the WAL's {@code fdatasync} issued meanwhile
   * waited for the same ext4 journal commit (data=ordered: that is, for the snapshot's data), and
   * one commit stalled for 112-151 ms. Forced in chunks, a WAL sync waits at most for about one
   * chunk's writeback: with ~5 MiB chunks (4 MiB here) forces took 3.5-16 ms on the shared test
   * disk and the worst commits 8-68 ms; with ~2 MiB chunks (114 forces for 240 MB) the worst were
   * 16-17 ms. With 256 KiB (this value; the buffer is written in pieces up to each force point)
   * against 1 MiB, once the view's visitor no longer ran under the shard lock: commits during a
   * checkpoint of 2M entities p99 0.8-1.2 ms against 1.1-2.0, p99.9 3.6-4.7 against 3.2-5.9, the
   * snapshot 20-30 % slower (bench/RESULTS.md §26).
   */
  static final long SYNC_CHUNK_BYTES = 256L << 10;

  /**
   * The encoding of an empty session table, empty local streams' tables and no kept cut LOCAL
   * session records (the overloads without a table write it).
   */
  static final ByteBuffer EMPTY_SESSIONS =
      CutLocalSessionsCodec.append(new ShardSessions(SessionConfig.DEFAULTS).encode(), null)
          .asReadOnlyBuffer();

  private ByteBuffer buffer;
  private final CRC32C crc = new CRC32C();
  private final long syncChunkBytes;
  private FileChannel channel;
  private long bodyLength;
  private long unsyncedBytes;
  private int forces;

  SnapshotWriter(int bufferBytes) {
    this(bufferBytes, SYNC_CHUNK_BYTES);
  }

  /** As {@link #SnapshotWriter(int)}, forcing the body every {@code syncChunkBytes} (tests). */
  SnapshotWriter(int bufferBytes, long syncChunkBytes) {
    if (syncChunkBytes <= 0) {
      throw new IllegalArgumentException("syncChunkBytes must be > 0: " + syncChunkBytes);
    }
    this.buffer = ByteBuffer.allocateDirect(bufferBytes).order(ByteOrder.LITTLE_ENDIAN);
    this.syncChunkBytes = syncChunkBytes;
  }

  /**
   * Writes the snapshot of a shard at {@code position} into {@code directory}.
   *
   * @param fenceEpoch the epoch whose leader continues the log at {@code position} after a cut, or
   *     {@code 0} for an ordinary checkpoint
   * @param anchor the log batch ending at {@code position}
   * @param localPosition every record of the shard's local log below it is in {@code states}
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
      LogAnchor anchor,
      long localPosition) {
    return write(directory, shard, position, series, states, fenceEpoch, anchor, localPosition, -1);
  }

  /** As the 8-argument {@code write}, with the shard's folded-through epoch (-1 for none). */
  Path write(
      Path directory,
      int shard,
      long position,
      SeriesRegistry.Series[] series,
      StateEntries states,
      long fenceEpoch,
      LogAnchor anchor,
      long localPosition,
      long foldedThrough) {
    return write(
        directory,
        shard,
        position,
        series,
        states,
        fenceEpoch,
        anchor,
        localPosition,
        foldedThrough,
        EMPTY_SESSIONS);
  }

  /**
   * As the 9-argument {@code write}, with the canonical encoding of the shard's session table at
   * {@code position} (its remaining bytes, not consumed).
   */
  Path write(
      Path directory,
      int shard,
      long position,
      SeriesRegistry.Series[] series,
      StateEntries states,
      long fenceEpoch,
      LogAnchor anchor,
      long localPosition,
      long foldedThrough,
      ByteBuffer sessions) {
    return writeFile(
        directory.resolve(fileName(shard, position)),
        shard,
        position,
        series,
        states,
        fenceEpoch,
        anchor,
        localPosition,
        foldedThrough,
        sessions);
  }

  /** As {@code write}, into the file {@code target}. */
  Path writeFile(
      Path target,
      int shard,
      long position,
      SeriesRegistry.Series[] series,
      StateEntries states,
      long fenceEpoch,
      LogAnchor anchor,
      long localPosition,
      long foldedThrough,
      ByteBuffer sessions) {
    long[] header = {position, fenceEpoch, localPosition, foldedThrough};
    ByteBuffer table = sessions.duplicate();
    AtomicFile.write(
        target,
        ch -> {
          try {
            writeTo(ch, shard, series, states, anchor, header, table.duplicate());
          } catch (UncheckedIOException e) {
            throw e.getCause();
          } finally {
            channel = null;
          }
        });
    return target;
  }

  /** Returns how many times the last (or current) write forced its body before the final force. */
  int forces() {
    return forces;
  }

  /** {@code header}: position, fence epoch, local position, folded-through epoch. */
  private void writeTo(
      FileChannel ch,
      int shard,
      SeriesRegistry.Series[] series,
      StateEntries states,
      LogAnchor anchor,
      long[] header,
      ByteBuffer sessions)
      throws IOException {
    channel = ch;
    crc.reset();
    bodyLength = 0;
    unsyncedBytes = 0;
    forces = 0;
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
    while (sessions.hasRemaining()) { // the session table, through the buffer in pieces
      ensure(1);
      int n = Math.min(buffer.remaining(), sessions.remaining());
      buffer.put(sessions.slice(sessions.position(), n));
      sessions.position(sessions.position() + n);
    }
    flushBody();
    writeHeader(shard, series.length, entries[0], anchor, header);
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
    int end = buffer.limit();
    while (buffer.hasRemaining()) {
      // up to the next force point only: no force covers more than one chunk, whatever the
      // buffer's size, so a WAL sync issued meanwhile waits for one chunk's writeback at most
      int piece = (int) Math.min(buffer.remaining(), syncChunkBytes - unsyncedBytes);
      buffer.limit(buffer.position() + piece);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      buffer.limit(end);
      unsyncedBytes += piece;
      if (unsyncedBytes >= syncChunkBytes) {
        channel.force(false);
        unsyncedBytes = 0;
        forces++;
      }
    }
    buffer.clear();
  }

  private void writeHeader(
      int shard, int seriesCount, long entries, LogAnchor anchor, long[] fields)
      throws IOException {
    ByteBuffer h = ByteBuffer.allocate(HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    h.putInt(MAGIC_OFFSET, MAGIC)
        .putShort(VERSION_OFFSET, VERSION)
        .putShort(FLAGS_OFFSET, (short) 0)
        .putInt(SHARD_OFFSET, shard)
        .putInt(SERIES_COUNT_OFFSET, seriesCount)
        .putLong(POSITION_OFFSET, fields[0])
        .putLong(ENTRY_COUNT_OFFSET, entries)
        .putLong(BODY_LENGTH_OFFSET, bodyLength)
        .putInt(BODY_CRC_OFFSET, (int) crc.getValue())
        .putLong(FENCE_EPOCH_OFFSET, fields[1])
        .putLong(ANCHOR_FIRST_POSITION_OFFSET, anchor.firstPosition())
        .putLong(ANCHOR_EPOCH_OFFSET, anchor.epoch())
        .putInt(ANCHOR_CRC_OFFSET, anchor.crc())
        .putLong(LOCAL_POSITION_OFFSET, fields[2])
        .putLong(FOLDED_THROUGH_OFFSET, fields[3]);
    CRC32C headerCrc = new CRC32C();
    headerCrc.update(h.array(), 0, HEADER_CRC_OFFSET);
    h.putInt(HEADER_CRC_OFFSET, (int) headerCrc.getValue());
    while (h.hasRemaining()) {
      channel.write(h, h.position());
    }
  }
}
