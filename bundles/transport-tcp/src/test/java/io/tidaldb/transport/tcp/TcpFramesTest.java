package io.tidaldb.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.tidaldb.transport.tcp.TcpFrames.Hello;
import io.tidaldb.transport.tcp.TcpFrames.MalformedFrameException;
import org.junit.jupiter.api.Test;

/** Pins the wire format's bytes, and checks the descriptor's offsets against them. */
class TcpFramesTest {
  private static final Hello HELLO = new Hello(1, 2, 7, 0x0102030405060708L, 1 << 20, 0x8003);

  /** The HELLO above, byte for byte, as the layout diagram says. */
  private static final String HELLO_HEX =
      "00000020" // length: 4 + 28
          + "01" // kind HELLO
          + "00" // channel
          + "0000" // reserved
          + "54445450" // magic TDTP
          + "0001" // version
          + "0002" // region
          + "0007" // target
          + "0000" // reserved
          + "0102030405060708" // incarnation
          + "00100000" // max frame bytes
          + "8003" // channel mask
          + "0000"; // reserved

  @Test
  void shouldEncodeHelloToThePinnedBytes() {
    ByteBuf buf = Unpooled.buffer();
    TcpFrames.writeHello(buf, HELLO);
    assertEquals(HELLO_HEX, ByteBufUtil.hexDump(buf));
    assertEquals(TcpFrames.HEADER_BYTES + TcpFrames.HELLO_BODY_BYTES, buf.readableBytes());
    assertEquals(36, buf.readableBytes());
  }

  @Test
  void shouldPlaceEveryFieldAtItsDescriptorOffset() {
    ByteBuf buf = Unpooled.buffer();
    TcpFrames.writeHello(buf, HELLO);
    assertEquals(
        TcpFrames.HELLO_BODY_BYTES + TcpFrames.MIN_LENGTH, buf.getInt(TcpFrames.LENGTH_OFFSET));
    assertEquals(TcpFrames.HELLO, buf.getByte(TcpFrames.KIND_OFFSET));
    assertEquals(0, buf.getByte(TcpFrames.CHANNEL_OFFSET));
    assertEquals(0, buf.getShort(TcpFrames.RESERVED_OFFSET));
    assertEquals(TcpFrames.MAGIC, buf.getInt(TcpFrames.HELLO_MAGIC_OFFSET));
    assertEquals(1, buf.getUnsignedShort(TcpFrames.HELLO_VERSION_OFFSET));
    assertEquals(2, buf.getUnsignedShort(TcpFrames.HELLO_REGION_OFFSET));
    assertEquals(7, buf.getUnsignedShort(TcpFrames.HELLO_TARGET_OFFSET));
    assertEquals(0, buf.getUnsignedShort(TcpFrames.HELLO_RESERVED1_OFFSET));
    assertEquals(0x0102030405060708L, buf.getLong(TcpFrames.HELLO_INCARNATION_OFFSET));
    assertEquals(1 << 20, buf.getInt(TcpFrames.HELLO_MAX_FRAME_OFFSET));
    assertEquals(0x8003, buf.getUnsignedShort(TcpFrames.HELLO_CHANNELS_OFFSET));
    assertEquals(0, buf.getUnsignedShort(TcpFrames.HELLO_RESERVED2_OFFSET));
    assertEquals(buf.readableBytes(), TcpFrames.HELLO_RESERVED2_OFFSET + 2);
  }

  @Test
  void shouldEncodeDataChannelsAndEmptyFramesToThePinnedBytes() {
    ByteBuf data = Unpooled.buffer();
    TcpFrames.writeHeader(data, TcpFrames.DATA, 15, 3);
    data.writeBytes(new byte[] {(byte) 0xAA, (byte) 0xBB, (byte) 0xCC});
    assertEquals("00000007" + "02" + "0f" + "0000" + "aabbcc", ByteBufUtil.hexDump(data));

    ByteBuf channels = Unpooled.buffer();
    TcpFrames.writeChannels(channels, 0x0003);
    assertEquals("00000006" + "03" + "00" + "0000" + "0003", ByteBufUtil.hexDump(channels));

    ByteBuf ping = Unpooled.buffer();
    TcpFrames.writeEmpty(ping, TcpFrames.PING);
    assertEquals("00000004" + "04" + "00" + "0000", ByteBufUtil.hexDump(ping));
    ByteBuf goodbye = Unpooled.buffer();
    TcpFrames.writeEmpty(goodbye, TcpFrames.GOODBYE);
    assertEquals("00000004" + "05" + "00" + "0000", ByteBufUtil.hexDump(goodbye));
  }

  @Test
  void shouldReadBackTheHelloItWrote() {
    ByteBuf buf = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(HELLO_HEX));
    buf.skipBytes(TcpFrames.HEADER_BYTES);
    assertEquals(HELLO, TcpFrames.readHello(buf));
  }

  @Test
  void shouldRefuseABadHelloNamingWhatIsWrong() {
    byte[] bytes = ByteBufUtil.decodeHexDump(HELLO_HEX);
    bytes[TcpFrames.HELLO_MAGIC_OFFSET] = 'X';
    MalformedFrameException e =
        assertThrows(MalformedFrameException.class, () -> TcpFrames.readHello(body(bytes)));
    assertTrue(e.getMessage().contains("magic"), e.getMessage());

    byte[] reserved = ByteBufUtil.decodeHexDump(HELLO_HEX);
    reserved[TcpFrames.HELLO_RESERVED2_OFFSET + 1] = 1;
    e = assertThrows(MalformedFrameException.class, () -> TcpFrames.readHello(body(reserved)));
    assertTrue(e.getMessage().contains("reserved"), e.getMessage());

    ByteBuf shortBody = Unpooled.wrappedBuffer(new byte[12]);
    e = assertThrows(MalformedFrameException.class, () -> TcpFrames.readHello(shortBody));
    assertTrue(e.getMessage().contains("12 bytes"), e.getMessage());
  }

  @Test
  void shouldBoundTheLengthFieldByTheFrameLimit() {
    assertEquals(4, TcpFrames.MIN_LENGTH);
    assertEquals(4 + 1024, TcpFrames.maxLengthField(1024));
    assertArrayEquals(new byte[] {0, 0, 4, 4}, intBytes(TcpFrames.lengthField(1024)));
  }

  private static ByteBuf body(byte[] frame) {
    return Unpooled.wrappedBuffer(frame).skipBytes(TcpFrames.HEADER_BYTES);
  }

  private static byte[] intBytes(int value) {
    return new byte[] {
      (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value
    };
  }
}
