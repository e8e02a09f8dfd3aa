package io.tidaldb.replication.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * A FORWARD_REPLY's refusal crosses the wire as typed fields: every kind (INVALID_ARGUMENT,
 * UNKNOWN_TENANT, UNAVAILABLE, NOT_LEADER, OTHER) decodes to an equal {@link ForwardError}, for
 * random names, values, rules and messages with non-ASCII characters (2-, 3- and 4-byte UTF-8) and
 * fields of exactly the largest length.
 */
class ForwardErrorPropertiesTest {
  private final FrameEncoder encoder =
      new FrameEncoder(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH - FrameDescriptor.HEADER_LENGTH);
  private final FrameDecoder decoder =
      new FrameDecoder(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH - FrameDescriptor.HEADER_LENGTH);

  @Property
  void everyRefusalShouldRoundTripWithIdenticalTypeAndFields(
      @ForAll("errors") ForwardError error,
      @ForAll @IntRange(min = 0) int shard,
      @ForAll @IntRange(min = 0, max = 65535) int sender,
      @ForAll @LongRange(min = 0) long epoch,
      @ForAll long requestId) {
    ByteBuffer out =
        ByteBuffer.allocate(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH)
            .order(ByteOrder.LITTLE_ENDIAN);
    int length = encoder.forwardReply(out, 0, shard, sender, epoch, requestId, error);
    Frame f = decoder.decode(out.duplicate().position(0).limit(length));
    assertEquals(error.status(), f.replyStatus());
    assertEquals(requestId, f.replyRequestId());
    assertEquals(error, f.replyError());
  }

  @Test
  void shouldCarryFieldsOfExactlyTheLargestLength() {
    String ascii = "a".repeat(FrameDescriptor.FORWARD_FIELD_MAX_BYTES);
    String euros = "€".repeat(FrameDescriptor.FORWARD_FIELD_MAX_BYTES / 3) + "a"; // 1,024 bytes
    String clefs = "𝄞".repeat(FrameDescriptor.FORWARD_FIELD_MAX_BYTES / 4); // 4-byte characters
    assertEquals(
        FrameDescriptor.FORWARD_FIELD_MAX_BYTES, euros.getBytes(StandardCharsets.UTF_8).length);
    assertEquals(
        FrameDescriptor.FORWARD_FIELD_MAX_BYTES, clefs.getBytes(StandardCharsets.UTF_8).length);
    ForwardError largest = new ForwardError.InvalidArgument(ascii, euros, clefs);
    ByteBuffer out =
        ByteBuffer.allocate(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH)
            .order(ByteOrder.LITTLE_ENDIAN);
    int length = encoder.forwardReply(out, 0, 1, 2, 3, 4, largest);
    assertEquals(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH, length, "the largest reply");
    assertEquals(largest, decoder.decode(out.duplicate().position(0).limit(length)).replyError());
  }

  @Test
  void shouldRefuseAFieldOverItsBoundAndFitCutsAtACharacterBoundary() {
    String over = "€".repeat(400); // 1,200 bytes
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> new ForwardError.Other(over));
    assertEquals(
        "invalid forward reply message length: 1200 (must be 0..1024 UTF-8 bytes)", e.getMessage());
    String cut = ForwardError.fit(over);
    assertTrue(cut.endsWith("..."), cut);
    assertTrue(
        cut.getBytes(StandardCharsets.UTF_8).length <= FrameDescriptor.FORWARD_FIELD_MAX_BYTES);
    assertEquals("€".repeat(340) + "...", cut, "whole characters only");
  }

  @Test
  void shouldRefuseAReplyWhoseFieldIsOverItsBoundEvenIfTheBodyHoldsIt() {
    int n = FrameDescriptor.FORWARD_FIELD_MAX_BYTES + 76;
    int body = FrameDescriptor.REPLY_FIXED_BODY_LENGTH + 2 + n;
    ByteBuffer b =
        ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH + body).order(ByteOrder.LITTLE_ENDIAN);
    FrameDescriptor.writeHeader(b, 0, FrameDescriptor.FORWARD_REPLY, 1, 2, 3, body);
    b.put(FrameDescriptor.REPLY_STATUS_OFFSET, FrameDescriptor.STATUS_OTHER);
    b.putShort(FrameDescriptor.REPLY_FIELDS_LENGTH_OFFSET, (short) (2 + n));
    b.putShort(FrameDescriptor.REPLY_FIELDS_OFFSET, (short) n);
    for (int i = 0; i < n; i++) {
      b.put(FrameDescriptor.REPLY_FIELDS_OFFSET + 2 + i, (byte) 'a');
    }
    b.putInt(
        FrameDescriptor.CRC_OFFSET,
        FrameDescriptor.computeCrc(
            new java.util.zip.CRC32C(), FrameDescriptor.newCrcScratch(), b, 0, body));
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> decoder.decode(b));
    assertEquals(
        "invalid frame forward reply message length: 1100 (must be 0..1024, within the reply's"
            + " 1102 bytes of fields)",
        e.getMessage());
  }

  @Provide
  Arbitrary<ForwardError> errors() {
    Arbitrary<String> field = fields();
    return Arbitraries.oneOf(
        Combinators.combine(field, field, field).as(ForwardError.InvalidArgument::new),
        Arbitraries.just(new ForwardError.UnknownTenant()),
        Combinators.combine(
                Arbitraries.of(true, false), Arbitraries.integers().between(-1, 65535), field)
            .as(ForwardError.Unavailable::new),
        Arbitraries.longs().between(-1, 65535).map(ForwardError.NotLeader::new),
        field.map(ForwardError.Other::new));
  }

  /**
   * Strings of ASCII, 2-, 3- and 4-byte characters, up to more than a field holds, fitted to the
   * bound (so the largest lengths come up often).
   */
  private static Arbitrary<String> fields() {
    Arbitrary<String> piece =
        Arbitraries.oneOf(
            Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(8),
            Arbitraries.of("é", "ß", "€", "日本", "𝄞", "\u0000", "\n"));
    return piece.list().ofMaxSize(400).map(parts -> ForwardError.fit(String.join("", parts)));
  }
}
