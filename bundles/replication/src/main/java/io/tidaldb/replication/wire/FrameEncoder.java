package io.tidaldb.replication.wire;

import static io.tidaldb.replication.wire.FrameDescriptor.ACK;
import static io.tidaldb.replication.wire.FrameDescriptor.BODY_OFFSET;
import static io.tidaldb.replication.wire.FrameDescriptor.CRC_OFFSET;
import static io.tidaldb.replication.wire.FrameDescriptor.EPOCH_END;
import static io.tidaldb.replication.wire.FrameDescriptor.EPOCH_END_REQUEST;
import static io.tidaldb.replication.wire.FrameDescriptor.HEADER_LENGTH;
import static io.tidaldb.replication.wire.FrameDescriptor.HEARTBEAT;
import static io.tidaldb.replication.wire.FrameDescriptor.HEARTBEAT_ACK;
import static io.tidaldb.replication.wire.FrameDescriptor.RESEND_REQUEST;
import static io.tidaldb.replication.wire.FrameDescriptor.VOTE;
import static io.tidaldb.replication.wire.FrameDescriptor.VOTE_REQUEST;
import static io.tidaldb.replication.wire.FrameDescriptor.WAL_BATCH;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Writes frames as laid out by {@link FrameDescriptor} into a caller's little-endian buffer, at an
 * absolute offset (the buffer's position and limit are not changed), and returns the frame's
 * length. Allocates nothing per frame.
 *
 * <p>Every method refuses, with {@link InvalidArgumentException}, a negative shard or epoch, a
 * sender outside {@code 0..65535}, a buffer that is not little-endian or too small, and a WAL batch
 * that is empty or larger than the configured maximum body.
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
   * Writes a HEARTBEAT frame.
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
    return twoLongs(dst, offset, HEARTBEAT, shard, sender, epoch, leaderHwm, sentNanos);
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
