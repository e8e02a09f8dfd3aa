package io.tidaldb.replication.wire;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Writes, checks and reads the typed fields of a FORWARD_REPLY ({@link ForwardError}), laid out as
 * {@link FrameDescriptor} describes: INVALID_ARGUMENT three strings (argument, value, rule);
 * UNAVAILABLE a byte (may be stored, 0 or 1), an int (region, -1 for none) and a string (message);
 * OTHER a string (message); OK, UNKNOWN_TENANT and NOT_LEADER none. A string is a 2-byte length
 * then that many UTF-8 bytes, at most {@link FrameDescriptor#FORWARD_FIELD_MAX_BYTES}.
 */
final class ForwardErrors {
  private ForwardErrors() {}

  /** The fields' length in bytes. */
  static int length(ForwardError e) {
    if (e instanceof ForwardError.InvalidArgument a) {
      return 6 + utf8(a.argument()).length + utf8(a.value()).length + utf8(a.rule()).length;
    }
    if (e instanceof ForwardError.Unavailable u) {
      return FrameDescriptor.REPLY_UNAVAILABLE_FIXED_LENGTH + 2 + utf8(u.message()).length;
    }
    if (e instanceof ForwardError.Other o) {
      return 2 + utf8(o.message()).length;
    }
    return 0;
  }

  /** Writes the fields at {@code at} of a little-endian buffer. */
  static void write(ByteBuffer b, int at, ForwardError e) {
    if (e instanceof ForwardError.InvalidArgument a) {
      at = putString(b, at, a.argument());
      at = putString(b, at, a.value());
      putString(b, at, a.rule());
    } else if (e instanceof ForwardError.Unavailable u) {
      b.put(at, (byte) (u.mayBeStored() ? 1 : 0));
      b.putInt(at + 1, u.region());
      putString(b, at + FrameDescriptor.REPLY_UNAVAILABLE_FIXED_LENGTH, u.message());
    } else if (e instanceof ForwardError.Other o) {
      putString(b, at, o.message());
    }
  }

  /**
   * Checks the {@code length} bytes of fields at {@code at} for {@code status}: every length within
   * its bound and the lengths adding up to {@code length} exactly, UTF-8 strings, a may-be-stored
   * byte of 0 or 1, a region of -1..65535.
   *
   * @throws InvalidArgumentException naming the field and its value
   */
  static void check(ByteBuffer b, int at, int length, byte status) {
    read(b, at, length, status, -1, true);
  }

  /** Reads the fields of a checked reply; {@code position} is the reply's position field. */
  static ForwardError read(ByteBuffer b, int at, int length, byte status, long position) {
    return read(b, at, length, status, position, false);
  }

  private static ForwardError read(
      ByteBuffer b, int at, int length, byte status, long position, boolean strict) {
    Fields f = new Fields(b, at, length, strict);
    ForwardError e =
        switch (status) {
          case FrameDescriptor.STATUS_INVALID_ARGUMENT ->
              new ForwardError.InvalidArgument(
                  f.string("argument"), f.string("value"), f.string("rule"));
          case FrameDescriptor.STATUS_UNAVAILABLE -> {
            boolean mayBeStored = f.flag("may be stored");
            int region = f.region();
            yield new ForwardError.Unavailable(mayBeStored, region, f.string("message"));
          }
          case FrameDescriptor.STATUS_OTHER -> new ForwardError.Other(f.string("message"));
          case FrameDescriptor.STATUS_UNKNOWN_TENANT -> new ForwardError.UnknownTenant();
          case FrameDescriptor.STATUS_NOT_LEADER -> new ForwardError.NotLeader(position);
          default -> null; // OK
        };
    f.end(status);
    return e;
  }

  /** A cursor over the fields that checks each read against the fields' length. */
  private static final class Fields {
    private final ByteBuffer b;
    private final int end;
    private final int length;
    private final boolean strict;
    private int at;

    Fields(ByteBuffer b, int at, int length, boolean strict) {
      this.b = b;
      this.at = at;
      this.end = at + length;
      this.length = length;
      this.strict = strict;
    }

    String string(String name) {
      need(2, name + " length");
      int n = Short.toUnsignedInt(b.getShort(at));
      if (n > FrameDescriptor.FORWARD_FIELD_MAX_BYTES || n > end - at - 2) {
        throw new InvalidArgumentException(
            "frame forward reply " + name + " length",
            n,
            "must be 0.."
                + Math.min(FrameDescriptor.FORWARD_FIELD_MAX_BYTES, end - at - 2)
                + ", within the reply's "
                + length
                + " bytes of fields");
      }
      String s = strict ? checkedUtf8(name, at + 2, n) : plainUtf8(at + 2, n);
      at += 2 + n;
      return s;
    }

    boolean flag(String name) {
      need(1, name);
      byte v = b.get(at++);
      if (v != 0 && v != 1) {
        throw new InvalidArgumentException("frame forward reply " + name, v, "must be 0 or 1");
      }
      return v == 1;
    }

    int region() {
      need(4, "region");
      int v = b.getInt(at);
      if (v < -1 || v > RegionId.MAX_VALUE) {
        throw new InvalidArgumentException(
            "frame forward reply region", v, "must be -1.." + RegionId.MAX_VALUE);
      }
      at += 4;
      return v;
    }

    void end(byte status) {
      if (at != end) {
        throw new InvalidArgumentException(
            "frame forward reply fields length",
            length,
            "must be " + (at - (end - length)) + ", the fields of status " + status);
      }
    }

    private void need(int n, String name) {
      if (end - at < n) {
        throw new InvalidArgumentException(
            "frame forward reply fields length",
            length,
            "too short for the " + name + " (" + n + " bytes at " + (at - (end - length)) + ")");
      }
    }

    private String plainUtf8(int from, int n) {
      byte[] bytes = new byte[n];
      b.get(from, bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    }

    private String checkedUtf8(String name, int from, int n) {
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(b.slice(from, n))
            .toString();
      } catch (CharacterCodingException e) {
        byte[] bytes = new byte[n];
        b.get(from, bytes);
        throw new InvalidArgumentException(
            "frame forward reply " + name, HexFormat.of().formatHex(bytes), "must be UTF-8");
      }
    }
  }

  private static int putString(ByteBuffer b, int at, String s) {
    byte[] bytes = utf8(s);
    b.putShort(at, (short) bytes.length);
    b.put(at + 2, bytes);
    return at + 2 + bytes.length;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
