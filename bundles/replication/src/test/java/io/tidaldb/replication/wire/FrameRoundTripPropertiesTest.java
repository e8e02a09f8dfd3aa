package io.tidaldb.replication.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.SessionSeq;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.ByteRange;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

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
    int length = encoder.heartbeat(out, 0, shard, sender, epoch, first, second, first ^ second);
    Frame f = decode(out, 0, length, FrameDescriptor.HEARTBEAT, shard, sender, epoch);
    assertEquals(first, f.heartbeatLeaderHwm());
    assertEquals(second, f.heartbeatSentNanos());
    assertEquals(first ^ second, f.heartbeatCommit());
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

  @Property
  void preVotesShouldRoundTrip(
      @ForAll @IntRange(min = 0) int shard,
      @ForAll @IntRange(min = 0, max = 65535) int sender,
      @ForAll @LongRange(min = 0) long epoch,
      @ForAll long lastEpoch,
      @ForAll long hwm,
      @ForAll boolean granted) {
    ByteBuffer out = buffer(64);
    int length = encoder.preVoteRequest(out, 0, shard, sender, epoch, lastEpoch, hwm);
    Frame f = decode(out, 0, length, FrameDescriptor.PRE_VOTE_REQUEST, shard, sender, epoch);
    assertEquals(lastEpoch, f.preVoteRequestLastEpoch());
    assertEquals(hwm, f.preVoteRequestHwm());
    length = encoder.preVote(out, 0, shard, sender, epoch, granted);
    f = decode(out, 0, length, FrameDescriptor.PRE_VOTE, shard, sender, epoch);
    assertEquals(granted, f.preVoteGranted());
  }

  @Property
  void forwardShouldRoundTrip(
      @ForAll @IntRange(min = 0) int shard,
      @ForAll @IntRange(min = 0, max = 65535) int sender,
      @ForAll @LongRange(min = 0) long epoch,
      @ForAll long requestId,
      @ForAll long entity,
      @ForAll double weight,
      @ForAll long eventMillis,
      @ForAll @ByteRange(min = 0, max = 2) byte durability,
      @ForAll @StringLength(min = 1, max = 85) @CharRange(from = 'a', to = 'z') @Chars({'é', '日'})
          String tenant,
      @ForAll @StringLength(min = 1, max = 85) @CharRange(from = '0', to = 'Z') @Chars({'ü'})
          String type,
      @ForAll @IntRange(min = 0, max = 64) int offset) {
    ByteBuffer out = buffer(offset + FrameDescriptor.MAX_FORWARD_FRAME_LENGTH);
    int length =
        encoder.forward(
            out,
            offset,
            shard,
            sender,
            epoch,
            requestId,
            entity,
            weight,
            eventMillis,
            durability,
            tenant,
            type);
    Frame f = decode(out, offset, length, FrameDescriptor.FORWARD, shard, sender, epoch);
    assertEquals(requestId, f.forwardRequestId());
    assertEquals(entity, f.forwardEntity());
    assertEquals(Double.doubleToRawLongBits(weight), Double.doubleToRawLongBits(f.forwardWeight()));
    assertEquals(eventMillis, f.forwardEventMillis());
    assertEquals(durability, f.forwardDurability());
    assertEquals(tenant, f.forwardTenant());
    assertEquals(type, f.forwardType());
  }

  @Property
  void forwardSessionShouldRoundTrip(
      @ForAll long requestId,
      @ForAll long entity,
      @ForAll double weight,
      @ForAll @StringLength(min = 1, max = 255) @CharRange(from = 'a', to = 'z') String tenant,
      @ForAll @StringLength(min = 1, max = 255) @CharRange(from = '0', to = 'Z') String type,
      @ForAll long session,
      @ForAll @LongRange(min = 1) long seq,
      @ForAll @LongRange(min = 1) long ackedBelow,
      @ForAll @IntRange(min = 0, max = 64) int offset) {
    Assume.that(session != 0);
    SessionSeq s = new SessionSeq(session, seq, Math.min(ackedBelow, seq));
    ByteBuffer out = buffer(offset + FrameDescriptor.MAX_FORWARD_FRAME_LENGTH);
    int length =
        encoder.forward(
            out, offset, 1, 2, 3, requestId, entity, weight, 4, (byte) 2, tenant, type, s);
    Frame f = decode(out, offset, length, FrameDescriptor.FORWARD_SESSION, 1, 2, 3);
    assertTrue(f.forwardHasSession());
    assertEquals(requestId, f.forwardRequestId());
    assertEquals(entity, f.forwardEntity());
    assertEquals(Double.doubleToRawLongBits(weight), Double.doubleToRawLongBits(f.forwardWeight()));
    assertEquals(4, f.forwardEventMillis());
    assertEquals(2, f.forwardDurability());
    assertEquals(tenant, f.forwardTenant());
    assertEquals(type, f.forwardType());
    assertEquals(s, new SessionSeq(f.forwardSession(), f.forwardSeq(), f.forwardAckedBelow()));
  }

  @Property
  void forwardReplyShouldRoundTrip(
      @ForAll @IntRange(min = 0) int shard,
      @ForAll @IntRange(min = 0, max = 65535) int sender,
      @ForAll @LongRange(min = 0) long epoch,
      @ForAll long requestId,
      @ForAll long position,
      @ForAll long hlc,
      @ForAll @ByteRange(min = 0, max = 2) byte durability) {
    ByteBuffer out = buffer(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH);
    int length =
        encoder.forwardReply(out, 0, shard, sender, epoch, requestId, position, hlc, durability);
    Frame f = decode(out, 0, length, FrameDescriptor.FORWARD_REPLY, shard, sender, epoch);
    assertEquals(requestId, f.replyRequestId());
    assertEquals(position, f.replyPosition());
    assertEquals(hlc, f.replyHlc());
    assertEquals(durability, f.replyDurability());
    assertEquals(FrameDescriptor.STATUS_OK, f.replyStatus());
    assertEquals(null, f.replyError());
  }

  @Property
  void snapshotFramesShouldRoundTrip(
      @ForAll @IntRange(min = 0) int shard,
      @ForAll @IntRange(min = 0, max = 65535) int sender,
      @ForAll @LongRange(min = 0) long epoch,
      @ForAll @LongRange(min = 0) long position,
      @ForAll @LongRange(min = 0) long lastEpochSeed,
      @ForAll @LongRange(min = 0) long size,
      @ForAll @Size(min = 1, max = MAX_BODY - 16) byte[] bytes,
      @ForAll @ByteRange(min = 0, max = 2) byte status,
      @ForAll @ByteRange(min = 1, max = 3) byte failure) {
    long lastEpoch = epoch == 0 ? 0 : lastEpochSeed % (epoch + 1);
    ByteBuffer out = buffer(FrameDescriptor.HEADER_LENGTH + MAX_BODY);
    int length = encoder.snapshotOffer(out, 0, shard, sender, epoch, position, lastEpoch, size);
    Frame f = decode(out, 0, length, FrameDescriptor.SNAPSHOT_OFFER, shard, sender, epoch);
    assertEquals(position, f.snapshotOfferPosition());
    assertEquals(lastEpoch, f.snapshotOfferLastEpoch());
    assertEquals(size, f.snapshotOfferSize());
    length =
        encoder.snapshotChunk(out, 0, shard, sender, epoch, position, size, ByteBuffer.wrap(bytes));
    f = decode(out, 0, length, FrameDescriptor.SNAPSHOT_CHUNK, shard, sender, epoch);
    assertEquals(position, f.snapshotChunkPosition());
    assertEquals(size, f.snapshotChunkOffset());
    assertEquals(ByteBuffer.wrap(bytes), f.snapshotChunkBytes());
    byte reason = status == FrameDescriptor.SNAPSHOT_FAILED ? failure : 0;
    length = encoder.snapshotAck(out, 0, shard, sender, epoch, position, size, status, reason);
    f = decode(out, 0, length, FrameDescriptor.SNAPSHOT_ACK, shard, sender, epoch);
    assertEquals(position, f.snapshotAckPosition());
    assertEquals(size, f.snapshotAckReceived());
    assertEquals(status, f.snapshotAckStatus());
    assertEquals(reason, f.snapshotAckReason());
  }

  @Property
  void forwardPartShouldRoundTrip(
      @ForAll @IntRange(min = 0) int shard,
      @ForAll @IntRange(min = 0, max = 65535) int sender,
      @ForAll @LongRange(min = 0) long epoch,
      @ForAll long requestId,
      @ForAll @ByteRange(min = 0, max = 2) byte durability,
      @ForAll @Size(min = 1, max = 40) java.util.List<@IntRange(min = 0, max = 5) Integer> types,
      @ForAll long entity,
      @ForAll @LongRange(min = 1, max = Long.MAX_VALUE - 100) long seq) {
    java.util.List<io.tidaldb.api.Signal> signals = new java.util.ArrayList<>();
    for (int i = 0; i < types.size(); i++) {
      signals.add(
          new io.tidaldb.api.Signal(
              io.tidaldb.api.TenantId.of("tenant-a"),
              io.tidaldb.api.SignalType.of("type" + types.get(i)),
              io.tidaldb.api.EntityId.of(entity + i),
              i - 0.25 * i * i,
              io.tidaldb.api.Timestamp.ofMillis(1_700_000_000_000L + i)));
    }
    SessionSeq session = new SessionSeq(~seq, seq, 1 + seq / 2);
    ByteBuffer out = buffer(FrameEncoder.forwardPartLength(signals));
    int length =
        encoder.forwardPart(out, 0, shard, sender, epoch, requestId, durability, signals, session);
    assertEquals(FrameEncoder.forwardPartLength(signals), length);
    Frame f = decode(out, 0, length, FrameDescriptor.FORWARD_PART, shard, sender, epoch);
    assertEquals(requestId, f.forwardPartRequestId());
    assertEquals(durability, f.forwardPartDurability());
    assertEquals(session, f.forwardPartSession());
    assertEquals(signals, f.forwardPartSignals());
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
