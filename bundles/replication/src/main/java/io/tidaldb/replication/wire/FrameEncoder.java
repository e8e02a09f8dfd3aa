package io.tidaldb.replication.wire;

import static io.tidaldb.replication.wire.FrameDescriptor.ACK;
import static io.tidaldb.replication.wire.FrameDescriptor.BODY_OFFSET;
import static io.tidaldb.replication.wire.FrameDescriptor.CRC_OFFSET;
import static io.tidaldb.replication.wire.FrameDescriptor.EPOCH_END;
import static io.tidaldb.replication.wire.FrameDescriptor.EPOCH_END_REQUEST;
import static io.tidaldb.replication.wire.FrameDescriptor.FORWARD;
import static io.tidaldb.replication.wire.FrameDescriptor.FORWARD_REPLY;
import static io.tidaldb.replication.wire.FrameDescriptor.HEADER_LENGTH;
import static io.tidaldb.replication.wire.FrameDescriptor.HEARTBEAT;
import static io.tidaldb.replication.wire.FrameDescriptor.HEARTBEAT_ACK;
import static io.tidaldb.replication.wire.FrameDescriptor.LIMITS;
import static io.tidaldb.replication.wire.FrameDescriptor.PRE_VOTE;
import static io.tidaldb.replication.wire.FrameDescriptor.PRE_VOTE_REQUEST;
import static io.tidaldb.replication.wire.FrameDescriptor.RESEND_REQUEST;
import static io.tidaldb.replication.wire.FrameDescriptor.SNAPSHOT_ACK;
import static io.tidaldb.replication.wire.FrameDescriptor.SNAPSHOT_CHUNK;
import static io.tidaldb.replication.wire.FrameDescriptor.SNAPSHOT_OFFER;
import static io.tidaldb.replication.wire.FrameDescriptor.TIMEOUT_NOW;
import static io.tidaldb.replication.wire.FrameDescriptor.VOTE;
import static io.tidaldb.replication.wire.FrameDescriptor.VOTE_REQUEST;
import static io.tidaldb.replication.wire.FrameDescriptor.WAL_BATCH;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Writes frames as laid out by {@link FrameDescriptor} into a caller's little-endian buffer, at an
 * absolute offset (the buffer's position and limit are not changed), and returns the frame's
 * length. Allocates nothing per frame.
 *
 * <p>Every method refuses, with {@link InvalidArgumentException}, a negative shard or epoch, a
 * sender outside {@code 0..65535}, a buffer that is not little-endian or too small, and a WAL batch
 * that is empty or larger than the configured maximum body. FORWARD refuses names outside their
 * byte limits and unknown durability bytes (a {@link ForwardError} checks its own fields); FORWARD
 * and FORWARD_REPLY encode their strings, the only allocation here (forwarding is off the hot
 * path). The snapshot frames refuse negative positions, sizes and offsets, a last epoch above the
 * frame's, an empty or oversized chunk and unknown status or reason bytes.
 *
 * <p>Not thread-safe: one instance per writing thread.
 */
public final class FrameEncoder {
  private final int maxBodyBytes;
  private final CRC32C crc = new CRC32C();
  private final byte[] scratch = FrameDescriptor.newCrcScratch();

  /**
   * Creates an encoder.
   *
   * @param maxBodyBytes the largest body it writes, at least {@link
   *     FrameDescriptor#MAX_FIXED_BODY_LENGTH}
   * @throws InvalidArgumentException if {@code maxBodyBytes} is out of range
   */
  public FrameEncoder(int maxBodyBytes) {
    this.maxBodyBytes = FrameDecoder.checkMaxBody(maxBodyBytes);
  }

  /**
   * Returns the largest body this encoder writes.
   *
   * @return the limit in bytes
   */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /**
   * Writes a WAL_BATCH frame whose body is a copy of {@code batch}'s remaining bytes.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts in {@code dst}
   * @param shard the shard
   * @param sender the sending region's id
   * @param epoch the batch's epoch
   * @param batch the batch's bytes, from its position to its limit (position unchanged)
   * @return the frame's length
   */
  public int walBatch(
      ByteBuffer dst, int offset, int shard, int sender, long epoch, ByteBuffer batch) {
    int length = batch.remaining();
    if (length < 1 || length > maxBodyBytes) {
      throw new InvalidArgumentException("WAL batch length", length, "must be 1.." + maxBodyBytes);
    }
    header(dst, offset, WAL_BATCH, shard, sender, epoch, length);
    dst.put(offset + BODY_OFFSET, batch, batch.position(), length);
    return finish(dst, offset, length);
  }

  /**
   * Writes an ACK frame.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the shard
   * @param sender the sending region's id
   * @param epoch the epoch
   * @param durableHwm the next position the follower has durably applied
   * @return the frame's length
   */
  public int ack(ByteBuffer dst, int offset, int shard, int sender, long epoch, long durableHwm) {
    return oneLong(dst, offset, ACK, shard, sender, epoch, durableHwm);
  }

  /**
   * Writes a RESEND_REQUEST frame.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the shard
   * @param sender the sending region's id
   * @param epoch the epoch
   * @param fromPosition the first position to resend
   * @return the frame's length
   */
  public int resendRequest(
      ByteBuffer dst, int offset, int shard, int sender, long epoch, long fromPosition) {
    return oneLong(dst, offset, RESEND_REQUEST, shard, sender, epoch, fromPosition);
  }

  /**
   * Writes a HEARTBEAT frame with commit 0 (none known).
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the shard
   * @param sender the sending region's id
   * @param epoch the leader's epoch
   * @param leaderHwm the leader's durable HWM
   * @param sentNanos the leader's clock when sent
   * @return the frame's length
   */
  public int heartbeat(
      ByteBuffer dst,
      int offset,
      int shard,
      int sender,
      long epoch,
      long leaderHwm,
      long sentNanos) {
    return heartbeat(dst, offset, shard, sender, epoch, leaderHwm, sentNanos, 0);
  }

  /**
   * Writes a HEARTBEAT frame with the leader's known commit.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the shard
   * @param sender the sending region's id
   * @param epoch the leader's epoch
   * @param leaderHwm the leader's durable HWM
   * @param sentNanos the leader's clock when sent
   * @param commit every record below it is committed, as the leader knows (0: none known)
   * @return the frame's length
   */
  public int heartbeat(
      ByteBuffer dst,
      int offset,
      int shard,
      int sender,
      long epoch,
      long leaderHwm,
      long sentNanos,
      long commit) {
    int body = 3 * Long.BYTES;
    header(dst, offset, HEARTBEAT, shard, sender, epoch, body);
    dst.putLong(offset + FrameDescriptor.HEARTBEAT_LEADER_HWM_OFFSET, leaderHwm);
    dst.putLong(offset + FrameDescriptor.HEARTBEAT_SENT_NANOS_OFFSET, sentNanos);
    dst.putLong(offset + FrameDescriptor.HEARTBEAT_COMMIT_OFFSET, commit);
    return finish(dst, offset, body);
  }

  /**
   * Writes a HEARTBEAT_ACK frame.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the shard
   * @param sender the sending region's id
   * @param epoch the sender's current epoch
   * @param hwm the sender's durable HWM
   * @param echoNanos the sent nanos of the heartbeat answered
   * @return the frame's length
   */
  public int heartbeatAck(
      ByteBuffer dst, int offset, int shard, int sender, long epoch, long hwm, long echoNanos) {
    return twoLongs(dst, offset, HEARTBEAT_ACK, shard, sender, epoch, hwm, echoNanos);
  }

  /**
   * Writes a VOTE_REQUEST frame.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the shard
   * @param sender the candidate's region id
   * @param epoch the epoch the candidate runs for
   * @param lastEpoch the epoch of the candidate's last durable record
   * @param hwm the candidate's durable HWM
   * @return the frame's length
   */
  public int voteRequest(
      ByteBuffer dst, int offset, int shard, int sender, long epoch, long lastEpoch, long hwm) {
    return twoLongs(dst, offset, VOTE_REQUEST, shard, sender, epoch, lastEpoch, hwm);
  }

  /**
   * Writes a VOTE frame.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the shard
   * @param sender the voter's region id
   * @param epoch the voter's current epoch
   * @param granted whether the vote is granted
   * @return the frame's length
   */
  public int vote(ByteBuffer dst, int offset, int shard, int sender, long epoch, boolean granted) {
    header(dst, offset, VOTE, shard, sender, epoch, 1);
    dst.put(offset + FrameDescriptor.VOTE_GRANTED_OFFSET, granted ? (byte) 1 : (byte) 0);
    return finish(dst, offset, 1);
  }

  /**
   * Writes a PRE_VOTE_REQUEST frame.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the shard
   * @param sender the asking region's id
   * @param proposedEpoch the epoch it would run for (its current epoch + 1)
   * @param lastEpoch the epoch of its last durable record
   * @param hwm its durable HWM
   * @return the frame's length
   */
  public int preVoteRequest(
      ByteBuffer dst,
      int offset,
      int shard,
      int sender,
      long proposedEpoch,
      long lastEpoch,
      long hwm) {
    return twoLongs(dst, offset, PRE_VOTE_REQUEST, shard, sender, proposedEpoch, lastEpoch, hwm);
  }

  /**
   * Writes a PRE_VOTE frame.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the shard
   * @param sender the answering region's id
   * @param epoch the proposed epoch when granted, the sender's current epoch when refused
   * @param granted whether the pre-vote is granted
   * @return the frame's length
   */
  public int preVote(
      ByteBuffer dst, int offset, int shard, int sender, long epoch, boolean granted) {
    header(dst, offset, PRE_VOTE, shard, sender, epoch, 1);
    dst.put(offset + FrameDescriptor.PRE_VOTE_GRANTED_OFFSET, granted ? (byte) 1 : (byte) 0);
    return finish(dst, offset, 1);
  }

  /**
   * Writes a TIMEOUT_NOW frame.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the shard
   * @param sender the leader's region id
   * @param epoch the leader's epoch
   * @param logEnd the leader's durable position, which the receiver must have reached
   * @return the frame's length
   */
  public int timeoutNow(
      ByteBuffer dst, int offset, int shard, int sender, long epoch, long logEnd) {
    return oneLong(dst, offset, TIMEOUT_NOW, shard, sender, epoch, logEnd);
  }

  /**
   * Writes an EPOCH_END_REQUEST frame.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the shard
   * @param sender the follower's region id
   * @param epoch the epoch of the leader it follows
   * @param lastEpoch the epoch of the follower's last durable batch
   * @return the frame's length
   */
  public int epochEndRequest(
      ByteBuffer dst, int offset, int shard, int sender, long epoch, long lastEpoch) {
    return oneLong(dst, offset, EPOCH_END_REQUEST, shard, sender, epoch, lastEpoch);
  }

  /**
   * Writes an EPOCH_END frame.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the shard
   * @param sender the leader's region id
   * @param epoch the leader's epoch
   * @param foundEpoch the leader's largest log epoch not above the one asked for
   * @param endPosition where {@code foundEpoch} ends in the leader's log
   * @return the frame's length
   */
  public int epochEnd(
      ByteBuffer dst,
      int offset,
      int shard,
      int sender,
      long epoch,
      long foundEpoch,
      long endPosition) {
    return twoLongs(dst, offset, EPOCH_END, shard, sender, epoch, foundEpoch, endPosition);
  }

  /**
   * Writes a LIMITS frame.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the shard
   * @param sender the sending region's id
   * @param epoch the sender's current epoch
   * @param acceptBatchBytes the largest WAL batch, header included, the sender takes
   * @param writeBatchBytes the largest WAL batch, header included, the sender's log writes
   * @return the frame's length
   */
  public int limits(
      ByteBuffer dst,
      int offset,
      int shard,
      int sender,
      long epoch,
      long acceptBatchBytes,
      long writeBatchBytes) {
    return twoLongs(dst, offset, LIMITS, shard, sender, epoch, acceptBatchBytes, writeBatchBytes);
  }

  /**
   * Writes a FORWARD frame.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the signal's shard
   * @param sender the forwarding region's id
   * @param epoch the epoch of the leader it forwards to, as the sender knows it
   * @param requestId the request id the reply will carry
   * @param entity the entity
   * @param weight the weight
   * @param eventMillis the event time in epoch milliseconds
   * @param durability the durability byte ({@link FrameDescriptor#DURABILITY_LOCAL}..{@link
   *     FrameDescriptor#DURABILITY_ALL})
   * @param tenant the tenant name, 1..255 UTF-8 bytes
   * @param type the signal type name, 1..255 UTF-8 bytes
   * @return the frame's length
   */
  public int forward(
      ByteBuffer dst,
      int offset,
      int shard,
      int sender,
      long epoch,
      long requestId,
      long entity,
      double weight,
      long eventMillis,
      byte durability,
      String tenant,
      String type) {
    return forward(
        dst,
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
        type,
        null);
  }

  /**
   * Writes a FORWARD frame, or a FORWARD_SESSION frame if {@code session} is not null: the same
   * fields followed by the session id, seq and acked below.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the signal's shard
   * @param sender the forwarding region's id
   * @param epoch the epoch of the leader it forwards to, as the sender knows it
   * @param requestId the request id the reply will carry
   * @param entity the entity
   * @param weight the weight
   * @param eventMillis the event time in epoch milliseconds
   * @param durability the durability byte
   * @param tenant the tenant name, 1..255 UTF-8 bytes
   * @param type the signal type name, 1..255 UTF-8 bytes
   * @param session the write's session, seq and acked below, or null for a plain FORWARD
   * @return the frame's length
   */
  public int forward(
      ByteBuffer dst,
      int offset,
      int shard,
      int sender,
      long epoch,
      long requestId,
      long entity,
      double weight,
      long eventMillis,
      byte durability,
      String tenant,
      String type,
      SessionSeq session) {
    checkDurability(durability);
    byte[] t = name("forward tenant", tenant);
    byte[] y = name("forward type", type);
    int names = FrameDescriptor.FORWARD_FIXED_BODY_LENGTH + t.length + y.length;
    int body = session == null ? names : names + FrameDescriptor.FORWARD_SESSION_TRAILER_LENGTH;
    short kind = session == null ? FORWARD : FrameDescriptor.FORWARD_SESSION;
    header(dst, offset, kind, shard, sender, epoch, body);
    if (session != null) {
      int at = offset + FrameDescriptor.HEADER_LENGTH + names;
      putSession(dst, at, session);
    }
    dst.putLong(offset + FrameDescriptor.FORWARD_REQUEST_ID_OFFSET, requestId);
    dst.putLong(offset + FrameDescriptor.FORWARD_ENTITY_OFFSET, entity);
    dst.putLong(offset + FrameDescriptor.FORWARD_WEIGHT_OFFSET, Double.doubleToRawLongBits(weight));
    dst.putLong(offset + FrameDescriptor.FORWARD_EVENT_MILLIS_OFFSET, eventMillis);
    dst.put(offset + FrameDescriptor.FORWARD_DURABILITY_OFFSET, durability);
    dst.put(offset + FrameDescriptor.FORWARD_TENANT_LENGTH_OFFSET, (byte) t.length);
    int at = offset + FrameDescriptor.FORWARD_TENANT_OFFSET;
    dst.put(at, t);
    at += t.length;
    dst.put(at, (byte) y.length);
    dst.put(at + 1, y);
    return finish(dst, offset, body);
  }

  /**
   * Writes a FORWARD_PART frame: one shard's part of a client session's batch. The signals' tenant
   * is written once (they must share it) and their types as a table of names, each once in the
   * order of first use, the slots naming them by index.
   *
   * @param dst the destination buffer (little-endian), with room for {@link #forwardPartLength}
   * @param offset where the frame starts
   * @param shard the part's shard
   * @param sender the forwarding region's id
   * @param epoch the epoch of the leader it forwards to, as the sender knows it
   * @param requestId the request id the reply will carry
   * @param durability the durability byte
   * @param signals the part's signals, 1 to {@link FrameDescriptor#FORWARD_PART_MAX_SIGNALS} of one
   *     tenant and at most 255 types
   * @param session the batch's session, seq and acked below
   * @return the frame's length
   * @throws InvalidArgumentException naming the value if the part does not fit the rules
   */
  public int forwardPart(
      ByteBuffer dst,
      int offset,
      int shard,
      int sender,
      long epoch,
      long requestId,
      byte durability,
      List<Signal> signals,
      SessionSeq session) {
    checkDurability(durability);
    PartNames names = PartNames.of(signals);
    if (session == null) {
      throw new InvalidArgumentException("forward part session", null, "must not be null");
    }
    int body = names.bodyLength(signals.size());
    header(dst, offset, FrameDescriptor.FORWARD_PART, shard, sender, epoch, body);
    dst.putLong(offset + FrameDescriptor.FORWARD_REQUEST_ID_OFFSET, requestId);
    dst.put(offset + FrameDescriptor.FORWARD_PART_DURABILITY_OFFSET, durability);
    int at = offset + FrameDescriptor.FORWARD_PART_SESSION_OFFSET;
    putSession(dst, at, session);
    dst.putShort(offset + FrameDescriptor.FORWARD_PART_COUNT_OFFSET, (short) signals.size());
    dst.put(offset + FrameDescriptor.FORWARD_PART_TENANT_LENGTH_OFFSET, (byte) names.tenant.length);
    at = offset + FrameDescriptor.FORWARD_PART_TENANT_OFFSET;
    dst.put(at, names.tenant);
    at += names.tenant.length;
    dst.put(at++, (byte) names.types.size());
    for (byte[] type : names.types) {
      dst.put(at++, (byte) type.length);
      dst.put(at, type);
      at += type.length;
    }
    for (int i = 0; i < signals.size(); i++) {
      Signal signal = signals.get(i);
      dst.put(at, (byte) (int) names.index.get(signal.type().name()));
      dst.putLong(at + 1, signal.entity().value());
      dst.putLong(at + 9, Double.doubleToRawLongBits(signal.weight()));
      dst.putLong(at + 17, signal.eventTime().epochMillis());
      at += FrameDescriptor.FORWARD_PART_SLOT_LENGTH;
    }
    return finish(dst, offset, body);
  }

  /**
   * Returns the length of the FORWARD_PART frame {@link #forwardPart} writes for {@code signals},
   * header included.
   *
   * @param signals the part's signals
   * @return the frame's length
   * @throws InvalidArgumentException naming the value if the part does not fit the rules
   */
  public static int forwardPartLength(List<Signal> signals) {
    return HEADER_LENGTH + PartNames.of(signals).bodyLength(signals.size());
  }

  /** A part's tenant and type names as FORWARD_PART writes them. */
  private static final class PartNames {
    final byte[] tenant;
    final List<byte[]> types = new java.util.ArrayList<>();
    final java.util.Map<String, Integer> index = new java.util.HashMap<>();
    int typeBytes;

    private PartNames(byte[] tenant) {
      this.tenant = tenant;
    }

    static PartNames of(List<Signal> signals) {
      if (signals == null
          || signals.isEmpty()
          || signals.size() > FrameDescriptor.FORWARD_PART_MAX_SIGNALS) {
        throw new InvalidArgumentException(
            "forward part signals",
            signals == null ? null : signals.size(),
            "must be 1.." + FrameDescriptor.FORWARD_PART_MAX_SIGNALS);
      }
      String tenant = signals.get(0).tenant().name();
      PartNames n = new PartNames(name("forward part tenant", tenant));
      for (Signal signal : signals) {
        if (!signal.tenant().name().equals(tenant)) {
          throw new InvalidArgumentException(
              "forward part tenant", signal.tenant(), "must be the part's one tenant " + tenant);
        }
        String type = signal.type().name();
        if (!n.index.containsKey(type)) {
          if (n.types.size() == 255) {
            throw new InvalidArgumentException(
                "forward part types", 256, "must be at most 255 in one part");
          }
          byte[] bytes = name("forward part type", type);
          n.index.put(type, n.types.size());
          n.types.add(bytes);
          n.typeBytes += 1 + bytes.length;
        }
      }
      return n;
    }

    int bodyLength(int signals) {
      return FrameDescriptor.FORWARD_PART_FIXED_BODY_LENGTH
          + tenant.length
          + 1
          + typeBytes
          + signals * FrameDescriptor.FORWARD_PART_SLOT_LENGTH;
    }
  }

  /**
   * Writes a FORWARD_REPLY frame that acknowledges the signal (status OK).
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the signal's shard
   * @param sender the replying region's id
   * @param epoch the replier's epoch of the shard
   * @param requestId the id of the FORWARD answered
   * @param position the signal's position
   * @param hlc the signal's hybrid logical clock stamp
   * @param durability the durability byte met
   * @return the frame's length
   */
  public int forwardReply(
      ByteBuffer dst,
      int offset,
      int shard,
      int sender,
      long epoch,
      long requestId,
      long position,
      long hlc,
      byte durability) {
    checkDurability(durability);
    return reply(dst, offset, shard, sender, epoch, requestId, position, hlc, durability, null);
  }

  /**
   * Writes a FORWARD_REPLY frame that refuses the signal with typed fields.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the signal's shard
   * @param sender the replying region's id
   * @param epoch the replier's epoch of the shard
   * @param requestId the id of the FORWARD answered
   * @param error the refusal; a NOT_LEADER's leader goes into the position field
   * @return the frame's length
   */
  public int forwardReply(
      ByteBuffer dst,
      int offset,
      int shard,
      int sender,
      long epoch,
      long requestId,
      ForwardError error) {
    if (error == null) {
      throw new InvalidArgumentException("forward reply error", null, "must not be null");
    }
    long position = error instanceof ForwardError.NotLeader n ? n.leader() : 0;
    return reply(
        dst,
        offset,
        shard,
        sender,
        epoch,
        requestId,
        position,
        0,
        FrameDescriptor.DURABILITY_LOCAL,
        error);
  }

  private int reply(
      ByteBuffer dst,
      int offset,
      int shard,
      int sender,
      long epoch,
      long requestId,
      long position,
      long hlc,
      byte durability,
      ForwardError error) {
    int fields = error == null ? 0 : ForwardErrors.length(error);
    int body = FrameDescriptor.REPLY_FIXED_BODY_LENGTH + fields;
    header(dst, offset, FORWARD_REPLY, shard, sender, epoch, body);
    dst.putLong(offset + FrameDescriptor.REPLY_REQUEST_ID_OFFSET, requestId);
    dst.putLong(offset + FrameDescriptor.REPLY_POSITION_OFFSET, position);
    dst.putLong(offset + FrameDescriptor.REPLY_HLC_OFFSET, hlc);
    dst.put(offset + FrameDescriptor.REPLY_DURABILITY_OFFSET, durability);
    dst.put(
        offset + FrameDescriptor.REPLY_STATUS_OFFSET,
        error == null ? FrameDescriptor.STATUS_OK : error.status());
    dst.putShort(offset + FrameDescriptor.REPLY_FIELDS_LENGTH_OFFSET, (short) fields);
    if (error != null) {
      ForwardErrors.write(dst, offset + FrameDescriptor.REPLY_FIELDS_OFFSET, error);
    }
    return finish(dst, offset, body);
  }

  /**
   * Writes a SNAPSHOT_OFFER frame.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the shard
   * @param sender the leader's region id
   * @param epoch the leader's epoch
   * @param position the log position the snapshot covers, at least 0
   * @param lastEpoch the epoch of the record below {@code position}, {@code 0..epoch}
   * @param size the snapshot's length in bytes, at least 0
   * @return the frame's length
   */
  public int snapshotOffer(
      ByteBuffer dst,
      int offset,
      int shard,
      int sender,
      long epoch,
      long position,
      long lastEpoch,
      long size) {
    notNegative("snapshot position", position);
    notNegative("snapshot size", size);
    if (lastEpoch < 0 || lastEpoch > epoch) {
      throw new InvalidArgumentException(
          "snapshot last epoch", lastEpoch, "must be 0.." + epoch + ", the frame's epoch");
    }
    int body = 3 * Long.BYTES;
    header(dst, offset, SNAPSHOT_OFFER, shard, sender, epoch, body);
    dst.putLong(offset + FrameDescriptor.SNAPSHOT_OFFER_POSITION_OFFSET, position);
    dst.putLong(offset + FrameDescriptor.SNAPSHOT_OFFER_LAST_EPOCH_OFFSET, lastEpoch);
    dst.putLong(offset + FrameDescriptor.SNAPSHOT_OFFER_SIZE_OFFSET, size);
    return finish(dst, offset, body);
  }

  /**
   * Writes a SNAPSHOT_CHUNK frame whose bytes are a copy of {@code bytes}' remaining bytes.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the shard
   * @param sender the leader's region id
   * @param epoch the leader's epoch
   * @param position the log position of the snapshot the bytes belong to, at least 0
   * @param chunkOffset where the bytes start in the snapshot, at least 0
   * @param bytes the bytes, from position to limit (position unchanged), at least one, at most
   *     {@link #maxBodyBytes()} less {@link FrameDescriptor#SNAPSHOT_CHUNK_FIXED_BODY_LENGTH}
   * @return the frame's length
   */
  public int snapshotChunk(
      ByteBuffer dst,
      int offset,
      int shard,
      int sender,
      long epoch,
      long position,
      long chunkOffset,
      ByteBuffer bytes) {
    notNegative("snapshot position", position);
    notNegative("snapshot chunk offset", chunkOffset);
    int length = bytes.remaining();
    int max = maxBodyBytes - FrameDescriptor.SNAPSHOT_CHUNK_FIXED_BODY_LENGTH;
    if (length < 1 || length > max) {
      throw new InvalidArgumentException("snapshot chunk length", length, "must be 1.." + max);
    }
    int body = FrameDescriptor.SNAPSHOT_CHUNK_FIXED_BODY_LENGTH + length;
    header(dst, offset, SNAPSHOT_CHUNK, shard, sender, epoch, body);
    dst.putLong(offset + FrameDescriptor.SNAPSHOT_CHUNK_POSITION_OFFSET, position);
    dst.putLong(offset + FrameDescriptor.SNAPSHOT_CHUNK_OFFSET_OFFSET, chunkOffset);
    dst.put(offset + FrameDescriptor.SNAPSHOT_CHUNK_BYTES_OFFSET, bytes, bytes.position(), length);
    return finish(dst, offset, body);
  }

  /**
   * Writes a SNAPSHOT_ACK frame.
   *
   * @param dst the destination buffer (little-endian)
   * @param offset where the frame starts
   * @param shard the shard
   * @param sender the follower's region id
   * @param epoch the epoch of the leader it answers
   * @param position the log position of the snapshot answered, at least 0
   * @param received the bytes the follower holds, at least 0
   * @param status {@link FrameDescriptor#SNAPSHOT_RECEIVING}..{@link
   *     FrameDescriptor#SNAPSHOT_FAILED}
   * @param reason {@link FrameDescriptor#SNAPSHOT_REASON_NONE}..{@link
   *     FrameDescriptor#SNAPSHOT_REASON_UNSUPPORTED}
   * @return the frame's length
   */
  public int snapshotAck(
      ByteBuffer dst,
      int offset,
      int shard,
      int sender,
      long epoch,
      long position,
      long received,
      byte status,
      byte reason) {
    notNegative("snapshot position", position);
    notNegative("snapshot received", received);
    FrameDecoder.checkSnapshotAck(status, reason);
    int body = FrameDescriptor.bodyLength(SNAPSHOT_ACK);
    header(dst, offset, SNAPSHOT_ACK, shard, sender, epoch, body);
    dst.putLong(offset + FrameDescriptor.SNAPSHOT_ACK_POSITION_OFFSET, position);
    dst.putLong(offset + FrameDescriptor.SNAPSHOT_ACK_RECEIVED_OFFSET, received);
    dst.put(offset + FrameDescriptor.SNAPSHOT_ACK_STATUS_OFFSET, status);
    dst.put(offset + FrameDescriptor.SNAPSHOT_ACK_REASON_OFFSET, reason);
    return finish(dst, offset, body);
  }

  private static void notNegative(String field, long value) {
    if (value < 0) {
      throw new InvalidArgumentException(field, value, "must be >= 0");
    }
  }

  private static void checkDurability(byte durability) {
    if (durability < FrameDescriptor.DURABILITY_LOCAL
        || durability > FrameDescriptor.DURABILITY_ALL) {
      throw new InvalidArgumentException(
          "forward durability",
          durability,
          "must be " + FrameDescriptor.DURABILITY_LOCAL + ".." + FrameDescriptor.DURABILITY_ALL);
    }
  }

  /** Writes a session id, seq and acked below (longs) at {@code at}: the decoder's checkSession. */
  private static void putSession(ByteBuffer dst, int at, SessionSeq session) {
    dst.putLong(at, session.session());
    dst.putLong(at + 8, session.seq());
    dst.putLong(at + 16, session.ackedBelow());
  }

  private static byte[] name(String what, String name) {
    if (name == null) {
      throw new InvalidArgumentException(what, null, "must not be null");
    }
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    if (bytes.length < 1 || bytes.length > FrameDescriptor.FORWARD_NAME_MAX_BYTES) {
      throw new InvalidArgumentException(
          what + " length",
          bytes.length,
          "must be 1.." + FrameDescriptor.FORWARD_NAME_MAX_BYTES + " UTF-8 bytes");
    }
    return bytes;
  }

  private int oneLong(
      ByteBuffer dst, int offset, short type, int shard, int sender, long epoch, long value) {
    header(dst, offset, type, shard, sender, epoch, Long.BYTES);
    dst.putLong(offset + BODY_OFFSET, value);
    return finish(dst, offset, Long.BYTES);
  }

  private int twoLongs(
      ByteBuffer dst,
      int offset,
      short type,
      int shard,
      int sender,
      long epoch,
      long first,
      long second) {
    header(dst, offset, type, shard, sender, epoch, 2 * Long.BYTES);
    dst.putLong(offset + BODY_OFFSET, first);
    dst.putLong(offset + BODY_OFFSET + Long.BYTES, second);
    return finish(dst, offset, 2 * Long.BYTES);
  }

  private void header(
      ByteBuffer dst, int offset, short type, int shard, int sender, long epoch, int bodyLength) {
    if (dst.order() != ByteOrder.LITTLE_ENDIAN) {
      throw new InvalidArgumentException(
          "frame buffer order", dst.order(), "must be LITTLE_ENDIAN");
    }
    if (offset < 0 || (long) offset + HEADER_LENGTH + bodyLength > dst.limit()) {
      throw new InvalidArgumentException(
          "frame offset",
          offset,
          "must leave " + (HEADER_LENGTH + bodyLength) + " bytes before the limit " + dst.limit());
    }
    if (shard < 0) {
      throw new InvalidArgumentException("frame shard", shard, "must be >= 0");
    }
    if (sender < 0 || sender > RegionId.MAX_VALUE) {
      throw new InvalidArgumentException(
          "frame sender region", sender, "must be 0.." + RegionId.MAX_VALUE);
    }
    if (epoch < 0) {
      throw new InvalidArgumentException("frame epoch", epoch, "must be >= 0");
    }
    FrameDescriptor.writeHeader(dst, offset, type, shard, sender, epoch, bodyLength);
  }

  private int finish(ByteBuffer dst, int offset, int bodyLength) {
    dst.putInt(
        offset + CRC_OFFSET, FrameDescriptor.computeCrc(crc, scratch, dst, offset, bodyLength));
    return HEADER_LENGTH + bodyLength;
  }
}
