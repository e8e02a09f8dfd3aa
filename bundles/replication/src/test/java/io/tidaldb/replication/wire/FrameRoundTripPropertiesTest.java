package io.tidaldb.replication.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/** Every message type decodes to the values it was encoded with (jqwik reports failing seeds). */
class FrameRoundTripPropertiesTest {
  private static final int MAX_BODY = 4096;

  private final FrameEncoder encoder = new FrameEncoder(MAX_BODY);
  private final FrameDecoder decoder = new FrameDecoder(MAX_BODY);

  @Property
  void walBatchShouldRoundTrip(
      @ForAll @IntRange(min = 0) int shard,
      @ForAll @IntRange(min = 0, max = 65535) int sender,
      @ForAll @LongRange(min = 0) long epoch,
      @ForAll @Size(min = 1, max = MAX_BODY) byte[] batch,
      @ForAll @IntRange(min = 0, max = 64) int offset) {
    ByteBuffer out = buffer(offset + FrameDescriptor.HEADER_LENGTH + batch.length);
    int length = encoder.walBatch(out, offset, shard, sender, epoch, ByteBuffer.wrap(batch));
    Frame f = decode(out, offset, length, FrameDescriptor.WAL_BATCH, shard, sender, epoch);
    assertEquals(ByteBuffer.wrap(batch), f.walBatch());
  }

  @Property
  void ackAndResendRequestShouldRoundTrip(
      @ForAll @IntRange(min = 0) int shard,
      @ForAll @IntRange(min = 0, max = 65535) int sender,
      @ForAll @LongRange(min = 0) long epoch,
      @ForAll long value) {
    ByteBuffer out = buffer(64);
    int length = encoder.ack(out, 0, shard, sender, epoch, value);
    assertEquals(value, decode(out, 0, length, FrameDescriptor.ACK, shard, sender, epoch).ackHwm());
    length = encoder.resendRequest(out, 0, shard, sender, epoch, value);
    assertEquals(
        value,
        decode(out, 0, length, FrameDescriptor.RESEND_REQUEST, shard, sender, epoch).resendFrom());
  }

  @Property
  void heartbeatsAndVoteRequestShouldRoundTrip(
      @ForAll @IntRange(min = 0) int shard,
      @ForAll @IntRange(min = 0, max = 65535) int sender,
      @ForAll @LongRange(min = 0) long epoch,
      @ForAll long first,
      @ForAll long second) {
    ByteBuffer out = buffer(64);
    int length = encoder.heartbeat(out, 0, shard, sender, epoch, first, second);
    Frame f = decode(out, 0, length, FrameDescriptor.HEARTBEAT, shard, sender, epoch);
    assertEquals(first, f.heartbeatLeaderHwm());
    assertEquals(second, f.heartbeatSentNanos());
    length = encoder.heartbeatAck(out, 0, shard, sender, epoch, first, second);
    f = decode(out, 0, length, FrameDescriptor.HEARTBEAT_ACK, shard, sender, epoch);
    assertEquals(first, f.heartbeatAckHwm());
    assertEquals(second, f.heartbeatAckEchoNanos());
    length = encoder.voteRequest(out, 0, shard, sender, epoch, first, second);
    f = decode(out, 0, length, FrameDescriptor.VOTE_REQUEST, shard, sender, epoch);
    assertEquals(first, f.voteRequestLastEpoch());
    assertEquals(second, f.voteRequestHwm());
  }

  @Property
  void voteShouldRoundTrip(
      @ForAll @IntRange(min = 0) int shard,
      @ForAll @IntRange(min = 0, max = 65535) int sender,
      @ForAll @LongRange(min = 0) long epoch,
      @ForAll boolean granted) {
    ByteBuffer out = buffer(64);
    int length = encoder.vote(out, 0, shard, sender, epoch, granted);
    assertEquals(
        granted, decode(out, 0, length, FrameDescriptor.VOTE, shard, sender, epoch).voteGranted());
  }

  private Frame decode(
      ByteBuffer out, int offset, int length, short type, int shard, int sender, long epoch) {
    Frame f = decoder.decode(out.duplicate().position(offset).limit(offset + length));
    assertEquals(type, f.type());
    assertEquals(shard, f.shard());
    assertEquals(sender, f.sender());
    assertEquals(epoch, f.epoch());
    assertEquals(length, f.length());
    assertEquals(offset, f.offset());
    return f;
  }

  private static ByteBuffer buffer(int capacity) {
    return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
  }
}
