package io.tidaldb.tenancy;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.tenancy.TenantQuotas;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The one binary format of the tenant registry: the registry file, and the gossip frames (a STATE
 * frame holds some or all entries, a DIGEST frame the registry's digest). Big-endian.
 *
 * <pre>
 * message (file, STATE or DIGEST):
 *  0               4     5     6           8               12
 * +---------------+-----+-----+-----------+---------------+----------------------+---------------+
 * | magic 'TNTR'  | ver | kind| reserved  | count (u32)   | body                 | crc32c (u32)  |
 * +---------------+-----+-----+-----------+---------------+----------------------+---------------+
 * body of FILE and STATE: count entries; body of DIGEST: the registry's digest (i64), count is the
 * registry's size. The CRC32C covers every byte before it.
 *
 * entry:
 *  0     1          1+n            +8            +10           +18           +20
 * +-----+----------+--------------+-------------+-------------+-------------+------------------+
 * | n   | name (n) | createdMillis| createdReg  | quotasMillis| quotasReg   | signalsPerSecond |
 * +-----+----------+--------------+-------------+-------------+-------------+------------------+
 *   +28            +36          +44             +52            +54
 * +--------------+------------+---------------+--------------+
 * | maxEntities  | maxBytes   | deletedMillis | deletedReg   |
 * +--------------+------------+---------------+--------------+
 * regions are u16; millis and quotas i64; deletedMillis is Long.MAX_VALUE while not deleted.
 * </pre>
 */
public final class RegistryFormat {
  /** The magic number, ASCII {@code TNTR}. */
  public static final int MAGIC = 0x544E5452;

  /** The format version. */
  public static final byte VERSION = 1;

  /** Kind of the registry file. */
  public static final byte KIND_FILE = 0;

  /** Kind of a gossip frame carrying entries. */
  public static final byte KIND_STATE = 1;

  /** Kind of a gossip frame carrying the digest. */
  public static final byte KIND_DIGEST = 2;

  /** Offset of the magic. */
  public static final int MAGIC_OFFSET = 0;

  /** Offset of the version. */
  public static final int VERSION_OFFSET = 4;

  /** Offset of the kind. */
  public static final int KIND_OFFSET = 5;

  /** Offset of the count. */
  public static final int COUNT_OFFSET = 8;

  /** Length of the header; the body starts here. */
  public static final int HEADER_LENGTH = 12;

  /** Length of the CRC trailer. */
  public static final int CRC_LENGTH = 4;

  /** Bytes of an entry after its name. */
  public static final int ENTRY_FIXED_LENGTH = 54;

  /** The longest entry. */
  public static final int MAX_ENTRY_LENGTH = 1 + TenantId.MAX_LENGTH + ENTRY_FIXED_LENGTH;

  /** Length of a DIGEST frame. */
  public static final int DIGEST_LENGTH = HEADER_LENGTH + 8 + CRC_LENGTH;

  private RegistryFormat() {}

  /**
   * Encodes entries as a message of {@code kind}.
   *
   * @param kind {@link #KIND_FILE} or {@link #KIND_STATE}
   * @param entries the entries
   * @return the message, positioned at 0
   */
  public static ByteBuffer encode(byte kind, List<TenantEntry> entries) {
    ByteBuffer b =
        ByteBuffer.allocate(HEADER_LENGTH + entries.size() * MAX_ENTRY_LENGTH + CRC_LENGTH);
    header(b, kind, entries.size());
    for (TenantEntry e : entries) {
      byte[] name = e.name().getBytes(StandardCharsets.US_ASCII);
      b.put((byte) name.length).put(name);
      b.putLong(e.createdMillis()).putShort((short) e.createdRegion());
      b.putLong(e.quotasMillis()).putShort((short) e.quotasRegion());
      b.putLong(e.quotas().signalsPerSecond())
          .putLong(e.quotas().maxEntities())
          .putLong(e.quotas().maxBytes());
      b.putLong(e.deletedMillis()).putShort((short) e.deletedRegion());
    }
    return seal(b);
  }

  /**
   * Encodes a DIGEST frame.
   *
   * @param registry the registry
   * @return the frame, positioned at 0
   */
  public static ByteBuffer encodeDigest(TenantRegistry registry) {
    ByteBuffer b = ByteBuffer.allocate(DIGEST_LENGTH);
    header(b, KIND_DIGEST, registry.size());
    b.putLong(digest(registry));
    return seal(b);
  }

  /**
   * Returns the digest of a registry: a 64-bit hash of its canonical encoding (entries by name).
   *
   * @param registry the registry
   * @return the digest; equal registries have equal digests
   */
  public static long digest(TenantRegistry registry) {
    ByteBuffer b = encode(KIND_STATE, new ArrayList<>(registry.entries()));
    long h = 0xCBF29CE484222325L;
    for (int i = HEADER_LENGTH; i < b.limit() - CRC_LENGTH; i++) {
      h = (h ^ (b.get(i) & 0xFF)) * 0x100000001B3L;
    }
    return h ^ (h >>> 29) ^ registry.size();
  }

  /**
   * Returns the kind of a message after checking its header and CRC.
   *
   * @param message the message, from its position to its limit
   * @return its kind
   * @throws StorageException naming what is wrong
   */
  public static byte check(ByteBuffer message) {
    ByteBuffer b = message.slice().order(ByteOrder.BIG_ENDIAN);
    if (b.remaining() < HEADER_LENGTH + CRC_LENGTH) {
      throw new StorageException("tenant registry message too short: " + b.remaining() + " bytes");
    }
    if (b.getInt(MAGIC_OFFSET) != MAGIC) {
      throw new StorageException(
          "tenant registry message: bad magic 0x" + Integer.toHexString(b.getInt(MAGIC_OFFSET)));
    }
    if (b.get(VERSION_OFFSET) != VERSION) {
      throw new StorageException(
          "tenant registry message: unknown version " + b.get(VERSION_OFFSET));
    }
    CRC32C crc = new CRC32C();
    crc.update(b.duplicate().limit(b.limit() - CRC_LENGTH));
    int stored = b.getInt(b.limit() - CRC_LENGTH);
    if ((int) crc.getValue() != stored) {
      throw new StorageException(
          "tenant registry message: CRC mismatch (stored 0x"
              + Integer.toHexString(stored)
              + ", computed 0x"
              + Integer.toHexString((int) crc.getValue())
              + ")");
    }
    return b.get(KIND_OFFSET);
  }

  /**
   * Decodes the entries of a FILE or STATE message, checked with {@link #check} first.
   *
   * @param message the message
   * @return the entries
   * @throws StorageException naming what is wrong
   */
  public static List<TenantEntry> decodeEntries(ByteBuffer message) {
    byte kind = check(message);
    if (kind != KIND_FILE && kind != KIND_STATE) {
      throw new StorageException("tenant registry message: kind " + kind + " holds no entries");
    }
    ByteBuffer b = message.slice().order(ByteOrder.BIG_ENDIAN);
    int end = b.limit() - CRC_LENGTH;
    int count = b.getInt(COUNT_OFFSET);
    if (count < 0 || count > TenantRegistry.MAX_TENANTS) {
      throw new StorageException(
          "tenant registry message: "
              + Integer.toUnsignedString(count)
              + " entries, at most "
              + TenantRegistry.MAX_TENANTS);
    }
    b.position(HEADER_LENGTH).limit(end);
    List<TenantEntry> entries = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      entries.add(entry(b, i));
    }
    if (b.hasRemaining()) {
      throw new StorageException(
          "tenant registry message: " + b.remaining() + " bytes after " + count + " entries");
    }
    return entries;
  }

  /**
   * Decodes the digest and registry size of a DIGEST message, checked with {@link #check} first.
   *
   * @param message the message
   * @return the digest
   */
  public static long decodeDigest(ByteBuffer message) {
    if (check(message) != KIND_DIGEST || message.remaining() != DIGEST_LENGTH) {
      throw new StorageException("tenant registry message: not a DIGEST frame");
    }
    return message.slice().getLong(HEADER_LENGTH);
  }

  private static TenantEntry entry(ByteBuffer b, int index) {
    try {
      int n = b.get() & 0xFF;
      if (n < 1 || n > TenantId.MAX_LENGTH || b.remaining() < n + ENTRY_FIXED_LENGTH) {
        throw new StorageException(
            "tenant registry message: entry " + index + " has a bad name length " + n);
      }
      byte[] name = new byte[n];
      b.get(name);
      TenantId tenant = TenantId.of(new String(name, StandardCharsets.US_ASCII));
      long created = b.getLong();
      int createdRegion = b.getShort() & 0xFFFF;
      long quotasMillis = b.getLong();
      int quotasRegion = b.getShort() & 0xFFFF;
      TenantQuotas quotas = new TenantQuotas(b.getLong(), b.getLong(), b.getLong());
      long deleted = b.getLong();
      int deletedRegion = b.getShort() & 0xFFFF;
      return new TenantEntry(
          tenant.name(),
          created,
          createdRegion,
          quotasMillis,
          quotasRegion,
          quotas,
          deleted,
          deletedRegion);
    } catch (InvalidArgumentException e) {
      throw new StorageException(
          "tenant registry message: entry " + index + ": " + e.getMessage(), e);
    } catch (java.nio.BufferUnderflowException e) {
      throw new StorageException("tenant registry message: entry " + index + " is truncated", e);
    }
  }

  private static void header(ByteBuffer b, byte kind, int count) {
    b.putInt(MAGIC).put(VERSION).put(kind).putShort((short) 0).putInt(count);
  }

  private static ByteBuffer seal(ByteBuffer b) {
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    b.flip();
    return b;
  }
}
