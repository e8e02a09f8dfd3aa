package io.tidaldb.store;

import static io.tidaldb.store.SnapshotDescriptor.*;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.session.table.SessionConfig;
import io.tidaldb.session.table.SessionTable;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Loads a shard snapshot into a series registry, a state map and (version 8) a session table,
 * verifying both CRCs and every length. Any defect is a {@link StorageException} naming the file
 * and the byte offset.
 */
final class SnapshotReader {
  private SnapshotReader() {}

  /**
   * What a loaded snapshot covers.
   *
   * @param position the WAL position the snapshot covers
   * @param fenceEpoch the epoch of the leader the log was cut for at {@code position}, {@code 0}
   *     for an ordinary checkpoint (and every version 1 file)
   * @param localPosition every record of the shard's local log below it is in the state (0 in a
   *     version 5 file)
   * @param foldedThrough the highest cut-off epoch of a COMPACT record applied to the state (-1 if
   *     none, and in a version 5 or 6 file)
   * @param cutLocal the kept cut LOCAL session records (version 10; null: none, also before)
   */
  record Loaded(
      long position,
      long fenceEpoch,
      long localPosition,
      long foldedThrough,
      CutLocalSessions cutLocal) {
    Loaded(long position, long fenceEpoch) {
      this(position, fenceEpoch, 0);
    }

    Loaded(long position, long fenceEpoch, long localPosition) {
      this(position, fenceEpoch, localPosition, -1);
    }

    Loaded(long position, long fenceEpoch, long localPosition, long foldedThrough) {
      this(position, fenceEpoch, localPosition, foldedThrough, null);
    }
  }

  /**
   * A checked header.
   *
   * @param length the header's length, where the body starts (it depends on the version)
   * @param anchor the covered log batch ({@link LogAnchor#NONE}'s first position for none)
   */
  record Header(
      ByteBuffer bytes,
      short version,
      int length,
      long position,
      long fenceEpoch,
      LogAnchor anchor,
      long localPosition,
      long foldedThrough) {}

  /**
   * Reads and checks the header of {@code file} only (magic, version, CRC32C, shard, body length).
   *
   * @throws StorageException naming the file and offset of a defect
   */
  static Header header(Path file, int shard) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return header(file, shard, ch);
    } catch (IOException e) {
      throw new StorageException("cannot read snapshot " + file + ": " + e, e);
    }
  }

  /**
   * Loads {@code file} into {@code registry} and {@code states} (which should be empty), streaming
   * its body through a buffer of {@code bufferBytes}: a first pass checks the body CRC32C, a second
   * parses it.
   *
   * @return the position and fence epoch from the header
   */
  static Loaded load(
      Path file, int shard, SeriesRegistry registry, EntityStateMap states, int bufferBytes) {
    return load(file, shard, registry, states, null, bufferBytes);
  }

  /**
   * Loads {@code file} as {@link #load(Path, int, SeriesRegistry, EntityStateMap, int)} does, and
   * its session table into {@code sessions} (an empty table from a file before version 8; a version
   * 8 table is checked even when {@code sessions} is null).
   *
   * @return the position and fence epoch from the header
   * @throws StorageException naming the file and offset of a defect, a malformed table included
   */
  static Loaded load(
      Path file,
      int shard,
      SeriesRegistry registry,
      EntityStateMap states,
      ShardSessions sessions,
      int bufferBytes) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Header header = header(file, shard, ch);
      ByteBuffer h = header.bytes();
      long bodyLength = h.getLong(BODY_LENGTH_OFFSET);
      SnapshotInput body = new SnapshotInput(file, ch, header.length(), bodyLength, bufferBytes);
      if (body.crc() != h.getInt(BODY_CRC_OFFSET)) {
        throw corrupt(file, header.length(), "body CRC32C mismatch over " + bodyLength + " bytes");
      }
      readBody(
          file,
          body,
          h.getInt(SERIES_COUNT_OFFSET),
          h.getLong(ENTRY_COUNT_OFFSET),
          registry,
          states);
      SessionConfig config = sessions == null ? SessionConfig.DEFAULTS : sessions.config();
      short version = header.version();
      SessionTable table =
          version >= VERSION_8 ? readSessions(file, body, config, version == VERSION_8) : null;
      LocalSessions local =
          version >= VERSION_9
              ? readLocal(
                  file, body, config, sessions == null ? 0 : sessions.owner(), version == VERSION_9)
              : null;
      CutLocalSessions cutLocal =
          version >= VERSION_10
              ? readCutLocal(file, body, config.ttlMillis(), shard, version > VERSION_10)
              : null;
      if (body.remaining() > 0) {
        throw corrupt(file, body.offset(), body.remaining() + " trailing bytes");
      }
      if (sessions != null) {
        sessions.clear();
        if (table != null) {
          sessions.replaceWith(table);
        }
        if (local != null) {
          sessions.replaceLocal(local);
        }
      }
      return new Loaded(
          header.position(),
          header.fenceEpoch(),
          header.localPosition(),
          header.foldedThrough(),
          cutLocal);
    } catch (IOException e) {
      throw new StorageException("cannot read snapshot " + file + ": " + e, e);
    }
  }

  /**
   * Reads only the session table of {@code file} (an empty one from a file before version 8),
   * checking the header and the body CRC32C and streaming past the series and entries without
   * keeping them: a cut rebuilds the table from a snapshot ({@link ShardTruncation}).
   *
   * @return the table and the snapshot's position
   * @throws StorageException naming the file and offset of a defect
   */
  static SessionsAt loadSessions(Path file, int shard, SessionConfig config, int bufferBytes) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Header header = header(file, shard, ch);
      ByteBuffer h = header.bytes();
      long bodyLength = h.getLong(BODY_LENGTH_OFFSET);
      SnapshotInput body = new SnapshotInput(file, ch, header.length(), bodyLength, bufferBytes);
      if (body.crc() != h.getInt(BODY_CRC_OFFSET)) {
        throw corrupt(file, header.length(), "body CRC32C mismatch over " + bodyLength + " bytes");
      }
      if (header.version() < VERSION_8) {
        return new SessionsAt(new SessionTable(config), header.position());
      }
      long offset = body.offset();
      try {
        for (int i = 0; i < h.getInt(SERIES_COUNT_OFFSET); i++) {
          offset = body.offset();
          body.need(4).getInt();
          ascii(body);
          ascii(body);
        }
        for (long i = 0; i < h.getLong(ENTRY_COUNT_OFFSET); i++) {
          offset = body.offset();
          ByteBuffer b = body.need(ENTRY_PREFIX_LENGTH);
          int length = b.getInt(b.position() + 12);
          if (length < 0 || length > body.remaining() - ENTRY_PREFIX_LENGTH) {
            throw corrupt(file, offset + 12, "bad state length " + length);
          }
          b.position(b.position() + ENTRY_PREFIX_LENGTH);
          b = body.need(length);
          b.position(b.position() + length);
        }
      } catch (BufferUnderflowException e) {
        throw corrupt(file, offset, "malformed record: " + e.getMessage());
      }
      SessionTable table = readSessions(file, body, config, header.version() == VERSION_8);
      return new SessionsAt(table, header.position());
    } catch (IOException e) {
      throw new StorageException("cannot read snapshot " + file + ": " + e, e);
    }
  }

  /**
   * A snapshot's session table.
   *
   * @param table the table
   * @param position the position the snapshot covers
   */
  record SessionsAt(SessionTable table, long position) {}

  /**
   * Checks {@code file}'s header and body CRC32C without parsing the body (one streaming pass).
   *
   * @return the header
   * @throws StorageException naming the file and offset of a defect
   */
  static Header check(Path file, int shard, int bufferBytes) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Header header = header(file, shard, ch);
      long bodyLength = header.bytes().getLong(BODY_LENGTH_OFFSET);
      SnapshotInput body = new SnapshotInput(file, ch, header.length(), bodyLength, bufferBytes);
      if (body.crc() != header.bytes().getInt(BODY_CRC_OFFSET)) {
        throw corrupt(file, header.length(), "body CRC32C mismatch over " + bodyLength + " bytes");
      }
      return header;
    } catch (IOException e) {
      throw new StorageException("cannot read snapshot " + file + ": " + e, e);
    }
  }

  private static Header header(Path file, int shard, FileChannel ch) throws IOException {
    long size = ch.size();
    if (size < MIN_HEADER_LENGTH) {
      throw corrupt(file, 0, "file of " + size + " bytes is shorter than the header");
    }
    ByteBuffer h =
        ByteBuffer.allocate((int) Math.min(size, HEADER_LENGTH)).order(ByteOrder.LITTLE_ENDIAN);
    while (h.hasRemaining() && ch.read(h, h.position()) >= 0) {}
    int length = checkHeader(file, shard, h, size);
    LogAnchor anchor =
        new LogAnchor(
            h.getLong(ANCHOR_FIRST_POSITION_OFFSET),
            h.getLong(ANCHOR_EPOCH_OFFSET),
            h.getInt(ANCHOR_CRC_OFFSET));
    long local = length == V5_HEADER_LENGTH ? 0 : h.getLong(LOCAL_POSITION_OFFSET);
    long folded = length == HEADER_LENGTH ? h.getLong(FOLDED_THROUGH_OFFSET) : -1;
    return new Header(
        h,
        h.getShort(VERSION_OFFSET),
        length,
        h.getLong(POSITION_OFFSET),
        h.getLong(FENCE_EPOCH_OFFSET),
        anchor,
        local,
        folded);
  }

  /** Checks the header; returns its length (which depends on the version). */
  private static int checkHeader(Path file, int shard, ByteBuffer h, long size) {
    if (h.getInt(MAGIC_OFFSET) != MAGIC) {
      throw corrupt(file, MAGIC_OFFSET, "bad magic " + Integer.toHexString(h.getInt(MAGIC_OFFSET)));
    }
    short version = h.getShort(VERSION_OFFSET);
    if (version >= VERSION_1 && version < VERSION_5) {
      throw new StorageException(
          "unusable snapshot "
              + file
              + ": version "
              + version
              + " was written before the issue-11 entry scheme; its CRDT entries are keyed by"
              + " origin region and cannot be mapped onto per-epoch log entries exactly");
    }
    if (version != VERSION
        && version != VERSION_10
        && version != VERSION_9
        && version != VERSION_8
        && version != VERSION_7
        && version != VERSION_6
        && version != VERSION_5) {
      throw corrupt(file, VERSION_OFFSET, "unsupported version " + version);
    }
    int headerLength =
        version == VERSION_5
            ? V5_HEADER_LENGTH
            : version == VERSION_6 ? V6_HEADER_LENGTH : HEADER_LENGTH;
    int headerCrcOffset =
        version == VERSION_5
            ? V5_HEADER_CRC_OFFSET
            : version == VERSION_6 ? V6_HEADER_CRC_OFFSET : HEADER_CRC_OFFSET;
    if (size < headerLength) {
      throw corrupt(file, 0, "file of " + size + " bytes is shorter than the header");
    }
    CRC32C crc = new CRC32C();
    crc.update(h.array(), 0, headerCrcOffset);
    if ((int) crc.getValue() != h.getInt(headerCrcOffset)) {
      throw corrupt(file, headerCrcOffset, "header CRC32C mismatch");
    }
    if (h.getInt(SHARD_OFFSET) != shard) {
      throw corrupt(file, SHARD_OFFSET, "shard " + h.getInt(SHARD_OFFSET) + ", expected " + shard);
    }
    long bodyLength = h.getLong(BODY_LENGTH_OFFSET);
    if (bodyLength != size - headerLength) {
      throw corrupt(
          file,
          BODY_LENGTH_OFFSET,
          "body length " + bodyLength + " does not fit file size " + size);
    }
    return headerLength;
  }

  /** Reads the body into {@code registry} and {@code states}. */
  private static void readBody(
      Path file,
      SnapshotInput body,
      int seriesCount,
      long entryCount,
      SeriesRegistry registry,
      EntityStateMap states)
      throws IOException {
    String source = "snapshot " + file;
    long offset = body.offset();
    try {
      for (int i = 0; i < seriesCount; i++) {
        offset = body.offset();
        int id = body.need(4).getInt();
        String tenant = ascii(body);
        String type = ascii(body);
        registry.bind(id, tenant, type, source);
      }
      for (long i = 0; i < entryCount; i++) {
        offset = body.offset();
        ByteBuffer b = body.need(ENTRY_PREFIX_LENGTH);
        int seriesId = b.getInt();
        long entity = b.getLong();
        int length = b.getInt();
        if (registry.get(seriesId) == null) {
          throw corrupt(file, offset, "entry of undefined series " + seriesId);
        }
        if (length < 0 || length > body.remaining()) {
          throw corrupt(file, offset + 12, "bad state length " + length);
        }
        b = body.need(length);
        ByteBuffer slice = b.slice(b.position(), length).order(ByteOrder.LITTLE_ENDIAN);
        b.position(b.position() + length);
        states.put(seriesId, entity, CrdtSignalState.readFrom(slice));
      }
    } catch (BufferUnderflowException | InvalidArgumentException e) {
      throw corrupt(file, offset, "malformed record: " + e.getMessage());
    }
  }

  /**
   * Reads the session table after the entries: the rest of a version 8 body ({@code last}), or
   * followed by the local streams' tables (version 9).
   */
  private static SessionTable readSessions(
      Path file, SnapshotInput body, SessionConfig config, boolean last) throws IOException {
    return readSection(file, body, "session table", last, b -> SessionTable.readFrom(b, config));
  }

  /**
   * Reads the local streams' tables: the rest of a version 9 body ({@code last}), or followed by
   * the kept cut LOCAL session records (version 10).
   */
  private static LocalSessions readLocal(
      Path file, SnapshotInput body, SessionConfig config, long owner, boolean last)
      throws IOException {
    return readSection(
        file, body, "local session tables", last, b -> LocalSessions.readFrom(b, config, owner));
  }

  /**
   * Reads the kept cut LOCAL session records that fill the rest of a version 10 or 11 body ({@code
   * parts}: 11, whose entries hold the part fields).
   */
  private static CutLocalSessions readCutLocal(
      Path file, SnapshotInput body, long ttlMillis, int shard, boolean parts) throws IOException {
    CutLocalSessions cut =
        readSection(
            file,
            body,
            "cut LOCAL session records",
            true,
            b -> CutLocalSessionsCodec.readFrom(b, ttlMillis, shard, parts));
    return cut.isEmpty() ? null : cut;
  }

  /** Decodes one section of a snapshot body from a little-endian buffer. */
  @FunctionalInterface
  private interface SectionDecoder<T> {
    T decode(ByteBuffer buffer);
  }

  /**
   * Decodes the section that starts at the body's position and runs at most to its end; if {@code
   * last}, it must fill the rest exactly. A decoding failure or trailing bytes are a corrupt
   * snapshot naming the section ({@code what}) and the offset.
   */
  private static <T> T readSection(
      Path file, SnapshotInput body, String what, boolean last, SectionDecoder<T> decoder)
      throws IOException {
    long offset = body.offset();
    long length = body.remaining();
    if (length > Integer.MAX_VALUE) {
      throw corrupt(file, offset, what + " of " + length + " bytes");
    }
    ByteBuffer b = body.need((int) length);
    ByteBuffer slice = b.slice(b.position(), (int) length).order(ByteOrder.LITTLE_ENDIAN);
    T value;
    try {
      value = decoder.decode(slice);
    } catch (BufferUnderflowException | IndexOutOfBoundsException | InvalidArgumentException e) {
      throw corrupt(file, offset + slice.position(), "malformed " + what + ": " + e.getMessage());
    }
    if (last && slice.hasRemaining()) {
      throw corrupt(
          file, offset + slice.position(), slice.remaining() + " trailing bytes after the " + what);
    }
    b.position(b.position() + slice.position());
    return value;
  }

  private static String ascii(SnapshotInput body) throws IOException {
    int length = body.need(1).get() & 0xFF;
    byte[] bytes = new byte[length];
    body.need(length).get(bytes);
    return new String(bytes, StandardCharsets.US_ASCII);
  }

  private static StorageException corrupt(Path file, long offset, String what) {
    return new StorageException("corrupt snapshot " + file + " at offset " + offset + ": " + what);
  }
}
