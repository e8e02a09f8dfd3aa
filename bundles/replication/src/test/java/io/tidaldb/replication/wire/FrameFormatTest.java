package io.tidaldb.replication.wire;

import static io.tidaldb.replication.wire.FrameDescriptor.BODY_OFFSET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Pins the bytes of one frame per message type to hex fixtures (CRCs computed independently of this
 * code), reads every field back at the descriptor's offset constants, and ties the descriptor's
 * javadoc diagrams to those constants.
 */
class FrameFormatTest {
  static final int SHARD = 3;
  static final int SENDER = 2;
  static final long EPOCH = 7;
  static final long NANOS = 0x0102030405060708L;

  /** A WAL batch header v2 + payload, copied from the WAL's BatchFormatTest fixture. */
  static final String BATCH_HEX =
      "57444c54020000000300000002000000070000000000000000000000000000000807060504030201"
          + "08070605040302013800000"
          + "0e9a51dc5020100000004616"
          + "36d650476696577010100000"
          + "02a00000000000000000000000000f83f0068e5cf8b010000080706050403020102000000";

  private static final String HEADER_PREFIX = "46524454" + "0100"; // magic "TDRF" LE, version 1
  private static final String SHARD_SENDER_EPOCH = "03000000" + "02000000" + "0700000000000000";

  static final String WAL_BATCH_HEX =
      HEADER_PREFIX + "0100" + SHARD_SENDER_EPOCH + "70000000" + "83b638bc" + BATCH_HEX;
  static final String ACK_HEX =
      HEADER_PREFIX + "0200" + SHARD_SENDER_EPOCH + "08000000" + "d8020efb" + "2a00000000000000";
  static final String RESEND_HEX =
      HEADER_PREFIX + "0300" + SHARD_SENDER_EPOCH + "08000000" + "4facbcfe" + "1100000000000000";
  static final String HEARTBEAT_HEX =
      HEADER_PREFIX
          + "0400"
          + SHARD_SENDER_EPOCH
          + "18000000"
          + "712e5744"
          + "6400000000000000"
          + "0807060504030201"
          + "5a00000000000000";

  /** A HEARTBEAT of an older build: no commit (16-byte body), still taken with commit 0. */
  static final String HEARTBEAT_V1_HEX =
      HEADER_PREFIX
          + "0400"
          + SHARD_SENDER_EPOCH
          + "10000000"
          + "da8559e8"
          + "6400000000000000"
          + "0807060504030201";

  static final String HEARTBEAT_ACK_HEX =
      HEADER_PREFIX
          + "0500"
          + SHARD_SENDER_EPOCH
          + "10000000"
          + "e2e92a7e"
          + "6300000000000000"
          + "0807060504030201";
  static final String VOTE_REQUEST_HEX =
      HEADER_PREFIX
          + "0600"
          + SHARD_SENDER_EPOCH
          + "10000000"
          + "45c7aa66"
          + "0600000000000000"
          + "6400000000000000";
  static final String VOTE_HEX =
      HEADER_PREFIX + "0700" + SHARD_SENDER_EPOCH + "01000000" + "c8f52c01" + "01";
  static final String EPOCH_END_REQUEST_HEX =
      HEADER_PREFIX + "0800" + SHARD_SENDER_EPOCH + "08000000" + "ac6b8413" + "0600000000000000";
  static final String EPOCH_END_HEX =
      HEADER_PREFIX
          + "0900"
          + SHARD_SENDER_EPOCH
          + "10000000"
          + "b63d4dbe"
          + "0600000000000000"
          + "6400000000000000";

  static final String FORWARD_HEX =
      HEADER_PREFIX
          + "0a00"
          + SHARD_SENDER_EPOCH
          + "2b000000"
          + "a91dc6a2"
          + "2a00000000000000" // request id 42
          + "0900000000000000" // entity 9
          + "000000000000f83f" // weight 1.5
          + "0068e5cf8b010000" // event time 1,700,000,000,000 ms
          + "01" // QUORUM
          + "04"
          + "61636d65" // "acme"
          + "04"
          + "76696577"; // "view"

  /** FORWARD_HEX's signal as a write of session 0x7f3a0000000000c1, seq 41, acked below 40. */
  static final String FORWARD_SESSION_HEX =
      HEADER_PREFIX
          + "1300"
          + SHARD_SENDER_EPOCH
          + "43000000"
          + "2cc4e6c2"
          + "2a00000000000000" // request id 42
          + "0900000000000000" // entity 9
          + "000000000000f83f" // weight 1.5
          + "0068e5cf8b010000" // event time 1,700,000,000,000 ms
          + "01" // QUORUM
          + "04"
          + "61636d65" // "acme"
          + "04"
          + "76696577" // "view"
          + "c100000000003a7f" // session 0x7f3a0000000000c1
          + "2900000000000000" // seq 41
          + "2800000000000000"; // acked below 40

  /**
   * A part of two signals of "acme" ("view" entity 9 1.5, "click" entity 10 -2.0, one ms apart) as
   * a batch of session 0x7f3a0000000000c1, seq 41, acked below 40, QUORUM (CRC32C computed apart).
   */
  static final String FORWARD_PART_HEX =
      HEADER_PREFIX
          + "1400"
          + SHARD_SENDER_EPOCH
          + "66000000"
          + "78b7653f"
          + "2a00000000000000" // request id 42
          + "01" // QUORUM
          + "c100000000003a7f" // session 0x7f3a0000000000c1
          + "2900000000000000" // seq 41
          + "2800000000000000" // acked below 40
          + "0200" // two signals
          + "04"
          + "61636d65" // "acme"
          + "02" // two types
          + "04"
          + "76696577" // type 0 "view"
          + "05"
          + "636c69636b" // type 1 "click"
          + "00" // view
          + "0900000000000000" // entity 9
          + "000000000000f83f" // 1.5
          + "0068e5cf8b010000" // 1,700,000,000,000 ms
          + "01" // click
          + "0a00000000000000" // entity 10
          + "00000000000000c0" // -2.0
          + "0168e5cf8b010000"; // 1,700,000,000,001 ms

  /** A refusal with typed fields: UNAVAILABLE, may be stored at region 2, "full". */
  static final String FORWARD_REPLY_HEX =
      HEADER_PREFIX
          + "0b00"
          + SHARD_SENDER_EPOCH
          + "27000000"
          + "7699e920"
          + "2a00000000000000" // request id 42
          + "0000000000000000" // position (a refusal: 0)
          + "0000000000000000" // hlc
          + "00" // durability (a refusal: LOCAL)
          + "03" // UNAVAILABLE
          + "0b00" // fields length 11
          + "01" // may be stored
          + "02000000" // region 2
          + "0400"
          + "66756c6c"; // "full"

  /** An acknowledgement: OK, position 100, QUORUM met, no fields. */
  static final String FORWARD_REPLY_OK_HEX =
      HEADER_PREFIX
          + "0b00"
          + SHARD_SENDER_EPOCH
          + "1c000000"
          + "64bed5cf"
          + "2a00000000000000" // request id 42
          + "6400000000000000" // position 100
          + "0807060504030201" // hlc
          + "01" // QUORUM
          + "00" // OK
          + "0000"; // no fields

  /** A refusal of an argument: "weight", "NaN", "must be finite". */
  static final String FORWARD_REPLY_INVALID_HEX =
      HEADER_PREFIX
          + "0b00"
          + SHARD_SENDER_EPOCH
          + "39000000"
          + "5fce9c32"
          + "2a00000000000000" // request id 42
          + "0000000000000000" // position
          + "0000000000000000" // hlc
          + "00" // durability
          + "01" // INVALID_ARGUMENT
          + "1d00" // fields length 29
          + "0600"
          + "776569676874" // argument "weight"
          + "0300"
          + "4e614e" // value "NaN"
          + "0e00"
          + "6d7573742062652066696e697465"; // rule "must be finite"

  static final String LIMITS_HEX =
      HEADER_PREFIX
          + "0c00"
          + SHARD_SENDER_EPOCH
          + "10000000"
          + "c861ec0a"
          + "3804000000000000" // accepts 1,080 bytes
          + "3800400000000000"; // writes 4,194,360 bytes

  static final String PRE_VOTE_REQUEST_HEX =
      HEADER_PREFIX
          + "0d00"
          + SHARD_SENDER_EPOCH // the proposed epoch
          + "10000000"
          + "c7cb9fb5"
          + "0600000000000000" // last epoch 6
          + "6400000000000000"; // hwm 100
  static final String PRE_VOTE_HEX =
      HEADER_PREFIX + "0e00" + SHARD_SENDER_EPOCH + "01000000" + "231f54d4" + "01";
  static final String TIMEOUT_NOW_HEX =
      HEADER_PREFIX
          + "0f00"
          + SHARD_SENDER_EPOCH
          + "08000000"
          + "76f8dcfe"
          + "6400000000000000"; // leader log end 100
  static final String SNAPSHOT_OFFER_HEX =
      HEADER_PREFIX
          + "1000"
          + SHARD_SENDER_EPOCH
          + "18000000"
          + "d8183727"
          + "6400000000000000" // position 100
          + "0600000000000000" // last epoch 6
          + "87d6120000000000"; // size 1,234,567
  static final String SNAPSHOT_CHUNK_HEX =
      HEADER_PREFIX
          + "1100"
          + SHARD_SENDER_EPOCH
          + "14000000"
          + "41d8cd1f"
          + "6400000000000000" // position 100
          + "0010000000000000" // offset 4,096
          + "cafebabe";
  static final String SNAPSHOT_ACK_HEX =
      HEADER_PREFIX
          + "1200"
          + SHARD_SENDER_EPOCH
          + "12000000"
          + "542da1ac"
          + "6400000000000000" // position 100
          + "0020000000000000" // received 8,192
          + "00" // RECEIVING
          + "00"; // no reason
  static final String SNAPSHOT_ACK_FAILED_HEX =
      HEADER_PREFIX
          + "1200"
          + SHARD_SENDER_EPOCH
          + "12000000"
          + "07b99893"
          + "6400000000000000" // position 100
          + "0000000000000000" // received 0
          + "02" // FAILED
          + "01"; // CORRUPT

  /** Every fixture, indexed by message type (index 0 unused). */
  static final List<String> FIXTURES =
      List.of(
          "",
          WAL_BATCH_HEX,
          ACK_HEX,
          RESEND_HEX,
          HEARTBEAT_HEX,
          HEARTBEAT_ACK_HEX,
          VOTE_REQUEST_HEX,
          VOTE_HEX,
          EPOCH_END_REQUEST_HEX,
          EPOCH_END_HEX,
          FORWARD_HEX,
          FORWARD_REPLY_HEX,
          LIMITS_HEX,
          PRE_VOTE_REQUEST_HEX,
          PRE_VOTE_HEX,
          TIMEOUT_NOW_HEX,
          SNAPSHOT_OFFER_HEX,
          SNAPSHOT_CHUNK_HEX,
          SNAPSHOT_ACK_HEX,
          FORWARD_SESSION_HEX,
          FORWARD_PART_HEX);

  private final FrameEncoder encoder = new FrameEncoder(1 << 16);
  private final FrameDecoder decoder = new FrameDecoder(1 << 16);
  private final ByteBuffer out = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);

  @Test
  void shouldEncodeEveryMessageTypeExactlyAsPinned() {
    ByteBuffer batch = ByteBuffer.wrap(HexFormat.of().parseHex(BATCH_HEX));
    assertPinned(WAL_BATCH_HEX, encoder.walBatch(out, 0, SHARD, SENDER, EPOCH, batch));
    assertEquals(0, batch.position(), "the batch's position is unchanged");
    assertPinned(ACK_HEX, encoder.ack(out, 0, SHARD, SENDER, EPOCH, 42));
    assertPinned(RESEND_HEX, encoder.resendRequest(out, 0, SHARD, SENDER, EPOCH, 17));
    assertPinned(HEARTBEAT_HEX, encoder.heartbeat(out, 0, SHARD, SENDER, EPOCH, 100, NANOS, 90));
    assertPinned(HEARTBEAT_ACK_HEX, encoder.heartbeatAck(out, 0, SHARD, SENDER, EPOCH, 99, NANOS));
    assertPinned(VOTE_REQUEST_HEX, encoder.voteRequest(out, 0, SHARD, SENDER, EPOCH, 6, 100));
    assertPinned(VOTE_HEX, encoder.vote(out, 0, SHARD, SENDER, EPOCH, true));
    assertPinned(EPOCH_END_REQUEST_HEX, encoder.epochEndRequest(out, 0, SHARD, SENDER, EPOCH, 6));
    assertPinned(EPOCH_END_HEX, encoder.epochEnd(out, 0, SHARD, SENDER, EPOCH, 6, 100));
    assertPinned(LIMITS_HEX, encoder.limits(out, 0, SHARD, SENDER, EPOCH, 1080, 4_194_360));
    assertPinned(
        PRE_VOTE_REQUEST_HEX, encoder.preVoteRequest(out, 0, SHARD, SENDER, EPOCH, 6, 100));
    assertPinned(PRE_VOTE_HEX, encoder.preVote(out, 0, SHARD, SENDER, EPOCH, true));
    assertPinned(TIMEOUT_NOW_HEX, encoder.timeoutNow(out, 0, SHARD, SENDER, EPOCH, 100));
    assertPinned(
        SNAPSHOT_OFFER_HEX, encoder.snapshotOffer(out, 0, SHARD, SENDER, EPOCH, 100, 6, 1_234_567));
    ByteBuffer chunk = ByteBuffer.wrap(HexFormat.of().parseHex("cafebabe"));
    assertPinned(
        SNAPSHOT_CHUNK_HEX, encoder.snapshotChunk(out, 0, SHARD, SENDER, EPOCH, 100, 4096, chunk));
    assertEquals(0, chunk.position(), "the chunk's position is unchanged");
    assertPinned(
        SNAPSHOT_ACK_HEX,
        encoder.snapshotAck(
            out,
            0,
            SHARD,
            SENDER,
            EPOCH,
            100,
            8192,
            FrameDescriptor.SNAPSHOT_RECEIVING,
            FrameDescriptor.SNAPSHOT_REASON_NONE));
    assertPinned(
        SNAPSHOT_ACK_FAILED_HEX,
        encoder.snapshotAck(
            out,
            0,
            SHARD,
            SENDER,
            EPOCH,
            100,
            0,
            FrameDescriptor.SNAPSHOT_FAILED,
            FrameDescriptor.SNAPSHOT_REASON_CORRUPT));
    assertPinned(
        FORWARD_HEX,
        encoder.forward(
            out,
            0,
            SHARD,
            SENDER,
            EPOCH,
            42,
            9,
            1.5,
            1_700_000_000_000L,
            (byte) 1,
            "acme",
            "view"));
    assertPinned(
        FORWARD_SESSION_HEX,
        encoder.forward(
            out,
            0,
            SHARD,
            SENDER,
            EPOCH,
            42,
            9,
            1.5,
            1_700_000_000_000L,
            (byte) 1,
            "acme",
            "view",
            new SessionSeq(0x7f3a0000000000c1L, 41, 40)));
    assertPinned(
        FORWARD_PART_HEX,
        encoder.forwardPart(
            out,
            0,
            SHARD,
            SENDER,
            EPOCH,
            42,
            (byte) 1,
            List.of(
                new Signal(
                    TenantId.of("acme"),
                    SignalType.of("view"),
                    EntityId.of(9),
                    1.5,
                    Timestamp.ofMillis(1_700_000_000_000L)),
                new Signal(
                    TenantId.of("acme"),
                    SignalType.of("click"),
                    EntityId.of(10),
                    -2.0,
                    Timestamp.ofMillis(1_700_000_000_001L))),
            new SessionSeq(0x7f3a0000000000c1L, 41, 40)));
    assertEquals(
        FORWARD_PART_HEX.length() / 2,
        FrameEncoder.forwardPartLength(
            decoder.decode(fixture(FrameDescriptor.FORWARD_PART)).forwardPartSignals()));
    assertPinned(
        FORWARD_REPLY_HEX,
        encoder.forwardReply(
            out, 0, SHARD, SENDER, EPOCH, 42, new ForwardError.Unavailable(true, 2, "full")));
    assertPinned(
        FORWARD_REPLY_OK_HEX,
        encoder.forwardReply(out, 0, SHARD, SENDER, EPOCH, 42, 100, NANOS, (byte) 1));
    assertPinned(
        FORWARD_REPLY_INVALID_HEX,
        encoder.forwardReply(
            out,
            0,
            SHARD,
            SENDER,
            EPOCH,
            42,
            new ForwardError.InvalidArgument("weight", "NaN", "must be finite")));
  }

  @Test
  void shouldEncodeAtAnOffsetWithoutMovingThePosition() {
    int length = encoder.vote(out, 100, SHARD, SENDER, EPOCH, true);
    assertEquals(0, out.position());
    assertEquals(VOTE_HEX, HexFormat.of().formatHex(bytes(out, 100, length)));
  }

  @Test
  void shouldReadEveryHeaderFieldAtItsDescriptorOffset() {
    for (int type = FrameDescriptor.MIN_TYPE; type <= FrameDescriptor.MAX_TYPE; type++) {
      ByteBuffer b = fixture(type);
      assertEquals(FrameDescriptor.MAGIC, b.getInt(FrameDescriptor.MAGIC_OFFSET));
      assertArrayEquals("FRDT".getBytes(StandardCharsets.US_ASCII), bytes(b, 0, 4));
      assertEquals(1, b.getShort(FrameDescriptor.VERSION_OFFSET));
      assertEquals(type, b.getShort(FrameDescriptor.TYPE_OFFSET));
      assertEquals(SHARD, b.getInt(FrameDescriptor.SHARD_OFFSET));
      assertEquals(SENDER, b.getInt(FrameDescriptor.SENDER_OFFSET));
      assertEquals(EPOCH, b.getLong(FrameDescriptor.EPOCH_OFFSET));
      int body = b.getInt(FrameDescriptor.BODY_LENGTH_OFFSET);
      assertEquals(FrameDescriptor.HEADER_LENGTH + body, b.capacity());
      int fixed = FrameDescriptor.bodyLength(type);
      boolean variable =
          type == FrameDescriptor.WAL_BATCH
              || type == FrameDescriptor.FORWARD
              || type == FrameDescriptor.FORWARD_REPLY
              || type == FrameDescriptor.SNAPSHOT_CHUNK
              || type == FrameDescriptor.FORWARD_SESSION
              || type == FrameDescriptor.FORWARD_PART;
      assertEquals(variable ? -1 : body, fixed);
      assertEquals(
          b.getInt(FrameDescriptor.CRC_OFFSET),
          FrameDescriptor.computeCrc(
              new java.util.zip.CRC32C(), FrameDescriptor.newCrcScratch(), b, 0, body));
    }
  }

  @Test
  void shouldReadEveryBodyFieldAtItsDescriptorOffset() {
    assertEquals(BATCH_HEX, HexFormat.of().formatHex(bytes(fixture(1), BODY_OFFSET, 112)));
    assertEquals(42, fixture(2).getLong(FrameDescriptor.ACK_HWM_OFFSET));
    assertEquals(17, fixture(3).getLong(FrameDescriptor.RESEND_FROM_OFFSET));
    assertEquals(100, fixture(4).getLong(FrameDescriptor.HEARTBEAT_LEADER_HWM_OFFSET));
    assertEquals(NANOS, fixture(4).getLong(FrameDescriptor.HEARTBEAT_SENT_NANOS_OFFSET));
    assertEquals(90, fixture(4).getLong(FrameDescriptor.HEARTBEAT_COMMIT_OFFSET));
    assertEquals(99, fixture(5).getLong(FrameDescriptor.HEARTBEAT_ACK_HWM_OFFSET));
    assertEquals(NANOS, fixture(5).getLong(FrameDescriptor.HEARTBEAT_ACK_ECHO_NANOS_OFFSET));
    assertEquals(6, fixture(6).getLong(FrameDescriptor.VOTE_REQUEST_LAST_EPOCH_OFFSET));
    assertEquals(100, fixture(6).getLong(FrameDescriptor.VOTE_REQUEST_HWM_OFFSET));
    assertEquals(1, fixture(7).get(FrameDescriptor.VOTE_GRANTED_OFFSET));
    assertEquals(6, fixture(8).getLong(FrameDescriptor.EPOCH_END_REQUEST_LAST_EPOCH_OFFSET));
    assertEquals(6, fixture(9).getLong(FrameDescriptor.EPOCH_END_FOUND_EPOCH_OFFSET));
    assertEquals(100, fixture(9).getLong(FrameDescriptor.EPOCH_END_POSITION_OFFSET));
    assertEquals(1080, fixture(12).getLong(FrameDescriptor.LIMITS_ACCEPT_OFFSET));
    assertEquals(4_194_360, fixture(12).getLong(FrameDescriptor.LIMITS_WRITE_OFFSET));
    assertEquals(6, fixture(13).getLong(FrameDescriptor.PRE_VOTE_REQUEST_LAST_EPOCH_OFFSET));
    assertEquals(100, fixture(13).getLong(FrameDescriptor.PRE_VOTE_REQUEST_HWM_OFFSET));
    assertEquals(1, fixture(14).get(FrameDescriptor.PRE_VOTE_GRANTED_OFFSET));
    assertEquals(100, fixture(15).getLong(FrameDescriptor.TIMEOUT_NOW_LOG_END_OFFSET));
    assertEquals(100, fixture(16).getLong(FrameDescriptor.SNAPSHOT_OFFER_POSITION_OFFSET));
    assertEquals(6, fixture(16).getLong(FrameDescriptor.SNAPSHOT_OFFER_LAST_EPOCH_OFFSET));
    assertEquals(1_234_567, fixture(16).getLong(FrameDescriptor.SNAPSHOT_OFFER_SIZE_OFFSET));
    assertEquals(100, fixture(17).getLong(FrameDescriptor.SNAPSHOT_CHUNK_POSITION_OFFSET));
    assertEquals(4096, fixture(17).getLong(FrameDescriptor.SNAPSHOT_CHUNK_OFFSET_OFFSET));
    assertEquals(
        "cafebabe",
        HexFormat.of()
            .formatHex(bytes(fixture(17), FrameDescriptor.SNAPSHOT_CHUNK_BYTES_OFFSET, 4)));
    assertEquals(100, fixture(18).getLong(FrameDescriptor.SNAPSHOT_ACK_POSITION_OFFSET));
    assertEquals(8192, fixture(18).getLong(FrameDescriptor.SNAPSHOT_ACK_RECEIVED_OFFSET));
    assertEquals(
        FrameDescriptor.SNAPSHOT_RECEIVING,
        fixture(18).get(FrameDescriptor.SNAPSHOT_ACK_STATUS_OFFSET));
    assertEquals(
        FrameDescriptor.SNAPSHOT_REASON_NONE,
        fixture(18).get(FrameDescriptor.SNAPSHOT_ACK_REASON_OFFSET));
    ByteBuffer f = fixture(10);
    assertEquals(42, f.getLong(FrameDescriptor.FORWARD_REQUEST_ID_OFFSET));
    assertEquals(9, f.getLong(FrameDescriptor.FORWARD_ENTITY_OFFSET));
    assertEquals(1.5, Double.longBitsToDouble(f.getLong(FrameDescriptor.FORWARD_WEIGHT_OFFSET)));
    assertEquals(1_700_000_000_000L, f.getLong(FrameDescriptor.FORWARD_EVENT_MILLIS_OFFSET));
    assertEquals(
        FrameDescriptor.DURABILITY_QUORUM, f.get(FrameDescriptor.FORWARD_DURABILITY_OFFSET));
    assertEquals(4, f.get(FrameDescriptor.FORWARD_TENANT_LENGTH_OFFSET));
    assertEquals("acme", ascii(f, FrameDescriptor.FORWARD_TENANT_OFFSET, 4));
    assertEquals(4, f.get(FrameDescriptor.FORWARD_TENANT_OFFSET + 4));
    assertEquals("view", ascii(f, FrameDescriptor.FORWARD_TENANT_OFFSET + 5, 4));
    assertEquals(
        FrameDescriptor.FORWARD_FIXED_BODY_LENGTH + 8,
        f.getInt(FrameDescriptor.BODY_LENGTH_OFFSET));
    ByteBuffer r = fixture(11);
    assertEquals(42, r.getLong(FrameDescriptor.REPLY_REQUEST_ID_OFFSET));
    assertEquals(FrameDescriptor.STATUS_UNAVAILABLE, r.get(FrameDescriptor.REPLY_STATUS_OFFSET));
    assertEquals(11, r.getShort(FrameDescriptor.REPLY_FIELDS_LENGTH_OFFSET));
    int fields = FrameDescriptor.REPLY_FIELDS_OFFSET;
    assertEquals(1, r.get(fields));
    assertEquals(2, r.getInt(fields + 1));
    assertEquals(4, r.getShort(fields + FrameDescriptor.REPLY_UNAVAILABLE_FIXED_LENGTH));
    assertEquals("full", ascii(r, fields + FrameDescriptor.REPLY_UNAVAILABLE_FIXED_LENGTH + 2, 4));
    assertEquals(
        FrameDescriptor.REPLY_FIXED_BODY_LENGTH + 11, r.getInt(FrameDescriptor.BODY_LENGTH_OFFSET));
    assertEquals(r.capacity(), r.getInt(FrameDescriptor.BODY_LENGTH_OFFSET) + BODY_OFFSET);
    ByteBuffer ok =
        ByteBuffer.wrap(HexFormat.of().parseHex(FORWARD_REPLY_OK_HEX))
            .order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(100, ok.getLong(FrameDescriptor.REPLY_POSITION_OFFSET));
    assertEquals(NANOS, ok.getLong(FrameDescriptor.REPLY_HLC_OFFSET));
    assertEquals(
        FrameDescriptor.DURABILITY_QUORUM, ok.get(FrameDescriptor.REPLY_DURABILITY_OFFSET));
    assertEquals(FrameDescriptor.STATUS_OK, ok.get(FrameDescriptor.REPLY_STATUS_OFFSET));
    assertEquals(0, ok.getShort(FrameDescriptor.REPLY_FIELDS_LENGTH_OFFSET));
    ByteBuffer inv =
        ByteBuffer.wrap(HexFormat.of().parseHex(FORWARD_REPLY_INVALID_HEX))
            .order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(
        FrameDescriptor.STATUS_INVALID_ARGUMENT, inv.get(FrameDescriptor.REPLY_STATUS_OFFSET));
    assertEquals(6, inv.getShort(fields));
    assertEquals("weight", ascii(inv, fields + 2, 6));
    assertEquals("NaN", ascii(inv, fields + 10, 3));
    assertEquals("must be finite", ascii(inv, fields + 15, 14));
  }

  private static String ascii(ByteBuffer b, int offset, int length) {
    return new String(bytes(b, offset, length), StandardCharsets.US_ASCII);
  }

  @Test
  void shouldDecodeEveryFixtureThroughTheFrameView() {
    assertEquals(BATCH_HEX, hex(decoder.decode(fixture(1)).walBatch()));
    assertTrue(decoder.decode(fixture(1)).walBatch().isReadOnly());
    assertEquals(42, decoder.decode(fixture(2)).ackHwm());
    assertEquals(17, decoder.decode(fixture(3)).resendFrom());
    Frame hb = decoder.decode(fixture(4));
    assertEquals(FrameDescriptor.HEARTBEAT, hb.type());
    assertEquals(SHARD, hb.shard());
    assertEquals(SENDER, hb.sender());
    assertEquals(EPOCH, hb.epoch());
    assertEquals(24, hb.bodyLength());
    assertEquals(100, hb.heartbeatLeaderHwm());
    assertEquals(NANOS, hb.heartbeatSentNanos());
    assertEquals(90, hb.heartbeatCommit());
    Frame v1 = decoder.decode(ByteBuffer.wrap(HexFormat.of().parseHex(HEARTBEAT_V1_HEX)));
    assertEquals(16, v1.bodyLength());
    assertEquals(100, v1.heartbeatLeaderHwm());
    assertEquals(NANOS, v1.heartbeatSentNanos());
    assertEquals(0, v1.heartbeatCommit(), "an older build's heartbeat: no commit known");
    assertEquals(99, decoder.decode(fixture(5)).heartbeatAckHwm());
    assertEquals(NANOS, decoder.decode(fixture(5)).heartbeatAckEchoNanos());
    assertEquals(6, decoder.decode(fixture(6)).voteRequestLastEpoch());
    assertEquals(100, decoder.decode(fixture(6)).voteRequestHwm());
    assertEquals(true, decoder.decode(fixture(7)).voteGranted());
    assertEquals(6, decoder.decode(fixture(8)).epochEndRequestLastEpoch());
    assertEquals(6, decoder.decode(fixture(9)).epochEndFoundEpoch());
    assertEquals(100, decoder.decode(fixture(9)).epochEndPosition());
    assertEquals(1080, decoder.decode(fixture(12)).limitsAcceptBatchBytes());
    assertEquals(4_194_360, decoder.decode(fixture(12)).limitsWriteBatchBytes());
    assertEquals(6, decoder.decode(fixture(13)).preVoteRequestLastEpoch());
    assertEquals(100, decoder.decode(fixture(13)).preVoteRequestHwm());
    assertEquals(true, decoder.decode(fixture(14)).preVoteGranted());
    assertThrows(IllegalStateException.class, decoder.decode(fixture(14))::voteGranted);
    assertEquals(100, decoder.decode(fixture(15)).timeoutNowLogEnd());
    Frame offer = decoder.decode(fixture(16));
    assertEquals(100, offer.snapshotOfferPosition());
    assertEquals(6, offer.snapshotOfferLastEpoch());
    assertEquals(1_234_567, offer.snapshotOfferSize());
    Frame chunk = decoder.decode(fixture(17));
    assertEquals(100, chunk.snapshotChunkPosition());
    assertEquals(4096, chunk.snapshotChunkOffset());
    assertEquals("cafebabe", hex(chunk.snapshotChunkBytes()));
    assertTrue(chunk.snapshotChunkBytes().isReadOnly());
    Frame sack = decoder.decode(fixture(18));
    assertEquals(100, sack.snapshotAckPosition());
    assertEquals(8192, sack.snapshotAckReceived());
    assertEquals(FrameDescriptor.SNAPSHOT_RECEIVING, sack.snapshotAckStatus());
    assertEquals(FrameDescriptor.SNAPSHOT_REASON_NONE, sack.snapshotAckReason());
    Frame failed =
        decoder.decode(
            ByteBuffer.wrap(HexFormat.of().parseHex(SNAPSHOT_ACK_FAILED_HEX))
                .order(ByteOrder.LITTLE_ENDIAN));
    assertEquals(FrameDescriptor.SNAPSHOT_FAILED, failed.snapshotAckStatus());
    assertEquals(FrameDescriptor.SNAPSHOT_REASON_CORRUPT, failed.snapshotAckReason());
    assertThrows(IllegalStateException.class, sack::snapshotOfferSize);
    Frame fwd = decoder.decode(fixture(10));
    assertEquals(42, fwd.forwardRequestId());
    assertEquals(9, fwd.forwardEntity());
    assertEquals(1.5, fwd.forwardWeight());
    assertEquals(1_700_000_000_000L, fwd.forwardEventMillis());
    assertEquals(FrameDescriptor.DURABILITY_QUORUM, fwd.forwardDurability());
    assertEquals("acme", fwd.forwardTenant());
    assertEquals("view", fwd.forwardType());
    Frame reply = decoder.decode(fixture(11));
    assertEquals(42, reply.replyRequestId());
    assertEquals(FrameDescriptor.STATUS_UNAVAILABLE, reply.replyStatus());
    assertEquals(new ForwardError.Unavailable(true, 2, "full"), reply.replyError());
    assertThrows(IllegalStateException.class, reply::forwardTenant);
    Frame invalid =
        decoder.decode(ByteBuffer.wrap(HexFormat.of().parseHex(FORWARD_REPLY_INVALID_HEX)));
    assertEquals(
        new ForwardError.InvalidArgument("weight", "NaN", "must be finite"), invalid.replyError());
    Frame ok = decoder.decode(ByteBuffer.wrap(HexFormat.of().parseHex(FORWARD_REPLY_OK_HEX)));
    assertEquals(100, ok.replyPosition());
    assertEquals(NANOS, ok.replyHlc());
    assertEquals(FrameDescriptor.DURABILITY_QUORUM, ok.replyDurability());
    assertNull(ok.replyError());
    Frame vote = decoder.decode(fixture(7));
    assertThrows(IllegalStateException.class, vote::ackHwm);
  }

  @Test
  void shouldDecodeAFrameInTheMiddleOfABigEndianBuffer() {
    byte[] frame = HexFormat.of().parseHex(HEARTBEAT_HEX);
    ByteBuffer b = ByteBuffer.allocate(frame.length + 20);
    b.position(10).put(frame).flip().position(10);
    Frame f = decoder.decode(b.asReadOnlyBuffer());
    assertEquals(NANOS, f.heartbeatSentNanos());
  }

  @Test
  void headerDiagramShouldMatchOffsetConstants() throws IOException {
    Map<String, Integer> constants = new LinkedHashMap<>();
    constants.put("magic", FrameDescriptor.MAGIC_OFFSET);
    constants.put("version", FrameDescriptor.VERSION_OFFSET);
    constants.put("message type", FrameDescriptor.TYPE_OFFSET);
    constants.put("shard", FrameDescriptor.SHARD_OFFSET);
    constants.put("sender region", FrameDescriptor.SENDER_OFFSET);
    constants.put("epoch", FrameDescriptor.EPOCH_OFFSET);
    constants.put("body length", FrameDescriptor.BODY_LENGTH_OFFSET);
    constants.put("crc32c", FrameDescriptor.CRC_OFFSET);
    constants.put("body", FrameDescriptor.BODY_OFFSET);
    assertEquals(constants, headerDiagram());
  }

  @Test
  void bodyTableShouldMatchTypesLengthsAndOffsetConstants() throws Exception {
    List<String> expected =
        List.of(
            "1 WAL_BATCH -1 " + BODY_OFFSET,
            "2 ACK 8 " + FrameDescriptor.ACK_HWM_OFFSET,
            "3 RESEND_REQUEST 8 " + FrameDescriptor.RESEND_FROM_OFFSET,
            "4 HEARTBEAT 24 "
                + FrameDescriptor.HEARTBEAT_LEADER_HWM_OFFSET
                + " "
                + FrameDescriptor.HEARTBEAT_SENT_NANOS_OFFSET
                + " "
                + FrameDescriptor.HEARTBEAT_COMMIT_OFFSET,
            "5 HEARTBEAT_ACK 16 "
                + FrameDescriptor.HEARTBEAT_ACK_HWM_OFFSET
                + " "
                + FrameDescriptor.HEARTBEAT_ACK_ECHO_NANOS_OFFSET,
            "6 VOTE_REQUEST 16 "
                + FrameDescriptor.VOTE_REQUEST_LAST_EPOCH_OFFSET
                + " "
                + FrameDescriptor.VOTE_REQUEST_HWM_OFFSET,
            "7 VOTE 1 " + FrameDescriptor.VOTE_GRANTED_OFFSET,
            "8 EPOCH_END_REQUEST 8 " + FrameDescriptor.EPOCH_END_REQUEST_LAST_EPOCH_OFFSET,
            "9 EPOCH_END 16 "
                + FrameDescriptor.EPOCH_END_FOUND_EPOCH_OFFSET
                + " "
                + FrameDescriptor.EPOCH_END_POSITION_OFFSET,
            "10 FORWARD -1 "
                + FrameDescriptor.FORWARD_REQUEST_ID_OFFSET
                + " "
                + FrameDescriptor.FORWARD_ENTITY_OFFSET
                + " "
                + FrameDescriptor.FORWARD_WEIGHT_OFFSET
                + " "
                + FrameDescriptor.FORWARD_EVENT_MILLIS_OFFSET
                + " "
                + FrameDescriptor.FORWARD_DURABILITY_OFFSET
                + " "
                + FrameDescriptor.FORWARD_TENANT_LENGTH_OFFSET
                + " "
                + FrameDescriptor.FORWARD_TENANT_OFFSET,
            "11 FORWARD_REPLY -1 "
                + FrameDescriptor.REPLY_REQUEST_ID_OFFSET
                + " "
                + FrameDescriptor.REPLY_POSITION_OFFSET
                + " "
                + FrameDescriptor.REPLY_HLC_OFFSET
                + " "
                + FrameDescriptor.REPLY_DURABILITY_OFFSET
                + " "
                + FrameDescriptor.REPLY_STATUS_OFFSET
                + " "
                + FrameDescriptor.REPLY_FIELDS_LENGTH_OFFSET
                + " "
                + FrameDescriptor.REPLY_FIELDS_OFFSET,
            "12 LIMITS 16 "
                + FrameDescriptor.LIMITS_ACCEPT_OFFSET
                + " "
                + FrameDescriptor.LIMITS_WRITE_OFFSET,
            "13 PRE_VOTE_REQUEST 16 "
                + FrameDescriptor.PRE_VOTE_REQUEST_LAST_EPOCH_OFFSET
                + " "
                + FrameDescriptor.PRE_VOTE_REQUEST_HWM_OFFSET,
            "14 PRE_VOTE 1 " + FrameDescriptor.PRE_VOTE_GRANTED_OFFSET,
            "15 TIMEOUT_NOW 8 " + FrameDescriptor.TIMEOUT_NOW_LOG_END_OFFSET,
            "16 SNAPSHOT_OFFER 24 "
                + FrameDescriptor.SNAPSHOT_OFFER_POSITION_OFFSET
                + " "
                + FrameDescriptor.SNAPSHOT_OFFER_LAST_EPOCH_OFFSET
                + " "
                + FrameDescriptor.SNAPSHOT_OFFER_SIZE_OFFSET,
            "17 SNAPSHOT_CHUNK -1 "
                + FrameDescriptor.SNAPSHOT_CHUNK_POSITION_OFFSET
                + " "
                + FrameDescriptor.SNAPSHOT_CHUNK_OFFSET_OFFSET
                + " "
                + FrameDescriptor.SNAPSHOT_CHUNK_BYTES_OFFSET,
            "18 SNAPSHOT_ACK 18 "
                + FrameDescriptor.SNAPSHOT_ACK_POSITION_OFFSET
                + " "
                + FrameDescriptor.SNAPSHOT_ACK_RECEIVED_OFFSET
                + " "
                + FrameDescriptor.SNAPSHOT_ACK_STATUS_OFFSET
                + " "
                + FrameDescriptor.SNAPSHOT_ACK_REASON_OFFSET,
            "19 FORWARD_SESSION -1",
            "20 FORWARD_PART -1 32 40 41 49 57 65 67 68 25");
    for (int type = FrameDescriptor.MIN_TYPE; type <= FrameDescriptor.MAX_TYPE; type++) {
      assertEquals(
          type, FrameDescriptor.class.getField(FrameDescriptor.typeName(type)).getShort(null));
    }
    assertEquals(expected, bodyTable());
  }

  /** Parses "| field | field | NN" rows of the header diagram: cell i of n at NN + 4i/n. */
  private static Map<String, Integer> headerDiagram() throws IOException {
    Pattern row = Pattern.compile("^\\s*\\*\\s*\\|(.*)\\|\\s*(\\d+)\\s*$");
    Map<String, Integer> fields = new LinkedHashMap<>();
    for (String line : javadoc(0)) {
      Matcher m = row.matcher(line);
      if (!m.matches()) {
        continue;
      }
      String[] cells = m.group(1).split("\\|");
      int base = Integer.parseInt(m.group(2));
      for (int i = 0; i < cells.length; i++) {
        String name = cells[i].trim().toLowerCase();
        name = name.replaceAll("\\s*(=|0x|\\(|\\.\\.\\.).*$", "").trim();
        fields.put(name, base + 4 * i / cells.length);
      }
    }
    return fields;
  }

  /**
   * Parses the body table into "type NAME length offset..." ("1..max" becomes -1); the fields of a
   * continuation line (no type number) belong to the row above it.
   */
  private static List<String> bodyTable() throws IOException {
    Pattern row = Pattern.compile("^\\s*\\*\\s+(\\d+)\\s+([A-Z_]+)\\s+(\\S+)\\s+(.*)$");
    Pattern offset = Pattern.compile("(?:^|\\s)(\\d+)\\s+[a-z]");
    List<String> rows = new ArrayList<>();
    for (String line : javadoc(1)) {
      Matcher m = row.matcher(line);
      if (!m.matches()) {
        if (!rows.isEmpty()) {
          StringBuilder last = new StringBuilder(rows.remove(rows.size() - 1));
          Matcher o = offset.matcher(line.replaceFirst("^\\s*\\*", ""));
          while (o.find()) {
            last.append(' ').append(o.group(1));
          }
          rows.add(last.toString());
        }
        continue;
      }
      StringBuilder s = new StringBuilder(m.group(1) + " " + m.group(2) + " ");
      s.append(m.group(3).matches("\\d+") ? m.group(3) : "-1");
      Matcher o = offset.matcher(m.group(4));
      while (o.find()) {
        s.append(' ').append(o.group(1));
      }
      rows.add(s.toString());
    }
    return rows;
  }

  /** Returns the lines of the descriptor's {@code index}-th {@code <pre>} block. */
  private static List<String> javadoc(int index) throws IOException {
    Path source = Path.of("src/main/java/io/tidaldb/replication/wire/FrameDescriptor.java");
    List<String> lines = Files.readAllLines(source);
    int start = -1;
    for (int i = 0; i <= index; i++) {
      start = indexOf(lines, " * <pre>", start + 1);
    }
    int end = indexOf(lines, " * </pre>", start + 1);
    assertTrue(start >= 0 && end > start, "no <pre> block " + index + " in " + source);
    return lines.subList(start + 1, end);
  }

  private static int indexOf(List<String> lines, String line, int from) {
    for (int i = Math.max(0, from); i < lines.size(); i++) {
      if (lines.get(i).equals(line)) {
        return i;
      }
    }
    return -1;
  }

  private void assertPinned(String expectedHex, int length) {
    assertEquals(expectedHex.length() / 2, length);
    assertEquals(expectedHex, HexFormat.of().formatHex(bytes(out, 0, length)));
    assertEquals(0, out.position());
  }

  static ByteBuffer fixture(int type) {
    return ByteBuffer.wrap(HexFormat.of().parseHex(FIXTURES.get(type)))
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  static byte[] bytes(ByteBuffer b, int offset, int length) {
    byte[] out = new byte[length];
    b.get(offset, out);
    return out;
  }

  private static String hex(ByteBuffer b) {
    return HexFormat.of().formatHex(bytes(b, 0, b.remaining()));
  }
}
