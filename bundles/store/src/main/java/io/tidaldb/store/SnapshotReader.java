package io.tidaldb.store;

import static io.tidaldb.store.SnapshotDescriptor.*;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.crdt.CrdtSignalState;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Loads a shard snapshot into a series registry and a state map, verifying both CRCs and every
 * length. Any defect is a {@link StorageException} naming the file and the byte offset.
 */
final class SnapshotReader {
  private SnapshotReader() {}

  /**
   * Loads {@code file} into {@code registry} and {@code states} (which should be empty).
   *
   * @return the WAL position the snapshot covers
   */
  static long load(Path file, int shard, SeriesRegistry registry, EntityStateMap states) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < HEADER_LENGTH) {
        throw corrupt(file, 0, "file of " + size + " bytes is shorter than the header");
      }
      ByteBuffer h = ByteBuffer.allocate(HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
      while (h.hasRemaining() && ch.read(h, h.position()) >= 0) {}
      checkHeader(file, shard, h, size);
      long bodyLength = h.getLong(BODY_LENGTH_OFFSET);
      MappedByteBuffer body = ch.map(FileChannel.MapMode.READ_ONLY, HEADER_LENGTH, bodyLength);
      body.order(ByteOrder.LITTLE_ENDIAN);
      CRC32C crc = new CRC32C();
      crc.update(body.duplicate());
      if ((int) crc.getValue() != h.getInt(BODY_CRC_OFFSET)) {
        throw corrupt(file, HEADER_LENGTH, "body CRC32C mismatch over " + bodyLength + " bytes");
      }
      readBody(
          file,
          body,
          h.getInt(SERIES_COUNT_OFFSET),
          h.getLong(ENTRY_COUNT_OFFSET),
          registry,
          states);
      return h.getLong(POSITION_OFFSET);
    } catch (IOException e) {
      throw new StorageException("cannot read snapshot " + file + ": " + e, e);
    }
  }

  private static void checkHeader(Path file, int shard, ByteBuffer h, long size) {
    CRC32C crc = new CRC32C();
    crc.update(h.array(), 0, HEADER_CRC_OFFSET);
    if ((int) crc.getValue() != h.getInt(HEADER_CRC_OFFSET)) {
      throw corrupt(file, HEADER_CRC_OFFSET, "header CRC32C mismatch");
    }
    if (h.getInt(MAGIC_OFFSET) != MAGIC) {
      throw corrupt(file, MAGIC_OFFSET, "bad magic " + Integer.toHexString(h.getInt(MAGIC_OFFSET)));
    }
    if (h.getShort(VERSION_OFFSET) != VERSION) {
      throw corrupt(file, VERSION_OFFSET, "unsupported version " + h.getShort(VERSION_OFFSET));
    }
    if (h.getInt(SHARD_OFFSET) != shard) {
      throw corrupt(file, SHARD_OFFSET, "shard " + h.getInt(SHARD_OFFSET) + ", expected " + shard);
    }
    long bodyLength = h.getLong(BODY_LENGTH_OFFSET);
    if (bodyLength != size - HEADER_LENGTH || bodyLength > Integer.MAX_VALUE) {
      throw corrupt(
          file,
          BODY_LENGTH_OFFSET,
          "body length " + bodyLength + " does not fit file size " + size + " (max 2 GiB)");
    }
  }

  private static void readBody(
      Path file,
      ByteBuffer body,
      int seriesCount,
      long entryCount,
      SeriesRegistry registry,
      EntityStateMap states) {
    String source = "snapshot " + file;
    int offset = 0;
    try {
      for (int i = 0; i < seriesCount; i++) {
        offset = body.position();
        int id = body.getInt();
        String tenant = ascii(body);
        String type = ascii(body);
        registry.bind(id, tenant, type, source);
      }
      for (long i = 0; i < entryCount; i++) {
        offset = body.position();
        int seriesId = body.getInt();
        long entity = body.getLong();
        int length = body.getInt();
        if (registry.get(seriesId) == null) {
          throw corrupt(file, HEADER_LENGTH + offset, "entry of undefined series " + seriesId);
        }
        if (length < 0 || length > body.remaining()) {
          throw corrupt(file, HEADER_LENGTH + offset + 12, "bad state length " + length);
        }
        ByteBuffer slice = body.slice(body.position(), length).order(ByteOrder.LITTLE_ENDIAN);
        body.position(body.position() + length);
        states.put(seriesId, entity, CrdtSignalState.readFrom(slice));
      }
      if (body.hasRemaining()) {
        throw corrupt(file, HEADER_LENGTH + body.position(), body.remaining() + " trailing bytes");
      }
    } catch (BufferUnderflowException | InvalidArgumentException e) {
      throw corrupt(file, HEADER_LENGTH + offset, "malformed record: " + e.getMessage());
    }
  }

  private static String ascii(ByteBuffer body) {
    int length = body.get() & 0xFF;
    byte[] bytes = new byte[length];
    body.get(bytes);
    return new String(bytes, StandardCharsets.US_ASCII);
  }

  private static StorageException corrupt(Path file, long offset, String what) {
    return new StorageException("corrupt snapshot " + file + " at offset " + offset + ": " + what);
  }
}
