package io.tidaldb.replication.wire;

import static io.tidaldb.replication.wire.FrameDescriptor.BODY_OFFSET;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A flyweight view of one frame that {@link FrameDecoder} has validated: every accessor reads its
 * field in place from the wrapped buffer, allocating nothing (except {@link #walBatch()}, a
 * read-only slice, the strings of FORWARD and the refusal of FORWARD_REPLY). Valid only as long as
 * the wrapped buffer holds the frame, and until the decoder decodes the next one.
 *
 * <p>A body accessor called on a frame of another type throws {@link IllegalStateException}: that
 * is a caller's bug, not bad input.
 *
 * <p>Not thread-safe.
 */
public final class Frame {
  private ByteBuffer buffer;
  private int offset;

  Frame() {}

  void wrap(ByteBuffer buffer, int offset) {
    this.buffer = buffer;
    this.offset = offset;
  }

  /**
   * Returns the message type, {@link FrameDescriptor#MIN_TYPE}..{@link FrameDescriptor#MAX_TYPE}.
   *
   * @return the type
   */
  public short type() {
    return buffer.getShort(offset + FrameDescriptor.TYPE_OFFSET);
  }

  /**
   * Returns the shard.
   *
   * @return the shard, never negative
   */
  public int shard() {
    return buffer.getInt(offset + FrameDescriptor.SHARD_OFFSET);
  }

  /**
   * Returns the sending region's id.
   *
   * @return the id, 0..65535
   */
  public int sender() {
    return buffer.getInt(offset + FrameDescriptor.SENDER_OFFSET);
  }

  /**
   * Returns the epoch.
   *
   * @return the epoch, never negative
   */
  public long epoch() {
    return buffer.getLong(offset + FrameDescriptor.EPOCH_OFFSET);
  }

  /**
   * Returns the body's length.
   *
   * @return the length in bytes
   */
  public int bodyLength() {
    return buffer.getInt(offset + FrameDescriptor.BODY_LENGTH_OFFSET);
  }

  /**
   * Returns the frame's whole length, header and body.
   *
   * @return the length in bytes
   */
  public int length() {
    return FrameDescriptor.HEADER_LENGTH + bodyLength();
  }

  /**
   * Returns the buffer the frame is read from.
   *
   * @return the wrapped buffer
   */
  public ByteBuffer buffer() {
    return buffer;
  }

  /**
   * Returns where the frame starts in {@link #buffer()}.
   *
   * @return the offset
   */
  public int offset() {
    return offset;
  }

  /**
   * Returns an empty view for frames that a {@link FrameDecoder} validated and that were copied
   * verbatim since (a receiving thread's copy, read on the thread that handles it); {@link #over}
   * points it at one.
   *
   * @return the view
   */
  public static Frame view() {
    return new Frame();
  }

  /**
   * Points this view at the frame at {@code offset} of {@code buffer}, which must hold, little
   * endian, bytes a decoder validated and that were copied verbatim: nothing is checked again.
   *
   * @param buffer the buffer
   * @param offset where the frame starts
   * @return this view
   */
  public Frame over(ByteBuffer buffer, int offset) {
    wrap(buffer, offset);
    return this;
  }

  /**
   * Returns a frame over a copy of this one's bytes, valid for as long as it is referenced: the
   * decoded form a receiving thread hands to the thread that handles it (the transport reuses its
   * buffers and the decoder its view). Allocates the copy; no field is decoded again.
   *
   * @return the detached frame
   */
  public Frame copy() {
    int length = length();
    ByteBuffer bytes = ByteBuffer.allocate(length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    bytes.put(buffer.duplicate().limit(offset + length).position(offset)).flip();
    Frame detached = new Frame();
    detached.wrap(bytes, 0);
    return detached;
  }

  /**
   * Returns a WAL_BATCH's body, the batch bytes, as a read-only little-endian slice.
   *
   * @return the batch, positioned at 0
   */
  public ByteBuffer walBatch() {
    expect(FrameDescriptor.WAL_BATCH);
    return buffer
        .slice(offset + BODY_OFFSET, bodyLength())
        .asReadOnlyBuffer()
        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Returns an ACK's durable HWM.
   *
   * @return the next position the follower has durably applied
   */
  public long ackHwm() {
    return readLong(FrameDescriptor.ACK, FrameDescriptor.ACK_HWM_OFFSET);
  }

  /**
   * Returns a RESEND_REQUEST's from position.
   *
   * @return the first position to resend
   */
  public long resendFrom() {
    return readLong(FrameDescriptor.RESEND_REQUEST, FrameDescriptor.RESEND_FROM_OFFSET);
  }

  /**
   * Returns a HEARTBEAT's leader HWM.
   *
   * @return the leader's durable HWM
   */
  public long heartbeatLeaderHwm() {
    return readLong(FrameDescriptor.HEARTBEAT, FrameDescriptor.HEARTBEAT_LEADER_HWM_OFFSET);
  }

  /**
   * Returns a HEARTBEAT's sent nanos.
   *
   * @return the leader's clock when sent
   */
  public long heartbeatSentNanos() {
    return readLong(FrameDescriptor.HEARTBEAT, FrameDescriptor.HEARTBEAT_SENT_NANOS_OFFSET);
  }

  /**
   * Returns a HEARTBEAT's commit: every record below it is committed as the leader knows; 0 for a
   * heartbeat of an older build, which does not carry it.
   *
   * @return the leader's known commit
   */
  public long heartbeatCommit() {
    if (bodyLength() < FrameDescriptor.HEARTBEAT_COMMIT_OFFSET - BODY_OFFSET + Long.BYTES) {
      readLong(
          FrameDescriptor.HEARTBEAT, FrameDescriptor.HEARTBEAT_LEADER_HWM_OFFSET); // type check
      return 0;
    }
    return readLong(FrameDescriptor.HEARTBEAT, FrameDescriptor.HEARTBEAT_COMMIT_OFFSET);
  }

  /**
   * Returns a HEARTBEAT_ACK's HWM.
   *
   * @return the sender's durable HWM
   */
  public long heartbeatAckHwm() {
    return readLong(FrameDescriptor.HEARTBEAT_ACK, FrameDescriptor.HEARTBEAT_ACK_HWM_OFFSET);
  }

  /**
   * Returns a HEARTBEAT_ACK's echo nanos.
   *
   * @return the sent nanos of the heartbeat answered
   */
  public long heartbeatAckEchoNanos() {
    return readLong(FrameDescriptor.HEARTBEAT_ACK, FrameDescriptor.HEARTBEAT_ACK_ECHO_NANOS_OFFSET);
  }

  /**
   * Returns a VOTE_REQUEST's last epoch.
   *
   * @return the epoch of the candidate's last durable record
   */
  public long voteRequestLastEpoch() {
    return readLong(FrameDescriptor.VOTE_REQUEST, FrameDescriptor.VOTE_REQUEST_LAST_EPOCH_OFFSET);
  }

  /**
   * Returns a VOTE_REQUEST's HWM.
   *
   * @return the candidate's durable HWM
   */
  public long voteRequestHwm() {
    return readLong(FrameDescriptor.VOTE_REQUEST, FrameDescriptor.VOTE_REQUEST_HWM_OFFSET);
  }

  /**
   * Returns whether a VOTE is granted.
   *
   * @return {@code true} if granted
   */
  public boolean voteGranted() {
    expect(FrameDescriptor.VOTE);
    return buffer.get(offset + FrameDescriptor.VOTE_GRANTED_OFFSET) == 1;
  }

  /**
   * Returns a PRE_VOTE_REQUEST's last epoch.
   *
   * @return the epoch of the asking region's last durable record
   */
  public long preVoteRequestLastEpoch() {
    return readLong(
        FrameDescriptor.PRE_VOTE_REQUEST, FrameDescriptor.PRE_VOTE_REQUEST_LAST_EPOCH_OFFSET);
  }

  /**
   * Returns a PRE_VOTE_REQUEST's HWM.
   *
   * @return the asking region's durable HWM
   */
  public long preVoteRequestHwm() {
    return readLong(FrameDescriptor.PRE_VOTE_REQUEST, FrameDescriptor.PRE_VOTE_REQUEST_HWM_OFFSET);
  }

  /**
   * Returns whether a PRE_VOTE is granted.
   *
   * @return {@code true} if granted
   */
  public boolean preVoteGranted() {
    expect(FrameDescriptor.PRE_VOTE);
    return buffer.get(offset + FrameDescriptor.PRE_VOTE_GRANTED_OFFSET) == 1;
  }

  /**
   * Returns a TIMEOUT_NOW's leader log end.
   *
   * @return the leader's durable position when it asked for the election
   */
  public long timeoutNowLogEnd() {
    return readLong(FrameDescriptor.TIMEOUT_NOW, FrameDescriptor.TIMEOUT_NOW_LOG_END_OFFSET);
  }

  /**
   * Returns an EPOCH_END_REQUEST's last epoch.
   *
   * @return the epoch of the follower's last durable batch
   */
  public long epochEndRequestLastEpoch() {
    return readLong(
        FrameDescriptor.EPOCH_END_REQUEST, FrameDescriptor.EPOCH_END_REQUEST_LAST_EPOCH_OFFSET);
  }

  /**
   * Returns an EPOCH_END's found epoch.
   *
   * @return the leader's largest log epoch not above the one asked for
   */
  public long epochEndFoundEpoch() {
    return readLong(FrameDescriptor.EPOCH_END, FrameDescriptor.EPOCH_END_FOUND_EPOCH_OFFSET);
  }

  /**
   * Returns an EPOCH_END's end position.
   *
   * @return where the found epoch ends in the leader's log
   */
  public long epochEndPosition() {
    return readLong(FrameDescriptor.EPOCH_END, FrameDescriptor.EPOCH_END_POSITION_OFFSET);
  }

  /**
   * Returns a LIMITS' accept batch bytes.
   *
   * @return the largest WAL batch, header included, the sender takes as a follower
   */
  public long limitsAcceptBatchBytes() {
    return readLong(FrameDescriptor.LIMITS, FrameDescriptor.LIMITS_ACCEPT_OFFSET);
  }

  /**
   * Returns a LIMITS' write batch bytes.
   *
   * @return the largest WAL batch, header included, the sender's log writes
   */
  public long limitsWriteBatchBytes() {
    return readLong(FrameDescriptor.LIMITS, FrameDescriptor.LIMITS_WRITE_OFFSET);
  }

  /**
   * Returns a FORWARD's request id.
   *
   * @return the id its reply carries
   */
  public long forwardRequestId() {
    return forwardLong(FrameDescriptor.FORWARD_REQUEST_ID_OFFSET);
  }

  /**
   * Returns a FORWARD's entity.
   *
   * @return the entity id
   */
  public long forwardEntity() {
    return forwardLong(FrameDescriptor.FORWARD_ENTITY_OFFSET);
  }

  /**
   * Returns a FORWARD's weight.
   *
   * @return the weight (from its raw bits)
   */
  public double forwardWeight() {
    return Double.longBitsToDouble(forwardLong(FrameDescriptor.FORWARD_WEIGHT_OFFSET));
  }

  /**
   * Returns a FORWARD's event time.
   *
   * @return the event time in epoch milliseconds
   */
  public long forwardEventMillis() {
    return forwardLong(FrameDescriptor.FORWARD_EVENT_MILLIS_OFFSET);
  }

  /**
   * Returns a FORWARD's durability byte.
   *
   * @return {@link FrameDescriptor#DURABILITY_LOCAL}..{@link FrameDescriptor#DURABILITY_ALL}
   */
  public byte forwardDurability() {
    expectForward();
    return buffer.get(offset + FrameDescriptor.FORWARD_DURABILITY_OFFSET);
  }

  /**
   * Returns a FORWARD's tenant name (allocates the string).
   *
   * @return the tenant name
   */
  public String forwardTenant() {
    expectForward();
    return utf8(offset + FrameDescriptor.FORWARD_TENANT_OFFSET, tenantLength());
  }

  /**
   * Returns a FORWARD's signal type name (allocates the string).
   *
   * @return the type name
   */
  public String forwardType() {
    expectForward();
    int at = offset + FrameDescriptor.FORWARD_TENANT_OFFSET + tenantLength();
    return utf8(at + 1, Byte.toUnsignedInt(buffer.get(at)));
  }

  /**
   * Returns whether this FORWARD carries a client session's write (type FORWARD_SESSION).
   *
   * @return true for FORWARD_SESSION, false for FORWARD
   */
  public boolean forwardHasSession() {
    expectForward();
    return type() == FrameDescriptor.FORWARD_SESSION;
  }

  /**
   * Returns a FORWARD_SESSION's session id.
   *
   * @return the session id (the decoder checked it is not 0)
   */
  public long forwardSession() {
    return sessionLong(0);
  }

  /**
   * Returns a FORWARD_SESSION's seq.
   *
   * @return the seq (the decoder checked it is at least 1)
   */
  public long forwardSeq() {
    return sessionLong(8);
  }

  /**
   * Returns a FORWARD_SESSION's acked below.
   *
   * @return acked below (the decoder checked it is 1 to the seq)
   */
  public long forwardAckedBelow() {
    return sessionLong(16);
  }

  /**
   * Returns a FORWARD_PART's request id.
   *
   * @return the id its reply carries
   */
  public long forwardPartRequestId() {
    return readLong(FrameDescriptor.FORWARD_PART, FrameDescriptor.FORWARD_REQUEST_ID_OFFSET);
  }

  /**
   * Returns a FORWARD_PART's durability byte.
   *
   * @return the durability byte (the decoder checked it)
   */
  public byte forwardPartDurability() {
    expect(FrameDescriptor.FORWARD_PART);
    return buffer.get(offset + FrameDescriptor.FORWARD_PART_DURABILITY_OFFSET);
  }

  /**
   * Returns a FORWARD_PART's session, seq and acked below.
   *
   * @return the batch's session (the decoder checked the fields as {@link SessionSeq} does)
   */
  public SessionSeq forwardPartSession() {
    expect(FrameDescriptor.FORWARD_PART);
    int at = offset + FrameDescriptor.FORWARD_PART_SESSION_OFFSET;
    return new SessionSeq(buffer.getLong(at), buffer.getLong(at + 8), buffer.getLong(at + 16));
  }

  /**
   * Returns a FORWARD_PART's signals, decoded (names as strings; the decoder checked every field).
   *
   * @return the part's signals in the batch's order
   * @throws io.tidaldb.api.InvalidArgumentException if a name, weight or event time is one a {@link
   *     Signal} refuses (a signal the origin's store did not validate)
   */
  public List<Signal> forwardPartSignals() {
    expect(FrameDescriptor.FORWARD_PART);
    int n =
        Short.toUnsignedInt(buffer.getShort(offset + FrameDescriptor.FORWARD_PART_COUNT_OFFSET));
    int tenantLength =
        Byte.toUnsignedInt(buffer.get(offset + FrameDescriptor.FORWARD_PART_TENANT_LENGTH_OFFSET));
    int at = offset + FrameDescriptor.FORWARD_PART_TENANT_OFFSET;
    TenantId tenant = TenantId.of(utf8(at, tenantLength));
    at += tenantLength;
    int k = Byte.toUnsignedInt(buffer.get(at++));
    SignalType[] types = new SignalType[k];
    for (int i = 0; i < k; i++) {
      int y = Byte.toUnsignedInt(buffer.get(at++));
      types[i] = SignalType.of(utf8(at, y));
      at += y;
    }
    List<Signal> signals = new ArrayList<>(n);
    for (int i = 0; i < n; i++, at += FrameDescriptor.FORWARD_PART_SLOT_LENGTH) {
      signals.add(
          new Signal(
              tenant,
              types[Byte.toUnsignedInt(buffer.get(at))],
              EntityId.of(buffer.getLong(at + 1)),
              Double.longBitsToDouble(buffer.getLong(at + 9)),
              Timestamp.ofMillis(buffer.getLong(at + 17))));
    }
    return signals;
  }

  /**
   * Returns a FORWARD_REPLY's request id.
   *
   * @return the id of the FORWARD answered
   */
  public long replyRequestId() {
    return readLong(FrameDescriptor.FORWARD_REPLY, FrameDescriptor.REPLY_REQUEST_ID_OFFSET);
  }

  /**
   * Returns a FORWARD_REPLY's position.
   *
   * @return the signal's position (OK), the known leader's id or -1 (NOT_LEADER), else 0
   */
  public long replyPosition() {
    return readLong(FrameDescriptor.FORWARD_REPLY, FrameDescriptor.REPLY_POSITION_OFFSET);
  }

  /**
   * Returns a FORWARD_REPLY's hybrid logical clock stamp.
   *
   * @return the stamp the leader gave the signal (OK), else 0
   */
  public long replyHlc() {
    return readLong(FrameDescriptor.FORWARD_REPLY, FrameDescriptor.REPLY_HLC_OFFSET);
  }

  /**
   * Returns a FORWARD_REPLY's durability byte.
   *
   * @return the durability met, {@link FrameDescriptor#DURABILITY_LOCAL}..{@link
   *     FrameDescriptor#DURABILITY_ALL}
   */
  public byte replyDurability() {
    expect(FrameDescriptor.FORWARD_REPLY);
    return buffer.get(offset + FrameDescriptor.REPLY_DURABILITY_OFFSET);
  }

  /**
   * Returns a FORWARD_REPLY's status byte.
   *
   * @return {@link FrameDescriptor#STATUS_OK}..{@link FrameDescriptor#STATUS_OTHER}
   */
  public byte replyStatus() {
    expect(FrameDescriptor.FORWARD_REPLY);
    return buffer.get(offset + FrameDescriptor.REPLY_STATUS_OFFSET);
  }

  /**
   * Returns a FORWARD_REPLY's refusal with its typed fields (allocates).
   *
   * @return the refusal, or null for {@link FrameDescriptor#STATUS_OK}
   */
  public ForwardError replyError() {
    expect(FrameDescriptor.FORWARD_REPLY);
    return ForwardErrors.read(
        buffer,
        offset + FrameDescriptor.REPLY_FIELDS_OFFSET,
        Short.toUnsignedInt(buffer.getShort(offset + FrameDescriptor.REPLY_FIELDS_LENGTH_OFFSET)),
        replyStatus(),
        replyPosition());
  }

  /**
   * Returns a SNAPSHOT_OFFER's position.
   *
   * @return the log position the snapshot covers
   */
  public long snapshotOfferPosition() {
    return readLong(FrameDescriptor.SNAPSHOT_OFFER, FrameDescriptor.SNAPSHOT_OFFER_POSITION_OFFSET);
  }

  /**
   * Returns a SNAPSHOT_OFFER's last epoch.
   *
   * @return the epoch of the record below the position in the leader's log
   */
  public long snapshotOfferLastEpoch() {
    return readLong(
        FrameDescriptor.SNAPSHOT_OFFER, FrameDescriptor.SNAPSHOT_OFFER_LAST_EPOCH_OFFSET);
  }

  /**
   * Returns a SNAPSHOT_OFFER's size.
   *
   * @return the snapshot's length in bytes
   */
  public long snapshotOfferSize() {
    return readLong(FrameDescriptor.SNAPSHOT_OFFER, FrameDescriptor.SNAPSHOT_OFFER_SIZE_OFFSET);
  }

  /**
   * Returns a SNAPSHOT_CHUNK's position.
   *
   * @return the log position of the snapshot the bytes belong to
   */
  public long snapshotChunkPosition() {
    return readLong(FrameDescriptor.SNAPSHOT_CHUNK, FrameDescriptor.SNAPSHOT_CHUNK_POSITION_OFFSET);
  }

  /**
   * Returns a SNAPSHOT_CHUNK's offset.
   *
   * @return where its bytes start in the snapshot
   */
  public long snapshotChunkOffset() {
    return readLong(FrameDescriptor.SNAPSHOT_CHUNK, FrameDescriptor.SNAPSHOT_CHUNK_OFFSET_OFFSET);
  }

  /**
   * Returns a SNAPSHOT_CHUNK's bytes as a read-only slice.
   *
   * @return the bytes, positioned at 0
   */
  public ByteBuffer snapshotChunkBytes() {
    expect(FrameDescriptor.SNAPSHOT_CHUNK);
    return buffer
        .slice(
            offset + FrameDescriptor.SNAPSHOT_CHUNK_BYTES_OFFSET,
            bodyLength() - FrameDescriptor.SNAPSHOT_CHUNK_FIXED_BODY_LENGTH)
        .asReadOnlyBuffer();
  }

  /**
   * Returns a SNAPSHOT_ACK's position.
   *
   * @return the log position of the snapshot answered
   */
  public long snapshotAckPosition() {
    return readLong(FrameDescriptor.SNAPSHOT_ACK, FrameDescriptor.SNAPSHOT_ACK_POSITION_OFFSET);
  }

  /**
   * Returns a SNAPSHOT_ACK's received bytes.
   *
   * @return the bytes the follower holds: where the leader resumes
   */
  public long snapshotAckReceived() {
    return readLong(FrameDescriptor.SNAPSHOT_ACK, FrameDescriptor.SNAPSHOT_ACK_RECEIVED_OFFSET);
  }

  /**
   * Returns a SNAPSHOT_ACK's status byte.
   *
   * @return one of {@link FrameDescriptor#SNAPSHOT_RECEIVING}..{@link
   *     FrameDescriptor#SNAPSHOT_FAILED}
   */
  public byte snapshotAckStatus() {
    expect(FrameDescriptor.SNAPSHOT_ACK);
    return buffer.get(offset + FrameDescriptor.SNAPSHOT_ACK_STATUS_OFFSET);
  }

  /**
   * Returns a SNAPSHOT_ACK's reason byte.
   *
   * @return one of the {@code SNAPSHOT_REASON_} constants
   */
  public byte snapshotAckReason() {
    expect(FrameDescriptor.SNAPSHOT_ACK);
    return buffer.get(offset + FrameDescriptor.SNAPSHOT_ACK_REASON_OFFSET);
  }

  private int tenantLength() {
    return Byte.toUnsignedInt(buffer.get(offset + FrameDescriptor.FORWARD_TENANT_LENGTH_OFFSET));
  }

  private String utf8(int at, int length) {
    byte[] bytes = new byte[length];
    buffer.get(at, bytes);
    return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return buffer == null
        ? "Frame[unwrapped]"
        : "Frame["
            + FrameDescriptor.typeName(type())
            + " shard "
            + shard()
            + " sender "
            + sender()
            + " epoch "
            + epoch()
            + " body "
            + bodyLength()
            + "]";
  }

  private long readLong(short type, int fieldOffset) {
    expect(type);
    return buffer.getLong(offset + fieldOffset);
  }

  private long forwardLong(int fieldOffset) {
    expectForward();
    return buffer.getLong(offset + fieldOffset);
  }

  private long sessionLong(int trailerOffset) {
    expect(FrameDescriptor.FORWARD_SESSION);
    int trailer =
        FrameDescriptor.HEADER_LENGTH
            + bodyLength()
            - FrameDescriptor.FORWARD_SESSION_TRAILER_LENGTH;
    return buffer.getLong(offset + trailer + trailerOffset);
  }

  private void expectForward() {
    if (type() != FrameDescriptor.FORWARD_SESSION) {
      expect(FrameDescriptor.FORWARD);
    }
  }

  private void expect(short type) {
    if (type() != type) {
      throw new IllegalStateException(
          "a "
              + FrameDescriptor.typeName(type())
              + " frame has no "
              + FrameDescriptor.typeName(type)
              + " fields");
    }
  }
}
