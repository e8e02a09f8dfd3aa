package io.tidaldb.transport.tcp;

import io.netty.buffer.ByteBuf;

/**
 * The wire format of the TCP transport: the one place that knows its layout. All integers are
 * big-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |            length: bytes after this field (4 + body)          |  0
 *  +---------------+---------------+-------------------------------+
 *  |     kind      |    channel    |        reserved (zero)        |  4
 *  +---------------+---------------+-------------------------------+
 *  |                     body (length - 4 bytes)                  ...  8
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Kinds: {@link #HELLO} (body below), {@link #DATA} (the frame exactly as passed to {@code
 * send}, on {@code channel} 0..15), {@link #CHANNELS} (body: the sender's open-channel mask, u16),
 * {@link #PING} and {@link #GOODBYE} (empty). The channel is 0 for every kind but DATA. The sender
 * region is not in the frame: it is the link's peer, named once by HELLO.
 *
 * <pre>
 *  HELLO body (28 bytes), at offset 8 of the frame:
 *  +---------------------------------------------------------------+
 *  |                         magic "TDTP"                          |  8
 *  +-------------------------------+-------------------------------+
 *  |        protocol version       |      region (the sender)      | 12
 *  +-------------------------------+-------------------------------+
 *  |   target (whom it dialled)    |        reserved (zero)        | 16
 *  +-------------------------------+-------------------------------+
 *  |           incarnation (random per transport start)            | 20
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                        max frame bytes                        | 28
 *  +-------------------------------+-------------------------------+
 *  |       open-channel mask       |        reserved (zero)        | 32
 *  +-------------------------------+-------------------------------+
 * </pre>
 */
public final class TcpFrames {
  /** Offset of the length field. */
  public static final int LENGTH_OFFSET = 0;

  /** Size of the length field. */
  public static final int LENGTH_BYTES = 4;

  /** Offset of the kind. */
  public static final int KIND_OFFSET = 4;

  /** Offset of the channel. */
  public static final int CHANNEL_OFFSET = 5;

  /** Offset of the reserved field. */
  public static final int RESERVED_OFFSET = 6;

  /** Size of the header, length field included: the per-frame overhead. */
  public static final int HEADER_BYTES = 8;

  /** The smallest value of the length field: kind, channel and reserved, no body. */
  public static final int MIN_LENGTH = HEADER_BYTES - LENGTH_BYTES;

  /** Kind: the first frame on a link, each way. */
  public static final byte HELLO = 1;

  /** Kind: a frame of an endpoint. */
  public static final byte DATA = 2;

  /** Kind: the sender's open channels changed. */
  public static final byte CHANNELS = 3;

  /** Kind: keep-alive when a link has been idle. */
  public static final byte PING = 4;

  /** Kind: the sender is closing the link. */
  public static final byte GOODBYE = 5;

  /** The magic at the start of a HELLO body: "TDTP". */
  public static final int MAGIC = 0x54445450;

  /** The protocol version this transport speaks. */
  public static final int VERSION = 1;

  /** Offset of the magic in a HELLO frame. */
  public static final int HELLO_MAGIC_OFFSET = HEADER_BYTES;

  /** Offset of the protocol version in a HELLO frame. */
  public static final int HELLO_VERSION_OFFSET = HELLO_MAGIC_OFFSET + 4;

  /** Offset of the sender's region in a HELLO frame. */
  public static final int HELLO_REGION_OFFSET = HELLO_VERSION_OFFSET + 2;

  /** Offset of the target region in a HELLO frame. */
  public static final int HELLO_TARGET_OFFSET = HELLO_REGION_OFFSET + 2;

  /** Offset of the reserved u16 after the target in a HELLO frame. */
  public static final int HELLO_RESERVED1_OFFSET = HELLO_TARGET_OFFSET + 2;

  /** Offset of the incarnation in a HELLO frame. */
  public static final int HELLO_INCARNATION_OFFSET = HELLO_RESERVED1_OFFSET + 2;

  /** Offset of the max frame bytes in a HELLO frame. */
  public static final int HELLO_MAX_FRAME_OFFSET = HELLO_INCARNATION_OFFSET + 8;

  /** Offset of the open-channel mask in a HELLO frame. */
  public static final int HELLO_CHANNELS_OFFSET = HELLO_MAX_FRAME_OFFSET + 4;

  /** Offset of the last reserved u16 in a HELLO frame. */
  public static final int HELLO_RESERVED2_OFFSET = HELLO_CHANNELS_OFFSET + 2;

  /** Size of a HELLO body. */
  public static final int HELLO_BODY_BYTES = HELLO_RESERVED2_OFFSET + 2 - HEADER_BYTES;

  /** Size of a CHANNELS body. */
  public static final int CHANNELS_BODY_BYTES = 2;

  private TcpFrames() {}

  /**
   * Returns the value of the length field for a body.
   *
   * @param bodyBytes the body's size
   * @return the length field
   */
  public static int lengthField(int bodyBytes) {
    return MIN_LENGTH + bodyBytes;
  }

  /**
   * Returns the largest value of the length field a transport accepts.
   *
   * @param maxFrameBytes its largest frame
   * @return the limit of the length field
   */
  public static int maxLengthField(int maxFrameBytes) {
    return MIN_LENGTH + maxFrameBytes;
  }

  /**
   * Writes a frame header.
   *
   * @param out where to write
   * @param kind the kind
   * @param channel the channel (0 but for DATA)
   * @param bodyBytes the body's size, written after by the caller
   */
  public static void writeHeader(ByteBuf out, byte kind, int channel, int bodyBytes) {
    out.writeInt(lengthField(bodyBytes));
    out.writeByte(kind);
    out.writeByte(channel);
    out.writeShort(0);
  }

  /**
   * Writes a whole HELLO frame.
   *
   * @param out where to write
   * @param hello its content
   */
  public static void writeHello(ByteBuf out, Hello hello) {
    writeHeader(out, HELLO, 0, HELLO_BODY_BYTES);
    out.writeInt(MAGIC);
    out.writeShort(hello.version());
    out.writeShort(hello.region());
    out.writeShort(hello.target());
    out.writeShort(0);
    out.writeLong(hello.incarnation());
    out.writeInt(hello.maxFrameBytes());
    out.writeShort(hello.channels());
    out.writeShort(0);
  }

  /**
   * Writes a whole CHANNELS frame.
   *
   * @param out where to write
   * @param mask the open-channel mask, bit n for channel n
   */
  public static void writeChannels(ByteBuf out, int mask) {
    writeHeader(out, CHANNELS, 0, CHANNELS_BODY_BYTES);
    out.writeShort(mask);
  }

  /**
   * Writes a frame of a kind without body (PING, GOODBYE).
   *
   * @param out where to write
   * @param kind the kind
   */
  public static void writeEmpty(ByteBuf out, byte kind) {
    writeHeader(out, kind, 0, 0);
  }

  /**
   * Reads a HELLO body.
   *
   * @param body the body, {@link #HELLO_BODY_BYTES} readable bytes at its reader index
   * @return its content
   * @throws MalformedFrameException if its size, magic or reserved fields are wrong
   */
  public static Hello readHello(ByteBuf body) {
    if (body.readableBytes() != HELLO_BODY_BYTES) {
      throw new MalformedFrameException(
          "HELLO body is " + body.readableBytes() + " bytes, not " + HELLO_BODY_BYTES);
    }
    int magic = body.readInt();
    if (magic != MAGIC) {
      throw new MalformedFrameException(
          "HELLO magic is 0x" + Integer.toHexString(magic) + ", not 0x54445450 (TDTP)");
    }
    int version = body.readUnsignedShort();
    int region = body.readUnsignedShort();
    int target = body.readUnsignedShort();
    int reserved1 = body.readUnsignedShort();
    long incarnation = body.readLong();
    int maxFrame = body.readInt();
    int channels = body.readUnsignedShort();
    int reserved2 = body.readUnsignedShort();
    if (reserved1 != 0 || reserved2 != 0) {
      throw new MalformedFrameException(
          "HELLO reserved fields are " + reserved1 + " and " + reserved2 + ", not 0");
    }
    return new Hello(version, region, target, incarnation, maxFrame, channels);
  }

  /**
   * Returns the name of a kind, for log lines.
   *
   * @param kind the kind byte
   * @return its name, or the number if it is unknown
   */
  public static String kindName(int kind) {
    return switch (kind) {
      case HELLO -> "HELLO";
      case DATA -> "DATA";
      case CHANNELS -> "CHANNELS";
      case PING -> "PING";
      case GOODBYE -> "GOODBYE";
      default -> "unknown kind " + kind;
    };
  }

  /**
   * The content of a HELLO frame.
   *
   * @param version the sender's protocol version
   * @param region the sender's region id
   * @param target the region id the sender believes it talks to
   * @param incarnation random per start of the sender's transport
   * @param maxFrameBytes the sender's largest frame
   * @param channels the sender's open-channel mask
   */
  public record Hello(
      int version, int region, int target, long incarnation, int maxFrameBytes, int channels) {}

  /** A frame that breaks the format; the link it came on is closed. */
  public static final class MalformedFrameException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, with the values
     */
    public MalformedFrameException(String message) {
      super(message);
    }
  }
}
