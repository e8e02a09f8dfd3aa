package io.tidaldb.replication.wire;

import static io.tidaldb.replication.wire.FrameDescriptor.FORWARD_DURABILITY_OFFSET;
import static io.tidaldb.replication.wire.FrameDescriptor.HEADER_LENGTH;
import static io.tidaldb.replication.wire.FrameDescriptor.REPLY_DURABILITY_OFFSET;
import static io.tidaldb.replication.wire.FrameDescriptor.REPLY_FIELDS_LENGTH_OFFSET;
import static io.tidaldb.replication.wire.FrameDescriptor.REPLY_FIELDS_OFFSET;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Validates a received frame and returns a {@link Frame} view of it. Checks, in this order: the
 * length holds a header, magic, version, message type, shard, sender region, epoch, the body length
 * (fixed per type, {@code 1..max} for WAL_BATCH), that header and body are exactly the buffer's
 * remaining bytes, the CRC32C, a VOTE's or PRE_VOTE's granted byte, a SNAPSHOT_ACK's status and
 * reason bytes, and the inner layout of FORWARD and FORWARD_REPLY (durability and status bytes,
 * each length within its bound and against the body exactly, UTF-8 strings, and a reply's typed
 * fields as its status lays them out: {@link ForwardErrors#check}). Any defect throws {@link
 * InvalidArgumentException} naming the field and its value, such as {@code invalid frame type: 99
 * (must be 1..19)}; no other exception escapes for any input bytes.
 *
 * <p>Allocates nothing except to check a FORWARD's or FORWARD_REPLY's strings: the returned view is
 * this decoder's one reused flyweight. The buffer's position and limit are not changed; its byte
 * order is set to little-endian.
 *
 * <p>Not thread-safe: one instance per reading thread.
 */
public final class FrameDecoder {
  private final int maxBodyBytes;
  private final CRC32C crc = new CRC32C();
  private final byte[] scratch = FrameDescriptor.newCrcScratch();
  private final Frame frame = new Frame();

  /**
   * Creates a decoder.
   *
   * @param maxBodyBytes the largest body it accepts, at least {@link
   *     FrameDescriptor#MAX_FIXED_BODY_LENGTH}
   * @throws InvalidArgumentException if {@code maxBodyBytes} is out of range
   */
  public FrameDecoder(int maxBodyBytes) {
    this.maxBodyBytes = checkMaxBody(maxBodyBytes);
  }

  static int checkMaxBody(int maxBodyBytes) {
    if (maxBodyBytes < FrameDescriptor.MAX_FIXED_BODY_LENGTH
        || maxBodyBytes > Integer.MAX_VALUE - HEADER_LENGTH) {
      throw new InvalidArgumentException(
          "maxBodyBytes",
          maxBodyBytes,
          "must be "
              + FrameDescriptor.MAX_FIXED_BODY_LENGTH
              + ".."
              + (Integer.MAX_VALUE - HEADER_LENGTH));
    }
    return maxBodyBytes;
  }

  /**
   * Validates the frame held by {@code buffer}'s remaining bytes.
   *
   * @param buffer the frame, from its position to its limit
   * @return the reused view of the frame, valid until the next call
   * @throws InvalidArgumentException if the frame is malformed
   */
  public Frame decode(ByteBuffer buffer) {
    buffer.order(ByteOrder.LITTLE_ENDIAN);
    int offset = buffer.position();
    int remaining = buffer.remaining();
    if (remaining < HEADER_LENGTH) {
      throw new InvalidArgumentException(
          "frame length", remaining, "must be at least the header's " + HEADER_LENGTH);
    }
    int magic = buffer.getInt(offset + FrameDescriptor.MAGIC_OFFSET);
    if (magic != FrameDescriptor.MAGIC) {
      throw new InvalidArgumentException(
          "frame magic", hex(magic), "must be " + hex(FrameDescriptor.MAGIC) + ", TDRF");
    }
    short version = buffer.getShort(offset + FrameDescriptor.VERSION_OFFSET);
    if (version != FrameDescriptor.VERSION) {
      throw new InvalidArgumentException(
          "frame version", version, "must be " + FrameDescriptor.VERSION);
    }
    short type = buffer.getShort(offset + FrameDescriptor.TYPE_OFFSET);
    if (type < FrameDescriptor.MIN_TYPE || type > FrameDescriptor.MAX_TYPE) {
      throw new InvalidArgumentException(
          "frame type",
          type,
          "must be " + FrameDescriptor.MIN_TYPE + ".." + FrameDescriptor.MAX_TYPE);
    }
    int shard = buffer.getInt(offset + FrameDescriptor.SHARD_OFFSET);
    if (shard < 0) {
      throw new InvalidArgumentException("frame shard", shard, "must be >= 0");
    }
    int sender = buffer.getInt(offset + FrameDescriptor.SENDER_OFFSET);
    if (sender < 0 || sender > RegionId.MAX_VALUE) {
      throw new InvalidArgumentException(
          "frame sender region", sender, "must be 0.." + RegionId.MAX_VALUE);
    }
    long epoch = buffer.getLong(offset + FrameDescriptor.EPOCH_OFFSET);
    if (epoch < 0) {
      throw new InvalidArgumentException("frame epoch", epoch, "must be >= 0");
    }
    int bodyLength = buffer.getInt(offset + FrameDescriptor.BODY_LENGTH_OFFSET);
    checkBodyLength(type, bodyLength);
    if (remaining - HEADER_LENGTH != bodyLength) {
      throw new InvalidArgumentException(
          "frame body length",
          bodyLength,
          "must equal the " + (remaining - HEADER_LENGTH) + " bytes after the header");
    }
    int stored = buffer.getInt(offset + FrameDescriptor.CRC_OFFSET);
    int computed = FrameDescriptor.computeCrc(crc, scratch, buffer, offset, bodyLength);
    if (stored != computed) {
      throw new InvalidArgumentException(
          "frame crc32c", hex(stored), "must be " + hex(computed) + ", computed over the frame");
    }
    if (type == FrameDescriptor.VOTE) {
      checkGranted("frame vote granted", buffer.get(offset + FrameDescriptor.VOTE_GRANTED_OFFSET));
    } else if (type == FrameDescriptor.PRE_VOTE) {
      checkGranted(
          "frame pre-vote granted", buffer.get(offset + FrameDescriptor.PRE_VOTE_GRANTED_OFFSET));
    } else if (type == FrameDescriptor.FORWARD) {
      checkForward(buffer, offset, bodyLength);
    } else if (type == FrameDescriptor.FORWARD_SESSION) {
      int names = bodyLength - FrameDescriptor.FORWARD_SESSION_TRAILER_LENGTH;
      checkForward(buffer, offset, names);
      checkSession(buffer, offset + FrameDescriptor.HEADER_LENGTH + names);
    } else if (type == FrameDescriptor.FORWARD_PART) {
      checkForwardPart(buffer, offset, bodyLength);
    } else if (type == FrameDescriptor.FORWARD_REPLY) {
      checkForwardReply(buffer, offset, bodyLength);
    } else if (type == FrameDescriptor.SNAPSHOT_ACK) {
      checkSnapshotAck(
          buffer.get(offset + FrameDescriptor.SNAPSHOT_ACK_STATUS_OFFSET),
          buffer.get(offset + FrameDescriptor.SNAPSHOT_ACK_REASON_OFFSET));
    } else if (type == FrameDescriptor.LIMITS) {
      checkPositive(
          "frame limits accept batch bytes", buffer, offset + FrameDescriptor.LIMITS_ACCEPT_OFFSET);
      checkPositive(
          "frame limits write batch bytes", buffer, offset + FrameDescriptor.LIMITS_WRITE_OFFSET);
    }
    frame.wrap(buffer, offset);
    return frame;
  }

  /**
   * Checks a SNAPSHOT_ACK's status and reason bytes: a known status, a known reason, and {@link
   * FrameDescriptor#SNAPSHOT_REASON_NONE} exactly when the status is not a failure.
   */
  static void checkSnapshotAck(byte status, byte reason) {
    if (status < FrameDescriptor.SNAPSHOT_RECEIVING || status > FrameDescriptor.SNAPSHOT_FAILED) {
      throw new InvalidArgumentException(
          "frame snapshot ack status",
          status,
          "must be " + FrameDescriptor.SNAPSHOT_RECEIVING + ".." + FrameDescriptor.SNAPSHOT_FAILED);
    }
    boolean failed = status == FrameDescriptor.SNAPSHOT_FAILED;
    byte min =
        failed ? FrameDescriptor.SNAPSHOT_REASON_CORRUPT : FrameDescriptor.SNAPSHOT_REASON_NONE;
    byte max =
        failed ? FrameDescriptor.SNAPSHOT_REASON_UNSUPPORTED : FrameDescriptor.SNAPSHOT_REASON_NONE;
    if (reason < min || reason > max) {
      throw new InvalidArgumentException(
          "frame snapshot ack reason",
          reason,
          "must be " + min + ".." + max + " for status " + status);
    }
  }

  private static void checkGranted(String field, byte granted) {
    if (granted != 0 && granted != 1) {
      throw new InvalidArgumentException(field, granted, "must be 0 or 1");
    }
  }

  private static void checkForward(ByteBuffer b, int offset, int bodyLength) {
    checkDurability("frame forward durability", b.get(offset + FORWARD_DURABILITY_OFFSET));
    int names = bodyLength - FrameDescriptor.FORWARD_FIXED_BODY_LENGTH;
    int tenant = Byte.toUnsignedInt(b.get(offset + FrameDescriptor.FORWARD_TENANT_LENGTH_OFFSET));
    if (tenant < 1 || tenant > names - 1) {
      throw new InvalidArgumentException(
          "frame forward tenant length",
          tenant,
          "must be 1.." + (names - 1) + " in a body of " + bodyLength + " bytes");
    }
    int typeAt = offset + FrameDescriptor.FORWARD_TENANT_OFFSET + tenant;
    int type = Byte.toUnsignedInt(b.get(typeAt));
    if (type != names - tenant) {
      throw new InvalidArgumentException(
          "frame forward type length",
          type,
          "must be " + (names - tenant) + ", the rest of a body of " + bodyLength + " bytes");
    }
    checkUtf8("frame forward tenant", b, offset + FrameDescriptor.FORWARD_TENANT_OFFSET, tenant);
    checkUtf8("frame forward type", b, typeAt + 1, type);
  }

  /**
   * Checks a FORWARD_PART: durability, session fields, count, tenant, the type table and every
   * slot's type index, the lengths adding up to the body exactly.
   */
  private static void checkForwardPart(ByteBuffer b, int offset, int bodyLength) {
    checkDurability(
        "frame forward part durability",
        b.get(offset + FrameDescriptor.FORWARD_PART_DURABILITY_OFFSET));
    checkSession(b, offset + FrameDescriptor.FORWARD_PART_SESSION_OFFSET);
    int end = offset + HEADER_LENGTH + bodyLength;
    int n = Short.toUnsignedInt(b.getShort(offset + FrameDescriptor.FORWARD_PART_COUNT_OFFSET));
    if (n < 1) {
      throw new InvalidArgumentException("frame forward part count", n, "must be at least 1");
    }
    int tenant =
        Byte.toUnsignedInt(b.get(offset + FrameDescriptor.FORWARD_PART_TENANT_LENGTH_OFFSET));
    int at = offset + FrameDescriptor.FORWARD_PART_TENANT_OFFSET;
    if (tenant < 1 || at + tenant + 1 > end) {
      throw new InvalidArgumentException(
          "frame forward part tenant length",
          tenant,
          "must be 1.." + Math.max(1, end - at - 1) + " in a body of " + bodyLength + " bytes");
    }
    checkUtf8("frame forward part tenant", b, at, tenant);
    at += tenant;
    int k = Byte.toUnsignedInt(b.get(at++));
    if (k < 1) {
      throw new InvalidArgumentException("frame forward part type count", k, "must be 1..255");
    }
    for (int i = 0; i < k; i++) {
      int y = at < end ? Byte.toUnsignedInt(b.get(at)) : -1;
      if (y < 1 || at + 1 + y > end) {
        throw new InvalidArgumentException(
            "frame forward part type " + i + " length",
            y,
            "must be 1..255 within a body of " + bodyLength + " bytes");
      }
      checkUtf8("frame forward part type " + i, b, at + 1, y);
      at += 1 + y;
    }
    long slots = (long) n * FrameDescriptor.FORWARD_PART_SLOT_LENGTH;
    if (at + slots != end) {
      throw new InvalidArgumentException(
          "frame forward part count",
          n,
          "needs "
              + slots
              + " bytes of slots, the body has "
              + (end - at)
              + " after its names ("
              + bodyLength
              + " bytes in all)");
    }
    for (int i = 0; i < n; i++, at += FrameDescriptor.FORWARD_PART_SLOT_LENGTH) {
      int type = Byte.toUnsignedInt(b.get(at));
      if (type >= k) {
        throw new InvalidArgumentException(
            "frame forward part signal " + i + " type index", type, "must be 0.." + (k - 1));
      }
    }
  }

  /** Checks a FORWARD_SESSION's trailer (session, seq, acked below) as {@code SessionSeq} would. */
  private static void checkSession(ByteBuffer b, int at) {
    long session = b.getLong(at);
    long seq = b.getLong(at + 8);
    long ackedBelow = b.getLong(at + 16);
    if (session == 0) {
      throw new InvalidArgumentException("frame forward session", 0, "must not be 0");
    }
    if (seq < 1) {
      throw new InvalidArgumentException("frame forward seq", seq, "must be at least 1");
    }
    if (ackedBelow < 1 || ackedBelow > seq) {
      throw new InvalidArgumentException(
          "frame forward acked below", ackedBelow, "must be 1.." + seq + ", the seq");
    }
  }

  private static void checkForwardReply(ByteBuffer b, int offset, int bodyLength) {
    checkDurability("frame forward reply durability", b.get(offset + REPLY_DURABILITY_OFFSET));
    byte status = b.get(offset + FrameDescriptor.REPLY_STATUS_OFFSET);
    if (status < FrameDescriptor.STATUS_OK || status > FrameDescriptor.STATUS_OTHER) {
      throw new InvalidArgumentException(
          "frame forward reply status",
          status,
          "must be " + FrameDescriptor.STATUS_OK + ".." + FrameDescriptor.STATUS_OTHER);
    }
    int length = Short.toUnsignedInt(b.getShort(offset + REPLY_FIELDS_LENGTH_OFFSET));
    if (length != bodyLength - FrameDescriptor.REPLY_FIXED_BODY_LENGTH) {
      throw new InvalidArgumentException(
          "frame forward reply fields length",
          length,
          "must be "
              + (bodyLength - FrameDescriptor.REPLY_FIXED_BODY_LENGTH)
              + ", the rest of a body of "
              + bodyLength
              + " bytes");
    }
    ForwardErrors.check(b, offset + REPLY_FIELDS_OFFSET, length, status);
  }

  private static void checkPositive(String field, ByteBuffer b, int at) {
    long value = b.getLong(at);
    if (value < 1) {
      throw new InvalidArgumentException(field, value, "must be >= 1");
    }
  }

  private static void checkDurability(String field, byte durability) {
    if (durability < FrameDescriptor.DURABILITY_LOCAL
        || durability > FrameDescriptor.DURABILITY_ALL) {
      throw new InvalidArgumentException(
          field,
          durability,
          "must be " + FrameDescriptor.DURABILITY_LOCAL + ".." + FrameDescriptor.DURABILITY_ALL);
    }
  }

  private static void checkUtf8(String field, ByteBuffer b, int at, int length) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(b.slice(at, length));
    } catch (CharacterCodingException e) {
      byte[] bytes = new byte[length];
      b.get(at, bytes);
      throw new InvalidArgumentException(
          field, java.util.HexFormat.of().formatHex(bytes), "must be UTF-8");
    }
  }

  private void checkBodyLength(short type, int bodyLength) {
    if (type == FrameDescriptor.FORWARD
        || type == FrameDescriptor.FORWARD_SESSION
        || type == FrameDescriptor.FORWARD_REPLY) {
      int trailer =
          type == FrameDescriptor.FORWARD_SESSION
              ? FrameDescriptor.FORWARD_SESSION_TRAILER_LENGTH
              : 0;
      int min =
          type == FrameDescriptor.FORWARD_REPLY
              ? FrameDescriptor.REPLY_FIXED_BODY_LENGTH
              : FrameDescriptor.FORWARD_FIXED_BODY_LENGTH + 2 + trailer;
      int max =
          type == FrameDescriptor.FORWARD_REPLY
              ? FrameDescriptor.REPLY_FIXED_BODY_LENGTH + FrameDescriptor.REPLY_MAX_FIELDS_LENGTH
              : FrameDescriptor.FORWARD_FIXED_BODY_LENGTH
                  + 2 * FrameDescriptor.FORWARD_NAME_MAX_BYTES
                  + trailer;
      if (bodyLength < min || bodyLength > max) {
        throw new InvalidArgumentException(
            "frame body length",
            bodyLength,
            "must be " + min + ".." + max + " for " + FrameDescriptor.typeName(type));
      }
      return;
    }
    int fixed = FrameDescriptor.bodyLength(type);
    if (type == FrameDescriptor.FORWARD_PART) {
      int min = FrameDescriptor.FORWARD_PART_MIN_BODY_LENGTH;
      if (bodyLength < min || bodyLength > maxBodyBytes) {
        throw new InvalidArgumentException(
            "frame body length",
            bodyLength,
            "must be " + min + ".." + maxBodyBytes + " for FORWARD_PART");
      }
    } else if (type == FrameDescriptor.SNAPSHOT_CHUNK) {
      int min = FrameDescriptor.SNAPSHOT_CHUNK_FIXED_BODY_LENGTH + 1;
      if (bodyLength < min || bodyLength > maxBodyBytes) {
        throw new InvalidArgumentException(
            "frame body length",
            bodyLength,
            "must be " + min + ".." + maxBodyBytes + " for SNAPSHOT_CHUNK");
      }
    } else if (fixed < 0) {
      if (bodyLength < 1 || bodyLength > maxBodyBytes) {
        throw new InvalidArgumentException(
            "frame body length", bodyLength, "must be 1.." + maxBodyBytes + " for WAL_BATCH");
      }
    } else if (type == FrameDescriptor.HEARTBEAT
        && bodyLength == FrameDescriptor.HEARTBEAT_V1_BODY_LENGTH) {
      return; // an older build's heartbeat, without the commit (read as 0)
    } else if (bodyLength != fixed) {
      throw new InvalidArgumentException(
          "frame body length",
          bodyLength,
          "must be " + fixed + " for " + FrameDescriptor.typeName(type));
    }
  }

  private static String hex(int value) {
    return String.format("0x%08X", value);
  }
}
