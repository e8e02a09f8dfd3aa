package io.tidaldb.replication.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.tidaldb.api.InvalidArgumentException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * Malformed frames (invariant I7): each single-field corruption, each truncation, each bit flip and
 * seeded random garbage only ever throw {@link InvalidArgumentException}, naming the field and
 * value. Run one seed of the random tests with {@code -Dtidal.seed=N}.
 */
class MalformedFrameTest {
  private static final int ITERATIONS = 20_000;

  private final FrameDecoder decoder = new FrameDecoder(1 << 12);

  @Test
  void shouldNameEachCorruptedHeaderField() {
    for (int type = FrameDescriptor.MIN_TYPE; type <= FrameDescriptor.MAX_TYPE; type++) {
      refused(
          type,
          b -> b.putInt(FrameDescriptor.MAGIC_OFFSET, 0x54445247),
          "invalid frame magic: '0x54445247' (must be 0x54445246, TDRF)");
      refused(
          type,
          b -> b.putShort(FrameDescriptor.VERSION_OFFSET, (short) 2),
          "invalid frame version: 2 (must be 1)");
      refused(
          type,
          b -> b.putShort(FrameDescriptor.TYPE_OFFSET, (short) 99),
          "invalid frame type: 99 (must be 1..20)");
      refused(
          type,
          b -> b.putShort(FrameDescriptor.TYPE_OFFSET, (short) 0),
          "invalid frame type: 0 (must be 1..20)");
      refused(
          type,
          b -> b.putInt(FrameDescriptor.SHARD_OFFSET, -1),
          "invalid frame shard: -1 (must be >= 0)");
      refused(
          type,
          b -> b.putInt(FrameDescriptor.SENDER_OFFSET, 65536),
          "invalid frame sender region: 65536 (must be 0..65535)");
      refused(
          type,
          b -> b.putInt(FrameDescriptor.SENDER_OFFSET, -1),
          "invalid frame sender region: -1 (must be 0..65535)");
      refused(
          type,
          b -> b.putLong(FrameDescriptor.EPOCH_OFFSET, -5),
          "invalid frame epoch: -5 (must be >= 0)");
      refused(
          type,
          b -> b.putInt(FrameDescriptor.CRC_OFFSET, 0x12345678),
          "invalid frame crc32c: '0x12345678'");
    }
  }

  @Test
  void shouldNameABadBodyLength() {
    refused(
        2,
        b -> b.putInt(FrameDescriptor.BODY_LENGTH_OFFSET, 9),
        "invalid frame body length: 9 (must be 8 for ACK)");
    refused(
        7,
        b -> b.putInt(FrameDescriptor.BODY_LENGTH_OFFSET, 0),
        "invalid frame body length: 0 (must be 1 for VOTE)");
    refused(
        1,
        b -> b.putInt(FrameDescriptor.BODY_LENGTH_OFFSET, -1),
        "invalid frame body length: -1 (must be 1..4096 for WAL_BATCH)");
    refused(
        1,
        b -> b.putInt(FrameDescriptor.BODY_LENGTH_OFFSET, 111),
        "invalid frame body length: 111 (must equal the 112 bytes after the header)");
    ByteBuffer longer = ByteBuffer.allocate(FrameFormatTest.ACK_HEX.length() / 2 + 1);
    longer.put(FrameFormatTest.fixture(2)).clear(); // one trailing byte
    assertMessage(longer, "invalid frame body length: 8 (must equal the 9 bytes after the header)");
  }

  @Test
  void shouldNameEachCorruptedSnapshotField() {
    refused(
        FrameDescriptor.SNAPSHOT_CHUNK,
        b -> b.putInt(FrameDescriptor.BODY_LENGTH_OFFSET, 16),
        "invalid frame body length: 16 (must be 17..4096 for SNAPSHOT_CHUNK)");
    refused(
        FrameDescriptor.SNAPSHOT_CHUNK,
        b -> b.putInt(FrameDescriptor.BODY_LENGTH_OFFSET, 4097),
        "invalid frame body length: 4097 (must be 17..4096 for SNAPSHOT_CHUNK)");
    refused(
        FrameDescriptor.SNAPSHOT_OFFER,
        b -> b.putInt(FrameDescriptor.BODY_LENGTH_OFFSET, 16),
        "invalid frame body length: 16 (must be 24 for SNAPSHOT_OFFER)");
    refused(
        FrameDescriptor.SNAPSHOT_ACK,
        b -> b.put(FrameDescriptor.SNAPSHOT_ACK_STATUS_OFFSET, (byte) 3),
        "invalid frame snapshot ack status: 3 (must be 0..2)");
    refused(
        FrameDescriptor.SNAPSHOT_ACK,
        b -> b.put(FrameDescriptor.SNAPSHOT_ACK_STATUS_OFFSET, (byte) -1),
        "invalid frame snapshot ack status: -1 (must be 0..2)");
    refused(
        FrameDescriptor.SNAPSHOT_ACK,
        b -> b.put(FrameDescriptor.SNAPSHOT_ACK_REASON_OFFSET, (byte) 1),
        "invalid frame snapshot ack reason: 1 (must be 0..0 for status 0)");
    refused(
        FrameDescriptor.SNAPSHOT_ACK,
        b -> b.put(FrameDescriptor.SNAPSHOT_ACK_STATUS_OFFSET, FrameDescriptor.SNAPSHOT_FAILED),
        "invalid frame snapshot ack reason: 0 (must be 1..3 for status 2)");
    refused(
        FrameDescriptor.SNAPSHOT_ACK,
        b -> {
          b.put(FrameDescriptor.SNAPSHOT_ACK_STATUS_OFFSET, FrameDescriptor.SNAPSHOT_FAILED);
          b.put(FrameDescriptor.SNAPSHOT_ACK_REASON_OFFSET, (byte) 4);
        },
        "invalid frame snapshot ack reason: 4 (must be 1..3 for status 2)");
  }

  @Test
  void shouldRefuseAGrantedByteOtherThanZeroOrOne() {
    for (int granted : new int[] {2, -1, 0x7f}) {
      refused(
          7,
          b -> b.put(FrameDescriptor.VOTE_GRANTED_OFFSET, (byte) granted),
          "invalid frame vote granted: " + (byte) granted + " (must be 0 or 1)");
      refused(
          FrameDescriptor.PRE_VOTE,
          b -> b.put(FrameDescriptor.PRE_VOTE_GRANTED_OFFSET, (byte) granted),
          "invalid frame pre-vote granted: " + (byte) granted + " (must be 0 or 1)");
    }
  }

  @Test
  void shouldNameEachCorruptedForwardSessionField() {
    int trailer = FrameDescriptor.HEADER_LENGTH + 0x43 - 24; // FORWARD_SESSION_HEX's body: 0x43
    refused(
        FrameDescriptor.FORWARD_SESSION,
        b -> b.putInt(FrameDescriptor.BODY_LENGTH_OFFSET, 60),
        "invalid frame body length: 60 (must be 61..569 for FORWARD_SESSION)");
    refused(
        FrameDescriptor.FORWARD_SESSION,
        b -> b.putLong(trailer, 0),
        "invalid frame forward session: 0 (must not be 0)");
    refused(
        FrameDescriptor.FORWARD_SESSION,
        b -> b.putLong(trailer + 8, 0),
        "invalid frame forward seq: 0 (must be at least 1)");
    refused(
        FrameDescriptor.FORWARD_SESSION,
        b -> b.putLong(trailer + 16, 42),
        "invalid frame forward acked below: 42 (must be 1..41, the seq)");
    refused(
        FrameDescriptor.FORWARD_SESSION,
        b -> b.putLong(trailer + 16, 0),
        "invalid frame forward acked below: 0 (must be 1..41, the seq)");
    refused(
        FrameDescriptor.FORWARD_SESSION,
        b -> b.put(FrameDescriptor.FORWARD_TENANT_LENGTH_OFFSET, (byte) 0),
        "invalid frame forward tenant length: 0 (must be 1..7 in a body of 43 bytes)");
  }

  @Test
  void shouldNameEachCorruptedForwardPartField() {
    int part = FrameDescriptor.FORWARD_PART;
    int types = FrameDescriptor.FORWARD_PART_TENANT_OFFSET + 4; // after "acme": the type count
    int slots = types + 1 + 5 + 6; // after "view" and "click"
    refused(
        part,
        b -> b.putInt(FrameDescriptor.BODY_LENGTH_OFFSET, 64),
        "invalid frame body length: 64 (must be 65..4096 for FORWARD_PART)");
    refused(
        part,
        b -> b.put(FrameDescriptor.FORWARD_PART_DURABILITY_OFFSET, (byte) 3),
        "invalid frame forward part durability: 3 (must be 0..2)");
    refused(
        part,
        b -> b.putLong(FrameDescriptor.FORWARD_PART_SESSION_OFFSET + 8, 0),
        "invalid frame forward seq: 0 (must be at least 1)");
    refused(
        part,
        b -> b.putShort(FrameDescriptor.FORWARD_PART_COUNT_OFFSET, (short) 0),
        "invalid frame forward part count: 0 (must be at least 1)");
    refused(
        part,
        b -> b.putShort(FrameDescriptor.FORWARD_PART_COUNT_OFFSET, (short) 3),
        "invalid frame forward part count: 3 (needs 75 bytes of slots, the body has 50");
    refused(
        part,
        b -> b.put(FrameDescriptor.FORWARD_PART_TENANT_LENGTH_OFFSET, (byte) 0),
        "invalid frame forward part tenant length: 0");
    refused(
        part,
        b -> b.put(types, (byte) 0),
        "invalid frame forward part type count: 0 (must be 1..255)");
    refused(part, b -> b.put(types + 1, (byte) 0), "invalid frame forward part type 0 length: 0");
    refused(
        part,
        b -> b.put(types + 2, (byte) 0xff),
        "invalid frame forward part type 0: 'ff696577' (must be UTF-8)");
    refused(
        part,
        b -> b.put(slots + FrameDescriptor.FORWARD_PART_SLOT_LENGTH, (byte) 2),
        "invalid frame forward part signal 1 type index: 2 (must be 0..1)");
  }

  @Test
  void shouldNameEachCorruptedForwardField() {
    refused(
        10,
        b -> b.putInt(FrameDescriptor.BODY_LENGTH_OFFSET, 36),
        "invalid frame body length: 36 (must be 37..545 for FORWARD)");
    refused(
        11,
        b -> b.putInt(FrameDescriptor.BODY_LENGTH_OFFSET, 3107),
        "invalid frame body length: 3107 (must be 28..3106 for FORWARD_REPLY)");
    refused(
        10,
        b -> b.put(FrameDescriptor.FORWARD_DURABILITY_OFFSET, (byte) 3),
        "invalid frame forward durability: 3 (must be 0..2)");
    refused(
        10,
        b -> b.put(FrameDescriptor.FORWARD_TENANT_LENGTH_OFFSET, (byte) 0),
        "invalid frame forward tenant length: 0 (must be 1..7 in a body of 43 bytes)");
    refused(
        10,
        b -> b.put(FrameDescriptor.FORWARD_TENANT_LENGTH_OFFSET, (byte) 0xff),
        "invalid frame forward tenant length: 255 (must be 1..7 in a body of 43 bytes)");
    refused(
        10,
        b -> b.put(FrameDescriptor.FORWARD_TENANT_LENGTH_OFFSET, (byte) 3),
        "invalid frame forward type length: 101 (must be 5, the rest of a body of 43 bytes)");
    refused(
        10,
        b -> b.put(FrameDescriptor.FORWARD_TENANT_OFFSET + 4, (byte) 3),
        "invalid frame forward type length: 3 (must be 4, the rest of a body of 43 bytes)");
    refused(
        10,
        b -> b.put(FrameDescriptor.FORWARD_TENANT_OFFSET + 1, (byte) 0xc3),
        "invalid frame forward tenant: '61c36d65' (must be UTF-8)");
    refused(
        10,
        b -> b.put(FrameDescriptor.FORWARD_TENANT_OFFSET + 5, (byte) 0xff),
        "invalid frame forward type: 'ff696577' (must be UTF-8)");
    refused(
        11,
        b -> b.put(FrameDescriptor.REPLY_DURABILITY_OFFSET, (byte) -1),
        "invalid frame forward reply durability: -1 (must be 0..2)");
    refused(
        11,
        b -> b.put(FrameDescriptor.REPLY_STATUS_OFFSET, (byte) 6),
        "invalid frame forward reply status: 6 (must be 0..5)");
    refused(
        11,
        b -> b.putShort(FrameDescriptor.REPLY_FIELDS_LENGTH_OFFSET, (short) 12),
        "invalid frame forward reply fields length: 12 (must be 11, the rest of a body of 39"
            + " bytes)");
    refused(
        11,
        b -> b.putShort(FrameDescriptor.REPLY_FIELDS_LENGTH_OFFSET, (short) -1),
        "invalid frame forward reply fields length: 65535 (must be 11,");
    int message =
        FrameDescriptor.REPLY_FIELDS_OFFSET + FrameDescriptor.REPLY_UNAVAILABLE_FIXED_LENGTH;
    refused(
        11,
        b -> b.put(message + 2, (byte) 0x80),
        "invalid frame forward reply message: '80756c6c' (must be UTF-8)");
    refused(
        11,
        b -> b.putShort(message, (short) 5),
        "invalid frame forward reply message length: 5 (must be 0..4, within the reply's 11 bytes"
            + " of fields)");
    refused(
        11,
        b -> b.putShort(message, (short) 3),
        "invalid frame forward reply fields length: 11 (must be 10, the fields of status 3)");
    refused(
        11,
        b -> b.put(FrameDescriptor.REPLY_FIELDS_OFFSET, (byte) 2),
        "invalid frame forward reply may be stored: 2 (must be 0 or 1)");
    refused(
        11,
        b -> b.putInt(FrameDescriptor.REPLY_FIELDS_OFFSET + 1, -2),
        "invalid frame forward reply region: -2 (must be -1..65535)");
    refused(
        11,
        b -> b.put(FrameDescriptor.REPLY_STATUS_OFFSET, FrameDescriptor.STATUS_OK),
        "invalid frame forward reply fields length: 11 (must be 0, the fields of status 0)");
    refused(
        11,
        b -> b.put(FrameDescriptor.REPLY_STATUS_OFFSET, FrameDescriptor.STATUS_INVALID_ARGUMENT),
        "invalid frame forward reply argument length: 513 (must be 0..9, within the reply's 11"
            + " bytes of fields)");
  }

  @Test
  void shouldRefuseEveryTruncation() {
    for (int type = FrameDescriptor.MIN_TYPE; type <= FrameDescriptor.MAX_TYPE; type++) {
      ByteBuffer whole = FrameFormatTest.fixture(type);
      for (int length = 0; length < whole.capacity(); length++) {
        ByteBuffer cut = whole.duplicate().limit(length);
        InvalidArgumentException e =
            assertThrows(InvalidArgumentException.class, () -> decoder.decode(cut));
        String expected =
            length < FrameDescriptor.HEADER_LENGTH ? "frame length" : "frame body length";
        assertEquals(expected, e.argument(), "type " + type + " cut at " + length);
      }
    }
  }

  @Test
  void shouldRefuseEverySingleBitFlip() {
    for (int type = FrameDescriptor.MIN_TYPE; type <= FrameDescriptor.MAX_TYPE; type++) {
      byte[] frame = HexFormat.of().parseHex(FrameFormatTest.FIXTURES.get(type));
      for (int bit = 0; bit < frame.length * 8; bit++) {
        byte[] bad = frame.clone();
        bad[bit / 8] ^= (byte) (1 << (bit % 8));
        assertThrows(
            InvalidArgumentException.class,
            () -> decoder.decode(ByteBuffer.wrap(bad)),
            "type " + type + " bit " + bit);
      }
    }
  }

  @Test
  void shouldOnlyEverThrowInvalidArgumentForRandomGarbage() {
    long seed = seed();
    Random random = new Random(seed);
    for (int i = 0; i < ITERATIONS; i++) {
      byte[] bytes = new byte[random.nextInt(80)];
      random.nextBytes(bytes);
      if (bytes.length >= 8 && random.nextBoolean()) { // get past magic and version sometimes
        ByteBuffer.wrap(bytes)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putInt(0, FrameDescriptor.MAGIC)
            .putShort(4, FrameDescriptor.VERSION);
      }
      decodeOrRefuse(bytes, seed, i);
    }
  }

  @Test
  void shouldOnlyEverThrowInvalidArgumentForRandomlyMutatedFrames() {
    long seed = seed();
    Random random = new Random(seed);
    CRC32C crc = new CRC32C();
    byte[] scratch = FrameDescriptor.newCrcScratch();
    for (int i = 0; i < ITERATIONS; i++) {
      byte[] frame =
          HexFormat.of()
              .parseHex(FrameFormatTest.FIXTURES.get(1 + random.nextInt(FrameDescriptor.MAX_TYPE)));
      for (int n = 1 + random.nextInt(4); n > 0; n--) {
        frame[random.nextInt(frame.length)] = (byte) random.nextInt(256);
      }
      if (random.nextInt(4) == 0) {
        frame = Arrays.copyOf(frame, random.nextInt(frame.length + 8));
      }
      ByteBuffer b = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);
      if (random.nextBoolean() && frame.length >= FrameDescriptor.HEADER_LENGTH) {
        // fix the CRC so the semantic checks behind it are reached too
        int body =
            Math.min(
                frame.length - FrameDescriptor.HEADER_LENGTH,
                Math.max(0, b.getInt(FrameDescriptor.BODY_LENGTH_OFFSET)));
        b.putInt(FrameDescriptor.CRC_OFFSET, FrameDescriptor.computeCrc(crc, scratch, b, 0, body));
      }
      decodeOrRefuse(frame, seed, i);
    }
  }

  private void decodeOrRefuse(byte[] bytes, long seed, int iteration) {
    try {
      decoder.decode(ByteBuffer.wrap(bytes).asReadOnlyBuffer());
    } catch (InvalidArgumentException expected) {
      // the only permitted failure
    } catch (RuntimeException e) {
      fail(
          "seed "
              + seed
              + " iteration "
              + iteration
              + ": "
              + HexFormat.of().formatHex(bytes)
              + " threw "
              + e,
          e);
    }
  }

  /** Corrupts a fixture, re-seals its CRC (so the field's own check is reached), and decodes. */
  private void refused(int type, Consumer<ByteBuffer> corrupt, String messagePrefix) {
    ByteBuffer b = FrameFormatTest.fixture(type);
    corrupt.accept(b);
    boolean crcCorruption = messagePrefix.contains("crc32c");
    if (!crcCorruption) {
      // unsealed: an early field check or the CRC refuses it
      assertThrows(InvalidArgumentException.class, () -> decoder.decode(b.duplicate()));
      int body =
          Math.max(
              0,
              Math.min(
                  b.capacity() - FrameDescriptor.HEADER_LENGTH,
                  b.getInt(FrameDescriptor.BODY_LENGTH_OFFSET)));
      b.putInt(
          FrameDescriptor.CRC_OFFSET,
          FrameDescriptor.computeCrc(new CRC32C(), FrameDescriptor.newCrcScratch(), b, 0, body));
    }
    assertMessage(b, messagePrefix);
  }

  private void assertMessage(ByteBuffer b, String messagePrefix) {
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> decoder.decode(b));
    if (!e.getMessage().startsWith(messagePrefix)) {
      fail(
          "expected a message starting with <"
              + messagePrefix
              + "> but was <"
              + e.getMessage()
              + ">");
    }
  }

  private static long seed() {
    String fixed = System.getProperty("tidal.seed");
    long seed = fixed == null ? System.nanoTime() : Long.parseLong(fixed);
    System.out.println("MalformedFrameTest seed " + seed);
    return seed;
  }
}
